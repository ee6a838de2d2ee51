/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	audit 3h
/* SUMMARY
/*	one record per authentication attempt
/* SYNOPSIS
/*	#include "audit.h"
/*--*/
#ifndef MG_AUDIT_H
#define MG_AUDIT_H

#include <stddef.h>
#include <time.h>

#include "mg_error.h"

enum mg_outcome {
    MG_OUTCOME_SUCCESS,
    MG_OUTCOME_BAD_CREDENTIALS,
    MG_OUTCOME_UNKNOWN_USER,
    MG_OUTCOME_MALFORMED,
    MG_OUTCOME_REPLAY,
    MG_OUTCOME_POLICY_DENIED,
    MG_OUTCOME_LOCKED_OUT,
    MG_OUTCOME_ABORTED,
    MG_OUTCOME_INTERNAL_ERROR,
    MG_OUTCOME_SERVER_AUTH_FAILED,	/* client side: rspauth wrong */
};

 /*
  * Tri-state fields: not applicable, no, yes.
  */
#define MG_TRI_NA	(-1)

#define MG_AUDIT_NAME_MAX	256
#define MG_AUDIT_ADDR_MAX	64
#define MG_AUDIT_PORT_MAX	8
#define MG_AUDIT_RULE_MAX	64

 /*
  * The record. Strings are copied in (truncated to fit) and are empty when
  * unknown; only what is listed here can ever reach a log, which is why
  * there is no field for a password, hash, challenge, response or
  * rspauth.
  */
struct mg_audit_event {
    const char *side;			/* "server" or "client" */
    const char *mech;
    char    service[MG_AUDIT_ADDR_MAX];
    char    server_fqdn[MG_AUDIT_NAME_MAX];
    char    remote_addr[MG_AUDIT_ADDR_MAX];
    char    remote_port[MG_AUDIT_PORT_MAX];
    char    local_addr[MG_AUDIT_ADDR_MAX];
    char    local_port[MG_AUDIT_PORT_MAX];
    char    authid[MG_AUDIT_NAME_MAX];	/* as the client sent it */
    char    account[MG_AUDIT_NAME_MAX];	/* the canonical identity (server) */
    char    authzid[MG_AUDIT_NAME_MAX];
    char    realm[MG_AUDIT_NAME_MAX];
    int     has_realm;
    int     realm_offered;		/* MG_TRI_NA, 0, 1 */
    char    uri_host[MG_AUDIT_NAME_MAX];
    int     uri_host_matched;		/* MG_TRI_NA, 0, 1 */
    const char *qop;			/* null: not applicable */
    const char *cipher;			/* auth-conf cipher, else null */
    const char *final_reply;		/* null: not applicable */
    const char *secret;			/* "plaintext", "hashed", or null */
    char    rule[MG_AUDIT_RULE_MAX];	/* deciding policy rule, or empty */
    int     enforced;			/* MG_TRI_NA (no rule refused), 0, 1 */
    enum mg_outcome outcome;
    char    reason[MG_REASON_MAX];
    struct timespec started;		/* CLOCK_MONOTONIC */
    struct timespec ended_at;		/* CLOCK_REALTIME */
    long    duration_ms;
    int     begun;
    int     ended;
};

extern void mg_audit_begin(struct mg_audit_event *, const char *side,
			           const char *mech);
extern void mg_audit_set(char *dst, size_t size, const char *src, size_t len);
extern void mg_audit_set_endpoint(char *addr, char *port, const char *addrport);
extern void mg_audit_reason(struct mg_audit_event *, const char *reason);
extern void mg_audit_rule(struct mg_audit_event *, const char *rule, int enforced);
extern void mg_audit_finish(struct mg_audit_event *, enum mg_outcome);
extern const char *mg_outcome_name(enum mg_outcome);
extern size_t mg_audit_format_kv(const struct mg_audit_event *, const char *version,
				         char *buf, size_t size);
extern enum mg_code mg_audit_format_json(const struct mg_audit_event *,
				                 const char *version, char *buf,
				                 size_t size, size_t *len,
				                 struct mg_error *);

 /*
  * The JSON Lines file sink.
  */
struct mg_audit_file {
    int     fd;				/* -1: closed */
};

extern enum mg_code mg_audit_file_open(struct mg_audit_file *, const char *path,
				               struct mg_error *);
extern enum mg_code mg_audit_file_write(struct mg_audit_file *, const char *line,
				                size_t len, struct mg_error *);
extern void mg_audit_file_close(struct mg_audit_file *);

/*
 * Room for the longest record: every text field full, every byte escaped
 * to its longest form (6 bytes: JSON writes a control character as
 * \u00XX; the log line needs at most 4, \xNN), plus field names and the
 * fixed values. A record that did not fit would not be written at all.
 */
#define MG_AUDIT_TEXT_MAX	(3 * MG_AUDIT_ADDR_MAX + 2 * MG_AUDIT_PORT_MAX \
				 + 6 * MG_AUDIT_NAME_MAX + MG_AUDIT_RULE_MAX \
				 + MG_REASON_MAX)
#define MG_AUDIT_LINE_MAX	16384

_Static_assert(6 * MG_AUDIT_TEXT_MAX + 1024 <= MG_AUDIT_LINE_MAX,
	       "MG_AUDIT_LINE_MAX cannot hold the longest audit record");

#endif
