/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cram_client 3
/* SUMMARY
/*	CRAM-MD5 client mechanism for libsasl2
/* SYNOPSIS
/*	#include "mechs.h"
/*
/*	extern const sasl_client_plug_t mg_cram_client_plug;
/* DESCRIPTION
/*	Gets the authentication id and password through the application's
/*	callbacks or sasl_interact_t prompts, checks the server's challenge
/*	for sanity (size, NUL bytes) and answers "user SP hex(HMAC-MD5)".
/*
/*	The policy's client side rules ([cram-md5:client]) are checked
/*	before anything is sent: a refused attempt sends no response.
/*--*/
#include <stddef.h>
#include <string.h>

#include "attempt.h"
#include "cram.h"
#include "glue.h"
#include "mechs.h"
#include "mg_util.h"

#define MECH	"CRAM-MD5"

struct cram_client {
    int     done;
    struct mg_audit_event ev;
    struct mgp_client_creds creds;
    char    response[MG_CRAM_RESPONSE_MAX + 1];
};

static int cram_client_new(void *glob, sasl_client_params_t *cparams,
			           void **conn_context)
{
    struct cram_client *ctx;

    (void) glob;
    if (!mgp_state_usable(cparams->utils))
	return (SASL_FAIL);
    if ((ctx = cparams->utils->malloc(sizeof(*ctx))) == 0)
	return (SASL_NOMEM);
    /* The record is set up by its begin; the response buffer is empty. */
    ctx->done = 0;
    memset(&ctx->creds, 0, sizeof(ctx->creds));
    ctx->response[0] = 0;
    mgp_record_client_begin(&ctx->ev, cparams, MECH);
    *conn_context = ctx;
    return (SASL_OK);
}

static int answer(struct cram_client *ctx, sasl_client_params_t *cparams,
		          const char *serverin, unsigned serverin_len,
		          const char **clientout, unsigned *clientout_len)
{
    struct mg_cram_key key;
    struct mg_error err;
    unsigned char digest[MG_CRAM_DIGEST_LEN];
    size_t  len;
    enum mg_code code;

    memset(&key, 0, sizeof(key));
    key.kind = MG_CRAM_KEY_PLAINTEXT;
    key.password = ctx->creds.password.data;
    key.password_len = ctx->creds.password.len;
    code = mg_cram_digest(&key, serverin, serverin_len, digest, &err);
    if (code == MG_OK)
	code = mg_cram_format_response(ctx->creds.authid, strlen(ctx->creds.authid),
				       digest, ctx->response, sizeof(ctx->response),
				       &len, &err);
    mg_cleanse(digest, sizeof(digest));
    mg_cleanse(&key, sizeof(key));
    if (code != MG_OK)
	return (mgp_report(cparams->utils, &ctx->ev, MECH, &err));
    *clientout = ctx->response;
    *clientout_len = (unsigned) len;
    return (SASL_OK);
}

static int cram_client_step(void *conn_context, sasl_client_params_t *cparams,
			            const char *serverin, unsigned serverin_len,
			            sasl_interact_t **prompt_need,
			            const char **clientout, unsigned *clientout_len,
			            sasl_out_params_t *oparams)
{
    struct cram_client *ctx = conn_context;
    struct mg_error err;
    int     ret;

    *clientout = 0;
    *clientout_len = 0;
    if (ctx->done)
	return (mgp_refuse(cparams->utils, 0, SASL_FAIL, MECH ": exchange already finished"));
    if ((ret = mgp_policy_client_start(cparams, &ctx->ev, MECH)) != SASL_OK) {
	ctx->done = 1;
	return (mgp_record_end(&ctx->ev, cparams->utils, ret));
    }
    if (mg_cram_check_challenge(serverin, serverin_len, &err) != MG_OK)
	return (mgp_record_end(&ctx->ev, cparams->utils,
			       mgp_report(cparams->utils, &ctx->ev, MECH, &err)));
    ret = mgp_client_get_creds(cparams, MG_WANT_AUTHID | MG_WANT_PASS,
			      prompt_need, &ctx->creds);
    if (ret == SASL_OK) {
	mg_audit_set(ctx->ev.authid, sizeof(ctx->ev.authid), ctx->creds.authid,
		     strlen(ctx->creds.authid));
	ret = cparams->canon_user(cparams->utils->conn, ctx->creds.authid, 0,
				  SASL_CU_AUTHID | SASL_CU_AUTHZID, oparams);
    }
    if (ret == SASL_OK)
	ret = answer(ctx, cparams, serverin, serverin_len, clientout, clientout_len);
    if (ret == SASL_OK) {
	ctx->done = 1;
	mgp_oparams_no_layer(oparams);
	mg_audit_reason(&ctx->ev, "response sent; CRAM-MD5 gives the client no "
			"confirmation from the server");
    }
    return (mgp_record_end(&ctx->ev, cparams->utils, ret));
}

 /*
  * Erase what held secrets, not the whole context: the audit record (most
  * of it) holds nothing secret, and of the response buffer only the text
  * written into it.
  */
static void cleanse_context(struct cram_client *ctx)
{
    char   *base = (char *) ctx;
    size_t  ev_end = offsetof(struct cram_client, ev) + sizeof(ctx->ev);
    size_t  buf_at = offsetof(struct cram_client, response);
    size_t  buf_end = buf_at + sizeof(ctx->response);

    _Static_assert(offsetof(struct cram_client, ev) < offsetof(struct cram_client, response),
		   "the audit record must precede the response buffer");
    mg_cleanse(base, offsetof(struct cram_client, ev));
    mg_cleanse(base + ev_end, buf_at - ev_end);
    mg_cleanse(ctx->response, strnlen(ctx->response, sizeof(ctx->response) - 1) + 1);
    mg_cleanse(base + buf_end, sizeof(*ctx) - buf_end);
}

static void cram_client_dispose(void *conn_context, const sasl_utils_t *utils)
{
    struct cram_client *ctx = conn_context;

    if (ctx == 0)
	return;
    mgp_record_dispose(&ctx->ev, utils);
    mgp_client_creds_free(utils, &ctx->creds);
    cleanse_context(ctx);
    utils->free(ctx);
}

static const unsigned long cram_prompts[] = {
    SASL_CB_AUTHNAME, SASL_CB_PASS, SASL_CB_LIST_END
};

const sasl_client_plug_t mg_cram_client_plug = {
    .mech_name = MECH,
    .max_ssf = 0,
    .security_flags = SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS,
    .features = SASL_FEAT_SERVER_FIRST,
    .required_prompts = cram_prompts,
    .mech_new = cram_client_new,
    .mech_step = cram_client_step,
    .mech_dispose = cram_client_dispose,
    .mech_free = mgp_mech_free,
};
