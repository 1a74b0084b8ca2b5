#!/usr/bin/env python3
"""Write BENCHMARKS.md from one run.sh results directory, and check the issue's targets.

  report.py RESULTS_DIR OUT.md    write the report
  report.py --check RESULTS_DIR   exit 1 if tcpdoctor was not measured or a target was missed

The inputs are the files run.sh leaves in RESULTS_DIR: manifest.tsv (what was timed), hf-*.json
(hyperfine exports), rss-*.txt (/usr/bin/time -v), ready.json and counts-*.json (the load, from
populate.py and hostcounts.py), probe-* (a first run of each tcpdoctor command), meta.txt.
"""

import json
import os
import sys

MB = 1_000_000

# The targets of issue 2, at 200k TCP sockets, 170k socket fds and ~500 processes.
# (description, tcpdoctor slug, kind, limit, peer slug)
TARGETS = [
    ("`tcpdoctor sockets --json` median ≤ 1.5 s", "td-sockets-json", "max_seconds", 1.5, None),
    ("`tcpdoctor sockets --json` ≥ 10x faster than `ss -tanp`", "td-sockets-json", "min_ratio", 10.0,
     "ss-tanp"),
    ("`tcpdoctor states` median ≤ 0.4 s", "td-states", "max_seconds", 0.4, None),
    ("`tcpdoctor states` faster than `ss -tan`", "td-states", "min_ratio", 1.0, "ss-tan"),
    ("`tcpdoctor sockets state close-wait` median ≤ 0.8 s", "td-close-wait", "max_seconds", 0.8, None),
    ("peak memory ≤ 150 MB, each tcpdoctor command", None, "max_rss", 150 * MB, None),
]


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def load(results):
    """Everything the report needs from the results directory, as one dictionary."""
    meta = {}
    for line in (read_text(os.path.join(results, "meta.txt")) or "").splitlines():
        key, _, value = line.partition("=")
        meta[key] = value
    rows = []
    for line in (read_text(os.path.join(results, "manifest.tsv")) or "").splitlines():
        slug, label, side, runs, _warmup, _ignore, command = line.split("\t", 6)
        row = {"slug": slug, "label": label, "side": side, "command": command}
        export = read_json(os.path.join(results, f"hf-{slug}.json"))
        if export and export.get("results"):
            result = export["results"][0]
            row.update({key: result.get(key) for key in ("median", "mean", "stddev", "min", "max",
                                                        "user", "system")})
            row["runs"] = len(result.get("times", []))
            row["exit_codes"] = sorted(set(result.get("exit_codes") or []))
        rss = read_text(os.path.join(results, f"rss-{slug}.txt"))
        if rss:
            for rss_line in rss.splitlines():
                if "Maximum resident set size" in rss_line:
                    row["max_rss"] = int(rss_line.rsplit(":", 1)[1]) * 1024
        rows.append(row)
    return {
        "meta": meta,
        "rows": {row["slug"]: row for row in rows},
        "order": [row["slug"] for row in rows],
        "ready": read_json(os.path.join(results, "ready.json")) or {},
        "before": read_json(os.path.join(results, "counts-before.json")) or {},
        "after": read_json(os.path.join(results, "counts-after.json")) or {},
        "results": results,
    }


def seconds(value):
    return "–" if value is None else f"{value:.3f} s"


def megabytes(value):
    return "–" if value is None else f"{value / MB:.1f} MB"


def ratio(run, tcpdoctor_slug, peer_slug):
    td, peer = run["rows"].get(tcpdoctor_slug), run["rows"].get(peer_slug)
    if not td or not peer or not td.get("median") or peer.get("median") is None:
        return None
    return peer["median"] / td["median"]


def evaluate(run):
    """Each target with its measured value and whether it was met (None: not measured)."""
    out = []
    for description, slug, kind, limit, peer in TARGETS:
        if kind == "max_rss":
            values = [r.get("max_rss") for r in run["rows"].values() if r["side"] == "tcpdoctor"
                      and r["slug"] != "td-doctor"]
            if not values or None in values:
                out.append((description, "not measured", None))
                continue
            worst = max(values)
            out.append((description, f"{megabytes(worst)} (largest)", worst <= limit))
        elif kind == "max_seconds":
            median = run["rows"].get(slug, {}).get("median")
            out.append((description, seconds(median) if median is not None else "not measured",
                        None if median is None else median <= limit))
        else:
            value = ratio(run, slug, peer)
            out.append((description, f"{value:.1f}x" if value is not None else "not measured",
                        None if value is None else value >= limit if limit > 1 else value > limit))
    return out


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def load_lines(run):
    ready, before, after = run["ready"], run["before"], run["after"]
    lines = []
    if ready:
        states = ready.get("states", {})
        lines.append(
            f"- Populated by `scripts/bench/populate.py` in {ready.get('populate_seconds')} s: "
            f"**{ready.get('tcp_sockets'):,} TCP sockets** ({states.get('ESTABLISHED', 0):,} ESTABLISHED, "
            f"{states.get('CLOSE_WAIT', 0):,} CLOSE_WAIT, {states.get('FIN_WAIT2', 0):,} orphaned FIN_WAIT2, "
            f"{states.get('LISTEN', 0)} LISTEN), **{ready.get('socket_fds'):,} socket fds** "
            f"({ready.get('tcp_socket_fds'):,} of them TCP; {ready.get('shared_tcp_sockets')} sockets "
            f"with 2 owners), **{ready.get('processes')} processes** ({ready.get('holders')} holders, "
            f"{ready.get('idle_processes')} idle ones with a pipe and a file each). All on loopback, "
            f"in the host's network namespace; {ready.get('listen_drops')} SYNs dropped while "
            f"populating.")
    for name, counts in (("Before timing", before), ("After timing", after)):
        if counts:
            lines.append(f"- {name}: {counts.get('tcp_sockets'):,} TCP sockets, "
                         f"{counts.get('tcp_socket_fds'):,} TCP socket fds, "
                         f"{counts.get('processes')} processes; `ss -s`: `{counts.get('ss_s_tcp')}`")
    return lines


def sanity_line(run):
    """What tcpdoctor's own JSON said it saw, next to the load, so a fast wrong answer shows."""
    probe = os.path.join(run["results"], "probe-td-sockets-json.out")
    document = read_json(probe)
    if document is None:
        return None
    sockets = document.get("sockets") if isinstance(document, dict) else None
    if not isinstance(sockets, list):
        return "- `tcpdoctor sockets --json` output has no \"sockets\" list."
    owned = sum(1 for s in sockets if isinstance(s, dict) and s.get("owners"))
    states = run['ready'].get('states', {})
    # Orphaned FIN_WAIT2 and TIME_WAIT sockets have no file, so no owner.
    fileless = states.get('FIN_WAIT2', 0) + states.get('TIME_WAIT', 0)
    total = run['ready'].get('tcp_sockets', 0)
    return (f"- `tcpdoctor sockets --json` listed {len(sockets):,} sockets, {owned:,} of them with "
            f"owners (the host had {total:,}, of which {total - fileless:,} are not orphaned FIN_WAIT2 "
            f"or TIME_WAIT and can have an fd).")


def busy_note(run):
    """A warning when other work shared the CPUs: wall times then exceed what the tools cost."""
    text = read_text(os.path.join(run["results"], "busy-before.txt")) or ""
    try:
        busy = float(text.strip())
    except ValueError:
        return None
    if busy <= 20:
        return None
    return (f"**The machine was busy**: other work used {busy:.0f}% of the CPUs in the 3 s before "
            "timing; wall times are inflated and noisy, and the CPU column is the steadier comparison.")


def render(run):
    meta, rows = run["meta"], run["rows"]
    memory_gb = int(meta.get("memory_kb", "0") or 0) / 1024 / 1024
    out = ["# Benchmarks", "",
           "tcpdoctor's live snapshot against the tools operators use today, timed in the same run on a",
           "host loaded like a busy server. Produced by:", "",
           "```sh", meta.get("invocation", "bash scripts/bench/run.sh"), "```", "",
           "## Machine", "",
           f"- {meta.get('nproc')} CPUs ({meta.get('cpu')}), {memory_gb:.1f} GiB memory, "
           f"{meta.get('kernel')}",
           f"- {meta.get('date')}, tcpdoctor commit {meta.get('commit')}"
           + (f" plus uncommitted changes to {meta.get('dirty')} tracked file(s)"
              if meta.get("dirty", "0") not in ("", "0") else ""),
           f"- {meta.get('hyperfine')}; {meta.get('ss')}; {meta.get('netstat')}; {meta.get('lsof')}; "
           f"psutil {meta.get('psutil')}"]
    load_before = read_text(os.path.join(run["results"], "load-before.txt"))
    if load_before:
        out.append(f"- Load average before timing: {load_before.strip().split('load average:')[-1].strip()}")
    busy_before = (read_text(os.path.join(run["results"], "busy-before.txt")) or "").strip()
    if busy_before:
        out.append(f"- CPU used by other work in the 3 s before timing: {busy_before}%")
    out += ["", "## Load", ""] + load_lines(run)
    sanity = sanity_line(run)
    if sanity:
        out.append(sanity)

    out += ["", "## Results", "",
            "Wall-clock times from hyperfine (output to /dev/null); CPU is the mean user+system time of",
            "the same runs; peak memory is the maximum resident set size from `/usr/bin/time -v`, one",
            "extra run.", ""]
    busy = busy_note(run)
    if busy:
        out += [busy, ""]
    body = []
    for slug in run["order"]:
        row = rows[slug]
        spread = (f"{row['mean']:.3f} ± {row['stddev'] or 0:.3f} s" if row.get("mean") is not None else "–")
        extremes = (f"{row['min']:.3f} … {row['max']:.3f} s" if row.get("min") is not None else "–")
        note = ""
        if row.get("exit_codes") and row["exit_codes"] != [0]:
            note = f" (exit {', '.join(map(str, row['exit_codes']))})"
        cpu = (f"{row['user'] + row['system']:.3f} s" if row.get("user") is not None
               and row.get("system") is not None else "–")
        body.append([f"`{row['label']}`{note}", row.get("runs", "–"), f"**{seconds(row.get('median'))}**",
                     spread, extremes, cpu, megabytes(row.get("max_rss"))])
    skip = meta.get("skip_reason")
    if skip:
        body.append(["tcpdoctor (all commands)", "–", "not measured", "–", "–", "–", "–"])
    elif os.path.exists(os.path.join(run["results"], "doctor-skipped")):
        body.append(["`tcpdoctor doctor`", "–", "not measured", "–", "–", "–", "no such subcommand yet"])
    out.append(table(["command", "runs", "median", "mean ± σ", "min … max", "CPU (user+sys, mean)",
                      "peak memory"], body))
    if skip:
        out += ["", f"**tcpdoctor was not measured:** {skip}"]

    td_slugs = [s for s in run["order"] if rows[s]["side"] == "tcpdoctor"]
    peer_slugs = [s for s in run["order"] if rows[s]["side"] == "peer"]
    if td_slugs and peer_slugs:
        out += ["", "### Speed-up (peer median / tcpdoctor median)", ""]
        ratio_rows = []
        for td in td_slugs:
            cells = []
            for peer in peer_slugs:
                value = ratio(run, td, peer)
                cells.append("–" if value is None else f"{value:.1f}x")
            ratio_rows.append([f"`{rows[td]['label']}`"] + cells)
        out.append(table(["tcpdoctor"] + [f"`{rows[p]['label']}`" for p in peer_slugs], ratio_rows))

    out += ["", "## Targets (issue 2)", ""]
    verdicts = []
    for description, measured, met in evaluate(run):
        verdicts.append([description, measured, "–" if met is None else ("met" if met else "**missed**")])
    out.append(table(["target", "measured", ""], verdicts))
    out += ["", "Raw hyperfine exports (JSON, markdown) and logs: `" + run["results"] + "` on the machine",
            f"that ran it; the whole run took {meta.get('elapsed', '?')} s.", ""]
    return "\n".join(out)


def main(argv):
    if len(argv) == 3 and argv[1] == "--check":
        run = load(argv[2])
        verdicts = evaluate(run)
        failed = [d for d, _, met in verdicts if met is not True]
        for description in failed:
            print(f"report: not met or not measured: {description}", file=sys.stderr)
        return 1 if failed or run["meta"].get("skip_reason") else 0
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    run = load(argv[1])
    if not run["rows"]:
        print(f"report: no manifest.tsv in {argv[1]}", file=sys.stderr)
        return 2
    text = render(run)
    # BENCHMARKS.md is shared with the capture benchmark, which owns the block between its
    # markers: keep that block as it is.
    try:
        with open(argv[2]) as f:
            old = f.read()
        start, end = old.find("<!-- capture:start -->"), old.find("<!-- capture:end -->")
        if start >= 0 and end > start:
            text = text.rstrip("\n") + "\n\n" + old[start:end + len("<!-- capture:end -->")] + "\n"
    except FileNotFoundError:
        pass
    tmp = argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
