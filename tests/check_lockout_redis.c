/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the Redis lockout store (src/lockout_redis.c) against a
 * real redis-server that tests/lockout-redis.test starts on 127.0.0.1
 * (MG_REDIS_PORT, MG_REDIS_SOCKET, MG_REDIS_PID): the same decisions as
 * the LMDB store on a long random sequence of attempts, admission of at
 * most lockout_failures of many processes at once, key expiries, list
 * and clear under a prefix, passwords from a file, a server that stops
 * answering and comes back, a connection the server drops; and lockout_redis as the parser reads it.
 */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "lockout.h"
#include "lockout_store.h"
#include "mg_config.h"
#include "policy.h"

static const char *port;
static const char *socket_path;
static pid_t server_pid;
static char url[200];
static char tmpdir[256];

static struct mg_lockout_store *open_redis_url(const char *u, const char *prefix)
{
    struct mg_lockout_store_config cfg;
    struct mg_lockout_store *st;
    struct mg_error err;

    memset(&cfg, 0, sizeof(cfg));
    cfg.backend = MG_LOCKOUT_BACKEND_REDIS;
    cfg.redis_url = u;
    cfg.redis_prefix = prefix;
    cfg.timeout_ms = 500;
    mg_error_clear(&err);
    ck_assert_msg(mg_lockout_store_open(&cfg, &st, &err) == MG_OK, "open: %s", err.reason);
    return (st);
}

static struct mg_lockout_store *open_redis(const char *prefix)
{
    return (open_redis_url(url, prefix));
}

 /*
  * A fresh prefix per test, so that tests never see each other's keys.
  */
static const char *fresh_prefix(void)
{
    static char buf[64];
    static unsigned n;

    snprintf(buf, sizeof(buf), "t%ld.%u.%u:", (long) getpid(), n++, (unsigned) time(0));
    return (buf);
}

static void add(struct mg_lockout_ticket *t, const char *key, enum mg_lockout_role role)
{
    struct mg_error err;

    ck_assert_int_eq(mg_lockout_ticket_add(t, key, role, &err), MG_OK);
}

static enum mg_lockout_decision admit1(struct mg_lockout_store *st, const char *key,
				               const struct mg_lockout_limits *lim,
				               time_t now, struct mg_lockout_ticket *t)
{
    struct mg_error err;

    mg_lockout_ticket_init(t, lim, 1);
    add(t, key, MG_LOCKOUT_ACCOUNT);
    ck_assert_msg(mg_lockout_store_admit(st, t, now, &err) == MG_OK, "admit: %s", err.reason);
    return (t->decision);
}

static int count_entry(const struct mg_lockout_entry *e, void *context)
{
    (void) e;
    (*(size_t *) context)++;
    return (1);
}

static size_t entries(struct mg_lockout_store *st, const char *prefix)
{
    struct mg_error err;
    size_t  n = 0;

    ck_assert_msg(mg_lockout_store_list(st, prefix, count_entry, &n, &err) == MG_OK,
		  "list: %s", err.reason);
    return (n);
}

static redisReply *direct(const char *fmt,...)
{
    redisContext *c = redisConnect("127.0.0.1", atoi(port));
    redisReply *r;
    va_list ap;

    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->err, 0);
    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    redisFree(c);
    ck_assert_ptr_nonnull(r);
    return (r);
}

/* The same decisions as LMDB. */

 /*
  * A small random generator, the same on every run.
  */
static unsigned long seed = 14;

static unsigned next_random(unsigned n)
{
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    return ((unsigned) (seed >> 33) % n);
}

static void compare_tickets(const struct mg_lockout_ticket *a,
			            const struct mg_lockout_ticket *b, int step)
{
    size_t  i;

    ck_assert_msg(a->decision == b->decision, "step %d: decision %d vs %d", step,
		  a->decision, b->decision);
    ck_assert_msg(a->locked == b->locked, "step %d: locked %d vs %d", step,
		  a->locked, b->locked);
    ck_assert_msg(a->locked_until == b->locked_until, "step %d: locked_until", step);
    for (i = 0; i < a->nkeys; i++) {
	const struct mg_lockout_ticket_key *x = a->keys + i, *y = b->keys + i;

	ck_assert_msg(x->counted == y->counted && x->set_lock == y->set_lock,
		      "step %d key %s: counted %d/%d set_lock %d/%d", step, x->name,
		      x->counted, y->counted, x->set_lock, y->set_lock);
	if (!x->counted)
	    continue;
	ck_assert_msg(x->entry.failures == y->entry.failures
		      && x->entry.first_failure == y->entry.first_failure
		      && x->entry.last_failure == y->entry.last_failure
		      && x->entry.locked_until == y->entry.locked_until,
		      "step %d key %s: entry (%u %lld %lld %lld) vs (%u %lld %lld %lld)",
		      step, x->name, x->entry.failures, (long long) x->entry.first_failure,
		      (long long) x->entry.last_failure, (long long) x->entry.locked_until,
		      y->entry.failures, (long long) y->entry.first_failure,
		      (long long) y->entry.last_failure, (long long) y->entry.locked_until);
	ck_assert_str_eq(x->entry.key, y->entry.key);
    }
}

START_TEST(same_decisions_as_lmdb)
{
    static const struct {
	const char *key;
	enum mg_lockout_role role;
    } pool[] = {
	{"user:alice", MG_LOCKOUT_ACCOUNT},
	{"trusted-user:alice", MG_LOCKOUT_GUARD},
	{"trusted-user:alice", MG_LOCKOUT_ACCOUNT},
	{"user:bob", MG_LOCKOUT_ACCOUNT},
	{"addr:192.0.2.7", MG_LOCKOUT_ADDRESS},
	{"addr:2001:db8::/64", MG_LOCKOUT_ADDRESS},
    };
    struct mg_lockout_store_config cfg;
    struct mg_lockout_store *lmdb, *redis;
    struct mg_lockout_ticket a, b;
    struct mg_lockout_limits lim;
    struct mg_error err;
    char    path[400];
    time_t  now = time(0);
    int     step, i, n, refused = 0, locks = 0, audit_locked = 0;

    snprintf(path, sizeof(path), "%s/same.mdb", tmpdir);
    memset(&cfg, 0, sizeof(cfg));
    cfg.backend = MG_LOCKOUT_BACKEND_LMDB;
    cfg.path = path;
    ck_assert_int_eq(mg_lockout_store_open(&cfg, &lmdb, &err), MG_OK);
    redis = open_redis(fresh_prefix());
    for (step = 0; step < 600; step++) {
	int     taken = 0, enforce = next_random(5) != 0;
	enum mg_lockout_result result = (enum mg_lockout_result) next_random(3);

	/* Mostly seconds apart, sometimes past a window or a lock. */
	now += next_random(4) == 0 ? (time_t) next_random(1200) : (time_t) next_random(20);
	lim.failures = step < 500 ? 3 : next_random(3);
	lim.window = 600;
	lim.duration = 900;
	mg_lockout_ticket_init(&a, &lim, enforce);
	n = 1 + (int) next_random(3);
	for (i = 0; i < n; i++) {
	    unsigned k = next_random(sizeof(pool) / sizeof(pool[0]));

	    /* One role per key in a ticket, as the policy makes them. */
	    if (taken & (1 << (k == 2 ? 1 : k)))
		continue;
	    taken |= 1 << (k == 2 ? 1 : k);
	    add(&a, pool[k].key, pool[k].role);
	}
	b = a;
	ck_assert_msg(mg_lockout_store_admit(lmdb, &a, now, &err) == MG_OK, "%s", err.reason);
	ck_assert_msg(mg_lockout_store_admit(redis, &b, now, &err) == MG_OK, "%s", err.reason);
	compare_tickets(&a, &b, step);
	refused += a.decision == MG_LOCKOUT_REFUSED;
	audit_locked += a.decision == MG_LOCKOUT_ADMITTED && a.locked >= 0;
	for (i = 0; i < (int) a.nkeys; i++)
	    locks += a.keys[i].set_lock;
	ck_assert_int_eq(mg_lockout_store_settle(lmdb, &a, result, &err), MG_OK);
	ck_assert_msg(mg_lockout_store_settle(redis, &b, result, &err) == MG_OK, "%s",
		      err.reason);
    }
    /* The sequence went through every kind of decision. */
    ck_assert_msg(refused >= 20 && locks >= 20 && audit_locked >= 5,
		  "refused %d, locks set %d, audit-only locked %d", refused, locks,
		  audit_locked);
    mg_lockout_store_close(lmdb);
    mg_lockout_store_close(redis);
}
END_TEST

/* Admission. */

START_TEST(counts_and_locks_at_exactly_n)
{
    struct mg_lockout_store *st = open_redis(fresh_prefix());
    struct mg_lockout_limits lim = {3, 600, 900};
    struct mg_lockout_ticket t;
    time_t  now = time(0);

    ck_assert_int_eq(admit1(st, "user:alice", &lim, now, &t), MG_LOCKOUT_ADMITTED);
    ck_assert_uint_eq(t.keys[0].entry.failures, 1);
    ck_assert_int_eq(admit1(st, "user:alice", &lim, now + 1, &t), MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(t.keys[0].set_lock, 0);
    ck_assert_int_eq(admit1(st, "user:alice", &lim, now + 2, &t), MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(t.keys[0].set_lock, 1);
    ck_assert_int_eq(t.keys[0].entry.locked_until, now + 2 + 900);
    ck_assert_int_eq(admit1(st, "user:alice", &lim, now + 3, &t), MG_LOCKOUT_REFUSED);
    ck_assert_int_eq(t.locked, 0);
    ck_assert_int_eq(t.locked_until, now + 2 + 900);
    /* The refusal counted nothing. */
    ck_assert_int_eq(admit1(st, "user:bob", &lim, now + 3, &t), MG_LOCKOUT_ADMITTED);
    ck_assert_uint_eq(entries(st, "user:"), 2);
    mg_lockout_store_close(st);
}
END_TEST

START_TEST(success_clears_account_and_gives_address_back)
{
    struct mg_lockout_store *st = open_redis(fresh_prefix());
    struct mg_lockout_limits lim = {3, 600, 900};
    struct mg_lockout_ticket t;
    struct mg_error err;
    time_t  now = time(0);

    mg_lockout_ticket_init(&t, &lim, 1);
    add(&t, "user:alice", MG_LOCKOUT_ACCOUNT);
    add(&t, "addr:192.0.2.1", MG_LOCKOUT_ADDRESS);
    ck_assert_int_eq(mg_lockout_store_admit(st, &t, now, &err), MG_OK);
    ck_assert_int_eq(mg_lockout_store_settle(st, &t, MG_LOCKOUT_GUESS_FAILED, &err), MG_OK);
    ck_assert_int_eq(mg_lockout_store_admit(st, &t, now + 1, &err), MG_OK);
    ck_assert_uint_eq(t.keys[1].entry.failures, 2);
    ck_assert_int_eq(mg_lockout_store_settle(st, &t, MG_LOCKOUT_GUESS_SUCCEEDED, &err),
		     MG_OK);
    /* The account is gone; the address keeps its first failure. */
    ck_assert_uint_eq(entries(st, "user:"), 0);
    ck_assert_int_eq(mg_lockout_store_admit(st, &t, now + 2, &err), MG_OK);
    ck_assert_uint_eq(t.keys[0].entry.failures, 1);
    ck_assert_uint_eq(t.keys[1].entry.failures, 2);
    /* Not a guess: given back everywhere. */
    ck_assert_int_eq(mg_lockout_store_settle(st, &t, MG_LOCKOUT_NO_GUESS, &err), MG_OK);
    ck_assert_int_eq(mg_lockout_store_admit(st, &t, now + 3, &err), MG_OK);
    ck_assert_uint_eq(t.keys[0].entry.failures, 1);
    ck_assert_uint_eq(t.keys[1].entry.failures, 2);
    mg_lockout_store_close(st);
}
END_TEST

START_TEST(guard_refuses_and_is_never_counted)
{
    struct mg_lockout_store *st = open_redis(fresh_prefix());
    struct mg_lockout_limits lim = {2, 600, 900};
    struct mg_lockout_ticket t;
    struct mg_error err;
    time_t  now = time(0);

    mg_lockout_ticket_init(&t, &lim, 1);
    add(&t, "user:alice", MG_LOCKOUT_ACCOUNT);
    add(&t, "trusted-user:alice", MG_LOCKOUT_GUARD);
    ck_assert_int_eq(mg_lockout_store_admit(st, &t, now, &err), MG_OK);
    ck_assert_int_eq(t.keys[1].counted, 0);
    ck_assert_uint_eq(entries(st, "trusted-user:"), 0);
    ck_assert_int_eq(admit1(st, "trusted-user:alice", &lim, now, &t), MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(admit1(st, "trusted-user:alice", &lim, now, &t), MG_LOCKOUT_ADMITTED);
    mg_lockout_ticket_init(&t, &lim, 1);
    add(&t, "user:alice", MG_LOCKOUT_ACCOUNT);
    add(&t, "trusted-user:alice", MG_LOCKOUT_GUARD);
    ck_assert_int_eq(mg_lockout_store_admit(st, &t, now + 1, &err), MG_OK);
    ck_assert_int_eq(t.decision, MG_LOCKOUT_REFUSED);
    ck_assert_int_eq(t.locked, 1);
    /* Audit-only: admitted and counted, the lock only noted. */
    mg_lockout_ticket_init(&t, &lim, 0);
    add(&t, "trusted-user:alice", MG_LOCKOUT_ACCOUNT);
    ck_assert_int_eq(mg_lockout_store_admit(st, &t, now + 2, &err), MG_OK);
    ck_assert_int_eq(t.decision, MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(t.locked, 0);
    ck_assert_uint_eq(t.keys[0].entry.failures, 3);
    ck_assert_int_eq(t.keys[0].set_lock, 0);
    mg_lockout_store_close(st);
}
END_TEST

 /*
  * Processes that each open the store and make one attempt, all at
  * once: exactly lockout_failures are admitted.
  */
START_TEST(concurrent_guesses_admitted_at_most_limit)
{
    enum {NPROC = 32};
    const char *prefix = fresh_prefix();
    struct mg_lockout_limits lim = {3, 3600, 3600};
    pid_t   pids[NPROC];
    int     go[2], i, status, admitted = 0, refused = 0;
    char    byte;

    ck_assert_int_eq(pipe(go), 0);
    for (i = 0; i < NPROC; i++) {
	ck_assert_int_ge(pids[i] = fork(), 0);
	if (pids[i] == 0) {
	    struct mg_lockout_store *st;
	    struct mg_lockout_store_config cfg;
	    struct mg_lockout_ticket t;
	    struct mg_error err;

	    close(go[1]);
	    memset(&cfg, 0, sizeof(cfg));
	    cfg.backend = MG_LOCKOUT_BACKEND_REDIS;
	    cfg.redis_url = url;
	    cfg.redis_prefix = prefix;
	    cfg.timeout_ms = 10000;	/* a loaded machine: no timing here */
	    if (mg_lockout_store_open(&cfg, &st, &err) != MG_OK)
		_exit(3);
	    if (read(go[0], &byte, 1) != 0)
		_exit(3);
	    mg_lockout_ticket_init(&t, &lim, 1);
	    if (mg_lockout_ticket_add(&t, "user:target", MG_LOCKOUT_ACCOUNT, &err) != MG_OK
		|| mg_lockout_store_admit(st, &t, time(0), &err) != MG_OK)
		_exit(2);
	    /* Every admitted guess turns out wrong. */
	    if (mg_lockout_store_settle(st, &t, MG_LOCKOUT_GUESS_FAILED, &err) != MG_OK)
		_exit(2);
	    _exit(t.decision == MG_LOCKOUT_ADMITTED ? 0 : 1);
	}
    }
    close(go[0]);
    close(go[1]);			/* all read EOF together */
    for (i = 0; i < NPROC; i++) {
	ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
	ck_assert(WIFEXITED(status));
	ck_assert_int_le(WEXITSTATUS(status), 1);
	admitted += WEXITSTATUS(status) == 0;
	refused += WEXITSTATUS(status) == 1;
    }
    ck_assert_int_eq(admitted, 3);
    ck_assert_int_eq(refused, NPROC - 3);
}
END_TEST

/* Expiries, list and clear. */

START_TEST(windows_and_locks_expire_as_keys)
{
    const char *prefix = fresh_prefix();
    struct mg_lockout_store *st = open_redis(prefix);
    struct mg_lockout_limits lim = {1, 1, 5};
    struct mg_lockout_ticket t;
    redisReply *r;
    char    key[200];
    time_t  locked, gone;

    /* The lock is long enough (5 s) for a loaded machine to make the
     * second attempt inside it; its end is awaited, not slept for. */
    locked = time(0);
    ck_assert_int_eq(admit1(st, "user:brief", &lim, locked, &t), MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(t.keys[0].set_lock, 1);
    snprintf(key, sizeof(key), "%suser:brief", prefix);
    r = direct("PTTL %s", key);
    ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
    ck_assert_int_gt(r->integer, 0);
    ck_assert_int_le(r->integer, 5000);
    freeReplyObject(r);
    ck_assert_int_eq(admit1(st, "user:brief", &lim, time(0), &t), MG_LOCKOUT_REFUSED);
    while (entries(st, 0) != 0 && time(0) < locked + 60)
	usleep(100000);
    gone = time(0);
    ck_assert_uint_eq(entries(st, 0), 0);
    ck_assert_int_ge(gone, locked + 4);		/* Redis ended it, not sooner */
    ck_assert_int_eq(admit1(st, "user:brief", &lim, time(0), &t), MG_LOCKOUT_ADMITTED);
    mg_lockout_store_close(st);
}
END_TEST

struct seen {
    char    keys[8][MG_LOCKOUT_KEY_MAX + 1];
    size_t  n;
};

static int remember(const struct mg_lockout_entry *e, void *context)
{
    struct seen *s = context;

    if (s->n < 8)
	strcpy(s->keys[s->n++], e->key);
    return (1);
}

START_TEST(list_and_clear_stay_under_the_prefix)
{
    const char *p1 = strdup(fresh_prefix()), *p2 = strdup(fresh_prefix());
    struct mg_lockout_store *a = open_redis(p1), *b = open_redis(p2);
    struct mg_lockout_limits lim = {5, 600, 900};
    struct mg_lockout_ticket t;
    struct mg_error err;
    struct seen s;
    size_t  removed;
    time_t  now = time(0);
    redisReply *r;

    admit1(a, "user:x*y", &lim, now, &t);
    admit1(a, "addr:192.0.2.1", &lim, now, &t);
    admit1(a, "user:alice", &lim, now, &t);
    admit1(b, "user:alice", &lim, now, &t);
    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(mg_lockout_store_list(a, 0, remember, &s, &err), MG_OK);
    ck_assert_uint_eq(s.n, 3);
    /* In key order, as LMDB lists them. */
    ck_assert_str_eq(s.keys[0], "addr:192.0.2.1");
    ck_assert_str_eq(s.keys[1], "user:alice");
    ck_assert_str_eq(s.keys[2], "user:x*y");
    ck_assert_uint_eq(entries(a, "addr:"), 1);
    ck_assert_int_eq(mg_lockout_store_clear(a, "user:alice", &removed, &err), MG_OK);
    ck_assert_uint_eq(removed, 1);
    ck_assert_int_eq(mg_lockout_store_clear(a, "user:alice", &removed, &err), MG_OK);
    ck_assert_uint_eq(removed, 0);
    ck_assert_int_eq(mg_lockout_store_clear(a, 0, &removed, &err), MG_OK);
    ck_assert_uint_eq(removed, 2);
    ck_assert_uint_eq(entries(a, 0), 0);
    ck_assert_uint_eq(entries(b, 0), 1);
    /* A value that is not ours is absent, and the next failure replaces it. */
    r = direct("SET %suser:odd garbage", p2);
    freeReplyObject(r);
    ck_assert_uint_eq(entries(b, 0), 1);
    ck_assert_int_eq(admit1(b, "user:odd", &lim, now, &t), MG_LOCKOUT_ADMITTED);
    ck_assert_uint_eq(t.keys[0].entry.failures, 1);
    ck_assert_uint_eq(entries(b, 0), 2);
    mg_lockout_store_close(a);
    mg_lockout_store_close(b);
    free((void *) p1);
    free((void *) p2);
}
END_TEST

/* Connections. */

START_TEST(password_from_a_file_and_a_database)
{
    struct mg_lockout_store_config cfg;
    struct mg_lockout_store *st;
    struct mg_lockout_limits lim = {5, 600, 900};
    struct mg_lockout_ticket t;
    struct mg_error err;
    char    pwfile[400], u[600];
    redisReply *r;
    FILE   *fp;

    r = direct("ACL SETUSER mgtest reset on >Tr0ub4dor-pw ~* +@all");
    ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    snprintf(pwfile, sizeof(pwfile), "%s/redis.pw", tmpdir);
    ck_assert_ptr_nonnull(fp = fopen(pwfile, "w"));
    fputs("Tr0ub4dor-pw\n", fp);
    fclose(fp);
    snprintf(u, sizeof(u), "redis://mgtest:%s@127.0.0.1:%s/2", pwfile, port);
    st = open_redis_url(u, "auth:");
    ck_assert_int_eq(admit1(st, "user:alice", &lim, time(0), &t), MG_LOCKOUT_ADMITTED);
    mg_lockout_store_close(st);
    r = direct("SELECT 2");
    freeReplyObject(r);
    /* The key is in database 2, not 0. */
    r = direct("EXISTS auth:user:alice");
    ck_assert_int_eq(r->integer, 0);
    freeReplyObject(r);

    /* A wrong password: refused, and the reason holds no password. */
    ck_assert_ptr_nonnull(fp = fopen(pwfile, "w"));
    fputs("not-the-pw\n", fp);
    fclose(fp);
    st = open_redis_url(u, "auth:");
    mg_lockout_ticket_init(&t, &lim, 1);
    add(&t, "user:alice", MG_LOCKOUT_ACCOUNT);
    ck_assert_int_eq(mg_lockout_store_admit(st, &t, time(0), &err), MG_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.reason, "cannot authenticate"));
    ck_assert_ptr_null(strstr(err.reason, "not-the-pw"));
    mg_lockout_store_close(st);

    /* An empty first line is no password. */
    ck_assert_ptr_nonnull(fp = fopen(pwfile, "w"));
    fputs("\nTr0ub4dor-pw\n", fp);
    fclose(fp);
    memset(&cfg, 0, sizeof(cfg));
    cfg.backend = MG_LOCKOUT_BACKEND_REDIS;
    cfg.redis_url = u;
    ck_assert_int_eq(mg_lockout_store_open(&cfg, &st, &err), MG_MALFORMED);
    ck_assert_ptr_nonnull(strstr(err.reason, "holds no password on its first line"));

    /* No file: said at open, with its name. */
    snprintf(u, sizeof(u), "redis://mgtest:%s/missing@127.0.0.1:%s", tmpdir, port);
    memset(&cfg, 0, sizeof(cfg));
    cfg.backend = MG_LOCKOUT_BACKEND_REDIS;
    cfg.redis_url = u;
    ck_assert_int_eq(mg_lockout_store_open(&cfg, &st, &err), MG_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.reason, "missing"));
}
END_TEST

/*
 * The ACL that md5gate(8) recommends is enough for everything the
 * plugin and md5gate lockout do.
 */
START_TEST(documented_acl_suffices)
{
    struct mg_lockout_limits lim = {2, 600, 900};
    struct mg_lockout_ticket t;
    struct mg_lockout_store *st;
    struct mg_error err;
    char    pwfile[400], u[600];
    size_t  removed;
    redisReply *r;
    FILE   *fp;

    r = direct("ACL SETUSER mglimited reset on >Limited-pw-2 ~acl:* -@all +evalsha "
	       "+eval +script|load +select +scan +type +hmget +hset +pexpire +del +ping");
    ck_assert_msg(r->type == REDIS_REPLY_STATUS, "%s", r->str ? r->str : "?");
    freeReplyObject(r);
    snprintf(pwfile, sizeof(pwfile), "%s/limited.pw", tmpdir);
    ck_assert_ptr_nonnull(fp = fopen(pwfile, "w"));
    fputs("Limited-pw-2\n", fp);
    fclose(fp);
    snprintf(u, sizeof(u), "redis://mglimited:%s@127.0.0.1:%s", pwfile, port);
    st = open_redis_url(u, "acl:");
    mg_lockout_ticket_init(&t, &lim, 1);
    add(&t, "user:alice", MG_LOCKOUT_ACCOUNT);
    add(&t, "addr:192.0.2.1", MG_LOCKOUT_ADDRESS);
    ck_assert_msg(mg_lockout_store_admit(st, &t, time(0), &err) == MG_OK, "%s", err.reason);
    ck_assert_msg(mg_lockout_store_settle(st, &t, MG_LOCKOUT_NO_GUESS, &err) == MG_OK, "%s",
		  err.reason);
    ck_assert_uint_eq(entries(st, 0), 0);
    ck_assert_int_eq(mg_lockout_store_admit(st, &t, time(0), &err), MG_OK);
    ck_assert_int_eq(mg_lockout_store_settle(st, &t, MG_LOCKOUT_GUESS_FAILED, &err), MG_OK);
    ck_assert_uint_eq(entries(st, 0), 2);
    ck_assert_int_eq(admit1(st, "user:alice", &lim, time(0), &t), MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(mg_lockout_store_settle(st, &t, MG_LOCKOUT_GUESS_SUCCEEDED, &err),
		     MG_OK);
    ck_assert_uint_eq(entries(st, 0), 1);
    ck_assert_int_eq(mg_lockout_store_clear(st, 0, &removed, &err), MG_OK);
    ck_assert_uint_eq(removed, 1);
    mg_lockout_store_close(st);
    /* Outside its prefix the user can do nothing. */
    st = open_redis_url(u, "other:");
    mg_lockout_ticket_init(&t, &lim, 1);
    add(&t, "user:alice", MG_LOCKOUT_ACCOUNT);
    ck_assert_int_eq(mg_lockout_store_admit(st, &t, time(0), &err), MG_INTERNAL);
    mg_lockout_store_close(st);
}
END_TEST

START_TEST(unix_socket)
{
    struct mg_lockout_limits lim = {5, 600, 900};
    struct mg_lockout_ticket t;
    struct mg_lockout_store *st;
    char    u[400];

    snprintf(u, sizeof(u), "unix:%s?db=3", socket_path);
    st = open_redis_url(u, fresh_prefix());
    ck_assert_int_eq(admit1(st, "user:alice", &lim, time(0), &t), MG_LOCKOUT_ADMITTED);
    ck_assert_uint_eq(entries(st, 0), 1);
    mg_lockout_store_close(st);
}
END_TEST

 /*
  * A server that stops answering is a failure within the timeout; once
  * it answers again, the same handle connects again and counts.
  */
START_TEST(no_answer_then_reconnects)
{
    struct mg_lockout_store *st = open_redis(fresh_prefix());
    struct mg_lockout_limits lim = {5, 600, 900};
    struct mg_lockout_ticket t;
    struct mg_error err;
    time_t  now = time(0);
    char    u[200];

    ck_assert_int_eq(admit1(st, "user:alice", &lim, now, &t), MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(kill(server_pid, SIGSTOP), 0);
    mg_lockout_ticket_init(&t, &lim, 1);
    add(&t, "user:alice", MG_LOCKOUT_ACCOUNT);
    ck_assert_int_eq(mg_lockout_store_admit(st, &t, now, &err), MG_INTERNAL);
    ck_assert_int_eq(kill(server_pid, SIGCONT), 0);
    ck_assert_msg(strstr(err.reason, "no answer in 500 ms") != 0, "%s", err.reason);
    /* The stalled admission may still have counted when the server woke. */
    ck_assert_int_eq(admit1(st, "user:alice", &lim, now, &t), MG_LOCKOUT_ADMITTED);
    ck_assert_uint_ge(t.keys[0].entry.failures, 2);
    mg_lockout_store_close(st);

    /* Nothing listens: refused at once, said so. */
    snprintf(u, sizeof(u), "redis://127.0.0.1:1/0");
    st = open_redis_url(u, "x:");
    mg_lockout_ticket_init(&t, &lim, 1);
    add(&t, "user:alice", MG_LOCKOUT_ACCOUNT);
    ck_assert_int_eq(mg_lockout_store_admit(st, &t, now, &err), MG_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.reason, "lockout store redis://127.0.0.1:1/0: "
				 "cannot connect"));
    mg_lockout_store_close(st);
}
END_TEST

START_TEST(dropped_connection_reconnects)
{
    struct mg_lockout_store *st = open_redis(fresh_prefix());
    struct mg_lockout_limits lim = {5, 600, 900};
    struct mg_lockout_ticket t;
    struct mg_error err;
    redisReply *r;
    int     round, failures = 0;

    /* An application that does not ignore SIGPIPE must survive too. */
    signal(SIGPIPE, SIG_DFL);
    ck_assert_int_eq(admit1(st, "user:alice", &lim, time(0), &t), MG_LOCKOUT_ADMITTED);
    for (round = 0; round < 3; round++) {
	r = direct("CLIENT KILL TYPE normal SKIPME yes");
	freeReplyObject(r);
	usleep(200000);
	mg_lockout_ticket_init(&t, &lim, 1);
	add(&t, "user:alice", MG_LOCKOUT_ACCOUNT);
	if (mg_lockout_store_admit(st, &t, time(0), &err) != MG_OK) {
	    failures++;
	    ck_assert_msg(strstr(err.reason, "cannot update") != 0, "%s", err.reason);
	    ck_assert_int_eq(mg_lockout_store_admit(st, &t, time(0), &err), MG_OK);
	}
	ck_assert_int_eq(t.decision, MG_LOCKOUT_ADMITTED);
    }
    ck_assert_int_eq(failures, 3);	/* each drop was noticed, and survived */
    mg_lockout_store_close(st);
}
END_TEST

START_TEST(check_reports_eviction_policy)
{
    struct mg_lockout_store *st = open_redis(fresh_prefix());
    struct mg_error err;
    char    policy[64];

    ck_assert_int_eq(mg_lockout_redis_check(st, policy, sizeof(policy), &err), MG_OK);
    ck_assert_str_eq(policy, "noeviction");
    mg_lockout_store_close(st);
}
END_TEST

/* lockout_redis, parsed. */

static const struct {
    const char *text;
    int     ok;
    const char *host_or_path;
    unsigned port, db;
    const char *user, *pwfile;
} urls[] = {
#define BAD(text) {text, 0, 0, 0, 0, 0, 0}
    {"redis://127.0.0.1", 1, "127.0.0.1", 6379, 0, 0, 0},
    {"redis://redis.example.test:6380/4", 1, "redis.example.test", 6380, 4, 0, 0},
    {"redis://[::1]:7000/1", 1, "::1", 7000, 1, 0, 0},
    {"redis://md5gate:/etc/md5gate/redis.pw@10.0.0.5", 1, "10.0.0.5", 6379, 0,
    "md5gate", "/etc/md5gate/redis.pw"},
    {"redis://:/etc/md5gate/redis.pw@10.0.0.5:1/", 1, "10.0.0.5", 1, 0, "",
    "/etc/md5gate/redis.pw"},
    {"unix:/run/redis/redis.sock", 1, "/run/redis/redis.sock", 0, 0, 0, 0},
    {"unix:/var/spool/postfix/redis.sock?db=9", 1, "/var/spool/postfix/redis.sock", 0, 9,
    0, 0},
    BAD(""), BAD("redis://"), BAD("rediss://127.0.0.1"), BAD("http://127.0.0.1"),
    BAD("redis://127.0.0.1:0"), BAD("redis://127.0.0.1:65536"),
    BAD("redis://127.0.0.1:x"), BAD("redis://127.0.0.1/db"),
    BAD("redis://127.0.0.1/1000001"), BAD("redis://[::1"), BAD("redis://[::1]x"),
    BAD("redis://user:secret@127.0.0.1"), BAD("redis://user@127.0.0.1"),
    BAD("redis://us/er:/pw@127.0.0.1"), BAD("redis://a b"), BAD("redis://-x"),
    BAD("unix:relative.sock"), BAD("unix:/"), BAD("unix:/s?db=x"),
    BAD("unix:/s?timeout=1"), BAD("redis://127.0.0.1\n"),
};

START_TEST(urls_parsed)
{
    struct mg_lockout_redis_url u;
    struct mg_error err;
    enum mg_code code;

    code = mg_lockout_redis_url_parse(urls[_i].text, &u, &err);
    if (!urls[_i].ok) {
	ck_assert_msg(code == MG_MALFORMED, "accepted: %s", urls[_i].text);
	ck_assert_ptr_nonnull(strstr(err.reason, "lockout_redis: "));
	return;
    }
    ck_assert_msg(code == MG_OK, "%s: %s", urls[_i].text, err.reason);
    ck_assert_str_eq(u.unix_socket ? u.socket_path : u.host, urls[_i].host_or_path);
    ck_assert_uint_eq(u.port, urls[_i].port);
    ck_assert_uint_eq(u.db, urls[_i].db);
    ck_assert_int_eq(u.has_auth, urls[_i].user != 0);
    if (urls[_i].user) {
	ck_assert_str_eq(u.user, urls[_i].user);
	ck_assert_str_eq(u.password_file, urls[_i].pwfile);
    }
}
END_TEST

START_TEST(settings_at_their_line)
{
    static const struct {
	const char *text, *reason;
    } bad[] = {
	{"[global]\nlockout_backend = memcached\n",
	"policy.conf:2: lockout_backend must be lmdb or redis, not \"memcached\""},
	{"[global]\nlockout_redis = redis://u:pw@127.0.0.1\n",
	"policy.conf:2: lockout_redis: the password is given as the absolute path of "
	"a file holding it (at most 160 bytes), never on the configuration line"},
	{"[global]\n\nlockout_redis = tcp://127.0.0.1\n",
	"policy.conf:3: lockout_redis: must start with redis:// or unix: (rediss:// "
	"is not supported: use a Unix socket or a trusted network)"},
	{"[global]\nlockout_redis_prefix = a b\n",
	"policy.conf:2: lockout_redis_prefix must be 1 to 64 printable characters "
	"without white space"},
	{"[cram-md5]\nlockout_backend = redis\n",
	"policy.conf:2: lockout_backend is allowed only in [global], not in [cram-md5]"},
    };
    struct mg_config cfg;
    struct mg_error err;
    FILE   *fp;

    fp = fmemopen((void *) bad[_i].text, strlen(bad[_i].text), "r");
    ck_assert_ptr_nonnull(fp);
    mg_config_init(&cfg);
    ck_assert_int_ne(mg_config_load_stream(fp, "policy.conf", &cfg, &err), MG_OK);
    ck_assert_str_eq(err.reason, bad[_i].reason);
    fclose(fp);
    mg_config_free(&cfg);
}
END_TEST

START_TEST(settings_printed)
{
    static const char text[] = "[global]\nlockout_backend = redis\n"
	"lockout_redis = unix:/run/redis.sock?db=2\nlockout_failures = 3\n";
    struct mg_lockout_store_config sc;
    struct mg_config cfg;
    struct mg_error err;
    char   *out = 0;
    size_t  size = 0;
    FILE   *fp;

    fp = fmemopen((void *) text, strlen(text), "r");
    mg_config_init(&cfg);
    ck_assert_int_eq(mg_config_load_stream(fp, "policy.conf", &cfg, &err), MG_OK);
    fclose(fp);
    ck_assert_ptr_nonnull(fp = open_memstream(&out, &size));
    mg_policy_print(&cfg.policy, fp);
    fclose(fp);
    ck_assert_ptr_nonnull(strstr(out, "lockout_backend = redis\n"));
    ck_assert_ptr_nonnull(strstr(out, "lockout_redis = unix:/run/redis.sock?db=2\n"));
    ck_assert_ptr_nonnull(strstr(out, "# lockout_redis_prefix = md5gate: (default)\n"));
    mg_policy_lockout_store_config(&cfg.policy, &sc);
    ck_assert_int_eq(sc.backend, MG_LOCKOUT_BACKEND_REDIS);
    ck_assert_str_eq(sc.redis_url, "unix:/run/redis.sock?db=2");
    free(out);
    mg_config_free(&cfg);
}
END_TEST

int     main(void)
{
    Suite  *s = suite_create("lockout-redis");
    TCase  *parse = tcase_create("parse");
    TCase  *server = tcase_create("server");
    SRunner *sr;
    const char *pid = getenv("MG_REDIS_PID");
    int     failed;

    port = getenv("MG_REDIS_PORT");
    socket_path = getenv("MG_REDIS_SOCKET");
    tcase_add_loop_test(parse, urls_parsed, 0, (int) (sizeof(urls) / sizeof(urls[0])));
    tcase_add_loop_test(parse, settings_at_their_line, 0, 5);
    tcase_add_test(parse, settings_printed);
    suite_add_tcase(s, parse);
    if (port && socket_path && pid) {
	server_pid = (pid_t) atol(pid);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%s/0", port);
	snprintf(tmpdir, sizeof(tmpdir), "%s/check-lockout-redis.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == 0)
	    return (EXIT_FAILURE);
	tcase_set_timeout(server, 120);
	tcase_add_test(server, same_decisions_as_lmdb);
	tcase_add_test(server, counts_and_locks_at_exactly_n);
	tcase_add_test(server, success_clears_account_and_gives_address_back);
	tcase_add_test(server, guard_refuses_and_is_never_counted);
	tcase_add_test(server, concurrent_guesses_admitted_at_most_limit);
	tcase_add_test(server, windows_and_locks_expire_as_keys);
	tcase_add_test(server, list_and_clear_stay_under_the_prefix);
	tcase_add_test(server, password_from_a_file_and_a_database);
	tcase_add_test(server, documented_acl_suffices);
	tcase_add_test(server, unix_socket);
	tcase_add_test(server, no_answer_then_reconnects);
	tcase_add_test(server, dropped_connection_reconnects);
	tcase_add_test(server, check_reports_eviction_policy);
	suite_add_tcase(s, server);
    } else {
	fputs("check_lockout_redis: no MG_REDIS_PORT/MG_REDIS_SOCKET/MG_REDIS_PID: "
	      "the parser only (tests/lockout-redis.test runs the rest)\n", stderr);
    }
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (tmpdir[0]) {
	char    cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
	    fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
