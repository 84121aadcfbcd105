#!/usr/bin/env bash
# Runs every check and test of the project. Installs missing system packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh

echo "== format"
cargo fmt --all -- --check
echo "== clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== tests"
cargo test --workspace
echo "== C ABI"
bash scripts/test-ffi.sh
