#!/usr/bin/env python3
"""smtp_dialog.py: send one message through a TLS client that only moves bytes.

`openssl s_client -starttls smtp` and `gnutls-cli --starttls-proto=smtp` do the STARTTLS
handshake themselves and then copy standard input to the server and the server's replies to
standard output. This driver runs such a client and speaks SMTP through it: EHLO, MAIL, RCPT,
DATA, the message, QUIT, waiting for each reply (a server may refuse commands sent before its
answer). Lines of the client's own (gnutls-cli's "- Status: ...") are kept in the transcript.

  smtp_dialog.py --helo H --from A --to B --subject S --transcript FILE -- CLIENT ARGS...

Prints the reply codes, e.g. "EHLO=250 MAIL=250 RCPT=250 DATA=354 DOT=250", and exits 0 when
the message was accepted (250 after the final dot), 1 otherwise. The TLS handshake, its
verification and the client's version choice are the client's: the caller reads them in the
transcript.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

REPLY = re.compile(rb"^(\d{3})([ -])")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helo", required=True)
    ap.add_argument("--from", dest="sender", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--subject", required=True)
    ap.add_argument("--transcript", required=True)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("client", nargs="+")
    a = ap.parse_args()

    log = open(a.transcript, "wb")
    p = subprocess.Popen(a.client, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
    buf = b""
    codes = []

    def reply():
        """The code of the next complete reply, or None at EOF/timeout."""
        nonlocal buf
        deadline = time.monotonic() + a.timeout
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                log.write(b"S: " + line + b"\n")
                m = REPLY.match(line)
                if m and m.group(2) == b" ":
                    return m.group(1).decode()
            left = deadline - time.monotonic()
            if left <= 0:
                log.write(b"driver: timeout waiting for a reply\n")
                return None
            r, _, _ = select.select([p.stdout], [], [], left)
            if not r:
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                log.write(b"driver: the client closed its output\n")
                return None
            buf += chunk

    def send(text):
        log.write(b"C: " + text.encode() + b"\n")
        try:
            p.stdin.write(text.encode() + b"\r\n")
            p.stdin.flush()
        except BrokenPipeError:
            pass

    def step(name, text):
        send(text)
        code = reply()
        codes.append(f"{name}={code}")
        return code

    ok = False
    if (step("EHLO", f"EHLO {a.helo}") == "250" and step("MAIL", f"MAIL FROM:<{a.sender}>") == "250"
            and step("RCPT", f"RCPT TO:<{a.to}>") == "250" and step("DATA", "DATA") == "354"):
        body = (f"From: <{a.sender}>\r\nTo: <{a.to}>\r\nSubject: {a.subject}\r\n\r\n"
                f"sent through {os.path.basename(a.client[0])}\r\n.")
        ok = step("DOT", body) == "250"
    send("QUIT")
    reply()
    try:
        p.stdin.close()
    except BrokenPipeError:
        pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    # what the client printed after QUIT (s_client's session summary, gnutls-cli's closing lines)
    rest = buf + p.stdout.read()
    for line in rest.splitlines():
        log.write(b"S: " + line + b"\n")
    print(" ".join(codes))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
