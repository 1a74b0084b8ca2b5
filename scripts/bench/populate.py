#!/usr/bin/env python3
"""Populate this host's network namespace with a busy-server TCP load on loopback, hold it, clean up.

The load is the one tcpdoctor's performance targets are set against (issue 2, DESIGN.md
"Performance"): about 200,000 TCP sockets, 170,000 socket fds and ~500 processes.

  * Holder processes (comm "bench-holder"), each with a listener on 127.1.<n>.1 that it connects to
    from 127.2.<n>.x and accepts, so it holds both ends of every connection: 2 fds per ESTABLISHED
    pair. Some of its connections are half-closed: the client end is closed, becoming an orphaned
    FIN_WAIT2 socket (no fd), while the accepted end stays CLOSE_WAIT holding its fd.
  * One sharer (comm "bench-sharer") with a few hundred sockets on ::1 (127.3.0.1 without IPv6),
    which forks a child ("bench-sharekid") after connecting, so every one of them has two owners.
  * Idle processes ("sleep infinity", argv[0] "bench-idle") holding a pipe and a file each, so a
    /proc walk sees ~500 processes.

Safety:
  * Only loopback addresses (127.0.0.0/8, ::1) are ever bound or connected to.
  * Client ports are bound explicitly below the ephemeral range, so other programs' bind(port 0) and
    connect() on this host are not starved of ports.
  * Every socket except the half-closed clients has SO_LINGER {on, 0}: when a holder exits, for
    whatever reason, its sockets are reset rather than left in TIME_WAIT or FIN_WAIT.
  * Orphaned FIN_WAIT2 sockets live net.ipv4.tcp_fin_timeout seconds; the script raises it for its
    lifetime (and tcp_max_orphans if needed), saves the old values in a state file first and restores
    them on every exit path it can see (SIGTERM, SIGINT, SIGHUP, errors). After a SIGKILL the
    children die too (PR_SET_PDEATHSIG), and `populate.py --stop` (or the next run) restores the
    sysctls from the state file.
  * A lock (flock) makes a second run refuse while one is running or its processes are alive.

Usage:
  populate.py [--ready-file FILE]   populate, print a READY line, hold until SIGTERM/SIGINT
  populate.py --stop                stop a running instance (if any) and undo what it left behind

Exit codes: 0 stopped cleanly (or --stop done), 2 failed (message on stderr), 3 already running,
128+N stopped by signal N after cleaning up.
"""

import argparse
import ctypes
import errno
import fcntl
import json
import math
import os
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

from hostcounts import listen_drops, measure, process_ids

STATE_DIR = os.environ.get("TCPDOCTOR_BENCH_STATE_DIR", "/run/tcpdoctor-bench")
LOCK_PATH = os.path.join(STATE_DIR, "lock")
PID_PATH = os.path.join(STATE_DIR, "populate.pid")
STATE_PATH = os.path.join(STATE_DIR, "state.json")
READY_PATH = os.path.join(STATE_DIR, "ready.json")

FIN_TIMEOUT = "net.ipv4.tcp_fin_timeout"
MAX_ORPHANS = "net.ipv4.tcp_max_orphans"
SOMAXCONN = "net.core.somaxconn"
MAX_SYN_BACKLOG = "net.ipv4.tcp_max_syn_backlog"

LISTEN_PORT = 31999  # below the ephemeral range, on addresses nobody else uses
CLIENT_PORT_FIRST = 10000  # client ports are bound explicitly in [first, last]
CLIENT_PORT_LAST = 31990
LINGER_RESET = struct.pack("ii", 1, 0)  # SO_LINGER {on, 0}: close() resets, no TIME_WAIT

PR_SET_NAME = 15
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
LIBC = ctypes.CDLL(None, use_errno=True)



def log(message):
    print(f"populate [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class PopulateError(Exception):
    """A failure with a message that says what to do next."""

    exit_code = 2


class AlreadyRunning(PopulateError):
    """Another instance holds the lock: exit 3, so run.sh knows not to stop it."""

    exit_code = 3


# ---------------------------------------------------------------------------------------------
# sysctls and the state file


def sysctl_path(name):
    return "/proc/sys/" + name.replace(".", "/")


def read_sysctl(name):
    with open(sysctl_path(name)) as f:
        return f.read().strip()


def write_sysctl(name, value):
    with open(sysctl_path(name), "w") as f:
        f.write(str(value))


def load_state():
    try:
        with open(STATE_PATH) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise PopulateError(f"cannot read state file {STATE_PATH}: {error}; inspect and remove it")


def save_state(state):
    tmp = STATE_PATH + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, STATE_PATH)


def set_sysctl_saved(state, name, value):
    """Raise a sysctl for the run, recording its old value in the state file before touching it."""
    old = read_sysctl(name)
    if old == str(value):
        return
    state["sysctls"].setdefault(name, old)
    save_state(state)
    write_sysctl(name, value)
    log(f"{name}: {old} -> {value} (restored on exit)")


def restore_sysctls(state):
    """Put back every sysctl recorded in the state; keep the state file if any write fails."""
    failed = []
    for name, old in state.get("sysctls", {}).items():
        try:
            if read_sysctl(name) != old:
                write_sysctl(name, old)
                log(f"{name}: restored to {old}")
        except OSError as error:
            failed.append(f"{name}={old} ({error})")
    if failed:
        log("could not restore " + ", ".join(failed) + f"; state kept in {STATE_PATH}")
        return False
    return True


def process_is_ours(pid, marker):
    """Whether pid is still a process of ours (its cmdline names marker), not a reused pid."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
        with open(f"/proc/{pid}/comm", "rb") as f:
            comm = f.read()
        with open(f"/proc/{pid}/stat", "rb") as f:
            zombie = f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False
    return not zombie and (marker.encode() in cmdline or marker.encode() in comm)


def recover(state):
    """Undo what a dead instance left behind: stray children and raised sysctls."""
    for pid in state.get("children", []):
        if process_is_ours(pid, "bench-") or process_is_ours(pid, "populate.py"):
            try:
                os.kill(pid, signal.SIGKILL)
                log(f"killed leftover process {pid}")
            except ProcessLookupError:
                pass
    if restore_sysctls(state):
        for path in (STATE_PATH, PID_PATH, READY_PATH):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


def take_lock():
    """The instance lock; None when another instance (or a process it left) holds it."""
    fd = os.open(LOCK_PATH, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def running_pid():
    try:
        with open(PID_PATH) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def stop_instance(timeout):
    """Stop a running instance (SIGTERM, then SIGKILL) and recover what it left; idempotent."""
    os.makedirs(STATE_DIR, exist_ok=True)
    lock = take_lock()
    if lock is None:
        pid = running_pid()
        if pid is not None and process_is_ours(pid, "populate.py"):
            log(f"stopping populate.py pid {pid}")
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while lock is None and time.monotonic() < deadline:
            time.sleep(0.2)
            lock = take_lock()
        if lock is None and pid is not None and process_is_ours(pid, "populate.py"):
            log(f"pid {pid} did not stop in {timeout:.0f} s; killing it")
            os.kill(pid, signal.SIGKILL)
            time.sleep(1)
        state = load_state()
        if state is not None:
            recover(state)  # children die with SIGKILL too; this catches stragglers
        lock = lock if lock is not None else take_lock()
        if lock is None:
            raise PopulateError(f"{LOCK_PATH} is still held; see `fuser {LOCK_PATH}`")
    state = load_state()
    if state is not None:
        recover(state)
    os.close(lock)


# ---------------------------------------------------------------------------------------------
# processes


def set_process_name(name):
    LIBC.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)


def die_with_parent(parent_pid):
    """Ask for SIGKILL when the parent dies, so a killed supervisor never leaves its load behind."""
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


def ipv6_loopback_available():
    try:
        with open("/proc/net/if_inet6") as f:
            if not any(line.split()[0] == "0" * 31 + "1" for line in f if line.strip()):
                return False
        probe = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        probe.bind(("::1", 0))
        probe.close()
        return True
    except OSError:
        return False


class PortAllocator:
    """Client addresses and ports on loopback: explicit binds, skipping any that are taken."""

    def __init__(self, family, addresses):
        self.family = family
        self.addresses = addresses
        self.address_index = 0
        self.port = CLIENT_PORT_FIRST

    def bind(self, sock):
        while True:
            if self.port > CLIENT_PORT_LAST:
                self.address_index += 1
                self.port = CLIENT_PORT_FIRST
                if self.address_index >= len(self.addresses):
                    raise PopulateError("ran out of client addresses; raise the address count")
            address = (self.addresses[self.address_index], self.port)
            self.port += 1
            try:
                sock.bind(address)
                return
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    raise


def make_pairs(listener, ports, family, count, batch, half_closed, keep):
    """Connect count clients to listener and accept them, in batches below the backlog.

    Blocking connects on loopback complete the handshake at once, and each connection waits in the
    accept queue until accepted: a batch no larger than the backlog means no SYN is ever dropped (a
    dropped SYN would stall connect() for a 1 s retransmission). Accepted ends always reset on close;
    clients too, except half-closed ones, which close with a FIN and become orphaned FIN_WAIT2.
    """
    target = listener.getsockname()[:2]
    done = 0
    while done < count:
        n = min(batch, count - done)
        clients = []
        for _ in range(n):
            client = socket.socket(family, socket.SOCK_STREAM)
            if not half_closed:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            ports.bind(client)
            client.connect(target)
            clients.append(client)
        for _ in range(n):
            server, _ = listener.accept()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            keep.append(server)
        if half_closed:
            for client in clients:
                client.close()
        else:
            keep.extend(clients)
        done += n


def open_listener(family, address, backlog):
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
    listener.bind((address, LISTEN_PORT))
    listener.listen(backlog)
    return listener


def hold_forever():
    while True:
        signal.pause()


def child_entry(name, parent_pid, report_fd, work):
    """Run work() in a forked child, report one JSON line on report_fd, then hold until killed."""
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        set_process_name(name)
        die_with_parent(parent_pid)
        report, held = work()  # held: the sockets, kept referenced while the process lives
        os.write(report_fd, (json.dumps(report) + "\n").encode())
        hold_forever()
        del held
    except BaseException as error:  # a child never returns into the supervisor's code
        try:
            os.write(report_fd, (json.dumps({"error": f"{name}: {error!r}"}) + "\n").encode())
        except OSError:
            pass
    os._exit(1)


def holder_work(index, established, half_closed, batch, backlog):
    keep = []
    listener = open_listener(socket.AF_INET, f"127.1.{index + 1}.1", backlog)
    addresses = [f"127.2.{index + 1}.{k}" for k in range(1, 255)]
    ports = PortAllocator(socket.AF_INET, addresses)
    make_pairs(listener, ports, socket.AF_INET, established, batch, False, keep)
    make_pairs(listener, ports, socket.AF_INET, half_closed, batch, True, keep)
    report = {"role": "holder", "pid": os.getpid(), "established": established,
              "half_closed": half_closed}
    return report, (listener, keep)


def sharer_work(pairs, batch, backlog, report_fd):
    keep = []
    if ipv6_loopback_available():
        family, listen_address, client_addresses = socket.AF_INET6, "::1", ["::1"]
    else:
        family, listen_address, client_addresses = socket.AF_INET, "127.3.0.1", ["127.3.0.2"]
    listener = open_listener(family, listen_address, backlog)
    make_pairs(listener, PortAllocator(family, client_addresses), family, pairs, batch, False, keep)
    me = os.getpid()
    kid = os.fork()
    if kid == 0:
        # The kid inherits every socket: each now has two owners, as after a server's fork().
        child_entry("bench-sharekid", me, report_fd,
                    lambda: ({"role": "sharekid", "pid": os.getpid(), "shared": 2 * pairs + 1}, None))
    report = {"role": "sharer", "pid": me, "kid": kid, "established": pairs,
              "family": "ipv6" if family == socket.AF_INET6 else "ipv4"}
    return report, (listener, keep)


def spawn_idle(count, supervisor_pid, scratch_dir):
    """Start count `sleep infinity` processes, each holding a pipe and an open file."""
    def pre_exec():
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != supervisor_pid:
            os._exit(1)

    sleep = "/bin/sleep" if os.path.exists("/bin/sleep") else "/usr/bin/sleep"
    scratch = os.path.join(scratch_dir, "idle-file")
    with open(scratch, "w") as f:
        f.write("tcpdoctor benchmark idle process file\n")
    processes = []
    for _ in range(count):
        read_end, write_end = os.pipe()
        file_fd = os.open(scratch, os.O_RDONLY)
        try:
            processes.append(subprocess.Popen(
                ["bench-idle", "infinity"], executable=sleep, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(read_end, write_end, file_fd), preexec_fn=pre_exec))
        finally:
            os.close(read_end)
            os.close(write_end)
            os.close(file_fd)
    return processes


# ---------------------------------------------------------------------------------------------
# the supervisor


class Supervisor:
    """Plans the load, forks the holders, spawns the idle processes, and undoes it all."""

    def __init__(self, args):
        self.args = args
        self.children = []  # pids we forked or spawned, and only those are ever signalled
        self.idle = []
        self.state = None
        self.scratch = None
        self.backlog = 0
        self.holder_plan = []
        self.fd_limit = 0

    def plan(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        a = self.args
        holder_established = a.established - a.shared
        if holder_established < 0:
            raise PopulateError("--shared cannot exceed --established")
        fds_needed = 2 * holder_established + a.half_closed
        per_holder_budget = hard - a.batch * 2 - 200  # transient batch ends, Python's own fds
        if per_holder_budget <= 0:
            raise PopulateError(f"RLIMIT_NOFILE hard limit {hard} is too small for batches of {a.batch}")
        holders = max(a.holders, math.ceil(fds_needed / per_holder_budget))
        if holders > 250:
            raise PopulateError(f"{holders} holders needed for fd limit {hard}; too many")
        if a.shared * 2 + 100 > hard:
            raise PopulateError(f"--shared {a.shared} does not fit in fd limit {hard}")

        def split(total, i):
            return total // holders + (1 if i < total % holders else 0)

        self.holder_plan = [(split(holder_established, i), split(a.half_closed, i)) for i in range(holders)]
        self.fd_limit = hard

    def prepare_host(self):
        self.state = {"supervisor": os.getpid(), "sysctls": {}, "children": []}
        save_state(self.state)
        set_sysctl_saved(self.state, FIN_TIMEOUT, self.args.fin_timeout)
        needed_orphans = 2 * self.args.half_closed + 4096
        if int(read_sysctl(MAX_ORPHANS)) < needed_orphans:
            set_sysctl_saved(self.state, MAX_ORPHANS, needed_orphans)
        somaxconn = int(read_sysctl(SOMAXCONN))
        syn_backlog = int(read_sysctl(MAX_SYN_BACKLOG))
        self.backlog = min(4096, somaxconn)
        if self.args.batch > self.backlog:
            log(f"batch {self.args.batch} > backlog {self.backlog} (somaxconn); using {self.backlog}")
            self.args.batch = self.backlog
        log(f"somaxconn {somaxconn}, tcp_max_syn_backlog {syn_backlog}, listen backlog {self.backlog}, "
            f"batch {self.args.batch}")
        try:
            conntrack_max = int(read_sysctl("net.netfilter.nf_conntrack_max"))
            conntrack_count = int(read_sysctl("net.netfilter.nf_conntrack_count"))
            if conntrack_count + self.args.established + self.args.half_closed > conntrack_max:
                log(f"warning: conntrack has {conntrack_count}/{conntrack_max} entries; if it tracks "
                    "loopback, connections may be dropped")
        except (OSError, ValueError):
            pass

    def fork_child(self, name, report_fd, work):
        me = os.getpid()
        pid = os.fork()
        if pid == 0:
            child_entry(name, me, report_fd, work)
        self.children.append(pid)
        self.state["children"] = self.children
        save_state(self.state)
        return pid

    def populate(self):
        a = self.args
        start = time.monotonic()
        drops_before = listen_drops()
        read_fd, write_fd = os.pipe()
        for index, (established, half_closed) in enumerate(self.holder_plan):
            self.fork_child("bench-holder", write_fd,
                            lambda i=index, e=established, h=half_closed:
                            holder_work(i, e, h, a.batch, self.backlog))
        if a.shared > 0:
            self.fork_child("bench-sharer", write_fd,
                            lambda: sharer_work(a.shared, a.batch, self.backlog, write_fd))
        os.close(write_fd)
        expected = len(self.children) + (1 if a.shared > 0 else 0)

        # The holders are already forked; only the sharer's kid is still to come.
        pending = 1 if a.shared > 0 else 0
        idle = a.idle if a.idle is not None else max(0, a.processes - len(process_ids()) - pending)
        self.scratch = tempfile.mkdtemp(prefix="tcpdoctor-bench-")
        self.idle = spawn_idle(idle, os.getpid(), self.scratch)
        self.children.extend(p.pid for p in self.idle)
        self.state["children"] = self.children
        save_state(self.state)

        reports, buffer = [], b""
        deadline = time.monotonic() + a.timeout
        while len(reports) < expected:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PopulateError(f"only {len(reports)} of {expected} holders ready after {a.timeout} s")
            ready, _, _ = select.select([read_fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(read_fd, 65536)
            if not chunk:
                raise PopulateError(f"holders exited early; {len(reports)} of {expected} reported")
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                report = json.loads(line)
                if "error" in report:
                    raise PopulateError(report["error"])
                reports.append(report)
                if report["role"] == "sharer":
                    self.children.append(report["kid"])
                    self.state["children"] = self.children
                    save_state(self.state)
        os.close(read_fd)
        populated = time.monotonic() - start

        counts = measure()
        counts.update({
            "populate_seconds": round(populated, 2),
            "measure_seconds": round(time.monotonic() - start - populated, 2),
            "listen_drops": listen_drops() - drops_before,
            "holders": len(self.holder_plan),
            "established_pairs": sum(r.get("established", 0) for r in reports),
            "half_closed": sum(r.get("half_closed", 0) for r in reports),
            "shared_family": next((r["family"] for r in reports if r["role"] == "sharer"), None),
            "idle_processes": len(self.idle),
            "fd_limit": self.fd_limit,
            "fin_timeout": int(read_sysctl(FIN_TIMEOUT)),
            "supervisor_pid": os.getpid(),
        })
        return counts

    def announce(self, counts):
        states = counts["states"]
        line = (f"READY pid={os.getpid()} tcp_sockets={counts['tcp_sockets']} "
                f"established={states.get('ESTABLISHED', 0)} close_wait={states.get('CLOSE_WAIT', 0)} "
                f"fin_wait2={states.get('FIN_WAIT2', 0)} listen={states.get('LISTEN', 0)} "
                f"time_wait={states.get('TIME_WAIT', 0)} socket_fds={counts['socket_fds']} "
                f"tcp_socket_fds={counts['tcp_socket_fds']} shared={counts['shared_tcp_sockets']} "
                f"processes={counts['processes']} idle={counts['idle_processes']} "
                f"holders={counts['holders']} listen_drops={counts['listen_drops']} "
                f"populate={counts['populate_seconds']}s")
        print(line, flush=True)
        print(f"  sockstat TCP: {counts['sockstat_tcp']}", flush=True)
        print(f"  ss -s: {counts['ss_s_tcp']}", flush=True)
        if counts["listen_drops"]:
            log(f"warning: {counts['listen_drops']} SYNs were dropped by full listen queues")
        text = json.dumps(counts, indent=2) + "\n"
        for path in filter(None, (READY_PATH, self.args.ready_file)):
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, path)

    def cleanup(self):
        """Restore sysctls, kill our children and reap them; safe to call more than once."""
        ignore_signals()
        restored = self.state is None or restore_sysctls(self.state)
        for pid in self.children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        # As a child subreaper, the supervisor inherits the sharer's kid when the sharer dies, so
        # reaping until no child is left also reaps it: nothing is left as a zombie.
        deadline = time.monotonic() + 10
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                continue
            if time.monotonic() > deadline:
                for pid in self.children:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                deadline = float("inf")
            time.sleep(0.02)
        self.children = []
        if self.state is not None and restored:
            for path in (STATE_PATH, READY_PATH, PID_PATH):
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
            self.state = None
        if self.scratch:
            for name in os.listdir(self.scratch):
                os.unlink(os.path.join(self.scratch, name))
            os.rmdir(self.scratch)
            self.scratch = None
        log("cleaned up")


def ignore_signals():
    # A Python no-op rather than SIG_IGN: a signal already pending when the handler changes would
    # make CPython print "Signal 15 ignored due to race condition".
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: None)


def on_signal(signum, _frame):
    # Ignore further signals before unwinding: a second one (run.sh's SIGTERM right after a Ctrl-C)
    # must not interrupt the cleanup the first one starts.
    ignore_signals()
    raise SystemExit(128 + signum)


def run(args):
    os.makedirs(STATE_DIR, exist_ok=True)
    lock = take_lock()
    if lock is None:
        pid = running_pid()
        raise AlreadyRunning(f"already running (pid {pid}); stop it with `{sys.argv[0]} --stop`")
    leftover = load_state()
    if leftover is not None:
        log("a previous run did not finish cleaning up; recovering first")
        recover(leftover)
    with open(PID_PATH, "w") as f:
        f.write(f"{os.getpid()}\n")

    supervisor = Supervisor(args)
    LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    try:
        supervisor.plan()
        supervisor.prepare_host()
        counts = supervisor.populate()
        supervisor.announce(counts)
        if args.exit_when_ready:
            return 0
        hold_forever()
    finally:
        supervisor.cleanup()
        os.close(lock)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--established", type=int, default=70000,
                        help="ESTABLISHED connections, both ends held (default 70000)")
    parser.add_argument("--half-closed", type=int, default=30000,
                        help="CLOSE_WAIT ends held, peers orphaned in FIN_WAIT2 (default 30000)")
    parser.add_argument("--shared", type=int, default=150,
                        help="of the established, connections in the sharer, both ends with 2 owners")
    parser.add_argument("--holders", type=int, default=10, help="minimum holder processes (default 10)")
    parser.add_argument("--processes", type=int, default=500,
                        help="top up with idle processes to this many on the host (default 500)")
    parser.add_argument("--idle", type=int, default=None, help="exact idle process count instead")
    parser.add_argument("--batch", type=int, default=512, help="connects per accept round")
    parser.add_argument("--fin-timeout", type=int, default=3600,
                        help="net.ipv4.tcp_fin_timeout for the run, in seconds (default 3600)")
    parser.add_argument("--timeout", type=float, default=110, help="give up populating after this")
    parser.add_argument("--ready-file", help="also write the achieved counts (JSON) here")
    parser.add_argument("--exit-when-ready", action="store_true",
                        help="clean up and exit right after the READY line (a self-test)")
    parser.add_argument("--stop", action="store_true",
                        help="stop a running instance and undo what any instance left behind")
    args = parser.parse_args()
    try:
        if os.geteuid() != 0:
            raise PopulateError("run as root: the load needs net.ipv4.tcp_fin_timeout raised")
        if args.stop:
            stop_instance(timeout=30)
            return 0
        return run(args) or 0
    except PopulateError as error:
        log(f"error: {error}")
        return error.exit_code
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1


if __name__ == "__main__":
    sys.exit(main())
