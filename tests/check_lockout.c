/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the lockout store (src/lockout.c): the counting rules,
 * listing and clearing, bounds, damaged files, several processes
 * counting on one key at once, admission (at most lockout_failures of
 * many attempts at once), addresses and their prefixes, the tickets the
 * policy makes (trusted networks, lockout_account) and a store full of
 * locks; the parse errors of the lockout settings.
 */
#define _GNU_SOURCE			/* nftw(3) */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include <arpa/inet.h>

#include "lockout.h"
#include "mg_config.h"
#include "policy.h"

 /*
  * Each test gets its own directory under one made by main(), which
  * removes the lot at the end, failed tests' files included.
  */
static char base[256];
static char dir[300];
static char path[400];

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "%s/t.XXXXXX", base);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/lockout.mdb", dir);
}

static int remove_one(const char *name, const struct stat *st, int type,
		              struct FTW *ftw)
{
    (void) st;
    (void) type;
    (void) ftw;
    return (remove(name));
}

static void remove_all(void)
{
    nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct mg_lockout *open_store(size_t max_entries)
{
    struct mg_lockout *lo;
    struct mg_error err;

    mg_error_clear(&err);
    ck_assert_msg(mg_lockout_open(path, max_entries, &lo, &err) == MG_OK,
		  "open: %s", err.reason);
    return (lo);
}

/*
 * One failure of key at now, counted as the plugin counts it: admitted
 * (in audit-only mode, so that a lock does not refuse it) and left
 * counted.
 */
static enum mg_code count_one(struct mg_lockout *lo, const char *key,
			              const struct mg_lockout_limits *lim, time_t now,
			              struct mg_lockout_entry *e, struct mg_error *err)
{
    struct mg_lockout_ticket t;
    enum mg_code code;

    mg_lockout_ticket_init(&t, lim, 0);
    if ((code = mg_lockout_ticket_add(&t, key, MG_LOCKOUT_ACCOUNT, err)) != MG_OK
	|| (code = mg_lockout_admit(lo, &t, now, err)) != MG_OK)
	return (code);
    if (t.decision != MG_LOCKOUT_ADMITTED || !t.keys[0].counted)
	return (mg_fail(err, MG_INTERNAL, "not counted (decision %d)", (int) t.decision));
    if (e)
	*e = t.keys[0].entry;
    return (MG_OK);
}

static struct mg_lockout_entry fail_at(struct mg_lockout *lo, const char *key,
				               const struct mg_lockout_limits *lim, time_t now)
{
    struct mg_lockout_entry e;
    struct mg_error err;

    memset(&e, 0, sizeof(e));
    ck_assert_msg(count_one(lo, key, lim, now, &e, &err) == MG_OK,
		  "fail: %s", err.reason);
    ck_assert_str_eq(e.key, key);
    return (e);
}

struct probe {
    const char *key;
    time_t  now;
    time_t  until;
};

static int find_key(const struct mg_lockout_entry *e, void *context)
{
    struct probe *p = context;

    if (strcmp(e->key, p->key) == 0 && e->locked_until > p->now)
	p->until = e->locked_until;
    return (1);
}

 /*
  * The end of key's lock at now, 0 when not locked.
  */
static time_t locked_until(struct mg_lockout *lo, const char *key, time_t now)
{
    struct mg_error err;
    struct probe p = {key, now, 0};

    ck_assert_msg(mg_lockout_list(lo, key, find_key, &p, &err) == MG_OK,
		  "list: %s", err.reason);
    return (p.until);
}

 /*
  * Listing into a buffer: "key failures first last until;" per entry.
  */
struct listing {
    char    text[4096];
    int     count;
    int     stop_after;
};

static int collect(const struct mg_lockout_entry *e, void *context)
{
    struct listing *l = context;
    size_t  len = strlen(l->text);

    snprintf(l->text + len, sizeof(l->text) - len, "%s %u %lld %lld %lld;",
	     e->key, e->failures, (long long) e->first_failure,
	     (long long) e->last_failure, (long long) e->locked_until);
    l->count++;
    return (l->stop_after == 0 || l->count < l->stop_after);
}

static struct listing list(struct mg_lockout *lo, const char *prefix, int stop_after)
{
    struct listing l;
    struct mg_error err;

    memset(&l, 0, sizeof(l));
    l.stop_after = stop_after;
    ck_assert_msg(mg_lockout_list(lo, prefix, collect, &l, &err) == MG_OK,
		  "list: %s", err.reason);
    return (l);
}

static const struct mg_lockout_limits five_in_a_minute = {5, 60, 300};

START_TEST(keys)
{
    char    buf[MG_LOCKOUT_KEY_MAX + 1];
    char    name[MG_LOCKOUT_KEY_MAX * 2];
    char    other[MG_LOCKOUT_KEY_MAX + 1];

    ck_assert_str_eq(mg_lockout_key(buf, "user", "alice@example.test"),
		     "user:alice@example.test");
    ck_assert_str_eq(mg_lockout_key(buf, "addr", "2001:db8::1"), "addr:2001:db8::1");
    /* The longest names that fit keep their plain keys. */
    memset(name, 'x', sizeof(name));
    name[MG_LOCKOUT_KEY_MAX - 5] = 0;
    ck_assert_uint_eq(strlen(mg_lockout_key(buf, "user", name)), MG_LOCKOUT_KEY_MAX);
    ck_assert_int_eq(strncmp(buf, "user:xxx", 8), 0);
    name[MG_LOCKOUT_KEY_MAX - 13] = 0;
    ck_assert_uint_eq(strlen(mg_lockout_key(buf, "trusted-user", name)),
		      MG_LOCKOUT_KEY_MAX);
    ck_assert_int_eq(strncmp(buf, "trusted-user:xxx", 16), 0);
    /* One byte more: named by the SHA-256 of the whole name. */
    name[MG_LOCKOUT_KEY_MAX - 13] = 'x';
    name[MG_LOCKOUT_KEY_MAX - 12] = 0;
    ck_assert_str_eq(mg_lockout_key(buf, "trusted-user", name), "trusted-user#sha256:"
		     "5c23afac6a23d232eec964000980d67e0cc39cc1ee9196722748ab6b67043f78");
    name[MG_LOCKOUT_KEY_MAX - 12] = 'x';
    name[MG_LOCKOUT_KEY_MAX - 5] = 'x';
    name[MG_LOCKOUT_KEY_MAX - 4] = 0;
    ck_assert_str_eq(mg_lockout_key(buf, "user", name), "user#sha256:"
		     "1172312fc4e7b0894adc5e67def503ad02fc76ddc84400438e691dde58684912");
    /* Long names alike in their first MG_LOCKOUT_KEY_MAX bytes differ. */
    name[MG_LOCKOUT_KEY_MAX - 4] = 'x';
    name[sizeof(name) - 1] = 0;
    strcpy(other, mg_lockout_key(buf, "user", name));
    name[sizeof(name) - 2] = 'y';
    ck_assert_str_ne(mg_lockout_key(buf, "user", name), other);
    /* ASCII case is folded, in plain and digest keys; other bytes stay. */
    ck_assert_str_eq(mg_lockout_key(buf, "user", "Bob@EXAMPLE.Test"), "user:bob@example.test");
    ck_assert_str_eq(mg_lockout_key(buf, "user", "J\xc3\x96RG"), "user:j\xc3\x96rg");
    strcpy(other, mg_lockout_key(buf, "user", name));
    name[0] = 'X';
    name[sizeof(name) - 2] = 'Y';
    ck_assert_str_eq(mg_lockout_key(buf, "user", name), other);
}
END_TEST

 /*
  * A key that could not be added leaves the ticket incomplete: admitting
  * it fails (the caller's lockout_store_failure decides), never admits
  * an attempt that nothing counts.
  */
START_TEST(incomplete_ticket_is_not_admitted)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_ticket t;
    struct mg_error err;

    mg_lockout_ticket_init(&t, &five_in_a_minute, 1);
    ck_assert_int_eq(mg_lockout_ticket_add(&t, 0, MG_LOCKOUT_ACCOUNT, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_lockout_ticket_add(&t, "addr:192.0.2.1", MG_LOCKOUT_ADDRESS, &err),
		     MG_OK);
    ck_assert_int_eq(mg_lockout_admit(lo, &t, 1000, &err), MG_BADPARAM);
    ck_assert_int_eq(list(lo, 0, 0).count, 0);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(counts_within_window)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_entry e;

    e = fail_at(lo, "user:alice", &five_in_a_minute, 1000);
    ck_assert_uint_eq(e.failures, 1);
    e = fail_at(lo, "user:alice", &five_in_a_minute, 1010);
    e = fail_at(lo, "user:alice", &five_in_a_minute, 1059);
    ck_assert_uint_eq(e.failures, 3);
    ck_assert_int_eq(e.first_failure, 1000);
    ck_assert_int_eq(e.last_failure, 1059);
    ck_assert_int_eq(e.locked_until, 0);
    ck_assert_int_eq(locked_until(lo, "user:alice", 1059), 0);
    /* Another key counts apart. */
    e = fail_at(lo, "user:bob", &five_in_a_minute, 1059);
    ck_assert_uint_eq(e.failures, 1);
    /* A null entry pointer is allowed. */
    ck_assert_int_eq(count_one(lo, "user:bob", &five_in_a_minute, 1060, 0, 0), MG_OK);
    ck_assert_str_eq(list(lo, 0, 0).text, "user:alice 3 1000 1059 0;user:bob 2 1059 1060 0;");
    mg_lockout_close(lo);
}
END_TEST

START_TEST(window_expiry_restarts_count)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_entry e;
    int     i;

    for (i = 0; i < 4; i++)
	fail_at(lo, "user:alice", &five_in_a_minute, 1000 + i);
    /* The window is [first, first + 60): at first + 60 it has passed. */
    e = fail_at(lo, "user:alice", &five_in_a_minute, 1060);
    ck_assert_uint_eq(e.failures, 1);
    ck_assert_int_eq(e.first_failure, 1060);
    ck_assert_int_eq(e.locked_until, 0);
    /* A clock that went back starts a new window too. */
    e = fail_at(lo, "user:alice", &five_in_a_minute, 900);
    ck_assert_uint_eq(e.failures, 1);
    ck_assert_int_eq(e.first_failure, 900);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(locks_at_exactly_n)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_entry e;
    int     i;

    for (i = 0; i < 4; i++) {
	e = fail_at(lo, "addr:192.0.2.7", &five_in_a_minute, 2000 + i);
	ck_assert_int_eq(e.locked_until, 0);
	ck_assert_int_eq(locked_until(lo, "addr:192.0.2.7", 2000 + i), 0);
    }
    e = fail_at(lo, "addr:192.0.2.7", &five_in_a_minute, 2010);
    ck_assert_uint_eq(e.failures, 5);
    ck_assert_int_eq(e.locked_until, 2310);
    ck_assert_int_eq(locked_until(lo, "addr:192.0.2.7", 2010), 2310);
    /* Failures while locked are counted but do not extend the lock. */
    e = fail_at(lo, "addr:192.0.2.7", &five_in_a_minute, 2100);
    ck_assert_uint_eq(e.failures, 6);
    ck_assert_int_eq(e.locked_until, 2310);
    /* Lockout off: counted, never locked. */
    {
	struct mg_lockout_limits off = {0, 60, 300};

	for (i = 0; i < 10; i++)
	    e = fail_at(lo, "user:carol", &off, 3000);
	ck_assert_uint_eq(e.failures, 10);
	ck_assert_int_eq(e.locked_until, 0);
	ck_assert_int_eq(locked_until(lo, "user:carol", 3000), 0);
    }
    mg_lockout_close(lo);
}
END_TEST

START_TEST(lock_expires)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_entry e;
    int     i;

    for (i = 0; i < 5; i++)
	e = fail_at(lo, "user:alice", &five_in_a_minute, 1000);
    ck_assert_int_eq(e.locked_until, 1300);
    ck_assert_int_eq(locked_until(lo, "user:alice", 1299), 1300);
    ck_assert_int_eq(locked_until(lo, "user:alice", 1300), 0);
    /* The next failure after the lock starts from one again. */
    e = fail_at(lo, "user:alice", &five_in_a_minute, 1301);
    ck_assert_uint_eq(e.failures, 1);
    ck_assert_int_eq(e.first_failure, 1301);
    ck_assert_int_eq(e.locked_until, 0);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(reset_forgets)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_error err;
    int     i;

    for (i = 0; i < 5; i++)
	fail_at(lo, "user:alice", &five_in_a_minute, 1000);
    fail_at(lo, "addr:192.0.2.7", &five_in_a_minute, 1000);
    ck_assert_int_eq(locked_until(lo, "user:alice", 1001), 1300);
    /* A success (admitted in audit-only mode) clears the account. */
    {
	struct mg_lockout_ticket t;

	mg_lockout_ticket_init(&t, &five_in_a_minute, 0);
	ck_assert_int_eq(mg_lockout_ticket_add(&t, "user:alice", MG_LOCKOUT_ACCOUNT, &err),
			 MG_OK);
	ck_assert_int_eq(mg_lockout_admit(lo, &t, 1001, &err), MG_OK);
	ck_assert_int_eq(t.locked, 0);
	ck_assert_int_eq(mg_lockout_settle(lo, &t, MG_LOCKOUT_GUESS_SUCCEEDED, &err), MG_OK);
    }
    ck_assert_int_eq(locked_until(lo, "user:alice", 1001), 0);
    ck_assert_str_eq(list(lo, 0, 0).text, "addr:192.0.2.7 1 1000 1000 0;");
    ck_assert_int_eq(fail_at(lo, "user:alice", &five_in_a_minute, 1002).failures, 1);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(list_with_prefix)
{
    struct mg_lockout *lo = open_store(0);
    struct listing l;

    fail_at(lo, "user:bob", &five_in_a_minute, 1000);
    fail_at(lo, "addr:127.0.0.1", &five_in_a_minute, 1001);
    fail_at(lo, "user:alice", &five_in_a_minute, 1002);
    fail_at(lo, "user:alice@example.test", &five_in_a_minute, 1003);
    l = list(lo, "user:", 0);
    ck_assert_int_eq(l.count, 3);
    ck_assert_str_eq(l.text, "user:alice 1 1002 1002 0;user:alice@example.test 1 1003 1003 0;"
		     "user:bob 1 1000 1000 0;");
    ck_assert_str_eq(list(lo, "addr:", 0).text, "addr:127.0.0.1 1 1001 1001 0;");
    ck_assert_int_eq(list(lo, "user:zed", 0).count, 0);
    ck_assert_int_eq(list(lo, "", 0).count, 4);
    ck_assert_int_eq(list(lo, 0, 0).count, 4);
    /* The visitor stops the walk. */
    ck_assert_int_eq(list(lo, 0, 2).count, 2);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(clear_one_and_all)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_error err;
    size_t  removed = 99;

    fail_at(lo, "user:alice", &five_in_a_minute, 1000);
    fail_at(lo, "user:bob", &five_in_a_minute, 1000);
    fail_at(lo, "addr:::1", &five_in_a_minute, 1000);
    ck_assert_int_eq(mg_lockout_clear(lo, "user:bob", &removed, &err), MG_OK);
    ck_assert_uint_eq(removed, 1);
    ck_assert_int_eq(mg_lockout_clear(lo, "user:bob", &removed, &err), MG_OK);
    ck_assert_uint_eq(removed, 0);
    ck_assert_int_eq(list(lo, 0, 0).count, 2);
    ck_assert_int_eq(mg_lockout_clear(lo, 0, &removed, &err), MG_OK);
    ck_assert_uint_eq(removed, 2);
    ck_assert_int_eq(list(lo, 0, 0).count, 0);
    /* The emptied store still counts. */
    ck_assert_int_eq(fail_at(lo, "user:alice", &five_in_a_minute, 1001).failures, 1);
    ck_assert_int_eq(mg_lockout_clear(lo, 0, 0, &err), MG_OK);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(expire_keeps_locked_and_recent)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_error err;
    size_t  removed = 99;
    int     i;

    fail_at(lo, "user:old", &five_in_a_minute, 1000);
    fail_at(lo, "user:recent", &five_in_a_minute, 5000);
    for (i = 0; i < 5; i++)
	fail_at(lo, "user:locked", &five_in_a_minute, 4900);	/* until 5200 */
    ck_assert_int_eq(mg_lockout_expire(lo, 5100, 900, &removed, &err), MG_OK);
    ck_assert_uint_eq(removed, 1);
    ck_assert_str_eq(list(lo, 0, 0).text, "user:locked 5 4900 4900 5200;"
		     "user:recent 1 5000 5000 0;");
    /* Once the lock is over and the failures are old, both go. */
    ck_assert_int_eq(mg_lockout_expire(lo, 7000, 900, &removed, &err), MG_OK);
    ck_assert_uint_eq(removed, 2);
    ck_assert_int_eq(list(lo, 0, 0).count, 0);
    mg_lockout_close(lo);
}
END_TEST

 /*
  * Expiry follows the counting rule: an entry goes when the next failure
  * would start it afresh, whatever its last failure.
  */
START_TEST(expire_follows_the_window)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_limits hour = {5, 1000, 300};
    struct mg_error err;
    size_t  removed = 99;
    int     i;

    fail_at(lo, "user:spread", &hour, 4000);
    fail_at(lo, "user:spread", &hour, 4950);		/* same window */
    for (i = 0; i < 5; i++)
	fail_at(lo, "user:served", &hour, 4990);	/* locked until 5290 */
    fail_at(lo, "user:fresh", &hour, 5000);
    ck_assert_int_eq(mg_lockout_expire(lo, 5300, 1000, &removed, &err), MG_OK);
    ck_assert_uint_eq(removed, 2);
    ck_assert_str_eq(list(lo, 0, 0).text, "user:fresh 1 5000 5000 0;");
    /* What is left counts as before: a second failure in its window. */
    ck_assert_uint_eq(fail_at(lo, "user:fresh", &hour, 5400).failures, 2);
    ck_assert_int_eq(mg_lockout_expire(lo, 5300, -1, &removed, &err), MG_BADPARAM);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(max_entries_prunes)
{
    struct mg_lockout *lo = open_store(20);
    struct mg_lockout_limits lim = {3, 1000, 5000};
    struct listing l;
    char    key[32];
    int     i;

    /* user:k00 is the oldest but locked; the others fail once each. */
    for (i = 0; i < 3; i++)
	fail_at(lo, "user:k00", &lim, 100);
    for (i = 1; i < 20; i++) {
	snprintf(key, sizeof(key), "user:k%02d", i);
	fail_at(lo, key, &lim, 100 + i);
    }
    ck_assert_int_eq(list(lo, 0, 0).count, 20);
    /* Nothing has left the window: the oldest unlocked ones make room. */
    fail_at(lo, "user:new", &lim, 200);
    l = list(lo, 0, 0);
    ck_assert_int_eq(l.count, 19);
    ck_assert_ptr_nonnull(strstr(l.text, "user:k00 3 100 100 5100;"));
    ck_assert_ptr_null(strstr(l.text, "user:k01 "));
    ck_assert_ptr_null(strstr(l.text, "user:k02 "));
    ck_assert_ptr_nonnull(strstr(l.text, "user:k03 "));
    ck_assert_ptr_nonnull(strstr(l.text, "user:new 1 200 200 0;"));
    /* An existing key is updated without pruning. */
    fail_at(lo, "user:k03", &lim, 201);
    ck_assert_int_eq(list(lo, 0, 0).count, 19);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(max_entries_prunes_expired_first)
{
    struct mg_lockout *lo = open_store(10);
    struct mg_lockout_limits lim = {3, 60, 600};
    struct listing l;
    char    key[32];
    int     i;

    /* Five keys failed long ago, five recently (the recent ones older). */
    for (i = 0; i < 5; i++) {
	snprintf(key, sizeof(key), "user:recent%d", i);
	fail_at(lo, key, &lim, 1000 + i);
	snprintf(key, sizeof(key), "user:stale%d", i);
	fail_at(lo, key, &lim, 10 + i);
    }
    fail_at(lo, "user:new", &lim, 1010);
    l = list(lo, 0, 0);
    /* Pruned to 90% only (one stale entry went), never a recent one. */
    ck_assert_int_eq(l.count, 10);
    ck_assert_ptr_null(strstr(l.text, "user:stale0 "));
    for (i = 0; i < 5; i++) {
	snprintf(key, sizeof(key), "user:recent%d ", i);
	ck_assert_ptr_nonnull(strstr(l.text, key));
    }
    mg_lockout_close(lo);
}
END_TEST

START_TEST(corrupt_record_counts_as_absent)
{
    struct mg_lockout *lo;
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k, v;
    unsigned char rec[32];
    struct mg_lockout_entry e;

    /* Write foreign values under two keys, as another program might. */
    lo = open_store(0);
    mg_lockout_close(lo);
    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
    ck_assert_int_eq(mdb_txn_begin(env, 0, 0, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, 0, 0, &dbi), 0);
    memset(rec, 0xff, sizeof(rec));		/* right size, wrong version */
    k.mv_data = "user:badversion";
    k.mv_size = strlen(k.mv_data);
    v.mv_data = rec;
    v.mv_size = sizeof(rec);
    ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
    k.mv_data = "user:badsize";
    k.mv_size = strlen(k.mv_data);
    rec[0] = 1;
    v.mv_size = 7;
    ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
    k.mv_data = "user:badtime";		/* version 1, times before 1970 */
    k.mv_size = strlen(k.mv_data);
    memset(rec + 1, 0, 3);
    v.mv_size = sizeof(rec);
    ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
    /* Whole records under keys md5gate never writes: cut or read up to
     * the NUL they would pass for "user:alice". */
    {
	char    longkey[MG_LOCKOUT_KEY_MAX + 20];

	memset(rec, 0, sizeof(rec));
	rec[0] = 1;
	rec[7] = 3;				/* 3 failures at time 0 */
	memset(longkey, 'a', sizeof(longkey));
	memcpy(longkey, "user:alice", 10);
	k.mv_data = longkey;
	k.mv_size = sizeof(longkey);
	ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	k.mv_data = "user:alice\0bob";
	k.mv_size = 14;
	ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
    }
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    lo = open_store(0);
    ck_assert_int_eq(locked_until(lo, "user:alice", 1000), 0);
    ck_assert_int_eq(locked_until(lo, "user:badversion", 1000), 0);
    ck_assert_int_eq(locked_until(lo, "user:badsize", 1000), 0);
    ck_assert_int_eq(locked_until(lo, "user:badtime", 1000), 0);
    ck_assert_int_eq(list(lo, 0, 0).count, 0);
    e = fail_at(lo, "user:badversion", &five_in_a_minute, 1000);
    ck_assert_uint_eq(e.failures, 1);
    ck_assert_int_eq(e.first_failure, 1000);
    ck_assert_str_eq(list(lo, 0, 0).text, "user:badversion 1 1000 1000 0;");
    /* Expiry sweeps what is not ours. */
    {
	size_t  removed;
	struct mg_error err;

	ck_assert_int_eq(mg_lockout_expire(lo, 1000, 900, &removed, &err), MG_OK);
	ck_assert_uint_eq(removed, 4);
	ck_assert_int_eq(mg_lockout_clear(lo, 0, &removed, &err), MG_OK);
	ck_assert_uint_eq(removed, 1);
    }
    mg_lockout_close(lo);
}
END_TEST

static void overwrite(const char *name, off_t size, int byte)
{
    char    buf[4096];
    int     fd;
    off_t   done;

    memset(buf, byte, sizeof(buf));
    ck_assert_int_ge(fd = open(name, O_WRONLY | O_TRUNC), 0);
    for (done = 0; done < size; done += sizeof(buf))
	ck_assert_int_eq(write(fd, buf, sizeof(buf)), sizeof(buf));
    close(fd);
}

START_TEST(corrupt_file_is_refused_with_reason)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_error err;

    fail_at(lo, "user:alice", &five_in_a_minute, 1000);
    mg_lockout_close(lo);
    overwrite(path, 16384, 0xa5);
    lo = (struct mg_lockout *) 1;
    ck_assert_int_eq(mg_lockout_open(path, 0, &lo, &err), MG_INTERNAL);
    ck_assert_ptr_null(lo);
    ck_assert_msg(strstr(err.reason, path) != 0, "no path in: %s", err.reason);
    ck_assert_msg(strstr(err.reason, "not an LMDB file") != 0, "no reason in: %s",
		  err.reason);
}
END_TEST

START_TEST(truncated_file_is_refused)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_limits lim = {0, 60, 60};
    struct mg_error err;
    char    key[32];
    int     i;

    /* Enough committed transactions to use pages beyond the first two. */
    for (i = 0; i < 200; i++) {
	snprintf(key, sizeof(key), "user:u%03d", i);
	fail_at(lo, key, &lim, 1000);
    }
    mg_lockout_close(lo);
    ck_assert_int_eq(truncate(path, 2 * 4096), 0);
    ck_assert_int_eq(mg_lockout_open(path, 0, &lo, &err), MG_INTERNAL);
    ck_assert_ptr_null(lo);
    ck_assert_msg(strstr(err.reason, path) != 0, "no path in: %s", err.reason);
    ck_assert_msg(strstr(err.reason, "truncated") != 0, "no reason in: %s", err.reason);
}
END_TEST

START_TEST(missing_directory_is_named)
{
    struct mg_lockout *lo;
    struct mg_error err;
    char    missing[sizeof(dir) + 32];

    snprintf(missing, sizeof(missing), "%s/nosuchdir/lockout.mdb", dir);
    ck_assert_int_eq(mg_lockout_open(missing, 0, &lo, &err), MG_INTERNAL);
    ck_assert_ptr_null(lo);
    ck_assert_msg(strstr(err.reason, "/nosuchdir/lockout.mdb: its directory does not "
			 "exist") != 0, "reason: %s", err.reason);
    ck_assert_int_eq(mg_lockout_open("", 0, &lo, &err), MG_BADPARAM);
    /* A directory where the file should be. */
    ck_assert_int_eq(mg_lockout_open(dir, 0, &lo, &err), MG_INTERNAL);
    ck_assert_msg(strstr(err.reason, dir) != 0, "reason: %s", err.reason);
}
END_TEST

START_TEST(files_are_private)
{
    struct mg_lockout *lo = open_store(0);
    struct stat st;
    char    name[sizeof(path) + 8];

    fail_at(lo, "user:alice", &five_in_a_minute, 1000);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    snprintf(name, sizeof(name), "%s-lock", path);
    ck_assert_int_eq(stat(name, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(bad_keys)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_ticket t;
    struct mg_error err;
    char    longkey[MG_LOCKOUT_KEY_MAX + 2];

    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = 0;
    mg_lockout_ticket_init(&t, &five_in_a_minute, 1);
    ck_assert_int_eq(mg_lockout_ticket_add(&t, "", MG_LOCKOUT_ACCOUNT, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_lockout_ticket_add(&t, 0, MG_LOCKOUT_ACCOUNT, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_lockout_ticket_add(&t, longkey, MG_LOCKOUT_ACCOUNT, &err),
		     MG_BADPARAM);
    ck_assert_int_eq(mg_lockout_ticket_add(&t, "user:a", MG_LOCKOUT_ACCOUNT, &err), MG_OK);
    ck_assert_int_eq(mg_lockout_ticket_add(&t, "user:a", MG_LOCKOUT_GUARD, &err),
		     MG_BADPARAM);
    ck_assert_int_eq(mg_lockout_ticket_add(&t, "user:b", MG_LOCKOUT_GUARD, &err), MG_OK);
    ck_assert_int_eq(mg_lockout_ticket_add(&t, "addr:::1", MG_LOCKOUT_ADDRESS, &err), MG_OK);
    ck_assert_int_eq(mg_lockout_ticket_add(&t, "addr:::2", MG_LOCKOUT_ADDRESS, &err),
		     MG_BADPARAM);
    ck_assert_int_eq(mg_lockout_admit(lo, &t, -1, &err), MG_BADPARAM);
    ck_assert_int_eq(list(lo, 0, 0).count, 0);
    longkey[MG_LOCKOUT_KEY_MAX] = 0;		/* the longest allowed */
    ck_assert_int_eq(count_one(lo, longkey, &five_in_a_minute, 1, 0, &err), MG_OK);
    mg_lockout_close(lo);
}
END_TEST

 /*
  * The plugin opens the store before Postfix's smtpd chroots and drops
  * privileges: the handle must keep counting in an empty jail as nobody,
  * with the files still root's and mode 0600. Needs root to try.
  */
START_TEST(works_after_chroot_and_setuid)
{
    struct mg_lockout_limits lim = {3, 60, 60};
    struct mg_lockout *lo;
    struct mg_error err;
    char    jail[sizeof(dir) + 8];
    pid_t   pid;
    int     status;

    if (geteuid() != 0) {
	fprintf(stderr, "works_after_chroot_and_setuid: not root, not tried\n");
	return;
    }
    snprintf(jail, sizeof(jail), "%s/jail", dir);
    ck_assert_int_eq(mkdir(jail, 0755), 0);
    ck_assert_int_ge(pid = fork(), 0);
    if (pid == 0) {
	if (mg_lockout_open(path, 0, &lo, &err) != MG_OK)
	    _exit(2);
	if (chroot(jail) < 0 || chdir("/") < 0
	    || setgid(65534) < 0 || setuid(65534) < 0)
	    _exit(3);
	if (access(path, F_OK) == 0)
	    _exit(4);				/* not in the jail after all */
	if (count_one(lo, "user:jailed", &lim, 1000, 0, &err) != MG_OK
	    || count_one(lo, "user:jailed", &lim, 1001, 0, &err) != MG_OK
	    || count_one(lo, "user:jailed", &lim, 1002, 0, &err) != MG_OK
	    || mg_lockout_clear(lo, "user:jailed", 0, &err) != MG_OK
	    || count_one(lo, "user:jailed", &lim, 1004, 0, &err) != MG_OK) {
	    fprintf(stderr, "in the jail: %s\n", err.reason);
	    _exit(5);
	}
	mg_lockout_close(lo);
	_exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child status %d", status);
    lo = open_store(0);
    ck_assert_str_eq(list(lo, 0, 0).text, "user:jailed 1 1004 1004 0;");
    mg_lockout_close(lo);
}
END_TEST

START_TEST(one_handle_per_file_and_process)
{
    struct mg_lockout *lo = open_store(0), *again, *child;
    struct mg_error err;
    char    other[sizeof(path) + 8];
    pid_t   pid;
    int     status;

    /* The same file under another name is the same store. */
    snprintf(other, sizeof(other), "%s/./lockout.mdb", dir);
    ck_assert_int_eq(mg_lockout_open(other, 0, &again, &err), MG_OK);
    ck_assert_ptr_eq(again, lo);
    mg_lockout_close(again);
    /* Still open: the first close only dropped a reference. */
    fail_at(lo, "user:alice", &five_in_a_minute, 1000);
    ck_assert_int_eq(locked_until(lo, "user:alice", 1000), 0);
    /* A child gets a handle of its own, not the inherited one. */
    ck_assert_int_ge(pid = fork(), 0);
    if (pid == 0) {
	if (mg_lockout_open(path, 0, &child, &err) != MG_OK || child == lo)
	    _exit(1);
	if (count_one(child, "user:alice", &five_in_a_minute, 1001, 0, &err) != MG_OK)
	    _exit(2);
	mg_lockout_close(child);
	_exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d",
		  status);
    ck_assert_str_eq(list(lo, 0, 0).text, "user:alice 2 1000 1001 0;");
    mg_lockout_close(lo);
    /* Closed for good: a new open is a new handle that works. */
    lo = open_store(0);
    ck_assert_int_eq(list(lo, 0, 0).count, 1);
    mg_lockout_close(lo);
}
END_TEST

 /*
  * A process that opened the store with a small bound sees another grow
  * the file beyond its map (a larger lockout_max_entries): it adopts the
  * new size instead of failing. The other process here writes directly
  * with LMDB, in one transaction, values that are not records of ours.
  */
START_TEST(adopts_a_grown_map)
{
    struct mg_lockout *lo = open_store(10);
    struct mg_lockout_entry e;
    pid_t   pid;
    int     status, i;

    ck_assert_int_ge(pid = fork(), 0);
    if (pid == 0) {
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	char    key[300], val[200];

	memset(val, 'v', sizeof(val));
	if (mdb_env_create(&env) || mdb_env_set_mapsize(env, 64 << 20)
	    || mdb_env_open(env, path, MDB_NOSUBDIR, 0600)
	    || mdb_txn_begin(env, 0, 0, &txn) || mdb_dbi_open(txn, 0, 0, &dbi))
	    _exit(1);
	for (i = 0; i < 6000; i++) {
	    snprintf(key, sizeof(key), "user:%0250d", i);
	    k.mv_data = key;
	    k.mv_size = strlen(key);
	    v.mv_data = val;
	    v.mv_size = sizeof(val);
	    if (mdb_put(txn, dbi, &k, &v, 0))
		_exit(2);
	}
	if (mdb_txn_commit(txn))
	    _exit(3);
	mdb_env_close(env);
	_exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d",
		  status);
    ck_assert_int_eq(locked_until(lo, "user:alice", 1000), 0);
    /* The foreign values go first when the bound is enforced. */
    e = fail_at(lo, "user:alice", &five_in_a_minute, 1000);
    ck_assert_uint_eq(e.failures, 1);
    ck_assert_str_eq(list(lo, 0, 0).text, "user:alice 1 1000 1000 0;");
    mg_lockout_close(lo);
}
END_TEST

 /*
  * Threads of one process share the handle (MDB_NOTLS): reads and
  * counted failures from several threads at once lose nothing.
  */
#define THREADS		4
#define THREAD_FAILURES	100

static void *thread_counts(void *context)
{
    struct mg_lockout *lo = context;
    struct mg_lockout_limits lim = {1000000, 3600, 60};
    struct mg_error err;
    int     n;

    for (n = 0; n < THREAD_FAILURES; n++)
	if (count_one(lo, "user:threads", &lim, 5000, 0, &err) != MG_OK)
	    return (lo);
    return (0);
}

START_TEST(threads_count_exactly)
{
    struct mg_lockout *lo = open_store(0);
    pthread_t threads[THREADS];
    void   *result;
    int     i, bad = 0;

    for (i = 0; i < THREADS; i++)
	ck_assert_int_eq(pthread_create(&threads[i], 0, thread_counts, lo), 0);
    for (i = 0; i < THREADS; i++) {
	ck_assert_int_eq(pthread_join(threads[i], &result), 0);
	bad += result != 0;
    }
    ck_assert_int_eq(bad, 0);
    ck_assert_str_eq(list(lo, 0, 0).text, "user:threads 400 5000 5000 0;");
    mg_lockout_close(lo);
}
END_TEST

 /*
  * Many processes, one key: each child opens its own handle (an LMDB
  * handle must not cross fork) and counts its failures; none may be lost.
  */
#define CHILDREN	8
#define FAILURES	50

START_TEST(processes_count_exactly)
{
    struct mg_lockout_limits lim = {1000000, 3600, 60};
    struct mg_lockout *lo;
    struct mg_error err;
    struct listing l;
    pid_t   pids[CHILDREN];
    int     i, n, status, bad = 0;

    lo = open_store(0);
    mg_lockout_close(lo);
    for (i = 0; i < CHILDREN; i++) {
	ck_assert_int_ge(pids[i] = fork(), 0);
	if (pids[i] == 0) {
	    if (mg_lockout_open(path, 0, &lo, &err) != MG_OK)
		_exit(2);
	    for (n = 0; n < FAILURES; n++)
		if (count_one(lo, "user:shared", &lim, 5000, 0, &err) != MG_OK)
		    _exit(3);
	    mg_lockout_close(lo);
	    _exit(0);
	}
    }
    for (i = 0; i < CHILDREN; i++) {
	ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
	    bad++;
    }
    ck_assert_int_eq(bad, 0);
    lo = open_store(0);
    l = list(lo, 0, 0);
    ck_assert_str_eq(l.text, "user:shared 400 5000 5000 0;");
    mg_lockout_close(lo);
}
END_TEST

/* Admission. */

 /*
  * A ticket with the given keys (role letters: a account, d address,
  * g guard), admitted at now; the ticket is returned.
  */
static struct mg_lockout_ticket admit(struct mg_lockout *lo,
				              const struct mg_lockout_limits *lim,
				              int enforce, time_t now, const char *roles,...)
{
    struct mg_lockout_ticket t;
    struct mg_error err;
    va_list ap;
    const char *r;

    mg_lockout_ticket_init(&t, lim, enforce);
    va_start(ap, roles);
    for (r = roles; *r; r++)
	ck_assert_int_eq(mg_lockout_ticket_add(&t, va_arg(ap, const char *),
					       *r == 'a' ? MG_LOCKOUT_ACCOUNT :
					       *r == 'd' ? MG_LOCKOUT_ADDRESS :
					       MG_LOCKOUT_GUARD, &err), MG_OK);
    va_end(ap);
    ck_assert_msg(mg_lockout_admit(lo, &t, now, &err) == MG_OK, "admit: %s", err.reason);
    return (t);
}

static void settle(struct mg_lockout *lo, const struct mg_lockout_ticket *t,
		           enum mg_lockout_result result)
{
    struct mg_error err;

    ck_assert_msg(mg_lockout_settle(lo, t, result, &err) == MG_OK, "settle: %s",
		  err.reason);
}

static const struct mg_lockout_limits three = {3, 900, 900};

START_TEST(admission_counts_before_verification)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_ticket t;
    int     i;

    /* Three attempts are admitted (the third sets the lock), the fourth not. */
    for (i = 0; i < 3; i++) {
	t = admit(lo, &three, 1, 1000, "ad", "user:victim", "addr:192.0.2.7");
	ck_assert_int_eq(t.decision, MG_LOCKOUT_ADMITTED);
	ck_assert_int_eq(t.keys[0].set_lock, i == 2);
	settle(lo, &t, MG_LOCKOUT_GUESS_FAILED);
    }
    t = admit(lo, &three, 1, 1001, "ad", "user:victim", "addr:198.51.100.1");
    ck_assert_int_eq(t.decision, MG_LOCKOUT_REFUSED);
    ck_assert_int_eq(t.locked, 0);
    ck_assert_int_eq(t.locked_until, 1900);
    /* Refused: nothing counted, not even the other address. */
    ck_assert_str_eq(list(lo, 0, 0).text, "addr:192.0.2.7 3 1000 1000 1900;"
		     "user:victim 3 1000 1000 1900;");
    /* The locked address refuses another account too. */
    t = admit(lo, &three, 1, 1001, "ad", "user:other", "addr:192.0.2.7");
    ck_assert_int_eq(t.decision, MG_LOCKOUT_REFUSED);
    ck_assert_int_eq(t.locked, 1);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(success_clears_account_and_gives_address_back)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_ticket t;

    t = admit(lo, &three, 1, 1000, "ad", "user:intercom", "addr:192.0.2.7");
    settle(lo, &t, MG_LOCKOUT_GUESS_FAILED);
    t = admit(lo, &three, 1, 1001, "ad", "user:intercom", "addr:192.0.2.7");
    settle(lo, &t, MG_LOCKOUT_GUESS_FAILED);
    /* The third attempt reaches the limit and locks both; it succeeds. */
    t = admit(lo, &three, 1, 1002, "ad", "user:intercom", "addr:192.0.2.7");
    ck_assert_int_eq(t.decision, MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(t.keys[1].set_lock, 1);
    settle(lo, &t, MG_LOCKOUT_GUESS_SUCCEEDED);
    /* The account is forgotten; the address keeps its two real failures. */
    ck_assert_str_eq(list(lo, 0, 0).text, "addr:192.0.2.7 2 1000 1002 0;");
    /* Not a guess (a malformed response): given back everywhere. */
    t = admit(lo, &three, 1, 1003, "ad", "user:intercom", "addr:192.0.2.7");
    settle(lo, &t, MG_LOCKOUT_NO_GUESS);
    ck_assert_str_eq(list(lo, 0, 0).text, "addr:192.0.2.7 2 1000 1003 0;");
    /* A success from a fresh address leaves no entry behind. */
    t = admit(lo, &three, 1, 1004, "ad", "user:alice", "addr:198.51.100.1");
    settle(lo, &t, MG_LOCKOUT_GUESS_SUCCEEDED);
    ck_assert_int_eq(list(lo, 0, 0).count, 1);
    /* One more failure locks the address. */
    t = admit(lo, &three, 1, 1005, "ad", "user:intercom", "addr:192.0.2.7");
    settle(lo, &t, MG_LOCKOUT_GUESS_FAILED);
    ck_assert_int_eq(locked_until(lo, "addr:192.0.2.7", 1005), 1905);
    /* Audit-only: a locked key is reported, the attempt counted. */
    t = admit(lo, &three, 0, 1006, "ad", "user:intercom", "addr:192.0.2.7");
    ck_assert_int_eq(t.decision, MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(t.locked, 1);
    ck_assert_int_eq(t.keys[1].entry.failures, 4);
    mg_lockout_close(lo);
}
END_TEST

 /*
  * The bound: many processes, each with its own handle, admit a wrong
  * guess against one account at the same moment (released together
  * through a pipe); exactly lockout_failures of them are admitted.
  */
#define GUESSERS	32

START_TEST(concurrent_guesses_admitted_at_most_limit)
{
    struct mg_lockout *lo;
    struct mg_lockout_ticket t;
    struct mg_error err;
    pid_t   pids[GUESSERS];
    int     gate[2], i, status, admitted = 0, refused = 0, bad = 0;
    char    addr[64], c;

    lo = open_store(0);
    mg_lockout_close(lo);
    ck_assert_int_eq(pipe(gate), 0);
    for (i = 0; i < GUESSERS; i++) {
	ck_assert_int_ge(pids[i] = fork(), 0);
	if (pids[i] == 0) {
	    close(gate[1]);
	    if (mg_lockout_open(path, 0, &lo, &err) != MG_OK)
		_exit(2);
	    /* Wait for the start: the parent closes the pipe. */
	    if (read(gate[0], &c, 1) != 0)
		_exit(3);
	    snprintf(addr, sizeof(addr), "addr:198.51.100.%d", i + 1);
	    mg_lockout_ticket_init(&t, &three, 1);
	    if (mg_lockout_ticket_add(&t, "user:intercom", MG_LOCKOUT_ACCOUNT, &err) != MG_OK
		|| mg_lockout_ticket_add(&t, addr, MG_LOCKOUT_ADDRESS, &err) != MG_OK
		|| mg_lockout_admit(lo, &t, 5000, &err) != MG_OK)
		_exit(4);
	    /* The password is wrong: the count stays. */
	    if (mg_lockout_settle(lo, &t, MG_LOCKOUT_GUESS_FAILED, &err) != MG_OK)
		_exit(5);
	    mg_lockout_close(lo);
	    _exit(t.decision == MG_LOCKOUT_ADMITTED ? 10 :
		  t.decision == MG_LOCKOUT_REFUSED ? 11 : 6);
	}
    }
    close(gate[0]);
    close(gate[1]);
    for (i = 0; i < GUESSERS; i++) {
	ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 10)
	    admitted++;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 11)
	    refused++;
	else
	    bad++;
    }
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(admitted, 3);
    ck_assert_int_eq(refused, GUESSERS - 3);
    lo = open_store(0);
    ck_assert_int_eq(locked_until(lo, "user:intercom", 5000), 5900);
    ck_assert_int_eq(list(lo, "user:", 0).count, 1);
    ck_assert_int_eq(list(lo, "addr:", 0).count, 3);
    mg_lockout_close(lo);
}
END_TEST

/* Addresses. */

static const char *key_of(const char *endpoint, unsigned v4, unsigned v6)
{
    static char buf[MG_LOCKOUT_KEY_MAX + 1];
    struct mg_addr a;

    if (!mg_addr_parse_endpoint(endpoint, &a, 0))
	return ("-");
    return (mg_lockout_address_key(buf, &a, v4, v6));
}

START_TEST(addresses_normalised)
{
    /* Every spelling of one IPv6 address, with or without a port. */
    ck_assert_str_eq(key_of("2001:db8:1:2:0:0:0:1", 32, 128), "addr:2001:db8:1:2::1");
    ck_assert_str_eq(key_of("2001:db8:1:2::1", 32, 128), "addr:2001:db8:1:2::1");
    ck_assert_str_eq(key_of("2001:DB8:1:2:0000::1;25", 32, 128), "addr:2001:db8:1:2::1");
    ck_assert_str_eq(key_of("[2001:db8:1:2::1];587", 32, 128), "addr:2001:db8:1:2::1");
    ck_assert_str_eq(key_of("fe80::1%eth0;25", 32, 128), "addr:fe80::1");
    /* IPv4, and IPv4-mapped IPv6, are the IPv4 address. */
    ck_assert_str_eq(key_of("192.0.2.7;4000", 32, 64), "addr:192.0.2.7");
    ck_assert_str_eq(key_of("::ffff:192.0.2.7;4000", 32, 64), "addr:192.0.2.7");
    ck_assert_str_eq(key_of("[::FFFF:c000:207]", 32, 64), "addr:192.0.2.7");
    ck_assert_str_eq(key_of("::ffff:192.0.2.7", 24, 64), "addr:192.0.2.0/24");
    /* Not addresses. */
    ck_assert_str_eq(key_of("", 32, 64), "-");
    ck_assert_str_eq(key_of("unknown", 32, 64), "-");
    ck_assert_str_eq(key_of("192.0.2.7;smtp", 32, 64), "-");
    ck_assert_str_eq(key_of("192.0.2.7;1234567", 32, 64), "-");
    ck_assert_str_eq(key_of("192.0.2.7;65536", 32, 64), "-");
    ck_assert_str_eq(key_of("[2001:db8::1;25", 32, 64), "-");
    ck_assert_str_eq(key_of("192.0.2.7:25", 32, 64), "-");
    ck_assert_str_eq(key_of("192.0.2.256", 32, 64), "-");
    ck_assert_str_eq(key_of(0, 32, 64), "-");
}
END_TEST

START_TEST(ipv6_counted_per_prefix)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_ticket t;
    static const char *const same[] = {
	"2001:db8:1:2::1;1000", "2001:db8:1:2:0:0:0:2;1001", "[2001:db8:1:2:ffff::9];25",
    };
    int     i;

    ck_assert_str_eq(key_of(same[0], 32, 64), "addr:2001:db8:1:2::/64");
    ck_assert_str_eq(key_of(same[0], 32, 48), "addr:2001:db8:1::/48");
    for (i = 0; i < 3; i++) {
	t = admit(lo, &three, 1, 1000, "d", key_of(same[i], 32, 64));
	ck_assert_int_eq(t.decision, MG_LOCKOUT_ADMITTED);
    }
    /* Any address of the /64 is now refused; the next /64 is not. */
    t = admit(lo, &three, 1, 1001, "d", key_of("2001:db8:1:2:abcd::77;25", 32, 64));
    ck_assert_int_eq(t.decision, MG_LOCKOUT_REFUSED);
    t = admit(lo, &three, 1, 1001, "d", key_of("2001:db8:1:3::1;25", 32, 64));
    ck_assert_int_eq(t.decision, MG_LOCKOUT_ADMITTED);
    ck_assert_str_eq(list(lo, 0, 0).text, "addr:2001:db8:1:2::/64 3 1000 1000 1900;"
		     "addr:2001:db8:1:3::/64 1 1001 1001 0;");
    mg_lockout_close(lo);
}
END_TEST

/*
 * Masking works on whole bytes: the same as clearing every bit after the
 * prefix one at a time, for every prefix. Address keys are what
 * inet_ntop() and printf would write, at every IPv4 prefix.
 */
START_TEST(masks_and_address_keys)
{
    struct mg_addr a, ref;
    char    buf[MG_LOCKOUT_KEY_MAX + 1], want[MG_LOCKOUT_KEY_MAX + 1], text[64];
    unsigned prefix, i;
    static const char *const hosts[] = {"0.0.0.0", "255.255.255.255", "192.0.2.77",
    "10.100.9.200", "1.22.133.4"};

    for (prefix = 0; prefix <= 130; prefix++) {
	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	memset(a.bytes, 0xff, sizeof(a.bytes));
	ref = a;
	for (i = prefix; i < 128; i++)
	    ref.bytes[i / 8] &= (unsigned char) ~(0x80 >> (i % 8));
	mg_addr_mask(&a, prefix);
	ck_assert_mem_eq(a.bytes, ref.bytes, sizeof(a.bytes));
    }
    for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
	for (prefix = 0; prefix <= 33; prefix++) {
	    ck_assert(mg_addr_parse_endpoint(hosts[i], &a, 0));
	    ref = a;
	    mg_addr_mask(&ref, prefix);
	    ck_assert_ptr_nonnull(inet_ntop(AF_INET, ref.bytes, text, sizeof(text)));
	    if (prefix < 32)
		snprintf(want, sizeof(want), "addr:%s/%u", text, prefix);
	    else
		snprintf(want, sizeof(want), "addr:%s", text);
	    ck_assert_str_eq(mg_lockout_address_key(buf, &a, prefix, 128), want);
	}
    }
    for (prefix = 0; prefix <= 129; prefix++) {
	ck_assert(mg_addr_parse_endpoint("2001:db8:1:2:3:4:5:6", &a, 0));
	ref = a;
	mg_addr_mask(&ref, prefix);
	ck_assert_ptr_nonnull(inet_ntop(AF_INET6, ref.bytes, text, sizeof(text)));
	if (prefix < 128)
	    snprintf(want, sizeof(want), "addr:%s/%u", text, prefix);
	else
	    snprintf(want, sizeof(want), "addr:%s", text);
	ck_assert_str_eq(mg_lockout_address_key(buf, &a, 32, prefix), want);
    }
    ck_assert_str_eq(mg_lockout_address_key(buf, &a, 32, 7), "addr:2000::/7");
}
END_TEST

START_TEST(networks_parsed)
{
    struct mg_addr a, h;
    struct mg_error err;
    unsigned prefix;

    ck_assert_int_eq(mg_addr_parse_network("2001:db8:1:2::/64", &a, &prefix, &err), MG_OK);
    ck_assert_uint_eq(prefix, 64);
    ck_assert(mg_addr_parse_endpoint("2001:db8:1:2::99", &h, 0));
    ck_assert(mg_addr_in_network(&a, prefix, &h));
    ck_assert(mg_addr_parse_endpoint("2001:db8:1:3::99", &h, 0));
    ck_assert(!mg_addr_in_network(&a, prefix, &h));
    ck_assert_int_eq(mg_addr_parse_network("192.0.2.7", &a, &prefix, &err), MG_OK);
    ck_assert_uint_eq(prefix, 32);
    ck_assert_int_eq(mg_addr_parse_network("::ffff:192.0.2.0/120", &a, &prefix, &err),
		     MG_OK);
    ck_assert_int_eq(a.family, AF_INET);
    ck_assert_uint_eq(prefix, 24);
    ck_assert_int_eq(mg_addr_parse_network("2001:db8::1/64", &a, &prefix, &err),
		     MG_MALFORMED);
    ck_assert_str_eq(err.reason, "bits are set after the prefix length (a network is "
		     "written with its host bits zero)");
    ck_assert_int_eq(mg_addr_parse_network("192.0.2.0/33", &a, &prefix, &err),
		     MG_MALFORMED);
    ck_assert_str_eq(err.reason, "prefix length 33 is longer than the address (32 bits)");
    ck_assert_int_eq(mg_addr_parse_network("192.0.2.0/x", &a, &prefix, &err),
		     MG_MALFORMED);
    ck_assert_int_eq(mg_addr_parse_network("intercom", &a, &prefix, &err), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "not an IPv4 or IPv6 address");
}
END_TEST

/* The tickets the policy makes. */

static void load_policy(struct mg_config *cfg, const char *text)
{
    struct mg_error err;
    FILE   *fp = fmemopen((void *) text, strlen(text), "r");

    ck_assert_ptr_nonnull(fp);
    mg_config_init(cfg);
    ck_assert_msg(mg_config_load_stream(fp, "policy.conf", cfg, &err) == MG_OK,
		  "load: %s", err.reason);
    fclose(fp);
}

 /*
  * One attempt through the policy's ticket: admitted and, if so, failed.
  */
static enum mg_lockout_decision guess(struct mg_lockout *lo, const struct mg_config *cfg,
				              const char *account, const char *remote,
				              time_t now, struct mg_lockout_ticket *t)
{
    struct mg_error err;
    char    rule[MG_POLICY_RULE_MAX];

    ck_assert(mg_policy_lockout_ticket(&cfg->policy, "CRAM-MD5", account, remote, t,
				       rule, sizeof(rule)));
    ck_assert_msg(mg_lockout_admit(lo, t, now, &err) == MG_OK, "admit: %s", err.reason);
    if (t->decision == MG_LOCKOUT_ADMITTED)
	settle(lo, t, MG_LOCKOUT_GUESS_FAILED);
    return (t->decision);
}

START_TEST(trusted_networks_keep_the_lan_in)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_ticket t;
    struct mg_config cfg;
    int     i;

    load_policy(&cfg, "[global]\nlockout_failures = 3\nlockout_duration = 1h\n"
		"[cram-md5]\nlockout_trusted_networks = 192.168.1.0/24 fd00::/8\n");
    /* The internet guesses the intercom's name, from many addresses. */
    for (i = 0; i < 3; i++) {
	char    remote[32];

	snprintf(remote, sizeof(remote), "203.0.113.%d;4000", i + 1);
	ck_assert_int_eq(guess(lo, &cfg, "intercom", remote, 1000, &t),
			 MG_LOCKOUT_ADMITTED);
	ck_assert_str_eq(t.keys[0].name, "user:intercom");
	ck_assert_int_eq(t.keys[1].role, MG_LOCKOUT_GUARD);
	ck_assert_str_eq(t.keys[1].name, "trusted-user:intercom");
    }
    ck_assert_int_eq(guess(lo, &cfg, "intercom", "203.0.113.99;4000", 1001, &t),
		     MG_LOCKOUT_REFUSED);
    /* An unknown client address is not trusted. */
    ck_assert_int_eq(guess(lo, &cfg, "intercom", 0, 1001, &t), MG_LOCKOUT_REFUSED);
    /* The intercom on the LAN (IPv4, mapped, IPv6) is not locked out. */
    ck_assert_int_eq(guess(lo, &cfg, "intercom", "192.168.1.20;4000", 1002, &t),
		     MG_LOCKOUT_ADMITTED);
    ck_assert_str_eq(t.keys[0].name, "trusted-user:intercom");
    ck_assert_uint_eq(t.nkeys, 2);
    ck_assert_int_eq(guess(lo, &cfg, "intercom", "::ffff:192.168.1.21;4000", 1002, &t),
		     MG_LOCKOUT_ADMITTED);
    /* Failures inside lock the account for everyone. */
    ck_assert_int_eq(guess(lo, &cfg, "intercom", "[fd00::5];4000", 1003, &t),
		     MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(guess(lo, &cfg, "intercom", "192.168.1.22;4000", 1004, &t),
		     MG_LOCKOUT_REFUSED);
    ck_assert_str_eq(t.keys[t.locked].name, "trusted-user:intercom");
    ck_assert_int_eq(guess(lo, &cfg, "intercom", "198.51.100.1;4000", 1004, &t),
		     MG_LOCKOUT_REFUSED);
    mg_config_free(&cfg);
    mg_lockout_close(lo);
}
END_TEST

 /*
  * Two accounts with a long common beginning count apart: failures of
  * one never lock the other, inside trusted networks or outside them.
  */
START_TEST(long_accounts_count_apart)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_ticket t;
    struct mg_config cfg;
    char    a[400], b[400];
    int     i;

    memset(a, 'n', sizeof(a) - 1);
    a[sizeof(a) - 1] = 0;
    memcpy(a + sizeof(a) - 14, "@example.test", 13);
    strcpy(b, a);
    a[350] = 'a';
    b[350] = 'b';
    load_policy(&cfg, "[global]\nlockout_failures = 3\nlockout_duration = 1h\n"
		"[cram-md5]\nlockout_trusted_networks = 192.168.1.0/24\n");
    for (i = 0; i < 3; i++)
	ck_assert_int_eq(guess(lo, &cfg, a, "203.0.113.1;4000", 1000, &t),
			 MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(guess(lo, &cfg, a, "203.0.113.1;4000", 1001, &t), MG_LOCKOUT_REFUSED);
    ck_assert_int_eq(strncmp(t.keys[t.locked].name, "user#sha256:", 12), 0);
    ck_assert_int_eq(guess(lo, &cfg, b, "203.0.113.2;4000", 1001, &t), MG_LOCKOUT_ADMITTED);
    for (i = 0; i < 3; i++)
	ck_assert_int_eq(guess(lo, &cfg, a, "192.168.1.5;4000", 1002, &t),
			 MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(guess(lo, &cfg, a, "192.168.1.5;4000", 1003, &t), MG_LOCKOUT_REFUSED);
    ck_assert_int_eq(strncmp(t.keys[t.locked].name, "trusted-user#sha256:", 20), 0);
    ck_assert_int_eq(guess(lo, &cfg, b, "192.168.1.6;4000", 1003, &t), MG_LOCKOUT_ADMITTED);
    mg_config_free(&cfg);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(lockout_account_no_counts_addresses_only)
{
    struct mg_lockout *lo = open_store(0);
    struct mg_lockout_ticket t;
    struct mg_config cfg;
    char    rule[MG_POLICY_RULE_MAX];
    int     i;

    load_policy(&cfg, "[global]\nlockout_failures = 3\n"
		"[cram-md5]\nlockout_account = no\n");
    /* From many addresses: the account is never locked. */
    for (i = 0; i < 10; i++) {
	char    remote[32];

	snprintf(remote, sizeof(remote), "203.0.113.%d;4000", i + 1);
	ck_assert_int_eq(guess(lo, &cfg, "intercom", remote, 1000, &t),
			 MG_LOCKOUT_ADMITTED);
	ck_assert_uint_eq(t.nkeys, 1);
    }
    ck_assert_int_eq(list(lo, "user:", 0).count, 0);
    /* From one address: that address is. */
    for (i = 0; i < 2; i++)
	ck_assert_int_eq(guess(lo, &cfg, "intercom", "203.0.113.1;4000", 1001, &t),
			 MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(guess(lo, &cfg, "intercom", "203.0.113.1;4000", 1001, &t),
		     MG_LOCKOUT_REFUSED);
    /* Both off: nothing to count. */
    mg_config_free(&cfg);
    load_policy(&cfg, "[global]\nlockout_failures = 3\nlockout_address = no\n"
		"lockout_account = no\n");
    ck_assert_int_eq(mg_policy_lockout_ticket(&cfg.policy, "CRAM-MD5", "intercom",
					      "203.0.113.1;4000", &t, rule, sizeof(rule)), 0);
    mg_config_free(&cfg);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(full_store_keeps_its_locks)
{
    struct mg_lockout *lo = open_store(10);
    struct mg_lockout_ticket t;
    char    key[32];
    int     i, j;

    /* Ten locked keys fill the store. */
    for (i = 0; i < 10; i++) {
	snprintf(key, sizeof(key), "user:locked%d", i);
	for (j = 0; j < 3; j++)
	    t = admit(lo, &three, 1, 1000 + i, "a", key);
	ck_assert_int_eq(t.decision, MG_LOCKOUT_ADMITTED);
    }
    ck_assert_int_eq(list(lo, 0, 0).count, 10);
    /* A new key finds no room: nothing is evicted, nothing counted. */
    t = admit(lo, &three, 1, 1100, "ad", "user:new", "addr:192.0.2.7");
    ck_assert_int_eq(t.decision, MG_LOCKOUT_STORE_FULL);
    ck_assert_int_eq(t.keys[0].counted, 0);
    ck_assert_int_eq(list(lo, 0, 0).count, 10);
    ck_assert_int_eq(list(lo, "user:locked", 0).count, 10);
    /* The locks still refuse, full or not. */
    t = admit(lo, &three, 1, 1100, "ad", "user:locked3", "addr:192.0.2.7");
    ck_assert_int_eq(t.decision, MG_LOCKOUT_REFUSED);
    ck_assert_int_eq(locked_until(lo, "user:locked0", 1100), 1900);
    /* Once a lock has ended its entry may go. */
    t = admit(lo, &three, 1, 1901, "a", "user:new");
    ck_assert_int_eq(t.decision, MG_LOCKOUT_ADMITTED);
    ck_assert_int_eq(locked_until(lo, "user:locked0", 1901), 0);
    ck_assert_int_eq(list(lo, "user:locked0 ", 0).count, 0);
    mg_lockout_close(lo);
}
END_TEST

START_TEST(full_store_evicts_unlocked_first)
{
    struct mg_lockout *lo = open_store(10);
    struct mg_lockout_ticket t;
    struct listing l;
    char    key[32];
    int     i, j;

    /* Nine locked keys and one that failed once, the oldest of all. */
    t = admit(lo, &three, 1, 900, "a", "user:unlocked");
    for (i = 0; i < 9; i++) {
	snprintf(key, sizeof(key), "user:locked%d", i);
	for (j = 0; j < 3; j++)
	    t = admit(lo, &three, 1, 1000, "a", key);
    }
    t = admit(lo, &three, 1, 1100, "a", "user:new");
    ck_assert_int_eq(t.decision, MG_LOCKOUT_ADMITTED);
    l = list(lo, 0, 0);
    ck_assert_int_eq(l.count, 10);
    ck_assert_ptr_null(strstr(l.text, "user:unlocked "));
    ck_assert_ptr_nonnull(strstr(l.text, "user:new 1 1100 1100 0;"));
    mg_lockout_close(lo);
}
END_TEST

/* The settings. */

struct bad_setting {
    const char *text;
    const char *reason;
};

static const struct bad_setting bad_settings[] = {
    {"[cram-md5]\nlockout_account = maybe\n",
    "policy.conf:2: lockout_account must be yes or no, not \"maybe\""},
    {"[global]\n\nlockout_trusted_networks = 192.168.1.0/24 lan\n",
    "policy.conf:3: lockout_trusted_networks: \"lan\" is not an address or network: "
    "not an IPv4 or IPv6 address"},
    {"[global]\nlockout_ipv6_prefix = 129\n",
    "policy.conf:2: lockout_ipv6_prefix must be a prefix length from 16 to 128, "
    "not \"129\""},
    {"[global]\nlockout_ipv6_prefix = 8\n",
    "policy.conf:2: lockout_ipv6_prefix must be a prefix length from 16 to 128, "
    "not \"8\""},
    {"[global]\nlockout_ipv4_prefix = /24\n",
    "policy.conf:2: lockout_ipv4_prefix must be a prefix length from 8 to 32, "
    "not \"/24\""},
    {"[global]\nlockout_ipv4_prefix = 33\n",
    "policy.conf:2: lockout_ipv4_prefix must be a prefix length from 8 to 32, "
    "not \"33\""},
    {"[cram-md5]\nlockout_ipv4_prefix = 24\n",
    "policy.conf:2: lockout_ipv4_prefix is allowed only in [global], not in [cram-md5]"},
    {"[cram-md5:client]\nlockout_account = no\n",
    "policy.conf:2: lockout_account does not apply to the client side: not in "
    "[cram-md5:client]"},
};

START_TEST(settings_errors)
{
    const struct bad_setting *b = bad_settings + _i;
    struct mg_config cfg;
    struct mg_error err;
    FILE   *fp = fmemopen((void *) b->text, strlen(b->text), "r");

    ck_assert_ptr_nonnull(fp);
    mg_config_init(&cfg);
    ck_assert_int_ne(mg_config_load_stream(fp, "policy.conf", &cfg, &err), MG_OK);
    ck_assert_str_eq(err.reason, b->reason);
    fclose(fp);
    mg_config_free(&cfg);
}
END_TEST

START_TEST(settings_printed)
{
    struct mg_config cfg;
    char   *text = 0;
    size_t  size = 0;
    FILE   *fp;

    load_policy(&cfg, "[global]\nlockout_failures = 3\nlockout_ipv6_prefix = 56\n"
		"[cram-md5]\nlockout_account = no\n"
		"lockout_trusted_networks = 192.168.1.0/24, fd00::/8\n");
    ck_assert_ptr_nonnull(fp = open_memstream(&text, &size));
    mg_policy_print(&cfg.policy, fp);
    fclose(fp);
    ck_assert_ptr_nonnull(strstr(text, "# lockout_ipv4_prefix = 32 (default)\n"));
    ck_assert_ptr_nonnull(strstr(text, "lockout_ipv6_prefix = 56\n"));
    ck_assert_ptr_nonnull(strstr(text, "[cram-md5]\n"));
    ck_assert_ptr_nonnull(strstr(text, "lockout_account = no\n"
				 "lockout_trusted_networks = 192.168.1.0/24 fd00::/8\n"));
    ck_assert_ptr_nonnull(strstr(text, "# lockout_account = yes (default)\n"
				 "# lockout_trusted_networks = (empty, default)\n"));
    free(text);
    mg_config_free(&cfg);
}
END_TEST

int     main(void)
{
    Suite  *s = suite_create("lockout");
    TCase  *tc = tcase_create("store");
    SRunner *sr;
    int     failed;

    snprintf(base, sizeof(base), "%s/check-lockout.XXXXXX",
	     getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(base) == 0) {
	perror(base);
	return (EXIT_FAILURE);
    }
    tcase_add_checked_fixture(tc, make_dir, 0);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, keys);
    tcase_add_test(tc, incomplete_ticket_is_not_admitted);
    tcase_add_test(tc, counts_within_window);
    tcase_add_test(tc, window_expiry_restarts_count);
    tcase_add_test(tc, locks_at_exactly_n);
    tcase_add_test(tc, lock_expires);
    tcase_add_test(tc, reset_forgets);
    tcase_add_test(tc, list_with_prefix);
    tcase_add_test(tc, clear_one_and_all);
    tcase_add_test(tc, expire_keeps_locked_and_recent);
    tcase_add_test(tc, expire_follows_the_window);
    tcase_add_test(tc, max_entries_prunes);
    tcase_add_test(tc, max_entries_prunes_expired_first);
    tcase_add_test(tc, corrupt_record_counts_as_absent);
    tcase_add_test(tc, corrupt_file_is_refused_with_reason);
    tcase_add_test(tc, truncated_file_is_refused);
    tcase_add_test(tc, missing_directory_is_named);
    tcase_add_test(tc, files_are_private);
    tcase_add_test(tc, bad_keys);
    tcase_add_test(tc, one_handle_per_file_and_process);
    tcase_add_test(tc, adopts_a_grown_map);
    tcase_add_test(tc, threads_count_exactly);
    tcase_add_test(tc, processes_count_exactly);
    tcase_add_test(tc, works_after_chroot_and_setuid);
    tcase_add_test(tc, admission_counts_before_verification);
    tcase_add_test(tc, success_clears_account_and_gives_address_back);
    tcase_add_test(tc, concurrent_guesses_admitted_at_most_limit);
    tcase_add_test(tc, addresses_normalised);
    tcase_add_test(tc, ipv6_counted_per_prefix);
    tcase_add_test(tc, masks_and_address_keys);
    tcase_add_test(tc, networks_parsed);
    tcase_add_test(tc, trusted_networks_keep_the_lan_in);
    tcase_add_test(tc, long_accounts_count_apart);
    tcase_add_test(tc, lockout_account_no_counts_addresses_only);
    tcase_add_test(tc, full_store_keeps_its_locks);
    tcase_add_test(tc, full_store_evicts_unlocked_first);
    tcase_add_loop_test(tc, settings_errors, 0,
			(int) (sizeof(bad_settings) / sizeof(bad_settings[0])));
    tcase_add_test(tc, settings_printed);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_all();
    return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
