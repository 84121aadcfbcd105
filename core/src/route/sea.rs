//! Sea routing on the bundled SeaRoute network (`assets/sea.grb`).
//!
//! Waypoints snap to the nearest navigable lane (any point of an edge, not just a
//! node); a waypoint more than [`MAX_SNAP_KM`] from the network is inland. Named
//! passages can be avoided, and the Arctic passages are closed unless asked for.

use super::graph::{astar, Anchor, Graph};
use super::Leg;
use crate::assets;
use crate::error::{Error, Result};
use crate::geo::{haversine_km, point_segment_km, LatLng};
use std::sync::OnceLock;

/// How far (km) a waypoint may lie from the sea network and still count as at sea.
pub const MAX_SNAP_KM: f64 = 50.0;

/// Routing cost (km-equivalent) added for transiting a canal: queueing, pilotage
/// and slow transit make a canal dearer than its length. Distances reported stay
/// geometric; this only steers the choice when two routes are close (Europe→Asia
/// avoiding Suez goes round Africa, as shipping does, not through Panama).
pub const CANAL_PENALTY_KM: [(&str, f64); 2] = [("suez", 600.0), ("panama", 1200.0)];

/// Passages that are closed unless `allow_arctic` is set.
pub const ARCTIC_PASSAGES: [&str; 2] = ["northwest", "bering"];

/// The sea network with a passage tag per directed edge.
pub struct SeaNetwork {
    pub graph: Graph,
    /// Passage id per directed edge; 0 = open water.
    pub passage: Vec<u8>,
    /// Names by passage id (`passage_names[0] == ""`).
    pub passage_names: Vec<String>,
}

/// The shared, lazily loaded sea network.
pub fn network() -> Result<&'static SeaNetwork> {
    static NET: OnceLock<Result<SeaNetwork>> = OnceLock::new();
    assets::cached(&NET, || {
        let blob = assets::open("sea.grb")?;
        let load = || -> std::result::Result<SeaNetwork, String> {
            let graph = Graph::from_blob(&blob)?;
            let passage = blob.get::<u8>("passage")?.to_vec();
            let passage_names = blob
                .text("passage_names")?
                .split('\n')
                .map(String::from)
                .collect();
            if passage.len() != graph.edge_count() {
                return Err("passage tags do not match edges".into());
            }
            Ok(SeaNetwork {
                graph,
                passage,
                passage_names,
            })
        };
        load().map_err(assets::asset_error)
    })
}

/// A point on the network: the edge `a`–`b` (directed edge index `edge`), the
/// fraction `t` along it and the snapped position.
#[derive(Debug, Clone, Copy)]
pub struct Snap {
    pub a: u32,
    pub b: u32,
    pub t: f64,
    pub point: LatLng,
    pub distance_km: f64,
}

impl SeaNetwork {
    /// Passage ids that are closed for these options.
    pub fn closed_passages(&self, avoid: &[String], allow_arctic: bool) -> Vec<bool> {
        self.passage_names
            .iter()
            .map(|name| {
                !name.is_empty()
                    && (avoid.iter().any(|a| a == name)
                        || (!allow_arctic && ARCTIC_PASSAGES.contains(&name.as_str())))
            })
            .collect()
    }

    /// The nearest point of any open edge to `p`.
    pub fn snap(&self, p: LatLng, closed: &[bool]) -> Option<Snap> {
        let g = &self.graph;
        let mut best: Option<Snap> = None;
        for a in 0..g.node_count() as u32 {
            let pa = g.pos(a);
            for e in g.edges(a) {
                let b = g.targets[e];
                if b < a || closed[self.passage[e] as usize] {
                    continue;
                }
                let pb = g.pos(b);
                let (d, t) = point_segment_km(p, pa, pb);
                if best.is_none_or(|s| d < s.distance_km) {
                    let mut lng_b = pb.lng;
                    if lng_b - pa.lng > 180.0 {
                        lng_b -= 360.0;
                    } else if lng_b - pa.lng < -180.0 {
                        lng_b += 360.0;
                    }
                    let point = LatLng::new(
                        pa.lat + t * (pb.lat - pa.lat),
                        crate::geo::wrap_lng(pa.lng + t * (lng_b - pa.lng)),
                    );
                    best = Some(Snap {
                        a,
                        b,
                        t,
                        point,
                        distance_km: d,
                    });
                }
            }
        }
        best
    }

    /// Distance (km) from `p` to the open network (all passages open but Arctic).
    pub fn distance_km(&self, p: LatLng) -> f64 {
        let closed = self.closed_passages(&[], false);
        self.snap(p, &closed)
            .map_or(f64::INFINITY, |s| s.distance_km)
    }

    /// Routes one leg between two waypoints.
    pub fn route_leg(&self, from: LatLng, to: LatLng, closed: &[bool]) -> Result<Leg> {
        let g = &self.graph;
        let inland = |p: LatLng, which: &str| {
            Error::MaritimeRoute(format!(
                "Could not calculate sea route between points. Land mass in the way: the {which} \
                 waypoint ({:.4}, {:.4}) is more than {MAX_SNAP_KM} km from navigable water.",
                p.lat, p.lng
            ))
        };
        let s = self
            .snap(from, closed)
            .filter(|s| s.distance_km <= MAX_SNAP_KM);
        let s = s.ok_or_else(|| inland(from, "start"))?;
        let e = self
            .snap(to, closed)
            .filter(|s| s.distance_km <= MAX_SNAP_KM);
        let e = e.ok_or_else(|| inland(to, "destination"))?;

        let mut points = vec![from, s.point];
        let mut passages = Vec::new();
        let same_edge = (s.a, s.b) == (e.a, e.b);
        let direct = same_edge.then(|| haversine_km(s.point, e.point));
        let starts = [
            Anchor {
                node: s.a,
                cost: haversine_km(s.point, g.pos(s.a)),
            },
            Anchor {
                node: s.b,
                cost: haversine_km(s.point, g.pos(s.b)),
            },
        ];
        let goals = [
            Anchor {
                node: e.a,
                cost: haversine_km(e.point, g.pos(e.a)),
            },
            Anchor {
                node: e.b,
                cost: haversine_km(e.point, g.pos(e.b)),
            },
        ];
        let penalty: Vec<f64> = self
            .passage_names
            .iter()
            .map(|n| {
                CANAL_PENALTY_KM
                    .iter()
                    .find(|c| c.0 == n)
                    .map_or(0.0, |c| c.1)
            })
            .collect();
        let path = astar(g, &starts, &goals, e.point, |edge| {
            let id = self.passage[edge] as usize;
            (!closed[id]).then(|| penalty[id])
        });
        match (path, direct) {
            (Some(p), d) if d.is_none_or(|d| p.cost < d) => {
                for w in p.nodes.windows(2) {
                    if let Some(edge) = g.edge_between(w[0], w[1]) {
                        let id = self.passage[edge] as usize;
                        if id != 0 && passages.last() != Some(&self.passage_names[id]) {
                            passages.push(self.passage_names[id].clone());
                        }
                    }
                }
                points.extend(p.nodes.iter().map(|&n| g.pos(n)));
            }
            (_, Some(_)) => {}
            _ => return Err(Error::no_sea_route()),
        }
        points.push(e.point);
        points.push(to);
        // Drop connectors of zero length (waypoint already on the lane).
        points.dedup_by(|b, a| haversine_km(*a, *b) < 0.05);
        Ok(Leg { points, passages })
    }
}
