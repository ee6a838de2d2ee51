/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	parse 3
/* SUMMARY
/*	DIGEST-MD5 wire text to structures
/* SYNOPSIS
/*	#include "digest/digest.h"
/*
/*	enum mg_code mg_digest_lex_init(lx, in, len, buf, bufsize, err)
/*
/*	enum mg_code mg_digest_lex_next(lx, dir, err)
/*
/*	enum mg_code mg_digest_parse_challenge(in, len, chal, err)
/*
/*	enum mg_code mg_digest_parse_response(in, len, resp, err)
/*
/*	enum mg_code mg_digest_parse_rspauth(in, len, ra, err)
/* DESCRIPTION
/*	mg_digest_lex_init() and mg_digest_lex_next() split a RFC 2831
/*	message into name=value directives: a comma-separated list with
/*	optional linear white space, where empty elements are allowed;
/*	values are RFC 2616 tokens or quoted strings whose backslash escapes
/*	are removed. buf receives the unescaped value and must hold at
/*	least len+1 bytes. At the end of the input, dir->name is null.
/*
/*	The message parsers check the size limit and look for NUL bytes
/*	before they look at anything else, then build a structure. Directive
/*	names are case-insensitive; unknown directives are ignored (RFC
/*	2831 requires it); a known directive that appears twice is refused,
/*	except realm in a challenge: a repeated directive is how the stock
/*	Cyrus plugin lets an earlier value leak past a later one.
/*
/*	A response without realm gets the empty string (RFC 2831 section
/*	2.1.2), with has_realm = 0. Absent qop means auth; absent maxbuf
/*	means 65536.
/* DIAGNOSTICS
/*	MG_TOOLONG for oversized input, MG_MALFORMED for anything else the
/*	grammar refuses; MG_NOMEM; MG_BADPARAM for caller misuse. A reason
/*	names the directive by our own spelling of its name and never
/*	quotes a peer value: response, rspauth and cnonce bear secrets or
/*	their derivatives, and the rest have no business in a log.
/*--*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mg_util.h"
#include "digest.h"

 /*
  * Every directive this file knows, in either message. The table gives
  * the spelling used in reasons, so that no peer byte reaches a reason.
  */
enum dir_id {
    D_UNKNOWN = 0,
    D_REALM, D_NONCE, D_QOP, D_STALE, D_MAXBUF, D_CHARSET, D_ALGORITHM,
    D_CIPHER, D_USERNAME, D_CNONCE, D_NC, D_DIGEST_URI, D_RESPONSE,
    D_AUTHZID, D_RSPAUTH,
    D_COUNT
};

static const char *const dir_names[D_COUNT] = {
    "unknown",
    "realm", "nonce", "qop", "stale", "maxbuf", "charset", "algorithm",
    "cipher", "username", "cnonce", "nc", "digest-uri", "response",
    "authzid", "rspauth",
};

#define DIR_LEN(s)	(sizeof(s) - 1)

 /*
  * The lengths of dir_names[]: every directive of every message is looked
  * up, and a strlen() per candidate name was most of the lookup's cost.
  */
static const unsigned char dir_name_len[D_COUNT] = {
    DIR_LEN("unknown"),
    DIR_LEN("realm"), DIR_LEN("nonce"), DIR_LEN("qop"), DIR_LEN("stale"),
    DIR_LEN("maxbuf"), DIR_LEN("charset"), DIR_LEN("algorithm"),
    DIR_LEN("cipher"), DIR_LEN("username"), DIR_LEN("cnonce"), DIR_LEN("nc"),
    DIR_LEN("digest-uri"), DIR_LEN("response"), DIR_LEN("authzid"),
    DIR_LEN("rspauth"),
};

 /*
  * The names of each length, D_UNKNOWN-terminated: every directive of every
  * message is looked up, and trying each name in turn was most of a
  * lookup's cost.
  */
static const unsigned char dir_by_len[11][4] = {
    [2] = {D_NC},
    [3] = {D_QOP},
    [5] = {D_REALM, D_NONCE, D_STALE},
    [6] = {D_MAXBUF, D_CIPHER, D_CNONCE},
    [7] = {D_CHARSET, D_AUTHZID, D_RSPAUTH},
    [8] = {D_USERNAME, D_RESPONSE},
    [9] = {D_ALGORITHM},
    [10] = {D_DIGEST_URI},
};

 /*
  * Whether a directive name (token characters only) is the lower-case
  * name dn, ignoring case: of the token characters only 'A'-'Z' and
  * 'a'-'z' become a letter with bit 0x20 set, and only '-' stays '-'.
  */
static int name_is(const char *name, const char *dn, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++)
	if (((unsigned char) name[i] | 0x20) != (unsigned char) dn[i])
	    return (0);
    return (1);
}

static enum dir_id dir_lookup(const char *name, size_t len)
{
    const unsigned char *id;

    if (len >= sizeof(dir_by_len) / sizeof(dir_by_len[0]))
	return (D_UNKNOWN);
    for (id = dir_by_len[len]; *id != D_UNKNOWN; id++)
	if (dir_name_len[*id] == len && name_is(name, dir_names[*id], len))
	    return ((enum dir_id) *id);
    return (D_UNKNOWN);
}

static const char *dir_name(const struct mg_digest_directive *dir)
{
    return (dir_names[dir_lookup(dir->name, dir->name_len)]);
}

/* Character classes of RFC 2616 section 2.2. */

static int is_ctl(int ch)
{
    return (ch < 32 || ch == 127);
}

 /*
  * RFC 2616 token characters: US-ASCII but controls and separators
  * ()<>@,;:\"/[]?={} SP HT. A table: every byte of a message is looked
  * up, and strchr() per byte was most of the cost of parsing.
  */
#define TOKEN_RANGE(lo, hi)	[lo ... hi] = 1
static const unsigned char token_char[256] = {
    ['!'] = 1, TOKEN_RANGE('#', '\''), TOKEN_RANGE('*', '+'), TOKEN_RANGE('-', '.'),
    TOKEN_RANGE('0', '9'), TOKEN_RANGE('A', 'Z'), TOKEN_RANGE('^', 'z'),
    ['|'] = 1, ['~'] = 1,
};

static int is_token_char(int ch)
{
    return (token_char[ch & 0xff]);
}

 /*
  * LWS is [CRLF] 1*(SP|HT). A bare CR or LF is not white space and ends
  * up as a bad character.
  */
static void skip_lws_slow(struct mg_digest_lexer *lx)
{
    while (lx->cp < lx->end) {
	if (*lx->cp == ' ' || *lx->cp == '\t')
	    lx->cp += 1;
	else if (lx->end - lx->cp >= 3 && lx->cp[0] == '\r' && lx->cp[1] == '\n'
		 && (lx->cp[2] == ' ' || lx->cp[2] == '\t'))
	    lx->cp += 3;
	else
	    break;
    }
}

 /*
  * Most places have no white space at all: say so without a call.
  */
static inline void skip_lws(struct mg_digest_lexer *lx)
{
    if (lx->cp < lx->end && (*lx->cp == ' ' || *lx->cp == '\t' || *lx->cp == '\r'))
	skip_lws_slow(lx);
}

 /*
  * The message parsers have checked the input (check_input()): no second
  * search for a NUL byte.
  */
static enum mg_code lex_start(struct mg_digest_lexer *lx, const char *in, size_t len,
			              char *buf, size_t bufsize)
{
    lx->cp = in;
    lx->end = in + len;
    lx->buf = buf;
    lx->bufsize = bufsize;
    return (MG_OK);
}

enum mg_code mg_digest_lex_init(struct mg_digest_lexer *lx, const char *in,
				        size_t len, char *buf, size_t bufsize,
				        struct mg_error *err)
{
    if (lx == 0 || (in == 0 && len > 0) || buf == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_lex_init: null argument"));
    if (bufsize < len + 1)
	return (mg_fail(err, MG_BADPARAM, "DIGEST-MD5 value buffer too small"));
    if (len > 0 && memchr(in, 0, len) != 0)
	return (mg_fail(err, MG_MALFORMED, "DIGEST-MD5 message contains a NUL byte"));
    lx->cp = in;
    lx->end = in + len;
    lx->buf = buf;
    lx->bufsize = bufsize;
    return (MG_OK);
}

 /*
  * Bytes a quoted string holds as they are: not a control (but HT), not
  * the closing quote, not a backslash.
  */
static const unsigned char quoted_plain[256] = {
    ['\t'] = 1, [' '] = 1, ['!'] = 1, ['#' ... '['] = 1, [']' ... '~'] = 1,
    [0x80 ... 0xff] = 1,
};

static enum mg_code lex_quoted(struct mg_digest_lexer *lx,
			               struct mg_digest_directive *dir,
			               struct mg_error *err)
{
    const char *run, *cp;
    size_t  n = 0;
    int     ch;

    for (lx->cp++; /* void */ ; n++) {
	/* Runs of ordinary bytes at once; the buffer holds len+1 bytes. */
	for (run = cp = lx->cp; lx->end - cp >= 4 && quoted_plain[(unsigned char) cp[0]]
	     && quoted_plain[(unsigned char) cp[1]] && quoted_plain[(unsigned char) cp[2]]
	     && quoted_plain[(unsigned char) cp[3]]; cp += 4)
	     /* void */ ;
	for (/* void */ ; cp < lx->end && quoted_plain[(unsigned char) *cp]; cp++)
	     /* void */ ;
	lx->cp = cp;
	if (lx->cp > run) {
	    memcpy(lx->buf + n, run, (size_t) (lx->cp - run));
	    n += (size_t) (lx->cp - run);
	}
	if (lx->cp >= lx->end)
	    return (mg_fail(err, MG_MALFORMED, "unterminated quoted string in %s "
			    "directive", dir_name(dir)));
	if ((ch = (unsigned char) *lx->cp++) == '"')
	    break;
	if (ch == '\\') {
	    if (lx->cp >= lx->end)
		return (mg_fail(err, MG_MALFORMED, "unterminated quoted string in "
				"%s directive", dir_name(dir)));
	    ch = (unsigned char) *lx->cp++;
	}
	if (is_ctl(ch) && ch != '\t')
	    return (mg_fail(err, MG_MALFORMED, "control character in value of %s "
			    "directive", dir_name(dir)));
	/* Cannot happen: the value is shorter than the input. */
	if (n + 1 >= lx->bufsize)
	    return (mg_fail(err, MG_BADPARAM, "DIGEST-MD5 value buffer too small"));
	lx->buf[n] = (char) ch;
    }
    lx->buf[n] = 0;
    dir->value = lx->buf;
    dir->value_len = n;
    dir->quoted = 1;
    return (MG_OK);
}

/* The end of the run of token characters at cp, four at a time where it can. */
static const char *token_end(const char *cp, const char *end)
{
    while (end - cp >= 4 && is_token_char((unsigned char) cp[0])
	   && is_token_char((unsigned char) cp[1]) && is_token_char((unsigned char) cp[2])
	   && is_token_char((unsigned char) cp[3]))
	cp += 4;
    while (cp < end && is_token_char((unsigned char) *cp))
	cp++;
    return (cp);
}

static enum mg_code lex_token(struct mg_digest_lexer *lx,
			              struct mg_digest_directive *dir,
			              struct mg_error *err)
{
    const char *start = lx->cp;
    size_t  n;

    lx->cp = token_end(start, lx->end);
    n = (size_t) (lx->cp - start);
    if (lx->cp < lx->end && *lx->cp != ',' && *lx->cp != ' '
	&& *lx->cp != '\t' && *lx->cp != '\r')
	return (mg_fail(err, MG_MALFORMED, "bad character in value of %s directive",
			dir_name(dir)));
    if (n == 0)
	return (mg_fail(err, MG_MALFORMED, "%s directive has no value",
			dir_name(dir)));
    if (n + 1 > lx->bufsize)
	return (mg_fail(err, MG_BADPARAM, "DIGEST-MD5 value buffer too small"));
    memcpy(lx->buf, start, n);
    lx->buf[n] = 0;
    dir->value = lx->buf;
    dir->value_len = n;
    dir->quoted = 0;
    return (MG_OK);
}

static enum mg_code lex_name(struct mg_digest_lexer *lx,
			             struct mg_digest_directive *dir,
			             struct mg_error *err)
{
    const char *start = lx->cp;

    lx->cp = token_end(start, lx->end);
    if (lx->cp == start)
	return (mg_fail(err, MG_MALFORMED, *start == '=' ?
			"directive without a name" :
			"bad character where a directive name was expected"));
    dir->name = start;
    dir->name_len = (size_t) (lx->cp - start);
    return (MG_OK);
}

enum mg_code mg_digest_lex_next(struct mg_digest_lexer *lx,
				        struct mg_digest_directive *dir,
				        struct mg_error *err)
{
    enum mg_code code;

    if (lx == 0 || dir == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_lex_next: null argument"));
    memset(dir, 0, sizeof(*dir));

    /* The #rule allows empty elements anywhere: ",,", leading, trailing. */
    for (;;) {
	skip_lws(lx);
	if (lx->cp >= lx->end)
	    return (MG_OK);
	if (*lx->cp != ',')
	    break;
	lx->cp++;
    }
    if ((code = lex_name(lx, dir, err)) != MG_OK)
	return (code);
    skip_lws(lx);
    if (lx->cp >= lx->end || *lx->cp != '=')
	return (mg_fail(err, MG_MALFORMED, "missing '=' after %s directive name",
			dir_name(dir)));
    lx->cp++;
    skip_lws(lx);
    code = (lx->cp < lx->end && *lx->cp == '"') ?
	lex_quoted(lx, dir, err) : lex_token(lx, dir, err);
    if (code != MG_OK)
	return (code);
    skip_lws(lx);
    if (lx->cp < lx->end && *lx->cp != ',')
	return (mg_fail(err, MG_MALFORMED, "%s directive is not followed by a comma",
			dir_name(dir)));
    return (MG_OK);
}

 /*
  * Value decoders. Each names the directive in its reasons, never the
  * value.
  */
static enum mg_code dup_value(char **slot, const struct mg_digest_directive *dir,
			              int may_be_empty, struct mg_error *err)
{
    if (!may_be_empty && dir->value_len == 0)
	return (mg_fail(err, MG_MALFORMED, "%s directive is empty", dir_name(dir)));
    return (mg_digest_set_string(slot, dir->value, err));
}

static enum mg_code decode_decimal(const struct mg_digest_directive *dir,
				           uint32_t *out, struct mg_error *err)
{
    uint64_t val = 0;
    size_t  i;

    if (dir->value_len == 0)
	return (mg_fail(err, MG_MALFORMED, "%s directive is empty", dir_name(dir)));
    for (i = 0; i < dir->value_len; i++) {
	if (dir->value[i] < '0' || dir->value[i] > '9')
	    return (mg_fail(err, MG_MALFORMED, "%s directive is not a decimal number",
			    dir_name(dir)));
	val = val * 10 + (uint64_t) (dir->value[i] - '0');
	if (val > UINT32_MAX)
	    return (mg_fail(err, MG_MALFORMED, "%s directive is out of range",
			    dir_name(dir)));
    }
    *out = (uint32_t) val;
    return (MG_OK);
}

static enum mg_code decode_hex(const struct mg_digest_directive *dir,
			               unsigned char *out, size_t outlen,
			               struct mg_error *err)
{
    if (dir->value_len != 2 * outlen)
	return (mg_fail(err, MG_MALFORMED, "%s directive must be %zu hex digits",
			dir_name(dir), 2 * outlen));
    if (!mg_hex_decode_clear((const unsigned char *) dir->value, out, outlen))
	return (mg_fail(err, MG_MALFORMED, "%s directive contains a non-hex "
			"character", dir_name(dir)));
    return (MG_OK);
}

static enum mg_code decode_nc(const struct mg_digest_directive *dir,
			              uint32_t *nc, struct mg_error *err)
{
    unsigned char bytes[4];
    enum mg_code code;

    if ((code = decode_hex(dir, bytes, sizeof(bytes), err)) != MG_OK)
	return (code);
    *nc = (uint32_t) bytes[0] << 24 | (uint32_t) bytes[1] << 16
	| (uint32_t) bytes[2] << 8 | bytes[3];
    return (MG_OK);
}

static enum mg_code decode_utf8(const struct mg_digest_directive *dir,
				        int *utf8, struct mg_error *err)
{
    /* RFC 2831 allows no other charset value. */
    if (strcasecmp(dir->value, "utf-8") != 0)
	return (mg_fail(err, MG_MALFORMED, "charset directive is not utf-8"));
    *utf8 = 1;
    return (MG_OK);
}

static enum mg_code decode_stale(const struct mg_digest_directive *dir,
				         int *stale, struct mg_error *err)
{
    if (strcasecmp(dir->value, "true") == 0)
	*stale = 1;
    else if (strcasecmp(dir->value, "false") == 0)
	*stale = 0;
    else
	return (mg_fail(err, MG_MALFORMED, "stale directive is neither true nor false"));
    return (MG_OK);
}

 /*
  * A challenge's qop and cipher values are quoted lists of tokens. Empty
  * elements are allowed; unknown options are ignored, as RFC 2831 asks
  * of clients, so that a future option does not break us.
  */
static enum mg_code decode_option_list(const struct mg_digest_directive *dir,
				               const struct mg_flag_name *opts,
				               unsigned *mask, struct mg_error *err)
{
    const char *cp = dir->value;
    const char *start;

    for (*mask = 0; /* void */ ; cp++) {
	while (*cp == ' ' || *cp == '\t')
	    cp++;
	if (*cp == ',')
	    continue;
	if (*cp == 0)
	    return (MG_OK);
	for (start = cp; is_token_char((unsigned char) *cp); cp++)
	     /* void */ ;
	if (cp == start)
	    return (mg_fail(err, MG_MALFORMED, "bad element in %s list",
			    dir_name(dir)));
	*mask |= mg_flag_lookup(opts, start, (size_t) (cp - start));
	while (*cp == ' ' || *cp == '\t')
	    cp++;
	if (*cp == 0)
	    return (MG_OK);
	if (*cp != ',')
	    return (mg_fail(err, MG_MALFORMED, "bad element in %s list",
			    dir_name(dir)));
    }
}

 /*
  * A response's qop and cipher values are exactly one known option: we
  * cannot compute a digest for a quality of protection we do not know.
  */
static enum mg_code decode_option(const struct mg_digest_directive *dir,
				          const struct mg_flag_name *opts,
				          unsigned *value, struct mg_error *err)
{
    if ((*value = mg_flag_lookup(opts, dir->value, dir->value_len)) == 0)
	return (mg_fail(err, MG_MALFORMED, "%s directive has an unknown value",
			dir_name(dir)));
    return (MG_OK);
}

 /*
  * Common front: limits first, so that nothing oversized is ever looked
  * at; then NUL bytes, which no directive may contain.
  */
static enum mg_code check_input(const char *in, size_t len, size_t max,
				        const char *what, struct mg_error *err)
{
    if (in == 0 && len > 0)
	return (mg_fail(err, MG_BADPARAM, "null DIGEST-MD5 %s", what));
    if (len > max)
	return (mg_fail(err, MG_TOOLONG, "DIGEST-MD5 %s of %zu bytes, more than %zu",
			what, len, max));
    if (len > 0 && memchr(in, 0, len) != 0)
	return (mg_fail(err, MG_MALFORMED, "DIGEST-MD5 %s contains a NUL byte", what));
    return (MG_OK);
}

static enum mg_code check_repeat(unsigned *seen, enum dir_id id,
				         struct mg_error *err)
{
    if (*seen & (1U << id))
	return (mg_fail(err, MG_MALFORMED, "repeated %s directive", dir_names[id]));
    *seen |= 1U << id;
    return (MG_OK);
}

static enum mg_code missing(unsigned seen, enum dir_id id, struct mg_error *err)
{
    if ((seen & (1U << id)) == 0)
	return (mg_fail(err, MG_MALFORMED, "missing %s directive", dir_names[id]));
    return (MG_OK);
}

 /*
  * The challenge.
  */
static enum mg_code challenge_directive(struct mg_digest_challenge *chal,
				             enum dir_id id,
				           const struct mg_digest_directive *dir,
				                struct mg_error *err)
{
    int     md5_sess;

    switch (id) {
    case D_REALM:
	return (mg_digest_add_realm(chal, dir->value, err));
    case D_NONCE:
	return (dup_value(&chal->nonce, dir, 0, err));
    case D_QOP:
	return (decode_option_list(dir, mg_digest_qop_names, &chal->qops, err));
    case D_CIPHER:
	return (decode_option_list(dir, mg_digest_cipher_names, &chal->ciphers, err));
    case D_STALE:
	return (decode_stale(dir, &chal->stale, err));
    case D_MAXBUF:
	return (decode_decimal(dir, &chal->maxbuf, err));
    case D_CHARSET:
	return (decode_utf8(dir, &chal->utf8, err));
    case D_ALGORITHM:
	/* Recorded, not judged: mg_digest_validate_challenge() decides. */
	md5_sess = strcasecmp(dir->value, "md5-sess") == 0;
	chal->algorithm = md5_sess ? MG_DIGEST_ALG_MD5_SESS : MG_DIGEST_ALG_OTHER;
	return (MG_OK);
    default:
	return (MG_OK);
    }
}

static int challenge_knows(enum dir_id id)
{
    switch (id) {
    case D_REALM: case D_NONCE: case D_QOP: case D_CIPHER: case D_STALE:
    case D_MAXBUF: case D_CHARSET: case D_ALGORITHM:
	return (1);
    default:
	return (0);
    }
}

static enum mg_code challenge_loop(struct mg_digest_lexer *lx,
				           struct mg_digest_challenge *chal,
				           unsigned *seen, struct mg_error *err)
{
    struct mg_digest_directive dir;
    enum mg_code code;
    enum dir_id id;

    for (;;) {
	if ((code = mg_digest_lex_next(lx, &dir, err)) != MG_OK)
	    return (code);
	if (dir.name == 0)
	    return (MG_OK);
	if (!challenge_knows(id = dir_lookup(dir.name, dir.name_len)))
	    continue;
	if (id == D_REALM)
	    *seen |= 1U << id;
	else if ((code = check_repeat(seen, id, err)) != MG_OK)
	    return (code);
	if ((code = challenge_directive(chal, id, &dir, err)) != MG_OK)
	    return (code);
    }
}

 /*
  * The lexer writes at most len+1 bytes of buf (values without their
  * quotes and escapes, and a NUL): erase those, not the whole buffer.
  */
static size_t used_bytes(size_t len, size_t bufsize)
{
    return (len < bufsize ? len + 1 : bufsize);
}

enum mg_code mg_digest_parse_challenge(const char *in, size_t len,
				               struct mg_digest_challenge *chal,
				               struct mg_error *err)
{
    char    buf[MG_DIGEST_CHALLENGE_MAX + 1];
    struct mg_digest_lexer lx;
    unsigned seen = 0;
    enum mg_code code;

    if (chal == 0)
	return (mg_fail(err, MG_BADPARAM, "null DIGEST-MD5 challenge structure"));
    mg_digest_challenge_free(chal);
    if ((code = check_input(in, len, MG_DIGEST_CHALLENGE_MAX, "challenge", err)) != MG_OK
	|| (code = lex_start(&lx, in, len, buf, sizeof(buf))) != MG_OK
	|| (code = challenge_loop(&lx, chal, &seen, err)) != MG_OK
	|| (code = missing(seen, D_NONCE, err)) != MG_OK)
	mg_digest_challenge_free(chal);
    mg_cleanse(buf, used_bytes(len, sizeof(buf)));
    return (code);
}

 /*
  * The response.
  */
static enum mg_code response_directive(struct mg_digest_response *resp,
				               enum dir_id id,
				           const struct mg_digest_directive *dir,
				               struct mg_error *err)
{
    unsigned val;
    enum mg_code code;

    switch (id) {
    case D_USERNAME:
	return (dup_value(&resp->username, dir, 0, err));
    case D_REALM:
	resp->has_realm = 1;
	return (dup_value(&resp->realm, dir, 1, err));
    case D_NONCE:
	return (dup_value(&resp->nonce, dir, 0, err));
    case D_CNONCE:
	return (dup_value(&resp->cnonce, dir, 0, err));
    case D_NC:
	return (decode_nc(dir, &resp->nc, err));
    case D_DIGEST_URI:
	return (dup_value(&resp->digest_uri, dir, 0, err));
    case D_RESPONSE:
	return (decode_hex(dir, resp->response, sizeof(resp->response), err));
    case D_MAXBUF:
	return (decode_decimal(dir, &resp->maxbuf, err));
    case D_CHARSET:
	return (decode_utf8(dir, &resp->utf8, err));
    case D_AUTHZID:
	/* Present but empty still adds ":" to A1, as Cyrus computes it. */
	return (dup_value(&resp->authzid, dir, 1, err));
    case D_QOP:
	if ((code = decode_option(dir, mg_digest_qop_names, &val, err)) == MG_OK)
	    resp->qop = (enum mg_digest_qop) val;
	return (code);
    case D_CIPHER:
	if ((code = decode_option(dir, mg_digest_cipher_names, &val, err)) == MG_OK)
	    resp->cipher = (enum mg_digest_cipher) val;
	return (code);
    default:
	return (MG_OK);
    }
}

static int response_knows(enum dir_id id)
{
    switch (id) {
    case D_USERNAME: case D_REALM: case D_NONCE: case D_CNONCE: case D_NC:
    case D_DIGEST_URI: case D_RESPONSE: case D_MAXBUF: case D_CHARSET:
    case D_AUTHZID: case D_QOP: case D_CIPHER:
	return (1);
    default:
	return (0);
    }
}

static enum mg_code response_loop(struct mg_digest_lexer *lx,
				          struct mg_digest_response *resp,
				          unsigned *seen, struct mg_error *err)
{
    struct mg_digest_directive dir;
    enum mg_code code;
    enum dir_id id;

    for (;;) {
	if ((code = mg_digest_lex_next(lx, &dir, err)) != MG_OK)
	    return (code);
	if (dir.name == 0)
	    return (MG_OK);
	if (!response_knows(id = dir_lookup(dir.name, dir.name_len)))
	    continue;
	if ((code = check_repeat(seen, id, err)) != MG_OK
	    || (code = response_directive(resp, id, &dir, err)) != MG_OK)
	    return (code);
    }
}

static enum mg_code response_complete(struct mg_digest_response *resp,
				              unsigned seen, struct mg_error *err)
{
    static const enum dir_id required[] = {
	D_USERNAME, D_NONCE, D_CNONCE, D_NC, D_DIGEST_URI, D_RESPONSE,
    };
    enum mg_code code;
    size_t  i;

    for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
	if ((code = missing(seen, required[i], err)) != MG_OK)
	    return (code);
    if (resp->realm == 0)
	return (mg_digest_set_string(&resp->realm, "", err));
    return (MG_OK);
}

enum mg_code mg_digest_parse_response(const char *in, size_t len,
				              struct mg_digest_response *resp,
				              struct mg_error *err)
{
    char    buf[MG_DIGEST_RESPONSE_MAX + 1];
    struct mg_digest_lexer lx;
    unsigned seen = 0;
    enum mg_code code;

    if (resp == 0)
	return (mg_fail(err, MG_BADPARAM, "null DIGEST-MD5 response structure"));
    mg_digest_response_free(resp);
    if ((code = check_input(in, len, MG_DIGEST_RESPONSE_MAX, "response", err)) != MG_OK
	|| (code = lex_start(&lx, in, len, buf, sizeof(buf))) != MG_OK
	|| (code = response_loop(&lx, resp, &seen, err)) != MG_OK
	|| (code = response_complete(resp, seen, err)) != MG_OK)
	mg_digest_response_free(resp);
    mg_cleanse(buf, used_bytes(len, sizeof(buf)));
    return (code);
}

 /*
  * The server's final message.
  */
static enum mg_code rspauth_loop(struct mg_digest_lexer *lx,
				         struct mg_digest_rspauth *ra,
				         unsigned *seen, struct mg_error *err)
{
    struct mg_digest_directive dir;
    enum mg_code code;

    for (;;) {
	if ((code = mg_digest_lex_next(lx, &dir, err)) != MG_OK)
	    return (code);
	if (dir.name == 0)
	    return (MG_OK);
	if (dir_lookup(dir.name, dir.name_len) != D_RSPAUTH)
	    continue;
	if ((code = check_repeat(seen, D_RSPAUTH, err)) != MG_OK
	    || (code = decode_hex(&dir, ra->rspauth, sizeof(ra->rspauth), err)) != MG_OK)
	    return (code);
    }
}

enum mg_code mg_digest_parse_rspauth(const char *in, size_t len,
				             struct mg_digest_rspauth *ra,
				             struct mg_error *err)
{
    char    buf[MG_DIGEST_RSPAUTH_MAX + 1];
    struct mg_digest_lexer lx;
    unsigned seen = 0;
    enum mg_code code;

    if (ra == 0)
	return (mg_fail(err, MG_BADPARAM, "null DIGEST-MD5 rspauth structure"));
    memset(ra, 0, sizeof(*ra));
    if ((code = check_input(in, len, MG_DIGEST_RSPAUTH_MAX, "rspauth message", err)) != MG_OK
	|| (code = lex_start(&lx, in, len, buf, sizeof(buf))) != MG_OK
	|| (code = rspauth_loop(&lx, ra, &seen, err)) != MG_OK
	|| (code = missing(seen, D_RSPAUTH, err)) != MG_OK)
	memset(ra, 0, sizeof(*ra));
    mg_cleanse(buf, used_bytes(len, sizeof(buf)));
    return (code);
}
