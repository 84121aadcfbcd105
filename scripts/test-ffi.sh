#!/usr/bin/env bash
# Checks the C ABI end to end, as a C host sees it:
#   1. the committed include/georender.h matches the code (cbindgen drift check)
#   2. libgeorender.so/.a build and install into a prefix with georender.pc
#   3. the header compiles alone as C99, C11 and C++ (g++ -x c++ -fsyntax-only)
#   4. examples/c builds with plain cc + pkg-config (shared, and static)
#   5. render_batch renders examples/jobs/batch.json at 320x180, 2 s: 3 complete
#   6. test_bad_input passes under valgrind: no definite leaks, no invalid accesses
#
# Environment: GEORENDER_FFI_PROFILE (cargo profile, default `test`: shares the
# core build with `cargo test`), GEORENDER_FFI_PREFIX (default target/ffi-prefix).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

need=()
for p in valgrind g++ make pkg-config; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

profile="${GEORENDER_FFI_PROFILE:-test}"
prefix="${GEORENDER_FFI_PREFIX:-$root/target/ffi-prefix}"
work="$(mktemp -d /tmp/georender-ffi.XXXXXX)"
trap 'rm -rf "$work"' EXIT
passed=0

step() { echo "== ffi: $*"; }
ok() { passed=$((passed + 1)); }

step "header is up to date (cbindgen)"
cargo test -q -p georender-ffi --profile "$profile" --test header
ok

step "build ($profile) and install into $prefix"
bash ffi/install.sh --profile "$profile" --prefix "$prefix"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
pkg-config --exists georender
echo "pkg-config: $(pkg-config --modversion georender): $(pkg-config --cflags --libs georender)"
ok

step "header compiles alone as C and C++"
g++ -x c++ -fsyntax-only include/georender.h
make -s -C examples/c header-check
ok

step "build examples/c (cc + pkg-config)"
make -s -C examples/c clean
make -s -C examples/c all static
ok

step "render the example batch from C (320x180, 2 s)"
log="$work/render_batch.log"
(cd examples/c && ./render_batch -o "$work/renders" \
  -s '{"resolution": "320x180", "duration": 2}' ../jobs/batch.json) 2>&1 | tee "$log"
grep -qx "3 complete, 0 failed, 0 cancelled, 3 total" "$log" || {
  echo "render_batch did not report 3 complete jobs" >&2
  exit 1
}
videos=$(find "$work/renders" -name '*.mp4' -size +1k | wc -l)
[ "$videos" -eq 3 ] || { echo "expected 3 videos, found $videos" >&2; exit 1; }
ok

step "bad input under valgrind"
(cd examples/c && valgrind -q --leak-check=full --error-exitcode=1 \
  --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  --suppressions=valgrind.supp ./test_bad_input)
ok

make -s -C examples/c clean
echo "ffi: $passed passed, 0 failed"
