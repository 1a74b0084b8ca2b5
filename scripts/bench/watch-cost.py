#!/usr/bin/env python3
"""Summarises `tcpdoctor watch --json` NDJSON: CPU per refresh after the first (median, max), how
many refreshes were incremental, and how late each frame was drawn after its tick.

The tick of refresh k is estimated as the first refresh's `taken_at` plus k intervals (watch ticks
on the monotonic clock from its start), and a frame is drawn when its refresh ends (`taken_at`
plus the refresh's wall time). Prints one markdown list item.
"""
import json
import statistics
import sys

frames = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
if len(frames) < 2:
    sys.exit("fewer than two refreshes")
later = frames[1:]
cpu = [f["cost"]["cpu_seconds"] for f in later]
kinds = [f["cost"]["refresh"] for f in later]
interval = frames[0]["interval_seconds"]
start = frames[0]["taken_at"]
late = [f["taken_at"] + f["cost"]["wall_seconds"] - (start + k * interval) for k, f in enumerate(frames)]
print(
    f"- watch --interval {interval:g} on the loaded host, {len(later)} refreshes after the first: CPU per refresh "
    f"median {statistics.median(cpu):.3f} s, max {max(cpu):.3f} s ({kinds.count('incremental')} incremental, "
    f"{kinds.count('full')} full); first refresh {frames[0]['cost']['cpu_seconds']:.3f} s; frame drawn after its "
    f"tick: median {statistics.median(late[1:]):.3f} s, max {max(late[1:]):.3f} s; skipped ticks "
    f"{frames[-1].get('skipped_ticks', 0)}"
)
