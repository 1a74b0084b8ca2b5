#!/bin/sh
# Writes the seed corpus of every fuzz target into DIR/TARGET/: the synthetic seeds the fuzz
# binary writes itself (captures from the package's writers, filter texts), the repository's
# fixtures (recorded captures, netlink replies, /proc files), and real files of this host copied
# now (/proc/PID/*, /proc/net/*, an executable), each cut to 16 KiB at most.
#
# Usage: Fuzz/seeds.sh FUZZ-BINARY DIR
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
binary=$1
dir=$2
mkdir -p "$dir"
TCPDOCTOR_FUZZ_SEEDS="$dir" "$binary" >/dev/null 2>&1
fixtures="$root/Tests/TCPDoctorLinuxTests/Fixtures"
cp "$root"/Tests/TCPDoctorCaptureTests/Fixtures/*.pcap* "$dir/capture/"

# Netlink replies: hex, one message a line, '#' comments; each file whole and each message alone.
python3 - "$fixtures/netlink" "$dir/netlink" <<'PY'
import pathlib, sys
source, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for hex_file in sorted(source.glob("*.hex")):
    lines = [l.strip() for l in hex_file.read_text().splitlines() if l.strip() and not l.startswith("#")]
    (target / hex_file.stem).write_bytes(b"".join(bytes.fromhex(l) for l in lines))
    for index, line in enumerate(lines):
        (target / f"{hex_file.stem}-{index}").write_bytes(bytes.fromhex(line))
PY

copy() {  # copy SOURCE TARGET NAME: at most 16 KiB of a file that may vanish or be unreadable
    head -c 16384 "$1" >"$dir/$2/$3" 2>/dev/null || rm -f "$dir/$2/$3"
}
copy "$fixtures/proc/self-stat" proc-stat fixture-stat
copy "$fixtures/proc/self-status" proc-status fixture-status
copy "$fixtures/proc/self-limits" proc-status fixture-limits
copy "$fixtures/proc/self-cmdline" proc-cmdline fixture-cmdline
copy "$fixtures/proc/self-comm" proc-cmdline fixture-comm
for name in tcp tcp6; do copy "$fixtures/proc/$name" proc-net-tcp "fixture-$name"; done
for name in snmp netstat sockstat sockstat6; do copy "$fixtures/proc/$name" proc-counters "fixture-$name"; done
for pid in $(ls /proc | grep '^[0-9]' | head -n 20) self; do
    copy "/proc/$pid/stat" proc-stat "$pid-stat"
    copy "/proc/$pid/status" proc-status "$pid-status"
    copy "/proc/$pid/limits" proc-status "$pid-limits"
    copy "/proc/$pid/cmdline" proc-cmdline "$pid-cmdline"
    copy "/proc/$pid/comm" proc-cmdline "$pid-comm"
done
for name in tcp tcp6; do copy "/proc/net/$name" proc-net-tcp "host-$name"; done
for name in snmp netstat sockstat sockstat6; do copy "/proc/net/$name" proc-counters "host-$name"; done
head -c 65536 /bin/true >"$dir/elf/true"
