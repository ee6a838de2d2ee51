/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The readers of what postconf and sasldblistusers2 print, for md5gate
 * doctor, test-login and passwd --postfix (cli/postfix_conf.c).
 *
 * The first byte picks the reader: parameters ("name = value"), scoped
 * parameters ("service/type/name = value", postconf -P), services
 * (postconf -M) or a sasldb listing ("user@realm: property"). An
 * accepted input yields entries whose names are non-empty, bounded and
 * made of letters, digits and "_", whose scopes hold a "/", and whose
 * services have a key "name/type"; realms are bounded and distinct. A
 * refused input gets a plain reason.
 */
#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "cli/postfix_conf.h"

static void check_kvs(const struct pfconf_kv *kvs, size_t count, int scoped)
{
    size_t  i, j, len;

    for (i = 0; i < count; i++) {
	len = strlen(kvs[i].name);
	FUZZ_ASSERT(len > 0 && len <= PFCONF_NAME_MAX, "name length %zu", len);
	for (j = 0; j < len; j++)
	    FUZZ_ASSERT(isalnum((unsigned char) kvs[i].name[j]) || kvs[i].name[j] == '_',
			"name \"%s\"", kvs[i].name);
	FUZZ_ASSERT(scoped == (kvs[i].scope != 0), "scope presence");
	if (scoped)
	    FUZZ_ASSERT(strchr(kvs[i].scope, '/') != 0, "scope \"%s\"", kvs[i].scope);
    }
}

static void check_services(const struct pfconf_service *svcs, size_t count)
{
    size_t  i;

    for (i = 0; i < count; i++) {
	FUZZ_ASSERT(*svcs[i].name && *svcs[i].type && *svcs[i].command, "empty field");
	FUZZ_ASSERT(strlen(svcs[i].key) == strlen(svcs[i].name) + strlen(svcs[i].type) + 1,
		    "key \"%s\"", svcs[i].key);
	FUZZ_ASSERT(svcs[i].chrooted == (strcmp(svcs[i].chroot, "y") == 0), "chrooted");
    }
}

static void check_realms(char **realms, size_t count)
{
    size_t  i, j;

    for (i = 0; i < count; i++) {
	FUZZ_ASSERT(strlen(realms[i]) <= PFCONF_NAME_MAX, "realm length");
	for (j = 0; j < i; j++)
	    FUZZ_ASSERT(strcmp(realms[i], realms[j]) != 0, "realm twice");
    }
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pfconf_kv *kvs = 0;
    struct pfconf_service *svcs = 0;
    char  **realms = 0;
    size_t  count = 0;
    struct mg_error err;
    enum mg_code code;
    const char *text;

    if (size < 1)
	return (0);
    text = (const char *) data + 1;
    switch (data[0] % 4) {
    case 0:
    case 1:
	code = pfconf_parse_params(text, size - 1, data[0] % 4, &kvs, &count, &err);
	if (code == MG_OK)
	    check_kvs(kvs, count, data[0] % 4);
	else
	    fuzz_check_reason(code, &err);
	pfconf_kvs_free(kvs, count);
	break;
    case 2:
	code = pfconf_parse_services(text, size - 1, &svcs, &count, &err);
	if (code == MG_OK)
	    check_services(svcs, count);
	else
	    fuzz_check_reason(code, &err);
	pfconf_services_free(svcs, count);
	break;
    default:
	code = pfconf_parse_sasldb_listing(text, size - 1, &realms, &count, &err);
	if (code == MG_OK)
	    check_realms(realms, count);
	else
	    fuzz_check_reason(code, &err);
	pfconf_strings_free(realms, count);
	break;
    }
    return (0);
}
