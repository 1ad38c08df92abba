#!/usr/bin/env python3
"""starttls_server.py ADDR PORT [CHAIN KEY | --plain]: a minimal SMTP server with STARTTLS on
ADDR:PORT for the DANE and probe --mx tests (tests/scripts/dane.sh, probe_mx.sh). Python's ssl
module is a TLS server independent of mtlscert's code. CHAIN (leaf first) and KEY are read
again for every connection, so a test switches the served key by replacing the files, as an
MTA reload would. --plain never offers STARTTLS. Writes nothing; serves until killed."""
import os
import ssl
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcp_serve import serve  # noqa: E402

addr, port = sys.argv[1], int(sys.argv[2])
plain = sys.argv[3] == "--plain"
chain, key = (None, None) if plain else (sys.argv[3], sys.argv[4])


def lines(f):
    for line in f:
        yield line.rstrip(b"\r\n").upper()


def session(conn):
    try:
        f = conn.makefile("rwb")
        f.write(b"220 test ESMTP\r\n"); f.flush()
        for cmd in lines(f):
            if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
                f.write(b"250-test\r\n" + (b"" if plain else b"250-STARTTLS\r\n") + b"250 8BITMIME\r\n")
            elif cmd == b"STARTTLS" and not plain:
                f.write(b"220 go ahead\r\n"); f.flush()
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(chain, key)
                tls = ctx.wrap_socket(conn, server_side=True)
                g = tls.makefile("rwb")
                for c in lines(g):
                    if c.startswith(b"EHLO"):
                        g.write(b"250-test\r\n250 8BITMIME\r\n")
                    elif c == b"QUIT":
                        g.write(b"221 bye\r\n"); g.flush(); break
                    else:
                        g.write(b"250 ok\r\n")
                    g.flush()
                return
            elif cmd == b"QUIT":
                f.write(b"221 bye\r\n"); f.flush(); return
            else:
                f.write(b"500 no\r\n")
            f.flush()
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


serve(addr, port, session)
