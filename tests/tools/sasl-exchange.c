/* SPDX-License-Identifier: BSD-2-Clause */
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
 *	[--expect ok|badauth|nouser|badprot|noauthz|toweak|fail] [--tamper-last]
 *	[--allow-proxy] [--abort-after-challenge] [--policy FILE]
 *	[--success-data] [--initial TEXT]
 *	[--allow-proxy] [--min-ssf N] [--max-ssf N] [--maxbuf N]
 *	[--server-min-ssf N] [--server-max-ssf N] [--server-maxbuf N]
 *	[--client-min-ssf N] [--client-max-ssf N] [--client-maxbuf N]
 *	[--server-option NAME=VALUE]... [--client-option NAME=VALUE]...
 *	[--messages SIZE,SIZE,...] [--tamper-layer] [--client-exec PROGRAM]
 *	[--remote ADDR;PORT|none] [--local ADDR;PORT|none] [--list-mechs]
 *	[--server-noplaintext] [--server-external-ssf N]
 *	[--canon-log] [--client-realm REALM]
 *
 * --remote and --local are the server's ipremoteport and iplocalport
 * (the client's are the other way round); "none" passes none. With
 * --list-mechs the server prints "server: mechs=LIST" (sasl_listmech)
 * before the exchange. --server-noplaintext adds SASL_SEC_NOPLAINTEXT
 * to the server's security properties, as Postfix does outside TLS
 * with smtpd_sasl_security_options = noanonymous, noplaintext;
 * --server-external-ssf sets SASL_SSF_EXTERNAL on the server.
 *
 * --canon-log installs the server application's own SASL_CB_CANON_USER
 * callback, which prints what the mechanism handed canon_user, one line
 * per call: "canon: [USER] realm=REALM flags=AUTHID|AUTHZID" (the user
 * realm libsasl2 passes, "-" for none), then leaves the name to
 * libsasl2's own canonicalisation. --client-realm makes the client
 * answer DIGEST-MD5's realm question (SASL_CB_GETREALM) with REALM, ""
 * included (libsasl2's clients ask only when several realms are
 * offered), and is the --realm a --client-exec program gets.
 *
 * --client-exec runs PROGRAM as the client instead of libsasl2: it gets
 * the socket as descriptor 3 and the arguments --fd 3 --user --password
 * --service --host --realm [--messages], and must speak this driver's
 * frame protocol (tests/tools/gsasl-client.c does, with GNU SASL).
 *
 * Prints one line per side ("server: ..." and "client: ...") and exits 0
 * when the server's result is the expected one (and, for ok, the client
 * finished too), 1 when not; when the client process exits with a status
 * above 1 (a driver error, or a memory checker's own exit status), with
 * that status. Never prints a password or a digest.
 *
 * Security layers: --min-ssf, --max-ssf and --maxbuf set both sides'
 * security properties (the per-side forms override them); without any
 * of them the properties stay libsasl2's defaults, which allow no layer.
 * Options (--server-option, --client-option) reach the plugins through
 * SASL_CB_GETOPT; the stock plugins ignore md5gate's.
 *
 * With --messages, after a successful authentication each side prints
 * "ssf=N maxoutbuf=N", then the client sends messages of the given sizes
 * through sasl_encode (sasl_encodev for size 0, which sasl_encode
 * refuses) and the server decodes them, then the server does the same
 * to the client. The sender passes the whole encoded stream in one frame
 * of this driver's protocol; the receiver feeds it to sasl_decode in
 * pieces of 1, 2, 3, 5, 8, 13, 4096 and 100000 bytes in turn, so that
 * frames are split at many places and several frames reach one call.
 * (Without a layer, size 0 is skipped: see send_messages().)
 * Each side prints "received=N bytes=N intact" when every byte arrived
 * as sent, else the decode error or the first difference. --tamper-layer
 * flips one bit in the middle of the client's stream.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
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
    int     success_data;
    const char *initial;
    long    ssf[2][3];			/* [server, client][min, max, maxbuf] */
    int     set_props;
    const char *options[2][8];		/* [server, client] NAME=VALUE */
    int     noptions[2];
    const char *messages;
    int     tamper_layer;
    const char *client_exec;
    int     list_mechs;
    int     server_noplaintext;
    long    server_external_ssf;
    int     canon_log;
    const char *client_realm;
};

enum { SERVER_SIDE, CLIENT_SIDE };
enum { P_MIN, P_MAX, P_MAXBUF };

static struct options opt = {
    .service = "smtp",
    .host = "relay.example.test",
    .expect = "ok",
    .remote = "127.0.0.1;40000",
    .local = "127.0.0.1;25",
    .ssf = {{-1, -1, -1}, {-1, -1, -1}},
    .server_external_ssf = -1,
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
    if (*len > 1 << 24)
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

static const char *result_name(int);

/* NAME=VALUE options given for one side. */
static const char *side_option(int side, const char *option)
{
    size_t  n = strlen(option);
    int     i;

    for (i = 0; i < opt.noptions[side]; i++)
	if (strncmp(opt.options[side][i], option, n) == 0
	    && opt.options[side][i][n] == '=')
	    return (opt.options[side][i] + n + 1);
    return (0);
}

static int client_getopt(void *context, const char *plugin, const char *option,
			         const char **result, unsigned *len)
{
    (void) context;
    (void) plugin;
    if ((*result = side_option(CLIENT_SIDE, option)) != 0)
	/* given on the command line */ ;
    else if (strcmp(option, "md5gate_policy") == 0 && opt.policy)
	*result = opt.policy;
    else
	return (SASL_FAIL);
    if (len)
	*len = (unsigned) strlen(*result);
    return (SASL_OK);
}

static void set_props(sasl_conn_t *conn, int side, const char *who)
{
    sasl_security_properties_t props;
    int     r;

    if (side == SERVER_SIDE && opt.server_external_ssf >= 0) {
	sasl_ssf_t ext = (sasl_ssf_t) opt.server_external_ssf;

	if (sasl_setprop(conn, SASL_SSF_EXTERNAL, &ext) != SASL_OK)
	    die(who, sasl_errdetail(conn));
    }
    if (!opt.set_props && !(side == SERVER_SIDE && opt.server_noplaintext))
	return;
    memset(&props, 0, sizeof(props));
    props.min_ssf = opt.ssf[side][P_MIN] >= 0 ? (sasl_ssf_t) opt.ssf[side][P_MIN] : 0;
    props.max_ssf = opt.ssf[side][P_MAX] >= 0 ? (sasl_ssf_t) opt.ssf[side][P_MAX] : 256;
    props.maxbufsize = opt.ssf[side][P_MAXBUF] >= 0 ?
	(unsigned) opt.ssf[side][P_MAXBUF] : 65536;
    if (side == SERVER_SIDE && opt.server_noplaintext)
	props.security_flags |= SASL_SEC_NOPLAINTEXT;
    if ((r = sasl_setprop(conn, SASL_SEC_PROPS, &props)) != SASL_OK)
	die(who, sasl_errdetail(conn));
}

/* Messages: deterministic bytes, different per direction and index. */
static void message_bytes(unsigned char *buf, size_t len, int from, unsigned idx)
{
    uint32_t x = 0x9e3779b9u * (idx + 1) + (uint32_t) from * 0x85ebca6bu;
    size_t  i;

    for (i = 0; i < len; i++) {
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	buf[i] = (unsigned char) x;
    }
}

static size_t message_sizes(size_t *sizes, size_t max)
{
    const char *cp = opt.messages;
    size_t  n = 0;
    char   *end;

    while (cp && *cp && n < max) {
	sizes[n++] = strtoul(cp, &end, 10);
	cp = (*end == ',') ? end + 1 : end;
	if (end == cp && *cp)
	    die("main", "bad --messages list");
    }
    return (n);
}

static void report_layer(sasl_conn_t *conn, const char *who)
{
    const void *ssf = 0, *maxout = 0;

    sasl_getprop(conn, SASL_SSF, &ssf);
    sasl_getprop(conn, SASL_MAXOUTBUF, &maxout);
    printf("%s: ssf=%u maxoutbuf=%u\n", who, ssf ? *(const unsigned *) ssf : 0,
	   maxout ? *(const unsigned *) maxout : 0);
    fflush(stdout);
}

/* Encode every message of one direction; send the stream in one frame. */
static int send_messages(sasl_conn_t *conn, int fd, int from, const char *who)
{
    size_t  sizes[32], n = message_sizes(sizes, 32), i, total = 0;
    unsigned char *msg, *stream = 0;
    const char *out;
    unsigned outlen;
    const void *ssf = 0;
    int     r;

    sasl_getprop(conn, SASL_SSF, &ssf);
    for (i = 0; i < n; i++) {
	/*
	 * Without a security layer an empty message is nothing on the wire,
	 * and libsasl2 2.1.28 must not see it: its encode buffer would be
	 * allocated with size 0, and the next sasl_encode loops forever
	 * doubling that size (_buf_alloc).
	 */
	if (sizes[i] == 0 && (ssf == 0 || *(const unsigned *) ssf == 0))
	    continue;
	msg = malloc(sizes[i] + 1);
	message_bytes(msg, sizes[i], from, (unsigned) i);
	if (sizes[i] == 0) {
	    struct iovec iov;

	    iov.iov_base = msg;
	    iov.iov_len = 0;
	    r = sasl_encodev(conn, &iov, 1, &out, &outlen);
	} else {
	    r = sasl_encode(conn, (const char *) msg, (unsigned) sizes[i], &out, &outlen);
	}
	free(msg);
	if (r != SASL_OK) {
	    printf("%s: encode result=%s detail=%s\n", who, result_name(r),
		   sasl_errdetail(conn));
	    fflush(stdout);
	    send_frame(fd, FRAME_FAIL, 0, 0);
	    free(stream);
	    return (1);
	}
	stream = realloc(stream, total + outlen);
	memcpy(stream + total, out, outlen);
	total += outlen;
    }
    if (opt.tamper_layer && from == CLIENT_SIDE && total > 0)
	stream[total / 2] ^= 0x10;
    send_frame(fd, FRAME_DATA, (const char *) stream, (unsigned) total);
    free(stream);
    return (0);
}

/* Receive one direction's stream, decode it in pieces, compare. */
static int receive_messages(sasl_conn_t *conn, int fd, int from, const char *who)
{
    static const size_t pieces[] = {1, 2, 3, 5, 8, 13, 4096, 100000};
    size_t  sizes[32], n = message_sizes(sizes, 32), i, want_len = 0, got_len = 0;
    size_t  off = 0, p = 0, piece;
    unsigned char *want, *got;
    char   *in;
    unsigned inlen, outlen;
    const char *out;
    int     type, r, bad = 1;

    for (i = 0; i < n; i++)
	want_len += sizes[i];
    want = malloc(want_len + 1);
    got = malloc(want_len + 1);
    for (i = 0, off = 0; i < n; off += sizes[i], i++)
	message_bytes(want + off, sizes[i], from, (unsigned) i);
    if ((type = recv_frame(fd, &in, &inlen)) != FRAME_DATA) {
	printf("%s: received=none (the peer could not encode)\n", who);
	fflush(stdout);
	if (type >= 0)
	    free(in);
	free(want);
	free(got);
	return (1);
    }
    for (off = 0; off < inlen; off += piece) {
	piece = pieces[p++ % (sizeof(pieces) / sizeof(pieces[0]))];
	if (piece > inlen - off)
	    piece = inlen - off;
	r = sasl_decode(conn, in + off, (unsigned) piece, &out, &outlen);
	if (r != SASL_OK) {
	    printf("%s: decode result=%s detail=%s\n", who, result_name(r),
		   sasl_errdetail(conn));
	    goto done;
	}
	if (got_len + outlen > want_len) {
	    printf("%s: received more than was sent\n", who);
	    goto done;
	}
	if (outlen > 0)				/* out may be null then */
	    memcpy(got + got_len, out, outlen);
	got_len += outlen;
    }
    if (got_len != want_len || memcmp(got, want, want_len) != 0) {
	for (i = 0; i < got_len && i < want_len && got[i] == want[i]; i++)
	     /* void */ ;
	printf("%s: received=%lu bytes, expected %lu, first difference at %lu\n",
	       who, (unsigned long) got_len, (unsigned long) want_len,
	       (unsigned long) i);
	goto done;
    }
    printf("%s: received=%lu bytes=%lu intact\n", who, (unsigned long) n,
	   (unsigned long) got_len);
    bad = 0;
done:
    fflush(stdout);
    free(want);
    free(got);
    free(in);
    return (bad);
}

/* Server side. */

static int server_getopt(void *context, const char *plugin, const char *option,
			         const char **result, unsigned *len)
{
    (void) context;
    (void) plugin;
    if ((*result = side_option(SERVER_SIDE, option)) != 0)
	/* given on the command line */ ;
    else if (strcmp(option, "sasldb_path") == 0)
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

static int canon_log(sasl_conn_t *conn, void *context, const char *in, unsigned inlen,
		             unsigned flags, const char *user_realm, char *out,
		             unsigned out_max, unsigned *out_len)
{
    (void) conn;
    (void) context;
    if (inlen == 0)
	inlen = (unsigned) strlen(in);
    printf("canon: [%.*s] realm=%s flags=%s%s%s\n", (int) inlen, in,
	   user_realm ? user_realm : "-", flags & SASL_CU_AUTHID ? "AUTHID" : "",
	   (flags & SASL_CU_AUTHID) && (flags & SASL_CU_AUTHZID) ? "|" : "",
	   flags & SASL_CU_AUTHZID ? "AUTHZID" : "");
    fflush(stdout);
    if (inlen >= out_max)
	return (SASL_BUFOVER);
    memcpy(out, in, inlen);
    out[inlen] = 0;
    *out_len = inlen;
    return (SASL_OK);
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
    case SASL_TOOWEAK:
	return ("tooweak");
    case SASL_BADMAC:
	return ("badmac");
    case SASL_BUFOVER:
	return ("bufover");
    default:
	return ("fail");
    }
}

 /*
  * What the server sends, with rspauth's last digit changed on request.
  */
static void send_server_data(int fd, int type, const char *out, unsigned outlen)
{
    char   *copy;

    if (!opt.tamper_last || outlen == 0 || strncmp(out, "rspauth=", 8) != 0) {
	send_frame(fd, type, out, outlen);
	return;
    }
    copy = malloc(outlen);
    memcpy(copy, out, outlen);
    copy[outlen - 1] = copy[outlen - 1] == '0' ? '1' : '0';
    send_frame(fd, type, copy, outlen);
    free(copy);
}

 /*
  * With MG_EXCHANGE_PIN_PLUGINS set (test-harness/sanitize.sh sets it),
  * load every plugin of dir once more with RTLD_NODELETE before libsasl2
  * does, so that sasl_done()'s dlclose() leaves them mapped. Only then can
  * LeakSanitizer name the plugin that allocated a leak at exit, which is
  * what test-harness/lsan.supp matches (the stock plugins' own leaks).
  */
static void pin_plugins(const char *dir)
{
    DIR    *dp;
    struct dirent *de;
    char    path[4096];

    if (getenv("MG_EXCHANGE_PIN_PLUGINS") == 0 || (dp = opendir(dir)) == 0)
	return;
    while ((de = readdir(dp)) != 0) {
	if (strstr(de->d_name, ".so") == 0)
	    continue;
	snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
	(void) dlopen(path, RTLD_LAZY | RTLD_NODELETE);
    }
    closedir(dp);
}

static int run_server(int fd)
{
    sasl_callback_t cbs[] = {
	{SASL_CB_GETOPT, (callback_proc) server_getopt, 0},
	{SASL_CB_LOG, (callback_proc) log_cb, (void *) "server"},
	{SASL_CB_PROXY_POLICY, (callback_proc) proxy_policy, 0},
	{SASL_CB_LIST_END, 0, 0},	/* --canon-log: SASL_CB_CANON_USER */
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

    if (opt.canon_log) {
	cbs[3].id = SASL_CB_CANON_USER;
	cbs[3].proc = (callback_proc) canon_log;
    }
    setenv("SASL_PATH", opt.server_plugins, 1);
    setenv("SASL_PLUGINDIR", opt.server_plugins, 1);	/* development branch */
    pin_plugins(opt.server_plugins);
    if ((r = sasl_server_init(cbs, "sasl-exchange")) != SASL_OK)
	die("server", sasl_errstring(r, 0, 0));
    if ((r = sasl_server_new(opt.service, opt.host, opt.realm, opt.local,
			     opt.remote, 0, opt.success_data ? SASL_SUCCESS_DATA : 0,
			     &conn)) != SASL_OK)
	die("server", sasl_errstring(r, 0, 0));
    set_props(conn, SERVER_SIDE, "server");
    if (opt.list_mechs) {
	const char *list = 0;

	if ((r = sasl_listmech(conn, 0, "", " ", "", &list, 0, 0)) != SASL_OK)
	    list = "";
	printf("server: mechs=%s\n", list);
	fflush(stdout);
    }
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
	    send_server_data(fd, FRAME_DATA, out, outlen);
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
	send_server_data(fd, FRAME_OK, opt.success_data ? out : 0,
			 opt.success_data && out ? outlen : 0);
	printf("server: result=ok user=%s\n", username ? (const char *) username : "");
	if (opt.messages) {
	    int     bad;

	    report_layer(conn, "server");
	    bad = receive_messages(conn, fd, CLIENT_SIDE, "server");
	    bad |= send_messages(conn, fd, SERVER_SIDE, "server");
	    if (bad) {
		sasl_dispose(&conn);
		sasl_done();
		return (1);
	    }
	}
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

static int client_getrealm(void *context, int id, const char **avail,
			           const char **result)
{
    (void) context;
    (void) id;
    (void) avail;
    *result = opt.client_realm;
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
	{SASL_CB_GETOPT, (callback_proc) client_getopt, 0},
	{SASL_CB_LIST_END, 0, 0},	/* --client-realm: SASL_CB_GETREALM */
	{SASL_CB_LIST_END, 0, 0},
    };
    /* A null procedure asks libsasl2 to prompt through sasl_interact_t. */
    sasl_callback_t icbs[] = {
	{SASL_CB_AUTHNAME, 0, 0},
	{SASL_CB_USER, 0, 0},
	{SASL_CB_PASS, 0, 0},
	{SASL_CB_LOG, (callback_proc) log_cb, (void *) "client"},
	{SASL_CB_GETOPT, (callback_proc) client_getopt, 0},
	{SASL_CB_LIST_END, 0, 0},
    };
    sasl_conn_t *conn;
    const char *out = 0, *mech_used = 0;
    unsigned outlen = 0;
    char   *in, *start;
    unsigned inlen;
    int     r, type;
    size_t  mlen = strlen(opt.mech);

    /* Plugin initialisation sees only these, through utils->getopt. */
    static sasl_callback_t global_cbs[] = {
	{SASL_CB_GETOPT, (callback_proc) client_getopt, 0},
	{SASL_CB_LOG, (callback_proc) log_cb, (void *) "client"},
	{SASL_CB_LIST_END, 0, 0},
    };

    setenv("SASL_PATH", opt.client_plugins, 1);
    setenv("SASL_PLUGINDIR", opt.client_plugins, 1);	/* development branch */
    pin_plugins(opt.client_plugins);
    if ((r = sasl_client_init(global_cbs)) != SASL_OK)
	die("client", sasl_errstring(r, 0, 0));
    if (opt.client_realm) {
	cbs[5].id = SASL_CB_GETREALM;
	cbs[5].proc = (callback_proc) client_getrealm;
    }
    /* The client's local end is the server's remote one, and vice versa. */
    if ((r = sasl_client_new(opt.service, opt.host, opt.remote, opt.local,
			     opt.interact ? icbs : cbs, 0, &conn)) != SASL_OK)
	die("client", sasl_errstring(r, 0, 0));
    set_props(conn, CLIENT_SIDE, "client");
    r = client_call(conn, 0, 0, &out, &outlen, 1, &mech_used);
    if (r != SASL_OK && r != SASL_CONTINUE) {
	printf("client: result=%s detail=%s\n", result_name(r), sasl_errdetail(conn));
	send_frame(fd, FRAME_ABORT, 0, 0);
	sasl_dispose(&conn);
	sasl_done();
	return (1);
    }
    if (opt.initial) {			/* a client that opens with data */
	out = opt.initial;
	outlen = (unsigned) strlen(opt.initial);
    }
    start = malloc(mlen + 1 + outlen);
    memcpy(start, opt.mech, mlen + 1);
    if (out)
	memcpy(start + mlen + 1, out, outlen);
    send_frame(fd, FRAME_START, start, (unsigned) (mlen + (out ? 1 + outlen : 0)));
    free(start);
    for (;;) {
	type = recv_frame(fd, &in, &inlen);
	if (type == FRAME_OK && inlen > 0) {	/* additional data with success */
	    r = client_call(conn, in, inlen, &out, &outlen, 0, 0);
	    if (r == SASL_OK)
		printf("client: result=ok\n");
	    else
		printf("client: result=%s detail=%s\n", result_name(r), sasl_errdetail(conn));
	    break;
	}
	if (type == FRAME_OK) {
	    printf("client: result=%s\n", r == SASL_OK ? "ok" : "server-accepted-early");
	    if (opt.messages) {
		int     bad;

		free(in);
		report_layer(conn, "client");
		bad = send_messages(conn, fd, CLIENT_SIDE, "client");
		bad |= receive_messages(conn, fd, SERVER_SIDE, "client");
		fflush(stdout);
		sasl_dispose(&conn);
		sasl_done();
		return (bad);
	    }
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
	    "[--abort-after-challenge] [--policy FILE] [--success-data] "
	    "[--initial TEXT] "
	    "[--min-ssf N] [--max-ssf N] [--maxbuf N] [--server-min-ssf N] "
	    "[--server-max-ssf N] [--server-maxbuf N] [--client-min-ssf N] "
	    "[--client-max-ssf N] [--client-maxbuf N] [--server-option N=V] "
	    "[--client-option N=V] [--messages SIZES] [--tamper-layer] "
	    "[--remote ADDR;PORT|none] [--local ADDR;PORT|none] [--list-mechs] "
	    "[--server-noplaintext] [--server-external-ssf N]\n");
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
	{"abort-after-challenge", 0, 0, 'a'}, {"policy", 1, 0, 'c'},
	{"success-data", 0, 0, 'D'}, {"initial", 1, 0, 'I'},
	{"min-ssf", 1, 0, 256 + P_MIN}, {"max-ssf", 1, 0, 256 + P_MAX},
	{"maxbuf", 1, 0, 256 + P_MAXBUF},
	{"server-min-ssf", 1, 0, 260 + P_MIN}, {"server-max-ssf", 1, 0, 260 + P_MAX},
	{"server-maxbuf", 1, 0, 260 + P_MAXBUF},
	{"client-min-ssf", 1, 0, 264 + P_MIN}, {"client-max-ssf", 1, 0, 264 + P_MAX},
	{"client-maxbuf", 1, 0, 264 + P_MAXBUF},
	{"server-option", 1, 0, 'O'}, {"client-option", 1, 0, 'o'},
	{"messages", 1, 0, 'M'}, {"tamper-layer", 0, 0, 'T'},
	{"client-exec", 1, 0, 'E'}, {"remote", 1, 0, 'R'}, {"local", 1, 0, 'L'},
	{"list-mechs", 0, 0, 'l'}, {"server-noplaintext", 0, 0, 'n'},
	{"server-external-ssf", 1, 0, 'x'}, {"canon-log", 0, 0, 'N'},
	{"client-realm", 1, 0, 'G'}, {0, 0, 0, 0},
    };
    long    both[3] = {-1, -1, -1};
    int     k;
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
	case 'D': opt.success_data = 1; break;
	case 'I': opt.initial = optarg; break;
	case 256 + P_MIN: case 256 + P_MAX: case 256 + P_MAXBUF:
	    both[ch - 256] = strtol(optarg, 0, 10);
	    opt.set_props = 1;
	    break;
	case 260 + P_MIN: case 260 + P_MAX: case 260 + P_MAXBUF:
	    opt.ssf[SERVER_SIDE][ch - 260] = strtol(optarg, 0, 10);
	    opt.set_props = 1;
	    break;
	case 264 + P_MIN: case 264 + P_MAX: case 264 + P_MAXBUF:
	    opt.ssf[CLIENT_SIDE][ch - 264] = strtol(optarg, 0, 10);
	    opt.set_props = 1;
	    break;
	case 'O': case 'o':
	    k = ch == 'O' ? SERVER_SIDE : CLIENT_SIDE;
	    if (opt.noptions[k] >= 8 || strchr(optarg, '=') == 0)
		usage();
	    opt.options[k][opt.noptions[k]++] = optarg;
	    break;
	case 'M': opt.messages = optarg; break;
	case 'T': opt.tamper_layer = 1; break;
	case 'E': opt.client_exec = optarg; break;
	case 'R': opt.remote = strcmp(optarg, "none") ? optarg : 0; break;
	case 'L': opt.local = strcmp(optarg, "none") ? optarg : 0; break;
	case 'l': opt.list_mechs = 1; break;
	case 'n': opt.server_noplaintext = 1; break;
	case 'x': opt.server_external_ssf = strtol(optarg, 0, 10); break;
	case 'N': opt.canon_log = 1; break;
	case 'G': opt.client_realm = optarg; break;
	default: usage();
	}
    }
    for (k = 0; k < 3; k++) {
	if (opt.ssf[SERVER_SIDE][k] < 0)
	    opt.ssf[SERVER_SIDE][k] = both[k];
	if (opt.ssf[CLIENT_SIDE][k] < 0)
	    opt.ssf[CLIENT_SIDE][k] = both[k];
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
    if (pid == 0 && opt.client_exec) {
	const char *args[20];
	int     n = 0;

	close(sv[0]);
	if (dup2(sv[1], 3) < 0)
	    die("client", "dup2 failed");
	args[n++] = opt.client_exec;
	args[n++] = "--fd";
	args[n++] = "3";
	args[n++] = "--user";
	args[n++] = opt.user;
	args[n++] = "--password";
	args[n++] = opt.password;
	args[n++] = "--service";
	args[n++] = opt.service;
	args[n++] = "--host";
	args[n++] = opt.host;
	args[n++] = "--realm";
	args[n++] = opt.client_realm ? opt.client_realm : opt.realm;
	if (opt.messages) {
	    args[n++] = "--messages";
	    args[n++] = opt.messages;
	}
	args[n] = 0;
	execv(opt.client_exec, (char *const *) args);
	die("client", "cannot run --client-exec program");
    }
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
    /* With a message exchange, the client's verdict counts too. */
    if (opt.messages && rc == 0 && strcmp(opt.expect, "ok") == 0
	&& WEXITSTATUS(status) != 0)
	rc = 1;
    return (rc);
}
