//! One render pipeline per primitive, built once per [`GpuContext`].

use super::context::GpuContext;
use crate::scene::mesh::{FillVertex, LineVertex};
use crate::scene::{GlyphInstance, ShapeInstance};
use std::sync::OnceLock;

/// Texture format of tiles and frames (sRGB values stored as-is).
pub const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
/// MSAA sample count of the basemap tile pass on hardware GPUs.
///
/// On software GPUs (lavapipe) 4x MSAA costs ~2–3x a tile's raster time, so
/// tiles are drawn with one sample there: lines are anti-aliased in the shader
/// anyway (their strips reach only as far as their coverage, so short segments
/// at sharp turns rarely fold over into double-blended specks), imagery has no
/// edges, lake shores get edge strips, land and country edges lie under
/// coastlines and borders, and lakes too small for a level to show more than a
/// speck are not drawn (see `basemap.wgsl`). `GEORENDER_TILE_MSAA` (1 or 4)
/// overrides.
pub const TILE_SAMPLES: u32 = 4;

/// The tile pass sample count on a device of type `device_type`.
pub fn tile_samples(device_type: wgpu::DeviceType) -> u32 {
    match std::env::var("GEORENDER_TILE_MSAA").ok().as_deref() {
        Some("1") => 1,
        Some("4") => 4,
        _ if device_type == wgpu::DeviceType::Cpu => 1,
        _ => TILE_SAMPLES,
    }
}

/// The basemap tile pipelines for one MSAA sample count.
///
/// Fills and imagery come with and without hillshading, fixed by the shader's
/// `HILLSHADE` constant: a CPU rasteriser runs both sides of a branch, so a
/// runtime switch would still sample the relief raster for every land pixel.
/// The shaded ones are built on first use (few jobs hillshade; each pipeline
/// costs ~10 ms to build on a software GPU).
pub struct TilePipelines {
    /// Fill and imagery without hillshading.
    plain: [wgpu::RenderPipeline; 2],
    /// … and with it.
    shaded: OnceLock<[wgpu::RenderPipeline; 2]>,
    pub line: wgpu::RenderPipeline,
    /// What the shaded pipelines are built from.
    device: wgpu::Device,
    module: wgpu::ShaderModule,
    layout: wgpu::PipelineLayout,
    /// MSAA samples of these pipelines.
    pub samples: u32,
}

impl TilePipelines {
    fn variant(&self, hillshade: bool) -> &[wgpu::RenderPipeline; 2] {
        if hillshade {
            self.shaded.get_or_init(|| {
                fill_and_imagery(&self.device, &self.module, &self.layout, self.samples, true)
            })
        } else {
            &self.plain
        }
    }

    /// Filled polygons, shaded by the relief raster or not.
    pub fn fill(&self, hillshade: bool) -> &wgpu::RenderPipeline {
        &self.variant(hillshade)[0]
    }

    /// The imagery quad, shaded by the relief raster or not.
    pub fn imagery(&self, hillshade: bool) -> &wgpu::RenderPipeline {
        &self.variant(hillshade)[1]
    }
}

const FILL_ATTRS: [wgpu::VertexAttribute; 2] =
    wgpu::vertex_attr_array![0 => Float32x2, 1 => Uint32];

/// The tile fill and imagery pipelines for `samples` and a hillshade setting.
fn fill_and_imagery(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    layout: &wgpu::PipelineLayout,
    samples: u32,
    shaded: bool,
) -> [wgpu::RenderPipeline; 2] {
    let constants = [("HILLSHADE", shaded as u32 as f64)];
    let fill = pipeline(
        device,
        PipeDesc {
            label: "fill",
            module,
            vs: "vs_fill",
            fs: "fs_fill",
            layout,
            buffers: &[vlayout(
                std::mem::size_of::<FillVertex>(),
                &FILL_ATTRS,
                wgpu::VertexStepMode::Vertex,
            )],
            topology: wgpu::PrimitiveTopology::TriangleList,
            samples,
            blend: true,
            constants: &constants,
        },
    );
    let imagery = pipeline(
        device,
        PipeDesc {
            label: "imagery",
            module,
            vs: "vs_imagery",
            fs: "fs_imagery",
            layout,
            buffers: &[],
            topology: wgpu::PrimitiveTopology::TriangleStrip,
            samples,
            blend: false,
            constants: &constants,
        },
    );
    [fill, imagery]
}

/// The shape pipelines: one for discs, rings and boxes, one per vehicle icon
/// (built on first use), each with only its SDF (`ICON` in `shape.wgsl`).
pub struct ShapePipelines {
    shapes: wgpu::RenderPipeline,
    icons: [OnceLock<wgpu::RenderPipeline>; 3],
    device: wgpu::Device,
    module: wgpu::ShaderModule,
    layout: wgpu::PipelineLayout,
}

impl ShapePipelines {
    /// The pipeline that draws shapes of `kind` (see `ShapeKind`).
    pub fn for_kind(&self, kind: u32) -> &wgpu::RenderPipeline {
        match kind {
            0..=2 => &self.shapes,
            k => {
                let i = (k.min(5) - 3) as usize;
                self.icons[i].get_or_init(|| {
                    shape_pipeline(&self.device, &self.module, &self.layout, k.min(5))
                })
            }
        }
    }

    /// Whether shapes of kinds `a` and `b` share a pipeline.
    pub fn same(a: u32, b: u32) -> bool {
        a.clamp(2, 5) == b.clamp(2, 5)
    }
}

const SHAPE_ATTRS: [wgpu::VertexAttribute; 6] = wgpu::vertex_attr_array![
    0 => Float32x2, 1 => Float32x2, 2 => Float32x4, 3 => Float32x4, 4 => Float32x4, 5 => Uint32
];

fn shape_pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    layout: &wgpu::PipelineLayout,
    icon: u32,
) -> wgpu::RenderPipeline {
    pipeline(
        device,
        PipeDesc {
            label: "shape",
            module,
            vs: "vs_shape",
            fs: "fs_shape",
            layout,
            buffers: &[vlayout(
                std::mem::size_of::<ShapeInstance>(),
                &SHAPE_ATTRS,
                wgpu::VertexStepMode::Instance,
            )],
            topology: wgpu::PrimitiveTopology::TriangleStrip,
            samples: 1,
            blend: true,
            constants: &[("ICON", icon as f64)],
        },
    )
}

/// WGSL sources, validated by `tests/render_shaders.rs`.
pub mod shaders {
    pub const BASEMAP: &str = include_str!("shaders/basemap.wgsl");
    pub const COMPOSITE: &str = include_str!("shaders/composite.wgsl");
    pub const ROUTE: &str = include_str!("shaders/route.wgsl");
    pub const GLYPH: &str = include_str!("shaders/glyph.wgsl");
    pub const SHAPE: &str = include_str!("shaders/shape.wgsl");
    /// Every shader with its file name.
    pub const ALL: [(&str, &str); 5] = [
        ("basemap.wgsl", BASEMAP),
        ("composite.wgsl", COMPOSITE),
        ("route.wgsl", ROUTE),
        ("glyph.wgsl", GLYPH),
        ("shape.wgsl", SHAPE),
    ];
}

/// `Tile` uniform of `basemap.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct TileUniform {
    pub origin: [f32; 2],
    pub size_px: [f32; 2],
    pub world_px: f32,
    pub first_copy: f32,
    pub lod: f32,
    pub hillshade: f32,
    pub colors: [[f32; 4]; 16],
    pub half_widths: [[f32; 4]; 16],
}

/// `Route` uniform of `route.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct RouteUniform {
    pub center: [f32; 2],
    pub size_px: [f32; 2],
    pub world_px: f32,
    pub cos_b: f32,
    pub sin_b: f32,
    pub first_copy: f32,
    pub color: [f32; 4],
    pub half_width: f32,
    pub glow: f32,
    pub progress_km: f32,
    pub ahead_alpha: f32,
    pub mode: u32,
    pub _pad: [u32; 3],
}

/// `Frame` uniform of the overlay shaders.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FrameUniform {
    pub size_px: [f32; 2],
    pub _pad: [f32; 2],
}

/// A sampled tile quad (`composite.wgsl`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct QuadInstance {
    pub p01: [f32; 4],
    pub p23: [f32; 4],
    pub uv: [f32; 4],
}

/// Every pipeline and bind group layout.
pub struct Pipelines {
    pub basemap_bgl: wgpu::BindGroupLayout,
    pub composite_bgl: wgpu::BindGroupLayout,
    pub route_bgl: wgpu::BindGroupLayout,
    pub overlay_bgl: wgpu::BindGroupLayout,
    /// Tile pipelines (fills, lines, imagery).
    pub tiles: TilePipelines,
    pub quad: wgpu::RenderPipeline,
    pub route: wgpu::RenderPipeline,
    pub glyph: wgpu::RenderPipeline,
    /// Discs, rings, boxes and vehicle icons.
    pub shapes: ShapePipelines,
    pub linear: wgpu::Sampler,
    /// Bilinear, clamped, no mips: the sampler of cached tiles.
    pub tile_sampler: wgpu::Sampler,
    /// Alignment of dynamic uniform offsets.
    pub uniform_align: u64,
}

fn target(blend: bool) -> [Option<wgpu::ColorTargetState>; 1] {
    [Some(wgpu::ColorTargetState {
        format: FORMAT,
        blend: blend.then_some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
        write_mask: wgpu::ColorWrites::ALL,
    })]
}

fn uniform_entry(binding: u32, dynamic: bool, size: u64) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: dynamic,
            min_binding_size: wgpu::BufferSize::new(size),
        },
        count: None,
    }
}

fn texture_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable: true },
            view_dimension: wgpu::TextureViewDimension::D2,
            multisampled: false,
        },
        count: None,
    }
}

fn sampler_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
        count: None,
    }
}

fn vlayout(
    stride: usize,
    attributes: &[wgpu::VertexAttribute],
    step_mode: wgpu::VertexStepMode,
) -> Option<wgpu::VertexBufferLayout<'_>> {
    Some(wgpu::VertexBufferLayout {
        array_stride: stride as u64,
        step_mode,
        attributes,
    })
}

struct PipeDesc<'a> {
    label: &'a str,
    module: &'a wgpu::ShaderModule,
    vs: &'a str,
    fs: &'a str,
    layout: &'a wgpu::PipelineLayout,
    buffers: &'a [Option<wgpu::VertexBufferLayout<'a>>],
    topology: wgpu::PrimitiveTopology,
    samples: u32,
    /// Premultiplied-alpha blending (off for opaque passes: cheaper on a CPU rasteriser).
    blend: bool,
    /// Values of the shader's pipeline-overridable constants.
    constants: &'a [(&'a str, f64)],
}

fn pipeline(device: &wgpu::Device, d: PipeDesc<'_>) -> wgpu::RenderPipeline {
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(d.label),
        layout: Some(d.layout),
        vertex: wgpu::VertexState {
            module: d.module,
            entry_point: Some(d.vs),
            compilation_options: Default::default(),
            buffers: d.buffers,
        },
        primitive: wgpu::PrimitiveState {
            topology: d.topology,
            ..Default::default()
        },
        depth_stencil: None,
        multisample: wgpu::MultisampleState {
            count: d.samples,
            ..Default::default()
        },
        fragment: Some(wgpu::FragmentState {
            module: d.module,
            entry_point: Some(d.fs),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: d.constants,
                ..Default::default()
            },
            targets: &target(d.blend),
        }),
        multiview_mask: None,
        cache: None,
    })
}

impl Pipelines {
    /// Compiles every shader and pipeline.
    pub fn new(ctx: &GpuContext) -> Pipelines {
        let device = &ctx.device;
        let module = |label: &str, src: &str| {
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(src.into()),
            })
        };
        let basemap = module("basemap", shaders::BASEMAP);
        let composite = module("composite", shaders::COMPOSITE);
        let route = module("route", shaders::ROUTE);
        let glyph = module("glyph", shaders::GLYPH);
        let shape = module("shape", shaders::SHAPE);

        let basemap_bgl = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("basemap"),
            entries: &[
                uniform_entry(0, true, std::mem::size_of::<TileUniform>() as u64),
                texture_entry(1),
                texture_entry(2),
                sampler_entry(3),
            ],
        });
        let composite_bgl = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("composite"),
            entries: &[texture_entry(0), sampler_entry(1)],
        });
        let route_bgl = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("route"),
            entries: &[uniform_entry(
                0,
                true,
                std::mem::size_of::<RouteUniform>() as u64,
            )],
        });
        let mut atlas_entry = texture_entry(1);
        atlas_entry.ty = wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable: false },
            view_dimension: wgpu::TextureViewDimension::D2,
            multisampled: false,
        };
        let overlay_bgl = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("overlay"),
            entries: &[
                uniform_entry(0, false, std::mem::size_of::<FrameUniform>() as u64),
                atlas_entry,
            ],
        });
        let layout = |bgl: &wgpu::BindGroupLayout| {
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: None,
                bind_group_layouts: &[Some(bgl)],
                immediate_size: 0,
            })
        };
        let basemap_layout = layout(&basemap_bgl);
        let composite_layout = layout(&composite_bgl);
        let route_layout = layout(&route_bgl);
        let overlay_layout = layout(&overlay_bgl);

        let line_attrs =
            wgpu::vertex_attr_array![0 => Float32x2, 1 => Float32x2, 2 => Float32, 3 => Uint32];
        let route_attrs =
            wgpu::vertex_attr_array![0 => Float32x2, 1 => Float32x2, 2 => Float32, 3 => Float32];
        let quad_attrs = wgpu::vertex_attr_array![0 => Float32x4, 1 => Float32x4, 2 => Float32x4];
        let glyph_attrs = wgpu::vertex_attr_array![
            0 => Float32x4, 1 => Float32x2, 2 => Float32x4, 3 => Float32x4
        ];
        let vertex = |stride: usize, attrs| vlayout(stride, attrs, wgpu::VertexStepMode::Vertex);
        let instance =
            |stride: usize, attrs| vlayout(stride, attrs, wgpu::VertexStepMode::Instance);
        let (line_attrs, route_attrs) = (&line_attrs[..], &route_attrs[..]);
        let (quad_attrs, glyph_attrs) = (&quad_attrs[..], &glyph_attrs[..]);

        let tri = wgpu::PrimitiveTopology::TriangleList;
        let strip = wgpu::PrimitiveTopology::TriangleStrip;
        let tile_pipelines = |samples: u32| TilePipelines {
            plain: fill_and_imagery(device, &basemap, &basemap_layout, samples, false),
            shaded: OnceLock::new(),
            line: pipeline(
                device,
                PipeDesc {
                    label: "line",
                    module: &basemap,
                    vs: "vs_line",
                    fs: "fs_line",
                    layout: &basemap_layout,
                    buffers: &[vertex(std::mem::size_of::<LineVertex>(), line_attrs)],
                    topology: tri,
                    samples,
                    blend: true,
                    constants: &[],
                },
            ),
            device: device.clone(),
            module: basemap.clone(),
            layout: basemap_layout.clone(),
            samples,
        };
        let tiles = tile_pipelines(tile_samples(ctx.info.device_type));
        let quad = pipeline(
            device,
            PipeDesc {
                label: "quad",
                module: &composite,
                vs: "vs_quad",
                fs: "fs_quad",
                layout: &composite_layout,
                buffers: &[instance(std::mem::size_of::<QuadInstance>(), quad_attrs)],
                topology: strip,
                samples: 1,
                blend: false,
                constants: &[],
            },
        );
        let route_pipe = pipeline(
            device,
            PipeDesc {
                label: "route",
                module: &route,
                vs: "vs_route",
                fs: "fs_route",
                layout: &route_layout,
                buffers: &[vertex(std::mem::size_of::<LineVertex>(), route_attrs)],
                topology: tri,
                samples: 1,
                blend: true,
                constants: &[],
            },
        );
        let glyph_pipe = pipeline(
            device,
            PipeDesc {
                label: "glyph",
                module: &glyph,
                vs: "vs_glyph",
                fs: "fs_glyph",
                layout: &overlay_layout,
                buffers: &[instance(std::mem::size_of::<GlyphInstance>(), glyph_attrs)],
                topology: strip,
                samples: 1,
                blend: true,
                constants: &[],
            },
        );
        let shapes = ShapePipelines {
            shapes: shape_pipeline(device, &shape, &overlay_layout, 0),
            icons: Default::default(),
            device: device.clone(),
            module: shape,
            layout: overlay_layout,
        };
        let linear = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("linear"),
            address_mode_u: wgpu::AddressMode::Repeat,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            mipmap_filter: wgpu::MipmapFilterMode::Linear,
            ..Default::default()
        });
        let tile_sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("tile"),
            address_mode_u: wgpu::AddressMode::ClampToEdge,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            mipmap_filter: wgpu::MipmapFilterMode::Nearest,
            lod_min_clamp: 0.0,
            lod_max_clamp: 0.0,
            ..Default::default()
        });
        Pipelines {
            tile_sampler,
            basemap_bgl,
            composite_bgl,
            route_bgl,
            overlay_bgl,
            tiles,
            quad,
            route: route_pipe,
            glyph: glyph_pipe,
            shapes,
            linear,
            uniform_align: ctx.limits.min_uniform_buffer_offset_alignment as u64,
        }
    }
}
