/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	lockout 3
/* SUMMARY
/*	failure counters and lockouts shared by every process
/* SYNOPSIS
/*	#include "lockout.h"
/*
/*	enum mg_code mg_lockout_open(path, max_entries, out, err)
/*
/*	void	mg_lockout_close(lo)
/*
/*	const char *mg_lockout_key(buf, kind, name)
/*
/*	void	mg_lockout_ticket_init(t, limits, enforce)
/*
/*	enum mg_code mg_lockout_ticket_add(t, key, role, err)
/*
/*	enum mg_code mg_lockout_admit(lo, t, now, err)
/*
/*	enum mg_code mg_lockout_settle(lo, t, result, err)
/*
/*	const char *mg_lockout_address_key(buf, addr, ipv4_prefix, ipv6_prefix)
/*
/*	enum mg_code mg_lockout_list(lo, prefix, visit, context, err)
/*
/*	enum mg_code mg_lockout_clear(lo, key, removed, err)
/*
/*	enum mg_code mg_lockout_expire(lo, now, window, removed, err)
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
/*	derived from that number. When new keys would exceed it, the same
/*	transaction first drops entries neither locked nor failed within
/*	the window, then the oldest unlocked ones, down to 90% of the limit
/*	so that pruning is rare. Locked entries are never dropped: a store
/*	filled with made-up names must not lift a lock. When only locked
/*	entries are left, admission says so (MG_LOCKOUT_STORE_FULL) and
/*	counts nothing; the caller decides (lockout_store_failure). Should
/*	the map itself fill, the failure is reported as such, never
/*	silently ignored.
/*
/*	An attempt goes through the store with a ticket: its keys, each
/*	with a role (an account counter, an address counter, or a guard
/*	that is only looked at). mg_lockout_admit() reads every key and,
/*	in the same write transaction, counts the attempt as a failure
/*	under each counted key, before the password is verified. A locked
/*	key refuses the attempt without counting it (unless the ticket is
/*	not enforced: audit-only mode counts and admits). LMDB serialises
/*	write transactions across processes, so of N attempts at once on
/*	one key at most limits->failures are admitted: the one that
/*	reaches the limit sets the lock that refuses the rest.
/*
/*	mg_lockout_settle() then takes back what the outcome does not
/*	deserve: nothing after a failed guess; after a success the account
/*	counters are cleared and the address counters get the attempt back;
/*	anything that was not a guess (a malformed response, a failure of
/*	the server) gets it back everywhere. Giving back lifts a lock that
/*	the count no longer reaches, and only in the window the attempt was
/*	counted in. A process that dies in between leaves the attempt
/*	counted as a failure.
/*
/*	Counting starts a new window when the previous one has passed or a
/*	lock has ended, and sets a lock of limits->duration seconds when
/*	the count reaches limits->failures (never when that is 0). A
/*	failure counted while locked (audit-only) does not extend the lock.
/*
/*	mg_lockout_key() names an account's counter "KIND:NAME", NAME in
/*	ASCII lower case. A name too long for MG_LOCKOUT_KEY_MAX is named
/*	"KIND#sha256:HEX" after the SHA-256 of the whole lower-cased name
/*	instead of being cut, so that two long names with a common
/*	beginning never share a counter; names that fit keep their plain
/*	key. The plugin, both stores and md5gate
/*	lockout all name keys with this one function.
/*
/*	A key that could not be added to a ticket (no key, an overlong one,
/*	one given twice) leaves the ticket incomplete, and admitting it
/*	fails as the store would: the attempt must not go uncounted.
/*
/*	mg_lockout_address_key() names the counter of the network of the
/*	given prefix length around a client address (read by mg_addr(3):
/*	an IPv4-mapped IPv6 address is the IPv4 address, and every spelling
/*	of an IPv6 address is the same).
/*
/*	mg_lockout_list() calls the visitor inside a read transaction:
/*	the visitor must not call the store itself.
/*
/*	mg_lockout_expire() removes, in one write transaction, the entries
/*	that no longer count at now with a window of window seconds: not
/*	locked, and with a lock that has ended or a window (from the first
/*	failure) that has passed, so that the next failure would start
/*	afresh anyway; and values that are not md5gate's. With the longest
/*	window the policy gives, removing them changes no decision. Other
/*	processes may count meanwhile: LMDB serialises the transactions.
/*	md5gate lockout prune is its caller.
/* DIAGNOSTICS
/*	MG_BADPARAM for an empty path, an empty or overlong key, a key
/*	given twice or too many keys in a ticket, admitting a ticket left
/*	incomplete by any of these, a time out of range;
/*	MG_NOMEM;
/*	MG_INTERNAL for everything the store itself refuses, with a
/*	reason "lockout store PATH: ...".
/*--*/
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>
#include <openssl/evp.h>

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

/*
 * Copy a key into an entry; 0 when it cannot be one of ours (longer than
 * any key md5gate writes, or holding a NUL): cut or shown up to the NUL,
 * another program's key could pass for an account's.
 */
static int entry_key(struct mg_lockout_entry *e, const MDB_val *key)
{
    if (key->mv_size == 0 || key->mv_size > MG_LOCKOUT_KEY_MAX
	|| memchr(key->mv_data, 0, key->mv_size) != 0)
	return (0);
    memcpy(e->key, key->mv_data, key->mv_size);
    e->key[key->mv_size] = 0;
    return (1);
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
	    code = mg_fail(err, MG_INTERNAL, "lockout store %s: its directory "
			   "does not exist", path);
	else
	    code = mg_fail(err, MG_INTERNAL, "lockout store %s: its directory: %s",
			   path, strerror(errno));
    } else if (!S_ISDIR(st.st_mode))
	code = mg_fail(err, MG_INTERNAL, "lockout store %s: its directory is not "
		       "a directory", path);
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

/*
 * Keys ignore ASCII case: a password store that does (LDAP, most SQL
 * collations) accepts "Bob" for bob, and a counter per spelling would
 * give an attacker lockout_failures guesses per spelling. Two accounts
 * that differ only in case share a counter, which only ever locks
 * sooner.
 */
static void fold_ascii(char *dst, const char *src, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++)
	dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (char) (src[i] - 'A' + 'a') : src[i];
}

static int digest_folded(const char *name, size_t len, unsigned char *md,
			         unsigned int *mdlen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    char    chunk[256];
    size_t  n;
    int     ok;

    ok = ctx != 0 && EVP_DigestInit_ex(ctx, EVP_sha256(), (ENGINE *) 0) == 1;
    for (; ok && len > 0; name += n, len -= n) {
	n = len < sizeof(chunk) ? len : sizeof(chunk);
	fold_ascii(chunk, name, n);
	ok = EVP_DigestUpdate(ctx, chunk, n) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, mdlen) == 1 && *mdlen == 32;
    EVP_MD_CTX_free(ctx);
    return (ok);
}

const char *mg_lockout_key(char *buf, const char *kind, const char *name)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t  klen, nlen, i;
    char   *p;

    kind = kind ? kind : "";
    name = name ? name : "";
    klen = strlen(kind);
    nlen = strlen(name);
    if (klen + 1 + nlen <= MG_LOCKOUT_KEY_MAX) {
	memcpy(buf, kind, klen);
	buf[klen] = ':';
	fold_ascii(buf + klen + 1, name, nlen + 1);
	return (buf);
    }
    if (klen + MG_LOCKOUT_DIGEST_KEY_LEN > MG_LOCKOUT_KEY_MAX
	|| !digest_folded(name, nlen, md, &mdlen))
	return (0);
    memcpy(buf, kind, klen);
    p = buf + klen;
    memcpy(p, "#sha256:", 8);
    p += 8;
    for (i = 0; i < mdlen; i++) {
	*p++ = hex[md[i] >> 4];
	*p++ = hex[md[i] & 15];
    }
    *p = 0;
    return (buf);
}

 /*
  * Pruning. Locked entries are never evicted: a full store must not be
  * a way to lift a lock. Among the others, entries that are not records
  * of ours go first, then by age of the last failure. The keys of the
  * attempt being counted are kept too.
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

static int in_ticket(const MDB_val *key, const struct mg_lockout_ticket *keep)
{
    size_t  i;

    for (i = 0; keep && i < keep->nkeys; i++)
	if (strlen(keep->keys[i].name) == key->mv_size
	    && memcmp(keep->keys[i].name, key->mv_data, key->mv_size) == 0)
	    return (1);
    return (0);
}

 /*
  * An entry that pruning may delete: not locked, not one of keep's.
  */
static int evictable(const MDB_val *key, const MDB_val *val, time_t now,
		             const struct mg_lockout_ticket *keep, int64_t *r)
{
    *r = rank(val, now);
    return (*r < RANK_LOCKED && !in_ticket(key, keep));
}

 /*
  * Delete, in one pass in key order, evictable entries whose rank is at
  * most cutoff, no more than budget of them.
  */
static int delete_pass(struct mg_lockout *lo, MDB_txn *txn, time_t now,
		               int64_t cutoff, size_t budget,
		               const struct mg_lockout_ticket *keep, size_t *removed)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int64_t r;
    int     rc;

    if (budget == 0)
	return (0);
    if ((rc = mdb_cursor_open(txn, lo->dbi, &cur)) != 0)
	return (rc);
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	 rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
	if (!evictable(&k, &v, now, keep, &r) || r > cutoff)
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
  * The ranks of every evictable entry, in *ranks (malloc'ed).
  */
static int evictable_ranks(struct mg_lockout *lo, MDB_txn *txn, time_t now,
			           const struct mg_lockout_ticket *keep, size_t count,
			           int64_t **ranks, size_t *n)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int64_t r;
    int     rc;

    *n = 0;
    if ((*ranks = malloc((count ? count : 1) * sizeof(**ranks))) == 0)
	return (ENOMEM);
    if ((rc = mdb_cursor_open(txn, lo->dbi, &cur)) != 0)
	return (rc);
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && *n < count;
	 rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
	if (evictable(&k, &v, now, keep, &r))
	    (*ranks)[(*n)++] = r;
    mdb_cursor_close(cur);
    return (rc == MDB_NOTFOUND || rc == 0 ? 0 : rc);
}

 /*
  * Make room for need more keys: first what the window has forgotten
  * anyway (unlocked, no failure within horizon seconds), then the
  * oldest unlocked ones, down to 90% of the bound so that pruning is
  * rare. *full says that only locked entries (and keep's) are left and
  * there is still no room.
  */
static int prune(struct mg_lockout *lo, MDB_txn *txn, time_t now, time_t horizon,
		         size_t need, const struct mg_lockout_ticket *keep, int *full)
{
    size_t  count, target, n, removed = 0;
    int64_t *ranks = 0;
    int64_t cutoff;
    int     rc;

    *full = 0;
    if ((rc = count_entries(lo, txn, &count)) != 0 || count + need <= lo->max_entries)
	return (rc);
    target = lo->max_entries - lo->max_entries / 10;
    if (target + need > lo->max_entries)
	target = lo->max_entries > need ? lo->max_entries - need : 0;
    if ((rc = delete_pass(lo, txn, now, (int64_t) (now - horizon) - 1,
			  count > target ? count - target : 0, keep, &removed)) != 0)
	return (rc);
    count -= removed;
    if (count > target) {
	if ((rc = evictable_ranks(lo, txn, now, keep, count, &ranks, &n)) == 0 && n > 0) {
	    size_t  r = count - target < n ? count - target : n;

	    /*
	     * Everything below the cutoff rank goes, then as many of
	     * those at the cutoff as are still needed; in that order,
	     * because the pass walks in key order, not in rank order.
	     */
	    qsort(ranks, n, sizeof(*ranks), cmp_rank);
	    cutoff = ranks[r - 1];
	    removed = 0;
	    if (cutoff > INT64_MIN)
		rc = delete_pass(lo, txn, now, cutoff - 1, r, keep, &removed);
	    if (rc == 0)
		rc = delete_pass(lo, txn, now, cutoff, r - removed, keep, &removed);
	}
	free(ranks);
	if (rc == 0)
	    rc = count_entries(lo, txn, &count);
    }
    if (rc == 0 && count + need > lo->max_entries)
	*full = 1;
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

/* Client addresses. */

 /*
  * Dotted decimal, as inet_ntop() writes it (which takes sprintf() for
  * each address).
  */
static void ipv4_text(char *text, const unsigned char *bytes)
{
    char   *p = text;
    int     i;

    for (i = 0; i < 4; i++) {
	if (i > 0)
	    *p++ = '.';
	if (bytes[i] >= 100)
	    *p++ = (char) ('0' + bytes[i] / 100);
	if (bytes[i] >= 10)
	    *p++ = (char) ('0' + bytes[i] / 10 % 10);
	*p++ = (char) ('0' + bytes[i] % 10);
    }
    *p = 0;
}

const char *mg_lockout_address_key(char *buf, const struct mg_addr *addr,
				           unsigned ipv4_prefix, unsigned ipv6_prefix)
{
    struct mg_addr net = *addr;
    unsigned prefix = addr->family == AF_INET ? ipv4_prefix : ipv6_prefix;
    unsigned max = mg_addr_max_prefix(addr->family);
    char    text[INET6_ADDRSTRLEN];
    size_t  len;
    char   *p;

    if (prefix > max)
	prefix = max;
    mg_addr_mask(&net, prefix);
    if (net.family == AF_INET)
	ipv4_text(text, net.bytes);
    else if (inet_ntop(net.family, net.bytes, text, sizeof(text)) == 0)
	strcpy(text, "?");
    /* "addr:TEXT" or "addr:TEXT/PREFIX" without printf (once per attempt). */
    len = strlen(text);
    memcpy(buf, "addr:", 5);
    memcpy(buf + 5, text, len);
    p = buf + 5 + len;
    if (prefix < max) {
	*p++ = '/';
	if (prefix >= 100)
	    *p++ = (char) ('0' + prefix / 100);
	if (prefix >= 10)
	    *p++ = (char) ('0' + prefix / 10 % 10);
	*p++ = (char) ('0' + prefix % 10);
    }
    *p = 0;
    return (buf);
}

/* Admission. */

void    mg_lockout_ticket_init(struct mg_lockout_ticket *t,
			               const struct mg_lockout_limits *limits, int enforce)
{
    memset(t, 0, sizeof(*t));
    if (limits)
	t->limits = *limits;
    t->enforce = enforce;
    t->decision = MG_LOCKOUT_ADMITTED;
    t->locked = -1;
}

enum mg_code mg_lockout_ticket_add(struct mg_lockout_ticket *t, const char *key,
				           enum mg_lockout_role role, struct mg_error *err)
{
    MDB_val k;
    enum mg_code code;
    size_t  i;

    /* Until the key is in: a key left out must not mean "not counted". */
    t->incomplete++;
    if ((code = check_key(key, &k, err)) != MG_OK)
	return (code);
    if (t->nkeys >= MG_LOCKOUT_TICKET_KEYS)
	return (mg_fail(err, MG_BADPARAM, "lockout: more than %d keys for one attempt",
			MG_LOCKOUT_TICKET_KEYS));
    for (i = 0; i < t->nkeys; i++)
	if (strcmp(t->keys[i].name, key) == 0)
	    return (mg_fail(err, MG_BADPARAM, "lockout: a key given twice"));
    t->incomplete--;
    memset(t->keys + t->nkeys, 0, sizeof(t->keys[0]));
    strcpy(t->keys[t->nkeys].name, key);
    t->keys[t->nkeys].role = role;
    t->nkeys++;
    return (MG_OK);
}

 /*
  * Read every key of the ticket; note the first that is locked.
  * *need counts the counted keys that are not in the store yet.
  */
static int read_ticket(struct mg_lockout *lo, MDB_txn *txn, struct mg_lockout_ticket *t,
		               time_t now, struct mg_lockout_entry *e, size_t *need)
{
    MDB_val k, v;
    size_t  i;
    int     rc;

    *need = 0;
    for (i = 0; i < t->nkeys; i++) {
	memset(e + i, 0, sizeof(e[i]));
	k.mv_data = t->keys[i].name;
	k.mv_size = strlen(t->keys[i].name);
	if ((rc = mdb_get(txn, lo->dbi, &k, &v)) == MDB_NOTFOUND) {
	    if (t->keys[i].role != MG_LOCKOUT_GUARD)
		(*need)++;
	    continue;
	}
	if (rc != 0)
	    return (rc);
	if (!decode_record(&v, e + i))
	    memset(e + i, 0, sizeof(e[i]));
	if (e[i].locked_until > now && t->locked < 0) {
	    t->locked = (int) i;
	    t->locked_until = e[i].locked_until;
	}
    }
    return (0);
}

enum mg_code mg_lockout_admit(struct mg_lockout *lo, struct mg_lockout_ticket *t,
			              time_t now, struct mg_error *err)
{
    struct mg_lockout_entry e[MG_LOCKOUT_TICKET_KEYS];
    unsigned char rec[RECORD_SIZE];
    MDB_txn *txn;
    MDB_val k, v;
    size_t  i, need;
    int     rc, full, was_locked;
    const char *what = "cannot read";

    t->decision = MG_LOCKOUT_ADMITTED;
    t->locked = -1;
    t->locked_until = 0;
    for (i = 0; i < t->nkeys; i++)
	t->keys[i].counted = t->keys[i].set_lock = 0;
    if (!time_ok(now))
	return (mg_fail(err, MG_BADPARAM, "lockout: time %lld out of range",
			(long long) now));
    if (t->incomplete)
	return (mg_fail(err, MG_BADPARAM, "lockout: a key of the attempt could "
			"not be formed"));
    if (t->nkeys == 0)
	return (MG_OK);
    if ((rc = begin(lo, 0, &txn)) != 0)
	return (store_error(lo, err, "cannot update", rc));
    if ((rc = read_ticket(lo, txn, t, now, e, &need)) != 0)
	goto done;
    if (t->locked >= 0 && t->enforce) {
	t->decision = MG_LOCKOUT_REFUSED;
	goto done;
    }
    what = "cannot make room";
    if (need > 0 && ((rc = prune(lo, txn, now, (time_t) t->limits.window, need, t,
				 &full)) != 0 || full)) {
	if (rc == 0)
	    t->decision = MG_LOCKOUT_STORE_FULL;
	goto done;
    }
    what = "cannot update";
    for (i = 0; i < t->nkeys; i++) {
	if (t->keys[i].role == MG_LOCKOUT_GUARD)
	    continue;
	was_locked = e[i].locked_until > now;
	count_failure(e + i, &t->limits, now);
	encode_record(rec, e + i);
	k.mv_data = t->keys[i].name;
	k.mv_size = strlen(t->keys[i].name);
	v.mv_data = rec;
	v.mv_size = RECORD_SIZE;
	if ((rc = mdb_put(txn, lo->dbi, &k, &v, 0)) != 0)
	    goto done;
	t->keys[i].set_lock = !was_locked && e[i].locked_until > now;
	t->keys[i].entry = e[i];
	strcpy(t->keys[i].entry.key, t->keys[i].name);
    }
    rc = commit(lo, txn);
    txn = 0;
    for (i = 0; rc == 0 && i < t->nkeys; i++)
	t->keys[i].counted = t->keys[i].role != MG_LOCKOUT_GUARD;
done:
    if (txn)
	end(lo, txn);
    if (rc != 0)
	t->decision = MG_LOCKOUT_ADMITTED;
    if (rc == MDB_MAP_FULL)
	return (mg_fail(err, MG_INTERNAL, "lockout store %s: full, attempt not "
			"counted: %s", lo->path, mdb_strerror(rc)));
    if (rc != 0)
	return (store_error(lo, err, what, rc));
    return (MG_OK);
}

 /*
  * Take back the failure that admission counted under a key, if the
  * window it was counted in is still the current one. A lock that the
  * count no longer reaches goes with it; an empty entry goes.
  */
static int give_back(struct mg_lockout *lo, MDB_txn *txn,
		             const struct mg_lockout_ticket_key *tk,
		             const struct mg_lockout_limits *limits)
{
    struct mg_lockout_entry e;
    unsigned char rec[RECORD_SIZE];
    MDB_val k, v;
    int     rc;

    k.mv_data = (void *) tk->name;
    k.mv_size = strlen(tk->name);
    if ((rc = mdb_get(txn, lo->dbi, &k, &v)) != 0)
	return (rc == MDB_NOTFOUND ? 0 : rc);
    if (!decode_record(&v, &e) || e.failures == 0
	|| e.first_failure != tk->entry.first_failure)
	return (0);
    e.failures--;
    if (e.locked_until != 0 && e.failures < limits->failures)
	e.locked_until = 0;
    if (e.failures == 0 && e.locked_until == 0)
	return (mdb_del(txn, lo->dbi, &k, 0));
    encode_record(rec, &e);
    v.mv_data = rec;
    v.mv_size = RECORD_SIZE;
    return (mdb_put(txn, lo->dbi, &k, &v, 0));
}

enum mg_code mg_lockout_settle(struct mg_lockout *lo, const struct mg_lockout_ticket *t,
			               enum mg_lockout_result result, struct mg_error *err)
{
    MDB_txn *txn;
    MDB_val k;
    size_t  i, counted = 0;
    int     rc = 0;

    /* A failed guess was counted by admission: nothing is left to do. */
    if (result == MG_LOCKOUT_GUESS_FAILED || t->decision != MG_LOCKOUT_ADMITTED)
	return (MG_OK);
    for (i = 0; i < t->nkeys; i++)
	counted += t->keys[i].counted != 0;
    if (counted == 0)
	return (MG_OK);
    if ((rc = begin(lo, 0, &txn)) != 0)
	return (store_error(lo, err, "cannot update", rc));
    for (i = 0; rc == 0 && i < t->nkeys; i++) {
	if (!t->keys[i].counted)
	    continue;
	if (result == MG_LOCKOUT_GUESS_SUCCEEDED && t->keys[i].role == MG_LOCKOUT_ACCOUNT) {
	    k.mv_data = (void *) t->keys[i].name;
	    k.mv_size = strlen(t->keys[i].name);
	    if ((rc = mdb_del(txn, lo->dbi, &k, 0)) == MDB_NOTFOUND)
		rc = 0;
	} else {
	    rc = give_back(lo, txn, t->keys + i, &t->limits);
	}
    }
    if (rc == 0)
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
	if (!decode_record(&v, &e) || !entry_key(&e, &k))
	    continue;
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

 /*
  * Whether an entry counts for nothing any more: exactly when
  * count_failure() would start it afresh (or it is not ours).
  */
static int expired(const MDB_val *val, time_t now, time_t window)
{
    struct mg_lockout_entry e;

    if (!decode_record(val, &e))
	return (1);
    if (e.locked_until > now)
	return (0);
    return (e.locked_until != 0 || e.failures == 0
	    || now < e.first_failure || now - e.first_failure >= window);
}

static int expire_pass(struct mg_lockout *lo, MDB_txn *txn, time_t now, time_t window,
		               size_t *removed)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int     rc;

    if ((rc = mdb_cursor_open(txn, lo->dbi, &cur)) != 0)
	return (rc);
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	 rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
	if (!expired(&v, now, window))
	    continue;
	if ((rc = mdb_cursor_del(cur, 0)) != 0)
	    break;
	(*removed)++;
    }
    mdb_cursor_close(cur);
    return (rc == MDB_NOTFOUND ? 0 : rc);
}

enum mg_code mg_lockout_expire(struct mg_lockout *lo, time_t now, time_t window,
			               size_t *removed, struct mg_error *err)
{
    MDB_txn *txn;
    size_t  count = 0;
    int     rc;

    if (removed)
	*removed = 0;
    if (window < 0)
	return (mg_fail(err, MG_BADPARAM, "lockout store %s: negative window", lo->path));
    if ((rc = begin(lo, 0, &txn)) != 0)
	return (store_error(lo, err, "cannot update", rc));
    if ((rc = expire_pass(lo, txn, now, window, &count)) == 0)
	rc = commit(lo, txn);
    else
	end(lo, txn);
    if (rc != 0)
	return (store_error(lo, err, "cannot update", rc));
    if (removed)
	*removed = count;
    return (MG_OK);
}
