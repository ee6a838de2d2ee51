#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# md5gate's load test: the harness relay (test-harness/lib/
# chain.sh: Postfix, smtpd chrooted, md5gate with its audit file) with its
# process limits raised and its per-client limits off, then
# LOAD_SESSIONS SMTP sessions at once (default 200) until LOAD_AUTHS
# authentications (default 10000) have been made by
# test-harness/load-client.py: CRAM-MD5 and DIGEST-MD5, right and wrong
# passwords, a few unknown users, several AUTH attempts in a session
# where SMTP allows them. It checks that
#   - every reply is the expected one: 235 for a right password, 535
#     otherwise (zero unexpected results, every session and attempt made);
#   - the audit file holds exactly one record per authentication, none
#     torn (every line a JSON object), counts per outcome, mechanism and
#     user equal to the client's own tally;
#   - the mail log holds as many md5gate server lines, with the same
#     counts;
#   - lockout under load: one account gets only wrong passwords from
#     LOAD_SESSIONS sessions at once (lockout_failures =
#     LOAD_LOCKOUT_FAILURES, default 40): exactly lockout_failures guesses
#     are verified (bad-credentials records), the store's count is the
#     same, every other attempt is locked-out, the right password then
#     too, and other accounts still get in;
#   - no process of the relay is left and no password reached a log.
#
# Usage: test-harness/load.sh [BUILDDIR]   (default: _build, built if needed)
# LOAD_SESSIONS=500 LOAD_AUTHS=50000 test-harness/load.sh   a bigger run.
# Prints the figures (wall time, sessions, authentications per second) and
# "load: N passed, N failed" last.
set -u
set -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(mkdir -p "${1:-$top/_build}" && cd "${1:-$top/_build}" && pwd) || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
: "${LOAD_SESSIONS:=200}"
: "${LOAD_AUTHS:=10000}"
: "${LOAD_SEED:=$$}"	# the mix of mechanisms, users and passwords

top_srcdir=$top
top_builddir=$build
export top_srcdir top_builddir
. "$top/tests/lib.sh"
mg_test_name=load
. "$top/test-harness/lib/postfix-instance.sh"
. "$top/test-harness/lib/chain.sh"

load_passed=0
load_failed=0
# Every check that holds counts one passed; a failed check or a fail()
# counts one failed. The summary line comes last, whatever happens.
load_check() {
    if check "$@"; then
	load_passed=$((load_passed + 1))
    else
	load_failed=$((load_failed + 1))
    fi
}
load_summary() { echo "load: $load_passed passed, $load_failed failed"; }
load_died() { load_failed=$((load_failed + 1)); load_summary; }

on_failure load_died
[ -f "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null) || fail "autoreconf"
(
    cd "$build" || exit 1
    [ -f Makefile ] || "$top/configure" -q || exit 1
    make -s -j"$jobs" >/dev/null 2>&1 \
	&& make -s -j"$jobs" test-harness/doorphone/doorphone >/dev/null 2>&1
) || fail "the build in $build failed"
[ "$LOAD_SESSIONS" -ge 1 ] && [ "$LOAD_AUTHS" -ge "$LOAD_SESSIONS" ] 2>/dev/null \
    || fail "LOAD_SESSIONS and LOAD_AUTHS must be numbers, LOAD_AUTHS >= LOAD_SESSIONS"

hx_init
hx_relay
note "relay: $LOAD_SESSIONS sessions at once, $LOAD_AUTHS authentications (LOAD_SEED=$LOAD_SEED)"

# --- the relay under load: process limits up, per-client limits off ---------
# Every smtpd of the relay (maxproc "-") takes default_process_limit; the
# anvil limits would refuse or slow one client address that opens
# hundreds of sessions (127.0.0.1 is in mynetworks, so the event limits
# are already excepted; set to 0 all the same, so the test does not depend
# on that).
pf_stop "$HX_RELAY_DIR" || fail "pf_stop relay"
pf_postconf "$HX_RELAY_DIR" -e "default_process_limit = $((LOAD_SESSIONS + 50))" \
    smtpd_client_connection_count_limit=0 smtpd_client_connection_rate_limit=0 \
    smtpd_client_auth_rate_limit=0 smtpd_client_message_rate_limit=0 \
    'smtpd_client_event_limit_exceptions = 127.0.0.0/8' || fail "postconf"
pf_start "$HX_RELAY_DIR" || fail "pf_start relay"

# --- accounts --------------------------------------------------------------------
# One password with a non-ASCII character (DIGEST-MD5's ISO-8859-1
# conversion), one with a space; all in a mode 600 file, never in argv.
accounts=$HX_WORK/load-accounts.json
declare -A load_users=([load-a]='Load-a 2024 pässwort' [load-b]='load-b-Pw-9' \
    [load-c]='Load c with spaces' [load-d]='d-Ld-77-x' [lockout-victim]='Victim-of-8-locks')
load_wrong='Not the password 1'
for u in "${!load_users[@]}"; do
    pf_adduser "$HX_RELAY_DIR" "$u" "${load_users[$u]}" || fail "pf_adduser $u"
    _hx_secret "${load_users[$u]}"
done
_hx_secret "$load_wrong"
(
    umask 077
    for u in "${!load_users[@]}"; do printf '%s\n%s\n' "$u" "${load_users[$u]}"; done \
	| LOAD_WRONG=$load_wrong "$HX_PYTHON" -c '
import json, os, sys
lines = sys.stdin.read().split("\n")
users = dict(zip(lines[0:-1:2], lines[1:-1:2]))
json.dump({"realm": sys.argv[1], "users": users, "wrong": os.environ["LOAD_WRONG"],
           "unknown": ["load-nobody", "ghost"]}, sys.stdout)' "$HX_RELAY_REALM" >"$accounts"
) || fail "accounts file"

# --- the load ----------------------------------------------------------------------
tally=$HX_WORK/load-tally.json
client_run() {
    "$HX_PYTHON" "$top/test-harness/load-client.py" run --server "$HX_RELAY_ADDR" \
	--port "$HX_RELAY_PLAIN" --uri-host "mx.$HX_RELAY_REALM" --accounts "$accounts" \
	--sessions "$LOAD_SESSIONS" --auths "$LOAD_AUTHS" --seed "$LOAD_SEED" \
	--tally "$tally" || why "unexpected results (above)"
}
audit_agrees() {
    "$HX_PYTHON" "$top/test-harness/load-client.py" verify --tally "$tally" \
	--audit "$HX_AUDIT_DIR/relay.jsonl" --maillog "$HX_RELAY_DIR/maillog" \
	|| why "the records do not match the authentications (above)"
}
load_check "$LOAD_SESSIONS sessions at once, $LOAD_AUTHS authentications, every reply as expected" \
    client_run
load_check "one whole audit record per authentication, in the file and the mail log" \
    audit_agrees
smtpd_count=$(grep -cE 'postfix/smtpd\[[0-9]+\]: connect from' "$HX_RELAY_DIR/maillog")
note "the relay's mail log: $smtpd_count connections," \
    "$(grep -oE 'postfix/smtpd\[[0-9]+\]' "$HX_RELAY_DIR/maillog" | sort -u | wc -l) smtpd processes"
no_crash() {
    ! grep -E 'postfix/(smtpd|master)\[[0-9]+\]: (fatal|panic)|terminated on signal|status [0-9]+' \
	"$HX_RELAY_DIR/maillog" | grep -v 'status 0' | head -5 | grep . || why "see above"
}
load_check "no smtpd died" no_crash

# --- lockout under load ---------------------------------------------------------------
# One account (lockout-victim) gets only wrong passwords, from
# LOAD_SESSIONS sessions at once; lockout_failures = LOAD_LOCKOUT_FAILURES
# (per user: lockout_address = no, since every session comes from
# 127.0.0.1). Each attempt is counted in the transaction that checks the
# lock, before its password is verified, so the concurrency gains nothing:
# exactly lockout_failures attempts are verified (bad-credentials), the
# store's count is the same, every other attempt is locked-out; then the
# right password is refused too, and another account still gets in.
: "${LOAD_LOCKOUT_FAILURES:=40}"
lockout_auths=$((LOAD_SESSIONS * 3))	# more sessions than LOAD_SESSIONS: all at once
lockout_counts() {
    local victim=lockout-victim store=$HX_TMP/lockout/lockout.mdb audit=$HX_AUDIT_DIR/relay-lockout.jsonl
    local listed
    "$HX_PYTHON" "$top/test-harness/load-client.py" run --server "$HX_RELAY_ADDR" \
	--port "$HX_RELAY_PLAIN" --uri-host "mx.$HX_RELAY_REALM" --accounts "$accounts" \
	--sessions "$LOAD_SESSIONS" --auths "$lockout_auths" --seed "$LOAD_SEED" \
	--users "$victim" --right-share 0 --unknown-share 0 --tally "$HX_WORK/lockout-tally.json" \
	|| { why "unexpected replies (above)"; return; }
    # The lock holds for the right password too; another account gets in.
    "$HX_PYTHON" "$top/test-harness/load-client.py" run --server "$HX_RELAY_ADDR" \
	--port "$HX_RELAY_PLAIN" --uri-host "mx.$HX_RELAY_REALM" --accounts "$accounts" \
	--sessions 1 --auths 1 --users "$victim" --right-share 1 --right-code 535 \
	--tally "$HX_WORK/lockout-right.json" >"$HX_WORK/lockout-right.out" \
	|| { why "the right password of the locked account: $(grep UNEXPECTED "$HX_WORK/lockout-right.out")"; return; }
    "$HX_PYTHON" "$top/test-harness/load-client.py" run --server "$HX_RELAY_ADDR" \
	--port "$HX_RELAY_PLAIN" --uri-host "mx.$HX_RELAY_REALM" --accounts "$accounts" \
	--sessions 1 --auths 1 --users load-b --right-share 1 \
	--tally "$HX_WORK/lockout-other.json" >"$HX_WORK/lockout-other.out" \
	|| { why "another account: $(grep UNEXPECTED "$HX_WORK/lockout-other.out")"; return; }
    # The store keys the canonical account: the name in the relay's realm.
    listed=$("$build/cli/md5gate" lockout list "$victim@$HX_RELAY_REALM" --store "$store" 2>&1) \
	|| { why "md5gate lockout list: $listed"; return; }
    note "lockout store: $listed"
    "$HX_PYTHON" - "$audit" "$victim" "$LOAD_LOCKOUT_FAILURES" "$((lockout_auths + 1))" \
	"$listed" "$victim@$HX_RELAY_REALM" <<'PY' || { why "see above"; return; }
import collections, json, sys
audit, victim, limit, total, listed, account = (sys.argv[1], sys.argv[2], int(sys.argv[3]),
                                                int(sys.argv[4]), sys.argv[5], sys.argv[6])
recs = [json.loads(l) for l in open(audit, encoding="utf-8")]
mine = [r for r in recs if r.get("authid") == victim]
n = collections.Counter(r["outcome"] for r in mine)
lines = [l for l in listed.splitlines() if l.startswith("user:" + account + " ")]
fields = lines[0].split() if lines else []
problems = []
if len(mine) != total:
    problems.append("%d records of %s for %d attempts" % (len(mine), victim, total))
if set(n) - {"bad-credentials", "locked-out"}:
    problems.append("outcomes other than bad-credentials and locked-out: %s" % dict(n))
if n["bad-credentials"] != limit:
    problems.append("%d guesses were verified, lockout_failures is %d"
                    % (n["bad-credentials"], limit))
if mine and mine[-1]["outcome"] != "locked-out":
    problems.append("the right password after the lock was not refused as locked-out")
if not any(r.get("outcome") == "locked-out" and (r.get("rule") or "").endswith(".lockout_failures")
           for r in mine):
    problems.append("no locked-out record names the lockout_failures rule")
if any(r.get("account") != account for r in mine):
    problems.append("records of %s not on the canonical account %s" % (victim, account))
if len(fields) < 5 or fields[0] != "user:" + account or fields[-1] == "-":
    problems.append("the store does not list %s as locked: %r" % (victim, listed))
elif int(fields[1]) != n["bad-credentials"]:
    problems.append("the store counted %s failures, the records say %d"
                    % (fields[1], n["bad-credentials"]))
print("lockout: %d attempts of %s: %d bad-credentials (lockout_failures %d), %d locked-out; "
      "store: %s" % (len(mine), victim, n["bad-credentials"], limit, n["locked-out"], listed))
for p in problems:
    print("lockout: PROBLEM: " + p)
sys.exit(1 if problems else 0)
PY
}
pf_stop "$HX_RELAY_DIR" || fail "pf_stop relay"
mkdir -m 755 "$HX_TMP/lockout" || fail "mkdir"
cat >"$HX_TMP/relay-md5gate.conf" <<EOF || fail "relay configuration"
[global]
audit_file = $HX_AUDIT_DIR/relay-lockout.jsonl
lockout_store = $HX_TMP/lockout/lockout.mdb
lockout_store_failure = closed
lockout_failures = $LOAD_LOCKOUT_FAILURES
lockout_window = 1h
lockout_duration = 1h
lockout_address = no
EOF
pf_start "$HX_RELAY_DIR" || fail "pf_start relay (lockout)"
load_check "$LOAD_SESSIONS sessions of wrong passwords for one account: lockout counts exact" \
    lockout_counts

hx_finish
load_passed=$((load_passed + 1))	# hx_finish: no process left, no secret logged
load_summary
[ "$load_failed" -eq 0 ]
