//! Geometry in normalised Web Mercator: lyon fill tessellation of polygon layers
//! and miter-joined line strips whose width is applied in the vertex shader (so
//! one tessellation serves every zoom level and resolution).

use crate::geo::{mercator, LatLng};
use lyon::path::Path;
use lyon::tessellation::{
    BuffersBuilder, FillOptions, FillRule, FillTessellator, FillVertex as LyonFillVertex,
    VertexBuffers,
};

/// A filled-polygon vertex: Mercator position and colour class.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FillVertex {
    pub pos: [f32; 2],
    pub class: u32,
}

/// A line vertex: position on the centre line, extrusion direction (length >= 1
/// at miter joins), side (+1 / -1) and a per-vertex value (line class as bits,
/// or the distance along the route in km).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct LineVertex {
    pub pos: [f32; 2],
    pub normal: [f32; 2],
    pub side: f32,
    pub value: u32,
}

/// Indexed triangles with a Mercator bounding box.
#[derive(Debug, Clone, Default)]
pub struct Mesh<V> {
    pub vertices: Vec<V>,
    pub indices: Vec<u32>,
    /// `[min_x, min_y, max_x, max_y]` in Mercator units (empty mesh: inverted).
    pub bounds: [f32; 4],
}

impl<V> Mesh<V> {
    /// An empty mesh.
    pub fn new() -> Self {
        Mesh {
            vertices: Vec::new(),
            indices: Vec::new(),
            bounds: [f32::MAX, f32::MAX, f32::MIN, f32::MIN],
        }
    }

    fn grow(&mut self, p: [f32; 2]) {
        self.bounds[0] = self.bounds[0].min(p[0]);
        self.bounds[1] = self.bounds[1].min(p[1]);
        self.bounds[2] = self.bounds[2].max(p[0]);
        self.bounds[3] = self.bounds[3].max(p[1]);
    }

    /// Whether the mesh has no triangles.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Appends `other`'s triangles; returns the range its indices now occupy.
    pub fn append(&mut self, other: Mesh<V>) -> std::ops::Range<u32> {
        let base = self.vertices.len() as u32;
        let start = self.indices.len() as u32;
        self.vertices.extend(other.vertices);
        self.indices.extend(other.indices.iter().map(|i| i + base));
        for (k, v) in other.bounds.into_iter().enumerate() {
            self.bounds[k] = if k < 2 {
                self.bounds[k].min(v)
            } else {
                self.bounds[k].max(v)
            };
        }
        start..self.indices.len() as u32
    }
}

/// Projects lng/lat degrees to Mercator `f32`.
pub fn merc32(lng: f32, lat: f32) -> [f32; 2] {
    let m = mercator(LatLng::new(lat as f64, lng as f64));
    [m[0] as f32, m[1] as f32]
}

/// Tessellates one polygon (outer ring then holes, lng/lat) into `mesh` with
/// colour class `class`. Returns false when lyon rejects the geometry.
pub fn fill_polygon<'a>(
    mesh: &mut Mesh<FillVertex>,
    tess: &mut FillTessellator,
    rings: impl IntoIterator<Item = &'a [[f32; 2]]>,
    class: u32,
) -> bool {
    let projected: Vec<Vec<[f32; 2]>> = rings
        .into_iter()
        .map(|r| r.iter().map(|p| merc32(p[0], p[1])).collect())
        .collect();
    fill_mercator(mesh, tess, projected.iter().map(|r| &r[..]), class)
}

/// Tessellates one polygon already in Mercator (outer ring then holes).
pub fn fill_mercator<'a>(
    mesh: &mut Mesh<FillVertex>,
    tess: &mut FillTessellator,
    rings: impl IntoIterator<Item = &'a [[f32; 2]]>,
    class: u32,
) -> bool {
    let mut builder = Path::builder();
    let mut any = false;
    for ring in rings {
        if ring.len() < 3 {
            continue;
        }
        let mut started = false;
        let mut last = [f32::NAN; 2];
        for &m in ring {
            if m == last {
                continue;
            }
            last = m;
            if !started {
                builder.begin(lyon::math::point(m[0], m[1]));
                started = true;
            } else {
                builder.line_to(lyon::math::point(m[0], m[1]));
            }
        }
        if started {
            builder.end(true);
            any = true;
        }
    }
    if !any {
        return true;
    }
    let path = builder.build();
    let mut buffers: VertexBuffers<FillVertex, u32> = VertexBuffers::new();
    let opts = FillOptions::tolerance(1e-7).with_fill_rule(FillRule::EvenOdd);
    let ok = tess
        .tessellate_path(
            &path,
            &opts,
            &mut BuffersBuilder::new(&mut buffers, |v: LyonFillVertex| FillVertex {
                pos: v.position().to_array(),
                class,
            }),
        )
        .is_ok();
    if !ok {
        return false;
    }
    let base = mesh.vertices.len() as u32;
    for v in &buffers.vertices {
        mesh.grow(v.pos);
    }
    mesh.vertices.extend_from_slice(&buffers.vertices);
    mesh.indices
        .extend(buffers.indices.iter().map(|i| i + base));
    true
}

/// Largest piece (in points) left unsplit by [`fill_polygon_tiled`].
const PIECE_POINTS: usize = 384;
/// Smallest cell (Mercator units) [`fill_polygon_tiled`] splits down to.
const MIN_CELL: f64 = 1.0 / 512.0;

/// Clips a closed ring to the half-plane `axis` `<=`/`>=` `at` (Sutherland–Hodgman).
fn clip_ring(ring: &[[f64; 2]], axis: usize, at: f64, keep_below: bool) -> Vec<[f64; 2]> {
    let inside = |p: &[f64; 2]| {
        if keep_below {
            p[axis] <= at
        } else {
            p[axis] >= at
        }
    };
    let mut out = Vec::with_capacity(ring.len() + 4);
    let n = ring.len();
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        let (ia, ib) = (inside(&a), inside(&b));
        if ia {
            out.push(a);
        }
        if ia != ib {
            let t = (at - a[axis]) / (b[axis] - a[axis]);
            let mut q = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
            q[axis] = at;
            out.push(q);
        }
    }
    out
}

/// The parts of `rings` inside the rectangle `rect` (`[x0, y0, x1, y1]`).
/// Rings wholly inside are kept as they are, wholly outside dropped; holes of
/// a dropped outer ring lie outside too.
pub fn clip_rings(rings: Vec<Vec<[f64; 2]>>, rect: [f64; 4]) -> Vec<Vec<[f64; 2]>> {
    rings
        .into_iter()
        .filter_map(|ring| {
            let b = ring_bounds(&ring);
            if b[0] >= rect[0] && b[1] >= rect[1] && b[2] <= rect[2] && b[3] <= rect[3] {
                return Some(ring);
            }
            if b[2] <= rect[0] || b[3] <= rect[1] || b[0] >= rect[2] || b[1] >= rect[3] {
                return None;
            }
            let mut r = ring;
            for (axis, at, keep_below) in [
                (0, rect[0], false),
                (0, rect[2], true),
                (1, rect[1], false),
                (1, rect[3], true),
            ] {
                r = clip_ring(&r, axis, at, keep_below);
                if r.len() < 3 {
                    return None;
                }
            }
            Some(r)
        })
        .collect()
}

/// The runs of a polyline inside the rectangle `rect` (`[x0, y0, x1, y1]`),
/// cut where it crosses the edges (as [`clip_ring`] cuts, so that the parts
/// on either side of a shared edge meet exactly).
pub fn clip_polyline(points: &[[f64; 2]], rect: [f64; 4]) -> Vec<Vec<[f64; 2]>> {
    let mut lines = vec![points.to_vec()];
    for (axis, at, keep_below) in [
        (0, rect[0], false),
        (0, rect[2], true),
        (1, rect[1], false),
        (1, rect[3], true),
    ] {
        let inside = |p: &[f64; 2]| {
            if keep_below {
                p[axis] <= at
            } else {
                p[axis] >= at
            }
        };
        let mut out = Vec::new();
        for line in lines {
            let mut run: Vec<[f64; 2]> = Vec::new();
            for (i, &b) in line.iter().enumerate() {
                if i > 0 {
                    let a = line[i - 1];
                    if inside(&a) != inside(&b) {
                        let t = (at - a[axis]) / (b[axis] - a[axis]);
                        let mut q = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
                        q[axis] = at;
                        run.push(q);
                        if !inside(&b) {
                            out.push(std::mem::take(&mut run));
                        }
                    }
                }
                if inside(&b) {
                    run.push(b);
                }
            }
            out.push(run);
        }
        lines = out.into_iter().filter(|l| l.len() >= 2).collect();
    }
    lines
}

fn ring_bounds(ring: &[[f64; 2]]) -> [f64; 4] {
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for p in ring {
        b[0] = b[0].min(p[0]);
        b[1] = b[1].min(p[1]);
        b[2] = b[2].max(p[0]);
        b[3] = b[3].max(p[1]);
    }
    b
}

fn split_piece(rings: Vec<Vec<[f64; 2]>>, bounds: [f64; 4], out: &mut Vec<Vec<Vec<[f64; 2]>>>) {
    let points: usize = rings.iter().map(Vec::len).sum();
    let (w, h) = (bounds[2] - bounds[0], bounds[3] - bounds[1]);
    if points <= PIECE_POINTS || w.max(h) <= MIN_CELL {
        out.push(rings);
        return;
    }
    let axis = if w >= h { 0 } else { 1 };
    let mid = (bounds[axis] + bounds[axis + 2]) / 2.0;
    for keep_below in [true, false] {
        let mut b = bounds;
        if keep_below {
            b[axis + 2] = mid;
        } else {
            b[axis] = mid;
        }
        let mut part = Vec::new();
        for r in &rings {
            let rb = ring_bounds(r);
            if (keep_below && rb[axis + 2] <= mid) || (!keep_below && rb[axis] >= mid) {
                part.push(r.clone());
            } else if (keep_below && rb[axis] >= mid) || (!keep_below && rb[axis + 2] <= mid) {
                continue;
            } else {
                let c = clip_ring(r, axis, mid, keep_below);
                if c.len() >= 3 {
                    part.push(c);
                }
            }
        }
        if !part.is_empty() {
            split_piece(part, b, out);
        }
    }
}

/// Like [`fill_polygon`], but first cuts the polygon into small pieces along a
/// binary grid, so no triangle spans more than a small cell (long slivers are
/// slow to rasterise and defeat per-tile culling). Returns false if lyon
/// rejected a piece.
/// With `clip` (Mercator `[x0, y0, x1, y1]`), only the part inside it.
pub fn fill_polygon_tiled<'a>(
    mesh: &mut Mesh<FillVertex>,
    tess: &mut FillTessellator,
    rings: impl IntoIterator<Item = &'a [[f32; 2]]>,
    class: u32,
    clip: Option<[f64; 4]>,
) -> bool {
    let mut rings: Vec<Vec<[f64; 2]>> = rings
        .into_iter()
        .filter(|r| r.len() >= 3)
        .map(|r| {
            r.iter()
                .map(|p| mercator(LatLng::new(p[1] as f64, p[0] as f64)))
                .collect()
        })
        .collect();
    if let Some(rect) = clip {
        rings = clip_rings(rings, rect);
    }
    if rings.is_empty() {
        return true;
    }
    let bounds = ring_bounds(&rings[0]);
    let mut pieces = Vec::new();
    split_piece(rings, bounds, &mut pieces);
    let mut ok = true;
    for piece in pieces {
        let r32: Vec<Vec<[f32; 2]>> = piece
            .iter()
            .map(|r| r.iter().map(|p| [p[0] as f32, p[1] as f32]).collect())
            .collect();
        ok &= fill_mercator(mesh, tess, r32.iter().map(|r| &r[..]), class);
    }
    ok
}

/// Appends a miter-joined strip for a polyline given in Mercator (`f64`, relative
/// to `origin`) with one value per point (`values`) or a constant.
pub fn stroke_polyline(
    mesh: &mut Mesh<LineVertex>,
    points: &[[f64; 2]],
    origin: [f64; 2],
    value: impl Fn(usize) -> u32,
) {
    // Drop repeated points; keep the index of the original for values.
    let mut pts: Vec<([f64; 2], usize)> = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        if let Some((q, _)) = pts.last() {
            let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
            if dx * dx + dy * dy < 1e-22 {
                continue;
            }
        }
        pts.push((*p, i));
    }
    if pts.len() < 2 {
        return;
    }
    let n = pts.len();
    let seg_normal = |a: [f64; 2], b: [f64; 2]| {
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len = (dx * dx + dy * dy).sqrt();
        [-dy / len, dx / len]
    };
    let base = mesh.vertices.len() as u32;
    for k in 0..n {
        let (p, orig) = pts[k];
        let n_in = (k > 0).then(|| seg_normal(pts[k - 1].0, p));
        let n_out = (k + 1 < n).then(|| seg_normal(p, pts[k + 1].0));
        let normal = match (n_in, n_out) {
            (Some(a), Some(b)) => {
                let (mx, my) = (a[0] + b[0], a[1] + b[1]);
                let len = (mx * mx + my * my).sqrt();
                if len < 1e-6 {
                    // A full U-turn: fall back to the outgoing normal.
                    b
                } else {
                    let (mx, my) = (mx / len, my / len);
                    // Miter length 1/cos(half angle), clamped.
                    let cos = (mx * b[0] + my * b[1]).max(0.5);
                    [mx / cos, my / cos]
                }
            }
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => [0.0, 0.0],
        };
        let pos = [(p[0] - origin[0]) as f32, (p[1] - origin[1]) as f32];
        let v = value(orig);
        let nf = [normal[0] as f32, normal[1] as f32];
        mesh.grow(pos);
        mesh.vertices.push(LineVertex {
            pos,
            normal: nf,
            side: 1.0,
            value: v,
        });
        mesh.vertices.push(LineVertex {
            pos,
            normal: [-nf[0], -nf[1]],
            side: -1.0,
            value: v,
        });
    }
    for k in 0..(n as u32 - 1) {
        let a = base + 2 * k;
        mesh.indices
            .extend_from_slice(&[a, a + 1, a + 2, a + 1, a + 3, a + 2]);
    }
}

/// Strokes a lng/lat line, projecting to Mercator, with a constant class; with
/// `clip` (Mercator `[x0, y0, x1, y1]`), only its runs inside it.
pub fn stroke_lnglat(
    mesh: &mut Mesh<LineVertex>,
    line: &[[f32; 2]],
    class: u32,
    clip: Option<[f64; 4]>,
) {
    let pts: Vec<[f64; 2]> = line
        .iter()
        .map(|p| mercator(LatLng::new(p[1] as f64, p[0] as f64)))
        .collect();
    // Split where consecutive points jump across the antimeridian.
    let mut start = 0;
    for i in 1..=pts.len() {
        if i == pts.len() || (pts[i][0] - pts[i - 1][0]).abs() > 0.5 {
            let part = &pts[start..i];
            match clip {
                None => stroke_polyline(mesh, part, [0.0, 0.0], |_| class),
                Some(rect) => {
                    let b = ring_bounds(part);
                    if b[2] < rect[0] || b[3] < rect[1] || b[0] > rect[2] || b[1] > rect[3] {
                        // Wholly outside.
                    } else if b[0] >= rect[0]
                        && b[1] >= rect[1]
                        && b[2] <= rect[2]
                        && b[3] <= rect[3]
                    {
                        stroke_polyline(mesh, part, [0.0, 0.0], |_| class);
                    } else {
                        for run in clip_polyline(part, rect) {
                            stroke_polyline(mesh, &run, [0.0, 0.0], |_| class);
                        }
                    }
                }
            }
            start = i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_with_hole_tessellates() {
        let outer: Vec<[f32; 2]> = vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        let hole: Vec<[f32; 2]> = vec![[3.0, 3.0], [6.0, 3.0], [6.0, 6.0], [3.0, 6.0]];
        let mut mesh = Mesh::new();
        let mut tess = FillTessellator::new();
        assert!(fill_polygon(
            &mut mesh,
            &mut tess,
            [&outer[..], &hole[..]],
            3
        ));
        assert!(mesh.indices.len() >= 8 * 3);
        assert!(mesh.vertices.iter().all(|v| v.class == 3));
    }

    #[test]
    fn polylines_cut_at_a_shared_edge_meet_exactly() {
        let line = [[0.1, 0.1], [0.3, 0.4], [0.7, 0.45], [0.9, 0.2]];
        let (left, right) = ([0.0, 0.0, 0.5, 1.0], [0.5, 0.0, 1.0, 1.0]);
        let (a, b) = (clip_polyline(&line, left), clip_polyline(&line, right));
        assert_eq!((a.len(), b.len()), (1, 1));
        let (end, start) = (*a[0].last().unwrap(), b[0][0]);
        assert_eq!(
            end, start,
            "both sides cut the crossing segment at one point"
        );
        assert_eq!(end[0], 0.5);
        // In and out again: two runs; wholly outside: none.
        let runs = clip_polyline(&[[0.2, 0.5], [0.8, 0.5], [0.8, 0.6], [0.2, 0.6]], left);
        assert_eq!(runs.len(), 2);
        assert!(clip_polyline(&line, [2.0, 2.0, 3.0, 3.0]).is_empty());
    }

    #[test]
    fn rings_are_clipped_to_a_rectangle() {
        let ring = vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        let inside = vec![[0.2, 0.2], [0.3, 0.2], [0.3, 0.3]];
        let out = clip_rings(vec![ring, inside.clone()], [0.5, 0.0, 2.0, 2.0]);
        assert_eq!(out.len(), 1, "the hole left of the edge is dropped");
        let b = ring_bounds(&out[0]);
        assert_eq!(b, [0.5, 0.0, 1.0, 1.0]);
        let kept = clip_rings(vec![inside.clone()], [0.0, 0.0, 1.0, 1.0]);
        assert_eq!(kept, vec![inside]);
    }

    #[test]
    fn strip_has_two_vertices_per_point() {
        let mut mesh = Mesh::new();
        stroke_polyline(
            &mut mesh,
            &[[0.0, 0.0], [0.1, 0.0], [0.2, 0.1]],
            [0.0, 0.0],
            |i| i as u32,
        );
        assert_eq!(mesh.vertices.len(), 6);
        assert_eq!(mesh.indices.len(), 12);
        // Miter normal at the joint is longer than 1.
        let n = mesh.vertices[2].normal;
        assert!((n[0] * n[0] + n[1] * n[1]).sqrt() > 1.0);
    }
}
