//! Basemap geometry of one detail band, tessellated once (style-independent:
//! colours are looked up per class in the shader) and shared by every job.

use super::mesh::{fill_polygon_tiled, stroke_lnglat, FillVertex, LineVertex, Mesh};
use crate::geo::{mercator, LatLng};
use lyon::tessellation::FillTessellator;
use std::ops::Range;

/// Bit set on fill classes that are land (shaded by the hillshade raster).
pub const LAND_BIT: u32 = 16;
/// Fill class of land.
pub const CLASS_LAND: u32 = LAND_BIT;
/// Fill class of lakes.
pub const CLASS_LAKE: u32 = 1;
/// Lowest bit of a lake's size code in its class (fills and shore strips).
///
/// The code is `round(-8 log2(s))` (1..=255) for `s`, the longer side of the
/// lake's Mercator bounding box; 0 means no size (not a lake). The tile shader
/// skips lakes under 2 pixels across at a tile's level: generalisation, as a
/// small-scale map does, rather than specks.
pub const SIZE_SHIFT: u32 = 8;

/// The class of a lake whose bounding box spans `size` Mercator units at most.
pub fn lake_class(size: f64) -> u32 {
    let code = (-8.0 * size.max(1e-12).log2()).round().clamp(1.0, 255.0) as u32;
    CLASS_LAKE | code << SIZE_SHIFT
}

/// The longer side of a lng/lat ring's Mercator bounding box.
fn mercator_extent(ring: &[[f32; 2]]) -> f64 {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in ring {
        let m = mercator(LatLng::new(p[1] as f64, p[0] as f64));
        b = [
            b[0].min(m[0]),
            b[1].min(m[1]),
            b[2].max(m[0]),
            b[3].max(m[1]),
        ];
    }
    (b[2] - b[0]).max(b[3] - b[1]).max(0.0)
}
/// Fill class of a country with palette colour `i` (0..6).
pub const fn class_country(i: u8) -> u32 {
    LAND_BIT | (2 + (i as u32 % 6))
}
/// Line class of coastlines.
pub const LINE_COAST: u32 = 9;
/// Line class of country borders.
pub const LINE_BORDER: u32 = 10;
/// Line class of sea lanes.
pub const LINE_LANE: u32 = 11;

/// A spatial bucket of a layer: an index range and the Mercator bounds of its
/// triangles (line triangles: of their centre lines).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub indices: Range<u32>,
    pub bounds: [f32; 4],
}

/// One layer's triangles, grouped into spatial cells so a tile draws only the
/// cells it overlaps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    pub cells: Vec<Cell>,
}

impl Layer {
    /// Whether the layer has no triangles.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Number of indices over all cells.
    pub fn index_count(&self) -> u32 {
        self.cells.iter().map(|c| c.indices.len() as u32).sum()
    }
}

/// Tessellated layers of one band; cells index `fill.indices` / `lines.indices`.
#[derive(Debug, Clone, Default)]
pub struct BandMeshes {
    pub fill: Mesh<FillVertex>,
    pub lines: Mesh<LineVertex>,
    pub land: Layer,
    pub lakes: Layer,
    /// Lake shores as hairline strips in the lake class: drawn in edge mode
    /// they anti-alias the lakes' edges without MSAA (land and country edges
    /// lie under coastlines and borders).
    pub lake_edges: Layer,
    pub countries: Layer,
    pub coast: Layer,
    pub borders: Layer,
    pub lanes: Layer,
}

/// Cells per side of the bucketing grid over the Mercator square.
const GRID: i64 = 48;

/// Reorders the triangles of `indices[range]` by grid cell and returns the cells.
fn bucket(indices: &mut [u32], range: Range<u32>, pos: impl Fn(u32) -> [f32; 2]) -> Layer {
    let tris = &indices[range.start as usize..range.end as usize];
    let mut keyed: Vec<(i64, [u32; 3], [f32; 4])> = tris
        .chunks_exact(3)
        .map(|t| {
            let (a, b, c) = (pos(t[0]), pos(t[1]), pos(t[2]));
            let bx = [
                a[0].min(b[0]).min(c[0]),
                a[1].min(b[1]).min(c[1]),
                a[0].max(b[0]).max(c[0]),
                a[1].max(b[1]).max(c[1]),
            ];
            let cx = (((bx[0] + bx[2]) * 0.5 * GRID as f32).floor() as i64).clamp(-GRID, 2 * GRID);
            let cy = (((bx[1] + bx[3]) * 0.5 * GRID as f32).floor() as i64).clamp(0, GRID - 1);
            (cy * 3 * GRID + cx, [t[0], t[1], t[2]], bx)
        })
        .collect();
    keyed.sort_by_key(|k| k.0);
    let mut cells: Vec<Cell> = Vec::new();
    let mut last_key = None;
    for (i, (key, tri, bx)) in keyed.iter().enumerate() {
        let at = range.start as usize + i * 3;
        indices[at..at + 3].copy_from_slice(tri);
        if last_key != Some(*key) {
            cells.push(Cell {
                indices: at as u32..at as u32,
                bounds: *bx,
            });
            last_key = Some(*key);
        }
        let c = cells.last_mut().unwrap();
        c.indices.end = at as u32 + 3;
        c.bounds = [
            c.bounds[0].min(bx[0]),
            c.bounds[1].min(bx[1]),
            c.bounds[2].max(bx[2]),
            c.bounds[3].max(bx[3]),
        ];
    }
    Layer { cells }
}

/// A square of the Mercator world that a detailed band is tessellated in on
/// demand (only where frames look): `per_side`² sectors tile the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sector {
    pub x: u32,
    pub y: u32,
    pub per_side: u32,
}

impl Sector {
    /// The whole world (bands not split into sectors).
    pub const WORLD: Sector = Sector {
        x: 0,
        y: 0,
        per_side: 1,
    };

    /// Mercator bounds `[x0, y0, x1, y1]`; `None` for the whole world.
    pub fn bounds(&self) -> Option<[f64; 4]> {
        (self.per_side > 1).then(|| {
            let s = 1.0 / self.per_side as f64;
            let (x, y) = (self.x as f64 * s, self.y as f64 * s);
            [x, y, x + s, y + s]
        })
    }

    /// The sectors of a `per_side` grid that Mercator `region` (whose x may
    /// leave 0..1 for world copies) overlaps, each once.
    pub fn covering(per_side: u32, region: [f64; 4]) -> Vec<Sector> {
        if per_side <= 1 {
            return vec![Sector::WORLD];
        }
        let n = per_side as i64;
        let cell = |v: f64| (v * n as f64).floor() as i64;
        let (x0, x1) = (cell(region[0]), cell(region[2]));
        let (y0, y1) = (
            cell(region[1]).clamp(0, n - 1),
            cell(region[3]).clamp(0, n - 1),
        );
        let mut out = Vec::new();
        for y in y0..=y1 {
            for x in x0..=x1.min(x0 + n - 1) {
                let s = Sector {
                    x: x.rem_euclid(n) as u32,
                    y: y as u32,
                    per_side,
                };
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }
}

/// Builds [`BandMeshes`] layer by layer.
pub struct BandBuilder {
    meshes: BandMeshes,
    ranges: [Range<u32>; 7],
    tess: FillTessellator,
    /// Only what lies in this Mercator rectangle is built.
    clip: Option<[f64; 4]>,
    /// Polygons lyon rejected (skipped).
    pub rejected: usize,
}

impl Default for BandBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl BandBuilder {
    /// An empty band.
    pub fn new() -> Self {
        BandBuilder {
            meshes: BandMeshes {
                fill: Mesh::new(),
                lines: Mesh::new(),
                ..Default::default()
            },
            ranges: Default::default(),
            tess: FillTessellator::new(),
            clip: None,
            rejected: 0,
        }
    }

    /// An empty band that keeps only what lies in `sector` (polygons and
    /// lines cut at its edges, so neighbouring sectors meet exactly).
    pub fn in_sector(sector: Sector) -> Self {
        BandBuilder {
            clip: sector.bounds(),
            ..Self::new()
        }
    }

    fn fill_layer<'a, P, R>(&mut self, polygons: P) -> Range<u32>
    where
        P: IntoIterator<Item = (u32, R)>,
        R: IntoIterator<Item = &'a [[f32; 2]]>,
    {
        let start = self.meshes.fill.indices.len() as u32;
        for (class, rings) in polygons {
            if !fill_polygon_tiled(
                &mut self.meshes.fill,
                &mut self.tess,
                rings,
                class,
                self.clip,
            ) {
                self.rejected += 1;
            }
        }
        start..self.meshes.fill.indices.len() as u32
    }

    fn line_layer<'a>(
        &mut self,
        lines: impl IntoIterator<Item = &'a [[f32; 2]]>,
        class: u32,
    ) -> Range<u32> {
        let start = self.meshes.lines.indices.len() as u32;
        for l in lines {
            stroke_lnglat(&mut self.meshes.lines, l, class, self.clip);
        }
        start..self.meshes.lines.indices.len() as u32
    }

    /// Land polygons (each: outer ring then holes, lng/lat).
    pub fn land<'a, R: IntoIterator<Item = &'a [[f32; 2]]>>(
        &mut self,
        polygons: impl IntoIterator<Item = R>,
    ) -> &mut Self {
        self.ranges[0] = self.fill_layer(polygons.into_iter().map(|r| (CLASS_LAND, r)));
        self
    }

    /// Lake polygons (filled, and their rings as [`BandMeshes::lake_edges`]).
    pub fn lakes<'a, R: IntoIterator<Item = &'a [[f32; 2]]>>(
        &mut self,
        polygons: impl IntoIterator<Item = R>,
    ) -> &mut Self {
        let polygons: Vec<Vec<&'a [[f32; 2]]>> = polygons
            .into_iter()
            .map(|r| r.into_iter().collect())
            .collect();
        let classes: Vec<u32> = polygons
            .iter()
            .map(|rings| lake_class(rings.first().map_or(0.0, |r| mercator_extent(r))))
            .collect();
        self.ranges[1] = self.fill_layer(
            polygons
                .iter()
                .zip(&classes)
                .map(|(r, &class)| (class, r.iter().copied())),
        );
        // Rings are implicitly closed: repeat the first point for the stroke.
        let start = self.meshes.lines.indices.len() as u32;
        for (rings, &class) in polygons.iter().zip(&classes) {
            for r in rings.iter().filter(|r| r.len() >= 3) {
                let closed: Vec<[f32; 2]> = r.iter().chain(&r[..1]).copied().collect();
                stroke_lnglat(&mut self.meshes.lines, &closed, class, self.clip);
            }
        }
        self.ranges[6] = start..self.meshes.lines.indices.len() as u32;
        self
    }

    /// Country polygons with their palette index.
    pub fn countries<'a, R: IntoIterator<Item = &'a [[f32; 2]]>>(
        &mut self,
        polygons: impl IntoIterator<Item = (u8, R)>,
    ) -> &mut Self {
        self.ranges[2] = self.fill_layer(polygons.into_iter().map(|(c, r)| (class_country(c), r)));
        self
    }

    /// Coastlines.
    pub fn coast<'a>(&mut self, lines: impl IntoIterator<Item = &'a [[f32; 2]]>) -> &mut Self {
        self.ranges[3] = self.line_layer(lines, LINE_COAST);
        self
    }

    /// Country borders.
    pub fn borders<'a>(&mut self, lines: impl IntoIterator<Item = &'a [[f32; 2]]>) -> &mut Self {
        self.ranges[4] = self.line_layer(lines, LINE_BORDER);
        self
    }

    /// Sea lanes.
    pub fn lanes<'a>(&mut self, lines: impl IntoIterator<Item = &'a [[f32; 2]]>) -> &mut Self {
        self.ranges[5] = self.line_layer(lines, LINE_LANE);
        self
    }

    /// Takes over the layers `other` built (a builder run on another thread),
    /// appending its triangles. A layer both built is joined, which needs it to
    /// end `self`'s meshes and start `other`'s (as when halves of one layer's
    /// polygons are tessellated apart).
    pub fn absorb(&mut self, other: BandBuilder) {
        let BandBuilder {
            meshes,
            ranges,
            rejected,
            ..
        } = other;
        let fill = self.meshes.fill.append(meshes.fill);
        let lines = self.meshes.lines.append(meshes.lines);
        for (k, r) in ranges.into_iter().enumerate() {
            if r.is_empty() {
                continue;
            }
            // Ranges 0–2 index fills, 3–6 lines.
            let shift = if k < 3 { fill.start } else { lines.start };
            let r = r.start + shift..r.end + shift;
            let mine = &mut self.ranges[k];
            *mine = if mine.start == mine.end {
                r
            } else {
                assert_eq!(
                    mine.end, r.start,
                    "layer {k} is not contiguous across builders"
                );
                mine.start..r.end
            };
        }
        self.rejected += rejected;
    }

    /// The finished meshes, bucketed into cells (fill and line layers on two
    /// threads).
    pub fn finish(mut self) -> BandMeshes {
        let m = &mut self.meshes;
        let r = self.ranges.clone();
        let (fill, lines) = (&mut m.fill, &mut m.lines);
        let ([land, lakes, countries], [coast, borders, lanes, lake_edges]) =
            std::thread::scope(|s| {
                let lines = s.spawn(|| {
                    let lv = &lines.vertices;
                    let at = |i: u32| lv[i as usize].pos;
                    [3, 4, 5, 6].map(|k| bucket(&mut lines.indices, r[k].clone(), at))
                });
                let fv = &fill.vertices;
                let at = |i: u32| fv[i as usize].pos;
                let fills = [0, 1, 2].map(|k| bucket(&mut fill.indices, r[k].clone(), at));
                let lines = lines
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (fills, lines)
            });
        (m.land, m.lakes, m.countries) = (land, lakes, countries);
        (m.coast, m.borders, m.lanes, m.lake_edges) = (coast, borders, lanes, lake_edges);
        self.meshes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f32, y: f32, d: f32) -> Vec<[f32; 2]> {
        vec![[x, y], [x + d, y], [x + d, y + d], [x, y + d]]
    }

    #[test]
    fn absorb_joins_a_layer_built_in_halves() {
        let (a, b, c) = (
            square(0.0, 0.0, 5.0),
            square(20.0, 0.0, 5.0),
            square(40.0, 0.0, 5.0),
        );
        let mut whole = BandBuilder::new();
        whole.countries([(0, vec![&a[..]]), (1, vec![&b[..]]), (2, vec![&c[..]])]);
        let whole = whole.finish().countries.index_count();
        let mut first = BandBuilder::new();
        first.countries([(0, vec![&a[..]])]);
        let mut second = BandBuilder::new();
        second.countries([(1, vec![&b[..]]), (2, vec![&c[..]])]);
        first.absorb(second);
        let joined = first.finish();
        assert!(whole > 0);
        assert_eq!(joined.countries.index_count(), whole);
        assert_eq!(joined.fill.indices.len() as u32, whole);
    }

    #[test]
    fn sectors_cover_regions_across_world_copies() {
        // The whole world when not split.
        assert_eq!(
            Sector::covering(1, [0.2, 0.2, 0.3, 0.3]),
            vec![Sector::WORLD]
        );
        assert_eq!(Sector::WORLD.bounds(), None);
        let s = |x, y| Sector { x, y, per_side: 8 };
        // Inside one sector, then across a corner.
        assert_eq!(Sector::covering(8, [0.51, 0.38, 0.52, 0.39]), vec![s(4, 3)]);
        let corner = Sector::covering(8, [0.62, 0.37, 0.63, 0.38]);
        assert_eq!(corner, vec![s(4, 2), s(5, 2), s(4, 3), s(5, 3)]);
        // West of the antimeridian (x < 0): the easternmost sectors.
        assert_eq!(
            Sector::covering(8, [-0.01, 0.5, 0.01, 0.51]),
            vec![s(7, 4), s(0, 4)]
        );
        // Beyond the poles: clamped rows.
        assert_eq!(Sector::covering(8, [0.3, -0.2, 0.31, 0.01]), vec![s(2, 0)]);
        assert_eq!(s(2, 3).bounds(), Some([0.25, 0.375, 0.375, 0.5]));
    }

    #[test]
    fn a_band_in_sectors_has_the_whole_band_s_area() {
        // A square straddling four sectors: its pieces in them add up to it.
        let (x0, y0, d) = (35.0f32, 10.0f32, 20.0f32);
        let sq = square(x0, y0, d);
        let area = |m: &BandMeshes| {
            let v = &m.fill.vertices;
            m.fill
                .indices
                .chunks_exact(3)
                .map(|t| {
                    let [a, b, c] = [t[0], t[1], t[2]].map(|i| v[i as usize].pos);
                    ((b[0] - a[0]) as f64 * (c[1] - a[1]) as f64
                        - (c[0] - a[0]) as f64 * (b[1] - a[1]) as f64)
                        .abs()
                        / 2.0
                })
                .sum::<f64>()
        };
        let mut whole = BandBuilder::new();
        whole.land([vec![&sq[..]]]).coast([&sq[..]]);
        let whole = whole.finish();
        let mut parts = 0.0;
        let mut line_tris = 0;
        for x in 0..8 {
            for y in 0..8 {
                let mut b = BandBuilder::in_sector(Sector { x, y, per_side: 8 });
                b.land([vec![&sq[..]]]).coast([&sq[..]]);
                let m = b.finish();
                parts += area(&m);
                line_tris += m.lines.indices.len();
            }
        }
        let want = area(&whole);
        assert!(
            want > 0.0 && (parts - want).abs() < 1e-5 * want,
            "{parts} vs {want}"
        );
        // The outline, cut where it crosses sector edges, strokes every piece.
        assert!(line_tris >= whole.lines.indices.len());
    }

    #[test]
    fn lakes_carry_their_size_in_fills_and_shores() {
        // 3.6° of longitude: 1% of the Mercator square's width.
        let (big, small) = (square(0.0, 0.0, 3.6), square(20.0, 0.0, 0.036));
        let mut b = BandBuilder::new();
        b.lakes([vec![&big[..]], vec![&small[..]]]);
        let m = b.finish();
        let decode = |class: u32| {
            assert_eq!(class & 15, CLASS_LAKE);
            (-(((class >> SIZE_SHIFT) & 255) as f64) / 8.0).exp2()
        };
        let mut sizes: Vec<f64> = m.fill.vertices.iter().map(|v| decode(v.class)).collect();
        sizes.extend(m.lines.vertices.iter().map(|v| decode(v.value)));
        assert!(!m.lake_edges.is_empty());
        for s in sizes {
            // Within the code's step (2^(1/16)) of 1% or 0.01%.
            let near = |want: f64| (s / want).log2().abs() <= 1.0 / 16.0 + 1e-9;
            assert!(near(0.01) || near(0.0001), "size {s}");
        }
        assert_eq!(lake_class(1.0) >> SIZE_SHIFT, 1, "code 0 is reserved");
        assert_eq!(lake_class(0.0) >> SIZE_SHIFT, 255);
    }
}
