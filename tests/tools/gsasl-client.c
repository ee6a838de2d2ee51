/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gsasl-client: a GNU SASL (libgsasl) DIGEST-MD5 client that speaks the
 * frame protocol of tests/tools/sasl-exchange.c on an inherited socket, so that
 * sasl-exchange --client-exec runs it against a libsasl2 server.
 *
 * Usage: gsasl-client --fd N --user USER --password PASS --service NAME
 *	--host FQDN --realm REALM [--qop qop-auth|qop-int] [--messages SIZES]
 *
 * GNU SASL's DIGEST-MD5 offers auth and auth-int, not auth-conf. It sends
 * no maxbuf (so the server assumes 65536) and ignores the server's:
 * gsasl_encode() makes one frame of whatever it is given, and
 * gsasl_decode() takes exactly one whole frame. Like an application would,
 * this client therefore cuts messages into pieces that fit the server's
 * default maxbuf and hands gsasl_decode() one frame at a time.
 *
 * The message phase is that of sasl-exchange: the client's messages go
 * first, as one encoded stream, then the server's come back; message
 * bytes are generated exactly as sasl-exchange does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsasl.h>

#define FRAME_START 'A'
#define FRAME_DATA 'D'
#define FRAME_OK 'K'
#define FRAME_FAIL 'F'
#define FRAME_ABORT 'X'

/* What one auth-int frame adds to a message: length, MAC, type, seqnum. */
#define INT_OVERHEAD (4 + 10 + 2 + 4)
#define PEER_MAXBUF 65536

static int fd = -1;

static void die(const char *msg)
{
    fprintf(stderr, "gsasl-client: %s\n", msg);
    exit(2);
}

static int write_all(const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
	ssize_t n = write(fd, p, len);

	if (n < 0 && errno == EINTR)
	    continue;
	if (n <= 0)
	    return (-1);
	p += n;
	len -= (size_t) n;
    }
    return (0);
}

static int read_all(void *buf, size_t len)
{
    char   *p = buf;

    while (len > 0) {
	ssize_t n = read(fd, p, len);

	if (n < 0 && errno == EINTR)
	    continue;
	if (n <= 0)
	    return (-1);
	p += n;
	len -= (size_t) n;
    }
    return (0);
}

static void send_frame(int type, const char *data, size_t len)
{
    unsigned char hdr[5];

    hdr[0] = (unsigned char) type;
    hdr[1] = (unsigned char) (len >> 24);
    hdr[2] = (unsigned char) (len >> 16);
    hdr[3] = (unsigned char) (len >> 8);
    hdr[4] = (unsigned char) len;
    if (write_all(hdr, 5) < 0 || (len && write_all(data, len) < 0))
	die("write failed");
}

static int recv_frame(char **data, size_t *len)
{
    unsigned char hdr[5];

    if (read_all(hdr, 5) < 0)
	return (-1);
    *len = (size_t) hdr[1] << 24 | (size_t) hdr[2] << 16 | (size_t) hdr[3] << 8 | hdr[4];
    if (*len > 1 << 24)
	die("oversized frame");
    *data = malloc(*len + 1);
    if (*len && read_all(*data, *len) < 0)
	return (-1);
    (*data)[*len] = 0;
    return (hdr[0]);
}

/* Must match message_bytes() in sasl-exchange.c. */
static void message_bytes(unsigned char *buf, size_t len, int from, unsigned idx)
{
    uint32_t x = 0x9e3779b9u * (idx + 1) + (uint32_t) from * 0x85ebca6bu;
    size_t  i;

    for (i = 0; i < len; i++) {
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	buf[i] = (unsigned char) x;
    }
}

enum { SERVER_SIDE, CLIENT_SIDE };

static size_t parse_sizes(const char *cp, size_t *sizes, size_t max)
{
    size_t  n = 0;
    char   *end;

    while (cp && *cp && n < max) {
	sizes[n++] = strtoul(cp, &end, 10);
	cp = (*end == ',') ? end + 1 : end;
    }
    return (n);
}

static char *append(char *stream, size_t *total, const char *data, size_t len)
{
    stream = realloc(stream, *total + len + 1);
    memcpy(stream + *total, data, len);
    *total += len;
    return (stream);
}

static int send_messages(Gsasl_session *sess, const size_t *sizes, size_t n)
{
    char   *stream = 0, *out;
    size_t  total = 0, outlen, i, off, piece;
    size_t  max = PEER_MAXBUF - INT_OVERHEAD;
    unsigned char *msg;
    int     rc;

    for (i = 0; i < n; i++) {
	msg = malloc(sizes[i] + 1);
	message_bytes(msg, sizes[i], CLIENT_SIDE, (unsigned) i);
	off = 0;
	do {
	    piece = sizes[i] - off > max ? max : sizes[i] - off;
	    if ((rc = gsasl_encode(sess, (const char *) msg + off, piece, &out,
				   &outlen)) != GSASL_OK) {
		printf("client: encode failed: %s\n", gsasl_strerror(rc));
		send_frame(FRAME_FAIL, 0, 0);
		return (1);
	    }
	    stream = append(stream, &total, out, outlen);
	    gsasl_free(out);
	    off += piece;
	} while (off < sizes[i]);
	free(msg);
    }
    send_frame(FRAME_DATA, stream, total);
    free(stream);
    return (0);
}

static int receive_messages(Gsasl_session *sess, const size_t *sizes, size_t n)
{
    char   *in, *out, *got = 0;
    size_t  inlen, outlen, off = 0, total = 0, want_len = 0, i, flen;
    unsigned char *want;
    int     rc;

    if (recv_frame(&in, &inlen) != FRAME_DATA) {
	printf("client: received=none\n");
	return (1);
    }
    while (off < inlen) {
	if (inlen - off < 4) {
	    printf("client: stream ends inside a length prefix\n");
	    return (1);
	}
	flen = 4 + ((size_t) (unsigned char) in[off] << 24
		    | (size_t) (unsigned char) in[off + 1] << 16
		    | (size_t) (unsigned char) in[off + 2] << 8
		    | (unsigned char) in[off + 3]);
	if (flen > inlen - off) {
	    printf("client: stream ends inside a frame\n");
	    return (1);
	}
	if ((rc = gsasl_decode(sess, in + off, flen, &out, &outlen)) != GSASL_OK) {
	    printf("client: decode failed: %s\n", gsasl_strerror(rc));
	    return (1);
	}
	got = append(got, &total, out, outlen);
	gsasl_free(out);
	off += flen;
    }
    for (i = 0; i < n; i++)
	want_len += sizes[i];
    want = malloc(want_len + 1);
    for (i = 0, off = 0; i < n; off += sizes[i], i++)
	message_bytes(want + off, sizes[i], SERVER_SIDE, (unsigned) i);
    if (total != want_len || (want_len && memcmp(got, want, want_len) != 0)) {
	printf("client: received=%lu bytes, expected %lu\n", (unsigned long) total,
	       (unsigned long) want_len);
	return (1);
    }
    printf("client: received=%lu bytes=%lu intact\n", (unsigned long) n,
	   (unsigned long) total);
    free(want);
    free(got);
    free(in);
    return (0);
}

int     main(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"fd", 1, 0, 'f'}, {"user", 1, 0, 'u'}, {"password", 1, 0, 'p'},
	{"service", 1, 0, 's'}, {"host", 1, 0, 'h'}, {"realm", 1, 0, 'r'},
	{"qop", 1, 0, 'q'}, {"messages", 1, 0, 'M'}, {0, 0, 0, 0},
    };
    const char *user = 0, *pass = 0, *service = "smtp", *host = 0, *realm = 0;
    const char *qop = "qop-int", *messages = 0;
    Gsasl  *ctx;
    Gsasl_session *sess;
    char   *in, *out;
    size_t  inlen, outlen, sizes[32], n;
    int     ch, type, rc = GSASL_NEEDS_MORE, bad;

    while ((ch = getopt_long(argc, argv, "", longopts, 0)) != -1) {
	switch (ch) {
	case 'f': fd = atoi(optarg); break;
	case 'u': user = optarg; break;
	case 'p': pass = optarg; break;
	case 's': service = optarg; break;
	case 'h': host = optarg; break;
	case 'r': realm = optarg; break;
	case 'q': qop = optarg; break;
	case 'M': messages = optarg; break;
	default: die("bad usage");
	}
    }
    if (fd < 0 || !user || !pass || !host)
	die("usage: gsasl-client --fd N --user U --password P --host H ...");
    if (gsasl_init(&ctx) != GSASL_OK || gsasl_client_start(ctx, "DIGEST-MD5", &sess) != GSASL_OK)
	die("cannot start a GNU SASL DIGEST-MD5 client");
    gsasl_property_set(sess, GSASL_AUTHID, user);
    gsasl_property_set(sess, GSASL_PASSWORD, pass);
    gsasl_property_set(sess, GSASL_SERVICE, service);
    gsasl_property_set(sess, GSASL_HOSTNAME, host);
    gsasl_property_set(sess, GSASL_QOP, qop);
    if (realm)
	gsasl_property_set(sess, GSASL_REALM, realm);

    send_frame(FRAME_START, "DIGEST-MD5", strlen("DIGEST-MD5"));
    for (;;) {
	type = recv_frame(&in, &inlen);
	if (type == FRAME_OK) {
	    printf("client: result=%s (gsasl)\n", rc == GSASL_OK ? "ok" : "server-accepted-early");
	    break;
	}
	if (type != FRAME_DATA) {
	    printf("client: result=refused-by-server\n");
	    return (0);
	}
	/* After rspauth the exchange is complete; the final reply is empty. */
	if (rc == GSASL_OK) {
	    send_frame(FRAME_DATA, "", 0);
	    continue;
	}
	rc = gsasl_step(sess, in, inlen, &out, &outlen);
	free(in);
	if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
	    printf("client: result=fail detail=%s\n", gsasl_strerror(rc));
	    send_frame(FRAME_ABORT, 0, 0);
	    return (1);
	}
	send_frame(FRAME_DATA, out, outlen);
	gsasl_free(out);
    }
    fflush(stdout);
    bad = 0;
    if (messages) {
	n = parse_sizes(messages, sizes, 32);
	bad = send_messages(sess, sizes, n);
	bad |= receive_messages(sess, sizes, n);
    }
    fflush(stdout);
    gsasl_finish(sess);
    gsasl_done(ctx);
    return (bad);
}
