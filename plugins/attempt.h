/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	attempt 3h
/* SUMMARY
/*	process-wide plugin state, policy and lockout glue, audit records
/* SYNOPSIS
/*	#include "attempt.h"
/*--*/
#ifndef MG_ATTEMPT_H
#define MG_ATTEMPT_H

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "audit.h"
#include "lockout.h"
#include "mg_config.h"
#include "policy.h"

extern int mgp_state_acquire(const sasl_utils_t *);
extern void mgp_state_release(void);
extern int mgp_state_usable(const sasl_utils_t *);
extern const struct mg_config *mgp_state_config(void);
extern void mgp_state_open_lockout(const sasl_utils_t *);
extern int mgp_mech_avail(const char *mech, sasl_server_params_t *);
extern void mgp_mech_free(void *glob, const sasl_utils_t *);

 /*
  * Policy decisions at each point of an attempt; SASL_OK to go on.
  */
extern int mgp_policy_hides(sasl_server_params_t *, const char *mech);
extern int mgp_policy_allows_all(const char *mech, const char *qop, const char *cipher);
extern void mgp_policy_server_decide(sasl_server_params_t *, const char *mech,
				             const char *account, const char *realm,
				             const char *qop, const char *cipher,
				             struct mg_policy_decision *);
extern int mgp_policy_client_start(sasl_client_params_t *, struct mg_audit_event *,
				           const char *mech);
extern int mgp_policy_client_layer(sasl_client_params_t *, struct mg_audit_event *,
				           const char *mech, const char *qop,
				           const char *cipher);
extern int mgp_policy_layers(const struct mg_policy_facts *, unsigned *qops,
			             unsigned *ciphers, struct mg_policy_decision *);
extern void mgp_policy_server_facts(sasl_server_params_t *, const char *mech,
				            struct mg_policy_facts *);
extern void mgp_policy_client_facts(sasl_client_params_t *, const char *mech,
				            struct mg_policy_facts *);
extern int mgp_policy_refuse(const sasl_utils_t *, struct mg_audit_event *,
			             const char *mech, const struct mg_policy_decision *);

 /*
  * The lockout (server side): the gate, with the canonical account and
  * the client address (null: unknown), before the response is verified;
  * the outcome after it.
  */
struct mgp_lockout_verdict {
    enum mg_outcome kind;		/* MG_OUTCOME_SUCCESS: not locked */
    int     enforced;
    char    rule[MG_POLICY_RULE_MAX];
    char    reason[MG_REASON_MAX];
    char    note[MG_REASON_MAX];	/* let through, but the record says why */
    int     counted;			/* admitted: the ticket awaits settling */
    struct mg_lockout_ticket ticket;
};

extern int mgp_lockout_gate(const sasl_utils_t *, const char *mech,
			            const char *account, const char *address,
			            struct mgp_lockout_verdict *);
extern void mgp_lockout_outcome(const sasl_utils_t *, const char *mech,
				        struct mgp_lockout_verdict *, enum mg_outcome);

 /*
  * Audit records.
  */
extern void mgp_record_server_begin(struct mg_audit_event *, sasl_server_params_t *,
				            const char *mech);
extern void mgp_record_client_begin(struct mg_audit_event *, sasl_client_params_t *,
				            const char *mech);
extern int mgp_record_write(struct mg_audit_event *, const sasl_utils_t *,
			            enum mg_outcome, int result);
extern int mgp_record_end(struct mg_audit_event *, const sasl_utils_t *, int result);
extern void mgp_record_dispose(struct mg_audit_event *, const sasl_utils_t *);
extern enum mg_outcome mgp_outcome_of(int sasl_result);
extern void mgp_audit_only_reason(const char *rule, enum mg_outcome real,
				          const char *real_reason, char *buf, size_t size);
extern int mgp_refuse(const sasl_utils_t *, struct mg_audit_event *, int result,
		              const char *fmt,...)
	__attribute__((format(printf, 4, 5)));
extern int mgp_report(const sasl_utils_t *, struct mg_audit_event *, const char *mech,
		              const struct mg_error *);

#endif
