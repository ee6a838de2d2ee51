/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	digest_layer 3h
/* SUMMARY
/*	DIGEST-MD5 security layer glue shared by server and client
/* SYNOPSIS
/*	#include "digest_layer.h"
/*--*/
#ifndef MG_DIGEST_LAYER_GLUE_H
#define MG_DIGEST_LAYER_GLUE_H

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "digest/digest.h"
#include "digest/layer.h"

 /*
  * What this side may use, from the application's security properties
  * and md5gate's options.
  */
struct mg_digest_layers {
    sasl_ssf_t require;			/* min_ssf beyond the external SSF */
    sasl_ssf_t limit;			/* max_ssf beyond the external SSF */
    unsigned qops;			/* MG_DIGEST_QOP_* this side accepts */
    unsigned ciphers;			/* MG_DIGEST_CIPHER_* enabled, runnable,
					 * within limits */
    uint32_t maxbuf;			/* what this side announces */
};

 /*
  * The first member of each DIGEST-MD5 connection context: libsasl2 calls
  * oparams->encode and ->decode with the mechanism's connection context.
  */
struct mg_digest_layer_slot {
    const sasl_utils_t *utils;
    struct mg_layer *layer;
};

extern void mg_digest_layers_policy(const sasl_utils_t *,
				            const sasl_security_properties_t *,
				            sasl_ssf_t external_ssf,
				            struct mg_digest_layers *);
extern void mg_digest_layers_tooweak(const sasl_utils_t *,
				             const struct mg_digest_layers *,
				             const char *);
extern int mg_digest_layers_choose(const sasl_utils_t *,
				           const struct mg_digest_layers *,
				           unsigned offered_qops,
				           unsigned offered_ciphers,
				           enum mg_digest_qop *,
				           enum mg_digest_cipher *);
extern int mg_digest_layer_start(struct mg_digest_layer_slot *,
				         const sasl_utils_t *, enum mg_layer_side,
				         enum mg_digest_qop, enum mg_digest_cipher,
				         const unsigned char ha1[MG_DIGEST_HASH_LEN],
				         uint32_t recv_maxbuf, uint32_t send_maxbuf);
extern void mg_digest_layer_oparams(struct mg_digest_layer_slot *,
				            sasl_out_params_t *);
extern void mg_digest_layer_dispose(struct mg_digest_layer_slot *);
extern sasl_ssf_t mg_digest_max_ssf(const sasl_utils_t *);

#endif
