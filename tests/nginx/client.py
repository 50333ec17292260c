#!/usr/bin/env python3
"""TLS clients for tests/nginx/run.sh (Python's ssl, on the system OpenSSL).

  resume PORT,PORT,... VERSION [--sni NAME] [--alpn P] [--cert CERT KEY]
      one connection per port in turn, each offering the session the previous one got;
      prints "R" (resumed) or "-" per connection, then the last response body.
  garbage PORT
      sends malformed ClientHellos (each on its own connection) and prints what came back.
"""
import socket
import ssl
import sys
import time


def context(version, alpn=None, cert=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    v = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[version]
    ctx.minimum_version = v
    ctx.maximum_version = v
    if alpn:
        ctx.set_alpn_protocols([alpn])
    if cert:
        ctx.load_cert_chain(cert[0], cert[1])
    return ctx


def get(ctx, port, session, sni):
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    tls = ctx.wrap_socket(raw, server_hostname=sni, session=session)
    tls.sendall(b"GET / HTTP/1.1\r\nHost: " + sni.encode() + b"\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        try:
            chunk = tls.recv(4096)
        except (ssl.SSLError, OSError):
            break
        if not chunk:
            break
        data += chunk
    reused = tls.session_reused
    session = tls.session
    tls.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split(b" ")[1:2]
    text = body.decode(errors="replace").strip()
    # An error page: its title; a variables line: as it is.
    title = text.split("<title>", 1)[1].split("</title>", 1)[0] if "<title>" in text else text
    return reused, session, (status[0].decode() if status else "no response") + " " + title


def resume(args):
    ports = [int(p) for p in args[0].split(",")]
    version = args[1]
    sni, alpn, cert = "localhost", None, None
    rest = args[2:]
    while rest:
        if rest[0] == "--sni":
            sni, rest = rest[1], rest[2:]
        elif rest[0] == "--alpn":
            alpn, rest = rest[1], rest[2:]
        elif rest[0] == "--cert":
            cert, rest = (rest[1], rest[2]), rest[3:]
        else:
            raise SystemExit("unknown option " + rest[0])
    ctx = context(version, alpn, cert)
    session, marks, body = None, [], ""
    for port in ports:
        reused, session, body = get(ctx, port, session, sni)
        marks.append("R" if reused else "-")
    # One write: a reader that takes only the first line must not break the second.
    sys.stdout.write(" ".join(marks) + "\n" + body + "\n")


def garbage(args):
    port = int(args[0])
    rand = __import__("random").Random(1)
    urandom = lambda n: bytes(rand.randrange(256) for _ in range(n))
    record = lambda body: bytes([22, 3, 1]) + len(body).to_bytes(2, "big") + body
    hello = lambda body: bytes([1]) + len(body).to_bytes(3, "big") + body
    cases = {
        "random bytes": bytes([22]) + urandom(300),
        "empty record": record(b""),
        "record longer than its data": bytes([22, 3, 1, 0x40, 0]) + b"\x01" * 10,
        "oversized record": bytes([22, 3, 1, 0xFF, 0xFF]) + b"\x00" * 100,
        "hello with huge length": record(bytes([1, 0xFF, 0xFF, 0xFF]) + b"\x03\x03"),
        "truncated hello": record(hello(b"\x03\x03" + urandom(20))),
        "hello with bad extension lengths": record(
            hello(b"\x03\x03" + urandom(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" + b"\xff\xff\x00\x00")
        ),
        "sslv2 hello": bytes([0x80, 0x2E, 0x01, 0x00, 0x02]) + urandom(44),
        "alert instead of hello": bytes([21, 3, 3, 0, 2, 2, 40]),
        "application data first": bytes([23, 3, 3, 0, 5]) + b"hello",
    }
    for name, payload in cases.items():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(payload)
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            got = b""
            while True:
                try:
                    chunk = s.recv(4096)
                except OSError:
                    break
                if not chunk:
                    break
                got += chunk
            s.close()
            kind = "alert" if got[:1] == b"\x15" else ("nothing" if not got else "bytes")
            print(f"{name}: {kind}")
        except OSError as e:
            print(f"{name}: {e.__class__.__name__}")
        time.sleep(0.05)


if __name__ == "__main__":
    {"resume": resume, "garbage": garbage}[sys.argv[1]](sys.argv[2:])
