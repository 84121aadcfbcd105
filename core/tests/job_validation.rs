//! Field-by-field validation of single jobs (SPEC section 2 and 6): each bad
//! input is a VALIDATION_ERROR naming the JSON path, with the right issue code.

use georender::job::{self, *};
use georender::{ErrorCode, Issue};
use serde_json::{json, Value};

fn base() -> Value {
    json!({
        "waypoints": [
            {"lat": 31.2653, "lng": 32.3019, "label": "Port Said"},
            {"lat": 12.5833, "lng": 43.3333, "label": "Bab el-Mandeb"}
        ]
    })
}

/// The base job with `f` applied.
fn with(f: impl FnOnce(&mut Value)) -> Value {
    let mut v = base();
    f(&mut v);
    v
}

fn ok(v: &Value) -> Job {
    match job_from_value(v) {
        Ok(j) => j,
        Err(e) => panic!("expected a valid job, got {e}: {:#?}", e.issues()),
    }
}

fn issues(v: &Value) -> Vec<Issue> {
    let e = job_from_value(v).expect_err("expected a validation error");
    assert_eq!(e.code(), ErrorCode::ValidationError);
    assert!(!e.issues().is_empty());
    e.issues().to_vec()
}

/// Asserts an issue at `field` with `code` and returns it.
fn expect(v: &Value, field: &str, code: &str) -> Issue {
    let all = issues(v);
    all.iter()
        .find(|i| i.field == field && i.code == code)
        .cloned()
        .unwrap_or_else(|| panic!("no `{code}` issue at `{field}` in {all:#?}"))
}

fn expect_text(text: &str, field: &str, code: &str) -> Issue {
    let e = parse_job(text).expect_err("expected a validation error");
    assert_eq!(e.code(), ErrorCode::ValidationError);
    e.issues()
        .iter()
        .find(|i| i.field == field && i.code == code)
        .cloned()
        .unwrap_or_else(|| panic!("no `{code}` issue at `{field}` in {:#?}", e.issues()))
}

fn waypoints(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"lat": (i as f64) * 0.5 - 25.0, "lng": (i as f64) * 1.5 - 75.0}))
            .collect(),
    )
}

#[test]
fn minimal_job_gets_defaults() {
    let j = ok(&base());
    assert_eq!(j.mode, Mode::RouteAnimation);
    assert_eq!(j.style, Style::MaritimeDark);
    assert_eq!(j.duration, 12.0);
    assert_eq!(j.fps, 30);
    assert_eq!(
        j.resolution,
        Resolution {
            width: 1920,
            height: 1080
        }
    );
    assert_eq!(j.transport, Transport::Auto);
    assert_eq!(j.route, RouteOptions::default());
    assert!(!j.route.allow_arctic);
    assert_eq!(j.route_style, RouteStyleOptions::default());
    assert_eq!(j.camera.intensity, Intensity::Balanced);
    assert_eq!(j.camera.ease, Ease::CubicInOut);
    assert_eq!(j.camera.projection, Projection::Mercator);
    assert!(j.hud.enabled);
    assert!(j.hud.stats.as_ref().unwrap().show_distance);
    assert!(j.text_overlays.is_empty());
    assert!(!j.terrain.hillshade);
    assert_eq!(j.output.format, OutputFormat::Mp4);
    assert_eq!(j.output.quality, Quality::Standard);
    assert!(j.output.thumbnail && j.output.credits);
    assert_eq!(j.waypoints.len(), 2);
    assert_eq!(j.waypoints[0].label.as_deref(), Some("Port Said"));
    assert_eq!(j.waypoints[1].dwell, 0.0);
    assert_eq!(j.waypoints[1].emphasis, Emphasis::Standard);
    assert_eq!(j.source, base());
}

#[test]
fn parse_job_text_matches_value_api() {
    let a = parse_job(&base().to_string()).unwrap();
    let b = ok(&base());
    assert_eq!(a, b);
}

#[test]
fn every_field_accepted() {
    let v = json!({
        "waypoints": [
            {"lat": 31.26, "lng": 32.30, "label": "Port Said", "dwell": 0.5, "emphasis": "waypoint",
             "camera_zoom_override": 6, "camera_hold_seconds": 1},
            {"lat": 29.97, "lng": 32.55, "label": "Suez", "emphasis": "chokepoint"},
            {"lat": 12.58, "lng": 43.33, "label": "Bab el-Mandeb"}
        ],
        "mode": "route_animation",
        "style": "geopolitics",
        "duration": 30,
        "resolution": "1080x1920",
        "fps": 60,
        "transport": "car",
        "route": {"mode": "road", "avoid": ["Bab el Mandeb", "Hormuz", "suez", "suez"], "allow_arctic": true},
        "route_style": {"color": "#00e5ff", "width": 4.5, "opacity": 0.8, "vehicle_icon": "none", "trail": "full"},
        "camera": {"preset": "chokepoint_tension", "intensity": "strong", "mode": "follow",
                   "projection": "mercator", "start_zoom": 3, "waypoint_zoom": 7, "tilt": 30,
                   "ease": "sine-in-out", "start_focus_waypoint": "Suez", "focus_hold_seconds": 2,
                   "opening_zoom_boost": 1, "chokepoint_punch_in": true},
        "hud": {"stats": {"position": "bottom-right", "show_distance": false, "show_speed": true,
                          "show_elapsed": true, "units": "nm"},
                "progress_bar": true, "title": "Suez"},
        "text_overlays": [{"text": "Day 1", "start": 1, "end": 4, "position": "top-center", "size": 40, "color": "#FFFFFF"},
                          {"text": "Arrival"}],
        "terrain": {"hillshade": true},
        "output": {"format": "webm", "quality": "high", "thumbnail": false, "credits": false},
        "template_id": "tpl_abc",
        "webhook_url": "https://example.com/hook"
    });
    let j = ok(&v);
    assert_eq!(j.style, Style::Geopolitics);
    assert_eq!(j.resolution, Resolution::new(1080, 1920));
    assert_eq!(j.transport, Transport::Truck);
    assert_eq!(j.route.mode, Some(RouteModeOpt::Road));
    assert_eq!(j.route.avoid, vec!["babalmandab", "ormuz", "suez"]);
    assert_eq!(j.route_style.color.unwrap().hex(), "#00E5FF");
    assert_eq!(j.route_style.vehicle_icon, Some(VehicleIcon::Hidden));
    assert_eq!(j.camera.preset, Some(CameraPreset::ChokepointTension));
    assert_eq!(
        j.camera.start_focus_waypoint,
        Some(FocusWaypoint::Label("Suez".into()))
    );
    assert_eq!(j.camera.chokepoint_punch_in, Some(DEFAULT_PUNCH_IN));
    assert_eq!(j.hud.stats.as_ref().unwrap().units, Some(Units::Nm));
    assert_eq!(j.text_overlays[1].end, 30.0);
    assert_eq!(j.text_overlays[1].position, Anchor::BottomCenter);
    assert!(j.terrain.hillshade);
    assert_eq!(j.output.format, OutputFormat::Webm);
    assert!(!j.output.thumbnail);
    assert_eq!(j.waypoints[1].emphasis, Emphasis::Chokepoint);
    assert_eq!(j.frame_count(), 1800);

    // The serialised job is valid job JSON describing the same job.
    let again = ok(&serde_json::to_value(&j).unwrap());
    assert_eq!(
        serde_json::to_value(&again).unwrap(),
        serde_json::to_value(&j).unwrap()
    );
}

#[test]
fn nulls_mean_defaults() {
    let j = ok(&with(|v| {
        v["style"] = Value::Null;
        v["camera"] = Value::Null;
        v["waypoints"][0]["label"] = Value::Null;
    }));
    assert_eq!(j.style, Style::MaritimeDark);
    assert_eq!(j.waypoints[0].label, None);
}

// ---- unknown fields ----

#[test]
fn unknown_top_level_field() {
    let i = expect(
        &with(|v| v["colour"] = json!("#FFFFFF")),
        "colour",
        "unknown_field",
    );
    assert!(i
        .valid_options
        .unwrap()
        .contains(&"route_style".to_string()));
    let i = expect(
        &with(|v| v["waypoint"] = json!([])),
        "waypoint",
        "unknown_field",
    );
    assert!(i.suggestion.unwrap().contains("waypoints"));
}

#[test]
fn unknown_nested_fields() {
    expect(
        &with(|v| v["camera"] = json!({"zoom": 3})),
        "camera.zoom",
        "unknown_field",
    );
    expect(
        &with(|v| v["waypoints"][1]["altitude"] = json!(3)),
        "waypoints[1].altitude",
        "unknown_field",
    );
    expect(
        &with(|v| v["hud"] = json!({"stats": {"colour": 1}})),
        "hud.stats.colour",
        "unknown_field",
    );
    expect(
        &with(|v| v["output"] = json!({"codec": "h264"})),
        "output.codec",
        "unknown_field",
    );
    expect(
        &with(|v| v["route"] = json!({"avoid_passages": []})),
        "route.avoid_passages",
        "unknown_field",
    );
    expect(
        &with(|v| v["route_style"] = json!({"glow": true})),
        "route_style.glow",
        "unknown_field",
    );
    expect(
        &with(|v| v["terrain"] = json!({"exaggeration": 2})),
        "terrain.exaggeration",
        "unknown_field",
    );
    expect(
        &with(|v| v["text_overlays"] = json!([{"text": "a", "font": "x"}])),
        "text_overlays[0].font",
        "unknown_field",
    );
}

// ---- waypoints ----

#[test]
fn missing_waypoints() {
    let v = json!({"style": "satellite"});
    expect(&v, "waypoints", "required");
    expect(&json!({"waypoints": null}), "waypoints", "required");
}

#[test]
fn waypoint_count() {
    let i = expect(
        &with(|v| v["waypoints"] = waypoints(1)),
        "waypoints",
        "too_few",
    );
    assert!(i.suggestion.is_some());
    expect(
        &with(|v| v["waypoints"] = waypoints(0)),
        "waypoints",
        "too_few",
    );
    expect(
        &with(|v| v["waypoints"] = waypoints(101)),
        "waypoints",
        "too_many",
    );
    assert_eq!(
        ok(&with(|v| v["waypoints"] = waypoints(100)))
            .waypoints
            .len(),
        100
    );
    expect(
        &with(|v| v["waypoints"] = json!({"lat": 1})),
        "waypoints",
        "invalid_type",
    );
    expect(
        &with(|v| v["waypoints"][1] = json!([1, 2])),
        "waypoints[1]",
        "invalid_type",
    );
}

#[test]
fn latitude_and_longitude() {
    expect(
        &with(|v| v["waypoints"][0]["lat"] = json!(91)),
        "waypoints[0].lat",
        "out_of_range",
    );
    expect(
        &with(|v| v["waypoints"][0]["lat"] = json!(-90.5)),
        "waypoints[0].lat",
        "out_of_range",
    );
    expect(
        &with(|v| v["waypoints"][1]["lng"] = json!(-181)),
        "waypoints[1].lng",
        "out_of_range",
    );
    expect(
        &with(|v| v["waypoints"][1]["lng"] = json!(180.01)),
        "waypoints[1].lng",
        "out_of_range",
    );
    ok(&with(|v| {
        v["waypoints"][0]["lat"] = json!(90);
        v["waypoints"][1]["lng"] = json!(-180);
    }));
    expect(
        &with(|v| v["waypoints"][0]["lat"] = json!("51.5")),
        "waypoints[0].lat",
        "invalid_type",
    );
    expect(
        &with(|v| v["waypoints"][0]["lng"] = json!(true)),
        "waypoints[0].lng",
        "invalid_type",
    );
    expect(
        &with(|v| {
            v["waypoints"][0].as_object_mut().unwrap().remove("lat");
        }),
        "waypoints[0].lat",
        "required",
    );
}

#[test]
fn non_finite_numbers() {
    let text = r#"{"waypoints": [{"lat": 1e999, "lng": 0}, {"lat": 0, "lng": -1e999}], "duration": 1e400}"#;
    let i = expect_text(text, "waypoints[0].lat", "not_finite");
    assert!(i.message.contains("1e999"), "{}", i.message);
    expect_text(text, "waypoints[1].lng", "not_finite");
    expect_text(text, "duration", "not_finite");
    let e = parse_job(text).unwrap_err();
    assert_eq!(e.issues().len(), 3, "{:#?}", e.issues());
    // A non-finite value where a string is expected is still `not_finite`.
    expect_text(
        r#"{"waypoints": [{"lat": 0, "lng": 0, "label": 1e999}, {"lat": 1, "lng": 1}]}"#,
        "waypoints[0].label",
        "not_finite",
    );
}

#[test]
fn label_length() {
    let label81 = "x".repeat(81);
    let i = expect(
        &with(|v| v["waypoints"][0]["label"] = json!(label81)),
        "waypoints[0].label",
        "too_long",
    );
    assert!(i.message.contains("80"));
    ok(&with(|v| {
        v["waypoints"][0]["label"] = json!("x".repeat(80))
    }));
    // Characters, not bytes.
    ok(&with(|v| {
        v["waypoints"][0]["label"] = json!("é".repeat(80))
    }));
    expect(
        &with(|v| v["waypoints"][0]["label"] = json!(5)),
        "waypoints[0].label",
        "invalid_type",
    );
}

#[test]
fn waypoint_extras() {
    expect(
        &with(|v| v["waypoints"][0]["dwell"] = json!(-1)),
        "waypoints[0].dwell",
        "out_of_range",
    );
    expect(
        &with(|v| v["waypoints"][0]["dwell"] = json!("2s")),
        "waypoints[0].dwell",
        "invalid_type",
    );
    let i = expect(
        &with(|v| v["waypoints"][0]["emphasis"] = json!("big")),
        "waypoints[0].emphasis",
        "invalid_value",
    );
    assert_eq!(
        i.valid_options.unwrap(),
        vec!["standard", "waypoint", "chokepoint"]
    );
    expect(
        &with(|v| v["waypoints"][0]["camera_zoom_override"] = json!(25)),
        "waypoints[0].camera_zoom_override",
        "out_of_range",
    );
    expect(
        &with(|v| v["waypoints"][0]["camera_hold_seconds"] = json!(-2)),
        "waypoints[0].camera_hold_seconds",
        "out_of_range",
    );
    // Pauses that fill the whole video leave no time to travel.
    expect(
        &with(|v| {
            v["duration"] = json!(10);
            v["waypoints"][0]["dwell"] = json!(6);
            v["waypoints"][1]["dwell"] = json!(4);
        }),
        "waypoints",
        "out_of_range",
    );
}

// ---- top-level scalars ----

#[test]
fn style() {
    let i = expect(
        &with(|v| v["style"] = json!("dark")),
        "style",
        "invalid_value",
    );
    assert_eq!(
        i.valid_options.unwrap(),
        vec![
            "maritime-dark",
            "satellite",
            "minimal",
            "standard",
            "geopolitics"
        ]
    );
    let i = expect(
        &with(|v| v["style"] = json!("Satellite")),
        "style",
        "invalid_value",
    );
    assert!(i.suggestion.unwrap().contains("`satellite`"));
    let i = expect(&with(|v| v["style"] = json!(3)), "style", "invalid_type");
    assert_eq!(i.valid_options.unwrap().len(), 5);
    for s in Style::ALL {
        assert_eq!(ok(&with(|v| v["style"] = json!(s.as_str()))).style, *s);
    }
}

#[test]
fn mode() {
    let i = expect(
        &with(|v| v["mode"] = json!("tour")),
        "mode",
        "invalid_value",
    );
    assert_eq!(i.valid_options.unwrap().len(), 4);
}

#[test]
fn transport() {
    assert_eq!(
        ok(&with(|v| v["transport"] = json!("car"))).transport,
        Transport::Truck
    );
    assert_eq!(
        ok(&with(|v| v["transport"] = json!("ship"))).transport,
        Transport::Ship
    );
    let i = expect(
        &with(|v| v["transport"] = json!("boat")),
        "transport",
        "invalid_value",
    );
    let opts = i.valid_options.unwrap();
    for t in ["plane", "ship", "truck", "car", "auto"] {
        assert!(opts.contains(&t.to_string()), "{opts:?}");
    }
}

#[test]
fn duration() {
    expect(
        &with(|v| v["duration"] = json!(0)),
        "duration",
        "out_of_range",
    );
    expect(
        &with(|v| v["duration"] = json!(601)),
        "duration",
        "out_of_range",
    );
    expect(
        &with(|v| v["duration"] = json!(-5)),
        "duration",
        "out_of_range",
    );
    expect(
        &with(|v| v["duration"] = json!("12")),
        "duration",
        "invalid_type",
    );
    assert_eq!(ok(&with(|v| v["duration"] = json!(1))).duration, 1.0);
    assert_eq!(ok(&with(|v| v["duration"] = json!(600))).duration, 600.0);
    assert_eq!(ok(&with(|v| v["duration"] = json!(7.5))).duration, 7.5);
}

#[test]
fn fps() {
    let i = expect(&with(|v| v["fps"] = json!(29)), "fps", "invalid_value");
    assert_eq!(i.valid_options.unwrap(), vec!["24", "25", "30", "50", "60"]);
    expect(&with(|v| v["fps"] = json!(29.97)), "fps", "invalid_value");
    expect(&with(|v| v["fps"] = json!(0)), "fps", "invalid_value");
    expect(&with(|v| v["fps"] = json!("30")), "fps", "invalid_type");
    for f in [24, 25, 30, 50, 60] {
        assert_eq!(ok(&with(|v| v["fps"] = json!(f))).fps, f);
    }
    assert_eq!(ok(&with(|v| v["fps"] = json!(60.0))).fps, 60);
}

#[test]
fn resolution() {
    let i = expect(
        &with(|v| v["resolution"] = json!("1081x720")),
        "resolution",
        "invalid_value",
    );
    assert!(i.message.contains("even"));
    expect(
        &with(|v| v["resolution"] = json!("10x10")),
        "resolution",
        "out_of_range",
    );
    expect(
        &with(|v| v["resolution"] = json!("8000x720")),
        "resolution",
        "out_of_range",
    );
    let i = expect(
        &with(|v| v["resolution"] = json!("abc")),
        "resolution",
        "invalid_format",
    );
    assert!(i.valid_options.unwrap().contains(&"1080p".to_string()));
    expect(
        &with(|v| v["resolution"] = json!(1080)),
        "resolution",
        "invalid_type",
    );
    assert_eq!(
        ok(&with(|v| v["resolution"] = json!("720p"))).resolution,
        Resolution::new(1280, 720)
    );
    assert_eq!(
        ok(&with(|v| v["resolution"] = json!("4k"))).resolution,
        Resolution::new(3840, 2160)
    );
    assert_eq!(
        ok(&with(|v| v["resolution"] = json!("1080x1080"))).resolution,
        Resolution::new(1080, 1080)
    );
}

#[test]
fn template_and_webhook() {
    expect(
        &with(|v| v["webhook_url"] = json!("ftp://x.org/h")),
        "webhook_url",
        "invalid_format",
    );
    expect(
        &with(|v| v["webhook_url"] = json!(42)),
        "webhook_url",
        "invalid_type",
    );
    expect(
        &with(|v| v["template_id"] = json!("")),
        "template_id",
        "invalid_value",
    );
    let j = ok(&with(|v| v["template_id"] = json!("tpl_1")));
    assert_eq!(j.template_id.as_deref(), Some("tpl_1"));
}

// ---- objects ----

#[test]
fn route() {
    let i = expect(
        &with(|v| v["route"] = json!({"avoid": ["suez", "atlantis"]})),
        "route.avoid[1]",
        "invalid_value",
    );
    assert_eq!(i.valid_options.unwrap().len(), job::PASSAGES.len());
    expect(
        &with(|v| v["route"] = json!({"mode": "air"})),
        "route.mode",
        "invalid_value",
    );
    expect(
        &with(|v| v["route"] = json!({"avoid": "suez"})),
        "route.avoid",
        "invalid_type",
    );
    expect(
        &with(|v| v["route"] = json!({"allow_arctic": "yes"})),
        "route.allow_arctic",
        "invalid_type",
    );
    expect(
        &with(|v| v["route"] = json!(["suez"])),
        "route",
        "invalid_type",
    );
    let j = ok(&with(
        |v| v["route"] = json!({"avoid": ["bab-el-mandeb", "cape of good hope", "Magellan", "ORMUZ", "cape horn"]}),
    ));
    assert_eq!(
        j.route.avoid,
        vec!["babalmandab", "south_africa", "chili", "ormuz"]
    );
}

#[test]
fn route_style() {
    let i = expect(
        &with(|v| v["route_style"] = json!({"color": "#GGGGGG"})),
        "route_style.color",
        "invalid_format",
    );
    assert!(i.suggestion.is_some());
    expect(
        &with(|v| v["route_style"] = json!({"color": "red"})),
        "route_style.color",
        "invalid_format",
    );
    expect(
        &with(|v| v["route_style"] = json!({"color": "#FFF"})),
        "route_style.color",
        "invalid_format",
    );
    expect(
        &with(|v| v["route_style"] = json!({"opacity": 1.5})),
        "route_style.opacity",
        "out_of_range",
    );
    expect(
        &with(|v| v["route_style"] = json!({"opacity": -0.1})),
        "route_style.opacity",
        "out_of_range",
    );
    expect(
        &with(|v| v["route_style"] = json!({"width": 0})),
        "route_style.width",
        "out_of_range",
    );
    expect(
        &with(|v| v["route_style"] = json!({"width": -3})),
        "route_style.width",
        "out_of_range",
    );
    let i = expect(
        &with(|v| v["route_style"] = json!({"vehicle_icon": "rocket"})),
        "route_style.vehicle_icon",
        "invalid_value",
    );
    assert_eq!(
        i.valid_options.unwrap(),
        vec!["plane", "ship", "truck", "none"]
    );
    expect(
        &with(|v| v["route_style"] = json!({"trail": "dotted"})),
        "route_style.trail",
        "invalid_value",
    );
}

#[test]
fn camera() {
    let i = expect(
        &with(|v| v["camera"] = json!({"intensity": "wild"})),
        "camera.intensity",
        "invalid_value",
    );
    assert_eq!(
        i.valid_options.unwrap(),
        vec!["soft", "balanced", "bold", "strong"]
    );
    let i = expect(
        &with(|v| v["camera"] = json!({"preset": "orbit"})),
        "camera.preset",
        "invalid_value",
    );
    assert_eq!(i.valid_options.unwrap().len(), 7);
    expect(
        &with(|v| v["camera"] = json!({"mode": "orbit"})),
        "camera.mode",
        "invalid_value",
    );
    expect(
        &with(|v| v["camera"] = json!({"ease": "bounce"})),
        "camera.ease",
        "invalid_value",
    );
    let i = expect(
        &with(|v| v["camera"] = json!({"projection": "globe"})),
        "camera.projection",
        "not_supported",
    );
    assert!(i.message.contains("globe projection is not yet supported"));
    expect(
        &with(|v| v["camera"] = json!({"projection": "auto"})),
        "camera.projection",
        "not_supported",
    );
    expect(
        &with(|v| v["camera"] = json!({"projection": "conic"})),
        "camera.projection",
        "invalid_value",
    );
    expect(
        &with(|v| v["camera"] = json!({"start_zoom": 0})),
        "camera.start_zoom",
        "out_of_range",
    );
    expect(
        &with(|v| v["camera"] = json!({"start_zoom": 21})),
        "camera.start_zoom",
        "out_of_range",
    );
    expect(
        &with(|v| v["camera"] = json!({"waypoint_zoom": 30})),
        "camera.waypoint_zoom",
        "out_of_range",
    );
    expect(
        &with(|v| v["camera"] = json!({"tilt": 90})),
        "camera.tilt",
        "out_of_range",
    );
    expect(
        &with(|v| v["camera"] = json!({"tilt": -1})),
        "camera.tilt",
        "out_of_range",
    );
    expect(
        &with(|v| v["camera"] = json!({"focus_hold_seconds": -1})),
        "camera.focus_hold_seconds",
        "out_of_range",
    );
    expect(
        &with(|v| v["camera"] = json!({"chokepoint_punch_in": "lots"})),
        "camera.chokepoint_punch_in",
        "invalid_type",
    );
    expect(
        &with(|v| v["camera"] = json!({"start_focus_waypoint": 5})),
        "camera.start_focus_waypoint",
        "out_of_range",
    );
    expect(
        &with(|v| v["camera"] = json!({"start_focus_waypoint": 1.5})),
        "camera.start_focus_waypoint",
        "invalid_value",
    );
    let i = expect(
        &with(|v| v["camera"] = json!({"start_focus_waypoint": "Nowhere"})),
        "camera.start_focus_waypoint",
        "invalid_value",
    );
    assert_eq!(i.valid_options.unwrap(), vec!["Port Said", "Bab el-Mandeb"]);
    let j =
        ok(&with(
            |v| v["camera"] = json!({"start_focus_waypoint": 1, "chokepoint_punch_in": 2.5}),
        ));
    assert_eq!(j.camera.start_focus_waypoint, Some(FocusWaypoint::Index(1)));
    assert_eq!(j.camera.chokepoint_punch_in, Some(2.5));
}

#[test]
fn hud() {
    let j = ok(&with(|v| v["hud"] = json!(false)));
    assert!(!j.hud.enabled);
    assert!(ok(&with(|v| v["hud"] = json!(true))).hud.enabled);
    assert_eq!(
        ok(&with(|v| v["hud"] = json!({"stats": false}))).hud.stats,
        None
    );
    expect(&with(|v| v["hud"] = json!("yes")), "hud", "invalid_type");
    let i = expect(
        &with(|v| v["hud"] = json!({"stats": {"position": "middle"}})),
        "hud.stats.position",
        "invalid_value",
    );
    assert_eq!(
        i.valid_options.unwrap(),
        vec!["top-left", "top-right", "bottom-left", "bottom-right"]
    );
    let i = expect(
        &with(|v| v["hud"] = json!({"stats": {"units": "furlongs"}})),
        "hud.stats.units",
        "invalid_value",
    );
    assert_eq!(i.valid_options.unwrap(), vec!["km", "mi", "nm"]);
    expect(
        &with(|v| v["hud"] = json!({"progress_bar": 1})),
        "hud.progress_bar",
        "invalid_type",
    );
    expect(
        &with(|v| v["hud"] = json!({"stats": {"show_speed": "no"}})),
        "hud.stats.show_speed",
        "invalid_type",
    );
    expect(
        &with(|v| v["hud"] = json!({"title": "t".repeat(201)})),
        "hud.title",
        "too_long",
    );
}

#[test]
fn text_overlays() {
    expect(
        &with(|v| v["text_overlays"] = json!([{"start": 1}])),
        "text_overlays[0].text",
        "required",
    );
    expect(
        &with(|v| v["text_overlays"] = json!([{"text": ""}])),
        "text_overlays[0].text",
        "invalid_value",
    );
    expect(
        &with(|v| v["text_overlays"] = json!([{"text": "a", "end": 20}])),
        "text_overlays[0].end",
        "out_of_range",
    );
    expect(
        &with(|v| v["text_overlays"] = json!([{"text": "a", "start": 5, "end": 4}])),
        "text_overlays[0].end",
        "out_of_range",
    );
    expect(
        &with(|v| v["text_overlays"] = json!([{"text": "a", "start": 12}])),
        "text_overlays[0].start",
        "out_of_range",
    );
    let i = expect(
        &with(|v| v["text_overlays"] = json!([{"text": "a"}, {"text": "b", "position": "middle"}])),
        "text_overlays[1].position",
        "invalid_value",
    );
    assert_eq!(i.valid_options.unwrap().len(), 9);
    expect(
        &with(|v| v["text_overlays"] = json!([{"text": "a", "color": "white"}])),
        "text_overlays[0].color",
        "invalid_format",
    );
    expect(
        &with(|v| v["text_overlays"] = json!([{"text": "a", "size": 0}])),
        "text_overlays[0].size",
        "out_of_range",
    );
    expect(
        &with(|v| v["text_overlays"] = json!({"text": "a"})),
        "text_overlays",
        "invalid_type",
    );
}

#[test]
fn terrain_and_output() {
    expect(
        &with(|v| v["terrain"] = json!({"hillshade": "yes"})),
        "terrain.hillshade",
        "invalid_type",
    );
    expect(
        &with(|v| v["terrain"] = json!(true)),
        "terrain",
        "invalid_type",
    );
    let i = expect(
        &with(|v| v["output"] = json!({"format": "avi"})),
        "output.format",
        "invalid_value",
    );
    assert_eq!(i.valid_options.unwrap(), vec!["mp4", "webm", "gif", "png"]);
    let i = expect(
        &with(|v| v["output"] = json!({"quality": "ultra"})),
        "output.quality",
        "invalid_value",
    );
    assert_eq!(i.valid_options.unwrap(), vec!["draft", "standard", "high"]);
    expect(
        &with(|v| v["output"] = json!({"thumbnail": "yes"})),
        "output.thumbnail",
        "invalid_type",
    );
    expect(
        &with(|v| v["output"] = json!({"credits": 0})),
        "output.credits",
        "invalid_type",
    );
}

// ---- other modes ----

#[test]
fn multi_route_mode() {
    let v = json!({
        "mode": "multi_route",
        "multi_route": {
            "origin": {"lat": 31.2, "lng": 29.9, "label": "Alexandria"},
            "routes": [
                {"lat": 51.9, "lng": 4.5, "label": "Rotterdam", "data_label": "12 days", "color": "#FF8800", "label_offset": [10, -5]},
                {"lat": 1.26, "lng": 103.8, "label": "Singapore", "data_label": "18 days", "label_offset": {"x": 0, "y": 12}}
            ],
            "show_all_routes_at_start": true, "animate_labels": false, "camera_rotation_degrees": 20,
            "start_zoom": 2, "end_zoom": 4, "label_collision": "none", "routes_start_at": 1,
            "routes_duration": 8, "route_style": {"color": "#FFFFFF"}
        }
    });
    let j = ok(&v);
    let mr = j.multi_route.as_ref().unwrap();
    assert_eq!(mr.routes.len(), 2);
    assert_eq!(mr.routes[0].label_offset, Some([10.0, -5.0]));
    assert_eq!(mr.routes[1].label_offset, Some([0.0, 12.0]));
    assert_eq!(mr.label_collision, LabelCollision::Ignore);
    assert!(j.waypoints.is_empty());
    assert_eq!(j.resolved_transport(|_| true), Transport::Ship);

    expect(&json!({"mode": "multi_route"}), "multi_route", "required");
    let mut bad = v.clone();
    bad["multi_route"]["origin"]["lat"] = json!(100);
    bad["multi_route"]["routes"][1]["color"] = json!("blue");
    bad["multi_route"]["label_collision"] = json!("avoid");
    bad["multi_route"]["routes_duration"] = json!(20);
    expect(&bad, "multi_route.origin.lat", "out_of_range");
    expect(&bad, "multi_route.routes[1].color", "invalid_format");
    expect(&bad, "multi_route.label_collision", "invalid_value");
    expect(&bad, "multi_route.routes_duration", "out_of_range");
    let mut none = v.clone();
    none["multi_route"]["routes"] = json!([]);
    expect(&none, "multi_route.routes", "too_few");
    // A mode object outside its mode is refused, not ignored.
    let mut misplaced = base();
    misplaced["multi_route"] = v["multi_route"].clone();
    expect(&misplaced, "multi_route", "invalid_value");
}

#[test]
fn region_focus_mode() {
    let j =
        ok(&json!({"mode": "region_focus", "region_focus": {"region": "EGY", "color": "#FFAA00"}}));
    assert_eq!(j.region_focus.unwrap().region.as_deref(), Some("EGY"));
    ok(&json!({"mode": "region_focus", "region_focus": {"bbox": [170, -50, -170, -30]}}));
    expect(
        &json!({"mode": "region_focus", "region_focus": {}}),
        "region_focus.region",
        "required",
    );
    expect(
        &json!({"mode": "region_focus", "region_focus": {"bbox": [0, 10, 5, 5]}}),
        "region_focus.bbox",
        "invalid_value",
    );
    expect(
        &json!({"mode": "region_focus", "region_focus": {"bbox": [0, 100, 5, 5]}}),
        "region_focus.bbox[1]",
        "out_of_range",
    );
}

#[test]
fn country_data_mode() {
    let j = ok(
        &json!({"mode": "country_data", "country_data": {"values": {"EGY": 12.5, "SAU": 3}, "legend": "Transits"}}),
    );
    assert_eq!(j.country_data.unwrap().values["EGY"], 12.5);
    expect(
        &json!({"mode": "country_data", "country_data": {"values": {"EGY": "x"}}}),
        "country_data.values.EGY",
        "invalid_type",
    );
    expect(
        &json!({"mode": "country_data", "country_data": {"values": {}}}),
        "country_data.values",
        "too_few",
    );
    expect(
        &json!({"mode": "country_data", "country_data": {"legend": "x"}}),
        "country_data.values",
        "required",
    );
    expect(
        &json!({"mode": "country_data", "country_data": {"values": {"EGY": 1}, "colors": ["#000000"]}}),
        "country_data.colors",
        "too_few",
    );
}

// ---- whole documents ----

#[test]
fn not_an_object() {
    expect(&json!([1, 2]), "", "invalid_type");
    expect(&json!("job"), "", "invalid_type");
}

#[test]
fn malformed_json() {
    let e = parse_job("{\"waypoints\": [\n  {\"lat\": 1,}\n]}").unwrap_err();
    assert_eq!(e.code(), ErrorCode::ValidationError);
    let i = &e.issues()[0];
    assert_eq!(i.field, "");
    assert_eq!(i.code, "invalid_format");
    assert!(i.message.contains("line 2"), "{}", i.message);
    assert!(parse_job("").is_err());
    assert!(parse_job("{\"lat\": NaN}").is_err());
}

#[test]
fn all_issues_reported_at_once() {
    let v = with(|v| {
        v["style"] = json!("neon");
        v["fps"] = json!(31);
        v["waypoints"][0]["lat"] = json!(95);
        v["waypoints"][1]["lng"] = json!("east");
        v["camera"] = json!({"tilt": 99, "foo": 1});
    });
    let all = issues(&v);
    let fields: Vec<&str> = all.iter().map(|i| i.field.as_str()).collect();
    for f in [
        "style",
        "fps",
        "waypoints[0].lat",
        "waypoints[1].lng",
        "camera.tilt",
        "camera.foo",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert_eq!(all.len(), 6, "{all:#?}");
    // Every issue carries a message, and the error's summary names the first.
    assert!(all.iter().all(|i| !i.message.is_empty()));
    let e = job_from_value(&v).unwrap_err();
    assert!(e.to_string().contains("and 5 more issues"), "{e}");
}

#[test]
fn deserialize_impl_validates() {
    let j: Job = serde_json::from_value(base()).unwrap();
    assert_eq!(j.waypoints.len(), 2);
    assert!(serde_json::from_value::<Job>(with(|v| v["fps"] = json!(1))).is_err());
}
