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
/*	parses "user SP digest", canonicalises the user, fetches the secret
/*	through auxprop and verifies in constant time. The mechanism is
/*	server-first: libsasl2 refuses an initial response before calling
/*	us, and a non-empty first step is refused here as well.
/*
/*	Unknown user and wrong password stay distinct for libsasl2
/*	(SASL_NOUSER, SASL_BADAUTH); applications such as Postfix map both
/*	to one reply so that a client learns nothing from the difference.
/*
/*	The policy (see attempt.c) is asked at the first step, since a
/*	client may ask for a mechanism mech_avail hid, and again with the
/*	user once the response is parsed; then the lockout, before any
/*	secret is looked up. The outcome counts towards the lockout.
/*--*/
#include <stddef.h>
#include <string.h>

#include "attempt.h"
#include "cram.h"
#include "glue.h"
#include "mechs.h"
#include "mg_util.h"
#include "secret.h"

#define MECH	"CRAM-MD5"

enum cram_server_state {
    CRAM_SEND_CHALLENGE,
    CRAM_VERIFY,
    CRAM_DONE,
};

struct cram_server {
    enum cram_server_state state;
    struct mg_audit_event ev;
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
    if (!mg_state_usable(sparams->utils))
	return (SASL_FAIL);
    if ((ctx = sparams->utils->malloc(sizeof(*ctx))) == 0)
	return (SASL_NOMEM);
    memset(ctx, 0, sizeof(*ctx));
    ctx->state = CRAM_SEND_CHALLENGE;
    mg_attempt_server_begin(&ctx->ev, sparams, MECH);
    *conn_context = ctx;
    return (SASL_OK);
}

static int send_challenge(struct cram_server *ctx, sasl_server_params_t *sparams,
			          unsigned clientin_len, const char **serverout,
			          unsigned *serverout_len)
{
    struct mg_error err;
    int     ret;

    if ((ret = mg_policy_server_start(sparams, &ctx->ev, MECH)) != SASL_OK)
	return (ret);
    if (clientin_len != 0)
	return (mg_refuse(sparams->utils, &ctx->ev, SASL_BADPROT,
			  MECH ": the client may not send initial data"));
    if (mg_cram_make_challenge(sparams->serverFQDN, ctx->challenge,
			       sizeof(ctx->challenge), &ctx->challenge_len,
			       &err) != MG_OK)
	return (mg_report(sparams->utils, &ctx->ev, MECH, &err));
    *serverout = ctx->challenge;
    *serverout_len = (unsigned) ctx->challenge_len;
    ctx->state = CRAM_VERIFY;
    return (SASL_CONTINUE);
}

static const struct mg_secret_props cram_props = {
    "*" MG_SECRET_PROP_CRAM, "*" MG_SECRET_PROP_CYRUS_CRAM,
};

 /*
  * Verification against every secret the store holds: hashed forms first,
  * then the plaintext password unless the configuration forbids it. The
  * first that verifies wins; the audit record says which kind it was.
  */
struct cram_check {
    int     tried;
    int     corrupt;
    int     plaintext_refused;
};

static int try_key(struct cram_server *ctx, const struct mg_cram_key *key,
		           const struct mg_cram_response *resp, const char *kind,
		           struct cram_check *chk)
{
    chk->tried++;
    if (mg_cram_verify(key, ctx->challenge, ctx->challenge_len, resp, 0) != MG_OK)
	return (0);
    ctx->ev.secret = kind;
    return (1);
}

static int try_hashed(struct cram_server *ctx, const struct mg_lookup *lookup,
		              const struct mg_cram_response *resp, struct cram_check *chk)
{
    struct mg_secret_cram sec;
    struct mg_cram_key key;
    int     i, ok = 0;

    for (i = 0; i < lookup->hashed_count && !ok; i++) {
	if (mg_secret_cram_parse((const char *) lookup->hashed[i].data,
				 lookup->hashed[i].len, &sec, 0) != MG_OK) {
	    chk->corrupt++;
	    continue;
	}
	mg_secret_cram_key(&sec, &key);
	ok = try_key(ctx, &key, resp, "hashed", chk);
	mg_secret_cram_clear(&sec);
	mg_cleanse(&key, sizeof(key));
    }
    if (!ok && lookup->cyrus.data) {
	if (mg_secret_cram_parse_cyrus(lookup->cyrus.data, lookup->cyrus.len,
				       &sec, 0) != MG_OK) {
	    chk->corrupt++;
	} else {
	    mg_secret_cram_key(&sec, &key);
	    ok = try_key(ctx, &key, resp, "hashed", chk);
	    mg_secret_cram_clear(&sec);
	    mg_cleanse(&key, sizeof(key));
	}
    }
    return (ok);
}

static int try_plaintext(struct cram_server *ctx, const struct mg_lookup *lookup,
		                 const struct mg_cram_response *resp, struct cram_check *chk)
{
    struct mg_cram_key key;
    int     ok;

    if (lookup->password.data == 0)
	return (0);
    if (!mg_state_config()->plaintext_secrets) {
	chk->plaintext_refused = 1;
	return (0);
    }
    memset(&key, 0, sizeof(key));
    key.kind = MG_CRAM_KEY_PLAINTEXT;
    key.password = lookup->password.data;
    key.password_len = lookup->password.len;
    ok = try_key(ctx, &key, resp, "plaintext", chk);
    mg_cleanse(&key, sizeof(key));
    return (ok);
}

static int check_secrets(struct cram_server *ctx, sasl_server_params_t *sparams,
			         const struct mg_lookup *lookup,
			         const struct mg_cram_response *resp)
{
    struct cram_check chk = {0, 0, 0};

    if (try_hashed(ctx, lookup, resp, &chk) || try_plaintext(ctx, lookup, resp, &chk))
	return (SASL_OK);
    if (chk.tried > 0)
	return (mg_refuse(sparams->utils, &ctx->ev, SASL_BADAUTH,
			  "CRAM-MD5 digest does not match"));
    if (chk.corrupt > 0)
	return (mg_refuse(sparams->utils, &ctx->ev, SASL_FAIL, MECH ": the stored "
			  "secret for this user is malformed"));
    return (mg_refuse(sparams->utils, &ctx->ev, SASL_NOUSER, MECH ": no usable "
		      "secret for this user (plaintext_secrets = deny)"));
}

 /*
  * Before any secret is touched: the policy's user rules, then the
  * lockout. The user is looked up in the application's realm unless the
  * name carries one.
  */
static int user_rules(struct cram_server *ctx, sasl_server_params_t *sparams)
{
    const char *realm = sparams->user_realm && *sparams->user_realm ?
    sparams->user_realm : sparams->serverFQDN;
    int     ret;

    if ((ret = mg_policy_server_user(sparams, &ctx->ev, MECH, ctx->ev.authid,
				     realm, 0, 0)) != SASL_OK)
	return (ret);
    return (mg_lockout_gate(sparams, &ctx->ev, MECH, ctx->ev.authid));
}

static int verify_response(struct cram_server *ctx, sasl_server_params_t *sparams,
			           const char *clientin, unsigned clientin_len,
			           sasl_out_params_t *oparams)
{
    struct mg_cram_response resp;
    struct mg_lookup lookup;
    struct mg_error err;
    int     ret;

    if (mg_cram_parse_response(clientin, clientin_len, &resp, &err) != MG_OK)
	return (mg_report(sparams->utils, &ctx->ev, MECH, &err));
    mg_audit_set(ctx->ev.authid, sizeof(ctx->ev.authid), resp.user, resp.user_len);
    ret = user_rules(ctx, sparams);
    if (ret == SASL_OK)
	ret = mg_server_lookup(sparams, &ctx->ev, MECH, &cram_props, resp.user,
			       resp.user_len, SASL_CU_AUTHID | SASL_CU_AUTHZID, oparams,
			       &lookup);
    if (ret == SASL_OK) {
	ret = check_secrets(ctx, sparams, &lookup, &resp);
	mg_lookup_free(sparams->utils, &lookup);
    }
    mg_cleanse(resp.digest, sizeof(resp.digest));
    mg_lockout_count(sparams, &ctx->ev, MECH, ctx->ev.authid, ret);
    if (ret == SASL_OK)
	ret = mg_check_authorization(sparams, &ctx->ev, MECH, oparams);
    if (ret == SASL_OK)
	mg_oparams_no_layer(oparams);
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
	return (mg_refuse(sparams->utils, 0, SASL_FAIL, MECH ": exchange already finished"));
    }
    return (mg_attempt_end(&ctx->ev, sparams->utils, ret));
}

 /*
  * Erase what held secrets, not the whole context: the audit record (most
  * of it) holds nothing secret, and of the challenge buffer only the text
  * written into it.
  */
static void cleanse_context(struct cram_server *ctx)
{
    char   *base = (char *) ctx;
    size_t  ev_end = offsetof(struct cram_server, ev) + sizeof(ctx->ev);
    size_t  buf_at = offsetof(struct cram_server, challenge);
    size_t  buf_end = buf_at + sizeof(ctx->challenge);

    _Static_assert(offsetof(struct cram_server, ev) < offsetof(struct cram_server, challenge),
		   "the audit record must precede the challenge buffer");
    mg_cleanse(base, offsetof(struct cram_server, ev));
    mg_cleanse(base + ev_end, buf_at - ev_end);
    mg_cleanse(ctx->challenge, ctx->challenge_len < sizeof(ctx->challenge) ?
	       ctx->challenge_len + 1 : sizeof(ctx->challenge));
    mg_cleanse(base + buf_end, sizeof(*ctx) - buf_end);
}

static void cram_server_dispose(void *conn_context, const sasl_utils_t *utils)
{
    struct cram_server *ctx = conn_context;

    if (ctx == 0)
	return;
    mg_attempt_dispose(&ctx->ev, utils);
    cleanse_context(ctx);
    utils->free(ctx);
}

static int cram_server_avail(void *glob, sasl_server_params_t *sparams,
			             void **conn_context)
{
    (void) glob;
    (void) conn_context;
    return (mg_mech_avail(MECH, sparams));
}

const sasl_server_plug_t mg_cram_server_plug = {
    .mech_name = MECH,
    .max_ssf = 0,
    .security_flags = SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS,
    .features = SASL_FEAT_SERVER_FIRST,
    .mech_new = cram_server_new,
    .mech_step = cram_server_step,
    .mech_dispose = cram_server_dispose,
    .mech_free = mg_mech_free,
    .mech_avail = cram_server_avail,
};
