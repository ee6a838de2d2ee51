/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The policy sections of the configuration file (src/policy_parse.c and
 * src/mg_addr.c through src/mg_config.c), read from memory, then
 * decisions (src/policy.c) on facts taken from the tail of the input.
 *
 * Input: the file, then optionally a NUL byte and the facts separated by
 * ASCII RS: mechanism, service, remote "addr;port", local "addr;port",
 * authid, realm, qop, cipher; the first fact byte's low bits pick the
 * side, noplaintext and an external SSF.
 *
 * Invariants: a refused file names the stream and a line; an accepted
 * one holds no "#" or ";" in any list entry or path (both start
 * comments), nor "=" in a list entry (a printed continuation line must not
 * hold one), and gives decisions that either allow with no rule or
 * refuse with a reason and a rule "section.setting" of a known section;
 * the printed configuration, with and without every setting, is itself a
 * file the parser accepts (so never gives a setting twice in a section),
 * which prints exactly the same again; the lockout ticket of the facts
 * (the remote address parsed and normalised by the lockout core) holds at
 * most its bound of keys, each of a known kind, and an address key names a
 * network that parses back and holds the remote address.
 */
#include <string.h>

#include "fuzz.h"
#include "mg_config.h"
#include "policy.h"

#define SEP	0x1e
#define NFACTS	8

static const char *const sections[] = {
    "global.", "cram-md5.", "digest-md5.", "cram-md5:client.", "digest-md5:client.", 0,
};

static void check_decision(const struct mg_policy_decision *d)
{
    int     i;

    if (d->allow) {
	FUZZ_ASSERT(d->rule[0] == 0, "allowed, yet rule \"%s\"", d->rule);
	return;
    }
    FUZZ_ASSERT(d->reason[0] != 0, "refused without a reason");
    for (i = 0; sections[i]; i++)
	if (strncmp(d->rule, sections[i], strlen(sections[i])) == 0)
	    break;
    FUZZ_ASSERT(sections[i] != 0, "rule \"%s\"", d->rule);
}

static void check_no_comment_chars(const struct mg_policy *policy)
{
    const struct mg_policy_rules *r;
    const struct mg_policy_list *lists[3];
    size_t  i, j, k;

    for (i = 0; i < MG_POLICY_SECTIONS; i++) {
	r = policy->section + i;
	lists[0] = &r->users_allow;
	lists[1] = &r->users_deny;
	lists[2] = &r->services;
	for (j = 0; j < 3; j++)
	    for (k = 0; k < lists[j]->count; k++)
		FUZZ_ASSERT(strpbrk(lists[j]->words[k], "#;=") == 0, "entry \"%s\"",
			    lists[j]->words[k]);
	FUZZ_ASSERT(r->lockout_store == 0 || strpbrk(r->lockout_store, "#;") == 0,
		    "lockout_store \"%s\"", r->lockout_store);
    }
}

static char *print(const struct mg_config *cfg, unsigned flags, size_t *len)
{
    char   *text = 0;
    FILE   *fp = open_memstream(&text, len);

    FUZZ_ASSERT(fp != 0, "open_memstream");
    mg_config_print(cfg, flags, fp);
    fclose(fp);
    return (text);
}

static void reparse(const struct mg_config *cfg, unsigned flags)
{
    struct mg_config again;
    struct mg_error err;
    char   *text, *text2;
    size_t  len, len2;
    FILE   *fp;

    text = print(cfg, flags, &len);
    mg_config_init(&again);
    if (len > 0) {
	FUZZ_ASSERT((fp = fmemopen(text, len, "r")) != 0, "fmemopen");
	FUZZ_ASSERT(mg_config_load_stream(fp, "printed", &again, &err) == MG_OK,
		    "printed configuration refused: %s\n%s", err.reason, text);
	fclose(fp);
    }
    text2 = print(&again, flags, &len2);
    FUZZ_ASSERT(strcmp(text, text2) == 0, "printed configuration reads back "
		"differently:\n%s\n---- read back:\n%s", text, text2);
    mg_config_free(&again);
    free(text);
    free(text2);
}

 /*
  * The lockout keys of an attempt with these facts.
  */
static void ticket(const struct mg_policy *policy, const struct mg_policy_facts *f)
{
    struct mg_lockout_ticket t;
    struct mg_addr net, host;
    struct mg_error err;
    char    rule[MG_POLICY_RULE_MAX];
    unsigned prefix;
    size_t  i;

    if (!mg_policy_lockout_ticket(policy, f->mech, f->authid, f->remote, &t, rule,
				  sizeof(rule)))
	return;
    FUZZ_ASSERT(t.nkeys > 0 && t.nkeys <= MG_LOCKOUT_TICKET_KEYS, "%zu keys", t.nkeys);
    for (i = 0; i < t.nkeys; i++) {
	const char *k = t.keys[i].name;

	/* Accounts too long for a plain key are named by their digest. */
	FUZZ_ASSERT(strncmp(k, "user:", 5) == 0 || strncmp(k, "trusted-user:", 13) == 0
		    || strncmp(k, "user#sha256:", 12) == 0
		    || strncmp(k, "trusted-user#sha256:", 20) == 0
		    || strncmp(k, "addr:", 5) == 0, "key \"%s\"", k);
	if (strncmp(k, "addr:", 5) != 0)
	    continue;
	FUZZ_ASSERT(mg_addr_parse_network(k + 5, &net, &prefix, &err) == MG_OK,
		    "address key \"%s\" does not parse back: %s", k, err.reason);
	FUZZ_ASSERT(mg_addr_parse_endpoint(f->remote, &host, 0)
		    && mg_addr_in_network(&net, prefix, &host),
		    "address key \"%s\" does not hold the client", k);
    }
}

static void decide(const struct mg_policy *policy, const char *facts, size_t size)
{
    char    buf[1024], *field[NFACTS], *cp;
    struct mg_policy_facts f;
    struct mg_policy_decision d;
    size_t  n = size < sizeof(buf) - 1 ? size : sizeof(buf) - 1;
    int     i, opts;

    memcpy(buf, facts, n);
    buf[n] = 0;
    opts = n > 0 ? (unsigned char) buf[0] : 0;
    for (i = 0, cp = n > 0 ? buf + 1 : buf; i < NFACTS; i++) {
	field[i] = cp;
	if (cp && (cp = strchr(cp, SEP)) != 0)
	    *cp++ = 0;
    }
    memset(&f, 0, sizeof(f));
    f.side = (opts & 1) ? MG_POLICY_CLIENT : MG_POLICY_SERVER;
    f.noplaintext = (opts & 2) != 0;
    f.external_ssf = (opts & 4) ? (unsigned) (opts >> 3) * 8 : 0;
    f.mech = (opts & 0x80) ? "DIGEST-MD5" : field[0] && *field[0] ? field[0] : "CRAM-MD5";
    f.service = field[1];
    f.remote = field[2];
    f.local = field[3];
    mg_policy_decide(policy, &f, &d);		/* connection facts only */
    check_decision(&d);
    f.authid = field[4];
    f.realm = field[5];
    f.qop = field[6];
    f.cipher = field[7];
    mg_policy_decide(policy, &f, &d);
    check_decision(&d);
    if (f.side == MG_POLICY_SERVER)
	ticket(policy, &f);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mg_config cfg;
    struct mg_error err;
    const uint8_t *nul = memchr(data, 0, size);
    size_t  file_len = nul ? (size_t) (nul - data) : size;
    enum mg_code code;
    FILE   *fp;

    if (file_len == 0 || (fp = fmemopen((void *) data, file_len, "r")) == 0)
	return (0);
    mg_config_init(&cfg);
    code = mg_config_load_stream(fp, "fuzz.conf", &cfg, &err);
    fclose(fp);
    if (code != MG_OK) {
	FUZZ_ASSERT(code == MG_MALFORMED, "code %d", (int) code);
	FUZZ_ASSERT(strncmp(err.reason, "fuzz.conf:", 10) == 0, "reason \"%s\"", err.reason);
	mg_config_free(&cfg);
	return (0);
    }
    check_no_comment_chars(&cfg.policy);
    FUZZ_ASSERT(cfg.audit_file == 0 || strpbrk(cfg.audit_file, "#;") == 0,
		"audit_file \"%s\"", cfg.audit_file);
    reparse(&cfg, 0);
    reparse(&cfg, MG_POLICY_PRINT_ALL);
    if (nul)
	decide(&cfg.policy, (const char *) nul + 1, size - file_len - 1);
    mg_config_free(&cfg);
    return (0);
}
