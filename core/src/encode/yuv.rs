//! RGBA → I420 (planar YUV 4:2:0), BT.709 limited range — the colour the video
//! writers tag their streams with.
//!
//! [`rgba_to_i420`] is the SIMD path (`yuvutils-rs`, AVX2/SSE/NEON picked at run time);
//! it can run on any thread, so the pipeline may convert off the encoder's thread and
//! hand the planes to [`VideoWriter::push_i420`](super::VideoWriter::push_i420).
//! [`rgba_to_i420_reference`] is a plain floating-point version of the same maths,
//! kept to check the SIMD output.
//!
//! Chroma is the mean of each 2×2 block of RGB (odd edges use what exists); alpha is
//! ignored.

use crate::{Error, Result};
use yuvutils_rs::{
    rgba_to_yuv420, yuv420_to_rgba, BufferStoreMut, YuvConversionMode, YuvPlanarImage,
    YuvPlanarImageMut, YuvRange, YuvStandardMatrix,
};

/// One I420 frame with tightly packed planes: Y is `width × height`, U and V are
/// `ceil(width/2) × ceil(height/2)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct I420Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Luma plane.
    pub y: Vec<u8>,
    /// Blue-difference chroma plane.
    pub u: Vec<u8>,
    /// Red-difference chroma plane.
    pub v: Vec<u8>,
}

impl I420Image {
    /// A black frame (Y=16, U=V=128) of the given size.
    pub fn new(width: u32, height: u32) -> Self {
        let (cw, ch) = chroma_size(width, height);
        I420Image {
            width,
            height,
            y: vec![16; width as usize * height as usize],
            u: vec![128; cw * ch],
            v: vec![128; cw * ch],
        }
    }

    /// Resizes the planes for `width × height` (contents unspecified afterwards).
    pub fn resize(&mut self, width: u32, height: u32) {
        let (cw, ch) = chroma_size(width, height);
        self.width = width;
        self.height = height;
        self.y.resize(width as usize * height as usize, 16);
        self.u.resize(cw * ch, 128);
        self.v.resize(cw * ch, 128);
    }

    /// Width of the chroma planes.
    pub fn chroma_width(&self) -> u32 {
        self.width.div_ceil(2)
    }

    /// Height of the chroma planes.
    pub fn chroma_height(&self) -> u32 {
        self.height.div_ceil(2)
    }
}

fn chroma_size(width: u32, height: u32) -> (usize, usize) {
    (width.div_ceil(2) as usize, height.div_ceil(2) as usize)
}

fn check_input(rgba: &[u8], width: u32, height: u32) -> Result<()> {
    let need = width as usize * height as usize * 4;
    if width == 0 || height == 0 || rgba.len() != need {
        return Err(Error::EncodeFailed(format!(
            "RGBA buffer has {} bytes; {width}x{height} needs {need}",
            rgba.len()
        )));
    }
    Ok(())
}

/// Checks rows of `stride` bytes (the last one may stop after its pixels).
fn check_strided(rgba: &[u8], stride: usize, width: u32, height: u32) -> Result<()> {
    let row = width as usize * 4;
    let need = stride * (height as usize).saturating_sub(1) + row;
    if width == 0 || height == 0 || stride < row || rgba.len() < need {
        return Err(Error::EncodeFailed(format!(
            "RGBA buffer has {} bytes with rows of {stride}; {width}x{height} needs {need}",
            rgba.len()
        )));
    }
    Ok(())
}

/// Converts a tightly packed RGBA frame into `out` (resized as needed), SIMD-accelerated.
pub fn rgba_to_i420(rgba: &[u8], width: u32, height: u32, out: &mut I420Image) -> Result<()> {
    check_input(rgba, width, height)?;
    rgba_to_i420_strided(rgba, width as usize * 4, width, height, out)
}

/// Converts RGBA rows `stride` bytes apart (e.g. a GPU readback buffer with padded
/// rows) into `out` (resized as needed), SIMD-accelerated.
pub fn rgba_to_i420_strided(
    rgba: &[u8],
    stride: usize,
    width: u32,
    height: u32,
    out: &mut I420Image,
) -> Result<()> {
    check_strided(rgba, stride, width, height)?;
    out.resize(width, height);
    let (cw, _) = chroma_size(width, height);
    convert(
        rgba,
        stride,
        width,
        height,
        [&mut out.y, &mut out.u, &mut out.v],
        [width as usize, cw, cw],
    )
}

/// Converts `rows` RGBA rows `stride` bytes apart into rows `y0..y0 + rows` of
/// `out`, which already has its size (`y0` even): a frame built strip by strip.
pub fn rgba_rows_to_i420(
    rgba: &[u8],
    stride: usize,
    out: &mut I420Image,
    y0: u32,
    rows: u32,
) -> Result<()> {
    let w = out.width;
    check_strided(rgba, stride, w, rows)?;
    if y0 % 2 != 0 || y0 + rows > out.height {
        return Err(Error::EncodeFailed(format!(
            "rows {y0}..{} do not fit a {}x{} frame",
            y0 + rows,
            w,
            out.height
        )));
    }
    let cw = out.chroma_width() as usize;
    let (cy0, w) = ((y0 / 2) as usize, w as usize);
    convert(
        rgba,
        stride,
        out.width,
        rows,
        [
            &mut out.y[y0 as usize * w..],
            &mut out.u[cy0 * cw..],
            &mut out.v[cy0 * cw..],
        ],
        [w, cw, cw],
    )
}

/// Converts into caller-owned planes with the given strides (bytes per row), e.g. the
/// buffers of an FFmpeg frame.
pub fn rgba_to_i420_planes(
    rgba: &[u8],
    width: u32,
    height: u32,
    planes: [&mut [u8]; 3],
    strides: [usize; 3],
) -> Result<()> {
    check_input(rgba, width, height)?;
    convert(rgba, width as usize * 4, width, height, planes, strides)
}

/// Converts an I420 frame back to tightly packed RGBA (opaque) in `rgba`
/// (resized), SIMD-accelerated.
pub fn i420_to_rgba(img: &I420Image, rgba: &mut Vec<u8>) -> Result<()> {
    rgba.resize(img.width as usize * img.height as usize * 4, 255);
    i420_rows_to_rgba(img, 0, img.height, rgba)
}

/// Converts rows `y0..y0 + rows` of an I420 frame (`y0` even) into tightly
/// packed RGBA rows in `rgba`: e.g. a thumbnail built strip by strip.
pub fn i420_rows_to_rgba(img: &I420Image, y0: u32, rows: u32, rgba: &mut [u8]) -> Result<()> {
    let (w, cw) = (img.width as usize, img.chroma_width() as usize);
    if y0 % 2 != 0 || y0 + rows > img.height || rgba.len() < w * rows as usize * 4 {
        return Err(Error::EncodeFailed(format!(
            "rows {y0}..{} of a {}x{} frame do not fit",
            y0 + rows,
            img.width,
            img.height
        )));
    }
    let (y0, c0) = (y0 as usize, y0 as usize / 2);
    let planes = YuvPlanarImage {
        y_plane: &img.y[y0 * w..],
        y_stride: w as u32,
        u_plane: &img.u[c0 * cw..],
        u_stride: cw as u32,
        v_plane: &img.v[c0 * cw..],
        v_stride: cw as u32,
        width: w as u32,
        height: rows,
    };
    yuv420_to_rgba(
        &planes,
        rgba,
        w as u32 * 4,
        YuvRange::Limited,
        YuvStandardMatrix::Bt709,
    )
    .map_err(|e| Error::EncodeFailed(format!("YUV to RGBA conversion failed: {e}")))
}

/// Converts `width × height` RGBA texels, rows `stride` bytes apart, into
/// caller-owned planes with the given strides (e.g. one basemap tile).
pub(crate) fn rgba_planes_strided(
    rgba: &[u8],
    stride: usize,
    width: u32,
    height: u32,
    planes: [&mut [u8]; 3],
    strides: [usize; 3],
) -> Result<()> {
    check_strided(rgba, stride, width, height)?;
    convert(rgba, stride, width, height, planes, strides)
}

fn convert(
    rgba: &[u8],
    rgba_stride: usize,
    width: u32,
    height: u32,
    planes: [&mut [u8]; 3],
    strides: [usize; 3],
) -> Result<()> {
    let [y, u, v] = planes;
    // The converter takes rows in pairs of whole strides: a last pair whose
    // second row stops short of its stride (a region of a larger image) goes
    // through a packed copy.
    if height % 2 == 0 && height >= 2 && rgba.len() < rgba_stride * height as usize {
        let head = height - 2;
        let row = width as usize * 4;
        let (y_head, y_tail) = y.split_at_mut(head as usize * strides[0]);
        let (u_head, u_tail) = u.split_at_mut(head as usize / 2 * strides[1]);
        let (v_head, v_tail) = v.split_at_mut(head as usize / 2 * strides[2]);
        if head > 0 {
            convert(
                rgba,
                rgba_stride,
                width,
                head,
                [y_head, u_head, v_head],
                strides,
            )?;
        }
        let from = head as usize * rgba_stride;
        let mut last = Vec::with_capacity(2 * row);
        last.extend_from_slice(&rgba[from..from + row]);
        last.extend_from_slice(&rgba[from + rgba_stride..from + rgba_stride + row]);
        return convert(&last, row, width, 2, [y_tail, u_tail, v_tail], strides);
    }
    let mut image = YuvPlanarImageMut {
        y_plane: BufferStoreMut::Borrowed(y),
        y_stride: strides[0] as u32,
        u_plane: BufferStoreMut::Borrowed(u),
        u_stride: strides[1] as u32,
        v_plane: BufferStoreMut::Borrowed(v),
        v_stride: strides[2] as u32,
        width,
        height,
    };
    rgba_to_yuv420(
        &mut image,
        rgba,
        rgba_stride as u32,
        YuvRange::Limited,
        YuvStandardMatrix::Bt709,
        YuvConversionMode::Balanced,
    )
    .map_err(|e| Error::EncodeFailed(format!("RGBA to YUV conversion failed: {e}")))
}

// BT.709 luma weights.
const KR: f32 = 0.2126;
const KB: f32 = 0.0722;
const KG: f32 = 1.0 - KR - KB;

fn luma(r: f32, g: f32, b: f32) -> f32 {
    16.0 + 219.0 / 255.0 * (KR * r + KG * g + KB * b)
}

fn chroma(r: f32, g: f32, b: f32) -> (f32, f32) {
    let y = KR * r + KG * g + KB * b;
    let cb = 128.0 + 224.0 / 255.0 * (b - y) / (2.0 * (1.0 - KB));
    let cr = 128.0 + 224.0 / 255.0 * (r - y) / (2.0 * (1.0 - KR));
    (cb, cr)
}

fn to_u8(x: f32) -> u8 {
    x.round().clamp(0.0, 255.0) as u8
}

/// Scalar floating-point reference of [`rgba_to_i420`] (same matrix, range and 2×2
/// chroma averaging); slow, meant for tests.
pub fn rgba_to_i420_reference(
    rgba: &[u8],
    width: u32,
    height: u32,
    out: &mut I420Image,
) -> Result<()> {
    check_input(rgba, width, height)?;
    out.resize(width, height);
    let (w, h) = (width as usize, height as usize);
    let px = |x: usize, y: usize| {
        let i = (y * w + x) * 4;
        (rgba[i] as f32, rgba[i + 1] as f32, rgba[i + 2] as f32)
    };
    for y in 0..h {
        for x in 0..w {
            let (r, g, b) = px(x, y);
            out.y[y * w + x] = to_u8(luma(r, g, b));
        }
    }
    let cw = w.div_ceil(2);
    for cy in 0..h.div_ceil(2) {
        for cx in 0..cw {
            let (mut r, mut g, mut b, mut n) = (0.0, 0.0, 0.0, 0.0);
            for y in (2 * cy)..(2 * cy + 2).min(h) {
                for x in (2 * cx)..(2 * cx + 2).min(w) {
                    let p = px(x, y);
                    r += p.0;
                    g += p.1;
                    b += p.2;
                    n += 1.0;
                }
            }
            let (cb, cr) = chroma(r / n, g / n, b / n);
            out.u[cy * cw + cx] = to_u8(cb);
            out.v[cy * cw + cx] = to_u8(cr);
        }
    }
    Ok(())
}
