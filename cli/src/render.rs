//! `render`, `batch` and `frame`: job files in, videos (or a PNG) out, with
//! progress bars on a terminal, JSON line events with `--json`, and a summary.

use crate::progress::{Display, Mode};
use crate::{error_json, print_issues, read};
use clap::Args;
use georender::engine::{BatchOptions, BatchStatus, Engine, EngineSettings, JobStatus};
use georender::{job, Error, Issue};
use serde_json::{json, Map, Value};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Options shared by `render` and `batch`.
#[derive(Args, Debug, Clone)]
pub struct RenderArgs {
    /// Output directory (created if missing); files are `<job>.mp4` and `<job>.jpg`.
    #[arg(short, long, default_value = "renders")]
    pub output: PathBuf,
    #[command(flatten)]
    pub overrides: Overrides,
    /// Jobs rendered at once (default: what the cores sustain).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Print one JSON object per line (progress events, then the final status).
    #[arg(long)]
    pub json: bool,
}

/// Quick-render overrides, applied to every job (they beat the file's values).
#[derive(Args, Debug, Clone, Default)]
pub struct Overrides {
    /// Resolution: 720p, 1080p, 4k or WxH (e.g. 640x360).
    #[arg(long)]
    pub resolution: Option<String>,
    /// Video length in seconds.
    #[arg(long)]
    pub duration: Option<f64>,
    /// Frames per second (24, 25, 30, 50, 60).
    #[arg(long)]
    pub fps: Option<u32>,
    /// Encoder quality: draft, standard or high.
    #[arg(long)]
    pub quality: Option<String>,
}

impl Overrides {
    /// Writes the overrides into a job object (deep-merged into `output`).
    fn apply(&self, job: &mut Value) {
        let Value::Object(m) = job else { return };
        if let Some(r) = &self.resolution {
            m.insert("resolution".into(), json!(r));
        }
        if let Some(d) = self.duration {
            m.insert("duration".into(), json!(d));
        }
        if let Some(f) = self.fps {
            m.insert("fps".into(), json!(f));
        }
        if let Some(q) = &self.quality {
            let out = m
                .entry("output")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(o) = out {
                o.insert("quality".into(), json!(q));
            } else {
                *out = json!({ "quality": q });
            }
        }
    }
}

fn parse_value(text: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|e| {
        Error::invalid(Issue::new(
            "",
            "invalid_format",
            format!("not valid JSON: {e}"),
        ))
    })
}

/// A file-name-safe slug: lower-case ASCII letters and digits joined by `-`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    out.chars().take(60).collect::<String>()
}

/// The label of waypoint `i` of a job value.
fn label(job: &Value, last: bool) -> Option<String> {
    let wps = job.get("waypoints")?.as_array()?;
    let wp = if last { wps.last()? } else { wps.first()? };
    let s = slug(wp.get("label")?.as_str()?);
    (!s.is_empty()).then_some(s)
}

/// Job ids for a batch file's jobs: `<first>-to-<last>` from the waypoint labels
/// when both exist, else `<file stem>-<n>`; made unique.
fn batch_ids(stem: &str, jobs: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let base = match (label(job, false), label(job, true)) {
            (Some(a), Some(b)) if a != b => format!("{a}-to-{b}"),
            _ => format!("{stem}-{}", i + 1),
        };
        let mut id = base.clone();
        let mut n = 2;
        while ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        ids.push(id);
    }
    ids
}

fn file_stem(file: &Path) -> String {
    let s = slug(
        &file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    if s.is_empty() {
        "job".into()
    } else {
        s
    }
}

fn fail(e: &Error, as_json: bool) -> ExitCode {
    if as_json {
        println!("{}", error_json(e));
    } else {
        print_issues(e);
    }
    ExitCode::FAILURE
}

/// `georender render <job.json>`: one job (a batch file is rendered as a batch).
pub fn render_cmd(file: &Path, args: &RenderArgs) -> ExitCode {
    run_file(file, args, false)
}

/// `georender batch <batch.json>`: the REST batch body `{jobs, shared_options}`.
pub fn batch_cmd(file: &Path, args: &RenderArgs) -> ExitCode {
    run_file(file, args, true)
}

fn run_file(file: &Path, args: &RenderArgs, want_batch: bool) -> ExitCode {
    let mut value = match read(file).and_then(|t| parse_value(&t)) {
        Ok(v) => v,
        Err(e) => return fail(&e, args.json),
    };
    let stem = file_stem(file);
    if want_batch || value.get("jobs").is_some() {
        let jobs = value.get_mut("jobs").and_then(Value::as_array_mut);
        let ids = match jobs {
            Some(jobs) => {
                for j in jobs.iter_mut() {
                    args.overrides.apply(j);
                }
                batch_ids(&stem, jobs)
            }
            None => Vec::new(), // validation reports the missing `jobs`
        };
        run(Work::Batch(value), ids, args)
    } else {
        args.overrides.apply(&mut value);
        match job::job_from_value(&value) {
            Ok(job) => run(Work::Job(Box::new(job)), vec![stem], args),
            Err(e) => fail(&e, args.json),
        }
    }
}

/// What to render: one validated job, or a batch body still to validate.
enum Work {
    Job(Box<job::Job>),
    Batch(Value),
}

/// Sets on SIGINT; the first Ctrl-C cancels the batch (removing partial files),
/// a second one exits at once.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_sigint(_: libc::c_int) {
    if INTERRUPTED.swap(true, std::sync::atomic::Ordering::SeqCst) {
        // SAFETY: `_exit` is async-signal-safe.
        unsafe { libc::_exit(130) };
    }
}

fn catch_interrupt() {
    #[cfg(unix)]
    // SAFETY: installs a handler that only touches an atomic and calls `_exit`.
    unsafe {
        let handler: extern "C" fn(libc::c_int) = on_sigint;
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
}

fn run(work: Work, ids: Vec<String>, args: &RenderArgs) -> ExitCode {
    let mut settings = EngineSettings {
        output_dir: args.output.clone(),
        ..EngineSettings::default()
    };
    if let Some(c) = args.concurrency {
        settings.concurrency = c;
    }
    let engine = match Engine::new(settings) {
        Ok(e) => e,
        Err(e) => return fail(&e, args.json),
    };
    let mode = if args.json {
        Mode::Json
    } else if std::io::stderr().is_terminal() {
        Mode::Bars
    } else {
        Mode::Plain
    };
    let display = Arc::new(Display::new(mode, &ids));
    let d = display.clone();
    let options = BatchOptions {
        job_ids: Some(ids),
        on_progress: Some(Arc::new(move |e| d.event(e))),
        ..Default::default()
    };
    let start = Instant::now();
    let submitted = match work {
        Work::Job(job) => engine.submit(vec![*job], options),
        Work::Batch(body) => engine.render_batch_value(&body, options),
    };
    let handle = match submitted {
        Ok(h) => h,
        Err(e) => {
            display.clear();
            return fail(&e, args.json);
        }
    };
    catch_interrupt();
    let mut cancelled = false;
    let status = loop {
        if let Some(s) = handle.wait_timeout(Duration::from_millis(100)) {
            break s;
        }
        if !cancelled && INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
            cancelled = true;
            display.note("interrupted: cancelling (Ctrl-C again to quit at once)");
            handle.cancel();
        }
    };
    display.clear();
    if !args.json {
        print_summary(&status, start.elapsed());
    }
    if status.all_succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn human_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.0} kB", b / 1e3)
    }
}

/// Thousands separators: 19460 → "19,460".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| std::str::from_utf8(g).unwrap_or_default())
        .collect();
    groups.join(",")
}

/// Prints the final table: one row per job, then the counts.
pub fn print_summary(status: &BatchStatus, wall: Duration) {
    let header = ["JOB", "STATUS", "TIME", "VIDEO", "SIZE", "ROUTE", "OUTPUT"];
    let mut rows: Vec<[String; 7]> = Vec::new();
    for j in &status.jobs {
        let time = j
            .render_seconds
            .map(|s| format!("{s:.1}s"))
            .unwrap_or_else(|| "-".into());
        let (video, size, route, output) = if j.status == JobStatus::Complete {
            let video = format!(
                "{} {}fps {}s",
                j.resolution.clone().unwrap_or_default(),
                j.fps.unwrap_or(0),
                j.duration_seconds.unwrap_or(0.0)
            );
            let route = j
                .route
                .as_ref()
                .map(|r| {
                    let via = if r.passages.is_empty() {
                        String::new()
                    } else {
                        format!(" via {}", r.passages.join(", "))
                    };
                    format!(
                        "{} {} km{via}",
                        r.mode,
                        thousands(r.distance_km.round() as u64)
                    )
                })
                .unwrap_or_default();
            let output = j
                .video
                .as_ref()
                .map(|v| v.path.display().to_string())
                .unwrap_or_default();
            (
                video,
                human_size(j.file_size_bytes.unwrap_or(0)),
                route,
                output,
            )
        } else {
            let why = match (&j.error, &j.message) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                _ => String::new(),
            };
            ("-".into(), "-".into(), "-".into(), why)
        };
        rows.push([
            j.job_id.clone(),
            j.status.to_string(),
            time,
            video,
            size,
            route,
            output,
        ]);
    }
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        println!("{}", s.trim_end());
    };
    println!();
    line(&header.map(String::from));
    for r in &rows {
        line(r);
    }
    let mut counts = vec![format!("{} complete", status.completed)];
    if status.failed > 0 {
        counts.push(format!("{} failed", status.failed));
    }
    if status.cancelled > 0 {
        counts.push(format!("{} cancelled", status.cancelled));
    }
    println!(
        "\n{} job{}: {} in {:.1}s",
        status.total,
        if status.total == 1 { "" } else { "s" },
        counts.join(", "),
        wall.as_secs_f64()
    );
}

/// `georender frame <job.json> --t <seconds> -o frame.png`.
pub fn frame_cmd(file: &Path, t: f64, output: &Path, overrides: &Overrides) -> ExitCode {
    let result = read(file)
        .and_then(|text| parse_value(&text))
        .and_then(|mut v| {
            overrides.apply(&mut v);
            job::job_from_value(&v)
        })
        .and_then(|job| {
            let engine = Engine::new(EngineSettings::default())?;
            let frame = engine.render_frame(&job, t)?;
            frame.save_png(output)?;
            Ok((frame.width, frame.height))
        });
    match result {
        Ok((w, h)) => {
            println!("wrote {} ({w}x{h}, t = {t} s)", output.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_labels() {
        let jobs = [
            json!({"waypoints": [{"label": "Port Said"}, {"label": "Bab el-Mandeb"}]}),
            json!({"waypoints": [{"label": "Port Said"}, {"label": "Bab el-Mandeb"}]}),
            json!({"waypoints": [{"lat": 0}, {"lat": 1}]}),
        ];
        assert_eq!(
            batch_ids("batch", &jobs),
            [
                "port-said-to-bab-el-mandeb",
                "port-said-to-bab-el-mandeb-2",
                "batch-3"
            ]
        );
        assert_eq!(slug("Singapore→Tokyo!"), "singapore-tokyo");
        assert_eq!(thousands(19460), "19,460");
        assert_eq!(thousands(577), "577");
    }

    #[test]
    fn overrides_replace_job_values() {
        let mut v = json!({"fps": 60, "output": {"thumbnail": false}});
        Overrides {
            resolution: Some("640x360".into()),
            duration: Some(2.0),
            fps: Some(24),
            quality: Some("draft".into()),
        }
        .apply(&mut v);
        assert_eq!(
            v,
            json!({"fps": 24, "duration": 2.0, "resolution": "640x360",
                   "output": {"thumbnail": false, "quality": "draft"}})
        );
    }
}
