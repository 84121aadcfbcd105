//! The scene: everything the GPU draws, as plain data.
//!
//! - [`mesh`]: lyon tessellation of basemap polygons and line strips in Mercator.
//! - [`text`]: fonts, glyph atlas (coverage + halo) and layout.
//! - [`labels`]: label candidates and greedy collision-free placement.
//! - [`hud`]: stats box, progress bar, title, timed captions, credits.
//!
//! A [`SceneSpec`] is the job turned into drawable data; [`build_overlays`] turns
//! it plus one [`FrameState`] into the instance lists of one frame.

pub mod assets;
pub mod basemap;
pub mod from_job;
pub mod hud;
pub mod labels;
pub mod mesh;
pub mod text;

use crate::style::{Rgba, RouteLook, StyleTable};
use labels::{LabelLooks, LabelSet};
use text::GlyphAtlas;

/// An axis-aligned box in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Rect {
    /// Whether the interiors of two boxes intersect.
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    /// The smallest box holding both.
    pub fn union(&self, o: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }

    /// The box grown by `m` on every side.
    pub fn inflate(&self, m: f32) -> Rect {
        Rect {
            x0: self.x0 - m,
            y0: self.y0 - m,
            x1: self.x1 + m,
            y1: self.y1 + m,
        }
    }
}

/// The camera of one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    /// Centre in normalised Web Mercator (x may leave 0..1 for unwrapped routes).
    pub center: [f64; 2],
    /// Zoom: the world is `256 * 2^zoom` px wide in a 1080-px-high frame.
    pub zoom: f64,
    /// Map rotation in degrees (the direction shown up).
    pub bearing_deg: f64,
}

/// Pixels per Mercator unit at `zoom` for a frame `height` px high.
pub fn world_px(zoom: f64, height: u32) -> f64 {
    256.0 * zoom.exp2() * height as f64 / 1080.0
}

/// A camera applied to a frame size: Mercator ↔ pixel transforms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub width: u32,
    pub height: u32,
    pub center: [f64; 2],
    pub zoom: f64,
    /// Pixels per Mercator unit.
    pub world_px: f64,
    /// Screen rotation applied to the map (radians, = -bearing).
    pub angle: f64,
}

impl View {
    /// The view of `camera` in a `width`×`height` frame.
    pub fn new(camera: &Camera, width: u32, height: u32) -> View {
        View {
            width,
            height,
            center: camera.center,
            zoom: camera.zoom,
            world_px: world_px(camera.zoom, height),
            angle: -camera.bearing_deg.to_radians(),
        }
    }

    /// Frame pixel of a Mercator point.
    pub fn to_screen(&self, m: [f64; 2]) -> [f64; 2] {
        let dx = (m[0] - self.center[0]) * self.world_px;
        let dy = (m[1] - self.center[1]) * self.world_px;
        let (s, c) = self.angle.sin_cos();
        [
            dx * c - dy * s + self.width as f64 / 2.0,
            dx * s + dy * c + self.height as f64 / 2.0,
        ]
    }

    /// Half the frame's diagonal extent in Mercator units (covers any rotation).
    pub fn radius_merc(&self) -> f64 {
        let (w, h) = (self.width as f64, self.height as f64);
        0.5 * (w * w + h * h).sqrt() / self.world_px
    }

    /// World copies (integer x offsets) that may be visible.
    pub fn copies(&self) -> std::ops::RangeInclusive<i32> {
        let r = self.radius_merc();
        let lo = (self.center[0] - r - 1.0).floor() as i32;
        let hi = (self.center[0] + r).floor() as i32;
        lo..=hi
    }
}

/// Vector shape kinds drawn by the shape pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ShapeKind {
    Disc = 0,
    Ring = 1,
    RoundedBox = 2,
    Plane = 3,
    Ship = 4,
    Truck = 5,
}

/// One SDF shape (see `gpu/shaders/shape.wgsl`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ShapeInstance {
    pub center: [f32; 2],
    pub half: [f32; 2],
    /// Rotation (rad), corner radius, stroke width, softness.
    pub params: [f32; 4],
    pub fill: [f32; 4],
    pub stroke: [f32; 4],
    pub kind: u32,
    pub _pad: [u32; 3],
}

impl ShapeInstance {
    /// A generic shape.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: ShapeKind,
        center: [f32; 2],
        half: [f32; 2],
        rotation: f32,
        radius: f32,
        stroke_width: f32,
        fill: Rgba,
        stroke: Rgba,
    ) -> Self {
        ShapeInstance {
            center,
            half,
            params: [rotation, radius, stroke_width, 1.0],
            fill,
            stroke,
            kind: kind as u32,
            _pad: [0; 3],
        }
    }

    /// A filled disc with an outline.
    pub fn disc(center: [f32; 2], r: f32, fill: Rgba, stroke: Rgba, stroke_width: f32) -> Self {
        Self::new(
            ShapeKind::Disc,
            center,
            [r, r],
            0.0,
            0.0,
            stroke_width,
            fill,
            stroke,
        )
    }

    /// A rounded rectangle.
    pub fn rounded(r: Rect, radius: f32, fill: Rgba) -> Self {
        Self::new(
            ShapeKind::RoundedBox,
            [(r.x0 + r.x1) / 2.0, (r.y0 + r.y1) / 2.0],
            [(r.x1 - r.x0) / 2.0, (r.y1 - r.y0) / 2.0],
            0.0,
            radius,
            0.0,
            fill,
            [0.0; 4],
        )
    }

    /// The same shape with softer edges (`px` of blur), e.g. for shadows.
    pub fn soft(mut self, px: f32) -> Self {
        self.params[3] = px.max(1.0);
        self
    }
}

/// One glyph quad (see `gpu/shaders/glyph.wgsl`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GlyphInstance {
    /// x, y, width, height in frame pixels.
    pub rect: [f32; 4],
    /// Atlas texel of the top-left corner.
    pub uv: [f32; 2],
    pub color: [f32; 4],
    pub halo: [f32; 4],
}

/// The vehicle icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vehicle {
    Plane,
    Ship,
    Truck,
}

/// Where and how the vehicle is at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VehicleState {
    /// Mercator position (unwrapped like the route).
    pub merc: [f64; 2],
    /// Heading in degrees clockwise from north.
    pub heading_deg: f64,
    /// Distance travelled in km.
    pub distance_km: f64,
    /// Fraction of the route travelled (0..=1).
    pub progress: f64,
    /// Nominal speed in km/h (0 while dwelling).
    pub speed_kmh: f64,
    /// Elapsed voyage time at nominal speed, hours.
    pub voyage_hours: f64,
}

/// Everything that changes from frame to frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameState {
    /// Time in seconds from the start of the video.
    pub t: f64,
    pub camera: Camera,
    pub vehicle: VehicleState,
}

/// A waypoint marker.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub merc: [f64; 2],
    /// Chokepoints pulse.
    pub chokepoint: bool,
    /// `emphasis: waypoint` (and chokepoints) get a larger marker.
    pub emphasized: bool,
    /// Distance along the route (km) where the vehicle reaches it.
    pub at_km: f64,
}

/// A job turned into drawable data (resolved by `gpu::Renderer::prepare`).
#[derive(Debug, Clone)]
pub struct SceneSpec {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub duration: f64,
    pub style: &'static StyleTable,
    /// The style's route look with the job's `route_style` applied.
    pub route: RouteLook,
    /// Show the whole route, dimmed ahead of the vehicle (`trail: full`).
    pub trail_full: bool,
    /// Route polyline in Mercator (unwrapped) with cumulative km per point.
    pub route_points: Vec<[f64; 2]>,
    pub route_km: Vec<f64>,
    pub vehicle: Option<Vehicle>,
    pub markers: Vec<Marker>,
    pub labels: LabelSet,
    pub hud: hud::HudSpec,
    /// Attribution line, if shown.
    pub credits: Option<String>,
    /// `terrain.hillshade`.
    pub hillshade: bool,
}

impl SceneSpec {
    /// Pixels per 1080p pixel.
    pub fn scale(&self) -> f32 {
        self.height as f32 / 1080.0
    }

    /// Number of frames of the video.
    pub fn frame_count(&self) -> u32 {
        ((self.duration * self.fps as f64).round() as u32).max(1)
    }

    /// Time of frame `n` in seconds.
    pub fn frame_time(&self, n: u32) -> f64 {
        n as f64 / self.fps as f64
    }

    fn label_looks(&self) -> LabelLooks {
        LabelLooks {
            waypoint: self.style.waypoint_label,
            country: self.style.country_label,
            city: self.style.city_label,
            city_dot: self.style.city_label.color,
        }
    }
}

/// Instances of one frame, in drawing order: `shapes_below`, `glyphs_below`
/// (markers, labels) under `shapes_above`, `glyphs_above` (vehicle, HUD).
#[derive(Debug, Clone, Default)]
pub struct Overlays {
    pub shapes: Vec<ShapeInstance>,
    pub glyphs: Vec<GlyphInstance>,
    /// Instances `..shapes_split` / `..glyphs_split` are drawn below the rest.
    pub shapes_split: usize,
    pub glyphs_split: usize,
    /// Boxes of the labels kept on the map.
    pub label_boxes: Vec<Rect>,
    /// Screen position of the vehicle (if drawn).
    pub vehicle_px: Option<[f32; 2]>,
}

/// Builds the overlay instances of one frame.
pub fn build_overlays(
    spec: &SceneSpec,
    state: &FrameState,
    view: &View,
    atlas: &mut GlyphAtlas,
) -> Overlays {
    let s = spec.scale();
    let style = spec.style;
    let mut o = Overlays::default();
    let t = state.t;
    let travelled = state.vehicle.distance_km;

    // HUD first: its boxes are reserved before labels are placed.
    let mut hud_shapes = Vec::new();
    let mut hud_glyphs = Vec::new();
    let mut reserved = hud::build(spec, state, view, atlas, &mut hud_shapes, &mut hud_glyphs);

    // Waypoint markers (and the chokepoint pulse).
    let m = &style.markers;
    for mk in &spec.markers {
        // Markers, route and vehicle share the route's unwrapped coordinates.
        let p = view.to_screen(mk.merc);
        let pad = 60.0;
        if p[0] < -pad
            || p[1] < -pad
            || p[0] > view.width as f64 + pad
            || p[1] > view.height as f64 + pad
        {
            continue;
        }
        let p = [p[0] as f32, p[1] as f32];
        let r = m.waypoint_radius * s * if mk.emphasized { 1.3 } else { 1.0 };
        if mk.chokepoint {
            for phase_off in [0.0, 0.5] {
                let phase = ((t / 1.6 + phase_off) % 1.0) as f32;
                let rr = r * (1.2 + 2.6 * phase);
                let mut c = m.pulse;
                c[3] *= (1.0 - phase).powf(1.5);
                o.shapes.push(ShapeInstance::new(
                    ShapeKind::Ring,
                    p,
                    [rr, rr],
                    0.0,
                    0.0,
                    2.2 * s,
                    [0.0; 4],
                    c,
                ));
            }
        }
        let reached = travelled + 1e-6 >= mk.at_km;
        let fill = if reached || spec.trail_full {
            m.waypoint_fill
        } else {
            let mut f = m.waypoint_fill;
            f[3] *= 0.75;
            f
        };
        o.shapes
            .push(ShapeInstance::disc(p, r, fill, m.waypoint_outline, 2.0 * s));
        reserved.push(Rect {
            x0: p[0] - r - 2.0,
            y0: p[1] - r - 2.0,
            x1: p[0] + r + 2.0,
            y1: p[1] + r + 2.0,
        });
    }

    // The vehicle: reserve its box before labels.
    let mut vehicle_shapes = Vec::new();
    let mut vehicle_box = None;
    if let Some(kind) = spec.vehicle {
        let v = &state.vehicle;
        let best = view.to_screen(v.merc);
        let p = [best[0] as f32, best[1] as f32];
        let half = m.vehicle_size * s / 2.0;
        let angle = (v.heading_deg.to_radians() + view.angle) as f32 - std::f32::consts::FRAC_PI_2;
        let shape = match kind {
            Vehicle::Plane => ShapeKind::Plane,
            Vehicle::Ship => ShapeKind::Ship,
            Vehicle::Truck => ShapeKind::Truck,
        };
        let shadow = ShapeInstance::new(
            shape,
            [p[0] + 1.5 * s, p[1] + 3.0 * s],
            [half, half],
            angle,
            0.0,
            0.0,
            [0.0, 0.0, 0.0, 0.35],
            [0.0; 4],
        )
        .soft(4.0 * s);
        vehicle_shapes.push(shadow);
        vehicle_shapes.push(ShapeInstance::new(
            shape,
            p,
            [half, half],
            angle,
            0.0,
            1.6 * s,
            m.vehicle_fill,
            m.vehicle_outline,
        ));
        o.vehicle_px = Some(p);
        vehicle_box = Some(labels::VehicleBox {
            center: p,
            half: half * 0.8,
        });
    }

    // The whole route (travelled or not) in frame pixels, simplified: labels
    // keep off it, and a static route keeps their choices steady over time.
    let mut route_px: Vec<[f32; 2]> = Vec::new();
    for m in &spec.route_points {
        let q = view.to_screen(*m);
        let q = [q[0] as f32, q[1] as f32];
        if route_px
            .last()
            .is_none_or(|l| (l[0] - q[0]).abs() + (l[1] - q[1]).abs() >= 3.0)
        {
            route_px.push(q);
        }
    }
    let placed = labels::place_avoiding(
        view,
        &spec.labels,
        &spec.label_looks(),
        style.country_names,
        style.city_names,
        &reserved,
        vehicle_box,
        &route_px,
        atlas,
        &mut o.glyphs,
        &mut o.shapes,
    );
    o.label_boxes = placed.boxes;
    o.shapes_split = o.shapes.len();
    o.glyphs_split = o.glyphs.len();
    o.shapes.extend(vehicle_shapes);
    o.shapes.extend(hud_shapes);
    o.glyphs.extend(hud_glyphs);
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_centres_the_camera() {
        let cam = Camera {
            center: [0.5, 0.5],
            zoom: 2.0,
            bearing_deg: 0.0,
        };
        let v = View::new(&cam, 1920, 1080);
        assert_eq!(v.to_screen([0.5, 0.5]), [960.0, 540.0]);
        assert!((v.world_px - 1024.0).abs() < 1e-9);
        let p = v.to_screen([0.75, 0.5]);
        assert!((p[0] - 1216.0).abs() < 1e-9);
    }

    #[test]
    fn rect_overlap() {
        let a = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
        };
        let b = Rect {
            x0: 10.0,
            y0: 0.0,
            x1: 20.0,
            y1: 10.0,
        };
        assert!(!a.overlaps(&b));
        assert!(a.overlaps(&b.inflate(0.5)));
    }
}
