//! The schema walk: reads a job's `serde_json::Value` field by field, records
//! every issue with its path, and builds the resolved [`Job`] alongside. The
//! job is only handed out when no issue was found.

use super::ctx::*;
use super::enums::*;
use super::modes::{country_data, multi_route, region_focus};
use super::resolution::Resolution;
use super::sections::*;
use super::types::*;
use crate::error::Issue;
use serde_json::{Map, Value};

/// Top-level fields of a job.
pub(crate) const JOB_FIELDS: &[&str] = &[
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
];

const WAYPOINT_FIELDS: &[&str] = &[
    "lat",
    "lng",
    "label",
    "dwell",
    "emphasis",
    "camera_zoom_override",
    "camera_hold_seconds",
];

/// Walks one job. In partial mode (`shared_options`) `waypoints` is refused and
/// required fields and checks across fields are skipped.
pub(crate) fn build_job(ctx: &mut Ctx, v: &Value) -> Job {
    let empty = Map::new();
    let m = object(ctx, v, JOB_FIELDS).unwrap_or(&empty);

    let mode_given = m.get("mode").is_some_and(|v| !v.is_null());
    let mode_read = opt(ctx, m, "mode", named::<Mode>);
    let mode = mode_read.unwrap_or_default();
    let waypoints = if ctx.partial {
        if m.contains_key("waypoints") {
            ctx.key("waypoints", |ctx| {
                ctx.report(
                    Issue::new(
                        "",
                        "not_supported",
                        "`waypoints` cannot be shared; give them in each job",
                    )
                    .suggest("move `waypoints` into every job"),
                );
            });
        }
        Vec::new()
    } else if mode == Mode::RouteAnimation {
        req(ctx, m, "waypoints", |c, v| waypoints(c, v, MIN_WAYPOINTS)).unwrap_or_default()
    } else {
        opt(ctx, m, "waypoints", |c, v| waypoints(c, v, 0)).unwrap_or_default()
    };

    let style = opt(ctx, m, "style", named::<Style>).unwrap_or_default();
    let duration_read = opt(ctx, m, "duration", |c, v| {
        number_in(c, v, MIN_DURATION, MAX_DURATION)
    });
    let duration_known = duration_read.is_some() || m.get("duration").is_none_or(Value::is_null);
    let duration = duration_read.unwrap_or(DEFAULT_DURATION);
    // Checks against the duration run only on whole jobs with a valid duration.
    let limit = (!ctx.partial && duration_known).then_some(duration);
    let resolution = opt(ctx, m, "resolution", resolution_value).unwrap_or_default();
    let fps = opt(ctx, m, "fps", fps_value).unwrap_or(DEFAULT_FPS);
    let transport = opt(ctx, m, "transport", named::<Transport>).unwrap_or_default();
    let route = opt(ctx, m, "route", route_options).unwrap_or_default();
    let route_style = opt(ctx, m, "route_style", route_style_options).unwrap_or_default();
    let camera = opt(ctx, m, "camera", camera_options).unwrap_or_default();
    let hud = opt(ctx, m, "hud", hud_options).unwrap_or_default();
    let text_overlays = opt(ctx, m, "text_overlays", |c, v| {
        text_overlays(c, v, duration, limit)
    })
    .unwrap_or_default();
    let terrain = opt(ctx, m, "terrain", terrain_options).unwrap_or_default();
    let output = opt(ctx, m, "output", output_options).unwrap_or_default();
    let multi_route = opt(ctx, m, "multi_route", |c, v| multi_route(c, v, limit));
    let region_focus = opt(ctx, m, "region_focus", region_focus);
    let country_data = opt(ctx, m, "country_data", country_data);
    let template_id = opt(ctx, m, "template_id", |c, v| text(c, v, 128));
    let webhook_url = opt(ctx, m, "webhook_url", url);

    let job = Job {
        mode,
        waypoints,
        style,
        duration,
        resolution,
        fps,
        transport,
        route,
        route_style,
        camera,
        hud,
        text_overlays,
        terrain,
        output,
        multi_route,
        region_focus,
        country_data,
        template_id,
        webhook_url,
        source: v.clone(),
    };
    if !ctx.partial && (mode_read.is_some() || !mode_given) {
        mode_objects(ctx, m, mode);
    }
    if limit.is_some() {
        dwell_total(ctx, &job);
    }
    if !ctx.partial {
        focus_waypoint(ctx, &job);
    }
    job
}

fn resolution_value(ctx: &mut Ctx, v: &Value) -> Option<Resolution> {
    let Value::String(s) = v else {
        wrong_type(
            ctx,
            v,
            "a resolution string like \"1080p\" or \"1920x1080\"",
        );
        return None;
    };
    if super::json::non_finite_token(v).is_some() {
        wrong_type(ctx, v, "a resolution string");
        return None;
    }
    match Resolution::parse(s) {
        Ok(r) => Some(r),
        Err(e) => {
            ctx.report(
                Issue::new("", e.code, e.message)
                    .suggest("use 720p, 1080p, 4k, or WxH with even sides between 64 and 7680")
                    .options(&Resolution::OPTIONS),
            );
            None
        }
    }
}

fn fps_value(ctx: &mut Ctx, v: &Value) -> Option<u32> {
    let x = number(ctx, v)?;
    match FPS_OPTIONS.iter().find(|f| **f as f64 == x) {
        Some(f) => Some(*f),
        None => {
            let options: Vec<String> = FPS_OPTIONS.iter().map(u32::to_string).collect();
            ctx.report(
                Issue::new(
                    "",
                    "invalid_value",
                    format!("fps must be one of 24, 25, 30, 50, 60, got {x}"),
                )
                .suggest("use 30 (the default) or 60 for smooth motion")
                .options(&options),
            );
            None
        }
    }
}

pub(crate) fn url(ctx: &mut Ctx, v: &Value) -> Option<String> {
    let s = string(ctx, v, 2048)?;
    let ok = (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > "https://".len()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        ctx.report(
            Issue::new("", "invalid_format", format!("`{s}` is not an http(s) URL"))
                .suggest("use an absolute URL such as https://example.com/hook"),
        );
        return None;
    }
    Some(s)
}

/// `waypoints`: `min..=100` waypoint objects.
fn waypoints(ctx: &mut Ctx, v: &Value, min: usize) -> Option<Vec<Waypoint>> {
    let before = ctx.count();
    let items = array(ctx, v, min, MAX_WAYPOINTS, "waypoints")?;
    if items.len() < min && before != ctx.count() {
        if let Some(last) = ctx.found.last_mut() {
            last.issue.suggestion =
                Some("a route needs a start and a destination: add another waypoint".into());
        }
    }
    Some(each(ctx, items, waypoint))
}

fn waypoint(ctx: &mut Ctx, v: &Value) -> Option<Waypoint> {
    let m = object(ctx, v, WAYPOINT_FIELDS)?;
    let lat = req(ctx, m, "lat", latitude);
    let lng = req(ctx, m, "lng", longitude);
    let label = opt(ctx, m, "label", |c, v| string(c, v, MAX_LABEL_CHARS));
    let dwell = opt(ctx, m, "dwell", |c, v| non_negative(c, v, MAX_DURATION)).unwrap_or(0.0);
    let emphasis = opt(ctx, m, "emphasis", named::<Emphasis>).unwrap_or_default();
    let camera_zoom_override = opt(ctx, m, "camera_zoom_override", zoom);
    let camera_hold_seconds = opt(ctx, m, "camera_hold_seconds", |c, v| {
        non_negative(c, v, MAX_DURATION)
    });
    Some(Waypoint {
        lat: lat?,
        lng: lng?,
        label,
        dwell,
        emphasis,
        camera_zoom_override,
        camera_hold_seconds,
    })
}

/// The mode's settings object is required in its mode and refused in others.
fn mode_objects(ctx: &mut Ctx, m: &Map<String, Value>, mode: Mode) {
    for (key, its_mode) in [
        ("multi_route", Mode::MultiRoute),
        ("region_focus", Mode::RegionFocus),
        ("country_data", Mode::CountryData),
    ] {
        let present = m.get(key).is_some_and(|v| !v.is_null());
        if mode == its_mode && !present {
            ctx.key(key, |ctx| {
                ctx.report(
                    Issue::new(
                        "",
                        "required",
                        format!("mode `{key}` needs a `{key}` object"),
                    )
                    .suggest(format!("add \"{key}\": {{ ... }} (SPEC section 2)")),
                );
            });
        } else if mode != its_mode && present {
            ctx.key(key, |ctx| {
                ctx.report(
                    Issue::new(
                        "",
                        "invalid_value",
                        format!("`{key}` is only used when `mode` is `{key}` (mode is `{mode}`)"),
                    )
                    .suggest(format!("set \"mode\": \"{key}\" or remove `{key}`")),
                );
            });
        }
    }
}

/// Pauses must leave time to travel.
fn dwell_total(ctx: &mut Ctx, job: &Job) {
    let d = job.duration;
    let held: f64 = job
        .waypoints
        .iter()
        .map(|w| w.dwell + w.camera_hold_seconds.unwrap_or(0.0))
        .sum();
    if held >= d && !job.waypoints.is_empty() {
        ctx.key("waypoints", |ctx| {
            ctx.report(
                Issue::new(
                    "",
                    "out_of_range",
                    format!(
                        "waypoint dwell and camera hold times add up to {held} s, which leaves no time to travel in a {d} s video"
                    ),
                )
                .suggest("shorten the dwell / camera_hold_seconds values or raise `duration`"),
            );
        });
    }
}

/// `camera.start_focus_waypoint` must name an existing waypoint.
fn focus_waypoint(ctx: &mut Ctx, job: &Job) {
    let Some(focus) = &job.camera.start_focus_waypoint else {
        return;
    };
    let n = job.waypoints.len();
    ctx.key("camera", |ctx| {
        ctx.key("start_focus_waypoint", |ctx| match focus {
            FocusWaypoint::Index(i) if *i >= n => ctx.report(
                Issue::new(
                    "",
                    "out_of_range",
                    format!("waypoint index {i} does not exist: the job has {n} waypoints"),
                )
                .suggest(format!("use an index from 0 to {}", n.saturating_sub(1))),
            ),
            FocusWaypoint::Label(label)
                if !job
                    .waypoints
                    .iter()
                    .any(|w| w.label.as_deref() == Some(label)) =>
            {
                let labels: Vec<&str> = job
                    .waypoints
                    .iter()
                    .filter_map(|w| w.label.as_deref())
                    .collect();
                let mut issue = Issue::new(
                    "",
                    "invalid_value",
                    format!("no waypoint is labelled `{label}`"),
                )
                .suggest("use a waypoint's label or its index");
                if !labels.is_empty() {
                    issue = issue.options(&labels);
                }
                ctx.report(issue);
            }
            _ => {}
        })
    });
}
