//! Property tests: whatever the input, parsing never panics and returns either
//! a job or a VALIDATION_ERROR with at least one well-formed issue.

use georender::job::{self, Job};
use georender::{ErrorCode, Result};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const CODES: &[&str] = &[
    "required",
    "out_of_range",
    "invalid_type",
    "invalid_value",
    "unknown_field",
    "not_finite",
    "too_few",
    "too_many",
    "too_long",
    "invalid_format",
    "not_supported",
];

/// Keys the schema knows, so random objects often hit real fields.
const KEYS: &[&str] = &[
    "waypoints",
    "mode",
    "style",
    "duration",
    "resolution",
    "fps",
    "transport",
    "route",
    "route_style",
    "camera",
    "hud",
    "text_overlays",
    "terrain",
    "output",
    "multi_route",
    "region_focus",
    "country_data",
    "template_id",
    "webhook_url",
    "lat",
    "lng",
    "label",
    "dwell",
    "emphasis",
    "camera_zoom_override",
    "camera_hold_seconds",
    "avoid",
    "allow_arctic",
    "color",
    "width",
    "opacity",
    "vehicle_icon",
    "trail",
    "preset",
    "intensity",
    "projection",
    "start_zoom",
    "tilt",
    "ease",
    "start_focus_waypoint",
    "stats",
    "position",
    "units",
    "title",
    "text",
    "start",
    "end",
    "format",
    "quality",
    "origin",
    "routes",
    "values",
    "bbox",
    "region",
    "label_offset",
    "jobs",
    "shared_options",
    "zzz",
];

/// A string leaf that the text tests turn into an overflowing number literal.
const INF: &str = "@INF@";

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (-200.0f64..200.0).prop_map(|f| json!(f)),
        (0u32..700).prop_map(|n| json!(n)),
        "[a-z0-9_#x-]{0,12}".prop_map(Value::String),
        "\\PC{0,90}".prop_map(Value::String),
        prop::sample::select(vec![
            "maritime-dark",
            "satellite",
            "ship",
            "car",
            "auto",
            "1080p",
            "1921x1080",
            "64x64",
            "#00FF00",
            "globe",
            "mercator",
            "suez",
            "hormuz",
            "multi_route",
            "region_focus",
            "country_data",
            "chokepoint",
            "nm",
            "top-left",
            INF,
        ])
        .prop_map(|s| json!(s)),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

fn valid_job() -> Value {
    json!({
        "waypoints": [
            {"lat": 31.26, "lng": 32.30, "label": "Port Said", "dwell": 0.5},
            {"lat": 29.97, "lng": 32.55, "label": "Suez", "emphasis": "chokepoint"},
            {"lat": 12.58, "lng": 43.33, "label": "Bab el-Mandeb"}
        ],
        "style": "maritime-dark", "duration": 20, "resolution": "1080p", "fps": 30,
        "transport": "ship",
        "route": {"mode": "sea", "avoid": ["panama"], "allow_arctic": false},
        "route_style": {"color": "#00E5FF", "width": 3, "opacity": 0.9, "vehicle_icon": "ship", "trail": "progressive"},
        "camera": {"preset": "canal_bottleneck", "intensity": "bold", "start_zoom": 4, "tilt": 10,
                   "start_focus_waypoint": "Suez", "chokepoint_punch_in": true},
        "hud": {"stats": {"position": "top-left", "units": "nm"}, "progress_bar": true, "title": "Suez"},
        "text_overlays": [{"text": "Day 1", "start": 1, "end": 5}],
        "terrain": {"hillshade": true},
        "output": {"format": "mp4", "quality": "draft", "thumbnail": true, "credits": true}
    })
}

/// Every path (as key/index steps) inside `v`.
fn paths(v: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                prefix.push(json!(k));
                paths(c, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                prefix.push(json!(i));
                paths(c, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, step| match step {
        Value::String(k) => &mut v[k.as_str()],
        Value::Number(i) => &mut v[i.as_u64().unwrap() as usize],
        _ => unreachable!(),
    })
}

/// Applies mutation `kind` with `value` at the `pick`-th path of the valid job.
fn mutate(pick: prop::sample::Index, kind: u8, value: Value) -> Value {
    let mut v = valid_job();
    let mut all = Vec::new();
    paths(&v, &mut Vec::new(), &mut all);
    let path = pick.get(&all).clone();
    let target = at(&mut v, &path);
    match kind {
        0 => *target = value,
        1 => {
            if let Value::Object(m) = target {
                m.insert("zzz_unknown".into(), value);
            } else {
                *target = value;
            }
        }
        2 => {
            if let Value::Object(m) = target {
                if let Some(k) = m.keys().next().cloned() {
                    m.remove(&k);
                }
            } else if let Value::Array(a) = target {
                a.pop();
            }
        }
        _ => {
            if let Value::Array(a) = target {
                a.push(value);
            } else {
                *target = value;
            }
        }
    }
    v
}

fn check(r: &Result<Job>) {
    if let Err(e) = r {
        assert_eq!(e.code(), ErrorCode::ValidationError, "{e}");
        assert!(!e.issues().is_empty(), "validation error without issues");
        for i in e.issues() {
            assert!(CODES.contains(&i.code.as_str()), "unexpected code {i:?}");
            assert!(!i.message.is_empty(), "{i:?}");
        }
    }
}

fn check_batch(r: &Result<Vec<Job>>) {
    if let Err(e) = r {
        assert!(
            matches!(
                e.code(),
                ErrorCode::ValidationError | ErrorCode::BatchTooLarge
            ),
            "{e}"
        );
        if e.code() == ErrorCode::ValidationError {
            assert!(!e.issues().is_empty());
            for i in e.issues() {
                assert!(CODES.contains(&i.code.as_str()), "unexpected code {i:?}");
            }
        }
    }
}

/// JSON text of `v` with every `INF` string leaf written as an overflowing number.
fn text_with_overflow(v: &Value) -> String {
    v.to_string().replace(&format!("\"{INF}\""), "-1e999")
}

#[test]
fn the_valid_job_is_valid() {
    job::job_from_value(&valid_job()).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_values_never_panic(v in arb_json()) {
        check(&job::job_from_value(&v));
        check(&job::parse_job(&text_with_overflow(&v)));
    }

    #[test]
    fn random_text_never_panics(s in "\\PC{0,200}") {
        check(&job::parse_job(&s));
        check_batch(&job::parse_batch(&s, 25));
    }

    #[test]
    fn mutated_jobs_never_panic(pick in any::<prop::sample::Index>(), kind in 0u8..4, value in arb_json()) {
        let v = mutate(pick, kind, value);
        let r = job::job_from_value(&v);
        check(&r);
        let text = text_with_overflow(&v);
        let from_text = job::parse_job(&text);
        check(&from_text);
        if text.contains("1e999") {
            prop_assert!(from_text.is_err(), "an overflowing number is never valid");
        }
        // A valid job serialises to valid job JSON.
        if let Ok(j) = &r {
            let again = job::job_from_value(&serde_json::to_value(j).unwrap());
            prop_assert!(again.is_ok(), "{:?}", again.err());
        }
    }

    #[test]
    fn random_batches_never_panic(
        jobs in prop::collection::vec(prop_oneof![arb_json(), Just(valid_job())], 0..5),
        shared in prop_oneof![Just(None), arb_json().prop_map(Some), Just(Some(json!({"fps": 60})))],
    ) {
        check_batch(&job::batch_from_values(&jobs, shared.as_ref(), 3));
        let mut body = json!({"jobs": jobs});
        if let Some(s) = shared {
            body["shared_options"] = s;
        }
        check_batch(&job::parse_batch(&text_with_overflow(&body), 3));
    }
}
