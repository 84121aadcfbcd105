//! include/georender.h must be exactly what the pinned cbindgen writes from
//! ffi/src. Regenerate with:
//!
//! ```sh
//! GEORENDER_UPDATE_HEADER=1 cargo test -p georender-ffi --test header
//! ```

use std::path::PathBuf;

fn generate() -> String {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("ffi/cbindgen.toml is readable");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn header_matches_the_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../include/georender.h");
    let fresh = generate();
    if std::env::var_os("GEORENDER_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &fresh).expect("include/georender.h is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let tmp = std::env::temp_dir().join("georender.h.fresh");
        let _ = std::fs::write(&tmp, &fresh);
        let first = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(fresh.lines().count()));
        panic!(
            "include/georender.h is out of date with ffi/src (first difference at line {}; \
             fresh header written to {}). Regenerate it with:\n  \
             GEORENDER_UPDATE_HEADER=1 cargo test -p georender-ffi --test header",
            first + 1,
            tmp.display()
        );
    }
}

#[test]
fn header_declares_the_api() {
    let header = generate();
    for name in [
        "GR_OK = 0",
        "GR_VALIDATION_ERROR = 1",
        "GR_BATCH_TOO_LARGE = 7",
        "GR_NULL_ARGUMENT = 100",
        "GR_INTERNAL = 104",
        "#define GR_VERSION_MAJOR",
        "typedef struct GrEngine GrEngine;",
        "typedef struct GrBatch GrBatch;",
        "typedef int32_t (*GrProgressCallback)(const struct GrProgress *progress, void *user_data);",
        "GrStatus gr_engine_new(",
        "GrStatus gr_render_batch(",
        "GrStatus gr_batch_wait(",
        "const char *gr_last_error_message(void);",
        "void gr_string_free(char *s);",
    ] {
        assert!(header.contains(name), "header lacks `{name}`");
    }
    let version = format!(
        "#define GR_VERSION_STRING \"{}\"",
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        header.contains(&version),
        "ffi/cbindgen.toml's after_includes must say `{version}`"
    );
}
