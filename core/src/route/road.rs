//! Road routing on the bundled OpenStreetMap highway graph (`assets/roads.grb`).
//!
//! Each waypoint snaps to nearby road nodes; since the graph has many connected
//! components (Great Britain is separate from the continent), the router picks
//! the component every waypoint of a leg can reach, or fails with
//! `ROAD_ROUTE_ERROR`.

use super::graph::{astar, Anchor, Graph};
use super::Leg;
use crate::assets;
use crate::error::{Error, Result};
use crate::geo::{haversine_km, LatLng};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// How far (km) a waypoint may be from the road it starts on.
pub const MAX_SNAP_KM: f64 = 60.0;

/// The road graph with component ids and a uniform lat/lng grid index.
pub struct RoadNetwork {
    pub graph: Graph,
    pub component: Vec<u32>,
    grid_offsets: Vec<u32>,
    grid_nodes: Vec<u32>,
    grid_deg: f64,
}

/// The shared, lazily loaded road network.
pub fn network() -> Result<&'static RoadNetwork> {
    static NET: OnceLock<Result<RoadNetwork>> = OnceLock::new();
    assets::cached(&NET, RoadNetwork::load)
}

impl RoadNetwork {
    /// Loads `roads.grb` (use [`network`] for the shared instance).
    pub fn load() -> Result<RoadNetwork> {
        let blob = assets::open("roads.grb")?;
        let load = || -> std::result::Result<RoadNetwork, String> {
            let graph = Graph::from_blob(&blob)?;
            let component = blob.get::<u32>("component")?.to_vec();
            let grid_offsets = blob.get::<u32>("grid_offsets")?.to_vec();
            let grid_nodes = blob.get::<u32>("grid_nodes")?.to_vec();
            let meta: serde_json::Value =
                serde_json::from_str(blob.text("meta")?).map_err(|e| e.to_string())?;
            let grid_deg = meta["grid_deg"].as_f64().ok_or("grid_deg missing")?;
            let cells = (360.0 / grid_deg) as usize * (180.0 / grid_deg) as usize;
            if component.len() != graph.node_count()
                || grid_offsets.len() != cells + 1
                || grid_nodes.len() != graph.node_count()
            {
                return Err("inconsistent road arrays".into());
            }
            Ok(RoadNetwork {
                graph,
                component,
                grid_offsets,
                grid_nodes,
                grid_deg,
            })
        };
        load().map_err(assets::asset_error)
    }

    /// For each component with a node within `radius_km` of `p`, its nearest node
    /// and that node's distance, nearest first.
    pub fn candidates(&self, p: LatLng, radius_km: f64) -> Vec<(u32, f64)> {
        let cols = (360.0 / self.grid_deg) as i64;
        let rows = (180.0 / self.grid_deg) as i64;
        let cx = ((p.lng + 180.0) / self.grid_deg).floor() as i64;
        let cy = ((p.lat + 90.0) / self.grid_deg).floor() as i64;
        let dlat = (radius_km / 111.0 / self.grid_deg).ceil() as i64;
        let coslat = p.lat.to_radians().cos().max(0.05);
        let dlng = ((radius_km / (111.0 * coslat)) / self.grid_deg)
            .ceil()
            .min(cols as f64) as i64;
        let mut best: BTreeMap<u32, (u32, f64)> = BTreeMap::new();
        for y in (cy - dlat).max(0)..=(cy + dlat).min(rows - 1) {
            for x in cx - dlng..=cx + dlng {
                let cell = (y * cols + x.rem_euclid(cols)) as usize;
                let range = self.grid_offsets[cell] as usize..self.grid_offsets[cell + 1] as usize;
                for &n in &self.grid_nodes[range] {
                    let d = haversine_km(p, self.graph.pos(n));
                    if d <= radius_km {
                        let c = self.component[n as usize];
                        let e = best.entry(c).or_insert((n, f64::INFINITY));
                        if d < e.1 {
                            *e = (n, d);
                        }
                    }
                }
            }
        }
        let mut v: Vec<(u32, f64)> = best.into_values().collect();
        v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        v
    }

    /// Routes one leg between two waypoints.
    pub fn route_leg(&self, from: LatLng, to: LatLng) -> Result<Leg> {
        let a = self.candidates(from, MAX_SNAP_KM);
        let b = self.candidates(to, MAX_SNAP_KM);
        // Components both ends can reach, by total snapping distance.
        let mut pairs: Vec<((u32, f64), (u32, f64))> = a
            .iter()
            .flat_map(|&s| b.iter().map(move |&e| (s, e)))
            .filter(|(s, e)| self.component[s.0 as usize] == self.component[e.0 as usize])
            .collect();
        pairs.sort_by(|x, y| (x.0 .1 + x.1 .1).total_cmp(&(y.0 .1 + y.1 .1)));
        let ((s, ds), (e, de)) = *pairs.first().ok_or_else(Error::no_road_route)?;
        let path = astar(
            &self.graph,
            &[Anchor { node: s, cost: ds }],
            &[Anchor { node: e, cost: de }],
            to,
            |_| Some(0.0),
        )
        .ok_or_else(Error::no_road_route)?;
        let mut points = vec![from];
        points.extend(path.nodes.iter().map(|&n| self.graph.pos(n)));
        points.push(to);
        points.dedup_by(|b, a| haversine_km(*a, *b) < 0.05);
        Ok(Leg {
            points,
            passages: Vec::new(),
        })
    }
}
