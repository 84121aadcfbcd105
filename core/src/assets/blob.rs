//! The `.grb` container: a small header followed by typed, 8-byte-aligned arrays
//! that load with one read and no parsing (see `assets/build/grb.py`, the writer).
//!
//! Layout (little-endian): `b"GRB1"`, `u32` section count, then per section a
//! 32-byte entry `{ name: [u8; 16] (NUL-padded), dtype: u32, elem_count: u64,
//! offset: u32 }`, then the data. dtype: 0 = u8, 1 = u16, 2 = u32, 3 = i32, 4 = f32.

use std::path::Path;

/// Element types a section may hold.
pub trait Elem: bytemuck::Pod {
    const DTYPE: u32;
}
impl Elem for u8 {
    const DTYPE: u32 = 0;
}
impl Elem for u16 {
    const DTYPE: u32 = 1;
}
impl Elem for u32 {
    const DTYPE: u32 = 2;
}
impl Elem for i32 {
    const DTYPE: u32 = 3;
}
impl Elem for f32 {
    const DTYPE: u32 = 4;
}

struct Section {
    name: String,
    dtype: u32,
    count: usize,
    offset: usize,
}

/// A loaded `.grb` file. Section slices borrow from it without copying.
pub struct Blob {
    words: Vec<u64>,
    len: usize,
    sections: Vec<Section>,
    name: String,
}

impl Blob {
    /// Reads and indexes a `.grb` file.
    pub fn open(path: &Path) -> Result<Blob, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Blob::from_bytes(&bytes, &path.display().to_string())
    }

    /// Indexes a `.grb` image held in memory (copied once into aligned storage).
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Blob, String> {
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..bytes.len()].copy_from_slice(bytes);
        let mut blob = Blob {
            words,
            len: bytes.len(),
            sections: Vec::new(),
            name: name.to_string(),
        };
        blob.index()?;
        Ok(blob)
    }

    fn bytes(&self) -> &[u8] {
        &bytemuck::cast_slice::<u64, u8>(&self.words)[..self.len]
    }

    fn index(&mut self) -> Result<(), String> {
        let b = self.bytes();
        let bad = |what: &str| format!("{}: corrupt asset ({what})", self.name);
        if b.len() < 8 || &b[..4] != b"GRB1" {
            return Err(bad("bad magic"));
        }
        let n = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
        let mut sections = Vec::with_capacity(n);
        for i in 0..n {
            let e = b
                .get(8 + i * 32..8 + (i + 1) * 32)
                .ok_or_else(|| bad("header"))?;
            let name_end = e[..16].iter().position(|&c| c == 0).unwrap_or(16);
            let name = String::from_utf8_lossy(&e[..name_end]).into_owned();
            let dtype = u32::from_le_bytes(e[16..20].try_into().unwrap());
            let count = u64::from_le_bytes(e[20..28].try_into().unwrap()) as usize;
            let offset = u32::from_le_bytes(e[28..32].try_into().unwrap()) as usize;
            let size = [1usize, 2, 4, 4, 4]
                .get(dtype as usize)
                .ok_or_else(|| bad("dtype"))?;
            if offset % 8 != 0 || offset + count * size > b.len() {
                return Err(bad(&format!("section {name} out of bounds")));
            }
            sections.push(Section {
                name,
                dtype,
                count,
                offset,
            });
        }
        self.sections = sections;
        Ok(())
    }

    /// Whether a section exists.
    pub fn has(&self, name: &str) -> bool {
        self.sections.iter().any(|s| s.name == name)
    }

    /// The typed contents of a section.
    pub fn get<T: Elem>(&self, name: &str) -> Result<&[T], String> {
        let s = self
            .sections
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("{}: missing section {name}", self.name))?;
        if s.dtype != T::DTYPE {
            return Err(format!("{}: section {name} has the wrong type", self.name));
        }
        let size = std::mem::size_of::<T>();
        Ok(bytemuck::cast_slice(
            &self.bytes()[s.offset..s.offset + s.count * size],
        ))
    }

    /// A UTF-8 text section (stored as u8).
    pub fn text(&self, name: &str) -> Result<&str, String> {
        std::str::from_utf8(self.get::<u8>(name)?)
            .map_err(|_| format!("{}: section {name} is not UTF-8", self.name))
    }
}
