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

# shellcheck source=load.sh
source "$HERE/load.sh"
start_load "$results"

b=$(printf '%q' "$before")
a=$(printf '%q' "$after")
hyperfine -N -w 1 -r "$runs" -i --export-json "$results/hyperfine.json" --export-markdown "$results/hyperfine.md" \
    -n "ss -tan" "ss -tan" \
    -n "before: sockets --json" "$b sockets --json" -n "after: sockets --json" "$a sockets --json" \
    -n "before: states" "$b states" -n "after: states" "$a states" \
    -n "before: doctor" "$b doctor" -n "after: doctor" "$a doctor" >"$results/hyperfine.log" 2>&1
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results/load.txt" >&2
cat "$results/hyperfine.md"
