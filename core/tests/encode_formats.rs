//! GIF, PNG sequence and JPEG thumbnail outputs.

use georender::encode::png::frame_file_name;
use georender::encode::{open_sink, write_thumbnail, OutputFormat, Quality, VideoSettings};
use georender::ErrorCode;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("georender-formats-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn settings(w: u32, h: u32, fps: u32) -> VideoSettings {
    VideoSettings {
        width: w,
        height: h,
        fps,
        quality: Quality::Draft,
    }
}

/// Frame `n`: a blue-green gradient with an orange box that moves right.
fn frame(n: u32, w: u32, h: u32) -> Vec<u8> {
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let boxed = x >= n * 2 % w && x < n * 2 % w + 20 && y >= h / 3 && y < h / 3 + 20;
            let px = if boxed {
                [250, 140, 20]
            } else {
                [10, (x * 200 / w) as u8, (60 + y * 150 / h) as u8]
            };
            rgba.extend_from_slice(&[px[0], px[1], px[2], 255]);
        }
    }
    rgba
}

/// Decodes a GIF: (frame count, delays in cs, loops forever, first frame RGBA).
fn decode_gif(path: &std::path::Path) -> (usize, Vec<u16>, bool, Vec<u8>, (u16, u16)) {
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = opts.read_info(std::fs::File::open(path).unwrap()).unwrap();
    let size = (decoder.width(), decoder.height());
    let mut delays = Vec::new();
    let mut first = Vec::new();
    while let Some(f) = decoder.read_next_frame().unwrap() {
        if delays.is_empty() {
            assert_eq!((f.width, f.height), size);
            first = f.buffer.to_vec();
        }
        delays.push(f.delay);
    }
    let infinite = decoder.repeat() == gif::Repeat::Infinite;
    (delays.len(), delays, infinite, first, size)
}

#[test]
fn gif_has_every_frame_timed_and_looping() {
    let dir = scratch("gif");
    let path = dir.join("out.gif");
    let (w, h) = (160, 90);
    let mut sink = open_sink(OutputFormat::Gif, &path, &settings(w, h, 30)).unwrap();
    for n in 0..60 {
        sink.push_rgba(&frame(n, w, h)).unwrap();
    }
    let stats = sink.finish().unwrap();
    assert_eq!(stats.frames, 60);
    assert!((stats.duration_seconds - 2.0).abs() < 1e-9);
    assert_eq!(
        stats.file_size_bytes,
        std::fs::metadata(&path).unwrap().len()
    );

    let (count, delays, infinite, first, size) = decode_gif(&path);
    assert_eq!(count, 60);
    assert_eq!(size, (w as u16, h as u16));
    assert!(infinite, "GIF must loop");
    assert_eq!(delays.iter().map(|&d| u32::from(d)).sum::<u32>(), 200);
    assert!(delays.iter().all(|&d| d == 3 || d == 4), "{delays:?}");
    // Palette quantisation keeps flat colours close.
    let src = frame(0, w, h);
    let i = ((10 * w + 100) * 4) as usize;
    for c in 0..3 {
        assert!(
            src[i + c].abs_diff(first[i + c]) <= 12,
            "{:?} vs {:?}",
            &src[i..i + 3],
            &first[i..i + 3]
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn gif_above_50_fps_keeps_every_second_frame() {
    let dir = scratch("gif60");
    let path = dir.join("out.gif");
    let (w, h) = (64, 36);
    let mut sink = open_sink(OutputFormat::Gif, &path, &settings(w, h, 60)).unwrap();
    for n in 0..120 {
        sink.push_rgba(&frame(n, w, h)).unwrap();
    }
    let stats = sink.finish().unwrap();
    assert_eq!(stats.frames, 60);
    assert!((stats.duration_seconds - 2.0).abs() < 1e-9);
    let (count, delays, _, _, _) = decode_gif(&path);
    assert_eq!(count, 60);
    assert_eq!(delays.iter().map(|&d| u32::from(d)).sum::<u32>(), 200);
    assert!(delays.iter().all(|&d| d >= 2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn png_sequence_is_numbered_and_lossless() {
    let dir = scratch("png");
    let out = dir.join("frames");
    let (w, h) = (96, 54);
    let mut sink = open_sink(OutputFormat::Png, &out, &settings(w, h, 30)).unwrap();
    for n in 0..60 {
        sink.push_rgba(&frame(n, w, h)).unwrap();
    }
    let stats = sink.finish().unwrap();
    assert_eq!(stats.frames, 60);
    assert!((stats.duration_seconds - 2.0).abs() < 1e-9);

    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 60);
    assert_eq!(names[0], "frame_00001.png");
    assert_eq!(names[59], "frame_00060.png");
    assert_eq!(frame_file_name(60), "frame_00060.png");
    let total: u64 = names
        .iter()
        .map(|n| std::fs::metadata(out.join(n)).unwrap().len())
        .sum();
    assert_eq!(stats.file_size_bytes, total);

    let img = image::open(out.join("frame_00031.png")).unwrap().to_rgba8();
    assert_eq!(img.dimensions(), (w, h));
    assert_eq!(img.into_raw(), frame(30, w, h));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn thumbnail_is_a_downscaled_jpeg() {
    let dir = scratch("thumb");
    let (w, h) = (1920, 1080);
    let rgba = frame(0, w, h);

    let path = dir.join("thumb.jpg");
    assert_eq!(
        write_thumbnail(&path, &rgba, w, h, Some(640)).unwrap(),
        (640, 360)
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "JPEG signature");
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((img.width(), img.height()), (640, 360));
    // The gradient survives scaling and compression.
    let p = img.to_rgb8().get_pixel(320, 20).0;
    let src = &rgba[((60 * w + 960) * 4) as usize..][..3];
    for c in 0..3 {
        assert!(p[c].abs_diff(src[c]) <= 8, "{p:?} vs {src:?}");
    }

    // Vertical video keeps its aspect; small frames are not upscaled; None = full size.
    let tall = frame(0, 1080, 1920);
    assert_eq!(
        write_thumbnail(&path, &tall, 1080, 1920, Some(640)).unwrap(),
        (640, 1138)
    );
    let small = frame(0, 320, 180);
    assert_eq!(
        write_thumbnail(&path, &small, 320, 180, Some(640)).unwrap(),
        (320, 180)
    );
    assert_eq!(
        write_thumbnail(&path, &small, 320, 180, None).unwrap(),
        (320, 180)
    );
    let img = image::open(&path).unwrap();
    assert_eq!((img.width(), img.height()), (320, 180));

    let err = write_thumbnail(&path, &small[..100], 320, 180, None).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EncodeFailed);
    let blocked = path.join("x.jpg");
    let err = write_thumbnail(&blocked, &small, 320, 180, None).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EncodeFailed);
    assert!(err.to_string().contains(blocked.to_str().unwrap()));
    std::fs::remove_dir_all(&dir).unwrap();
}
