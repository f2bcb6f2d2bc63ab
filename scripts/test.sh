#!/usr/bin/env bash
# Runs every check and test of isows. Installs what it needs first (idempotently), so it
# works on a fresh machine: `scripts/test.sh`. CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "setup"
need_apt=()
for pkg in pkg-config libssl-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (native)"
cargo clippy --locked --all-targets -- -D warnings

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps

step "echo_client example (the main job)"
out=$(timeout 60 cargo run --locked -q --example echo_client)
printf '%s\n' "$out"
expected=$'Connection open ...\nReceived Message: Hello WebSockets!\nConnection closed.'
[ "$out" = "$expected" ] || { echo "echo_client printed something else"; exit 1; }

step "benchmark smoke run (small counts; verifies every echo, times nothing)"
cargo bench --locked --bench side_by_side -- --quick

step "cargo test (unit, conformance, doc)"
cargo test --locked --no-fail-fast
