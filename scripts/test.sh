#!/usr/bin/env bash
# Runs every check and test of isows, native and wasm32 (headless Chromium). Installs what it
# needs first, idempotently, so it works on a fresh machine: `scripts/test.sh`. CI (.ci/run)
# calls exactly this. Servers it starts listen on 127.0.0.1 only and are stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for_line() { # wait_for_line FILE PATTERN: bounded wait for a server's ready line
  for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; return 1
}

step "setup"
# System packages: as root directly, else through sudo (or a clear list of what to install).
. tests/autobahn/env.sh
# tinyproxy and dante-server: the real proxies of tests/proxy.rs.
apt_need pkg-config libssl-dev chromium chromium-driver tinyproxy dante-server
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock.
wb_want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
wb_have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$wb_want" != "$wb_have" ]; then
  echo "installing wasm-bindgen-cli $wb_want (has: ${wb_have:-none}; ~8 minutes cold)"
  cargo install --locked wasm-bindgen-cli --version "$wb_want"
fi

# cargo-fuzz for the short fuzz runs (stable Rust, --sanitizer none).
if ! cargo fuzz --version 2>/dev/null | grep -q "0.13.2"; then
  cargo install --locked cargo-fuzz --version 0.13.2
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (native, then wasm32)"
cargo clippy --locked --all-targets -- -D warnings
cargo clippy --locked --no-default-features --features fuzzing -- -D warnings   # without TLS or reconnecting; the fuzz entry points
cargo clippy --locked --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy --locked --no-default-features --target wasm32-unknown-unknown -- -D warnings
cargo clippy --locked -p isows-demo --target wasm32-unknown-unknown -- -D warnings
cargo clippy --locked -p isows-demo --target wasm32-unknown-unknown --features reconnecting -- -D warnings
cargo clippy --locked -p isows-test-support --all-targets -- -D warnings
cargo clippy --locked -p isows-test-support --target wasm32-unknown-unknown -- -D warnings

step "cargo publish --dry-run (the package builds on its own)"
cargo publish --dry-run --locked --allow-dirty 2>&1 | grep -vE "^ +(Compiling|Downloaded|Downloading)"
cargo package --list --allow-dirty --locked | sed 's/^/  /'

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -p isows

step "echo_client example (the main job)"
cargo build --locked -q --example echo_client   # the timeout below bounds the run, not the build
out=$(timeout 60 cargo run --locked -q --example echo_client)
printf '%s\n' "$out"
expected=$'Connection open ...\nReceived Message: Hello WebSockets!\nConnection closed.'
[ "$out" = "$expected" ] || { echo "echo_client printed something else"; exit 1; }

step "examples: wscat, json, tokio_select, stream_echo, reconnecting against the embedded echo server"
cargo build --locked -q --example wscat --example json --example tokio_select --example stream_echo \
  --example reconnecting
# wscat: a line goes out, its echo is printed, then /close 4000 bye (input through a FIFO,
# each step waiting for wscat's output, bounded).
mkdir -p target/ci
rm -f target/ci/wscat.in; mkfifo target/ci/wscat.in
timeout 60 target/debug/examples/wscat < target/ci/wscat.in > target/ci/wscat.out 2>&1 &
wscat_pid=$!
exec 7> target/ci/wscat.in
wait_for_line target/ci/wscat.out "connected to"
echo "hello from the test" >&7
wait_for_line target/ci/wscat.out "< hello from the test"
echo "/close 4000 bye" >&7
exec 7>&-
wait "$wscat_pid" || { cat target/ci/wscat.out; echo "wscat failed"; exit 1; }
grep -qx "closed 4000 bye" target/ci/wscat.out || { cat target/ci/wscat.out; exit 1; }
cat target/ci/wscat.out
timeout 60 target/debug/examples/json
out=$(timeout 60 target/debug/examples/tokio_select --shutdown-after-ms 300)
printf '%s\n' "$out"
grep -qx "closed 1000 shutting down" <<< "$out" || { echo "tokio_select printed something else"; exit 1; }
out=$(timeout 60 target/debug/examples/stream_echo)
echo "$out" | tail -2
[ "$(grep -c '^echo: message ' <<< "$out")" = 10 ] && grep -qx "closed Some(1000) done" <<< "$out" \
  || { echo "stream_echo printed something else"; exit 1; }
# reconnecting: its server stops and starts again; the three messages queued while it was
# down come back in order (it exits 1 otherwise).
out=$(timeout 60 target/debug/examples/reconnecting)
printf '%s\n' "$out" | tail -5
grep -q "^all 3 queued messages came back, in order" <<< "$out" \
  || { echo "reconnecting printed something else"; exit 1; }

step "benchmark smoke run (small counts; verifies every echo, times nothing)"
cargo bench --locked --bench side_by_side -- --quick
cargo bench --locked --bench deflate -- --quick

step "wasm32 in headless Chromium: shared conformance bodies and the leak check"
cargo build --locked -q -p isows-test-support --bin wpt_server && cargo build --locked -q --example echo_server
mkdir -p target/ci
wpt_port=$(free_port)
target/debug/wpt_server "127.0.0.1:$wpt_port" > target/ci/wpt_server.log 2>&1 &
pids+=($!)
wait_for_line target/ci/wpt_server.log LISTENING
export ISOWS_TEST_SERVER="ws://127.0.0.1:$wpt_port"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT=180
cargo test --locked --target wasm32-unknown-unknown --test browser

step "a downstream crate: isows by path with the newest wasm-bindgen, for wasm32"
# Proves the caret ranges: a crate outside this workspace resolves the newest wasm-bindgen
# of the registry (not the one in our Cargo.lock) and builds.
scratch=target/ci/downstream
mkdir -p "$scratch/src"
cat > "$scratch/Cargo.toml" <<TOML
[package]
name = "isows-downstream-check"
version = "0.0.0"
edition = "2021"
publish = false
[workspace]
[dependencies]
isows = { path = "$PWD", default-features = false }
wasm-bindgen = "0.2"
TOML
echo 'pub fn socket() -> Result<isows::WebSocket, isows::Error> { isows::WebSocket::new("ws://h/") }' \
  > "$scratch/src/lib.rs"
rm -f "$scratch/Cargo.lock"
(cd "$scratch" && cargo update -q && cargo build -q --target wasm32-unknown-unknown)
echo "built with wasm-bindgen $(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$scratch/Cargo.lock")"

step "browser demo: build, size, and a WebDriver run"
scripts/demo_build.sh
echo_port=$(free_port)
target/debug/examples/echo_server "127.0.0.1:$echo_port" > target/ci/echo_server.log 2>&1 &
pids+=($!)
wait_for_line target/ci/echo_server.log listening
http_port=$(free_port)
python3 -u -m http.server "$http_port" --bind 127.0.0.1 --directory target/demo-site > target/ci/http.log 2>&1 &
pids+=($!)
wait_for_line target/ci/http.log "Serving HTTP"
python3 scripts/demo_check.py "http://127.0.0.1:$http_port/index.html" "ws://127.0.0.1:$echo_port/" \
  --screenshot target/demo.png

step "Autobahn|Testsuite: all 517 client cases against the fuzzing server (isows echoes from onmessage)"
autobahn=tests/autobahn
bash "$autobahn/setup.sh"
cargo build --locked -q --release --example autobahn_client
export AUTOBAHN_PORT=$(free_port)
export AUTOBAHN_WORKDIR=$PWD/target/ci/autobahn
rm -rf "$AUTOBAHN_WORKDIR"
bash "$autobahn/run-server.sh" start
autobahn_stop() { bash "$autobahn/run-server.sh" stop >/dev/null 2>&1 || true; }
trap 'autobahn_stop; cleanup' EXIT
target/release/examples/autobahn_client "ws://127.0.0.1:$AUTOBAHN_PORT" isows
autobahn_stop
python3 "$autobahn/parse-report.py" "$AUTOBAHN_WORKDIR/reports/clients" --agent isows

step "loom: the dispatcher, the command queue, the inbox and the writers' wait, every interleaving (scripts/loom.sh)"
scripts/loom.sh

step "fuzzing: a short run per target from the corpus in fuzz/corpus (long runs: README)"
for target in handshake_response url arguments connection inflate; do
  # New inputs go to target/fuzz-corpus/ (the committed corpus is only read).
  mkdir -p "target/fuzz-corpus/$target"
  if ! cargo fuzz run --sanitizer none "$target" "target/fuzz-corpus/$target" "fuzz/corpus/$target" \
      -- -runs=200000 -max_total_time=30 > "target/ci/fuzz-$target.log" 2>&1; then
    cat "target/ci/fuzz-$target.log"; echo "fuzz target $target failed" >&2; exit 1
  fi
  grep -E "^(#[0-9]+\s+DONE|Done)" "target/ci/fuzz-$target.log" | sed "s/^/$target: /"
done

step "cargo test (unit, conformance, doc)"
cargo test --locked --no-fail-fast

step "TLS with rustls: the TLS tests again (Mozilla's roots; the platform's roots), and no OpenSSL in the tree"
cargo clippy --locked --no-default-features --features rustls,rustls-platform-roots --all-targets -- -D warnings
cargo test --locked --no-default-features --features rustls --test tls
cargo test --locked --no-default-features --features rustls-platform-roots --test tls
if cargo tree --locked --no-default-features --features rustls -e normal | grep -i openssl; then
  echo "OpenSSL in the dependency tree of --no-default-features --features rustls" >&2; exit 1
fi
