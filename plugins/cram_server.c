/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cram_server 3
/* SUMMARY
/*	CRAM-MD5 server mechanism for libsasl2
/* SYNOPSIS
/*	#include "mechs.h"
/*
/*	extern const sasl_server_plug_t mg_cram_server_plug;
/* DESCRIPTION
/*	Step 1 sends a challenge from mg_cram_make_challenge(); step 2
/*	parses "user SP digest" and hands the attempt (server_attempt.c)
/*	the name as sent, which it identifies, gates and verifies; this
/*	file only says whether one stored secret verifies the digest, in
/*	constant time. The mechanism is
/*	server-first: libsasl2 refuses an initial response before calling
/*	us, and a non-empty first step is refused here as well.
/*
/*	Unknown user and wrong password stay distinct for libsasl2
/*	(SASL_NOUSER, SASL_BADAUTH); applications such as Postfix map both
/*	to one reply so that a client learns nothing from the difference.
/*
/*	The policy is asked at the first step, since a client may ask for
/*	a mechanism mech_avail hid, and again (with the lockout) on the
/*	canonical account once the response is parsed.
/*--*/
#include <stddef.h>
#include <string.h>

#include "cram.h"
#include "mechs.h"
#include "mg_util.h"
#include "secret.h"
#include "server_attempt.h"

#define MECH	"CRAM-MD5"

enum cram_server_state {
    CRAM_SEND_CHALLENGE,
    CRAM_VERIFY,
    CRAM_DONE,
};

struct cram_server {
    enum cram_server_state state;
    struct mgp_attempt attempt;
    char    challenge[MG_CRAM_CHALLENGE_MAX];
    size_t  challenge_len;
};

static int cram_server_new(void *glob, sasl_server_params_t *sparams,
			           const char *chal, unsigned chal_len,
			           void **conn_context)
{
    struct cram_server *ctx;

    (void) glob;
    (void) chal;
    (void) chal_len;
    if (!mgp_state_usable(sparams->utils))
	return (SASL_FAIL);
    if ((ctx = sparams->utils->malloc(sizeof(*ctx))) == 0)
	return (SASL_NOMEM);
    /* mgp_attempt_start() sets up the attempt; the challenge buffer is empty. */
    ctx->state = CRAM_SEND_CHALLENGE;
    ctx->challenge[0] = 0;
    ctx->challenge_len = 0;
    mgp_attempt_start(&ctx->attempt, sparams, MECH);
    *conn_context = ctx;
    return (SASL_OK);
}

static int send_challenge(struct cram_server *ctx, sasl_server_params_t *sparams,
			          unsigned clientin_len, const char **serverout,
			          unsigned *serverout_len)
{
    struct mg_error err;
    int     ret;

    if ((ret = mgp_attempt_open(&ctx->attempt, sparams)) != SASL_OK)
	return (ret);
    if (clientin_len != 0)
	return (mgp_attempt_refuse(&ctx->attempt, sparams->utils, MG_OUTCOME_MALFORMED,
				   SASL_BADPROT, MECH ": the client may not send "
				   "initial data"));
    if (mg_cram_make_challenge(sparams->serverFQDN, ctx->challenge,
			       sizeof(ctx->challenge), &ctx->challenge_len,
			       &err) != MG_OK)
	return (mgp_attempt_report(&ctx->attempt, sparams->utils, &err));
    *serverout = ctx->challenge;
    *serverout_len = (unsigned) ctx->challenge_len;
    ctx->state = CRAM_VERIFY;
    return (SASL_CONTINUE);
}

static const struct mgp_secret_props cram_props = {
    "*" MG_SECRET_PROP_CRAM, "*" MG_SECRET_PROP_CYRUS_CRAM,
};

 /*
  * One stored secret against the response: the attempt climbs the
  * ladder (hashed forms, then plaintext), this only verifies.
  */
struct cram_verify {
    const struct cram_server *ctx;
    const struct mg_cram_response *resp;
};

static enum mgp_try try_key(const struct cram_verify *cv, const struct mg_cram_key *key)
{
    return (mg_cram_verify(key, cv->ctx->challenge, cv->ctx->challenge_len, cv->resp,
			   0) == MG_OK ? MGP_TRY_MATCH : MGP_TRY_MISMATCH);
}

static enum mgp_try try_secret(void *context, enum mgp_secret_form form,
			               const unsigned char *value, size_t len)
{
    const struct cram_verify *cv = context;
    struct mg_secret_cram sec;
    struct mg_cram_key key;
    enum mg_code code;
    enum mgp_try result;

    memset(&key, 0, sizeof(key));
    if (form == MGP_SECRET_PLAINTEXT) {
	key.kind = MG_CRAM_KEY_PLAINTEXT;
	key.password = value;
	key.password_len = len;
	result = try_key(cv, &key);
	mg_cleanse(&key, sizeof(key));
	return (result);
    }
    code = form == MGP_SECRET_CYRUS ? mg_secret_cram_parse_cyrus(value, len, &sec, 0)
	: mg_secret_cram_parse((const char *) value, len, &sec, 0);
    if (code != MG_OK)
	return (MGP_TRY_CORRUPT);
    mg_secret_cram_key(&sec, &key);
    result = try_key(cv, &key);
    mg_secret_cram_clear(&sec);
    mg_cleanse(&key, sizeof(key));
    return (result);
}

static int verify_response(struct cram_server *ctx, sasl_server_params_t *sparams,
			           const char *clientin, unsigned clientin_len,
			           sasl_out_params_t *oparams)
{
    struct mgp_attempt *a = &ctx->attempt;
    struct mg_cram_response resp;
    struct mg_error err;
    struct mgp_claim claim;
    struct cram_verify cv = {ctx, &resp};
    struct mgp_verifier verifier = {try_secret, &cv, "CRAM-MD5 digest does not match"};
    int     ret;

    if (mg_cram_parse_response(clientin, clientin_len, &resp, &err) != MG_OK)
	return (mgp_attempt_report(a, sparams->utils, &err));
    memset(&claim, 0, sizeof(claim));
    claim.authid = resp.user;
    claim.authid_len = resp.user_len;
    if ((ret = mgp_attempt_identify(a, sparams, &claim, &cram_props, oparams)) == SASL_OK
	&& (ret = mgp_attempt_gate(a, sparams, 0, 0)) == SASL_OK
	&& (ret = mgp_attempt_verify(a, sparams, &verifier)) == SASL_OK
	&& (ret = mgp_attempt_authorize(a, sparams, oparams)) == SASL_OK)
	mgp_oparams_no_layer(oparams);
    mg_cleanse(resp.digest, sizeof(resp.digest));
    return (ret);
}

static int cram_server_step(void *conn_context, sasl_server_params_t *sparams,
			            const char *clientin, unsigned clientin_len,
			            const char **serverout, unsigned *serverout_len,
			            sasl_out_params_t *oparams)
{
    struct cram_server *ctx = conn_context;
    int     ret;

    *serverout = 0;
    *serverout_len = 0;
    switch (ctx->state) {
    case CRAM_SEND_CHALLENGE:
	ret = send_challenge(ctx, sparams, clientin_len, serverout, serverout_len);
	break;
    case CRAM_VERIFY:
	ret = verify_response(ctx, sparams, clientin, clientin_len, oparams);
	ctx->state = CRAM_DONE;
	break;
    default:
	sparams->utils->seterror(sparams->utils->conn, 0, MECH ": exchange already "
				 "finished");
	return (SASL_FAIL);
    }
    return (mgp_attempt_finish(&ctx->attempt, sparams->utils, ret));
}

 /*
  * Erase what held secrets, not the whole context: the attempt (its
  * audit record is most of the context) holds nothing secret, and of the challenge buffer only the text
  * written into it.
  */
static void cleanse_context(struct cram_server *ctx)
{
    char   *base = (char *) ctx;
    size_t  attempt_end = offsetof(struct cram_server, attempt) + sizeof(ctx->attempt);
    size_t  buf_at = offsetof(struct cram_server, challenge);
    size_t  buf_end = buf_at + sizeof(ctx->challenge);

    _Static_assert(offsetof(struct cram_server, attempt) < offsetof(struct cram_server, challenge),
		   "the attempt must precede the challenge buffer");
    mg_cleanse(base, offsetof(struct cram_server, attempt));
    mg_cleanse(base + attempt_end, buf_at - attempt_end);
    mg_cleanse(ctx->challenge, ctx->challenge_len < sizeof(ctx->challenge) ?
	       ctx->challenge_len + 1 : sizeof(ctx->challenge));
    mg_cleanse(base + buf_end, sizeof(*ctx) - buf_end);
}

static void cram_server_dispose(void *conn_context, const sasl_utils_t *utils)
{
    struct cram_server *ctx = conn_context;

    if (ctx == 0)
	return;
    mgp_attempt_dispose(&ctx->attempt, utils);
    cleanse_context(ctx);
    utils->free(ctx);
}

static int cram_server_avail(void *glob, sasl_server_params_t *sparams,
			             void **conn_context)
{
    (void) glob;
    (void) conn_context;
    return (mgp_mech_avail(MECH, sparams));
}

const sasl_server_plug_t mg_cram_server_plug = {
    .mech_name = MECH,
    .max_ssf = 0,
    .security_flags = SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS,
    .features = SASL_FEAT_SERVER_FIRST,
    .mech_new = cram_server_new,
    .mech_step = cram_server_step,
    .mech_dispose = cram_server_dispose,
    .mech_free = mgp_mech_free,
    .mech_avail = cram_server_avail,
};
