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
    # stock plugins (interop peers) and the sasldb store
    libsasl2-modules libsasl2-modules-db sasl2-bin
    # a real server and real clients
    postfix swaks
    # the relay chain harness (tests/harness-*.test): libssl-dev above also
    # builds the doorphone; openssl makes the throw-away certificates;
    # python3 runs the hostile server, mbox checks and the smtplib peer;
    # iproute2 gives ss (free ports); djpeg checks the snapshot decodes
    openssl python3 iproute2 libjpeg-turbo-progs
    # the peer matrix: swaks needs Authen::SASL (and Digest::HMAC) for
    # DIGEST-MD5; curl, gsasl, msmtp; smtptest, the stock Cyrus client
    # (cyrus-clients pulls cyrus-common, whose services must not start:
    # see policy-rc.d below)
    libauthen-sasl-perl libdigest-hmac-perl curl gsasl msmtp cyrus-clients
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
# No package may start a service (cyrus-common, postfix): without a
# policy-rc.d, install a temporary one that forbids it.
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from md5gate install-deps.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=y
fi
status=0
apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
[ -n "$made_policy" ] && rm -f "$policy"
[ $status -eq 0 ] || exit $status

# Nothing may listen on a standard mail port now (the tests use their own).
if command -v ss >/dev/null 2>&1; then
    busy=$(ss -Htln '( sport = :25 or sport = :110 or sport = :143 or sport = :465 or sport = :587 or sport = :993 or sport = :995 or sport = :2000 or sport = :4190 )' 2>/dev/null)
    if [ -n "$busy" ]; then
	echo "install-deps: warning: something listens on a standard mail port:" >&2
	printf '%s\n' "$busy" >&2
    fi
fi
