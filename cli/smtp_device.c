/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	smtp_device 3
/* SUMMARY
/*	the SMTP client of a small device: connection, TLS, session
/* SYNOPSIS
/*	#include "cli/smtp_device.h"
/*
/*	int	smtp_connect(c, host, port, bind_addr, timeout_ms, trace, err)
/*
/*	int	smtp_tls_start(c, tls, err)
/*
/*	int	smtp_write(c, data, len, err)
/*
/*	int	smtp_send_line(c, line, secret, err)
/*
/*	int	smtp_read_reply(c, r, during, err)
/*
/*	int	smtp_command(c, r, during, err, fmt, ...)
/*
/*	void	smtp_quit(c)
/*
/*	void	smtp_close(c)
/*
/*	int	smtp_session_open(s, o, err)
/* DESCRIPTION
/*	The socket is non-blocking; every connect, reply, write and TLS
/*	handshake waits in poll() for at most timeout_ms. A reply as a
/*	whole must arrive within that time, so a server that sends one byte
/*	at a time cannot hold the client longer; its size is bounded by
/*	smtp_reply_line().
/*
/*	smtp_tls_start() creates an SSL_CTX for this connection alone. When
/*	the device's range reaches below TLS 1.2, that SSL_CTX's security
/*	level is lowered to 0 (OpenSSL refuses TLS 1.0 and 1.1 above it);
/*	nothing else in the process changes. The server certificate is
/*	verified only when asked (struct smtp_tls's verify): then with
/*	SSL_VERIFY_PEER against ca_file or OpenSSL's default CA paths, and
/*	its name against verify_host (SSL_set1_host(), or the IP address
/*	for an address literal); a failure names the verification error. A refused handshake is
/*	SMTP_FAIL_TLS with OpenSSL's reason (the server's alert, or the
/*	local refusal) in tls_reason.
/*
/*	With a trace stream the dialogue is written to it, "-> " for what
/*	is sent and "<- " for what is read; secret lines are "[auth data]",
/*	and while hide_auth is set so are the server's 334 lines.
/*
/*	smtp_session_open() runs a session up to the point of AUTH.
/*--*/
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "smtp_device.h"

static int fail(struct smtp_error *err, enum smtp_fail kind, const char *fmt,...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct smtp_error *err, enum smtp_fail kind, const char *fmt,...)
{
    va_list ap;

    err->kind = kind;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    return (-1);
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

 /*
  * wait_fd - poll for events until the deadline: 1 ready, 0 timed out,
  * -1 error.
  */
static int wait_fd(int fd, short events, long long deadline)
{
    struct pollfd pfd;
    long long left;
    int     n;

    for (;;) {
	if ((left = deadline - now_ms()) <= 0)
	    return (0);
	pfd.fd = fd;
	pfd.events = events;
	pfd.revents = 0;
	n = poll(&pfd, 1, left > 60000 ? 60000 : (int) left);
	if (n > 0)
	    return (1);
	if (n < 0 && errno != EINTR)
	    return (-1);
    }
}

/* ------------------------------------------------------------- connecting */

static int bind_source(int fd, int family, const char *bind_addr, struct smtp_error *err)
{
    struct addrinfo hints, *ba;
    int     ret;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    if ((ret = getaddrinfo(bind_addr, 0, &hints, &ba)) != 0)
	return (fail(err, SMTP_FAIL_CONNECT, "cannot use source address %s: %s",
		     bind_addr, gai_strerror(ret)));
    ret = bind(fd, ba->ai_addr, ba->ai_addrlen);
    freeaddrinfo(ba);
    if (ret < 0)
	return (fail(err, SMTP_FAIL_CONNECT, "bind %s: %s", bind_addr, strerror(errno)));
    return (0);
}

 /*
  * connect_one - one address, non-blocking, within the deadline. Returns
  * the socket, or -1 with errno set (ETIMEDOUT when the time ran out).
  */
static int connect_one(const struct addrinfo *ai, const char *bind_addr,
		               long long deadline, struct smtp_error *err)
{
    int     fd, soerr = 0, ready;
    socklen_t len = sizeof(soerr);

    if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) < 0)
	return (-1);
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0
	|| (bind_addr && bind_source(fd, ai->ai_family, bind_addr, err) < 0)) {
	close(fd);
	return (-2);
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
	return (fd);
    if (errno == EINPROGRESS) {
	if ((ready = wait_fd(fd, POLLOUT, deadline)) == 0)
	    soerr = ETIMEDOUT;
	else if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
	    soerr = errno;
	if (soerr == 0)
	    return (fd);
	errno = soerr;
    }
    soerr = errno;
    close(fd);
    errno = soerr;
    return (-1);
}

int     smtp_connect(struct smtp_conn *c, const char *host, const char *port,
		             const char *bind_addr, int timeout_ms, FILE *trace,
		             struct smtp_error *err)
{
    struct addrinfo hints, *res, *ai;
    int     ret, last = ECONNREFUSED;

    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->timeout_ms = timeout_ms;
    c->trace = trace;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if ((ret = getaddrinfo(host, port, &hints, &res)) != 0)
	return (fail(err, SMTP_FAIL_CONNECT, "%s: %s", host, gai_strerror(ret)));
    c->deadline = now_ms() + timeout_ms;
    for (ai = res; ai && c->fd < 0; ai = ai->ai_next) {
	if ((ret = connect_one(ai, bind_addr, c->deadline, err)) == -2) {
	    freeaddrinfo(res);
	    return (-1);
	}
	if (ret >= 0)
	    c->fd = ret;
	else
	    last = errno;
    }
    freeaddrinfo(res);
    if (c->fd < 0)
	return (fail(err, last == ETIMEDOUT ? SMTP_FAIL_TIMEOUT : SMTP_FAIL_CONNECT,
		     "%s port %s: %s", host, port, strerror(last)));
    return (0);
}

/* -------------------------------------------------------------------- TLS */

static void tls_reason(char *out, size_t outsize)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : 0;

    snprintf(out, outsize, "%s", reason ? reason
	     : "the server closed the connection during the handshake");
    ERR_clear_error();
}

 /*
  * ip_literal - RFC 6066 section 3: SNI carries host names, never
  * addresses.
  */
static int ip_literal(const char *host)
{
    return (strchr(host, ':') != 0 || host[strspn(host, "0123456789.")] == 0);
}

 /*
  * verify_name - the name the server certificate must carry: an IP
  * address literal is matched against its IP addresses, anything else
  * as a DNS name (no partial wildcards).
  */
static int verify_name(SSL *ssl, const char *host)
{
    if (host == 0 || *host == 0)
	return (-1);
    if (ip_literal(host))
	return (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 ? 0 : -1);
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return (SSL_set1_host(ssl, host) == 1 ? 0 : -1);
}

static int tls_context(struct smtp_conn *c, const struct smtp_tls *tls,
		               struct smtp_error *err)
{
    if ((c->ctx = SSL_CTX_new(TLS_client_method())) == 0)
	return (fail(err, SMTP_FAIL_LOCAL, "cannot create an SSL_CTX"));
    SSL_CTX_set_verify(c->ctx, tls->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, 0);
    if (tls->verify && (tls->ca_file ? SSL_CTX_load_verify_locations(c->ctx, tls->ca_file,
								      0)
			: SSL_CTX_set_default_verify_paths(c->ctx)) != 1) {
	ERR_clear_error();
	return (fail(err, SMTP_FAIL_LOCAL, "cannot load the trusted certificates%s%s",
		     tls->ca_file ? " from " : " (OpenSSL's default paths)",
		     tls->ca_file ? tls->ca_file : ""));
    }
    /* TLS 1.0 and 1.1 need security level 0: this SSL_CTX only. */
    if (tls->min_version && tls->min_version < TLS1_2_VERSION)
	SSL_CTX_set_security_level(c->ctx, 0);
    if ((tls->min_version && SSL_CTX_set_min_proto_version(c->ctx, tls->min_version) != 1)
	|| (tls->max_version
	    && SSL_CTX_set_max_proto_version(c->ctx, tls->max_version) != 1))
	return (fail(err, SMTP_FAIL_LOCAL, "this OpenSSL cannot offer TLS %s to %s",
		     smtp_tls_version_name(tls->min_version),
		     smtp_tls_version_name(tls->max_version)));
    if ((c->ssl = SSL_new(c->ctx)) == 0 || SSL_set_fd(c->ssl, c->fd) != 1)
	return (fail(err, SMTP_FAIL_LOCAL, "cannot create an SSL connection"));
    if (tls->sni && *tls->sni && !ip_literal(tls->sni))
	SSL_set_tlsext_host_name(c->ssl, tls->sni);
    if (tls->verify && verify_name(c->ssl, tls->verify_host) < 0)
	return (fail(err, SMTP_FAIL_LOCAL, "cannot check the certificate's name "
		     "against %s", tls->verify_host ? tls->verify_host : "(no host)"));
    return (0);
}

 /*
  * tls_wait - after an SSL call returned ret: 1 call again, 0 done
  * with an error, -1 timed out.
  */
static int tls_wait(struct smtp_conn *c, int ret)
{
    int     e = SSL_get_error(c->ssl, ret), ready;

    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
	return (0);
    ready = wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, c->deadline);
    return (ready > 0 ? 1 : ready == 0 ? -1 : 0);
}

int     smtp_tls_start(struct smtp_conn *c, const struct smtp_tls *tls,
		               struct smtp_error *err)
{
    int     ret, again;

    ERR_clear_error();
    if (tls_context(c, tls, err) < 0)
	return (-1);
    c->deadline = now_ms() + c->timeout_ms;
    while ((ret = SSL_connect(c->ssl)) != 1) {
	if ((again = tls_wait(c, ret)) > 0)
	    continue;
	if (again < 0)
	    return (fail(err, SMTP_FAIL_TIMEOUT, "during the TLS handshake"));
	tls_reason(err->tls_reason, sizeof(err->tls_reason));
	if (tls->verify && SSL_get_verify_result(c->ssl) != X509_V_OK)
	    return (fail(err, SMTP_FAIL_TLS, "%s: %s", err->tls_reason,
			 X509_verify_cert_error_string(SSL_get_verify_result(c->ssl))));
	return (fail(err, SMTP_FAIL_TLS, "%s", err->tls_reason));
    }
    snprintf(c->tls_version, sizeof(c->tls_version), "%s", SSL_get_version(c->ssl));
    snprintf(c->tls_cipher, sizeof(c->tls_cipher), "%s", SSL_get_cipher_name(c->ssl));
    if (c->trace)
	fprintf(c->trace, "*** TLS established: %s, %s\n", c->tls_version, c->tls_cipher);
    return (0);
}

/* ------------------------------------------------------------------- I/O */

 /*
  * write_some - one write: bytes written, 0 to try again, -1 error.
  */
static ssize_t write_some(struct smtp_conn *c, const char *p, size_t len,
			          struct smtp_error *err)
{
    ssize_t n;
    int     again;

    if (c->ssl) {
	int     r = SSL_write(c->ssl, p, (int) (len > 16384 ? 16384 : len));

	if (r > 0)
	    return (r);
	if ((again = tls_wait(c, r)) > 0)
	    return (0);
	ERR_clear_error();
	return (again < 0 ? fail(err, SMTP_FAIL_TIMEOUT, "while sending")
		: fail(err, SMTP_FAIL_CLOSED, "while sending"));
    }
    if ((n = send(c->fd, p, len, MSG_NOSIGNAL)) >= 0)
	return (n);
    if (errno == EINTR)
	return (0);
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
	if ((again = wait_fd(c->fd, POLLOUT, c->deadline)) > 0)
	    return (0);
	if (again == 0)
	    return (fail(err, SMTP_FAIL_TIMEOUT, "while sending"));
    }
    return (fail(err, SMTP_FAIL_CLOSED, "while sending: %s", strerror(errno)));
}

int     smtp_write(struct smtp_conn *c, const void *data, size_t len,
		           struct smtp_error *err)
{
    const char *p = data;
    ssize_t n;

    c->deadline = now_ms() + c->timeout_ms;
    while (len > 0) {
	if ((n = write_some(c, p, len, err)) < 0)
	    return (-1);
	p += n;
	len -= (size_t) n;
    }
    return (0);
}

 /*
  * fill - more input: 1 got some, 0 end of stream, -1 timed out.
  */
static int fill(struct smtp_conn *c)
{
    ssize_t n;
    int     again;

    for (;;) {
	if (c->ssl) {
	    int     r = SSL_read(c->ssl, c->in, sizeof(c->in));

	    if (r > 0) {
		n = r;
	    } else if ((again = tls_wait(c, r)) > 0) {
		continue;
	    } else {
		ERR_clear_error();
		return (again < 0 ? -1 : 0);
	    }
	} else if ((n = read(c->fd, c->in, sizeof(c->in))) < 0) {
	    if (errno == EINTR)
		continue;
	    if (errno != EAGAIN && errno != EWOULDBLOCK)
		return (0);
	    if ((again = wait_fd(c->fd, POLLIN, c->deadline)) > 0)
		continue;
	    return (again == 0 ? -1 : 0);
	} else if (n == 0) {
	    return (0);
	}
	c->in_len = (size_t) n;
	c->in_pos = 0;
	return (1);
    }
}

 /*
  * read_line - one line without its line end. The longest line read is
  * SMTP_LINE_MAX + 1 bytes, so that the reply parser sees it is too long
  * (the rest is not read: the connection ends there).
  */
static int read_line(struct smtp_conn *c, char *line, size_t *len, const char *during,
		             struct smtp_error *err)
{
    int     got;

    *len = 0;
    for (;;) {
	if (c->in_pos == c->in_len && (got = fill(c)) <= 0)
	    return (got < 0 ? fail(err, SMTP_FAIL_TIMEOUT, "%s", during)
		    : fail(err, SMTP_FAIL_CLOSED, "%s", during));
	if (c->in[c->in_pos] == '\n') {
	    c->in_pos++;
	    if (*len > 0 && line[*len - 1] == '\r')
		(*len)--;
	    return (0);
	}
	line[(*len)++] = (char) c->in[c->in_pos++];
	if (*len > SMTP_LINE_MAX)
	    return (0);
    }
}

static void trace_line(FILE *fp, const char *dir, const char *line, size_t len)
{
    char    shown[SMTP_LINE_MAX + 1];

    smtp_printable(line, len, shown, sizeof(shown));
    fprintf(fp, "%s %s\n", dir, shown);
}

int     smtp_read_reply(struct smtp_conn *c, struct smtp_reply *r, const char *during,
			        struct smtp_error *err)
{
    char    line[SMTP_LINE_MAX + 2];
    size_t  len;
    struct mg_error perr;
    enum mg_code ret;

    smtp_reply_init(r);
    c->deadline = now_ms() + c->timeout_ms;
    do {
	if (read_line(c, line, &len, during, err) < 0)
	    return (-1);
	if (c->trace && len <= SMTP_LINE_MAX) {
	    if (c->hide_auth && len >= 4 && strncmp(line, "334 ", 4) == 0)
		fprintf(c->trace, "<- 334 [auth data]\n");
	    else
		trace_line(c->trace, "<-", line, len);
	}
	ret = smtp_reply_line(r, line, len, &perr);
	if (ret != MG_OK && ret != MG_CONTINUE)
	    return (fail(err, SMTP_FAIL_PROTOCOL, "%s: %s", during, perr.reason));
    } while (ret == MG_CONTINUE);
    return (0);
}

int     smtp_send_line(struct smtp_conn *c, const char *line, int secret,
		               struct smtp_error *err)
{
    if (c->trace) {
	if (secret)
	    fprintf(c->trace, "-> [auth data]\n");
	else
	    trace_line(c->trace, "->", line, strlen(line));
    }
    if (smtp_write(c, line, strlen(line), err) < 0 || smtp_write(c, "\r\n", 2, err) < 0)
	return (-1);
    return (0);
}

int     smtp_command(struct smtp_conn *c, struct smtp_reply *r, const char *during,
		             struct smtp_error *err, const char *fmt,...)
{
    char    line[1024];
    va_list ap;
    int     n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t) n >= sizeof(line) || strpbrk(line, "\r\n") != 0)
	return (fail(err, SMTP_FAIL_LOCAL, "command too long or with a line break"));
    if (smtp_send_line(c, line, 0, err) < 0)
	return (-1);
    return (smtp_read_reply(c, r, during, err));
}

 /*
  * smtp_quit - say goodbye, briefly: a server that does not answer QUIT
  * is not waited for long.
  */
void    smtp_quit(struct smtp_conn *c)
{
    struct smtp_reply r;
    struct smtp_error err;
    int     saved = c->timeout_ms;

    if (c->fd < 0)
	return;
    c->timeout_ms = saved < 2000 ? saved : 2000;
    if (smtp_send_line(c, "QUIT", 0, &err) == 0)
	(void) smtp_read_reply(c, &r, "after QUIT", &err);
    c->timeout_ms = saved;
}

void    smtp_close(struct smtp_conn *c)
{
    if (c->ssl) {
	if (c->fd >= 0)
	    (void) SSL_shutdown(c->ssl);
	SSL_free(c->ssl);
	c->ssl = 0;
    }
    if (c->ctx) {
	SSL_CTX_free(c->ctx);
	c->ctx = 0;
    }
    if (c->fd >= 0)
	close(c->fd);
    c->fd = -1;
    ERR_clear_error();
}

/* --------------------------------------------------------------- sessions */

static int ehlo(struct smtp_session *s, const struct smtp_session_opts *o,
		        struct smtp_caps *caps, struct smtp_error *err)
{
    struct smtp_reply r;

    if (smtp_command(&s->conn, &r, "after EHLO", err, "EHLO %s", o->helo) < 0)
	return (-1);
    if (r.code != 250)
	return (fail(err, SMTP_FAIL_EHLO, "%s", r.last));
    smtp_caps_parse(&r, caps);
    return (0);
}

static int starttls(struct smtp_session *s, const struct smtp_session_opts *o,
		            struct smtp_error *err)
{
    struct smtp_reply r;

    if (!s->caps_plain.starttls) {
	if (o->security == SMTP_SECURITY_OPPORTUNISTIC)
	    return (0);
	return (fail(err, SMTP_FAIL_NO_STARTTLS, "EHLO lists no STARTTLS"));
    }
    if (smtp_command(&s->conn, &r, "after STARTTLS", err, "STARTTLS") < 0)
	return (-1);
    if (r.code != 220)
	return (fail(err, SMTP_FAIL_STARTTLS, "%s", r.last));
    if (smtp_tls_start(&s->conn, &o->tls, err) < 0)
	return (-1);
    s->tls = 1;
    return (ehlo(s, o, &s->caps, err));
}

int     smtp_session_open(struct smtp_session *s, const struct smtp_session_opts *o,
			          struct smtp_error *err)
{
    struct smtp_reply r;

    memset(s, 0, sizeof(*s));
    err->kind = SMTP_FAIL_NONE;
    err->detail[0] = 0;
    err->tls_reason[0] = 0;
    if (smtp_connect(&s->conn, o->host, o->port, o->bind_addr, o->timeout_ms, o->trace,
		     err) < 0)
	return (-1);
    if (o->security == SMTP_SECURITY_SMTPS) {
	if (smtp_tls_start(&s->conn, &o->tls, err) < 0)
	    return (-1);
	s->tls = 1;
    }
    if (smtp_read_reply(&s->conn, &r, "waiting for the greeting", err) < 0)
	return (-1);
    if (r.code != 220)
	return (fail(err, SMTP_FAIL_GREETING, "%s", r.last));
    if (ehlo(s, o, s->tls ? &s->caps : &s->caps_plain, err) < 0)
	return (-1);
    if (!s->tls)
	s->caps = s->caps_plain;
    if (o->security == SMTP_SECURITY_STARTTLS || o->security == SMTP_SECURITY_OPPORTUNISTIC)
	return (starttls(s, o, err));
    return (0);
}
