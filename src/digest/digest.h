/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	digest 3h
/* SUMMARY
/*	DIGEST-MD5 (RFC 2831) mechanism core
/* SYNOPSIS
/*	#include "digest/digest.h"
/* DESCRIPTION
/*	The core is split like a compiler front end, after GNU SASL's
/*	lib/digest-md5: parse.c turns wire text into structures, print.c
/*	turns structures into wire text, validate.c checks a parsed message
/*	against what this side sent and expects, and compute.c does the
/*	MD5 work (A1, A2, response, rspauth, security-layer keys). No
/*	function here knows about libsasl2; every digest goes through
/*	OpenSSL's EVP interface.
/*
/*	Ownership: every char * member of a challenge or response structure
/*	is a NUL-terminated heap string owned by that structure. The parsers
/*	allocate them, mg_digest_set_string() replaces one, and
/*	mg_digest_challenge_free() or mg_digest_response_free() releases
/*	them all. A structure must be initialised with the matching _init()
/*	function before any of these is called.
/*
/*	Peer values never contain a NUL byte (the parsers refuse them), so
/*	C strings lose nothing.
/*--*/
#ifndef MG_DIGEST_H
#define MG_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "mg_error.h"
#include "mg_util.h"

 /*
  * RFC 2831 limits: a challenge is at most 2048 bytes, a response at most
  * 4096. The realm list bound is ours: more than a handful of realms in
  * one challenge serves no purpose and only costs memory.
  */
#define MG_DIGEST_CHALLENGE_MAX	2048
#define MG_DIGEST_RESPONSE_MAX	4096
#define MG_DIGEST_RSPAUTH_MAX	MG_DIGEST_CHALLENGE_MAX
#define MG_DIGEST_REALMS_MAX	16

#define MG_DIGEST_HASH_LEN	16
#define MG_DIGEST_HEX_LEN	(2 * MG_DIGEST_HASH_LEN)

#define MG_DIGEST_MAXBUF_DEFAULT 65536
#define MG_DIGEST_MAXBUF_MIN	17	/* RFC: "MUST be bigger than 16" */
#define MG_DIGEST_MAXBUF_MAX	16777215

 /*
  * Nonces we generate: 16 random bytes as 32 lower-case hex digits, so
  * they never need quoting and survive any client's parser.
  */
#define MG_DIGEST_NONCE_BYTES	16
#define MG_DIGEST_NONCE_LEN	(2 * MG_DIGEST_NONCE_BYTES)

 /*
  * Quality of protection. A challenge carries a bitmask of these; a
  * response carries exactly one.
  */
enum mg_digest_qop {
    MG_DIGEST_QOP_AUTH = 1,
    MG_DIGEST_QOP_AUTH_INT = 2,
    MG_DIGEST_QOP_AUTH_CONF = 4,
};

 /*
  * Ciphers for auth-conf. A challenge carries a bitmask; a response at
  * most one (0 = none).
  */
enum mg_digest_cipher {
    MG_DIGEST_CIPHER_NONE = 0,
    MG_DIGEST_CIPHER_3DES = 1,
    MG_DIGEST_CIPHER_DES = 2,
    MG_DIGEST_CIPHER_RC4 = 4,
    MG_DIGEST_CIPHER_RC4_40 = 8,
    MG_DIGEST_CIPHER_RC4_56 = 16,
};

 /*
  * The algorithm directive is required and must be md5-sess; the parser
  * records what it saw and validation decides.
  */
enum mg_digest_algorithm {
    MG_DIGEST_ALG_ABSENT = 0,
    MG_DIGEST_ALG_MD5_SESS,
    MG_DIGEST_ALG_OTHER,
};

struct mg_digest_challenge {
    char   *realms[MG_DIGEST_REALMS_MAX];	/* owned */
    size_t  realm_count;
    char   *nonce;			/* owned; required */
    unsigned qops;			/* MG_DIGEST_QOP_* mask; auth if absent */
    int     stale;
    uint32_t maxbuf;			/* MG_DIGEST_MAXBUF_DEFAULT if absent */
    int     utf8;			/* charset=utf-8 */
    enum mg_digest_algorithm algorithm;
    unsigned ciphers;			/* MG_DIGEST_CIPHER_* mask */
};

struct mg_digest_response {
    char   *username;			/* owned; required */
    char   *realm;			/* owned; "" when absent */
    int     has_realm;
    char   *nonce;			/* owned; required */
    char   *cnonce;			/* owned; required */
    uint32_t nc;			/* from exactly 8 hex digits */
    enum mg_digest_qop qop;		/* auth if absent */
    char   *digest_uri;			/* owned; required */
    unsigned char response[MG_DIGEST_HASH_LEN];
    uint32_t maxbuf;			/* MG_DIGEST_MAXBUF_DEFAULT if absent */
    int     utf8;			/* charset=utf-8 */
    enum mg_digest_cipher cipher;	/* NONE if absent */
    char   *authzid;			/* owned; null when absent */
};

 /*
  * The server's final message, "rspauth=" 32 hex digits.
  */
struct mg_digest_rspauth {
    unsigned char rspauth[MG_DIGEST_HASH_LEN];
};

 /*
  * Life cycle and ownership helpers.
  */
extern void mg_digest_challenge_init(struct mg_digest_challenge *);
extern void mg_digest_challenge_free(struct mg_digest_challenge *);
extern void mg_digest_response_init(struct mg_digest_response *);
extern void mg_digest_response_free(struct mg_digest_response *);
extern enum mg_code mg_digest_set_string(char **slot, const char *value,
				                 struct mg_error *);
extern enum mg_code mg_digest_add_realm(struct mg_digest_challenge *,
				                const char *realm,
				                struct mg_error *);
/*
 * The one table of qop values and of ciphers as RFC 2831 spells them, in
 * the order of their bits; each ends with a null name.
 */
extern const struct mg_flag_name mg_digest_qop_names[];
extern const struct mg_flag_name mg_digest_cipher_names[];

extern const char *mg_digest_qop_name(enum mg_digest_qop);
extern const char *mg_digest_cipher_name(enum mg_digest_cipher);

 /*
  * parse.c: the generic directive tokenizer. name points into the input
  * (not NUL-terminated); value points into the lexer's buffer, is
  * NUL-terminated and unescaped, and is overwritten by the next call.
  */
struct mg_digest_lexer {
    const char *cp;
    const char *end;
    char   *buf;
    size_t  bufsize;
};

struct mg_digest_directive {
    const char *name;			/* null at the end of input */
    size_t  name_len;
    const char *value;
    size_t  value_len;
    int     quoted;
};

extern enum mg_code mg_digest_lex_init(struct mg_digest_lexer *,
				               const char *in, size_t len,
				               char *buf, size_t bufsize,
				               struct mg_error *);
extern enum mg_code mg_digest_lex_next(struct mg_digest_lexer *,
				               struct mg_digest_directive *,
				               struct mg_error *);

 /*
  * parse.c: message parsers. On success the structure is (re)filled; on
  * failure it is left initialised and empty. The structure must have
  * been initialised.
  */
extern enum mg_code mg_digest_parse_challenge(const char *in, size_t len,
				                   struct mg_digest_challenge *,
				                      struct mg_error *);
extern enum mg_code mg_digest_parse_response(const char *in, size_t len,
				                    struct mg_digest_response *,
				                     struct mg_error *);
extern enum mg_code mg_digest_parse_rspauth(const char *in, size_t len,
				                     struct mg_digest_rspauth *,
				                    struct mg_error *);

 /*
  * print.c: message printers. buf receives NUL-terminated wire text and
  * *len its length. MG_TOOLONG when the text would exceed the RFC limit,
  * MG_BADPARAM when buf is too small or a value cannot be sent.
  */
extern enum mg_code mg_digest_print_challenge(const struct mg_digest_challenge *,
				                   char *buf, size_t bufsize,
				                      size_t *len, struct mg_error *);
extern enum mg_code mg_digest_print_response(const struct mg_digest_response *,
				                    char *buf, size_t bufsize,
				                     size_t *len, struct mg_error *);
extern enum mg_code mg_digest_print_rspauth(const struct mg_digest_rspauth *,
				                    char *buf, size_t bufsize,
				                    size_t *len, struct mg_error *);

 /*
  * validate.c: semantic checks.
  */
struct mg_digest_uri {
    const char *serv_type;		/* pointers into the digest-uri */
    size_t  serv_type_len;
    const char *host;
    size_t  host_len;
    const char *serv_name;		/* null when absent */
    size_t  serv_name_len;
};

struct mg_digest_expect {
    const char *service;		/* serv-type we are, e.g. "smtp" */
    const char *const *hosts;		/* names we answer to; null-terminated */
    uint32_t nc;			/* expected nonce count, 1 when new */
};

struct mg_digest_report {
    int     host_matched;		/* digest-uri host is one of hosts */
    int     realm_offered;		/* response realm was in the challenge */
    int     stale;			/* refused: nonce or count not current (a replay) */
};

extern enum mg_code mg_digest_split_uri(const char *uri,
				                struct mg_digest_uri *,
				                struct mg_error *);
extern enum mg_code mg_digest_validate_response(const struct mg_digest_challenge *,
				             const struct mg_digest_response *,
				               const struct mg_digest_expect *,
				                     struct mg_digest_report *,
				                        struct mg_error *);
extern enum mg_code mg_digest_validate_challenge(const struct mg_digest_challenge *,
				                         unsigned usable_qops,
				                         struct mg_error *);

 /*
  * compute.c: the secret is either the plaintext password or the 16-byte
  * MD5(user:realm:password) a hashed store keeps. Neither is copied.
  */
enum mg_digest_secret_kind {
    MG_DIGEST_SECRET_PASSWORD,
    MG_DIGEST_SECRET_USERHASH,
};

 /*
  * How user, realm and a plaintext password become bytes to hash. RFC
  * 2831 says: as ISO-8859-1 when charset=utf-8 was sent and every
  * character fits. Stock Cyrus clients never send charset=utf-8 yet
  * always convert, and other clients send it and never convert; a server
  * therefore tries both readings (mg_digest_verify_server()).
  */
enum mg_digest_charset {
    MG_DIGEST_CHARSET_DIRECTIVE = 0,	/* RFC: convert iff resp->utf8 */
    MG_DIGEST_CHARSET_LATIN1,		/* convert when possible (Cyrus) */
    MG_DIGEST_CHARSET_RAW,		/* hash the bytes as they are */
};

struct mg_digest_secret {
    enum mg_digest_secret_kind kind;
    const unsigned char *password;	/* MG_DIGEST_SECRET_PASSWORD */
    size_t  password_len;
    const unsigned char *userhash;	/* MG_DIGEST_SECRET_USERHASH: 16 bytes */
    enum mg_digest_charset charset;	/* plaintext only; 0 = RFC rule */
};

 /* Which A2: "AUTHENTICATE:uri" for the response, ":uri" for rspauth. */
enum mg_digest_a2 {
    MG_DIGEST_A2_RESPONSE,
    MG_DIGEST_A2_RSPAUTH,
};

extern enum mg_code mg_digest_userhash(const char *user, const char *realm,
				               const unsigned char *password,
				               size_t password_len, int utf8,
				       unsigned char out[MG_DIGEST_HASH_LEN],
				               struct mg_error *);
extern enum mg_code mg_digest_ha1(const struct mg_digest_response *,
				          const struct mg_digest_secret *,
				       unsigned char ha1[MG_DIGEST_HASH_LEN],
				          struct mg_error *);
extern enum mg_code mg_digest_kd(const unsigned char ha1[MG_DIGEST_HASH_LEN],
				         const struct mg_digest_response *,
				         enum mg_digest_a2,
				       unsigned char out[MG_DIGEST_HASH_LEN],
				         struct mg_error *);
extern enum mg_code mg_digest_kd_pair(const unsigned char ha1[MG_DIGEST_HASH_LEN],
				              const struct mg_digest_response *,
				       unsigned char response[MG_DIGEST_HASH_LEN],
				        unsigned char rspauth[MG_DIGEST_HASH_LEN],
				              struct mg_error *);
extern enum mg_code mg_digest_compute(const struct mg_digest_response *,
				              const struct mg_digest_secret *,
				              enum mg_digest_a2,
				       unsigned char out[MG_DIGEST_HASH_LEN],
				              struct mg_error *);
extern enum mg_code mg_digest_verify_server(const struct mg_digest_response *,
				               const struct mg_digest_secret *,
				       unsigned char ha1[MG_DIGEST_HASH_LEN],
				                    enum mg_digest_charset *used,
				                    struct mg_error *);
extern enum mg_code mg_digest_verify_server_rspauth(const struct mg_digest_response *,
				               const struct mg_digest_secret *,
				       unsigned char ha1[MG_DIGEST_HASH_LEN],
				                    enum mg_digest_charset *used,
				        unsigned char *rspauth,
				                    struct mg_error *);
extern enum mg_code mg_digest_verify_rspauth(const struct mg_digest_response *,
				               const struct mg_digest_secret *,
				              const struct mg_digest_rspauth *,
				                     struct mg_error *);
extern enum mg_code mg_digest_signing_keys(const unsigned char ha1[MG_DIGEST_HASH_LEN],
				       unsigned char kic[MG_DIGEST_HASH_LEN],
				       unsigned char kis[MG_DIGEST_HASH_LEN],
				                   struct mg_error *);
extern enum mg_code mg_digest_sealing_keys(const unsigned char ha1[MG_DIGEST_HASH_LEN],
				                   enum mg_digest_cipher,
				       unsigned char kcc[MG_DIGEST_HASH_LEN],
				       unsigned char kcs[MG_DIGEST_HASH_LEN],
				                   struct mg_error *);
extern enum mg_code mg_digest_make_nonce(char *buf, size_t bufsize,
				                 struct mg_error *);
extern void mg_digest_md5_release(void);

#endif
