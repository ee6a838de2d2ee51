/*++
/* NAME
/*	mg_util 3
/* SUMMARY
/*	small helpers of the mechanism core: hex, random, cleansing
/* SYNOPSIS
/*	#include "mg_util.h"
/* DESCRIPTION
/*	Thin wrappers so that every random byte, every comparison of a
/*	digest and every erasure of a secret goes through OpenSSL, in one
/*	place that is easy to audit.
/*
/*	mg_hex_decode() accepts upper and lower case: RFC 2195 asks senders
/*	for lower case, and a receiver gains nothing by refusing the other.
/*--*/
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "mg_util.h"

void    mg_hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t  i;

    for (i = 0; i < len; i++) {
	out[2 * i] = digits[in[i] >> 4];
	out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = 0;
}

static int hex_value(int ch)
{
    if (ch >= '0' && ch <= '9')
	return (ch - '0');
    if (ch >= 'a' && ch <= 'f')
	return (ch - 'a' + 10);
    if (ch >= 'A' && ch <= 'F')
	return (ch - 'A' + 10);
    return (-1);
}

enum mg_code mg_hex_decode(const char *in, size_t inlen, unsigned char *out,
			           size_t outlen, struct mg_error *err)
{
    size_t  i;
    int     hi, lo;

    if (inlen != 2 * outlen)
	return (mg_fail(err, MG_MALFORMED, "hex value has %zu characters, expected %zu",
			inlen, 2 * outlen));
    for (i = 0; i < outlen; i++) {
	hi = hex_value((unsigned char) in[2 * i]);
	lo = hex_value((unsigned char) in[2 * i + 1]);
	if (hi < 0 || lo < 0)
	    return (mg_fail(err, MG_MALFORMED, "hex value contains a non-hex character"));
	out[i] = (unsigned char) (hi << 4 | lo);
    }
    return (MG_OK);
}

enum mg_code mg_random_bytes(unsigned char *buf, size_t len, struct mg_error *err)
{
    if (len > 0x7fffffff || RAND_bytes(buf, (int) len) != 1)
	return (mg_fail(err, MG_INTERNAL, "OpenSSL random generator failed"));
    return (MG_OK);
}

void    mg_cleanse(void *buf, size_t len)
{
    if (buf != 0 && len > 0)
	OPENSSL_cleanse(buf, len);
}

int     mg_equal_ct(const void *a, const void *b, size_t len)
{
    return (CRYPTO_memcmp(a, b, len) == 0);
}
