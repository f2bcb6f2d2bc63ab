#!/usr/bin/env bash
# W2 counted instead of timed: instructions and L1 data-cache misses of each client, under
# valgrind's cachegrind, against the side-by-side harness's echo server. Counts barely move
# between runs (a wall-clock W2 ratio moves ±3 % on these VMs), so an A/B of a hot-path change
# shows here first; a change must still pay in `cargo bench --bench side_by_side` to count.
# Cachegrind simulates one cache level pair, so the miss counts show trends, not cycles.
#
#   scripts/bench_counts.sh            # raw, isows listeners, isows WebSocketStream (~1 min once built)
#   scripts/bench_counts.sh stream     # one client only: raw | listeners | stream
set -euo pipefail
cd "$(dirname "$0")/.."

. tests/autobahn/env.sh
apt_need valgrind

# One codegen unit: with the default 16, where rustc's partitioning puts tungstenite's generic
# read and write decides whether they are inlined into the connection task, and a change
# anywhere in the crate (a module moved) flipped that and moved W2 by ±3 % in both
# directions (measured, 2026-12-07). With one unit the counts follow the code, not the layout.
export CARGO_PROFILE_BENCH_CODEGEN_UNITS=1
exe=$(cargo bench --locked --bench side_by_side --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
[ -x "$exe" ] || { echo "bench binary not found" >&2; exit 1; }

out=target/bench/counts
mkdir -p "$out"
"$exe" server > "$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q LISTENING "$out/server.log" && break; sleep 0.1; done
addr=$(sed -n 's/^LISTENING //p' "$out/server.log")
[ -n "$addr" ] || { echo "echo server did not start" >&2; cat "$out/server.log" >&2; exit 1; }

messages=200000   # the harness's FULL W2 size, one run
if [ $# -gt 0 ]; then clients=("$@"); else clients=(raw listeners stream); fi
printf '| client | instructions / msg | D1 misses / msg | ÷ raw (instructions) | ÷ raw (D1 misses) |\n|---|---|---|---|---|\n'
raw_ir= raw_d1=
for client in "${clients[@]}"; do
  SIDE_BY_SIDE_URL="ws://$addr/" valgrind --tool=cachegrind --cache-sim=yes \
    --cachegrind-out-file="$out/cachegrind.$client" "$exe" --only W2 --runs 1 --client "$client" \
    > "$out/$client.log" 2>&1 || { cat "$out/$client.log" >&2; exit 1; }
  ir=$(sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' "$out/$client.log" | tr -d ,)
  d1=$(sed -n 's/.*D1 *misses: *\([0-9,]*\).*/\1/p' "$out/$client.log" | tr -d ,)
  if [ "$client" = raw ]; then raw_ir=$ir raw_d1=$d1; fi
  python3 - "$client" "$ir" "$d1" "$messages" "${raw_ir:-0}" "${raw_d1:-0}" <<'EOF'
import sys
client, ir, d1, n, raw_ir, raw_d1 = sys.argv[1], *map(int, sys.argv[2:])
ratio = lambda a, b: f"{a / b:.3f}" if b else "—"
print(f"| {client} | {ir / n:.0f} | {d1 / n:.2f} | {ratio(ir, raw_ir)} | {ratio(d1, raw_d1)} |")
EOF
done
echo "(whole process: connection setup included, ~1 % of the total; per-function detail: cg_annotate $out/cachegrind.CLIENT)"
