//! Video frames composited on the CPU (software GPUs): no full-frame upload,
//! readback or RGBA frame.
//!
//! The GPU draws only the overlays, into a transparent target, and copies back
//! the `BLOCK`-sized blocks they touch (`Dirty`). The frame is then built
//! strip by strip while it stays in cache: the basemap copied or magnified out of
//! the tiles (`Base`), the overlays blended over it (premultiplied "over",
//! which is associative, so the result matches drawing them onto the basemap),
//! and the strip converted to I420 for the encoder.

use super::cpu_sample::{self, Grid, Mapping, Resampler, TilePixels};
use super::frame::Frame;
use crate::encode::{rgba_rows_to_i420, I420Image};
use crate::error::Result;
use std::collections::HashMap;

/// Side of the blocks overlays are tracked and read back in (pixels); 64 RGBA
/// pixels are 256 bytes, the copy row alignment.
pub(crate) const BLOCK: u32 = 64;
/// Rows composited at a time (even, for 4:2:0 chroma).
const STRIP: usize = 16;

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

/// How a frame's basemap comes out of one level's tiles.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Base {
    /// Unscaled, the frame's top-left at this level pixel.
    Copy([i64; 2]),
    /// Magnified.
    Resample(Mapping),
}

/// What a composited frame needs once its overlays are back: the basemap recipe
/// and the tiles it reads (held, so evicting them meanwhile is harmless).
#[derive(Debug)]
pub(crate) struct Recipe {
    pub base: Base,
    pub grid: Grid,
    pub tiles: HashMap<(i64, i64), TilePixels>,
    pub runs: Vec<Run>,
}

/// A frame composited on the CPU from its recipe and its overlays (read back into
/// `overlay` as described by the recipe's runs).
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

    /// Builds the frame strip by strip: `f(first row, rows, RGBA rows tightly
    /// packed)`; strips are `strip` rows (the last may be shorter).
    fn strips(
        &self,
        strip: usize,
        mut f: impl FnMut(usize, usize, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let (w, h) = (self.width as usize, self.height as usize);
        let row = w * 4;
        let r = self.recipe;
        let at = |tx: i64, ty: i64| r.tiles.get(&(tx, ty)).map(|p| &p[..]);
        let resampler = match r.base {
            Base::Resample(map) => Some(Resampler::new(map, r.grid)),
            Base::Copy(_) => None,
        };
        let mut buf = vec![0u8; row * strip];
        let mut y0 = 0;
        while y0 < h {
            let n = strip.min(h - y0);
            let out = &mut buf[..row * n];
            match (&r.base, &resampler) {
                (Base::Copy(tl), _) => {
                    cpu_sample::copy(out, row, (w, n), [tl[0], tl[1] + y0 as i64], r.grid, at)
                }
                (_, Some(rs)) => rs.rows(out, row, y0, n, &at),
                (Base::Resample(_), None) => unreachable!("a resampler is made for Resample"),
            }
            for run in &r.runs {
                let (ry0, ry1) = (run.y as usize, (run.y + run.h) as usize);
                if ry1 <= y0 || ry0 >= y0 + n {
                    continue;
                }
                let (x0, x1) = (run.x as usize * 4, (run.x + run.w) as usize * 4);
                for y in ry0.max(y0)..ry1.min(y0 + n) {
                    let src = &self.overlay[run.offset + (y - ry0) * run.stride..][..x1 - x0];
                    over(&mut out[(y - y0) * row + x0..(y - y0) * row + x1], src);
                }
            }
            f(y0, n, out)?;
            y0 += n;
        }
        Ok(())
    }

    /// Writes the frame into `out` as I420 (resized as needed).
    pub fn write_i420(&self, out: &mut I420Image) -> Result<()> {
        out.resize(self.width, self.height);
        let row = self.width as usize * 4;
        self.strips(STRIP, |y0, n, rgba| {
            rgba_rows_to_i420(rgba, row, out, y0 as u32, n as u32)
        })
    }

    /// Copies the frame into `out`, tightly packed RGBA (reusing its buffer).
    pub fn copy_to(&self, out: &mut Frame) -> Result<()> {
        let row = self.width as usize * 4;
        out.width = self.width;
        out.height = self.height;
        out.rgba.resize(row * self.height as usize, 0);
        let dst = &mut out.rgba;
        self.strips(STRIP, |y0, n, rgba| {
            dst[y0 * row..(y0 + n) * row].copy_from_slice(rgba);
            Ok(())
        })
    }

    /// The frame shrunk by `factor` (as [`FrameView::shrink`](super::FrameView::shrink)).
    pub fn shrink(&self, factor: u32) -> Result<Frame> {
        let k = factor.max(1) as usize;
        let (w, h) = (self.width as usize / k, self.height as usize / k);
        let mut rgba = Vec::with_capacity(w * h * 4);
        self.strips(k, |_, n, strip| {
            if n == k && rgba.len() < w * h * 4 {
                let view = super::FrameView {
                    width: self.width,
                    height: k as u32,
                    stride: self.width as usize * 4,
                    data: strip,
                };
                rgba.extend_from_slice(&view.shrink(k as u32).rgba);
            }
            Ok(())
        })?;
        Ok(Frame {
            width: w as u32,
            height: h as u32,
            rgba,
        })
    }
}

/// `dst = src + dst · (1 − src.a)` per RGBA8 pixel, `src` premultiplied.
fn over(dst: &mut [u8], src: &[u8]) {
    let n = dst.len().min(src.len()) / 4 * 4;
    let (dst, src) = (&mut dst[..n], &src[..n]);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked above).
        return unsafe { over_avx2(dst, src) };
    }
    over_pixels(dst, src)
}

/// Eight pixels at a time in 16-bit lanes; blocks of transparent pixels (most
/// of them) are skipped.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn over_avx2(dst: &mut [u8], src: &[u8]) {
    use std::arch::x86_64::*;
    let chunks = dst.len() / 32;
    // Alpha of each pixel in all four of its 16-bit lanes (per 128-bit half).
    let alpha = _mm256_setr_epi8(
        6, -1, 6, -1, 6, -1, 6, -1, 14, -1, 14, -1, 14, -1, 14, -1, //
        6, -1, 6, -1, 6, -1, 6, -1, 14, -1, 14, -1, 14, -1, 14, -1,
    );
    let full = _mm256_set1_epi16(255);
    let round = _mm256_set1_epi16(128);
    let zero = _mm256_setzero_si256();
    for i in 0..chunks {
        // SAFETY: `i * 32 + 32 <= len` for both slices (equal lengths).
        let sp = src.as_ptr().add(i * 32) as *const __m256i;
        let dp = dst.as_mut_ptr().add(i * 32) as *mut __m256i;
        let s = _mm256_loadu_si256(sp);
        if _mm256_testz_si256(s, s) != 0 {
            continue;
        }
        let d = _mm256_loadu_si256(dp);
        let blend = |d16: __m256i, s16: __m256i| {
            let keep = _mm256_sub_epi16(full, _mm256_shuffle_epi8(s16, alpha));
            let x = _mm256_add_epi16(_mm256_mullo_epi16(d16, keep), round);
            _mm256_srli_epi16(_mm256_add_epi16(x, _mm256_srli_epi16(x, 8)), 8)
        };
        let lo = blend(_mm256_unpacklo_epi8(d, zero), _mm256_unpacklo_epi8(s, zero));
        let hi = blend(_mm256_unpackhi_epi8(d, zero), _mm256_unpackhi_epi8(s, zero));
        let kept = _mm256_packus_epi16(lo, hi);
        _mm256_storeu_si256(dp, _mm256_adds_epu8(kept, s));
    }
    over_pixels(&mut dst[chunks * 32..], &src[chunks * 32..]);
}

fn over_pixels(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
        if s == [0; 4] {
            continue;
        }
        let keep = 255 - s[3] as u16;
        for c in 0..4 {
            let x = d[c] as u16 * keep + 128;
            d[c] = s[c].saturating_add(((x + (x >> 8)) >> 8) as u8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirty_blocks_become_runs_with_aligned_rows() {
        let mut d = Dirty::new(200, 130);
        assert!(d.runs().is_empty());
        // Blocks (0, 0) and (1, 0) from one primitive, (3, 2) (clipped) from another.
        d.mark(10.0, 10.0, 70.0, 20.0);
        d.mark(195.0, 129.0, 400.0, 300.0);
        let runs = d.runs();
        assert_eq!(runs.len(), 2);
        assert_eq!(
            (runs[0].x, runs[0].y, runs[0].w, runs[0].h),
            (0, 0, 128, 64)
        );
        assert_eq!((runs[0].offset, runs[0].stride), (0, 512));
        assert_eq!(
            (runs[1].x, runs[1].y, runs[1].w, runs[1].h),
            (192, 128, 8, 2)
        );
        assert_eq!((runs[1].offset, runs[1].stride), (512 * 64, 256));
        // Off-frame and inverted bounds mark nothing.
        let mut e = Dirty::new(200, 130);
        e.mark(-50.0, 10.0, -5.0, 20.0);
        e.mark(50.0, 10.0, 40.0, 20.0);
        assert!(e.runs().is_empty());
    }

    #[test]
    fn over_matches_the_float_blend() {
        let base = [200u8, 100, 50, 255];
        for (src, want) in [
            ([0u8, 0, 0, 0], base),
            ([255, 255, 255, 255], [255, 255, 255, 255]),
            // Half-transparent premultiplied red over the base.
            ([128, 0, 0, 128], [228, 50, 25, 255]),
        ] {
            // 19 pixels: SIMD blocks of eight and a scalar tail, both checked.
            let mut d = [base; 19].concat();
            over(&mut d, &[src; 19].concat());
            let mut e = [base; 3].concat();
            over_pixels(&mut e, &[src; 3].concat());
            for px in d.chunks_exact(4).chain(e.chunks_exact(4)) {
                for c in 0..4 {
                    assert!(
                        (px[c] as i32 - want[c] as i32).abs() <= 1,
                        "{px:?} vs {want:?}"
                    );
                }
            }
        }
    }
}
