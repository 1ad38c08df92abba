#!/usr/bin/env python3
"""pick_message.py SUBJECT FILE...: print the one message whose Subject: is SUBJECT.

A FILE holds one message (the sendmail and Postfix test mailers write one file per message) or
an mbox (Exim's appendfile: each message after a "From " line). Exit 1 when none matches.
"""
import sys


def messages(text):
    lines = text.split("\n")
    if not lines or not lines[0].startswith("From "):
        yield text
        return
    cur = []
    for i, line in enumerate(lines):
        if line.startswith("From ") and (i == 0 or lines[i - 1] == ""):
            if cur:
                yield "\n".join(cur)
            cur = []
            continue
        cur.append(line)
    if cur:
        yield "\n".join(cur)


def main():
    subject, files = sys.argv[1], sys.argv[2:]
    want = f"Subject: {subject}"
    for name in files:
        try:
            text = open(name, encoding="utf-8", errors="replace").read()
        except OSError:
            continue
        for m in messages(text):
            head = m.split("\n\n", 1)[0]
            if any(line.rstrip("\r") == want for line in head.split("\n")):
                sys.stdout.write(m)
                return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
