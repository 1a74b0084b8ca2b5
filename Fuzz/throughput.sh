#!/bin/sh
# Measures single-core read+decode throughput of TCPDoctorCapture in a release build.
#
# Builds the package's TCPDoctorCapture and TCPDoctorCaptureWriters targets with `swift build -c
# release`, links the harness in Fuzz/Throughput against the objects of that build (with
# TCPDoctorSystem's and swift-system's), generates the captures (500k-packet mixed, 700k-packet bulk; pcap and pcapng) into DIR (default
# /tmp/tcpdoctor-throughput), and times CaptureReader.readSegments over each file, best of 5, on a
# warm page cache.
#
# Usage: Fuzz/throughput.sh [DIR]      (KEEP=1 keeps the generated captures)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/tmp/tcpdoctor-throughput}
mkdir -p "$dir"
cd "$root"
swift build -c release --target TCPDoctorCaptureWriters >/dev/null
release=$(swift build -c release --show-bin-path)
# The Clang modules the Swift modules import (CSockDiag through TCPDoctorSystem), as SwiftPM found them.
maps=$(ls "$release"/*.build/module.modulemap \
    "$root"/.build/checkouts/swift-system/Sources/CSystem/include/module.modulemap | sed 's/^/-Xcc -fmodule-map-file=/')
# shellcheck disable=SC2086
swiftc -O -parse-as-library -module-name Throughput \
    -I "$release/Modules" $maps \
    Fuzz/Throughput/main.swift \
    "$release"/TCPDoctorCapture.build/*.o "$release"/TCPDoctorCaptureWriters.build/*.o "$release"/TCPDoctorCore.build/*.o "$release"/TCPDoctorSystem.build/*.o \
    "$release"/SystemPackage.build/*.o "$release"/CSystem.build/*.o "$release"/CSockDiag.build/*.o \
    -o "$dir/throughput"
taskset -c 1 "$dir/throughput" "$dir"
[ "${KEEP:-0}" = 1 ] || rm -f "$dir"/mixed-* "$dir"/bulk.*
