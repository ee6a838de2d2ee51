/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	sasl-standin 1
/* SUMMARY
/*	a stand-in for one libsasl2 generation, for tests/tools/sasl-guard
/* SYNOPSIS
/*	cc -DSTANDIN_UTILS_VERSION=4 ... (Cyrus SASL 2.1.x)
/*
/*	cc -DSTANDIN_UTILS_VERSION=5 ... (the development branch)
/* DESCRIPTION
/*	A shared library that shows what md5gate's guard (plugins/sasl_guard.c)
/*	looks at in a libsasl2, and nothing else: sasl_version_info(),
/*	saying 2.1.28 as both generations do; for version 4, the MD5 helper
/*	_sasl_MD5Init that every 2.1.x library exports; for version 5, the
/*	symbol version SASL2_4.0 given by tests/tools/sasl-standin.map at link
/*	time. standin_getopt() plays sasl_utils_t.getopt, the address the
/*	guard asks dladdr(3) about. None of these may ever be called by
/*	md5gate's plugin beyond sasl_version_info().
/*--*/
#include <stddef.h>

#ifndef STANDIN_UTILS_VERSION
#error "define STANDIN_UTILS_VERSION as 4 or 5"
#endif

int     standin_getopt(void *, const char *, const char *, const char **,
		               unsigned *);
void    sasl_version_info(const char **, const char **, int *, int *, int *,
			          int *);

/* standin_getopt - sasl_utils_t.getopt: no option is ever set */

int     standin_getopt(void *context, const char *plugin, const char *option,
		               const char **result, unsigned *len)
{
    (void) context;
    (void) plugin;
    (void) option;
    if (result != 0)
	*result = 0;
    if (len != 0)
	*len = 0;
    return (-1);				/* SASL_FAIL */
}

/* sasl_version_info - 2.1.28, as sasl.h says in both generations */

void    sasl_version_info(const char **implementation, const char **version,
			          int *major, int *minor, int *step, int *patch)
{
    if (implementation != 0)
	*implementation = "md5gate test stand-in";
    if (version != 0)
	*version = "2.1.28";
    if (major != 0)
	*major = 2;
    if (minor != 0)
	*minor = 1;
    if (step != 0)
	*step = 28;
    if (patch != 0)
	*patch = 0;
}

#if STANDIN_UTILS_VERSION == 4
void    _sasl_MD5Init(void *);

/* _sasl_MD5Init - present, as in every 2.1.x library; never called */

void    _sasl_MD5Init(void *context)
{
    (void) context;
}

#endif
