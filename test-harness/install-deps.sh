#!/bin/bash
# Install what md5gate needs to build, test and demonstrate itself on a
# fresh Debian 12 machine. Run as root; safe to run again.
#
# Postfix is installed with debconf answering "No configuration", so no
# default instance is configured or started: md5gate's tests run their own
# private instances and never touch the machine's /etc/postfix.
set -euo pipefail

packages=(
    # build
    autoconf automake libtool pkg-config make gcc
    libsasl2-dev libssl-dev check
    # GNU SASL, an independent DIGEST-MD5 peer for the security layer tests
    libgsasl-dev
    # stock plugins (interop peers) and the sasldb store
    libsasl2-modules libsasl2-modules-db sasl2-bin
    # a real server and real clients
    postfix swaks
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
	|| missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
