#!/usr/bin/env bash
# Issue 15, item 3: with `record` in the same process, serve reuses its samples. On the 200k-socket
# host, for SECONDS each, Prometheus-like scrapes every SCRAPE seconds of
#   (a) `serve --min-interval 5` beside a separate `record --interval 10`, and
#   (b) `serve --record --record-interval 10 --min-interval 5`,
# and the CPU seconds (user + system, from /proc/PID/stat) and snapshots each used.
#
# Usage (as root):  bash scripts/bench/serve-record.sh TCPDOCTOR [RESULTS_DIR]
# Environment: SECONDS_EACH=120, SCRAPE=5, PORT=18274, POPULATE_ARGS=... (load.sh).
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tcpdoctor=${1:?usage: serve-record.sh TCPDOCTOR [RESULTS_DIR]}
results=${2:-/tmp/tcpdoctor-serve-record-$(date -u +%Y%m%d-%H%M%S)}
each=${SECONDS_EACH:-120}
scrape=${SCRAPE:-5}
port=${PORT:-18274}
[[ -x $tcpdoctor ]] || { echo "serve-record.sh: $tcpdoctor is not executable" >&2; exit 2; }
mkdir -p "$results"

# shellcheck source=load.sh
source "$HERE/load.sh"
start_load "$results"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    stop_load
}
trap cleanup EXIT

cpu_of() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; }
wait_up() {
    for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
    echo "serve-record.sh: nothing answers at $1" >&2
    exit 2
}
# Scrapes /metrics every $scrape s for $each s; prints the last scrape's tcpdoctor_snapshots_total.
scrape_for() {
    local end=$((SECONDS + each)) last
    while ((SECONDS < end)); do
        curl -s -o "$results/last.txt" "http://127.0.0.1:$port/metrics"
        sleep "$scrape"
    done
    awk '$1 == "tcpdoctor_snapshots_total" { print $2 }' "$results/last.txt"
}

# (a) two processes, each with its own snapshots.
"$tcpdoctor" serve --listen "127.0.0.1:$port" --min-interval 5 2>"$results/a-serve.log" &
serve=$!
pids+=("$serve")
"$tcpdoctor" record --interval 10 --db "$results/a.sqlite" 2>"$results/a-record.log" &
record=$!
pids+=("$record")
wait_up "http://127.0.0.1:$port/healthz"
a_snapshots=$(scrape_for)
a_serve=$(cpu_of "$serve")
a_record=$(cpu_of "$record")
a_samples=$(sqlite3 "$results/a.sqlite" "SELECT count(*) FROM sample" 2>/dev/null || echo "?")
kill -TERM "$serve" "$record"
wait "$serve" "$record" 2>/dev/null || true
pids=()

# (b) one process: the recorder and the scrapes share snapshots.
"$tcpdoctor" serve --listen "127.0.0.1:$port" --min-interval 5 --record --record-interval 10 \
    --db "$results/b.sqlite" 2>"$results/b-serve.log" &
both=$!
pids+=("$both")
wait_up "http://127.0.0.1:$port/healthz"
b_snapshots=$(scrape_for)
b_cpu=$(cpu_of "$both")
b_samples=$(awk '$1 == "tcpdoctor_record_samples_total" { print $2 }' "$results/last.txt")
kill -TERM "$both"
wait "$both" 2>/dev/null || true
pids=()

python3 - "$each" "$scrape" "$a_serve" "$a_record" "$a_snapshots" "$a_samples" "$b_cpu" "$b_snapshots" "$b_samples" <<'PY'
import sys
each, scrape, a_serve, a_record, a_snap, a_samples, b_cpu, b_snap, b_samples = sys.argv[1:10]
a = float(a_serve) + float(a_record)
print(f"- {each} s each, a scrape every {scrape} s, `--min-interval 5`, samples every 10 s")
print(f"- serve and record apart: {a:.2f} s CPU (serve {float(a_serve):.2f} s for {a_snap} snapshots, "
      f"record {float(a_record):.2f} s for {a_samples} samples)")
print(f"- serve --record: {float(b_cpu):.2f} s CPU for {b_snap} snapshots and {b_samples} samples recorded "
      f"({float(b_cpu) / a:.2f}x the two apart)")
PY
