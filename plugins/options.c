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
/*	an error in the configuration file. Unset and empty options are
/*	fine: they mean the default.
/*--*/
#include "glue.h"
#include "mg_options.h"

enum mg_code mgp_options_check(const sasl_utils_t *utils, struct mg_error *err)
{
    const struct mg_sasl_option *opt;
    const char *value;

    for (opt = mg_sasl_options; opt->name; opt++)
	if ((value = mgp_option(utils, opt->plugin, opt->name)) != 0
	    && mg_sasl_option_check(opt, value, err) != MG_OK)
	    return (err->code);
    return (MG_OK);
}
