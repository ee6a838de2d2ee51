/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the CRAM-MD5 core (src/cram.c).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include <openssl/hmac.h>
#include <openssl/evp.h>

#include "cram.h"
#include "mg_util.h"

/* RFC 2195, section 2. */
#define RFC_CHAL	"<1896.697170952@postoffice.reston.mci.net>"
#define RFC_USER	"tim"
#define RFC_PASS	"tanstaaftanstaaf"
#define RFC_DIGEST	"b913a602c7eda7a495b4e6e7334d3890"

static struct mg_cram_key plain_key(const char *password)
{
    struct mg_cram_key key;

    memset(&key, 0, sizeof(key));
    key.kind = MG_CRAM_KEY_PLAINTEXT;
    key.password = (const unsigned char *) password;
    key.password_len = strlen(password);
    return (key);
}

static void hex_of(const unsigned char *d, char *out)
{
    mg_hex_encode(d, 16, out);
}

START_TEST(rfc2195_example_digest)
{
    struct mg_cram_key key = plain_key(RFC_PASS);
    unsigned char digest[16];
    char    hex[33];

    ck_assert_int_eq(mg_cram_digest(&key, RFC_CHAL, strlen(RFC_CHAL), digest, 0), MG_OK);
    hex_of(digest, hex);
    ck_assert_str_eq(hex, RFC_DIGEST);
}
END_TEST

START_TEST(rfc2195_example_response_text)
{
    struct mg_cram_key key = plain_key(RFC_PASS);
    unsigned char digest[16];
    char    buf[MG_CRAM_RESPONSE_MAX + 1];
    size_t  len;

    ck_assert_int_eq(mg_cram_digest(&key, RFC_CHAL, strlen(RFC_CHAL), digest, 0), MG_OK);
    ck_assert_int_eq(mg_cram_format_response(RFC_USER, 3, digest, buf, sizeof(buf),
					     &len, 0), MG_OK);
    buf[len] = 0;
    ck_assert_str_eq(buf, "tim " RFC_DIGEST);
}
END_TEST

START_TEST(rfc2195_example_verifies)
{
    const char *resp_text = "tim " RFC_DIGEST;
    struct mg_cram_key key = plain_key(RFC_PASS);
    struct mg_cram_response resp;
    struct mg_error err;

    ck_assert_int_eq(mg_cram_parse_response(resp_text, strlen(resp_text), &resp, &err), MG_OK);
    ck_assert_uint_eq(resp.user_len, 3);
    ck_assert_int_eq(memcmp(resp.user, "tim", 3), 0);
    ck_assert_int_eq(mg_cram_verify(&key, RFC_CHAL, strlen(RFC_CHAL), &resp, &err), MG_OK);
}
END_TEST

START_TEST(upper_case_hex_accepted)
{
    const char *resp_text = "tim B913A602C7EDA7A495B4E6E7334D3890";
    struct mg_cram_key key = plain_key(RFC_PASS);
    struct mg_cram_response resp;

    ck_assert_int_eq(mg_cram_parse_response(resp_text, strlen(resp_text), &resp, 0), MG_OK);
    ck_assert_int_eq(mg_cram_verify(&key, RFC_CHAL, strlen(RFC_CHAL), &resp, 0), MG_OK);
}
END_TEST

START_TEST(wrong_password_refused)
{
    const char *resp_text = "tim " RFC_DIGEST;
    struct mg_cram_key key = plain_key("tanstaaftanstaag");
    struct mg_cram_response resp;
    struct mg_error err;

    ck_assert_int_eq(mg_cram_parse_response(resp_text, strlen(resp_text), &resp, &err), MG_OK);
    ck_assert_int_eq(mg_cram_verify(&key, RFC_CHAL, strlen(RFC_CHAL), &resp, &err), MG_BADAUTH);
    ck_assert_str_eq(err.reason, "CRAM-MD5 digest does not match");
}
END_TEST

START_TEST(wrong_challenge_refused)
{
    const char *resp_text = "tim " RFC_DIGEST;
    const char *other = "<1896.697170953@postoffice.reston.mci.net>";
    struct mg_cram_key key = plain_key(RFC_PASS);
    struct mg_cram_response resp;

    ck_assert_int_eq(mg_cram_parse_response(resp_text, strlen(resp_text), &resp, 0), MG_OK);
    ck_assert_int_eq(mg_cram_verify(&key, other, strlen(other), &resp, 0), MG_BADAUTH);
}
END_TEST

START_TEST(user_with_spaces_splits_at_last_space)
{
    const char *resp_text = "front door intercom " RFC_DIGEST;
    struct mg_cram_response resp;

    ck_assert_int_eq(mg_cram_parse_response(resp_text, strlen(resp_text), &resp, 0), MG_OK);
    ck_assert_uint_eq(resp.user_len, strlen("front door intercom"));
    ck_assert_int_eq(memcmp(resp.user, "front door intercom", resp.user_len), 0);
}
END_TEST

START_TEST(utf8_user_and_password)
{
    /* "Jürgen" and "pässwort" in UTF-8; expected value from OpenSSL's HMAC. */
    const char *user = "J\xc3\xbcrgen";
    const char *pass = "p\xc3\xa4sswort";
    struct mg_cram_key key = plain_key(pass);
    unsigned char digest[16], expect[16];
    unsigned int elen;
    char    buf[MG_CRAM_RESPONSE_MAX + 1];
    size_t  len;
    struct mg_cram_response resp;

    HMAC(EVP_md5(), pass, (int) strlen(pass), (const unsigned char *) RFC_CHAL,
	 strlen(RFC_CHAL), expect, &elen);
    ck_assert_int_eq(mg_cram_digest(&key, RFC_CHAL, strlen(RFC_CHAL), digest, 0), MG_OK);
    ck_assert_int_eq(memcmp(digest, expect, 16), 0);
    ck_assert_int_eq(mg_cram_format_response(user, strlen(user), digest, buf,
					     sizeof(buf), &len, 0), MG_OK);
    ck_assert_int_eq(mg_cram_parse_response(buf, len, &resp, 0), MG_OK);
    ck_assert_uint_eq(resp.user_len, strlen(user));
    ck_assert_int_eq(memcmp(resp.user, user, resp.user_len), 0);
    ck_assert_int_eq(mg_cram_verify(&key, RFC_CHAL, strlen(RFC_CHAL), &resp, 0), MG_OK);
}
END_TEST

START_TEST(hmac_states_match_plaintext)
{
    struct mg_cram_key plain = plain_key(RFC_PASS);
    struct mg_cram_key hashed;
    unsigned char a[16], b[16];

    memset(&hashed, 0, sizeof(hashed));
    hashed.kind = MG_CRAM_KEY_HMAC_STATES;
    ck_assert_int_eq(mg_cram_hmac_states((const unsigned char *) RFC_PASS,
					 strlen(RFC_PASS), hashed.inner,
					 hashed.outer, 0), MG_OK);
    ck_assert_int_eq(mg_cram_digest(&plain, RFC_CHAL, strlen(RFC_CHAL), a, 0), MG_OK);
    ck_assert_int_eq(mg_cram_digest(&hashed, RFC_CHAL, strlen(RFC_CHAL), b, 0), MG_OK);
    ck_assert_int_eq(memcmp(a, b, 16), 0);
}
END_TEST

START_TEST(hmac_states_long_key)
{
    /* Keys longer than the 64-byte block are hashed first (RFC 2104). */
    char    longpw[100];
    struct mg_cram_key plain, hashed;
    unsigned char a[16], b[16];

    memset(longpw, 'k', sizeof(longpw) - 1);
    longpw[sizeof(longpw) - 1] = 0;
    plain = plain_key(longpw);
    memset(&hashed, 0, sizeof(hashed));
    hashed.kind = MG_CRAM_KEY_HMAC_STATES;
    mg_cram_hmac_states((const unsigned char *) longpw, strlen(longpw),
			hashed.inner, hashed.outer, 0);
    mg_cram_digest(&plain, RFC_CHAL, strlen(RFC_CHAL), a, 0);
    mg_cram_digest(&hashed, RFC_CHAL, strlen(RFC_CHAL), b, 0);
    ck_assert_int_eq(memcmp(a, b, 16), 0);
}
END_TEST

 /*
  * Malformed responses, each with its specific reason.
  */
struct bad_case {
    const char *input;
    size_t  len;			/* 0: strlen */
    enum mg_code code;
    const char *reason;
};

static const struct bad_case bad_cases[] = {
    {"", 0, MG_MALFORMED, "empty CRAM-MD5 response"},
    {"tim", 0, MG_MALFORMED, "CRAM-MD5 response has no space between user name and digest"},
    {RFC_DIGEST, 0, MG_MALFORMED, "CRAM-MD5 response has no space between user name and digest"},
    {" " RFC_DIGEST, 0, MG_MALFORMED, "CRAM-MD5 response has an empty user name"},
    {"tim b913a602c7eda7a495b4e6e7334d389", 0, MG_MALFORMED,
    "CRAM-MD5 digest has 31 characters, expected 32 hex digits"},
    {"tim b913a602c7eda7a495b4e6e7334d38900", 0, MG_MALFORMED,
    "CRAM-MD5 digest has 33 characters, expected 32 hex digits"},
    {"tim ", 0, MG_MALFORMED, "CRAM-MD5 digest has 0 characters, expected 32 hex digits"},
    {"tim b913a602c7eda7a495b4e6e7334d389g", 0, MG_MALFORMED,
    "CRAM-MD5 digest contains a non-hex character"},
    {"tim " RFC_DIGEST " ", 0, MG_MALFORMED,
    "CRAM-MD5 digest has 0 characters, expected 32 hex digits"},
    {"t\0m " RFC_DIGEST, 36, MG_MALFORMED, "CRAM-MD5 response contains a NUL byte"},
};

START_TEST(malformed_responses)
{
    const struct bad_case *bc = bad_cases + _i;
    struct mg_cram_response resp;
    struct mg_error err;
    size_t  len = bc->len ? bc->len : strlen(bc->input);

    mg_error_clear(&err);
    ck_assert_int_eq(mg_cram_parse_response(bc->input, len, &resp, &err), bc->code);
    ck_assert_int_eq(err.code, bc->code);
    ck_assert_str_eq(err.reason, bc->reason);
}
END_TEST

START_TEST(oversized_response)
{
    size_t  len = MG_CRAM_RESPONSE_MAX + 1;
    char   *big = malloc(len);
    struct mg_cram_response resp;
    struct mg_error err;

    memset(big, 'u', len);
    memcpy(big + len - 33, " " RFC_DIGEST, 33);
    ck_assert_int_eq(mg_cram_parse_response(big, len, &resp, &err), MG_TOOLONG);
    ck_assert_str_eq(err.reason, "CRAM-MD5 response of 289 bytes, more than 288");
    /* One byte less is a user name of exactly the maximum: accepted. */
    ck_assert_int_eq(mg_cram_parse_response(big + 1, len - 1, &resp, &err), MG_OK);
    ck_assert_uint_eq(resp.user_len, MG_CRAM_USER_MAX);
    free(big);
}
END_TEST

START_TEST(challenge_format)
{
    char    buf[MG_CRAM_CHALLENGE_MAX];
    char    other[MG_CRAM_CHALLENGE_MAX];
    size_t  len, olen;
    struct mg_error err;
    const char *at;

    ck_assert_int_eq(mg_cram_make_challenge("relay.example.test", buf, sizeof(buf),
					    &len, &err), MG_OK);
    ck_assert_uint_eq(len, strlen(buf));
    ck_assert_int_eq(buf[0], '<');
    ck_assert_int_eq(buf[len - 1], '>');
    at = strchr(buf, '@');
    ck_assert_ptr_nonnull(at);
    ck_assert_str_eq(at, "@relay.example.test>");
    ck_assert_ptr_nonnull(strchr(buf, '.'));
    ck_assert_int_lt(strchr(buf, '.') - buf, at - buf);
    /* <digits.seconds@host>: the random number and the time in decimal. */
    {
	char   *end;
	time_t  then = time((time_t *) 0);
	unsigned long long secs;

	ck_assert(buf[1] >= '0' && buf[1] <= '9');
	(void) strtoull(buf + 1, &end, 10);
	ck_assert_ptr_eq(end, strchr(buf, '.'));
	secs = strtoull(end + 1, &end, 10);
	ck_assert_ptr_eq(end, at);
	ck_assert((time_t) secs <= then && (time_t) secs + 5 >= then);
    }
    /* Two challenges differ: they come from the random generator. */
    ck_assert_int_eq(mg_cram_make_challenge("relay.example.test", other, sizeof(other),
					    &olen, &err), MG_OK);
    ck_assert_str_ne(buf, other);
}
END_TEST

/*
 * Random bytes are drawn from OpenSSL in batches: a forked child must not
 * hand out the bytes its parent hands out too (two smtpd processes would
 * send the same challenge), and consecutive draws differ across a batch.
 */
START_TEST(random_bytes_not_shared_with_a_child)
{
    unsigned char first[8], mine[8], childs[8], prev[16], next[16];
    struct mg_error err;
    int     fds[2], status, i;
    pid_t   pid;

    ck_assert_int_eq(mg_random_bytes(first, sizeof(first), &err), MG_OK);
    ck_assert_int_eq(pipe(fds), 0);
    if ((pid = fork()) == 0) {
	close(fds[0]);
	if (mg_random_bytes(childs, sizeof(childs), &err) != MG_OK
	    || write(fds[1], childs, sizeof(childs)) != (ssize_t) sizeof(childs))
	    _exit(1);
	_exit(0);
    }
    ck_assert_int_gt(pid, 0);
    close(fds[1]);
    ck_assert_int_eq(mg_random_bytes(mine, sizeof(mine), &err), MG_OK);
    ck_assert_int_eq(read(fds[0], childs, sizeof(childs)), (ssize_t) sizeof(childs));
    close(fds[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert(memcmp(mine, childs, sizeof(mine)) != 0);
    ck_assert(memcmp(first, mine, sizeof(mine)) != 0);
    ck_assert_int_eq(mg_random_bytes(prev, sizeof(prev), &err), MG_OK);
    for (i = 0; i < 200; i++) {
	ck_assert_int_eq(mg_random_bytes(next, sizeof(next), &err), MG_OK);
	ck_assert(memcmp(prev, next, sizeof(next)) != 0);
	memcpy(prev, next, sizeof(prev));
    }
}
END_TEST

START_TEST(hex_u32_is_eight_digits)
{
    char    out[9];

    mg_hex_u32(0, out);
    ck_assert_str_eq(out, "00000000");
    mg_hex_u32(1, out);
    ck_assert_str_eq(out, "00000001");
    mg_hex_u32(0xdeadbeefu, out);
    ck_assert_str_eq(out, "deadbeef");
    mg_hex_u32(0xffffffffu, out);
    ck_assert_str_eq(out, "ffffffff");
}
END_TEST

START_TEST(challenge_refuses_bad_hosts)
{
    char    buf[MG_CRAM_CHALLENGE_MAX];
    char    longhost[MG_CRAM_HOST_MAX + 2];
    size_t  len;
    struct mg_error err;

    ck_assert_int_eq(mg_cram_make_challenge("", buf, sizeof(buf), &len, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_cram_make_challenge("a>b", buf, sizeof(buf), &len, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_cram_make_challenge("a b", buf, sizeof(buf), &len, &err), MG_BADPARAM);
    memset(longhost, 'h', sizeof(longhost) - 1);
    longhost[sizeof(longhost) - 1] = 0;
    ck_assert_int_eq(mg_cram_make_challenge(longhost, buf, sizeof(buf), &len, &err), MG_BADPARAM);
    ck_assert_str_eq(err.reason, "server host name is longer than 255 bytes");
    longhost[MG_CRAM_HOST_MAX] = 0;
    ck_assert_int_eq(mg_cram_make_challenge(longhost, buf, sizeof(buf), &len, &err), MG_OK);
}
END_TEST

START_TEST(client_challenge_checks)
{
    char    big[MG_CRAM_CHALLENGE_MAX + 1];
    struct mg_error err;

    ck_assert_int_eq(mg_cram_check_challenge(RFC_CHAL, strlen(RFC_CHAL), &err), MG_OK);
    ck_assert_int_eq(mg_cram_check_challenge("", 0, &err), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "server sent an empty CRAM-MD5 challenge");
    ck_assert_int_eq(mg_cram_check_challenge("<a\0b>", 5, &err), MG_MALFORMED);
    ck_assert_str_eq(err.reason, "CRAM-MD5 challenge contains a NUL byte");
    memset(big, 'c', sizeof(big));
    ck_assert_int_eq(mg_cram_check_challenge(big, sizeof(big), &err), MG_TOOLONG);
    ck_assert_str_eq(err.reason, "server sent a CRAM-MD5 challenge of 1025 bytes, more than 1024");
}
END_TEST

START_TEST(format_refuses_bad_users)
{
    unsigned char digest[16] = {0};
    char    buf[MG_CRAM_RESPONSE_MAX + 1];
    char    longuser[MG_CRAM_USER_MAX + 2];
    size_t  len;

    ck_assert_int_eq(mg_cram_format_response("", 0, digest, buf, sizeof(buf), &len, 0),
		     MG_BADPARAM);
    memset(longuser, 'u', sizeof(longuser));
    ck_assert_int_eq(mg_cram_format_response(longuser, sizeof(longuser) - 1, digest, buf,
					     sizeof(buf), &len, 0), MG_BADPARAM);
    ck_assert_int_eq(mg_cram_format_response("tim", 3, digest, buf, 10, &len, 0),
		     MG_BADPARAM);
}
END_TEST

static Suite *cram_suite(void)
{
    Suite  *s = suite_create("cram");
    TCase  *tc = tcase_create("core");

    tcase_add_test(tc, rfc2195_example_digest);
    tcase_add_test(tc, rfc2195_example_response_text);
    tcase_add_test(tc, rfc2195_example_verifies);
    tcase_add_test(tc, upper_case_hex_accepted);
    tcase_add_test(tc, wrong_password_refused);
    tcase_add_test(tc, wrong_challenge_refused);
    tcase_add_test(tc, user_with_spaces_splits_at_last_space);
    tcase_add_test(tc, utf8_user_and_password);
    tcase_add_test(tc, hmac_states_match_plaintext);
    tcase_add_test(tc, hmac_states_long_key);
    tcase_add_loop_test(tc, malformed_responses, 0,
			(int) (sizeof(bad_cases) / sizeof(bad_cases[0])));
    tcase_add_test(tc, oversized_response);
    tcase_add_test(tc, challenge_format);
    tcase_add_test(tc, challenge_refuses_bad_hosts);
    tcase_add_test(tc, random_bytes_not_shared_with_a_child);
    tcase_add_test(tc, hex_u32_is_eight_digits);
    tcase_add_test(tc, client_challenge_checks);
    tcase_add_test(tc, format_refuses_bad_users);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(cram_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
