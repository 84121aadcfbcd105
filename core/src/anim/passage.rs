//! Chokepoints along a route: named sea passages (located on the polyline from
//! their known coordinates) and waypoints marked `emphasis: chokepoint`.

use super::WaypointInput;
use crate::geo::{haversine_km, LatLng};
use crate::route::Route;

/// Known passage coordinates (the names the sea network tags its edges with).
const PASSAGES: &[(&str, f64, f64)] = &[
    ("suez", 30.5, 32.35),
    ("panama", 9.1, -79.7),
    ("malacca", 2.5, 101.5),
    ("gibraltar", 35.95, -5.6),
    ("babalmandab", 12.6, 43.4),
    ("ormuz", 26.5, 56.4),
    ("bosporus", 41.1, 29.05),
    ("dardanelles", 40.2, 26.4),
    ("sunda", -6.0, 105.8),
    ("south_africa", -34.8, 20.0),
    ("chili", -55.5, -68.0),
    ("bering", 65.8, -168.9),
    ("northwest", 74.5, -95.0),
];

/// A passage further than this from every route point is not considered on the route.
const MAX_SNAP_KM: f64 = 400.0;
/// A chokepoint waypoint this close to a passage is the same chokepoint.
const MERGE_KM: f64 = 150.0;

/// The known location of a named passage (`"suez"`, `"panama"`, …).
pub fn passage_location(name: &str) -> Option<LatLng> {
    PASSAGES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, lat, lng)| LatLng::new(lat, lng))
}

/// Whether a passage is a canal (where `canal_bottleneck` slows the vehicle).
pub fn is_canal(name: &str) -> bool {
    matches!(name, "suez" | "panama")
}

/// Length of a canal in km (the stretch `canal_bottleneck` slows the vehicle on).
pub fn canal_length_km(name: &str) -> f64 {
    match name {
        "suez" => 190.0,
        "panama" => 80.0,
        _ => 100.0,
    }
}

/// How dramatic a passage is, for picking "the most important chokepoint".
fn passage_weight(name: &str) -> f64 {
    match name {
        "suez" | "panama" => 10.0,
        "babalmandab" | "ormuz" => 7.0,
        "malacca" | "gibraltar" | "bosporus" => 6.0,
        "dardanelles" | "sunda" => 5.0,
        _ => 4.0,
    }
}

/// A point along the route where the camera may tighten.
#[derive(Debug, Clone, PartialEq)]
pub struct Chokepoint {
    /// Distance along the route in km.
    pub dist_km: f64,
    /// Index of the nearest route point.
    pub point_index: usize,
    /// The passage name, when it is (or coincides with) a named passage.
    pub passage: Option<String>,
    /// The waypoint index, when it is (or coincides with) a chokepoint waypoint.
    pub waypoint: Option<usize>,
    /// Suez or Panama.
    pub canal: bool,
    /// Importance (higher is more important).
    pub weight: f64,
}

/// The route's named passages located on its polyline, in travel order. Repeated
/// names (a round trip through Suez) are located one after the other.
pub fn locate_passages(route: &Route) -> Vec<Chokepoint> {
    let mut out = Vec::new();
    let mut from = 0usize;
    for name in &route.passages {
        let Some(loc) = passage_location(name) else {
            continue;
        };
        let best = route
            .points
            .iter()
            .enumerate()
            .skip(from)
            .map(|(i, p)| (i, haversine_km(*p, loc)))
            .fold(None::<(usize, f64)>, |acc, (i, d)| match acc {
                Some((_, bd)) if bd <= d => acc,
                _ => Some((i, d)),
            });
        if let Some((i, d)) = best {
            if d <= MAX_SNAP_KM {
                from = i;
                out.push(Chokepoint {
                    dist_km: route.cum_km.get(i).copied().unwrap_or(0.0),
                    point_index: i,
                    passage: Some(name.clone()),
                    waypoint: None,
                    canal: is_canal(name),
                    weight: passage_weight(name),
                });
            }
        }
    }
    out
}

/// Every chokepoint of the route (named passages and `chokepoint` waypoints), sorted by
/// distance; a chokepoint waypoint next to a passage is merged with it.
pub fn chokepoints(route: &Route, waypoints: &[WaypointInput]) -> Vec<Chokepoint> {
    let mut out = locate_passages(route);
    let last = route.points.len().saturating_sub(1);
    for (w, wp) in waypoints.iter().enumerate() {
        if !wp.chokepoint {
            continue;
        }
        let Some(&idx) = route.waypoint_index.get(w) else {
            continue;
        };
        let idx = idx.min(last);
        let dist = route.cum_km.get(idx).copied().unwrap_or(0.0);
        if let Some(c) = out
            .iter_mut()
            .find(|c| c.waypoint.is_none() && (c.dist_km - dist).abs() <= MERGE_KM)
        {
            c.waypoint = Some(w);
            c.weight = c.weight.max(8.0);
            continue;
        }
        out.push(Chokepoint {
            dist_km: dist,
            point_index: idx,
            passage: None,
            waypoint: Some(w),
            canal: false,
            weight: 8.0,
        });
    }
    out.sort_by(|a, b| a.dist_km.total_cmp(&b.dist_km));
    out
}

/// The most important chokepoint: highest weight, ties broken by closeness to the
/// middle of the route.
pub fn most_important(chokepoints: &[Chokepoint], total_km: f64) -> Option<&Chokepoint> {
    let mid = total_km / 2.0;
    chokepoints
        .iter()
        .fold(None, |best: Option<&Chokepoint>, c| match best {
            Some(b)
                if b.weight > c.weight
                    || (b.weight == c.weight
                        && (b.dist_km - mid).abs() <= (c.dist_km - mid).abs()) =>
            {
                Some(b)
            }
            _ => Some(c),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::densify_great_circle;
    use crate::route::RouteMode;

    fn route(points: Vec<LatLng>, passages: &[&str]) -> Route {
        let mut cum = vec![0.0];
        for w in points.windows(2) {
            cum.push(cum.last().unwrap() + haversine_km(w[0], w[1]));
        }
        let last = points.len() - 1;
        Route {
            distance_km: *cum.last().unwrap(),
            points,
            cum_km: cum,
            mode: RouteMode::Sea,
            passages: passages.iter().map(|s| s.to_string()).collect(),
            waypoint_index: vec![0, last],
        }
    }

    #[test]
    fn locates_suez_on_a_red_sea_route() {
        let mut pts = densify_great_circle(LatLng::new(31.3, 32.3), LatLng::new(29.9, 32.55), 5.0);
        pts.extend(densify_great_circle(
            LatLng::new(29.9, 32.55),
            LatLng::new(12.6, 43.4),
            20.0,
        ));
        let r = route(pts, &["suez", "babalmandab", "atlantis"]);
        let cps = locate_passages(&r);
        assert_eq!(cps.len(), 2);
        assert!(cps[0].canal && cps[0].dist_km < 150.0, "{cps:?}");
        assert!(cps[1].dist_km > cps[0].dist_km);
        let top = most_important(&cps, r.distance_km).unwrap();
        assert_eq!(top.passage.as_deref(), Some("suez"));
    }

    #[test]
    fn far_passage_is_ignored_and_waypoints_merge() {
        let pts = densify_great_circle(LatLng::new(36.0, -10.0), LatLng::new(36.0, 10.0), 20.0);
        let mut r = route(pts, &["panama", "gibraltar"]);
        let near = r.points.iter().position(|p| p.lng >= -5.0).unwrap();
        r.waypoint_index = vec![0, near, r.points.len() - 1];
        let wps = vec![
            WaypointInput::default(),
            WaypointInput {
                chokepoint: true,
                ..Default::default()
            },
            WaypointInput::default(),
        ];
        let cps = chokepoints(&r, &wps);
        assert_eq!(cps.len(), 1, "{cps:?}");
        assert_eq!(cps[0].passage.as_deref(), Some("gibraltar"));
        assert_eq!(cps[0].waypoint, Some(1));
    }
}
