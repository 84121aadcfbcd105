//! Video frames built on the CPU in I420 (software GPUs): basemap tiles kept as
//! Y, U and V planes ([`YuvTile`]), the frame's basemap copied or magnified
//! plane by plane out of them ([`base_i420`]), and the overlays read back from
//! the GPU blended over it in YUV ([`blend_overlays`]).
//!
//! Working on planes moves 1.5 bytes a pixel instead of 4 and needs no
//! RGBA→YUV conversion of the frame. A copied frame is the same as converting
//! the RGBA frame: each tile carries the chroma of the four ways 2×2 blocks
//! can sit on it (a frame's top-left corner at even or odd level pixels), each
//! the mean of its block as the converter computes it. A magnified frame
//! interpolates luma and chroma separately, as a player scaling video does.
//! Blending is linear in YUV, so premultiplied "over" gives the same luma as
//! blending in RGB; chroma blends each 2×2 block's mean overlay over the block.

use super::composed::Run;
use super::cpu_sample::{self, Grid, Mapping, Resampler};
use crate::encode::yuv::rgba_planes_strided;
use crate::encode::I420Image;
use crate::error::Result;
use std::collections::HashMap;
use std::sync::Arc;

/// BT.709 limited-range forward transform in 13-bit fixed point (as the RGBA
/// converter's): rows Y, U, V; columns R, G, B.
const K: [[i32; 3]; 3] = [[1496, 5032, 508], [-824, -2774, 3598], [3598, -3268, -330]];
/// Y and U/V offsets (16, 128) in the same fixed point, per 255 of alpha.
const OFFSET: [i32; 3] = [16 * 8192 / 255, 128 * 8192 / 255, 128 * 8192 / 255];

/// One basemap tile as planes: luma of every texel (gutters included, as the
/// RGBA tile), and per chroma phase the U and V planes.
#[derive(Debug)]
pub(crate) struct YuvTile {
    /// Luma, a row of the tile texture's side per texel row.
    y: Vec<u8>,
    /// Phase `px + 2 py` (`px`, `py`: the parity of the frame's top-left level
    /// pixel): U then V, `chroma_side(size)` samples a side; sample `(i, j)` is
    /// the mean of the texels `(2 − px + 2i .. +2, 2 − py + 2j .. +2)`.
    chroma: [Option<(Vec<u8>, Vec<u8>)>; 4],
}

/// Chroma samples per side of a tile's chroma planes: every 2×2 block of the
/// inner tile and its first gutter pixels.
pub(crate) fn chroma_side(size: usize) -> usize {
    (size - 2) / 2
}

impl YuvTile {
    /// Converts a tile's RGBA texels (`size` rows `stride` bytes apart), with
    /// the chroma of every phase (tiles frames are copied from) or of phase 0
    /// only (tiles frames are magnified from).
    pub(crate) fn from_rgba(
        rgba: &[u8],
        stride: usize,
        size: usize,
        all_phases: bool,
    ) -> Result<YuvTile> {
        thread_local! {
            // Planes converted and thrown away (chroma of the whole texture,
            // luma of the phases): kept from tile to tile.
            static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let n = size as u32;
        let c = chroma_side(size);
        let half = size.div_ceil(2);
        let mut y = vec![0u8; size * size];
        let mut chroma: [Option<(Vec<u8>, Vec<u8>)>; 4] = Default::default();
        SCRATCH.with_borrow_mut(|scratch| {
            scratch.resize((2 * half * half).max(4 * c * c), 0);
            let (su, sv) = scratch.split_at_mut(half * half);
            rgba_planes_strided(
                rgba,
                stride,
                n,
                n,
                [&mut y, su, &mut sv[..half * half]],
                [size, half, half],
            )?;
            for (phase, slot) in chroma.iter_mut().enumerate() {
                if phase > 0 && !all_phases {
                    break;
                }
                let (px, py) = (phase % 2, phase / 2);
                let from = (2 - py) * stride + (2 - px) * 4;
                let (mut u, mut v) = (vec![0u8; c * c], vec![0u8; c * c]);
                rgba_planes_strided(
                    &rgba[from..],
                    stride,
                    2 * c as u32,
                    2 * c as u32,
                    [&mut scratch[..4 * c * c], &mut u, &mut v],
                    [2 * c, c, c],
                )?;
                *slot = Some((u, v));
            }
            Ok::<_, crate::Error>(())
        })?;
        Ok(YuvTile { y, chroma })
    }

    /// Whether the tile has the chroma of every phase.
    pub(crate) fn all_phases(&self) -> bool {
        self.chroma.iter().all(Option::is_some)
    }

    /// Memory held.
    pub(crate) fn bytes(&self) -> usize {
        self.y.len()
            + self
                .chroma
                .iter()
                .flatten()
                .map(|(u, v)| u.len() + v.len())
                .sum::<usize>()
    }
}

/// Y, U and V of a colour (RGBA8 as `u32`, little endian), as the converter
/// makes them.
fn yuv_of(rgba: u32) -> [u8; 3] {
    let block = [rgba; 4];
    let (mut y, mut u, mut v) = ([0u8; 4], [0u8; 1], [0u8; 1]);
    let ok = rgba_planes_strided(
        bytemuck::cast_slice(&block),
        8,
        2,
        2,
        [&mut y, &mut u, &mut v],
        [2, 1, 1],
    );
    debug_assert!(ok.is_ok());
    [y[0], u[0], v[0]]
}

/// How a frame's basemap comes out of one level's tiles.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Base {
    /// Unscaled, the frame's top-left at this level pixel.
    Copy([i64; 2]),
    /// Magnified.
    Resample(Mapping),
}

/// Writes the frame's basemap into `out` (already sized) from the tiles of a
/// level laid out as `grid` describes (its `fill` in RGBA).
pub(crate) fn base_i420(
    out: &mut I420Image,
    base: Base,
    grid: Grid,
    tiles: &HashMap<(i64, i64), Arc<YuvTile>>,
) {
    let (w, h) = (out.width as usize, out.height as usize);
    let (cw, ch) = (out.chroma_width() as usize, out.chroma_height() as usize);
    let [fy, fu, fv] = yuv_of(grid.fill);
    let luma = Grid {
        tile: grid.tile,
        tile_tex: grid.tile_tex,
        pad: grid.pad,
        fill: fy,
    };
    // Chroma sample `g` of a level covers its pixels `2g − phase .. + 2`; a
    // tile's chroma plane starts at its inner origin, so chroma tiles are half
    // as large and have no gutter in front.
    let chroma = |fill: u8| Grid {
        tile: grid.tile / 2,
        tile_tex: chroma_side(grid.tile_tex),
        pad: 0,
        fill,
    };
    // The tiles in a dense grid: looked up per row and tile, no hashing.
    let (mut lo, mut hi) = ([i64::MAX; 2], [i64::MIN; 2]);
    for &(tx, ty) in tiles.keys() {
        lo = [lo[0].min(tx), lo[1].min(ty)];
        hi = [hi[0].max(tx), hi[1].max(ty)];
    }
    let cols = (hi[0] - lo[0] + 1).max(0) as usize;
    let mut dense: Vec<Option<&YuvTile>> = vec![None; cols * (hi[1] - lo[1] + 1).max(0) as usize];
    for (&(tx, ty), t) in tiles {
        dense[(ty - lo[1]) as usize * cols + (tx - lo[0]) as usize] = Some(t);
    }
    let tile = |tx: i64, ty: i64| {
        let (x, y) = (tx - lo[0], ty - lo[1]);
        if x < 0 || y < 0 || x as usize >= cols {
            return None;
        }
        dense.get(y as usize * cols + x as usize).copied().flatten()
    };
    let y_at = |tx: i64, ty: i64| tile(tx, ty).map(|t| &t.y[..]);
    match base {
        Base::Copy(tl) => {
            cpu_sample::copy(&mut out.y, w, (w, h), tl, luma, y_at);
            let phase = (tl[0].rem_euclid(2) + 2 * tl[1].rem_euclid(2)) as usize;
            let ctl = [(tl[0] + 1).div_euclid(2), (tl[1] + 1).div_euclid(2)];
            for (plane, fill, v) in [(&mut out.u, fu, false), (&mut out.v, fv, true)] {
                let at = |tx: i64, ty: i64| {
                    let (u, vv) = tile(tx, ty)?.chroma[phase].as_ref()?;
                    Some(if v { &vv[..] } else { &u[..] })
                };
                cpu_sample::copy(plane, cw, (cw, ch), ctl, chroma(fill), at);
            }
        }
        Base::Resample(map) => {
            Resampler::new(map, luma).rows(&mut out.y, w, 0, h, &y_at);
            let cmap = Mapping {
                width: cw,
                height: ch,
                inv_scale: map.inv_scale,
                origin: [map.origin[0] / 2.0, map.origin[1] / 2.0],
            };
            for (plane, fill, v) in [(&mut out.u, fu, false), (&mut out.v, fv, true)] {
                let at = |tx: i64, ty: i64| {
                    let (u, vv) = tile(tx, ty)?.chroma[0].as_ref()?;
                    Some(if v { &vv[..] } else { &u[..] })
                };
                Resampler::new(cmap, chroma(fill)).rows(plane, cw, 0, ch, &at);
            }
        }
    }
}

/// `base · (255 − a) / 255`, rounded, for `base`, `a` in `0..=255`.
#[inline(always)]
fn keep(base: u8, a: u32) -> u32 {
    let x = base as u32 * (255 - a) + 128;
    (x + (x >> 8)) >> 8
}

/// Blends the overlays (premultiplied RGBA8, read back into `overlay` as
/// `runs` lay out) over the I420 frame `out`: per pixel in luma, per 2×2 block
/// (its mean overlay) in chroma. Transparent stretches are skipped.
pub(crate) fn blend_overlays(out: &mut I420Image, overlay: &[u8], runs: &[Run]) {
    let (w, h) = (out.width as usize, out.height as usize);
    let cw = out.chroma_width() as usize;
    for run in runs {
        let (x0, y0) = (run.x as usize, run.y as usize);
        let (rw, rh) = (
            (run.w as usize).min(w.saturating_sub(x0)),
            (run.h as usize).min(h.saturating_sub(y0)),
        );
        for r in (0..rh).step_by(2) {
            let rows = if r + 1 < rh { 2 } else { 1 };
            let lines: [&[u8]; 2] = std::array::from_fn(|k| {
                let k = k.min(rows - 1);
                &overlay[run.offset + (r + k) * run.stride..][..rw * 4]
            });
            let (yi, ci) = ((y0 + r) * w + x0, (y0 + r) / 2 * cw + x0 / 2);
            let (luma, rest) = out.y[yi..].split_at_mut(w);
            let luma = [&mut luma[..rw], &mut rest[..if rows == 2 { rw } else { 0 }]];
            let chroma = [
                &mut out.u[ci..ci + rw.div_ceil(2)],
                &mut out.v[ci..ci + rw.div_ceil(2)],
            ];
            BlendRows {
                lines,
                rows,
                luma,
                chroma,
            }
            .run();
        }
    }
}

/// One or two overlay rows over their luma rows and chroma row (pixel `0` at
/// an even column).
struct BlendRows<'a> {
    lines: [&'a [u8]; 2],
    rows: usize,
    luma: [&'a mut [u8]; 2],
    chroma: [&'a mut [u8]; 2],
}

impl BlendRows<'_> {
    fn run(mut self) {
        let cols = self.lines[0].len() / 4;
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if self.rows == 2 && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked above).
            done = unsafe { self.pairs_avx2(cols) };
        }
        for c in (done..cols).step_by(2) {
            self.block(c, 2.min(cols - c));
        }
    }

    /// The 2×2 block (or smaller, at an edge) of columns `c..c + n`.
    fn block(&mut self, c: usize, n: usize) {
        let mut sum = [0i32; 4];
        for k in 0..self.rows {
            for dx in 0..n {
                let p = &self.lines[k][(c + dx) * 4..][..4];
                if p == [0; 4] {
                    continue;
                }
                let [r, g, b, a] = [p[0], p[1], p[2], p[3]].map(i32::from);
                for (s, v) in sum.iter_mut().zip([r, g, b, a]) {
                    *s += v;
                }
                let yo = (K[0][0] * r + K[0][1] * g + K[0][2] * b + OFFSET[0] * a + 4096) >> 13;
                let y = &mut self.luma[k][c + dx];
                *y = (yo as u32 + keep(*y, a as u32)).min(255) as u8;
            }
        }
        if sum != [0; 4] {
            let count = (self.rows * n) as i32;
            self.chroma_sample(c / 2, sum, count);
        }
    }

    /// Blends the mean of `count` overlay pixels (component sums `sum`) over
    /// chroma sample `i`.
    fn chroma_sample(&mut self, i: usize, sum: [i32; 4], count: i32) {
        let a = ((sum[3] + count / 2) / count) as u32;
        for (k, plane) in self.chroma.iter_mut().enumerate() {
            let lin = K[k + 1][0] * sum[0]
                + K[k + 1][1] * sum[1]
                + K[k + 1][2] * sum[2]
                + OFFSET[k + 1] * sum[3];
            let o = ((lin + count * 4096) / (count * 8192)).max(0) as u32;
            plane[i] = (o + keep(plane[i], a)).min(255) as u8;
        }
    }

    /// Eight columns of both rows at a time (four chroma samples); returns the
    /// columns done.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn pairs_avx2(&mut self, cols: usize) -> usize {
        use std::arch::x86_64::*;
        let coef = |k: usize| {
            _mm256_setr_epi16(
                K[k][0] as i16,
                K[k][1] as i16,
                K[k][2] as i16,
                OFFSET[k] as i16,
                K[k][0] as i16,
                K[k][1] as i16,
                K[k][2] as i16,
                OFFSET[k] as i16,
                K[k][0] as i16,
                K[k][1] as i16,
                K[k][2] as i16,
                OFFSET[k] as i16,
                K[k][0] as i16,
                K[k][1] as i16,
                K[k][2] as i16,
                OFFSET[k] as i16,
            )
        };
        let (ky, ku, kv) = (coef(0), coef(1), coef(2));
        let ka = _mm256_setr_epi16(0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1);
        // `hadd` leaves pixels in the order 0 1 4 5 2 3 6 7.
        let order = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
        let (c255, c128, round) = (
            _mm256_set1_epi32(255),
            _mm256_set1_epi32(128),
            _mm256_set1_epi32(4096),
        );
        // Per 8 pixels (RGBA8 in `px`): sum · coefficients per pixel, in order.
        let dot = |px: __m256i, k: __m256i| {
            let lo = _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm256_castsi256_si128(px)), k);
            let hi = _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm256_extracti128_si256(px, 1)), k);
            _mm256_permutevar8x32_epi32(_mm256_hadd_epi32(lo, hi), order)
        };
        let mut c = 0;
        while c + 8 <= cols {
            // SAFETY (loads and stores): columns c..c + 8 of both lines (32
            // bytes each), of both luma rows (8 bytes each) are in bounds.
            let t = _mm256_loadu_si256(self.lines[0].as_ptr().add(c * 4) as *const __m256i);
            let b = _mm256_loadu_si256(self.lines[1].as_ptr().add(c * 4) as *const __m256i);
            let any = _mm256_or_si256(t, b);
            if _mm256_testz_si256(any, any) != 0 {
                c += 8;
                continue;
            }
            for (k, px) in [(0, t), (1, b)] {
                if _mm256_testz_si256(px, px) != 0 {
                    continue;
                }
                let yo = _mm256_srai_epi32(_mm256_add_epi32(dot(px, ky), round), 13);
                let a = _mm256_srli_epi32(px, 24);
                let dst = self.luma[k].as_mut_ptr().add(c);
                let base = _mm256_cvtepu8_epi32(_mm_loadl_epi64(dst as *const __m128i));
                let x = _mm256_add_epi32(_mm256_mullo_epi32(base, _mm256_sub_epi32(c255, a)), c128);
                let kept = _mm256_srli_epi32(_mm256_add_epi32(x, _mm256_srli_epi32(x, 8)), 8);
                let y = _mm256_min_epi32(_mm256_add_epi32(yo, kept), c255);
                let y16 = _mm256_packus_epi32(y, y);
                let y8 = _mm256_packus_epi16(y16, y16);
                let y8 = _mm256_permutevar8x32_epi32(y8, _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0));
                _mm_storel_epi64(dst as *mut __m128i, _mm256_castsi256_si128(y8));
            }
            // Column sums of both rows (16-bit), then per 2×2 block.
            let pair = |half: i32| {
                let (tt, bb) = if half == 0 {
                    (_mm256_castsi256_si128(t), _mm256_castsi256_si128(b))
                } else {
                    (
                        _mm256_extracti128_si256(t, 1),
                        _mm256_extracti128_si256(b, 1),
                    )
                };
                _mm256_add_epi16(_mm256_cvtepu8_epi16(tt), _mm256_cvtepu8_epi16(bb))
            };
            let (lo, hi) = (pair(0), pair(1));
            let blocks = |k: __m256i| {
                let per_px = _mm256_hadd_epi32(_mm256_madd_epi16(lo, k), _mm256_madd_epi16(hi, k));
                // Lanes: 0: px 0+1, 1: px 4+5 (low half); 4: px 2+3, 5: px 6+7.
                let mut v = [0i32; 8];
                _mm256_storeu_si256(
                    v.as_mut_ptr() as *mut __m256i,
                    _mm256_hadd_epi32(per_px, per_px),
                );
                [v[0], v[4], v[1], v[5]]
            };
            let (us, vs, as_) = (blocks(ku), blocks(kv), blocks(ka));
            for j in 0..4 {
                if as_[j] == 0 && us[j] == 0 && vs[j] == 0 {
                    continue;
                }
                let i = c / 2 + j;
                let a = ((as_[j] + 2) >> 2) as u32;
                for (plane, lin) in self.chroma.iter_mut().zip([us[j], vs[j]]) {
                    let o = ((lin + 16384) >> 15).max(0) as u32;
                    plane[i] = (o + keep(plane[i], a)).min(255) as u8;
                }
            }
            c += 8;
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_planes_cover_every_sample() {
        let n = 64;
        let rgba: Vec<u8> = [40u8, 90, 200, 255].repeat(n * n);
        let t = YuvTile::from_rgba(&rgba, n * 4, n, true).unwrap();
        let [y, u, v] = yuv_of(u32::from_le_bytes([40, 90, 200, 255]));
        assert!(t.y.iter().all(|&s| s == y));
        for (u_, v_) in t.chroma.iter().flatten() {
            assert_eq!(u_.len(), chroma_side(n).pow(2));
            assert!(u_.iter().all(|&s| s == u), "{u_:?}");
            assert!(v_.iter().all(|&s| s == v));
        }
    }
}

#[cfg(test)]
mod blend_tests {
    use super::*;

    /// Premultiplied overlay pixels: transparent runs, opaque and soft edges.
    fn overlay(n: usize, seed: u32) -> Vec<u8> {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        };
        (0..n)
            .flat_map(|i| {
                let a = match (i / 7) % 4 {
                    0 => 0,
                    1 => 255,
                    _ => next(),
                };
                let c = |v: u8| ((v as u32 * a as u32 + 127) / 255) as u8;
                [c(next()), c(next()), c(next()), a]
            })
            .collect()
    }

    #[test]
    fn simd_blend_matches_scalar_and_the_rgb_blend() {
        let (w, h) = (70usize, 6usize);
        let ov = overlay(w * h, 7);
        let base = |i: usize| [(i * 37 % 200) as u8 + 20, (i * 11 % 150) as u8 + 50, 128u8];
        let mut frame = I420Image::new(w as u32, h as u32);
        for (i, y) in frame.y.iter_mut().enumerate() {
            *y = base(i)[0];
        }
        for (i, u) in frame.u.iter_mut().enumerate() {
            *u = base(i)[1];
        }
        let run = Run {
            x: 0,
            y: 0,
            w: w as u32,
            h: h as u32,
            offset: 0,
            stride: w * 4,
        };
        let mut simd = frame.clone();
        blend_overlays(&mut simd, &ov, &[run]);
        // Scalar only: every block through `block`.
        let mut scalar = frame.clone();
        let cw = scalar.chroma_width() as usize;
        for r in (0..h).step_by(2) {
            let (luma, rest) = scalar.y[r * w..].split_at_mut(w);
            BlendRows {
                lines: [&ov[r * w * 4..][..w * 4], &ov[(r + 1) * w * 4..][..w * 4]],
                rows: 2,
                luma: [luma, &mut rest[..w]],
                chroma: [
                    &mut scalar.u[r / 2 * cw..][..cw],
                    &mut scalar.v[r / 2 * cw..][..cw],
                ],
            }
            .block_all();
        }
        assert_eq!(simd, scalar);
        // Opaque overlay pixels replace luma with their own.
        for (i, p) in ov.chunks_exact(4).enumerate() {
            if p[3] == 255 {
                let want = yuv_of(u32::from_le_bytes([p[0], p[1], p[2], 255]))[0] as i32;
                assert!((simd.y[i] as i32 - want).abs() <= 1, "pixel {i}");
            }
            if p == [0; 4] {
                assert_eq!(simd.y[i], frame.y[i]);
            }
        }
    }

    impl BlendRows<'_> {
        fn block_all(mut self) {
            let cols = self.lines[0].len() / 4;
            for c in (0..cols).step_by(2) {
                self.block(c, 2.min(cols - c));
            }
        }
    }
}

#[cfg(test)]
mod base_tests {
    use super::*;
    use crate::encode::rgba_to_i420;

    /// One 64-texel tile (inner 60, gutter 2) of smooth colour ramps.
    fn ramp_tile() -> (Grid, Vec<u32>) {
        let n = 64;
        let px = (0..n * n)
            .map(|i| {
                let (x, y) = ((i % n) as u32, (i / n) as u32);
                u32::from_le_bytes([(x * 3) as u8, (y * 3) as u8, 100, 255])
            })
            .collect();
        let grid = Grid {
            tile: 60,
            tile_tex: n,
            pad: 2,
            fill: u32::from_le_bytes([0, 0, 0, 255]),
        };
        (grid, px)
    }

    /// The frame's basemap built in RGBA, converted.
    fn reference(base: Base, grid: Grid, px: &[u32], (w, h): (usize, usize)) -> I420Image {
        let mut rgba = vec![0u8; w * h * 4];
        let at = |tx: i64, ty: i64| (tx == 0 && ty == 0).then_some(px);
        match base {
            Base::Copy(tl) => cpu_sample::copy(&mut rgba, w * 4, (w, h), tl, grid, at),
            Base::Resample(map) => cpu_sample::resample(&mut rgba, w * 4, map, grid, at, 1),
        }
        let mut out = I420Image::default();
        rgba_to_i420(&rgba, w as u32, h as u32, &mut out).unwrap();
        out
    }

    #[test]
    fn planes_match_the_converted_rgba_basemap() {
        let (grid, px) = ramp_tile();
        let tile = YuvTile::from_rgba(bytemuck::cast_slice(&px), 64 * 4, 64, true).unwrap();
        let tiles = HashMap::from([((0, 0), Arc::new(tile))]);
        let (w, h) = (40, 30);
        // Copies at every phase are exact; magnified frames within rounding
        // (interpolated chroma of ramps: as the chroma of interpolated RGB).
        let cases = [
            (Base::Copy([4, 6]), 0),
            (Base::Copy([5, 6]), 0),
            (Base::Copy([4, 7]), 0),
            (Base::Copy([9, 3]), 0),
            (
                Base::Resample(Mapping {
                    width: w,
                    height: h,
                    inv_scale: 1.0 / 1.3,
                    origin: [5.3, 7.6],
                }),
                2,
            ),
        ];
        for (base, tolerance) in cases {
            let want = reference(base, grid, &px, (w, h));
            let mut got = I420Image::new(w as u32, h as u32);
            base_i420(&mut got, base, grid, &tiles);
            for (plane, (a, b)) in [(&got.y, &want.y), (&got.u, &want.u), (&got.v, &want.v)]
                .into_iter()
                .enumerate()
            {
                let worst = a
                    .iter()
                    .zip(b)
                    .map(|(a, b)| (*a as i32 - *b as i32).abs())
                    .max();
                assert!(
                    worst <= Some(tolerance),
                    "{base:?} plane {plane}: off by {worst:?}"
                );
            }
        }
    }
}
