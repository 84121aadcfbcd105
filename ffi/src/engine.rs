//! `GrEngine` and `GrBatch`: the engine and its batches behind opaque handles.

use crate::error::{
    boundary, c_string, give_string, opt_str_arg, out_arg, quiet_boundary, str_arg, FfiError,
};
use crate::progress::{batch_outcome, CallbackSlot, GrBatchState, GrProgressCallback};
use crate::status::GrStatus;
use georender_core::engine::{BatchHandle, BatchOptions, BatchStatus, Engine, EngineSettings};
use georender_core::{job, Error, Issue};
use serde_json::Value;
use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;
use std::time::Duration;

/// A rendering engine: the shared GPU device (opened by the first render),
/// a pool of worker threads, the settings. Opaque; create with
/// `gr_engine_new`, release with `gr_engine_free`.
pub struct GrEngine {
    engine: Engine,
}

/// A submitted batch. Opaque; returned by `gr_render_batch`, released with
/// `gr_batch_free`.
pub struct GrBatch {
    handle: BatchHandle,
    id: CString,
    callback: Option<Arc<CallbackSlot>>,
}

impl Drop for GrBatch {
    fn drop(&mut self) {
        if let Some(cb) = &self.callback {
            cb.detach();
        }
    }
}

/// Borrows a handle, or fails with `GR_NULL_ARGUMENT`.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` from this library.
unsafe fn handle<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, FfiError> {
    // SAFETY: per the contract, non-NULL means live.
    unsafe { ptr.as_ref() }.ok_or_else(|| FfiError::null(name))
}

/// A `VALIDATION_ERROR` for JSON text that is not JSON (or not the right shape).
fn json_issue(field: &str, e: &serde_json::Error) -> FfiError {
    let code = if e.is_data() {
        "invalid_value"
    } else {
        "invalid_format"
    };
    Error::invalid(Issue::new(field, code, e.to_string())).into()
}

fn parse_settings(text: Option<&str>) -> Result<EngineSettings, FfiError> {
    match text {
        None => Ok(EngineSettings::default()),
        Some(t) => serde_json::from_str(t).map_err(|e| json_issue("settings", &e)),
    }
}

/// Creates an engine.
///
/// `settings_json` may be NULL (every default) or a JSON object with any of
/// `output_dir` (string, default `"renders"`, created when missing),
/// `concurrency` (jobs at once on the shared device; 0 = what the cores
/// sustain), `batch_limit` (default 25), `url_base` (string or null). Unknown
/// fields and malformed JSON are `GR_VALIDATION_ERROR`. The GPU is not opened
/// here but by the first render (`gr_engine_gpu_info` opens it on demand).
///
/// On success `*out` receives the engine; on failure it is set to NULL.
/// Ownership: `settings_json` is borrowed for the call; the engine is yours,
/// release it with `gr_engine_free`. The function is thread-safe.
///
/// # Safety
/// `settings_json` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gr_engine_new(
    settings_json: *const c_char,
    out: *mut *mut GrEngine,
) -> GrStatus {
    boundary(|| {
        // SAFETY: contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        let settings = parse_settings(unsafe { opt_str_arg(settings_json, "settings_json") }?)?;
        let engine = Engine::new(settings)?;
        *out = Box::into_raw(Box::new(GrEngine { engine }));
        Ok(())
    })
}

/// Releases an engine. NULL is ignored.
///
/// Jobs already submitted still run to their end on the engine's workers
/// (cancel them first with `gr_batch_cancel` to stop them); their batch
/// handles stay usable. Must not be called while another thread is using the
/// same engine handle; calls on other engines are unaffected.
///
/// # Safety
/// `engine` is NULL or a live engine from `gr_engine_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn gr_engine_free(engine: *mut GrEngine) {
    if engine.is_null() {
        return;
    }
    quiet_boundary(|| {
        // SAFETY: created by Box::into_raw in gr_engine_new, freed once.
        drop(unsafe { Box::from_raw(engine) });
    });
}

/// Opens the GPU if it is not open yet and describes the adapter, e.g.
/// `"llvmpipe (LLVM 19.1.7, 256 bits) [Vulkan, Cpu]"`; `GR_RENDER_FAILED`
/// (the message names the driver packages to install) when there is none.
///
/// Ownership: `*out_text` is yours, free it with `gr_string_free`; NULL on
/// failure. Thread-safe (may be called concurrently on one engine).
///
/// # Safety
/// `engine` is NULL or a live engine; `out_text` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gr_engine_gpu_info(
    engine: *const GrEngine,
    out_text: *mut *mut c_char,
) -> GrStatus {
    boundary(|| {
        // SAFETY: contract of this function.
        let out = unsafe { out_arg(out_text, "out_text") }?;
        let engine = unsafe { handle(engine, "engine") }?;
        *out = give_string(engine.engine.gpu_info()?);
        Ok(())
    })
}

/// Starts rendering a batch; returns at once.
///
/// `jobs_json` is either a JSON array of jobs (SPEC section 2) or a batch body
/// `{"jobs": [...], "shared_options": {...}}` (SPEC section 3, e.g. the
/// contents of `examples/jobs/batch.json`). `shared_json` (nullable) is a JSON
/// object of shared options deep-merged over the body's `shared_options` (its
/// values win) — e.g. `{"resolution": "320x180", "duration": 2}` — and then
/// under every job. The whole batch is validated first: any invalid job
/// rejects it with `GR_VALIDATION_ERROR`, every issue listed with its JSON path
/// (`jobs[1].waypoints[0].lat`, `shared_options.fps`) in the last error; more
/// jobs than the engine's `batch_limit` is `GR_BATCH_TOO_LARGE`. Routing,
/// render and encode failures are not errors of this call: those jobs end
/// `failed` with their code, the others complete.
///
/// `progress` (nullable) receives events with `user_data`; see
/// `GrProgressCallback` for the threads it runs on. `user_data` must stay
/// valid until `gr_batch_free` returns (after which the callback is never
/// called again) or until the batch has ended.
///
/// On success `*out` receives the batch handle; on failure it is NULL.
/// Ownership: the strings are borrowed for the call; the batch handle is
/// yours, release it with `gr_batch_free`. Thread-safe: batches may be
/// submitted to one engine from several threads at once.
///
/// # Safety
/// `engine` is NULL or a live engine; the strings are NULL or NUL-terminated;
/// `progress`, when not NULL, is callable as documented with `user_data`;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gr_render_batch(
    engine: *const GrEngine,
    jobs_json: *const c_char,
    shared_json: *const c_char,
    progress: GrProgressCallback,
    user_data: *mut c_void,
    out: *mut *mut GrBatch,
) -> GrStatus {
    boundary(|| {
        // SAFETY: contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        let engine = &unsafe { handle(engine, "engine") }?.engine;
        let jobs_text = unsafe { str_arg(jobs_json, "jobs_json") }?;
        let shared_text = unsafe { opt_str_arg(shared_json, "shared_json") }?;

        let shared = shared_text
            .map(|t| serde_json::from_str::<Value>(t).map_err(|e| json_issue("shared_options", &e)))
            .transpose()?;
        let parsed = match serde_json::from_str::<Value>(jobs_text) {
            Ok(v) => v,
            // Let the job parser describe it (line and column, or the JSON
            // path of a number that overflows to infinity).
            Err(e) => {
                return Err(
                    match job::parse_batch(jobs_text, engine.settings().batch_limit) {
                        Err(err) => err.into(),
                        Ok(_) => json_issue("jobs", &e),
                    },
                )
            }
        };

        let callback = progress.map(|f| Arc::new(CallbackSlot::new(f, user_data)));
        let mut options = BatchOptions::default();
        if let Some(cb) = &callback {
            let cb = cb.clone();
            options = BatchOptions::with_progress(move |event| cb.deliver(event));
        }

        let handle = match parsed {
            Value::Array(jobs) => engine.render_batch_with(&jobs, shared.as_ref(), options)?,
            mut body => {
                if let (Some(extra), Value::Object(map)) = (shared, &mut body) {
                    let merged = match map.get("shared_options") {
                        None => Some(extra),
                        Some(base @ Value::Object(_)) => Some(job::merge(base, &extra)),
                        // Not an object: leave it for validation to report.
                        Some(_) => None,
                    };
                    if let Some(m) = merged {
                        map.insert("shared_options".into(), m);
                    }
                }
                engine.render_batch_value(&body, options)?
            }
        };
        let batch = GrBatch {
            id: c_string(handle.id()),
            handle,
            callback,
        };
        *out = Box::into_raw(Box::new(batch));
        Ok(())
    })
}

fn status_json(status: &BatchStatus) -> Result<*mut c_char, FfiError> {
    serde_json::to_string(status)
        .map(give_string)
        .map_err(|e| FfiError::internal(format!("cannot serialise the batch status: {e}")))
}

/// The batch's id (`"batch_…"`). Never NULL for a live handle (NULL for a
/// NULL handle). Owned by the handle: valid until `gr_batch_free`, do not
/// free it. Thread-safe; leaves the last error alone.
///
/// # Safety
/// `batch` is NULL or a live batch handle.
#[no_mangle]
pub unsafe extern "C" fn gr_batch_id(batch: *const GrBatch) -> *const c_char {
    // SAFETY: contract of this function.
    match unsafe { batch.as_ref() } {
        Some(b) => b.id.as_ptr(),
        None => std::ptr::null(),
    }
}

/// The batch's current status as JSON (SPEC section 3): `{"batch_id",
/// "status": "queued"|"processing"|"complete", "total", "completed",
/// "processing", "queued", "failed", "cancelled", "jobs": [{"job_id", "index",
/// "status", "progress"?, "video"?: {"path", "url"}, "thumbnail"?,
/// "duration_seconds"?, "resolution"?, "fps"?, "frames"?, "file_size_bytes"?,
/// "route"?: {"distance_km", "mode", "passages"}, "render_seconds"?,
/// "error"?: "MARITIME_ROUTE_ERROR", "message"?}]}`. Does not block.
///
/// Ownership: `*out_json` is yours, free it with `gr_string_free`; NULL on
/// failure. Thread-safe (any thread, concurrently with other batch calls).
///
/// # Safety
/// `batch` is NULL or a live batch handle; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gr_batch_status(
    batch: *const GrBatch,
    out_json: *mut *mut c_char,
) -> GrStatus {
    boundary(|| {
        // SAFETY: contract of this function.
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let batch = unsafe { handle(batch, "batch") }?;
        *out = status_json(&batch.handle.status())?;
        Ok(())
    })
}

/// The batch's counts, for hosts that do not parse JSON.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrBatchCounts {
    /// `GR_BATCH_COMPLETE` once every job has ended.
    pub state: GrBatchState,
    /// Jobs in the batch.
    pub total: usize,
    /// Jobs complete.
    pub completed: usize,
    /// Jobs processing.
    pub processing: usize,
    /// Jobs waiting.
    pub queued: usize,
    /// Jobs failed.
    pub failed: usize,
    /// Jobs cancelled.
    pub cancelled: usize,
}

/// Fills `*out` with the batch's current state and counts. Does not block.
/// Thread-safe.
///
/// # Safety
/// `batch` is NULL or a live batch handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gr_batch_counts(
    batch: *const GrBatch,
    out: *mut GrBatchCounts,
) -> GrStatus {
    boundary(|| {
        if out.is_null() {
            return Err(FfiError::null("out"));
        }
        // SAFETY: contract of this function.
        let batch = unsafe { handle(batch, "batch") }?;
        let s = batch.handle.status();
        let counts = GrBatchCounts {
            state: s.status.into(),
            total: s.total,
            completed: s.completed,
            processing: s.processing,
            queued: s.queued,
            failed: s.failed,
            cancelled: s.cancelled,
        };
        // SAFETY: non-NULL and writable per the contract.
        unsafe { out.write(counts) };
        Ok(())
    })
}

/// Timeouts above this many milliseconds (about 31 years) wait forever.
const FOREVER_MS: i64 = 1_000_000_000_000;

/// Blocks until every job of the batch has ended, or until `timeout_ms`
/// milliseconds have passed (negative: no limit; 0: just check).
///
/// Returns `GR_OK` when the batch has ended and no job was cancelled (jobs may
/// have failed: see `failed` and each job's `error`); `GR_CANCELLED` when it
/// has ended and at least one job was cancelled (waiting on a cancelled batch
/// returns promptly); `GR_TIMEOUT` when it is still running after the
/// timeout. In these three cases `*out_json` (when `out_json` is not NULL)
/// receives the status JSON as `gr_batch_status` gives it; otherwise it is NULL.
///
/// Ownership: `*out_json` is yours, free it with `gr_string_free`.
/// Thread-safe: several threads may wait on one batch. Do not call it from the
/// batch's own progress callback with a negative timeout (the batch cannot end
/// while its callback waits for it).
///
/// # Safety
/// `batch` is NULL or a live batch handle; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gr_batch_wait(
    batch: *const GrBatch,
    timeout_ms: i64,
    out_json: *mut *mut c_char,
) -> GrStatus {
    boundary(|| {
        // SAFETY: contract of this function.
        let out = if out_json.is_null() {
            None
        } else {
            Some(unsafe { out_arg(out_json, "out_json") }?)
        };
        let batch = unsafe { handle(batch, "batch") }?;
        // Negative, or too far out to add to a clock reading: no limit.
        let ended = if !(0..=FOREVER_MS).contains(&timeout_ms) {
            Some(batch.handle.wait())
        } else {
            batch
                .handle
                .wait_timeout(Duration::from_millis(timeout_ms as u64))
        };
        let status = ended.clone().unwrap_or_else(|| batch.handle.status());
        if let Some(o) = out {
            *o = status_json(&status)?;
        }
        match ended {
            None => Err(FfiError::new(
                GrStatus::GR_TIMEOUT,
                format!(
                    "batch {} still running after {timeout_ms} ms ({} of {} jobs ended)",
                    status.batch_id,
                    status.completed + status.failed + status.cancelled,
                    status.total
                ),
            )),
            Some(s) if batch_outcome(&s) == GrStatus::GR_CANCELLED => Err(FfiError::new(
                GrStatus::GR_CANCELLED,
                format!(
                    "CANCELLED: batch {} was cancelled ({} of {} jobs cancelled, {} complete, {} failed)",
                    s.batch_id, s.cancelled, s.total, s.completed, s.failed
                ),
            )),
            Some(_) => Ok(()),
        }
    })
}

/// Cancels every job of the batch that has not ended: queued jobs end
/// `cancelled` at once, processing ones at their next frame (their partial
/// files are removed). Returns `GR_OK`, also when the batch had already ended
/// or was already cancelled (cancelling twice is harmless). Does not wait: use
/// `gr_batch_wait`. The progress callback may be called on this thread, from
/// within this call, for the jobs it ends. Thread-safe.
///
/// # Safety
/// `batch` is NULL or a live batch handle.
#[no_mangle]
pub unsafe extern "C" fn gr_batch_cancel(batch: *const GrBatch) -> GrStatus {
    boundary(|| {
        // SAFETY: contract of this function.
        let batch = unsafe { handle(batch, "batch") }?;
        batch.handle.cancel();
        Ok(())
    })
}

/// Releases a batch handle. NULL is ignored.
///
/// Does not cancel the batch: its jobs run to their end (call
/// `gr_batch_cancel` first to stop them). Once this returns the batch's
/// progress callback is never called again and `user_data` may be released;
/// it waits for callback calls running on other threads to return. It may be
/// called from within the batch's own callback. Must not race with other calls
/// on the same handle.
///
/// # Safety
/// `batch` is NULL or a live batch handle from `gr_render_batch`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn gr_batch_free(batch: *mut GrBatch) {
    if batch.is_null() {
        return;
    }
    quiet_boundary(|| {
        // SAFETY: created by Box::into_raw in gr_render_batch, freed once.
        drop(unsafe { Box::from_raw(batch) });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{gr_last_error_code, gr_last_error_message, gr_string_free};
    use crate::progress::GrProgress;
    use std::ffi::CStr;

    const TWO_JOBS: &CStr = c"[{\"waypoints\": [{\"lat\": 51.47, \"lng\": -0.45}, {\"lat\": 40.64, \"lng\": -73.78}]}, {\"waypoints\": [{\"lat\": 1.26, \"lng\": 103.84}, {\"lat\": 35.44, \"lng\": 139.64}]}]";

    fn message() -> String {
        unsafe { CStr::from_ptr(gr_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    /// An engine writing into a fresh temporary directory (removed by `done`).
    fn engine(name: &str) -> (*mut GrEngine, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("georender-ffi-{name}-{}", std::process::id()));
        let settings = c_string(
            serde_json::json!({ "output_dir": dir, "concurrency": 1, "batch_limit": 2 })
                .to_string(),
        );
        let mut e = std::ptr::null_mut();
        assert_eq!(
            unsafe { gr_engine_new(settings.as_ptr(), &mut e) },
            GrStatus::GR_OK,
            "{}",
            message()
        );
        (e, dir)
    }

    fn done(engine: *mut GrEngine, dir: std::path::PathBuf) {
        unsafe { gr_engine_free(engine) };
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn bad_settings() {
        let mut e = std::ptr::dangling_mut();
        let status = unsafe { gr_engine_new(c"{\"threads\": 4}".as_ptr(), &mut e) };
        assert_eq!(status, GrStatus::GR_VALIDATION_ERROR);
        assert!(e.is_null());
        assert!(message().contains("threads"), "{}", message());
    }

    #[test]
    fn validation_paths_and_limit() {
        let (e, dir) = engine("validation");
        let mut b = std::ptr::dangling_mut();
        let jobs = c"[{\"waypoints\": [{\"lat\": 1, \"lng\": 2}, {\"lat\": 3, \"lng\": 4}]}, {\"waypoints\": [{\"lat\": 95, \"lng\": 2}, {\"lat\": 3, \"lng\": 4}]}]";
        let status = unsafe {
            gr_render_batch(
                e,
                jobs.as_ptr(),
                c"{\"fps\": 31}".as_ptr(),
                None,
                std::ptr::null_mut(),
                &mut b,
            )
        };
        assert_eq!(status, GrStatus::GR_VALIDATION_ERROR);
        assert!(b.is_null());
        let m = message();
        assert!(m.contains("jobs[1].waypoints[0].lat"), "{m}");
        assert!(m.contains("shared_options.fps"), "{m}");

        let three = c"[{}, {}, {}]";
        let status = unsafe {
            gr_render_batch(
                e,
                three.as_ptr(),
                std::ptr::null(),
                None,
                std::ptr::null_mut(),
                &mut b,
            )
        };
        assert_eq!(status, GrStatus::GR_BATCH_TOO_LARGE);
        done(e, dir);
    }

    unsafe extern "C" fn cancel_at_start(p: *const GrProgress, seen: *mut c_void) -> i32 {
        let seen = unsafe { &*(seen as *const std::sync::atomic::AtomicUsize) };
        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        i32::from(unsafe { (*p).kind } == crate::progress::GrProgressKind::GR_PROGRESS_JOB_STARTED)
    }

    #[test]
    fn callback_cancels_and_wait_reports_it() {
        let (e, dir) = engine("cancel");
        let seen = Box::new(std::sync::atomic::AtomicUsize::new(0));
        let mut b = std::ptr::null_mut();
        let status = unsafe {
            gr_render_batch(
                e,
                TWO_JOBS.as_ptr(),
                std::ptr::null(),
                Some(cancel_at_start),
                &*seen as *const _ as *mut c_void,
                &mut b,
            )
        };
        assert_eq!(status, GrStatus::GR_OK, "{}", message());
        let mut json = std::ptr::null_mut();
        let status = unsafe { gr_batch_wait(b, i64::MAX, &mut json) };
        assert_eq!(status, GrStatus::GR_CANCELLED);
        assert_eq!(gr_last_error_code(), GrStatus::GR_CANCELLED);
        let v: Value =
            serde_json::from_str(unsafe { CStr::from_ptr(json) }.to_str().unwrap()).unwrap();
        assert_eq!(v["cancelled"], 2);
        assert_eq!(v["status"], "complete");
        unsafe { gr_string_free(json) };
        assert_eq!(unsafe { gr_batch_cancel(b) }, GrStatus::GR_OK);
        let mut counts = std::mem::MaybeUninit::<GrBatchCounts>::uninit();
        assert_eq!(
            unsafe { gr_batch_counts(b, counts.as_mut_ptr()) },
            GrStatus::GR_OK
        );
        let counts = unsafe { counts.assume_init() };
        assert_eq!((counts.total, counts.cancelled), (2, 2));
        assert_eq!(counts.state, GrBatchState::GR_BATCH_COMPLETE);
        unsafe { gr_batch_free(b) };
        // job started, job ended ×2, batch ended; nothing after the free.
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 4);
        done(e, dir);
    }
}
