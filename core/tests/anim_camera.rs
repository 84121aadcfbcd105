//! Camera path: the vehicle stays in frame, the camera moves smoothly, the presets
//! do what SPEC section 6 says, and everything is deterministic.

use georender::anim::{
    project, visible_bounds, AnimInput, CameraInput, CameraPath, CameraState, Preset, Timeline,
    WaypointInput,
};
use georender::geo::{densify_great_circle, haversine_km, mercator, unwrap_longitudes};
use georender::job::{Ease, Intensity};
use georender::route::{Route, RouteMode};
use georender::LatLng;

const FRAMES: [(u32, u32); 3] = [(1920, 1080), (1080, 1920), (1080, 1080)];
const MARGIN: f64 = 0.08;

/// A polyline through `stops` (great-circle legs every `step_km`), with the index
/// of each stop.
fn polyline(stops: &[LatLng], step_km: f64) -> (Vec<LatLng>, Vec<usize>) {
    let mut pts = vec![stops[0]];
    let mut idx = vec![0];
    for w in stops.windows(2) {
        pts.extend(
            densify_great_circle(w[0], w[1], step_km)
                .into_iter()
                .skip(1),
        );
        idx.push(pts.len() - 1);
    }
    unwrap_longitudes(&mut pts);
    (pts, idx)
}

fn route(
    points: Vec<LatLng>,
    waypoint_index: Vec<usize>,
    mode: RouteMode,
    passages: &[&str],
) -> Route {
    let mut cum = vec![0.0];
    for w in points.windows(2) {
        cum.push(cum.last().unwrap() + haversine_km(w[0], w[1]));
    }
    Route {
        distance_km: *cum.last().unwrap(),
        points,
        cum_km: cum,
        mode,
        passages: passages.iter().map(|s| s.to_string()).collect(),
        waypoint_index,
    }
}

/// A dense, slightly zig-zagging road-like polyline (~600 km).
fn berlin_munich() -> Route {
    let stops = [
        LatLng::new(52.52, 13.405),
        LatLng::new(51.34, 12.37),
        LatLng::new(49.45, 11.08),
        LatLng::new(48.14, 11.58),
    ];
    let (mut pts, _) = polyline(&stops, 0.5);
    let n = pts.len();
    for (i, p) in pts.iter_mut().enumerate().skip(1).take(n - 2) {
        let j = (i as f64 * 1.7).sin() * 0.002;
        p.lat += j;
        p.lng -= j;
    }
    route(pts, vec![0, n - 1], RouteMode::Road, &[])
}

fn london_new_york() -> Route {
    let (pts, idx) = polyline(
        &[LatLng::new(51.47, -0.45), LatLng::new(40.64, -73.78)],
        50.0,
    );
    route(pts, idx, RouteMode::Manual, &[])
}

fn tokyo_san_francisco() -> Route {
    let (pts, idx) = polyline(
        &[LatLng::new(35.55, 139.78), LatLng::new(37.62, -122.38)],
        50.0,
    );
    route(pts, idx, RouteMode::Manual, &[])
}

/// Rotterdam → Suez (a chokepoint waypoint) → Singapore through four named passages.
fn rotterdam_singapore() -> Route {
    let stops = [
        LatLng::new(51.95, 4.1),
        LatLng::new(51.0, 1.6),
        LatLng::new(48.6, -5.5),
        LatLng::new(43.2, -9.9),
        LatLng::new(35.95, -5.6),
        LatLng::new(37.3, 11.0),
        LatLng::new(31.4, 32.3),
        LatLng::new(29.9, 32.55), // Suez: waypoint 1
        LatLng::new(27.5, 34.0),
        LatLng::new(12.6, 43.4),
        LatLng::new(12.5, 51.0),
        LatLng::new(6.0, 80.0),
        LatLng::new(6.0, 95.0),
        LatLng::new(2.5, 101.5),
        LatLng::new(1.25, 103.8),
    ];
    let (pts, idx) = polyline(&stops, 25.0);
    let last = pts.len() - 1;
    route(
        pts,
        vec![0, idx[7], last],
        RouteMode::Sea,
        &["gibraltar", "suez", "babalmandab", "malacca"],
    )
}

fn sea_waypoints() -> Vec<WaypointInput> {
    vec![
        WaypointInput::default(),
        WaypointInput {
            chokepoint: true,
            ..Default::default()
        },
        WaypointInput::default(),
    ]
}

fn routes() -> Vec<(&'static str, Route, Vec<WaypointInput>)> {
    vec![
        ("berlin-munich", berlin_munich(), vec![]),
        ("london-new-york", london_new_york(), vec![]),
        ("tokyo-san-francisco", tokyo_san_francisco(), vec![]),
        (
            "rotterdam-singapore",
            rotterdam_singapore(),
            sea_waypoints(),
        ),
    ]
}

fn input(preset: Option<Preset>, intensity: Intensity, waypoints: Vec<WaypointInput>) -> AnimInput {
    AnimInput {
        duration: 12.0,
        speed_kmh: 900.0,
        waypoints,
        camera: CameraInput {
            preset,
            intensity,
            ..Default::default()
        },
    }
}

/// Pixel position of the vehicle, checked to be inside the frame with the margin.
fn assert_in_frame(cam: &CameraState, (w, h): (u32, u32), p: LatLng, what: &str) {
    let [x, y] = project(cam, w, h, p);
    let (w, h) = (f64::from(w), f64::from(h));
    assert!(
        x >= MARGIN * w && x <= (1.0 - MARGIN) * w && y >= MARGIN * h && y <= (1.0 - MARGIN) * h,
        "{what}: vehicle at ({x:.1}, {y:.1}) in {w}x{h}; camera {cam:?}"
    );
}

/// Largest per-frame changes at `fps`: zoom, and centre movement in frame heights.
fn max_steps(path: &CameraPath, duration: f64, fps: f64) -> (f64, f64) {
    let frames = (duration * fps).round() as usize;
    let (mut dz, mut dc) = (0.0f64, 0.0f64);
    let mut prev = path.at(0.0);
    for f in 1..=frames {
        let cur = path.at(f as f64 / fps);
        dz = dz.max((cur.zoom - prev.zoom).abs());
        let height = 1080.0 / (256.0 * cur.zoom.min(prev.zoom).exp2());
        let d = (cur.center[0] - prev.center[0]).hypot(cur.center[1] - prev.center[1]);
        dc = dc.max(d / height);
        prev = cur;
    }
    (dz, dc)
}

fn presets() -> Vec<Option<Preset>> {
    std::iter::once(None).chain(Preset::ALL.map(Some)).collect()
}

#[test]
fn vehicle_stays_in_frame_and_camera_is_smooth() {
    let mut worst = (0.0f64, 0.0f64);
    for (name, r, wps) in routes() {
        for preset in presets() {
            for &intensity in Intensity::ALL {
                let inp = input(preset, intensity, wps.clone());
                let tl = Timeline::new(&inp, &r);
                for frame in FRAMES {
                    let aspect = f64::from(frame.0) / f64::from(frame.1);
                    let path = CameraPath::new(&inp, &r, &tl, aspect);
                    let what = format!("{name} {preset:?} {intensity:?} {frame:?}");
                    for i in 0..200 {
                        let t = inp.duration * i as f64 / 199.0;
                        let cam = path.at(t);
                        assert!(
                            (0.5..=12.0).contains(&cam.zoom),
                            "{what}: zoom {}",
                            cam.zoom
                        );
                        assert_in_frame(
                            &cam,
                            frame,
                            tl.at(t).position,
                            &format!("{what} t={t:.3}"),
                        );
                    }
                    let (dz, dc) = max_steps(&path, inp.duration, 30.0);
                    assert!(dz < 0.08, "{what}: zoom jumps by {dz} in a frame");
                    assert!(dc < 0.06, "{what}: centre jumps by {dc} frame heights");
                    worst = (worst.0.max(dz), worst.1.max(dc));
                }
            }
        }
    }
    eprintln!(
        "worst per-frame zoom step {:.4}, centre step {:.4}",
        worst.0, worst.1
    );
}

#[test]
fn options_keep_the_vehicle_in_frame() {
    let r = rotterdam_singapore();
    let mut wps = sea_waypoints();
    wps[0].camera_hold_seconds = Some(1.5);
    wps[1].dwell = 2.0;
    wps[1].camera_zoom_override = Some(7.0);
    wps[2].dwell = 1.0;
    let cameras = [
        CameraInput {
            start_zoom: Some(9.0),
            waypoint_zoom: Some(6.0),
            ease: Ease::Linear,
            ..Default::default()
        },
        CameraInput {
            start_focus_waypoint: Some(2),
            focus_hold_seconds: Some(2.0),
            opening_zoom_boost: Some(2.0),
            ease: Ease::SineInOut,
            ..Default::default()
        },
        CameraInput {
            preset: Some(Preset::CanalBottleneck),
            chokepoint_punch_in: Some(10.0),
            intensity: Intensity::Strong,
            ease: Ease::QuadInOut,
            tilt: 40.0,
            ..Default::default()
        },
        CameraInput {
            preset: Some(Preset::ChokepointFocus),
            chokepoint_punch_in: Some(0.0),
            start_focus_waypoint: Some(1),
            ..Default::default()
        },
        CameraInput {
            preset: Some(Preset::TensionBuild),
            static_mode: true,
            start_zoom: Some(1.0),
            ..Default::default()
        },
    ];
    for (c, camera) in cameras.into_iter().enumerate() {
        for duration in [3.0, 12.0, 45.0] {
            let inp = AnimInput {
                duration,
                speed_kmh: 35.0,
                waypoints: wps.clone(),
                camera: camera.clone(),
            };
            let tl = Timeline::new(&inp, &r);
            for frame in FRAMES {
                let aspect = f64::from(frame.0) / f64::from(frame.1);
                let path = CameraPath::new(&inp, &r, &tl, aspect);
                for i in 0..200 {
                    let t = duration * i as f64 / 199.0;
                    let what = format!("camera {c} duration {duration} {frame:?} t={t:.3}");
                    assert_in_frame(&path.at(t), frame, tl.at(t).position, &what);
                }
                if duration >= 12.0 {
                    let (dz, dc) = max_steps(&path, duration, 30.0);
                    assert!(dz < 0.08 && dc < 0.06, "camera {c} {frame:?}: {dz} {dc}");
                }
            }
        }
    }
}

#[test]
fn deterministic() {
    for (_, r, wps) in routes() {
        let inp = input(Some(Preset::ChokepointTension), Intensity::Bold, wps);
        let a = CameraPath::new(&inp, &r, &Timeline::new(&inp, &r), 16.0 / 9.0);
        let b = CameraPath::new(&inp, &r, &Timeline::new(&inp, &r), 16.0 / 9.0);
        for i in 0..=360 {
            let t = i as f64 / 30.0;
            let (x, y) = (a.at(t), b.at(t));
            assert_eq!(x.center[0].to_bits(), y.center[0].to_bits());
            assert_eq!(x.center[1].to_bits(), y.center[1].to_bits());
            assert_eq!(x.zoom.to_bits(), y.zoom.to_bits());
        }
    }
}

#[test]
fn static_overview_frames_the_whole_route_and_never_moves() {
    for (name, r, wps) in routes() {
        let mut inp = input(None, Intensity::Balanced, wps);
        inp.camera.static_mode = true;
        let tl = Timeline::new(&inp, &r);
        for frame in FRAMES {
            let path = CameraPath::new(&inp, &r, &tl, f64::from(frame.0) / f64::from(frame.1));
            assert_eq!(path.preset(), Preset::StaticOverview);
            let first = path.at(0.0);
            for i in 0..=48 {
                let cam = path.at(i as f64 * 0.25);
                assert!((cam.zoom - first.zoom).abs() < 1e-9, "{name}");
                assert!((cam.center[0] - first.center[0]).abs() < 1e-9, "{name}");
                assert!((cam.center[1] - first.center[1]).abs() < 1e-9, "{name}");
            }
            for p in &r.points {
                assert_in_frame(&first, frame, *p, name);
            }
        }
    }
}

#[test]
fn long_reroute_burden_keeps_the_whole_route_in_frame() {
    let r = rotterdam_singapore();
    let inp = input(
        Some(Preset::LongRerouteBurden),
        Intensity::Strong,
        sea_waypoints(),
    );
    let tl = Timeline::new(&inp, &r);
    for frame in FRAMES {
        let path = CameraPath::new(&inp, &r, &tl, f64::from(frame.0) / f64::from(frame.1));
        for i in 0..=24 {
            let cam = path.at(i as f64 * 0.5);
            for p in r.points.iter().step_by(10) {
                let [x, y] = project(&cam, frame.0, frame.1, *p);
                assert!(x > 0.0 && x < f64::from(frame.0) && y > 0.0 && y < f64::from(frame.1));
            }
        }
    }
}

#[test]
fn short_routes_open_on_an_overview_then_follow() {
    let r = berlin_munich();
    let inp = input(None, Intensity::Balanced, vec![]);
    let tl = Timeline::new(&inp, &r);
    let path = CameraPath::new(&inp, &r, &tl, 16.0 / 9.0);
    assert_eq!(path.preset(), Preset::Follow);
    let (open, mid) = (path.at(0.0), path.at(6.0));
    assert!(mid.zoom > open.zoom + 1.0, "{open:?} {mid:?}");
    // Following: the vehicle is near the centre mid-way.
    let [x, y] = project(&mid, 1920, 1080, tl.at(6.0).position);
    assert!(
        (x - 960.0).abs() < 200.0 && (y - 540.0).abs() < 150.0,
        "{x} {y}"
    );
}

#[test]
fn long_routes_reveal_the_corridor_and_pull_back() {
    let r = rotterdam_singapore();
    let inp = input(None, Intensity::Balanced, sea_waypoints());
    let tl = Timeline::new(&inp, &r);
    let path = CameraPath::new(&inp, &r, &tl, 16.0 / 9.0);
    assert_eq!(path.preset(), Preset::GlobalCorridorReveal);
    let (a, m, z) = (path.at(0.0).zoom, path.at(6.0).zoom, path.at(12.0).zoom);
    assert!(a < m - 0.5 && z < m - 0.3, "{a} {m} {z}");
}

#[test]
fn canal_bottleneck_slows_and_punches_in_at_suez() {
    let r = rotterdam_singapore();
    let inp_for = |preset| input(Some(preset), Intensity::Balanced, sea_waypoints());
    let canal = inp_for(Preset::CanalBottleneck);
    let plain = inp_for(Preset::ChokepointTension);
    let (tc, tp) = (Timeline::new(&canal, &r), Timeline::new(&plain, &r));
    let suez = r.cum_km[r.waypoint_index[1]];
    let crossing =
        |tl: &Timeline| tl.time_at_distance(suez + 60.0) - tl.time_at_distance(suez - 60.0);
    assert!(!tc.slow_zones().is_empty());
    assert!(
        crossing(&tc) > 2.0 * crossing(&tp),
        "{} {}",
        crossing(&tc),
        crossing(&tp)
    );
    let path = CameraPath::new(&canal, &r, &tc, 16.0 / 9.0);
    let at_suez = path.at(tc.time_at_distance(suez)).zoom;
    let later = path.at(tc.time_at_distance(r.distance_km * 0.8)).zoom;
    assert!(at_suez > later + 1.0, "{at_suez} {later}");
}

#[test]
fn tension_build_zooms_in_toward_the_chokepoint() {
    let r = rotterdam_singapore();
    let inp = input(
        Some(Preset::TensionBuild),
        Intensity::Balanced,
        sea_waypoints(),
    );
    let tl = Timeline::new(&inp, &r);
    let path = CameraPath::new(&inp, &r, &tl, 16.0 / 9.0);
    let suez = r.points[r.waypoint_index[1]];
    let t_c = tl.time_at_distance(r.cum_km[r.waypoint_index[1]]);
    let (t0, _) = tl.travel_window();
    let zooms: Vec<f64> = (0..=10)
        .map(|i| path.at(t0 + (t_c - t0) * i as f64 / 10.0).zoom)
        .collect();
    assert!(zooms[10] > zooms[0] + 0.5, "{zooms:?}");
    for t in [t0, 0.5 * (t0 + t_c), t_c] {
        let [x, y] = project(&path.at(t), 1920, 1080, suez);
        assert!(
            (0.0..=1920.0).contains(&x) && (0.0..=1080.0).contains(&y),
            "t={t}"
        );
    }
}

#[test]
fn chokepoint_tension_tightens_at_chokepoints() {
    let r = rotterdam_singapore();
    let inp = input(
        Some(Preset::ChokepointTension),
        Intensity::Balanced,
        sea_waypoints(),
    );
    let tl = Timeline::new(&inp, &r);
    let path = CameraPath::new(&inp, &r, &tl, 16.0 / 9.0);
    let t_suez = tl.time_at_distance(r.cum_km[r.waypoint_index[1]]);
    let base = path.at(tl.time_at_distance(r.distance_km * 0.75)).zoom;
    assert!(path.at(t_suez).zoom > base + 0.4);
}

#[test]
fn antimeridian_route_keeps_a_continuous_centre() {
    let r = tokyo_san_francisco();
    let inp = input(None, Intensity::Balanced, vec![]);
    let tl = Timeline::new(&inp, &r);
    let path = CameraPath::new(&inp, &r, &tl, 16.0 / 9.0);
    let xs: Vec<f64> = (0..=120)
        .map(|i| path.at(i as f64 * 0.1).center[0])
        .collect();
    assert!(xs.windows(2).all(|w| (w[1] - w[0]).abs() < 0.05));
    assert!(
        xs.iter().any(|&x| x > 1.0),
        "the view crosses the antimeridian eastward"
    );
    // The vehicle past ±180° is drawn next to the camera, not a world away.
    let end = path.at(12.0);
    let [x, _] = project(&end, 1920, 1080, LatLng::new(37.62, -122.38));
    assert!((0.0..=1920.0).contains(&x));
}

#[test]
fn visible_bounds_match_projection() {
    let cam = CameraState {
        center: mercator(LatLng::new(30.0, 32.0)),
        zoom: 5.0,
        bearing_deg: 0.0,
        tilt_deg: 0.0,
    };
    let b = visible_bounds(&cam, 16.0 / 9.0);
    let corner = georender::geo::inverse_mercator([b[0], b[1]]);
    let [x, y] = project(&cam, 3840, 2160, corner);
    assert!(x.abs() < 1e-6 && y.abs() < 1e-6, "{x} {y}");
    let corner = georender::geo::inverse_mercator([b[2], b[3]]);
    let [x, y] = project(&cam, 1280, 720, corner);
    assert!(
        (x - 1280.0).abs() < 1e-6 && (y - 720.0).abs() < 1e-6,
        "{x} {y}"
    );
}
