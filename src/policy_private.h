/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef MG_POLICY_PRIVATE_H
#define MG_POLICY_PRIVATE_H

/*++
/* NAME
/*	policy_private 3h
/* SUMMARY
/*	what the policy's parser, decisions and printer share
/* SYNOPSIS
/*	#include "policy_private.h"
/* DESCRIPTION
/*	The settings table (one row per enum mg_policy_setting: its name,
/*	where it may stand, its kind and field), the names of its flags and
/*	choices, and the lookups that give a section's effective rules.
/*	Private to policy_parse.c, policy.c and policy_print.c.
/*--*/

#include <stddef.h>

#include "digest/digest.h"
#include "mg_util.h"
#include "policy.h"

#define BIT(s)	(1UL << (s))

 /*
  * Where a setting may stand.
  */
#define IN_GLOBAL	(1<<0)
#define IN_SERVER	(1<<1)
#define IN_CLIENT	(1<<2)
#define DIGEST_ONLY	(1<<3)		/* not in the CRAM-MD5 sections */
#define GLOBAL_ONLY	(1<<4)
#define CLIENT_INHERITS	(1<<5)		/* [global] is a client default too */

enum kind {
    K_CHOICE,				/* int: 0 or 1, by names[] */
    K_BOOL,				/* int */
    K_USERS,				/* struct mg_policy_list */
    K_SERVICES,				/* struct mg_policy_list */
    K_NETWORKS,				/* struct mg_policy_addrs */
    K_LISTENERS,			/* struct mg_policy_addrs */
    K_FLAGS,				/* unsigned, by flag names */
    K_NUMBER,				/* unsigned, up to max */
    K_DURATION,				/* unsigned seconds, 1 up to max */
    K_PATH,				/* char *, absolute */
    K_PREFIX,				/* unsigned, from min up to max */
    K_REDIS_URL,			/* char *, lockout_redis */
    K_REDIS_PREFIX,			/* char *, lockout_redis_prefix */
};

#define ALL_QOPS	(MG_DIGEST_QOP_AUTH | MG_DIGEST_QOP_AUTH_INT | MG_DIGEST_QOP_AUTH_CONF)
#define ALL_CIPHERS	(MG_DIGEST_CIPHER_3DES | MG_DIGEST_CIPHER_DES | MG_DIGEST_CIPHER_RC4 \
			 | MG_DIGEST_CIPHER_RC4_40 | MG_DIGEST_CIPHER_RC4_56)
#define ALL_EVIDENCE	(MG_TLS_BY_SSF | MG_TLS_BY_LISTENER | MG_TLS_BY_FLAGS)

#define MAX_DURATION	(366U * 86400U)

struct setting {
    const char *name;
    unsigned where;
    enum kind kind;
    size_t  offset;
    const void *names;			/* K_CHOICE: const char *[2]; K_FLAGS */
    unsigned max;			/* K_NUMBER, K_DURATION, K_PREFIX */
};

#define FIELD(r, s, type) ((type *) ((char *) (r) + policy_settings[s].offset))
#define CFIELD(r, s, type) ((const type *) ((const char *) (r) + policy_settings[s].offset))

extern const struct setting policy_settings[MG_POLICY_SETTINGS];
extern const char *policy_section_names[MG_POLICY_SECTIONS];

static inline int is_client_section(int section)
{
    return (section == MG_POLICY_CRAM_CLIENT || section == MG_POLICY_DIGEST_CLIENT);
}

static inline int is_cram_section(int section)
{
    return (section == MG_POLICY_CRAM_SERVER || section == MG_POLICY_CRAM_CLIENT);
}

 /*
  * Formats a reason into why; returns 0, so that a check can end in
  * "return (policy_why(...))".
  */
extern int policy_why(char *why, size_t size, const char *fmt,...)
	__attribute__((format(printf, 3, 4)));

 /*
  * The rules of every setting nobody gave; the rules whose value of a
  * setting applies to a section (src: that section, -1 for the default).
  */
extern const struct mg_policy_rules *policy_defaults(void);
extern const struct mg_policy_rules *policy_rules_of(const struct mg_policy *policy,
					int section, int setting, int *src);

#endif
