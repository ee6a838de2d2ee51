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
extern void mg_hex_encode(const unsigned char *in, size_t len, char *out);

/* A 32-bit number as 8 lower-case hex digits and a NUL (DIGEST-MD5's nc). */
extern void mg_hex_u32(uint32_t value, char out[9]);

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
