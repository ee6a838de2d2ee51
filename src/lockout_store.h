/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	lockout_store 3h
/* SUMMARY
/*	the lockout store behind one interface: LMDB or Redis
/* SYNOPSIS
/*	#include "lockout_store.h"
/*--*/
#ifndef MG_LOCKOUT_STORE_H
#define MG_LOCKOUT_STORE_H

#include <stddef.h>
#include <time.h>

#include "lockout.h"
#include "mg_error.h"

 /*
  * Which engine keeps the counters.
  */
enum mg_lockout_backend_kind {
    MG_LOCKOUT_BACKEND_LMDB,		/* one file on this host */
    MG_LOCKOUT_BACKEND_REDIS,		/* one Redis server for every host */
};

#define MG_LOCKOUT_REDIS_DEFAULT_URL	"redis://127.0.0.1:6379/0"
#define MG_LOCKOUT_REDIS_DEFAULT_PREFIX	"md5gate:"
#define MG_LOCKOUT_REDIS_PREFIX_MAX	64
#define MG_LOCKOUT_REDIS_URL_MAX	160	/* one line of the file, printed back */
#define MG_LOCKOUT_REDIS_TIMEOUT_MS	1000	/* connect, and each command */

 /*
  * lockout_redis, parsed: redis://[USER:PASSWORD-FILE@]HOST[:PORT][/DB]
  * or unix:/PATH[?db=N]. The password itself is read from the file by
  * the backend, never carried here.
  */
#define MG_REDIS_HOST_MAX	253
#define MG_REDIS_USER_MAX	128
#define MG_REDIS_PATH_MAX	160
#define MG_REDIS_DB_MAX		1000000

struct mg_lockout_redis_url {
    int     unix_socket;		/* 1: path; 0: host and port */
    char    host[MG_REDIS_HOST_MAX + 1];	/* without brackets */
    unsigned port;
    char    socket_path[MG_REDIS_PATH_MAX + 1];
    unsigned db;
    int     has_auth;			/* USER:PASSWORD-FILE@ given */
    char    user[MG_REDIS_USER_MAX + 1];	/* "": the default user */
    char    password_file[MG_REDIS_PATH_MAX + 1];
};

extern enum mg_code mg_lockout_redis_url_parse(const char *text,
					               struct mg_lockout_redis_url *,
					               struct mg_error *);
extern int mg_lockout_redis_prefix_ok(const char *prefix, char *why, size_t size);

 /*
  * Everything needed to open a store, from the [global] settings.
  */
struct mg_lockout_store_config {
    enum mg_lockout_backend_kind backend;
    const char *path;			/* LMDB file */
    size_t  max_entries;		/* LMDB */
    const char *redis_url;		/* Redis */
    const char *redis_prefix;		/* Redis: before every key */
    unsigned timeout_ms;		/* Redis: 0 is the default */
};

 /*
  * A backend implements exactly the semantics of lockout(3): the same
  * ticket, roles, admission and settlement. settle takes the time for
  * the backends that keep expiries.
  */
struct mg_lockout_backend {
    const char *name;
    enum mg_code (*open) (const struct mg_lockout_store_config *, void **,
			          struct mg_error *);
    enum mg_code (*admit) (void *, struct mg_lockout_ticket *, time_t,
			           struct mg_error *);
    enum mg_code (*settle) (void *, const struct mg_lockout_ticket *,
			            enum mg_lockout_result, time_t, struct mg_error *);
    enum mg_code (*list) (void *, const char *, mg_lockout_visit_fn, void *,
			          struct mg_error *);
    enum mg_code (*clear) (void *, const char *, size_t *, struct mg_error *);
    void    (*close) (void *);
};

extern const struct mg_lockout_backend mg_lockout_lmdb_backend;
extern const struct mg_lockout_backend mg_lockout_redis_backend;

struct mg_lockout_store;

extern enum mg_code mg_lockout_store_open(const struct mg_lockout_store_config *,
				                  struct mg_lockout_store **,
				                  struct mg_error *);
extern void mg_lockout_store_close(struct mg_lockout_store *);
extern enum mg_lockout_backend_kind mg_lockout_store_kind(const struct mg_lockout_store *);
extern const char *mg_lockout_store_name(const struct mg_lockout_store *);
extern enum mg_code mg_lockout_store_admit(struct mg_lockout_store *,
				                   struct mg_lockout_ticket *, time_t now,
				                   struct mg_error *);
extern enum mg_code mg_lockout_store_settle(struct mg_lockout_store *,
				                    const struct mg_lockout_ticket *,
				                    enum mg_lockout_result, struct mg_error *);
extern enum mg_code mg_lockout_store_list(struct mg_lockout_store *, const char *prefix,
				                  mg_lockout_visit_fn, void *,
				                  struct mg_error *);
extern enum mg_code mg_lockout_store_clear(struct mg_lockout_store *, const char *key,
				                   size_t *removed, struct mg_error *);

 /*
  * Redis only: whether the server answers, and its maxmemory-policy
  * ("" when CONFIG is refused, so that nobody can tell).
  */
extern enum mg_code mg_lockout_redis_check(struct mg_lockout_store *, char *policy,
					           size_t size, struct mg_error *);

 /* The Redis backend's side of mg_lockout_redis_check(). */
extern enum mg_code mg_lockout_redis_probe(void *, char *policy, size_t size,
					           struct mg_error *);

#endif
