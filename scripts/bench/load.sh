# Sourced by the benchmark scripts: starts populate.py's load (~200k sockets, ~500 processes) and
# stops it on every exit path.
#
#   source "$HERE/load.sh"; start_load RESULTS_DIR    # returns once populate.py is READY
#
# Environment: POPULATE_ARGS=... (extra populate.py arguments). Sets LOAD_PID; installs the EXIT,
# INT and TERM traps (a script that needs more cleanup calls stop_load from its own EXIT trap).

LOAD_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOAD_PID=""

stop_load() {
    if [[ -n $LOAD_PID ]] && kill -0 "$LOAD_PID" 2>/dev/null; then
        kill -TERM "$LOAD_PID" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$LOAD_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$LOAD_PID" 2>/dev/null || true
    fi
    [[ -n $LOAD_PID ]] && python3 "$LOAD_HERE/populate.py" --stop >/dev/null 2>&1 || true
    LOAD_PID=""
}

start_load() {
    local results=$1
    trap stop_load EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # shellcheck disable=SC2086 # POPULATE_ARGS is a list of arguments
    python3 "$LOAD_HERE/populate.py" --ready-file "$results/ready.json" ${POPULATE_ARGS:-} \
        >"$results/populate.log" 2>&1 &
    LOAD_PID=$!
    for _ in $(seq 1 900); do
        [[ -s $results/ready.json ]] && break
        kill -0 "$LOAD_PID" 2>/dev/null || { cat "$results/populate.log" >&2; exit 2; }
        sleep 0.2
    done
    [[ -s $results/ready.json ]] || { echo "populate.py not ready after 180 s" >&2; exit 2; }
    grep -E '^READY' "$results/populate.log" >&2 || true
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$results/load.txt" >&2
}
