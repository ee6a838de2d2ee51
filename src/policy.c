/*++
/* NAME
/*	policy 3
/* SUMMARY
/*	per-mechanism policy: rules, and the decision they make
/* SYNOPSIS
/*	#include "policy.h"
/*
/*	void	mg_policy_init(policy)
/*
/*	void	mg_policy_free(policy)
/*
/*	int	mg_policy_section_id(name, len)
/*
/*	int	mg_policy_set(policy, section, name, value, why, why_size)
/*
/*	void	mg_policy_decide(policy, facts, decision)
/*
/*	void	mg_policy_print(policy, fp)
/*
/*	int	mg_policy_section_given(policy, section)
/*
/*	void	mg_policy_print_section(policy, section, flags, fp)
/* DESCRIPTION
/*	The rules live in md5gate's configuration file (see mg_config(3)),
/*	which hands every setting of a policy section to mg_policy_set().
/*	[global] holds defaults, [cram-md5] and [digest-md5] the server
/*	side rules of each mechanism, [cram-md5:client] and
/*	[digest-md5:client] the client side. Section names are
/*	case-insensitive. A setting in a mechanism section overrides the
/*	same setting in [global]; what neither gives has its default, and
/*	defaults allow everything.
/*
/*	mg_policy_set() returns 1 when the setting was taken, 0 when its
/*	value is wrong or the setting does not belong in that section (why
/*	then says what is wrong), -1 when no such setting exists.
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
/*
/*	mg_policy_print_section() writes the settings a section gives, one
/*	line each; with MG_POLICY_PRINT_ALL it adds every other setting that
/*	may stand there as a comment line holding its effective value and
/*	where that comes from ("(default)", "(from [global])"). Either way
/*	the output is a valid configuration file that reads back to the
/*	same policy and prints the same again. mg_policy_section_given()
/*	says whether a section gives any setting. mg_policy_print() writes
/*	every section that way, with MG_POLICY_PRINT_ALL.
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

#include "digest/digest.h"
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

struct flag_name {
    const char *name;
    unsigned bit;
};

static const struct flag_name qop_names[] = {
    {"auth", MG_DIGEST_QOP_AUTH},
    {"auth-int", MG_DIGEST_QOP_AUTH_INT},
    {"auth-conf", MG_DIGEST_QOP_AUTH_CONF},
    {0, 0},
};

static const struct flag_name cipher_names[] = {
    {"3des", MG_DIGEST_CIPHER_3DES},
    {"des", MG_DIGEST_CIPHER_DES},
    {"rc4", MG_DIGEST_CIPHER_RC4},
    {"rc4-40", MG_DIGEST_CIPHER_RC4_40},
    {"rc4-56", MG_DIGEST_CIPHER_RC4_56},
    {0, 0},
};

static const struct flag_name evidence_names[] = {
    {"ssf", MG_TLS_BY_SSF},
    {"listener", MG_TLS_BY_LISTENER},
    {"flags", MG_TLS_BY_FLAGS},
    {0, 0},
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
static const struct setting settings[MG_POLICY_SETTINGS] = {
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
    {"qop", EVERYWHERE | DIGEST_ONLY, K_FLAGS, R(qops), qop_names, 0},
    {"ciphers", EVERYWHERE | DIGEST_ONLY, K_FLAGS, R(ciphers), cipher_names, 0},
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

static const char *section_names[MG_POLICY_SECTIONS] = {
    "global", "cram-md5", "digest-md5", "cram-md5:client", "digest-md5:client",
};

#define FIELD(r, s, type) ((type *) ((char *) (r) + settings[s].offset))
#define CFIELD(r, s, type) ((const type *) ((const char *) (r) + settings[s].offset))

static void rules_default(struct mg_policy_rules *r)
{
    memset(r, 0, sizeof(*r));
    r->mode = MG_POLICY_ENFORCE;
    r->enabled = 1;
    r->tls_evidence = ALL_EVIDENCE;
    r->qops = ALL_QOPS;
    r->ciphers = ALL_CIPHERS;
    r->lockout.failures = 0;
    r->lockout.window = 900;
    r->lockout.duration = 900;
    r->lockout_address = 1;
    r->lockout_account = 1;
    r->lockout_ipv4_prefix = MG_LOCKOUT_DEFAULT_IPV4_PREFIX;
    r->lockout_ipv6_prefix = MG_LOCKOUT_DEFAULT_IPV6_PREFIX;
    r->lockout_store_open = 0;
    r->lockout_max_entries = MG_LOCKOUT_DEFAULT_MAX;
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
	if (strlen(section_names[i]) == len && strncasecmp(name, section_names[i], len) == 0)
	    return (i);
    return (-1);
}

const char *mg_policy_section_name(enum mg_policy_section section)
{
    return (section < MG_POLICY_SECTIONS ? section_names[section] : "unknown");
}

static int is_client_section(int section)
{
    return (section == MG_POLICY_CRAM_CLIENT || section == MG_POLICY_DIGEST_CLIENT);
}

static int is_cram_section(int section)
{
    return (section == MG_POLICY_CRAM_SERVER || section == MG_POLICY_CRAM_CLIENT);
}

/* Parsing. */

static int why_(char *why, size_t size, const char *fmt,...)
	__attribute__((format(printf, 3, 4)));

static int why_(char *why, size_t size, const char *fmt,...)
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
	value += strspn(value, ", \t");
	if ((n = strcspn(value, ", \t")) == 0)
	    return (count);
	if (count >= MG_POLICY_LIST_MAX)
	    return (why_(why, size, "%s has more than %d entries", name,
			 MG_POLICY_LIST_MAX) - 1);
	if (n > MG_POLICY_ITEM_MAX)
	    return (why_(why, size, "%s: an entry is longer than %d bytes", name,
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
	return (why_(why, size, "user \"%.60s\" contains a control character", word));
    /*
     * The file reader takes "#" and ";" for a comment, and "=" on a
     * continuation line (where a long list is printed) for a setting:
     * no user holds one.
     */
    if (strpbrk(word, "#;=") != 0)
	return (why_(why, size, "user \"%.60s\" contains \"#\", \";\" or \"=\"", word));
    if (word[0] == '*' && (at != word + 1 || word[2] == 0))
	return (why_(why, size, "\"%.60s\" is not a user pattern: a wildcard is "
		     "allowed only as \"*@realm\"", word));
    if (strchr(word + 1, '*') != 0)
	return (why_(why, size, "\"%.60s\" is not a user pattern: a wildcard is "
		     "allowed only as \"*@realm\"", word));
    if (at == word || (at != 0 && at[1] == 0))
	return (why_(why, size, "\"%.60s\" is not a user: empty name or realm", word));
    return (1);
}

static int valid_service(const char *word, char *why, size_t size)
{
    const char *s;

    for (s = word; *s; s++)
	if (!isalnum((unsigned char) *s) && *s != '-' && *s != '_' && *s != '.')
	    return (why_(why, size, "\"%.60s\" is not a service name", word));
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
  * An IPv4-mapped IPv6 address is the IPv4 address it maps; so is a
  * network of them, when its prefix covers the mapping.
  */
static void unmap(struct mg_policy_addr *a)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    if (a->family == AF_INET6 && a->prefix >= 96 && memcmp(a->bytes, mapped, 12) == 0) {
	memmove(a->bytes, a->bytes + 12, 4);
	memset(a->bytes + 4, 0, 12);
	a->family = AF_INET;
	a->prefix -= 96;
    }
}

 /*
  * "ADDR" or, with_prefix, "ADDR/N". The host bits of a network are
  * cleared. Returns 1, or 0 for anything else.
  */
int     mg_policy_parse_addr(const char *text, int with_prefix, struct mg_policy_addr *a)
{
    char    buf[INET6_ADDRSTRLEN + 8];
    const char *slash = with_prefix ? strchr(text, '/') : 0;
    size_t  len = slash ? (size_t) (slash - text) : strlen(text);
    unsigned long prefix;
    unsigned max, i;
    char   *end;

    memset(a, 0, sizeof(*a));
    if (len == 0 || len >= sizeof(buf))
	return (0);
    memcpy(buf, text, len);
    buf[len] = 0;
    if (inet_pton(AF_INET, buf, a->bytes) == 1)
	a->family = AF_INET, max = 32;
    else if (inet_pton(AF_INET6, buf, a->bytes) == 1)
	a->family = AF_INET6, max = 128;
    else
	return (0);
    a->prefix = max;
    if (slash) {
	if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
	    return (0);
	prefix = strtoul(slash + 1, &end, 10);
	if (*end != 0 || prefix > max)
	    return (0);
	a->prefix = (unsigned) prefix;
    }
    for (i = a->prefix; i < max; i++)
	a->bytes[i / 8] &= (unsigned char) ~(0x80 >> (i % 8));
    unmap(a);
    return (1);
}

int     mg_policy_addr_match(const struct mg_policy_addr *net,
			             const struct mg_policy_addr *host)
{
    unsigned full = net->prefix / 8, rest = net->prefix % 8;
    unsigned char mask;

    if (net->family != host->family)
	return (0);
    if (memcmp(net->bytes, host->bytes, full) != 0)
	return (0);
    if (rest == 0)
	return (1);
    mask = (unsigned char) (0xff << (8 - rest));
    return ((net->bytes[full] & mask) == (host->bytes[full] & mask));
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
				       || a->family != AF_INET))
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
	return (why_(why, size, "out of memory"));
    for (i = 0; i < n; i++) {
	if ((list.words[i] = strdup(words[i])) == 0) {
	    list_free(&list);
	    return (why_(why, size, "out of memory"));
	}
	list.count++;
    }
    list_free(out);
    *out = list;
    return (1);
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
	if (s->kind == K_NETWORKS && !mg_policy_parse_addr(words[i], 1, parsed + i))
	    return (why_(why, size, "%s: \"%.60s\" is not an IPv4 or IPv6 address "
			 "or network (ADDR or ADDR/BITS)", s->name, words[i]));
	if (s->kind == K_LISTENERS && !parse_listener(words[i], parsed + i))
	    return (why_(why, size, "%s: \"%.60s\" is not ADDR:PORT, [IPV6]:PORT "
			 "or *:PORT", s->name, words[i]));
    }
    addrs_free(out);
    if (n > 0) {
	if ((out->addrs = calloc((size_t) n, sizeof(*out->addrs))) == 0)
	    return (why_(why, size, "out of memory"));
	memcpy(out->addrs, parsed, (size_t) n * sizeof(*parsed));
	out->count = (size_t) n;
    }
    return (1);
}

static const char *flag_list(const struct flag_name *names, char *buf, size_t size)
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
    const struct flag_name *names = s->names, *f;
    unsigned bits = 0;
    int     n, i;

    if ((n = split(s->name, value, words, why, size)) < 0)
	return (0);
    for (i = 0; i < n; i++) {
	for (f = names; f->name && strcasecmp(f->name, words[i]) != 0; f++)
	     /* void */ ;
	if (f->name == 0)
	    return (why_(why, size, "%s: \"%.40s\" is not one of %s", s->name,
			 words[i], flag_list(names, known, sizeof(known))));
	bits |= f->bit;
    }
    if (bits == 0)
	return (why_(why, size, "%s needs at least one value", s->name));
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
	return (why_(why, size, "%s must be a prefix length from %u to %u, not "
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
	return (why_(why, size, "%s", err.reason));
    if (s->kind == K_REDIS_PREFIX && !mg_lockout_redis_prefix_ok(value, why, size))
	return (0);
    free(*field);
    if ((*field = strdup(value)) == 0)
	return (why_(why, size, "out of memory"));
    return (1);
}

static int parse_value(const struct setting *s, struct mg_policy_rules *r,
		               const char *value, char *why, size_t size)
{
    const char *const *names = s->names;

    switch (s->kind) {
    case K_CHOICE:
	if (strcasecmp(value, names[0]) == 0)
	    *FIELD(r, s - settings, int) = 0;
	else if (strcasecmp(value, names[1]) == 0)
	    *FIELD(r, s - settings, int) = 1;
	else
	    return (why_(why, size, "%s must be %s or %s, not \"%.40s\"", s->name,
			 names[0], names[1], value));
	return (1);
    case K_BOOL:
	if (strcasecmp(value, "yes") == 0)
	    *FIELD(r, s - settings, int) = 1;
	else if (strcasecmp(value, "no") == 0)
	    *FIELD(r, s - settings, int) = 0;
	else
	    return (why_(why, size, "%s must be yes or no, not \"%.40s\"", s->name, value));
	return (1);
    case K_USERS:
    case K_SERVICES:
	return (parse_words(s, value, FIELD(r, s - settings, struct mg_policy_list),
			    why, size));
    case K_NETWORKS:
    case K_LISTENERS:
	return (parse_addrs(s, value, FIELD(r, s - settings, struct mg_policy_addrs),
			    why, size));
    case K_FLAGS:
	return (parse_flags(s, value, FIELD(r, s - settings, unsigned), why, size));
    case K_NUMBER:
	if (!parse_number(value, s->max, FIELD(r, s - settings, unsigned)))
	    return (why_(why, size, "%s must be a number from 0 to %u, not \"%.40s\"",
			 s->name, s->max, value));
	return (1);
    case K_DURATION:
	if (!parse_duration(value, s->max, FIELD(r, s - settings, unsigned)))
	    return (why_(why, size, "%s must be a duration (e.g. 900, 900s, 15m, 1h, "
			 "1d) from 1s to 366d, not \"%.40s\"", s->name, value));
	return (1);
    case K_PATH:
	if (value[0] != '/')
	    return (why_(why, size, "%s must be an absolute path, not \"%.60s\"",
			 s->name, value));
	if (strlen(value) > MG_POLICY_PATH_MAX || !no_controls(value)
	    || strpbrk(value, "#;") != 0)
	    return (why_(why, size, "%s must be a path of at most %d bytes without "
			 "control characters, \"#\" or \";\"", s->name, MG_POLICY_PATH_MAX));
	free(*FIELD(r, s - settings, char *));
	if ((*FIELD(r, s - settings, char *) = strdup(value)) == 0)
	    return (why_(why, size, "out of memory"));
	return (1);
    case K_PREFIX:
	return (parse_prefix(s, value, FIELD(r, s - settings, unsigned), why, size));
    case K_REDIS_URL:
    case K_REDIS_PREFIX:
	return (parse_redis(s, value, FIELD(r, s - settings, char *), why, size));
    }
    return (why_(why, size, "internal error"));
}

static int allowed_in(const struct setting *s, int section, char *why, size_t size)
{
    const char *name = section_names[section];

    if (section == MG_POLICY_GLOBAL && !(s->where & IN_GLOBAL))
	return (why_(why, size, "%s is not allowed in [global]: give it in a "
		     "mechanism section", s->name));
    if (section != MG_POLICY_GLOBAL && (s->where & GLOBAL_ONLY))
	return (why_(why, size, "%s is allowed only in [global], not in [%s]",
		     s->name, name));
    if (is_client_section(section) && !(s->where & IN_CLIENT))
	return (why_(why, size, "%s does not apply to the client side: not "
		     "in [%s]", s->name, name));
    if (section != MG_POLICY_GLOBAL && !is_client_section(section)
	&& !(s->where & IN_SERVER))
	return (why_(why, size, "%s is not allowed in [%s]", s->name, name));
    if (is_cram_section(section) && (s->where & DIGEST_ONLY))
	return (why_(why, size, "%s applies only to DIGEST-MD5, not in [%s]",
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
	if (strcmp(settings[i].name, name) == 0)
	    break;
    if (i == MG_POLICY_SETTINGS)
	return (-1);
    if (!allowed_in(settings + i, section, why, size)
	|| !parse_value(settings + i, policy->section + section, value, why, size))
	return (0);
    policy->section[section].set |= BIT(i);
    return (1);
}

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
	&& !(settings[setting].where & CLIENT_INHERITS))
	return (-1);
    if (policy->section[MG_POLICY_GLOBAL].set & BIT(setting))
	return (MG_POLICY_GLOBAL);
    return (-1);
}

static const struct mg_policy_rules *defaults(void)
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

static const struct mg_policy_rules *rules_of(const struct mg_policy *policy,
					              int section, int setting, int *src)
{
    int     from = source_of(policy, section, setting);

    if (src)
	*src = from;
    return (from < 0 ? defaults() : policy->section + from);
}

 /*
  * An endpoint as libsasl2 passes it: "addr;port" (or, from the command,
  * just "addr"), IPv6 possibly in brackets or with a zone.
  */
static int parse_endpoint(const char *text, struct mg_policy_addr *a)
{
    char    buf[INET6_ADDRSTRLEN + 8];
    const char *semi;
    size_t  len;
    char   *zone;

    memset(a, 0, sizeof(*a));
    if (text == 0 || *text == 0)
	return (0);
    semi = strrchr(text, ';');
    len = semi ? (size_t) (semi - text) : strlen(text);
    if (len >= sizeof(buf))
	return (0);
    memcpy(buf, text, len);
    buf[len] = 0;
    if (buf[0] == '[' && len > 2 && buf[len - 1] == ']') {
	memmove(buf, buf + 1, len - 2);
	buf[len - 2] = 0;
    }
    if ((zone = strchr(buf, '%')) != 0)
	*zone = 0;
    if (!mg_policy_parse_addr(buf, 0, a))
	return (0);
    if (semi && !parse_port(semi + 1, &a->port))
	a->port = 0;
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
	    && (listeners->addrs[i].family == 0
		|| mg_policy_addr_match(listeners->addrs + i, local)))
	    return (1);
    return (0);
}

 /*
  * "alice" is the name the client sent; "alice@realm" and "*@realm"
  * compare with the name in the realm it is looked up in. Names compare
  * exactly, realms without regard to case.
  */
static int user_matches(const char *pattern, const char *authid, const char *realm)
{
    const char *p_at = strrchr(pattern, '@');
    const char *a_at = strrchr(authid, '@');
    const char *name_realm;
    size_t  name_len;

    if (p_at == 0)
	return (strcmp(pattern, authid) == 0);
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
    return ((size_t) (p_at - pattern) == name_len && strncmp(pattern, authid, name_len) == 0);
}

static int any_user(const struct mg_policy_list *list, const char *authid, const char *realm)
{
    size_t  i;

    for (i = 0; i < list->count; i++)
	if (user_matches(list->words[i], authid, realm))
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
    return (why_(why, size, "%s is disabled on the %s side (enabled = no)",
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
    return (why_(why, size, "service %.40s is not in services",
		 ev->facts->service ? ev->facts->service : "(none)"));
}

static int check_listeners(const struct eval *ev, const struct mg_policy_rules *r,
			           char *why, size_t size)
{
    if (r->listeners.count == 0)
	return (1);
    if (!ev->have_local)
	return (why_(why, size, "the application gave no local address to match "
		     "listeners"));
    if (match_listener(&r->listeners, &ev->local))
	return (1);
    return (why_(why, size, "the local endpoint is not in listeners"));
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
    return (why_(why, size, "the %s address is in networks_deny", peer(ev)));
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
	return (why_(why, size, "the application gave no server address to match "
		     "networks_allow"));
    return (why_(why, size, "the %s address is not in networks_allow", peer(ev)));
}

static int check_unknown_address(const struct eval *ev, const struct mg_policy_rules *r,
				         char *why, size_t size)
{
    if (ev->have_remote || !r->unknown_address_deny)
	return (1);
    return (why_(why, size, "the application gave no client address "
		 "(unknown_address = deny)"));
}

static unsigned effective_min_ssf(const struct eval *ev)
{
    return (rules_of(ev->policy, ev->section, MG_SET_MIN_SSF, 0)->min_ssf);
}

static int check_require_tls(const struct eval *ev, const struct mg_policy_rules *r,
			             char *why, size_t size)
{
    unsigned evidence, need;
    const struct mg_policy_rules *lr;

    if (!r->require_tls)
	return (1);
    evidence = rules_of(ev->policy, ev->section, MG_SET_TLS_EVIDENCE, 0)->tls_evidence;
    need = effective_min_ssf(ev);
    if (need < 1)
	need = 1;
    if ((evidence & MG_TLS_BY_SSF) && ev->facts->external_ssf >= need)
	return (1);
    lr = rules_of(ev->policy, ev->section, MG_SET_TLS_LISTENERS, 0);
    if ((evidence & MG_TLS_BY_LISTENER) && ev->have_local
	&& match_listener(&lr->tls_listeners, &ev->local))
	return (1);
    if ((evidence & MG_TLS_BY_FLAGS) && !ev->facts->noplaintext)
	return (1);
    return (why_(why, size, "TLS is required and nothing shows it (external SSF %u, "
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
    return (why_(why, size, "external SSF %u is below min_ssf %u",
		 ev->facts->external_ssf, r->min_ssf));
}

static int check_users_deny(const struct eval *ev, const struct mg_policy_rules *r,
			            char *why, size_t size)
{
    if (ev->facts->authid == 0
	|| !any_user(&r->users_deny, ev->facts->authid, ev->facts->realm))
	return (1);
    return (why_(why, size, "the user is in users_deny"));
}

static int check_users_allow(const struct eval *ev, const struct mg_policy_rules *r,
			             char *why, size_t size)
{
    if (ev->facts->authid == 0 || r->users_allow.count == 0
	|| any_user(&r->users_allow, ev->facts->authid, ev->facts->realm))
	return (1);
    return (why_(why, size, "the user is not in users_allow"));
}

static unsigned flag_of(const struct flag_name *names, const char *name)
{
    for (; names->name; names++)
	if (strcasecmp(names->name, name) == 0)
	    return (names->bit);
    return (0);
}

static int check_qop(const struct eval *ev, const struct mg_policy_rules *r,
		             char *why, size_t size)
{
    if (ev->facts->qop == 0 || is_cram_section(ev->section)
	|| (flag_of(qop_names, ev->facts->qop) & r->qops))
	return (1);
    return (why_(why, size, "qop %.20s is not allowed", ev->facts->qop));
}

static int check_ciphers(const struct eval *ev, const struct mg_policy_rules *r,
			         char *why, size_t size)
{
    if (ev->facts->cipher == 0 || is_cram_section(ev->section)
	|| (flag_of(cipher_names, ev->facts->cipher) & r->ciphers))
	return (1);
    return (why_(why, size, "cipher %.20s is not allowed", ev->facts->cipher));
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
    return (rules_of(policy, section, MG_SET_ADVERTISE, 0)->advertise_all);
}

enum mg_policy_mode mg_policy_mode(const struct mg_policy *policy, const char *mech,
				           enum mg_policy_side side)
{
    return (rules_of(policy, mg_policy_mech_section(mech, side), MG_SET_MODE, 0)->mode);
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
	r = rules_of(policy, ev.section, checks[i].setting, &src);
	if (checks[i].fn(&ev, r, d->reason, sizeof(d->reason)))
	    continue;
	d->allow = 0;
	snprintf(d->rule, sizeof(d->rule), "%s.%s",
		 section_names[src < 0 ? ev.section : src], settings[checks[i].setting].name);
	return;
    }
    d->reason[0] = 0;
}

void    mg_policy_digest_layers(const struct mg_policy *policy, enum mg_policy_side side,
				        unsigned *qops, unsigned *ciphers)
{
    int     section = mg_policy_mech_section("DIGEST-MD5", side);

    *qops = rules_of(policy, section, MG_SET_QOP, 0)->qops;
    *ciphers = rules_of(policy, section, MG_SET_CIPHERS, 0)->ciphers;
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
    limits->failures = rules_of(policy, section, MG_SET_LOCKOUT_FAILURES, &src)
	->lockout.failures;
    if (rule)
	snprintf(rule, rule_size, "%s.lockout_failures",
		 section_names[src < 0 ? section : src]);
    limits->window = rules_of(policy, section, MG_SET_LOCKOUT_WINDOW, 0)->lockout.window;
    limits->duration = rules_of(policy, section, MG_SET_LOCKOUT_DURATION, 0)
	->lockout.duration;
    *by_address = rules_of(policy, section, MG_SET_LOCKOUT_ADDRESS, 0)->lockout_address;
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
		              const struct mg_lockout_addr *addr)
{
    struct mg_policy_addr host;

    memset(&host, 0, sizeof(host));
    host.family = addr->family;
    memcpy(host.bytes, addr->bytes, sizeof(host.bytes));
    host.prefix = addr->family == AF_INET ? 32 : 128;
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
    struct mg_lockout_addr addr;
    char    key[MG_LOCKOUT_KEY_MAX + 1];
    int     section = mg_policy_mech_section(mech, MG_POLICY_SERVER);
    int     by_address, have_addr;

    mg_lockout_ticket_init(t, 0, 1);
    if (!mg_policy_lockout(policy, mech, &limits, &by_address, rule, rule_size))
	return (0);
    mg_lockout_ticket_init(t, &limits,
			   mg_policy_mode(policy, mech, MG_POLICY_SERVER) == MG_POLICY_ENFORCE);
    have_addr = mg_lockout_parse_address(remote, &addr);
    trusted = &rules_of(policy, section, MG_SET_LOCKOUT_TRUSTED_NETWORKS, 0)
	->lockout_trusted_networks;
    if (rules_of(policy, section, MG_SET_LOCKOUT_ACCOUNT, 0)->lockout_account
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

/* The effective policy, for "md5gate policy check". */

static void format_addr(char *buf, size_t size, const struct mg_policy_addr *a,
			        int listener)
{
    char    text[INET6_ADDRSTRLEN];
    int     max = a->family == AF_INET ? 32 : 128;

    if (a->family == 0)
	strcpy(text, "*");
    else if (inet_ntop(a->family, a->bytes, text, sizeof(text)) == 0)
	strcpy(text, "?");
    if (listener)
	snprintf(buf, size, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", text, a->port);
    else if ((int) a->prefix != max)
	snprintf(buf, size, "%s/%u", text, a->prefix);
    else
	snprintf(buf, size, "%s", text);
}

 /*
  * Long lists go on indented continuation lines, which the parser joins:
  * inih reads lines of at most 198 bytes. inih takes "[" at the start of
  * a line, indented or not, for a section header, so an entry starting
  * with it (an IPv6 listener, say) gets a comma, which the list splitter
  * skips, before it. No entry holds "#" or ";" (the parser refuses them:
  * they start comments), so none needs guarding against them. A value
  * printed as a comment continues on comment lines: an indented line
  * after a comment would extend the setting before it.
  */
static void put_word(FILE *fp, const char *word, size_t index, size_t *col,
		             const char *lead)
{
    size_t  len = strlen(word);
    int     guard = (word[0] == '[');

    if (*col + 1 + guard + len > 72 && (index > 0 || *col > 4)) {
	fprintf(fp, "\n%s   ", lead);
	*col = 3 + strlen(lead);
    }
    if (index > 0)
	fputc(' ', fp);
    if (guard)
	fputc(',', fp);
    fputs(word, fp);
    *col += 1 + guard + len;
}

static void print_flags(FILE *fp, const struct flag_name *names, unsigned bits)
{
    const char *sep = "";

    for (; names->name; names++) {
	if (bits & names->bit) {
	    fprintf(fp, "%s%s", sep, names->name);
	    sep = " ";
	}
    }
}

static void print_value(FILE *fp, int setting, const struct mg_policy_rules *r,
			        const char *lead)
{
    const struct setting *s = settings + setting;
    const struct mg_policy_list *list;
    const struct mg_policy_addrs *addrs;
    const char *const *names = s->names;
    char    text[INET6_ADDRSTRLEN + 16];
    size_t  i, col = strlen(lead) + strlen(s->name) + 3;

    switch (s->kind) {
    case K_CHOICE:
	fputs(names[*CFIELD(r, setting, int) ? 1 : 0], fp);
	break;
    case K_BOOL:
	fputs(*CFIELD(r, setting, int) ? "yes" : "no", fp);
	break;
    case K_USERS:
    case K_SERVICES:
	list = CFIELD(r, setting, struct mg_policy_list);
	for (i = 0; i < list->count; i++)
	    put_word(fp, list->words[i], i, &col, lead);
	break;
    case K_NETWORKS:
    case K_LISTENERS:
	addrs = CFIELD(r, setting, struct mg_policy_addrs);
	for (i = 0; i < addrs->count; i++) {
	    format_addr(text, sizeof(text), addrs->addrs + i, s->kind == K_LISTENERS);
	    put_word(fp, text, i, &col, lead);
	}
	break;
    case K_FLAGS:
	print_flags(fp, s->names, *CFIELD(r, setting, unsigned));
	break;
    case K_NUMBER:
	fprintf(fp, "%u", *CFIELD(r, setting, unsigned));
	break;
    case K_DURATION:
	fprintf(fp, "%us", *CFIELD(r, setting, unsigned));
	break;
    case K_PREFIX:
	fprintf(fp, "%u", *CFIELD(r, setting, unsigned));
	break;
    case K_PATH:
	fputs(*CFIELD(r, setting, char *) ? *CFIELD(r, setting, char *) :
	      MG_LOCKOUT_DEFAULT_STORE, fp);
	break;
    case K_REDIS_URL:
	fputs(*CFIELD(r, setting, char *) ? *CFIELD(r, setting, char *) :
	      MG_LOCKOUT_REDIS_DEFAULT_URL, fp);
	break;
    case K_REDIS_PREFIX:
	fputs(*CFIELD(r, setting, char *) ? *CFIELD(r, setting, char *) :
	      MG_LOCKOUT_REDIS_DEFAULT_PREFIX, fp);
	break;
    }
}

 /*
  * An empty list (no restriction) would print as nothing at all.
  */
static int is_empty_list(int setting, const struct mg_policy_rules *r)
{
    switch (settings[setting].kind) {
    case K_USERS:
    case K_SERVICES:
	return (CFIELD(r, setting, struct mg_policy_list)->count == 0);
    case K_NETWORKS:
    case K_LISTENERS:
	return (CFIELD(r, setting, struct mg_policy_addrs)->count == 0);
    default:
	return (0);
    }
}

 /*
  * Whether a setting may stand in a section at all: then --all shows it
  * there. [global] shows what it may hold, a mechanism section what
  * applies to it.
  */
static int shown_in(int setting, int section)
{
    const struct setting *s = settings + setting;

    if (section == MG_POLICY_GLOBAL)
	return ((s->where & IN_GLOBAL) != 0);
    if (s->where & GLOBAL_ONLY)
	return (0);
    if (is_client_section(section) && !(s->where & IN_CLIENT))
	return (0);
    if (is_cram_section(section) && (s->where & DIGEST_ONLY))
	return (0);
    return (1);
}

int     mg_policy_section_given(const struct mg_policy *policy, int section)
{
    return (section >= 0 && section < MG_POLICY_SECTIONS
	    && policy->section[section].set != 0);
}

 /*
  * A setting the section gives is a line of its own. With
  * MG_POLICY_PRINT_ALL the others follow as comments with their
  * effective value and where it comes from, so that the output, read
  * back, is the same policy and prints the same again.
  */
void    mg_policy_print_section(const struct mg_policy *policy, int section,
				        unsigned flags, FILE *fp)
{
    int     setting, src;
    const struct mg_policy_rules *r;

    if (section < 0 || section >= MG_POLICY_SECTIONS)
	return;
    for (setting = 0; setting < MG_POLICY_SETTINGS; setting++) {
	if (!shown_in(setting, section))
	    continue;
	if (policy->section[section].set & BIT(setting)) {
	    fprintf(fp, "%s = ", settings[setting].name);
	    print_value(fp, setting, policy->section + section, "");
	    fputc('\n', fp);
	    continue;
	}
	if (!(flags & MG_POLICY_PRINT_ALL))
	    continue;
	if (section == MG_POLICY_GLOBAL) {
	    r = defaults();
	    src = -1;
	} else {
	    r = rules_of(policy, section, setting, &src);
	}
	fprintf(fp, "# %s = ", settings[setting].name);
	if (!is_empty_list(setting, r)) {
	    print_value(fp, setting, r, "#");
	    fputc(' ', fp);
	}
	fprintf(fp, "(%s%s%s%s)\n", is_empty_list(setting, r) ? "empty, " : "",
		src < 0 ? "default" : "from [", src < 0 ? "" : section_names[src],
		src < 0 ? "" : "]");
    }
}

void    mg_policy_print(const struct mg_policy *policy, FILE *fp)
{
    int     section;

    for (section = 0; section < MG_POLICY_SECTIONS; section++) {
	fprintf(fp, "%s[%s]\n", section ? "\n" : "", section_names[section]);
	mg_policy_print_section(policy, section, MG_POLICY_PRINT_ALL, fp);
    }
}
