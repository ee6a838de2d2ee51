# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# tests/cli-lib.sh: shared by the md5gate command's tests (sourced after
# tests/lib.sh).
#
#   cli_setup              make $CLI_TMP (removed at exit), set $MD5GATE
#   mg ARGS...             run md5gate; stdout in $CLI_TMP/out, stderr in
#                          $CLI_TMP/err, status in $mg_status; everything is
#                          also kept in $CLI_TMP/transcript
#   expect_status N WHAT   fail unless the last mg run exited N
#   expect_out TEXT WHAT   fail unless stdout is exactly TEXT (one line or more)
#   expect_err_has TEXT WHAT  fail unless stderr contains TEXT
#   expect_err_lines N WHAT   fail unless stderr has exactly N lines
#   password_file NAME TEXT   write TEXT and a newline to $CLI_TMP/NAME
#   no_secret_in_transcript PASSWORD...
#                          fail when a password, its base64 or its hex
#                          appears in anything md5gate printed

: "${top_builddir:=.}"
: "${top_srcdir:=.}"

cli_setup() {
    MD5GATE=$top_builddir/cli/md5gate
    [ -x "$MD5GATE" ] || { echo "ERROR: $MD5GATE not built"; exit 99; }
    CLI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/md5gate-cli.XXXXXX") || exit 99
    cleanup_push rm -rf "$CLI_TMP"
    : >"$CLI_TMP/transcript"
}

mg() {
    mg_status=0
    "$MD5GATE" "$@" >"$CLI_TMP/out" 2>"$CLI_TMP/err" || mg_status=$?
    cat "$CLI_TMP/out" "$CLI_TMP/err" >>"$CLI_TMP/transcript"
    return 0
}

show_run() {
    sed 's/^/  stdout| /' "$CLI_TMP/out" >&2
    sed 's/^/  stderr| /' "$CLI_TMP/err" >&2
}

expect_status() {
    if [ "$mg_status" -ne "$1" ]; then
	show_run
	fail "$2: exit status $mg_status, expected $1"
    fi
}

expect_out() {
    if [ "$(cat "$CLI_TMP/out")" != "$1" ]; then
	show_run
	fail "$2: unexpected output"
    fi
}

expect_err_has() {
    if ! grep -qF -- "$1" "$CLI_TMP/err"; then
	show_run
	fail "$2: stderr lacks: $1"
    fi
}

expect_err_lines() {
    if [ "$(wc -l <"$CLI_TMP/err")" -ne "$1" ]; then
	show_run
	fail "$2: stderr has $(wc -l <"$CLI_TMP/err") lines, expected $1"
    fi
}

password_file() {
    printf '%s\n' "$2" >"$CLI_TMP/$1"
}

no_secret_in_transcript() {
    local p enc
    for p in "$@"; do
	for enc in "$p" "$(printf '%s' "$p" | base64 -w0)" \
	    "$(printf '%s' "$p" | od -An -tx1 | tr -d ' \n')"; do
	    if grep -qF -- "$enc" "$CLI_TMP/transcript"; then
		fail "a password (or its base64 or hex) appears in md5gate's output"
	    fi
	done
    done
}
