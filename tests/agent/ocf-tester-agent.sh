#!/bin/sh
# ocf-tester validates meta-data against Debian's ra-api-1.dtd (OCF 1.0),
# whose action list predates OCF 1.1's reload-agent.  Everything but the
# meta-data text goes to the real agent unchanged; the full metadata is
# validated against metadata.rng in agent.bats.
agent=${SLOTSTORE_AGENT:?}
if [ "$1" = meta-data ]; then
    "$agent" meta-data | grep -v '<action name="reload-agent"'
    exit 0
fi
exec "$agent" "$@"
