/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	validate 3
/* SUMMARY
/*	DIGEST-MD5 semantic checks
/* SYNOPSIS
/*	#include "digest/digest.h"
/*
/*	enum mg_code mg_digest_split_uri(uri, parts, err)
/*
/*	enum mg_code mg_digest_validate_response(chal, resp, expect,
/*					report, err)
/*
/*	enum mg_code mg_digest_validate_challenge(chal, usable_qops, err)
/* DESCRIPTION
/*	The parsers check form; these functions check meaning, against
/*	what this side sent or is prepared to do.
/*
/*	mg_digest_split_uri() splits a digest-uri into serv-type "/" host
/*	[ "/" serv-name ]. The parts point into uri and are not
/*	NUL-terminated.
/*
/*	mg_digest_validate_response() is the server's check of a parsed
/*	response against the challenge it sent. Refused: a nonce other than
/*	ours; a nonce count other than expect->nc (1 for a new exchange:
/*	anything else is a replay or a confused client); a digest-uri
/*	whose serv-type is not expect->service (compared without regard to
/*	case); a qop we did not offer; a cipher with anything but auth-conf,
/*	none or one we did not offer with auth-conf; maxbuf outside
/*	17..16777215; charset=utf-8 when we did not offer it.
/*
/*	Two results are reported in *report, not refused, because the
/*	right answer depends on the deployment: host_matched says whether
/*	the digest-uri host is one of expect->hosts (case-insensitive, a
/*	trailing dot ignored); a null or empty list matches nothing. The
/*	stock Cyrus plugin never looks at the host at all. realm_offered
/*	says whether the response realm is byte for byte one of the
/*	challenge's realms; it is zero when the challenge offered none, in
/*	which case RFC 2831 lets the client choose. stale is set when the
/*	nonce or its count is refused: the response belongs to another
/*	exchange (a replay), which callers tell apart from a wrong password
/*	by this flag, not by the reason's text.
/*
/*	mg_digest_validate_challenge() is the client's check of a parsed
/*	challenge: algorithm=md5-sess, a non-empty nonce, at least one qop
/*	in usable_qops (MG_DIGEST_QOP_* mask; MG_DIGEST_QOP_AUTH for a
/*	client without security layers), and a sane maxbuf.
/* DIAGNOSTICS
/*	MG_BADAUTH when the response was not made for this exchange (nonce,
/*	nc; report->stale is set); MG_MALFORMED for other protocol
/*	violations, a serv-type that is not ours among them; MG_BADPARAM for caller misuse. Reasons name only our
/*	own values, never the peer's.
/*--*/
#include <string.h>
#include <strings.h>

#include "digest.h"

enum mg_code mg_digest_split_uri(const char *uri, struct mg_digest_uri *parts,
				         struct mg_error *err)
{
    const char *slash1;
    const char *slash2;

    if (uri == 0 || parts == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_split_uri: null argument"));
    memset(parts, 0, sizeof(*parts));
    if ((slash1 = strchr(uri, '/')) == 0)
	return (mg_fail(err, MG_MALFORMED, "digest-uri has no '/' after serv-type"));
    if (slash1 == uri)
	return (mg_fail(err, MG_MALFORMED, "digest-uri has an empty serv-type"));
    parts->serv_type = uri;
    parts->serv_type_len = (size_t) (slash1 - uri);
    parts->host = slash1 + 1;
    if ((slash2 = strchr(parts->host, '/')) == 0) {
	parts->host_len = strlen(parts->host);
    } else {
	parts->host_len = (size_t) (slash2 - parts->host);
	parts->serv_name = slash2 + 1;
	parts->serv_name_len = strlen(parts->serv_name);
	if (parts->serv_name_len == 0)
	    return (mg_fail(err, MG_MALFORMED, "digest-uri has an empty serv-name"));
	if (strchr(parts->serv_name, '/') != 0)
	    return (mg_fail(err, MG_MALFORMED, "digest-uri has more than three parts"));
    }
    if (parts->host_len == 0)
	return (mg_fail(err, MG_MALFORMED, "digest-uri has an empty host"));
    return (MG_OK);
}

 /*
  * DNS names compare without regard to case, and "host." is "host".
  */
static int host_equal(const char *a, size_t alen, const char *b)
{
    size_t  blen = strlen(b);

    if (alen > 0 && a[alen - 1] == '.')
	alen--;
    if (blen > 0 && b[blen - 1] == '.')
	blen--;
    return (alen == blen && alen > 0 && strncasecmp(a, b, alen) == 0);
}

static int host_listed(const struct mg_digest_uri *parts,
		               const char *const *hosts)
{
    for (/* void */ ; hosts && *hosts; hosts++)
	if (host_equal(parts->host, parts->host_len, *hosts))
	    return (1);
    return (0);
}

static int realm_listed(const struct mg_digest_challenge *chal,
			        const char *realm)
{
    size_t  i;

    for (i = 0; i < chal->realm_count && i < MG_DIGEST_REALMS_MAX; i++)
	if (chal->realms[i] && strcmp(chal->realms[i], realm) == 0)
	    return (1);
    return (0);
}

static enum mg_code check_uri(const struct mg_digest_response *resp,
			              const struct mg_digest_expect *expect,
			              struct mg_digest_report *report,
			              struct mg_error *err)
{
    struct mg_digest_uri parts;
    enum mg_code code;

    if ((code = mg_digest_split_uri(resp->digest_uri, &parts, err)) != MG_OK)
	return (code);
    if (parts.serv_type_len != strlen(expect->service)
	|| strncasecmp(parts.serv_type, expect->service, parts.serv_type_len) != 0)
	return (mg_fail(err, MG_MALFORMED, "digest-uri serv-type is not %.40s",
			expect->service));
    report->host_matched = host_listed(&parts, expect->hosts);
    return (MG_OK);
}

static enum mg_code check_maxbuf(uint32_t maxbuf, struct mg_error *err)
{
    if (maxbuf < MG_DIGEST_MAXBUF_MIN || maxbuf > MG_DIGEST_MAXBUF_MAX)
	return (mg_fail(err, MG_MALFORMED, "maxbuf is outside %d..%d",
			MG_DIGEST_MAXBUF_MIN, MG_DIGEST_MAXBUF_MAX));
    return (MG_OK);
}

static enum mg_code check_qop(const struct mg_digest_challenge *chal,
			              const struct mg_digest_response *resp,
			              struct mg_error *err)
{
    const char *qop_name = mg_digest_qop_name(resp->qop);
    const char *cipher_name = mg_digest_cipher_name(resp->cipher);

    if (qop_name == 0)
	return (mg_fail(err, MG_BADPARAM, "response qop out of range"));
    if ((chal->qops & (unsigned) resp->qop) == 0)
	return (mg_fail(err, MG_MALFORMED, "qop %s was not offered", qop_name));
    if (resp->qop != MG_DIGEST_QOP_AUTH_CONF) {
	if (resp->cipher != MG_DIGEST_CIPHER_NONE)
	    return (mg_fail(err, MG_MALFORMED, "cipher directive without "
			    "qop=auth-conf"));
	return (MG_OK);
    }
    if (resp->cipher == MG_DIGEST_CIPHER_NONE || cipher_name == 0)
	return (mg_fail(err, MG_MALFORMED, "qop=auth-conf without a cipher "
			"directive"));
    if ((chal->ciphers & (unsigned) resp->cipher) == 0)
	return (mg_fail(err, MG_MALFORMED, "cipher %s was not offered", cipher_name));
    return (MG_OK);
}

static enum mg_code response_usable(const struct mg_digest_challenge *chal,
				            const struct mg_digest_response *resp,
				            const struct mg_digest_expect *expect,
				            struct mg_digest_report *report,
				            struct mg_error *err)
{
    if (chal == 0 || resp == 0 || expect == 0 || report == 0
	|| expect->service == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_validate_response: null "
			"argument"));
    if (resp->nonce == 0 || resp->digest_uri == 0 || resp->realm == 0)
	return (mg_fail(err, MG_BADPARAM, "DIGEST-MD5 response structure is "
			"incomplete"));
    if (chal->nonce == 0)
	return (mg_fail(err, MG_BADPARAM, "DIGEST-MD5 challenge has no nonce"));
    return (MG_OK);
}

enum mg_code mg_digest_validate_response(const struct mg_digest_challenge *chal,
				            const struct mg_digest_response *resp,
				              const struct mg_digest_expect *expect,
				                    struct mg_digest_report *report,
				                         struct mg_error *err)
{
    enum mg_code code;

    if ((code = response_usable(chal, resp, expect, report, err)) != MG_OK)
	return (code);
    memset(report, 0, sizeof(*report));
    report->stale = strcmp(resp->nonce, chal->nonce) != 0 || resp->nc != expect->nc;
    if (strcmp(resp->nonce, chal->nonce) != 0)
	return (mg_fail(err, MG_BADAUTH, "nonce is not the one this server sent"));
    if (resp->nc != expect->nc)
	return (mg_fail(err, MG_BADAUTH, "nonce count is not the expected %lu",
			(unsigned long) expect->nc));
    if ((code = check_uri(resp, expect, report, err)) != MG_OK
	|| (code = check_qop(chal, resp, err)) != MG_OK
	|| (code = check_maxbuf(resp->maxbuf, err)) != MG_OK)
	return (code);
    if (resp->utf8 && !chal->utf8)
	return (mg_fail(err, MG_MALFORMED, "charset=utf-8 was not offered"));
    report->realm_offered = realm_listed(chal, resp->realm);
    return (MG_OK);
}

enum mg_code mg_digest_validate_challenge(const struct mg_digest_challenge *chal,
				                  unsigned usable_qops,
				                  struct mg_error *err)
{
    if (chal == 0 || usable_qops == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_validate_challenge: null "
			"argument"));
    if (chal->algorithm == MG_DIGEST_ALG_ABSENT)
	return (mg_fail(err, MG_MALFORMED, "challenge has no algorithm directive"));
    if (chal->algorithm != MG_DIGEST_ALG_MD5_SESS)
	return (mg_fail(err, MG_MALFORMED, "challenge algorithm is not md5-sess"));
    if (chal->nonce == 0 || *chal->nonce == 0)
	return (mg_fail(err, MG_MALFORMED, "challenge has no nonce"));
    if ((chal->qops & usable_qops) == 0)
	return (mg_fail(err, MG_MALFORMED, "challenge offers no usable qop"));
    return (check_maxbuf(chal->maxbuf, err));
}
