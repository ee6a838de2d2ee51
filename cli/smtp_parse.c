/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	smtp_parse 3
/* SUMMARY
/*	what the device's SMTP client reads: replies, EHLO, URLs, TLS refusals
/* SYNOPSIS
/*	#include "cli/smtp_device.h"
/*
/*	void	smtp_reply_init(r)
/*
/*	enum mg_code smtp_reply_line(r, line, len, err)
/*
/*	void	smtp_printable(in, len, out, outsize)
/*
/*	void	smtp_caps_parse(r, caps)
/*
/*	int	smtp_caps_has(caps, mech)
/*
/*	enum mg_code smtp_url_parse(in, len, url, err)
/*
/*	int	smtp_tls_version(name)
/*
/*	const char *smtp_tls_version_name(version)
/*
/*	void	smtp_tls_refusal(reason, out, outsize)
/* DESCRIPTION
/*	smtp_reply_line() adds one line (without its CRLF) to a reply that
/*	smtp_reply_init() emptied. It returns MG_CONTINUE when the line says
/*	more follow ("ddd-"), MG_OK when the reply is complete ("ddd " or
/*	"ddd"), MG_MALFORMED for a line that is not an SMTP reply line (no
/*	three-digit code 2xx-5xx, another separator, a NUL byte, a code that
/*	changes within the reply) and MG_TOOLONG past SMTP_LINE_MAX bytes,
/*	SMTP_REPLY_LINES_MAX lines or SMTP_REPLY_TEXT_MAX bytes of text.
/*
/*	smtp_printable() copies peer text for a person: printable ASCII as
/*	it is, anything else as "?", cut to fit.
/*
/*	smtp_caps_parse() reads an EHLO reply: STARTTLS, and the mechanisms
/*	of every AUTH line (also the old "AUTH=" form). Names that are not
/*	valid SASL mechanism names are skipped, duplicates kept once.
/*
/*	smtp_url_parse() reads smtp://, smtps:// and submission:// URLs
/*	with a host name, an IPv4 or a bracketed IPv6 address and an
/*	optional port 1-65535; no user, path, query or fragment.
/*
/*	smtp_tls_refusal() names a TLS refusal from OpenSSL's reason text.
/*--*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>

#include "smtp_device.h"

void    smtp_reply_init(struct smtp_reply *r)
{
    r->code = 0;
    r->lines = 0;
    r->text_len = 0;
    r->text[0] = 0;
    r->last[0] = 0;
}

void    smtp_printable(const char *in, size_t len, char *out, size_t outsize)
{
    size_t  i, n = 0;

    if (outsize == 0)
	return;
    for (i = 0; i < len && n + 1 < outsize; i++) {
	unsigned char ch = (unsigned char) in[i];

	out[n++] = (ch >= 0x20 && ch < 0x7f) ? (char) ch : '?';
    }
    out[n] = 0;
}

static int reply_code(const char *line, size_t len)
{
    if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9'
	|| line[2] < '0' || line[2] > '9')
	return (-1);
    if (len > 3 && line[3] != ' ' && line[3] != '-')
	return (-1);
    return ((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
}

static enum mg_code reply_add_text(struct smtp_reply *r, const char *text, size_t len,
				           struct mg_error *err)
{
    size_t  need = len + (r->lines > 1 ? 1 : 0);

    if (r->text_len + need > SMTP_REPLY_TEXT_MAX)
	return (mg_fail(err, MG_TOOLONG, "reply of more than %d bytes",
			SMTP_REPLY_TEXT_MAX));
    if (r->lines > 1)
	r->text[r->text_len++] = '\n';
    memcpy(r->text + r->text_len, text, len);
    r->text_len += len;
    r->text[r->text_len] = 0;
    return (MG_OK);
}

enum mg_code smtp_reply_line(struct smtp_reply *r, const char *line, size_t len,
			             struct mg_error *err)
{
    int     code;
    enum mg_code ret;

    if (len > SMTP_LINE_MAX)
	return (mg_fail(err, MG_TOOLONG, "reply line of more than %d bytes", SMTP_LINE_MAX));
    if (memchr(line, 0, len) != 0)
	return (mg_fail(err, MG_MALFORMED, "NUL byte in a reply line"));
    if ((code = reply_code(line, len)) < 0)
	return (mg_fail(err, MG_MALFORMED, "not an SMTP reply line (no code 200-599 "
			"followed by a space or a hyphen)"));
    if (r->lines > 0 && code != r->code)
	return (mg_fail(err, MG_MALFORMED, "reply code changes from %d to %d within "
			"one reply", r->code, code));
    if (r->lines >= SMTP_REPLY_LINES_MAX)
	return (mg_fail(err, MG_TOOLONG, "reply of more than %d lines",
			SMTP_REPLY_LINES_MAX));
    r->code = code;
    r->lines++;
    smtp_printable(line, len, r->last, sizeof(r->last));
    if (len > 4 && (ret = reply_add_text(r, line + 4, len - 4, err)) != MG_OK)
	return (ret);
    return (len == 3 || line[3] == ' ' ? MG_OK : MG_CONTINUE);
}

 /*
  * RFC 4422 section 3.1: upper-case letters, digits, hyphen, underscore.
  */
static int mech_name_ok(const char *name, size_t len)
{
    size_t  i;

    if (len == 0 || len > SMTP_MECH_NAME_MAX)
	return (0);
    for (i = 0; i < len; i++)
	if (!((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= 'a' && name[i] <= 'z')
	      || (name[i] >= '0' && name[i] <= '9') || name[i] == '-' || name[i] == '_'))
	    return (0);
    return (1);
}

static void caps_add_mech(struct smtp_caps *caps, const char *name, size_t len)
{
    char    upper[SMTP_MECH_NAME_MAX + 1];
    size_t  have = strlen(caps->mechs), i;

    if (!mech_name_ok(name, len))
	return;
    for (i = 0; i < len; i++)
	upper[i] = (name[i] >= 'a' && name[i] <= 'z') ? (char) (name[i] - 32) : name[i];
    upper[len] = 0;
    if (smtp_caps_has(caps, upper) || have + len + 2 > sizeof(caps->mechs))
	return;
    if (have)
	caps->mechs[have++] = ' ';
    memcpy(caps->mechs + have, upper, len + 1);
}

static void caps_auth_line(struct smtp_caps *caps, const char *p, size_t n)
{
    size_t  i = 5, start;

    caps->auth = 1;
    while (i < n) {
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
	    i++;
	start = i;
	while (i < n && p[i] != ' ' && p[i] != '\t')
	    i++;
	if (i > start)
	    caps_add_mech(caps, p + start, i - start);
    }
}

void    smtp_caps_parse(const struct smtp_reply *r, struct smtp_caps *caps)
{
    const char *p = r->text, *end = r->text + r->text_len;
    size_t  n;

    memset(caps, 0, sizeof(*caps));
    while (p < end) {
	const char *nl = memchr(p, '\n', (size_t) (end - p));

	n = nl ? (size_t) (nl - p) : (size_t) (end - p);
	if (n == 8 && strncasecmp(p, "STARTTLS", 8) == 0)
	    caps->starttls = 1;
	else if (n >= 4 && strncasecmp(p, "AUTH", 4) == 0 && (n == 4 || p[4] == ' '
							       || p[4] == '='))
	    caps_auth_line(caps, p, n);
	p += n + (nl ? 1 : 0);
    }
}

int     smtp_caps_has(const struct smtp_caps *caps, const char *mech)
{
    const char *p = caps->mechs;
    size_t  n = strlen(mech);

    if (n == 0)
	return (0);
    while ((p = strstr(p, mech)) != 0) {
	if ((p == caps->mechs || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
	    return (1);
	p += n;
    }
    return (0);
}

/* ------------------------------------------------------------------- URLs */

static const struct {
    const char *prefix;
    enum smtp_scheme scheme;
    const char *port;
} schemes[] = {
    {"smtp://", SMTP_SCHEME_SMTP, "25"},
    {"smtps://", SMTP_SCHEME_SMTPS, "465"},
    {"submission://", SMTP_SCHEME_SUBMISSION, "587"},
};

static int host_char(char ch)
{
    return ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
	    || ch == '-' || ch == '.' || ch == '_');
}

static enum mg_code url_port(const char *p, size_t len, struct smtp_url *url,
			             struct mg_error *err)
{
    unsigned long value = 0;
    size_t  i;

    if (len == 0 || len > 5)
	return (mg_fail(err, MG_MALFORMED, "the port must be a number from 1 to 65535"));
    for (i = 0; i < len; i++) {
	if (p[i] < '0' || p[i] > '9')
	    return (mg_fail(err, MG_MALFORMED, "the port must be a number from 1 to 65535"));
	value = value * 10 + (unsigned long) (p[i] - '0');
    }
    if (value == 0 || value > 65535)
	return (mg_fail(err, MG_MALFORMED, "the port must be a number from 1 to 65535"));
    snprintf(url->port, sizeof(url->port), "%lu", value);
    return (MG_OK);
}

static enum mg_code url_host(const char *p, size_t len, struct smtp_url *url,
			             size_t *used, struct mg_error *err)
{
    size_t  i = 0;

    if (len > 0 && p[0] == '[') {
	const char *close = memchr(p, ']', len);

	if (close == 0)
	    return (mg_fail(err, MG_MALFORMED, "unterminated [ in the host"));
	for (i = 1; p + i < close; i++)
	    if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')
		  || (p[i] >= 'A' && p[i] <= 'F') || p[i] == ':' || p[i] == '.'))
		return (mg_fail(err, MG_MALFORMED, "an IPv6 address in [] holds only hex "
				"digits, colons and dots"));
	i = (size_t) (close - p);
	if (i < 3)
	    return (mg_fail(err, MG_MALFORMED, "empty host"));
	if (i - 1 > SMTP_HOST_MAX)
	    return (mg_fail(err, MG_TOOLONG, "host of more than %d bytes", SMTP_HOST_MAX));
	memcpy(url->host, p + 1, i - 1);
	url->host[i - 1] = 0;
	*used = i + 1;
	return (MG_OK);
    }
    while (i < len && host_char(p[i]))
	i++;
    if (i == 0)
	return (mg_fail(err, MG_MALFORMED, "no host"));
    if (i > SMTP_HOST_MAX)
	return (mg_fail(err, MG_TOOLONG, "host of more than %d bytes", SMTP_HOST_MAX));
    if (i < len && p[i] != ':')
	return (mg_fail(err, MG_MALFORMED, "the host may be followed only by :PORT "
			"(no user, path or query)"));
    memcpy(url->host, p, i);
    url->host[i] = 0;
    *used = i;
    return (MG_OK);
}

enum mg_code smtp_url_parse(const char *in, size_t len, struct smtp_url *url,
			            struct mg_error *err)
{
    size_t  i, plen = 0, used = 0;
    enum mg_code ret;

    memset(url, 0, sizeof(*url));
    if (memchr(in, 0, len) != 0)
	return (mg_fail(err, MG_MALFORMED, "NUL byte in the URL"));
    for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
	plen = strlen(schemes[i].prefix);
	if (len >= plen && strncasecmp(in, schemes[i].prefix, plen) == 0)
	    break;
    }
    if (i == sizeof(schemes) / sizeof(schemes[0]))
	return (mg_fail(err, MG_MALFORMED, "the URL must start with smtp://, smtps:// "
			"or submission://"));
    url->scheme = schemes[i].scheme;
    snprintf(url->port, sizeof(url->port), "%s", schemes[i].port);
    in += plen;
    len -= plen;
    if (len > 0 && in[len - 1] == '/')		/* smtp://host/ */
	len--;
    if ((ret = url_host(in, len, url, &used, err)) != MG_OK)
	return (ret);
    if (used == len)
	return (MG_OK);
    if (in[used] != ':')
	return (mg_fail(err, MG_MALFORMED, "the host may be followed only by :PORT "
			"(no user, path or query)"));
    return (url_port(in + used + 1, len - used - 1, url, err));
}

/* ------------------------------------------------------------------- TLS */

static const struct {
    const char *name;
    int     version;
} tls_versions[] = {
    {"1.0", TLS1_VERSION},
    {"1.1", TLS1_1_VERSION},
    {"1.2", TLS1_2_VERSION},
    {"1.3", TLS1_3_VERSION},
};

int     smtp_tls_version(const char *name)
{
    size_t  i;

    for (i = 0; i < sizeof(tls_versions) / sizeof(tls_versions[0]); i++)
	if (strcmp(name, tls_versions[i].name) == 0)
	    return (tls_versions[i].version);
    return (0);
}

const char *smtp_tls_version_name(int version)
{
    size_t  i;

    for (i = 0; i < sizeof(tls_versions) / sizeof(tls_versions[0]); i++)
	if (tls_versions[i].version == version)
	    return (tls_versions[i].name);
    return ("?");
}

void    smtp_tls_refusal(const char *reason, char *out, size_t outsize)
{
    static const char *alert_prefixes[] = {"tlsv1 alert ", "sslv3 alert ", "tlsv13 alert "};
    size_t  i, n, plen;

    if (outsize == 0)
	return;
    for (i = 0; i < sizeof(alert_prefixes) / sizeof(alert_prefixes[0]); i++) {
	plen = strlen(alert_prefixes[i]);
	if (strncmp(reason, alert_prefixes[i], plen) == 0 && reason[plen] != 0)
	    break;
    }
    if (i == sizeof(alert_prefixes) / sizeof(alert_prefixes[0])) {
	smtp_printable(reason, strlen(reason), out, outsize);
	return;
    }
    snprintf(out, outsize, "alert ");
    n = strlen(out);
    for (reason += plen; *reason && n + 1 < outsize; reason++)
	out[n++] = *reason == ' ' ? '_' : ((unsigned char) *reason >= 0x20
					   && (unsigned char) *reason < 0x7f ? *reason : '?');
    out[n] = 0;
}
