/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DIGEST-MD5 rspauth parser (the server's last word, read by md5gate's
 * client). A parsed rspauth prints and parses back to the same bytes.
 */
#include <string.h>

#include "fuzz.h"
#include "digest/digest.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct mg_digest_rspauth empty;
    struct mg_digest_rspauth a, b;
    struct mg_error err;
    char    buf[MG_DIGEST_RSPAUTH_MAX + 1];
    size_t  len;
    enum mg_code code;

    code = mg_digest_parse_rspauth((const char *) data, size, &a, &err);
    if (code != MG_OK) {
	fuzz_check_reason(code, &err);
	FUZZ_ASSERT(memcmp(&a, &empty, sizeof(a)) == 0, "refused, yet filled");
	return (0);
    }
    code = mg_digest_print_rspauth(&a, buf, sizeof(buf), &len, &err);
    FUZZ_ASSERT(code == MG_OK, "print: %s", err.reason);
    code = mg_digest_parse_rspauth(buf, len, &b, &err);
    FUZZ_ASSERT(code == MG_OK, "printed rspauth does not parse: %s", err.reason);
    FUZZ_ASSERT(memcmp(&a, &b, sizeof(a)) == 0, "rspauth differs after printing");
    return (0);
}
