#!/usr/bin/env python3
"""imap_ids.py ADDR PORT USER PASSWORD: Message-IDs (local part) of the
messages in USER's INBOX as the master's IMAP sees them (expunged ones are
not listed, unlike files on disk), one a line, sorted.  Logs in as the slot
admin "cyrus" acting for USER (AUTHENTICATE PLAIN with an authzid)."""
import imaplib
import re
import sys


def main():
    addr, port, user, password = sys.argv[1:5]
    imap = imaplib.IMAP4(addr, int(port), timeout=10)
    imap.authenticate("PLAIN", lambda _: ("%s\0cyrus\0%s" % (user, password)).encode())
    imap.select("INBOX", readonly=True)
    typ, data = imap.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    ids = []
    for item in data:
        if isinstance(item, tuple):
            m = re.search(rb"<([^@>]*)@", item[1])
            if m:
                ids.append(m.group(1).decode())
    imap.logout()
    print("\n".join(sorted(ids)))


if __name__ == "__main__":
    main()
