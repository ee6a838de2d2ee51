/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	lockout_store 3
/* SUMMARY
/*	the lockout store behind one interface: LMDB or Redis
/* SYNOPSIS
/*	#include "lockout_store.h"
/*
/*	enum mg_code mg_lockout_store_open(cfg, out, err)
/*
/*	void	mg_lockout_store_close(st)
/*
/*	enum mg_code mg_lockout_store_admit(st, t, now, err)
/*
/*	enum mg_code mg_lockout_store_settle(st, t, result, err)
/*
/*	enum mg_code mg_lockout_store_list(st, prefix, visit, context, err)
/*
/*	enum mg_code mg_lockout_store_clear(st, key, removed, err)
/*
/*	const char *mg_lockout_store_name(st)
/*
/*	enum mg_code mg_lockout_redis_check(st, policy, size, err)
/* DESCRIPTION
/*	The plugin and the command reach the lockout through these
/*	functions; struct mg_lockout_backend says what a store must do,
/*	and each backend does it with exactly the semantics of lockout(3):
/*	mg_lockout_store_admit() is mg_lockout_admit(), and so on.
/*
/*	The LMDB backend is lockout(3) itself, unchanged: one file shared
/*	by the processes of one host, opened before a chroot. The Redis
/*	backend (lockout_redis(3)) keeps the same keys on a Redis server
/*	that several hosts share.
/*
/*	mg_lockout_store_name() says which store, for messages: the LMDB
/*	path, or the Redis address. mg_lockout_redis_check() asks a Redis
/*	store whether it answers, and its maxmemory-policy (lockout_redis(3)).
/* DIAGNOSTICS
/*	As the backend's; MG_NOMEM; MG_BADPARAM for an unknown backend.
/*--*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockout_store.h"

struct mg_lockout_store {
    const struct mg_lockout_backend *backend;
    enum mg_lockout_backend_kind kind;
    void   *impl;
    char    name[MG_LOCKOUT_REDIS_URL_MAX + 8];
};

/* The LMDB backend: lockout(3) as it is. */

static enum mg_code lmdb_open(const struct mg_lockout_store_config *cfg, void **impl,
			              struct mg_error *err)
{
    struct mg_lockout *lo;
    enum mg_code code;

    code = mg_lockout_open(cfg->path ? cfg->path : MG_LOCKOUT_DEFAULT_STORE,
			   cfg->max_entries ? cfg->max_entries : MG_LOCKOUT_DEFAULT_MAX,
			   &lo, err);
    *impl = code == MG_OK ? lo : 0;
    return (code);
}

static enum mg_code lmdb_admit(void *impl, struct mg_lockout_ticket *t, time_t now,
			               struct mg_error *err)
{
    return (mg_lockout_admit(impl, t, now, err));
}

static enum mg_code lmdb_settle(void *impl, const struct mg_lockout_ticket *t,
			                enum mg_lockout_result result, time_t now,
			                struct mg_error *err)
{
    (void) now;				/* LMDB keeps times, not expiries */
    return (mg_lockout_settle(impl, t, result, err));
}

static enum mg_code lmdb_list(void *impl, const char *prefix, mg_lockout_visit_fn visit,
			              void *context, struct mg_error *err)
{
    return (mg_lockout_list(impl, prefix, visit, context, err));
}

static enum mg_code lmdb_clear(void *impl, const char *key, size_t *removed,
			               struct mg_error *err)
{
    return (mg_lockout_clear(impl, key, removed, err));
}

static void lmdb_close(void *impl)
{
    mg_lockout_close(impl);
}

const struct mg_lockout_backend mg_lockout_lmdb_backend = {
    "lmdb", lmdb_open, lmdb_admit, lmdb_settle, lmdb_list, lmdb_clear, lmdb_close,
};

/* The interface. */

enum mg_code mg_lockout_store_open(const struct mg_lockout_store_config *cfg,
			                   struct mg_lockout_store **out,
			                   struct mg_error *err)
{
    struct mg_lockout_store *st;
    enum mg_code code;

    *out = 0;
    if ((st = calloc(1, sizeof(*st))) == 0)
	return (mg_fail(err, MG_NOMEM, "lockout store: out of memory"));
    st->kind = cfg->backend;
    switch (cfg->backend) {
    case MG_LOCKOUT_BACKEND_LMDB:
	st->backend = &mg_lockout_lmdb_backend;
	snprintf(st->name, sizeof(st->name), "%s",
		 cfg->path ? cfg->path : MG_LOCKOUT_DEFAULT_STORE);
	break;
    case MG_LOCKOUT_BACKEND_REDIS:
	st->backend = &mg_lockout_redis_backend;
	snprintf(st->name, sizeof(st->name), "%s",
		 cfg->redis_url ? cfg->redis_url : MG_LOCKOUT_REDIS_DEFAULT_URL);
	break;
    default:
	free(st);
	return (mg_fail(err, MG_BADPARAM, "lockout store: unknown backend"));
    }
    if ((code = st->backend->open(cfg, &st->impl, err)) != MG_OK) {
	free(st);
	return (code);
    }
    *out = st;
    return (MG_OK);
}

void    mg_lockout_store_close(struct mg_lockout_store *st)
{
    if (st == 0)
	return;
    st->backend->close(st->impl);
    free(st);
}

enum mg_lockout_backend_kind mg_lockout_store_kind(const struct mg_lockout_store *st)
{
    return (st->kind);
}

const char *mg_lockout_store_name(const struct mg_lockout_store *st)
{
    return (st->name);
}

enum mg_code mg_lockout_store_admit(struct mg_lockout_store *st,
			                    struct mg_lockout_ticket *t, time_t now,
			                    struct mg_error *err)
{
    /* A key that could not be formed must not go uncounted, whatever the store. */
    if (t->incomplete)
	return (mg_fail(err, MG_BADPARAM, "lockout: a key of the attempt could "
			"not be formed"));
    return (st->backend->admit(st->impl, t, now, err));
}

enum mg_code mg_lockout_store_settle(struct mg_lockout_store *st,
			                     const struct mg_lockout_ticket *t,
			                     enum mg_lockout_result result,
			                     struct mg_error *err)
{
    return (st->backend->settle(st->impl, t, result, time((time_t *) 0), err));
}

enum mg_code mg_lockout_store_list(struct mg_lockout_store *st, const char *prefix,
			                   mg_lockout_visit_fn visit, void *context,
			                   struct mg_error *err)
{
    return (st->backend->list(st->impl, prefix, visit, context, err));
}

enum mg_code mg_lockout_store_clear(struct mg_lockout_store *st, const char *key,
			                    size_t *removed, struct mg_error *err)
{
    return (st->backend->clear(st->impl, key, removed, err));
}

enum mg_code mg_lockout_redis_check(struct mg_lockout_store *st, char *policy,
				            size_t size, struct mg_error *err)
{
    policy[0] = 0;
    if (st->kind != MG_LOCKOUT_BACKEND_REDIS)
	return (mg_fail(err, MG_BADPARAM, "lockout store %s: not a Redis store",
			st->name));
    return (mg_lockout_redis_probe(st->impl, policy, size, err));
}
