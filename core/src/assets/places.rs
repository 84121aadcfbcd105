//! Place names for labels (`assets/places.grb`, built by `assets/build/places.py`) and
//! the paths of the bundled imagery and fonts.
//!
//! Cities come from GeoNames (`cities15000`, CC BY 4.0: credit "GeoNames"): every city
//! of at least 100,000 inhabitants. Seas are Natural Earth's named marine areas with a
//! label point inside each.

use super::{asset_error, cached, open, path, Blob};
use crate::error::{Error, Result};
use std::path::PathBuf;
use std::sync::OnceLock;

/// A populated place.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    /// Name as GeoNames gives it (UTF-8, Latin script, e.g. `"São Paulo"`).
    pub name: String,
    pub lat: f32,
    pub lng: f32,
    pub population: u32,
    /// ISO 3166-1 alpha-2 country code, e.g. `"GB"`.
    pub country: String,
}

/// A named sea, ocean, gulf or strait.
#[derive(Clone, Debug, PartialEq)]
pub struct Sea {
    /// English name, e.g. `"North Atlantic Ocean"`, `"Strait of Malacca"`.
    pub name: String,
    /// Label point inside the area's largest part.
    pub lat: f32,
    pub lng: f32,
    /// Approximate area in km² (for choosing which names to show first).
    pub area_km2: f32,
}

/// All place names.
#[derive(Clone, Debug)]
pub struct Places {
    /// Cities, population descending.
    pub cities: Vec<Place>,
    /// Seas, area descending.
    pub seas: Vec<Sea>,
}

/// The shared place names, loaded on first use.
pub fn places() -> Result<&'static Places> {
    static PLACES: OnceLock<std::result::Result<Places, Error>> = OnceLock::new();
    cached(&PLACES, || {
        let blob = open("places.grb")?;
        load(&blob).map_err(asset_error)
    })
}

fn lines<'a>(blob: &'a Blob, name: &str, n: usize) -> std::result::Result<Vec<&'a str>, String> {
    let text = blob.text(name)?;
    let items: Vec<&str> = if n == 0 {
        Vec::new()
    } else {
        text.split('\n').collect()
    };
    if items.len() != n {
        return Err(format!("{name}: {} entries, expected {n}", items.len()));
    }
    Ok(items)
}

fn load(blob: &Blob) -> std::result::Result<Places, String> {
    let (lat, lng, pop) = (
        blob.get::<f32>("city.lat")?,
        blob.get::<f32>("city.lng")?,
        blob.get::<u32>("city.pop")?,
    );
    let n = pop.len();
    let (names, cc) = (lines(blob, "city.name", n)?, lines(blob, "city.cc", n)?);
    if lat.len() != n || lng.len() != n {
        return Err("city tables differ in length".into());
    }
    let cities = (0..n)
        .map(|i| Place {
            name: names[i].to_string(),
            lat: lat[i],
            lng: lng[i],
            population: pop[i],
            country: cc[i].to_string(),
        })
        .collect();
    let (slat, slng, area) = (
        blob.get::<f32>("sea.lat")?,
        blob.get::<f32>("sea.lng")?,
        blob.get::<f32>("sea.area")?,
    );
    let m = area.len();
    let snames = lines(blob, "sea.name", m)?;
    if slat.len() != m || slng.len() != m {
        return Err("sea tables differ in length".into());
    }
    let seas = (0..m)
        .map(|i| Sea {
            name: snames[i].to_string(),
            lat: slat[i],
            lng: slng[i],
            area_km2: area[i],
        })
        .collect();
    Ok(Places { cities, seas })
}

fn existing(name: &str) -> Result<PathBuf> {
    let p = path(name)?;
    if p.is_file() {
        Ok(p)
    } else {
        Err(asset_error(format!(
            "{} is missing (run `bash assets/build.sh`)",
            p.display()
        )))
    }
}

/// NASA Blue Marble (Next Generation) JPEG, 5400×2700, equirectangular over the whole
/// world, north up. Public domain.
pub fn bluemarble_path() -> Result<PathBuf> {
    existing("bluemarble.jpg")
}

/// Natural Earth-style shaded relief JPEG, 10800×5400, equirectangular, north up.
pub fn shadedrelief_path() -> Result<PathBuf> {
    existing("shadedrelief.jpg")
}

/// DejaVu Sans (regular or bold) TrueType font.
pub fn font_path(bold: bool) -> Result<PathBuf> {
    existing(if bold {
        "fonts/DejaVuSans-Bold.ttf"
    } else {
        "fonts/DejaVuSans.ttf"
    })
}
