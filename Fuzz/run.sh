#!/bin/sh
# Fuzzes one target (or every target in turn) with libFuzzer and AddressSanitizer.
#
# Builds the fuzz binary (Fuzz/build.sh), writes the seeds (Fuzz/seeds.sh), then runs the target
# for SECONDS with its corpus in WORKDIR/corpus/TARGET. Findings (crash-*, leak-*, timeout-*) land
# in WORKDIR/findings/; the log of each run in WORKDIR/logs/TARGET.log, and one summary line a
# target (executions, seconds, coverage, corpus) in WORKDIR/summary. Exits 1 if any target found
# something.
#
# Targets: capture netlink proc-stat proc-status proc-cmdline proc-net-tcp proc-counters filter elf
# Usage: Fuzz/run.sh TARGET|all [SECONDS] [WORKDIR]   (defaults: 600 s a target, /tmp/tcpdoctor-fuzz)
# Extra libFuzzer flags can be given in FUZZ_FLAGS; OPTIMIZE=-O builds optimized (Fuzz/build.sh).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
which=${1:?usage: Fuzz/run.sh TARGET|all [SECONDS] [WORKDIR]}
seconds=${2:-600}
work=${3:-/tmp/tcpdoctor-fuzz}
all="capture netlink proc-stat proc-status proc-cmdline proc-net-tcp proc-counters filter elf"
[ "$which" = all ] && targets=$all || targets=$which
# FUZZ_BINARY: a fuzz binary built before (Fuzz/build.sh), to run without building.
binary=${FUZZ_BINARY:-$("$root/Fuzz/build.sh" "$work")}
rm -rf "$work/seeds"
"$root/Fuzz/seeds.sh" "$binary" "$work/seeds"
mkdir -p "$work/findings" "$work/logs"
export SWIFT_BACKTRACE=enable=no  # the Swift backtracer and ASan fight over a crashing process
status=0
for target in $targets; do
    case $target in
        capture) length=16384 ;;
        netlink) length=8192 ;;
        elf) length=65536 ;;
        *) length=4096 ;;
    esac
    mkdir -p "$work/corpus/$target"
    log="$work/logs/$target.log"
    # shellcheck disable=SC2086
    if TCPDOCTOR_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -max_len=$length -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/findings/$target-" ${FUZZ_FLAGS:-} \
        "$work/corpus/$target" "$work/seeds/$target" >"$log" 2>&1; then
        result=ok
    else
        result=FOUND
        status=1
        tail -n 40 "$log" >&2
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    coverage=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$log" | tail -n 1)
    echo "$target: $result, ${runs:-?} executions in ${took:-?} s, $coverage" | tee -a "$work/summary"
done
exit $status
