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
"""
import json
import subprocess
import sys
import time

output, core, rounds, repeat, capture, tcpdoctor = sys.argv[1:7]
PEERS = {
    "tcptrace -n": ["tcptrace", "-n", capture],
    "tshark -q -z conv,tcp": ["tshark", "-q", "-z", "conv,tcp", "-r", capture],
}


def timed(command):
    start = time.perf_counter()
    subprocess.run(["taskset", "-c", core] + command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    return time.perf_counter() - start


results = []
for _ in range(int(rounds)):
    result = {name: timed(command) for name, command in PEERS.items()}
    timed([tcpdoctor, "capture", capture])
    result["tcpdoctor capture"] = [timed([tcpdoctor, "capture", capture]) for _ in range(int(repeat))]
    results.append(result)
with open(output, "w") as handle:
    json.dump({"capture": capture, "core": int(core), "rounds": results}, handle, indent=1)
