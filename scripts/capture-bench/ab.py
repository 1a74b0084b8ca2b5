#!/usr/bin/env python3
"""Two tcpdoctor builds against tshark in interleaved rounds, on one capture.

Usage: scripts/capture-bench/ab.py CAPTURE BEFORE_BINARY AFTER_BINARY [ROUNDS]

Each round runs `tshark -q -z conv,tcp -r CAPTURE` once, then each build's `capture CAPTURE` five
times, all pinned to CPU 1 with taskset and output to /dev/null; a round's ratio is tshark's time
over the median of the build's five. Prints every round and the median ratio per build.
"""
import statistics
import subprocess
import sys
import time


def run(command):
    start = time.perf_counter()
    subprocess.run(["taskset", "-c", "1"] + command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    capture, builds = sys.argv[1], {"before": sys.argv[2], "after": sys.argv[3]}
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    ratios = {name: [] for name in builds}
    for number in range(rounds):
        tshark = run(["tshark", "-q", "-z", "conv,tcp", "-r", capture])
        for name, binary in builds.items():
            median = statistics.median(run([binary, "capture", capture]) for _ in range(5))
            ratios[name].append(tshark / median)
            print(f"round {number + 1} {name}: tshark {tshark:.3f} s, tcpdoctor {median * 1e3:.1f} ms, {tshark / median:.1f}x", flush=True)
    for name, values in ratios.items():
        print(f"{name}: median ratio {statistics.median(values):.1f}x")


if __name__ == "__main__":
    main()
