#!/bin/sh
# Benchmarks `tcpdoctor capture` against tcptrace and tshark on generated captures and writes the
# capture section of BENCHMARKS.md (between <!-- capture:start --> and <!-- capture:end -->).
#
# Usage: scripts/capture-bench/run.sh [DIR]
#   DIR          where the captures and the build log go (default /var/tmp/tcpdoctor-capture-bench; ~4 GB)
#   CORE=1       the CPU every tool is pinned to (taskset), so that each runs on one core
#   BULK_MB=1500 size of each bulk capture
#   ROUNDS=10    interleaved rounds on the mixed capture (scripts/capture-bench/rounds.py)
#   KEEP=1       keep the captures afterwards
#
# What it does: installs tcptrace, tshark, hyperfine and GNU time if missing; builds tcpdoctor and
# the generator (scripts/capture-bench/Generator, which writes captures with the package's
# SegmentCaptureWriter) in release mode; writes a mixed capture (50k connections over every close
# pattern), two bulk captures (65160-byte segments as with segmentation offload, and 1448-byte
# segments), and two captures for memory per open connection; times `tcpdoctor capture FILE`,
# `tcpdoctor capture --json FILE`, `tcptrace -n FILE` and `tshark -q -z conv,tcp -r FILE` with
# hyperfine in the same run, output to /dev/null; on the mixed capture, also times them in
# interleaved rounds (each peer once, then tcpdoctor once to warm up and five times timed), from
# which the ratio targets are judged; measures peak memory with /usr/bin/time -v.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-/var/tmp/tcpdoctor-capture-bench}
core=${CORE:-1}
bulk_mb=${BULK_MB:-1500}
rounds=${ROUNDS:-10}
mkdir -p "$dir"

need=""
command -v tcptrace >/dev/null || need="$need tcptrace"
command -v tshark >/dev/null || need="$need tshark"
command -v hyperfine >/dev/null || need="$need hyperfine"
[ -x /usr/bin/time ] || need="$need time"
if [ -n "$need" ]; then
    echo "installing$need"
    DEBIAN_FRONTEND=noninteractive apt-get install -y $need >/dev/null
fi

echo "building tcpdoctor and the generator (release)"
cd "$root"
# swift build writes compiler errors to standard output: keep it in a log and show it on failure.
build_log="$dir/build.log"
build() {
    if ! "$@" >"$build_log" 2>&1; then
        cat "$build_log" >&2
        echo "run.sh: build failed in $(pwd): $*" >&2
        exit 1
    fi
}
build swift build -c release --static-swift-stdlib --product tcpdoctor
tcpdoctor="$(swift build -c release --static-swift-stdlib --show-bin-path)/tcpdoctor"
(cd scripts/capture-bench/Generator && build swift build -c release)
generator="$root/scripts/capture-bench/Generator/.build/release/CaptureBenchGenerator"

echo "generating captures in $dir"
[ -s "$dir/mixed.pcap" ] || "$generator" mixed "$dir/mixed.pcap" 50000
[ -s "$dir/bulk-gso.pcap" ] || "$generator" bulk "$dir/bulk-gso.pcap" "$bulk_mb" 65160
[ -s "$dir/bulk-mtu.pcap" ] || "$generator" bulk "$dir/bulk-mtu.pcap" "$bulk_mb" 1448
[ -s "$dir/open.pcap" ] || "$generator" open "$dir/open.pcap" 100000
[ -s "$dir/sequential.pcap" ] || "$generator" sequential "$dir/sequential.pcap" 100000

rm -f "$dir"/*.new
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
pin="taskset -c $core"
for capture in mixed bulk-gso bulk-mtu; do
    file="$dir/$capture.pcap"
    cat "$file" >/dev/null # warm the page cache
    echo "timing $capture"
    hyperfine --style basic --warmup 3 --runs 30 --export-json "$dir/$capture-tcpdoctor.json" \
        -n "tcpdoctor capture" "$pin $tcpdoctor capture $file > /dev/null" \
        -n "tcpdoctor capture --json" "$pin $tcpdoctor capture --json $file > /dev/null" >/dev/null
    # No warm-up run for the peers: the cache is warm already, and tshark takes minutes on bulk-mtu.
    hyperfine --style basic --runs 3 --export-json "$dir/$capture-peers.json" \
        -n "tcptrace -n" "$pin tcptrace -n $file > /dev/null" \
        -n "tshark -q -z conv,tcp" "$pin tshark -q -z conv,tcp -r $file > /dev/null" >/dev/null
    for tool in "tcpdoctor capture" "tcpdoctor capture --json" "tcptrace -n" "tshark -q -z conv,tcp"; do
        case "$tool" in
        tcpdoctor*) command="$tcpdoctor ${tool#tcpdoctor } $file" ;;
        tcptrace*) command="tcptrace -n $file" ;;
        tshark*) command="tshark -q -z conv,tcp -r $file" ;;
        esac
        rss=$(/usr/bin/time -v $pin $command 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}')
        echo "$capture|$tool|$rss" >>"$dir/rss.txt.new"
    done
    if [ "$capture" = mixed ]; then
        echo "timing $capture in $rounds interleaved rounds"
        python3 "$root/scripts/capture-bench/rounds.py" "$dir/$capture-rounds.json" "$core" "$rounds" 5 "$file" "$tcpdoctor"
    fi
    $tcpdoctor capture --json "$file" | python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["statistics"]; print("%s|%d|%d|%d|%d" % (sys.argv[1], s["packets"], s["captured_bytes"], d["totals"]["connections"], s["peak_open_connections"]))' "$capture" >>"$dir/counts.txt.new"
done
for capture in open sequential; do
    file="$dir/$capture.pcap"
    rss=$(/usr/bin/time -v $pin $tcpdoctor capture "$file" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}')
    peak=$($tcpdoctor capture --json "$file" | python3 -c 'import json,sys; print(json.load(sys.stdin)["statistics"]["peak_open_connections"])')
    echo "$capture|$rss|$peak" >>"$dir/memory.txt.new"
done
mv "$dir/rss.txt.new" "$dir/rss.txt"
mv "$dir/counts.txt.new" "$dir/counts.txt"
mv "$dir/memory.txt.new" "$dir/memory.txt"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 "$root/scripts/capture-bench/report.py" "$dir" "$root/BENCHMARKS.md" "$load_before" "$load_after" "$core" "$bulk_mb"
[ "${KEEP:-0}" = 1 ] || rm -f "$dir"/*.pcap
echo "wrote the capture section of $root/BENCHMARKS.md"
