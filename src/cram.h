/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cram 3h
/* SUMMARY
/*	CRAM-MD5 (RFC 2195) mechanism core
/* SYNOPSIS
/*	#include "cram.h"
/*--*/
#ifndef MG_CRAM_H
#define MG_CRAM_H

#include <stddef.h>
#include <stdint.h>
#include "mg_error.h"

#define MG_CRAM_DIGEST_LEN	16
#define MG_CRAM_HEX_LEN		(2 * MG_CRAM_DIGEST_LEN)

 /*
  * Limits. A challenge is "<" 20 digits "." 20 digits "@" host ">"; host
  * names are at most 255 bytes. A response is a user name, a space and 32
  * hex digits; user names longer than 255 bytes serve no purpose and only
  * cost memory.
  */
#define MG_CRAM_HOST_MAX	255
#define MG_CRAM_CHALLENGE_MAX	1024
#define MG_CRAM_USER_MAX	255
#define MG_CRAM_RESPONSE_MAX	(MG_CRAM_USER_MAX + 1 + MG_CRAM_HEX_LEN)

 /*
  * A parsed client response. user points into the caller's input buffer
  * and is not NUL-terminated.
  */
struct mg_cram_response {
    const char *user;
    size_t  user_len;
    unsigned char digest[MG_CRAM_DIGEST_LEN];
};

 /*
  * A verification key: the plaintext password, or the two MD5 states after
  * the HMAC inner and outer key blocks (what a hashed store keeps).
  */
enum mg_cram_key_kind {
    MG_CRAM_KEY_PLAINTEXT,
    MG_CRAM_KEY_HMAC_STATES,
};

struct mg_cram_key {
    enum mg_cram_key_kind kind;
    const unsigned char *password;	/* MG_CRAM_KEY_PLAINTEXT */
    size_t  password_len;
    uint32_t inner[4];			/* MG_CRAM_KEY_HMAC_STATES: MD5 A..D */
    uint32_t outer[4];			/* after one 64-byte key block each */
};

extern enum mg_code mg_cram_make_challenge(const char *host, char *buf,
				                   size_t bufsize, size_t *len,
				                   struct mg_error *);
extern enum mg_code mg_cram_check_challenge(const char *chal, size_t len,
				                    struct mg_error *);
extern enum mg_code mg_cram_parse_response(const char *in, size_t len,
				                   struct mg_cram_response *,
				                   struct mg_error *);
extern enum mg_code mg_cram_digest(const struct mg_cram_key *,
				           const char *chal, size_t chal_len,
				           unsigned char out[MG_CRAM_DIGEST_LEN],
				           struct mg_error *);
extern enum mg_code mg_cram_verify(const struct mg_cram_key *,
				           const char *chal, size_t chal_len,
				           const struct mg_cram_response *,
				           struct mg_error *);
extern enum mg_code mg_cram_format_response(const char *user, size_t user_len,
			           const unsigned char digest[MG_CRAM_DIGEST_LEN],
				           char *buf, size_t bufsize, size_t *len,
				           struct mg_error *);
extern enum mg_code mg_cram_hmac_states(const unsigned char *password,
				                size_t password_len,
				                uint32_t inner[4],
				                uint32_t outer[4],
				                struct mg_error *);

#endif
