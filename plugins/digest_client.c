/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	digest_client 3
/* SUMMARY
/*	DIGEST-MD5 client mechanism for libsasl2
/* SYNOPSIS
/*	#include "mechs.h"
/*
/*	extern const sasl_client_plug_t mg_digest_client_plug;
/* DESCRIPTION
/*	The client sends no initial response. It parses the digest-challenge
/*	strictly, picks the realm (the only one offered, else the
/*	application's SASL_CB_GETREALM callback, else none), answers with a
/*	fresh cnonce and the digest-uri service/serverFQDN, and keeps the
/*	rspauth it expects.
/*
/*	The server's rspauth is verified in constant time. A wrong one, or
/*	another message where rspauth belongs, fails the exchange with
/*	SASL_BADSERV: the server failed mutual authentication. After a good
/*	rspauth the client's final reply is empty.
/*
/*	The client picks the strongest quality of protection the server
/*	offers within the application's security properties (see
/*	digest_layer.c), and sets the security layer up with the response;
/*	libsasl2 gets it once rspauth has verified.
/*
/*	The policy's client side rules ([digest-md5:client]) are checked
/*	when the challenge arrives, before anything is sent, and limit the
/*	qop values and ciphers the client may choose.
/*--*/
#include <stddef.h>
#include <string.h>

#include "attempt.h"
#include "digest/digest.h"
#include "digest_layer.h"
#include "glue.h"
#include "mechs.h"
#include "mg_util.h"

#define MECH	"DIGEST-MD5"

enum digest_client_state {
    DIGEST_C_START,
    DIGEST_C_RESPOND,
    DIGEST_C_RSPAUTH,
    DIGEST_C_DONE,
};

struct digest_client {
    struct mg_digest_layer_slot slot;	/* first: encode/decode context */
    enum digest_client_state state;
    struct mg_audit_event ev;
    struct mgp_client_creds creds;
    unsigned char expect_rspauth[MG_DIGEST_HASH_LEN];
    char    out[MG_DIGEST_RESPONSE_MAX + 1];
};

static int digest_client_new(void *glob, sasl_client_params_t *cparams,
			             void **conn_context)
{
    struct digest_client *ctx;

    (void) glob;
    if (!mgp_state_usable(cparams->utils))
	return (SASL_FAIL);
    if ((ctx = cparams->utils->malloc(sizeof(*ctx))) == 0)
	return (SASL_NOMEM);
    /* The record is set up by its begin; the message buffer is empty. */
    memset(&ctx->slot, 0, sizeof(ctx->slot));
    ctx->state = 0;
    memset(&ctx->creds, 0, sizeof(ctx->creds));
    memset(ctx->expect_rspauth, 0, sizeof(ctx->expect_rspauth));
    ctx->out[0] = 0;
    mgp_record_client_begin(&ctx->ev, cparams, MECH);
    *conn_context = ctx;
    return (SASL_OK);
}

static int pick_realm(sasl_client_params_t *cparams,
		              const struct mg_digest_challenge *chal,
		              const char **realm)
{
    const sasl_utils_t *utils = cparams->utils;
    sasl_getrealm_t *proc = 0;
    void   *cb_ctx = 0;
    const char *avail[MG_DIGEST_REALMS_MAX + 1];
    size_t  i;
    int     ret;

    *realm = "";
    if (chal->realm_count == 1) {
	*realm = chal->realms[0];
	return (SASL_OK);
    }
    ret = utils->getcallback(utils->conn, SASL_CB_GETREALM,
			     (sasl_callback_ft *) & proc, &cb_ctx);
    if (ret != SASL_OK || proc == 0) {
	if (chal->realm_count > 0)
	    *realm = chal->realms[0];
	return (SASL_OK);
    }
    for (i = 0; i < chal->realm_count; i++)
	avail[i] = chal->realms[i];
    avail[i] = 0;
    if ((ret = proc(cb_ctx, SASL_CB_GETREALM, avail, realm)) != SASL_OK)
	return (ret);
    if (*realm == 0)
	*realm = "";
    return (SASL_OK);
}

static int canon_identities(sasl_client_params_t *cparams, struct mgp_client_creds *creds,
			            sasl_out_params_t *oparams)
{
    int     ret;

    if (creds->authzid) {
	ret = cparams->canon_user(cparams->utils->conn, creds->authzid, 0,
				  SASL_CU_AUTHZID, oparams);
	if (ret == SASL_OK)
	    ret = cparams->canon_user(cparams->utils->conn, creds->authid, 0,
				      SASL_CU_AUTHID, oparams);
	return (ret);
    }
    return (cparams->canon_user(cparams->utils->conn, creds->authid, 0,
				SASL_CU_AUTHID | SASL_CU_AUTHZID, oparams));
}

 /*
  * The authorisation id sent: the canonical one, and only when it differs
  * from the canonical authentication id, as the stock client does. A
  * server without proxy authorisation may refuse any authzid, and one
  * equal to the user's own name authorises nothing more.
  */
static const char *sent_authzid(const sasl_out_params_t *oparams)
{
    if (oparams->user == 0 || oparams->authid == 0
	|| strcmp(oparams->user, oparams->authid) == 0)
	return (0);
    return (oparams->user);
}

 /*
  * Fill the response, compute its digest and the rspauth we expect, and
  * print it. The password is used here and nowhere else. The response's
  * strings are borrowed from the credentials, the challenge and this
  * frame, never copied: the structure only lives here, is never freed with
  * mg_digest_response_free(), and nothing it is handed to writes to them.
  */
static enum mg_code build_response(struct digest_client *ctx,
				           sasl_client_params_t *cparams,
				           const struct mg_digest_challenge *chal,
				           const char *authzid, const char *realm,
				           const struct mg_digest_layers *layers,
				           enum mg_digest_qop qop,
				           enum mg_digest_cipher cipher,
				           unsigned char ha1[MG_DIGEST_HASH_LEN],
				           size_t *len, struct mg_error *err)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret;
    char    cnonce[MG_DIGEST_NONCE_LEN + 1];
    char    uri_buf[256];
    char   *uri = uri_buf;
    size_t  slen = strlen(cparams->service), hlen = strlen(cparams->serverFQDN);
    enum mg_code code;

    mg_digest_response_init(&resp);
    if (slen + hlen + 2 > sizeof(uri_buf)
	&& (uri = cparams->utils->malloc(slen + hlen + 2)) == 0)
	return (mg_fail(err, MG_NOMEM, "out of memory"));
    memcpy(uri, cparams->service, slen);
    uri[slen] = '/';
    memcpy(uri + slen + 1, cparams->serverFQDN, hlen + 1);
    memset(&secret, 0, sizeof(secret));
    secret.kind = MG_DIGEST_SECRET_PASSWORD;
    secret.password = ctx->creds.password.data;
    secret.password_len = ctx->creds.password.len;
    if ((code = mg_digest_make_nonce(cnonce, sizeof(cnonce), err)) == MG_OK) {
	resp.username = ctx->creds.authid;
	resp.realm = (char *) realm;
	resp.nonce = chal->nonce;
	resp.cnonce = cnonce;
	resp.digest_uri = uri;
	resp.authzid = (char *) authzid;
	resp.has_realm = *realm != 0;
	resp.nc = 1;
	resp.qop = qop;
	resp.cipher = cipher;
	resp.utf8 = chal->utf8;
	resp.maxbuf = qop == MG_DIGEST_QOP_AUTH ? MG_DIGEST_MAXBUF_DEFAULT :
	    layers->maxbuf;
	if ((code = mg_digest_ha1(&resp, &secret, ha1, err)) == MG_OK
	    && (code = mg_digest_kd_pair(ha1, &resp, resp.response,
					 ctx->expect_rspauth, err)) == MG_OK)
	    code = mg_digest_print_response(&resp, ctx->out, sizeof(ctx->out), len, err);
    }
    mg_cleanse(resp.response, sizeof(resp.response));
    if (uri != uri_buf)
	cparams->utils->free(uri);
    return (code);
}

static void note_identity(struct mg_audit_event *ev, const struct mgp_client_creds *creds,
			          const char *authzid, const char *realm, const char *host)
{
    mg_audit_set(ev->authid, sizeof(ev->authid), creds->authid, strlen(creds->authid));
    if (authzid)
	mg_audit_set(ev->authzid, sizeof(ev->authzid), authzid, strlen(authzid));
    mg_audit_set(ev->realm, sizeof(ev->realm), realm, strlen(realm));
    ev->has_realm = 1;
    mg_audit_set(ev->uri_host, sizeof(ev->uri_host), host, strlen(host));
    ev->qop = "auth";
}

static int respond(struct digest_client *ctx, sasl_client_params_t *cparams,
		           const char *serverin, unsigned serverin_len,
		           sasl_interact_t **prompt_need, const char **clientout,
		           unsigned *clientout_len, sasl_out_params_t *oparams)
{
    const sasl_utils_t *utils = cparams->utils;
    struct mg_policy_facts facts;
    struct mg_policy_decision d;
    struct mg_digest_challenge chal;
    struct mg_digest_layers layers;
    enum mg_digest_qop qop;
    enum mg_digest_cipher cipher;
    unsigned char ha1[MG_DIGEST_HASH_LEN];
    struct mg_error err;
    const char *realm, *authzid;
    size_t  len;
    int     ret;

    memset(ha1, 0, sizeof(ha1));
    mg_digest_challenge_init(&chal);
    if (mg_digest_parse_challenge(serverin, serverin_len, &chal, &err) != MG_OK
	|| mg_digest_validate_challenge(&chal, MG_DIGEST_QOP_AUTH
					| MG_DIGEST_QOP_AUTH_INT
				   | MG_DIGEST_QOP_AUTH_CONF, &err) != MG_OK) {
	ret = mgp_report(utils, &ctx->ev, MECH, &err);
	goto done;
    }
    if ((ret = mgp_policy_client_start(cparams, &ctx->ev, MECH)) != SASL_OK)
	goto done;
    mg_digest_layers_policy(utils, &cparams->props, cparams->external_ssf, &layers);
    /* Choose only what the policy allows; when it leaves no qop, its rule refuses. */
    mgp_policy_client_facts(cparams, MECH, &facts);
    if (!mgp_policy_layers(&facts, &chal.qops, &chal.ciphers, &d)) {
	ret = mgp_policy_refuse(cparams->utils, &ctx->ev, MECH, &d);
	goto done;
    }
    if ((ret = mg_digest_layers_choose(utils, &layers, chal.qops, chal.ciphers,
				       &qop, &cipher)) != SASL_OK)
	goto done;
    if ((ret = mgp_policy_client_layer(cparams, &ctx->ev, MECH, mg_digest_qop_name(qop),
				      qop == MG_DIGEST_QOP_AUTH_CONF ?
				      mg_digest_cipher_name(cipher) : 0)) != SASL_OK)
	goto done;
    ret = mgp_client_get_creds(cparams, MG_WANT_AUTHID | MG_WANT_AUTHZID | MG_WANT_PASS,
			      prompt_need, &ctx->creds);
    if (ret != SASL_OK)
	goto done;
    if ((ret = canon_identities(cparams, &ctx->creds, oparams)) != SASL_OK)
	goto done;
    if ((ret = pick_realm(cparams, &chal, &realm)) != SASL_OK)
	goto done;
    authzid = sent_authzid(oparams);
    note_identity(&ctx->ev, &ctx->creds, authzid, realm, cparams->serverFQDN);
    ctx->ev.qop = mg_digest_qop_name(qop);
    if (qop == MG_DIGEST_QOP_AUTH_CONF)
	ctx->ev.cipher = mg_digest_cipher_name(cipher);
    if (build_response(ctx, cparams, &chal, authzid, realm, &layers, qop, cipher, ha1,
		       &len, &err) != MG_OK) {
	ret = mgp_report(utils, &ctx->ev, MECH, &err);
	goto done;
    }
    if ((ret = mg_digest_layer_start(&ctx->slot, utils, MG_LAYER_CLIENT, qop, cipher,
				     ha1, layers.maxbuf, chal.maxbuf)) != SASL_OK)
	goto done;
    mgp_client_creds_free(utils, &ctx->creds);
    *clientout = ctx->out;
    *clientout_len = (unsigned) len;
    ctx->state = DIGEST_C_RSPAUTH;
    ret = SASL_CONTINUE;

done:
    mg_cleanse(ha1, sizeof(ha1));
    mg_digest_challenge_free(&chal);
    return (ret);
}

static int check_rspauth(struct digest_client *ctx, sasl_client_params_t *cparams,
			         const char *serverin, unsigned serverin_len,
			         const char **clientout, unsigned *clientout_len,
			         sasl_out_params_t *oparams)
{
    const sasl_utils_t *utils = cparams->utils;
    struct mg_digest_rspauth rsp;
    struct mg_error err;
    int     ok;

    ctx->state = DIGEST_C_DONE;
    if (mg_digest_parse_rspauth(serverin, serverin_len, &rsp, &err) != MG_OK)
	return (mgp_refuse(utils, &ctx->ev, SASL_BADSERV, MECH ": server failed mutual "
			  "authentication: %s", err.reason));
    ok = mg_equal_ct(rsp.rspauth, ctx->expect_rspauth, sizeof(rsp.rspauth));
    mg_cleanse(&rsp, sizeof(rsp));
    mg_cleanse(ctx->expect_rspauth, sizeof(ctx->expect_rspauth));
    if (!ok)
	return (mgp_refuse(utils, &ctx->ev, SASL_BADSERV, MECH ": server failed mutual "
			  "authentication: rspauth does not match"));
    *clientout = "";
    *clientout_len = 0;
    mg_digest_layer_oparams(&ctx->slot, oparams);
    return (SASL_OK);
}

static int digest_client_step(void *conn_context, sasl_client_params_t *cparams,
			              const char *serverin, unsigned serverin_len,
			              sasl_interact_t **prompt_need,
			              const char **clientout, unsigned *clientout_len,
			              sasl_out_params_t *oparams)
{
    struct digest_client *ctx = conn_context;
    int     ret;

    *clientout = 0;
    *clientout_len = 0;
    switch (ctx->state) {
    case DIGEST_C_START:
	ctx->state = DIGEST_C_RESPOND;
	if (serverin == 0 || serverin_len == 0)
	    return (SASL_CONTINUE);		/* no initial response */
	/* FALLTHROUGH */
    case DIGEST_C_RESPOND:
	ret = respond(ctx, cparams, serverin, serverin_len, prompt_need,
		      clientout, clientout_len, oparams);
	break;
    case DIGEST_C_RSPAUTH:
	ret = check_rspauth(ctx, cparams, serverin, serverin_len, clientout,
			    clientout_len, oparams);
	break;
    default:
	return (mgp_refuse(cparams->utils, 0, SASL_FAIL, MECH ": exchange already finished"));
    }
    return (mgp_record_end(&ctx->ev, cparams->utils, ret));
}

 /*
  * Erase what held secrets, not the whole context: the audit record (two
  * thirds of it) holds nothing secret, and of the message buffer only the
  * text last written (the response) was ever more than public.
  */
static void cleanse_context(struct digest_client *ctx)
{
    char   *base = (char *) ctx;
    size_t  ev_end = offsetof(struct digest_client, ev) + sizeof(ctx->ev);
    size_t  out_at = offsetof(struct digest_client, out);
    size_t  out_end = out_at + sizeof(ctx->out);

    _Static_assert(offsetof(struct digest_client, ev) < offsetof(struct digest_client, out),
		   "the audit record must precede the message buffer");
    mg_cleanse(base, offsetof(struct digest_client, ev));
    mg_cleanse(base + ev_end, out_at - ev_end);
    mg_cleanse(ctx->out, strnlen(ctx->out, sizeof(ctx->out) - 1) + 1);
    mg_cleanse(base + out_end, sizeof(*ctx) - out_end);
}

static void digest_client_dispose(void *conn_context, const sasl_utils_t *utils)
{
    struct digest_client *ctx = conn_context;

    if (ctx == 0)
	return;
    mgp_record_dispose(&ctx->ev, utils);
    mgp_client_creds_free(utils, &ctx->creds);
    mg_digest_layer_dispose(&ctx->slot);
    cleanse_context(ctx);
    utils->free(ctx);
}

static const unsigned long digest_prompts[] = {
    SASL_CB_AUTHNAME, SASL_CB_PASS, SASL_CB_LIST_END
};

const sasl_client_plug_t mg_digest_client_plug = {
    .mech_name = MECH,
    .max_ssf = MG_LAYER_SSF_3DES,	/* set from the options at init */
    .security_flags = SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS
    | SASL_SEC_MUTUAL_AUTH,
    .features = SASL_FEAT_NEEDSERVERFQDN | SASL_FEAT_ALLOWS_PROXY,
    .required_prompts = digest_prompts,
    .mech_new = digest_client_new,
    .mech_step = digest_client_step,
    .mech_dispose = digest_client_dispose,
    .mech_free = mgp_mech_free,
};
