/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the audit record (src/audit.c) and the configuration
 * file (src/mg_config.c).
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "audit.h"
#include "mg_config.h"
#include "fuzz/audit_json_ref.h"

static void sample(struct mg_audit_event *ev)
{
    mg_audit_begin(ev, "server", "DIGEST-MD5");
    mg_audit_set(ev->service, sizeof(ev->service), "smtp", 4);
    mg_audit_set(ev->server_fqdn, sizeof(ev->server_fqdn), "relay.example.test", 18);
    mg_audit_set_endpoint(ev->remote_addr, ev->remote_port, "127.0.0.2;47466");
    mg_audit_set_endpoint(ev->local_addr, ev->local_port, "127.0.0.1;587");
    mg_audit_set(ev->authid, sizeof(ev->authid), "doorphone", 9);
    mg_audit_set(ev->account, sizeof(ev->account), "doorphone@example.test", 22);
    mg_audit_set(ev->realm, sizeof(ev->realm), "example.test", 12);
    ev->has_realm = 1;
    ev->realm_offered = 1;
    mg_audit_set(ev->uri_host, sizeof(ev->uri_host), "10.0.0.1", 8);
    ev->uri_host_matched = 0;
    ev->qop = "auth";
    ev->final_reply = "echo";
    ev->secret = "plaintext";
    mg_audit_reason(ev, "DIGEST-MD5: DIGEST-MD5 response does not verify");
    mg_audit_finish(ev, MG_OUTCOME_BAD_CREDENTIALS);
}

static json_object *parse_json_line(const char *buf, size_t len)
{
    json_tokener *tok = json_tokener_new();
    json_object *obj;

    ck_assert_int_eq(buf[len - 1], '\n');
    ck_assert_ptr_null(memchr(buf, '\n', len - 1));
    obj = json_tokener_parse_ex(tok, buf, (int) len - 1);
    ck_assert_int_eq(json_tokener_get_error(tok), json_tokener_success);
    json_tokener_free(tok);
    ck_assert_ptr_nonnull(obj);
    return (obj);
}

static const char *jget(json_object *obj, const char *key)
{
    json_object *v;

    ck_assert_msg(json_object_object_get_ex(obj, key, &v), "missing field %s", key);
    return (v ? json_object_get_string(v) : 0);
}

START_TEST(json_has_every_field)
{
    struct mg_audit_event ev;
    char    buf[MG_AUDIT_LINE_MAX];
    size_t  len;
    json_object *obj, *v;

    sample(&ev);
    ck_assert_int_eq(mg_audit_format_json(&ev, "1.2.3", buf, sizeof(buf), &len, 0), MG_OK);
    obj = parse_json_line(buf, len);
    ck_assert_str_eq(jget(obj, "side"), "server");
    ck_assert_str_eq(jget(obj, "mech"), "DIGEST-MD5");
    ck_assert_str_eq(jget(obj, "outcome"), "bad-credentials");
    ck_assert_str_eq(jget(obj, "reason"), "DIGEST-MD5: DIGEST-MD5 response does not verify");
    ck_assert_str_eq(jget(obj, "service"), "smtp");
    ck_assert_str_eq(jget(obj, "server_fqdn"), "relay.example.test");
    ck_assert_str_eq(jget(obj, "remote_addr"), "127.0.0.2");
    ck_assert_str_eq(jget(obj, "remote_port"), "47466");
    ck_assert_str_eq(jget(obj, "local_addr"), "127.0.0.1");
    ck_assert_str_eq(jget(obj, "local_port"), "587");
    ck_assert_str_eq(jget(obj, "authid"), "doorphone");
    ck_assert_str_eq(jget(obj, "account"), "doorphone@example.test");
    ck_assert_ptr_null(jget(obj, "authzid"));
    ck_assert_str_eq(jget(obj, "realm"), "example.test");
    ck_assert_str_eq(jget(obj, "realm_offered"), "true");
    ck_assert_str_eq(jget(obj, "uri_host"), "10.0.0.1");
    ck_assert_str_eq(jget(obj, "uri_host_matched"), "false");
    ck_assert_str_eq(jget(obj, "qop"), "auth");
    ck_assert_str_eq(jget(obj, "final_reply"), "echo");
    ck_assert_str_eq(jget(obj, "secret"), "plaintext");
    ck_assert_ptr_null(jget(obj, "rule"));
    ck_assert_ptr_null(jget(obj, "enforced"));
    ck_assert_str_eq(jget(obj, "version"), "1.2.3");
    ck_assert(json_object_object_get_ex(obj, "duration_ms", &v));
    ck_assert(json_object_is_type(v, json_type_int));
    /* UTC with milliseconds. */
    ck_assert_uint_eq(strlen(jget(obj, "time")), 24);
    ck_assert_int_eq(jget(obj, "time")[23], 'Z');
    ck_assert_int_eq(jget(obj, "time")[19], '.');
    json_object_put(obj);
}
END_TEST

START_TEST(kv_line)
{
    struct mg_audit_event ev;
    char    buf[MG_AUDIT_LINE_MAX];

    sample(&ev);
    mg_audit_format_kv(&ev, "1.2.3", buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "md5gate: side=server mech=DIGEST-MD5 "
				 "outcome=bad-credentials authid=doorphone "
				 "account=doorphone@example.test realm=example.test realm_offered=yes "
				 "remote=127.0.0.2:47466 local=127.0.0.1:587 "
				 "service=smtp server=relay.example.test "
				 "uri_host=10.0.0.1 uri_host_matched=no qop=auth "
				 "final_reply=echo secret=plaintext reason=\"DIGEST-MD5: "
				 "DIGEST-MD5 response does not verify\" duration_ms="));
    ck_assert_ptr_nonnull(strstr(buf, " version=1.2.3"));
    ck_assert_ptr_null(strchr(buf, '\n'));
}
END_TEST

/* The time field, from seconds that change between records and back. */
START_TEST(kv_time_follows_each_record)
{
    static const struct {
	time_t  sec;
	long    nsec;
	const char *text;
    }       times[] = {
	{0, 0, " time=1970-01-01T00:00:00.000Z "},
	{86399, 500000000, " time=1970-01-01T23:59:59.500Z "},
	{86399, 999999999, " time=1970-01-01T23:59:59.999Z "},
	{1796601600, 7000000, " time=2026-12-07T00:00:00.007Z "},
	{0, 0, " time=1970-01-01T00:00:00.000Z "},
    };
    struct mg_audit_event ev;
    char    buf[MG_AUDIT_LINE_MAX];
    size_t  i;

    sample(&ev);
    for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
	ev.ended_at.tv_sec = times[i].sec;
	ev.ended_at.tv_nsec = times[i].nsec;
	mg_audit_format_kv(&ev, "1", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, times[i].text) != 0, "%s lacks%s", buf, times[i].text);
    }
}
END_TEST

 /*
  * Hostile user names: the kv line must stay one line with one authid
  * field, and the JSON must parse and round-trip the printable parts.
  */
struct hostile {
    const char *name;
    size_t  len;			/* 0: strlen */
    const char *kv;			/* expected authid=... text */
    const char *json;			/* expected JSON string value */
};

static const struct hostile hostile[] = {
    {"a b", 0, "authid=\"a b\"", "a b"},
    {"x\" outcome=success", 0, "authid=\"x\\\" outcome=success\"", "x\" outcome=success"},
    {"back\\slash", 0, "authid=\"back\\\\slash\"", "back\\slash"},
    {"line\nmd5gate: outcome=success", 0, "authid=\"line\\x0amd5gate: outcome=success\"",
    "line\nmd5gate: outcome=success"},
    {"cr\r\ttab", 0, "authid=\"cr\\x0d\\x09tab\"", "cr\r\ttab"},
    {"nul\0after", 9, "authid=\"nul\\\\x00after\"", "nul\\x00after"},
    {"bad\xff\xfeutf8", 0, "authid=\"bad\\xff\\xfeutf8\"", "bad\\xff\\xfeutf8"},
    {"over\xc0\xafl", 0, "authid=\"over\\xc0\\xafl\"", "over\\xc0\\xafl"},
    {"j\xc3\xbcrgen", 0, "authid=\"j\xc3\xbcrgen\"", "j\xc3\xbcrgen"},
    {"del\x7f", 0, "authid=\"del\\x7f\"", "del\x7f"},
    /* C1 controls: NEL (a line break to some readers) and CSI (a terminal escape). */
    {"c1\xc2\x85" "next", 0, "authid=\"c1\\xc2\\x85next\"", "c1\xc2\x85" "next"},
    {"c1\xc2\x9b" "31m", 0, "authid=\"c1\\xc2\\x9b31m\"", "c1\xc2\x9b" "31m"},
    {"c1\xc2\x80" "first", 0, "authid=\"c1\\xc2\\x80" "first\"", "c1\xc2\x80" "first"},
    /* Line and paragraph separators. */
    {"ls\xe2\x80\xa8" "x", 0, "authid=\"ls\\xe2\\x80\\xa8x\"", "ls\xe2\x80\xa8" "x"},
    {"ps\xe2\x80\xa9" "x", 0, "authid=\"ps\\xe2\\x80\\xa9x\"", "ps\xe2\x80\xa9" "x"},
    /* Bidirectional controls: LRE, RLO, LRI, PDI, RLM, ALM. */
    {"\xe2\x80\xaa" "lre", 0, "authid=\"\\xe2\\x80\\xaalre\"", "\xe2\x80\xaa" "lre"},
    {"x\xe2\x80\xae" "rlo", 0, "authid=\"x\\xe2\\x80\\xaerlo\"", "x\xe2\x80\xae" "rlo"},
    {"\xe2\x81\xa6" "lri", 0, "authid=\"\\xe2\\x81\\xa6lri\"", "\xe2\x81\xa6" "lri"},
    {"pdi\xe2\x81\xa9", 0, "authid=\"pdi\\xe2\\x81\\xa9\"", "pdi\xe2\x81\xa9"},
    {"rlm\xe2\x80\x8f", 0, "authid=\"rlm\\xe2\\x80\\x8f\"", "rlm\xe2\x80\x8f"},
    {"alm\xd8\x9c", 0, "authid=\"alm\\xd8\\x9c\"", "alm\xd8\x9c"},
    /* Their neighbours are ordinary text: NBSP, U+2027, U+202F, U+2065, U+206A. */
    {"nbsp\xc2\xa0", 0, "authid=\"nbsp\xc2\xa0\"", "nbsp\xc2\xa0"},
    {"u\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa", 0,
    "authid=\"u\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\"",
    "u\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa"},
};

START_TEST(hostile_names)
{
    const struct hostile *h = hostile + _i;
    struct mg_audit_event ev;
    char    buf[MG_AUDIT_LINE_MAX];
    size_t  len;
    json_object *obj;
    const char *p;
    char    want[256];
    int     count = 0;

    int     quoted = 0;

    sample(&ev);
    mg_audit_set(ev.authid, sizeof(ev.authid), h->name, h->len ? h->len : strlen(h->name));
    /* The account is the canonical form of such a name: no safer. */
    mg_audit_set(ev.account, sizeof(ev.account), h->name, h->len ? h->len : strlen(h->name));
    mg_audit_format_kv(&ev, "1", buf, sizeof(buf));
    ck_assert_ptr_null(strchr(buf, '\n'));
    ck_assert_ptr_null(strchr(buf, '\r'));
    ck_assert_msg(strstr(buf, h->kv) != 0, "kv line %s lacks %s", buf, h->kv);
    snprintf(want, sizeof(want), "account%s", h->kv + strlen("authid"));
    ck_assert_msg(strstr(buf, want) != 0, "kv line %s lacks %s", buf, want);
    /* Outside quotes, exactly one outcome field: nothing was forged. */
    for (p = buf; *p; p++) {
	if (quoted && *p == '\\' && p[1])
	    p++;
	else if (*p == '"')
	    quoted = !quoted;
	else if (!quoted && strncmp(p, " outcome=", 9) == 0)
	    count++;
    }
    ck_assert_int_eq(quoted, 0);
    ck_assert_int_eq(count, 1);
    ck_assert_int_eq(mg_audit_format_json(&ev, "1", buf, sizeof(buf), &len, 0), MG_OK);
    obj = parse_json_line(buf, len);
    ck_assert_str_eq(jget(obj, "authid"), h->json);
    ck_assert_str_eq(jget(obj, "account"), h->json);
    ck_assert_str_eq(jget(obj, "outcome"), "bad-credentials");
    json_object_put(obj);
}
END_TEST

/*
 * The longest record there can be: every field full, every byte of it
 * one that escapes to the longest text (a control character for JSON,
 * \u00XX; an invalid UTF-8 byte for both). A DIGEST-MD5 client controls
 * authid, authzid, realm and the digest-uri host; a record that did not
 * fit was not written at all, so a hostile client could keep its
 * attempts out of the audit file.
 */
static void fill(char *field, size_t size, int byte)
{
    char    text[1024];

    memset(text, byte, size - 1);
    mg_audit_set(field, size, text, size - 1);
}

/* Every text field of a record but the rule, to its last byte. */
static void fill_text_fields(struct mg_audit_event *ev, int byte)
{
    fill(ev->service, sizeof(ev->service), byte);
    fill(ev->server_fqdn, sizeof(ev->server_fqdn), byte);
    fill(ev->remote_addr, sizeof(ev->remote_addr), byte);
    fill(ev->remote_port, sizeof(ev->remote_port), byte);
    fill(ev->local_addr, sizeof(ev->local_addr), byte);
    fill(ev->local_port, sizeof(ev->local_port), byte);
    fill(ev->authid, sizeof(ev->authid), byte);
    fill(ev->account, sizeof(ev->account), byte);
    fill(ev->authzid, sizeof(ev->authzid), byte);
    fill(ev->realm, sizeof(ev->realm), byte);
    fill(ev->uri_host, sizeof(ev->uri_host), byte);
    fill(ev->reason, sizeof(ev->reason), byte);
}

START_TEST(longest_record_fits)
{
    static const int bytes[] = {0x01, 0xff};
    struct mg_audit_event ev;
    char    buf[MG_AUDIT_LINE_MAX];
    size_t  len;
    json_object *obj;
    int     byte = bytes[_i];

    sample(&ev);
    fill_text_fields(&ev, byte);
    mg_audit_rule(&ev, "rule", 0);
    ck_assert_int_eq(mg_audit_format_json(&ev, "1.2.3", buf, sizeof(buf), &len, 0), MG_OK);
    obj = parse_json_line(buf, len);
    ck_assert_str_eq(jget(obj, "version"), "1.2.3");
    json_object_put(obj);
    len = mg_audit_format_kv(&ev, "1.2.3", buf, sizeof(buf));
    ck_assert_uint_lt(len, sizeof(buf) - 1);
    ck_assert_msg(len > 14 && strcmp(buf + len - 14, " version=1.2.3") == 0,
		  "log line cut short: ...%s", buf + (len > 40 ? len - 40 : 0));
}
END_TEST

START_TEST(rule_and_enforced)
{
    struct mg_audit_event ev;
    char    buf[MG_AUDIT_LINE_MAX];
    size_t  len;
    json_object *obj, *v;

    sample(&ev);
    mg_audit_rule(&ev, "cram-md5.networks_allow", 0);
    mg_audit_finish(&ev, MG_OUTCOME_POLICY_DENIED);
    len = mg_audit_format_kv(&ev, "1.2.3", buf, sizeof(buf));
    ck_assert_uint_gt(len, 0);
    ck_assert_ptr_nonnull(strstr(buf, " outcome=policy-denied "));
    ck_assert_ptr_nonnull(strstr(buf, " rule=cram-md5.networks_allow enforced=false "));
    ck_assert_int_eq(mg_audit_format_json(&ev, "1.2.3", buf, sizeof(buf), &len, 0), MG_OK);
    obj = parse_json_line(buf, len);
    ck_assert_str_eq(jget(obj, "rule"), "cram-md5.networks_allow");
    ck_assert(json_object_object_get_ex(obj, "enforced", &v));
    ck_assert(json_object_is_type(v, json_type_boolean));
    ck_assert(!json_object_get_boolean(v));
    json_object_put(obj);
    mg_audit_rule(&ev, "digest-md5.users_deny", 1);
    mg_audit_format_kv(&ev, "1.2.3", buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, " rule=digest-md5.users_deny enforced=true "));
}
END_TEST

/*
 * The JSON record is written without json-c: it must be, byte for byte,
 * what json-c writes for the same record (tests/fuzz/audit_json_ref.h),
 * and parse strictly. Each case changes the sample in one way.
 */
static void same_as_json_c(const struct mg_audit_event *ev, const char *version)
{
    char    buf[MG_AUDIT_LINE_MAX], ref[MG_AUDIT_LINE_MAX];
    size_t  len, ref_len;
    json_tokener *tok;
    json_object *obj;

    ck_assert_int_eq(mg_audit_format_json(ev, version, buf, sizeof(buf), &len, 0), MG_OK);
    ref_len = ref_audit_json(ev, version, ref, sizeof(ref));
    ck_assert_uint_gt(ref_len, 0);
    ck_assert_uint_eq(len, strlen(buf));
    ck_assert_msg(len == ref_len && memcmp(buf, ref, len) == 0,
		  "record differs from json-c's:\n%s%s", buf, ref);
    tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, buf, (int) len - 1);
    ck_assert_int_eq(json_tokener_get_error(tok), json_tokener_success);
    ck_assert_int_eq(json_object_object_length(obj), 26);
    json_tokener_free(tok);
    json_object_put(obj);
}

START_TEST(json_same_as_json_c)
{
    struct mg_audit_event ev;
    char    text[256];
    int     byte;

    sample(&ev);
    same_as_json_c(&ev, "1.2.3");
    /* Every byte value in a user name, alone and between ASCII letters. */
    for (byte = 1; byte < 256; byte++) {
	snprintf(text, sizeof(text), "a%cb/%c", byte, byte);
	sample(&ev);
	mg_audit_set(ev.authid, sizeof(ev.authid), text, strlen(text));
	mg_audit_set(ev.reason, sizeof(ev.reason), text + 1, 1);
	same_as_json_c(&ev, "1.2.3");
    }
    /* Each hostile name in every peer-supplied field. */
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
	const struct hostile *h = hostile + i;
	size_t  n = h->len ? h->len : strlen(h->name);

	sample(&ev);
	mg_audit_set(ev.authid, sizeof(ev.authid), h->name, n);
	mg_audit_set(ev.account, sizeof(ev.account), h->name, n);
	mg_audit_set(ev.authzid, sizeof(ev.authzid), h->name, n);
	mg_audit_set(ev.realm, sizeof(ev.realm), h->name, n);
	mg_audit_set(ev.uri_host, sizeof(ev.uri_host), h->name, n);
	mg_audit_set(ev.server_fqdn, sizeof(ev.server_fqdn), h->name, n);
	mg_audit_set(ev.service, sizeof(ev.service), h->name, n);
	mg_audit_set(ev.reason, sizeof(ev.reason), h->name, n);
	same_as_json_c(&ev, "1.2.3");
    }
    /* Absent and tri-state fields, a rule, a cipher, the client side. */
    sample(&ev);
    ev.has_realm = 0;
    ev.realm_offered = MG_TRI_NA;
    ev.uri_host_matched = 1;
    ev.qop = ev.final_reply = ev.secret = 0;
    ev.reason[0] = ev.service[0] = ev.authid[0] = ev.account[0] = 0;
    ev.duration_ms = -12;
    same_as_json_c(&ev, "");
    sample(&ev);
    ev.side = "client";
    ev.qop = "auth-conf";
    ev.cipher = "rc4";
    ev.realm_offered = 0;
    mg_audit_rule(&ev, "digest-md5.users_deny", 1);
    mg_audit_set(ev.authzid, sizeof(ev.authzid), "someone", 7);
    ev.duration_ms = 1234567890123L;
    same_as_json_c(&ev, "0.9~rc1");
    mg_audit_rule(&ev, "global.networks_allow", 0);
    mg_audit_set_endpoint(ev.remote_addr, ev.remote_port, 0);
    same_as_json_c(&ev, "1");
    for (int o = MG_OUTCOME_SUCCESS; o <= MG_OUTCOME_SERVER_AUTH_FAILED; o++) {
	sample(&ev);
	mg_audit_finish(&ev, (enum mg_outcome) o);
	same_as_json_c(&ev, "1.2.3");
    }
}
END_TEST

 /*
  * The longest records, with each byte that escapes to something longer
  * than itself, are json-c's bytes too.
  */
START_TEST(json_longest_same_as_json_c)
{
    static const int bytes[] = {0x01, 0x08, 0x1f, '"', '\\', 0x7f, 0x80, 0xc3, 0xff};
    struct mg_audit_event ev;
    int     byte = bytes[_i];

    sample(&ev);
    fill_text_fields(&ev, byte);
    fill(ev.rule, sizeof(ev.rule), byte);
    ev.enforced = 0;
    same_as_json_c(&ev, "1.2.3");
}
END_TEST

 /*
  * A buffer one byte too small for the record and its NUL is refused as
  * too long (the record is never written cut); one that fits exactly
  * holds the whole record.
  */
START_TEST(json_buffer_bounds)
{
    struct mg_audit_event ev;
    char    buf[MG_AUDIT_LINE_MAX], small[MG_AUDIT_LINE_MAX];
    size_t  len, n;
    struct mg_error err;

    sample(&ev);
    ck_assert_int_eq(mg_audit_format_json(&ev, "1.2.3", buf, sizeof(buf), &len, 0), MG_OK);
    ck_assert_int_eq(mg_audit_format_json(&ev, "1.2.3", small, len + 1, &n, &err), MG_OK);
    ck_assert_uint_eq(n, len);
    ck_assert_mem_eq(small, buf, len + 1);
    ck_assert_int_eq(mg_audit_format_json(&ev, "1.2.3", small, len, &n, &err), MG_TOOLONG);
    ck_assert_int_eq(mg_audit_format_json(&ev, "1.2.3", small, 1, &n, &err), MG_TOOLONG);
}
END_TEST

START_TEST(unknown_endpoints)
{
    char    addr[MG_AUDIT_ADDR_MAX], port[MG_AUDIT_PORT_MAX];

    mg_audit_set_endpoint(addr, port, 0);
    ck_assert_str_eq(addr, "unknown");
    ck_assert_str_eq(port, "unknown");
    mg_audit_set_endpoint(addr, port, "127.0.0.1");
    ck_assert_str_eq(addr, "unknown");
    mg_audit_set_endpoint(addr, port, "::1;25");
    ck_assert_str_eq(addr, "::1");
    ck_assert_str_eq(port, "25");
}
END_TEST

START_TEST(outcome_names)
{
    ck_assert_str_eq(mg_outcome_name(MG_OUTCOME_SUCCESS), "success");
    ck_assert_str_eq(mg_outcome_name(MG_OUTCOME_UNKNOWN_USER), "unknown-user");
    ck_assert_str_eq(mg_outcome_name(MG_OUTCOME_MALFORMED), "malformed");
    ck_assert_str_eq(mg_outcome_name(MG_OUTCOME_REPLAY), "replay");
    ck_assert_str_eq(mg_outcome_name(MG_OUTCOME_POLICY_DENIED), "policy-denied");
    ck_assert_str_eq(mg_outcome_name(MG_OUTCOME_LOCKED_OUT), "locked-out");
    ck_assert_str_eq(mg_outcome_name(MG_OUTCOME_ABORTED), "aborted");
    ck_assert_str_eq(mg_outcome_name(MG_OUTCOME_INTERNAL_ERROR), "internal-error");
    ck_assert_str_eq(mg_outcome_name(MG_OUTCOME_SERVER_AUTH_FAILED), "server-auth-failed");
}
END_TEST

START_TEST(file_sink_appends_whole_lines)
{
    char    path[] = "/tmp/md5gate-audit-test.XXXXXX";
    struct mg_audit_file file = {-1};
    struct mg_error err;
    char    buf[64];
    FILE   *fp;
    int     fd = mkstemp(path);

    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(mg_audit_file_open(&file, path, &err), MG_OK);
    ck_assert_int_eq(mg_audit_file_write(&file, "one\n", 4, &err), MG_OK);
    ck_assert_int_eq(mg_audit_file_write(&file, "two\n", 4, &err), MG_OK);
    mg_audit_file_close(&file);
    fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), fp));
    ck_assert_str_eq(buf, "one\n");
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), fp));
    ck_assert_str_eq(buf, "two\n");
    fclose(fp);
    unlink(path);
    /* A full device fails with a reason. */
    ck_assert_int_eq(mg_audit_file_open(&file, "/dev/full", &err), MG_OK);
    ck_assert_int_eq(mg_audit_file_write(&file, "x\n", 2, &err), MG_INTERNAL);
    ck_assert_str_eq(err.reason, "cannot write audit record: No space left on device");
    mg_audit_file_close(&file);
    ck_assert_int_eq(mg_audit_file_open(&file, "/nonexistent/dir/audit", &err), MG_INTERNAL);
    ck_assert_str_eq(err.reason, "cannot open audit file /nonexistent/dir/audit: "
		     "No such file or directory");
}
END_TEST

/*
 * A symbolic link in place of the audit file, dangling or pointing at a
 * file, is refused: the records must not go wherever whoever can write
 * to the directory points them, nor may md5gate change that file's mode.
 */
START_TEST(file_sink_refuses_symlink)
{
    char    dir[] = "/tmp/md5gate-audit-test.XXXXXX";
    char    target[64], link[64], missing[64];
    struct mg_audit_file file = {-1};
    struct mg_error err;
    struct stat st;
    int     fd;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(target, sizeof(target), "%s/target", dir);
    snprintf(link, sizeof(link), "%s/audit.jsonl", dir);
    snprintf(missing, sizeof(missing), "%s/missing", dir);
    fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(symlink(target, link), 0);
    ck_assert_int_eq(mg_audit_file_open(&file, link, &err), MG_INTERNAL);
    ck_assert_int_eq(file.fd, -1);
    ck_assert_ptr_nonnull(strstr(err.reason, "symbolic link"));
    ck_assert_int_eq(stat(target, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    /* Dangling: nothing is created at the target either. */
    ck_assert_int_eq(unlink(link), 0);
    ck_assert_int_eq(symlink(missing, link), 0);
    ck_assert_int_eq(mg_audit_file_open(&file, link, &err), MG_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.reason, "symbolic link"));
    ck_assert_int_eq(lstat(missing, &st), -1);
    /* A regular file there is used. */
    ck_assert_int_eq(unlink(link), 0);
    ck_assert_int_eq(mg_audit_file_open(&file, link, &err), MG_OK);
    mg_audit_file_close(&file);
    unlink(link);
    unlink(target);
    rmdir(dir);
}
END_TEST

/*
 * A write cut short (a full file system; here a file size limit, which
 * cuts a write the same way) must not leave a fragment: it would glue
 * itself to the next record and make both unparsable. The limit is set
 * in a child of its own, whatever Check's fork mode.
 */
START_TEST(short_write_leaves_no_fragment)
{
    char    path[] = "/tmp/md5gate-audit-test.XXXXXX";
    char    record[200], buf[256];
    struct mg_audit_file file = {-1};
    struct mg_error err;
    struct stat st;
    int     fd = mkstemp(path), status;
    pid_t   pid;
    FILE   *fp;

    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(mg_audit_file_open(&file, path, &err), MG_OK);
    ck_assert_int_eq(mg_audit_file_write(&file, "{\"first\":1}\n", 12, &err), MG_OK);
    memset(record, 'x', sizeof(record));
    record[sizeof(record) - 1] = '\n';
    if ((pid = fork()) == 0) {
	struct rlimit lim = {100, RLIM_INFINITY};

	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
	    _exit(2);
	if (mg_audit_file_write(&file, record, sizeof(record), &err) != MG_INTERNAL)
	    _exit(3);
	if (strcmp(err.reason, "audit record cut short after 88 of 200 bytes "
		   "(file system full?); the fragment was removed") != 0)
	    _exit(4);
	/* Nothing fits any more: an ordinary failure. */
	if (mg_audit_file_write(&file, record, sizeof(record), &err) == MG_OK)
	    _exit(5);
	_exit(0);
    }
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child status %d", status);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 12);
    /* Space again: the next record starts a line of its own. */
    ck_assert_int_eq(mg_audit_file_write(&file, "{\"next\":2}\n", 11, &err), MG_OK);
    mg_audit_file_close(&file);
    fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), fp));
    ck_assert_str_eq(buf, "{\"first\":1}\n");
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), fp));
    ck_assert_str_eq(buf, "{\"next\":2}\n");
    ck_assert_ptr_null(fgets(buf, sizeof(buf), fp));
    fclose(fp);
    unlink(path);
}
END_TEST

/* Configuration file. */

static char cfg_path[64];

static void write_cfg(const char *text)
{
    FILE   *fp;
    int     fd;

    strcpy(cfg_path, "/tmp/md5gate-cfg-test.XXXXXX");
    fd = mkstemp(cfg_path);
    ck_assert_int_ge(fd, 0);
    fp = fdopen(fd, "w");
    fputs(text, fp);
    fclose(fp);
}

START_TEST(config_missing_means_defaults)
{
    struct mg_config cfg;
    struct mg_error err;

    mg_config_init(&cfg);
    ck_assert_int_eq(mg_config_load("/nonexistent/md5gate.conf", &cfg, &err), MG_OK);
    ck_assert_int_eq(cfg.found, 0);
    ck_assert_ptr_null(cfg.audit_file);
    ck_assert_int_eq(cfg.audit_failure, MG_AUDIT_CONTINUE);
    ck_assert_int_eq(cfg.audit_success_level, MG_LOG_WARN);
    ck_assert_int_eq(cfg.audit_failure_level, MG_LOG_FAIL);
    mg_config_free(&cfg);
}
END_TEST

START_TEST(config_good)
{
    struct mg_config cfg;
    struct mg_error err;

    write_cfg("# md5gate\n[global]\naudit_file = /var/log/md5gate/audit.jsonl\n"
	      "audit_failure = refuse\n; levels\naudit_success_level = note\n"
	      "audit_failure_level = err\n");
    mg_config_init(&cfg);
    ck_assert_int_eq(mg_config_load(cfg_path, &cfg, &err), MG_OK);
    ck_assert_int_eq(cfg.found, 1);
    ck_assert_str_eq(cfg.audit_file, "/var/log/md5gate/audit.jsonl");
    ck_assert_int_eq(cfg.audit_failure, MG_AUDIT_REFUSE);
    ck_assert_int_eq(cfg.audit_success_level, MG_LOG_NOTE);
    ck_assert_int_eq(cfg.audit_failure_level, MG_LOG_ERR);
    mg_config_free(&cfg);
    unlink(cfg_path);
}
END_TEST

struct bad_cfg {
    const char *text;
    const char *reason;			/* after "path:" */
};

static const struct bad_cfg bad_cfgs[] = {
    {"[global]\naudit_failure = maybe\n",
    "2: audit_failure must be continue or refuse, not \"maybe\""},
    {"[global]\n\n\naudit_file = relative/path\n",
    "4: audit_file must be an absolute path, not \"relative/path\""},
    {"[global]\nno equals sign here\n",
    "2: syntax error (expected [section], name = value, or a comment)"},
    {"[policy]\nx = 1\n", "1: unknown section [policy]"},
    {"audit_file = /tmp/x\n", "1: setting \"audit_file\" outside a section"},
    {"[global]\naudit_success_level = loud\n",
    "2: audit_success_level must be err, fail, warn, note, debug or none, not \"loud\""},
    {"[global]\naudit_fiel = /tmp/x\n", "2: unknown setting \"audit_fiel\" in [global]"},
    {"[global]\naudit_failure = maybe\nbroken line\n",
    "2: audit_failure must be continue or refuse, not \"maybe\""},
    {"[global]\nbroken line\naudit_failure = maybe\n",
    "2: syntax error (expected [section], name = value, or a comment)"},
};

START_TEST(config_errors_name_file_and_line)
{
    const struct bad_cfg *bc = bad_cfgs + _i;
    struct mg_config cfg;
    struct mg_error err;
    char    expect[256];

    write_cfg(bc->text);
    mg_config_init(&cfg);
    ck_assert_int_eq(mg_config_load(cfg_path, &cfg, &err), MG_MALFORMED);
    snprintf(expect, sizeof(expect), "%s:%s", cfg_path, bc->reason);
    ck_assert_str_eq(err.reason, expect);
    ck_assert_ptr_null(cfg.audit_file);
    mg_config_free(&cfg);
    unlink(cfg_path);
}
END_TEST

START_TEST(config_from_memory_stream)
{
    static const char good[] = "[global]\naudit_failure = refuse\n";
    static const char bad[] = "[global]\n\naudit_success_level = loud\n";
    struct mg_config cfg;
    struct mg_error err;
    FILE   *fp;

    mg_config_init(&cfg);
    fp = fmemopen((void *) good, sizeof(good) - 1, "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(mg_config_load_stream(fp, "mem", &cfg, &err), MG_OK);
    fclose(fp);
    ck_assert_int_eq(cfg.found, 1);
    ck_assert_str_eq(cfg.path, "mem");
    ck_assert_int_eq(cfg.audit_failure, MG_AUDIT_REFUSE);
    fp = fmemopen((void *) bad, sizeof(bad) - 1, "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(mg_config_load_stream(fp, "mem", &cfg, &err), MG_MALFORMED);
    fclose(fp);
    ck_assert_str_eq(err.reason, "mem:3: audit_success_level must be err, fail, "
		     "warn, note, debug or none, not \"loud\"");
    ck_assert_int_eq(cfg.audit_failure, MG_AUDIT_CONTINUE);
    mg_config_free(&cfg);
}
END_TEST

int     main(void)
{
    Suite  *s = suite_create("audit");
    TCase  *tc = tcase_create("core");
    SRunner *sr;
    int     failed;

    tcase_add_test(tc, json_has_every_field);
    tcase_add_test(tc, kv_line);
    tcase_add_test(tc, kv_time_follows_each_record);
    tcase_add_loop_test(tc, hostile_names, 0, (int) (sizeof(hostile) / sizeof(hostile[0])));
    tcase_add_loop_test(tc, longest_record_fits, 0, 2);
    tcase_add_test(tc, rule_and_enforced);
    tcase_add_test(tc, json_same_as_json_c);
    tcase_add_loop_test(tc, json_longest_same_as_json_c, 0, 9);
    tcase_add_test(tc, json_buffer_bounds);
    tcase_add_test(tc, unknown_endpoints);
    tcase_add_test(tc, outcome_names);
    tcase_add_test(tc, file_sink_appends_whole_lines);
    tcase_add_test(tc, file_sink_refuses_symlink);
    tcase_add_test(tc, short_write_leaves_no_fragment);
    tcase_add_test(tc, config_missing_means_defaults);
    tcase_add_test(tc, config_good);
    tcase_add_loop_test(tc, config_errors_name_file_and_line, 0,
			(int) (sizeof(bad_cfgs) / sizeof(bad_cfgs[0])));
    tcase_add_test(tc, config_from_memory_stream);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
