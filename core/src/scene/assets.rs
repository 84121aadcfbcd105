//! Glue from the bundled datasets ([`crate::assets`]) to scene data: band meshes,
//! city and country label candidates.

use super::basemap::{BandBuilder, BandMeshes, Sector};
use super::labels::{CityLabel, CountryLabel};
use crate::assets::basemap::{basemap, Basemap, LineLayer, PolygonLayer, BANDS};
use crate::error::Result;
use crate::geo::{mercator, LatLng};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Band index for a zoom level.
pub fn band_for_zoom(zoom: f64) -> usize {
    Basemap::band_for_zoom(zoom)
}

fn polygon<'a>(layer: &'a PolygonLayer, p: usize) -> impl Iterator<Item = &'a [[f32; 2]]> + 'a {
    layer.polygon_rings(p).map(move |r| layer.ring(r))
}

/// Builds a band's meshes from two builders run on two threads (`one` on a
/// spawned thread, `other` on this one), joined.
fn on_two_threads(
    index: usize,
    one: impl FnOnce() -> BandBuilder + Send,
    other: impl FnOnce() -> BandBuilder,
) -> Result<BandMeshes> {
    let b = std::thread::scope(|s| {
        let one = s.spawn(one);
        let mut b = other();
        let one = one
            .join()
            .map_err(|_| crate::Error::RenderFailed(format!("tessellating band {index} failed")))?;
        b.absorb(one);
        Ok::<_, crate::Error>(b)
    })?;
    Ok(b.finish())
}

/// Sectors per side of the world that band `index` is tessellated in: the
/// detailed band (frames show a small part of the world) by the 1/8 of the
/// world a frame may look at, the others whole.
pub fn sectors_per_side(index: usize) -> u32 {
    if index + 1 >= BANDS {
        8
    } else {
        1
    }
}

/// Lng/lat bounds of each polygon (outer ring) or line of a band's layers,
/// computed once: a sector skips what lies wholly outside it unprojected.
struct BandBounds {
    land: Vec<[f32; 4]>,
    lakes: Vec<[f32; 4]>,
    countries: Vec<[f32; 4]>,
    coast: Vec<[f32; 4]>,
    borders: Vec<[f32; 4]>,
    lanes: Vec<[f32; 4]>,
}

fn bounds_of(points: &[[f32; 2]]) -> [f32; 4] {
    points
        .iter()
        .fold([f32::MAX, f32::MAX, f32::MIN, f32::MIN], |b, p| {
            [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ]
        })
}

fn polygon_bounds(layer: &PolygonLayer) -> Vec<[f32; 4]> {
    (0..layer.polygon_count())
        .map(|p| {
            let outer = layer.polygon_rings(p).next().map(|r| layer.ring(r));
            bounds_of(outer.unwrap_or(&[]))
        })
        .collect()
}

fn line_bounds(layer: &LineLayer) -> Vec<[f32; 4]> {
    (0..layer.line_count())
        .map(|i| bounds_of(layer.line(i)))
        .collect()
}

fn band_bounds(index: usize) -> Result<&'static BandBounds> {
    static BOUNDS: [OnceLock<BandBounds>; BANDS] = [const { OnceLock::new() }; BANDS];
    let map = basemap()?;
    let band = &map.bands[index.min(BANDS - 1)];
    Ok(BOUNDS[index.min(BANDS - 1)].get_or_init(|| BandBounds {
        land: polygon_bounds(&band.land),
        lakes: polygon_bounds(&band.lakes),
        countries: polygon_bounds(&band.countries),
        coast: line_bounds(&band.coastline),
        borders: line_bounds(&band.borders),
        lanes: line_bounds(&map.sea_lanes),
    }))
}

/// Whether lng/lat bounds `b` may reach into `sector` (all do for the world).
fn touches(sector: Sector, b: &[f32; 4]) -> bool {
    let Some(r) = sector.bounds() else {
        return true;
    };
    // The sector's lng/lat rectangle, a hair larger (rounding).
    let nw = crate::geo::inverse_mercator([r[0], r[1]]);
    let se = crate::geo::inverse_mercator([r[2], r[3]]);
    let eps = 1e-4;
    (b[2] as f64) >= nw.lng - eps
        && (b[0] as f64) <= se.lng + eps
        && (b[3] as f64) >= se.lat - eps
        && (b[1] as f64) <= nw.lat + eps
}

/// Tessellates the part in `sector` of band `index` of the bundled basemap,
/// without the country polygons (see [`country_meshes`]): land, lakes,
/// coastlines, borders and the sea lanes.
pub fn band_meshes(index: usize, sector: Sector) -> Result<BandMeshes> {
    let map = basemap()?;
    let band = &map.bands[index.min(map.bands.len() - 1)];
    let bounds = band_bounds(index)?;
    let pick = |b: &'static [[f32; 4]]| move |i: &usize| touches(sector, &b[*i]);
    // Two threads of about equal work: land; lakes and the lines.
    let land = || {
        let mut b = BandBuilder::in_sector(sector);
        b.land(
            (0..band.land.polygon_count())
                .filter(pick(&bounds.land))
                .map(|p| polygon(&band.land, p)),
        );
        b
    };
    let rest = || {
        let mut b = BandBuilder::in_sector(sector);
        b.lakes(
            (0..band.lakes.polygon_count())
                .filter(pick(&bounds.lakes))
                .map(|p| polygon(&band.lakes, p)),
        );
        b.coast(
            (0..band.coastline.line_count())
                .filter(pick(&bounds.coast))
                .map(|i| band.coastline.line(i)),
        );
        b.borders(
            (0..band.borders.line_count())
                .filter(pick(&bounds.borders))
                .map(|i| band.borders.line(i)),
        );
        b.lanes(
            (0..map.sea_lanes.line_count())
                .filter(pick(&bounds.lanes))
                .map(|i| map.sea_lanes.line(i)),
        );
        b
    };
    on_two_threads(index, land, rest)
}

/// Tessellates the country polygons in `sector` of band `index` (their colour
/// index as the class), for styles with country fills only.
pub fn country_meshes(index: usize, sector: Sector) -> Result<BandMeshes> {
    let map = basemap()?;
    let band = &map.bands[index.min(map.bands.len() - 1)];
    let bounds = band_bounds(index)?;
    let colored: Vec<(u8, usize)> = band
        .country_info
        .iter()
        .flat_map(|c| c.polygons.clone().map(|p| (c.color_index, p as usize)))
        .filter(|&(_, p)| touches(sector, &bounds.countries[p]))
        .collect();
    // Two threads over halves of the polygons (the first half joined first).
    let (first, second) = colored.split_at(colored.len() / 2);
    let tessellate = |part: &[(u8, usize)]| {
        let mut b = BandBuilder::in_sector(sector);
        b.countries(part.iter().map(|&(c, p)| (c, polygon(&band.countries, p))));
        b
    };
    on_two_threads(index, || tessellate(second), || tessellate(first))
}

/// Blue Marble path.
pub fn bluemarble_path() -> Result<PathBuf> {
    crate::assets::basemap::bluemarble_path()
}

/// Shaded relief path.
pub fn shadedrelief_path() -> Result<PathBuf> {
    crate::assets::basemap::shadedrelief_path()
}

/// Cities with at least 100,000 people, largest first (loaded once).
pub fn cities() -> Result<Arc<Vec<CityLabel>>> {
    static CITIES: OnceLock<Result<Arc<Vec<CityLabel>>>> = OnceLock::new();
    CITIES
        .get_or_init(|| {
            let places = crate::assets::places::places()?;
            let mut v: Vec<CityLabel> = places
                .cities
                .iter()
                .filter(|c| c.population >= 100_000)
                .map(|c| CityLabel {
                    name: c.name.clone(),
                    merc: mercator(LatLng::new(c.lat as f64, c.lng as f64)),
                    population: c.population as u64,
                })
                .collect();
            v.sort_by(|a, b| b.population.cmp(&a.population).then(a.name.cmp(&b.name)));
            Ok(Arc::new(v))
        })
        .clone()
}

/// Country names at their label points, widest first (loaded once).
pub fn countries() -> Result<Arc<Vec<CountryLabel>>> {
    static COUNTRIES: OnceLock<Result<Arc<Vec<CountryLabel>>>> = OnceLock::new();
    COUNTRIES
        .get_or_init(|| {
            let map = basemap()?;
            let band = &map.bands[0];
            let mut v: Vec<CountryLabel> = band
                .country_info
                .iter()
                .map(|c| {
                    // Width of the largest polygon's bounding box, in Mercator units.
                    let mut best = 0.0f64;
                    for p in c.polygons.clone() {
                        let (mut x0, mut x1) = (f64::MAX, f64::MIN);
                        for r in band.countries.polygon_rings(p as usize).take(1) {
                            for q in band.countries.ring(r) {
                                let x = (q[0] as f64 + 180.0) / 360.0;
                                x0 = x0.min(x);
                                x1 = x1.max(x);
                            }
                        }
                        if x1 > x0 {
                            best = best.max(x1 - x0);
                        }
                    }
                    CountryLabel {
                        name: c.name.clone(),
                        merc: mercator(LatLng::new(c.label[1] as f64, c.label[0] as f64)),
                        extent: best,
                    }
                })
                .collect();
            v.sort_by(|a, b| b.extent.total_cmp(&a.extent).then(a.name.cmp(&b.name)));
            Ok(Arc::new(v))
        })
        .clone()
}
