//! georender: turns waypoints into map-animation videos.
//!
//! Data flows one way (see `ARCHITECTURE.md`): job JSON → [`job`] → [`route`] →
//! [`anim`] (timeline, camera) → [`scene`] → [`gpu`] → [`encode`]. Everything before
//! the GPU is pure and deterministic.

pub mod anim;
pub mod assets;
pub mod encode;
pub mod engine;
pub mod error;
pub mod geo;
pub mod gpu;
pub mod job;
pub mod route;
pub mod scene;
pub mod style;

pub use engine::{
    BatchHandle, BatchOptions, BatchStatus, Engine, EngineSettings, Flow, JobResult, JobStatus,
    ProgressEvent,
};
pub use error::{Error, ErrorCode, Issue, Result};
pub use geo::LatLng;
