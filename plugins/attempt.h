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
#include "policy.h"

extern int mg_state_acquire(const sasl_utils_t *);
extern void mg_state_release(void);
extern int mg_state_usable(const sasl_utils_t *);
extern const struct mg_config *mg_state_config(void);
extern void mg_state_open_lockout(const sasl_utils_t *);

 /*
  * Policy decisions at each point of an attempt; SASL_OK to go on.
  */
extern int mg_policy_hides(sasl_server_params_t *, const char *mech);
extern int mg_policy_server_start(sasl_server_params_t *, struct mg_audit_event *,
				          const char *mech);
extern int mg_policy_server_user(sasl_server_params_t *, struct mg_audit_event *,
				         const char *mech, const char *authid,
				         const char *realm, const char *qop,
				         const char *cipher);
extern int mg_policy_client_start(sasl_client_params_t *, struct mg_audit_event *,
				          const char *mech);
extern int mg_policy_client_layer(sasl_client_params_t *, struct mg_audit_event *,
				          const char *mech, const char *qop,
				          const char *cipher);
extern unsigned mg_policy_qop_mask(const struct mg_policy_facts *, unsigned offered,
				           struct mg_policy_decision *);
extern unsigned mg_policy_cipher_mask(const struct mg_policy_facts *, unsigned offered,
				              struct mg_policy_decision *);
extern void mg_policy_server_facts(sasl_server_params_t *, const char *mech,
				           struct mg_policy_facts *);
extern void mg_policy_client_facts(sasl_client_params_t *, const char *mech,
				           struct mg_policy_facts *);
extern int mg_policy_refuse(const sasl_utils_t *, struct mg_audit_event *,
			            const char *mech, const struct mg_policy_decision *);

 /*
  * Lockout (server side): before the secret is looked up, and after the
  * outcome is known.
  */
extern int mg_lockout_gate(sasl_server_params_t *, struct mg_audit_event *,
			           const char *mech, const char *authid);
extern void mg_lockout_count(sasl_server_params_t *, struct mg_audit_event *,
			             const char *mech, const char *authid, int result);

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
