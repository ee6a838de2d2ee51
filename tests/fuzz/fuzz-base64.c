/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The md5gate command's base64 (cli/b64.c), which reads every SASL
 * message given on its command line.
 *
 * Decoding: the input is accepted exactly when it is canonical RFC 4648
 * base64 as SASL sends it: a multiple of 4 characters from the alphabet,
 * at most two "=" and only at the end, no data bits set under the
 * padding, at most 1 MB; nothing else, not even white space. An
 * accepted input has one encoding, so the bytes it decodes to re-encode
 * to the input itself. A refused input gets a reason and no bytes.
 *
 * Encoding: the input's bytes encode to (len + 2) / 3 * 4 characters
 * that decode back to the same bytes.
 */
#include <string.h>

#include "fuzz.h"
#include "cli/cli.h"

static int b64_value(int ch)
{
    const char *alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *cp;

    if (ch == 0 || (cp = strchr(alphabet, ch)) == 0)
	return (-1);
    return ((int) (cp - alphabet));
}

 /*
  * The definition above, spelled out independently of b64.c. Sets *pad
  * to the number of "=".
  */
static int canonical(const unsigned char *in, size_t len, size_t *pad)
{
    size_t  i;

    *pad = 0;
    if (len % 4 != 0 || len > 1 << 20)	/* b64.c's cap on a message */
	return (0);
    while (*pad < 2 && *pad < len && in[len - 1 - *pad] == '=')
	(*pad)++;
    for (i = 0; i < len - *pad; i++)
	if (b64_value(in[i]) < 0)
	    return (0);
    if (*pad == 2)
	return ((b64_value(in[len - 3]) & 0x0f) == 0);
    if (*pad == 1)
	return ((b64_value(in[len - 2]) & 0x03) == 0);
    return (1);
}

static void check_decode(const uint8_t *data, size_t size)
{
    struct mg_error err;
    unsigned char *out;
    size_t  outlen;
    size_t  pad;
    char   *again;
    enum mg_code code;
    int     want;

    want = canonical(data, size, &pad);
    code = cli_b64_decode((const char *) data, size, &out, &outlen, &err);
    if (code != MG_OK) {
	fuzz_check_reason(code, &err);
	FUZZ_ASSERT(code == MG_MALFORMED, "refused with %d: %s", (int) code, err.reason);
	FUZZ_ASSERT(!want, "canonical base64 refused: %s", err.reason);
	FUZZ_ASSERT(out == 0 && outlen == 0, "refused, yet %zu bytes out", outlen);
	return;
    }
    FUZZ_ASSERT(want, "accepted %zu characters that are not canonical base64", size);
    FUZZ_ASSERT(out != 0, "accepted without output");
    FUZZ_ASSERT(outlen == size / 4 * 3 - pad, "%zu characters gave %zu bytes",
		size, outlen);
    FUZZ_ASSERT(out[outlen] == 0, "output not terminated");
    again = cli_b64_encode(out, outlen);
    FUZZ_ASSERT(again != 0, "re-encoding failed");
    FUZZ_ASSERT(strlen(again) == size && memcmp(again, data, size) == 0,
		"re-encoded to something else");
    free(again);
    free(out);
}

static void check_encode(const uint8_t *data, size_t size)
{
    struct mg_error err;
    unsigned char *out;
    size_t  outlen;
    char   *text;
    enum mg_code code;

    text = cli_b64_encode(data, size);
    FUZZ_ASSERT(text != 0, "encoding %zu bytes failed", size);
    FUZZ_ASSERT(strlen(text) == (size + 2) / 3 * 4, "%zu bytes gave %zu characters",
		size, strlen(text));
    code = cli_b64_decode(text, strlen(text), &out, &outlen, &err);
    FUZZ_ASSERT(code == MG_OK, "own encoding refused: %s", err.reason);
    FUZZ_ASSERT(outlen == size && (size == 0 || memcmp(out, data, size) == 0),
		"round trip gave %zu bytes for %zu", outlen, size);
    free(out);
    free(text);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_decode(data, size);
    check_encode(data, size);
    return (0);
}
