/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fake-sasl: drive md5gate's libsasl2 mechanisms in-process without a
 * SASL connection, for the fuzz targets.
 *
 * The plugin is initialised through its real entry points,
 * sasl_server_plug_init() and sasl_client_plug_init(), with a
 * sasl_utils_t built here: allocation, options, logging, errors and
 * callbacks are stubs; property contexts are libsasl2's own (prop_*),
 * so the plugin's auxprop handling runs against the real thing. A
 * canon_user stub stands in for libsasl2's canonicalisation and auxprop
 * lookup, answering from a fixed table of users and passwords.
 *
 * Every message handed to the plugin is an exact-size heap copy, so
 * AddressSanitizer sees a read one byte past the end. Checks that would
 * otherwise go unnoticed abort (libFuzzer reports a crash):
 *
 *	- a log line or error message carries a password the peer never
 *	  sent (md5gate must never log a secret);
 *	- output that is longer than RFC limits, or holds a NUL byte;
 *	- output length without output;
 *	- SASL_INTERACT without prompts;
 *	- a server that reports success without an identity, or for a
 *	  user with no password in the table.
 *
 * FAKE_SASL_TRACE=1 in the environment prints each step's result and
 * output, to check what a seed reaches.
 *
 * The plugin's configuration file is a temporary file that sends
 * every audit record to /dev/null at the most verbose levels, so both
 * record formats are produced for every attempt.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sasl/prop.h>

#include "fake-sasl.h"
#include "cram.h"
#include "digest/digest.h"
#include "mg_util.h"

#define FQDN		"relay.example.test"
#define REALM		"example.test"
#define OUT_MAX		8192		/* more than any md5gate message */
#define CANON_MAX	1024		/* libsasl2's CANON_BUF_SIZE */

/* The plugin's entry points (plugins/plugin_init.c). */
extern int sasl_server_plug_init(const sasl_utils_t *, int, int *,
				         sasl_server_plug_t **, int *);
extern int sasl_client_plug_init(const sasl_utils_t *, int, int *,
				         sasl_client_plug_t **, int *);

static const struct user {
    const char *name;
    const char *password;
    int     distinctive;		/* cannot occur in a message by chance */
} users[] = {
    {"doorphone", "Door 2024 pässwort", 1},
    {"chris", "secret", 0},			/* RFC 2831 */
    {"tim", "tanstaaftanstaaf", 1},		/* RFC 2195 */
    {"jürgen", "grüße", 1},
    {"front door", "Jiří 東京", 1},
    {"boss", "unused but present", 1},
    {0, 0, 0},
};

 /*
  * The name part of user[@realm] (split at the last '@'), without the
  * white space around it that canonicalisation trims, must equal a
  * table name; the realm is not looked at.
  */
const char *fake_password(const char *user, size_t len)
{
    const struct user *u;
    const char *at;

    while (len > 0 && (*user == ' ' || *user == '\t'))
	user++, len--;
    while (len > 0 && (user[len - 1] == ' ' || user[len - 1] == '\t'))
	len--;

    for (at = user + len; at > user && at[-1] != '@'; at--)
	 /* void */ ;
    if (at > user)
	len = (size_t) (at - 1 - user);
    for (u = users; u->name; u++)
	if (strlen(u->name) == len && memcmp(u->name, user, len) == 0)
	    return (u->password);
    return (0);
}

 /*
  * The session under way: what the stubs need to know.
  */
static struct session {
    int     server;
    unsigned opts;
    char   *sent[FAKE_MSGS_MAX];		/* messages as handed over */
    size_t  sent_len[FAKE_MSGS_MAX];
    int     sent_count;
    struct propctx *propctx;
    const char *user_realm;
    const char *client_user;
    char    authid[CANON_MAX + 1];
    char    user[CANON_MAX + 1];
    char    out[OUT_MAX];		/* the plugin's last output */
    size_t  out_len;
    struct fake_canon_call canon[FAKE_CANON_MAX];	/* what canon_user got */
    int     canon_count;
} cur;

static sasl_utils_t utils;
static char conn_dummy;

/* Options. */

static int fake_getopt(void *context, const char *plugin, const char *option,
		               const char **result, unsigned *len)
{
    const char *value = 0;

    (void) plugin;
    if (strcmp(option, "md5gate_policy") == 0) {
	value = context;
    } else if (strcmp(option, "md5gate_digest_realms") == 0) {
	value = (cur.opts & FAKE_S_REALM_STRICT) ? "other.test, , example.test\tthird" : 0;
    } else if (strcmp(option, "md5gate_digest_hosts") == 0) {
	value = (cur.opts & FAKE_S_URI_STRICT) ? "mail.example.test 192.0.2.1" : 0;
    } else if (strcmp(option, "md5gate_digest_uri_strict") == 0) {
	/* A value md5gate does not understand would disable it at init. */
	value = (cur.opts & FAKE_S_URI_STRICT) ? "yes" : "No";
    } else if (strcmp(option, "md5gate_digest_realm_strict") == 0) {
	value = (cur.opts & FAKE_S_REALM_STRICT) ? "on" : "off";
    } else if (strcmp(option, "md5gate_digest_final_reply") == 0) {
	value = (cur.opts & FAKE_S_FINAL_EMPTY) ? "empty" : "any";
    }
    if (value == 0)
	return (SASL_FAIL);
    *result = value;
    if (len)
	*len = (unsigned) strlen(value);
    return (SASL_OK);
}

/* Logging and errors: formatted, then searched for secrets. */

static int peer_sent(const char *needle)
{
    int     i;
    size_t  n = strlen(needle);
    size_t  j, k;
    char   *plain;
    int     found;

    for (i = 0; i < cur.sent_count; i++) {
	if (cur.sent_len[i] < n)
	    continue;
	if (memmem(cur.sent[i], cur.sent_len[i], needle, n) != 0)
	    return (1);
	/* A quoted-string value reaches the log with its "\" pairs undone. */
	if ((plain = malloc(cur.sent_len[i])) == 0)
	    abort();
	for (j = k = 0; j < cur.sent_len[i]; j++) {
	    if (cur.sent[i][j] == '\\' && j + 1 < cur.sent_len[i])
		j++;
	    plain[k++] = cur.sent[i][j];
	}
	found = k >= n && memmem(plain, k, needle, n) != 0;
	free(plain);
	if (found)
	    return (1);
    }
    return (0);
}

 /*
  * Keep a message as handed over, for peer_sent(), until the session
  * ends.
  */
static char *sent(char *msg, size_t len)
{
    cur.sent[cur.sent_count] = msg;
    cur.sent_len[cur.sent_count++] = len;
    return (msg);
}

static void session_end(void)
{
    int     i;

    for (i = 0; i < cur.sent_count; i++)
	free(cur.sent[i]);
    cur.sent_count = 0;
}

static void no_secrets(const char *what, const char *text)
{
    const struct user *u;

    for (u = users; u->name; u++) {
	if (u->distinctive && strstr(text, u->password) != 0
	    && !peer_sent(u->password)) {
	    fprintf(stderr, "fake-sasl: %s carries the password of %s: %s\n",
		    what, u->name, text);
	    abort();
	}
    }
}

 /*
  * libsasl2's formatter implements %s %c %d %i %u %o %x %X %% %m %z and
  * nothing else (no flags, widths, precisions or length modifiers): a
  * format it cannot print is a crash in the real library, so it is one
  * here too.
  */
static void libsasl2_format(const char *what, const char *fmt)
{
    const char *cp;

    for (cp = fmt; (cp = strchr(cp, '%')) != 0; cp += 2) {
	if (cp[1] == 0 || strchr("scdiuoxX%mz", cp[1]) == 0) {
	    fprintf(stderr, "fake-sasl: %s format \"%s\": libsasl2 cannot print it\n",
		    what, fmt);
	    abort();
	}
    }
}

static void fake_log(sasl_conn_t *conn, int level, const char *fmt,...)
{
    char    buf[2048];
    va_list ap;

    (void) conn;
    (void) level;
    libsasl2_format("log", fmt);
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    no_secrets("log line", buf);
}

static void fake_seterror(sasl_conn_t *conn, unsigned flags, const char *fmt,...)
{
    char    buf[2048];
    va_list ap;

    (void) conn;
    (void) flags;
    libsasl2_format("seterror", fmt);
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    no_secrets("error message", buf);
}

/* Application callbacks. */

static int fake_proxy_policy(sasl_conn_t *conn, void *context,
			             const char *requested_user, unsigned rlen,
			             const char *auth_identity, unsigned alen,
			             const char *def_realm, unsigned urlen,
			             struct propctx *propctx)
{
    (void) conn;
    (void) context;
    (void) def_realm;
    (void) urlen;
    (void) propctx;
    if ((cur.opts & FAKE_S_PROXY_DENY) == 0)
	return (SASL_OK);
    if (rlen == alen && memcmp(requested_user, auth_identity, alen) == 0)
	return (SASL_OK);
    return (SASL_NOAUTHZ);
}

static int fake_simple(void *context, int id, const char **result, unsigned *len)
{
    (void) context;
    if (id == SASL_CB_AUTHNAME)
	*result = cur.client_user;
    else if (id == SASL_CB_USER)
	*result = (cur.opts & FAKE_C_AUTHZID) ? "boss" : "";
    else
	return (SASL_FAIL);
    if (len)
	*len = (unsigned) strlen(*result);
    return (SASL_OK);
}

static int fake_pass(sasl_conn_t *conn, void *context, int id,
		             sasl_secret_t **psecret)
{
    static union {
	sasl_secret_t secret;
	char    space[sizeof(sasl_secret_t) + 64];
    } u;
    const char *password = fake_password(cur.client_user, strlen(cur.client_user));

    (void) conn;
    (void) context;
    (void) id;
    u.secret.len = strlen(password);
    memcpy(u.secret.data, password, u.secret.len);
    *psecret = &u.secret;
    return (SASL_OK);
}

static int fake_getrealm(void *context, int id, const char **avail,
			         const char **result)
{
    (void) context;
    (void) id;
    *result = avail && avail[0] ? avail[0] : 0;
    return (SASL_OK);
}

static int fake_getcallback(sasl_conn_t *conn, unsigned long id,
			            sasl_callback_ft *pproc, void **pcontext)
{
    (void) conn;
    *pproc = 0;
    *pcontext = 0;
    if (cur.server) {
	if (id != SASL_CB_PROXY_POLICY)
	    return (SASL_FAIL);
	*pproc = (sasl_callback_ft) fake_proxy_policy;
	return (SASL_OK);
    }
    if (cur.opts & FAKE_C_NO_CALLBACKS)
	return (SASL_FAIL);
    switch (id) {
    case SASL_CB_AUTHNAME:
    case SASL_CB_USER:
	if (cur.opts & FAKE_C_PROMPTS)
	    return (SASL_INTERACT);		/* as libsasl2: a null proc */
	*pproc = (sasl_callback_ft) fake_simple;
	return (SASL_OK);
    case SASL_CB_PASS:
	if (cur.opts & FAKE_C_PROMPTS)
	    return (SASL_INTERACT);
	*pproc = (sasl_callback_ft) fake_pass;
	return (SASL_OK);
    case SASL_CB_GETREALM:
	if ((cur.opts & FAKE_C_GETREALM) == 0)
	    return (SASL_FAIL);
	*pproc = (sasl_callback_ft) fake_getrealm;
	return (SASL_OK);
    }
    return (SASL_FAIL);
}

 /*
  * libsasl2's canonicalisation, simplified: trim white space, refuse
  * what does not fit its buffer, append the user realm on the server
  * side, and (server, authentication id) look the user up.
  */
static int fake_canon_user(sasl_conn_t *conn, const char *in, unsigned inlen,
			           unsigned flags, sasl_out_params_t *oparams)
{
    char    buf[CANON_MAX + 1];
    size_t  n = inlen ? inlen : strlen(in);
    const char *password;

    (void) conn;
    if (cur.canon_count < FAKE_CANON_MAX) {
	snprintf(cur.canon[cur.canon_count].user, sizeof(cur.canon[0].user), "%.*s",
		 (int) n, in);
	cur.canon[cur.canon_count++].flags = flags;
    }
    while (n > 0 && (*in == ' ' || *in == '\t'))
	in++, n--;
    while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
	n--;
    if (n >= CANON_MAX / 2)
	return (SASL_BUFOVER);
    memcpy(buf, in, n);
    buf[n] = 0;
    if (cur.server && cur.user_realm && memchr(buf, '@', n) == 0)
	snprintf(buf + n, sizeof(buf) - n, "@%s", cur.user_realm);
    if (flags & SASL_CU_AUTHID) {
	strcpy(cur.authid, buf);
	oparams->authid = cur.authid;
	oparams->alen = (unsigned) strlen(cur.authid);
	if (cur.server && (password = fake_password(buf, strlen(buf))) != 0)
	    prop_set(cur.propctx, SASL_AUX_PASSWORD, password, 0);
    }
    if (flags & SASL_CU_AUTHZID) {
	strcpy(cur.user, buf);
	oparams->user = cur.user;
	oparams->ulen = (unsigned) strlen(cur.user);
    }
    return (SASL_OK);
}

/* Setup. */

static const char *policy_text = "[global]\naudit_file = /dev/null\n"
"audit_success_level = debug\naudit_failure_level = debug\n";

void    fake_set_policy(const char *text)
{
    policy_text = text;
}

const struct fake_canon_call *fake_canon_calls(int *count)
{
    *count = cur.canon_count;
    return (cur.canon);
}

static void fake_init(void)
{
    static int done;
    static char policy[] = "/tmp/md5gate-fuzz-policy.XXXXXX";
    int     fd;

    if (done++)
	return;
    if ((fd = mkstemp(policy)) < 0
	|| write(fd, policy_text, strlen(policy_text)) < 0) {
	perror("fake-sasl: policy file");
	abort();
    }
    close(fd);
    utils.conn = (sasl_conn_t *) & conn_dummy;
    utils.getopt_context = policy;
    utils.getopt = fake_getopt;
    utils.malloc = malloc;
    utils.calloc = calloc;
    utils.realloc = realloc;
    utils.free = free;
    utils.getcallback = fake_getcallback;
    utils.log = fake_log;
    utils.seterror = fake_seterror;
    utils.prop_new = prop_new;
    utils.prop_dup = prop_dup;
    utils.prop_request = prop_request;
    utils.prop_get = prop_get;
    utils.prop_getnames = prop_getnames;
    utils.prop_clear = prop_clear;
    utils.prop_dispose = prop_dispose;
    utils.prop_format = prop_format;
    utils.prop_set = prop_set;
    utils.prop_setvals = prop_setvals;
    utils.prop_erase = prop_erase;
    /* Everything else stays null: md5gate must not need it. */
}

 /*
  * Both init functions run once: the plugin reads its configuration
  * file there, and it is only read at the first one.
  */
static void plug_init_all(sasl_server_plug_t **sp, int *sn,
			          sasl_client_plug_t **cp, int *cn)
{
    static sasl_server_plug_t *splugs;
    static sasl_client_plug_t *cplugs;
    static int scount, ccount, done;
    int     version;

    fake_init();
    if (!done) {
	done = 1;
	if (sasl_server_plug_init(&utils, SASL_SERVER_PLUG_VERSION, &version,
				  &splugs, &scount) != SASL_OK
	    || sasl_client_plug_init(&utils, SASL_CLIENT_PLUG_VERSION, &version,
				     &cplugs, &ccount) != SASL_OK) {
	    fprintf(stderr, "fake-sasl: the plugin refused to initialise\n");
	    abort();
	}
	unlink((const char *) utils.getopt_context);
    }
    *sp = splugs;
    *sn = scount;
    *cp = cplugs;
    *cn = ccount;
}

const sasl_server_plug_t *fake_server_mech(const char *name)
{
    sasl_server_plug_t *sp;
    sasl_client_plug_t *cp;
    int     sn, cn, i;

    plug_init_all(&sp, &sn, &cp, &cn);
    for (i = 0; i < sn; i++)
	if (strcmp(sp[i].mech_name, name) == 0)
	    return (sp + i);
    fprintf(stderr, "fake-sasl: no server mechanism %s\n", name);
    abort();
}

const sasl_client_plug_t *fake_client_mech(const char *name)
{
    sasl_server_plug_t *sp;
    sasl_client_plug_t *cp;
    int     sn, cn, i;

    plug_init_all(&sp, &sn, &cp, &cn);
    for (i = 0; i < cn; i++)
	if (strcmp(cp[i].mech_name, name) == 0)
	    return (cp + i);
    fprintf(stderr, "fake-sasl: no client mechanism %s\n", name);
    abort();
}

/* Messages. */

void    fake_split(const uint8_t *data, size_t size, struct fake_msgs *m)
{
    char   *cp, *end, *sep;

    memset(m, 0, sizeof(*m));
    if (size == 0)
	return;
    m->opts = data[0];
    m->text = malloc(size);
    memcpy(m->text, data + 1, size - 1);
    cp = m->text;
    end = m->text + size - 1;
    for (;;) {
	m->msg[m->count] = cp;
	if (m->count == FAKE_MSGS_MAX - 1
	    || (sep = memchr(cp, FAKE_SEP, (size_t) (end - cp))) == 0) {
	    m->len[m->count++] = (size_t) (end - cp);
	    return;
	}
	m->len[m->count++] = (size_t) (sep - cp);
	cp = sep + 1;
    }
}

void    fake_msgs_free(struct fake_msgs *m)
{
    free(m->text);
    memset(m, 0, sizeof(*m));
}

 /*
  * An exact-size heap copy of a message with one placeholder replaced
  * by 32 characters (or removed when there is no replacement).
  */
static char *replace(const char *in, size_t len, const char *placeholder,
		             const char *with, size_t *out_len, size_t *where)
{
    size_t  plen = strlen(placeholder), wlen = with ? strlen(with) : 0;
    const char *hit = len >= plen ? memmem(in, len, placeholder, plen) : 0;
    char   *out;

    if (hit == 0) {
	out = malloc(len ? len : 1);
	memcpy(out, in, len);
	*out_len = len;
	*where = (size_t) -1;
	return (out);
    }
    *out_len = len - plen + wlen;
    out = malloc(*out_len ? *out_len : 1);
    *where = (size_t) (hit - in);
    memcpy(out, in, *where);
    if (wlen > 0)
	memcpy(out + *where, with, wlen);
    memcpy(out + *where + wlen, hit + plen, len - *where - plen);
    return (out);
}

static const char zeros[] = "00000000000000000000000000000000";

static char *server_message(const char *in, size_t len, size_t *out_len)
{
    struct mg_digest_challenge chal;
    struct mg_digest_response resp;
    struct mg_digest_secret secret;
    struct mg_cram_response cresp;
    struct mg_cram_key key;
    unsigned char digest[MG_DIGEST_HASH_LEN];
    char    hex[MG_DIGEST_HEX_LEN + 1];
    const char *password;
    char   *a, *b;
    size_t  alen, where;

    /* The nonce of the challenge we sent. */
    mg_digest_challenge_init(&chal);
    (void) mg_digest_parse_challenge(cur.out, cur.out_len, &chal, 0);
    a = replace(in, len, FAKE_NONCE, chal.nonce, &alen, &where);
    mg_digest_challenge_free(&chal);

    /* DIGEST-MD5: the response digest for the user named. */
    b = replace(a, alen, FAKE_RESPONSE, zeros, out_len, &where);
    free(a);
    if (where != (size_t) -1) {
	mg_digest_response_init(&resp);
	if (mg_digest_parse_response(b, *out_len, &resp, 0) == MG_OK
	    && (password = fake_password(resp.username, strlen(resp.username))) != 0) {
	    memset(&secret, 0, sizeof(secret));
	    secret.kind = MG_DIGEST_SECRET_PASSWORD;
	    secret.password = (const unsigned char *) password;
	    secret.password_len = strlen(password);
	    if (mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RESPONSE, digest, 0) == MG_OK) {
		mg_hex_encode(digest, sizeof(digest), hex);
		memcpy(b + where, hex, MG_DIGEST_HEX_LEN);
	    }
	}
	mg_digest_response_free(&resp);
	return (b);
    }

    /* CRAM-MD5: the HMAC of the challenge we sent. */
    a = replace(b, *out_len, FAKE_CRAM, zeros, &alen, &where);
    free(b);
    *out_len = alen;
    if (where != (size_t) -1
	&& mg_cram_parse_response(a, alen, &cresp, 0) == MG_OK
	&& (password = fake_password(cresp.user, cresp.user_len)) != 0) {
	memset(&key, 0, sizeof(key));
	key.kind = MG_CRAM_KEY_PLAINTEXT;
	key.password = (const unsigned char *) password;
	key.password_len = strlen(password);
	if (mg_cram_digest(&key, cur.out, cur.out_len, digest, 0) == MG_OK) {
	    mg_hex_encode(digest, MG_CRAM_DIGEST_LEN, hex);
	    memcpy(a + where, hex, MG_CRAM_HEX_LEN);
	}
    }
    return (a);
}

static char *client_message(const char *in, size_t len, size_t *out_len)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret;
    unsigned char digest[MG_DIGEST_HASH_LEN];
    char    hex[MG_DIGEST_HEX_LEN + 1];
    const char *password;
    char   *a;
    size_t  where;

    /* DIGEST-MD5: the rspauth that belongs to the response we sent. */
    a = replace(in, len, FAKE_RSPAUTH, zeros, out_len, &where);
    if (where == (size_t) -1)
	return (a);
    mg_digest_response_init(&resp);
    if (mg_digest_parse_response(cur.out, cur.out_len, &resp, 0) == MG_OK
	&& (password = fake_password(resp.username, strlen(resp.username))) != 0) {
	memset(&secret, 0, sizeof(secret));
	secret.kind = MG_DIGEST_SECRET_PASSWORD;
	secret.password = (const unsigned char *) password;
	secret.password_len = strlen(password);
	if (mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RSPAUTH, digest, 0) == MG_OK) {
	    mg_hex_encode(digest, sizeof(digest), hex);
	    memcpy(a + where, hex, MG_DIGEST_HEX_LEN);
	}
    }
    mg_digest_response_free(&resp);
    return (a);
}

 /*
  * Keep the plugin's output (the next message's placeholders need it)
  * and check its form.
  */
static void keep_output(const char *who, int ret, const char *out, unsigned len)
{
    static int trace = -1;

    if (trace < 0)
	trace = getenv("FAKE_SASL_TRACE") != 0;
    if (trace)
	fprintf(stderr, "fake-sasl: %s step: %d, %u bytes: %.*s\n", who, ret, len,
		out ? (int) (len > 200 ? 200 : len) : 0, out ? out : "");
    if (ret != SASL_OK && ret != SASL_CONTINUE)
	return;
    if (len > 0 && out == 0) {
	fprintf(stderr, "fake-sasl: %s: output length %u without output\n", who, len);
	abort();
    }
    if (len >= OUT_MAX) {
	fprintf(stderr, "fake-sasl: %s: output of %u bytes\n", who, len);
	abort();
    }
    if (len > 0 && memchr(out, 0, len) != 0) {
	fprintf(stderr, "fake-sasl: %s: output holds a NUL byte\n", who);
	abort();
    }
    if (len > 0)
	memcpy(cur.out, out, len);
    cur.out_len = len;
}

int     fake_server_session(const sasl_server_plug_t *plug, struct fake_msgs *m)
{
    sasl_server_params_t sp;
    sasl_out_params_t op;
    void   *ctx = 0;
    const char *out;
    unsigned outlen;
    char   *msg;
    size_t  len;
    int     i, ret;

    memset(&cur, 0, sizeof(cur));
    cur.server = 1;
    cur.opts = m->opts;
    cur.propctx = prop_new(0);
    cur.user_realm = (m->opts & FAKE_S_NO_USER_REALM) ? 0 : REALM;
    memset(&sp, 0, sizeof(sp));
    memset(&op, 0, sizeof(op));
    sp.service = "smtp";
    sp.servicelen = 4;
    sp.appname = "fuzz";
    sp.serverFQDN = FQDN;
    sp.slen = (unsigned) strlen(FQDN);
    sp.user_realm = cur.user_realm;
    sp.urlen = cur.user_realm ? (unsigned) strlen(cur.user_realm) : 0;
    if ((m->opts & FAKE_S_NO_ADDRS) == 0) {
	sp.iplocalport = "192.0.2.1;587";
	sp.ipremoteport = "192.0.2.7;38053";
    }
    sp.utils = &utils;
    sp.canon_user = fake_canon_user;
    sp.propctx = cur.propctx;
    sp.flags = (m->opts & FAKE_S_SUCCESS_DATA) ? SASL_SUCCESS_DATA : 0;
    if (plug->mech_avail)
	(void) plug->mech_avail(plug->glob_context, &sp, &ctx);
    ret = plug->mech_new(plug->glob_context, &sp, 0, 0, &ctx);
    if (ret == SASL_OK) {
	ret = SASL_CONTINUE;
	for (i = 0; i < m->count; i++) {
	    msg = server_message(m->msg[i], m->len[i], &len);
	    sent(msg, len);
	    out = 0;
	    outlen = 0;
	    ret = plug->mech_step(ctx, &sp, i == 0 && len == 0 ? 0 : msg,
				  (unsigned) len, &out, &outlen, &op);
	    keep_output("server", ret, out, outlen);
	    if (ret != SASL_CONTINUE)
		break;
	}
	if (ret == SASL_OK && (op.authid == 0 || op.doneflag == 0
			       || fake_password(op.authid, op.alen) == 0)) {
	    fprintf(stderr, "fake-sasl: server success without a known identity\n");
	    abort();
	}
	if (m->opts & FAKE_S_EXTRA_STEP)
	    (void) plug->mech_step(ctx, &sp, "", 0, &out, &outlen, &op);
	plug->mech_dispose(ctx, &utils);
    }
    prop_dispose(&cur.propctx);
    session_end();
    return (ret);
}

static void answer_prompts(sasl_interact_t *p)
{
    for (; p->id != SASL_CB_LIST_END; p++) {
	p->result = p->id == SASL_CB_AUTHNAME ? cur.client_user :
	    p->id == SASL_CB_PASS ?
	    fake_password(cur.client_user, strlen(cur.client_user)) :
	    p->id == SASL_CB_USER && (cur.opts & FAKE_C_AUTHZID) ? "boss" : "";
	p->len = (unsigned) strlen(p->result);
    }
}

int     fake_client_session(const sasl_client_plug_t *plug, struct fake_msgs *m)
{
    sasl_client_params_t cp;
    sasl_out_params_t op;
    sasl_interact_t *prompts;
    void   *ctx = 0;
    const char *out;
    unsigned outlen;
    char   *msg;
    size_t  len;
    int     i, ret, tries;

    memset(&cur, 0, sizeof(cur));
    cur.opts = m->opts;
    cur.client_user = (m->opts & FAKE_C_ODD_USER) ? "jürgen" : "doorphone";
    memset(&cp, 0, sizeof(cp));
    memset(&op, 0, sizeof(op));
    cp.service = "smtp";
    cp.servicelen = 4;
    cp.serverFQDN = FQDN;
    cp.slen = (unsigned) strlen(FQDN);
    cp.clientFQDN = "device.example.test";
    cp.clen = (unsigned) strlen(cp.clientFQDN);
    if ((m->opts & FAKE_C_NO_ADDRS) == 0) {
	cp.iplocalport = "192.0.2.7;38053";
	cp.ipremoteport = "192.0.2.1;587";
    }
    cp.utils = &utils;
    cp.canon_user = fake_canon_user;
    ret = plug->mech_new(plug->glob_context, &cp, &ctx);
    if (ret != SASL_OK)
	return (ret);
    ret = SASL_CONTINUE;
    for (i = 0; i < m->count; i++) {
	msg = client_message(m->msg[i], m->len[i], &len);
	sent(msg, len);
	prompts = 0;
	for (tries = 0; /* void */ ; tries++) {
	    out = 0;
	    outlen = 0;
	    ret = plug->mech_step(ctx, &cp, msg, (unsigned) len, &prompts,
				  &out, &outlen, &op);
	    if (ret != SASL_INTERACT || tries == 2)
		break;
	    if (prompts == 0) {
		fprintf(stderr, "fake-sasl: SASL_INTERACT without prompts\n");
		abort();
	    }
	    answer_prompts(prompts);
	}
	free(prompts);
	keep_output("client", ret, out, outlen);
	if (ret != SASL_CONTINUE)
	    break;
    }
    if (m->opts & FAKE_C_EXTRA_STEP) {
	prompts = 0;
	(void) plug->mech_step(ctx, &cp, "", 0, &prompts, &out, &outlen, &op);
	free(prompts);
    }
    plug->mech_dispose(ctx, &utils);
    session_end();
    return (ret);
}
