//! Animated, endlessly looping GIF with a NeuQuant palette per frame.
//!
//! GIF delays are whole centiseconds and browsers slow anything under 2 cs down to
//! 10 cs, so frames are timed by their cumulative timestamps (30 fps gives 3, 3, 4, …
//! cs, no drift) and above 50 fps every second frame is kept (60 fps → 30 fps).

use super::{file_size, io_error, EncodeStats, FrameSink, Quality, VideoSettings};
use crate::Result;
use gif::{Encoder, Frame, Repeat};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// The highest frame rate a GIF keeps every frame of.
pub const GIF_MAX_FPS: u32 = 50;

/// Writes pushed RGBA frames as a looping GIF. Dropping it without
/// [`finish`](Self::finish) deletes the partial file.
pub struct GifWriter {
    encoder: Option<Encoder<BufWriter<File>>>,
    path: PathBuf,
    settings: VideoSettings,
    /// Keep one pushed frame in `step`.
    step: u64,
    pushed: u64,
    written: u64,
    /// Timestamp (cs) at which the held frame starts.
    held_start_cs: u64,
    held: Option<Vec<u8>>,
    scratch: Vec<u8>,
}

impl GifWriter {
    /// Creates the GIF file at `path`.
    pub fn create(path: &Path, settings: &VideoSettings) -> Result<Self> {
        settings.check_basic()?;
        let (w, h) = match (
            u16::try_from(settings.width),
            u16::try_from(settings.height),
        ) {
            (Ok(w), Ok(h)) => (w, h),
            _ => {
                return Err(io_error(
                    "cannot create",
                    path,
                    "GIF frames are limited to 65535x65535",
                ))
            }
        };
        let file = File::create(path).map_err(|e| io_error("cannot create", path, e))?;
        let mut writer = GifWriter {
            encoder: None,
            path: path.to_path_buf(),
            settings: *settings,
            step: u64::from(settings.fps.div_ceil(GIF_MAX_FPS)),
            pushed: 0,
            written: 0,
            held_start_cs: 0,
            held: None,
            scratch: Vec::new(),
        };
        let mut encoder = Encoder::new(BufWriter::new(file), w, h, &[])
            .map_err(|e| io_error("cannot write", path, e))?;
        encoder
            .set_repeat(Repeat::Infinite)
            .map_err(|e| io_error("cannot write", path, e))?;
        writer.encoder = Some(encoder);
        Ok(writer)
    }

    /// NeuQuant sampling factor (1 = best, 30 = fastest) for the quality level.
    fn speed(&self) -> i32 {
        match self.settings.quality {
            Quality::Draft => 20,
            Quality::Standard => 10,
            Quality::High => 5,
        }
    }

    /// Timestamp of pushed frame `n` in centiseconds.
    fn time_cs(&self, n: u64) -> u64 {
        let fps = u64::from(self.settings.fps);
        (n * 100 + fps / 2) / fps
    }

    /// Adds one frame (`width * height * 4` bytes of RGBA).
    pub fn push_rgba(&mut self, rgba: &[u8]) -> Result<()> {
        self.settings.check_rgba(rgba)?;
        let n = self.pushed;
        self.pushed += 1;
        if n % self.step != 0 {
            return Ok(());
        }
        // A frame's delay is known once the next kept frame arrives.
        let start = self.time_cs(n);
        if let Some(held) = self.held.take() {
            self.write(held, start)?;
        }
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        buf.extend_from_slice(rgba);
        self.held = Some(buf);
        self.held_start_cs = start;
        Ok(())
    }

    fn write(&mut self, mut rgba: Vec<u8>, end_cs: u64) -> Result<()> {
        let delay = (end_cs.saturating_sub(self.held_start_cs)).clamp(2, u64::from(u16::MAX));
        let (w, h) = (self.settings.width as u16, self.settings.height as u16);
        let mut frame = Frame::from_rgba_speed(w, h, &mut rgba, self.speed());
        frame.delay = delay as u16;
        let encoder = self.encoder.as_mut().expect("GifWriter used after close");
        encoder
            .write_frame(&frame)
            .map_err(|e| io_error("cannot write", &self.path, e))?;
        self.written += 1;
        self.scratch = rgba;
        Ok(())
    }

    /// Writes the last frame and the trailer.
    pub fn finish(mut self) -> Result<EncodeStats> {
        let result = self.finish_inner();
        if result.is_err() {
            self.encoder = None;
            let _ = std::fs::remove_file(&self.path);
        }
        result
    }

    fn finish_inner(&mut self) -> Result<EncodeStats> {
        let Some(held) = self.held.take() else {
            return Err(io_error(
                "cannot write",
                &self.path,
                "no frames were pushed",
            ));
        };
        let end = self.time_cs(self.pushed);
        self.write(held, end)?;
        let encoder = self.encoder.take().expect("GifWriter used after close");
        let mut file = encoder
            .into_inner()
            .map_err(|e| io_error("cannot write", &self.path, e))?;
        std::io::Write::flush(&mut file).map_err(|e| io_error("cannot write", &self.path, e))?;
        drop(file);
        Ok(EncodeStats {
            frames: self.written,
            duration_seconds: self.pushed as f64 / f64::from(self.settings.fps),
            file_size_bytes: file_size(&self.path),
        })
    }

    /// Stops and deletes the partial file.
    pub fn abort(self) {
        drop(self);
    }
}

impl Drop for GifWriter {
    fn drop(&mut self) {
        if let Some(encoder) = self.encoder.take() {
            drop(encoder);
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl FrameSink for GifWriter {
    fn push_rgba(&mut self, rgba: &[u8]) -> Result<()> {
        GifWriter::push_rgba(self, rgba)
    }

    fn finish(self: Box<Self>) -> Result<EncodeStats> {
        GifWriter::finish(*self)
    }

    fn abort(self: Box<Self>) {
        drop(self);
    }
}
