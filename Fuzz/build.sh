#!/bin/sh
# Builds the fuzz binary (all targets of Fuzz/Sources in one) with libFuzzer and AddressSanitizer.
#
# SwiftPM builds the package's TCPDoctorLinux and TCPDoctorCapture targets (and what they depend
# on) with `--sanitize=fuzzer --sanitize=address` into WORKDIR/spm; swiftc then links
# Fuzz/Sources against those objects, with `@testable import` for the internal parsers. The debug
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
for target in TCPDoctorLinux TCPDoctorCapture; do
    swift build --package-path "$root" --scratch-path "$spm" "$@" --sanitize=fuzzer --sanitize=address \
        --target "$target" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
done
products="$spm/$configuration"
objects=$(for module in TCPDoctorCore TCPDoctorLinux TCPDoctorCapture CSockDiag CPrefetch SystemPackage CSystem; do
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
