#!/usr/bin/env bash
# Model-checks the dispatcher and its turn (src/dispatch.rs), the command queue
# (src/native/commands.rs), a stream's inbox with several readers (src/inbox.rs) and its
# writers' wait for room (src/native/outbox.rs) with loom: every interleaving, up to LOOM_MAX_PREEMPTIONS preemptions per run (the models
# set 3). Own target dir, since the cfg changes every crate's build.
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTFLAGS="--cfg isows_loom" CARGO_TARGET_DIR=target/loom \
  cargo test --locked --release --lib loom -- --test-threads=1 "$@"
