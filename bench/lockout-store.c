/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The time an attempt spends in the lockout store: one admission and its
 * settlement (src/lockout_store.c), as the plugin makes them, against an
 * LMDB file and against Redis (TCP and a Unix socket), stores taking
 * turns (A/B/A/B) so that the machine's other work falls on all alike.
 *
 * Usage: lockout-store --lmdb PATH [--redis URL]... [--attempts N] [--rounds R]
 *
 * Each attempt is a ticket of two keys (an account and an address, 100
 * accounts and 50 addresses in turn) admitted at the current time with a
 * limit that never locks, then settled as a failed guess or, one in
 * four, a success. Prints one Markdown table: per store the median and
 * the 90th percentile of the microseconds per attempt (admission and
 * settlement together), and attempts per second of elapsed time. Nothing
 * is asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockout_store.h"

#define MAX_STORES	4

struct bench_store {
    const char *label;
    struct mg_lockout_store_config cfg;
    struct mg_lockout_store *store;
    double *samples;			/* microseconds, every round */
    size_t  count;
    double  seconds;
};

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

static int run_round(struct bench_store *b, unsigned attempts, unsigned round)
{
    struct mg_lockout_limits lim = {1000000, 3600, 60};
    struct mg_lockout_ticket t;
    struct mg_error err;
    char    key[64];
    double  start = now_us(), t0;
    unsigned i;

    for (i = 0; i < attempts; i++) {
	mg_lockout_ticket_init(&t, &lim, 1);
	snprintf(key, sizeof(key), "user:bench%u", (i + round) % 100);
	(void) mg_lockout_ticket_add(&t, key, MG_LOCKOUT_ACCOUNT, 0);
	snprintf(key, sizeof(key), "addr:192.0.2.%u", (i + round) % 50);
	(void) mg_lockout_ticket_add(&t, key, MG_LOCKOUT_ADDRESS, 0);
	t0 = now_us();
	if (mg_lockout_store_admit(b->store, &t, time(0), &err) != MG_OK
	    || mg_lockout_store_settle(b->store, &t, i % 4 == 3 ? MG_LOCKOUT_GUESS_SUCCEEDED
				       : MG_LOCKOUT_GUESS_FAILED, &err) != MG_OK) {
	    fprintf(stderr, "lockout-store: %s: %s\n", b->label, err.reason);
	    return (-1);
	}
	b->samples[b->count++] = now_us() - t0;
    }
    b->seconds += (now_us() - start) / 1e6;
    return (0);
}

static int cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return (x < y ? -1 : x > y);
}

int     main(int argc, char **argv)
{
    struct bench_store stores[MAX_STORES];
    struct mg_error err;
    unsigned attempts = 2000, rounds = 5, r;
    size_t  n = 0, i;
    int     a;

    memset(stores, 0, sizeof(stores));
    for (a = 1; a + 1 < argc; a += 2) {
	struct bench_store *b = stores + n;

	if (strcmp(argv[a], "--attempts") == 0) {
	    attempts = (unsigned) atoi(argv[a + 1]);
	    continue;
	}
	if (strcmp(argv[a], "--rounds") == 0) {
	    rounds = (unsigned) atoi(argv[a + 1]);
	    continue;
	}
	if (n == MAX_STORES || (strcmp(argv[a], "--lmdb") && strcmp(argv[a], "--redis"))) {
	    fprintf(stderr, "usage: lockout-store --lmdb PATH [--redis URL]... "
		    "[--attempts N] [--rounds R]\n");
	    return (2);
	}
	b->label = argv[a + 1];
	b->cfg.backend = argv[a][2] == 'l' ? MG_LOCKOUT_BACKEND_LMDB : MG_LOCKOUT_BACKEND_REDIS;
	b->cfg.path = argv[a + 1];
	b->cfg.redis_url = argv[a + 1];
	b->cfg.redis_prefix = "bench:";
	n++;
    }
    if (n == 0 || attempts == 0 || rounds == 0) {
	fprintf(stderr, "lockout-store: nothing to measure\n");
	return (2);
    }
    for (i = 0; i < n; i++) {
	if (mg_lockout_store_open(&stores[i].cfg, &stores[i].store, &err) != MG_OK) {
	    fprintf(stderr, "lockout-store: %s\n", err.reason);
	    return (1);
	}
	if ((stores[i].samples = calloc((size_t) attempts * rounds, sizeof(double))) == 0)
	    return (1);
    }
    for (r = 0; r < rounds; r++)
	for (i = 0; i < n; i++)
	    if (run_round(stores + i, attempts, r) < 0)
		return (1);
    printf("| lockout store (admission + settlement) | median µs | p90 µs | attempts/s |\n");
    printf("| --- | --- | --- | --- |\n");
    for (i = 0; i < n; i++) {
	struct bench_store *b = stores + i;

	qsort(b->samples, b->count, sizeof(double), cmp_double);
	printf("| %s | %.1f | %.1f | %.0f |\n",
	       b->cfg.backend == MG_LOCKOUT_BACKEND_LMDB ? "LMDB, one file" :
	       strncmp(b->label, "unix:", 5) == 0 ? "Redis, Unix socket" :
	       "Redis, TCP (127.0.0.1)",
	       b->samples[b->count / 2], b->samples[b->count * 9 / 10],
	       b->count / b->seconds);
	mg_lockout_store_close(b->store);
	free(b->samples);
    }
    return (0);
}
