// Sampled tile quads: places cached basemap tiles in the frame when the zoom
// (or bearing) differs from the tile's, with bilinear filtering.

struct QuadIn {
    // Clip-space corners: top-left, top-right, bottom-left, bottom-right.
    @location(0) p01: vec4<f32>,
    @location(1) p23: vec4<f32>,
    // Texture coordinates of the top-left and bottom-right corners.
    @location(2) uv: vec4<f32>,
};

struct QuadOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) @interpolate(linear) uv: vec2<f32>,
};

@group(0) @binding(0) var tex: texture_2d<f32>;
@group(0) @binding(1) var smp: sampler;

@vertex
fn vs_quad(q: QuadIn, @builtin(vertex_index) vi: u32) -> QuadOut {
    var p: vec2<f32>;
    switch vi {
        case 0u: { p = q.p01.xy; }
        case 1u: { p = q.p01.zw; }
        case 2u: { p = q.p23.xy; }
        default: { p = q.p23.zw; }
    }
    let t = vec2<f32>(f32(vi & 1u), f32(vi >> 1u));
    var out: QuadOut;
    out.pos = vec4<f32>(p, 0.0, 1.0);
    out.uv = mix(q.uv.xy, q.uv.zw, t);
    return out;
}

@fragment
fn fs_quad(in: QuadOut) -> @location(0) vec4<f32> {
    return textureSampleLevel(tex, smp, in.uv, 0.0);
}
