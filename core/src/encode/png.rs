//! A numbered PNG sequence (`frame_00001.png`, `frame_00002.png`, …) in a directory,
//! for editing software that imports image sequences.

use super::{io_error, EncodeStats, FrameSink, VideoSettings};
use crate::Result;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// File name of frame `index` (1-based): `frame_00001.png`.
pub fn frame_file_name(index: u64) -> String {
    format!("frame_{index:05}.png")
}

/// Writes each pushed frame as an RGBA PNG. Dropping it without
/// [`finish`](Self::finish) deletes the frames written (and the directory, if it
/// created it).
pub struct PngSequenceWriter {
    dir: PathBuf,
    created_dir: bool,
    settings: VideoSettings,
    written: Vec<PathBuf>,
    bytes: u64,
    done: bool,
}

impl PngSequenceWriter {
    /// Uses (creating if needed) the directory `dir`; existing frame files of the same
    /// names are overwritten.
    pub fn create(dir: &Path, settings: &VideoSettings) -> Result<Self> {
        settings.check_basic()?;
        let created_dir = !dir.is_dir();
        std::fs::create_dir_all(dir).map_err(|e| io_error("cannot create", dir, e))?;
        Ok(PngSequenceWriter {
            dir: dir.to_path_buf(),
            created_dir,
            settings: *settings,
            written: Vec::new(),
            bytes: 0,
            done: false,
        })
    }

    /// Writes the next frame (`width * height * 4` bytes of RGBA).
    pub fn push_rgba(&mut self, rgba: &[u8]) -> Result<()> {
        self.settings.check_rgba(rgba)?;
        let path = self
            .dir
            .join(frame_file_name(self.written.len() as u64 + 1));
        let file = File::create(&path).map_err(|e| io_error("cannot create", &path, e))?;
        self.written.push(path.clone());
        let mut out = BufWriter::new(file);
        // Fast deflate: frames are big and many; size matters less than time here.
        PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
            .write_image(
                rgba,
                self.settings.width,
                self.settings.height,
                ExtendedColorType::Rgba8,
            )
            .map_err(|e| io_error("cannot write", &path, e))?;
        let file = out
            .into_inner()
            .map_err(|e| io_error("cannot write", &path, e.error()))?;
        self.bytes += file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(())
    }

    /// Finishes the sequence.
    pub fn finish(mut self) -> Result<EncodeStats> {
        if self.written.is_empty() {
            return Err(io_error("cannot write", &self.dir, "no frames were pushed"));
        }
        self.done = true;
        Ok(EncodeStats {
            frames: self.written.len() as u64,
            duration_seconds: self.written.len() as f64 / f64::from(self.settings.fps),
            file_size_bytes: self.bytes,
        })
    }

    /// Stops and deletes the frames written.
    pub fn abort(self) {
        drop(self);
    }
}

impl Drop for PngSequenceWriter {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        for path in &self.written {
            let _ = std::fs::remove_file(path);
        }
        if self.created_dir {
            // Only succeeds if nothing else was put there.
            let _ = std::fs::remove_dir(&self.dir);
        }
    }
}

impl FrameSink for PngSequenceWriter {
    fn push_rgba(&mut self, rgba: &[u8]) -> Result<()> {
        PngSequenceWriter::push_rgba(self, rgba)
    }

    fn finish(self: Box<Self>) -> Result<EncodeStats> {
        PngSequenceWriter::finish(*self)
    }

    fn abort(self: Box<Self>) {
        drop(self);
    }
}
