#!/usr/bin/env bash
# Issue 15's targets for `serve` on the 200k-socket host, in one run: a /metrics scrape when the
# cache is cold (the scrape waits for a snapshot) and when it is warm (the snapshot of the cache
# period), the RSS before the first scrape and after many, the series count against the cap, and,
# beside it, node_exporter's tcpstat collector alone when prometheus-node-exporter is installed.
#
# Usage (as root, ~5 minutes):  bash scripts/bench/serve.sh TCPDOCTOR [RESULTS_DIR]
# Environment: POPULATE_ARGS=... (load.sh), PORT=18273, WARM=50 (warm scrapes timed).
# Prints a markdown summary; raw figures go to RESULTS_DIR.
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tcpdoctor=${1:?usage: serve.sh TCPDOCTOR [RESULTS_DIR]}
results=${2:-/tmp/tcpdoctor-serve-$(date -u +%Y%m%d-%H%M%S)}
port=${PORT:-18273}
warm=${WARM:-50}
[[ -x $tcpdoctor ]] || { echo "serve.sh: $tcpdoctor is not executable" >&2; exit 2; }
command -v curl >/dev/null || { echo "serve.sh: curl is missing (apt-get install curl)" >&2; exit 2; }
mkdir -p "$results"
summary=$results/summary.md
: >"$summary"

# shellcheck source=load.sh
source "$HERE/load.sh"
start_load "$results"
server=""
exporter=""
cleanup() {
    [[ -n $server ]] && kill -TERM "$server" 2>/dev/null
    [[ -n $exporter ]] && kill -TERM "$exporter" 2>/dev/null
    stop_load
}
trap cleanup EXIT

rss_of() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
# Seconds a GET of URL takes, the body to FILE.
fetch() { curl -s -o "$2" -w '%{time_total}\n' "$1"; }
wait_up() {
    for _ in $(seq 1 300); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "serve.sh: nothing answers at $1" >&2
    exit 2
}

"$tcpdoctor" serve --listen "127.0.0.1:$port" --min-interval 5 2>"$results/serve.log" &
server=$!
wait_up "http://127.0.0.1:$port/healthz"
idle=$(rss_of "$server" VmRSS)

base="http://127.0.0.1:$port/metrics"
cold=$(fetch "$base" "$results/metrics.txt")
: >"$results/warm.txt"
for _ in $(seq 1 "$warm"); do fetch "$base" /dev/null >>"$results/warm.txt"; done
# The cache period over, the next scrape waits for an incremental refresh.
sleep 6
expired=$(fetch "$base" "$results/metrics-2.txt")
after=$(rss_of "$server" VmRSS)
# Idle: the cache period over with no scrape, the snapshot dropped (only the owner books remain).
sleep 6
resting=$(rss_of "$server" VmRSS)
peak=$(rss_of "$server" VmHWM)
series=$(grep -vc '^#' "$results/metrics.txt")
snapshots=$(awk '$1 == "tcpdoctor_snapshots_total" { print $2 }' "$results/metrics-2.txt")
dropped=$(awk '$1 == "tcpdoctor_series_dropped_total" { print $2 }' "$results/metrics-2.txt")
python3 - "$cold" "$results/warm.txt" "$expired" "$idle" "$after" "$peak" "$series" "$snapshots" "$dropped" "$resting" \
    >>"$summary" <<'EOF'
import statistics, sys
cold, warm_file, expired, idle, after, peak, series, snapshots, dropped, resting = sys.argv[1:11]
warm = sorted(float(line) for line in open(warm_file) if line.strip())
print(f"- serve /metrics, cold cache (a full snapshot for the scrape): {float(cold):.3f} s")
print(f"- warm cache, {len(warm)} scrapes: median {1000 * statistics.median(warm):.1f} ms, "
      f"max {1000 * warm[-1]:.1f} ms")
print(f"- cache period over (an incremental refresh for the scrape): {float(expired):.3f} s")
print(f"- RSS before the first scrape {int(idle) / 1024:.1f} MB, after them {int(after) / 1024:.1f} MB, "
      f"idle once the cache period is over {int(resting) / 1024:.1f} MB, peak {int(peak) / 1024:.1f} MB")
print(f"- series: {series} (cap 2000, {dropped or 0} dropped); snapshots taken: {snapshots}")
EOF

# The peer: node_exporter with only its tcpstat collector (off by default in node_exporter).
node_exporter=$(command -v prometheus-node-exporter || command -v node_exporter || true)
if [[ -n $node_exporter ]]; then
    "$node_exporter" --collector.disable-defaults --collector.tcpstat \
        --web.listen-address="127.0.0.1:$((port + 1))" 2>"$results/node-exporter.log" &
    exporter=$!
    wait_up "http://127.0.0.1:$((port + 1))/metrics"
    : >"$results/node.txt"
    for _ in $(seq 1 10); do fetch "http://127.0.0.1:$((port + 1))/metrics" /dev/null >>"$results/node.txt"; done
    python3 - "$results/node.txt" >>"$summary" <<'EOF'
import statistics, sys
times = sorted(float(line) for line in open(sys.argv[1]) if line.strip())
print(f"- peer, node_exporter tcpstat alone ({len(times)} scrapes, host-wide counts per state only): "
      f"median {statistics.median(times):.3f} s")
EOF
else
    echo "- node_exporter: not installed (apt-get install prometheus-node-exporter)" >>"$summary"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results/load.txt"
cat "$summary"
