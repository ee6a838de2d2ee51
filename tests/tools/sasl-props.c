/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sasl-props: read and write auxprop properties of one user through
 * libsasl2 and its sasldb plugin, the way a mechanism and an administration
 * tool see them. The tests use it to put Cyrus's binary secrets into a
 * sasldb (to check md5gate's reading of their format against the stock
 * plugins) and to read back what `md5gate passwd` stored.
 *
 * Usage: sasl-props --plugins DIR --sasldb FILE --realm REALM
 *	set USER NAME=HEX...	store the bytes HEX under NAME
 *	get USER NAME...	print NAME=HEX for each value, "NAME absent"
 *				when there is none
 *
 * Values are hex on both sides, so binary values survive the shell. A
 * value with a zero byte is refused: sasldb's store function measures
 * values with strlen() and would silently cut it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sasl/sasl.h>
#include <sasl/prop.h>

typedef int (*callback_proc) (void);

static const char *sasldb_path;

static void die(const char *msg, int r)
{
    if (r != SASL_OK)
	fprintf(stderr, "sasl-props: %s: %s\n", msg, sasl_errstring(r, 0, 0));
    else
	fprintf(stderr, "sasl-props: %s\n", msg);
    exit(2);
}

static int getopt_cb(void *context, const char *plugin, const char *option,
		             const char **result, unsigned *len)
{
    (void) context;
    (void) plugin;
    if (strcmp(option, "sasldb_path") == 0)
	*result = sasldb_path;
    else if (strcmp(option, "auxprop_plugin") == 0)
	*result = "sasldb";
    else
	return (SASL_FAIL);
    if (len)
	*len = (unsigned) strlen(*result);
    return (SASL_OK);
}

static size_t unhex(const char *hex, char *out, size_t size)
{
    size_t  n = strlen(hex) / 2, i;
    unsigned v;

    if (strlen(hex) % 2 || n >= size)
	die("odd or oversized hex value", SASL_OK);
    for (i = 0; i < n; i++) {
	if (sscanf(hex + 2 * i, "%2x", &v) != 1)
	    die("bad hex value", SASL_OK);
	out[i] = (char) v;
	if (v == 0)
	    die("value contains a zero byte; sasldb would cut it", SASL_OK);
    }
    out[n] = 0;
    return (n);
}

static void do_set(sasl_conn_t *conn, const char *user, char **args, int n)
{
    struct propctx *ctx = prop_new(0);
    const char *names[2] = {0, 0};
    char    value[1024];
    char   *eq;
    int     i, r;

    /* All requests first: prop_request() after prop_set() loses values. */
    for (i = 0; i < n; i++) {
	if ((eq = strchr(args[i], '=')) == 0)
	    die("set wants NAME=HEX", SASL_OK);
	*eq = 0;
	names[0] = args[i];
	if ((r = prop_request(ctx, names)) != SASL_OK)
	    die("prop_request", r);
    }
    for (i = 0; i < n; i++) {
	eq = args[i] + strlen(args[i]);
	if ((r = prop_set(ctx, args[i], value,
			  (int) unhex(eq + 1, value, sizeof(value)))) != SASL_OK)
	    die("prop_set", r);
    }
    if ((r = sasl_auxprop_store(conn, ctx, user)) != SASL_OK)
	die("sasl_auxprop_store", r);
    prop_dispose(&ctx);
}

 /*
  * A lookup happens during user canonicalisation. sasl_user_exists()
  * canonicalises and looks up (with the auxprop verifier, libsasl2's
  * default) and keeps our requests; its verdict only concerns
  * userPassword, so it is not the answer here.
  */
static void do_get(sasl_conn_t *conn, const char *user, char **args, int n)
{
    const char **names = calloc((size_t) n + 1, sizeof(*names));
    struct propctx *ctx;
    struct propval *vals = calloc((size_t) n + 1, sizeof(*vals));
    char    star[256];
    int     i, r;
    unsigned j, k, len;

    if (names == 0 || vals == 0)
	die("out of memory", SASL_OK);
    for (i = 0; i < n; i++) {
	snprintf(star, sizeof(star), "*%s", args[i]);
	names[i] = strdup(star);
    }
    if ((r = sasl_auxprop_request(conn, names)) != SASL_OK)
	die("sasl_auxprop_request", r);
    r = sasl_user_exists(conn, 0, 0, user);
    if (r != SASL_OK && r != SASL_NOUSER && r != SASL_BADPARAM)
	die("lookup", r);
    if ((ctx = sasl_auxprop_getctx(conn)) == 0)
	die("no property context", SASL_OK);
    if (prop_getnames(ctx, names, vals) < 0)
	die("prop_getnames failed", SASL_OK);
    for (i = 0; i < n; i++) {
	if (vals[i].values == 0 || vals[i].values[0] == 0) {
	    printf("%s absent\n", args[i]);
	    continue;
	}
	for (j = 0; vals[i].values[j]; j++) {
	    /* One value: its length is valsize; more: NUL-terminated text. */
	    len = vals[i].nvalues == 1 ? vals[i].valsize
		: (unsigned) strlen(vals[i].values[j]);
	    printf("%s=", args[i]);
	    for (k = 0; k < len; k++)
		printf("%02x", (unsigned char) vals[i].values[j][k]);
	    printf("\n");
	}
    }
}

int     main(int argc, char **argv)
{
    sasl_callback_t cbs[] = {
	{SASL_CB_GETOPT, (callback_proc) getopt_cb, 0},
	{SASL_CB_LIST_END, 0, 0},
    };
    const char *plugins = 0, *realm = 0;
    sasl_conn_t *conn;
    int     i, r;

    for (i = 1; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
	if (strcmp(argv[i], "--plugins") == 0)
	    plugins = argv[i + 1];
	else if (strcmp(argv[i], "--sasldb") == 0)
	    sasldb_path = argv[i + 1];
	else if (strcmp(argv[i], "--realm") == 0)
	    realm = argv[i + 1];
	else
	    die("unknown option", SASL_OK);
    }
    if (plugins == 0 || sasldb_path == 0 || realm == 0 || argc - i < 3)
	die("usage: sasl-props --plugins DIR --sasldb FILE --realm REALM "
	    "set|get USER ARGS...", SASL_OK);
    setenv("SASL_PATH", plugins, 1);
    setenv("SASL_PLUGINDIR", plugins, 1);	/* development branch */
    if ((r = sasl_server_init(cbs, "sasl-props")) != SASL_OK)
	die("sasl_server_init", r);
    if ((r = sasl_server_new("md5gate-test", "relay.example.test", realm, 0, 0,
			     0, 0, &conn)) != SASL_OK)
	die("sasl_server_new", r);
    if (strcmp(argv[i], "set") == 0)
	do_set(conn, argv[i + 1], argv + i + 2, argc - i - 2);
    else if (strcmp(argv[i], "get") == 0)
	do_get(conn, argv[i + 1], argv + i + 2, argc - i - 2);
    else
	die("command is set or get", SASL_OK);
    sasl_dispose(&conn);
    sasl_done();
    return (0);
}
