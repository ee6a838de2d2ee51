/* SPDX-License-Identifier: BSD-2-Clause */
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

#include "mg_addr.h"
#include "mg_error.h"

#define MG_LOCKOUT_DEFAULT_STORE	"/var/lib/md5gate/lockout.mdb"
#define MG_LOCKOUT_DEFAULT_MAX		10000
#define MG_LOCKOUT_KEY_MAX		300	/* "user:", "trusted-user:", "addr:" + name */

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
  * Keys: mg_lockout_key() writes "KIND:NAME" ("user:NAME",
  * "trusted-user:NAME") into buf (MG_LOCKOUT_KEY_MAX + 1 bytes). A
  * name too long for that is named by the SHA-256 of all of it,
  * "KIND#sha256:HEX", so that no two names share a counter. Returns
  * buf, or a null pointer when the digest cannot be computed.
  */
#define MG_LOCKOUT_DIGEST_KEY_LEN	(sizeof("#sha256:") - 1 + 64)
extern const char *mg_lockout_key(char *buf, const char *kind, const char *name);

 /*
  * Client addresses (see mg_addr(3)). mg_lockout_address_key() writes
  * the key of the counter that holds addr: "addr:ADDR" at a full-length
  * prefix, else "addr:NETWORK/BITS", in the canonical text of inet_ntop().
  */
#define MG_LOCKOUT_DEFAULT_IPV4_PREFIX	32
#define MG_LOCKOUT_DEFAULT_IPV6_PREFIX	64

extern const char *mg_lockout_address_key(char *buf, const struct mg_addr *,
					          unsigned ipv4_prefix, unsigned ipv6_prefix);

 /*
  * One attempt's passage through the lockout: the keys it is counted
  * under (at most MG_LOCKOUT_TICKET_KEYS), then what mg_lockout_admit()
  * decided. A key's role says what a success does to it:
  *
  * MG_LOCKOUT_ACCOUNT	an account counter: counted, and cleared by a success.
  * MG_LOCKOUT_ADDRESS	an address counter: counted; a success gives the
  *			attempt back (the counter outlives successes).
  * MG_LOCKOUT_GUARD	only looked at: refuses when locked, never counted.
  */
#define MG_LOCKOUT_TICKET_KEYS	3

enum mg_lockout_role {
    MG_LOCKOUT_ACCOUNT,
    MG_LOCKOUT_ADDRESS,
    MG_LOCKOUT_GUARD,
};

enum mg_lockout_decision {
    MG_LOCKOUT_ADMITTED,		/* verify the password */
    MG_LOCKOUT_REFUSED,			/* a key is locked: do not verify */
    MG_LOCKOUT_STORE_FULL,		/* a new key found no room: nothing counted */
};

struct mg_lockout_ticket_key {
    char    name[MG_LOCKOUT_KEY_MAX + 1];
    enum mg_lockout_role role;
    int     counted;			/* admit counted the attempt here */
    int     set_lock;			/* ... and that count set the lock */
    struct mg_lockout_entry entry;	/* after admit (counted keys) */
};

struct mg_lockout_ticket {
    struct mg_lockout_limits limits;
    int     enforce;			/* 0: audit-only, a lock does not refuse */
    size_t  nkeys;
    struct mg_lockout_ticket_key keys[MG_LOCKOUT_TICKET_KEYS];
    int     incomplete;			/* keys that could not be added */
    /* Set by mg_lockout_admit(). */
    enum mg_lockout_decision decision;
    int     locked;			/* index of a locked key, or -1 */
    time_t  locked_until;		/* the end of that lock */
};

 /*
  * What the attempt turned out to be, for mg_lockout_settle().
  */
enum mg_lockout_result {
    MG_LOCKOUT_GUESS_FAILED,		/* bad credentials, unknown user */
    MG_LOCKOUT_GUESS_SUCCEEDED,		/* authenticated */
    MG_LOCKOUT_NO_GUESS,		/* anything else: not a password guess */
};

extern void mg_lockout_ticket_init(struct mg_lockout_ticket *,
				           const struct mg_lockout_limits *, int enforce);
extern enum mg_code mg_lockout_ticket_add(struct mg_lockout_ticket *, const char *key,
					          enum mg_lockout_role, struct mg_error *);

 /*
  * mg_lockout_admit() looks at every key and counts the attempt as a
  * failure under each counted one, in one write transaction, before the
  * password is verified: of N attempts at once at most limits.failures
  * are admitted. mg_lockout_settle() gives back what the outcome does
  * not deserve.
  */
extern enum mg_code mg_lockout_admit(struct mg_lockout *, struct mg_lockout_ticket *,
				             time_t now, struct mg_error *);
extern enum mg_code mg_lockout_settle(struct mg_lockout *, const struct mg_lockout_ticket *,
				              enum mg_lockout_result, struct mg_error *);

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
  * Drop the entries that count for nothing at now with a window of
  * window seconds (not locked; lock ended or window passed) and values
  * not of ours; *removed counts them. md5gate lockout prune's.
  */
extern enum mg_code mg_lockout_expire(struct mg_lockout *, time_t now,
				              time_t window, size_t *removed,
				              struct mg_error *);

#endif
