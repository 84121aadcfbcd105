//! Rendered frames: owned and tightly packed ([`Frame`]), borrowed where the
//! GPU left them ([`FrameView`]), or either that or one composited on the CPU
//! ([`RenderedFrame`], what a video stream gets).

use super::composed::ComposedFrame;
use crate::encode::{rgba_to_i420_strided, I420Image};
use crate::error::{Error, Result};

/// A rendered frame: tightly packed RGBA8 rows, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Frame {
    /// Writes the frame as a PNG.
    pub fn save_png(&self, path: &std::path::Path) -> Result<()> {
        image::save_buffer(
            path,
            &self.rgba,
            self.width,
            self.height,
            image::ExtendedColorType::Rgba8,
        )
        .map_err(|e| Error::RenderFailed(format!("{}: {e}", path.display())))
    }
}

/// A rendered frame where the GPU left it: RGBA8 rows `stride` bytes apart
/// (readback rows are padded to 256 bytes), borrowed for the duration of a call.
#[derive(Debug, Clone, Copy)]
pub struct FrameView<'a> {
    pub width: u32,
    pub height: u32,
    /// Bytes from one row to the next (≥ `width * 4`).
    pub stride: usize,
    pub data: &'a [u8],
}

impl FrameView<'_> {
    /// Row `y`'s pixels (`width * 4` bytes).
    pub fn row(&self, y: u32) -> &[u8] {
        let start = y as usize * self.stride;
        &self.data[start..start + self.width as usize * 4]
    }

    /// A tightly packed copy shrunk by `factor` in each direction (mean of each
    /// `factor`×`factor` block; a partial block at the right or bottom edge is
    /// dropped), e.g. for a thumbnail of a 4K frame without a full-size copy.
    pub fn shrink(&self, factor: u32) -> Frame {
        let k = factor.max(1) as usize;
        let (w, h) = (self.width as usize / k, self.height as usize / k);
        let mut rgba = vec![0u8; w * h * 4];
        let mut sums = vec![0u32; w * 4];
        for (y, out) in rgba.chunks_exact_mut(w * 4).enumerate() {
            sums.fill(0);
            for sy in y * k..(y + 1) * k {
                let row = self.row(sy as u32);
                for (x, sum) in sums.chunks_exact_mut(4).enumerate() {
                    for px in row[x * k * 4..(x + 1) * k * 4].chunks_exact(4) {
                        for c in 0..4 {
                            sum[c] += px[c] as u32;
                        }
                    }
                }
            }
            let n = (k * k) as u32;
            for (o, s) in out.iter_mut().zip(&sums) {
                *o = ((s + n / 2) / n) as u8;
            }
        }
        Frame {
            width: w as u32,
            height: h as u32,
            rgba,
        }
    }

    /// Copies the frame into `out`, tightly packed (reusing its buffer).
    pub fn copy_to(&self, out: &mut Frame) {
        out.width = self.width;
        out.height = self.height;
        let row = self.width as usize * 4;
        out.rgba.resize(row * self.height as usize, 0);
        if self.stride == row {
            let n = out.rgba.len();
            out.rgba.copy_from_slice(&self.data[..n]);
            return;
        }
        for (y, dst) in out.rgba.chunks_exact_mut(row).enumerate() {
            dst.copy_from_slice(self.row(y as u32));
        }
    }
}

/// A frame handed to a streaming sink ([`PreparedJob::render_all_frames`]):
/// read back from the GPU, or composited on the CPU from tiles and overlays.
///
/// [`PreparedJob::render_all_frames`]: super::PreparedJob::render_all_frames
pub enum RenderedFrame<'a> {
    Gpu(FrameView<'a>),
    Composed(ComposedFrame<'a>),
}

impl RenderedFrame<'_> {
    /// Frame size in pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            RenderedFrame::Gpu(v) => (v.width, v.height),
            RenderedFrame::Composed(c) => c.size(),
        }
    }

    /// Writes the frame into `out` as I420 (resized as needed).
    pub fn write_i420(&self, out: &mut I420Image) -> Result<()> {
        match self {
            RenderedFrame::Gpu(v) => rgba_to_i420_strided(v.data, v.stride, v.width, v.height, out),
            RenderedFrame::Composed(c) => c.write_i420(out),
        }
    }

    /// Copies the frame into `out`, tightly packed RGBA (reusing its buffer).
    pub fn copy_to(&self, out: &mut Frame) -> Result<()> {
        match self {
            RenderedFrame::Gpu(v) => {
                v.copy_to(out);
                Ok(())
            }
            RenderedFrame::Composed(c) => c.copy_to(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w`×`h` view with rows padded to `stride` bytes; pixel (x, y) holds
    /// (x, y, x + y, 255) and the padding 0xEE.
    fn padded(w: u32, h: u32, stride: usize) -> Vec<u8> {
        let mut data = vec![0xEE; stride * h as usize];
        for y in 0..h as usize {
            for x in 0..w as usize {
                let px = [x as u8, y as u8, (x + y) as u8, 255];
                data[y * stride + x * 4..][..4].copy_from_slice(&px);
            }
        }
        data
    }

    #[test]
    fn copy_to_drops_row_padding() {
        let data = padded(3, 2, 16);
        let view = FrameView {
            width: 3,
            height: 2,
            stride: 16,
            data: &data,
        };
        let mut out = Frame::default();
        view.copy_to(&mut out);
        assert_eq!((out.width, out.height), (3, 2));
        assert_eq!(out.rgba.len(), 24);
        assert_eq!(&out.rgba[12..16], &[0, 1, 1, 255]);
        assert!(!out.rgba.contains(&0xEE));
    }

    #[test]
    fn shrink_averages_blocks_and_drops_partial_edges() {
        let data = padded(5, 4, 32);
        let view = FrameView {
            width: 5,
            height: 4,
            stride: 32,
            data: &data,
        };
        let small = view.shrink(2);
        assert_eq!((small.width, small.height), (2, 2));
        // Block (1, 1) covers x 2..4, y 2..4: means 2.5, 2.5, 5 → rounded 3, 3, 5.
        assert_eq!(&small.rgba[12..16], &[3, 3, 5, 255]);
        assert_eq!(view.shrink(1).rgba.len(), 5 * 4 * 4);
    }
}
