/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The audit record formatters (src/audit.c) fed arbitrary user names,
 * realms, hosts, addresses and reasons.
 *
 * Input: two option bytes (outcome and side; tri-state fields, the size
 * of a short output buffer), then the field values separated by ASCII
 * RS: authid (also the account), authzid, realm, uri_host, service,
 * server name, remote and local "addr;port", reason.
 *
 * Invariants: the log line has no control character (C0, DEL, C1), no
 * line or paragraph separator and no bidirectional control, parses as
 * "md5gate:" and key=value pairs with each known key at most once (no
 * field can be forged), and every peer-supplied value unescapes to
 * exactly what was recorded; a short buffer gets a NUL-terminated
 * prefix of the line. The JSON record of any event whose fields fit
 * their limits is written (never "too long"), is one line, parses, and
 * is byte for byte what json-c writes for it (audit_json_ref.h).
 */
#include <string.h>

#include <json-c/json.h>

#include "fuzz.h"
#include "audit.h"
#include "audit_json_ref.h"

#define SEP	0x1e
#define NFIELDS	9

static const char *const known_keys[] = {
    "side", "mech", "outcome", "authid", "account", "authzid", "realm", "realm_offered",
    "remote", "local", "service", "server", "uri_host", "uri_host_matched",
    "qop", "cipher", "final_reply", "secret", "rule", "enforced", "reason", "duration_ms", "time",
    "version", 0,
};

static int plain(int ch)
{
    return ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
	    || (ch >= '0' && ch <= '9') || (ch && strchr("._@:/+-", ch)));
}

static int hexval(int ch)
{
    return (ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1);
}

 /*
  * Parse the log line; compare the values of the keys in check[] with
  * the recorded strings.
  */
static void parse_kv(const char *line, const char *const check_keys[],
		             const char *const check_vals[])
{
    static char value[4 * MG_AUDIT_LINE_MAX];
    unsigned seen = 0;
    const char *cp = line, *key;
    size_t  klen, n;
    int     i, hi, lo;

    FUZZ_ASSERT(strncmp(cp, "md5gate:", 8) == 0, "prefix");
    for (cp += 8; *cp; /* void */ ) {
	FUZZ_ASSERT(*cp == ' ', "no space before a key at offset %zu", (size_t) (cp - line));
	key = ++cp;
	while ((*cp >= 'a' && *cp <= 'z') || *cp == '_')
	    cp++;
	klen = (size_t) (cp - key);
	FUZZ_ASSERT(*cp == '=', "no '=' after key at offset %zu", (size_t) (key - line));
	cp++;
	for (i = 0; known_keys[i]; i++)
	    if (strlen(known_keys[i]) == klen && strncmp(known_keys[i], key, klen) == 0)
		break;
	FUZZ_ASSERT(known_keys[i], "unknown key %.*s", (int) klen, key);
	FUZZ_ASSERT((seen & (1U << i)) == 0, "key %s twice", known_keys[i]);
	seen |= 1U << i;
	n = 0;
	if (*cp == '"') {
	    for (cp++; *cp != '"'; cp++) {
		FUZZ_ASSERT(*cp != 0, "unterminated value of %s", known_keys[i]);
		FUZZ_ASSERT((unsigned char) *cp >= 0x20 && *cp != 0x7f, "control byte");
		if (*cp == '\\') {
		    cp++;
		    if (*cp == '"' || *cp == '\\') {
			value[n++] = *cp;
		    } else {
			FUZZ_ASSERT(*cp == 'x' && (hi = hexval(cp[1])) >= 0
				    && (lo = hexval(cp[2])) >= 0, "bad escape");
			value[n++] = (char) (hi << 4 | lo);
			cp += 2;
		    }
		} else
		    value[n++] = *cp;
	    }
	    cp++;
	} else {
	    FUZZ_ASSERT(plain((unsigned char) *cp), "empty or unquoted value of %s",
			known_keys[i]);
	    while (plain((unsigned char) *cp))
		value[n++] = *cp++;
	}
	value[n] = 0;
	for (n = 0; check_keys[n]; n++)
	    if (strcmp(check_keys[n], known_keys[i]) == 0)
		FUZZ_ASSERT(strcmp(value, check_vals[n]) == 0, "%s does not read back",
			    known_keys[i]);
    }
    FUZZ_ASSERT(seen & (1U << 2), "no outcome");
}

/*
 * The UTF-8 encodings of what must never reach a log line raw: C1
 * controls (C2 80-C2 9F), U+061C (D8 9C), U+200E-U+200F (E2 80 8E-8F),
 * U+2028-U+202E (E2 80 A8-AE) and U+2066-U+2069 (E2 81 A6-A9).
 */
static void no_raw_separators_or_bidi(const char *line)
{
    const unsigned char *p = (const unsigned char *) line;

    for (; *p; p++) {
	FUZZ_ASSERT(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f), "raw C1 control");
	FUZZ_ASSERT(!(p[0] == 0xd8 && p[1] == 0x9c), "raw U+061C");
	if (p[0] == 0xe2 && p[1] == 0x80)
	    FUZZ_ASSERT(!(p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xa8 && p[2] <= 0xae)),
			"raw separator or bidi control");
	if (p[0] == 0xe2 && p[1] == 0x81)
	    FUZZ_ASSERT(!(p[2] >= 0xa6 && p[2] <= 0xa9), "raw bidi isolate");
    }
}

/*
 * Well-formed UTF-8 after Unicode Table 3-7, by the reference decoder
 * (audit_json_ref.h), written independently of audit.c's.
 */
static int valid_utf8(const char *str)
{
    const unsigned char *s = (const unsigned char *) str;
    size_t  n;

    for (; *s; s += n)
	if ((n = ref_utf8_len(s)) == 0)
	    return (0);
    return (1);
}

static void check_json(const struct mg_audit_event *ev)
{
    static char buf[MG_AUDIT_LINE_MAX], ref[MG_AUDIT_LINE_MAX];
    json_tokener *tok;
    json_object *obj, *v;
    struct mg_error err;
    size_t  len;
    enum mg_code code;

    code = mg_audit_format_json(ev, "0.0-fuzz", buf, sizeof(buf), &len, &err);
    FUZZ_ASSERT(code == MG_OK, "JSON record not written: %s", err.reason);
    FUZZ_ASSERT(ref_audit_json(ev, "0.0-fuzz", ref, sizeof(ref)) == len
		&& memcmp(ref, buf, len) == 0, "JSON record is not json-c's");
    FUZZ_ASSERT(len > 0 && buf[len - 1] == '\n' && memchr(buf, '\n', len - 1) == 0,
		"not one line");
    tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, buf, (int) len - 1);
    FUZZ_ASSERT(obj != 0 && json_tokener_get_error(tok) == json_tokener_success,
		"JSON does not parse");
    json_tokener_free(tok);
    FUZZ_ASSERT(json_object_object_length(obj) == 26, "%d fields",
		json_object_object_length(obj));
    if (ev->authid[0] && valid_utf8(ev->authid)) {
	FUZZ_ASSERT(json_object_object_get_ex(obj, "authid", &v) && v, "authid");
	FUZZ_ASSERT(strcmp(json_object_get_string(v), ev->authid) == 0,
		    "authid does not read back");
    }
    json_object_put(obj);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char line[MG_AUDIT_LINE_MAX];
    char   *text, *field[NFIELDS], *cp, *sep;
    size_t  flen[NFIELDS];
    struct mg_audit_event ev;
    unsigned opt0, opt1;
    size_t  n, small;
    char    shortbuf[512];
    int     i;

    if (size < 2)
	return (0);
    opt0 = data[0];
    opt1 = data[1];
    text = malloc(size - 1);
    memcpy(text, data + 2, size - 2);
    text[size - 2] = 0;
    for (cp = text, i = 0; i < NFIELDS; i++) {
	field[i] = cp;
	if (i < NFIELDS - 1 && (sep = memchr(cp, SEP, (size_t) (text + size - 2 - cp))) != 0) {
	    flen[i] = (size_t) (sep - cp);
	    *sep = 0;
	    cp = sep + 1;
	} else {
	    flen[i] = (size_t) (text + size - 2 - cp);
	    cp = text + size - 2;
	}
    }

    mg_audit_begin(&ev, opt0 & 0x80 ? "client" : "server",
		   opt0 & 0x40 ? "CRAM-MD5" : "DIGEST-MD5");
    mg_audit_set(ev.authid, sizeof(ev.authid), field[0], flen[0]);
    mg_audit_set(ev.account, sizeof(ev.account), field[0], flen[0]);
    mg_audit_set(ev.authzid, sizeof(ev.authzid), field[1], flen[1]);
    mg_audit_set(ev.realm, sizeof(ev.realm), field[2], flen[2]);
    ev.has_realm = (opt1 & 1) != 0;
    mg_audit_set(ev.uri_host, sizeof(ev.uri_host), field[3], flen[3]);
    mg_audit_set(ev.service, sizeof(ev.service), field[4], flen[4]);
    mg_audit_set(ev.server_fqdn, sizeof(ev.server_fqdn), field[5], flen[5]);
    mg_audit_set_endpoint(ev.remote_addr, ev.remote_port, field[6]);
    mg_audit_set_endpoint(ev.local_addr, ev.local_port, field[7]);
    mg_audit_reason(&ev, field[8]);
    ev.realm_offered = (int) ((opt1 >> 1) & 3) - 1;
    ev.uri_host_matched = (int) ((opt1 >> 3) & 3) - 1;
    ev.qop = (opt1 & 0x20) ? "auth" : 0;
    ev.final_reply = (opt1 & 0x40) ? "echo" : 0;
    ev.secret = (opt1 & 0x80) ? "plaintext" : 0;
    mg_audit_finish(&ev, (enum mg_outcome) (opt0 % 10));

    n = mg_audit_format_kv(&ev, "0.0-fuzz", line, sizeof(line));
    FUZZ_ASSERT(n == strlen(line) && n < sizeof(line), "length %zu", n);
    no_raw_separators_or_bidi(line);
    {
	const char *keys[] = {"authid", "account", "authzid", "realm", "uri_host", "reason", 0};
	const char *vals[] = {ev.authid, ev.account, ev.authzid, ev.realm, ev.uri_host,
	ev.reason, 0};

	parse_kv(line, keys, vals);
    }
    small = 1 + (opt0 * 7 + opt1) % (sizeof(shortbuf) - 1);
    n = mg_audit_format_kv(&ev, "0.0-fuzz", shortbuf, small);
    FUZZ_ASSERT(n < small && n == strlen(shortbuf) && strncmp(shortbuf, line, n) == 0,
		"short buffer of %zu: %zu bytes", small, n);
    check_json(&ev);
    free(text);
    return (0);
}
