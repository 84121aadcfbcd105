//! Readers for the settings objects of the modes other than `route_animation`:
//! `multi_route`, `region_focus` and `country_data`.

use super::ctx::*;
use super::enums::*;
use super::sections::{latitude, longitude, route_style_options, zoom};
use super::types::*;
use crate::error::Issue;
use serde_json::Value;
use std::collections::BTreeMap;

const MULTI_ROUTE_FIELDS: &[&str] = &[
    "origin",
    "routes",
    "show_all_routes_at_start",
    "animate_labels",
    "camera_rotation_degrees",
    "start_zoom",
    "end_zoom",
    "label_collision",
    "routes_start_at",
    "routes_duration",
    "route_style",
];

/// Most destinations of a `multi_route` fan.
const MAX_ROUTES: usize = 100;
/// Most entries of `country_data.values`.
const MAX_COUNTRY_VALUES: usize = 300;

/// `multi_route`; `limit` is the duration to check timings against, if any.
pub(crate) fn multi_route(
    ctx: &mut Ctx,
    v: &Value,
    limit: Option<f64>,
) -> Option<MultiRouteOptions> {
    let m = object(ctx, v, MULTI_ROUTE_FIELDS)?;
    let origin = req(ctx, m, "origin", place);
    let routes = req(ctx, m, "routes", |ctx, v| {
        let items = array(ctx, v, 1, MAX_ROUTES, "routes")?;
        Some(each(ctx, items, destination))
    });
    let routes_start_at = opt(ctx, m, "routes_start_at", |c, v| {
        non_negative(c, v, MAX_DURATION)
    });
    let routes_duration = opt(ctx, m, "routes_duration", |c, v| {
        positive(c, v, MAX_DURATION)
    });
    if let Some(d) = limit {
        let start = routes_start_at.unwrap_or(0.0);
        if start >= d {
            ctx.key("routes_start_at", |ctx| {
                ctx.issue(
                    "out_of_range",
                    format!("must be before the end of the video ({d} s), got {start}"),
                )
            });
        } else if let Some(rd) = routes_duration.filter(|rd| start + rd > d) {
            ctx.key("routes_duration", |ctx| {
                ctx.issue(
                    "out_of_range",
                    format!(
                        "routes_start_at + routes_duration is {} s, past the end of the {d} s video",
                        start + rd
                    ),
                )
            });
        }
    }
    let out = MultiRouteOptions {
        origin: origin.unwrap_or(Place {
            lat: 0.0,
            lng: 0.0,
            label: None,
        }),
        routes: routes.unwrap_or_default(),
        show_all_routes_at_start: opt(ctx, m, "show_all_routes_at_start", boolean).unwrap_or(false),
        animate_labels: opt(ctx, m, "animate_labels", boolean).unwrap_or(true),
        camera_rotation_degrees: opt(ctx, m, "camera_rotation_degrees", |c, v| {
            number_in(c, v, -360.0, 360.0)
        })
        .unwrap_or(0.0),
        start_zoom: opt(ctx, m, "start_zoom", zoom),
        end_zoom: opt(ctx, m, "end_zoom", zoom),
        label_collision: opt(ctx, m, "label_collision", named::<LabelCollision>)
            .unwrap_or_default(),
        routes_start_at: routes_start_at.unwrap_or(0.0),
        routes_duration,
        route_style: opt(ctx, m, "route_style", route_style_options).unwrap_or_default(),
    };
    Some(out)
}

fn place(ctx: &mut Ctx, v: &Value) -> Option<Place> {
    let m = object(ctx, v, &["lat", "lng", "label"])?;
    let lat = req(ctx, m, "lat", latitude);
    let lng = req(ctx, m, "lng", longitude);
    let label = opt(ctx, m, "label", |c, v| string(c, v, MAX_LABEL_CHARS));
    Some(Place {
        lat: lat?,
        lng: lng?,
        label,
    })
}

fn destination(ctx: &mut Ctx, v: &Value) -> Option<Destination> {
    let m = object(
        ctx,
        v,
        &["lat", "lng", "label", "data_label", "color", "label_offset"],
    )?;
    let lat = req(ctx, m, "lat", latitude);
    let lng = req(ctx, m, "lng", longitude);
    Some(Destination {
        label: opt(ctx, m, "label", |c, v| string(c, v, MAX_LABEL_CHARS)),
        data_label: opt(ctx, m, "data_label", |c, v| string(c, v, MAX_LABEL_CHARS)),
        color: opt(ctx, m, "color", color),
        label_offset: opt(ctx, m, "label_offset", label_offset),
        lat: lat?,
        lng: lng?,
    })
}

/// `[dx, dy]` or `{ "x": dx, "y": dy }` in pixels.
fn label_offset(ctx: &mut Ctx, v: &Value) -> Option<[f64; 2]> {
    let px = |ctx: &mut Ctx, v: &Value| number_in(ctx, v, -1000.0, 1000.0);
    match v {
        Value::Array(items) => {
            if items.len() != 2 {
                ctx.issue(
                    "invalid_value",
                    format!("must be [dx, dy] (2 numbers), got {} items", items.len()),
                );
                return None;
            }
            let dx = ctx.index(0, |ctx| px(ctx, &items[0]));
            let dy = ctx.index(1, |ctx| px(ctx, &items[1]));
            Some([dx?, dy?])
        }
        Value::Object(_) => {
            let m = object(ctx, v, &["x", "y"])?;
            let dx = req(ctx, m, "x", px);
            let dy = req(ctx, m, "y", px);
            Some([dx?, dy?])
        }
        _ => {
            wrong_type(ctx, v, "[dx, dy] or {\"x\": dx, \"y\": dy}");
            None
        }
    }
}

/// `region_focus`: needs `region` or `bbox`.
pub(crate) fn region_focus(ctx: &mut Ctx, v: &Value) -> Option<RegionFocusOptions> {
    let m = object(ctx, v, &["region", "bbox", "color", "label"])?;
    let region = opt(ctx, m, "region", |c, v| text(c, v, 120));
    let bbox = opt(ctx, m, "bbox", bbox);
    let given = |k: &str| m.get(k).is_some_and(|v| !v.is_null());
    if !ctx.partial && !given("region") && !given("bbox") {
        ctx.key("region", |ctx| {
            ctx.report(
                Issue::new(
                    "",
                    "required",
                    "`region_focus` needs a `region` (name or ISO code) or a `bbox`",
                )
                .suggest("add \"region\": \"EGY\" or \"bbox\": [west, south, east, north]"),
            )
        });
    }
    Some(RegionFocusOptions {
        region,
        bbox,
        color: opt(ctx, m, "color", color),
        label: opt(ctx, m, "label", |c, v| string(c, v, MAX_LABEL_CHARS)),
    })
}

/// `[west, south, east, north]` in degrees.
fn bbox(ctx: &mut Ctx, v: &Value) -> Option<[f64; 4]> {
    let Value::Array(items) = v else {
        wrong_type(ctx, v, "[west, south, east, north]");
        return None;
    };
    if items.len() != 4 {
        ctx.issue(
            "invalid_value",
            format!(
                "must be [west, south, east, north] (4 numbers), got {} items",
                items.len()
            ),
        );
        return None;
    }
    let w = ctx.index(0, |ctx| longitude(ctx, &items[0]));
    let s = ctx.index(1, |ctx| latitude(ctx, &items[1]));
    let e = ctx.index(2, |ctx| longitude(ctx, &items[2]));
    let n = ctx.index(3, |ctx| latitude(ctx, &items[3]));
    let (w, s, e, n) = (w?, s?, e?, n?);
    if s >= n {
        ctx.issue(
            "invalid_value",
            format!("south ({s}) must be less than north ({n})"),
        );
        return None;
    }
    if w == e {
        ctx.issue("invalid_value", "west and east must differ");
        return None;
    }
    Some([w, s, e, n])
}

/// `country_data`.
pub(crate) fn country_data(ctx: &mut Ctx, v: &Value) -> Option<CountryDataOptions> {
    let m = object(ctx, v, &["values", "legend", "colors"])?;
    let values = req(ctx, m, "values", |ctx, v| {
        let Value::Object(map) = v else {
            wrong_type(ctx, v, "an object of country → number");
            return None;
        };
        if map.is_empty() {
            ctx.issue("too_few", "needs at least 1 country value, got 0");
        } else if map.len() > MAX_COUNTRY_VALUES {
            ctx.issue(
                "too_many",
                format!(
                    "allows at most {MAX_COUNTRY_VALUES} country values, got {}",
                    map.len()
                ),
            );
        }
        let mut out = BTreeMap::new();
        for (k, v) in map {
            ctx.key(k, |ctx| {
                if k.trim().is_empty() || k.chars().count() > MAX_LABEL_CHARS {
                    ctx.issue(
                        "invalid_value",
                        "country keys must be an ISO code or a name of 1 to 80 characters",
                    );
                } else if let Some(x) = number(ctx, v) {
                    out.insert(k.clone(), x);
                }
            });
        }
        Some(out)
    });
    let legend = opt(ctx, m, "legend", |c, v| string(c, v, 120));
    let colors = opt(ctx, m, "colors", |ctx, v| {
        let items = array(ctx, v, 2, 9, "colours")?;
        Some(each(ctx, items, color))
    });
    Some(CountryDataOptions {
        values: values.unwrap_or_default(),
        legend,
        colors,
    })
}
