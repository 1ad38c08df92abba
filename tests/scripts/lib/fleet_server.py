#!/usr/bin/env python3
"""fleet_server.py: a small real STARTTLS server for probe tests and benches.

usage: fleet_server.py ADDR PORT CERT KEY [--no-starttls] [--name NAME]

Listens on ADDR:PORT (PORT 0: any; the port is printed on stdout once listening), one
thread per connection: 220 greeting, EHLO (STARTTLS offered unless --no-starttls),
STARTTLS then the TLS handshake with CERT/KEY (any certificate: expired, wrong name,
self-signed, as the test made it), EHLO again over TLS, QUIT. Serves until killed.
"""
import socket
import socketserver
import ssl
import sys


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 4:
        sys.exit(__doc__)
    addr, port, cert, key = args[0], int(args[1]), args[2], args[3]
    starttls = "--no-starttls" not in sys.argv
    name = "mx.test.example"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, f, text):
            f.write(text.encode() + b"\r\n")
            f.flush()

        def dialogue(self, rfile, wfile, tls):
            while True:
                line = rfile.readline(1024)
                if not line:
                    return None
                verb = line.strip().split(b" ")[0].upper()
                if verb in (b"EHLO", b"HELO"):
                    offer = starttls and not tls
                    self.reply(wfile, f"250-{name} hello\r\n250-PIPELINING" + ("\r\n250-STARTTLS" if offer else "")
                               + "\r\n250 8BITMIME")
                elif verb == b"STARTTLS" and starttls and not tls:
                    self.reply(wfile, "220 2.0.0 Ready to start TLS")
                    return "starttls"
                elif verb == b"QUIT":
                    self.reply(wfile, "221 2.0.0 bye")
                    return None
                else:
                    self.reply(wfile, "502 5.5.2 not implemented")

        def handle(self):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.reply(self.wfile, f"220 {name} ESMTP test server")
            if self.dialogue(self.rfile, self.wfile, False) != "starttls":
                return
            try:
                conn = ctx.wrap_socket(self.connection, server_side=True)
            except (ssl.SSLError, OSError):
                return
            rfile, wfile = conn.makefile("rb"), conn.makefile("wb")
            try:
                self.dialogue(rfile, wfile, True)
            except (ssl.SSLError, OSError):
                pass

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 256

    with Server((addr, port), Handler) as server:
        print(server.server_address[1], flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
