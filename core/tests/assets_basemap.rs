//! The bundled basemap, places, imagery and fonts (`assets/`, built by `assets/build.sh`).

use georender::assets::basemap::{
    basemap, land_index, Band, Basemap, Country, PolygonLayer, BANDS,
};
use georender::assets::places::places;
use georender::LatLng;

fn country<'a>(band: &'a Band, iso: &str) -> &'a Country {
    band.country_info
        .iter()
        .find(|c| c.iso_a3 == iso)
        .unwrap_or_else(|| panic!("no country {iso}"))
}

fn in_ring(p: [f32; 2], ring: &[[f32; 2]]) -> bool {
    let mut inside = false;
    for (k, a) in ring.iter().enumerate() {
        let b = ring[(k + 1) % ring.len()];
        if (a[1] > p[1]) != (b[1] > p[1])
            && p[0] < a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
        {
            inside = !inside;
        }
    }
    inside
}

fn in_polygon(layer: &PolygonLayer, poly: usize, p: [f32; 2]) -> bool {
    layer
        .polygon_rings(poly)
        .filter(|&r| in_ring(p, layer.ring(r)))
        .count()
        % 2
        == 1
}

#[test]
fn every_band_has_every_layer() {
    let map = basemap().expect("basemap loads");
    for (b, band) in map.bands.iter().enumerate() {
        assert!(band.land.polygon_count() > 100, "band {b} land");
        assert!(band.lakes.polygon_count() > 5, "band {b} lakes");
        assert!(band.coastline.line_count() > 100, "band {b} coastline");
        assert!(band.borders.line_count() > 100, "band {b} borders");
        assert!(band.country_info.len() > 170, "band {b} countries");
        assert_eq!(
            band.countries.polygon_count() as u32,
            band.country_info.last().unwrap().polygons.end
        );
        for p in 0..band.land.polygon_count() {
            let rings = band.land.polygon_rings(p);
            assert!(!rings.is_empty());
            assert!(rings.clone().all(|r| band.land.ring(r).len() >= 3));
        }
    }
    // More detail in each band than in the one before.
    let points = |b: usize| map.bands[b].land.coords.len();
    assert!(points(0) < points(1) && points(1) < points(2));
    assert!(map.sea_lanes.line_count() > 1000);
}

#[test]
fn coordinates_stay_on_the_map() {
    let map = basemap().unwrap();
    let ok = |c: &[[f32; 2]], what: &str| {
        for p in c {
            assert!(
                (-180.0..=180.0).contains(&p[0]) && (-90.0..=90.0).contains(&p[1]),
                "{what}: {p:?}"
            );
        }
    };
    for (b, band) in map.bands.iter().enumerate() {
        ok(&band.land.coords, &format!("b{b} land"));
        ok(&band.lakes.coords, &format!("b{b} lakes"));
        ok(&band.coastline.coords, &format!("b{b} coastline"));
        ok(&band.borders.coords, &format!("b{b} borders"));
        ok(&band.countries.coords, &format!("b{b} countries"));
        for c in &band.country_info {
            ok(&[c.label], &c.name);
        }
    }
    ok(&map.sea_lanes.coords, "sea lanes");
    // No lane segment jumps across the map (they are split at ±180°).
    for i in 0..map.sea_lanes.line_count() {
        for w in map.sea_lanes.line(i).windows(2) {
            assert!((w[0][0] - w[1][0]).abs() <= 180.0, "lane {i} jumps: {w:?}");
        }
    }
}

#[test]
fn land_index_knows_land_from_sea() {
    let land = land_index().unwrap();
    let on_land = [
        ("Madrid", 40.4, -3.7),
        ("Denver", 39.74, -104.99),
        ("central Australia", -25.0, 134.0),
        ("Moscow", 55.75, 37.62),
        ("Chukotka, west of 180°", 66.0, 175.0),
        ("Chukotka, east of 180°", 66.0, -175.0),
        ("Antarctica", -80.0, 0.0),
        ("South Pole", -89.9, 45.0),
        // Lakes are not cut out of Natural Earth's land.
        ("Lake Victoria", -1.0, 33.0),
    ];
    let at_sea = [
        ("mid-Atlantic", 30.0, -40.0),
        ("mid-Pacific", 10.0, -150.0),
        ("Mediterranean", 35.0, 18.0),
        ("Caspian Sea", 42.0, 50.5),
        ("North Pole", 89.9, 0.0),
        ("Bering Strait", 65.8, -169.0),
        ("Tasman Sea", -40.0, 160.0),
    ];
    for (name, lat, lng) in on_land {
        assert!(
            land.contains(LatLng::new(lat, lng)),
            "{name} should be land"
        );
    }
    for (name, lat, lng) in at_sea {
        assert!(
            !land.contains(LatLng::new(lat, lng)),
            "{name} should be sea"
        );
    }
    // Longitudes are wrapped.
    assert!(land.contains(LatLng::new(40.4, -3.7 + 360.0)));
}

#[test]
fn neighbours_get_different_colours() {
    let map = basemap().unwrap();
    let pairs = [
        ("FRA", "DEU"),
        ("FRA", "ESP"),
        ("DEU", "POL"),
        ("USA", "CAN"),
        ("USA", "MEX"),
        ("BRA", "ARG"),
        ("CHN", "IND"),
        ("RUS", "CHN"),
        ("EGY", "SDN"),
    ];
    for band in &map.bands {
        assert!(band.country_info.iter().all(|c| c.color_index <= 5));
        for (a, b) in pairs {
            assert_ne!(
                country(band, a).color_index,
                country(band, b).color_index,
                "{a}/{b}"
            );
        }
    }
    // A country keeps its colour across bands.
    for iso in ["FRA", "DEU", "RUS", "BRA"] {
        let c = country(&map.bands[0], iso).color_index;
        assert!(
            map.bands
                .iter()
                .all(|band| country(band, iso).color_index == c),
            "{iso}"
        );
    }
}

#[test]
fn countries_are_cut_at_the_antimeridian() {
    let map = basemap().unwrap();
    for (b, band) in map.bands.iter().enumerate() {
        let russia = country(band, "RUS");
        assert_eq!(russia.name, "Russia");
        let (mut east, mut west) = (false, false);
        for p in russia.polygons.clone() {
            for r in band.countries.polygon_rings(p as usize) {
                let ring = band.countries.ring(r);
                let lo = ring.iter().map(|c| c[0]).fold(f32::MAX, f32::min);
                let hi = ring.iter().map(|c| c[0]).fold(f32::MIN, f32::max);
                assert!(
                    hi - lo <= 180.0,
                    "band {b}: a Russian ring spans {lo}..{hi}"
                );
                east |= lo > 170.0;
                west |= hi < -165.0;
            }
        }
        assert!(east && west, "band {b}: Russia on both sides of 180°");
        // Antarctica is closed along the bottom of the map and spans it all.
        let ant = country(band, "ATA");
        let points: Vec<[f32; 2]> = ant
            .polygons
            .clone()
            .flat_map(|p| band.countries.polygon_rings(p as usize))
            .flat_map(|r| band.countries.ring(r).iter().copied())
            .collect();
        let min_lat = points.iter().map(|c| c[1]).fold(f32::MAX, f32::min);
        let (west, east) = points
            .iter()
            .fold((f32::MAX, f32::MIN), |(w, e), c| (w.min(c[0]), e.max(c[0])));
        assert_eq!(
            (min_lat, west, east),
            (-90.0, -180.0, 180.0),
            "band {b} Antarctica"
        );
        assert!(
            ant.label[1] < -70.0,
            "band {b} Antarctica label {:?}",
            ant.label
        );
    }
}

#[test]
fn labels_lie_inside_their_country() {
    let map = basemap().unwrap();
    for (b, band) in map.bands.iter().enumerate() {
        for c in &band.country_info {
            let inside = c
                .polygons
                .clone()
                .any(|p| in_polygon(&band.countries, p as usize, c.label));
            assert!(
                inside,
                "band {b}: label of {} at {:?} is outside",
                c.name, c.label
            );
        }
    }
    let fr = country(&map.bands[2], "FRA");
    assert!(
        (-5.0..8.0).contains(&fr.label[0]) && (42.0..51.0).contains(&fr.label[1]),
        "{:?}",
        fr.label
    );
}

#[test]
fn zoom_picks_a_band() {
    assert_eq!(Basemap::band_for_zoom(0.0), 0);
    assert_eq!(Basemap::band_for_zoom(2.49), 0);
    assert_eq!(Basemap::band_for_zoom(2.5), 1);
    assert_eq!(Basemap::band_for_zoom(4.99), 1);
    assert_eq!(Basemap::band_for_zoom(5.0), 2);
    assert_eq!(Basemap::band_for_zoom(14.0), BANDS - 1);
}

#[test]
fn places_have_the_big_cities() {
    let p = places().unwrap();
    assert!(p.cities.len() > 4000);
    assert!(p
        .cities
        .windows(2)
        .all(|w| w[0].population >= w[1].population));
    assert!(p
        .cities
        .iter()
        .all(|c| c.population >= 100_000 && c.country.len() == 2));
    for (name, cc, lat, lng) in [
        ("London", "GB", 51.5, -0.13),
        ("Tokyo", "JP", 35.7, 139.7),
        ("New York City", "US", 40.7, -74.0),
    ] {
        let c = p
            .cities
            .iter()
            .find(|c| c.name == name && c.country == cc)
            .unwrap_or_else(|| panic!("{name}"));
        assert!(
            (c.lat - lat).abs() < 0.2 && (c.lng - lng).abs() < 0.2,
            "{name}"
        );
        assert!(c.population > 5_000_000);
    }
    assert!(p.seas.windows(2).all(|w| w[0].area_km2 >= w[1].area_km2));
    let land = land_index().unwrap();
    for name in [
        "Mediterranean Sea",
        "North Atlantic Ocean",
        "Strait of Malacca",
        "Red Sea",
    ] {
        let s = p
            .seas
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name}"));
        let at = LatLng::new(s.lat as f64, s.lng as f64);
        assert!(!land.contains(at), "{name} label on land at {at:?}");
    }
}

#[test]
fn imagery_and_fonts_exist() {
    use georender::assets::{bluemarble_path, font_path, shadedrelief_path};
    for p in [
        bluemarble_path(),
        shadedrelief_path(),
        font_path(false),
        font_path(true),
    ] {
        let p = p.unwrap();
        assert!(
            std::fs::metadata(&p).unwrap().len() > 100_000,
            "{}",
            p.display()
        );
    }
    assert_ne!(font_path(true).unwrap(), font_path(false).unwrap());
}
