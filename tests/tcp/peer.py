#!/usr/bin/env python3
"""A real TLS peer on Python's ssl module (the system OpenSSL), over TCP on 127.0.0.1.

  peer.py client PORT --version 1.2|1.3 -n N [--cafile F]
      N connections, each offering the previous connection's session; each sends "GET\\n",
      reads the reply to the server's close_notify and closes cleanly. Prints "full" or
      "reused" per connection; exits 1 unless connections 2..N all resumed.
  peer.py server PORT --cert F --key F -n N
      Serves N connections: reads a request, answers, reads to the client's close_notify.
      Prints "ready" once listening.
"""
import argparse
import socket
import ssl
import sys


def client(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    version = ssl.TLSVersion.TLSv1_2 if args.version == "1.2" else ssl.TLSVersion.TLSv1_3
    ctx.minimum_version = ctx.maximum_version = version
    session, reused = None, 0
    for n in range(1, args.n + 1):
        raw = socket.create_connection(("127.0.0.1", args.port), timeout=10)
        tls = ctx.wrap_socket(raw, server_hostname="localhost", session=session)
        tls.sendall(b"GET\n")
        while tls.recv(4096):
            pass  # to the server's close_notify; TLS 1.3 tickets arrive on the way
        print("reused" if tls.session_reused else "full", flush=True)
        reused += n > 1 and tls.session_reused
        session = tls.session
        try:
            tls.unwrap()
        except OSError:
            pass  # the server may have closed first: its close_notify was already received
        tls.close()
    return 0 if reused == args.n - 1 else 1


def server(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    lsock = socket.create_server(("127.0.0.1", args.port))
    print("ready", flush=True)
    for _ in range(args.n):
        raw, _ = lsock.accept()
        raw.settimeout(10)
        try:
            tls = ctx.wrap_socket(raw, server_side=True)
            tls.recv(4096)
            tls.sendall(b"hello from python\n")
            while tls.recv(4096):
                pass
        except (OSError, ssl.SSLError) as e:
            print(f"connection failed: {e}", flush=True)
        raw.close()
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["client", "server"])
    p.add_argument("port", type=int)
    p.add_argument("--version", default="1.3")
    p.add_argument("-n", type=int, default=1)
    p.add_argument("--cert")
    p.add_argument("--key")
    args = p.parse_args()
    return client(args) if args.role == "client" else server(args)


if __name__ == "__main__":
    sys.exit(main())
