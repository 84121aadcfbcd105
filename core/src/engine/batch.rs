//! A submitted batch: the shared state behind [`BatchHandle`], its bookkeeping
//! and event delivery.

use super::types::{
    BatchStatus, Flow, JobProgress, JobResult, JobStatus, ProgressCallback, ProgressEvent,
};
use crate::error::Error;
use crate::job::Job;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One job of a batch as the workers see it.
pub(crate) struct JobSlot {
    pub job: Job,
    pub id: String,
    pub cancel: AtomicBool,
}

struct Entry {
    result: JobResult,
    /// The error a failed job ended with, kept whole for [`Engine::render`](super::Engine::render).
    error: Option<Error>,
}

struct State {
    entries: Vec<Entry>,
    /// Every job has ended and every end event has been delivered.
    done: bool,
    /// Job-ended events recorded but not yet delivered to the callback.
    ending: usize,
    /// The batch-ended event has been claimed by one thread.
    batch_end_claimed: bool,
}

/// The state shared by a batch's handle(s) and the workers.
pub(crate) struct BatchInner {
    pub id: String,
    pub slots: Vec<JobSlot>,
    state: Mutex<State>,
    changed: Condvar,
    cancelled: AtomicBool,
    progress: Option<ProgressCallback>,
}

impl BatchInner {
    pub fn new(
        id: String,
        jobs: Vec<(String, Job)>,
        progress: Option<ProgressCallback>,
    ) -> BatchInner {
        let entries = jobs
            .iter()
            .enumerate()
            .map(|(i, (id, _))| Entry {
                result: JobResult::queued(id.clone(), i),
                error: None,
            })
            .collect();
        BatchInner {
            id,
            slots: jobs
                .into_iter()
                .map(|(id, job)| JobSlot {
                    job,
                    id,
                    cancel: AtomicBool::new(false),
                })
                .collect(),
            state: Mutex::new(State {
                entries,
                done: false,
                ending: 0,
                batch_end_claimed: false,
            }),
            changed: Condvar::new(),
            cancelled: AtomicBool::new(false),
            progress,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether job `index` (or the whole batch) was cancelled.
    pub fn is_cancelled(&self, index: usize) -> bool {
        self.cancelled.load(Ordering::SeqCst) || self.slots[index].cancel.load(Ordering::SeqCst)
    }

    /// Delivers an event and acts on the callback's answer.
    pub fn emit(&self, event: ProgressEvent) {
        let Some(cb) = &self.progress else { return };
        // A panicking callback must not take a worker (and the batch's end) down.
        let flow = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb(&event)))
            .unwrap_or(Flow::Continue);
        match flow {
            Flow::Continue => {}
            Flow::CancelJob => {
                if let Some(i) = event.job_index() {
                    self.cancel_job(i);
                }
            }
            Flow::CancelBatch => self.cancel(),
        }
    }

    /// Moves job `index` from queued to processing; `false` if it is no longer
    /// queued (cancelled meanwhile).
    pub fn claim(&self, index: usize) -> bool {
        let mut st = self.lock();
        let entry = &mut st.entries[index];
        if entry.result.status != JobStatus::Queued {
            return false;
        }
        entry.result.status = JobStatus::Processing;
        drop(st);
        self.changed.notify_all();
        true
    }

    /// Records rendering progress of a processing job.
    pub fn set_progress(&self, index: usize, progress: JobProgress) {
        let mut st = self.lock();
        let entry = &mut st.entries[index];
        if entry.result.status == JobStatus::Processing {
            entry.result.progress = Some(progress);
        }
    }

    /// Ends job `index` with `outcome` (a complete entry, or the error), emits
    /// `job_ended` and, for the last job, `batch_ended`, then wakes waiters.
    /// A job that has already ended is left alone.
    pub fn end(&self, index: usize, outcome: Result<JobResult, Error>) {
        self.end_if(index, outcome, false);
    }

    /// [`end`](Self::end), only if the job is still queued when `queued_only`.
    fn end_if(&self, index: usize, outcome: Result<JobResult, Error>, queued_only: bool) -> bool {
        let result = {
            let mut st = self.lock();
            let entry = &mut st.entries[index];
            let status = entry.result.status;
            if status.is_final() || (queued_only && status != JobStatus::Queued) {
                return false;
            }
            let mut result = match &outcome {
                Ok(r) => r.clone(),
                Err(e) => {
                    let mut r = JobResult::queued(self.slots[index].id.clone(), index);
                    r.status = if matches!(e, Error::Cancelled) {
                        JobStatus::Cancelled
                    } else {
                        JobStatus::Failed
                    };
                    r.error = Some(e.code());
                    r.message = Some(e.to_string());
                    r
                }
            };
            result.index = index;
            result.progress = None;
            entry.result = result.clone();
            entry.error = outcome.err();
            st.ending += 1;
            result
        };
        self.changed.notify_all();
        self.emit(ProgressEvent::JobEnded {
            batch_id: self.id.clone(),
            result: Box::new(result),
        });
        // The batch ends only once every job-ended event has been delivered, so
        // `wait()` never returns before a job's own end event has run.
        let last = {
            let mut st = self.lock();
            st.ending -= 1;
            let last = st.ending == 0
                && !st.batch_end_claimed
                && st.entries.iter().all(|e| e.result.status.is_final());
            st.batch_end_claimed |= last;
            last
        };
        if last {
            self.emit(ProgressEvent::BatchEnded {
                status: self.status(),
            });
            self.lock().done = true;
            self.changed.notify_all();
        }
        true
    }

    /// The current status.
    pub fn status(&self) -> BatchStatus {
        let st = self.lock();
        BatchStatus::from_jobs(
            self.id.clone(),
            st.entries.iter().map(|e| e.result.clone()).collect(),
        )
    }

    /// The error job `index` ended with, if it failed or was cancelled.
    pub fn error(&self, index: usize) -> Option<Error> {
        self.lock().entries[index].error.clone()
    }

    /// Cancels job `index`: a queued job ends `cancelled` now, a processing one
    /// stops at its next frame. Returns whether the job had not ended yet.
    pub fn cancel_job(&self, index: usize) -> bool {
        let Some(slot) = self.slots.get(index) else {
            return false;
        };
        slot.cancel.store(true, Ordering::SeqCst);
        if self.end_if(index, Err(Error::Cancelled), true) {
            return true;
        }
        !self.lock().entries[index].result.status.is_final()
    }

    /// Cancels every job that has not ended.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        for i in 0..self.slots.len() {
            self.cancel_job(i);
        }
    }

    /// Waits until every job has ended, or until `deadline`.
    fn wait_until(&self, deadline: Option<Instant>) -> bool {
        let mut st = self.lock();
        while !st.done {
            match deadline {
                None => st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    st = self
                        .changed
                        .wait_timeout(st, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
        true
    }
}

/// A running (or finished) batch. Cheap to clone, `Send + Sync`, no lifetimes:
/// it can be stored, moved across threads or held by a foreign runtime. The
/// batch runs whether or not a handle is kept.
#[derive(Clone)]
pub struct BatchHandle {
    pub(crate) inner: Arc<BatchInner>,
}

impl std::fmt::Debug for BatchHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchHandle")
            .field("id", &self.inner.id)
            .field("jobs", &self.inner.slots.len())
            .finish()
    }
}

impl BatchHandle {
    /// The batch's id.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The jobs' ids, in batch order.
    pub fn job_ids(&self) -> Vec<String> {
        self.inner.slots.iter().map(|s| s.id.clone()).collect()
    }

    /// Number of jobs.
    pub fn len(&self) -> usize {
        self.inner.slots.len()
    }

    /// Whether the batch has no jobs (never true for a submitted batch).
    pub fn is_empty(&self) -> bool {
        self.inner.slots.is_empty()
    }

    /// The current status: state, counts and every job's entry.
    pub fn status(&self) -> BatchStatus {
        self.inner.status()
    }

    /// Whether every job has ended (and every end event has been delivered).
    pub fn is_done(&self) -> bool {
        self.inner.lock().done
    }

    /// Blocks until every job has ended; returns the final status. Called from
    /// a progress callback of the same engine (say, a callback that renders),
    /// it runs the batch's queued jobs on the calling worker itself, so that
    /// works at any concurrency.
    pub fn wait(&self) -> BatchStatus {
        // From a progress callback of the same engine: run the batch's queued
        // jobs here rather than wait for the worker this thread is.
        super::help_with(&self.inner);
        self.inner.wait_until(None);
        self.status()
    }

    /// Blocks until every job has ended or `timeout` passes; the final status,
    /// or `None` on timeout.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<BatchStatus> {
        self.inner
            .wait_until(Some(Instant::now() + timeout))
            .then(|| self.status())
    }

    /// Cancels every job that has not ended: queued jobs end `cancelled` at once,
    /// processing ones at their next frame. Partial files are removed.
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// Cancels one job by index; returns whether it had not ended yet.
    pub fn cancel_job(&self, index: usize) -> bool {
        self.inner.cancel_job(index)
    }

    /// The error a job ended with (failed or cancelled), with its code and, for
    /// validation errors, its issues.
    pub fn job_error(&self, index: usize) -> Option<Error> {
        (index < self.len())
            .then(|| self.inner.error(index))
            .flatten()
    }
}
