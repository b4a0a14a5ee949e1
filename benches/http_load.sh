#!/usr/bin/env bash
# spool-http's server against hyper's current_thread server under wrk, on
# 127.0.0.1: requests per second and p99 latency at 100 and 1,000
# keep-alive connections.
#
# Both servers are benches/examples/load_server.rs, built in release mode:
# one thread each, the same handler (1 KiB of `x`, Content-Length framed).
# For each connection count the two servers take turns (spool, hyper,
# spool, hyper, ...), ROUNDS rounds of DURATION each after a short warm-up,
# and the medians are reported with the ratio spool/hyper (for requests/s
# above 1 is better for spool, for p99 below 1 is).
#
# Usage: benches/http_load.sh        (from anywhere in the repository)
# Knobs: ROUNDS (default 3), DURATION (default 5s), THREADS (wrk threads,
#        default 1: the machine has two cores, one for the server and one
#        for wrk), CONNS (default "100 1000"), SERVER (a load_server binary
#        to use instead of building one).
#
# Not run by CI or by `cargo test`: it needs wrk (apt-get install wrk).

set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
THREADS=${THREADS:-1}
CONNS=${CONNS:-"100 1000"}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

command -v wrk >/dev/null || { echo "missing: wrk (apt-get install wrk)" >&2; exit 1; }
ulimit -n 8192 2>/dev/null || true

if [ -z "${SERVER:-}" ]; then
    echo "building load_server (release)..." >&2
    cargo build --release --quiet -p spool-benches --example load_server \
        --manifest-path "$ROOT/Cargo.toml"
    SERVER=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/load_server
fi

WORK=$(mktemp -d /tmp/spool-http-load.XXXXXX)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs wrk against one server; appends "requests/s p99-in-ms" to $WORK/$1-$2.
run() {
    local which=$1 conns=$2 port
    port=$(free_port)
    "$SERVER" "$which" "$port" &
    SERVER_PID=$!
    for _ in $(seq 50); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
        sleep 0.1
    done
    wrk -t "$THREADS" -c "$conns" -d 1s "http://127.0.0.1:$port/" >/dev/null
    wrk -t "$THREADS" -c "$conns" -d "$DURATION" --latency "http://127.0.0.1:$port/" \
        >"$WORK/wrk.txt"
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
    if grep -q "Non-2xx\|Socket errors" "$WORK/wrk.txt"; then
        echo "$which at $conns connections:" >&2
        grep "Non-2xx\|Socket errors" "$WORK/wrk.txt" >&2
    fi
    python3 - "$WORK/wrk.txt" >>"$WORK/$which-$conns" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
print(rps, float(value) * scale)
PY
}

for conns in $CONNS; do
    for ((round = 1; round <= ROUNDS; round++)); do
        for which in spool hyper; do
            echo "round $round: $which, $conns connections" >&2
            run "$which" "$conns"
        done
    done
done

echo
echo "## $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t $THREADS -d $DURATION, $ROUNDS alternating rounds, medians"
echo
echo "| connections | spool req/s | hyper req/s | spool/hyper | spool p99 | hyper p99 | spool/hyper |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for conns in $CONNS; do
    python3 - "$WORK/spool-$conns" "$WORK/hyper-$conns" "$conns" <<'PY'
import statistics, sys
def medians(path):
    rows = [tuple(map(float, line.split())) for line in open(path)]
    return statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
(s_rps, s_p99), (h_rps, h_p99) = medians(sys.argv[1]), medians(sys.argv[2])
print(f"| {sys.argv[3]} | {s_rps:,.0f} | {h_rps:,.0f} | {s_rps / h_rps:.2f} | "
      f"{s_p99:.2f} ms | {h_p99:.2f} ms | {s_p99 / h_p99:.2f} |")
PY
done
