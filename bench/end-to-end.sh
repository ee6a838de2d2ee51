#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# End to end (run by bench/run.sh): AUTH sessions per second through a
# private Postfix, md5gate against the stock Cyrus plugins.
#
# Two instances (test-harness/lib/postfix-instance.sh) on 127.0.0.1 with
# the same configuration; only the plugin directory differs: md5gate, or
# the stock libcrammd5.so and libdigestmd5.so, each next to the stock
# sasldb plugin with one user. smtpd is not chrooted; its client limits
# are off for loopback, so every session is accepted. md5gate runs with its
# defaults (its configuration file is empty): one audit record per login
# in the mail log, nothing else. BENCH_E2E_MD5GATE_CONFIG, when set, is
# the text of that file instead (e.g. "[global]
# audit_success_level = note", which keeps successes out of the mail log);
# @DIR@ in it becomes a directory of this run, for an audit file or a
# lockout store.
#
# bench/smtp-auth-load.py opens sessions (connect, EHLO, AUTH, QUIT) from
# C concurrent clients for BENCH_E2E_SECONDS (default 8), per mechanism
# and C in BENCH_E2E_CONCURRENCY (default "1 20 50"), md5gate and stock
# alternating for BENCH_E2E_ROUNDS rounds (default 3); the table gives
# the median sessions per second. Needs root (Postfix), prints why not
# and exits 0 otherwise.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${BENCH_E2E_SECONDS:=8}"
: "${BENCH_E2E_ROUNDS:=3}"
: "${BENCH_E2E_CONCURRENCY:=1 20 50}"
: "${BENCH_E2E_MECHS:=CRAM-MD5 DIGEST-MD5}"
: "${MD5GATE_PLUGIN_DIR:=$top_builddir/plugins/.libs}"
mg_test_name=bench-end-to-end
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/test-harness/lib/postfix-instance.sh"

skipped() {
    echo "End to end: not run ($*)"
    echo
    exit 0
}
[ "$(id -u)" -eq 0 ] || skipped "needs root to run Postfix"
[ -x "$PF_POSTFIX" ] || skipped "postfix not installed"
command -v python3 >/dev/null || skipped "python3 not installed"

E2E_TMP=$(mktemp -d /tmp/md5gate-bench.XXXXXX) || exit 1
chmod 755 "$E2E_TMP"
cleanup_push rm -rf "$E2E_TMP"
printf '%s' 'bench password' >"$E2E_TMP/password"
mkdir -p "$E2E_TMP/state" && chmod 777 "$E2E_TMP/state"
printf '%s\n' "${BENCH_E2E_MD5GATE_CONFIG:-}" | sed "s|@DIR@|$E2E_TMP/state|g" \
    >"$E2E_TMP/md5gate.conf"
chmod 644 "$E2E_TMP/md5gate.conf"

# e2e_instance NAME PLUGIN_SOURCE PLUGINS: create and start one instance.
e2e_instance() {
    local dir=$E2E_TMP/$1 port rc attempt
    port=$(free_port) || return 1
    pf_create "$dir" "$port" --plugin-source "$2" --plugins "$3" \
	--sasl-opt "md5gate_policy: $E2E_TMP/md5gate.conf" \
	-o smtpd_client_event_limit_exceptions=127.0.0.0/8 \
	-o smtpd_client_connection_count_limit=0 \
	-o default_process_limit=100 || return 1
    cleanup_push pf_stop "$dir"
    pf_adduser "$dir" bench 'bench password' || return 1
    for attempt in 1 2 3; do
	pf_start "$dir"
	rc=$?
	[ $rc -eq 0 ] && return 0
	[ $rc -eq 2 ] || return 1
	port=$(free_port) && pf_set_port "$dir" "$port" || return 1
    done
    return 1
}

e2e_instance md5gate "$MD5GATE_PLUGIN_DIR" libmd5gate.so \
    || skipped "the md5gate instance did not start"
e2e_instance stock "${STOCK_PLUGIN_DIR:-$(pkg-config --variable=libdir libsasl2)/sasl2}" \
    "libcrammd5.so libdigestmd5.so" || skipped "the stock instance did not start"

# load NAME MECH CONCURRENCY SECONDS: one run; prints its output line.
load() {
    python3 "$top_srcdir/bench/smtp-auth-load.py" --port "$(pf_port "$E2E_TMP/$1")" \
	--mech "$2" --user bench --password-file "$E2E_TMP/password" \
	--concurrency "$3" --seconds "$4" 2>>"$E2E_TMP/load-errors"
}

median() {
    sort -g | awk '{ v[NR] = $1 } END {
	if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
	else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

sum() { awk '{ s += $1 } END { print s + 0 }'; }

# A first session each, so that a broken setup says so instead of a rate.
for name in md5gate stock; do
    for mech in $BENCH_E2E_MECHS; do
	out=$(load "$name" "$mech" 1 0.2)
	case $out in
	sessions=[1-9]*" failures=0 "*) ;;
	*) echo "End to end: $name $mech does not log in: $out"
	    sed 's/^/  | /' "$E2E_TMP/load-errors"
	    pf_log_tail "$E2E_TMP/$name" 10 | sed 's/^/  maillog| /'
	    exit 1 ;;
	esac
    done
done

[ -n "${BENCH_E2E_TITLE:-}" ] && echo "$BENCH_E2E_TITLE"
echo "End to end: SMTP sessions (connect, EHLO, AUTH, QUIT) per second through" \
    "Postfix $("$PF_POSTCONF" -d -h mail_version 2>/dev/null), median of" \
    "$BENCH_E2E_ROUNDS interleaved runs of $BENCH_E2E_SECONDS s"
echo
echo "| mechanism | clients | md5gate sessions/s | stock sessions/s | md5gate/stock | failed sessions (md5gate, stock) |"
echo "| --- | ---: | ---: | ---: | ---: | --- |"
for mech in $BENCH_E2E_MECHS; do
    for c in $BENCH_E2E_CONCURRENCY; do
	rm -f "$E2E_TMP"/rate.* "$E2E_TMP"/failed.*
	for round in $(seq 1 "$BENCH_E2E_ROUNDS"); do
	    for name in md5gate stock; do
		out=$(load "$name" "$mech" "$c" "$BENCH_E2E_SECONDS")
		echo "${out##*rate=}" >>"$E2E_TMP/rate.$name"
		out=${out#*failures=}
		echo "${out%% *}" >>"$E2E_TMP/failed.$name"
	    done
	done
	mg=$(median <"$E2E_TMP/rate.md5gate")
	st=$(median <"$E2E_TMP/rate.stock")
	echo "| $mech | $c | $mg | $st" \
	    "| $(awk -v a="$mg" -v b="$st" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "-" }')" \
	    "| $(sum <"$E2E_TMP/failed.md5gate"), $(sum <"$E2E_TMP/failed.stock") |"
    done
done
echo
if [ -s "$E2E_TMP/load-errors" ]; then
    echo "First failure of each run that had any (count, reason):"
    echo
    sort "$E2E_TMP/load-errors" | uniq -c | sed 's/^/    /'
    echo
    for name in md5gate stock; do
	echo "$name's mail log, problems other than md5gate's audit records (count, message):"
	echo
	pf_log "$E2E_TMP/$name" | grep -E 'warning|error|fatal|panic' | grep -v 'md5gate:' \
	    | sed -E 's/^.*(warning|error|fatal|panic): //; s/[0-9]+/N/g' | sort | uniq -c \
	    | sort -rn | head -5 | sed 's/^/    /'
	echo
    done
fi
exit 0
