#!/bin/sh
# One client certificate from an existing intermediate CA by hand (manual
# 18.9.5): key and CSR, signed, the PKCS#8 DER key JDBC reads, the chain and
# the root beside it: the same files issue writes. Run in a copy of a
# bundle's ca/ directory.
set -e
q() { "$@" 2>/dev/null; }
mkdir -p clients/carol
q openssl req -new -nodes -out carol.csr -newkey rsa:2048 -keyout clients/carol/postgresql.key -subj "/CN=carol"
chmod og-rwx clients/carol/postgresql.key
q openssl x509 -req -in carol.csr -days 365 -CA intermediate.crt -CAkey intermediate.key -CAcreateserial -out carol.crt
q openssl pkcs8 -topk8 -nocrypt -outform DER -in clients/carol/postgresql.key -out clients/carol/postgresql.pk8
cat carol.crt intermediate.crt > clients/carol/postgresql.crt
cp root.crt clients/carol/root.crt
