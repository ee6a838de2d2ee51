/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	server_attempt 3h
/* SUMMARY
/*	one server authentication attempt, shared by both mechanisms
/* SYNOPSIS
/*	#include "server_attempt.h"
/*--*/
#ifndef MGP_SERVER_ATTEMPT_H
#define MGP_SERVER_ATTEMPT_H

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "attempt.h"
#include "glue.h"

#define MGP_ACCOUNT_MAX		1024	/* libsasl2's CANON_BUF_SIZE */

 /*
  * What the client claims, as the mechanism parsed it. realm is null for
  * a mechanism without realms (CRAM-MD5); for DIGEST-MD5 it is the
  * client's realm ("" when it sent none) and offered_realm the realm the
  * stock plugin would have offered (the application's user realm, else
  * the server name).
  */
struct mgp_claim {
    const char *authid;			/* as sent */
    size_t  authid_len;
    const char *authzid;		/* null or "": none */
    const char *realm;
    const char *offered_realm;
};

 /*
  * The auxprop properties one mechanism reads besides the plaintext
  * password.
  */
struct mgp_secret_props {
    const char *hashed;			/* "*md5gate..." */
    const char *cyrus;			/* "*cmusaslsecret..." */
};

 /*
  * The forms a stored secret takes, tried in this order: md5gate's (or
  * Dovecot's) hashed text, the binary Cyrus form, the plaintext password.
  */
enum mgp_secret_form {
    MGP_SECRET_HASHED,
    MGP_SECRET_CYRUS,
    MGP_SECRET_PLAINTEXT,
};

 /*
  * What the mechanism says of one stored secret.
  */
enum mgp_try {
    MGP_TRY_MATCH,			/* the response verifies */
    MGP_TRY_MISMATCH,			/* tried: it does not */
    MGP_TRY_CORRUPT,			/* the stored value does not parse */
    MGP_TRY_OTHER_REALM,		/* a hash for another realm: not tried */
};

 /*
  * The mechanism's side of verification: one function that checks the
  * response against one stored value of the given form, and the reason
  * a refusal gives when a tried secret did not verify.
  */
struct mgp_verifier {
    enum mgp_try (*try_secret) (void *context, enum mgp_secret_form,
				        const unsigned char *value, size_t len);
    void   *context;
    const char *mismatch;		/* "CRAM-MD5 digest does not match" */
};

 /*
  * A refusal, or what would have been one in audit-only mode. kind is
  * how the record classifies it (MG_OUTCOME_SUCCESS: none).
  */
struct mgp_verdict {
    enum mg_outcome kind;
    char    rule[MG_POLICY_RULE_MAX];
    int     enforced;
};

#define MGP_LOOKUP_VALUES_MAX	4

 /*
  * The attempt. ev is the record: the attempt writes it and never reads
  * it back; every decision is taken on the fields above it.
  */
struct mgp_attempt {
    const char *mech;
    char    remote_addr[MG_AUDIT_ADDR_MAX];	/* "unknown" when not given */
    char    remote_port[MG_AUDIT_PORT_MAX];
    char    account[MGP_ACCOUNT_MAX + 1];	/* canonical; "" until known */
    int     identified;
    int     no_user;			/* canon_user found no such user */
    struct mgp_verdict refusal;		/* enforced: the attempt ended */
    struct mgp_verdict would;		/* audit-only: the first rule */
    struct mgp_lockout_verdict lockout;	/* the gate's count, to settle */
    char    reason[MG_REASON_MAX];
    const char *secret_kind;		/* "hashed", "plaintext", or null */
    const struct mgp_secret_props *props;
    int     ended_at_finish;		/* the record is written */
    struct mg_audit_event ev;
};

extern void mgp_attempt_start(struct mgp_attempt *, sasl_server_params_t *,
			              const char *mech);
extern struct mg_audit_event *mgp_attempt_record(struct mgp_attempt *);
extern int mgp_attempt_open(struct mgp_attempt *, sasl_server_params_t *);
extern int mgp_attempt_decision(struct mgp_attempt *, const sasl_utils_t *,
				        const struct mg_policy_decision *);
extern int mgp_attempt_identify(struct mgp_attempt *, sasl_server_params_t *,
				        const struct mgp_claim *,
				        const struct mgp_secret_props *,
				        sasl_out_params_t *);
extern int mgp_attempt_gate(struct mgp_attempt *, sasl_server_params_t *,
			            const char *qop, const char *cipher);
extern int mgp_attempt_verify(struct mgp_attempt *, sasl_server_params_t *,
			              const struct mgp_verifier *);
extern int mgp_attempt_authorize(struct mgp_attempt *, sasl_server_params_t *,
				         sasl_out_params_t *);
extern int mgp_attempt_refuse(struct mgp_attempt *, const sasl_utils_t *,
			              enum mg_outcome kind, int result,
			              const char *fmt,...)
	__attribute__((format(printf, 5, 6)));
extern int mgp_attempt_refuse_rule(struct mgp_attempt *, const sasl_utils_t *,
				           const char *rule, int result,
				           const char *fmt,...)
	__attribute__((format(printf, 5, 6)));
extern int mgp_attempt_report(struct mgp_attempt *, const sasl_utils_t *,
			              const struct mg_error *);
extern int mgp_attempt_finish(struct mgp_attempt *, const sasl_utils_t *, int result);
extern void mgp_attempt_dispose(struct mgp_attempt *, const sasl_utils_t *);

 /*
  * The canonical account of a name libsasl2 canonicalised: the name,
  * qualified with the realm it is looked up in when it has none.
  */
extern void mgp_account_of(const char *canon, size_t len, const char *user_realm,
			           const char *server_fqdn, char *buf, size_t size);
extern const char *mgp_canon_input(const struct mgp_claim *, char *buf, size_t size);

#endif
