//! The GPU renderer: headless wgpu (Vulkan, else OpenGL), one pipeline per
//! primitive, WGSL shaders in `gpu/shaders/`, a cache of basemap tiles, and
//! frame readback through mapped buffers.
//!
//! ```no_run
//! # fn demo(job: &georender::job::Job, route: &georender::route::Route) -> georender::Result<()> {
//! let renderer = georender::gpu::Renderer::new()?;
//! let mut prepared = renderer.prepare(job, route)?;
//! let frame = prepared.render_frame(3.0)?;
//! frame.save_png(std::path::Path::new("frame.png"))?;
//! # Ok(()) }
//! ```

pub mod composed;
pub mod context;
mod cpu_sample;
pub mod frame;
pub mod images;
pub mod pipelines;
mod planes;
pub mod renderer;

pub use composed::ComposedFrame;
pub use context::GpuContext;
pub use frame::{Frame, FrameView, RenderedFrame};
pub use renderer::{BasemapSource, PreparedJob, RenderStats, Renderer, Warmup};

use crate::error::Result;
use crate::scene::basemap::{BandMeshes, Sector};
use std::path::PathBuf;

/// The bundled basemap of `assets/`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AssetBasemap;

impl BasemapSource for AssetBasemap {
    fn band_for_zoom(&self, zoom: f64) -> usize {
        crate::scene::assets::band_for_zoom(zoom)
    }

    fn sectors_per_side(&self, index: usize) -> u32 {
        crate::scene::assets::sectors_per_side(index)
    }

    fn band(&self, index: usize, sector: Sector) -> Result<BandMeshes> {
        crate::scene::assets::band_meshes(index, sector)
    }

    fn countries(&self, index: usize, sector: Sector) -> Result<BandMeshes> {
        crate::scene::assets::country_meshes(index, sector)
    }

    fn imagery_path(&self) -> Result<PathBuf> {
        crate::scene::assets::bluemarble_path()
    }

    fn relief_path(&self) -> Result<PathBuf> {
        crate::scene::assets::shadedrelief_path()
    }
}
