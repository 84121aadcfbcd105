//! The five map styles of SPEC section 5 as data tables.
//!
//! A style is colours and widths, never a code path: the renderer reads a
//! [`StyleTable`] and draws the same layers for every style. Colours are sRGB,
//! straight (not premultiplied) alpha; widths and sizes are pixels at 1080p and
//! scale with the output height.

/// An sRGB colour with straight alpha, components in `0..=1`.
pub type Rgba = [f32; 4];

/// `#RRGGBB` as a colour with the given alpha.
pub const fn hex(rgb: u32, alpha: f32) -> Rgba {
    [
        ((rgb >> 16) & 0xff) as f32 / 255.0,
        ((rgb >> 8) & 0xff) as f32 / 255.0,
        (rgb & 0xff) as f32 / 255.0,
        alpha,
    ]
}

/// Parses `#RRGGBB` (or `RRGGBB`) into an opaque colour.
pub fn parse_hex(s: &str) -> Option<Rgba> {
    let s = s.strip_prefix('#').unwrap_or(s);
    if s.len() != 6 {
        return None;
    }
    u32::from_str_radix(s, 16).ok().map(|v| hex(v, 1.0))
}

/// A stroked layer: colour and width in px at 1080p.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineStyle {
    pub color: Rgba,
    pub width: f32,
}

/// How one class of labels is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelStyle {
    pub color: Rgba,
    pub halo: Rgba,
    /// Halo radius in px at 1080p.
    pub halo_width: f32,
    /// Font size in px at 1080p.
    pub size: f32,
    pub bold: bool,
    /// Draw the text in capitals (atlas-style country names).
    pub uppercase: bool,
}

/// The route line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteLook {
    pub color: Rgba,
    /// Core width in px at 1080p.
    pub width: f32,
    /// Glow radius beyond the core in px at 1080p (0: none).
    pub glow: f32,
    /// Peak opacity of the glow.
    pub glow_alpha: f32,
    /// A darker casing under the core line, for light maps (`None`: no casing).
    pub casing: Option<Rgba>,
    /// Opacity of the not-yet-travelled part when `trail` is `full`.
    pub ahead_alpha: f32,
}

/// The vehicle icon and waypoint markers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkerLook {
    pub vehicle_fill: Rgba,
    pub vehicle_outline: Rgba,
    /// Vehicle icon length in px at 1080p.
    pub vehicle_size: f32,
    pub waypoint_fill: Rgba,
    pub waypoint_outline: Rgba,
    /// Waypoint dot radius in px at 1080p.
    pub waypoint_radius: f32,
    /// Colour of the pulsing ring around chokepoints.
    pub pulse: Rgba,
}

/// HUD panel, text and progress bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HudLook {
    pub panel: Rgba,
    pub text: Rgba,
    pub muted: Rgba,
    pub accent: Rgba,
    pub track: Rgba,
}

/// Everything the renderer needs to know about a style.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleTable {
    /// The style's name as it appears in job JSON.
    pub name: &'static str,
    /// One-sentence description for `georender styles` and `GET /styles`.
    pub description: &'static str,
    pub ocean: Rgba,
    pub land: Rgba,
    pub lakes: Rgba,
    pub coastline: Option<LineStyle>,
    pub borders: Option<LineStyle>,
    /// Faint shipping lanes (the sea network), if shown.
    pub sea_lanes: Option<LineStyle>,
    /// Fill each country from [`StyleTable::country_palette`] (geopolitics).
    pub country_fills: bool,
    /// Six muted colours; neighbouring countries get different indices.
    pub country_palette: [Rgba; 6],
    /// Show country names.
    pub country_names: bool,
    /// Show city names.
    pub city_names: bool,
    pub city_label: LabelStyle,
    pub country_label: LabelStyle,
    /// Waypoint labels (always shown, highest priority).
    pub waypoint_label: LabelStyle,
    pub route: RouteLook,
    pub markers: MarkerLook,
    pub hud: HudLook,
    /// Land and sea come from the Blue Marble image.
    pub imagery: bool,
    /// How strongly `terrain.hillshade` darkens land (0..=1).
    pub hillshade: f32,
    /// Colour of the small attribution line.
    pub credits: Rgba,
}

/// The names of all styles, in listing order.
pub const NAMES: [&str; 5] = [
    "maritime-dark",
    "satellite",
    "minimal",
    "standard",
    "geopolitics",
];

/// The table of the style called `name`, if there is one.
pub fn table(name: &str) -> Option<&'static StyleTable> {
    TABLES.iter().find(|t| t.name == name)
}

/// Every style table, in listing order.
pub fn all() -> &'static [StyleTable] {
    &TABLES
}

impl crate::job::Style {
    /// This style's data table.
    pub fn table(&self) -> &'static StyleTable {
        table(self.as_str()).unwrap_or(&TABLES[0])
    }
}

const fn label(color: Rgba, halo: Rgba, size: f32, bold: bool) -> LabelStyle {
    LabelStyle {
        color,
        halo,
        halo_width: 2.0,
        size,
        bold,
        uppercase: false,
    }
}

static TABLES: [StyleTable; 5] = [
    StyleTable {
        name: "maritime-dark",
        description: "Deep navy ocean, dark slate land, cyan coastlines and a glowing cyan route; \
                      shipping lanes drawn faintly.",
        ocean: hex(0x0a1628, 1.0),
        land: hex(0x1b2634, 1.0),
        lakes: hex(0x0d1b30, 1.0),
        coastline: Some(LineStyle {
            color: hex(0x3b8fae, 0.8),
            width: 0.9,
        }),
        borders: Some(LineStyle {
            color: hex(0x4a5a6e, 0.7),
            width: 0.6,
        }),
        sea_lanes: Some(LineStyle {
            color: hex(0x1f4866, 0.55),
            width: 0.7,
        }),
        country_fills: false,
        country_palette: [hex(0x1b2634, 1.0); 6],
        country_names: false,
        city_names: true,
        city_label: label(hex(0xe6eef6, 0.9), hex(0x0a1628, 0.85), 15.0, false),
        country_label: LabelStyle {
            color: hex(0x7f93a8, 0.9),
            halo: hex(0x0a1628, 0.8),
            halo_width: 2.0,
            size: 13.0,
            bold: false,
            uppercase: true,
        },
        waypoint_label: label(hex(0xffffff, 1.0), hex(0x061020, 0.9), 20.0, true),
        route: RouteLook {
            color: hex(0x2ee6ff, 1.0),
            width: 3.5,
            glow: 9.0,
            glow_alpha: 0.45,
            casing: None,
            ahead_alpha: 0.3,
        },
        markers: MarkerLook {
            vehicle_fill: hex(0xffffff, 1.0),
            vehicle_outline: hex(0x0a1628, 1.0),
            vehicle_size: 44.0,
            waypoint_fill: hex(0x2ee6ff, 1.0),
            waypoint_outline: hex(0x0a1628, 1.0),
            waypoint_radius: 6.0,
            pulse: hex(0x2ee6ff, 0.9),
        },
        hud: HudLook {
            panel: hex(0x06101e, 0.72),
            text: hex(0xeaf3fa, 1.0),
            muted: hex(0x8aa2ba, 1.0),
            accent: hex(0x2ee6ff, 1.0),
            track: hex(0x2a3a4e, 0.9),
        },
        imagery: false,
        hillshade: 0.55,
        credits: hex(0x8aa2ba, 0.8),
    },
    StyleTable {
        name: "satellite",
        description: "NASA Blue Marble imagery for land and sea, crisp white borders, \
                      haloed white labels and a warm yellow route.",
        ocean: hex(0x08183a, 1.0),
        land: hex(0x3d5a2a, 1.0),
        lakes: hex(0x0b2447, 1.0),
        coastline: None,
        borders: Some(LineStyle {
            color: hex(0xffffff, 0.75),
            width: 0.9,
        }),
        sea_lanes: None,
        country_fills: false,
        country_palette: [hex(0x3d5a2a, 1.0); 6],
        country_names: false,
        city_names: true,
        city_label: label(hex(0xffffff, 1.0), hex(0x000000, 0.75), 15.0, false),
        country_label: LabelStyle {
            color: hex(0xffffff, 0.9),
            halo: hex(0x000000, 0.7),
            halo_width: 2.0,
            size: 13.0,
            bold: false,
            uppercase: true,
        },
        waypoint_label: label(hex(0xffffff, 1.0), hex(0x000000, 0.85), 20.0, true),
        route: RouteLook {
            color: hex(0xffc83d, 1.0),
            width: 3.5,
            glow: 7.0,
            glow_alpha: 0.4,
            casing: Some(hex(0x3a2500, 0.6)),
            ahead_alpha: 0.35,
        },
        markers: MarkerLook {
            vehicle_fill: hex(0xffc83d, 1.0),
            vehicle_outline: hex(0x1a1200, 1.0),
            vehicle_size: 44.0,
            waypoint_fill: hex(0xffffff, 1.0),
            waypoint_outline: hex(0x1a1200, 1.0),
            waypoint_radius: 6.0,
            pulse: hex(0xffc83d, 0.95),
        },
        hud: HudLook {
            panel: hex(0x000000, 0.6),
            text: hex(0xffffff, 1.0),
            muted: hex(0xc8c8c8, 1.0),
            accent: hex(0xffc83d, 1.0),
            track: hex(0x505050, 0.9),
        },
        imagery: true,
        hillshade: 0.5,
        credits: hex(0xe0e0e0, 0.85),
    },
    StyleTable {
        name: "minimal",
        description: "Pale grey land on white, no borders, one accent-coloured route and \
                      small dark labels, for clean explainer videos.",
        ocean: hex(0xffffff, 1.0),
        land: hex(0xe3e5e8, 1.0),
        lakes: hex(0xffffff, 1.0),
        coastline: Some(LineStyle {
            color: hex(0xc5c9cf, 1.0),
            width: 0.7,
        }),
        borders: None,
        sea_lanes: None,
        country_fills: false,
        country_palette: [hex(0xe3e5e8, 1.0); 6],
        country_names: false,
        city_names: true,
        city_label: label(hex(0x3a3f46, 1.0), hex(0xffffff, 0.9), 13.0, false),
        country_label: LabelStyle {
            color: hex(0x9aa0a8, 1.0),
            halo: hex(0xffffff, 0.8),
            halo_width: 2.0,
            size: 12.0,
            bold: false,
            uppercase: true,
        },
        waypoint_label: label(hex(0x1f2328, 1.0), hex(0xffffff, 0.95), 17.0, true),
        route: RouteLook {
            color: hex(0xff5a36, 1.0),
            width: 3.0,
            glow: 0.0,
            glow_alpha: 0.0,
            casing: None,
            ahead_alpha: 0.3,
        },
        markers: MarkerLook {
            vehicle_fill: hex(0xff5a36, 1.0),
            vehicle_outline: hex(0xffffff, 1.0),
            vehicle_size: 40.0,
            waypoint_fill: hex(0xffffff, 1.0),
            waypoint_outline: hex(0xff5a36, 1.0),
            waypoint_radius: 5.5,
            pulse: hex(0xff5a36, 0.85),
        },
        hud: HudLook {
            panel: hex(0xffffff, 0.85),
            text: hex(0x1f2328, 1.0),
            muted: hex(0x6b7280, 1.0),
            accent: hex(0xff5a36, 1.0),
            track: hex(0xd6d9de, 1.0),
        },
        imagery: false,
        hillshade: 0.35,
        credits: hex(0x6b7280, 0.9),
    },
    StyleTable {
        name: "standard",
        description: "Classic atlas: light blue ocean, cream land, grey borders, country \
                      labels and a red route.",
        ocean: hex(0xaad3ee, 1.0),
        land: hex(0xf3eedb, 1.0),
        lakes: hex(0xaad3ee, 1.0),
        coastline: Some(LineStyle {
            color: hex(0x6f9fc4, 1.0),
            width: 0.8,
        }),
        borders: Some(LineStyle {
            color: hex(0xa09a90, 1.0),
            width: 0.8,
        }),
        sea_lanes: None,
        country_fills: false,
        country_palette: [hex(0xf3eedb, 1.0); 6],
        country_names: true,
        city_names: true,
        city_label: label(hex(0x2b2b2b, 1.0), hex(0xf7f3e6, 0.9), 14.0, false),
        country_label: LabelStyle {
            color: hex(0x7a6f60, 1.0),
            halo: hex(0xf3eedb, 0.85),
            halo_width: 2.0,
            size: 13.0,
            bold: false,
            uppercase: true,
        },
        waypoint_label: label(hex(0x1a1a1a, 1.0), hex(0xffffff, 0.95), 18.0, true),
        route: RouteLook {
            color: hex(0xd7263d, 1.0),
            width: 3.5,
            glow: 0.0,
            glow_alpha: 0.0,
            casing: Some(hex(0xffffff, 0.9)),
            ahead_alpha: 0.35,
        },
        markers: MarkerLook {
            vehicle_fill: hex(0xd7263d, 1.0),
            vehicle_outline: hex(0xffffff, 1.0),
            vehicle_size: 42.0,
            waypoint_fill: hex(0xffffff, 1.0),
            waypoint_outline: hex(0xd7263d, 1.0),
            waypoint_radius: 6.0,
            pulse: hex(0xd7263d, 0.85),
        },
        hud: HudLook {
            panel: hex(0xfffdf6, 0.88),
            text: hex(0x1a1a1a, 1.0),
            muted: hex(0x6b6257, 1.0),
            accent: hex(0xd7263d, 1.0),
            track: hex(0xd9d2bd, 1.0),
        },
        imagery: false,
        hillshade: 0.45,
        credits: hex(0x6b6257, 0.9),
    },
    StyleTable {
        name: "geopolitics",
        description: "Every country in its own muted colour (no two neighbours alike), \
                      strong borders, country names and a dark sea.",
        ocean: hex(0x15202d, 1.0),
        land: hex(0x8a9a84, 1.0),
        lakes: hex(0x15202d, 1.0),
        coastline: Some(LineStyle {
            color: hex(0x0e1620, 1.0),
            width: 0.9,
        }),
        borders: Some(LineStyle {
            color: hex(0x10161e, 1.0),
            width: 1.7,
        }),
        sea_lanes: None,
        country_fills: true,
        country_palette: [
            hex(0x8c9f7d, 1.0),
            hex(0xc4a77d, 1.0),
            hex(0xa9807e, 1.0),
            hex(0x7b93a9, 1.0),
            hex(0xa595b8, 1.0),
            hex(0xb9b27f, 1.0),
        ],
        country_names: true,
        city_names: false,
        city_label: label(hex(0xffffff, 1.0), hex(0x15202d, 0.8), 13.0, false),
        country_label: LabelStyle {
            color: hex(0xffffff, 0.95),
            halo: hex(0x1c242e, 0.7),
            halo_width: 2.0,
            size: 14.0,
            bold: true,
            uppercase: true,
        },
        waypoint_label: label(hex(0xffffff, 1.0), hex(0x0e1620, 0.9), 19.0, true),
        route: RouteLook {
            color: hex(0xffe14d, 1.0),
            width: 3.5,
            glow: 6.0,
            glow_alpha: 0.35,
            casing: Some(hex(0x1c242e, 0.8)),
            ahead_alpha: 0.35,
        },
        markers: MarkerLook {
            vehicle_fill: hex(0xffe14d, 1.0),
            vehicle_outline: hex(0x0e1620, 1.0),
            vehicle_size: 44.0,
            waypoint_fill: hex(0xffffff, 1.0),
            waypoint_outline: hex(0x0e1620, 1.0),
            waypoint_radius: 6.0,
            pulse: hex(0xffe14d, 0.9),
        },
        hud: HudLook {
            panel: hex(0x0e1620, 0.78),
            text: hex(0xf2f2f2, 1.0),
            muted: hex(0xa0acb8, 1.0),
            accent: hex(0xffe14d, 1.0),
            track: hex(0x33404e, 1.0),
        },
        imagery: false,
        hillshade: 0.4,
        credits: hex(0xa0acb8, 0.85),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_a_table() {
        for name in NAMES {
            assert_eq!(table(name).unwrap().name, name);
        }
        assert!(table("nope").is_none());
    }

    #[test]
    fn parses_hex() {
        assert_eq!(parse_hex("#ff0000"), Some([1.0, 0.0, 0.0, 1.0]));
        assert_eq!(parse_hex("zz"), None);
    }
}
