# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# tests/lib.sh: shared helpers for md5gate's shell tests (sourced by bash).
# Automake's exit codes: 0 pass, 1 fail, 77 skip, 99 hard error.
#
#   fail MSG...           print "FAIL: MSG" and exit 1 (cleanups run)
#   note MSG...           print a progress line
#   skip MSG...           exit 77, but only when not root and CI is unset;
#                         as root or under CI a missing prerequisite is a
#                         failure (exit 1): the suite must not pass vacuously
#   require_cmd CMD...    skip unless every CMD is on PATH (or a path exists);
#                         with ./configure --with-sasl, Postfix, saslpasswd2
#                         and sasldblistusers2 must also load the build's
#                         libsasl2 (tests/libsasl2-lib.sh), else exit 77
#   require_root          skip unless running as root
#   cleanup_push CMD...   register a command (argv form) to run at exit,
#                         last registered first; runs on any exit or signal
#   on_failure CMD...     register a command to run at exit only when the
#                         test fails (diagnostics; before the cleanups)
#   free_port [LO [HI]]   print a TCP port on 127.0.0.1 that nothing listens on
#                         and no other test holds (reserved until exit)
#   check NAME CMD...     run CMD (usually a function of the test); print
#                         "ok: NAME", or "FAIL: NAME: reason" and go on with
#                         the next check (the test fails at checks_done)
#   why MSG...            in a check's CMD: give the reason, return 1
#   failed WHAT...        record a failed check that was not run through
#                         check (e.g. `cmd || failed "what went wrong"`):
#                         print "FAIL: WHAT" and go on, as check does
#   on_check_failure CMD...  register a command to run after each failed
#                         check (diagnostics for that check)
#   checks_done           exit 1, naming them, when any check failed
#   in_ci                 true when CI is set (and not "false"/"0")

# Sourced once: the other libraries (tests/sasl-lib.sh, ...) source it
# too, and a second time would forget the cleanups registered so far.
[ -n "${mg_lib_loaded:-}" ] && return 0
mg_lib_loaded=1

mg_test_name=${0##*/}
. "${top_srcdir:-.}/tests/libsasl2-lib.sh"

in_ci() {
    case ${CI:-} in
    '' | false | 0) return 1 ;;
    *) return 0 ;;
    esac
}

note() { printf '%s: %s\n' "$mg_test_name" "$*"; }

fail() {
    printf 'FAIL: %s: %s\n' "$mg_test_name" "$*" >&2
    exit 1
}

skip() {
    if [ "$(id -u)" -ne 0 ] && ! in_ci; then
	printf 'SKIP: %s: %s\n' "$mg_test_name" "$*" >&2
	exit 77
    fi
    fail "missing prerequisite (no skipping as root or under CI): $*"
}

require_cmd() {
    local c
    for c in "$@"; do
	case $c in
	*/*) [ -x "$c" ] || skip "$c not found" ;;
	*) command -v "$c" >/dev/null 2>&1 || skip "command $c not found" ;;
	esac
	case ${c##*/} in
	postfix) mg_require_same_libsasl2 "${PF_SMTPD:-/usr/lib/postfix/sbin/smtpd}" \
	    "Postfix's smtpd" ;;
	saslpasswd2 | sasldblistusers2)
	    mg_require_same_libsasl2 "$(command -v "$c")" "${c##*/}" ;;
	esac
    done
}

require_root() {
    [ "$(id -u)" -eq 0 ] || skip "needs root"
}

# The registry: one string per entry, each a printf %q-quoted argv.
mg_cleanups=()
mg_fail_hooks=()
mg_exiting=

cleanup_push() {
    local q
    q=$(printf '%q ' "$@")
    mg_cleanups+=("$q")
}

on_failure() {
    local q
    q=$(printf '%q ' "$@")
    mg_fail_hooks+=("$q")
}

_mg_on_exit() {
    local rc=$? i
    [ -n "$mg_exiting" ] && return
    mg_exiting=1
    set +e
    trap '' INT TERM HUP
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
	for ((i = 0; i < ${#mg_fail_hooks[@]}; i++)); do
	    eval "${mg_fail_hooks[i]}" >&2
	done
    fi
    for ((i = ${#mg_cleanups[@]} - 1; i >= 0; i--)); do
	eval "${mg_cleanups[i]}" >&2
    done
    exit "$rc"
}

trap _mg_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Named checks: a test runs many independent checks and reports each, so
# that one failure does not hide the others.
mg_failed_checks=()
mg_check_hooks=()
mg_why=

why() {
    mg_why=$*
    return 1
}

on_check_failure() {
    local q
    q=$(printf '%q ' "$@")
    mg_check_hooks+=("$q")
}

check() {
    local name=$1
    shift
    mg_why=
    if "$@"; then
	note "ok: $name"
	return 0
    fi
    mg_check_failed "$name" "$mg_why"
    return 1
}

failed() {
    mg_check_failed "$*" ""
    return 0
}

# mg_check_failed NAME REASON: report and record one failed check, then
# run the diagnostics registered for it.
mg_check_failed() {
    local i
    printf 'FAIL: %s: %s%s\n' "$mg_test_name" "$1" "${2:+: $2}" >&2
    mg_failed_checks+=("$1")
    for ((i = 0; i < ${#mg_check_hooks[@]}; i++)); do
	eval "${mg_check_hooks[i]}" >&2
    done
}

checks_done() {
    local n=${#mg_failed_checks[@]}
    [ "$n" -eq 0 ] && return 0
    printf 'FAIL: %s: %d check(s) failed:\n' "$mg_test_name" "$n" >&2
    printf '  - %s\n' "${mg_failed_checks[@]}" >&2
    exit 1
}

# free_port [LO [HI]]: random candidates, checked against the sockets (ss)
# or, without ss, by connecting. Another process may still take the port
# before it is bound: callers that bind must retry on collision. Two things
# keep that rare:
# - candidates lie below the kernel's ephemeral range
#   (net.ipv4.ip_local_port_range), where no outgoing connection (an SMTP
#   client of a test running beside this one) is given a local port;
# - each port handed out is reserved, as the directory
#   $MG_PORT_DIR/PORT made with mkdir (atomic) and naming this test's shell,
#   until the test exits: two calls of one test, or two tests of a parallel
#   make check, never get the same port. A reservation whose shell is gone
#   (a test killed with SIGKILL) is taken over.
: "${MG_PORT_DIR:=/tmp/md5gate-test-ports}"

# _mg_ephemeral_low: the first port of the kernel's ephemeral range (32768
# when it cannot be read).
_mg_ephemeral_low() {
    local lo _
    read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
    case $lo in '' | *[!0-9]*) lo=32768 ;; esac
    printf '%s
' "$lo"
}

# _mg_reserve_port PORT: true when PORT is now reserved for this test. Without
# a usable $MG_PORT_DIR (not root, another owner), nothing is reserved.
_mg_reserve_port() {
    local d=$MG_PORT_DIR/$1 owner
    if [ ! -d "$MG_PORT_DIR" ]; then
	mkdir -p -m 1777 "$MG_PORT_DIR" 2>/dev/null && chmod 1777 "$MG_PORT_DIR" 2>/dev/null
    fi
    # Only a directory of root's or our own (sticky, so that nobody else
    # can swap an entry of ours for a symlink between mkdir and write).
    [ -d "$MG_PORT_DIR" ] && [ ! -L "$MG_PORT_DIR" ] && [ -w "$MG_PORT_DIR" ] || return 0
    case $(stat -c %u "$MG_PORT_DIR" 2>/dev/null) in
    0 | "$(id -u)") ;;
    *) return 0 ;;
    esac
    if ! mkdir "$d" 2>/dev/null; then
	owner=$(cat "$d/owner" 2>/dev/null) || return 1
	case $owner in '' | *[!0-9]*) return 1 ;; esac
	[ -d "/proc/$owner" ] && return 1
	# The owner is gone: take the port over.
	rm -rf "$d" 2>/dev/null
	mkdir "$d" 2>/dev/null || return 1
    fi
    printf '%s\n' "$$" >"$d/owner"
}

# _mg_release_ports: at exit, drop this test's reservations (registered
# first, so it runs after every other cleanup, when its servers are gone).
_mg_release_ports() {
    local d
    for d in "$MG_PORT_DIR"/*/; do
	[ "$(cat "$d/owner" 2>/dev/null)" = "$$" ] && rm -rf "$d"
    done
    return 0
}
cleanup_push _mg_release_ports

free_port() {
    local lo=${1:-20000} hi=${2:-} p _ eph
    eph=$(_mg_ephemeral_low)
    if [ -z "$hi" ]; then
	hi=59999
	[ "$eph" -gt $((lo + 1000)) ] && hi=$((eph - 1))
    fi
    for _ in $(seq 1 200); do
	p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
	if command -v ss >/dev/null 2>&1; then
	    ss -Htan "sport = :$p" 2>/dev/null | grep -q . && continue
	else
	    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
	fi
	_mg_reserve_port "$p" || continue
	printf '%s\n' "$p"
	return 0
    done
    echo "free_port: no free port in $lo-$hi" >&2
    return 1
}
