//! The engine: owns the GPU renderer, a pool of workers and the settings; turns
//! jobs and batches into files (SPEC section 3).
//!
//! ```no_run
//! use georender::engine::{Engine, EngineSettings};
//! # fn demo() -> georender::Result<()> {
//! let engine = Engine::new(EngineSettings {
//!     output_dir: "renders".into(),
//!     ..EngineSettings::default()
//! })?;
//! let body = std::fs::read_to_string("examples/jobs/batch.json").unwrap();
//! let batch = engine.render_batch_json(&body, Default::default())?;
//! let status = batch.wait();
//! println!("{}", serde_json::to_string_pretty(&status).unwrap());
//! # Ok(()) }
//! ```
//!
//! Everything crossing this API is plain owned data (JSON-able structs, string
//! ids, events) and the [`BatchHandle`] has no lifetime, so C, Python, Node and
//! the HTTP server wrap it alike. The one place that owns threads: each worker
//! renders one job at a time on the shared device, with its own encoder thread
//! (see [`pipeline`]).

mod batch;
pub mod pipeline;
pub mod types;

pub use batch::BatchHandle;
pub use types::{
    parse_error_code, BatchState, BatchStatus, FileRef, Flow, JobProgress, JobResult, JobStatus,
    ProgressCallback, ProgressEvent, RouteInfo,
};

use crate::error::{Error, Issue, Result};
use crate::gpu::{Frame, Renderer};
use crate::job::{self, Job};
use batch::BatchInner;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};

/// Engine settings. Every field has a default (`EngineSettings::default()`,
/// or missing fields when deserialised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineSettings {
    /// Where videos and thumbnails go (`<output_dir>/<job_id>.mp4`, `.jpg`);
    /// created when missing. Default `renders`.
    pub output_dir: PathBuf,
    /// Jobs rendered at once on the shared device (0 means the default:
    /// [`default_concurrency`]).
    pub concurrency: usize,
    /// Most jobs in one batch (default [`job::DEFAULT_BATCH_LIMIT`], 25).
    pub batch_limit: usize,
    /// Base of the `url` of outputs, e.g. `https://cdn.example/renders`; `None`
    /// gives `file://` URLs of the absolute paths.
    pub url_base: Option<String>,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            output_dir: PathBuf::from("renders"),
            concurrency: default_concurrency(),
            batch_limit: job::DEFAULT_BATCH_LIMIT,
            url_base: None,
        }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// Jobs the cores sustain at once: each job keeps about four cores busy on a
/// software GPU (rasteriser, encoder threads), so one per four cores, at least
/// one (1 on a 2-core machine), at most 8.
pub fn default_concurrency() -> usize {
    (cores() / 4).clamp(1, 8)
}

/// The `LP_NUM_THREADS` the engine sets when the variable is unset: half the
/// cores, at least 1, so Mesa's software rasteriser leaves the encoder a core
/// (SPEC section 9).
pub fn default_lp_threads() -> usize {
    (cores() / 2).max(1)
}

/// Options of one submitted batch.
#[derive(Clone, Default)]
pub struct BatchOptions {
    /// The batch's id; generated (`batch_…`) when `None`.
    pub batch_id: Option<String>,
    /// The jobs' ids (one per job, unique, letters, digits, `-`, `_`, `.`; at
    /// most 100 characters), which also name the output files; generated
    /// (`job_…`) when `None`.
    pub job_ids: Option<Vec<String>>,
    /// Receives progress events.
    pub on_progress: Option<ProgressCallback>,
}

impl std::fmt::Debug for BatchOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchOptions")
            .field("batch_id", &self.batch_id)
            .field("job_ids", &self.job_ids)
            .field("on_progress", &self.on_progress.is_some())
            .finish()
    }
}

impl BatchOptions {
    /// Options with a progress callback.
    pub fn with_progress(f: impl Fn(&ProgressEvent) -> Flow + Send + Sync + 'static) -> Self {
        BatchOptions {
            on_progress: Some(Arc::new(f)),
            ..Default::default()
        }
    }
}

/// What workers share: settings and the lazily opened renderer.
pub(crate) struct Runtime {
    settings: EngineSettings,
    renderer: OnceLock<Result<Renderer>>,
}

impl Runtime {
    /// The shared renderer, opening the GPU on first use.
    fn renderer(&self) -> Result<Renderer> {
        self.renderer
            .get_or_init(|| {
                // Opened on a thread of the renderer's lower priority: the
                // software GPU's threads start there and inherit it.
                std::thread::scope(|s| {
                    s.spawn(|| {
                        pipeline::lower_priority(pipeline::render_nice());
                        Renderer::new()
                    })
                    .join()
                    .unwrap_or_else(|_| Err(Error::RenderFailed("opening the GPU panicked".into())))
                })
            })
            .clone()
    }

    /// The shared renderer if the GPU is open already.
    fn open_renderer(&self) -> Option<&Renderer> {
        self.renderer.get().and_then(|r| r.as_ref().ok())
    }

    /// A [`FileRef`] for a file in the output directory.
    fn file_ref(&self, path: &Path) -> FileRef {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let url = match &self.settings.url_base {
            Some(base) => format!("{}/{}", base.trim_end_matches('/'), url_escape(&name)),
            None => {
                let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
                format!("file://{}", url_escape(&abs.to_string_lossy()))
            }
        };
        FileRef {
            path: path.to_path_buf(),
            url,
        }
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
fn url_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

struct Queue {
    tasks: VecDeque<(Arc<BatchInner>, usize)>,
    shutdown: bool,
}

/// The workers' FIFO of (batch, job index), shared by every batch of an engine.
struct Pool {
    queue: Mutex<Queue>,
    ready: Condvar,
}

impl Pool {
    fn push(&self, batch: &Arc<BatchInner>) {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        for i in 0..batch.slots.len() {
            q.tasks.push_back((batch.clone(), i));
        }
        drop(q);
        self.ready.notify_all();
    }

    fn worker(self: &Arc<Self>, rt: &Arc<Runtime>) {
        WORKER.with(|w| *w.borrow_mut() = Some((Arc::downgrade(self), Arc::downgrade(rt))));
        loop {
            let task = {
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if let Some(t) = q.tasks.pop_front() {
                        break Some(t);
                    }
                    if q.shutdown {
                        break None;
                    }
                    q = self.ready.wait(q).unwrap_or_else(|e| e.into_inner());
                }
            };
            let Some((batch, index)) = task else { return };
            run_task(rt, &batch, index);
        }
    }

    /// Takes the first queued job of `batch`, if any is still queued.
    fn take_queued(&self, batch: &Arc<BatchInner>) -> Option<usize> {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let pos = q.tasks.iter().position(|(b, _)| Arc::ptr_eq(b, batch))?;
        q.tasks.remove(pos).map(|(_, index)| index)
    }
}

thread_local! {
    /// On an engine's worker threads: its pool and runtime (see [`help_with`]).
    static WORKER: RefCell<Option<(Weak<Pool>, Weak<Runtime>)>> = const { RefCell::new(None) };
}

/// Runs `batch`'s queued jobs on this thread when it is a worker of the engine
/// running the batch: a blocking wait from a progress callback (a callback that
/// renders on the same engine) would otherwise wait for the very worker it
/// occupies, forever at concurrency 1. Elsewhere it does nothing.
pub(crate) fn help_with(batch: &Arc<BatchInner>) {
    let Some((pool, rt)) = WORKER.with(|w| w.borrow().clone()) else {
        return;
    };
    let (Some(pool), Some(rt)) = (pool.upgrade(), rt.upgrade()) else {
        return;
    };
    while let Some(index) = pool.take_queued(batch) {
        run_task(&rt, batch, index);
    }
}

/// Runs job `index` of `batch` unless it was cancelled while queued, and ends
/// it with its result (a panic becomes `RENDER_FAILED`).
fn run_task(rt: &Runtime, batch: &Arc<BatchInner>, index: usize) {
    if !batch.claim(index) {
        return; // cancelled while queued
    }
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pipeline::run_job(rt, batch, index)
    }))
    .unwrap_or_else(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(Error::RenderFailed(format!(
            "the renderer panicked: {what}"
        )))
    });
    batch.end(index, outcome);
}

struct EngineInner {
    rt: Arc<Runtime>,
    pool: Arc<Pool>,
}

impl Drop for EngineInner {
    fn drop(&mut self) {
        // Workers finish what is queued, then exit.
        self.pool
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .shutdown = true;
        self.pool.ready.notify_all();
    }
}

/// The rendering engine: the shared GPU renderer (opened on first use), a pool
/// of [`EngineSettings::concurrency`] workers, and the settings. Cheap to clone,
/// `Send + Sync`. Batches already submitted finish even if the engine is dropped.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("settings", &self.inner.rt.settings)
            .finish()
    }
}

/// Sets `LP_NUM_THREADS` (Mesa's software rasteriser threads) and
/// `XDG_RUNTIME_DIR` when unset, before any device exists.
fn set_lp_threads() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("LP_NUM_THREADS").is_none() {
            std::env::set_var("LP_NUM_THREADS", default_lp_threads().to_string());
        }
        // Mesa's loader complains on stderr (twice per process, through any
        // progress bar) when XDG_RUNTIME_DIR is unset, as in CI and services.
        #[cfg(unix)]
        if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
            use std::os::unix::fs::PermissionsExt;
            let dir = std::env::temp_dir().join("georender-runtime");
            let ok = std::fs::create_dir_all(&dir).is_ok()
                && std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).is_ok();
            if ok {
                std::env::set_var("XDG_RUNTIME_DIR", dir);
            }
        }
    });
}

fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())[..12].to_string()
}

/// Checks caller-given ids: file-name safe and unique.
fn check_ids(ids: &[String], count: usize) -> Result<()> {
    let mut issues = Vec::new();
    if ids.len() != count {
        issues.push(Issue::new(
            "job_ids",
            "invalid_value",
            format!("{} job ids for {count} jobs", ids.len()),
        ));
    }
    let mut seen = HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("job_ids[{i}]");
        if !is_valid_id(id) {
            issues.push(
                Issue::new(
                    field,
                    "invalid_format",
                    format!("`{id}` is not a valid job id"),
                )
                .suggest("use 1 to 100 letters, digits, `-`, `_` or `.`, not starting with `.`"),
            );
        } else if !seen.insert(id.as_str()) {
            issues.push(Issue::new(
                field,
                "invalid_value",
                format!("job id `{id}` is used twice"),
            ));
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(issues))
    }
}

/// Whether `id` can name a job (and its files): 1 to 100 ASCII letters, digits,
/// `-`, `_`, `.`, not starting with `.`.
pub fn is_valid_id(id: &str) -> bool {
    (1..=100).contains(&id.len())
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

impl Engine {
    /// Creates an engine. Sets `LP_NUM_THREADS` when unset (see
    /// [`default_lp_threads`]) and starts the workers; the GPU is opened by the
    /// first render (or [`Engine::gpu_info`]).
    pub fn new(settings: EngineSettings) -> Result<Engine> {
        set_lp_threads();
        let mut settings = settings;
        if settings.concurrency == 0 {
            settings.concurrency = default_concurrency();
        }
        if settings.batch_limit == 0 {
            settings.batch_limit = job::DEFAULT_BATCH_LIMIT;
        }
        let rt = Arc::new(Runtime {
            settings,
            renderer: OnceLock::new(),
        });
        let pool = Arc::new(Pool {
            queue: Mutex::new(Queue {
                tasks: VecDeque::new(),
                shutdown: false,
            }),
            ready: Condvar::new(),
        });
        for n in 0..rt.settings.concurrency {
            let (rt, pool) = (rt.clone(), pool.clone());
            std::thread::Builder::new()
                .name(format!("georender-worker-{n}"))
                .spawn(move || pool.worker(&rt))
                .map_err(|e| Error::RenderFailed(format!("cannot start a worker thread: {e}")))?;
        }
        Ok(Engine {
            inner: Arc::new(EngineInner { rt, pool }),
        })
    }

    /// The settings in force (defaults filled in).
    pub fn settings(&self) -> &EngineSettings {
        &self.inner.rt.settings
    }

    /// Opens the GPU if needed and describes the adapter, e.g.
    /// `llvmpipe (LLVM 19) [Vulkan, Cpu]`; `RENDER_FAILED` (saying which drivers
    /// to install) when there is none.
    pub fn gpu_info(&self) -> Result<String> {
        Ok(self.inner.rt.renderer()?.context().describe())
    }

    /// Renders one validated job and blocks until its files are written.
    /// Routing, render and encode failures come back as errors with their codes.
    pub fn render(&self, job: &Job) -> Result<JobResult> {
        self.render_with(job, BatchOptions::default())
    }

    /// [`render`](Self::render) with an id (`options.job_ids`, one) and progress
    /// callback; the callback may cancel the job ([`Flow::CancelJob`]).
    pub fn render_with(&self, job: &Job, options: BatchOptions) -> Result<JobResult> {
        let handle = self.submit(vec![job.clone()], options)?;
        let status = handle.wait();
        match handle.job_error(0) {
            Some(e) => Err(e),
            None => Ok(status.jobs.into_iter().next().expect("one job")),
        }
    }

    /// Parses, validates and renders one job given as JSON text (blocking).
    pub fn render_json(&self, job_json: &str) -> Result<JobResult> {
        self.render(&job::parse_job(job_json)?)
    }

    /// Starts a batch: each job JSON value is deep-merged over `shared`
    /// (`shared_options`) and the whole batch is validated first — every issue
    /// in one `VALIDATION_ERROR`, or `BATCH_TOO_LARGE` over the limit. Returns at
    /// once; jobs run on the workers, a failing job does not stop the others.
    pub fn render_batch(&self, jobs: &[Value], shared: Option<&Value>) -> Result<BatchHandle> {
        self.render_batch_with(jobs, shared, BatchOptions::default())
    }

    /// [`render_batch`](Self::render_batch) with ids and a progress callback.
    pub fn render_batch_with(
        &self,
        jobs: &[Value],
        shared: Option<&Value>,
        options: BatchOptions,
    ) -> Result<BatchHandle> {
        let jobs = job::batch_from_values(jobs, shared, self.settings().batch_limit)?;
        self.submit(jobs, options)
    }

    /// Starts a batch given as the REST body `{"jobs": [...], "shared_options": {...}}`
    /// (JSON text); see [`render_batch`](Self::render_batch).
    pub fn render_batch_json(&self, body: &str, options: BatchOptions) -> Result<BatchHandle> {
        let jobs = job::parse_batch(body, self.settings().batch_limit)?;
        self.submit(jobs, options)
    }

    /// Starts a batch given as the REST body as a JSON value.
    pub fn render_batch_value(&self, body: &Value, options: BatchOptions) -> Result<BatchHandle> {
        let jobs = job::batch_from_value(body, self.settings().batch_limit)?;
        self.submit(jobs, options)
    }

    /// Starts a batch of validated jobs. Checks the limit, the ids and that the
    /// output directory is writable (`ENCODE_FAILED` naming it) before queueing.
    pub fn submit(&self, jobs: Vec<Job>, options: BatchOptions) -> Result<BatchHandle> {
        let limit = self.settings().batch_limit;
        if jobs.len() > limit {
            return Err(Error::BatchTooLarge {
                count: jobs.len(),
                limit,
            });
        }
        if jobs.is_empty() {
            return Err(Error::invalid(Issue::new(
                "jobs",
                "too_few",
                "a batch needs at least 1 job, got 0",
            )));
        }
        let ids = match options.job_ids {
            Some(ids) => {
                check_ids(&ids, jobs.len())?;
                ids
            }
            None => (0..jobs.len())
                .map(|_| format!("job_{}", random_hex()))
                .collect(),
        };
        let batch_id = match options.batch_id {
            Some(id) if is_valid_id(&id) => id,
            Some(id) => {
                return Err(Error::invalid(Issue::new(
                    "batch_id",
                    "invalid_format",
                    format!("`{id}` is not a valid batch id"),
                )))
            }
            None => format!("batch_{}", random_hex()),
        };
        pipeline::check_writable(&self.settings().output_dir)?;
        let inner = Arc::new(BatchInner::new(
            batch_id,
            ids.into_iter().zip(jobs).collect(),
            options.on_progress,
        ));
        self.inner.pool.push(&inner);
        Ok(BatchHandle { inner })
    }

    /// Renders the single frame at `t` seconds of a job (for previews), on the
    /// calling thread.
    pub fn render_frame(&self, job: &Job, t: f64) -> Result<Frame> {
        if !(0.0..=job.duration).contains(&t) {
            return Err(Error::invalid(
                Issue::new(
                    "t",
                    "out_of_range",
                    format!("t must be between 0 and {} seconds, got {t}", job.duration),
                )
                .suggest("pick a time within the job's duration"),
            ));
        }
        let route = crate::route::plan(job)?;
        let mut prepared = self.inner.rt.renderer()?.prepare(job, &route)?;
        prepared.render_frame(t)
    }
}
