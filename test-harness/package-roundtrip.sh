#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Debian packages, installed for real and removed again: build
# libsasl2-modules-md5gate and md5gate-tools from a copy of this tree
# (packaging/debian copied to debian/ there, never here), run lintian
# (errors fail), record the stock libcrammd5/libdigestmd5 files of
# libsasl2-modules, install both packages with dpkg -i, and check that
#   - the stock plugins are diverted out of libsasl2's plugin directory
#     and md5gate doctor finds md5gate alone offering both mechanisms;
#   - a private Postfix on 127.0.0.1 that uses libsasl2's own plugin
#     directory (no SASL_PATH, as an installed Postfix does) logs swaks in
#     with CRAM-MD5 and DIGEST-MD5 through md5gate (its audit records in
#     the mail log), reading the package's /etc/md5gate/policy.conf, and
#     refuses a wrong password;
# then dpkg -r and dpkg -P, and check that the stock plugins are back
# byte for byte, no diversion is left, and the package's files are gone.
#
# It changes the system's plugin directory while it runs, so it is not
# part of make check and must run alone (test-harness/run-tests.sh runs it
# after make check and distcheck, before the sanitizer runs). It refuses
# to start when md5gate's packages are already installed. Whatever
# happens, the trap purges what it installed and puts the stock plugins
# back. Run as root on Debian 12; the last line is
# "package: N passed, M failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"
. "$top/test-harness/lib/postfix-instance.sh"
mg_test_name=package-roundtrip

plugin_pkg=libsasl2-modules-md5gate
tools_pkg=md5gate-tools
passed=0

# A check's result counts towards the last line; so does a fatal failure.
fail() {
    mg_failed_checks+=("$*")
    printf 'FAIL: %s: %s\n' "$mg_test_name" "$*" >&2
    exit 1
}
pcheck() {
    if check "$@"; then passed=$((passed + 1)); fi
}

# The last line, also when the run stops early: a signal or an unexpected
# exit before the end counts as a failure too.
finished=n
report() {
    local failed=${#mg_failed_checks[@]}
    [ "$finished" = y ] || [ "$failed" -gt 0 ] || failed=1
    echo "package: $passed passed, $failed failed"
}

[ "$(id -u)" -eq 0 ] || { echo "package-roundtrip: run as root"; echo "package: 0 passed, 1 failed"; exit 1; }
# pkg_state PACKAGE: dpkg's state of it, empty when dpkg does not know it.
pkg_state() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null; }
for p in $plugin_pkg $tools_pkg; do
    if [ -n "$(pkg_state "$p")" ] && [ "$(pkg_state "$p")" != not-installed ]; then
	echo "package-roundtrip: $p is already on this machine; purge it first"
	echo "package: 0 passed, 1 failed"
	exit 1
    fi
done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
sasldir=/usr/lib/$multiarch/sasl2
work=$(mktemp -d /tmp/md5gate-pkg.XXXXXX) && chmod 711 "$work" || exit 1
inst=$work/postfix
installed=n

# Stock files: everything libsasl2-modules ships for the two mechanisms.
stock_files() {
    dpkg-query -L libsasl2-modules | grep -E "^$sasldir/lib(crammd5|digestmd5)\.so" | sort
}

# What each stock file is: link target or sha256, type and mode.
snapshot() {
    local f
    for f in $(stock_files); do
	if [ -L "$f" ]; then
	    printf '%s link %s\n' "$f" "$(readlink "$f")"
	elif [ -f "$f" ]; then
	    printf '%s file %s %s\n' "$f" "$(stat -c '%a %U:%G' "$f")" \
		"$(sha256sum <"$f" | cut -d' ' -f1)"
	else
	    printf '%s missing\n' "$f"
	fi
    done
}

our_diversions() {
    dpkg-divert --list | grep " by $plugin_pkg\$"
}

cleanup() {
    pf_stop "$inst" >/dev/null 2>&1
    if [ "$installed" = y ] || [ -n "$(pkg_state "$plugin_pkg")$(pkg_state "$tools_pkg")" ]; then
	dpkg -P "$plugin_pkg" "$tools_pkg" >>"$work/cleanup.log" 2>&1
    fi
    # A failed postrm must not leave the stock plugins hidden.
    our_diversions | sed -n 's/^diversion of \([^ ]*\) to \([^ ]*\) by .*/\1 \2/p' \
	| while read -r f to; do
	    dpkg-divert --package "$plugin_pkg" --remove --rename --divert "$to" "$f"
	done
    if [ "${MG_TEST_KEEP:-}" = y ]; then
	note "kept $work"
    else
	rm -rf "$work"
    fi
}
cleanup_push cleanup
cleanup_push report

# --- build ------------------------------------------------------------------
# A copy of what git tracks (and new files not ignored), as a clean clone
# has it; without git, the tree less its build directories.
src=$work/build/md5gate
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$top" && git ls-files -z --cached --others --exclude-standard \
	| xargs -0 -I{} sh -c '[ -e "$1" ] && printf "%s\0" "$1"' _ {} \
	| tar --null -T - -cf -) | tar -x -C "$src"
else
    tar -C "$top" --exclude='./_build*' --exclude=./debian -cf - . | tar -x -C "$src"
fi || fail "cannot copy the source tree"
cp -r "$src/packaging/debian" "$src/debian" || fail "no packaging/debian"
note "building the packages in $src (log: dpkg-buildpackage.log)"
built() {
    (cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -us -uc -b) >"$work/dpkg-buildpackage.log" 2>&1 \
	|| { tail -n 40 "$work/dpkg-buildpackage.log"; why "dpkg-buildpackage failed"; }
}
pcheck "dpkg-buildpackage -us -uc -b" built || fail "no packages to test"
plugin_deb=$(ls "$work"/build/${plugin_pkg}_*.deb 2>/dev/null | head -1)
tools_deb=$(ls "$work"/build/${tools_pkg}_*.deb 2>/dev/null | head -1)
changes=$(ls "$work"/build/md5gate_*.changes 2>/dev/null | head -1)
[ -n "$plugin_deb" ] && [ -n "$tools_deb" ] && [ -n "$changes" ] || fail "the build made no .debs"
[ -d "$top/debian" ] && fail "the build left $top/debian behind"

lintian_clean() {
    lintian --fail-on error --info "$changes" >"$work/lintian.log" 2>&1
    local rc=$?
    sed 's/^/   lintian| /' "$work/lintian.log"
    [ $rc -eq 0 ] || why "lintian reports errors (exit $rc)"
}
pcheck "lintian: no errors" lintian_clean

contents() {
    local l
    l=$(dpkg-deb -c "$plugin_deb" | awk '{print $6}')
    grep -qx "./usr/lib/$multiarch/sasl2/libmd5gate.so" <<<"$l" || why "no libmd5gate.so in $sasldir"
    grep -q '\.la$' <<<"$l" && why "a .la file in the plugin package (libsasl2 would load it)"
    grep -qx './usr/share/man/man8/md5gate.8.gz' <<<"$l" || why "no md5gate(8)"
    grep -qx './etc/md5gate/policy.conf' <<<"$l" || why "no /etc/md5gate/policy.conf"
    grep -qx './var/lib/md5gate/' <<<"$l" || why "no /var/lib/md5gate"
    l=$(dpkg-deb -c "$tools_deb" | awk '{print $6}')
    grep -qx './usr/bin/md5gate' <<<"$l" || why "no /usr/bin/md5gate"
    grep -qx './usr/share/man/man1/md5gate.1.gz' <<<"$l" || why "no md5gate(1)"
}
pcheck "package contents" contents

# --- install --------------------------------------------------------------------
[ -n "$(stock_files)" ] || fail "libsasl2-modules ships no CRAM-MD5/DIGEST-MD5 plugin here"
snapshot >"$work/stock.before"
grep -q ' missing$' "$work/stock.before" && fail "stock plugins incomplete before the test: $(cat "$work/stock.before")"
[ -z "$(our_diversions)" ] || fail "diversions by $plugin_pkg exist before the test"

installed=y
install_both() {
    dpkg -i "$plugin_deb" "$tools_deb" >"$work/dpkg-i.log" 2>&1 \
	|| { cat "$work/dpkg-i.log"; why "dpkg -i failed"; }
}
pcheck "dpkg -i both packages" install_both || fail "cannot go on without the packages"

diverted() {
    local f n=0
    for f in $(stock_files); do
	[ -e "$f" ] || [ -L "$f" ] && why "$f is still there"
	dpkg-divert --listpackage "$f" | grep -qx "$plugin_pkg" || why "$f is not diverted by $plugin_pkg"
	[ -e "$f.distrib" ] || [ -L "$f.distrib" ] || why "$f.distrib missing"
	n=$((n + 1))
    done
    [ -z "$mg_why" ] && note "$n stock files diverted to *.distrib"
    [ -z "$mg_why" ]
}
pcheck "stock CRAM-MD5 and DIGEST-MD5 plugins diverted" diverted

installed_files() {
    [ -f "$sasldir/libmd5gate.so" ] || why "no $sasldir/libmd5gate.so"
    [ "$(stat -c %a:%U /var/lib/md5gate 2>/dev/null)" = 700:root ] \
	|| why "/var/lib/md5gate is not root's, mode 700"
    grep -qx /etc/md5gate/policy.conf /var/lib/dpkg/info/$plugin_pkg.conffiles \
	|| why "/etc/md5gate/policy.conf is not a conffile"
    grep -Eqv '^[[:space:]]*(#|$)' /etc/md5gate/policy.conf \
	&& why "/etc/md5gate/policy.conf sets something (it must only be comments)"
    command -v md5gate >/dev/null || why "md5gate not on PATH"
    [ "$(stat -c %a:%U:%G /var/log/md5gate 2>/dev/null)" = 2750:root:adm ] \
	|| why "/var/log/md5gate is not root:adm, mode 2750"
    [ -f /etc/logrotate.d/$plugin_pkg ] || why "no /etc/logrotate.d/$plugin_pkg"
    [ -z "$mg_why" ]
}
pcheck "installed files" installed_files

# The installed logrotate file parses (a dry run; its rotation and
# postrotate reload are run against a real Postfix by
# tests/postfix-audit-rotate.test).
logrotate_parses() {
    logrotate -d -s "$work/logrotate.state" /etc/logrotate.d/$plugin_pkg >"$work/logrotate.log" 2>&1 \
	|| { cat "$work/logrotate.log"; why "logrotate -d refuses the file"; }
    grep -qi 'error' "$work/logrotate.log" && { cat "$work/logrotate.log"; why "logrotate reports an error"; }
    [ -z "$mg_why" ]
}
pcheck "logrotate accepts /etc/logrotate.d/$plugin_pkg" logrotate_parses

doctor_ok() {
    md5gate doctor >"$work/doctor.out" 2>&1
    local rc=$?
    sed 's/^/   doctor| /' "$work/doctor.out"
    grep -qxF "ok: CRAM-MD5 is offered by md5gate only ($sasldir/libmd5gate.so)" "$work/doctor.out" \
	|| why "doctor does not find md5gate alone offering CRAM-MD5"
    grep -qxF "ok: DIGEST-MD5 is offered by md5gate only ($sasldir/libmd5gate.so)" "$work/doctor.out" \
	|| why "doctor does not find md5gate alone offering DIGEST-MD5"
    grep -q '^problem:' "$work/doctor.out" && why "doctor reports a problem"
    [ $rc -eq 0 ] || why "doctor exits $rc"
    [ -z "$mg_why" ]
}
pcheck "md5gate doctor: md5gate alone provides both mechanisms" doctor_ok

# --- a Postfix that uses libsasl2's own plugin directory -----------------------------
# No md5gate_policy: md5gate reads the package's /etc/md5gate/policy.conf.
password='Roundtrip 2026 pässwort'
user=doorphone
start_postfix() {
    local attempt port rc
    for attempt in 1 2 3; do
	port=$(free_port) || return 1
	pf_stop "$inst" >/dev/null 2>&1
	rm -rf "$inst"
	pf_create "$inst" "$port" --system-plugins --chroot \
	    --mechs "CRAM-MD5 DIGEST-MD5" --realm example.test --domain example.test \
	    >"$work/pf_create.log" 2>&1 || { cat "$work/pf_create.log"; why "pf_create failed"; return 1; }
	pf_adduser "$inst" "$user" "$password" || { why "pf_adduser failed"; return 1; }
	pf_start "$inst"
	rc=$?
	[ $rc -eq 0 ] && return 0
	[ $rc -eq 2 ] || { why "pf_start failed"; return 1; }
    done
    why "no free port"
}
pcheck "private Postfix with the system plugin directory" start_postfix || fail "no Postfix"
port=$(pf_port "$inst")

swaks_auth() {    # swaks_auth NAME MECH PASSWORD
    SWAKS_OPT_auth_password=$3 swaks --server "127.0.0.1:$port" --helo client.example.test \
	--timeout 15 --auth "$2" --auth-user "$user" --from "device@example.test" \
	--to "owner@example.test" --header "Subject: package $1 $$" >"$work/swaks-$1" 2>&1 </dev/null
}
logs_in() {    # logs_in MECH
    swaks_auth "$1" "$1" "$password" || { tail -n 8 "$work/swaks-$1"; why "swaks $1 failed"; return 1; }
    pf_wait_mail "$inst" "Subject: package $1 $$" 20 || why "the $1 mail was not delivered"
    pf_wait_log "$inst" "md5gate: side=server mech=$1 outcome=success authid=$user " 10 \
	|| why "no md5gate success record for $1 in the mail log"
}
pcheck "CRAM-MD5 login and delivery through the installed md5gate" logs_in CRAM-MD5
pcheck "DIGEST-MD5 login and delivery through the installed md5gate" logs_in DIGEST-MD5

wrong_refused() {
    swaks_auth wrong CRAM-MD5 'not the password' && why "a wrong password was accepted"
    grep -qE '^<[-~*]+ +535[ -]' "$work/swaks-wrong" || why "no 535 for a wrong password"
    pf_wait_log "$inst" "md5gate: side=server mech=CRAM-MD5 outcome=bad-credentials authid=$user " 10 \
	|| why "no bad-credentials record"
    [ -z "$mg_why" ]
}
pcheck "wrong password refused" wrong_refused

# smtpd has md5gate, and no stock CRAM-MD5/DIGEST-MD5 plugin, mapped.
smtpd_maps() {
    local p found=n
    for p in $(pf_pids "$inst"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = smtpd ] || continue
	found=y
	grep -qF "$sasldir/libmd5gate.so" "/proc/$p/maps" || why "smtpd $p has no libmd5gate.so"
	grep -qE 'lib(crammd5|digestmd5)' "/proc/$p/maps" && why "smtpd $p has a stock plugin mapped"
    done
    [ $found = y ] || why "no smtpd process"
    [ -z "$mg_why" ]
}
pcheck "smtpd maps md5gate and no stock mechanism plugin" smtpd_maps
grep -q "$password" "$inst/maillog" && fail "the password is in the mail log"
pf_stop "$inst" || fail "Postfix did not stop"

# --- remove, purge -----------------------------------------------------------------------
removed() {
    dpkg -r "$plugin_pkg" "$tools_pkg" >"$work/dpkg-r.log" 2>&1 || { cat "$work/dpkg-r.log"; why "dpkg -r failed"; }
    snapshot >"$work/stock.removed"
    diff "$work/stock.before" "$work/stock.removed" >&2 || why "stock plugins differ after dpkg -r"
    [ -z "$(our_diversions)" ] || why "diversions left after dpkg -r: $(our_diversions)"
    [ -e "$sasldir/libmd5gate.so" ] && why "libmd5gate.so left after dpkg -r"
    [ -z "$mg_why" ]
}
pcheck "dpkg -r: stock plugins back, byte-identical, no diversion" removed

purged() {
    dpkg -P "$plugin_pkg" "$tools_pkg" >"$work/dpkg-P.log" 2>&1 || { cat "$work/dpkg-P.log"; why "dpkg -P failed"; }
    installed=n
    local p
    for p in $plugin_pkg $tools_pkg; do
	case $(pkg_state "$p") in
	'' | not-installed) ;;
	*) why "$p is still $(pkg_state "$p")" ;;
	esac
    done
    [ -e /etc/md5gate ] && why "/etc/md5gate left after purge"
    [ -e /var/lib/md5gate ] && why "/var/lib/md5gate left after purge"
    [ -e /var/log/md5gate ] && why "/var/log/md5gate left after purge"
    snapshot >"$work/stock.purged"
    diff "$work/stock.before" "$work/stock.purged" >&2 || why "stock plugins differ after dpkg -P"
    [ -z "$(our_diversions)" ] || why "diversions left after dpkg -P"
    [ -z "$mg_why" ]
}
pcheck "dpkg -P: nothing of md5gate left, stock plugins untouched" purged

# After removal libsasl2's directory is the stock one again.
stock_again() {
    local out
    out=$(SASL_PATH= "$top/_build/cli/md5gate" doctor --plugin-path "$sasldir" 2>&1 \
	|| true)
    grep -q "CRAM-MD5 is offered by $sasldir/libcrammd5.so" <<<"$out" \
	|| why "the stock libcrammd5.so does not offer CRAM-MD5 again"
}
if [ -x "$top/_build/cli/md5gate" ]; then
    pcheck "the stock plugins offer the mechanisms again" stock_again
fi

finished=y
checks_done
