#!/usr/bin/env python3
"""LMTP test client for the agent tests.

lmtp.py ADDR PORT USER COUNT PREFIX LOG       deliver COUNT messages
lmtp.py ADDR PORT USER 0 PREFIX LOG STOPFILE  deliver until STOPFILE exists,
                                              reconnecting (to ADDR2 too if given as ADDR,ADDR2)
Every message the server ACCEPTED (250 after DATA) is appended to LOG as its
Message-ID, so a test can check each accepted message is present exactly once.
"""
import os
import smtplib
import sys
import time


def deliver(conn, user, mid):
    msg = ("From: test@example.org\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@slotstore.test>\r\n"
           "\r\nbody of %s\r\n" % (user, mid, mid, mid))
    conn.sendmail("test@example.org", [user], msg)


def main():
    addrs, port, user, count, prefix, log = sys.argv[1:7]
    stop = sys.argv[7] if len(sys.argv) > 7 else None
    addrs = addrs.split(",")
    count = int(count)
    n = 0
    conn = None
    deadline = time.time() + 60  # never hang a test run
    with open(log, "a") as out:
        while ((count and n < count) or (not count and not os.path.exists(stop))) \
                and time.time() < deadline:
            mid = "%s-%d" % (prefix, n)
            try:
                if conn is None:
                    conn = smtplib.LMTP(addrs[n % len(addrs)] if len(addrs) > 1 else addrs[0],
                                        int(port), timeout=5)
                deliver(conn, user, mid)
                out.write(mid + "\n")
                out.flush()
                n += 1
            except (OSError, smtplib.SMTPException):
                # not accepted: the same id is retried, on whichever slot answers
                conn = None
                addrs.append(addrs.pop(0))
                time.sleep(0.02)
    if conn is not None:
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            pass


if __name__ == "__main__":
    main()
