# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# test-harness/lib/postfix-instance.sh: private Postfix instances on 127.0.0.1
# for md5gate's tests. Source it from bash; it sets no shell options.
#
# An instance lives entirely in one directory DIR (absolute path):
#   DIR/etc/main.cf, DIR/etc/master.cf   config_directory (postfix -c DIR/etc)
#   DIR/etc/sasl/smtpd.conf              Cyrus SASL application config: Debian's
#                                        Postfix reads $config_directory/sasl/
#   DIR/spool                            queue_directory (smtpd's chroot, if any)
#   DIR/data                             data_directory (owned by mail_owner)
#   DIR/plugins                          SASL_PATH (and SASL_PLUGINDIR, its name in
#                                        Cyrus SASL's development branch): symlinks to the chosen
#                                        mechanism plugins + libsasldb.so, nothing else
#   DIR/sasldb-only                      SASL_PATH for saslpasswd2: libsasldb.so only
#   DIR/sasldb2                          the users, user@REALM, readable by postfix
#   DIR/mail/inbox                       mbox: every recipient @DOMAIN lands here
#   DIR/maillog                          Postfix's log (no syslog needed)
#   DIR/instance.env                     what pf_create was given (sourced by the
#                                        other functions)
#   DIR/tls/{key,cert}.pem               self-signed certificate (pf_create --tls)
#
# The default instance (/etc/postfix, /var/spool/postfix) is never read for
# configuration, written or started: every command gets -c DIR/etc, and
# pf_create refuses directories that resolve to the default ones. Nothing in
# /etc/postfix is needed: `postfix -c DIR/etc` as root does not consult
# alternate_config_directories (only the set-gid postqueue/postdrop do, and
# only for non-root callers; this library runs neither).
#
# Chroot (pf_create --chroot): only smtpd runs chrooted, in DIR/spool, as
# Debian does. libsasl2 loads the plugins (DIR/plugins) and runs their init
# before the chroot, but sasldb is opened per authentication, after it. So
# sasldb_path is the absolute DIR/sasldb2 and pf_sync_chroot (run by
# pf_start and pf_adduser) copies it to DIR/spool/DIR/sasldb2, where the
# same path resolves inside the chroot. It also copies what Debian's
# configure-instance.sh copies: etc/{localtime,services,resolv.conf,hosts,
# host.conf,nsswitch.conf} and the libnss*/libresolv*/libgcc_s* libraries.
# Device nodes (/dev/urandom) are not made. After changing DIR/sasldb2 by
# other means while running chrooted, call pf_sync_chroot DIR.
#
# Functions (all return non-zero with a message on stderr when they fail):
#   pf_create DIR PORT [options]   write a new instance (does not start it)
#   pf_start DIR                   start it, wait until smtpd accepts connections
#   pf_stop DIR                    stop it and every process it started (idempotent)
#   pf_running DIR                 true when the instance's master is alive
#   pf_pids DIR                    pids of all processes of the instance
#   pf_set_port DIR PORT           move smtpd to another port (instance stopped)
#   pf_adduser DIR USER PASSWORD   create/replace USER@REALM in the sasldb
#   pf_deluser DIR USER            delete USER@REALM
#   pf_log DIR                     print the maillog
#   pf_log_tail DIR [N]            print the last N (40) maillog lines
#   pf_mailbox DIR                 print the mbox path all local mail goes to
#   pf_wait_mail DIR STRING [SECS] wait until STRING appears in the mailbox (60 s)
#   pf_wait_log DIR REGEX [SECS]   wait until REGEX (grep -E) appears in the maillog (30 s)
#   pf_wait_log_count DIR REGEX N [SECS]  wait until N lines match REGEX (grep -E)
#   pf_log_sync DIR [SECS]         wait until the maillog holds every line logged so far
#   pf_mail_message DIR STRING     print the one delivered message containing STRING
#   pf_sasl_option DIR KEY [VALUE] set (or, without VALUE, remove) KEY in smtpd.conf
#   pf_port DIR / pf_realm DIR / pf_domain DIR / pf_sasldb DIR   print settings
#   pf_postconf DIR ARGS...        postconf -c DIR/etc ARGS...
#   pf_sync_chroot DIR             refresh smtpd's chroot copies (no-op unchrooted)
#   pf_ports DIR / pf_addr DIR     every listening port (main first) / the address
#   pf_queue DIR                   the queue, one JSON object a line (postqueue -j)
#   pf_flush DIR                   retry deferred mail now (postqueue -f)
#   pf_add_plugin DIR FILE         link one more plugin into DIR/plugins (stopped)
#   pf_del_plugin DIR NAME         remove DIR/plugins/NAME (stopped)
#
# One SASL_PATH serves the whole instance: master passes import_environment
# to every child, and "-o import_environment=..." on one master.cf service
# does not change it (observed with Postfix 3.7). So smtpd and the smtp
# client load the same plugin directory; smtpd's mech_list decides what the
# server side offers, smtp_sasl_mechanism_filter what the client side uses.

# Defaults, overridable by the caller's environment.
: "${PF_POSTFIX:=/usr/sbin/postfix}"
: "${PF_POSTCONF:=/usr/sbin/postconf}"
: "${PF_SASLPASSWD2:=/usr/sbin/saslpasswd2}"
: "${PF_POSTLOG:=/usr/sbin/postlog}"
: "${PF_START_TIMEOUT:=60}"

_pf_err() { printf 'postfix-instance: %s\n' "$*" >&2; }

# _pf_load DIR: read DIR/instance.env into PF_* variables of the caller.
_pf_load() {
    local dir=$1
    [ -n "$dir" ] && [ -f "$dir/instance.env" ] || {
	_pf_err "$dir: not an instance directory (no instance.env)"
	return 1
    }
    # shellcheck disable=SC1091
    . "$dir/instance.env"
}

# _pf_default_sasldb_plugin: the stock libsasldb.so.
_pf_default_sasldb_plugin() {
    local d ma
    ma=$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)
    for d in ${STOCK_PLUGIN_DIR:+"$STOCK_PLUGIN_DIR"} ${ma:+"/usr/lib/$ma/sasl2"} \
	/usr/lib/sasl2 /usr/lib64/sasl2; do
	[ -e "$d/libsasldb.so" ] && { printf '%s\n' "$d/libsasldb.so"; return 0; }
    done
    return 1
}

# pf_create DIR PORT [options]
#   --plugin-source D   directory holding the mechanism plugins (default:
#                       $STOCK_PLUGIN_DIR or the multiarch sasl2 dir)
#   --plugins "F..."    file names in D to link (default:
#                       "libcrammd5.so libdigestmd5.so"); each must exist
#   --sasldb-plugin F   libsasldb.so to link (default: the stock one)
#   --system-plugins    no SASL_PATH: libsasl2 loads every plugin of its
#                       own plugin directory, as a Postfix installed from
#                       packages does (DIR/plugins stays empty; --plugins
#                       and --plugin-source are ignored). For testing
#                       installed packages only
#   --mechs "M..."      SASL mech_list (default "CRAM-MD5 DIGEST-MD5")
#   --realm R           smtpd_sasl_local_domain; users are USER@R (example.test)
#   --domain D          mail domain delivered to DIR/mail/inbox (example.test)
#   --chroot            run smtpd chrooted in DIR/spool (default: not)
#   --sasl-opt "k: v"   extra line for smtpd.conf (repeatable)
#   -o name=value       extra main.cf parameter, applied last (repeatable)
#   --addr A            listen on A (default 127.0.0.1; a loopback address).
#                       inet_interfaces stays 127.0.0.1: Postfix refuses an
#                       address that no interface carries, and lo carries
#                       only 127.0.0.1 (the rest of 127/8 is routed to it);
#                       the master.cf listeners bind A explicitly
#   --listener P "ARGS" one more smtpd on A:P, chrooted like the main one;
#                       ARGS (e.g. "-o smtpd_tls_wrappermode=yes") go on its
#                       master.cf continuation line (repeatable)
#   --service "ENTRY"   one more master.cf entry, verbatim (repeatable; may
#                       hold continuation lines), e.g. an smtp transport
#   --tls               make a self-signed certificate for myhostname in
#                       DIR/tls, set smtpd_tls_chain_files and run tlsmgr;
#                       TLS security levels stay "none" unless set with -o
#                       or per listener
# DIR must be absolute and empty or missing; its parent directories must be
# searchable by others (mail_owner and the delivery uid walk into DIR).
pf_create() {
    local dir=$1 port=$2
    shift 2 || { _pf_err "usage: pf_create DIR PORT [options]"; return 2; }
    local src="" plugins="libcrammd5.so libdigestmd5.so" sasldb_plugin=""
    local mechs="CRAM-MD5 DIGEST-MD5" realm=example.test domain=example.test
    local chroot=n addr=127.0.0.1 tls=n system_plugins=n
    local -a sasl_opts=() main_opts=() listeners=() services=()
    while [ $# -gt 0 ]; do
	case $1 in
	--plugin-source) src=$2; shift 2 ;;
	--plugins) plugins=$2; shift 2 ;;
	--sasldb-plugin) sasldb_plugin=$2; shift 2 ;;
	--system-plugins) system_plugins=y; plugins=; shift ;;
	--mechs) mechs=$2; shift 2 ;;
	--realm) realm=$2; shift 2 ;;
	--domain) domain=$2; shift 2 ;;
	--chroot) chroot=y; shift ;;
	--sasl-opt) sasl_opts+=("$2"); shift 2 ;;
	-o) main_opts+=("$2"); shift 2 ;;
	--addr) addr=$2; shift 2 ;;
	--listener) listeners+=("$2" "$3"); shift 3 ;;
	--service) services+=("$2"); shift 2 ;;
	--tls) tls=y; shift ;;
	*) _pf_err "pf_create: unknown option $1"; return 2 ;;
	esac
    done

    case $dir in
    /*) ;;
    *) _pf_err "pf_create: DIR must be absolute: $dir"; return 2 ;;
    esac
    local ports=$port i
    for ((i = 0; i < ${#listeners[@]}; i += 2)); do ports="$ports ${listeners[i]}"; done
    for i in $ports; do
	case $i in
	'' | *[!0-9]*) _pf_err "pf_create: bad port '$i'"; return 2 ;;
	esac
    done
    case $addr in
    127.*[!0-9.]* | 127.*..*) _pf_err "pf_create: bad --addr '$addr'"; return 2 ;;
    127.*.*.*) ;;
    *) _pf_err "pf_create: --addr must be a loopback address, not '$addr'"; return 2 ;;
    esac
    [ "$(id -u)" -eq 0 ] || { _pf_err "pf_create: must run as root"; return 1; }
    if [ -e "$dir" ]; then
	[ -d "$dir" ] && [ -z "$(ls -A "$dir")" ] || {
	    _pf_err "pf_create: $dir exists and is not an empty directory"
	    return 1
	}
    fi
    mkdir -p "$dir" || return 1
    dir=$(cd "$dir" && pwd -P) || return 1
    # Never the default instance, whatever DIR is.
    local defcfg defq
    defcfg=$(cd /etc/postfix 2>/dev/null && pwd -P)
    defq=$(cd /var/spool/postfix 2>/dev/null && pwd -P)
    case "$dir/etc" in "$defcfg" | "$defcfg"/*) _pf_err "pf_create: refusing $dir"; return 1 ;; esac
    case "$dir/spool" in "$defq" | "$defq"/*) _pf_err "pf_create: refusing $dir"; return 1 ;; esac
    case "$dir" in *[[:space:]]*) _pf_err "pf_create: DIR must not contain spaces"; return 2 ;; esac
    # Ancestors must be searchable by the postfix and nobody users.
    local p=$dir
    while [ "$p" != / ]; do
	p=$(dirname "$p")
	[ -x "$p" ] && [ "$(stat -c %A "$p" | cut -c10)" != - ] || {
	    _pf_err "pf_create: $p is not searchable by others (chmod o+x it)"
	    return 1
	}
    done

    [ -n "$src" ] || src=$(dirname "$(_pf_default_sasldb_plugin)") || {
	_pf_err "pf_create: no --plugin-source and no stock plugin dir"
	return 1
    }
    [ -n "$sasldb_plugin" ] || sasldb_plugin=$(_pf_default_sasldb_plugin) || {
	_pf_err "pf_create: stock libsasldb.so not found (install libsasl2-modules-db)"
	return 1
    }
    [ -e "$sasldb_plugin" ] || { _pf_err "pf_create: $sasldb_plugin missing"; return 1; }
    src=$(cd "$src" && pwd -P) || { _pf_err "pf_create: no directory $src"; return 1; }

    local owner nobody_uid nobody_gid
    owner=postfix
    id -u "$owner" >/dev/null 2>&1 || { _pf_err "pf_create: no user $owner"; return 1; }
    nobody_uid=$(id -u nobody) && nobody_gid=$(id -g nobody) || return 1

    chown root:root "$dir" && chmod 755 "$dir" || return 1
    mkdir -m 755 "$dir/etc" "$dir/etc/sasl" "$dir/spool" "$dir/plugins" "$dir/sasldb-only" \
	|| return 1
    mkdir -m 700 "$dir/data" && chown "$owner" "$dir/data" || return 1
    mkdir -m 755 "$dir/mail" && chown "$nobody_uid:$nobody_gid" "$dir/mail" || return 1

    # Plugin directory: exactly the chosen plugins, plus sasldb.
    local f
    for f in $plugins; do
	[ -e "$src/$f" ] || { _pf_err "pf_create: plugin $src/$f missing"; return 1; }
	ln -s "$src/$f" "$dir/plugins/$f" || return 1
    done
    if [ "$system_plugins" = n ] && [ ! -e "$dir/plugins/libsasldb.so" ]; then
	ln -s "$sasldb_plugin" "$dir/plugins/libsasldb.so" || return 1
    fi
    ln -s "$sasldb_plugin" "$dir/sasldb-only/libsasldb.so" || return 1

    {
	printf 'PF_DIR=%q\n' "$dir"
	printf 'PF_PORT=%q\n' "$port"
	printf 'PF_PORTS=%q\n' "$ports"
	printf 'PF_ADDR=%q\n' "$addr"
	printf 'PF_REALM=%q\n' "$realm"
	printf 'PF_DOMAIN=%q\n' "$domain"
	printf 'PF_CHROOT=%q\n' "$chroot"
	printf 'PF_MECHS=%q\n' "$mechs"
	printf 'PF_PLUGINS=%q\n' "$plugins"
	printf 'PF_PLUGIN_SOURCE=%q\n' "$src"
	printf 'PF_SYSTEM_PLUGINS=%q\n' "$system_plugins"
    } >"$dir/instance.env"

    cat >"$dir/etc/main.cf" <<EOF
# Private md5gate test instance, written by test-harness/lib/postfix-instance.sh.
# Start/stop only with: postfix -c $dir/etc start|stop
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = $owner
setgid_group = postdrop

# Logging without syslog: postlogd (see master.cf) writes this file.
maillog_file = $dir/maillog
maillog_file_prefixes = $dir

myhostname = mx.$domain
mydomain = $domain
myorigin = \$mydomain
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8

# No local(8) delivery, no aliases, nothing leaves the machine: all mail
# for $domain goes to one mbox, everything else bounces immediately.
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relayhost =
default_transport = error:outbound-mail-disabled-in-test-instance
relay_transport = error:outbound-mail-disabled-in-test-instance
virtual_mailbox_domains = $domain
virtual_mailbox_base = $dir/mail
virtual_mailbox_maps = static:inbox
virtual_uid_maps = static:$nobody_uid
virtual_gid_maps = static:$nobody_gid
virtual_mailbox_lock = fcntl
biff = no
append_dot_mydomain = no
smtputf8_enable = yes

# SASL: Cyrus, application name smtpd -> $dir/etc/sasl/smtpd.conf.
# SASL_PATH replaces libsasl2's plugin search path; libsasl2 honours it
# because smtpd runs as root (uid == euid) when it initialises SASL.
# Cyrus SASL's development branch reads SASL_PLUGINDIR and SASL_CONFDIR
# instead: both generations get their own names.
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $dir/etc/sasl
smtpd_sasl_local_domain = $realm
smtpd_sasl_security_options = noanonymous
smtpd_sasl_authenticated_header = yes
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ XAUTHORITY DISPLAY LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME SASL_PATH=$dir/plugins SASL_PLUGINDIR=$dir/plugins SASL_CONFDIR=$dir/etc/sasl

# Only authenticated clients may send, to any recipient: a delivered
# message proves that the SASL login was accepted.
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions =
smtpd_tls_security_level = none
smtp_tls_security_level = none
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0s
smtpd_banner = \$myhostname ESMTP md5gate-test
EOF
    if [ "$tls" = y ]; then
	_pf_make_cert "$dir" "mx.$domain" "$addr" || return 1
	cat >>"$dir/etc/main.cf" <<EOF

# TLS (pf_create --tls): a self-signed certificate made for this instance.
smtpd_tls_chain_files = $dir/tls/key.pem, $dir/tls/cert.pem
smtpd_tls_loglevel = 1
smtp_tls_loglevel = 1
EOF
    fi
    if [ "$system_plugins" = y ]; then
	# No SASL_PATH: libsasl2's own plugin directory.
	"$PF_POSTCONF" -c "$dir/etc" -e "import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ \
XAUTHORITY DISPLAY LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME SASL_CONFDIR=$dir/etc/sasl" || return 1
    fi
    local o
    for o in ${main_opts[@]+"${main_opts[@]}"}; do
	"$PF_POSTCONF" -c "$dir/etc" -e "$o" || { _pf_err "pf_create: bad -o $o"; return 1; }
    done

    cat >"$dir/etc/master.cf" <<EOF
# service      type  private unpriv chroot wakeup maxproc command + args
$addr:$port inet  n       -      $chroot      -      -       smtpd
pickup         unix  n       -      n      60     1       pickup
cleanup        unix  n       -      n      -      0       cleanup
qmgr           unix  n       -      n      300    1       qmgr
rewrite        unix  -       -      n      -      -       trivial-rewrite
bounce         unix  -       -      n      -      0       bounce
defer          unix  -       -      n      -      0       bounce
trace          unix  -       -      n      -      0       bounce
verify         unix  -       -      n      -      1       verify
flush          unix  n       -      n      1000?  0       flush
proxymap       unix  -       -      n      -      -       proxymap
proxywrite     unix  -       -      n      -      1       proxymap
showq          unix  n       -      n      -      -       showq
error          unix  -       -      n      -      -       error
retry          unix  -       -      n      -      -       error
discard        unix  -       -      n      -      -       discard
virtual        unix  -       n      n      -      -       virtual
anvil          unix  -       -      n      -      1       anvil
scache         unix  -       -      n      -      1       scache
postlog        unix-dgram n  -      n      -      1       postlogd
EOF
    for ((i = 0; i < ${#listeners[@]}; i += 2)); do
	printf '%s:%s inet  n       -      %s      -      -       smtpd\n  %s\n' \
	    "$addr" "${listeners[i]}" "$chroot" "${listeners[i + 1]}" >>"$dir/etc/master.cf"
    done
    [ "$tls" = y ] && printf '%s\n' \
	"tlsmgr         unix  -       -      n      1000?  1       tlsmgr" >>"$dir/etc/master.cf"
    for o in ${services[@]+"${services[@]}"}; do
	printf '%s\n' "$o" >>"$dir/etc/master.cf"
    done

    {
	echo "pwcheck_method: auxprop"
	echo "auxprop_plugin: sasldb"
	echo "sasldb_path: $dir/sasldb2"
	echo "mech_list: $mechs"
	for o in ${sasl_opts[@]+"${sasl_opts[@]}"}; do printf '%s\n' "$o"; done
    } >"$dir/etc/sasl/smtpd.conf"
    chmod 644 "$dir/etc/main.cf" "$dir/etc/master.cf" "$dir/etc/sasl/smtpd.conf"
    pf_sync_chroot "$dir" || return 1

    # `postfix check` creates the queue directories with Postfix's owners and
    # modes (post-install create-missing: only this instance's directories;
    # never `set-permissions`, which would also reset the shared,
    # package-owned files) and checks the configuration.
    "$PF_POSTFIX" -c "$dir/etc" check >"$dir/postfix-cmd.log" 2>&1 || {
	_pf_err "pf_create: postfix check failed:"
	sed 's/^/  | /' "$dir/postfix-cmd.log" >&2
	cat "$dir/maillog" >&2 2>/dev/null
	return 1
    }
    # check-warn reports through postlog, i.e. into the maillog, and still
    # exits 0: an instance must be check-clean.
    if grep -E 'postfix(-script)?/[a-z-]+\[[0-9]+\]: (warning|error|fatal|panic):' \
	"$dir/maillog" >&2 2>/dev/null; then
	_pf_err "pf_create: postfix check is not clean (above)"
	return 1
    fi
    return 0
}

# pf_set_port DIR PORT: change smtpd's port (e.g. after a bind collision).
pf_set_port() {
    local PF_DIR PF_PORT PF_PORTS PF_ADDR=127.0.0.1
    _pf_load "$1" || return 1
    pf_running "$1" && { _pf_err "pf_set_port: stop the instance first"; return 1; }
    : "${PF_PORTS:=$PF_PORT}"
    sed -i "s/^${PF_ADDR//./\\.}:$PF_PORT /$PF_ADDR:$2 /" "$PF_DIR/etc/master.cf" || return 1
    sed -i -e "s/^PF_PORT=.*/PF_PORT=$2/" \
	-e "s/^PF_PORTS=.*/PF_PORTS=$(printf '%q' "$2${PF_PORTS#"$PF_PORT"}")/" "$PF_DIR/instance.env"
}

# _pf_make_cert DIR CN [ADDR]: a throw-away self-signed RSA certificate,
# for CN and (so that a client that verifies it can reach it by address,
# e.g. md5gate probe --ca-file DIR/tls/cert.pem) ADDR.
_pf_make_cert() {
    mkdir -m 700 "$1/tls" || return 1
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" \
	-addext "subjectAltName=DNS:$2${3:+,IP:$3}" -keyout "$1/tls/key.pem" -out "$1/tls/cert.pem" \
	>"$1/tls/openssl.log" 2>&1 || {
	_pf_err "pf_create: openssl could not make a certificate:"
	sed 's/^/  | /' "$1/tls/openssl.log" >&2
	return 1
    }
    chmod 600 "$1/tls/key.pem" && chmod 644 "$1/tls/cert.pem"
}

pf_port() { local PF_PORT; _pf_load "$1" && printf '%s\n' "$PF_PORT"; }
pf_ports() { local PF_PORT PF_PORTS=; _pf_load "$1" && printf '%s\n' ${PF_PORTS:-$PF_PORT}; }
pf_addr() { local PF_ADDR=127.0.0.1; _pf_load "$1" && printf '%s\n' "$PF_ADDR"; }
# _pf_set_plugins DIR LIST: PF_PLUGINS in instance.env. Quoted with %q,
# whose backslashes sed's replacement would otherwise eat ("a\ b" became
# "a b", which sourcing ran as a command).
_pf_set_plugins() {
    local q
    printf -v q 'PF_PLUGINS=%q' "$2"
    q=${q//\\/\\\\}
    sed -i "s|^PF_PLUGINS=.*|${q//|/\\|}|" "$1/instance.env"
}
pf_add_plugin() {
    local PF_DIR PF_PLUGINS f=$2
    _pf_load "$1" || return 1
    pf_running "$1" && { _pf_err "pf_add_plugin: stop the instance first"; return 1; }
    [ -e "$f" ] || { _pf_err "pf_add_plugin: $f missing"; return 1; }
    ln -sfn "$(cd "$(dirname "$f")" && pwd -P)/${f##*/}" "$PF_DIR/plugins/${f##*/}" || return 1
    _pf_set_plugins "$PF_DIR" "$PF_PLUGINS ${f##*/}"
}
pf_del_plugin() {
    local PF_DIR PF_PLUGINS n=$2 w l=
    _pf_load "$1" || return 1
    pf_running "$1" && { _pf_err "pf_del_plugin: stop the instance first"; return 1; }
    rm -f "$PF_DIR/plugins/$n" || return 1
    for w in $PF_PLUGINS; do [ "$w" = "$n" ] || l="$l${l:+ }$w"; done
    _pf_set_plugins "$PF_DIR" "$l"
}
pf_queue() {
    local PF_DIR
    _pf_load "$1" || return 1
    env -u MAIL_CONFIG /usr/sbin/postqueue -c "$PF_DIR/etc" -j
}
pf_flush() {
    local PF_DIR
    _pf_load "$1" || return 1
    env -u MAIL_CONFIG /usr/sbin/postqueue -c "$PF_DIR/etc" -f
}
pf_realm() { local PF_REALM; _pf_load "$1" && printf '%s\n' "$PF_REALM"; }
pf_domain() { local PF_DOMAIN; _pf_load "$1" && printf '%s\n' "$PF_DOMAIN"; }
pf_sasldb() { local PF_DIR; _pf_load "$1" && printf '%s\n' "$PF_DIR/sasldb2"; }
pf_mailbox() { local PF_DIR; _pf_load "$1" && printf '%s\n' "$PF_DIR/mail/inbox"; }
pf_log() { local PF_DIR; _pf_load "$1" && cat "$PF_DIR/maillog" 2>/dev/null; }
pf_log_tail() { local PF_DIR; _pf_load "$1" && tail -n "${2:-40}" "$PF_DIR/maillog" 2>/dev/null; }
pf_postconf() {
    local d=$1
    shift
    "$PF_POSTCONF" -c "$d/etc" "$@"
}

# pf_sasl_option DIR KEY [VALUE]: set "KEY: VALUE" in DIR/etc/sasl/smtpd.conf,
# replacing an earlier KEY line; without VALUE, remove KEY. smtpd reads the
# file when a process starts and its processes are reused, so change it
# while the instance is stopped (pf_stop, pf_sasl_option, pf_start).
pf_sasl_option() {
    local PF_DIR f tmp
    _pf_load "$1" || return 1
    case $2 in
    '' | *[!A-Za-z0-9_]*) _pf_err "pf_sasl_option: bad key '$2'"; return 2 ;;
    esac
    f=$PF_DIR/etc/sasl/smtpd.conf
    tmp=$f.tmp
    {
	grep -v "^$2:" "$f"
	if [ $# -ge 3 ]; then printf '%s: %s\n' "$2" "$3"; fi
    } >"$tmp" && chmod 644 "$tmp" && mv -f "$tmp" "$f" || {
	rm -f "$tmp"
	_pf_err "pf_sasl_option: cannot rewrite $f"
	return 1
    }
}

# pf_adduser DIR USER PASSWORD: the password reaches saslpasswd2 on stdin
# only (never argv); saslpasswd2 runs with a plugin path holding only
# libsasldb.so, so it stores a plain userPassword and nothing else.
pf_adduser() {
    local PF_DIR PF_REALM
    _pf_load "$1" || return 1
    printf '%s' "$3" | SASL_PATH=$PF_DIR/sasldb-only SASL_PLUGINDIR=$PF_DIR/sasldb-only \
	"$PF_SASLPASSWD2" -f "$PF_DIR/sasldb2" \
	-u "$PF_REALM" -c -p "$2" || { _pf_err "pf_adduser: saslpasswd2 failed for $2"; return 1; }
    chown root:postfix "$PF_DIR/sasldb2" && chmod 640 "$PF_DIR/sasldb2" || return 1
    pf_sync_chroot "$1"
}

pf_deluser() {
    local PF_DIR PF_REALM
    _pf_load "$1" || return 1
    SASL_PATH=$PF_DIR/sasldb-only SASL_PLUGINDIR=$PF_DIR/sasldb-only \
	"$PF_SASLPASSWD2" -f "$PF_DIR/sasldb2" -u "$PF_REALM" -d "$2" \
	|| return 1
    pf_sync_chroot "$1"
}

pf_sync_chroot() {
    local PF_DIR PF_CHROOT f
    _pf_load "$1" || return 1
    [ "$PF_CHROOT" = y ] || return 0
    local root=$PF_DIR/spool
    mkdir -p "$root/etc" "$root$PF_DIR" || return 1
    for f in localtime services resolv.conf hosts host.conf nsswitch.conf; do
	[ -f "/etc/$f" ] && { cp -fL "/etc/$f" "$root/etc/$f" && chmod a+r "$root/etc/$f"; }
    done
    (
	cd / && for f in /lib/*/libnss*.so* /lib/*/libresolv*.so* /lib/*/libgcc_s*.so*; do
	    [ -f "$f" ] && printf '%s\n' "${f#/}"
	done
    ) | tar -C / -chf - -T - 2>/dev/null | tar -C "$root" -xf - || return 1
    if [ -f "$PF_DIR/sasldb2" ]; then
	cp -f "$PF_DIR/sasldb2" "$root$PF_DIR/sasldb2.tmp" \
	    && chown root:postfix "$root$PF_DIR/sasldb2.tmp" \
	    && chmod 640 "$root$PF_DIR/sasldb2.tmp" \
	    && mv -f "$root$PF_DIR/sasldb2.tmp" "$root$PF_DIR/sasldb2" || return 1
    fi
}

# pf_pids DIR: every live process whose environment names this instance's
# config directory (master exports MAIL_CONFIG to all its children), plus
# the master from the pid file.
pf_pids() {
    local PF_DIR
    _pf_load "$1" || return 1
    {
	grep -lzxF "MAIL_CONFIG=$PF_DIR/etc" /proc/[0-9]*/environ 2>/dev/null \
	    | sed 's,^/proc/\([0-9]*\)/environ$,\1,'
	local m
	m=$(_pf_master_pid "$PF_DIR") && printf '%s\n' "$m"
    } | sort -un | while read -r p; do
	# Skip ourselves and our subshells (they may inherit MAIL_CONFIG).
	[ "$p" = "$$" ] || [ "$p" = "${BASHPID:-}" ] && continue
	[ -d "/proc/$p" ] && printf '%s\n' "$p"
    done
}

# _pf_master_pid DIR: the master pid if the pid file names a live master.
_pf_master_pid() {
    local f=$1/spool/pid/master.pid m
    [ -f "$f" ] || return 1
    m=$(tr -dc 0-9 <"$f")
    [ -n "$m" ] && [ -d "/proc/$m" ] || return 1
    [ "$(cat "/proc/$m/comm" 2>/dev/null)" = master ] || return 1
    [ "$(readlink "/proc/$m/cwd" 2>/dev/null)" = "$1/spool" ] || return 1
    printf '%s\n' "$m"
}

pf_running() {
    local PF_DIR
    _pf_load "$1" 2>/dev/null || return 1
    _pf_master_pid "$PF_DIR" >/dev/null
}

# _pf_port_open PORT: something listens on 127.0.0.1:PORT (or 0.0.0.0).
# Uses ss(8) so that probing does not open SMTP sessions; falls back to a
# bash /dev/tcp connect.
_pf_port_open() {
    if command -v ss >/dev/null 2>&1; then
	ss -Htln "sport = :$1" 2>/dev/null | grep -q .
    else
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# pf_start DIR: returns 0 when smtpd answers; 2 when the port was taken
# (pick another with pf_set_port and retry); 1 on other failures.
pf_start() {
    local PF_DIR PF_PORT PF_PORTS= PF_ADDR=127.0.0.1 p
    _pf_load "$1" || return 1
    : "${PF_PORTS:=$PF_PORT}"
    if pf_running "$PF_DIR"; then
	_pf_err "pf_start: $PF_DIR is already running"
	return 1
    fi
    for p in $PF_PORTS; do
	if _pf_port_open "$p"; then
	    _pf_err "pf_start: port $p is already in use"
	    return 2
	fi
    done
    pf_sync_chroot "$PF_DIR" || return 1
    # A retry after a collision (pf_set_port) finds the earlier start's
    # "Address already in use" in the maillog: look only at what this start
    # writes.
    local log_from
    log_from=$(($(stat -c %s "$PF_DIR/maillog" 2>/dev/null || echo 0) + 1))
    # Own environment only: nothing of the caller's SASL/Postfix settings.
    if ! env -u SASL_PATH -u SASL_CONF_PATH -u SASL_PLUGINDIR -u SASL_CONFDIR \
	-u MAIL_CONFIG -u MAIL_DEBUG \
	"$PF_POSTFIX" -c "$PF_DIR/etc" start >"$PF_DIR/postfix-cmd.log" 2>&1; then
	_pf_err "pf_start: postfix start failed:"
	sed 's/^/  | /' "$PF_DIR/postfix-cmd.log" >&2
	pf_log_tail "$PF_DIR" 20 | sed 's/^/  maillog| /' >&2
	pf_stop "$PF_DIR"
	for p in $PF_PORTS; do
	    if { tail -c "+$log_from" "$PF_DIR/maillog" 2>/dev/null
		cat "$PF_DIR/postfix-cmd.log"; } | grep -q "bind $PF_ADDR port $p: Address already in use"; then
		return 2
	    fi
	done
	return 1
    fi
    local i=0
    while [ $i -lt $((PF_START_TIMEOUT * 10)) ]; do
	local up=y
	for p in $PF_PORTS; do _pf_port_open "$p" || up=n; done
	if [ $up = y ] && pf_running "$PF_DIR"; then
	    return 0
	fi
	if tail -c "+$log_from" "$PF_DIR/maillog" 2>/dev/null | grep -q "Address already in use"; then
	    _pf_err "pf_start: a port of $PF_PORTS was taken meanwhile"
	    pf_stop "$PF_DIR"
	    return 2
	fi
	sleep 0.1
	i=$((i + 1))
    done
    _pf_err "pf_start: smtpd did not answer on $PF_ADDR:{${PF_PORTS// /,}}"
    pf_log_tail "$PF_DIR" 20 | sed 's/^/  maillog| /' >&2
    pf_stop "$PF_DIR"
    return 1
}

# pf_stop DIR: safe to call any number of times, on a half-created or
# already stopped instance, from a trap. Always returns 0 once no process of
# the instance is left (1 if one survives SIGKILL).
pf_stop() {
    local dir=$1 PF_DIR i pids
    [ -f "$dir/instance.env" ] || return 0
    _pf_load "$dir" || return 0
    if pf_running "$PF_DIR"; then
	# postlogd dies with the master: what it has not yet written of the
	# lines logged so far (e.g. smtpd's, just before its last reply) would
	# be lost for the tests that read the maillog after stopping.
	pf_log_sync "$PF_DIR" 30 2>/dev/null
	env -u SASL_PATH -u SASL_PLUGINDIR -u MAIL_CONFIG "$PF_POSTFIX" -c "$PF_DIR/etc" stop \
	    >>"$PF_DIR/postfix-cmd.log" 2>&1
    fi
    # Master has exited or was never there; wait for stragglers, then kill.
    for i in $(seq 1 50); do
	pids=$(pf_pids "$PF_DIR")
	[ -z "$pids" ] && return 0
	[ "$i" -eq 30 ] && kill $pids 2>/dev/null
	sleep 0.1
    done
    pids=$(pf_pids "$PF_DIR")
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    sleep 0.2
    pids=$(pf_pids "$PF_DIR")
    [ -z "$pids" ] || { _pf_err "pf_stop: processes survive: $pids"; return 1; }
    return 0
}

# pf_wait_mail DIR STRING [SECS]: STRING (fixed) in the mailbox, and the
# delivery that wrote it finished. virtual(8) appends a message in as many
# writes as its buffer takes, holding an fcntl lock on the mailbox
# (virtual_mailbox_lock = fcntl) until the last; STRING (a header) can be
# there before the body is. Taking a shared fcntl lock waits for the
# writer to finish, so callers may read the whole message at once.
pf_wait_mail() {
    local PF_DIR i
    _pf_load "$1" || return 1
    for i in $(seq 1 $((${3:-60} * 10))); do
	if grep -qF -- "$2" "$PF_DIR/mail/inbox" 2>/dev/null; then
	    _pf_mailbox_settled "$PF_DIR/mail/inbox" "${3:-60}"
	    return
	fi
	sleep 0.1
    done
    return 1
}

# _pf_mailbox_settled MBOX SECS: wait (up to SECS) until no delivery holds
# MBOX's fcntl lock (python3's fcntl.lockf; without python3, at once).
_pf_mailbox_settled() {
    command -v python3 >/dev/null 2>&1 || return 0
    timeout "$2" python3 -S -c '
import fcntl, sys
with open(sys.argv[1], "rb") as f:
    fcntl.lockf(f, fcntl.LOCK_SH)
    fcntl.lockf(f, fcntl.LOCK_UN)
' "$1" || { _pf_err "pf_wait_mail: $1 stayed locked by a delivery"; return 1; }
}

# pf_mail_message DIR STRING: the delivered message (mbox entry, from its
# "From " line to the next) containing STRING (fixed); fails unless exactly
# one does.
pf_mail_message() {
    local PF_DIR
    _pf_load "$1" || return 1
    awk -v needle="$2" '
	function flush() { if (msg != "" && index(msg, needle)) { n++; out = msg } }
	/^From / { flush(); msg = "" }
	{ msg = msg $0 "\n" }
	END { flush(); if (n != 1) exit 1; printf "%s", out }
    ' "$PF_DIR/mail/inbox" 2>/dev/null
}

# pf_wait_log DIR REGEX [SECS]: REGEX (grep -E) in the maillog.
pf_wait_log() {
    local PF_DIR i
    _pf_load "$1" || return 1
    for i in $(seq 1 $((${3:-30} * 10))); do
	grep -qE -- "$2" "$PF_DIR/maillog" 2>/dev/null && return 0
	sleep 0.1
    done
    return 1
}

# pf_wait_log_count DIR REGEX N [SECS]: at least N lines of the maillog
# match REGEX (grep -E). Lines that other processes log asynchronously (the
# smtp client's status=sent after the next hop's reply, qmgr, a hung-up
# smtpd) are counted once they are there; the caller then asserts the
# exact number.
pf_wait_log_count() {
    local PF_DIR i n
    _pf_load "$1" || return 1
    for i in $(seq 1 $((${4:-30} * 10))); do
	n=$(grep -cE -- "$2" "$PF_DIR/maillog" 2>/dev/null)
	[ "${n:-0}" -ge "$3" ] && return 0
	sleep 0.1
    done
    return 1
}

# pf_log_sync DIR [SECS]: postlogd writes the maillog from one datagram
# socket, in the order the lines were logged, after the logging process has
# moved on (smtpd has already sent its reply). Log a marker through
# postlog(1) and wait (up to SECS, 60) until it is in the file: then every
# line logged before is too. With the instance stopped, postlog writes the
# file itself.
pf_log_sync() {
    local PF_DIR i token
    _pf_load "$1" || return 1
    token="flushed $$.${BASHPID:-0}.$RANDOM$RANDOM"
    env -u MAIL_CONFIG "$PF_POSTLOG" -c "$PF_DIR/etc" -t pf-log-sync "$token" \
	>/dev/null 2>&1 || { _pf_err "pf_log_sync: postlog failed"; return 1; }
    for i in $(seq 1 $((${2:-60} * 10))); do
	grep -qF -- "$token" "$PF_DIR/maillog" 2>/dev/null && return 0
	sleep 0.1
    done
    _pf_err "pf_log_sync: the marker did not reach $PF_DIR/maillog"
    return 1
}
