# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# test-harness/lib/chain.sh: the relay chain of md5gate's harness
# scenarios. Source it from bash after tests/lib.sh and
# test-harness/lib/postfix-instance.sh.
#
#   doorphone, peers ──> relay (127.0.0.1, md5gate server side)
#                          │ smtp client, md5gate client side
#                          ├──> upstream-stock   (127.0.0.2, stock Cyrus plugins)
#                          ├──> upstream-md5gate (127.0.0.2, md5gate)
#                          ├──> provider         (127.0.0.2, PLAIN/LOGIN, TLS >= 1.2 only)
#                          └──> hostile          (127.0.0.3, scripted DIGEST-MD5 misbehaviour)
#
# The relay's listeners (smtpd chrooted, as Debian ships it):
#   HX_RELAY_PLAIN   plain SMTP, CRAM-MD5 and DIGEST-MD5 in the clear
#   HX_RELAY_SUB     submission-style: STARTTLS required, TLS >= 1.2
#   HX_RELAY_SMTPS   implicit TLS (465-style), TLS >= 1.2
#   HX_RELAY_LEGACY  the documented legacy listener: STARTTLS that also
#                    permits TLS 1.0, for LAN clients only (mynetworks =
#                    127.0.0.1/32); others are refused in the greeting,
#                    before TLS and AUTH (smtpd_delay_reject = no). Postfix
#                    3.7 with Debian 12's OpenSSL needs no cipher or
#                    security-level change for that: its default
#                    smtpd_tls_protocols already allow TLS 1.0, the relay
#                    raises them to >= TLSv1.2 everywhere else
#   HX_RELAY_STRICT  (hx_relay --strict) like PLAIN, with its own SASL
#                    config: md5gate_digest_final_reply = empty
#
# The relay routes by recipient (transport_maps), so one relay serves every
# run without a reload; each smtp transport has its own
# smtp_sasl_mechanism_filter:
#   stock-cram@, stock-digest@      -> upstream-stock with CRAM-MD5 / DIGEST-MD5
#   mg-cram@, mg-digest@            -> upstream-md5gate with CRAM-MD5 / DIGEST-MD5
#   provider@                       -> provider with PLAIN over TLS
#   hostile-MODE@                   -> the hostile server's MODE port, DIGEST-MD5
#                                      (transport up-hostile: line_length_limit
#                                      8192, else Postfix cuts a 334 line at
#                                      2048 characters before md5gate sees it)
#   anything else @example.test     -> upstream-md5gate with CRAM-MD5 (if running)
# All recipients are in example.test, which every upstream delivers to its
# own mbox.
#
# Functions:
#   hx_init                 temp dir, cleanup, diagnostics on failure
#   hx_upstream KIND        start upstream-stock, upstream-md5gate or provider
#   hx_hostile              start the hostile server (all modes)
#   hx_relay [--strict]     start the relay (after the upstreams it routes to)
#   hx_relay_add_plain_client   stop the relay, give its client side the stock
#                           libplain.so (the provider variant), start it again
#   hx_doorphone NAME ARGS  run the doorphone (password from a file), output
#                           in $HX_WORK/NAME.out (authentication redacted)
#   hx_attachment_sha INST SUBJECT   sha256 of the image/jpeg attachment of
#                           the delivered message with that Subject
#   hx_wait_deferred INST RCPT [SECS]  wait until RCPT's mail is in INST's
#                           deferred queue; prints the reason
#   hx_smtp_procs_map INST FILE   true when an smtp process of INST maps FILE
#   hx_audit_expect K=V...  the audit record one authentication attempt must
#                           leave (see "audit" below)
#   hx_audit_expect_relayed MECH KIND  the records of one delivery from the
#                           relay to upstream KIND
#   hx_audit_verify         every attempt recorded exactly once, as expected
#   hx_finish               stop everything, fail if a process survives,
#                           check that no secret reached a log
#
# Ports come from free_port (tests/lib.sh); a collision when an instance
# starts makes it start again on new ports.
#
# Audit: the relay and upstream-md5gate run md5gate with a configuration
# file (md5gate_policy) whose [global] audit_file is
# $HX_TMP/audit/<instance>.jsonl, outside the chroot (md5gate opens it at
# plugin init, before smtpd chroots). The relay's smtp client cannot be
# given that file: Postfix's smtp client passes libsasl2 no getopt
# callback and libsasl2 reads no configuration file for clients, so
# md5gate's client side there reads only /etc/md5gate/policy.conf, which
# the harness never touches. Its records are checked in the other sink,
# the relay's mail log (postfix/up-*/smtp lines).

: "${MD5GATE_PLUGIN_DIR:=${top_builddir:-.}/plugins/.libs}"
: "${STOCK_PLUGIN_DIR:=$(pkg-config --variable=libdir libsasl2)/sasl2}"
if [ -z "${HX_PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then HX_PYTHON=/usr/bin/python3; else HX_PYTHON=python3; fi
fi

HX_RELAY_ADDR=127.0.0.1
HX_UP_ADDR=127.0.0.2
HX_HOSTILE_ADDR=127.0.0.3
HX_DOMAIN=example.test		# every recipient; the upstreams' realm
HX_RELAY_REALM=home.test	# the relay's users are USER@home.test

# Accounts. The device password has a space and a non-ASCII character, so
# DIGEST-MD5's charset=utf-8 conversion to ISO-8859-1 is exercised.
HX_DEVICE_USER=doorphone
HX_DEVICE_PASS='Door 2024 pässwort'
HX_WRONG_PASS='Door 2024 passwort'
HX_RELAY_USER=relay
HX_RELAY_PASS='Relay-to-upstream-7'
HX_HOSTILE_MODES="rspauth malformed oversized drop"

HX_TMP=
HX_WORK=
HX_INSTANCES=()
HX_HOSTILE_PID=
HX_SECRETS=()
HX_AUDIT_DIR=

_hx_secret() { HX_SECRETS+=("$1"); }

hx_init() {
    require_root
    require_cmd /usr/sbin/postfix /usr/sbin/postconf /usr/sbin/saslpasswd2 /usr/sbin/postqueue \
	openssl "$HX_PYTHON"
    HX_DOORPHONE=${top_builddir:-.}/test-harness/doorphone/doorphone
    [ -x "$HX_DOORPHONE" ] || fail "$HX_DOORPHONE is not built (make check builds it)"
    [ -f "$MD5GATE_PLUGIN_DIR/libmd5gate.so" ] || fail "$MD5GATE_PLUGIN_DIR/libmd5gate.so is not built"
    [ -e "$STOCK_PLUGIN_DIR/libsasldb.so" ] || fail "$STOCK_PLUGIN_DIR/libsasldb.so missing"
    HX_TMP=$(mktemp -d "${TMPDIR:-/tmp}/md5gate-hx.XXXXXX") || fail "mktemp"
    chmod 711 "$HX_TMP"	# postfix and nobody walk into the instances
    HX_WORK=$HX_TMP/work	# private: password files, transcripts
    mkdir -m 700 "$HX_WORK" || fail "mkdir $HX_WORK"
    HX_AUDIT_DIR=$HX_TMP/audit	# md5gate's JSON Lines files, one per instance
    mkdir -m 755 "$HX_AUDIT_DIR" || fail "mkdir $HX_AUDIT_DIR"
    : >"$HX_WORK/audit-expected"
    cleanup_push _hx_cleanup
    on_failure _hx_diagnostics
    _hx_secret "$HX_DEVICE_PASS"
    _hx_secret "$HX_WRONG_PASS"
    _hx_secret "$HX_RELAY_PASS"
    hx_password_file device "$HX_DEVICE_PASS"
    hx_password_file wrong "$HX_WRONG_PASS"
}

# hx_password_file NAME PASSWORD: $HX_WORK/pw-NAME, mode 600.
hx_password_file() {
    (umask 077 && printf '%s\n' "$2" >"$HX_WORK/pw-$1") || fail "password file"
    _hx_secret "$2"
}

_hx_cleanup() {
    local d
    if [ -n "$HX_HOSTILE_PID" ]; then
	kill "$HX_HOSTILE_PID" 2>/dev/null
	wait "$HX_HOSTILE_PID" 2>/dev/null
	HX_HOSTILE_PID=
    fi
    for d in ${HX_INSTANCES[@]+"${HX_INSTANCES[@]}"}; do pf_stop "$d"; done
    [ -n "$HX_TMP" ] || return 0
    if [ "${MG_TEST_KEEP:-}" = y ]; then
	note "kept $HX_TMP (it holds password files)"
    else
	rm -rf "$HX_TMP"
    fi
}

# Failure diagnostics: the maillogs' tails, the hostile server's log, the
# doorphone's (redacted) dialogues. Never a peer transcript: those hold
# the AUTH lines.
_hx_diagnostics() {
    local d f
    for d in ${HX_INSTANCES[@]+"${HX_INSTANCES[@]}"}; do
	[ -f "$d/maillog" ] || continue
	echo "--- maillog of ${d##*/} (last 40 lines):"
	tail -n 40 "$d/maillog" | _hx_redact
    done
    for f in "$HX_AUDIT_DIR"/*.jsonl; do
	[ -f "$f" ] || continue
	echo "--- audit file ${f##*/} (last 30 records):"
	tail -n 30 "$f" | _hx_redact
    done
    if [ -f "$HX_WORK/hostile.log" ]; then
	echo "--- hostile server log:"
	tail -n 40 "$HX_WORK/hostile.log"
    fi
    for f in "$HX_WORK"/*.out; do
	[ -f "$f" ] || continue
	echo "--- ${f##*/}:"
	tail -n 15 "$f" | _hx_redact
    done
}

# _hx_redact: replace every known secret (and its base64) by [secret].
# The secrets go through the environment, not argv (ps shows argv).
_hx_redact() {
    local s list=
    for s in ${HX_SECRETS[@]+"${HX_SECRETS[@]}"}; do
	list+="$s"$'\n'"$(printf '%s' "$s" | base64 -w0)"$'\n'
    done
    HX_REDACT=$list "$HX_PYTHON" -c '
import os, sys
subs = [a for a in os.environ["HX_REDACT"].split("\n") if a]
for line in sys.stdin:
    for s in subs:
        line = line.replace(s, "[secret]")
    sys.stdout.write(line)'
}

# _hx_start NAME PORTCOUNT CREATEFN: pick ports, create with CREATEFN DIR
# PORTS..., start; on a port collision, again with new ports.
_hx_start() {
    local name=$1 count=$2 fn=$3 dir=$HX_TMP/$1 attempt i rc
    local -a ports
    for attempt in 1 2 3 4; do
	ports=()
	for ((i = 0; i < count; i++)); do ports+=("$(free_port)") || fail "no free port"; done
	[ "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" -eq "$count" ] || continue
	pf_stop "$dir"
	rm -rf "$dir"
	"$fn" "$dir" "${ports[@]}" || fail "pf_create $name"
	case " ${HX_INSTANCES[*]-} " in *" $dir "*) ;; *) HX_INSTANCES+=("$dir") ;; esac
	pf_start "$dir"
	rc=$?
	[ $rc -eq 0 ] && { HX_LAST_PORTS=("${ports[@]}"); return 0; }
	[ $rc -eq 2 ] || fail "pf_start $name"
	note "$name: port collision, new ports"
    done
    fail "$name: could not find free ports"
}

# --- upstreams ---------------------------------------------------------------

_hx_create_stock() {
    pf_create "$1" "$2" --addr "$HX_UP_ADDR" --plugin-source "$STOCK_PLUGIN_DIR" \
	--plugins "libcrammd5.so libdigestmd5.so" --sasldb-plugin "$STOCK_PLUGIN_DIR/libsasldb.so" \
	--realm "$HX_DOMAIN" --domain "$HX_DOMAIN"
}
# _hx_md5gate_conf NAME: md5gate's configuration file for instance NAME
# ($HX_TMP/NAME-md5gate.conf), its audit file $HX_AUDIT_DIR/NAME.jsonl;
# prints its path. Both start afresh when the instance is (re)created.
_hx_md5gate_conf() {
    local name=$1 conf=$HX_TMP/$1-md5gate.conf
    rm -f "$HX_AUDIT_DIR/$name.jsonl"
    printf '[global]\naudit_file = %s\n' "$HX_AUDIT_DIR/$name.jsonl" >"$conf" \
	&& chmod 644 "$conf" && printf '%s\n' "$conf"
}
_hx_create_md5gate() {
    local conf
    conf=$(_hx_md5gate_conf upstream-md5gate) || return 1
    pf_create "$1" "$2" --addr "$HX_UP_ADDR" --plugin-source "$MD5GATE_PLUGIN_DIR" \
	--plugins libmd5gate.so --sasldb-plugin "$STOCK_PLUGIN_DIR/libsasldb.so" \
	--realm "$HX_DOMAIN" --domain "$HX_DOMAIN" --sasl-opt "md5gate_policy: $conf"
}
# The seed's provider: only PLAIN and LOGIN, only after STARTTLS, only TLS
# 1.2 and later; also implicit TLS on a second port.
_hx_create_provider() {
    pf_create "$1" "$2" --addr "$HX_UP_ADDR" --plugin-source "$STOCK_PLUGIN_DIR" \
	--plugins "libplain.so liblogin.so" --mechs "PLAIN LOGIN" \
	--sasldb-plugin "$STOCK_PLUGIN_DIR/libsasldb.so" \
	--realm "$HX_DOMAIN" --domain "$HX_DOMAIN" --tls \
	--listener "$3" "-o smtpd_tls_wrappermode=yes" \
	-o smtpd_tls_security_level=encrypt -o 'smtpd_tls_protocols=>=TLSv1.2' \
	-o 'smtpd_tls_mandatory_protocols=>=TLSv1.2' -o smtpd_tls_auth_only=yes \
	-o smtpd_sasl_security_options=noanonymous
}

# hx_upstream stock|md5gate|provider: sets HX_UP_<KIND> (the port) and
# HX_UP_<KIND>_DIR; provider also HX_UP_provider_SMTPS.
hx_upstream() {
    local kind=$1 count=1
    [ "$kind" = provider ] && count=2
    _hx_start "upstream-$kind" $count "_hx_create_$kind"
    printf -v "HX_UP_$kind" '%s' "${HX_LAST_PORTS[0]}"
    printf -v "HX_UP_${kind}_DIR" '%s' "$HX_TMP/upstream-$kind"
    [ "$kind" = provider ] && HX_UP_provider_SMTPS=${HX_LAST_PORTS[1]}
    pf_adduser "$HX_TMP/upstream-$kind" "$HX_RELAY_USER" "$HX_RELAY_PASS" || fail "pf_adduser"
    # The seed: the intercom used the provider directly.
    if [ "$kind" = provider ]; then
	pf_adduser "$HX_TMP/upstream-$kind" "$HX_DEVICE_USER" "$HX_DEVICE_PASS" || fail "pf_adduser"
    fi
    note "upstream-$kind on $HX_UP_ADDR:${HX_LAST_PORTS[*]}"
}

# --- the hostile server ---------------------------------------------------------

hx_hostile() {
    local attempt m i specs ready=$HX_WORK/hostile.ready
    for attempt in 1 2 3 4; do
	specs=()
	HX_HOSTILE_PORTS=()
	for m in $HX_HOSTILE_MODES; do
	    i=$(free_port) || fail "no free port"
	    specs+=("$m=$i")
	    HX_HOSTILE_PORTS+=("$i")
	done
	rm -f "$ready"
	"$HX_PYTHON" "$top_srcdir/test-harness/hostile/hostile-smtp.py" --addr "$HX_HOSTILE_ADDR" \
	    --log "$HX_WORK/hostile.log" --ready "$ready" "${specs[@]}" \
	    >>"$HX_WORK/hostile.err" 2>&1 </dev/null &
	HX_HOSTILE_PID=$!
	for i in $(seq 1 600); do	# a minute: Python starts slowly on a loaded machine
	    [ -f "$ready" ] && break
	    kill -0 "$HX_HOSTILE_PID" 2>/dev/null || break
	    sleep 0.1
	done
	if [ -f "$ready" ]; then
	    note "hostile server on $HX_HOSTILE_ADDR: ${specs[*]}"
	    return 0
	fi
	# Not ready and maybe still running: it serves until killed, so
	# waiting for it alone would hang the test.
	kill "$HX_HOSTILE_PID" 2>/dev/null
	wait "$HX_HOSTILE_PID" 2>/dev/null
	HX_HOSTILE_PID=
    done
    cat "$HX_WORK/hostile.err" >&2
    fail "the hostile server did not start"
}

# hx_hostile_port MODE
hx_hostile_port() {
    local m i=0
    for m in $HX_HOSTILE_MODES; do
	[ "$m" = "$1" ] && { printf '%s\n' "${HX_HOSTILE_PORTS[i]}"; return 0; }
	i=$((i + 1))
    done
    return 1
}

# --- the relay --------------------------------------------------------------------

# The maps live beside the instance (root-owned, postfix-readable).
_hx_relay_maps() {
    local maps=$HX_TMP/relay-maps m p
    mkdir -p -m 755 "$maps"
    : >"$maps/transport"
    : >"$maps/sasl_passwd"
    if [ -n "${HX_UP_stock:-}" ]; then
	printf 'stock-cram@%s up-cram:[%s]:%s\n' "$HX_DOMAIN" "$HX_UP_ADDR" "$HX_UP_stock"
	printf 'stock-digest@%s up-digest:[%s]:%s\n' "$HX_DOMAIN" "$HX_UP_ADDR" "$HX_UP_stock"
	printf '[%s]:%s %s:%s\n' "$HX_UP_ADDR" "$HX_UP_stock" "$HX_RELAY_USER" "$HX_RELAY_PASS" \
	    >>"$maps/sasl_passwd"
    fi >>"$maps/transport"
    if [ -n "${HX_UP_md5gate:-}" ]; then
	printf 'mg-cram@%s up-cram:[%s]:%s\n' "$HX_DOMAIN" "$HX_UP_ADDR" "$HX_UP_md5gate"
	printf 'mg-digest@%s up-digest:[%s]:%s\n' "$HX_DOMAIN" "$HX_UP_ADDR" "$HX_UP_md5gate"
	printf '[%s]:%s %s:%s\n' "$HX_UP_ADDR" "$HX_UP_md5gate" "$HX_RELAY_USER" "$HX_RELAY_PASS" \
	    >>"$maps/sasl_passwd"
    fi >>"$maps/transport"
    if [ -n "${HX_UP_provider:-}" ]; then
	printf 'provider@%s up-plain:[%s]:%s\n' "$HX_DOMAIN" "$HX_UP_ADDR" "$HX_UP_provider"
	printf '[%s]:%s %s:%s\n' "$HX_UP_ADDR" "$HX_UP_provider" "$HX_RELAY_USER" "$HX_RELAY_PASS" \
	    >>"$maps/sasl_passwd"
    fi >>"$maps/transport"
    if [ -n "$HX_HOSTILE_PID" ]; then
	for m in $HX_HOSTILE_MODES; do
	    p=$(hx_hostile_port "$m")
	    printf 'hostile-%s@%s up-hostile:[%s]:%s\n' "$m" "$HX_DOMAIN" "$HX_HOSTILE_ADDR" "$p"
	    printf '[%s]:%s %s:%s\n' "$HX_HOSTILE_ADDR" "$p" "$HX_RELAY_USER" "$HX_RELAY_PASS" \
		>>"$maps/sasl_passwd"
	done
    fi >>"$maps/transport"
    chown root:postfix "$maps/transport" "$maps/sasl_passwd"
    chmod 644 "$maps/transport"
    chmod 640 "$maps/sasl_passwd"
}

_hx_create_relay() {
    local dir=$1 maps=$HX_TMP/relay-maps default
    HX_RELAY_PLAIN=$2 HX_RELAY_SUB=$3 HX_RELAY_SMTPS=$4 HX_RELAY_LEGACY=$5
    HX_RELAY_STRICT=${6:-}
    if [ -n "${HX_UP_md5gate:-}" ]; then
	default="up-cram:[$HX_UP_ADDR]:$HX_UP_md5gate"
    else
	default="error:no default upstream in this scenario"
    fi
    local -a strict=()
    local conf
    conf=$(_hx_md5gate_conf relay) || return 1
    [ -n "$HX_RELAY_STRICT" ] && strict=(--listener "$HX_RELAY_STRICT" \
	"-o smtpd_sasl_path=smtpd-strict -o smtpd_tls_security_level=none")
    # Transports: Debian runs smtp chrooted; libsasl2 loads the plugins and
    # Postfix opens the password map before the chroot. No connection
    # cache: each delivery upstream is one authentication, one record.
    pf_create "$dir" "$HX_RELAY_PLAIN" --addr "$HX_RELAY_ADDR" --chroot --tls \
	--plugin-source "$MD5GATE_PLUGIN_DIR" --plugins libmd5gate.so \
	--sasldb-plugin "$STOCK_PLUGIN_DIR/libsasldb.so" \
	--realm "$HX_RELAY_REALM" --domain "$HX_RELAY_REALM" \
	--sasl-opt "md5gate_policy: $conf" \
	--listener "$HX_RELAY_SUB" "-o smtpd_tls_security_level=encrypt" \
	--listener "$HX_RELAY_SMTPS" "-o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt" \
	--listener "$HX_RELAY_LEGACY" "-o smtpd_tls_security_level=encrypt \
-o {smtpd_tls_mandatory_protocols=>=TLSv1} -o {smtpd_tls_protocols=>=TLSv1} \
-o smtpd_delay_reject=no -o {smtpd_client_restrictions=permit_mynetworks, reject}" \
	${strict[@]+"${strict[@]}"} \
	--service "up-cram unix - - y - - smtp
  -o syslog_name=postfix/up-cram -o smtp_sasl_mechanism_filter=cram-md5" \
	--service "up-digest unix - - y - - smtp
  -o syslog_name=postfix/up-digest -o smtp_sasl_mechanism_filter=digest-md5" \
	--service "up-hostile unix - - y - - smtp
  -o syslog_name=postfix/up-hostile -o smtp_sasl_mechanism_filter=digest-md5
  -o line_length_limit=8192" \
	--service "up-plain unix - - y - - smtp
  -o syslog_name=postfix/up-plain -o smtp_sasl_mechanism_filter=plain -o smtp_tls_security_level=encrypt
  -o {smtp_tls_mandatory_protocols=>=TLSv1.2} -o smtp_sasl_tls_security_options=noanonymous" \
	-o 'smtpd_tls_protocols=>=TLSv1.2' -o 'smtpd_tls_mandatory_protocols=>=TLSv1.2' \
	-o mynetworks=127.0.0.1/32 \
	-o "default_transport=$default" -o "relay_transport=$default" \
	-o "transport_maps=texthash:$maps/transport" \
	-o smtp_sasl_auth_enable=yes -o smtp_sasl_type=cyrus \
	-o "smtp_sasl_password_maps=texthash:$maps/sasl_passwd" \
	-o smtp_connect_timeout=10s -o smtp_helo_timeout=20s \
	-o smtp_connection_cache_on_demand=no \
	|| return 1
    if [ -n "$HX_RELAY_STRICT" ]; then
	{
	    cat "$dir/etc/sasl/smtpd.conf"
	    echo "md5gate_digest_final_reply: empty"
	} >"$dir/etc/sasl/smtpd-strict.conf"
	chmod 644 "$dir/etc/sasl/smtpd-strict.conf"
    fi
}

hx_relay() {
    local count=4
    [ "${1:-}" = --strict ] && count=5
    _hx_relay_maps
    _hx_start relay $count _hx_create_relay
    HX_RELAY_DIR=$HX_TMP/relay
    HX_RELAY_PLAIN=${HX_LAST_PORTS[0]} HX_RELAY_SUB=${HX_LAST_PORTS[1]}
    HX_RELAY_SMTPS=${HX_LAST_PORTS[2]} HX_RELAY_LEGACY=${HX_LAST_PORTS[3]}
    HX_RELAY_STRICT=${HX_LAST_PORTS[4]:-}
    pf_adduser "$HX_RELAY_DIR" "$HX_DEVICE_USER" "$HX_DEVICE_PASS" || fail "pf_adduser"
    note "relay on $HX_RELAY_ADDR: plain $HX_RELAY_PLAIN, submission $HX_RELAY_SUB," \
	"smtps $HX_RELAY_SMTPS, legacy $HX_RELAY_LEGACY${HX_RELAY_STRICT:+, strict $HX_RELAY_STRICT}"
}

# The provider variant: PLAIN for the relay's client side comes from the
# stock libplain.so, linked into the relay's plugin directory beside
# md5gate (libplain offers neither CRAM-MD5 nor DIGEST-MD5). smtpd's
# mech_list keeps the server side at CRAM-MD5 and DIGEST-MD5.
hx_relay_add_plain_client() {
    pf_stop "$HX_RELAY_DIR" || fail "pf_stop relay"
    pf_add_plugin "$HX_RELAY_DIR" "$STOCK_PLUGIN_DIR/libplain.so" || fail "pf_add_plugin"
    pf_start "$HX_RELAY_DIR" || fail "pf_start relay (provider variant)"
}

# --- running things -------------------------------------------------------------

# hx_doorphone NAME ARGS...: --password-file defaults to the device's.
hx_doorphone() {
    local name=$1
    shift
    local -a pw=(--password-file "$HX_WORK/pw-device")
    case " $* " in *" --password-file "*) pw=() ;; esac
    "$HX_DOORPHONE" --verbose --timeout 20 ${pw[@]+"${pw[@]}"} "$@" \
	>"$HX_WORK/$name.out" 2>&1 </dev/null
}

# hx_doorphone_code NAME: the U-code the run ended with (empty on success).
hx_doorphone_code() {
    sed -n 's/^doorphone: \(U[0-9][0-9][0-9]\): .*/\1/p' "$HX_WORK/$1.out" | tail -n 1
}
hx_doorphone_result() {
    grep -E '^doorphone: (sent|U[0-9]{3}):' "$HX_WORK/$1.out" | tail -n 1
}

# hx_attachment_sha INST SUBJECT: decode the image/jpeg part of the
# delivered message whose Subject is SUBJECT and print its sha256.
hx_attachment_sha() {
    "$HX_PYTHON" - "$(pf_mailbox "$1")" "$2" <<'EOF'
import hashlib, mailbox, sys
box, subject = sys.argv[1], sys.argv[2]
found = None
for msg in mailbox.mbox(box, create=False):
    if msg.get("Subject") == subject:
        found = msg
if found is None:
    sys.exit("no message with that Subject in %s" % box)
parts = [p for p in found.walk() if p.get_content_type() == "image/jpeg"]
if len(parts) != 1:
    sys.exit("expected one image/jpeg part, found %d" % len(parts))
data = parts[0].get_payload(decode=True)
print(hashlib.sha256(data).hexdigest())
EOF
}

# hx_wait_deferred INST RCPT [SECS]: RCPT's mail sits in INST's deferred
# queue with a reason; prints the reason.
hx_wait_deferred() {
    local i out
    for i in $(seq 1 $((${3:-20} * 4))); do
	out=$(pf_queue "$1" 2>/dev/null | "$HX_PYTHON" -c '
import json, sys
rcpt = sys.argv[1]
for line in sys.stdin:
    q = json.loads(line)
    for r in q.get("recipients", []):
        if r.get("address") == rcpt and q.get("queue_name") == "deferred" and r.get("delay_reason"):
            print(r["delay_reason"])
            sys.exit(0)
sys.exit(1)' "$2") && { printf '%s\n' "$out"; return 0; }
	sleep 0.25
    done
    return 1
}

# hx_smtp_procs_map INST FILE: an smtp client process of INST maps FILE.
hx_smtp_procs_map() {
    local p f
    f=$(readlink -f "$2")
    for p in $(pf_pids "$1"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = smtp ] || continue
	grep -qF "$f" "/proc/$p/maps" 2>/dev/null && return 0
    done
    return 1
}

# --- audit (scenario 7) ------------------------------------------------------------
# hx_audit_expect [at=upstream] K=V...: one authentication attempt the
# scenario made, and the record it must leave. Keys are the record's
# fields (side, mech, outcome, authid, final_reply, secret, ...); the
# value "-" means null; "reason~=REGEX" matches the reason. Where the
# record is looked for:
#   side=server              the relay's audit file (its smtpd)
#   side=client              the relay's mail log: its smtp client (see
#                            "Audit" at the top for why not a file)
#   at=upstream side=server  upstream-md5gate's audit file
# Every expectation must match a record of its own, and every record
# there must be expected: one record per attempt, none missing, none extra.
# Values may hold spaces (one tab-separated line per attempt).
hx_audit_expect() {
    local IFS=$'\t'
    printf '%s\n' "$*" >>"$HX_WORK/audit-expected"
}

# hx_audit_expect_relayed MECH KIND: one delivery by the relay's smtp
# client to upstream KIND (md5gate or stock) with MECH: a client-side
# record at the relay and, at upstream-md5gate, its server-side record
# (md5gate's client answers rspauth with an empty final reply).
hx_audit_expect_relayed() {
    hx_audit_expect side=client "mech=$1" outcome=success "authid=$HX_RELAY_USER"
    if [ "$2" = md5gate ]; then
	local fr=-
	[ "$1" = DIGEST-MD5 ] && fr=empty
	hx_audit_expect at=upstream side=server "mech=$1" outcome=success \
	    "authid=$HX_RELAY_USER" "final_reply=$fr" secret=plaintext
    fi
}

# hx_audit_verify: check the expectations (waiting up to 60 s for records
# of attempts that end after the client has gone, such as an aborted
# exchange or a deferred delivery), and that
#   - each md5gate server's two sinks agree: its audit file and the
#     md5gate lines of its smtpd in the mail log hold the same records, in
#     the same order;
#   - every smtpd record has the remote and local address and port, the
#     local port one of the instance's listeners;
#   - every DIGEST-MD5 server success names the kind of final reply;
#   - every line of the audit files is a JSON object.
# On failure it prints the problems, the records it read (audit lines and
# mail-log lines; neither holds a secret) and fails the test.
hx_audit_verify() {
    HX_AUDIT_RELAY_PORTS=$(pf_ports "$HX_RELAY_DIR" 2>/dev/null | tr '\n' ' ') \
    HX_AUDIT_UP_PORTS=${HX_UP_md5gate:-} \
	"$HX_PYTHON" "$top_srcdir/test-harness/audit-verify.py" "$HX_AUDIT_DIR/relay.jsonl" \
	"$HX_RELAY_DIR/maillog" "$HX_AUDIT_DIR/upstream-md5gate.jsonl" \
	"$HX_TMP/upstream-md5gate/maillog" "$HX_WORK/audit-expected" \
	|| fail "audit records do not match the attempts (above)"
}

# --- the end ------------------------------------------------------------------------

# hx_finish: stop everything now, fail if a process survives or a secret
# reached a log, then let the cleanup remove the files.
hx_finish() {
    local d s enc f
    if [ -n "$HX_HOSTILE_PID" ]; then
	kill "$HX_HOSTILE_PID" 2>/dev/null
	wait "$HX_HOSTILE_PID" 2>/dev/null
	kill -0 "$HX_HOSTILE_PID" 2>/dev/null && fail "the hostile server survived"
	HX_HOSTILE_PID=
    fi
    for d in ${HX_INSTANCES[@]+"${HX_INSTANCES[@]}"}; do
	pf_stop "$d" || fail "pf_stop ${d##*/}"
	[ -z "$(pf_pids "$d")" ] || fail "processes of ${d##*/} left: $(pf_pids "$d")"
    done
    for s in ${HX_SECRETS[@]+"${HX_SECRETS[@]}"}; do
	for enc in "$s" "$(printf '%s' "$s" | base64 -w0)"; do
	    for f in "$HX_TMP"/*/maillog "$HX_AUDIT_DIR"/*.jsonl "$HX_WORK"/hostile.log \
		"$HX_WORK"/*.out; do
		[ -f "$f" ] || continue
		grep -qF -- "$enc" "$f" && fail "a password appears in ${f#"$HX_TMP"/}"
	    done
	done
    done
    note "all instances stopped, no process left, no secret in the logs or audit files"
}
