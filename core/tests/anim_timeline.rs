//! Timeline: the vehicle starts at the first waypoint, ends at the last at
//! `t = duration`, pauses for dwells, and points where it goes.

use georender::anim::{AnimInput, CameraInput, Preset, Timeline, WaypointInput};
use georender::geo::{densify_great_circle, haversine_km, unwrap_longitudes};
use georender::route::{Route, RouteMode};
use georender::LatLng;

fn route_through(stops: &[LatLng], step_km: f64) -> Route {
    let mut points = vec![stops[0]];
    let mut waypoint_index = vec![0];
    for w in stops.windows(2) {
        points.extend(
            densify_great_circle(w[0], w[1], step_km)
                .into_iter()
                .skip(1),
        );
        waypoint_index.push(points.len() - 1);
    }
    unwrap_longitudes(&mut points);
    let mut cum_km = vec![0.0];
    for w in points.windows(2) {
        cum_km.push(cum_km.last().unwrap() + haversine_km(w[0], w[1]));
    }
    Route {
        distance_km: *cum_km.last().unwrap(),
        points,
        cum_km,
        mode: RouteMode::Manual,
        passages: vec![],
        waypoint_index,
    }
}

fn three_stops() -> Route {
    route_through(
        &[
            LatLng::new(52.52, 13.4),
            LatLng::new(50.11, 8.68),
            LatLng::new(48.86, 2.35),
        ],
        5.0,
    )
}

#[test]
fn starts_at_the_first_waypoint_and_ends_at_the_last() {
    let r = three_stops();
    for duration in [1.0, 12.0, 600.0] {
        let inp = AnimInput {
            duration,
            ..Default::default()
        };
        let tl = Timeline::new(&inp, &r);
        let start = tl.at(0.0);
        assert_eq!(start.position, r.points[0]);
        assert_eq!((start.distance_km, start.progress), (0.0, 0.0));
        assert_eq!(start.at_waypoint, Some(0));
        let end = tl.at(duration);
        assert_eq!(end.position, *r.points.last().unwrap());
        assert_eq!(end.progress, 1.0);
        assert_eq!(end.at_waypoint, Some(2));
        assert_eq!(end.point_index + 1, r.points.len() - 1);
        assert_eq!(end.frac, 1.0);
        // Beyond the video, the state is clamped.
        assert_eq!(tl.at(duration + 5.0), end);
        assert_eq!(tl.at(-1.0), start);
        let (t0, t1) = tl.travel_window();
        assert!(t1 - t0 >= 0.5 * duration - 1e-9, "{duration}: {t0} {t1}");
    }
}

#[test]
fn progress_is_monotone_and_consistent_with_segments() {
    let r = three_stops();
    let tl = Timeline::new(&AnimInput::default(), &r);
    let mut prev = 0.0;
    for f in 0..=360 {
        let s = tl.at(f as f64 / 30.0);
        assert!(s.distance_km >= prev - 1e-9);
        prev = s.distance_km;
        let (a, b) = (r.cum_km[s.point_index], r.cum_km[s.point_index + 1]);
        assert!((a + (b - a) * s.frac - s.distance_km).abs() < 1e-6);
        assert!((s.progress - s.distance_km / r.distance_km).abs() < 1e-12);
        assert!(s.voyage_hours >= 0.0);
        assert!(s.heading_deg >= 0.0 && s.heading_deg < 360.0);
    }
}

#[test]
fn dwell_pauses_the_vehicle_at_its_waypoint() {
    let r = three_stops();
    let inp = AnimInput {
        duration: 12.0,
        speed_kmh: 80.0,
        waypoints: vec![
            WaypointInput::default(),
            WaypointInput {
                dwell: 2.0,
                ..Default::default()
            },
            WaypointInput::default(),
        ],
        ..Default::default()
    };
    let tl = Timeline::new(&inp, &r);
    let (arrive, leave) = tl.waypoint_times()[1];
    assert!((leave - arrive - 2.0).abs() < 1e-9, "{arrive} {leave}");
    let stop = r.points[r.waypoint_index[1]];
    for i in 0..=20 {
        let s = tl.at(arrive + (leave - arrive) * i as f64 / 20.0);
        assert_eq!(s.position, stop);
        if i < 20 {
            assert_eq!(s.speed_kmh, 0.0);
            assert_eq!(s.at_waypoint, Some(1));
        }
    }
    assert_eq!(tl.at(0.5 * (arrive + leave) + 5.0).at_waypoint, None);
    assert_eq!(tl.at(arrive - 0.5).speed_kmh, 80.0);
    // The voyage clock keeps running while the vehicle dwells.
    assert!(tl.at(leave).voyage_hours > tl.at(arrive).voyage_hours + 0.1);
    let driving_h = r.distance_km / 80.0;
    let end = tl.at(12.0).voyage_hours;
    assert!(
        end > driving_h && end < 1.5 * driving_h,
        "{end} {driving_h}"
    );
}

#[test]
fn holds_are_scaled_down_when_they_exceed_the_video() {
    let r = three_stops();
    let inp = AnimInput {
        duration: 6.0,
        waypoints: vec![
            WaypointInput {
                camera_hold_seconds: Some(4.0),
                ..Default::default()
            },
            WaypointInput {
                dwell: 10.0,
                camera_hold_seconds: Some(2.0),
                ..Default::default()
            },
            WaypointInput {
                dwell: 4.0,
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let tl = Timeline::new(&inp, &r);
    let (t0, t1) = tl.travel_window();
    let (a, b) = tl.waypoint_times()[1];
    let travel = t1 - t0 - (b - a);
    assert!((travel - 3.0).abs() < 1e-9, "travel {travel}");
    assert!(
        b - a > 2.0 * t0,
        "holds keep their proportions: {t0} {a} {b}"
    );
}

#[test]
fn heading_follows_the_route() {
    let west = route_through(&[LatLng::new(0.5, 20.0), LatLng::new(0.5, -20.0)], 1.0);
    let tl = Timeline::new(&AnimInput::default(), &west);
    for f in 0..=120 {
        let h = tl.at(f as f64 * 0.1).heading_deg;
        assert!((h - 270.0).abs() < 1.0, "{h}");
    }
    let north = route_through(&[LatLng::new(10.0, 5.0), LatLng::new(30.0, 5.0)], 1.0);
    let h = Timeline::new(&AnimInput::default(), &north)
        .at(6.0)
        .heading_deg;
    assert!(!(1.0..=359.0).contains(&h), "{h}");
    // Tokyo → San Francisco heads east-north-east across the antimeridian.
    let pacific = route_through(
        &[LatLng::new(35.55, 139.78), LatLng::new(37.62, -122.38)],
        50.0,
    );
    let tl = Timeline::new(&AnimInput::default(), &pacific);
    let mid = tl.at(6.0);
    assert!(
        mid.position.lng > 170.0 && mid.position.lng < 200.0,
        "{mid:?}"
    );
    assert!((mid.heading_deg - 90.0).abs() < 30.0, "{mid:?}");
}

#[test]
fn heading_does_not_jitter_on_a_zig_zag_polyline() {
    let mut r = route_through(&[LatLng::new(48.0, 11.0), LatLng::new(48.0, 13.0)], 0.1);
    let n = r.points.len();
    for (i, p) in r.points.iter_mut().enumerate().skip(1).take(n - 2) {
        p.lat += if i % 2 == 0 { 0.0003 } else { -0.0003 };
    }
    let tl = Timeline::new(&AnimInput::default(), &r);
    let mut prev = tl.at(1.0).heading_deg;
    for f in 31..=330 {
        let h = tl.at(f as f64 / 30.0).heading_deg;
        assert!((h - 90.0).abs() < 5.0, "{h}");
        assert!((h - prev).abs() < 1.0, "{prev} → {h}");
        prev = h;
    }
}

#[test]
fn deterministic_and_frame_rate_independent() {
    let r = three_stops();
    let inp = AnimInput {
        camera: CameraInput {
            preset: Some(Preset::CanalBottleneck),
            ..Default::default()
        },
        ..Default::default()
    };
    let (a, b) = (Timeline::new(&inp, &r), Timeline::new(&inp, &r));
    for f in 0..=720 {
        let t = f as f64 / 60.0;
        assert_eq!(a.at(t), b.at(t));
    }
}

#[test]
fn from_job_reads_the_job() {
    let job = georender::job::parse_job(
        r#"{
            "waypoints": [
                {"lat": 31.26, "lng": 32.3, "label": "Port Said", "camera_hold_seconds": 1.5},
                {"lat": 12.6, "lng": 43.3, "label": "Bab", "emphasis": "chokepoint", "dwell": 2},
                {"lat": 1.26, "lng": 103.8, "label": "Singapore", "camera_zoom_override": 8}
            ],
            "duration": 20,
            "camera": {"preset": "canal_bottleneck", "intensity": "bold", "mode": "follow",
                       "start_focus_waypoint": "Singapore", "chokepoint_punch_in": true,
                       "ease": "sine-in-out"}
        }"#,
    )
    .unwrap();
    let inp = AnimInput::from_job(&job, georender::job::Transport::Ship);
    assert_eq!(inp.duration, 20.0);
    assert_eq!(inp.speed_kmh, 35.0);
    assert_eq!(inp.waypoints.len(), 3);
    assert_eq!(inp.waypoints[0].camera_hold_seconds, Some(1.5));
    assert!(inp.waypoints[1].chokepoint && inp.waypoints[1].dwell == 2.0);
    assert_eq!(inp.waypoints[2].camera_zoom_override, Some(8.0));
    assert_eq!(inp.camera.preset, Some(Preset::CanalBottleneck));
    assert_eq!(inp.camera.start_focus_waypoint, Some(2));
    assert_eq!(inp.camera.chokepoint_punch_in, Some(1.5));
    assert!(!inp.camera.static_mode);
}
