/*++
/* NAME
/*	attempt 3h
/* SUMMARY
/*	process-wide plugin state and the audit record of each attempt
/* SYNOPSIS
/*	#include "attempt.h"
/*--*/
#ifndef MG_ATTEMPT_H
#define MG_ATTEMPT_H

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "audit.h"
#include "mg_config.h"

extern int mg_state_acquire(const sasl_utils_t *);
extern void mg_state_release(void);
extern int mg_state_usable(const sasl_utils_t *);
extern const struct mg_config *mg_state_config(void);

extern void mg_attempt_server_begin(struct mg_audit_event *, sasl_server_params_t *,
				            const char *mech);
extern void mg_attempt_client_begin(struct mg_audit_event *, sasl_client_params_t *,
				            const char *mech);
extern int mg_attempt_end(struct mg_audit_event *, const sasl_utils_t *, int result);
extern void mg_attempt_end_as(struct mg_audit_event *, const sasl_utils_t *,
			              enum mg_outcome);
extern void mg_attempt_dispose(struct mg_audit_event *, const sasl_utils_t *);
extern int mg_refuse(const sasl_utils_t *, struct mg_audit_event *, int result,
		             const char *fmt,...)
	__attribute__((format(printf, 4, 5)));

#endif
