/*++
/* NAME
/*	glue 3
/* SUMMARY
/*	helpers shared by md5gate's Cyrus SASL mechanism glue
/* SYNOPSIS
/*	#include "glue.h"
/*
/*	int	mg_sasl_code(code)
/*
/*	int	mg_report(utils, mech, err)
/*
/*	int	mg_server_lookup(sparams, mech, user, user_len, cu_flags,
/*				oparams, lookup)
/*
/*	void	mg_lookup_free(utils, lookup)
/*
/*	int	mg_client_get_creds(cparams, want, prompt_need, creds)
/*
/*	void	mg_client_creds_free(utils, creds)
/* DESCRIPTION
/*	This is the only place where core result codes become SASL_* codes
/*	and where md5gate talks to auxprop and to the client callbacks.
/*
/*	mg_report() hands the core's reason to sasl_seterror() and returns
/*	the matching SASL_* code. Core reasons never contain secrets.
/*
/*	mg_server_lookup() asks auxprop for the authentication identity's
/*	password, canonicalises the user the way libsasl2 expects (the
/*	property request must precede canon_user, which performs the
/*	lookup), and copies the secret into memory md5gate cleanses. The
/*	copy in libsasl2's property context is erased at once.
/*
/*	mg_client_get_creds() collects the authentication id, authorisation
/*	id and password from prompt results or callbacks, and when some are
/*	missing builds sasl_interact_t prompts and returns SASL_INTERACT, as
/*	libsasl2 applications expect.
/*--*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "attempt.h"
#include "glue.h"
#include "mg_options.h"
#include "mg_util.h"

int     mg_sasl_code(enum mg_code code)
{
    switch (code) {
    case MG_OK:
	return (SASL_OK);
    case MG_CONTINUE:
	return (SASL_CONTINUE);
    case MG_MALFORMED:
    case MG_TOOLONG:
	return (SASL_BADPROT);
    case MG_BADAUTH:
	return (SASL_BADAUTH);
    case MG_NOUSER:
	return (SASL_NOUSER);
    case MG_BADSERV:
	return (SASL_BADSERV);
    case MG_BADMAC:
	return (SASL_BADMAC);
    case MG_NOMEM:
	return (SASL_NOMEM);
    case MG_BADPARAM:
	return (SASL_BADPARAM);
    case MG_INTERNAL:
    case MG_BADSECRET:
    case MG_NOFILE:
	return (SASL_FAIL);
    }
    return (SASL_FAIL);
}

int     mg_report(const sasl_utils_t *utils, struct mg_audit_event *ev,
		          const char *mech, struct mg_error *err)
{
    size_t  n = strlen(mech);

    /* Core reasons often name the mechanism already: say it once. */
    if (strncmp(err->reason, mech, n) == 0 && err->reason[n] == ' ')
	return (mg_refuse(utils, ev, mg_sasl_code(err->code), "%s", err->reason));
    return (mg_refuse(utils, ev, mg_sasl_code(err->code), "%s: %s", mech, err->reason));
}

char   *mg_strndup(const sasl_utils_t *utils, const char *str, size_t len)
{
    char   *copy;

    if ((copy = utils->malloc(len + 1)) == 0)
	return (0);
    memcpy(copy, str, len);
    copy[len] = 0;
    return (copy);
}

static int secret_copy(const sasl_utils_t *utils, struct mg_secret_buf *buf,
		               const char *value, size_t len)
{
    if ((buf->data = utils->malloc(len + 1)) == 0)
	return (SASL_NOMEM);
    memcpy(buf->data, value, len);
    buf->data[len] = 0;
    buf->len = len;
    return (SASL_OK);
}

static void secret_free(const sasl_utils_t *utils, struct mg_secret_buf *buf)
{
    if (buf->data) {
	mg_cleanse(buf->data, buf->len);
	utils->free(buf->data);
    }
    buf->data = 0;
    buf->len = 0;
}

static int has_value(const struct propval *val)
{
    return (val->name != 0 && val->values != 0 && val->values[0] != 0);
}

 /*
  * Copy the values of one property. Text values end at their NUL; a
  * binary (Cyrus) value has no terminator to trust, and libsasl2 gives
  * its length only as valsize, which is exact for a single value - so a
  * binary property with several values is not usable and is skipped.
  */
static int copy_values(const sasl_utils_t *utils, const struct propval *val,
		               struct mg_secret_buf *bufs, int max, int *count)
{
    unsigned i;
    int     ret;

    for (i = 0; i < val->nvalues && *count < max; i++)
	if ((ret = secret_copy(utils, bufs + (*count)++, val->values[i],
			       strlen(val->values[i]))) != SASL_OK)
	    return (ret);
    return (SASL_OK);
}

static int copy_binary(const sasl_utils_t *utils, const struct propval *val,
		               struct mg_secret_buf *buf)
{
    if (val->nvalues != 1)
	return (SASL_OK);
    return (secret_copy(utils, buf, val->values[0], val->valsize));
}

int     mg_server_lookup(sasl_server_params_t *sparams, struct mg_audit_event *ev,
			         const char *mech, const struct mg_secret_props *props,
			         const char *user, size_t user_len,
			         unsigned cu_flags, sasl_out_params_t *oparams,
			         struct mg_lookup *lookup)
{
    const sasl_utils_t *utils = sparams->utils;
    const char *names[] = {SASL_AUX_PASSWORD, props->hashed, props->cyrus, 0};
    struct propval vals[4];
    int     ret, found = 0;

    memset(lookup, 0, sizeof(*lookup));
    memset(vals, 0, sizeof(vals));
    if ((ret = utils->prop_request(sparams->propctx, names)) != SASL_OK)
	return (mg_refuse(utils, ev, ret, "%s: cannot request the secret properties", mech));
    ret = sparams->canon_user(utils->conn, user, (unsigned) user_len,
			      cu_flags, oparams);
    if (ret == SASL_NOUSER)
	goto no_user;
    if (ret != SASL_OK)
	return (mg_refuse(utils, ev, ret, "%s: user name canonicalisation failed", mech));
    ret = utils->prop_getnames(sparams->propctx, names, vals);
    if (ret < 0)
	goto no_user;
    ret = SASL_OK;
    if (has_value(vals + 0)) {
	found = 1;
	ret = secret_copy(utils, &lookup->password, vals[0].values[0],
			  strlen(vals[0].values[0]));
    }
    if (ret == SASL_OK && has_value(vals + 1)) {
	found = 1;
	ret = copy_values(utils, vals + 1, lookup->hashed, MG_LOOKUP_VALUES_MAX,
			  &lookup->hashed_count);
    }
    if (ret == SASL_OK && has_value(vals + 2)) {
	found = 1;
	ret = copy_binary(utils, vals + 2, &lookup->cyrus);
    }
    utils->prop_erase(sparams->propctx, names[0]);
    utils->prop_erase(sparams->propctx, names[1]);
    utils->prop_erase(sparams->propctx, names[2]);
    if (ret != SASL_OK) {
	mg_lookup_free(utils, lookup);
	return (ret);
    }
    if (found)
	return (SASL_OK);

no_user:
    return (mg_refuse(utils, ev, sparams->transition ? SASL_TRANS : SASL_NOUSER,
		      "%s: no secret in database for this user", mech));
}

 /*
  * libsasl2 checks the authorisation id after the last step returns
  * SASL_OK, where md5gate's record could no longer say so. Ask the same
  * proxy policy callback first; libsasl2 asking again is harmless.
  */
int     mg_check_authorization(sasl_server_params_t *sparams, struct mg_audit_event *ev,
			               const char *mech, sasl_out_params_t *oparams)
{
    const sasl_utils_t *utils = sparams->utils;
    sasl_authorize_t *proc = 0;
    void   *ctx = 0;
    int     ret;

    if (oparams->user == 0 || oparams->authid == 0
	|| (oparams->ulen == oparams->alen
	    && memcmp(oparams->user, oparams->authid, oparams->alen) == 0))
	return (SASL_OK);
    ret = utils->getcallback(utils->conn, SASL_CB_PROXY_POLICY,
			     (sasl_callback_ft *) & proc, &ctx);
    if (ret != SASL_OK || proc == 0)
	return (SASL_OK);			/* libsasl2 decides */
    ret = proc(utils->conn, ctx, oparams->user, oparams->ulen, oparams->authid,
	       oparams->alen, sparams->user_realm, sparams->urlen, sparams->propctx);
    if (ret != SASL_OK)
	return (mg_refuse(utils, ev, SASL_NOAUTHZ, "%s: authorization id is not "
			  "permitted for this authentication id", mech));
    return (SASL_OK);
}

 /*
  * libsasl2 asks before it lists a mechanism and before it starts one: a
  * mechanism the policy refuses for this connection is neither offered
  * nor started. (Nothing is kept in a connection context: libsasl2
  * would hand it to mech_new in place of a fresh one.)
  */
int     mg_mech_avail(const char *mech, sasl_server_params_t *sparams)
{
    if (!mg_state_usable(sparams->utils) || mg_policy_hides(sparams, mech))
	return (SASL_NOMECH);
    return (SASL_OK);
}

void    mg_mech_free(void *glob, const sasl_utils_t *utils)
{
    (void) glob;
    (void) utils;
    mg_state_release();
}

void    mg_lookup_free(const sasl_utils_t *utils, struct mg_lookup *lookup)
{
    int     i;

    secret_free(utils, &lookup->password);
    for (i = 0; i < lookup->hashed_count; i++)
	secret_free(utils, lookup->hashed + i);
    lookup->hashed_count = 0;
    secret_free(utils, &lookup->cyrus);
}

void    mg_oparams_no_layer(sasl_out_params_t *oparams)
{
    oparams->doneflag = 1;
    oparams->mech_ssf = 0;
    oparams->maxoutbuf = 0;
    oparams->encode_context = 0;
    oparams->encode = 0;
    oparams->decode_context = 0;
    oparams->decode = 0;
    oparams->param_version = 0;
}

/* Options. */

const char *mg_option(const sasl_utils_t *utils, const char *mech,
		              const char *name)
{
    const char *value = 0;
    unsigned len = 0;

    if (utils->getopt == 0
	|| utils->getopt(utils->getopt_context, mech, name, &value, &len) != SASL_OK
	|| value == 0 || *value == 0)
	return (0);
    return (value);
}

 /*
  * Booleans as Cyrus spells them (yes/true/on/1 and no/false/off/0).
  * mg_options_check() refuses any other value when the plugin loads, and
  * the mechanisms are then disabled; should the application still hand
  * over another one later, the default stays and the log says so.
  */
int     mg_option_bool(const sasl_utils_t *utils, const char *mech,
		               const char *name, int dflt)
{
    const char *value = mg_option(utils, mech, name);
    char    line[MG_REASON_MAX];
    int     flag;

    if (value == 0)
	return (dflt);
    if (mg_sasl_option_bool(value, &flag))
	return (flag);
    /* libsasl2's formatter knows no precision: format here. */
    snprintf(line, sizeof(line), "md5gate: option %s: \"%.40s\" is not yes or no; "
	     "using %s", name, value, dflt ? "yes" : "no");
    utils->log(utils->conn, SASL_LOG_ERR, "%s", line);
    return (dflt);
}

/* Client side. */

static sasl_interact_t *find_prompt(sasl_interact_t *prompts, unsigned long id)
{
    for (; prompts && prompts->id != SASL_CB_LIST_END; prompts++)
	if (prompts->id == id)
	    return (prompts);
    return (0);
}

 /*
  * One simple value: from a filled-in prompt, else from the callback.
  * Returns SASL_OK with *out set (possibly to null when the callback gave
  * nothing), SASL_INTERACT when the application wants to be prompted.
  */
static int get_simple(sasl_client_params_t *cparams, unsigned long id,
		              sasl_interact_t *prompts, char **out)
{
    const sasl_utils_t *utils = cparams->utils;
    sasl_interact_t *prompt;
    sasl_getsimple_t *proc = 0;
    void   *ctx = 0;
    const char *value = 0;
    unsigned len = 0;
    int     ret;

    *out = 0;
    if ((prompt = find_prompt(prompts, id)) != 0 && prompt->result != 0) {
	value = prompt->result;
	len = prompt->len ? prompt->len : (unsigned) strlen(value);
    } else {
	ret = utils->getcallback(utils->conn, id, (sasl_callback_ft *) & proc, &ctx);
	if (ret != SASL_OK)
	    return (ret);
	if (proc == 0)
	    return (SASL_INTERACT);
	if ((ret = proc(ctx, (int) id, &value, &len)) != SASL_OK)
	    return (ret);
	if (value && len == 0)
	    len = (unsigned) strlen(value);
    }
    if (value == 0)
	return (SASL_OK);
    if ((*out = mg_strndup(utils, value, len)) == 0)
	return (SASL_NOMEM);
    return (SASL_OK);
}

static int user_callback_exists(sasl_client_params_t *cparams)
{
    const sasl_utils_t *utils = cparams->utils;
    sasl_callback_ft proc = 0;
    void   *ctx = 0;

    return (utils->getcallback(utils->conn, SASL_CB_USER, &proc, &ctx) == SASL_OK);
}

static int get_password(sasl_client_params_t *cparams, sasl_interact_t *prompts,
			        struct mg_secret_buf *out)
{
    const sasl_utils_t *utils = cparams->utils;
    sasl_interact_t *prompt;
    sasl_getsecret_t *proc = 0;
    sasl_secret_t *secret = 0;
    void   *ctx = 0;
    int     ret;

    if ((prompt = find_prompt(prompts, SASL_CB_PASS)) != 0 && prompt->result != 0)
	return (secret_copy(utils, out, prompt->result, prompt->len ?
			    prompt->len : strlen(prompt->result)));
    ret = utils->getcallback(utils->conn, SASL_CB_PASS, (sasl_callback_ft *) & proc, &ctx);
    if (ret != SASL_OK)
	return (ret);
    if (proc == 0)
	return (SASL_INTERACT);
    if ((ret = proc(utils->conn, ctx, SASL_CB_PASS, &secret)) != SASL_OK)
	return (ret);
    if (secret == 0)
	return (SASL_BADPARAM);
    return (secret_copy(utils, out, (const char *) secret->data, secret->len));
}

static void fill_prompt(sasl_interact_t *p, unsigned long id, const char *text)
{
    memset(p, 0, sizeof(*p));
    p->id = id;
    p->challenge = id == SASL_CB_PASS ? "Password" : "Name";
    p->prompt = text;
}

static int make_prompts(const sasl_utils_t *utils, unsigned missing,
			        sasl_interact_t **prompt_need)
{
    sasl_interact_t *prompts;
    int     n = 0;

    if ((prompts = utils->malloc(4 * sizeof(*prompts))) == 0)
	return (SASL_NOMEM);
    if (missing & MG_WANT_AUTHZID)
	fill_prompt(prompts + n++, SASL_CB_USER,
		    "Please enter your authorization name");
    if (missing & MG_WANT_AUTHID)
	fill_prompt(prompts + n++, SASL_CB_AUTHNAME,
		    "Please enter your authentication name");
    if (missing & MG_WANT_PASS)
	fill_prompt(prompts + n++, SASL_CB_PASS, "Please enter your password");
    fill_prompt(prompts + n, SASL_CB_LIST_END, 0);
    *prompt_need = prompts;
    return (SASL_INTERACT);
}

static int want_result(int ret, unsigned bit, unsigned *missing)
{
    if (ret == SASL_INTERACT) {
	*missing |= bit;
	return (SASL_OK);
    }
    return (ret);
}

int     mg_client_get_creds(sasl_client_params_t *cparams, unsigned want,
			            sasl_interact_t **prompt_need,
			            struct mg_client_creds *creds)
{
    const sasl_utils_t *utils = cparams->utils;
    sasl_interact_t *prompts = prompt_need ? *prompt_need : 0;
    unsigned missing = 0;
    int     ret = SASL_OK;

    if ((want & MG_WANT_AUTHID) && creds->authid == 0)
	ret = want_result(get_simple(cparams, SASL_CB_AUTHNAME, prompts,
				     &creds->authid), MG_WANT_AUTHID, &missing);
    if (ret == SASL_OK && (want & MG_WANT_AUTHZID) && creds->authzid == 0) {
	ret = get_simple(cparams, SASL_CB_USER, prompts, &creds->authzid);

	/*
	 * The authorisation id is optional. An application that registers
	 * no SASL_CB_USER callback (Postfix's smtp client, unless
	 * send_cyrus_sasl_authzid = yes) makes getcallback fail with
	 * SASL_FAIL ("Unable to find a callback"): that means "none", as in
	 * the stock plugins, not a failed exchange.
	 */
	if (ret == SASL_FAIL && creds->authzid == 0 && !user_callback_exists(cparams))
	    ret = SASL_OK;
	else if (ret == SASL_INTERACT && prompts == 0)
	    ret = want_result(ret, MG_WANT_AUTHZID, &missing);
	else if (ret == SASL_INTERACT)
	    ret = SASL_OK;			/* optional: asked once */
    }
    if (ret == SASL_OK && (want & MG_WANT_PASS) && creds->password.data == 0)
	ret = want_result(get_password(cparams, prompts, &creds->password),
			  MG_WANT_PASS, &missing);
    if (prompts) {
	utils->free(prompts);
	*prompt_need = 0;
    }
    if (ret != SASL_OK)
	return (ret);
    if (creds->authzid && creds->authzid[0] == 0) {
	utils->free(creds->authzid);
	creds->authzid = 0;
    }
    if ((want & MG_WANT_AUTHID) && creds->authid == 0 && !(missing & MG_WANT_AUTHID))
	missing |= MG_WANT_AUTHID;
    if (missing)
	return (prompt_need ? make_prompts(utils, missing, prompt_need) : SASL_BADPARAM);
    return (SASL_OK);
}

void    mg_client_creds_free(const sasl_utils_t *utils, struct mg_client_creds *creds)
{
    if (creds->authid)
	utils->free(creds->authid);
    if (creds->authzid)
	utils->free(creds->authzid);
    creds->authid = creds->authzid = 0;
    secret_free(utils, &creds->password);
}
