/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the device's SMTP client (md5gate probe, the doorphone) reads from
 * a server or a user, cli/smtp_parse.c. The first byte picks the
 * parser, the rest is its input.
 *
 * Replies: the input, split at "\n", is fed line by line. A line is
 * accepted exactly when it starts with a code 200-599 followed by
 * nothing, a space or a hyphen, holds no NUL byte, and keeps the code
 * of the reply's earlier lines; a reply ends at its first line without
 * a hyphen. The reply's text never exceeds its bound and has no NUL
 * byte; its last line for messages is printable ASCII. EHLO
 * capabilities read from a complete reply are valid SASL names, upper
 * case, each once.
 *
 * URLs: an accepted URL has a scheme, a non-empty host of host-name
 * characters (or an IPv6 address's), and a port from 1 to 65535.
 *
 * TLS refusals: the name is printable and bounded.
 */
#include <string.h>

#include "fuzz.h"
#include "cli/smtp_device.h"

static int code_of(const char *line, size_t len)
{
    if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9'
	|| line[2] < '0' || line[2] > '9')
	return (-1);
    if (len > 3 && line[3] != ' ' && line[3] != '-')
	return (-1);
    return ((line[0] - '0') * 100 + (line[1] - '0') * 10 + line[2] - '0');
}

static void check_printable(const char *s, size_t max)
{
    size_t  n = strlen(s), i;

    FUZZ_ASSERT(n <= max, "%zu bytes, bound %zu", n, max);
    for (i = 0; i < n; i++)
	FUZZ_ASSERT(s[i] >= 0x20 && s[i] < 0x7f, "byte 0x%02x", (unsigned char) s[i]);
}

static void check_caps(const struct smtp_reply *r)
{
    struct smtp_caps caps;
    char    copy[SMTP_MECHS_MAX], *tok, *save = 0, *p;
    size_t  i;

    smtp_caps_parse(r, &caps);
    FUZZ_ASSERT(strlen(caps.mechs) < sizeof(caps.mechs), "mechanism list unterminated");
    memcpy(copy, caps.mechs, sizeof(copy));
    for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(0, " ", &save)) {
	FUZZ_ASSERT(strlen(tok) <= SMTP_MECH_NAME_MAX, "name %s too long", tok);
	for (p = tok; *p; p++)
	    FUZZ_ASSERT((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'
			|| *p == '_', "byte 0x%02x in a mechanism name", (unsigned char) *p);
	FUZZ_ASSERT(smtp_caps_has(&caps, tok), "listed %s not found", tok);
	i = 0;
	for (p = caps.mechs; (p = strstr(p, tok)) != 0; p += strlen(tok))
	    if ((p == caps.mechs || p[-1] == ' ') && (p[strlen(tok)] == ' ' || !p[strlen(tok)]))
		i++;
	FUZZ_ASSERT(i == 1, "%s listed %zu times", tok, i);
    }
}

static void check_replies(const char *data, size_t size)
{
    struct smtp_reply r;
    struct mg_error err;
    const char *p = data, *end = data + size, *nl;
    enum mg_code ret;
    size_t  len;
    int     code, first = 1, prev = 0;

    smtp_reply_init(&r);
    while (p < end) {
	nl = memchr(p, '\n', (size_t) (end - p));
	len = nl ? (size_t) (nl - p) : (size_t) (end - p);
	code = code_of(p, len);
	ret = smtp_reply_line(&r, p, len, &err);
	if (ret == MG_OK || ret == MG_CONTINUE) {
	    FUZZ_ASSERT(code >= 200 && code <= 599 && r.code == code, "accepted code %d", code);
	    FUZZ_ASSERT(first || code == prev, "code changed from %d to %d", prev, code);
	    FUZZ_ASSERT(len <= SMTP_LINE_MAX && !memchr(p, 0, len), "accepted a bad line");
	    FUZZ_ASSERT((ret == MG_CONTINUE) == (len > 3 && p[3] == '-'), "wrong end");
	    FUZZ_ASSERT(r.text_len <= SMTP_REPLY_TEXT_MAX && strlen(r.text) == r.text_len,
			"text of %zu bytes", r.text_len);
	    check_printable(r.last, SMTP_LAST_MAX);
	    prev = code;
	    first = 0;
	    if (ret == MG_OK) {
		check_caps(&r);
		smtp_reply_init(&r);
		first = 1;
	    }
	} else {
	    fuzz_check_reason(ret, &err);
	    FUZZ_ASSERT(ret == MG_MALFORMED || ret == MG_TOOLONG, "code %d", (int) ret);
	    FUZZ_ASSERT(code < 0 || memchr(p, 0, len) || len > SMTP_LINE_MAX
			|| (!first && code != prev) || ret == MG_TOOLONG,
			"refused a good line: %s", err.reason);
	    smtp_reply_init(&r);
	    first = 1;
	}
	p += len + (nl ? 1 : 0);
    }
}

static void check_url(const char *data, size_t size)
{
    struct smtp_url url;
    struct mg_error err;
    enum mg_code ret;
    const char *c;
    long    port;

    ret = smtp_url_parse(data, size, &url, &err);
    if (ret != MG_OK) {
	fuzz_check_reason(ret, &err);
	return;
    }
    FUZZ_ASSERT(url.host[0] != 0, "empty host accepted");
    for (c = url.host; *c; c++)
	FUZZ_ASSERT(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789-._:", *c) != 0, "byte 0x%02x in host",
		    (unsigned char) *c);
    port = strtol(url.port, 0, 10);
    FUZZ_ASSERT(port >= 1 && port <= 65535, "port %s", url.port);
}

static void check_refusal(const char *data, size_t size)
{
    char    in[512], out[128];

    if (size >= sizeof(in))
	size = sizeof(in) - 1;
    memcpy(in, data, size);
    in[size] = 0;
    smtp_tls_refusal(in, out, sizeof(out));
    check_printable(out, sizeof(out) - 1);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *) data + 1;

    if (size == 0)
	return (0);
    switch (data[0] % 3) {
    case 0:
	check_replies(text, size - 1);
	break;
    case 1:
	check_url(text, size - 1);
	break;
    default:
	check_refusal(text, size - 1);
	break;
    }
    return (0);
}
