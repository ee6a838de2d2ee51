/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	b64 3
/* SUMMARY
/*	strict base64 for the md5gate command
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	enum mg_code cli_b64_decode(in, len, out, outlen, err)
/*
/*	char	*cli_b64_encode(in, len)
/* DESCRIPTION
/*	SASL in SMTP, IMAP and POP carries each message as one line of
/*	base64 (RFC 4648 section 4, with padding, no line breaks).
/*	cli_b64_decode() checks that form completely before OpenSSL's
/*	EVP_DecodeBlock() does the work, because EVP_DecodeBlock() alone
/*	skips surrounding white space, counts padding as zero bytes and
/*	accepts non-zero trailing bits. Refused, each with its own reason:
/*	a length that is not a multiple of 4, white space, characters
/*	outside the alphabet, "=" anywhere but in the last two places, and
/*	padding whose preceding character has bits set that the padding
/*	says are unused (two encodings of the same bytes would otherwise
/*	both pass). The empty string decodes to nothing.
/*
/*	cli_b64_encode() returns malloc()ed, NUL-terminated base64 from
/*	EVP_EncodeBlock(), or a null pointer when memory runs out.
/* DIAGNOSTICS
/*	MG_MALFORMED with a reason naming the first offending position;
/*	MG_NOMEM; MG_INTERNAL when OpenSSL disagrees with the checks.
/*--*/
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli.h"

#define B64_MAX	(1 << 20)		/* far beyond any SASL message */

static int b64_value(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
	return (ch - 'A');
    if (ch >= 'a' && ch <= 'z')
	return (ch - 'a' + 26);
    if (ch >= '0' && ch <= '9')
	return (ch - '0' + 52);
    if (ch == '+')
	return (62);
    if (ch == '/')
	return (63);
    return (-1);
}

static enum mg_code check_chars(const char *in, size_t len, size_t *pad,
				        struct mg_error *err)
{
    size_t  i;
    unsigned char ch;

    *pad = 0;
    for (i = 0; i < len; i++) {
	ch = (unsigned char) in[i];
	if (ch == '=') {
	    if (i < len - 2 || (i == len - 2 && in[len - 1] != '='))
		return (mg_fail(err, MG_MALFORMED, "\"=\" at position %zu: padding "
				"belongs only at the end", i + 1));
	    (*pad)++;
	    continue;
	}
	if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
	    return (mg_fail(err, MG_MALFORMED, "white space at position %zu", i + 1));
	if (b64_value(ch) < 0)
	    return (mg_fail(err, MG_MALFORMED, "character at position %zu (0x%02x) "
			    "is not in the base64 alphabet", i + 1, ch));
    }
    return (MG_OK);
}

 /*
  * With two "=", the last data character carries 2 bits of data and 4
  * unused ones; with one "=", 4 bits and 2 unused. Unused bits must be 0.
  */
static int canonical_tail(const char *in, size_t len, size_t pad)
{
    if (pad == 2)
	return ((b64_value((unsigned char) in[len - 3]) & 0x0f) == 0);
    if (pad == 1)
	return ((b64_value((unsigned char) in[len - 2]) & 0x03) == 0);
    return (1);
}

enum mg_code cli_b64_decode(const char *in, size_t len, unsigned char **out,
			            size_t *outlen, struct mg_error *err)
{
    unsigned char *buf;
    size_t  pad;
    int     n;
    enum mg_code code;

    *out = 0;
    *outlen = 0;
    if (len > B64_MAX)
	return (mg_fail(err, MG_MALFORMED, "%zu characters is too long", len));
    if ((code = check_chars(in, len, &pad, err)) != MG_OK)
	return (code);
    if (len % 4 != 0)
	return (mg_fail(err, MG_MALFORMED, "%zu characters, not a multiple of 4 "
			"(missing or extra padding?)", len));
    if (!canonical_tail(in, len, pad))
	return (mg_fail(err, MG_MALFORMED, "the character before the padding has "
			"bits set that the padding marks as unused"));
    if ((buf = malloc(len / 4 * 3 + 1)) == 0)
	return (mg_fail(err, MG_NOMEM, "out of memory"));
    n = len ? EVP_DecodeBlock(buf, (const unsigned char *) in, (int) len) : 0;
    if (n < 0 || (size_t) n != len / 4 * 3) {
	free(buf);
	return (mg_fail(err, MG_INTERNAL, "OpenSSL base64 decoding failed"));
    }
    *outlen = (size_t) n - pad;
    buf[*outlen] = 0;
    *out = buf;
    return (MG_OK);
}

char   *cli_b64_encode(const void *in, size_t len)
{
    char   *out;

    if (len > B64_MAX || (out = malloc((len + 2) / 3 * 4 + 1)) == 0)
	return (0);
    EVP_EncodeBlock((unsigned char *) out, in, (int) len);
    return (out);
}
