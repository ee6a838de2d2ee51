#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Run every md5gate libFuzzer target for a bounded time and report the
# executions each reached. Fails when any target finds a crash, a leak,
# a sanitizer report, a broken invariant or a timeout.
#
# Usage: test-harness/fuzz.sh [BUILDDIR] [TARGET...]
#
#   BUILDDIR        a configured build directory (default: _build); the
#                   targets are built there with `make fuzz` (clang)
#   TARGET          names such as digest-response (default: all)
#
# Environment:
#   FUZZ_SECONDS    seconds per target (default 30)
#   FUZZ_JOBS       targets run at once (default: nproc)
#   FUZZ_REPORT     where to write the Markdown table (default:
#                   BUILDDIR/tests/fuzz/FUZZ.md; bench/FUZZ.md keeps a
#                   recorded run in the repository)
#   FUZZ_ARGS       more libFuzzer options, e.g. "-only_ascii=1"
#
# Seeds are read from tests/fuzz/corpus/TARGET/ and never written; what
# the fuzzer adds goes to BUILDDIR/tests/fuzz/work/TARGET/, so a longer
# run later starts where this one stopped. A crash leaves its input in
# BUILDDIR/tests/fuzz/crashes/; the script prints how to replay it.
#
# To fuzz for longer than CI does, e.g. an hour per target, 2 at a time:
#   FUZZ_SECONDS=3600 FUZZ_JOBS=2 test-harness/fuzz.sh
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build}
[ $# -gt 0 ] && shift
build=$(cd "$build" && pwd) || exit 2
seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
report=${FUZZ_REPORT:-$build/tests/fuzz/FUZZ.md}

[ -f "$build/Makefile" ] || { echo "fuzz.sh: $build is not a configured build directory" >&2; exit 2; }
echo "fuzz: building the targets (make fuzz in $build)"
make -C "$build" -s -j"$jobs" fuzz >"$build/fuzz-build.log" 2>&1 || {
    tail -n 40 "$build/fuzz-build.log"
    echo "fuzz: make fuzz failed" >&2
    exit 1
}

if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for f in "$top"/tests/fuzz/fuzz-*.c; do
	f=${f##*/fuzz-}
	targets+=("${f%.c}")
    done
fi

out=$build/tests/fuzz
mkdir -p "$out/work" "$out/crashes" "$out/logs"

run_one() {
    local t=$1 bin=$out/bin/fuzz-$1 dict seeds=$top/tests/fuzz/corpus/$1
    local -a opts=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10
	-rss_limit_mb=2048 -max_len=5000 -artifact_prefix="$out/crashes/$t-")
    for dict in "$top/tests/fuzz/dict/$t.dict" "$top/tests/fuzz/dict/${t%%-*}.dict"; do
	[ -f "$dict" ] && { opts+=(-dict="$dict"); break; }
    done
    mkdir -p "$out/work/$t"
    [ -d "$seeds" ] || seeds=
    # shellcheck disable=SC2086
    "$bin" "${opts[@]}" ${FUZZ_ARGS:-} "$out/work/$t" $seeds >"$out/logs/$t.log" 2>&1
    echo $? >"$out/logs/$t.rc"
}

start=$(date +%s)
echo "fuzz: ${#targets[@]} targets, $seconds s each, $jobs at a time"
running=0
for t in "${targets[@]}"; do
    [ -x "$out/bin/fuzz-$t" ] || { echo "fuzz: no target $t" >&2; exit 2; }
    rm -f "$out/logs/$t.rc"
    if [ "$running" -ge "$jobs" ]; then
	wait -n
	running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
wait
elapsed=$(( $(date +%s) - start ))

# The table: executions and the last coverage line of each log.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
{
    echo "# md5gate fuzzing run"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs (${cpu:-unknown CPU}), $(uname -sr),"
    echo "$("${FUZZ_CC:-clang}" --version 2>/dev/null | head -1);" \
	"$seconds s per target, $jobs targets at a time, $elapsed s in all."
    echo
    echo "| target | executions | exec/s | coverage | features | corpus | peak RSS | result |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
} >"$report.tmp"
passed=0 failed=0
for t in "${targets[@]}"; do
    log=$out/logs/$t.log
    rc=$(cat "$out/logs/$t.rc" 2>/dev/null || echo 99)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
    if [ "$rc" -eq 0 ]; then
	result=ok
	passed=$((passed + 1))
    else
	result="**FAILED** (exit $rc)"
	failed=$((failed + 1))
    fi
    rate=
    [ -n "$execs" ] && [ "$rc" -eq 0 ] && rate=$((execs / seconds))
    echo "| $t | ${execs:-?} | ${rate:--} | ${cov:-?} | ${ft:-?} | ${corp:-?} | ${rss:-?} MB | $result |" \
	>>"$report.tmp"
done
mkdir -p "$(dirname "$report")"
mv "$report.tmp" "$report"
cat "$report"

for t in "${targets[@]}"; do
    rc=$(cat "$out/logs/$t.rc" 2>/dev/null || echo 99)
    [ "$rc" -eq 0 ] && continue
    echo
    echo "=== fuzz target $t failed (exit $rc); end of $out/logs/$t.log:"
    grep -v '^#[0-9]' "$out/logs/$t.log" | tail -n 40
    for a in "$out/crashes/$t-"*; do
	[ -e "$a" ] && echo "replay: $out/bin/fuzz-$t $a"
    done
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
