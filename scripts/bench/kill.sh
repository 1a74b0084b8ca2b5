#!/usr/bin/env bash
# Issue 16's target for `tcpdoctor kill`: destroy 24,000 CLOSE_WAIT sockets, its dump afterwards
# included, in at most 1 s, timed against `ss -K` on the same load in the same run.
#
# Each run loads the host with populate.py (24,000 CLOSE_WAIT ends accepted by holder processes
# on 127.1.N.1:31999, their peers orphaned in FIN_WAIT2; several holders, since one process may
# hold at most 20,000 fds), times one tool destroying them, checks that none is left, and stops
# the load (`populate.py --stop`); tcpdoctor and ss take turns, RUNS times each.
#
# The filter is narrowed to the load's port (`state close-wait sport = :31999`, the same for both
# tools): the machine is shared, and a bare `state close-wait` would destroy other work's sockets.
#
# Usage (as root, ~3 minutes):  bash scripts/bench/kill.sh TCPDOCTOR [RESULTS_DIR]
# Environment: RUNS=3, SOCKETS=24000, HOLDERS=4.
# Prints a markdown summary; raw figures go to RESULTS_DIR.
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tcpdoctor=${1:?usage: kill.sh TCPDOCTOR [RESULTS_DIR]}
results=${2:-/tmp/tcpdoctor-kill-$(date -u +%Y%m%d-%H%M%S)}
runs=${RUNS:-3}
sockets=${SOCKETS:-24000}
holders=${HOLDERS:-4}
filter=(state close-wait sport = :31999)
[[ -x $tcpdoctor ]] || { echo "kill.sh: $tcpdoctor is not executable" >&2; exit 2; }
command -v ss >/dev/null || { echo "kill.sh: ss is missing (apt-get install iproute2)" >&2; exit 2; }
mkdir -p "$results"
: >"$results/times.txt"

# shellcheck source=load.sh
source "$HERE/load.sh"
export POPULATE_ARGS="--established 0 --half-closed $sockets --shared 0 --idle 0 --holders $holders"
trap stop_load EXIT

left() { ss -Htn "${filter[@]}" | wc -l; }
now() { date +%s.%N; }

for run in $(seq 1 "$runs"); do
    for tool in tcpdoctor ss; do
        dir=$results/$tool-$run
        mkdir -p "$dir"
        start_load "$dir"
        before=$(left)
        load=$(cut -d' ' -f1 /proc/loadavg)
        if [[ $tool == tcpdoctor ]]; then
            t0=$(now)
            "$tcpdoctor" kill --yes --json "${filter[@]}" >"$dir/kill.json" 2>"$dir/kill.err" || echo "exit $?" >>"$dir/kill.err"
            t1=$(now)
        else
            t0=$(now)
            ss -K -tn "${filter[@]}" >"$dir/ss.txt" 2>"$dir/ss.err"
            t1=$(now)
        fi
        after=$(left)
        echo "$tool $run $(echo "$t1 - $t0" | bc) $before $after $load" | tee -a "$results/times.txt" >&2
        stop_load
    done
done

python3 - "$results" <<'EOF'
import json, os, statistics, sys
results = sys.argv[1]
rows = [line.split() for line in open(os.path.join(results, "times.txt")) if line.strip()]
for tool in ("tcpdoctor", "ss"):
    mine = [r for r in rows if r[0] == tool]
    times = sorted(float(r[2]) for r in mine)
    print(f"- {tool}: median {statistics.median(times):.3f} s over {len(times)} runs "
          f"(min {times[0]:.3f}, max {times[-1]:.3f}); CLOSE_WAIT before/after: "
          + ", ".join(f"{r[3]}/{r[4]}" for r in mine) + "; load average " + ", ".join(r[5] for r in mine))
for name in sorted(os.listdir(results)):
    path = os.path.join(results, name, "kill.json")
    if os.path.exists(path):
        with open(path) as f:
            doc = json.load(f)
        print(f"  - {name}: totals {doc['totals']}, {doc['requests']} requests in {doc['batches']} sendmsg batches")
EOF
