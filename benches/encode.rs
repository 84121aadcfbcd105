//! Encoder benchmarks: RGBA→I420 at 1080p (SIMD and the scalar reference) and
//! H.264 encoding of 30 panning 1080p frames at each quality level.
//!
//! `cargo bench -p georender --bench encode -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use georender::encode::{
    rgba_to_i420, rgba_to_i420_reference, I420Image, Mp4Writer, Quality, VideoSettings,
};
use std::hint::black_box;

const W: u32 = 1920;
const H: u32 = 1080;

/// A map-like frame: flat "land" blobs on a "sea" gradient, grid lines and a route
/// stroke, panned `shift` pixels to the right.
fn map_frame(shift: u32) -> Vec<u8> {
    let mut rgba = vec![0u8; (W * H * 4) as usize];
    for y in 0..H {
        for x in 0..W {
            let mx = x + shift;
            let land = ((mx / 7) ^ (y / 5)) % 97 < 40 && (mx / 240 + y / 180) % 3 != 0;
            let grid = mx % 160 == 0 || y % 160 == 0;
            let route =
                (y as i64 - (H as i64 / 2 + ((mx as f64 / 90.0).sin() * 120.0) as i64)).abs() < 3;
            let px = if route {
                [40, 230, 255]
            } else if grid {
                [60, 80, 110]
            } else if land {
                [46, 56, 70]
            } else {
                [10, 22 + (y / 40) as u8, 48 + (y / 30) as u8]
            };
            let i = ((y * W + x) * 4) as usize;
            rgba[i..i + 3].copy_from_slice(&px);
            rgba[i + 3] = 255;
        }
    }
    rgba
}

fn yuv(c: &mut Criterion) {
    let rgba = map_frame(0);
    let mut out = I420Image::new(W, H);
    let mut group = c.benchmark_group("rgba_to_i420_1080p");
    group.throughput(Throughput::Elements(1));
    group.bench_function("simd", |b| {
        b.iter(|| rgba_to_i420(black_box(&rgba), W, H, &mut out).unwrap())
    });
    group.sample_size(10);
    group.bench_function("scalar_reference", |b| {
        b.iter(|| rgba_to_i420_reference(black_box(&rgba), W, H, &mut out).unwrap())
    });
    group.finish();
}

fn h264(c: &mut Criterion) {
    let frames: Vec<Vec<u8>> = (0..30).map(|n| map_frame(n * 6)).collect();
    let dir = std::env::temp_dir().join(format!("georender-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut group = c.benchmark_group("h264_1080p_30_frames");
    group.sample_size(10);
    group.throughput(Throughput::Elements(frames.len() as u64));
    for quality in [Quality::Draft, Quality::Standard, Quality::High] {
        let settings = VideoSettings {
            width: W,
            height: H,
            fps: 30,
            quality,
        };
        let path = dir.join(format!("{quality:?}.mp4"));
        group.bench_function(format!("{quality:?}").to_lowercase(), |b| {
            b.iter(|| {
                let mut writer = Mp4Writer::create(&path, &settings).unwrap();
                for f in &frames {
                    writer.push_rgba(f).unwrap();
                }
                writer.finish().unwrap()
            })
        });
        if let Ok(meta) = std::fs::metadata(&path) {
            eprintln!("{quality:?}: {} bytes for 1 s of 1080p", meta.len());
        }
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, yuv, h264);
criterion_main!(benches);
