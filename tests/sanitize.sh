#!/bin/bash
# Build the unit tests and the CLI with AddressSanitizer + UBSan (and leak checking)
# into a temporary directory and run them, the CLI under cli.bats: one pass of the
# suite under sanitizers.
set -eo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer
       -fno-sanitize-recover=undefined -Ilib -I. $(pkg-config --cflags libxml-2.0 glib-2.0 pacemaker)"
# the whole library, for the unit tests as for the CLI: a list of files here fell behind once
lib="lib/*.c"
libs="$(pkg-config --libs pacemaker pacemaker-cib libxml-2.0 glib-2.0) -lm"
# shellcheck disable=SC2086
cc $flags -o "$out/test_topology" tests/unit/test_topology.c $lib $libs
# shellcheck disable=SC2086
cc $flags -o "$out/test_placement" tests/unit/test_placement.c tests/unit/checker.c tests/unit/lp.c \
    tests/unit/exact.c $lib $libs
# shellcheck disable=SC2086
cc $flags -o "$out/test_cib" tests/unit/test_cib.c $lib $libs
# shellcheck disable=SC2086
cc $flags -o "$out/test_flow" tests/unit/test_flow.c $lib $libs
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
"$out/test_topology" | sed 's/^\(not \)\{0,1\}ok [0-9]* - /&asan: /'
"$out/test_placement" 40 | sed 's/^\(not \)\{0,1\}ok [0-9]* - /&asan: /'
# the exact program of a small plan, solved by cbc and measured again
{ echo "stores 24"; echo "replicas 2"
  for i in 1 2 3 4 5 6 7 8 9; do echo "machine m$i slots=12 zone=z$((i % 3))"; done; } > "$out/nine"
if "$out/test_placement" exact "$out/nine" > "$out/nine.lp" &&
    cbc -import "$out/nine.lp" -solve -solu "$out/nine.sol" > /dev/null &&
    "$out/test_placement" exact-check "$out/nine" "$out/nine.sol"; then
    echo "ok - asan: the exact program of 9x12 in 3 zones and its check"
else
    echo "not ok - asan: the exact program of 9x12 in 3 zones and its check"
fi
"$out/test_cib" | sed 's/^\(not \)\{0,1\}ok [0-9]* - /&asan: /'
"$out/test_flow" 500 | sed 's/^\(not \)\{0,1\}ok [0-9]* - /&asan: /'

# The CLI under cli.bats (plan, cib, apply and simulate on CIB files).  Reports go to
# files: a test expecting a failure exit code would not notice one otherwise.  The
# valgrind test is left to the plain pass: valgrind cannot run an ASan build.  Leaks
# inside Pacemaker's and libqb's own state (logging, libcib's file backend) are theirs.
# shellcheck disable=SC2086
cc $flags -o "$out/slotstore" constraints/*.c $lib $libs
printf 'leak:libqb.so\nleak:libcrmcommon.so\nleak:libcib.so\n' > "$out/lsan.supp"
mkdir "$out/reports"
# (full stacks on malloc: libxml2 has no frame pointers, and a leak libcrmcommon makes
# through it, e.g. filename2xml's document on a file that is not XML, would not match)
ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:log_path=$out/reports/asan \
    UBSAN_OPTIONS=print_stacktrace=1:log_path=$out/reports/ubsan \
    LSAN_OPTIONS=suppressions=$out/lsan.supp \
    SLOTSTORE=$out/slotstore bats --tap --filter-tags '!valgrind' tests/bats/cli.bats |
    sed 's/^\(not \)\{0,1\}ok [0-9]* /&asan: /'
# (a log holding only the statistics of suppressed leaks is no report)
if compgen -G "$out/reports/*" > /dev/null &&
    grep -lE 'ERROR: |runtime error' "$out"/reports/* > "$out/errors"; then
    echo "not ok - asan: the CLI under cli.bats ran without sanitizer reports"
    xargs head -60 < "$out/errors"
else
    echo "ok - asan: the CLI under cli.bats ran without sanitizer reports"
fi
