#!/usr/bin/env bash
# Model-checks the dispatcher (src/dispatch.rs) and the command queue (src/native/commands.rs)
# with loom: every interleaving, up to LOOM_MAX_PREEMPTIONS preemptions per run (the models
# set 3). Own target dir, since the cfg changes every crate's build.
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTFLAGS="--cfg isows_loom" CARGO_TARGET_DIR=target/loom \
  cargo test --locked --release --lib loom -- --test-threads=1 "$@"
