//! MP4/WebM writer: stream properties checked with ffprobe, moov placement, colour
//! round trip, errors and cancellation.

use georender::encode::{
    open_sink, Container, EncodeStats, Mp4Writer, OutputFormat, Quality, VideoSettings, VideoWriter,
};
use georender::ErrorCode;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const W: u32 = 320;
const H: u32 = 180;
const FPS: u32 = 30;
const FRAMES: u32 = 60;

fn settings(quality: Quality) -> VideoSettings {
    VideoSettings {
        width: W,
        height: H,
        fps: FPS,
        quality,
    }
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("georender-encode-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Frame `n`: a diagonal gradient that scrolls, with a white box moving across it.
fn frame(n: u32, w: u32, h: u32) -> Vec<u8> {
    let mut rgba = vec![0u8; (w * h * 4) as usize];
    let bx = (n * 4) % w;
    for y in 0..h {
        for x in 0..w {
            let i = ((y * w + x) * 4) as usize;
            let in_box = x >= bx && x < bx + 40 && (60..100).contains(&y);
            let px = if in_box {
                [255, 255, 255]
            } else {
                [
                    ((x + n * 3) % 256) as u8,
                    ((y * 2 + n) % 256) as u8,
                    ((x + y + n * 5) % 256) as u8,
                ]
            };
            rgba[i..i + 3].copy_from_slice(&px);
            rgba[i + 3] = 255;
        }
    }
    rgba
}

fn have_ffprobe() -> bool {
    let ok = Command::new("ffprobe").arg("-version").output().is_ok();
    if !ok {
        eprintln!("SKIPPED: ffprobe is not installed; stream checks were not run");
    }
    ok
}

fn ffprobe(path: &Path) -> Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-count_frames",
        ])
        .args(["-of", "json"])
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success(),
        "ffprobe failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn num(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

/// Top-level box types of an ISO-BMFF file, in order.
fn top_level_boxes(path: &Path) -> Vec<String> {
    let data = std::fs::read(path).unwrap();
    let mut boxes = Vec::new();
    let mut pos = 0usize;
    while pos + 8 <= data.len() {
        let size32 = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as u64;
        let kind = String::from_utf8_lossy(&data[pos + 4..pos + 8]).into_owned();
        let size = match size32 {
            0 => (data.len() - pos) as u64,
            1 => u64::from_be_bytes(data[pos + 8..pos + 16].try_into().unwrap()),
            s => s,
        };
        assert!(size >= 8, "bad box size {size} for {kind} at {pos}");
        boxes.push(kind);
        pos += size as usize;
    }
    assert_eq!(pos, data.len(), "boxes do not tile the file");
    boxes
}

/// Every packet lasts one frame and presentation times are exactly n/fps.
fn check_packet_timing(path: &Path, time_base: &str) {
    let (num, den) = time_base.split_once('/').unwrap();
    let ticks = den.parse::<i64>().unwrap() / num.parse::<i64>().unwrap() / FPS as i64;
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args(["-show_entries", "packet=pts,duration", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut pts: Vec<i64> = Vec::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let (p, d) = line.split_once(',').unwrap();
        assert_eq!(d.trim().parse::<i64>().unwrap(), ticks, "packet duration");
        pts.push(p.trim().parse().unwrap());
    }
    pts.sort_unstable();
    let expected: Vec<i64> = (0..FRAMES as i64).map(|n| n * ticks).collect();
    assert_eq!(pts, expected);
}

fn write_video(path: &Path, container: Container, quality: Quality, rgba: bool) -> EncodeStats {
    let mut writer = VideoWriter::create_as(path, &settings(quality), container).unwrap();
    let mut yuv = georender::encode::I420Image::default();
    for n in 0..FRAMES {
        let f = frame(n, W, H);
        if rgba {
            writer.push_rgba(&f).unwrap();
        } else {
            georender::encode::rgba_to_i420(&f, W, H, &mut yuv).unwrap();
            writer.push_i420(&yuv.y, &yuv.u, &yuv.v).unwrap();
        }
    }
    assert_eq!(writer.frames(), FRAMES as u64);
    writer.finish().unwrap()
}

/// Decodes `path` with the ffmpeg tool into raw video (`args`: frames, pixel
/// format) and returns the bytes.
fn decode_raw(path: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(args)
        .args(["-f", "rawvideo", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn check_stats(stats: &EncodeStats, path: &Path) {
    assert_eq!(stats.frames, FRAMES as u64);
    assert!((stats.duration_seconds - 2.0).abs() < 1e-9);
    assert_eq!(
        stats.file_size_bytes,
        std::fs::metadata(path).unwrap().len()
    );
    assert!(stats.file_size_bytes > 0);
}

#[test]
fn mp4_has_exact_frames_duration_colour_and_faststart() {
    let dir = scratch("mp4");
    let path = dir.join("out.mp4");
    let stats = write_video(&path, Container::Mp4, Quality::Draft, true);
    check_stats(&stats, &path);

    let boxes = top_level_boxes(&path);
    let moov = boxes.iter().position(|b| b == "moov").expect("moov box");
    let mdat = boxes.iter().position(|b| b == "mdat").expect("mdat box");
    assert!(moov < mdat, "moov must precede mdat (faststart): {boxes:?}");

    if have_ffprobe() {
        let probe = ffprobe(&path);
        let s = &probe["streams"][0];
        assert_eq!(probe["streams"].as_array().unwrap().len(), 1);
        assert_eq!(s["codec_name"], "h264");
        assert_eq!(s["profile"], "High");
        assert_eq!(s["pix_fmt"], "yuv420p");
        assert_eq!(s["width"], W);
        assert_eq!(s["height"], H);
        assert_eq!(s["color_space"], "bt709");
        assert_eq!(s["color_primaries"], "bt709");
        assert_eq!(s["color_transfer"], "bt709");
        assert_eq!(s["color_range"], "tv");
        assert_eq!(s["r_frame_rate"], "30/1");
        assert_eq!(s["avg_frame_rate"], "30/1");
        assert_eq!(s["nb_read_frames"], "60");
        assert_eq!(s["nb_frames"], "60");
        assert!((num(&s["duration"]) - 2.0).abs() < 0.001, "{s}");
        assert!((num(&probe["format"]["duration"]) - 2.0).abs() < 0.001);
        assert!(probe["format"]["format_name"]
            .as_str()
            .unwrap()
            .contains("mp4"));
        check_packet_timing(&path, s["time_base"].as_str().unwrap());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mp4_from_i420_planes_at_every_quality() {
    let dir = scratch("mp4-i420");
    for quality in [Quality::Draft, Quality::Standard, Quality::High] {
        let path = dir.join(format!("{quality:?}.mp4"));
        let stats = write_video(&path, Container::Mp4, quality, false);
        check_stats(&stats, &path);
        if have_ffprobe() {
            let probe = ffprobe(&path);
            assert_eq!(probe["streams"][0]["nb_read_frames"], "60");
            assert!((num(&probe["format"]["duration"]) - 2.0).abs() < 0.001);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Encodes flat colour fields, decodes them back with FFmpeg (BT.709 as tagged) and
/// compares: catches a matrix or range that does not match the tags.
#[test]
fn mp4_colours_survive_a_round_trip() {
    if !have_ffprobe() {
        return;
    }
    let dir = scratch("mp4-colour");
    let path = dir.join("colour.mp4");
    let colours: [[u8; 3]; 6] = [
        [230, 40, 40],
        [40, 200, 60],
        [30, 60, 220],
        [20, 30, 60],
        [0, 220, 255],
        [240, 230, 200],
    ];
    let mut rgba = vec![255u8; (W * H * 4) as usize];
    for y in 0..H {
        for x in 0..W {
            let c = colours[(x * 3 / W + 3 * (y * 2 / H)) as usize];
            let i = ((y * W + x) * 4) as usize;
            rgba[i..i + 3].copy_from_slice(&c);
        }
    }
    let mut writer = Mp4Writer::create(&path, &settings(Quality::High)).unwrap();
    for _ in 0..3 {
        writer.push_rgba(&rgba).unwrap();
    }
    writer.finish().unwrap();

    let rgb = decode_raw(&path, &["-frames:v", "1", "-pix_fmt", "rgb24"]);
    assert_eq!(rgb.len(), (W * H * 3) as usize);
    for (k, c) in colours.iter().enumerate() {
        // Centre of each field, away from chroma edges.
        let k = k as u32;
        let (cx, cy) = ((2 * (k % 3) + 1) * W / 6, (2 * (k / 3) + 1) * H / 4);
        let i = ((cy * W + cx) * 3) as usize;
        for ch in 0..3 {
            let d = (rgb[i + ch] as i32 - c[ch] as i32).abs();
            assert!(d <= 6, "colour {c:?} came back as {:?}", &rgb[i..i + 3]);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn webm_vp9_has_exact_frames_and_duration() {
    let dir = scratch("webm");
    let path = dir.join("out.webm");
    let stats = write_video(&path, Container::Webm, Quality::Draft, true);
    check_stats(&stats, &path);
    if have_ffprobe() {
        let probe = ffprobe(&path);
        let s = &probe["streams"][0];
        assert_eq!(s["codec_name"], "vp9");
        assert_eq!(s["pix_fmt"], "yuv420p");
        assert_eq!(s["color_space"], "bt709");
        assert_eq!(s["nb_read_frames"], "60");
        assert!((num(&probe["format"]["duration"]) - 2.0).abs() < 0.001);
        assert!(probe["format"]["format_name"]
            .as_str()
            .unwrap()
            .contains("webm"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unwritable_path_is_encode_failed_naming_the_path() {
    let dir = scratch("unwritable");
    // A regular file as the parent directory fails even for root.
    let blocker = dir.join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    for format in [
        OutputFormat::Mp4,
        OutputFormat::Webm,
        OutputFormat::Gif,
        OutputFormat::Png,
    ] {
        let path = blocker.join("out.mp4");
        let err = open_sink(format, &path, &settings(Quality::Draft))
            .err()
            .unwrap_or_else(|| panic!("{format:?} opened {}", path.display()));
        assert_eq!(err.code(), ErrorCode::EncodeFailed);
        assert!(
            err.to_string().contains(path.to_str().unwrap()),
            "{format:?}: message does not name the path: {err}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_is_encode_failed() {
    let dir = scratch("bad-input");
    let odd = VideoSettings {
        width: 321,
        ..settings(Quality::Draft)
    };
    let err = Mp4Writer::create(&dir.join("odd.mp4"), &odd).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EncodeFailed);
    assert!(!dir.join("odd.mp4").exists());

    let path = dir.join("short.mp4");
    let mut writer = Mp4Writer::create(&path, &settings(Quality::Draft)).unwrap();
    let err = writer.push_rgba(&[0u8; 16]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EncodeFailed);
    let err = writer.push_i420(&[0u8; 16], &[], &[]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EncodeFailed);
    // Nothing pushed: finishing is an error and leaves no file behind.
    let err = writer.finish().unwrap_err();
    assert_eq!(err.code(), ErrorCode::EncodeFailed);
    assert!(!path.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn abort_and_drop_remove_the_partial_file() {
    let dir = scratch("abort");
    let s = settings(Quality::Draft);
    let f = frame(0, W, H);

    let path = dir.join("dropped.mp4");
    let mut writer = Mp4Writer::create(&path, &s).unwrap();
    for _ in 0..5 {
        writer.push_rgba(&f).unwrap();
    }
    assert!(path.exists());
    drop(writer);
    assert!(!path.exists(), "drop left {}", path.display());

    let path = dir.join("aborted.mp4");
    let mut writer = Mp4Writer::create(&path, &s).unwrap();
    writer.push_rgba(&f).unwrap();
    writer.abort();
    assert!(!path.exists());

    for (format, name) in [
        (OutputFormat::Mp4, "sink.mp4"),
        (OutputFormat::Webm, "sink.webm"),
        (OutputFormat::Gif, "sink.gif"),
        (OutputFormat::Png, "sink-png"),
    ] {
        let path = dir.join(name);
        let mut sink = open_sink(format, &path, &s).unwrap();
        for _ in 0..3 {
            sink.push_rgba(&f).unwrap();
        }
        assert!(path.exists());
        sink.abort();
        assert!(!path.exists(), "{format:?} abort left {}", path.display());

        let mut sink = open_sink(format, &path, &s).unwrap();
        sink.push_rgba(&f).unwrap();
        drop(sink);
        assert!(!path.exists(), "{format:?} drop left {}", path.display());
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sinks_are_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Mp4Writer>();
    assert_send::<Box<dyn georender::encode::FrameSink>>();
}

#[test]
fn same_frames_give_the_same_file() {
    let a = scratch("determinism").join("a.mp4");
    let b = a.with_file_name("b.mp4");
    let hd = VideoSettings {
        width: 1280,
        height: 720,
        ..settings(Quality::Standard)
    };
    for path in [&a, &b] {
        let mut writer = VideoWriter::create(path, &hd).unwrap();
        for n in 0..45 {
            writer.push_rgba(&frame(n, hd.width, hd.height)).unwrap();
        }
        writer.finish().unwrap();
    }
    let (da, db) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let first = da.iter().zip(&db).position(|(x, y)| x != y);
    assert!(
        da == db,
        "files differ: {} vs {} bytes, first difference at {first:?}",
        da.len(),
        db.len()
    );
}

/// Frames lent to the encoder whole (`push_i420_owned`, the pipeline's path)
/// decode back to what was lent, and each comes back exactly once, also one
/// refused for its size. (Decoded, not byte-compared with a copied frame's
/// file: x264's frame threads make tiny 320×180 files vary from run to run.)
#[test]
fn lent_i420_frames_encode_and_come_back_once() {
    use georender::encode::{FrameSink, I420Image};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let dir = scratch("lent");
    for container in [Container::Mp4, Container::Webm] {
        let path = dir.join(format!("lent.{container:?}"));
        let back = Arc::new(AtomicUsize::new(0));
        let mut writer: Box<dyn FrameSink> =
            Box::new(VideoWriter::create_as(&path, &settings(Quality::High), container).unwrap());
        let mut sources = Vec::new();
        for n in 0..FRAMES {
            let mut yuv = I420Image::default();
            georender::encode::rgba_to_i420(&frame(n, W, H), W, H, &mut yuv).unwrap();
            sources.push(yuv.clone());
            let expected = yuv.clone();
            let back = back.clone();
            let release = Box::new(move |img: I420Image| {
                assert!(img == expected, "another frame came back");
                back.fetch_add(1, Ordering::SeqCst);
            });
            writer.push_i420_owned(yuv, release).unwrap();
        }
        let counted = back.clone();
        let err = writer
            .push_i420_owned(
                I420Image::new(W / 2, H / 2),
                Box::new(move |_| {
                    counted.fetch_add(1, Ordering::SeqCst);
                }),
            )
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::EncodeFailed);
        assert!(err.to_string().contains("160x90"), "{err}");
        let stats = writer.finish().unwrap();
        assert_eq!(stats.frames, FRAMES as u64);
        assert_eq!(back.load(Ordering::SeqCst), FRAMES as usize + 1);

        if !have_ffprobe() {
            continue;
        }
        let raw = decode_raw(&path, &["-pix_fmt", "yuv420p"]);
        let size = (W * H * 3 / 2) as usize;
        assert_eq!(raw.len(), size * FRAMES as usize, "{container:?}");
        for (n, (decoded, src)) in raw.chunks_exact(size).zip(&sources).enumerate() {
            let planes = src.y.iter().chain(&src.u).chain(&src.v);
            let diff: u64 = decoded
                .iter()
                .zip(planes)
                .map(|(a, b)| a.abs_diff(*b) as u64)
                .sum();
            let mean = diff as f64 / size as f64;
            assert!(
                mean < 3.0,
                "{container:?} frame {n}: mean difference {mean:.2}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
