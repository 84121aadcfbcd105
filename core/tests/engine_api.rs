//! The engine's API without rendering: whole-batch validation up front, limits,
//! ids, and the JSON shape of results, statuses and events.

use georender::engine::{
    BatchOptions, BatchStatus, Engine, EngineSettings, Flow, JobResult, JobStatus, ProgressEvent,
};
use georender::ErrorCode;
use serde_json::json;

fn engine(limit: usize) -> Engine {
    Engine::new(EngineSettings {
        output_dir: std::env::temp_dir().join(format!("georender-api-{}", std::process::id())),
        concurrency: 1,
        batch_limit: limit,
        url_base: None,
    })
    .unwrap()
}

fn job() -> serde_json::Value {
    json!({ "waypoints": [{ "lat": 0, "lng": 0 }, { "lat": 1, "lng": 1 }] })
}

#[test]
fn invalid_batch_lists_every_issue_and_runs_nothing() {
    let jobs = [
        job(),
        json!({ "waypoints": [{ "lat": 91, "lng": 0 }, { "lat": 1, "lng": 1 }], "style": "neon" }),
        json!({ "waypoints": [{ "lat": 0, "lng": 0 }] , "fps": 31 }),
    ];
    let err = engine(25)
        .render_batch(&jobs, Some(&json!({ "duration": 0 })))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ValidationError);
    let fields: Vec<&str> = err.issues().iter().map(|i| i.field.as_str()).collect();
    for f in [
        "shared_options.duration",
        "jobs[1].waypoints[0].lat",
        "jobs[1].style",
        "jobs[2].fps",
    ] {
        assert!(fields.contains(&f), "{f} not in {fields:?}");
    }
}

#[test]
fn too_many_jobs_is_batch_too_large() {
    let jobs = vec![job(); 4];
    let err = engine(3).render_batch(&jobs, None).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BatchTooLarge);
    assert_eq!(engine(0).settings().batch_limit, 25);
    let body = json!({ "jobs": vec![job(); 26] });
    let err = engine(0)
        .render_batch_value(&body, BatchOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::BatchTooLarge);
}

#[test]
fn job_ids_are_checked() {
    let e = engine(25);
    for ids in [
        vec!["a".to_string(), "a".to_string()],
        vec!["../x".to_string(), "b".to_string()],
        vec!["only-one".to_string()],
    ] {
        let options = BatchOptions {
            job_ids: Some(ids.clone()),
            ..Default::default()
        };
        let err = e
            .render_batch_with(&[job(), job()], None, options)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationError, "{ids:?}");
    }
}

#[test]
fn settings_have_sensible_defaults_and_deserialize() {
    let s = EngineSettings::default();
    assert!(s.concurrency >= 1);
    assert_eq!(s.batch_limit, 25);
    let s: EngineSettings = serde_json::from_value(json!({ "output_dir": "/tmp/x" })).unwrap();
    assert_eq!(s.output_dir, std::path::PathBuf::from("/tmp/x"));
    assert!(serde_json::from_value::<EngineSettings>(json!({ "nope": 1 })).is_err());
}

#[test]
fn results_statuses_and_events_are_plain_json() {
    let mut done = JobResult::queued("job_a", 0);
    done.status = JobStatus::Complete;
    done.fps = Some(30);
    let mut failed = JobResult::queued("job_b", 1);
    failed.status = JobStatus::Failed;
    failed.error = Some(ErrorCode::RoadRouteError);
    failed.message = Some("No road found between waypoints".into());
    let status = BatchStatus::from_jobs("batch_x", vec![done, failed, JobResult::queued("c", 2)]);
    let v = serde_json::to_value(&status).unwrap();
    assert_eq!(v["status"], "processing");
    assert_eq!(
        (&v["completed"], &v["failed"], &v["queued"], &v["total"]),
        (&json!(1), &json!(1), &json!(1), &json!(3))
    );
    assert_eq!(
        v["jobs"][1],
        json!({ "job_id": "job_b", "index": 1, "status": "failed",
                "error": "ROAD_ROUTE_ERROR", "message": "No road found between waypoints" })
    );
    assert_eq!(
        v["jobs"][2],
        json!({ "job_id": "c", "index": 2, "status": "queued" })
    );
    assert_eq!(serde_json::from_value::<BatchStatus>(v).unwrap(), status);

    let ended = ProgressEvent::JobEnded {
        batch_id: "batch_x".into(),
        result: Box::new(status.jobs[1].clone()),
    };
    let v = serde_json::to_value(&ended).unwrap();
    assert_eq!(v["event"], "job_ended");
    assert_eq!(v["status"], "failed");
    assert_eq!(v["error"], "ROAD_ROUTE_ERROR");
    assert_eq!(serde_json::from_value::<ProgressEvent>(v).unwrap(), ended);
    let frame = ProgressEvent::Frame {
        batch_id: "b".into(),
        job_id: "j".into(),
        index: 0,
        frame: 1,
        total: 2,
        eta_seconds: 0.5,
    };
    let v = serde_json::to_value(&frame).unwrap();
    assert_eq!(v["event"], "frame");
    assert_eq!(serde_json::from_value::<ProgressEvent>(v).unwrap(), frame);
    let ended = ProgressEvent::BatchEnded { status };
    let v = serde_json::to_value(&ended).unwrap();
    assert_eq!(v["event"], "batch_ended");
    assert_eq!(v["batch_id"], "batch_x");
    assert_eq!(serde_json::from_value::<ProgressEvent>(v).unwrap(), ended);
    assert_eq!(
        serde_json::to_value(Flow::CancelBatch).unwrap(),
        "cancel_batch"
    );
}
