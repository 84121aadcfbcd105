#!/usr/bin/env bash
# Installs the system packages georender needs when they are missing (Debian).
# Sourced by scripts/test.sh and scripts/render-examples.sh; safe to run alone.
set -euo pipefail

GEORENDER_APT_PACKAGES=(
  # build: ffmpeg-next bindings
  pkg-config clang libclang-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavfilter-dev libavdevice-dev
  # ffprobe for video tests
  ffmpeg
  # headless GPU: Vulkan on lavapipe, with GL/EGL on llvmpipe as fallback
  libvulkan1 mesa-vulkan-drivers libegl1 libegl-mesa0 libgl1-mesa-dri
)

missing=()
for p in "${GEORENDER_APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install the Rust toolchain (rustup) first" >&2
  exit 1
fi
