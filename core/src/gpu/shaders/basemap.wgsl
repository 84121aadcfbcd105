// Basemap tile pass: filled polygons, analytic anti-aliased lines and imagery,
// drawn in normalised Web Mercator into a cached tile (4x MSAA on hardware GPUs;
// on software ones lake shores drawn in edge mode anti-alias the fills instead).

struct Tile {
    // Mercator coordinates of the tile texture's top-left corner.
    origin: vec2<f32>,
    // Tile texture size in pixels.
    size_px: vec2<f32>,
    // Pixels per Mercator unit (the world's width in pixels).
    world_px: f32,
    // World copy of instance 0 (instances draw copies first_copy, first_copy + 1, ...).
    first_copy: f32,
    // Mip level for imagery / relief sampling.
    lod: f32,
    // Hillshade strength (0: off).
    hillshade: f32,
    // Colours of fill and line classes.
    colors: array<vec4<f32>, 16>,
    // Line half widths in pixels, by cls (x of each entry).
    half_widths: array<vec4<f32>, 16>,
};

@group(0) @binding(0) var<uniform> tile: Tile;
@group(0) @binding(1) var relief: texture_2d<f32>;
@group(0) @binding(2) var imagery: texture_2d<f32>;
@group(0) @binding(3) var smp: sampler;

const PI: f32 = 3.14159265358979;

fn to_clip(merc: vec2<f32>, copy: f32) -> vec4<f32> {
    let px = (merc + vec2<f32>(copy, 0.0) - tile.origin) * tile.world_px;
    let ndc = vec2<f32>(px.x / tile.size_px.x * 2.0 - 1.0, 1.0 - px.y / tile.size_px.y * 2.0);
    return vec4<f32>(ndc, 0.0, 1.0);
}

// Equirectangular texture coordinates of a Mercator point.
fn equirect_uv(merc: vec2<f32>) -> vec2<f32> {
    let u = fract(merc.x);
    let lat = atan(sinh(PI * (1.0 - 2.0 * merc.y)));
    let v = 0.5 - lat / PI;
    return vec2<f32>(u, clamp(v, 0.0, 1.0));
}

// Whether this pipeline shades with the relief raster: a constant, because a
// CPU rasteriser runs both sides of a branch (the texture reads included).
override HILLSHADE: bool = true;

fn relief_factor(merc: vec2<f32>) -> f32 {
    if (!HILLSHADE || tile.hillshade <= 0.0) {
        return 1.0;
    }
    let r = textureSampleLevel(relief, smp, equirect_uv(merc), tile.lod).r;
    // Shaded relief is mid-grey on flat ground: brighten flats, darken shadows.
    return mix(1.0, clamp(r * 1.25, 0.0, 1.15), tile.hillshade);
}

// Lakes under LAKE_MIN_PX pixels across at a tile's level are not drawn, and
// lakes up to twice that fade in: a small-scale map generalises them away
// instead of showing specks (on software GPUs, where edge strips anti-alias
// lake shores, specks would also come out bolder than they are).
const LAKE_MIN_PX: f32 = 2.0;

// The opacity of a vertex of class `cls` at this level: below 1 only for
// small lakes. Bits 8-15 of a lake's class hold its size code,
// round(-8 log2(Mercator extent)), 0 for no size (`SIZE_SHIFT` in
// scene/basemap.rs).
fn lake_fade(cls: u32) -> f32 {
    let code = (cls >> 8u) & 255u;
    if (code == 0u) {
        return 1.0;
    }
    let px = exp2(-f32(code) / 8.0) * tile.world_px;
    return clamp(px / LAKE_MIN_PX - 1.0, 0.0, 1.0);
}

// A clip position outside the view: a triangle whose vertices all get it is
// dropped before rasterisation.
const CULLED: vec4<f32> = vec4<f32>(2.0, 2.0, 0.0, 1.0);

// ---- filled polygons ----

struct FillOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) @interpolate(linear) merc: vec2<f32>,
    @location(1) @interpolate(flat) cls: u32,
    @location(2) @interpolate(flat) fade: f32,
};

@vertex
fn vs_fill(@location(0) pos: vec2<f32>, @location(1) cls: u32, @builtin(instance_index) inst: u32) -> FillOut {
    var out: FillOut;
    out.fade = lake_fade(cls);
    out.pos = select(to_clip(pos, tile.first_copy + f32(inst)), CULLED, out.fade <= 0.0);
    out.merc = pos;
    out.cls = cls;
    return out;
}

@fragment
fn fs_fill(in: FillOut) -> @location(0) vec4<f32> {
    let c = tile.colors[in.cls & 15u];
    var rgb = c.rgb;
    // Classes with bit 4 set are land: shaded by the relief raster.
    if ((in.cls & 16u) != 0u) {
        rgb = rgb * relief_factor(in.merc);
    }
    let a = c.a * in.fade;
    return vec4<f32>(rgb * a, a);
}

// ---- anti-aliased lines (coastlines, borders, sea lanes) ----

struct LineOut {
    @builtin(position) pos: vec4<f32>,
    // Signed distance from the centre line in pixels.
    @location(0) @interpolate(linear) dist: f32,
    @location(1) @interpolate(flat) cls: u32,
    @location(2) @interpolate(flat) fade: f32,
};

@vertex
fn vs_line(
    @location(0) pos: vec2<f32>,
    @location(1) normal: vec2<f32>,
    @location(2) side: f32,
    @location(3) cls: u32,
    @builtin(instance_index) inst: u32,
) -> LineOut {
    var out: LineOut;
    let hw = max(tile.half_widths[cls & 15u].x, 0.5);
    // Coverage ends half a pixel beyond the half width: no wider, so that fewer
    // fragments are shaded and short segments at sharp turns fold less.
    let extent = hw + 0.5;
    var clip = to_clip(pos, tile.first_copy + f32(inst));
    let off = normal * extent;
    clip = vec4<f32>(clip.x + off.x / tile.size_px.x * 2.0, clip.y - off.y / tile.size_px.y * 2.0, 0.0, 1.0);
    out.fade = lake_fade(cls);
    out.pos = select(clip, CULLED, out.fade <= 0.0);
    out.dist = side * extent;
    out.cls = cls;
    return out;
}

@fragment
fn fs_line(in: LineOut) -> @location(0) vec4<f32> {
    let c = tile.colors[in.cls & 15u];
    if (tile.half_widths[in.cls & 15u].y > 0.0) {
        // Edge mode: a fill's own colour fading out across its (aliased) edge,
        // which anti-aliases the fill without MSAA.
        let a = c.a * in.fade * clamp(0.5 - abs(in.dist), 0.0, 1.0);
        return vec4<f32>(c.rgb * a, a);
    }
    let w = tile.half_widths[in.cls & 15u].x;
    let hw = max(w, 0.5);
    // Lines thinner than a pixel are drawn one pixel wide and proportionally fainter.
    let thin = min(w * 2.0, 1.0);
    let cov = clamp(hw + 0.5 - abs(in.dist), 0.0, 1.0) * thin;
    let a = c.a * cov;
    return vec4<f32>(c.rgb * a, a);
}

// ---- imagery (satellite style): the whole tile from the Blue Marble raster ----

struct ImgOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) @interpolate(linear) merc: vec2<f32>,
};

@vertex
fn vs_imagery(@builtin(vertex_index) vi: u32) -> ImgOut {
    let uv = vec2<f32>(f32(vi & 1u), f32(vi >> 1u));
    var out: ImgOut;
    out.pos = vec4<f32>(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, 0.0, 1.0);
    out.merc = tile.origin + uv * tile.size_px / tile.world_px;
    return out;
}

@fragment
fn fs_imagery(in: ImgOut) -> @location(0) vec4<f32> {
    let uv = equirect_uv(in.merc);
    var rgb = textureSampleLevel(imagery, smp, uv, tile.lod).rgb;
    if (HILLSHADE && tile.hillshade > 0.0) {
        rgb = rgb * relief_factor(in.merc);
    }
    // Slightly lift contrast and saturation: Blue Marble is dark and flat.
    let l = dot(rgb, vec3<f32>(0.299, 0.587, 0.114));
    rgb = clamp(mix(vec3<f32>(l), rgb, 1.15) * 1.08, vec3<f32>(0.0), vec3<f32>(1.0));
    return vec4<f32>(rgb, 1.0);
}
