/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * layers: throughput of DIGEST-MD5 security layers through libsasl2,
 * md5gate and the stock Cyrus plugin side by side.
 *
 * Usage: layers --md5gate-dir DIR --stock-dir DIR --sasldb FILE
 *	--realm REALM --user USER --password PASS [--seconds S] [--size N]
 *
 * For each plugin directory and each layer (auth-int, 3des, des, rc4,
 * rc4-40, rc4-56) a child process loads only that directory (SASL_PATH),
 * authenticates a client connection to a server connection in memory
 * with maxbufsize 65536, checks that one message comes through intact,
 * then for S seconds (default 1) has the client sasl_encode messages of
 * N bytes (default 65536; libsasl2 splits them by maxoutbuf) and the
 * server sasl_decode them. The rate counts plaintext bytes encoded and
 * decoded per second (1 MB = 10^6 bytes). A layer that fails prints the
 * failure instead. md5gate gets md5gate_digest_weak_ciphers and
 * md5gate_digest_ciphers to pin the cipher; the stock plugin is pinned
 * with min_ssf = max_ssf = its SSF for that cipher.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sasl/sasl.h>

typedef int (*callback_proc) (void);

static const char *user, *password, *realm, *sasldb;
static const char *cipher_option;	/* md5gate_digest_ciphers value */

struct layer {
    const char *name;
    unsigned mg_ssf;			/* md5gate's SSF for it */
    unsigned stock_ssf;			/* stock's */
};

static const struct layer layers[] = {
    {"auth-int", 1, 1},
    {"3des", 112, 112},
    {"des", 56, 55},
    {"rc4", 128, 128},
    {"rc4-40", 40, 40},
    {"rc4-56", 56, 56},
};

#define LAYER_COUNT (sizeof(layers) / sizeof(layers[0]))

static int getopt_cb(void *context, const char *plugin, const char *option,
		             const char **result, unsigned *len)
{
    (void) context;
    (void) plugin;
    if (strcmp(option, "sasldb_path") == 0)
	*result = sasldb;
    else if (strcmp(option, "auxprop_plugin") == 0)
	*result = "sasldb";
    else if (strcmp(option, "pwcheck_method") == 0)
	*result = "auxprop";
    else if (strcmp(option, "mech_list") == 0)
	*result = "DIGEST-MD5";
    else if (strcmp(option, "md5gate_digest_weak_ciphers") == 0)
	*result = "yes";
    else if (strcmp(option, "md5gate_digest_ciphers") == 0 && cipher_option)
	*result = cipher_option;
    else
	return (SASL_FAIL);
    if (len)
	*len = (unsigned) strlen(*result);
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
	secret = malloc(sizeof(*secret) + len);
	secret->len = len;
	memcpy(secret->data, password, len);
    }
    *psecret = secret;
    return (SASL_OK);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void fail(FILE *out, const char *what, sasl_conn_t *conn)
{
    fprintf(out, "fails: %s: %s\n", what, conn ? sasl_errdetail(conn) : "");
    fflush(out);
    _exit(1);
}

 /*
  * One measurement, in the child. Writes "MB/s" or "fails: ..." to out.
  */
static void measure(FILE *out, const char *dir, int stock, const struct layer *lp,
		            double seconds, size_t size)
{
    static sasl_callback_t cbs[] = {
	{SASL_CB_GETOPT, (callback_proc) getopt_cb, 0},
	{SASL_CB_AUTHNAME, (callback_proc) simple_cb, 0},
	{SASL_CB_USER, (callback_proc) simple_cb, 0},
	{SASL_CB_PASS, (callback_proc) pass_cb, 0},
	{SASL_CB_LIST_END, 0, 0},
    };
    sasl_security_properties_t props;
    sasl_conn_t *server, *client;
    const char *cout, *sout, *mech, *enc, *dec;
    unsigned coutlen, soutlen, enclen, declen;
    unsigned char *msg;
    size_t  total = 0, got;
    double  start, elapsed;
    int     r, s;
    unsigned ssf = stock ? lp->stock_ssf : lp->mg_ssf;

    setenv("SASL_PATH", dir, 1);
    if (!stock && strcmp(lp->name, "auth-int") != 0)
	cipher_option = lp->name;
    if (sasl_server_init(cbs, "bench") != SASL_OK || sasl_client_init(cbs) != SASL_OK)
	fail(out, "init", 0);
    if (sasl_server_new("imap", "bench.example.test", realm, 0, 0, cbs, 0, &server) != SASL_OK
	|| sasl_client_new("imap", "bench.example.test", 0, 0, cbs, 0, &client) != SASL_OK)
	fail(out, "new connection", 0);
    memset(&props, 0, sizeof(props));
    props.maxbufsize = 65536;
    props.min_ssf = stock ? ssf : 0;
    props.max_ssf = ssf;
    if (sasl_setprop(server, SASL_SEC_PROPS, &props) != SASL_OK
	|| sasl_setprop(client, SASL_SEC_PROPS, &props) != SASL_OK)
	fail(out, "security properties", 0);

    /* Authenticate in memory. */
    r = sasl_client_start(client, "DIGEST-MD5", 0, &cout, &coutlen, &mech);
    if (r != SASL_OK && r != SASL_CONTINUE)
	fail(out, "client start", client);
    s = sasl_server_start(server, "DIGEST-MD5", coutlen ? cout : 0, coutlen, &sout, &soutlen);
    while (s == SASL_CONTINUE) {
	r = sasl_client_step(client, sout, soutlen, 0, &cout, &coutlen);
	if (r != SASL_OK && r != SASL_CONTINUE)
	    fail(out, "client", client);
	s = sasl_server_step(server, cout, coutlen, &sout, &soutlen);
    }
    if (s != SASL_OK)
	fail(out, "server", server);

    msg = malloc(size);
    for (got = 0; got < size; got++)
	msg[got] = (unsigned char) (got * 131 + 7);
    /* One message must come through intact before timing anything. */
    if (sasl_encode(client, (const char *) msg, (unsigned) size, &enc, &enclen) != SASL_OK)
	fail(out, "encode", client);
    if (sasl_decode(server, enc, enclen, &dec, &declen) != SASL_OK)
	fail(out, "decode", server);
    if (declen != size || memcmp(dec, msg, size) != 0)
	fail(out, "message garbled", 0);

    start = now();
    do {
	int     i;

	for (i = 0; i < 16; i++) {
	    if (sasl_encode(client, (const char *) msg, (unsigned) size, &enc, &enclen) != SASL_OK)
		fail(out, "encode", client);
	    if (sasl_decode(server, enc, enclen, &dec, &declen) != SASL_OK || declen != size)
		fail(out, "decode", server);
	    total += size;
	}
	elapsed = now() - start;
    } while (elapsed < seconds);
    fprintf(out, "%.1f\n", total / elapsed / 1e6);
    fflush(out);
    sasl_dispose(&client);
    sasl_dispose(&server);
    sasl_done();
    _exit(0);
}

static void run_one(char *buf, size_t bufsize, const char *dir, int stock,
		            const struct layer *lp, double seconds, size_t size)
{
    int     fds[2], status;
    pid_t   pid;
    FILE   *in;

    if (pipe(fds) < 0) {
	snprintf(buf, bufsize, "fails: pipe");
	return;
    }
    fflush(stdout);
    if ((pid = fork()) == 0) {
	close(fds[0]);
	measure(fdopen(fds[1], "w"), dir, stock, lp, seconds, size);
    }
    close(fds[1]);
    in = fdopen(fds[0], "r");
    if (fgets(buf, (int) bufsize, in) == 0)
	snprintf(buf, bufsize, "fails: no result");
    buf[strcspn(buf, "\n")] = 0;
    fclose(in);
    waitpid(pid, &status, 0);
}

int     main(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"md5gate-dir", 1, 0, 'm'}, {"stock-dir", 1, 0, 's'},
	{"sasldb", 1, 0, 'd'}, {"realm", 1, 0, 'r'}, {"user", 1, 0, 'u'},
	{"password", 1, 0, 'p'}, {"seconds", 1, 0, 'S'}, {"size", 1, 0, 'n'},
	{0, 0, 0, 0},
    };
    const char *mg_dir = 0, *stock_dir = 0;
    double  seconds = 1.0;
    size_t  size = 65536, i;
    char    mg[200], st[200];
    int     ch;

    while ((ch = getopt_long(argc, argv, "", longopts, 0)) != -1) {
	switch (ch) {
	case 'm': mg_dir = optarg; break;
	case 's': stock_dir = optarg; break;
	case 'd': sasldb = optarg; break;
	case 'r': realm = optarg; break;
	case 'u': user = optarg; break;
	case 'p': password = optarg; break;
	case 'S': seconds = atof(optarg); break;
	case 'n': size = strtoul(optarg, 0, 10); break;
	default: return (2);
	}
    }
    if (!mg_dir || !stock_dir || !sasldb || !realm || !user || !password || size == 0) {
	fprintf(stderr, "usage: layers --md5gate-dir DIR --stock-dir DIR --sasldb FILE "
		"--realm REALM --user USER --password PASS [--seconds S] [--size N]\n");
	return (2);
    }
    printf("DIGEST-MD5 security layers: sasl_encode + sasl_decode of %lu-byte "
	   "messages, maxbuf 65536, %.1f s each\n\n", (unsigned long) size, seconds);
    printf("| layer | md5gate MB/s | stock Cyrus MB/s |\n");
    printf("| --- | ---: | ---: |\n");
    for (i = 0; i < LAYER_COUNT; i++) {
	run_one(mg, sizeof(mg), mg_dir, 0, &layers[i], seconds, size);
	run_one(st, sizeof(st), stock_dir, 1, &layers[i], seconds, size);
	printf("| %s | %s | %s |\n", layers[i].name, mg, st);
	fflush(stdout);
    }
    return (0);
}
