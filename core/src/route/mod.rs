//! Routing: turns a job's waypoints into a polyline on the globe.
//!
//! `plane.rs` (great circles), `sea.rs` (bundled sea-lane network) and `road.rs`
//! (bundled highway graph) share the CSR graph and A* search of `graph.rs`.

use crate::geo::LatLng;
use serde::Serialize;

/// How a route was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteMode {
    /// Great-circle arcs between waypoints (planes, `route.mode: manual`).
    Manual,
    /// Shortest path on the sea-lane network.
    Sea,
    /// Shortest path on the highway network.
    Road,
}

impl RouteMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteMode::Manual => "manual",
            RouteMode::Sea => "sea",
            RouteMode::Road => "road",
        }
    }
}

/// A computed route.
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    /// Polyline points. Longitudes are unwrapped (continuous: a route crossing the
    /// antimeridian goes past ±180 rather than jumping), so consecutive points are
    /// always close on the map.
    pub points: Vec<LatLng>,
    /// Cumulative distance in km at each point; `cum_km[0] == 0`.
    pub cum_km: Vec<f64>,
    /// Total length in km.
    pub distance_km: f64,
    pub mode: RouteMode,
    /// Named passages used (e.g. `["gibraltar", "suez", "malacca"]`), in travel order.
    pub passages: Vec<String>,
    /// Index into `points` where each waypoint lies (first 0, last `points.len() - 1`).
    pub waypoint_index: Vec<usize>,
}

pub mod graph;
pub mod plane;
pub mod road;
pub mod sea;

use crate::error::Result;
use crate::geo::{haversine_km, unwrap_longitudes};

/// One leg between consecutive waypoints, as produced by a router.
#[derive(Debug, Clone)]
pub struct Leg {
    /// From the leg's first waypoint to its last, both included.
    pub points: Vec<LatLng>,
    pub passages: Vec<String>,
}

/// What to route: the waypoints and how.
#[derive(Debug, Clone)]
pub struct RouteRequest {
    pub waypoints: Vec<LatLng>,
    pub mode: RouteMode,
    /// Passages to avoid (canonical names: `suez`, `panama`, `babalmandab`, `ormuz`,
    /// `south_africa`, `chili`, …). Sea mode only.
    pub avoid: Vec<String>,
    /// Open the Arctic passages (`northwest`, `bering`). Sea mode only.
    pub allow_arctic: bool,
}

/// Routes every leg and joins them into one continuous [`Route`].
pub fn route(req: &RouteRequest) -> Result<Route> {
    let legs: Vec<Leg> = match req.mode {
        RouteMode::Manual => req
            .waypoints
            .windows(2)
            .map(|w| plane::route_leg(w[0], w[1]))
            .collect(),
        RouteMode::Sea => {
            let net = sea::network()?;
            let closed = net.closed_passages(&req.avoid, req.allow_arctic);
            req.waypoints
                .windows(2)
                .map(|w| net.route_leg(w[0], w[1], &closed))
                .collect::<Result<_>>()?
        }
        RouteMode::Road => {
            let net = road::network()?;
            req.waypoints
                .windows(2)
                .map(|w| net.route_leg(w[0], w[1]))
                .collect::<Result<_>>()?
        }
    };
    Ok(join(legs, req.mode))
}

fn join(legs: Vec<Leg>, mode: RouteMode) -> Route {
    let mut points: Vec<LatLng> = Vec::new();
    let mut waypoint_index = vec![0];
    let mut passages: Vec<String> = Vec::new();
    for leg in legs {
        let skip = usize::from(!points.is_empty());
        points.extend(leg.points.into_iter().skip(skip));
        waypoint_index.push(points.len() - 1);
        for p in leg.passages {
            if passages.last() != Some(&p) {
                passages.push(p);
            }
        }
    }
    unwrap_longitudes(&mut points);
    let mut cum_km = Vec::with_capacity(points.len());
    let mut total = 0.0;
    for (i, p) in points.iter().enumerate() {
        if i > 0 {
            total += haversine_km(points[i - 1], *p);
        }
        cum_km.push(total);
    }
    Route {
        points,
        cum_km,
        distance_km: total,
        mode,
        passages,
        waypoint_index,
    }
}

use crate::job::{Job, RouteModeOpt, Transport};

/// The job's concrete transport: `auto` becomes `ship` when every waypoint lies
/// within [`sea::MAX_SNAP_KM`] of the sea network, else `plane`.
pub fn transport(job: &Job) -> Result<Transport> {
    if job.transport != Transport::Auto {
        return Ok(job.transport);
    }
    let net = sea::network()?;
    Ok(job.resolved_transport(|p| net.distance_km(p) <= sea::MAX_SNAP_KM))
}

/// Plans a job's route: resolves the transport, then routes leg by leg in the
/// mode it (or `route.mode`) implies, honouring `route.avoid` and
/// `route.allow_arctic`.
pub fn plan(job: &Job) -> Result<Route> {
    let transport = transport(job)?;
    let mode = match job.route_mode(transport) {
        RouteModeOpt::Manual => RouteMode::Manual,
        RouteModeOpt::Sea => RouteMode::Sea,
        RouteModeOpt::Road => RouteMode::Road,
    };
    let waypoints = job.positions();
    if waypoints.len() < 2 {
        return Err(crate::Error::invalid(crate::Issue::new(
            "waypoints",
            "too_few",
            "a route needs at least two waypoints",
        )));
    }
    route(&RouteRequest {
        waypoints,
        mode,
        avoid: job.route.avoid.clone(),
        allow_arctic: job.route.allow_arctic,
    })
}
