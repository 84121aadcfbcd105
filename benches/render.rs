//! Renderer benchmarks: setup (`prepare`) at 1080p, and per-frame render time at
//! 1080p and 4K after setup (single frames, the two-in-flight stream, and the
//! video stream to I420).
//!
//! `cargo bench -p georender --bench render`

use criterion::{criterion_group, criterion_main, Criterion};
use georender::gpu::Renderer;
use georender::job::Job;
use georender::route::Route;
use std::time::{Duration, Instant};

fn job(resolution: &str) -> Job {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/jobs/london-new-york.json"
    );
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["resolution"] = resolution.into();
    georender::job::job_from_value(&v).unwrap()
}

fn plan(job: &Job) -> Route {
    georender::route::plan(job).unwrap()
}

/// CPU seconds this process has used (all threads, including the software
/// rasteriser's): a load-independent companion to wall time on a busy machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |r| r.1)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 (11 and 12 after the command name).
    (ticks(11) + ticks(12)) / 100.0
}

fn p50(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench(c: &mut Criterion) {
    let renderer = Renderer::new().expect("GPU adapter");
    eprintln!("adapter: {}", renderer.context().describe());
    let mut g = c.benchmark_group("render");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    // `GEORENDER_BENCH_RES=1080p` (or `4k`) limits the run to one resolution.
    let only = std::env::var("GEORENDER_BENCH_RES").ok();
    for res in ["1080p", "4k"] {
        if only.as_deref().is_some_and(|o| o != res) {
            continue;
        }
        let job = job(res);
        let route = plan(&job);
        let (t0, c0) = (Instant::now(), cpu_seconds());
        let mut prepared = renderer.prepare(&job, &route).unwrap();
        eprintln!(
            "{res}: first setup {:.3} s, cpu {:.2} s ({} tiles)",
            t0.elapsed().as_secs_f64(),
            cpu_seconds() - c0,
            prepared.stats.tiles_rendered
        );
        let (t0, c0) = (Instant::now(), cpu_seconds());
        drop(renderer.prepare(&job, &route).unwrap());
        eprintln!(
            "{res}: second setup {:.3} s, cpu {:.2} s",
            t0.elapsed().as_secs_f64(),
            cpu_seconds() - c0
        );
        if res == "1080p" {
            g.bench_function("setup_1080p", |b| {
                b.iter(|| renderer.prepare(&job, &route).unwrap())
            });
        }
        // Every frame of the video once, synchronously: p50 of single-frame latency.
        let n = prepared.frame_count();
        let c0 = cpu_seconds();
        let mut times = Vec::with_capacity(n as usize);
        let (mut copy, mut sampled) = (Vec::new(), Vec::new());
        for i in 0..n {
            let copies = prepared.stats.copy_frames;
            let tiles = prepared.stats.tiles_rendered;
            let t = Instant::now();
            prepared.render_frame(i as f64 / job.fps as f64).unwrap();
            let ms = t.elapsed().as_secs_f64() * 1e3;
            times.push(ms);
            if std::env::var_os("GEORENDER_TRACE").is_some() && ms > 40.0 {
                eprintln!(
                    "{res}: frame {i} {ms:.1} ms, {} tiles",
                    prepared.stats.tiles_rendered - tiles
                );
            }
            if prepared.stats.copy_frames > copies {
                copy.push(ms);
            } else {
                sampled.push(ms);
            }
        }
        eprintln!(
            "{res}: single frame p50 {:.1} ms, max {:.1} ms, total {:.2} s, cpu {:.2} s; \
             {} copy (p50 {:.1} ms) / {} sampled (p50 {:.1} ms); {} tiles in all",
            p50(times.clone()),
            times.iter().cloned().fold(0.0, f64::max),
            times.iter().sum::<f64>() / 1e3,
            cpu_seconds() - c0,
            copy.len(),
            if copy.is_empty() {
                0.0
            } else {
                p50(copy.clone())
            },
            sampled.len(),
            if sampled.is_empty() {
                0.0
            } else {
                p50(sampled.clone())
            },
            prepared.stats.tiles_rendered
        );
        // The stream (two frames in flight), per frame.
        let t = Instant::now();
        prepared.render_all(|_, _| Ok(())).unwrap();
        eprintln!(
            "{res}: streamed {:.1} ms/frame over {n} frames",
            t.elapsed().as_secs_f64() * 1e3 / n as f64
        );
        // The video stream: frames as I420 (composited on the CPU on a software GPU).
        let (t, c0) = (Instant::now(), cpu_seconds());
        let mut yuv = georender::encode::I420Image::default();
        prepared
            .render_all_frames(|_, f| f.write_i420(&mut yuv))
            .unwrap();
        eprintln!(
            "{res}: streamed to I420 {:.1} ms/frame over {n} frames, cpu {:.2} s",
            t.elapsed().as_secs_f64() * 1e3 / n as f64,
            cpu_seconds() - c0
        );
        let mut i = 0u32;
        g.bench_function(format!("frame_{res}"), |b| {
            b.iter(|| {
                let f = prepared.render_frame(i as f64 / job.fps as f64).unwrap();
                i = (i + 7) % n;
                f
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
