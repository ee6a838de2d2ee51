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
/*	mg_hex_decode_clear() does the same in one pass by a table, for
/*	values that travel in the clear; it leaves out zeroed when a
/*	character is not hex.
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

 /*
  * Hex digits without a table or a branch on the data (the input is often
  * a digest of a secret): each byte of n holds a nibble, 0-15, and
  * becomes '0'-'9' or 'a'-'f'; ten is 1 in the bytes whose nibble is 10
  * or more. No byte carries into the next.
  */
#define BYTES8(b)	((uint64_t) (b) * 0x0101010101010101ULL)

static uint64_t hex_digits8(uint64_t n)
{
    uint64_t ten = ((n + BYTES8(6)) >> 4) & BYTES8(1);

    return (n + BYTES8('0') + ten * ('a' - '0' - 10));
}

 /*
  * Four bytes to eight digits: byte i's nibbles go to bytes 2i (high
  * nibble) and 2i+1 (low) of n, in memory order.
  */
static void hex_encode4(const unsigned char *in, char *out)
{
    uint64_t spread = (uint64_t) in[0] | (uint64_t) in[1] << 16
    | (uint64_t) in[2] << 32 | (uint64_t) in[3] << 48;
    uint64_t n = hex_digits8(((spread >> 4) & 0x000f000f000f000fULL)
			     | (spread & 0x000f000f000f000fULL) << 8);

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(out, &n, 8);
#else
    int     i;

    for (i = 0; i < 8; i++)
	out[i] = (char) (n >> (8 * i));
#endif
}

void    mg_hex_encode(const unsigned char *in, size_t len, char *out)
{
    uint64_t n;
    size_t  i;

    for (i = 0; i + 4 <= len; i += 4, out += 8)
	hex_encode4(in + i, out);
    for (; i < len; i++, out += 2) {
	n = hex_digits8((uint64_t) (in[i] >> 4) | (uint64_t) (in[i] & 15) << 8);
	out[0] = (char) n;
	out[1] = (char) (n >> 8);
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
    unsigned char bytes[4];

    bytes[0] = (unsigned char) (value >> 24);
    bytes[1] = (unsigned char) (value >> 16);
    bytes[2] = (unsigned char) (value >> 8);
    bytes[3] = (unsigned char) value;
    hex_encode4(bytes, out);
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

#define HEX_DIGIT(ch, value)	[ch] = (value) + 1

 /*
  * A hex digit's value plus one; 0 for anything else. Only for values
  * sent in the clear (a CRAM-MD5 digest, DIGEST-MD5's response, rspauth
  * and nc): stored secrets go through mg_hex_decode(), which does not
  * index a table by their bytes.
  */
static const unsigned char hex_value_plus1[256] = {
    HEX_DIGIT('0', 0), HEX_DIGIT('1', 1), HEX_DIGIT('2', 2), HEX_DIGIT('3', 3),
    HEX_DIGIT('4', 4), HEX_DIGIT('5', 5), HEX_DIGIT('6', 6), HEX_DIGIT('7', 7),
    HEX_DIGIT('8', 8), HEX_DIGIT('9', 9),
    HEX_DIGIT('a', 10), HEX_DIGIT('b', 11), HEX_DIGIT('c', 12), HEX_DIGIT('d', 13),
    HEX_DIGIT('e', 14), HEX_DIGIT('f', 15),
    HEX_DIGIT('A', 10), HEX_DIGIT('B', 11), HEX_DIGIT('C', 12), HEX_DIGIT('D', 13),
    HEX_DIGIT('E', 14), HEX_DIGIT('F', 15),
};

int     mg_hex_decode_clear(const unsigned char *in, unsigned char *out, size_t outlen)
{
    unsigned hi, lo, bad = 0;
    size_t  i;

    for (i = 0; i < outlen; i++) {
	hi = hex_value_plus1[in[2 * i]];
	lo = hex_value_plus1[in[2 * i + 1]];
	bad |= (hi == 0) | (lo == 0);
	out[i] = (unsigned char) ((hi - 1) << 4 | ((lo - 1) & 15));
    }
    if (bad)
	memset(out, 0, outlen);
    return (!bad);
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
