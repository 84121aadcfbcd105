//! Sea routes stay at sea: every route is sampled every few km against the 10m
//! land polygons; land is allowed only inside the canals and must stay well
//! under 1 % of the length.

use georender::assets::basemap::land_index;
use georender::geo::{haversine_km, LatLng};
use georender::route::{route, RouteMode, RouteRequest};

/// Canal zones (lat min, lat max, lng min, lng max) where a route crosses land.
const CANALS: [(f64, f64, f64, f64); 2] = [
    (29.85, 31.35, 32.15, 32.65), // Suez
    (8.85, 9.45, -79.95, -79.45), // Panama
];

fn in_canal(p: LatLng) -> bool {
    CANALS
        .iter()
        .any(|c| p.lat >= c.0 && p.lat <= c.1 && p.lng >= c.2 && p.lng <= c.3)
}

/// (km on land outside canals, total km, worst stretch description)
fn land_share(points: &[LatLng]) -> (f64, f64) {
    let land = land_index().expect("land index");
    let (mut on_land, mut total) = (0.0, 0.0);
    for w in points.windows(2) {
        let d = haversine_km(w[0], w[1]);
        let n = (d / 2.0).ceil().max(1.0) as usize;
        for i in 0..n {
            let t = (i as f64 + 0.5) / n as f64;
            let p = LatLng::new(
                w[0].lat + t * (w[1].lat - w[0].lat),
                georender::geo::wrap_lng(w[0].lng + t * (w[1].lng - w[0].lng)),
            );
            if land.contains(p) && !in_canal(p) {
                on_land += d / n as f64;
            }
        }
        total += d;
    }
    (on_land, total)
}

/// A named route: waypoints (lat, lng) and passages to avoid.
type Case<'a> = (&'a str, &'a [(f64, f64)], &'a [&'a str]);

#[test]
fn reference_sea_routes_stay_at_sea() {
    let cases: &[Case] = &[
        ("Rotterdam→Shanghai", &[(51.95, 4.05), (31.23, 121.8)], &[]),
        (
            "Rotterdam→Shanghai avoiding Suez",
            &[(51.95, 4.05), (31.23, 121.8)],
            &["suez"],
        ),
        (
            "Singapore→Tokyo",
            &[(1.2644, 103.84), (35.4437, 139.638)],
            &[],
        ),
        (
            "Port Said→Bab el-Mandeb",
            &[(31.2653, 32.3019), (29.9668, 32.5498), (12.5833, 43.3333)],
            &[],
        ),
        (
            "New York→Los Angeles",
            &[(40.55, -74.0), (33.72, -118.27)],
            &[],
        ),
        (
            "Tokyo→San Francisco",
            &[(35.45, 139.8), (37.8, -122.5)],
            &[],
        ),
        ("Istanbul→Odessa", &[(41.0, 29.0), (46.45, 30.78)], &[]),
        ("Hamburg→Santos", &[(53.9, 8.7), (-24.0, -46.3)], &[]),
    ];
    let (mut all_land, mut all_total) = (0.0, 0.0);
    for (name, pts, avoid) in cases {
        let r = route(&RouteRequest {
            waypoints: pts.iter().map(|&(a, b)| LatLng::new(a, b)).collect(),
            mode: RouteMode::Sea,
            avoid: avoid.iter().map(|s| s.to_string()).collect(),
            allow_arctic: false,
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (on_land, total) = land_share(&r.points);
        let share = on_land / total;
        println!(
            "{name}: {total:.0} km, {on_land:.1} km on land ({:.3} %)",
            share * 100.0
        );
        // Narrow straits (Bosporus) are under a km wide: the 10m polygons clip them.
        assert!(
            share < 0.01,
            "{name}: {on_land:.1} km of {total:.0} km on land"
        );
        all_land += on_land;
        all_total += total;
    }
    assert!(
        all_land / all_total < 0.002,
        "{all_land:.1} km of {all_total:.0} km on land"
    );
}
