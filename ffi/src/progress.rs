//! Progress events as a plain C struct, and the bridge from the engine's
//! callback to the host's function pointer.

use crate::error::c_string;
use crate::status::GrStatus;
use georender_core::engine::{BatchState, BatchStatus, Flow, JobStatus, ProgressEvent};
use std::cell::RefCell;
use std::ffi::{c_char, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard};

/// What a progress event is about.
#[allow(non_camel_case_types)]
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrProgressKind {
    /// A worker picked the job up (routing and preparation follow);
    /// `total_frames` is known.
    GR_PROGRESS_JOB_STARTED = 0,
    /// One more frame of the job is encoded: `frame` of `total_frames`, with
    /// `eta_seconds`.
    GR_PROGRESS_FRAME = 1,
    /// The job ended: `job_status` is complete, failed or cancelled, `status`
    /// its code, `message` / `video_path` set accordingly.
    GR_PROGRESS_JOB_ENDED = 2,
    /// Every job of the batch has ended (the last event of a batch);
    /// `job_index` is -1, `status` as `gr_batch_wait` would return.
    GR_PROGRESS_BATCH_ENDED = 3,
}

/// Where a job is: `queued` → `processing` → `complete` | `failed` | `cancelled`.
#[allow(non_camel_case_types)]
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrJobStatus {
    GR_JOB_QUEUED = 0,
    GR_JOB_PROCESSING = 1,
    GR_JOB_COMPLETE = 2,
    GR_JOB_FAILED = 3,
    GR_JOB_CANCELLED = 4,
}

impl From<JobStatus> for GrJobStatus {
    fn from(s: JobStatus) -> Self {
        match s {
            JobStatus::Queued => GrJobStatus::GR_JOB_QUEUED,
            JobStatus::Processing => GrJobStatus::GR_JOB_PROCESSING,
            JobStatus::Complete => GrJobStatus::GR_JOB_COMPLETE,
            JobStatus::Failed => GrJobStatus::GR_JOB_FAILED,
            JobStatus::Cancelled => GrJobStatus::GR_JOB_CANCELLED,
        }
    }
}

/// Where a batch is: `queued` (no job started), `processing`, `complete`
/// (every job ended, whatever the outcome).
#[allow(non_camel_case_types)]
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrBatchState {
    GR_BATCH_QUEUED = 0,
    GR_BATCH_PROCESSING = 1,
    GR_BATCH_COMPLETE = 2,
}

impl From<BatchState> for GrBatchState {
    fn from(s: BatchState) -> Self {
        match s {
            BatchState::Queued => GrBatchState::GR_BATCH_QUEUED,
            BatchState::Processing => GrBatchState::GR_BATCH_PROCESSING,
            BatchState::Complete => GrBatchState::GR_BATCH_COMPLETE,
        }
    }
}

/// The status a finished batch reports: `GR_CANCELLED` when any job was
/// cancelled, else `GR_OK` (failed jobs are listed in the status).
pub(crate) fn batch_outcome(status: &BatchStatus) -> GrStatus {
    if status.cancelled > 0 {
        GrStatus::GR_CANCELLED
    } else {
        GrStatus::GR_OK
    }
}

/// One progress event. Passed to the callback by pointer; the struct and
/// every string in it are valid only during the callback (copy what you keep).
/// Fields may be appended in later minor versions: never allocate or copy the
/// struct by value across versions, only read it through the pointer.
#[repr(C)]
pub struct GrProgress {
    /// What happened.
    pub kind: GrProgressKind,
    /// Position of the job in its batch; -1 for `GR_PROGRESS_BATCH_ENDED`.
    pub job_index: i64,
    /// Frames encoded so far (`GR_PROGRESS_FRAME`; the frame count of a
    /// complete job for `GR_PROGRESS_JOB_ENDED`; else 0).
    pub frame: u64,
    /// Frames the job's video has (0 for `GR_PROGRESS_BATCH_ENDED`).
    pub total_frames: u64,
    /// Estimated seconds until the job ends (`GR_PROGRESS_FRAME`); -1 when unknown.
    pub eta_seconds: f64,
    /// The job's status after the event (`GR_JOB_PROCESSING` while it runs; its
    /// final status for `GR_PROGRESS_JOB_ENDED`; `GR_JOB_COMPLETE` for
    /// `GR_PROGRESS_BATCH_ENDED`).
    pub job_status: GrJobStatus,
    /// `GR_OK`, or the code the job ended with (`GR_MARITIME_ROUTE_ERROR`,
    /// `GR_CANCELLED`, ...); for `GR_PROGRESS_BATCH_ENDED` what
    /// `gr_batch_wait` returns.
    pub status: GrStatus,
    /// The batch's id. Never NULL.
    pub batch_id: *const c_char,
    /// The job's id (also its output file's stem); NULL for `GR_PROGRESS_BATCH_ENDED`.
    pub job_id: *const c_char,
    /// Why the job failed or was cancelled (`GR_PROGRESS_JOB_ENDED`); else NULL.
    pub message: *const c_char,
    /// Path of the video a complete job wrote (`GR_PROGRESS_JOB_ENDED`); else NULL.
    pub video_path: *const c_char,
    /// The whole event as JSON (`{"event": "frame", ...}`; for a job's end its
    /// full result entry, for the batch's end the final batch status). Never NULL.
    pub event_json: *const c_char,
}

/// Receives progress events of a batch.
///
/// Called on the engine's worker and encoder threads — possibly several at
/// once — and synchronously from `gr_batch_cancel` (for jobs it ends), never
/// while the engine holds a lock: it may call `gr_batch_status` or
/// `gr_batch_cancel` on its batch. `progress` and its strings are valid only
/// during the call. Keep it quick: `GR_PROGRESS_FRAME` comes once per frame.
/// Return 0 to go on, non-zero to cancel the whole batch. It must not unwind
/// (C++ exceptions, longjmp) through the library.
pub type GrProgressCallback =
    Option<unsafe extern "C" fn(progress: *const GrProgress, user_data: *mut c_void) -> i32>;

struct SlotState {
    enabled: bool,
    in_flight: usize,
}

/// The host's callback and user data, shared with the engine. Detaching it
/// (when the batch handle is freed) waits for calls in flight on other threads,
/// so that `user_data` is never used after `gr_batch_free` returns.
pub(crate) struct CallbackSlot {
    func: unsafe extern "C" fn(*const GrProgress, *mut c_void) -> i32,
    user_data: *mut c_void,
    state: Mutex<SlotState>,
    idle: Condvar,
}

// SAFETY: the host promises (header docs) that the callback and its user_data
// may be used from any thread; the library only passes the pointer back.
unsafe impl Send for CallbackSlot {}
// SAFETY: as above; the mutable state is behind a Mutex.
unsafe impl Sync for CallbackSlot {}

thread_local! {
    /// Slots whose callback is running on this thread (nesting possible).
    static ACTIVE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

impl CallbackSlot {
    pub fn new(
        func: unsafe extern "C" fn(*const GrProgress, *mut c_void) -> i32,
        user_data: *mut c_void,
    ) -> CallbackSlot {
        CallbackSlot {
            func,
            user_data,
            state: Mutex::new(SlotState {
                enabled: true,
                in_flight: 0,
            }),
            idle: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn key(&self) -> usize {
        self as *const CallbackSlot as usize
    }

    /// Delivers one event; what the engine should do next.
    pub fn deliver(&self, event: &ProgressEvent) -> Flow {
        // Never let a bug here unwind into the engine's worker.
        catch_unwind(AssertUnwindSafe(|| self.deliver_inner(event))).unwrap_or(Flow::Continue)
    }

    fn deliver_inner(&self, event: &ProgressEvent) -> Flow {
        {
            let mut st = self.lock();
            if !st.enabled {
                return Flow::Continue;
            }
            st.in_flight += 1;
        }
        let strings = EventStrings::new(event);
        let progress = strings.progress(event);
        let _ = ACTIVE.try_with(|a| a.borrow_mut().push(self.key()));
        // SAFETY: the host gave this function and user_data for this purpose;
        // `progress` and its strings outlive the call.
        let answer = unsafe { (self.func)(&progress, self.user_data) };
        let _ = ACTIVE.try_with(|a| a.borrow_mut().pop());
        {
            let mut st = self.lock();
            st.in_flight -= 1;
        }
        self.idle.notify_all();
        if answer != 0 {
            Flow::CancelBatch
        } else {
            Flow::Continue
        }
    }

    /// Stops further calls and waits for those running on other threads.
    pub fn detach(&self) {
        let mine = ACTIVE
            .try_with(|a| a.borrow().iter().filter(|k| **k == self.key()).count())
            .unwrap_or(0);
        let mut st = self.lock();
        st.enabled = false;
        while st.in_flight > mine {
            st = self.idle.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// The strings a `GrProgress` points into, owned for the duration of a call.
struct EventStrings {
    batch_id: CString,
    job_id: Option<CString>,
    message: Option<CString>,
    video_path: Option<CString>,
    json: CString,
}

impl EventStrings {
    fn new(event: &ProgressEvent) -> EventStrings {
        let json = c_string(serde_json::to_string(event).unwrap_or_else(|_| "{}".into()));
        let (job_id, message, video_path) = match event {
            ProgressEvent::JobStarted { job_id, .. } | ProgressEvent::Frame { job_id, .. } => {
                (Some(job_id.clone()), None, None)
            }
            ProgressEvent::JobEnded { result, .. } => (
                Some(result.job_id.clone()),
                result.message.clone(),
                result
                    .video
                    .as_ref()
                    .map(|v| v.path.to_string_lossy().into_owned()),
            ),
            ProgressEvent::BatchEnded { .. } => (None, None, None),
        };
        EventStrings {
            batch_id: c_string(event.batch_id()),
            job_id: job_id.map(c_string),
            message: message.map(c_string),
            video_path: video_path.map(c_string),
            json,
        }
    }

    fn progress(&self, event: &ProgressEvent) -> GrProgress {
        let ptr = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        let mut p = GrProgress {
            kind: GrProgressKind::GR_PROGRESS_JOB_STARTED,
            job_index: event.job_index().map_or(-1, |i| i as i64),
            frame: 0,
            total_frames: 0,
            eta_seconds: -1.0,
            job_status: GrJobStatus::GR_JOB_PROCESSING,
            status: GrStatus::GR_OK,
            batch_id: self.batch_id.as_ptr(),
            job_id: ptr(&self.job_id),
            message: ptr(&self.message),
            video_path: ptr(&self.video_path),
            event_json: self.json.as_ptr(),
        };
        match event {
            ProgressEvent::JobStarted { total, .. } => p.total_frames = *total,
            ProgressEvent::Frame {
                frame,
                total,
                eta_seconds,
                ..
            } => {
                p.kind = GrProgressKind::GR_PROGRESS_FRAME;
                p.frame = *frame;
                p.total_frames = *total;
                p.eta_seconds = *eta_seconds;
            }
            ProgressEvent::JobEnded { result, .. } => {
                p.kind = GrProgressKind::GR_PROGRESS_JOB_ENDED;
                p.job_status = result.status.into();
                p.status = result.error.map_or(GrStatus::GR_OK, GrStatus::from_code);
                p.frame = result.frames.unwrap_or(0);
                p.total_frames = result.frames.unwrap_or(0);
                p.eta_seconds = 0.0;
            }
            ProgressEvent::BatchEnded { status } => {
                p.kind = GrProgressKind::GR_PROGRESS_BATCH_ENDED;
                p.job_status = GrJobStatus::GR_JOB_COMPLETE;
                p.status = batch_outcome(status);
                p.eta_seconds = 0.0;
            }
        }
        p
    }
}
