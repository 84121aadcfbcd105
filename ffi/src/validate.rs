//! `gr_validate`: checks a job or a batch without an engine.

use crate::error::{boundary, give_string, out_arg, str_arg, FfiError};
use crate::status::GrStatus;
use georender_core::job;
use serde_json::{json, Value};
use std::ffi::c_char;

/// Whether the text is a batch body (`{"jobs": ...}`) rather than one job.
fn is_batch(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .ok()
        .is_some_and(|v| v.get("jobs").is_some())
}

/// Validates `json`: one job (SPEC section 2) or a batch body
/// `{"jobs": [...], "shared_options": {...}}` (SPEC section 3, limit 25 jobs).
///
/// Returns `GR_OK` when valid, `GR_VALIDATION_ERROR` (or `GR_BATCH_TOO_LARGE`)
/// when not; in every one of these cases `*out_issues_json` receives
/// `{"valid": bool, "jobs": n, "code": "VALIDATION_ERROR"?, "message"?: "...",
/// "issues": [{"field": "jobs[1].waypoints[0].lat", "code", "message",
/// "suggestion"?, "valid_options"?}]}` and the last error holds the same
/// detail. `GR_NULL_ARGUMENT` / `GR_INVALID_UTF8` leave `*out_issues_json`
/// NULL. Malformed JSON is `GR_VALIDATION_ERROR` with an `invalid_format`
/// issue at field `""`.
///
/// Ownership: `json` is borrowed for the call; `*out_issues_json` is yours,
/// free it with `gr_string_free`. Thread-safe.
///
/// # Safety
/// `json` is NULL or a NUL-terminated string; `out_issues_json` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gr_validate(
    json: *const c_char,
    out_issues_json: *mut *mut c_char,
) -> GrStatus {
    boundary(|| {
        // SAFETY: contract of this function.
        let out = unsafe { out_arg(out_issues_json, "out_issues_json") }?;
        let text = unsafe { str_arg(json, "json") }?;
        let result = if is_batch(text) {
            job::parse_batch(text, job::DEFAULT_BATCH_LIMIT).map(|jobs| jobs.len())
        } else {
            job::parse_job(text).map(|_| 1)
        };
        match result {
            Ok(n) => {
                *out = give_string(json!({ "valid": true, "jobs": n, "issues": [] }).to_string());
                Ok(())
            }
            Err(e) => {
                let report = json!({
                    "valid": false,
                    "code": e.code().as_str(),
                    "message": e.to_string(),
                    "issues": e.issues(),
                });
                *out = give_string(report.to_string());
                Err(FfiError::from(e))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{gr_last_error_message, gr_string_free};
    use std::ffi::{CStr, CString};

    fn validate(text: &str) -> (GrStatus, Value, String) {
        let c = CString::new(text).unwrap();
        let mut out = std::ptr::null_mut();
        let status = unsafe { gr_validate(c.as_ptr(), &mut out) };
        assert!(!out.is_null());
        let v = serde_json::from_str(unsafe { CStr::from_ptr(out) }.to_str().unwrap()).unwrap();
        unsafe { gr_string_free(out) };
        let msg = unsafe { CStr::from_ptr(gr_last_error_message()) }
            .to_str()
            .unwrap()
            .to_string();
        (status, v, msg)
    }

    #[test]
    fn valid_job_and_batch() {
        let (s, v, msg) =
            validate(r#"{"waypoints": [{"lat": 1, "lng": 2}, {"lat": 3, "lng": 4}]}"#);
        assert_eq!(s, GrStatus::GR_OK);
        assert_eq!(v["valid"], true);
        assert_eq!(msg, "");
        let batch = include_str!("../../examples/jobs/batch.json");
        let (s, v, _) = validate(batch);
        assert_eq!(s, GrStatus::GR_OK);
        assert_eq!(v["jobs"], 3);
    }

    #[test]
    fn issues_carry_paths() {
        let (s, v, msg) = validate(
            r#"{"jobs": [{"waypoints": [{"lat": 1, "lng": 2}, {"lat": 3, "lng": 4}]},
                         {"waypoints": [{"lat": 91, "lng": 2}, {"lat": 3, "lng": 4}], "fps": 7}]}"#,
        );
        assert_eq!(s, GrStatus::GR_VALIDATION_ERROR);
        assert_eq!(v["valid"], false);
        let fields: Vec<&str> = v["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&"jobs[1].waypoints[0].lat"), "{fields:?}");
        assert!(fields.contains(&"jobs[1].fps"), "{fields:?}");
        assert!(msg.contains("jobs[1].waypoints[0].lat"), "{msg}");
        assert!(msg.contains("jobs[1].fps"), "{msg}");
    }

    #[test]
    fn malformed_json() {
        let (s, v, msg) = validate("{\"waypoints\": [");
        assert_eq!(s, GrStatus::GR_VALIDATION_ERROR);
        assert_eq!(v["issues"][0]["code"], "invalid_format");
        assert!(msg.contains("line"), "{msg}");
    }

    #[test]
    fn null_arguments() {
        let mut out = std::ptr::null_mut();
        assert_eq!(
            unsafe { gr_validate(std::ptr::null(), &mut out) },
            GrStatus::GR_NULL_ARGUMENT
        );
        assert!(out.is_null());
        assert_eq!(
            unsafe { gr_validate(c"{}".as_ptr(), std::ptr::null_mut()) },
            GrStatus::GR_NULL_ARGUMENT
        );
    }
}
