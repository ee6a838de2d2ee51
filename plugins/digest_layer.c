/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	digest_layer 3
/* SUMMARY
/*	DIGEST-MD5 security layer glue shared by server and client
/* SYNOPSIS
/*	#include "digest_layer.h"
/*
/*	void	mg_digest_layers_policy(utils, props, external_ssf, pol)
/*
/*	int	mg_digest_layers_choose(utils, pol, offered_qops,
/*					offered_ciphers, qop, cipher)
/*
/*	int	mg_digest_layer_start(slot, utils, side, qop, cipher, ha1,
/*				recv_maxbuf, send_maxbuf)
/*
/*	void	mg_digest_layer_oparams(slot, oparams)
/*
/*	void	mg_digest_layer_dispose(slot)
/*
/*	sasl_ssf_t mg_digest_max_ssf(utils)
/* DESCRIPTION
/*	mg_digest_layers_policy() works out what this side accepts: the
/*	application's min_ssf and max_ssf less the external SSF, bounded as
/*	libsasl2 means them: no security layer at all when the application
/*	gives no maxbufsize (Postfix), auth when min_ssf allows it, auth-int
/*	(SSF 1) and each cipher whose SSF lies within the bounds, is enabled
/*	and can run. The server offers exactly that; the client picks from
/*	the server's offer with mg_digest_layers_choose(): the strongest
/*	cipher, else auth-int, else auth, else SASL_TOOWEAK.
/*
/*	mg_digest_layer_start() sets up the negotiated layer from H(A1).
/*	A layer that cannot start fails the authentication (the stock
/*	plugin logged and went on without it). mg_digest_layer_oparams()
/*	then fills in oparams: encode, decode, maxoutbuf and mech_ssf, or
/*	no layer for qop=auth.
/*
/*	mg_digest_max_ssf() is the SSF the mechanism table declares: that
/*	of the strongest enabled cipher, else 1 (auth-int). It is worked
/*	out from the configuration alone: whether OpenSSL can run a cipher
/*	(its library context, the legacy provider, a fetch per cipher:
/*	more than a whole process with the stock plugins costs) is found out
/*	only when a security layer is first negotiable, that is when an
/*	application that gives a maxbufsize and a max_ssf above 1 starts a
/*	DIGEST-MD5 exchange. Postfix never does. A cipher that cannot run
/*	is then left out of the offer, and the log says why, once per
/*	process.
/* CONFIGURATION
/* .IP md5gate_digest_weak_ciphers (default: no)
/*	Also offer and accept des, rc4, rc4-56 and rc4-40, for legacy peers.
/*	They need OpenSSL's legacy provider, which md5gate loads into its
/*	own library context only; when it is unavailable they are not
/*	offered and one log line per process says why.
/* .IP md5gate_digest_ciphers (default: all enabled)
/*	Restrict the ciphers to those listed (3des des rc4 rc4-56 rc4-40,
/*	or none). Weak ciphers count only with md5gate_digest_weak_ciphers.
/*--*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "digest_layer.h"
#include "glue.h"
#include "mg_options.h"

#define MECH	"DIGEST-MD5"

 /*
  * Client preference among ciphers of equal SSF: the list order.
  */
static const enum mg_digest_cipher preference[] = {
    MG_DIGEST_CIPHER_3DES, MG_DIGEST_CIPHER_RC4, MG_DIGEST_CIPHER_DES,
    MG_DIGEST_CIPHER_RC4_56, MG_DIGEST_CIPHER_RC4_40,
};

#define PREFERENCE_COUNT (sizeof(preference) / sizeof(preference[0]))

 /*
  * A list that is not understood leaves no cipher: mgp_options_check()
  * refuses it when the plugin loads, and the mechanisms are disabled.
  */
static unsigned enabled_ciphers(const sasl_utils_t *utils)
{
    int     weak = mgp_option_bool(utils, MECH, "md5gate_digest_weak_ciphers", 0);
    const char *list = mgp_option(utils, MECH, "md5gate_digest_ciphers");
    unsigned allowed = MG_DIGEST_CIPHER_3DES | (weak ? MG_LAYER_WEAK_CIPHERS : 0);
    unsigned listed = 0;

    if (list == 0)
	return (allowed);
    if (!mg_sasl_option_ciphers(list, &listed))
	return (0);
    return (listed & allowed);
}

 /*
  * Which enabled ciphers can run. When some cannot, say why once per
  * process: it is a property of the installation, not of a connection.
  * Not at plugin initialisation (utils->conn is null), where libsasl2
  * sends log lines to syslog instead of the application's log callback,
  * but on the first connection that would have offered them.
  */
static unsigned runnable_ciphers(const sasl_utils_t *utils, unsigned wanted)
{
    static int told;
    struct mg_error why;
    unsigned runnable;

    mg_error_clear(&why);
    runnable = mg_layer_ciphers_available(wanted, &why);
    if (runnable != wanted && !told && utils->conn != 0) {
	told = 1;
	utils->log(utils->conn, SASL_LOG_WARN, "md5gate: %s", why.reason);
    }
    return (runnable);
}

void    mg_digest_layers_policy(const sasl_utils_t *utils,
				        const sasl_security_properties_t *props,
				        sasl_ssf_t external_ssf,
				        struct mg_digest_layers *pol)
{
    unsigned candidates = 0;
    size_t  i;

    memset(pol, 0, sizeof(*pol));
    pol->maxbuf = MG_DIGEST_MAXBUF_DEFAULT;
    pol->require = props->min_ssf > external_ssf ? props->min_ssf - external_ssf : 0;
    if (props->maxbufsize >= MG_DIGEST_MAXBUF_MIN) {
	pol->limit = props->max_ssf > external_ssf ? props->max_ssf - external_ssf : 0;
	pol->maxbuf = props->maxbufsize > MG_DIGEST_MAXBUF_MAX ?
	    MG_DIGEST_MAXBUF_MAX : props->maxbufsize;
    }
    if (pol->require == 0)
	pol->qops |= MG_DIGEST_QOP_AUTH;
    if (pol->require <= MG_LAYER_SSF_INT && pol->limit >= MG_LAYER_SSF_INT)
	pol->qops |= MG_DIGEST_QOP_AUTH_INT;
    if (pol->limit > MG_LAYER_SSF_INT) {
	for (i = 0; i < PREFERENCE_COUNT; i++) {
	    unsigned ssf = mg_layer_cipher_ssf(preference[i]);

	    if (ssf >= pol->require && ssf <= pol->limit)
		candidates |= preference[i];
	}
	if ((candidates &= enabled_ciphers(utils)) != 0)
	    pol->ciphers = runnable_ciphers(utils, candidates);
	if (pol->ciphers)
	    pol->qops |= MG_DIGEST_QOP_AUTH_CONF;
    }
}

 /*
  * libsasl2's seterror() knows only a few conversions; format here.
  */
void    mg_digest_layers_tooweak(const sasl_utils_t *utils,
				         const struct mg_digest_layers *pol,
				         const char *what)
{
    char    msg[200];

    snprintf(msg, sizeof(msg), "%s within this application's SSF bounds %u..%u",
	     what, (unsigned) pol->require, (unsigned) pol->limit);
    utils->seterror(utils->conn, 0, MECH ": %s", msg);
}

int     mg_digest_layers_choose(const sasl_utils_t *utils,
				        const struct mg_digest_layers *pol,
				        unsigned offered_qops, unsigned offered_ciphers,
				        enum mg_digest_qop *qop,
				        enum mg_digest_cipher *cipher)
{
    unsigned best_ssf = 0;
    size_t  i;

    *qop = MG_DIGEST_QOP_AUTH;
    *cipher = MG_DIGEST_CIPHER_NONE;
    if ((pol->qops & offered_qops & MG_DIGEST_QOP_AUTH_CONF) != 0) {
	for (i = 0; i < PREFERENCE_COUNT; i++) {
	    unsigned ssf = mg_layer_cipher_ssf(preference[i]);

	    if ((pol->ciphers & offered_ciphers & preference[i]) && ssf > best_ssf) {
		best_ssf = ssf;
		*cipher = preference[i];
	    }
	}
	if (*cipher != MG_DIGEST_CIPHER_NONE) {
	    *qop = MG_DIGEST_QOP_AUTH_CONF;
	    return (SASL_OK);
	}
    }
    if ((pol->qops & offered_qops & MG_DIGEST_QOP_AUTH_INT) != 0) {
	*qop = MG_DIGEST_QOP_AUTH_INT;
	return (SASL_OK);
    }
    if ((pol->qops & offered_qops & MG_DIGEST_QOP_AUTH) != 0)
	return (SASL_OK);
    mg_digest_layers_tooweak(utils, pol, "the server offers no quality of "
			     "protection");
    return (SASL_TOOWEAK);
}

static int layer_encode(void *context, const struct iovec *invec, unsigned numiov,
			        const char **output, unsigned *outputlen)
{
    struct mg_digest_layer_slot *slot = context;
    const unsigned char *out;
    size_t  len;
    struct mg_error err;

    if (slot == 0 || slot->layer == 0 || output == 0 || outputlen == 0)
	return (SASL_BADPARAM);
    if (mg_layer_encodev(slot->layer, invec, numiov, &out, &len, &err) != MG_OK) {
	slot->utils->seterror(slot->utils->conn, 0, MECH ": security layer: %s",
			      err.reason);
	return (mgp_sasl_code(err.code));
    }
    if (len > 0xffffffffu) {
	slot->utils->seterror(slot->utils->conn, 0, MECH ": frame too large");
	return (SASL_BUFOVER);
    }
    *output = (const char *) out;
    *outputlen = (unsigned) len;
    return (SASL_OK);
}

static int layer_decode(void *context, const char *input, unsigned inputlen,
			        const char **output, unsigned *outputlen)
{
    struct mg_digest_layer_slot *slot = context;
    const unsigned char *out;
    size_t  len;
    struct mg_error err;

    if (slot == 0 || slot->layer == 0 || output == 0 || outputlen == 0)
	return (SASL_BADPARAM);
    *output = 0;
    *outputlen = 0;
    if (mg_layer_decode(slot->layer, input, inputlen, &out, &len, &err) != MG_OK) {
	slot->utils->seterror(slot->utils->conn, 0, MECH ": security layer: %s",
			      err.reason);
	return (mgp_sasl_code(err.code));
    }
    *output = (const char *) out;
    *outputlen = (unsigned) len;
    return (SASL_OK);
}

int     mg_digest_layer_start(struct mg_digest_layer_slot *slot,
			              const sasl_utils_t *utils, enum mg_layer_side side,
			              enum mg_digest_qop qop, enum mg_digest_cipher cipher,
			         const unsigned char ha1[MG_DIGEST_HASH_LEN],
			              uint32_t recv_maxbuf, uint32_t send_maxbuf)
{
    struct mg_error err;
    const char *layer;

    mg_digest_layer_dispose(slot);
    slot->utils = utils;
    if (qop == MG_DIGEST_QOP_AUTH)
	return (SASL_OK);
    if (mg_layer_new(&slot->layer, side, qop, cipher, ha1, recv_maxbuf,
		     send_maxbuf, &err) != MG_OK) {
	layer = qop == MG_DIGEST_QOP_AUTH_INT ? mg_digest_qop_name(qop)
	    : mg_digest_cipher_name(cipher);
	utils->log(utils->conn, SASL_LOG_ERR, "md5gate: " MECH ": cannot start "
		   "the %s security layer: %s", layer, err.reason);
	utils->seterror(utils->conn, 0, MECH ": cannot start the %s security "
			"layer: %s", layer, err.reason);
	return (err.code == MG_MALFORMED ? SASL_BADPROT : SASL_FAIL);
    }
    return (SASL_OK);
}

void    mg_digest_layer_oparams(struct mg_digest_layer_slot *slot,
				        sasl_out_params_t *oparams)
{
    mgp_oparams_no_layer(oparams);
    if (slot->layer == 0)
	return;
    oparams->encode = layer_encode;
    oparams->decode = layer_decode;
    oparams->maxoutbuf = (unsigned) mg_layer_maxout(slot->layer);
    oparams->mech_ssf = mg_layer_ssf(slot->layer);
}

void    mg_digest_layer_dispose(struct mg_digest_layer_slot *slot)
{
    mg_layer_free(slot->layer);
    slot->layer = 0;
}

sasl_ssf_t mg_digest_max_ssf(const sasl_utils_t *utils)
{
    unsigned enabled = enabled_ciphers(utils);
    sasl_ssf_t best = MG_LAYER_SSF_INT;
    size_t  i;

    for (i = 0; i < PREFERENCE_COUNT; i++)
	if ((enabled & preference[i]) && mg_layer_cipher_ssf(preference[i]) > best)
	    best = mg_layer_cipher_ssf(preference[i]);
    return (best);
}
