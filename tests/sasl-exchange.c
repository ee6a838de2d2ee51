/*
 * sasl-exchange: run one SASL authentication through libsasl2 with the
 * client and the server in two processes, each loading its mechanism
 * plugins from its own directory (SASL_PATH), so md5gate and the stock
 * Cyrus plugins never compete for a mechanism name.
 *
 * The two processes talk over a socketpair the way an SMTP client and
 * server do: no additional data with success, so a server that has more
 * to say (DIGEST-MD5's rspauth) must send it as another challenge.
 *
 * Usage: sasl-exchange --mech MECH --server-plugins DIR --client-plugins DIR
 *	--sasldb FILE --realm REALM --user USER --password PASS
 *	[--authzid ID] [--interact] [--service NAME] [--host FQDN]
 *	[--expect ok|badauth|nouser|badprot|noauthz|fail] [--tamper-last]
 *	[--allow-proxy] [--abort-after-challenge] [--policy FILE]
 *
 * Prints one line per side ("server: ..." and "client: ...") and exits 0
 * when the server's result is the expected one (and, for ok, the client
 * finished too), 1 when not; when the client process exits with a status
 * above 1 (a driver error, or a memory checker's own exit status), with
 * that status. Never prints a password or a digest.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sasl/sasl.h>

typedef int (*callback_proc) (void);

struct options {
    const char *mech;
    const char *server_plugins;
    const char *client_plugins;
    const char *sasldb;
    const char *realm;
    const char *user;
    const char *password;
    const char *authzid;
    const char *service;
    const char *host;
    const char *expect;
    const char *remote;
    const char *local;
    int     interact;
    int     tamper_last;
    int     allow_proxy;
    int     abort_after_challenge;
    const char *policy;
};

static struct options opt = {
    .service = "smtp",
    .host = "relay.example.test",
    .expect = "ok",
    .remote = "127.0.0.1;40000",
    .local = "127.0.0.1;25",
};

/* Frames: one type byte, a 4-byte length, the data. */
enum frame_type {
    FRAME_START = 'A',			/* client: mechanism [+ initial response] */
    FRAME_DATA = 'D',			/* either side: challenge or response */
    FRAME_OK = 'K',			/* server: authenticated */
    FRAME_FAIL = 'F',			/* server: refused */
    FRAME_ABORT = 'X',			/* client: gave up */
};

static void die(const char *who, const char *msg)
{
    fprintf(stderr, "%s: %s\n", who, msg);
    exit(2);
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
	ssize_t n = write(fd, p, len);

	if (n < 0 && errno == EINTR)
	    continue;
	if (n <= 0)
	    return (-1);
	p += n;
	len -= (size_t) n;
    }
    return (0);
}

static int read_all(int fd, void *buf, size_t len)
{
    char   *p = buf;

    while (len > 0) {
	ssize_t n = read(fd, p, len);

	if (n < 0 && errno == EINTR)
	    continue;
	if (n <= 0)
	    return (-1);
	p += n;
	len -= (size_t) n;
    }
    return (0);
}

static void send_frame(int fd, int type, const char *data, unsigned len)
{
    unsigned char hdr[5];

    hdr[0] = (unsigned char) type;
    hdr[1] = (unsigned char) (len >> 24);
    hdr[2] = (unsigned char) (len >> 16);
    hdr[3] = (unsigned char) (len >> 8);
    hdr[4] = (unsigned char) len;
    if (write_all(fd, hdr, 5) < 0 || (len && write_all(fd, data, len) < 0))
	die("frame", "write failed");
}

static int recv_frame(int fd, char **data, unsigned *len)
{
    unsigned char hdr[5];

    *data = 0;
    if (read_all(fd, hdr, 5) < 0)
	return (-1);
    *len = (unsigned) hdr[1] << 24 | (unsigned) hdr[2] << 16
	| (unsigned) hdr[3] << 8 | hdr[4];
    if (*len > 1 << 20)
	die("frame", "oversized frame");
    *data = malloc(*len + 1);
    if (*len && read_all(fd, *data, *len) < 0) {
	free(*data);
	*data = 0;
	return (-1);
    }
    (*data)[*len] = 0;
    return (hdr[0]);
}

static int log_cb(void *context, int level, const char *message)
{
    fprintf(stderr, "%s log[%d]: %s\n", (const char *) context, level, message);
    return (SASL_OK);
}

/* Server side. */

static int server_getopt(void *context, const char *plugin, const char *option,
			         const char **result, unsigned *len)
{
    (void) context;
    (void) plugin;
    if (strcmp(option, "sasldb_path") == 0)
	*result = opt.sasldb;
    else if (strcmp(option, "auxprop_plugin") == 0)
	*result = "sasldb";
    else if (strcmp(option, "pwcheck_method") == 0)
	*result = "auxprop";
    else if (strcmp(option, "mech_list") == 0)
	*result = opt.mech;
    else if (strcmp(option, "log_level") == 0)
	*result = "7";
    else if (strcmp(option, "md5gate_policy") == 0 && opt.policy)
	*result = opt.policy;
    else
	return (SASL_FAIL);
    if (len)
	*len = (unsigned) strlen(*result);
    return (SASL_OK);
}

static int proxy_policy(sasl_conn_t *conn, void *context, const char *requested_user,
			        unsigned rlen, const char *auth_identity, unsigned alen,
			        const char *def_realm, unsigned urlen,
			        struct propctx *propctx)
{
    (void) context;
    (void) def_realm;
    (void) urlen;
    (void) propctx;
    if (opt.allow_proxy || (rlen == alen && memcmp(requested_user, auth_identity, alen) == 0))
	return (SASL_OK);
    sasl_seterror(conn, 0, "proxying not allowed");
    return (SASL_NOAUTHZ);
}

static const char *result_name(int r)
{
    switch (r) {
    case SASL_OK:
	return ("ok");
    case SASL_CONTINUE:
	return ("continue");
    case SASL_BADAUTH:
	return ("badauth");
    case SASL_NOUSER:
	return ("nouser");
    case SASL_BADPROT:
	return ("badprot");
    case SASL_BADSERV:
	return ("badserv");
    case SASL_NOMECH:
	return ("nomech");
    case SASL_TRANS:
	return ("trans");
    case SASL_NOAUTHZ:
	return ("noauthz");
    default:
	return ("fail");
    }
}

static int run_server(int fd)
{
    sasl_callback_t cbs[] = {
	{SASL_CB_GETOPT, (callback_proc) server_getopt, 0},
	{SASL_CB_LOG, (callback_proc) log_cb, (void *) "server"},
	{SASL_CB_PROXY_POLICY, (callback_proc) proxy_policy, 0},
	{SASL_CB_LIST_END, 0, 0},
    };
    sasl_conn_t *conn;
    const char *out = 0;
    unsigned outlen = 0;
    char   *in = 0;
    unsigned inlen = 0;
    int     type, r;
    const void *username = 0;
    char   *mech;

    setenv("SASL_PATH", opt.server_plugins, 1);
    if ((r = sasl_server_init(cbs, "sasl-exchange")) != SASL_OK)
	die("server", sasl_errstring(r, 0, 0));
    if ((r = sasl_server_new(opt.service, opt.host, opt.realm, opt.local,
			     opt.remote, 0, 0, &conn)) != SASL_OK)
	die("server", sasl_errstring(r, 0, 0));
    if ((type = recv_frame(fd, &in, &inlen)) != FRAME_START)
	die("server", "expected a start frame");
    mech = in;
    if (strlen(mech) < inlen) {
	in = mech + strlen(mech) + 1;
	inlen -= (unsigned) strlen(mech) + 1;
	r = sasl_server_start(conn, mech, in, inlen, &out, &outlen);
    } else
	r = sasl_server_start(conn, mech, 0, 0, &out, &outlen);
    free(mech);
    for (;;) {
	if (r == SASL_CONTINUE) {
	    if (opt.tamper_last && outlen > 0 && strncmp(out, "rspauth=", 8) == 0) {
		char   *copy = malloc(outlen);

		memcpy(copy, out, outlen);
		copy[outlen - 1] = copy[outlen - 1] == '0' ? '1' : '0';
		send_frame(fd, FRAME_DATA, copy, outlen);
		free(copy);
	    } else
		send_frame(fd, FRAME_DATA, out, outlen);
	    type = recv_frame(fd, &in, &inlen);
	    if (type == FRAME_ABORT || type < 0) {
		free(in);
		printf("server: result=aborted\n");
		sasl_dispose(&conn);
		sasl_done();
		return (strcmp(opt.expect, "aborted") == 0 ? 0 : 1);
	    }
	    r = sasl_server_step(conn, in, inlen, &out, &outlen);
	    free(in);
	    continue;
	}
	break;
    }
    if (r == SASL_OK) {
	sasl_getprop(conn, SASL_USERNAME, &username);
	send_frame(fd, FRAME_OK, 0, 0);
	printf("server: result=ok user=%s\n", username ? (const char *) username : "");
    } else {
	send_frame(fd, FRAME_FAIL, 0, 0);
	printf("server: result=%s detail=%s\n", result_name(r), sasl_errdetail(conn));
    }
    fflush(stdout);
    sasl_dispose(&conn);
    sasl_done();
    return (strcmp(result_name(r), opt.expect) == 0 ? 0 : 1);
}

/* Client side. */

static int client_getopt(void *context, const char *plugin, const char *option,
			         const char **result, unsigned *len)
{
    (void) context;
    (void) plugin;
    if (strcmp(option, "md5gate_policy") != 0 || opt.policy == 0)
	return (SASL_FAIL);
    *result = opt.policy;
    if (len)
	*len = (unsigned) strlen(*result);
    return (SASL_OK);
}

static int client_simple(void *context, int id, const char **result, unsigned *len)
{
    (void) context;
    if (id == SASL_CB_AUTHNAME)
	*result = opt.user;
    else if (id == SASL_CB_USER)
	*result = opt.authzid ? opt.authzid : "";
    else
	return (SASL_FAIL);
    if (len)
	*len = (unsigned) strlen(*result);
    return (SASL_OK);
}

static int client_pass(sasl_conn_t *conn, void *context, int id, sasl_secret_t **psecret)
{
    static sasl_secret_t *secret;
    size_t  len = strlen(opt.password);

    (void) conn;
    (void) context;
    (void) id;
    free(secret);
    secret = malloc(sizeof(*secret) + len);
    secret->len = len;
    memcpy(secret->data, opt.password, len);
    *psecret = secret;
    return (SASL_OK);
}

static void answer_prompts(sasl_interact_t *p)
{
    for (; p->id != SASL_CB_LIST_END; p++) {
	const char *v = p->id == SASL_CB_AUTHNAME ? opt.user :
	p->id == SASL_CB_PASS ? opt.password :
	p->id == SASL_CB_USER ? (opt.authzid ? opt.authzid : "") :
	p->defresult ? p->defresult : "";

	p->result = v;
	p->len = (unsigned) strlen(v);
    }
}

static int client_call(sasl_conn_t *conn, const char *in, unsigned inlen,
		               const char **out, unsigned *outlen, int start,
		               const char **mech_used)
{
    sasl_interact_t *prompts = 0;
    int     r;

    for (;;) {
	if (start)
	    r = sasl_client_start(conn, opt.mech, &prompts, out, outlen, mech_used);
	else
	    r = sasl_client_step(conn, in, inlen, &prompts, out, outlen);
	if (r != SASL_INTERACT)
	    return (r);
	answer_prompts(prompts);
    }
}

static int run_client(int fd)
{
    sasl_callback_t cbs[] = {
	{SASL_CB_AUTHNAME, (callback_proc) client_simple, 0},
	{SASL_CB_USER, (callback_proc) client_simple, 0},
	{SASL_CB_PASS, (callback_proc) client_pass, 0},
	{SASL_CB_LOG, (callback_proc) log_cb, (void *) "client"},
	{SASL_CB_LIST_END, 0, 0},
    };
    /* A null procedure asks libsasl2 to prompt through sasl_interact_t. */
    sasl_callback_t icbs[] = {
	{SASL_CB_AUTHNAME, 0, 0},
	{SASL_CB_USER, 0, 0},
	{SASL_CB_PASS, 0, 0},
	{SASL_CB_LOG, (callback_proc) log_cb, (void *) "client"},
	{SASL_CB_LIST_END, 0, 0},
    };
    sasl_conn_t *conn;
    const char *out = 0, *mech_used = 0;
    unsigned outlen = 0;
    char   *in, *start;
    unsigned inlen;
    int     r, type;
    size_t  mlen = strlen(opt.mech);

    sasl_callback_t global_cbs[] = {
	{SASL_CB_GETOPT, (callback_proc) client_getopt, 0},
	{SASL_CB_LOG, (callback_proc) log_cb, (void *) "client"},
	{SASL_CB_LIST_END, 0, 0},
    };

    setenv("SASL_PATH", opt.client_plugins, 1);
    if ((r = sasl_client_init(global_cbs)) != SASL_OK)
	die("client", sasl_errstring(r, 0, 0));
    /* The client's local end is the server's remote one, and vice versa. */
    if ((r = sasl_client_new(opt.service, opt.host, opt.remote, opt.local,
			     opt.interact ? icbs : cbs, 0, &conn)) != SASL_OK)
	die("client", sasl_errstring(r, 0, 0));
    r = client_call(conn, 0, 0, &out, &outlen, 1, &mech_used);
    if (r != SASL_OK && r != SASL_CONTINUE) {
	printf("client: result=%s detail=%s\n", result_name(r), sasl_errdetail(conn));
	send_frame(fd, FRAME_ABORT, 0, 0);
	sasl_dispose(&conn);
	sasl_done();
	return (1);
    }
    start = malloc(mlen + 1 + outlen);
    memcpy(start, opt.mech, mlen + 1);
    if (out)
	memcpy(start + mlen + 1, out, outlen);
    send_frame(fd, FRAME_START, start, (unsigned) (mlen + (out ? 1 + outlen : 0)));
    free(start);
    for (;;) {
	type = recv_frame(fd, &in, &inlen);
	if (type == FRAME_OK) {
	    printf("client: result=%s\n", r == SASL_OK ? "ok" : "server-accepted-early");
	    break;
	}
	if (type == FRAME_FAIL || type < 0) {
	    printf("client: result=refused-by-server\n");
	    break;
	}
	if (opt.abort_after_challenge) {
	    printf("client: result=aborted-by-choice\n");
	    send_frame(fd, FRAME_ABORT, 0, 0);
	    break;
	}
	r = client_call(conn, in, inlen, &out, &outlen, 0, 0);
	free(in);
	in = 0;
	if (r != SASL_OK && r != SASL_CONTINUE) {
	    printf("client: result=%s detail=%s\n", result_name(r), sasl_errdetail(conn));
	    send_frame(fd, FRAME_ABORT, 0, 0);
	    break;
	}
	send_frame(fd, FRAME_DATA, out, outlen);
    }
    free(in);
    fflush(stdout);
    sasl_dispose(&conn);
    sasl_done();
    return (0);
}

static void usage(void)
{
    fprintf(stderr, "usage: sasl-exchange --mech MECH --server-plugins DIR "
	    "--client-plugins DIR --sasldb FILE --realm REALM --user USER "
	    "--password PASS [--authzid ID] [--interact] [--service NAME] "
	    "[--host FQDN] [--expect RESULT] [--tamper-last] [--allow-proxy] "
	    "[--abort-after-challenge] [--policy FILE]\n");
    exit(2);
}

int     main(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"mech", 1, 0, 'm'}, {"server-plugins", 1, 0, 'S'},
	{"client-plugins", 1, 0, 'C'}, {"sasldb", 1, 0, 'd'},
	{"realm", 1, 0, 'r'}, {"user", 1, 0, 'u'}, {"password", 1, 0, 'p'},
	{"authzid", 1, 0, 'z'}, {"interact", 0, 0, 'i'},
	{"service", 1, 0, 's'}, {"host", 1, 0, 'h'}, {"expect", 1, 0, 'e'},
	{"tamper-last", 0, 0, 't'}, {"allow-proxy", 0, 0, 'P'},
	{"abort-after-challenge", 0, 0, 'a'}, {"policy", 1, 0, 'c'}, {0, 0, 0, 0},
    };
    int     sv[2], ch, status, rc;
    pid_t   pid;

    while ((ch = getopt_long(argc, argv, "", longopts, 0)) != -1) {
	switch (ch) {
	case 'm': opt.mech = optarg; break;
	case 'S': opt.server_plugins = optarg; break;
	case 'C': opt.client_plugins = optarg; break;
	case 'd': opt.sasldb = optarg; break;
	case 'r': opt.realm = optarg; break;
	case 'u': opt.user = optarg; break;
	case 'p': opt.password = optarg; break;
	case 'z': opt.authzid = optarg; break;
	case 'i': opt.interact = 1; break;
	case 's': opt.service = optarg; break;
	case 'h': opt.host = optarg; break;
	case 'e': opt.expect = optarg; break;
	case 't': opt.tamper_last = 1; break;
	case 'P': opt.allow_proxy = 1; break;
	case 'a': opt.abort_after_challenge = 1; break;
	case 'c': opt.policy = optarg; break;
	default: usage();
	}
    }
    if (!opt.mech || !opt.server_plugins || !opt.client_plugins || !opt.sasldb
	|| !opt.realm || !opt.user || !opt.password)
	usage();
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
	die("main", "socketpair failed");
    signal(SIGPIPE, SIG_IGN);
    fflush(stdout);
    if ((pid = fork()) < 0)
	die("main", "fork failed");
    if (pid == 0) {
	close(sv[0]);
	rc = run_client(sv[1]);
	fflush(stdout);
	/* exit(), not _exit(): LeakSanitizer checks the client at exit. */
	exit(rc);
    }
    close(sv[1]);
    rc = run_server(sv[0]);
    close(sv[0]);
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
	return (2);
    /*
     * The client exits 0 or 1 by itself; anything else is a driver error
     * or a memory checker's verdict on the client process (valgrind
     * --error-exitcode, ASAN_OPTIONS=exitcode), which outranks the
     * server's result.
     */
    if (WEXITSTATUS(status) > 1)
	return (WEXITSTATUS(status));
    return (rc);
}
