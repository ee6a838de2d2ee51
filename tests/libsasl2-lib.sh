# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/libsasl2-lib.sh: does a stock program or plugin belong to the
# libsasl2 md5gate is built against? Sourced by tests/lib.sh and
# tests/sasl-lib.sh.
#
# With ./configure --with-sasl=DIR the build uses a libsasl2 installed
# elsewhere (MG_SASL_ELSEWHERE is its library directory), e.g. Cyrus SASL's
# development branch, which has no CRAM-MD5 or DIGEST-MD5 plugins and whose
# sasl_utils_t differs from Debian's. What such a library lacks, or a
# program that loads Debian's libsasl2 instead (Postfix, Debian's
# saslpasswd2), is no missing package: the tests that need it skip with
# exit 77 even as root or under CI. Without --with-sasl these functions
# check nothing.
#
#   mg_skip_library MSG...       print "SKIP: test: MSG" and exit 77
#   mg_libsasl2_of FILE          print the libsasl2 file the program FILE loads
#   mg_require_same_libsasl2 FILE WHAT
#                                skip unless the program FILE loads the
#                                build's libsasl2 (WHAT names it)
#   mg_require_stock_plugins NAME...
#                                skip unless each NAME (libcrammd5.so, ...)
#                                is in STOCK_PLUGIN_DIR and comes from the
#                                build's libsasl2 (its lib/sasl2)

mg_skip_library() {
    printf 'SKIP: %s: %s\n' "${0##*/}" "$*" >&2
    exit 77
}

mg_libsasl2_of() {
    ldd "$1" 2>/dev/null | awk '$1 ~ /^libsasl2\.so/ { print $3; exit }'
}

mg_require_same_libsasl2() {
    local file=$1 what=$2 theirs
    [ -n "${MG_SASL_ELSEWHERE:-}" ] || return 0
    theirs=$(mg_libsasl2_of "$file")
    [ -n "$theirs" ] || mg_skip_library "$what ($file) loads no libsasl2 that ldd names"
    [ "$(dirname "$(readlink -f "$theirs")")" = "$(readlink -f "$MG_SASL_LIBDIR")" ] \
	|| mg_skip_library "$what ($file) loads $theirs, not the libsasl2 of" \
	    "$MG_SASL_LIBDIR md5gate is built against"
}

mg_require_stock_plugins() {
    local name real
    [ -n "${MG_SASL_ELSEWHERE:-}" ] || return 0
    for name in "$@"; do
	[ -e "${STOCK_PLUGIN_DIR:-}/$name" ] \
	    || mg_skip_library "the libsasl2 of $MG_SASL_LIBDIR has no stock" \
		"$name (in ${STOCK_PLUGIN_DIR:-its plugin directory})"
	real=$(readlink -f "$STOCK_PLUGIN_DIR/$name")
	case $real in
	"$(readlink -f "$MG_SASL_LIBDIR")"/*) ;;
	*) mg_skip_library "stock $name is $real, not a plugin of the libsasl2" \
	    "of $MG_SASL_LIBDIR md5gate is built against" ;;
	esac
    done
}
