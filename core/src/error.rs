//! The engine's error type. Every variant carries a stable code (SPEC section 4)
//! that reaches every surface (Rust, C, Python, Node, HTTP) unchanged.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Stable, machine-readable error codes. Never renumber or reuse a value:
/// the C ABI exposes `code as i32 + 1` style numbers derived from this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    ValidationError,
    MaritimeRouteError,
    RoadRouteError,
    RenderFailed,
    EncodeFailed,
    Cancelled,
    BatchTooLarge,
}

impl ErrorCode {
    /// Every code, in the order of SPEC section 4.
    pub const ALL: [ErrorCode; 7] = [
        ErrorCode::ValidationError,
        ErrorCode::MaritimeRouteError,
        ErrorCode::RoadRouteError,
        ErrorCode::RenderFailed,
        ErrorCode::EncodeFailed,
        ErrorCode::Cancelled,
        ErrorCode::BatchTooLarge,
    ];

    /// Parses a code as it appears in JSON (`"ROAD_ROUTE_ERROR"`).
    pub fn from_name(name: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The code as it appears in JSON and in every binding, e.g. `"VALIDATION_ERROR"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationError => "VALIDATION_ERROR",
            ErrorCode::MaritimeRouteError => "MARITIME_ROUTE_ERROR",
            ErrorCode::RoadRouteError => "ROAD_ROUTE_ERROR",
            ErrorCode::RenderFailed => "RENDER_FAILED",
            ErrorCode::EncodeFailed => "ENCODE_FAILED",
            ErrorCode::Cancelled => "CANCELLED",
            ErrorCode::BatchTooLarge => "BATCH_TOO_LARGE",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found while validating a job or batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// JSON path of the offending value, e.g. `jobs[1].waypoints[0].lat`.
    pub field: String,
    /// Short machine-readable reason: `required`, `out_of_range`, `invalid_type`,
    /// `invalid_value`, `unknown_field`, `not_finite`, `too_few`, `too_many`, `too_long`,
    /// `invalid_format`, `not_supported`.
    pub code: String,
    /// Human-readable sentence.
    pub message: String,
    /// What to do instead, when there is something useful to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// The accepted values, when the field is an enum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_options: Option<Vec<String>>,
}

impl Issue {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Issue {
            field: field.into(),
            code: code.to_string(),
            message: message.into(),
            suggestion: None,
            valid_options: None,
        }
    }

    pub fn suggest(mut self, suggestion: impl Into<String>) -> Self {
        self.suggestion = Some(suggestion.into());
        self
    }

    pub fn options<S: AsRef<str>>(mut self, options: &[S]) -> Self {
        self.valid_options = Some(options.iter().map(|s| s.as_ref().to_string()).collect());
        self
    }
}

/// Everything that can go wrong in the engine.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Bad job or batch JSON; carries every issue found.
    #[error("{}", summarize(.0))]
    Validation(Vec<Issue>),
    #[error("{0}")]
    MaritimeRoute(String),
    #[error("{0}")]
    RoadRoute(String),
    #[error("{0}")]
    RenderFailed(String),
    #[error("{0}")]
    EncodeFailed(String),
    #[error("cancelled by the caller")]
    Cancelled,
    #[error("batch has {count} jobs; the limit is {limit}")]
    BatchTooLarge { count: usize, limit: usize },
}

fn summarize(issues: &[Issue]) -> String {
    match issues {
        [] => "invalid job".to_string(),
        [one] => format!("{}: {}", one.field, one.message),
        [first, rest @ ..] => format!(
            "{}: {} (and {} more issue{})",
            first.field,
            first.message,
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        ),
    }
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Validation(_) => ErrorCode::ValidationError,
            Error::MaritimeRoute(_) => ErrorCode::MaritimeRouteError,
            Error::RoadRoute(_) => ErrorCode::RoadRouteError,
            Error::RenderFailed(_) => ErrorCode::RenderFailed,
            Error::EncodeFailed(_) => ErrorCode::EncodeFailed,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::BatchTooLarge { .. } => ErrorCode::BatchTooLarge,
        }
    }

    /// The validation issues, empty for other errors.
    pub fn issues(&self) -> &[Issue] {
        match self {
            Error::Validation(issues) => issues,
            _ => &[],
        }
    }

    /// A single validation issue as an error.
    pub fn invalid(issue: Issue) -> Self {
        Error::Validation(vec![issue])
    }

    /// The standard message for an impossible sea route.
    pub fn no_sea_route() -> Self {
        Error::MaritimeRoute(
            "Could not calculate sea route between points. Land mass in the way.".into(),
        )
    }

    /// The standard message for an impossible road route.
    pub fn no_road_route() -> Self {
        Error::RoadRoute("No road found between waypoints".into())
    }
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
