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
/*	It does not use libsasl2: CRAM-MD5 (RFC 2195) and DIGEST-MD5 (RFC
/*	2831) are computed here with OpenSSL's MD5 and HMAC, as firmware
/*	would. Like many devices it does not check the server's DIGEST-MD5
/*	rspauth; it only records it (--digest-trace) so that a test can.
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
/*	at OpenSSL security level 0 ("DEFAULT@SECLEVEL=0"), like the seed's
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
/*	Write the public DIGEST-MD5 parameters of the exchange (username,
/*	realm, nonce, cnonce, nc, qop, digest-uri, charset) and the rspauth
/*	the server sent, one key=value a line. Never the password.
/* .IP "--timeout SECS"
/*	Per read/write (default 20).
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
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#define LINE_MAX_LEN	1000		/* RFC 5321 text line with CRLF */
#define REPLY_MAX	65536
#define DIGEST_CHAL_MAX	2048		/* RFC 2831 section 2.1.1 */
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

static void *xmalloc(size_t n)
{
    void   *p = malloc(n ? n : 1);

    if (p == 0)
	die_code("U900", "out of memory");
    return (p);
}

static char *xstrdup(const char *s)
{
    size_t  n = strlen(s) + 1;

    return (memcpy(xmalloc(n), s, n));
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

/* ----------------------------------------------------------------- base64 */

static char *b64_encode(const unsigned char *in, size_t len)
{
    char   *out = xmalloc(4 * ((len + 2) / 3) + 1);

    EVP_EncodeBlock((unsigned char *) out, in, (int) len);
    return (out);
}

 /*
  * b64_decode - strict: returns -1 on bad input, else the length.
  */
static long b64_decode(const char *in, unsigned char **out)
{
    size_t  len = strlen(in), pad = 0;
    unsigned char *o;
    int     n;

    if (len % 4 != 0 || strspn(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			       "0123456789+/=") != len)
	return (-1);
    if (len >= 1 && in[len - 1] == '=')
	pad++;
    if (len >= 2 && in[len - 2] == '=')
	pad++;
    o = xmalloc(len / 4 * 3 + 1);
    n = len ? EVP_DecodeBlock(o, (const unsigned char *) in, (int) len) : 0;
    if (n < 0) {
	free(o);
	return (-1);
    }
    n -= (int) pad;
    o[n] = 0;
    *out = o;
    return (n);
}

static void hex_lower(const unsigned char *in, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t  i;

    for (i = 0; i < len; i++) {
	out[2 * i] = hex[in[i] >> 4];
	out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * len] = 0;
}

/* ------------------------------------------------------------- connection */

struct conn {
    int     fd;
    SSL_CTX *ctx;
    SSL    *ssl;
    unsigned char in[8192];
    size_t  in_len;
    size_t  in_pos;
    const char *tls_version;
    const char *tls_cipher;
};

static const char *tls_max = "1.2";
static const char *server_name;

static void conn_connect(struct conn *c, const char *host, const char *port,
			         const char *bind_addr, int timeout)
{
    struct addrinfo hints, *res, *ai;
    struct timeval tv;
    int     err, last = 0;

    memset(c, 0, sizeof(*c));
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if ((err = getaddrinfo(host, port, &hints, &res)) != 0)
	die_code("U100", "%s: %s", host, gai_strerror(err));
    c->fd = -1;
    for (ai = res; ai && c->fd < 0; ai = ai->ai_next) {
	int     fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);

	if (fd < 0) {
	    last = errno;
	    continue;
	}
	tv.tv_sec = timeout;
	tv.tv_usec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (bind_addr) {
	    struct addrinfo *ba;

	    hints.ai_family = ai->ai_family;
	    if (getaddrinfo(bind_addr, 0, &hints, &ba) != 0)
		die_code("U100", "cannot use source address %s", bind_addr);
	    if (bind(fd, ba->ai_addr, ba->ai_addrlen) < 0)
		die_code("U100", "bind %s: %s", bind_addr, strerror(errno));
	    freeaddrinfo(ba);
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
	    c->fd = fd;
	    break;
	}
	last = errno;
	close(fd);
    }
    freeaddrinfo(res);
    if (c->fd < 0)
	die_code(last == EAGAIN || last == ETIMEDOUT ? "U101" : "U100",
		 "%s port %s: %s", host, port, strerror(last));
}

static const char *ssl_error_detail(void)
{
    static char detail[512];
    unsigned long e = ERR_get_error();

    if (e == 0)
	return ("no detail from OpenSSL: the server closed the connection");
    ERR_error_string_n(e, detail, sizeof(detail));
    ERR_clear_error();
    return (detail);
}

static void conn_tls(struct conn *c)
{
    int     maxv, ret;

    if (strcmp(tls_max, "1.0") == 0)
	maxv = TLS1_VERSION;
    else if (strcmp(tls_max, "1.2") == 0)
	maxv = TLS1_2_VERSION;
    else
	maxv = TLS1_3_VERSION;
    if ((c->ctx = SSL_CTX_new(TLS_client_method())) == 0)
	die_code("U900", "SSL_CTX_new: %s", ssl_error_detail());
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, 0);
    if (maxv == TLS1_VERSION) {
	/* An old device: TLS 1.0 only, whatever the cipher strength. */
	SSL_CTX_set_security_level(c->ctx, 0);
	if (SSL_CTX_set_cipher_list(c->ctx, "DEFAULT@SECLEVEL=0") != 1)
	    die_code("U900", "cipher list: %s", ssl_error_detail());
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_VERSION);
    }
    SSL_CTX_set_max_proto_version(c->ctx, maxv);
    if ((c->ssl = SSL_new(c->ctx)) == 0 || SSL_set_fd(c->ssl, c->fd) != 1)
	die_code("U900", "SSL_new: %s", ssl_error_detail());
    SSL_set_tlsext_host_name(c->ssl, server_name);
    if ((ret = SSL_connect(c->ssl)) != 1) {
	int     e = SSL_get_error(c->ssl, ret);

	if (e == SSL_ERROR_SYSCALL && errno == EAGAIN)
	    die_code("U101", "during the TLS handshake");
	die_code("U149", "offered TLS up to %s: %s", tls_max, ssl_error_detail());
    }
    c->tls_version = SSL_get_version(c->ssl);
    c->tls_cipher = SSL_get_cipher_name(c->ssl);
    if (verbose)
	fprintf(stderr, "*** TLS established: %s, %s\n", c->tls_version, c->tls_cipher);
}

static void conn_write(struct conn *c, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
	ssize_t n;

	if (c->ssl) {
	    int     r = SSL_write(c->ssl, p, (int) (len > 16384 ? 16384 : len));

	    if (r <= 0)
		die_code("U102", "while sending: %s", ssl_error_detail());
	    n = r;
	} else if ((n = write(c->fd, p, len)) < 0) {
	    if (errno == EINTR)
		continue;
	    die_code(errno == EAGAIN ? "U101" : "U102", "while sending: %s", strerror(errno));
	}
	p += n;
	len -= (size_t) n;
    }
}

 /*
  * conn_getc - one byte, or -1 at end of stream.
  */
static int conn_getc(struct conn *c)
{
    if (c->in_pos == c->in_len) {
	ssize_t n;

	if (c->ssl) {
	    int     r = SSL_read(c->ssl, c->in, sizeof(c->in));

	    if (r <= 0) {
		int     e = SSL_get_error(c->ssl, r);

		if (e == SSL_ERROR_SYSCALL && errno == EAGAIN)
		    die_code("U101", "waiting for a reply");
		return (-1);
	    }
	    n = r;
	} else {
	    do {
		n = read(c->fd, c->in, sizeof(c->in));
	    } while (n < 0 && errno == EINTR);
	    if (n < 0 && errno == EAGAIN)
		die_code("U101", "waiting for a reply");
	    if (n <= 0)
		return (-1);
	}
	c->in_len = (size_t) n;
	c->in_pos = 0;
    }
    return (c->in[c->in_pos++]);
}

 /*
  * A reply: its code and each line's text (after "ddd-" / "ddd "),
  * joined with '\n'.
  */
struct reply {
    int     code;
    char    text[REPLY_MAX];
    char    last[LINE_MAX_LEN + 1];	/* last line, for messages */
};

static int quiet_auth_lines;			/* --verbose: hide auth payloads */

static void read_reply(struct conn *c, struct reply *r, const char *during)
{
    char    line[LINE_MAX_LEN + 1];
    size_t  tlen = 0;
    int     ch;

    r->text[0] = 0;
    for (;;) {
	size_t  n = 0;

	while ((ch = conn_getc(c)) >= 0 && ch != '\n') {
	    if (n < LINE_MAX_LEN)
		line[n++] = (char) ch;
	}
	if (ch < 0)
	    die_code("U102", "%s", during);
	if (n > 0 && line[n - 1] == '\r')
	    n--;
	line[n] = 0;
	if (verbose)
	    fprintf(stderr, "<- %s\n", quiet_auth_lines && strncmp(line, "334 ", 4) == 0
		    ? "334 [auth data]" : line);
	if (n < 3 || line[0] < '1' || line[0] > '5' || line[1] < '0' || line[1] > '9'
	    || line[2] < '0' || line[2] > '9' || (n > 3 && line[3] != ' ' && line[3] != '-'))
	    die_code("U102", "%s: not an SMTP reply", during);
	r->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	snprintf(r->last, sizeof(r->last), "%s", line);
	if (n > 4 && tlen + (n - 4) + 2 < sizeof(r->text)) {
	    if (tlen)
		r->text[tlen++] = '\n';
	    memcpy(r->text + tlen, line + 4, n - 4);
	    tlen += n - 4;
	    r->text[tlen] = 0;
	}
	if (n == 3 || line[3] == ' ')
	    return;
    }
}

static void send_line(struct conn *c, const char *line, int secret)
{
    if (verbose)
	fprintf(stderr, "-> %s\n", secret ? "[auth data]" : line);
    conn_write(c, line, strlen(line));
    conn_write(c, "\r\n", 2);
}

static void command(struct conn *c, struct reply *r, const char *during, const char *fmt, ...)
{
    char    line[LINE_MAX_LEN + 1];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    send_line(c, line, 0);
    read_reply(c, r, during);
}

/* ------------------------------------------------------------ capabilities */

struct caps {
    int     starttls;
    int     auth;
    char    mechs[1024];			/* space separated, upper case */
};

static void parse_caps(const char *text, struct caps *caps)
{
    const char *p = text;

    memset(caps, 0, sizeof(*caps));
    while (*p) {
	size_t  n = strcspn(p, "\n");

	if (n == 8 && strncasecmp(p, "STARTTLS", 8) == 0)
	    caps->starttls = 1;
	else if (n > 5 && (strncasecmp(p, "AUTH ", 5) == 0 || strncasecmp(p, "AUTH=", 5) == 0)) {
	    size_t  l = strlen(caps->mechs), i;

	    caps->auth = 1;
	    for (i = 4; i < n && l + 2 < sizeof(caps->mechs); i++)
		caps->mechs[l++] = (p[i] == '=') ? ' ' : (char) (p[i] >= 'a' && p[i] <= 'z'
								? p[i] - 32 : p[i]);
	    caps->mechs[l++] = ' ';
	    caps->mechs[l] = 0;
	}
	p += n;
	if (*p == '\n')
	    p++;
    }
}

static int has_mech(const struct caps *caps, const char *mech)
{
    const char *p = caps->mechs;
    size_t  n = strlen(mech);

    while ((p = strstr(p, mech)) != 0) {
	if ((p == caps->mechs || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
	    return (1);
	p += n;
    }
    return (0);
}

/* ------------------------------------------------------------------- auth */

struct account {
    const char *user;
    struct buf password;
    const char *realm;
    const char *final_reply;
    const char *trace_file;
};

static void auth_fail(const struct reply *r, const char *mech)
{
    if (r->code == 535)
	die_code("U210", "%s: %s", mech, r->last);
    if (r->code == 538 || r->code == 530)
	die_code("U213", "%s: %s", mech, r->last);
    die_code("U212", "%s: %s", mech, r->last);
}

static void send_b64(struct conn *c, const unsigned char *data, size_t len)
{
    char   *b = b64_encode(data, len);

    send_line(c, b, 1);
    OPENSSL_cleanse(b, strlen(b));
    free(b);
}

static long get_challenge(const struct reply *r, const char *mech, unsigned char **out)
{
    long    n;

    if (r->code != 334)
	auth_fail(r, mech);
    if ((n = b64_decode(r->text, out)) < 0)
	die_code("U211", "%s: challenge is not base64", mech);
    return (n);
}

static void auth_plain(struct conn *c, struct account *a)
{
    struct buf msg = {0};
    struct reply r;

    buf_byte(&msg, 0);
    buf_str(&msg, a->user);
    buf_byte(&msg, 0);
    buf_add(&msg, a->password.data, a->password.len);
    {
	char   *b = b64_encode(msg.data, msg.len);
	struct buf line = {0};

	buf_str(&line, "AUTH PLAIN ");
	buf_str(&line, b);
	send_line(c, (char *) line.data, 1);
	OPENSSL_cleanse(b, strlen(b));
	free(b);
	buf_free_secret(&line);
    }
    buf_free_secret(&msg);
    read_reply(c, &r, "after AUTH PLAIN");
    if (r.code != 235)
	auth_fail(&r, "PLAIN");
}

static void auth_login(struct conn *c, struct account *a)
{
    struct reply r;
    unsigned char *chal;

    command(c, &r, "after AUTH LOGIN", "AUTH LOGIN");
    get_challenge(&r, "LOGIN", &chal);
    free(chal);
    send_b64(c, (const unsigned char *) a->user, strlen(a->user));
    read_reply(c, &r, "after the LOGIN user name");
    get_challenge(&r, "LOGIN", &chal);
    free(chal);
    send_b64(c, a->password.data, a->password.len);
    read_reply(c, &r, "after the LOGIN password");
    if (r.code != 235)
	auth_fail(&r, "LOGIN");
}

static void auth_cram(struct conn *c, struct account *a)
{
    struct reply r;
    unsigned char *chal, mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char    hex[2 * EVP_MAX_MD_SIZE + 1];
    struct buf resp = {0};
    long    n;

    command(c, &r, "after AUTH CRAM-MD5", "AUTH CRAM-MD5");
    n = get_challenge(&r, "CRAM-MD5", &chal);
    if (n == 0 || memchr(chal, 0, (size_t) n))
	die_code("U211", "CRAM-MD5: empty challenge or NUL byte in it");
    if (HMAC(EVP_md5(), a->password.data, (int) a->password.len, chal, (size_t) n,
	     mac, &maclen) == 0)
	die_code("U900", "HMAC-MD5 failed");
    free(chal);
    hex_lower(mac, maclen, hex);
    buf_str(&resp, a->user);
    buf_byte(&resp, ' ');
    buf_str(&resp, hex);
    send_b64(c, resp.data, resp.len);
    OPENSSL_cleanse(mac, sizeof(mac));
    OPENSSL_cleanse(hex, sizeof(hex));
    buf_free_secret(&resp);
    read_reply(c, &r, "after the CRAM-MD5 response");
    if (r.code != 235)
	auth_fail(&r, "CRAM-MD5");
}

 /*
  * A tolerant DIGEST-MD5 challenge parser, as firmware has: name=value
  * pairs separated by commas, values tokens or quoted strings with
  * backslash escapes. Only what the client needs is kept.
  */
struct dchal {
    char   *realms[8];
    int     nrealms;
    char   *nonce;
    int     qop_auth;
    int     utf8;
    int     md5_sess;
};

static int dchal_parse(const char *in, size_t len, struct dchal *d)
{
    const char *p = in, *end = in + len;

    memset(d, 0, sizeof(*d));
    while (p < end) {
	char    name[64], *val;
	size_t  n = 0, vn = 0;

	while (p < end && (*p == ',' || *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
	    p++;
	if (p >= end)
	    break;
	while (p < end && *p != '=' && *p != ',' && n + 1 < sizeof(name))
	    name[n++] = *p++;
	name[n] = 0;
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
	    name[--n] = 0;
	if (p >= end || *p != '=')
	    return (-1);
	p++;
	while (p < end && (*p == ' ' || *p == '\t'))
	    p++;
	val = xmalloc(len + 1);
	if (p < end && *p == '"') {
	    p++;
	    while (p < end && *p != '"') {
		if (*p == '\\' && p + 1 < end)
		    p++;
		val[vn++] = *p++;
	    }
	    if (p >= end) {
		free(val);
		return (-1);
	    }
	    p++;
	} else {
	    while (p < end && *p != ',' && *p != ' ' && *p != '\t')
		val[vn++] = *p++;
	}
	val[vn] = 0;
	if (strcasecmp(name, "realm") == 0 && d->nrealms < 8) {
	    d->realms[d->nrealms++] = val;
	    continue;
	}
	if (strcasecmp(name, "nonce") == 0 && d->nonce == 0) {
	    d->nonce = val;
	    continue;
	}
	if (strcasecmp(name, "qop") == 0) {
	    char   *t, *save = 0;

	    for (t = strtok_r(val, ", \t", &save); t; t = strtok_r(0, ", \t", &save))
		if (strcasecmp(t, "auth") == 0)
		    d->qop_auth = 1;
	} else if (strcasecmp(name, "charset") == 0) {
	    d->utf8 = strcasecmp(val, "utf-8") == 0;
	} else if (strcasecmp(name, "algorithm") == 0) {
	    d->md5_sess = strcasecmp(val, "md5-sess") == 0;
	}
	free(val);
    }
    return (d->nonce && d->md5_sess ? 0 : -1);
}

 /*
  * RFC 2831 2.1.2.1: with charset=utf-8, a string whose characters all
  * exist in ISO-8859-1 is hashed in that charset, else as UTF-8.
  */
static void md5_text(EVP_MD_CTX *md, const unsigned char *s, size_t len, int utf8)
{
    unsigned char *l1;
    size_t  i, n = 0;

    if (!utf8) {
	EVP_DigestUpdate(md, s, len);
	return;
    }
    l1 = xmalloc(len + 1);
    for (i = 0; i < len; i++) {
	if (s[i] < 0x80) {
	    l1[n++] = s[i];
	} else if ((s[i] == 0xC2 || s[i] == 0xC3) && i + 1 < len
		   && (s[i + 1] & 0xC0) == 0x80) {
	    l1[n++] = (unsigned char) (((s[i] & 0x03) << 6) | (s[i + 1] & 0x3F));
	    i++;
	} else {
	    n = (size_t) -1;
	    break;
	}
    }
    if (n == (size_t) -1)
	EVP_DigestUpdate(md, s, len);
    else
	EVP_DigestUpdate(md, l1, n);
    OPENSSL_cleanse(l1, len + 1);
    free(l1);
}

static void md5_hex(const void *data, size_t len, char out[33])
{
    unsigned char d[16];
    unsigned int dl;

    EVP_Digest(data, len, d, &dl, EVP_md5(), 0);
    hex_lower(d, 16, out);
}

 /*
  * digest_value - hex response value for A2 = prefix ":" uri.
  */
static void digest_value(const struct account *a, const char *realm, int utf8,
			         const char *nonce, const char *cnonce, const char *nc,
			         const char *a2_prefix, const char *uri, char out[33])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char inner[16];
    unsigned int il;
    struct buf a1 = {0}, a2 = {0}, kd = {0};
    char    ha1[33], ha2[33];

    if (md == 0)
	die_code("U900", "out of memory");
    EVP_DigestInit_ex(md, EVP_md5(), 0);
    md5_text(md, (const unsigned char *) a->user, strlen(a->user), utf8);
    EVP_DigestUpdate(md, ":", 1);
    md5_text(md, (const unsigned char *) realm, strlen(realm), utf8);
    EVP_DigestUpdate(md, ":", 1);
    md5_text(md, a->password.data, a->password.len, utf8);
    EVP_DigestFinal_ex(md, inner, &il);
    EVP_MD_CTX_free(md);
    /* A1: the 16 binary bytes, not their hex form. */
    buf_add(&a1, inner, 16);
    buf_fmt(&a1, ":%s:%s", nonce, cnonce);
    md5_hex(a1.data, a1.len, ha1);
    buf_fmt(&a2, "%s:%s", a2_prefix, uri);
    md5_hex(a2.data, a2.len, ha2);
    buf_fmt(&kd, "%s:%s:%s:%s:auth:%s", ha1, nonce, nc, cnonce, ha2);
    md5_hex(kd.data, kd.len, out);
    OPENSSL_cleanse(inner, sizeof(inner));
    OPENSSL_cleanse(ha1, sizeof(ha1));
    buf_free_secret(&a1);
    buf_free_secret(&a2);
    buf_free_secret(&kd);
}

static void quote_into(struct buf *b, const char *s)
{
    buf_byte(b, '"');
    for (; *s; s++) {
	if (*s == '"' || *s == '\\')
	    buf_byte(b, '\\');
	buf_byte(b, (unsigned char) *s);
    }
    buf_byte(b, '"');
}

static void digest_response(struct buf *b, const struct account *a, const char *realm,
			            const struct dchal *d, const char *cnonce,
			            const char *uri, const char *value)
{
    buf_str(b, "username=");
    quote_into(b, a->user);
    if (*realm) {
	buf_str(b, ",realm=");
	quote_into(b, realm);
    }
    buf_str(b, ",nonce=");
    quote_into(b, d->nonce);
    buf_str(b, ",cnonce=");
    quote_into(b, cnonce);
    buf_str(b, ",nc=00000001,qop=auth,digest-uri=");
    quote_into(b, uri);
    buf_fmt(b, ",response=%s", value);
    if (d->utf8)
	buf_str(b, ",charset=utf-8");
}

static void auth_digest(struct conn *c, struct account *a)
{
    struct reply r;
    struct dchal d;
    unsigned char *chal, rnd[16];
    char    cnonce[33], value[33], uri[600], *rspauth = 0;
    const char *realm;
    struct buf resp = {0};
    long    n;
    int     i;

    command(c, &r, "after AUTH DIGEST-MD5", "AUTH DIGEST-MD5");
    n = get_challenge(&r, "DIGEST-MD5", &chal);
    if (n > DIGEST_CHAL_MAX)
	die_code("U211", "DIGEST-MD5: challenge of %ld bytes, more than %d", n,
		 DIGEST_CHAL_MAX);
    if (memchr(chal, 0, (size_t) n) || dchal_parse((char *) chal, (size_t) n, &d) < 0)
	die_code("U211", "DIGEST-MD5: cannot parse the challenge");
    free(chal);
    if (!d.qop_auth)
	die_code("U211", "DIGEST-MD5: the server does not offer qop=auth");
    realm = a->realm ? a->realm : d.nrealms ? d.realms[0] : "";
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
	die_code("U900", "no random bytes");
    hex_lower(rnd, sizeof(rnd), cnonce);
    snprintf(uri, sizeof(uri), "smtp/%s", server_name);
    digest_value(a, realm, d.utf8, d.nonce, cnonce, "00000001", "AUTHENTICATE", uri, value);
    digest_response(&resp, a, realm, &d, cnonce, uri, value);
    send_b64(c, resp.data, resp.len);
    buf_free_secret(&resp);
    OPENSSL_cleanse(value, sizeof(value));
    read_reply(c, &r, "after the DIGEST-MD5 response");
    if (r.code == 334) {
	/* rspauth: recorded, not checked, as such devices do. */
	if (b64_decode(r.text, &chal) < 0)
	    die_code("U211", "DIGEST-MD5: rspauth is not base64");
	if (strncasecmp((char *) chal, "rspauth=", 8) == 0)
	    rspauth = xstrdup((char *) chal + 8);
	free(chal);
	if (a->final_reply && strcmp(a->final_reply, "echo") == 0) {
	    digest_response(&resp, a, realm, &d, cnonce, uri, rspauth ? rspauth : "");
	    send_b64(c, resp.data, resp.len);
	    buf_free_secret(&resp);
	} else {
	    send_line(c, "", 1);
	}
	read_reply(c, &r, "after the DIGEST-MD5 final reply");
    }
    if (a->trace_file) {
	FILE   *fp = fopen(a->trace_file, "w");

	if (fp == 0)
	    die_code("U900", "%s: %s", a->trace_file, strerror(errno));
	fprintf(fp, "username=%s\nrealm=%s\nnonce=%s\ncnonce=%s\nnc=00000001\nqop=auth\n"
		"digest-uri=%s\ncharset=%s\nrspauth=%s\nfinal-reply=%s\nresult=%d\n",
		a->user, realm, d.nonce, cnonce, uri, d.utf8 ? "utf-8" : "",
		rspauth ? rspauth : "", a->final_reply ? a->final_reply : "empty", r.code);
	fclose(fp);
    }
    for (i = 0; i < d.nrealms; i++)
	free(d.realms[i]);
    free(d.nonce);
    free(rspauth);
    if (r.code != 235)
	auth_fail(&r, "DIGEST-MD5");
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
    hex_lower(rnd, sizeof(rnd), id);
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
    b64 = b64_encode(jpeg->data, jpeg->len);
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
static void send_data(struct conn *c, const struct buf *m)
{
    struct buf s = {0};
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
    conn_write(c, s.data, s.len);
    free(s.data);
}

/* ------------------------------------------------------------------- main */

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

int     main(int argc, char **argv)
{
    const char *server = 0, *port = 0, *bind_addr = 0, *security = "none";
    const char *mech = "auto", *pwfile = 0, *from = "doorphone@home.test";
    const char *to = "owner@example.test", *subject = "Door bell", *helo = "doorphone.home.test";
    const char *snapshot_out = 0, *attach = 0;
    struct account acct = {0};
    struct conn c;
    struct reply r;
    struct caps caps;
    struct buf jpeg = {0}, msg = {0};
    int     timeout = 20, i;
    const char *used = "none";

    acct.user = "doorphone";
    acct.final_reply = "empty";
    for (i = 1; i < argc; i++) {
	const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : 0;

#define OPT(name) (strcmp(o, name) == 0 && (v || (usage("missing value for " name), 0)) && ++i)
	if (strcmp(o, "--codes") == 0) {
	    const struct ucode *u;

	    for (u = codes; u->code; u++)
		printf("%s  %s\n", u->code, u->text);
	    return (0);
	} else if (strcmp(o, "--verbose") == 0) {
	    verbose = 1;
	} else if (OPT("--server")) {
	    server = v;
	} else if (OPT("--port")) {
	    port = v;
	} else if (OPT("--server-name")) {
	    server_name = v;
	} else if (OPT("--bind")) {
	    bind_addr = v;
	} else if (OPT("--security")) {
	    security = v;
	} else if (OPT("--tls-max")) {
	    tls_max = v;
	} else if (OPT("--mech")) {
	    mech = v;
	} else if (OPT("--user")) {
	    acct.user = v;
	} else if (OPT("--password-file")) {
	    pwfile = v;
	} else if (OPT("--realm")) {
	    acct.realm = v;
	} else if (OPT("--final-reply")) {
	    acct.final_reply = v;
	} else if (OPT("--from")) {
	    from = v;
	} else if (OPT("--to")) {
	    to = v;
	} else if (OPT("--subject")) {
	    subject = v;
	} else if (OPT("--helo")) {
	    helo = v;
	} else if (OPT("--snapshot-out")) {
	    snapshot_out = v;
	} else if (OPT("--attach")) {
	    attach = v;
	} else if (OPT("--digest-trace")) {
	    acct.trace_file = v;
	} else if (OPT("--timeout")) {
	    timeout = atoi(v);
	} else if (strcmp(o, "--password") == 0) {
	    usage("--password is not accepted: use --password-file or DOORPHONE_PASSWORD");
	} else {
	    usage("unknown option");
	}
    }
    if (server == 0)
	usage("--server is required");
    if (strcmp(security, "none") && strcmp(security, "starttls") && strcmp(security, "smtps"))
	usage("--security must be none, starttls or smtps");
    if (strcmp(tls_max, "1.0") && strcmp(tls_max, "1.2") && strcmp(tls_max, "1.3"))
	usage("--tls-max must be 1.0, 1.2 or 1.3");
    if (strcmp(acct.final_reply, "empty") && strcmp(acct.final_reply, "echo"))
	usage("--final-reply must be empty or echo");
    if (strcasecmp(mech, "auto") && strcasecmp(mech, "CRAM-MD5") && strcasecmp(mech, "DIGEST-MD5")
	&& strcasecmp(mech, "LOGIN") && strcasecmp(mech, "PLAIN") && strcasecmp(mech, "none"))
	usage("--mech must be auto, CRAM-MD5, DIGEST-MD5, LOGIN, PLAIN or none");
    if (timeout <= 0)
	usage("--timeout must be positive");
    if (port == 0)
	port = strcmp(security, "smtps") == 0 ? "465" : "25";
    if (server_name == 0)
	server_name = server;
    if (strcasecmp(mech, "none") != 0)
	read_password(&acct.password, pwfile);

    if (attach)
	read_file(attach, &jpeg);
    else
	make_snapshot(&jpeg, (unsigned) time(0) ^ (unsigned) getpid());
    if (snapshot_out)
	write_file(snapshot_out, &jpeg);
    build_message(&msg, from, to, subject, helo, &jpeg);

    conn_connect(&c, server, port, bind_addr, timeout);
    if (strcmp(security, "smtps") == 0)
	conn_tls(&c);
    read_reply(&c, &r, "waiting for the greeting");
    if (r.code != 220)
	die_code("U110", "%s", r.last);
    command(&c, &r, "after EHLO", "EHLO %s", helo);
    if (r.code != 250)
	die_code("U120", "%s", r.last);
    parse_caps(r.text, &caps);
    if (strcmp(security, "starttls") == 0) {
	if (!caps.starttls)
	    die_code("U140", 0);
	command(&c, &r, "after STARTTLS", "STARTTLS");
	if (r.code != 220)
	    die_code("U141", "%s", r.last);
	conn_tls(&c);
	command(&c, &r, "after EHLO", "EHLO %s", helo);
	if (r.code != 250)
	    die_code("U120", "%s", r.last);
	parse_caps(r.text, &caps);
    }

    if (strcasecmp(mech, "none") != 0) {
	static const char *pref[] = {"CRAM-MD5", "DIGEST-MD5", "LOGIN", "PLAIN", 0};
	const char **p;

	if (!caps.auth)
	    die_code("U200", 0);
	used = 0;
	if (strcasecmp(mech, "auto") == 0) {
	    for (p = pref; *p && used == 0; p++)
		if (has_mech(&caps, *p))
		    used = *p;
	} else {
	    for (p = pref; *p; p++)
		if (strcasecmp(mech, *p) == 0 && has_mech(&caps, *p))
		    used = *p;
	}
	if (used == 0)
	    die_code("U201", "server offers:%s%s; device configured for %s",
		     *caps.mechs ? " " : " nothing", caps.mechs, mech);
	quiet_auth_lines = 1;
	if (strcmp(used, "CRAM-MD5") == 0)
	    auth_cram(&c, &acct);
	else if (strcmp(used, "DIGEST-MD5") == 0)
	    auth_digest(&c, &acct);
	else if (strcmp(used, "LOGIN") == 0)
	    auth_login(&c, &acct);
	else
	    auth_plain(&c, &acct);
	quiet_auth_lines = 0;
	buf_free_secret(&acct.password);
    }

    command(&c, &r, "after MAIL FROM", "MAIL FROM:<%s>", from);
    if (r.code != 250)
	die_code("U300", "%s", r.last);
    command(&c, &r, "after RCPT TO", "RCPT TO:<%s>", to);
    if (r.code != 250 && r.code != 251)
	die_code("U301", "%s", r.last);
    command(&c, &r, "after DATA", "DATA");
    if (r.code != 354)
	die_code("U302", "%s", r.last);
    send_data(&c, &msg);
    read_reply(&c, &r, "after the message");
    if (r.code != 250)
	die_code("U303", "%s", r.last);
    printf("%s: sent: %s; security=%s tls=%s mech=%s attachment=%zu bytes\n", prog,
	   r.last, security, c.tls_version ? c.tls_version : "none", used, jpeg.len);
    send_line(&c, "QUIT", 0);
    if (c.ssl) {
	SSL_shutdown(c.ssl);
	SSL_free(c.ssl);
	SSL_CTX_free(c.ctx);
    }
    close(c.fd);
    free(jpeg.data);
    free(msg.data);
    return (0);
}
