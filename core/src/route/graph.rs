//! A compact routing graph (CSR adjacency, f32 coordinates and km weights) loaded
//! from a `.grb` asset, and an A* search shared by the sea and road routers.

use crate::assets::Blob;
use crate::geo::{haversine_km, LatLng};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// An undirected graph stored as CSR: the neighbours of node `n` are
/// `targets[offsets[n]..offsets[n + 1]]`, each with the same-index `weights` (km).
pub struct Graph {
    pub lat: Vec<f32>,
    pub lng: Vec<f32>,
    pub offsets: Vec<u32>,
    pub targets: Vec<u32>,
    pub weights: Vec<f32>,
}

impl Graph {
    /// Reads the standard sections (`lat`, `lng`, `offsets`, `targets`, `weights`).
    pub fn from_blob(blob: &Blob) -> Result<Graph, String> {
        let g = Graph {
            lat: blob.get::<f32>("lat")?.to_vec(),
            lng: blob.get::<f32>("lng")?.to_vec(),
            offsets: blob.get::<u32>("offsets")?.to_vec(),
            targets: blob.get::<u32>("targets")?.to_vec(),
            weights: blob.get::<f32>("weights")?.to_vec(),
        };
        let n = g.lat.len();
        let ok = g.lng.len() == n
            && g.offsets.len() == n + 1
            && g.targets.len() == g.weights.len()
            && *g.offsets.last().unwrap_or(&0) as usize == g.targets.len()
            && g.targets.iter().all(|&t| (t as usize) < n);
        if !ok {
            return Err("inconsistent graph arrays".into());
        }
        Ok(g)
    }

    pub fn node_count(&self) -> usize {
        self.lat.len()
    }

    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// Position of a node.
    #[inline]
    pub fn pos(&self, n: u32) -> LatLng {
        LatLng::new(self.lat[n as usize] as f64, self.lng[n as usize] as f64)
    }

    /// Directed edge indices leaving `n`.
    #[inline]
    pub fn edges(&self, n: u32) -> std::ops::Range<usize> {
        self.offsets[n as usize] as usize..self.offsets[n as usize + 1] as usize
    }

    /// The directed edge index from `a` to `b`, if they are adjacent.
    pub fn edge_between(&self, a: u32, b: u32) -> Option<usize> {
        self.edges(a).find(|&e| self.targets[e] == b)
    }
}

/// Where a search may start or end: a node plus the extra cost (km) of reaching
/// it from the true start (or of reaching the true goal from it).
#[derive(Debug, Clone, Copy)]
pub struct Anchor {
    pub node: u32,
    pub cost: f64,
}

/// Result of a search: node path from a start anchor to a goal anchor and its
/// total cost, anchors' extra costs included.
#[derive(Debug, Clone)]
pub struct Path {
    pub nodes: Vec<u32>,
    pub cost: f64,
}

#[derive(PartialEq)]
struct Item {
    f: f64,
    node: u32,
}
impl Eq for Item {}
impl Ord for Item {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on f; ties broken by node id for determinism.
        other
            .f
            .total_cmp(&self.f)
            .then_with(|| other.node.cmp(&self.node))
    }
}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A* from any of `starts` to any of `goals`, toward the point `goal`.
/// `extra(edge_index)` is `None` for a closed edge, else a cost added to its
/// weight (e.g. a canal's transit penalty). Edge weights must never be below the
/// great-circle distance between their ends (the heuristic's assumption).
pub fn astar(
    g: &Graph,
    starts: &[Anchor],
    goals: &[Anchor],
    goal: LatLng,
    extra: impl Fn(usize) -> Option<f64>,
) -> Option<Path> {
    const UNSEEN: u32 = u32::MAX;
    let n = g.node_count();
    let mut dist = vec![f64::INFINITY; n];
    let mut prev = vec![UNSEEN; n];
    let mut closed = vec![false; n];
    let mut goal_cost = std::collections::HashMap::new();
    for a in goals {
        let e = goal_cost.entry(a.node).or_insert(f64::INFINITY);
        *e = f64::min(*e, a.cost);
    }
    let h = |node: u32| haversine_km(g.pos(node), goal) * 0.999;
    let mut heap = BinaryHeap::new();
    for s in starts {
        if s.cost < dist[s.node as usize] {
            dist[s.node as usize] = s.cost;
            prev[s.node as usize] = s.node;
            heap.push(Item {
                f: s.cost + h(s.node),
                node: s.node,
            });
        }
    }
    let mut best: Option<(f64, u32)> = None;
    while let Some(Item { f, node }) = heap.pop() {
        if best.is_some_and(|(b, _)| f >= b) {
            break;
        }
        let u = node as usize;
        if closed[u] {
            continue;
        }
        closed[u] = true;
        let du = dist[u];
        if let Some(&extra) = goal_cost.get(&node) {
            if best.is_none_or(|(b, _)| du + extra < b) {
                best = Some((du + extra, node));
            }
        }
        for e in g.edges(node) {
            let Some(penalty) = extra(e) else {
                continue;
            };
            let v = g.targets[e];
            let nd = du + g.weights[e] as f64 + penalty;
            if nd < dist[v as usize] {
                dist[v as usize] = nd;
                prev[v as usize] = node;
                heap.push(Item {
                    f: nd + h(v),
                    node: v,
                });
            }
        }
    }
    let (cost, end) = best?;
    let mut nodes = vec![end];
    let mut cur = end;
    while prev[cur as usize] != cur {
        cur = prev[cur as usize];
        nodes.push(cur);
    }
    nodes.reverse();
    Some(Path { nodes, cost })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×3 grid of nodes one degree apart on the equator band.
    fn grid() -> Graph {
        let mut lat = vec![];
        let mut lng = vec![];
        for r in 0..3 {
            for c in 0..3 {
                lat.push(r as f32);
                lng.push(c as f32);
            }
        }
        let mut adj: Vec<Vec<(u32, f32)>> = vec![vec![]; 9];
        let mut link = |a: usize, b: usize| {
            let w = haversine_km(
                LatLng::new(lat[a] as f64, lng[a] as f64),
                LatLng::new(lat[b] as f64, lng[b] as f64),
            ) as f32
                * 1.001;
            adj[a].push((b as u32, w));
            adj[b].push((a as u32, w));
        };
        for r in 0..3 {
            for c in 0..3 {
                let i = r * 3 + c;
                if c < 2 {
                    link(i, i + 1);
                }
                if r < 2 {
                    link(i, i + 3);
                }
            }
        }
        let mut g = Graph {
            lat,
            lng,
            offsets: vec![0],
            targets: vec![],
            weights: vec![],
        };
        for a in adj {
            for (t, w) in a {
                g.targets.push(t);
                g.weights.push(w);
            }
            g.offsets.push(g.targets.len() as u32);
        }
        g
    }

    #[test]
    fn finds_shortest_path_and_respects_filter() {
        let g = grid();
        let start = [Anchor { node: 0, cost: 0.0 }];
        let goal = [Anchor { node: 8, cost: 0.0 }];
        let p = astar(&g, &start, &goal, g.pos(8), |_| Some(0.0)).unwrap();
        assert_eq!(p.nodes.len(), 5);
        assert_eq!((p.nodes[0], p.nodes[4]), (0, 8));
        // Forbid every edge touching the centre node: path must go round the rim.
        let centre = 4;
        let p2 = astar(&g, &start, &goal, g.pos(8), |e| {
            (g.targets[e] != centre && !g.edges(centre).contains(&e)).then_some(0.0)
        })
        .unwrap();
        assert!(!p2.nodes.contains(&centre));
        // Forbid everything: no path.
        assert!(astar(&g, &start, &goal, g.pos(8), |_| None).is_none());
    }
}
