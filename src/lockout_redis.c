/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	lockout_redis 3
/* SUMMARY
/*	the lockout store on a Redis server shared by several hosts
/* SYNOPSIS
/*	#include "lockout_store.h"
/*
/*	const struct mg_lockout_backend mg_lockout_redis_backend;
/*
/*	enum mg_code mg_lockout_redis_check(st, policy, size, err)
/* DESCRIPTION
/*	This backend keeps the counters of lockout(3) on a Redis (or
/*	Valkey) server, so that every relay that uses the same server and
/*	key prefix shares one count: the same keys ("user:ACCOUNT",
/*	"trusted-user:ACCOUNT", "addr:NETWORK"), each a hash with the
/*	fields f (failures in the window), ff (first failure), lf (last
/*	failure) and lu (locked until), times in seconds since 1970.
/*
/*	Admission and settlement are one server-side Lua script each
/*	(EVALSHA, EVAL when the server has lost the script): the script
/*	reads every key of the ticket, decides, and counts under each
/*	counted key, and Redis runs scripts one at a time, so of N attempts
/*	at once on any number of hosts at most limits->failures are
/*	admitted. The rules are those of lockout(3) to the letter; the time
/*	is the caller's, as there. Each key written gets an expiry
/*	(PEXPIRE, relative, so that the hosts' clocks need not agree with
/*	the server's) at the end of its window or of its lock, whichever
/*	is later: nothing else ever removes an entry, so there is no
/*	maximum number of entries and no full store. A lock must not be
/*	evicted before it ends: the server needs maxmemory-policy
/*	noeviction, which mg_lockout_redis_check() reports. A server out
/*	of memory then refuses the write, and the attempt meets
/*	lockout_store_failure like any other store failure.
/*
/*	Opening reads the password file (before a chroot, so the file
/*	need not be inside it) and connects nothing: the connection is
/*	made when first needed, in the process that uses it (a child
/*	after fork(2) makes its own), with a short connect and command
/*	timeout. A failed or timed-out command drops the connection; the
/*	next call connects again. The password is cleansed on close.
/*
/*	mg_lockout_redis_check() sends PING, then CONFIG GET
/*	maxmemory-policy; policy is "" when CONFIG is refused (renamed or
/*	denied by an ACL).
/* DIAGNOSTICS
/*	MG_INTERNAL "lockout store ADDRESS: ..." for every failure of the
/*	server or the connection; MG_MALFORMED for a bad lockout_redis or
/*	prefix; MG_BADPARAM for a time out of range; MG_NOMEM.
/*--*/
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "lockout_store.h"

#define PASSWORD_MAX	512
#define TIME_MAX	((int64_t) 1 << 40)	/* as lockout(3) */
#define SCAN_BATCH	"500"

 /*
  * Admission. KEYS: the ticket's keys. ARGV: now, failures, window,
  * duration, enforce (1 or 0), then one role per key (a: account,
  * d: address, g: guard). Returns {admitted, locked key (1-based, 0:
  * none), its lock's end} and per key {failures, first, last, until,
  * set_lock}. A value that is not ours counts as absent, as in LMDB.
  */
static const char admit_script[] =
"local now, limit = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
"local window, duration = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
"local enforce, tmax, umax = ARGV[5] == '1', 1099511627776, 4294967295\n"
"local function ok(t) return t ~= nil and t >= 0 and t <= tmax and t == math.floor(t) end\n"
"local e, kind = {}, {}\n"
"local locked, lu_locked = 0, 0\n"
"for i = 1, #KEYS do\n"
"  kind[i] = redis.call('TYPE', KEYS[i]).ok\n"
"  local f, ff, lf, lu = 0, 0, 0, 0\n"
"  if kind[i] == 'hash' then\n"
"    local v = redis.call('HMGET', KEYS[i], 'f', 'ff', 'lf', 'lu')\n"
"    f, ff, lf, lu = tonumber(v[1]), tonumber(v[2]), tonumber(v[3]), tonumber(v[4])\n"
"    if not (ok(f) and f <= umax and ok(ff) and ok(lf) and ok(lu)) then\n"
"      f, ff, lf, lu = 0, 0, 0, 0\n"
"    end\n"
"  end\n"
"  e[i] = {f, ff, lf, lu}\n"
"  if lu > now and locked == 0 then locked, lu_locked = i, lu end\n"
"end\n"
"if locked > 0 and enforce then return {0, locked, lu_locked} end\n"
"local out = {1, locked, lu_locked}\n"
"for i = 1, #KEYS do\n"
"  local f, ff, lf, lu = e[i][1], e[i][2], e[i][3], e[i][4]\n"
"  local set = 0\n"
"  if ARGV[5 + i] ~= 'g' then\n"
"    local was = lu > now\n"
"    if lu > now then\n"
"      if f < umax then f = f + 1 end\n"
"    elseif lu ~= 0 or f == 0 or now < ff or now - ff >= window then\n"
"      f, ff, lu = 1, now, 0\n"
"    elseif f < umax then\n"
"      f = f + 1\n"
"    end\n"
"    lf = now\n"
"    if limit > 0 and f >= limit and lu <= now then\n"
"      lu = now + duration\n"
"      if lu > tmax then lu = tmax end\n"
"    end\n"
"    if not was and lu > now then set = 1 end\n"
"    if kind[i] ~= 'hash' and kind[i] ~= 'none' then redis.call('DEL', KEYS[i]) end\n"
"    redis.call('HSET', KEYS[i], 'f', f, 'ff', ff, 'lf', lf, 'lu', lu)\n"
"    local ttl = (math.max(ff + window, lu) - now) * 1000\n"
"    if ttl < 1000 then ttl = 1000 end\n"
"    redis.call('PEXPIRE', KEYS[i], ttl)\n"
"  end\n"
"  for _, x in ipairs({f, ff, lf, lu, set}) do out[#out + 1] = x end\n"
"end\n"
"return out\n";

 /*
  * Settlement. KEYS: the counted keys. ARGV: now, result (s: succeeded,
  * n: no guess), failures, window, then per key its role and the first
  * failure of the window it was counted in. A success clears an account
  * counter; otherwise the attempt is given back, only in that window,
  * lifting a lock the count no longer reaches.
  */
static const char settle_script[] =
"local now, result = tonumber(ARGV[1]), ARGV[2]\n"
"local limit, window = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
"for i = 1, #KEYS do\n"
"  local role, first = ARGV[3 + 2 * i], tonumber(ARGV[4 + 2 * i])\n"
"  if result == 's' and role == 'a' then\n"
"    redis.call('DEL', KEYS[i])\n"
"  elseif redis.call('TYPE', KEYS[i]).ok == 'hash' then\n"
"    local v = redis.call('HMGET', KEYS[i], 'f', 'ff', 'lu')\n"
"    local f, ff, lu = tonumber(v[1]), tonumber(v[2]), tonumber(v[3])\n"
"    if f ~= nil and ff ~= nil and lu ~= nil and f > 0 and ff == first then\n"
"      f = f - 1\n"
"      if lu ~= 0 and f < limit then lu = 0 end\n"
"      local ttl = (math.max(ff + window, lu) - now) * 1000\n"
"      if (f == 0 and lu == 0) or ttl <= 0 then\n"
"        redis.call('DEL', KEYS[i])\n"
"      else\n"
"        redis.call('HSET', KEYS[i], 'f', f, 'lu', lu)\n"
"        redis.call('PEXPIRE', KEYS[i], ttl)\n"
"      end\n"
"    end\n"
"  end\n"
"end\n"
"return 1\n";

struct redis_store {
    struct mg_lockout_redis_url url;
    char    where[MG_LOCKOUT_REDIS_URL_MAX + 32];	/* for messages */
    char    prefix[MG_LOCKOUT_REDIS_PREFIX_MAX + 1];
    char    password[PASSWORD_MAX + 1];
    size_t  password_len;
    unsigned timeout_ms;
    redisContext *ctx;
    pid_t   pid;			/* the process that connected */
    pthread_mutex_t lock;		/* one command at a time on ctx */
    char    admit_sha[41];
    char    settle_sha[41];
};

static enum mg_code store_fail(struct redis_store *rs, struct mg_error *err,
			               const char *what, const char *why)
{
    return (mg_fail(err, MG_INTERNAL, "lockout store %s: %s: %s", rs->where, what, why));
}

static void disconnect(struct redis_store *rs)
{
    if (rs->ctx)
	redisFree(rs->ctx);
    rs->ctx = 0;
}

 /*
  * The password: the file's first line, without its line end. Read at
  * open, before any chroot.
  */
static enum mg_code read_password(struct redis_store *rs, struct mg_error *err)
{
    const char *path = rs->url.password_file;
    char    buf[PASSWORD_MAX + 2];
    ssize_t n;
    size_t  len;
    int     fd;

    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
	return (mg_fail(err, MG_INTERNAL, "lockout_redis: cannot open the password "
			"file %s: %s", path, strerror(errno)));
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0)
	return (mg_fail(err, MG_INTERNAL, "lockout_redis: cannot read the password "
			"file %s: %s", path, strerror(errno)));
    buf[n] = 0;
    len = strcspn(buf, "\r\n");
    if (len > PASSWORD_MAX) {
	OPENSSL_cleanse(buf, sizeof(buf));
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: the password in %s is "
			"longer than %d bytes", path, PASSWORD_MAX));
    }
    /* Empty, or cut short by a NUL byte: not what the file was meant to say. */
    if (len == 0 || (len < (size_t) n && buf[len] == 0)) {
	OPENSSL_cleanse(buf, sizeof(buf));
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: the password file %s "
			"holds no password on its first line", path));
    }
    memcpy(rs->password, buf, len);
    rs->password[len] = 0;
    rs->password_len = len;
    OPENSSL_cleanse(buf, sizeof(buf));
    return (MG_OK);
}

static void describe(struct redis_store *rs)
{
    if (rs->url.unix_socket)
	snprintf(rs->where, sizeof(rs->where), "unix:%s?db=%u", rs->url.socket_path,
		 rs->url.db);
    else
	snprintf(rs->where, sizeof(rs->where), strchr(rs->url.host, ':') ?
		 "redis://[%s]:%u/%u" : "redis://%s:%u/%u", rs->url.host,
		 rs->url.port, rs->url.db);
}

static void redis_close(void *impl)
{
    struct redis_store *rs = impl;

    if (rs == 0)
	return;
    /* A child after fork(2) frees only its copy; the socket is shared. */
    disconnect(rs);
    pthread_mutex_destroy(&rs->lock);
    OPENSSL_cleanse(rs->password, sizeof(rs->password));
    free(rs);
}

static enum mg_code redis_open(const struct mg_lockout_store_config *cfg, void **impl,
			               struct mg_error *err)
{
    struct redis_store *rs;
    const char *prefix = cfg->redis_prefix ? cfg->redis_prefix
	: MG_LOCKOUT_REDIS_DEFAULT_PREFIX;
    char    why[MG_REASON_MAX];
    enum mg_code code;

    *impl = 0;
    if (!mg_lockout_redis_prefix_ok(prefix, why, sizeof(why)))
	return (mg_fail(err, MG_MALFORMED, "%s", why));
    if ((rs = calloc(1, sizeof(*rs))) == 0)
	return (mg_fail(err, MG_NOMEM, "lockout store: out of memory"));
    pthread_mutex_init(&rs->lock, 0);
    if ((code = mg_lockout_redis_url_parse(cfg->redis_url ? cfg->redis_url :
					   MG_LOCKOUT_REDIS_DEFAULT_URL, &rs->url,
					   err)) != MG_OK
	|| (rs->url.has_auth && (code = read_password(rs, err)) != MG_OK)) {
	redis_close(rs);
	return (code);
    }
    snprintf(rs->prefix, sizeof(rs->prefix), "%s", prefix);
    rs->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : MG_LOCKOUT_REDIS_TIMEOUT_MS;
    describe(rs);
    *impl = rs;
    return (MG_OK);
}

 /*
  * One command; the reply, or null with the reason in err and the
  * connection dropped (the next call connects again). Reasons are kept
  * short: the plugin puts them behind its own words in an audit reason
  * of MG_REASON_MAX bytes, and the end says what happened.
  */
static redisReply *command(struct redis_store *rs, int argc, const char **argv,
			           const size_t *lens, const char *what,
			           struct mg_error *err)
{
    redisReply *r;
    char    why[160];
    sigset_t pipe_set, saved, pending;
    struct timespec zero = {0, 0};
    int     saved_errno;

    /*
     * A server that went away turns the next write into SIGPIPE, which
     * would kill an application that does not ignore it: the signal is
     * held for the command and a SIGPIPE it raised is taken back.
     */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &saved);
    r = redisCommandArgv(rs->ctx, argc, argv, lens);
    saved_errno = errno;
    if (!sigismember(&saved, SIGPIPE)) {
	if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
	    (void) sigtimedwait(&pipe_set, 0, &zero);
	pthread_sigmask(SIG_SETMASK, &saved, 0);
    }
    if (r == 0) {
	if (rs->ctx->err == REDIS_ERR_IO
	    && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK))
	    snprintf(why, sizeof(why), "no answer in %u ms", rs->timeout_ms);
	else
	    snprintf(why, sizeof(why), "%s", rs->ctx->errstr[0] ? rs->ctx->errstr :
		     "connection lost");
	disconnect(rs);
	(void) store_fail(rs, err, what, why);
	return (0);
    }
    return (r);
}

static redisReply *command2(struct redis_store *rs, const char *a, const char *b,
			            size_t blen, const char *what, struct mg_error *err)
{
    const char *argv[2] = {a, b};
    size_t  lens[2] = {strlen(a), blen};

    return (command(rs, b ? 2 : 1, argv, lens, what, err));
}

 /*
  * An error reply, as a reason (Redis's own text, cut short).
  */
static enum mg_code reply_error(struct redis_store *rs, redisReply *r, const char *what,
			                struct mg_error *err)
{
    char    why[100];

    snprintf(why, sizeof(why), "%s", r->type == REDIS_REPLY_ERROR && r->str ? r->str
	     : "unexpected reply");
    freeReplyObject(r);
    return (store_fail(rs, err, what, why));
}

static enum mg_code load_script(struct redis_store *rs, const char *script, char *sha,
			                struct mg_error *err)
{
    const char *argv[3] = {"SCRIPT", "LOAD", script};
    size_t  lens[3] = {6, 4, strlen(script)};
    redisReply *r;

    if ((r = command(rs, 3, argv, lens, "cannot load scripts", err)) == 0)
	return (MG_INTERNAL);
    if (r->type != REDIS_REPLY_STRING || r->len != 40)
	return (reply_error(rs, r, "cannot load scripts", err));
    memcpy(sha, r->str, 40);
    sha[40] = 0;
    freeReplyObject(r);
    return (MG_OK);
}

static enum mg_code authenticate(struct redis_store *rs, struct mg_error *err)
{
    const char *argv[3];
    size_t  lens[3];
    int     argc = 0;
    redisReply *r;

    argv[argc] = "AUTH";
    lens[argc++] = 4;
    if (rs->url.user[0]) {
	argv[argc] = rs->url.user;
	lens[argc++] = strlen(rs->url.user);
    }
    argv[argc] = rs->password;
    lens[argc++] = rs->password_len;
    if ((r = command(rs, argc, argv, lens, "cannot authenticate", err)) == 0)
	return (MG_INTERNAL);
    if (r->type != REDIS_REPLY_STATUS) {
	/* Redis's refusal names no secret ("WRONGPASS invalid username-password pair"). */
	return (reply_error(rs, r, "cannot authenticate", err));
    }
    freeReplyObject(r);
    return (MG_OK);
}

static enum mg_code select_db(struct redis_store *rs, struct mg_error *err)
{
    redisReply *r;
    char    db[16];

    if (rs->url.db == 0)
	return (MG_OK);
    snprintf(db, sizeof(db), "%u", rs->url.db);
    if ((r = command2(rs, "SELECT", db, strlen(db), "cannot select the database",
		      err)) == 0)
	return (MG_INTERNAL);
    if (r->type != REDIS_REPLY_STATUS)
	return (reply_error(rs, r, "cannot select the database", err));
    freeReplyObject(r);
    return (MG_OK);
}

 /*
  * The connection of this process, made when first needed: connect,
  * authenticate, select the database, load the scripts.
  */
static enum mg_code connect_store(struct redis_store *rs, struct mg_error *err)
{
    struct timeval tv;
    enum mg_code code;

    if (rs->ctx && rs->pid == getpid())
	return (MG_OK);
    disconnect(rs);
    tv.tv_sec = rs->timeout_ms / 1000;
    tv.tv_usec = (suseconds_t) (rs->timeout_ms % 1000) * 1000;
    rs->ctx = rs->url.unix_socket ? redisConnectUnixWithTimeout(rs->url.socket_path, tv)
	: redisConnectWithTimeout(rs->url.host, (int) rs->url.port, tv);
    if (rs->ctx == 0)
	return (mg_fail(err, MG_NOMEM, "lockout store: out of memory"));
    if (rs->ctx->err) {
	(void) store_fail(rs, err, "cannot connect", rs->ctx->errstr[0] ?
			  rs->ctx->errstr : "connection refused");
	disconnect(rs);
	return (MG_INTERNAL);
    }
    rs->pid = getpid();
    if (redisSetTimeout(rs->ctx, tv) != REDIS_OK) {
	disconnect(rs);
	return (mg_fail(err, MG_INTERNAL, "lockout store %s: cannot set a timeout",
			rs->where));
    }
    if ((rs->url.has_auth && (code = authenticate(rs, err)) != MG_OK)
	|| (code = select_db(rs, err)) != MG_OK
	|| (code = load_script(rs, admit_script, rs->admit_sha, err)) != MG_OK
	|| (code = load_script(rs, settle_script, rs->settle_sha, err)) != MG_OK) {
	disconnect(rs);
	return (code);
    }
    return (MG_OK);
}

 /*
  * Run a script by its digest; when the server no longer has it (a
  * SCRIPT FLUSH, a failover), by its text.
  */
#define EVAL_ARGS	(2 + 2 * MG_LOCKOUT_TICKET_KEYS + 6 + 2 * MG_LOCKOUT_TICKET_KEYS)

static redisReply *run_script(struct redis_store *rs, const char *sha, const char *script,
			              int argc, const char **argv, size_t *lens,
			              const char *what, struct mg_error *err)
{
    redisReply *r;

    argv[0] = "EVALSHA";
    lens[0] = 7;
    argv[1] = sha;
    lens[1] = 40;
    if ((r = command(rs, argc, argv, lens, what, err)) == 0)
	return (0);
    if (r->type == REDIS_REPLY_ERROR && r->str && strncmp(r->str, "NOSCRIPT", 8) == 0) {
	freeReplyObject(r);
	argv[0] = "EVAL";
	lens[0] = 4;
	argv[1] = script;
	lens[1] = strlen(script);
	r = command(rs, argc, argv, lens, what, err);
    }
    if (r && r->type == REDIS_REPLY_ERROR) {
	(void) reply_error(rs, r, what, err);
	return (0);
    }
    return (r);
}

 /*
  * The store's name of a key: the prefix, then the key.
  */
static void full_key(const struct redis_store *rs, const char *key, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s", rs->prefix, key);
}

#define FULL_KEY_MAX	(MG_LOCKOUT_REDIS_PREFIX_MAX + MG_LOCKOUT_KEY_MAX)

static int time_ok(time_t t)
{
    return ((int64_t) t >= 0 && (int64_t) t <= TIME_MAX);
}

static long long reply_int(const redisReply *r)
{
    return (r->type == REDIS_REPLY_INTEGER ? r->integer : -1);
}

static enum mg_code read_admission(struct redis_store *rs, struct mg_lockout_ticket *t,
			                   redisReply *r, struct mg_error *err)
{
    redisReply **el = r->element;
    size_t  i;

    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3
	|| (reply_int(el[0]) == 1 && r->elements != 3 + 5 * t->nkeys))
	return (reply_error(rs, r, "cannot update", err));
    if (reply_int(el[1]) > 0 && (size_t) reply_int(el[1]) <= t->nkeys) {
	t->locked = (int) reply_int(el[1]) - 1;
	t->locked_until = (time_t) reply_int(el[2]);
    }
    if (reply_int(el[0]) != 1) {
	t->decision = MG_LOCKOUT_REFUSED;
	freeReplyObject(r);
	return (MG_OK);
    }
    for (i = 0; i < t->nkeys; i++) {
	struct mg_lockout_ticket_key *k = t->keys + i;
	redisReply **v = el + 3 + 5 * i;

	if (k->role == MG_LOCKOUT_GUARD)
	    continue;
	k->counted = 1;
	k->set_lock = reply_int(v[4]) == 1;
	memset(&k->entry, 0, sizeof(k->entry));
	strcpy(k->entry.key, k->name);
	k->entry.failures = (unsigned) reply_int(v[0]);
	k->entry.first_failure = (time_t) reply_int(v[1]);
	k->entry.last_failure = (time_t) reply_int(v[2]);
	k->entry.locked_until = (time_t) reply_int(v[3]);
    }
    freeReplyObject(r);
    return (MG_OK);
}

static enum mg_code redis_admit_locked(void *impl, struct mg_lockout_ticket *t, time_t now,
			                struct mg_error *err)
{
    struct redis_store *rs = impl;
    const char *argv[EVAL_ARGS];
    size_t  lens[EVAL_ARGS];
    char    keys[MG_LOCKOUT_TICKET_KEYS][FULL_KEY_MAX + 1];
    char    nums[4][24], nkeys[24];
    static const char *roles[] = {"a", "d", "g"};
    redisReply *r;
    size_t  i;
    int     argc = 2;
    enum mg_code code;

    t->decision = MG_LOCKOUT_ADMITTED;
    t->locked = -1;
    t->locked_until = 0;
    for (i = 0; i < t->nkeys; i++)
	t->keys[i].counted = t->keys[i].set_lock = 0;
    if (!time_ok(now))
	return (mg_fail(err, MG_BADPARAM, "lockout: time %lld out of range",
			(long long) now));
    if (t->nkeys == 0)
	return (MG_OK);
    if ((code = connect_store(rs, err)) != MG_OK)
	return (code);
    snprintf(nkeys, sizeof(nkeys), "%zu", t->nkeys);
    argv[argc] = nkeys;
    lens[argc++] = strlen(nkeys);
    for (i = 0; i < t->nkeys; i++) {
	full_key(rs, t->keys[i].name, keys[i], sizeof(keys[i]));
	argv[argc] = keys[i];
	lens[argc++] = strlen(keys[i]);
    }
    snprintf(nums[0], sizeof(nums[0]), "%lld", (long long) now);
    snprintf(nums[1], sizeof(nums[1]), "%u", t->limits.failures);
    snprintf(nums[2], sizeof(nums[2]), "%u", t->limits.window);
    snprintf(nums[3], sizeof(nums[3]), "%u", t->limits.duration);
    for (i = 0; i < 4; i++) {
	argv[argc] = nums[i];
	lens[argc++] = strlen(nums[i]);
    }
    argv[argc] = t->enforce ? "1" : "0";
    lens[argc++] = 1;
    for (i = 0; i < t->nkeys; i++) {
	argv[argc] = roles[t->keys[i].role];
	lens[argc++] = 1;
    }
    if ((r = run_script(rs, rs->admit_sha, admit_script, argc, argv, lens,
			"cannot update", err)) == 0)
	return (MG_INTERNAL);
    return (read_admission(rs, t, r, err));
}

static enum mg_code redis_settle_locked(void *impl, const struct mg_lockout_ticket *t,
			                 enum mg_lockout_result result, time_t now,
			                 struct mg_error *err)
{
    struct redis_store *rs = impl;
    const char *argv[EVAL_ARGS];
    size_t  lens[EVAL_ARGS];
    char    keys[MG_LOCKOUT_TICKET_KEYS][FULL_KEY_MAX + 1];
    char    firsts[MG_LOCKOUT_TICKET_KEYS][24], nums[3][24], nkeys[24];
    static const char *roles[] = {"a", "d", "g"};
    redisReply *r;
    size_t  i, counted = 0;
    int     argc = 2;
    enum mg_code code;

    /* A failed guess was counted by admission: nothing is left to do. */
    if (result == MG_LOCKOUT_GUESS_FAILED || t->decision != MG_LOCKOUT_ADMITTED)
	return (MG_OK);
    for (i = 0; i < t->nkeys; i++)
	counted += t->keys[i].counted != 0;
    if (counted == 0)
	return (MG_OK);
    if ((code = connect_store(rs, err)) != MG_OK)
	return (code);
    snprintf(nkeys, sizeof(nkeys), "%zu", counted);
    argv[argc] = nkeys;
    lens[argc++] = strlen(nkeys);
    for (i = 0; i < t->nkeys; i++) {
	if (!t->keys[i].counted)
	    continue;
	full_key(rs, t->keys[i].name, keys[i], sizeof(keys[i]));
	argv[argc] = keys[i];
	lens[argc++] = strlen(keys[i]);
    }
    snprintf(nums[0], sizeof(nums[0]), "%lld", (long long) now);
    snprintf(nums[1], sizeof(nums[1]), "%u", t->limits.failures);
    snprintf(nums[2], sizeof(nums[2]), "%u", t->limits.window);
    argv[argc] = nums[0];
    lens[argc++] = strlen(nums[0]);
    argv[argc] = result == MG_LOCKOUT_GUESS_SUCCEEDED ? "s" : "n";
    lens[argc++] = 1;
    argv[argc] = nums[1];
    lens[argc++] = strlen(nums[1]);
    argv[argc] = nums[2];
    lens[argc++] = strlen(nums[2]);
    for (i = 0; i < t->nkeys; i++) {
	if (!t->keys[i].counted)
	    continue;
	snprintf(firsts[i], sizeof(firsts[i]), "%lld",
		 (long long) t->keys[i].entry.first_failure);
	argv[argc] = roles[t->keys[i].role];
	lens[argc++] = 1;
	argv[argc] = firsts[i];
	lens[argc++] = strlen(firsts[i]);
    }
    if ((r = run_script(rs, rs->settle_sha, settle_script, argc, argv, lens,
			"cannot update", err)) == 0)
	return (MG_INTERNAL);
    freeReplyObject(r);
    return (MG_OK);
}

/* Listing and clearing. */

 /*
  * A SCAN pattern that matches text literally, then anything.
  */
static void glob_literal(char *buf, size_t size, const char *a, const char *b)
{
    size_t  n = 0;
    const char *parts[2] = {a, b};
    const char *p;
    int     i;

    for (i = 0; i < 2; i++) {
	for (p = parts[i]; p && *p && n + 3 < size; p++) {
	    if (strchr("*?[]\\", *p))
		buf[n++] = '\\';
	    buf[n++] = *p;
	}
    }
    buf[n++] = '*';
    buf[n] = 0;
}

struct found {
    struct mg_lockout_entry *entries;
    size_t  count;
    size_t  size;
};

static int parse_field(const redisReply *r, int64_t max, int64_t *out)
{
    char   *end;
    long long v;

    if (r->type != REDIS_REPLY_STRING || r->len == 0 || r->len > 20)
	return (0);
    errno = 0;
    v = strtoll(r->str, &end, 10);
    if (errno || *end || v < 0 || v > max)
	return (0);
    *out = v;
    return (1);
}

 /*
  * Read one key into the list; a key that is not one of ours is left
  * out, as lockout(3) leaves out records it cannot decode.
  */
static enum mg_code fetch_entry(struct redis_store *rs, const char *name, size_t len,
			                struct found *found, struct mg_error *err)
{
    const char *argv[6] = {"HMGET", name, "f", "ff", "lf", "lu"};
    size_t  lens[6] = {5, len, 1, 2, 2, 2};
    struct mg_lockout_entry *e;
    int64_t v[4];
    redisReply *r;
    size_t  plen = strlen(rs->prefix), klen = len - plen;
    int     i;

    /*
     * md5gate never writes a key longer than the bound (a long account
     * gets a digest key) or one holding a NUL: such a key is another
     * program's, and cut it could pass for an account's.
     */
    if (klen == 0 || klen > MG_LOCKOUT_KEY_MAX || memchr(name + plen, 0, klen) != 0)
	return (MG_OK);
    if ((r = command(rs, 6, argv, lens, "cannot read", err)) == 0)
	return (MG_INTERNAL);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 4) {
	freeReplyObject(r);
	return (MG_OK);
    }
    for (i = 0; i < 4; i++) {
	if (!parse_field(r->element[i], i == 0 ? (int64_t) UINT32_MAX : TIME_MAX, v + i)) {
	    freeReplyObject(r);
	    return (MG_OK);
	}
    }
    freeReplyObject(r);
    if (found->count == found->size) {
	size_t  n = found->size ? 2 * found->size : 64;

	if ((e = realloc(found->entries, n * sizeof(*e))) == 0)
	    return (mg_fail(err, MG_NOMEM, "lockout store: out of memory"));
	found->entries = e;
	found->size = n;
    }
    e = found->entries + found->count++;
    memset(e, 0, sizeof(*e));
    memcpy(e->key, name + plen, klen);
    e->key[klen] = 0;
    e->failures = (unsigned) v[0];
    e->first_failure = (time_t) v[1];
    e->last_failure = (time_t) v[2];
    e->locked_until = (time_t) v[3];
    return (MG_OK);
}

 /*
  * Walk the keys under the prefix (and the key prefix, when given)
  * with SCAN; each batch of names goes to the handler.
  */
typedef enum mg_code (*batch_fn) (struct redis_store *, redisReply *, void *,
				          struct mg_error *);

static enum mg_code scan(struct redis_store *rs, const char *key_prefix, batch_fn fn,
			         void *context, struct mg_error *err)
{
    char    pattern[2 * FULL_KEY_MAX + 2];
    char    cursor[32] = "0";
    const char *argv[6];
    size_t  lens[6];
    redisReply *r;
    enum mg_code code;

    if ((code = connect_store(rs, err)) != MG_OK)
	return (code);
    glob_literal(pattern, sizeof(pattern), rs->prefix, key_prefix);
    do {
	argv[0] = "SCAN";
	argv[1] = cursor;
	argv[2] = "MATCH";
	argv[3] = pattern;
	argv[4] = "COUNT";
	argv[5] = SCAN_BATCH;
	for (int i = 0; i < 6; i++)
	    lens[i] = strlen(argv[i]);
	if ((r = command(rs, 6, argv, lens, "cannot read", err)) == 0)
	    return (MG_INTERNAL);
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2
	    || r->element[0]->type != REDIS_REPLY_STRING
	    || r->element[0]->len >= sizeof(cursor)
	    || r->element[1]->type != REDIS_REPLY_ARRAY)
	    return (reply_error(rs, r, "cannot read", err));
	memcpy(cursor, r->element[0]->str, r->element[0]->len);
	cursor[r->element[0]->len] = 0;
	code = fn(rs, r->element[1], context, err);
	freeReplyObject(r);
	if (code != MG_OK)
	    return (code);
    } while (strcmp(cursor, "0") != 0);
    return (MG_OK);
}

static enum mg_code collect_batch(struct redis_store *rs, redisReply *names, void *context,
			                  struct mg_error *err)
{
    enum mg_code code;
    size_t  i;

    for (i = 0; i < names->elements; i++) {
	if (names->element[i]->type != REDIS_REPLY_STRING)
	    continue;
	if ((code = fetch_entry(rs, names->element[i]->str, names->element[i]->len,
				context, err)) != MG_OK)
	    return (code);
    }
    return (MG_OK);
}

static int cmp_entry(const void *a, const void *b)
{
    return (strcmp(((const struct mg_lockout_entry *) a)->key,
		   ((const struct mg_lockout_entry *) b)->key));
}



static enum mg_code delete_batch(struct redis_store *rs, redisReply *names, void *context,
			                 struct mg_error *err)
{
    size_t *removed = context;
    const char *argv[2] = {"DEL", 0};
    size_t  lens[2] = {3, 0};
    redisReply *r;
    size_t  i;

    for (i = 0; i < names->elements; i++) {
	if (names->element[i]->type != REDIS_REPLY_STRING)
	    continue;
	argv[1] = names->element[i]->str;
	lens[1] = names->element[i]->len;
	if ((r = command(rs, 2, argv, lens, "cannot update", err)) == 0)
	    return (MG_INTERNAL);
	if (r->type != REDIS_REPLY_INTEGER)
	    return (reply_error(rs, r, "cannot update", err));
	*removed += (size_t) r->integer;
	freeReplyObject(r);
    }
    return (MG_OK);
}

static enum mg_code redis_clear_locked(void *impl, const char *key, size_t *removed,
			                struct mg_error *err)
{
    struct redis_store *rs = impl;
    char    name[FULL_KEY_MAX + 1];
    size_t  count = 0, len;
    redisReply *r;
    enum mg_code code;

    if (removed)
	*removed = 0;
    if (key != 0 && ((len = strlen(key)) == 0 || len > MG_LOCKOUT_KEY_MAX))
	return (mg_fail(err, MG_BADPARAM, "lockout: empty or overlong key"));
    if (key == 0) {
	code = scan(rs, 0, delete_batch, &count, err);
    } else {
	if ((code = connect_store(rs, err)) != MG_OK)
	    return (code);
	full_key(rs, key, name, sizeof(name));
	if ((r = command2(rs, "DEL", name, strlen(name), "cannot update", err)) == 0)
	    return (MG_INTERNAL);
	if (r->type != REDIS_REPLY_INTEGER)
	    return (reply_error(rs, r, "cannot update", err));
	count = (size_t) r->integer;
	freeReplyObject(r);
    }
    if (code == MG_OK && removed)
	*removed = count;
    return (code);
}

static enum mg_code redis_probe_locked(void *, char *, size_t, struct mg_error *);

 /*
  * The entry points: one thread at a time on the connection (libsasl2
  * applications may share the plugin between threads). A listing is in
  * key order, as LMDB lists; its visitor runs after the scan, without
  * the lock, so it may use the store.
  */
static enum mg_code redis_admit(void *impl, struct mg_lockout_ticket *t, time_t now,
			                struct mg_error *err)
{
    struct redis_store *rs = impl;
    enum mg_code code;

    pthread_mutex_lock(&rs->lock);
    code = redis_admit_locked(impl, t, now, err);
    pthread_mutex_unlock(&rs->lock);
    return (code);
}

static enum mg_code redis_settle(void *impl, const struct mg_lockout_ticket *t,
			                 enum mg_lockout_result result, time_t now,
			                 struct mg_error *err)
{
    struct redis_store *rs = impl;
    enum mg_code code;

    pthread_mutex_lock(&rs->lock);
    code = redis_settle_locked(impl, t, result, now, err);
    pthread_mutex_unlock(&rs->lock);
    return (code);
}

static enum mg_code redis_list(void *impl, const char *prefix, mg_lockout_visit_fn visit,
			               void *context, struct mg_error *err)
{
    struct redis_store *rs = impl;
    struct found found = {0, 0, 0};
    enum mg_code code;
    size_t  i;

    pthread_mutex_lock(&rs->lock);
    code = scan(rs, prefix, collect_batch, &found, err);
    pthread_mutex_unlock(&rs->lock);
    if (code == MG_OK) {
	if (found.count > 1)
	    qsort(found.entries, found.count, sizeof(*found.entries), cmp_entry);
	for (i = 0; i < found.count; i++)
	    if (visit(found.entries + i, context) == 0)
		break;
    }
    free(found.entries);
    return (code);
}

static enum mg_code redis_clear(void *impl, const char *key, size_t *removed,
			                struct mg_error *err)
{
    struct redis_store *rs = impl;
    enum mg_code code;

    pthread_mutex_lock(&rs->lock);
    code = redis_clear_locked(impl, key, removed, err);
    pthread_mutex_unlock(&rs->lock);
    return (code);
}

enum mg_code mg_lockout_redis_probe(void *impl, char *policy, size_t size,
				            struct mg_error *err)
{
    struct redis_store *rs = impl;
    enum mg_code code;

    pthread_mutex_lock(&rs->lock);
    code = redis_probe_locked(impl, policy, size, err);
    pthread_mutex_unlock(&rs->lock);
    return (code);
}

const struct mg_lockout_backend mg_lockout_redis_backend = {
    "redis", redis_open, redis_admit, redis_settle, redis_list, redis_clear, redis_close,
};

static enum mg_code redis_probe_locked(void *impl, char *policy, size_t size,
				               struct mg_error *err)
{
    struct redis_store *rs = impl;
    const char *argv[3] = {"CONFIG", "GET", "maxmemory-policy"};
    size_t  lens[3] = {6, 3, 16};
    redisReply *r;
    enum mg_code code;

    policy[0] = 0;
    if ((code = connect_store(rs, err)) != MG_OK)
	return (code);
    if ((r = command2(rs, "PING", 0, 0, "does not answer", err)) == 0)
	return (MG_INTERNAL);
    if (r->type != REDIS_REPLY_STATUS)
	return (reply_error(rs, r, "does not answer PING", err));
    freeReplyObject(r);
    if ((r = command(rs, 3, argv, lens, "cannot read its configuration", err)) == 0)
	return (MG_INTERNAL);
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2
	&& r->element[1]->type == REDIS_REPLY_STRING)
	snprintf(policy, size, "%s", r->element[1]->str);
    freeReplyObject(r);
    return (MG_OK);
}
