//! Renderer benchmarks: setup (`prepare`) at 1080p, and per-frame render time at
//! 1080p and 4K after setup (single frames, and the two-in-flight stream).
//!
//! `cargo bench -p georender --bench render`

use criterion::{criterion_group, criterion_main, Criterion};
use georender::gpu::Renderer;
use georender::job::{Job, RouteModeOpt};
use georender::route::{Route, RouteMode, RouteRequest};
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
    let transport = job.resolved_transport(|_| false);
    let mode = match job.route_mode(transport) {
        RouteModeOpt::Manual => RouteMode::Manual,
        RouteModeOpt::Sea => RouteMode::Sea,
        RouteModeOpt::Road => RouteMode::Road,
    };
    georender::route::route(&RouteRequest {
        waypoints: job.positions(),
        mode,
        avoid: job.route.avoid.clone(),
        allow_arctic: job.route.allow_arctic,
    })
    .unwrap()
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
    for res in ["1080p", "4k"] {
        let job = job(res);
        let route = plan(&job);
        let t0 = Instant::now();
        let mut prepared = renderer.prepare(&job, &route).unwrap();
        eprintln!(
            "{res}: first setup {:.3} s ({} tiles)",
            t0.elapsed().as_secs_f64(),
            prepared.stats.tiles_rendered
        );
        if res == "1080p" {
            g.bench_function("setup_1080p", |b| {
                b.iter(|| renderer.prepare(&job, &route).unwrap())
            });
        }
        // Every frame of the video once, synchronously: p50 of single-frame latency.
        let n = prepared.frame_count();
        let mut times = Vec::with_capacity(n as usize);
        for i in 0..n {
            let t = Instant::now();
            prepared.render_frame(i as f64 / job.fps as f64).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        eprintln!(
            "{res}: single frame p50 {:.1} ms, max {:.1} ms ({} copy / {} sampled)",
            p50(times.clone()),
            times.iter().cloned().fold(0.0, f64::max),
            prepared.stats.copy_frames,
            prepared.stats.sampled_frames
        );
        // The stream (two frames in flight), per frame.
        let t = Instant::now();
        prepared.render_all(|_, _| Ok(())).unwrap();
        eprintln!(
            "{res}: streamed {:.1} ms/frame over {n} frames",
            t.elapsed().as_secs_f64() * 1e3 / n as f64
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
