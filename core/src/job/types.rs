//! The resolved job: plain owned data with every default applied. Fields left
//! as `Option` are decided later by the style, the camera preset or the route.
//!
//! Serialising a `Job` gives job JSON that parses back to the same job.

use super::enums::*;
use super::resolution::Resolution;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Default video length in seconds.
pub const DEFAULT_DURATION: f64 = 12.0;
/// Shortest accepted video in seconds.
pub const MIN_DURATION: f64 = 1.0;
/// Longest accepted video in seconds (the engine's cap; the server caps per tier).
pub const MAX_DURATION: f64 = 600.0;
/// Default frame rate.
pub const DEFAULT_FPS: u32 = 30;
/// Accepted frame rates.
pub const FPS_OPTIONS: [u32; 5] = [24, 25, 30, 50, 60];
/// Fewest waypoints of a `route_animation` job.
pub const MIN_WAYPOINTS: usize = 2;
/// Most waypoints of any job.
pub const MAX_WAYPOINTS: usize = 100;
/// Longest waypoint label in characters.
pub const MAX_LABEL_CHARS: usize = 80;
/// Zoom levels added around a chokepoint when `camera.chokepoint_punch_in` is `true`.
pub const DEFAULT_PUNCH_IN: f64 = 1.5;

/// A validated render job with defaults applied (SPEC section 2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    /// What the video shows.
    pub mode: Mode,
    /// The stops, in order: 2..=100 in `route_animation` mode; in the other
    /// modes optional (at most 100), drawn as labelled markers.
    pub waypoints: Vec<Waypoint>,
    /// The map style.
    pub style: Style,
    /// Video length in seconds (1..=600).
    pub duration: f64,
    /// Output size.
    pub resolution: Resolution,
    /// Frames per second (24, 25, 30, 50 or 60).
    pub fps: u32,
    /// The vehicle; `Auto` until [`Job::resolved_transport`] decides.
    pub transport: Transport,
    /// Routing overrides.
    pub route: RouteOptions,
    /// Route line and vehicle appearance; unset fields come from the style.
    pub route_style: RouteStyleOptions,
    /// Camera settings (SPEC section 6).
    pub camera: CameraOptions,
    /// Heads-up display.
    pub hud: HudOptions,
    /// Timed captions.
    pub text_overlays: Vec<TextOverlay>,
    /// Relief shading.
    pub terrain: TerrainOptions,
    /// Container, quality and extras.
    pub output: OutputOptions,
    /// Settings of `multi_route` mode (present exactly in that mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_route: Option<MultiRouteOptions>,
    /// Settings of `region_focus` mode (present exactly in that mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_focus: Option<RegionFocusOptions>,
    /// Settings of `country_data` mode (present exactly in that mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_data: Option<CountryDataOptions>,
    /// Server-side template the request named (the server merges it before the engine sees the job).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    /// Server-side webhook; the library offers a callback instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// The job JSON as given (after merging `shared_options`), for reports.
    #[serde(skip)]
    pub source: Value,
}

/// One stop of the route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waypoint {
    /// Latitude in degrees (-90..=90).
    pub lat: f64,
    /// Longitude in degrees (-180..=180).
    pub lng: f64,
    /// Label shown on the map (at most 80 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Seconds the vehicle pauses here (default 0).
    pub dwell: f64,
    /// How the stop is highlighted.
    pub emphasis: Emphasis,
    /// Camera zoom while the vehicle is near this stop (1..=20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera_zoom_override: Option<f64>,
    /// Seconds the camera holds on this stop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera_hold_seconds: Option<f64>,
}

impl Waypoint {
    /// The position.
    pub fn pos(&self) -> crate::geo::LatLng {
        crate::geo::LatLng::new(self.lat, self.lng)
    }
}

/// An sRGB colour given as `#RRGGBB`: `[r, g, b]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Color(pub [u8; 3]);

impl Color {
    /// Parses `#RRGGBB` (hex digits in any case).
    pub fn parse_hex(s: &str) -> Option<Color> {
        let hex = s.strip_prefix('#')?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Color([byte(0)?, byte(2)?, byte(4)?]))
    }

    /// `#RRGGBB` in upper case.
    pub fn hex(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02X}{g:02X}{b:02X}")
    }
}

impl Serialize for Color {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `route`: how the route is computed.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RouteOptions {
    /// Overrides the mode `transport` implies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<RouteModeOpt>,
    /// Passages to avoid, canonical names (see [`super::PASSAGES`]), no duplicates.
    pub avoid: Vec<String>,
    /// Opens the Arctic passages (`northwest`, `bering`); off by default.
    pub allow_arctic: bool,
}

/// `route_style`: unset fields take the style's defaults.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RouteStyleOptions {
    /// Line colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
    /// Line width in pixels at 1080p (scales with the resolution).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<f64>,
    /// Line opacity (0..=1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opacity: Option<f64>,
    /// Vehicle icon; by default the transport's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vehicle_icon: Option<VehicleIcon>,
    /// How much of the line shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trail: Option<Trail>,
}

/// `camera.start_focus_waypoint`: a waypoint by label or index.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FocusWaypoint {
    /// Index into `waypoints` (checked to be in range).
    Index(usize),
    /// A waypoint label (checked to exist).
    Label(String),
}

/// `camera` (SPEC section 6); unset fields are chosen from the route and preset.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CameraOptions {
    /// Named camera choreography.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<CameraPreset>,
    /// How far and fast the camera moves (default balanced).
    pub intensity: Intensity,
    /// Follow the vehicle or stay still.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<CameraMode>,
    /// Map projection (only mercator is supported so far).
    pub projection: Projection,
    /// Opening zoom level (1..=20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_zoom: Option<f64>,
    /// Zoom level near waypoints (1..=20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waypoint_zoom: Option<f64>,
    /// Tilt in degrees (0..=85), where the renderer supports it.
    pub tilt: f64,
    /// Easing of camera moves (default cubic-in-out).
    pub ease: Ease,
    /// Waypoint the opening shot centres on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_focus_waypoint: Option<FocusWaypoint>,
    /// Seconds the opening focus is held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_hold_seconds: Option<f64>,
    /// Extra zoom levels for the opening shot (0..=10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opening_zoom_boost: Option<f64>,
    /// Zoom levels added at chokepoints (0..=10; JSON `true` means
    /// [`DEFAULT_PUNCH_IN`], `false` means 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chokepoint_punch_in: Option<f64>,
}

/// `hud`: `false` in JSON gives `enabled: false`.
#[derive(Debug, Clone, PartialEq)]
pub struct HudOptions {
    /// Whether any HUD is drawn (default true).
    pub enabled: bool,
    /// The stats box; `None` hides it (`"stats": false`).
    pub stats: Option<HudStats>,
    /// A progress bar along the bottom edge (default false).
    pub progress_bar: bool,
    /// A title line.
    pub title: Option<String>,
}

impl Default for HudOptions {
    fn default() -> Self {
        HudOptions {
            enabled: true,
            stats: Some(HudStats::default()),
            progress_bar: false,
            title: None,
        }
    }
}

impl Serialize for HudOptions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if !self.enabled {
            return s.serialize_bool(false);
        }
        let mut st = s.serialize_struct("HudOptions", 2 + usize::from(self.title.is_some()))?;
        match &self.stats {
            Some(stats) => st.serialize_field("stats", stats)?,
            None => st.serialize_field("stats", &false)?,
        }
        st.serialize_field("progress_bar", &self.progress_bar)?;
        if let Some(title) = &self.title {
            st.serialize_field("title", title)?;
        }
        st.end()
    }
}

/// `hud.stats`: the distance / speed / elapsed box.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HudStats {
    /// Screen corner (default top-left).
    pub position: Corner,
    /// Distance travelled (default true).
    pub show_distance: bool,
    /// Current nominal speed (default false).
    pub show_speed: bool,
    /// Elapsed travel time (default false).
    pub show_elapsed: bool,
    /// Distance units; by default nautical miles for ships, else km.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<Units>,
}

impl Default for HudStats {
    fn default() -> Self {
        HudStats {
            position: Corner::TopLeft,
            show_distance: true,
            show_speed: false,
            show_elapsed: false,
            units: None,
        }
    }
}

/// One timed caption, faded in and out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextOverlay {
    /// The caption (1..=200 characters).
    pub text: String,
    /// Start time in seconds (default 0).
    pub start: f64,
    /// End time in seconds (default: the job's duration).
    pub end: f64,
    /// Screen anchor (default bottom-center).
    pub position: Anchor,
    /// Font size in pixels at 1080p; by default the style's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<f64>,
    /// Text colour; by default the style's label colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
}

/// `terrain`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TerrainOptions {
    /// Shade land from the bundled relief raster (default false).
    pub hillshade: bool,
}

/// `output`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputOptions {
    /// Container / format (default mp4).
    pub format: OutputFormat,
    /// Encoder effort (default standard).
    pub quality: Quality,
    /// Write a JPEG thumbnail (default true).
    pub thumbnail: bool,
    /// Show the data attribution line (default true).
    pub credits: bool,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            format: OutputFormat::Mp4,
            quality: Quality::Standard,
            thumbnail: true,
            credits: true,
        }
    }
}

/// A labelled position (`multi_route.origin`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lng: f64,
    /// Label shown on the map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// One destination of a `multi_route` fan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Destination {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lng: f64,
    /// Place name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Data shown with the label, e.g. "35 days".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_label: Option<String>,
    /// This route's colour; by default the route style's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
    /// Label offset `[dx, dy]` in pixels at 1080p (JSON: `[dx, dy]` or `{x, y}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_offset: Option<[f64; 2]>,
}

/// `multi_route`: one origin fanning out to many destinations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiRouteOptions {
    /// Where every route starts.
    pub origin: Place,
    /// The destinations (1..=100).
    pub routes: Vec<Destination>,
    /// Show every route dimmed from the first frame (default false).
    pub show_all_routes_at_start: bool,
    /// Animate the labels in (default true).
    pub animate_labels: bool,
    /// Camera rotation over the video in degrees (-360..=360, default 0).
    pub camera_rotation_degrees: f64,
    /// Opening zoom (1..=20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_zoom: Option<f64>,
    /// Closing zoom (1..=20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_zoom: Option<f64>,
    /// Label placement (default auto-offset).
    pub label_collision: LabelCollision,
    /// Seconds before the routes start drawing (default 0).
    pub routes_start_at: f64,
    /// Seconds the routes take to draw; by default until the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routes_duration: Option<f64>,
    /// Appearance of the routes.
    pub route_style: RouteStyleOptions,
}

/// `region_focus`: frame and highlight a country or region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionFocusOptions {
    /// Country or region name, or ISO code (`"EGY"`, `"Egypt"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Explicit bounds `[west, south, east, north]` in degrees (west > east crosses ±180°).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[f64; 4]>,
    /// Highlight colour; by default the style's accent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
    /// Caption for the region; by default its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `country_data`: a choropleth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryDataOptions {
    /// Value per country, keyed by ISO code or name (1..=300 entries).
    pub values: BTreeMap<String, f64>,
    /// Legend title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legend: Option<String>,
    /// Colour ramp from low to high (2..=9 colours); by default the style's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colors: Option<Vec<Color>>,
}
