/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	secret 3h
/* SUMMARY
/*	stored CRAM-MD5 and DIGEST-MD5 secrets without plaintext
/* SYNOPSIS
/*	#include "secret.h"
/* DESCRIPTION
/*	A server can verify CRAM-MD5 and DIGEST-MD5 without the password:
/*	CRAM-MD5 needs the two MD5 states after the HMAC key blocks,
/*	DIGEST-MD5 the 16-byte MD5(user:realm:password) of one realm. This
/*	module makes, prints and parses those secrets in three forms:
/*
/*	md5gate's own text form, the value of the auxprop properties
/*	MG_SECRET_PROP_CRAM and MG_SECRET_PROP_DIGEST (text, so that every
/*	auxprop store can keep it: sasldb's store function measures values
/*	with strlen() and would cut a binary value at its first zero byte);
/*
/*	Cyrus SASL's binary cmusaslsecretCRAM-MD5 and cmusaslsecretDIGEST-MD5
/*	values, read by the stock 2.1.28 plugins and written by Cyrus 2.0;
/*
/*	Dovecot's {CRAM-MD5} and {DIGEST-MD5} hex forms (doveadm pw), so that
/*	hashes can move from Dovecot without the passwords.
/*
/*	No libsasl2 type appears here: the plugin glue fetches property
/*	values and hands the bytes to the parsers.
/* USE BY THE PLUGIN
/*	Request "*" MG_SECRET_PROP_CRAM (or _DIGEST) and "*"
/*	MG_SECRET_PROP_CYRUS_CRAM (_DIGEST) with userPassword, before
/*	canon_user performs the lookup. A property may have several values
/*	(LDAP); try each. md5gate values are NUL-terminated text. Cyrus
/*	values are binary: take their length from propval.valsize (with one
/*	value, valsize is its length; checked with libsasl2 2.1.28 and
/*	sasldb by tests/tools/sasl-props), never from strlen(). For DIGEST-MD5,
/*	entry_realm is the realm the user was looked up in. Then, for each
/*	index below count, mg_secret_digest_key() with the response's realm
/*	and mg_digest_verify_server() until one verifies; MG_BADAUTH from
/*	mg_secret_digest_key() means "made for another realm". Erase the
/*	property (utils->prop_erase) and the parsed secret
/*	(mg_secret_*_clear) when done. MG_BADSECRET is a corrupt store:
/*	SASL_FAIL, logged, not the client's fault.
/*--*/
#ifndef MG_SECRET_H
#define MG_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "mg_error.h"
#include "cram.h"
#include "digest/digest.h"

 /*
  * Auxprop property names. Request them with a leading "*" (properties of
  * the authentication identity); store them without it.
  */
#define MG_SECRET_PROP_CRAM		"md5gateCRAM-MD5"
#define MG_SECRET_PROP_DIGEST		"md5gateDIGEST-MD5"
#define MG_SECRET_PROP_CYRUS_CRAM	"cmusaslsecretCRAM-MD5"
#define MG_SECRET_PROP_CYRUS_DIGEST	"cmusaslsecretDIGEST-MD5"

 /*
  * Text form prefixes. md5gate's are versioned so that a later form can be
  * told apart; Dovecot's scheme names are matched without regard to case.
  */
#define MG_SECRET_CRAM_PREFIX		"md5gate1:cram-md5:"
#define MG_SECRET_DIGEST_PREFIX		"md5gate1:digest-md5:"
#define MG_SECRET_DOVECOT_CRAM		"{CRAM-MD5}"
#define MG_SECRET_DOVECOT_DIGEST	"{DIGEST-MD5}"

 /*
  * Sizes. Cyrus's binary forms have exactly these lengths (HMAC_MD5_STATE
  * and one MD5 digest); anything else is refused. A realm is at most 255
  * bytes, like a host name; MG_SECRET_TEXT_MAX holds any text form with
  * every realm byte escaped, plus a NUL.
  */
#define MG_SECRET_CYRUS_CRAM_LEN	32
#define MG_SECRET_CYRUS_DIGEST_LEN	MG_DIGEST_HASH_LEN
#define MG_SECRET_REALM_MAX		255
#define MG_SECRET_TEXT_MAX		(sizeof(MG_SECRET_DIGEST_PREFIX) \
					 + 3 * MG_SECRET_REALM_MAX \
					 + 2 * (1 + MG_DIGEST_HEX_LEN) + 1)

 /*
  * Where a secret came from, or which form to print.
  */
enum mg_secret_form {
    MG_SECRET_FORM_MD5GATE,		/* md5gate1:... text */
    MG_SECRET_FORM_CYRUS,		/* cmusaslsecret* binary */
    MG_SECRET_FORM_DOVECOT,		/* {CRAM-MD5} / {DIGEST-MD5} hex */
};

 /*
  * CRAM-MD5: MD5 words A..D after the inner (key XOR ipad) and outer (key
  * XOR opad) 64-byte blocks, as numbers.
  */
struct mg_secret_cram {
    enum mg_secret_form form;
    uint32_t inner[4];
    uint32_t outer[4];
};

 /*
  * DIGEST-MD5: MD5(user:realm:password) for exactly one realm. With
  * non-ASCII credentials there are two readings (digest/digest.h, enum
  * mg_digest_charset): ISO-8859-1 where representable (RFC 2831, Cyrus
  * clients) and the UTF-8 bytes as they are (many other clients). A
  * secret made from a password keeps both when they differ; count is 1
  * when they agree or only one is known.
  */
struct mg_secret_userhash {
    enum mg_digest_charset reading;	/* _LATIN1 or _RAW */
    unsigned char hash[MG_DIGEST_HASH_LEN];
};

struct mg_secret_digest {
    enum mg_secret_form form;
    char    realm[MG_SECRET_REALM_MAX + 1];	/* the hash's realm */
    size_t  count;			/* 1 or 2 */
    struct mg_secret_userhash hashes[2];
};

 /*
  * From a password (md5gate passwd, md5gate secret).
  */
extern enum mg_code mg_secret_cram_make(const unsigned char *password,
				                size_t password_len,
				                struct mg_secret_cram *,
				                struct mg_error *);
extern enum mg_code mg_secret_digest_make(const char *user, const char *realm,
				              const unsigned char *password,
				                  size_t password_len,
				                  struct mg_secret_digest *,
				                  struct mg_error *);

 /*
  * To a stored form. buf receives the value and a NUL (the Cyrus forms
  * are binary: use *len, not strlen); bufsize MG_SECRET_TEXT_MAX always
  * suffices.
  */
extern enum mg_code mg_secret_cram_format(const struct mg_secret_cram *,
				                  enum mg_secret_form,
				                  char *buf, size_t bufsize,
				                  size_t *len, struct mg_error *);
extern enum mg_code mg_secret_digest_format(const struct mg_secret_digest *,
				                    enum mg_secret_form,
				                    char *buf, size_t bufsize,
				                    size_t *len, struct mg_error *);

 /*
  * From a stored value. mg_secret_*_parse() take the value of an md5gate
  * property: md5gate's form or Dovecot's. The _cyrus() variants take the
  * binary value of a cmusaslsecret* property. Forms that carry no realm
  * (Dovecot's and Cyrus's DIGEST-MD5) are bound to entry_realm, the realm
  * the caller found the value under (for sasldb: the realm of the entry);
  * md5gate's form carries its realm and ignores entry_realm.
  */
extern enum mg_code mg_secret_cram_parse(const char *value, size_t len,
				                 struct mg_secret_cram *,
				                 struct mg_error *);
extern enum mg_code mg_secret_cram_parse_cyrus(const void *value, size_t len,
				                       struct mg_secret_cram *,
				                       struct mg_error *);
extern enum mg_code mg_secret_digest_parse(const char *value, size_t len,
				                   const char *entry_realm,
				                   struct mg_secret_digest *,
				                   struct mg_error *);
extern enum mg_code mg_secret_digest_parse_cyrus(const void *value, size_t len,
				                     const char *entry_realm,
				                         struct mg_secret_digest *,
				                         struct mg_error *);

 /*
  * To the mechanism core. A DIGEST-MD5 key is handed out only for the
  * realm the hash was made for: realm is the response's realm ("" when
  * the client sent none), and another realm is MG_BADAUTH. The key points
  * into the secret, which must outlive it.
  */
extern void mg_secret_cram_key(const struct mg_secret_cram *, struct mg_cram_key *);
extern enum mg_code mg_secret_digest_key(const struct mg_secret_digest *,
				                 const char *realm, size_t index,
				                 struct mg_digest_secret *,
				                 struct mg_error *);

extern void mg_secret_cram_clear(struct mg_secret_cram *);
extern void mg_secret_digest_clear(struct mg_secret_digest *);
extern const char *mg_secret_form_name(enum mg_secret_form);

#endif
