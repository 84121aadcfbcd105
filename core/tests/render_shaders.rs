//! Every WGSL shader parses and validates with naga (no GPU needed).

use georender::gpu::pipelines::shaders;

#[test]
fn shaders_validate() {
    let mut failures = Vec::new();
    for (name, src) in shaders::ALL {
        let module = match naga::front::wgsl::parse_str(src) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{name}: {}", e.emit_to_string(src)));
                continue;
            }
        };
        let mut validator = naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        );
        if let Err(e) = validator.validate(&module) {
            failures.push(format!("{name}: {}", e.emit_to_string(src)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
