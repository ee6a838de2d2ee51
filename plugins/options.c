/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	options 3
/* SUMMARY
/*	md5gate's options in the application's SASL configuration
/* SYNOPSIS
/*	#include "glue.h"
/*
/*	enum mg_code mgp_options_check(utils, err)
/* DESCRIPTION
/*	mgp_options_check() asks libsasl2 for every option md5gate reads
/*	(mg_options(3) lists them), under the plugin name the mechanisms
/*	ask for it, and checks its value. The first value that is not
/*	understood is the result: MG_BADPARAM, with a reason that names
/*	the option. The caller then disables md5gate's mechanisms, as for
/*	an error in the configuration file. An unset option means the
/*	default; a value that is empty or only white space is refused like
/*	any other it does not understand (a template that left a value out
/*	must not leave the default silently in force). The value is read as
/*	libsasl2 hands it over, without mg_option()'s "empty is unset".
/*--*/
#include "glue.h"
#include "mg_options.h"

static const char *raw_option(const sasl_utils_t *utils, const char *plugin,
			              const char *name)
{
    const char *value = 0;
    unsigned len = 0;

    if (utils->getopt == 0
	|| utils->getopt(utils->getopt_context, plugin, name, &value, &len) != SASL_OK)
	return (0);
    return (value);
}

enum mg_code mgp_options_check(const sasl_utils_t *utils, struct mg_error *err)
{
    const struct mg_sasl_option *opt;
    const char *value;

    for (opt = mg_sasl_options; opt->name; opt++)
	if ((value = raw_option(utils, opt->plugin, opt->name)) != 0
	    && mg_sasl_option_check(opt, value, err) != MG_OK)
	    return (err->code);
    return (MG_OK);
}
