#!/usr/bin/env python3
"""Times tcpdoctor and its peers on one capture in interleaved rounds, for ratios that hold.

Usage: rounds.py OUTPUT.json CORE ROUNDS REPEAT CAPTURE TCPDOCTOR

Each round runs every peer once, then `tcpdoctor capture` once untimed (a warm-up, as in
hyperfine's blocks: the first run after tshark had touched half a gigabyte was among the slowest of
its round) and REPEAT times timed, one after the other, each pinned to CORE with output to
/dev/null. A ratio is taken within a round (the peer's time over the median of tcpdoctor's runs in
that round), so that both sides of it ran under the same conditions: on a shared virtual machine
the speed of everything drifts by a third over minutes, and ratios of medians taken minutes apart
came out at 42x, 53x and 67x for code that differed by 0.6% of its instructions. report.py gives
the median of the rounds' ratios and their range.

Each run's CPU time (user + system, from wait4) is kept beside its wall time, and each round
records the share of the pinned core's time the hypervisor gave to other guests (steal, from
/proc/stat): a run's wall time counts the moments its virtual CPU did not run, its CPU time does not.
"""
import json
import os
import subprocess
import sys
import time

output, core, rounds, repeat, capture, tcpdoctor = sys.argv[1:7]
PEERS = {
    "tcptrace -n": ["tcptrace", "-n", capture],
    "tshark -q -z conv,tcp": ["tshark", "-q", "-z", "conv,tcp", "-r", capture],
}


def timed(command, cpu):
    """Runs `command` pinned to the core; returns its wall time, appends its CPU time to `cpu`."""
    start = time.perf_counter()
    child = subprocess.Popen(["taskset", "-c", core] + command, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, command)
    cpu.append(usage.ru_utime + usage.ru_stime)
    return wall


def core_ticks():
    """(steal, total) clock ticks of the pinned core so far."""
    with open("/proc/stat") as handle:
        for line in handle:
            fields = line.split()
            if fields[0] == f"cpu{core}":
                values = [int(value) for value in fields[1:]]
                return values[7], sum(values[:8])
    return 0, 0


results = []
for _ in range(int(rounds)):
    steal_before, total_before = core_ticks()
    cpu = {}
    result = {name: timed(command, cpu.setdefault(name, [])) for name, command in PEERS.items()}
    timed([tcpdoctor, "capture", capture], [])
    runs = cpu.setdefault("tcpdoctor capture", [])
    result["tcpdoctor capture"] = [timed([tcpdoctor, "capture", capture], runs) for _ in range(int(repeat))]
    steal_after, total_after = core_ticks()
    result["cpu"] = {name: values if name.startswith("tcpdoctor") else values[0] for name, values in cpu.items()}
    result["steal"] = (steal_after - steal_before) / max(1, total_after - total_before)
    results.append(result)
with open(output, "w") as handle:
    json.dump({"capture": capture, "core": int(core), "rounds": results}, handle, indent=1)
