/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of stored secrets (src/secret.c).
 *
 * The Dovecot values are real `doveadm pw` output (dovecot-core
 * 2.3.19.1, Debian 12), captured with:
 *
 *	doveadm pw -s CRAM-MD5 -p PASSWORD
 *	doveadm pw -s DIGEST-MD5 -u USER@REALM -p PASSWORD
 *
 * The Cyrus values are the ones the stock 2.1.28 CRAM-MD5 and DIGEST-MD5
 * server plugins accepted from a sasldb holding no userPassword
 * (tests/secret-cyrus.test repeats that experiment on every run).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "secret.h"
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

/* RFC 2195 example. */
#define CRAM_CHAL	"<1896.697170952@postoffice.reston.mci.net>"
#define CRAM_PASS	"tanstaaftanstaaf"
#define CRAM_DIGEST	"b913a602c7eda7a495b4e6e7334d3890"

#define DOVECOT_CRAM_RFC \
    "{CRAM-MD5}d06d4e1b26fccaa4b0b61801132340a354b21152711fb604ca3e035e7015116b"
#define DOVECOT_CRAM_UTF8 \
    "{CRAM-MD5}008c360fc840b00d19a8f561bb0df2dafad1b988f19cd7126b4a4755b7716038"
#define DOVECOT_CRAM_LONG \
    "{CRAM-MD5}ff6454343902c25cfaf14768b382dae3172680a33b4792a34267ff0628fbfe89"
#define LONG_PASS \
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define UTF8_PASS	"Door 2024 p\xc3\xa4sswort"

/* Cyrus HMAC_MD5_STATE of CRAM_PASS: istate then ostate, big-endian. */
#define CYRUS_CRAM_RFC_HEX \
    "5211b25404b61f715e033eca6b1115701b4e6dd0a4cafc260118b6b0a3402313"

/* RFC 2831 IMAP example. */
#define RFC_USER	"chris"
#define RFC_PASS	"secret"
#define RFC_REALM	"elwood.innosoft.com"
#define RFC_RESP_TEXT \
    "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\"," \
    "nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\"," \
    "digest-uri=\"imap/elwood.innosoft.com\"," \
    "response=d388dad90d4bbd760a152321f2143af7,qop=auth"
#define DOVECOT_DIGEST_RFC	"{DIGEST-MD5}eb5a750053e4d2c34aa84bbc9b0b6ee7"
#define DOVECOT_DIGEST_TIM	"{DIGEST-MD5}9031dda284a86784c42008788bb28b31"
#define DOVECOT_DIGEST_UTF8	"{DIGEST-MD5}012948f5b1bbcf73801d7cb32c20b7f7"
#define DOVECOT_DIGEST_UUML	"{DIGEST-MD5}2ed59e438edb860f52e1ac160420dbd9"

static void cram_digest_hex(const struct mg_secret_cram *sec, char hex[33])
{
    struct mg_cram_key key;
    unsigned char digest[16];

    mg_secret_cram_key(sec, &key);
    ck_assert_int_eq(mg_cram_digest(&key, CRAM_CHAL, strlen(CRAM_CHAL), digest, 0), MG_OK);
    mg_hex_encode(digest, 16, hex);
}

static void unhex(const char *hex, unsigned char *out, size_t len)
{
    ck_assert_int_eq(mg_hex_decode(hex, strlen(hex), out, len, 0), MG_OK);
}

START_TEST(dovecot_cram_verifies_rfc2195)
{
    struct mg_secret_cram sec;
    struct mg_error err;
    char    hex[33];

    ck_assert_int_eq(mg_secret_cram_parse(DOVECOT_CRAM_RFC, strlen(DOVECOT_CRAM_RFC),
					  &sec, &err), MG_OK);
    ck_assert_int_eq(sec.form, MG_SECRET_FORM_DOVECOT);
    cram_digest_hex(&sec, hex);
    ck_assert_str_eq(hex, CRAM_DIGEST);
}
END_TEST

static void check_dovecot_cram(const char *password, const char *expect)
{
    struct mg_secret_cram sec;
    char    buf[MG_SECRET_TEXT_MAX];
    size_t  len;

    ck_assert_int_eq(mg_secret_cram_make((const unsigned char *) password,
					 strlen(password), &sec, 0), MG_OK);
    ck_assert_int_eq(mg_secret_cram_format(&sec, MG_SECRET_FORM_DOVECOT, buf,
					   sizeof(buf), &len, 0), MG_OK);
    ck_assert_uint_eq(len, strlen(expect));
    ck_assert_str_eq(buf, expect);
}

START_TEST(dovecot_cram_made_like_doveadm)
{
    check_dovecot_cram(CRAM_PASS, DOVECOT_CRAM_RFC);
    check_dovecot_cram(UTF8_PASS, DOVECOT_CRAM_UTF8);
    check_dovecot_cram(LONG_PASS, DOVECOT_CRAM_LONG);
}
END_TEST

START_TEST(dovecot_cram_scheme_case_and_hex_case)
{
    const char *v = "{cram-md5}D06D4E1B26FCCAA4B0B61801132340A354B21152711FB604CA3E035E7015116B";
    struct mg_secret_cram sec;
    char    hex[33];

    ck_assert_int_eq(mg_secret_cram_parse(v, strlen(v), &sec, 0), MG_OK);
    cram_digest_hex(&sec, hex);
    ck_assert_str_eq(hex, CRAM_DIGEST);
}
END_TEST

START_TEST(cyrus_cram_layout)
{
    struct mg_secret_cram sec, back;
    unsigned char expect[32];
    char    buf[MG_SECRET_TEXT_MAX];
    size_t  len;
    char    hex[33];

    ck_assert_int_eq(mg_secret_cram_make((const unsigned char *) CRAM_PASS,
					 strlen(CRAM_PASS), &sec, 0), MG_OK);
    ck_assert_int_eq(mg_secret_cram_format(&sec, MG_SECRET_FORM_CYRUS, buf,
					   sizeof(buf), &len, 0), MG_OK);
    ck_assert_uint_eq(len, 32);
    unhex(CYRUS_CRAM_RFC_HEX, expect, sizeof(expect));
    ck_assert_mem_eq(buf, expect, 32);
    ck_assert_int_eq(mg_secret_cram_parse_cyrus(expect, 32, &back, 0), MG_OK);
    ck_assert_int_eq(back.form, MG_SECRET_FORM_CYRUS);
    cram_digest_hex(&back, hex);
    ck_assert_str_eq(hex, CRAM_DIGEST);
}
END_TEST

START_TEST(cyrus_lengths_refused)
{
    unsigned char bytes[40];
    struct mg_secret_cram cram;
    struct mg_secret_digest dig;
    struct mg_error err;
    size_t  bad_cram[] = {0, 16, 31, 33, 40};
    size_t  bad_digest[] = {0, 15, 17, 32};
    size_t  i;

    memset(bytes, 0x41, sizeof(bytes));
    for (i = 0; i < sizeof(bad_cram) / sizeof(bad_cram[0]); i++)
	ck_assert_int_eq(mg_secret_cram_parse_cyrus(bytes, bad_cram[i], &cram, &err),
			 MG_BADSECRET);
    ck_assert_str_eq(err.reason, "cmusaslsecretCRAM-MD5 value has 40 bytes, expected 32");
    for (i = 0; i < sizeof(bad_digest) / sizeof(bad_digest[0]); i++)
	ck_assert_int_eq(mg_secret_digest_parse_cyrus(bytes, bad_digest[i], "r",
						      &dig, &err), MG_BADSECRET);
    ck_assert_int_eq(mg_secret_digest_parse_cyrus(bytes, 16, 0, &dig, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_secret_digest_parse_cyrus(bytes, 16, "r", &dig, &err), MG_OK);
    ck_assert_int_eq(dig.form, MG_SECRET_FORM_CYRUS);
    ck_assert_str_eq(dig.realm, "r");
}
END_TEST

START_TEST(md5gate_cram_round_trip)
{
    struct mg_secret_cram sec, back;
    char    buf[MG_SECRET_TEXT_MAX];
    size_t  len;

    ck_assert_int_eq(mg_secret_cram_make((const unsigned char *) CRAM_PASS,
					 strlen(CRAM_PASS), &sec, 0), MG_OK);
    ck_assert_int_eq(mg_secret_cram_format(&sec, MG_SECRET_FORM_MD5GATE, buf,
					   sizeof(buf), &len, 0), MG_OK);
    /* md5gate's text is Cyrus's bytes in hex. */
    ck_assert_str_eq(buf, "md5gate1:cram-md5:" CYRUS_CRAM_RFC_HEX);
    ck_assert_int_eq(mg_secret_cram_parse(buf, len, &back, 0), MG_OK);
    ck_assert_int_eq(back.form, MG_SECRET_FORM_MD5GATE);
    ck_assert_mem_eq(back.inner, sec.inner, sizeof(sec.inner));
    ck_assert_mem_eq(back.outer, sec.outer, sizeof(sec.outer));
}
END_TEST

START_TEST(cram_text_malformed)
{
    static const char *bad[] = {
	"",
	"md5gate1:cram-md5:",
	"md5gate1:cram-md5:" CYRUS_CRAM_RFC_HEX "0",
	"md5gate1:cram-md5:" CYRUS_CRAM_RFC_HEX "\n",
	" md5gate1:cram-md5:" CYRUS_CRAM_RFC_HEX,
	"MD5GATE1:CRAM-MD5:" CYRUS_CRAM_RFC_HEX,
	"md5gate2:cram-md5:" CYRUS_CRAM_RFC_HEX,
	"md5gate1:cram-md5:5211b25404b61f715e033eca6b1115701b4e6dd0a4cafc260118b6b0a340231",
	"md5gate1:cram-md5:5211b25404b61f715e033eca6b1115701b4e6dd0a4cafc260118b6b0a340231g",
	"{CRAM-MD5}d06d4e1b26fccaa4b0b61801132340a354b21152711fb604ca3e035e7015116",
	"{CRAM-MD5}",
	"{SSHA}d06d4e1b26fccaa4b0b61801132340a354b21152711fb604ca3e035e7015116b",
	"tanstaaftanstaaf",
    };
    struct mg_secret_cram sec;
    struct mg_error err;
    size_t  i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	ck_assert_msg(mg_secret_cram_parse(bad[i], strlen(bad[i]), &sec, &err)
		      == MG_BADSECRET, "accepted: %s", bad[i]);
    /* A NUL inside the value. */
    ck_assert_int_eq(mg_secret_cram_parse("md5gate1:\0cram", 14, &sec, &err), MG_BADSECRET);
    ck_assert_str_eq(err.reason, "stored CRAM-MD5 secret contains a NUL byte");
}
END_TEST

 /*
  * DIGEST-MD5: verify the RFC 2831 response from a stored hash.
  */
static enum mg_code verify_rfc_with(const struct mg_secret_digest *sec,
				            const char *realm, struct mg_error *err)
{
    struct mg_digest_response resp;
    struct mg_digest_secret key;
    enum mg_code code;
    size_t  i;

    mg_digest_response_init(&resp);
    ck_assert_int_eq(mg_digest_parse_response(RFC_RESP_TEXT, strlen(RFC_RESP_TEXT),
					      &resp, 0), MG_OK);
    code = MG_BADAUTH;
    for (i = 0; i < sec->count; i++) {
	if ((code = mg_secret_digest_key(sec, realm ? realm : resp.realm, i, &key,
					 err)) != MG_OK)
	    break;
	if ((code = verify_response(&resp, &key, err)) == MG_OK)
	    break;
    }
    mg_digest_response_free(&resp);
    return (code);
}

START_TEST(md5gate_digest_verifies_rfc2831)
{
    struct mg_secret_digest sec, back;
    char    buf[MG_SECRET_TEXT_MAX];
    size_t  len;

    ck_assert_int_eq(mg_secret_digest_make(RFC_USER, RFC_REALM,
					   (const unsigned char *) RFC_PASS,
					   strlen(RFC_PASS), &sec, 0), MG_OK);
    ck_assert_uint_eq(sec.count, 1);
    ck_assert_int_eq(mg_secret_digest_format(&sec, MG_SECRET_FORM_MD5GATE, buf,
					     sizeof(buf), &len, 0), MG_OK);
    ck_assert_str_eq(buf, "md5gate1:digest-md5:elwood.innosoft.com:"
		     "eb5a750053e4d2c34aa84bbc9b0b6ee7");
    ck_assert_int_eq(mg_secret_digest_parse(buf, len, "ignored", &back, 0), MG_OK);
    ck_assert_str_eq(back.realm, RFC_REALM);
    ck_assert_int_eq(back.form, MG_SECRET_FORM_MD5GATE);
    ck_assert_int_eq(verify_rfc_with(&back, 0, 0), MG_OK);
    ck_assert_int_eq(mg_secret_digest_format(&sec, MG_SECRET_FORM_DOVECOT, buf,
					     sizeof(buf), &len, 0), MG_OK);
    ck_assert_str_eq(buf, DOVECOT_DIGEST_RFC);
}
END_TEST

START_TEST(dovecot_digest_verifies_rfc2831)
{
    struct mg_secret_digest sec;
    struct mg_error err;

    ck_assert_int_eq(mg_secret_digest_parse(DOVECOT_DIGEST_RFC, strlen(DOVECOT_DIGEST_RFC),
					    RFC_REALM, &sec, &err), MG_OK);
    ck_assert_int_eq(sec.form, MG_SECRET_FORM_DOVECOT);
    ck_assert_int_eq(verify_rfc_with(&sec, 0, &err), MG_OK);
    /* Dovecot's form carries no realm: the caller must say which. */
    ck_assert_int_eq(mg_secret_digest_parse(DOVECOT_DIGEST_RFC, strlen(DOVECOT_DIGEST_RFC),
					    0, &sec, &err), MG_BADPARAM);
}
END_TEST

START_TEST(wrong_realm_refused)
{
    struct mg_secret_digest sec;
    struct mg_digest_secret key;
    struct mg_error err;

    /* The same bytes, bound to another realm, are not a match. */
    ck_assert_int_eq(mg_secret_digest_parse(DOVECOT_DIGEST_RFC, strlen(DOVECOT_DIGEST_RFC),
					    "other.example", &sec, &err), MG_OK);
    ck_assert_int_eq(verify_rfc_with(&sec, 0, &err), MG_BADAUTH);
    ck_assert_str_eq(err.reason, "stored DIGEST-MD5 secret was made for another realm");
    ck_assert_int_eq(mg_secret_digest_key(&sec, "Other.example", 0, &key, &err), MG_BADAUTH);
    ck_assert_int_eq(mg_secret_digest_key(&sec, "", 0, &key, &err), MG_BADAUTH);
    ck_assert_int_eq(mg_secret_digest_key(&sec, "other.example", 0, &key, &err), MG_OK);
    ck_assert_int_eq(key.kind, MG_DIGEST_SECRET_USERHASH);
    ck_assert_int_eq(mg_secret_digest_key(&sec, "other.example", 1, &key, &err), MG_BADPARAM);
    /* md5gate's own form: the realm is inside. */
    ck_assert_int_eq(mg_secret_digest_make(RFC_USER, "other.example",
					   (const unsigned char *) RFC_PASS,
					   strlen(RFC_PASS), &sec, 0), MG_OK);
    ck_assert_int_eq(verify_rfc_with(&sec, 0, &err), MG_BADAUTH);
    /* Right realm, wrong password. */
    ck_assert_int_eq(mg_secret_digest_make(RFC_USER, RFC_REALM,
					   (const unsigned char *) "Secret", 6,
					   &sec, 0), MG_OK);
    ck_assert_int_eq(verify_rfc_with(&sec, 0, &err), MG_BADAUTH);
}
END_TEST

static void md5_hex(const void *data, size_t len, char hex[33])
{
    unsigned char md[16];
    unsigned int n;

    ck_assert_int_eq(EVP_Digest(data, len, md, &n, EVP_md5(), 0), 1);
    mg_hex_encode(md, 16, hex);
}

START_TEST(digest_two_readings)
{
    struct mg_secret_digest sec, back;
    char    buf[MG_SECRET_TEXT_MAX];
    char    latin1_hex[33], raw_hex[33], expect[200];
    size_t  len;
    const char latin1[] = "doorphone:example.test:Door 2024 p\xe4sswort";
    const char raw[] = "doorphone:example.test:" UTF8_PASS;

    md5_hex(latin1, strlen(latin1), latin1_hex);
    md5_hex(raw, strlen(raw), raw_hex);
    ck_assert_str_eq(raw_hex, DOVECOT_DIGEST_UTF8 + strlen("{DIGEST-MD5}"));
    ck_assert_int_eq(mg_secret_digest_make("doorphone", "example.test",
					   (const unsigned char *) UTF8_PASS,
					   strlen(UTF8_PASS), &sec, 0), MG_OK);
    ck_assert_uint_eq(sec.count, 2);
    ck_assert_int_eq(mg_secret_digest_format(&sec, MG_SECRET_FORM_MD5GATE, buf,
					     sizeof(buf), &len, 0), MG_OK);
    snprintf(expect, sizeof(expect), "md5gate1:digest-md5:example.test:%s:%s",
	     latin1_hex, raw_hex);
    ck_assert_str_eq(buf, expect);
    ck_assert_int_eq(mg_secret_digest_parse(buf, len, 0, &back, 0), MG_OK);
    ck_assert_uint_eq(back.count, 2);
    ck_assert_int_eq(back.hashes[0].reading, MG_DIGEST_CHARSET_LATIN1);
    ck_assert_int_eq(back.hashes[1].reading, MG_DIGEST_CHARSET_RAW);
    ck_assert_mem_eq(back.hashes[1].hash, sec.hashes[1].hash, 16);
    /* Dovecot's form is the UTF-8 reading, Cyrus's the ISO-8859-1 one. */
    ck_assert_int_eq(mg_secret_digest_format(&sec, MG_SECRET_FORM_DOVECOT, buf,
					     sizeof(buf), &len, 0), MG_OK);
    ck_assert_str_eq(buf, DOVECOT_DIGEST_UTF8);
    ck_assert_int_eq(mg_secret_digest_format(&sec, MG_SECRET_FORM_CYRUS, buf,
					     sizeof(buf), &len, 0), MG_OK);
    ck_assert_uint_eq(len, 16);
    ck_assert_mem_eq(buf, sec.hashes[0].hash, 16);
    /* A non-ASCII user name, as doveadm hashed it. */
    ck_assert_int_eq(mg_secret_digest_make("\xc3\xbc", "realm",
					   (const unsigned char *) "p\xc3\xa4sswort",
					   9, &sec, 0), MG_OK);
    ck_assert_int_eq(mg_secret_digest_format(&sec, MG_SECRET_FORM_DOVECOT, buf,
					     sizeof(buf), &len, 0), MG_OK);
    ck_assert_str_eq(buf, DOVECOT_DIGEST_UUML);
}
END_TEST

START_TEST(dovecot_digest_made_like_doveadm)
{
    struct mg_secret_digest sec;
    char    buf[MG_SECRET_TEXT_MAX];
    size_t  len;

    ck_assert_int_eq(mg_secret_digest_make("tim", "example.test",
					   (const unsigned char *) CRAM_PASS,
					   strlen(CRAM_PASS), &sec, 0), MG_OK);
    ck_assert_int_eq(mg_secret_digest_format(&sec, MG_SECRET_FORM_DOVECOT, buf,
					     sizeof(buf), &len, 0), MG_OK);
    ck_assert_str_eq(buf, DOVECOT_DIGEST_TIM);
}
END_TEST

#define ESCAPED "md5gate1:digest-md5:a%20b%3Ac%25d%01%7F\xc3\xa9:"

START_TEST(realm_escaping)
{
    const char realm[] = "a b:c%d\x01\x7f\xc3\xa9";
    struct mg_secret_digest sec, back;
    char    buf[MG_SECRET_TEXT_MAX];
    size_t  len;

    ck_assert_int_eq(mg_secret_digest_make("u", realm, (const unsigned char *) "p", 1,
					   &sec, 0), MG_OK);
    ck_assert_int_eq(mg_secret_digest_format(&sec, MG_SECRET_FORM_MD5GATE, buf,
					     sizeof(buf), &len, 0), MG_OK);
    ck_assert_int_eq(strncmp(buf, ESCAPED, strlen(ESCAPED)), 0);
    ck_assert_int_eq(mg_secret_digest_parse(buf, len, 0, &back, 0), MG_OK);
    ck_assert_str_eq(back.realm, realm);
    /* The empty realm. */
    ck_assert_int_eq(mg_secret_digest_make("u", "", (const unsigned char *) "p", 1,
					   &sec, 0), MG_OK);
    ck_assert_int_eq(mg_secret_digest_format(&sec, MG_SECRET_FORM_MD5GATE, buf,
					     sizeof(buf), &len, 0), MG_OK);
    ck_assert_int_eq(strncmp(buf, "md5gate1:digest-md5::", 21), 0);
    ck_assert_int_eq(mg_secret_digest_parse(buf, len, "x", &back, 0), MG_OK);
    ck_assert_str_eq(back.realm, "");
}
END_TEST

START_TEST(digest_text_malformed)
{
    static const char *bad[] = {
	"",
	"md5gate1:digest-md5:",
	"md5gate1:digest-md5:realm",
	"md5gate1:digest-md5:realm:",
	"md5gate1:digest-md5:realm:eb5a750053e4d2c34aa84bbc9b0b6ee",
	"md5gate1:digest-md5:realm:eb5a750053e4d2c34aa84bbc9b0b6ee7:",
	"md5gate1:digest-md5:realm:eb5a750053e4d2c34aa84bbc9b0b6ee7:eb5a750053e4d2c34aa84bbc9b0b6ee7:eb5a750053e4d2c34aa84bbc9b0b6ee7",
	"md5gate1:digest-md5:re alm:eb5a750053e4d2c34aa84bbc9b0b6ee7",
	"md5gate1:digest-md5:re%2:eb5a750053e4d2c34aa84bbc9b0b6ee7",
	"md5gate1:digest-md5:re%zz:eb5a750053e4d2c34aa84bbc9b0b6ee7",
	"md5gate1:digest-md5:re%00:eb5a750053e4d2c34aa84bbc9b0b6ee7",
	"md5gate1:digest-md5:realm:eb5a750053e4d2c34aa84bbc9b0b6eeX",
	"md5gate1:cram-md5:realm:eb5a750053e4d2c34aa84bbc9b0b6ee7",
	"{DIGEST-MD5}eb5a750053e4d2c34aa84bbc9b0b6ee",
	"{DIGEST-MD5}eb5a750053e4d2c34aa84bbc9b0b6ee7 ",
	"{PLAIN}secret",
    };
    struct mg_secret_digest sec;
    struct mg_error err;
    char    longrealm[400];
    size_t  i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	ck_assert_msg(mg_secret_digest_parse(bad[i], strlen(bad[i]), "r", &sec, &err)
		      == MG_BADSECRET, "accepted: %s", bad[i]);
    /* A realm longer than 255 bytes, in the text and when making. */
    memset(longrealm, 'r', sizeof(longrealm));
    memcpy(longrealm, "md5gate1:digest-md5:", 20);
    memcpy(longrealm + 300, ":eb5a750053e4d2c34aa84bbc9b0b6ee7", 33);
    longrealm[333] = 0;
    ck_assert_int_eq(mg_secret_digest_parse(longrealm, strlen(longrealm), 0, &sec, &err),
		     MG_BADSECRET);
    memset(longrealm, 'r', 256);
    longrealm[256] = 0;
    ck_assert_int_eq(mg_secret_digest_make("u", longrealm, (const unsigned char *) "p",
					   1, &sec, &err), MG_BADPARAM);
    longrealm[255] = 0;
    ck_assert_int_eq(mg_secret_digest_make("u", longrealm, (const unsigned char *) "p",
					   1, &sec, &err), MG_OK);
}
END_TEST

START_TEST(format_buffer_too_small)
{
    struct mg_secret_cram sec;
    char    buf[MG_SECRET_TEXT_MAX];
    size_t  len;
    struct mg_error err;

    ck_assert_int_eq(mg_secret_cram_make((const unsigned char *) "p", 1, &sec, 0), MG_OK);
    ck_assert_int_eq(mg_secret_cram_format(&sec, MG_SECRET_FORM_MD5GATE, buf, 82,
					   &len, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_secret_cram_format(&sec, MG_SECRET_FORM_MD5GATE, buf, 83,
					   &len, &err), MG_OK);
    ck_assert_uint_eq(len, 82);
}
END_TEST

START_TEST(clear_erases)
{
    struct mg_secret_cram cram;
    struct mg_secret_digest dig;
    static const unsigned char zero[sizeof(struct mg_secret_digest)];

    ck_assert_int_eq(mg_secret_cram_make((const unsigned char *) "p", 1, &cram, 0), MG_OK);
    ck_assert_int_eq(mg_secret_digest_make("u", "r", (const unsigned char *) "p", 1,
					   &dig, 0), MG_OK);
    mg_secret_cram_clear(&cram);
    mg_secret_digest_clear(&dig);
    ck_assert_mem_eq(&cram, zero, sizeof(cram));
    ck_assert_mem_eq(&dig, zero, sizeof(dig));
    ck_assert_str_eq(mg_secret_form_name(MG_SECRET_FORM_CYRUS), "cyrus");
}
END_TEST

static Suite *secret_suite(void)
{
    Suite  *s = suite_create("secret");
    TCase  *tc = tcase_create("secret");

    tcase_add_test(tc, dovecot_cram_verifies_rfc2195);
    tcase_add_test(tc, dovecot_cram_made_like_doveadm);
    tcase_add_test(tc, dovecot_cram_scheme_case_and_hex_case);
    tcase_add_test(tc, cyrus_cram_layout);
    tcase_add_test(tc, cyrus_lengths_refused);
    tcase_add_test(tc, md5gate_cram_round_trip);
    tcase_add_test(tc, cram_text_malformed);
    tcase_add_test(tc, md5gate_digest_verifies_rfc2831);
    tcase_add_test(tc, dovecot_digest_verifies_rfc2831);
    tcase_add_test(tc, wrong_realm_refused);
    tcase_add_test(tc, digest_two_readings);
    tcase_add_test(tc, dovecot_digest_made_like_doveadm);
    tcase_add_test(tc, realm_escaping);
    tcase_add_test(tc, digest_text_malformed);
    tcase_add_test(tc, format_buffer_too_small);
    tcase_add_test(tc, clear_erases);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(secret_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
