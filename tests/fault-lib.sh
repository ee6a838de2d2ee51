# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# tests/fault-lib.sh: one private Postfix with md5gate for the fault tests
# (tests/fault-*.test). Source it from bash after tests/lib.sh and
# test-harness/lib/postfix-instance.sh.
#
#   ft_init [PF_CREATE OPTIONS]  temp dir, the instance (smtpd chrooted,
#                           CRAM-MD5 and DIGEST-MD5 from md5gate, md5gate's
#                           configuration file $FT_CONF), two users, the
#                           accounts file; not started
#   ft_conf TEXT            write $FT_CONF (mode 644)
#   ft_start / ft_stop      start or stop the instance (smtpd reads $FT_CONF
#                           when a process starts, so change it stopped)
#   ft_auth NAME N [ARGS]   N authentications, one session at a time, by
#                           test-harness/load-client.py run (ARGS: its
#                           --mechs, --right-code, --mech-code ...); fails
#                           with the unexpected replies; the tally is
#                           $FT_WORK/NAME.json; the mail log then holds
#                           every line smtpd logged for them
#   ft_no_crash             no smtpd or master died: no fatal, panic or
#                           signal in the mail log
#   ft_finish               stop, check that no password reached a file
#
# Passwords live in $FT_WORK (mode 700), never in argv.

: "${MD5GATE_PLUGIN_DIR:=${top_builddir:-.}/plugins/.libs}"
: "${STOCK_PLUGIN_DIR:=$(pkg-config --variable=libdir libsasl2)/sasl2}"

FT_REALM=example.test
FT_TMP=
FT_DIR=
FT_WORK=
FT_CONF=
declare -A FT_USERS=([alice]='Alice 2024 pässwort' [bob]='bob-Pw-9-x')
FT_WRONG='Not the password 1'

ft_init() {
    require_root
    require_cmd /usr/sbin/postfix /usr/sbin/saslpasswd2 python3
    [ -f "$MD5GATE_PLUGIN_DIR/libmd5gate.so" ] || fail "$MD5GATE_PLUGIN_DIR/libmd5gate.so is not built"
    FT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/md5gate-fault.XXXXXX") || fail "mktemp"
    chmod 711 "$FT_TMP"
    [ "${MG_TEST_KEEP:-}" = y ] || cleanup_push rm -rf "$FT_TMP"
    FT_WORK=$FT_TMP/work
    mkdir -m 700 "$FT_WORK" || fail "mkdir"
    FT_CONF=$FT_TMP/md5gate.conf
    FT_DIR=$FT_TMP/pf
    ft_conf ''
    local port
    port=$(free_port) || fail "no free port"
    cleanup_push pf_stop "$FT_DIR"
    pf_create "$FT_DIR" "$port" --chroot --plugin-source "$MD5GATE_PLUGIN_DIR" \
	--plugins libmd5gate.so --sasldb-plugin "$STOCK_PLUGIN_DIR/libsasldb.so" \
	--realm "$FT_REALM" --domain "$FT_REALM" --sasl-opt "md5gate_policy: $FT_CONF" \
	"$@" >/dev/null || fail "pf_create"
    on_failure pf_log_tail "$FT_DIR" 40
    local u
    for u in "${!FT_USERS[@]}"; do
	pf_adduser "$FT_DIR" "$u" "${FT_USERS[$u]}" || fail "pf_adduser $u"
    done
    (
	umask 077
	for u in "${!FT_USERS[@]}"; do printf '%s\n%s\n' "$u" "${FT_USERS[$u]}"; done \
	    | FT_WRONG=$FT_WRONG python3 -c '
import json, os, sys
lines = sys.stdin.read().split("\n")
json.dump({"realm": sys.argv[1], "users": dict(zip(lines[0:-1:2], lines[1:-1:2])),
           "wrong": os.environ["FT_WRONG"]}, sys.stdout)' "$FT_REALM" >"$FT_WORK/accounts.json"
    ) || fail "accounts file"
}

ft_conf() {
    printf '%s' "$1" >"$FT_CONF" && chmod 644 "$FT_CONF" || fail "cannot write $FT_CONF"
}

# ft_start: on a port collision, again on another port.
ft_start() {
    local i rc
    for i in 1 2 3 4; do
	pf_start "$FT_DIR" >/dev/null
	rc=$?
	[ $rc -eq 0 ] && return 0
	[ $rc -eq 2 ] || fail "pf_start"
	pf_set_port "$FT_DIR" "$(free_port)" || fail "pf_set_port"
    done
    fail "no free port for the instance"
}

ft_stop() { pf_stop "$FT_DIR" || fail "pf_stop"; }

ft_auth() {
    local name=$1 n=$2 seed=$RANDOM
    shift 2
    python3 "$top_srcdir/test-harness/load-client.py" run --port "$(pf_port "$FT_DIR")" \
	--uri-host "mx.$FT_REALM" --accounts "$FT_WORK/accounts.json" --sessions 1 \
	--auths "$n" --seed "$seed" --timeout 30 --tally "$FT_WORK/$name.json" "$@" \
	>"$FT_WORK/$name.out" 2>&1
    local rc=$?
    # smtpd logged its lines before each reply; postlogd writes them later.
    # The checks that read the mail log next need all of them.
    pf_log_sync "$FT_DIR" >/dev/null
    [ $rc -eq 0 ] && return 0
    echo "$name: the client's plan came from --seed $seed" >&2
    grep -E 'UNEXPECTED|planned|Error|error' "$FT_WORK/$name.out" | head -n 10 >&2
    return 1
}

# ft_tally NAME OUTCOME: how many attempts of the run had OUTCOME.
ft_tally() {
    python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["tally"]
print(sum(n for o, m, u, n in t if o == sys.argv[2]))' "$FT_WORK/$1.json" "$2"
}

ft_no_crash() {
    local bad
    bad=$(grep -E 'postfix/(smtpd|master)\[[0-9]+\]: (fatal|panic)|terminated on signal|warning: process .* exit status [1-9]' \
	"$FT_DIR/maillog" | head -n 5)
    [ -z "$bad" ] || why "$bad"
}

ft_finish() {
    local s enc f
    ft_stop
    [ -z "$(pf_pids "$FT_DIR")" ] || fail "processes of the instance left"
    for s in "$FT_WRONG" "${FT_USERS[@]}"; do
	for enc in "$s" "$(printf '%s' "$s" | base64 -w0)"; do
	    for f in "$FT_DIR/maillog" "$@"; do
		[ -f "$f" ] || continue
		grep -qF -- "$enc" "$f" && fail "a password appears in $f"
	    done
	done
    done
    return 0
}
