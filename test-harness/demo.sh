#!/bin/bash
# md5gate's main job on one screen: build md5gate, start a private Postfix
# relay on 127.0.0.1 (smtpd chrooted, as Debian ships it) whose libsasl2
# loads md5gate, let a device-style client authenticate with CRAM-MD5 and
# DIGEST-MD5 and deliver a notification, show that a wrong password is
# refused, print what the relay logged, and stop everything.
#
# Run as root on Debian 12. The machine's default Postfix is never touched.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() { printf '\n== %s\n' "$*"; }

say "installing dependencies and building md5gate"
bash test-harness/install-deps.sh || exit 1
if [ ! -f _build/plugins/.libs/libmd5gate.so ] || [ -n "$(find src plugins -newer _build/plugins/.libs/libmd5gate.so -name '*.[ch]' 2>/dev/null)" ]; then
    { autoreconf -fi && mkdir -p _build && cd _build && { [ -f Makefile ] || ../configure -q; } \
	&& make -j"$(nproc)"; } >/tmp/md5gate-demo-build.log 2>&1 \
	|| { tail -n 30 /tmp/md5gate-demo-build.log; echo "build failed"; exit 1; }
    cd "$top"
fi
echo "built $top/_build/plugins/.libs/libmd5gate.so"

. tests/lib.sh
. test-harness/lib/postfix-instance.sh

tmp=$(mktemp -d /tmp/md5gate-demo.XXXXXX) && chmod 711 "$tmp"
inst=$tmp/relay
cleanup() { pf_stop "$inst" >/dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT

port=$(free_port) || exit 1
pf_create "$inst" "$port" --plugin-source "$top/_build/plugins/.libs" \
    --plugins libmd5gate.so --sasldb-plugin /usr/lib/x86_64-linux-gnu/sasl2/libsasldb.so \
    --mechs "CRAM-MD5 DIGEST-MD5" --realm example.test --domain example.test --chroot \
    >/dev/null || { echo "could not create the relay instance"; exit 1; }
# The demo's password is not a secret: it exists only in this temporary relay.
password='door-2024'
pf_adduser "$inst" doorphone "$password" >/dev/null || exit 1
pf_start "$inst" >/dev/null || { pf_log_tail "$inst" 20; exit 1; }
say "relay up: Postfix smtpd on 127.0.0.1:$port, chrooted, SASL plugins: md5gate + sasldb"

send() {    # send MECH PASSWORD LABEL
    local out
    out=$(SWAKS_OPT_auth_password=$2 swaks --server "127.0.0.1:$port" \
	--helo doorphone.lan --auth "$1" --auth-user doorphone \
	--from intercom@example.test --to owner@example.test \
	--header "Subject: $3" --body "Someone rang the door bell ($3)." 2>&1)
    printf '%s\n' "$out" | grep -E '^<[-~*]+ +(235|535|250 2\.0\.0 Ok: queued)' \
	| sed -E 's/^<[-~*]+ +/   relay: /'
}

say "intercom -> relay with CRAM-MD5, right password"
send CRAM-MD5 "$password" "door bell, CRAM-MD5"
say "intercom -> relay with DIGEST-MD5, right password"
send DIGEST-MD5 "$password" "door bell, DIGEST-MD5"
say "intercom -> relay with CRAM-MD5, wrong password"
send CRAM-MD5 "not-the-password" "should not arrive"

pf_wait_mail "$inst" "DIGEST-MD5" 20 >/dev/null
say "delivered notifications"
grep -E '^Subject: ' "$(pf_mailbox "$inst")" | sed 's/^/   /'
say "what the relay logged"
pf_log "$inst" | grep -E 'sasl_method=|authentication failed' \
    | sed -E 's/^([A-Za-z]+ +[0-9]+ [0-9:]+) [^ ]+ /\1 /; s/^/   /'

say "stopping the relay"
pf_stop "$inst" >/dev/null && echo "   stopped; nothing left running"
