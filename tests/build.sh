#!/bin/sh
# Build slotstore in the source tree (CI flags: -Werror).  Extra args go to configure.
set -e
cd "$(dirname "$0")/.."
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
    ./autogen.sh >/dev/null 2>&1
fi
if [ ! -f Makefile ] || [ -n "$*" ]; then
    ./configure --enable-werror "$@" >/dev/null
fi
make -s -j2 >/dev/null
make -s -j2 tests/unit/test_topology tests/unit/test_placement tests/unit/test_cib \
    tests/unit/test_flow >/dev/null
