//! The render job (SPEC sections 2, 3, 6): parsing, validation with JSON paths,
//! defaults, and batches with deep-merged `shared_options`.
//!
//! Validation walks the `serde_json::Value` tree against the schema itself, so
//! every problem is reported at once, each as an [`Issue`](crate::Issue) with
//! its path (`jobs[1].waypoints[0].lat`), a code and, for enums, the valid
//! options. Only a job without issues is resolved into a [`Job`].
//!
//! ```
//! let job = georender::job::parse_job(
//!     r#"{"waypoints": [{"lat": 51.5, "lng": -0.1}, {"lat": 40.7, "lng": -74.0}]}"#,
//! )
//! .unwrap();
//! assert_eq!(job.fps, 30);
//! assert_eq!(job.style.as_str(), "maritime-dark");
//! ```

mod ctx;
mod enums;
mod json;
mod merge;
mod modes;
mod passage;
mod resolution;
mod sections;
mod types;
mod validate;

pub use enums::{
    Anchor, CameraMode, CameraPreset, Corner, Ease, Emphasis, Intensity, LabelCollision, Mode,
    OutputFormat, Projection, Quality, RouteModeOpt, Style, Trail, Transport, Units, VehicleIcon,
};
pub use merge::{batch_from_value, batch_from_values, merge, DEFAULT_BATCH_LIMIT};
pub use passage::{normalize_passage, ARCTIC_PASSAGES, PASSAGES};
pub use resolution::{Resolution, ResolutionError};
pub use types::*;

use crate::error::{Error, Result};
use crate::geo::LatLng;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Parses and validates one job from JSON text. Malformed JSON is a
/// `VALIDATION_ERROR` with one `invalid_format` issue at field `""` whose
/// message gives the line and column.
pub fn parse_job(json: &str) -> Result<Job> {
    let v = json::parse_text(json).map_err(Error::invalid)?;
    job_from_value(&v)
}

/// Validates one job given as a JSON value and resolves its defaults.
pub fn job_from_value(v: &Value) -> Result<Job> {
    let mut ctx = ctx::Ctx::new(false);
    let job = validate::build_job(&mut ctx, v);
    if ctx.found.is_empty() {
        Ok(job)
    } else {
        Err(Error::Validation(
            ctx.found.into_iter().map(|f| f.into_issue(&[])).collect(),
        ))
    }
}

/// Parses and validates a batch body `{ "jobs": [...], "shared_options": {...} }`
/// from JSON text; see [`batch_from_values`] for the rules.
pub fn parse_batch(json: &str, limit: usize) -> Result<Vec<Job>> {
    let v = json::parse_text(json).map_err(Error::invalid)?;
    batch_from_value(&v, limit)
}

impl Job {
    /// The waypoints' positions, in order.
    pub fn positions(&self) -> Vec<LatLng> {
        self.waypoints.iter().map(Waypoint::pos).collect()
    }

    /// The concrete transport. `auto` becomes `ship` when every position of the
    /// job (waypoints, and a `multi_route` fan's origin and destinations) is
    /// near the sea network according to `near_sea`, else `plane`; an explicit
    /// `route.mode` of `sea` or `road` means `ship` or `truck`.
    pub fn resolved_transport(&self, near_sea: impl Fn(LatLng) -> bool) -> Transport {
        if self.transport != Transport::Auto {
            return self.transport;
        }
        match self.route.mode {
            Some(RouteModeOpt::Sea) => return Transport::Ship,
            Some(RouteModeOpt::Road) => return Transport::Truck,
            _ => {}
        }
        let mut points = self.positions();
        if let Some(mr) = &self.multi_route {
            points.push(LatLng::new(mr.origin.lat, mr.origin.lng));
            points.extend(mr.routes.iter().map(|d| LatLng::new(d.lat, d.lng)));
        }
        if !points.is_empty() && points.into_iter().all(near_sea) {
            Transport::Ship
        } else {
            Transport::Plane
        }
    }

    /// The routing mode: `route.mode` when given, else what `transport` implies.
    pub fn route_mode(&self, transport: Transport) -> RouteModeOpt {
        self.route
            .mode
            .unwrap_or_else(|| transport.default_route_mode())
    }

    /// The vehicle icon: `route_style.vehicle_icon` when given, else the transport's.
    pub fn vehicle_icon(&self, transport: Transport) -> VehicleIcon {
        self.route_style
            .vehicle_icon
            .unwrap_or_else(|| transport.vehicle_icon())
    }

    /// Number of frames in the video (`duration × fps`, rounded).
    pub fn frame_count(&self) -> u64 {
        (self.duration * self.fps as f64).round() as u64
    }

    /// Whether `passage` (a canonical name) may be used by a sea route: not in
    /// `route.avoid`, and Arctic passages only with `route.allow_arctic`.
    pub fn passage_allowed(&self, passage: &str) -> bool {
        !self.route.avoid.iter().any(|a| a == passage)
            && (self.route.allow_arctic || !ARCTIC_PASSAGES.contains(&passage))
    }
}

impl<'de> Deserialize<'de> for Job {
    /// Deserialising validates like [`job_from_value`]; the error message
    /// summarises the issues.
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        job_from_value(&v).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(extra: &str) -> Job {
        let sep = if extra.is_empty() { "" } else { "," };
        parse_job(&format!(
            r#"{{"waypoints": [{{"lat": 31.26, "lng": 32.3}}, {{"lat": 12.6, "lng": 43.3}}]{sep}{extra}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn defaults() {
        let j = job("");
        assert_eq!(j.mode, Mode::RouteAnimation);
        assert_eq!(j.duration, 12.0);
        assert_eq!(j.fps, 30);
        assert_eq!(j.resolution, Resolution::new(1920, 1080));
        assert_eq!(j.style, Style::MaritimeDark);
        assert_eq!(j.transport, Transport::Auto);
        assert!(j.hud.enabled && j.output.thumbnail && j.output.credits);
        assert_eq!(j.frame_count(), 360);
        assert!(!j.passage_allowed("bering"));
        assert!(j.passage_allowed("suez"));
    }

    #[test]
    fn auto_transport() {
        let j = job("");
        assert_eq!(j.resolved_transport(|_| true), Transport::Ship);
        assert_eq!(j.resolved_transport(|p| p.lat > 20.0), Transport::Plane);
        let j = job(r#""transport": "car""#);
        assert_eq!(j.resolved_transport(|_| true), Transport::Truck);
        assert_eq!(j.route_mode(Transport::Truck), RouteModeOpt::Road);
        let j = job(r#""route": {"mode": "manual"}"#);
        assert_eq!(j.route_mode(Transport::Ship), RouteModeOpt::Manual);
        assert_eq!(j.vehicle_icon(Transport::Ship), VehicleIcon::Ship);
        let j = job(r#""route": {"mode": "sea"}"#);
        assert_eq!(j.resolved_transport(|_| false), Transport::Ship);
    }

    #[test]
    fn deserialize_validates() {
        let ok: Job = serde_json::from_str(
            r#"{"waypoints": [{"lat": 1, "lng": 2}, {"lat": 3, "lng": 4}], "fps": 60}"#,
        )
        .unwrap();
        assert_eq!(ok.fps, 60);
        let err = serde_json::from_str::<Job>(r#"{"waypoints": []}"#).unwrap_err();
        assert!(err.to_string().contains("waypoints"), "{err}");
    }
}
