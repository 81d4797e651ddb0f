#!/bin/bash
# The main job (for now, until the lab cluster lands): install, build, plan a
# 4-machine topology, write its CIB, and let Pacemaker's own scheduler
# (crm_simulate) show the steady state and what happens when a machine dies.
set -e
cd "$(dirname "$0")/.."
tests/deps.sh
tests/build.sh
ss=constraints/slotstore
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== topology (tests/data/four.topo)"; grep -v '^#' tests/data/four.topo
echo; echo "== slotstore plan"; $ss plan tests/data/four.topo --svg "$work/plan.svg"
$ss cib tests/data/four.topo --output "$work/cib.xml"
echo; echo "== Pacemaker steady state (crm_simulate on the generated CIB)"
crm_simulate -x "$work/cib.xml" -S -u imap01 -u imap02 -u imap03 -u imap04 -O "$work/steady.xml" >/dev/null
CIB_file=$work/steady.xml crm_mon -1 | sed -n '/Full List/,$p'
echo; echo "== imap01 dies: where do its masters go?"
crm_simulate -x "$work/steady.xml" -S --node-fail imap01 -O "$work/fail.xml" >/dev/null
CIB_file=$work/fail.xml crm_mon -1 |
    awk '/Clone Set:/ {store=$4} /Promoted: \[/ && !/Unpromoted/ {print "   " store " -> " $4}'
if $ss simulate --help >/dev/null 2>&1; then
    echo; echo "== slotstore simulate (every single machine failure)"
    $ss simulate --cib "$work/cib.xml" || true
fi
