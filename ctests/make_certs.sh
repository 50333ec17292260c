#!/usr/bin/env bash
# Makes the test PKI in $1 (default build/certs): a CA, and a server certificate for localhost
# and 127.0.0.1 signed by it. Idempotent.
set -eu
dir=${1:-build/certs}
[ -f "$dir/server.pem" ] && [ -f "$dir/ca.pem" ] && exit 0
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=sesscache test CA" -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
    -extfile server.ext -out server.pem 2>/dev/null
# A second key that does not match the certificate, for the mismatch tests.
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out other.key 2>/dev/null
cat server.pem ca.pem > chain.pem
rm -f server.csr server.ext ca.srl
