"""Writer for the `.grb` container read by `core/src/assets/blob.rs`.

Layout (little-endian): b"GRB1", u32 section count, then one 32-byte entry per
section {name: 16 bytes NUL-padded, dtype: u32, count: u64, offset: u32}, then
the arrays, each starting on an 8-byte boundary.
"""
import struct

import numpy as np

DTYPES = {np.dtype("u1"): 0, np.dtype("<u2"): 1, np.dtype("<u4"): 2, np.dtype("<i4"): 3, np.dtype("<f4"): 4}


def write(path, sections):
    """sections: dict name -> numpy array (u1, u2, u4, i4, f4) or str (stored as UTF-8 u1)."""
    items = []
    for name, arr in sections.items():
        if isinstance(arr, str):
            arr = np.frombuffer(arr.encode("utf-8"), dtype="u1")
        arr = np.ascontiguousarray(arr)
        if arr.dtype.byteorder == ">":
            raise ValueError("big-endian array")
        dt = arr.dtype.newbyteorder("<") if arr.dtype.itemsize > 1 else arr.dtype
        if dt not in DTYPES:
            raise ValueError(f"{name}: unsupported dtype {arr.dtype}")
        assert len(name.encode()) <= 16, name
        items.append((name, DTYPES[dt], arr.ravel()))
    header_len = 8 + 32 * len(items)
    offset = (header_len + 7) // 8 * 8
    entries, blobs = [], []
    for name, dtype, arr in items:
        entries.append(struct.pack("<16sIQI", name.encode(), dtype, arr.size, offset))
        data = arr.tobytes()
        pad = (-len(data)) % 8
        blobs.append(data + b"\0" * pad)
        offset += len(data) + pad
    with open(path, "wb") as f:
        f.write(b"GRB1" + struct.pack("<I", len(items)))
        f.write(b"".join(entries))
        f.write(b"\0" * ((-header_len) % 8))
        f.write(b"".join(blobs))
