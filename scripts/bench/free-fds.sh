#!/usr/bin/env bash
# Issue 16's target for `free-fds`: one process holding 10,000 CLOSE_WAIT socket fds, freed in
# one stop of all its threads; how long the process stays stopped, measured inside tcpdoctor
# (`stopped_seconds`: first PTRACE_INTERRUPT to last detach) and cross-checked from inside the
# process (the longest pause a thread of its own, waking every 0.5 ms, saw during the run).
#
# Usage (as root, ~1 minute):  bash scripts/bench/free-fds.sh TCPDOCTOR [RESULTS_DIR]
# Environment: FDS=10000 (CLOSE_WAIT fds; the per-process hard limit here is 20,000), RUNS=3,
# MODES="close placeholder", THREADS=4 (idle threads beside the main one and the meter).
# Prints a markdown table; the raw documents go to RESULTS_DIR.
set -Eeuo pipefail
tcpdoctor=${1:?usage: free-fds.sh TCPDOCTOR [RESULTS_DIR]}
results=${2:-/tmp/tcpdoctor-free-fds-$(date -u +%Y%m%d-%H%M%S)}
fds=${FDS:-10000}
runs=${RUNS:-3}
modes=${MODES:-close placeholder}
threads=${THREADS:-4}
[[ -x $tcpdoctor ]] || { echo "free-fds.sh: $tcpdoctor is not executable" >&2; exit 2; }
mkdir -p "$results"

holder_source='
import os, resource, socket, sys, threading, time
count, threads = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
for _ in range(threads):
    threading.Thread(target=lambda: time.sleep(3600), daemon=True).start()
gap = [0.0]
def meter():
    while True:
        before = time.monotonic(); time.sleep(0.0005)
        gap[0] = max(gap[0], time.monotonic() - before)
threading.Thread(target=meter, daemon=True).start()
listener = socket.socket(); listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0)); listener.listen(4096)
print(os.getpid(), listener.getsockname()[1], flush=True)
held = []
while len(held) < count:
    held.append(listener.accept()[0])
print("HELD", len(held), flush=True)
while True:
    c, _ = listener.accept()
    word = c.recv(16).strip()
    if word == b"reset": gap[0] = 0.0; c.sendall(b"ok\n")
    elif word == b"gap": c.sendall(b"%.6f\n" % gap[0])
    elif word == b"ping": c.sendall(b"pong\n")
    c.close()
'
client_source='
import socket, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port)); s.close()
'
ask() { python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); s.sendall(sys.argv[2].encode()); print(s.recv(64).decode().strip())' "$1" "$2"; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[sys.argv[2]])' "$1" "$2"; }

holder=""
cleanup() { [[ -n $holder ]] && kill -KILL "$holder" 2>/dev/null; true; }
trap cleanup EXIT

echo "| mode | fds planned | freed | fds before → after | stopped (tcpdoctor) | longest pause seen inside | whole command | answers after |"
echo "|---|---|---|---|---|---|---|---|"
for mode in $modes; do
    for run in $(seq 1 "$runs"); do
        exec {out}< <(python3 -c "$holder_source" "$fds" "$threads")
        read -r holder port <&$out
        python3 -c "$client_source" "$port" "$fds"
        read -r _ _ <&$out
        # The clients' FINs arrive asynchronously: wait until the dry run plans every fd.
        for _ in $(seq 1 100); do
            "$tcpdoctor" free-fds --pid "$holder" --json >"$results/plan-$mode-$run.json"
            planned=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["fds"]))' "$results/plan-$mode-$run.json")
            [[ $planned -ge $fds ]] && break
            sleep 0.1
        done
        extra=()
        [[ $mode == placeholder ]] && extra=(--placeholder)
        ask "$port" reset >/dev/null
        start=$(date +%s.%N)
        "$tcpdoctor" free-fds --pid "$holder" --yes --json "${extra[@]}" >"$results/act-$mode-$run.json"
        end=$(date +%s.%N)
        pause=$(ask "$port" gap)
        pong=$(ask "$port" ping)
        doc=$results/act-$mode-$run.json
        printf '| %s | %s | %s | %s → %s | %.3f s | %.3f s | %.3f s | %s |\n' "$mode" "$planned" "$(field "$doc" freed)" \
            "$(field "$doc" fds_before)" "$(field "$doc" fds_after)" "$(field "$doc" stopped_seconds)" "$pause" \
            "$(echo "$end - $start" | bc)" "$pong"
        kill -KILL "$holder"; holder=""
        exec {out}<&-
    done
done
