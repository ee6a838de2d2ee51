/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	sasl_guard 3h
/* SUMMARY
/*	which libsasl2 generation loaded md5gate
/* SYNOPSIS
/*	#include "sasl_guard.h"
/*--*/
#ifndef MG_SASL_GUARD_H
#define MG_SASL_GUARD_H

#include <stddef.h>

 /*
  * What md5gate was compiled against: the version in sasl.h and the
  * SASL_UTILS_VERSION of saslplug.h, which decides the sasl_utils_t layout.
  */
struct mg_sasl_headers {
    int     major;
    int     minor;
    int     step;
    int     utils_version;
};

 /*
  * Long enough for a refusal that names the library's path.
  */
#define MG_SASL_GUARD_TEXT_MAX	1024

extern int mg_sasl_guard(const void *, const struct mg_sasl_headers *,
			         char *, size_t);

#endif
