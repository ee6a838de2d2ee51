/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	compute 3
/* SUMMARY
/*	DIGEST-MD5 digests and session keys
/* SYNOPSIS
/*	#include "digest/digest.h"
/*
/*	enum mg_code mg_digest_userhash(user, realm, password, password_len,
/*					utf8, out, err)
/*
/*	enum mg_code mg_digest_ha1(resp, secret, ha1, err)
/*
/*	enum mg_code mg_digest_kd(ha1, resp, which, out, err)
/*
/*	enum mg_code mg_digest_kd_pair(ha1, resp, response, rspauth, err)
/*
/*	enum mg_code mg_digest_compute(resp, secret, which, out, err)
/*
/*	enum mg_code mg_digest_verify_server(resp, secret, ha1, used, err)
/*
/*	enum mg_code mg_digest_verify_server_rspauth(resp, secret, ha1, used,
/*					rspauth, err)
/*
/*	enum mg_code mg_digest_verify_rspauth(resp, secret, ra, err)
/*
/*	enum mg_code mg_digest_signing_keys(ha1, kic, kis, err)
/*
/*	enum mg_code mg_digest_sealing_keys(ha1, cipher, kcc, kcs, err)
/*
/*	enum mg_code mg_digest_make_nonce(buf, bufsize, err)
/*
/*	void	mg_digest_md5_release()
/* DESCRIPTION
/*	RFC 2831 section 2.1.2.1, with every MD5 done by OpenSSL EVP.
/*
/*	mg_digest_userhash() computes MD5(user ":" realm ":" password), the
/*	value a hashed store keeps. With utf8 set (charset=utf-8 in
/*	effect), each of the three strings is converted to ISO-8859-1
/*	first when it is valid UTF-8 and every character is at most U+00FF;
/*	otherwise, and always without utf8, its bytes are hashed as they
/*	are.
/*
/*	mg_digest_ha1() computes the binary H(A1), where A1 is the binary
/*	user hash ":" nonce ":" cnonce, plus ":" authzid when the response
/*	has one. The user hash comes from the secret: computed from the
/*	plaintext password with the response's username and realm, converted
/*	as secret->charset says (by default: the RFC rule, driven by the
/*	response's charset directive), or taken as stored. Using the hex
/*	form of the user hash instead is the classic interoperability bug;
/*	it never verifies.
/*
/*	mg_digest_kd() computes, in binary, KD(HEX(H(A1)), nonce ":" nc ":"
/*	cnonce ":" qop ":" HEX(H(A2))), nc as 8 lower-case hex digits, with
/*	A2 = "AUTHENTICATE:" digest-uri for the response or ":" digest-uri
/*	for rspauth (which), plus ":" and 32 zeros unless qop is auth.
/*	mg_digest_compute() does both steps from a secret.
/*	mg_digest_kd_pair() computes the response's and rspauth's KD at once:
/*	their input differs only in A2, so the part before it is hashed once.
/*
/*	mg_digest_verify_rspauth() compares the server's rspauth with the
/*	expected one in constant time on the client side.
/*
/*	mg_digest_verify_server() is the server's check. With a plaintext
/*	password it tries the ISO-8859-1 reading first and, when that
/*	reading differs from the bytes as sent, the raw reading, whatever
/*	the charset directive says: stock Cyrus 2.1.28 clients never send
/*	charset=utf-8 but always convert, while other clients send it and
/*	never convert, and the stock Cyrus server accepts both the same way.
/*	Both readings need the password, so this gives a guesser nothing.
/*	A stored user hash fixes the reading and is tried once. On success
/*	ha1 receives the H(A1) that verified, for rspauth (mg_digest_kd()
/*	with MG_DIGEST_A2_RSPAUTH) and session keys, and *used (when not
/*	null) the reading: MG_DIGEST_CHARSET_LATIN1 or _RAW, or
/*	secret->charset for a stored hash.
/*	mg_digest_verify_server_rspauth() does the same and, on success
/*	and when rspauth is not null, writes there the rspauth digest
/*	(MG_DIGEST_HASH_LEN bytes) from the response's KD input.
/*
/*	mg_digest_signing_keys() derives Kic and Kis for auth-int, and
/*	mg_digest_sealing_keys() Kcc and Kcs for auth-conf, from the first
/*	16 (3des, des, rc4), 5 (rc4-40) or 7 (rc4-56) bytes of H(A1).
/*
/*	mg_digest_make_nonce() writes MG_DIGEST_NONCE_LEN hex digits from
/*	MG_DIGEST_NONCE_BYTES random bytes and a NUL; bufsize must be at
/*	least MG_DIGEST_NONCE_LEN+1. Usable as nonce and cnonce.
/*
/*	MD5 is OpenSSL's low-level implementation, as in cram.c: no
/*	provider fetch, context allocation or free per hash.
/*	mg_digest_md5_release() has nothing left to release.
/* SECURITY
/*	A1 is never put in a buffer: it goes into the MD5 context piece by
/*	piece, and the context is erased with mg_cleanse() after each hash. The user hash,
/*	H(A1) in binary and hex, ISO-8859-1 copies of secrets and expected
/*	digests are erased with mg_cleanse() before return.
/* DIAGNOSTICS
/*	MG_BADAUTH from mg_digest_verify_server(), MG_BADSERV from
/*	mg_digest_verify_rspauth(); MG_INTERNAL when OpenSSL fails;
/*	MG_BADPARAM for missing inputs.
/*--*/
#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdio.h>
#include <string.h>

#include <openssl/md5.h>

#include "mg_util.h"
#include "digest.h"

 /*
  * MD5 through OpenSSL's low-level interface (deprecated but supported,
  * as in cram.c): an exchange hashes about a dozen short strings per
  * side, and through EVP each cost a context allocation, an init and a
  * free, more than the hashing itself. The context is erased at the end,
  * since A1 goes through it.
  */
struct md5 {
    MD5_CTX ctx;
    int     failed;
};

static void md5_begin(struct md5 *mp)
{
    mp->failed = MD5_Init(&mp->ctx) != 1;
}

 /*
  * Nothing is kept between exchanges any more; the plugin still calls
  * this when libsasl2 releases md5gate.
  */
void    mg_digest_md5_release(void)
{
}

static void md5_update(struct md5 *mp, const void *data, size_t len)
{
    if (!mp->failed && len > 0 && MD5_Update(&mp->ctx, data, len) != 1)
	mp->failed = 1;
}

static void md5_str(struct md5 *mp, const char *str)
{
    md5_update(mp, str, strlen(str));
}

static enum mg_code md5_end(struct md5 *mp, unsigned char out[MG_DIGEST_HASH_LEN],
			            struct mg_error *err)
{
    if (!mp->failed && MD5_Final(out, &mp->ctx) != 1)
	mp->failed = 1;
    mg_cleanse(&mp->ctx, sizeof(mp->ctx));
    if (mp->failed) {
	mg_cleanse(out, MG_DIGEST_HASH_LEN);
	return (mg_fail(err, MG_INTERNAL, "OpenSSL MD5 failed"));
    }
    return (MG_OK);
}

 /*
  * Valid UTF-8 with no code point above U+00FF uses only ASCII bytes and
  * the two-byte forms C2 xx and C3 xx (C0 and C1 would be overlong). Any
  * other byte from 0x80 up is either part of a character beyond Latin-1
  * or not UTF-8 at all, and both mean "hash as is"; so this one scan is
  * the whole test, no general UTF-8 validator needed.
  */
static int latin1_representable(const unsigned char *str, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
	if (str[i] < 0x80)
	    continue;
	if ((str[i] == 0xc2 || str[i] == 0xc3) && i + 1 < len
	    && (str[i + 1] & 0xc0) == 0x80) {
	    i++;
	    continue;
	}
	return (0);
    }
    return (1);
}

 /*
  * Hash user, realm or password, converted to ISO-8859-1 when RFC 2831
  * asks for it. The conversion goes through a small buffer that is erased
  * afterwards, because the string may be a password.
  */
static int ascii_only(const unsigned char *str, size_t len)
{
    unsigned char any = 0;
    size_t  i;

    for (i = 0; i < len; i++)
	any |= str[i];
    return (any < 0x80);
}

static void md5_text(struct md5 *mp, const unsigned char *str, size_t len,
		             int utf8)
{
    unsigned char chunk[64];
    size_t  i;
    size_t  n = 0;

    /* ASCII reads the same in both: hash it as it is, without the copy. */
    if (!utf8 || ascii_only(str, len) || !latin1_representable(str, len)) {
	md5_update(mp, str, len);
	return;
    }
    for (i = 0; i < len; i++) {
	if (str[i] < 0x80) {
	    chunk[n++] = str[i];
	} else {
	    chunk[n++] = (unsigned char) ((str[i] & 0x03) << 6 | (str[i + 1] & 0x3f));
	    i++;
	}
	if (n == sizeof(chunk)) {
	    md5_update(mp, chunk, n);
	    n = 0;
	}
    }
    md5_update(mp, chunk, n);
    mg_cleanse(chunk, sizeof(chunk));
}

enum mg_code mg_digest_userhash(const char *user, const char *realm,
				        const unsigned char *password,
				        size_t password_len, int utf8,
				        unsigned char out[MG_DIGEST_HASH_LEN],
				        struct mg_error *err)
{
    struct md5 md5;

    if (user == 0 || realm == 0 || (password == 0 && password_len > 0) || out == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_userhash: null argument"));
    md5_begin(&md5);
    md5_text(&md5, (const unsigned char *) user, strlen(user), utf8);
    md5_update(&md5, ":", 1);
    md5_text(&md5, (const unsigned char *) realm, strlen(realm), utf8);
    md5_update(&md5, ":", 1);
    md5_text(&md5, password, password_len, utf8);
    return (md5_end(&md5, out, err));
}

static int charset_converts(enum mg_digest_charset rule,
			            const struct mg_digest_response *resp)
{
    switch (rule) {
    case MG_DIGEST_CHARSET_DIRECTIVE:
	return (resp->utf8 != 0);
    case MG_DIGEST_CHARSET_LATIN1:
	return (1);
    case MG_DIGEST_CHARSET_RAW:
	return (0);
    }
    return (-1);
}

static enum mg_code secret_userhash(const struct mg_digest_response *resp,
				            const struct mg_digest_secret *secret,
				       unsigned char out[MG_DIGEST_HASH_LEN],
				            struct mg_error *err)
{
    int     convert;

    switch (secret->kind) {
    case MG_DIGEST_SECRET_PASSWORD:
	if ((convert = charset_converts(secret->charset, resp)) < 0)
	    break;
	return (mg_digest_userhash(resp->username, resp->realm, secret->password,
				   secret->password_len, convert, out, err));
    case MG_DIGEST_SECRET_USERHASH:
	if (secret->userhash == 0)
	    break;
	memcpy(out, secret->userhash, MG_DIGEST_HASH_LEN);
	return (MG_OK);
    }
    return (mg_fail(err, MG_BADPARAM, "DIGEST-MD5 secret is incomplete"));
}

enum mg_code mg_digest_ha1(const struct mg_digest_response *resp,
			           const struct mg_digest_secret *secret,
			           unsigned char ha1[MG_DIGEST_HASH_LEN],
			           struct mg_error *err)
{
    unsigned char userhash[MG_DIGEST_HASH_LEN];
    struct md5 md5;
    enum mg_code code;

    if (resp == 0 || secret == 0 || ha1 == 0 || resp->username == 0
	|| resp->realm == 0 || resp->nonce == 0 || resp->cnonce == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_ha1: incomplete input"));
    if ((code = secret_userhash(resp, secret, userhash, err)) != MG_OK)
	return (code);
    md5_begin(&md5);
    md5_update(&md5, userhash, sizeof(userhash));
    md5_update(&md5, ":", 1);
    md5_str(&md5, resp->nonce);
    md5_update(&md5, ":", 1);
    md5_str(&md5, resp->cnonce);
    if (resp->authzid != 0) {
	md5_update(&md5, ":", 1);
	md5_str(&md5, resp->authzid);
    }
    mg_cleanse(userhash, sizeof(userhash));
    return (md5_end(&md5, ha1, err));
}

static enum mg_code ha2_hex(const struct mg_digest_response *resp,
			            enum mg_digest_a2 which,
			            char hex[MG_DIGEST_HEX_LEN + 1],
			            struct mg_error *err)
{
    unsigned char ha2[MG_DIGEST_HASH_LEN];
    struct md5 md5;
    enum mg_code code;

    md5_begin(&md5);
    md5_str(&md5, which == MG_DIGEST_A2_RESPONSE ? "AUTHENTICATE:" : ":");
    md5_str(&md5, resp->digest_uri);
    if (resp->qop != MG_DIGEST_QOP_AUTH)
	md5_str(&md5, ":00000000000000000000000000000000");
    if ((code = md5_end(&md5, ha2, err)) == MG_OK)
	mg_hex_encode(ha2, sizeof(ha2), hex);
    return (code);
}

 /*
  * The part of KD's input that the response and rspauth share:
  * HEX(H(A1)) ":" nonce ":" nc ":" cnonce ":" qop ":". Hashed once, its
  * context copied for the second digest, it saves a block of MD5 and the
  * updates that lead to it.
  */
static enum mg_code kd_prefix(const unsigned char ha1[MG_DIGEST_HASH_LEN],
			              const struct mg_digest_response *resp,
			              struct md5 *md5, struct mg_error *err)
{
    char    ha1_hex[MG_DIGEST_HEX_LEN + 1];
    char    nc[9];
    const char *qop;

    if (ha1 == 0 || resp == 0 || resp->nonce == 0
	|| resp->cnonce == 0 || resp->digest_uri == 0
	|| (qop = mg_digest_qop_name(resp->qop)) == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_kd: incomplete input"));
    mg_hex_u32(resp->nc, nc);
    mg_hex_encode(ha1, MG_DIGEST_HASH_LEN, ha1_hex);
    md5_begin(md5);
    md5_update(md5, ha1_hex, MG_DIGEST_HEX_LEN);
    md5_update(md5, ":", 1);
    md5_str(md5, resp->nonce);
    md5_update(md5, ":", 1);
    md5_str(md5, nc);
    md5_update(md5, ":", 1);
    md5_str(md5, resp->cnonce);
    md5_update(md5, ":", 1);
    md5_str(md5, qop);
    md5_update(md5, ":", 1);
    mg_cleanse(ha1_hex, sizeof(ha1_hex));
    return (MG_OK);
}

 /*
  * KD's end: HEX(H(A2)) for the response or rspauth (which), then the
  * digest. The context is erased either way.
  */
static enum mg_code kd_finish(struct md5 *md5, const struct mg_digest_response *resp,
			              enum mg_digest_a2 which,
			              unsigned char out[MG_DIGEST_HASH_LEN],
			              struct mg_error *err)
{
    char    ha2[MG_DIGEST_HEX_LEN + 1];
    enum mg_code code;

    if ((code = ha2_hex(resp, which, ha2, err)) != MG_OK) {
	mg_cleanse(&md5->ctx, sizeof(md5->ctx));
	return (code);
    }
    md5_str(md5, ha2);
    return (md5_end(md5, out, err));
}

static int valid_a2(enum mg_digest_a2 which)
{
    return (which == MG_DIGEST_A2_RESPONSE || which == MG_DIGEST_A2_RSPAUTH);
}

enum mg_code mg_digest_kd(const unsigned char ha1[MG_DIGEST_HASH_LEN],
			          const struct mg_digest_response *resp,
			          enum mg_digest_a2 which,
			          unsigned char out[MG_DIGEST_HASH_LEN],
			          struct mg_error *err)
{
    struct md5 md5;
    enum mg_code code;

    if (out == 0 || !valid_a2(which))
	return (mg_fail(err, MG_BADPARAM, "mg_digest_kd: incomplete input"));
    if ((code = kd_prefix(ha1, resp, &md5, err)) != MG_OK)
	return (code);
    return (kd_finish(&md5, resp, which, out, err));
}

enum mg_code mg_digest_kd_pair(const unsigned char ha1[MG_DIGEST_HASH_LEN],
			               const struct mg_digest_response *resp,
			               unsigned char response[MG_DIGEST_HASH_LEN],
			               unsigned char rspauth[MG_DIGEST_HASH_LEN],
			               struct mg_error *err)
{
    struct md5 md5, second;
    enum mg_code code;

    if (response == 0 || rspauth == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_kd: incomplete input"));
    if ((code = kd_prefix(ha1, resp, &md5, err)) != MG_OK)
	return (code);
    second = md5;
    if ((code = kd_finish(&md5, resp, MG_DIGEST_A2_RESPONSE, response, err)) != MG_OK) {
	mg_cleanse(&second, sizeof(second));
	return (code);
    }
    if ((code = kd_finish(&second, resp, MG_DIGEST_A2_RSPAUTH, rspauth, err)) != MG_OK)
	mg_cleanse(response, MG_DIGEST_HASH_LEN);
    return (code);
}

enum mg_code mg_digest_compute(const struct mg_digest_response *resp,
			               const struct mg_digest_secret *secret,
			               enum mg_digest_a2 which,
			               unsigned char out[MG_DIGEST_HASH_LEN],
			               struct mg_error *err)
{
    unsigned char ha1[MG_DIGEST_HASH_LEN];
    enum mg_code code;

    if ((code = mg_digest_ha1(resp, secret, ha1, err)) == MG_OK)
	code = mg_digest_kd(ha1, resp, which, out, err);
    mg_cleanse(ha1, sizeof(ha1));
    return (code);
}

static int latin1_changes(const unsigned char *str, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++)
	if (str[i] >= 0x80)
	    return (latin1_representable(str, len));
    return (0);
}

 /*
  * Whether the ISO-8859-1 reading of a response and password hashes other
  * bytes than the raw reading; if not, one try settles it.
  */
static int readings_differ(const struct mg_digest_response *resp,
			           const struct mg_digest_secret *secret)
{
    return (latin1_changes((const unsigned char *) resp->username,
			   strlen(resp->username))
	    || latin1_changes((const unsigned char *) resp->realm,
			      strlen(resp->realm))
	    || latin1_changes(secret->password, secret->password_len));
}

 /*
  * One reading: MG_OK when it verifies, MG_BADAUTH (reason unset) when
  * not, anything else on failure. ha1 is erased unless it verified.
  */
static enum mg_code try_reading(const struct mg_digest_response *resp,
				        const struct mg_digest_secret *secret,
				        enum mg_digest_charset rule,
				        unsigned char ha1[MG_DIGEST_HASH_LEN],
				        unsigned char *rspauth,
				        struct mg_error *err)
{
    struct mg_digest_secret trial = *secret;
    unsigned char expected[MG_DIGEST_HASH_LEN];
    struct md5 md5, second;
    enum mg_code code;

    trial.charset = rule;
    memset(&second, 0, sizeof(second));
    if ((code = mg_digest_ha1(resp, &trial, ha1, err)) == MG_OK
	&& (code = kd_prefix(ha1, resp, &md5, err)) == MG_OK) {
	/* The rspauth's KD shares the prefix: kept until the response verifies. */
	second = md5;
	if ((code = kd_finish(&md5, resp, MG_DIGEST_A2_RESPONSE, expected, err)) == MG_OK
	    && !mg_equal_ct(expected, resp->response, sizeof(expected)))
	    code = MG_BADAUTH;
	if (code == MG_OK && rspauth != 0)
	    code = kd_finish(&second, resp, MG_DIGEST_A2_RSPAUTH, rspauth, err);
    }
    if (code != MG_OK)
	mg_cleanse(ha1, MG_DIGEST_HASH_LEN);
    mg_cleanse(&second, sizeof(second));
    mg_cleanse(expected, sizeof(expected));
    return (code);
}

enum mg_code mg_digest_verify_server(const struct mg_digest_response *resp,
				             const struct mg_digest_secret *secret,
				             unsigned char ha1[MG_DIGEST_HASH_LEN],
				             enum mg_digest_charset *used,
				             struct mg_error *err)
{
    return (mg_digest_verify_server_rspauth(resp, secret, ha1, used, 0, err));
}

enum mg_code mg_digest_verify_server_rspauth(const struct mg_digest_response *resp,
				             const struct mg_digest_secret *secret,
				             unsigned char ha1[MG_DIGEST_HASH_LEN],
				             enum mg_digest_charset *used,
				             unsigned char *rspauth,
				             struct mg_error *err)
{
    enum mg_digest_charset rule;
    enum mg_code code;

    if (resp == 0 || secret == 0 || ha1 == 0 || resp->username == 0
	|| resp->realm == 0 || (secret->kind == MG_DIGEST_SECRET_PASSWORD
				&& secret->password == 0 && secret->password_len))
	return (mg_fail(err, MG_BADPARAM, "mg_digest_verify_server: incomplete "
			"input"));
    rule = (secret->kind == MG_DIGEST_SECRET_PASSWORD) ?
	MG_DIGEST_CHARSET_LATIN1 : secret->charset;
    code = try_reading(resp, secret, rule, ha1, rspauth, err);
    if (code == MG_BADAUTH && secret->kind == MG_DIGEST_SECRET_PASSWORD
	&& readings_differ(resp, secret)) {
	rule = MG_DIGEST_CHARSET_RAW;
	code = try_reading(resp, secret, rule, ha1, rspauth, err);
    }
    if (code == MG_BADAUTH)
	return (mg_fail(err, MG_BADAUTH, "DIGEST-MD5 response does not verify"));
    if (code == MG_OK && used != 0)
	*used = rule;
    return (code);
}

enum mg_code mg_digest_verify_rspauth(const struct mg_digest_response *resp,
				              const struct mg_digest_secret *secret,
				              const struct mg_digest_rspauth *ra,
				              struct mg_error *err)
{
    unsigned char expected[MG_DIGEST_HASH_LEN];
    enum mg_code code;

    if (ra == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_verify_rspauth: null rspauth"));
    code = mg_digest_compute(resp, secret, MG_DIGEST_A2_RSPAUTH, expected, err);
    if (code == MG_OK && !mg_equal_ct(expected, ra->rspauth, sizeof(expected)))
	code = mg_fail(err, MG_BADSERV, "DIGEST-MD5 rspauth does not verify");
    mg_cleanse(expected, sizeof(expected));
    return (code);
}

 /*
  * Security-layer keys (RFC 2831 sections 2.3 and 2.4).
  */
static enum mg_code derive_key(const unsigned char *ha1, size_t n,
			               const char *magic,
			               unsigned char out[MG_DIGEST_HASH_LEN],
			               struct mg_error *err)
{
    struct md5 md5;

    md5_begin(&md5);
    md5_update(&md5, ha1, n);
    md5_str(&md5, magic);
    return (md5_end(&md5, out, err));
}

enum mg_code mg_digest_signing_keys(const unsigned char ha1[MG_DIGEST_HASH_LEN],
				         unsigned char kic[MG_DIGEST_HASH_LEN],
				         unsigned char kis[MG_DIGEST_HASH_LEN],
				            struct mg_error *err)
{
    enum mg_code code;

    if (ha1 == 0 || kic == 0 || kis == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_signing_keys: null argument"));
    if ((code = derive_key(ha1, MG_DIGEST_HASH_LEN, "Digest session key to "
			   "client-to-server signing key magic constant",
			   kic, err)) != MG_OK
	|| (code = derive_key(ha1, MG_DIGEST_HASH_LEN, "Digest session key to "
			      "server-to-client signing key magic constant",
			      kis, err)) != MG_OK)
	mg_cleanse(kic, MG_DIGEST_HASH_LEN);
    return (code);
}

static size_t sealing_key_bytes(enum mg_digest_cipher cipher)
{
    switch (cipher) {
    case MG_DIGEST_CIPHER_3DES:
    case MG_DIGEST_CIPHER_DES:
    case MG_DIGEST_CIPHER_RC4:
	return (16);
    case MG_DIGEST_CIPHER_RC4_40:
	return (5);
    case MG_DIGEST_CIPHER_RC4_56:
	return (7);
    case MG_DIGEST_CIPHER_NONE:
	break;
    }
    return (0);
}

enum mg_code mg_digest_sealing_keys(const unsigned char ha1[MG_DIGEST_HASH_LEN],
				            enum mg_digest_cipher cipher,
				         unsigned char kcc[MG_DIGEST_HASH_LEN],
				         unsigned char kcs[MG_DIGEST_HASH_LEN],
				            struct mg_error *err)
{
    size_t  n = sealing_key_bytes(cipher);
    enum mg_code code;

    if (ha1 == 0 || kcc == 0 || kcs == 0 || n == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_sealing_keys: bad argument"));
    if ((code = derive_key(ha1, n, "Digest H(A1) to client-to-server sealing "
			   "key magic constant", kcc, err)) != MG_OK
	|| (code = derive_key(ha1, n, "Digest H(A1) to server-to-client sealing "
			      "key magic constant", kcs, err)) != MG_OK)
	mg_cleanse(kcc, MG_DIGEST_HASH_LEN);
    return (code);
}

enum mg_code mg_digest_make_nonce(char *buf, size_t bufsize, struct mg_error *err)
{
    unsigned char rnd[MG_DIGEST_NONCE_BYTES];
    enum mg_code code;

    if (buf == 0 || bufsize < MG_DIGEST_NONCE_LEN + 1)
	return (mg_fail(err, MG_BADPARAM, "DIGEST-MD5 nonce buffer too small"));
    if ((code = mg_random_bytes(rnd, sizeof(rnd), err)) == MG_OK)
	mg_hex_encode(rnd, sizeof(rnd), buf);
    mg_cleanse(rnd, sizeof(rnd));
    return (code);
}
