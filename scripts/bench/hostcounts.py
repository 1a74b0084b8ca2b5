#!/usr/bin/env python3
"""Count what the benchmark's load amounts to on this host: TCP sockets by state, socket fds, owners.

Used by populate.py for its READY line and by run.sh before and after timing, so BENCHMARKS.md shows
the load the tools really saw. Run alone, it prints the counts as JSON.
"""

import json
import os
import subprocess
import sys

# /proc/net/tcp "st" field (the kernel's TCP_* numbering) to netstat names.
TCP_STATES = {
    1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
    6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING",
}


def process_ids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def tcp_table():
    """Per-state counts and the inode set of /proc/net/tcp and tcp6."""
    states, inodes, total = {}, set(), 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if len(fields) < 10:
                        continue
                    total += 1
                    name = TCP_STATES.get(int(fields[3], 16), fields[3])
                    states[name] = states.get(name, 0) + 1
                    if fields[9] != "0":
                        inodes.add(int(fields[9]))
        except FileNotFoundError:
            pass
    return total, states, inodes


def socket_fds(tcp_inodes):
    """Count socket fds under /proc/*/fd: all sockets, TCP ones, and TCP sockets with 2+ owners."""
    all_sockets = tcp_fds = 0
    owners = {}
    for pid in process_ids():
        directory = f"/proc/{pid}/fd"
        try:
            names = os.listdir(directory)
        except OSError:
            continue  # vanished, or a kernel thread
        for name in names:
            try:
                target = os.readlink(f"{directory}/{name}")
            except OSError:
                continue
            if target.startswith("socket:["):
                all_sockets += 1
                inode = int(target[8:-1])
                if inode in tcp_inodes:
                    tcp_fds += 1
                    holders = owners.setdefault(inode, set())
                    holders.add(pid)
    shared = sum(1 for pids in owners.values() if len(pids) > 1)
    return all_sockets, tcp_fds, shared


def sockstat_tcp():
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                fields = line.split()[1:]
                return {fields[i]: int(fields[i + 1]) for i in range(0, len(fields) - 1, 2)}
    return {}


def ss_summary_tcp():
    try:
        out = subprocess.run(["ss", "-s"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"ss -s failed: {error}"
    return next((line.strip() for line in out.splitlines() if line.startswith("TCP:")), "")


def listen_drops():
    """TcpExt ListenOverflows and ListenDrops: non-zero growth means a SYN was dropped."""
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for header, values in zip(lines, lines[1:]):
        if header.startswith("TcpExt:") and values.startswith("TcpExt:"):
            table = dict(zip(header.split()[1:], (int(v) for v in values.split()[1:])))
            return table.get("ListenOverflows", 0) + table.get("ListenDrops", 0)
    return 0


def measure():
    total, states, inodes = tcp_table()
    all_sockets, tcp_fds, shared = socket_fds(inodes)
    return {
        "tcp_sockets": total,
        "states": dict(sorted(states.items(), key=lambda kv: -kv[1])),
        "socket_fds": all_sockets,
        "tcp_socket_fds": tcp_fds,
        "shared_tcp_sockets": shared,
        "processes": len(process_ids()),
        "sockstat_tcp": sockstat_tcp(),
        "ss_s_tcp": ss_summary_tcp(),
    }


if __name__ == "__main__":
    json.dump(measure(), sys.stdout, indent=2)
    print()
