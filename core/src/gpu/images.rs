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
        let mut out = if channels == 1 {
            let l = img.into_luma8();
            CpuImage {
                width: l.width(),
                height: l.height(),
                channels: 1,
                data: l.into_raw(),
            }
        } else {
            let l = img.into_rgba8();
            CpuImage {
                width: l.width(),
                height: l.height(),
                channels: 4,
                data: l.into_raw(),
            }
        };
        while out.width > max_dim || out.height > max_dim {
            out = out.half();
        }
        Ok(out)
    }

    /// A 2×2 box-filtered half-size copy.
    pub fn half(&self) -> CpuImage {
        let (w, h) = ((self.width / 2).max(1), (self.height / 2).max(1));
        let c = self.channels as usize;
        let mut data = vec![0u8; w as usize * h as usize * c];
        let sw = self.width as usize;
        for y in 0..h as usize {
            let y0 = (2 * y).min(self.height as usize - 1);
            let y1 = (2 * y + 1).min(self.height as usize - 1);
            for x in 0..w as usize {
                let x0 = (2 * x).min(sw - 1);
                let x1 = (2 * x + 1).min(sw - 1);
                for k in 0..c {
                    let s = self.data[(y0 * sw + x0) * c + k] as u32
                        + self.data[(y0 * sw + x1) * c + k] as u32
                        + self.data[(y1 * sw + x0) * c + k] as u32
                        + self.data[(y1 * sw + x1) * c + k] as u32;
                    data[(y * w as usize + x) * c + k] = ((s + 2) / 4) as u8;
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
}

impl GpuImage {
    /// Uploads `img` with a full mip chain.
    pub fn upload(ctx: &GpuContext, img: &CpuImage, label: &str) -> GpuImage {
        let mips = 32 - img.width.max(img.height).leading_zeros();
        let format = if img.channels == 1 {
            wgpu::TextureFormat::R8Unorm
        } else {
            wgpu::TextureFormat::Rgba8Unorm
        };
        let texture = ctx.device.create_texture(&wgpu::TextureDescriptor {
            label: Some(label),
            size: wgpu::Extent3d {
                width: img.width,
                height: img.height,
                depth_or_array_layers: 1,
            },
            mip_level_count: mips,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let mut level_img: Option<CpuImage> = None;
        for level in 0..mips {
            let cur = level_img.as_ref().unwrap_or(img);
            ctx.queue.write_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &texture,
                    mip_level: level,
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
            if level + 1 < mips {
                level_img = Some(cur.half());
            }
        }
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        GpuImage {
            texture,
            view,
            width: img.width,
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
        Self::upload(ctx, &img, "white")
    }
}
