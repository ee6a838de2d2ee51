/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	layer 3
/* SUMMARY
/*	DIGEST-MD5 security layers: auth-int and auth-conf framing
/* SYNOPSIS
/*	#include "digest/layer.h"
/*
/*	unsigned mg_layer_ciphers_available(wanted, why)
/*
/*	unsigned mg_layer_cipher_ssf(cipher)
/*
/*	size_t	mg_layer_max_plaintext(qop, cipher, peer_maxbuf)
/*
/*	enum mg_code mg_layer_new(lpp, side, qop, cipher, ha1, recv_maxbuf,
/*					send_maxbuf, err)
/*
/*	enum mg_code mg_layer_encodev(lp, iov, iovcnt, out, outlen, err)
/*
/*	enum mg_code mg_layer_encode(lp, in, len, out, outlen, err)
/*
/*	enum mg_code mg_layer_decode(lp, in, len, out, outlen, err)
/*
/*	size_t	mg_layer_maxout(lp)
/*
/*	unsigned mg_layer_ssf(lp)
/*
/*	void	mg_layer_free(lp)
/*
/*	void	mg_layer_library_release()
/* DESCRIPTION
/*	RFC 2831 sections 2.3 and 2.4. Every frame is a 4-byte big-endian
/*	length followed by that many bytes:
/* .IP auth-int
/*	message, HMAC-MD5(Ki, seqnum || message)[0..9], 0x0001, seqnum
/* .IP auth-conf
/*	CIPHER(Kc, message || padding || HMAC-MD5(Ki, seqnum || message)[0..9]),
/*	0x0001, seqnum
/* .PP
/*	seqnum is 4 bytes big-endian, starting at 0 in each direction and
/*	counted separately for sending and receiving. Ki is Kic for what the
/*	client sends and Kis for what the server sends; Kc likewise (see
/*	mg_digest_signing_keys() and mg_digest_sealing_keys()).
/*
/*	Ciphers, as RFC 2831 and Cyrus SASL 2.1.28 use them:
/* .IP "3des"
/*	Two-key triple DES (EDE with K1, K2, K1) in CBC mode. K1 is Kc[0..6]
/*	and K2 is Kc[7..13], each spread to 8 bytes by mg_layer_slidebits():
/*	seven key bits in the high bits of each byte, as Cyrus's slidebits()
/*	does (its low bits, which DES ignores as parity, come out as Cyrus
/*	leaves them). The IV is Kc[8..15].
/* .IP "des"
/*	Single DES in CBC mode, key Kc[0..6] spread the same way, IV
/*	Kc[8..15].
/* .IP "rc4, rc4-40, rc4-56"
/*	RC4 keyed with all 16 bytes of Kc; the variants differ only in how
/*	much of H(A1) went into Kc (16, 5 or 7 bytes).
/* .PP
/*	Block ciphers pad with 1 to 8 bytes, each holding the pad length,
/*	so that message, padding and MAC fill whole 8-byte blocks. Cipher
/*	state carries from one frame to the next in each direction: the
/*	CBC chain continues (the next IV is the last ciphertext block) and
/*	the RC4 key stream goes on.
/*
/*	mg_layer_ciphers_available() returns which of the wanted ciphers
/*	(a MG_DIGEST_CIPHER_* mask) can run here. Every cipher and the
/*	HMAC come from an OpenSSL library context private to md5gate, with
/*	the default provider and, only when a DES or RC4 cipher is wanted,
/*	the legacy provider loaded into it; the application's default
/*	context, providers and configuration are never touched. When a
/*	wanted cipher cannot run, why (if not null) receives the reason.
/*	Each cipher is tried once per process (until
/*	mg_layer_library_release()): the first call creates the context and
/*	fetches and keys the ciphers, millions of instructions, which only
/*	a process that actually negotiates a security layer should pay.
/*
/*	mg_layer_max_plaintext() is the largest message that fits a frame
/*	of at most peer_maxbuf bytes, counting the 4-byte length prefix
/*	too (some implementations do): what libsasl2 calls maxoutbuf. Zero
/*	when not even an empty message fits.
/*
/*	mg_layer_new() derives the keys from H(A1) for one side and sets up
/*	the layer. recv_maxbuf is what this side announced: longer frames
/*	are refused. send_maxbuf is what the peer announced.
/*
/*	mg_layer_encodev() and mg_layer_encode() make one frame from one
/*	message of at most mg_layer_maxout() bytes. The frame stays valid
/*	until the next call that encodes.
/*
/*	mg_layer_maxout() is that limit for this layer's peer, and
/*	mg_layer_ssf() the layer's strength (1 for auth-int).
/*
/*	mg_layer_decode() takes the received byte stream in pieces of any
/*	size: a frame may be split anywhere, and one call may complete
/*	several frames. The plaintext of every frame completed by the call
/*	is returned, concatenated, and stays valid until the next decode
/*	call. A frame is refused as soon as its length prefix is complete
/*	when that length exceeds recv_maxbuf or is below the minimum for the
/*	layer, and when complete for a wrong message type, wrong sequence
/*	number, bad padding or a MAC that does not verify. Then nothing
/*	from the call is delivered (plaintext already decrypted is erased),
/*	and the layer stays failed: the stream cannot be resynchronised, so
/*	every later call fails with the first reason.
/* SECURITY
/*	The MAC is compared in constant time. Keys, cipher states and
/*	plaintext buffers are erased when freed.
/* DIAGNOSTICS
/*	MG_BADMAC for a frame whose MAC does not verify, MG_MALFORMED for
/*	any other refused frame, MG_TOOLONG for an oversized frame
/*	or message, MG_INTERNAL for an OpenSSL failure, MG_BADPARAM for
/*	misuse, MG_NOMEM.
/*
/*	mg_layer_library_release() frees md5gate's OpenSSL library context
/*	(and the providers in it); the next use creates it again.
/*--*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "mg_util.h"
#include "digest/layer.h"

 /*
  * The private library context. Created on first use; the legacy provider
  * is loaded into it once, on the first request for DES or RC4.
  * mg_layer_library_release() frees it when the plugin is let go (libsasl2
  * calls mech_free before it unloads the plugin, after which nothing
  * would point at the context any more), and a later use starts afresh.
  * A mutex rather than a once-only flag, so that it can be reset.
  */
static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static OSSL_LIB_CTX *priv_ctx;
static OSSL_PROVIDER *default_prov;
static OSSL_PROVIDER *legacy_prov;
static int ctx_tried;
static int legacy_tried;
static int ctx_ok;
static int legacy_ok;
static char ctx_error[120];
static char legacy_error[160];
static unsigned probed_ciphers;		/* tried in this context */
static unsigned runnable_probed;	/* of those, which can run */

static void note_openssl_error(char *buf, size_t len, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    const char *detail = e ? ERR_reason_error_string(e) : 0;

    if (detail != 0)
	snprintf(buf, len, "%s (%s)", what, detail);
    else
	snprintf(buf, len, "%s", what);
}

static void ctx_init(void)
{
    ERR_set_mark();
    if ((priv_ctx = OSSL_LIB_CTX_new()) == 0) {
	note_openssl_error(ctx_error, sizeof(ctx_error),
			   "cannot create an OpenSSL library context");
    } else if ((default_prov = OSSL_PROVIDER_load(priv_ctx, "default")) == 0) {
	note_openssl_error(ctx_error, sizeof(ctx_error),
			   "cannot load OpenSSL's default provider");
    } else {
	ctx_ok = 1;
    }
    ERR_pop_to_mark();
}

static void legacy_init(void)
{
    const char *dir = getenv("OPENSSL_MODULES");
    char    what[120];

    if (dir == 0)
	dir = OpenSSL_version(OPENSSL_MODULES_DIR);
    snprintf(what, sizeof(what), "OpenSSL's legacy provider cannot be "
	     "loaded from %.60s", dir);
    ERR_set_mark();
    if ((legacy_prov = OSSL_PROVIDER_load(priv_ctx, "legacy")) == 0)
	note_openssl_error(legacy_error, sizeof(legacy_error), what);
    else
	legacy_ok = 1;
    ERR_pop_to_mark();
}

static OSSL_LIB_CTX *layer_ctx(int want_legacy)
{
    OSSL_LIB_CTX *ctx = 0;

    pthread_mutex_lock(&ctx_lock);
    if (!ctx_tried) {
	ctx_tried = 1;
	ctx_init();
    }
    if (ctx_ok) {
	if (want_legacy && !legacy_tried) {
	    legacy_tried = 1;
	    legacy_init();
	}
	ctx = priv_ctx;
    }
    pthread_mutex_unlock(&ctx_lock);
    return (ctx);
}

void    mg_layer_library_release(void)
{
    pthread_mutex_lock(&ctx_lock);
    /* Each load took a reference that freeing the context leaves behind. */
    if (legacy_prov != 0)
	OSSL_PROVIDER_unload(legacy_prov);
    if (default_prov != 0)
	OSSL_PROVIDER_unload(default_prov);
    legacy_prov = default_prov = 0;
    OSSL_LIB_CTX_free(priv_ctx);
    priv_ctx = 0;
    ctx_tried = legacy_tried = ctx_ok = legacy_ok = 0;
    ctx_error[0] = legacy_error[0] = 0;
    probed_ciphers = runnable_probed = 0;
    pthread_mutex_unlock(&ctx_lock);
}

 /*
  * Per cipher: how OpenSSL names it, its key length for OpenSSL, whether
  * it is a DES block cipher, and how many bytes of H(A1) make Kc.
  */
struct cipher_info {
    enum mg_digest_cipher cipher;
    const char *ossl_name;
    int     legacy;
    int     block;
    unsigned ssf;
};

static const struct cipher_info ciphers[] = {
    {MG_DIGEST_CIPHER_3DES, "DES-EDE-CBC", 0, 1, MG_LAYER_SSF_3DES},
    {MG_DIGEST_CIPHER_DES, "DES-CBC", 1, 1, MG_LAYER_SSF_DES},
    {MG_DIGEST_CIPHER_RC4, "RC4", 1, 0, MG_LAYER_SSF_RC4},
    {MG_DIGEST_CIPHER_RC4_40, "RC4", 1, 0, MG_LAYER_SSF_RC4_40},
    {MG_DIGEST_CIPHER_RC4_56, "RC4", 1, 0, MG_LAYER_SSF_RC4_56},
};

#define CIPHER_COUNT (sizeof(ciphers) / sizeof(ciphers[0]))

static const struct cipher_info *cipher_info(enum mg_digest_cipher cipher)
{
    size_t  i;

    for (i = 0; i < CIPHER_COUNT; i++)
	if (ciphers[i].cipher == cipher)
	    return (&ciphers[i]);
    return (0);
}

unsigned mg_layer_cipher_ssf(enum mg_digest_cipher cipher)
{
    const struct cipher_info *ci = cipher_info(cipher);

    return (ci ? ci->ssf : 0);
}

 /*
  * Whether OpenSSL can set up this cipher in the private context: fetch
  * it and key it once, as a real layer would.
  */
static int cipher_runs(OSSL_LIB_CTX *ctx, const struct cipher_info *ci)
{
    static const unsigned char key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    12, 13, 14, 15, 16};
    EVP_CIPHER *evp;
    EVP_CIPHER_CTX *cctx;
    int     ok = 0;

    ERR_set_mark();
    if ((evp = EVP_CIPHER_fetch(ctx, ci->ossl_name, 0)) != 0) {
	if ((cctx = EVP_CIPHER_CTX_new()) != 0) {
	    ok = EVP_EncryptInit_ex2(cctx, evp, key, ci->block ? key : 0, 0) == 1;
	    EVP_CIPHER_CTX_free(cctx);
	}
	EVP_CIPHER_free(evp);
    }
    ERR_pop_to_mark();
    return (ok);
}

unsigned mg_layer_ciphers_available(unsigned wanted, struct mg_error *why)
{
    OSSL_LIB_CTX *ctx;
    unsigned runnable = 0;
    unsigned missing;
    int     want_legacy = 0;
    size_t  i;

    wanted &= MG_LAYER_ALL_CIPHERS;
    for (i = 0; i < CIPHER_COUNT; i++)
	if ((wanted & ciphers[i].cipher) && ciphers[i].legacy)
	    want_legacy = 1;
    if ((ctx = layer_ctx(want_legacy)) == 0) {
	if (wanted && why)
	    mg_fail(why, MG_INTERNAL, "no DIGEST-MD5 cipher can run: %s", ctx_error);
	return (0);
    }
    pthread_mutex_lock(&ctx_lock);
    for (i = 0; i < CIPHER_COUNT; i++) {
	if ((wanted & ciphers[i].cipher) == 0 || (probed_ciphers & ciphers[i].cipher))
	    continue;
	probed_ciphers |= ciphers[i].cipher;
	if (ciphers[i].legacy && !legacy_ok)
	    continue;
	if (cipher_runs(ctx, &ciphers[i]))
	    runnable_probed |= ciphers[i].cipher;
    }
    runnable = wanted & runnable_probed;
    pthread_mutex_unlock(&ctx_lock);
    if ((missing = wanted & ~runnable) != 0 && why) {
	char    names[64] = "";

	for (i = 0; i < CIPHER_COUNT; i++) {
	    if (missing & ciphers[i].cipher) {
		if (*names)
		    strcat(names, ", ");
		strcat(names, mg_digest_cipher_name(ciphers[i].cipher));
	    }
	}
	if ((missing & MG_LAYER_WEAK_CIPHERS) && !legacy_ok)
	    mg_fail(why, MG_INTERNAL, "DIGEST-MD5 ciphers %s not offered: %s",
		    names, legacy_error);
	else
	    mg_fail(why, MG_INTERNAL, "DIGEST-MD5 ciphers %s not offered: OpenSSL "
		    "cannot set them up", names);
    }
    return (runnable);
}

void    mg_layer_slidebits(unsigned char out[8], const unsigned char in[7])
{
    out[0] = in[0];
    out[1] = (unsigned char) (in[0] << 7 | in[1] >> 1);
    out[2] = (unsigned char) (in[1] << 6 | in[2] >> 2);
    out[3] = (unsigned char) (in[2] << 5 | in[3] >> 3);
    out[4] = (unsigned char) (in[3] << 4 | in[4] >> 4);
    out[5] = (unsigned char) (in[4] << 3 | in[5] >> 5);
    out[6] = (unsigned char) (in[5] << 2 | in[6] >> 6);
    out[7] = (unsigned char) (in[6] << 1);
}

size_t  mg_layer_max_plaintext(enum mg_digest_qop qop, enum mg_digest_cipher cipher,
			               uint32_t peer_maxbuf)
{
    const struct cipher_info *ci = 0;
    size_t  room;

    if (qop == MG_DIGEST_QOP_AUTH_CONF && (ci = cipher_info(cipher)) == 0)
	return (0);
    if (qop != MG_DIGEST_QOP_AUTH_INT && qop != MG_DIGEST_QOP_AUTH_CONF)
	return (0);
    if (peer_maxbuf < 4 + MG_LAYER_TRAILER_LEN + MG_LAYER_MAC_LEN)
	return (0);
    room = (size_t) peer_maxbuf - 4 - MG_LAYER_TRAILER_LEN;
    if (ci && ci->block) {
	room -= room % MG_LAYER_BLOCK;
	/* message + at least one byte of padding + MAC */
	return (room >= MG_LAYER_MAC_LEN + 1 ? room - MG_LAYER_MAC_LEN - 1 : 0);
    }
    return (room - MG_LAYER_MAC_LEN);
}

 /*
  * A growable buffer that is erased before it is released or moved.
  */
struct buf {
    unsigned char *data;
    size_t  size;
};

static int buf_reserve(struct buf *bp, size_t need)
{
    unsigned char *bigger;
    size_t  size;

    if (need <= bp->size)
	return (1);
    size = bp->size ? bp->size : 256;
    while (size < need)
	size = size > ((size_t) -1) / 2 ? need : 2 * size;
    if ((bigger = malloc(size)) == 0)
	return (0);
    if (bp->data) {
	memcpy(bigger, bp->data, bp->size);
	mg_cleanse(bp->data, bp->size);
	free(bp->data);
    }
    bp->data = bigger;
    bp->size = size;
    return (1);
}

static void buf_free(struct buf *bp)
{
    if (bp->data) {
	mg_cleanse(bp->data, bp->size);
	free(bp->data);
    }
    bp->data = 0;
    bp->size = 0;
}

 /*
  * One direction: integrity key, MAC context, cipher context, counter.
  */
struct direction {
    EVP_MAC_CTX *mac;
    EVP_CIPHER_CTX *cipher;
    uint32_t seq;
    int     exhausted;			/* seq wrapped */
};

struct mg_layer {
    enum mg_digest_qop qop;
    enum mg_digest_cipher cipher;
    int     block;
    uint32_t recv_maxbuf;
    size_t  maxout;
    struct direction send;
    struct direction recv;
    struct buf obuf;			/* encoded frame */
    unsigned char hdr[4];		/* decode: length prefix so far */
    size_t  hdr_have;
    uint32_t frame_len;			/* decode: current frame body */
    struct buf frame;			/* decode: partial frame body */
    size_t  frame_have;
    struct buf dbuf;			/* decoded plaintext */
    int     failed;
    struct mg_error failure;		/* the first decode failure */
};

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}

static uint32_t get32(const unsigned char *p)
{
    return ((uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
	    | (uint32_t) p[2] << 8 | p[3]);
}

static EVP_MAC_CTX *mac_new(OSSL_LIB_CTX *ctx, const unsigned char key[16])
{
    EVP_MAC *mac;
    EVP_MAC_CTX *mctx = 0;
    OSSL_PARAM params[2];
    char    digest[] = "MD5";

    if ((mac = EVP_MAC_fetch(ctx, "HMAC", 0)) == 0)
	return (0);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if ((mctx = EVP_MAC_CTX_new(mac)) != 0
	&& EVP_MAC_init(mctx, key, MG_DIGEST_HASH_LEN, params) != 1) {
	EVP_MAC_CTX_free(mctx);
	mctx = 0;
    }
    EVP_MAC_free(mac);
    return (mctx);
}

static EVP_CIPHER_CTX *cipher_new(OSSL_LIB_CTX *ctx, const struct cipher_info *ci,
				          const unsigned char kc[16], int enc)
{
    unsigned char key[16];
    EVP_CIPHER *evp;
    EVP_CIPHER_CTX *cctx = 0;
    const unsigned char *iv = 0;

    if ((evp = EVP_CIPHER_fetch(ctx, ci->ossl_name, 0)) == 0)
	return (0);
    if (ci->block) {
	mg_layer_slidebits(key, kc);
	if (ci->cipher == MG_DIGEST_CIPHER_3DES)
	    mg_layer_slidebits(key + 8, kc + 7);
	iv = kc + 8;
    } else {
	memcpy(key, kc, sizeof(key));
    }
    if ((cctx = EVP_CIPHER_CTX_new()) == 0
	|| EVP_CipherInit_ex2(cctx, evp, key, iv, enc, 0) != 1
	|| EVP_CIPHER_CTX_set_padding(cctx, 0) != 1) {
	EVP_CIPHER_CTX_free(cctx);
	cctx = 0;
    }
    mg_cleanse(key, sizeof(key));
    EVP_CIPHER_free(evp);
    return (cctx);
}

void    mg_layer_free(struct mg_layer *lp)
{
    if (lp == 0)
	return;
    EVP_MAC_CTX_free(lp->send.mac);
    EVP_MAC_CTX_free(lp->recv.mac);
    EVP_CIPHER_CTX_free(lp->send.cipher);
    EVP_CIPHER_CTX_free(lp->recv.cipher);
    buf_free(&lp->obuf);
    buf_free(&lp->frame);
    buf_free(&lp->dbuf);
    mg_cleanse(lp, sizeof(*lp));
    free(lp);
}

enum mg_code mg_layer_new(struct mg_layer **lpp, enum mg_layer_side side,
			          enum mg_digest_qop qop, enum mg_digest_cipher cipher,
			          const unsigned char ha1[MG_DIGEST_HASH_LEN],
			          uint32_t recv_maxbuf, uint32_t send_maxbuf,
			          struct mg_error *err)
{
    unsigned char kic[MG_DIGEST_HASH_LEN], kis[MG_DIGEST_HASH_LEN];
    unsigned char kcc[MG_DIGEST_HASH_LEN], kcs[MG_DIGEST_HASH_LEN];
    const struct cipher_info *ci = 0;
    struct mg_layer *lp;
    OSSL_LIB_CTX *ctx;
    enum mg_code code;
    int     client = (side == MG_LAYER_CLIENT);

    if (lpp == 0 || ha1 == 0 || (side != MG_LAYER_CLIENT && side != MG_LAYER_SERVER))
	return (mg_fail(err, MG_BADPARAM, "mg_layer_new: bad argument"));
    *lpp = 0;
    if (qop == MG_DIGEST_QOP_AUTH_CONF) {
	if ((ci = cipher_info(cipher)) == 0)
	    return (mg_fail(err, MG_BADPARAM, "auth-conf needs a cipher"));
    } else if (qop != MG_DIGEST_QOP_AUTH_INT || cipher != MG_DIGEST_CIPHER_NONE) {
	return (mg_fail(err, MG_BADPARAM, "no security layer for this qop"));
    }
    if (recv_maxbuf < MG_DIGEST_MAXBUF_MIN || recv_maxbuf > MG_DIGEST_MAXBUF_MAX
	|| send_maxbuf < MG_DIGEST_MAXBUF_MIN || send_maxbuf > MG_DIGEST_MAXBUF_MAX)
	return (mg_fail(err, MG_BADPARAM, "maxbuf outside %d..%d",
			MG_DIGEST_MAXBUF_MIN, MG_DIGEST_MAXBUF_MAX));
    if (mg_layer_max_plaintext(qop, cipher, send_maxbuf) == 0)
	return (mg_fail(err, MG_MALFORMED, "peer maxbuf %lu is too small for %s",
			(unsigned long) send_maxbuf,
			ci ? mg_digest_cipher_name(cipher) : mg_digest_qop_name(qop)));
    if ((ctx = layer_ctx(ci != 0 && ci->legacy)) == 0)
	return (mg_fail(err, MG_INTERNAL, "%s", ctx_error));
    if ((lp = calloc(1, sizeof(*lp))) == 0)
	return (mg_fail(err, MG_NOMEM, "out of memory for a security layer"));
    lp->qop = qop;
    lp->cipher = ci ? cipher : MG_DIGEST_CIPHER_NONE;
    lp->block = ci ? ci->block : 0;
    lp->recv_maxbuf = recv_maxbuf;
    lp->maxout = mg_layer_max_plaintext(qop, cipher, send_maxbuf);
    code = mg_digest_signing_keys(ha1, kic, kis, err);
    if (code == MG_OK && ci)
	code = mg_digest_sealing_keys(ha1, cipher, kcc, kcs, err);
    if (code == MG_OK) {
	lp->send.mac = mac_new(ctx, client ? kic : kis);
	lp->recv.mac = mac_new(ctx, client ? kis : kic);
	if (lp->send.mac == 0 || lp->recv.mac == 0)
	    code = mg_fail(err, MG_INTERNAL, "OpenSSL HMAC-MD5 is unavailable");
    }
    if (code == MG_OK && ci) {
	ERR_set_mark();
	lp->send.cipher = cipher_new(ctx, ci, client ? kcc : kcs, 1);
	lp->recv.cipher = cipher_new(ctx, ci, client ? kcs : kcc, 0);
	ERR_pop_to_mark();
	if (lp->send.cipher == 0 || lp->recv.cipher == 0)
	    code = mg_fail(err, MG_INTERNAL, "cannot set up cipher %s%s",
			   mg_digest_cipher_name(cipher),
			   ci->legacy && !legacy_ok ? ": OpenSSL's legacy "
			   "provider is unavailable" : "");
    }
    mg_cleanse(kic, sizeof(kic));
    mg_cleanse(kis, sizeof(kis));
    mg_cleanse(kcc, sizeof(kcc));
    mg_cleanse(kcs, sizeof(kcs));
    if (code != MG_OK) {
	mg_layer_free(lp);
	return (code);
    }
    *lpp = lp;
    return (MG_OK);
}

size_t  mg_layer_maxout(const struct mg_layer *lp)
{
    return (lp ? lp->maxout : 0);
}

unsigned mg_layer_ssf(const struct mg_layer *lp)
{
    if (lp == 0)
	return (0);
    return (lp->qop == MG_DIGEST_QOP_AUTH_INT ? MG_LAYER_SSF_INT :
	    mg_layer_cipher_ssf(lp->cipher));
}

 /*
  * HMAC-MD5(Ki, seqnum || message)[0..9]; the message comes in pieces.
  */
static int mac_compute(EVP_MAC_CTX *mctx, uint32_t seq, const struct iovec *iov,
		               size_t iovcnt, unsigned char out[MG_LAYER_MAC_LEN])
{
    unsigned char seqbuf[4];
    unsigned char full[EVP_MAX_MD_SIZE];
    size_t  n = 0;
    size_t  i;
    int     ok;

    put32(seqbuf, seq);
    ok = EVP_MAC_init(mctx, 0, 0, 0) == 1
	&& EVP_MAC_update(mctx, seqbuf, sizeof(seqbuf)) == 1;
    for (i = 0; ok && i < iovcnt; i++)
	if (iov[i].iov_len > 0)
	    ok = EVP_MAC_update(mctx, iov[i].iov_base, iov[i].iov_len) == 1;
    ok = ok && EVP_MAC_final(mctx, full, &n, sizeof(full)) == 1
	&& n == MG_DIGEST_HASH_LEN;
    if (ok)
	memcpy(out, full, MG_LAYER_MAC_LEN);
    mg_cleanse(full, sizeof(full));
    return (ok);
}

static int cipher_run(EVP_CIPHER_CTX *cctx, unsigned char *out,
		              const unsigned char *in, size_t len)
{
    int     n = 0;

    if (len == 0)
	return (1);
    if (len > 0x7fffffff)
	return (0);
    return (EVP_CipherUpdate(cctx, out, &n, in, (int) len) == 1
	    && (size_t) n == len);
}

enum mg_code mg_layer_encodev(struct mg_layer *lp, const struct iovec *iov,
			              size_t iovcnt, const unsigned char **out,
			              size_t *outlen, struct mg_error *err)
{
    unsigned char *p;
    unsigned char mac[MG_LAYER_MAC_LEN];
    size_t  len = 0;
    size_t  pad = 0;
    size_t  body;
    size_t  i;

    if (lp == 0 || out == 0 || outlen == 0 || (iov == 0 && iovcnt > 0))
	return (mg_fail(err, MG_BADPARAM, "mg_layer_encode: bad argument"));
    for (i = 0; i < iovcnt; i++) {
	if (iov[i].iov_base == 0 && iov[i].iov_len > 0)
	    return (mg_fail(err, MG_BADPARAM, "mg_layer_encode: null buffer"));
	len += iov[i].iov_len;
	if (len < iov[i].iov_len)
	    return (mg_fail(err, MG_TOOLONG, "message size overflows"));
    }
    if (len > lp->maxout)
	return (mg_fail(err, MG_TOOLONG, "message of %lu bytes exceeds the %lu "
			"bytes the peer's maxbuf allows", (unsigned long) len,
			(unsigned long) lp->maxout));
    if (lp->send.exhausted)
	return (mg_fail(err, MG_TOOLONG, "security layer sequence numbers are "
			"used up; reconnect"));
    if (lp->block)
	pad = MG_LAYER_BLOCK - (len + MG_LAYER_MAC_LEN) % MG_LAYER_BLOCK;
    body = len + pad + MG_LAYER_MAC_LEN + MG_LAYER_TRAILER_LEN;
    if (!buf_reserve(&lp->obuf, 4 + body))
	return (mg_fail(err, MG_NOMEM, "out of memory encoding a frame"));
    p = lp->obuf.data;
    put32(p, (uint32_t) body);
    p += 4;
    for (i = 0; i < iovcnt; i++) {
	if (iov[i].iov_len > 0)
	    memcpy(p, iov[i].iov_base, iov[i].iov_len);
	p += iov[i].iov_len;
    }
    if (!mac_compute(lp->send.mac, lp->send.seq, iov, iovcnt, mac))
	return (mg_fail(err, MG_INTERNAL, "OpenSSL HMAC-MD5 failed"));
    memset(p, (int) pad, pad);
    p += pad;
    memcpy(p, mac, MG_LAYER_MAC_LEN);
    p += MG_LAYER_MAC_LEN;
    mg_cleanse(mac, sizeof(mac));
    if (lp->send.cipher
	&& !cipher_run(lp->send.cipher, lp->obuf.data + 4, lp->obuf.data + 4,
		       len + pad + MG_LAYER_MAC_LEN))
	return (mg_fail(err, MG_INTERNAL, "OpenSSL %s encryption failed",
			mg_digest_cipher_name(lp->cipher)));
    p[0] = 0;
    p[1] = 1;
    put32(p + 2, lp->send.seq);
    if (++lp->send.seq == 0)
	lp->send.exhausted = 1;
    *out = lp->obuf.data;
    *outlen = 4 + body;
    return (MG_OK);
}

enum mg_code mg_layer_encode(struct mg_layer *lp, const void *in, size_t len,
			             const unsigned char **out, size_t *outlen,
			             struct mg_error *err)
{
    struct iovec iov;

    iov.iov_base = (void *) in;
    iov.iov_len = len;
    return (mg_layer_encodev(lp, &iov, 1, out, outlen, err));
}

 /*
  * Smallest frame body: MAC and trailer, plus for block ciphers a whole
  * number of blocks holding at least one padding byte.
  */
static uint32_t min_frame(const struct mg_layer *lp)
{
    if (lp->block)
	return (2 * MG_LAYER_BLOCK + MG_LAYER_TRAILER_LEN);
    return (MG_LAYER_MAC_LEN + MG_LAYER_TRAILER_LEN);
}

 /*
  * Check and open one complete frame body, appending its message to the
  * decode buffer at offset *dlen.
  */
static enum mg_code open_frame(struct mg_layer *lp, const unsigned char *body,
			               size_t blen, size_t *dlen, struct mg_error *err)
{
    size_t  sealed = blen - MG_LAYER_TRAILER_LEN;
    const unsigned char *trailer = body + sealed;
    unsigned char expect[MG_LAYER_MAC_LEN];
    unsigned char *msg;
    const unsigned char *mac;
    struct iovec iov;
    uint32_t seq;
    size_t  mlen;
    size_t  pad = 0;
    size_t  i;
    unsigned bad = 0;

    if (lp->block && sealed % MG_LAYER_BLOCK != 0)
	return (mg_fail(err, MG_MALFORMED, "frame of %lu bytes does not hold "
			"whole %s blocks", (unsigned long) blen,
			mg_digest_cipher_name(lp->cipher)));
    if (trailer[0] != 0 || trailer[1] != 1)
	return (mg_fail(err, MG_MALFORMED, "frame has message type %u, expected 1",
			(unsigned) trailer[0] << 8 | trailer[1]));
    if ((seq = get32(trailer + 2)) != lp->recv.seq)
	return (mg_fail(err, MG_MALFORMED, "frame has sequence number %lu, "
			"expected %lu", (unsigned long) seq,
			(unsigned long) lp->recv.seq));
    if (lp->recv.exhausted)
	return (mg_fail(err, MG_MALFORMED, "security layer sequence numbers are "
			"used up"));
    if (!buf_reserve(&lp->dbuf, *dlen + sealed))
	return (mg_fail(err, MG_NOMEM, "out of memory decoding a frame"));
    msg = lp->dbuf.data + *dlen;
    if (lp->recv.cipher) {
	if (!cipher_run(lp->recv.cipher, msg, body, sealed))
	    return (mg_fail(err, MG_INTERNAL, "OpenSSL %s decryption failed",
			    mg_digest_cipher_name(lp->cipher)));
	mac = msg + sealed - MG_LAYER_MAC_LEN;
    } else {
	memcpy(msg, body, sealed - MG_LAYER_MAC_LEN);
	mac = body + sealed - MG_LAYER_MAC_LEN;
    }
    mlen = sealed - MG_LAYER_MAC_LEN;
    if (lp->block) {
	pad = msg[mlen - 1];
	if (pad < 1 || pad > MG_LAYER_BLOCK || pad > mlen)
	    bad = 1;
	for (i = 1; !bad && i <= pad; i++)
	    if (msg[mlen - i] != pad)
		bad = 1;
	if (bad)
	    return (mg_fail(err, MG_MALFORMED, "frame has bad %s padding",
			    mg_digest_cipher_name(lp->cipher)));
	mlen -= pad;
    }
    iov.iov_base = msg;
    iov.iov_len = mlen;
    if (!mac_compute(lp->recv.mac, lp->recv.seq, &iov, 1, expect))
	return (mg_fail(err, MG_INTERNAL, "OpenSSL HMAC-MD5 failed"));
    if (!mg_equal_ct(expect, mac, MG_LAYER_MAC_LEN))
	return (mg_fail(err, MG_BADMAC, "frame %lu: MAC does not verify",
			(unsigned long) lp->recv.seq));
    if (++lp->recv.seq == 0)
	lp->recv.exhausted = 1;
    *dlen += mlen;
    return (MG_OK);
}

static enum mg_code check_length(const struct mg_layer *lp, uint32_t len,
				         struct mg_error *err)
{
    if (len > lp->recv_maxbuf)
	return (mg_fail(err, MG_TOOLONG, "frame of %lu bytes exceeds maxbuf %lu",
			(unsigned long) len, (unsigned long) lp->recv_maxbuf));
    if (len < min_frame(lp))
	return (mg_fail(err, MG_MALFORMED, "frame of %lu bytes is shorter than "
			"the %lu-byte minimum", (unsigned long) len,
			(unsigned long) min_frame(lp)));
    return (MG_OK);
}

static enum mg_code decode_fail(struct mg_layer *lp, struct mg_error *err)
{
    if (lp->dbuf.data)
	mg_cleanse(lp->dbuf.data, lp->dbuf.size);
    lp->failed = 1;
    lp->failure = *err;
    return (lp->failure.code);
}

enum mg_code mg_layer_decode(struct mg_layer *lp, const void *in, size_t len,
			             const unsigned char **out, size_t *outlen,
			             struct mg_error *err)
{
    const unsigned char *cp = in;
    struct mg_error local;
    size_t  dlen = 0;
    size_t  n;
    enum mg_code code;

    if (err == 0)
	err = &local;
    if (lp == 0 || out == 0 || outlen == 0 || (cp == 0 && len > 0))
	return (mg_fail(err, MG_BADPARAM, "mg_layer_decode: bad argument"));
    *out = 0;
    *outlen = 0;
    if (lp->failed)
	return (mg_fail(err, lp->failure.code, "security layer failed earlier: %s",
			lp->failure.reason));
    while (len > 0) {
	if (lp->hdr_have < 4) {
	    n = 4 - lp->hdr_have < len ? 4 - lp->hdr_have : len;
	    memcpy(lp->hdr + lp->hdr_have, cp, n);
	    lp->hdr_have += n;
	    cp += n;
	    len -= n;
	    if (lp->hdr_have < 4)
		break;
	    lp->frame_len = get32(lp->hdr);
	    lp->frame_have = 0;
	    if ((code = check_length(lp, lp->frame_len, err)) != MG_OK)
		return (decode_fail(lp, err));
	    if (len == 0)
		break;
	}
	if (lp->frame_have == 0 && len >= lp->frame_len) {
	    /* The whole body is here: open it in place. */
	    code = open_frame(lp, cp, lp->frame_len, &dlen, err);
	    n = lp->frame_len;
	} else {
	    if (!buf_reserve(&lp->frame, lp->frame_len)) {
		mg_fail(err, MG_NOMEM, "out of memory buffering a frame");
		return (decode_fail(lp, err));
	    }
	    n = lp->frame_len - lp->frame_have < len ?
		lp->frame_len - lp->frame_have : len;
	    memcpy(lp->frame.data + lp->frame_have, cp, n);
	    lp->frame_have += n;
	    if (lp->frame_have < lp->frame_len) {
		cp += n;
		len -= n;
		break;
	    }
	    code = open_frame(lp, lp->frame.data, lp->frame_len, &dlen, err);
	}
	if (code != MG_OK)
	    return (decode_fail(lp, err));
	cp += n;
	len -= n;
	lp->hdr_have = 0;
	lp->frame_have = 0;
    }
    *out = dlen ? lp->dbuf.data : 0;
    *outlen = dlen;
    return (MG_OK);
}
