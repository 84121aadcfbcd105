//! Where the camera looks at time `t` (SPEC section 6).
//!
//! A preset is turned into a *target* framing at every instant: an overview of the
//! route's bounding box, a follow framing around the vehicle, punch-ins at
//! chokepoints and canal passages, zoom keyframes eased with `camera.ease`. The
//! target is sampled at a fixed internal rate (independent of the output frame
//! rate) and smoothed with a zero-phase Gaussian filter; [`CameraPath::at`]
//! interpolates the samples with a Catmull-Rom spline and then keeps the visible
//! area inside Mercator's latitude range and the vehicle inside the frame (a soft,
//! continuous clamp), so every frame shows the vehicle at least
//! [`VEHICLE_MARGIN`] of the frame away from each edge.
//!
//! Zoom convention: standard Web Mercator zoom where the whole world is
//! `256 · 2^zoom` pixels wide in a 1080-pixel-high frame; other frame heights scale
//! pixels by `height / 1080`, so every resolution frames the same area.

use super::ease::Ease;
use super::passage;
use super::timeline::Timeline;
use super::AnimInput;
use crate::geo::{inverse_mercator, mercator, LatLng, EARTH_RADIUS_KM};
use crate::job::{self, CameraMode, Intensity};
use crate::route::Route;

/// Frame height, in pixels, at which zoom levels are defined.
pub const REFERENCE_HEIGHT_PX: f64 = 1080.0;
/// World width in pixels at zoom 0 (in a 1080-pixel-high frame).
pub const TILE_SIZE_PX: f64 = 256.0;
/// Widest zoom the camera uses.
pub const MIN_ZOOM: f64 = 0.5;
/// Tightest zoom the camera uses.
pub const MAX_ZOOM: f64 = 12.0;
/// Least distance between the vehicle and any frame edge, as a share of the frame.
pub const VEHICLE_MARGIN: f64 = 0.08;
/// Routes longer than this default to `global_corridor_reveal`.
pub const LONG_ROUTE_KM: f64 = 3000.0;

/// The vehicle is kept within this share of the half-frame from the centre (9 % margin).
const KEEP_LIMIT: f64 = 0.82;
// The keep-in-frame limit honours the promised margin.
const _: () = assert!(1.0 - KEEP_LIMIT >= 2.0 * VEHICLE_MARGIN);
/// Below this share of the half-frame the keep-in-frame clamp does nothing.
const KEEP_KNEE: f64 = 0.70;
/// Share of the frame the route's bounding box fills in the overview.
const OVERVIEW_FILL: f64 = 0.68;
/// Internal sampling rate of the target path, in samples per second of video.
const SAMPLE_RATE_HZ: f64 = 60.0;
/// The vehicle never crosses the frame's smaller side faster than this (seconds),
/// except in framings at least as wide as the overview.
const MIN_CROSSING_S: f64 = 1.5;
/// Tightest follow framing (punch-ins may go further, up to [`MAX_ZOOM`]).
const MAX_FOLLOW_ZOOM: f64 = 11.0;
/// The zoom never changes faster than this many times the intensity's zoom rate.
const MAX_RATE_FACTOR: f64 = 1.5;
/// Largest punch-in, in zoom levels.
const MAX_PUNCH: f64 = 4.0;

/// A camera choreography (SPEC section 6), resolved: `Follow` is the default for
/// routes up to [`LONG_ROUTE_KM`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Preset {
    /// Open on an overview, then follow the vehicle.
    #[default]
    Follow,
    /// Frame the whole route, no movement.
    StaticOverview,
    /// Start wide, sweep into the route corridor, follow, pull back at the end.
    GlobalCorridorReveal,
    /// Follow and tighten around chokepoints and named passages.
    ChokepointTension,
    /// Slow continuous zoom toward the most important chokepoint.
    TensionBuild,
    /// Punch in hard on canal passages; the vehicle slows through them.
    CanalBottleneck,
    /// Tight framing on chokepoints.
    ChokepointFocus,
    /// Wide view that keeps the whole route in frame.
    LongRerouteBurden,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 8] = [
        Preset::Follow,
        Preset::StaticOverview,
        Preset::GlobalCorridorReveal,
        Preset::ChokepointTension,
        Preset::TensionBuild,
        Preset::CanalBottleneck,
        Preset::ChokepointFocus,
        Preset::LongRerouteBurden,
    ];

    /// The job-JSON name (`"follow"` is the implicit short-route default).
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Follow => "follow",
            Preset::StaticOverview => "static_overview",
            Preset::GlobalCorridorReveal => "global_corridor_reveal",
            Preset::ChokepointTension => "chokepoint_tension",
            Preset::TensionBuild => "tension_build",
            Preset::CanalBottleneck => "canal_bottleneck",
            Preset::ChokepointFocus => "chokepoint_focus",
            Preset::LongRerouteBurden => "long_reroute_burden",
        }
    }

    /// Parses a name given by [`Preset::as_str`].
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The preset a camera uses on a route: `mode: static` gives the overview, an
    /// explicit preset wins, else `GlobalCorridorReveal` for routes longer than
    /// [`LONG_ROUTE_KM`] and `Follow` for shorter ones.
    pub fn resolve(camera: &CameraInput, route: &Route) -> Preset {
        if camera.static_mode {
            Preset::StaticOverview
        } else if let Some(p) = camera.preset {
            p
        } else if route.distance_km > LONG_ROUTE_KM {
            Preset::GlobalCorridorReveal
        } else {
            Preset::Follow
        }
    }

    /// Whether the preset moves with the vehicle (and honours waypoint zooms).
    fn follows(self) -> bool {
        !matches!(self, Preset::StaticOverview | Preset::LongRerouteBurden)
    }
}

impl From<job::CameraPreset> for Preset {
    fn from(p: job::CameraPreset) -> Preset {
        match p {
            job::CameraPreset::StaticOverview => Preset::StaticOverview,
            job::CameraPreset::GlobalCorridorReveal => Preset::GlobalCorridorReveal,
            job::CameraPreset::ChokepointTension => Preset::ChokepointTension,
            job::CameraPreset::TensionBuild => Preset::TensionBuild,
            job::CameraPreset::CanalBottleneck => Preset::CanalBottleneck,
            job::CameraPreset::ChokepointFocus => Preset::ChokepointFocus,
            job::CameraPreset::LongRerouteBurden => Preset::LongRerouteBurden,
        }
    }
}

impl CameraInput {
    /// The camera settings of `job` (a `start_focus_waypoint` label becomes the
    /// index of the first waypoint with that label).
    pub fn from_job(job: &job::Job) -> CameraInput {
        let c = &job.camera;
        let start_focus_waypoint = match &c.start_focus_waypoint {
            Some(job::FocusWaypoint::Index(i)) => Some(*i),
            Some(job::FocusWaypoint::Label(l)) => job
                .waypoints
                .iter()
                .position(|w| w.label.as_deref() == Some(l.as_str())),
            None => None,
        };
        CameraInput {
            preset: c.preset.map(Preset::from),
            intensity: c.intensity,
            static_mode: c.mode == Some(CameraMode::Static),
            start_zoom: c.start_zoom,
            waypoint_zoom: c.waypoint_zoom,
            ease: c.ease,
            start_focus_waypoint,
            focus_hold_seconds: c.focus_hold_seconds,
            opening_zoom_boost: c.opening_zoom_boost,
            chokepoint_punch_in: c.chokepoint_punch_in,
            tilt: c.tilt,
        }
    }
}

/// How an intensity scales the camera's moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tuning {
    /// Scale of zoom moves and transition speed (1 for balanced).
    pub factor: f64,
    /// Seconds the vehicle takes to cross the follow framing at average speed.
    pub crossing_s: f64,
    /// Standard deviation of the smoothing filter, in seconds.
    pub smoothing_s: f64,
    /// Zoom levels per second of a typical move.
    pub zoom_rate: f64,
    /// Share of the travel time spent in canals with `canal_bottleneck`.
    pub canal_share: f64,
}

impl Tuning {
    pub(crate) fn of(intensity: Intensity) -> Tuning {
        let (factor, crossing_s, smoothing_s, canal_share) = match intensity {
            Intensity::Soft => (0.6, 6.0, 0.55, 0.08),
            Intensity::Balanced => (1.0, 4.5, 0.4, 0.12),
            Intensity::Bold => (1.35, 3.5, 0.32, 0.15),
            Intensity::Strong => (1.7, 2.8, 0.25, 0.18),
        };
        Tuning {
            factor,
            crossing_s,
            smoothing_s,
            zoom_rate: 0.8 + 0.4 * factor,
            canal_share,
        }
    }
}

/// Camera settings (the job's `camera` object, resolved to indices and numbers).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CameraInput {
    /// Explicit preset; `None` chooses from the route length.
    pub preset: Option<Preset>,
    /// How far and fast the camera moves.
    pub intensity: Intensity,
    /// `mode: static`: a fixed overview whatever the preset.
    pub static_mode: bool,
    /// Zoom of the opening shot.
    pub start_zoom: Option<f64>,
    /// Zoom while the vehicle is at a waypoint where it pauses (or a chokepoint waypoint).
    pub waypoint_zoom: Option<f64>,
    /// Easing of zoom moves.
    pub ease: Ease,
    /// Waypoint index the opening shot centres on.
    pub start_focus_waypoint: Option<usize>,
    /// Seconds the opening focus is held (the vehicle waits meanwhile).
    pub focus_hold_seconds: Option<f64>,
    /// Zoom levels added to the opening shot.
    pub opening_zoom_boost: Option<f64>,
    /// Zoom levels added at chokepoints (0 disables punch-ins); `None` uses the preset's.
    pub chokepoint_punch_in: Option<f64>,
    /// Tilt in degrees, passed through for renderers that support it.
    pub tilt: f64,
}

/// The camera at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraState {
    /// Frame centre in normalised Web Mercator ([`crate::geo::mercator`]); `x` may
    /// leave `[0, 1]` on routes that cross the antimeridian.
    pub center: [f64; 2],
    /// Web Mercator zoom: the world is `256 · 2^zoom` px wide in a 1080-px-high frame.
    pub zoom: f64,
    /// Map rotation in degrees clockwise (the direction shown at the top of the frame).
    pub bearing_deg: f64,
    /// Tilt in degrees, for renderers that support it (ignored by [`project`]).
    pub tilt_deg: f64,
}

impl CameraState {
    /// Pixels per normalised Mercator unit in a frame `height` pixels high.
    pub fn pixels_per_unit(&self, height: u32) -> f64 {
        TILE_SIZE_PX * self.zoom.exp2() * f64::from(height) / REFERENCE_HEIGHT_PX
    }
}

/// Width and height of the area a camera at `zoom` sees, in normalised Mercator
/// units, for a frame of the given aspect ratio (width / height), without rotation.
pub fn visible_size(zoom: f64, aspect: f64) -> [f64; 2] {
    let h = REFERENCE_HEIGHT_PX / (TILE_SIZE_PX * zoom.exp2());
    [h * aspect, h]
}

/// The zoom at which an area of `size` (Mercator units) fills `fill` of the frame.
fn zoom_to_fit(size: [f64; 2], aspect: f64, fill: f64) -> f64 {
    let need = (size[1] / fill).max(size[0] / (fill * aspect)).max(1e-12);
    (REFERENCE_HEIGHT_PX / (TILE_SIZE_PX * need)).log2()
}

/// Bounding box `[min x, min y, max x, max y]` (normalised Mercator) of what the
/// camera sees in a frame of the given aspect ratio (width / height).
pub fn visible_bounds(cam: &CameraState, aspect: f64) -> [f64; 4] {
    let [w, h] = visible_size(cam.zoom, aspect);
    let b = cam.bearing_deg.to_radians();
    let (s, c) = (b.sin().abs(), b.cos().abs());
    let ex = 0.5 * (w * c + h * s);
    let ey = 0.5 * (w * s + h * c);
    let [x, y] = cam.center;
    [x - ex, y - ey, x + ex, y + ey]
}

/// Pixel coordinates (origin top-left, y down) of `p` in a `width × height` frame.
/// Of the world's copies of `p` (longitude ± 360°), the one nearest the centre is used.
pub fn project(cam: &CameraState, width: u32, height: u32, p: LatLng) -> [f64; 2] {
    let [mut x, y] = mercator(p);
    x += (cam.center[0] - x).round();
    let scale = cam.pixels_per_unit(height);
    let (dx, dy) = ((x - cam.center[0]) * scale, (y - cam.center[1]) * scale);
    let b = cam.bearing_deg.to_radians();
    let (s, c) = (b.sin(), b.cos());
    [
        0.5 * f64::from(width) + dx * c + dy * s,
        0.5 * f64::from(height) - dx * s + dy * c,
    ]
}

/// A zoom change over a window of the video.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Event {
    /// Fully applied during `[from, to]`, faded over `ramp` s on either side.
    from: f64,
    to: f64,
    ramp: f64,
    kind: EventKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum EventKind {
    /// Move the zoom to this level.
    Zoom(f64),
    /// Add this many zoom levels (the largest active punch wins).
    Punch(f64),
}

/// The opening focus on a waypoint.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Focus {
    point: [f64; 2],
    zoom: f64,
    end: f64,
    ramp: f64,
}

/// Everything the target framing is computed from.
struct Plan {
    preset: Preset,
    ease: Ease,
    aspect: f64,
    overview: [f64; 2],
    bbox: [f64; 4],
    z_overview: f64,
    z_lock: f64,
    keys: Vec<(f64, f64)>,
    events: Vec<Event>,
    /// `tension_build`: the chokepoint and when the vehicle passes it.
    tension: Option<([f64; 2], f64)>,
    focus: Option<Focus>,
    /// Zoom levels per second of a typical move.
    zoom_rate: f64,
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

fn lerp2(a: [f64; 2], b: [f64; 2], t: f64) -> [f64; 2] {
    [lerp(a[0], b[0], t), lerp(a[1], b[1], t)]
}

fn clamp_zoom(z: f64) -> f64 {
    if z.is_nan() {
        MIN_ZOOM
    } else {
        z.clamp(MIN_ZOOM, MAX_ZOOM)
    }
}

/// Evaluates eased zoom keyframes (held constant outside them).
fn eval_keys(keys: &[(f64, f64)], t: f64, ease: Ease) -> f64 {
    let Some(&(t_first, z_first)) = keys.first() else {
        return MIN_ZOOM;
    };
    if t <= t_first {
        return z_first;
    }
    for w in keys.windows(2) {
        let ((ta, za), (tb, zb)) = (w[0], w[1]);
        if t <= tb {
            let s = if tb > ta { (t - ta) / (tb - ta) } else { 1.0 };
            return lerp(za, zb, ease.apply(s));
        }
    }
    keys[keys.len() - 1].1
}

/// 0 outside `[from − ramp, to + ramp]`, 1 inside `[from, to]`, eased in between.
fn envelope(t: f64, from: f64, to: f64, ramp: f64, ease: Ease) -> f64 {
    if t >= from && t <= to {
        1.0
    } else if ramp <= 0.0 {
        0.0
    } else if t < from {
        ease.apply(1.0 - (from - t) / ramp)
    } else {
        ease.apply(1.0 - (t - to) / ramp)
    }
}

/// Centre for zoom `z` between the overview (at `z_o` and wider) and a focus point
/// (at `z_lock` and tighter): the focus point moves linearly across the screen.
fn blend_center(overview: [f64; 2], focus: [f64; 2], z: f64, z_o: f64, z_lock: f64) -> [f64; 2] {
    let g = ((z_lock - z_o) / 0.5).clamp(0.0, 1.0);
    if g == 0.0 {
        return overview;
    }
    let w = if z >= z_lock {
        0.0
    } else if z <= z_o {
        1.0
    } else {
        ((-z).exp2() - (-z_lock).exp2()) / ((-z_o).exp2() - (-z_lock).exp2())
    };
    lerp2(overview, lerp2(focus, overview, w), g)
}

/// Soft clamp of an offset to `KEEP_LIMIT · half`: identity up to `KEEP_KNEE · half`,
/// then a smooth (C¹) approach to the limit.
fn soft_keep(offset: f64, half: f64) -> f64 {
    let (a, b) = (KEEP_KNEE * half, KEEP_LIMIT * half);
    let m = offset.abs();
    if m <= a {
        offset
    } else {
        offset.signum() * (a + (b - a) * ((m - a) / (b - a)).tanh())
    }
}

/// Zoom levels and timings shared by the parts of a plan.
struct Levels {
    /// Intensity factor (1 for balanced).
    k: f64,
    /// Least duration of a camera move, in seconds.
    tau: f64,
    /// Zoom levels per second of a typical move.
    zoom_rate: f64,
    duration: f64,
    /// Travel window: the vehicle leaves the first waypoint at `t0`, arrives at `t1`.
    t0: f64,
    t1: f64,
    z_overview: f64,
    z_follow: f64,
    z_open: f64,
    /// From this zoom on, the camera centres on the vehicle.
    z_lock: f64,
    /// `tension_build`'s framing at the chokepoint.
    z_tight: f64,
}

impl Levels {
    fn new(
        input: &AnimInput,
        preset: Preset,
        timeline: &Timeline,
        aspect: f64,
        bbox: [f64; 4],
    ) -> Levels {
        let cam = &input.camera;
        let tuning = Tuning::of(cam.intensity);
        let k = tuning.factor;
        let duration = timeline.duration();
        let (t0, t1) = timeline.travel_window();
        let total_km = timeline.total_km();

        let size = [bbox[2] - bbox[0], bbox[3] - bbox[1]];
        let z_overview = zoom_to_fit(size, aspect, OVERVIEW_FILL).clamp(MIN_ZOOM, MAX_FOLLOW_ZOOM);

        // Follow framing: the vehicle crosses the frame's smaller side in a few seconds.
        let z_follow = if total_km > 0.0 && t1 > t0 {
            let span_km = total_km / (t1 - t0) * tuning.crossing_s;
            let center = [0.5 * (bbox[0] + bbox[2]), 0.5 * (bbox[1] + bbox[3])];
            let lat = inverse_mercator(center).lat.to_radians();
            let km_per_unit = 2.0 * std::f64::consts::PI * EARTH_RADIUS_KM * lat.cos().max(0.05);
            let small = REFERENCE_HEIGHT_PX / TILE_SIZE_PX * aspect.min(1.0);
            (small / (span_km / km_per_unit)).log2()
        } else {
            z_overview
        }
        .clamp(z_overview, MAX_FOLLOW_ZOOM);

        let first = input.waypoints.first().cloned().unwrap_or_default();
        let default_open = match preset {
            Preset::GlobalCorridorReveal => (z_overview - k).max(MIN_ZOOM).min(z_overview),
            Preset::LongRerouteBurden => z_overview - 0.1 - 0.2 * k,
            _ => z_overview,
        };
        let z_open = clamp_zoom(
            explicit_zoom(first.camera_zoom_override)
                .or(explicit_zoom(cam.start_zoom))
                .unwrap_or(default_open)
                + opening_boost(cam),
        );
        let z_tight = (z_follow + 0.8 * k).min(MAX_FOLLOW_ZOOM + 0.5);
        let z_lock = match preset {
            Preset::GlobalCorridorReveal => lerp(z_overview, z_follow, 0.6),
            Preset::ChokepointFocus => (z_follow + 0.3 * k).min(MAX_FOLLOW_ZOOM),
            Preset::TensionBuild => z_tight,
            _ => z_follow,
        };
        Levels {
            k,
            tau: (0.15 * duration).clamp(0.8, 3.5) / k.sqrt(),
            zoom_rate: tuning.zoom_rate,
            duration,
            t0,
            t1,
            z_overview,
            z_follow,
            z_open,
            z_lock,
            z_tight,
        }
    }

    /// Duration of a move from zoom `from` to `to`: at least `min` seconds, longer
    /// when the move is large.
    fn span(&self, from: f64, to: f64, min: f64) -> f64 {
        min.max((to - from).abs() / self.zoom_rate)
    }

    /// The preset's zoom keyframes; `t_c` is when `tension_build`'s chokepoint is passed.
    fn keyframes(&self, preset: Preset, t_c: f64) -> Vec<(f64, f64)> {
        let (t0, duration, tau) = (self.t0, self.duration, self.tau);
        let mut keys = vec![(0.0, self.z_open), (t0, self.z_open)];
        match preset {
            Preset::StaticOverview => {}
            Preset::GlobalCorridorReveal => {
                let mut sweep = self.span(self.z_open, self.z_lock, 1.5 * tau);
                let mut pull = self.span(self.z_lock, self.z_overview, 1.5 * tau);
                let room = duration - t0;
                if sweep + pull > room {
                    let f = room / (sweep + pull);
                    sweep *= f;
                    pull *= f;
                }
                keys.push((t0 + sweep, self.z_lock));
                keys.push((duration - pull, self.z_lock));
                keys.push((duration, self.z_overview));
            }
            Preset::TensionBuild => {
                let reach = t_c.max(t0 + self.span(self.z_open, self.z_tight, tau));
                keys.push((reach, self.z_tight));
                let release = t_c + 0.5 * tau;
                if release + self.span(self.z_tight, self.z_overview, tau) <= duration {
                    keys.push((release, self.z_tight));
                    keys.push((duration, self.z_overview));
                }
            }
            Preset::LongRerouteBurden => {
                keys.push((self.t1, self.z_overview - 0.05 - 0.05 * self.k));
            }
            _ => keys.push((t0 + self.span(self.z_open, self.z_lock, tau), self.z_lock)),
        }
        for i in 1..keys.len() {
            keys[i].0 = keys[i].0.max(keys[i - 1].0);
        }
        keys
    }

    /// Zoom changes while the vehicle is at waypoints: `camera_zoom_override`,
    /// `waypoint_zoom` where it pauses, else a mild push-in on longer pauses.
    fn waypoint_events(&self, input: &AnimInput, timeline: &Timeline) -> Vec<Event> {
        let wp_times = timeline.waypoint_times();
        let n_wp = wp_times.len();
        let mut events = Vec::new();
        for (i, &(a, b)) in wp_times.iter().enumerate().skip(1) {
            let w = input.waypoints.get(i).cloned().unwrap_or_default();
            let pause = b - a;
            let zoom = explicit_zoom(w.camera_zoom_override).or_else(|| {
                if pause > 0.0 || w.chokepoint {
                    explicit_zoom(input.camera.waypoint_zoom)
                } else {
                    None
                }
            });
            let kind = match zoom {
                Some(z) => EventKind::Zoom(z),
                None if pause >= 0.8 && i + 1 < n_wp && !w.chokepoint => {
                    EventKind::Punch(0.5 * self.k)
                }
                None => continue,
            };
            let ramp = match kind {
                EventKind::Zoom(z) => self.span(z, self.z_lock, 0.6 * self.tau),
                EventKind::Punch(d) => self.span(0.0, d, 0.6 * self.tau),
            };
            events.push(Event {
                from: a,
                to: if i + 1 == n_wp { self.duration } else { b },
                ramp,
                kind,
            });
        }
        events
    }

    /// Punch-ins at chokepoints, as the preset wants them.
    fn punch_events(
        &self,
        input: &AnimInput,
        preset: Preset,
        timeline: &Timeline,
        chokepoints: &[passage::Chokepoint],
    ) -> Vec<Event> {
        let cam = &input.camera;
        let (k, tau) = (self.k, self.tau);
        let user = cam.chokepoint_punch_in.filter(|p| p.is_finite());
        let mut events = Vec::new();
        for c in chokepoints {
            // A chokepoint waypoint with an explicit zoom has a waypoint event instead.
            let explicit = c.waypoint.is_some_and(|i| {
                let w = input.waypoints.get(i).cloned().unwrap_or_default();
                w.camera_zoom_override.is_some() || cam.waypoint_zoom.is_some()
            });
            let named_only = c.waypoint.is_none();
            let amount = match preset {
                Preset::Follow | Preset::GlobalCorridorReveal if named_only => continue,
                Preset::Follow | Preset::GlobalCorridorReveal => user.unwrap_or(0.8 * k),
                Preset::ChokepointTension => user.unwrap_or(k),
                Preset::CanalBottleneck if c.canal => user.unwrap_or(2.0 * k),
                Preset::CanalBottleneck => 0.3 * user.unwrap_or(2.0 * k),
                Preset::ChokepointFocus => user.unwrap_or(1.8 * k),
                _ => continue,
            }
            .min(MAX_PUNCH);
            if explicit || amount <= 0.0 {
                continue;
            }
            let t_c = timeline.time_at_distance(c.dist_km);
            let zone = timeline
                .slow_zones()
                .iter()
                .find(|z| z.0 <= c.dist_km && c.dist_km <= z.1);
            let (from, to, ramp) = match (preset, zone) {
                (Preset::CanalBottleneck, Some(&(za, zb))) => (
                    timeline.time_at_distance(za),
                    timeline.time_at_distance(zb),
                    tau,
                ),
                (Preset::ChokepointFocus, _) => (t_c - 0.6 * tau, t_c + 0.6 * tau, 1.2 * tau),
                _ => (t_c - 0.25 * tau, t_c + 0.25 * tau, tau),
            };
            events.push(Event {
                from,
                to,
                ramp: self.span(0.0, amount, ramp),
                kind: EventKind::Punch(amount),
            });
        }
        events
    }

    /// The opening focus on `start_focus_waypoint` (or the first waypoint when only
    /// `focus_hold_seconds` is set).
    fn opening_focus(
        &self,
        input: &AnimInput,
        route: &Route,
        timeline: &Timeline,
    ) -> Option<Focus> {
        let cam = &input.camera;
        let i = cam
            .start_focus_waypoint
            .or(cam.focus_hold_seconds.map(|_| 0))
            .filter(|&i| i < route.waypoint_index.len())?;
        let points = timeline.points();
        let point_index = route.waypoint_index[i].min(points.len() - 1);
        let w = input.waypoints.get(i).cloned().unwrap_or_default();
        let zoom = clamp_zoom(
            explicit_zoom(w.camera_zoom_override)
                .or(explicit_zoom(cam.waypoint_zoom))
                .or(explicit_zoom(cam.start_zoom))
                .unwrap_or(self.z_follow + 0.5 * self.k)
                + opening_boost(cam),
        );
        let end = cam
            .focus_hold_seconds
            .filter(|h| h.is_finite() && *h > 0.0)
            .map_or(self.t0, |h| h.min(self.t0));
        Some(Focus {
            point: mercator(points[point_index]),
            zoom,
            end,
            ramp: self.span(zoom, self.z_open, self.tau),
        })
    }
}

/// A job zoom level, if given and finite, clamped to the camera's range.
fn explicit_zoom(z: Option<f64>) -> Option<f64> {
    z.filter(|z| z.is_finite()).map(clamp_zoom)
}

/// `opening_zoom_boost`, or 0.
fn opening_boost(cam: &CameraInput) -> f64 {
    cam.opening_zoom_boost
        .filter(|b| b.is_finite())
        .unwrap_or(0.0)
}

impl Plan {
    fn new(input: &AnimInput, route: &Route, timeline: &Timeline, aspect: f64) -> Plan {
        let preset = Preset::resolve(&input.camera, route);
        let mut bbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for p in timeline.points() {
            let [x, y] = mercator(*p);
            bbox = [
                bbox[0].min(x),
                bbox[1].min(y),
                bbox[2].max(x),
                bbox[3].max(y),
            ];
        }
        let levels = Levels::new(input, preset, timeline, aspect, bbox);

        // `tension_build` zooms toward the most important chokepoint, else the destination.
        let chokepoints = passage::chokepoints(route, &input.waypoints);
        let total_km = timeline.total_km();
        let (tension_km, t_c) = passage::most_important(&chokepoints, total_km)
            .map(|c| (c.dist_km, timeline.time_at_distance(c.dist_km)))
            .unwrap_or((total_km, levels.t1));

        let mut events = Vec::new();
        if preset.follows() {
            events = levels.waypoint_events(input, timeline);
            events.extend(levels.punch_events(input, preset, timeline, &chokepoints));
        }
        let focus = if preset == Preset::StaticOverview {
            None
        } else {
            levels.opening_focus(input, route, timeline)
        };
        Plan {
            preset,
            ease: input.camera.ease,
            aspect,
            overview: [0.5 * (bbox[0] + bbox[2]), 0.5 * (bbox[1] + bbox[3])],
            bbox,
            z_overview: levels.z_overview,
            z_lock: levels.z_lock,
            keys: levels.keyframes(preset, t_c),
            events,
            tension: (preset == Preset::TensionBuild)
                .then(|| (mercator(timeline.position_at_km(tension_km)), t_c)),
            focus,
            zoom_rate: levels.zoom_rate,
        }
    }

    /// Caps `z` so the vehicle (moving `speed` units/s) takes at least
    /// [`MIN_CROSSING_S`] to cross the frame, never below the overview zoom.
    fn speed_cap(&self, z: f64, speed: f64) -> f64 {
        if speed <= 0.0 {
            return z;
        }
        let small = REFERENCE_HEIGHT_PX / TILE_SIZE_PX * self.aspect.min(1.0);
        let cap = (small / (speed * MIN_CROSSING_S)).log2();
        z.min(cap.max(self.z_overview))
    }

    fn zoom_at(&self, t: f64) -> f64 {
        let mut z = eval_keys(&self.keys, t, self.ease);
        let mut punch = 0.0f64;
        for e in &self.events {
            let w = envelope(t, e.from, e.to, e.ramp, self.ease);
            if w > 0.0 {
                match e.kind {
                    EventKind::Zoom(target) => z = lerp(z, target, w),
                    EventKind::Punch(d) => punch = punch.max(w * d),
                }
            }
        }
        z + punch
    }

    /// The opening focus at time `t` (vehicle at `v`): its zoom, its centre and
    /// how far the move to the preset's framing has got (`0..1`).
    fn focus_at(&self, t: f64, v: [f64; 2]) -> Option<(f64, [f64; 2], f64)> {
        let f = self.focus.as_ref()?;
        if t >= f.end + f.ramp {
            return None;
        }
        let s = if t <= f.end {
            0.0
        } else {
            self.ease.apply((t - f.end) / f.ramp)
        };
        // Frame the focus point, but never lose the vehicle.
        let size = [(v[0] - f.point[0]).abs(), (v[1] - f.point[1]).abs()];
        let fz = clamp_zoom(f.zoom.min(zoom_to_fit(size, self.aspect, 0.55)));
        let [w, h] = visible_size(fz, self.aspect);
        let fc = [
            v[0] - (v[0] - f.point[0]).clamp(-0.3 * w, 0.3 * w),
            v[1] - (v[1] - f.point[1]).clamp(-0.3 * h, 0.3 * h),
        ];
        Some((fz, fc, s))
    }

    /// Target zoom at time `t`, the vehicle being at `v` (Mercator) and moving at
    /// `speed` Mercator units per second.
    fn zoom_target(&self, t: f64, v: [f64; 2], speed: f64) -> f64 {
        let z = match self.preset {
            Preset::StaticOverview => eval_keys(&self.keys, t, self.ease),
            Preset::LongRerouteBurden => self.speed_cap(eval_keys(&self.keys, t, self.ease), speed),
            Preset::TensionBuild => {
                let (p, t_c) = self.tension.unwrap_or((v, 0.0));
                let mut z = self.zoom_at(t);
                if t < t_c {
                    // Keep both the vehicle and the chokepoint in view.
                    let size = [(v[0] - p[0]).abs(), (v[1] - p[1]).abs()];
                    z = z.min(zoom_to_fit(size, self.aspect, 0.6).max(self.z_overview));
                }
                self.speed_cap(z, speed)
            }
            _ => self.speed_cap(self.zoom_at(t), speed),
        };
        let z = clamp_zoom(z);
        match self.focus_at(t, v) {
            Some((fz, _, s)) => lerp(fz, z, s),
            None => z,
        }
    }

    /// Target centre at time `t` for the (rate-limited) zoom `z`.
    fn center_target(&self, t: f64, v: [f64; 2], z: f64) -> [f64; 2] {
        let c = match self.preset {
            Preset::StaticOverview => self.overview,
            Preset::LongRerouteBurden => {
                // Drift toward the vehicle as far as the whole route stays in view.
                let [w, h] = visible_size(z, self.aspect);
                let (hx, hy) = (0.5 * KEEP_KNEE * w, 0.5 * KEEP_KNEE * h);
                let range = |lo: f64, hi: f64, x: f64, mid: f64| {
                    if lo <= hi {
                        x.clamp(lo, hi)
                    } else {
                        mid
                    }
                };
                let b = self.bbox;
                [
                    range(b[2] - hx, b[0] + hx, v[0], self.overview[0]),
                    range(b[3] - hy, b[1] + hy, v[1], self.overview[1]),
                ]
            }
            Preset::TensionBuild => {
                let (p, t_c) = self.tension.unwrap_or((v, 0.0));
                let f = if t < t_c { lerp2(v, p, 0.5) } else { v };
                blend_center(self.overview, f, z, self.z_overview, self.z_lock)
            }
            _ => blend_center(self.overview, v, z, self.z_overview, self.z_lock),
        };
        match self.focus_at(t, v) {
            Some((_, fc, s)) => lerp2(fc, c, s),
            None => c,
        }
    }
}

/// The largest function below `zs` whose slope is at most `max_step` per sample
/// (zoom only ever widens, so framing is never lost).
fn limit_rate(zs: &mut [f64], max_step: f64) {
    for i in 1..zs.len() {
        zs[i] = zs[i].min(zs[i - 1] + max_step);
    }
    for i in (0..zs.len().saturating_sub(1)).rev() {
        zs[i] = zs[i].min(zs[i + 1] + max_step);
    }
}

/// The camera over the whole video. Owns a copy of the timeline so that
/// [`CameraPath::at`] can keep the vehicle in frame.
#[derive(Debug, Clone)]
pub struct CameraPath {
    preset: Preset,
    aspect: f64,
    tilt_deg: f64,
    step: f64,
    samples: Vec<[f64; 3]>,
    timeline: Timeline,
}

impl CameraPath {
    /// Plans the camera for `input` on `route` with the vehicle moving along
    /// `timeline`, for frames of the given aspect ratio (width / height).
    pub fn new(input: &AnimInput, route: &Route, timeline: &Timeline, aspect: f64) -> CameraPath {
        let aspect = if aspect.is_finite() && aspect > 0.0 {
            aspect
        } else {
            16.0 / 9.0
        };
        let plan = Plan::new(input, route, timeline, aspect);
        let duration = timeline.duration();
        let n = ((duration * SAMPLE_RATE_HZ).ceil() as usize).max(1);
        let step = duration / n as f64;
        let vehicle: Vec<[f64; 2]> = (0..=n)
            .map(|i| mercator(timeline.position_at(i as f64 * step)))
            .collect();
        let half = ((0.25 / step.max(1e-9)).round() as usize).clamp(1, n);
        let mut zooms: Vec<f64> = (0..=n)
            .map(|i| {
                let (lo, hi) = (i.saturating_sub(half), (i + half).min(n));
                let (a, b) = (vehicle[lo], vehicle[hi]);
                let speed = if hi > lo && step > 0.0 {
                    (b[0] - a[0]).hypot(b[1] - a[1]) / ((hi - lo) as f64 * step)
                } else {
                    0.0
                };
                plan.zoom_target(i as f64 * step, vehicle[i], speed)
            })
            .collect();
        limit_rate(&mut zooms, MAX_RATE_FACTOR * plan.zoom_rate * step);
        let targets: Vec<[f64; 3]> = (0..=n)
            .map(|i| {
                let [x, y] = plan.center_target(i as f64 * step, vehicle[i], zooms[i]);
                [x, y, zooms[i]]
            })
            .collect();
        let sigma = Tuning::of(input.camera.intensity).smoothing_s;
        let samples = if plan.preset == Preset::StaticOverview || step <= 0.0 {
            targets
        } else {
            gaussian_smooth(&targets, sigma / step)
        };
        CameraPath {
            preset: plan.preset,
            aspect,
            tilt_deg: if input.camera.tilt.is_finite() {
                input.camera.tilt.clamp(0.0, 85.0)
            } else {
                0.0
            },
            step,
            samples,
            timeline: timeline.clone(),
        }
    }

    /// The preset in use.
    pub fn preset(&self) -> Preset {
        self.preset
    }

    /// The aspect ratio (width / height) the path was planned for.
    pub fn aspect(&self) -> f64 {
        self.aspect
    }

    /// The timeline the camera follows.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The camera at time `t` seconds (clamped to the video).
    pub fn at(&self, t: f64) -> CameraState {
        let duration = self.timeline.duration();
        let t = if t.is_nan() {
            0.0
        } else {
            t.clamp(0.0, duration)
        };
        let [mut cx, mut cy, z] = self.sample(t);
        let zoom = clamp_zoom(z);
        let [w, h] = visible_size(zoom, self.aspect);
        // Keep the visible latitudes inside the Mercator square where possible.
        cy = if h >= 1.0 {
            0.5
        } else {
            cy.clamp(0.5 * h, 1.0 - 0.5 * h)
        };
        // Keep the vehicle in frame.
        let [vx, vy] = mercator(self.timeline.position_at(t));
        cx = vx - soft_keep(vx - cx, 0.5 * w);
        cy = vy - soft_keep(vy - cy, 0.5 * h);
        CameraState {
            center: [cx, cy],
            zoom,
            bearing_deg: 0.0,
            tilt_deg: self.tilt_deg,
        }
    }

    /// Catmull-Rom interpolation of the smoothed samples.
    fn sample(&self, t: f64) -> [f64; 3] {
        let n = self.samples.len() - 1;
        if n == 0 || self.step <= 0.0 {
            return self.samples[0];
        }
        let x = (t / self.step).clamp(0.0, n as f64);
        let i = (x.floor() as usize).min(n - 1);
        let f = x - i as f64;
        let p = |j: isize| self.samples[j.clamp(0, n as isize) as usize];
        let i = i as isize;
        let (p0, p1, p2, p3) = (p(i - 1), p(i), p(i + 1), p(i + 2));
        let mut out = [0.0; 3];
        for c in 0..3 {
            let (a, b, cc, d) = (p0[c], p1[c], p2[c], p3[c]);
            out[c] = b + 0.5
                * f
                * (cc - a + f * (2.0 * a - 5.0 * b + 4.0 * cc - d + f * (3.0 * (b - cc) + d - a)));
        }
        out
    }
}

/// Zero-phase Gaussian smoothing with standard deviation `sigma` samples; the ends
/// are extended with their edge values.
fn gaussian_smooth(xs: &[[f64; 3]], sigma: f64) -> Vec<[f64; 3]> {
    if sigma < 0.5 || xs.len() < 3 {
        return xs.to_vec();
    }
    let radius = (3.0 * sigma).ceil() as isize;
    let weights: Vec<f64> = (-radius..=radius)
        .map(|j| (-0.5 * (j as f64 / sigma).powi(2)).exp())
        .collect();
    let norm: f64 = weights.iter().sum();
    let last = xs.len() as isize - 1;
    (0..xs.len() as isize)
        .map(|i| {
            let mut acc = [0.0; 3];
            for (w, j) in weights.iter().zip(-radius..=radius) {
                let x = xs[(i + j).clamp(0, last) as usize];
                for c in 0..3 {
                    acc[c] += w * x[c];
                }
            }
            acc.map(|a| a / norm)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cam(lat: f64, lng: f64, zoom: f64) -> CameraState {
        CameraState {
            center: mercator(LatLng::new(lat, lng)),
            zoom,
            bearing_deg: 0.0,
            tilt_deg: 0.0,
        }
    }

    #[test]
    fn zoom_convention() {
        // At zoom 0 the world is 256 px wide in a 1080-px frame, 512 px in a 2160-px one.
        let c = cam(0.0, 0.0, 0.0);
        assert_eq!(c.pixels_per_unit(1080), 256.0);
        assert_eq!(c.pixels_per_unit(2160), 512.0);
        let [w, h] = visible_size(3.0, 16.0 / 9.0);
        assert!((h - 1080.0 / 2048.0).abs() < 1e-12 && (w / h - 16.0 / 9.0).abs() < 1e-12);
        // The same area at every resolution.
        let p = LatLng::new(10.0, 10.0);
        let a = project(&c, 1920, 1080, p);
        let b = project(&c, 3840, 2160, p);
        assert!((2.0 * a[0] - b[0]).abs() < 1e-9 && (2.0 * a[1] - b[1]).abs() < 1e-9);
        let z = zoom_to_fit([w, h], 16.0 / 9.0, 1.0);
        assert!((z - 3.0).abs() < 1e-9, "{z}");
    }

    #[test]
    fn project_uses_the_nearest_world_copy() {
        let c = cam(40.0, 179.0, 4.0);
        let east = project(&c, 1920, 1080, LatLng::new(40.0, -179.0));
        let unwrapped = project(&c, 1920, 1080, LatLng::new(40.0, 181.0));
        assert!((east[0] - unwrapped[0]).abs() < 1e-6 && east[0] > 960.0);
        assert!((east[1] - 540.0).abs() < 1e-6);
        // North is up; a 90° bearing puts east up.
        let north = project(&c, 1920, 1080, LatLng::new(41.0, 179.0));
        assert!(north[1] < 540.0 && (north[0] - 960.0).abs() < 1e-6);
        let turned = CameraState {
            bearing_deg: 90.0,
            ..c
        };
        let p = project(&turned, 1920, 1080, LatLng::new(40.0, 179.5));
        assert!(p[1] < 540.0 && (p[0] - 960.0).abs() < 1e-6, "{p:?}");
        let b = visible_bounds(&turned, 16.0 / 9.0);
        let [w, h] = visible_size(4.0, 16.0 / 9.0);
        assert!((b[2] - b[0] - h).abs() < 1e-12 && (b[3] - b[1] - w).abs() < 1e-12);
    }

    #[test]
    fn soft_keep_is_bounded_continuous_and_identity_near_the_centre() {
        assert_eq!(soft_keep(0.3, 1.0), 0.3);
        assert_eq!(soft_keep(-0.7, 1.0), -0.7);
        let mut prev = soft_keep(-10.0, 1.0);
        for i in -10_000..=10_000 {
            let v = soft_keep(i as f64 / 1000.0, 1.0);
            assert!(v.abs() <= KEEP_LIMIT);
            assert!(v >= prev && v - prev <= 1e-3 + 1e-12);
            prev = v;
        }
    }

    #[test]
    fn rate_limit_only_widens() {
        let mut z = vec![1.0, 1.0, 5.0, 5.0, 1.0, 1.0];
        limit_rate(&mut z, 1.0);
        assert_eq!(z, vec![1.0, 1.0, 2.0, 2.0, 1.0, 1.0]);
        let mut z = vec![3.0, 3.5, 4.0];
        limit_rate(&mut z, 1.0);
        assert_eq!(z, vec![3.0, 3.5, 4.0]);
    }

    #[test]
    fn smoothing_keeps_constants_and_blend_hits_its_ends() {
        let xs = vec![[0.25, 0.5, 3.0]; 50];
        for x in gaussian_smooth(&xs, 6.0) {
            for c in 0..3 {
                assert!((x[c] - xs[0][c]).abs() < 1e-12);
            }
        }
        let (o, f) = ([0.2, 0.3], [0.6, 0.1]);
        assert_eq!(blend_center(o, f, 2.0, 3.0, 6.0), o);
        assert_eq!(blend_center(o, f, 7.0, 3.0, 6.0), f);
        let mid = blend_center(o, f, 4.5, 3.0, 6.0);
        assert!(mid[0] > o[0] && mid[0] < f[0]);
        // No lock zoom tighter than the overview: stay on the overview.
        assert_eq!(blend_center(o, f, 9.0, 3.0, 3.0), o);
    }

    #[test]
    fn keyframes_and_envelopes() {
        let keys = [(0.0, 2.0), (1.0, 2.0), (3.0, 6.0)];
        assert_eq!(eval_keys(&keys, -1.0, Ease::CubicInOut), 2.0);
        assert_eq!(eval_keys(&keys, 2.0, Ease::CubicInOut), 4.0);
        assert_eq!(eval_keys(&keys, 9.0, Ease::Linear), 6.0);
        assert_eq!(envelope(5.0, 4.0, 6.0, 1.0, Ease::Linear), 1.0);
        assert_eq!(envelope(2.5, 4.0, 6.0, 1.0, Ease::Linear), 0.0);
        assert_eq!(envelope(3.5, 4.0, 6.0, 1.0, Ease::Linear), 0.5);
        assert_eq!(envelope(6.5, 4.0, 6.0, 1.0, Ease::Linear), 0.5);
    }

    #[test]
    fn preset_resolution_and_names() {
        let route = |km: f64| Route {
            points: vec![LatLng::new(0.0, 0.0), LatLng::new(0.0, 1.0)],
            cum_km: vec![0.0, km],
            distance_km: km,
            mode: crate::route::RouteMode::Manual,
            passages: vec![],
            waypoint_index: vec![0, 1],
        };
        let mut c = CameraInput::default();
        assert_eq!(Preset::resolve(&c, &route(500.0)), Preset::Follow);
        assert_eq!(
            Preset::resolve(&c, &route(5000.0)),
            Preset::GlobalCorridorReveal
        );
        c.preset = Some(Preset::TensionBuild);
        assert_eq!(Preset::resolve(&c, &route(500.0)), Preset::TensionBuild);
        c.static_mode = true;
        assert_eq!(Preset::resolve(&c, &route(500.0)), Preset::StaticOverview);
        for p in Preset::ALL {
            assert_eq!(Preset::from_name(p.as_str()), Some(p));
        }
        for &p in job::CameraPreset::ALL {
            assert_eq!(Preset::from(p).as_str(), p.as_str());
        }
    }
}
