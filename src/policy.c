/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	policy 3
/* SUMMARY
/*	per-mechanism policy: rules, and the decision they make
/* SYNOPSIS
/*	#include "policy.h"
/*
/*	int	mg_policy_mech_section(mech, side)
/*
/*	void	mg_policy_decide(policy, facts, d)
/*
/*	int	mg_policy_advertise_all(policy, mech)
/*
/*	int	mg_policy_sets_nothing(policy)
/*
/*	enum mg_policy_mode mg_policy_mode(policy, mech, side)
/*
/*	int	mg_policy_lockout(policy, mech, limits, by_address, rule, rule_size)
/*
/*	int	mg_policy_lockout_ticket(policy, mech, account, remote, t, rule,
/*					rule_size)
/*
/*	void	mg_policy_lockout_store_config(policy, cfg)
/* DESCRIPTION
/*	The rules live in md5gate's configuration file (see mg_config(3)),
/*	which hands every setting of a policy section to mg_policy_set()
/*	(see policy_parse(3); policy_print(3) writes them back).
/*	[global] holds defaults, [cram-md5] and [digest-md5] the server
/*	side rules of each mechanism, [cram-md5:client] and
/*	[digest-md5:client] the client side. Section names are
/*	case-insensitive. A setting in a mechanism section overrides the
/*	same setting in [global]; what neither gives has its default, and
/*	defaults allow everything.
/*
/*	mg_policy_decide() checks the rules in a fixed order (enabled,
/*	services, listeners, networks, the client address, TLS, SSF, users,
/*	qop, ciphers) against what is known of an attempt, and names the
/*	first rule that refuses it as "section.setting" - the section the
/*	setting came from, so "global.users_allow" when [global] gave it.
/*	Rules whose facts are not known yet (the user before the response,
/*	the qop before it is chosen) are left out; the glue asks again when
/*	they are known. The client side honours only enabled, services,
/*	networks (on the server's address), qop, ciphers and mode.
/*
/*	The decision also says whether a refusal is enforced: in audit-only
/*	mode the caller lets the attempt go on and only records the rule.
/*
/*	mg_policy_sets_nothing() says whether no section sets anything, so
/*	that every rule has its default (which allows everything).
/*
/*	A [global] rule is a default for the server sections. For the
/*	client sections it is a default only for mode, services, qop and
/*	ciphers: networks in [global] describe clients of this server, not
/*	the servers this host's clients talk to.
/*
/*	mg_policy_lockout_ticket() lists the lockout keys of a server
/*	attempt (see lockout(3)): the account's counter, or with
/*	lockout_trusted_networks the counter of the client's side, and the
/*	counter of the client's network (lockout_ipv4_prefix,
/*	lockout_ipv6_prefix); it returns 0 when nothing is counted.
/*	mg_policy_lockout_store_config() says how to open the store
/*	(lockout_backend, lockout_store, lockout_max_entries, lockout_redis,
/*	lockout_redis_prefix; see lockout_store(3)).
/*--*/
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "policy_private.h"

/* Decisions. */

int     mg_policy_mech_section(const char *mech, enum mg_policy_side side)
{
    if (mech && strcasecmp(mech, "CRAM-MD5") == 0)
	return (side == MG_POLICY_CLIENT ? MG_POLICY_CRAM_CLIENT : MG_POLICY_CRAM_SERVER);
    if (mech && strcasecmp(mech, "DIGEST-MD5") == 0)
	return (side == MG_POLICY_CLIENT ? MG_POLICY_DIGEST_CLIENT : MG_POLICY_DIGEST_SERVER);
    return (-1);
}

 /*
  * The section whose value of a setting applies to a mechanism section;
  * -1 for the default.
  */
static int source_of(const struct mg_policy *policy, int section, int setting)
{
    if (section >= 0 && (policy->section[section].set & BIT(setting)))
	return (section);
    if (section >= 0 && is_client_section(section)
	&& !(policy_settings[setting].where & CLIENT_INHERITS))
	return (-1);
    if (policy->section[MG_POLICY_GLOBAL].set & BIT(setting))
	return (MG_POLICY_GLOBAL);
    return (-1);
}

const struct mg_policy_rules *policy_defaults(void)
{
    static const struct mg_policy_rules dflt = {
	.mode = MG_POLICY_ENFORCE,
	.enabled = 1,
	.tls_evidence = ALL_EVIDENCE,
	.qops = ALL_QOPS,
	.ciphers = ALL_CIPHERS,
	.lockout = {0, 900, 900},
	.lockout_address = 1,
	.lockout_account = 1,
	.lockout_ipv4_prefix = MG_LOCKOUT_DEFAULT_IPV4_PREFIX,
	.lockout_ipv6_prefix = MG_LOCKOUT_DEFAULT_IPV6_PREFIX,
	.lockout_max_entries = MG_LOCKOUT_DEFAULT_MAX,
    };

    return (&dflt);
}

const struct mg_policy_rules *policy_rules_of(const struct mg_policy *policy,
					              int section, int setting, int *src)
{
    int     from = source_of(policy, section, setting);

    if (src)
	*src = from;
    return (from < 0 ? policy_defaults() : policy->section + from);
}

 /*
  * An endpoint as libsasl2 passes it: "addr;port" (or, from the command,
  * just "addr"), IPv6 possibly in brackets or with a zone.
  */
static int parse_endpoint(const char *text, struct mg_policy_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (!mg_addr_parse_endpoint(text, &a->addr, &a->port))
	return (0);
    a->prefix = mg_addr_max_prefix(a->addr.family);
    return (1);
}

 /*
  * The endpoints last parsed in this thread: the plugin asks for a
  * decision several times per exchange with the same two endpoints (a
  * client and a server in one process: the same two, swapped), and
  * parsing them was half the cost of deciding.
  */
#define ENDPOINT_MEMOS	4

struct endpoint_memo {
    char    text[INET6_ADDRSTRLEN + 16];	/* empty: nothing kept */
    struct mg_policy_addr addr;
    int     ok;
};

static __thread struct endpoint_memo endpoint_memo[ENDPOINT_MEMOS];
static __thread unsigned endpoint_memo_next;

static int parse_endpoint_memo(const char *text, struct mg_policy_addr *a)
{
    struct endpoint_memo *memo;
    size_t  len, i;

    if (text == 0 || *text == 0 || (len = strlen(text)) >= sizeof(memo->text))
	return (parse_endpoint(text, a));
    for (i = 0; i < ENDPOINT_MEMOS; i++) {
	memo = endpoint_memo + i;
	if (memo->text[0] != 0 && strcmp(memo->text, text) == 0) {
	    *a = memo->addr;
	    return (memo->ok);
	}
    }
    memo = endpoint_memo + endpoint_memo_next++ % ENDPOINT_MEMOS;
    memo->ok = parse_endpoint(text, a);
    memo->addr = *a;
    memcpy(memo->text, text, len + 1);
    return (memo->ok);
}

static int match_any(const struct mg_policy_addrs *nets, const struct mg_policy_addr *host)
{
    size_t  i;

    for (i = 0; i < nets->count; i++)
	if (mg_policy_addr_match(nets->addrs + i, host))
	    return (1);
    return (0);
}

static int match_listener(const struct mg_policy_addrs *listeners,
			          const struct mg_policy_addr *local)
{
    size_t  i;

    for (i = 0; i < listeners->count; i++)
	if (listeners->addrs[i].port == local->port
	    && (listeners->addrs[i].addr.family == 0
		|| mg_policy_addr_match(listeners->addrs + i, local)))
	    return (1);
    return (0);
}

 /*
  * "alice" is the name the client sent; "alice@realm" and "*@realm"
  * compare with the name in the realm it is looked up in. Realms compare
  * without regard to case; names exactly in users_allow and without
  * regard to ASCII case in users_deny, so that either list fails closed
  * when the password store ignores case (LDAP, most SQL collations take
  * MALLORY's password as mallory's).
  */
static int name_equal(const char *a, const char *b, size_t len, int fold)
{
    return (fold ? strncasecmp(a, b, len) == 0 : strncmp(a, b, len) == 0);
}

static int user_matches(const char *pattern, const char *authid, const char *realm,
			        int fold)
{
    const char *p_at = strrchr(pattern, '@');
    const char *a_at = strrchr(authid, '@');
    const char *name_realm;
    size_t  name_len;

    if (p_at == 0)
	return (strlen(pattern) == strlen(authid)
		&& name_equal(pattern, authid, strlen(pattern), fold));
    if (a_at) {
	name_len = (size_t) (a_at - authid);
	name_realm = a_at + 1;
    } else {
	name_len = strlen(authid);
	name_realm = realm ? realm : "";
    }
    if (*name_realm == 0 || strcasecmp(p_at + 1, name_realm) != 0)
	return (0);
    if (strncmp(pattern, "*@", 2) == 0)
	return (1);
    return ((size_t) (p_at - pattern) == name_len
	    && name_equal(pattern, authid, name_len, fold));
}

static int any_user(const struct mg_policy_list *list, const char *authid,
		            const char *realm, int fold)
{
    size_t  i;

    for (i = 0; i < list->count; i++)
	if (user_matches(list->words[i], authid, realm, fold))
	    return (1);
    return (0);
}

struct eval {
    const struct mg_policy *policy;
    const struct mg_policy_facts *facts;
    int     section;
    struct mg_policy_addr remote;
    struct mg_policy_addr local;
    int     have_remote;
    int     have_local;
};

typedef int (*check_fn) (const struct eval *, const struct mg_policy_rules *,
			         char *, size_t);

static int check_enabled(const struct eval *ev, const struct mg_policy_rules *r,
			         char *why, size_t size)
{
    if (r->enabled)
	return (1);
    return (policy_why(why, size, "%s is disabled on the %s side (enabled = no)",
		 ev->facts->mech, ev->facts->side == MG_POLICY_CLIENT ? "client" : "server"));
}

static int check_services(const struct eval *ev, const struct mg_policy_rules *r,
			          char *why, size_t size)
{
    size_t  i;

    if (r->services.count == 0)
	return (1);
    for (i = 0; ev->facts->service && i < r->services.count; i++)
	if (strcasecmp(r->services.words[i], ev->facts->service) == 0)
	    return (1);
    return (policy_why(why, size, "service %.40s is not in services",
		 ev->facts->service ? ev->facts->service : "(none)"));
}

static int check_listeners(const struct eval *ev, const struct mg_policy_rules *r,
			           char *why, size_t size)
{
    if (r->listeners.count == 0)
	return (1);
    if (!ev->have_local)
	return (policy_why(why, size, "the application gave no local address to match "
		     "listeners"));
    if (match_listener(&r->listeners, &ev->local))
	return (1);
    return (policy_why(why, size, "the local endpoint is not in listeners"));
}

static const char *peer(const struct eval *ev)
{
    return (ev->facts->side == MG_POLICY_CLIENT ? "server" : "client");
}

static int check_networks_deny(const struct eval *ev, const struct mg_policy_rules *r,
			               char *why, size_t size)
{
    if (!ev->have_remote || !match_any(&r->networks_deny, &ev->remote))
	return (1);
    return (policy_why(why, size, "the %s address is in networks_deny", peer(ev)));
}

static int check_networks_allow(const struct eval *ev, const struct mg_policy_rules *r,
			                char *why, size_t size)
{
    if (r->networks_allow.count == 0 || match_any(&r->networks_allow, &ev->remote))
	return (1);
    /* The server side has unknown_address for this; a client cannot tell. */
    if (!ev->have_remote && ev->facts->side == MG_POLICY_SERVER)
	return (1);
    if (!ev->have_remote)
	return (policy_why(why, size, "the application gave no server address to match "
		     "networks_allow"));
    return (policy_why(why, size, "the %s address is not in networks_allow", peer(ev)));
}

static int check_unknown_address(const struct eval *ev, const struct mg_policy_rules *r,
				         char *why, size_t size)
{
    if (ev->have_remote || !r->unknown_address_deny)
	return (1);
    return (policy_why(why, size, "the application gave no client address "
		 "(unknown_address = deny)"));
}

static unsigned effective_min_ssf(const struct eval *ev)
{
    return (policy_rules_of(ev->policy, ev->section, MG_SET_MIN_SSF, 0)->min_ssf);
}

static int check_require_tls(const struct eval *ev, const struct mg_policy_rules *r,
			             char *why, size_t size)
{
    unsigned evidence, need;
    const struct mg_policy_rules *lr;

    if (!r->require_tls)
	return (1);
    evidence = policy_rules_of(ev->policy, ev->section, MG_SET_TLS_EVIDENCE, 0)->tls_evidence;
    need = effective_min_ssf(ev);
    if (need < 1)
	need = 1;
    if ((evidence & MG_TLS_BY_SSF) && ev->facts->external_ssf >= need)
	return (1);
    lr = policy_rules_of(ev->policy, ev->section, MG_SET_TLS_LISTENERS, 0);
    if ((evidence & MG_TLS_BY_LISTENER) && ev->have_local
	&& match_listener(&lr->tls_listeners, &ev->local))
	return (1);
    if ((evidence & MG_TLS_BY_FLAGS) && !ev->facts->noplaintext)
	return (1);
    return (policy_why(why, size, "TLS is required and nothing shows it (external SSF %u, "
		 "%s, %s)", ev->facts->external_ssf, ev->have_local &&
		 match_listener(&lr->tls_listeners, &ev->local) ?
		 "a TLS listener" : "not a TLS listener", ev->facts->noplaintext ?
		 "noplaintext requested" : "plaintext allowed"));
}

static int check_min_ssf(const struct eval *ev, const struct mg_policy_rules *r,
			         char *why, size_t size)
{
    /* No external SSF is SSF 0: below any min_ssf, never "not known". */
    if (r->min_ssf == 0 || ev->facts->external_ssf >= r->min_ssf)
	return (1);
    return (policy_why(why, size, "external SSF %u is below min_ssf %u",
		 ev->facts->external_ssf, r->min_ssf));
}

static int check_users_deny(const struct eval *ev, const struct mg_policy_rules *r,
			            char *why, size_t size)
{
    if (ev->facts->authid == 0
	|| !any_user(&r->users_deny, ev->facts->authid, ev->facts->realm, 1))
	return (1);
    return (policy_why(why, size, "the user is in users_deny"));
}

static int check_users_allow(const struct eval *ev, const struct mg_policy_rules *r,
			             char *why, size_t size)
{
    if (ev->facts->authid == 0 || r->users_allow.count == 0
	|| any_user(&r->users_allow, ev->facts->authid, ev->facts->realm, 0))
	return (1);
    return (policy_why(why, size, "the user is not in users_allow"));
}

static int check_qop(const struct eval *ev, const struct mg_policy_rules *r,
		             char *why, size_t size)
{
    if (ev->facts->qop == 0 || is_cram_section(ev->section)
	|| (mg_flag_lookup(mg_digest_qop_names, ev->facts->qop,
			   strlen(ev->facts->qop)) & r->qops))
	return (1);
    return (policy_why(why, size, "qop %.20s is not allowed", ev->facts->qop));
}

static int check_ciphers(const struct eval *ev, const struct mg_policy_rules *r,
			         char *why, size_t size)
{
    if (ev->facts->cipher == 0 || is_cram_section(ev->section)
	|| (mg_flag_lookup(mg_digest_cipher_names, ev->facts->cipher,
			  strlen(ev->facts->cipher)) & r->ciphers))
	return (1);
    return (policy_why(why, size, "cipher %.20s is not allowed", ev->facts->cipher));
}

#define BOTH_SIDES	3
#define SERVER_SIDE	1

static const struct check {
    enum mg_policy_setting setting;
    unsigned sides;
    check_fn fn;
}       checks[] = {
    {MG_SET_ENABLED, BOTH_SIDES, check_enabled},
    {MG_SET_SERVICES, BOTH_SIDES, check_services},
    {MG_SET_LISTENERS, SERVER_SIDE, check_listeners},
    {MG_SET_NETWORKS_DENY, BOTH_SIDES, check_networks_deny},
    {MG_SET_NETWORKS_ALLOW, BOTH_SIDES, check_networks_allow},
    {MG_SET_UNKNOWN_ADDRESS, SERVER_SIDE, check_unknown_address},
    {MG_SET_REQUIRE_TLS, SERVER_SIDE, check_require_tls},
    {MG_SET_MIN_SSF, SERVER_SIDE, check_min_ssf},
    {MG_SET_USERS_DENY, SERVER_SIDE, check_users_deny},
    {MG_SET_USERS_ALLOW, SERVER_SIDE, check_users_allow},
    {MG_SET_QOP, BOTH_SIDES, check_qop},
    {MG_SET_CIPHERS, BOTH_SIDES, check_ciphers},
};

/*
 * advertise = all keeps a refused mechanism in the list and refuses it at
 * the first step instead: Postfix's smtpd exits ("fatal: no SASL
 * authentication mechanisms") when a connection is left with none.
 */
int     mg_policy_advertise_all(const struct mg_policy *policy, const char *mech)
{
    int     section = mg_policy_mech_section(mech, MG_POLICY_SERVER);

    if (section < 0)
	return (0);
    return (policy_rules_of(policy, section, MG_SET_ADVERTISE, 0)->advertise_all);
}

enum mg_policy_mode mg_policy_mode(const struct mg_policy *policy, const char *mech,
				           enum mg_policy_side side)
{
    return (policy_rules_of(policy, mg_policy_mech_section(mech, side), MG_SET_MODE, 0)->mode);
}

 /*
  * A policy that sets nothing in any section: every rule has its default,
  * and the defaults allow everything but a qop or cipher name md5gate does
  * not know. Most installations run so; deciding then needs neither the
  * endpoints parsed nor a rule looked up per check.
  */
int     mg_policy_sets_nothing(const struct mg_policy *policy)
{
    int     i;

    for (i = 0; i < MG_POLICY_SECTIONS; i++)
	if (policy->section[i].set != 0)
	    return (0);
    return (1);
}

 /*
  * The decision of an empty policy when it allows (enforce mode, no
  * rule); 0 when it refuses, and the full evaluation must name the rule.
  */
static int defaults_allow(const struct mg_policy_facts *facts,
			          struct mg_policy_decision *d)
{
    const struct mg_policy_rules *dflt = policy_defaults();
    struct eval ev;

    if ((ev.section = mg_policy_mech_section(facts->mech, facts->side)) < 0)
	return (0);
    ev.facts = facts;
    if ((facts->qop || facts->cipher)
	&& (!check_qop(&ev, dflt, d->reason, sizeof(d->reason))
	    || !check_ciphers(&ev, dflt, d->reason, sizeof(d->reason))))
	return (0);
    d->allow = 1;
    d->enforced = dflt->mode == MG_POLICY_ENFORCE;
    d->rule[0] = 0;
    d->reason[0] = 0;
    return (1);
}

void    mg_policy_decide(const struct mg_policy *policy,
			         const struct mg_policy_facts *facts,
			         struct mg_policy_decision *d)
{
    struct eval ev;
    const struct mg_policy_rules *r;
    unsigned side = facts->side == MG_POLICY_CLIENT ? 2 : 1;
    size_t  i;
    int     src;

    if (mg_policy_sets_nothing(policy) && defaults_allow(facts, d))
	return;
    memset(d, 0, sizeof(*d));
    d->allow = 1;
    memset(&ev, 0, sizeof(ev));
    ev.policy = policy;
    ev.facts = facts;
    if ((ev.section = mg_policy_mech_section(facts->mech, facts->side)) < 0) {
	d->allow = 0;
	d->enforced = 1;
	snprintf(d->rule, sizeof(d->rule), "global.mode");
	snprintf(d->reason, sizeof(d->reason), "no policy for this mechanism");
	return;
    }
    d->enforced = mg_policy_mode(policy, facts->mech, facts->side) == MG_POLICY_ENFORCE;
    ev.have_remote = parse_endpoint_memo(facts->remote, &ev.remote);
    ev.have_local = parse_endpoint_memo(facts->local, &ev.local);
    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
	if (!(checks[i].sides & side))
	    continue;
	r = policy_rules_of(policy, ev.section, checks[i].setting, &src);
	if (checks[i].fn(&ev, r, d->reason, sizeof(d->reason)))
	    continue;
	d->allow = 0;
	snprintf(d->rule, sizeof(d->rule), "%s.%s",
		 policy_section_names[src < 0 ? ev.section : src], policy_settings[checks[i].setting].name);
	return;
    }
    d->reason[0] = 0;
}

 /*
  * SECTION and SUFFIX joined into rule, cut to fit as snprintf() would:
  * the lockout rule is named on every attempt, and printf cost more than
  * the rest of the lookup.
  */
static void rule_name(char *rule, size_t size, const char *section, const char *suffix)
{
    size_t  slen = strlen(section), xlen = strlen(suffix);

    if (size == 0)
	return;
    if (slen > size - 1)
	slen = size - 1;
    memcpy(rule, section, slen);
    if (xlen > size - 1 - slen)
	xlen = size - 1 - slen;
    memcpy(rule + slen, suffix, xlen);
    rule[slen + xlen] = 0;
}

 /*
  * The lockout of a mechanism's server side. Returns 0 when it is off.
  */
int     mg_policy_lockout(const struct mg_policy *policy, const char *mech,
			          struct mg_lockout_limits *limits, int *by_address,
			          char *rule, size_t rule_size)
{
    int     section = mg_policy_mech_section(mech, MG_POLICY_SERVER);
    int     src;

    memset(limits, 0, sizeof(*limits));
    *by_address = 0;
    if (section < 0)
	return (0);
    limits->failures = policy_rules_of(policy, section, MG_SET_LOCKOUT_FAILURES, &src)
	->lockout.failures;
    if (rule)
	rule_name(rule, rule_size, policy_section_names[src < 0 ? section : src],
		  ".lockout_failures");
    limits->window = policy_rules_of(policy, section, MG_SET_LOCKOUT_WINDOW, 0)->lockout.window;
    limits->duration = policy_rules_of(policy, section, MG_SET_LOCKOUT_DURATION, 0)
	->lockout.duration;
    *by_address = policy_rules_of(policy, section, MG_SET_LOCKOUT_ADDRESS, 0)->lockout_address;
    return (limits->failures > 0);
}

 /*
  * The ticket of one server attempt: the keys it is counted under.
  * The account counts as "user:ACCOUNT", or, with trusted networks
  * and a client inside them, as "trusted-user:ACCOUNT"; a client outside
  * them (or of unknown address) is counted under "user:ACCOUNT" and is
  * also refused while "trusted-user:ACCOUNT" is locked. So failures from
  * outside never lock the account for clients inside, and failures from
  * inside lock it for everyone. The client address counts under its
  * network (lockout_ipv4_prefix, lockout_ipv6_prefix). Returns 0 when
  * nothing is to be counted.
  */
static int in_trusted(const struct mg_policy_addrs *trusted,
		              const struct mg_addr *addr)
{
    struct mg_policy_addr host;

    memset(&host, 0, sizeof(host));
    host.addr = *addr;
    host.prefix = mg_addr_max_prefix(addr->family);
    return (match_any(trusted, &host));
}

int     mg_policy_lockout_ticket(const struct mg_policy *policy, const char *mech,
				         const char *account, const char *remote,
				         struct mg_lockout_ticket *t, char *rule,
				         size_t rule_size)
{
    struct mg_lockout_limits limits;
    const struct mg_policy_rules *global = policy->section + MG_POLICY_GLOBAL;
    const struct mg_policy_addrs *trusted;
    struct mg_addr addr;
    char    key[MG_LOCKOUT_KEY_MAX + 1];
    int     section = mg_policy_mech_section(mech, MG_POLICY_SERVER);
    int     by_address, have_addr;

    /* Cleared once per attempt: the ticket holds its keys' names in full. */
    if (!mg_policy_lockout(policy, mech, &limits, &by_address, rule, rule_size)) {
	mg_lockout_ticket_init(t, 0, 1);
	return (0);
    }
    mg_lockout_ticket_init(t, &limits,
			   mg_policy_mode(policy, mech, MG_POLICY_SERVER) == MG_POLICY_ENFORCE);
    have_addr = mg_addr_parse_endpoint(remote, &addr, 0);
    trusted = &policy_rules_of(policy, section, MG_SET_LOCKOUT_TRUSTED_NETWORKS, 0)
	->lockout_trusted_networks;
    if (policy_rules_of(policy, section, MG_SET_LOCKOUT_ACCOUNT, 0)->lockout_account
	&& account != 0 && *account != 0) {
	if (trusted->count > 0 && have_addr && in_trusted(trusted, &addr)) {
	    (void) mg_lockout_ticket_add(t, mg_lockout_key(key, "trusted-user", account),
					 MG_LOCKOUT_ACCOUNT, 0);
	} else {
	    (void) mg_lockout_ticket_add(t, mg_lockout_key(key, "user", account),
					 MG_LOCKOUT_ACCOUNT, 0);
	    if (trusted->count > 0)
		(void) mg_lockout_ticket_add(t, mg_lockout_key(key, "trusted-user", account),
					     MG_LOCKOUT_GUARD, 0);
	}
    }
    if (by_address && have_addr)
	(void) mg_lockout_ticket_add(t, mg_lockout_address_key(key, &addr,
				      global->lockout_ipv4_prefix,
				      global->lockout_ipv6_prefix),
				     MG_LOCKOUT_ADDRESS, 0);
    return (t->nkeys > 0);
}

 /*
  * Whether any mechanism locks out, so the store must be opened.
  */
int     mg_policy_lockout_wanted(const struct mg_policy *policy)
{
    struct mg_lockout_limits limits;
    int     by_address;

    return (mg_policy_lockout(policy, "CRAM-MD5", &limits, &by_address, 0, 0)
	    || mg_policy_lockout(policy, "DIGEST-MD5", &limits, &by_address, 0, 0));
}

const char *mg_policy_lockout_store(const struct mg_policy *policy)
{
    const char *path = policy->section[MG_POLICY_GLOBAL].lockout_store;

    return (path ? path : MG_LOCKOUT_DEFAULT_STORE);
}

int     mg_policy_lockout_store_open(const struct mg_policy *policy)
{
    return (policy->section[MG_POLICY_GLOBAL].lockout_store_open);
}

size_t  mg_policy_lockout_max_entries(const struct mg_policy *policy)
{
    return (policy->section[MG_POLICY_GLOBAL].lockout_max_entries);
}

 /*
  * How to open the store (lockout_store(3)): LMDB's file and size, or
  * the Redis server and the key prefix.
  */
void    mg_policy_lockout_store_config(const struct mg_policy *policy,
				               struct mg_lockout_store_config *cfg)
{
    const struct mg_policy_rules *g = policy->section + MG_POLICY_GLOBAL;

    memset(cfg, 0, sizeof(*cfg));
    cfg->backend = g->lockout_backend_redis ? MG_LOCKOUT_BACKEND_REDIS
	: MG_LOCKOUT_BACKEND_LMDB;
    cfg->path = mg_policy_lockout_store(policy);
    cfg->max_entries = g->lockout_max_entries;
    cfg->redis_url = g->lockout_redis ? g->lockout_redis : MG_LOCKOUT_REDIS_DEFAULT_URL;
    cfg->redis_prefix = g->lockout_redis_prefix ? g->lockout_redis_prefix
	: MG_LOCKOUT_REDIS_DEFAULT_PREFIX;
}

