/*++
/* NAME
/*	lockout 3h
/* SUMMARY
/*	failure counters and lockouts shared by every process
/* SYNOPSIS
/*	#include "lockout.h"
/*--*/
#ifndef MG_LOCKOUT_H
#define MG_LOCKOUT_H

#include <stddef.h>
#include <time.h>

#include "mg_error.h"

#define MG_LOCKOUT_DEFAULT_STORE	"/var/lib/md5gate/lockout.mdb"
#define MG_LOCKOUT_DEFAULT_MAX		10000
#define MG_LOCKOUT_KEY_MAX		300	/* "user:" or "addr:" + name */

 /*
  * When to lock a key: after failures failures within window seconds,
  * for duration seconds. failures == 0 turns lockout off.
  */
struct mg_lockout_limits {
    unsigned failures;
    unsigned window;
    unsigned duration;
};

 /*
  * What the store knows of one key.
  */
struct mg_lockout_entry {
    char    key[MG_LOCKOUT_KEY_MAX + 1];
    unsigned failures;			/* within the current window */
    time_t  first_failure;		/* start of the current window */
    time_t  last_failure;
    time_t  locked_until;		/* 0: not locked */
};

struct mg_lockout;			/* an open store */

 /*
  * Open (creating if needed) the store at path, an LMDB file without a
  * subdirectory, holding at most max_entries keys. Opened once, before
  * a chroot or privilege drop; the handle then works in the jail.
  */
extern enum mg_code mg_lockout_open(const char *path, size_t max_entries,
				            struct mg_lockout **, struct mg_error *);
extern void mg_lockout_close(struct mg_lockout *);

 /*
  * Keys: mg_lockout_key() writes "user:NAME" or "addr:ADDRESS" into buf
  * (MG_LOCKOUT_KEY_MAX + 1 bytes), truncating overlong names.
  */
extern const char *mg_lockout_key(char *buf, const char *kind, const char *name);

 /*
  * Is key locked at now? *until receives the end of the lock (0: not
  * locked). A key not in the store is not locked.
  */
extern enum mg_code mg_lockout_check(struct mg_lockout *, const char *key, time_t now,
				             time_t *until, struct mg_error *);

 /*
  * Count one failure of key at now under limits; the entry after the
  * update goes to *entry when entry is not null (locked_until set when
  * this failure reached the limit). Atomic across processes.
  */
extern enum mg_code mg_lockout_fail(struct mg_lockout *, const char *key,
				            const struct mg_lockout_limits *, time_t now,
				            struct mg_lockout_entry *, struct mg_error *);

 /*
  * A success: forget key's failures (and any lock).
  */
extern enum mg_code mg_lockout_reset(struct mg_lockout *, const char *key,
				             struct mg_error *);

 /*
  * Visit every entry (prefix null: all; else keys starting with prefix);
  * the callback returns 0 to stop.
  */
typedef int (*mg_lockout_visit_fn) (const struct mg_lockout_entry *, void *);
extern enum mg_code mg_lockout_list(struct mg_lockout *, const char *prefix,
				            mg_lockout_visit_fn, void *,
				            struct mg_error *);

 /*
  * Remove key (null: every key); *removed counts what went.
  */
extern enum mg_code mg_lockout_clear(struct mg_lockout *, const char *key,
				             size_t *removed, struct mg_error *);

 /*
  * Drop entries neither locked at now nor with a failure in the last
  * horizon seconds; *removed counts them.
  */
extern enum mg_code mg_lockout_expire(struct mg_lockout *, time_t now,
				              time_t horizon, size_t *removed,
				              struct mg_error *);

#endif
