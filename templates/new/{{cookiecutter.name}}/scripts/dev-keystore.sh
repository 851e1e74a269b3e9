#!/bin/sh
{%- set h = cookiecutter._hardgen %}
# A development keystore for the HTTPS listener: a self-signed RSA 3072 key with a SHA-256 signature for
# localhost, in a PKCS12 file (seed 000: PKCS12, not JKS). Never for production: use a certificate your
# CA issues. The password is read from the environment (keytool -storepass:env), never from the command
# line, where `ps` and the shell history would show it.
#
#   KEYSTORE_PASSWORD='...' scripts/dev-keystore.sh [PATH]     (default PATH: {{ h.keystore }})
set -eu
: "${KEYSTORE_PASSWORD:?set KEYSTORE_PASSWORD to the keystore password (it goes into the secrets file as {{ h.passphrase_key }})}"
out="${1:-{{ h.keystore }}}"
if [ -e "$out" ]; then
    echo "$out exists; remove it first to make a new one" >&2
    exit 1
fi
keytool="${JAVA_HOME:+$JAVA_HOME/bin/}keytool"
umask 077
mkdir -p "$(dirname "$out")"
"$keytool" -genkeypair -alias {{ h.name }} -keyalg RSA -keysize 3072 -sigalg SHA256withRSA -validity 90 \
    -dname "CN=localhost" -ext "SAN=dns:localhost,ip:127.0.0.1" \
    -storetype PKCS12 -keystore "$out" -storepass:env KEYSTORE_PASSWORD
echo "wrote $out (PKCS12, RSA 3072, SHA256withRSA, 90 days); put the same password into the secrets file as {{ h.passphrase_key }}"
