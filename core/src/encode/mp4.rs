//! Video files through FFmpeg (ffmpeg-next): H.264 (libx264) in MP4, and VP9
//! (libvpx-vp9) in WebM with the same code.
//!
//! Streams are yuv420p, BT.709 limited range, tagged as such in the bitstream and the
//! container. Every packet gets a one-frame duration (libx264 leaves it 0, which makes
//! MP4 files a frame short) and pts/dts rescaled from `1/fps` to the stream's time base,
//! so a file of N frames at F fps lasts exactly N/F seconds. MP4 is written with
//! `+faststart` (moov before mdat) so players can start before the download ends.

use super::yuv::{rgba_to_i420_planes, I420Image};
use super::{file_size, io_error, EncodeStats, FrameSink, Quality, ReleaseFrame, VideoSettings};
use crate::{Error, Result};
use ffmpeg_next as ff;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The codec/container pairs [`VideoWriter`] can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    /// H.264 (libx264) in MP4, `+faststart`.
    Mp4,
    /// VP9 (libvpx-vp9, constant quality) in WebM.
    Webm,
}

impl Container {
    fn muxer(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Webm => "webm",
        }
    }

    fn encoder(self) -> &'static str {
        match self {
            Container::Mp4 => "libx264",
            Container::Webm => "libvpx-vp9",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Container::Mp4 => "H.264",
            Container::Webm => "VP9",
        }
    }
}

/// The H.264/MP4 writer of the API; [`VideoWriter::create`] makes MP4 files.
pub type Mp4Writer = VideoWriter;

/// Encodes frames into an MP4 (H.264) or WebM (VP9) file.
///
/// Dropping it without [`finish`](Self::finish) (or calling [`abort`](Self::abort))
/// closes and deletes the partial file.
pub struct VideoWriter {
    inner: Option<Inner>,
    path: PathBuf,
    settings: VideoSettings,
    container: Container,
}

struct Inner {
    octx: ff::format::context::Output,
    encoder: ff::encoder::Video,
    frame: ff::frame::Video,
    stream_index: usize,
    encoder_tb: ff::Rational,
    stream_tb: ff::Rational,
    frames: u64,
}

/// Initialises FFmpeg once and keeps its log to errors (x264 prints statistics at
/// `info` level otherwise).
fn init_ffmpeg() -> Result<()> {
    static INIT: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| {
        ff::init().map_err(|e| e.to_string())?;
        ff::log::set_level(ff::log::Level::Error);
        Ok(())
    })
    .clone()
    .map_err(|e| Error::EncodeFailed(format!("cannot initialise FFmpeg: {e}")))
}

/// Encoder threads: every core, since x264/libvpx threads idle while the renderer
/// works; capped where more threads stop paying off.
fn encoder_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(16)
}

fn ff_err(what: &str) -> impl Fn(ff::Error) -> Error + '_ {
    move |e| Error::EncodeFailed(format!("{what}: {e}"))
}

impl VideoWriter {
    /// Creates an H.264 MP4 file at `path`.
    pub fn create(path: &Path, settings: &VideoSettings) -> Result<Self> {
        Self::create_as(path, settings, Container::Mp4)
    }

    /// Creates a file at `path` with the given codec/container.
    ///
    /// Fails with `ENCODE_FAILED` naming the path when the file cannot be created,
    /// when the size is odd or zero, or when FFmpeg lacks the encoder.
    pub fn create_as(path: &Path, settings: &VideoSettings, container: Container) -> Result<Self> {
        settings.check_basic()?;
        if settings.width % 2 != 0 || settings.height % 2 != 0 {
            return Err(Error::EncodeFailed(format!(
                "{} needs an even frame size, got {}x{}",
                container.label(),
                settings.width,
                settings.height
            )));
        }
        init_ffmpeg()?;
        let url = path
            .to_str()
            .filter(|s| !s.contains('\0'))
            .map(|s| format!("file:{s}"))
            .ok_or_else(|| io_error("cannot create", path, "path is not valid UTF-8"))?;
        let octx = ff::format::output_as(&url, container.muxer())
            .map_err(|e| io_error("cannot create", path, e))?;
        match Inner::open(octx, settings, container) {
            Ok(inner) => Ok(VideoWriter {
                inner: Some(inner),
                path: path.to_path_buf(),
                settings: *settings,
                container,
            }),
            Err(e) => {
                // The file was created (and closed again when `octx` was dropped).
                let _ = std::fs::remove_file(path);
                Err(e)
            }
        }
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The settings it was created with.
    pub fn settings(&self) -> &VideoSettings {
        &self.settings
    }

    /// Frames pushed so far.
    pub fn frames(&self) -> u64 {
        self.inner.as_ref().map_or(0, |i| i.frames)
    }

    fn inner(&mut self) -> Result<&mut Inner> {
        self.inner
            .as_mut()
            .ok_or_else(|| Error::EncodeFailed("writer already closed".into()))
    }

    /// Converts one tightly packed RGBA frame (BT.709, SIMD) and encodes it.
    pub fn push_rgba(&mut self, rgba: &[u8]) -> Result<()> {
        self.settings.check_rgba(rgba)?;
        let (w, h) = (self.settings.width, self.settings.height);
        let inner = self.inner()?;
        inner.make_writable()?;
        // SAFETY: the three planes of a yuv420p AVFrame are disjoint regions of its
        // buffer(s), each `linesize[i] * plane_height` bytes long, and the frame is
        // writable (no other reference) after `make_writable`.
        let (planes, strides) = unsafe {
            let f = &mut *inner.frame.as_mut_ptr();
            let mut strides = [0usize; 3];
            let mut lens = [0usize; 3];
            for i in 0..3 {
                strides[i] = f.linesize[i] as usize;
                let rows = if i == 0 { h } else { h.div_ceil(2) } as usize;
                lens[i] = strides[i] * rows;
            }
            (
                [
                    std::slice::from_raw_parts_mut(f.data[0], lens[0]),
                    std::slice::from_raw_parts_mut(f.data[1], lens[1]),
                    std::slice::from_raw_parts_mut(f.data[2], lens[2]),
                ],
                strides,
            )
        };
        rgba_to_i420_planes(rgba, w, h, planes, strides)?;
        inner.send_frame()
    }

    /// Encodes one frame given as tightly packed I420 planes (Y: `width × height`,
    /// U and V: `width/2 × height/2`), e.g. converted on another thread.
    pub fn push_i420(&mut self, y: &[u8], u: &[u8], v: &[u8]) -> Result<()> {
        self.check_planes(y, u, v)?;
        let w = self.settings.width as usize;
        let cw = w / 2;
        let inner = self.inner()?;
        inner.make_writable()?;
        for (i, (src, width)) in [(y, w), (u, cw), (v, cw)].into_iter().enumerate() {
            let stride = inner.frame.stride(i);
            let dst = inner.frame.data_mut(i);
            for (src_row, dst_row) in src.chunks_exact(width).zip(dst.chunks_mut(stride)) {
                dst_row[..width].copy_from_slice(src_row);
            }
        }
        inner.send_frame()
    }

    /// `ENCODE_FAILED` unless the planes are the output's tightly packed I420
    /// planes (the size is even: checked at creation).
    fn check_planes(&self, y: &[u8], u: &[u8], v: &[u8]) -> Result<()> {
        let (w, h) = (self.settings.width as usize, self.settings.height as usize);
        let c = (w / 2) * (h / 2);
        if y.len() != w * h || u.len() != c || v.len() != c {
            return Err(Error::EncodeFailed(format!(
                "I420 planes have {}/{}/{} bytes; {w}x{h} needs {}/{c}/{c}",
                y.len(),
                u.len(),
                v.len(),
                w * h
            )));
        }
        Ok(())
    }

    /// [`check_planes`](Self::check_planes) for a whole frame, its size first.
    fn check_frame(&self, frame: &I420Image) -> Result<()> {
        let (w, h) = (self.settings.width, self.settings.height);
        if (frame.width, frame.height) != (w, h) {
            return Err(Error::EncodeFailed(format!(
                "I420 frame is {}x{}; the output is {w}x{h}",
                frame.width, frame.height
            )));
        }
        self.check_planes(&frame.y, &frame.u, &frame.v)
    }

    /// Encodes `frame` without copying it: the encoder gets a reference-counted
    /// frame over its planes, and `release` gets `frame` back when the last
    /// reference goes (libx264 copies its input at once, so before this
    /// returns). `release` is called exactly once, also on error.
    pub fn push_i420_owned(&mut self, frame: I420Image, release: ReleaseFrame) -> Result<()> {
        let usable = self.check_frame(&frame);
        let usable = usable.and_then(|()| self.inner().map(|_| ()));
        if let Err(e) = usable {
            release(frame);
            return Err(e);
        }
        let inner = self.inner()?;
        let mut video = borrowed_frame(frame, release, &inner.frame)?;
        video.set_pts(Some(inner.frames as i64));
        inner
            .encoder
            .send_frame(&video)
            .map_err(ff_err("encoding a frame failed"))?;
        drop(video); // our reference; the frame goes back once the encoder's goes
        inner.frames += 1;
        inner.write_packets()
    }

    /// Flushes the encoder, writes the trailer (and moves moov to the front for MP4),
    /// and reports what the file holds. On failure the partial file is removed.
    pub fn finish(mut self) -> Result<EncodeStats> {
        let mut inner = self.inner.take().expect("VideoWriter used after close");
        let frames = inner.frames;
        let result = if frames == 0 {
            Err(Error::EncodeFailed(format!(
                "no frames were written to {}",
                self.path.display()
            )))
        } else {
            inner.finish()
        };
        drop(inner); // closes the file
        match result {
            Ok(()) => Ok(EncodeStats {
                frames,
                duration_seconds: frames as f64 / self.settings.fps as f64,
                file_size_bytes: file_size(&self.path),
            }),
            Err(e) => {
                let _ = std::fs::remove_file(&self.path);
                Err(e)
            }
        }
    }

    /// Stops encoding and deletes the partial file.
    pub fn abort(self) {
        drop(self);
    }
}

/// A frame handed to the encoder whole, and who takes it back.
type Lent = (I420Image, ReleaseFrame);

/// Gives a frame lent by [`borrowed_frame`] back: FFmpeg calls this once, when
/// the buffer's last reference goes.
unsafe extern "C" fn give_back(opaque: *mut std::ffi::c_void, _data: *mut u8) {
    // SAFETY: `opaque` is the `Box<Lent>` leaked by `borrowed_frame`, and FFmpeg
    // frees a buffer exactly once.
    let lent = unsafe { Box::from_raw(opaque.cast::<Lent>()) };
    // Never unwind into C.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let (frame, release) = *lent;
        release(frame);
    }));
}

/// A yuv420p AVFrame over `frame`'s planes (tightly packed, even size) with the
/// colour tags of `props`, owning `frame` through a reference-counted buffer
/// that hands it to `release` when freed.
fn borrowed_frame(
    frame: I420Image,
    release: ReleaseFrame,
    props: &ff::frame::Video,
) -> Result<ff::frame::Video> {
    let (w, h) = (frame.width as i32, frame.height as i32);
    let mut lent = Box::new((frame, release));
    let planes = [
        lent.0.y.as_mut_ptr(),
        lent.0.u.as_mut_ptr(),
        lent.0.v.as_mut_ptr(),
    ];
    let y_len = lent.0.y.len();
    let opaque = Box::into_raw(lent).cast::<std::ffi::c_void>();
    // SAFETY: `planes[0]` points at `y_len` bytes owned by the box behind
    // `opaque`, which `give_back` frees (once) when the buffer goes; the heap
    // blocks of the planes do not move while the box lives.
    let buf = unsafe { ff::ffi::av_buffer_create(planes[0], y_len, Some(give_back), opaque, 0) };
    if buf.is_null() {
        // SAFETY: FFmpeg did not take the box; it is still ours to free.
        unsafe { give_back(opaque, std::ptr::null_mut()) };
        return Err(Error::EncodeFailed("cannot wrap a frame buffer".into()));
    }
    let mut video = ff::frame::Video::empty();
    // SAFETY: `video` owns a freshly allocated, empty AVFrame; `buf` is a new
    // reference it takes over (freed with the frame); the three data pointers
    // stay valid while `buf` lives, as the box owns all three planes.
    unsafe {
        let f = &mut *video.as_mut_ptr();
        f.buf[0] = buf;
        f.format = ff::ffi::AVPixelFormat::AV_PIX_FMT_YUV420P as i32;
        f.width = w;
        f.height = h;
        for (i, p) in planes.into_iter().enumerate() {
            f.data[i] = p;
            f.linesize[i] = if i == 0 { w } else { w / 2 };
        }
        let p = &*props.as_ptr();
        f.colorspace = p.colorspace;
        f.color_range = p.color_range;
        f.color_primaries = p.color_primaries;
        f.color_trc = p.color_trc;
    }
    Ok(video)
}

impl Drop for VideoWriter {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            drop(inner); // close before unlinking
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl FrameSink for VideoWriter {
    fn push_rgba(&mut self, rgba: &[u8]) -> Result<()> {
        VideoWriter::push_rgba(self, rgba)
    }

    fn takes_i420(&self) -> bool {
        true
    }

    fn push_i420(&mut self, frame: &I420Image) -> Result<()> {
        self.check_frame(frame)?;
        VideoWriter::push_i420(self, &frame.y, &frame.u, &frame.v)
    }

    fn push_i420_owned(&mut self, frame: I420Image, release: ReleaseFrame) -> Result<()> {
        VideoWriter::push_i420_owned(self, frame, release)
    }

    fn finish(self: Box<Self>) -> Result<EncodeStats> {
        VideoWriter::finish(*self)
    }

    fn abort(self: Box<Self>) {
        drop(self);
    }
}

impl std::fmt::Debug for VideoWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoWriter")
            .field("path", &self.path)
            .field("settings", &self.settings)
            .field("container", &self.container)
            .field("frames", &self.frames())
            .finish()
    }
}

/// Codec options for a container and quality level.
fn codec_options(container: Container, settings: &VideoSettings) -> ff::Dictionary<'static> {
    let quality = settings.quality;
    let mut opts = ff::Dictionary::new();
    match container {
        Container::Mp4 => {
            opts.set("preset", quality.x264_preset());
            opts.set("crf", &quality.x264_crf().to_string());
            opts.set("profile", "high");
            // Above 1440p x264's frame buffers dominate the process' memory: each
            // 4K frame it holds costs ~40 MB (planes, half-pel planes, lookahead
            // copies). A 2-frame lookahead, no frames queued ahead of the
            // threads, one reference frame, no B-frames and sliced threads
            // (every thread on one frame instead of one frame per thread) keep a
            // 4K encode near 0.3 GB instead of ~1.1 GB with the presets'
            // defaults (0.43 GB with frame threads, 3 frames of lookahead and one
            // B-frame), and encode ~25% faster, for a few per cent more bytes on
            // the example batch (2 threads).
            if u64::from(settings.width) * u64::from(settings.height) > 2560 * 1440 {
                opts.set("rc-lookahead", "2");
                opts.set(
                    "x264-params",
                    "sync-lookahead=0:bframes=0:ref=1:sliced-threads=1",
                );
            }
        }
        Container::Webm => {
            // Constant quality (bit rate 0). libvpx's `good` deadline runs at ~5–10 fps
            // at 1080p on 2 cores; `realtime` at ~30 fps for ~10% more bytes.
            let (crf, deadline, cpu_used) = match quality {
                Quality::Draft => ("38", "realtime", "8"),
                Quality::Standard => ("33", "realtime", "6"),
                Quality::High => ("28", "good", "4"),
            };
            opts.set("crf", crf);
            opts.set("b", "0");
            opts.set("deadline", deadline);
            opts.set("cpu-used", cpu_used);
            opts.set("row-mt", "1");
        }
    }
    opts.set("threads", &encoder_threads().to_string());
    opts
}

impl Inner {
    fn open(
        mut octx: ff::format::context::Output,
        settings: &VideoSettings,
        container: Container,
    ) -> Result<Self> {
        let codec = ff::encoder::find_by_name(container.encoder()).ok_or_else(|| {
            Error::EncodeFailed(format!(
                "{} output needs FFmpeg's {} encoder, which this FFmpeg build lacks",
                container.muxer(),
                container.encoder()
            ))
        })?;
        let fps = settings.fps as i32;
        let encoder_tb = ff::Rational::new(1, fps);
        let global_header = octx
            .format()
            .flags()
            .contains(ff::format::Flags::GLOBAL_HEADER);

        let mut enc = ff::codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(ff_err("cannot set up the video encoder"))?;
        enc.set_width(settings.width);
        enc.set_height(settings.height);
        enc.set_format(ff::format::Pixel::YUV420P);
        enc.set_time_base(encoder_tb);
        enc.set_frame_rate(Some(ff::Rational::new(fps, 1)));
        // A keyframe every 2 s keeps seeking/scrubbing snappy in players.
        enc.set_gop(settings.fps * 2);
        enc.set_colorspace(ff::color::Space::BT709);
        enc.set_color_range(ff::color::Range::MPEG);
        enc.set_color_primaries(ff::color::Primaries::BT709);
        enc.set_color_transfer_characteristic(ff::color::TransferCharacteristic::BT709);
        if global_header {
            enc.set_flags(ff::codec::Flags::GLOBAL_HEADER);
        }
        let encoder = enc
            .open_with(codec_options(container, settings))
            .map_err(ff_err(&format!("cannot open {}", container.encoder())))?;

        let stream_index = {
            let mut ost = octx
                .add_stream(codec)
                .map_err(ff_err("cannot add the video stream"))?;
            ost.set_parameters(&encoder);
            ost.set_time_base(encoder_tb);
            ost.set_avg_frame_rate(ff::Rational::new(fps, 1));
            ost.set_rate(ff::Rational::new(fps, 1));
            ost.index()
        };

        let mut header_opts = ff::Dictionary::new();
        if container == Container::Mp4 {
            header_opts.set("movflags", "+faststart");
        }
        octx.write_header_with(header_opts)
            .map_err(ff_err("cannot write the file header"))?;
        // The muxer may pick its own time base (MP4: a multiple of the frame rate).
        let stream_tb = octx
            .stream(stream_index)
            .map(|s| s.time_base())
            .ok_or_else(|| Error::EncodeFailed("video stream vanished".into()))?;

        let mut frame =
            ff::frame::Video::new(ff::format::Pixel::YUV420P, settings.width, settings.height);
        frame.set_color_space(ff::color::Space::BT709);
        frame.set_color_range(ff::color::Range::MPEG);
        frame.set_color_primaries(ff::color::Primaries::BT709);
        frame.set_color_transfer_characteristic(ff::color::TransferCharacteristic::BT709);

        Ok(Inner {
            octx,
            encoder,
            frame,
            stream_index,
            encoder_tb,
            stream_tb,
            frames: 0,
        })
    }

    /// Makes sure the frame buffer is not shared with the encoder before writing to it.
    fn make_writable(&mut self) -> Result<()> {
        // SAFETY: the frame owns a valid, allocated AVFrame.
        let ret = unsafe { ff::ffi::av_frame_make_writable(self.frame.as_mut_ptr()) };
        if ret < 0 {
            return Err(Error::EncodeFailed(format!(
                "cannot get a frame buffer: {}",
                ff::Error::from(ret)
            )));
        }
        Ok(())
    }

    fn send_frame(&mut self) -> Result<()> {
        self.frame.set_pts(Some(self.frames as i64));
        self.encoder
            .send_frame(&self.frame)
            .map_err(ff_err("encoding a frame failed"))?;
        self.frames += 1;
        self.write_packets()
    }

    /// Moves every packet the encoder has ready into the file.
    fn write_packets(&mut self) -> Result<()> {
        let mut packet = ff::Packet::empty();
        loop {
            match self.encoder.receive_packet(&mut packet) {
                Ok(()) => {
                    packet.set_stream(self.stream_index);
                    // One frame long; libx264 leaves this 0 (SPEC section 9).
                    packet.set_duration(1);
                    packet.rescale_ts(self.encoder_tb, self.stream_tb);
                    packet
                        .write_interleaved(&mut self.octx)
                        .map_err(ff_err("writing a packet failed"))?;
                }
                Err(ff::Error::Eof) => return Ok(()),
                Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => return Ok(()),
                Err(e) => return Err(ff_err("encoding failed")(e)),
            }
        }
    }

    fn finish(&mut self) -> Result<()> {
        self.encoder
            .send_eof()
            .map_err(ff_err("flushing the encoder failed"))?;
        self.write_packets()?;
        self.octx
            .write_trailer()
            .map_err(ff_err("writing the file trailer failed"))
    }
}
