//! Video frames composited on the CPU (software GPUs): no full-frame upload,
//! readback or RGBA frame.
//!
//! The GPU draws only the overlays, into a transparent target, and copies back
//! the `BLOCK`-sized blocks they touch (`Dirty`). The frame is then built in
//! I420 (`planes.rs`): the basemap copied or magnified out of the tiles' planes
//! (`Base`), the overlays blended over it (premultiplied "over", which is
//! associative, so the result matches drawing them onto the basemap).

use super::cpu_sample::Grid;
use super::frame::Frame;
pub(crate) use super::planes::Base;
use super::planes::{base_i420, blend_overlays, YuvTile};
use crate::encode::yuv::i420_to_rgba;
use crate::encode::I420Image;
use crate::error::Result;
use std::collections::HashMap;
use std::sync::Arc;

/// Side of the blocks overlays are tracked and read back in (pixels): small
/// enough that thin overlays (route, text) mark little beyond themselves.
pub(crate) const BLOCK: u32 = 32;

/// The frame blocks that overlays may have drawn into.
#[derive(Debug, Clone)]
pub(crate) struct Dirty {
    width: u32,
    height: u32,
    cols: u32,
    rows: u32,
    marked: Vec<bool>,
}

impl Dirty {
    pub(crate) fn new(width: u32, height: u32) -> Self {
        let (cols, rows) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
        Dirty {
            width,
            height,
            cols,
            rows,
            marked: vec![false; (cols * rows) as usize],
        }
    }

    /// Marks the blocks a primitive with these pixel bounds can touch (grown by
    /// a pixel for rasterisation at its edges).
    pub(crate) fn mark(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) {
        if !(x0 <= x1 && y0 <= y1) {
            return;
        }
        let (w, h) = (self.width as f32, self.height as f32);
        if x1 < -1.0 || y1 < -1.0 || x0 > w + 1.0 || y0 > h + 1.0 {
            return;
        }
        let b = BLOCK as f32;
        let c0 = ((x0 - 1.0).max(0.0) / b) as u32;
        let r0 = ((y0 - 1.0).max(0.0) / b) as u32;
        let c1 = (((x1 + 1.0).min(w - 1.0).max(0.0) / b) as u32).min(self.cols - 1);
        let r1 = (((y1 + 1.0).min(h - 1.0).max(0.0) / b) as u32).min(self.rows - 1);
        for r in r0..=r1 {
            let row = (r * self.cols) as usize;
            self.marked[row + c0 as usize..=row + c1 as usize].fill(true);
        }
    }

    /// The marked blocks as horizontal runs, each read back at its own offset,
    /// top to bottom.
    pub(crate) fn runs(&self) -> Vec<Run> {
        let mut runs = Vec::new();
        let mut offset = 0;
        for r in 0..self.rows {
            let row = &self.marked[(r * self.cols) as usize..][..self.cols as usize];
            let mut c = 0;
            while c < self.cols {
                if !row[c as usize] {
                    c += 1;
                    continue;
                }
                let start = c;
                while c < self.cols && row[c as usize] {
                    c += 1;
                }
                let x = start * BLOCK;
                let y = r * BLOCK;
                let w = (c * BLOCK).min(self.width) - x;
                let h = BLOCK.min(self.height - y);
                let stride = (w as usize * 4).div_ceil(256) * 256;
                runs.push(Run {
                    x,
                    y,
                    w,
                    h,
                    offset,
                    stride,
                });
                offset += stride * h as usize;
            }
        }
        runs
    }
}

/// A rectangle of the overlay target, read back at `offset` with rows `stride`
/// bytes apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub offset: usize,
    pub stride: usize,
}

impl Run {
    /// The run's rectangle in `texture` (the overlay target).
    pub(crate) fn texel<'a>(&self, texture: &'a wgpu::Texture) -> wgpu::TexelCopyTextureInfo<'a> {
        wgpu::TexelCopyTextureInfo {
            texture,
            mip_level: 0,
            origin: wgpu::Origin3d {
                x: self.x,
                y: self.y,
                z: 0,
            },
            aspect: wgpu::TextureAspect::All,
        }
    }

    /// The run's size.
    pub(crate) fn extent(&self) -> wgpu::Extent3d {
        wgpu::Extent3d {
            width: self.w,
            height: self.h,
            depth_or_array_layers: 1,
        }
    }
}

/// What a composited frame needs once its overlays are back: the basemap recipe
/// and the tiles it reads (held, so evicting them meanwhile is harmless).
#[derive(Debug)]
pub(crate) struct Recipe {
    pub base: Base,
    pub grid: Grid,
    pub tiles: HashMap<(i64, i64), Arc<YuvTile>>,
    pub runs: Vec<Run>,
}

/// A video frame composited on the CPU from its recipe and its overlays (read
/// back into `overlay` as described by the recipe's runs).
pub struct ComposedFrame<'a> {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) recipe: &'a Recipe,
    pub(crate) overlay: &'a [u8],
}

impl ComposedFrame<'_> {
    /// Frame size in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Writes the frame into `out` as I420 (resized as needed): the basemap
    /// from the tiles' planes, the overlays blended over it.
    pub fn write_i420(&self, out: &mut I420Image) -> Result<()> {
        out.resize(self.width, self.height);
        let r = self.recipe;
        base_i420(out, r.base, r.grid, &r.tiles);
        blend_overlays(out, self.overlay, &r.runs);
        Ok(())
    }

    /// Copies the frame into `out` as RGBA (by way of I420, so with its
    /// chroma subsampled).
    pub fn copy_to(&self, out: &mut Frame) -> Result<()> {
        let mut yuv = I420Image::default();
        self.write_i420(&mut yuv)?;
        out.width = self.width;
        out.height = self.height;
        i420_to_rgba(&yuv, &mut out.rgba)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirty_blocks_become_runs_with_aligned_rows() {
        let b = BLOCK;
        let mut d = Dirty::new(6 * b + 8, 4 * b + 2);
        assert!(d.runs().is_empty());
        // Blocks (0, 0) and (1, 0) from one primitive, (6, 4) (clipped) from another.
        d.mark(10.0, 10.0, b as f32 + 6.0, 20.0);
        d.mark((6 * b + 3) as f32, (4 * b + 1) as f32, 1e4, 1e4);
        let runs = d.runs();
        assert_eq!(runs.len(), 2);
        assert_eq!(
            (runs[0].x, runs[0].y, runs[0].w, runs[0].h),
            (0, 0, 2 * b, b)
        );
        let stride = (2 * b as usize * 4).div_ceil(256) * 256;
        assert_eq!((runs[0].offset, runs[0].stride), (0, stride));
        assert_eq!(
            (runs[1].x, runs[1].y, runs[1].w, runs[1].h),
            (6 * b, 4 * b, 8, 2)
        );
        assert_eq!((runs[1].offset, runs[1].stride), (stride * b as usize, 256));
        // Off-frame and inverted bounds mark nothing.
        let mut e = Dirty::new(200, 130);
        e.mark(-50.0, 10.0, -5.0, 20.0);
        e.mark(50.0, 10.0, 40.0, 20.0);
        assert!(e.runs().is_empty());
    }
}
