/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the DIGEST-MD5 core (src/digest/). Expected digests are
 * either the RFC 2831 worked examples or computed here, independently of
 * the core, with OpenSSL EVP MD5.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "digest/digest.h"
#include "mg_util.h"

 /*
  * The response digest checked against the one reading secret->charset
  * names (the plugin's check, mg_digest_verify_server(), also tries the
  * other reading).
  */
static enum mg_code verify_response(const struct mg_digest_response *resp,
				            const struct mg_digest_secret *secret,
				            struct mg_error *err)
{
    unsigned char expected[MG_DIGEST_HASH_LEN];
    enum mg_code code;

    code = mg_digest_compute(resp, secret, MG_DIGEST_A2_RESPONSE, expected, err);
    if (code == MG_OK && !mg_equal_ct(expected, resp->response, sizeof(expected)))
	code = mg_fail(err, MG_BADAUTH, "DIGEST-MD5 response does not verify");
    mg_cleanse(expected, sizeof(expected));
    return (code);
}

/* RFC 2831, section 4: the IMAP example. */
#define RFC_USER	"chris"
#define RFC_PASS	"secret"
#define RFC_REALM	"elwood.innosoft.com"
#define RFC_NONCE	"OA6MG9tEQGm2hh"
#define RFC_CNONCE	"OA6MHXh6VqTrRk"
#define RFC_URI		"imap/elwood.innosoft.com"
#define RFC_RESPONSE	"d388dad90d4bbd760a152321f2143af7"
#define RFC_RSPAUTH	"ea40f60335c427b5527b84dbabcdfffd"

#define RFC_CHAL_TEXT \
    "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\"," \
    "algorithm=md5-sess,charset=utf-8"
#define RFC_RESP_TEXT \
    "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\"," \
    "nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\"," \
    "digest-uri=\"imap/elwood.innosoft.com\"," \
    "response=d388dad90d4bbd760a152321f2143af7,qop=auth"

/* Response text with every required directive, for refusal tests. */
#define R_USER	"username=\"chris\""
#define R_NONCE	"nonce=\"OA6MG9tEQGm2hh\""
#define R_CNON	"cnonce=\"OA6MHXh6VqTrRk\""
#define R_NC	"nc=00000001"
#define R_URI	"digest-uri=\"imap/elwood.innosoft.com\""
#define R_RESP	"response=d388dad90d4bbd760a152321f2143af7"

 /*
  * Independent MD5 of the concatenation of (pointer, length) pairs; a
  * null pointer ends the list.
  */
static void md5_of(unsigned char out[16],...)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const void *data;
    unsigned int n;
    va_list ap;

    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(EVP_DigestInit_ex(ctx, EVP_md5(), 0), 1);
    va_start(ap, out);
    while ((data = va_arg(ap, const void *)) != 0)
	ck_assert_int_eq(EVP_DigestUpdate(ctx, data, va_arg(ap, size_t)), 1);
    va_end(ap);
    ck_assert_int_eq(EVP_DigestFinal_ex(ctx, out, &n), 1);
    EVP_MD_CTX_free(ctx);
}

#define S(str)	(const void *) (str), strlen(str)

static const char *hex16(const unsigned char *d, char out[33])
{
    mg_hex_encode(d, 16, out);
    return (out);
}

static struct mg_digest_secret plain_secret(const char *password)
{
    struct mg_digest_secret secret;

    memset(&secret, 0, sizeof(secret));
    secret.kind = MG_DIGEST_SECRET_PASSWORD;
    secret.password = (const unsigned char *) password;
    secret.password_len = strlen(password);
    return (secret);
}

static struct mg_digest_secret hash_secret(const unsigned char *userhash)
{
    struct mg_digest_secret secret;

    memset(&secret, 0, sizeof(secret));
    secret.kind = MG_DIGEST_SECRET_USERHASH;
    secret.userhash = userhash;
    return (secret);
}

 /*
  * The RFC example response, built field by field (not parsed), so that
  * compute tests do not depend on the parser.
  */
static void rfc_response(struct mg_digest_response *resp)
{
    mg_digest_response_init(resp);
    ck_assert_int_eq(mg_digest_set_string(&resp->username, RFC_USER, 0), MG_OK);
    ck_assert_int_eq(mg_digest_set_string(&resp->realm, RFC_REALM, 0), MG_OK);
    resp->has_realm = 1;
    ck_assert_int_eq(mg_digest_set_string(&resp->nonce, RFC_NONCE, 0), MG_OK);
    ck_assert_int_eq(mg_digest_set_string(&resp->cnonce, RFC_CNONCE, 0), MG_OK);
    ck_assert_int_eq(mg_digest_set_string(&resp->digest_uri, RFC_URI, 0), MG_OK);
    resp->nc = 1;
    resp->qop = MG_DIGEST_QOP_AUTH;
    resp->utf8 = 1;
}

static void parse_rfc_pair(struct mg_digest_challenge *chal,
			           struct mg_digest_response *resp)
{
    struct mg_error err;

    mg_digest_challenge_init(chal);
    mg_digest_response_init(resp);
    ck_assert_int_eq(mg_digest_parse_challenge(RFC_CHAL_TEXT, strlen(RFC_CHAL_TEXT),
					       chal, &err), MG_OK);
    ck_assert_int_eq(mg_digest_parse_response(RFC_RESP_TEXT, strlen(RFC_RESP_TEXT),
					      resp, &err), MG_OK);
}

 /*
  * Parse a response that must be refused, and check code and reason.
  */
static void refuse_response(const char *text, size_t len, enum mg_code code,
			            const char *reason)
{
    struct mg_digest_response resp;
    struct mg_error err;

    mg_error_clear(&err);
    mg_digest_response_init(&resp);
    ck_assert_int_eq(mg_digest_parse_response(text, len, &resp, &err), code);
    ck_assert_int_eq(err.code, code);
    ck_assert_str_eq(err.reason, reason);
    /* A refused parse leaves nothing allocated behind. */
    ck_assert_ptr_null(resp.username);
    ck_assert_ptr_null(resp.realm);
    mg_digest_response_free(&resp);
}

static void refuse_challenge(const char *text, size_t len, enum mg_code code,
			             const char *reason)
{
    struct mg_digest_challenge chal;
    struct mg_error err;

    mg_error_clear(&err);
    mg_digest_challenge_init(&chal);
    ck_assert_int_eq(mg_digest_parse_challenge(text, len, &chal, &err), code);
    ck_assert_str_eq(err.reason, reason);
    ck_assert_ptr_null(chal.nonce);
    ck_assert_uint_eq(chal.realm_count, 0);
    mg_digest_challenge_free(&chal);
}

#define REFUSE_R(text, code, reason) refuse_response(text, strlen(text), code, reason)
#define REFUSE_C(text, code, reason) refuse_challenge(text, strlen(text), code, reason)

/*
 * Compute.
 */

START_TEST(rfc2831_imap_example)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret = plain_secret(RFC_PASS);
    unsigned char out[16];
    char    hex[33];

    rfc_response(&resp);
    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RESPONSE, out, 0),
		     MG_OK);
    ck_assert_str_eq(hex16(out, hex), RFC_RESPONSE);
    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RSPAUTH, out, 0),
		     MG_OK);
    ck_assert_str_eq(hex16(out, hex), RFC_RSPAUTH);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(rfc2831_imap_example_parsed_and_verified)
{
    static const char *const hosts[] = {"elwood.innosoft.com", 0};
    struct mg_digest_expect expect = {"imap", hosts, 1};
    struct mg_digest_challenge chal;
    struct mg_digest_response resp;
    struct mg_digest_rspauth ra;
    struct mg_digest_report report;
    struct mg_digest_secret secret = plain_secret(RFC_PASS);
    struct mg_error err;
    const char *ratext = "rspauth=" RFC_RSPAUTH;

    parse_rfc_pair(&chal, &resp);
    ck_assert_int_eq(mg_digest_validate_challenge(&chal, MG_DIGEST_QOP_AUTH, &err), MG_OK);
    ck_assert_int_eq(mg_digest_validate_response(&chal, &resp, &expect, &report, &err),
		     MG_OK);
    ck_assert_int_eq(report.host_matched, 1);
    ck_assert_int_eq(report.realm_offered, 1);
    ck_assert_int_eq(verify_response(&resp, &secret, &err), MG_OK);
    ck_assert_int_eq(mg_digest_parse_rspauth(ratext, strlen(ratext), &ra, &err), MG_OK);
    ck_assert_int_eq(mg_digest_verify_rspauth(&resp, &secret, &ra, &err), MG_OK);

    /* A wrong password and a wrong rspauth are both refused. */
    secret = plain_secret("Secret");
    ck_assert_int_eq(verify_response(&resp, &secret, &err), MG_BADAUTH);
    ck_assert_str_eq(err.reason, "DIGEST-MD5 response does not verify");
    ck_assert_int_eq(mg_digest_verify_rspauth(&resp, &secret, &ra, &err), MG_BADSERV);
    ck_assert_str_eq(err.reason, "DIGEST-MD5 rspauth does not verify");
    mg_digest_challenge_free(&chal);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(rfc2831_acap_example)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret = plain_secret(RFC_PASS);
    unsigned char out[16];
    char    hex[33];

    rfc_response(&resp);
    ck_assert_int_eq(mg_digest_set_string(&resp.nonce, "OA9BSXrbuRhWay", 0), MG_OK);
    ck_assert_int_eq(mg_digest_set_string(&resp.cnonce, "OA9BSuZWMSpW8m", 0), MG_OK);
    ck_assert_int_eq(mg_digest_set_string(&resp.digest_uri,
					  "acap/elwood.innosoft.com", 0), MG_OK);
    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RESPONSE, out, 0),
		     MG_OK);
    ck_assert_str_eq(hex16(out, hex), "6084c6db3fede7352c551284490fd0fc");
    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RSPAUTH, out, 0),
		     MG_OK);
    ck_assert_str_eq(hex16(out, hex), "2f0b3d7c3c2e486600ef710726aa2eae");
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(hex_a1_is_wrong)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret = plain_secret(RFC_PASS);
    unsigned char userhash[16];
    unsigned char ha1[16];
    unsigned char wrong_ha1[16];
    unsigned char right_ha1[16];
    unsigned char out[16];
    char    uh_hex[33];
    char    hex[33];
    struct mg_error err;

    rfc_response(&resp);
    md5_of(userhash, S(RFC_USER ":" RFC_REALM ":" RFC_PASS), (void *) 0);
    hex16(userhash, uh_hex);

    /* The correct A1 starts with the 16 binary bytes... */
    md5_of(right_ha1, userhash, (size_t) 16, S(":" RFC_NONCE ":" RFC_CNONCE), (void *) 0);
    ck_assert_int_eq(mg_digest_ha1(&resp, &secret, ha1, 0), MG_OK);
    ck_assert_mem_eq(ha1, right_ha1, 16);

    /* ...the classic bug puts their 32 hex digits there instead. */
    md5_of(wrong_ha1, S(uh_hex), S(":" RFC_NONCE ":" RFC_CNONCE), (void *) 0);
    ck_assert_int_ne(memcmp(wrong_ha1, ha1, 16), 0);
    ck_assert_int_eq(mg_digest_kd(wrong_ha1, &resp, MG_DIGEST_A2_RESPONSE, out, 0), MG_OK);
    ck_assert_str_ne(hex16(out, hex), RFC_RESPONSE);

    /* A client with that bug does not get in. */
    memcpy(resp.response, out, 16);
    ck_assert_int_eq(verify_response(&resp, &secret, &err), MG_BADAUTH);

    /* The correct H(A1) through KD gives the RFC value. */
    ck_assert_int_eq(mg_digest_kd(right_ha1, &resp, MG_DIGEST_A2_RESPONSE, out, 0), MG_OK);
    ck_assert_str_eq(hex16(out, hex), RFC_RESPONSE);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(precomputed_userhash_secret)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret;
    struct mg_digest_rspauth ra;
    unsigned char userhash[16];
    unsigned char expect_uh[16];
    unsigned char out[16];
    char    hex[33];
    struct mg_error err;

    ck_assert_int_eq(mg_digest_userhash(RFC_USER, RFC_REALM,
					(const unsigned char *) RFC_PASS, 6, 1,
					userhash, 0), MG_OK);
    md5_of(expect_uh, S(RFC_USER ":" RFC_REALM ":" RFC_PASS), (void *) 0);
    ck_assert_mem_eq(userhash, expect_uh, 16);

    rfc_response(&resp);
    secret = hash_secret(userhash);
    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RESPONSE, out, 0),
		     MG_OK);
    ck_assert_str_eq(hex16(out, hex), RFC_RESPONSE);
    memcpy(resp.response, out, 16);
    ck_assert_int_eq(verify_response(&resp, &secret, &err), MG_OK);
    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RSPAUTH, out, 0),
		     MG_OK);
    ck_assert_str_eq(hex16(out, hex), RFC_RSPAUTH);
    memcpy(ra.rspauth, out, 16);
    ck_assert_int_eq(mg_digest_verify_rspauth(&resp, &secret, &ra, &err), MG_OK);

    /* A hash of another password does not verify. */
    md5_of(userhash, S(RFC_USER ":" RFC_REALM ":secreT"), (void *) 0);
    ck_assert_int_eq(verify_response(&resp, &secret, &err), MG_BADAUTH);

    /* A hash secret without its bytes is caller misuse. */
    secret.userhash = 0;
    ck_assert_int_eq(verify_response(&resp, &secret, &err), MG_BADPARAM);
    mg_digest_response_free(&resp);
}
END_TEST

 /*
  * charset=utf-8: user, realm and password each go to ISO-8859-1 when
  * they can, and stay UTF-8 when they cannot.
  */
static void check_userhash(const char *user, const char *realm, const char *pass,
			           int utf8, const char *expect_text)
{
    unsigned char got[16];
    unsigned char want[16];

    ck_assert_int_eq(mg_digest_userhash(user, realm, (const unsigned char *) pass,
					strlen(pass), utf8, got, 0), MG_OK);
    md5_of(want, S(expect_text), (void *) 0);
    ck_assert_mem_eq(got, want, 16);
}

START_TEST(charset_latin1_is_converted)
{
    /* "jürgen" in UTF-8 hashes as ISO-8859-1 bytes, with realm and pass. */
    check_userhash("j\xc3\xbcrgen", "r\xc3\xa9" "alm", "p\xc3\xa4\xc3\x9f", 1,
		   "j\xfcrgen:r\xe9" "alm:p\xe4\xdf");
    /* Without charset=utf-8 the bytes are hashed as they are. */
    check_userhash("j\xc3\xbcrgen", "realm", "pass", 0, "j\xc3\xbcrgen:realm:pass");
    /* U+0080 and U+00FF, the ends of the range. */
    check_userhash("\xc2\x80\xc3\xbf", "r", "p", 1, "\x80\xff:r:p");
}
END_TEST

START_TEST(charset_beyond_latin1_stays_utf8)
{
    /* "Jiří": ř is U+0159, so the whole name stays UTF-8, í included. */
    check_userhash("Ji\xc5\x99\xc3\xad", "realm", "pass", 1,
		   "Ji\xc5\x99\xc3\xad:realm:pass");
    /* "東京" */
    check_userhash("\xe6\x9d\xb1\xe4\xba\xac", "realm", "pass", 1,
		   "\xe6\x9d\xb1\xe4\xba\xac:realm:pass");
    /* Each string is judged alone: user converts, password does not. */
    check_userhash("j\xc3\xbcrgen", "realm", "\xe6\x9d\xb1", 1,
		   "j\xfcrgen:realm:\xe6\x9d\xb1");
}
END_TEST

START_TEST(charset_invalid_utf8_hashed_as_is)
{
    /* ISO-8859-1 bytes that are not UTF-8. */
    check_userhash("j\xfcrgen", "realm", "pass", 1, "j\xfcrgen:realm:pass");
    /* Truncated sequence at the end. */
    check_userhash("j\xc3", "realm", "pass", 1, "j\xc3:realm:pass");
    /* Lead byte followed by a non-continuation byte. */
    check_userhash("j\xc3(", "realm", "pass", 1, "j\xc3(:realm:pass");
    /* Overlong encoding of a space. */
    check_userhash("\xc0\xa0", "realm", "pass", 1, "\xc0\xa0:realm:pass");
}
END_TEST

START_TEST(charset_long_password_chunks)
{
    char    pass[2 * 150 + 1];
    char    want[16 + 150 + 1];
    int     i;

    /* 150 times "é", longer than the conversion buffer. */
    for (i = 0; i < 150; i++) {
	pass[2 * i] = '\xc3';
	pass[2 * i + 1] = '\xa9';
	want[4 + i] = '\xe9';
    }
    pass[300] = 0;
    memcpy(want, "u:r:", 4);
    want[4 + 150] = 0;
    check_userhash("u", "r", pass, 1, want);
}
END_TEST

START_TEST(charset_flag_of_response_drives_a1)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret = plain_secret("p\xc3\xa4ss");
    struct mg_digest_secret hashed;
    unsigned char latin1_uh[16];
    unsigned char a[16];
    unsigned char b[16];

    rfc_response(&resp);
    ck_assert_int_eq(mg_digest_set_string(&resp.username, "j\xc3\xbcrgen", 0), MG_OK);
    md5_of(latin1_uh, S("j\xfcrgen:" RFC_REALM ":p\xe4ss"), (void *) 0);
    hashed = hash_secret(latin1_uh);

    resp.utf8 = 1;
    ck_assert_int_eq(mg_digest_ha1(&resp, &secret, a, 0), MG_OK);
    ck_assert_int_eq(mg_digest_ha1(&resp, &hashed, b, 0), MG_OK);
    ck_assert_mem_eq(a, b, 16);

    resp.utf8 = 0;
    ck_assert_int_eq(mg_digest_ha1(&resp, &secret, a, 0), MG_OK);
    ck_assert_int_ne(memcmp(a, b, 16), 0);
    mg_digest_response_free(&resp);
}
END_TEST

 /*
  * A response as a stock Cyrus 2.1.28 client makes it: no charset
  * directive, yet user, realm and password hashed as ISO-8859-1.
  */
static void cyrus_style_response(struct mg_digest_response *resp, const char *user,
				         const char *pass, int utf8_sent,
				         enum mg_digest_charset hashed_as)
{
    struct mg_digest_secret secret = plain_secret(pass);

    rfc_response(resp);
    ck_assert_int_eq(mg_digest_set_string(&resp->username, user, 0), MG_OK);
    resp->utf8 = utf8_sent;
    secret.charset = hashed_as;
    ck_assert_int_eq(mg_digest_compute(resp, &secret, MG_DIGEST_A2_RESPONSE,
				       resp->response, 0), MG_OK);
}

START_TEST(charset_rule_of_secret)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret = plain_secret("gr\xc3\xbc\xc3\x9f" "e");
    unsigned char uh[16], want[16], got[16];

    rfc_response(&resp);
    ck_assert_int_eq(mg_digest_set_string(&resp.username, "j\xc3\xbcrgen", 0), MG_OK);

    /* LATIN1 converts even without charset=utf-8. */
    resp.utf8 = 0;
    secret.charset = MG_DIGEST_CHARSET_LATIN1;
    md5_of(uh, S("j\xfcrgen:" RFC_REALM ":gr\xfc\xdf" "e"), (void *) 0);
    md5_of(want, uh, (size_t) 16, S(":" RFC_NONCE ":" RFC_CNONCE), (void *) 0);
    ck_assert_int_eq(mg_digest_ha1(&resp, &secret, got, 0), MG_OK);
    ck_assert_mem_eq(got, want, 16);

    /* RAW never converts, even with charset=utf-8. */
    resp.utf8 = 1;
    secret.charset = MG_DIGEST_CHARSET_RAW;
    md5_of(uh, S("j\xc3\xbcrgen:" RFC_REALM ":gr\xc3\xbc\xc3\x9f" "e"), (void *) 0);
    md5_of(want, uh, (size_t) 16, S(":" RFC_NONCE ":" RFC_CNONCE), (void *) 0);
    ck_assert_int_eq(mg_digest_ha1(&resp, &secret, got, 0), MG_OK);
    ck_assert_mem_eq(got, want, 16);

    /* An out-of-range rule is caller misuse. */
    secret.charset = (enum mg_digest_charset) 7;
    ck_assert_int_eq(mg_digest_ha1(&resp, &secret, got, 0), MG_BADPARAM);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(verify_server_accepts_both_readings)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret = plain_secret("gr\xc3\xbc\xc3\x9f" "e");
    struct mg_digest_secret fixed;
    enum mg_digest_charset used = MG_DIGEST_CHARSET_DIRECTIVE;
    unsigned char ha1[16], want[16], got[16];
    struct mg_error err;

    /* Stock Cyrus client: no charset directive, converted anyway. */
    cyrus_style_response(&resp, "j\xc3\xbcrgen", "gr\xc3\xbc\xc3\x9f" "e", 0,
			 MG_DIGEST_CHARSET_LATIN1);
    ck_assert_int_eq(verify_response(&resp, &secret, &err), MG_BADAUTH);
    ck_assert_int_eq(mg_digest_verify_server(&resp, &secret, ha1, &used, &err), MG_OK);
    ck_assert_int_eq(used, MG_DIGEST_CHARSET_LATIN1);
    /* rspauth from the H(A1) that verified is what that client expects. */
    ck_assert_int_eq(mg_digest_kd(ha1, &resp, MG_DIGEST_A2_RSPAUTH, got, 0), MG_OK);
    fixed = secret;
    fixed.charset = MG_DIGEST_CHARSET_LATIN1;
    ck_assert_int_eq(mg_digest_compute(&resp, &fixed, MG_DIGEST_A2_RSPAUTH, want, 0),
		     MG_OK);
    ck_assert_mem_eq(got, want, 16);
    mg_digest_response_free(&resp);

    /* A client that says utf-8 but hashes the UTF-8 bytes. */
    cyrus_style_response(&resp, "j\xc3\xbcrgen", "gr\xc3\xbc\xc3\x9f" "e", 1,
			 MG_DIGEST_CHARSET_RAW);
    ck_assert_int_eq(verify_response(&resp, &secret, &err), MG_BADAUTH);
    ck_assert_int_eq(mg_digest_verify_server(&resp, &secret, ha1, &used, &err), MG_OK);
    ck_assert_int_eq(used, MG_DIGEST_CHARSET_RAW);
    ck_assert_int_eq(mg_digest_kd(ha1, &resp, MG_DIGEST_A2_RSPAUTH, got, 0), MG_OK);
    fixed.charset = MG_DIGEST_CHARSET_RAW;
    ck_assert_int_eq(mg_digest_compute(&resp, &fixed, MG_DIGEST_A2_RSPAUTH, want, 0),
		     MG_OK);
    ck_assert_mem_eq(got, want, 16);

    /* The wrong password fails both readings, and ha1 is not left behind. */
    secret = plain_secret("gr\xc3\xbc\xc3\x9f" "E");
    memset(ha1, 0xaa, 16);
    ck_assert_int_eq(mg_digest_verify_server(&resp, &secret, ha1, &used, &err),
		     MG_BADAUTH);
    ck_assert_str_eq(err.reason, "DIGEST-MD5 response does not verify");
    memset(want, 0, 16);
    ck_assert_mem_eq(ha1, want, 16);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(kd_pair_and_rspauth_with_verification)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret = plain_secret(RFC_PASS);
    unsigned char ha1[16], response[16], rspauth[16], want[16];
    char    hex[33];

    /* Both KDs at once equal one at a time, and the RFC's rspauth. */
    rfc_response(&resp);
    ck_assert_int_eq(mg_hex_decode(RFC_RESPONSE, 32, resp.response, 16, 0), MG_OK);
    ck_assert_int_eq(mg_digest_ha1(&resp, &secret, ha1, 0), MG_OK);
    ck_assert_int_eq(mg_digest_kd_pair(ha1, &resp, response, rspauth, 0), MG_OK);
    ck_assert_int_eq(mg_digest_kd(ha1, &resp, MG_DIGEST_A2_RESPONSE, want, 0), MG_OK);
    ck_assert_mem_eq(response, want, 16);
    ck_assert_str_eq(hex16(response, hex), RFC_RESPONSE);
    ck_assert_str_eq(hex16(rspauth, hex), RFC_RSPAUTH);
    ck_assert_int_eq(mg_digest_kd_pair(ha1, &resp, 0, rspauth, 0), MG_BADPARAM);

    /* The server's verification hands out the same rspauth, and only on success. */
    memset(rspauth, 0, 16);
    ck_assert_int_eq(mg_digest_verify_server_rspauth(&resp, &secret, ha1, 0, rspauth, 0),
		     MG_OK);
    ck_assert_str_eq(hex16(rspauth, hex), RFC_RSPAUTH);
    secret = plain_secret(RFC_PASS "x");
    memset(rspauth, 0x55, 16);
    memcpy(want, rspauth, 16);
    ck_assert_int_eq(mg_digest_verify_server_rspauth(&resp, &secret, ha1, 0, rspauth, 0),
		     MG_BADAUTH);
    ck_assert_mem_eq(rspauth, want, 16);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(verify_server_rfc_example_and_userhash)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret = plain_secret(RFC_PASS);
    enum mg_digest_charset used;
    unsigned char userhash[16], ha1[16], out[16];
    char    hex[33];
    struct mg_error err;

    rfc_response(&resp);
    ck_assert_int_eq(mg_hex_decode(RFC_RESPONSE, 32, resp.response, 16, 0), MG_OK);
    ck_assert_int_eq(mg_digest_verify_server(&resp, &secret, ha1, &used, &err), MG_OK);
    ck_assert_int_eq(mg_digest_kd(ha1, &resp, MG_DIGEST_A2_RSPAUTH, out, 0), MG_OK);
    ck_assert_str_eq(hex16(out, hex), RFC_RSPAUTH);

    md5_of(userhash, S(RFC_USER ":" RFC_REALM ":" RFC_PASS), (void *) 0);
    secret = hash_secret(userhash);
    ck_assert_int_eq(mg_digest_verify_server(&resp, &secret, ha1, 0, &err), MG_OK);
    md5_of(userhash, S(RFC_USER ":" RFC_REALM ":x"), (void *) 0);
    ck_assert_int_eq(mg_digest_verify_server(&resp, &secret, ha1, 0, &err), MG_BADAUTH);
    ck_assert_int_eq(mg_digest_verify_server(&resp, 0, ha1, 0, &err), MG_BADPARAM);
    mg_digest_response_free(&resp);
}
END_TEST

 /*
  * Independent computation of a response or rspauth value.
  */
static void independent(unsigned char out[16], const char *authzid,
			        const char *qop, const char *a2_prefix)
{
    unsigned char uh[16];
    unsigned char ha1[16];
    unsigned char ha2[16];
    char    ha1_hex[33];
    char    ha2_hex[33];
    const char *zeros = strcmp(qop, "auth") ? ":00000000000000000000000000000000" : "";

    md5_of(uh, S(RFC_USER ":" RFC_REALM ":" RFC_PASS), (void *) 0);
    if (authzid)
	md5_of(ha1, uh, (size_t) 16, S(":" RFC_NONCE ":" RFC_CNONCE ":"), S(authzid),
	       (void *) 0);
    else
	md5_of(ha1, uh, (size_t) 16, S(":" RFC_NONCE ":" RFC_CNONCE), (void *) 0);
    md5_of(ha2, S(a2_prefix), S(RFC_URI), S(zeros), (void *) 0);
    hex16(ha1, ha1_hex);
    hex16(ha2, ha2_hex);
    md5_of(out, S(ha1_hex), S(":" RFC_NONCE ":00000001:" RFC_CNONCE ":"), S(qop),
	   S(":"), S(ha2_hex), (void *) 0);
}

START_TEST(authzid_changes_response)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret = plain_secret(RFC_PASS);
    unsigned char got[16];
    unsigned char want[16];
    char    hex[33];

    rfc_response(&resp);
    independent(want, 0, "auth", "AUTHENTICATE:");
    ck_assert_str_eq(hex16(want, hex), RFC_RESPONSE);	/* the model is right */

    ck_assert_int_eq(mg_digest_set_string(&resp.authzid, "admin", 0), MG_OK);
    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RESPONSE, got, 0),
		     MG_OK);
    independent(want, "admin", "auth", "AUTHENTICATE:");
    ck_assert_mem_eq(got, want, 16);
    ck_assert_str_ne(hex16(got, hex), RFC_RESPONSE);

    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RSPAUTH, got, 0),
		     MG_OK);
    independent(want, "admin", "auth", ":");
    ck_assert_mem_eq(got, want, 16);

    /* An empty authzid still adds ":" to A1. */
    ck_assert_int_eq(mg_digest_set_string(&resp.authzid, "", 0), MG_OK);
    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RESPONSE, got, 0),
		     MG_OK);
    independent(want, "", "auth", "AUTHENTICATE:");
    ck_assert_mem_eq(got, want, 16);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(auth_int_and_conf_a2)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret = plain_secret(RFC_PASS);
    unsigned char got[16];
    unsigned char want[16];

    rfc_response(&resp);
    resp.qop = MG_DIGEST_QOP_AUTH_INT;
    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RESPONSE, got, 0),
		     MG_OK);
    independent(want, 0, "auth-int", "AUTHENTICATE:");
    ck_assert_mem_eq(got, want, 16);
    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RSPAUTH, got, 0),
		     MG_OK);
    independent(want, 0, "auth-int", ":");
    ck_assert_mem_eq(got, want, 16);

    resp.qop = MG_DIGEST_QOP_AUTH_CONF;
    resp.cipher = MG_DIGEST_CIPHER_RC4;
    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RESPONSE, got, 0),
		     MG_OK);
    independent(want, 0, "auth-conf", "AUTHENTICATE:");
    ck_assert_mem_eq(got, want, 16);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(nc_is_printed_as_8_lower_hex)
{
    struct mg_digest_response resp;
    struct mg_digest_secret secret = plain_secret(RFC_PASS);
    unsigned char uh[16], ha1[16], ha2[16], got[16], want[16];
    char    ha1_hex[33], ha2_hex[33];

    rfc_response(&resp);
    resp.nc = 0xabc;
    ck_assert_int_eq(mg_digest_compute(&resp, &secret, MG_DIGEST_A2_RESPONSE, got, 0),
		     MG_OK);
    md5_of(uh, S(RFC_USER ":" RFC_REALM ":" RFC_PASS), (void *) 0);
    md5_of(ha1, uh, (size_t) 16, S(":" RFC_NONCE ":" RFC_CNONCE), (void *) 0);
    md5_of(ha2, S("AUTHENTICATE:" RFC_URI), (void *) 0);
    md5_of(want, S(hex16(ha1, ha1_hex)), S(":" RFC_NONCE ":00000abc:" RFC_CNONCE ":auth:"),
	   S(hex16(ha2, ha2_hex)), (void *) 0);
    ck_assert_mem_eq(got, want, 16);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(session_keys)
{
    static const char kic_magic[] =
    "Digest session key to client-to-server signing key magic constant";
    static const char kis_magic[] =
    "Digest session key to server-to-client signing key magic constant";
    static const char kcc_magic[] =
    "Digest H(A1) to client-to-server sealing key magic constant";
    static const char kcs_magic[] =
    "Digest H(A1) to server-to-client sealing key magic constant";
    static const struct {
	enum mg_digest_cipher cipher;
	size_t  n;
    }       ciphers[] = {
	{MG_DIGEST_CIPHER_3DES, 16}, {MG_DIGEST_CIPHER_DES, 16},
	{MG_DIGEST_CIPHER_RC4, 16}, {MG_DIGEST_CIPHER_RC4_40, 5},
	{MG_DIGEST_CIPHER_RC4_56, 7},
    };
    unsigned char ha1[16];
    unsigned char k1[16], k2[16], want[16];
    struct mg_error err;
    size_t  i;

    for (i = 0; i < 16; i++)
	ha1[i] = (unsigned char) (0xa0 + i);
    ck_assert_int_eq(mg_digest_signing_keys(ha1, k1, k2, 0), MG_OK);
    md5_of(want, ha1, (size_t) 16, S(kic_magic), (void *) 0);
    ck_assert_mem_eq(k1, want, 16);
    md5_of(want, ha1, (size_t) 16, S(kis_magic), (void *) 0);
    ck_assert_mem_eq(k2, want, 16);

    for (i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
	ck_assert_int_eq(mg_digest_sealing_keys(ha1, ciphers[i].cipher, k1, k2, 0), MG_OK);
	md5_of(want, ha1, ciphers[i].n, S(kcc_magic), (void *) 0);
	ck_assert_mem_eq(k1, want, 16);
	md5_of(want, ha1, ciphers[i].n, S(kcs_magic), (void *) 0);
	ck_assert_mem_eq(k2, want, 16);
    }
    ck_assert_int_eq(mg_digest_sealing_keys(ha1, MG_DIGEST_CIPHER_NONE, k1, k2, &err),
		     MG_BADPARAM);
}
END_TEST

START_TEST(nonce_generation)
{
    char    a[MG_DIGEST_NONCE_LEN + 1];
    char    b[MG_DIGEST_NONCE_LEN + 1];
    char    small[MG_DIGEST_NONCE_LEN];
    struct mg_error err;
    size_t  i;

    ck_assert_int_eq(mg_digest_make_nonce(a, sizeof(a), &err), MG_OK);
    ck_assert_int_eq(mg_digest_make_nonce(b, sizeof(b), &err), MG_OK);
    ck_assert_uint_eq(strlen(a), 32);
    ck_assert_str_ne(a, b);
    for (i = 0; i < strlen(a); i++)
	ck_assert_ptr_nonnull(strchr("0123456789abcdef", a[i]));
    ck_assert_int_eq(mg_digest_make_nonce(small, sizeof(small), &err), MG_BADPARAM);
}
END_TEST

/*
 * Parser refusals.
 */

START_TEST(refuse_repeated_directive)
{
    REFUSE_R(R_USER "," R_USER "," R_NONCE "," R_CNON "," R_NC "," R_URI "," R_RESP,
	     MG_MALFORMED, "repeated username directive");
    /* Names compare without regard to case. */
    REFUSE_R(R_USER ",USERNAME=\"eve\"," R_NONCE "," R_CNON "," R_NC "," R_URI "," R_RESP,
	     MG_MALFORMED, "repeated username directive");
    REFUSE_R(R_USER "," R_NONCE "," R_CNON "," R_NC "," R_URI "," R_RESP "," R_RESP,
	     MG_MALFORMED, "repeated response directive");
    REFUSE_R(R_USER "," R_NONCE "," R_CNON "," R_NC "," R_URI "," R_RESP
	     ",qop=auth,qop=auth-int", MG_MALFORMED, "repeated qop directive");
    REFUSE_C("nonce=\"a\",nonce=\"b\"", MG_MALFORMED, "repeated nonce directive");
    REFUSE_C("nonce=\"a\",algorithm=md5-sess,algorithm=md5-sess", MG_MALFORMED,
	     "repeated algorithm directive");
}
END_TEST

START_TEST(refuse_realm_repeated_in_response)
{
    REFUSE_R(R_USER ",realm=\"a\",realm=\"b\"," R_NONCE "," R_CNON "," R_NC "," R_URI
	     "," R_RESP, MG_MALFORMED, "repeated realm directive");
}
END_TEST

START_TEST(refuse_unterminated_quote)
{
    REFUSE_R(R_NONCE ",username=\"chris", MG_MALFORMED,
	     "unterminated quoted string in username directive");
    REFUSE_R(R_NONCE ",username=\"chris\\", MG_MALFORMED,
	     "unterminated quoted string in username directive");
    REFUSE_R(R_NONCE ",x-foo=\"abc", MG_MALFORMED,
	     "unterminated quoted string in unknown directive");
    REFUSE_C("realm=\"a,nonce=\"b\"", MG_MALFORMED,
	     "realm directive is not followed by a comma");
}
END_TEST

START_TEST(refuse_bad_nc)
{
    REFUSE_R(R_USER "," R_NONCE "," R_CNON ",nc=0000001," R_URI "," R_RESP,
	     MG_MALFORMED, "nc directive must be 8 hex digits");
    REFUSE_R(R_USER "," R_NONCE "," R_CNON ",nc=000000001," R_URI "," R_RESP,
	     MG_MALFORMED, "nc directive must be 8 hex digits");
    REFUSE_R(R_USER "," R_NONCE "," R_CNON ",nc=0000000g," R_URI "," R_RESP,
	     MG_MALFORMED, "nc directive contains a non-hex character");
    REFUSE_R(R_USER "," R_NONCE "," R_CNON ",nc=\"-0000001\"," R_URI "," R_RESP,
	     MG_MALFORMED, "nc directive contains a non-hex character");
    REFUSE_R(R_USER "," R_NONCE "," R_CNON ",nc=," R_URI "," R_RESP,
	     MG_MALFORMED, "nc directive has no value");
}
END_TEST

START_TEST(refuse_missing_directives)
{
    REFUSE_R(R_USER "," R_CNON "," R_NC "," R_URI "," R_RESP,
	     MG_MALFORMED, "missing nonce directive");
    REFUSE_R(R_NONCE "," R_CNON "," R_NC "," R_URI "," R_RESP,
	     MG_MALFORMED, "missing username directive");
    REFUSE_R(R_USER "," R_NONCE "," R_NC "," R_URI "," R_RESP,
	     MG_MALFORMED, "missing cnonce directive");
    REFUSE_R(R_USER "," R_NONCE "," R_CNON "," R_URI "," R_RESP,
	     MG_MALFORMED, "missing nc directive");
    REFUSE_R(R_USER "," R_NONCE "," R_CNON "," R_NC "," R_RESP,
	     MG_MALFORMED, "missing digest-uri directive");
    REFUSE_R(R_USER "," R_NONCE "," R_CNON "," R_NC "," R_URI,
	     MG_MALFORMED, "missing response directive");
    REFUSE_R("", MG_MALFORMED, "missing username directive");
    REFUSE_C("realm=\"x\",qop=\"auth\",algorithm=md5-sess", MG_MALFORMED,
	     "missing nonce directive");
    REFUSE_R(R_USER "," "nonce=\"\"," R_CNON "," R_NC "," R_URI "," R_RESP,
	     MG_MALFORMED, "nonce directive is empty");
}
END_TEST

 /*
  * Pad a valid message with an unknown directive to exactly len bytes.
  */
static char *padded(const char *base, size_t len)
{
    char   *buf = malloc(len + 1);
    size_t  blen = strlen(base);

    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_gt(len, blen + 8);
    memcpy(buf, base, blen);
    memcpy(buf + blen, ",x-pad=\"", 8);
    memset(buf + blen + 8, 'p', len - blen - 9);
    buf[len - 1] = '"';
    buf[len] = 0;
    return (buf);
}

START_TEST(refuse_oversize)
{
    struct mg_digest_challenge chal;
    struct mg_digest_response resp;
    char   *text;

    text = padded(RFC_CHAL_TEXT, MG_DIGEST_CHALLENGE_MAX);
    mg_digest_challenge_init(&chal);
    ck_assert_int_eq(mg_digest_parse_challenge(text, strlen(text), &chal, 0), MG_OK);
    mg_digest_challenge_free(&chal);
    free(text);
    text = padded(RFC_CHAL_TEXT, MG_DIGEST_CHALLENGE_MAX + 1);
    REFUSE_C(text, MG_TOOLONG, "DIGEST-MD5 challenge of 2049 bytes, more than 2048");
    free(text);

    text = padded(RFC_RESP_TEXT, MG_DIGEST_RESPONSE_MAX);
    mg_digest_response_init(&resp);
    ck_assert_int_eq(mg_digest_parse_response(text, strlen(text), &resp, 0), MG_OK);
    mg_digest_response_free(&resp);
    free(text);
    text = padded(RFC_RESP_TEXT, MG_DIGEST_RESPONSE_MAX + 1);
    REFUSE_R(text, MG_TOOLONG, "DIGEST-MD5 response of 4097 bytes, more than 4096");
    free(text);

    /* The limit is checked first: an oversized message of garbage. */
    text = malloc(MG_DIGEST_RESPONSE_MAX + 2);
    memset(text, '"', MG_DIGEST_RESPONSE_MAX + 1);
    text[MG_DIGEST_RESPONSE_MAX + 1] = 0;
    REFUSE_R(text, MG_TOOLONG, "DIGEST-MD5 response of 4097 bytes, more than 4096");
    free(text);
}
END_TEST

START_TEST(refuse_nul_byte)
{
    static const char text[] = "username=\"ch\0ris\"," R_NONCE "," R_CNON "," R_NC
	"," R_URI "," R_RESP;
    static const char chal[] = "nonce=\"abc\",\0";

    refuse_response(text, sizeof(text) - 1, MG_MALFORMED,
		    "DIGEST-MD5 response contains a NUL byte");
    refuse_challenge(chal, sizeof(chal) - 1, MG_MALFORMED,
		     "DIGEST-MD5 challenge contains a NUL byte");
}
END_TEST

START_TEST(refuse_bad_response_hex)
{
    REFUSE_R(R_USER "," R_NONCE "," R_CNON "," R_NC "," R_URI
	     ",response=d388dad90d4bbd760a152321f2143af", MG_MALFORMED,
	     "response directive must be 32 hex digits");
    REFUSE_R(R_USER "," R_NONCE "," R_CNON "," R_NC "," R_URI
	     ",response=d388dad90d4bbd760a152321f2143af7a", MG_MALFORMED,
	     "response directive must be 32 hex digits");
    REFUSE_R(R_USER "," R_NONCE "," R_CNON "," R_NC "," R_URI
	     ",response=x388dad90d4bbd760a152321f2143af7", MG_MALFORMED,
	     "response directive contains a non-hex character");
}
END_TEST

START_TEST(refuse_bad_syntax)
{
    REFUSE_R(R_USER ",nonce", MG_MALFORMED, "missing '=' after nonce directive name");
    REFUSE_R(R_USER ",nonce \"x\"", MG_MALFORMED, "missing '=' after nonce directive name");
    REFUSE_R(R_USER ",=\"x\"", MG_MALFORMED, "directive without a name");
    REFUSE_R(R_USER ",@foo=1", MG_MALFORMED,
	     "bad character where a directive name was expected");
    REFUSE_R(R_USER ",nc=0000@001", MG_MALFORMED, "bad character in value of nc directive");
    REFUSE_R(R_USER ",qop=auth\xff", MG_MALFORMED, "bad character in value of qop directive");
    REFUSE_R(R_USER ",digest-uri=imap/host", MG_MALFORMED,
	     "bad character in value of digest-uri directive");
    REFUSE_R(R_USER ",nc=00000001 cnonce=\"x\"", MG_MALFORMED,
	     "nc directive is not followed by a comma");
    REFUSE_R("username=\"a\"b", MG_MALFORMED, "username directive is not followed by a comma");
    REFUSE_R("username=\"a\rb\"", MG_MALFORMED,
	     "control character in value of username directive");
    REFUSE_R("username=\"a\\\nb\"", MG_MALFORMED,
	     "control character in value of username directive");
    REFUSE_R(R_USER ",\r" R_NONCE, MG_MALFORMED,
	     "bad character where a directive name was expected");
    REFUSE_R(R_USER ",qop=auth-foo", MG_MALFORMED, "qop directive has an unknown value");
    REFUSE_R(R_USER ",cipher=aes", MG_MALFORMED, "cipher directive has an unknown value");
    REFUSE_R(R_USER ",maxbuf=12k", MG_MALFORMED, "maxbuf directive is not a decimal number");
    REFUSE_R(R_USER ",maxbuf=4294967296", MG_MALFORMED, "maxbuf directive is out of range");
    REFUSE_R(R_USER ",charset=iso-8859-1", MG_MALFORMED, "charset directive is not utf-8");
    REFUSE_R("username=\"\"", MG_MALFORMED, "username directive is empty");
    REFUSE_C("nonce=\"a\",stale=maybe", MG_MALFORMED,
	     "stale directive is neither true nor false");
    REFUSE_C("nonce=\"a\",qop=\"auth int\"", MG_MALFORMED, "bad element in qop list");
    REFUSE_C("nonce=\"a\",cipher=\"rc4;des\"", MG_MALFORMED, "bad element in cipher list");
}
END_TEST

START_TEST(refuse_too_many_realms)
{
    char    text[1024] = "nonce=\"n\"";
    int     i;

    for (i = 0; i < MG_DIGEST_REALMS_MAX; i++)
	strcat(text, ",realm=\"r\"");
    {
	struct mg_digest_challenge chal;

	mg_digest_challenge_init(&chal);
	ck_assert_int_eq(mg_digest_parse_challenge(text, strlen(text), &chal, 0), MG_OK);
	ck_assert_uint_eq(chal.realm_count, MG_DIGEST_REALMS_MAX);
	mg_digest_challenge_free(&chal);
    }
    strcat(text, ",realm=\"r\"");
    REFUSE_C(text, MG_TOOLONG, "more than 16 realm directives");
}
END_TEST

START_TEST(refuse_rspauth)
{
    struct mg_digest_rspauth ra;
    struct mg_error err;
    const char *text;

    text = "x=1";
    ck_assert_int_eq(mg_digest_parse_rspauth(text, strlen(text), &ra, &err), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "missing rspauth directive");
    text = "rspauth=" RFC_RSPAUTH ",rspauth=" RFC_RSPAUTH;
    ck_assert_int_eq(mg_digest_parse_rspauth(text, strlen(text), &ra, &err), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "repeated rspauth directive");
    text = "rspauth=ea40f60335c427b5527b84dbabcdfff";
    ck_assert_int_eq(mg_digest_parse_rspauth(text, strlen(text), &ra, &err), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "rspauth directive must be 32 hex digits");
    text = "";
    ck_assert_int_eq(mg_digest_parse_rspauth(text, 0, &ra, &err), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "missing rspauth directive");
}
END_TEST

/*
 * Parser acceptance.
 */

static void assert_rfc_response(const struct mg_digest_response *resp)
{
    unsigned char want[16];

    ck_assert_str_eq(resp->username, RFC_USER);
    ck_assert_str_eq(resp->realm, RFC_REALM);
    ck_assert_int_eq(resp->has_realm, 1);
    ck_assert_str_eq(resp->nonce, RFC_NONCE);
    ck_assert_str_eq(resp->cnonce, RFC_CNONCE);
    ck_assert_uint_eq(resp->nc, 1);
    ck_assert_int_eq(resp->qop, MG_DIGEST_QOP_AUTH);
    ck_assert_str_eq(resp->digest_uri, RFC_URI);
    ck_assert_int_eq(mg_hex_decode(RFC_RESPONSE, 32, want, 16, 0), MG_OK);
    ck_assert_mem_eq(resp->response, want, 16);
    ck_assert_uint_eq(resp->maxbuf, MG_DIGEST_MAXBUF_DEFAULT);
    ck_assert_int_eq(resp->utf8, 1);
    ck_assert_int_eq(resp->cipher, MG_DIGEST_CIPHER_NONE);
    ck_assert_ptr_null(resp->authzid);
}

START_TEST(accept_rfc_response_and_challenge)
{
    struct mg_digest_challenge chal;
    struct mg_digest_response resp;

    parse_rfc_pair(&chal, &resp);
    assert_rfc_response(&resp);
    ck_assert_uint_eq(chal.realm_count, 1);
    ck_assert_str_eq(chal.realms[0], RFC_REALM);
    ck_assert_str_eq(chal.nonce, RFC_NONCE);
    ck_assert_uint_eq(chal.qops, MG_DIGEST_QOP_AUTH);
    ck_assert_int_eq(chal.utf8, 1);
    ck_assert_int_eq(chal.algorithm, MG_DIGEST_ALG_MD5_SESS);
    ck_assert_uint_eq(chal.maxbuf, 65536);
    ck_assert_uint_eq(chal.ciphers, 0);
    ck_assert_int_eq(chal.stale, 0);
    mg_digest_challenge_free(&chal);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(accept_any_order_lws_and_case)
{
    static const char text[] =
    " ,QOP = auth ,\tResponse=D388DAD90D4BBD760A152321F2143AF7 ,\r\n "
    "Digest-URI = \"imap/elwood.innosoft.com\", cnonce=\"OA6MHXh6VqTrRk\","
    "NC=\"00000001\",nonce=OA6MG9tEQGm2hh,realm=\"elwood.innosoft.com\","
    "username=chris,charset=UTF-8 ,";
    struct mg_digest_response resp;
    struct mg_error err;

    mg_digest_response_init(&resp);
    ck_assert_int_eq(mg_digest_parse_response(text, strlen(text), &resp, &err), MG_OK);
    assert_rfc_response(&resp);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(accept_escapes_empty_elements_unknown)
{
    static const char text[] =
    ",,username=\"a\\\"b\\\\c\\d\",,," R_NONCE "," R_CNON "," R_NC ",,"
    R_URI "," R_RESP ",x-unknown=\"q\\\"uoted\",auth-param=token,"
    "authzid=\"\xe6\x9d\xb1\xe4\xba\xac\",,";
    struct mg_digest_response resp;
    struct mg_error err;

    mg_digest_response_init(&resp);
    ck_assert_int_eq(mg_digest_parse_response(text, strlen(text), &resp, &err), MG_OK);
    ck_assert_str_eq(resp.username, "a\"b\\cd");
    ck_assert_str_eq(resp.authzid, "\xe6\x9d\xb1\xe4\xba\xac");
    /* No realm: the empty string, and marked absent. */
    ck_assert_str_eq(resp.realm, "");
    ck_assert_int_eq(resp.has_realm, 0);
    ck_assert_int_eq(resp.utf8, 0);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(accept_challenge_lists_and_realms)
{
    static const char text[] =
    "realm=\"one\",nonce=\"n\",qop=\"auth,,auth-int, auth-x,\","
    "realm=\"two\",cipher=\",rc4-40, rc4-56,rc4,des,3des,aes-cbc\","
    "maxbuf=1024,stale=TRUE,algorithm=MD5-sess,future=\"x\"";
    struct mg_digest_challenge chal;
    struct mg_error err;

    mg_digest_challenge_init(&chal);
    ck_assert_int_eq(mg_digest_parse_challenge(text, strlen(text), &chal, &err), MG_OK);
    ck_assert_uint_eq(chal.realm_count, 2);
    ck_assert_str_eq(chal.realms[0], "one");
    ck_assert_str_eq(chal.realms[1], "two");
    ck_assert_uint_eq(chal.qops, MG_DIGEST_QOP_AUTH | MG_DIGEST_QOP_AUTH_INT);
    ck_assert_uint_eq(chal.ciphers, 31);
    ck_assert_uint_eq(chal.maxbuf, 1024);
    ck_assert_int_eq(chal.stale, 1);
    ck_assert_int_eq(chal.utf8, 0);
    ck_assert_int_eq(chal.algorithm, MG_DIGEST_ALG_MD5_SESS);
    mg_digest_challenge_free(&chal);
}
END_TEST

START_TEST(accept_challenge_defaults)
{
    static const char text[] = "nonce=\"n\"";
    struct mg_digest_challenge chal;
    struct mg_error err;

    mg_digest_challenge_init(&chal);
    ck_assert_int_eq(mg_digest_parse_challenge(text, strlen(text), &chal, &err), MG_OK);
    ck_assert_uint_eq(chal.realm_count, 0);
    ck_assert_uint_eq(chal.qops, MG_DIGEST_QOP_AUTH);
    ck_assert_uint_eq(chal.maxbuf, 65536);
    ck_assert_int_eq(chal.algorithm, MG_DIGEST_ALG_ABSENT);
    mg_digest_challenge_free(&chal);
}
END_TEST

START_TEST(accept_nc_values_and_response_fields)
{
    static const char text[] =
    R_USER ",realm=\"\"," R_NONCE "," R_CNON ",nc=0000000A," R_URI "," R_RESP
    ",qop=auth-conf,cipher=rc4-56,maxbuf=17";
    struct mg_digest_response resp;
    struct mg_error err;

    mg_digest_response_init(&resp);
    ck_assert_int_eq(mg_digest_parse_response(text, strlen(text), &resp, &err), MG_OK);
    ck_assert_uint_eq(resp.nc, 10);
    ck_assert_str_eq(resp.realm, "");
    ck_assert_int_eq(resp.has_realm, 1);
    ck_assert_int_eq(resp.qop, MG_DIGEST_QOP_AUTH_CONF);
    ck_assert_int_eq(resp.cipher, MG_DIGEST_CIPHER_RC4_56);
    ck_assert_uint_eq(resp.maxbuf, 17);

    /* Parsing again into a used structure replaces it cleanly. */
    ck_assert_int_eq(mg_digest_parse_response(RFC_RESP_TEXT, strlen(RFC_RESP_TEXT),
					      &resp, &err), MG_OK);
    assert_rfc_response(&resp);
    mg_digest_response_free(&resp);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(lexer_directly)
{
    static const char text[] = "a=1 , b = \"x\\\\y\" ,,c=\"\"";
    char    buf[sizeof(text)];
    struct mg_digest_lexer lx;
    struct mg_digest_directive dir;

    ck_assert_int_eq(mg_digest_lex_init(&lx, text, strlen(text), buf, sizeof(buf), 0),
		     MG_OK);
    ck_assert_int_eq(mg_digest_lex_next(&lx, &dir, 0), MG_OK);
    ck_assert_uint_eq(dir.name_len, 1);
    ck_assert_int_eq(dir.name[0], 'a');
    ck_assert_str_eq(dir.value, "1");
    ck_assert_int_eq(dir.quoted, 0);
    ck_assert_int_eq(mg_digest_lex_next(&lx, &dir, 0), MG_OK);
    ck_assert_int_eq(dir.name[0], 'b');
    ck_assert_str_eq(dir.value, "x\\y");
    ck_assert_uint_eq(dir.value_len, 3);
    ck_assert_int_eq(dir.quoted, 1);
    ck_assert_int_eq(mg_digest_lex_next(&lx, &dir, 0), MG_OK);
    ck_assert_int_eq(dir.name[0], 'c');
    ck_assert_str_eq(dir.value, "");
    ck_assert_int_eq(mg_digest_lex_next(&lx, &dir, 0), MG_OK);
    ck_assert_ptr_null(dir.name);
    /* A buffer that cannot hold the input is refused up front. */
    ck_assert_int_eq(mg_digest_lex_init(&lx, text, strlen(text), buf, strlen(text), 0),
		     MG_BADPARAM);
}
END_TEST

/*
 * Printers.
 */

START_TEST(print_rfc_messages)
{
    struct mg_digest_challenge chal;
    struct mg_digest_response resp;
    struct mg_digest_rspauth ra;
    char    buf[MG_DIGEST_RESPONSE_MAX + 1];
    size_t  len;

    parse_rfc_pair(&chal, &resp);
    ck_assert_int_eq(mg_digest_print_challenge(&chal, buf, sizeof(buf), &len, 0), MG_OK);
    ck_assert_str_eq(buf, "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\","
		     "qop=\"auth\",charset=utf-8,algorithm=md5-sess");
    ck_assert_uint_eq(len, strlen(buf));
    ck_assert_int_eq(mg_digest_print_response(&resp, buf, sizeof(buf), &len, 0), MG_OK);
    ck_assert_str_eq(buf, "username=\"chris\",realm=\"elwood.innosoft.com\","
		     "nonce=\"OA6MG9tEQGm2hh\",cnonce=\"OA6MHXh6VqTrRk\",nc=00000001,"
		     "qop=auth,digest-uri=\"imap/elwood.innosoft.com\","
		     "response=d388dad90d4bbd760a152321f2143af7,charset=utf-8");
    ck_assert_int_eq(mg_hex_decode(RFC_RSPAUTH, 32, ra.rspauth, 16, 0), MG_OK);
    ck_assert_int_eq(mg_digest_print_rspauth(&ra, buf, sizeof(buf), &len, 0), MG_OK);
    ck_assert_str_eq(buf, "rspauth=" RFC_RSPAUTH);
    ck_assert_uint_eq(len, 40);
    mg_digest_challenge_free(&chal);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(print_parse_round_trip_challenge)
{
    struct mg_digest_challenge in;
    struct mg_digest_challenge out;
    char    buf[MG_DIGEST_CHALLENGE_MAX + 1];
    size_t  len;
    struct mg_error err;

    mg_digest_challenge_init(&in);
    mg_digest_challenge_init(&out);
    ck_assert_int_eq(mg_digest_add_realm(&in, "plain.example", 0), MG_OK);
    ck_assert_int_eq(mg_digest_add_realm(&in, "we\"ird\\realm, with comma", 0), MG_OK);
    ck_assert_int_eq(mg_digest_add_realm(&in, "", 0), MG_OK);
    ck_assert_int_eq(mg_digest_set_string(&in.nonce, "n\"o\\nce", 0), MG_OK);
    in.qops = MG_DIGEST_QOP_AUTH | MG_DIGEST_QOP_AUTH_INT | MG_DIGEST_QOP_AUTH_CONF;
    in.ciphers = MG_DIGEST_CIPHER_RC4 | MG_DIGEST_CIPHER_3DES;
    in.maxbuf = 4096;
    in.utf8 = 1;
    in.stale = 1;
    in.algorithm = MG_DIGEST_ALG_MD5_SESS;
    ck_assert_int_eq(mg_digest_print_challenge(&in, buf, sizeof(buf), &len, &err), MG_OK);
    ck_assert_str_eq(buf, "realm=\"plain.example\",realm=\"we\\\"ird\\\\realm, with comma\","
		     "realm=\"\",nonce=\"n\\\"o\\\\nce\",qop=\"auth,auth-int,auth-conf\","
		     "cipher=\"3des,rc4\",stale=true,maxbuf=4096,charset=utf-8,"
		     "algorithm=md5-sess");
    ck_assert_int_eq(mg_digest_parse_challenge(buf, len, &out, &err), MG_OK);
    ck_assert_uint_eq(out.realm_count, 3);
    ck_assert_str_eq(out.realms[0], in.realms[0]);
    ck_assert_str_eq(out.realms[1], in.realms[1]);
    ck_assert_str_eq(out.realms[2], in.realms[2]);
    ck_assert_str_eq(out.nonce, in.nonce);
    ck_assert_uint_eq(out.qops, in.qops);
    ck_assert_uint_eq(out.ciphers, in.ciphers);
    ck_assert_uint_eq(out.maxbuf, in.maxbuf);
    ck_assert_int_eq(out.utf8, in.utf8);
    ck_assert_int_eq(out.stale, in.stale);
    ck_assert_int_eq(out.algorithm, in.algorithm);
    mg_digest_challenge_free(&in);
    mg_digest_challenge_free(&out);
}
END_TEST

START_TEST(print_parse_round_trip_response)
{
    struct mg_digest_response in;
    struct mg_digest_response out;
    char    buf[MG_DIGEST_RESPONSE_MAX + 1];
    size_t  len;
    struct mg_error err;
    int     i;

    rfc_response(&in);
    mg_digest_response_init(&out);
    ck_assert_int_eq(mg_digest_set_string(&in.username, "a\"b\\c \"\"\\\\", 0), MG_OK);
    ck_assert_int_eq(mg_digest_set_string(&in.authzid, "z\\\"", 0), MG_OK);
    in.nc = 0x2a;
    in.qop = MG_DIGEST_QOP_AUTH_CONF;
    in.cipher = MG_DIGEST_CIPHER_RC4_40;
    in.maxbuf = 1024;
    for (i = 0; i < 16; i++)
	in.response[i] = (unsigned char) (i * 17);
    ck_assert_int_eq(mg_digest_print_response(&in, buf, sizeof(buf), &len, &err), MG_OK);
    ck_assert_str_eq(buf, "username=\"a\\\"b\\\\c \\\"\\\"\\\\\\\\\","
		     "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\","
		     "cnonce=\"OA6MHXh6VqTrRk\",nc=0000002a,qop=auth-conf,"
		     "digest-uri=\"imap/elwood.innosoft.com\","
		     "response=00112233445566778899aabbccddeeff,maxbuf=1024,"
		     "charset=utf-8,cipher=rc4-40,authzid=\"z\\\\\\\"\"");
    ck_assert_int_eq(mg_digest_parse_response(buf, len, &out, &err), MG_OK);
    ck_assert_str_eq(out.username, in.username);
    ck_assert_str_eq(out.realm, in.realm);
    ck_assert_int_eq(out.has_realm, 1);
    ck_assert_str_eq(out.nonce, in.nonce);
    ck_assert_str_eq(out.cnonce, in.cnonce);
    ck_assert_uint_eq(out.nc, in.nc);
    ck_assert_int_eq(out.qop, in.qop);
    ck_assert_str_eq(out.digest_uri, in.digest_uri);
    ck_assert_mem_eq(out.response, in.response, 16);
    ck_assert_uint_eq(out.maxbuf, in.maxbuf);
    ck_assert_int_eq(out.utf8, in.utf8);
    ck_assert_int_eq(out.cipher, in.cipher);
    ck_assert_str_eq(out.authzid, in.authzid);

    /* Without realm it stays without realm. */
    in.has_realm = 0;
    ck_assert_int_eq(mg_digest_print_response(&in, buf, sizeof(buf), &len, &err), MG_OK);
    ck_assert_ptr_null(strstr(buf, "realm="));
    ck_assert_int_eq(mg_digest_parse_response(buf, len, &out, &err), MG_OK);
    ck_assert_int_eq(out.has_realm, 0);
    ck_assert_str_eq(out.realm, "");
    mg_digest_response_free(&in);
    mg_digest_response_free(&out);
}
END_TEST

 /*
  * The Cyrus overflow case: a value made of characters that need escapes
  * doubles in size. The limit and the buffer both hold.
  */
START_TEST(print_escapes_are_bounded)
{
    struct mg_digest_challenge chal;
    char    big[1002];
    char    buf[MG_DIGEST_CHALLENGE_MAX + 1 + 16];
    size_t  len = 12345;
    struct mg_error err;

    /* 1000 quotes escape to exactly 2048 bytes of message; 1001 do not. */
    memset(big, '"', 1001);
    big[1000] = 0;
    mg_digest_challenge_init(&chal);
    ck_assert_int_eq(mg_digest_set_string(&chal.nonce, "n", 0), MG_OK);
    ck_assert_int_eq(mg_digest_add_realm(&chal, big, 0), MG_OK);
    ck_assert_int_eq(mg_digest_print_challenge(&chal, buf, MG_DIGEST_CHALLENGE_MAX + 1,
					       &len, &err), MG_OK);
    ck_assert_uint_eq(len, MG_DIGEST_CHALLENGE_MAX);
    ck_assert_uint_eq(strlen(buf), MG_DIGEST_CHALLENGE_MAX);
    big[1000] = '"';
    big[1001] = 0;
    ck_assert_int_eq(mg_digest_set_string(&chal.realms[0], big, 0), MG_OK);
    len = 12345;
    memset(buf, 'Z', sizeof(buf));
    ck_assert_int_eq(mg_digest_print_challenge(&chal, buf, MG_DIGEST_CHALLENGE_MAX + 1,
					       &len, &err), MG_TOOLONG);
    ck_assert_str_eq(err.reason, "DIGEST-MD5 challenge would be longer than 2048 bytes");
    ck_assert_int_eq(buf[0], 0);
    ck_assert_uint_eq(len, 12345);
    ck_assert_int_eq(buf[MG_DIGEST_CHALLENGE_MAX + 1], 'Z');

    /* A message that fits the limit but not the caller's buffer. */
    memset(buf, 'Z', sizeof(buf));
    big[10] = 0;
    ck_assert_int_eq(mg_digest_set_string(&chal.realms[0], big, 0), MG_OK);
    ck_assert_int_eq(mg_digest_print_challenge(&chal, buf, 20, &len, &err), MG_BADPARAM);
    ck_assert_str_eq(err.reason, "output buffer too small for DIGEST-MD5 challenge");
    ck_assert_int_eq(buf[0], 0);
    ck_assert_int_eq(buf[20], 'Z');
    mg_digest_challenge_free(&chal);
}
END_TEST

START_TEST(print_response_at_the_limit)
{
    struct mg_digest_response resp;
    char    buf[MG_DIGEST_RESPONSE_MAX + 1];
    char   *user;
    size_t  base;
    size_t  len;
    struct mg_error err;

    rfc_response(&resp);
    ck_assert_int_eq(mg_digest_print_response(&resp, buf, sizeof(buf), &base, &err), MG_OK);
    /* Replace "chris" (5) by a name of escaped backslashes. */
    user = malloc(MG_DIGEST_RESPONSE_MAX);
    memset(user, '\\', (MG_DIGEST_RESPONSE_MAX - base + 5) / 2);
    user[(MG_DIGEST_RESPONSE_MAX - base + 5) / 2] = 0;
    ck_assert_int_eq(mg_digest_set_string(&resp.username, user, 0), MG_OK);
    ck_assert_int_eq(mg_digest_print_response(&resp, buf, sizeof(buf), &len, &err), MG_OK);
    ck_assert_uint_eq(len, base - 5 + 2 * strlen(user));
    ck_assert_uint_le(len, MG_DIGEST_RESPONSE_MAX);
    ck_assert_uint_ge(len, MG_DIGEST_RESPONSE_MAX - 1);
    strcat(user, "\\");
    ck_assert_int_eq(mg_digest_set_string(&resp.username, user, 0), MG_OK);
    ck_assert_int_eq(mg_digest_print_response(&resp, buf, sizeof(buf), &len, &err),
		     MG_TOOLONG);
    free(user);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(print_refuses_unsendable)
{
    struct mg_digest_response resp;
    struct mg_digest_challenge chal;
    char    buf[MG_DIGEST_RESPONSE_MAX + 1];
    size_t  len;
    struct mg_error err;

    rfc_response(&resp);
    ck_assert_int_eq(mg_digest_set_string(&resp.username, "a\r\nb", 0), MG_OK);
    ck_assert_int_eq(mg_digest_print_response(&resp, buf, sizeof(buf), &len, &err),
		     MG_BADPARAM);
    ck_assert_str_eq(err.reason, "username value contains a control character");
    ck_assert_int_eq(mg_digest_set_string(&resp.username, "chris", 0), MG_OK);
    ck_assert_int_eq(mg_digest_set_string(&resp.cnonce, 0, 0), MG_OK);
    ck_assert_int_eq(mg_digest_print_response(&resp, buf, sizeof(buf), &len, &err),
		     MG_BADPARAM);
    ck_assert_str_eq(err.reason, "no cnonce value to send");
    mg_digest_response_free(&resp);

    mg_digest_challenge_init(&chal);
    ck_assert_int_eq(mg_digest_print_challenge(&chal, buf, sizeof(buf), &len, &err),
		     MG_BADPARAM);
    ck_assert_str_eq(err.reason, "no nonce value to send");
    mg_digest_challenge_free(&chal);
}
END_TEST

/*
 * Validation.
 */

static const char *const rfc_hosts[] = {"mail.example", "elwood.innosoft.com", 0};

static enum mg_code validate_rfc_with(const char *uri, const char *realm,
				              struct mg_digest_report *report,
				              struct mg_error *err,
				              void (*tweak) (struct mg_digest_challenge *,
					                  struct mg_digest_response *))
{
    struct mg_digest_expect expect = {"imap", rfc_hosts, 1};
    struct mg_digest_challenge chal;
    struct mg_digest_response resp;
    enum mg_code code;

    parse_rfc_pair(&chal, &resp);
    if (uri)
	ck_assert_int_eq(mg_digest_set_string(&resp.digest_uri, uri, 0), MG_OK);
    if (realm)
	ck_assert_int_eq(mg_digest_set_string(&resp.realm, realm, 0), MG_OK);
    if (tweak)
	tweak(&chal, &resp);
    code = mg_digest_validate_response(&chal, &resp, &expect, report, err);
    mg_digest_challenge_free(&chal);
    mg_digest_response_free(&resp);
    return (code);
}

static void tweak_nonce(struct mg_digest_challenge *c, struct mg_digest_response *r)
{
    (void) c;
    ck_assert_int_eq(mg_digest_set_string(&r->nonce, "OA6MG9tEQGm2hH", 0), MG_OK);
}

static void tweak_nc2(struct mg_digest_challenge *c, struct mg_digest_response *r)
{
    (void) c;
    r->nc = 2;
}

static void tweak_auth_int(struct mg_digest_challenge *c, struct mg_digest_response *r)
{
    (void) c;
    r->qop = MG_DIGEST_QOP_AUTH_INT;
}

static void tweak_conf_no_cipher(struct mg_digest_challenge *c,
				         struct mg_digest_response *r)
{
    c->qops |= MG_DIGEST_QOP_AUTH_CONF;
    c->ciphers = MG_DIGEST_CIPHER_RC4;
    r->qop = MG_DIGEST_QOP_AUTH_CONF;
}

static void tweak_conf_des(struct mg_digest_challenge *c, struct mg_digest_response *r)
{
    tweak_conf_no_cipher(c, r);
    r->cipher = MG_DIGEST_CIPHER_DES;
}

static void tweak_conf_rc4(struct mg_digest_challenge *c, struct mg_digest_response *r)
{
    tweak_conf_no_cipher(c, r);
    r->cipher = MG_DIGEST_CIPHER_RC4;
}

static void tweak_auth_rc4(struct mg_digest_challenge *c, struct mg_digest_response *r)
{
    c->ciphers = MG_DIGEST_CIPHER_RC4;
    r->cipher = MG_DIGEST_CIPHER_RC4;
}

static void tweak_maxbuf16(struct mg_digest_challenge *c, struct mg_digest_response *r)
{
    (void) c;
    r->maxbuf = 16;
}

static void tweak_maxbuf_big(struct mg_digest_challenge *c, struct mg_digest_response *r)
{
    (void) c;
    r->maxbuf = 16777216;
}

static void tweak_maxbuf_ok(struct mg_digest_challenge *c, struct mg_digest_response *r)
{
    (void) c;
    r->maxbuf = 17;
}

static void tweak_no_utf8(struct mg_digest_challenge *c, struct mg_digest_response *r)
{
    (void) r;
    c->utf8 = 0;
}

START_TEST(validate_refusals)
{
    struct mg_digest_report report;
    struct mg_error err;

    ck_assert_int_eq(validate_rfc_with(0, 0, &report, &err, tweak_nonce), MG_BADAUTH);
    ck_assert_str_eq(err.reason, "nonce is not the one this server sent");
    ck_assert_int_eq(report.stale, 1);
    ck_assert_int_eq(validate_rfc_with(0, 0, &report, &err, tweak_nc2), MG_BADAUTH);
    ck_assert_str_eq(err.reason, "nonce count is not the expected 1");
    ck_assert_int_eq(report.stale, 1);
    ck_assert_int_eq(validate_rfc_with(0, 0, &report, &err, tweak_auth_int), MG_MALFORMED);
    ck_assert_int_eq(report.stale, 0);
    ck_assert_str_eq(err.reason, "qop auth-int was not offered");
    ck_assert_int_eq(validate_rfc_with(0, 0, &report, &err, tweak_conf_no_cipher),
		     MG_MALFORMED);
    ck_assert_str_eq(err.reason, "qop=auth-conf without a cipher directive");
    ck_assert_int_eq(validate_rfc_with(0, 0, &report, &err, tweak_conf_des), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "cipher des was not offered");
    ck_assert_int_eq(validate_rfc_with(0, 0, &report, &err, tweak_conf_rc4), MG_OK);
    ck_assert_int_eq(validate_rfc_with(0, 0, &report, &err, tweak_auth_rc4), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "cipher directive without qop=auth-conf");
    ck_assert_int_eq(validate_rfc_with(0, 0, &report, &err, tweak_maxbuf16), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "maxbuf is outside 17..16777215");
    ck_assert_int_eq(validate_rfc_with(0, 0, &report, &err, tweak_maxbuf_big), MG_MALFORMED);
    ck_assert_int_eq(validate_rfc_with(0, 0, &report, &err, tweak_maxbuf_ok), MG_OK);
    ck_assert_int_eq(validate_rfc_with(0, 0, &report, &err, tweak_no_utf8), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "charset=utf-8 was not offered");
}
END_TEST

START_TEST(validate_nc_expected_later)
{
    static const char *const hosts[] = {"elwood.innosoft.com", 0};
    struct mg_digest_expect expect = {"imap", hosts, 2};
    struct mg_digest_challenge chal;
    struct mg_digest_response resp;
    struct mg_digest_report report;
    struct mg_error err;

    parse_rfc_pair(&chal, &resp);
    ck_assert_int_eq(mg_digest_validate_response(&chal, &resp, &expect, &report, &err),
		     MG_BADAUTH);
    ck_assert_str_eq(err.reason, "nonce count is not the expected 2");
    resp.nc = 2;
    ck_assert_int_eq(mg_digest_validate_response(&chal, &resp, &expect, &report, &err),
		     MG_OK);
    mg_digest_challenge_free(&chal);
    mg_digest_response_free(&resp);
}
END_TEST

START_TEST(validate_digest_uri)
{
    struct mg_digest_report report;
    struct mg_error err;

    /* Another service: a protocol error, not a wrong password. */
    ck_assert_int_eq(validate_rfc_with("smtp/elwood.innosoft.com", 0, &report, &err, 0),
		     MG_MALFORMED);
    ck_assert_str_eq(err.reason, "digest-uri serv-type is not imap");
    ck_assert_int_eq(report.stale, 0);
    ck_assert_int_eq(validate_rfc_with("imapx/elwood.innosoft.com", 0, &report, &err, 0),
		     MG_MALFORMED);
    ck_assert_int_eq(validate_rfc_with("ima/elwood.innosoft.com", 0, &report, &err, 0),
		     MG_MALFORMED);

    /* Host mismatch is reported, not refused. */
    ck_assert_int_eq(validate_rfc_with("imap/evil.example", 0, &report, &err, 0), MG_OK);
    ck_assert_int_eq(report.host_matched, 0);
    ck_assert_int_eq(report.realm_offered, 1);
    ck_assert_int_eq(validate_rfc_with("IMAP/ELWOOD.innosoft.COM.", 0, &report, &err, 0),
		     MG_OK);
    ck_assert_int_eq(report.host_matched, 1);
    ck_assert_int_eq(validate_rfc_with("imap/mail.example/innosoft.com", 0, &report,
				       &err, 0), MG_OK);
    ck_assert_int_eq(report.host_matched, 1);
    ck_assert_int_eq(validate_rfc_with("imap/elwood.innosoft.co", 0, &report, &err, 0),
		     MG_OK);
    ck_assert_int_eq(report.host_matched, 0);

    ck_assert_int_eq(validate_rfc_with("imap", 0, &report, &err, 0), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "digest-uri has no '/' after serv-type");
    ck_assert_int_eq(validate_rfc_with("/elwood", 0, &report, &err, 0), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "digest-uri has an empty serv-type");
    ck_assert_int_eq(validate_rfc_with("imap/", 0, &report, &err, 0), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "digest-uri has an empty host");
    ck_assert_int_eq(validate_rfc_with("imap//x", 0, &report, &err, 0), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "digest-uri has an empty host");
    ck_assert_int_eq(validate_rfc_with("imap/h/", 0, &report, &err, 0), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "digest-uri has an empty serv-name");
    ck_assert_int_eq(validate_rfc_with("imap/h/s/x", 0, &report, &err, 0), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "digest-uri has more than three parts");
}
END_TEST

START_TEST(validate_realm_reported)
{
    struct mg_digest_report report;
    struct mg_error err;

    ck_assert_int_eq(validate_rfc_with(0, "other.example", &report, &err, 0), MG_OK);
    ck_assert_int_eq(report.realm_offered, 0);
    ck_assert_int_eq(report.host_matched, 1);
    /* Realms compare byte for byte. */
    ck_assert_int_eq(validate_rfc_with(0, "Elwood.innosoft.com", &report, &err, 0), MG_OK);
    ck_assert_int_eq(report.realm_offered, 0);
    ck_assert_int_eq(validate_rfc_with(0, 0, &report, &err, 0), MG_OK);
    ck_assert_int_eq(report.realm_offered, 1);
}
END_TEST

START_TEST(validate_challenge_client_side)
{
    struct mg_digest_challenge chal;
    struct mg_error err;
    const char *text;

    mg_digest_challenge_init(&chal);
    text = "nonce=\"n\",algorithm=md5";
    ck_assert_int_eq(mg_digest_parse_challenge(text, strlen(text), &chal, &err), MG_OK);
    ck_assert_int_eq(mg_digest_validate_challenge(&chal, MG_DIGEST_QOP_AUTH, &err),
		     MG_MALFORMED);
    ck_assert_str_eq(err.reason, "challenge algorithm is not md5-sess");
    text = "nonce=\"n\"";
    ck_assert_int_eq(mg_digest_parse_challenge(text, strlen(text), &chal, &err), MG_OK);
    ck_assert_int_eq(mg_digest_validate_challenge(&chal, MG_DIGEST_QOP_AUTH, &err),
		     MG_MALFORMED);
    ck_assert_str_eq(err.reason, "challenge has no algorithm directive");
    text = "nonce=\"n\",qop=\"auth-int,auth-conf\",algorithm=md5-sess";
    ck_assert_int_eq(mg_digest_parse_challenge(text, strlen(text), &chal, &err), MG_OK);
    ck_assert_int_eq(mg_digest_validate_challenge(&chal, MG_DIGEST_QOP_AUTH, &err),
		     MG_MALFORMED);
    ck_assert_str_eq(err.reason, "challenge offers no usable qop");
    ck_assert_int_eq(mg_digest_validate_challenge(&chal, MG_DIGEST_QOP_AUTH_INT, &err),
		     MG_OK);
    text = "nonce=\"n\",maxbuf=16,algorithm=md5-sess";
    ck_assert_int_eq(mg_digest_parse_challenge(text, strlen(text), &chal, &err), MG_OK);
    ck_assert_int_eq(mg_digest_validate_challenge(&chal, MG_DIGEST_QOP_AUTH, &err),
		     MG_MALFORMED);
    ck_assert_str_eq(err.reason, "maxbuf is outside 17..16777215");
    mg_digest_challenge_free(&chal);

    /* A hand-built challenge with an empty nonce. */
    ck_assert_int_eq(mg_digest_set_string(&chal.nonce, "", 0), MG_OK);
    chal.algorithm = MG_DIGEST_ALG_MD5_SESS;
    ck_assert_int_eq(mg_digest_validate_challenge(&chal, MG_DIGEST_QOP_AUTH, &err),
		     MG_MALFORMED);
    ck_assert_str_eq(err.reason, "challenge has no nonce");
    mg_digest_challenge_free(&chal);
}
END_TEST

static Suite *digest_suite(void)
{
    Suite  *s = suite_create("digest");
    TCase  *tc;

    tc = tcase_create("compute");
    tcase_add_test(tc, rfc2831_imap_example);
    tcase_add_test(tc, kd_pair_and_rspauth_with_verification);
    tcase_add_test(tc, rfc2831_imap_example_parsed_and_verified);
    tcase_add_test(tc, rfc2831_acap_example);
    tcase_add_test(tc, hex_a1_is_wrong);
    tcase_add_test(tc, precomputed_userhash_secret);
    tcase_add_test(tc, charset_latin1_is_converted);
    tcase_add_test(tc, charset_beyond_latin1_stays_utf8);
    tcase_add_test(tc, charset_invalid_utf8_hashed_as_is);
    tcase_add_test(tc, charset_long_password_chunks);
    tcase_add_test(tc, charset_flag_of_response_drives_a1);
    tcase_add_test(tc, charset_rule_of_secret);
    tcase_add_test(tc, verify_server_accepts_both_readings);
    tcase_add_test(tc, verify_server_rfc_example_and_userhash);
    tcase_add_test(tc, authzid_changes_response);
    tcase_add_test(tc, auth_int_and_conf_a2);
    tcase_add_test(tc, nc_is_printed_as_8_lower_hex);
    tcase_add_test(tc, session_keys);
    tcase_add_test(tc, nonce_generation);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse-refuse");
    tcase_add_test(tc, refuse_repeated_directive);
    tcase_add_test(tc, refuse_realm_repeated_in_response);
    tcase_add_test(tc, refuse_unterminated_quote);
    tcase_add_test(tc, refuse_bad_nc);
    tcase_add_test(tc, refuse_missing_directives);
    tcase_add_test(tc, refuse_oversize);
    tcase_add_test(tc, refuse_nul_byte);
    tcase_add_test(tc, refuse_bad_response_hex);
    tcase_add_test(tc, refuse_bad_syntax);
    tcase_add_test(tc, refuse_too_many_realms);
    tcase_add_test(tc, refuse_rspauth);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse-accept");
    tcase_add_test(tc, accept_rfc_response_and_challenge);
    tcase_add_test(tc, accept_any_order_lws_and_case);
    tcase_add_test(tc, accept_escapes_empty_elements_unknown);
    tcase_add_test(tc, accept_challenge_lists_and_realms);
    tcase_add_test(tc, accept_challenge_defaults);
    tcase_add_test(tc, accept_nc_values_and_response_fields);
    tcase_add_test(tc, lexer_directly);
    suite_add_tcase(s, tc);

    tc = tcase_create("print");
    tcase_add_test(tc, print_rfc_messages);
    tcase_add_test(tc, print_parse_round_trip_challenge);
    tcase_add_test(tc, print_parse_round_trip_response);
    tcase_add_test(tc, print_escapes_are_bounded);
    tcase_add_test(tc, print_response_at_the_limit);
    tcase_add_test(tc, print_refuses_unsendable);
    suite_add_tcase(s, tc);

    tc = tcase_create("validate");
    tcase_add_test(tc, validate_refusals);
    tcase_add_test(tc, validate_nc_expected_later);
    tcase_add_test(tc, validate_digest_uri);
    tcase_add_test(tc, validate_realm_reported);
    tcase_add_test(tc, validate_challenge_client_side);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(digest_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
