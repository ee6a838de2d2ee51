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
    # audit records (JSON) and the configuration file (INI)
    libjson-c-dev libinih-dev
    # test scripts that check JSON and speak raw SMTP
    python3
    # stock plugins (interop peers) and the sasldb store
    libsasl2-modules libsasl2-modules-db sasl2-bin
    # a real server and real clients
    postfix swaks
    # swaks does DIGEST-MD5 through Authen::SASL; its pure-Perl backend
    # needs Digest::HMAC_MD5, which Debian only suggests
    libauthen-sasl-perl libdigest-hmac-perl
    # more DIGEST-MD5 clients for tests/postfix-digest.test: GNU SASL's
    # command line client and curl's own implementation
    gsasl curl
    # the hand-written SMTP DIGEST-MD5 client and the rspauth-forging relay
    # in test-harness/ (not in a minimal Debian 12 image)
    python3
    # hardening: libFuzzer targets (clang; libFuzzer and clang's sanitizer
    # runtimes are in libclang-rt-14-dev), valgrind's memcheck for the
    # libsasl2 round trips and callgrind for bench/ (gcc's ASan and UBSan
    # runtimes come with gcc)
    clang libclang-rt-14-dev valgrind
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
