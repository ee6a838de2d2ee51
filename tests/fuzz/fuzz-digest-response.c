/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DIGEST-MD5 digest-response parser (what md5gate's server reads), and
 * everything the server does with a parsed response short of the
 * password lookup: validation against a challenge, the digest-uri
 * split, both charset readings of the verification, rspauth and the
 * security-layer keys. Invariants: a refusal leaves the structure empty
 * and says why in plain ASCII; a printed response parses back to the
 * same structure; the ISO-8859-1 conversion agrees with iconv(3).
 */
#include <iconv.h>
#include <string.h>

#include <openssl/evp.h>

#include "fuzz.h"
#include "digest/digest.h"

static void same_str(const char *a, const char *b, const char *what)
{
    FUZZ_ASSERT((a == 0) == (b == 0), "%s present on one side only", what);
    FUZZ_ASSERT(a == 0 || strcmp(a, b) == 0, "%s differs after printing", what);
}

static void same(const struct mg_digest_response *a, const struct mg_digest_response *b)
{
    same_str(a->username, b->username, "username");
    same_str(a->realm, b->realm, "realm");
    FUZZ_ASSERT(a->has_realm == b->has_realm, "has_realm differs");
    same_str(a->nonce, b->nonce, "nonce");
    same_str(a->cnonce, b->cnonce, "cnonce");
    FUZZ_ASSERT(a->nc == b->nc, "nc differs");
    FUZZ_ASSERT(a->qop == b->qop, "qop differs");
    same_str(a->digest_uri, b->digest_uri, "digest-uri");
    FUZZ_ASSERT(memcmp(a->response, b->response, sizeof(a->response)) == 0,
		"response differs");
    FUZZ_ASSERT(a->maxbuf == b->maxbuf, "maxbuf differs");
    FUZZ_ASSERT(a->utf8 == b->utf8, "charset differs");
    FUZZ_ASSERT(a->cipher == b->cipher, "cipher differs");
    same_str(a->authzid, b->authzid, "authzid");
}

 /*
  * The user hash computed independently: iconv decides whether a string
  * converts to ISO-8859-1, EVP hashes.
  */
static void hash_text(EVP_MD_CTX *ctx, const char *s, int utf8)
{
    static iconv_t cd = (iconv_t) -1;
    char    out[MG_DIGEST_RESPONSE_MAX];
    char   *in = (char *) s, *op = out;
    size_t  inleft = strlen(s), outleft = sizeof(out);

    if (cd == (iconv_t) -1 && (cd = iconv_open("ISO-8859-1", "UTF-8")) == (iconv_t) -1)
	abort();
    if (utf8 && iconv(cd, &in, &inleft, &op, &outleft) != (size_t) -1 && inleft == 0)
	EVP_DigestUpdate(ctx, out, (size_t) (op - out));
    else
	EVP_DigestUpdate(ctx, s, strlen(s));
    iconv(cd, 0, 0, 0, 0);
}

static void check_userhash(const struct mg_digest_response *r, const char *pw, int utf8)
{
    unsigned char a[MG_DIGEST_HASH_LEN], b[EVP_MAX_MD_SIZE];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned n;

    FUZZ_ASSERT(mg_digest_userhash(r->username, r->realm, (const unsigned char *) pw,
				   strlen(pw), utf8, a, 0) == MG_OK, "userhash");
    EVP_DigestInit_ex(ctx, EVP_md5(), 0);
    hash_text(ctx, r->username, utf8);
    EVP_DigestUpdate(ctx, ":", 1);
    hash_text(ctx, r->realm, utf8);
    EVP_DigestUpdate(ctx, ":", 1);
    hash_text(ctx, pw, utf8);
    EVP_DigestFinal_ex(ctx, b, &n);
    EVP_MD_CTX_free(ctx);
    FUZZ_ASSERT(memcmp(a, b, sizeof(a)) == 0, "user hash (utf8=%d) disagrees with iconv",
		utf8);
}

static void server_side(const struct mg_digest_response *r)
{
    static const char *const hosts[] = {"relay.example.test", "192.0.2.1", 0};
    struct mg_digest_challenge chal;
    struct mg_digest_expect expect;
    struct mg_digest_report report;
    struct mg_digest_secret secret;
    struct mg_digest_uri uri;
    struct mg_error err;
    unsigned char ha1[MG_DIGEST_HASH_LEN], k1[MG_DIGEST_HASH_LEN], k2[MG_DIGEST_HASH_LEN];
    enum mg_digest_charset used;
    enum mg_code code;

    if ((code = mg_digest_split_uri(r->digest_uri, &uri, &err)) == MG_OK) {
	FUZZ_ASSERT(uri.serv_type == r->digest_uri && uri.host > uri.serv_type
		    && uri.host + uri.host_len <= r->digest_uri + strlen(r->digest_uri),
		    "digest-uri parts out of bounds");
    } else
	fuzz_check_reason(code, &err);

    mg_digest_challenge_init(&chal);
    FUZZ_ASSERT(mg_digest_set_string(&chal.nonce, r->nonce, 0) == MG_OK, "nonce");
    FUZZ_ASSERT(mg_digest_add_realm(&chal, "example.test", 0) == MG_OK, "realm");
    chal.qops = MG_DIGEST_QOP_AUTH | MG_DIGEST_QOP_AUTH_INT | MG_DIGEST_QOP_AUTH_CONF;
    chal.ciphers = MG_DIGEST_CIPHER_3DES | MG_DIGEST_CIPHER_RC4;
    chal.utf8 = 1;
    memset(&expect, 0, sizeof(expect));
    expect.service = "smtp";
    expect.hosts = hosts;
    expect.nc = 1;
    if ((code = mg_digest_validate_response(&chal, r, &expect, &report, &err)) != MG_OK)
	fuzz_check_reason(code, &err);
    mg_digest_challenge_free(&chal);

    memset(&secret, 0, sizeof(secret));
    secret.kind = MG_DIGEST_SECRET_PASSWORD;
    secret.password = (const unsigned char *) "grüße";
    secret.password_len = strlen("grüße");
    code = mg_digest_verify_server(r, &secret, ha1, &used, &err);
    if (code != MG_OK) {
	fuzz_check_reason(code, &err);
	FUZZ_ASSERT(code == MG_BADAUTH, "verification failed otherwise: %s", err.reason);
	return;
    }
    FUZZ_ASSERT(mg_digest_kd(ha1, r, MG_DIGEST_A2_RSPAUTH, k1, 0) == MG_OK, "rspauth");
    FUZZ_ASSERT(mg_digest_signing_keys(ha1, k1, k2, 0) == MG_OK, "signing keys");
    if (r->cipher != MG_DIGEST_CIPHER_NONE)
	FUZZ_ASSERT(mg_digest_sealing_keys(ha1, r->cipher, k1, k2, 0) == MG_OK,
		    "sealing keys");
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mg_digest_response a, b;
    struct mg_error err;
    char    buf[MG_DIGEST_RESPONSE_MAX + 1];
    size_t  len;
    enum mg_code code;

    mg_digest_response_init(&a);
    mg_digest_response_init(&b);
    code = mg_digest_parse_response((const char *) data, size, &a, &err);
    if (code != MG_OK) {
	fuzz_check_reason(code, &err);
	FUZZ_ASSERT(a.username == 0 && a.realm == 0 && a.nonce == 0 && a.cnonce == 0
		    && a.digest_uri == 0 && a.authzid == 0, "refused, yet filled");
	return (0);
    }
    FUZZ_ASSERT(a.username && a.realm && a.nonce && a.cnonce && a.digest_uri,
		"parsed without a required directive");
    server_side(&a);
    check_userhash(&a, "grüße", 0);
    check_userhash(&a, "grüße", 1);
    if ((code = mg_digest_print_response(&a, buf, sizeof(buf), &len, &err)) == MG_OK) {
	FUZZ_ASSERT(len == strlen(buf), "length %zu, string %zu", len, strlen(buf));
	code = mg_digest_parse_response(buf, len, &b, &err);
	FUZZ_ASSERT(code == MG_OK, "printed response does not parse: %s", err.reason);
	same(&a, &b);
    } else {
	fuzz_check_reason(code, &err);
	FUZZ_ASSERT(code == MG_TOOLONG, "a parsed response does not print: %s", err.reason);
    }
    mg_digest_response_free(&a);
    mg_digest_response_free(&b);
    return (0);
}
