//! End-to-end benchmark: the example batch (`examples/jobs/batch.json`) rendered
//! by the engine at 1080p30, 12 s, job by job, then the same frames encoded alone.
//!
//! ```text
//! cargo bench -p georender --bench e2e
//! ```
//!
//! Three kinds of child process:
//! 1. `capture`: the renderer alone renders the jobs' frames and writes them raw
//!    (RGBA) to temporary files (setup and render-only times come from here);
//! 2. `render`: one engine renders the jobs one after another (caches warm after
//!    the first, as in a batch) — per job: wall time, frames per second and the
//!    peak resident memory (VmHWM, reset before each job);
//! 3. `encode` (one per job): that job's frames, read into memory first, fed
//!    to the same encoder with the same settings; the wall time from opening
//!    the encoder to the finished file ("encoding alone").
//!
//! 2 and 3 run in rounds (`GEORENDER_E2E_REPEAT`, default 1), each job's 3
//! right after its 2 (the engine process waits meanwhile), so both sides of a
//! ratio are measured seconds apart on a machine whose speed drifts. Each job
//! reports its round with the median ratio.
//!
//! The ratio is wall time / encoding alone (target ≤ 1.15: rendering nearly free
//! next to x264). Then every job is rendered at 4K for peak memory (target
//! ≤ 1 GB). Environment: `GEORENDER_E2E_SECONDS` (default 12),
//! `GEORENDER_E2E_4K=0` skips the 4K run, `GEORENDER_E2E_JOBS=0,2` picks jobs,
//! `GEORENDER_E2E_REPEAT=3` runs 3 rounds (on a shared machine).

use georender::encode::{self, OutputFormat};
use georender::engine::pipeline::video_settings;
use georender::engine::{BatchOptions, Engine, EngineSettings};
use georender::job::{self, Job};
use serde_json::{json, Value};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const CHILD: &str = "--e2e-child";

fn jobs(resolution: &str, seconds: f64) -> Vec<Job> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/jobs/batch.json");
    let body: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let shared = job::merge(
        &body["shared_options"],
        &json!({ "resolution": resolution, "duration": seconds, "fps": 30 }),
    );
    job::batch_from_values(body["jobs"].as_array().unwrap(), Some(&shared), 25).unwrap()
}

/// Peak resident set size of this process in MB (VmHWM).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("georender-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn set_lp_threads() {
    if std::env::var_os("LP_NUM_THREADS").is_none() {
        std::env::set_var(
            "LP_NUM_THREADS",
            georender::engine::default_lp_threads().to_string(),
        );
    }
}

/// Resets this process' peak RSS to its current RSS (Linux `clear_refs` 5).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Child: one engine renders the picked jobs one after another (as a batch on
/// a 1-job-at-a-time engine does, caches warm); per job: wall time and the
/// process' peak RSS during that job. With `encode_alone`, right after each
/// job (this process idle meanwhile) an `encode` child encodes the job's
/// captured frames: both sides of its ratio are measured seconds apart.
fn child_render(jobs: &[(usize, Job)], dir: &Path, encode_alone: Option<(&str, f64)>) -> Value {
    let engine = Engine::new(EngineSettings {
        output_dir: dir.to_path_buf(),
        concurrency: 1,
        ..EngineSettings::default()
    })
    .unwrap();
    let mut out = Vec::new();
    for (i, job) in jobs {
        reset_peak_rss();
        let start = Instant::now();
        let r = engine
            .render_with(
                job,
                BatchOptions {
                    job_ids: Some(vec![format!("e2e-{i}")]),
                    ..Default::default()
                },
            )
            .unwrap();
        let wall = start.elapsed().as_secs_f64();
        let _ = std::fs::remove_file(r.video.unwrap().path);
        if let Some(t) = r.thumbnail {
            let _ = std::fs::remove_file(t.path);
        }
        let mut row = json!({ "wall": wall, "frames": r.frames, "rss_mb": peak_rss_mb() });
        if let Some((res, secs)) = encode_alone {
            let e = spawn("encode", &[*i], res, secs, dir);
            row["encode"] = e["encode"].clone();
            row["encode_frames"] = e["frames"].clone();
        }
        out.push(row);
    }
    Value::Array(out)
}

/// Child: renders the picked jobs' frames (renderer alone, caches warm after the
/// first) into raw RGBA files `frames-<i>.rgba`.
fn child_capture(jobs: &[(usize, Job)], dir: &Path) -> Value {
    set_lp_threads();
    let renderer = georender::gpu::Renderer::new().unwrap();
    let mut res = Vec::new();
    for (i, job) in jobs {
        let route = georender::route::plan(job).unwrap();
        let start = Instant::now();
        let mut prepared = renderer.prepare(job, &route).unwrap();
        let setup = start.elapsed().as_secs_f64();
        let raw = dir.join(format!("frames-{i}.rgba"));
        let mut out = BufWriter::with_capacity(1 << 22, std::fs::File::create(raw).unwrap());
        let mut write = 0.0;
        let t = Instant::now();
        prepared
            .render_all(|_, f| {
                let w = Instant::now();
                out.write_all(&f.rgba).unwrap();
                write += w.elapsed().as_secs_f64();
                Ok(())
            })
            .unwrap();
        let render = t.elapsed().as_secs_f64() - write;
        out.flush().unwrap();
        res.push(json!({ "setup": setup, "render": render }));
    }
    Value::Array(res)
}

/// Child: encodes the raw file with the job's settings and times the encoder
/// alone: the frames are read into memory first, so, as when rendering is
/// removed, each is ready the moment the encoder can take it; the time is the
/// wall time from opening the encoder to the finished file (x264's threads work
/// between calls too, so timing only the calls would undercount it).
fn child_encode(job: &Job, raw: &Path, dir: &Path) -> Value {
    let settings = video_settings(job);
    let path = dir.join("encode-only.mp4");
    let mut frames = Vec::new();
    std::fs::File::open(raw)
        .unwrap()
        .read_to_end(&mut frames)
        .unwrap();
    let mut calls = 0.0;
    let t = Instant::now();
    let mut sink = encode::open_sink(OutputFormat::Mp4, &path, &settings).unwrap();
    let mut n = 0u64;
    for frame in frames.chunks_exact(settings.rgba_len()) {
        let c = Instant::now();
        sink.push_rgba(frame).unwrap();
        calls += c.elapsed().as_secs_f64();
        n += 1;
    }
    let stats = sink.finish().unwrap();
    let encode = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    json!({ "encode": encode, "calls": calls, "frames": n, "bytes": stats.file_size_bytes, "rss_mb": peak_rss_mb() })
}

fn run_child(args: &[String]) {
    let (mode, picked, res, secs) = (&args[0], &args[1], &args[2], &args[3]);
    let all = jobs(res, secs.parse().unwrap());
    let jobs: Vec<(usize, Job)> = picked
        .split(',')
        .map(|i| i.parse::<usize>().unwrap())
        .map(|i| (i, all[i].clone()))
        .collect();
    let dir = PathBuf::from(&args[4]);
    let out = match mode.as_str() {
        "render" => child_render(&jobs, &dir, None),
        "render+encode" => child_render(&jobs, &dir, Some((res, secs.parse().unwrap()))),
        "capture" => child_capture(&jobs, &dir),
        "encode" => {
            let (i, job) = &jobs[0];
            child_encode(job, &dir.join(format!("frames-{i}.rgba")), &dir)
        }
        m => panic!("unknown child mode {m}"),
    };
    println!("{out}");
}

fn spawn(mode: &str, picked: &[usize], res: &str, secs: f64, dir: &Path) -> Value {
    let list: Vec<String> = picked.iter().map(|i| i.to_string()).collect();
    let out = Command::new(std::env::current_exe().unwrap())
        .arg(CHILD)
        .args([mode, &list.join(","), res, &secs.to_string()])
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{mode} {list:?} {res} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{mode}: {e}: {stdout}"))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn name(job: &Job) -> String {
    let label = |w: Option<&job::Waypoint>| w.and_then(|w| w.label.clone()).unwrap_or_default();
    format!(
        "{} → {}",
        label(job.waypoints.first()),
        label(job.waypoints.last())
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(pos) = args.iter().position(|a| a == CHILD) {
        run_child(&args[pos + 1..]);
        return;
    }
    let secs: f64 = std::env::var("GEORENDER_E2E_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12.0);
    let four_k = std::env::var("GEORENDER_E2E_4K").map_or(true, |v| v != "0");
    let all = jobs("1080p", secs);
    let picked: Vec<usize> = std::env::var("GEORENDER_E2E_JOBS")
        .ok()
        .map(|s| s.split(',').filter_map(|i| i.trim().parse().ok()).collect())
        .unwrap_or_else(|| (0..all.len()).collect());
    let dir = scratch();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "georender e2e: example batch, 1080p30, {secs} s per job, {cores} cores, LP_NUM_THREADS={}",
        std::env::var("LP_NUM_THREADS").unwrap_or_else(|_| format!(
            "{} (engine default)",
            georender::engine::default_lp_threads()
        ))
    );
    println!("load average before: {}", load_average());
    let repeat: usize = std::env::var("GEORENDER_E2E_REPEAT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    // The frames for "encoding alone" first; then rounds of the batch through
    // the engine, each job followed at once by its frames through the encoder
    // alone, so both sides of a ratio are measured seconds apart. With repeats
    // (the machine's speed drifts, by 10-20 % within minutes here) each job
    // reports the round with its median ratio (the higher of two middle ones)
    // and its highest peak; "all" sums every round.
    let captured = spawn("capture", &picked, "1080p", secs, &dir);
    let mut rounds: Vec<Vec<Value>> = vec![Vec::new(); picked.len()];
    for round in 1..=repeat {
        let again = spawn("render+encode", &picked, "1080p", secs, &dir);
        let again = again.as_array().unwrap();
        if repeat > 1 {
            let cells: Vec<String> = again
                .iter()
                .map(|r| {
                    let (w, e) = (f(&r["wall"]), f(&r["encode"]));
                    format!("{w:.2}/{e:.2}={:.2}", w / e)
                })
                .collect();
            println!(
                "round {round} (wall/encode=ratio per job): {}",
                cells.join("  ")
            );
        }
        for (k, r) in again.iter().enumerate() {
            rounds[k].push(r.clone());
        }
    }
    let (all_wall, all_encode): (f64, f64) = rounds
        .iter()
        .flatten()
        .map(|r| (f(&r["wall"]), f(&r["encode"])))
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    let rendered: Vec<Value> = rounds
        .iter()
        .map(|rs| {
            let mut by_ratio = rs.clone();
            by_ratio.sort_by(|a, b| {
                let ratio = |r: &Value| f(&r["wall"]) / f(&r["encode"]);
                ratio(a).total_cmp(&ratio(b))
            });
            let mut median = by_ratio[by_ratio.len() / 2].clone();
            let peak = rs.iter().map(|r| f(&r["rss_mb"])).fold(0.0, f64::max);
            median["rss_mb"] = json!(peak);
            median
        })
        .collect();
    println!(
        "\n{:<28} {:>6} {:>8} {:>6} {:>8} {:>9} {:>10} {:>6} {:>9}",
        "job", "frames", "wall s", "fps", "setup s", "render s", "encode s", "ratio", "peak MB"
    );
    let mut frames_all = 0.0;
    for (k, &i) in picked.iter().enumerate() {
        let _ = std::fs::remove_file(dir.join(format!("frames-{i}.rgba")));
        let (r, c) = (&rendered[k], &captured[k]);
        let (wall, enc, frames) = (f(&r["wall"]), f(&r["encode"]), f(&r["frames"]));
        assert_eq!(
            r["frames"], r["encode_frames"],
            "encode-only saw other frames"
        );
        frames_all += frames;
        println!(
            "{:<28} {:>6} {:>8.2} {:>6.1} {:>8.2} {:>9.2} {:>10.2} {:>6.2} {:>9.0}",
            name(&all[i]),
            frames,
            wall,
            frames / wall,
            f(&c["setup"]),
            f(&c["render"]),
            enc,
            wall / enc,
            f(&r["rss_mb"])
        );
    }
    let n = repeat as f64;
    println!(
        "{:<28} {:>6} {:>8.2} {:>6.1} {:>8} {:>9} {:>10.2} {:>6.2}",
        "all (mean of rounds)",
        frames_all,
        all_wall / n,
        frames_all * n / all_wall,
        "",
        "",
        all_encode / n,
        all_wall / all_encode
    );
    println!("load average after: {}", load_average());
    println!(
        "\nwall: Engine::render of the job (route, prepare, render → queue → encode,\n\
         thumbnail), jobs one after another on one engine; peak: the process' VmHWM\n\
         during that job. setup/render: the renderer alone (prepare; frames with\n\
         readback). encode: the same frames through the same encoder settings alone.\n\
         ratio = wall / encode."
    );

    if four_k {
        println!("\n4K (3840x2160), {secs} s: peak memory of Engine::render");
        println!(
            "{:<28} {:>6} {:>8} {:>6} {:>9}",
            "job", "frames", "wall s", "fps", "peak MB"
        );
        let rendered = spawn("render", &picked, "4k", secs, &dir);
        for (k, &i) in picked.iter().enumerate() {
            let r = &rendered[k];
            let (wall, frames) = (f(&r["wall"]), f(&r["frames"]));
            println!(
                "{:<28} {:>6} {:>8.2} {:>6.1} {:>9.0}",
                name(&all[i]),
                frames,
                wall,
                frames / wall,
                f(&r["rss_mb"])
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
