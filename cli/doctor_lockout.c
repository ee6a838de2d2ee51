/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	doctor_lockout 3
/* SUMMARY
/*	md5gate doctor: the Redis lockout store
/* SYNOPSIS
/*	#include "cli/doctor.h"
/*
/*	void	doctor_check_lockout(doc, policy)
/* DESCRIPTION
/*	With lockout_backend = redis, doctor_check_lockout() opens the
/*	store as the plugin does (reading its password file) and asks the
/*	server: it must answer, and its maxmemory-policy must be
/*	noeviction, or Redis may drop locks before they end when memory
/*	runs short. When the server refuses CONFIG (renamed, or denied to
/*	md5gate's user), nobody can tell from here, and doctor says so. A
/*	Unix socket is noted: a chrooted smtpd reaches it only at the same
/*	path inside its chroot.
/*
/*	An LMDB store needs nothing here: each process opens its file
/*	before the chroot, and its errors are the plugin's to report.
/*--*/
#include <stdio.h>
#include <string.h>

#include "doctor.h"
#include "lockout_store.h"
#include "policy.h"

void    doctor_check_lockout(struct doctor *doc, const struct mg_policy *policy)
{
    struct mg_lockout_store_config cfg;
    struct mg_lockout_redis_url url;
    struct mg_lockout_store *st;
    struct mg_error err;
    char    eviction[64];

    mg_policy_lockout_store_config(policy, &cfg);
    if (cfg.backend != MG_LOCKOUT_BACKEND_REDIS)
	return;
    if (!mg_policy_lockout_wanted(policy))
	doctor_note(doc, "lockout_backend = redis, but no mechanism locks out "
		    "(lockout_failures = 0): the store is not used");
    if (mg_lockout_store_open(&cfg, &st, &err) != MG_OK) {
	doctor_problem(doc, "%s", err.reason);
	return;
    }
    if (mg_lockout_redis_check(st, eviction, sizeof(eviction), &err) != MG_OK)
	doctor_problem(doc, "%s: lockout_store_failure decides every attempt while "
		       "it does not answer", err.reason);
    else if (eviction[0] == 0)
	doctor_note(doc, "lockout store %s answers; its maxmemory-policy cannot be "
		    "told (CONFIG is refused): it must be noeviction, or locks can "
		    "be evicted before they end", mg_lockout_store_name(st));
    else if (strcmp(eviction, "noeviction") != 0)
	doctor_problem(doc, "lockout store %s: maxmemory-policy is %s: Redis may "
		       "evict locks before they end; set maxmemory-policy noeviction",
		       mg_lockout_store_name(st), eviction);
    else
	doctor_ok(doc, "lockout store %s answers, maxmemory-policy noeviction",
		  mg_lockout_store_name(st));
    if (mg_lockout_redis_url_parse(cfg.redis_url, &url, &err) == MG_OK && url.unix_socket)
	doctor_note(doc, "lockout_redis is the Unix socket %s: a chrooted smtpd "
		    "finds it only under its chroot (queue_directory%s), where "
		    "Redis must then create it; or use TCP", url.socket_path,
		    url.socket_path);
    mg_lockout_store_close(st);
}
