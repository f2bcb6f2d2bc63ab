#!/usr/bin/env bash
# Builds the browser demo into target/demo-site/ (index.html + pkg/) with the size profile
# (opt-level "z", LTO, one codegen unit; no wasm-opt; wasm-bindgen drops the name and
# producers sections, which only debuggers read), prints the .wasm size and fails if it is
# over the bound (issue 3: 40,000 bytes).
#
# The demo's allocator is talc (wasm-demo/src/lib.rs). For comparison with crates measured
# with Rust's default allocator, it also prints the size of the same demo built with
# dlmalloc (`--no-default-features`), which is not bound.
#   scripts/demo_build.sh            # then: python3 -m http.server -d target/demo-site 8080
set -euo pipefail
cd "$(dirname "$0")/.."
limit=40000

# The page's reconnecting mode is a second module (pkg-reconnecting/), loaded only when the
# mode is chosen; its bound keeps what a ReconnectingWebSocket costs in check.
limit_reconnecting=60500

# build PKG_DIR [cargo flags]: the demo's .wasm after wasm-bindgen, in PKG_DIR.
build() {
  local out=$1
  shift
  cargo build --locked -q -p isows-demo --target wasm32-unknown-unknown --profile demo "$@"
  rm -rf "$out" && mkdir -p "$out"
  wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
    --out-dir "$out" target/wasm32-unknown-unknown/demo/isows_demo.wasm
  stat -c %s "$out/isows_demo_bg.wasm"
}

rm -rf target/demo-site && mkdir -p target/demo-site
default_alloc=$(build target/demo-dlmalloc/pkg --no-default-features)
reconnecting=$(build target/demo-site/pkg-reconnecting --features reconnecting)
size=$(build target/demo-site/pkg)
cp wasm-demo/www/index.html target/demo-site/
echo "demo wasm after wasm-bindgen (no wasm-opt): $size bytes (target/demo-site/pkg/isows_demo_bg.wasm; bound $limit)"
echo "  the same demo with Rust's default allocator (dlmalloc): $default_alloc bytes"
echo "  its reconnecting mode (pkg-reconnecting/, loaded when chosen): $reconnecting bytes," \
  "+$((reconnecting - size)) (bound $limit_reconnecting)"
if ((reconnecting > limit_reconnecting)); then
  echo "the reconnecting mode's wasm is over its bound: $reconnecting > $limit_reconnecting bytes" >&2
  exit 1
fi
if ((size > limit)); then
  echo "demo wasm is over the bound: $size > $limit bytes" >&2
  exit 1
fi
