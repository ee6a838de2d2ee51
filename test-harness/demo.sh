#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# md5gate's main job on one screen: build md5gate, start a private Postfix
# relay on 127.0.0.1 (smtpd chrooted, as Debian ships it) whose libsasl2
# loads md5gate, let the door-intercom-style client (test-harness/doorphone)
# authenticate with CRAM-MD5 and DIGEST-MD5 and deliver a notification with
# a snapshot, show that a wrong password is refused with the device's error
# code, print md5gate's audit records, and stop everything.
#
# Run as root on Debian 12. The machine's default Postfix is never touched.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() { printf '\n== %s\n' "$*"; }

say "installing dependencies and building md5gate"
bash test-harness/install-deps.sh || exit 1
if [ ! -f _build/plugins/.libs/libmd5gate.so ] || [ ! -x _build/test-harness/doorphone/doorphone ] \
    || [ ! -x _build/cli/md5gate ] \
    || [ -n "$(find src plugins cli test-harness/doorphone -newer _build/plugins/.libs/libmd5gate.so -name '*.[ch]' 2>/dev/null)" ]; then
    { autoreconf -fi && mkdir -p _build && cd _build && { [ -f Makefile ] || ../configure -q; } \
	&& make -j"$(nproc)" && make test-harness/doorphone/doorphone; } \
	>/tmp/md5gate-demo-build.log 2>&1 \
	|| { tail -n 30 /tmp/md5gate-demo-build.log; echo "build failed"; exit 1; }
    cd "$top"
fi
echo "built $top/_build/plugins/.libs/libmd5gate.so"

. tests/lib.sh
. test-harness/lib/postfix-instance.sh

tmp=$(mktemp -d /tmp/md5gate-demo.XXXXXX) && chmod 711 "$tmp"
inst=$tmp/relay
cleanup() { pf_stop "$inst" >/dev/null 2>&1; rm -rf "$tmp"; }
# Through tests/lib.sh's exit handler, not a trap of its own: that one
# also releases the port free_port reserved.
cleanup_push cleanup

port=$(free_port) || exit 1
printf '[global]\naudit_file = %s\n' "$tmp/audit.jsonl" >"$tmp/policy.conf"
pf_create "$inst" "$port" --plugin-source "$top/_build/plugins/.libs" \
    --plugins libmd5gate.so \
    --mechs "CRAM-MD5 DIGEST-MD5" --realm example.test --domain example.test --chroot \
    --sasl-opt "md5gate_policy: $tmp/policy.conf" \
    >/dev/null || { echo "could not create the relay instance"; exit 1; }
# The demo's password is not a secret: it exists only in this temporary relay.
printf 'door-2024\n' >"$tmp/door.pw"
printf 'not-the-password\n' >"$tmp/wrong.pw"
pf_adduser "$inst" doorphone "door-2024" >/dev/null || exit 1
pf_start "$inst" >/dev/null || { pf_log_tail "$inst" 20; exit 1; }
say "relay up: Postfix smtpd on 127.0.0.1:$port, chrooted, SASL plugins: md5gate + sasldb"

send() {    # send MECH PASSWORD-FILE LABEL
    "$top/_build/test-harness/doorphone/doorphone" --server 127.0.0.1 --port "$port" \
	--security none --mech "$1" --user doorphone --password-file "$2" \
	--from intercom@example.test --to owner@example.test --subject "$3" 2>&1 \
	| grep -E '^doorphone: ' | sed 's/^doorphone: /   intercom: /'
}

say "intercom -> relay with CRAM-MD5, right password"
send CRAM-MD5 "$tmp/door.pw" "door bell, CRAM-MD5"
say "intercom -> relay with DIGEST-MD5, right password"
send DIGEST-MD5 "$tmp/door.pw" "door bell, DIGEST-MD5"
say "intercom -> relay with CRAM-MD5, wrong password"
send CRAM-MD5 "$tmp/wrong.pw" "should not arrive"

pf_wait_mail "$inst" "DIGEST-MD5" 20 >/dev/null
say "delivered notifications"
grep -E '^Subject: |^Content-Type: image' "$(pf_mailbox "$inst")" | sed 's/^/   /'
say "md5gate audit tail: the audit records (the same records are in the mail log)"
"$top/_build/cli/md5gate" audit tail -n 10 "$tmp/audit.jsonl" | sed 's/^/   /'
say "md5gate audit summary: per account, as the relay's owner reads it"
"$top/_build/cli/md5gate" audit summary "$tmp/audit.jsonl" | sed 's/^/   /'

say "stopping the relay"
pf_stop "$inst" >/dev/null && echo "   stopped; nothing left running"
