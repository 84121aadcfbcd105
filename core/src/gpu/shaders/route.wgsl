// The route: a stroked polyline extruded in the vertex shader and anti-aliased
// analytically (no MSAA), drawn progressively up to the vehicle.

struct Route {
    // Camera centre in route-relative Mercator units.
    center: vec2<f32>,
    // Frame size in pixels.
    size_px: vec2<f32>,
    // Pixels per Mercator unit.
    world_px: f32,
    // Camera bearing (cos, sin).
    cos_b: f32,
    sin_b: f32,
    // World copy of instance 0.
    first_copy: f32,
    color: vec4<f32>,
    // Core half width in pixels.
    half_width: f32,
    // Extra glow radius in pixels (glow pass only).
    glow: f32,
    // Distance travelled (km): the trail ends here.
    progress_km: f32,
    // Opacity of the part ahead of the vehicle (0: hidden).
    ahead_alpha: f32,
    // 0: solid line, 1: glow.
    mode: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
};

@group(0) @binding(0) var<uniform> route: Route;

// Screen space (w = 1): linear interpolation, no perspective divide.
struct Out {
    @builtin(position) pos: vec4<f32>,
    @location(0) @interpolate(linear) dist: f32,
    @location(1) @interpolate(linear) km: f32,
};

@vertex
fn vs_route(
    @location(0) pos: vec2<f32>,
    @location(1) normal: vec2<f32>,
    @location(2) side: f32,
    @location(3) km: f32,
    @builtin(instance_index) inst: u32,
) -> Out {
    let extent = route.half_width + route.glow + 1.0;
    let rel = (pos + vec2<f32>(route.first_copy + f32(inst), 0.0) - route.center) * route.world_px;
    let rot = vec2<f32>(rel.x * route.cos_b - rel.y * route.sin_b, rel.x * route.sin_b + rel.y * route.cos_b);
    let n = vec2<f32>(normal.x * route.cos_b - normal.y * route.sin_b, normal.x * route.sin_b + normal.y * route.cos_b);
    let px = rot + n * extent + route.size_px * 0.5;
    var out: Out;
    out.pos = vec4<f32>(px.x / route.size_px.x * 2.0 - 1.0, 1.0 - px.y / route.size_px.y * 2.0, 0.0, 1.0);
    out.dist = side * extent;
    out.km = km;
    return out;
}

@fragment
fn fs_route(in: Out) -> @location(0) vec4<f32> {
    let d = abs(in.dist);
    var a: f32;
    if (route.mode == 1u) {
        let t = clamp((d - route.half_width * 0.5) / max(route.glow + route.half_width * 0.5, 1.0), 0.0, 1.0);
        a = (1.0 - t) * (1.0 - t);
    } else {
        a = clamp(route.half_width + 0.5 - d, 0.0, 1.0);
    }
    // Anti-aliased cut at the vehicle: fwidth converts km to pixels.
    let fw = max(fwidth(in.km), 1e-6);
    let behind = clamp((route.progress_km - in.km) / fw + 0.5, 0.0, 1.0);
    a = a * mix(route.ahead_alpha, 1.0, behind);
    let alpha = route.color.a * a;
    return vec4<f32>(route.color.rgb * alpha, alpha);
}
