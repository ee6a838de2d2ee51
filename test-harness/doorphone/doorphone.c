/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	doorphone 1
/* SUMMARY
/*	send a door intercom's notification mail, as its firmware would
/* SYNOPSIS
/*	doorphone --server HOST [--port N] [options]
/* DESCRIPTION
/*	A test peer that behaves like the mailer of a small device (a door
/*	intercom, a camera): EHLO, optional STARTTLS or implicit TLS with a
/*	fixed TLS version ceiling, SMTP authentication with a fixed account,
/*	then one notification mail with a small JPEG snapshot attached. It
/*	does not retry. When anything fails it prints a device-style error
/*	code with a human explanation and exits non-zero.
/*
/*	It is a thin use of the device client md5gate probe runs
/*	(cli/smtp_device.h): the connection, TLS, the reply parser and
/*	AUTH are that client's, and CRAM-MD5 (RFC 2195) and DIGEST-MD5 (RFC
/*	2831) are computed by md5gate's core, not by libsasl2. Like many
/*	devices it does not act on the server's DIGEST-MD5 rspauth; it only
/*	records whether it verified (--digest-trace), so that a test can
/*	check the server.
/* OPTIONS
/* .IP "--server HOST, --port N"
/*	Where to connect (default port 25, 465 with --security smtps).
/* .IP "--server-name NAME"
/*	The name configured in the device (SNI and DIGEST-MD5 digest-uri
/*	host); default HOST.
/* .IP "--bind ADDR"
/*	Local source address (e.g. 127.0.0.2: a client outside the LAN).
/* .IP "--security none|starttls|smtps"
/*	The device's "None", "TLS" (STARTTLS) and "SSL" (implicit TLS).
/* .IP "--tls-max 1.0|1.2|1.3"
/*	Newest TLS version offered (default 1.2). 1.0 offers TLS 1.0 only,
/*	at OpenSSL security level 0 for this connection, like the seed's
/*	intercom. The server certificate is never verified, as on such
/*	devices.
/* .IP "--mech auto|CRAM-MD5|DIGEST-MD5|LOGIN|PLAIN|none"
/*	auto picks the first the server offers of CRAM-MD5, DIGEST-MD5,
/*	LOGIN, PLAIN; none skips authentication.
/* .IP "--user NAME, --password-file FILE"
/*	The account. The password is the file's first line (without its
/*	line end), else the DOORPHONE_PASSWORD environment variable; never
/*	an argument.
/* .IP "--realm R"
/*	DIGEST-MD5 realm (default: the first one the server offers).
/* .IP "--final-reply empty|echo"
/*	DIGEST-MD5 answer to the server's rspauth: an empty line, or the
/*	digest-response again carrying the rspauth value as its response.
/* .IP "--from ADDR, --to ADDR, --subject TEXT, --helo NAME"
/*	Envelope and header fields.
/* .IP "--snapshot-out FILE"
/*	Write the JPEG bytes that were attached.
/* .IP "--attach FILE"
/*	Attach FILE (as snapshot.jpg) instead of the generated snapshot.
/* .IP "--digest-trace FILE"
/*	Write the public names of the DIGEST-MD5 exchange (username, realm,
/*	qop, digest-uri, charset) and whether the server's rspauth verified
/*	against the password (rspauth=verified, wrong, malformed or none),
/*	one key=value a line. Nothing derived from the password: not the
/*	rspauth, not the response, not the nonces they were computed with.
/* .IP "--timeout SECS"
/*	Per reply, write, connect and TLS handshake (default 20).
/* .IP "--verbose"
/*	Print the SMTP dialogue to stderr; authentication payloads are
/*	shown as "[auth data]".
/* .IP "--codes"
/*	Print the error code table and exit.
/* ERROR CODES
/*	U1xx connection and TLS, exit status 10:
/*	U100 cannot connect; U101 no answer in time; U102 connection closed
/*	by the server; U110 greeting refused; U120 EHLO refused; U140
/*	STARTTLS not offered; U141 STARTTLS refused; U149 TLS handshake
/*	refused (no common TLS version or cipher).
/*
/*	U2xx authentication, exit status 20:
/*	U200 the server offers no authentication; U201 the server offers no
/*	mechanism the device can use; U210 account or password rejected;
/*	U211 malformed challenge; U212 authentication ended otherwise;
/*	U213 the server requires encryption for authentication.
/*
/*	U3xx envelope and data, exit status 30:
/*	U300 sender refused; U301 recipient refused; U302 DATA refused;
/*	U303 message refused after its data.
/*
/*	U9xx local errors, exit status 70 (U900), and 64 for usage errors.
/*--*/
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cli/cli.h"
#include "cli/smtp_device.h"
#include "mg_util.h"

#define EX_USAGE_	64

 /*
  * The device's error codes.
  */
struct ucode {
    const char *code;
    const char *text;
};

static const struct ucode codes[] = {
    {"U100", "cannot connect to the mail server (address, port or network)"},
    {"U101", "the mail server did not answer in time"},
    {"U102", "the mail server closed the connection"},
    {"U110", "the mail server refused the connection in its greeting"},
    {"U120", "the mail server refused EHLO"},
    {"U140", "the mail server does not offer STARTTLS (security type \"TLS\")"},
    {"U141", "the mail server refused STARTTLS"},
    {"U149", "TLS handshake refused: the server accepts none of the TLS versions "
     "or ciphers this device offers"},
    {"U200", "the mail server offers no SMTP authentication (on this connection)"},
    {"U201", "the mail server offers no authentication method this device can use"},
    {"U210", "the mail server rejected the account or password"},
    {"U211", "the mail server sent a malformed authentication challenge"},
    {"U212", "authentication failed for another reason"},
    {"U213", "the mail server requires encryption before authentication"},
    {"U300", "the mail server refused the sender address"},
    {"U301", "the mail server refused the recipient address"},
    {"U302", "the mail server refused to accept the message (DATA)"},
    {"U303", "the mail server refused the message after receiving it"},
    {"U900", "internal error of the device"},
    {0, 0},
};

static const char *prog = "doorphone";
static int verbose;

static const char *code_text(const char *code)
{
    const struct ucode *u;

    for (u = codes; u->code; u++)
	if (strcmp(u->code, code) == 0)
	    return (u->text);
    return ("unknown error");
}

 /*
  * die_code - print "doorphone: Uxxx: explanation (detail)" and exit with
  * the status of the code's class.
  */
static void die_code(const char *code, const char *fmt, ...)
{
    char    detail[1024] = "";
    va_list ap;
    int     status;

    if (fmt) {
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
    }
    fprintf(stderr, "%s: %s: %s%s%s%s\n", prog, code, code_text(code),
	    *detail ? " (" : "", detail, *detail ? ")" : "");
    switch (code[1]) {
    case '1':
	status = 10;
	break;
    case '2':
	status = 20;
	break;
    case '3':
	status = 30;
	break;
    default:
	status = 70;
	break;
    }
    exit(status);
}

static void usage(const char *why)
{
    fprintf(stderr, "%s: %s\n"
	    "usage: %s --server HOST [--port N] [--server-name NAME] [--bind ADDR]\n"
	    "  [--security none|starttls|smtps] [--tls-max 1.0|1.2|1.3]\n"
	    "  [--mech auto|CRAM-MD5|DIGEST-MD5|LOGIN|PLAIN|none] [--user NAME]\n"
	    "  [--password-file FILE] (else $DOORPHONE_PASSWORD) [--realm R]\n"
	    "  [--final-reply empty|echo] [--from A] [--to A] [--subject S] [--helo N]\n"
	    "  [--snapshot-out FILE] [--attach FILE] [--digest-trace FILE]\n"
	    "  [--timeout SECS] [--verbose] [--codes]\n", prog, why, prog);
    exit(EX_USAGE_);
}

/* ---------------------------------------------------------------- buffers */

struct buf {
    unsigned char *data;
    size_t  len;
    size_t  cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
	size_t  cap = b->cap ? b->cap : 256;

	while (cap < b->len + n + 1)
	    cap *= 2;
	if ((b->data = realloc(b->data, cap)) == 0)
	    die_code("U900", "out of memory");
	b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...)
{
    char    tmp[2048];
    va_list ap;
    int     n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t) n >= sizeof(tmp))
	die_code("U900", "formatted text too long");
    buf_add(b, tmp, (size_t) n);
}

static void buf_byte(struct buf *b, unsigned char c)
{
    buf_add(b, &c, 1);
}

static void buf_free_secret(struct buf *b)
{
    if (b->data) {
	OPENSSL_cleanse(b->data, b->cap);
	free(b->data);
    }
    memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------ the client */

 /*
  * What each failure of the device client shows as.
  */
static const char *fail_codes[] = {
    [SMTP_FAIL_NONE] = "U900",
    [SMTP_FAIL_CONNECT] = "U100",
    [SMTP_FAIL_TIMEOUT] = "U101",
    [SMTP_FAIL_CLOSED] = "U102",
    [SMTP_FAIL_PROTOCOL] = "U102",
    [SMTP_FAIL_GREETING] = "U110",
    [SMTP_FAIL_EHLO] = "U120",
    [SMTP_FAIL_NO_STARTTLS] = "U140",
    [SMTP_FAIL_STARTTLS] = "U141",
    [SMTP_FAIL_TLS] = "U149",
    [SMTP_FAIL_NO_AUTH] = "U200",
    [SMTP_FAIL_NO_MECH] = "U201",
    [SMTP_FAIL_CREDENTIALS] = "U210",
    [SMTP_FAIL_CHALLENGE] = "U211",
    [SMTP_FAIL_AUTH_OTHER] = "U212",
    [SMTP_FAIL_AUTH_NEEDS_TLS] = "U213",
    [SMTP_FAIL_RSPAUTH] = "U212",
    [SMTP_FAIL_SENDER] = "U300",
    [SMTP_FAIL_RECIPIENT] = "U301",
    [SMTP_FAIL_DATA] = "U302",
    [SMTP_FAIL_MESSAGE] = "U303",
    [SMTP_FAIL_LOCAL] = "U900",
};

static const char *tls_max = "1.2";

static void die_smtp(const struct smtp_error *err)
{
    const char *code = "U900";

    if ((size_t) err->kind < sizeof(fail_codes) / sizeof(fail_codes[0]))
	code = fail_codes[err->kind];
    if (err->kind == SMTP_FAIL_TLS)
	die_code(code, "offered TLS up to %s: %s", tls_max, err->detail);
    die_code(code, "%s", err->detail);
}

 /*
  * expect - a reply with one of two codes, else the failure.
  */
static void expect(const struct smtp_reply *r, int code, int other,
		           enum smtp_fail kind)
{
    struct smtp_error err;

    if (r->code == code || r->code == other)
	return;
    err.kind = kind;
    snprintf(err.detail, sizeof(err.detail), "%s", r->last);
    die_smtp(&err);
}

static void command(struct smtp_conn *c, struct smtp_reply *r, const char *during,
		            const char *fmt, const char *arg)
    __attribute__((format(printf, 4, 0)));

static void command(struct smtp_conn *c, struct smtp_reply *r, const char *during,
		            const char *fmt, const char *arg)
{
    struct smtp_error err;

    if (smtp_command(c, r, during, &err, fmt, arg) < 0)
	die_smtp(&err);
}

/* --------------------------------------------------------------- snapshot */

 /*
  * A small but valid baseline JPEG: 64x48 greyscale, each 8x8 block of
  * one shade (DC coefficients only), so the whole encoder fits here.
  * The picture is a soft gradient with a dark "visitor" in the middle.
  */
struct bits {
    struct buf *out;
    unsigned acc;
    int     n;
};

static void put_bits(struct bits *b, unsigned code, int len)
{
    while (len-- > 0) {
	b->acc = (b->acc << 1) | ((code >> len) & 1);
	if (++b->n == 8) {
	    buf_byte(b->out, (unsigned char) b->acc);
	    if (b->acc == 0xFF)
		buf_byte(b->out, 0);		/* byte stuffing */
	    b->acc = 0;
	    b->n = 0;
	}
    }
}

static void make_snapshot(struct buf *j, unsigned seed)
{
    /* ITU T.81 Annex K.3, table K.3: luminance DC differences. */
    static const unsigned char dc_bits[16] = {0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
    static const unsigned char dc_vals[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    unsigned dc_code[12];
    int     dc_len[12];
    unsigned code = 0;
    int     k = 0, l, i, bx, by, prev = 0;
    const int W = 64, H = 48, Q = 16;
    struct bits b = {j, 0, 0};

    for (l = 1; l <= 16; l++) {			/* canonical Huffman codes */
	for (i = 0; i < dc_bits[l - 1]; i++, k++) {
	    dc_code[dc_vals[k]] = code++;
	    dc_len[dc_vals[k]] = l;
	}
	code <<= 1;
    }
    buf_add(j, "\xFF\xD8", 2);			/* SOI */
    buf_add(j, "\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
    buf_add(j, "\xFF\xFE\x00\x13md5gate doorphone", 21);	/* COM */
    buf_add(j, "\xFF\xDB\x00\x43\x00", 5);	/* DQT, table 0 */
    for (i = 0; i < 64; i++)
	buf_byte(j, Q);
    buf_add(j, "\xFF\xC0\x00\x0B\x08", 5);	/* SOF0, 8 bits */
    buf_byte(j, 0);
    buf_byte(j, H);
    buf_byte(j, 0);
    buf_byte(j, W);
    buf_add(j, "\x01\x01\x11\x00", 4);		/* 1 component, 1x1, table 0 */
    buf_add(j, "\xFF\xC4\x00\x1F\x00", 5);	/* DHT DC 0 */
    buf_add(j, dc_bits, 16);
    buf_add(j, dc_vals, 12);
    buf_add(j, "\xFF\xC4\x00\x14\x10", 5);	/* DHT AC 0: EOB only, code "0" */
    buf_add(j, "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 17);
    buf_add(j, "\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00", 10);	/* SOS */
    for (by = 0; by < H / 8; by++) {
	for (bx = 0; bx < W / 8; bx++) {
	    int     dx = bx - 3, dy = by - 2, shade, dc, diff, mag, cat = 0, extra;

	    shade = 70 + bx * 14 + by * 9 + (int) ((seed >> ((bx + by) % 16)) & 7);
	    if (dx * dx + dy * dy <= 2)
		shade = 35;			/* the visitor */
	    dc = (8 * (shade - 128)) / Q;	/* level shift, DCT DC gain 8 */
	    diff = dc - prev;
	    prev = dc;
	    for (mag = diff < 0 ? -diff : diff; mag; mag >>= 1)
		cat++;
	    put_bits(&b, dc_code[cat], dc_len[cat]);
	    if (cat) {
		extra = diff < 0 ? diff + (1 << cat) - 1 : diff;
		put_bits(&b, (unsigned) extra, cat);
	    }
	    put_bits(&b, 0, 1);			/* EOB */
	}
    }
    if (b.n)
	put_bits(&b, 0xFF, 8 - b.n);		/* pad with 1 bits */
    buf_add(j, "\xFF\xD9", 2);			/* EOI */
}

/* ------------------------------------------------------------------- mail */

static void build_message(struct buf *m, const char *from, const char *to,
			          const char *subject, const char *helo,
			          const struct buf *jpeg)
{
    char    date[64], boundary[64], *b64;
    time_t  now = time(0);
    unsigned char rnd[8];
    char    id[17];
    size_t  i, n;

    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", gmtime(&now));
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
	die_code("U900", "no random bytes");
    mg_hex_encode(rnd, sizeof(rnd), id);
    snprintf(boundary, sizeof(boundary), "=_doorphone_%s", id);
    buf_fmt(m, "From: Door intercom <%s>\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\n"
	    "Message-ID: <%s.doorphone@%s>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
	    "X-Mailer: md5gate doorphone\r\n\r\n"
	    "This is a multi-part message in MIME format.\r\n\r\n",
	    from, to, subject, date, id, helo, boundary);
    buf_fmt(m, "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n"
	    "Someone rang the door bell at %s.\r\n"
	    ".A line starting with a dot, to test dot-stuffing.\r\n\r\n",
	    boundary, date);
    buf_fmt(m, "--%s\r\nContent-Type: image/jpeg; name=\"snapshot.jpg\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"snapshot.jpg\"\r\n\r\n", boundary);
    if ((b64 = cli_b64_encode(jpeg->data, jpeg->len)) == 0)
	die_code("U900", "out of memory");
    for (i = 0, n = strlen(b64); i < n; i += 76) {
	buf_add(m, b64 + i, n - i < 76 ? n - i : 76);
	buf_str(m, "\r\n");
    }
    free(b64);
    buf_fmt(m, "\r\n--%s--\r\n", boundary);
}

 /*
  * send_data - the message with dot-stuffing, then ".".
  */
static void send_data(struct smtp_conn *c, const struct buf *m)
{
    struct buf s = {0};
    struct smtp_error err;
    size_t  i;
    int     bol = 1;

    for (i = 0; i < m->len; i++) {
	if (bol && m->data[i] == '.')
	    buf_byte(&s, '.');
	buf_byte(&s, m->data[i]);
	bol = m->data[i] == '\n';
    }
    buf_str(&s, ".\r\n");
    if (verbose)
	fprintf(stderr, "-> [message, %zu bytes]\n", s.len);
    if (smtp_write(c, s.data, s.len, &err) < 0)
	die_smtp(&err);
    free(s.data);
}

static void read_password(struct buf *pw, const char *file)
{
    const char *env;

    if (file) {
	FILE   *fp = fopen(file, "r");
	int     ch;

	if (fp == 0)
	    die_code("U900", "password file %s: %s", file, strerror(errno));
	while ((ch = getc(fp)) != EOF && ch != '\n')
	    buf_byte(pw, (unsigned char) ch);
	fclose(fp);
	if (pw->len && pw->data[pw->len - 1] == '\r')
	    pw->data[--pw->len] = 0;
    } else if ((env = getenv("DOORPHONE_PASSWORD")) != 0) {
	buf_str(pw, env);
    }
    if (pw->data == 0)
	buf_str(pw, "");
}

static void write_file(const char *path, const struct buf *b)
{
    FILE   *fp = fopen(path, "wb");

    if (fp == 0 || fwrite(b->data, 1, b->len, fp) != b->len || fclose(fp) != 0)
	die_code("U900", "%s: %s", path, strerror(errno));
}

static void read_file(const char *path, struct buf *b)
{
    FILE   *fp = fopen(path, "rb");
    char    tmp[4096];
    size_t  n;

    if (fp == 0)
	die_code("U900", "%s: %s", path, strerror(errno));
    while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
	buf_add(b, tmp, n);
    fclose(fp);
}

/* ------------------------------------------------------------------- main */

struct settings {
    struct smtp_session_opts session;
    const char *security;
    const char *mech;
    const char *pwfile;
    const char *server_name;
    const char *final_reply;
    const char *trace_file;
    struct smtp_account account;
    const char *from;
    const char *to;
    const char *subject;
    const char *snapshot_out;
    const char *attach;
};

static void print_codes(void)
{
    const struct ucode *u;

    for (u = codes; u->code; u++)
	printf("%s  %s\n", u->code, u->text);
    exit(0);
}

static void check_settings(struct settings *s, int timeout)
{
    const char *m = s->mech;

    if (s->session.host == 0)
	usage("--server is required");
    if (strcmp(s->security, "none") && strcmp(s->security, "starttls")
	&& strcmp(s->security, "smtps"))
	usage("--security must be none, starttls or smtps");
    if (strcmp(tls_max, "1.0") && strcmp(tls_max, "1.2") && strcmp(tls_max, "1.3"))
	usage("--tls-max must be 1.0, 1.2 or 1.3");
    if (strcmp(s->final_reply, "empty") && strcmp(s->final_reply, "echo"))
	usage("--final-reply must be empty or echo");
    if (strcasecmp(m, "auto") && strcasecmp(m, "none") && smtp_mech_name(m) == 0)
	usage("--mech must be auto, CRAM-MD5, DIGEST-MD5, LOGIN, PLAIN or none");
    if (timeout <= 0)
	usage("--timeout must be positive");
}

 /*
  * settings_finish - defaults that depend on other settings.
  */
static void settings_finish(struct settings *s, int timeout)
{
    struct smtp_session_opts *o = &s->session;

    check_settings(s, timeout);
    o->security = strcmp(s->security, "smtps") == 0 ? SMTP_SECURITY_SMTPS
	: strcmp(s->security, "starttls") == 0 ? SMTP_SECURITY_STARTTLS : SMTP_SECURITY_NONE;
    if (o->port == 0)
	o->port = o->security == SMTP_SECURITY_SMTPS ? "465" : "25";
    if (s->server_name == 0)
	s->server_name = o->host;
    o->tls.max_version = smtp_tls_version(tls_max);
    if (o->tls.max_version == TLS1_VERSION)
	o->tls.min_version = TLS1_VERSION;	/* an old device: TLS 1.0 only */
    o->tls.sni = s->server_name;
    o->timeout_ms = timeout * 1000;
    o->trace = verbose ? stderr : 0;
    s->account.host = s->server_name;
    s->account.rspauth = strcmp(s->final_reply, "echo") == 0 ? SMTP_RSPAUTH_ECHO
	: SMTP_RSPAUTH_EMPTY;
}

static void parse_options(int argc, char **argv, struct settings *s)
{
    int     timeout = 20, i;

    memset(s, 0, sizeof(*s));
    s->security = "none";
    s->mech = "auto";
    s->final_reply = "empty";
    s->account.user = "doorphone";
    s->from = "doorphone@home.test";
    s->to = "owner@example.test";
    s->subject = "Door bell";
    s->session.helo = "doorphone.home.test";
    for (i = 1; i < argc; i++) {
	const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : 0;

#define OPT(name) (strcmp(o, name) == 0 && (v || (usage("missing value for " name), 0)) && ++i)
	if (strcmp(o, "--codes") == 0)
	    print_codes();
	else if (strcmp(o, "--verbose") == 0)
	    verbose = 1;
	else if (OPT("--server"))
	    s->session.host = v;
	else if (OPT("--port"))
	    s->session.port = v;
	else if (OPT("--server-name"))
	    s->server_name = v;
	else if (OPT("--bind"))
	    s->session.bind_addr = v;
	else if (OPT("--security"))
	    s->security = v;
	else if (OPT("--tls-max"))
	    tls_max = v;
	else if (OPT("--mech"))
	    s->mech = v;
	else if (OPT("--user"))
	    s->account.user = v;
	else if (OPT("--password-file"))
	    s->pwfile = v;
	else if (OPT("--realm"))
	    s->account.realm = v;
	else if (OPT("--final-reply"))
	    s->final_reply = v;
	else if (OPT("--from"))
	    s->from = v;
	else if (OPT("--to"))
	    s->to = v;
	else if (OPT("--subject"))
	    s->subject = v;
	else if (OPT("--helo"))
	    s->session.helo = v;
	else if (OPT("--snapshot-out"))
	    s->snapshot_out = v;
	else if (OPT("--attach"))
	    s->attach = v;
	else if (OPT("--digest-trace"))
	    s->trace_file = v;
	else if (OPT("--timeout"))
	    timeout = atoi(v);
	else if (strcmp(o, "--password") == 0)
	    usage("--password is not accepted: use --password-file or DOORPHONE_PASSWORD");
	else
	    usage("unknown option");
#undef OPT
    }
    settings_finish(s, timeout);
}

 /*
  * pick_mech - the device's choice among what the server offers.
  */
static const char *pick_mech(const struct settings *s, const struct smtp_caps *caps)
{
    static const char *pref[] = {"CRAM-MD5", "DIGEST-MD5", "LOGIN", "PLAIN", 0};
    const char **p;
    struct smtp_error err;

    if (!caps->auth)
	die_code("U200", 0);
    for (p = pref; *p; p++)
	if ((strcasecmp(s->mech, "auto") == 0 || strcasecmp(s->mech, *p) == 0)
	    && smtp_caps_has(caps, *p))
	    return (*p);
    err.kind = SMTP_FAIL_NO_MECH;
    /* Cut the server's list rather than what the device is set to. */
    snprintf(err.detail, sizeof(err.detail), "server offers: %.200s; device configured for %.64s",
	     *caps->mechs ? caps->mechs : "nothing", s->mech);
    die_smtp(&err);
    return (0);
}

static void write_trace(const struct settings *s, const struct smtp_digest_trace *t,
			        int result)
{
    FILE   *fp;

    if (s->trace_file == 0 || !t->used)
	return;
    if ((fp = fopen(s->trace_file, "w")) == 0)
	die_code("U900", "%s: %s", s->trace_file, strerror(errno));
    fprintf(fp, "username=%s\nrealm=%s\nqop=auth\ndigest-uri=%s\ncharset=%s\n"
	    "rspauth=%s\nfinal-reply=%s\nresult=%d\n",
	    t->username, t->realm, t->uri, t->utf8 ? "utf-8" : "",
	    t->rspauth == SMTP_TRACE_RSPAUTH_VERIFIED ? "verified"
	    : t->rspauth == SMTP_TRACE_RSPAUTH_WRONG ? "wrong"
	    : t->rspauth == SMTP_TRACE_RSPAUTH_MALFORMED ? "malformed" : "none",
	    s->final_reply, result);
    if (fclose(fp) != 0)
	die_code("U900", "%s: %s", s->trace_file, strerror(errno));
}

 /*
  * authenticate - AUTH with the device's mechanism; returns its name.
  */
static const char *authenticate(struct settings *s, struct smtp_conn *c,
				        const struct smtp_caps *caps)
{
    struct buf pw = {0};
    struct smtp_digest_trace trace;
    struct smtp_reply r;
    struct smtp_error err;
    const char *used = pick_mech(s, caps);
    int     ret;

    memset(&trace, 0, sizeof(trace));
    read_password(&pw, s->pwfile);
    s->account.password = pw.data;
    s->account.password_len = pw.len;
    ret = smtp_auth(c, used, &s->account, &r, &trace, &err);
    s->account.password = 0;
    buf_free_secret(&pw);
    write_trace(s, &trace, r.code);
    if (ret < 0)
	die_smtp(&err);
    return (used);
}

static void send_mail(const struct settings *s, struct smtp_conn *c, const struct buf *msg,
		              struct smtp_reply *r)
{
    struct smtp_error err;

    command(c, r, "after MAIL FROM", "MAIL FROM:<%s>", s->from);
    expect(r, 250, 250, SMTP_FAIL_SENDER);
    command(c, r, "after RCPT TO", "RCPT TO:<%s>", s->to);
    expect(r, 250, 251, SMTP_FAIL_RECIPIENT);
    command(c, r, "after DATA", "%s", "DATA");
    expect(r, 354, 354, SMTP_FAIL_DATA);
    send_data(c, msg);
    if (smtp_read_reply(c, r, "after the message", &err) < 0)
	die_smtp(&err);
    expect(r, 250, 250, SMTP_FAIL_MESSAGE);
}

 /*
  * session - one notification, from the connection to QUIT.
  */
static void session(struct settings *s, const struct buf *jpeg, const struct buf *msg)
{
    struct smtp_session sess;
    struct smtp_reply r;
    struct smtp_error err;
    const char *used = "none";

    if (smtp_session_open(&sess, &s->session, &err) < 0)
	die_smtp(&err);
    if (strcasecmp(s->mech, "none") != 0)
	used = authenticate(s, &sess.conn, &sess.caps);
    send_mail(s, &sess.conn, msg, &r);
    printf("%s: sent: %s; security=%s tls=%s mech=%s attachment=%zu bytes\n", prog,
	   r.last, s->security, *sess.conn.tls_version ? sess.conn.tls_version : "none",
	   used, jpeg->len);
    fflush(stdout);
    smtp_quit(&sess.conn);
    smtp_close(&sess.conn);
}

int     main(int argc, char **argv)
{
    struct settings s;
    struct buf jpeg = {0}, msg = {0};

    parse_options(argc, argv, &s);
    signal(SIGPIPE, SIG_IGN);	/* a dropped connection is U102 */
    if (s.attach)
	read_file(s.attach, &jpeg);
    else
	make_snapshot(&jpeg, (unsigned) time(0) ^ (unsigned) getpid());
    if (s.snapshot_out)
	write_file(s.snapshot_out, &jpeg);
    build_message(&msg, s.from, s.to, s.subject, s.session.helo, &jpeg);
    session(&s, &jpeg, &msg);
    free(jpeg.data);
    free(msg.data);
    return (0);
}
