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
