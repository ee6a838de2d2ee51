/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test helper: count failures in a lockout store through the library,
 * as the plugin does, so that tests/cli-lockout.test has entries to list
 * and clear.
 *
 * Usage: lockout-tool STORE KEY COUNT LIMIT [TIME]
 * counts COUNT failures of KEY at TIME (default: now) with a limit of
 * LIMIT failures in 900 seconds and a lock of 900 seconds; prints the
 * entry as "failures first last locked_until". KEY "user=NAME" or
 * "trusted-user=NAME" is the account NAME's counter, named as the plugin
 * names it (a digest for a long name). STORE is an LMDB file, or
 * a Redis store (redis://... or unix:...) with the key prefix
 * $MG_REDIS_PREFIX (default md5gate:).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockout.h"
#include "lockout_store.h"

 /*
  * The key itself, or the counter of an account KIND=NAME.
  */
static const char *key_of(const char *arg, char *buf)
{
    static const char *kinds[] = {"user", "trusted-user"};
    size_t  i, n;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
	n = strlen(kinds[i]);
	if (strncmp(arg, kinds[i], n) == 0 && arg[n] == '=')
	    return (mg_lockout_key(buf, kinds[i], arg + n + 1));
    }
    return (arg);
}

int     main(int argc, char **argv)
{
    char    key[MG_LOCKOUT_KEY_MAX + 1];
    struct mg_lockout_store *lo;
    struct mg_lockout_store_config cfg = {0};
    struct mg_lockout_limits lim = {0, 900, 900};
    struct mg_lockout_ticket t;
    struct mg_error err;
    time_t  now;
    long    count, i;

    if (argc != 5 && argc != 6) {
	fprintf(stderr, "usage: lockout-tool STORE KEY COUNT LIMIT [TIME]\n");
	return (2);
    }
    count = atol(argv[3]);
    lim.failures = (unsigned) atol(argv[4]);
    now = argc == 6 ? (time_t) atoll(argv[5]) : time((time_t *) 0);
    cfg.backend = strncmp(argv[1], "redis://", 8) == 0 || strncmp(argv[1], "unix:", 5) == 0 ?
	MG_LOCKOUT_BACKEND_REDIS : MG_LOCKOUT_BACKEND_LMDB;
    cfg.path = argv[1];
    cfg.redis_url = argv[1];
    cfg.redis_prefix = getenv("MG_REDIS_PREFIX");
    if (mg_lockout_store_open(&cfg, &lo, &err) != MG_OK) {
	fprintf(stderr, "lockout-tool: %s\n", err.reason);
	return (1);
    }
    for (i = 0; i < count; i++) {
	/* Admitted in audit-only mode, so that a lock does not stop the count. */
	mg_lockout_ticket_init(&t, &lim, 0);
	if (mg_lockout_ticket_add(&t, key_of(argv[2], key), MG_LOCKOUT_ACCOUNT, &err) != MG_OK
	    || mg_lockout_store_admit(lo, &t, now, &err) != MG_OK) {
	    fprintf(stderr, "lockout-tool: %s\n", err.reason);
	    mg_lockout_store_close(lo);
	    return (1);
	}
    }
    mg_lockout_store_close(lo);
    if (count > 0)
	printf("%u %lld %lld %lld\n", t.keys[0].entry.failures,
	       (long long) t.keys[0].entry.first_failure,
	       (long long) t.keys[0].entry.last_failure,
	       (long long) t.keys[0].entry.locked_until);
    return (0);
}
