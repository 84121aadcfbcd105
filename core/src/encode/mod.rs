//! Writing rendered frames to files: H.264/MP4 and VP9/WebM through FFmpeg, animated
//! GIF, numbered PNG frames, and a JPEG thumbnail.
//!
//! The pipeline talks to every format through [`FrameSink`] (see [`open_sink`]): it
//! pushes tightly packed RGBA frames (or, to sinks that [take
//! I420](FrameSink::takes_i420), frames it converted itself straight from the GPU's
//! readback), then calls [`FrameSink::finish`] for the
//! [`EncodeStats`], or [`FrameSink::abort`] (or simply drops the sink) to cancel,
//! which removes the partial output.

pub mod gif;
pub mod mp4;
pub mod png;
pub mod thumbnail;
pub mod yuv;

use crate::{Error, Result};
use std::path::Path;

pub use self::gif::GifWriter;
pub use self::mp4::{Container, Mp4Writer, VideoWriter};
pub use self::png::PngSequenceWriter;
pub use self::thumbnail::{write_thumbnail, write_thumbnail_i420, THUMBNAIL_MAX_WIDTH};
pub use self::yuv::{
    rgba_rows_to_i420, rgba_to_i420, rgba_to_i420_reference, rgba_to_i420_strided, I420Image,
};

/// Encoder effort/quality trade-off (SPEC section 2, `output.quality`).
///
/// Each level maps to an x264 preset and constant rate factor (CRF), a VP9 setting and
/// a GIF palette effort. The presets are picked for the project's 2-core machine, where
/// the encoder is the slowest stage and shares the cores with the renderer. CPU time
/// per 1080p frame measured there (FFmpeg's `testsrc2`, CRF 21): `veryfast` 32 ms,
/// `faster` 50 ms, `medium` 63 ms, `slow` 103 ms; SPEC section 9 adds that real map
/// animations encode 2–6× faster than noisy frames.
///
/// | level | x264 preset / CRF | VP9 CRF, deadline / `cpu-used` | GIF NeuQuant speed |
/// |---|---|---|---|
/// | `Draft` | `veryfast` / 26 | 38, realtime / 8 | 20 |
/// | `Standard` | `faster` / 21 | 33, realtime / 6 | 10 |
/// | `High` | `medium` / 18 | 28, good / 4 | 5 |
///
/// `Standard` takes `faster` rather than `medium` to keep 1080p near real time on two
/// cores. `slow` was rejected for `High`: 1.6× `medium`'s CPU time for ~3% fewer bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Quality {
    /// Quick previews: `veryfast`, CRF 26.
    Draft,
    /// The default: `faster`, CRF 21.
    #[default]
    Standard,
    /// Final renders: `medium`, CRF 18.
    High,
}

impl Quality {
    /// The x264 preset name for this level.
    pub fn x264_preset(self) -> &'static str {
        match self {
            Quality::Draft => "veryfast",
            Quality::Standard => "faster",
            Quality::High => "medium",
        }
    }

    /// The x264 constant rate factor for this level (lower is better).
    pub fn x264_crf(self) -> u32 {
        match self {
            Quality::Draft => 26,
            Quality::Standard => 21,
            Quality::High => 18,
        }
    }
}

/// Frame geometry, rate and quality of an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VideoSettings {
    /// Frame width in pixels (even for MP4/WebM).
    pub width: u32,
    /// Frame height in pixels (even for MP4/WebM).
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Encoder effort/quality.
    pub quality: Quality,
}

impl VideoSettings {
    /// Bytes in one tightly packed RGBA frame.
    pub fn rgba_len(&self) -> usize {
        self.width as usize * self.height as usize * 4
    }

    pub(crate) fn check_rgba(&self, rgba: &[u8]) -> Result<()> {
        if rgba.len() != self.rgba_len() {
            return Err(Error::EncodeFailed(format!(
                "frame has {} bytes; {}x{} RGBA needs {}",
                rgba.len(),
                self.width,
                self.height,
                self.rgba_len()
            )));
        }
        Ok(())
    }

    pub(crate) fn check_basic(&self) -> Result<()> {
        if self.width == 0 || self.height == 0 || self.fps == 0 {
            return Err(Error::EncodeFailed(format!(
                "invalid output settings {}x{} at {} fps",
                self.width, self.height, self.fps
            )));
        }
        Ok(())
    }
}

/// What a finished output contains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EncodeStats {
    /// Frames written to the output (GIF may keep fewer than were pushed, see [`GifWriter`]).
    pub frames: u64,
    /// Playback length in seconds.
    pub duration_seconds: f64,
    /// Size on disk; for a PNG sequence, the sum of all frame files.
    pub file_size_bytes: u64,
}

/// The output formats of SPEC section 2 (`output.format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// H.264 in MP4.
    Mp4,
    /// VP9 in WebM.
    Webm,
    /// Animated, looping GIF.
    Gif,
    /// Numbered PNG frames in a directory.
    Png,
}

impl OutputFormat {
    /// The usual file extension (`None` for the PNG directory).
    pub fn extension(self) -> Option<&'static str> {
        match self {
            OutputFormat::Mp4 => Some("mp4"),
            OutputFormat::Webm => Some("webm"),
            OutputFormat::Gif => Some("gif"),
            OutputFormat::Png => None,
        }
    }
}

/// Anything the pipeline can push frames into.
///
/// Dropping a sink without [`finish`](FrameSink::finish) behaves like
/// [`abort`](FrameSink::abort): the partial output is removed.
pub trait FrameSink: Send {
    /// Appends one tightly packed RGBA frame (`width * height * 4` bytes).
    fn push_rgba(&mut self, rgba: &[u8]) -> Result<()>;
    /// Whether the sink encodes YUV 4:2:0, so the producer may convert frames
    /// itself and call [`push_i420`](FrameSink::push_i420) (a quarter of RGBA's
    /// bytes to hand over, no RGBA copy).
    fn takes_i420(&self) -> bool {
        false
    }
    /// Appends one BT.709 limited-range I420 frame of the sink's size (only for
    /// sinks that [take I420](FrameSink::takes_i420)).
    fn push_i420(&mut self, frame: &I420Image) -> Result<()> {
        let _ = frame;
        Err(Error::EncodeFailed(
            "this output takes RGBA frames, not I420".into(),
        ))
    }
    /// Appends an I420 frame handed over whole, so the sink need not copy it:
    /// [`VideoWriter`] lets the encoder read the planes in place and gives the
    /// frame to `release` once the encoder holds no reference to it (a buffer
    /// pool gets it back). `release` is called exactly once, also on error.
    fn push_i420_owned(&mut self, frame: I420Image, release: ReleaseFrame) -> Result<()> {
        let pushed = self.push_i420(&frame);
        release(frame);
        pushed
    }
    /// Flushes and closes the output.
    fn finish(self: Box<Self>) -> Result<EncodeStats>;
    /// Stops and removes whatever was written.
    fn abort(self: Box<Self>);
}

/// Takes back a frame given to [`FrameSink::push_i420_owned`] once the sink is
/// done with it; may run on an encoder thread.
pub type ReleaseFrame = Box<dyn FnOnce(I420Image) + Send>;

/// Opens a sink writing `format` to `path` (for [`OutputFormat::Png`], `path` is the
/// directory that receives `frame_00001.png`, …).
pub fn open_sink(
    format: OutputFormat,
    path: &Path,
    settings: &VideoSettings,
) -> Result<Box<dyn FrameSink>> {
    Ok(match format {
        OutputFormat::Mp4 => Box::new(VideoWriter::create_as(path, settings, Container::Mp4)?),
        OutputFormat::Webm => Box::new(VideoWriter::create_as(path, settings, Container::Webm)?),
        OutputFormat::Gif => Box::new(GifWriter::create(path, settings)?),
        OutputFormat::Png => Box::new(PngSequenceWriter::create(path, settings)?),
    })
}

/// `ENCODE_FAILED` naming the path and the cause.
pub(crate) fn io_error(what: &str, path: &Path, err: impl std::fmt::Display) -> Error {
    Error::EncodeFailed(format!("{what} {}: {err}", path.display()))
}

/// Size of a file, 0 if it cannot be read.
pub(crate) fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
