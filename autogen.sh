#!/bin/sh
# Regenerate the build system (same as autoreconf -fi).
set -e
cd "$(dirname "$0")"
mkdir -p m4
exec autoreconf -fi
