//! Headless device setup: Vulkan first (a real GPU, else Mesa's lavapipe), OpenGL
//! (EGL/llvmpipe) as the fallback.

use crate::error::{Error, Result};
use std::sync::{Arc, Mutex};

/// What to install when no adapter is found (SPEC section 9).
pub const DRIVER_HINT: &str = "no GPU adapter found (neither Vulkan nor OpenGL): install \
    `mesa-vulkan-drivers libvulkan1` (Vulkan/lavapipe) or `libegl1 libegl-mesa0 libgl1-mesa-dri` \
    (OpenGL/llvmpipe), or a GPU driver";

/// A device and its queue, shareable by every job of a process (`Arc`, `Send + Sync`).
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    /// Name, backend and kind of the adapter in use.
    pub info: wgpu::AdapterInfo,
    /// The limits the device was created with.
    pub limits: wgpu::Limits,
    /// The first GPU error not yet reported (wgpu would otherwise panic).
    errors: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for GpuContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuContext")
            .field("adapter", &self.info.name)
            .field("backend", &self.info.backend)
            .finish()
    }
}

fn rank(info: &wgpu::AdapterInfo) -> u32 {
    use wgpu::DeviceType::*;
    match info.device_type {
        DiscreteGpu => 0,
        IntegratedGpu => 1,
        VirtualGpu => 2,
        Cpu => 3,
        Other => 4,
    }
}

impl GpuContext {
    /// Opens the best adapter: a hardware Vulkan GPU, else lavapipe, else OpenGL.
    /// `GEORENDER_BACKEND=vulkan|gl` restricts the choice.
    pub fn new() -> Result<Arc<GpuContext>> {
        let wanted = std::env::var("GEORENDER_BACKEND").unwrap_or_default();
        let order: &[wgpu::Backends] = match wanted.to_ascii_lowercase().as_str() {
            "vulkan" => &[wgpu::Backends::VULKAN],
            "gl" | "gles" | "opengl" => &[wgpu::Backends::GL],
            _ => &[
                wgpu::Backends::VULKAN
                    .union(wgpu::Backends::METAL)
                    .union(wgpu::Backends::DX12),
                wgpu::Backends::GL,
            ],
        };
        let mut last_err = String::new();
        for &backends in order {
            let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
            desc.backends = backends;
            desc.flags = wgpu::InstanceFlags::empty().with_env();
            let instance = wgpu::Instance::new(desc);
            let mut adapters = pollster::block_on(instance.enumerate_adapters(backends));
            adapters.sort_by_key(|a| rank(&a.get_info()));
            for adapter in adapters {
                match Self::open(adapter) {
                    Ok(ctx) => return Ok(Arc::new(ctx)),
                    Err(e) => last_err = e,
                }
            }
        }
        let detail = if last_err.is_empty() {
            String::new()
        } else {
            format!(" (last error: {last_err})")
        };
        Err(Error::RenderFailed(format!("{DRIVER_HINT}{detail}")))
    }

    fn open(adapter: wgpu::Adapter) -> std::result::Result<GpuContext, String> {
        let info = adapter.get_info();
        let supported = adapter.limits();
        let mut limits = wgpu::Limits::downlevel_defaults();
        limits.max_texture_dimension_2d = supported.max_texture_dimension_2d.min(16384);
        limits.max_buffer_size = supported.max_buffer_size;
        limits.max_storage_buffer_binding_size = supported.max_storage_buffer_binding_size;
        if limits.max_texture_dimension_2d < 4096 {
            return Err(format!(
                "{}: textures limited to {}",
                info.name, limits.max_texture_dimension_2d
            ));
        }
        let desc = wgpu::DeviceDescriptor {
            label: Some("georender"),
            required_features: wgpu::Features::empty(),
            required_limits: limits.clone(),
            // On a software GPU "device memory" is the process' RAM: small
            // suballocation blocks, so memory freed after a job (frame buffers,
            // tiles) goes back instead of staying reserved in 256 MB blocks.
            memory_hints: if info.device_type == wgpu::DeviceType::Cpu {
                wgpu::MemoryHints::Manual {
                    suballocated_device_memory_block_size: (4 << 20)..(16 << 20),
                }
            } else {
                wgpu::MemoryHints::Performance
            },
            ..Default::default()
        };
        let (device, queue) =
            pollster::block_on(adapter.request_device(&desc)).map_err(|e| e.to_string())?;
        let errors: Arc<Mutex<Option<String>>> = Arc::default();
        let sink = errors.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let mut slot = sink.lock().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                *slot = Some(e.to_string());
            }
        }));
        Ok(GpuContext {
            device,
            queue,
            info,
            limits,
            errors,
        })
    }

    /// Returns (and clears) the first GPU error raised since the last call, as
    /// `Error::RenderFailed`.
    pub fn check(&self) -> Result<()> {
        let mut slot = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        match slot.take() {
            Some(msg) => Err(Error::RenderFailed(format!("GPU error: {msg}"))),
            None => Ok(()),
        }
    }

    /// A one-line description of the adapter, e.g. `llvmpipe (LLVM 19) [Vulkan, Cpu]`.
    pub fn describe(&self) -> String {
        format!(
            "{} [{:?}, {:?}]",
            self.info.name, self.info.backend, self.info.device_type
        )
    }
}
