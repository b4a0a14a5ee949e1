#!/usr/bin/env bash
# spool-dl against aria2c, curl, wget2 and the asyncio tutorial's aiohttp
# downloader, on 127.0.0.1 only.
#
# The scenarios (SCENARIOS picks some; all by default):
#   delay      10 files, each answered after 2 s by a small Python server,
#              at -j 5: the floor is two waves of 2 s, 4.0 s;
#   small      1,000 files of 10 KiB from nginx at -j 16;
#   big        4 files of 256 MiB from nginx at -j 4;
#   repeat     10,000 URLs from nginx at -j 32 in which every file name
#              occurs ten times (ten directories holding the same names),
#              so a downloader must pick ten distinct output names; the
#              same 10,000 URLs with unique names run in the same rounds
#              as "spool-dl (unique)", for the paired ratio;
#   small-tls  `small` over HTTPS from the same nginx;
#   big-tls    `big` over HTTPS from the same nginx.
# For HTTPS the script makes a test CA and a certificate for 127.0.0.1
# with openssl; every tool is told to trust that CA (spool-dl --ca-cert,
# curl --cacert, aria2c and wget2 --ca-certificate, Python through
# SSL_CERT_FILE).
#
# What it does, in order:
#   1. builds spool-dl in release mode;
#   2. writes the files (random bytes) into a temporary directory and
#      serves them with nginx (one worker, sendfile, keep-alive, HTTP and
#      HTTPS on two free ports), and starts the delay server;
#   3. runs every tool once per scenario and checks what it wrote: byte
#      for byte against the originals, or, for `delay` and `repeat`, the
#      number of files and bytes;
#   4. times ROUNDS rounds per scenario; in each round every tool runs
#      once, in turn, each round starting one tool later (A B C, B C A,
#      C A B, ...), so load from other processes falls on all tools alike
#      and no tool always runs in the same place in a round. Before each
#      run, and outside the timed command, the output directory is emptied
#      and `sync` flushes the previous run's dirty pages. Each run goes
#      through `/usr/bin/time -f %M` for its peak RSS; the wall time is
#      taken around it from bash's EPOCHREALTIME;
#   5. prints, after each scenario, each tool's median wall time, its median
#      ratio to spool-dl over the rounds (ratio taken per round, then the
#      median), and its median peak RSS.
#
# Usage: benches/downloaders.sh            (from anywhere in the repository)
# Knobs: ROUNDS (default 3), SCENARIOS, DELAY (seconds, default 2),
#        SPOOL_DL (a spool-dl binary to use instead of building one),
#        KEEP=1 to keep the temporary directory and its results.
#
# Not run by CI or by `cargo test`: it needs tools CI does not have.

set -euo pipefail

ROUNDS=${ROUNDS:-3}
SCENARIOS=${SCENARIOS:-"delay small big repeat small-tls big-tls"}
DELAY=${DELAY:-2}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

# --- the tools ---------------------------------------------------------------

missing=()
for tool in nginx aria2c curl wget2 python3 openssl cargo; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ -x /usr/bin/time ] || missing+=(/usr/bin/time)
if ((${#missing[@]})); then
    echo "missing: ${missing[*]}" >&2
    echo "install with: apt-get install aria2 wget2 curl nginx-light python3 openssl time" >&2
    exit 1
fi
if ! python3 -c 'import aiohttp' 2>/dev/null; then
    echo "python3 cannot import aiohttp; install with: pip install aiohttp" >&2
    exit 1
fi

if [ -z "${SPOOL_DL:-}" ]; then
    echo "building spool-dl (release)..." >&2
    cargo build --release --quiet -p spool-dl --manifest-path "$ROOT/Cargo.toml"
    SPOOL_DL=${CARGO_TARGET_DIR:-$ROOT/target}/release/spool-dl
fi
[ -x "$SPOOL_DL" ] || { echo "no spool-dl binary at $SPOOL_DL" >&2; exit 1; }
TUTORIAL=$HERE/tutorial_downloader.py

# --- the files, the certificates and the servers -----------------------------

WORK=$(mktemp -d /tmp/spool-downloaders.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
# nginx's workers drop root privileges and must still read the files.
chmod 755 "$WORK"
mkdir -p "$WORK/www/small" "$WORK/www/big" "$WORK/www/many" "$WORK/nginx-tmp" "$WORK/res"

echo "writing 1,000 x 10 KiB, 4 x 256 MiB and 10,000 x 4 KiB of random data..." >&2
head -c $((1000 * 10240)) /dev/urandom |
    split -b 10240 -a 4 -d --additional-suffix=.bin - "$WORK/www/small/s"
for i in 0 1 2 3; do
    head -c $((256 * 1024 * 1024)) /dev/urandom >"$WORK/www/big/b$i.bin"
done
head -c $((10000 * 4096)) /dev/urandom |
    split -b 4096 -a 5 -d --additional-suffix=.bin - "$WORK/www/many/m"
chmod -R a+rX "$WORK/www"

# A test CA, and a certificate for 127.0.0.1 signed by it.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=spool bench CA" \
    -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
printf 'subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\n' >"$WORK/server.ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
    -CAcreateserial -days 2 -extfile "$WORK/server.ext" -out "$WORK/server.pem" 2>/dev/null
chmod a+r "$WORK/server.key"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
TLS_PORT=$(free_port)
DELAY_PORT=$(free_port)

# /rep/N/NAME is /many/NAME for N = 0..9: ten URLs for every name.
cat >"$WORK/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx-tmp/body;
    proxy_temp_path $WORK/nginx-tmp/proxy;
    fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
    scgi_temp_path $WORK/nginx-tmp/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$PORT;
        listen 127.0.0.1:$TLS_PORT ssl;
        ssl_certificate $WORK/server.pem;
        ssl_certificate_key $WORK/server.key;
        root $WORK/www;
        location /rep/ {
            rewrite ^/rep/[0-9]+/(.*)\$ /many/\$1 break;
        }
    }
}
EOF
nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" &
PIDS+=($!)

# Every GET is answered with 10 KiB, DELAY seconds after it arrived; a
# thread per connection, so the waits overlap.
cat >"$WORK/delay_server.py" <<'EOF'
import http.server, socketserver, sys, time
delay, port = float(sys.argv[1]), int(sys.argv[2])
body = b"d" * 10240
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        time.sleep(delay)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 128
Server(("127.0.0.1", port), Handler).serve_forever()
EOF
python3 "$WORK/delay_server.py" "$DELAY" "$DELAY_PORT" &
PIDS+=($!)

for _ in $(seq 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/small/s0000.bin" 2>/dev/null && break
    sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/small/s0000.bin" || {
    cat "$WORK/nginx-error.log" >&2
    exit 1
}
curl -fsS -o /dev/null --cacert "$WORK/ca.pem" "https://127.0.0.1:$TLS_PORT/small/s0000.bin"
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $DELAY_PORT))" 2>/dev/null &&
        break
    sleep 0.1
done

# URL lists, and the same lists as curl config files (a url/output pair
# per URL, with a distinct output name for every URL).
OUT=$WORK/out
url_list() { # NAME BASE PATHS...
    local name=$1 base=$2 i=0
    shift 2
    : >"$WORK/$name-urls.txt"
    : >"$WORK/$name.curl"
    for path in "$@"; do
        echo "$base/$path" >>"$WORK/$name-urls.txt"
        printf 'url = "%s/%s"\noutput = "%s/%06d-%s"\n' "$base" "$path" "$OUT" "$i" \
            "${path##*/}" >>"$WORK/$name.curl"
        i=$((i + 1))
    done
}
HTTP=http://127.0.0.1:$PORT
HTTPS=https://127.0.0.1:$TLS_PORT
small_paths=()
for f in "$WORK"/www/small/*.bin; do small_paths+=("small/${f##*/}"); done
big_paths=(big/b0.bin big/b1.bin big/b2.bin big/b3.bin)
many_names=()
for f in "$WORK"/www/many/*.bin; do many_names+=("${f##*/}"); done
repeat_paths=()
for n in 0 1 2 3 4 5 6 7 8 9; do
    for name in "${many_names[@]:0:1000}"; do repeat_paths+=("rep/$n/$name"); done
done
unique_paths=()
for name in "${many_names[@]}"; do unique_paths+=("many/$name"); done
delay_paths=()
for i in 0 1 2 3 4 5 6 7 8 9; do delay_paths+=("d/f$i.bin"); done

url_list delay "http://127.0.0.1:$DELAY_PORT" "${delay_paths[@]}"
url_list small "$HTTP" "${small_paths[@]}"
url_list big "$HTTP" "${big_paths[@]}"
url_list repeat "$HTTP" "${repeat_paths[@]}"
url_list unique "$HTTP" "${unique_paths[@]}"
url_list small-tls "$HTTPS" "${small_paths[@]}"
url_list big-tls "$HTTPS" "${big_paths[@]}"

# --- the commands --------------------------------------------------------------

# Sets JOBS, LIST (the URL list's name), NAMES and CMDS for a scenario.
commands() {
    local scenario=$1
    case $scenario in
        delay) JOBS=5 ;;
        small | small-tls) JOBS=16 ;;
        big | big-tls) JOBS=4 ;;
        repeat) JOBS=32 ;;
    esac
    LIST=$scenario
    local urls=$WORK/$LIST-urls.txt ca="" cacert="" ca_certificate="" env=""
    if [[ $scenario == *-tls ]]; then
        ca="--ca-cert $WORK/ca.pem"
        cacert="--cacert $WORK/ca.pem"
        ca_certificate="--ca-certificate=$WORK/ca.pem"
        env="env SSL_CERT_FILE=$WORK/ca.pem"
    fi
    NAMES=(spool-dl aria2c curl wget2 aiohttp-tutorial)
    CMDS=(
        "$SPOOL_DL -q -j $JOBS $ca -i $urls -o $OUT"
        "aria2c -q -j $JOBS -x 1 $ca_certificate -i $urls -d $OUT"
        "curl -sS --fail --parallel --parallel-max $JOBS $cacert -K $WORK/$LIST.curl"
        "wget2 -q --max-threads=$JOBS $ca_certificate -i $urls -P $OUT"
        "$env python3 $TUTORIAL -j $JOBS -i $urls -o $OUT"
    )
    if [ "$scenario" = repeat ]; then
        NAMES+=("spool-dl (unique)")
        CMDS+=("$SPOOL_DL -q -j $JOBS -i $WORK/unique-urls.txt -o $OUT")
    fi
}

fresh_out() {
    rm -rf "$OUT"
    mkdir -p "$OUT"
    sync
}

# "FILES BYTES" in the output directory.
out_size() {
    echo "$(find "$OUT" -type f | wc -l) $(find "$OUT" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')"
}

# What a correct download of the scenario leaves: compared byte for byte
# where names are unique, counted where they are not.
check() {
    local scenario=$1 name=$2
    case $scenario in
        small | small-tls | big | big-tls)
            local set=${scenario%-tls}
            if [ "$name" = curl ]; then
                # curl was given numbered output names.
                for f in "$OUT"/*; do
                    local base=${f##*/}
                    cmp -s "$f" "$WORK/www/$set/${base#*-}" || return 1
                done
                [ "$(ls "$OUT" | wc -l)" = "$(ls "$WORK/www/$set" | wc -l)" ]
            else
                diff -rq "$WORK/www/$set" "$OUT" >/dev/null
            fi
            ;;
        delay) [ "$(out_size)" = "10 102400" ] ;;
        repeat) [ "$(out_size)" = "10000 40960000" ] ;;
    esac
}

# One run of each tool, checked before anything is timed: a fast wrong
# download is worth nothing. A tool that cannot keep ten files of the same
# name apart is reported, not stopped: that is its known behaviour.
: >"$WORK/notes.txt"
for scenario in $SCENARIOS; do
    commands "$scenario"
    for i in "${!NAMES[@]}"; do
        fresh_out
        if ! ${CMDS[$i]} >/dev/null 2>"$WORK/check.log"; then
            echo "${NAMES[$i]} failed on $scenario:" >&2
            tail "$WORK/check.log" >&2
            exit 1
        fi
        if ! check "$scenario" "${NAMES[$i]}"; then
            if [ "$scenario" = repeat ]; then
                echo "$scenario: ${NAMES[$i]} left $(out_size | cut -d' ' -f1) files, not 10000" |
                    tee -a "$WORK/notes.txt" >&2
            else
                echo "${NAMES[$i]} did not reproduce the $scenario files" >&2
                exit 1
            fi
        fi
    done
    echo "$scenario: every tool checked" >&2
done

# --- timing --------------------------------------------------------------------------

# Appends "SECONDS PEAK_RSS_KIB" for one run of command $2 to file $1.
measure() {
    local into=$1 cmd=$2 start end
    fresh_out
    start=$EPOCHREALTIME
    /usr/bin/time -f %M -o "$WORK/rss.txt" $cmd >/dev/null 2>"$WORK/run.log" || {
        echo "failed: $cmd" >&2
        tail "$WORK/run.log" >&2
        exit 1
    }
    end=$EPOCHREALTIME
    echo "$(python3 -c "print($end - $start)") $(tail -1 "$WORK/rss.txt")" >>"$into"
}

# Prints the table of one scenario: medians over the rounds.
report() {
    local scenario=$1
    commands "$scenario"
    echo
    echo "### $scenario (-j $JOBS), $(date -u '+%H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    python3 - "$WORK/res/$scenario" "${NAMES[@]}" <<'EOF'
import statistics, sys
prefix, names = sys.argv[1], sys.argv[2:]
runs = [[tuple(map(float, line.split())) for line in open(f"{prefix}.{i}")]
        for i in range(len(names))]
base = runs[0]
print("| tool | median wall | min | time / spool-dl (median of per-round ratios) | median peak RSS |")
print("|---|---:|---:|---:|---:|")
for name, rows in zip(names, runs):
    wall = statistics.median(r[0] for r in rows)
    ratio = statistics.median(r[0] / b[0] for r, b in zip(rows, base))
    rss = statistics.median(r[1] for r in rows) / 1024
    print(f"| {name} | {wall:.3f} s | {min(r[0] for r in rows):.3f} s | {ratio:.2f} | {rss:.1f} MiB |")
EOF
}

echo "## $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ROUNDS=$ROUNDS DELAY=${DELAY}s; medians over the rounds"
for scenario in $SCENARIOS; do
    commands "$scenario"
    for ((round = 1; round <= ROUNDS; round++)); do
        echo "$scenario: round $round of $ROUNDS" >&2
        # Each round starts with the next tool, so no tool always runs
        # first (just after the previous round's last tool) or last.
        for ((k = 0; k < ${#NAMES[@]}; k++)); do
            i=$(((k + round - 1) % ${#NAMES[@]}))
            measure "$WORK/res/$scenario.$i" "${CMDS[$i]}"
        done
    done
    report "$scenario"
done

if [ -s "$WORK/notes.txt" ]; then
    echo
    cat "$WORK/notes.txt"
fi
