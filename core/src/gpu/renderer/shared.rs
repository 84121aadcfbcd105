//! What the jobs of a renderer share: the GPU context and pipelines, the
//! tessellated bands uploaded once, the imagery and relief rasters, fonts
//! and the tile cache.

use super::*;

pub(super) type BandSlot = Arc<Mutex<Option<Arc<GpuBand>>>>;

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
    pub(super) bands: Mutex<HashMap<(usize, bool), BandSlot>>,
    pub(super) imagery: Mutex<Option<Arc<GpuImage>>>,
    pub(super) relief: Mutex<Option<Arc<GpuImage>>>,
    pub(super) white: Arc<GpuImage>,
    pub(super) fonts: Arc<Fonts>,
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
    pub(super) fn band(&self, index: usize) -> Result<Arc<GpuBand>> {
        self.band_part(index, false)
    }

    /// The country polygons of band `index`.
    pub(super) fn countries(&self, index: usize) -> Result<Arc<GpuBand>> {
        self.band_part(index, true)
    }

    pub(super) fn band_part(&self, index: usize, countries: bool) -> Result<Arc<GpuBand>> {
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
