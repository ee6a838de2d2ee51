/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	mg_util 3
/* SUMMARY
/*	small helpers of the mechanism core: hex, random, cleansing
/* SYNOPSIS
/*	#include "mg_util.h"
/*
/*	const char *mg_word_next(list, len)
/*
/*	unsigned mg_flag_lookup(names, name, len)
/* DESCRIPTION
/*	mg_word_next() and mg_flag_lookup() are the one reader of word
/*	lists (policy values, SASL options, realm lists) and of flag names
/*	(qop values, ciphers, TLS evidence).
/*
/*	Thin wrappers so that every random byte, every comparison of a
/*	digest and every erasure of a secret goes through OpenSSL, in one
/*	place that is easy to audit.
/*
/*	mg_hex_decode() accepts upper and lower case: RFC 2195 asks senders
/*	for lower case, and a receiver gains nothing by refusing the other.
/*
/*	mg_random_bytes() hands out bytes of OpenSSL's public generator
/*	(RAND_bytes), drawn RANDOM_POOL_SIZE at a time: a call of the
/*	generator costs about 6 000 instructions whatever its size, and an
/*	exchange needs 8 (CRAM-MD5) or 2 x 16 (DIGEST-MD5) bytes. Every
/*	byte is handed out once and erased from the pool as it goes; a
/*	forked child starts with an empty pool (pthread_atfork), so parent
/*	and child never share a byte. Requests larger than a quarter of
/*	the pool go to the generator directly.
/*--*/
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "mg_util.h"

void    mg_hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *end = in + len;
    unsigned byte;

    /* The byte in a local: out may alias in, which would reload it. */
    for (; in < end; in++) {
	byte = *in;
	out[0] = digits[byte >> 4];
	out[1] = digits[byte & 15];
	out += 2;
    }
    *out = 0;
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

 /*
  * Without printf: a DIGEST-MD5 exchange formats nc four times, and
  * snprintf() took 1 000 instructions each time.
  */
void    mg_hex_u32(uint32_t value, char out[9])
{
    static const char digits[] = "0123456789abcdef";
    int     i;

    for (i = 7; i >= 0; i--) {
	out[i] = digits[value & 15];
	value >>= 4;
    }
    out[8] = 0;
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

#define RANDOM_POOL_SIZE	512

static pthread_mutex_t random_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t random_once = PTHREAD_ONCE_INIT;
static unsigned char random_pool[RANDOM_POOL_SIZE];
static size_t random_left;		/* unused bytes at the pool's end */

static void random_prepare(void)
{
    pthread_mutex_lock(&random_lock);
}

static void random_parent(void)
{
    pthread_mutex_unlock(&random_lock);
}

static void random_child(void)
{
    OPENSSL_cleanse(random_pool, sizeof(random_pool));
    random_left = 0;
    pthread_mutex_unlock(&random_lock);
}

 /*
  * glibc drops these handlers when the plugin is unloaded (dlclose runs
  * __cxa_finalize, which unregisters the fork handlers of the object).
  */
static void random_register(void)
{
    (void) pthread_atfork(random_prepare, random_parent, random_child);
}

enum mg_code mg_random_bytes(unsigned char *buf, size_t len, struct mg_error *err)
{
    unsigned char *from;
    int     ok = 1;

    if (len > RANDOM_POOL_SIZE / 4) {
	if (len > 0x7fffffff || RAND_bytes(buf, (int) len) != 1)
	    return (mg_fail(err, MG_INTERNAL, "OpenSSL random generator failed"));
	return (MG_OK);
    }
    pthread_once(&random_once, random_register);
    pthread_mutex_lock(&random_lock);
    if (random_left < len) {
	if (RAND_bytes(random_pool, RANDOM_POOL_SIZE) == 1)
	    random_left = RANDOM_POOL_SIZE;
	else
	    ok = 0;
    }
    if (ok) {
	from = random_pool + RANDOM_POOL_SIZE - random_left;
	memcpy(buf, from, len);
	OPENSSL_cleanse(from, len);
	random_left -= len;
    }
    pthread_mutex_unlock(&random_lock);
    if (!ok)
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

const char *mg_word_next(const char *list, size_t *len)
{
    list += strspn(list, MG_WORD_SEPARATORS);
    *len = strcspn(list, MG_WORD_SEPARATORS);
    return (list);
}

unsigned mg_flag_lookup(const struct mg_flag_name *names, const char *name, size_t len)
{
    for (/* void */ ; names->name; names++)
	if (strlen(names->name) == len && strncasecmp(names->name, name, len) == 0)
	    return (names->bit);
    return (0);
}
