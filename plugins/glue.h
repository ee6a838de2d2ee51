/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	glue 3h
/* SUMMARY
/*	libsasl2 helpers at the bottom of md5gate's plugin layer
/* SYNOPSIS
/*	#include "glue.h"
/*--*/
#ifndef MG_GLUE_H
#define MG_GLUE_H

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "mg_error.h"

#define MG_PLUGIN_NAME	"md5gate"

 /*
  * A secret fetched from auxprop, copied so that it can be cleansed
  * independently of libsasl2's property context.
  */
struct mgp_secret_buf {
    unsigned char *data;
    size_t  len;
};

extern int mgp_sasl_code(enum mg_code);
extern int mgp_secret_copy(const sasl_utils_t *, struct mgp_secret_buf *,
			           const char *value, size_t len);
extern void mgp_secret_free(const sasl_utils_t *, struct mgp_secret_buf *);
extern void mgp_oparams_no_layer(sasl_out_params_t *);

 /*
  * Client side: credentials from callbacks or sasl_interact_t prompts.
  */
struct mgp_client_creds {
    char   *authid;			/* owned, NUL-terminated */
    char   *authzid;			/* owned or null */
    struct mgp_secret_buf password;	/* owned, cleansed on free */
};

#define MG_WANT_AUTHID	(1<<0)
#define MG_WANT_AUTHZID	(1<<1)
#define MG_WANT_PASS	(1<<2)

extern int mgp_client_get_creds(sasl_client_params_t *, unsigned want,
			               sasl_interact_t **prompt_need,
			               struct mgp_client_creds *);
extern void mgp_client_creds_free(const sasl_utils_t *, struct mgp_client_creds *);

extern char *mgp_strndup(const sasl_utils_t *, const char *, size_t);

 /*
  * Options from the application's SASL configuration (e.g. smtpd.conf).
  */
extern const char *mgp_option(const sasl_utils_t *, const char *mech,
			             const char *name);
extern int mgp_option_bool(const sasl_utils_t *, const char *mech,
			          const char *name, int dflt);
extern enum mg_code mgp_options_check(const sasl_utils_t *, struct mg_error *);

#endif
