#!/bin/sh
# Builds the fuzz binary (all targets of Fuzz/Sources in one) with libFuzzer and AddressSanitizer.
#
# SwiftPM builds the package's TCPDoctorLinux, TCPDoctorCapture and TCPDoctorCaptureWriters (the
# seeds' writers) targets, and what they depend on, with `-sanitize=fuzzer,address` into
# WORKDIR/spm; swiftc then links Fuzz/Sources against those objects, with `@testable import` for the internal parsers. One combined flag, not
# SwiftPM's `--sanitize fuzzer --sanitize address`: swiftc keeps only the last of two -sanitize=
# flags, and SwiftPM orders them at random, so either coverage or ASan went missing. The C shims
# are not instrumented. The build stops if a library object lacks either. The debug
# build keeps the standard library's bounds preconditions on; OPTIMIZE=-O builds in release mode
# (faster, but without those debug checks, so ASan alone guards memory).
#
# Usage: Fuzz/build.sh [WORKDIR]     (default /tmp/tcpdoctor-fuzz); prints the binary's path.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/tcpdoctor-fuzz}
mkdir -p "$work"
spm="$work/spm"
if [ "${OPTIMIZE:-}" = -O ]; then
    set -- -c release -Xswiftc -enable-testing
    configuration=release
else
    set -- -c debug
    configuration=debug
fi
for target in TCPDoctorLinux TCPDoctorCapture TCPDoctorCaptureWriters; do
    swift build --package-path "$root" --scratch-path "$spm" "$@" -Xswiftc -sanitize=fuzzer,address \
        --target "$target" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
done
products="$spm/$configuration"
nm=$(command -v llvm-nm || command -v nm)
for object in "$products"/TCPDoctorCore.build/IPAddress.swift.o "$products"/TCPDoctorLinux.build/InetDiagDecoder.swift.o \
    "$products"/TCPDoctorCapture.build/PCAPNGParser.swift.o; do
    symbols=$("$nm" "$object")
    for needed in __sanitizer_cov_8bit_counters_init __asan_; do
        echo "$symbols" | grep -q "$needed" || { echo "$object is built without $needed" >&2; exit 1; }
    done
done
objects=$(for module in TCPDoctorCore TCPDoctorSystem TCPDoctorLinux TCPDoctorCapture TCPDoctorCaptureWriters CSockDiag CPrefetch CPtrace SystemPackage CSystem; do
    find "$products/$module.build/" -name '*.o'
done)
# The Clang modules the Swift modules import, as SwiftPM found them.
maps=$(ls "$products"/*.build/module.modulemap "$spm"/checkouts/swift-system/Sources/CSystem/include/module.modulemap \
    | sed 's/^/-Xcc -fmodule-map-file=/')
# shellcheck disable=SC2086
swiftc ${OPTIMIZE:--Onone} -sanitize=fuzzer,address -parse-as-library -module-name TCPDoctorFuzz \
    -I "$products/Modules" $maps "$root"/Fuzz/Sources/*.swift $objects -o "$work/tcpdoctor-fuzz" \
    >"$work/link.log" 2>&1 || { cat "$work/link.log" >&2; exit 1; }
echo "$work/tcpdoctor-fuzz"
