#!/usr/bin/env bats
# make install / uninstall (DESTDIR): where packagers and Pacemaker expect each piece.

setup() {
    TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
    TMP=$(mktemp -d)
}

teardown() {
    rm -rf "$TMP"
}

@test "make install puts slotstore in sbindir, the agent under the OCF root, the man pages in man5/man8; uninstall takes them away" {
    sbindir=$(sed -n 's/^sbindir = //p' "$TOP/Makefile")
    ocfroot=$(sed -n 's/^OCF_ROOT_DIR = //p' "$TOP/Makefile")
    [ -n "$sbindir" ]
    [ -n "$ocfroot" ]
    run make -s -C "$TOP" install DESTDIR="$TMP/root"
    [ "$status" -eq 0 ]
    # sbindir as configured ($(exec_prefix)/sbin, with the prefix filled in)
    cli=$(find "$TMP/root" -path '*/sbin/slotstore' -type f)
    [ -n "$cli" ]
    [ -x "$cli" ]
    [[ "$sbindir" == *'/sbin' ]]
    agent="$TMP/root$ocfroot/resource.d/slotstore/cyrus"
    [ -x "$agent" ]
    [ -n "$(find "$TMP/root" -path '*/man8/slotstore.8' -type f)" ]
    [ -n "$(find "$TMP/root" -path '*/man5/slotstore-topology.5' -type f)" ]
    # the installed programs run: the CLI's version, the agent's OCF metadata
    run "$cli" --version
    [ "$status" -eq 0 ]
    [[ "$output" == "slotstore "* ]]
    OCF_ROOT="$TMP/root$ocfroot" "$agent" meta-data > "$TMP/meta.xml"
    xmllint --noout "$TMP/meta.xml"
    [ "$(xmllint --xpath 'string(/resource-agent/@name)' "$TMP/meta.xml")" = cyrus ]
    run make -s -C "$TOP" uninstall DESTDIR="$TMP/root"
    [ "$status" -eq 0 ]
    [ "$(find "$TMP/root" -type f | wc -l)" -eq 0 ]
}
