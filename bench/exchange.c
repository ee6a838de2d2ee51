/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * exchange: complete SASL authentications per second through libsasl2,
 * client and server in one process, one plugin directory per run.
 *
 * Usage: exchange --plugins DIR --mech MECH --user USER --password PASS
 *	--realm REALM --auxprop-file FILE [--policy FILE]
 *	[--seconds S | --count N] [--openssl-first]
 *	[--openssl-alone load|draw]
 *
 * SASL_PATH is set to DIR, so exactly the plugins in it are loaded:
 * md5gate, or the stock Cyrus mechanism plugins, or libplain, each next
 * to the in-memory auxprop plugin (bench/auxprop-mem.c, option
 * benchmem_file = FILE), so no password store is measured. --policy
 * sets md5gate_policy (md5gate's configuration file); the stock plugins
 * ignore it.
 *
 * One exchange is what an application does per login: sasl_server_new
 * and sasl_client_new (with local and remote addresses, as Postfix
 * gives them), client start, server start, steps until the server says
 * SASL_OK and the client has taken the server's last word (DIGEST-MD5's
 * rspauth), then sasl_dispose of both. Neither side sets
 * SASL_SUCCESS_DATA, so every mechanism ends the same way. The first
 * exchange is checked and not timed (it also loads what is loaded
 * lazily); then exchanges run for S seconds (default 1), or exactly N
 * times when --count is given (for callgrind: run_exchanges() is the
 * function to collect, --toggle-collect=run_exchanges). --count 0 runs
 * the first exchange only: a process start (library and plugin
 * initialisation, one login, sasl_done), as an smtpd pays it.
 * --openssl-first draws from OpenSSL's random generator before libsasl2
 * starts, as an application that set up TLS already has (Postfix's smtpd
 * creates its TLS server context at start-up when TLS is enabled): its
 * one-time initialisation is then the application's, not the plugin's.
 * libcrypto is opened with dlopen() for that only: linked in, it would
 * add its loading to every run, the stock plugins' included.
 *
 * --openssl-alone measures that one-time initialisation by itself: the
 * process opens libcrypto as --openssl-first does and, with "draw",
 * draws from the generator, then exits without starting libsasl2 (the
 * other options are read and ignored). The difference between a "draw"
 * and a "load" run is what a process pays for OpenSSL's first use of its
 * generator (library initialisation, configuration file, default
 * provider, name map, DRBG instantiation and seeding) and for its
 * clean-up at exit: the part of a process start that a plugin drawing
 * its challenges from OpenSSL adds and the stock plugins, which draw
 * from libsasl2's generator, do not. It prints "max_rss_kb=K" only.
 *
 * Prints one line: "exchanges=N seconds=T rate=R cpu_rate=C
 * max_rss_kb=K", or "fails: ..." and exits 1 when an exchange does not
 * succeed. R is per second of elapsed time, C per second of this
 * process's CPU time (user and system): on a machine busy with other
 * work C varies much less. K is the process's peak resident memory.
 * Library log messages (md5gate's audit line among them) are formatted
 * by libsasl2 and handed to a callback that drops them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <dlfcn.h>
#include <sasl/sasl.h>

typedef int (*callback_proc) (void);

static const char *mech, *user, *password, *realm, *auxprop_file, *policy;

static int getopt_cb(void *context, const char *plugin, const char *option,
		             const char **result, unsigned *len)
{
    (void) context;
    (void) plugin;
    if (strcmp(option, "auxprop_plugin") == 0)
	*result = "benchmem";
    else if (strcmp(option, "benchmem_file") == 0)
	*result = auxprop_file;
    else if (strcmp(option, "pwcheck_method") == 0)
	*result = "auxprop";
    else if (strcmp(option, "mech_list") == 0)
	*result = mech;
    else if (strcmp(option, "md5gate_policy") == 0 && policy)
	*result = policy;
    else
	return (SASL_FAIL);
    if (len)
	*len = (unsigned) strlen(*result);
    return (SASL_OK);
}

static int log_cb(void *context, int level, const char *message)
{
    (void) context;
    (void) level;
    (void) message;
    return (SASL_OK);
}

static int simple_cb(void *context, int id, const char **result, unsigned *len)
{
    (void) context;
    if (id == SASL_CB_AUTHNAME || id == SASL_CB_USER)
	*result = user;
    else
	return (SASL_FAIL);
    if (len)
	*len = (unsigned) strlen(*result);
    return (SASL_OK);
}

static int pass_cb(sasl_conn_t *conn, void *context, int id, sasl_secret_t **psecret)
{
    static sasl_secret_t *secret;
    size_t  len = strlen(password);

    (void) conn;
    (void) context;
    (void) id;
    if (secret == 0) {
	if ((secret = malloc(sizeof(*secret) + len)) == 0)
	    return (SASL_NOMEM);
	secret->len = len;
	memcpy(secret->data, password, len);
    }
    *psecret = secret;
    return (SASL_OK);
}

static sasl_callback_t callbacks[] = {
    {SASL_CB_GETOPT, (callback_proc) getopt_cb, 0},
    {SASL_CB_LOG, (callback_proc) log_cb, 0},
    {SASL_CB_AUTHNAME, (callback_proc) simple_cb, 0},
    {SASL_CB_USER, (callback_proc) simple_cb, 0},
    {SASL_CB_PASS, (callback_proc) pass_cb, 0},
    {SASL_CB_LIST_END, 0, 0},
};

static void fail(const char *what, sasl_conn_t *conn)
{
    printf("fails: %s: %s\n", what, conn ? sasl_errdetail(conn) : "");
    exit(1);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static double cpu_now(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
	    + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

static void exchange(void)
{
    sasl_conn_t *server, *client;
    const char *cout, *sout, *chosen;
    unsigned coutlen, soutlen = 0;
    int     r, s;

    if (sasl_server_new("smtp", "bench.example.test", realm, "127.0.0.1;25",
			"127.0.0.1;40000", callbacks, 0, &server) != SASL_OK)
	fail("sasl_server_new", 0);
    if (sasl_client_new("smtp", "bench.example.test", "127.0.0.1;40000",
			"127.0.0.1;25", callbacks, 0, &client) != SASL_OK)
	fail("sasl_client_new", 0);
    r = sasl_client_start(client, mech, 0, &cout, &coutlen, &chosen);
    if (r != SASL_OK && r != SASL_CONTINUE)
	fail("client start", client);
    s = sasl_server_start(server, mech, coutlen ? cout : 0, coutlen, &sout, &soutlen);
    while (s == SASL_CONTINUE) {
	r = sasl_client_step(client, sout, soutlen, 0, &cout, &coutlen);
	if (r != SASL_OK && r != SASL_CONTINUE)
	    fail("client step", client);
	s = sasl_server_step(server, cout, coutlen, &sout, &soutlen);
    }
    if (s != SASL_OK)
	fail("server", server);
    /* A server's last word with SASL_OK (none here, see above). */
    if (r == SASL_CONTINUE && soutlen > 0
	&& sasl_client_step(client, sout, soutlen, 0, &cout, &coutlen) != SASL_OK)
	fail("client final step", client);
    sasl_dispose(&client);
    sasl_dispose(&server);
}

/* Not static and not inlined: callgrind collects from here. */
long    run_exchanges(long count, double seconds, double *elapsed, double *cpu)
    __attribute__((noinline));

long    run_exchanges(long count, double seconds, double *elapsed, double *cpu)
{
    double  start = now(), cpu_start = cpu_now();
    long    n = 0;
    int     i;

    if (count >= 0) {
	for (n = 0; n < count; n++)
	    exchange();
    } else {
	do {
	    for (i = 0; i < 16; i++)
		exchange();
	    n += 16;
	} while (now() - start < seconds);
    }
    *elapsed = now() - start;
    *cpu = cpu_now() - cpu_start;
    return (n);
}

static void openssl_random_first(int draw)
{
    unsigned char bytes[16];
    void   *lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_GLOBAL);
    int     (*rand_bytes) (unsigned char *, int);

    if (lib == 0 || (*(void **) &rand_bytes = dlsym(lib, "RAND_bytes")) == 0
	|| (draw && rand_bytes(bytes, (int) sizeof(bytes)) != 1))
	fail("OpenSSL's RAND_bytes", 0);
}

int     main(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"plugins", 1, 0, 'P'}, {"mech", 1, 0, 'm'}, {"user", 1, 0, 'u'},
	{"password", 1, 0, 'p'}, {"realm", 1, 0, 'r'}, {"auxprop-file", 1, 0, 'a'},
	{"policy", 1, 0, 'c'}, {"seconds", 1, 0, 'S'}, {"count", 1, 0, 'n'},
	{"openssl-first", 0, 0, 'o'}, {"openssl-alone", 1, 0, 'A'}, {0, 0, 0, 0},
    };
    const char *dir = 0;
    double  seconds = 1.0, elapsed, cpu;
    long    count = -1, n;
    struct rusage ru;
    int     ch, openssl_first = 0;
    const char *openssl_alone = 0;

    while ((ch = getopt_long(argc, argv, "", longopts, 0)) != -1) {
	switch (ch) {
	case 'P': dir = optarg; break;
	case 'm': mech = optarg; break;
	case 'u': user = optarg; break;
	case 'p': password = optarg; break;
	case 'r': realm = optarg; break;
	case 'a': auxprop_file = optarg; break;
	case 'c': policy = optarg; break;
	case 'S': seconds = atof(optarg); break;
	case 'n': count = atol(optarg); break;
	case 'o': openssl_first = 1; break;
	case 'A': openssl_alone = optarg; break;
	default: return (2);
	}
    }
    if (!dir || !mech || !user || !password || !realm || !auxprop_file
	|| seconds <= 0 || count < -1
	|| (openssl_alone && strcmp(openssl_alone, "load") != 0
	    && strcmp(openssl_alone, "draw") != 0)) {
	fprintf(stderr, "usage: exchange --plugins DIR --mech MECH --user USER "
		"--password PASS --realm REALM --auxprop-file FILE [--policy FILE] "
		"[--seconds S | --count N] [--openssl-first] "
		"[--openssl-alone load|draw]\n");
	return (2);
    }
    if (openssl_alone) {
	openssl_random_first(strcmp(openssl_alone, "draw") == 0);
	getrusage(RUSAGE_SELF, &ru);
	printf("max_rss_kb=%ld\n", ru.ru_maxrss);
	return (0);
    }
    if (openssl_first)
	openssl_random_first(1);
    setenv("SASL_PATH", dir, 1);
    if (sasl_server_init(callbacks, "bench") != SASL_OK)
	fail("sasl_server_init", 0);
    if (sasl_client_init(callbacks) != SASL_OK)
	fail("sasl_client_init", 0);
    exchange();					/* checked, untimed */
    n = run_exchanges(count, seconds, &elapsed, &cpu);
    sasl_done();
    getrusage(RUSAGE_SELF, &ru);
    printf("exchanges=%ld seconds=%.3f rate=%.1f cpu_rate=%.1f max_rss_kb=%ld\n", n,
	   elapsed, elapsed > 0 ? n / elapsed : 0.0, cpu > 0 ? n / cpu : 0.0,
	   ru.ru_maxrss);
    return (0);
}
