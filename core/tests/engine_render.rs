//! The engine end to end on the real renderer and encoder: the example batch at a
//! small size checked with ffprobe, routing failures isolated in a batch, deep
//! merge of shared options in a real render, cancellation, unwritable outputs.
//!
//! One engine (one GPU device, one worker) is shared by the tests, so their jobs
//! render one after another whatever the test harness' thread count.

use georender::engine::{
    BatchOptions, BatchState, Engine, EngineSettings, Flow, JobStatus, ProgressEvent,
};
use georender::ErrorCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Output directory of the shared engine.
fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("engine-render-{}", std::process::id()))
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = out_dir();
        let _ = std::fs::remove_dir_all(&dir);
        Engine::new(EngineSettings {
            output_dir: dir,
            concurrency: 1,
            ..EngineSettings::default()
        })
        .expect("engine")
    })
}

fn example_batch() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/jobs/batch.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ids(prefix: &str, n: usize) -> Option<Vec<String>> {
    Some((0..n).map(|i| format!("{prefix}-{i}")).collect())
}

fn ffprobe(path: &Path) -> Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-show_streams",
            "-show_format",
        ])
        .args(["-of", "json"])
        .arg(path)
        .output()
        .expect("ffprobe must be installed (apt-get install ffmpeg)");
    assert!(
        out.status.success(),
        "ffprobe failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        v => v.as_f64().unwrap(),
    }
}

/// Top-level box types of an MP4 file, in order.
fn top_level_boxes(path: &Path) -> Vec<String> {
    let data = std::fs::read(path).unwrap();
    let (mut boxes, mut pos) = (Vec::new(), 0usize);
    while pos + 8 <= data.len() {
        let size = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as u64;
        let size = match size {
            0 => (data.len() - pos) as u64,
            1 => u64::from_be_bytes(data[pos + 8..pos + 16].try_into().unwrap()),
            s => s,
        };
        boxes.push(String::from_utf8_lossy(&data[pos + 4..pos + 8]).into_owned());
        pos += size.max(8) as usize;
    }
    boxes
}

/// Checks an MP4 with ffprobe: H.264, yuv420p, size, exact frame count and
/// duration, moov before mdat. Returns the stream's frame rate.
fn check_mp4(path: &Path, w: u32, h: u32, frames: u64, fps: u32) {
    let probe = ffprobe(path);
    let streams = probe["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 1, "{probe}");
    let s = &streams[0];
    assert_eq!(s["codec_name"], "h264", "{s}");
    assert_eq!(s["pix_fmt"], "yuv420p", "{s}");
    assert_eq!(s["width"], w);
    assert_eq!(s["height"], h);
    assert_eq!(num(&s["nb_read_frames"]) as u64, frames, "{s}");
    assert_eq!(s["r_frame_rate"], format!("{fps}/1"), "{s}");
    let want = frames as f64 / fps as f64;
    assert!((num(&s["duration"]) - want).abs() < 1e-3, "{s}");
    assert!(
        (num(&probe["format"]["duration"]) - want).abs() < 1e-3,
        "{}",
        probe["format"]
    );
    let boxes = top_level_boxes(path);
    let moov = boxes.iter().position(|b| b == "moov").expect("moov");
    let mdat = boxes.iter().position(|b| b == "mdat").expect("mdat");
    assert!(moov < mdat, "moov after mdat: {boxes:?}");
}

/// Files in the output directory whose name contains `needle`.
fn files_with(needle: &str) -> Vec<String> {
    std::fs::read_dir(out_dir())
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(needle))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn example_batch_renders_valid_mp4s() {
    let body = example_batch();
    let shared = json!({
        "fps": 30, "duration": 2, "resolution": "320x180",
        "output": { "quality": "draft", "thumbnail": true }
    });
    let events = Arc::new(Mutex::new(Vec::<ProgressEvent>::new()));
    let ev = events.clone();
    let mut options = BatchOptions::with_progress(move |e| {
        ev.lock().unwrap().push(e.clone());
        Flow::Continue
    });
    options.job_ids = ids("example", 3);
    let handle = engine()
        .render_batch_with(
            body["jobs"].as_array().unwrap(),
            Some(&georender::job::merge(&body["shared_options"], &shared)),
            options,
        )
        .unwrap();
    let status = handle.wait();
    assert_eq!(status.status, BatchState::Complete);
    assert_eq!((status.completed, status.failed, status.total), (3, 0, 3));
    let expected_routes = [
        ("sea", vec!["suez"]),
        ("sea", vec!["malacca"]),
        ("manual", vec![]),
    ];
    for (job, (mode, passages)) in status.jobs.iter().zip(expected_routes) {
        assert_eq!(job.status, JobStatus::Complete, "{job:?}");
        let video = job.video.as_ref().unwrap();
        assert_eq!(video.path, out_dir().join(format!("{}.mp4", job.job_id)));
        assert!(video.url.starts_with("file:///") && video.url.ends_with(".mp4"));
        check_mp4(&video.path, 320, 180, 60, 30);
        assert_eq!(job.frames, Some(60));
        assert_eq!(job.fps, Some(30));
        assert_eq!(job.duration_seconds, Some(2.0));
        assert_eq!(job.resolution.as_deref(), Some("320x180"));
        assert_eq!(
            job.file_size_bytes,
            Some(std::fs::metadata(&video.path).unwrap().len())
        );
        let thumb = std::fs::read(&job.thumbnail.as_ref().unwrap().path).unwrap();
        assert_eq!(&thumb[..3], &[0xFF, 0xD8, 0xFF], "thumbnail is not a JPEG");
        let route = job.route.as_ref().unwrap();
        assert_eq!(route.mode, mode);
        assert_eq!(route.passages, passages);
        assert!(route.distance_km > 1000.0);
        assert!(job.render_seconds.unwrap() > 0.0);
        assert!(job.error.is_none() && job.message.is_none());
    }
    assert!(files_with("example")
        .iter()
        .all(|f| f.ends_with(".mp4") || f.ends_with(".jpg")));

    // Events: started, 60 frames and ended per job, then one batch_ended last.
    let events = events.lock().unwrap();
    for i in 0..3 {
        let of_job = |kind: &str| {
            events
                .iter()
                .filter(|e| e.job_index() == Some(i))
                .filter(|e| serde_json::to_value(e).unwrap()["event"] == kind)
                .count()
        };
        assert_eq!(of_job("job_started"), 1);
        assert_eq!(of_job("frame"), 60);
        assert_eq!(of_job("job_ended"), 1);
    }
    let last = events.last().unwrap();
    assert!(matches!(last, ProgressEvent::BatchEnded { status } if status.completed == 3));
    let frame = events
        .iter()
        .find(|e| matches!(e, ProgressEvent::Frame { frame: 60, .. }))
        .unwrap();
    let v = serde_json::to_value(frame).unwrap();
    assert_eq!(v["total"], 60);
    assert_eq!(v["eta_seconds"], 0.0);
    remove_outputs("example-");
}

/// Removes a test's outputs once it has passed.
fn remove_outputs(prefix: &str) {
    for f in files_with(prefix) {
        let _ = std::fs::remove_file(out_dir().join(f));
    }
}

#[test]
fn truck_across_the_channel_fails_alone() {
    let small = json!({ "duration": 1, "resolution": "256x144", "output": { "quality": "draft", "thumbnail": false } });
    let jobs = [
        json!({ "waypoints": [{ "lat": 52.52, "lng": 13.405, "label": "Berlin" },
                              { "lat": 48.137, "lng": 11.575, "label": "Munich" }],
                "transport": "truck" }),
        json!({ "waypoints": [{ "lat": 51.507, "lng": -0.128, "label": "London" },
                              { "lat": 48.857, "lng": 2.352, "label": "Paris" }],
                "transport": "truck" }),
        json!({ "waypoints": [{ "lat": 51.47, "lng": -0.45 }, { "lat": 40.64, "lng": -73.78 }],
                "transport": "plane", "style": "minimal" }),
    ];
    let options = BatchOptions {
        job_ids: ids("truck", 3),
        ..Default::default()
    };
    let handle = engine()
        .render_batch_with(&jobs, Some(&small), options)
        .unwrap();
    let status = handle.wait();
    let v = serde_json::to_value(&status).unwrap();
    assert_eq!(v["status"], "complete");
    assert_eq!(v["batch_id"], handle.id());
    assert_eq!(
        (
            &v["total"],
            &v["completed"],
            &v["failed"],
            &v["processing"],
            &v["queued"]
        ),
        (&json!(3), &json!(2), &json!(1), &json!(0), &json!(0))
    );
    let failed = &v["jobs"][1];
    assert_eq!(failed["job_id"], "truck-1");
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"], "ROAD_ROUTE_ERROR");
    assert_eq!(failed["message"], "No road found between waypoints");
    assert!(failed.get("video").is_none());
    for i in [0, 2] {
        let job = &v["jobs"][i];
        assert_eq!(job["status"], "complete", "{job}");
        for key in [
            "job_id",
            "video",
            "duration_seconds",
            "resolution",
            "fps",
            "frames",
            "file_size_bytes",
            "route",
            "render_seconds",
        ] {
            assert!(job.get(key).is_some(), "{key} missing in {job}");
        }
        assert!(job.get("thumbnail").is_none(), "thumbnail was off: {job}");
        assert!(job.get("error").is_none());
        assert_eq!(job["resolution"], "256x144");
        assert_eq!(job["frames"], 30);
    }
    assert_eq!(v["jobs"][0]["route"]["mode"], "road");
    assert!(files_with("truck-1").is_empty());
    assert_eq!(
        handle.job_error(1).map(|e| e.code()),
        Some(ErrorCode::RoadRouteError)
    );
    // The status round-trips through JSON.
    let back: georender::BatchStatus = serde_json::from_value(v).unwrap();
    assert_eq!(back, status);
    remove_outputs("truck-");
}

#[test]
fn job_options_override_shared_ones_in_a_real_render() {
    let shared = json!({
        "fps": 24, "duration": 1, "resolution": "256x144",
        "output": { "quality": "draft", "thumbnail": true },
        "hud": { "title": "shared", "stats": { "units": "km" } }
    });
    let wp = json!([{ "lat": 31.2653, "lng": 32.3019 }, { "lat": 12.5833, "lng": 43.3333 }]);
    let jobs = [
        json!({ "waypoints": wp, "fps": 30, "output": { "thumbnail": false },
                "hud": { "stats": { "units": "nm" } } }),
        json!({ "waypoints": wp, "resolution": "320x180" }),
    ];
    let options = BatchOptions {
        job_ids: ids("merge", 2),
        ..Default::default()
    };
    let status = engine()
        .render_batch_with(&jobs, Some(&shared), options)
        .unwrap()
        .wait();
    assert_eq!(status.completed, 2, "{status:?}");
    let (a, b) = (&status.jobs[0], &status.jobs[1]);
    // Job 0: its fps and thumbnail win; shared quality/resolution/duration kept.
    assert_eq!(a.fps, Some(30));
    assert!(a.thumbnail.is_none());
    check_mp4(&a.video.as_ref().unwrap().path, 256, 144, 30, 30);
    // Job 1: shared fps, its own resolution, the shared thumbnail setting.
    assert_eq!(b.fps, Some(24));
    assert!(b.thumbnail.is_some());
    check_mp4(&b.video.as_ref().unwrap().path, 320, 180, 24, 24);
    remove_outputs("merge-");
}

#[test]
fn cancel_mid_job_leaves_no_files() {
    let job = json!({
        "waypoints": [{ "lat": 1.2644, "lng": 103.84 }, { "lat": 35.4437, "lng": 139.638 }],
        "transport": "ship", "duration": 20, "resolution": "256x144",
        "output": { "quality": "draft" }
    });
    // 1. The handle cancels while frames are being encoded.
    let frames_seen = Arc::new(AtomicUsize::new(0));
    let seen = frames_seen.clone();
    let mut options = BatchOptions::with_progress(move |e| {
        if matches!(e, ProgressEvent::Frame { .. }) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
        Flow::Continue
    });
    options.job_ids = Some(vec!["cancel-handle".into(), "cancel-queued".into()]);
    let handle = engine()
        .render_batch_with(&[job.clone(), job.clone()], None, options)
        .unwrap();
    while frames_seen.load(Ordering::SeqCst) < 5 {
        assert!(!handle.is_done(), "{:?}", handle.status());
        std::thread::sleep(Duration::from_millis(10));
    }
    let mid = handle.status();
    assert_eq!(mid.status, BatchState::Processing);
    assert_eq!(mid.jobs[0].status, JobStatus::Processing);
    assert!(mid.jobs[0].progress.is_some());
    handle.cancel();
    let status = handle
        .wait_timeout(Duration::from_secs(60))
        .expect("cancel is quick");
    assert_eq!(status.cancelled, 2, "{status:?}");
    for job in &status.jobs {
        assert_eq!(job.status, JobStatus::Cancelled);
        assert_eq!(job.error, Some(ErrorCode::Cancelled));
        assert!(job.video.is_none());
    }
    assert!(frames_seen.load(Ordering::SeqCst) < 600);
    assert!(
        files_with("cancel-").is_empty(),
        "{:?}",
        files_with("cancel-")
    );

    // 2. The progress callback cancels its job through its return value.
    let mut options = BatchOptions::with_progress(|e| match e {
        ProgressEvent::Frame { frame: 3, .. } => Flow::CancelJob,
        _ => Flow::Continue,
    });
    options.job_ids = Some(vec!["cancel-callback".into()]);
    let parsed = georender::job::job_from_value(&job).unwrap();
    let err = engine().render_with(&parsed, options).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert!(
        files_with("cancel-").is_empty(),
        "{:?}",
        files_with("cancel-")
    );
}

#[test]
fn unwritable_output_dir_is_encode_failed_with_the_path() {
    // A directory below a regular file can never be created (even by root).
    let file = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("engine-not-a-dir-{}", std::process::id()));
    std::fs::write(&file, b"x").unwrap();
    let dir = file.join("renders");
    let engine = Engine::new(EngineSettings {
        output_dir: dir.clone(),
        concurrency: 1,
        ..EngineSettings::default()
    })
    .unwrap();
    let job = georender::job::parse_job(
        r#"{"waypoints": [{"lat": 0, "lng": 0}, {"lat": 1, "lng": 1}], "duration": 1}"#,
    )
    .unwrap();
    let err = engine.render(&job).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EncodeFailed);
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );
    let err = engine
        .render_batch(
            &[json!({"waypoints": [{"lat": 0, "lng": 0}, {"lat": 1, "lng": 1}]})],
            None,
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::EncodeFailed);
    assert!(err.to_string().contains(&dir.display().to_string()));
    let _ = std::fs::remove_file(&file);
}

#[test]
fn gif_and_png_outputs_are_moved_into_place() {
    let jobs = [
        json!({ "waypoints": [{ "lat": 51.47, "lng": -0.45 }, { "lat": 40.64, "lng": -73.78 }],
                "transport": "plane", "output": { "format": "gif" } }),
        json!({ "waypoints": [{ "lat": 51.47, "lng": -0.45 }, { "lat": 40.64, "lng": -73.78 }],
                "transport": "plane", "output": { "format": "png", "thumbnail": false } }),
    ];
    let shared = json!({ "duration": 1, "fps": 24, "resolution": "128x72" });
    let options = BatchOptions {
        job_ids: ids("format", 2),
        ..Default::default()
    };
    let status = engine()
        .render_batch_with(&jobs, Some(&shared), options)
        .unwrap()
        .wait();
    assert_eq!(status.completed, 2, "{status:?}");
    let gif = &status.jobs[0].video.as_ref().unwrap().path;
    assert_eq!(gif, &out_dir().join("format-0.gif"));
    assert_eq!(&std::fs::read(gif).unwrap()[..6], b"GIF89a");
    assert!(status.jobs[0].thumbnail.is_some());
    let png_dir = &status.jobs[1].video.as_ref().unwrap().path;
    assert_eq!(png_dir, &out_dir().join("format-1"));
    let frames = std::fs::read_dir(png_dir).unwrap().count();
    assert_eq!(frames, 24);
    assert_eq!(status.jobs[1].frames, Some(24));
    assert!(png_dir.join("frame_00001.png").is_file());
    assert!(files_with("format-").iter().all(|f| !f.contains(".part")));
    let _ = std::fs::remove_dir_all(png_dir);
    remove_outputs("format-");
}

/// A progress callback may render on the engine that calls it: at concurrency
/// 1 the only worker is the one running the callback, so the nested render
/// runs on it instead of waiting for it (formerly a deadlock).
#[test]
fn a_progress_callback_can_render_on_its_own_engine() {
    let dir = out_dir().join("nested");
    // An engine of its own: a regression would stall its only worker.
    let engine = Engine::new(EngineSettings {
        output_dir: dir.clone(),
        concurrency: 1,
        ..EngineSettings::default()
    })
    .unwrap();
    let small = json!({
        "waypoints": [{ "lat": 51.47, "lng": -0.45 }, { "lat": 48.85, "lng": 2.35 }],
        "duration": 1, "fps": 24, "resolution": "160x90",
        "output": { "quality": "draft", "thumbnail": false }
    });
    let inner = georender::job::job_from_value(&small).unwrap();
    let nested = Arc::new(Mutex::new(None));
    let (e, slot) = (engine.clone(), nested.clone());
    let mut options = BatchOptions::with_progress(move |ev| {
        if let ProgressEvent::JobStarted { .. } = ev {
            let mut slot = slot.lock().unwrap();
            if slot.is_none() {
                let o = BatchOptions {
                    job_ids: Some(vec!["nested-inner".into()]),
                    ..Default::default()
                };
                *slot = Some(e.render_with(&inner, o));
            }
        }
        Flow::Continue
    });
    options.job_ids = Some(vec!["nested-outer".into()]);
    let handle = engine
        .render_batch_with(std::slice::from_ref(&small), None, options)
        .unwrap();
    let status = handle
        .wait_timeout(Duration::from_secs(300))
        .expect("the outer job ends (no deadlock)");
    assert_eq!(status.completed, 1, "{status:?}");
    let inner = nested
        .lock()
        .unwrap()
        .take()
        .expect("the callback rendered");
    let inner = inner.expect("the nested render succeeds");
    assert_eq!(inner.status, JobStatus::Complete);
    assert_eq!(inner.frames, Some(24));
    assert!(dir.join("nested-inner.mp4").is_file());
    assert!(dir.join("nested-outer.mp4").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}
