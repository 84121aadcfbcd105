//! The vector basemap (`assets/basemap.grb`, built by `assets/build/basemap.py`):
//! land, lakes, coastline, country borders and country polygons in three detail
//! bands, plus the SeaRoute shipping lanes, and a fast point-in-land test.
//!
//! All coordinates are `[lng, lat]` in degrees within [-180, 180] × [-90, 90]. Polygons
//! crossing the antimeridian are cut there, and Antarctica is closed along the map's
//! bottom edge, so every ring can be filled as a plain planar polygon. Rings are
//! implicitly closed (the first point is not repeated); exterior rings wind
//! counter-clockwise (y up), holes clockwise. Closed coastlines (islands) do repeat
//! their first point, so stroking a line draws the whole loop.

use super::{asset_error, cached, open, Blob};
use crate::error::{Error, Result};
use crate::LatLng;
use std::ops::Range;
use std::sync::OnceLock;

pub use super::places::{bluemarble_path, font_path, shadedrelief_path};

/// Number of detail bands: 0 = low (≈ 1:110M), 1 = mid (≈ 1:50M), 2 = high (1:10M).
pub const BANDS: usize = 3;

/// Polygons: `coords` are `[lng, lat]` in degrees. `rings[i]..rings[i + 1]` is ring `i`
/// (indices into `coords`; `rings` has `nrings + 1` entries). `polygons[p]..polygons[p + 1]`
/// are the rings of polygon `p`, exterior first (`polygons` has `npolys + 1` entries).
#[derive(Clone, Debug, Default)]
pub struct PolygonLayer {
    pub coords: Vec<[f32; 2]>,
    pub rings: Vec<u32>,
    pub polygons: Vec<u32>,
}

impl PolygonLayer {
    /// Number of polygons.
    pub fn polygon_count(&self) -> usize {
        self.polygons.len().saturating_sub(1)
    }

    /// Number of rings.
    pub fn ring_count(&self) -> usize {
        self.rings.len().saturating_sub(1)
    }

    /// The points of ring `r` (implicitly closed).
    pub fn ring(&self, r: usize) -> &[[f32; 2]] {
        &self.coords[self.rings[r] as usize..self.rings[r + 1] as usize]
    }

    /// The ring indices of polygon `p`; the first is its exterior.
    pub fn polygon_rings(&self, p: usize) -> Range<usize> {
        self.polygons[p] as usize..self.polygons[p + 1] as usize
    }

    fn load(blob: &Blob, prefix: &str) -> std::result::Result<Self, String> {
        let layer = PolygonLayer {
            coords: points(blob, &format!("{prefix}.xy"))?,
            rings: blob.get::<u32>(&format!("{prefix}.ring"))?.to_vec(),
            polygons: blob.get::<u32>(&format!("{prefix}.poly"))?.to_vec(),
        };
        check_offsets(&layer.rings, layer.coords.len(), prefix)?;
        check_offsets(&layer.polygons, layer.ring_count(), prefix)?;
        Ok(layer)
    }
}

/// Polylines: `lines[i]..lines[i + 1]` is line `i` (indices into `coords`, `[lng, lat]`).
#[derive(Clone, Debug, Default)]
pub struct LineLayer {
    pub coords: Vec<[f32; 2]>,
    pub lines: Vec<u32>,
}

impl LineLayer {
    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.lines.len().saturating_sub(1)
    }

    /// The points of line `i`.
    pub fn line(&self, i: usize) -> &[[f32; 2]] {
        &self.coords[self.lines[i] as usize..self.lines[i + 1] as usize]
    }

    fn load(blob: &Blob, prefix: &str) -> std::result::Result<Self, String> {
        let layer = LineLayer {
            coords: points(blob, &format!("{prefix}.xy"))?,
            lines: blob.get::<u32>(&format!("{prefix}.line"))?.to_vec(),
        };
        check_offsets(&layer.lines, layer.coords.len(), prefix)?;
        Ok(layer)
    }
}

/// A country (or other Natural Earth admin-0 unit) of one band.
#[derive(Clone, Debug)]
pub struct Country {
    /// English short name as Natural Earth labels it, e.g. `"Dem. Rep. Congo"`.
    pub name: String,
    /// ISO 3166-1 alpha-3 code (Natural Earth's own `ADM0_A3` where ISO has none, e.g.
    /// Kosovo `"KOS"`); empty for units absent from the 10m attributes (`"N. Cyprus"`,
    /// `"Somaliland"`, `"Siachen Glacier"`, …).
    pub iso_a3: String,
    /// 0..=5; countries sharing a border never share an index (the same in every band).
    pub color_index: u8,
    /// `[lng, lat]` of a point well inside the country's largest polygon, for its label.
    pub label: [f32; 2],
    /// Polygon indices into the band's `countries` layer.
    pub polygons: Range<u32>,
}

/// One detail band of the basemap.
#[derive(Clone, Debug)]
pub struct Band {
    /// Land polygons (Natural Earth land; lakes are not cut out, the Caspian is a hole).
    pub land: PolygonLayer,
    /// Lakes (band 0: only the large ones; band 1: ≥ 100 km²; band 2: all).
    pub lakes: PolygonLayer,
    /// Coastlines (also around islands and the Caspian).
    pub coastline: LineLayer,
    /// Land borders between countries.
    pub borders: LineLayer,
    /// Country polygons; `country_info[i].polygons` says which belong to country `i`.
    pub countries: PolygonLayer,
    /// Per-country names, codes, colours and label points.
    pub country_info: Vec<Country>,
}

/// The whole basemap: three detail bands and the shipping lanes.
#[derive(Clone, Debug)]
pub struct Basemap {
    pub bands: [Band; BANDS],
    /// SeaRoute network edges (for the faint lanes of `maritime-dark`), split at ±180°.
    pub sea_lanes: LineLayer,
}

impl Basemap {
    /// The band to use at a Web Mercator zoom level (0 = whole world in 256 px):
    /// below 2.5 → 0, below 5 → 1, else 2.
    pub fn band_for_zoom(zoom: f64) -> usize {
        if zoom < 2.5 {
            0
        } else if zoom < 5.0 {
            1
        } else {
            2
        }
    }

    fn load() -> Result<Basemap> {
        let blob = open("basemap.grb")?;
        let band = |b: usize| -> std::result::Result<Band, String> {
            let p = format!("b{b}");
            Ok(Band {
                land: PolygonLayer::load(&blob, &format!("{p}.land"))?,
                lakes: PolygonLayer::load(&blob, &format!("{p}.lake"))?,
                coastline: LineLayer::load(&blob, &format!("{p}.coast"))?,
                borders: LineLayer::load(&blob, &format!("{p}.bord"))?,
                countries: PolygonLayer::load(&blob, &format!("{p}.ctry"))?,
                country_info: countries(&blob, &p)?,
            })
        };
        let load = || -> std::result::Result<Basemap, String> {
            let bands = [band(0)?, band(1)?, band(2)?];
            for (b, band) in bands.iter().enumerate() {
                let n = band.countries.polygon_count() as u32;
                if band.country_info.iter().any(|c| c.polygons.end > n) {
                    return Err(format!("b{b}: country polygons out of range"));
                }
            }
            let sea_lanes = LineLayer::load(&blob, "lanes")?;
            Ok(Basemap { bands, sea_lanes })
        };
        load().map_err(asset_error)
    }
}

/// The shared basemap, loaded on first use.
pub fn basemap() -> Result<&'static Basemap> {
    static MAP: OnceLock<Result<Basemap>> = OnceLock::new();
    cached(&MAP, Basemap::load)
}

fn points(blob: &Blob, name: &str) -> std::result::Result<Vec<[f32; 2]>, String> {
    bytemuck::try_cast_slice::<f32, [f32; 2]>(blob.get::<f32>(name)?)
        .map(<[_]>::to_vec)
        .map_err(|_| format!("{name}: odd number of coordinates"))
}

/// Offsets must start at 0, never decrease and end at `len`.
fn check_offsets(offsets: &[u32], len: usize, what: &str) -> std::result::Result<(), String> {
    let ok = offsets.first() == Some(&0)
        && offsets.last().map(|&l| l as usize) == Some(len)
        && offsets.windows(2).all(|w| w[0] <= w[1]);
    if ok {
        Ok(())
    } else {
        Err(format!("{what}: bad offsets"))
    }
}

fn text_list(blob: &Blob, name: &str, n: usize) -> std::result::Result<Vec<String>, String> {
    let text = blob.text(name)?;
    let items: Vec<String> = if n == 0 {
        Vec::new()
    } else {
        text.split('\n').map(String::from).collect()
    };
    if items.len() != n {
        return Err(format!("{name}: {} entries, expected {n}", items.len()));
    }
    Ok(items)
}

fn countries(blob: &Blob, p: &str) -> std::result::Result<Vec<Country>, String> {
    let ranges = blob.get::<u32>(&format!("{p}.cty.poly"))?;
    let n = ranges.len().saturating_sub(1);
    let names = text_list(blob, &format!("{p}.cty.name"), n)?;
    let isos = text_list(blob, &format!("{p}.cty.iso"), n)?;
    let colors = blob.get::<u8>(&format!("{p}.cty.color"))?;
    let labels = points(blob, &format!("{p}.cty.label"))?;
    if colors.len() != n || labels.len() != n || ranges.windows(2).any(|w| w[0] > w[1]) {
        return Err(format!("{p}: inconsistent country tables"));
    }
    Ok((0..n)
        .map(|i| Country {
            name: names[i].clone(),
            iso_a3: isos[i].clone(),
            color_index: colors[i],
            label: labels[i],
            polygons: ranges[i]..ranges[i + 1],
        })
        .collect())
}

// --- point in land ------------------------------------------------------------

const GRID_W: usize = 360;
const GRID_H: usize = 180;

/// Point-in-land test on the high-detail (10m) land polygons. Lakes count as land;
/// the Caspian Sea does not. A 1° grid lists the land edges touching each cell and
/// whether the cell's centre is on land, so a query only tests the edges between the
/// centre and the point.
pub struct LandIndex {
    /// Edges as `[ax, ay, bx, by]` (lng, lat).
    edges: Vec<[f32; 4]>,
    /// `cell_start[c]..cell_start[c + 1]` indexes `cell_edges` for cell `c`.
    cell_start: Vec<u32>,
    cell_edges: Vec<u32>,
    /// Whether each cell's centre is on land.
    centre_inside: Vec<bool>,
}

fn cell_of(lng: f64, lat: f64) -> (usize, usize) {
    let i = ((lng + 180.0).floor().max(0.0) as usize).min(GRID_W - 1);
    let j = ((lat + 90.0).floor().max(0.0) as usize).min(GRID_H - 1);
    (i, j)
}

impl LandIndex {
    /// Builds the index over every edge of a polygon layer (even-odd over all rings).
    pub fn new(layer: &PolygonLayer) -> LandIndex {
        let mut edges = Vec::with_capacity(layer.coords.len());
        for r in 0..layer.ring_count() {
            let ring = layer.ring(r);
            for (k, a) in ring.iter().enumerate() {
                let b = ring[(k + 1) % ring.len()];
                if *a != b {
                    edges.push([a[0], a[1], b[0], b[1]]);
                }
            }
        }
        let cells_of = |e: &[f32; 4]| {
            let (i0, j0) = cell_of(e[0].min(e[2]) as f64, e[1].min(e[3]) as f64);
            let (i1, j1) = cell_of(e[0].max(e[2]) as f64, e[1].max(e[3]) as f64);
            (j0..=j1).flat_map(move |j| (i0..=i1).map(move |i| j * GRID_W + i))
        };
        let mut cell_start = vec![0u32; GRID_W * GRID_H + 1];
        for e in &edges {
            for c in cells_of(e) {
                cell_start[c + 1] += 1;
            }
        }
        for c in 0..GRID_W * GRID_H {
            cell_start[c + 1] += cell_start[c];
        }
        let mut fill = cell_start.clone();
        let mut cell_edges = vec![0u32; *cell_start.last().unwrap() as usize];
        for (k, e) in edges.iter().enumerate() {
            for c in cells_of(e) {
                cell_edges[fill[c] as usize] = k as u32;
                fill[c] += 1;
            }
        }
        // Centre status, one row at a time: where the row's centre latitude crosses an
        // edge, sorted west to east; a centre is inside after an odd number of crossings.
        let mut rows: Vec<Vec<f64>> = vec![Vec::new(); GRID_H];
        for e in &edges {
            let (ax, ay, bx, by) = (e[0] as f64, e[1] as f64, e[2] as f64, e[3] as f64);
            let (_, j0) = cell_of(0.0, ay.min(by));
            let (_, j1) = cell_of(0.0, ay.max(by));
            for (j, row) in rows.iter_mut().enumerate().take(j1 + 1).skip(j0) {
                let y = j as f64 - 89.5;
                if (ay > y) != (by > y) {
                    row.push(ax + (y - ay) * (bx - ax) / (by - ay));
                }
            }
        }
        let mut centre_inside = vec![false; GRID_W * GRID_H];
        for (j, row) in rows.iter_mut().enumerate() {
            row.sort_by(f64::total_cmp);
            let mut west = 0;
            for i in 0..GRID_W {
                let x = i as f64 - 179.5;
                while west < row.len() && row[west] < x {
                    west += 1;
                }
                centre_inside[j * GRID_W + i] = west % 2 == 1;
            }
        }
        LandIndex {
            edges,
            cell_start,
            cell_edges,
            centre_inside,
        }
    }

    /// Whether a point is on land. Longitudes outside [-180, 180] are wrapped.
    pub fn contains(&self, p: LatLng) -> bool {
        let lng = (p.lng + 180.0).rem_euclid(360.0) - 180.0;
        let lat = p.lat.clamp(-90.0, 90.0);
        let (i, j) = cell_of(lng, lat);
        let c = j * GRID_W + i;
        let (cx, cy) = (i as f64 - 179.5, j as f64 - 89.5);
        let mut inside = self.centre_inside[c];
        let range = self.cell_start[c] as usize..self.cell_start[c + 1] as usize;
        for &k in &self.cell_edges[range] {
            let e = self.edges[k as usize];
            let (a, b) = ((e[0] as f64, e[1] as f64), (e[2] as f64, e[3] as f64));
            // The edge's ends lie on different sides of the centre→point line (half-open,
            // so a path through a vertex counts once) and the centre and the point lie on
            // different sides of the edge.
            let side = |q: (f64, f64)| (lng - cx) * (q.1 - cy) - (lat - cy) * (q.0 - cx) > 0.0;
            if side(a) != side(b) {
                let ab = |q: (f64, f64)| (b.0 - a.0) * (q.1 - a.1) - (b.1 - a.1) * (q.0 - a.0);
                if (ab((cx, cy)) > 0.0) != (ab((lng, lat)) > 0.0) {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

/// The shared land index over band 2's land, built on first use (tens of milliseconds).
pub fn land_index() -> Result<&'static LandIndex> {
    static INDEX: OnceLock<std::result::Result<LandIndex, Error>> = OnceLock::new();
    cached(&INDEX, || Ok(LandIndex::new(&basemap()?.bands[2].land)))
}
