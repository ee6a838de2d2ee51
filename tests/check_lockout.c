/*
 * Unit tests of the lockout store (src/lockout.c): the counting rules,
 * listing and clearing, bounds, damaged files, and several processes
 * counting on one key at once.
 */
#define _GNU_SOURCE			/* nftw(3) */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "lockout.h"

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

static struct mg_lockout_entry fail_at(struct mg_lockout *lo, const char *key,
				               const struct mg_lockout_limits *lim, time_t now)
{
    struct mg_lockout_entry e;
    struct mg_error err;

    memset(&e, 0, sizeof(e));
    ck_assert_msg(mg_lockout_fail(lo, key, lim, now, &e, &err) == MG_OK,
		  "fail: %s", err.reason);
    ck_assert_str_eq(e.key, key);
    return (e);
}

static time_t locked_until(struct mg_lockout *lo, const char *key, time_t now)
{
    struct mg_error err;
    time_t  until = -1;

    ck_assert_msg(mg_lockout_check(lo, key, now, &until, &err) == MG_OK,
		  "check: %s", err.reason);
    return (until);
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
    char    longname[MG_LOCKOUT_KEY_MAX * 2];

    ck_assert_str_eq(mg_lockout_key(buf, "user", "alice@example.test"),
		     "user:alice@example.test");
    ck_assert_str_eq(mg_lockout_key(buf, "addr", "2001:db8::1"), "addr:2001:db8::1");
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    mg_lockout_key(buf, "user", longname);
    ck_assert_uint_eq(strlen(buf), MG_LOCKOUT_KEY_MAX);
    ck_assert_int_eq(strncmp(buf, "user:xxx", 8), 0);
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
    ck_assert_int_eq(mg_lockout_fail(lo, "user:bob", &five_in_a_minute, 1060, 0, 0), MG_OK);
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
    ck_assert_int_eq(mg_lockout_reset(lo, "user:alice", &err), MG_OK);
    ck_assert_int_eq(locked_until(lo, "user:alice", 1001), 0);
    ck_assert_str_eq(list(lo, 0, 0).text, "addr:192.0.2.7 1 1000 1000 0;");
    /* Nothing to forget is not an error. */
    ck_assert_int_eq(mg_lockout_reset(lo, "user:nobody", &err), MG_OK);
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
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    lo = open_store(0);
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
	ck_assert_uint_eq(removed, 2);
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
    ck_assert_msg(strstr(err.reason, "/nosuchdir does not exist") != 0, "reason: %s",
		  err.reason);
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
    struct mg_error err;
    char    longkey[MG_LOCKOUT_KEY_MAX + 2];
    time_t  until;

    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = 0;
    ck_assert_int_eq(mg_lockout_fail(lo, "", &five_in_a_minute, 1, 0, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_lockout_fail(lo, longkey, &five_in_a_minute, 1, 0, &err),
		     MG_BADPARAM);
    ck_assert_int_eq(mg_lockout_check(lo, 0, 1, &until, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_lockout_fail(lo, "user:a", 0, 1, 0, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_lockout_fail(lo, "user:a", &five_in_a_minute, -1, 0, &err),
		     MG_BADPARAM);
    longkey[MG_LOCKOUT_KEY_MAX] = 0;		/* the longest allowed */
    ck_assert_int_eq(mg_lockout_fail(lo, longkey, &five_in_a_minute, 1, 0, &err), MG_OK);
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
    time_t  until;

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
	if (mg_lockout_fail(lo, "user:jailed", &lim, 1000, 0, &err) != MG_OK
	    || mg_lockout_fail(lo, "user:jailed", &lim, 1001, 0, &err) != MG_OK
	    || mg_lockout_fail(lo, "user:jailed", &lim, 1002, 0, &err) != MG_OK
	    || mg_lockout_check(lo, "user:jailed", 1003, &until, &err) != MG_OK
	    || until != 1062 || mg_lockout_reset(lo, "user:jailed", &err) != MG_OK
	    || mg_lockout_fail(lo, "user:jailed", &lim, 1004, 0, &err) != MG_OK) {
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
	if (mg_lockout_fail(child, "user:alice", &five_in_a_minute, 1001, 0, &err) != MG_OK)
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
    time_t  until;
    int     n;

    for (n = 0; n < THREAD_FAILURES; n++)
	if (mg_lockout_fail(lo, "user:threads", &lim, 5000, 0, &err) != MG_OK
	    || mg_lockout_check(lo, "user:threads", 5000, &until, &err) != MG_OK
	    || until != 0)
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
		if (mg_lockout_fail(lo, "user:shared", &lim, 5000, 0, &err) != MG_OK)
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
    tcase_add_test(tc, counts_within_window);
    tcase_add_test(tc, window_expiry_restarts_count);
    tcase_add_test(tc, locks_at_exactly_n);
    tcase_add_test(tc, lock_expires);
    tcase_add_test(tc, reset_forgets);
    tcase_add_test(tc, list_with_prefix);
    tcase_add_test(tc, clear_one_and_all);
    tcase_add_test(tc, expire_keeps_locked_and_recent);
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
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_all();
    return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
