//! Readers for the job's option objects: `route`, `route_style`, `camera`,
//! `hud`, `text_overlays`, `terrain`, `output`, and shared small values.

use super::ctx::*;
use super::enums::*;
use super::passage::{normalize_passage, PASSAGES};
use super::types::*;
use crate::error::Issue;
use serde_json::Value;

/// Most text overlays per job.
const MAX_OVERLAYS: usize = 50;
/// Longest overlay text and HUD title, in characters.
const MAX_TEXT_CHARS: usize = 200;

/// A latitude in degrees.
pub(crate) fn latitude(ctx: &mut Ctx, v: &Value) -> Option<f64> {
    number_in(ctx, v, -90.0, 90.0)
}

/// A longitude in degrees.
pub(crate) fn longitude(ctx: &mut Ctx, v: &Value) -> Option<f64> {
    number_in(ctx, v, -180.0, 180.0)
}

/// A map zoom level.
pub(crate) fn zoom(ctx: &mut Ctx, v: &Value) -> Option<f64> {
    number_in(ctx, v, 1.0, 20.0)
}

/// `route`.
pub(crate) fn route_options(ctx: &mut Ctx, v: &Value) -> Option<RouteOptions> {
    let m = object(ctx, v, &["mode", "avoid", "allow_arctic"])?;
    let mode = opt(ctx, m, "mode", named::<RouteModeOpt>);
    let avoid = opt(ctx, m, "avoid", avoid_list).unwrap_or_default();
    let allow_arctic = opt(ctx, m, "allow_arctic", boolean).unwrap_or(false);
    Some(RouteOptions {
        mode,
        avoid,
        allow_arctic,
    })
}

fn avoid_list(ctx: &mut Ctx, v: &Value) -> Option<Vec<String>> {
    let items = array(ctx, v, 0, 64, "passages")?;
    let names = each(ctx, items, |ctx, v| {
        let s = string(ctx, v, 64)?;
        match normalize_passage(&s) {
            Some(p) => Some(p),
            None => {
                let mut issue = Issue::new("", "invalid_value", format!("unknown passage `{s}`"))
                    .options(PASSAGES);
                issue = match closest(&s, PASSAGES) {
                    Some(c) => issue.suggest(format!("did you mean `{c}`?")),
                    None => issue.suggest(format!("use one of: {}", PASSAGES.join(", "))),
                };
                ctx.report(issue);
                None
            }
        }
    });
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.iter().any(|o| o == n) {
            out.push(n.to_string());
        }
    }
    Some(out)
}

/// `route_style` (also `multi_route.route_style`).
pub(crate) fn route_style_options(ctx: &mut Ctx, v: &Value) -> Option<RouteStyleOptions> {
    let m = object(
        ctx,
        v,
        &["color", "width", "opacity", "vehicle_icon", "trail"],
    )?;
    Some(RouteStyleOptions {
        color: opt(ctx, m, "color", color),
        width: opt(ctx, m, "width", |c, v| positive(c, v, 100.0)),
        opacity: opt(ctx, m, "opacity", |c, v| number_in(c, v, 0.0, 1.0)),
        vehicle_icon: opt(ctx, m, "vehicle_icon", named::<VehicleIcon>),
        trail: opt(ctx, m, "trail", named::<Trail>),
    })
}

const CAMERA_FIELDS: &[&str] = &[
    "preset",
    "intensity",
    "mode",
    "projection",
    "start_zoom",
    "waypoint_zoom",
    "tilt",
    "ease",
    "start_focus_waypoint",
    "focus_hold_seconds",
    "opening_zoom_boost",
    "chokepoint_punch_in",
];

/// `camera`.
pub(crate) fn camera_options(ctx: &mut Ctx, v: &Value) -> Option<CameraOptions> {
    let m = object(ctx, v, CAMERA_FIELDS)?;
    let projection = opt(ctx, m, "projection", |ctx, v| {
        let p = named::<Projection>(ctx, v)?;
        if p != Projection::Mercator {
            ctx.report(
                Issue::new(
                    "",
                    "not_supported",
                    format!("{p} projection is not yet supported"),
                )
                .suggest("use \"mercator\"")
                .options(&["mercator"]),
            );
            return None;
        }
        Some(p)
    });
    Some(CameraOptions {
        preset: opt(ctx, m, "preset", named::<CameraPreset>),
        intensity: opt(ctx, m, "intensity", named::<Intensity>).unwrap_or_default(),
        mode: opt(ctx, m, "mode", named::<CameraMode>),
        projection: projection.unwrap_or_default(),
        start_zoom: opt(ctx, m, "start_zoom", zoom),
        waypoint_zoom: opt(ctx, m, "waypoint_zoom", zoom),
        tilt: opt(ctx, m, "tilt", |c, v| number_in(c, v, 0.0, 85.0)).unwrap_or(0.0),
        ease: opt(ctx, m, "ease", named::<Ease>).unwrap_or_default(),
        start_focus_waypoint: opt(ctx, m, "start_focus_waypoint", focus_waypoint),
        focus_hold_seconds: opt(ctx, m, "focus_hold_seconds", |c, v| {
            non_negative(c, v, MAX_DURATION)
        }),
        opening_zoom_boost: opt(ctx, m, "opening_zoom_boost", |c, v| {
            non_negative(c, v, 10.0)
        }),
        chokepoint_punch_in: opt(ctx, m, "chokepoint_punch_in", punch_in),
    })
}

fn focus_waypoint(ctx: &mut Ctx, v: &Value) -> Option<FocusWaypoint> {
    match v {
        Value::Number(_) => index_value(ctx, v).map(FocusWaypoint::Index),
        Value::String(_) => string(ctx, v, MAX_LABEL_CHARS).map(FocusWaypoint::Label),
        _ => {
            wrong_type(ctx, v, "a waypoint label (string) or index (number)");
            None
        }
    }
}

fn punch_in(ctx: &mut Ctx, v: &Value) -> Option<f64> {
    match v {
        Value::Bool(true) => Some(DEFAULT_PUNCH_IN),
        Value::Bool(false) => Some(0.0),
        Value::Number(_) => non_negative(ctx, v, 10.0),
        _ => {
            wrong_type(ctx, v, "true, false or a number of zoom levels");
            None
        }
    }
}

/// `hud`: `true`, `false` or an object.
pub(crate) fn hud_options(ctx: &mut Ctx, v: &Value) -> Option<HudOptions> {
    match v {
        Value::Bool(enabled) => Some(HudOptions {
            enabled: *enabled,
            ..HudOptions::default()
        }),
        Value::Object(_) => {
            let m = object(ctx, v, &["stats", "progress_bar", "title"])?;
            let stats = match m.get("stats") {
                None | Some(Value::Null) => Some(HudStats::default()),
                Some(_) => opt(ctx, m, "stats", hud_stats)?,
            };
            Some(HudOptions {
                enabled: true,
                stats,
                progress_bar: opt(ctx, m, "progress_bar", boolean).unwrap_or(false),
                title: opt(ctx, m, "title", |c, v| string(c, v, MAX_TEXT_CHARS)),
            })
        }
        _ => {
            wrong_type(ctx, v, "true, false or an object");
            None
        }
    }
}

/// `hud.stats`: `true`, `false` or an object; `Some(None)` hides the stats.
fn hud_stats(ctx: &mut Ctx, v: &Value) -> Option<Option<HudStats>> {
    match v {
        Value::Bool(true) => Some(Some(HudStats::default())),
        Value::Bool(false) => Some(None),
        Value::Object(_) => {
            let m = object(
                ctx,
                v,
                &[
                    "position",
                    "show_distance",
                    "show_speed",
                    "show_elapsed",
                    "units",
                ],
            )?;
            let d = HudStats::default();
            Some(Some(HudStats {
                position: opt(ctx, m, "position", named::<Corner>).unwrap_or(d.position),
                show_distance: opt(ctx, m, "show_distance", boolean).unwrap_or(d.show_distance),
                show_speed: opt(ctx, m, "show_speed", boolean).unwrap_or(d.show_speed),
                show_elapsed: opt(ctx, m, "show_elapsed", boolean).unwrap_or(d.show_elapsed),
                units: opt(ctx, m, "units", named::<Units>),
            }))
        }
        _ => {
            wrong_type(ctx, v, "true, false or an object");
            None
        }
    }
}

/// `text_overlays`; `limit` is the duration to check timings against (whole
/// jobs with a valid duration only), `duration` the default `end`.
pub(crate) fn text_overlays(
    ctx: &mut Ctx,
    v: &Value,
    duration: f64,
    limit: Option<f64>,
) -> Option<Vec<TextOverlay>> {
    let items = array(ctx, v, 0, MAX_OVERLAYS, "text overlays")?;
    Some(each(ctx, items, |ctx, v| {
        let o = text_overlay(ctx, v, duration)?;
        if let Some(d) = limit {
            overlay_timing(ctx, &o, d)
        }
        Some(o)
    }))
}

fn text_overlay(ctx: &mut Ctx, v: &Value, duration: f64) -> Option<TextOverlay> {
    let m = object(
        ctx,
        v,
        &["text", "start", "end", "position", "size", "color"],
    )?;
    let text = req(ctx, m, "text", |c, v| {
        super::ctx::text(c, v, MAX_TEXT_CHARS)
    });
    let start = opt(ctx, m, "start", |c, v| non_negative(c, v, MAX_DURATION)).unwrap_or(0.0);
    let end = match m.get("end") {
        None | Some(Value::Null) => Some(duration),
        Some(_) => opt(ctx, m, "end", |c, v| non_negative(c, v, MAX_DURATION)),
    };
    let position = opt(ctx, m, "position", named::<Anchor>).unwrap_or_default();
    let size = opt(ctx, m, "size", |c, v| positive(c, v, 400.0));
    let color = opt(ctx, m, "color", color);
    Some(TextOverlay {
        text: text?,
        start,
        end: end?,
        position,
        size,
        color,
    })
}

fn overlay_timing(ctx: &mut Ctx, o: &TextOverlay, d: f64) {
    if o.start >= d {
        ctx.key("start", |ctx| {
            ctx.issue(
                "out_of_range",
                format!(
                    "must be before the end of the video ({d} s), got {}",
                    o.start
                ),
            )
        });
    } else if o.end > d {
        ctx.key("end", |ctx| {
            ctx.issue(
                "out_of_range",
                format!("must be at most the duration ({d} s), got {}", o.end),
            )
        });
    } else if o.end <= o.start {
        ctx.key("end", |ctx| {
            ctx.issue(
                "out_of_range",
                format!("must be after start ({} s), got {}", o.start, o.end),
            )
        });
    }
}

/// `terrain`.
pub(crate) fn terrain_options(ctx: &mut Ctx, v: &Value) -> Option<TerrainOptions> {
    let m = object(ctx, v, &["hillshade"])?;
    Some(TerrainOptions {
        hillshade: opt(ctx, m, "hillshade", boolean).unwrap_or(false),
    })
}

/// `output`.
pub(crate) fn output_options(ctx: &mut Ctx, v: &Value) -> Option<OutputOptions> {
    let m = object(ctx, v, &["format", "quality", "thumbnail", "credits"])?;
    let d = OutputOptions::default();
    Some(OutputOptions {
        format: opt(ctx, m, "format", named::<OutputFormat>).unwrap_or(d.format),
        quality: opt(ctx, m, "quality", named::<Quality>).unwrap_or(d.quality),
        thumbnail: opt(ctx, m, "thumbnail", boolean).unwrap_or(d.thumbnail),
        credits: opt(ctx, m, "credits", boolean).unwrap_or(d.credits),
    })
}
