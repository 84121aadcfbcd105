//! Turns a resolved [`Job`] and its [`Route`] into a [`SceneSpec`] and a function
//! giving the [`FrameState`] at any time (timeline + camera path).

use super::hud::{Caption, Corner, HudSpec, StatsSpec, Units};
use super::labels::{LabelSet, WaypointLabel};
use super::{Camera, FrameState, Marker, SceneSpec, Vehicle, VehicleState};
use crate::anim::{AnimInput, CameraPath, Timeline};
use crate::error::Result;
use crate::geo::mercator;
use crate::job::{self, Anchor, Emphasis, Job, Trail, Transport, VehicleIcon};
use crate::route::{Route, RouteMode};
use crate::style::RouteLook;

/// The concrete transport of a job whose route has been planned.
pub fn transport(job: &Job, route: &Route) -> Transport {
    if job.transport != Transport::Auto {
        return job.transport;
    }
    match route.mode {
        RouteMode::Sea => Transport::Ship,
        RouteMode::Road => Transport::Truck,
        RouteMode::Manual => Transport::Plane,
    }
}

fn color(c: job::Color, alpha: f32) -> [f32; 4] {
    let [r, g, b] = c.0;
    [r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0, alpha]
}

/// The attribution line for the data a job shows.
pub fn credits(job: &Job, route: &Route) -> String {
    let style = job.style.table();
    let mut parts = Vec::new();
    if route.mode == RouteMode::Road {
        parts.push("© OpenStreetMap contributors");
    }
    if style.city_names {
        parts.push("GeoNames");
    }
    if route.mode == RouteMode::Sea || style.sea_lanes.is_some() {
        parts.push("SeaRoute");
    }
    parts.push("Natural Earth");
    if style.imagery {
        parts.push("NASA Blue Marble");
    }
    parts.join(" · ")
}

/// The drawable description of `job` along `route`.
pub fn scene_spec(job: &Job, route: &Route) -> Result<SceneSpec> {
    let style = job.style.table();
    let transport = transport(job, route);
    let rs = &job.route_style;
    let opacity = rs.opacity.unwrap_or(1.0).clamp(0.0, 1.0) as f32;
    let mut look: RouteLook = style.route;
    if let Some(c) = rs.color {
        look.color = color(c, 1.0);
    }
    look.color[3] *= opacity;
    look.glow_alpha *= opacity;
    if let Some(w) = rs.width {
        look.width = w as f32;
    }
    let vehicle = match job.vehicle_icon(transport) {
        VehicleIcon::Plane => Some(Vehicle::Plane),
        VehicleIcon::Ship => Some(Vehicle::Ship),
        VehicleIcon::Truck => Some(Vehicle::Truck),
        VehicleIcon::Hidden => None,
    };
    let route_points: Vec<[f64; 2]> = route.points.iter().map(|p| mercator(*p)).collect();
    let mut markers = Vec::new();
    let mut waypoint_labels = Vec::new();
    for (i, w) in job.waypoints.iter().enumerate() {
        let idx = route.waypoint_index.get(i).copied();
        let merc = idx
            .and_then(|k| route_points.get(k).copied())
            .unwrap_or_else(|| mercator(w.pos()));
        let at_km = idx
            .and_then(|k| route.cum_km.get(k).copied())
            .unwrap_or(0.0);
        let chokepoint = w.emphasis == Emphasis::Chokepoint;
        let emphasized = w.emphasis != Emphasis::Standard;
        markers.push(Marker {
            merc,
            chokepoint,
            emphasized,
            at_km,
        });
        if let Some(text) = &w.label {
            waypoint_labels.push(WaypointLabel {
                text: text.clone(),
                merc,
                marker_radius: style.markers.waypoint_radius * if emphasized { 1.3 } else { 1.0 },
            });
        }
    }
    let labels = LabelSet {
        waypoints: waypoint_labels,
        countries: if style.country_names {
            super::assets::countries()?.as_ref().clone()
        } else {
            Vec::new()
        },
        cities: if style.city_names {
            super::assets::cities()?.as_ref().clone()
        } else {
            Vec::new()
        },
    };
    let h = &job.hud;
    let hud = HudSpec {
        enabled: h.enabled,
        stats: h.stats.as_ref().map(|s| StatsSpec {
            corner: match s.position {
                job::Corner::TopLeft => Corner::TopLeft,
                job::Corner::TopRight => Corner::TopRight,
                job::Corner::BottomLeft => Corner::BottomLeft,
                job::Corner::BottomRight => Corner::BottomRight,
            },
            show_distance: s.show_distance,
            show_speed: s.show_speed,
            show_elapsed: s.show_elapsed,
            units: match s.units {
                Some(job::Units::Km) => Units::Km,
                Some(job::Units::Mi) => Units::Mi,
                Some(job::Units::Nm) => Units::Nm,
                None if transport == Transport::Ship => Units::Nm,
                None => Units::Km,
            },
        }),
        progress_bar: h.progress_bar,
        title: h.title.clone(),
        captions: job
            .text_overlays
            .iter()
            .map(|o| Caption {
                text: o.text.clone(),
                start: o.start,
                end: o.end,
                anchor: anchor(o.position),
                size: o.size.map(|s| s as f32),
                color: o.color.map(|c| color(c, 1.0)),
            })
            .collect(),
    };
    Ok(SceneSpec {
        width: job.resolution.width,
        height: job.resolution.height,
        fps: job.fps,
        duration: job.duration,
        style,
        route: look,
        trail_full: rs.trail == Some(Trail::Full),
        route_km: route.cum_km.clone(),
        route_points,
        vehicle,
        markers,
        labels,
        hud,
        credits: job.output.credits.then(|| credits(job, route)),
        hillshade: job.terrain.hillshade,
    })
}

fn anchor(a: Anchor) -> [f32; 2] {
    match a {
        Anchor::TopLeft => [0.0, 0.0],
        Anchor::TopCenter => [0.5, 0.0],
        Anchor::TopRight => [1.0, 0.0],
        Anchor::CenterLeft => [0.0, 0.5],
        Anchor::Center => [0.5, 0.5],
        Anchor::CenterRight => [1.0, 0.5],
        Anchor::BottomLeft => [0.0, 1.0],
        Anchor::BottomCenter => [0.5, 1.0],
        Anchor::BottomRight => [1.0, 1.0],
    }
}

/// Camera and vehicle over time for `job` along `route`.
pub fn frame_states(job: &Job, route: &Route) -> Box<dyn Fn(f64) -> FrameState + Send + Sync> {
    let input = AnimInput::from_job(job, transport(job, route));
    let timeline = Timeline::new(&input, route);
    let aspect = job.resolution.width as f64 / job.resolution.height as f64;
    let camera = CameraPath::new(&input, route, &timeline, aspect);
    Box::new(move |t: f64| {
        let v = timeline.at(t);
        let c = camera.at(t);
        FrameState {
            t,
            camera: Camera {
                center: c.center,
                zoom: c.zoom,
                bearing_deg: c.bearing_deg,
            },
            vehicle: VehicleState {
                merc: mercator(v.position),
                heading_deg: v.heading_deg,
                distance_km: v.distance_km,
                progress: v.progress,
                speed_kmh: v.speed_kmh,
                voyage_hours: v.voyage_hours,
            },
        }
    })
}
