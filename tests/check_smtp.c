/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of what the device's SMTP client parses (cli/smtp_parse.c):
 * replies, EHLO capabilities, md5gate probe's URLs, TLS refusal names.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "cli/smtp_device.h"

 /*
  * feed - lines into a fresh reply; the last line's result.
  */
static enum mg_code feed(struct smtp_reply *r, const char *const *lines, struct mg_error *err)
{
    enum mg_code ret = MG_OK;

    smtp_reply_init(r);
    for (; *lines; lines++)
	if ((ret = smtp_reply_line(r, *lines, strlen(*lines), err)) != MG_CONTINUE)
	    break;
    return (ret);
}

START_TEST(multiline_ehlo)
{
    static const char *const lines[] = {
	"250-mx.example.test", "250-STARTTLS", "250-AUTH PLAIN login CRAM-MD5 PLAIN",
	"250-AUTH=LOGIN DIGEST-MD5", "250 8BITMIME", 0,
    };
    struct smtp_reply r;
    struct smtp_caps caps;
    struct mg_error err;

    ck_assert_int_eq(feed(&r, lines, &err), MG_OK);
    ck_assert_int_eq(r.code, 250);
    ck_assert_int_eq((int) r.lines, 5);
    ck_assert_str_eq(r.last, "250 8BITMIME");
    smtp_caps_parse(&r, &caps);
    ck_assert(caps.starttls);
    ck_assert(caps.auth);
    ck_assert_str_eq(caps.mechs, "PLAIN LOGIN CRAM-MD5 DIGEST-MD5");
    ck_assert(smtp_caps_has(&caps, "CRAM-MD5"));
    ck_assert(!smtp_caps_has(&caps, "CRAM"));
    ck_assert(!smtp_caps_has(&caps, "MD5"));
}
END_TEST

START_TEST(bare_code_and_auth_text)
{
    static const char *const lines[] = {"334 PDEyMzQ+", 0};
    static const char *const bare[] = {"250", 0};
    struct smtp_reply r;
    struct mg_error err;

    ck_assert_int_eq(feed(&r, lines, &err), MG_OK);
    ck_assert_int_eq(r.code, 334);
    ck_assert_str_eq(r.text, "PDEyMzQ+");
    ck_assert_int_eq(feed(&r, bare, &err), MG_OK);
    ck_assert_int_eq((int) r.text_len, 0);
}
END_TEST

static const char *const bad_lines[] = {
    "", "25", "2x0 ok", "220_ok", "150 old", "600 no", "hello, this is not SMTP",
};

START_TEST(malformed_lines)
{
    struct smtp_reply r;
    struct mg_error err;
    const char *line = bad_lines[_i];

    smtp_reply_init(&r);
    ck_assert_int_eq(smtp_reply_line(&r, line, strlen(line), &err), MG_MALFORMED);
    ck_assert(err.reason[0] != 0);
}
END_TEST

START_TEST(nul_and_changing_code)
{
    static const char *const change[] = {"250-a", "251 b", 0};
    struct smtp_reply r;
    struct mg_error err;

    smtp_reply_init(&r);
    ck_assert_int_eq(smtp_reply_line(&r, "250 a\0b", 7, &err), MG_MALFORMED);
    ck_assert_int_eq(feed(&r, change, &err), MG_MALFORMED);
    ck_assert(strstr(err.reason, "changes") != 0);
}
END_TEST

START_TEST(bounds)
{
    struct smtp_reply r;
    struct mg_error err;
    char   *line = malloc(SMTP_LINE_MAX + 2);
    int     i;

    ck_assert_ptr_nonnull(line);
    memset(line, 'a', SMTP_LINE_MAX + 1);
    memcpy(line, "250 ", 4);
    smtp_reply_init(&r);
    ck_assert_int_eq(smtp_reply_line(&r, line, SMTP_LINE_MAX + 1, &err), MG_TOOLONG);
    smtp_reply_init(&r);
    ck_assert_int_eq(smtp_reply_line(&r, line, SMTP_LINE_MAX, &err), MG_OK);
    smtp_reply_init(&r);
    for (i = 0; i < SMTP_REPLY_LINES_MAX; i++)
	ck_assert_int_eq(smtp_reply_line(&r, "250-x", 5, &err), MG_CONTINUE);
    ck_assert_int_eq(smtp_reply_line(&r, "250 x", 5, &err), MG_TOOLONG);
    /* 4 lines of 4092 bytes of text exceed the reply's 16384 bytes. */
    line[3] = '-';
    smtp_reply_init(&r);
    for (i = 0; i < 4; i++)
	ck_assert_int_eq(smtp_reply_line(&r, line, SMTP_LINE_MAX, &err), MG_CONTINUE);
    ck_assert_int_eq(smtp_reply_line(&r, line, SMTP_LINE_MAX, &err), MG_TOOLONG);
    free(line);
}
END_TEST

START_TEST(last_line_printable)
{
    static const char line[] = "554 \x1b[31mno\xc3\xa4";
    struct smtp_reply r;
    struct mg_error err;

    smtp_reply_init(&r);
    ck_assert_int_eq(smtp_reply_line(&r, line, sizeof(line) - 1, &err), MG_OK);
    ck_assert_str_eq(r.last, "554 ?[31mno??");
}
END_TEST

START_TEST(urls)
{
    struct smtp_url url;
    struct mg_error err;

#define URL(s) smtp_url_parse((s), strlen(s), &url, &err)
    ck_assert_int_eq(URL("smtp://mail.example.org"), MG_OK);
    ck_assert_int_eq(url.scheme, SMTP_SCHEME_SMTP);
    ck_assert_str_eq(url.host, "mail.example.org");
    ck_assert_str_eq(url.port, "25");
    ck_assert_int_eq(URL("SMTPS://127.0.0.2:4650/"), MG_OK);
    ck_assert_int_eq(url.scheme, SMTP_SCHEME_SMTPS);
    ck_assert_str_eq(url.port, "4650");
    ck_assert_int_eq(URL("submission://[::1]"), MG_OK);
    ck_assert_str_eq(url.host, "::1");
    ck_assert_str_eq(url.port, "587");
    ck_assert_int_eq(URL("http://x"), MG_MALFORMED);
    ck_assert_int_eq(URL("smtp://"), MG_MALFORMED);
    ck_assert_int_eq(URL("smtp://user@host"), MG_MALFORMED);
    ck_assert_int_eq(URL("smtp://host:0"), MG_MALFORMED);
    ck_assert_int_eq(URL("smtp://host:65536"), MG_MALFORMED);
    ck_assert_int_eq(URL("smtp://host:25x"), MG_MALFORMED);
    ck_assert_int_eq(URL("smtp://host/path"), MG_MALFORMED);
    ck_assert_int_eq(URL("smtp://[::1"), MG_MALFORMED);
    ck_assert_int_eq(URL("smtp://[zz]"), MG_MALFORMED);
#undef URL
}
END_TEST

START_TEST(url_host_bound)
{
    struct smtp_url url;
    struct mg_error err;
    char    in[8 + SMTP_HOST_MAX + 20];

    /* The fuzzer's finding: a host one byte too long was copied whole. */
    memset(in, 'h', sizeof(in));
    memcpy(in, "smtp://", 7);
    ck_assert_int_eq(smtp_url_parse(in, 7 + SMTP_HOST_MAX, &url, &err), MG_OK);
    ck_assert_int_eq((int) strlen(url.host), SMTP_HOST_MAX);
    ck_assert_int_eq(smtp_url_parse(in, 7 + SMTP_HOST_MAX + 1, &url, &err), MG_TOOLONG);
    memcpy(in, "smtp://[", 8);
    memset(in + 8, '1', SMTP_HOST_MAX + 1);
    in[8 + SMTP_HOST_MAX + 1] = ']';
    ck_assert_int_eq(smtp_url_parse(in, 8 + SMTP_HOST_MAX + 2, &url, &err), MG_TOOLONG);
}
END_TEST

START_TEST(tls_names)
{
    char    out[64];

    smtp_tls_refusal("tlsv1 alert protocol version", out, sizeof(out));
    ck_assert_str_eq(out, "alert protocol_version");
    smtp_tls_refusal("sslv3 alert handshake failure", out, sizeof(out));
    ck_assert_str_eq(out, "alert handshake_failure");
    smtp_tls_refusal("unsupported protocol", out, sizeof(out));
    ck_assert_str_eq(out, "unsupported protocol");
    ck_assert_int_eq(smtp_tls_version("1.0"), TLS1_VERSION);
    ck_assert_int_eq(smtp_tls_version("1.3"), TLS1_3_VERSION);
    ck_assert_int_eq(smtp_tls_version("1"), 0);
    ck_assert_str_eq(smtp_tls_version_name(TLS1_1_VERSION), "1.1");
}
END_TEST

static Suite *smtp_suite(void)
{
    Suite  *s = suite_create("smtp");
    TCase  *tc = tcase_create("parse");

    tcase_add_test(tc, multiline_ehlo);
    tcase_add_test(tc, bare_code_and_auth_text);
    tcase_add_loop_test(tc, malformed_lines, 0,
			(int) (sizeof(bad_lines) / sizeof(bad_lines[0])));
    tcase_add_test(tc, nul_and_changing_code);
    tcase_add_test(tc, bounds);
    tcase_add_test(tc, last_line_printable);
    tcase_add_test(tc, urls);
    tcase_add_test(tc, url_host_bound);
    tcase_add_test(tc, tls_names);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(void)
{
    SRunner *sr = srunner_create(smtp_suite());
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
