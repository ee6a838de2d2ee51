/*++
/* NAME
/*	lockout 3
/* SUMMARY
/*	failure counters and lockouts shared by every process
/* SYNOPSIS
/*	#include "lockout.h"
/*
/*	enum mg_code mg_lockout_open(path, max_entries, store, err)
/*
/*	void	mg_lockout_close(store)
/*
/*	const char *mg_lockout_key(buf, kind, name)
/*
/*	enum mg_code mg_lockout_check(store, key, now, until, err)
/*
/*	enum mg_code mg_lockout_fail(store, key, limits, now, entry, err)
/*
/*	enum mg_code mg_lockout_reset(store, key, err)
/*
/*	enum mg_code mg_lockout_list(store, prefix, visit, context, err)
/*
/*	enum mg_code mg_lockout_clear(store, key, removed, err)
/*
/*	enum mg_code mg_lockout_expire(store, now, horizon, removed, err)
/* DESCRIPTION
/*	The store is one LMDB file (MDB_NOSUBDIR) and its "-lock" file
/*	beside it, both created mode 0600: failure counts say which
/*	accounts are under attack. The directory must exist. Every
/*	smtpd process opens the same file; LMDB's write transactions
/*	serialise the read-modify-write of a counter, so concurrent
/*	failures are all counted.
/*
/*	mg_lockout_open() opens every file descriptor the store will
/*	ever need, so the handle keeps working after a chroot(2) or a
/*	privilege drop. It clears reader slots left by dead processes,
/*	and refuses a file that is not an LMDB store or is shorter than
/*	its own meta page says, with the path and LMDB's reason: a
/*	truncated map would otherwise fault on access instead of failing.
/*	The handle must not be used across fork(2); a child opens its own.
/*	Opening a file that the process already has open returns the same
/*	handle (LMDB allows one per file and process); each open needs its
/*	mg_lockout_close().
/*
/*	A value is a fixed 32-byte record with a version byte. A value
/*	of another size or version (written by something else, or by a
/*	future md5gate), or holding a time before 1970 or absurdly far
/*	ahead, counts as absent: it locks nothing and the next failure
/*	overwrites it.
/*
/*	The store holds at most max_entries keys, and its map size is
/*	derived from that number. When a new key would exceed it, the
/*	same transaction first drops entries neither locked nor failed
/*	within the window, then, if that is not enough, the oldest
/*	unlocked ones and finally the oldest locked ones, down to 90% of
/*	the limit so that pruning is rare. Should the map still fill, the
/*	failure is reported as such, never silently ignored.
/*
/*	mg_lockout_fail() starts a new window when the previous one has
/*	passed or a lock has ended, and sets a lock of limits->duration
/*	seconds when the count reaches limits->failures (never when that
/*	is 0). A failure while locked is counted but does not extend the
/*	lock.
/*
/*	mg_lockout_list() calls the visitor inside a read transaction:
/*	the visitor must not call the store itself.
/* DIAGNOSTICS
/*	MG_BADPARAM for an empty path, an empty or overlong key, or no
/*	limits; MG_NOMEM;
/*	MG_INTERNAL for everything the store itself refuses, with a
/*	reason "lockout store PATH: ...".
/*--*/
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "lockout.h"

 /*
  * The record: version, 3 bytes reserved (zero), failures (32 bits),
  * first_failure, last_failure, locked_until (64 bits each), all big
  * endian so that nothing depends on alignment inside LMDB's pages.
  */
#define RECORD_VERSION	1
#define RECORD_SIZE	32

 /*
  * Times beyond this (the year 36812) or before 1970 are not ours: a
  * record holding one counts as absent, and no arithmetic on times can
  * overflow.
  */
#define RECORD_TIME_MAX	((int64_t) 1 << 40)

 /*
  * Map size: a key of up to MG_LOCKOUT_KEY_MAX bytes, a record and
  * LMDB's node header fit in 512 bytes; half-full pages after splits
  * and copy-on-write double that, and doubling again leaves room for
  * pages that old readers still hold.
  */
#define MAP_BYTES_PER_ENTRY	2048
#define MAP_BYTES_BASE		(1024 * 1024)

struct mg_lockout {
    MDB_env *env;
    MDB_dbi dbi;
    size_t  max_entries;
    char   *path;
    /* The process's open stores, below. */
    struct mg_lockout *next;
    dev_t   dev;
    ino_t   ino;
    pid_t   pid;
    unsigned refs;
    pthread_rwlock_t remap;		/* see begin() */
};

 /*
  * LMDB registers a process as a reader with an fcntl(2) lock, and such
  * locks belong to the process, not the descriptor: closing a second
  * handle on the same file would drop the first one's registration, and
  * another process's mdb_reader_check() could then reuse its reader slot
  * in the middle of a read. So a process shares one counted handle per
  * file; an entry left by the parent before a fork(2) is not reused.
  */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mg_lockout *open_stores;

 /*
  * Errors all name the store, so that a log line says which file.
  */
static enum mg_code store_error(struct mg_lockout *lo, struct mg_error *err,
				        const char *what, int rc)
{
    return (mg_fail(err, MG_INTERNAL, "lockout store %s: %s: %s",
		    lo->path, what, mdb_strerror(rc)));
}

static void put_u32(unsigned char *p, uint32_t v)
{
    int     i;

    for (i = 3; i >= 0; i--, v >>= 8)
	p[i] = (unsigned char) (v & 0xff);
}

static void put_time(unsigned char *p, time_t t)
{
    uint64_t v = (uint64_t) (int64_t) t;
    int     i;

    for (i = 7; i >= 0; i--, v >>= 8)
	p[i] = (unsigned char) (v & 0xff);
}

static uint32_t get_u32(const unsigned char *p)
{
    return ((uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
	    | (uint32_t) p[2] << 8 | (uint32_t) p[3]);
}

static time_t get_time(const unsigned char *p)
{
    uint64_t v = 0;
    int     i;

    for (i = 0; i < 8; i++)
	v = v << 8 | p[i];
    return ((time_t) (int64_t) v);
}

static void encode_record(unsigned char *rec, const struct mg_lockout_entry *e)
{
    memset(rec, 0, RECORD_SIZE);
    rec[0] = RECORD_VERSION;
    put_u32(rec + 4, e->failures);
    put_time(rec + 8, e->first_failure);
    put_time(rec + 16, e->last_failure);
    put_time(rec + 24, e->locked_until);
}

 /*
  * Decode a value; 0 when it is not a record of ours (treated as absent).
  */
static int time_ok(time_t t)
{
    return ((int64_t) t >= 0 && (int64_t) t <= RECORD_TIME_MAX);
}

static int decode_record(const MDB_val *val, struct mg_lockout_entry *e)
{
    const unsigned char *rec = val->mv_data;

    if (val->mv_size != RECORD_SIZE || rec[0] != RECORD_VERSION)
	return (0);
    e->failures = get_u32(rec + 4);
    e->first_failure = get_time(rec + 8);
    e->last_failure = get_time(rec + 16);
    e->locked_until = get_time(rec + 24);
    return (time_ok(e->first_failure) && time_ok(e->last_failure)
	    && time_ok(e->locked_until));
}

static void entry_key(struct mg_lockout_entry *e, const MDB_val *key)
{
    size_t  len = key->mv_size > MG_LOCKOUT_KEY_MAX ? MG_LOCKOUT_KEY_MAX : key->mv_size;

    memcpy(e->key, key->mv_data, len);
    e->key[len] = 0;
}

static enum mg_code check_key(const char *key, MDB_val *val, struct mg_error *err)
{
    size_t  len;

    if (key == 0 || (len = strlen(key)) == 0)
	return (mg_fail(err, MG_BADPARAM, "lockout: empty key"));
    if (len > MG_LOCKOUT_KEY_MAX)
	return (mg_fail(err, MG_BADPARAM, "lockout: key longer than %d bytes",
			MG_LOCKOUT_KEY_MAX));
    val->mv_data = (void *) key;
    val->mv_size = len;
    return (MG_OK);
}

 /*
  * Begin a transaction. Another process may have opened the store with
  * a larger map (a larger max_entries) and grown the file beyond ours:
  * adopt its size and try again. Remapping must not pull the map from
  * under another thread's transaction (MDB_NOTLS lets threads share the
  * handle), so every transaction holds the remap lock for reading, and
  * a remap takes it for writing.
  */
static int begin(struct mg_lockout *lo, unsigned flags, MDB_txn **txn)
{
    int     rc;

    pthread_rwlock_rdlock(&lo->remap);
    if ((rc = mdb_txn_begin(lo->env, 0, flags, txn)) == MDB_MAP_RESIZED) {
	pthread_rwlock_unlock(&lo->remap);
	pthread_rwlock_wrlock(&lo->remap);
	rc = mdb_env_set_mapsize(lo->env, 0);
	pthread_rwlock_unlock(&lo->remap);
	pthread_rwlock_rdlock(&lo->remap);
	if (rc == 0)
	    rc = mdb_txn_begin(lo->env, 0, flags, txn);
    }
    if (rc != 0)
	pthread_rwlock_unlock(&lo->remap);
    return (rc);
}

static void end(struct mg_lockout *lo, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&lo->remap);
}

static int commit(struct mg_lockout *lo, MDB_txn *txn)
{
    int     rc = mdb_txn_commit(txn);

    pthread_rwlock_unlock(&lo->remap);
    return (rc);
}

 /*
  * The directory must exist: LMDB would only say "No such file or
  * directory", which does not tell which part is missing.
  */
static enum mg_code check_directory(const char *path, struct mg_error *err)
{
    const char *slash = strrchr(path, '/');
    char   *dir;
    struct stat st;
    enum mg_code code = MG_OK;

    if (slash == 0 || slash == path)
	return (MG_OK);
    if ((dir = strndup(path, (size_t) (slash - path))) == 0)
	return (mg_fail(err, MG_NOMEM, "lockout store: out of memory"));
    if (stat(dir, &st) < 0) {
	if (errno == ENOENT)
	    code = mg_fail(err, MG_INTERNAL, "lockout store %s: directory %s "
			   "does not exist", path, dir);
	else
	    code = mg_fail(err, MG_INTERNAL, "lockout store %s: directory %s: %s",
			   path, dir, strerror(errno));
    } else if (!S_ISDIR(st.st_mode))
	code = mg_fail(err, MG_INTERNAL, "lockout store %s: %s is not a directory",
		       path, dir);
    free(dir);
    return (code);
}

 /*
  * A file cut short after its meta pages were written would make LMDB
  * touch pages beyond the end of the file, which is a SIGBUS, not an
  * error code. Compare the size with what the meta page claims.
  */
static enum mg_code check_file_size(struct mg_lockout *lo, struct mg_error *err)
{
    MDB_envinfo info;
    MDB_stat st;
    mdb_filehandle_t fd;
    struct stat fst;
    int     rc;

    if ((rc = mdb_env_info(lo->env, &info)) != 0
	|| (rc = mdb_env_stat(lo->env, &st)) != 0
	|| (rc = mdb_env_get_fd(lo->env, &fd)) != 0)
	return (store_error(lo, err, "cannot inspect", rc));
    if (fstat(fd, &fst) < 0)
	return (store_error(lo, err, "cannot inspect", errno));
    if ((uint64_t) fst.st_size < ((uint64_t) info.me_last_pgno + 1) * st.ms_psize)
	return (mg_fail(err, MG_INTERNAL, "lockout store %s: file is truncated "
			"(%lld bytes, its meta page says %llu)", lo->path,
			(long long) fst.st_size,
			(unsigned long long) (info.me_last_pgno + 1) * st.ms_psize));
    return (MG_OK);
}

 /*
  * Open the main database and read its first entry: a damaged root page
  * shows here, at initialisation, rather than at the first login.
  */
static enum mg_code open_dbi(struct mg_lockout *lo, struct mg_error *err)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val key, val;
    int     rc;

    if ((rc = begin(lo, MDB_RDONLY, &txn)) != 0)
	return (store_error(lo, err, "cannot read", rc));
    if ((rc = mdb_dbi_open(txn, 0, 0, &lo->dbi)) != 0) {
	end(lo, txn);
	return (store_error(lo, err, "cannot open the database", rc));
    }
    if ((rc = mdb_cursor_open(txn, lo->dbi, &cur)) == 0) {
	rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST);
	mdb_cursor_close(cur);
    }
    end(lo, txn);
    if (rc != 0 && rc != MDB_NOTFOUND)
	return (store_error(lo, err, "cannot read", rc));
    return (MG_OK);
}

static void free_store(struct mg_lockout *lo)
{
    if (lo->env)
	mdb_env_close(lo->env);
    pthread_rwlock_destroy(&lo->remap);
    free(lo->path);
    free(lo);
}

void    mg_lockout_close(struct mg_lockout *lo)
{
    struct mg_lockout **pp;

    if (lo == 0)
	return;
    pthread_mutex_lock(&open_lock);
    if (lo->refs > 1) {
	lo->refs--;
	pthread_mutex_unlock(&open_lock);
	return;
    }
    for (pp = &open_stores; *pp; pp = &(*pp)->next) {
	if (*pp == lo) {
	    *pp = lo->next;
	    break;
	}
    }
    pthread_mutex_unlock(&open_lock);
    free_store(lo);
}

 /*
  * This process's handle on the file at path, if it has one.
  */
static struct mg_lockout *find_open(const char *path)
{
    struct mg_lockout *lo;
    struct stat st;

    if (stat(path, &st) < 0)
	return (0);
    for (lo = open_stores; lo; lo = lo->next)
	if (lo->dev == st.st_dev && lo->ino == st.st_ino && lo->pid == getpid())
	    return (lo);
    return (0);
}

static enum mg_code open_new(const char *, size_t, struct mg_lockout **,
			             struct mg_error *);

enum mg_code mg_lockout_open(const char *path, size_t max_entries,
			             struct mg_lockout **out, struct mg_error *err)
{
    struct mg_lockout *lo;
    enum mg_code code = MG_OK;

    *out = 0;
    if (path == 0 || *path == 0)
	return (mg_fail(err, MG_BADPARAM, "lockout store: empty path"));
    pthread_mutex_lock(&open_lock);
    if ((lo = find_open(path)) != 0) {
	lo->refs++;
    } else if ((code = open_new(path, max_entries, &lo, err)) == MG_OK) {
	lo->next = open_stores;
	open_stores = lo;
    }
    pthread_mutex_unlock(&open_lock);
    *out = code == MG_OK ? lo : 0;
    return (code);
}

static enum mg_code open_new(const char *path, size_t max_entries,
			             struct mg_lockout **out, struct mg_error *err)
{
    struct mg_lockout *lo;
    struct stat st;
    mdb_filehandle_t fd;
    size_t  mapsize;
    int     dead;
    int     rc;
    enum mg_code code;

    if (max_entries == 0)
	max_entries = MG_LOCKOUT_DEFAULT_MAX;
    if (max_entries > (SIZE_MAX - MAP_BYTES_BASE) / MAP_BYTES_PER_ENTRY)
	return (mg_fail(err, MG_BADPARAM, "lockout store %s: max_entries %zu is too large",
			path, max_entries));
    if ((code = check_directory(path, err)) != MG_OK)
	return (code);
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
	return (mg_fail(err, MG_INTERNAL, "lockout store %s: not a regular file", path));
    if ((lo = calloc(1, sizeof(*lo))) == 0 || (lo->path = strdup(path)) == 0) {
	free(lo);
	return (mg_fail(err, MG_NOMEM, "lockout store: out of memory"));
    }
    pthread_rwlock_init(&lo->remap, 0);
    lo->max_entries = max_entries;
    mapsize = MAP_BYTES_BASE + max_entries * MAP_BYTES_PER_ENTRY;
    if ((rc = mdb_env_create(&lo->env)) != 0) {
	code = store_error(lo, err, "cannot create the environment", rc);
	lo->env = 0;
	free_store(lo);
	return (code);
    }

    /*
     * MDB_NOTLS: reader slots belong to transactions, not threads, so a
     * threaded application may use the handle from any thread.
     * MDB_NOMETASYNC: one flush per counted failure instead of two (an
     * attack is a stream of failures); a system crash can then undo the
     * last count, but never damage the file.
     */
    if ((rc = mdb_env_set_mapsize(lo->env, mapsize)) != 0
	|| (rc = mdb_env_open(lo->env, path,
			      MDB_NOSUBDIR | MDB_NOTLS | MDB_NOMETASYNC, 0600)) != 0) {
	code = store_error(lo, err, "cannot open", rc);
	free_store(lo);
	return (code);
    }
    if ((rc = mdb_reader_check(lo->env, &dead)) != 0) {
	code = store_error(lo, err, "cannot check the reader table", rc);
	free_store(lo);
	return (code);
    }
    if ((code = check_file_size(lo, err)) != MG_OK
	|| (code = open_dbi(lo, err)) != MG_OK) {
	free_store(lo);
	return (code);
    }
    if ((rc = mdb_env_get_fd(lo->env, &fd)) != 0 || fstat(fd, &st) < 0) {
	code = store_error(lo, err, "cannot inspect", rc ? rc : errno);
	free_store(lo);
	return (code);
    }
    lo->dev = st.st_dev;
    lo->ino = st.st_ino;
    lo->pid = getpid();
    lo->refs = 1;
    *out = lo;
    return (MG_OK);
}

const char *mg_lockout_key(char *buf, const char *kind, const char *name)
{
    snprintf(buf, MG_LOCKOUT_KEY_MAX + 1, "%s:%s", kind ? kind : "",
	     name ? name : "");
    return (buf);
}

enum mg_code mg_lockout_check(struct mg_lockout *lo, const char *key, time_t now,
			              time_t *until, struct mg_error *err)
{
    MDB_txn *txn;
    MDB_val k, v;
    struct mg_lockout_entry e;
    enum mg_code code;
    int     rc;

    *until = 0;
    if ((code = check_key(key, &k, err)) != MG_OK)
	return (code);
    if ((rc = begin(lo, MDB_RDONLY, &txn)) != 0)
	return (store_error(lo, err, "cannot read", rc));
    rc = mdb_get(txn, lo->dbi, &k, &v);
    if (rc == 0 && decode_record(&v, &e) && e.locked_until > now)
	*until = e.locked_until;
    end(lo, txn);
    if (rc != 0 && rc != MDB_NOTFOUND)
	return (store_error(lo, err, "cannot read", rc));
    return (MG_OK);
}

 /*
  * Pruning. The rank orders victims: unlocked entries before locked
  * ones, each by age of the last failure; entries that are not records
  * of ours go first of all.
  */
#define RANK_LOCKED	((int64_t) 1 << 62)

static int64_t rank(const MDB_val *val, time_t now)
{
    struct mg_lockout_entry e;

    if (!decode_record(val, &e))
	return (INT64_MIN);
    return ((e.locked_until > now ? RANK_LOCKED : 0) + (int64_t) e.last_failure);
}

static int cmp_rank(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

    return (x < y ? -1 : x > y);
}

 /*
  * Delete, in one pass in key order, entries whose rank is at most
  * cutoff, no more than budget of them.
  */
static int delete_pass(struct mg_lockout *lo, MDB_txn *txn, time_t now,
		               int64_t cutoff, size_t budget, size_t *removed)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int     rc;

    if (budget == 0)
	return (0);
    if ((rc = mdb_cursor_open(txn, lo->dbi, &cur)) != 0)
	return (rc);
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	 rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
	if (rank(&v, now) > cutoff)
	    continue;
	if ((rc = mdb_cursor_del(cur, 0)) != 0)
	    break;
	(*removed)++;
	if (--budget == 0)
	    break;
    }
    mdb_cursor_close(cur);
    return (rc == MDB_NOTFOUND ? 0 : rc);
}

static int count_entries(struct mg_lockout *lo, MDB_txn *txn, size_t *count)
{
    MDB_stat st;
    int     rc;

    if ((rc = mdb_stat(txn, lo->dbi, &st)) == 0)
	*count = st.ms_entries;
    return (rc);
}

 /*
  * Make room for one more key: first what the window has forgotten
  * anyway (unlocked, no failure within horizon seconds), then by rank.
  */
static int prune(struct mg_lockout *lo, MDB_txn *txn, time_t now, time_t horizon)
{
    MDB_cursor *cur;
    MDB_val k, v;
    size_t  count, target, n, removed = 0;
    int64_t *ranks;
    int64_t cutoff;
    int     rc;

    if ((rc = count_entries(lo, txn, &count)) != 0 || count < lo->max_entries)
	return (rc);
    target = lo->max_entries - lo->max_entries / 10;
    if (target >= lo->max_entries)
	target = lo->max_entries - 1;
    /* Unlocked and older than the horizon: rank below now - horizon. */
    if ((rc = delete_pass(lo, txn, now, (int64_t) (now - horizon) - 1,
			  count - target, &removed)) != 0)
	return (rc);
    count -= removed;
    if (count <= target)
	return (0);
    if ((ranks = malloc(count * sizeof(*ranks))) == 0)
	return (ENOMEM);
    n = 0;
    if ((rc = mdb_cursor_open(txn, lo->dbi, &cur)) == 0) {
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < count;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
	    ranks[n++] = rank(&v, now);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
	    rc = 0;
    }
    /*
     * Everything below the cutoff rank goes, then as many of those at
     * the cutoff as are still needed; in that order, because the pass
     * walks in key order, not in rank order.
     */
    if (rc == 0 && n > target) {
	qsort(ranks, n, sizeof(*ranks), cmp_rank);
	cutoff = ranks[n - target - 1];
	removed = 0;
	if (cutoff > INT64_MIN)
	    rc = delete_pass(lo, txn, now, cutoff - 1, n - target, &removed);
	if (rc == 0)
	    rc = delete_pass(lo, txn, now, cutoff, n - target - removed, &removed);
    }
    free(ranks);
    return (rc);
}

 /*
  * The counting rule, on an entry read from the store (zeroed when
  * absent).
  */
static void count_failure(struct mg_lockout_entry *e,
			          const struct mg_lockout_limits *limits, time_t now)
{
    if (e->locked_until > now) {
	if (e->failures < UINT32_MAX)
	    e->failures++;
    } else if (e->locked_until != 0 || e->failures == 0
	       || now < e->first_failure
	       || now - e->first_failure >= (time_t) limits->window) {
	e->failures = 1;
	e->first_failure = now;
	e->locked_until = 0;
    } else if (e->failures < UINT32_MAX) {
	e->failures++;
    }
    e->last_failure = now;
    if (limits->failures > 0 && e->failures >= limits->failures
	&& e->locked_until <= now) {
	e->locked_until = now + (time_t) limits->duration;
	if ((int64_t) e->locked_until > RECORD_TIME_MAX)
	    e->locked_until = (time_t) RECORD_TIME_MAX;
    }
}

enum mg_code mg_lockout_fail(struct mg_lockout *lo, const char *key,
			             const struct mg_lockout_limits *limits, time_t now,
			             struct mg_lockout_entry *entry, struct mg_error *err)
{
    MDB_txn *txn;
    MDB_val k, v;
    struct mg_lockout_entry e;
    unsigned char rec[RECORD_SIZE];
    enum mg_code code;
    int     rc;
    const char *what = "cannot read";

    if ((code = check_key(key, &k, err)) != MG_OK)
	return (code);
    if (limits == 0)
	return (mg_fail(err, MG_BADPARAM, "lockout: no limits"));
    if (!time_ok(now))
	return (mg_fail(err, MG_BADPARAM, "lockout: time %lld out of range",
			(long long) now));
    if ((rc = begin(lo, 0, &txn)) != 0)
	return (store_error(lo, err, "cannot update", rc));
    memset(&e, 0, sizeof(e));
    rc = mdb_get(txn, lo->dbi, &k, &v);
    if (rc == MDB_NOTFOUND || (rc == 0 && !decode_record(&v, &e))) {
	memset(&e, 0, sizeof(e));
	if (rc == MDB_NOTFOUND) {
	    what = "cannot make room";
	    rc = prune(lo, txn, now, (time_t) limits->window);
	} else {
	    rc = 0;
	}
    }
    if (rc == 0) {
	count_failure(&e, limits, now);
	encode_record(rec, &e);
	v.mv_data = rec;
	v.mv_size = RECORD_SIZE;
	what = "cannot update";
	if ((rc = mdb_put(txn, lo->dbi, &k, &v, 0)) == 0) {
	    rc = commit(lo, txn);
	    txn = 0;
	}
    }
    if (txn)
	end(lo, txn);
    if (rc == MDB_MAP_FULL)
	return (mg_fail(err, MG_INTERNAL, "lockout store %s: full, failure not "
			"counted: %s", lo->path, mdb_strerror(rc)));
    if (rc != 0)
	return (store_error(lo, err, what, rc));
    if (entry) {
	strcpy(e.key, key);
	*entry = e;
    }
    return (MG_OK);
}

enum mg_code mg_lockout_reset(struct mg_lockout *lo, const char *key,
			              struct mg_error *err)
{
    MDB_txn *txn;
    MDB_val k, v;
    enum mg_code code;
    int     rc;

    if ((code = check_key(key, &k, err)) != MG_OK)
	return (code);

    /*
     * Every success lands here: look before taking the writer lock, so
     * that the common case (nothing to forget) never waits for it.
     */
    if ((rc = begin(lo, MDB_RDONLY, &txn)) != 0)
	return (store_error(lo, err, "cannot read", rc));
    rc = mdb_get(txn, lo->dbi, &k, &v);
    end(lo, txn);
    if (rc == MDB_NOTFOUND)
	return (MG_OK);
    if (rc != 0)
	return (store_error(lo, err, "cannot read", rc));
    if ((rc = begin(lo, 0, &txn)) != 0)
	return (store_error(lo, err, "cannot update", rc));
    if ((rc = mdb_del(txn, lo->dbi, &k, 0)) == 0 || rc == MDB_NOTFOUND)
	rc = commit(lo, txn);
    else
	end(lo, txn);
    if (rc != 0)
	return (store_error(lo, err, "cannot update", rc));
    return (MG_OK);
}

enum mg_code mg_lockout_list(struct mg_lockout *lo, const char *prefix,
			             mg_lockout_visit_fn visit, void *context,
			             struct mg_error *err)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    struct mg_lockout_entry e;
    size_t  plen = prefix ? strlen(prefix) : 0;
    int     rc;

    if ((rc = begin(lo, MDB_RDONLY, &txn)) != 0)
	return (store_error(lo, err, "cannot read", rc));
    if ((rc = mdb_cursor_open(txn, lo->dbi, &cur)) != 0) {
	end(lo, txn);
	return (store_error(lo, err, "cannot read", rc));
    }
    k.mv_data = (void *) prefix;
    k.mv_size = plen;
    rc = plen ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)
	: mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
	if (plen > 0
	    && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)) {
	    rc = MDB_NOTFOUND;
	    break;
	}
	if (!decode_record(&v, &e))
	    continue;
	entry_key(&e, &k);
	if (visit(&e, context) == 0) {
	    rc = MDB_NOTFOUND;
	    break;
	}
    }
    mdb_cursor_close(cur);
    end(lo, txn);
    if (rc != MDB_NOTFOUND)
	return (store_error(lo, err, "cannot read", rc));
    return (MG_OK);
}

enum mg_code mg_lockout_clear(struct mg_lockout *lo, const char *key,
			              size_t *removed, struct mg_error *err)
{
    MDB_txn *txn;
    MDB_val k;
    size_t  count = 0;
    enum mg_code code;
    int     rc;

    if (removed)
	*removed = 0;
    if (key != 0 && (code = check_key(key, &k, err)) != MG_OK)
	return (code);
    if ((rc = begin(lo, 0, &txn)) != 0)
	return (store_error(lo, err, "cannot update", rc));
    if (key == 0) {
	if ((rc = count_entries(lo, txn, &count)) == 0)
	    rc = mdb_drop(txn, lo->dbi, 0);
    } else if ((rc = mdb_del(txn, lo->dbi, &k, 0)) == 0) {
	count = 1;
    } else if (rc == MDB_NOTFOUND) {
	rc = 0;
    }
    if (rc == 0)
	rc = commit(lo, txn);
    else
	end(lo, txn);
    if (rc != 0)
	return (store_error(lo, err, "cannot update", rc));
    if (removed)
	*removed = count;
    return (MG_OK);
}

enum mg_code mg_lockout_expire(struct mg_lockout *lo, time_t now, time_t horizon,
			               size_t *removed, struct mg_error *err)
{
    MDB_txn *txn;
    size_t  count = 0;
    int     rc;

    if (removed)
	*removed = 0;
    if ((rc = begin(lo, 0, &txn)) != 0)
	return (store_error(lo, err, "cannot update", rc));
    if ((rc = delete_pass(lo, txn, now, (int64_t) (now - horizon) - 1,
			  SIZE_MAX, &count)) == 0)
	rc = commit(lo, txn);
    else
	end(lo, txn);
    if (rc != 0)
	return (store_error(lo, err, "cannot update", rc));
    if (removed)
	*removed = count;
    return (MG_OK);
}
