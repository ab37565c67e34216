#!/usr/bin/env bash
# Load test on loopback: start gunicorn on a free port, hit /api/sites, /api/sites/<id>
# and / with wrk at 50 and 200 concurrent connections (DURATION each, default 10s), and
# print throughput, p50/p99 latency and errors. Not part of CI (see docs/security.md).
#
#   bench/load.sh                    # uses .venv/bin/python (make install) or $PYTHON
#   DURATION=30s WORKERS=4 bench/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
DURATION=${DURATION:-10s}
WORKERS=${WORKERS:-2}
THREADS=${THREADS:-8}

if ! command -v wrk >/dev/null; then
  echo "Installing wrk (Debian package)..." >&2
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get install -y -qq wrk >/dev/null
fi
"$PYTHON" -c "import gunicorn" 2>/dev/null || { echo "gunicorn missing: pip install -e ." >&2; exit 1; }

PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
LOG=$(mktemp)
"$PYTHON" -m gunicorn -w "$WORKERS" -k gthread --threads "$THREADS" -b "127.0.0.1:$PORT" \
  --backlog 2048 'webmap.wsgi:app' >"$LOG" 2>&1 &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null; wait "$GUNICORN" 2>/dev/null; rm -f "$LOG"' EXIT

for _ in $(seq 100); do
  curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$GUNICORN" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.1
done
SITE=$(curl -fs "$BASE/api/sites" | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["features"][0]["id"])')

echo "gunicorn -w $WORKERS -k gthread --threads $THREADS; wrk -t4 --timeout 10s, $DURATION per row; Accept-Encoding: gzip"
echo "$(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo
printf '| %-28s | %5s | %9s | %9s | %9s | %7s |\n' path conns "req/s" p50 p99 errors
printf '|%s|\n' "------------------------------|-------|-----------|-----------|-----------|---------"
for conns in 50 200; do
  for path in /api/sites "/api/sites/$SITE" /; do
    out=$(wrk -t4 -c"$conns" -d"$DURATION" --timeout 10s --latency -H 'Accept-Encoding: gzip' "$BASE$path")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '/^ +50%/ {print $2}' <<<"$out")
    p99=$(awk '/^ +99%/ {print $2}' <<<"$out")
    # wrk reports non-2xx/3xx answers and socket errors (connect, read, write, timeout) apart.
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    sock=$(awk '/Socket errors/ {gsub(/[^0-9]+/, " "); n = 0; for (i = 1; i <= NF; i++) n += $i; print n}' <<<"$out")
    printf '| %-28s | %5s | %9s | %9s | %9s | %7s |\n' "$path" "$conns" "$rps" "$p50" "$p99" $(( ${non2xx:-0} + ${sock:-0} ))
  done
done
