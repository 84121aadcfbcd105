//! Finding and loading the bundled datasets in `assets/` (built by
//! `assets/build.sh` from the registry packages listed in `assets/SOURCES.md`).
//!
//! The directory is found without any setup: `$GEORENDER_ASSETS` if set, else the
//! workspace's `assets/` (compile-time path), else `assets/` or
//! `../share/georender/assets` next to the running executable.

pub mod basemap;
pub mod blob;
pub mod places;

pub use blob::Blob;
pub use places::{bluemarble_path, font_path, shadedrelief_path};

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A file every complete asset directory contains; used to recognise one.
const MARKER: &str = "SOURCES.md";

fn candidates() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os("GEORENDER_ASSETS") {
        dirs.push(PathBuf::from(dir));
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets"));
    if let Ok(exe) = std::env::current_exe() {
        if let Some(bin) = exe.parent() {
            dirs.push(bin.join("assets"));
            dirs.push(bin.join("../share/georender/assets"));
            // target/{debug,release}/deps/… → workspace root
            for up in bin.ancestors().skip(1).take(3) {
                dirs.push(up.join("assets"));
            }
        }
    }
    dirs
}

/// The asset directory in use.
pub fn dir() -> Result<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        candidates()
            .into_iter()
            .find(|d| d.join(MARKER).is_file())
            .and_then(|d| d.canonicalize().ok())
    })
    .as_deref()
    .ok_or_else(|| {
        Error::RenderFailed(
            "georender assets not found: set GEORENDER_ASSETS to the project's assets/ directory"
                .into(),
        )
    })
}

/// Full path of an asset file.
pub fn path(name: &str) -> Result<PathBuf> {
    Ok(dir()?.join(name))
}

/// Opens a `.grb` asset by file name.
pub fn open(name: &str) -> Result<Blob> {
    Blob::open(&path(name)?).map_err(asset_error)
}

/// Converts a loader message into the engine error used for broken assets.
pub fn asset_error(msg: String) -> Error {
    Error::RenderFailed(format!("georender asset error: {msg}"))
}

/// Loads a value once per process; later calls share it. Errors are cached too.
pub(crate) fn cached<T: Send + Sync>(
    cell: &'static OnceLock<std::result::Result<T, Error>>,
    load: impl FnOnce() -> Result<T>,
) -> Result<&'static T> {
    cell.get_or_init(load).as_ref().map_err(Clone::clone)
}
