#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# make bench: every benchmark of md5gate against the stock Cyrus plugins,
# each printed as a Markdown table (bench/RESULTS.md records one run).
#
#   layers     DIGEST-MD5 security layer throughput (bench/layers)
#   exchanges  complete authentications per second in one process, and
#              instructions per authentication under callgrind
#              (bench/exchange, bench/auxprop-mem.c); then what md5gate
#              adds: instructions per exchange above the framework floor,
#              a process start (init + one exchange) and peak memory
#   e2e        AUTH sessions per second through a private Postfix
#              (bench/end-to-end.sh; needs root and postfix)
#   lockout    the time an attempt spends in the lockout store, LMDB
#              against Redis (bench/lockout-store.sh; needs redis-server)
#              (bench/end-to-end.sh; needs root and postfix), with
#              md5gate's defaults and with the home-relay example's
#              audit file, policy and lockout
#
# Environment: BENCH_PARTS (default "layers exchanges e2e lockout"), BENCH_ROUNDS
# (rounds of the interleaved exchange runs, default 9), BENCH_SECONDS
# (seconds per exchange run, default 0.5), BENCH_CALLGRIND_COUNT (exchanges
# per callgrind run, default 300; 0 skips callgrind), BENCH_E2E_SECONDS
# (default 10). Arguments go to bench/layers.
#
# The machine runs other work too: md5gate and stock runs alternate
# (A/B/A/B, one round after another) and the tables give medians. Nothing
# here asserts a time; a run that fails prints its failure instead.
set -u
. "${top_srcdir:-.}/tests/sasl-lib.sh"

: "${BENCH_PARTS:=layers exchanges e2e lockout}"
: "${BENCH_ROUNDS:=9}"
: "${BENCH_SECONDS:=0.5}"
: "${BENCH_CALLGRIND_COUNT:=300}"
BENCH_USER=bench
BENCH_PASSWORD='bench password'

sasl_setup
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "system: Debian $(cat /etc/debian_version 2>/dev/null || echo unknown), kernel $(uname -r)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "OpenSSL: $(openssl version 2>/dev/null || echo unknown)"
echo "libsasl2: $(dpkg-query -W -f '${Version}' libsasl2-2 2>/dev/null || echo unknown)"
echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

want() { case " $BENCH_PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

if want layers; then
    sasl_add_user "$BENCH_USER" "$BENCH_PASSWORD"
    "$top_builddir/bench/layers" --md5gate-dir "$SASL_TMP/md5gate" \
	--stock-dir "$SASL_TMP/stock" --sasldb "$SASL_DB" --realm "$SASL_REALM" \
	--user "$BENCH_USER" --password "$BENCH_PASSWORD" "$@"
    echo
fi

# ---- exchanges -------------------------------------------------------------

# median: the middle of the numbers on standard input ("-" when none).
median() {
    sort -g | awk '{ v[NR] = $1 } END {
	if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
	else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A/B with two decimals, or "-".
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f\n", a / b;
	else print "-" }'
}

# Plugin directories, each with exactly one provider of the mechanism and
# the in-memory auxprop plugin: copies, so that nothing else is loaded.
exchange_setup() {
    local d f stock=$STOCK_PLUGIN_DIR
    X=$SASL_TMP/x
    mkdir -p "$X/md5gate" "$X/stock" "$X/plain" || exit 99
    for f in "$top_builddir/bench/.libs/libbenchmem.so" "$stock/libplain.so"; do
	[ -f "$f" ] || { echo "ERROR: $f missing"; exit 99; }
    done
    cp "$MD5GATE_PLUGIN_DIR/libmd5gate.so" "$X/md5gate/"
    cp "$stock/libcrammd5.so" "$stock/libdigestmd5.so" "$X/stock/"
    cp "$stock/libplain.so" "$X/plain/"
    for d in md5gate stock plain; do
	cp "$top_builddir/bench/.libs/libbenchmem.so" "$X/$d/"
    done
    # bench: plaintext userPassword; bench-hashed: only md5gate's hashed
    # secrets (md5gate secret prints md5gate's form first).
    {
	printf '%s\tuserPassword\t%s\n' "$BENCH_USER" "$BENCH_PASSWORD"
	printf '%s\tmd5gateCRAM-MD5\t%s\n' bench-hashed "$(printf '%s' "$BENCH_PASSWORD" \
	    | "$top_builddir/cli/md5gate" secret --mech CRAM-MD5 --user bench-hashed \
		--password-file - | head -1)"
	printf '%s\tmd5gateDIGEST-MD5\t%s\n' bench-hashed "$(printf '%s' "$BENCH_PASSWORD" \
	    | "$top_builddir/cli/md5gate" secret --mech DIGEST-MD5 --user bench-hashed \
		--realm "$SASL_REALM" --password-file - | head -1)"
    } >"$X/users"
    # md5gate's configuration file: defaults (no file sink); no record at
    # all (the mechanism alone); the audit file; the audit file with
    # policy and lockout.
    : >"$X/defaults.conf"
    printf '[global]\naudit_success_level = none\naudit_failure_level = none\n' \
	>"$X/quiet.conf"
    printf '[global]\naudit_file = %s\n' "$X/audit.jsonl" >"$X/audit.conf"
    cat >"$X/full.conf" <<EOF
[global]
audit_file = $X/audit.jsonl
users_deny = mallory, *@elsewhere.test
networks_allow = 127.0.0.0/8, ::1
services = smtp
lockout_failures = 5
lockout_window = 15m
lockout_duration = 15m
lockout_store = $X/lockout.mdb
[digest-md5]
qop = auth, auth-int, auth-conf
EOF
}

# Rows: NAME DIR MECH USER CONFIG
exchange_rows() {
    cat <<EOF
cram-md5/md5gate md5gate CRAM-MD5 $BENCH_USER defaults
cram-md5/stock stock CRAM-MD5 $BENCH_USER -
digest-md5/md5gate md5gate DIGEST-MD5 $BENCH_USER defaults
digest-md5/stock stock DIGEST-MD5 $BENCH_USER -
plain/stock plain PLAIN $BENCH_USER -
cram-md5/md5gate-quiet md5gate CRAM-MD5 $BENCH_USER quiet
digest-md5/md5gate-quiet md5gate DIGEST-MD5 $BENCH_USER quiet
cram-md5/md5gate-hashed md5gate CRAM-MD5 bench-hashed defaults
digest-md5/md5gate-hashed md5gate DIGEST-MD5 bench-hashed defaults
cram-md5/md5gate-audit md5gate CRAM-MD5 $BENCH_USER audit
digest-md5/md5gate-audit md5gate DIGEST-MD5 $BENCH_USER audit
cram-md5/md5gate-full md5gate CRAM-MD5 $BENCH_USER full
digest-md5/md5gate-full md5gate DIGEST-MD5 $BENCH_USER full
EOF
}

# exchange_run DIR MECH USER CONFIG [ARGS...]: one bench/exchange run,
# under the command prefix in the array WRAP when set.
exchange_run() {
    local dir=$1 mech=$2 user=$3 conf=$4
    shift 4
    local -a policy=()
    [ "$conf" != - ] && policy=(--policy "$X/$conf.conf")
    rm -rf "$X/audit.jsonl" "$X/lockout.mdb" "$X/lockout.mdb-lock"
    ${WRAP[@]+"${WRAP[@]}"} "$top_builddir/bench/exchange" --plugins "$X/$dir" \
	--mech "$mech" --user "$user" --password "$BENCH_PASSWORD" --realm "$SASL_REALM" \
	--auxprop-file "$X/users" ${policy[@]+"${policy[@]}"} "$@"
}

exchanges() {
    local round name dir mech user conf out r
    declare -gA RATE=() WALL=() IR=() FAILED=()
    WRAP=()
    exchange_setup
    echo "Complete exchanges (client + server in one process through libsasl2):" \
	"median of $BENCH_ROUNDS interleaved runs of ${BENCH_SECONDS} s; instructions" \
	"per exchange from callgrind ($BENCH_CALLGRIND_COUNT exchanges after a first," \
	"untimed one)"
    echo
    for round in $(seq 1 "$BENCH_ROUNDS"); do
	while read -r name dir mech user conf; do
	    [ -n "${FAILED[$name]:-}" ] && continue
	    out=$(exchange_run "$dir" "$mech" "$user" "$conf" --seconds "$BENCH_SECONDS" 2>&1)
	    case $out in
	    exchanges=*)
		r=${out##* rate=}
		echo "${r%% *}" >>"$X/rate.${name//\//_}"
		r=${out##*cpu_rate=}
		echo "${r%% *}" >>"$X/cpu.${name//\//_}" ;;
	    *) FAILED[$name]=$(printf '%s' "$out" | head -1) ;;
	    esac
	done < <(exchange_rows)
    done
    while read -r name dir mech user conf; do
	RATE[$name]=$({ median <"$X/cpu.${name//\//_}"; } 2>/dev/null || echo -)
	WALL[$name]=$({ median <"$X/rate.${name//\//_}"; } 2>/dev/null || echo -)
	IR[$name]=-
	[ -n "${FAILED[$name]:-}" ] && continue
	[ "$BENCH_CALLGRIND_COUNT" -gt 0 ] && command -v valgrind >/dev/null || continue
	WRAP=(valgrind --tool=callgrind --callgrind-out-file="$X/callgrind.${name//\//_}"
	    --toggle-collect=run_exchanges)
	exchange_run "$dir" "$mech" "$user" "$conf" --count "$BENCH_CALLGRIND_COUNT" \
	    >/dev/null 2>&1
	WRAP=()
	IR[$name]=$(awk -v n="$BENCH_CALLGRIND_COUNT" \
	    '/^totals:/ { printf "%.0f\n", $2 / n }' "$X/callgrind.${name//\//_}" 2>/dev/null)
	[ -n "${IR[$name]}" ] || IR[$name]=-
    done < <(exchange_rows)

    local m mg st
    echo "Exchanges per second of CPU time (the process's user + system time;"\
	"elapsed-time rates in the last columns), and instructions per exchange:"
    echo
    echo "| mechanism | md5gate /s | stock /s | md5gate/stock | md5gate instructions | stock instructions | stock/md5gate instructions | elapsed: md5gate /s, stock /s |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for m in cram-md5 digest-md5; do
	mg=$m/md5gate st=$m/stock
	echo "| ${m^^} | $(cell "$mg") | $(cell "$st") | $(ratio "${RATE[$mg]}" "${RATE[$st]}")" \
	    "| ${IR[$mg]} | ${IR[$st]} | $(ratio "${IR[$st]}" "${IR[$mg]}")" \
	    "| ${WALL[$mg]}, ${WALL[$st]} |"
    done
    echo "| PLAIN (stock; the framework floor) | | $(cell plain/stock) | | | ${IR[plain/stock]} | | ${WALL[plain/stock]} |"
    echo
    echo "md5gate without its audit record (audit_success_level = none), and with"\
	"hashed secrets only (md5gate passwd's properties, no userPassword):"
    echo
    echo "| mechanism | no record /s | vs stock | instructions | hashed /s | instructions |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for m in cram-md5 digest-md5; do
	echo "| ${m^^} | $(cell "$m/md5gate-quiet")" \
	    "| $(ratio "${RATE[$m/md5gate-quiet]}" "${RATE[$m/stock]}") | ${IR[$m/md5gate-quiet]}" \
	    "| $(cell "$m/md5gate-hashed") | ${IR[$m/md5gate-hashed]} |"
    done
    echo
    echo "md5gate's audit and policy (per CPU second): defaults (one record per side"\
	"to the application's log), + audit file, + policy and lockout:"
    echo
    echo "| mechanism | defaults /s | audit file /s | overhead | audit file + policy + lockout /s | overhead | instructions: defaults / audit / full |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for m in cram-md5 digest-md5; do
	echo "| ${m^^} | $(cell "$m/md5gate") | $(cell "$m/md5gate-audit")" \
	    "| $(overhead "${RATE[$m/md5gate]}" "${RATE[$m/md5gate-audit]}")" \
	    "| $(cell "$m/md5gate-full")" \
	    "| $(overhead "${RATE[$m/md5gate]}" "${RATE[$m/md5gate-full]}")" \
	    "| ${IR[$m/md5gate]} / ${IR[$m/md5gate-audit]} / ${IR[$m/md5gate-full]} |"
    done
    echo
}

# cell NAME: the median rate, or the failure.
cell() {
    if [ -n "${FAILED[$1]:-}" ]; then
	printf 'fails: %s' "${FAILED[$1]#fails: }"
    else
	printf '%s' "${RATE[$1]:--}"
    fi
}

# overhead BASE WITH: how much slower WITH is, in per cent.
overhead() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.1f %%\n", (a / b - 1) * 100;
	else print "-" }'
}

# ---- what md5gate adds, in instructions (deterministic) -----------------

# minus A B: A-B, or "-".
minus() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && a != "" && b != "") print a - b;
	else print "-" }'
}

# Instructions of a whole process (library and plugin initialisation, one
# exchange, sasl_done) under callgrind, and the peak resident memory of a
# native process that runs 100 exchanges. Sets START[name] and RSS[name].
process_start() {
    local name dir mech user conf out
    local first
    declare -gA START=() RSS=()
    while read -r name dir mech user conf; do
	for first in "" --openssl-first; do
	    START[$name$first]=- RSS[$name$first]=-
	    out=$(exchange_run "$dir" "$mech" "$user" "$conf" --count 100 $first 2>&1)
	    case $out in *max_rss_kb=*) RSS[$name$first]=${out##*max_rss_kb=} ;; esac
	    command -v valgrind >/dev/null || continue
	    WRAP=(valgrind --tool=callgrind --callgrind-out-file="$X/start.${name//\//_}$first")
	    exchange_run "$dir" "$mech" "$user" "$conf" --count 0 $first >/dev/null 2>&1
	    WRAP=()
	    START[$name$first]=$(awk '/^totals:/ { print $2 }' \
		"$X/start.${name//\//_}$first" 2>/dev/null)
	    [ -n "${START[$name$first]}" ] || START[$name$first]=-
	done
    done < <(exchange_rows | grep -E '^(cram-md5|digest-md5)/(md5gate|stock) ')
    # OpenSSL's first use of its generator by itself: a process that opens
    # libcrypto and draws from it, and one that only opens it (bench/exchange
    # --openssl-alone; no libsasl2). Sets START[openssl-load|draw], RSS[...].
    for first in load draw; do
	START[openssl-$first]=- RSS[openssl-$first]=-
	out=$(exchange_run md5gate CRAM-MD5 "$BENCH_USER" - --openssl-alone $first 2>&1)
	case $out in *max_rss_kb=*) RSS[openssl-$first]=${out##*max_rss_kb=} ;; esac
	command -v valgrind >/dev/null || continue
	WRAP=(valgrind --tool=callgrind --callgrind-out-file="$X/start.openssl-$first")
	exchange_run md5gate CRAM-MD5 "$BENCH_USER" - --openssl-alone $first >/dev/null 2>&1
	WRAP=()
	START[openssl-$first]=$(awk '/^totals:/ { print $2 }' "$X/start.openssl-$first" \
	    2>/dev/null)
	[ -n "${START[openssl-$first]}" ] || START[openssl-$first]=-
    done
}

# goal_cell VALUE LIMIT: "yes" when VALUE <= LIMIT, else "no" ("-" unknown).
goal_cell() {
    awk -v v="$1" -v l="$2" 'BEGIN { if (v == "-" || l == "-" || v == "" || l == "") print "-";
	else if (v + 0 <= l + 0) print "yes"; else print "no" }'
}

added_cost() {
    local m mg st floor=${IR[plain/stock]:--} a b
    process_start
    echo "What md5gate adds, in instructions (callgrind; deterministic, so the"\
	"load on the machine does not change them). Above the floor: instructions"\
	"per exchange less those of stock PLAIN through the same path"\
	"(${floor}), both sides of the exchange, md5gate's default audit record on."\
	"A process: libsasl2 initialisation with the plugin, one exchange, sasl_done."\
	"Peak memory: the process's maximum resident set after 100 exchanges."
    echo
    echo "| | md5gate | stock | md5gate/stock | goal | met |"
    echo "| --- | ---: | ---: | ---: | --- | --- |"
    for m in cram-md5 digest-md5; do
	mg=$m/md5gate st=$m/stock
	a=$(minus "${IR[$mg]:--}" "$floor") b=$(minus "${IR[$st]:--}" "$floor")
	local limit=10000
	[ "$m" = digest-md5 ] && limit=50000
	echo "| ${m^^}, instructions per exchange above the floor | $a | $b | $(ratio "$a" "$b")" \
	    "| ≤ $limit | $(goal_cell "$a" "$limit") |"
    done
    for m in cram-md5 digest-md5; do
	mg=$m/md5gate st=$m/stock
	a=${START[$mg]} b=${START[$st]}
	echo "| ${m^^}, a process: instructions | $a | $b | $(ratio "$a" "$b")" \
	    "| ≤ 1.5× stock | $(goal_cell "$(ratio "$a" "$b")" 1.5) |"
    done
    for m in cram-md5 digest-md5; do
	mg=$m/md5gate st=$m/stock
	a=${RSS[$mg]} b=${RSS[$st]}
	echo "| ${m^^}, peak resident memory (kB, 100 exchanges) | $a | $b | $(ratio "$a" "$b")" \
	    "| ≤ 1.5× stock | $(goal_cell "$(ratio "$a" "$b")" 1.5) |"
    done
    # An application that set up OpenSSL before libsasl2 (Postfix's smtpd
    # with TLS enabled): OpenSSL's one-time initialisation is its own.
    for m in cram-md5 digest-md5; do
	mg=$m/md5gate--openssl-first st=$m/stock--openssl-first
	a=${START[$mg]} b=${START[$st]}
	echo "| ${m^^}, a process whose application set up OpenSSL first: instructions" \
	    "| $a | $b | $(ratio "$a" "$b") | | |"
	a=${RSS[$mg]} b=${RSS[$st]}
	echo "| ${m^^}, the same: peak resident memory (kB, 100 exchanges)" \
	    "| $a | $b | $(ratio "$a" "$b") | | |"
    done
    # Where a process's difference lies: md5gate draws its challenges and
    # nonces from OpenSSL's generator, whose one-time initialisation (and
    # clean-up at exit) the stock plugins, drawing from libsasl2's, never
    # start. Measured by itself, then taken off md5gate's process.
    local ossl_ir ossl_rss
    ossl_ir=$(minus "${START[openssl-draw]}" "${START[openssl-load]}")
    ossl_rss=$(minus "${RSS[openssl-draw]}" "${RSS[openssl-load]}")
    echo "| OpenSSL's first use of its generator by itself (initialisation, configuration" \
	"file, default provider, name map, DRBG; clean-up at exit): instructions" \
	"| $ossl_ir | | | | |"
    echo "| the same: peak resident memory (kB) | $ossl_rss | | | | |"
    for m in cram-md5 digest-md5; do
	mg=$m/md5gate st=$m/stock
	a=$(minus "${START[$mg]}" "$ossl_ir") b=${START[$st]}
	echo "| ${m^^}, a process less OpenSSL's first use: instructions" \
	    "| $a | $b | $(ratio "$a" "$b") | | |"
	a=$(minus "${RSS[$mg]}" "$ossl_rss") b=${RSS[$st]}
	echo "| ${m^^}, a process less OpenSSL's first use: peak resident memory (kB)" \
	    "| $a | $b | $(ratio "$a" "$b") | | |"
    done
    for m in cram-md5 digest-md5; do
	a=${IR[$m/md5gate]:--} b=${IR[$m/md5gate-full]:--}
	echo "| ${m^^}, audit file + policy + lockout: instructions per exchange, vs defaults" \
	    "| $b | | $(ratio "$b" "$a") | ≤ 1.10× | $(goal_cell "$(ratio "$b" "$a")" 1.10) |"
    done
    echo
}

if want exchanges; then
    exchanges
    added_cost
fi

if want e2e; then
    bash "$top_srcdir/bench/end-to-end.sh"
    # The home-relay example's settings (packaging/examples/home-relay):
    # the audit file, a policy and the lockout, both mechanisms enabled.
    BENCH_E2E_TITLE="With the home-relay example's audit file, policy and lockout:" \
    BENCH_E2E_MD5GATE_CONFIG="[global]
audit_file = @DIR@/audit.jsonl
lockout_failures = 5
lockout_window = 15m
lockout_duration = 30m
lockout_store = @DIR@/lockout.mdb
users_allow = bench
networks_allow = 127.0.0.0/8" bash "$top_srcdir/bench/end-to-end.sh"
fi

if want lockout; then
    bash "$top_srcdir/bench/lockout-store.sh"
fi
exit 0
