/*++
/* NAME
/*	glue 3h
/* SUMMARY
/*	helpers shared by md5gate's Cyrus SASL mechanism glue
/* SYNOPSIS
/*	#include "glue.h"
/*--*/
#ifndef MG_GLUE_H
#define MG_GLUE_H

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "audit.h"
#include "mg_error.h"

#define MG_PLUGIN_NAME	"md5gate"

 /*
  * A secret fetched from auxprop, copied so that it can be cleansed
  * independently of libsasl2's property context.
  */
struct mg_secret_buf {
    unsigned char *data;
    size_t  len;
};

 /*
  * Result of a server-side credential lookup: copies of every secret the
  * auxprop store holds for the authentication identity, each cleansed on
  * free. hashed[] are values of md5gate's property (md5gate's or
  * Dovecot's text forms); cyrus is the binary cmusaslsecret* value.
  */
#define MG_LOOKUP_VALUES_MAX	4

struct mg_lookup {
    struct mg_secret_buf password;	/* plaintext userPassword */
    struct mg_secret_buf hashed[MG_LOOKUP_VALUES_MAX];
    int     hashed_count;
    struct mg_secret_buf cyrus;
};

 /*
  * The auxprop properties one mechanism reads.
  */
struct mg_secret_props {
    const char *hashed;			/* "*md5gate..." */
    const char *cyrus;			/* "*cmusaslsecret..." */
};

extern int mg_sasl_code(enum mg_code);
extern int mg_report(const sasl_utils_t *, struct mg_audit_event *, const char *mech,
		             struct mg_error *);
extern int mg_server_lookup(sasl_server_params_t *, struct mg_audit_event *,
			            const char *mech, const struct mg_secret_props *,
			            const char *user, size_t user_len,
			            unsigned cu_flags, sasl_out_params_t *,
			            struct mg_lookup *);
extern void mg_lookup_free(const sasl_utils_t *, struct mg_lookup *);
extern void mg_oparams_no_layer(sasl_out_params_t *);
extern int mg_check_authorization(sasl_server_params_t *, struct mg_audit_event *,
				          const char *mech, sasl_out_params_t *);
extern void mg_mech_free(void *glob, const sasl_utils_t *);
extern int mg_mech_avail(const char *mech, sasl_server_params_t *);

 /*
  * Client side: credentials from callbacks or sasl_interact_t prompts.
  */
struct mg_client_creds {
    char   *authid;			/* owned, NUL-terminated */
    char   *authzid;			/* owned or null */
    struct mg_secret_buf password;	/* owned, cleansed on free */
};

#define MG_WANT_AUTHID	(1<<0)
#define MG_WANT_AUTHZID	(1<<1)
#define MG_WANT_PASS	(1<<2)

extern int mg_client_get_creds(sasl_client_params_t *, unsigned want,
			               sasl_interact_t **prompt_need,
			               struct mg_client_creds *);
extern void mg_client_creds_free(const sasl_utils_t *, struct mg_client_creds *);

extern char *mg_strndup(const sasl_utils_t *, const char *, size_t);

 /*
  * Options from the application's SASL configuration (e.g. smtpd.conf).
  */
extern const char *mg_option(const sasl_utils_t *, const char *mech,
			             const char *name);
extern int mg_option_bool(const sasl_utils_t *, const char *mech,
			          const char *name, int dflt);
extern enum mg_code mg_options_check(const sasl_utils_t *, struct mg_error *);

#endif
