#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The lockout part of make bench: the time an attempt spends in the
# lockout store, LMDB against Redis over TCP and over a Unix socket, on a
# private redis-server started here on 127.0.0.1 and stopped at the end
# (bench/lockout-store.c). Nothing is asserted.
#
# Environment: BENCH_LOCKOUT_ATTEMPTS (per store and round, default 2000),
# BENCH_ROUNDS (default 9, as the exchanges).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/redis-lib.sh"

prog=$top_builddir/bench/lockout-store
[ -x "$prog" ] || { echo "ERROR: $prog not built (make bench builds it)"; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/md5gate-bench-lockout.XXXXXX") || exit 99
cleanup_push rm -rf "$tmp"
redis_start "$tmp/redis"
echo "lockout store: redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'), LMDB in $tmp"
"$prog" --lmdb "$tmp/lockout.mdb" --redis "$redis_url" --redis "unix:$redis_socket" \
    --attempts "${BENCH_LOCKOUT_ATTEMPTS:-2000}" --rounds "${BENCH_ROUNDS:-9}" \
    || echo "lockout store benchmark: fails (see above)"
echo
