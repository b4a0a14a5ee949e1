#!/usr/bin/env bash
# spool-dl against aria2c, curl, wget2 and the asyncio tutorial's aiohttp
# downloader, on files served by nginx from 127.0.0.1.
#
# What it does, in order:
#   1. builds spool-dl in release mode;
#   2. writes two sets of random files into a temporary directory:
#      SMALL_COUNT files of SMALL_SIZE bytes (default 1,000 x 4 KiB) and
#      BIG_COUNT files of BIG_SIZE bytes (default 10 x 8 MiB);
#   3. serves them with nginx (one worker, sendfile, keep-alive) on a free
#      port of 127.0.0.1, with a minimal nginx.conf in the temporary
#      directory; nginx is stopped when the script exits, however it exits;
#   4. downloads each set once with every tool and checks the copies
#      byte for byte against the originals;
#   5. times each set with hyperfine (--warmup 1 --runs 5), the output
#      directory emptied before every run (--prepare);
#   6. measures each tool's peak resident memory on each set with
#      /usr/bin/time -v, if it is installed;
#   7. prints hyperfine's tables, the times relative to spool-dl, and the
#      memory table.
#
# Every tool gets the same concurrency, JOBS (default 16), and one
# connection per download.
#
# Usage: benches/downloaders.sh            (from anywhere in the repository)
# Knobs: JOBS, RUNS, SMALL_COUNT, SMALL_SIZE, BIG_COUNT, BIG_SIZE (bytes),
#        KEEP=1 to keep the temporary directory and its results.
#
# Not run by CI or by `cargo test`: it needs tools CI does not have.

set -euo pipefail

JOBS=${JOBS:-16}
RUNS=${RUNS:-5}
SMALL_COUNT=${SMALL_COUNT:-1000}
SMALL_SIZE=${SMALL_SIZE:-4096}
BIG_COUNT=${BIG_COUNT:-10}
BIG_SIZE=${BIG_SIZE:-$((8 * 1024 * 1024))}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

# --- the tools ---------------------------------------------------------------

missing=()
for tool in nginx aria2c curl wget2 hyperfine python3 cargo; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "missing: ${missing[*]}" >&2
    echo "install with: apt-get install aria2 wget2 curl hyperfine nginx-light python3 time" >&2
    exit 1
fi
if ! python3 -c 'import aiohttp' 2>/dev/null; then
    echo "python3 cannot import aiohttp; install with: pip install aiohttp" >&2
    exit 1
fi
TIME=/usr/bin/time
if ! [ -x "$TIME" ]; then
    echo "note: $TIME not found, peak memory will not be measured (apt-get install time)" >&2
    TIME=
fi

echo "building spool-dl (release)..." >&2
cargo build --release --quiet -p spool-dl --manifest-path "$ROOT/Cargo.toml"
SPOOL_DL=${CARGO_TARGET_DIR:-$ROOT/target}/release/spool-dl
[ -x "$SPOOL_DL" ] || { echo "no spool-dl binary at $SPOOL_DL" >&2; exit 1; }
TUTORIAL=$HERE/tutorial_downloader.py

# --- the files and the server --------------------------------------------------

WORK=$(mktemp -d /tmp/spool-downloaders.XXXXXX)
NGINX_PID=
cleanup() {
    if [ -n "$NGINX_PID" ]; then
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
# nginx's workers drop root privileges and must still read the files.
chmod 755 "$WORK"
mkdir -p "$WORK/www/small" "$WORK/www/big" "$WORK/nginx-tmp"

echo "writing $SMALL_COUNT x $SMALL_SIZE B and $BIG_COUNT x $BIG_SIZE B of random data..." >&2
head -c $((SMALL_COUNT * SMALL_SIZE)) /dev/urandom |
    split -b "$SMALL_SIZE" -a 5 -d --additional-suffix=.bin - "$WORK/www/small/s"
for ((i = 0; i < BIG_COUNT; i++)); do
    head -c "$BIG_SIZE" /dev/urandom >"$WORK/www/big/b$i.bin"
done
chmod -R a+rX "$WORK/www"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$WORK/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx-tmp/body;
    proxy_temp_path $WORK/nginx-tmp/proxy;
    fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$PORT;
        root $WORK/www;
    }
}
EOF
nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" &
NGINX_PID=$!
for _ in $(seq 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/big/b0.bin" 2>/dev/null && break
    sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/big/b0.bin" || {
    cat "$WORK/nginx-error.log" >&2
    exit 1
}

# URL lists, and the same lists as curl config files (one url/output pair
# per file, since curl needs an output name for each).
for set in small big; do
    : >"$WORK/$set-urls.txt"
    : >"$WORK/$set.curl"
    for file in "$WORK/www/$set"/*.bin; do
        name=$(basename "$file")
        echo "http://127.0.0.1:$PORT/$set/$name" >>"$WORK/$set-urls.txt"
        printf 'url = "http://127.0.0.1:%s/%s/%s"\noutput = "%s/out/%s"\n' \
            "$PORT" "$set" "$name" "$WORK" "$name" >>"$WORK/$set.curl"
    done
done

# --- the commands ---------------------------------------------------------------

OUT=$WORK/out
NAMES=(spool-dl aria2c curl wget2 aiohttp-tutorial)
commands() {
    local urls=$WORK/$1-urls.txt
    CMDS=(
        "$SPOOL_DL -q -j $JOBS -i $urls -o $OUT"
        "aria2c -q -j $JOBS -x 1 -i $urls -d $OUT"
        "curl -sS --fail --parallel --parallel-max $JOBS -K $WORK/$1.curl"
        "wget2 -q --max-threads=$JOBS -i $urls -P $OUT"
        "python3 $TUTORIAL -j $JOBS -i $urls -o $OUT"
    )
}

fresh_out() {
    rm -rf "$OUT"
    mkdir -p "$OUT"
}

# One run of each tool, checked against the originals before anything is
# timed: a fast wrong download is worth nothing.
for set in small big; do
    commands "$set"
    for i in "${!NAMES[@]}"; do
        fresh_out
        if ! ${CMDS[$i]} >/dev/null 2>"$WORK/check.log"; then
            echo "${NAMES[$i]} failed on the $set files:" >&2
            tail "$WORK/check.log" >&2
            exit 1
        fi
        if ! diff -rq "$WORK/www/$set" "$OUT" >/dev/null; then
            echo "${NAMES[$i]} did not reproduce the $set files exactly" >&2
            diff -rq "$WORK/www/$set" "$OUT" | head >&2
            exit 1
        fi
    done
done
echo "every tool reproduced both sets byte for byte" >&2

# --- timing ------------------------------------------------------------------------

for set in small big; do
    commands "$set"
    args=()
    for i in "${!NAMES[@]}"; do
        args+=(-n "${NAMES[$i]}" "${CMDS[$i]}")
    done
    hyperfine --style basic --warmup 1 --runs "$RUNS" \
        --prepare "rm -rf $OUT && mkdir -p $OUT" \
        --export-json "$WORK/$set.json" --export-markdown "$WORK/$set.md" \
        "${args[@]}" >&2
done

# --- peak memory ---------------------------------------------------------------------

if [ -n "$TIME" ]; then
    for set in small big; do
        commands "$set"
        : >"$WORK/$set-rss.txt"
        for i in "${!NAMES[@]}"; do
            fresh_out
            $TIME -v ${CMDS[$i]} >/dev/null 2>"$WORK/time.txt"
            kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")
            echo "${NAMES[$i]} $kib" >>"$WORK/$set-rss.txt"
        done
    done
fi

# --- report ------------------------------------------------------------------------------

echo
echo "## $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "JOBS=$JOBS RUNS=$RUNS small=${SMALL_COUNT}x${SMALL_SIZE}B big=${BIG_COUNT}x${BIG_SIZE}B"
for set in small big; do
    echo
    echo "### $set files"
    echo
    python3 - "$WORK/$set.json" "$WORK/$set-rss.txt" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
rss = {}
try:
    for line in open(sys.argv[2]):
        name, kib = line.split()
        rss[name] = int(kib)
except (FileNotFoundError, ValueError):
    pass
base = results[0]["mean"]
print("| tool | mean ± σ | min | time / spool-dl | peak RSS |")
print("|---|---:|---:|---:|---:|")
for r in results:
    name = r["command"]
    mem = f"{rss[name] / 1024:.1f} MiB" if name in rss else "n/a"
    print(f"| {name} | {r['mean'] * 1e3:.0f} ± {r['stddev'] * 1e3:.0f} ms | "
          f"{r['min'] * 1e3:.0f} ms | {r['mean'] / base:.2f} | {mem} |")
EOF
done
