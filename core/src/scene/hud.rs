//! Heads-up display: stats box (distance, speed, elapsed voyage time), progress
//! bar, title, timed captions with fades, and the credits line.

use super::labels::emit_run;
use super::text::{thousands, GlyphAtlas};
use super::{FrameState, GlyphInstance, Rect, SceneSpec, ShapeInstance, View};
use crate::style::Rgba;

/// A frame corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

/// Distance units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    Km,
    Mi,
    Nm,
}

impl Units {
    /// Converts kilometres into these units.
    pub fn from_km(self, km: f64) -> f64 {
        match self {
            Units::Km => km,
            Units::Mi => km / 1.609_344,
            Units::Nm => km / 1.852,
        }
    }

    /// Distance suffix.
    pub fn suffix(self) -> &'static str {
        match self {
            Units::Km => "km",
            Units::Mi => "mi",
            Units::Nm => "nm",
        }
    }

    /// Speed suffix.
    pub fn speed_suffix(self) -> &'static str {
        match self {
            Units::Km => "km/h",
            Units::Mi => "mph",
            Units::Nm => "kn",
        }
    }
}

/// The stats box.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsSpec {
    pub corner: Corner,
    pub show_distance: bool,
    pub show_speed: bool,
    pub show_elapsed: bool,
    pub units: Units,
}

/// A timed caption.
#[derive(Debug, Clone, PartialEq)]
pub struct Caption {
    pub text: String,
    pub start: f64,
    pub end: f64,
    /// Anchor as fractions of the frame: `[0, 0]` top-left … `[1, 1]` bottom-right.
    pub anchor: [f32; 2],
    /// Font size in px at 1080p.
    pub size: Option<f32>,
    pub color: Option<Rgba>,
}

/// What the HUD shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HudSpec {
    /// `hud: false` hides stats, bar and title (captions and credits stay).
    pub enabled: bool,
    pub stats: Option<StatsSpec>,
    pub progress_bar: bool,
    pub title: Option<String>,
    pub captions: Vec<Caption>,
}

/// "5 h 20 min" below two days, else "Day 3".
pub fn format_elapsed(hours: f64) -> String {
    if hours < 48.0 {
        let total = (hours * 60.0).round() as u64;
        let (h, m) = (total / 60, total % 60);
        if h == 0 {
            format!("{m} min")
        } else {
            format!("{h} h {m:02} min")
        }
    } else {
        format!("Day {}", (hours / 24.0).floor() as u64 + 1)
    }
}

/// "2,140 nm".
pub fn format_distance(km: f64, units: Units) -> String {
    format!("{} {}", thousands(units.from_km(km)), units.suffix())
}

fn fade(t: f64, start: f64, end: f64) -> f32 {
    if t < start || t > end {
        return 0.0;
    }
    let ramp = ((end - start) * 0.25).clamp(1e-3, 0.5);
    let a = ((t - start) / ramp).min((end - t) / ramp).clamp(0.0, 1.0);
    // Smoothstep.
    (a * a * (3.0 - 2.0 * a)) as f32
}

/// Appends HUD shapes and glyphs; returns the boxes labels must avoid.
pub fn build(
    spec: &SceneSpec,
    state: &FrameState,
    view: &View,
    atlas: &mut GlyphAtlas,
    shapes: &mut Vec<ShapeInstance>,
    glyphs: &mut Vec<GlyphInstance>,
) -> Vec<Rect> {
    let s = spec.scale();
    let (w, h) = (view.width as f32, view.height as f32);
    let look = &spec.style.hud;
    let margin = 28.0 * s;
    let mut reserved = Vec::new();
    let hud = &spec.hud;
    let mut bottom = h - margin;

    if hud.enabled && hud.progress_bar {
        let bar_h = 6.0 * s;
        let track = Rect {
            x0: margin,
            y0: bottom - bar_h,
            x1: w - margin,
            y1: bottom,
        };
        shapes.push(ShapeInstance::rounded(track, bar_h / 2.0, look.track));
        let p = state.vehicle.progress.clamp(0.0, 1.0) as f32;
        if p > 0.0 {
            let fill = Rect {
                x1: track.x0 + (track.x1 - track.x0) * p,
                ..track
            };
            shapes.push(ShapeInstance::rounded(fill, bar_h / 2.0, look.accent));
        }
        reserved.push(track.inflate(4.0 * s));
        bottom -= bar_h + 12.0 * s;
    }

    // Credits, small, in the bottom corner opposite the stats box.
    let stats_corner = hud
        .stats
        .as_ref()
        .filter(|_| hud.enabled)
        .map(|st| st.corner);
    if let Some(text) = &spec.credits {
        let run = atlas.layout(text, 12.0 * s, false, 1.5 * s, 0.0);
        let right = stats_corner != Some(Corner::BottomRight);
        let x = if right {
            w - margin * 0.6 - run.width
        } else {
            margin * 0.6
        };
        let y = bottom.max(h - margin * 0.6) - run.height();
        let y = if hud.enabled && hud.progress_bar {
            bottom - run.height()
        } else {
            y
        };
        let halo = {
            let mut c = spec.style.city_label.halo;
            c[3] *= 0.6;
            c
        };
        emit_run(glyphs, &run, [x, y], spec.style.credits, halo, 1.0);
        reserved.push(
            Rect {
                x0: x,
                y0: y,
                x1: x + run.width,
                y1: y + run.height(),
            }
            .inflate(3.0 * s),
        );
    }

    if hud.enabled {
        if let Some(title) = &hud.title {
            let run = atlas.layout(title, 30.0 * s, true, 0.0, 0.0);
            let pad = [18.0 * s, 10.0 * s];
            let x = (w - run.width) / 2.0;
            let y = margin;
            let panel = Rect {
                x0: x - pad[0],
                y0: y - pad[1],
                x1: x + run.width + pad[0],
                y1: y + run.height() + pad[1],
            };
            shapes.push(ShapeInstance::rounded(panel, 10.0 * s, look.panel));
            emit_run(glyphs, &run, [x, y], look.text, [0.0; 4], 1.0);
            reserved.push(panel.inflate(4.0 * s));
        }

        if let Some(st) = &hud.stats {
            let v = &state.vehicle;
            let mut big = None;
            let mut small = Vec::new();
            if st.show_distance {
                big = Some(format_distance(v.distance_km, st.units));
            }
            if st.show_elapsed {
                let e = format_elapsed(v.voyage_hours);
                if big.is_none() {
                    big = Some(e);
                } else {
                    small.push(e);
                }
            }
            if st.show_speed {
                let sp = format!(
                    "{} {}",
                    thousands(st.units.from_km(v.speed_kmh)),
                    st.units.speed_suffix()
                );
                if big.is_none() {
                    big = Some(sp);
                } else {
                    small.push(sp);
                }
            }
            if let Some(big) = big {
                let caption = if st.show_distance {
                    "DISTANCE"
                } else if st.show_elapsed {
                    "ELAPSED"
                } else {
                    "SPEED"
                };
                let cap = atlas.layout(caption, 11.0 * s, true, 0.0, 1.6 * s);
                let val = atlas.layout(&big, 30.0 * s, true, 0.0, 0.0);
                let sub = (!small.is_empty())
                    .then(|| atlas.layout(&small.join("  ·  "), 16.0 * s, false, 0.0, 0.0));
                let pad = 16.0 * s;
                let gap = 4.0 * s;
                let inner_w = cap
                    .width
                    .max(val.width)
                    .max(sub.as_ref().map_or(0.0, |r| r.width))
                    .max(120.0 * s);
                let inner_h = cap.height()
                    + gap
                    + val.height()
                    + sub.as_ref().map_or(0.0, |r| gap + r.height());
                let (pw, ph) = (inner_w + 2.0 * pad, inner_h + 2.0 * pad);
                let (x0, y0) = match st.corner {
                    Corner::TopLeft => (margin, margin),
                    Corner::TopRight => (w - margin - pw, margin),
                    Corner::BottomLeft => (margin, bottom - ph),
                    Corner::BottomRight => (w - margin - pw, bottom - ph),
                };
                let panel = Rect {
                    x0,
                    y0,
                    x1: x0 + pw,
                    y1: y0 + ph,
                };
                shapes.push(ShapeInstance::rounded(panel, 12.0 * s, look.panel));
                // Accent tick on the left edge.
                shapes.push(ShapeInstance::rounded(
                    Rect {
                        x0: x0 + 6.0 * s,
                        y0: y0 + pad,
                        x1: x0 + 9.0 * s,
                        y1: y0 + ph - pad,
                    },
                    1.5 * s,
                    look.accent,
                ));
                let mut y = y0 + pad;
                let x = x0 + pad;
                emit_run(glyphs, &cap, [x, y], look.muted, [0.0; 4], 1.0);
                y += cap.height() + gap;
                emit_run(glyphs, &val, [x, y], look.text, [0.0; 4], 1.0);
                y += val.height() + gap;
                if let Some(sub) = &sub {
                    emit_run(glyphs, sub, [x, y], look.muted, [0.0; 4], 1.0);
                }
                reserved.push(panel.inflate(4.0 * s));
            }
        }
    }

    // Captions with fades.
    for c in &hud.captions {
        let a = fade(state.t, c.start, c.end);
        if a <= 0.0 {
            continue;
        }
        let size = c.size.unwrap_or(34.0) * s;
        let run = atlas.layout(&c.text, size, true, (size * 0.1).max(2.0 * s), 0.0);
        let (ax, ay) = (c.anchor[0], c.anchor[1]);
        let m = margin * 1.6;
        let x = m + (w - 2.0 * m - run.width) * ax;
        let top_limit = if hud.enabled && hud.title.is_some() && ay == 0.0 {
            margin + 60.0 * s
        } else {
            m
        };
        let y = top_limit + (bottom - m * 0.4 - top_limit - run.height()) * ay;
        let color = c.color.unwrap_or(spec.style.waypoint_label.color);
        let halo = spec.style.waypoint_label.halo;
        emit_run(glyphs, &run, [x, y], color, halo, a);
        reserved.push(Rect {
            x0: x,
            y0: y,
            x1: x + run.width,
            y1: y + run.height(),
        });
    }
    reserved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(format_distance(3963.3, Units::Nm), "2,140 nm");
        assert_eq!(format_elapsed(50.0), "Day 3");
        assert_eq!(format_elapsed(5.34), "5 h 20 min");
        assert_eq!(format_elapsed(0.5), "30 min");
    }

    #[test]
    fn fades_in_and_out() {
        assert_eq!(fade(0.0, 1.0, 5.0), 0.0);
        assert_eq!(fade(3.0, 1.0, 5.0), 1.0);
        assert!(fade(1.1, 1.0, 5.0) < 0.2);
    }
}
