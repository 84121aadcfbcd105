//! `georender render`, `batch`, `frame` and `styles` end to end (tiny renders:
//! 256x144, 2 s).

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_georender"))
}

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/jobs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "georender-cli-render-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const QUICK: [&str; 6] = [
    "--resolution",
    "256x144",
    "--duration",
    "2",
    "--quality",
    "draft",
];

/// The JSON lines of stdout.
fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn events<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["event"] == kind).collect()
}

#[test]
fn styles_lists_every_style() {
    let out = bin().args(["styles", "--json"]).output().unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "maritime-dark",
            "satellite",
            "minimal",
            "standard",
            "geopolitics"
        ]
    );
    assert!(v[0]["description"].as_str().unwrap().len() > 20);
    let text = bin().arg("styles").output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("satellite"));
}

#[test]
fn render_one_job_with_json_events() {
    let dir = scratch("one");
    let out = bin()
        .arg("render")
        .arg(examples().join("suez.json"))
        .arg("-o")
        .arg(&dir)
        .args(QUICK)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = lines(&out);
    assert_eq!(events(&lines, "job_started").len(), 1);
    assert!(!events(&lines, "frame").is_empty());
    assert_eq!(events(&lines, "frame").last().unwrap()["frame"], 60);
    let ended = events(&lines, "job_ended")[0];
    assert_eq!(ended["job_id"], "suez");
    assert_eq!(ended["status"], "complete");
    assert_eq!(ended["resolution"], "256x144");
    assert_eq!(ended["route"]["passages"], json!(["suez"]));
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "batch_ended");
    assert_eq!(last["completed"], 1);
    assert!(dir.join("suez.mp4").is_file());
    assert!(dir.join("suez.jpg").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn batch_with_a_failing_job_exits_non_zero_with_a_summary() {
    let dir = scratch("batch");
    let body = json!({
        "jobs": [
            { "waypoints": [{ "lat": 51.507, "lng": -0.128, "label": "London" },
                            { "lat": 48.857, "lng": 2.352, "label": "Paris" }],
              "transport": "truck" },
            { "waypoints": [{ "lat": 51.47, "lng": -0.45, "label": "London" },
                            { "lat": 40.64, "lng": -73.78, "label": "New York" }],
              "transport": "plane", "fps": 60 }
        ],
        "shared_options": { "fps": 24, "output": { "thumbnail": false } }
    });
    let file = dir.join("trip.json");
    std::fs::write(&file, body.to_string()).unwrap();

    // JSON mode: events and the final status.
    let out = bin()
        .arg("batch")
        .arg(&file)
        .arg("-o")
        .arg(&dir)
        .args(QUICK)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines = lines(&out);
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "batch_ended");
    assert_eq!(
        (&last["completed"], &last["failed"]),
        (&json!(1), &json!(1))
    );
    let failed = &last["jobs"][0];
    assert_eq!(failed["job_id"], "london-to-paris");
    assert_eq!(failed["error"], "ROAD_ROUTE_ERROR");
    assert_eq!(failed["message"], "No road found between waypoints");
    // The job's fps beats the shared one.
    assert_eq!(last["jobs"][1]["fps"], 60);
    assert!(dir.join("london-to-new-york.mp4").is_file());
    assert!(!dir.join("london-to-new-york.jpg").exists());
    assert!(!dir.join("london-to-paris.mp4").exists());

    // Text mode (stdout is not a terminal here): a summary table.
    let out = bin()
        .arg("batch")
        .arg(&file)
        .arg("-o")
        .arg(&dir)
        .args(QUICK)
        .args(["--fps", "30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("JOB") && text.contains("STATUS"), "{text}");
    assert!(text.contains("ROAD_ROUTE_ERROR"), "{text}");
    assert!(text.contains("1 complete, 1 failed"), "{text}");
    // --fps beats both the job's and the shared value.
    assert!(text.contains("256x144 30fps 2s"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn invalid_batch_is_rejected_before_rendering() {
    let dir = scratch("invalid");
    let file = dir.join("bad.json");
    std::fs::write(
        &file,
        json!({ "jobs": [{ "waypoints": [{ "lat": 95, "lng": 0 }, { "lat": 0, "lng": 0 }] }] })
            .to_string(),
    )
    .unwrap();
    let out = bin()
        .arg("batch")
        .arg(&file)
        .arg("-o")
        .arg(dir.join("out"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "VALIDATION_ERROR");
    assert_eq!(v["error"]["issues"][0]["field"], "jobs[0].waypoints[0].lat");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn frame_writes_a_png_of_the_requested_size() {
    let dir = scratch("frame");
    let png = dir.join("f.png");
    let out = bin()
        .arg("frame")
        .arg(examples().join("london-new-york.json"))
        .args(["--t", "6", "--resolution", "320x180", "-o"])
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let data = std::fs::read(&png).unwrap();
    assert_eq!(&data[1..4], b"PNG");
    let w = u32::from_be_bytes(data[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(data[20..24].try_into().unwrap());
    assert_eq!((w, h), (320, 180));
    // Out of range time.
    let out = bin()
        .arg("frame")
        .arg(examples().join("london-new-york.json"))
        .args(["--t", "99", "-o"])
        .arg(&png)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("VALIDATION_ERROR"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_same_job_renders_a_byte_identical_video() {
    let dirs = [scratch("same-a"), scratch("same-b")];
    for dir in &dirs {
        let out = bin()
            .arg("render")
            .arg(examples().join("london-new-york.json"))
            .arg("-o")
            .arg(dir)
            .args(QUICK)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let read = |d: &PathBuf| std::fs::read(d.join("london-new-york.mp4")).unwrap();
    assert!(
        read(&dirs[0]) == read(&dirs[1]),
        "two renders of one job differ"
    );
}
