//! Showing progress events: indicatif bars on a terminal, one JSON object per line
//! with `--json`, or a line per job start/end otherwise.

use georender::engine::{Flow, JobStatus, ProgressEvent};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Mutex;
use std::time::Instant;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// JSON line events on stdout.
    Json,
    /// Progress bars on stderr (a terminal).
    Bars,
    /// One line per job start and end on stderr.
    Plain,
}

/// Frame events printed per job and second at most in JSON mode (the last frame
/// of a job is always printed).
const JSON_FRAME_RATE: f64 = 4.0;

/// Receives the engine's events (from its threads) and shows them.
pub struct Display {
    mode: Mode,
    ids: Vec<String>,
    multi: Option<MultiProgress>,
    bars: Vec<ProgressBar>,
    last_frame_line: Mutex<Vec<Option<Instant>>>,
}

fn bar_style(width: usize) -> ProgressStyle {
    ProgressStyle::with_template(&format!(
        "{{prefix:{width}.bold}} [{{bar:32.cyan/blue}}] {{pos:>4}}/{{len:<4}} {{msg}}"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}

impl Display {
    /// A display for jobs named `ids`.
    pub fn new(mode: Mode, ids: &[String]) -> Display {
        let (multi, bars) = if mode == Mode::Bars {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let width = ids.iter().map(|i| i.chars().count()).max().unwrap_or(3);
            let bars = ids
                .iter()
                .map(|id| {
                    let bar = multi.add(ProgressBar::new(0));
                    bar.set_style(bar_style(width));
                    bar.set_prefix(id.clone());
                    bar.set_message("queued");
                    bar
                })
                .collect();
            (Some(multi), bars)
        } else {
            (None, Vec::new())
        };
        Display {
            mode,
            ids: ids.to_vec(),
            multi,
            bars,
            last_frame_line: Mutex::new(vec![None; ids.len()]),
        }
    }

    /// Shows one event; never asks to cancel.
    pub fn event(&self, event: &ProgressEvent) -> Flow {
        match self.mode {
            Mode::Json => self.json(event),
            Mode::Bars => self.bars(event),
            Mode::Plain => self.plain(event),
        }
        Flow::Continue
    }

    fn json(&self, event: &ProgressEvent) {
        if let ProgressEvent::Frame {
            index,
            frame,
            total,
            ..
        } = event
        {
            let mut last = self
                .last_frame_line
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let Some(slot) = last.get_mut(*index) else {
                return;
            };
            let due = slot.is_none_or(|t| t.elapsed().as_secs_f64() >= 1.0 / JSON_FRAME_RATE);
            if !(due || frame == total) {
                return;
            }
            *slot = Some(Instant::now());
        }
        if let Ok(line) = serde_json::to_string(event) {
            println!("{line}");
        }
    }

    fn bars(&self, event: &ProgressEvent) {
        let Some(bar) = event.job_index().and_then(|i| self.bars.get(i)) else {
            return;
        };
        match event {
            ProgressEvent::JobStarted { total, .. } => {
                bar.set_length(*total);
                bar.set_message("routing and preparing…");
            }
            ProgressEvent::Frame {
                frame,
                total,
                eta_seconds,
                ..
            } => {
                bar.set_length(*total);
                bar.set_position(*frame);
                bar.set_message(format!("eta {eta_seconds:.0}s"));
            }
            ProgressEvent::JobEnded { result, .. } => {
                let msg = match result.status {
                    JobStatus::Complete => {
                        format!("✓ {:.1}s", result.render_seconds.unwrap_or_default())
                    }
                    _ => format!(
                        "✗ {}",
                        result
                            .error
                            .map(|c| c.to_string())
                            .unwrap_or_else(|| result.status.to_string())
                    ),
                };
                bar.abandon_with_message(msg);
            }
            ProgressEvent::BatchEnded { .. } => {}
        }
    }

    fn plain(&self, event: &ProgressEvent) {
        let n = self.ids.len();
        match event {
            ProgressEvent::JobStarted {
                job_id,
                index,
                total,
                ..
            } => eprintln!("[{}/{n}] {job_id}: started ({total} frames)", index + 1),
            ProgressEvent::JobEnded { result, .. } => {
                let i = result.index + 1;
                match (&result.video, &result.error) {
                    (Some(v), _) => eprintln!(
                        "[{i}/{n}] {}: complete in {:.1}s → {}",
                        result.job_id,
                        result.render_seconds.unwrap_or_default(),
                        v.path.display()
                    ),
                    (None, Some(code)) => eprintln!(
                        "[{i}/{n}] {}: {} ({code}: {})",
                        result.job_id,
                        result.status,
                        result.message.clone().unwrap_or_default()
                    ),
                    (None, None) => eprintln!("[{i}/{n}] {}: {}", result.job_id, result.status),
                }
            }
            _ => {}
        }
    }

    /// Prints a note without breaking the bars.
    pub fn note(&self, msg: &str) {
        match (&self.multi, self.mode) {
            (Some(m), _) => {
                let _ = m.println(msg);
            }
            (None, Mode::Json) => {}
            (None, _) => eprintln!("{msg}"),
        }
    }

    /// Stops drawing; bars of jobs that never ended are removed, the others
    /// stay on screen with their outcome.
    pub fn clear(&self) {
        for bar in &self.bars {
            if !bar.is_finished() {
                bar.finish_and_clear();
            }
        }
    }
}
