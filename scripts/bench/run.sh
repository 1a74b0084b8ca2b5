#!/usr/bin/env bash
# Benchmark tcpdoctor's live snapshot against ss, netstat, lsof and psutil on a populated host.
#
# Populates this host (loopback only) with ~200k TCP sockets, 170k socket fds and ~500 processes
# (populate.py), times tcpdoctor and its peers in the same run with hyperfine, measures peak memory
# with /usr/bin/time -v, and writes BENCHMARKS.md at the repository root (report.py). Cleans up on
# every exit path: the load is stopped and the sysctls it raised are restored.
#
# Usage (as root, ~10 minutes):  bash scripts/bench/run.sh
# Environment:
#   TCPDOCTOR=PATH      time this binary instead of building with
#                       `swift build -c release --static-swift-stdlib` (as the README builds it);
#                       TCPDOCTOR=skip times the peers only
#   RUNS=10             hyperfine runs for the fast commands (tcpdoctor, ss -tan)
#   MID_RUNS=5          runs for lsof and psutil (~5 s each)
#   SLOW_RUNS=3         runs for ss -tanp and netstat -antp (~20 s each)
#   PEER_RSS=1          also measure the peak memory of the fast peers (ss -tan, lsof, psutil);
#                       PEER_RSS=all adds ss -tanp and netstat -antp (~40 s more), 0 none
#   POPULATE_ARGS=...   extra populate.py arguments, e.g. "--established 7000 --half-closed 3000"
#   OUT=PATH            the report (default: BENCHMARKS.md at the repository root)
#   RESULTS=DIR         raw hyperfine JSON/markdown, logs (default: bench-out/<date> at the root)
#   SKIP_INSTALL=1      do not apt-get/pip install anything
#   STRICT=1            exit 1 if tcpdoctor was not measured or a target was missed
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

# The exact command, with the overrides that were given, for the report.
invocation="bash scripts/bench/run.sh"
for name in TCPDOCTOR RUNS MID_RUNS SLOW_RUNS PEER_RSS POPULATE_ARGS OUT RESULTS SKIP_INSTALL STRICT; do
    if [[ -n ${!name+x} ]]; then
        invocation="$name=$(printf '%q' "${!name}") $invocation"
    fi
done

RUNS=${RUNS:-10}
MID_RUNS=${MID_RUNS:-5}
SLOW_RUNS=${SLOW_RUNS:-3}
PEER_RSS=${PEER_RSS:-1}
POPULATE_ARGS=${POPULATE_ARGS:-}
OUT=${OUT:-$ROOT/BENCHMARKS.md}
RESULTS=${RESULTS:-$ROOT/bench-out/$(date -u +%Y%m%d-%H%M%S)}
STRICT=${STRICT:-0}
READY_TIMEOUT=${READY_TIMEOUT:-180}
export PATH="/opt/swift/usr/bin:$PATH"

started=$SECONDS
say() { printf '[bench %4ds] %s\n' $((SECONDS - started)) "$*" >&2; }
die() { say "error: $*"; exit 2; }

POP_PID=""
POP_RC=""

# Stop the load we started, then let populate.py undo whatever it could not (sysctls, stragglers).
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ -n $POP_PID ]]; then
        if kill -0 "$POP_PID" 2>/dev/null; then
            say "stopping the load (populate.py pid $POP_PID)"
            kill -TERM "$POP_PID" 2>/dev/null || true
            for _ in $(seq 1 150); do
                kill -0 "$POP_PID" 2>/dev/null || break
                sleep 0.2
            done
            kill -KILL "$POP_PID" 2>/dev/null || true
        fi
        wait "$POP_PID" 2>/dev/null && POP_RC=0 || POP_RC=${POP_RC:-$?}
        # Exit code 3 means another instance was running: leave that one alone.
        if [[ $POP_RC != 3 ]]; then
            python3 "$HERE/populate.py" --stop || say "warning: populate.py --stop failed; run it again"
        fi
    fi
    if [[ $rc -ne 0 ]]; then
        say "failed (exit $rc); logs in $RESULTS"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[[ $(id -u) -eq 0 ]] || die "run as root: populating raises net.ipv4.tcp_fin_timeout, and ss -p/lsof need it"
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
say "results in $RESULTS"

# --- install -----------------------------------------------------------------------------------
if [[ ${SKIP_INSTALL:-0} != 1 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    packages=(hyperfine procps net-tools lsof time)
    if ! apt-get install -y -qq "${packages[@]}" >"$RESULTS/install.log" 2>&1; then
        apt-get update -qq >>"$RESULTS/install.log" 2>&1
        apt-get install -y -qq "${packages[@]}" >>"$RESULTS/install.log" 2>&1 ||
            die "apt-get install ${packages[*]} failed; see $RESULTS/install.log"
    fi
    if ! python3 -c 'import psutil' 2>/dev/null; then
        python3 -m pip install -q psutil >>"$RESULTS/install.log" 2>&1 ||
            python3 -m pip install -q --break-system-packages psutil >>"$RESULTS/install.log" 2>&1 ||
            die "pip install psutil failed; see $RESULTS/install.log"
    fi
fi
for tool in hyperfine ss netstat lsof /usr/bin/time python3; do
    command -v "$tool" >/dev/null || die "$tool is missing (run without SKIP_INSTALL=1)"
done
python3 -c 'import psutil' || die "python3 cannot import psutil"

# --- build -------------------------------------------------------------------------------------
skip_reason=""
if [[ ${TCPDOCTOR:-} == skip ]]; then
    skip_reason="TCPDOCTOR=skip was given (peers only)"
elif [[ -n ${TCPDOCTOR:-} ]]; then
    [[ -x $TCPDOCTOR ]] || die "TCPDOCTOR=$TCPDOCTOR is not an executable file"
    TCPDOCTOR=$(cd "$(dirname "$TCPDOCTOR")" && pwd)/$(basename "$TCPDOCTOR")
else
    say "building tcpdoctor: swift build -c release --static-swift-stdlib (log: $RESULTS/build.log)"
    if (cd "$ROOT" && swift build -c release --static-swift-stdlib) >"$RESULTS/build.log" 2>&1; then
        TCPDOCTOR="$(cd "$ROOT" && swift build -c release --static-swift-stdlib --show-bin-path)/tcpdoctor"
    else
        first_error=$(grep -m1 -E 'error:' "$RESULTS/build.log" || tail -n1 "$RESULTS/build.log")
        skip_reason="swift build -c release --static-swift-stdlib failed (${first_error:0:200}); full log in $RESULTS/build.log"
    fi
fi
if [[ -z $skip_reason && ! -x ${TCPDOCTOR:-} ]]; then
    skip_reason="no tcpdoctor binary at ${TCPDOCTOR:-?}"
fi
if [[ -n $skip_reason ]]; then
    say "SKIPPING the tcpdoctor rows: $skip_reason"
    TCPDOCTOR=""
fi

# --- populate ----------------------------------------------------------------------------------
say "populating the host (populate.py $POPULATE_ARGS)"
rm -f "$RESULTS/ready.json"
# shellcheck disable=SC2086 # POPULATE_ARGS is a list of arguments
python3 "$HERE/populate.py" --ready-file "$RESULTS/ready.json" $POPULATE_ARGS \
    >"$RESULTS/populate.log" 2>&1 &
POP_PID=$!
for _ in $(seq 1 $((READY_TIMEOUT * 5))); do
    [[ -s $RESULTS/ready.json ]] && break
    if ! kill -0 "$POP_PID" 2>/dev/null; then
        wait "$POP_PID" && POP_RC=0 || POP_RC=$?
        cat "$RESULTS/populate.log" >&2
        die "populate.py exited ($POP_RC) before it was ready"
    fi
    sleep 0.2
done
[[ -s $RESULTS/ready.json ]] || die "populate.py not ready after ${READY_TIMEOUT}s; see $RESULTS/populate.log"
grep -E '^READY|^  ' "$RESULTS/populate.log" >&2

# --- what to time ------------------------------------------------------------------------------
# manifest.tsv: slug, label, side (tcpdoctor|peer), runs, warmup, ignore-failure, shell command.
manifest="$RESULTS/manifest.tsv"
: >"$manifest"
add() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$manifest"; }

if [[ -n $TCPDOCTOR ]]; then
    td=$(printf '%q' "$TCPDOCTOR")
    # A first run of each command checks that it works (a failing command would time as fast) and
    # records what it saw, for the report's sanity line.
    probe() {
        local slug=$1 ignore=$2
        shift 2
        local rc=0
        timeout 300 "$TCPDOCTOR" "$@" </dev/null >"$RESULTS/probe-$slug.out" 2>"$RESULTS/probe-$slug.err" || rc=$?
        echo "$rc" >"$RESULTS/probe-$slug.rc"
        if [[ $rc -ne 0 && $ignore != 1 ]]; then
            say "SKIPPING tcpdoctor $*: exit $rc: $(head -c 300 "$RESULTS/probe-$slug.err")"
            return 1
        fi
    }
    if probe td-sockets-json 0 sockets --json; then
        add td-sockets-json "tcpdoctor sockets --json" tcpdoctor "$RUNS" 1 0 "$td sockets --json > /dev/null"
    fi
    if probe td-states 0 states; then
        add td-states "tcpdoctor states" tcpdoctor "$RUNS" 1 0 "$td states > /dev/null"
    fi
    if probe td-close-wait 0 sockets state close-wait; then
        add td-close-wait "tcpdoctor sockets state close-wait" tcpdoctor "$RUNS" 1 0 \
            "$td sockets state close-wait > /dev/null"
    fi
    if "$TCPDOCTOR" doctor --help >/dev/null 2>&1; then
        # doctor exits non-zero when it finds problems, and this load is full of them.
        probe td-doctor 1 doctor || true
        add td-doctor "tcpdoctor doctor" tcpdoctor "$RUNS" 1 1 "$td doctor > /dev/null"
    else
        say "tcpdoctor has no doctor subcommand yet; skipping its row"
        echo "no doctor subcommand in this build" >"$RESULTS/doctor-skipped"
    fi
fi
add ss-tan "ss -tan" peer "$RUNS" 1 0 "ss -tan > /dev/null"
add lsof "lsof -nP -iTCP" peer "$MID_RUNS" 0 0 "lsof -nP -iTCP > /dev/null"
add psutil "psutil net_connections(kind='tcp')" peer "$MID_RUNS" 0 0 \
    "python3 -c \"import psutil; psutil.net_connections(kind='tcp')\""
add ss-tanp "ss -tanp" peer "$SLOW_RUNS" 0 0 "ss -tanp > /dev/null"
add netstat "netstat -antp" peer "$SLOW_RUNS" 0 0 "netstat -antp > /dev/null"

# --- time --------------------------------------------------------------------------------------
python3 "$HERE/hostcounts.py" >"$RESULTS/counts-before.json"
uptime >"$RESULTS/load-before.txt"
# What other work takes from the CPUs: busy share over 3 s while nothing of the benchmark runs
# (the load average after populating mostly counts the populating itself).
python3 - >"$RESULTS/busy-before.txt" <<'PY'
import time
def sample():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return sum(fields), fields[3] + fields[4]  # total, idle + iowait
total0, idle0 = sample(); time.sleep(3); total1, idle1 = sample()
print(f"{100 * (1 - (idle1 - idle0) / max(1, total1 - total0)):.1f}")
PY
while IFS=$'\t' read -r slug label side runs warmup ignore command; do
    say "timing $label ($runs runs)"
    flags=(--style basic --runs "$runs" --warmup "$warmup"
        --export-json "$RESULTS/hf-$slug.json" --export-markdown "$RESULTS/hf-$slug.md")
    [[ $ignore == 1 ]] && flags+=(--ignore-failure)
    hyperfine "${flags[@]}" -n "$label" "$command" </dev/null >"$RESULTS/hf-$slug.log" 2>&1 ||
        die "hyperfine failed on $label; see $RESULTS/hf-$slug.log"
    grep -E 'Time \(|Range' "$RESULTS/hf-$slug.log" >&2 || true
done <"$manifest"

# --- peak memory -------------------------------------------------------------------------------
slow_peers=" ss-tanp netstat "
while IFS=$'\t' read -r slug label side runs warmup ignore command; do
    case $side/$PEER_RSS in
        tcpdoctor/* | peer/all) ;;
        peer/1) [[ $slow_peers != *" $slug "* ]] || continue ;;
        *) continue ;;
    esac
    say "peak memory of $label"
    /usr/bin/time -v -o "$RESULTS/rss-$slug.txt" bash -c "exec $command" </dev/null >/dev/null 2>&1 ||
        [[ $ignore == 1 ]] || die "$label failed under /usr/bin/time; see $RESULTS/rss-$slug.txt"
done <"$manifest"
python3 "$HERE/hostcounts.py" >"$RESULTS/counts-after.json"
uptime >"$RESULTS/load-after.txt"

# --- report ------------------------------------------------------------------------------------
{
    echo "invocation=$invocation"
    echo "tcpdoctor=$TCPDOCTOR"
    echo "skip_reason=$skip_reason"
    echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -c . || true)"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory_kb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
    echo "kernel=$(uname -sr)"
    echo "hyperfine=$(hyperfine --version)"
    echo "ss=$(ss -V 2>&1 | head -n1)"
    echo "netstat=$(netstat --version 2>&1 | head -n1)"
    echo "lsof=lsof $(lsof -v 2>&1 | grep -m1 revision | sed 's/.*revision: *//')"
    echo "psutil=$(python3 -c 'import psutil, sys; print(psutil.__version__, "on Python", sys.version.split()[0])')"
    echo "elapsed=$((SECONDS - started))"
} >"$RESULTS/meta.txt"
python3 "$HERE/report.py" "$RESULTS" "$OUT"
say "wrote $OUT"

if [[ $STRICT == 1 ]] && ! python3 "$HERE/report.py" --check "$RESULTS"; then
    exit 1
fi
