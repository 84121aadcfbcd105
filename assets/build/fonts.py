"""Copies DejaVu Sans (regular and bold) from Debian's fonts-dejavu-core package
(fetched and checksummed by build.sh) into assets/fonts/."""
import glob
import os
import shutil
import sys

SRC = os.environ["GRB_SRC"]
OUT = os.environ["GRB_OUT"]
FONTS = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]


def main():
    pkg = glob.glob(f"{SRC}/fonts-dejavu-core_*/usr/share/fonts/truetype/dejavu")[0]
    os.makedirs(f"{OUT}/fonts", exist_ok=True)
    for name in FONTS:
        shutil.copyfile(f"{pkg}/{name}", f"{OUT}/fonts/{name}")
        print(f"wrote {OUT}/fonts/{name}: {os.path.getsize(f'{OUT}/fonts/{name}') / 1e3:.0f} kB", file=sys.stderr)
    shutil.copyfile(f"{pkg}/../../../doc/fonts-dejavu-core/copyright", f"{OUT}/fonts/LICENSE-DejaVu.txt")


if __name__ == "__main__":
    main()
