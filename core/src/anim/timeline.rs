//! Where the vehicle is at time `t`.
//!
//! The video always lasts `duration` seconds. The time budget is: an opening hold
//! at the first waypoint, a pause of `dwell + camera_hold_seconds` at each
//! waypoint that has one, a closing hold at the last waypoint, and travel for the
//! rest. When the holds would take more than half the video they are scaled down
//! proportionally, so travel always gets at least half. Travel is split into legs
//! between pauses; each leg eases in and out (smoothstep velocity ramps) and runs
//! at constant speed in between. With the `canal_bottleneck` preset the vehicle
//! slows down through the Suez and Panama canals.

use super::camera::{Preset, Tuning};
use super::passage;
use super::AnimInput;
use crate::geo::{haversine_km, LatLng};
use crate::route::Route;

/// Share of the video that holds may take at most.
const MAX_HOLD_SHARE: f64 = 0.5;
/// Samples of the cost table used when the vehicle slows through canals.
const COST_SAMPLES: usize = 4096;

/// The vehicle at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VehicleState {
    /// Position on the route polyline (longitude unwrapped like the route's).
    pub position: LatLng,
    /// Direction of travel in degrees clockwise from north, `[0, 360)`, smoothed
    /// over a short stretch of route.
    pub heading_deg: f64,
    /// Distance travelled in km.
    pub distance_km: f64,
    /// Travelled share of the route distance, `0..=1`.
    pub progress: f64,
    /// Segment the vehicle is on: it lies between `points[point_index]` and
    /// `points[point_index + 1]`, a fraction `frac` of the way.
    pub point_index: usize,
    /// Position within the segment, `0..=1`.
    pub frac: f64,
    /// Voyage time in hours: travelled distance at the nominal speed, plus the dwell
    /// time spent so far (dwell seconds count at the video's travel time scale).
    pub voyage_hours: f64,
    /// Nominal speed in km/h; 0 while holding.
    pub speed_kmh: f64,
    /// The waypoint the vehicle is holding at, if any.
    pub at_waypoint: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Motion {
    /// Standing at `dist_km`; voyage time accrues during `[dwell_from, dwell_from + dwell)`.
    Hold {
        waypoint: usize,
        dist_km: f64,
        dwell_from: f64,
        dwell: f64,
    },
    /// Travelling cost units `u0 .. u0 + v·(len − ramp)` with ramps of `ramp` s.
    Move {
        u0: f64,
        len: f64,
        ramp: f64,
        v: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Phase {
    start: f64,
    motion: Motion,
    /// Dwell voyage hours accrued before this phase.
    dwell_hours_before: f64,
}

/// A stretch of route where the vehicle runs slowed.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SlowZone {
    center_km: f64,
    half_km: f64,
    ramp_km: f64,
    slow: f64,
}

/// Piecewise-linear map between distance (km) and travel cost (km at full speed).
#[derive(Debug, Clone, PartialEq)]
struct CostMap {
    d: Vec<f64>,
    u: Vec<f64>,
}

impl CostMap {
    fn identity(total: f64) -> CostMap {
        CostMap {
            d: vec![0.0, total],
            u: vec![0.0, total],
        }
    }

    /// Speed × `slow` within each zone, smoothly back to full speed over its ramp.
    fn with_zones(total: f64, zones: &[SlowZone]) -> CostMap {
        if zones.is_empty() || total <= 0.0 {
            return CostMap::identity(total);
        }
        let density = |d: f64| {
            let m = zones.iter().fold(1.0f64, |m, z| {
                let x = (d - z.center_km).abs() - z.half_km;
                let bump = if x <= 0.0 {
                    1.0
                } else if z.ramp_km > 0.0 {
                    1.0 - super::ease::smoothstep(x / z.ramp_km)
                } else {
                    0.0
                };
                m.min(1.0 - (1.0 - z.slow) * bump)
            });
            1.0 / m
        };
        let n = COST_SAMPLES;
        let mut d = Vec::with_capacity(n + 1);
        let mut u = Vec::with_capacity(n + 1);
        let (mut acc, mut prev) = (0.0, density(0.0));
        d.push(0.0);
        u.push(0.0);
        for i in 1..=n {
            let x = total * i as f64 / n as f64;
            let cur = density(x);
            acc += 0.5 * (prev + cur) * (total / n as f64);
            prev = cur;
            d.push(x);
            u.push(acc);
        }
        CostMap { d, u }
    }

    fn cost(&self, d: f64) -> f64 {
        interp(&self.d, &self.u, d)
    }

    fn dist(&self, u: f64) -> f64 {
        interp(&self.u, &self.d, u)
    }

    #[cfg(test)]
    fn total(&self) -> f64 {
        *self.u.last().unwrap_or(&0.0)
    }
}

/// Linear interpolation in a table with increasing `xs`, clamped at the ends.
fn interp(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    let n = xs.len();
    if n == 0 {
        return 0.0;
    }
    if x <= xs[0] {
        return ys[0];
    }
    if x >= xs[n - 1] {
        return ys[n - 1];
    }
    let i = xs.partition_point(|&v| v <= x).clamp(1, n - 1) - 1;
    let span = xs[i + 1] - xs[i];
    if span <= 0.0 {
        return ys[i + 1];
    }
    ys[i] + (ys[i + 1] - ys[i]) * (x - xs[i]) / span
}

/// Cost covered `tau` seconds into a leg of `len` s with ramps of `ramp` s at speed `v`.
fn leg_progress(tau: f64, len: f64, ramp: f64, v: f64) -> f64 {
    let tau = tau.clamp(0.0, len);
    if ramp <= 0.0 {
        return v * tau;
    }
    // Velocity follows smoothstep over each ramp; ∫₀ˢ smoothstep = s³ − s⁴/2.
    let ramp_area = |s: f64| s * s * s - s * s * s * s / 2.0;
    let total = v * (len - ramp);
    if tau < ramp {
        v * ramp * ramp_area(tau / ramp)
    } else if tau > len - ramp {
        total - v * ramp * ramp_area((len - tau) / ramp)
    } else {
        v * ramp / 2.0 + v * (tau - ramp)
    }
}

/// Where the vehicle is at each time of the video. Owns a copy of the polyline.
#[derive(Debug, Clone)]
pub struct Timeline {
    duration: f64,
    points: Vec<LatLng>,
    cum_km: Vec<f64>,
    total_km: f64,
    speed_kmh: f64,
    phases: Vec<Phase>,
    cost: CostMap,
    travel: (f64, f64),
    waypoint_times: Vec<(f64, f64)>,
    slow_zones: Vec<(f64, f64)>,
    dwell_rate_h: f64,
    heading_window_km: f64,
}

fn non_negative(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        0.0
    }
}

/// One place where the vehicle stands still.
struct Stop {
    waypoint: usize,
    dist_km: f64,
    /// Seconds of camera-only hold before the dwell (opening) or after it.
    hold: f64,
    dwell: f64,
    /// Whether the dwell comes after the hold (true for the opening hold).
    dwell_last: bool,
}

/// Distance along the route of each waypoint, non-decreasing (at least two).
fn waypoint_distances(route: &Route, cum_km: &[f64]) -> Vec<f64> {
    let last = cum_km.len() - 1;
    let mut index: Vec<usize> = route.waypoint_index.iter().map(|&i| i.min(last)).collect();
    if index.len() < 2 {
        index = vec![0, last];
    }
    let mut dist: Vec<f64> = index.iter().map(|&i| cum_km[i]).collect();
    for i in 1..dist.len() {
        dist[i] = dist[i].max(dist[i - 1]);
    }
    dist
}

/// Where the vehicle stands still (the first and last waypoints, and every waypoint
/// with a dwell or a camera hold), with the holds scaled to fit the video; and the
/// time left for travel.
fn plan_stops(input: &AnimInput, wp_dist: &[f64], duration: f64) -> (Vec<Stop>, f64) {
    let n_wp = wp_dist.len();
    let wp = |i: usize| input.waypoints.get(i).cloned().unwrap_or_default();
    let open_default = (0.06 * duration).clamp(0.5, 1.0);
    let close_default = (0.08 * duration).clamp(0.5, 1.0);
    let focus_hold = non_negative(input.camera.focus_hold_seconds.unwrap_or(0.0));
    let mut stops = Vec::new();
    let first = wp(0);
    stops.push(Stop {
        waypoint: 0,
        dist_km: wp_dist[0],
        hold: first
            .camera_hold_seconds
            .map(non_negative)
            .unwrap_or(open_default)
            .max(focus_hold),
        dwell: non_negative(first.dwell),
        dwell_last: true,
    });
    for (i, &dist_km) in wp_dist.iter().enumerate().take(n_wp - 1).skip(1) {
        let w = wp(i);
        let (dwell, hold) = (
            non_negative(w.dwell),
            non_negative(w.camera_hold_seconds.unwrap_or(0.0)),
        );
        if dwell + hold > 0.0 {
            stops.push(Stop {
                waypoint: i,
                dist_km,
                hold,
                dwell,
                dwell_last: false,
            });
        }
    }
    let end = wp(n_wp - 1);
    stops.push(Stop {
        waypoint: n_wp - 1,
        dist_km: wp_dist[n_wp - 1],
        hold: end
            .camera_hold_seconds
            .map(non_negative)
            .unwrap_or(close_default),
        dwell: non_negative(end.dwell),
        dwell_last: false,
    });
    let hold_total: f64 = stops.iter().map(|s| s.hold + s.dwell).sum();
    let scale = if hold_total > MAX_HOLD_SHARE * duration && hold_total > 0.0 {
        MAX_HOLD_SHARE * duration / hold_total
    } else {
        1.0
    };
    for s in &mut stops {
        s.hold *= scale;
        s.dwell *= scale;
    }
    (stops, (duration - hold_total * scale).max(0.0))
}

/// The canals of the route as slow zones: each takes a fixed share of the travel
/// time whatever the route length, and the vehicle brakes over about a second of
/// travel before it.
fn canal_zones(input: &AnimInput, route: &Route, total_km: f64, travel_time: f64) -> Vec<SlowZone> {
    let canals: Vec<passage::Chokepoint> = passage::locate_passages(route)
        .into_iter()
        .filter(|c| c.canal)
        .collect();
    let share = Tuning::of(input.camera.intensity).canal_share / canals.len().max(1) as f64;
    let ramp_km = (0.8 * total_km / travel_time.max(1e-9)).min(0.2 * total_km);
    canals
        .iter()
        .map(|c| {
            let width =
                passage::canal_length_km(c.passage.as_deref().unwrap_or("")).min(0.25 * total_km);
            let slow =
                (width * (1.0 - share) / (share * (total_km - width).max(1e-9))).clamp(0.02, 0.5);
            SlowZone {
                center_km: c.dist_km,
                half_km: width / 2.0,
                ramp_km,
                slow,
            }
        })
        .collect()
}

impl Timeline {
    /// Plans the vehicle's motion along `route` for `input`.
    pub fn new(input: &AnimInput, route: &Route) -> Timeline {
        let duration = non_negative(input.duration);
        let (points, cum_km) = polyline(route);
        let total_km = cum_km[cum_km.len() - 1];
        let speed_kmh = if input.speed_kmh.is_finite() && input.speed_kmh > 0.0 {
            input.speed_kmh
        } else {
            900.0
        };
        let wp_dist = waypoint_distances(route, &cum_km);
        let n_wp = wp_dist.len();
        let (stops, travel_time) = plan_stops(input, &wp_dist, duration);

        let zones =
            if Preset::resolve(&input.camera, route) == Preset::CanalBottleneck && total_km > 0.0 {
                canal_zones(input, route, total_km, travel_time)
            } else {
                Vec::new()
            };
        let slow_zones = zones
            .iter()
            .map(|z| {
                (
                    (z.center_km - z.half_km).max(0.0),
                    (z.center_km + z.half_km).min(total_km),
                )
            })
            .collect();
        let cost = CostMap::with_zones(total_km, &zones);

        // Legs between stops and the cruise speed that fills the travel time.
        let legs: Vec<f64> = stops
            .windows(2)
            .map(|w| (cost.cost(w[1].dist_km) - cost.cost(w[0].dist_km)).max(0.0))
            .collect();
        let moving = legs.iter().filter(|&&c| c > 0.0).count().max(1);
        let ramp = (0.12 * travel_time)
            .clamp(0.25, 2.0)
            .min(travel_time / (2.0 * moving as f64));
        let v = cruise_speed(&legs, ramp, travel_time);
        let dwell_rate_h = if travel_time > 0.0 {
            total_km / speed_kmh / travel_time
        } else {
            0.0
        };

        // Phases.
        let mut phases = Vec::new();
        let mut t = 0.0;
        let mut dwell_hours = 0.0;
        let mut waypoint_times = vec![(f64::NAN, f64::NAN); n_wp];
        let mut travel = (0.0, duration);
        for (k, s) in stops.iter().enumerate() {
            let len = s.hold + s.dwell;
            let is_last = k + 1 == stops.len();
            let end = if is_last { duration.max(t) } else { t + len };
            let dwell_from = if s.dwell_last { t + s.hold } else { t };
            phases.push(Phase {
                start: t,
                motion: Motion::Hold {
                    waypoint: s.waypoint,
                    dist_km: s.dist_km,
                    dwell_from,
                    dwell: s.dwell,
                },
                dwell_hours_before: dwell_hours,
            });
            dwell_hours += s.dwell * dwell_rate_h;
            waypoint_times[s.waypoint] = (t, end);
            if k == 0 {
                travel.0 = end;
            }
            if is_last {
                travel.1 = t;
            }
            t = end;
            if !is_last {
                let c = legs[k];
                if c > 0.0 && v > 0.0 {
                    let r = ramp.min(c / v);
                    let len = c / v + r;
                    phases.push(Phase {
                        start: t,
                        motion: Motion::Move {
                            u0: cost.cost(s.dist_km),
                            len,
                            ramp: r,
                            v,
                        },
                        dwell_hours_before: dwell_hours,
                    });
                    t += len;
                }
            }
        }

        let mut tl = Timeline {
            duration,
            heading_window_km: (0.025 * total_km).clamp(0.05, 200.0),
            points,
            cum_km,
            total_km,
            speed_kmh,
            phases,
            cost,
            travel,
            waypoint_times: Vec::new(),
            slow_zones,
            dwell_rate_h,
        };
        for (i, wt) in waypoint_times.iter_mut().enumerate() {
            if wt.0.is_nan() {
                let at = tl.time_at_distance(wp_dist[i]);
                *wt = (at, at);
            }
        }
        tl.waypoint_times = waypoint_times;
        tl
    }

    /// The video length in seconds.
    pub fn duration(&self) -> f64 {
        self.duration
    }

    /// Route length in km.
    pub fn total_km(&self) -> f64 {
        self.total_km
    }

    /// When the vehicle leaves the first waypoint and when it reaches the last.
    pub fn travel_window(&self) -> (f64, f64) {
        self.travel
    }

    /// For each route waypoint, when the vehicle arrives and leaves (equal for
    /// waypoints it passes without stopping).
    pub fn waypoint_times(&self) -> &[(f64, f64)] {
        &self.waypoint_times
    }

    /// Stretches of route `(from_km, to_km)` where the vehicle runs slowed
    /// (canal passages with the `canal_bottleneck` preset).
    pub fn slow_zones(&self) -> &[(f64, f64)] {
        &self.slow_zones
    }

    /// The route polyline (longitudes unwrapped).
    pub fn points(&self) -> &[LatLng] {
        &self.points
    }

    fn phase_at(&self, t: f64) -> &Phase {
        let i = self.phases.partition_point(|p| p.start <= t).max(1) - 1;
        &self.phases[i]
    }

    /// Distance travelled at time `t`, in km.
    pub fn distance_at(&self, t: f64) -> f64 {
        let t = if t.is_nan() {
            0.0
        } else {
            t.clamp(0.0, self.duration)
        };
        let p = self.phase_at(t);
        match p.motion {
            Motion::Hold { dist_km, .. } => dist_km,
            Motion::Move { u0, len, ramp, v } => self
                .cost
                .dist(u0 + leg_progress(t - p.start, len, ramp, v))
                .min(self.total_km),
        }
    }

    /// The first time the vehicle has travelled `km` (the end of the video when it
    /// never does).
    pub fn time_at_distance(&self, km: f64) -> f64 {
        if self.distance_at(self.duration) < km {
            return self.duration;
        }
        let (mut lo, mut hi) = (0.0, self.duration);
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if self.distance_at(mid) >= km {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }

    /// The vehicle's position at time `t` (cheaper than [`Timeline::at`]).
    pub fn position_at(&self, t: f64) -> LatLng {
        self.position_at_km(self.distance_at(t))
    }

    /// The vehicle at time `t` seconds (clamped to the video).
    pub fn at(&self, t: f64) -> VehicleState {
        let t = if t.is_nan() {
            0.0
        } else {
            t.clamp(0.0, self.duration)
        };
        let phase = self.phase_at(t);
        let distance_km = self.distance_at(t);
        let (speed_kmh, at_waypoint, dwell_h) = match phase.motion {
            Motion::Hold {
                waypoint,
                dwell_from,
                dwell,
                ..
            } => {
                let spent = (t - dwell_from).clamp(0.0, dwell);
                (
                    0.0,
                    Some(waypoint),
                    phase.dwell_hours_before + spent * self.dwell_rate_h,
                )
            }
            Motion::Move { .. } => (self.speed_kmh, None, phase.dwell_hours_before),
        };
        let (point_index, frac) = self.segment_at(distance_km);
        let progress = if self.total_km > 0.0 {
            (distance_km / self.total_km).clamp(0.0, 1.0)
        } else if self.duration > 0.0 {
            t / self.duration
        } else {
            1.0
        };
        VehicleState {
            position: self.position_at_km(distance_km),
            heading_deg: self.heading_at_km(distance_km),
            distance_km,
            progress,
            point_index,
            frac,
            voyage_hours: distance_km / self.speed_kmh + dwell_h,
            speed_kmh,
            at_waypoint,
        }
    }

    fn segment_at(&self, d: f64) -> (usize, f64) {
        let n = self.points.len();
        if n < 2 {
            return (0, 0.0);
        }
        let i = self.cum_km.partition_point(|&c| c <= d).clamp(1, n - 1) - 1;
        let span = self.cum_km[i + 1] - self.cum_km[i];
        let frac = if span > 0.0 {
            ((d - self.cum_km[i]) / span).clamp(0.0, 1.0)
        } else {
            0.0
        };
        (i, frac)
    }

    /// The point `d` km along the route (clamped to the route).
    pub fn position_at_km(&self, d: f64) -> LatLng {
        let (i, f) = self.segment_at(d);
        let a = self.points[i];
        let b = self.points[(i + 1).min(self.points.len() - 1)];
        LatLng::new(a.lat + (b.lat - a.lat) * f, a.lng + (b.lng - a.lng) * f)
    }

    /// Smoothed heading at `d` km: the mean direction of the route's segments
    /// within the heading window around `d`, weighted by a triangular kernel (so it
    /// changes continuously and zig-zags in dense polylines cancel out).
    fn heading_at_km(&self, d: f64) -> f64 {
        let w = self.heading_window_km;
        let (lo, hi) = ((d - w).max(0.0), (d + w).min(self.total_km));
        let segments = self.segment_at(lo).0..self.segment_at(hi).0 + 1;
        let mut sum = [0.0, 0.0];
        for i in segments.take_while(|&i| i + 1 < self.points.len()) {
            let (s, e) = (self.cum_km[i].max(lo), self.cum_km[i + 1].min(hi));
            if e <= s {
                continue;
            }
            let weight = (e - s) * (1.0 - (0.5 * (s + e) - d).abs() / w).max(0.0);
            let dir = direction(self.points[i], self.points[i + 1]);
            sum = [sum[0] + weight * dir[0], sum[1] + weight * dir[1]];
        }
        if sum[0].hypot(sum[1]) < 1e-12 {
            // Degenerate window (a route that turns straight back): look ahead.
            sum = direction(self.position_at_km(d), self.position_at_km(hi));
            if sum == [0.0, 0.0] {
                sum = direction(self.position_at_km(lo), self.position_at_km(d));
            }
        }
        if sum == [0.0, 0.0] {
            return 0.0;
        }
        sum[0].atan2(sum[1]).to_degrees().rem_euclid(360.0)
    }
}

/// Unit (east, north) direction from `a` to `b` in the local tangent plane, or zero.
fn direction(a: LatLng, b: LatLng) -> [f64; 2] {
    let k = (0.5 * (a.lat + b.lat)).to_radians().cos();
    let (e, n) = ((b.lng - a.lng) * k, b.lat - a.lat);
    let len = e.hypot(n);
    if len < 1e-12 {
        [0.0, 0.0]
    } else {
        [e / len, n / len]
    }
}

/// The route's points and cumulative distances, repaired when inconsistent.
fn polyline(route: &Route) -> (Vec<LatLng>, Vec<f64>) {
    let points = if route.points.is_empty() {
        vec![LatLng::default()]
    } else {
        route.points.clone()
    };
    let consistent = route.cum_km.len() == points.len()
        && route.cum_km.iter().all(|c| c.is_finite())
        && route.cum_km.windows(2).all(|w| w[1] >= w[0]);
    let cum = if consistent {
        route.cum_km.clone()
    } else {
        let mut cum = Vec::with_capacity(points.len());
        cum.push(0.0);
        for w in points.windows(2) {
            cum.push(cum.last().unwrap() + haversine_km(w[0], w[1]));
        }
        cum
    };
    (points, cum)
}

/// Cruise speed (cost/s) such that legs of cost `legs`, each with ramps of
/// `min(ramp, cost/v)` s, take `time` seconds in all.
fn cruise_speed(legs: &[f64], ramp: f64, time: f64) -> f64 {
    let total: f64 = legs.iter().sum();
    if total <= 0.0 || time <= 0.0 {
        return 0.0;
    }
    let span = |v: f64| -> f64 { legs.iter().map(|&c| c / v + ramp.min(c / v)).sum() };
    let (mut lo, mut hi) = (total / time, 2.0 * total / time);
    while span(hi) > time {
        hi *= 2.0;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if span(mid) > time {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anim::WaypointInput;
    use crate::geo::densify_great_circle;
    use crate::route::RouteMode;

    fn route(points: Vec<LatLng>, waypoint_index: Vec<usize>) -> Route {
        let mut cum = vec![0.0];
        for w in points.windows(2) {
            cum.push(cum.last().unwrap() + haversine_km(w[0], w[1]));
        }
        Route {
            distance_km: *cum.last().unwrap(),
            points,
            cum_km: cum,
            mode: RouteMode::Manual,
            passages: vec![],
            waypoint_index,
        }
    }

    fn equator() -> Route {
        let pts = densify_great_circle(LatLng::new(0.0, 10.0), LatLng::new(0.0, 0.0), 10.0);
        let last = pts.len() - 1;
        route(pts, vec![0, last])
    }

    #[test]
    fn leg_progress_is_continuous_and_complete() {
        let (len, ramp, v) = (5.0, 1.0, 3.0);
        let mut prev = 0.0;
        for i in 0..=5000 {
            let x = leg_progress(i as f64 * len / 5000.0, len, ramp, v);
            assert!(x >= prev && x - prev < 0.01);
            prev = x;
        }
        assert!((prev - v * (len - ramp)).abs() < 1e-9);
    }

    #[test]
    fn cost_map_round_trips() {
        let zone = SlowZone {
            center_km: 500.0,
            half_km: 50.0,
            ramp_km: 50.0,
            slow: 0.25,
        };
        let m = CostMap::with_zones(1000.0, &[zone]);
        assert!(m.total() > 1000.0 + 100.0);
        for d in [0.0, 123.0, 480.0, 500.0, 999.0] {
            assert!((m.dist(m.cost(d)) - d).abs() < 1e-6);
        }
    }

    #[test]
    fn starts_ends_and_fills_the_video() {
        let r = equator();
        let tl = Timeline::new(&AnimInput::default(), &r);
        assert_eq!(tl.at(0.0).distance_km, 0.0);
        assert_eq!(tl.at(0.0).at_waypoint, Some(0));
        let end = tl.at(12.0);
        assert_eq!(end.position, *r.points.last().unwrap());
        assert_eq!(end.progress, 1.0);
        assert_eq!(end.at_waypoint, Some(1));
        let (a, b) = tl.travel_window();
        assert!(a > 0.4 && a <= 1.0 && (11.0..12.0).contains(&b), "{a} {b}");
        assert!((tl.at(6.0).heading_deg - 270.0).abs() < 0.5);
        assert_eq!(tl.at(6.0).speed_kmh, 900.0);
    }

    #[test]
    fn holds_never_take_more_than_half() {
        let r = equator();
        let input = AnimInput {
            duration: 10.0,
            waypoints: vec![
                WaypointInput {
                    dwell: 20.0,
                    ..Default::default()
                },
                WaypointInput {
                    camera_hold_seconds: Some(30.0),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let tl = Timeline::new(&input, &r);
        let (a, b) = tl.travel_window();
        assert!((b - a - 5.0).abs() < 1e-9, "{a} {b}");
        assert!(tl.at(b).distance_km >= r.distance_km - 1e-6);
        // Voyage time grows during the departure dwell.
        assert!(tl.at(a).voyage_hours > tl.at(0.0).voyage_hours);
    }

    #[test]
    fn degenerate_routes_do_not_panic() {
        let one = route(vec![LatLng::new(1.0, 2.0)], vec![0, 0]);
        let tl = Timeline::new(&AnimInput::default(), &one);
        let s = tl.at(5.0);
        assert_eq!(s.position, LatLng::new(1.0, 2.0));
        let empty = Route {
            points: vec![],
            cum_km: vec![],
            distance_km: 0.0,
            mode: RouteMode::Manual,
            passages: vec![],
            waypoint_index: vec![],
        };
        let tl = Timeline::new(&AnimInput::default(), &empty);
        assert_eq!(tl.at(3.0).distance_km, 0.0);
    }
}
