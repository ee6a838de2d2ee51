/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	audit 3
/* SUMMARY
/*	one record per authentication attempt
/* SYNOPSIS
/*	#include "audit.h"
/*
/*	void	mg_audit_begin(ev, side, mech)
/*
/*	void	mg_audit_finish(ev, outcome)
/*
/*	size_t	mg_audit_format_kv(ev, version, buf, size)
/*
/*	enum mg_code mg_audit_format_json(ev, version, buf, size, len, err)
/*
/*	enum mg_code mg_audit_file_open(file, path, err)
/*
/*	enum mg_code mg_audit_file_write(file, line, len, err)
/* DESCRIPTION
/*	An attempt is begun when a mechanism instance is created and
/*	finished exactly once, with its outcome, when it ends - including
/*	an exchange abandoned half way, which is finished as "aborted".
/*
/*	mg_audit_rule() names the policy rule that refused the attempt and
/*	whether the refusal was enforced (0: audit-only mode, the attempt
/*	went on). A record without a rule has no enforced field.
/*
/*	mg_audit_format_kv() writes the record as one line of key=value
/*	pairs for the application's log. Every value that is not a plain
/*	token is quoted; quotes and backslashes are escaped with a
/*	backslash, and C0 and C1 control characters, DEL, the line and
/*	paragraph separators U+2028 and U+2029, the bidirectional controls
/*	(U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and bytes
/*	that are not valid UTF-8 as \xNN per byte, so no user name can
/*	split the line, forge a field or make a log viewer display it as
/*	other text.
/*
/*	mg_audit_format_json() writes the record as one JSON object and a
/*	newline, byte for byte as json-c's plain serialisation (without
/*	slash escapes) would. Strings are made valid UTF-8 first (invalid
/*	bytes become the text \exNN) so every line parses.
/*
/*	mg_audit_file_open() opens the JSON Lines file for appending, mode
/*	0640, close-on-exec. A symbolic link in place of the file is
/*	refused (O_NOFOLLOW): whoever can write to the file's directory
/*	must not be able to point the records, or the created file's mode
/*	change, at another file. It is called at plugin initialisation, before
/*	a chrooted server loses sight of the path. mg_audit_file_write()
/*	issues exactly one write(2) per record: with O_APPEND, records of
/*	concurrent processes never interleave. A record a full file system
/*	cuts short is removed again, so the file holds only whole lines.
/*--*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"

void    mg_audit_begin(struct mg_audit_event *ev, const char *side, const char *mech)
{
    /*
     * Field by field: the text fields are most of the record and only
     * their first byte must be empty. A new field is set here too.
     */
    ev->side = side;
    ev->mech = mech;
    ev->service[0] = ev->server_fqdn[0] = 0;
    ev->remote_addr[0] = ev->remote_port[0] = 0;
    ev->local_addr[0] = ev->local_port[0] = 0;
    ev->authid[0] = ev->account[0] = ev->authzid[0] = ev->realm[0] = 0;
    ev->has_realm = 0;
    ev->realm_offered = MG_TRI_NA;
    ev->uri_host[0] = 0;
    ev->uri_host_matched = MG_TRI_NA;
    ev->qop = ev->cipher = ev->final_reply = ev->secret = 0;
    ev->rule[0] = 0;
    ev->enforced = MG_TRI_NA;
    ev->outcome = MG_OUTCOME_SUCCESS;
    ev->reason[0] = 0;
    ev->ended_at.tv_sec = 0;
    ev->ended_at.tv_nsec = 0;
    ev->duration_ms = 0;
    ev->ended = 0;
    clock_gettime(CLOCK_MONOTONIC, &ev->started);
    ev->begun = 1;
}

 /*
  * Copy a peer-supplied string. A NUL byte cannot live in a C string, so
  * it becomes the text \x00 (which the formatters then escape again).
  */
void    mg_audit_set(char *dst, size_t size, const char *src, size_t len)
{
    size_t  i, n = 0;

    /* Most values: no NUL byte, and room for all of it. */
    if (src != 0 && len < size && memchr(src, 0, len) == 0) {
	memcpy(dst, src, len);
	dst[len] = 0;
	return;
    }
    for (i = 0; src != 0 && i < len; i++) {
	if (src[i] != 0) {
	    if (n + 1 >= size)
		break;
	    dst[n++] = src[i];
	} else {
	    if (n + 4 >= size)
		break;
	    memcpy(dst + n, "\\x00", 4);
	    n += 4;
	}
    }
    dst[n] = 0;
}

 /*
  * "addr;port" as libsasl2 passes it (ipremoteport, iplocalport). Absent
  * or unparsable: "unknown", never a guess.
  */
void    mg_audit_set_endpoint(char *addr, char *port, const char *addrport)
{
    const char *semi;
    size_t  alen, plen;

    if (addrport == 0 || *addrport == 0 || (semi = strrchr(addrport, ';')) == 0
	|| semi == addrport || (alen = (size_t) (semi - addrport)) >= MG_AUDIT_ADDR_MAX
	|| (plen = strlen(semi + 1)) >= MG_AUDIT_PORT_MAX) {
	strcpy(addr, "unknown");
	strcpy(port, "unknown");
	return;
    }
    /* Both parts of a C string: no NUL byte to turn into text, and they fit. */
    memcpy(addr, addrport, alen);
    addr[alen] = 0;
    memcpy(port, semi + 1, plen + 1);
}

void    mg_audit_reason(struct mg_audit_event *ev, const char *reason)
{
    mg_audit_set(ev->reason, sizeof(ev->reason), reason, strlen(reason));
}

void    mg_audit_rule(struct mg_audit_event *ev, const char *rule, int enforced)
{
    mg_audit_set(ev->rule, sizeof(ev->rule), rule, strlen(rule));
    ev->enforced = enforced;
}

void    mg_audit_finish(struct mg_audit_event *ev, enum mg_outcome outcome)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    clock_gettime(CLOCK_REALTIME, &ev->ended_at);
    ev->duration_ms = (now.tv_sec - ev->started.tv_sec) * 1000
	+ (now.tv_nsec - ev->started.tv_nsec) / 1000000;
    ev->outcome = outcome;
    ev->ended = 1;
}

const char *mg_outcome_name(enum mg_outcome outcome)
{
    switch (outcome) {
    case MG_OUTCOME_SUCCESS:
	return ("success");
    case MG_OUTCOME_BAD_CREDENTIALS:
	return ("bad-credentials");
    case MG_OUTCOME_UNKNOWN_USER:
	return ("unknown-user");
    case MG_OUTCOME_MALFORMED:
	return ("malformed");
    case MG_OUTCOME_REPLAY:
	return ("replay");
    case MG_OUTCOME_POLICY_DENIED:
	return ("policy-denied");
    case MG_OUTCOME_LOCKED_OUT:
	return ("locked-out");
    case MG_OUTCOME_ABORTED:
	return ("aborted");
    case MG_OUTCOME_INTERNAL_ERROR:
	return ("internal-error");
    case MG_OUTCOME_SERVER_AUTH_FAILED:
	return ("server-auth-failed");
    }
    return ("internal-error");
}

static void digits(char *p, long value, int count)
{
    while (count-- > 0) {
	p[count] = (char) ('0' + value % 10);
	value /= 10;
    }
}

 /*
  * Digits by hand: snprintf() took 3 300 instructions per timestamp, and
  * each record with a file sink has two. Years outside 0..9999 (a clock
  * gone wrong) take the slow path, which prints them in full.
  */
static void format_time(const struct timespec *ts, char *buf, size_t size)
{
    static __thread time_t memo_sec = -1;
    static __thread struct tm memo_tm;
    static __thread char memo_text[sizeof("YYYY-MM-DDThh:mm:ss.mmmZ")];
    int     year;

    /*
     * Records come in bursts within one second: gmtime_r() and the
     * digits up to the seconds once per second, the milliseconds each time.
     */
    if (ts->tv_sec != memo_sec) {
	gmtime_r(&ts->tv_sec, &memo_tm);
	memo_sec = ts->tv_sec;
	year = memo_tm.tm_year + 1900;
	memcpy(memo_text, "YYYY-MM-DDThh:mm:ss.mmmZ", sizeof(memo_text));
	if (year >= 0 && year <= 9999) {
	    digits(memo_text, year, 4);
	    digits(memo_text + 5, memo_tm.tm_mon + 1, 2);
	    digits(memo_text + 8, memo_tm.tm_mday, 2);
	    digits(memo_text + 11, memo_tm.tm_hour, 2);
	    digits(memo_text + 14, memo_tm.tm_min, 2);
	    digits(memo_text + 17, memo_tm.tm_sec, 2);
	}
    }
    year = memo_tm.tm_year + 1900;
    if (year < 0 || year > 9999 || size < sizeof(memo_text)) {
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", year,
		 memo_tm.tm_mon + 1, memo_tm.tm_mday, memo_tm.tm_hour, memo_tm.tm_min,
		 memo_tm.tm_sec, ts->tv_nsec / 1000000);
	return;
    }
    memcpy(buf, memo_text, sizeof(memo_text));
    digits(buf + 20, ts->tv_nsec / 1000000, 3);
}

static const char hex_digits[] = "0123456789abcdef";

 /*
  * Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none;
  * its code point in *cpp. Overlong forms, surrogates and code points
  * past U+10FFFF are invalid.
  */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned long *cpp)
{
    size_t  len, i;
    unsigned long cp;

    if (s[0] < 0x80) {
	*cpp = s[0];
	return (1);
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
	len = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
	len = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
	len = 4, cp = s[0] & 0x07;
    else
	return (0);
    if (len > n)
	return (0);
    for (i = 1; i < len; i++) {
	if ((s[i] & 0xc0) != 0x80)
	    return (0);
	cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
	|| (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
	return (0);
    *cpp = cp;
    return (len);
}

 /*
  * Code points a log reader must not see raw: C0 and C1 controls and DEL
  * (a line break, a terminal escape), U+2028 and U+2029 (line and
  * paragraph separators, which some viewers break lines at), and the
  * bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E,
  * U+2066-U+2069), which can make a user name display as another
  * record's text read in the other direction.
  */
static int log_unsafe(unsigned long cp)
{
    return (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)
	    || cp == 0x61c || cp == 0x200e || cp == 0x200f
	    || (cp >= 0x2028 && cp <= 0x202e)
	    || (cp >= 0x2066 && cp <= 0x2069));
}

 /*
  * Output buffer with truncation: records are bounded, never split.
  */
struct out {
    char   *buf;
    size_t  size;
    size_t  len;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->len + n >= o->size)
	n = o->len + 1 < o->size ? o->size - o->len - 1 : 0;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = 0;
}

 /*
  * The text \xNN for each of n bytes.
  */
static void put_hex_escaped(struct out *o, const unsigned char *p, size_t n)
{
    char    esc[4] = {'\\', 'x', 0, 0};

    for (; n > 0; p++, n--) {
	esc[2] = hex_digits[*p >> 4];
	esc[3] = hex_digits[*p & 15];
	put(o, esc, 4);
    }
}

 /*
  * Characters of a value that needs no quotes: [A-Za-z0-9._@:/+-]. A
  * table, as every byte of every field is looked up.
  */
#define PLAIN_RANGE(lo, hi) [lo ... hi] = 1
static const unsigned char plain_char[256] = {
    PLAIN_RANGE('a', 'z'), PLAIN_RANGE('A', 'Z'), PLAIN_RANGE('0', '9'),
    ['.'] = 1, ['_'] = 1, ['@'] = 1, [':'] = 1, ['/'] = 1, ['+'] = 1, ['-'] = 1,
};

 /*
  * Length of s when all of it is a plain token, else 0.
  */
static size_t plain_token_len(const char *s)
{
    const unsigned char *p = (const unsigned char *) s;

    /*
     * Four bytes a round. A byte is read only when the one before it is a
     * token character, so never past the terminating NUL.
     */
    while (plain_char[p[0]]) {
	if (!plain_char[p[1]]) {
	    p += 1;
	    break;
	}
	if (!plain_char[p[2]]) {
	    p += 2;
	    break;
	}
	if (!plain_char[p[3]]) {
	    p += 3;
	    break;
	}
	p += 4;
    }
    return (*p == 0 ? (size_t) (p - (const unsigned char *) s) : 0);
}

 /*
  * A quoted value: quotes and backslashes escaped with a backslash; every
  * byte of an invalid UTF-8 sequence and of a character log_unsafe()
  * names as \xNN. Runs of ordinary bytes are copied at once.
  */
static void put_quoted(struct out *o, const char *s)
{
    const unsigned char *p = (const unsigned char *) s;
    const unsigned char *run = p;
    size_t  n = strlen(s), seq;
    unsigned long cp;
    char    esc[2] = {'\\', 0};

    put(o, "\"", 1);
    while (n > 0) {
	if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') {
	    p++, n--;
	    continue;
	}
	put(o, (const char *) run, (size_t) (p - run));
	if (*p == '"' || *p == '\\') {
	    esc[1] = (char) *p;
	    put(o, esc, 2);
	    seq = 1;
	} else if ((seq = utf8_seq(p, n, &cp)) == 0) {
	    put_hex_escaped(o, p, 1);
	    seq = 1;
	} else if (log_unsafe(cp))
	    put_hex_escaped(o, p, seq);
	else
	    put(o, (const char *) p, seq);
	p += seq;
	n -= seq;
	run = p;
    }
    put(o, (const char *) run, (size_t) (p - run));
    put(o, "\"", 1);
}

 /*
  * One " key=value" pair; nothing when the value is null. The key is a
  * string literal (its length is known at compile time).
  */
#define KV(o, key, value)	kv((o), " " key "=", sizeof(" " key "=") - 1, (value))

 /*
  * A value this file makes itself (an outcome name, yes/no, true/false,
  * digits, the time): a plain token, so it is not scanned again.
  */
#define KV_OWN(o, key, value)	kv_own((o), " " key "=", sizeof(" " key "=") - 1, (value))

/*
 * Inlined into each KV() so that the key's copy is a constant-size move.
 */
static inline __attribute__((always_inline))
void    kv(struct out *o, const char *key, size_t keylen, const char *value)
{
    size_t  n;

    if (value == 0)
	return;
    n = plain_token_len(value);
    /* Most fields: a plain token with room to spare. */
    if (n > 0 && o->len + keylen + n < o->size) {
	memcpy(o->buf + o->len, key, keylen);
	memcpy(o->buf + o->len + keylen, value, n);
	o->len += keylen + n;
	o->buf[o->len] = 0;
	return;
    }
    put(o, key, keylen);
    if (n > 0)
	put(o, value, n);
    else
	put_quoted(o, value);
}

static void kv_own(struct out *o, const char *key, size_t keylen, const char *value)
{
    size_t  n;

    if (value == 0)
	return;
    n = strlen(value);
    if (o->len + keylen + n < o->size) {
	memcpy(o->buf + o->len, key, keylen);
	memcpy(o->buf + o->len + keylen, value, n + 1);
	o->len += keylen + n;
	return;
    }
    put(o, key, keylen);
    put(o, value, n);
}

static const char *tri(int v)
{
    return (v == MG_TRI_NA ? 0 : v ? "yes" : "no");
}

static const char *nonempty(const char *s)
{
    return (s && *s ? s : 0);
}

 /*
  * "addr:port" into buf (room for both and the colon), without printf.
  */
static const char *join_endpoint(char *buf, const char *addr, const char *port)
{
    size_t  alen = strnlen(addr, MG_AUDIT_ADDR_MAX - 1);
    size_t  plen = strnlen(port, MG_AUDIT_PORT_MAX - 1);

    memcpy(buf, addr, alen);
    buf[alen] = ':';
    memcpy(buf + alen + 1, port, plen);
    buf[alen + 1 + plen] = 0;
    return (buf);
}

 /*
  * " key=addr:port" when both parts are plain tokens and fit, without
  * joining them first; 0 (nothing written) otherwise, and the caller
  * writes the joined text as any other value.
  */
static int kv_endpoint(struct out *o, const char *key, size_t keylen,
		               const char *addr, const char *port)
{
    size_t  alen = plain_token_len(addr);
    size_t  plen = plain_token_len(port);
    char   *p;

    if (alen == 0 || plen == 0 || alen >= MG_AUDIT_ADDR_MAX || plen >= MG_AUDIT_PORT_MAX
	|| o->len + keylen + alen + 1 + plen >= o->size)
	return (0);
    p = o->buf + o->len;
    memcpy(p, key, keylen);
    memcpy(p + keylen, addr, alen);
    p[keylen + alen] = ':';
    memcpy(p + keylen + alen + 1, port, plen + 1);
    o->len += keylen + alen + 1 + plen;
    return (1);
}

 /*
  * A long in decimal, without printf.
  */
static const char *decimal(char *buf, size_t size, long value)
{
    unsigned long mag = value < 0 ? 0UL - (unsigned long) value : (unsigned long) value;
    char   *p = buf + size - 1;

    *p = 0;
    do {
	*--p = (char) ('0' + mag % 10);
	mag /= 10;
    } while (mag > 0 && p > buf + 1);
    if (value < 0)
	*--p = '-';
    return (p);
}

 /*
  * The application's log receives this line for every attempt, so it is
  * written without the printf machinery (which cost more than the rest of
  * a CRAM-MD5 exchange). Adding a field is one KV() line here, one in
  * mg_audit_format_json() and one in MG_AUDIT_TEXT_MAX when it is text.
  */
size_t  mg_audit_format_kv(const struct mg_audit_event *ev, const char *version,
			           char *buf, size_t size)
{
    struct out o = {buf, size, 0};
    char    when[64], ms[24];
    char    remote[MG_AUDIT_ADDR_MAX + MG_AUDIT_PORT_MAX];
    char    local[MG_AUDIT_ADDR_MAX + MG_AUDIT_PORT_MAX];

    if (size == 0)
	return (0);
    buf[0] = 0;
    format_time(&ev->ended_at, when, sizeof(when));
    put(&o, "md5gate:", 8);
    KV(&o, "side", ev->side);
    KV(&o, "mech", ev->mech);
    KV_OWN(&o, "outcome", mg_outcome_name(ev->outcome));
    KV(&o, "authid", nonempty(ev->authid));
    KV(&o, "account", nonempty(ev->account));
    KV(&o, "authzid", nonempty(ev->authzid));
    KV(&o, "realm", ev->has_realm ? ev->realm : 0);
    KV_OWN(&o, "realm_offered", tri(ev->realm_offered));
    if (!kv_endpoint(&o, " remote=", sizeof(" remote=") - 1, ev->remote_addr,
		     ev->remote_port))
	KV(&o, "remote", join_endpoint(remote, ev->remote_addr, ev->remote_port));
    if (!kv_endpoint(&o, " local=", sizeof(" local=") - 1, ev->local_addr,
		     ev->local_port))
	KV(&o, "local", join_endpoint(local, ev->local_addr, ev->local_port));
    KV(&o, "service", nonempty(ev->service));
    KV(&o, "server", nonempty(ev->server_fqdn));
    KV(&o, "uri_host", nonempty(ev->uri_host));
    KV_OWN(&o, "uri_host_matched", tri(ev->uri_host_matched));
    KV(&o, "qop", ev->qop);
    KV(&o, "cipher", ev->cipher);
    KV(&o, "final_reply", ev->final_reply);
    KV(&o, "secret", ev->secret);
    KV(&o, "rule", nonempty(ev->rule));
    KV_OWN(&o, "enforced", ev->enforced == MG_TRI_NA ? 0 : ev->enforced ? "true" : "false");
    KV(&o, "reason", nonempty(ev->reason));
    KV_OWN(&o, "duration_ms", decimal(ms, sizeof(ms), ev->duration_ms));
    KV_OWN(&o, "time", when);
    KV(&o, "version", version);
    return (o.len);
}

 /*
  * The JSON record is written here, field by field, rather than built as
  * a json-c object tree and serialised: the tree (an allocation per
  * value, a hash table per record) and json-c's serialiser cost about
  * 40 000 instructions per record, more than the rest of a CRAM-MD5
  * exchange, and the record has a fixed shape: 26 keys that are string
  * literals, string values, three booleans and one integer. The bytes are
  * exactly those json-c writes with JSON_C_TO_STRING_PLAIN |
  * JSON_C_TO_STRING_NOSLASHESCAPE; tests/check_audit and the audit fuzz
  * target compare them with json-c's output and parse them with json-c.
  *
  * The writer keeps one byte free for the NUL and notes when anything
  * did not fit; such a record is refused, never written cut.
  */
struct jout {
    char   *p;
    char   *end;			/* the last byte, kept for the NUL */
    int     cut;
};

static inline void jput(struct jout *j, const char *s, size_t n)
{
    if ((size_t) (j->end - j->p) < n) {
	j->cut = 1;
	return;
    }
    memcpy(j->p, s, n);
    j->p += n;
}

 /*
  * Bytes a JSON string holds as they are: printable ASCII and DEL, but
  * not the quote and the backslash. Every byte of every value is looked
  * up here.
  */
#define JSON_PLAIN_RANGE(lo, hi) [lo ... hi] = 1
static const unsigned char json_plain[256] = {
    JSON_PLAIN_RANGE(' ', '"' - 1), JSON_PLAIN_RANGE('"' + 1, '\\' - 1),
    JSON_PLAIN_RANGE('\\' + 1, 0x7f),
};

 /*
  * One byte or sequence that is not plain: quote and backslash with a
  * backslash, \b \t \n \f \r by name, the other C0 controls as \u00xx;
  * a valid UTF-8 sequence as it is; every byte of an invalid one as the
  * text \xNN (its backslash escaped: \\xNN). Returns the bytes taken.
  */
static size_t json_escape(struct jout *j, const unsigned char *p)
{
    static const char short_escape[0x20] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
    };
    char    esc[6] = {'\\', 'u', '0', '0', 0, 0};
    unsigned long cp;
    size_t  seq;

    if (*p == '"' || *p == '\\') {
	esc[1] = (char) *p;
	jput(j, esc, 2);
    } else if (*p < 0x20 && short_escape[*p]) {
	esc[1] = short_escape[*p];
	jput(j, esc, 2);
    } else if (*p < 0x20) {
	esc[4] = hex_digits[*p >> 4];
	esc[5] = hex_digits[*p & 15];
	jput(j, esc, 6);
    } else if ((seq = utf8_seq(p, strnlen((const char *) p, 4), &cp)) == 0) {
	esc[1] = '\\';
	esc[2] = 'x';
	esc[3] = hex_digits[*p >> 4];
	esc[4] = hex_digits[*p & 15];
	jput(j, esc, 5);
    } else {
	jput(j, (const char *) p, seq);
	return (seq);
    }
    return (1);
}

 /*
  * A string value, or null. Plain bytes are copied one by one as they
  * are checked: values are short, and this spares a strlen() and a
  * memcpy() call per value.
  */
static void json_value(struct jout *j, const char *value)
{
    const unsigned char *s = (const unsigned char *) value;
    char   *p = j->p;

    if (value == 0) {
	jput(j, "null", 4);
	return;
    }
    if (p >= j->end)
	goto cut;
    *p++ = '"';
    for (;;) {
	if (json_plain[*s]) {
	    if (p >= j->end)
		goto cut;
	    *p++ = (char) *s++;
	    continue;
	}
	if (*s == 0)
	    break;
	j->p = p;
	s += json_escape(j, s);
	p = j->p;
    }
    if (p >= j->end)
	goto cut;
    *p++ = '"';
    j->p = p;
    return;
cut:
    j->p = p;
    j->cut = 1;
}

static void json_tri(struct jout *j, int value)
{
    if (value == MG_TRI_NA)
	jput(j, "null", 4);
    else if (value)
	jput(j, "true", 4);
    else
	jput(j, "false", 5);
}

 /*
  * One ,"key":value member. The first member of the record opens the
  * object instead of the comma.
  */
#define JSON_KEY(j, key)	jput((j), ",\"" key "\":", sizeof(",\"" key "\":") - 1)
#define JSTR(j, key, value)	(JSON_KEY((j), key), json_value((j), (value)))
#define JTRI(j, key, value)	(JSON_KEY((j), key), json_tri((j), (value)))

enum mg_code mg_audit_format_json(const struct mg_audit_event *ev,
			          const char *version, char *buf, size_t size,
				          size_t *len, struct mg_error *err)
{
    struct jout j;
    char    when[64], ms[24];
    const char *num;

    if (size < 2)
	return (mg_fail(err, MG_TOOLONG, "audit record does not fit in %zu bytes", size));
    j.p = buf;
    j.end = buf + size - 1;
    j.cut = 0;
    format_time(&ev->ended_at, when, sizeof(when));
    jput(&j, "{\"time\":", 8);
    json_value(&j, when);
    JSTR(&j, "side", ev->side);
    JSTR(&j, "mech", ev->mech);
    JSTR(&j, "outcome", mg_outcome_name(ev->outcome));
    JSTR(&j, "reason", nonempty(ev->reason));
    JSTR(&j, "service", nonempty(ev->service));
    JSTR(&j, "server_fqdn", nonempty(ev->server_fqdn));
    JSTR(&j, "remote_addr", ev->remote_addr);
    JSTR(&j, "remote_port", ev->remote_port);
    JSTR(&j, "local_addr", ev->local_addr);
    JSTR(&j, "local_port", ev->local_port);
    JSTR(&j, "authid", nonempty(ev->authid));
    JSTR(&j, "account", nonempty(ev->account));
    JSTR(&j, "authzid", nonempty(ev->authzid));
    JSTR(&j, "realm", ev->has_realm ? ev->realm : 0);
    JTRI(&j, "realm_offered", ev->realm_offered);
    JSTR(&j, "uri_host", nonempty(ev->uri_host));
    JTRI(&j, "uri_host_matched", ev->uri_host_matched);
    JSTR(&j, "qop", ev->qop);
    JSTR(&j, "cipher", ev->cipher);
    JSTR(&j, "final_reply", ev->final_reply);
    JSTR(&j, "secret", ev->secret);
    JSTR(&j, "rule", nonempty(ev->rule));
    JTRI(&j, "enforced", ev->enforced);
    JSON_KEY(&j, "duration_ms");
    num = decimal(ms, sizeof(ms), ev->duration_ms);
    jput(&j, num, strlen(num));
    JSTR(&j, "version", version);
    jput(&j, "}\n", 2);
    if (j.cut)
	return (mg_fail(err, MG_TOOLONG, "audit record does not fit in %zu bytes", size));
    *j.p = 0;
    *len = (size_t) (j.p - buf);
    return (MG_OK);
}

enum mg_code mg_audit_file_open(struct mg_audit_file *file, const char *path,
				        struct mg_error *err)
{
    int     flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW;

    /*
     * A file md5gate creates gets mode 0640 whatever the process umask
     * (Postfix daemons run with 077); an existing file keeps the mode the
     * administrator gave it.
     */
    if ((file->fd = open(path, flags | O_CREAT | O_EXCL, 0640)) >= 0)
	(void) fchmod(file->fd, 0640);
    else if (errno == EEXIST)
	file->fd = open(path, flags);
    if (file->fd < 0 && errno == ELOOP)
	return (mg_fail(err, MG_INTERNAL, "cannot open audit file %.100s: it is a "
			"symbolic link (refused)", path));
    if (file->fd < 0)
	return (mg_fail(err, MG_INTERNAL, "cannot open audit file %.100s: %s",
			path, strerror(errno)));
    return (MG_OK);
}

 /*
  * A full file system cuts a write short. The fragment, without its
  * newline, would glue itself to the next record and make both lines
  * unparsable, so it is cut off again while it is still the end of the
  * file; then the file holds only whole records. With the file system
  * full no other process can append meanwhile; should the file have grown
  * after all, the fragment stays and the reason says where.
  */
static enum mg_code take_back(struct mg_audit_file *file, ssize_t n, size_t len,
			              struct mg_error *err)
{
    struct stat st;
    off_t   end;

    if ((end = lseek(file->fd, 0, SEEK_CUR)) >= n && fstat(file->fd, &st) == 0
	&& st.st_size == end && ftruncate(file->fd, end - n) == 0)
	return (mg_fail(err, MG_INTERNAL, "audit record cut short after %zd of %zu "
			"bytes (file system full?); the fragment was removed", n, len));
    if (end < n)
	return (mg_fail(err, MG_INTERNAL, "audit record cut short after %zd of %zu "
			"bytes (file system full?); a fragment may be left", n, len));
    return (mg_fail(err, MG_INTERNAL, "audit record cut short after %zd of %zu bytes "
		    "(file system full?); a fragment is left at offset %lld", n, len,
		    (long long) (end - n)));
}

enum mg_code mg_audit_file_write(struct mg_audit_file *file, const char *line,
				         size_t len, struct mg_error *err)
{
    ssize_t n;

    if (file->fd < 0)
	return (mg_fail(err, MG_INTERNAL, "audit file is not open"));
    do {
	n = write(file->fd, line, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
	return (mg_fail(err, MG_INTERNAL, "cannot write audit record: %s", strerror(errno)));
    if ((size_t) n != len)
	return (take_back(file, n, len, err));
    return (MG_OK);
}

void    mg_audit_file_close(struct mg_audit_file *file)
{
    if (file->fd >= 0)
	close(file->fd);
    file->fd = -1;
}
