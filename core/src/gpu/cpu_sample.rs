//! Basemap composites on the CPU, for software GPUs: frames at a held zoom copy
//! tile rows at whole-pixel offsets ([`copy`]); zooming frames magnify a level
//! bilinearly ([`resample`]). Both work on RGBA8 tiles (`u32` texels) and on
//! single 8-bit planes (`u8`: the Y, U and V planes of video frames, see
//! `planes.rs`).
//!
//! On a software GPU (lavapipe) a full-screen textured quad costs ~10 ms at
//! 1080p however simple the shader (the fixed per-fragment cost dominates; nearest
//! sampling is barely cheaper). Zooming frames only ever magnify a tile level by
//! 1–1.41× without rotation, which a packed fixed-point separable filter does in a
//! few milliseconds; the result is uploaded into the frame with one buffer copy.
//! Real GPUs keep sampling tiles in a shader.

/// One tile's pixels: `size`×`size` RGBA8 texels as `u32`, rows top to bottom.
pub(crate) type TilePixels = std::sync::Arc<Vec<u32>>;

/// Where the output frame sits in a tile level.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mapping {
    /// Output size in pixels.
    pub width: usize,
    pub height: usize,
    /// Level pixels per output pixel (≤ 1: magnification).
    pub inv_scale: f64,
    /// Level pixel coordinates of the output's top-left corner.
    pub origin: [f64; 2],
}

/// A texel of tiles composited on the CPU: RGBA8 as a little-endian `u32`, or
/// one sample of an 8-bit plane.
pub(crate) trait Texel: bytemuck::Pod + Send + Sync {
    /// Output texel `x` = `col[sxs[x]]` + (`col[sxs[x] + 1]` − that) · weight /
    /// 256, per byte, with weights `fxb` (one per output byte); `col` has
    /// [`SLACK`] texels past the last column read.
    fn gather_lerp(out: &mut [u8], col: &[Self], sxs: &[u32], fxb: &[u16]);
}

/// Texels of slack past the columns a resampled row reads (for SIMD loads).
const SLACK: usize = 32;

impl Texel for u32 {
    fn gather_lerp(out: &mut [u8], col: &[u32], sxs: &[u32], fxb: &[u16]) {
        gather_lerp(out, col, sxs, fxb)
    }
}

impl Texel for u8 {
    fn gather_lerp(out: &mut [u8], col: &[u8], sxs: &[u32], fxb: &[u16]) {
        gather_lerp_plane(out, col, sxs, fxb)
    }
}

/// The tile grid of a level.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid<P = u32> {
    /// Inner tile size in level pixels.
    pub tile: i64,
    /// Tile texture size (inner + gutters).
    pub tile_tex: usize,
    /// Gutter width.
    pub pad: i64,
    /// Texel where no tile covers the frame (RGBA8 as `u32`, little endian).
    pub fill: P,
}

/// Copies the frame whose top-left corner is level pixel `top_left` out of the
/// tiles (no scaling) into `out`, rows `stride` bytes apart; where no tile
/// exists the frame gets `grid.fill`.
pub(crate) fn copy<'a, P: Texel>(
    out: &mut [u8],
    stride: usize,
    (width, height): (usize, usize),
    top_left: [i64; 2],
    grid: Grid<P>,
    tile_at: impl Fn(i64, i64) -> Option<&'a [P]>,
) {
    let t = grid.tile;
    let bytes = std::mem::size_of::<P>();
    let fill = bytemuck::bytes_of(&grid.fill);
    for (y, line) in out.chunks_mut(stride).take(height).enumerate() {
        let py = top_left[1] + y as i64;
        let ty = py.div_euclid(t);
        let row = (py - ty * t + grid.pad) as usize * grid.tile_tex;
        let mut x = 0;
        while x < width {
            let px = top_left[0] + x as i64;
            let tx = px.div_euclid(t);
            let n = (((tx + 1) * t - px) as usize).min(width - x);
            let dst = &mut line[x * bytes..(x + n) * bytes];
            match tile_at(tx, ty) {
                Some(pixels) => {
                    let from = row + (px - tx * t + grid.pad) as usize;
                    dst.copy_from_slice(bytemuck::cast_slice(&pixels[from..from + n]));
                }
                None => {
                    for d in dst.chunks_exact_mut(bytes) {
                        d.copy_from_slice(fill);
                    }
                }
            }
            x += n;
        }
    }
}

/// Source index and 8-bit weight of each output coordinate along one axis.
fn taps(n: usize, inv_scale: f64, origin: f64) -> (i64, Vec<(u32, u32)>) {
    let first = ((0.5 * inv_scale + origin - 0.5).floor()) as i64;
    let taps = (0..n)
        .map(|i| {
            let s = (i as f64 + 0.5) * inv_scale + origin - 0.5;
            let i0 = s.floor();
            let f = ((s - i0) * 256.0).round() as u32;
            ((i0 as i64 - first) as u32, f.min(256))
        })
        .collect();
    (first, taps)
}

/// A magnification of one level into an output frame, set up once per frame
/// (filter taps) and run over any range of output rows ([`rows`](Self::rows)).
pub(crate) struct Resampler<P = u32> {
    map: Mapping,
    grid: Grid<P>,
    x_first: i64,
    y_first: i64,
    /// Vertical taps per output row.
    yt: Vec<(u32, u32)>,
    /// Source columns (relative to `x_first`) and per-byte horizontal weights.
    sxs: Vec<u32>,
    fxb: Vec<u16>,
    /// Source columns one output row reads.
    sw: usize,
}

impl<P: Texel> Resampler<P> {
    pub(crate) fn new(map: Mapping, grid: Grid<P>) -> Self {
        let (x_first, xt) = taps(map.width, map.inv_scale, map.origin[0]);
        let (y_first, yt) = taps(map.height, map.inv_scale, map.origin[1]);
        let sw = xt.last().map_or(0, |t| t.0 as usize) + 2;
        let bytes = std::mem::size_of::<P>();
        Resampler {
            map,
            grid,
            x_first,
            y_first,
            yt,
            sxs: xt.iter().map(|&(sx, _)| sx).collect(),
            fxb: xt
                .iter()
                .flat_map(|&(_, f)| std::iter::repeat_n(f as u16, bytes))
                .collect(),
            sw,
        }
    }

    /// Output rows `y_start..y_start + n` into `out` (rows `stride` bytes
    /// apart), tiles from `tile_at`.
    pub(crate) fn rows<'a>(
        &self,
        out: &mut [u8],
        stride: usize,
        y_start: usize,
        n: usize,
        tile_at: &impl Fn(i64, i64) -> Option<&'a [P]>,
    ) {
        let (grid, t, tt) = (self.grid, self.grid.tile, self.grid.tile_tex);
        let width = self.map.width * std::mem::size_of::<P>();
        // (Padded for the SIMD loads of `gather_lerp`.)
        let mut col = vec![grid.fill; self.sw + SLACK];
        for (r, line) in out.chunks_mut(stride).take(n).enumerate() {
            let (sy, fy) = self.yt[y_start + r];
            // Vertical lerp of level rows `y`, `y + 1` over the source columns,
            // read straight from the tiles (row `y + 1` is always in `y`'s tile:
            // gutters).
            let y = self.y_first + sy as i64;
            let ty = y.div_euclid(t);
            let ly = (y - ty * t + grid.pad) as usize;
            let mut x = self.x_first;
            let x_end = self.x_first + self.sw as i64;
            while x < x_end {
                let tx = x.div_euclid(t);
                // Runs may read into the right gutter, up to two pixels past the tile.
                let run_end = ((tx + 1) * t).min(x_end);
                let m = (run_end - x) as usize;
                let o = (x - self.x_first) as usize;
                let dst = &mut col[o..o + m];
                match tile_at(tx, ty) {
                    Some(px) => {
                        let lx = (x - tx * t + grid.pad) as usize;
                        let a = &px[ly * tt + lx..ly * tt + lx + m];
                        let b = &px[(ly + 1) * tt + lx..(ly + 1) * tt + lx + m];
                        lerp_bytes(
                            bytemuck::cast_slice_mut(dst),
                            bytemuck::cast_slice(a),
                            bytemuck::cast_slice(b),
                            fy as u16,
                        );
                    }
                    None => dst.fill(grid.fill),
                }
                x = run_end;
            }
            P::gather_lerp(&mut line[..width], &col, &self.sxs, &self.fxb);
        }
    }
}

/// Magnifies the level described by `grid` (tiles from `tile_at`) into `out`,
/// rows `stride` bytes apart, using up to `threads` threads.
pub(crate) fn resample<'a, P: Texel>(
    out: &mut [u8],
    stride: usize,
    map: Mapping,
    grid: Grid<P>,
    tile_at: impl Fn(i64, i64) -> Option<&'a [P]> + Sync,
    threads: usize,
) {
    let r = Resampler::new(map, grid);
    let threads = threads.clamp(1, 8);
    if threads == 1 {
        r.rows(
            &mut out[..stride * map.height],
            stride,
            0,
            map.height,
            &tile_at,
        );
        return;
    }
    std::thread::scope(|scope| {
        let per = map.height.div_ceil(threads);
        let mut rest = &mut out[..stride * map.height];
        let mut start = 0;
        while !rest.is_empty() {
            let n = per.min(map.height - start);
            let (head, tail) = rest.split_at_mut(n * stride);
            rest = tail;
            let (s, r, tile_at) = (start, &r, &tile_at);
            scope.spawn(move || r.rows(head, stride, s, n, tile_at));
            start += n;
        }
    });
}

/// Output pixel `x` = `col[sxs[x]]` + (`col[sxs[x] + 1]` − that) · weight / 256
/// (per byte, weights `fxb[4x..4x + 4]`); `col` has 8 pixels of slack past the
/// last column read.
fn gather_lerp(out: &mut [u8], col: &[u32], sxs: &[u32], fxb: &[u16]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked above).
        return unsafe { gather_lerp_avx2(out, col, sxs, fxb) };
    }
    gather_lerp_generic(out, col, sxs, fxb, 0)
}

fn gather_lerp_generic(out: &mut [u8], col: &[u32], sxs: &[u32], fxb: &[u16], from: usize) {
    for x in from..sxs.len() {
        let sx = sxs[x] as usize;
        let (a, b) = (col[sx].to_le_bytes(), col[sx + 1].to_le_bytes());
        for c in 0..4 {
            let f = fxb[x * 4 + c];
            out[x * 4 + c] = ((a[c] as u16 * (256 - f) + b[c] as u16 * f + 128) >> 8) as u8;
        }
    }
}

/// Eight output pixels at a time: magnifying, their sources are at most eight
/// consecutive columns, gathered with one load and a lane permute each.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gather_lerp_avx2(out: &mut [u8], col: &[u32], sxs: &[u32], fxb: &[u16]) {
    use std::arch::x86_64::*;
    let n = sxs.len().min(out.len() / 4).min(fxb.len() / 4);
    let full = _mm256_set1_epi16(256);
    let round = _mm256_set1_epi16(128);
    let mut x = 0;
    while x + 8 <= n {
        let base = sxs[x] as usize;
        let last = sxs[x + 7] as usize;
        if last < base || last - base > 7 || last + 9 > col.len() {
            break;
        }
        // SAFETY: the loads read col[base..base + 9] (checked above),
        // sxs[x..x + 8], fxb[4x..4x + 32] and out[4x..4x + 32] (x + 8 <= n).
        let idx = _mm256_sub_epi32(
            _mm256_loadu_si256(sxs.as_ptr().add(x) as *const __m256i),
            _mm256_set1_epi32(base as i32),
        );
        let l = _mm256_permutevar8x32_epi32(
            _mm256_loadu_si256(col.as_ptr().add(base) as *const __m256i),
            idx,
        );
        let r = _mm256_permutevar8x32_epi32(
            _mm256_loadu_si256(col.as_ptr().add(base + 1) as *const __m256i),
            idx,
        );
        let lerp = |l: __m128i, r: __m128i, f: __m256i| {
            let (l, r) = (_mm256_cvtepu8_epi16(l), _mm256_cvtepu8_epi16(r));
            let v = _mm256_add_epi16(
                _mm256_add_epi16(
                    _mm256_mullo_epi16(l, _mm256_sub_epi16(full, f)),
                    _mm256_mullo_epi16(r, f),
                ),
                round,
            );
            _mm256_srli_epi16(v, 8)
        };
        let f0 = _mm256_loadu_si256(fxb.as_ptr().add(x * 4) as *const __m256i);
        let f1 = _mm256_loadu_si256(fxb.as_ptr().add(x * 4 + 16) as *const __m256i);
        let lo = lerp(_mm256_castsi256_si128(l), _mm256_castsi256_si128(r), f0);
        let hi = lerp(
            _mm256_extracti128_si256(l, 1),
            _mm256_extracti128_si256(r, 1),
            f1,
        );
        // packus interleaves 128-bit lanes: put the pixels back in order.
        let packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(lo, hi), 0b11_01_10_00);
        _mm256_storeu_si256(out.as_mut_ptr().add(x * 4) as *mut __m256i, packed);
        x += 8;
    }
    gather_lerp_generic(out, col, &sxs[..n], fxb, x)
}

/// [`Texel::gather_lerp`] for 8-bit planes: one weight per output sample.
fn gather_lerp_plane(out: &mut [u8], col: &[u8], sxs: &[u32], fx: &[u16]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked above).
        return unsafe { gather_lerp_plane_avx2(out, col, sxs, fx) };
    }
    gather_lerp_plane_generic(out, col, sxs, fx, 0)
}

fn gather_lerp_plane_generic(out: &mut [u8], col: &[u8], sxs: &[u32], fx: &[u16], from: usize) {
    for x in from..sxs.len().min(out.len()) {
        let sx = sxs[x] as usize;
        let (a, b, f) = (col[sx] as u16, col[sx + 1] as u16, fx[x]);
        out[x] = ((a * (256 - f) + b * f + 128) >> 8) as u8;
    }
}

/// Sixteen output samples at a time: magnifying, their sources are at most
/// sixteen consecutive samples, gathered with one load and a byte shuffle each.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gather_lerp_plane_avx2(out: &mut [u8], col: &[u8], sxs: &[u32], fx: &[u16]) {
    use std::arch::x86_64::*;
    let n = sxs.len().min(out.len()).min(fx.len());
    let full = _mm256_set1_epi16(256);
    let round = _mm256_set1_epi16(128);
    let mut x = 0;
    while x + 16 <= n {
        let base = sxs[x] as usize;
        let last = sxs[x + 15] as usize;
        if last < base || last - base > 15 || base + 17 > col.len() {
            break;
        }
        // SAFETY: the loads read col[base..base + 17] (checked above),
        // sxs[x..x + 16], fx[x..x + 16] and out[x..x + 16] (x + 16 <= n).
        let i32s = |k: usize| _mm256_loadu_si256(sxs.as_ptr().add(x + k) as *const __m256i);
        let b32 = _mm256_set1_epi32(base as i32);
        let (i0, i1) = (
            _mm256_sub_epi32(i32s(0), b32),
            _mm256_sub_epi32(i32s(8), b32),
        );
        // Sixteen 32-bit offsets (each < 16) packed into sixteen bytes, in order.
        let i16s = _mm256_permute4x64_epi64(_mm256_packus_epi32(i0, i1), 0b11_01_10_00);
        let idx = _mm_packus_epi16(
            _mm256_castsi256_si128(i16s),
            _mm256_extracti128_si256(i16s, 1),
        );
        let left = _mm_shuffle_epi8(
            _mm_loadu_si128(col.as_ptr().add(base) as *const __m128i),
            idx,
        );
        let right = _mm_shuffle_epi8(
            _mm_loadu_si128(col.as_ptr().add(base + 1) as *const __m128i),
            idx,
        );
        let f = _mm256_loadu_si256(fx.as_ptr().add(x) as *const __m256i);
        let v = _mm256_add_epi16(
            _mm256_add_epi16(
                _mm256_mullo_epi16(_mm256_cvtepu8_epi16(left), _mm256_sub_epi16(full, f)),
                _mm256_mullo_epi16(_mm256_cvtepu8_epi16(right), f),
            ),
            round,
        );
        let v = _mm256_srli_epi16(v, 8);
        let packed = _mm_packus_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        _mm_storeu_si128(out.as_mut_ptr().add(x) as *mut __m128i, packed);
        x += 16;
    }
    gather_lerp_plane_generic(out, col, &sxs[..n], fx, x)
}

#[inline(always)]
fn lerp_bytes_generic(dst: &mut [u8], a: &[u8], b: &[u8], f: u16) {
    let g = 256 - f;
    for ((d, &a), &b) in dst.iter_mut().zip(a).zip(b) {
        *d = ((a as u16 * g + b as u16 * f + 128) >> 8) as u8;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn lerp_bytes_avx2(dst: &mut [u8], a: &[u8], b: &[u8], f: u16) {
    lerp_bytes_generic(dst, a, b, f)
}

/// `dst = a + (b - a) · f / 256` per byte (`f` in `0..=256`).
fn lerp_bytes(dst: &mut [u8], a: &[u8], b: &[u8], f: u16) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked above).
        return unsafe { lerp_bytes_avx2(dst, a, b, f) };
    }
    lerp_bytes_generic(dst, a, b, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_reads_across_tiles_and_fills_gaps() {
        // 2×2 inner tiles with 1-pixel gutters; texel value = (tile x, tile y, x, y).
        let grid = Grid {
            tile: 2,
            tile_tex: 4,
            pad: 1,
            fill: 0xdead_beef,
        };
        let tiles: Vec<((i64, i64), Vec<u32>)> = [(0i64, 0i64), (1, 0)]
            .iter()
            .map(|&(tx, ty)| {
                let px = (0..16)
                    .map(|i| {
                        let (x, y) = (i % 4 - 1, i / 4 - 1);
                        u32::from_le_bytes([tx as u8, ty as u8, x as u8, y as u8])
                    })
                    .collect();
                ((tx, ty), px)
            })
            .collect();
        let at = |tx: i64, ty: i64| tiles.iter().find(|t| t.0 == (tx, ty)).map(|t| &t.1[..]);
        // A 3×2 frame from level pixel (1, 1), rows padded to 16 bytes.
        let mut out = vec![0u8; 32];
        copy(&mut out, 16, (3, 2), [1, 1], grid, at);
        let px =
            |x: usize, y: usize| u32::from_le_bytes(out[y * 16 + x * 4..][..4].try_into().unwrap());
        assert_eq!(px(0, 0), u32::from_le_bytes([0, 0, 1, 1]));
        assert_eq!(px(1, 0), u32::from_le_bytes([1, 0, 0, 1]));
        assert_eq!(px(2, 0), u32::from_le_bytes([1, 0, 1, 1]));
        // Level row 2 is tile row 1, which has no tiles.
        assert_eq!(px(0, 1), 0xdead_beef);
        assert_eq!(px(2, 1), 0xdead_beef);
    }

    #[test]
    fn lerp_is_exact_at_ends_and_rounds_between() {
        let (a, b) = ([16u8, 32, 48, 64], [240u8, 224, 208, 192]);
        let mut d = [0u8; 4];
        lerp_bytes(&mut d, &a, &b, 0);
        assert_eq!(d, a);
        lerp_bytes(&mut d, &a, &b, 256);
        assert_eq!(d, b);
    }

    #[test]
    fn gather_lerp_simd_matches_scalar() {
        // Source steps of 0 or 1 (magnification) and weights across 0..=256,
        // over a length that leaves a scalar tail.
        let col: Vec<u32> = (0..64u32).map(|i| i.wrapping_mul(0x9e37_79b9)).collect();
        let n = 37;
        let sxs: Vec<u32> = (0..n as u32).map(|x| x * 3 / 4).collect();
        let fxb: Vec<u16> = (0..n).flat_map(|x| [(x * 29 % 257) as u16; 4]).collect();
        let (mut simd, mut scalar) = (vec![0u8; n * 4], vec![0u8; n * 4]);
        gather_lerp(&mut simd, &col, &sxs, &fxb);
        gather_lerp_generic(&mut scalar, &col, &sxs, &fxb, 0);
        assert_eq!(simd, scalar);
        let (a, b) = (
            col[sxs[5] as usize].to_le_bytes(),
            col[sxs[5] as usize + 1].to_le_bytes(),
        );
        let f = fxb[20] as u32;
        let want = ((a[0] as u32 * (256 - f) + b[0] as u32 * f + 128) >> 8) as u8;
        assert_eq!(scalar[20], want);
    }

    #[test]
    fn plane_gather_simd_matches_scalar() {
        let col: Vec<u8> = (0..96u32)
            .map(|i| (i.wrapping_mul(0x9e37_79b9) >> 24) as u8)
            .collect();
        for n in [16, 37, 64] {
            let sxs: Vec<u32> = (0..n as u32).map(|x| x * 3 / 4).collect();
            let fx: Vec<u16> = (0..n).map(|x| (x * 29 % 257) as u16).collect();
            let (mut simd, mut scalar) = (vec![0u8; n], vec![0u8; n]);
            gather_lerp_plane(&mut simd, &col, &sxs, &fx);
            gather_lerp_plane_generic(&mut scalar, &col, &sxs, &fx, 0);
            assert_eq!(simd, scalar, "{n} samples");
            let (a, b, f) = (
                col[sxs[5] as usize] as u32,
                col[sxs[5] as usize + 1] as u32,
                fx[5] as u32,
            );
            assert_eq!(scalar[5], ((a * (256 - f) + b * f + 128) >> 8) as u8);
        }
    }

    #[test]
    fn identity_scale_copies_pixels() {
        // One 8×8 tile (inner 4, pad 2) with distinct pixels; an unscaled 4×4
        // output at the tile's inner origin reproduces the inner pixels.
        let px: Vec<u32> = (0..64).collect();
        let grid = Grid {
            tile: 4,
            tile_tex: 8,
            pad: 2,
            fill: 0xdead,
        };
        let map = Mapping {
            width: 4,
            height: 4,
            inv_scale: 1.0,
            origin: [0.0, 0.0],
        };
        let mut out = vec![0u8; 16 * 4];
        resample(
            &mut out,
            16,
            map,
            grid,
            |tx, ty| (tx == 0 && ty == 0).then_some(&px[..]),
            2,
        );
        for y in 0..4 {
            for x in 0..4 {
                let v = u32::from_le_bytes(out[y * 16 + x * 4..][..4].try_into().unwrap());
                assert_eq!(v, ((y + 2) * 8 + x + 2) as u32, "at {x},{y}");
            }
        }
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    /// `cargo test --release -p georender --lib cpu_sample_timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn cpu_sample_timing() {
        let tt = 516;
        let px: Vec<u32> = (0..tt * tt).map(|i| i as u32 * 2654435761).collect();
        let grid = Grid {
            tile: 512,
            tile_tex: tt,
            pad: 2,
            fill: 0,
        };
        let map = Mapping {
            width: 1920,
            height: 1080,
            inv_scale: 1.0 / 1.2,
            origin: [100.3, 50.7],
        };
        let mut out = vec![0u8; 1920 * 1080 * 4];
        for threads in [1, 2] {
            let mut best = f64::MAX;
            let mut cpu = 0.0;
            for _ in 0..20 {
                let t = std::time::Instant::now();
                resample(&mut out, 1920 * 4, map, grid, |_, _| Some(&px[..]), threads);
                let e = t.elapsed().as_secs_f64() * 1e3;
                best = best.min(e);
                cpu += e;
            }
            eprintln!(
                "threads {threads}: best {best:.2} ms, mean {:.2} ms",
                cpu / 20.0
            );
        }
    }
}
