/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	mg_options 3h
/* SUMMARY
/*	md5gate's options in the application's SASL configuration
/* SYNOPSIS
/*	#include "mg_options.h"
/*--*/
#ifndef MG_OPTIONS_H
#define MG_OPTIONS_H

#include <stddef.h>

#include "mg_error.h"

enum mg_sasl_option_kind {
    MG_SASL_OPT_PATH,			/* an absolute path */
    MG_SASL_OPT_BOOL,			/* yes or no, as Cyrus spells them */
    MG_SASL_OPT_NAMES,			/* host or realm names */
    MG_SASL_OPT_CIPHERS,		/* DIGEST-MD5 ciphers, or none */
    MG_SASL_OPT_FINAL_REPLY,		/* any or empty */
};

 /*
  * One option: its name, the plugin name the plugin asks libsasl2 for it
  * under (getopt's first argument), and the kind of value it takes.
  */
struct mg_sasl_option {
    const char *name;
    const char *plugin;
    enum mg_sasl_option_kind kind;
};

#define MG_SASL_OPTION_NAMES_MAX	16	/* md5gate_digest_realms, _hosts */
#define MG_SASL_OPTION_NAME_LEN		255	/* bytes per name */
#define MG_SASL_OPTION_PATH_MAX		1024

extern const struct mg_sasl_option mg_sasl_options[];
extern const struct mg_sasl_option *mg_sasl_option_find(const char *name);
extern enum mg_code mg_sasl_option_check(const struct mg_sasl_option *,
					         const char *value, struct mg_error *);
extern int mg_sasl_option_bool(const char *value, int *out);
extern int mg_sasl_option_ciphers(const char *value, unsigned *ciphers);

#endif
