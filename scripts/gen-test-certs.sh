#!/usr/bin/env bash
# Regenerates the TLS fixtures the tests use: a test CA (trusted by `npm test` through
# NODE_EXTRA_CA_CERTS) and a server certificate it signed for the test host names.
# Test-only key material: never use it anywhere else.
set -euo pipefail
out=${1:-test/fixtures/tls}
mkdir -p "$out"
cd "$out"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 \
  -subj "/CN=xmpp-http-auth test CA" -keyout ca.key -out ca.crt \
  -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout server.key -out server.csr 2>/dev/null
cat > ext.cnf <<'CNF'
basicConstraints=CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:example.com,DNS:example.net,DNS:hostsub.test,DNS:http.test,IP:127.0.0.1
CNF
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 36500 -extfile ext.cnf -out server.crt 2>/dev/null
rm -f server.csr ext.cnf ca.srl
echo "wrote $out/{ca.crt,ca.key,server.crt,server.key}"
