//! Golden frames: every style on the three example jobs at the start, middle and
//! end, plus each vehicle icon, at 320×180, and the zoomed-in Suez job at 640×360
//! (one-sample tiles on software GPUs), compared with `tests/golden/*.png`
//! (per-pixel tolerance and a pixel budget). `GEORENDER_UPDATE_GOLDEN=1`
//! regenerates them; a failure writes `<name>.actual.png` and `<name>.diff.png`.

mod render_util;

use render_util::{check_golden, example, plan, renderer, EXAMPLES};
use serde_json::json;

fn run(cases: &[(String, serde_json::Value, &str)]) {
    let mut failures = Vec::new();
    for (name, patch, job_name) in cases {
        let job = example(job_name, patch.clone());
        let route = plan(&job);
        let mut prepared = renderer().prepare(&job, &route).unwrap();
        let times = [0.0, job.duration / 2.0, job.duration - 1.0 / job.fps as f64];
        for (label, t) in ["start", "middle", "end"].iter().zip(times) {
            let frame = prepared.render_frame(t).unwrap();
            if let Err(e) = check_golden(&format!("{name}-{label}"), &frame) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn styles_of(job_name: &str) {
    let cases: Vec<_> = georender::style::NAMES
        .iter()
        .map(|style| {
            (
                format!("{job_name}-{style}"),
                json!({"resolution": "320x180", "style": style}),
                job_name,
            )
        })
        .collect();
    run(&cases);
}

#[test]
fn golden_suez_all_styles() {
    styles_of(EXAMPLES[0]);
}

#[test]
fn golden_singapore_tokyo_all_styles() {
    styles_of(EXAMPLES[1]);
}

#[test]
fn golden_london_new_york_all_styles() {
    styles_of(EXAMPLES[2]);
}

#[test]
fn golden_vehicle_icons() {
    let cases: Vec<_> = ["plane", "ship", "truck"]
        .iter()
        .map(|icon| {
            (
                format!("icon-{icon}"),
                json!({"resolution": "320x180", "style": "standard", "duration": 4,
                       "route_style": {"vehicle_icon": icon}}),
                "london-new-york",
            )
        })
        .collect();
    run(&cases);
}

#[test]
fn golden_hillshade_and_captions() {
    let cases = vec![(
        "extras-hillshade".to_string(),
        json!({"resolution": "320x180", "style": "standard", "terrain": {"hillshade": true},
               "hud": {"progress_bar": true, "title": "Hillshade",
                       "stats": {"position": "bottom-right", "show_elapsed": true}},
               "text_overlays": [{"text": "Across the Atlantic", "start": 0, "end": 12,
                                  "position": "center"}]}),
        "london-new-york",
    )];
    run(&cases);
}

#[test]
fn golden_detailed_levels() {
    // Zoomed in on the canal (its lakes included): on a software GPU these
    // levels are drawn with one sample and lake shores in edge mode.
    let cases: Vec<_> = ["standard", "geopolitics"]
        .iter()
        .map(|style| {
            (
                format!("detail-suez-{style}"),
                json!({"resolution": "640x360", "style": style}),
                "suez",
            )
        })
        .collect();
    run(&cases);
}
