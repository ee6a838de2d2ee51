/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DIGEST-MD5 security layer decoding (RFC 2831 sections 2.3, 2.4), the
 * bytes a peer sends once auth-int or auth-conf is in force.
 *
 * Input: one byte choosing qop and cipher, direction and maxbuf; one
 * byte seeding where the stream is cut into pieces; then the bytes. The
 * bytes are first fed, as received, to a layer keyed from a fixed H(A1),
 * while a plain parser of the framing follows along and says what the
 * layer must do: refuse a length outside its bounds, a wrong message
 * type, a wrong sequence number or a sealed part that is not whole
 * blocks; deliver, for every frame it accepts, exactly the message
 * length the frame's size allows; deliver nothing on failure and stay
 * failed. Then the same bytes, cut into messages, go through a sending
 * layer and back through the matching receiving one and must come out
 * the same; a frame with one bit flipped must be refused, not delivered.
 * The seeds in corpus/layer/ are real frames, so the first part also
 * reaches accepted frames.
 */
#include <string.h>

#include "fuzz.h"
#include "digest/digest.h"
#include "digest/layer.h"

#define SMALL_MAXBUF	64
#define LARGE_MAXBUF	4096
#define MAX_MESSAGES	8

static const unsigned char ha1[MG_DIGEST_HASH_LEN] = {
    0x6a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71,
    0x82, 0x93, 0xa4, 0xb5, 0xc6, 0xd7, 0xe8, 0xf9,
};

struct mode {
    enum mg_digest_qop qop;
    enum mg_digest_cipher cipher;
    int     block;
};

static const struct mode modes[] = {
    {MG_DIGEST_QOP_AUTH_INT, MG_DIGEST_CIPHER_NONE, 0},
    {MG_DIGEST_QOP_AUTH_CONF, MG_DIGEST_CIPHER_3DES, 1},
    {MG_DIGEST_QOP_AUTH_CONF, MG_DIGEST_CIPHER_DES, 1},
    {MG_DIGEST_QOP_AUTH_CONF, MG_DIGEST_CIPHER_RC4, 0},
    {MG_DIGEST_QOP_AUTH_CONF, MG_DIGEST_CIPHER_RC4_40, 0},
    {MG_DIGEST_QOP_AUTH_CONF, MG_DIGEST_CIPHER_RC4_56, 0},
};

#define MODE_COUNT (sizeof(modes) / sizeof(modes[0]))

 /*
  * Whether OpenSSL runs the cipher here: a missing legacy provider is
  * the machine's business, not a finding. Asked once per cipher.
  */
static int cipher_usable(const struct mode *mp)
{
    static int known[MODE_COUNT], usable[MODE_COUNT];
    size_t  i = (size_t) (mp - modes);
    struct mg_error err;

    if (mp->cipher == MG_DIGEST_CIPHER_NONE)
	return (1);
    if (!known[i]) {
	known[i] = 1;
	usable[i] = mg_layer_ciphers_available(mp->cipher, &err) == mp->cipher;
	if (!usable[i])
	    fprintf(stderr, "fuzz-layer: skipping %s: %s\n",
		    mg_digest_cipher_name(mp->cipher), err.reason);
    }
    return (usable[i]);
}

 /*
  * Where to cut: a small generator seeded from the input, so that a
  * saved input replays the same pieces.
  */
static size_t next_cut(uint32_t *state, size_t left)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    if (x % 4 == 0 || left < 2)
	return (left);
    return (1 + x % (left < 37 ? left : 37));
}

static uint32_t get32(const unsigned char *p)
{
    return ((uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
	    | (uint32_t) p[2] << 8 | p[3]);
}

static void new_pair(const struct mode *mp, int server_sends, uint32_t maxbuf,
		             struct mg_layer **sender, struct mg_layer **receiver)
{
    struct mg_layer *client, *server;
    struct mg_error err;
    enum mg_code code;

    code = mg_layer_new(&client, MG_LAYER_CLIENT, mp->qop, mp->cipher, ha1,
			maxbuf, maxbuf, &err);
    FUZZ_ASSERT(code == MG_OK, "client layer: %s", err.reason);
    code = mg_layer_new(&server, MG_LAYER_SERVER, mp->qop, mp->cipher, ha1,
			maxbuf, maxbuf, &err);
    FUZZ_ASSERT(code == MG_OK, "server layer: %s", err.reason);
    *sender = server_sends ? server : client;
    *receiver = server_sends ? client : server;
}

 /*
  * The framing as a plain parser sees it, one byte at a time.
  */
struct shadow {
    unsigned char hdr[4];
    size_t  hdr_have;
    uint32_t len;
    unsigned char trailer[MG_LAYER_TRAILER_LEN];
    size_t  have;
    uint32_t seq;			/* frames accepted so far */
};

 /*
  * What one decode call must do with a piece: fail with must_fail (its
  * code) at the latest; or, if frames complete that only the MAC or the
  * padding can reject, deliver between lo and hi bytes.
  */
struct expect {
    enum mg_code must_fail;
    size_t  frames;
    size_t  lo;
    size_t  hi;
};

static void shadow_piece(struct shadow *sp, const struct mode *mp, uint32_t maxbuf,
			         const unsigned char *cp, size_t len,
			         struct expect *ep)
{
    uint32_t min = mp->block ? 2 * MG_LAYER_BLOCK + MG_LAYER_TRAILER_LEN :
    MG_LAYER_MAC_LEN + MG_LAYER_TRAILER_LEN;
    size_t  sealed;
    size_t  i;

    memset(ep, 0, sizeof(*ep));
    for (i = 0; i < len; i++) {
	if (sp->hdr_have < 4) {
	    sp->hdr[sp->hdr_have++] = cp[i];
	    if (sp->hdr_have < 4)
		continue;
	    sp->len = get32(sp->hdr);
	    sp->have = 0;
	    if (sp->len > maxbuf) {
		ep->must_fail = MG_TOOLONG;
		return;
	    }
	    if (sp->len < min) {
		ep->must_fail = MG_MALFORMED;
		return;
	    }
	    continue;
	}
	if (sp->have >= sp->len - MG_LAYER_TRAILER_LEN)
	    sp->trailer[sp->have - (sp->len - MG_LAYER_TRAILER_LEN)] = cp[i];
	if (++sp->have < sp->len)
	    continue;
	sealed = sp->len - MG_LAYER_TRAILER_LEN;
	if ((mp->block && sealed % MG_LAYER_BLOCK != 0)
	    || sp->trailer[0] != 0 || sp->trailer[1] != 1
	    || get32(sp->trailer + 2) != sp->seq + ep->frames) {
	    ep->must_fail = MG_MALFORMED;
	    return;
	}
	ep->frames++;
	if (mp->block) {
	    /* Up to a block of padding, but never more than is there. */
	    if (sealed - MG_LAYER_MAC_LEN > MG_LAYER_BLOCK)
		ep->lo += sealed - MG_LAYER_MAC_LEN - MG_LAYER_BLOCK;
	    ep->hi += sealed - MG_LAYER_MAC_LEN - 1;
	} else {
	    ep->lo += sealed - MG_LAYER_MAC_LEN;
	    ep->hi += sealed - MG_LAYER_MAC_LEN;
	}
	sp->hdr_have = 0;
    }
}

 /*
  * After a refusal the layer stays failed, with the same code, and
  * delivers nothing.
  */
static void check_stays_failed(struct mg_layer *lp, enum mg_code first)
{
    static const unsigned char more[] = {0, 0, 0, 32, 1, 2, 3};
    const unsigned char *out = more;
    struct mg_error err;
    size_t  outlen = 1;
    enum mg_code code;

    code = mg_layer_decode(lp, more, sizeof(more), &out, &outlen, &err);
    FUZZ_ASSERT(code == first, "failed layer said %d, first %d", (int) code, (int) first);
    fuzz_check_reason(code, &err);
    FUZZ_ASSERT(out == 0 && outlen == 0, "failed layer delivered %zu bytes", outlen);
}

 /*
  * Part one: arbitrary bytes as received.
  */
static void decode_raw(const struct mode *mp, int server_sends, uint32_t maxbuf,
		               uint32_t cuts, const unsigned char *data, size_t size)
{
    struct mg_layer *sender, *receiver;
    struct shadow shadow;
    struct expect expect;
    struct mg_error err;
    const unsigned char *out;
    size_t  outlen;
    size_t  n;
    enum mg_code code;

    new_pair(mp, server_sends, maxbuf, &sender, &receiver);
    memset(&shadow, 0, sizeof(shadow));
    while (size > 0) {
	n = next_cut(&cuts, size);
	shadow_piece(&shadow, mp, maxbuf, data, n, &expect);
	out = data;
	outlen = 1;
	code = mg_layer_decode(receiver, data, n, &out, &outlen, &err);
	if (code != MG_OK) {
	    fuzz_check_reason(code, &err);
	    FUZZ_ASSERT(out == 0 && outlen == 0, "refused, yet delivered %zu bytes",
			outlen);
	    /* The MAC or padding of a complete frame may be what failed. */
	    FUZZ_ASSERT(code == expect.must_fail
			|| (expect.frames > 0
			    && (code == MG_BADMAC || code == MG_MALFORMED)),
			"refused with %d (%s); expected %d after %zu frames",
			(int) code, err.reason, (int) expect.must_fail, expect.frames);
	    check_stays_failed(receiver, code);
	    break;
	}
	FUZZ_ASSERT(expect.must_fail == MG_OK, "accepted a piece that must fail "
		    "with %d", (int) expect.must_fail);
	FUZZ_ASSERT((outlen == 0) == (out == 0), "output %p with length %zu",
		    (const void *) out, outlen);
	FUZZ_ASSERT(outlen >= expect.lo && outlen <= expect.hi,
		    "%zu frames delivered %zu bytes, outside %zu..%zu",
		    expect.frames, outlen, expect.lo, expect.hi);
	/* Sequence numbers advance by the frames accepted, no more. */
	shadow.seq += (uint32_t) expect.frames;
	data += n;
	size -= n;
    }
    mg_layer_free(sender);
    mg_layer_free(receiver);
}

 /*
  * Part two: the input's bytes as messages, sent and received.
  */
static void round_trip(const struct mode *mp, int server_sends, uint32_t maxbuf,
		               uint32_t cuts, const unsigned char *data, size_t size)
{
    struct mg_layer *sender, *receiver;
    struct mg_error err;
    const unsigned char *frame;
    const unsigned char *out;
    unsigned char *stream = 0;
    unsigned char *got = 0;
    size_t  stream_len = 0;
    size_t  got_len = 0;
    size_t  frame_len;
    size_t  outlen;
    size_t  maxout;
    size_t  sent = 0;
    size_t  body;
    size_t  n;
    size_t  i;
    enum mg_code code;

    new_pair(mp, server_sends, maxbuf, &sender, &receiver);
    maxout = mg_layer_maxout(sender);
    FUZZ_ASSERT(maxout == mg_layer_max_plaintext(mp->qop, mp->cipher, maxbuf),
		"maxout %zu", maxout);

    /* Encode up to MAX_MESSAGES messages into one stream. */
    for (i = 0; i < MAX_MESSAGES && sent < size; i++) {
	n = next_cut(&cuts, size - sent);
	if (n > maxout)
	    n = maxout;
	code = mg_layer_encode(sender, data + sent, n, &frame, &frame_len, &err);
	FUZZ_ASSERT(code == MG_OK, "encode %zu bytes: %s", n, err.reason);
	body = get32(frame);
	FUZZ_ASSERT(frame_len == 4 + body, "frame %zu bytes, prefix says %zu",
		    frame_len, body);
	FUZZ_ASSERT(body <= maxbuf, "frame body %zu over maxbuf", body);
	if (mp->block)
	    FUZZ_ASSERT(body >= n + 17 && body <= n + 24
			&& (body - MG_LAYER_TRAILER_LEN) % MG_LAYER_BLOCK == 0,
			"%zu-byte message in a %zu-byte frame", n, body);
	else
	    FUZZ_ASSERT(body == n + 16, "%zu-byte message in a %zu-byte frame", n, body);
	FUZZ_ASSERT(get32(frame + frame_len - 4) == i, "frame %zu has seqnum %lu",
		    i, (unsigned long) get32(frame + frame_len - 4));
	stream = realloc(stream, stream_len + frame_len);
	FUZZ_ASSERT(stream != 0, "out of memory");
	memcpy(stream + stream_len, frame, frame_len);
	stream_len += frame_len;
	sent += n;
    }

    /* Decode the stream in pieces; the messages must come back. */
    got = malloc(sent + 1);
    FUZZ_ASSERT(got != 0, "out of memory");
    for (i = 0; i < stream_len; i += n) {
	n = next_cut(&cuts, stream_len - i);
	code = mg_layer_decode(receiver, stream + i, n, &out, &outlen, &err);
	FUZZ_ASSERT(code == MG_OK, "decode of an encoded stream: %s", err.reason);
	FUZZ_ASSERT(got_len + outlen <= sent, "more out than in");
	if (outlen > 0)
	    memcpy(got + got_len, out, outlen);
	got_len += outlen;
    }
    FUZZ_ASSERT(got_len == sent && (sent == 0 || memcmp(got, data, sent) == 0),
		"round trip gave %zu bytes for %zu", got_len, sent);

    /* A frame with one bit flipped after the length is refused. */
    n = size - sent < maxout ? size - sent : maxout;
    code = mg_layer_encode(sender, data + sent, n, &frame, &frame_len, &err);
    FUZZ_ASSERT(code == MG_OK, "encode %zu bytes: %s", n, err.reason);
    stream = realloc(stream, frame_len);
    FUZZ_ASSERT(stream != 0, "out of memory");
    memcpy(stream, frame, frame_len);
    i = 4 + cuts % (frame_len - 4);
    stream[i] ^= (unsigned char) (1 << (cuts >> 8) % 8);
    out = stream;
    outlen = 1;
    code = mg_layer_decode(receiver, stream, frame_len, &out, &outlen, &err);
    FUZZ_ASSERT(code == MG_BADMAC || code == MG_MALFORMED,
		"flipped bit at %zu of %zu: code %d", i, frame_len, (int) code);
    fuzz_check_reason(code, &err);
    FUZZ_ASSERT(out == 0 && outlen == 0, "tampered frame delivered %zu bytes", outlen);
    check_stays_failed(receiver, code);

    free(stream);
    free(got);
    mg_layer_free(sender);
    mg_layer_free(receiver);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct mode *mp;
    int     server_sends;
    uint32_t maxbuf;
    uint32_t cuts;

    if (size < 2)
	return (0);
    mp = &modes[data[0] % MODE_COUNT];
    server_sends = (data[0] / MODE_COUNT) % 2;
    maxbuf = (data[0] / MODE_COUNT / 2) % 2 ? SMALL_MAXBUF : LARGE_MAXBUF;
    cuts = 0x9e3779b9u ^ data[1];
    if (!cipher_usable(mp))
	return (0);
    decode_raw(mp, server_sends, maxbuf, cuts, data + 2, size - 2);
    round_trip(mp, server_sends, maxbuf, cuts, data + 2, size - 2);
    return (0);
}
