/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The values of md5gate's options in the application's SASL
 * configuration (src/mg_options.c), as the plugin checks them when it
 * loads.
 *
 * Input: one byte that picks the option, then the value (up to a NUL).
 *
 * Invariants: a value is either understood (MG_OK) or refused with
 * MG_BADPARAM and a plain ASCII reason that starts with "option NAME: ";
 * what the check accepts, the readers the mechanisms use read the same
 * way (a boolean is yes or no, a cipher list a mask of known ciphers,
 * "none" the empty mask), and what it refuses they refuse too.
 */
#include <string.h>

#include "digest/digest.h"
#include "fuzz.h"
#include "mg_options.h"

#define KNOWN_CIPHERS	(MG_DIGEST_CIPHER_3DES | MG_DIGEST_CIPHER_DES | MG_DIGEST_CIPHER_RC4 \
			 | MG_DIGEST_CIPHER_RC4_40 | MG_DIGEST_CIPHER_RC4_56)

static size_t option_count(void)
{
    size_t  n = 0;

    while (mg_sasl_options[n].name)
	n++;
    return (n);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct mg_sasl_option *opt;
    char    value[2048], prefix[80];
    struct mg_error err;
    enum mg_code code;
    unsigned ciphers = ~0U;
    size_t  len;
    int     flag = -1, read_ok;

    if (size < 1)
	return (0);
    opt = mg_sasl_options + data[0] % option_count();
    FUZZ_ASSERT(mg_sasl_option_find(opt->name) == opt, "find %s", opt->name);
    len = size - 1 < sizeof(value) - 1 ? size - 1 : sizeof(value) - 1;
    memcpy(value, data + 1, len);
    value[len] = 0;
    mg_error_clear(&err);
    code = mg_sasl_option_check(opt, value, &err);
    if (code != MG_OK) {
	FUZZ_ASSERT(code == MG_BADPARAM, "code %d", (int) code);
	fuzz_check_reason(code, &err);
	snprintf(prefix, sizeof(prefix), "option %s: ", opt->name);
	FUZZ_ASSERT(strncmp(err.reason, prefix, strlen(prefix)) == 0, "reason \"%s\"",
		    err.reason);
    }
    switch (opt->kind) {
    case MG_SASL_OPT_BOOL:
	read_ok = mg_sasl_option_bool(value, &flag);
	FUZZ_ASSERT(read_ok == (code == MG_OK), "bool \"%s\": read %d, check %d", value,
		    read_ok, (int) code);
	FUZZ_ASSERT(!read_ok || flag == 0 || flag == 1, "bool %d", flag);
	break;
    case MG_SASL_OPT_CIPHERS:
	read_ok = mg_sasl_option_ciphers(value, &ciphers);
	FUZZ_ASSERT(read_ok == (code == MG_OK), "ciphers \"%s\": read %d, check %d", value,
		    read_ok, (int) code);
	FUZZ_ASSERT(!read_ok || (ciphers & ~KNOWN_CIPHERS) == 0, "mask %#x", ciphers);
	break;
    case MG_SASL_OPT_PATH:
	FUZZ_ASSERT(code != MG_OK || value[0] == '/', "relative path accepted");
	break;
    default:
	break;
    }
    return (0);
}
