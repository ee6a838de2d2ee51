# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/redis-lib.sh: a private redis-server for the tests of the Redis
# lockout store. Source after tests/lib.sh.
#
#   redis_start DIR     a redis-server on 127.0.0.1, on a free port, with its
#                       configuration, socket (DIR/redis.sock) and log in DIR,
#                       no persistence, maxmemory-policy noeviction; again on
#                       a port collision. Sets redis_port, redis_pid,
#                       redis_url, redis_socket. Stopped when the test ends.
#   redis_stop          stop it (SIGTERM, then wait)
#   redis_restart       start it again on the same port and directory (empty)
#   redis_move_socket PATH   the socket at PATH from the next redis_restart on
#                       (inside a chroot, say)
#   redis_cli ARGS...   redis-cli against it

redis_dir=
redis_port=
redis_pid=
redis_url=
redis_socket=

_redis_config() {
    cat >"$redis_dir/redis.conf" <<EOF
bind 127.0.0.1
port $redis_port
protected-mode yes
daemonize no
dir $redis_dir
save ""
appendonly no
maxmemory-policy noeviction
unixsocket $redis_socket
unixsocketperm 777
logfile $redis_dir/redis.log
EOF
}

# _redis_launch: 0 once it answers PING, 2 when it died (the port was
# taken), 1 when it never answered.
_redis_launch() {
    local i
    redis-server "$redis_dir/redis.conf" </dev/null >/dev/null 2>&1 &
    redis_pid=$!
    for i in $(seq 1 600); do	# a minute: a loaded machine starts it slowly
	[ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = PONG ] && return 0
	kill -0 "$redis_pid" 2>/dev/null || { redis_pid=; return 2; }
	sleep 0.1
    done
    return 1
}

redis_start() {
    local rc _
    require_cmd redis-server redis-cli
    redis_dir=$1
    mkdir -p -m 755 "$redis_dir" || fail "mkdir $redis_dir"
    redis_socket=$redis_dir/redis.sock
    cleanup_push redis_stop
    for _ in 1 2 3 4; do
	redis_port=$(free_port) || fail "no free port"
	_redis_config
	_redis_launch
	rc=$?
	if [ $rc -eq 0 ]; then
	    redis_url=redis://127.0.0.1:$redis_port/0
	    return 0
	fi
	[ $rc -eq 2 ] || { redis_stop; fail "redis-server did not answer: $(tail -n 5 "$redis_dir/redis.log")"; }
	note "redis: port collision, new port"
    done
    fail "redis: could not find a free port"
}

redis_stop() {
    [ -n "$redis_pid" ] || return 0
    # SIGCONT too: a test that stopped it (kill -STOP, "Redis stalled") and
    # was interrupted before resuming it would otherwise wait here forever,
    # the instance and the port never released.
    kill "$redis_pid" 2>/dev/null
    kill -CONT "$redis_pid" 2>/dev/null
    wait "$redis_pid" 2>/dev/null
    redis_pid=
}

redis_restart() {
    redis_stop
    _redis_launch || fail "redis-server did not start again: $(tail -n 5 "$redis_dir/redis.log")"
}

redis_move_socket() {
    redis_socket=$1
    _redis_config
}

redis_cli() { redis-cli -h 127.0.0.1 -p "$redis_port" "$@"; }
