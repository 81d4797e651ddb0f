#!/bin/bash
# Build the unit tests with AddressSanitizer + UBSan (and leak checking) into a
# temporary directory and run them: one pass of the suite under sanitizers.
set -eo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer
       -fno-sanitize-recover=undefined -Ilib -I. $(pkg-config --cflags libxml-2.0 glib-2.0 pacemaker)"
libs="$(pkg-config --libs libxml-2.0 glib-2.0) -lm"
lib="lib/error.c lib/topology.c lib/flow.c lib/placement.c lib/placement_from.c
     lib/placement_repair.c lib/placement_polish.c lib/placement_polish2.c lib/balance.c lib/cib_xml.c lib/xml_util.c"
# shellcheck disable=SC2086
cc $flags -o "$out/test_topology" tests/unit/test_topology.c $lib $libs
# shellcheck disable=SC2086
cc $flags -o "$out/test_placement" tests/unit/test_placement.c tests/unit/checker.c tests/unit/lp.c $lib $libs
# shellcheck disable=SC2086
cc $flags -o "$out/test_cib" tests/unit/test_cib.c $lib $libs
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
"$out/test_topology" | sed 's/^\(not \)\{0,1\}ok [0-9]* - /&asan: /'
"$out/test_placement" 40 | sed 's/^\(not \)\{0,1\}ok [0-9]* - /&asan: /'
"$out/test_cib" | sed 's/^\(not \)\{0,1\}ok [0-9]* - /&asan: /'
