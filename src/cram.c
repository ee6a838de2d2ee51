/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cram 3
/* SUMMARY
/*	CRAM-MD5 (RFC 2195) mechanism core
/* SYNOPSIS
/*	#include "cram.h"
/*
/*	enum mg_code mg_cram_make_challenge(host, buf, bufsize, len, err)
/*
/*	enum mg_code mg_cram_check_challenge(chal, len, err)
/*
/*	enum mg_code mg_cram_parse_response(in, len, resp, err)
/*
/*	enum mg_code mg_cram_digest(key, chal, chal_len, out, err)
/*
/*	enum mg_code mg_cram_verify(key, chal, chal_len, resp, err)
/*
/*	enum mg_code mg_cram_format_response(user, user_len, digest,
/*					buf, bufsize, len, err)
/*
/*	enum mg_code mg_cram_hmac_states(password, password_len,
/*					inner, outer, err)
/* DESCRIPTION
/*	mg_cram_make_challenge() writes a challenge in RFC 822 msg-id form,
/*	<random.timestamp@host>, with 64 bits from OpenSSL's generator. A
/*	host name that is too long or could break the msg-id form is
/*	refused rather than truncated.
/*
/*	mg_cram_check_challenge() is the client's sanity check of what a
/*	server sent: not empty, not oversized, no NUL byte.
/*
/*	mg_cram_parse_response() splits a client response at its last space
/*	(user names may contain spaces) and decodes the 32 hex digits.
/*
/*	mg_cram_digest() computes HMAC-MD5(key, challenge), from the
/*	plaintext or from the precomputed HMAC states; mg_cram_verify()
/*	compares that with a parsed response in constant time.
/*
/*	mg_cram_format_response() writes "user SP hex".
/*
/*	mg_cram_hmac_states() computes the states a hashed store keeps.
/* DIAGNOSTICS
/*	MG_MALFORMED, MG_TOOLONG for bad peer input; MG_BADAUTH when the
/*	digest differs; MG_INTERNAL when OpenSSL fails. Reasons never
/*	contain the digest, the challenge or the password.
/*--*/

 /*
  * Resuming MD5 from a stored state needs the MD5_CTX fields, which only
  * OpenSSL's low-level (deprecated but supported) MD5 interface exposes.
  */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/md5.h>

#include "cram.h"
#include "mg_util.h"

#define HMAC_BLOCK	64

static int host_is_safe(const char *host, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
	unsigned char ch = (unsigned char) host[i];

	if (ch <= ' ' || ch == '<' || ch == '>' || ch == '@' || ch >= 0x7f)
	    return (0);
    }
    return (len > 0);
}

 /*
  * An unsigned number in decimal at p (at most 20 digits, no NUL); the
  * number of digits. A challenge per attempt went through snprintf(),
  * 1 900 instructions, a fifth of what md5gate adds to an exchange.
  */
static size_t put_decimal(char *p, uint64_t value)
{
    char    tmp[20];
    size_t  n = 0, i;

    do {
	tmp[n++] = (char) ('0' + value % 10);
	value /= 10;
    } while (value > 0);
    for (i = 0; i < n; i++)
	p[i] = tmp[n - 1 - i];
    return (n);
}

enum mg_code mg_cram_make_challenge(const char *host, char *buf, size_t bufsize,
				            size_t *len, struct mg_error *err)
{
    uint64_t rnd;
    time_t  now;
    size_t  host_len = host ? strlen(host) : 0;
    size_t  n;

    if (host_len > MG_CRAM_HOST_MAX)
	return (mg_fail(err, MG_BADPARAM, "server host name is longer than %d bytes",
			MG_CRAM_HOST_MAX));
    if (!host_is_safe(host, host_len))
	return (mg_fail(err, MG_BADPARAM, "server host name is empty or contains "
			"characters not allowed in a CRAM-MD5 challenge"));
    if (mg_random_bytes((unsigned char *) &rnd, sizeof(rnd), err) != MG_OK)
	return (MG_INTERNAL);
    now = time((time_t *) 0);
    /* "<" 20 digits "." 20 digits "@" host ">" NUL, without printf. */
    if (bufsize < host_len + 44)
	return (mg_fail(err, MG_BADPARAM, "challenge buffer too small"));
    n = 0;
    buf[n++] = '<';
    n += put_decimal(buf + n, rnd);
    buf[n++] = '.';
    n += put_decimal(buf + n, now < 0 ? 0 : (uint64_t) now);
    buf[n++] = '@';
    memcpy(buf + n, host, host_len);
    n += host_len;
    buf[n++] = '>';
    buf[n] = 0;
    *len = n;
    return (MG_OK);
}

enum mg_code mg_cram_check_challenge(const char *chal, size_t len,
				             struct mg_error *err)
{
    if (len == 0)
	return (mg_fail(err, MG_MALFORMED, "server sent an empty CRAM-MD5 challenge"));
    if (len > MG_CRAM_CHALLENGE_MAX)
	return (mg_fail(err, MG_TOOLONG, "server sent a CRAM-MD5 challenge of %zu "
			"bytes, more than %d", len, MG_CRAM_CHALLENGE_MAX));
    if (memchr(chal, 0, len) != 0)
	return (mg_fail(err, MG_MALFORMED, "CRAM-MD5 challenge contains a NUL byte"));
    return (MG_OK);
}

enum mg_code mg_cram_parse_response(const char *in, size_t len,
				            struct mg_cram_response *resp,
				            struct mg_error *err)
{
    const char *space;
    size_t  hex_len;

    if (len == 0)
	return (mg_fail(err, MG_MALFORMED, "empty CRAM-MD5 response"));
    if (len > MG_CRAM_RESPONSE_MAX)
	return (mg_fail(err, MG_TOOLONG, "CRAM-MD5 response of %zu bytes, more than %d",
			len, MG_CRAM_RESPONSE_MAX));
    if (memchr(in, 0, len) != 0)
	return (mg_fail(err, MG_MALFORMED, "CRAM-MD5 response contains a NUL byte"));
    for (space = in + len; space > in && space[-1] != ' '; space--)
	 /* void */ ;
    if (space == in)
	return (mg_fail(err, MG_MALFORMED, "CRAM-MD5 response has no space between "
			"user name and digest"));
    resp->user = in;
    resp->user_len = (size_t) (space - 1 - in);
    hex_len = len - (size_t) (space - in);
    if (resp->user_len == 0)
	return (mg_fail(err, MG_MALFORMED, "CRAM-MD5 response has an empty user name"));
    if (hex_len != MG_CRAM_HEX_LEN)
	return (mg_fail(err, MG_MALFORMED, "CRAM-MD5 digest has %zu characters, "
			"expected %d hex digits", hex_len, MG_CRAM_HEX_LEN));
    if (!mg_hex_decode_clear((const unsigned char *) space, resp->digest,
			     sizeof(resp->digest)))
	return (mg_fail(err, MG_MALFORMED, "CRAM-MD5 digest contains a non-hex character"));
    return (MG_OK);
}

static void md5_resume(MD5_CTX *ctx, const uint32_t state[4])
{
    MD5_Init(ctx);
    ctx->A = state[0];
    ctx->B = state[1];
    ctx->C = state[2];
    ctx->D = state[3];
    ctx->Nl = HMAC_BLOCK * 8;			/* one block already hashed */
    ctx->Nh = 0;
}

static void md5_export(const MD5_CTX *ctx, uint32_t state[4])
{
    state[0] = ctx->A;
    state[1] = ctx->B;
    state[2] = ctx->C;
    state[3] = ctx->D;
}

static enum mg_code digest_from_states(const struct mg_cram_key *key,
				               const char *chal, size_t chal_len,
				               unsigned char out[MG_CRAM_DIGEST_LEN])
{
    MD5_CTX ctx;
    unsigned char inner_digest[MD5_DIGEST_LENGTH];

    md5_resume(&ctx, key->inner);
    MD5_Update(&ctx, chal, chal_len);
    MD5_Final(inner_digest, &ctx);
    md5_resume(&ctx, key->outer);
    MD5_Update(&ctx, inner_digest, sizeof(inner_digest));
    MD5_Final(out, &ctx);
    mg_cleanse(&ctx, sizeof(ctx));
    mg_cleanse(inner_digest, sizeof(inner_digest));
    return (MG_OK);
}

enum mg_code mg_cram_digest(const struct mg_cram_key *key, const char *chal,
			            size_t chal_len,
			            unsigned char out[MG_CRAM_DIGEST_LEN],
			            struct mg_error *err)
{
    struct mg_cram_key states;
    enum mg_code code;

    if (key->kind == MG_CRAM_KEY_HMAC_STATES)
	return (digest_from_states(key, chal, chal_len, out));

    /*
     * From the plaintext through the same states: OpenSSL's HMAC() fetches
     * the MAC and MD5 implementations anew on every call, which costs
     * several times the hashing of a short challenge.
     */
    states.kind = MG_CRAM_KEY_HMAC_STATES;
    if ((code = mg_cram_hmac_states(key->password, key->password_len,
				    states.inner, states.outer, err)) == MG_OK)
	code = digest_from_states(&states, chal, chal_len, out);
    mg_cleanse(&states, sizeof(states));
    return (code);
}

enum mg_code mg_cram_verify(const struct mg_cram_key *key, const char *chal,
			            size_t chal_len,
			            const struct mg_cram_response *resp,
			            struct mg_error *err)
{
    unsigned char expect[MG_CRAM_DIGEST_LEN];
    enum mg_code code;

    if ((code = mg_cram_digest(key, chal, chal_len, expect, err)) != MG_OK)
	return (code);
    code = mg_equal_ct(expect, resp->digest, sizeof(expect)) ? MG_OK :
	mg_fail(err, MG_BADAUTH, "CRAM-MD5 digest does not match");
    mg_cleanse(expect, sizeof(expect));
    return (code);
}

enum mg_code mg_cram_format_response(const char *user, size_t user_len,
			            const unsigned char digest[MG_CRAM_DIGEST_LEN],
				             char *buf, size_t bufsize, size_t *len,
				             struct mg_error *err)
{
    if (user_len == 0)
	return (mg_fail(err, MG_BADPARAM, "empty CRAM-MD5 user name"));
    if (user_len > MG_CRAM_USER_MAX)
	return (mg_fail(err, MG_BADPARAM, "CRAM-MD5 user name is longer than %d bytes",
			MG_CRAM_USER_MAX));
    if (memchr(user, 0, user_len) != 0)
	return (mg_fail(err, MG_BADPARAM, "CRAM-MD5 user name contains a NUL byte"));
    if (bufsize < user_len + 1 + MG_CRAM_HEX_LEN + 1)
	return (mg_fail(err, MG_BADPARAM, "CRAM-MD5 response buffer too small"));
    memcpy(buf, user, user_len);
    buf[user_len] = ' ';
    mg_hex_encode(digest, MG_CRAM_DIGEST_LEN, buf + user_len + 1);
    *len = user_len + 1 + MG_CRAM_HEX_LEN;
    return (MG_OK);
}

 /*
  * HMAC keys longer than a block are first hashed (RFC 2104); shorter ones
  * are zero-padded. The states are MD5 after the first block of each of
  * the inner and outer hashes.
  */
enum mg_code mg_cram_hmac_states(const unsigned char *password,
				         size_t password_len,
				         uint32_t inner[4], uint32_t outer[4],
				         struct mg_error *err)
{
    unsigned char block[HMAC_BLOCK];
    unsigned char pad[HMAC_BLOCK];
    MD5_CTX ctx;
    size_t  i;

    (void) err;
    memset(block, 0, sizeof(block));
    if (password_len > HMAC_BLOCK)
	MD5(password, password_len, block);
    else if (password_len > 0)
	memcpy(block, password, password_len);
    for (i = 0; i < HMAC_BLOCK; i++)
	pad[i] = block[i] ^ 0x36;
    MD5_Init(&ctx);
    MD5_Update(&ctx, pad, sizeof(pad));
    md5_export(&ctx, inner);
    for (i = 0; i < HMAC_BLOCK; i++)
	pad[i] = block[i] ^ 0x5c;
    MD5_Init(&ctx);
    MD5_Update(&ctx, pad, sizeof(pad));
    md5_export(&ctx, outer);
    mg_cleanse(block, sizeof(block));
    mg_cleanse(pad, sizeof(pad));
    mg_cleanse(&ctx, sizeof(ctx));
    return (MG_OK);
}
