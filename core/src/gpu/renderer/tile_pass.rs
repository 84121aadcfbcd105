//! The tile pass: a batch of basemap tiles drawn (fills, lake shores, lines
//! or imagery) and, on software GPUs, read back to memory.

use super::shared::GpuBand;
use super::targets::render_target;
use super::tiles::Tile;
use super::*;

impl PreparedJob {
    pub(super) fn render_tiles(&mut self, needed: &[(usize, (i64, i64))]) -> Result<()> {
        let mut todo: Vec<(usize, (i64, i64))> = Vec::new();
        for &(li, t) in needed {
            if !self.take_cached(li, t) {
                todo.push((li, t));
            }
        }
        if todo.is_empty() {
            return Ok(());
        }
        let ctx = self.shared.ctx.clone();
        let style = self.spec.style;
        let s = self.spec.scale();
        let (tile, tile_tex) = (self.tile, self.tile_tex);
        let mut colors = [[0.0f32; 4]; 16];
        let mut half_widths = [[0.0f32; 4]; 16];
        colors[0] = style.land;
        colors[CLASS_LAKE as usize] = style.lakes;
        for (i, c) in style.country_palette.iter().enumerate() {
            colors[2 + i] = *c;
        }
        for (class, line) in [
            (LINE_COAST, style.coastline),
            (LINE_BORDER, style.borders),
            (LINE_LANE, style.sea_lanes),
        ] {
            if let Some(l) = line {
                colors[class as usize] = l.color;
                half_widths[class as usize][0] = l.width * s / 2.0;
            }
        }
        // Lake shores are drawn in edge mode (see `fs_line`).
        half_widths[CLASS_LAKE as usize][1] = 1.0;
        // Software GPUs read every tile back for the CPU composites; where the
        // map never rotates the texture is dropped right after, so one scratch
        // texture serves the whole batch. Batches hold at most 16 tiles of 512
        // pixels' worth of memory (4 at 4K) to bound the transient peak.
        let cpu_only = self.tiles_on_cpu_only();
        let batch = (TILE_BATCH * 512 * 512 / (tile_tex * tile_tex) as usize).clamp(2, TILE_BATCH);
        let new_tile_texture = || {
            let usage = wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_SRC;
            render_target(&ctx.device, "tile", (tile_tex, tile_tex), 1, usage)
        };
        let readback_row = (tile_tex * 4).div_ceil(256) * 256;
        let readback_per = readback_row as u64 * tile_tex as u64;
        // Software GPUs draw tiles with one sample (lake shores in edge mode,
        // see `tile_samples`).
        let shared = self.shared.clone();
        let tp = &shared.pipes.tiles;
        let shaded = self.spec.hillshade && style.hillshade > 0.0;
        if tp.samples > 1 && self.msaa.is_none() {
            self.msaa = Some(msaa_target(&ctx.device, tile_tex, tp.samples));
        }
        for chunk in todo.chunks(batch) {
            let mut encoder = ctx
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("tiles"),
                });
            let scratch = cpu_only.then(new_tile_texture);
            let staging = self.cpu_sample.then(|| {
                ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("tile readback"),
                    size: readback_per * chunk.len() as u64,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                })
            });
            let mut made = Vec::new();
            for (slot, &(li, (tx, ty))) in chunk.iter().enumerate() {
                // The band in every sector the tile may show (one part where
                // the band is not split), and the country polygons where the
                // style fills them.
                let mut bands: Vec<Arc<GpuBand>> = Vec::new();
                let mut countries: Vec<Arc<GpuBand>> = Vec::new();
                for part in self.tile_parts(li, (tx, ty)) {
                    let b = self.shared.band_part(part)?;
                    if !part.countries {
                        bands.push(b);
                    } else if !b.m.countries.is_empty() {
                        countries.push(b);
                    }
                }
                let level = &self.levels[li];
                let wp = level.world_px;
                let origin_px = [(tx * tile - PAD) as f64, (ty * tile - PAD) as f64];
                let origin = [origin_px[0] / wp, origin_px[1] / wp];
                let span = tile_tex as f64 / wp;
                let lod = |tex_w: f32| (tex_w as f64 / wp).log2().max(0.0) as f32;
                let imagery_lod = lod(self.raster_widths[0]);
                let relief_lod = lod(self.raster_widths[1]);
                let copies = |b: [f32; 4]| -> Option<(f32, u32)> {
                    if b[0] > b[2] {
                        return None;
                    }
                    let k0 = (origin[0] - b[2] as f64).ceil() as i64;
                    let k1 = (origin[0] + span - b[0] as f64).floor() as i64;
                    (k1 >= k0).then(|| (k0 as f32, (k1 - k0 + 1) as u32))
                };
                let mut u = TileUniform {
                    origin: [origin[0] as f32, origin[1] as f32],
                    size_px: [tile_tex as f32; 2],
                    world_px: wp as f32,
                    first_copy: 0.0,
                    lod: if style.imagery {
                        imagery_lod
                    } else {
                        relief_lod
                    },
                    hillshade: if self.spec.hillshade {
                        style.hillshade
                    } else {
                        0.0
                    },
                    colors,
                    half_widths,
                };
                // Slot layout: one uniform per draw group (fills, lines) per tile.
                let union = |parts: &mut dyn Iterator<Item = [f32; 4]>| {
                    parts.fold([f32::MAX, f32::MAX, f32::MIN, f32::MIN], |a, b| {
                        [
                            a[0].min(b[0]),
                            a[1].min(b[1]),
                            a[2].max(b[2]),
                            a[3].max(b[3]),
                        ]
                    })
                };
                let fill_copies = copies(union(
                    &mut bands.iter().chain(&countries).map(|b| b.m.fill.bounds),
                ));
                let line_copies = copies(union(&mut bands.iter().map(|b| b.m.lines.bounds)));
                let base = (slot as u64) * TILE_UNIFORM_STRIDE;
                u.first_copy = fill_copies.map_or(0.0, |c| c.0);
                ctx.queue
                    .write_buffer(&self.tile_uniforms, base, bytemuck::bytes_of(&u));
                u.first_copy = line_copies.map_or(0.0, |c| c.0);
                ctx.queue.write_buffer(
                    &self.tile_uniforms,
                    base + TILE_UNIFORM_STRIDE / 2,
                    bytemuck::bytes_of(&u),
                );
                let region = [origin[0], origin[1], origin[0] + span, origin[1] + span];
                let line_margin = (8.0 * s as f64 + 4.0) / wp;
                let own = scratch.is_none().then(new_tile_texture);
                let texture = own.as_ref().or(scratch.as_ref()).expect("a tile texture");
                let view = texture.create_view(&Default::default());
                {
                    let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                        label: Some("tile"),
                        color_attachments: &[Some(match (tp.samples > 1, &self.msaa) {
                            (true, Some(msaa)) => cleared(msaa, Some(&view), style.ocean),
                            _ => cleared(&view, None, style.ocean),
                        })],
                        depth_stencil_attachment: None,
                        timestamp_writes: None,
                        occlusion_query_set: None,
                        multiview_mask: None,
                    });
                    let fill_off = base as u32;
                    let line_off = (base + TILE_UNIFORM_STRIDE / 2) as u32;
                    if style.imagery {
                        pass.set_pipeline(tp.imagery(shaded));
                        pass.set_bind_group(0, &self.basemap_bind, &[fill_off]);
                        pass.draw(0..4, 0..1);
                    } else if fill_copies.is_some() {
                        pass.set_pipeline(tp.fill(shaded));
                        pass.set_bind_group(0, &self.basemap_bind, &[fill_off]);
                        // Layer by layer over the parts, so that layers stack
                        // the same across sector edges.
                        let fills =
                            |pass: &mut wgpu::RenderPass<'_>,
                             parts: &[Arc<GpuBand>],
                             layer: fn(&BandMeshes) -> &Layer| {
                                for b in parts {
                                    pass.set_vertex_buffer(0, b.fill_vb.slice(..));
                                    pass.set_index_buffer(
                                        b.fill_ib.slice(..),
                                        wgpu::IndexFormat::Uint32,
                                    );
                                    draw_layer(pass, layer(&b.m), &region, fill_copies, 0.0);
                                }
                            };
                        // Country polygons replace land where the style fills them.
                        if countries.is_empty() {
                            fills(&mut pass, &bands, |m| &m.land);
                        } else {
                            fills(&mut pass, &countries, |m| &m.countries);
                        }
                        fills(&mut pass, &bands, |m| &m.lakes);
                    }
                    if line_copies.is_some() {
                        pass.set_pipeline(&tp.line);
                        pass.set_bind_group(0, &self.basemap_bind, &[line_off]);
                        let mut layers: Vec<fn(&BandMeshes) -> &Layer> = Vec::new();
                        if !style.imagery && tp.samples == 1 {
                            layers.push(|m| &m.lake_edges);
                        }
                        if style.sea_lanes.is_some() {
                            layers.push(|m| &m.lanes);
                        }
                        if style.borders.is_some() {
                            layers.push(|m| &m.borders);
                        }
                        if style.coastline.is_some() {
                            layers.push(|m| &m.coast);
                        }
                        for layer in layers {
                            for b in &bands {
                                let (Some(vb), Some(ib)) = (&b.line_vb, &b.line_ib) else {
                                    continue;
                                };
                                pass.set_vertex_buffer(0, vb.slice(..));
                                pass.set_index_buffer(ib.slice(..), wgpu::IndexFormat::Uint32);
                                let lc = line_copies;
                                draw_layer(&mut pass, layer(&b.m), &region, lc, line_margin);
                            }
                        }
                    }
                }
                if let Some(buf) = &staging {
                    encoder.copy_texture_to_buffer(
                        texture.as_image_copy(),
                        wgpu::TexelCopyBufferInfo {
                            buffer: buf,
                            layout: wgpu::TexelCopyBufferLayout {
                                offset: readback_per * made.len() as u64,
                                bytes_per_row: Some(readback_row),
                                rows_per_image: Some(tile_tex),
                            },
                        },
                        wgpu::Extent3d {
                            width: tile_tex,
                            height: tile_tex,
                            depth_or_array_layers: 1,
                        },
                    );
                }
                let gpu = own.map(|texture| {
                    let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                        label: Some("tile"),
                        layout: &self.shared.pipes.composite_bgl,
                        entries: &[
                            wgpu::BindGroupEntry {
                                binding: 0,
                                resource: wgpu::BindingResource::TextureView(&view),
                            },
                            wgpu::BindGroupEntry {
                                binding: 1,
                                resource: wgpu::BindingResource::Sampler(
                                    &self.shared.pipes.tile_sampler,
                                ),
                            },
                        ],
                    });
                    (texture, bind)
                });
                let tex_bytes = if gpu.is_some() {
                    tile_tex * tile_tex * 4
                } else {
                    0
                };
                made.push((
                    li,
                    (tx, ty),
                    Tile {
                        gpu,
                        pixels: None,
                        yuv: None,
                        bytes: tex_bytes as usize,
                    },
                ));
            }
            if let Some(buf) = &staging {
                encoder.map_buffer_on_submit(buf, wgpu::MapMode::Read, .., |_| {});
            }
            let sub = ctx.queue.submit([encoder.finish()]);
            if let Some(buf) = staging {
                ctx.device
                    .poll(wgpu::PollType::Wait {
                        submission_index: Some(sub),
                        timeout: None,
                    })
                    .map_err(|e| Error::RenderFailed(format!("GPU wait failed: {e}")))?;
                {
                    let data = buf
                        .slice(..)
                        .get_mapped_range()
                        .map_err(|e| Error::RenderFailed(format!("readback failed: {e}")))?;
                    let n = tile_tex as usize;
                    let (row, per) = (readback_row as usize, readback_per as usize);
                    // Video frames composited on the CPU read planes only.
                    let planes = self.tile_yuv && cpu_only;
                    for (i, (li, _, t)) in made.iter_mut().enumerate() {
                        if planes {
                            let all = self.is_copy_level(*li);
                            let yuv = YuvTile::from_rgba(&data[per * i..], row, n, all)?;
                            t.bytes += yuv.bytes();
                            t.yuv = Some(Arc::new(yuv));
                            continue;
                        }
                        let mut px = vec![0u32; n * n];
                        for y in 0..n {
                            let src = &data[per * i + row * y..][..n * 4];
                            let dst: &mut [u8] =
                                bytemuck::cast_slice_mut(&mut px[y * n..(y + 1) * n]);
                            dst.copy_from_slice(src);
                        }
                        t.pixels = Some(Arc::new(px));
                        t.bytes += n * n * 4;
                    }
                }
                buf.unmap();
            }
            let mut cache = self.shared.tile_cache.lock().unwrap();
            for (li, key, tile) in made {
                let tile = Arc::new(tile);
                cache.insert(self.tile_key(li, key), tile.clone());
                self.levels[li].tiles.insert(key, tile);
                self.stats.tiles_rendered += 1;
            }
        }
        Ok(())
    }
}

/// A colour attachment cleared to `color`; multisampled ones are resolved into
/// `resolve` and not stored.
pub(super) fn cleared<'a>(
    view: &'a wgpu::TextureView,
    resolve: Option<&'a wgpu::TextureView>,
    color: [f32; 4],
) -> wgpu::RenderPassColorAttachment<'a> {
    wgpu::RenderPassColorAttachment {
        view,
        depth_slice: None,
        resolve_target: resolve,
        ops: wgpu::Operations {
            load: wgpu::LoadOp::Clear(to_wgpu_color(color)),
            store: if resolve.is_some() {
                wgpu::StoreOp::Discard
            } else {
                wgpu::StoreOp::Store
            },
        },
    }
}

/// The multisampled target tiles are drawn into before the resolve.
pub(super) fn msaa_target(device: &wgpu::Device, tile_tex: u32, samples: u32) -> wgpu::TextureView {
    let usage = wgpu::TextureUsages::empty();
    render_target(device, "tile msaa", (tile_tex, tile_tex), samples, usage)
        .create_view(&Default::default())
}

/// Draws the cells of `layer` that overlap `region` (Mercator), once per world
/// copy in `copies` (`(first copy, count)`; instance `i` draws copy `first + i`).
pub(super) fn draw_layer(
    pass: &mut wgpu::RenderPass<'_>,
    layer: &Layer,
    region: &[f64; 4],
    copies: Option<(f32, u32)>,
    margin: f64,
) {
    let Some((first, count)) = copies else { return };
    for cell in &layer.cells {
        let b = cell.bounds;
        if (b[1] as f64) - margin > region[3] || (b[3] as f64) + margin < region[1] {
            continue;
        }
        for i in 0..count {
            let k = first as f64 + i as f64;
            if (b[0] as f64) + k - margin > region[2] || (b[2] as f64) + k + margin < region[0] {
                continue;
            }
            pass.draw_indexed(cell.indices.clone(), 0, i..i + 1);
        }
    }
}
