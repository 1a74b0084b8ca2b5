#!/usr/bin/env bash
# Issue 14's targets over time, in one run: what `record` costs on the 200k-socket host (CPU share
# of one core, peak RSS, how fast SIGTERM ends it) beside a `ss -tan` every interval, what
# `watch` costs per refresh, how large 30 simulated days of history grow, and how fast
# `history --since 30d` answers on them (hyperfine, beside sqlite3 counting the same rows).
#
# Usage (as root, ~15 minutes):  bash scripts/bench/over-time.sh TCPDOCTOR [RESULTS_DIR]
# Environment: RECORD_SECONDS=300 (how long record runs), INTERVAL=10, POPULATE_ARGS=... (load.sh),
#   SIM_DAYS=30 and SIM_PROCESSES=500 (the simulated database), SKIP_LIVE=1 (only the simulation),
#   SKIP_SIM=1 (only the live host; the simulation alone takes ~20 minutes).
# Prints a markdown summary; raw figures go to RESULTS_DIR.
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
tcpdoctor=${1:?usage: over-time.sh TCPDOCTOR [RESULTS_DIR]}
results=${2:-/tmp/tcpdoctor-over-time-$(date -u +%Y%m%d-%H%M%S)}
record_seconds=${RECORD_SECONDS:-300}
interval=${INTERVAL:-10}
sim_days=${SIM_DAYS:-30}
sim_processes=${SIM_PROCESSES:-500}
[[ -x $tcpdoctor ]] || { echo "over-time.sh: $tcpdoctor is not executable" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "over-time.sh: hyperfine is missing (apt-get install hyperfine)" >&2; exit 2; }
mkdir -p "$results"
export PATH="/opt/swift/usr/bin:$PATH"
ticks=$(getconf CLK_TCK)

# CPU seconds (user + system) of a live pid, from /proc/PID/stat fields 14 and 15.
cpu_of() { awk -v t="$ticks" '{ sub(/.*\) /, ""); printf "%.3f", ($12 + $13) / t }' "/proc/$1/stat"; }

summary=$results/summary.md
: >"$summary"

# 1. The simulated database (no load needed): 30 days of 10-second samples, 500 processes.
if [[ ${SKIP_SIM:-0} != 1 ]]; then
(cd "$ROOT/scripts/history-bench/Simulator" && swift build -c release >"$results/simulator-build.log" 2>&1)
simulated=$results/simulated.sqlite
"$ROOT/scripts/history-bench/Simulator/.build/release/HistoryBenchSimulator" \
    --days "$sim_days" --processes "$sim_processes" --interval "$interval" --db "$simulated" >"$results/simulated.json"
python3 - "$results/simulated.json" "$sim_days" >>"$summary" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"- history database after {sys.argv[2]} simulated days of {d['interval']:.0f}-second samples, "
      f"{d['processes']} processes: {d['file_bytes'] / 1e6:.1f} MB on disk ({d['used_bytes'] / 1e6:.1f} MB in use), "
      f"{d['samples_kept']} samples kept of {d['samples_written']} (per level {d['levels']}); written in {d['write_seconds']} s")
EOF

# 2. history --since 30d on it, beside sqlite3 reading the same rows.
if "$tcpdoctor" history --help >/dev/null 2>&1; then
    # The simulator's clock is its own: the range is the last SIM_DAYS days of its samples, as
    # `--since 30d` is on a host whose recorder has run for 30 days.
    last=$(sqlite3 "$simulated" 'SELECT CAST(max(taken_at) AS INTEGER) FROM sample')
    until_date=$(date -u -d "@$((last + 60))" +%Y-%m-%dT%H:%MZ)
    since_date=$(date -u -d "@$((last + 60 - sim_days * 86400))" +%Y-%m-%dT%H:%MZ)
    range="--since $since_date --until $until_date"
    hyperfine -N -w 2 -r 10 --export-json "$results/history.json" --export-markdown "$results/history.md" \
        -n "history --since ${sim_days}d" "$tcpdoctor history --db $simulated $range" \
        -n "history --since ${sim_days}d --json" "$tcpdoctor history --db $simulated $range --json" \
        -n "sqlite3: count the point blobs" "sqlite3 $simulated 'SELECT count(*), sum(length(data)) FROM point'" \
        >"$results/history.log" 2>&1 || cat "$results/history.log" >&2
    cat "$results/history.md" >>"$summary"
else
    echo "- history: this tcpdoctor has no history command" >>"$summary"
fi
fi
[[ ${SKIP_LIVE:-0} == 1 ]] && { cat "$summary"; exit 0; }

# 3. The live host.
# shellcheck source=load.sh
source "$HERE/load.sh"
start_load "$results"
recorder=""
trap '[[ -n $recorder ]] && kill -KILL "$recorder" 2>/dev/null; stop_load' EXIT

"$tcpdoctor" record --interval "$interval" --db "$results/live.sqlite" 2>"$results/record.log" &
recorder=$!
sleep 1
start_cpu=$(cpu_of "$recorder")
start_time=$(date +%s.%N)
# RSS twice a second: at rest between samples, and its peak while one is built.
: >"$results/record-rss.txt"
rss_end=$(($(date +%s) + record_seconds))
while (($(date +%s) < rss_end)); do
    awk '/VmRSS/ { print $2 }' "/proc/$recorder/status" >>"$results/record-rss.txt"
    sleep 0.5
done
end_cpu=$(cpu_of "$recorder")
end_time=$(date +%s.%N)
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$recorder/status")
term_sent=$(date +%s.%N)
kill -TERM "$recorder"
while kill -0 "$recorder" 2>/dev/null; do sleep 0.01; done
term_done=$(date +%s.%N)
wait "$recorder" && status=0 || status=$?
recorder=""
samples=$(sqlite3 "$results/live.sqlite" "SELECT count(*) FROM sample WHERE resolution = 0")
python3 - "$start_cpu" "$end_cpu" "$start_time" "$end_time" "$hwm" "$term_sent" "$term_done" "$status" "$samples" \
    "$interval" "$results/record-rss.txt" >>"$summary" <<'EOF'
import sys
c0, c1, t0, t1, hwm, s0, s1 = map(float, sys.argv[1:8])
status, samples, interval = sys.argv[8], sys.argv[9], sys.argv[10]
print(f"- record every {interval} s on the loaded host: {100 * (c1 - c0) / (t1 - t0):.2f}% of one core over "
      f"{t1 - t0:.0f} s ({samples} samples, {(c1 - c0) / max(int(samples) - 1, 1):.2f} s CPU each), "
      f"peak RSS {hwm / 1024:.1f} MB; SIGTERM to exit {1000 * (s1 - s0):.0f} ms, status {status}")
rss = sorted(int(line) for line in open(sys.argv[11]) if line.strip())
if rss:
    print(f"- record's RSS, {len(rss)} readings twice a second: median {rss[len(rss) // 2] / 1024:.1f} MB, "
          f"least {rss[0] / 1024:.1f} MB, most {rss[-1] / 1024:.1f} MB")
EOF

# The peer: what a cron job of `ss -tan` every interval costs (without owners: `ss -tanp` takes
# longer than the interval here).
peer_runs=$((record_seconds / interval))
/usr/bin/time -f "%e %U %S %M" -o "$results/ss-loop.time" \
    bash -c "for _ in \$(seq $peer_runs); do ss -tan >/dev/null; sleep $interval; done"
read -r wall user system rss <"$results/ss-loop.time"
python3 -c "
import sys
wall, user, system, rss = map(float, sys.argv[1:5])
print(f'- peer, ss -tan every $interval s: {100 * (user + system) / wall:.2f}% of one core over {wall:.0f} s '
      f'({(user + system) / $peer_runs:.2f} s CPU each), peak RSS {rss / 1024:.1f} MB')
" "$wall" "$user" "$system" "$rss" >>"$summary"

# 4. watch: CPU per refresh after the first, from its own NDJSON.
if "$tcpdoctor" watch --help >/dev/null 2>&1; then
    "$tcpdoctor" watch --json --count 12 --interval 2 >"$results/watch.ndjson" 2>"$results/watch.log" || true
    python3 "$HERE/watch-cost.py" "$results/watch.ndjson" >>"$summary" || echo "- watch: no figures" >>"$summary"
else
    echo "- watch: this tcpdoctor has no watch command" >>"$summary"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results/load.txt" >&2
cat "$summary"
