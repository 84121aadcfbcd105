//! Library version: compile-time macros in the header, run-time functions in
//! the library (compare them to detect a header/library mismatch).

use std::ffi::c_char;

/// Major version of the header (`#define GR_VERSION_MAJOR`).
pub const GR_VERSION_MAJOR: u32 = 0;
/// Minor version of the header.
pub const GR_VERSION_MINOR: u32 = 1;
/// Patch version of the header.
pub const GR_VERSION_PATCH: u32 = 0;
const VERSION: &std::ffi::CStr = c"0.1.0";

/// The library's version, e.g. `"0.1.0"` (semantic versioning; compare with
/// `GR_VERSION_STRING`, the version of the header the host was compiled with).
///
/// Never NULL; static: do not free. Thread-safe.
#[no_mangle]
pub extern "C" fn gr_version() -> *const c_char {
    VERSION.as_ptr()
}

/// The library's major version (compare with `GR_VERSION_MAJOR`). Thread-safe.
#[no_mangle]
pub extern "C" fn gr_version_major() -> u32 {
    GR_VERSION_MAJOR
}

/// The library's minor version. Thread-safe.
#[no_mangle]
pub extern "C" fn gr_version_minor() -> u32 {
    GR_VERSION_MINOR
}

/// The library's patch version. Thread-safe.
#[no_mangle]
pub extern "C" fn gr_version_patch() -> u32 {
    GR_VERSION_PATCH
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The literals above (literals, so cbindgen can write them as macros)
    /// must follow the crate version.
    #[test]
    fn matches_cargo_version() {
        assert_eq!(VERSION.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        let parse = |s: &str| s.parse::<u32>().unwrap();
        assert_eq!(GR_VERSION_MAJOR, parse(env!("CARGO_PKG_VERSION_MAJOR")));
        assert_eq!(GR_VERSION_MINOR, parse(env!("CARGO_PKG_VERSION_MINOR")));
        assert_eq!(GR_VERSION_PATCH, parse(env!("CARGO_PKG_VERSION_PATCH")));
        assert_eq!(gr_version_major(), GR_VERSION_MAJOR);
        assert_eq!(gr_version_minor(), GR_VERSION_MINOR);
        assert_eq!(gr_version_patch(), GR_VERSION_PATCH);
    }
}
