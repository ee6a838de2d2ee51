/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	secret 3
/* SUMMARY
/*	stored CRAM-MD5 and DIGEST-MD5 secrets without plaintext
/* SYNOPSIS
/*	#include "secret.h"
/*
/*	enum mg_code mg_secret_cram_make(password, password_len, sec, err)
/*
/*	enum mg_code mg_secret_digest_make(user, realm, password,
/*					password_len, sec, err)
/*
/*	enum mg_code mg_secret_cram_format(sec, form, buf, bufsize, len, err)
/*
/*	enum mg_code mg_secret_digest_format(sec, form, buf, bufsize, len, err)
/*
/*	enum mg_code mg_secret_cram_parse(value, len, sec, err)
/*
/*	enum mg_code mg_secret_cram_parse_cyrus(value, len, sec, err)
/*
/*	enum mg_code mg_secret_digest_parse(value, len, entry_realm, sec, err)
/*
/*	enum mg_code mg_secret_digest_parse_cyrus(value, len, entry_realm,
/*					sec, err)
/*
/*	void	mg_secret_cram_key(sec, key)
/*
/*	enum mg_code mg_secret_digest_key(sec, realm, index, key, err)
/*
/*	void	mg_secret_cram_clear(sec)
/*
/*	void	mg_secret_digest_clear(sec)
/*
/*	const char *mg_secret_form_name(form)
/* DESCRIPTION
/*	The stored forms, byte for byte (md5gate(1) documents them for
/*	administrators):
/*
/*	md5gate1:cram-md5:HEX
/*		HEX is 64 hex digits: the inner MD5 words A, B, C, D, then
/*		the outer ones, each word as 8 hex digits of its value (most
/*		significant first). These are the bytes of Cyrus's binary
/*		form, in hex.
/*
/*	md5gate1:digest-md5:REALM:HEX[:HEX]
/*		REALM is the realm the hash was made for, with "%", ":",
/*		space, control characters and DEL written as %XX; it may be
/*		empty. The first HEX is MD5(user:realm:password) with each of
/*		the three converted to ISO-8859-1 where every character fits
/*		(RFC 2831); the second, present only when it differs, hashes
/*		the UTF-8 bytes as they are.
/*
/*	cmusaslsecretCRAM-MD5 (binary, 32 bytes)
/*		Cyrus's HMAC_MD5_STATE: istate[4] then ostate[4], each word
/*		in network byte order (lib/md5.c hmac_md5_precalc() stores
/*		htonl(), hmac_md5_import() reads ntohl()).
/*
/*	cmusaslsecretDIGEST-MD5 (binary, 16 bytes)
/*		MD5(user:realm:password) of the realm of the entry it is
/*		stored in, ISO-8859-1 reading (the stock plugin's primary).
/*
/*	{CRAM-MD5}HEX
/*		Dovecot (hmac_md5_get_cram_context()): 64 hex digits, the
/*		OUTER words A..D first, then the inner ones, each word in
/*		little-endian byte order.
/*
/*	{DIGEST-MD5}HEX
/*		Dovecot: 32 hex digits of MD5(user:realm:password) over the
/*		bytes as given (no ISO-8859-1 conversion), for the realm of
/*		the entry; doveadm pw -u user@realm splits at the last "@".
/*
/*	mg_secret_cram_make() and mg_secret_digest_make() compute secrets
/*	from a password; _format() prints one in the form asked for (the
/*	Cyrus forms as binary, NUL-terminated for convenience only).
/*	Printing a DIGEST-MD5 secret in Dovecot's form needs the UTF-8
/*	reading, in Cyrus's form the ISO-8859-1 one.
/*
/*	The parsers are strict: exact prefix, exact length, hex digits only,
/*	no surrounding space, no NUL. A Cyrus value of another length than
/*	32 or 16 bytes is refused (the stock plugins copy whatever is there
/*	without looking at its length).
/*
/*	mg_secret_cram_key() fills a core key of kind
/*	MG_CRAM_KEY_HMAC_STATES. mg_secret_digest_key() fills a core secret
/*	of kind MG_DIGEST_SECRET_USERHASH with reading number index (0 up to
/*	count-1), but only when realm is byte for byte the realm the hash
/*	was made for: a hash for another realm can never verify, and saying
/*	so beats an opaque digest mismatch.
/*
/*	mg_secret_*_clear() erase a secret. mg_secret_form_name() returns
/*	"md5gate", "cyrus" or "dovecot", for audit records.
/* SECURITY
/*	Secrets pass through the caller's structures only; temporary byte
/*	copies are cleansed before return. Reasons never contain secret
/*	bytes or realm text.
/* DIAGNOSTICS
/*	MG_BADSECRET for a stored value that is malformed, MG_BADAUTH from
/*	mg_secret_digest_key() for another realm, MG_BADPARAM for caller
/*	errors (null pointers, small buffers, a realm too long).
/*--*/
#include <string.h>
#include <strings.h>

#include "mg_util.h"
#include "secret.h"

#define CRAM_HEX_LEN	(2 * MG_SECRET_CYRUS_CRAM_LEN)

/* Byte order helpers: explicit, so the forms do not depend on the host. */

static uint32_t get_be32(const unsigned char *p)
{
    return ((uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
	    | (uint32_t) p[2] << 8 | (uint32_t) p[3]);
}

static uint32_t get_le32(const unsigned char *p)
{
    return ((uint32_t) p[3] << 24 | (uint32_t) p[2] << 16
	    | (uint32_t) p[1] << 8 | (uint32_t) p[0]);
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) v;
    p[1] = (unsigned char) (v >> 8);
    p[2] = (unsigned char) (v >> 16);
    p[3] = (unsigned char) (v >> 24);
}

 /*
  * Cyrus order: inner then outer, big-endian words. Dovecot order: outer
  * then inner, little-endian words.
  */
static void cram_to_cyrus(const struct mg_secret_cram *sec, unsigned char out[32])
{
    int     i;

    for (i = 0; i < 4; i++) {
	put_be32(out + 4 * i, sec->inner[i]);
	put_be32(out + 16 + 4 * i, sec->outer[i]);
    }
}

static void cram_from_cyrus(struct mg_secret_cram *sec, const unsigned char in[32])
{
    int     i;

    for (i = 0; i < 4; i++) {
	sec->inner[i] = get_be32(in + 4 * i);
	sec->outer[i] = get_be32(in + 16 + 4 * i);
    }
}

static void cram_to_dovecot(const struct mg_secret_cram *sec, unsigned char out[32])
{
    int     i;

    for (i = 0; i < 4; i++) {
	put_le32(out + 4 * i, sec->outer[i]);
	put_le32(out + 16 + 4 * i, sec->inner[i]);
    }
}

static void cram_from_dovecot(struct mg_secret_cram *sec, const unsigned char in[32])
{
    int     i;

    for (i = 0; i < 4; i++) {
	sec->outer[i] = get_le32(in + 4 * i);
	sec->inner[i] = get_le32(in + 16 + 4 * i);
    }
}

/* Making. */

enum mg_code mg_secret_cram_make(const unsigned char *password, size_t password_len,
				         struct mg_secret_cram *sec,
				         struct mg_error *err)
{
    if (sec == 0 || (password == 0 && password_len > 0))
	return (mg_fail(err, MG_BADPARAM, "mg_secret_cram_make: null argument"));
    memset(sec, 0, sizeof(*sec));
    sec->form = MG_SECRET_FORM_MD5GATE;
    return (mg_cram_hmac_states(password, password_len, sec->inner, sec->outer, err));
}

static enum mg_code set_realm(struct mg_secret_digest *sec, const char *realm,
			              struct mg_error *err)
{
    size_t  len = strlen(realm);

    if (len > MG_SECRET_REALM_MAX)
	return (mg_fail(err, MG_BADPARAM, "realm is longer than %d bytes",
			MG_SECRET_REALM_MAX));
    memcpy(sec->realm, realm, len + 1);
    return (MG_OK);
}

enum mg_code mg_secret_digest_make(const char *user, const char *realm,
				           const unsigned char *password,
				           size_t password_len,
				           struct mg_secret_digest *sec,
				           struct mg_error *err)
{
    enum mg_code code;

    if (sec == 0 || user == 0 || realm == 0 || (password == 0 && password_len > 0))
	return (mg_fail(err, MG_BADPARAM, "mg_secret_digest_make: null argument"));
    memset(sec, 0, sizeof(*sec));
    sec->form = MG_SECRET_FORM_MD5GATE;
    if ((code = set_realm(sec, realm, err)) != MG_OK)
	return (code);
    sec->hashes[0].reading = MG_DIGEST_CHARSET_LATIN1;
    sec->hashes[1].reading = MG_DIGEST_CHARSET_RAW;
    if ((code = mg_digest_userhash(user, realm, password, password_len, 1,
				   sec->hashes[0].hash, err)) != MG_OK
	|| (code = mg_digest_userhash(user, realm, password, password_len, 0,
				      sec->hashes[1].hash, err)) != MG_OK) {
	mg_secret_digest_clear(sec);
	return (code);
    }
    sec->count = 2;
    if (memcmp(sec->hashes[0].hash, sec->hashes[1].hash, MG_DIGEST_HASH_LEN) == 0) {
	mg_cleanse(&sec->hashes[1], sizeof(sec->hashes[1]));
	sec->count = 1;
    }
    return (MG_OK);
}

/* Printing. */

 /*
  * A bounded writer: stores while there is room, and reports whether
  * everything fitted (with the NUL) at the end.
  */
struct out {
    char   *buf;
    size_t  size;
    size_t  len;
    int     overflow;
};

static void out_put(struct out *op, const void *data, size_t n)
{
    if (op->overflow || n >= op->size - op->len) {
	op->overflow = 1;
	return;
    }
    memcpy(op->buf + op->len, data, n);
    op->len += n;
    op->buf[op->len] = 0;
}

static void out_str(struct out *op, const char *str)
{
    out_put(op, str, strlen(str));
}

static void out_hex(struct out *op, const unsigned char *data, size_t n)
{
    char    hex[2 * MG_SECRET_CYRUS_CRAM_LEN + 1];

    mg_hex_encode(data, n, hex);
    out_put(op, hex, 2 * n);
    mg_cleanse(hex, sizeof(hex));
}

static int realm_byte_escaped(unsigned char ch)
{
    return (ch <= ' ' || ch == 0x7f || ch == '%' || ch == ':');
}

static void out_realm(struct out *op, const char *realm)
{
    static const char digits[] = "0123456789ABCDEF";
    const unsigned char *cp;
    char    esc[3];

    for (cp = (const unsigned char *) realm; *cp; cp++) {
	if (realm_byte_escaped(*cp)) {
	    esc[0] = '%';
	    esc[1] = digits[*cp >> 4];
	    esc[2] = digits[*cp & 15];
	    out_put(op, esc, 3);
	} else {
	    out_put(op, cp, 1);
	}
    }
}

static enum mg_code out_end(struct out *op, size_t *len, struct mg_error *err)
{
    if (op->overflow) {
	if (op->size > 0)
	    mg_cleanse(op->buf, op->size);
	return (mg_fail(err, MG_BADPARAM, "secret buffer too small"));
    }
    *len = op->len;
    return (MG_OK);
}

static int out_begin(struct out *op, char *buf, size_t bufsize)
{
    op->buf = buf;
    op->size = bufsize;
    op->len = 0;
    op->overflow = (buf == 0 || bufsize == 0);
    if (!op->overflow)
	buf[0] = 0;
    return (!op->overflow);
}

enum mg_code mg_secret_cram_format(const struct mg_secret_cram *sec,
				           enum mg_secret_form form, char *buf,
				           size_t bufsize, size_t *len,
				           struct mg_error *err)
{
    unsigned char bytes[MG_SECRET_CYRUS_CRAM_LEN];
    struct out out;

    if (sec == 0 || len == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_secret_cram_format: null argument"));
    out_begin(&out, buf, bufsize);
    switch (form) {
    case MG_SECRET_FORM_MD5GATE:
	cram_to_cyrus(sec, bytes);
	out_str(&out, MG_SECRET_CRAM_PREFIX);
	out_hex(&out, bytes, sizeof(bytes));
	break;
    case MG_SECRET_FORM_CYRUS:
	cram_to_cyrus(sec, bytes);
	out_put(&out, bytes, sizeof(bytes));
	break;
    case MG_SECRET_FORM_DOVECOT:
	cram_to_dovecot(sec, bytes);
	out_str(&out, MG_SECRET_DOVECOT_CRAM);
	out_hex(&out, bytes, sizeof(bytes));
	break;
    default:
	return (mg_fail(err, MG_BADPARAM, "unknown secret form"));
    }
    mg_cleanse(bytes, sizeof(bytes));
    return (out_end(&out, len, err));
}

static const struct mg_secret_userhash *find_reading(const struct mg_secret_digest *sec,
					             enum mg_digest_charset reading)
{
    size_t  i;

    if (sec->count == 1)
	return (&sec->hashes[0]);
    for (i = 0; i < sec->count && i < 2; i++)
	if (sec->hashes[i].reading == reading)
	    return (&sec->hashes[i]);
    return (0);
}

enum mg_code mg_secret_digest_format(const struct mg_secret_digest *sec,
				             enum mg_secret_form form, char *buf,
				             size_t bufsize, size_t *len,
				             struct mg_error *err)
{
    const struct mg_secret_userhash *uh;
    struct out out;
    size_t  i;

    if (sec == 0 || len == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_secret_digest_format: null argument"));
    if (sec->count < 1 || sec->count > 2)
	return (mg_fail(err, MG_BADPARAM, "DIGEST-MD5 secret holds no hash"));
    out_begin(&out, buf, bufsize);
    switch (form) {
    case MG_SECRET_FORM_MD5GATE:
	out_str(&out, MG_SECRET_DIGEST_PREFIX);
	out_realm(&out, sec->realm);
	for (i = 0; i < sec->count; i++) {
	    out_put(&out, ":", 1);
	    out_hex(&out, sec->hashes[i].hash, MG_DIGEST_HASH_LEN);
	}
	break;
    case MG_SECRET_FORM_CYRUS:
	if ((uh = find_reading(sec, MG_DIGEST_CHARSET_LATIN1)) == 0)
	    return (mg_fail(err, MG_BADPARAM, "no ISO-8859-1 reading for Cyrus's form"));
	out_put(&out, uh->hash, MG_DIGEST_HASH_LEN);
	break;
    case MG_SECRET_FORM_DOVECOT:
	if ((uh = find_reading(sec, MG_DIGEST_CHARSET_RAW)) == 0)
	    return (mg_fail(err, MG_BADPARAM, "no UTF-8 reading for Dovecot's form"));
	out_str(&out, MG_SECRET_DOVECOT_DIGEST);
	out_hex(&out, uh->hash, MG_DIGEST_HASH_LEN);
	break;
    default:
	return (mg_fail(err, MG_BADPARAM, "unknown secret form"));
    }
    return (out_end(&out, len, err));
}

/* Parsing. */

static int has_prefix(const char *value, size_t len, const char *prefix,
		              int ignore_case)
{
    size_t  plen = strlen(prefix);

    if (len < plen)
	return (0);
    return (ignore_case ? strncasecmp(value, prefix, plen) == 0 :
	    memcmp(value, prefix, plen) == 0);
}

static enum mg_code value_sane(const char *what, const char *value, size_t len,
			               struct mg_error *err)
{
    if (value == 0)
	return (mg_fail(err, MG_BADPARAM, "null %s value", what));
    if (len > MG_SECRET_TEXT_MAX)
	return (mg_fail(err, MG_BADSECRET, "stored %s secret is %zu bytes long, "
			"more than any valid form", what, len));
    if (memchr(value, 0, len) != 0)
	return (mg_fail(err, MG_BADSECRET, "stored %s secret contains a NUL byte", what));
    return (MG_OK);
}

static enum mg_code hex_field(const char *what, const char *hex, size_t hex_len,
			              unsigned char *out, size_t out_len,
			              struct mg_error *err)
{
    if (hex_len != 2 * out_len)
	return (mg_fail(err, MG_BADSECRET, "stored %s secret has %zu hex digits "
			"where %zu belong", what, hex_len, 2 * out_len));
    if (mg_hex_decode(hex, hex_len, out, out_len, err) != MG_OK) {
	mg_cleanse(out, out_len);
	return (mg_fail(err, MG_BADSECRET, "stored %s secret contains a "
			"character that is not a hex digit", what));
    }
    return (MG_OK);
}

enum mg_code mg_secret_cram_parse(const char *value, size_t len,
				          struct mg_secret_cram *sec,
				          struct mg_error *err)
{
    unsigned char bytes[MG_SECRET_CYRUS_CRAM_LEN];
    size_t  plen;
    enum mg_secret_form form;
    enum mg_code code;

    if (sec == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_secret_cram_parse: null argument"));
    memset(sec, 0, sizeof(*sec));
    if ((code = value_sane("CRAM-MD5", value, len, err)) != MG_OK)
	return (code);
    if (has_prefix(value, len, MG_SECRET_CRAM_PREFIX, 0)) {
	form = MG_SECRET_FORM_MD5GATE;
	plen = strlen(MG_SECRET_CRAM_PREFIX);
    } else if (has_prefix(value, len, MG_SECRET_DOVECOT_CRAM, 1)) {
	form = MG_SECRET_FORM_DOVECOT;
	plen = strlen(MG_SECRET_DOVECOT_CRAM);
    } else {
	return (mg_fail(err, MG_BADSECRET, "stored CRAM-MD5 secret starts with "
			"neither " MG_SECRET_CRAM_PREFIX " nor "
			MG_SECRET_DOVECOT_CRAM));
    }
    if ((code = hex_field("CRAM-MD5", value + plen, len - plen, bytes,
			  sizeof(bytes), err)) != MG_OK)
	return (code);
    if (form == MG_SECRET_FORM_MD5GATE)
	cram_from_cyrus(sec, bytes);
    else
	cram_from_dovecot(sec, bytes);
    sec->form = form;
    mg_cleanse(bytes, sizeof(bytes));
    return (MG_OK);
}

enum mg_code mg_secret_cram_parse_cyrus(const void *value, size_t len,
				                struct mg_secret_cram *sec,
				                struct mg_error *err)
{
    if (sec == 0 || value == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_secret_cram_parse_cyrus: null argument"));
    memset(sec, 0, sizeof(*sec));
    if (len != MG_SECRET_CYRUS_CRAM_LEN)
	return (mg_fail(err, MG_BADSECRET, MG_SECRET_PROP_CYRUS_CRAM " value has "
			"%zu bytes, expected %d", len, MG_SECRET_CYRUS_CRAM_LEN));
    cram_from_cyrus(sec, value);
    sec->form = MG_SECRET_FORM_CYRUS;
    return (MG_OK);
}

static int hex_digit(int ch)
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
  * The realm field of md5gate's DIGEST-MD5 form: %XX escapes decoded;
  * bytes that must be escaped are refused when they appear bare, and so is
  * an escaped NUL.
  */
static enum mg_code parse_realm(const char *in, size_t len, char *out,
				        struct mg_error *err)
{
    size_t  i, n = 0;
    int     hi, lo;
    unsigned char ch;

    for (i = 0; i < len; i++) {
	ch = (unsigned char) in[i];
	if (ch == '%') {
	    if (i + 2 >= len)
		return (mg_fail(err, MG_BADSECRET, "stored DIGEST-MD5 secret has "
				"a truncated %% escape in its realm"));
	    hi = hex_digit((unsigned char) in[i + 1]);
	    lo = hex_digit((unsigned char) in[i + 2]);
	    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
		return (mg_fail(err, MG_BADSECRET, "stored DIGEST-MD5 secret has "
				"an invalid %% escape in its realm"));
	    ch = (unsigned char) (hi << 4 | lo);
	    i += 2;
	} else if (realm_byte_escaped(ch)) {
	    return (mg_fail(err, MG_BADSECRET, "stored DIGEST-MD5 secret has an "
			    "unescaped space or control character in its realm"));
	}
	if (n >= MG_SECRET_REALM_MAX)
	    return (mg_fail(err, MG_BADSECRET, "stored DIGEST-MD5 secret has a "
			    "realm longer than %d bytes", MG_SECRET_REALM_MAX));
	out[n++] = (char) ch;
    }
    out[n] = 0;
    return (MG_OK);
}

static enum mg_code parse_md5gate_digest(const char *value, size_t len,
				                 struct mg_secret_digest *sec,
				                 struct mg_error *err)
{
    const char *cp = value + strlen(MG_SECRET_DIGEST_PREFIX);
    const char *end = value + len;
    const char *colon;
    enum mg_code code;

    if ((colon = memchr(cp, ':', (size_t) (end - cp))) == 0)
	return (mg_fail(err, MG_BADSECRET, "stored DIGEST-MD5 secret has no hash "
			"after its realm"));
    if ((code = parse_realm(cp, (size_t) (colon - cp), sec->realm, err)) != MG_OK)
	return (code);
    cp = colon + 1;
    colon = memchr(cp, ':', (size_t) (end - cp));
    sec->hashes[0].reading = MG_DIGEST_CHARSET_LATIN1;
    if ((code = hex_field("DIGEST-MD5", cp, (size_t) ((colon ? colon : end) - cp),
			  sec->hashes[0].hash, MG_DIGEST_HASH_LEN, err)) != MG_OK)
	return (code);
    sec->count = 1;
    if (colon == 0)
	return (MG_OK);
    cp = colon + 1;
    sec->hashes[1].reading = MG_DIGEST_CHARSET_RAW;
    if ((code = hex_field("DIGEST-MD5", cp, (size_t) (end - cp),
			  sec->hashes[1].hash, MG_DIGEST_HASH_LEN, err)) != MG_OK)
	return (code);
    sec->count = 2;
    return (MG_OK);
}

static enum mg_code entry_realm_set(struct mg_secret_digest *sec,
				            const char *entry_realm, const char *what,
				            struct mg_error *err)
{
    if (entry_realm == 0)
	return (mg_fail(err, MG_BADPARAM, "%s carries no realm: the caller must "
			"name the realm it was stored for", what));
    return (set_realm(sec, entry_realm, err));
}

enum mg_code mg_secret_digest_parse(const char *value, size_t len,
				            const char *entry_realm,
				            struct mg_secret_digest *sec,
				            struct mg_error *err)
{
    size_t  plen = strlen(MG_SECRET_DOVECOT_DIGEST);
    enum mg_code code;

    if (sec == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_secret_digest_parse: null argument"));
    memset(sec, 0, sizeof(*sec));
    if ((code = value_sane("DIGEST-MD5", value, len, err)) != MG_OK)
	return (code);
    if (has_prefix(value, len, MG_SECRET_DIGEST_PREFIX, 0)) {
	sec->form = MG_SECRET_FORM_MD5GATE;
	code = parse_md5gate_digest(value, len, sec, err);
    } else if (has_prefix(value, len, MG_SECRET_DOVECOT_DIGEST, 1)) {
	sec->form = MG_SECRET_FORM_DOVECOT;
	sec->hashes[0].reading = MG_DIGEST_CHARSET_RAW;
	if ((code = entry_realm_set(sec, entry_realm, "a Dovecot DIGEST-MD5 hash",
				    err)) == MG_OK
	    && (code = hex_field("DIGEST-MD5", value + plen, len - plen,
				 sec->hashes[0].hash, MG_DIGEST_HASH_LEN,
				 err)) == MG_OK)
	    sec->count = 1;
    } else {
	code = mg_fail(err, MG_BADSECRET, "stored DIGEST-MD5 secret starts with "
		       "neither " MG_SECRET_DIGEST_PREFIX " nor "
		       MG_SECRET_DOVECOT_DIGEST);
    }
    if (code != MG_OK)
	mg_secret_digest_clear(sec);
    return (code);
}

enum mg_code mg_secret_digest_parse_cyrus(const void *value, size_t len,
				                  const char *entry_realm,
				                  struct mg_secret_digest *sec,
				                  struct mg_error *err)
{
    enum mg_code code;

    if (sec == 0 || value == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_secret_digest_parse_cyrus: null argument"));
    memset(sec, 0, sizeof(*sec));
    if (len != MG_SECRET_CYRUS_DIGEST_LEN)
	return (mg_fail(err, MG_BADSECRET, MG_SECRET_PROP_CYRUS_DIGEST " value has "
			"%zu bytes, expected %d", len, MG_SECRET_CYRUS_DIGEST_LEN));
    if ((code = entry_realm_set(sec, entry_realm, "a Cyrus DIGEST-MD5 secret",
				err)) != MG_OK)
	return (code);
    sec->form = MG_SECRET_FORM_CYRUS;
    sec->hashes[0].reading = MG_DIGEST_CHARSET_LATIN1;
    memcpy(sec->hashes[0].hash, value, MG_DIGEST_HASH_LEN);
    sec->count = 1;
    return (MG_OK);
}

/* Using. */

void    mg_secret_cram_key(const struct mg_secret_cram *sec, struct mg_cram_key *key)
{
    memset(key, 0, sizeof(*key));
    key->kind = MG_CRAM_KEY_HMAC_STATES;
    memcpy(key->inner, sec->inner, sizeof(key->inner));
    memcpy(key->outer, sec->outer, sizeof(key->outer));
}

enum mg_code mg_secret_digest_key(const struct mg_secret_digest *sec,
				          const char *realm, size_t index,
				          struct mg_digest_secret *key,
				          struct mg_error *err)
{
    if (sec == 0 || realm == 0 || key == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_secret_digest_key: null argument"));
    memset(key, 0, sizeof(*key));
    if (index >= sec->count || index >= 2)
	return (mg_fail(err, MG_BADPARAM, "DIGEST-MD5 secret has no hash number %zu",
			index));
    if (strcmp(realm, sec->realm) != 0)
	return (mg_fail(err, MG_BADAUTH, "stored DIGEST-MD5 secret was made for "
			"another realm"));
    key->kind = MG_DIGEST_SECRET_USERHASH;
    key->userhash = sec->hashes[index].hash;
    key->charset = sec->hashes[index].reading;
    return (MG_OK);
}

void    mg_secret_cram_clear(struct mg_secret_cram *sec)
{
    if (sec != 0)
	mg_cleanse(sec, sizeof(*sec));
}

void    mg_secret_digest_clear(struct mg_secret_digest *sec)
{
    if (sec != 0)
	mg_cleanse(sec, sizeof(*sec));
}

const char *mg_secret_form_name(enum mg_secret_form form)
{
    switch (form) {
    case MG_SECRET_FORM_MD5GATE:
	return ("md5gate");
    case MG_SECRET_FORM_CYRUS:
	return ("cyrus");
    case MG_SECRET_FORM_DOVECOT:
	return ("dovecot");
    }
    return ("unknown");
}
