//! The plain data the engine hands out: job results, batch status, progress
//! events. Everything here is owned, `serde`-serialisable and deserialisable, so
//! the C ABI, Python, Node and the HTTP server pass it on as JSON unchanged.

use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where a job is in its life: `queued` → `processing` → `complete` | `failed` |
/// `cancelled` (SPEC section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// Routing, preparing or rendering.
    Processing,
    /// The files are written.
    Complete,
    /// Routing, rendering or encoding failed; see `error` and `message`.
    Failed,
    /// Cancelled by the caller; no files are left behind.
    Cancelled,
}

impl JobStatus {
    /// The status as it appears in JSON, e.g. `"complete"`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Processing => "processing",
            JobStatus::Complete => "complete",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the job has ended (complete, failed or cancelled).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Complete | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status of a whole batch: `complete` once every job has ended, whatever
/// the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchState {
    /// No job has started yet.
    Queued,
    /// At least one job has started and not all have ended.
    Processing,
    /// Every job has ended.
    Complete,
}

impl BatchState {
    /// The state as it appears in JSON, e.g. `"processing"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchState::Queued => "queued",
            BatchState::Processing => "processing",
            BatchState::Complete => "complete",
        }
    }
}

/// A file the engine wrote: its path and a URL for it (`file://…`, or under
/// [`EngineSettings::url_base`](super::EngineSettings::url_base)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// Path on disk (the engine's `output_dir` joined with the file name).
    pub path: PathBuf,
    /// Where to fetch it.
    pub url: String,
}

/// What the route of a completed job was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteInfo {
    /// Length in km, to 0.1 km.
    pub distance_km: f64,
    /// `manual` (great circle), `sea` or `road`.
    pub mode: String,
    /// Named passages used, in travel order (e.g. `["suez"]`).
    pub passages: Vec<String>,
}

/// How far a processing job has got.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct JobProgress {
    /// Frames encoded so far.
    pub frame: u64,
    /// Frames in the video.
    pub total: u64,
    /// Estimated seconds until the job ends.
    pub eta_seconds: f64,
}

/// One job's entry in a batch (SPEC section 3). Queued and processing jobs carry
/// only `job_id`, `index`, `status` (and `progress`); a complete job every
/// output field; a failed or cancelled job `error` and `message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobResult {
    /// The job's id; also the output file's stem.
    pub job_id: String,
    /// Position of the job in its batch.
    pub index: usize,
    /// Where the job is.
    pub status: JobStatus,
    /// Frames done so far (processing jobs once rendering has begun).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<JobProgress>,
    /// The video (for `png` output: the directory of numbered frames).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<FileRef>,
    /// The JPEG thumbnail, when `output.thumbnail` is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<FileRef>,
    /// Playback length in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    /// Frame size as `"1920x1080"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// Frames per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fps: Option<u32>,
    /// Frames in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<u64>,
    /// Size of the video on disk (of all frames for `png`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size_bytes: Option<u64>,
    /// The computed route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteInfo>,
    /// Wall time from start to finished files, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_seconds: Option<f64>,
    /// Error code of a failed or cancelled job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorCode>,
    /// Human-readable reason of a failed or cancelled job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl JobResult {
    /// A job waiting in the queue.
    pub fn queued(job_id: impl Into<String>, index: usize) -> JobResult {
        JobResult {
            job_id: job_id.into(),
            index,
            status: JobStatus::Queued,
            progress: None,
            video: None,
            thumbnail: None,
            duration_seconds: None,
            resolution: None,
            fps: None,
            frames: None,
            file_size_bytes: None,
            route: None,
            render_seconds: None,
            error: None,
            message: None,
        }
    }
}

/// The status of a batch (SPEC section 3): its state, counts and every job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchStatus {
    /// The batch's id.
    pub batch_id: String,
    /// `queued`, `processing` or `complete`.
    pub status: BatchState,
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
    /// Every job, in batch order.
    pub jobs: Vec<JobResult>,
}

impl BatchStatus {
    /// Builds the counts and state from the jobs' entries.
    pub fn from_jobs(batch_id: impl Into<String>, jobs: Vec<JobResult>) -> BatchStatus {
        let count = |s: JobStatus| jobs.iter().filter(|j| j.status == s).count();
        let (completed, processing, queued) = (
            count(JobStatus::Complete),
            count(JobStatus::Processing),
            count(JobStatus::Queued),
        );
        let (failed, cancelled) = (count(JobStatus::Failed), count(JobStatus::Cancelled));
        let total = jobs.len();
        let status = if completed + failed + cancelled == total {
            BatchState::Complete
        } else if queued == total {
            BatchState::Queued
        } else {
            BatchState::Processing
        };
        BatchStatus {
            batch_id: batch_id.into(),
            status,
            total,
            completed,
            processing,
            queued,
            failed,
            cancelled,
            jobs,
        }
    }

    /// Whether every job has ended.
    pub fn is_complete(&self) -> bool {
        self.status == BatchState::Complete
    }

    /// Whether every job ended `complete`.
    pub fn all_succeeded(&self) -> bool {
        self.completed == self.total
    }
}

/// A progress event, delivered to the batch's [`ProgressCallback`]. In JSON each
/// event is an object whose `event` field names the variant
/// (`job_started`, `frame`, `job_ended`, `batch_ended`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProgressEvent {
    /// A worker picked the job up (routing and preparation follow).
    JobStarted {
        /// The batch.
        batch_id: String,
        /// The job.
        job_id: String,
        /// Position of the job in its batch.
        index: usize,
        /// Frames the video will have.
        total: u64,
    },
    /// One more frame is encoded.
    Frame {
        /// The batch.
        batch_id: String,
        /// The job.
        job_id: String,
        /// Position of the job in its batch.
        index: usize,
        /// Frames encoded so far (1-based: `total` on the last frame).
        frame: u64,
        /// Frames in the video.
        total: u64,
        /// Estimated seconds until the job ends.
        eta_seconds: f64,
    },
    /// The job ended; its entry (status, outputs or `error` and `message`) is
    /// flattened into the event.
    JobEnded {
        /// The batch.
        batch_id: String,
        /// The job's final entry.
        #[serde(flatten)]
        result: Box<JobResult>,
    },
    /// Every job of the batch has ended; the final status is flattened in.
    BatchEnded {
        /// The batch's final status.
        #[serde(flatten)]
        status: BatchStatus,
    },
}

impl ProgressEvent {
    /// The batch the event belongs to.
    pub fn batch_id(&self) -> &str {
        match self {
            ProgressEvent::JobStarted { batch_id, .. }
            | ProgressEvent::Frame { batch_id, .. }
            | ProgressEvent::JobEnded { batch_id, .. } => batch_id,
            ProgressEvent::BatchEnded { status } => &status.batch_id,
        }
    }

    /// The index of the job the event is about (`None` for `BatchEnded`).
    pub fn job_index(&self) -> Option<usize> {
        match self {
            ProgressEvent::JobStarted { index, .. } | ProgressEvent::Frame { index, .. } => {
                Some(*index)
            }
            ProgressEvent::JobEnded { result, .. } => Some(result.index),
            ProgressEvent::BatchEnded { .. } => None,
        }
    }
}

/// What a progress callback asks for after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// Go on.
    #[default]
    Continue,
    /// Cancel the job the event is about.
    CancelJob,
    /// Cancel the whole batch.
    CancelBatch,
}

/// Receives progress events. Called from the engine's worker and encoder threads,
/// possibly from several at once, never while the engine holds a lock (so it may
/// call back into the [`BatchHandle`](super::BatchHandle)). Keep it quick: the
/// `frame` event comes once per encoded frame.
pub type ProgressCallback = std::sync::Arc<dyn Fn(&ProgressEvent) -> Flow + Send + Sync>;

/// Parses an error code as it appears in JSON (`"ROAD_ROUTE_ERROR"`).
pub fn parse_error_code(code: &str) -> Option<ErrorCode> {
    ErrorCode::from_name(code)
}
