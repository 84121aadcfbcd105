//! `GrStatus`: the numbered result of every fallible entry point.

use georender_core::ErrorCode;
use std::ffi::c_char;

/// The result of a georender call.
///
/// Values are stable: they are never renumbered or reused. 1..=99 mirror the
/// engine's error codes (SPEC section 4, `georender::ErrorCode`, the same
/// codes as the Rust, Python, Node and HTTP surfaces); 100 and up are
/// conditions of the C boundary itself. New codes are only ever appended.
///
/// Malformed JSON (jobs, shared options, settings) is reported as
/// `GR_VALIDATION_ERROR` with an `invalid_format` issue at field `""`, as on
/// every other surface; there is no separate "invalid JSON" status.
#[allow(non_camel_case_types)]
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrStatus {
    /// Success.
    GR_OK = 0,
    /// `VALIDATION_ERROR`: bad job, batch, settings or JSON text. The issues,
    /// each with its JSON path (`jobs[1].waypoints[0].lat`), are in
    /// `gr_last_error_message()` and `gr_last_error_json()`.
    GR_VALIDATION_ERROR = 1,
    /// `MARITIME_ROUTE_ERROR`: no sea route between the waypoints.
    GR_MARITIME_ROUTE_ERROR = 2,
    /// `ROAD_ROUTE_ERROR`: no road route between the waypoints.
    GR_ROAD_ROUTE_ERROR = 3,
    /// `RENDER_FAILED`: GPU or adapter failure (the message names the drivers to install).
    GR_RENDER_FAILED = 4,
    /// `ENCODE_FAILED`: encoder, muxer or disk failure.
    GR_ENCODE_FAILED = 5,
    /// `CANCELLED`: cancelled by the caller (`gr_batch_cancel`, or a progress
    /// callback that returned non-zero).
    GR_CANCELLED = 6,
    /// `BATCH_TOO_LARGE`: more jobs than the engine's batch limit.
    GR_BATCH_TOO_LARGE = 7,
    /// A required pointer argument was NULL. Nothing was done.
    GR_NULL_ARGUMENT = 100,
    /// A string argument was not valid UTF-8. Nothing was done.
    GR_INVALID_UTF8 = 101,
    /// `gr_batch_wait` gave up after its timeout; the batch is still running.
    GR_TIMEOUT = 102,
    /// The library panicked (a bug in georender). The call had no effect
    /// visible to the caller except possibly on the handle it was given; the
    /// process is unharmed.
    GR_PANIC = 103,
    /// An unexpected internal failure (a bug in georender or an exhausted
    /// resource such as threads); see the message.
    GR_INTERNAL = 104,
}

/// Every status, in numeric order.
const ALL_STATUSES: [GrStatus; 13] = [
    GrStatus::GR_OK,
    GrStatus::GR_VALIDATION_ERROR,
    GrStatus::GR_MARITIME_ROUTE_ERROR,
    GrStatus::GR_ROAD_ROUTE_ERROR,
    GrStatus::GR_RENDER_FAILED,
    GrStatus::GR_ENCODE_FAILED,
    GrStatus::GR_CANCELLED,
    GrStatus::GR_BATCH_TOO_LARGE,
    GrStatus::GR_NULL_ARGUMENT,
    GrStatus::GR_INVALID_UTF8,
    GrStatus::GR_TIMEOUT,
    GrStatus::GR_PANIC,
    GrStatus::GR_INTERNAL,
];

impl GrStatus {
    /// The status for an engine error code.
    pub fn from_code(code: ErrorCode) -> GrStatus {
        match code {
            ErrorCode::ValidationError => GrStatus::GR_VALIDATION_ERROR,
            ErrorCode::MaritimeRouteError => GrStatus::GR_MARITIME_ROUTE_ERROR,
            ErrorCode::RoadRouteError => GrStatus::GR_ROAD_ROUTE_ERROR,
            ErrorCode::RenderFailed => GrStatus::GR_RENDER_FAILED,
            ErrorCode::EncodeFailed => GrStatus::GR_ENCODE_FAILED,
            ErrorCode::Cancelled => GrStatus::GR_CANCELLED,
            ErrorCode::BatchTooLarge => GrStatus::GR_BATCH_TOO_LARGE,
        }
    }

    /// The status with this number, if there is one.
    pub fn from_i32(value: i32) -> Option<GrStatus> {
        ALL_STATUSES.into_iter().find(|s| *s as i32 == value)
    }

    /// The code as a string: the engine's code (`"VALIDATION_ERROR"`) for
    /// 1..=99, `"OK"`, or the FFI condition (`"NULL_ARGUMENT"`).
    pub fn code_str(self) -> &'static str {
        self.name_cstr()
            .to_str()
            .unwrap_or("INTERNAL")
            .trim_start_matches("GR_")
    }

    /// The enumerator's name, NUL-terminated: `"GR_VALIDATION_ERROR"`.
    pub fn name_cstr(self) -> &'static std::ffi::CStr {
        match self {
            GrStatus::GR_OK => c"GR_OK",
            GrStatus::GR_VALIDATION_ERROR => c"GR_VALIDATION_ERROR",
            GrStatus::GR_MARITIME_ROUTE_ERROR => c"GR_MARITIME_ROUTE_ERROR",
            GrStatus::GR_ROAD_ROUTE_ERROR => c"GR_ROAD_ROUTE_ERROR",
            GrStatus::GR_RENDER_FAILED => c"GR_RENDER_FAILED",
            GrStatus::GR_ENCODE_FAILED => c"GR_ENCODE_FAILED",
            GrStatus::GR_CANCELLED => c"GR_CANCELLED",
            GrStatus::GR_BATCH_TOO_LARGE => c"GR_BATCH_TOO_LARGE",
            GrStatus::GR_NULL_ARGUMENT => c"GR_NULL_ARGUMENT",
            GrStatus::GR_INVALID_UTF8 => c"GR_INVALID_UTF8",
            GrStatus::GR_TIMEOUT => c"GR_TIMEOUT",
            GrStatus::GR_PANIC => c"GR_PANIC",
            GrStatus::GR_INTERNAL => c"GR_INTERNAL",
        }
    }
}

/// The name of a status as a static string, e.g. `"GR_VALIDATION_ERROR"`;
/// `"GR_UNKNOWN"` for a value that is not a `GrStatus`.
///
/// `status` is a `GrStatus` value (taken as `int32_t` so that any integer is
/// safe to pass). Never returns NULL. The string is static: do not free it.
/// Thread-safe; does not touch the last error.
#[no_mangle]
pub extern "C" fn gr_status_name(status: i32) -> *const c_char {
    match GrStatus::from_i32(status) {
        Some(s) => s.name_cstr().as_ptr(),
        None => c"GR_UNKNOWN".as_ptr(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_stable() {
        let numbers: Vec<(i32, &str)> = ALL_STATUSES
            .iter()
            .map(|s| (*s as i32, s.code_str()))
            .collect();
        assert_eq!(
            numbers,
            [
                (0, "OK"),
                (1, "VALIDATION_ERROR"),
                (2, "MARITIME_ROUTE_ERROR"),
                (3, "ROAD_ROUTE_ERROR"),
                (4, "RENDER_FAILED"),
                (5, "ENCODE_FAILED"),
                (6, "CANCELLED"),
                (7, "BATCH_TOO_LARGE"),
                (100, "NULL_ARGUMENT"),
                (101, "INVALID_UTF8"),
                (102, "TIMEOUT"),
                (103, "PANIC"),
                (104, "INTERNAL"),
            ]
        );
    }

    #[test]
    fn engine_codes_map_by_name() {
        for code in [
            ErrorCode::ValidationError,
            ErrorCode::MaritimeRouteError,
            ErrorCode::RoadRouteError,
            ErrorCode::RenderFailed,
            ErrorCode::EncodeFailed,
            ErrorCode::Cancelled,
            ErrorCode::BatchTooLarge,
        ] {
            assert_eq!(GrStatus::from_code(code).code_str(), code.as_str());
        }
    }

    #[test]
    fn names() {
        let name = |v| unsafe { std::ffi::CStr::from_ptr(gr_status_name(v)) };
        assert_eq!(name(0).to_str().unwrap(), "GR_OK");
        assert_eq!(name(102).to_str().unwrap(), "GR_TIMEOUT");
        assert_eq!(name(42).to_str().unwrap(), "GR_UNKNOWN");
        assert_eq!(name(-1).to_str().unwrap(), "GR_UNKNOWN");
    }
}
