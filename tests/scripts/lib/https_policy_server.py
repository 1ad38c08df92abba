#!/usr/bin/env python3
"""https_policy_server.py ADDR PORT CHAIN KEY DIR: an HTTPS server on ADDR:PORT for the MTA-STS
tests (tests/scripts/mta_sts.sh), honest or hostile as DIR/mode says. Python's ssl module is a
TLS server independent of mtlscert's code. CHAIN (leaf first), KEY, DIR/mode and DIR/policy are
read again for every connection, so a test switches behaviour (or certificate) by rewriting
files. Each request is appended to DIR/requests.log as "SNI<TAB>REQUEST-LINE<TAB>HOST".

Modes (DIR/mode, one word; default "good"):
  good       200, text/plain; charset=utf-8, Content-Length, the body DIR/policy
  chunked    the same body in chunked transfer coding
  close      the same body framed by the end of the connection (no length)
  large      200 text/plain with a Content-Length of 70000 (more than the 64 KiB a sender reads)
  large-close  70000 bytes framed by the end of the connection
  slow       the status line, then one byte of header every 0.5 s, never done
  silent     the TLS handshake, then nothing at all
  html       200 with Content-Type text/html
  redirect   301 to https://elsewhere.example/.well-known/mta-sts.txt
  notfound   404
Prints "ready" once listening; serves until killed."""
import os
import ssl
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcp_serve import serve  # noqa: E402

addr, port, chain, key, ctl = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
log_lock = threading.Lock()


def read(name, default=""):
    try:
        with open(os.path.join(ctl, name), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return default.encode()


def answer(conn, mode, body):
    def head(status, ctype="text/plain; charset=utf-8", extra=b""):
        return b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype.encode() + b"\r\n" + extra

    if mode == "good":
        conn.sendall(head(b"200 OK", extra=b"Content-Length: %d\r\n\r\n" % len(body)) + body)
    elif mode == "chunked":
        half = len(body) // 2
        chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(c), c) for c in (body[:half], body[half:]) if c)
        conn.sendall(head(b"200 OK", extra=b"Transfer-Encoding: chunked\r\n\r\n") + chunks + b"0\r\n\r\n")
    elif mode == "close":
        conn.sendall(head(b"200 OK", extra=b"Connection: close\r\n\r\n") + body)
    elif mode == "large":
        big = body + b"#" * (70000 - len(body))
        conn.sendall(head(b"200 OK", extra=b"Content-Length: %d\r\n\r\n" % len(big)) + big)
    elif mode == "large-close":
        conn.sendall(head(b"200 OK", extra=b"\r\n") + body + b"#" * 70000)
    elif mode == "slow":
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(600):
            time.sleep(0.5)
            conn.sendall(b"X")
    elif mode == "silent":
        time.sleep(300)
    elif mode == "html":
        conn.sendall(head(b"200 OK", "text/html", b"Content-Length: %d\r\n\r\n" % len(body)) + body)
    elif mode == "redirect":
        conn.sendall(head(b"301 Moved Permanently",
                          extra=b"Location: https://elsewhere.example/.well-known/mta-sts.txt\r\n"
                                b"Content-Length: 0\r\n\r\n"))
    elif mode == "notfound":
        conn.sendall(head(b"404 Not Found", extra=b"Content-Length: 10\r\n\r\nnot found\n"))


def session(raw):
    sni = []
    try:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(chain, key)
        ctx.sni_callback = lambda _s, name, _c: sni.append(name or "")
        conn = ctx.wrap_socket(raw, server_side=True)
        request = b""
        while b"\r\n\r\n" not in request and len(request) < 16384:
            data = conn.recv(4096)
            if not data:
                return
            request += data
        lines = request.split(b"\r\n")
        host = next((l.split(b":", 1)[1].strip() for l in lines[1:] if l.lower().startswith(b"host:")), b"")
        with log_lock, open(os.path.join(ctl, "requests.log"), "ab") as f:
            f.write(b"%s\t%s\t%s\n" % ((sni[0] if sni else "").encode(), lines[0], host))
        mode = read("mode", "good").decode().strip() or "good"
        answer(conn, mode, read("policy"))
        conn.close()
    except (OSError, ssl.SSLError):
        pass
    finally:
        raw.close()


serve(addr, port, session)
