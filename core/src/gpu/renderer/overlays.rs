//! Overlays of a frame: the route mesh and its per-frame uniforms, the
//! glyph atlas upload, and the frame blocks the overlays can touch (what a
//! CPU-composited frame clears and reads back).

use super::super::composed::Run;
use super::*;
use crate::gpu::pipelines::ShapePipelines;

pub(super) struct GpuRoute {
    pub(super) vb: wgpu::Buffer,
    pub(super) ib: wgpu::Buffer,
    pub(super) count: u32,
    /// Distance (km) at the start of each segment (6 indices each, in order).
    pub(super) seg_km: Vec<f32>,
    /// Mercator origin the vertices are relative to.
    pub(super) origin: [f64; 2],
}

/// `resolve` and not stored.
/// Points per route run whose bounds [`PreparedJob::overlay_blocks`] marks.
pub(super) const ROUTE_RUN: usize = 16;

/// Bounds of runs of [`ROUTE_RUN`] route segments, relative to the first point
/// (as the route mesh), with the distance at each run's start.
pub(super) fn route_runs(spec: &SceneSpec) -> Vec<([f32; 4], f64)> {
    let pts = &spec.route_points;
    let Some(origin) = pts.first() else {
        return Vec::new();
    };
    (0..pts.len().saturating_sub(1))
        .step_by(ROUTE_RUN)
        .map(|i| {
            let mut b = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
            for p in &pts[i..(i + ROUTE_RUN + 1).min(pts.len())] {
                let (x, y) = ((p[0] - origin[0]) as f32, (p[1] - origin[1]) as f32);
                b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            }
            (b, spec.route_km.get(i).copied().unwrap_or(0.0))
        })
        .collect()
}

impl PreparedJob {
    pub(super) fn upload_atlas(&mut self) {
        if let Some((y0, y1)) = self.atlas.dirty.take() {
            let size = self.atlas.size;
            let row = (size * 2) as usize;
            self.shared.ctx.queue.write_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &self.atlas_tex,
                    mip_level: 0,
                    origin: wgpu::Origin3d { x: 0, y: y0, z: 0 },
                    aspect: wgpu::TextureAspect::All,
                },
                &self.atlas.data[y0 as usize * row..y1 as usize * row],
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(size * 2),
                    rows_per_image: Some(y1 - y0),
                },
                wgpu::Extent3d {
                    width: size,
                    height: y1 - y0,
                    depth_or_array_layers: 1,
                },
            );
        }
    }

    /// The frame blocks this frame's overlays can draw into (no rotation).
    pub(super) fn overlay_blocks(&self, view: &View, st: &FrameState, ov: &Overlays) -> Dirty {
        let (w, h) = (self.spec.width, self.spec.height);
        let mut dirty = Dirty::new(w, h);
        for sh in &ov.shapes {
            // The shader's quad: the shape grown by its margin, rotated; icons
            // cover their bounding circle.
            let margin = sh.params[2] + sh.params[3] + 1.5;
            let (ex, ey) = if sh.kind >= 3 {
                let r = sh.half[0].hypot(sh.half[1]) + margin;
                (r, r)
            } else {
                let (sn, c) = sh.params[0].sin_cos();
                let (hx, hy) = (sh.half[0] + margin, sh.half[1] + margin);
                (c.abs() * hx + sn.abs() * hy, sn.abs() * hx + c.abs() * hy)
            };
            let [x, y] = sh.center;
            dirty.mark(x - ex, y - ey, x + ex, y + ey);
        }
        for g in &ov.glyphs {
            let [x, y, gw, gh] = g.rect;
            dirty.mark(x, y, x + gw, y + gh);
        }
        if let Some(route) = &self.route {
            let look = &self.spec.route;
            let s = self.spec.scale();
            // The widest route draw (casing, glow) plus the shader's margin.
            let extent = look.width * s / 2.0 + 1.5 * s + look.glow.max(0.0) * s + 2.0;
            let wp = view.world_px;
            let c = [
                view.center[0] - route.origin[0],
                view.center[1] - route.origin[1],
            ];
            let to_px = |p: [f64; 2]| {
                [
                    ((p[0] - route.origin[0] - c[0]) * wp + w as f64 / 2.0) as f32,
                    ((p[1] - route.origin[1] - c[1]) * wp + h as f64 / 2.0) as f32,
                ]
            };
            let (fw, fh) = (w as f32, h as f32);
            // Where the part ahead is hidden, it draws nothing.
            let ahead = self.spec.trail_full && look.ahead_alpha > 0.0;
            let pts = &self.spec.route_points;
            for (run, (b, km0)) in self.route_runs.iter().enumerate() {
                if !ahead && *km0 > st.vehicle.distance_km {
                    break;
                }
                let x0 = ((b[0] as f64 - c[0]) * wp) as f32 + fw / 2.0 - extent;
                let y0 = ((b[1] as f64 - c[1]) * wp) as f32 + fh / 2.0 - extent;
                let x1 = ((b[2] as f64 - c[0]) * wp) as f32 + fw / 2.0 + extent;
                let y1 = ((b[3] as f64 - c[1]) * wp) as f32 + fh / 2.0 + extent;
                if x1 < 0.0 || y1 < 0.0 || x0 > fw || y0 > fh {
                    continue;
                }
                // Each segment in pieces of at most half a block.
                let first = run * ROUTE_RUN;
                let last = (first + ROUTE_RUN).min(pts.len() - 1);
                for i in first..last {
                    let (a, b) = (to_px(pts[i]), to_px(pts[i + 1]));
                    let len = (b[0] - a[0]).hypot(b[1] - a[1]);
                    let n = ((len / (BLOCK as f32 / 2.0)).ceil() as usize).clamp(1, 4096);
                    for k in 0..n {
                        let (t0, t1) = (k as f32 / n as f32, (k + 1) as f32 / n as f32);
                        let p = [a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0];
                        let q = [a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1];
                        dirty.mark(
                            p[0].min(q[0]) - extent,
                            p[1].min(q[1]) - extent,
                            p[0].max(q[0]) + extent,
                            p[1].max(q[1]) + extent,
                        );
                    }
                }
            }
        }
        dirty
    }

    /// Writes the route uniforms; returns (dynamic offset, world copies) per draw.
    pub(super) fn write_route_uniforms(&mut self, view: &View, st: &FrameState) -> Vec<(u32, u32)> {
        let Some(route) = &self.route else {
            return Vec::new();
        };
        let look = &self.spec.route;
        let s = self.spec.scale();
        // The route is drawn once, in the camera's (unwrapped) coordinates.
        let (first, count) = (0, 1);
        let base = RouteUniform {
            center: [
                (view.center[0] - route.origin[0]) as f32,
                (view.center[1] - route.origin[1]) as f32,
            ],
            size_px: [view.width as f32, view.height as f32],
            world_px: view.world_px as f32,
            cos_b: view.angle.cos() as f32,
            sin_b: view.angle.sin() as f32,
            first_copy: first as f32,
            color: look.color,
            half_width: look.width * s / 2.0,
            glow: 0.0,
            progress_km: st.vehicle.distance_km as f32,
            ahead_alpha: if self.spec.trail_full {
                look.ahead_alpha
            } else {
                0.0
            },
            mode: 0,
            _pad: [0; 3],
        };
        let mut draws = Vec::new();
        if look.glow > 0.0 && look.glow_alpha > 0.0 {
            let mut u = base;
            u.mode = 1;
            u.glow = look.glow * s;
            u.color = [
                look.color[0],
                look.color[1],
                look.color[2],
                look.color[3] * look.glow_alpha,
            ];
            draws.push(u);
        }
        if let Some(casing) = look.casing {
            let mut u = base;
            u.color = casing;
            u.half_width = base.half_width + 1.5 * s;
            draws.push(u);
        }
        draws.push(base);
        let align = self.shared.pipes.uniform_align.max(256);
        let ctx = &self.shared.ctx;
        draws
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let off = i as u64 * align;
                ctx.queue
                    .write_buffer(&self.route_uniforms, off, bytemuck::bytes_of(u));
                (off as u32, count)
            })
            .collect()
    }

    /// Draws the route (`route_draws`: uniform offset and world copies per
    /// draw), then shapes and glyphs in two layers (markers and labels, then
    /// the vehicle and HUD), into `pass`.
    pub(super) fn draw_overlays(
        &self,
        pass: &mut wgpu::RenderPass<'_>,
        st: &FrameState,
        ov: &Overlays,
        route_draws: &[(u32, u32)],
    ) {
        let p = &self.shared.pipes;
        if let Some(route) = &self.route {
            pass.set_pipeline(&p.route);
            pass.set_vertex_buffer(0, route.vb.slice(..));
            pass.set_index_buffer(route.ib.slice(..), wgpu::IndexFormat::Uint32);
            // Where the part ahead is hidden, only the segments up to the
            // vehicle and the next (its anti-aliased cut may reach into it):
            // a software rasteriser would shade the rest for nothing.
            let count = if self.spec.trail_full && self.spec.route.ahead_alpha > 0.0 {
                route.count
            } else {
                let km = st.vehicle.distance_km as f32;
                let segs = route.seg_km.partition_point(|&k| k <= km) as u32 + 1;
                (segs * 6).min(route.count)
            };
            for (offset, copies) in route_draws {
                pass.set_bind_group(0, &self.route_bind, &[*offset]);
                pass.draw_indexed(0..count, 0, 0..*copies);
            }
        }
        let sz_s = std::mem::size_of::<ShapeInstance>() as u64;
        let sz_g = std::mem::size_of::<GlyphInstance>() as u64;
        let shape_ranges = [0..ov.shapes_split, ov.shapes_split..ov.shapes.len()];
        let glyph_ranges = [0..ov.glyphs_split, ov.glyphs_split..ov.glyphs.len()];
        pass.set_bind_group(0, &self.overlay_bind, &[]);
        for layer in 0..2 {
            let shapes = shape_ranges[layer].clone();
            // Runs of shapes one pipeline draws, in order.
            let mut start = shapes.start;
            for i in shapes.clone() {
                let kind = ov.shapes[i].kind;
                if i + 1 == shapes.end || !ShapePipelines::same(kind, ov.shapes[i + 1].kind) {
                    let pipe = p.shapes.for_kind(kind);
                    self.shapes.draw_quads(pass, pipe, start..i + 1, sz_s);
                    start = i + 1;
                }
            }
            let glyphs = glyph_ranges[layer].clone();
            self.glyphs.draw_quads(pass, &p.glyph, glyphs, sz_g);
        }
    }
}

/// Records clearing the overlay blocks `runs` of `frame` to transparent, by
/// copies from a buffer of zeros one block high (created on first use):
/// cheaper than clearing the whole target on a CPU rasteriser.
pub(super) fn clear_blocks(
    device: &wgpu::Device,
    encoder: &mut wgpu::CommandEncoder,
    zeros: &mut Option<wgpu::Buffer>,
    frame: &wgpu::Texture,
    padded_row: u32,
    runs: &[Run],
) {
    let zeros = zeros.get_or_insert_with(|| {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("zeros"),
            size: padded_row as u64 * BLOCK as u64,
            usage: wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        })
    });
    for run in runs {
        encoder.copy_buffer_to_texture(
            wgpu::TexelCopyBufferInfo {
                buffer: zeros,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(padded_row),
                    rows_per_image: Some(BLOCK),
                },
            },
            run.texel(frame),
            run.extent(),
        );
    }
}
