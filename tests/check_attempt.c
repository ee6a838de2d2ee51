/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the server attempt (plugins/server_attempt.c) through
 * the plugin's real entry points and the fake libsasl2 of the fuzz
 * targets (tests/fuzz/fake-sasl.c): what canon_user is handed, that
 * policy and lockout decide on the canonical account (" tim", "tim "
 * and "tim@example.test" are one account), that unknown users count
 * under their canonical name, and that refusal kinds (replay, protocol,
 * lockout) reach the record as such.
 *
 * Each test runs in a process of its own (Check's fork mode), so each
 * starts the plugin afresh with its own configuration file, audit file
 * and lockout store.
 */
#define _GNU_SOURCE			/* nftw(3) */
#include <check.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-sasl.h"
#include "server_attempt.h"

#define PW_TIM	"tanstaaftanstaaf"

static char base[256];
static char dir[300];
static char audit[400];
static char policy_text[2048];

 /*
  * Start the plugin with this policy (the audit file and the lockout
  * store are added, in a directory of the test's own).
  */
static void start(const char *policy)
{
    snprintf(dir, sizeof(dir), "%s/t.XXXXXX", base);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(audit, sizeof(audit), "%s/audit.jsonl", dir);
    snprintf(policy_text, sizeof(policy_text), "[global]\naudit_file = %s\n"
	     "lockout_store = %s/lockout.mdb\n%s", audit, dir, policy);
    fake_set_policy(policy_text);
}

 /*
  * One server session: the option byte, then the client's messages.
  */
static int session(const char *mech, unsigned opts, const char *m1, const char *m2,
		           const char *m3)
{
    char    data[4096];
    struct fake_msgs msgs;
    int     n, ret;

    n = snprintf(data, sizeof(data), "%c%s%s%s%s%s", (char) opts, m1,
		 m2 ? "\x1e" : "", m2 ? m2 : "", m3 ? "\x1e" : "", m3 ? m3 : "");
    ck_assert_int_lt(n, (int) sizeof(data));
    fake_split((const uint8_t *) data, (size_t) n, &msgs);
    ret = fake_server_session(fake_server_mech(mech), &msgs);
    fake_msgs_free(&msgs);
    return (ret);
}

static int cram(const char *user, int right)
{
    char    resp[256];

    snprintf(resp, sizeof(resp), "%s %s", user, right ? FAKE_CRAM :
	     "0123456789abcdef0123456789abcdef");
    return (session("CRAM-MD5", 0, "", resp, 0));
}

 /*
  * A DIGEST-MD5 response; realm null: none; extra: more directives.
  */
static int digest_opts(unsigned opts, const char *user, const char *realm, int right,
		               const char *extra)
{
    char    resp[1024], rbuf[300];

    if (realm)
	snprintf(rbuf, sizeof(rbuf), "realm=\"%s\",", realm);
    else
	rbuf[0] = 0;
    snprintf(resp, sizeof(resp), "username=\"%s\",%snonce=\"" FAKE_NONCE "\","
	     "nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",qop=auth,%s%s"
	     "response=%s", user, rbuf, extra ? extra : "digest-uri=\"smtp/relay."
	     "example.test\"", extra ? "" : ",", right ? FAKE_RESPONSE :
	     "0123456789abcdef0123456789abcdef");
    return (session("DIGEST-MD5", opts, "", resp, ""));
}

static int digest(const char *user, const char *realm, int right)
{
    return (digest_opts(0, user, realm, right, 0));
}

 /*
  * The last record of the audit file has every given "key":"value"
  * (JSON, as written: no spaces).
  */
static void last_record_has(const char *want,...)
{
    static char buf[1 << 16];
    FILE   *fp;
    size_t  n;
    char   *last, *end;
    const char *w;
    va_list ap;

    ck_assert_ptr_nonnull(fp = fopen(audit, "r"));
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = 0;
    ck_assert_msg(n > 0 && buf[n - 1] == '\n', "no whole record");
    buf[n - 1] = 0;
    last = (end = strrchr(buf, '\n')) ? end + 1 : buf;
    va_start(ap, want);
    for (w = want; w; w = va_arg(ap, const char *))
	ck_assert_msg(strstr(last, w) != 0, "%s not in %s", w, last);
    va_end(ap);
}

static void canon_calls(int count,...)
{
    const struct fake_canon_call *calls;
    va_list ap;
    int     n, i;

    calls = fake_canon_calls(&n);
    ck_assert_int_eq(n, count);
    va_start(ap, count);
    for (i = 0; i < count; i++) {
	ck_assert_str_eq(calls[i].user, va_arg(ap, const char *));
	ck_assert_uint_eq(calls[i].flags, va_arg(ap, unsigned));
    }
    va_end(ap);
}

#define BOTH	(SASL_CU_AUTHID | SASL_CU_AUTHZID)

START_TEST(canon_input_rule)
{
    struct mgp_claim c = {"bob", 3, 0, 0, 0};
    char    buf[64], acct[64];

    /* CRAM-MD5 (no realms): the name as sent. */
    ck_assert_str_eq(mgp_canon_input(&c, buf, sizeof(buf)), "bob");
    /* DIGEST-MD5: bare unless the client overrides the offered realm. */
    c.offered_realm = "example.test";
    c.realm = "example.test";
    ck_assert_str_eq(mgp_canon_input(&c, buf, sizeof(buf)), "bob");
    c.realm = "";
    ck_assert_str_eq(mgp_canon_input(&c, buf, sizeof(buf)), "bob");
    c.realm = "other.test";
    ck_assert_str_eq(mgp_canon_input(&c, buf, sizeof(buf)), "bob@other.test");
    c.realm = "example.test ";
    ck_assert_str_eq(mgp_canon_input(&c, buf, sizeof(buf)), "bob@example.test ");
    ck_assert_ptr_null(mgp_canon_input(&c, buf, 8));
    c.offered_realm = 0;
    ck_assert_str_eq(mgp_canon_input(&c, buf, sizeof(buf)), "bob");

    /* The account: qualified with the lookup realm when it has none. */
    mgp_account_of("bob", 3, "example.test", "mx.test", acct, sizeof(acct));
    ck_assert_str_eq(acct, "bob@example.test");
    mgp_account_of("bob", 3, 0, "mx.test", acct, sizeof(acct));
    ck_assert_str_eq(acct, "bob@mx.test");
    mgp_account_of("bob", 3, "", "mx.test", acct, sizeof(acct));
    ck_assert_str_eq(acct, "bob@mx.test");
    mgp_account_of("bob@other.test", 14, 0, "mx.test", acct, sizeof(acct));
    ck_assert_str_eq(acct, "bob@other.test");
    mgp_account_of("bob", 3, 0, 0, acct, sizeof(acct));
    ck_assert_str_eq(acct, "bob");
}
END_TEST

START_TEST(cram_identity)
{
    start("");
    ck_assert_int_eq(cram(" tim", 1), SASL_OK);
    canon_calls(1, " tim", BOTH);
    last_record_has("\"outcome\":\"success\"", "\"authid\":\" tim\"",
		    "\"account\":\"tim@example.test\"", (char *) 0);
    ck_assert_int_eq(cram("tim@example.test", 1), SASL_OK);
    canon_calls(1, "tim@example.test", BOTH);
    last_record_has("\"authid\":\"tim@example.test\"", "\"account\":\"tim@example.test\"",
		    (char *) 0);
}
END_TEST

START_TEST(digest_identity)
{
    start("");
    ck_assert_int_eq(digest("chris", "example.test", 1), SASL_OK);
    canon_calls(1, "chris", BOTH);
    last_record_has("\"account\":\"chris@example.test\"", "\"realm\":\"example.test\"",
		    (char *) 0);
    ck_assert_int_eq(digest("chris", "other.test", 1), SASL_OK);
    canon_calls(1, "chris@other.test", BOTH);
    last_record_has("\"account\":\"chris@other.test\"", (char *) 0);
    ck_assert_int_eq(digest("chris", 0, 1), SASL_OK);
    canon_calls(1, "chris", BOTH);
    ck_assert_int_eq(digest_opts(0, "chris", "example.test", 1, "authzid=\"boss\","
				 "digest-uri=\"smtp/relay.example.test\","), SASL_OK);
    canon_calls(2, "chris", SASL_CU_AUTHID, "boss", SASL_CU_AUTHZID);
    last_record_has("\"authzid\":\"boss\"", "\"account\":\"chris@example.test\"",
		    (char *) 0);
    /* No user realm: the server name is offered, and is the lookup realm. */
    ck_assert_int_eq(digest_opts(FAKE_S_NO_USER_REALM, "chris", "relay.example.test",
				 1, 0), SASL_OK);
    canon_calls(1, "chris", BOTH);
    last_record_has("\"account\":\"chris@relay.example.test\"", (char *) 0);
}
END_TEST

static const char lockout3[] = "lockout_failures = 3\nlockout_duration = 1h\n"
"lockout_address = no\n";

START_TEST(lockout_variants)
{
    int     i;

    start(lockout3);
    for (i = 0; i < 3; i++) {
	ck_assert_int_eq(cram("tim", 0), SASL_BADAUTH);
	last_record_has("\"outcome\":\"bad-credentials\"", (char *) 0);
    }
    ck_assert_int_eq(cram(" tim", 1), SASL_BADAUTH);
    last_record_has("\"outcome\":\"locked-out\"", "\"account\":\"tim@example.test\"",
		    "\"rule\":\"global.lockout_failures\"", "\"enforced\":true", (char *) 0);
    ck_assert_int_eq(cram("tim ", 1), SASL_BADAUTH);
    last_record_has("\"outcome\":\"locked-out\"", (char *) 0);
    ck_assert_int_eq(cram("tim@example.test", 1), SASL_BADAUTH);
    last_record_has("\"outcome\":\"locked-out\"", (char *) 0);
    ck_assert_int_eq(digest("tim", "example.test", 1), SASL_BADAUTH);
    last_record_has("\"outcome\":\"locked-out\"", (char *) 0);
    ck_assert_int_eq(digest(" tim", "example.test ", 1), SASL_BADAUTH);
    last_record_has("\"outcome\":\"locked-out\"", "\"account\":\"tim@example.test\"",
		    (char *) 0);
    /* Another account is not locked. */
    ck_assert_int_eq(cram("doorphone", 1), SASL_OK);
}
END_TEST

START_TEST(lockout_unknown_user)
{
    start("lockout_failures = 2\nlockout_duration = 1h\nlockout_address = no\n");
    ck_assert_int_eq(cram("ghost", 0), SASL_NOUSER);
    last_record_has("\"outcome\":\"unknown-user\"", "\"account\":\"ghost@example.test\"",
		    (char *) 0);
    ck_assert_int_eq(cram("ghost@example.test ", 0), SASL_NOUSER);
    ck_assert_int_eq(cram(" ghost", 0), SASL_BADAUTH);
    last_record_has("\"outcome\":\"locked-out\"", "\"account\":\"ghost@example.test\"",
		    (char *) 0);
}
END_TEST

START_TEST(lockout_audit_only)
{
    start("mode = audit-only\nlockout_failures = 2\nlockout_duration = 1h\n"
	  "lockout_address = no\n");
    ck_assert_int_eq(cram("tim", 0), SASL_BADAUTH);
    ck_assert_int_eq(cram("tim", 0), SASL_BADAUTH);
    ck_assert_int_eq(cram(" tim", 1), SASL_OK);
    last_record_has("\"outcome\":\"locked-out\"", "\"enforced\":false",
		    "\"reason\":\"audit-only: global.lockout_failures would refuse; "
		    "authenticated\"", (char *) 0);
}
END_TEST

START_TEST(users_deny_canonical)
{
    start("[cram-md5]\nusers_deny = tim\n[digest-md5]\nusers_deny = *@other.test\n");
    ck_assert_int_eq(cram(" tim", 1), SASL_NOAUTHZ);
    last_record_has("\"outcome\":\"policy-denied\"", "\"rule\":\"cram-md5.users_deny\"",
		    "\"account\":\"tim@example.test\"", (char *) 0);
    ck_assert_int_eq(cram("tim@example.test", 1), SASL_NOAUTHZ);
    ck_assert_int_eq(cram("doorphone", 1), SASL_OK);
    ck_assert_int_eq(digest("chris", "other.test ", 1), SASL_NOAUTHZ);
    last_record_has("\"outcome\":\"policy-denied\"", "\"rule\":\"digest-md5.users_deny\"",
		    "\"account\":\"chris@other.test\"", (char *) 0);
    ck_assert_int_eq(digest("chris", "example.test", 1), SASL_OK);
}
END_TEST

START_TEST(refusal_kinds)
{
    start("");
    /* Another service in digest-uri: a protocol error. */
    ck_assert_int_eq(digest_opts(0, "chris", "example.test", 1,
				 "digest-uri=\"imap/relay.example.test\","), SASL_BADPROT);
    last_record_has("\"outcome\":\"malformed\"", "serv-type is not smtp", (char *) 0);
    /* A nonce that is not ours: a replay, whatever the reason says. */
    ck_assert_int_eq(session("DIGEST-MD5", 0, "", "username=\"chris\",realm=\"example."
			     "test\",nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"x\","
			     "qop=auth,digest-uri=\"smtp/relay.example.test\",response="
			     "0123456789abcdef0123456789abcdef", ""), SASL_BADAUTH);
    last_record_has("\"outcome\":\"replay\"", (char *) 0);
    /* Neither reached identification: no account. */
    last_record_has("\"account\":null", (char *) 0);
    /* A wrong password is what bad-credentials means. */
    ck_assert_int_eq(digest("chris", "example.test", 0), SASL_BADAUTH);
    last_record_has("\"outcome\":\"bad-credentials\"", "\"account\":\"chris@example.test\"",
		    (char *) 0);
}
END_TEST

static int remove_one(const char *name, const struct stat *st, int type,
		              struct FTW *ftw)
{
    (void) st;
    (void) type;
    (void) ftw;
    return (remove(name));
}

int     main(void)
{
    Suite  *s = suite_create("attempt");
    TCase  *tc = tcase_create("server");
    SRunner *sr;
    int     failed;

    snprintf(base, sizeof(base), "%s/md5gate-check-attempt.XXXXXX",
	     getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(base) == 0) {
	perror("mkdtemp");
	return (1);
    }
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, canon_input_rule);
    tcase_add_test(tc, cram_identity);
    tcase_add_test(tc, digest_identity);
    tcase_add_test(tc, lockout_variants);
    tcase_add_test(tc, lockout_unknown_user);
    tcase_add_test(tc, lockout_audit_only);
    tcase_add_test(tc, users_deny_canonical);
    tcase_add_test(tc, refusal_kinds);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    return (failed == 0 ? 0 : 1);
}
