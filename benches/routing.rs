//! Routing benchmarks: `cargo bench -p georender --bench routing`.
//!
//! Targets on the project's 2-core machine: sea Rotterdam→Shanghai < 5 ms; road
//! Berlin→Munich < 20 ms and New York→Los Angeles < 150 ms; loading the road
//! graph < 150 ms and < 150 MB resident (printed once before the benches).

use criterion::{criterion_group, criterion_main, Criterion};
use georender::route::{road, route, sea, RouteMode, RouteRequest};
use georender::LatLng;
use std::hint::black_box;
use std::time::Instant;

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn req(mode: RouteMode, a: (f64, f64), b: (f64, f64), avoid: &[&str]) -> RouteRequest {
    RouteRequest {
        waypoints: vec![LatLng::new(a.0, a.1), LatLng::new(b.0, b.1)],
        mode,
        avoid: avoid.iter().map(|s| s.to_string()).collect(),
        allow_arctic: false,
    }
}

fn benches(c: &mut Criterion) {
    let before = rss_mb();
    let t = Instant::now();
    let net = road::RoadNetwork::load().expect("road graph");
    let load = t.elapsed();
    println!(
        "road graph: {} nodes, {} directed edges, loaded in {:.1} ms, +{:.0} MB resident ({:.0} MB total)",
        net.graph.node_count(),
        net.graph.edge_count(),
        load.as_secs_f64() * 1e3,
        rss_mb() - before,
        rss_mb()
    );
    drop(net);
    sea::network().unwrap();
    road::network().unwrap();

    let mut g = c.benchmark_group("routing");
    g.sample_size(20);
    g.bench_function("load road graph", |b| {
        b.iter(|| black_box(road::RoadNetwork::load().unwrap()))
    });
    let cases = [
        (
            "sea Rotterdam→Shanghai",
            req(RouteMode::Sea, (51.95, 4.05), (31.23, 121.8), &[]),
        ),
        (
            "sea Rotterdam→Shanghai avoid suez",
            req(RouteMode::Sea, (51.95, 4.05), (31.23, 121.8), &["suez"]),
        ),
        (
            "road Berlin→Munich",
            req(RouteMode::Road, (52.52, 13.405), (48.137, 11.575), &[]),
        ),
        (
            "road New York→Los Angeles",
            req(RouteMode::Road, (40.713, -74.006), (34.052, -118.244), &[]),
        ),
        (
            "plane London→New York",
            req(RouteMode::Manual, (51.47, -0.45), (40.64, -73.78), &[]),
        ),
    ];
    for (name, r) in &cases {
        g.bench_function(*name, |b| b.iter(|| black_box(route(r).unwrap())));
    }
    g.finish();
}

criterion_group!(routing, benches);
criterion_main!(routing);
