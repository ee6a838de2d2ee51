/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	mg_error 3h
/* SUMMARY
/*	result codes and reasons of the mechanism core
/* SYNOPSIS
/*	#include "mg_error.h"
/* DESCRIPTION
/*	Every core function that can refuse input returns an MG_* code and,
/*	where the caller passes one, fills a struct mg_error with a short,
/*	specific reason. Reasons are plain ASCII, never contain secrets or
/*	peer-supplied bytes, and are safe to put in a log or a seterror().
/*
/*	The plugin glue maps codes to SASL_* results in one place
/*	(plugins/glue.c), so the core never needs libsasl2 headers.
/*--*/
#ifndef MG_ERROR_H
#define MG_ERROR_H

#include <stddef.h>

enum mg_code {
    MG_OK = 0,
    MG_CONTINUE,		/* another round trip is needed */
    MG_MALFORMED,		/* peer input violates the wire format */
    MG_TOOLONG,			/* peer input exceeds a size limit */
    MG_BADAUTH,			/* credentials do not verify */
    MG_NOUSER,			/* no secret for this user */
    MG_BADSERV,			/* server failed mutual authentication */
    MG_BADMAC,			/* security layer integrity check failed */
    MG_NOMEM,			/* allocation failed */
    MG_INTERNAL,		/* library failure (e.g. OpenSSL) */
    MG_BADPARAM,		/* caller misuse */
    MG_BADSECRET,		/* stored secret is malformed or unusable */
    MG_NOFILE,			/* a file the configuration names is absent */
};

#define MG_REASON_MAX 160

struct mg_error {
    enum mg_code code;
    char reason[MG_REASON_MAX];
};

/* Set code and a printf-style reason; returns code for tail calls. */
extern enum mg_code mg_fail(struct mg_error *, enum mg_code, const char *,...)
	__attribute__((format(printf, 3, 4)));
extern void mg_error_clear(struct mg_error *);

#endif
