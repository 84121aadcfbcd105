#!/usr/bin/env bash
# Renders the three-job example batch (examples/jobs/batch.json) into renders/.
# Installs missing system packages first. Extra arguments go to `georender batch`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cargo build --release -p georender-cli
./target/release/georender batch examples/jobs/batch.json -o renders "$@"
