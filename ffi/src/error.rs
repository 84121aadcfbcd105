//! The thread-local last error and the panic boundary every entry point runs in.

use crate::status::GrStatus;
use georender_core::{Error, Issue};
use serde_json::json;
use std::any::Any;
use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A failure on its way to the C caller: a status, a message and, for
/// validation, the issues with their JSON paths.
#[derive(Debug, Clone)]
pub(crate) struct FfiError {
    pub status: GrStatus,
    pub message: String,
    pub issues: Vec<Issue>,
}

impl FfiError {
    pub fn new(status: GrStatus, message: impl Into<String>) -> Self {
        FfiError {
            status,
            message: message.into(),
            issues: Vec::new(),
        }
    }

    pub fn null(arg: &str) -> Self {
        FfiError::new(GrStatus::GR_NULL_ARGUMENT, format!("`{arg}` is NULL"))
    }

    pub fn internal(message: impl Into<String>) -> Self {
        FfiError::new(GrStatus::GR_INTERNAL, message)
    }

    fn panic(payload: Box<dyn Any + Send>) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic payload".into());
        FfiError::new(
            GrStatus::GR_PANIC,
            format!("internal panic in georender (please report): {what}"),
        )
    }

    /// The detail as one readable text: the message (for validation, the
    /// number of issues), then one line per issue (`path: message [code]`,
    /// suggestion and valid options).
    fn text(&self) -> String {
        let mut out = match self.issues.len() {
            0 => self.message.clone(),
            1 => format!("{}: 1 issue", self.status.code_str()),
            n => format!("{}: {n} issues", self.status.code_str()),
        };
        for i in &self.issues {
            let field = if i.field.is_empty() {
                "(document)"
            } else {
                &i.field
            };
            out.push_str(&format!("\n  {field}: {} [{}]", i.message, i.code));
            if let Some(s) = &i.suggestion {
                out.push_str(&format!("; suggestion: {s}"));
            }
            if let Some(o) = &i.valid_options {
                out.push_str(&format!("; valid options: {}", o.join(", ")));
            }
        }
        out
    }

    /// `{"code", "status", "message", "issues"}` as JSON text.
    pub fn json(&self) -> String {
        json!({
            "code": self.status.code_str(),
            "status": self.status as i32,
            "message": self.message,
            "issues": self.issues,
        })
        .to_string()
    }
}

impl From<Error> for FfiError {
    fn from(e: Error) -> Self {
        FfiError {
            status: GrStatus::from_code(e.code()),
            message: format!("{}: {e}", e.code()),
            issues: e.issues().to_vec(),
        }
    }
}

/// A C string from Rust text; interior NUL bytes (never in JSON output, but
/// possible in a message) become U+FFFD.
pub(crate) fn c_string(text: impl Into<String>) -> CString {
    let text = text.into();
    CString::new(text).unwrap_or_else(|e| {
        let cleaned = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{FFFD}");
        CString::new(cleaned).unwrap_or_default()
    })
}

struct LastError {
    status: GrStatus,
    message: CString,
    json: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

fn set_last_error(e: &FfiError) {
    let last = LastError {
        status: e.status,
        message: c_string(e.text()),
        json: c_string(e.json()),
    };
    let _ = LAST_ERROR.try_with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            *slot = Some(last);
        }
    });
}

fn clear_last_error() {
    let _ = LAST_ERROR.try_with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            *slot = None;
        }
    });
}

/// Runs the body of an entry point that returns a `GrStatus`: clears the
/// thread's last error, catches panics, and records any failure.
pub(crate) fn boundary(body: impl FnOnce() -> Result<(), FfiError>) -> GrStatus {
    clear_last_error();
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|p| Err(FfiError::panic(p)));
    match outcome {
        Ok(()) => GrStatus::GR_OK,
        Err(e) => {
            // Recording the error allocates; never let that escape either.
            let status = e.status;
            let _ = catch_unwind(AssertUnwindSafe(|| set_last_error(&e)));
            status
        }
    }
}

/// Runs the body of an entry point that returns no status (frees): catches
/// panics, leaves the last error alone.
pub(crate) fn quiet_boundary(body: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}

fn last_error_ptr(pick: impl Fn(&LastError) -> *const c_char) -> *const c_char {
    catch_unwind(AssertUnwindSafe(|| {
        LAST_ERROR
            .try_with(|cell| match cell.try_borrow() {
                Ok(slot) => slot.as_ref().map(&pick),
                Err(_) => None,
            })
            .ok()
            .flatten()
    }))
    .ok()
    .flatten()
    .unwrap_or(c"".as_ptr())
}

/// The detail of the last failed call on this thread, as readable text: the
/// code and message, then one line per validation issue with its JSON path
/// (`  jobs[1].waypoints[0].lat: ... [out_of_range]`). `""` when the last
/// status-returning call on this thread succeeded (or none was made).
///
/// Never returns NULL. The string belongs to the library: do not free it. It
/// stays valid until the next status-returning `gr_*` call on the same thread
/// (the free functions, `gr_status_name`, `gr_version*` and `gr_last_error_*`
/// leave it alone). Thread-local: each thread sees its own last error.
#[no_mangle]
pub extern "C" fn gr_last_error_message() -> *const c_char {
    last_error_ptr(|e| e.message.as_ptr())
}

/// The detail of the last failed call on this thread as JSON:
/// `{"code": "VALIDATION_ERROR", "status": 1, "message": "...", "issues":
/// [{"field", "code", "message", "suggestion"?, "valid_options"?}]}`.
/// `""` when there is no error. Ownership and lifetime as
/// `gr_last_error_message`.
#[no_mangle]
pub extern "C" fn gr_last_error_json() -> *const c_char {
    last_error_ptr(|e| e.json.as_ptr())
}

/// The status of the last failed call on this thread (`GR_OK` when the last
/// status-returning call succeeded). Thread-local, like `gr_last_error_message`.
#[no_mangle]
pub extern "C" fn gr_last_error_code() -> GrStatus {
    catch_unwind(|| {
        LAST_ERROR
            .try_with(|cell| {
                cell.try_borrow()
                    .ok()
                    .and_then(|s| s.as_ref().map(|e| e.status))
            })
            .ok()
            .flatten()
    })
    .ok()
    .flatten()
    .unwrap_or(GrStatus::GR_OK)
}

/// Reads a required C string argument as UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    // SAFETY: non-NULL and NUL-terminated per the contract above.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|e| {
        FfiError::new(
            GrStatus::GR_INVALID_UTF8,
            format!(
                "`{name}` is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Reads an optional C string argument (NULL → `None`).
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(
    ptr: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, FfiError> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { str_arg(ptr, name) }.map(Some)
    }
}

/// Checks a required out-pointer and sets `*out` to NULL.
///
/// # Safety
/// `out` is NULL or valid for a pointer write.
pub(crate) unsafe fn out_arg<'a, T>(
    out: *mut *mut T,
    name: &str,
) -> Result<&'a mut *mut T, FfiError> {
    if out.is_null() {
        return Err(FfiError::null(name));
    }
    // SAFETY: non-NULL and writable per the contract above.
    let out = unsafe { &mut *out };
    *out = std::ptr::null_mut();
    Ok(out)
}

/// Hands a Rust string to C; the caller frees it with `gr_string_free`.
pub(crate) fn give_string(text: impl Into<String>) -> *mut c_char {
    c_string(text).into_raw()
}

/// Frees a string returned by a georender function (`gr_batch_status`,
/// `gr_batch_wait`, `gr_validate`, ...). NULL is ignored.
///
/// Ownership: takes back a string the library gave you; pass each one exactly
/// once, and only strings from this library (not `malloc`'s, not
/// `gr_last_error_message`'s or `gr_version`'s, which are not yours).
/// Thread-safe: any thread may free any returned string.
///
/// # Safety
/// `s` is NULL or a string returned by this library and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn gr_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    quiet_boundary(|| {
        // SAFETY: `s` came from `CString::into_raw` (give_string) per the contract.
        drop(unsafe { CString::from_raw(s) });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_message() -> String {
        unsafe { CStr::from_ptr(gr_last_error_message()) }
            .to_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn boundary_records_and_clears() {
        assert_eq!(
            boundary(|| Err(FfiError::null("out"))),
            GrStatus::GR_NULL_ARGUMENT
        );
        assert_eq!(gr_last_error_code(), GrStatus::GR_NULL_ARGUMENT);
        assert_eq!(last_message(), "`out` is NULL");
        assert_eq!(boundary(|| Ok(())), GrStatus::GR_OK);
        assert_eq!(gr_last_error_code(), GrStatus::GR_OK);
        assert_eq!(last_message(), "");
    }

    #[test]
    fn panics_are_caught() {
        let status = boundary(|| panic!("boom"));
        assert_eq!(status, GrStatus::GR_PANIC);
        assert!(last_message().contains("boom"), "{}", last_message());
        let json: serde_json::Value = serde_json::from_str(
            unsafe { CStr::from_ptr(gr_last_error_json()) }
                .to_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(json["code"], "PANIC");
        assert_eq!(json["status"], 103);
    }

    #[test]
    fn validation_issues_in_message() {
        let e = georender_core::job::parse_job(r#"{"waypoints": [{"lat": 100, "lng": 0}]}"#)
            .unwrap_err();
        assert_eq!(boundary(|| Err(e.into())), GrStatus::GR_VALIDATION_ERROR);
        let m = last_message();
        assert!(m.starts_with("VALIDATION_ERROR: 2 issues\n  "), "{m}");
        assert!(m.contains("waypoints[0].lat"), "{m}");
    }

    #[test]
    fn utf8_and_null_args() {
        let bad = [0x7b_u8, 0xff, 0xfe, 0];
        let e = unsafe { str_arg(bad.as_ptr().cast(), "json") }.unwrap_err();
        assert_eq!(e.status, GrStatus::GR_INVALID_UTF8);
        assert!(e.message.contains("offset 1"), "{}", e.message);
        let e = unsafe { str_arg(std::ptr::null(), "json") }.unwrap_err();
        assert_eq!(e.status, GrStatus::GR_NULL_ARGUMENT);
        assert_eq!(unsafe { opt_str_arg(std::ptr::null(), "x") }.unwrap(), None);
    }

    #[test]
    fn nul_in_message_is_replaced() {
        assert_eq!(c_string("a\0b").to_str().unwrap(), "a\u{FFFD}b");
        unsafe { gr_string_free(std::ptr::null_mut()) };
        unsafe { gr_string_free(give_string("x")) };
    }
}
