#!/usr/bin/env bash
# Runs the Autobahn|Testsuite fuzzing server on 127.0.0.1 only.
#
#   run-server.sh start   start it in the background; returns once the port listens
#   run-server.sh stop    stop the server that `start` started (by its pid file)
#
# Environment: AUTOBAHN_PORT (default 9001), AUTOBAHN_WORKDIR (spec, log, pid file and
# reports/clients/; default /tmp/autobahn-fuzzingserver), AUTOBAHN_CASES and AUTOBAHN_EXCLUDE
# (comma-separated case patterns such as `9.*`; default every case), AUTOBAHN_HOME (setup.sh).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
. "$HERE/env.sh"
WORKDIR=${AUTOBAHN_WORKDIR:-/tmp/autobahn-fuzzingserver}
PORT=${AUTOBAHN_PORT:-9001}
PIDFILE="$WORKDIR/server.pid"
export AUTOBAHN_BIND=127.0.0.1

log() { printf '[autobahn] %s\n' "$*" >&2; }

listening() { # is 127.0.0.1:$PORT listening? (reads /proc; sends nothing)
  awk -v a="0100007F:$(printf '%04X' "$PORT")" '$2 == a && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp
}

our_pid() { # the pid in the pid file, if that process is the server started for $WORKDIR
  [ -f "$PIDFILE" ] || return 1
  local pid; pid=$(cat "$PIDFILE")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$WORKDIR/" \
    && echo "$pid"
}

case "${1:-}" in
  start)
    if pid=$(our_pid); then log "already running (pid $pid)"; exit 0; fi
    [ -x "$AUTOBAHN_HOME/venv/bin/python" ] || "$HERE/setup.sh"
    if listening; then log "127.0.0.1:$PORT is in use: choose another AUTOBAHN_PORT"; exit 1; fi
    mkdir -p "$WORKDIR/reports/clients"
    python3 - "$WORKDIR/fuzzingserver.json" "$PORT" "$WORKDIR/reports/clients" \
      "${AUTOBAHN_CASES:-*}" "${AUTOBAHN_EXCLUDE:-}" <<'PY'
import json, sys
path, port, outdir, cases, exclude = sys.argv[1:6]
split = lambda s: [x.strip() for x in s.split(",") if x.strip()]
with open(path, "w") as f:
    json.dump({"url": "ws://127.0.0.1:%d" % int(port), "outdir": outdir, "cases": split(cases),
               "exclude-cases": split(exclude), "exclude-agent-cases": {}}, f, indent=2)
PY
    cd "$WORKDIR"
    setsid "$AUTOBAHN_HOME/venv/bin/python" "$HERE/wstest_loopback.py" -m fuzzingserver \
      -s "$WORKDIR/fuzzingserver.json" -u 0 > "$WORKDIR/server.log" 2>&1 < /dev/null &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 300); do
      if listening; then log "fuzzing server pid $(cat "$PIDFILE") on ws://127.0.0.1:$PORT"; exit 0; fi
      kill -0 "$(cat "$PIDFILE")" 2>/dev/null || { log "the server exited:"; cat "$WORKDIR/server.log" >&2; exit 1; }
      sleep 0.1
    done
    log "the server did not listen within 30 s; see $WORKDIR/server.log"; exit 1
    ;;
  stop)
    if ! pid=$(our_pid); then rm -f "$PIDFILE"; exit 0; fi
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    rm -f "$PIDFILE"
    log "stopped pid $pid"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
