//! Animation: where the vehicle is at time `t` ([`timeline`]) and where the camera
//! looks ([`camera`]). Pure, deterministic CPU code: the same inputs give the same
//! states at the same times, whatever the frame rate.
//!
//! Both stages read an [`AnimInput`], the part of a job they need
//! ([`AnimInput::from_job`]), so they can be driven and tested without a full job:
//!
//! ```text
//! let input = AnimInput::from_job(&job, transport);
//! let timeline = Timeline::new(&input, &route);
//! let camera = CameraPath::new(&input, &route, &timeline, width as f64 / height as f64);
//! for frame in 0..job.frame_count() {
//!     let t = frame as f64 / job.fps as f64;
//!     let (vehicle, cam) = (timeline.at(t), camera.at(t));
//!     let [x, y] = project(&cam, width, height, vehicle.position);
//! }
//! ```

pub mod camera;
pub mod ease;
pub mod passage;
pub mod timeline;

pub use camera::{
    project, visible_bounds, visible_size, CameraInput, CameraPath, CameraState, Preset,
};
pub use timeline::{Timeline, VehicleState};

use crate::job::{Emphasis, Job, Transport};

/// The part of a job that drives the animation.
#[derive(Debug, Clone, PartialEq)]
pub struct AnimInput {
    /// Video length in seconds.
    pub duration: f64,
    /// Nominal vehicle speed in km/h (HUD stats only; the video length is fixed).
    pub speed_kmh: f64,
    /// Per-waypoint timing and emphasis, in route order.
    pub waypoints: Vec<WaypointInput>,
    /// Camera settings.
    pub camera: CameraInput,
}

impl Default for AnimInput {
    fn default() -> Self {
        AnimInput {
            duration: 12.0,
            speed_kmh: 900.0,
            waypoints: Vec::new(),
            camera: CameraInput::default(),
        }
    }
}

impl AnimInput {
    /// The animation settings of `job`; `transport` is the resolved transport
    /// ([`Job::resolved_transport`]), which sets the nominal speed.
    pub fn from_job(job: &Job, transport: Transport) -> AnimInput {
        AnimInput {
            duration: job.duration,
            speed_kmh: transport.nominal_speed_kmh(),
            waypoints: job
                .waypoints
                .iter()
                .map(|w| WaypointInput {
                    dwell: w.dwell,
                    camera_hold_seconds: w.camera_hold_seconds,
                    chokepoint: w.emphasis == Emphasis::Chokepoint,
                    camera_zoom_override: w.camera_zoom_override,
                })
                .collect(),
            camera: CameraInput::from_job(job),
        }
    }
}

/// What the animation needs to know about one waypoint.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WaypointInput {
    /// Seconds the vehicle pauses here.
    pub dwell: f64,
    /// Seconds the camera holds here (the vehicle waits too).
    pub camera_hold_seconds: Option<f64>,
    /// `emphasis: chokepoint`: the camera may punch in.
    pub chokepoint: bool,
    /// Camera zoom while the vehicle is at this stop.
    pub camera_zoom_override: Option<f64>,
}
