# SPDX-License-Identifier: BSD-2-Clause
# Shared by the libsasl2 exchange tests (sourced). Builds two plugin
# directories, one with md5gate and one with the stock Cyrus plugins, each
# with the stock sasldb auxprop plugin, and a sasldb in realm example.test.
#
# The stock plugins are never loaded into the same process as md5gate:
# tests/tools/sasl-exchange runs client and server in separate processes, each
# with its own SASL_PATH.
#
# Built on tests/lib.sh: a failed exchange is recorded with `failed`
# (the test goes on with the next one) and the test ends with checks_done.

: "${top_builddir:=.}"
: "${MD5GATE_PLUGIN_DIR:=$top_builddir/plugins/.libs}"
: "${STOCK_PLUGIN_DIR:=$(pkg-config --variable=libdir libsasl2)/sasl2}"
# SASL_STOCK_MECHS=no before sasl_setup: a test of md5gate against itself,
# which needs only the stock sasldb plugin and saslpasswd2 (no "stock"
# directory with the stock CRAM-MD5 and DIGEST-MD5 plugins).
: "${SASL_STOCK_MECHS:=yes}"
. "${top_srcdir:-.}/tests/lib.sh"

SASL_REALM=example.test
sasl_exchanges=0

# After a failed check: what the last exchange printed.
sasl_show_out() {
    [ -s "$SASL_TMP/out" ] && sed 's/^/  | /' "$SASL_TMP/out"
    return 0
}

sasl_setup() {
    local f stock_mechs=libsasldb.so
    [ "$SASL_STOCK_MECHS" = no ] || stock_mechs="libcrammd5.so libdigestmd5.so libsasldb.so"
    # shellcheck disable=SC2086
    mg_require_stock_plugins $stock_mechs
    command -v saslpasswd2 >/dev/null 2>&1 \
	&& mg_require_same_libsasl2 "$(command -v saslpasswd2)" saslpasswd2
    SASL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/md5gate-sasl.XXXXXX") || exit 99
    cleanup_push rm -rf "$SASL_TMP"
    on_check_failure sasl_show_out
    mkdir "$SASL_TMP/md5gate" "$SASL_TMP/stock"
    [ -f "$MD5GATE_PLUGIN_DIR/libmd5gate.so" ] \
	|| { echo "ERROR: $MD5GATE_PLUGIN_DIR/libmd5gate.so not built"; exit 99; }
    for f in $stock_mechs; do
	[ -e "$STOCK_PLUGIN_DIR/$f" ] \
	    || { echo "ERROR: stock plugin $STOCK_PLUGIN_DIR/$f missing"; exit 99; }
    done
    MD5GATE_PLUGIN_DIR=$(cd "$MD5GATE_PLUGIN_DIR" && pwd)
    ln -s "$MD5GATE_PLUGIN_DIR/libmd5gate.so" "$SASL_TMP/md5gate/"
    ln -s "$STOCK_PLUGIN_DIR/libsasldb.so" "$SASL_TMP/md5gate/"
    for f in $stock_mechs; do
	ln -s "$STOCK_PLUGIN_DIR/$f" "$SASL_TMP/stock/"
    done
    SASL_DB=$SASL_TMP/sasldb2
}

# sasl_add_user USER PASSWORD: plaintext userPassword, as saslpasswd2 keeps it.
sasl_add_user() {
    printf '%s' "$2" | SASL_PATH=$SASL_TMP/stock SASL_PLUGINDIR=$SASL_TMP/stock saslpasswd2 -f "$SASL_DB" \
	-u "$SASL_REALM" -c -p "$1" || { echo "ERROR: saslpasswd2 failed"; exit 99; }
}

# sasl_exchange SERVER CLIENT ARGS...: SERVER and CLIENT are md5gate|stock.
#
# MG_EXCHANGE_WRAPPER, when set, is a command prefix for tests/tools/sasl-exchange
# (split on white space), e.g. valgrind: test-harness/memcheck.sh sets it.
# Exit status 97 is reserved for memory checkers (valgrind --error-exitcode,
# ASAN_OPTIONS=exitcode); sasl-exchange passes it on from its client
# process too. It fails the test whatever the caller expected.
MG_CHECKER_EXIT=97
sasl_exchange() {
    local server=$1 client=$2 rc
    local -a wrapper=()
    shift 2
    read -r -a wrapper <<<"${MG_EXCHANGE_WRAPPER:-}"
    # A hung exchange must fail the test, not the whole run (memory
    # checkers make an exchange many times slower).
    timeout -k 5 "${MG_EXCHANGE_TIMEOUT:-120}" "${wrapper[@]}" "$top_builddir/tests/tools/sasl-exchange" \
	--server-plugins "$SASL_TMP/$server" \
	--client-plugins "$SASL_TMP/$client" --sasldb "$SASL_DB" \
	--realm "$SASL_REALM" "$@" >"$SASL_TMP/out" 2>"$SASL_TMP/err"
    rc=$?
    sasl_exchanges=$((sasl_exchanges + 1))
    cat "$SASL_TMP/out" "$SASL_TMP/err" >>"$SASL_TMP/all"
    if [ "$rc" -eq "$MG_CHECKER_EXIT" ]; then
	# The arguments hold the password: name the exchange otherwise.
	failed "memory checker reported errors (server=$server client=$client," \
	    "exchange $sasl_exchanges of this test)"
	sed 's/^/  ! /' "$SASL_TMP/err"
    fi
    return $rc
}

expect_line() {
    grep -qxF -- "$1" "$SASL_TMP/out" || { echo "missing line: $1"; return 1; }
}

# sasl_no_secrets PASSWORD...: no password, nor its base64 or hex, in any
# output of the run.
sasl_no_secrets() {
    local p enc
    for p in "$@"; do
	for enc in "$p" "$(printf '%s' "$p" | base64 -w0)" \
	    "$(printf '%s' "$p" | od -An -tx1 | tr -d ' \n')"; do
	    if grep -qF -- "$enc" "$SASL_TMP/all"; then
		failed "a secret appears in the exchange output"
	    fi
	done
    done
}

# sasl_done_ok: the end of a test; exit 1 naming the failed checks.
sasl_done_ok() {
    checks_done
    note "all checks passed"
    exit 0
}
