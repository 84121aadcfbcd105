//! Properties of rendered jobs: the vehicle stays in frame, labels never overlap,
//! rendering is deterministic, the route is drawn progressively, and streaming
//! gives the same frames as single renders.

mod render_util;

use render_util::{example, plan, renderer, EXAMPLES};
use serde_json::json;

#[test]
fn vehicle_stays_in_frame() {
    for name in EXAMPLES {
        let job = example(name, json!({"resolution": "320x180"}));
        let route = plan(&job);
        let mut p = renderer().prepare(&job, &route).unwrap();
        let (w, h) = (job.resolution.width as f32, job.resolution.height as f32);
        let n = (job.duration * 4.0) as u32;
        for i in 0..=n {
            let t = (i as f64 / 4.0).min(job.duration);
            let v = p.overlays(t).vehicle_px.expect("vehicle drawn");
            assert!(
                v[0] >= 0.0 && v[1] >= 0.0 && v[0] <= w && v[1] <= h,
                "{name}: vehicle at {v:?} outside the frame at t={t}"
            );
        }
    }
}

#[test]
fn labels_never_overlap() {
    for name in EXAMPLES {
        for style in ["standard", "geopolitics", "maritime-dark"] {
            let job = example(name, json!({"resolution": "640x360", "style": style}));
            let route = plan(&job);
            let mut p = renderer().prepare(&job, &route).unwrap();
            let (w, h) = (job.resolution.width as f32, job.resolution.height as f32);
            for i in 0..=12 {
                let t = job.duration * i as f64 / 12.0;
                let boxes = p.overlays(t).label_boxes;
                for (a, ba) in boxes.iter().enumerate() {
                    assert!(
                        ba.x0 >= 0.0 && ba.y0 >= 0.0 && ba.x1 <= w && ba.y1 <= h,
                        "{name}/{style} t={t}: label {ba:?} leaves the frame"
                    );
                    for bb in &boxes[a + 1..] {
                        assert!(
                            !ba.overlaps(bb),
                            "{name}/{style} t={t}: {ba:?} overlaps {bb:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn same_job_same_pixels() {
    let job = example("suez", json!({"resolution": "320x180"}));
    let route = plan(&job);
    let a = renderer()
        .prepare(&job, &route)
        .unwrap()
        .render_frame(5.0)
        .unwrap();
    let b = renderer()
        .prepare(&job, &route)
        .unwrap()
        .render_frame(5.0)
        .unwrap();
    assert_eq!(a.width, 320);
    assert!(a.rgba == b.rgba, "two renders of the same frame differ");
}

#[test]
fn route_is_drawn_progressively() {
    // Minimal style: the route is the only orange-red thing on the map.
    let job = example(
        "london-new-york",
        json!({"resolution": "640x360", "style": "minimal", "hud": false,
               "camera": {"preset": "static_overview"}}),
    );
    let route = plan(&job);
    let mut p = renderer().prepare(&job, &route).unwrap();
    let accent = [0xff, 0x5a, 0x36];
    let mut counts = Vec::new();
    for t in [1.0, 4.0, 7.0, 10.0] {
        let f = p.render_frame(t).unwrap();
        let n = f
            .rgba
            .chunks_exact(4)
            .filter(|px| (0..3).all(|c| px[c].abs_diff(accent[c]) < 40))
            .count();
        counts.push(n);
    }
    assert!(
        counts.windows(2).all(|w| w[1] > w[0]),
        "route pixels should grow over time: {counts:?}"
    );
}

#[test]
fn streaming_matches_single_frames() {
    let job = example(
        "singapore-tokyo",
        json!({"resolution": "320x180", "duration": 1, "fps": 24, "style": "standard"}),
    );
    let route = plan(&job);
    let mut p = renderer().prepare(&job, &route).unwrap();
    let mut frames = Vec::new();
    p.render_all(|i, f| {
        frames.push((i, f.rgba.clone()));
        Ok(())
    })
    .unwrap();
    assert_eq!(frames.len(), 24);
    assert!(frames.iter().enumerate().all(|(k, (i, _))| k as u32 == *i));
    for i in [0u32, 11, 23] {
        let single = p.render_frame(i as f64 / 24.0).unwrap();
        assert!(
            single.rgba == frames[i as usize].1,
            "frame {i} differs when streamed"
        );
    }
}

#[test]
fn a_tiny_tile_budget_changes_no_pixel() {
    // Suez zooms in and out again: its first levels are needed again late, so
    // with no budget they are dropped in between and fetched back.
    let job = example(
        "suez",
        json!({"resolution": "320x180", "duration": 12, "fps": 24, "style": "standard"}),
    );
    let route = plan(&job);
    let frames = |budget: Option<usize>| {
        let mut p = renderer().prepare(&job, &route).unwrap();
        if let Some(b) = budget {
            p.set_live_tile_budget(b);
        }
        let mut out = Vec::new();
        p.render_all(|_, f| {
            out.push(f.rgba.clone());
            Ok(())
        })
        .unwrap();
        (out, p.stats.tiles_rendered + p.stats.tiles_cached)
    };
    let (held, fetched_held) = frames(None);
    let (dropped, fetched_dropped) = frames(Some(0));
    assert_eq!(held.len(), dropped.len());
    assert!(
        fetched_dropped > fetched_held,
        "no tile was dropped and fetched back ({fetched_dropped} vs {fetched_held})"
    );
    for (i, (a, b)) in held.iter().zip(&dropped).enumerate() {
        assert!(a == b, "frame {i} differs with a tiny tile budget");
    }
}

#[test]
fn adapter_error_names_the_packages() {
    let hint = georender::gpu::context::DRIVER_HINT;
    assert!(hint.contains("mesa-vulkan-drivers"));
    assert!(hint.contains("libegl-mesa0") && hint.contains("libgl1-mesa-dri"));
}

#[test]
fn composited_video_frames_match_gpu_frames() {
    use georender::encode::{rgba_to_i420, I420Image};
    use georender::gpu::RenderedFrame;
    // A size that is no multiple of the 32-pixel overlay blocks.
    for name in EXAMPLES {
        let job = example(
            name,
            json!({"resolution": "328x184", "duration": 2, "fps": 24}),
        );
        let route = plan(&job);
        let mut gpu = Vec::new();
        renderer()
            .prepare(&job, &route)
            .unwrap()
            .render_all(|_, f| {
                let mut yuv = I420Image::default();
                rgba_to_i420(&f.rgba, f.width, f.height, &mut yuv)?;
                gpu.push(yuv);
                Ok(())
            })
            .unwrap();
        let mut composed = 0;
        let mut frames = Vec::new();
        renderer()
            .prepare(&job, &route)
            .unwrap()
            .render_all_frames(|_, f| {
                composed += matches!(f, RenderedFrame::Composed(_)) as usize;
                let mut yuv = I420Image::default();
                f.write_i420(&mut yuv)?;
                frames.push(yuv);
                Ok(())
            })
            .unwrap();
        assert_eq!(frames.len(), gpu.len());
        if renderer().context().info.device_type == wgpu::DeviceType::Cpu {
            assert!(
                composed > frames.len() / 2,
                "{name}: {composed} composited frames"
            );
        }
        // Built in I420 from the tiles' planes and blended there, composited
        // frames differ from converted GPU frames only by rounding, and where
        // magnified, by interpolating chroma rather than RGB: at colour edges,
        // up to ~16 levels in some 7 % of chroma samples at this small size.
        for (plane, tolerance, share) in [("Y", 3, 0), ("U", 24, 15), ("V", 24, 15)] {
            let (mut worst, mut off, mut total) = (0, 0usize, 0usize);
            for (yuv, want) in frames.iter().zip(&gpu) {
                assert_eq!((yuv.width, yuv.height), (want.width, want.height));
                let (a, b) = match plane {
                    "Y" => (&yuv.y, &want.y),
                    "U" => (&yuv.u, &want.u),
                    _ => (&yuv.v, &want.v),
                };
                for (a, b) in a.iter().zip(b) {
                    let d = (*a as i32 - *b as i32).abs();
                    worst = worst.max(d);
                    off += (d > 2) as usize;
                }
                total += a.len();
            }
            assert!(
                worst <= tolerance && off * 100 <= total * share,
                "{name}: composited {plane} differs from the GPU frames' by up to {worst}, {off} of {total} samples by more than 2"
            );
        }
    }
}

#[test]
fn tiles_are_shared_by_jobs_and_redrawn_for_another_composite() {
    use georender::encode::I420Image;
    use georender::gpu::Renderer;
    // A renderer of its own: the shared one's cache is used by parallel tests.
    let r = Renderer::new().unwrap();
    let job = example(
        "london-new-york",
        json!({"resolution": "320x180", "duration": 1, "fps": 24}),
    );
    let route = plan(&job);
    let video = |r: &Renderer| {
        let mut p = r.prepare(&job, &route).unwrap();
        let mut frames = Vec::new();
        p.render_all_frames(|_, f| {
            let mut yuv = I420Image::default();
            f.write_i420(&mut yuv)?;
            frames.push(yuv);
            Ok(())
        })
        .unwrap();
        (frames, p.stats.clone())
    };
    let (first, s1) = video(&r);
    let (again, s2) = video(&r);
    assert!(s1.tiles_rendered > 0);
    assert!(
        s2.tiles_cached > 0 && s2.tiles_rendered < s1.tiles_rendered,
        "the same job again drew {} tiles and took {} from the cache",
        s2.tiles_rendered,
        s2.tiles_cached
    );
    assert!(first == again, "frames from cached tiles differ");
    // RGBA frames after video ones: tiles kept as planes are drawn again.
    let mut p = r.prepare(&job, &route).unwrap();
    let mut n = 0;
    p.render_all(|_, f| {
        n += 1;
        assert_eq!((f.width, f.height), (320, 180));
        Ok(())
    })
    .unwrap();
    assert_eq!(n, first.len());
    let fresh = Renderer::new()
        .unwrap()
        .prepare(&job, &route)
        .unwrap()
        .render_frame(0.5)
        .unwrap();
    assert!(p.render_frame(0.5).unwrap().rgba == fresh.rgba);
    drop(p);
    // A job of another style drops the idle tiles it cannot use (memory for
    // its own): the first job draws every tile again, to the same frames.
    let other = example(
        "london-new-york",
        json!({"resolution": "320x180", "duration": 1, "fps": 24, "style": "maritime-dark"}),
    );
    drop(r.prepare(&other, &plan(&other)).unwrap());
    let (third, s3) = video(&r);
    assert_eq!(s3.tiles_cached, 0, "tiles of another style were kept");
    assert_eq!(s3.tiles_rendered, s1.tiles_rendered);
    assert!(third == first, "frames from redrawn tiles differ");
}

#[test]
fn detailed_band_in_sectors_draws_the_same_map() {
    use georender::gpu::{AssetBasemap, BasemapSource, GpuContext, Renderer};
    use georender::scene::basemap::{BandMeshes, Sector};
    use std::sync::Arc;
    /// The bundled basemap tessellated whole, as before sectors.
    struct Whole;
    impl BasemapSource for Whole {
        fn band_for_zoom(&self, zoom: f64) -> usize {
            AssetBasemap.band_for_zoom(zoom)
        }
        fn band(&self, index: usize, _: Sector) -> georender::Result<BandMeshes> {
            AssetBasemap.band(index, Sector::WORLD)
        }
        fn countries(&self, index: usize, _: Sector) -> georender::Result<BandMeshes> {
            AssetBasemap.countries(index, Sector::WORLD)
        }
        fn imagery_path(&self) -> georender::Result<std::path::PathBuf> {
            AssetBasemap.imagery_path()
        }
        fn relief_path(&self) -> georender::Result<std::path::PathBuf> {
            AssetBasemap.relief_path()
        }
    }
    // Around 45°E 22°N, where four sectors of the detailed band meet.
    let job = georender::job::parse_job(
        &json!({
            "waypoints": [{"lat": 20.5, "lng": 43.5}, {"lat": 23.5, "lng": 46.5}],
            "transport": "plane", "style": "geopolitics",
            "resolution": "640x360", "duration": 2, "fps": 24
        })
        .to_string(),
    )
    .unwrap();
    let route = plan(&job);
    let render = |r: &Renderer| {
        let mut p = r.prepare(&job, &route).unwrap();
        let frames: Vec<_> = [0.0, 1.0, 2.0]
            .iter()
            .map(|&t| p.render_frame(t).unwrap())
            .collect();
        (frames, p.stats.levels)
    };
    let (sectors, _) = render(&Renderer::new().unwrap());
    let whole = Renderer::with_source(GpuContext::new().unwrap(), Arc::new(Whole)).unwrap();
    let (expected, levels) = render(&whole);
    assert!(levels > 0);
    for (i, (a, b)) in sectors.iter().zip(&expected).enumerate() {
        let off = a
            .rgba
            .iter()
            .zip(&b.rgba)
            .filter(|(x, y)| (**x as i32 - **y as i32).abs() > 24)
            .count();
        assert!(
            off * 1000 <= a.rgba.len(),
            "frame {i}: {off} bytes differ between sectors and the whole band"
        );
    }
}
