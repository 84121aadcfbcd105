//! The frame renderer.
//!
//! Speed on a software GPU (SPEC section 9) comes from drawing as little as
//! possible per frame:
//! - the styled basemap is rendered once into cached tiles at the zoom levels
//!   the camera path needs (`Level`s), with 4× MSAA on hardware GPUs (one
//!   sample on software GPUs, see `tile_samples`);
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
//!
//! Here: [`Renderer`], [`PreparedJob`] and the per-frame submit and readback.
//! Beside it: `tiles` (levels, tile planning, eviction, the shared tile
//! cache), `tile_pass` (drawing tiles), `overlays` (route mesh and uniforms,
//! glyph atlas, the blocks overlays touch), `shared` (bands, rasters and
//! caches shared by jobs), `targets` (buffers and render targets).

use super::composed::{Base, ComposedFrame, Dirty, Recipe, BLOCK};
use super::context::GpuContext;
use super::cpu_sample::{self, TilePixels};
use super::frame::{Frame, FrameView, RenderedFrame};
use super::images::{CpuImage, GpuImage};
use super::pipelines::{FrameUniform, Pipelines, QuadInstance, RouteUniform, TileUniform, FORMAT};
use super::planes::YuvTile;
use crate::error::{Error, Result};
use crate::scene::basemap::{
    BandMeshes, Layer, Sector, CLASS_LAKE, LINE_BORDER, LINE_COAST, LINE_LANE,
};
use crate::scene::mesh::{stroke_polyline, LineVertex, Mesh};
use crate::scene::text::{Fonts, GlyphAtlas};
use crate::scene::{
    build_overlays, world_px, Camera, FrameState, GlyphInstance, Overlays, SceneSpec,
    ShapeInstance, View,
};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use wgpu::util::DeviceExt;

mod overlays;
mod shared;
mod targets;
mod tile_pass;
mod tiles;
mod warmup;

use overlays::{clear_blocks, route_runs, GpuRoute};
use shared::{buffer, Part, Shared};
use targets::{frame_texture, upload_frame, GrowBuffer, Readback, Upload};
use tile_pass::cleared;
use tiles::{
    Composite, Level, TileCache, LIVE_TILE_BYTES, LOOKAHEAD, TILE_BATCH, TILE_UNIFORM_STRIDE,
};
pub use warmup::Warmup;

/// Gutter around each tile (so bilinear sampling at tile edges reads real pixels).
pub const PAD: i64 = 2;
/// Zoom spacing of the levels used while the zoom changes.
pub const SAMPLED_STEP: f64 = 0.5;

/// Where the basemap geometry and rasters come from.
pub trait BasemapSource: Send + Sync {
    /// The detail band to use at a zoom level.
    fn band_for_zoom(&self, zoom: f64) -> usize;
    /// Sectors per side of the world band `index` is tessellated in (1: whole).
    fn sectors_per_side(&self, _index: usize) -> u32 {
        1
    }
    /// The tessellated geometry of a band in `sector` (called once per part
    /// per renderer).
    fn band(&self, index: usize, sector: Sector) -> Result<BandMeshes>;
    /// The country polygons of a band in `sector` (only its `fill` mesh and
    /// `countries` layer), tessellated only for styles with country fills;
    /// none by default.
    fn countries(&self, _index: usize, _sector: Sector) -> Result<BandMeshes> {
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

impl Renderer {
    /// Opens the GPU and uses the bundled basemap (`assets/`).
    pub fn new() -> Result<Renderer> {
        Self::open(GpuContext::new()?, Arc::new(super::AssetBasemap), true)
    }

    /// A renderer on an existing context with a given basemap source.
    pub fn with_source(ctx: Arc<GpuContext>, source: Arc<dyn BasemapSource>) -> Result<Renderer> {
        Self::open(ctx, source, false)
    }

    fn open(
        ctx: Arc<GpuContext>,
        source: Arc<dyn BasemapSource>,
        bundled: bool,
    ) -> Result<Renderer> {
        let pipes = Pipelines::new(&ctx);
        let white = Arc::new(GpuImage::white(&ctx));
        Ok(Renderer {
            shared: Arc::new(Shared {
                pipes,
                source,
                bands: Mutex::new(HashMap::new()),
                bands_ahead: Mutex::new(HashMap::new()),
                imagery: Mutex::new(None),
                relief: Mutex::new(None),
                rasters_ahead: Mutex::new(HashMap::new()),
                bundled,
                white,
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
    /// candidates, basemap tiles (setup cost is paid here, once). The bands and
    /// rasters it needs first are tessellated and decoded in parallel
    /// ([`Warmup`]).
    pub fn prepare(
        &self,
        job: &crate::job::Job,
        route: &crate::route::Route,
    ) -> Result<PreparedJob> {
        self.prepare_warm(Warmup::start(job, route, Some(self))?)
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
    /// Tiles are read back as I420 planes (video composited on the CPU).
    tile_yuv: bool,
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
        shared.tile_cache.lock().unwrap().release_other_composites(
            spec.style.name,
            spec.hillshade,
            spec.height,
        );
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
        let tile_tex = tiles::tile_tex_for(spec.width, spec.height);
        let tile = tile_tex as i64 - 2 * PAD;
        // Created on the first multisampled tile batch.
        let msaa = None;

        // Glyph atlas.
        let atlas_size = if spec.height > 1440 { 2048 } else { 1024 };
        // Loaded once per process (ahead by `Warmup` for the first job).
        let atlas = GlyphAtlas::new(Fonts::get()?, atlas_size);
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
            tile_yuv: false,
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

    /// Builds the overlay instances of a frame at time `t` without drawing
    /// (labels, vehicle position, HUD) — for tests and tools.
    pub fn overlays(&mut self, t: f64) -> Overlays {
        let st = self.state(t);
        let (view, _) = self.choose(&st);
        build_overlays(&self.spec, &st, &view, &mut self.atlas)
    }

    /// How the frame's basemap is composited on the CPU (software GPUs), if it
    /// can be: tiles copied at the level's zoom, or magnified from a finer
    /// zoom when unrotated and every tile is in memory.
    fn cpu_base(&self, view: &View, comp: Composite, tiles: &[(i64, i64)]) -> Option<Base> {
        let (w, h) = (self.spec.width, self.spec.height);
        let level = match comp {
            Composite::Copy(li, _) | Composite::Sampled(li) => &self.levels[li],
        };
        match comp {
            Composite::Copy(_, tl) if self.tiles_on_cpu_only() => Some(Base::Copy(tl)),
            Composite::Sampled(_)
                if self.cpu_sample
                    && view.angle == 0.0
                    && view.world_px >= level.world_px
                    && tiles.iter().all(|k| {
                        level.tiles.get(k).is_none_or(|t| {
                            t.pixels.is_some() || (self.tile_yuv && t.yuv.is_some())
                        })
                    }) =>
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
        }
    }

    /// Records and submits frame `t` into readback slot `slot`.
    fn submit(&mut self, t: f64, slot: usize, index: u32) -> Result<()> {
        let (tile, tile_tex) = (self.tile, self.tile_tex);
        let st = self.state(t);
        let (view, comp) = self.choose(&st);
        let (li, tiles, outside) = self.footprint(&view, comp);
        let frame = (t * self.spec.fps as f64).round() as u32;
        self.ensure_tiles(frame, li, &tiles)?;
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
        // Video frames composited on the CPU read the tiles' planes.
        let mut planes = HashMap::new();
        if self.tile_yuv {
            for &k in &tiles {
                if let Some(y) = self.yuv_tile(li, k)? {
                    planes.insert(k, y);
                }
            }
        }
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
        let cpu_base = self.cpu_base(&view, comp, &tiles);
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
            (Some(base), _) if self.tile_yuv => {
                // Only the overlays go through the GPU; the frame is built on
                // the CPU in I420 when they are back (`ComposedFrame`).
                let tiles = std::mem::take(&mut planes);
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
            let zeros = &mut self.zeros;
            clear_blocks(
                &ctx.device,
                &mut encoder,
                zeros,
                &self.frame_tex,
                self.padded_row,
                &runs,
            );
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
            self.draw_overlays(&mut pass, &st, &ov, &route_draws);
        }
        let rb = &mut self.readback[slot];
        rb.record(&mut encoder, &self.frame_tex, self.padded_row, recipe, runs);
        let buf = rb.buffer.clone();
        encoder.map_buffer_on_submit(&buf, wgpu::MapMode::Read, .., |_| {});
        rb.submission = Some(ctx.queue.submit([encoder.finish()]));
        rb.index = index;
        Ok(())
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
        self.tile_yuv = compose && self.tiles_on_cpu_only();
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
        self.tile_yuv = false;
        result
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
