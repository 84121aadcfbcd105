//! The frame renderer.
//!
//! Speed on a software GPU (SPEC section 9) comes from drawing as little as
//! possible per frame:
//! - the styled basemap is rendered once, with 4× MSAA, into cached tiles at the
//!   zoom levels the camera path needs ([`Level`]s);
//! - a frame whose zoom equals a level's (and bearing is 0) copies tiles into the
//!   frame with `copy_texture_to_texture` at whole-pixel offsets; other frames
//!   magnify the next coarser level (≤ 1.41×): on a CPU adapter with a packed
//!   fixed-point filter on the CPU (`cpu_sample.rs`, ~2× cheaper than a
//!   sampled quad on lavapipe), elsewhere with bilinear quads
//!   (`GEORENDER_SAMPLE=gpu|cpu` overrides);
//! - `prepare` renders only the first frames' tiles; the rest are rendered while
//!   frames stream, just ahead of first use (`GEORENDER_EAGER_TILES=1`: all
//!   upfront), and bands of later levels are tessellated on a background thread;
//! - tiles are shared by the jobs of a renderer through a cache keyed by style,
//!   frame height and zoom level;
//! - overlays (route, markers, labels, vehicle, HUD) are anti-aliased in the
//!   shaders without MSAA;
//! - two frames are in flight; readback goes through mapped buffers;
//! - for video on a software GPU, frames composited on the CPU skip the GPU for
//!   the basemap: only the overlays are drawn there, into cleared blocks, and
//!   only those blocks are read back ([`render_all_frames`](PreparedJob::render_all_frames),
//!   `composed.rs`).

use super::composed::{Base, ComposedFrame, Dirty, Recipe, BLOCK};
use super::context::GpuContext;
use super::cpu_sample::{self, TilePixels};
use super::frame::{Frame, FrameView, RenderedFrame};
use super::images::{CpuImage, GpuImage};
use super::pipelines::{FrameUniform, Pipelines, QuadInstance, RouteUniform, TileUniform, FORMAT};
use crate::error::{Error, Result};
use crate::scene::basemap::{BandMeshes, Layer, CLASS_LAKE, LINE_BORDER, LINE_COAST, LINE_LANE};
use crate::scene::mesh::{stroke_polyline, LineVertex, Mesh};
use crate::scene::text::{Fonts, GlyphAtlas};
use crate::scene::{
    build_overlays, world_px, FrameState, GlyphInstance, Overlays, SceneSpec, ShapeInstance, View,
};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use wgpu::util::DeviceExt;

/// Gutter around each tile (so bilinear sampling at tile edges reads real pixels).
pub const PAD: i64 = 2;
/// Zoom spacing of the levels used while the zoom changes.
pub const SAMPLED_STEP: f64 = 0.5;
const TILE_BATCH: usize = 16;
/// Frames whose tiles `prepare` renders; later tiles are rendered while
/// frames stream, [`LOOKAHEAD`] frames ahead of their first use, at most
/// [`PREFETCH`] a frame (`GEORENDER_EAGER_TILES=1` renders all in `prepare`).
const SETUP_FRAMES: u32 = 8;
/// (For tiles up to 512 pixels; larger tiles are rendered proportionally
/// later, which bounds the memory tiles waiting for their frame take at 4K.)
const LOOKAHEAD: u32 = 45;
const PREFETCH: usize = 1;
const TILE_UNIFORM_STRIDE: u64 = 1536;

/// Where the basemap geometry and rasters come from.
pub trait BasemapSource: Send + Sync {
    /// The detail band to use at a zoom level.
    fn band_for_zoom(&self, zoom: f64) -> usize;
    /// The tessellated geometry of a band (called once per band per process).
    fn band(&self, index: usize) -> Result<BandMeshes>;
    /// The country polygons of a band (only its `fill` mesh and `countries`
    /// layer), tessellated only for styles with country fills; none by default.
    fn countries(&self, _index: usize) -> Result<BandMeshes> {
        Ok(BandMeshes::default())
    }
    /// The Blue Marble image (equirectangular).
    fn imagery_path(&self) -> Result<PathBuf>;
    /// The shaded relief image (equirectangular, grey).
    fn relief_path(&self) -> Result<PathBuf>;
}

/// Counters of one prepared job.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenderStats {
    /// Basemap tiles rendered so far.
    pub tiles_rendered: usize,
    /// Zoom levels planned.
    pub levels: usize,
    /// Tiles taken from the renderer's cache (drawn by an earlier job).
    pub tiles_cached: usize,
    /// Frames composited by copying tiles / by sampling them.
    pub copy_frames: usize,
    pub sampled_frames: usize,
    /// Seconds spent in `prepare` (planning, tessellation, tiles).
    pub setup_seconds: f64,
}

type BandSlot = Arc<Mutex<Option<Arc<GpuBand>>>>;

struct GpuBand {
    fill_vb: wgpu::Buffer,
    fill_ib: wgpu::Buffer,
    line_vb: Option<wgpu::Buffer>,
    line_ib: Option<wgpu::Buffer>,
    m: BandMeshes,
}

pub(crate) struct Shared {
    pub ctx: Arc<GpuContext>,
    pub pipes: Pipelines,
    source: Arc<dyn BasemapSource>,
    /// Tessellated bands (and their country polygons: `true`); one slot each so
    /// a band is built once even when jobs (or the background prefetch) ask for
    /// it concurrently.
    bands: Mutex<HashMap<(usize, bool), BandSlot>>,
    imagery: Mutex<Option<Arc<GpuImage>>>,
    relief: Mutex<Option<Arc<GpuImage>>>,
    white: Arc<GpuImage>,
    fonts: Arc<Fonts>,
    tile_cache: Mutex<TileCache>,
}

/// What a cached basemap tile's pixels depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct TileKey {
    style: &'static str,
    hillshade: bool,
    height: u32,
    tile_tex: u32,
    zoom_bits: u64,
    tx: i64,
    ty: i64,
}

/// Basemap tiles shared by the jobs of a renderer (same style, frame height
/// and zoom level → same pixels), least recently used dropped first once over
/// [`TILE_CACHE_BYTES`] (tiles a live job holds are never dropped).
#[derive(Default)]
struct TileCache {
    map: HashMap<TileKey, (Arc<Tile>, u64)>,
    clock: u64,
    bytes: usize,
}

/// Tiles a job holds for frames beyond its lookahead before it drops the
/// farthest-needed ones (only 4K-sized jobs get there).
const LIVE_TILE_BYTES: usize = 96 << 20;

/// Memory budget of the shared tile cache.
const TILE_CACHE_BYTES: usize = 64 << 20;

impl TileCache {
    fn get(&mut self, key: &TileKey) -> Option<Arc<Tile>> {
        self.clock += 1;
        let clock = self.clock;
        self.map.get_mut(key).map(|e| {
            e.1 = clock;
            e.0.clone()
        })
    }

    fn insert(&mut self, key: TileKey, tile: Arc<Tile>) {
        self.clock += 1;
        self.bytes += tile.bytes;
        if let Some(old) = self.map.insert(key, (tile, self.clock)) {
            self.bytes -= old.0.bytes;
        }
        self.trim();
    }

    /// Drops the least recently used tiles no job holds while over budget.
    fn trim(&mut self) {
        if self.bytes > TILE_CACHE_BYTES {
            let mut idle: Vec<(u64, TileKey)> = self
                .map
                .iter()
                .filter(|(_, e)| Arc::strong_count(&e.0) == 1)
                .map(|(k, e)| (e.1, *k))
                .collect();
            idle.sort_unstable_by_key(|e| e.0);
            for (_, k) in idle {
                if self.bytes <= TILE_CACHE_BYTES * 3 / 4 {
                    break;
                }
                if let Some(e) = self.map.remove(&k) {
                    self.bytes -= e.0.bytes;
                }
            }
        }
    }
}

/// Owns the GPU context, pipelines and the caches shared by jobs (tessellated
/// bands, imagery). Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Renderer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("gpu", &self.shared.ctx)
            .finish()
    }
}

fn buffer(
    device: &wgpu::Device,
    label: &str,
    data: &[u8],
    usage: wgpu::BufferUsages,
) -> wgpu::Buffer {
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents: data,
        usage,
    })
}

impl Renderer {
    /// Opens the GPU and uses the bundled basemap (`assets/`).
    pub fn new() -> Result<Renderer> {
        Self::with_source(GpuContext::new()?, Arc::new(super::AssetBasemap))
    }

    /// A renderer on an existing context with a given basemap source.
    pub fn with_source(ctx: Arc<GpuContext>, source: Arc<dyn BasemapSource>) -> Result<Renderer> {
        let pipes = Pipelines::new(&ctx);
        let white = Arc::new(GpuImage::white(&ctx));
        Ok(Renderer {
            shared: Arc::new(Shared {
                pipes,
                source,
                bands: Mutex::new(HashMap::new()),
                imagery: Mutex::new(None),
                relief: Mutex::new(None),
                white,
                fonts: Fonts::get()?,
                tile_cache: Mutex::new(TileCache::default()),
                ctx,
            }),
        })
    }

    /// The GPU context (shareable with other renderers or the encoder).
    pub fn context(&self) -> &Arc<GpuContext> {
        &self.shared.ctx
    }

    /// Prepares `job` along its planned `route`: timeline, camera path, label
    /// candidates, basemap tiles (setup cost is paid here, once).
    pub fn prepare(
        &self,
        job: &crate::job::Job,
        route: &crate::route::Route,
    ) -> Result<PreparedJob> {
        let spec = crate::scene::from_job::scene_spec(job, route)?;
        let states = crate::scene::from_job::frame_states(job, route);
        self.prepare_scene(spec, states)
    }

    /// Prepares a scene: plans levels, renders the basemap tiles the camera path
    /// needs, uploads the route. `states(t)` gives camera and vehicle at time `t`.
    pub fn prepare_scene(
        &self,
        spec: SceneSpec,
        states: Box<dyn Fn(f64) -> FrameState + Send + Sync>,
    ) -> Result<PreparedJob> {
        let start = std::time::Instant::now();
        let mut job = PreparedJob::new(self.shared.clone(), spec, states)?;
        job.plan_and_render_tiles()?;
        self.shared
            .ctx
            .device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::RenderFailed(format!("GPU wait failed: {e}")))?;
        job.stats.setup_seconds = start.elapsed().as_secs_f64();
        self.shared.ctx.check()?;
        Ok(job)
    }
}

impl Shared {
    fn band(&self, index: usize) -> Result<Arc<GpuBand>> {
        self.band_part(index, false)
    }

    /// The country polygons of band `index`.
    fn countries(&self, index: usize) -> Result<Arc<GpuBand>> {
        self.band_part(index, true)
    }

    fn band_part(&self, index: usize, countries: bool) -> Result<Arc<GpuBand>> {
        let key = (index, countries);
        let slot = self.bands.lock().unwrap().entry(key).or_default().clone();
        let mut slot = slot.lock().unwrap();
        if let Some(b) = slot.as_ref() {
            return Ok(b.clone());
        }
        let mut m = if countries {
            self.source.countries(index)?
        } else {
            self.source.band(index)?
        };
        let d = &self.ctx.device;
        let vb = wgpu::BufferUsages::VERTEX;
        let ib = wgpu::BufferUsages::INDEX;
        // wgpu rejects empty buffers: an empty mesh gets 16 zero bytes.
        fn nonempty(v: &[u8]) -> &[u8] {
            if v.is_empty() {
                &[0; 16]
            } else {
                v
            }
        }
        let band = Arc::new(GpuBand {
            fill_vb: buffer(
                d,
                "fill vb",
                nonempty(bytemuck::cast_slice(&m.fill.vertices)),
                vb,
            ),
            fill_ib: buffer(
                d,
                "fill ib",
                nonempty(bytemuck::cast_slice(&m.fill.indices)),
                ib,
            ),
            line_vb: (!m.lines.is_empty())
                .then(|| buffer(d, "line vb", bytemuck::cast_slice(&m.lines.vertices), vb)),
            line_ib: (!m.lines.is_empty())
                .then(|| buffer(d, "line ib", bytemuck::cast_slice(&m.lines.indices), ib)),
            // The GPU holds the meshes now; keep only bounds and cells.
            m: {
                for v in [&mut m.fill.indices, &mut m.lines.indices] {
                    *v = Vec::new();
                }
                m.fill.vertices = Vec::new();
                m.lines.vertices = Vec::new();
                m
            },
        });
        *slot = Some(band.clone());
        Ok(band)
    }

    /// Drops the cached imagery / relief raster (~80 MB / ~20 MB) when the job
    /// being prepared does not use it and no live job holds it: a batch that
    /// alternates styles reloads it (~0.5 s), one that does not keeps it.
    fn release_unused_rasters(&self, imagery: bool, relief: bool) {
        for (slot, used) in [(&self.imagery, imagery), (&self.relief, relief)] {
            let mut guard = slot.lock().unwrap();
            if !used
                && guard
                    .as_ref()
                    .is_some_and(|img| Arc::strong_count(img) == 1)
            {
                *guard = None;
            }
        }
    }

    fn raster(&self, relief: bool) -> Result<Arc<GpuImage>> {
        let slot = if relief { &self.relief } else { &self.imagery };
        let mut guard = slot.lock().unwrap();
        if let Some(img) = guard.as_ref() {
            return Ok(img.clone());
        }
        let max = self.ctx.limits.max_texture_dimension_2d.min(8192);
        let img = if relief {
            CpuImage::load(&self.source.relief_path()?, 1, max.min(5400))?
        } else {
            CpuImage::load(&self.source.imagery_path()?, 4, max)?
        };
        let gpu = Arc::new(GpuImage::upload(
            &self.ctx,
            &img,
            if relief { "relief" } else { "imagery" },
        ));
        *guard = Some(gpu.clone());
        Ok(gpu)
    }
}

struct Tile {
    /// The tile as a texture, for the GPU composite paths (dropped on software
    /// GPUs once read back, unless the job rotates the map).
    gpu: Option<(wgpu::Texture, wgpu::BindGroup)>,
    /// The tile's pixels in memory, for the CPU composite paths (software GPUs).
    pixels: Option<TilePixels>,
    /// Memory held (texture and pixels).
    bytes: usize,
}

struct Level {
    zoom: f64,
    world_px: f64,
    band: usize,
    tiles: HashMap<(i64, i64), Arc<Tile>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Composite {
    /// Copy tiles of level `0` with the frame's top-left at level pixel `1`.
    Copy(usize, [i64; 2]),
    /// Sample tiles of level `0`.
    Sampled(usize),
}

struct GrowBuffer {
    buf: wgpu::Buffer,
    cap: u64,
    usage: wgpu::BufferUsages,
    label: &'static str,
}

impl GrowBuffer {
    fn new(device: &wgpu::Device, label: &'static str, usage: wgpu::BufferUsages) -> Self {
        let cap = 4096;
        GrowBuffer {
            buf: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: cap,
                usage: usage | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            cap,
            usage,
            label,
        }
    }

    fn write(&mut self, ctx: &GpuContext, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if data.len() as u64 > self.cap {
            self.cap = (data.len() as u64).next_power_of_two();
            self.buf = ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(self.label),
                size: self.cap,
                usage: self.usage | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
        }
        ctx.queue.write_buffer(&self.buf, 0, data);
    }
}

struct GpuRoute {
    vb: wgpu::Buffer,
    ib: wgpu::Buffer,
    count: u32,
    /// Distance (km) at the start of each segment (6 indices each, in order).
    seg_km: Vec<f32>,
    /// Mercator origin the vertices are relative to.
    origin: [f64; 2],
}

/// A staging buffer the CPU magnifier writes a frame's basemap into, mapped for
/// writing whenever no frame in flight reads it.
struct Upload {
    buffer: wgpu::Buffer,
    /// Set when the buffer is mapped (after the frame that used it completed).
    ready: Arc<AtomicBool>,
}

/// Has `fill` write the frame's basemap (RGBA8 rows `padded_row` bytes apart)
/// into slot `slot`'s mapped upload buffer, and records its copy into `frame`.
#[allow(clippy::too_many_arguments)]
fn upload_frame(
    ctx: &GpuContext,
    encoder: &mut wgpu::CommandEncoder,
    slot: &mut Option<Upload>,
    frame: &wgpu::Texture,
    padded_row: u32,
    (width, height): (u32, u32),
    fill: impl FnOnce(&mut [u8]),
) -> Result<()> {
    let up = upload_slot(ctx, slot, padded_row, height)?;
    {
        let mut view = up
            .buffer
            .slice(..)
            .get_mapped_range_mut()
            .map_err(|e| Error::RenderFailed(format!("upload buffer not mapped: {e}")))?;
        let mut mapped = view.slice(..);
        let len = mapped.len();
        // SAFETY: the mapping stays valid and unaliased while `view` lives; wgpu
        // zero-initialises buffers, so every byte is initialised. The composites
        // only write (they never read `out`, which matters for write-combined
        // memory on discrete GPUs).
        let out =
            unsafe { std::slice::from_raw_parts_mut(mapped.as_raw_element_ptr().as_ptr(), len) };
        fill(out);
    }
    up.buffer.unmap();
    encoder.copy_buffer_to_texture(
        wgpu::TexelCopyBufferInfo {
            buffer: &up.buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded_row),
                rows_per_image: Some(height),
            },
        },
        frame.as_image_copy(),
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
    // Mapped again for writing once this frame's commands have run.
    up.ready.store(false, Ordering::Release);
    let ready = up.ready.clone();
    encoder.map_buffer_on_submit(&up.buffer, wgpu::MapMode::Write, .., move |r| {
        ready.store(r.is_ok(), Ordering::Release);
    });
    Ok(())
}

/// The mapped upload buffer of a frame slot, created on first use (a job whose
/// frames only copy tiles never needs one).
fn upload_slot<'a>(
    ctx: &GpuContext,
    slot: &'a mut Option<Upload>,
    padded_row: u32,
    height: u32,
) -> Result<&'a Upload> {
    let up = slot.get_or_insert_with(|| Upload {
        buffer: ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("basemap upload"),
            size: padded_row as u64 * height as u64,
            usage: wgpu::BufferUsages::MAP_WRITE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: true,
        }),
        ready: Arc::new(AtomicBool::new(true)),
    });
    if !up.ready.load(Ordering::Acquire) {
        // The frame that used it last is normally done (its slot was read back).
        ctx.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::RenderFailed(format!("GPU wait failed: {e}")))?;
        if !up.ready.load(Ordering::Acquire) {
            return Err(Error::RenderFailed(
                "upload buffer could not be mapped".into(),
            ));
        }
    }
    Ok(up)
}

struct Readback {
    buffer: wgpu::Buffer,
    submission: Option<wgpu::SubmissionIndex>,
    index: u32,
    /// Set when the frame is composited on the CPU: the buffer then holds only
    /// the overlay blocks.
    recipe: Option<Recipe>,
}

/// A job ready to render: levels and tiles, route, atlas and frame buffers.
pub struct PreparedJob {
    shared: Arc<Shared>,
    spec: SceneSpec,
    states: Box<dyn Fn(f64) -> FrameState + Send + Sync>,
    levels: Vec<Level>,
    /// Zooms held by the camera for at least two frames (copy-composited).
    copy_zooms: Vec<f64>,
    /// Frames that use each tile (level, tx, ty), ascending.
    uses: HashMap<(usize, i64, i64), Vec<u32>>,
    /// Tile memory held beyond the lookahead before the farthest-needed go.
    live_tile_bytes: usize,
    /// Render every planned tile in `prepare`.
    eager: bool,
    /// Planned tiles not rendered yet, by first use (frame index), soonest last.
    pending: Vec<(u32, usize, (i64, i64))>,
    route: Option<GpuRoute>,
    /// Bounds of runs of route points (relative to the route's origin, Mercator)
    /// and the distance at each run's start (km): where the route can draw.
    route_runs: Vec<([f32; 4], f64)>,
    /// Composite frames on the CPU where the basemap is (see
    /// [`render_all_frames`](Self::render_all_frames)).
    compose: bool,
    /// Zeros to clear overlay blocks with (one block row).
    zeros: Option<wgpu::Buffer>,
    /// The multisampled tile target (`None` when tiles use one sample).
    msaa: Option<wgpu::TextureView>,
    tile_uniforms: wgpu::Buffer,
    basemap_bind: wgpu::BindGroup,
    raster_widths: [f32; 2],
    atlas: GlyphAtlas,
    atlas_tex: wgpu::Texture,
    overlay_bind: wgpu::BindGroup,
    frame_tex: wgpu::Texture,
    frame_view: wgpu::TextureView,
    route_uniforms: wgpu::Buffer,
    route_bind: wgpu::BindGroup,
    shapes: GrowBuffer,
    glyphs: GrowBuffer,
    quads: GrowBuffer,
    readback: [Readback; 2],
    /// Composite the basemap on the CPU (software GPUs).
    cpu_sample: bool,
    /// Threads the CPU magnifier uses: as many as the software rasteriser gets
    /// (the engine sets LP_NUM_THREADS to leave the encoder a core).
    sample_threads: usize,
    /// Whether any frame has a camera bearing (GPU-sampled composite).
    rotates: bool,
    /// Frames ahead of their first use that tiles are rendered
    /// ([`LOOKAHEAD`], less where tiles are large).
    lookahead: u32,
    /// The imagery and relief rasters the tiles sample, held so the shared cache
    /// sees them in use.
    _rasters: [Arc<GpuImage>; 2],
    /// Per frame slot, the mapped buffer the CPU magnifier writes into.
    uploads: [Option<Upload>; 2],
    padded_row: u32,
    next_slot: usize,
    /// Inner tile size and tile texture size (inner + gutters) in pixels.
    tile: i64,
    tile_tex: u32,
    /// Counters.
    pub stats: RenderStats,
}

impl std::fmt::Debug for PreparedJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedJob")
            .field("width", &self.spec.width)
            .field("height", &self.spec.height)
            .field("stats", &self.stats)
            .finish()
    }
}

/// A `w`×`h` render target in [`FORMAT`] with `samples` samples; `usage` is
/// added to `RENDER_ATTACHMENT`.
fn render_target(
    device: &wgpu::Device,
    label: &str,
    (w, h): (u32, u32),
    samples: u32,
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: samples,
        dimension: wgpu::TextureDimension::D2,
        format: FORMAT,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | usage,
        view_formats: &[],
    })
}

fn frame_texture(device: &wgpu::Device, w: u32, h: u32) -> wgpu::Texture {
    let usage = wgpu::TextureUsages::COPY_SRC | wgpu::TextureUsages::COPY_DST;
    render_target(device, "frame", (w, h), 1, usage)
}

fn to_wgpu_color(c: [f32; 4]) -> wgpu::Color {
    wgpu::Color {
        r: c[0] as f64,
        g: c[1] as f64,
        b: c[2] as f64,
        a: 1.0,
    }
}

impl PreparedJob {
    fn new(
        shared: Arc<Shared>,
        spec: SceneSpec,
        states: Box<dyn Fn(f64) -> FrameState + Send + Sync>,
    ) -> Result<PreparedJob> {
        let ctx = shared.ctx.clone();
        let device = &ctx.device;
        let max = ctx.limits.max_texture_dimension_2d;
        if spec.width > max || spec.height > max {
            return Err(Error::RenderFailed(format!(
                "{}x{} exceeds the GPU's texture limit of {max}",
                spec.width, spec.height
            )));
        }
        let p = &shared.pipes;

        // Rasters: imagery for the satellite style, relief for hillshade.
        shared.release_unused_rasters(spec.style.imagery, spec.hillshade);
        let imagery = if spec.style.imagery {
            shared.raster(false)?
        } else {
            shared.white.clone()
        };
        let relief = if spec.hillshade {
            shared.raster(true)?
        } else {
            shared.white.clone()
        };
        let raster_widths = [imagery.width as f32, relief.width as f32];
        let tile_uniforms = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("tile uniforms"),
            size: TILE_UNIFORM_STRIDE * TILE_BATCH as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let basemap_bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("basemap"),
            layout: &p.basemap_bgl,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: &tile_uniforms,
                        offset: 0,
                        size: wgpu::BufferSize::new(std::mem::size_of::<TileUniform>() as u64),
                    }),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&relief.view),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(&imagery.view),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: wgpu::BindingResource::Sampler(&p.linear),
                },
            ],
        });
        // Tiles about half the frame's longer side: small frames need small tiles.
        let tile_tex: u32 = if spec.width.max(spec.height) <= 1280 {
            256
        } else if spec.width.max(spec.height) <= 2560 {
            512
        } else {
            1024
        };
        let tile = tile_tex as i64 - 2 * PAD;
        // Created on the first multisampled tile batch.
        let msaa = None;

        // Glyph atlas.
        let atlas_size = if spec.height > 1440 { 2048 } else { 1024 };
        let atlas = GlyphAtlas::new(shared.fonts.clone(), atlas_size);
        let atlas_tex = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("glyph atlas"),
            size: wgpu::Extent3d {
                width: atlas_size,
                height: atlas_size,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rg8Unorm,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let frame_uniform = buffer(
            device,
            "frame uniform",
            bytemuck::bytes_of(&FrameUniform {
                size_px: [spec.width as f32, spec.height as f32],
                _pad: [0.0; 2],
            }),
            wgpu::BufferUsages::UNIFORM,
        );
        let atlas_view = atlas_tex.create_view(&Default::default());
        let overlay_bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("overlay"),
            layout: &p.overlay_bgl,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: frame_uniform.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&atlas_view),
                },
            ],
        });
        let align = p.uniform_align.max(256);
        let route_uniforms = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("route uniforms"),
            size: align * 3,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let route_bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("route"),
            layout: &p.route_bgl,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &route_uniforms,
                    offset: 0,
                    size: wgpu::BufferSize::new(std::mem::size_of::<RouteUniform>() as u64),
                }),
            }],
        });

        // The route, relative to its first point for f32 precision.
        let route = if spec.route_points.len() >= 2 {
            let origin = spec.route_points[0];
            let mut mesh: Mesh<LineVertex> = Mesh::new();
            let km = &spec.route_km;
            stroke_polyline(&mut mesh, &spec.route_points, origin, |i| {
                (km.get(i).copied().unwrap_or(0.0) as f32).to_bits()
            });
            (!mesh.is_empty()).then(|| GpuRoute {
                vb: buffer(
                    device,
                    "route vb",
                    bytemuck::cast_slice(&mesh.vertices),
                    wgpu::BufferUsages::VERTEX,
                ),
                ib: buffer(
                    device,
                    "route ib",
                    bytemuck::cast_slice(&mesh.indices),
                    wgpu::BufferUsages::INDEX,
                ),
                count: mesh.indices.len() as u32,
                seg_km: mesh
                    .vertices
                    .iter()
                    .step_by(2)
                    .map(|v| f32::from_bits(v.value))
                    .collect(),
                origin,
            })
        } else {
            None
        };

        let route_runs = route_runs(&spec);
        let frame_tex = frame_texture(device, spec.width, spec.height);
        let frame_view = frame_tex.create_view(&Default::default());
        let padded_row = (spec.width * 4).div_ceil(256) * 256;
        let readback = std::array::from_fn(|_| Readback {
            buffer: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("readback"),
                size: padded_row as u64 * spec.height as u64,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            submission: None,
            index: 0,
            recipe: None,
        });
        let instance_usage = wgpu::BufferUsages::VERTEX;
        // On a CPU rasteriser, magnify zooming frames' basemap on the CPU
        // (`GEORENDER_SAMPLE=gpu` forces the shader path, `cpu` the CPU one).
        let cpu_sample = match std::env::var("GEORENDER_SAMPLE").ok().as_deref() {
            Some("gpu") => false,
            Some("cpu") => true,
            _ => ctx.info.device_type == wgpu::DeviceType::Cpu,
        };
        let sample_threads = std::env::var("LP_NUM_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        Ok(PreparedJob {
            _rasters: [imagery.clone(), relief.clone()],
            cpu_sample,
            sample_threads,
            rotates: false,
            lookahead: (LOOKAHEAD * 512 * 512 / (tile_tex * tile_tex)).clamp(8, LOOKAHEAD),
            uploads: [None, None],
            shapes: GrowBuffer::new(device, "shapes", instance_usage),
            glyphs: GrowBuffer::new(device, "glyphs", instance_usage),
            quads: GrowBuffer::new(device, "quads", instance_usage),
            shared: shared.clone(),
            spec,
            states,
            levels: Vec::new(),
            copy_zooms: Vec::new(),
            uses: HashMap::new(),
            live_tile_bytes: LIVE_TILE_BYTES,
            pending: Vec::new(),
            eager: std::env::var("GEORENDER_EAGER_TILES").is_ok_and(|v| v == "1"),
            route,
            route_runs,
            compose: false,
            zeros: None,
            msaa,
            tile_uniforms,
            basemap_bind,
            raster_widths,
            atlas,
            atlas_tex,
            overlay_bind,
            frame_tex,
            frame_view,
            route_uniforms,
            route_bind,
            readback,
            padded_row,
            next_slot: 0,
            tile,
            tile_tex,
            stats: RenderStats::default(),
        })
    }

    /// The scene this job draws.
    pub fn spec(&self) -> &SceneSpec {
        &self.spec
    }

    /// Number of frames of the video.
    pub fn frame_count(&self) -> u32 {
        self.spec.frame_count()
    }

    /// Camera and vehicle at time `t`.
    pub fn state(&self, t: f64) -> FrameState {
        (self.states)(t)
    }

    fn level_index(&mut self, zoom: f64) -> usize {
        if let Some(i) = self.levels.iter().position(|l| l.zoom == zoom) {
            return i;
        }
        let band = self.shared.source.band_for_zoom(zoom);
        self.levels.push(Level {
            zoom,
            world_px: world_px(zoom, self.spec.height),
            band,
            tiles: HashMap::new(),
        });
        self.stats.levels = self.levels.len();
        self.levels.len() - 1
    }

    /// Chooses how frame `state` is composited and the view used for overlays.
    fn choose(&mut self, state: &FrameState) -> (View, Composite) {
        let cam = state.camera;
        let (w, h) = (self.spec.width, self.spec.height);
        if cam.bearing_deg == 0.0 {
            if let Some(&z) = self
                .copy_zooms
                .iter()
                .find(|&&z| (z - cam.zoom).abs() < 1e-9)
            {
                let li = self.level_index(z);
                let wp = self.levels[li].world_px;
                let tl = [
                    (cam.center[0] * wp - w as f64 / 2.0).round() as i64,
                    (cam.center[1] * wp - h as f64 / 2.0).round() as i64,
                ];
                let mut snapped = cam;
                snapped.zoom = z;
                snapped.center = [
                    (tl[0] as f64 + w as f64 / 2.0) / wp,
                    (tl[1] as f64 + h as f64 / 2.0) / wp,
                ];
                return (View::new(&snapped, w, h), Composite::Copy(li, tl));
            }
        }
        // Sample the closest level at or below the zoom: magnifying by at most
        // 2^SAMPLED_STEP keeps each level's footprint within one frame, which makes
        // the tile cache several times smaller than minifying from above.
        let z = cam.zoom;
        let held = self
            .copy_zooms
            .iter()
            .copied()
            .filter(|&c| c <= z && c > z - SAMPLED_STEP)
            .fold(f64::NEG_INFINITY, f64::max);
        let lz = if held.is_finite() {
            held
        } else {
            ((z / SAMPLED_STEP) + 1e-9).floor() * SAMPLED_STEP
        };
        let li = self.level_index(lz);
        (View::new(&cam, w, h), Composite::Sampled(li))
    }

    /// Tiles of level `li` covering the frame, and whether some of the frame
    /// lies outside the world (north/south of the Mercator square).
    fn footprint(&self, view: &View, comp: Composite) -> (usize, Vec<(i64, i64)>, bool) {
        let tile = self.tile;
        let (w, h) = (view.width as f64, view.height as f64);
        let (li, x0, y0, x1, y1) = match comp {
            Composite::Copy(li, tl) => (
                li,
                tl[0] as f64,
                tl[1] as f64,
                (tl[0] + view.width as i64 - 1) as f64,
                (tl[1] + view.height as i64 - 1) as f64,
            ),
            Composite::Sampled(li) => {
                let wp = self.levels[li].world_px;
                let k = wp / view.world_px;
                let (s, c) = view.angle.sin_cos();
                let hx = (c.abs() * w / 2.0 + s.abs() * h / 2.0) * k + 2.0;
                let hy = (s.abs() * w / 2.0 + c.abs() * h / 2.0) * k + 2.0;
                let (cx, cy) = (view.center[0] * wp, view.center[1] * wp);
                (li, cx - hx, cy - hy, cx + hx, cy + hy)
            }
        };
        let wp = self.levels[li].world_px;
        let outside = y0 < 0.0 || y1 > wp;
        let t = tile as f64;
        let (ty0, ty1) = (
            (y0.max(0.0) / t).floor() as i64,
            (y1.min(wp - 0.5) / t).floor() as i64,
        );
        let (tx0, tx1) = ((x0 / t).floor() as i64, (x1 / t).floor() as i64);
        let mut tiles = Vec::new();
        for ty in ty0..=ty1 {
            for tx in tx0..=tx1 {
                tiles.push((tx, ty));
            }
        }
        (li, tiles, outside)
    }

    fn plan_and_render_tiles(&mut self) -> Result<()> {
        let n = self.spec.frame_count();
        let states: Vec<FrameState> = (0..n)
            .map(|i| self.state(self.spec.frame_time(i)))
            .collect();
        // Zooms held for two or more consecutive frames get their own level.
        let mut copy_zooms: Vec<f64> = Vec::new();
        for pair in states.windows(2) {
            let (a, b) = (pair[0].camera, pair[1].camera);
            if a.zoom == b.zoom && b.bearing_deg == 0.0 && !copy_zooms.contains(&b.zoom) {
                copy_zooms.push(b.zoom);
            }
        }
        self.copy_zooms = copy_zooms;
        self.rotates = states.iter().any(|s| s.camera.bearing_deg != 0.0);
        let trace = std::env::var_os("GEORENDER_TRACE").is_some();
        let t0 = std::time::Instant::now();
        if trace {
            eprintln!(
                "[georender] states: {:.1} ms",
                t0.elapsed().as_secs_f64() * 1e3
            );
        }
        let mut needed: Vec<(usize, (i64, i64))> = Vec::new();
        let mut later: Vec<(u32, usize, (i64, i64))> = Vec::new();
        let mut seen = HashSet::new();
        for (i, st) in states.iter().enumerate() {
            let (view, comp) = self.choose(st);
            let (li, tiles, _) = self.footprint(&view, comp);
            for t in tiles {
                self.uses.entry((li, t.0, t.1)).or_default().push(i as u32);
                if seen.insert((li, t)) {
                    // Setup renders the first frames' tiles; the rest are
                    // rendered just ahead of the frames that need them.
                    if (i as u32) < SETUP_FRAMES || self.eager || self.take_cached(li, t) {
                        needed.push((li, t));
                    } else {
                        later.push((i as u32, li, t));
                    }
                }
            }
        }
        later.reverse();
        // Tessellate the bands of later levels in the background meanwhile.
        let now: HashSet<usize> = needed.iter().map(|n| self.levels[n.0].band).collect();
        let mut soon: Vec<usize> = later.iter().map(|l| self.levels[l.1].band).collect();
        soon.sort_unstable();
        soon.dedup();
        for b in soon.into_iter().filter(|b| !now.contains(b)) {
            let shared = self.shared.clone();
            let countries = self.spec.style.country_fills;
            std::thread::spawn(move || {
                shared.band(b)?;
                if countries {
                    shared.countries(b)?;
                }
                Ok::<_, Error>(())
            });
        }
        self.pending = later;
        if trace {
            // Tessellate (or fetch) every band first so the tile timing below is pure GPU.
            let bands: HashSet<usize> = self.levels.iter().map(|l| l.band).collect();
            for b in bands {
                self.shared.band(b)?;
                if self.spec.style.country_fills {
                    self.shared.countries(b)?;
                }
            }
            eprintln!(
                "[georender] plan + bands: {:.1} ms, {} tiles in {} levels {:?}",
                t0.elapsed().as_secs_f64() * 1e3,
                needed.len(),
                self.levels.len(),
                self.levels
                    .iter()
                    .map(|l| (l.zoom, l.band))
                    .collect::<Vec<_>>()
            );
        }
        let t1 = std::time::Instant::now();
        self.render_tiles(&needed)?;
        if trace {
            self.shared
                .ctx
                .device
                .poll(wgpu::PollType::wait_indefinitely())
                .map_err(|e| Error::RenderFailed(format!("GPU wait failed: {e}")))?;
            eprintln!(
                "[georender] tiles: {:.1} ms",
                t1.elapsed().as_secs_f64() * 1e3
            );
        }
        Ok(())
    }

    /// Whether tiles live only as pixels in memory: on software GPUs every
    /// composite is done on the CPU unless the map rotates (then the GPU samples
    /// tile textures).
    fn tiles_on_cpu_only(&self) -> bool {
        self.cpu_sample && !self.rotates
    }

    fn tile_key(&self, li: usize, (tx, ty): (i64, i64)) -> TileKey {
        TileKey {
            style: self.spec.style.name,
            hillshade: self.spec.hillshade,
            height: self.spec.height,
            tile_tex: self.tile_tex,
            zoom_bits: self.levels[li].zoom.to_bits(),
            tx,
            ty,
        }
    }

    /// Takes tile `key` of level `li` from the shared cache; whether it was there.
    fn take_cached(&mut self, li: usize, key: (i64, i64)) -> bool {
        if self.levels[li].tiles.contains_key(&key) {
            return true;
        }
        let k = self.tile_key(li, key);
        let hit = self.shared.tile_cache.lock().unwrap().get(&k);
        match hit {
            // A tile must have what this job composites from, else redraw it.
            Some(t)
                if (t.pixels.is_some() || !self.cpu_sample)
                    && (t.gpu.is_some() || !self.tiles_on_cpu_only()) =>
            {
                self.levels[li].tiles.insert(key, t);
                self.stats.tiles_cached += 1;
                true
            }
            _ => false,
        }
    }

    fn render_tiles(&mut self, needed: &[(usize, (i64, i64))]) -> Result<()> {
        let mut todo: Vec<(usize, (i64, i64))> = Vec::new();
        for &(li, t) in needed {
            if !self.take_cached(li, t) {
                todo.push((li, t));
            }
        }
        if todo.is_empty() {
            return Ok(());
        }
        let ctx = self.shared.ctx.clone();
        let style = self.spec.style;
        let s = self.spec.scale();
        let (tile, tile_tex) = (self.tile, self.tile_tex);
        let mut colors = [[0.0f32; 4]; 16];
        let mut half_widths = [[0.0f32; 4]; 16];
        colors[0] = style.land;
        colors[CLASS_LAKE as usize] = style.lakes;
        for (i, c) in style.country_palette.iter().enumerate() {
            colors[2 + i] = *c;
        }
        for (class, line) in [
            (LINE_COAST, style.coastline),
            (LINE_BORDER, style.borders),
            (LINE_LANE, style.sea_lanes),
        ] {
            if let Some(l) = line {
                colors[class as usize] = l.color;
                half_widths[class as usize][0] = l.width * s / 2.0;
            }
        }
        // Lake shores are drawn in edge mode (see `fs_line`).
        half_widths[CLASS_LAKE as usize][1] = 1.0;
        // Software GPUs read every tile back for the CPU composites; where the
        // map never rotates the texture is dropped right after, so one scratch
        // texture serves the whole batch. Batches hold at most 16 tiles of 512
        // pixels' worth of memory (4 at 4K) to bound the transient peak.
        let cpu_only = self.tiles_on_cpu_only();
        let batch = (TILE_BATCH * 512 * 512 / (tile_tex * tile_tex) as usize).clamp(2, TILE_BATCH);
        let new_tile_texture = || {
            let usage = wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_SRC;
            render_target(&ctx.device, "tile", (tile_tex, tile_tex), 1, usage)
        };
        let readback_row = (tile_tex * 4).div_ceil(256) * 256;
        let readback_per = readback_row as u64 * tile_tex as u64;
        // Vector styles on software GPUs draw tiles with one sample (lake
        // shores in edge mode, see `tile_samples`).
        let shared = self.shared.clone();
        let tp = shared.pipes.tiles(style.imagery);
        let shaded = self.spec.hillshade && style.hillshade > 0.0;
        if tp.samples > 1 && self.msaa.is_none() {
            self.msaa = Some(msaa_target(&ctx.device, tile_tex, tp.samples));
        }
        for chunk in todo.chunks(batch) {
            let mut encoder = ctx
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("tiles"),
                });
            let scratch = cpu_only.then(new_tile_texture);
            let staging = self.cpu_sample.then(|| {
                ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("tile readback"),
                    size: readback_per * chunk.len() as u64,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                })
            });
            let mut made = Vec::new();
            for (slot, &(li, (tx, ty))) in chunk.iter().enumerate() {
                let level = &self.levels[li];
                let band = self.shared.band(level.band)?;
                let countries = if style.country_fills && !style.imagery {
                    Some(self.shared.countries(level.band)?)
                } else {
                    None
                };
                let countries = countries.filter(|c| !c.m.countries.is_empty());
                let wp = level.world_px;
                let origin_px = [(tx * tile - PAD) as f64, (ty * tile - PAD) as f64];
                let origin = [origin_px[0] / wp, origin_px[1] / wp];
                let span = tile_tex as f64 / wp;
                let lod = |tex_w: f32| (tex_w as f64 / wp).log2().max(0.0) as f32;
                let imagery_lod = lod(self.raster_widths[0]);
                let relief_lod = lod(self.raster_widths[1]);
                let copies = |b: [f32; 4]| -> Option<(f32, u32)> {
                    if b[0] > b[2] {
                        return None;
                    }
                    let k0 = (origin[0] - b[2] as f64).ceil() as i64;
                    let k1 = (origin[0] + span - b[0] as f64).floor() as i64;
                    (k1 >= k0).then(|| (k0 as f32, (k1 - k0 + 1) as u32))
                };
                let mut u = TileUniform {
                    origin: [origin[0] as f32, origin[1] as f32],
                    size_px: [tile_tex as f32; 2],
                    world_px: wp as f32,
                    first_copy: 0.0,
                    lod: if style.imagery {
                        imagery_lod
                    } else {
                        relief_lod
                    },
                    hillshade: if self.spec.hillshade {
                        style.hillshade
                    } else {
                        0.0
                    },
                    colors,
                    half_widths,
                };
                // Slot layout: one uniform per draw group (fills, lines) per tile.
                let fill_copies = copies(match &countries {
                    Some(c) => {
                        let (a, b) = (band.m.fill.bounds, c.m.fill.bounds);
                        [
                            a[0].min(b[0]),
                            a[1].min(b[1]),
                            a[2].max(b[2]),
                            a[3].max(b[3]),
                        ]
                    }
                    None => band.m.fill.bounds,
                });
                let line_copies = copies(band.m.lines.bounds);
                let base = (slot as u64) * TILE_UNIFORM_STRIDE;
                u.first_copy = fill_copies.map_or(0.0, |c| c.0);
                ctx.queue
                    .write_buffer(&self.tile_uniforms, base, bytemuck::bytes_of(&u));
                u.first_copy = line_copies.map_or(0.0, |c| c.0);
                ctx.queue.write_buffer(
                    &self.tile_uniforms,
                    base + TILE_UNIFORM_STRIDE / 2,
                    bytemuck::bytes_of(&u),
                );
                let region = [origin[0], origin[1], origin[0] + span, origin[1] + span];
                let line_margin = (8.0 * s as f64 + 4.0) / wp;
                let own = scratch.is_none().then(new_tile_texture);
                let texture = own.as_ref().or(scratch.as_ref()).expect("a tile texture");
                let view = texture.create_view(&Default::default());
                {
                    let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                        label: Some("tile"),
                        color_attachments: &[Some(match (tp.samples > 1, &self.msaa) {
                            (true, Some(msaa)) => cleared(msaa, Some(&view), style.ocean),
                            _ => cleared(&view, None, style.ocean),
                        })],
                        depth_stencil_attachment: None,
                        timestamp_writes: None,
                        occlusion_query_set: None,
                        multiview_mask: None,
                    });
                    let fill_off = base as u32;
                    let line_off = (base + TILE_UNIFORM_STRIDE / 2) as u32;
                    if style.imagery {
                        pass.set_pipeline(tp.imagery(shaded));
                        pass.set_bind_group(0, &self.basemap_bind, &[fill_off]);
                        pass.draw(0..4, 0..1);
                    } else if fill_copies.is_some() {
                        pass.set_pipeline(tp.fill(shaded));
                        pass.set_bind_group(0, &self.basemap_bind, &[fill_off]);
                        let fill = |pass: &mut wgpu::RenderPass<'_>, b: &GpuBand| {
                            pass.set_vertex_buffer(0, b.fill_vb.slice(..));
                            pass.set_index_buffer(b.fill_ib.slice(..), wgpu::IndexFormat::Uint32);
                        };
                        // Country polygons replace land where the style fills them.
                        if let Some(c) = &countries {
                            fill(&mut pass, c);
                            draw_layer(&mut pass, &c.m.countries, &region, fill_copies, 0.0);
                            fill(&mut pass, &band);
                        } else {
                            fill(&mut pass, &band);
                            draw_layer(&mut pass, &band.m.land, &region, fill_copies, 0.0);
                        }
                        draw_layer(&mut pass, &band.m.lakes, &region, fill_copies, 0.0);
                    }
                    if let (Some(vb), Some(ib), Some(_)) =
                        (&band.line_vb, &band.line_ib, line_copies)
                    {
                        pass.set_pipeline(&tp.line);
                        pass.set_bind_group(0, &self.basemap_bind, &[line_off]);
                        pass.set_vertex_buffer(0, vb.slice(..));
                        pass.set_index_buffer(ib.slice(..), wgpu::IndexFormat::Uint32);
                        let lc = line_copies;
                        if !style.imagery && tp.samples == 1 {
                            draw_layer(&mut pass, &band.m.lake_edges, &region, lc, line_margin);
                        }
                        if style.sea_lanes.is_some() {
                            draw_layer(&mut pass, &band.m.lanes, &region, lc, line_margin);
                        }
                        if style.borders.is_some() {
                            draw_layer(&mut pass, &band.m.borders, &region, lc, line_margin);
                        }
                        if style.coastline.is_some() {
                            draw_layer(&mut pass, &band.m.coast, &region, lc, line_margin);
                        }
                    }
                }
                if let Some(buf) = &staging {
                    encoder.copy_texture_to_buffer(
                        texture.as_image_copy(),
                        wgpu::TexelCopyBufferInfo {
                            buffer: buf,
                            layout: wgpu::TexelCopyBufferLayout {
                                offset: readback_per * made.len() as u64,
                                bytes_per_row: Some(readback_row),
                                rows_per_image: Some(tile_tex),
                            },
                        },
                        wgpu::Extent3d {
                            width: tile_tex,
                            height: tile_tex,
                            depth_or_array_layers: 1,
                        },
                    );
                }
                let gpu = own.map(|texture| {
                    let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                        label: Some("tile"),
                        layout: &self.shared.pipes.composite_bgl,
                        entries: &[
                            wgpu::BindGroupEntry {
                                binding: 0,
                                resource: wgpu::BindingResource::TextureView(&view),
                            },
                            wgpu::BindGroupEntry {
                                binding: 1,
                                resource: wgpu::BindingResource::Sampler(
                                    &self.shared.pipes.tile_sampler,
                                ),
                            },
                        ],
                    });
                    (texture, bind)
                });
                let tex_bytes = if gpu.is_some() {
                    tile_tex * tile_tex * 4
                } else {
                    0
                };
                made.push((
                    li,
                    (tx, ty),
                    Tile {
                        gpu,
                        pixels: None,
                        bytes: tex_bytes as usize,
                    },
                ));
            }
            if let Some(buf) = &staging {
                encoder.map_buffer_on_submit(buf, wgpu::MapMode::Read, .., |_| {});
            }
            let sub = ctx.queue.submit([encoder.finish()]);
            if let Some(buf) = staging {
                ctx.device
                    .poll(wgpu::PollType::Wait {
                        submission_index: Some(sub),
                        timeout: None,
                    })
                    .map_err(|e| Error::RenderFailed(format!("GPU wait failed: {e}")))?;
                {
                    let data = buf
                        .slice(..)
                        .get_mapped_range()
                        .map_err(|e| Error::RenderFailed(format!("readback failed: {e}")))?;
                    let n = tile_tex as usize;
                    let (row, per) = (readback_row as usize, readback_per as usize);
                    for (i, (_, _, t)) in made.iter_mut().enumerate() {
                        let mut px = vec![0u32; n * n];
                        for y in 0..n {
                            let src = &data[per * i + row * y..][..n * 4];
                            let dst: &mut [u8] =
                                bytemuck::cast_slice_mut(&mut px[y * n..(y + 1) * n]);
                            dst.copy_from_slice(src);
                        }
                        t.pixels = Some(Arc::new(px));
                        t.bytes += n * n * 4;
                    }
                }
                buf.unmap();
            }
            let mut cache = self.shared.tile_cache.lock().unwrap();
            for (li, key, tile) in made {
                let tile = Arc::new(tile);
                cache.insert(self.tile_key(li, key), tile.clone());
                self.levels[li].tiles.insert(key, tile);
                self.stats.tiles_rendered += 1;
            }
        }
        Ok(())
    }

    fn upload_atlas(&mut self) {
        if let Some((y0, y1)) = self.atlas.dirty.take() {
            let size = self.atlas.size;
            let row = (size * 2) as usize;
            self.shared.ctx.queue.write_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &self.atlas_tex,
                    mip_level: 0,
                    origin: wgpu::Origin3d { x: 0, y: y0, z: 0 },
                    aspect: wgpu::TextureAspect::All,
                },
                &self.atlas.data[y0 as usize * row..y1 as usize * row],
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(size * 2),
                    rows_per_image: Some(y1 - y0),
                },
                wgpu::Extent3d {
                    width: size,
                    height: y1 - y0,
                    depth_or_array_layers: 1,
                },
            );
        }
    }

    /// Builds the overlay instances of a frame at time `t` without drawing
    /// (labels, vehicle position, HUD) — for tests and tools.
    pub fn overlays(&mut self, t: f64) -> Overlays {
        let st = self.state(t);
        let (view, _) = self.choose(&st);
        build_overlays(&self.spec, &st, &view, &mut self.atlas)
    }

    /// Records and submits frame `t` into readback slot `slot`.
    fn submit(&mut self, t: f64, slot: usize, index: u32) -> Result<()> {
        let (tile, tile_tex) = (self.tile, self.tile_tex);
        let st = self.state(t);
        let (view, comp) = self.choose(&st);
        let (li, tiles, outside) = self.footprint(&view, comp);
        let mut missing: Vec<_> = tiles
            .iter()
            .filter(|k| !self.levels[li].tiles.contains_key(k))
            .map(|&k| (li, k))
            .collect();
        // Prefetch planned tiles of the next frames: enough this frame that,
        // at the same pace, every tile is ready before its first use.
        let frame = (t * self.spec.fps as f64).round() as u32;
        let mut budget = PREFETCH;
        for (n, &(first, _, _)) in self.pending.iter().rev().enumerate() {
            if first > frame + self.lookahead {
                break;
            }
            let frames_left = first.saturating_sub(frame).max(1) as usize;
            budget = budget.max((n + 1).div_ceil(frames_left));
        }
        let mut fetched = 0;
        while let Some(&(first, pl, pk)) = self.pending.last() {
            if self.levels[pl].tiles.contains_key(&pk) {
                self.pending.pop();
                continue;
            }
            if first > frame + self.lookahead || fetched >= budget {
                break;
            }
            self.pending.pop();
            if !missing.contains(&(pl, pk)) {
                missing.push((pl, pk));
                fetched += 1;
            }
        }
        self.render_tiles(&missing)?;
        let ov = build_overlays(&self.spec, &st, &view, &mut self.atlas);
        self.upload_atlas();
        let ctx = self.shared.ctx.clone();
        let (w, h) = (self.spec.width, self.spec.height);
        let style = self.spec.style;

        // Uploads.
        self.shapes.write(&ctx, bytemuck::cast_slice(&ov.shapes));
        self.glyphs.write(&ctx, bytemuck::cast_slice(&ov.glyphs));
        let route_draws = self.write_route_uniforms(&view, &st);

        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        let level = &self.levels[li];
        let mut quads: Vec<(QuadInstance, &wgpu::BindGroup)> = Vec::new();
        let ocean = style
            .ocean
            .map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8);
        let grid = cpu_sample::Grid {
            tile,
            tile_tex: tile_tex as usize,
            pad: PAD,
            fill: u32::from_le_bytes([ocean[0], ocean[1], ocean[2], 255]),
        };
        // The basemap composited on the CPU (software GPUs), where possible.
        let cpu_base = match comp {
            Composite::Copy(_, tl) if self.tiles_on_cpu_only() => Some(Base::Copy(tl)),
            Composite::Sampled(_)
                if self.cpu_sample
                    && view.angle == 0.0
                    && view.world_px >= level.world_px
                    && tiles
                        .iter()
                        .all(|k| level.tiles.get(k).is_none_or(|t| t.pixels.is_some())) =>
            {
                let wp = level.world_px;
                let inv = wp / view.world_px;
                Some(Base::Resample(cpu_sample::Mapping {
                    width: w as usize,
                    height: h as usize,
                    inv_scale: inv,
                    origin: [
                        view.center[0] * wp - w as f64 / 2.0 * inv,
                        view.center[1] * wp - h as f64 / 2.0 * inv,
                    ],
                }))
            }
            _ => None,
        };
        match cpu_base {
            Some(Base::Copy(_)) => self.stats.copy_frames += 1,
            Some(Base::Resample(_)) => self.stats.sampled_frames += 1,
            None => {}
        }
        let tile_at = |tx: i64, ty: i64| {
            level
                .tiles
                .get(&(tx, ty))
                .and_then(|t| t.pixels.as_deref())
                .map(|v| &v[..])
        };
        let mut recipe = None;
        let load = match (cpu_base, comp) {
            (Some(base), _) if self.compose => {
                // Only the overlays go through the GPU; the frame is built on
                // the CPU when they are back (`ComposedFrame`).
                let tiles = tiles
                    .iter()
                    .filter_map(|k| {
                        let px = level.tiles.get(k).and_then(|t| t.pixels.clone());
                        px.map(|p| (*k, p))
                    })
                    .collect();
                recipe = Some(Recipe {
                    base,
                    grid,
                    tiles,
                    runs: Vec::new(),
                });
                // The blocks read back are cleared with copies (cheaper than
                // clearing the whole target on a CPU rasteriser).
                wgpu::LoadOp::Load
            }
            (Some(base), _) => {
                // Software GPU: composite on the CPU, upload into the frame.
                upload_frame(
                    &ctx,
                    &mut encoder,
                    &mut self.uploads[slot],
                    &self.frame_tex,
                    self.padded_row,
                    (w, h),
                    |out| {
                        let stride = self.padded_row as usize;
                        match base {
                            Base::Copy(tl) => {
                                let size = (w as usize, h as usize);
                                cpu_sample::copy(out, stride, size, tl, grid, tile_at)
                            }
                            Base::Resample(map) => {
                                let threads = self.sample_threads;
                                cpu_sample::resample(out, stride, map, grid, tile_at, threads)
                            }
                        }
                    },
                )?;
                wgpu::LoadOp::Load
            }
            (None, Composite::Copy(_, tl)) => {
                if outside {
                    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                        label: Some("clear"),
                        color_attachments: &[Some(cleared(&self.frame_view, None, style.ocean))],
                        depth_stencil_attachment: None,
                        timestamp_writes: None,
                        occlusion_query_set: None,
                        multiview_mask: None,
                    });
                }
                for &(tx, ty) in &tiles {
                    let Some(tt) = level.tiles.get(&(tx, ty)) else {
                        continue;
                    };
                    // Intersection of the tile's inner area and the frame, in level px.
                    let ix0 = (tx * tile).max(tl[0]);
                    let iy0 = (ty * tile).max(tl[1]);
                    let ix1 = ((tx + 1) * tile).min(tl[0] + w as i64);
                    let iy1 = ((ty + 1) * tile).min(tl[1] + h as i64);
                    if ix1 <= ix0 || iy1 <= iy0 {
                        continue;
                    }
                    encoder.copy_texture_to_texture(
                        wgpu::TexelCopyTextureInfo {
                            texture: &tt.gpu.as_ref().expect("tile texture").0,
                            mip_level: 0,
                            origin: wgpu::Origin3d {
                                x: (ix0 - tx * tile + PAD) as u32,
                                y: (iy0 - ty * tile + PAD) as u32,
                                z: 0,
                            },
                            aspect: wgpu::TextureAspect::All,
                        },
                        wgpu::TexelCopyTextureInfo {
                            texture: &self.frame_tex,
                            mip_level: 0,
                            origin: wgpu::Origin3d {
                                x: (ix0 - tl[0]) as u32,
                                y: (iy0 - tl[1]) as u32,
                                z: 0,
                            },
                            aspect: wgpu::TextureAspect::All,
                        },
                        wgpu::Extent3d {
                            width: (ix1 - ix0) as u32,
                            height: (iy1 - iy0) as u32,
                            depth_or_array_layers: 1,
                        },
                    );
                }
                self.stats.copy_frames += 1;
                wgpu::LoadOp::Load
            }
            (None, Composite::Sampled(_)) => {
                let wp = level.world_px;
                let (s, c) = view.angle.sin_cos();
                let k = view.world_px / wp;
                let to_clip = |lx: f64, ly: f64| -> [f32; 2] {
                    // Level px → frame px → clip.
                    let dx = (lx - view.center[0] * wp) * k;
                    let dy = (ly - view.center[1] * wp) * k;
                    let fx = dx * c - dy * s + w as f64 / 2.0;
                    let fy = dx * s + dy * c + h as f64 / 2.0;
                    [
                        (fx / w as f64 * 2.0 - 1.0) as f32,
                        (1.0 - fy / h as f64 * 2.0) as f32,
                    ]
                };
                for &(tx, ty) in &tiles {
                    let Some(tt) = level.tiles.get(&(tx, ty)) else {
                        continue;
                    };
                    let (x0, y0) = ((tx * tile) as f64, (ty * tile) as f64);
                    let (x1, y1) = (x0 + tile as f64, y0 + tile as f64);
                    let p0 = to_clip(x0, y0);
                    let p1 = to_clip(x1, y0);
                    let p2 = to_clip(x0, y1);
                    let p3 = to_clip(x1, y1);
                    let u0 = PAD as f32 / tile_tex as f32;
                    let u1 = (PAD + tile) as f32 / tile_tex as f32;
                    quads.push((
                        QuadInstance {
                            p01: [p0[0], p0[1], p1[0], p1[1]],
                            p23: [p2[0], p2[1], p3[0], p3[1]],
                            uv: [u0, u0, u1, u1],
                        },
                        &tt.gpu.as_ref().expect("tile texture").1,
                    ));
                }
                self.stats.sampled_frames += 1;
                wgpu::LoadOp::Clear(to_wgpu_color(style.ocean))
            }
        };
        let runs = if recipe.is_some() {
            let runs = self.overlay_blocks(&view, &st, &ov).runs();
            if self.zeros.is_none() {
                self.zeros = Some(ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("zeros"),
                    size: self.padded_row as u64 * BLOCK as u64,
                    usage: wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: false,
                }));
            }
            let zeros = self.zeros.as_ref().expect("zeros");
            for run in &runs {
                encoder.copy_buffer_to_texture(
                    wgpu::TexelCopyBufferInfo {
                        buffer: zeros,
                        layout: wgpu::TexelCopyBufferLayout {
                            offset: 0,
                            bytes_per_row: Some(self.padded_row),
                            rows_per_image: Some(BLOCK),
                        },
                    },
                    run.texel(&self.frame_tex),
                    run.extent(),
                );
            }
            Some(runs)
        } else {
            None
        };
        let quad_data: Vec<QuadInstance> = quads.iter().map(|q| q.0).collect();
        self.quads.write(&ctx, bytemuck::cast_slice(&quad_data));
        {
            let p = &self.shared.pipes;
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("frame"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &self.frame_view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load,
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            if !quads.is_empty() {
                pass.set_pipeline(&p.quad);
                pass.set_vertex_buffer(0, self.quads.buf.slice(..));
                for (i, (_, bind)) in quads.iter().enumerate() {
                    pass.set_bind_group(0, *bind, &[]);
                    pass.draw(0..4, i as u32..i as u32 + 1);
                }
            }
            if let Some(route) = &self.route {
                pass.set_pipeline(&p.route);
                pass.set_vertex_buffer(0, route.vb.slice(..));
                pass.set_index_buffer(route.ib.slice(..), wgpu::IndexFormat::Uint32);
                // Where the part ahead is hidden, only the segments up to the
                // vehicle and the next (its anti-aliased cut may reach into it):
                // a software rasteriser would shade the rest for nothing.
                let count = if self.spec.trail_full && self.spec.route.ahead_alpha > 0.0 {
                    route.count
                } else {
                    let km = st.vehicle.distance_km as f32;
                    let segs = route.seg_km.partition_point(|&k| k <= km) as u32 + 1;
                    (segs * 6).min(route.count)
                };
                for (offset, copies) in &route_draws {
                    pass.set_bind_group(0, &self.route_bind, &[*offset]);
                    pass.draw_indexed(0..count, 0, 0..*copies);
                }
            }
            let sz_s = std::mem::size_of::<ShapeInstance>() as u64;
            let sz_g = std::mem::size_of::<GlyphInstance>() as u64;
            let shape_ranges = [0..ov.shapes_split, ov.shapes_split..ov.shapes.len()];
            let glyph_ranges = [0..ov.glyphs_split, ov.glyphs_split..ov.glyphs.len()];
            pass.set_bind_group(0, &self.overlay_bind, &[]);
            for layer in 0..2 {
                let r = &shape_ranges[layer];
                if !r.is_empty() {
                    pass.set_pipeline(&p.shape);
                    pass.set_vertex_buffer(
                        0,
                        self.shapes
                            .buf
                            .slice(r.start as u64 * sz_s..r.end as u64 * sz_s),
                    );
                    pass.draw(0..4, 0..r.len() as u32);
                }
                let r = &glyph_ranges[layer];
                if !r.is_empty() {
                    pass.set_pipeline(&p.glyph);
                    pass.set_vertex_buffer(
                        0,
                        self.glyphs
                            .buf
                            .slice(r.start as u64 * sz_g..r.end as u64 * sz_g),
                    );
                    pass.draw(0..4, 0..r.len() as u32);
                }
            }
        }
        let rb = &mut self.readback[slot];
        rb.recipe = recipe;
        match (&mut rb.recipe, runs) {
            (Some(recipe), Some(runs)) => {
                // Only the blocks the overlays touched.
                for run in &runs {
                    encoder.copy_texture_to_buffer(
                        run.texel(&self.frame_tex),
                        wgpu::TexelCopyBufferInfo {
                            buffer: &rb.buffer,
                            layout: wgpu::TexelCopyBufferLayout {
                                offset: run.offset as u64,
                                bytes_per_row: Some(run.stride as u32),
                                rows_per_image: Some(run.h),
                            },
                        },
                        run.extent(),
                    );
                }
                recipe.runs = runs;
            }
            _ => encoder.copy_texture_to_buffer(
                wgpu::TexelCopyTextureInfo {
                    texture: &self.frame_tex,
                    mip_level: 0,
                    origin: wgpu::Origin3d::ZERO,
                    aspect: wgpu::TextureAspect::All,
                },
                wgpu::TexelCopyBufferInfo {
                    buffer: &rb.buffer,
                    layout: wgpu::TexelCopyBufferLayout {
                        offset: 0,
                        bytes_per_row: Some(self.padded_row),
                        rows_per_image: Some(h),
                    },
                },
                wgpu::Extent3d {
                    width: w,
                    height: h,
                    depth_or_array_layers: 1,
                },
            ),
        }
        let buf = rb.buffer.clone();
        encoder.map_buffer_on_submit(&buf, wgpu::MapMode::Read, .., |_| {});
        rb.submission = Some(ctx.queue.submit([encoder.finish()]));
        rb.index = index;
        Ok(())
    }

    /// The frame blocks this frame's overlays can draw into (no rotation).
    fn overlay_blocks(&self, view: &View, st: &FrameState, ov: &Overlays) -> Dirty {
        let (w, h) = (self.spec.width, self.spec.height);
        let mut dirty = Dirty::new(w, h);
        for sh in &ov.shapes {
            // The shader's quad: the shape grown by its margin, rotated; icons
            // cover their bounding circle.
            let margin = sh.params[2] + sh.params[3] + 1.5;
            let (ex, ey) = if sh.kind >= 3 {
                let r = sh.half[0].hypot(sh.half[1]) + margin;
                (r, r)
            } else {
                let (sn, c) = sh.params[0].sin_cos();
                let (hx, hy) = (sh.half[0] + margin, sh.half[1] + margin);
                (c.abs() * hx + sn.abs() * hy, sn.abs() * hx + c.abs() * hy)
            };
            let [x, y] = sh.center;
            dirty.mark(x - ex, y - ey, x + ex, y + ey);
        }
        for g in &ov.glyphs {
            let [x, y, gw, gh] = g.rect;
            dirty.mark(x, y, x + gw, y + gh);
        }
        if let Some(route) = &self.route {
            let look = &self.spec.route;
            let s = self.spec.scale();
            // The widest route draw (casing, glow) plus the shader's margin.
            let extent = look.width * s / 2.0 + 1.5 * s + look.glow.max(0.0) * s + 2.0;
            let wp = view.world_px;
            let c = [
                view.center[0] - route.origin[0],
                view.center[1] - route.origin[1],
            ];
            let to_px = |p: [f64; 2]| {
                [
                    ((p[0] - route.origin[0] - c[0]) * wp + w as f64 / 2.0) as f32,
                    ((p[1] - route.origin[1] - c[1]) * wp + h as f64 / 2.0) as f32,
                ]
            };
            let (fw, fh) = (w as f32, h as f32);
            // Where the part ahead is hidden, it draws nothing.
            let ahead = self.spec.trail_full && look.ahead_alpha > 0.0;
            let pts = &self.spec.route_points;
            for (run, (b, km0)) in self.route_runs.iter().enumerate() {
                if !ahead && *km0 > st.vehicle.distance_km {
                    break;
                }
                let x0 = ((b[0] as f64 - c[0]) * wp) as f32 + fw / 2.0 - extent;
                let y0 = ((b[1] as f64 - c[1]) * wp) as f32 + fh / 2.0 - extent;
                let x1 = ((b[2] as f64 - c[0]) * wp) as f32 + fw / 2.0 + extent;
                let y1 = ((b[3] as f64 - c[1]) * wp) as f32 + fh / 2.0 + extent;
                if x1 < 0.0 || y1 < 0.0 || x0 > fw || y0 > fh {
                    continue;
                }
                // Each segment in pieces of at most half a block.
                let first = run * ROUTE_RUN;
                let last = (first + ROUTE_RUN).min(pts.len() - 1);
                for i in first..last {
                    let (a, b) = (to_px(pts[i]), to_px(pts[i + 1]));
                    let len = (b[0] - a[0]).hypot(b[1] - a[1]);
                    let n = ((len / (BLOCK as f32 / 2.0)).ceil() as usize).clamp(1, 4096);
                    for k in 0..n {
                        let (t0, t1) = (k as f32 / n as f32, (k + 1) as f32 / n as f32);
                        let p = [a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0];
                        let q = [a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1];
                        dirty.mark(
                            p[0].min(q[0]) - extent,
                            p[1].min(q[1]) - extent,
                            p[0].max(q[0]) + extent,
                            p[1].max(q[1]) + extent,
                        );
                    }
                }
            }
        }
        dirty
    }

    /// Writes the route uniforms; returns (dynamic offset, world copies) per draw.
    fn write_route_uniforms(&mut self, view: &View, st: &FrameState) -> Vec<(u32, u32)> {
        let Some(route) = &self.route else {
            return Vec::new();
        };
        let look = &self.spec.route;
        let s = self.spec.scale();
        // The route is drawn once, in the camera's (unwrapped) coordinates.
        let (first, count) = (0, 1);
        let base = RouteUniform {
            center: [
                (view.center[0] - route.origin[0]) as f32,
                (view.center[1] - route.origin[1]) as f32,
            ],
            size_px: [view.width as f32, view.height as f32],
            world_px: view.world_px as f32,
            cos_b: view.angle.cos() as f32,
            sin_b: view.angle.sin() as f32,
            first_copy: first as f32,
            color: look.color,
            half_width: look.width * s / 2.0,
            glow: 0.0,
            progress_km: st.vehicle.distance_km as f32,
            ahead_alpha: if self.spec.trail_full {
                look.ahead_alpha
            } else {
                0.0
            },
            mode: 0,
            _pad: [0; 3],
        };
        let mut draws = Vec::new();
        if look.glow > 0.0 && look.glow_alpha > 0.0 {
            let mut u = base;
            u.mode = 1;
            u.glow = look.glow * s;
            u.color = [
                look.color[0],
                look.color[1],
                look.color[2],
                look.color[3] * look.glow_alpha,
            ];
            draws.push(u);
        }
        if let Some(casing) = look.casing {
            let mut u = base;
            u.color = casing;
            u.half_width = base.half_width + 1.5 * s;
            draws.push(u);
        }
        draws.push(base);
        let align = self.shared.pipes.uniform_align.max(256);
        let ctx = &self.shared.ctx;
        draws
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let off = i as u64 * align;
                ctx.queue
                    .write_buffer(&self.route_uniforms, off, bytemuck::bytes_of(u));
                (off as u32, count)
            })
            .collect()
    }

    /// Waits for slot `slot` and hands its frame to `f`: the pixels still in the
    /// mapped readback buffer, or the frame composited from them on the CPU.
    fn finish_frame(
        &mut self,
        slot: usize,
        f: impl FnOnce(RenderedFrame<'_>) -> Result<()>,
    ) -> Result<()> {
        let ctx = self.shared.ctx.clone();
        let rb = &mut self.readback[slot];
        let Some(sub) = rb.submission.take() else {
            return Err(Error::RenderFailed("no frame in flight".into()));
        };
        ctx.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(sub),
                timeout: None,
            })
            .map_err(|e| Error::RenderFailed(format!("GPU wait failed: {e}")))?;
        let (width, height) = (self.spec.width, self.spec.height);
        let result = {
            let data = rb
                .buffer
                .slice(..)
                .get_mapped_range()
                .map_err(|e| Error::RenderFailed(format!("readback failed: {e}")))?;
            f(match &rb.recipe {
                Some(recipe) => RenderedFrame::Composed(ComposedFrame {
                    width,
                    height,
                    recipe,
                    overlay: &data,
                }),
                None => RenderedFrame::Gpu(FrameView {
                    width,
                    height,
                    stride: self.padded_row as usize,
                    data: &data,
                }),
            })
        };
        rb.buffer.unmap();
        // Lets go of the tiles the frame read.
        rb.recipe = None;
        result.and(ctx.check())
    }

    /// Like [`finish_frame`](Self::finish_frame), as RGBA rows.
    fn finish_with(
        &mut self,
        slot: usize,
        f: impl FnOnce(FrameView<'_>) -> Result<()>,
    ) -> Result<()> {
        self.finish_frame(slot, |frame| match frame {
            RenderedFrame::Gpu(view) => f(view),
            RenderedFrame::Composed(c) => {
                let mut out = Frame::default();
                c.copy_to(&mut out)?;
                f(FrameView {
                    width: out.width,
                    height: out.height,
                    stride: out.width as usize * 4,
                    data: &out.rgba,
                })
            }
        })
    }

    /// Waits for slot `slot` and copies its pixels into `out`.
    fn finish(&mut self, slot: usize, out: &mut Frame) -> Result<()> {
        self.finish_with(slot, |view| {
            view.copy_to(out);
            Ok(())
        })
    }

    /// Renders the frame at time `t` (seconds).
    pub fn render_frame(&mut self, t: f64) -> Result<Frame> {
        let mut frame = Frame::default();
        self.render_frame_into(t, &mut frame)?;
        Ok(frame)
    }

    /// Renders the frame at time `t` into `out`, reusing its buffer.
    pub fn render_frame_into(&mut self, t: f64, out: &mut Frame) -> Result<()> {
        // Drain anything a stream left in flight.
        for slot in 0..2 {
            if self.readback[slot].submission.is_some() {
                let mut scratch = Frame::default();
                self.finish(slot, &mut scratch)?;
            }
        }
        self.submit(t, 0, 0)?;
        self.finish(0, out)
    }

    /// Renders every frame in order with two frames in flight, handing each to
    /// `sink(index, frame)`; the frame buffer is reused between calls. Tiles no
    /// later frame needs are released as the video advances.
    pub fn render_all(&mut self, mut sink: impl FnMut(u32, &Frame) -> Result<()>) -> Result<()> {
        let mut frame = Frame::default();
        self.render_all_views(|i, view| {
            view.copy_to(&mut frame);
            sink(i, &frame)
        })
    }

    /// Like [`render_all`](Self::render_all), but hands each frame over where the
    /// GPU left it (padded rows in the mapped readback buffer), saving a copy:
    /// e.g. to convert it to YUV directly.
    pub fn render_all_views(
        &mut self,
        mut sink: impl FnMut(u32, FrameView<'_>) -> Result<()>,
    ) -> Result<()> {
        self.stream(false, |s, slot, index| {
            s.finish_with(slot, |v| sink(index, v))
        })
    }

    /// Renders every frame for a video: like
    /// [`render_all_views`](Self::render_all_views), but on a software GPU frames
    /// whose basemap is composited on the CPU skip the GPU for it — only the
    /// overlays are drawn there and read back — and come as
    /// [`RenderedFrame::Composed`], built strip by strip when the sink asks
    /// (e.g. straight into I420). Other frames come as [`RenderedFrame::Gpu`].
    pub fn render_all_frames(
        &mut self,
        mut sink: impl FnMut(u32, RenderedFrame<'_>) -> Result<()>,
    ) -> Result<()> {
        self.stream(true, |s, slot, index| {
            s.finish_frame(slot, |f| sink(index, f))
        })
    }

    /// Submits every frame with two in flight; `finish(self, slot, index)`
    /// completes each in order.
    fn stream(
        &mut self,
        compose: bool,
        mut finish: impl FnMut(&mut Self, usize, u32) -> Result<()>,
    ) -> Result<()> {
        self.compose = compose;
        let result = (|| {
            let n = self.frame_count();
            let mut pending: std::collections::VecDeque<usize> = Default::default();
            for i in 0..n {
                let slot = self.next_slot;
                self.next_slot = (self.next_slot + 1) % 2;
                if self.readback[slot].submission.is_some() {
                    let done = pending.pop_front().expect("pending frame");
                    let index = self.readback[done].index;
                    finish(self, done, index)?;
                }
                self.submit(self.spec.frame_time(i), slot, i)?;
                pending.push_back(slot);
                self.evict_before(i);
            }
            while let Some(done) = pending.pop_front() {
                let index = self.readback[done].index;
                finish(self, done, index)?;
            }
            Ok(())
        })();
        self.compose = false;
        result
    }

    /// Caps the tile memory this job holds for frames beyond its lookahead
    /// (default 96 MB, reached only at 4K): over it, the tiles needed again
    /// latest are dropped and redrawn (or taken from the shared cache) just
    /// before that use. The frames do not change; only memory and time do.
    pub fn set_live_tile_budget(&mut self, bytes: usize) {
        self.live_tile_bytes = bytes;
    }

    /// Drops tiles whose last planned use is before frame `n`; over the live
    /// tile budget ([`set_live_tile_budget`](Self::set_live_tile_budget)), also the tiles needed again only after the lookahead,
    /// farthest first (Belady), which are rendered again ahead of that use (or
    /// found in the shared cache).
    fn evict_before(&mut self, n: u32) {
        if n % 4 != 0 {
            return;
        }
        let uses = &self.uses;
        let next_use = |li: usize, k: &(i64, i64)| -> Option<u32> {
            let u = uses.get(&(li, k.0, k.1))?;
            u.get(u.partition_point(|&f| f + 2 < n)).copied()
        };
        let mut live = 0usize;
        for (li, level) in self.levels.iter_mut().enumerate() {
            level.tiles.retain(|k, t| {
                let keep = uses.get(&(li, k.0, k.1)).is_none() || next_use(li, k).is_some();
                live += if keep { t.bytes } else { 0 };
                keep
            });
        }
        if live <= self.live_tile_bytes {
            return;
        }
        let mut later: Vec<(u32, usize, (i64, i64), usize)> = Vec::new();
        for (li, level) in self.levels.iter().enumerate() {
            for (k, t) in &level.tiles {
                if let Some(u) = next_use(li, k).filter(|&u| u > n + self.lookahead) {
                    later.push((u, li, *k, t.bytes));
                }
            }
        }
        later.sort_unstable_by_key(|l| std::cmp::Reverse(l.0));
        for (u, li, k, bytes) in later {
            if live <= self.live_tile_bytes {
                break;
            }
            self.levels[li].tiles.remove(&k);
            live -= bytes;
            self.pending.push((u, li, k));
        }
        // Soonest last.
        self.pending.sort_by_key(|p| std::cmp::Reverse(p.0));
    }
}

impl Drop for PreparedJob {
    /// The job's tiles go idle in the shared cache: bring it back within budget
    /// now rather than at the next job's first tile.
    fn drop(&mut self) {
        self.levels.clear();
        if let Ok(mut cache) = self.shared.tile_cache.lock() {
            cache.trim();
        }
    }
}

/// A colour attachment cleared to `color`; multisampled ones are resolved into
/// `resolve` and not stored.
/// Points per route run whose bounds [`PreparedJob::overlay_blocks`] marks.
const ROUTE_RUN: usize = 16;

/// Bounds of runs of [`ROUTE_RUN`] route segments, relative to the first point
/// (as the route mesh), with the distance at each run's start.
fn route_runs(spec: &SceneSpec) -> Vec<([f32; 4], f64)> {
    let pts = &spec.route_points;
    let Some(origin) = pts.first() else {
        return Vec::new();
    };
    (0..pts.len().saturating_sub(1))
        .step_by(ROUTE_RUN)
        .map(|i| {
            let mut b = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
            for p in &pts[i..(i + ROUTE_RUN + 1).min(pts.len())] {
                let (x, y) = ((p[0] - origin[0]) as f32, (p[1] - origin[1]) as f32);
                b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            }
            (b, spec.route_km.get(i).copied().unwrap_or(0.0))
        })
        .collect()
}

fn cleared<'a>(
    view: &'a wgpu::TextureView,
    resolve: Option<&'a wgpu::TextureView>,
    color: [f32; 4],
) -> wgpu::RenderPassColorAttachment<'a> {
    wgpu::RenderPassColorAttachment {
        view,
        depth_slice: None,
        resolve_target: resolve,
        ops: wgpu::Operations {
            load: wgpu::LoadOp::Clear(to_wgpu_color(color)),
            store: if resolve.is_some() {
                wgpu::StoreOp::Discard
            } else {
                wgpu::StoreOp::Store
            },
        },
    }
}

/// The multisampled target tiles are drawn into before the resolve.
fn msaa_target(device: &wgpu::Device, tile_tex: u32, samples: u32) -> wgpu::TextureView {
    let usage = wgpu::TextureUsages::empty();
    render_target(device, "tile msaa", (tile_tex, tile_tex), samples, usage)
        .create_view(&Default::default())
}

/// Draws the cells of `layer` that overlap `region` (Mercator), once per world
/// copy in `copies` (`(first copy, count)`; instance `i` draws copy `first + i`).
fn draw_layer(
    pass: &mut wgpu::RenderPass<'_>,
    layer: &Layer,
    region: &[f64; 4],
    copies: Option<(f32, u32)>,
    margin: f64,
) {
    let Some((first, count)) = copies else { return };
    for cell in &layer.cells {
        let b = cell.bounds;
        if (b[1] as f64) - margin > region[3] || (b[3] as f64) + margin < region[1] {
            continue;
        }
        for i in 0..count {
            let k = first as f64 + i as f64;
            if (b[0] as f64) + k - margin > region[2] || (b[2] as f64) + k + margin < region[0] {
                continue;
            }
            pass.draw_indexed(cell.indices.clone(), 0, i..i + 1);
        }
    }
}
