#!/bin/bash
# md5gate's full test suite, from a clean checkout: install what is
# needed, build out of tree in _build/, run `make check` (unit tests,
# libsasl2 interop with the stock Cyrus plugins, real Postfix instances on
# 127.0.0.1), then `make distcheck`. Exits non-zero when anything fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash test-harness/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

autoreconf -fi >/dev/null
rm -rf _build
mkdir _build
cd _build
../configure -q
make -j"$jobs" >/dev/null

# One closing line a CI reader understands: "N passed, N failed".
summary() {
    local log=test-suite.log total pass fail
    total=$(sed -n 's/^# TOTAL: *//p' "$log" | head -1)
    pass=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
    fail=$(( ${total:-0} - ${pass:-0} ))
    echo "md5gate tests: ${pass:-0} passed, $fail failed"
}

status=0
make -j"$jobs" check || status=$?
if [ $status -ne 0 ]; then
    echo "=== failed test logs ==="
    for log in $(find . -name '*.log' ! -name config.log ! -name test-suite.log); do
	trs=${log%.log}.trs
	if [ -f "$trs" ] && ! grep -q '^:test-result: \(PASS\|SKIP\)' "$trs"; then
	    echo "--- $log"
	    tail -n 60 "$log"
	fi
    done
    summary
    exit $status
fi

# The harness's peer matrix (scenario 6), as its test printed it.
if [ -f tests/harness-6-peer-matrix.log ]; then
    sed -n '/^=== peer matrix/,/^=== end of peer matrix/p' tests/harness-6-peer-matrix.log
fi

make -j"$jobs" distcheck >distcheck.log 2>&1 || {
    tail -n 80 distcheck.log
    echo "make distcheck failed"
    exit 1
}
echo "make distcheck: passed"
summary
