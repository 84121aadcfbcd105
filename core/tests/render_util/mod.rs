//! Helpers shared by the `render_*` tests: one renderer per test binary, the
//! example jobs, route planning and golden-image comparison.
#![allow(dead_code)]

use georender::gpu::{Frame, Renderer};
use georender::job::Job;
use georender::route::Route;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The example jobs every golden test covers.
pub const EXAMPLES: [&str; 3] = ["suez", "singapore-tokyo", "london-new-york"];

/// One renderer shared by all tests of a binary (lavapipe on CI).
pub fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| Renderer::new().expect("no GPU adapter (install mesa-vulkan-drivers)"))
}

/// Loads `examples/jobs/<name>.json` with top-level fields replaced by `patch`.
pub fn example(name: &str, patch: serde_json::Value) -> Job {
    let path = format!(
        "{}/../examples/jobs/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    if let serde_json::Value::Object(p) = patch {
        for (k, val) in p {
            v[k] = val;
        }
    }
    georender::job::job_from_value(&v).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Plans the route of `job` on the bundled networks.
pub fn plan(job: &Job) -> Route {
    georender::route::plan(job).expect("route")
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Per-channel difference above which a pixel counts as different.
pub const TOLERANCE: u8 = 12;
/// Share of pixels allowed to differ.
pub const BUDGET: f64 = 0.004;

/// Compares `frame` with `tests/golden/<name>.png`. With `GEORENDER_UPDATE_GOLDEN=1`
/// (or when the golden is missing and `GEORENDER_CREATE_GOLDEN=1`) writes it
/// instead. On failure writes `<name>.actual.png` and `<name>.diff.png` next to
/// the golden and returns a message.
pub fn check_golden(name: &str, frame: &Frame) -> Result<(), String> {
    let dir = golden_dir();
    let golden = dir.join(format!("{name}.png"));
    let actual_path = dir.join(format!("{name}.actual.png"));
    let diff_path = dir.join(format!("{name}.diff.png"));
    if std::env::var_os("GEORENDER_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        frame.save_png(&golden).unwrap();
        let _ = std::fs::remove_file(&actual_path);
        let _ = std::fs::remove_file(&diff_path);
        return Ok(());
    }
    let want = match image::open(&golden) {
        Ok(img) => img.into_rgba8(),
        Err(e) => {
            frame.save_png(&actual_path).unwrap();
            return Err(format!(
                "{name}: no golden ({e}); wrote {} (GEORENDER_UPDATE_GOLDEN=1 accepts it)",
                actual_path.display()
            ));
        }
    };
    if want.width() != frame.width || want.height() != frame.height {
        frame.save_png(&actual_path).unwrap();
        return Err(format!(
            "{name}: size {}x{} != golden {}x{}",
            frame.width,
            frame.height,
            want.width(),
            want.height()
        ));
    }
    let mut bad = 0usize;
    let mut worst = 0u8;
    let mut diff = image::RgbaImage::new(frame.width, frame.height);
    for (i, (a, b)) in frame
        .rgba
        .chunks_exact(4)
        .zip(want.as_raw().chunks_exact(4))
        .enumerate()
    {
        let d = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap();
        worst = worst.max(d);
        let (x, y) = (i as u32 % frame.width, i as u32 / frame.width);
        if d > TOLERANCE {
            bad += 1;
            diff.put_pixel(x, y, image::Rgba([255, 0, 255, 255]));
        } else {
            let g = (a[0] as u32 + a[1] as u32 + a[2] as u32) / 12;
            diff.put_pixel(x, y, image::Rgba([g as u8, g as u8, g as u8, 255]));
        }
    }
    let allowed = (BUDGET * (frame.width * frame.height) as f64) as usize;
    if bad > allowed {
        frame.save_png(&actual_path).unwrap();
        diff.save(&diff_path).unwrap();
        return Err(format!(
            "{name}: {bad} pixels differ by more than {TOLERANCE} (budget {allowed}, worst {worst}); see {} and {}",
            actual_path.display(),
            diff_path.display()
        ));
    }
    let _ = std::fs::remove_file(&actual_path);
    let _ = std::fs::remove_file(&diff_path);
    Ok(())
}
