//! JPEG thumbnail of one RGBA frame (SPEC section 3: a completed job reports one).

use super::io_error;
use super::yuv::{i420_rows_to_rgba, I420Image};
use crate::{Error, Result};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{ExtendedColorType, ImageEncoder, RgbaImage};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Default largest thumbnail width in pixels.
pub const THUMBNAIL_MAX_WIDTH: u32 = 640;

/// JPEG quality of thumbnails.
pub const THUMBNAIL_QUALITY: u8 = 85;

/// The size a `width × height` frame is scaled to so it is at most `max_width` wide,
/// keeping the aspect ratio (never upscaled; `None` keeps the full size).
pub fn thumbnail_size(width: u32, height: u32, max_width: Option<u32>) -> (u32, u32) {
    match max_width {
        Some(max) if max > 0 && width > max => {
            let h = (u64::from(height) * u64::from(max) + u64::from(width) / 2) / u64::from(width);
            (max, (h as u32).max(1))
        }
        _ => (width, height),
    }
}

/// Writes `rgba` (`width * height * 4` bytes) as a JPEG (quality 85) at `path`,
/// scaled down to at most `max_width` wide. Alpha is dropped. Returns the size written.
pub fn write_thumbnail(
    path: &Path,
    rgba: &[u8],
    width: u32,
    height: u32,
    max_width: Option<u32>,
) -> Result<(u32, u32)> {
    let image = RgbaImage::from_raw(width, height, rgba.to_vec()).ok_or_else(|| {
        Error::EncodeFailed(format!(
            "thumbnail frame has {} bytes; {width}x{height} RGBA needs {}",
            rgba.len(),
            width as usize * height as usize * 4
        ))
    })?;
    let (tw, th) = thumbnail_size(width, height, max_width);
    let image = if (tw, th) == (width, height) {
        image
    } else {
        image::imageops::resize(&image, tw, th, FilterType::Triangle)
    };
    let rgb = image::DynamicImage::ImageRgba8(image).into_rgb8();
    let file = File::create(path).map_err(|e| io_error("cannot create", path, e))?;
    let mut out = BufWriter::new(file);
    JpegEncoder::new_with_quality(&mut out, THUMBNAIL_QUALITY)
        .write_image(rgb.as_raw(), tw, th, ExtendedColorType::Rgb8)
        .map_err(|e| {
            let _ = std::fs::remove_file(path);
            io_error("cannot write", path, e)
        })?;
    out.into_inner().map_err(|e| {
        let _ = std::fs::remove_file(path);
        io_error("cannot write", path, e.error())
    })?;
    Ok((tw, th))
}

/// Writes a thumbnail of an I420 frame like [`write_thumbnail`]: converted to
/// RGBA a strip at a time and box-shrunk on the way to at least twice
/// `max_width` (no full-size RGBA copy of a 4K frame).
pub fn write_thumbnail_i420(
    path: &Path,
    img: &I420Image,
    max_width: Option<u32>,
) -> Result<(u32, u32)> {
    let k = max_width.map_or(1, |m| (img.width / (2 * m.max(1))).max(1)) as usize;
    let (w, h) = (img.width as usize, img.height as usize);
    let (sw, sh) = (w / k, h / k);
    let mut small = vec![0u8; sw * sh * 4];
    // Whole blocks of k rows, in strips of an even number of rows.
    let strip = 2 * k;
    let mut rgba = vec![0u8; w * strip * 4];
    let mut sums = vec![0u32; sw * 4];
    let n = (k * k) as u32;
    for y0 in (0..sh * k).step_by(strip) {
        let rows = strip.min(h - y0) & !1;
        i420_rows_to_rgba(img, y0 as u32, rows as u32, &mut rgba)?;
        for by in 0..rows / k {
            let y = y0 / k + by;
            if y >= sh {
                break;
            }
            sums.fill(0);
            for row in rgba[by * k * w * 4..].chunks_exact(w * 4).take(k) {
                for (x, sum) in sums.chunks_exact_mut(4).enumerate() {
                    for px in row[x * k * 4..(x + 1) * k * 4].chunks_exact(4) {
                        for c in 0..4 {
                            sum[c] += px[c] as u32;
                        }
                    }
                }
            }
            for (o, s) in small[y * sw * 4..(y + 1) * sw * 4].iter_mut().zip(&sums) {
                *o = ((s + n / 2) / n) as u8;
            }
        }
    }
    write_thumbnail(path, &small, sw as u32, sh as u32, max_width)
}
