#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# md5gate's libsasl2 round-trip tests under valgrind's memcheck: every
# tests/tools/sasl-exchange run of tests/sasl-*.test, server and client process,
# with md5gate (and the stock plugins, as peers) loaded by the real
# libsasl2. Uses an ordinary build (default: _build, built if needed).
#
# Any error fails the run: invalid reads and writes, uses of
# uninitialised values, and definitely lost memory. valgrind exits with
# status 97 then, which tests/tools/sasl-exchange passes on from its client
# process and tests/sasl-lib.sh turns into a failed test. Reports are
# suppressed only where test-harness/valgrind.supp says why.
#
# Usage: test-harness/memcheck.sh [BUILDDIR]
# Prints "valgrind: N passed, N failed" last.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build}
jobs=$(nproc 2>/dev/null || echo 2)

command -v valgrind >/dev/null || { echo "valgrind: not installed"; echo "valgrind: 0 passed, 1 failed"; exit 1; }
[ -f "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null) || exit 1
mkdir -p "$build"
cd "$build" || exit 1
[ -f Makefile ] || "$top/configure" -q || { echo "valgrind: configure failed"; exit 1; }
make -s -j"$jobs" >/dev/null 2>&1 || { echo "valgrind: build failed"; exit 1; }
make -s -j"$jobs" tests/tools/sasl-exchange >/dev/null 2>&1 || { echo "valgrind: build failed"; exit 1; }

# valgrind makes an exchange many times slower than tests/sasl-lib.sh allows.
export MG_EXCHANGE_TIMEOUT=900
export MG_EXCHANGE_WRAPPER="valgrind --tool=memcheck --quiet --error-exitcode=97
    --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --trace-children=yes --child-silent-after-fork=no --num-callers=40
    --suppressions=$top/test-harness/valgrind.supp"
# Keep the automake logs of this run apart from the ordinary make check.
status=0
# shellcheck disable=SC2016 # make expands it
make -j"$jobs" check TESTS='$(filter tests/sasl-%,$(memcheck_tests))' \
    TEST_SUITE_LOG=memcheck-suite.log >memcheck.log 2>&1 || status=$?
grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):' memcheck.log
if [ $status -ne 0 ]; then
    for t in tests/sasl-*.log; do
	grep -q '^FAIL\|memory checker' "$t" && { echo "--- $t"; tail -n 80 "$t"; }
    done
fi
total=$(sed -n 's/^# TOTAL: *//p' memcheck-suite.log 2>/dev/null | head -1)
pass=$(sed -n 's/^# PASS: *//p' memcheck-suite.log 2>/dev/null | head -1)
[ -n "$total" ] || { total=1; pass=0; }
echo "valgrind: ${pass:-0} passed, $(( ${total:-0} - ${pass:-0} )) failed"
exit $status
