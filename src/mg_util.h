/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	mg_util 3h
/* SUMMARY
/*	small helpers of the mechanism core: hex, random, cleansing
/* SYNOPSIS
/*	#include "mg_util.h"
/*--*/
#ifndef MG_UTIL_H
#define MG_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "mg_error.h"

/* Lower-case hex of len bytes; out must hold 2*len+1 bytes. */
/*
 * Lists of words separated by white space and commas: the next word at
 * or after list, its length in *len (0 at the end).
 */
#define MG_WORD_SEPARATORS	" ,\t"
extern const char *mg_word_next(const char *list, size_t *len);

/*
 * Names of bits (a table ending with a null name): the bit of the len
 * bytes at name, in any case, or 0.
 */
struct mg_flag_name {
    const char *name;
    unsigned bit;
};
extern unsigned mg_flag_lookup(const struct mg_flag_name *names, const char *name,
			               size_t len);

extern void mg_hex_encode(const unsigned char *in, size_t len, char *out);

/* A 32-bit number as 8 lower-case hex digits and a NUL (DIGEST-MD5's nc). */
extern void mg_hex_u32(uint32_t value, char out[9]);

/*
 * 2*outlen hex digits (either case) sent in the clear to bytes, in one
 * pass; 0, with out zeroed, when one is not a hex digit.
 */
extern int mg_hex_decode_clear(const unsigned char *in, unsigned char *out,
			               size_t outlen);

/* Strict hex decode of exactly 2*outlen characters (either case). */
extern enum mg_code mg_hex_decode(const char *in, size_t inlen,
			          unsigned char *out, size_t outlen,
			          struct mg_error *);

/* Cryptographic random bytes from OpenSSL. */
extern enum mg_code mg_random_bytes(unsigned char *, size_t, struct mg_error *);

/* Erase memory that held a secret, in a way the compiler keeps. */
extern void mg_cleanse(void *, size_t);

/* Constant-time equality of two equal-length buffers: 1 when equal. */
extern int mg_equal_ct(const void *, const void *, size_t);

#endif
