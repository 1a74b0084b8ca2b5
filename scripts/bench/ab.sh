#!/usr/bin/env bash
# Times two tcpdoctor binaries (before and after a change) on one populated host, in one run.
#
# Populates the host as run.sh does (populate.py: ~200k sockets, 170k socket fds, ~500 processes),
# then has hyperfine alternate the two binaries' commands with ss -tan as the yardstick, so
# that the ratios hold even on a machine that is busy with other work. Cleans up on every exit.
#
# Usage (as root, ~5 minutes):  bash scripts/bench/ab.sh BEFORE AFTER [RESULTS_DIR]
# Environment: RUNS=10 (hyperfine runs per command), POPULATE_ARGS=... (as run.sh).
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
before=${1:?usage: ab.sh BEFORE AFTER [RESULTS_DIR]}
after=${2:?usage: ab.sh BEFORE AFTER [RESULTS_DIR]}
results=${3:-/tmp/tcpdoctor-ab-$(date -u +%Y%m%d-%H%M%S)}
runs=${RUNS:-10}
for binary in "$before" "$after"; do [[ -x $binary ]] || { echo "ab.sh: $binary is not executable" >&2; exit 2; }; done
command -v hyperfine >/dev/null || { echo "ab.sh: hyperfine is missing (apt-get install hyperfine)" >&2; exit 2; }
mkdir -p "$results"

pop=""
cleanup() {
    if [[ -n $pop ]] && kill -0 "$pop" 2>/dev/null; then
        kill -TERM "$pop" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$pop" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$pop" 2>/dev/null || true
    fi
    [[ -n $pop ]] && python3 "$HERE/populate.py" --stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck disable=SC2086 # POPULATE_ARGS is a list of arguments
python3 "$HERE/populate.py" --ready-file "$results/ready.json" ${POPULATE_ARGS:-} >"$results/populate.log" 2>&1 &
pop=$!
for _ in $(seq 1 900); do
    [[ -s $results/ready.json ]] && break
    kill -0 "$pop" 2>/dev/null || { cat "$results/populate.log" >&2; exit 2; }
    sleep 0.2
done
[[ -s $results/ready.json ]] || { echo "ab.sh: populate.py not ready after 180 s" >&2; exit 2; }
grep -E '^READY' "$results/populate.log" >&2 || true
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$results/load.txt" >&2

b=$(printf '%q' "$before")
a=$(printf '%q' "$after")
hyperfine -N -w 1 -r "$runs" -i --export-json "$results/hyperfine.json" --export-markdown "$results/hyperfine.md" \
    -n "ss -tan" "ss -tan" \
    -n "before: sockets --json" "$b sockets --json" -n "after: sockets --json" "$a sockets --json" \
    -n "before: states" "$b states" -n "after: states" "$a states" \
    -n "before: doctor" "$b doctor" -n "after: doctor" "$a doctor" >"$results/hyperfine.log" 2>&1
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results/load.txt" >&2
cat "$results/hyperfine.md"
