/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	mg_error 3
/* SUMMARY
/*	result codes and reasons of the mechanism core
/* SYNOPSIS
/*	#include "mg_error.h"
/*
/*	enum mg_code mg_fail(err, code, fmt, ...)
/*
/*	void	mg_error_clear(err)
/* DESCRIPTION
/*	mg_fail() records a result code and a formatted reason in err (which
/*	may be null) and returns the code. The reason is truncated to
/*	MG_REASON_MAX-1 bytes.
/*--*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mg_error.h"

enum mg_code mg_fail(struct mg_error *err, enum mg_code code, const char *fmt,...)
{
    va_list ap;

    if (err == 0)
	return (code);
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
    va_end(ap);
    return (code);
}

void    mg_error_clear(struct mg_error *err)
{
    if (err == 0)
	return;
    err->code = MG_OK;
    err->reason[0] = 0;
}
