#!/bin/sh
# Fuzzes the capture readers and decoders with libFuzzer and AddressSanitizer.
#
# Compiles TCPDoctorCore, then the TCPDoctorCapture sources together with Fuzz/FuzzEntry.swift,
# with `-sanitize=fuzzer,address` (debug build, so the standard library's bounds preconditions are
# on as well); writes a seed corpus with the package's own writers (Fuzz/Seeds); then runs the
# fuzzer. Findings (crash-*, leak-*, timeout-*) land in the work directory.
#
# Usage: Fuzz/run.sh [SECONDS] [WORKDIR]     (defaults: 600 s, /tmp/tcpdoctor-fuzz)
# Extra libFuzzer flags can be given in FUZZ_FLAGS; OPTIMIZE=-O builds optimized (faster, but
# without the standard library's debug bounds checks, so ASan alone guards memory).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600}
work=${2:-/tmp/tcpdoctor-fuzz}
build="$work/build"
mkdir -p "$build" "$work/corpus" "$work/seeds"
cd "$root"
core=$(find Sources/TCPDoctorCore -name '*.swift' | sort)
capture=$(find Sources/TCPDoctorCapture -name '*.swift' | sort)

# The C target the capture sources import, with the module map SwiftPM would make for it.
mkdir -p "$build/CPrefetch"
printf 'module CPrefetch {\n    header "%s"\n    export *\n}\n' "$root/Sources/CPrefetch/include/CPrefetch.h" \
    >"$build/CPrefetch/module.modulemap"

# The core library, instrumented too (IPAddress and Endpoint are built per packet).
swiftc ${OPTIMIZE:--Onone} -sanitize=fuzzer,address -parse-as-library -module-name TCPDoctorCore \
    -emit-module -emit-module-path "$build/TCPDoctorCore.swiftmodule" \
    -emit-library -static -o "$build/libTCPDoctorCore.a" $core

# The seed writer: the package's writers, no sanitizers.
swiftc -parse-as-library -module-name Seeds -I "$build" -I "$build/CPrefetch" \
    $capture Fuzz/Seeds/main.swift "$build/libTCPDoctorCore.a" -o "$build/seeds" 2>/dev/null \
    || swiftc -parse-as-library -module-name Seeds -I "$build" -I "$build/CPrefetch" \
        $capture Fuzz/Seeds/main.swift "$build/libTCPDoctorCore.a" -sanitize=address -o "$build/seeds"
"$build/seeds" "$work/seeds"
cp Tests/TCPDoctorCaptureTests/Fixtures/*.pcap* "$work/seeds/" 2>/dev/null || true

# The fuzzer: reader and decoder sources plus the entry point, in one module.
swiftc ${OPTIMIZE:--Onone} -sanitize=fuzzer,address -parse-as-library -module-name CaptureFuzz -I "$build" \
    -I "$build/CPrefetch" \
    $capture Fuzz/FuzzEntry.swift "$build/libTCPDoctorCore.a" -o "$build/fuzz-capture" 2>&1 \
    | grep -v "Cannot export local symbol" || true

cd "$work"
export SWIFT_BACKTRACE=enable=no  # the Swift backtracer and ASan fight over a crashing process
# shellcheck disable=SC2086
"$build/fuzz-capture" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 ${FUZZ_FLAGS:-} corpus seeds
