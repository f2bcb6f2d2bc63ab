#!/usr/bin/env bash
# Builds the browser demo into target/demo-site/ (index.html + pkg/) with the size profile
# (opt-level "z", LTO, one codegen unit; no wasm-opt; wasm-bindgen drops the name and
# producers sections, which only debuggers read) and prints the .wasm size.
#   scripts/demo_build.sh            # then: python3 -m http.server -d target/demo-site 8080
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked -q -p isows-demo --target wasm32-unknown-unknown --profile demo
rm -rf target/demo-site && mkdir -p target/demo-site
cp wasm-demo/www/index.html target/demo-site/
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir target/demo-site/pkg \
  target/wasm32-unknown-unknown/demo/isows_demo.wasm
size=$(stat -c %s target/demo-site/pkg/isows_demo_bg.wasm)
echo "demo wasm after wasm-bindgen (no wasm-opt): $size bytes (target/demo-site/pkg/isows_demo_bg.wasm)"
