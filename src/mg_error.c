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
/*
/*	const char *mg_code_name(code)
/* DESCRIPTION
/*	mg_fail() records a result code and a formatted reason in err (which
/*	may be null) and returns the code. The reason is truncated to
/*	MG_REASON_MAX-1 bytes.
/*
/*	mg_code_name() returns a stable lower-case name for a code, as used
/*	in audit records and test output.
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

const char *mg_code_name(enum mg_code code)
{
    switch (code) {
    case MG_OK:
	return ("ok");
    case MG_CONTINUE:
	return ("continue");
    case MG_MALFORMED:
	return ("malformed");
    case MG_TOOLONG:
	return ("too-long");
    case MG_BADAUTH:
	return ("bad-credentials");
    case MG_NOUSER:
	return ("unknown-user");
    case MG_BADSERV:
	return ("bad-server");
    case MG_BADMAC:
	return ("bad-mac");
    case MG_NOMEM:
	return ("no-memory");
    case MG_INTERNAL:
	return ("internal-error");
    case MG_BADPARAM:
	return ("bad-parameter");
    case MG_BADSECRET:
	return ("bad-secret");
    case MG_NOFILE:
	return ("no-file");
    }
    return ("unknown");
}
