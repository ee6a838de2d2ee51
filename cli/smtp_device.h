/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	smtp_device 3h
/* SUMMARY
/*	the SMTP client of a small device: replies, TLS, AUTH
/* SYNOPSIS
/*	#include "cli/smtp_device.h"
/* DESCRIPTION
/*	One implementation of the mail client a door intercom or a camera
/*	has: EHLO, STARTTLS or implicit TLS within a fixed range of TLS
/*	versions, SMTP AUTH with CRAM-MD5, DIGEST-MD5, LOGIN or PLAIN.
/*	md5gate probe(1) and the test harness's doorphone both use it, so
/*	that what the harness tests is what users run.
/*
/*	smtp_parse.c holds what reads peer input without a socket (the
/*	reply parser, EHLO capabilities, probe URLs, TLS refusal names):
/*	each function there is bounded and fuzzed. smtp_device.c holds the
/*	connection (poll()-bounded connect, read, write and handshake) and
/*	the AUTH exchanges, which go through md5gate's own core (cram.c,
/*	digest/).
/*
/*	Functions that can fail return 0 or -1 and fill a struct smtp_error:
/*	a kind (what a device would show as its error code) and a detail
/*	line that never holds a password, a digest or an AUTH payload. Peer
/*	text in a detail is reduced to printable ASCII.
/*--*/
#ifndef MG_SMTP_DEVICE_H
#define MG_SMTP_DEVICE_H

#include <stddef.h>
#include <stdio.h>

#include <openssl/ssl.h>

#include "mg_error.h"

 /*
  * Bounds on what a server may send. RFC 5321 caps a reply line at 512
  * bytes; a DIGEST-MD5 challenge of the RFC's 2048 bytes is 2732 in
  * base64, so a line may be 4096 bytes. A multi-line reply has at most 64
  * lines (an EHLO reply has a dozen).
  */
#define SMTP_LINE_MAX		4096
#define SMTP_REPLY_LINES_MAX	64
#define SMTP_REPLY_TEXT_MAX	16384
#define SMTP_LAST_MAX		200	/* the last line, printable, for messages */
#define SMTP_MECH_NAME_MAX	20	/* RFC 4422: SASL names are <= 20 chars */
#define SMTP_MECHS_MAX		512	/* the AUTH list we keep */
#define SMTP_DETAIL_MAX		512

 /*
  * Why something failed: one kind for each of a device's error codes.
  */
enum smtp_fail {
    SMTP_FAIL_NONE = 0,
    SMTP_FAIL_CONNECT,			/* cannot connect */
    SMTP_FAIL_TIMEOUT,			/* no answer in time */
    SMTP_FAIL_CLOSED,			/* the server closed the connection */
    SMTP_FAIL_PROTOCOL,			/* not an SMTP reply, or oversized */
    SMTP_FAIL_GREETING,			/* greeting refused */
    SMTP_FAIL_EHLO,			/* EHLO refused */
    SMTP_FAIL_NO_STARTTLS,		/* STARTTLS not offered */
    SMTP_FAIL_STARTTLS,			/* STARTTLS refused */
    SMTP_FAIL_TLS,			/* TLS handshake refused */
    SMTP_FAIL_NO_AUTH,			/* no AUTH offered */
    SMTP_FAIL_NO_MECH,			/* no usable mechanism offered */
    SMTP_FAIL_CREDENTIALS,		/* 535: account or password */
    SMTP_FAIL_CHALLENGE,		/* malformed challenge */
    SMTP_FAIL_AUTH_OTHER,		/* AUTH ended otherwise */
    SMTP_FAIL_AUTH_NEEDS_TLS,		/* 530/538: encryption required */
    SMTP_FAIL_RSPAUTH,			/* the server failed mutual auth */
    SMTP_FAIL_SENDER,			/* MAIL FROM refused */
    SMTP_FAIL_RECIPIENT,		/* RCPT TO refused */
    SMTP_FAIL_DATA,			/* DATA refused */
    SMTP_FAIL_MESSAGE,			/* message refused after its data */
    SMTP_FAIL_LOCAL,			/* our own trouble */
};

struct smtp_error {
    enum smtp_fail kind;
    char    detail[SMTP_DETAIL_MAX];
    char    tls_reason[128];		/* SMTP_FAIL_TLS: OpenSSL's reason */
};

/* ------------------------------------------------------------ smtp_parse.c */

 /*
  * A reply: its code, and each line's text (after "ddd-" or "ddd ")
  * joined with '\n'. last is the last line, printable, cut at
  * SMTP_LAST_MAX, for messages.
  */
struct smtp_reply {
    int     code;
    size_t  lines;
    size_t  text_len;
    char    text[SMTP_REPLY_TEXT_MAX + 1];
    char    last[SMTP_LAST_MAX + 1];
};

extern void smtp_reply_init(struct smtp_reply *);
extern enum mg_code smtp_reply_line(struct smtp_reply *, const char *line,
				            size_t len, struct mg_error *);
extern void smtp_printable(const char *in, size_t len, char *out, size_t outsize);

 /*
  * EHLO capabilities: STARTTLS, and the AUTH mechanisms as a
  * space-separated, upper-case, duplicate-free list of valid SASL names.
  */
struct smtp_caps {
    int     starttls;
    int     auth;
    char    mechs[SMTP_MECHS_MAX];
};

extern void smtp_caps_parse(const struct smtp_reply *, struct smtp_caps *);
extern int smtp_caps_has(const struct smtp_caps *, const char *mech);

 /*
  * md5gate probe's URL: smtp://host[:port] (25, STARTTLS when offered),
  * smtps://host[:port] (465, TLS from the first byte),
  * submission://host[:port] (587, STARTTLS when offered). host may be an
  * IPv6 address in brackets.
  */
enum smtp_scheme {
    SMTP_SCHEME_SMTP,
    SMTP_SCHEME_SMTPS,
    SMTP_SCHEME_SUBMISSION,
};

#define SMTP_HOST_MAX	255

struct smtp_url {
    enum smtp_scheme scheme;
    char    host[SMTP_HOST_MAX + 1];
    char    port[6];
};

extern enum mg_code smtp_url_parse(const char *in, size_t len, struct smtp_url *,
				           struct mg_error *);

 /*
  * TLS versions by name ("1.0" .. "1.3") and OpenSSL's number; 0 when
  * unknown.
  */
extern int smtp_tls_version(const char *name);
extern const char *smtp_tls_version_name(int version);

 /*
  * A TLS refusal as a person reads it: OpenSSL's "tlsv1 alert protocol
  * version" becomes "alert protocol_version" (the alert's RFC 8446
  * name); other reasons stay as they are.
  */
extern void smtp_tls_refusal(const char *reason, char *out, size_t outsize);

/* ----------------------------------------------------------- smtp_device.c */

struct smtp_conn {
    int     fd;
    SSL_CTX *ctx;
    SSL    *ssl;
    int     timeout_ms;			/* per reply, write and handshake */
    FILE   *trace;			/* the dialogue, or null */
    int     hide_auth;			/* trace 334 lines as [auth data] */
    unsigned char in[8192];
    size_t  in_len;
    size_t  in_pos;
    long long deadline;			/* of the current operation, ms */
    char    tls_version[32];
    char    tls_cipher[80];
};

 /*
  * TLS as the device offers it: versions min..max (OpenSSL numbers, 0 =
  * OpenSSL's default). Below TLS 1.2 the security level of this
  * connection's SSL_CTX alone is lowered to 0. Without verify the server
  * certificate is not verified, as on such devices. With verify the
  * handshake fails unless the chain leads to a trusted certificate
  * (ca_file, else OpenSSL's default CA paths) and the certificate names
  * verify_host (a DNS name, or an IP address literal).
  */
struct smtp_tls {
    int     min_version;
    int     max_version;
    const char *sni;
    int     verify;
    const char *ca_file;		/* null: OpenSSL's default paths */
    const char *verify_host;
};

extern int smtp_connect(struct smtp_conn *, const char *host, const char *port,
			        const char *bind_addr, int timeout_ms, FILE *trace,
			        struct smtp_error *);
extern int smtp_tls_start(struct smtp_conn *, const struct smtp_tls *,
			          struct smtp_error *);
extern int smtp_write(struct smtp_conn *, const void *, size_t, struct smtp_error *);
extern int smtp_send_line(struct smtp_conn *, const char *line, int secret,
			          struct smtp_error *);
extern int smtp_read_reply(struct smtp_conn *, struct smtp_reply *,
			           const char *during, struct smtp_error *);
extern int smtp_command(struct smtp_conn *, struct smtp_reply *, const char *during,
			        struct smtp_error *, const char *fmt,...)
	__attribute__((format(printf, 5, 6)));
extern void smtp_quit(struct smtp_conn *);
extern void smtp_close(struct smtp_conn *);

 /*
  * A session up to the point of AUTH: connect, TLS from the first byte
  * (SMTPS), greeting, EHLO, STARTTLS (required or when offered), EHLO.
  * caps_plain holds what the server offered before TLS (empty with
  * SMTPS), caps what it offers now.
  */
enum smtp_security {
    SMTP_SECURITY_NONE,			/* never TLS */
    SMTP_SECURITY_STARTTLS,		/* STARTTLS required */
    SMTP_SECURITY_SMTPS,		/* TLS from the first byte */
    SMTP_SECURITY_OPPORTUNISTIC,	/* STARTTLS when offered */
};

struct smtp_session_opts {
    const char *host;
    const char *port;
    const char *bind_addr;
    const char *helo;
    enum smtp_security security;
    struct smtp_tls tls;
    int     timeout_ms;
    FILE   *trace;
};

struct smtp_session {
    struct smtp_conn conn;
    struct smtp_caps caps_plain;
    struct smtp_caps caps;
    int     tls;			/* TLS is up */
};

extern int smtp_session_open(struct smtp_session *, const struct smtp_session_opts *,
			             struct smtp_error *);

 /*
  * AUTH. The password is used, never copied or kept. With
  * SMTP_RSPAUTH_CHECK a DIGEST-MD5 rspauth that is missing, malformed or
  * wrong ends the exchange with "*" and SMTP_FAIL_RSPAUTH; the two
  * others answer it unchecked, as many devices do: with an empty line,
  * or with the digest-response again carrying the rspauth as response.
  */
enum smtp_rspauth {
    SMTP_RSPAUTH_CHECK,
    SMTP_RSPAUTH_EMPTY,
    SMTP_RSPAUTH_ECHO,
};

struct smtp_account {
    const char *user;
    const unsigned char *password;
    size_t  password_len;
    const char *realm;			/* DIGEST-MD5; null: the server's first */
    const char *host;			/* DIGEST-MD5 digest-uri host */
    enum smtp_rspauth rspauth;
};

 /*
  * What a test may know of a DIGEST-MD5 exchange: its public names and
  * whether the server's rspauth verified (md5gate's core computes the
  * expected value, whatever account->rspauth says the device answers).
  * Nothing derived from the password: neither the rspauth nor the
  * response, nor the nonces that would let them be tried offline.
  */
enum smtp_trace_rspauth {
    SMTP_TRACE_RSPAUTH_NONE = 0,	/* the server sent none */
    SMTP_TRACE_RSPAUTH_VERIFIED,
    SMTP_TRACE_RSPAUTH_WRONG,
    SMTP_TRACE_RSPAUTH_MALFORMED,
};

struct smtp_digest_trace {
    int     used;
    char    username[256];
    char    realm[256];
    char    uri[300];
    int     utf8;
    enum smtp_trace_rspauth rspauth;
};

extern int smtp_auth(struct smtp_conn *, const char *mech, const struct smtp_account *,
		             struct smtp_reply *last, struct smtp_digest_trace *,
		             struct smtp_error *);
extern const char *smtp_mech_name(const char *mech);

#endif
