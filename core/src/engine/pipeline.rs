//! One job from start to files: route, prepare, then the render thread feeding a
//! bounded queue that an encoder thread drains.
//!
//! ```text
//! render thread (GPU, 2 frames in flight; RGBA→I420 straight from the readback
//! buffer — or, on software GPUs, composited on the CPU strip by strip — into a
//! recycled buffer, thumbnail) ──▶ queue ([`queue_frames`]) ──▶
//!     encoder thread (x264, mux; the frame lent to it without a copy) ──▶
//!     buffer returned for reuse once the encoder lets go of it
//! ```
//!
//! At most the queue's depth + 2 frame buffers exist per job whatever the
//! duration, so memory is bounded. Image outputs (GIF, PNG) get RGBA frames
//! instead of I420. Outputs are written under hidden `.part` names and renamed
//! when complete; on failure or cancel they are removed.

use super::batch::BatchInner;
use super::types::{JobProgress, JobResult, JobStatus, ProgressEvent, RouteInfo};
use super::Runtime;
use crate::encode::I420Image;
use crate::encode::{self, EncodeStats, FrameSink, OutputFormat, Quality, VideoSettings};
use crate::error::{Error, Result};
use crate::gpu::{Frame, FrameView, PreparedJob, RenderedFrame, Warmup};
use crate::job::{self, Job};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

/// Frames that may wait between the renderer and the encoder, at least.
pub const QUEUE_FRAMES: usize = 2;
/// … and at most.
pub const MAX_QUEUE_FRAMES: usize = 32;
/// Memory the queued frames may take up to 1440p: 32 I420 frames at 1080p,
/// half a second of x264's work, so that the renderer (running at a lower
/// priority) banks frames while x264 leaves cores idle and rides out the
/// frames that draw many tiles.
pub const QUEUE_BYTES: usize = 100 << 20;
/// … and above (2 frames at 4K, where x264 is the slower side by far and
/// memory is tight).
pub const QUEUE_BYTES_LARGE: usize = 32 << 20;

/// The encoder's format for a job's `output.format`.
pub fn output_format(f: job::OutputFormat) -> OutputFormat {
    match f {
        job::OutputFormat::Mp4 => OutputFormat::Mp4,
        job::OutputFormat::Webm => OutputFormat::Webm,
        job::OutputFormat::Gif => OutputFormat::Gif,
        job::OutputFormat::Png => OutputFormat::Png,
    }
}

/// The encoder's quality for a job's `output.quality`.
pub fn quality(q: job::Quality) -> Quality {
    match q {
        job::Quality::Draft => Quality::Draft,
        job::Quality::Standard => Quality::Standard,
        job::Quality::High => Quality::High,
    }
}

/// The encoder settings of a job.
pub fn video_settings(job: &Job) -> VideoSettings {
    VideoSettings {
        width: job.resolution.width,
        height: job.resolution.height,
        fps: job.fps,
        quality: quality(job.output.quality),
    }
}

/// File name of a job's video (a directory for `png`).
pub fn video_file_name(job_id: &str, format: OutputFormat) -> String {
    match format.extension() {
        Some(ext) => format!("{job_id}.{ext}"),
        None => job_id.to_string(),
    }
}

/// File name of a job's thumbnail.
pub fn thumbnail_file_name(job_id: &str) -> String {
    format!("{job_id}.jpg")
}

/// Creates `dir` (and parents); `ENCODE_FAILED` naming it when that fails.
pub(crate) fn ensure_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::EncodeFailed(format!(
            "cannot create output directory {}: {e}",
            dir.display()
        ))
    })?;
    if !dir.is_dir() {
        return Err(Error::EncodeFailed(format!(
            "output directory {} is not a directory",
            dir.display()
        )));
    }
    Ok(())
}

/// Checks that files can be created in `dir` (creating it if needed).
pub(crate) fn check_writable(dir: &Path) -> Result<()> {
    ensure_dir(dir)?;
    let probe = dir.join(format!(".georender-probe-{}", std::process::id()));
    std::fs::File::create(&probe).map_err(|e| {
        Error::EncodeFailed(format!(
            "cannot write to output directory {}: {e}",
            dir.display()
        ))
    })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Removes the listed paths (files or directories) when dropped, unless disarmed.
struct Cleanup(Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for p in &self.0 {
            if p.is_dir() {
                let _ = std::fs::remove_dir_all(p);
            } else {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    if to.is_dir() {
        let _ = std::fs::remove_dir_all(to);
    }
    std::fs::rename(from, to).map_err(|e| {
        Error::EncodeFailed(format!(
            "cannot move {} to {}: {e}",
            from.display(),
            to.display()
        ))
    })
}

/// Renders and encodes job `index` of `batch`; the complete entry, or the error
/// the job fails (or is cancelled) with. Leaves no files behind on error.
pub(crate) fn run_job(rt: &Runtime, batch: &BatchInner, index: usize) -> Result<JobResult> {
    let start = Instant::now();
    let slot = &batch.slots[index];
    let job = &slot.job;
    let check = || {
        if batch.is_cancelled(index) {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    };
    batch.emit(ProgressEvent::JobStarted {
        batch_id: batch.id.clone(),
        job_id: slot.id.clone(),
        index,
        total: job.frame_count().max(1),
    });
    check()?;
    let route = crate::route::plan(job)?;
    check()?;
    // The setup that needs no GPU (bands, rasters, fonts) starts on background
    // threads now, overlapping opening the GPU (first job) and what follows.
    let warm = Warmup::start(job, &route, rt.open_renderer())?;

    let dir = &rt.settings.output_dir;
    ensure_dir(dir)?;
    let format = output_format(job.output.format);
    let video_name = video_file_name(&slot.id, format);
    let video = dir.join(&video_name);
    let video_part = dir.join(format!(".{video_name}.part"));
    let thumb = job
        .output
        .thumbnail
        .then(|| dir.join(thumbnail_file_name(&slot.id)));
    let thumb_part = thumb
        .as_ref()
        .map(|_| dir.join(format!(".{}.part", thumbnail_file_name(&slot.id))));
    let mut cleanup = Cleanup(vec![video_part.clone()]);
    cleanup.0.extend(thumb_part.clone());

    let settings = video_settings(job);
    let renderer = rt.renderer()?;
    let mut prepared = renderer.prepare_warm(warm)?;
    // Setup's transient memory (the raster's decode and staging copies,
    // tessellation scratch) sits freed in the arenas of the threads that used
    // it; x264 and the frame buffers allocate elsewhere, so hand it back now
    // (4K: ~70 MB off the job's peak).
    release_free_memory();
    check()?;
    let sink = encode::open_sink(format, &video_part, &settings)?;
    let streamed = stream(
        &mut prepared,
        sink,
        &settings,
        thumb_part.as_deref(),
        batch,
        index,
    );
    drop(prepared);
    release_free_memory();
    let stats = streamed?;

    rename(&video_part, &video)?;
    if let (Some(part), Some(thumb)) = (&thumb_part, &thumb) {
        if let Err(e) = rename(part, thumb) {
            cleanup.0.push(video.clone());
            return Err(e);
        }
    }
    cleanup.0.clear();

    let mut r = JobResult::queued(slot.id.clone(), index);
    r.status = JobStatus::Complete;
    r.video = Some(rt.file_ref(&video));
    r.thumbnail = thumb.as_deref().map(|t| rt.file_ref(t));
    r.duration_seconds = Some(stats.duration_seconds);
    r.resolution = Some(format!("{}x{}", settings.width, settings.height));
    r.fps = Some(settings.fps);
    r.frames = Some(stats.frames);
    r.file_size_bytes = Some(stats.file_size_bytes);
    r.route = Some(RouteInfo {
        distance_km: (route.distance_km * 10.0).round() / 10.0,
        mode: route.mode.as_str().to_string(),
        passages: route.passages.clone(),
    });
    r.render_seconds = Some((start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0);
    Ok(r)
}

/// A frame on its way from the render thread to the encoder.
enum Pixels {
    /// Tightly packed RGBA (GIF, PNG).
    Rgba(Frame),
    /// Converted on the render thread straight from the readback buffer (video).
    I420(I420Image),
}

/// Frames that may wait in the queue for a frame of `bytes`: enough to ride out
/// the slower frames (tiles drawn ahead of the camera) without stalling the
/// encoder, within [`QUEUE_BYTES`] (or [`QUEUE_BYTES_LARGE`] above 1440p).
pub fn queue_frames(bytes: usize) -> usize {
    let budget = if bytes > 2560 * 1440 * 3 / 2 {
        QUEUE_BYTES_LARGE
    } else {
        QUEUE_BYTES
    };
    (budget / bytes.max(1)).clamp(QUEUE_FRAMES, MAX_QUEUE_FRAMES)
}

/// Runs the render → queue → encoder pipeline over every frame of `prepared`.
fn stream(
    prepared: &mut PreparedJob,
    sink: Box<dyn FrameSink>,
    settings: &VideoSettings,
    thumbnail: Option<&Path>,
    batch: &BatchInner,
    index: usize,
) -> Result<EncodeStats> {
    let total = prepared.frame_count();
    let thumb_at = total / 2;
    let (w, h) = (settings.width, settings.height);
    let yuv = sink.takes_i420();
    let frame_bytes = if yuv {
        w as usize * h as usize * 3 / 2
    } else {
        settings.rgba_len()
    };
    let depth = queue_frames(frame_bytes);
    let (tx, rx) = mpsc::sync_channel::<(u32, Pixels)>(depth);
    let (free_tx, free_rx) = mpsc::channel::<Pixels>();
    let render_start = Instant::now();

    // The encoder (x264 and its threads, the bottleneck) runs on this thread;
    // the renderer on its own, at a lower priority (`RENDER_NICE`): it keeps
    // the queue full with the CPU time x264 leaves, and never delays it.
    let encode = move || -> Result<EncodeStats> {
        let mut sink = sink;
        let mut done = 0u32;
        for (_, px) in rx {
            if batch.is_cancelled(index) {
                sink.abort();
                return Err(Error::Cancelled);
            }
            match px {
                Pixels::Rgba(frame) => {
                    sink.push_rgba(&frame.rgba)?;
                    let _ = free_tx.send(Pixels::Rgba(frame));
                }
                // Lent to the encoder whole (no copy); back to the pool when
                // the encoder is done with it.
                Pixels::I420(img) => {
                    let free_tx = free_tx.clone();
                    let release = Box::new(move |img| {
                        let _ = free_tx.send(Pixels::I420(img));
                    });
                    sink.push_i420_owned(img, release)?;
                }
            }
            done += 1;
            let elapsed = render_start.elapsed().as_secs_f64();
            let eta = elapsed / done as f64 * (total - done) as f64;
            let eta_seconds = (eta * 10.0).round() / 10.0;
            batch.set_progress(
                index,
                JobProgress {
                    frame: done as u64,
                    total: total as u64,
                    eta_seconds,
                },
            );
            batch.emit(ProgressEvent::Frame {
                batch_id: batch.id.clone(),
                job_id: batch.slots[index].id.clone(),
                index,
                frame: done as u64,
                total: total as u64,
                eta_seconds,
            });
        }
        if done != total || batch.is_cancelled(index) {
            // The renderer stopped early (its error wins) or we were cancelled.
            sink.abort();
            return Err(Error::Cancelled);
        }
        sink.finish()
    };
    std::thread::scope(|scope| {
        let renderer = std::thread::Builder::new()
            .name(format!("georender-render-{index}"))
            .spawn_scoped(scope, move || {
                lower_priority(render_nice());
                let mut allocated = 0usize;
                let mut encoder_gone = false;
                // Hands frame `i` to the encoder, `fill` writing its pixels into a
                // recycled buffer; the thumbnail comes from the frame as encoded.
                let mut send = |i: u32, fill: &mut dyn FnMut(&mut Pixels) -> Result<()>| {
                    if batch.is_cancelled(index) {
                        return Err(Error::Cancelled);
                    }
                    // A recycled buffer, a new one while under the cap, else wait for one.
                    let mut px = match free_rx.try_recv() {
                        Ok(px) => px,
                        Err(_) if allocated < depth + 2 => {
                            allocated += 1;
                            if yuv {
                                Pixels::I420(I420Image::default())
                            } else {
                                Pixels::Rgba(Frame::default())
                            }
                        }
                        Err(_) => free_rx.recv().map_err(|_| {
                            encoder_gone = true;
                            Error::Cancelled
                        })?,
                    };
                    fill(&mut px)?;
                    if let Some(path) = thumbnail.filter(|_| i == thumb_at) {
                        write_thumbnail(path, &px)?;
                    }
                    tx.send((i, px)).map_err(|_| {
                        encoder_gone = true;
                        Error::Cancelled
                    })
                };
                // Video: frames straight into I420 (composited on the CPU where the
                // GPU is a software one); images: RGBA read back from the GPU.
                let rendered = if yuv {
                    prepared.render_all_frames(|i, frame| {
                        send(i, &mut |px| match px {
                            Pixels::I420(img) => frame.write_i420(img),
                            Pixels::Rgba(out) => frame.copy_to(out),
                        })
                    })
                } else {
                    prepared.render_all_views(|i, view| {
                        send(i, &mut |px| match px {
                            Pixels::Rgba(out) => {
                                view.copy_to(out);
                                Ok(())
                            }
                            Pixels::I420(img) => RenderedFrame::Gpu(view).write_i420(img),
                        })
                    })
                };
                drop(tx);
                (rendered, encoder_gone)
            })
            .map_err(|e| Error::RenderFailed(format!("cannot start the render thread: {e}")))?;
        let encoded = encode();
        let (rendered, encoder_gone) = renderer.join().unwrap_or_else(|_| {
            (
                Err(Error::RenderFailed("the render thread panicked".into())),
                false,
            )
        });
        match rendered {
            Ok(()) => encoded,
            Err(_) if encoder_gone => match encoded {
                Err(e) => Err(e),
                Ok(_) => Err(Error::EncodeFailed("the encoder stopped early".into())),
            },
            Err(e) => Err(e),
        }
    })
}

/// Writes the JPEG thumbnail of a frame as it goes to the encoder; large
/// frames are box-shrunk to at least twice the thumbnail's width first (no
/// full-size copy: 33 MB at 4K).
fn write_thumbnail(path: &Path, px: &Pixels) -> Result<()> {
    let max = encode::THUMBNAIL_MAX_WIDTH;
    match px {
        Pixels::I420(img) => encode::write_thumbnail_i420(path, img, Some(max))?,
        Pixels::Rgba(f) => {
            let view = FrameView {
                width: f.width,
                height: f.height,
                stride: f.width as usize * 4,
                data: &f.rgba,
            };
            let small = view.shrink((f.width / (2 * max)).max(1));
            encode::write_thumbnail(path, &small.rgba, small.width, small.height, Some(max))?
        }
    };
    Ok(())
}

/// How much lower than the encoder's the renderer's threads run (a nice
/// increment; `GEORENDER_RENDER_NICE`, default 10, 0 keeps them equal): on a
/// machine whose cores x264 nearly fills, the renderer then takes the time
/// x264's threads leave idle instead of slowing them down.
pub(crate) fn render_nice() -> i32 {
    static NICE: std::sync::OnceLock<i32> = std::sync::OnceLock::new();
    *NICE.get_or_init(|| {
        std::env::var("GEORENDER_RENDER_NICE")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(10)
            .clamp(0, 19)
    })
}

/// Lowers the calling thread's priority by `by` nice steps (Linux: nice is
/// per thread, and threads it starts inherit it). Raising it back needs
/// privileges, so only threads that stay lowered call this.
pub(crate) fn lower_priority(by: i32) {
    #[cfg(target_os = "linux")]
    if by > 0 {
        extern "C" {
            fn getpriority(which: std::ffi::c_int, who: std::ffi::c_uint) -> std::ffi::c_int;
            fn setpriority(
                which: std::ffi::c_int,
                who: std::ffi::c_uint,
                prio: std::ffi::c_int,
            ) -> std::ffi::c_int;
        }
        const PRIO_PROCESS: std::ffi::c_int = 0;
        // SAFETY: plain syscalls on the calling thread (`who` 0); failures
        // leave the priority as it was.
        unsafe {
            let now = getpriority(PRIO_PROCESS, 0);
            setpriority(PRIO_PROCESS, 0, (now + by).min(19));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = by;
}

/// Hands memory freed by the job (frame buffers, tiles, the encoder's frames)
/// back to the OS: glibc keeps freed heap pages otherwise, so a batch's resident
/// memory would ratchet up to the sum of its jobs' peaks.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only walks glibc's own arenas; it is thread-safe.
        unsafe {
            malloc_trim(0);
        }
    }
}
