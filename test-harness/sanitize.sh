#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# md5gate's tests under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer: a separate build in BUILDDIR (default
# _build-asan) with everything instrumented - the core, the plugin, the
# unit tests and tests/tools/sasl-exchange - then every test that runs md5gate
# in a process of its own making: the Check unit tests and the libsasl2
# exchanges (TESTS='$(memcheck_tests)', see Makefile.am).
#
# The Postfix tests are left out here: there the plugin is dlopened by an
# uninstrumented smtpd, and ASan would have to be preloaded into Postfix's
# daemons (LD_PRELOAD through master, and into the chroot). They exercise
# the same plugin code as the libsasl2 exchanges, which run it under the
# sanitizers here and under valgrind in test-harness/memcheck.sh.
#
# Any report fails the run: ASan and UBSan stop at the first error,
# LeakSanitizer reports at exit, and all of them exit with status 97,
# which tests/tools/sasl-exchange passes on from its client process. Leaks are
# suppressed only where test-harness/lsan.supp says why.
#
# Usage: test-harness/sanitize.sh [BUILDDIR]
# Prints "sanitizers: N passed, N failed" last.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build-asan}
jobs=$(nproc 2>/dev/null || echo 2)
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"

[ -f "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null) || exit 1
mkdir -p "$build"
cd "$build" || exit 1
if [ ! -f Makefile ]; then
    "$top/configure" -q CFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" \
	|| { echo "sanitizers: configure failed"; exit 1; }
fi
make -s -j"$jobs" >build.log 2>&1 || { tail -n 40 build.log; echo "sanitizers: build failed"; exit 1; }

export ASAN_OPTIONS="exitcode=97:halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="exitcode=97:halt_on_error=1:print_stacktrace=1"
# fast_unwind_on_malloc=0: libcrypto has no frame pointers, and only the
# full stack of a leak allocated through it reaches the plugin that made it.
export LSAN_OPTIONS="exitcode=97:suppressions=$top/test-harness/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0"
# Keep the plugins mapped after sasl_done(), so leaks name their plugin.
export MG_EXCHANGE_PIN_PLUGINS=1
# Check forks each unit test; keep it so (a crash is then one failed test).
export CK_FORK=yes

status=0
# shellcheck disable=SC2016 # make expands it
make -j"$jobs" check TESTS='$(memcheck_tests)' >check.log 2>&1 || status=$?
grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):' check.log
if [ $status -ne 0 ]; then
    for log in tests/*.log; do
	trs=${log%.log}.trs
	if [ -f "$trs" ] && ! grep -q '^:test-result: \(PASS\|SKIP\)' "$trs"; then
	    echo "--- $log"
	    tail -n 80 "$log"
	fi
    done
fi
total=$(sed -n 's/^# TOTAL: *//p' test-suite.log 2>/dev/null | head -1)
pass=$(sed -n 's/^# PASS: *//p' test-suite.log 2>/dev/null | head -1)
[ -n "$total" ] || { total=1; pass=0; }
echo "sanitizers: ${pass:-0} passed, $(( ${total:-0} - ${pass:-0} )) failed"
exit $status
