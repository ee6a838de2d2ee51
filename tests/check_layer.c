/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the DIGEST-MD5 security layers (src/digest/layer.c).
 *
 * Every expected frame is built here, independently of the core, from
 * the formulas of RFC 2831 sections 2.3 and 2.4: keys as MD5 of H(A1)
 * and the magic strings, HMAC-MD5 spelled out over MD5 with the ipad and
 * opad blocks, DES through OpenSSL's low-level block functions with the
 * CBC chain done by hand (the core goes through EVP and providers), the
 * 7-to-8-byte DES key spreading done bit by bit, and RC4 written out.
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* low-level DES, on purpose */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/des.h>
#include <openssl/evp.h>

#include "digest/layer.h"
#include "mg_util.h"

/* ---------------------------------------------------------------------
 * The independent reference.
 * --------------------------------------------------------------------- */

static void ref_md5(unsigned char out[16], const void *a, size_t alen,
		            const void *b, size_t blen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;

    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(EVP_DigestInit_ex(ctx, EVP_md5(), 0), 1);
    ck_assert_int_eq(EVP_DigestUpdate(ctx, a, alen), 1);
    if (blen)
	ck_assert_int_eq(EVP_DigestUpdate(ctx, b, blen), 1);
    ck_assert_int_eq(EVP_DigestFinal_ex(ctx, out, &n), 1);
    ck_assert_uint_eq(n, 16);
    EVP_MD_CTX_free(ctx);
}

/* RFC 2104 with a 16-byte key: MD5(K^opad || MD5(K^ipad || data)). */
static void ref_hmac(unsigned char out[16], const unsigned char key[16],
		             const unsigned char *data, size_t len)
{
    unsigned char ipad[64], opad[64], inner[16];
    int     i;

    memset(ipad, 0x36, sizeof(ipad));
    memset(opad, 0x5c, sizeof(opad));
    for (i = 0; i < 16; i++) {
	ipad[i] ^= key[i];
	opad[i] ^= key[i];
    }
    ref_md5(inner, ipad, 64, data, len);
    ref_md5(out, opad, 64, inner, 16);
}

#define KIC_MAGIC "Digest session key to client-to-server signing key magic constant"
#define KIS_MAGIC "Digest session key to server-to-client signing key magic constant"
#define KCC_MAGIC "Digest H(A1) to client-to-server sealing key magic constant"
#define KCS_MAGIC "Digest H(A1) to server-to-client sealing key magic constant"

struct ref_keys {
    unsigned char kic[16], kis[16], kcc[16], kcs[16];
};

static size_t ref_kc_bytes(enum mg_digest_cipher c)
{
    return (c == MG_DIGEST_CIPHER_RC4_40 ? 5 : c == MG_DIGEST_CIPHER_RC4_56 ? 7 : 16);
}

static void ref_derive(const unsigned char ha1[16], enum mg_digest_cipher c,
		               struct ref_keys *k)
{
    size_t  n = ref_kc_bytes(c);

    ref_md5(k->kic, ha1, 16, KIC_MAGIC, strlen(KIC_MAGIC));
    ref_md5(k->kis, ha1, 16, KIS_MAGIC, strlen(KIS_MAGIC));
    ref_md5(k->kcc, ha1, n, KCC_MAGIC, strlen(KCC_MAGIC));
    ref_md5(k->kcs, ha1, n, KCS_MAGIC, strlen(KCS_MAGIC));
}

/* 56 key bits, seven to each byte, most significant first; parity bit 0. */
static void ref_des_key(unsigned char out[8], const unsigned char in[7])
{
    int     bit;

    memset(out, 0, 8);
    for (bit = 0; bit < 56; bit++)
	if (in[bit / 8] & (0x80 >> (bit % 8)))
	    out[bit / 7] |= (unsigned char) (0x80 >> (bit % 7));
}

struct ref_rc4 {
    unsigned char s[256];
    unsigned i, j;
};

static void ref_rc4_init(struct ref_rc4 *r, const unsigned char *key, size_t keylen)
{
    unsigned i, j = 0;
    unsigned char t;

    for (i = 0; i < 256; i++)
	r->s[i] = (unsigned char) i;
    for (i = 0; i < 256; i++) {
	j = (j + r->s[i] + key[i % keylen]) & 0xff;
	t = r->s[i];
	r->s[i] = r->s[j];
	r->s[j] = t;
    }
    r->i = r->j = 0;
}

static void ref_rc4(struct ref_rc4 *r, unsigned char *buf, size_t len)
{
    unsigned char t;
    size_t  k;

    for (k = 0; k < len; k++) {
	r->i = (r->i + 1) & 0xff;
	r->j = (r->j + r->s[r->i]) & 0xff;
	t = r->s[r->i];
	r->s[r->i] = r->s[r->j];
	r->s[r->j] = t;
	buf[k] ^= r->s[(r->s[r->i] + r->s[r->j]) & 0xff];
    }
}

 /*
  * One direction of the reference layer: keys, chain state, counter.
  */
struct ref_dir {
    enum mg_digest_cipher cipher;	/* NONE for auth-int */
    unsigned char ki[16];
    DES_key_schedule ks1, ks2;
    unsigned char iv[8];
    struct ref_rc4 rc4;
    unsigned seq;
};

static void ref_dir_init(struct ref_dir *d, const unsigned char ha1[16],
			         enum mg_digest_cipher c, int client_sends)
{
    struct ref_keys k;
    const unsigned char *kc;
    unsigned char key[8];

    memset(d, 0, sizeof(*d));
    d->cipher = c;
    ref_derive(ha1, c, &k);
    memcpy(d->ki, client_sends ? k.kic : k.kis, 16);
    kc = client_sends ? k.kcc : k.kcs;
    if (c == MG_DIGEST_CIPHER_3DES || c == MG_DIGEST_CIPHER_DES) {
	ref_des_key(key, kc);
	DES_set_key_unchecked((const_DES_cblock *) key, &d->ks1);
	ref_des_key(key, kc + 7);
	DES_set_key_unchecked((const_DES_cblock *) key, &d->ks2);
	memcpy(d->iv, kc + 8, 8);
    } else if (c != MG_DIGEST_CIPHER_NONE) {
	ref_rc4_init(&d->rc4, kc, 16);
    }
}

static void ref_block(struct ref_dir *d, unsigned char blk[8])
{
    DES_cblock in, out;
    int     i;

    for (i = 0; i < 8; i++)
	in[i] = blk[i] ^ d->iv[i];
    if (d->cipher == MG_DIGEST_CIPHER_3DES) {
	memcpy(out, in, 8);
	DES_ecb3_encrypt(&out, &out, &d->ks1, &d->ks2, &d->ks1, DES_ENCRYPT);
    } else {
	DES_ecb_encrypt(&in, &out, &d->ks1, DES_ENCRYPT);
    }
    memcpy(blk, out, 8);
    memcpy(d->iv, out, 8);
}

static void put_be32(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}

 /*
  * The frame for msg; bad_pad > 0 writes that padding value instead of
  * the right one (with a correct MAC), for refusal tests. Returns the
  * frame length; the caller frees *frame.
  */
static size_t ref_frame_pad(struct ref_dir *d, const unsigned char *msg, size_t len,
			            unsigned char **frame, int bad_pad)
{
    unsigned char *seqmsg = malloc(len + 4);
    unsigned char mac[16];
    size_t  pad = 0, sealed, i;
    unsigned char *f, *p;
    int     block = d->cipher == MG_DIGEST_CIPHER_3DES || d->cipher == MG_DIGEST_CIPHER_DES;

    put_be32(seqmsg, d->seq);
    memcpy(seqmsg + 4, msg, len);
    ref_hmac(mac, d->ki, seqmsg, len + 4);
    free(seqmsg);
    if (block)
	pad = 8 - (len + 10) % 8;
    sealed = len + pad + 10;
    f = malloc(4 + sealed + 6);
    put_be32(f, (unsigned) (sealed + 6));
    p = f + 4;
    memcpy(p, msg, len);
    memset(p + len, bad_pad > 0 ? bad_pad : (int) pad, pad);
    memcpy(p + len + pad, mac, 10);
    if (block) {
	for (i = 0; i < sealed; i += 8)
	    ref_block(d, p + i);
    } else if (d->cipher != MG_DIGEST_CIPHER_NONE) {
	ref_rc4(&d->rc4, p, sealed);
    }
    p[sealed] = 0;
    p[sealed + 1] = 1;
    put_be32(p + sealed + 2, d->seq);
    d->seq++;
    *frame = f;
    return (4 + sealed + 6);
}

static size_t ref_frame(struct ref_dir *d, const unsigned char *msg, size_t len,
			        unsigned char **frame)
{
    return (ref_frame_pad(d, msg, len, frame, 0));
}

/* ---------------------------------------------------------------------
 * Fixtures.
 * --------------------------------------------------------------------- */

static const unsigned char HA1[16] = {
    0x7d, 0x2e, 0x93, 0x41, 0x05, 0xc6, 0xff, 0x18,
    0x2a, 0x9b, 0x60, 0xd4, 0x3e, 0x71, 0x8c, 0x0f,
};

struct layer_kind {
    enum mg_digest_qop qop;
    enum mg_digest_cipher cipher;
    const char *name;
};

static const struct layer_kind kinds[] = {
    {MG_DIGEST_QOP_AUTH_INT, MG_DIGEST_CIPHER_NONE, "auth-int"},
    {MG_DIGEST_QOP_AUTH_CONF, MG_DIGEST_CIPHER_3DES, "3des"},
    {MG_DIGEST_QOP_AUTH_CONF, MG_DIGEST_CIPHER_DES, "des"},
    {MG_DIGEST_QOP_AUTH_CONF, MG_DIGEST_CIPHER_RC4, "rc4"},
    {MG_DIGEST_QOP_AUTH_CONF, MG_DIGEST_CIPHER_RC4_40, "rc4-40"},
    {MG_DIGEST_QOP_AUTH_CONF, MG_DIGEST_CIPHER_RC4_56, "rc4-56"},
};

#define KIND_COUNT (sizeof(kinds) / sizeof(kinds[0]))

 /*
  * Whether this machine's OpenSSL can run the kind at all (the legacy
  * provider may be missing); a test of such a kind is skipped loudly.
  */
static int kind_runs(const struct layer_kind *k)
{
    if (k->qop == MG_DIGEST_QOP_AUTH_INT)
	return (1);
    if (mg_layer_ciphers_available(k->cipher, 0) == (unsigned) k->cipher)
	return (1);
    fprintf(stderr, "NOTE: cipher %s cannot run here; its tests are skipped\n",
	    k->name);
    return (0);
}

static struct mg_layer *new_layer(const struct layer_kind *k, enum mg_layer_side side,
				          uint32_t recv_maxbuf, uint32_t send_maxbuf)
{
    struct mg_layer *lp = 0;
    struct mg_error err;

    mg_error_clear(&err);
    if (mg_layer_new(&lp, side, k->qop, k->cipher, HA1, recv_maxbuf, send_maxbuf,
		     &err) != MG_OK)
	ck_abort_msg("mg_layer_new %s: %s", k->name, err.reason);
    return (lp);
}

static void fill(unsigned char *buf, size_t len, unsigned seed)
{
    size_t  i;

    for (i = 0; i < len; i++) {
	seed = seed * 1103515245u + 12345u;
	buf[i] = (unsigned char) (seed >> 16);
    }
}

/* ---------------------------------------------------------------------
 * Key derivation.
 * --------------------------------------------------------------------- */

START_TEST(keys_match_rfc_formulas)
{
    struct ref_keys ref;
    unsigned char kic[16], kis[16], kcc[16], kcs[16];
    struct mg_error err;
    size_t  i;

    for (i = 1; i < KIND_COUNT; i++) {
	ref_derive(HA1, kinds[i].cipher, &ref);
	ck_assert_int_eq(mg_digest_signing_keys(HA1, kic, kis, &err), MG_OK);
	ck_assert_mem_eq(kic, ref.kic, 16);
	ck_assert_mem_eq(kis, ref.kis, 16);
	ck_assert_int_eq(mg_digest_sealing_keys(HA1, kinds[i].cipher, kcc, kcs, &err),
			 MG_OK);
	ck_assert_mem_eq(kcc, ref.kcc, 16);
	ck_assert_mem_eq(kcs, ref.kcs, 16);
    }
    /* rc4-40 and rc4-56 really use 5 and 7 bytes: the keys differ. */
    ref_derive(HA1, MG_DIGEST_CIPHER_RC4_40, &ref);
    ck_assert_int_eq(mg_digest_sealing_keys(HA1, MG_DIGEST_CIPHER_RC4_56, kcc, kcs,
					    &err), MG_OK);
    ck_assert(memcmp(kcc, ref.kcc, 16) != 0);
}
END_TEST

START_TEST(des_key_spreading)
{
    unsigned char in[7], got[8], want[8];
    unsigned seed;
    int     i;

    for (seed = 0; seed < 200; seed++) {
	fill(in, sizeof(in), seed);
	if (seed == 0)
	    memset(in, 0xff, sizeof(in));
	mg_layer_slidebits(got, in);
	ref_des_key(want, in);
	/* DES reads the seven high bits of each byte; the low one is parity. */
	for (i = 0; i < 8; i++)
	    ck_assert_uint_eq(got[i] & 0xfe, want[i]);
    }
}
END_TEST

/* ---------------------------------------------------------------------
 * Framing against the reference.
 * --------------------------------------------------------------------- */

static const size_t sizes[] = {0, 1, 5, 6, 7, 8, 13, 14, 100, 4095, 65000};

#define SIZE_COUNT (sizeof(sizes) / sizeof(sizes[0]))

START_TEST(frames_match_reference)
{
    const struct layer_kind *k = &kinds[_i];
    struct mg_layer *client, *server;
    struct ref_dir c2s, s2c;
    unsigned char *msg = malloc(65536), *want;
    const unsigned char *got;
    size_t  glen, wlen, i;
    struct mg_error err;

    if (!kind_runs(k))
	return;
    client = new_layer(k, MG_LAYER_CLIENT, 70000, 70000);
    server = new_layer(k, MG_LAYER_SERVER, 70000, 70000);
    ref_dir_init(&c2s, HA1, k->cipher, 1);
    ref_dir_init(&s2c, HA1, k->cipher, 0);
    for (i = 0; i < SIZE_COUNT; i++) {
	fill(msg, sizes[i], (unsigned) i);
	/* client to server */
	ck_assert_int_eq(mg_layer_encode(client, msg, sizes[i], &got, &glen, &err), MG_OK);
	wlen = ref_frame(&c2s, msg, sizes[i], &want);
	ck_assert_uint_eq(glen, wlen);
	ck_assert_mem_eq(got, want, wlen);
	free(want);
	/* server to client: other keys, its own counter */
	fill(msg, sizes[i], (unsigned) i + 100);
	ck_assert_int_eq(mg_layer_encode(server, msg, sizes[i], &got, &glen, &err), MG_OK);
	wlen = ref_frame(&s2c, msg, sizes[i], &want);
	ck_assert_uint_eq(glen, wlen);
	ck_assert_mem_eq(got, want, wlen);
	free(want);
    }
    mg_layer_free(client);
    mg_layer_free(server);
    free(msg);
}
END_TEST

START_TEST(encodev_gathers)
{
    const struct layer_kind *k = &kinds[_i];
    struct mg_layer *a, *b;
    struct iovec iov[4];
    unsigned char msg[300];
    const unsigned char *f1, *f2;
    unsigned char *copy;
    size_t  l1, l2;

    if (!kind_runs(k))
	return;
    a = new_layer(k, MG_LAYER_CLIENT, 65536, 65536);
    b = new_layer(k, MG_LAYER_CLIENT, 65536, 65536);
    fill(msg, sizeof(msg), 9);
    iov[0].iov_base = msg;
    iov[0].iov_len = 10;
    iov[1].iov_base = 0;
    iov[1].iov_len = 0;
    iov[2].iov_base = msg + 10;
    iov[2].iov_len = 200;
    iov[3].iov_base = msg + 210;
    iov[3].iov_len = 90;
    ck_assert_int_eq(mg_layer_encodev(a, iov, 4, &f1, &l1, 0), MG_OK);
    copy = malloc(l1);
    memcpy(copy, f1, l1);
    ck_assert_int_eq(mg_layer_encode(b, msg, sizeof(msg), &f2, &l2, 0), MG_OK);
    ck_assert_uint_eq(l1, l2);
    ck_assert_mem_eq(copy, f2, l1);
    free(copy);
    mg_layer_free(a);
    mg_layer_free(b);
}
END_TEST

/* ---------------------------------------------------------------------
 * Decoding: boundaries, several frames, round trips.
 * --------------------------------------------------------------------- */

 /*
  * A stream of frames from the reference for messages of the given
  * sizes; *plain receives the concatenated messages.
  */
static unsigned char *ref_stream(const struct layer_kind *k, int client_sends,
				         const size_t *lens, size_t n, size_t *slen,
				         unsigned char **plain, size_t *plen)
{
    struct ref_dir d;
    unsigned char *stream = 0, *frame, *msg;
    size_t  i, flen;

    ref_dir_init(&d, HA1, k->cipher, client_sends);
    *slen = 0;
    *plen = 0;
    *plain = 0;
    for (i = 0; i < n; i++) {
	msg = malloc(lens[i] + 1);
	fill(msg, lens[i], (unsigned) (i * 7 + 3));
	flen = ref_frame(&d, msg, lens[i], &frame);
	stream = realloc(stream, *slen + flen);
	memcpy(stream + *slen, frame, flen);
	*slen += flen;
	*plain = realloc(*plain, *plen + lens[i] + 1);
	memcpy(*plain + *plen, msg, lens[i]);
	*plen += lens[i];
	free(frame);
	free(msg);
    }
    return (stream);
}

 /*
  * Feed the stream in pieces of the given lengths (cycled), collecting
  * the output.
  */
static void decode_in_pieces(struct mg_layer *lp, const unsigned char *stream,
			             size_t slen, const size_t *pieces, size_t npieces,
			             unsigned char *out, size_t *olen)
{
    const unsigned char *got;
    size_t  glen, off = 0, p = 0, n;
    struct mg_error err;

    *olen = 0;
    while (off < slen) {
	n = pieces[p++ % npieces];
	if (n > slen - off)
	    n = slen - off;
	if (mg_layer_decode(lp, stream + off, n, &got, &glen, &err) != MG_OK)
	    ck_abort_msg("decode at %lu+%lu: %s", (unsigned long) off,
			 (unsigned long) n, err.reason);
	if (glen)
	    memcpy(out + *olen, got, glen);
	*olen += glen;
	off += n;
    }
}

START_TEST(split_at_every_boundary)
{
    const struct layer_kind *k = &kinds[_i];
    static const size_t lens[] = {0, 1, 9, 30};
    unsigned char *stream, *plain, out[256];
    size_t  slen, plen, olen, cut;
    struct mg_layer *lp;
    size_t  pieces[2];

    if (!kind_runs(k))
	return;
    stream = ref_stream(k, 1, lens, 4, &slen, &plain, &plen);
    for (cut = 0; cut <= slen; cut++) {
	lp = new_layer(k, MG_LAYER_SERVER, 65536, 65536);
	pieces[0] = cut;
	pieces[1] = slen;
	if (cut == 0)
	    pieces[0] = slen;
	decode_in_pieces(lp, stream, slen, pieces, 2, out, &olen);
	ck_assert_uint_eq(olen, plen);
	ck_assert_mem_eq(out, plain, plen);
	mg_layer_free(lp);
    }
    /* One byte at a time, and in pieces of 3 and 5. */
    for (cut = 1; cut <= 5; cut += 2) {
	lp = new_layer(k, MG_LAYER_SERVER, 65536, 65536);
	pieces[0] = cut;
	decode_in_pieces(lp, stream, slen, pieces, 1, out, &olen);
	ck_assert_uint_eq(olen, plen);
	ck_assert_mem_eq(out, plain, plen);
	mg_layer_free(lp);
    }
    free(stream);
    free(plain);
}
END_TEST

START_TEST(several_frames_per_call)
{
    const struct layer_kind *k = &kinds[_i];
    static const size_t lens[] = {5, 0, 4095, 1, 17, 65000};
    unsigned char *stream, *plain;
    const unsigned char *got;
    size_t  slen, plen, glen;
    struct mg_layer *lp;
    struct mg_error err;

    if (!kind_runs(k))
	return;
    stream = ref_stream(k, 0, lens, 6, &slen, &plain, &plen);
    lp = new_layer(k, MG_LAYER_CLIENT, 65536, 65536);
    ck_assert_int_eq(mg_layer_decode(lp, stream, slen, &got, &glen, &err), MG_OK);
    ck_assert_uint_eq(glen, plen);
    ck_assert_mem_eq(got, plain, plen);
    mg_layer_free(lp);
    /* The same with the last frame cut short: all but it come out. */
    lp = new_layer(k, MG_LAYER_CLIENT, 65536, 65536);
    ck_assert_int_eq(mg_layer_decode(lp, stream, slen - 1, &got, &glen, &err), MG_OK);
    ck_assert_uint_eq(glen, plen - 65000);
    ck_assert_mem_eq(got, plain, glen);
    ck_assert_int_eq(mg_layer_decode(lp, stream + slen - 1, 1, &got, &glen, &err),
		     MG_OK);
    ck_assert_uint_eq(glen, 65000);
    ck_assert_mem_eq(got, plain + plen - 65000, 65000);
    mg_layer_free(lp);
    free(stream);
    free(plain);
}
END_TEST

START_TEST(round_trip_both_ways)
{
    const struct layer_kind *k = &kinds[_i];
    struct mg_layer *client, *server;
    unsigned char *msg = malloc(65536);
    const unsigned char *frame, *got;
    size_t  flen, glen, i, max;
    struct mg_error err;

    if (!kind_runs(k))
	return;
    client = new_layer(k, MG_LAYER_CLIENT, 65536, 4096);
    server = new_layer(k, MG_LAYER_SERVER, 4096, 65536);
    max = mg_layer_maxout(client);
    ck_assert_uint_eq(max, mg_layer_max_plaintext(k->qop, k->cipher, 4096));
    for (i = 0; i < 50; i++) {
	size_t  len = (i * 97) % (max + 1);

	if (i == 49)
	    len = max;
	fill(msg, len, (unsigned) i);
	ck_assert_int_eq(mg_layer_encode(client, msg, len, &frame, &flen, &err), MG_OK);
	/* Never more than the peer's maxbuf, even counting the prefix. */
	ck_assert_uint_le(flen, 4096);
	ck_assert_int_eq(mg_layer_decode(server, frame, flen, &got, &glen, &err), MG_OK);
	ck_assert_uint_eq(glen, len);
	if (len)
	    ck_assert_mem_eq(got, msg, len);
	len = (i * 1301) % 60000;
	fill(msg, len, (unsigned) i + 1000);
	ck_assert_int_eq(mg_layer_encode(server, msg, len, &frame, &flen, &err), MG_OK);
	ck_assert_int_eq(mg_layer_decode(client, frame, flen, &got, &glen, &err), MG_OK);
	ck_assert_uint_eq(glen, len);
	if (len)
	    ck_assert_mem_eq(got, msg, len);
    }
    /* One byte over the limit is refused, and nothing is sent. */
    ck_assert_int_eq(mg_layer_encode(client, msg, max + 1, &frame, &flen, &err),
		     MG_TOOLONG);
    ck_assert_ptr_nonnull(strstr(err.reason, "exceeds"));
    mg_layer_free(client);
    mg_layer_free(server);
    free(msg);
}
END_TEST

START_TEST(maxout_is_exact)
{
    /* auth-int and rc4: 4 + message + 10 + 6 <= maxbuf. */
    ck_assert_uint_eq(mg_layer_max_plaintext(MG_DIGEST_QOP_AUTH_INT, 0, 65536), 65516);
    ck_assert_uint_eq(mg_layer_max_plaintext(MG_DIGEST_QOP_AUTH_CONF,
					     MG_DIGEST_CIPHER_RC4, 65536), 65516);
    /* des: 4 + roundup8(message + 1 + 10) + 6 <= maxbuf */
    ck_assert_uint_eq(mg_layer_max_plaintext(MG_DIGEST_QOP_AUTH_CONF,
					     MG_DIGEST_CIPHER_3DES, 65536), 65509);
    ck_assert_uint_eq(mg_layer_max_plaintext(MG_DIGEST_QOP_AUTH_CONF,
					     MG_DIGEST_CIPHER_DES, 33), 5);
    ck_assert_uint_eq(mg_layer_max_plaintext(MG_DIGEST_QOP_AUTH_INT, 0, 21), 1);
    ck_assert_uint_eq(mg_layer_max_plaintext(MG_DIGEST_QOP_AUTH_INT, 0, 20), 0);
    ck_assert_uint_eq(mg_layer_max_plaintext(MG_DIGEST_QOP_AUTH, 0, 65536), 0);
}
END_TEST

/* ---------------------------------------------------------------------
 * Refusals: each with its reason, nothing delivered, layer stays failed.
 * --------------------------------------------------------------------- */

static void expect_refusal(struct mg_layer *lp, const unsigned char *stream, size_t len,
			           enum mg_code code, const char *reason)
{
    const unsigned char *got = (const unsigned char *) "x";
    size_t  glen = 99;
    struct mg_error err;

    mg_error_clear(&err);
    ck_assert_int_eq(mg_layer_decode(lp, stream, len, &got, &glen, &err), code);
    ck_assert_uint_eq(glen, 0);
    ck_assert_ptr_null(got);
    if (strstr(err.reason, reason) == 0)
	ck_abort_msg("reason \"%s\" lacks \"%s\"", err.reason, reason);
    /* The stream is lost: later input is refused with the first reason. */
    ck_assert_int_eq(mg_layer_decode(lp, stream, 0, &got, &glen, &err), code);
    ck_assert_ptr_nonnull(strstr(err.reason, "failed earlier"));
    ck_assert_ptr_nonnull(strstr(err.reason, reason));
    ck_assert_uint_eq(glen, 0);
}

START_TEST(refuse_bad_frames)
{
    const struct layer_kind *k = &kinds[_i];
    int     block = k->cipher == MG_DIGEST_CIPHER_3DES || k->cipher == MG_DIGEST_CIPHER_DES;
    unsigned char msg[40], *f1, *f2, *both, hdr[4];
    size_t  l1, l2;
    struct ref_dir d;
    struct mg_layer *lp;

    if (!kind_runs(k))
	return;
    fill(msg, sizeof(msg), 77);

    /* Bad MAC: flip one byte of the MAC (or of the ciphertext for rc4). */
    ref_dir_init(&d, HA1, k->cipher, 1);
    l1 = ref_frame(&d, msg, 20, &f1);
    f1[l1 - 7] ^= 0x40;
    lp = new_layer(k, MG_LAYER_SERVER, 65536, 65536);
    expect_refusal(lp, f1, l1, MG_BADMAC, "MAC does not verify");
    mg_layer_free(lp);
    if (block) {
	/* In the message part, CBC garbles a block the MAC covers. */
	f1[l1 - 7] ^= 0x40;
	f1[4] ^= 1;
	lp = new_layer(k, MG_LAYER_SERVER, 65536, 65536);
	expect_refusal(lp, f1, l1, MG_BADMAC, "MAC does not verify");
	mg_layer_free(lp);
    }
    free(f1);

    /* Wrong sequence number: frame 1 where frame 0 is due. */
    ref_dir_init(&d, HA1, k->cipher, 1);
    l1 = ref_frame(&d, msg, 20, &f1);
    l2 = ref_frame(&d, msg, 20, &f2);
    lp = new_layer(k, MG_LAYER_SERVER, 65536, 65536);
    expect_refusal(lp, f2, l2, MG_MALFORMED, "sequence number 1, expected 0");
    mg_layer_free(lp);

    /* A replay of frame 0; the good first frame in the same call is not
     * delivered either. */
    both = malloc(2 * l1);
    memcpy(both, f1, l1);
    memcpy(both + l1, f1, l1);
    lp = new_layer(k, MG_LAYER_SERVER, 65536, 65536);
    expect_refusal(lp, both, 2 * l1, MG_MALFORMED, "sequence number 0, expected 1");
    mg_layer_free(lp);
    free(both);

    /* Wrong message type. */
    f1[l1 - 5] = 2;
    lp = new_layer(k, MG_LAYER_SERVER, 65536, 65536);
    expect_refusal(lp, f1, l1, MG_MALFORMED, "message type 2, expected 1");
    mg_layer_free(lp);
    free(f1);
    free(f2);

    /* Oversized: the length prefix alone is enough to refuse. */
    put_be32(hdr, 4097);
    lp = new_layer(k, MG_LAYER_SERVER, 4096, 65536);
    expect_refusal(lp, hdr, 4, MG_TOOLONG, "frame of 4097 bytes exceeds maxbuf 4096");
    mg_layer_free(lp);
    /* Exactly maxbuf is fine. */
    ref_dir_init(&d, HA1, k->cipher, 1);
    {
	unsigned char *big = malloc(4096);
	const unsigned char *got;
	size_t  glen, mlen = block ? 4077 : 4080;

	fill(big, mlen, 5);
	l1 = ref_frame(&d, big, mlen, &f1);
	ck_assert_uint_eq(l1, 4 + 4096 - (block ? 2 : 0));
	lp = new_layer(k, MG_LAYER_SERVER, 4096, 65536);
	ck_assert_int_eq(mg_layer_decode(lp, f1, l1, &got, &glen, 0), MG_OK);
	ck_assert_uint_eq(glen, mlen);
	mg_layer_free(lp);
	free(f1);
	free(big);
    }

    /* Truncated: shorter than MAC and trailer (and two blocks). */
    put_be32(hdr, block ? 21 : 15);
    lp = new_layer(k, MG_LAYER_SERVER, 65536, 65536);
    expect_refusal(lp, hdr, 4, MG_MALFORMED, "shorter than the");
    mg_layer_free(lp);
    put_be32(hdr, 0);
    lp = new_layer(k, MG_LAYER_SERVER, 65536, 65536);
    expect_refusal(lp, hdr, 4, MG_MALFORMED, "frame of 0 bytes is shorter");
    mg_layer_free(lp);

    if (block) {
	unsigned char *odd;

	/* Not whole blocks. */
	ref_dir_init(&d, HA1, k->cipher, 1);
	l1 = ref_frame(&d, msg, 20, &f1);
	odd = malloc(l1 + 1);
	memcpy(odd, f1, l1 - 6);
	odd[l1 - 6] = 0x55;
	memcpy(odd + l1 - 5, f1 + l1 - 6, 6);
	put_be32(odd, (unsigned) (l1 + 1 - 4));
	lp = new_layer(k, MG_LAYER_SERVER, 65536, 65536);
	expect_refusal(lp, odd, l1 + 1, MG_MALFORMED, "whole");
	mg_layer_free(lp);
	free(odd);
	free(f1);

	/* Bad padding under a good MAC: 9, and a value that disagrees. */
	ref_dir_init(&d, HA1, k->cipher, 1);
	l1 = ref_frame_pad(&d, msg, 20, &f1, 9);
	lp = new_layer(k, MG_LAYER_SERVER, 65536, 65536);
	expect_refusal(lp, f1, l1, MG_MALFORMED, "padding");
	mg_layer_free(lp);
	free(f1);
	ref_dir_init(&d, HA1, k->cipher, 1);
	l1 = ref_frame_pad(&d, msg, 21, &f1, 3);	/* pad is 1 */
	lp = new_layer(k, MG_LAYER_SERVER, 65536, 65536);
	expect_refusal(lp, f1, l1, MG_MALFORMED, "padding");
	mg_layer_free(lp);
	free(f1);
    }

    /* The other side's keys: a client frame fed to a client. */
    ref_dir_init(&d, HA1, k->cipher, 1);
    l1 = ref_frame(&d, msg, 20, &f1);
    lp = new_layer(k, MG_LAYER_CLIENT, 65536, 65536);
    if (block) {
	/* Decrypted with the wrong key: bad padding, or else a bad MAC. */
	const unsigned char *got;
	size_t  glen = 1;
	enum mg_code code = mg_layer_decode(lp, f1, l1, &got, &glen, 0);

	ck_assert(code == MG_MALFORMED || code == MG_BADMAC);
	ck_assert_uint_eq(glen, 0);
    } else {
	expect_refusal(lp, f1, l1, MG_BADMAC, "MAC does not verify");
    }
    mg_layer_free(lp);
    free(f1);
}
END_TEST

START_TEST(refuse_bad_setup)
{
    struct mg_layer *lp = (struct mg_layer *) 1;
    struct mg_error err;

    ck_assert_int_eq(mg_layer_new(&lp, MG_LAYER_CLIENT, MG_DIGEST_QOP_AUTH, 0, HA1,
				  65536, 65536, &err), MG_BADPARAM);
    ck_assert_ptr_null(lp);
    ck_assert_int_eq(mg_layer_new(&lp, MG_LAYER_CLIENT, MG_DIGEST_QOP_AUTH_CONF, 0,
				  HA1, 65536, 65536, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_layer_new(&lp, MG_LAYER_CLIENT, MG_DIGEST_QOP_AUTH_INT,
			      MG_DIGEST_CIPHER_RC4, HA1, 65536, 65536, &err),
		     MG_BADPARAM);
    ck_assert_int_eq(mg_layer_new(&lp, MG_LAYER_CLIENT, MG_DIGEST_QOP_AUTH_INT, 0,
				  HA1, 16, 65536, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_layer_new(&lp, MG_LAYER_CLIENT, MG_DIGEST_QOP_AUTH_INT, 0,
				  HA1, 65536, 16777216, &err), MG_BADPARAM);
    ck_assert_int_eq(mg_layer_new(&lp, MG_LAYER_CLIENT, MG_DIGEST_QOP_AUTH_CONF,
			     MG_DIGEST_CIPHER_3DES, HA1, 65536, 20, &err),
		     MG_MALFORMED);
    ck_assert_ptr_nonnull(strstr(err.reason, "too small for 3des"));
}
END_TEST

/* ---------------------------------------------------------------------
 * Which ciphers can run.
 * --------------------------------------------------------------------- */

START_TEST(ciphers_available_here)
{
    struct mg_error err;
    unsigned got;

    mg_error_clear(&err);
    got = mg_layer_ciphers_available(MG_DIGEST_CIPHER_3DES, &err);
    ck_assert_uint_eq(got, MG_DIGEST_CIPHER_3DES);
    ck_assert_str_eq(err.reason, "");
    got = mg_layer_ciphers_available(MG_LAYER_ALL_CIPHERS, &err);
    ck_assert(got & MG_DIGEST_CIPHER_3DES);
    if (got != MG_LAYER_ALL_CIPHERS)
	fprintf(stderr, "NOTE: %s\n", err.reason);
    ck_assert_uint_eq(mg_layer_cipher_ssf(MG_DIGEST_CIPHER_3DES), 112);
    ck_assert_uint_eq(mg_layer_cipher_ssf(MG_DIGEST_CIPHER_RC4), 128);
    ck_assert_uint_eq(mg_layer_cipher_ssf(MG_DIGEST_CIPHER_DES), 56);
    ck_assert_uint_eq(mg_layer_cipher_ssf(MG_DIGEST_CIPHER_RC4_40), 40);
    ck_assert_uint_eq(mg_layer_cipher_ssf(MG_DIGEST_CIPHER_RC4_56), 56);
}
END_TEST

 /*
  * Without the legacy provider (a module directory where it is not), DES
  * and RC4 are reported missing with the reason, 3DES still runs. This
  * needs a process whose private library context is still fresh, so the
  * test runs this program again (main() below), whatever Check's fork
  * mode.
  */
#define PROBE_ARG "--probe-without-legacy-provider"

static const char *self_path;		/* argv[0] */

static int probe_without_legacy(void)
{
    struct mg_error err;
    struct mg_layer *lp = 0;
    unsigned got;

    setenv("OPENSSL_MODULES", "/nonexistent/md5gate-test", 1);
    mg_error_clear(&err);
    got = mg_layer_ciphers_available(MG_LAYER_ALL_CIPHERS, &err);
    if (got != MG_DIGEST_CIPHER_3DES)
	return (10);
    if (strstr(err.reason, "des, rc4, rc4-40, rc4-56 not offered") == 0
	|| strstr(err.reason, "legacy provider cannot be loaded from "
		  "/nonexistent/md5gate-test") == 0) {
	fprintf(stderr, "reason: %s\n", err.reason);
	return (11);
    }
    if (mg_layer_new(&lp, MG_LAYER_CLIENT, MG_DIGEST_QOP_AUTH_CONF,
		     MG_DIGEST_CIPHER_RC4, HA1, 65536, 65536, &err) != MG_INTERNAL
	|| strstr(err.reason, "cannot set up cipher rc4") == 0)
	return (12);
    if (mg_layer_new(&lp, MG_LAYER_CLIENT, MG_DIGEST_QOP_AUTH_CONF,
		     MG_DIGEST_CIPHER_3DES, HA1, 65536, 65536, &err) != MG_OK)
	return (13);
    mg_layer_free(lp);
    return (0);
}

START_TEST(ciphers_without_legacy_provider)
{
    pid_t   pid;
    int     status;

    if ((pid = fork()) == 0) {
	execl(self_path, self_path, PROBE_ARG, (char *) 0);
	_exit(127);
    }
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

static Suite *layer_suite(void)
{
    Suite  *s = suite_create("digest-layer");
    TCase  *tc;

    tc = tcase_create("keys");
    tcase_add_test(tc, keys_match_rfc_formulas);
    tcase_add_test(tc, des_key_spreading);
    tcase_add_test(tc, ciphers_available_here);
    tcase_add_test(tc, ciphers_without_legacy_provider);
    suite_add_tcase(s, tc);

    tc = tcase_create("framing");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, frames_match_reference, 0, KIND_COUNT);
    tcase_add_loop_test(tc, encodev_gathers, 0, KIND_COUNT);
    tcase_add_loop_test(tc, split_at_every_boundary, 0, KIND_COUNT);
    tcase_add_loop_test(tc, several_frames_per_call, 0, KIND_COUNT);
    tcase_add_loop_test(tc, round_trip_both_ways, 0, KIND_COUNT);
    tcase_add_test(tc, maxout_is_exact);
    suite_add_tcase(s, tc);

    tc = tcase_create("refusals");
    tcase_add_loop_test(tc, refuse_bad_frames, 0, KIND_COUNT);
    tcase_add_test(tc, refuse_bad_setup);
    suite_add_tcase(s, tc);
    return (s);
}

int     main(int argc, char **argv)
{
    SRunner *sr;
    int     failed;

    self_path = argv[0];
    if (argc > 1 && strcmp(argv[1], PROBE_ARG) == 0)
	return (probe_without_legacy());
    sr = srunner_create(layer_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0 ? 0 : 1);
}
