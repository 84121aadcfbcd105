//! Renderer smoke test on synthetic geometry (no bundled assets needed).

use georender::geo::{mercator, LatLng};
use georender::gpu::{BasemapSource, GpuContext, Renderer};
use georender::scene::basemap::{BandBuilder, BandMeshes, Sector};
use georender::scene::hud::{Corner, HudSpec, StatsSpec, Units};
use georender::scene::labels::{LabelSet, WaypointLabel};
use georender::scene::{Camera, FrameState, Marker, SceneSpec, Vehicle, VehicleState};
use std::sync::Arc;

struct Synthetic;

fn square(lng0: f32, lat0: f32, lng1: f32, lat1: f32) -> Vec<[f32; 2]> {
    vec![
        [lng0, lat0],
        [lng1, lat0],
        [lng1, lat1],
        [lng0, lat1],
        [lng0, lat0],
    ]
}

impl BasemapSource for Synthetic {
    fn band_for_zoom(&self, _zoom: f64) -> usize {
        0
    }
    fn band(&self, _index: usize, _sector: Sector) -> georender::Result<BandMeshes> {
        let a = square(-20.0, -30.0, 40.0, 40.0);
        let hole = square(0.0, 0.0, 10.0, 10.0);
        let b = square(60.0, -10.0, 120.0, 50.0);
        let border: Vec<[f32; 2]> = vec![[10.0, -30.0], [10.0, 40.0]];
        let mut bb = BandBuilder::new();
        bb.land([vec![&a[..]], vec![&b[..]]])
            .lakes([vec![&hole[..]]])
            .coast([&a[..], &b[..]])
            .borders([&border[..]]);
        Ok(bb.finish())
    }
    fn imagery_path(&self) -> georender::Result<std::path::PathBuf> {
        Err(georender::Error::RenderFailed("none".into()))
    }
    fn relief_path(&self) -> georender::Result<std::path::PathBuf> {
        Err(georender::Error::RenderFailed("none".into()))
    }
}

#[test]
fn synthetic_frames() {
    let ctx = GpuContext::new().expect("gpu");
    eprintln!("adapter: {}", ctx.describe());
    let r = Renderer::with_source(ctx, Arc::new(Synthetic)).unwrap();
    let a = LatLng::new(20.0, 5.0);
    let b = LatLng::new(30.0, 100.0);
    let pts = georender::geo::densify_great_circle(a, b, 50.0);
    let merc: Vec<[f64; 2]> = pts.iter().map(|p| mercator(*p)).collect();
    let mut km = vec![0.0];
    for w in pts.windows(2) {
        km.push(km.last().unwrap() + georender::geo::haversine_km(w[0], w[1]));
    }
    let total = *km.last().unwrap();
    for style in georender::style::all().iter().filter(|s| !s.imagery) {
        let spec = SceneSpec {
            width: 640,
            height: 360,
            fps: 30,
            duration: 2.0,
            style,
            route: style.route,
            trail_full: false,
            route_points: merc.clone(),
            route_km: km.clone(),
            vehicle: Some(Vehicle::Plane),
            markers: vec![
                Marker {
                    merc: mercator(a),
                    chokepoint: true,
                    emphasized: true,
                    at_km: 0.0,
                },
                Marker {
                    merc: mercator(b),
                    chokepoint: false,
                    emphasized: false,
                    at_km: total,
                },
            ],
            labels: LabelSet {
                waypoints: vec![
                    WaypointLabel {
                        text: "Alpha".into(),
                        merc: mercator(a),
                        marker_radius: 6.0,
                    },
                    WaypointLabel {
                        text: "Bravo".into(),
                        merc: mercator(b),
                        marker_radius: 6.0,
                    },
                ],
                ..Default::default()
            },
            hud: HudSpec {
                enabled: true,
                stats: Some(StatsSpec {
                    corner: Corner::TopLeft,
                    show_distance: true,
                    show_speed: true,
                    show_elapsed: true,
                    units: Units::Km,
                }),
                progress_bar: true,
                title: Some("Synthetic".into()),
                captions: vec![],
            },
            credits: Some("© OpenStreetMap contributors · GeoNames".into()),
            hillshade: false,
        };
        let merc2 = merc.clone();
        let km2 = km.clone();
        let states = Box::new(move |t: f64| {
            let f = (t / 2.0).clamp(0.0, 1.0);
            let i = ((merc2.len() - 1) as f64 * f) as usize;
            let i = i.min(merc2.len() - 2);
            let p = merc2[i];
            let q = merc2[i + 1];
            let heading = (q[0] - p[0]).atan2(-(q[1] - p[1])).to_degrees();
            FrameState {
                t,
                camera: Camera {
                    center: [0.5 + 0.05 * f, 0.4],
                    zoom: if t < 1.0 { 1.0 + t } else { 2.0 },
                    bearing_deg: 0.0,
                },
                vehicle: VehicleState {
                    merc: p,
                    heading_deg: heading,
                    distance_km: km2[i],
                    progress: f,
                    speed_kmh: 900.0,
                    voyage_hours: km2[i] / 900.0,
                },
            }
        });
        let mut job = r.prepare_scene(spec, states).unwrap();
        eprintln!("{} {:?}", style.name, job.stats);
        for t in [0.5, 1.5] {
            let f = job.render_frame(t).unwrap();
            f.save_png(std::path::Path::new(&format!(
                "/tmp/smoke_{}_{t}.png",
                style.name
            )))
            .unwrap();
        }
    }
}

fn plan(job: &georender::job::Job) -> georender::route::Route {
    georender::route::plan(job).expect("route")
}

/// Writes frames of the example jobs to /tmp/look_* for eyeballing.
#[test]
#[ignore]
fn look() {
    let res = std::env::var("LOOK_RES").unwrap_or("640x360".into());
    let styles = std::env::var("LOOK_STYLES").unwrap_or("".into());
    // LOOK_PREFIX names the files (/tmp/<prefix>_<job>_<t>.png); LOOK_JOBS picks jobs.
    let prefix = std::env::var("LOOK_PREFIX").unwrap_or("look".into());
    let jobs = std::env::var("LOOK_JOBS").unwrap_or("suez,singapore-tokyo,london-new-york".into());
    let r = Renderer::new().unwrap();
    for name in jobs.split(',') {
        let text = std::fs::read_to_string(format!(
            "{}/../examples/jobs/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["resolution"] = res.clone().into();
        if !styles.is_empty() {
            v["style"] = styles.clone().into();
        }
        let job = georender::job::job_from_value(&v).unwrap();
        let route = plan(&job);
        let t0 = std::time::Instant::now();
        let mut p = r.prepare(&job, &route).unwrap();
        eprintln!(
            "{name}: prepare {:.3}s {:?}",
            t0.elapsed().as_secs_f64(),
            p.stats
        );
        for t in [0.0, 3.0, 6.0, 9.0, 11.9] {
            let t1 = std::time::Instant::now();
            let f = p.render_frame(t).unwrap();
            eprintln!("  t={t} {:.1} ms", t1.elapsed().as_secs_f64() * 1000.0);
            f.save_png(std::path::Path::new(&format!(
                "/tmp/{prefix}_{name}_{t}.png"
            )))
            .unwrap();
            if let Some(v) = p.overlays(t).vehicle_px {
                let img = image::RgbaImage::from_raw(f.width, f.height, f.rgba.clone()).unwrap();
                let (x, y) = (
                    (v[0] as i64 - 60).max(0) as u32,
                    (v[1] as i64 - 60).max(0) as u32,
                );
                let c = image::imageops::crop_imm(
                    &img,
                    x,
                    y,
                    120.min(f.width - x),
                    120.min(f.height - y),
                )
                .to_image();
                let big = image::imageops::resize(
                    &c,
                    c.width() * 3,
                    c.height() * 3,
                    image::imageops::FilterType::Nearest,
                );
                big.save(format!("/tmp/vehicle_{name}_{t}.png")).unwrap();
            }
        }
    }
}

#[test]
#[ignore]
fn tessellation_time() {
    for b in 0..3 {
        let t0 = std::time::Instant::now();
        let m = georender::scene::assets::band_meshes(b, Sector::WORLD).unwrap();
        eprintln!(
            "band {b}: {:.3}s fill {} tris, lines {} tris",
            t0.elapsed().as_secs_f64(),
            m.fill.indices.len() / 3,
            m.lines.indices.len() / 3
        );
    }
}
