#!/bin/sh
# Compiles the CSockDiag shim against newer kernels' `struct tcp_info` (scripts/ci/tcp-info-*/),
# as a distribution with newer kernel headers than Debian 12's 6.1 would: csd_tcp_info must stay
# a prefix of the kernel's struct, field for field, whatever the kernel appended since.
#
# Usage: scripts/ci/tcp-info-layouts.sh     (CC defaults to Swift's clang, then cc)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cc=${CC:-}
if [ -z "$cc" ]; then
    if [ -x /opt/swift/usr/bin/clang ]; then cc=/opt/swift/usr/bin/clang; else cc=cc; fi
fi
status=0
for layout in "$root"/scripts/ci/tcp-info-*/; do
    if "$cc" -fsyntax-only -Wall -Werror -I "$layout" -I "$root/Sources/CSockDiag/include" \
        "$root/Sources/CSockDiag/shim.c"; then
        echo "CSockDiag builds against $(basename "$layout")"
    else
        echo "CSockDiag does not build against $(basename "$layout")" >&2
        status=1
    fi
done
exit $status
