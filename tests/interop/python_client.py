"""Connects to a TLS server twice with Python's ssl module, the second time offering the first
connection's session; exits 0 when the second connection resumed."""
import socket
import ssl
import sys

port = int(sys.argv[1])
version = sys.argv[2] if len(sys.argv) > 2 else "1.3"
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
v = ssl.TLSVersion.TLSv1_2 if version == "1.2" else ssl.TLSVersion.TLSv1_3
ctx.minimum_version = ctx.maximum_version = v
if version == "1.2":
    ctx.options |= ssl.OP_NO_TICKET

session = None
reused = []
for _ in range(2):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as tls:
            tls.sendall(b"GET\n")
            tls.recv(100)  # TLS 1.3 tickets arrive with the reply
            reused.append(tls.session_reused)
            session = tls.session
            tls.unwrap()
print("python client (TLS %s): resumed=%s" % (version, reused))
sys.exit(0 if reused == [False, True] else 1)
