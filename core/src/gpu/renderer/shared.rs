//! What the jobs of a renderer share: the GPU context and pipelines, the
//! tessellated band parts uploaded once, the imagery and relief rasters and
//! the tile cache.

use super::warmup::{decode_raster, BandJob, Decode, RasterJob, Tessellation};
use super::*;

pub(super) type BandSlot = Arc<Mutex<Option<Arc<GpuBand>>>>;

/// What a band is tessellated in parts of: band index, country polygons (or
/// the rest), sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Part {
    pub band: usize,
    pub countries: bool,
    pub sector: Sector,
}

pub(super) struct GpuBand {
    pub(super) fill_vb: wgpu::Buffer,
    pub(super) fill_ib: wgpu::Buffer,
    pub(super) line_vb: Option<wgpu::Buffer>,
    pub(super) line_ib: Option<wgpu::Buffer>,
    pub(super) m: BandMeshes,
}

pub(crate) struct Shared {
    pub ctx: Arc<GpuContext>,
    pub pipes: Pipelines,
    pub(super) source: Arc<dyn BasemapSource>,
    /// Tessellated bands (and their country polygons: `true`); one slot each so
    /// a band is built once even when jobs (or the background prefetch) ask for
    /// it concurrently.
    pub(super) bands: Mutex<HashMap<Part, BandSlot>>,
    /// Tessellations started ahead ([`Warmup`](super::Warmup)), taken by the
    /// first [`band_part`](Self::band_part) of their band.
    pub(super) bands_ahead: Mutex<HashMap<Part, Tessellation>>,
    pub(super) imagery: Mutex<Option<Arc<GpuImage>>>,
    pub(super) relief: Mutex<Option<Arc<GpuImage>>>,
    /// Raster decodes started ahead (relief: `true`), taken by [`raster`](Self::raster).
    pub(super) rasters_ahead: Mutex<HashMap<bool, Decode>>,
    /// The source is the bundled basemap.
    pub(super) bundled: bool,
    pub(super) white: Arc<GpuImage>,
    pub(super) tile_cache: Mutex<TileCache>,
}

pub(super) fn buffer(
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

impl Shared {
    /// Whether band part `key` is tessellated (or being tessellated).
    pub(super) fn has_band(&self, key: Part) -> bool {
        let slot = self.bands.lock().unwrap().get(&key).cloned();
        slot.is_some_and(|s| s.try_lock().map_or(true, |b| b.is_some()))
    }

    /// Whether the relief (`true`) or imagery raster is loaded (or loading).
    pub(super) fn has_raster(&self, relief: bool) -> bool {
        let slot = if relief { &self.relief } else { &self.imagery };
        slot.try_lock().map_or(true, |r| r.is_some())
    }

    /// Takes over tessellations and raster decodes started ahead, except those
    /// of parts already here (dropped; their threads finish on their own).
    pub(super) fn adopt(&self, bands: Vec<BandJob>, rasters: Vec<RasterJob>) {
        for (key, job) in bands {
            let slot = self.bands.lock().unwrap().entry(key).or_default().clone();
            let slot = slot.lock().unwrap();
            if slot.is_none() {
                self.bands_ahead.lock().unwrap().insert(key, job);
            }
        }
        for (relief, job) in rasters {
            let slot = if relief { &self.relief } else { &self.imagery };
            let slot = slot.lock().unwrap();
            if slot.is_none() {
                self.rasters_ahead.lock().unwrap().insert(relief, job);
            }
        }
    }

    pub(super) fn band_part(&self, key: Part) -> Result<Arc<GpuBand>> {
        let Part {
            band: index,
            countries,
            sector,
        } = key;
        let slot = self.bands.lock().unwrap().entry(key).or_default().clone();
        let mut slot = slot.lock().unwrap();
        if let Some(b) = slot.as_ref() {
            return Ok(b.clone());
        }
        let ahead = self.bands_ahead.lock().unwrap().remove(&key);
        let mut m = match ahead {
            Some(job) => job
                .join()
                .map_err(|_| Error::RenderFailed(format!("tessellating band {index} failed")))??,
            None if countries => self.source.countries(index, sector)?,
            None => self.source.band(index, sector)?,
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
    pub(super) fn release_unused_rasters(&self, imagery: bool, relief: bool) {
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

    pub(super) fn raster(&self, relief: bool) -> Result<Arc<GpuImage>> {
        let slot = if relief { &self.relief } else { &self.imagery };
        let mut guard = slot.lock().unwrap();
        if let Some(img) = guard.as_ref() {
            return Ok(img.clone());
        }
        let max = self.ctx.limits.max_texture_dimension_2d.min(8192);
        let ahead = self.rasters_ahead.lock().unwrap().remove(&relief);
        let mut chain = match ahead {
            Some(job) => job
                .join()
                .map_err(|_| Error::RenderFailed("decoding a raster failed".into()))??,
            None => decode_raster(&*self.source, relief, max)?,
        };
        // Decoded ahead before the GPU's limit was known: drop the mips it
        // cannot hold.
        let fits = |i: &CpuImage| i.width <= max && i.height <= max;
        let first = chain.iter().position(fits).unwrap_or(chain.len() - 1);
        chain.drain(..first);
        let label = if relief { "relief" } else { "imagery" };
        let gpu = Arc::new(GpuImage::upload(&self.ctx, chain, label));
        *guard = Some(gpu.clone());
        Ok(gpu)
    }
}
