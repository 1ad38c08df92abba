"""tcp_serve.py: the accept loop the test servers share (starttls_server.py,
https_policy_server.py): listen on ADDR:PORT, say "ready" on standard output once
listening, and run session(conn) in a thread of its own for every connection, so a
slow or hostile session never holds up the next one. Serves until killed."""
import socket
import threading


def serve(addr, port, session):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        threading.Thread(target=session, args=(c,), daemon=True).start()
