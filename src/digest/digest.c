/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	digest 3
/* SUMMARY
/*	DIGEST-MD5 message structures: life cycle and names
/* SYNOPSIS
/*	#include "digest/digest.h"
/*
/*	void	mg_digest_challenge_init(chal)
/*
/*	void	mg_digest_challenge_free(chal)
/*
/*	void	mg_digest_response_init(resp)
/*
/*	void	mg_digest_response_free(resp)
/*
/*	enum mg_code mg_digest_set_string(slot, value, err)
/*
/*	enum mg_code mg_digest_add_realm(chal, realm, err)
/*
/*	const char *mg_digest_qop_name(qop)
/*
/*	const char *mg_digest_cipher_name(cipher)
/* DESCRIPTION
/*	The _init() functions empty a structure and set the RFC 2831
/*	defaults that apply when a directive is absent: qop auth, maxbuf
/*	65536. The _free() functions release every owned string and leave
/*	the structure initialised, so freeing twice is harmless.
/*
/*	mg_digest_set_string() replaces *slot with a private copy of value
/*	(or with a null pointer when value is null), freeing the old string.
/*
/*	mg_digest_add_realm() appends a copy of realm to the realm list of a
/*	challenge; MG_TOOLONG when MG_DIGEST_REALMS_MAX are already there.
/*
/*	mg_digest_qop_name() and mg_digest_cipher_name() return the wire
/*	name of one value, or a null pointer for anything else.
/*--*/
#include <stdlib.h>
#include <string.h>

#include "digest.h"

void    mg_digest_challenge_init(struct mg_digest_challenge *chal)
{
    memset(chal, 0, sizeof(*chal));
    chal->qops = MG_DIGEST_QOP_AUTH;
    chal->maxbuf = MG_DIGEST_MAXBUF_DEFAULT;
}

void    mg_digest_challenge_free(struct mg_digest_challenge *chal)
{
    size_t  i;

    if (chal == 0)
	return;
    for (i = 0; i < chal->realm_count && i < MG_DIGEST_REALMS_MAX; i++)
	free(chal->realms[i]);
    free(chal->nonce);
    mg_digest_challenge_init(chal);
}

void    mg_digest_response_init(struct mg_digest_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    resp->qop = MG_DIGEST_QOP_AUTH;
    resp->maxbuf = MG_DIGEST_MAXBUF_DEFAULT;
}

void    mg_digest_response_free(struct mg_digest_response *resp)
{
    if (resp == 0)
	return;
    free(resp->username);
    free(resp->realm);
    free(resp->nonce);
    free(resp->cnonce);
    free(resp->digest_uri);
    free(resp->authzid);
    mg_digest_response_init(resp);
}

enum mg_code mg_digest_set_string(char **slot, const char *value,
				          struct mg_error *err)
{
    char   *copy = 0;

    if (slot == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_set_string: null slot"));
    if (value != 0 && (copy = strdup(value)) == 0)
	return (mg_fail(err, MG_NOMEM, "out of memory copying a DIGEST-MD5 value"));
    free(*slot);
    *slot = copy;
    return (MG_OK);
}

enum mg_code mg_digest_add_realm(struct mg_digest_challenge *chal,
				         const char *realm, struct mg_error *err)
{
    if (chal == 0 || realm == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_digest_add_realm: null argument"));
    if (chal->realm_count >= MG_DIGEST_REALMS_MAX)
	return (mg_fail(err, MG_TOOLONG, "more than %d realm directives",
			MG_DIGEST_REALMS_MAX));
    if (mg_digest_set_string(&chal->realms[chal->realm_count], realm, err) != MG_OK)
	return (MG_NOMEM);
    chal->realm_count++;
    return (MG_OK);
}

const struct mg_flag_name mg_digest_qop_names[] = {
    {"auth", MG_DIGEST_QOP_AUTH},
    {"auth-int", MG_DIGEST_QOP_AUTH_INT},
    {"auth-conf", MG_DIGEST_QOP_AUTH_CONF},
    {0, 0},
};

const struct mg_flag_name mg_digest_cipher_names[] = {
    {"3des", MG_DIGEST_CIPHER_3DES},
    {"des", MG_DIGEST_CIPHER_DES},
    {"rc4", MG_DIGEST_CIPHER_RC4},
    {"rc4-40", MG_DIGEST_CIPHER_RC4_40},
    {"rc4-56", MG_DIGEST_CIPHER_RC4_56},
    {0, 0},
};

static const char *name_of(const struct mg_flag_name *names, unsigned bit)
{
    for (/* void */ ; names->name; names++)
	if (names->bit == bit)
	    return (names->name);
    return (0);
}

const char *mg_digest_qop_name(enum mg_digest_qop qop)
{
    return (name_of(mg_digest_qop_names, (unsigned) qop));
}

const char *mg_digest_cipher_name(enum mg_digest_cipher cipher)
{
    return (cipher == MG_DIGEST_CIPHER_NONE ? 0
	    : name_of(mg_digest_cipher_names, (unsigned) cipher));
}
