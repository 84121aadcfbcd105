//! The job's string enums. Each one knows its JSON names (`as_str`, `NAMES`,
//! `ALL`), parses them back (`from_name`, aliases included) and serialises as
//! its name, so validation can list `valid_options` straight from the type.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Implemented by every job enum; lets the validator read any of them.
pub(crate) trait Named: Sized + Copy + 'static {
    /// What the value is, for messages (`"style"`, `"transport"`).
    const KIND: &'static str;
    /// Parses a JSON name, aliases included.
    fn parse_name(name: &str) -> Option<Self>;
    /// The names listed as `valid_options` (canonical names, then aliases).
    fn valid_options() -> Vec<&'static str>;
}

macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $name:ident ($kind:literal) {
            $( $(#[$vmeta:meta])* $var:ident = $s:literal, )+
        }
        $( aliases { $( $alias:literal => $avar:ident ),* $(,)? } )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $var, )+
        }

        impl $name {
            /// Every variant, in documentation order.
            pub const ALL: &'static [$name] = &[$( $name::$var ),+];
            /// The JSON name of every variant, in the order of [`Self::ALL`].
            pub const NAMES: &'static [&'static str] = &[$( $s ),+];
            /// Extra names accepted on input, with the variant they mean.
            pub const ALIASES: &'static [(&'static str, $name)] = &[$($( ($alias, $name::$avar) ),*)?];

            /// The JSON name of this value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$var => $s, )+
                }
            }

            /// The JSON names of all variants (same as [`Self::NAMES`]).
            pub fn names() -> &'static [&'static str] {
                Self::NAMES
            }

            /// Parses a JSON name or alias; exact, case-sensitive match.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( $s => Some($name::$var), )+
                    _ => Self::ALIASES
                        .iter()
                        .find(|(alias, _)| *alias == name)
                        .map(|(_, v)| *v),
                }
            }
        }

        impl Named for $name {
            const KIND: &'static str = $kind;
            fn parse_name(name: &str) -> Option<Self> {
                Self::from_name(name)
            }
            fn valid_options() -> Vec<&'static str> {
                let mut v = Self::NAMES.to_vec();
                v.extend(Self::ALIASES.iter().map(|(a, _)| *a));
                v
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::from_name(s).ok_or_else(|| {
                    format!(
                        "unknown {} `{}`; expected one of: {}",
                        $kind,
                        s,
                        <Self as Named>::valid_options().join(", ")
                    )
                })
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(D::Error::custom)
            }
        }
    };
}

named_enum! {
    /// What the video shows (`mode`).
    #[derive(Default)]
    Mode("mode") {
        /// A vehicle travels the waypoints (the default).
        #[default]
        RouteAnimation = "route_animation",
        /// One origin fanning out to many destinations (`multi_route` object).
        MultiRoute = "multi_route",
        /// The camera frames and highlights a country or region (`region_focus` object).
        RegionFocus = "region_focus",
        /// A choropleth of per-country values (`country_data` object).
        CountryData = "country_data",
    }
}

named_enum! {
    /// The map style (SPEC section 5).
    #[derive(Default)]
    Style("style") {
        /// Deep navy ocean, cyan route (the default).
        #[default]
        MaritimeDark = "maritime-dark",
        /// Blue Marble imagery.
        Satellite = "satellite",
        /// Pale grey land, white ocean.
        Minimal = "minimal",
        /// Classic atlas colours.
        Standard = "standard",
        /// Every country in its own muted colour.
        Geopolitics = "geopolitics",
    }
}

named_enum! {
    /// The vehicle; decides the icon, the routing mode and the nominal speed.
    #[derive(Default)]
    Transport("transport") {
        /// Great circle, 900 km/h.
        Plane = "plane",
        /// Sea lanes, 35 km/h.
        Ship = "ship",
        /// Roads, 80 km/h (`car` is an alias).
        Truck = "truck",
        /// Ship when every waypoint is near the sea network, else plane.
        #[default]
        Auto = "auto",
    }
    aliases { "car" => Truck }
}

impl Transport {
    /// Speed used by the HUD's time and speed stats, in km/h. `Auto` must be
    /// resolved first ([`super::Job::resolved_transport`]); it counts as a plane.
    pub fn nominal_speed_kmh(self) -> f64 {
        match self {
            Transport::Plane | Transport::Auto => 900.0,
            Transport::Ship => 35.0,
            Transport::Truck => 80.0,
        }
    }

    /// The routing mode this transport implies (`Auto` counts as a plane).
    pub fn default_route_mode(self) -> RouteModeOpt {
        match self {
            Transport::Plane | Transport::Auto => RouteModeOpt::Manual,
            Transport::Ship => RouteModeOpt::Sea,
            Transport::Truck => RouteModeOpt::Road,
        }
    }

    /// The vehicle icon this transport implies (`Auto` counts as a plane).
    pub fn vehicle_icon(self) -> VehicleIcon {
        match self {
            Transport::Plane | Transport::Auto => VehicleIcon::Plane,
            Transport::Ship => VehicleIcon::Ship,
            Transport::Truck => VehicleIcon::Truck,
        }
    }
}

named_enum! {
    /// `route.mode`: how the route is computed, overriding what `transport` implies.
    RouteModeOpt("route mode") {
        /// Great-circle arcs between waypoints.
        Manual = "manual",
        /// The sea-lane network.
        Sea = "sea",
        /// The road network.
        Road = "road",
    }
}

named_enum! {
    /// `route_style.vehicle_icon`.
    VehicleIcon("vehicle icon") {
        /// An aeroplane.
        Plane = "plane",
        /// A ship.
        Ship = "ship",
        /// A truck.
        Truck = "truck",
        /// No icon.
        Hidden = "none",
    }
}

named_enum! {
    /// `route_style.trail`.
    Trail("trail") {
        /// The line is drawn behind the vehicle.
        Progressive = "progressive",
        /// The whole route shows, dimmed ahead of the vehicle.
        Full = "full",
    }
}

named_enum! {
    /// `waypoints[].emphasis`.
    #[derive(Default)]
    Emphasis("emphasis") {
        /// A plain stop.
        #[default]
        Standard = "standard",
        /// A highlighted stop.
        Waypoint = "waypoint",
        /// A pulsing ring; the camera may punch in.
        Chokepoint = "chokepoint",
    }
}

named_enum! {
    /// `camera.preset` (SPEC section 6).
    CameraPreset("camera preset") {
        /// Frame the whole route, no movement.
        StaticOverview = "static_overview",
        /// Start wide, sweep into the corridor, follow, pull back.
        GlobalCorridorReveal = "global_corridor_reveal",
        /// Follow and tighten around chokepoints.
        ChokepointTension = "chokepoint_tension",
        /// Slow continuous zoom toward the main chokepoint.
        TensionBuild = "tension_build",
        /// Punch in hard on a canal and slow the vehicle through it.
        CanalBottleneck = "canal_bottleneck",
        /// Tight framing on chokepoints.
        ChokepointFocus = "chokepoint_focus",
        /// Wide view that keeps the whole detour in frame.
        LongRerouteBurden = "long_reroute_burden",
    }
}

named_enum! {
    /// `camera.intensity`: how far and how fast the camera moves.
    #[derive(Default)]
    Intensity("camera intensity") {
        /// Gentle.
        Soft = "soft",
        /// The default.
        #[default]
        Balanced = "balanced",
        /// Larger moves.
        Bold = "bold",
        /// The largest moves.
        Strong = "strong",
    }
}

named_enum! {
    /// `camera.mode`.
    CameraMode("camera mode") {
        /// The camera follows the vehicle.
        Follow = "follow",
        /// The camera stays put.
        Static = "static",
    }
}

named_enum! {
    /// `camera.projection`.
    #[derive(Default)]
    Projection("projection") {
        /// Web Mercator (the default).
        #[default]
        Mercator = "mercator",
        /// Orthographic globe.
        Globe = "globe",
        /// Globe for long routes, else Mercator.
        Auto = "auto",
    }
}

named_enum! {
    /// `camera.ease`.
    #[derive(Default)]
    Ease("ease") {
        /// Constant speed.
        Linear = "linear",
        /// Cubic ease in and out (the default).
        #[default]
        CubicInOut = "cubic-in-out",
        /// Sine ease in and out.
        SineInOut = "sine-in-out",
        /// Quadratic ease in and out.
        QuadInOut = "quad-in-out",
    }
}

named_enum! {
    /// A screen corner (`hud.stats.position`).
    #[derive(Default)]
    Corner("position") {
        /// Top left (the default).
        #[default]
        TopLeft = "top-left",
        /// Top right.
        TopRight = "top-right",
        /// Bottom left.
        BottomLeft = "bottom-left",
        /// Bottom right.
        BottomRight = "bottom-right",
    }
}

named_enum! {
    /// One of nine screen anchors (`text_overlays[].position`).
    #[derive(Default)]
    Anchor("position") {
        /// Top left.
        TopLeft = "top-left",
        /// Top centre.
        TopCenter = "top-center",
        /// Top right.
        TopRight = "top-right",
        /// Centre left.
        CenterLeft = "center-left",
        /// Centre.
        Center = "center",
        /// Centre right.
        CenterRight = "center-right",
        /// Bottom left.
        BottomLeft = "bottom-left",
        /// Bottom centre (the default).
        #[default]
        BottomCenter = "bottom-center",
        /// Bottom right.
        BottomRight = "bottom-right",
    }
}

named_enum! {
    /// `hud.stats.units`.
    Units("units") {
        /// Kilometres.
        Km = "km",
        /// Statute miles.
        Mi = "mi",
        /// Nautical miles.
        Nm = "nm",
    }
}

named_enum! {
    /// `output.format`.
    #[derive(Default)]
    OutputFormat("output format") {
        /// H.264 in MP4 (the default).
        #[default]
        Mp4 = "mp4",
        /// VP9 in WebM.
        Webm = "webm",
        /// Animated GIF.
        Gif = "gif",
        /// A PNG sequence.
        Png = "png",
    }
}

named_enum! {
    /// `output.quality`.
    #[derive(Default)]
    Quality("quality") {
        /// Fast, lower quality.
        Draft = "draft",
        /// The default.
        #[default]
        Standard = "standard",
        /// Slow, best quality.
        High = "high",
    }
}

named_enum! {
    /// `multi_route.label_collision`.
    #[derive(Default)]
    LabelCollision("label collision") {
        /// Labels stay where they are, even when they overlap.
        Ignore = "none",
        /// Labels move aside to avoid each other (the default).
        #[default]
        AutoOffset = "auto-offset",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Style::ALL {
            assert_eq!(Style::from_name(s.as_str()), Some(*s));
        }
        assert_eq!(Style::NAMES.len(), 5);
        assert_eq!(Transport::from_name("car"), Some(Transport::Truck));
        assert!(Transport::valid_options().contains(&"car"));
        assert_eq!(Transport::default(), Transport::Auto);
        assert_eq!(VehicleIcon::Hidden.as_str(), "none");
        assert_eq!(
            serde_json::to_string(&Ease::CubicInOut).unwrap(),
            "\"cubic-in-out\""
        );
        let t: Transport = serde_json::from_str("\"car\"").unwrap();
        assert_eq!(t, Transport::Truck);
        assert!(serde_json::from_str::<Style>("\"nope\"").is_err());
    }

    #[test]
    fn transport_implications() {
        assert_eq!(Transport::Plane.nominal_speed_kmh(), 900.0);
        assert_eq!(Transport::Ship.nominal_speed_kmh(), 35.0);
        assert_eq!(Transport::Truck.nominal_speed_kmh(), 80.0);
        assert_eq!(Transport::Ship.default_route_mode(), RouteModeOpt::Sea);
        assert_eq!(Transport::Truck.vehicle_icon(), VehicleIcon::Truck);
    }
}
