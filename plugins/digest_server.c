/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	digest_server 3
/* SUMMARY
/*	DIGEST-MD5 server mechanism for libsasl2
/* SYNOPSIS
/*	#include "mechs.h"
/*
/*	extern const sasl_server_plug_t mg_digest_server_plug;
/* DESCRIPTION
/*	Step 1 sends a digest-challenge (RFC 2831 section 2.1.1). A client
/*	that opens with an initial response is attempting subsequent
/*	authentication, which md5gate does not offer; it gets a fresh
/*	challenge, as section 2.2 allows, rather than an error.
/*
/*	Step 2 parses and validates the digest-response (a stale nonce or
/*	count is a replay, a wrong digest-uri service a protocol error),
/*	then hands the attempt (server_attempt.c) the user, realm and
/*	authorisation id, which it identifies as the stock plugin does,
/*	gates and verifies; this file only says whether one stored secret
/*	verifies the response, in constant time. On success it computes
/*	rspauth.
/*
/*	When the application accepts additional data with success
/*	(SASL_SUCCESS_DATA), rspauth goes out with SASL_OK. Otherwise (SMTP,
/*	and so Postfix) it goes out as one more challenge and the exchange
/*	ends on the client's final reply. Returning SASL_OK with output
/*	would make libsasl2 finish that last step itself, unseen, so md5gate
/*	returns SASL_CONTINUE to see and classify the final reply: empty, an
/*	echoed digest-response, or something else.
/*
/*	The challenge offers the qop values and ciphers the application's
/*	security properties allow (see digest_layer.c); the security layer
/*	the client picked starts when its response verifies, and a layer
/*	that cannot start fails the authentication.
/*
/*	The policy is asked at the first step, and limits the qop values
/*	and ciphers the challenge offers; then, with the lockout, on the
/*	canonical account, qop and cipher once the response is parsed.
/* CONFIGURATION
/*	Read from the application's SASL configuration (e.g. smtpd.conf):
/* .IP md5gate_digest_realms
/*	More realms to offer, besides the application's user realm (or the
/*	server name when it has none).
/* .IP md5gate_digest_realm_strict (default: no)
/*	Refuse a client realm that was not offered. By default it is
/*	accepted, as the stock plugin does, and the user is looked up in
/*	that realm.
/* .IP md5gate_digest_hosts
/*	More names the digest-uri host may carry, besides the server name
/*	and the local address of the connection.
/* .IP md5gate_digest_uri_strict (default: no)
/*	Refuse a digest-uri whose host is none of those names. By default
/*	it is accepted, as devices often connect by address or alias; the
/*	service type is always checked.
/* .IP md5gate_digest_final_reply (default: any)
/*	"empty" accepts only an empty final reply; "any" also accepts what
/*	clients seen in the wild send back.
/*--*/
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "digest/digest.h"
#include "digest_layer.h"
#include "mechs.h"
#include "mg_util.h"
#include "secret.h"
#include "server_attempt.h"

#define MECH	"DIGEST-MD5"
#define MAX_HOSTS 16

enum digest_server_state {
    DIGEST_SEND_CHALLENGE,
    DIGEST_VERIFY,
    DIGEST_FINAL_REPLY,
    DIGEST_DONE,
};

enum final_reply_kind {
    FINAL_NONE,
    FINAL_EMPTY,
    FINAL_ECHO,
    FINAL_OTHER,
};

struct digest_server {
    struct mg_digest_layer_slot slot;	/* first: encode/decode context */
    struct mg_digest_layers layers;	/* what this server offers */
    enum digest_server_state state;
    struct mgp_attempt attempt;
    struct mg_digest_challenge chal;
    char    out[MG_DIGEST_CHALLENGE_MAX + 1];
    int     host_matched;
    int     realm_offered;
    enum final_reply_kind final_reply;
};

 /*
  * Zero the context but for the attempt (mgp_attempt_start() sets it up)
  * and the message buffer (an empty string until a message is written):
  * those are most of its size, and zeroing them cost more instructions
  * than the rest of the server's step.
  */
static void zero_context(struct digest_server *ctx)
{
    char   *base = (char *) ctx;
    size_t  attempt_end = offsetof(struct digest_server, attempt) + sizeof(ctx->attempt);
    size_t  out_at = offsetof(struct digest_server, out);
    size_t  out_end = out_at + sizeof(ctx->out);

    memset(base, 0, offsetof(struct digest_server, attempt));
    memset(base + attempt_end, 0, out_at - attempt_end);
    ctx->out[0] = 0;
    memset(base + out_end, 0, sizeof(*ctx) - out_end);
}

static int digest_server_new(void *glob, sasl_server_params_t *sparams,
			             const char *chal, unsigned chal_len,
			             void **conn_context)
{
    struct digest_server *ctx;

    (void) glob;
    (void) chal;
    (void) chal_len;
    if (!mgp_state_usable(sparams->utils))
	return (SASL_FAIL);
    if ((ctx = sparams->utils->malloc(sizeof(*ctx))) == 0)
	return (SASL_NOMEM);
    zero_context(ctx);
    mg_digest_challenge_init(&ctx->chal);
    mgp_attempt_start(&ctx->attempt, sparams, MECH);
    *conn_context = ctx;
    return (SASL_OK);
}

 /*
  * Apply fn to each word of a list (see mg_word_next()); a word too long
  * for any name is skipped.
  */
static int each_word(const char *list, int (*fn) (void *, const char *),
		             void *arg)
{
    char    word[256];
    size_t  n;
    int     ret;

    for (list = list ? mg_word_next(list, &n) : 0; list && n > 0;
	 list = mg_word_next(list + n, &n)) {
	if (n < sizeof(word)) {
	    memcpy(word, list, n);
	    word[n] = 0;
	    if ((ret = fn(arg, word)) != SASL_OK)
		return (ret);
	}
    }
    return (SASL_OK);
}

static int add_realm(void *arg, const char *realm)
{
    struct mg_digest_challenge *chal = arg;
    size_t  i;

    for (i = 0; i < chal->realm_count; i++)
	if (strcmp(chal->realms[i], realm) == 0)
	    return (SASL_OK);
    return (mg_digest_add_realm(chal, realm, 0) == MG_OK ? SASL_OK : SASL_NOMEM);
}

static int build_challenge(struct digest_server *ctx, sasl_server_params_t *sparams,
			           struct mg_error *err)
{
    const sasl_utils_t *utils = sparams->utils;
    char    nonce[MG_DIGEST_NONCE_LEN + 1];
    const char *realm;
    enum mg_code code;

    realm = sparams->user_realm && *sparams->user_realm ?
	sparams->user_realm : sparams->serverFQDN;
    if (add_realm(&ctx->chal, realm) != SASL_OK
	|| each_word(mgp_option(utils, MECH, "md5gate_digest_realms"),
		     add_realm, &ctx->chal) != SASL_OK)
	return (mg_fail(err, MG_NOMEM, "cannot build the realm list"));
    if ((code = mg_digest_make_nonce(nonce, sizeof(nonce), err)) != MG_OK)
	return (code);
    if ((code = mg_digest_set_string(&ctx->chal.nonce, nonce, err)) != MG_OK)
	return (code);
    ctx->chal.qops = ctx->layers.qops;
    ctx->chal.ciphers = ctx->layers.ciphers;
    ctx->chal.utf8 = 1;
    ctx->chal.algorithm = MG_DIGEST_ALG_MD5_SESS;
    ctx->chal.maxbuf = ctx->layers.maxbuf;
    return (MG_OK);
}

static int send_challenge(struct digest_server *ctx, sasl_server_params_t *sparams,
			          unsigned clientin_len, const char **serverout,
			          unsigned *serverout_len)
{
    struct mg_policy_facts facts;
    struct mg_policy_decision d;
    struct mg_error err;
    size_t  len;
    int     ret;

    if (clientin_len > 0)
	sparams->utils->log(sparams->utils->conn, SASL_LOG_NOTE, "md5gate: "
			    MECH ": client attempted subsequent authentication; "
			    "sending a fresh challenge");
    if ((ret = mgp_attempt_open(&ctx->attempt, sparams)) != SASL_OK)
	return (ret);
    mg_digest_layers_policy(sparams->utils, &sparams->props, sparams->external_ssf,
			    &ctx->layers);
    /* Offer only what the policy allows; when it leaves no qop, its rule refuses. */
    mgp_policy_server_facts(sparams, MECH, &facts);
    if (!mgp_policy_layers(&facts, &ctx->layers.qops, &ctx->layers.ciphers, &d))
	return (mgp_attempt_decision(&ctx->attempt, sparams->utils, &d));
    if (ctx->layers.qops == 0) {
	mg_digest_layers_tooweak(sparams->utils, &ctx->layers, "no quality of "
				 "protection is available");
	return (SASL_TOOWEAK);
    }
    if (build_challenge(ctx, sparams, &err) != MG_OK
	|| mg_digest_print_challenge(&ctx->chal, ctx->out, sizeof(ctx->out),
				     &len, &err) != MG_OK)
	return (mgp_attempt_report(&ctx->attempt, sparams->utils, &err));
    *serverout = ctx->out;
    *serverout_len = (unsigned) len;
    ctx->state = DIGEST_VERIFY;
    return (SASL_CONTINUE);
}

 /*
  * The names a digest-uri host may carry: the server name, the local
  * address of this connection, and configured aliases.
  */
struct host_list {
    const char *names[MAX_HOSTS + 1];
    char    storage[MAX_HOSTS][256];
    int     count;
};

static int add_host(void *arg, const char *name)
{
    struct host_list *hl = arg;

    size_t  len = strlen(name);

    if (hl->count >= MAX_HOSTS || len >= sizeof(hl->storage[0]))
	return (SASL_OK);
    memcpy(hl->storage[hl->count], name, len + 1);
    hl->names[hl->count] = hl->storage[hl->count];
    hl->names[++hl->count] = 0;
    return (SASL_OK);
}

static void build_host_list(sasl_server_params_t *sparams, struct host_list *hl)
{
    char    addr[256];
    size_t  n;

    /* An empty, null-terminated list: the 4 kB of storage is written as names are added. */
    hl->count = 0;
    hl->names[0] = 0;
    if (sparams->serverFQDN)
	add_host(hl, sparams->serverFQDN);
    if (sparams->iplocalport && (n = strcspn(sparams->iplocalport, ";")) > 0
	&& n < sizeof(addr)) {
	memcpy(addr, sparams->iplocalport, n);
	addr[n] = 0;
	add_host(hl, addr);
    }
    each_word(mgp_option(sparams->utils, MECH, "md5gate_digest_hosts"), add_host, hl);
}

static const struct mgp_secret_props digest_props = {
    "*" MG_SECRET_PROP_DIGEST, "*" MG_SECRET_PROP_CYRUS_DIGEST,
};

 /*
  * The realm the stock plugin offers, and md5gate first: the
  * application's user realm, else the server name.
  */
static const char *offered_realm(sasl_server_params_t *sparams)
{
    return (sparams->user_realm && *sparams->user_realm ?
	    sparams->user_realm : sparams->serverFQDN);
}

static void note_response(struct mgp_attempt *a, const struct mg_digest_response *resp)
{
    struct mg_audit_event *ev = mgp_attempt_record(a);
    struct mg_digest_uri uri;

    ev->qop = mg_digest_qop_name(resp->qop);
    if (resp->qop == MG_DIGEST_QOP_AUTH_CONF)
	ev->cipher = mg_digest_cipher_name(resp->cipher);
    if (mg_digest_split_uri(resp->digest_uri, &uri, 0) == MG_OK)
	mg_audit_set(ev->uri_host, sizeof(ev->uri_host), uri.host, uri.host_len);
}

static int check_response(struct digest_server *ctx, sasl_server_params_t *sparams,
			          const struct mg_digest_response *resp)
{
    const sasl_utils_t *utils = sparams->utils;
    struct mg_audit_event *ev = mgp_attempt_record(&ctx->attempt);
    struct host_list hosts;
    struct mg_digest_expect expect;
    struct mg_digest_report report;
    struct mg_error err;

    build_host_list(sparams, &hosts);
    memset(&expect, 0, sizeof(expect));
    expect.service = sparams->service;
    expect.hosts = hosts.names;
    expect.nc = 1;
    memset(&report, 0, sizeof(report));
    if (mg_digest_validate_response(&ctx->chal, resp, &expect, &report, &err) != MG_OK) {
	/* A stale nonce or count is a replay, not a wrong password. */
	if (report.stale)
	    return (mgp_attempt_refuse(&ctx->attempt, utils, MG_OUTCOME_REPLAY,
				       mgp_sasl_code(err.code), MECH ": %s", err.reason));
	return (mgp_attempt_report(&ctx->attempt, utils, &err));
    }
    ev->uri_host_matched = ctx->host_matched = report.host_matched;
    ev->realm_offered = ctx->realm_offered = report.realm_offered;
    if (!ctx->host_matched && mgp_option_bool(utils, MECH, "md5gate_digest_uri_strict", 0))
	return (mgp_attempt_refuse(&ctx->attempt, utils, MG_OUTCOME_MALFORMED, SASL_BADPROT,
				   MECH ": digest-uri host is not a name of this server "
				   "(md5gate_digest_uri_strict)"));
    if (!ctx->realm_offered && mgp_option_bool(utils, MECH, "md5gate_digest_realm_strict", 0))
	return (mgp_attempt_refuse(&ctx->attempt, utils, MG_OUTCOME_MALFORMED, SASL_BADPROT,
				   MECH ": client realm was not offered "
				   "(md5gate_digest_realm_strict)"));
    return (SASL_OK);
}

 /*
  * The verification computed the rspauth digest with the response's
  * (mg_digest_verify_server_rspauth()): print it.
  */
static int make_rspauth(struct digest_server *ctx, const struct mg_digest_rspauth *rsp,
			        size_t *len, struct mg_error *err)
{
    return (mg_digest_print_rspauth(rsp, ctx->out, sizeof(ctx->out), len, err));
}

 /*
  * The realm the user was looked up in: the client's, else the
  * application's default (libsasl2's canon_user appends it), which is the
  * realm a stored hash without one of its own (Dovecot's, Cyrus's) is for.
  */
static const char *entry_realm(sasl_server_params_t *sparams,
			               const struct mg_digest_response *resp)
{
    if (resp->realm[0])
	return (resp->realm);
    if (sparams->user_realm && sparams->user_realm[0])
	return (sparams->user_realm);
    return (sparams->serverFQDN ? sparams->serverFQDN : "");
}

 /*
  * One stored secret against the response: the attempt climbs the
  * ladder (hashed forms, then plaintext), this only verifies. A hashed
  * secret holds one hash per charset reading, for one realm; the
  * plaintext password is tried in both charset readings (Cyrus clients
  * hash ISO-8859-1 without sending charset=utf-8).
  */
struct digest_verify {
    sasl_server_params_t *sparams;
    const struct mg_digest_response *resp;
    unsigned char *ha1;			/* MG_DIGEST_HASH_LEN: the match's */
    unsigned char *rspauth;		/* MG_DIGEST_HASH_LEN: the match's */
};

static enum mgp_try try_userhashes(const struct digest_verify *dv,
				           const struct mg_secret_digest *sec)
{
    struct mg_digest_secret key;
    enum mg_digest_charset reading;
    enum mgp_try result = MGP_TRY_OTHER_REALM;
    size_t  i;

    for (i = 0; i < sec->count; i++) {
	if (mg_secret_digest_key(sec, dv->resp->realm, i, &key, 0) != MG_OK)
	    continue;
	result = MGP_TRY_MISMATCH;
	if (mg_digest_verify_server_rspauth(dv->resp, &key, dv->ha1, &reading,
					    dv->rspauth, 0) == MG_OK)
	    return (MGP_TRY_MATCH);
    }
    return (result);
}

static enum mgp_try try_secret(void *context, enum mgp_secret_form form,
			               const unsigned char *value, size_t len)
{
    const struct digest_verify *dv = context;
    const char *realm = entry_realm(dv->sparams, dv->resp);
    struct mg_secret_digest sec;
    struct mg_digest_secret key;
    enum mg_digest_charset reading;
    enum mg_code code;
    enum mgp_try result;

    if (form == MGP_SECRET_PLAINTEXT) {
	memset(&key, 0, sizeof(key));
	key.kind = MG_DIGEST_SECRET_PASSWORD;
	key.password = value;
	key.password_len = len;
	result = mg_digest_verify_server_rspauth(dv->resp, &key, dv->ha1, &reading,
						 dv->rspauth, 0) == MG_OK ?
	    MGP_TRY_MATCH : MGP_TRY_MISMATCH;
	mg_cleanse(&key, sizeof(key));
	return (result);
    }
    code = form == MGP_SECRET_CYRUS ?
	mg_secret_digest_parse_cyrus(value, len, realm, &sec, 0)
	: mg_secret_digest_parse((const char *) value, len, realm, &sec, 0);
    if (code != MG_OK)
	return (MGP_TRY_CORRUPT);
    result = try_userhashes(dv, &sec);
    mg_secret_digest_clear(&sec);
    return (result);
}

 /*
  * Who the client says it is, as the attempt needs it.
  */
static int identify(struct digest_server *ctx, sasl_server_params_t *sparams,
		            const struct mg_digest_response *resp,
		            sasl_out_params_t *oparams)
{
    struct mgp_claim claim;

    memset(&claim, 0, sizeof(claim));
    claim.authid = resp->username;
    claim.authid_len = strlen(resp->username);
    claim.authzid = resp->authzid;
    claim.realm = resp->realm;
    claim.offered_realm = offered_realm(sparams);
    return (mgp_attempt_identify(&ctx->attempt, sparams, &claim, &digest_props, oparams));
}

static int verify_response(struct digest_server *ctx, sasl_server_params_t *sparams,
			           const char *clientin, unsigned clientin_len,
			           const char **serverout, unsigned *serverout_len,
			           sasl_out_params_t *oparams)
{
    const sasl_utils_t *utils = sparams->utils;
    struct mg_digest_response resp;
    struct mg_error err;
    unsigned char ha1[MG_DIGEST_HASH_LEN];
    struct mg_digest_rspauth rsp;
    struct digest_verify dv = {sparams, &resp, ha1, rsp.rspauth};
    struct mgp_verifier verifier = {try_secret, &dv, "DIGEST-MD5 response does not verify"};
    size_t  len = 0;
    int     ret;

    mg_digest_response_init(&resp);
    if (mg_digest_parse_response(clientin, clientin_len, &resp, &err) != MG_OK) {
	ret = mgp_attempt_report(&ctx->attempt, utils, &err);
	goto done;
    }
    note_response(&ctx->attempt, &resp);
    if ((ret = check_response(ctx, sparams, &resp)) != SASL_OK
	|| (ret = identify(ctx, sparams, &resp, oparams)) != SASL_OK
	|| (ret = mgp_attempt_gate(&ctx->attempt, sparams, mg_digest_qop_name(resp.qop),
				   resp.qop == MG_DIGEST_QOP_AUTH_CONF ?
				   mg_digest_cipher_name(resp.cipher) : 0)) != SASL_OK
	|| (ret = mgp_attempt_verify(&ctx->attempt, sparams, &verifier)) != SASL_OK)
	goto done;
    if (make_rspauth(ctx, &rsp, &len, &err) != MG_OK) {
	ret = mgp_attempt_report(&ctx->attempt, utils, &err);
	goto done;
    }
    if ((ret = mgp_attempt_authorize(&ctx->attempt, sparams, oparams)) != SASL_OK)
	goto done;
    if ((ret = mg_digest_layer_start(&ctx->slot, utils, MG_LAYER_SERVER, resp.qop,
				     resp.cipher, ha1, ctx->layers.maxbuf,
				     resp.maxbuf)) != SASL_OK)
	goto done;
    *serverout = ctx->out;
    *serverout_len = (unsigned) len;
    if (sparams->flags & SASL_SUCCESS_DATA) {
	mg_digest_layer_oparams(&ctx->slot, oparams);
	ctx->state = DIGEST_DONE;
	mgp_attempt_record(&ctx->attempt)->final_reply = "none";
	ret = SASL_OK;
    } else {
	ctx->state = DIGEST_FINAL_REPLY;
	ret = SASL_CONTINUE;
    }

done:
    mg_cleanse(ha1, sizeof(ha1));
    mg_cleanse(&rsp, sizeof(rsp));
    mg_digest_response_free(&resp);
    return (ret);
}

 /*
  * The client's answer to rspauth. An echoed digest-response is what
  * some clients send; anything that parses as one counts as an echo.
  */
static enum final_reply_kind classify_final(const char *in, unsigned len)
{
    struct mg_digest_response resp;
    enum mg_code code;

    if (len == 0)
	return (FINAL_EMPTY);
    mg_digest_response_init(&resp);
    code = mg_digest_parse_response(in, len, &resp, 0);
    mg_digest_response_free(&resp);
    return (code == MG_OK ? FINAL_ECHO : FINAL_OTHER);
}

static int final_reply(struct digest_server *ctx, sasl_server_params_t *sparams,
		               const char *clientin, unsigned clientin_len,
		               sasl_out_params_t *oparams)
{
    const sasl_utils_t *utils = sparams->utils;
    const char *policy = mgp_option(utils, MECH, "md5gate_digest_final_reply");

    static const char *names[] = {"none", "empty", "echo", "other"};

    ctx->final_reply = classify_final(clientin, clientin_len);
    mgp_attempt_record(&ctx->attempt)->final_reply = names[ctx->final_reply];
    ctx->state = DIGEST_DONE;
    /*
     * A configured rule refuses the reply, whatever its form: the record
     * says policy-denied and names the rule (the SASL result stays "bad
     * protocol", which is what the client is told).
     */
    if (ctx->final_reply != FINAL_EMPTY && policy && strcasecmp(policy, "empty") == 0) {
	return (mgp_attempt_refuse_rule(&ctx->attempt, utils, "md5gate_digest_final_reply",
					SASL_BADPROT, MECH ": final reply after rspauth "
					"must be empty (md5gate_digest_final_reply = empty)"));
    }
    mg_digest_layer_oparams(&ctx->slot, oparams);
    return (SASL_OK);
}

static int digest_server_step(void *conn_context, sasl_server_params_t *sparams,
			              const char *clientin, unsigned clientin_len,
			              const char **serverout, unsigned *serverout_len,
			              sasl_out_params_t *oparams)
{
    struct digest_server *ctx = conn_context;
    int     ret;

    *serverout = 0;
    *serverout_len = 0;
    switch (ctx->state) {
    case DIGEST_SEND_CHALLENGE:
	ret = send_challenge(ctx, sparams, clientin_len, serverout, serverout_len);
	break;
    case DIGEST_VERIFY:
	ret = verify_response(ctx, sparams, clientin, clientin_len, serverout,
			      serverout_len, oparams);
	if (ret != SASL_OK && ret != SASL_CONTINUE)
	    ctx->state = DIGEST_DONE;
	break;
    case DIGEST_FINAL_REPLY:
	ret = final_reply(ctx, sparams, clientin, clientin_len, oparams);
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
  * audit record is two thirds of the context) holds nothing secret, and of the message buffer only the
  * text last written (the rspauth) was ever more than public.
  */
static void cleanse_context(struct digest_server *ctx)
{
    char   *base = (char *) ctx;
    size_t  attempt_end = offsetof(struct digest_server, attempt) + sizeof(ctx->attempt);
    size_t  out_at = offsetof(struct digest_server, out);
    size_t  out_end = out_at + sizeof(ctx->out);

    _Static_assert(offsetof(struct digest_server, attempt) < offsetof(struct digest_server, out),
		   "the attempt must precede the message buffer");
    mg_cleanse(base, offsetof(struct digest_server, attempt));
    mg_cleanse(base + attempt_end, out_at - attempt_end);
    mg_cleanse(ctx->out, strnlen(ctx->out, sizeof(ctx->out) - 1) + 1);
    mg_cleanse(base + out_end, sizeof(*ctx) - out_end);
}

static void digest_server_dispose(void *conn_context, const sasl_utils_t *utils)
{
    struct digest_server *ctx = conn_context;

    if (ctx == 0)
	return;
    mgp_attempt_dispose(&ctx->attempt, utils);
    mg_digest_challenge_free(&ctx->chal);
    mg_digest_layer_dispose(&ctx->slot);
    cleanse_context(ctx);
    utils->free(ctx);
}

static int digest_server_avail(void *glob, sasl_server_params_t *sparams,
			               void **conn_context)
{
    (void) glob;
    (void) conn_context;
    return (mgp_mech_avail(MECH, sparams));
}

const sasl_server_plug_t mg_digest_server_plug = {
    .mech_name = MECH,
    .max_ssf = MG_LAYER_SSF_3DES,	/* set from the options at init */
    .security_flags = SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS
    | SASL_SEC_MUTUAL_AUTH,
    .features = SASL_FEAT_ALLOWS_PROXY,
    .mech_new = digest_server_new,
    .mech_step = digest_server_step,
    .mech_dispose = digest_server_dispose,
    .mech_free = mgp_mech_free,
    .mech_avail = digest_server_avail,
};
