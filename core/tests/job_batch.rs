//! Batches (SPEC section 3): deep merge of `shared_options`, paths of batch
//! issues, limits, and the example job files in `examples/jobs/`.

use georender::job::*;
use georender::{Error, ErrorCode, Issue};
use serde_json::{json, Value};
use std::path::PathBuf;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/jobs")
}

fn read(name: &str) -> String {
    let path = examples().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn job(lat: f64) -> Value {
    json!({"waypoints": [{"lat": lat, "lng": 10.0}, {"lat": 0.0, "lng": 20.0}]})
}

fn batch_issues(r: georender::Result<Vec<Job>>) -> Vec<Issue> {
    let e = r.expect_err("expected a validation error");
    assert_eq!(e.code(), ErrorCode::ValidationError, "{e}");
    e.issues().to_vec()
}

fn has(issues: &[Issue], field: &str, code: &str) -> bool {
    issues.iter().any(|i| i.field == field && i.code == code)
}

#[test]
fn example_batch_parses() {
    let jobs = parse_batch(&read("batch.json"), DEFAULT_BATCH_LIMIT).unwrap();
    assert_eq!(jobs.len(), 3);
    for j in &jobs {
        assert_eq!(j.fps, 30);
        assert_eq!(j.duration, 12.0);
        assert_eq!(j.resolution, Resolution::new(1920, 1080));
    }
    let (suez, sgp, lon) = (&jobs[0], &jobs[1], &jobs[2]);
    assert_eq!(suez.style, Style::MaritimeDark);
    assert_eq!(suez.transport, Transport::Ship);
    assert_eq!(suez.hud.title.as_deref(), Some("Suez→Bab el-Mandeb"));
    let choke = suez
        .waypoints
        .iter()
        .find(|w| w.emphasis == Emphasis::Chokepoint)
        .expect("a chokepoint waypoint");
    assert_eq!(choke.label.as_deref(), Some("Suez"));
    assert_eq!(suez.waypoints[0].label.as_deref(), Some("Port Said"));
    assert_eq!(
        suez.waypoints.last().unwrap().label.as_deref(),
        Some("Bab el-Mandeb")
    );
    assert_eq!(sgp.style, Style::Satellite);
    assert_eq!(sgp.transport, Transport::Ship);
    assert_eq!(sgp.waypoints[0].label.as_deref(), Some("Singapore"));
    assert_eq!(sgp.waypoints[1].label.as_deref(), Some("Tokyo"));
    assert_eq!(lon.style, Style::Standard);
    assert_eq!(lon.transport, Transport::Plane);
    assert_eq!(lon.route_mode(lon.transport), RouteModeOpt::Manual);
    // `source` keeps the merged JSON.
    assert_eq!(suez.source["fps"], 30);
    assert_eq!(suez.source["style"], "maritime-dark");
}

#[test]
fn standalone_examples_parse_and_match_the_batch() {
    let batch = parse_batch(&read("batch.json"), DEFAULT_BATCH_LIMIT).unwrap();
    for (i, name) in ["suez.json", "singapore-tokyo.json", "london-new-york.json"]
        .iter()
        .enumerate()
    {
        let j = parse_job(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let strip = |j: &Job| serde_json::to_value(j).unwrap();
        assert_eq!(strip(&j), strip(&batch[i]), "{name}");
    }
}

#[test]
fn every_example_file_is_valid() {
    let mut n = 0;
    for entry in std::fs::read_dir(examples()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            let r = if v.get("jobs").is_some() {
                parse_batch(&text, DEFAULT_BATCH_LIMIT).map(|_| ())
            } else {
                parse_job(&text).map(|_| ())
            };
            r.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            n += 1;
        }
    }
    assert!(n >= 4);
}

#[test]
fn deep_merge() {
    let shared = json!({
        "fps": 30,
        "camera": {"preset": "static_overview", "tilt": 10},
        "hud": {"stats": {"units": "nm", "show_speed": true}, "title": "Shared"},
        "route": {"avoid": ["suez", "panama"]},
        "text_overlays": [{"text": "shared"}]
    });
    let job = json!({
        "fps": 60,
        "camera": {"tilt": 20},
        "hud": {"stats": {"units": "km"}},
        "route": {"avoid": ["malacca"]},
        "text_overlays": []
    });
    let m = merge(&shared, &job);
    assert_eq!(
        m,
        json!({
            "fps": 60,
            "camera": {"preset": "static_overview", "tilt": 20},
            "hud": {"stats": {"units": "km", "show_speed": true}, "title": "Shared"},
            "route": {"avoid": ["malacca"]},
            "text_overlays": []
        })
    );
    // null and scalars replace objects; objects replace scalars.
    assert_eq!(
        merge(&json!({"camera": {"tilt": 1}}), &json!({"camera": null})),
        json!({"camera": null})
    );
    assert_eq!(
        merge(&json!({"hud": {"title": "x"}}), &json!({"hud": false})),
        json!({"hud": false})
    );
    assert_eq!(
        merge(&json!({"hud": false}), &json!({"hud": {"title": "x"}})),
        json!({"hud": {"title": "x"}})
    );
    assert_eq!(merge(&json!({"a": 1}), &json!([1])), json!([1]));
    assert_eq!(merge(&json!(1), &json!({"a": 1})), json!({"a": 1}));
    assert_eq!(merge(&json!({"a": 1}), &json!({})), json!({"a": 1}));
}

#[test]
fn shared_options_apply_and_jobs_override() {
    let jobs = vec![job(1.0), {
        let mut j = job(2.0);
        j["fps"] = json!(60);
        j["camera"] = json!({"tilt": 20});
        j
    }];
    let shared =
        json!({"fps": 24, "style": "minimal", "camera": {"preset": "static_overview", "tilt": 10}});
    let out = batch_from_values(&jobs, Some(&shared), 25).unwrap();
    assert_eq!(out[0].fps, 24);
    assert_eq!(out[1].fps, 60);
    assert_eq!(out[1].style, Style::Minimal);
    assert_eq!(out[1].camera.preset, Some(CameraPreset::StaticOverview));
    assert_eq!(out[1].camera.tilt, 20.0);
    assert_eq!(
        out[1].source["camera"],
        json!({"preset": "static_overview", "tilt": 20})
    );
    // No shared options at all.
    assert_eq!(batch_from_values(&jobs, None, 25).unwrap().len(), 2);
}

#[test]
fn batch_issue_paths() {
    let body = json!({
        "jobs": [job(1.0), job(95.0), {"waypoints": [{"lat": 0, "lng": 0}], "style": "neon"}],
        "shared_options": {"fps": 31}
    });
    let issues = batch_issues(parse_batch(&body.to_string(), 25));
    assert!(
        has(&issues, "jobs[1].waypoints[0].lat", "out_of_range"),
        "{issues:#?}"
    );
    assert!(has(&issues, "jobs[2].waypoints", "too_few"), "{issues:#?}");
    assert!(
        has(&issues, "jobs[2].style", "invalid_value"),
        "{issues:#?}"
    );
    assert!(
        has(&issues, "shared_options.fps", "invalid_value"),
        "{issues:#?}"
    );
    // The shared fps problem is listed once, not once per job.
    assert_eq!(
        issues.iter().filter(|i| i.field.ends_with("fps")).count(),
        1,
        "{issues:#?}"
    );
    assert_eq!(issues.len(), 4, "{issues:#?}");
}

#[test]
fn shared_issues_use_shared_paths() {
    let shared = json!({"camera": {"zoom": 3, "tilt": 100}, "duration": 0, "route_style": {"color": "blue"}});
    let issues = batch_issues(batch_from_values(&[job(1.0), job(2.0)], Some(&shared), 25));
    for (f, c) in [
        ("shared_options.camera.zoom", "unknown_field"),
        ("shared_options.camera.tilt", "out_of_range"),
        ("shared_options.duration", "out_of_range"),
        ("shared_options.route_style.color", "invalid_format"),
    ] {
        assert!(has(&issues, f, c), "{f} {c}: {issues:#?}");
    }
    assert_eq!(issues.len(), 4, "{issues:#?}");
}

#[test]
fn shared_waypoints_refused() {
    let shared = json!({"waypoints": [{"lat": 0, "lng": 0}, {"lat": 1, "lng": 1}]});
    let issues = batch_issues(batch_from_values(&[job(1.0)], Some(&shared), 25));
    assert!(
        has(&issues, "shared_options.waypoints", "not_supported"),
        "{issues:#?}"
    );
    assert_eq!(issues.len(), 1);
    // Jobs without their own waypoints do not inherit the shared ones.
    let issues = batch_issues(batch_from_values(&[json!({"fps": 30})], Some(&shared), 25));
    assert!(has(&issues, "jobs[0].waypoints", "required"), "{issues:#?}");
}

#[test]
fn shared_values_meet_job_values() {
    // Valid alone, invalid together: reported on the job.
    let shared = json!({"duration": 5, "text_overlays": [{"text": "t", "end": 8}]});
    let issues = batch_issues(batch_from_values(&[job(1.0)], Some(&shared), 25));
    assert!(
        has(&issues, "jobs[0].text_overlays[0].end", "out_of_range"),
        "{issues:#?}"
    );
    // A job may fix a shared value it overrides.
    let mut j = job(1.0);
    j["text_overlays"] = json!([]);
    assert!(batch_from_values(&[j], Some(&shared), 25).is_ok());
}

#[test]
fn batch_limits() {
    let jobs: Vec<Value> = (0..26).map(|i| job(i as f64)).collect();
    match batch_from_values(&jobs, None, 25) {
        Err(Error::BatchTooLarge { count, limit }) => assert_eq!((count, limit), (26, 25)),
        other => panic!("expected BatchTooLarge, got {other:?}"),
    }
    assert_eq!(batch_from_values(&jobs[..25], None, 25).unwrap().len(), 25);
    let body = json!({"jobs": jobs});
    assert_eq!(
        parse_batch(&body.to_string(), 25).unwrap_err().code(),
        ErrorCode::BatchTooLarge
    );
    assert_eq!(parse_batch(&body.to_string(), 30).unwrap().len(), 26);

    let issues = batch_issues(batch_from_values(&[], None, 25));
    assert!(has(&issues, "jobs", "too_few"));
    let issues = batch_issues(parse_batch(r#"{"jobs": []}"#, 25));
    assert!(has(&issues, "jobs", "too_few"));
}

#[test]
fn batch_body_shape() {
    let issues = batch_issues(parse_batch(r#"{"shared_options": {}}"#, 25));
    assert!(has(&issues, "jobs", "required"), "{issues:#?}");
    assert_eq!(issues.len(), 1);
    let issues = batch_issues(parse_batch(r#"{"jobs": {}}"#, 25));
    assert!(has(&issues, "jobs", "invalid_type"));
    let body = json!({"jobs": [job(1.0)], "shared": {"fps": 30}});
    let issues = batch_issues(parse_batch(&body.to_string(), 25));
    assert!(has(&issues, "shared", "unknown_field"), "{issues:#?}");
    let body = json!({"jobs": [job(1.0), 7], "shared_options": 5, "webhook_url": "nope"});
    let issues = batch_issues(parse_batch(&body.to_string(), 25));
    assert!(has(&issues, "jobs[1]", "invalid_type"), "{issues:#?}");
    assert!(
        has(&issues, "shared_options", "invalid_type"),
        "{issues:#?}"
    );
    assert!(has(&issues, "webhook_url", "invalid_format"), "{issues:#?}");
    let body = json!({"jobs": [job(1.0)], "webhook_url": "https://example.com/h"});
    assert!(parse_batch(&body.to_string(), 25).is_ok());
    let issues = batch_issues(parse_batch("[1,", 25));
    assert!(has(&issues, "", "invalid_format"));
}

#[test]
fn non_finite_in_batch_text() {
    let text = r#"{"jobs": [{"waypoints": [{"lat": 0, "lng": 0}, {"lat": 1, "lng": 1e999}]}],
                   "shared_options": {"duration": -1e999}}"#;
    let issues = batch_issues(parse_batch(text, 25));
    assert!(
        has(&issues, "jobs[0].waypoints[1].lng", "not_finite"),
        "{issues:#?}"
    );
    assert!(
        has(&issues, "shared_options.duration", "not_finite"),
        "{issues:#?}"
    );
    assert_eq!(issues.len(), 2, "{issues:#?}");
}
