//! Setup a job's first frame waits on that needs no GPU: tessellating the
//! basemap bands of its first frames, decoding the imagery or relief raster its
//! tiles sample, loading the fonts. [`Warmup::start`] runs it on background
//! threads, so that it overlaps opening the GPU (the first job of a process)
//! and the rest of the job's setup; [`Renderer::prepare_warm`] takes it over.

use super::shared::Part;
use super::tiles::{copy_zooms, level_zoom, parts_for, tile_tex_for, SETUP_FRAMES};
use super::*;
use std::thread::JoinHandle;

/// A band tessellation under way.
pub(super) type Tessellation = JoinHandle<Result<BandMeshes>>;
/// A raster decode (with its mip chain) under way.
pub(super) type Decode = JoinHandle<Result<Vec<CpuImage>>>;
/// A tessellation with the part it makes.
pub(super) type BandJob = (Part, Tessellation);
/// A decode with its raster (relief: `true`, or imagery).
pub(super) type RasterJob = (bool, Decode);

/// Largest raster side decoded ahead, before the GPU's limit is known (the
/// renderer halves a raster that its GPU cannot hold).
const RASTER_MAX: u32 = 8192;

/// A job's scene and the GPU-free setup under way for it.
pub struct Warmup {
    pub(super) spec: SceneSpec,
    pub(super) states: Box<dyn Fn(f64) -> FrameState + Send + Sync>,
    pub(super) bands: Vec<BandJob>,
    pub(super) rasters: Vec<RasterJob>,
    /// Made for the bundled basemap (no renderer was open yet).
    pub(super) bundled: bool,
}

impl std::fmt::Debug for Warmup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warmup")
            .field("bands", &self.bands.iter().map(|b| b.0).collect::<Vec<_>>())
            .field(
                "rasters",
                &self.rasters.iter().map(|r| r.0).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Warmup {
    /// Starts what `job` along `route` needs and `renderer` (the one that will
    /// prepare it, if already open; else the bundled basemap's) does not have
    /// yet.
    pub fn start(
        job: &crate::job::Job,
        route: &crate::route::Route,
        renderer: Option<&Renderer>,
    ) -> Result<Warmup> {
        let spec = crate::scene::from_job::scene_spec(job, route)?;
        let states = crate::scene::from_job::frame_states(job, route);
        Ok(Self::for_scene(spec, states, renderer))
    }

    /// [`start`](Self::start) for a scene.
    pub fn for_scene(
        spec: SceneSpec,
        states: Box<dyn Fn(f64) -> FrameState + Send + Sync>,
        renderer: Option<&Renderer>,
    ) -> Warmup {
        let shared = renderer.map(|r| &r.shared);
        let source: Arc<dyn BasemapSource> = match shared {
            Some(s) => s.source.clone(),
            None => {
                // The first `prepare` needs them; meanwhile here.
                std::thread::spawn(Fonts::get);
                Arc::new(super::super::AssetBasemap)
            }
        };
        // The band parts of the frames `prepare` draws tiles for, in order of
        // use: wherever such a frame's tiles (up to a tile beyond the frame)
        // may reach.
        let n = spec.frame_count();
        let frames: Vec<FrameState> = (0..n).map(|i| states(spec.frame_time(i))).collect();
        let held = copy_zooms(&frames);
        let (w, h) = (spec.width as f64, spec.height as f64);
        let tile = tile_tex_for(spec.width, spec.height) as f64;
        let countries = spec.style.country_fills && !spec.style.imagery;
        let mut parts: Vec<Part> = Vec::new();
        for st in frames.iter().take(SETUP_FRAMES as usize) {
            let zoom = level_zoom(&held, &st.camera);
            let wp = world_px(zoom, spec.height);
            // Magnified levels show at most the frame; their tiles reach a
            // tile (and a line's width) beyond it.
            let reach = [(w / 2.0 + tile) / wp + 0.01, (h / 2.0 + tile) / wp + 0.01];
            let c = st.camera.center;
            let region = [
                c[0] - reach[0],
                c[1] - reach[1],
                c[0] + reach[0],
                c[1] + reach[1],
            ];
            let band = source.band_for_zoom(zoom);
            parts.extend(parts_for(&*source, band, region, countries));
        }
        let mut seen = HashSet::new();
        parts.retain(|p| seen.insert(*p) && !shared.is_some_and(|s| s.has_band(*p)));
        let bands = parts
            .into_iter()
            .map(|part| {
                let source = source.clone();
                let job = std::thread::spawn(move || {
                    if part.countries {
                        source.countries(part.band, part.sector)
                    } else {
                        source.band(part.band, part.sector)
                    }
                });
                (part, job)
            })
            .collect();
        let mut rasters = Vec::new();
        for (relief, used) in [(false, spec.style.imagery), (true, spec.hillshade)] {
            if used && !shared.is_some_and(|s| s.has_raster(relief)) {
                let source = source.clone();
                let job = std::thread::spawn(move || decode_raster(&*source, relief, RASTER_MAX));
                rasters.push((relief, job));
            }
        }
        Warmup {
            spec,
            states,
            bands,
            rasters,
            bundled: shared.is_none(),
        }
    }
}

/// Decodes the relief (grey) or imagery (RGBA) raster, halved until no side
/// exceeds `max`, with its mip chain.
pub(super) fn decode_raster(
    source: &dyn BasemapSource,
    relief: bool,
    max: u32,
) -> Result<Vec<CpuImage>> {
    let img = if relief {
        CpuImage::load(&source.relief_path()?, 1, max.min(5400))?
    } else {
        CpuImage::load(&source.imagery_path()?, 4, max)?
    };
    Ok(img.mip_chain())
}

impl Renderer {
    /// Prepares a job whose GPU-free setup [`Warmup::start`] began: like
    /// [`prepare`](Self::prepare), taking over the bands and rasters under way.
    pub fn prepare_warm(&self, warm: Warmup) -> Result<PreparedJob> {
        let Warmup {
            spec,
            states,
            bands,
            rasters,
            bundled,
        } = warm;
        // Work for the bundled basemap is no use to a renderer of another source.
        if !bundled || self.shared.bundled {
            self.shared.adopt(bands, rasters);
        }
        self.prepare_scene(spec, states)
    }
}
