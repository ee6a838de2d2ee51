#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# md5gate's full test suite, from a clean checkout: install what is
# needed, build out of tree in _build/, run `make check` (unit tests,
# libsasl2 interop with the stock Cyrus plugins, real Postfix instances on
# 127.0.0.1) and `make distcheck`; then the hardening runs: the unit and
# libsasl2 exchange tests under ASan, LeakSanitizer and UBSan (_build-asan/,
# test-harness/sanitize.sh) and under valgrind (test-harness/memcheck.sh),
# and every libFuzzer target for FUZZ_SECONDS (default 30) seconds
# (test-harness/fuzz.sh). Exits non-zero when anything fails; the last
# line counts every test, exchange test and fuzz target of all runs.
#
# After distcheck, test-harness/package-roundtrip.sh builds the Debian
# packages, installs, removes and purges them on this machine.
#
# MG_SKIP="package builddeps fuzz valgrind sanitizers" leaves those runs out (a quicker run
# while developing; the summary says what was skipped).
#
# Last, the load test (test-harness/load.sh): 200 SMTP sessions at once,
# 10 000 authentications through the harness relay (LOAD_SESSIONS,
# LOAD_AUTHS); MG_SKIP="load" leaves it out.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash test-harness/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
started=$(date +%s)

autoreconf -fi >/dev/null
rm -rf _build _build-asan
mkdir _build
cd _build
../configure -q
make -j"$jobs" >/dev/null

passed=0
failed=0
status=0
results=()
skipped=()

# record NAME PASSED FAILED
record() {
    results+=("$1: $2 passed, $3 failed")
    passed=$((passed + $2))
    failed=$((failed + $3))
    [ "$3" -eq 0 ] || status=1
}

# The counts from the last "NAME: N passed, N failed" line of a run's output.
record_from() {
    local name=$1 out=$2 line
    line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" "$out" | tail -1)
    if [[ $line =~ :\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	record "$name" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    else
	record "$name" 0 1			# the run did not get to its count
    fi
}

skipping() {
    case " ${MG_SKIP:-} " in *" $1 "*) skipped+=("$1"); return 0 ;; esac
    return 1
}

summary() {
    local r
    echo
    for r in "${results[@]}"; do
	echo "  $r"
    done
    [ ${#skipped[@]} -eq 0 ] || echo "  skipped (MG_SKIP): ${skipped[*]}"
    echo "  wall time: $(( $(date +%s) - started )) s"
    echo "md5gate tests: $passed passed, $failed failed"
}

# --- make check ----------------------------------------------------------
check_status=0
make -j"$jobs" check || check_status=$?
total=$(sed -n 's/^# TOTAL: *//p' test-suite.log | head -1)
pass=$(sed -n 's/^# PASS: *//p' test-suite.log | head -1)
fail=$(( ${total:-0} - ${pass:-0} ))
[ $check_status -ne 0 ] && [ $fail -eq 0 ] && fail=1	# e.g. a build failure
record "make check" "${pass:-0}" "$fail"
if [ $check_status -ne 0 ]; then
    echo "=== failed test logs ==="
    for log in $(find . -name '*.log' ! -name config.log ! -name test-suite.log); do
	trs=${log%.log}.trs
	if [ -f "$trs" ] && ! grep -q '^:test-result: \(PASS\|SKIP\)' "$trs"; then
	    echo "--- $log"
	    tail -n 60 "$log"
	fi
    done
fi

# The harness's peer matrix (scenario 6), as its test printed it.
if [ -f tests/harness-6-peer-matrix.log ]; then
    sed -n '/^=== peer matrix/,/^=== end of peer matrix/p' tests/harness-6-peer-matrix.log
fi

# --- make distcheck (only after a clean make check) ------------------------
if [ $check_status -eq 0 ]; then
    # The tarball runs $(distcheck_tests) (Makefile.am): what needs no
    # Postfix, and one Postfix test per helper; the whole suite has just
    # passed on the same sources.
    # shellcheck disable=SC2016 # make expands it
    if make -j"$jobs" distcheck TESTS='$(distcheck_tests)' >distcheck.log 2>&1; then
	echo "make distcheck: passed"
	record "make distcheck" 1 0
    else
	tail -n 80 distcheck.log
	echo "make distcheck failed"
	record "make distcheck" 0 1
    fi
fi
cd "$top"

# --- sanitizers, valgrind, fuzzing -----------------------------------------
run_stage() {
    local name=$1 log=$top/_build/$2.out
    shift 2
    echo
    echo "=== $name: $*"
    "$@" 2>&1 | tee "$log" || true
    record_from "$name" "$log"
}
# The Debian packages, built, installed, removed and purged
# (test-harness/package-roundtrip.sh). Alone, never beside other tests:
# while the packages are installed, the stock CRAM-MD5 and DIGEST-MD5
# plugins are diverted out of libsasl2's plugin directory.
skipping package || run_stage package package bash test-harness/package-roundtrip.sh
# The same packages built in a fresh minimal Debian holding only their
# Build-Depends (test-harness/package-clean-build.sh).
skipping builddeps || run_stage builddeps builddeps bash test-harness/package-clean-build.sh
skipping sanitizers || run_stage sanitizers sanitize bash test-harness/sanitize.sh "$top/_build-asan"
skipping valgrind || run_stage valgrind memcheck bash test-harness/memcheck.sh "$top/_build"
skipping fuzz || run_stage fuzz fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:-30}" \
    bash test-harness/fuzz.sh "$top/_build"
skipping load || run_stage load load env LOAD_SESSIONS="${LOAD_SESSIONS:-200}" \
    LOAD_AUTHS="${LOAD_AUTHS:-10000}" bash test-harness/load.sh "$top/_build"

summary
exit $status
