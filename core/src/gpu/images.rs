//! Equirectangular rasters (Blue Marble, shaded relief) decoded once per process
//! and uploaded with a CPU-built mip chain.

use super::context::GpuContext;
use crate::error::{Error, Result};
use std::path::Path;

/// A mipmapped texture on the GPU.
pub struct GpuImage {
    pub texture: wgpu::Texture,
    pub view: wgpu::TextureView,
    /// Width of mip 0 in texels.
    pub width: u32,
}

/// A CPU image with 1 or 4 bytes per texel.
pub struct CpuImage {
    pub width: u32,
    pub height: u32,
    pub channels: u32,
    pub data: Vec<u8>,
}

impl CpuImage {
    /// Decodes a JPEG/PNG, as RGBA (`channels == 4`) or luminance (`1`), halving
    /// it until it fits in `max_dim`.
    pub fn load(path: &Path, channels: u32, max_dim: u32) -> Result<CpuImage> {
        let img = image::open(path)
            .map_err(|e| Error::RenderFailed(format!("{}: {e}", path.display())))?;
        let (width, height) = (img.width(), img.height());
        let data = if channels == 1 {
            img.into_luma8().into_raw()
        } else {
            // Opaque RGB expanded by hand: `into_rgba8` converts pixel by
            // pixel through a generic path, ~4× slower.
            let rgb = img.into_rgb8().into_raw();
            let mut rgba = vec![255u8; rgb.len() / 3 * 4];
            for (o, i) in rgba.chunks_exact_mut(4).zip(rgb.chunks_exact(3)) {
                o[..3].copy_from_slice(i);
            }
            rgba
        };
        let mut out = CpuImage {
            width,
            height,
            channels: if channels == 1 { 1 } else { 4 },
            data,
        };
        while out.width > max_dim || out.height > max_dim {
            out = out.half();
        }
        Ok(out)
    }

    /// A 2×2 box-filtered half-size copy (an odd last row or column is
    /// averaged with itself).
    pub fn half(&self) -> CpuImage {
        let (w, h) = ((self.width / 2).max(1), (self.height / 2).max(1));
        let c = self.channels as usize;
        let (sw, sh) = (self.width as usize, self.height as usize);
        let row = sw * c;
        let mut data = vec![0u8; w as usize * h as usize * c];
        for (y, out) in data.chunks_exact_mut(w as usize * c).enumerate() {
            let r0 = &self.data[(2 * y).min(sh - 1) * row..][..row];
            let r1 = &self.data[(2 * y + 1).min(sh - 1) * row..][..row];
            if sw >= 2 {
                // Whole 2×2 blocks: texel pairs side by side in both rows.
                for ((o, a), b) in out
                    .chunks_exact_mut(c)
                    .zip(r0.chunks_exact(2 * c))
                    .zip(r1.chunks_exact(2 * c))
                {
                    for k in 0..c {
                        let s = a[k] as u32 + a[c + k] as u32 + b[k] as u32 + b[c + k] as u32;
                        o[k] = ((s + 2) / 4) as u8;
                    }
                }
            } else {
                for k in 0..c {
                    out[k] = (r0[k] as u32 + r1[k] as u32).div_ceil(2) as u8;
                }
            }
        }
        CpuImage {
            width: w,
            height: h,
            channels: self.channels,
            data,
        }
    }

    /// The image and its halvings down to 1×1: the mip chain a texture of it
    /// is uploaded with.
    pub fn mip_chain(self) -> Vec<CpuImage> {
        let mips = 32 - self.width.max(self.height).leading_zeros();
        let mut chain = vec![self];
        while (chain.len() as u32) < mips {
            let next = chain.last().expect("one level").half();
            chain.push(next);
        }
        chain
    }
}

impl GpuImage {
    /// Uploads a mip chain ([`CpuImage::mip_chain`]) as one texture, freeing
    /// each level once it is staged (the imagery's chain is ~77 MB).
    pub fn upload(ctx: &GpuContext, chain: Vec<CpuImage>, label: &str) -> GpuImage {
        let base = &chain[0];
        let (width, channels) = (base.width, base.channels);
        let format = if channels == 1 {
            wgpu::TextureFormat::R8Unorm
        } else {
            wgpu::TextureFormat::Rgba8Unorm
        };
        let texture = ctx.device.create_texture(&wgpu::TextureDescriptor {
            label: Some(label),
            size: wgpu::Extent3d {
                width: base.width,
                height: base.height,
                depth_or_array_layers: 1,
            },
            mip_level_count: chain.len() as u32,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        for (level, cur) in chain.into_iter().enumerate() {
            ctx.queue.write_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &texture,
                    mip_level: level as u32,
                    origin: wgpu::Origin3d::ZERO,
                    aspect: wgpu::TextureAspect::All,
                },
                &cur.data,
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(cur.width * cur.channels),
                    rows_per_image: Some(cur.height),
                },
                wgpu::Extent3d {
                    width: cur.width,
                    height: cur.height,
                    depth_or_array_layers: 1,
                },
            );
        }
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        GpuImage {
            texture,
            view,
            width,
        }
    }

    /// A 1×1 white texture (placeholder binding).
    pub fn white(ctx: &GpuContext) -> GpuImage {
        let img = CpuImage {
            width: 1,
            height: 1,
            channels: 4,
            data: vec![255; 4],
        };
        Self::upload(ctx, vec![img], "white")
    }
}
