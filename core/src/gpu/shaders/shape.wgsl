// Vector shapes evaluated as signed distance fields: waypoint dots, pulse rings,
// HUD panels and bars, and the vehicle icons (plane, ship, truck), rotated to
// the heading and anti-aliased analytically.

struct Frame {
    size_px: vec2<f32>,
    _pad: vec2<f32>,
};

@group(0) @binding(0) var<uniform> frame: Frame;

struct ShapeIn {
    // Centre in pixels.
    @location(0) center: vec2<f32>,
    // Half extents in pixels (icons: half length, half width).
    @location(1) half: vec2<f32>,
    // x: rotation (radians, clockwise on screen), y: corner radius,
    // z: stroke width (px), w: edge softness (px, >= 1).
    @location(2) params: vec4<f32>,
    @location(3) fill: vec4<f32>,
    @location(4) stroke: vec4<f32>,
    // 0 disc, 1 ring, 2 rounded box, 3 plane, 4 ship, 5 truck.
    @location(5) kind: u32,
};

// Only `local` varies over a shape; the rest is per instance (flat). Screen
// space has w = 1, so linear interpolation is exact and skips the perspective
// divide a software rasteriser would do per pixel.
struct Out {
    @builtin(position) pos: vec4<f32>,
    @location(0) @interpolate(linear) local: vec2<f32>,
    @location(1) @interpolate(flat) half: vec2<f32>,
    @location(2) @interpolate(flat) params: vec4<f32>,
    @location(3) @interpolate(flat) fill: vec4<f32>,
    @location(4) @interpolate(flat) stroke: vec4<f32>,
    @location(5) @interpolate(flat) kind: u32,
};

@vertex
fn vs_shape(s: ShapeIn, @builtin(vertex_index) vi: u32) -> Out {
    let t = vec2<f32>(f32(vi & 1u), f32(vi >> 1u)) * 2.0 - 1.0;
    let margin = s.params.z + s.params.w + 1.5;
    var ext = s.half + vec2<f32>(margin);
    if (s.kind >= 3u) {
        // Icons rotate: cover the bounding circle.
        let r = length(s.half) + margin;
        ext = vec2<f32>(r, r);
    }
    let local = t * ext;
    let c = cos(s.params.x);
    let sn = sin(s.params.x);
    var px: vec2<f32>;
    if (s.kind >= 3u) {
        px = s.center + local;
    } else {
        px = s.center + vec2<f32>(local.x * c - local.y * sn, local.x * sn + local.y * c);
    }
    var out: Out;
    out.pos = vec4<f32>(px.x / frame.size_px.x * 2.0 - 1.0, 1.0 - px.y / frame.size_px.y * 2.0, 0.0, 1.0);
    if (s.kind >= 3u) {
        // Into the icon's frame: +x along the heading.
        out.local = vec2<f32>(local.x * c + local.y * sn, -local.x * sn + local.y * c);
    } else {
        out.local = local;
    }
    out.half = s.half;
    out.params = s.params;
    out.fill = s.fill;
    out.stroke = s.stroke;
    out.kind = s.kind;
    return out;
}

fn sd_box(p: vec2<f32>, b: vec2<f32>, r: f32) -> f32 {
    let q = abs(p) - b + vec2<f32>(r);
    return length(max(q, vec2<f32>(0.0))) + min(max(q.x, q.y), 0.0) - r;
}

fn sd_segment(p: vec2<f32>, a: vec2<f32>, b: vec2<f32>) -> f32 {
    let pa = p - a;
    let ba = b - a;
    let h = clamp(dot(pa, ba) / dot(ba, ba), 0.0, 1.0);
    return length(pa - ba * h);
}

// Convex quadrilateral (vertices counter-clockwise or clockwise, consistent).
fn sd_quad(p: vec2<f32>, a: vec2<f32>, b: vec2<f32>, c: vec2<f32>, d: vec2<f32>) -> f32 {
    let dist = min(min(sd_segment(p, a, b), sd_segment(p, b, c)), min(sd_segment(p, c, d), sd_segment(p, d, a)));
    let e0 = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
    let e1 = (c.x - b.x) * (p.y - b.y) - (c.y - b.y) * (p.x - b.x);
    let e2 = (d.x - c.x) * (p.y - c.y) - (d.y - c.y) * (p.x - c.x);
    let e3 = (a.x - d.x) * (p.y - d.y) - (a.y - d.y) * (p.x - d.x);
    let inside = (e0 >= 0.0 && e1 >= 0.0 && e2 >= 0.0 && e3 >= 0.0) || (e0 <= 0.0 && e1 <= 0.0 && e2 <= 0.0 && e3 <= 0.0);
    return select(dist, -dist, inside);
}

// Icons are designed in a unit frame: x in -1..1 along the heading (nose at +1),
// y in -1..1 across; `s` scales the unit frame to pixels.
fn sd_plane(p: vec2<f32>, s: f32) -> f32 {
    let q = vec2<f32>(p.x, abs(p.y)) / s;
    // Fuselage: a capsule from tail to nose.
    var d = sd_segment(q, vec2<f32>(-0.82, 0.0), vec2<f32>(0.84, 0.0)) - 0.12;
    // Main wings, swept back.
    d = min(d, sd_quad(q, vec2<f32>(0.30, 0.0), vec2<f32>(-0.20, 0.98), vec2<f32>(-0.44, 0.98), vec2<f32>(-0.20, 0.0)));
    // Tailplane.
    d = min(d, sd_quad(q, vec2<f32>(-0.56, 0.0), vec2<f32>(-0.82, 0.40), vec2<f32>(-0.94, 0.40), vec2<f32>(-0.80, 0.0)));
    return d * s;
}

fn sd_ship(p: vec2<f32>, s: f32) -> f32 {
    let q = p / s;
    // Hull: a rounded stern, straight sides and a pointed bow (not mirrored, so
    // no seam runs along the keel).
    var d = sd_box(q - vec2<f32>(-0.30, 0.0), vec2<f32>(0.62, 0.40), 0.16);
    d = min(d, sd_quad(q, vec2<f32>(0.30, -0.40), vec2<f32>(0.30, 0.40), vec2<f32>(0.66, 0.30), vec2<f32>(0.66, -0.30)));
    d = min(d, sd_quad(q, vec2<f32>(0.66, -0.30), vec2<f32>(0.66, 0.30), vec2<f32>(1.0, 0.03), vec2<f32>(1.0, -0.03)));
    return d * s;
}

fn sd_truck(p: vec2<f32>, s: f32) -> f32 {
    let q = p / s;
    // Trailer and cab seen from above.
    var d = sd_box(q - vec2<f32>(-0.25, 0.0), vec2<f32>(0.68, 0.42), 0.08);
    d = min(d, sd_box(q - vec2<f32>(0.70, 0.0), vec2<f32>(0.26, 0.38), 0.14));
    return d * s;
}

// Interior detail lines (e.g. the truck's cab gap) as a second distance.
fn detail(kind: u32, p: vec2<f32>, s: f32) -> f32 {
    let q = p / s;
    if (kind == 5u) {
        return abs(q.x - 0.44) * s;
    }
    if (kind == 4u) {
        // Bridge near the stern.
        return (sd_box(q - vec2<f32>(-0.58, 0.0), vec2<f32>(0.14, 0.26), 0.05)) * s;
    }
    return 1e5;
}

// Which shapes a pipeline draws: 0 discs, rings and boxes; 3, 4, 5 the plane,
// ship or truck icon. One pipeline each, because a software rasteriser runs
// every branch a fragment might take: boxes would pay for the icons' SDFs.
override ICON: u32 = 0u;

@fragment
fn fs_shape(in: Out) -> @location(0) vec4<f32> {
    let soft = max(in.params.w, 1.0);
    let sw = in.params.z;
    var d: f32;
    let p = in.local;
    if (ICON == 0u) {
        switch in.kind {
            case 0u: { d = length(p) - in.half.x; }
            case 1u: { d = abs(length(p) - in.half.x) - sw * 0.5; }
            default: { d = sd_box(p, in.half, min(in.params.y, min(in.half.x, in.half.y))); }
        }
    } else if (ICON == 3u) {
        d = sd_plane(p, in.half.x);
    } else if (ICON == 4u) {
        d = sd_ship(p, in.half.x);
    } else {
        d = sd_truck(p, in.half.x);
    }
    var fill_a: f32;
    var stroke_a: f32;
    if (ICON == 0u && in.kind == 1u) {
        fill_a = 0.0;
        stroke_a = clamp(0.5 - d / soft, 0.0, 1.0);
    } else {
        // Outline straddles the outer edge: fill inside d < -sw/2... outline to d < sw/2.
        let outer = clamp(0.5 - (d - sw * 0.5) / soft, 0.0, 1.0);
        let inner = clamp(0.5 - (d + sw * 0.5) / soft, 0.0, 1.0);
        fill_a = inner;
        stroke_a = outer;
        if (ICON >= 4u) {
            let dd = detail(ICON, p, in.half.x);
            let line = clamp(0.5 - (abs(dd) - max(sw * 0.35, 0.6)) / soft, 0.0, 1.0);
            fill_a = fill_a * (1.0 - line);
        }
    }
    // Fill over stroke, premultiplied.
    let f = in.fill.a * fill_a;
    let s = in.stroke.a * stroke_a;
    let rgb = in.fill.rgb * f + in.stroke.rgb * s * (1.0 - f);
    let a = f + s * (1.0 - f);
    return vec4<f32>(rgb, a);
}
