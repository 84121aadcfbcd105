//! The `georender` binary end to end: `validate` and `route`, JSON and text.

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_georender"))
}

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/jobs")
}

fn write_job(name: &str, job: Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("georender-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, job.to_string()).unwrap();
    path
}

/// Runs the binary and parses its single line of JSON output.
fn run_json(args: &[&str], file: &PathBuf) -> (bool, Value) {
    let out = bin().args(args).arg(file).arg("--json").output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (out.status.success(), v)
}

#[test]
fn route_json_for_the_example_jobs() {
    let cases = [
        ("suez.json", "sea", 2_390.0, vec!["suez"]),
        ("singapore-tokyo.json", "sea", 5_450.0, vec!["malacca"]),
        ("london-new-york.json", "manual", 5_540.0, vec![]),
    ];
    for (file, mode, km, passages) in cases {
        let (ok, v) = run_json(&["route"], &examples().join(file));
        assert!(ok, "{file}: {v}");
        assert_eq!(v["mode"], mode, "{file}");
        let d = v["distance_km"].as_f64().unwrap();
        assert!((d - km).abs() / km < 0.03, "{file}: {d}");
        assert_eq!(v["passages"], json!(passages), "{file}");
        assert!(v["points"].as_u64().unwrap() > 10);
    }
}

#[test]
fn truck_across_water_fails_with_road_route_error() {
    for (name, a, b) in [
        ("lp.json", (51.507, -0.128), (48.857, 2.352)),
        ("bny.json", (52.52, 13.405), (40.713, -74.006)),
    ] {
        let job = json!({ "transport": "truck", "waypoints": [
            { "lat": a.0, "lng": a.1 }, { "lat": b.0, "lng": b.1 } ] });
        let (ok, v) = run_json(&["route"], &write_job(name, job));
        assert!(!ok);
        assert_eq!(v["error"]["code"], "ROAD_ROUTE_ERROR");
        assert_eq!(v["error"]["message"], "No road found between waypoints");
    }
}

#[test]
fn inland_ship_waypoint_fails_with_maritime_route_error() {
    let job = json!({ "transport": "ship", "waypoints": [
        { "lat": 40.0, "lng": -3.7, "label": "Madrid" }, { "lat": 31.26, "lng": 32.3 } ] });
    let (ok, v) = run_json(&["route"], &write_job("spain.json", job));
    assert!(!ok);
    assert_eq!(v["error"]["code"], "MARITIME_ROUTE_ERROR");
}

#[test]
fn validate_reports_paths() {
    let (ok, v) = run_json(&["validate"], &examples().join("batch.json"));
    assert!(ok);
    assert_eq!(v, json!({ "valid": true }));
    let bad = json!({ "jobs": [
        { "waypoints": [{ "lat": 0, "lng": 0 }, { "lat": 1, "lng": 1 }] },
        { "waypoints": [{ "lat": 91, "lng": 0 }, { "lat": 1, "lng": 1 }], "style": "neon" } ] });
    let (ok, v) = run_json(&["validate"], &write_job("bad.json", bad));
    assert!(!ok);
    assert_eq!(v["valid"], false);
    let fields: Vec<&str> = v["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"jobs[1].waypoints[0].lat"), "{fields:?}");
    assert!(fields.contains(&"jobs[1].style"), "{fields:?}");
}

#[test]
fn route_with_invalid_job_is_a_validation_error() {
    let (ok, v) = run_json(
        &["route"],
        &write_job("inv.json", json!({ "waypoints": [] })),
    );
    assert!(!ok);
    assert_eq!(v["error"]["code"], "VALIDATION_ERROR");
    assert!(v["error"]["issues"][0]["field"]
        .as_str()
        .unwrap()
        .starts_with("waypoints"));
}

#[test]
fn human_output_mentions_distance() {
    let out = bin()
        .arg("route")
        .arg(examples().join("suez.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("distance:") && text.contains("suez"),
        "{text}"
    );
}
