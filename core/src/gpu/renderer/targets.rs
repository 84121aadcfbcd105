//! GPU buffers and targets of a job: growable instance buffers, the mapped
//! upload and readback buffers of the frame slots, render targets.

use super::super::composed::Run;
use super::*;

pub(super) struct GrowBuffer {
    pub(super) buf: wgpu::Buffer,
    pub(super) cap: u64,
    pub(super) usage: wgpu::BufferUsages,
    pub(super) label: &'static str,
}

impl GrowBuffer {
    pub(super) fn new(
        device: &wgpu::Device,
        label: &'static str,
        usage: wgpu::BufferUsages,
    ) -> Self {
        let cap = 4096;
        GrowBuffer {
            buf: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: cap,
                usage: usage | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            cap,
            usage,
            label,
        }
    }

    pub(super) fn write(&mut self, ctx: &GpuContext, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if data.len() as u64 > self.cap {
            self.cap = (data.len() as u64).next_power_of_two();
            self.buf = ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(self.label),
                size: self.cap,
                usage: self.usage | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
        }
        ctx.queue.write_buffer(&self.buf, 0, data);
    }

    /// Draws instances `range` of the buffer (`stride` bytes each) as
    /// four-vertex strips with `pipeline`; nothing for an empty range.
    pub(super) fn draw_quads(
        &self,
        pass: &mut wgpu::RenderPass<'_>,
        pipeline: &wgpu::RenderPipeline,
        range: std::ops::Range<usize>,
        stride: u64,
    ) {
        if range.is_empty() {
            return;
        }
        pass.set_pipeline(pipeline);
        let bytes = range.start as u64 * stride..range.end as u64 * stride;
        pass.set_vertex_buffer(0, self.buf.slice(bytes));
        pass.draw(0..4, 0..range.len() as u32);
    }
}

/// A staging buffer the CPU magnifier writes a frame's basemap into, mapped for
/// writing whenever no frame in flight reads it.
pub(super) struct Upload {
    pub(super) buffer: wgpu::Buffer,
    /// Set when the buffer is mapped (after the frame that used it completed).
    pub(super) ready: Arc<AtomicBool>,
}

/// Has `fill` write the frame's basemap (RGBA8 rows `padded_row` bytes apart)
/// into slot `slot`'s mapped upload buffer, and records its copy into `frame`.
#[allow(clippy::too_many_arguments)]
pub(super) fn upload_frame(
    ctx: &GpuContext,
    encoder: &mut wgpu::CommandEncoder,
    slot: &mut Option<Upload>,
    frame: &wgpu::Texture,
    padded_row: u32,
    (width, height): (u32, u32),
    fill: impl FnOnce(&mut [u8]),
) -> Result<()> {
    let up = upload_slot(ctx, slot, padded_row, height)?;
    {
        let mut view = up
            .buffer
            .slice(..)
            .get_mapped_range_mut()
            .map_err(|e| Error::RenderFailed(format!("upload buffer not mapped: {e}")))?;
        let mut mapped = view.slice(..);
        let len = mapped.len();
        // SAFETY: the mapping stays valid and unaliased while `view` lives; wgpu
        // zero-initialises buffers, so every byte is initialised. The composites
        // only write (they never read `out`, which matters for write-combined
        // memory on discrete GPUs).
        let out =
            unsafe { std::slice::from_raw_parts_mut(mapped.as_raw_element_ptr().as_ptr(), len) };
        fill(out);
    }
    up.buffer.unmap();
    encoder.copy_buffer_to_texture(
        wgpu::TexelCopyBufferInfo {
            buffer: &up.buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded_row),
                rows_per_image: Some(height),
            },
        },
        frame.as_image_copy(),
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
    // Mapped again for writing once this frame's commands have run.
    up.ready.store(false, Ordering::Release);
    let ready = up.ready.clone();
    encoder.map_buffer_on_submit(&up.buffer, wgpu::MapMode::Write, .., move |r| {
        ready.store(r.is_ok(), Ordering::Release);
    });
    Ok(())
}

/// The mapped upload buffer of a frame slot, created on first use (a job whose
/// frames only copy tiles never needs one).
pub(super) fn upload_slot<'a>(
    ctx: &GpuContext,
    slot: &'a mut Option<Upload>,
    padded_row: u32,
    height: u32,
) -> Result<&'a Upload> {
    let up = slot.get_or_insert_with(|| Upload {
        buffer: ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("basemap upload"),
            size: padded_row as u64 * height as u64,
            usage: wgpu::BufferUsages::MAP_WRITE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: true,
        }),
        ready: Arc::new(AtomicBool::new(true)),
    });
    if !up.ready.load(Ordering::Acquire) {
        // The frame that used it last is normally done (its slot was read back).
        ctx.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::RenderFailed(format!("GPU wait failed: {e}")))?;
        if !up.ready.load(Ordering::Acquire) {
            return Err(Error::RenderFailed(
                "upload buffer could not be mapped".into(),
            ));
        }
    }
    Ok(up)
}

pub(super) struct Readback {
    pub(super) buffer: wgpu::Buffer,
    pub(super) submission: Option<wgpu::SubmissionIndex>,
    pub(super) index: u32,
    /// Set when the frame is composited on the CPU: the buffer then holds only
    /// the overlay blocks.
    pub(super) recipe: Option<Recipe>,
}

impl Readback {
    /// Records copying `frame` into this slot's buffer: only the overlay
    /// blocks `runs` when the frame is composited on the CPU (`recipe`), else
    /// the whole frame (rows `padded_row` bytes apart).
    pub(super) fn record(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        frame: &wgpu::Texture,
        padded_row: u32,
        recipe: Option<Recipe>,
        runs: Option<Vec<Run>>,
    ) {
        self.recipe = recipe;
        match (&mut self.recipe, runs) {
            (Some(recipe), Some(runs)) => {
                for run in &runs {
                    encoder.copy_texture_to_buffer(
                        run.texel(frame),
                        wgpu::TexelCopyBufferInfo {
                            buffer: &self.buffer,
                            layout: wgpu::TexelCopyBufferLayout {
                                offset: run.offset as u64,
                                bytes_per_row: Some(run.stride as u32),
                                rows_per_image: Some(run.h),
                            },
                        },
                        run.extent(),
                    );
                }
                recipe.runs = runs;
            }
            _ => encoder.copy_texture_to_buffer(
                frame.as_image_copy(),
                wgpu::TexelCopyBufferInfo {
                    buffer: &self.buffer,
                    layout: wgpu::TexelCopyBufferLayout {
                        offset: 0,
                        bytes_per_row: Some(padded_row),
                        rows_per_image: Some(frame.height()),
                    },
                },
                frame.size(),
            ),
        }
    }
}

/// A `w`×`h` render target in [`FORMAT`] with `samples` samples; `usage` is
/// added to `RENDER_ATTACHMENT`.
pub(super) fn render_target(
    device: &wgpu::Device,
    label: &str,
    (w, h): (u32, u32),
    samples: u32,
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: samples,
        dimension: wgpu::TextureDimension::D2,
        format: FORMAT,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | usage,
        view_formats: &[],
    })
}

pub(super) fn frame_texture(device: &wgpu::Device, w: u32, h: u32) -> wgpu::Texture {
    let usage = wgpu::TextureUsages::COPY_SRC | wgpu::TextureUsages::COPY_DST;
    render_target(device, "frame", (w, h), 1, usage)
}
