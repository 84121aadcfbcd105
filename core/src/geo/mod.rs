//! Geodesy and projection: haversine distance, great-circle interpolation,
//! Web Mercator and antimeridian unwrapping. Pure functions, no I/O.

/// Mean Earth radius in kilometres (IUGG).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A geographic position in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct LatLng {
    pub lat: f64,
    pub lng: f64,
}

impl LatLng {
    pub const fn new(lat: f64, lng: f64) -> Self {
        LatLng { lat, lng }
    }

    fn to_unit(self) -> [f64; 3] {
        let (la, lo) = (self.lat.to_radians(), self.lng.to_radians());
        [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
    }

    fn from_unit(v: [f64; 3]) -> Self {
        let lat = v[2].clamp(-1.0, 1.0).asin().to_degrees();
        let lng = v[1].atan2(v[0]).to_degrees();
        LatLng { lat, lng }
    }
}

/// Great-circle distance in kilometres.
pub fn haversine_km(a: LatLng, b: LatLng) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlng = (b.lng - a.lng).to_radians();
    let h = (dlat * 0.5).sin().powi(2) + la1.cos() * la2.cos() * (dlng * 0.5).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Initial bearing from `a` to `b` in degrees clockwise from north, in `[0, 360)`.
pub fn bearing_deg(a: LatLng, b: LatLng) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlng = (b.lng - a.lng).to_radians();
    let y = dlng.sin() * la2.cos();
    let x = la1.cos() * la2.sin() - la1.sin() * la2.cos() * dlng.cos();
    (y.atan2(x).to_degrees() + 360.0) % 360.0
}

/// The point a fraction `f` (0..=1) of the way along the great circle from `a` to `b`.
pub fn great_circle_point(a: LatLng, b: LatLng, f: f64) -> LatLng {
    let (u, v) = (a.to_unit(), b.to_unit());
    let dot = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]).clamp(-1.0, 1.0);
    let omega = dot.acos();
    if omega < 1e-12 {
        return a;
    }
    let s = omega.sin();
    let (ka, kb) = (((1.0 - f) * omega).sin() / s, (f * omega).sin() / s);
    LatLng::from_unit([
        ka * u[0] + kb * v[0],
        ka * u[1] + kb * v[1],
        ka * u[2] + kb * v[2],
    ])
}

/// Points along the great circle from `a` to `b`, both included, spaced at most
/// `step_km` apart (at least two points).
pub fn densify_great_circle(a: LatLng, b: LatLng, step_km: f64) -> Vec<LatLng> {
    let d = haversine_km(a, b);
    let n = ((d / step_km).ceil() as usize).max(1);
    (0..=n)
        .map(|i| great_circle_point(a, b, i as f64 / n as f64))
        .collect()
}

/// Rewrites longitudes so that consecutive points never jump by more than 180°:
/// a path crossing the antimeridian continues past ±180 (e.g. 179 → 181) instead
/// of wrapping the long way round the map.
pub fn unwrap_longitudes(points: &mut [LatLng]) {
    for i in 1..points.len() {
        let prev = points[i - 1].lng;
        let mut lng = points[i].lng;
        while lng - prev > 180.0 {
            lng -= 360.0;
        }
        while lng - prev < -180.0 {
            lng += 360.0;
        }
        points[i].lng = lng;
    }
}

/// Normalises a longitude into `[-180, 180)`.
pub fn wrap_lng(lng: f64) -> f64 {
    let l = (lng + 180.0).rem_euclid(360.0) - 180.0;
    if l == -180.0 && lng > 0.0 {
        180.0
    } else {
        l
    }
}

/// Web Mercator latitude limit in degrees.
pub const MERCATOR_MAX_LAT: f64 = 85.051_128_779_806_59;

/// Projects to normalised Web Mercator: `x` in `[0, 1]` west to east (beyond for
/// unwrapped longitudes), `y` in `[0, 1]` north to south.
pub fn mercator(p: LatLng) -> [f64; 2] {
    let lat = p
        .lat
        .clamp(-MERCATOR_MAX_LAT, MERCATOR_MAX_LAT)
        .to_radians();
    let x = (p.lng + 180.0) / 360.0;
    let y = 0.5 - (lat.tan() + 1.0 / lat.cos()).ln() / (2.0 * std::f64::consts::PI);
    [x, y]
}

/// Inverse of [`mercator`].
pub fn inverse_mercator(xy: [f64; 2]) -> LatLng {
    let lng = xy[0] * 360.0 - 180.0;
    let n = std::f64::consts::PI * (1.0 - 2.0 * xy[1]);
    let lat = n.sinh().atan().to_degrees();
    LatLng { lat, lng }
}

/// Distance in kilometres from `p` to the segment `a`–`b`, using a local
/// equirectangular approximation (good to well under 1 % for segments of tens of km).
pub fn point_segment_km(p: LatLng, a: LatLng, b: LatLng) -> (f64, f64) {
    let k = p.lat.to_radians().cos();
    let dl = |l: f64| {
        let mut d = l - p.lng;
        if d > 180.0 {
            d -= 360.0
        } else if d < -180.0 {
            d += 360.0
        }
        d
    };
    // `b` is placed relative to `a` so that a segment crossing the antimeridian
    // stays short instead of spanning the globe.
    let a_lng = dl(a.lng);
    let b_lng = a_lng + wrap_lng(b.lng - a.lng);
    let (ax, ay) = (a_lng * k, a.lat - p.lat);
    let (bx, by) = (b_lng * k, b.lat - p.lat);
    let (vx, vy) = (bx - ax, by - ay);
    let len2 = vx * vx + vy * vy;
    let t = if len2 > 0.0 {
        (-(ax * vx + ay * vy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (cx, cy) = (ax + t * vx, ay + t * vy);
    let deg = (cx * cx + cy * cy).sqrt();
    (deg * EARTH_RADIUS_KM.to_radians(), t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_across_antimeridian_is_short() {
        let (d, _) = point_segment_km(
            LatLng::new(40.0, -3.7),
            LatLng::new(40.0, 175.0),
            LatLng::new(40.0, -175.0),
        );
        assert!(d > 10_000.0, "{d}");
        let (d, t) = point_segment_km(
            LatLng::new(40.1, 179.9),
            LatLng::new(40.0, 175.0),
            LatLng::new(40.0, -175.0),
        );
        assert!(d < 12.0 && (t - 0.49).abs() < 0.01, "{d} {t}");
    }

    #[test]
    fn london_new_york_distance() {
        let d = haversine_km(
            LatLng::new(51.5074, -0.1278),
            LatLng::new(40.7128, -74.0060),
        );
        assert!((d - 5570.0).abs() < 15.0, "{d}");
    }

    #[test]
    fn great_circle_midpoint_is_north_of_rhumb_line() {
        let m = great_circle_point(LatLng::new(51.5, -0.1), LatLng::new(40.7, -74.0), 0.5);
        assert!(m.lat > 50.0, "{m:?}");
    }

    #[test]
    fn unwrap_crosses_antimeridian_the_short_way() {
        let mut pts =
            densify_great_circle(LatLng::new(35.7, 139.7), LatLng::new(37.8, -122.4), 200.0);
        unwrap_longitudes(&mut pts);
        for w in pts.windows(2) {
            assert!((w[1].lng - w[0].lng).abs() < 10.0);
        }
        assert!(pts.last().unwrap().lng > 180.0);
    }

    #[test]
    fn mercator_roundtrip() {
        let p = LatLng::new(48.85, 2.35);
        let q = inverse_mercator(mercator(p));
        assert!((p.lat - q.lat).abs() < 1e-9 && (p.lng - q.lng).abs() < 1e-9);
    }

    #[test]
    fn wrap_lng_range() {
        assert_eq!(wrap_lng(190.0), -170.0);
        assert_eq!(wrap_lng(-190.0), 170.0);
        assert_eq!(wrap_lng(180.0), 180.0);
    }
}
