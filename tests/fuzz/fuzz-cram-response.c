/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CRAM-MD5 response parser (what md5gate's server reads), and the
 * digest the same bytes make as a challenge. Invariants: the user name
 * lies inside the input and printing gives the input back (hex in lower
 * case); the HMAC from precomputed states equals the HMAC from the
 * plaintext key, for short keys and keys longer than a block.
 */
#include <string.h>
#include <ctype.h>

#include "fuzz.h"
#include "cram.h"

static void check_digest(const char *chal, size_t len, const unsigned char *pw,
			         size_t pwlen)
{
    struct mg_cram_key plain, states;
    unsigned char a[MG_CRAM_DIGEST_LEN], b[MG_CRAM_DIGEST_LEN];

    memset(&plain, 0, sizeof(plain));
    plain.kind = MG_CRAM_KEY_PLAINTEXT;
    plain.password = pw;
    plain.password_len = pwlen;
    memset(&states, 0, sizeof(states));
    states.kind = MG_CRAM_KEY_HMAC_STATES;
    FUZZ_ASSERT(mg_cram_hmac_states(pw, pwlen, states.inner, states.outer, 0) == MG_OK,
		"hmac states");
    FUZZ_ASSERT(mg_cram_digest(&plain, chal, len, a, 0) == MG_OK, "digest");
    FUZZ_ASSERT(mg_cram_digest(&states, chal, len, b, 0) == MG_OK, "digest from states");
    FUZZ_ASSERT(memcmp(a, b, sizeof(a)) == 0, "states and plaintext disagree");
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *) data;
    struct mg_cram_response resp;
    struct mg_error err;
    char    buf[MG_CRAM_RESPONSE_MAX + 1];
    size_t  len, i;
    enum mg_code code;

    code = mg_cram_parse_response(in, size, &resp, &err);
    if (code == MG_OK) {
	FUZZ_ASSERT(resp.user == in && resp.user_len > 0
		    && resp.user_len + 1 + MG_CRAM_HEX_LEN == size, "user name bounds");
	code = mg_cram_format_response(resp.user, resp.user_len, resp.digest, buf,
				       sizeof(buf), &len, &err);
	FUZZ_ASSERT(code == MG_OK, "format: %s", err.reason);
	FUZZ_ASSERT(len == size, "formatted %zu bytes of %zu", len, size);
	for (i = 0; i < len; i++)
	    FUZZ_ASSERT(buf[i] == (i > resp.user_len ? tolower((unsigned char) in[i]) : in[i]),
			"formatted response differs at %zu", i);
    } else {
	fuzz_check_reason(code, &err);
    }
    if ((code = mg_cram_check_challenge(in, size, &err)) != MG_OK) {
	fuzz_check_reason(code, &err);
	return (0);
    }
    check_digest(in, size, (const unsigned char *) "tanstaaftanstaaf", 16);
    check_digest(in, size, data, size > 100 ? 100 : size);
    return (0);
}
