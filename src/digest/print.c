/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	print 3
/* SUMMARY
/*	DIGEST-MD5 structures to wire text
/* SYNOPSIS
/*	#include "digest/digest.h"
/*
/*	enum mg_code mg_digest_print_challenge(chal, buf, bufsize, len, err)
/*
/*	enum mg_code mg_digest_print_response(resp, buf, bufsize, len, err)
/*
/*	enum mg_code mg_digest_print_rspauth(ra, buf, bufsize, len, err)
/* DESCRIPTION
/*	These functions write one RFC 2831 message into buf as a
/*	NUL-terminated string and store its length in *len.
/*
/*	Values that RFC 2831 defines as quoted-string (realm, nonce,
/*	username, cnonce, digest-uri, authzid, and the qop and cipher lists
/*	of a challenge) are always quoted, with a backslash before every '"'
/*	and '\'. Token values (nc, qop, response, maxbuf, charset,
/*	algorithm, cipher, rspauth) are written bare, as Cyrus does.
/*
/*	The output length is counted exactly, escapes included, before
/*	anything is declared a success; bytes are only stored where they
/*	fit. The stock Cyrus plugin sized its quoting buffer without the
/*	escapes, which is a heap overflow; here the worst case costs a
/*	refusal.
/*
/*	A challenge always says algorithm=md5-sess (the only valid value,
/*	whatever the structure holds), names qop options in the order
/*	auth, auth-int, auth-conf, and leaves out maxbuf when it is the
/*	default. A response leaves out realm when has_realm is zero, maxbuf
/*	when it is the default, and authzid when it is null.
/*
/*	Nothing is printed that mg_digest_parse_*() would refuse: empty
/*	required values and control characters are MG_BADPARAM.
/* DIAGNOSTICS
/*	MG_TOOLONG when the message would exceed MG_DIGEST_CHALLENGE_MAX,
/*	MG_DIGEST_RESPONSE_MAX or MG_DIGEST_RSPAUTH_MAX; MG_BADPARAM when
/*	buf cannot hold it (bufsize of limit+1 always can) or the structure
/*	is incomplete. On failure buf holds an empty string.
/*--*/
#include <stdio.h>
#include <string.h>

#include "mg_util.h"
#include "digest.h"

 /*
  * A bounded output sink. len counts every byte asked for, stored or not;
  * it stops growing once it passes the message limit, so that it can not
  * wrap however long the values are.
  */
struct sink {
    char   *buf;
    size_t  size;
    size_t  len;
    size_t  limit;
};

static inline __attribute__((always_inline))
void    put(struct sink *sp, const char *data, size_t n)
{
    if (sp->len > sp->limit)
	return;
    if (n > sp->limit - sp->len) {
	sp->len = sp->limit + 1;
	return;
    }
    if (sp->len + n < sp->size)
	memcpy(sp->buf + sp->len, data, n);
    sp->len += n;
}

static void put_str(struct sink *sp, const char *str)
{
    put(sp, str, strlen(str));
}

 /*
  * A quoted string: runs without a quote or backslash are copied at once
  * (a put() per byte cost more than the rest of printing a response).
  */
static void put_quoted(struct sink *sp, const char *str)
{
    size_t  run;

    put(sp, "\"", 1);
    while (*str) {
	run = strcspn(str, "\"\\");
	/* Most values: all of it, and the closing quote with it. */
	if (str[run] == 0) {
	    put(sp, str, run);
	    break;
	}
	put(sp, str, run);
	str += run;
	put(sp, "\\", 1);
	put(sp, str++, 1);
    }
    put(sp, "\"", 1);
}

 /*
  * ",name=" (no comma when first) in one put: name is a string literal,
  * so its length is known when this is compiled.
  */
#define put_name(sp, name) \
    ((sp)->len > 0 ? put((sp), "," name "=", sizeof("," name "=") - 1) \
     : put((sp), name "=", sizeof(name "=") - 1))

 /* name="value", with a leading comma unless first. */
#define put_qdir(sp, name, value) (put_name((sp), name), put_quoted((sp), (value)))

 /* name=value for token values we produce ourselves. */
#define put_tdir(sp, name, value) (put_name((sp), name), put_str((sp), (value)))

static void put_list(struct sink *sp, const char *name, unsigned mask,
		             const char *(*namer) (unsigned))
{
    unsigned bit;
    int     first = 1;

    if (sp->len > 0)
	put(sp, ",", 1);
    put_str(sp, name);
    put(sp, "=\"", 2);
    for (bit = 1; bit != 0 && bit <= mask; bit <<= 1) {
	if ((mask & bit) == 0 || namer(bit) == 0)
	    continue;
	if (!first)
	    put(sp, ",", 1);
	put_str(sp, namer(bit));
	first = 0;
    }
    put(sp, "\"", 1);
}

static const char *qop_namer(unsigned bit)
{
    return (mg_digest_qop_name((enum mg_digest_qop) bit));
}

static const char *cipher_namer(unsigned bit)
{
    return (mg_digest_cipher_name((enum mg_digest_cipher) bit));
}

static enum mg_code finish(struct sink *sp, const char *what, size_t *len,
			           struct mg_error *err)
{
    /*
     * A message that does not fit is not sent, but what was written of it
     * may hold a response or rspauth: erase it all, since the caller
     * erases only up to the first NUL.
     */
    if (sp->len > sp->limit) {
	mg_cleanse(sp->buf, sp->len < sp->size ? sp->len : sp->size);
	sp->buf[0] = 0;
	return (mg_fail(err, MG_TOOLONG, "DIGEST-MD5 %s would be longer than %zu "
			"bytes", what, sp->limit));
    }
    if (sp->len >= sp->size) {
	mg_cleanse(sp->buf, sp->size);
	sp->buf[0] = 0;
	return (mg_fail(err, MG_BADPARAM, "output buffer too small for DIGEST-MD5 %s",
			what));
    }
    sp->buf[sp->len] = 0;
    *len = sp->len;
    return (MG_OK);
}

static enum mg_code sink_init(struct sink *sp, char *buf, size_t bufsize,
			              size_t *len, size_t limit,
			              struct mg_error *err)
{
    if (buf == 0 || bufsize == 0 || len == 0)
	return (mg_fail(err, MG_BADPARAM, "null or empty DIGEST-MD5 output buffer"));
    buf[0] = 0;
    sp->buf = buf;
    sp->size = bufsize;
    sp->len = 0;
    sp->limit = limit;
    return (MG_OK);
}

 /*
  * Refuse what the parser would refuse, so that we never send a message
  * we could not read back ourselves.
  */
 /*
  * Bytes a value may hold: anything but a control character (HT is
  * allowed) and the terminating NUL.
  */
static const unsigned char sendable_char[256] = {
    ['\t'] = 1, [' ' ... '~'] = 1, [0x80 ... 0xff] = 1,
};

static enum mg_code sendable(const char *value, const char *name,
			             int may_be_empty, struct mg_error *err)
{
    const unsigned char *cp;

    if (value == 0)
	return (mg_fail(err, MG_BADPARAM, "no %s value to send", name));
    if (!may_be_empty && *value == 0)
	return (mg_fail(err, MG_BADPARAM, "empty %s value", name));
    /* Four bytes a round; a byte is read only after a non-NUL one. */
    for (cp = (const unsigned char *) value; sendable_char[cp[0]]; cp += 4) {
	if (!sendable_char[cp[1]]) {
	    cp += 1;
	    break;
	}
	if (!sendable_char[cp[2]]) {
	    cp += 2;
	    break;
	}
	if (!sendable_char[cp[3]]) {
	    cp += 3;
	    break;
	}
    }
    if (*cp != 0)
	return (mg_fail(err, MG_BADPARAM, "%s value contains a control "
			"character", name));
    return (MG_OK);
}

static enum mg_code challenge_sendable(const struct mg_digest_challenge *chal,
				               struct mg_error *err)
{
    enum mg_code code;
    size_t  i;

    if (chal->realm_count > MG_DIGEST_REALMS_MAX)
	return (mg_fail(err, MG_BADPARAM, "realm count out of range"));
    for (i = 0; i < chal->realm_count; i++)
	if ((code = sendable(chal->realms[i], "realm", 1, err)) != MG_OK)
	    return (code);
    if ((code = sendable(chal->nonce, "nonce", 0, err)) != MG_OK)
	return (code);
    if ((chal->qops & (MG_DIGEST_QOP_AUTH | MG_DIGEST_QOP_AUTH_INT
		       | MG_DIGEST_QOP_AUTH_CONF)) == 0)
	return (mg_fail(err, MG_BADPARAM, "challenge offers no qop"));
    return (MG_OK);
}

enum mg_code mg_digest_print_challenge(const struct mg_digest_challenge *chal,
				               char *buf, size_t bufsize,
				               size_t *len, struct mg_error *err)
{
    char    num[16];
    struct sink sink;
    enum mg_code code;
    size_t  i;

    if ((code = sink_init(&sink, buf, bufsize, len, MG_DIGEST_CHALLENGE_MAX,
			  err)) != MG_OK)
	return (code);
    if (chal == 0)
	return (mg_fail(err, MG_BADPARAM, "null DIGEST-MD5 challenge structure"));
    if ((code = challenge_sendable(chal, err)) != MG_OK)
	return (code);
    for (i = 0; i < chal->realm_count; i++)
	put_qdir(&sink, "realm", chal->realms[i]);
    put_qdir(&sink, "nonce", chal->nonce);
    put_list(&sink, "qop", chal->qops, qop_namer);
    if (chal->ciphers)
	put_list(&sink, "cipher", chal->ciphers, cipher_namer);
    if (chal->stale)
	put_tdir(&sink, "stale", "true");
    if (chal->maxbuf != MG_DIGEST_MAXBUF_DEFAULT) {
	snprintf(num, sizeof(num), "%lu", (unsigned long) chal->maxbuf);
	put_tdir(&sink, "maxbuf", num);
    }
    if (chal->utf8)
	put_tdir(&sink, "charset", "utf-8");
    put_tdir(&sink, "algorithm", "md5-sess");
    return (finish(&sink, "challenge", len, err));
}

static enum mg_code response_sendable(const struct mg_digest_response *resp,
				              struct mg_error *err)
{
    enum mg_code code;

    if ((code = sendable(resp->username, "username", 0, err)) != MG_OK
	|| (resp->has_realm
	    && (code = sendable(resp->realm, "realm", 1, err)) != MG_OK)
	|| (code = sendable(resp->nonce, "nonce", 0, err)) != MG_OK
	|| (code = sendable(resp->cnonce, "cnonce", 0, err)) != MG_OK
	|| (code = sendable(resp->digest_uri, "digest-uri", 0, err)) != MG_OK
	|| (resp->authzid
	    && (code = sendable(resp->authzid, "authzid", 1, err)) != MG_OK))
	return (code);
    if (mg_digest_qop_name(resp->qop) == 0)
	return (mg_fail(err, MG_BADPARAM, "response qop out of range"));
    if (resp->cipher != MG_DIGEST_CIPHER_NONE
	&& mg_digest_cipher_name(resp->cipher) == 0)
	return (mg_fail(err, MG_BADPARAM, "response cipher out of range"));
    return (MG_OK);
}

enum mg_code mg_digest_print_response(const struct mg_digest_response *resp,
				              char *buf, size_t bufsize,
				              size_t *len, struct mg_error *err)
{
    char    num[16];
    char    hex[MG_DIGEST_HEX_LEN + 1];
    struct sink sink;
    enum mg_code code;

    if ((code = sink_init(&sink, buf, bufsize, len, MG_DIGEST_RESPONSE_MAX,
			  err)) != MG_OK)
	return (code);
    if (resp == 0)
	return (mg_fail(err, MG_BADPARAM, "null DIGEST-MD5 response structure"));
    if ((code = response_sendable(resp, err)) != MG_OK)
	return (code);
    put_qdir(&sink, "username", resp->username);
    if (resp->has_realm)
	put_qdir(&sink, "realm", resp->realm);
    put_qdir(&sink, "nonce", resp->nonce);
    put_qdir(&sink, "cnonce", resp->cnonce);
    mg_hex_u32(resp->nc, num);
    put_tdir(&sink, "nc", num);
    put_tdir(&sink, "qop", mg_digest_qop_name(resp->qop));
    put_qdir(&sink, "digest-uri", resp->digest_uri);
    mg_hex_encode(resp->response, sizeof(resp->response), hex);
    put_tdir(&sink, "response", hex);
    if (resp->maxbuf != MG_DIGEST_MAXBUF_DEFAULT) {
	snprintf(num, sizeof(num), "%lu", (unsigned long) resp->maxbuf);
	put_tdir(&sink, "maxbuf", num);
    }
    if (resp->utf8)
	put_tdir(&sink, "charset", "utf-8");
    if (resp->cipher != MG_DIGEST_CIPHER_NONE)
	put_tdir(&sink, "cipher", mg_digest_cipher_name(resp->cipher));
    if (resp->authzid)
	put_qdir(&sink, "authzid", resp->authzid);
    return (finish(&sink, "response", len, err));
}

enum mg_code mg_digest_print_rspauth(const struct mg_digest_rspauth *ra,
				             char *buf, size_t bufsize,
				             size_t *len, struct mg_error *err)
{
    char    hex[MG_DIGEST_HEX_LEN + 1];
    struct sink sink;
    enum mg_code code;

    if ((code = sink_init(&sink, buf, bufsize, len, MG_DIGEST_RSPAUTH_MAX,
			  err)) != MG_OK)
	return (code);
    if (ra == 0)
	return (mg_fail(err, MG_BADPARAM, "null DIGEST-MD5 rspauth structure"));
    mg_hex_encode(ra->rspauth, sizeof(ra->rspauth), hex);
    put_tdir(&sink, "rspauth", hex);
    return (finish(&sink, "rspauth message", len, err));
}
