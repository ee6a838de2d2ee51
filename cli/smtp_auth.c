/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	smtp_auth 3
/* SUMMARY
/*	SMTP AUTH of the device's client, through md5gate's core
/* SYNOPSIS
/*	#include "cli/smtp_device.h"
/*
/*	int	smtp_auth(c, mech, a, last, t, err)
/*
/*	const char *smtp_mech_name(mech)
/* DESCRIPTION
/*	smtp_auth() logs in with one of CRAM-MD5, DIGEST-MD5, LOGIN and
/*	PLAIN. CRAM-MD5 and DIGEST-MD5 are computed by md5gate's core
/*	(cram.c, digest/), the code its client plugin runs: the challenge is
/*	checked as the plugin checks it, and a malformed one is
/*	SMTP_FAIL_CHALLENGE with the core's reason. The last reply is left
/*	in *last (235 on success).
/*
/*	DIGEST-MD5's rspauth is handled as account->rspauth says (see
/*	smtp_device.h). A challenge that cannot be answered is refused
/*	with "*", as RFC 4954 has a client cancel an exchange. With a trace, the exchange's public parameters are
/*	recorded there.
/*
/*	Every buffer that held the password, a digest or a response is
/*	cleansed before it is freed.
/*
/*	smtp_mech_name() returns the canonical spelling of a mechanism this
/*	client knows, or null.
/*--*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "smtp_device.h"
#include "cram.h"
#include "digest/digest.h"
#include "mg_util.h"

static const char *mechs[] = {"CRAM-MD5", "DIGEST-MD5", "LOGIN", "PLAIN"};

const char *smtp_mech_name(const char *mech)
{
    size_t  i;

    for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
	if (strcasecmp(mech, mechs[i]) == 0)
	    return (mechs[i]);
    return (0);
}

static int fail(struct smtp_error *err, enum smtp_fail kind, const char *fmt,...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct smtp_error *err, enum smtp_fail kind, const char *fmt,...)
{
    va_list ap;

    err->kind = kind;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    return (-1);
}

 /*
  * refused - the server ended the exchange with reply r.
  */
static int refused(const struct smtp_reply *r, const char *mech, struct smtp_error *err)
{
    if (r->code == 535)
	return (fail(err, SMTP_FAIL_CREDENTIALS, "%s: %s", mech, r->last));
    if (r->code == 538 || r->code == 530)
	return (fail(err, SMTP_FAIL_AUTH_NEEDS_TLS, "%s: %s", mech, r->last));
    return (fail(err, SMTP_FAIL_AUTH_OTHER, "%s: %s", mech, r->last));
}

 /*
  * send_b64 - data as one base64 line, shown as [auth data].
  */
static int send_b64(struct smtp_conn *c, const void *data, size_t len,
		            struct smtp_error *err)
{
    char   *b64 = cli_b64_encode(data, len);
    int     ret;

    if (b64 == 0)
	return (fail(err, SMTP_FAIL_LOCAL, "out of memory"));
    ret = smtp_send_line(c, b64, 1, err);
    mg_cleanse(b64, strlen(b64));
    free(b64);
    return (ret);
}

 /*
  * challenge - the server's 334 text, decoded. Another reply ends the
  * exchange.
  */
static int challenge(const struct smtp_reply *r, const char *mech, unsigned char **out,
		             size_t *len, struct smtp_error *err)
{
    struct mg_error perr;

    if (r->code != 334)
	return (refused(r, mech, err));
    if (cli_b64_decode(r->text, r->text_len, out, len, &perr) != MG_OK)
	return (fail(err, SMTP_FAIL_CHALLENGE, "%s: the challenge is not base64: %s",
		     mech, perr.reason));
    return (0);
}

static int finish(const struct smtp_reply *r, const char *mech, struct smtp_error *err)
{
    return (r->code == 235 ? 0 : refused(r, mech, err));
}

/* ----------------------------------------------------------- PLAIN, LOGIN */

static int auth_plain(struct smtp_conn *c, const struct smtp_account *a,
		              struct smtp_reply *r, struct smtp_error *err)
{
    size_t  ulen = strlen(a->user), mlen = ulen + a->password_len + 2;
    unsigned char *msg = malloc(mlen);
    char   *b64, *line;
    int     ret = -1;

    if (msg == 0)
	return (fail(err, SMTP_FAIL_LOCAL, "out of memory"));
    msg[0] = 0;
    memcpy(msg + 1, a->user, ulen);
    msg[ulen + 1] = 0;
    memcpy(msg + ulen + 2, a->password, a->password_len);
    b64 = cli_b64_encode(msg, mlen);
    mg_cleanse(msg, mlen);
    free(msg);
    if (b64 == 0 || (line = malloc(strlen(b64) + sizeof("AUTH PLAIN "))) == 0) {
	free(b64);
	return (fail(err, SMTP_FAIL_LOCAL, "out of memory"));
    }
    sprintf(line, "AUTH PLAIN %s", b64);
    if (smtp_send_line(c, line, 1, err) == 0
	&& smtp_read_reply(c, r, "after AUTH PLAIN", err) == 0)
	ret = finish(r, "PLAIN", err);
    mg_cleanse(line, strlen(line));
    mg_cleanse(b64, strlen(b64));
    free(line);
    free(b64);
    return (ret);
}

 /*
  * LOGIN's prompts ("Username:", "Password:") are not read: clients
  * answer the first 334 with the user name and the second with the
  * password whatever the prompt says.
  */
static int auth_login(struct smtp_conn *c, const struct smtp_account *a,
		              struct smtp_reply *r, struct smtp_error *err)
{
    if (smtp_command(c, r, "after AUTH LOGIN", err, "AUTH LOGIN") < 0)
	return (-1);
    if (r->code != 334)
	return (refused(r, "LOGIN", err));
    if (send_b64(c, a->user, strlen(a->user), err) < 0
	|| smtp_read_reply(c, r, "after the LOGIN user name", err) < 0)
	return (-1);
    if (r->code != 334)
	return (refused(r, "LOGIN", err));
    if (send_b64(c, a->password, a->password_len, err) < 0
	|| smtp_read_reply(c, r, "after the LOGIN password", err) < 0)
	return (-1);
    return (finish(r, "LOGIN", err));
}

/* --------------------------------------------------------------- CRAM-MD5 */

static int cram_response(const struct smtp_account *a, const unsigned char *chal,
			         size_t len, char *resp, size_t size, size_t *resp_len,
			         struct smtp_error *err)
{
    struct mg_cram_key key;
    struct mg_error cerr;
    unsigned char digest[MG_CRAM_DIGEST_LEN];
    int     ret = 0;

    memset(&key, 0, sizeof(key));
    key.kind = MG_CRAM_KEY_PLAINTEXT;
    key.password = a->password;
    key.password_len = a->password_len;
    if (mg_cram_check_challenge((const char *) chal, len, &cerr) != MG_OK)
	ret = fail(err, SMTP_FAIL_CHALLENGE, "CRAM-MD5: %s", cerr.reason);
    else if (mg_cram_digest(&key, (const char *) chal, len, digest, &cerr) != MG_OK
	     || mg_cram_format_response(a->user, strlen(a->user), digest, resp, size,
					resp_len, &cerr) != MG_OK)
	ret = fail(err, SMTP_FAIL_LOCAL, "CRAM-MD5: %s", cerr.reason);
    mg_cleanse(digest, sizeof(digest));
    return (ret);
}

static int auth_cram(struct smtp_conn *c, const struct smtp_account *a,
		             struct smtp_reply *r, struct smtp_error *err)
{
    char    resp[MG_CRAM_RESPONSE_MAX + 1];
    unsigned char *chal;
    size_t  len, resp_len = 0;
    int     ret;

    if (smtp_command(c, r, "after AUTH CRAM-MD5", err, "AUTH CRAM-MD5") < 0
	|| challenge(r, "CRAM-MD5", &chal, &len, err) < 0)
	return (-1);
    ret = cram_response(a, chal, len, resp, sizeof(resp), &resp_len, err);
    free(chal);
    if (ret == 0)
	ret = send_b64(c, resp, resp_len, err);
    mg_cleanse(resp, sizeof(resp));
    if (ret < 0 || smtp_read_reply(c, r, "after the CRAM-MD5 response", err) < 0)
	return (-1);
    return (finish(r, "CRAM-MD5", err));
}

/* ------------------------------------------------------------- DIGEST-MD5 */

struct digest_state {
    struct mg_digest_challenge chal;
    struct mg_digest_response resp;
    struct mg_digest_secret secret;
};

static int digest_parse(struct digest_state *d, const struct smtp_reply *r,
			        struct smtp_error *err)
{
    struct mg_error derr;
    unsigned char *text;
    size_t  len;
    int     ret = 0;

    if (challenge(r, "DIGEST-MD5", &text, &len, err) < 0)
	return (-1);
    if (mg_digest_parse_challenge((const char *) text, len, &d->chal, &derr) != MG_OK
	|| mg_digest_validate_challenge(&d->chal, MG_DIGEST_QOP_AUTH, &derr) != MG_OK)
	ret = fail(err, SMTP_FAIL_CHALLENGE, "DIGEST-MD5 challenge: %s", derr.reason);
    free(text);
    return (ret);
}

static int digest_fill(struct digest_state *d, const struct smtp_account *a,
		               struct smtp_error *err)
{
    char    cnonce[MG_DIGEST_NONCE_LEN + 1], uri[SMTP_HOST_MAX + 8];
    const char *realm = a->realm ? a->realm : d->chal.realm_count ? d->chal.realms[0] : "";
    struct mg_error derr;

    snprintf(uri, sizeof(uri), "smtp/%s", a->host);
    if (mg_digest_make_nonce(cnonce, sizeof(cnonce), &derr) != MG_OK
	|| mg_digest_set_string(&d->resp.username, a->user, &derr) != MG_OK
	|| mg_digest_set_string(&d->resp.realm, realm, &derr) != MG_OK
	|| mg_digest_set_string(&d->resp.nonce, d->chal.nonce, &derr) != MG_OK
	|| mg_digest_set_string(&d->resp.cnonce, cnonce, &derr) != MG_OK
	|| mg_digest_set_string(&d->resp.digest_uri, uri, &derr) != MG_OK)
	return (fail(err, SMTP_FAIL_LOCAL, "DIGEST-MD5: %s", derr.reason));
    d->resp.has_realm = *realm != 0;
    d->resp.nc = 1;
    d->resp.qop = MG_DIGEST_QOP_AUTH;
    d->resp.utf8 = d->chal.utf8;
    d->resp.maxbuf = MG_DIGEST_MAXBUF_DEFAULT;
    d->secret.kind = MG_DIGEST_SECRET_PASSWORD;
    d->secret.password = a->password;
    d->secret.password_len = a->password_len;
    if (mg_digest_compute(&d->resp, &d->secret, MG_DIGEST_A2_RESPONSE, d->resp.response,
			  &derr) != MG_OK)
	return (fail(err, SMTP_FAIL_LOCAL, "DIGEST-MD5: %s", derr.reason));
    return (0);
}

static int digest_send(struct smtp_conn *c, const struct mg_digest_response *resp,
		               struct smtp_error *err)
{
    char    text[MG_DIGEST_RESPONSE_MAX + 1];
    struct mg_error derr;
    size_t  len;
    int     ret;

    if (mg_digest_print_response(resp, text, sizeof(text), &len, &derr) != MG_OK)
	return (fail(err, SMTP_FAIL_LOCAL, "DIGEST-MD5: %s", derr.reason));
    ret = send_b64(c, text, len, err);
    mg_cleanse(text, sizeof(text));
    return (ret);
}

static void digest_record(struct smtp_digest_trace *t, const struct digest_state *d)
{
    t->used = 1;
    snprintf(t->username, sizeof(t->username), "%s", d->resp.username);
    snprintf(t->realm, sizeof(t->realm), "%s", d->resp.realm);
    snprintf(t->uri, sizeof(t->uri), "%s", d->resp.digest_uri);
    t->utf8 = d->resp.utf8;
}

 /*
  * cancel - end the exchange with "*" and fail as given.
  */
static int cancel(struct smtp_conn *c, struct smtp_reply *r, struct smtp_error *err,
		          enum smtp_fail kind, const char *why)
{
    struct smtp_error ignored;
    char    reason[SMTP_DETAIL_MAX];

    snprintf(reason, sizeof(reason), "%s", why);
    if (smtp_send_line(c, "*", 0, &ignored) == 0)
	(void) smtp_read_reply(c, r, "after cancelling AUTH", &ignored);
    return (fail(err, kind, "%s", reason));
}

 /*
  * digest_rspauth - the server's second 334: checked, or answered
  * unchecked with an empty line or an echo.
  */
static int digest_rspauth(struct smtp_conn *c, struct digest_state *d,
			          const struct smtp_account *a, struct smtp_reply *r,
			          struct smtp_digest_trace *t, struct smtp_error *err)
{
    struct mg_digest_rspauth got;
    struct mg_error derr, verr;
    unsigned char *text;
    size_t  len;
    enum mg_code parsed;
    int     verified, ret;

    if (cli_b64_decode(r->text, r->text_len, &text, &len, &derr) != MG_OK) {
	if (t)
	    t->rspauth = SMTP_TRACE_RSPAUTH_MALFORMED;
	return (a->rspauth == SMTP_RSPAUTH_CHECK
		? cancel(c, r, err, SMTP_FAIL_RSPAUTH, "DIGEST-MD5: the rspauth is not base64")
		: fail(err, SMTP_FAIL_CHALLENGE, "DIGEST-MD5: rspauth is not base64"));
    }
    parsed = mg_digest_parse_rspauth((const char *) text, len, &got, &derr);
    mg_cleanse(text, len);
    free(text);
    /* Verified whatever the device then answers, for the trace. */
    verified = parsed == MG_OK
	&& mg_digest_verify_rspauth(&d->resp, &d->secret, &got, &verr) == MG_OK;
    if (t)
	t->rspauth = parsed != MG_OK ? SMTP_TRACE_RSPAUTH_MALFORMED
	    : verified ? SMTP_TRACE_RSPAUTH_VERIFIED : SMTP_TRACE_RSPAUTH_WRONG;
    if (a->rspauth == SMTP_RSPAUTH_CHECK) {
	mg_cleanse(&got, sizeof(got));
	if (parsed != MG_OK) {
	    char    why[SMTP_DETAIL_MAX];

	    snprintf(why, sizeof(why), "DIGEST-MD5: malformed rspauth: %s", derr.reason);
	    return (cancel(c, r, err, SMTP_FAIL_RSPAUTH, why));
	}
	if (!verified)
	    return (cancel(c, r, err, SMTP_FAIL_RSPAUTH, "DIGEST-MD5: the server's rspauth "
			   "is wrong: it does not prove that it knows the password"));
	return (smtp_send_line(c, "", 1, err));
    }
    if (a->rspauth == SMTP_RSPAUTH_ECHO && parsed == MG_OK) {
	memcpy(d->resp.response, got.rspauth, sizeof(d->resp.response));
	mg_cleanse(&got, sizeof(got));
	ret = digest_send(c, &d->resp, err);
	mg_cleanse(d->resp.response, sizeof(d->resp.response));
	return (ret);
    }
    mg_cleanse(&got, sizeof(got));
    return (smtp_send_line(c, "", 1, err));
}

static int digest_exchange(struct smtp_conn *c, struct digest_state *d,
			           const struct smtp_account *a, struct smtp_reply *r,
			           struct smtp_digest_trace *t, struct smtp_error *err)
{
    if (smtp_command(c, r, "after AUTH DIGEST-MD5", err, "AUTH DIGEST-MD5") < 0)
	return (-1);
    if (digest_parse(d, r, err) < 0)
	return (-1);
    if (digest_fill(d, a, err) < 0 || digest_send(c, &d->resp, err) < 0)
	return (-1);
    if (t)
	digest_record(t, d);
    if (smtp_read_reply(c, r, "after the DIGEST-MD5 response", err) < 0)
	return (-1);
    if (r->code != 334) {
	if (r->code == 235 && a->rspauth == SMTP_RSPAUTH_CHECK)
	    return (fail(err, SMTP_FAIL_RSPAUTH, "DIGEST-MD5: the server sent no rspauth"));
	return (finish(r, "DIGEST-MD5", err));
    }
    if (digest_rspauth(c, d, a, r, t, err) < 0)
	return (-1);
    if (smtp_read_reply(c, r, "after the DIGEST-MD5 final reply", err) < 0)
	return (-1);
    return (finish(r, "DIGEST-MD5", err));
}

static int auth_digest(struct smtp_conn *c, const struct smtp_account *a,
		               struct smtp_reply *r, struct smtp_digest_trace *t,
		               struct smtp_error *err)
{
    struct digest_state d;
    int     ret;

    memset(&d, 0, sizeof(d));
    mg_digest_challenge_init(&d.chal);
    mg_digest_response_init(&d.resp);
    ret = digest_exchange(c, &d, a, r, t, err);
    mg_cleanse(d.resp.response, sizeof(d.resp.response));
    mg_digest_response_free(&d.resp);
    mg_digest_challenge_free(&d.chal);
    return (ret);
}

int     smtp_auth(struct smtp_conn *c, const char *mech, const struct smtp_account *a,
		          struct smtp_reply *last, struct smtp_digest_trace *t,
		          struct smtp_error *err)
{
    int     ret;

    smtp_reply_init(last);
    err->kind = SMTP_FAIL_NONE;
    err->detail[0] = 0;
    c->hide_auth = 1;
    if (strcasecmp(mech, "CRAM-MD5") == 0)
	ret = auth_cram(c, a, last, err);
    else if (strcasecmp(mech, "DIGEST-MD5") == 0)
	ret = auth_digest(c, a, last, t, err);
    else if (strcasecmp(mech, "LOGIN") == 0)
	ret = auth_login(c, a, last, err);
    else if (strcasecmp(mech, "PLAIN") == 0)
	ret = auth_plain(c, a, last, err);
    else
	ret = fail(err, SMTP_FAIL_LOCAL, "unknown mechanism");
    /* A challenge we cannot answer: end the exchange as RFC 4954 says. */
    if (ret < 0 && err->kind == SMTP_FAIL_CHALLENGE)
	(void) cancel(c, last, err, SMTP_FAIL_CHALLENGE, err->detail);
    c->hide_auth = 0;
    return (ret);
}
