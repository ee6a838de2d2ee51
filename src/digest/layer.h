/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	layer 3h
/* SUMMARY
/*	DIGEST-MD5 security layers: auth-int and auth-conf framing
/* SYNOPSIS
/*	#include "digest/layer.h"
/* DESCRIPTION
/*	See layer.c. No libsasl2 types: the plugin glue adapts these to
/*	sasl_out_params_t encode/decode.
/*--*/
#ifndef MG_DIGEST_LAYER_H
#define MG_DIGEST_LAYER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "digest/digest.h"

 /*
  * Security strength factors we declare, in bits of key: what the cipher
  * really gives (RFC 2831 names no numbers). auth-int is 1 by libsasl2
  * convention. Stock Cyrus says 55 for des; a DES key has 56 bits.
  */
#define MG_LAYER_SSF_INT	1
#define MG_LAYER_SSF_3DES	112
#define MG_LAYER_SSF_DES	56
#define MG_LAYER_SSF_RC4	128
#define MG_LAYER_SSF_RC4_40	40
#define MG_LAYER_SSF_RC4_56	56

#define MG_LAYER_MAC_LEN	10	/* HMAC-MD5 truncated */
#define MG_LAYER_TRAILER_LEN	6	/* message type + sequence number */
#define MG_LAYER_BLOCK		8	/* DES block */

#define MG_LAYER_ALL_CIPHERS	(MG_DIGEST_CIPHER_3DES | MG_DIGEST_CIPHER_DES \
				| MG_DIGEST_CIPHER_RC4 | MG_DIGEST_CIPHER_RC4_40 \
				| MG_DIGEST_CIPHER_RC4_56)
#define MG_LAYER_WEAK_CIPHERS	(MG_LAYER_ALL_CIPHERS & ~MG_DIGEST_CIPHER_3DES)

enum mg_layer_side {
    MG_LAYER_CLIENT,
    MG_LAYER_SERVER,
};

struct mg_layer;

extern unsigned mg_layer_cipher_ssf(enum mg_digest_cipher);
extern unsigned mg_layer_ciphers_available(unsigned wanted, struct mg_error *);
extern void mg_layer_slidebits(unsigned char out[8], const unsigned char in[7]);
extern size_t mg_layer_max_plaintext(enum mg_digest_qop, enum mg_digest_cipher,
				             uint32_t peer_maxbuf);

extern enum mg_code mg_layer_new(struct mg_layer **, enum mg_layer_side,
				         enum mg_digest_qop, enum mg_digest_cipher,
				         const unsigned char ha1[MG_DIGEST_HASH_LEN],
				         uint32_t recv_maxbuf, uint32_t send_maxbuf,
				         struct mg_error *);
extern void mg_layer_free(struct mg_layer *);
extern void mg_layer_library_release(void);
extern size_t mg_layer_maxout(const struct mg_layer *);
extern unsigned mg_layer_ssf(const struct mg_layer *);
extern enum mg_code mg_layer_encodev(struct mg_layer *, const struct iovec *,
				             size_t iovcnt, const unsigned char **out,
				             size_t *outlen, struct mg_error *);
extern enum mg_code mg_layer_encode(struct mg_layer *, const void *in, size_t len,
				            const unsigned char **out, size_t *outlen,
				            struct mg_error *);
extern enum mg_code mg_layer_decode(struct mg_layer *, const void *in, size_t len,
				            const unsigned char **out, size_t *outlen,
				            struct mg_error *);

#endif
