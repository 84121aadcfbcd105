//! RGBA → I420: the SIMD converter against the scalar reference and known BT.709 values.

use georender::encode::yuv::rgba_to_i420_planes;
use georender::encode::{rgba_to_i420, rgba_to_i420_reference, rgba_to_i420_strided, I420Image};
use georender::ErrorCode;

/// Deterministic pseudo-random RGBA with some flat areas and hard edges mixed in.
fn test_image(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (state >> 33) as u32;
            let px = match (x / 8 + y / 8) % 3 {
                0 => [r as u8, (r >> 8) as u8, (r >> 16) as u8],
                1 => [(x * 255 / w) as u8, (y * 255 / h) as u8, 128],
                _ => [255, 30, 0],
            };
            rgba.extend_from_slice(&[px[0], px[1], px[2], (r >> 24) as u8]);
        }
    }
    rgba
}

fn max_diff(a: &[u8], b: &[u8]) -> u8 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0)
}

fn compare(w: u32, h: u32, seed: u64) {
    let rgba = test_image(w, h, seed);
    let (mut simd, mut reference) = (I420Image::default(), I420Image::default());
    rgba_to_i420(&rgba, w, h, &mut simd).unwrap();
    rgba_to_i420_reference(&rgba, w, h, &mut reference).unwrap();
    assert_eq!((simd.width, simd.height), (w, h));
    assert_eq!(simd.u.len(), (w.div_ceil(2) * h.div_ceil(2)) as usize);
    for (name, a, b) in [
        ("Y", &simd.y, &reference.y),
        ("U", &simd.u, &reference.u),
        ("V", &simd.v, &reference.v),
    ] {
        let d = max_diff(a, b);
        assert!(
            d <= 2,
            "{w}x{h}: {name} differs from the reference by {d} levels"
        );
    }
}

#[test]
fn simd_matches_reference_within_two_levels() {
    compare(1920, 1080, 1);
    compare(320, 180, 2);
    compare(64, 64, 3);
    // Odd sizes and widths that are not a multiple of any SIMD width.
    compare(33, 17, 4);
    compare(1, 1, 5);
    compare(7, 3, 6);
}

#[test]
fn known_bt709_limited_values() {
    let cases: [([u8; 3], [u8; 3]); 6] = [
        ([0, 0, 0], [16, 128, 128]),
        ([255, 255, 255], [235, 128, 128]),
        ([255, 0, 0], [63, 102, 240]),
        ([0, 255, 0], [173, 42, 26]),
        ([0, 0, 255], [32, 240, 118]),
        ([128, 128, 128], [126, 128, 128]),
    ];
    for (rgb, yuv) in cases {
        let rgba: Vec<u8> = (0..16)
            .flat_map(|_| [rgb[0], rgb[1], rgb[2], 255])
            .collect();
        for convert in [rgba_to_i420, rgba_to_i420_reference] {
            let mut out = I420Image::default();
            convert(&rgba, 4, 4, &mut out).unwrap();
            let got = [out.y[0], out.u[0], out.v[0]];
            assert!(
                max_diff(&got, &yuv) <= 1,
                "{rgb:?} → {got:?}, expected {yuv:?}"
            );
        }
    }
}

#[test]
fn strided_planes_are_respected() {
    let (w, h) = (20u32, 10u32);
    let rgba = test_image(w, h, 9);
    let mut tight = I420Image::default();
    rgba_to_i420(&rgba, w, h, &mut tight).unwrap();
    let (ys, cs) = (32usize, 16usize);
    let (mut y, mut u, mut v) = (vec![0u8; ys * 10], vec![0u8; cs * 5], vec![0u8; cs * 5]);
    rgba_to_i420_planes(&rgba, w, h, [&mut y, &mut u, &mut v], [ys, cs, cs]).unwrap();
    for row in 0..h as usize {
        assert_eq!(
            &y[row * ys..row * ys + 20],
            &tight.y[row * 20..row * 20 + 20]
        );
    }
    for row in 0..5 {
        assert_eq!(
            &u[row * cs..row * cs + 10],
            &tight.u[row * 10..row * 10 + 10]
        );
        assert_eq!(
            &v[row * cs..row * cs + 10],
            &tight.v[row * 10..row * 10 + 10]
        );
    }
}

#[test]
fn padded_rgba_rows_convert_like_packed_ones() {
    let (w, h) = (21u32, 11u32);
    let rgba = test_image(w, h, 5);
    let mut tight = I420Image::default();
    rgba_to_i420(&rgba, w, h, &mut tight).unwrap();
    // Rows padded to 256 bytes like a GPU readback, garbage in the padding, and
    // the last row stopping right after its pixels.
    let stride = 256usize;
    let row = w as usize * 4;
    let mut padded = vec![0xA5u8; stride * (h as usize - 1) + row];
    for y in 0..h as usize {
        padded[y * stride..y * stride + row].copy_from_slice(&rgba[y * row..(y + 1) * row]);
    }
    let mut out = I420Image::default();
    rgba_to_i420_strided(&padded, stride, w, h, &mut out).unwrap();
    assert_eq!((&out.y, &out.u, &out.v), (&tight.y, &tight.u, &tight.v));

    let short = &padded[..padded.len() - 1];
    let err = rgba_to_i420_strided(short, stride, w, h, &mut out).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EncodeFailed);
    let err = rgba_to_i420_strided(&padded, row - 4, w, h, &mut out).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EncodeFailed);
}

#[test]
fn wrong_buffer_size_is_encode_failed() {
    let mut out = I420Image::default();
    let err = rgba_to_i420(&[0u8; 15], 2, 2, &mut out).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EncodeFailed);
    let err = rgba_to_i420_reference(&[0u8; 17], 2, 2, &mut out).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EncodeFailed);
}
