#!/usr/bin/env python3
"""starttls_server.py ADDR PORT [CHAIN KEY | --plain]: a minimal SMTP server with STARTTLS on
ADDR:PORT for the DANE and probe --mx tests (tests/scripts/dane.sh, probe_mx.sh). Python's ssl
module is a TLS server independent of mtlscert's code. CHAIN (leaf first) and KEY are read
again for every connection, so a test switches the served key by replacing the files, as an
MTA reload would. --plain never offers STARTTLS. Writes nothing; serves until killed."""
import socket
import ssl
import sys
import threading

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


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=session, args=(c,), daemon=True).start()
