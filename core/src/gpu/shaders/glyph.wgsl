// Text: one quad per glyph, read 1:1 from an atlas whose red channel is the glyph
// coverage and green channel the halo coverage (both rasterised on the CPU).

struct Frame {
    size_px: vec2<f32>,
    _pad: vec2<f32>,
};

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var atlas: texture_2d<f32>;

struct GlyphIn {
    // Destination rectangle in pixels: x, y, width, height.
    @location(0) rect: vec4<f32>,
    // Atlas texel of the top-left corner.
    @location(1) uv: vec2<f32>,
    @location(2) color: vec4<f32>,
    @location(3) halo: vec4<f32>,
};

// Colours are per glyph (flat); the texel varies linearly (w = 1).
struct Out {
    @builtin(position) pos: vec4<f32>,
    @location(0) @interpolate(linear) texel: vec2<f32>,
    @location(1) @interpolate(flat) color: vec4<f32>,
    @location(2) @interpolate(flat) halo: vec4<f32>,
};

@vertex
fn vs_glyph(g: GlyphIn, @builtin(vertex_index) vi: u32) -> Out {
    let t = vec2<f32>(f32(vi & 1u), f32(vi >> 1u));
    let px = g.rect.xy + t * g.rect.zw;
    var out: Out;
    out.pos = vec4<f32>(px.x / frame.size_px.x * 2.0 - 1.0, 1.0 - px.y / frame.size_px.y * 2.0, 0.0, 1.0);
    out.texel = g.uv + t * g.rect.zw;
    out.color = g.color;
    out.halo = g.halo;
    return out;
}

@fragment
fn fs_glyph(in: Out) -> @location(0) vec4<f32> {
    let m = textureLoad(atlas, vec2<i32>(floor(in.texel)), 0);
    let ha = in.halo.a * m.g;
    let ta = in.color.a * m.r;
    // Text over halo, premultiplied.
    let rgb = in.color.rgb * ta + in.halo.rgb * ha * (1.0 - ta);
    let a = ta + ha * (1.0 - ta);
    return vec4<f32>(rgb, a);
}
