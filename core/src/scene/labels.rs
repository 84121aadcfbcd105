//! Label placement: candidates (waypoints, countries, cities) are placed greedily
//! by priority; a label is kept only if its box lies inside the frame and overlaps
//! no label or reserved box placed before it.

use super::text::{GlyphAtlas, TextRun};
use super::{GlyphInstance, Rect, ShapeInstance, View};
use crate::style::{LabelStyle, Rgba};

/// A city that may be labelled.
#[derive(Debug, Clone)]
pub struct CityLabel {
    pub name: String,
    /// Mercator position.
    pub merc: [f64; 2],
    pub population: u64,
}

/// A country name that may be shown.
#[derive(Debug, Clone)]
pub struct CountryLabel {
    pub name: String,
    /// Mercator position of the label point.
    pub merc: [f64; 2],
    /// Width of the country's bounding box in Mercator units (a size proxy).
    pub extent: f64,
}

/// A waypoint label (always a candidate, highest priority).
#[derive(Debug, Clone)]
pub struct WaypointLabel {
    pub text: String,
    pub merc: [f64; 2],
    /// Radius of the marker it labels, px at 1080p.
    pub marker_radius: f32,
}

/// Where the vehicle is drawn (labels keep clear of it; waypoint labels step
/// further out when it sits on their marker).
#[derive(Debug, Clone, Copy)]
pub struct VehicleBox {
    pub center: [f32; 2],
    pub half: f32,
}

/// All label candidates of a job.
#[derive(Debug, Clone, Default)]
pub struct LabelSet {
    pub waypoints: Vec<WaypointLabel>,
    /// Sorted by size, largest first.
    pub countries: Vec<CountryLabel>,
    /// Sorted by population, largest first.
    pub cities: Vec<CityLabel>,
}

/// Styles for the three label classes.
#[derive(Debug, Clone, Copy)]
pub struct LabelLooks {
    pub waypoint: LabelStyle,
    pub country: LabelStyle,
    pub city: LabelStyle,
    /// Colour of the small dot next to city names.
    pub city_dot: Rgba,
}

/// Smallest population of a labelled city at a zoom level.
pub fn min_population(zoom: f64) -> u64 {
    match zoom {
        z if z < 2.5 => 8_000_000,
        z if z < 3.5 => 4_000_000,
        z if z < 4.5 => 1_500_000,
        z if z < 5.5 => 700_000,
        z if z < 6.5 => 300_000,
        _ => 100_000,
    }
}

/// Zoom from which cities of `population` are labelled (the inverse of
/// [`min_population`]); `None`: never.
pub fn zoom_for_population(population: u64) -> Option<f64> {
    [
        (8_000_000, f64::NEG_INFINITY),
        (4_000_000, 2.5),
        (1_500_000, 3.5),
        (700_000, 4.5),
        (300_000, 5.5),
        (100_000, 6.5),
    ]
    .iter()
    .find(|(p, _)| population >= *p)
    .map(|&(_, z)| z)
}

/// Zoom range over which a city label fades in past its threshold.
const CITY_FADE_ZOOM: f64 = 0.35;

/// Whether segment `a`–`b` touches rectangle `r`.
fn segment_hits(a: [f32; 2], b: [f32; 2], r: &Rect) -> bool {
    if a[0].max(b[0]) < r.x0
        || a[0].min(b[0]) > r.x1
        || a[1].max(b[1]) < r.y0
        || a[1].min(b[1]) > r.y1
    {
        return false;
    }
    let inside = |p: [f32; 2]| p[0] >= r.x0 && p[0] <= r.x1 && p[1] >= r.y0 && p[1] <= r.y1;
    if inside(a) || inside(b) {
        return true;
    }
    let side = |c: [f32; 2]| (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
    let s = [
        side([r.x0, r.y0]),
        side([r.x1, r.y0]),
        side([r.x0, r.y1]),
        side([r.x1, r.y1]),
    ];
    !(s.iter().all(|&v| v > 0.0) || s.iter().all(|&v| v < 0.0))
}

/// The result of placement: boxes of every label kept (for tests and callers).
#[derive(Debug, Clone, Default)]
pub struct Placed {
    pub boxes: Vec<Rect>,
}

struct Ctx<'a> {
    view: &'a View,
    atlas: &'a mut GlyphAtlas,
    scale: f32,
    taken: Vec<Rect>,
    placed: Placed,
    glyphs: &'a mut Vec<GlyphInstance>,
    shapes: &'a mut Vec<ShapeInstance>,
    /// The route in frame pixels (simplified), kept clear where possible.
    route: &'a [[f32; 2]],
}

impl Ctx<'_> {
    fn fits(&self, r: &Rect) -> bool {
        let m = 4.0;
        r.x0 >= m
            && r.y0 >= m
            && r.x1 <= self.view.width as f32 - m
            && r.y1 <= self.view.height as f32 - m
            && !self.taken.iter().any(|t| t.overlaps(r))
    }

    fn run(&mut self, text: &str, look: &LabelStyle) -> TextRun {
        let s = self.scale;
        let text = if look.uppercase {
            text.to_uppercase()
        } else {
            text.to_string()
        };
        let tracking = if look.uppercase {
            0.12 * look.size * s
        } else {
            0.0
        };
        self.atlas.layout(
            &text,
            look.size * s,
            look.bold,
            look.halo_width * s,
            tracking,
        )
    }

    /// Screen position of the world copy of `merc` closest to the frame centre.
    fn screen(&self, merc: [f64; 2]) -> Option<[f32; 2]> {
        let mut best: Option<[f64; 2]> = None;
        for k in self.view.copies() {
            let p = self.view.to_screen([merc[0] + k as f64, merc[1]]);
            let dc = (p[0] - self.view.width as f64 / 2.0).abs();
            if best.is_none_or(|b| dc < (b[0] - self.view.width as f64 / 2.0).abs()) {
                best = Some(p);
            }
        }
        let p = best?;
        let (w, h) = (self.view.width as f64, self.view.height as f64);
        (p[0] > -w && p[0] < 2.0 * w && p[1] > -h && p[1] < 2.0 * h)
            .then_some([p[0] as f32, p[1] as f32])
    }

    fn on_route(&self, r: &Rect) -> bool {
        let r = r.inflate(3.0 * self.scale);
        self.route.windows(2).any(|s| segment_hits(s[0], s[1], &r))
    }

    /// Opacity of a label box near the frame's edge: labels fade out as they
    /// approach it instead of popping when they no longer fit.
    fn edge_alpha(&self, r: &Rect) -> f32 {
        let d =
            r.x0.min(r.y0)
                .min(self.view.width as f32 - r.x1)
                .min(self.view.height as f32 - r.y1);
        ((d - 4.0) / (28.0 * self.scale)).clamp(0.0, 1.0)
    }

    /// Tries the given top-left text positions in order; draws at the first that
    /// fits (off the route if `avoid_route`), faded by `alpha` and near edges.
    /// Returns the opacity drawn at, if placed.
    fn try_place(
        &mut self,
        run: &TextRun,
        look: &LabelStyle,
        origins: &[[f32; 2]],
        extra: Option<Rect>,
        avoid_route: bool,
        alpha: f32,
    ) -> Option<f32> {
        let pad = run.halo;
        for o in origins {
            let r = Rect {
                x0: o[0] - pad,
                y0: o[1] - pad,
                x1: o[0] + run.width + pad,
                y1: o[1] + run.height() + pad,
            };
            let bx = match extra {
                Some(e) => r.union(&e),
                None => r,
            };
            if self.fits(&bx) && !(avoid_route && self.on_route(&bx)) {
                let alpha = alpha * self.edge_alpha(&bx);
                if alpha <= 0.02 {
                    return None;
                }
                let margin = 2.0 * self.scale;
                self.taken.push(bx.inflate(margin));
                self.placed.boxes.push(bx);
                emit_run(self.glyphs, run, *o, look.color, look.halo, alpha);
                return Some(alpha);
            }
        }
        None
    }
}

/// Emits glyph quads for `run` with its line box's top-left at `origin`.
pub fn emit_run(
    out: &mut Vec<GlyphInstance>,
    run: &TextRun,
    origin: [f32; 2],
    color: Rgba,
    halo: Rgba,
    alpha: f32,
) {
    let base_x = origin[0].round() as i32;
    let baseline = (origin[1] + run.ascent).round() as i32;
    let mut c = color;
    c[3] *= alpha;
    let mut h = halo;
    h[3] *= alpha;
    for g in &run.glyphs {
        out.push(GlyphInstance {
            rect: [
                (base_x + g.pen_x + g.glyph.left) as f32,
                (baseline + g.glyph.top) as f32,
                g.glyph.w as f32,
                g.glyph.h as f32,
            ],
            uv: [g.glyph.x as f32, g.glyph.y as f32],
            color: c,
            halo: h,
        });
    }
}

/// Places every label that fits, highest priority first, avoiding `reserved`
/// boxes. Appends glyph quads (and city dots) and returns the kept boxes.
#[allow(clippy::too_many_arguments)]
pub fn place(
    view: &View,
    set: &LabelSet,
    looks: &LabelLooks,
    show_countries: bool,
    show_cities: bool,
    reserved: &[Rect],
    vehicle: Option<VehicleBox>,
    atlas: &mut GlyphAtlas,
    glyphs: &mut Vec<GlyphInstance>,
    shapes: &mut Vec<ShapeInstance>,
) -> Placed {
    place_avoiding(
        view,
        set,
        looks,
        show_countries,
        show_cities,
        reserved,
        vehicle,
        &[],
        atlas,
        glyphs,
        shapes,
    )
}

/// [`place`], keeping labels off the `route` polyline (frame pixels) where
/// another position (or, for cities and countries, leaving the label out) allows.
#[allow(clippy::too_many_arguments)]
pub fn place_avoiding(
    view: &View,
    set: &LabelSet,
    looks: &LabelLooks,
    show_countries: bool,
    show_cities: bool,
    reserved: &[Rect],
    vehicle: Option<VehicleBox>,
    route: &[[f32; 2]],
    atlas: &mut GlyphAtlas,
    glyphs: &mut Vec<GlyphInstance>,
    shapes: &mut Vec<ShapeInstance>,
) -> Placed {
    let scale = view.height as f32 / 1080.0;
    let mut cx = Ctx {
        view,
        atlas,
        scale,
        taken: reserved.to_vec(),
        placed: Placed::default(),
        glyphs,
        shapes,
        route,
    };

    if let Some(v) = vehicle {
        let h = v.half;
        cx.taken.push(Rect {
            x0: v.center[0] - h,
            y0: v.center[1] - h,
            x1: v.center[0] + h,
            y1: v.center[1] + h,
        });
    }
    let mut waypoint_px: Vec<[f32; 2]> = Vec::new();

    // 1. Waypoints: beside their marker (further out if the vehicle is on it).
    for w in &set.waypoints {
        let Some(p) = cx.screen(w.merc) else { continue };
        waypoint_px.push(p);
        let run = cx.run(&w.text, &looks.waypoint);
        let near = vehicle.map_or(0.0, |v| {
            let d = ((v.center[0] - p[0]).powi(2) + (v.center[1] - p[1]).powi(2)).sqrt();
            (v.half + 4.0 * scale - d).max(0.0)
        });
        let (tw, th) = (run.width, run.height());
        let mut origins = Vec::with_capacity(16);
        for r in [
            w.marker_radius * scale + 6.0 * scale,
            near + w.marker_radius * scale,
        ] {
            origins.extend([
                [p[0] + r, p[1] - th / 2.0],
                [p[0] - r - tw, p[1] - th / 2.0],
                [p[0] - tw / 2.0, p[1] - r - th],
                [p[0] - tw / 2.0, p[1] + r],
                [p[0] + r * 0.7, p[1] - r * 0.7 - th],
                [p[0] + r * 0.7, p[1] + r * 0.7],
                [p[0] - r * 0.7 - tw, p[1] - r * 0.7 - th],
                [p[0] - r * 0.7 - tw, p[1] + r * 0.7],
            ]);
        }
        // Off the route if any position allows; a waypoint is always named.
        if cx
            .try_place(&run, &looks.waypoint, &origins, None, true, 1.0)
            .is_none()
        {
            cx.try_place(&run, &looks.waypoint, &origins, None, false, 1.0);
        }
    }
    let waypoint_names: Vec<String> = set
        .waypoints
        .iter()
        .map(|w| w.text.to_lowercase())
        .collect();

    // 2. Country names, centred, only where the country is wide enough on screen.
    if show_countries {
        let mut shown = 0;
        for c in &set.countries {
            let width_px = c.extent * view.world_px;
            if width_px < 40.0 * scale as f64 {
                break;
            }
            let Some(p) = cx.screen(c.merc) else { continue };
            if p[0] < 0.0 || p[1] < 0.0 || p[0] > view.width as f32 || p[1] > view.height as f32 {
                continue;
            }
            let run = cx.run(&c.name, &looks.country);
            // Fade in as the country grows wide enough on screen for its name.
            let room = (width_px * 0.9 - run.width as f64) / (0.25 * run.width as f64);
            let alpha = room.min((width_px / (40.0 * scale as f64) - 1.0) * 4.0);
            if alpha <= 0.0 {
                continue;
            }
            let (h, x) = (run.height(), p[0] - run.width / 2.0);
            let origins = [
                [x, p[1] - h / 2.0],
                [x, p[1] - h * 1.5],
                [x, p[1] + h * 0.5],
                [x, p[1] - h * 2.5],
                [x, p[1] + h * 1.5],
            ];
            let alpha = alpha.min(1.0) as f32;
            if cx
                .try_place(&run, &looks.country, &origins, None, true, alpha)
                .is_some()
            {
                shown += 1;
                if shown >= 24 {
                    break;
                }
            }
        }
    }

    // 3. Cities, largest first, with a dot.
    if show_cities {
        let max_count =
            (14.0 * (view.width as f32 * view.height as f32) / (1920.0 * 1080.0) / (scale * scale))
                .clamp(4.0, 40.0) as usize;
        let mut shown = 0;
        let dot = 2.6 * scale;
        for c in &set.cities {
            let Some(z_min) = zoom_for_population(c.population) else {
                break;
            };
            if shown >= max_count {
                break;
            }
            // Fade in over a short zoom range past the city's threshold.
            let alpha = ((view.zoom - z_min) / CITY_FADE_ZOOM).min(1.0) as f32;
            if alpha <= 0.02 {
                continue;
            }
            let Some(p) = cx.screen(c.merc) else { continue };
            if p[0] < 0.0 || p[1] < 0.0 || p[0] > view.width as f32 || p[1] > view.height as f32 {
                continue;
            }
            // A waypoint already names this place.
            let near_waypoint = waypoint_px
                .iter()
                .any(|w| (w[0] - p[0]).abs() < 40.0 * scale && (w[1] - p[1]).abs() < 40.0 * scale);
            if near_waypoint || waypoint_names.iter().any(|n| *n == c.name.to_lowercase()) {
                continue;
            }
            let run = cx.run(&c.name, &looks.city);
            let gap = dot + 4.0 * scale;
            let (tw, th) = (run.width, run.height());
            let origins = [
                [p[0] + gap, p[1] - th / 2.0],
                [p[0] - gap - tw, p[1] - th / 2.0],
                [p[0] - tw / 2.0, p[1] - gap - th],
                [p[0] - tw / 2.0, p[1] + gap],
            ];
            let dot_box = Rect {
                x0: p[0] - dot - 1.0,
                y0: p[1] - dot - 1.0,
                x1: p[0] + dot + 1.0,
                y1: p[1] + dot + 1.0,
            };
            if let Some(a) = cx.try_place(&run, &looks.city, &origins, Some(dot_box), true, alpha) {
                let (mut fill, mut ring) = (looks.city_dot, looks.city.halo);
                fill[3] *= a;
                ring[3] *= a;
                cx.shapes
                    .push(ShapeInstance::disc(p, dot, fill, ring, 1.2 * scale));
                shown += 1;
            }
        }
    }
    cx.placed
}
