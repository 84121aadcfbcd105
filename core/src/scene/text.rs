//! Text: DejaVu fonts rasterised with fontdue into a glyph atlas whose red channel
//! is coverage and green channel a halo (the coverage dilated by the halo radius),
//! and simple single-line layout with kerning.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The regular and bold faces.
pub struct Fonts {
    pub regular: fontdue::Font,
    pub bold: fontdue::Font,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fonts")
    }
}

fn font_candidates(bold: bool) -> Vec<std::path::PathBuf> {
    let file = if bold {
        "DejaVuSans-Bold.ttf"
    } else {
        "DejaVuSans.ttf"
    };
    let mut v = Vec::new();
    if let Ok(p) = crate::assets::basemap::font_path(bold) {
        v.push(p);
    }
    for dir in [
        "/usr/share/fonts/truetype/dejavu",
        "/usr/share/fonts/dejavu",
        "/usr/share/fonts/TTF",
    ] {
        v.push(std::path::Path::new(dir).join(file));
    }
    v
}

fn load_face(bold: bool) -> Result<fontdue::Font> {
    for path in font_candidates(bold) {
        if let Ok(bytes) = std::fs::read(&path) {
            return fontdue::Font::from_bytes(bytes, fontdue::FontSettings::default())
                .map_err(|e| Error::RenderFailed(format!("{}: {e}", path.display())));
        }
    }
    Err(Error::RenderFailed(
        "DejaVu fonts not found (assets/ or fonts-dejavu-core)".into(),
    ))
}

impl Fonts {
    /// The process-wide fonts, loaded once.
    pub fn get() -> Result<Arc<Fonts>> {
        static FONTS: OnceLock<std::result::Result<Arc<Fonts>, Error>> = OnceLock::new();
        FONTS
            .get_or_init(|| {
                // The two faces parse in parallel (fontdue reads every glyph
                // outline up front: ~35 ms each).
                let (regular, bold) = std::thread::scope(|s| {
                    let bold = s.spawn(|| load_face(true));
                    let regular = load_face(false);
                    let bold = bold.join().unwrap_or_else(|_| {
                        Err(Error::RenderFailed("loading the bold font failed".into()))
                    });
                    (regular, bold)
                });
                Ok(Arc::new(Fonts {
                    regular: regular?,
                    bold: bold?,
                }))
            })
            .clone()
    }

    fn face(&self, bold: bool) -> &fontdue::Font {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct GlyphKey {
    ch: char,
    size_q: u32,
    halo_q: u32,
    bold: bool,
}

/// Where a glyph lies in the atlas and how it sits on the pen position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtlasGlyph {
    /// Atlas rectangle (halo padding included).
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    /// Offset of the rectangle's left edge from the pen position.
    pub left: i32,
    /// Offset of the rectangle's top edge from the baseline (negative: above).
    pub top: i32,
}

/// A CPU-side glyph atlas (two bytes per texel: coverage, halo).
pub struct GlyphAtlas {
    pub size: u32,
    pub data: Vec<u8>,
    entries: HashMap<GlyphKey, Option<AtlasGlyph>>,
    shelf_y: u32,
    shelf_h: u32,
    shelf_x: u32,
    /// Rows `dirty.0..dirty.1` changed since the last upload.
    pub dirty: Option<(u32, u32)>,
    fonts: Arc<Fonts>,
}

/// One laid-out glyph.
#[derive(Debug, Clone, Copy)]
pub struct PlacedGlyph {
    pub glyph: AtlasGlyph,
    /// Pen position relative to the run's origin (left end of the baseline).
    pub pen_x: i32,
}

/// A laid-out single line of text.
#[derive(Debug, Clone, Default)]
pub struct TextRun {
    pub glyphs: Vec<PlacedGlyph>,
    /// Advance width in pixels.
    pub width: f32,
    /// Ascent above the baseline and descent below it (positive), in pixels.
    pub ascent: f32,
    pub descent: f32,
    /// Halo radius the glyphs were rasterised with.
    pub halo: f32,
}

impl TextRun {
    /// Height of the line box.
    pub fn height(&self) -> f32 {
        self.ascent + self.descent
    }
}

impl GlyphAtlas {
    /// An empty atlas of `size`×`size` texels.
    pub fn new(fonts: Arc<Fonts>, size: u32) -> Self {
        GlyphAtlas {
            size,
            data: vec![0; (size * size * 2) as usize],
            entries: HashMap::new(),
            shelf_y: 0,
            shelf_h: 0,
            shelf_x: 0,
            dirty: None,
            fonts,
        }
    }

    fn clear(&mut self) {
        self.data.fill(0);
        self.entries.clear();
        self.shelf_x = 0;
        self.shelf_y = 0;
        self.shelf_h = 0;
        self.dirty = Some((0, self.size));
    }

    fn alloc(&mut self, w: u32, h: u32) -> Option<(u32, u32)> {
        if w > self.size || h > self.size {
            return None;
        }
        if self.shelf_x + w > self.size {
            self.shelf_y += self.shelf_h + 1;
            self.shelf_x = 0;
            self.shelf_h = 0;
        }
        if self.shelf_y + h > self.size {
            return None;
        }
        let at = (self.shelf_x, self.shelf_y);
        self.shelf_x += w + 1;
        self.shelf_h = self.shelf_h.max(h);
        Some(at)
    }

    fn glyph(&mut self, key: GlyphKey) -> Option<AtlasGlyph> {
        if let Some(g) = self.entries.get(&key) {
            return *g;
        }
        let size = key.size_q as f32 / 4.0;
        let halo = key.halo_q as f32 / 4.0;
        let (m, bitmap) = self.fonts.face(key.bold).rasterize(key.ch, size);
        if m.width == 0 || m.height == 0 {
            self.entries.insert(key, None);
            return None;
        }
        let pad = halo.ceil() as u32 + 1;
        let (w, h) = (m.width as u32 + 2 * pad, m.height as u32 + 2 * pad);
        let at = match self.alloc(w, h) {
            Some(at) => at,
            None => {
                // Full: start over (glyphs of earlier frames are re-added on demand).
                self.clear();
                self.alloc(w, h)?
            }
        };
        let cov = |x: i32, y: i32| -> f32 {
            let (bx, by) = (x - pad as i32, y - pad as i32);
            if bx < 0 || by < 0 || bx >= m.width as i32 || by >= m.height as i32 {
                0.0
            } else {
                bitmap[by as usize * m.width + bx as usize] as f32 / 255.0
            }
        };
        let r = halo.ceil() as i32;
        for y in 0..h as i32 {
            for x in 0..w as i32 {
                let c = cov(x, y);
                let mut hv = c;
                if halo > 0.0 {
                    for dy in -r..=r {
                        for dx in -r..=r {
                            let d = ((dx * dx + dy * dy) as f32).sqrt();
                            let wgt = (halo + 0.5 - d).clamp(0.0, 1.0);
                            if wgt > 0.0 {
                                hv = hv.max(cov(x + dx, y + dy) * wgt);
                            }
                        }
                    }
                }
                let i = (((at.1 + y as u32) * self.size + at.0 + x as u32) * 2) as usize;
                self.data[i] = (c * 255.0).round() as u8;
                self.data[i + 1] = (hv * 255.0).round() as u8;
            }
        }
        self.dirty = Some(match self.dirty {
            Some((a, b)) => (a.min(at.1), b.max(at.1 + h)),
            None => (at.1, at.1 + h),
        });
        let g = AtlasGlyph {
            x: at.0,
            y: at.1,
            w,
            h,
            left: m.xmin - pad as i32,
            top: -(m.ymin + m.height as i32) - pad as i32,
        };
        self.entries.insert(key, Some(g));
        Some(g)
    }

    /// Lays out one line of text at `size` px, with `halo` px of halo and extra
    /// `tracking` px between letters.
    pub fn layout(
        &mut self,
        text: &str,
        size: f32,
        bold: bool,
        halo: f32,
        tracking: f32,
    ) -> TextRun {
        let fonts = self.fonts.clone();
        let face = fonts.face(bold);
        let lm = face.horizontal_line_metrics(size);
        let (ascent, descent) = lm
            .map(|l| (l.ascent, -l.descent))
            .unwrap_or((size * 0.8, size * 0.2));
        let size_q = (size * 4.0).round() as u32;
        let halo_q = (halo * 4.0).round() as u32;
        let mut pen = 0.0f32;
        let mut prev: Option<char> = None;
        let mut glyphs = Vec::new();
        for ch in text.chars() {
            if let Some(p) = prev {
                pen += face.horizontal_kern(p, ch, size).unwrap_or(0.0);
            }
            let key = GlyphKey {
                ch,
                size_q,
                halo_q,
                bold,
            };
            if let Some(g) = self.glyph(key) {
                glyphs.push(PlacedGlyph {
                    glyph: g,
                    pen_x: pen.round() as i32,
                });
            }
            pen += face.metrics(ch, size).advance_width + tracking;
            prev = Some(ch);
        }
        if !text.is_empty() {
            pen -= tracking;
        }
        TextRun {
            glyphs,
            width: pen.max(0.0),
            ascent,
            descent,
            halo,
        }
    }
}

/// Formats a number with thousands separators: `2140.4 → "2,140"`.
pub fn thousands(v: f64) -> String {
    let n = v.round().max(0.0) as u64;
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(2140.4), "2,140");
        assert_eq!(thousands(1234567.0), "1,234,567");
    }

    #[test]
    fn layout_places_glyphs() {
        let Ok(fonts) = Fonts::get() else { return };
        let mut atlas = GlyphAtlas::new(fonts, 512);
        let run = atlas.layout("Suez", 20.0, false, 2.0, 0.0);
        assert_eq!(run.glyphs.len(), 4);
        assert!(run.width > 30.0 && run.width < 60.0, "{}", run.width);
        assert!(atlas.dirty.is_some());
    }
}
