#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
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
    # the lockout store shared by every smtpd process (LMDB); mdb_stat and
    # mdb_dump to look inside it by hand
    liblmdb-dev lmdb-utils
    # md5gate audit reads logrotate's gzip-compressed audit files (zlib)
    zlib1g-dev
    # the lockout store shared by several relays (lockout_backend = redis):
    # hiredis to build, and a real redis-server that the tests start on
    # 127.0.0.1 with a private configuration (its own service is not used)
    libhiredis-dev redis-server
    # GNU SASL, an independent DIGEST-MD5 peer for the security layer tests
    libgsasl-dev
    # stock plugins (interop peers) and the sasldb store
    libsasl2-modules libsasl2-modules-db sasl2-bin
    # a real server and real clients
    postfix swaks
    # swaks does DIGEST-MD5 through Authen::SASL; its pure-Perl backend
    # needs Digest::HMAC_MD5, which Debian only suggests
    libauthen-sasl-perl libdigest-hmac-perl
    # more DIGEST-MD5 and CRAM-MD5 clients: GNU SASL's command line client,
    # curl's and msmtp's own implementations, and smtptest, the stock Cyrus
    # client (cyrus-clients pulls cyrus-common, whose services must not
    # start: see policy-rc.d below)
    gsasl curl msmtp cyrus-clients
    # python3: the scripted SMTP clients, the hostile server, JSON and mbox
    # checks, the smtplib peer; openssl: throw-away certificates and digests
    # computed independently of md5gate; iproute2: ss (free ports);
    # djpeg checks the doorphone's snapshot decodes
    python3 openssl iproute2 libjpeg-turbo-progs
    # the md5gate command's tests: doveadm (Dovecot's {CRAM-MD5} and
    # {DIGEST-MD5} hashes, compared live; its service is never started)
    dovecot-core
    # hardening: libFuzzer targets (clang; libFuzzer and clang's sanitizer
    # runtimes are in libclang-rt-14-dev), valgrind's memcheck for the
    # libsasl2 round trips and callgrind for bench/ (gcc's ASan and UBSan
    # runtimes come with gcc)
    clang libclang-rt-14-dev valgrind
    # the Debian packages (test-harness/package-roundtrip.sh): dpkg-buildpackage
    # (dpkg-dev), dh with autoreconf (debhelper pulls dh-autoreconf), and
    # lintian, whose errors fail the round trip
    dpkg-dev debhelper lintian
    # the package's logrotate file, run against a real Postfix
    # (tests/postfix-audit-rotate.test)
    logrotate
    # a fresh minimal Debian in which the packages must build from their
    # Build-Depends alone (test-harness/package-clean-build.sh)
    mmdebstrap
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

# Nothing installed here may start a daemon (postfix, cyrus-common,
# dovecot): the tests run their own instances, and nothing of theirs may
# listen on the machine. While apt-get runs, a policy-rc.d refuses every
# start (unless the machine has its own, as Docker images do); Dovecot's
# service is then disabled so that it stays off after a reboot too.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# installed by md5gate install-deps.sh for the install only\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
if [[ " ${missing[*]} " == *" dovecot-core "* ]]; then
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
	systemctl disable --now dovecot.service dovecot.socket >/dev/null 2>&1 || true
    elif command -v update-rc.d >/dev/null; then
	update-rc.d dovecot disable >/dev/null 2>&1 || true
    fi
fi
# The same for Redis: the tests start their own redis-server.
if [[ " ${missing[*]} " == *" redis-server "* ]]; then
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
	systemctl disable --now redis-server.service >/dev/null 2>&1 || true
    elif command -v update-rc.d >/dev/null; then
	update-rc.d redis-server disable >/dev/null 2>&1 || true
    fi
fi

# Nothing may listen on a standard mail port now (the tests use their own).
if command -v ss >/dev/null 2>&1; then
    busy=$(ss -Htln '( sport = :25 or sport = :110 or sport = :143 or sport = :465 or sport = :587 or sport = :993 or sport = :995 or sport = :2000 or sport = :4190 )' 2>/dev/null)
    if [ -n "$busy" ]; then
	echo "install-deps: warning: something listens on a standard mail port:" >&2
	printf '%s\n' "$busy" >&2
    fi
fi
