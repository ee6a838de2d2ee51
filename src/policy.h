/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	policy 3h
/* SUMMARY
/*	per-mechanism policy: rules, and the decision they make
/* SYNOPSIS
/*	#include "policy.h"
/*--*/
#ifndef MG_POLICY_H
#define MG_POLICY_H

#include <stddef.h>
#include <stdio.h>

#include "lockout.h"
#include "mg_addr.h"
#include "lockout_store.h"
#include "mg_error.h"

 /*
  * Sections of the configuration file that hold rules. The server
  * sections are named after the mechanism, the client sections add
  * ":client".
  */
enum mg_policy_section {
    MG_POLICY_GLOBAL,
    MG_POLICY_CRAM_SERVER,
    MG_POLICY_DIGEST_SERVER,
    MG_POLICY_CRAM_CLIENT,
    MG_POLICY_DIGEST_CLIENT,
    MG_POLICY_SECTIONS,
};

enum mg_policy_side {
    MG_POLICY_SERVER,
    MG_POLICY_CLIENT,
};

enum mg_policy_mode {
    MG_POLICY_ENFORCE,
    MG_POLICY_AUDIT_ONLY,
};

 /*
  * Settings, in the order the decision checks them and "md5gate policy
  * check" prints them.
  */
enum mg_policy_setting {
    MG_SET_MODE,
    MG_SET_ADVERTISE,
    MG_SET_ENABLED,
    MG_SET_SERVICES,
    MG_SET_LISTENERS,
    MG_SET_NETWORKS_DENY,
    MG_SET_NETWORKS_ALLOW,
    MG_SET_UNKNOWN_ADDRESS,
    MG_SET_REQUIRE_TLS,
    MG_SET_TLS_LISTENERS,
    MG_SET_TLS_EVIDENCE,
    MG_SET_MIN_SSF,
    MG_SET_USERS_DENY,
    MG_SET_USERS_ALLOW,
    MG_SET_QOP,
    MG_SET_CIPHERS,
    MG_SET_LOCKOUT_FAILURES,
    MG_SET_LOCKOUT_WINDOW,
    MG_SET_LOCKOUT_DURATION,
    MG_SET_LOCKOUT_ADDRESS,
    MG_SET_LOCKOUT_ACCOUNT,
    MG_SET_LOCKOUT_TRUSTED_NETWORKS,
    MG_SET_LOCKOUT_IPV4_PREFIX,
    MG_SET_LOCKOUT_IPV6_PREFIX,
    MG_SET_LOCKOUT_STORE,
    MG_SET_LOCKOUT_STORE_FAILURE,
    MG_SET_LOCKOUT_MAX_ENTRIES,
    MG_SET_LOCKOUT_BACKEND,
    MG_SET_LOCKOUT_REDIS,
    MG_SET_LOCKOUT_REDIS_PREFIX,
    MG_POLICY_SETTINGS,
};

#define MG_POLICY_LIST_MAX	64	/* entries per list */
#define MG_POLICY_ITEM_MAX	128	/* bytes per entry: printed, one fits a line */
#define MG_POLICY_PATH_MAX	160	/* lockout_store: one line of the file */
#define MG_POLICY_RULE_MAX	64	/* "digest-md5:client.lockout_store_failure" */

 /*
  * Evidence that a connection is protected by TLS (tls_evidence).
  */
#define MG_TLS_BY_SSF		(1<<0)
#define MG_TLS_BY_LISTENER	(1<<1)
#define MG_TLS_BY_FLAGS		(1<<2)

 /*
  * An address (family AF_INET or AF_INET6; IPv4-mapped IPv6 addresses
  * are kept as IPv4) with a prefix length. As a listener, family 0 is
  * "any address" and port is the port.
  */
struct mg_policy_addr {
    struct mg_addr addr;		/* family 0: any ("*:PORT") */
    unsigned prefix;
    unsigned port;
};

struct mg_policy_list {
    char  **words;
    size_t  count;
};

struct mg_policy_addrs {
    struct mg_policy_addr *addrs;
    size_t  count;
};

 /*
  * One section. set has bit (1 << setting) for each setting the file
  * gave in it; the rest of the section is then ignored for that setting
  * and the next level (mechanism section, [global], default) decides.
  */
struct mg_policy_rules {
    unsigned long set;
    enum mg_policy_mode mode;
    int     advertise_all;		/* advertise = all: refuse at the step */
    int     enabled;
    struct mg_policy_list users_allow;
    struct mg_policy_list users_deny;
    struct mg_policy_addrs networks_allow;
    struct mg_policy_addrs networks_deny;
    int     unknown_address_deny;
    struct mg_policy_addrs listeners;
    struct mg_policy_list services;
    int     require_tls;
    struct mg_policy_addrs tls_listeners;
    unsigned tls_evidence;		/* MG_TLS_BY_* */
    unsigned min_ssf;
    unsigned qops;			/* MG_DIGEST_QOP_* */
    unsigned ciphers;			/* MG_DIGEST_CIPHER_* */
    struct mg_lockout_limits lockout;
    int     lockout_address;
    int     lockout_account;
    struct mg_policy_addrs lockout_trusted_networks;
    unsigned lockout_ipv4_prefix;
    unsigned lockout_ipv6_prefix;
    char   *lockout_store;
    int     lockout_store_open;		/* lockout_store_failure = open */
    unsigned lockout_max_entries;
    int     lockout_backend_redis;	/* lockout_backend = redis */
    char   *lockout_redis;		/* redis://... or unix:... */
    char   *lockout_redis_prefix;
};

struct mg_policy {
    struct mg_policy_rules section[MG_POLICY_SECTIONS];
};

 /*
  * What is known of an attempt. Null pointers are unknown: a decision
  * made before the user is known leaves the user rules out.
  */
struct mg_policy_facts {
    enum mg_policy_side side;
    const char *mech;			/* "CRAM-MD5" or "DIGEST-MD5" */
    const char *service;
    const char *remote;			/* the peer: "addr;port", or "addr" */
    const char *local;			/* this end: "addr;port" */
    unsigned external_ssf;		/* 0: the application set none */
    int     noplaintext;		/* SASL_SEC_NOPLAINTEXT requested */
    const char *authid;
    const char *realm;			/* the realm the user is looked up in */
    const char *qop;			/* DIGEST-MD5, once chosen */
    const char *cipher;
};

struct mg_policy_decision {
    int     allow;
    int     enforced;			/* 1: mode = enforce */
    char    rule[MG_POLICY_RULE_MAX];	/* "" when no rule refused */
    char    reason[MG_REASON_MAX];
};

extern void mg_policy_init(struct mg_policy *);
extern void mg_policy_free(struct mg_policy *);
extern int mg_policy_section_id(const char *name, size_t len);
extern const char *mg_policy_section_name(enum mg_policy_section);
extern int mg_policy_set(struct mg_policy *, enum mg_policy_section,
			         const char *name, const char *value,
			         char *why, size_t why_size);
extern int mg_policy_mech_section(const char *mech, enum mg_policy_side);
extern void mg_policy_decide(const struct mg_policy *, const struct mg_policy_facts *,
			             struct mg_policy_decision *);
extern int mg_policy_advertise_all(const struct mg_policy *, const char *mech);
extern int mg_policy_sets_nothing(const struct mg_policy *);
extern enum mg_policy_mode mg_policy_mode(const struct mg_policy *, const char *mech,
					          enum mg_policy_side);
extern int mg_policy_lockout(const struct mg_policy *, const char *mech,
			             struct mg_lockout_limits *, int *by_address,
			             char *rule, size_t rule_size);
extern int mg_policy_lockout_ticket(const struct mg_policy *, const char *mech,
				            const char *account, const char *remote,
				            struct mg_lockout_ticket *, char *rule,
				            size_t rule_size);
extern int mg_policy_lockout_wanted(const struct mg_policy *);
extern const char *mg_policy_lockout_store(const struct mg_policy *);
extern int mg_policy_lockout_store_open(const struct mg_policy *);
extern size_t mg_policy_lockout_max_entries(const struct mg_policy *);
extern void mg_policy_lockout_store_config(const struct mg_policy *,
					           struct mg_lockout_store_config *);
extern int mg_policy_parse_addr(const char *text, int with_prefix,
				        struct mg_policy_addr *);
extern int mg_policy_addr_match(const struct mg_policy_addr *net,
				        const struct mg_policy_addr *host);
extern void mg_policy_print(const struct mg_policy *, FILE *);

 /*
  * Printing one section: the settings it gives; with MG_POLICY_PRINT_ALL
  * also every other setting that applies there, as a comment line with
  * its effective value and where that comes from.
  */
#define MG_POLICY_PRINT_ALL	(1<<0)

extern int mg_policy_section_given(const struct mg_policy *, int section);
extern void mg_policy_print_section(const struct mg_policy *, int section,
				            unsigned flags, FILE *);

#endif
