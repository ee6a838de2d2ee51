#!/bin/bash
# make bench: set up the md5gate and stock plugin directories and a sasldb
# the way the interop tests do (tests/sasl-lib.sh), then run bench/layers.
set -u
. "${top_srcdir:-.}/tests/sasl-lib.sh"

sasl_setup
sasl_add_user bench 'bench password'
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "OpenSSL: $(openssl version 2>/dev/null || echo unknown)"
echo
"$top_builddir/bench/layers" --md5gate-dir "$SASL_TMP/md5gate" \
    --stock-dir "$SASL_TMP/stock" --sasldb "$SASL_DB" --realm "$SASL_REALM" \
    --user bench --password 'bench password' "$@"
