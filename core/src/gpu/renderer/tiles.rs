//! Basemap tiles: the zoom levels a camera path needs, which tiles each
//! frame covers and when they are rendered, kept and dropped, and the tile
//! cache shared by the jobs of a renderer.

use super::*;

/// Tiles of 512 pixels drawn per submission (proportionally fewer when larger).
pub(super) const TILE_BATCH: usize = 16;
/// Frames whose tiles `prepare` renders; later tiles are rendered while
/// frames stream, [`LOOKAHEAD`] frames ahead of their first use, at most
/// [`PREFETCH`] a frame (`GEORENDER_EAGER_TILES=1` renders all in `prepare`).
pub(super) const SETUP_FRAMES: u32 = 1;
/// (For tiles up to 512 pixels; larger tiles are rendered proportionally
/// later, which bounds the memory tiles waiting for their frame take at 4K.)
pub(super) const LOOKAHEAD: u32 = 45;
pub(super) const PREFETCH: usize = 1;
/// Bytes per tile of the tile uniform buffer: one uniform for the fills, one
/// for the lines, each at a dynamic offset.
pub(super) const TILE_UNIFORM_STRIDE: u64 = 1536;

/// What a cached basemap tile's pixels depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct TileKey {
    pub(super) style: &'static str,
    pub(super) hillshade: bool,
    pub(super) height: u32,
    pub(super) tile_tex: u32,
    pub(super) zoom_bits: u64,
    pub(super) tx: i64,
    pub(super) ty: i64,
}

/// Basemap tiles shared by the jobs of a renderer (same style, frame height
/// and zoom level → same pixels), least recently used dropped first once over
/// [`TILE_CACHE_BYTES`], and those of other styles and frame heights when a
/// job is prepared (tiles a live job holds are never dropped).
#[derive(Default)]
pub(super) struct TileCache {
    pub(super) map: HashMap<TileKey, (Arc<Tile>, u64)>,
    pub(super) clock: u64,
    pub(super) bytes: usize,
}

/// Tiles a job holds for frames beyond its lookahead before it drops the
/// farthest-needed ones (only 4K-sized jobs get there).
pub(super) const LIVE_TILE_BYTES: usize = 96 << 20;

/// Memory budget of the shared tile cache.
pub(super) const TILE_CACHE_BYTES: usize = 64 << 20;

impl TileCache {
    pub(super) fn get(&mut self, key: &TileKey) -> Option<Arc<Tile>> {
        self.clock += 1;
        let clock = self.clock;
        self.map.get_mut(key).map(|e| {
            e.1 = clock;
            e.0.clone()
        })
    }

    pub(super) fn insert(&mut self, key: TileKey, tile: Arc<Tile>) {
        self.clock += 1;
        self.bytes += tile.bytes;
        if let Some(old) = self.map.insert(key, (tile, self.clock)) {
            self.bytes -= old.0.bytes;
        }
        self.trim();
    }

    /// Drops the tiles no job holds that a job drawing `style` (with or
    /// without `hillshade`) at frame `height` cannot use: like the rasters, a
    /// batch that alternates styles redraws them, one that does not keeps them,
    /// and the next job's memory peak (4K above all) does not carry the last
    /// job's tiles.
    pub(super) fn release_other_composites(&mut self, style: &str, hillshade: bool, height: u32) {
        let before = self.map.len();
        self.map.retain(|k, e| {
            (k.style == style && k.hillshade == hillshade && k.height == height)
                || Arc::strong_count(&e.0) > 1
        });
        if self.map.len() != before {
            self.bytes = self.map.values().map(|e| e.0.bytes).sum();
        }
    }

    /// Drops the least recently used tiles no job holds while over budget.
    pub(super) fn trim(&mut self) {
        if self.bytes > TILE_CACHE_BYTES {
            let mut idle: Vec<(u64, TileKey)> = self
                .map
                .iter()
                .filter(|(_, e)| Arc::strong_count(&e.0) == 1)
                .map(|(k, e)| (e.1, *k))
                .collect();
            idle.sort_unstable_by_key(|e| e.0);
            for (_, k) in idle {
                if self.bytes <= TILE_CACHE_BYTES * 3 / 4 {
                    break;
                }
                if let Some(e) = self.map.remove(&k) {
                    self.bytes -= e.0.bytes;
                }
            }
        }
    }
}

pub(super) struct Tile {
    /// The tile as a texture, for the GPU composite paths (dropped on software
    /// GPUs once read back, unless the job rotates the map).
    pub(super) gpu: Option<(wgpu::Texture, wgpu::BindGroup)>,
    /// The tile's pixels in memory, for the CPU composite paths (software GPUs).
    pub(super) pixels: Option<TilePixels>,
    /// The tile as I420 planes, for video frames composited on the CPU.
    pub(super) yuv: Option<Arc<YuvTile>>,
    /// Memory held (texture, pixels and planes).
    pub(super) bytes: usize,
}

pub(super) struct Level {
    pub(super) zoom: f64,
    pub(super) world_px: f64,
    pub(super) band: usize,
    pub(super) tiles: HashMap<(i64, i64), Arc<Tile>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Composite {
    /// Copy tiles of level `0` with the frame's top-left at level pixel `1`.
    Copy(usize, [i64; 2]),
    /// Sample tiles of level `0`.
    Sampled(usize),
}

/// Tile texture size for a frame: about half its longer side (small frames
/// need small tiles).
pub(super) fn tile_tex_for(width: u32, height: u32) -> u32 {
    match width.max(height) {
        0..=1280 => 256,
        1281..=2560 => 512,
        _ => 1024,
    }
}

/// The band parts the tiles overlapping Mercator `region` of a level of band
/// `band` draw: the band in every sector there (with the lines' overhang),
/// and its country polygons where the style fills countries.
pub(super) fn parts_for(
    source: &dyn BasemapSource,
    band: usize,
    region: [f64; 4],
    countries: bool,
) -> Vec<Part> {
    let sectors = Sector::covering(source.sectors_per_side(band), region);
    let mut parts: Vec<Part> = sectors
        .iter()
        .map(|&sector| Part {
            band,
            countries: false,
            sector,
        })
        .collect();
    if countries {
        parts.extend(sectors.into_iter().map(|sector| Part {
            band,
            countries: true,
            sector,
        }));
    }
    parts
}

/// Zooms the camera holds for two or more consecutive frames (without
/// rotation): each gets a level of its own, composited by copying tiles.
pub(super) fn copy_zooms(states: &[FrameState]) -> Vec<f64> {
    let mut zooms: Vec<f64> = Vec::new();
    for pair in states.windows(2) {
        let (a, b) = (pair[0].camera, pair[1].camera);
        if a.zoom == b.zoom && b.bearing_deg == 0.0 && !zooms.contains(&b.zoom) {
            zooms.push(b.zoom);
        }
    }
    zooms
}

/// The zoom of the level a frame with camera `cam` is drawn from: a held zoom
/// (`copy_zooms`) within one [`SAMPLED_STEP`] at or below the camera's, else
/// the closest multiple of the step at or below it. Magnifying by at most
/// 2^SAMPLED_STEP keeps each level's footprint within one frame, which makes
/// the tile cache several times smaller than minifying from above.
pub(super) fn level_zoom(copy_zooms: &[f64], cam: &Camera) -> f64 {
    if cam.bearing_deg == 0.0 {
        if let Some(&z) = copy_zooms.iter().find(|&&z| (z - cam.zoom).abs() < 1e-9) {
            return z;
        }
    }
    let z = cam.zoom;
    let held = copy_zooms
        .iter()
        .copied()
        .filter(|&c| c <= z && c > z - SAMPLED_STEP)
        .fold(f64::NEG_INFINITY, f64::max);
    if held.is_finite() {
        held
    } else {
        ((z / SAMPLED_STEP) + 1e-9).floor() * SAMPLED_STEP
    }
}

impl PreparedJob {
    pub(super) fn level_index(&mut self, zoom: f64) -> usize {
        if let Some(i) = self.levels.iter().position(|l| l.zoom == zoom) {
            return i;
        }
        let band = self.shared.source.band_for_zoom(zoom);
        self.levels.push(Level {
            zoom,
            world_px: world_px(zoom, self.spec.height),
            band,
            tiles: HashMap::new(),
        });
        self.stats.levels = self.levels.len();
        self.levels.len() - 1
    }

    /// Chooses how frame `state` is composited and the view used for overlays.
    pub(super) fn choose(&mut self, state: &FrameState) -> (View, Composite) {
        let cam = state.camera;
        let (w, h) = (self.spec.width, self.spec.height);
        if cam.bearing_deg == 0.0 {
            if let Some(&z) = self
                .copy_zooms
                .iter()
                .find(|&&z| (z - cam.zoom).abs() < 1e-9)
            {
                let li = self.level_index(z);
                let wp = self.levels[li].world_px;
                let tl = [
                    (cam.center[0] * wp - w as f64 / 2.0).round() as i64,
                    (cam.center[1] * wp - h as f64 / 2.0).round() as i64,
                ];
                let mut snapped = cam;
                snapped.zoom = z;
                snapped.center = [
                    (tl[0] as f64 + w as f64 / 2.0) / wp,
                    (tl[1] as f64 + h as f64 / 2.0) / wp,
                ];
                return (View::new(&snapped, w, h), Composite::Copy(li, tl));
            }
        }
        let li = self.level_index(level_zoom(&self.copy_zooms, &cam));
        (View::new(&cam, w, h), Composite::Sampled(li))
    }

    /// Tiles of level `li` covering the frame, and whether some of the frame
    /// lies outside the world (north/south of the Mercator square).
    pub(super) fn footprint(&self, view: &View, comp: Composite) -> (usize, Vec<(i64, i64)>, bool) {
        let tile = self.tile;
        let (w, h) = (view.width as f64, view.height as f64);
        let (li, x0, y0, x1, y1) = match comp {
            Composite::Copy(li, tl) => (
                li,
                tl[0] as f64,
                tl[1] as f64,
                (tl[0] + view.width as i64 - 1) as f64,
                (tl[1] + view.height as i64 - 1) as f64,
            ),
            Composite::Sampled(li) => {
                let wp = self.levels[li].world_px;
                let k = wp / view.world_px;
                let (s, c) = view.angle.sin_cos();
                let hx = (c.abs() * w / 2.0 + s.abs() * h / 2.0) * k + 2.0;
                let hy = (s.abs() * w / 2.0 + c.abs() * h / 2.0) * k + 2.0;
                let (cx, cy) = (view.center[0] * wp, view.center[1] * wp);
                (li, cx - hx, cy - hy, cx + hx, cy + hy)
            }
        };
        let wp = self.levels[li].world_px;
        let outside = y0 < 0.0 || y1 > wp;
        let t = tile as f64;
        let (ty0, ty1) = (
            (y0.max(0.0) / t).floor() as i64,
            (y1.min(wp - 0.5) / t).floor() as i64,
        );
        let (tx0, tx1) = ((x0 / t).floor() as i64, (x1 / t).floor() as i64);
        let mut tiles = Vec::new();
        for ty in ty0..=ty1 {
            for tx in tx0..=tx1 {
                tiles.push((tx, ty));
            }
        }
        (li, tiles, outside)
    }

    pub(super) fn plan_and_render_tiles(&mut self) -> Result<()> {
        let n = self.spec.frame_count();
        let states: Vec<FrameState> = (0..n)
            .map(|i| self.state(self.spec.frame_time(i)))
            .collect();
        self.copy_zooms = copy_zooms(&states);
        self.rotates = states.iter().any(|s| s.camera.bearing_deg != 0.0);
        let trace = std::env::var_os("GEORENDER_TRACE").is_some();
        let t0 = std::time::Instant::now();
        if trace {
            eprintln!(
                "[georender] states: {:.1} ms",
                t0.elapsed().as_secs_f64() * 1e3
            );
        }
        let mut needed: Vec<(usize, (i64, i64))> = Vec::new();
        let mut later: Vec<(u32, usize, (i64, i64))> = Vec::new();
        let mut seen = HashSet::new();
        for (i, st) in states.iter().enumerate() {
            let (view, comp) = self.choose(st);
            let (li, tiles, _) = self.footprint(&view, comp);
            for t in tiles {
                self.uses.entry((li, t.0, t.1)).or_default().push(i as u32);
                if seen.insert((li, t)) {
                    // Setup renders the first frames' tiles; the rest are
                    // rendered just ahead of the frames that need them.
                    if (i as u32) < SETUP_FRAMES || self.eager || self.take_cached(li, t) {
                        needed.push((li, t));
                    } else {
                        later.push((i as u32, li, t));
                    }
                }
            }
        }
        later.reverse();
        // Parts of bands that only later tiles draw, soonest first.
        let now: HashSet<Part> = needed
            .iter()
            .flat_map(|&(li, t)| self.tile_parts(li, t))
            .collect();
        let mut soon: Vec<Part> = Vec::new();
        for &(_, li, t) in later.iter().rev() {
            for part in self.tile_parts(li, t) {
                if !now.contains(&part) && !soon.contains(&part) {
                    soon.push(part);
                }
            }
        }
        self.pending = later;
        if trace {
            // Tessellate (or fetch) the first tiles' parts first so the tile
            // timing below is pure GPU.
            for part in &now {
                self.shared.band_part(*part)?;
            }
            eprintln!(
                "[georender] plan + bands: {:.1} ms, {} tiles in {} levels {:?}",
                t0.elapsed().as_secs_f64() * 1e3,
                needed.len(),
                self.levels.len(),
                self.levels
                    .iter()
                    .map(|l| (l.zoom, l.band))
                    .collect::<Vec<_>>()
            );
        }
        let t1 = std::time::Instant::now();
        self.render_tiles(&needed)?;
        // Tessellate the parts of later tiles in the background, one after
        // another, once the first frame's tiles are on their way.
        let shared = self.shared.clone();
        std::thread::spawn(move || {
            for part in soon {
                if shared.band_part(part).is_err() {
                    break;
                }
            }
        });
        if trace {
            self.shared
                .ctx
                .device
                .poll(wgpu::PollType::wait_indefinitely())
                .map_err(|e| Error::RenderFailed(format!("GPU wait failed: {e}")))?;
            eprintln!(
                "[georender] tiles: {:.1} ms",
                t1.elapsed().as_secs_f64() * 1e3
            );
        }
        Ok(())
    }

    /// Whether tiles live only as pixels in memory: on software GPUs every
    /// composite is done on the CPU unless the map rotates (then the GPU samples
    /// tile textures).
    pub(super) fn tiles_on_cpu_only(&self) -> bool {
        self.cpu_sample && !self.rotates
    }

    pub(super) fn tile_key(&self, li: usize, (tx, ty): (i64, i64)) -> TileKey {
        TileKey {
            style: self.spec.style.name,
            hillshade: self.spec.hillshade,
            height: self.spec.height,
            tile_tex: self.tile_tex,
            zoom_bits: self.levels[li].zoom.to_bits(),
            tx,
            ty,
        }
    }

    /// Takes tile `key` of level `li` from the shared cache; whether it was there.
    pub(super) fn take_cached(&mut self, li: usize, key: (i64, i64)) -> bool {
        if self.levels[li].tiles.contains_key(&key) {
            return true;
        }
        let k = self.tile_key(li, key);
        let hit = self.shared.tile_cache.lock().unwrap().get(&k);
        match hit {
            // A tile must have what this job composites from, else redraw it.
            Some(t) if self.usable(li, &t) => {
                self.levels[li].tiles.insert(key, t);
                self.stats.tiles_cached += 1;
                true
            }
            _ => false,
        }
    }

    /// Mercator bounds of tile `key`'s texture (gutters included) at level
    /// `li`, grown by how far basemap lines may reach into it.
    pub(super) fn tile_region(&self, li: usize, (tx, ty): (i64, i64)) -> [f64; 4] {
        let wp = self.levels[li].world_px;
        let margin = self.line_margin(wp);
        let origin = [
            (tx * self.tile - PAD) as f64 / wp,
            (ty * self.tile - PAD) as f64 / wp,
        ];
        let span = self.tile_tex as f64 / wp;
        [
            origin[0] - margin,
            origin[1] - margin,
            origin[0] + span + margin,
            origin[1] + span + margin,
        ]
    }

    /// How far (Mercator) a basemap line's stroke may reach at `world_px`.
    pub(super) fn line_margin(&self, world_px: f64) -> f64 {
        (8.0 * self.spec.scale() as f64 + 4.0) / world_px
    }

    /// The band parts tile `key` of level `li` draws.
    pub(super) fn tile_parts(&self, li: usize, key: (i64, i64)) -> Vec<Part> {
        let style = self.spec.style;
        let countries = style.country_fills && !style.imagery;
        let region = self.tile_region(li, key);
        parts_for(
            &*self.shared.source,
            self.levels[li].band,
            region,
            countries,
        )
    }

    /// Whether frames are copied from level `li` (its zoom is held).
    pub(super) fn is_copy_level(&self, li: usize) -> bool {
        self.copy_zooms.contains(&self.levels[li].zoom)
    }

    /// Whether tile `t` of level `li` has what this job composites from: a
    /// texture for the GPU composite, pixels for the CPU one, planes (or pixels
    /// to make them from) for video frames composited on the CPU.
    pub(super) fn usable(&self, li: usize, t: &Tile) -> bool {
        if !self.tiles_on_cpu_only() {
            return t.gpu.is_some() && (t.pixels.is_some() || !self.cpu_sample);
        }
        if self.tile_yuv {
            let phases = |y: &Arc<YuvTile>| y.all_phases() || !self.is_copy_level(li);
            t.pixels.is_some() || t.yuv.as_ref().is_some_and(phases)
        } else {
            t.pixels.is_some()
        }
    }

    /// The planes of tile `key` of level `li` (present and [usable](Self::usable)),
    /// made from its pixels on first use; the tile then keeps only the planes.
    pub(super) fn yuv_tile(&mut self, li: usize, key: (i64, i64)) -> Result<Option<Arc<YuvTile>>> {
        let Some(t) = self.levels[li].tiles.get(&key) else {
            return Ok(None);
        };
        if let Some(y) = &t.yuv {
            return Ok(Some(y.clone()));
        }
        let Some(px) = &t.pixels else {
            return Ok(None);
        };
        let n = self.tile_tex as usize;
        let yuv = Arc::new(YuvTile::from_rgba(
            bytemuck::cast_slice(px),
            n * 4,
            n,
            self.is_copy_level(li),
        )?);
        let tile = Arc::new(Tile {
            gpu: None,
            pixels: None,
            bytes: yuv.bytes(),
            yuv: Some(yuv.clone()),
        });
        let k = self.tile_key(li, key);
        self.shared
            .tile_cache
            .lock()
            .unwrap()
            .insert(k, tile.clone());
        self.levels[li].tiles.insert(key, tile);
        Ok(Some(yuv))
    }

    /// Renders the tiles of level `li` frame `frame` covers that are not
    /// there yet, and planned tiles of the next frames: enough this frame
    /// that, at the same pace, every tile is ready before its first use.
    pub(super) fn ensure_tiles(
        &mut self,
        frame: u32,
        li: usize,
        tiles: &[(i64, i64)],
    ) -> Result<()> {
        // Tiles made for another composite (e.g. planes for video, when RGBA
        // frames are wanted now) are drawn again.
        let unusable: Vec<(i64, i64)> = tiles
            .iter()
            .filter(|k| {
                self.levels[li]
                    .tiles
                    .get(k)
                    .is_some_and(|t| !self.usable(li, t))
            })
            .copied()
            .collect();
        for k in &unusable {
            self.levels[li].tiles.remove(k);
        }
        let mut missing: Vec<_> = tiles
            .iter()
            .filter(|k| !self.levels[li].tiles.contains_key(k))
            .map(|&k| (li, k))
            .collect();
        let mut budget = PREFETCH;
        for (n, &(first, _, _)) in self.pending.iter().rev().enumerate() {
            if first > frame + self.lookahead {
                break;
            }
            let frames_left = first.saturating_sub(frame).max(1) as usize;
            budget = budget.max((n + 1).div_ceil(frames_left));
        }
        let mut fetched = 0;
        while let Some(&(first, pl, pk)) = self.pending.last() {
            if self.levels[pl].tiles.contains_key(&pk) {
                self.pending.pop();
                continue;
            }
            if first > frame + self.lookahead || fetched >= budget {
                break;
            }
            self.pending.pop();
            if !missing.contains(&(pl, pk)) {
                missing.push((pl, pk));
                fetched += 1;
            }
        }
        self.render_tiles(&missing)
    }

    /// Caps the tile memory this job holds for frames beyond its lookahead
    /// (default 96 MB, reached only at 4K): over it, the tiles needed again
    /// latest are dropped and redrawn (or taken from the shared cache) just
    /// before that use. The frames do not change; only memory and time do.
    pub fn set_live_tile_budget(&mut self, bytes: usize) {
        self.live_tile_bytes = bytes;
    }

    /// Drops tiles whose last planned use is before frame `n`; over the live
    /// tile budget ([`set_live_tile_budget`](Self::set_live_tile_budget)), also the tiles needed again only after the lookahead,
    /// farthest first (Belady), which are rendered again ahead of that use (or
    /// found in the shared cache).
    pub(super) fn evict_before(&mut self, n: u32) {
        if n % 4 != 0 {
            return;
        }
        let uses = &self.uses;
        let next_use = |li: usize, k: &(i64, i64)| -> Option<u32> {
            let u = uses.get(&(li, k.0, k.1))?;
            u.get(u.partition_point(|&f| f + 2 < n)).copied()
        };
        let mut live = 0usize;
        for (li, level) in self.levels.iter_mut().enumerate() {
            level.tiles.retain(|k, t| {
                let keep = uses.get(&(li, k.0, k.1)).is_none() || next_use(li, k).is_some();
                live += if keep { t.bytes } else { 0 };
                keep
            });
        }
        if live <= self.live_tile_bytes {
            return;
        }
        let mut later: Vec<(u32, usize, (i64, i64), usize)> = Vec::new();
        for (li, level) in self.levels.iter().enumerate() {
            for (k, t) in &level.tiles {
                if let Some(u) = next_use(li, k).filter(|&u| u > n + self.lookahead) {
                    later.push((u, li, *k, t.bytes));
                }
            }
        }
        later.sort_unstable_by_key(|l| std::cmp::Reverse(l.0));
        for (u, li, k, bytes) in later {
            if live <= self.live_tile_bytes {
                break;
            }
            self.levels[li].tiles.remove(&k);
            live -= bytes;
            self.pending.push((u, li, k));
        }
        // Soonest last.
        self.pending.sort_by_key(|p| std::cmp::Reverse(p.0));
    }
}
