# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# tests/policy-lib.sh: helpers of the tests that run md5gate's policy and
# lockout through a real Postfix (tests/postfix-policy*.test,
# tests/postfix-lockout.test). Source after tests/lib.sh and
# test-harness/lib/postfix-instance.sh.
#
# One instance serves several policies at once: each smtpd listener may
# name its own Cyrus application (-o smtpd_sasl_path=APP), whose
# configuration DIR/etc/sasl/APP.conf names its own md5gate_policy file.
# libsasl2 reads that file, and md5gate its policy, when an smtpd process
# starts (before the chroot), so no policy needs a restart of Postfix.
#
#   pol_init                    temp dir ($pol_tmp), work dir ($pol_work),
#                               cleanup and failure diagnostics
#   pol_start NAME N CREATEFN   pick N free ports, CREATEFN DIR PORTS...
#                               writes the instance, start it; again on a
#                               port collision. Sets pol_inst, pol_ports
#   pol_app DIR APP POLICY      DIR/etc/sasl/APP.conf: smtpd.conf with
#                               md5gate_policy: POLICY
#   pol_policy FILE             write stdin to FILE (mode 644)
#   probe NAME USER PASSWORD ARGS...   tests/tools/smtp-auth-probe.py (ARGS:
#                               --port, --bind, --security, --mech,
#                               --ask-only);
#                               transcript in $pol_work/NAME; its status
#   probe_ehlo NAME             the mechanisms the last EHLO advertised
#   probe_auth NAME             the server's final reply to AUTH
#   digest NAME USER PASSWORD PORT     DIGEST-MD5 with
#                               test-harness/raw-digest-smtp.py
#   audit_next FILE K=V...      exactly one new record in the audit file
#                               FILE since the last audit_next/audit_none
#                               on it, matching every K=V ("-" = null or
#                               absent, "K~=REGEX" matches by regex)
#   audit_none FILE             no new record in FILE
#   audit_maybe FILE K=V...     a refusal libsasl2 makes by itself (a hidden
#                               mechanism asked for anyway) leaves no record;
#                               if md5gate saw the attempt after all, its one
#                               record must match
#   smtpd_pids_of REGEX         distinct smtpd pids of the maillog lines
#                               matching REGEX

pol_python=${HX_PYTHON:-python3}
# -S: no site module; the scripts need only the standard library, and a
# loaded machine starts Python noticeably faster without it.
pol_py() { "$pol_python" -S "$@"; }
pol_probe=$top_srcdir/tests/tools/smtp-auth-probe.py
pol_digest=$top_srcdir/test-harness/raw-digest-smtp.py
pol_md5gate=$top_builddir/cli/md5gate
pol_inst=
pol_ports=()
pol_last=
declare -A pol_audit_seen=()

pol_init() {
    require_root
    require_cmd /usr/sbin/postfix /usr/sbin/postconf /usr/sbin/saslpasswd2 "$pol_python"
    [ -f "$MD5GATE_PLUGIN_DIR/libmd5gate.so" ] || fail "$MD5GATE_PLUGIN_DIR/libmd5gate.so is not built"
    [ -e "$STOCK_PLUGIN_DIR/libsasldb.so" ] \
	|| skip "$STOCK_PLUGIN_DIR/libsasldb.so missing (libsasl2-modules-db)"
    pol_tmp=$(mktemp -d "${TMPDIR:-/tmp}/md5gate-policy.XXXXXX") || fail "mktemp"
    chmod 711 "$pol_tmp"	# postfix and nobody walk into the instance
    if [ "${MG_TEST_KEEP:-}" = y ]; then
	cleanup_push note "kept $pol_tmp"
    else
	cleanup_push rm -rf "$pol_tmp"
    fi
    pol_work=$pol_tmp/work	# transcripts: private
    mkdir -m 700 "$pol_work" || fail "mkdir"
    mkdir -m 755 "$pol_tmp/audit" || fail "mkdir"
    on_failure pol_diagnostics
    on_check_failure pol_check_diagnostics
}

# After a failed check: the last session, the maillog's and audit files'
# tails (neither ever holds a password).
pol_check_diagnostics() {
    local f n
    # Later checks count their records from here.
    for f in "$pol_tmp"/audit/*.jsonl; do
	[ -f "$f" ] || continue
	n=$(grep -c . "$f")
	pol_audit_seen[$f]=${n:-0}
    done
    if [ -n "$pol_last" ] && [ -f "$pol_last" ]; then
	echo "--- last session (${pol_last##*/}):"
	sed 's/^/  | /' "$pol_last"
    fi
    if [ -n "$pol_inst" ] && [ -f "$pol_inst/maillog" ]; then
	echo "--- maillog (last 15 lines):"
	grep -v ' postfix/\(master\|qmgr\|pickup\|postfix-script\)' "$pol_inst/maillog" \
	    | tail -n 15 | sed 's/^/  | /'
    fi
}

pol_diagnostics() {
    local f
    if [ -n "$pol_inst" ] && [ -f "$pol_inst/maillog" ]; then
	echo "--- maillog (last 40 lines):"
	tail -n 40 "$pol_inst/maillog"
    fi
    for f in "$pol_tmp"/audit/*.jsonl; do
	[ -f "$f" ] || continue
	echo "--- audit file ${f##*/} (last 15 records):"
	tail -n 15 "$f"
    done
}

pol_start() {
    local name=$1 count=$2 fn=$3 dir=$pol_tmp/$1 i rc _
    for _ in 1 2 3 4; do
	pol_ports=()
	for ((i = 0; i < count; i++)); do pol_ports+=("$(free_port)") || fail "no free port"; done
	[ "$(printf '%s\n' "${pol_ports[@]}" | sort -u | wc -l)" -eq "$count" ] || continue
	pf_stop "$dir"
	rm -rf "$dir"
	cleanup_push pf_stop "$dir"
	pol_inst=$dir
	"$fn" "$dir" "${pol_ports[@]}" || fail "pf_create $name"
	pf_start "$dir"
	rc=$?
	if [ $rc -eq 0 ]; then
	    # Each smtpd reads its policy when it starts: one that refuses it
	    # kills the process, and every check after would wait in vain.
	    probe "$name-start" - - --port "${pol_ports[0]}" --mech none \
		|| fail "$name: no EHLO from smtpd on ${pol_ports[0]}: $(cat "$pol_last")"
	    return 0
	fi
	[ $rc -eq 2 ] || fail "pf_start $name"
	note "$name: port collision, new ports"
    done
    fail "$name: could not find free ports"
}

pol_app() {
    local dir=$1 app=$2 policy=$3
    grep -v '^md5gate_policy:' "$dir/etc/sasl/smtpd.conf" >"$dir/etc/sasl/$app.conf" \
	&& printf 'md5gate_policy: %s\n' "$policy" >>"$dir/etc/sasl/$app.conf" \
	&& chmod 644 "$dir/etc/sasl/$app.conf"
}

pol_policy() {
    cat >"$1" && chmod 644 "$1"
}

probe() {
    local name=$1 user=$2 pw=$3
    shift 3
    pol_last=$pol_work/$name
    # --timeout 60 (the probe's own default is 10 s a step): an smtpd
    # process started for the session (max_use = 1) on a loaded machine may
    # answer later, and a timeout reads as a refusal. ARGS may override it.
    MG_PASSWORD=$pw pol_py "$pol_probe" --timeout 60 --user "$user" "$@" >"$pol_last" 2>&1 </dev/null
}

probe_ehlo() { sed -n 's/^ehlo: //p' "$pol_work/$1" | tail -n 1; }
probe_auth() { sed -n 's/^auth: //p' "$pol_work/$1" | tail -n 1; }

# has_mech NAME MECH: the last EHLO of session NAME advertised MECH.
has_mech() { printf ' %s ' "$(probe_ehlo "$1")" | grep -qF " $2 "; }

digest() {
    local name=$1 user=$2 pw=$3 port=$4
    pol_last=$pol_work/$name
    printf '%s\n' "$pw" | pol_py "$pol_digest" --port "$port" --user "$user" \
	--uri-host "$(pf_postconf "$pol_inst" -h myhostname)" >"$pol_last" 2>&1
}

audit_next() {
    local file=$1 seen out
    shift
    seen=${pol_audit_seen[$file]:-0}
    out=$(pol_py - "$file" "$seen" "$@" 2>&1 <<'PY'
import json, re, sys, time
path, seen, wants = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def records():
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []
deadline = time.time() + 30
while len(records()) <= seen and time.time() < deadline:
    time.sleep(0.1)
time.sleep(0.2)
recs = records()
print(len(recs))
new = recs[seen:]
if len(new) != 1:
    sys.exit("%d new records, expected 1: %s" % (len(new), [json.dumps(r) for r in new]))
r = new[0]
def val(k):
    v = r.get(k)
    return "-" if v is None else ("true" if v is True else "false" if v is False else str(v))
bad = []
for w in wants:
    k, v = w.split("=", 1)
    if k.endswith("~"):
        if not re.search(v, val(k[:-1])):
            bad.append("%s=%r does not match /%s/" % (k[:-1], val(k[:-1]), v))
    elif val(k) != v:
        bad.append("%s=%r, expected %r" % (k, val(k), v))
if bad:
    sys.exit("; ".join(bad) + "\n  record: " + json.dumps(r))
PY
)
    local rc=$?
    case ${out%%$'\n'*} in
    '' | *[!0-9]*) ;;
    *) pol_audit_seen[$file]=${out%%$'\n'*} ;;
    esac
    [ $rc -eq 0 ] || why "audit record: $(tail -n +2 <<<"$out")"
}

audit_none() {
    local file=$1 seen n
    seen=${pol_audit_seen[$file]:-0}
    sleep 0.3
    n=$(grep -c . "$file" 2>/dev/null)
    n=${n:-0}
    pol_audit_seen[$file]=$n
    [ "$n" -eq "$seen" ] || why "$((n - seen)) unexpected new audit record(s): $(tail -n $((n - seen)) "$file")"
}

audit_maybe() {
    local f=$1 n
    shift
    sleep 0.3
    n=$(grep -c . "$f" 2>/dev/null)
    [ "${n:-0}" -gt "${pol_audit_seen[$f]:-0}" ] || return 0
    audit_next "$f" "$@"
}

smtpd_pids_of() {
    pf_log_sync "$pol_inst" >/dev/null	# the lines of the sessions just ended
    grep -E "postfix/[a-z-]*smtpd\[[0-9]+\]: .*$1" "$pol_inst/maillog" \
	| sed -E 's/.*postfix\/[a-z-]*smtpd\[([0-9]+)\].*/\1/' | sort -u
}
