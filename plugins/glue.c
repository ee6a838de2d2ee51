/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	glue 3
/* SUMMARY
/*	libsasl2 helpers at the bottom of md5gate's plugin layer
/* SYNOPSIS
/*	#include "glue.h"
/*
/*	int	mgp_sasl_code(code)
/*
/*	int	mgp_secret_copy(utils, buf, value, len)
/*
/*	void	mgp_secret_free(utils, buf)
/*
/*	const char *mgp_option(utils, mech, name)
/*
/*	int	mgp_client_get_creds(cparams, want, prompt_need, creds)
/*
/*	void	mgp_client_creds_free(utils, creds)
/* DESCRIPTION
/*	The plugin layer (plugins/, names mgp_*) sits on the core (src/,
/*	names mg_*). This module is its bottom: it knows libsasl2 but
/*	nothing of attempts or records, so that attempt.c and the
/*	mechanisms build on it and it on nothing of theirs.
/*
/*	mgp_sasl_code() is the one place where core result codes become
/*	SASL_* codes.
/*
/*	mgp_secret_copy() copies a secret into memory md5gate cleanses;
/*	mgp_secret_free() cleanses and frees it.
/*
/*	mgp_client_get_creds() collects the authentication id, authorisation
/*	id and password from prompt results or callbacks, and when some are
/*	missing builds sasl_interact_t prompts and returns SASL_INTERACT, as
/*	libsasl2 applications expect.
/*--*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "glue.h"
#include "mg_options.h"
#include "mg_util.h"

int     mgp_sasl_code(enum mg_code code)
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

char   *mgp_strndup(const sasl_utils_t *utils, const char *str, size_t len)
{
    char   *copy;

    if ((copy = utils->malloc(len + 1)) == 0)
	return (0);
    memcpy(copy, str, len);
    copy[len] = 0;
    return (copy);
}

int     mgp_secret_copy(const sasl_utils_t *utils, struct mgp_secret_buf *buf,
		               const char *value, size_t len)
{
    if ((buf->data = utils->malloc(len + 1)) == 0)
	return (SASL_NOMEM);
    memcpy(buf->data, value, len);
    buf->data[len] = 0;
    buf->len = len;
    return (SASL_OK);
}

void    mgp_secret_free(const sasl_utils_t *utils, struct mgp_secret_buf *buf)
{
    if (buf->data) {
	mg_cleanse(buf->data, buf->len);
	utils->free(buf->data);
    }
    buf->data = 0;
    buf->len = 0;
}

void    mgp_oparams_no_layer(sasl_out_params_t *oparams)
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

const char *mgp_option(const sasl_utils_t *utils, const char *mech,
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
  * mgp_options_check() refuses any other value when the plugin loads, and
  * the mechanisms are then disabled; should the application still hand
  * over another one later, the default stays and the log says so.
  */
int     mgp_option_bool(const sasl_utils_t *utils, const char *mech,
		               const char *name, int dflt)
{
    const char *value = mgp_option(utils, mech, name);
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
    if ((*out = mgp_strndup(utils, value, len)) == 0)
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
			        struct mgp_secret_buf *out)
{
    const sasl_utils_t *utils = cparams->utils;
    sasl_interact_t *prompt;
    sasl_getsecret_t *proc = 0;
    sasl_secret_t *secret = 0;
    void   *ctx = 0;
    int     ret;

    if ((prompt = find_prompt(prompts, SASL_CB_PASS)) != 0 && prompt->result != 0)
	return (mgp_secret_copy(utils, out, prompt->result, prompt->len ?
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
    return (mgp_secret_copy(utils, out, (const char *) secret->data, secret->len));
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

int     mgp_client_get_creds(sasl_client_params_t *cparams, unsigned want,
			            sasl_interact_t **prompt_need,
			            struct mgp_client_creds *creds)
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

void    mgp_client_creds_free(const sasl_utils_t *utils, struct mgp_client_creds *creds)
{
    if (creds->authid)
	utils->free(creds->authid);
    if (creds->authzid)
	utils->free(creds->authzid);
    creds->authid = creds->authzid = 0;
    mgp_secret_free(utils, &creds->password);
}
