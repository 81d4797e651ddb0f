#!/usr/bin/env python3
"""mail.py: mail traffic against the lab's stores, from the lab's client address.

  mail.py stores CIB                       each store and its slot addresses, from a CIB
  mail.py load CIB DIR STOPFILE [RATE]     deliver to every store until STOPFILE exists
  mail.py check CIB DIR                    is every accepted message there exactly once?
  mail.py lhlo ADDR...                     exit 0 when LMTP answers on every ADDR
  mail.py probe ADDR... --log FILE --stop STOPFILE
                                           deliver to each ADDR in turn, log each accept
  mail.py probecheck CIB LOG...            is every probe accepted in the LOGs on its
                                           store's master now, exactly once?

`load` runs one sender per store (RATE messages a second each, default 10) to the user
"u-<store>"; a sender tries the store's slots in turn until one accepts LMTP (only the
master listens), so no lookup service is needed. Every message the server ACCEPTED (250
after DATA) is appended to DIR/<store>.log as "MESSAGE-ID EPOCH-SECONDS"; a message not
accepted is retried under a new id (an unanswered DATA may still have been stored, and is
then not counted as accepted). `check` finds each store's master (the slot that answers
IMAP), reads the user's INBOX, and prints per store: accepted, present, missing,
duplicated, longest gap between two accepts. Exit 1 if anything is missing or duplicated.
"""
import imaplib
import os
import re
import smtplib
import sys
import threading
import time
import xml.etree.ElementTree as ET

LMTP_PORT = 24
IMAP_PORT = 143


def stores_from_cib(path):
    """{store: ([addr in failover order], sync_password)} from the clones' parameters."""
    out = {}
    for prim in ET.parse(path).getroot().iter("primitive"):
        if prim.get("type") != "cyrus":
            continue
        params = {nv.get("name"): nv.get("value")
                  for ia in prim.iter("instance_attributes") for nv in ia.iter("nvpair")}
        store = params.get("store")
        if not store:
            continue
        addrs = [s.split("@", 1)[1] for s in params.get("slots", "").split()]
        out[store] = (addrs, params.get("sync_password") or store)
    return out


def message(user, mid):
    return ("From: test@example.org\r\nTo: %s\r\nSubject: %s\r\n"
            "Message-ID: <%s@slotstore.test>\r\n\r\nbody of %s\r\n" % (user, mid, mid, mid))


def sender(store, addrs, logpath, stop, rate):
    user = "u-" + store
    conn, n, turn = None, 0, 0
    with open(logpath, "a", buffering=1) as log:
        while not os.path.exists(stop):
            mid = "%s-%d-%d" % (store, os.getpid(), n)
            n += 1
            try:
                if conn is None:
                    conn = smtplib.LMTP(addrs[turn % len(addrs)], LMTP_PORT, timeout=3)
                conn.sendmail("test@example.org", [user], message(user, mid))
                log.write("%s %.3f\n" % (mid, time.time()))
                time.sleep(1.0 / rate)
            except (OSError, smtplib.SMTPException):
                conn = None
                turn += 1
                time.sleep(0.05)
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                pass


def cmd_load(cib, outdir, stop, rate=10.0):
    threads = [threading.Thread(target=sender, daemon=True,
                                args=(st, addrs, os.path.join(outdir, st + ".log"), stop, rate))
               for st, (addrs, _) in sorted(stores_from_cib(cib).items())]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0


def inbox_ids(addr, user, password):
    imap = imaplib.IMAP4(addr, IMAP_PORT, timeout=10)
    try:
        imap.authenticate("PLAIN", lambda _: ("%s\0cyrus\0%s" % (user, password)).encode())
        typ, _ = imap.select("INBOX", readonly=True)
        if typ != "OK":
            return []
        typ, data = imap.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        ids = []
        for item in data if typ == "OK" else []:
            if isinstance(item, tuple):
                m = re.search(rb"<([^@>]*)@", item[1])
                if m:
                    ids.append(m.group(1).decode())
        return ids
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def master_of(addrs):
    for a in addrs:
        try:
            imaplib.IMAP4(a, IMAP_PORT, timeout=2).logout()
            return a
        except (OSError, imaplib.IMAP4.error):
            continue
    return None


def read_log(path):
    accepted = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    accepted.append((parts[0], float(parts[1])))
    return accepted


def cmd_check(cib, outdir):
    bad = 0
    print("%-10s %-14s %8s %8s %8s %6s %8s" %
          ("STORE", "MASTER", "ACCEPTED", "PRESENT", "MISSING", "DUPS", "GAP(s)"))
    for st, (addrs, password) in sorted(stores_from_cib(cib).items()):
        accepted = read_log(os.path.join(outdir, st + ".log"))
        master = master_of(addrs)
        ids = inbox_ids(master, "u-" + st, password) if master else []
        counts = {}
        for i in ids:
            counts[i] = counts.get(i, 0) + 1
        missing = sum(1 for mid, _ in accepted if counts.get(mid, 0) == 0)
        dups = sum(1 for mid, _ in accepted if counts.get(mid, 0) > 1)
        times = [t for _, t in accepted]
        gap = max((b - a for a, b in zip(times, times[1:])), default=0.0)
        if master is None or missing or dups:
            bad += 1
        print("%-10s %-14s %8d %8d %8d %6d %8.2f" %
              (st, master or "NONE", len(accepted), len(accepted) - missing, missing, dups, gap))
    return 1 if bad else 0


def cmd_probe(addrs, logpath, stop):
    """Deliver to every address in turn, at least one round (until STOP exists); log
    'ADDR EPOCH MESSAGE-ID' for each accepted message (ids unique across probes)."""
    deadline = time.time() + 120  # never outlive a test
    with open(logpath, "a", buffering=1) as log:
        n = 0
        while n == 0 or (not os.path.exists(stop) and time.time() < deadline):
            for a in addrs:
                n += 1
                mid = "probe-%d-%d" % (os.getpid(), n)
                try:
                    conn = smtplib.LMTP(a, LMTP_PORT, timeout=1)
                    conn.sendmail("probe@example.org", ["probe"], message("probe", mid))
                    log.write("%s %.3f %s\n" % (a, time.time(), mid))
                    conn.quit()
                except (OSError, smtplib.SMTPException):
                    pass
            time.sleep(0.05)
    return 0


def cmd_probecheck(cib, logs):
    """Every probe accepted (on whichever side of a cut) is on its store's master now."""
    store_of, password = {}, {}
    for st, (addrs, pw) in stores_from_cib(cib).items():
        for a in addrs:
            store_of[a] = st
        password[st] = (addrs, pw)
    accepted = {}
    for path in logs:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[0] in store_of:
                    accepted.setdefault(store_of[parts[0]], []).append(parts[2])
    bad = 0
    for st, mids in sorted(accepted.items()):
        addrs, pw = password[st]
        master = master_of(addrs)
        ids = inbox_ids(master, "probe", pw) if master else []
        missing = [m for m in mids if ids.count(m) == 0]
        dups = [m for m in mids if ids.count(m) > 1]
        print("%s: %d probes accepted, %d missing, %d duplicated on %s" %
              (st, len(mids), len(missing), len(dups), master or "NONE"))
        if master is None or missing or dups:
            bad += 1
    return 1 if bad else 0


def cmd_lhlo(addrs):
    for a in addrs:
        try:
            conn = smtplib.LMTP(a, LMTP_PORT, timeout=2)
            conn.quit()
        except (OSError, smtplib.SMTPException):
            return 1
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "stores":
        for st, (addrs, _) in sorted(stores_from_cib(argv[2]).items()):
            print(st, " ".join(addrs))
        return 0
    if len(argv) in (5, 6) and argv[1] == "load":
        return cmd_load(argv[2], argv[3], argv[4], float(argv[5]) if len(argv) == 6 else 10.0)
    if len(argv) == 4 and argv[1] == "check":
        return cmd_check(argv[2], argv[3])
    if len(argv) >= 4 and argv[1] == "probecheck":
        return cmd_probecheck(argv[2], argv[3:])
    if len(argv) >= 3 and argv[1] == "lhlo":
        return cmd_lhlo(argv[2:])
    if len(argv) >= 7 and argv[1] == "probe" and argv[-4] == "--log" and argv[-2] == "--stop":
        return cmd_probe(argv[2:-4], argv[-3], argv[-1])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
