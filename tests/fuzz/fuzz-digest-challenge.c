/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DIGEST-MD5 digest-challenge parser (what md5gate's client reads).
 * Invariants: a refusal leaves the structure empty and says why in
 * plain ASCII; whatever parses and prints parses back to the same
 * structure.
 */
#include <string.h>

#include "fuzz.h"
#include "digest/digest.h"

static void same(const struct mg_digest_challenge *a,
		         const struct mg_digest_challenge *b)
{
    size_t  i;

    FUZZ_ASSERT(a->realm_count == b->realm_count, "%zu realms, %zu after printing",
		a->realm_count, b->realm_count);
    for (i = 0; i < a->realm_count; i++)
	FUZZ_ASSERT(strcmp(a->realms[i], b->realms[i]) == 0, "realm %zu differs", i);
    FUZZ_ASSERT(strcmp(a->nonce, b->nonce) == 0, "nonce differs");
    FUZZ_ASSERT(a->qops == b->qops, "qop %#x, %#x", a->qops, b->qops);
    FUZZ_ASSERT(a->ciphers == b->ciphers, "cipher %#x, %#x", a->ciphers, b->ciphers);
    FUZZ_ASSERT(a->stale == b->stale, "stale differs");
    FUZZ_ASSERT(a->maxbuf == b->maxbuf, "maxbuf differs");
    FUZZ_ASSERT(a->utf8 == b->utf8, "charset differs");
    FUZZ_ASSERT(b->algorithm == MG_DIGEST_ALG_MD5_SESS, "printed algorithm");
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mg_digest_challenge a, b;
    struct mg_error err;
    char    buf[MG_DIGEST_CHALLENGE_MAX + 1];
    size_t  len;
    enum mg_code code;

    mg_digest_challenge_init(&a);
    mg_digest_challenge_init(&b);
    code = mg_digest_parse_challenge((const char *) data, size, &a, &err);
    if (code != MG_OK) {
	fuzz_check_reason(code, &err);
	FUZZ_ASSERT(a.nonce == 0 && a.realm_count == 0, "refused, yet filled");
	return (0);
    }
    FUZZ_ASSERT(a.nonce != 0, "parsed without a nonce");
    if ((code = mg_digest_validate_challenge(&a, MG_DIGEST_QOP_AUTH, &err)) != MG_OK)
	fuzz_check_reason(code, &err);
    if ((code = mg_digest_print_challenge(&a, buf, sizeof(buf), &len, &err)) == MG_OK) {
	FUZZ_ASSERT(len == strlen(buf), "length %zu, string %zu", len, strlen(buf));
	code = mg_digest_parse_challenge(buf, len, &b, &err);
	FUZZ_ASSERT(code == MG_OK, "printed challenge does not parse: %s", err.reason);
	same(&a, &b);
    } else {
	fuzz_check_reason(code, &err);
	FUZZ_ASSERT(buf[0] == 0, "refused print left text");
    }
    mg_digest_challenge_free(&a);
    mg_digest_challenge_free(&b);
    return (0);
}
