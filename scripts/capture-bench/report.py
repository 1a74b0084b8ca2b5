#!/usr/bin/env python3
"""Writes the capture section of BENCHMARKS.md from the files scripts/capture-bench/run.sh leaves.

Usage: report.py DIR BENCHMARKS.md LOAD_BEFORE LOAD_AFTER CORE BULK_MB

Replaces what lies between <!-- capture:start --> and <!-- capture:end --> (or appends the
section, creating the file if needed); the rest of the file belongs to other scripts.
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import time

directory, path, load_before, load_after, core, bulk_mb = sys.argv[1:7]
START, END = "<!-- capture:start -->", "<!-- capture:end -->"

CAPTURES = {
    "mixed": "mixed: 50k connections over every close pattern, 256 being set up or torn down at once",
    "bulk-gso": f"bulk, {bulk_mb} MB in 65160-byte segments (segmentation offload, as on lo)",
    "bulk-mtu": f"bulk, {bulk_mb} MB in 1448-byte segments (one per Ethernet frame)",
}
TOOLS = ["tcpdoctor capture", "tcpdoctor capture --json", "tcptrace -n", "tshark -q -z conv,tcp"]


def load(name):
    with open(os.path.join(directory, name)) as handle:
        return handle.read().split("\n")


def results(capture):
    found = {}
    for kind in ("tcpdoctor", "peers"):
        with open(os.path.join(directory, f"{capture}-{kind}.json")) as handle:
            for result in json.load(handle)["results"]:
                found[result["command"]] = result
    return found


counts = {}
for line in load("counts.txt"):
    if line:
        name, packets, captured, connections, peak = line.split("|")
        counts[name] = (int(packets), int(captured), int(connections), int(peak))
rss = {}
for line in load("rss.txt"):
    if line:
        name, tool, kilobytes = line.split("|")
        rss[(name, tool)] = int(kilobytes)
memory = {}
for line in load("memory.txt"):
    if line:
        name, kilobytes, peak = line.split("|")
        memory[name] = (int(kilobytes), int(peak))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def interleaved(capture):
    """Per peer, the ratios of the interleaved rounds (rounds.py), or None without that file."""
    name = os.path.join(directory, f"{capture}-rounds.json")
    if not os.path.exists(name):
        return None
    with open(name) as handle:
        rounds = json.load(handle)["rounds"]
    ratios, cpu_ratios, steal = {}, {}, []
    for round_ in rounds:
        base = statistics.median(round_["tcpdoctor capture"])
        for tool, value in round_.items():
            if tool not in ("tcpdoctor capture", "cpu", "steal"):
                ratios.setdefault(tool, []).append(value / base)
        # CPU time and steal: recorded by rounds.py since 2026-11-22.
        if "cpu" in round_:
            cpu_base = statistics.median(round_["cpu"]["tcpdoctor capture"])
            for tool, value in round_["cpu"].items():
                if tool != "tcpdoctor capture":
                    cpu_ratios.setdefault(tool, []).append(value / cpu_base)
            steal.append(round_["steal"])
    runs = [value for round_ in rounds for value in round_["tcpdoctor capture"]]
    return ratios, len(rounds), statistics.median(runs), cpu_ratios, steal


def mean_of(value):
    """hyperfine's `user` and `system`: a mean, or per-run values in some versions."""
    return sum(value) / len(value) if isinstance(value, list) else value


def seconds(value):
    return f"{value:.3f} s" if value >= 0.1 else f"{value * 1000:.1f} ms"


lines = [
    START,
    "## Capture analysis: `tcpdoctor capture`",
    "",
    f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {cpu_model()}, "
    f"{os.cpu_count()} cores shared with other work (load average {load_before} before, "
    f"{load_after} after); release build; every tool pinned to core {core} (`taskset -c {core}`), "
    "output to /dev/null, warm page cache. Wall time is hyperfine's median over 30 runs for "
    "tcpdoctor and 3 for its peers, with the mean ± σ and the fastest run beside it; CPU is the mean "
    "user + system time. Throughput and the ratios in the tables are over the median: on this "
    "virtual machine the same binary's runs spread by a third (memory and cache shared with other "
    "tenants), and the median is the figure such spikes move least. The speed of the whole machine "
    "also drifts over minutes, and a peer's three runs come minutes after tcpdoctor's thirty: the "
    "ratio targets are therefore judged on interleaved rounds (below the mixed table), where each "
    "ratio compares runs made one after the other.",
    "",
    "Produced by `scripts/capture-bench/run.sh` (captures written by "
    "`scripts/capture-bench/Generator` with the package's `SegmentCaptureWriter`).",
    "",
    "How tcpdoctor reads a file decides part of its peak RSS: every capture file is read with "
    "pread(2) in 256 KiB chunks, growing to the largest record, so nothing of the file stays "
    "resident (it is never memory-mapped: a file truncated while mapped would kill the process "
    "with SIGBUS). What grows with the connections is measured separately below.",
    "",
]
targets = []
for capture, title in CAPTURES.items():
    packets, captured, connections, peak = counts[capture]
    size = os.path.getsize(os.path.join(directory, f"{capture}.pcap")) if os.path.exists(
        os.path.join(directory, f"{capture}.pcap")) else captured
    found = results(capture)
    lines += [
        f"### {title}",
        "",
        f"{packets:,} packets, {connections:,} connections, {size / 1e9:.2f} GB "
        f"({captured / 1e9:.2f} GB captured bytes); at most {peak:,} connections open at once.",
        "",
        "| tool | wall (median) | mean ± σ | fastest | CPU | packets/s | GB/s | peak RSS "
        "| tcpdoctor is faster by |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    base = found["tcpdoctor capture"]["median"]
    for tool in TOOLS:
        result = found[tool]
        median, mean, deviation = result["median"], result["mean"], result["stddev"] or 0.0
        cpu = mean_of(result["user"]) + mean_of(result["system"])
        ratio = "" if tool.startswith("tcpdoctor") else f"{median / base:.1f}x"
        lines.append(
            f"| `{tool}` | {seconds(median)} | {seconds(mean)} ± {seconds(deviation)} | "
            f"{seconds(result['min'])} | {seconds(cpu)} | "
            f"{packets / median / 1e6:.2f} M | {size / median / 1e9:.2f} | "
            f"{rss.get((capture, tool), 0) / 1024:.0f} MB | {ratio} |"
        )
    lines.append("")
    rounds = interleaved(capture)
    if rounds:
        ratios, count, tcpdoctor_median, cpu_ratios, steal = rounds
        lines += [
            f"Interleaved: {count} rounds, each running every peer once and then `tcpdoctor capture` "
            "once as a warm-up and five times timed, so that both sides of a ratio ran under the same "
            "conditions "
            "(`scripts/capture-bench/rounds.py`). A round's ratio is the peer's time over the median of "
            f"tcpdoctor's five; tcpdoctor's median over all {count * 5} runs was "
            f"{seconds(tcpdoctor_median)}.",
            "",
            "| peer | tcpdoctor is faster by (median of the rounds) | lowest round | highest round |",
            "|---|---|---|---|",
        ]
        for tool, values in ratios.items():
            lines.append(f"| `{tool}` | {statistics.median(values):.1f}x | {min(values):.1f}x | {max(values):.1f}x |")
        lines.append("")
        if cpu_ratios:
            lines += [
                "The same rounds in CPU time (user + system of each run, from `wait4`), which leaves out "
                "the moments the virtual CPU did not run: the hypervisor gave "
                f"{statistics.median(steal) * 100:.1f}% of core {core}'s time to other guests in the "
                f"median round ({min(steal) * 100:.1f}% to {max(steal) * 100:.1f}%). The targets are "
                "judged on wall time, above.",
                "",
                "| peer | CPU time ratio (median of the rounds) | lowest round | highest round |",
                "|---|---|---|---|",
            ]
            for tool, values in cpu_ratios.items():
                lines.append(
                    f"| `{tool}` | {statistics.median(values):.1f}x | {min(values):.1f}x | {max(values):.1f}x |"
                )
            lines.append("")
    if capture == "mixed":
        targets.append(("≥ 3 M packets/s on the mixed capture", packets / base / 1e6 >= 3,
                        f"{packets / base / 1e6:.2f} M packets/s"))
        for tool, factor in (("tcptrace -n", 3), ("tshark -q -z conv,tcp", 50)):
            if rounds:
                values = rounds[0][tool]
                ratio = statistics.median(values)
                measured = f"{ratio:.1f}x (interleaved rounds: {min(values):.1f}x to {max(values):.1f}x)"
            else:
                ratio = found[tool]["median"] / base
                measured = f"{ratio:.1f}x"
            targets.append((f"≥ {factor}x faster than `{tool}` (mixed)", ratio >= factor, measured))
    else:
        targets.append((f"≥ 1 GB/s on {capture}", size / base / 1e9 >= 1, f"{size / base / 1e9:.2f} GB/s"))

open_kb, open_peak = memory["open"]
sequential_kb, sequential_peak = memory["sequential"]
per_connection = (open_kb - sequential_kb) * 1024 / max(1, open_peak - sequential_peak)
lines += [
    "### Memory per open connection",
    "",
    f"Two captures of the same 100,000 five-packet connections: one where all stay open to the end "
    f"({open_peak:,} open at once, peak RSS {open_kb / 1024:.0f} MB), one where each ends with a RST "
    f"0.6 s after the last ({sequential_peak:,} open at once, peak RSS {sequential_kb / 1024:.0f} MB). "
    f"The difference per open connection: **{per_connection:.0f} bytes**.",
    "",
]
targets.append(("≤ 1 KB per open connection", per_connection <= 1024, f"{per_connection:.0f} bytes"))
lines += ["### Targets (issue 4)", "", "| target | measured | met |", "|---|---|---|"]
for name, met, measured in targets:
    lines.append(f"| {name} | {measured} | {'yes' if met else 'no'} |")
lines += ["", END]
section = "\n".join(lines) + "\n"

text = ""
if os.path.exists(path):
    with open(path) as handle:
        text = handle.read()
if START in text and END in text:
    before = text.split(START, 1)[0]
    after = text.split(END, 1)[1]
    text = before + section.rstrip("\n") + after
else:
    if text and not text.endswith("\n"):
        text += "\n"
    text += ("\n" if text else "") + section
with open(path, "w") as handle:
    handle.write(text)
print(section)
