#!/bin/sh
# The PostgreSQL manual's openssl sequence (18.9.5 Creating Certificates) for
# a root CA, an intermediate, a server certificate and two client
# certificates: the baseline generate is measured against. Run in an empty
# directory.
set -e
q() { "$@" 2>/dev/null; }
q openssl req -new -nodes -text -out root.csr -newkey rsa:2048 -keyout root.key -subj "/CN=root.example.com"
chmod og-rwx root.key
q openssl x509 -req -in root.csr -text -days 3650 -extfile /etc/ssl/openssl.cnf -extensions v3_ca -signkey root.key -out root.crt
q openssl req -new -nodes -text -out intermediate.csr -newkey rsa:2048 -keyout intermediate.key -subj "/CN=intermediate.example.com"
chmod og-rwx intermediate.key
q openssl x509 -req -in intermediate.csr -text -days 1825 -extfile /etc/ssl/openssl.cnf -extensions v3_ca -CA root.crt -CAkey root.key -CAcreateserial -out intermediate.crt
q openssl req -new -nodes -text -out server.csr -newkey rsa:2048 -keyout server.key -subj "/CN=localhost"
chmod og-rwx server.key
q openssl x509 -req -in server.csr -text -days 365 -CA intermediate.crt -CAkey intermediate.key -CAcreateserial -out server.crt
for user in alice bob; do
  q openssl req -new -nodes -text -out "$user.csr" -newkey rsa:2048 -keyout "$user.key" -subj "/CN=$user"
  chmod og-rwx "$user.key"
  q openssl x509 -req -in "$user.csr" -text -days 365 -CA intermediate.crt -CAkey intermediate.key -CAcreateserial -out "$user.crt"
done
cat server.crt intermediate.crt > server-chain.crt
