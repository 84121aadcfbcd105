#!/usr/bin/env bash
# Builds the georender C library and installs it into a prefix:
#   <prefix>/include/georender.h
#   <prefix>/lib/libgeorender.so, <prefix>/lib/libgeorender.a
#   <prefix>/lib/pkgconfig/georender.pc
# Then: PKG_CONFIG_PATH=<prefix>/lib/pkgconfig pkg-config --cflags --libs georender
#
# usage: ffi/install.sh [--prefix DIR] [--profile release|dev|test|NAME] [--no-build] [--no-static]
#   --prefix     where to install (default: target/ffi-prefix)
#   --profile    cargo profile to build and install (default: release)
#   --no-build   install what target/ holds without running cargo
#   --no-static  skip libgeorender.a
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/target/ffi-prefix"
profile="release"
build=1
static=1

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --profile) profile="$2"; shift 2 ;;
    --profile=*) profile="${1#--profile=}"; shift ;;
    --no-build) build=0; shift ;;
    --no-static) static=0; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

case "$profile" in
  dev|test) outdir="debug" ;;
  bench) outdir="release" ;;
  *) outdir="$profile" ;;
esac

mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac

if [ "$build" = 1 ]; then
  (cd "$root" && cargo build -p georender-ffi --profile "$profile")
fi

lib="$target_dir/$outdir"
for f in libgeorender.so libgeorender.a; do
  if [ "$f" = libgeorender.a ] && [ "$static" = 0 ]; then continue; fi
  [ -f "$lib/$f" ] || { echo "missing $lib/$f (build with --profile $profile)" >&2; exit 1; }
done

version="$(sed -n 's/^#define GR_VERSION_STRING "\(.*\)"$/\1/p' "$root/include/georender.h")"
[ -n "$version" ] || { echo "no GR_VERSION_STRING in include/georender.h" >&2; exit 1; }

install -d "$prefix/include" "$prefix/lib/pkgconfig"
install -m 644 "$root/include/georender.h" "$prefix/include/georender.h"
install -m 755 "$lib/libgeorender.so" "$prefix/lib/libgeorender.so"
if [ "$static" = 1 ]; then
  install -m 644 "$lib/libgeorender.a" "$prefix/lib/libgeorender.a"
else
  rm -f "$prefix/lib/libgeorender.a"
fi
sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" \
  "$root/ffi/georender.pc.in" > "$prefix/lib/pkgconfig/georender.pc"

echo "installed georender $version ($profile) into $prefix"
echo "use: PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs georender"
