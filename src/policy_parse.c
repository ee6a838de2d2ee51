/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	policy_parse 3
/* SUMMARY
/*	per-mechanism policy: the settings and their parsing
/* SYNOPSIS
/*	#include "policy.h"
/*
/*	void	mg_policy_init(policy)
/*
/*	void	mg_policy_free(policy)
/*
/*	int	mg_policy_section_id(name, len)
/*
/*	const char *mg_policy_section_name(section)
/*
/*	int	mg_policy_set(policy, section, name, value, why, size)
/* DESCRIPTION
/*	See policy(3) for the sections and what their rules decide.
/*
/*	mg_policy_set() returns 1 when the setting was taken, 0 when its
/*	value is wrong or the setting does not belong in that section (why
/*	then says what is wrong), -1 when no such setting exists.
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

static const struct mg_flag_name evidence_names[] = {
    {"ssf", MG_TLS_BY_SSF},
    {"listener", MG_TLS_BY_LISTENER},
    {"flags", MG_TLS_BY_FLAGS},
    {0, 0},
};

static const char *mode_names[] = {"enforce", "audit-only"};
static const char *address_names[] = {"allow", "deny"};
static const char *advertise_names[] = {"filtered", "all"};
static const char *store_failure_names[] = {"closed", "open"};
static const char *backend_names[] = {"lmdb", "redis"};

#define R(field) offsetof(struct mg_policy_rules, field)
#define EVERYWHERE	(IN_GLOBAL | IN_SERVER | IN_CLIENT | CLIENT_INHERITS)
#define SERVER_RULE	(IN_GLOBAL | IN_SERVER)

 /*
  * Indexed by enum mg_policy_setting.
  */
const struct setting policy_settings[MG_POLICY_SETTINGS] = {
    {"mode", EVERYWHERE, K_CHOICE, R(mode), mode_names, 0},
    {"advertise", SERVER_RULE, K_CHOICE, R(advertise_all), advertise_names, 0},
    {"enabled", IN_SERVER | IN_CLIENT, K_BOOL, R(enabled), 0, 0},
    {"services", EVERYWHERE, K_SERVICES, R(services), 0, 0},
    {"listeners", SERVER_RULE, K_LISTENERS, R(listeners), 0, 0},
    {"networks_deny", IN_GLOBAL | IN_SERVER | IN_CLIENT, K_NETWORKS, R(networks_deny), 0, 0},
    {"networks_allow", IN_GLOBAL | IN_SERVER | IN_CLIENT, K_NETWORKS, R(networks_allow), 0, 0},
    {"unknown_address", SERVER_RULE, K_CHOICE, R(unknown_address_deny), address_names, 0},
    {"require_tls", SERVER_RULE, K_BOOL, R(require_tls), 0, 0},
    {"tls_listeners", SERVER_RULE, K_LISTENERS, R(tls_listeners), 0, 0},
    {"tls_evidence", SERVER_RULE, K_FLAGS, R(tls_evidence), evidence_names, 0},
    {"min_ssf", SERVER_RULE, K_NUMBER, R(min_ssf), 0, 65535},
    {"users_deny", SERVER_RULE, K_USERS, R(users_deny), 0, 0},
    {"users_allow", SERVER_RULE, K_USERS, R(users_allow), 0, 0},
    {"qop", EVERYWHERE | DIGEST_ONLY, K_FLAGS, R(qops), mg_digest_qop_names, 0},
    {"ciphers", EVERYWHERE | DIGEST_ONLY, K_FLAGS, R(ciphers), mg_digest_cipher_names, 0},
    {"lockout_failures", SERVER_RULE, K_NUMBER, R(lockout.failures), 0, 1000000},
    {"lockout_window", SERVER_RULE, K_DURATION, R(lockout.window), 0, MAX_DURATION},
    {"lockout_duration", SERVER_RULE, K_DURATION, R(lockout.duration), 0, MAX_DURATION},
    {"lockout_address", SERVER_RULE, K_BOOL, R(lockout_address), 0, 0},
    {"lockout_account", SERVER_RULE, K_BOOL, R(lockout_account), 0, 0},
    {"lockout_trusted_networks", SERVER_RULE, K_NETWORKS, R(lockout_trusted_networks), 0, 0},
    {"lockout_ipv4_prefix", IN_GLOBAL | GLOBAL_ONLY, K_PREFIX, R(lockout_ipv4_prefix), 0, 32},
    {"lockout_ipv6_prefix", IN_GLOBAL | GLOBAL_ONLY, K_PREFIX, R(lockout_ipv6_prefix), 0, 128},
    {"lockout_store", IN_GLOBAL | GLOBAL_ONLY, K_PATH, R(lockout_store), 0, 0},
    {"lockout_store_failure", IN_GLOBAL | GLOBAL_ONLY, K_CHOICE, R(lockout_store_open),
    store_failure_names, 0},
    {"lockout_max_entries", IN_GLOBAL | GLOBAL_ONLY, K_NUMBER, R(lockout_max_entries), 0,
    100000000},
    {"lockout_backend", IN_GLOBAL | GLOBAL_ONLY, K_CHOICE, R(lockout_backend_redis),
    backend_names, 0},
    {"lockout_redis", IN_GLOBAL | GLOBAL_ONLY, K_REDIS_URL, R(lockout_redis), 0, 0},
    {"lockout_redis_prefix", IN_GLOBAL | GLOBAL_ONLY, K_REDIS_PREFIX,
    R(lockout_redis_prefix), 0, 0},
};

const char *policy_section_names[MG_POLICY_SECTIONS] = {
    "global", "cram-md5", "digest-md5", "cram-md5:client", "digest-md5:client",
};

static void rules_default(struct mg_policy_rules *r)
{
    *r = *policy_defaults();
}

static void list_free(struct mg_policy_list *list)
{
    size_t  i;

    for (i = 0; i < list->count; i++)
	free(list->words[i]);
    free(list->words);
    list->words = 0;
    list->count = 0;
}

static void addrs_free(struct mg_policy_addrs *addrs)
{
    free(addrs->addrs);
    addrs->addrs = 0;
    addrs->count = 0;
}

static void rules_free(struct mg_policy_rules *r)
{
    list_free(&r->users_allow);
    list_free(&r->users_deny);
    list_free(&r->services);
    addrs_free(&r->networks_allow);
    addrs_free(&r->networks_deny);
    addrs_free(&r->listeners);
    addrs_free(&r->tls_listeners);
    addrs_free(&r->lockout_trusted_networks);
    free(r->lockout_store);
    free(r->lockout_redis);
    free(r->lockout_redis_prefix);
    rules_default(r);
}

void    mg_policy_init(struct mg_policy *policy)
{
    int     i;

    for (i = 0; i < MG_POLICY_SECTIONS; i++)
	rules_default(policy->section + i);
}

void    mg_policy_free(struct mg_policy *policy)
{
    int     i;

    for (i = 0; i < MG_POLICY_SECTIONS; i++)
	rules_free(policy->section + i);
}

int     mg_policy_section_id(const char *name, size_t len)
{
    int     i;

    for (i = 0; i < MG_POLICY_SECTIONS; i++)
	if (strlen(policy_section_names[i]) == len && strncasecmp(name, policy_section_names[i], len) == 0)
	    return (i);
    return (-1);
}

const char *mg_policy_section_name(enum mg_policy_section section)
{
    return (section < MG_POLICY_SECTIONS ? policy_section_names[section] : "unknown");
}

/* Parsing. */

int     policy_why(char *why, size_t size, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return (0);
}

 /*
  * Split a list at commas and white space. Returns the number of words,
  * -1 (with why) when one is too long or there are too many.
  */
static int split(const char *name, const char *value,
		         char words[][MG_POLICY_ITEM_MAX + 1], char *why, size_t size)
{
    size_t  n;
    int     count = 0;

    for (;;) {
	value = mg_word_next(value, &n);
	if (n == 0)
	    return (count);
	if (count >= MG_POLICY_LIST_MAX)
	    return (policy_why(why, size, "%s has more than %d entries", name,
			 MG_POLICY_LIST_MAX) - 1);
	if (n > MG_POLICY_ITEM_MAX)
	    return (policy_why(why, size, "%s: an entry is longer than %d bytes", name,
			 MG_POLICY_ITEM_MAX) - 1);
	memcpy(words[count], value, n);
	words[count++][n] = 0;
	value += n;
    }
}

static int no_controls(const char *s)
{
    for (; *s; s++)
	if ((unsigned char) *s < 0x20 || *s == 0x7f)
	    return (0);
    return (1);
}

static int printable(const char *s)
{
    for (; *s; s++)
	if ((unsigned char) *s < 0x21 || *s == 0x7f)
	    return (0);
    return (1);
}

 /*
  * "alice", "alice@realm", "*@realm".
  */
static int valid_user(const char *word, char *why, size_t size)
{
    const char *at = strrchr(word, '@');

    if (!printable(word))
	return (policy_why(why, size, "user \"%.60s\" contains a control character", word));
    /*
     * The file reader takes "#" and ";" for a comment, and "=" on a
     * continuation line (where a long list is printed) for a setting:
     * no user holds one.
     */
    if (strpbrk(word, "#;=") != 0)
	return (policy_why(why, size, "user \"%.60s\" contains \"#\", \";\" or \"=\"", word));
    if (word[0] == '*' && (at != word + 1 || word[2] == 0))
	return (policy_why(why, size, "\"%.60s\" is not a user pattern: a wildcard is "
		     "allowed only as \"*@realm\"", word));
    if (strchr(word + 1, '*') != 0)
	return (policy_why(why, size, "\"%.60s\" is not a user pattern: a wildcard is "
		     "allowed only as \"*@realm\"", word));
    if (at == word || (at != 0 && at[1] == 0))
	return (policy_why(why, size, "\"%.60s\" is not a user: empty name or realm", word));
    return (1);
}

static int valid_service(const char *word, char *why, size_t size)
{
    const char *s;

    for (s = word; *s; s++)
	if (!isalnum((unsigned char) *s) && *s != '-' && *s != '_' && *s != '.')
	    return (policy_why(why, size, "\"%.60s\" is not a service name", word));
    return (1);
}

static int parse_port(const char *s, unsigned *port)
{
    unsigned long n = 0;

    if (*s == 0 || strlen(s) > 5)
	return (0);
    for (; *s; s++) {
	if (*s < '0' || *s > '9')
	    return (0);
	n = n * 10 + (unsigned) (*s - '0');
    }
    if (n == 0 || n > 65535)
	return (0);
    *port = (unsigned) n;
    return (1);
}

 /*
  * "ADDR" or, with_prefix, "ADDR/N" with the host bits zero (see
  * mg_addr(3)). Returns 1, or 0 for anything else.
  */
int     mg_policy_parse_addr(const char *text, int with_prefix, struct mg_policy_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (with_prefix)
	return (mg_addr_parse_network(text, &a->addr, &a->prefix, 0) == MG_OK);
    a->prefix = mg_addr_max_prefix(AF_INET6);
    if (!mg_addr_parse(text, strlen(text), &a->addr))
	return (0);
    a->prefix = mg_addr_max_prefix(a->addr.family);
    return (1);
}

int     mg_policy_addr_match(const struct mg_policy_addr *net,
			             const struct mg_policy_addr *host)
{
    return (mg_addr_in_network(&net->addr, net->prefix, &host->addr));
}

 /*
  * A listener: "ADDR:PORT", "[V6]:PORT", "*:PORT".
  */
static int parse_listener(const char *word, struct mg_policy_addr *a)
{
    char    host[INET6_ADDRSTRLEN + 1];
    const char *colon;
    size_t  len;

    memset(a, 0, sizeof(*a));
    if (word[0] == '[') {
	if ((colon = strstr(word, "]:")) == 0)
	    return (0);
	len = (size_t) (colon - word - 1);
	colon++;
	if (len == 0 || len >= sizeof(host))
	    return (0);
	memcpy(host, word + 1, len);
	host[len] = 0;
	if (!mg_policy_parse_addr(host, 0, a) || strchr(host, ':') == 0)
	    return (0);
    } else {
	if ((colon = strchr(word, ':')) == 0 || strchr(colon + 1, ':') != 0)
	    return (0);
	len = (size_t) (colon - word);
	if (len == 0 || len >= sizeof(host))
	    return (0);
	memcpy(host, word, len);
	host[len] = 0;
	if (strcmp(host, "*") != 0 && (!mg_policy_parse_addr(host, 0, a)
				       || a->addr.family != AF_INET))
	    return (0);
    }
    return (parse_port(colon + 1, &a->port));
}

static int parse_words(const struct setting *s, const char *value,
		               struct mg_policy_list *out, char *why, size_t size)
{
    char    words[MG_POLICY_LIST_MAX][MG_POLICY_ITEM_MAX + 1];
    struct mg_policy_list list = {0, 0};
    int     n, i;

    if ((n = split(s->name, value, words, why, size)) < 0)
	return (0);
    for (i = 0; i < n; i++)
	if (!(s->kind == K_USERS ? valid_user(words[i], why, size) :
	      valid_service(words[i], why, size)))
	    return (0);
    if (n > 0 && (list.words = calloc((size_t) n, sizeof(char *))) == 0)
	return (policy_why(why, size, "out of memory"));
    for (i = 0; i < n; i++) {
	if ((list.words[i] = strdup(words[i])) == 0) {
	    list_free(&list);
	    return (policy_why(why, size, "out of memory"));
	}
	list.count++;
    }
    list_free(out);
    *out = list;
    return (1);
}

 /*
  * A network: "ADDR" or "ADDR/BITS". One with host bits set is refused,
  * not silently widened: what was meant is unknown.
  */
static int parse_network(const struct setting *s, const char *word,
			         struct mg_policy_addr *a, char *why, size_t size)
{
    struct mg_error err;

    memset(a, 0, sizeof(*a));
    if (mg_addr_parse_network(word, &a->addr, &a->prefix, &err) == MG_OK)
	return (1);
    return (policy_why(why, size, "%s: \"%.60s\" is not an address or network: %s",
		       s->name, word, err.reason));
}

static int parse_addrs(const struct setting *s, const char *value,
		               struct mg_policy_addrs *out, char *why, size_t size)
{
    char    words[MG_POLICY_LIST_MAX][MG_POLICY_ITEM_MAX + 1];
    struct mg_policy_addr parsed[MG_POLICY_LIST_MAX];
    int     n, i;

    if ((n = split(s->name, value, words, why, size)) < 0)
	return (0);
    for (i = 0; i < n; i++) {
	if (s->kind == K_NETWORKS && !parse_network(s, words[i], parsed + i, why, size))
	    return (0);
	if (s->kind == K_LISTENERS && !parse_listener(words[i], parsed + i))
	    return (policy_why(why, size, "%s: \"%.60s\" is not ADDR:PORT, [IPV6]:PORT "
			 "or *:PORT", s->name, words[i]));
    }
    addrs_free(out);
    if (n > 0) {
	if ((out->addrs = calloc((size_t) n, sizeof(*out->addrs))) == 0)
	    return (policy_why(why, size, "out of memory"));
	memcpy(out->addrs, parsed, (size_t) n * sizeof(*parsed));
	out->count = (size_t) n;
    }
    return (1);
}

static const char *flag_list(const struct mg_flag_name *names, char *buf, size_t size)
{
    size_t  len = 0;

    buf[0] = 0;
    for (; names->name && len < size; names++)
	len += (size_t) snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
				 names->name);
    return (buf);
}

static int parse_flags(const struct setting *s, const char *value, unsigned *out,
		               char *why, size_t size)
{
    char    known[80];
    char    words[MG_POLICY_LIST_MAX][MG_POLICY_ITEM_MAX + 1];
    const struct mg_flag_name *names = s->names;
    unsigned bits = 0, bit;
    int     n, i;

    if ((n = split(s->name, value, words, why, size)) < 0)
	return (0);
    for (i = 0; i < n; i++) {
	if ((bit = mg_flag_lookup(names, words[i], strlen(words[i]))) == 0)
	    return (policy_why(why, size, "%s: \"%.40s\" is not one of %s", s->name,
			 words[i], flag_list(names, known, sizeof(known))));
	bits |= bit;
    }
    if (bits == 0)
	return (policy_why(why, size, "%s needs at least one value", s->name));
    *out = bits;
    return (1);
}

static int parse_number(const char *value, unsigned max, unsigned *out)
{
    unsigned long n = 0;
    const char *p;

    if (*value == 0 || strlen(value) > 10)
	return (0);
    for (p = value; *p; p++) {
	if (*p < '0' || *p > '9')
	    return (0);
	n = n * 10 + (unsigned) (*p - '0');
    }
    if (n > max)
	return (0);
    *out = (unsigned) n;
    return (1);
}

 /*
  * Seconds, or a number with s, m, h or d.
  */
static int parse_duration(const char *value, unsigned max, unsigned *out)
{
    char    digits[16];
    size_t  len = strlen(value);
    unsigned long unit = 1;
    unsigned n;

    if (len == 0 || len >= sizeof(digits))
	return (0);
    memcpy(digits, value, len + 1);
    switch (digits[len - 1]) {
    case 's':
	unit = 1;
	break;
    case 'm':
	unit = 60;
	break;
    case 'h':
	unit = 3600;
	break;
    case 'd':
	unit = 86400;
	break;
    default:
	len++;
	break;
    }
    digits[len - 1] = 0;
    if (!parse_number(digits, max, &n) || n == 0 || n * unit > max)
	return (0);
    *out = (unsigned) (n * unit);
    return (1);
}

 /*
  * A lockout prefix: /8 (IPv4) or /16 (IPv6) at the shortest; shorter
  * ones would put whole providers behind one counter.
  */
static int parse_prefix(const struct setting *s, const char *value, unsigned *out,
			        char *why, size_t size)
{
    unsigned min = s->max == 32 ? 8 : 16;
    unsigned n;

    if (!parse_number(value, s->max, &n) || n < min)
	return (policy_why(why, size, "%s must be a prefix length from %u to %u, not "
		     "\"%.40s\"", s->name, min, s->max, value));
    *out = n;
    return (1);
}

 /*
  * lockout_redis and lockout_redis_prefix: checked here, so that a bad
  * value is an error at its line and not at the first login.
  */
static int parse_redis(const struct setting *s, const char *value, char **field,
		               char *why, size_t size)
{
    struct mg_lockout_redis_url url;
    struct mg_error err;

    if (s->kind == K_REDIS_URL
	&& mg_lockout_redis_url_parse(value, &url, &err) != MG_OK)
	return (policy_why(why, size, "%s", err.reason));
    if (s->kind == K_REDIS_PREFIX && !mg_lockout_redis_prefix_ok(value, why, size))
	return (0);
    free(*field);
    if ((*field = strdup(value)) == 0)
	return (policy_why(why, size, "out of memory"));
    return (1);
}

static int parse_value(const struct setting *s, struct mg_policy_rules *r,
		               const char *value, char *why, size_t size)
{
    const char *const *names = s->names;

    switch (s->kind) {
    case K_CHOICE:
	if (strcasecmp(value, names[0]) == 0)
	    *FIELD(r, s - policy_settings, int) = 0;
	else if (strcasecmp(value, names[1]) == 0)
	    *FIELD(r, s - policy_settings, int) = 1;
	else
	    return (policy_why(why, size, "%s must be %s or %s, not \"%.40s\"", s->name,
			 names[0], names[1], value));
	return (1);
    case K_BOOL:
	if (strcasecmp(value, "yes") == 0)
	    *FIELD(r, s - policy_settings, int) = 1;
	else if (strcasecmp(value, "no") == 0)
	    *FIELD(r, s - policy_settings, int) = 0;
	else
	    return (policy_why(why, size, "%s must be yes or no, not \"%.40s\"", s->name, value));
	return (1);
    case K_USERS:
    case K_SERVICES:
	return (parse_words(s, value, FIELD(r, s - policy_settings, struct mg_policy_list),
			    why, size));
    case K_NETWORKS:
    case K_LISTENERS:
	return (parse_addrs(s, value, FIELD(r, s - policy_settings, struct mg_policy_addrs),
			    why, size));
    case K_FLAGS:
	return (parse_flags(s, value, FIELD(r, s - policy_settings, unsigned), why, size));
    case K_NUMBER:
	if (!parse_number(value, s->max, FIELD(r, s - policy_settings, unsigned)))
	    return (policy_why(why, size, "%s must be a number from 0 to %u, not \"%.40s\"",
			 s->name, s->max, value));
	return (1);
    case K_DURATION:
	if (!parse_duration(value, s->max, FIELD(r, s - policy_settings, unsigned)))
	    return (policy_why(why, size, "%s must be a duration (e.g. 900, 900s, 15m, 1h, "
			 "1d) from 1s to 366d, not \"%.40s\"", s->name, value));
	return (1);
    case K_PATH:
	if (value[0] != '/')
	    return (policy_why(why, size, "%s must be an absolute path, not \"%.60s\"",
			 s->name, value));
	if (strlen(value) > MG_POLICY_PATH_MAX || !no_controls(value)
	    || strpbrk(value, "#;") != 0)
	    return (policy_why(why, size, "%s must be a path of at most %d bytes without "
			 "control characters, \"#\" or \";\"", s->name, MG_POLICY_PATH_MAX));
	free(*FIELD(r, s - policy_settings, char *));
	if ((*FIELD(r, s - policy_settings, char *) = strdup(value)) == 0)
	    return (policy_why(why, size, "out of memory"));
	return (1);
    case K_PREFIX:
	return (parse_prefix(s, value, FIELD(r, s - policy_settings, unsigned), why, size));
    case K_REDIS_URL:
    case K_REDIS_PREFIX:
	return (parse_redis(s, value, FIELD(r, s - policy_settings, char *), why, size));
    }
    return (policy_why(why, size, "internal error"));
}

static int allowed_in(const struct setting *s, int section, char *why, size_t size)
{
    const char *name = policy_section_names[section];

    if (section == MG_POLICY_GLOBAL && !(s->where & IN_GLOBAL))
	return (policy_why(why, size, "%s is not allowed in [global]: give it in a "
		     "mechanism section", s->name));
    if (section != MG_POLICY_GLOBAL && (s->where & GLOBAL_ONLY))
	return (policy_why(why, size, "%s is allowed only in [global], not in [%s]",
		     s->name, name));
    if (is_client_section(section) && !(s->where & IN_CLIENT))
	return (policy_why(why, size, "%s does not apply to the client side: not "
		     "in [%s]", s->name, name));
    if (section != MG_POLICY_GLOBAL && !is_client_section(section)
	&& !(s->where & IN_SERVER))
	return (policy_why(why, size, "%s is not allowed in [%s]", s->name, name));
    if (is_cram_section(section) && (s->where & DIGEST_ONLY))
	return (policy_why(why, size, "%s applies only to DIGEST-MD5, not in [%s]",
		     s->name, name));
    return (1);
}

int     mg_policy_set(struct mg_policy *policy, enum mg_policy_section section,
		              const char *name, const char *value,
		              char *why, size_t size)
{
    int     i;

    if (section >= MG_POLICY_SECTIONS)
	return (-1);
    for (i = 0; i < MG_POLICY_SETTINGS; i++)
	if (strcmp(policy_settings[i].name, name) == 0)
	    break;
    if (i == MG_POLICY_SETTINGS)
	return (-1);
    if (!allowed_in(policy_settings + i, section, why, size)
	|| !parse_value(policy_settings + i, policy->section + section, value, why, size))
	return (0);
    policy->section[section].set |= BIT(i);
    return (1);
}

