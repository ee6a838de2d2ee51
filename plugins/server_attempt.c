/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	server_attempt 3
/* SUMMARY
/*	one server authentication attempt, shared by both mechanisms
/* SYNOPSIS
/*	#include "server_attempt.h"
/*
/*	void	mgp_attempt_start(a, sparams, mech)
/*
/*	int	mgp_attempt_open(a, sparams)
/*
/*	int	mgp_attempt_identify(a, sparams, claim, props, oparams)
/*
/*	int	mgp_attempt_gate(a, sparams, qop, cipher)
/*
/*	int	mgp_attempt_verify(a, sparams, v)
/*
/*	int	mgp_attempt_authorize(a, sparams, oparams)
/*
/*	int	mgp_attempt_finish(a, utils, result)
/*
/*	void	mgp_attempt_dispose(a, utils)
/* DESCRIPTION
/*	The mechanism files speak their protocol; everything else about an
/*	attempt happens here, in this order, the same for CRAM-MD5 and
/*	DIGEST-MD5:
/* .IP start
/*	mgp_attempt_start() when the mechanism instance is created; then
/*	mgp_attempt_open() at the first step applies the policy rules
/*	that need no user (a client may ask for a mechanism mech_avail
/*	hid).
/* .IP identify
/*	mgp_attempt_identify() hands libsasl2's canon_user exactly what
/*	the stock plugin hands it: CRAM-MD5 the name as sent; DIGEST-MD5
/*	the bare user name when the client's realm is empty or the realm
/*	the stock plugin offers (the application's user realm, else the
/*	server name), and user@realm when the client names another realm.
/*	The flags are SASL_CU_AUTHID, with SASL_CU_AUTHZID when there is no
/*	authorisation id; an authorisation id is canonicalised on its own
/*	with SASL_CU_AUTHZID. An application's own canon_user callback so
/*	sees what it sees with the stock plugins. The canonical account is
/*	the name libsasl2 returns, qualified with the realm auxprop looks
/*	it up in (the user realm, else the server name) when it has none:
/*	" bob", "bob " and "bob@realm" are one account. An unknown user
/*	has an account too.
/* .IP gate
/*	mgp_attempt_gate() applies the policy's user rules, then the
/*	lockout (mgp_lockout_gate()), to the canonical account, never to
/*	the bytes the client typed. Nothing has been verified yet.
/* .IP verify
/*	mgp_attempt_verify() reads the stored secrets and runs one ladder
/*	for every mechanism: md5gate's hashed forms, the Cyrus form, then
/*	the plaintext password unless plaintext_secrets = deny; the
/*	mechanism only says whether one stored value verifies its
/*	response. The outcome goes to mgp_lockout_outcome(): failures of
/*	known and unknown users count under their canonical account.
/* .IP authorize
/*	mgp_attempt_authorize() asks the application's proxy policy
/*	callback, as libsasl2 would after the last step, so that the
/*	record can say so.
/* .IP end
/*	mgp_attempt_finish() writes the record once, from the attempt's
/*	values; mgp_attempt_dispose() writes an unfinished one as aborted.
/* .PP
/*	Refusals carry their kind as a code (mgp_attempt_refuse(): a
/*	replay, a lockout, a policy rule), never found again in the text of
/*	a reason. The record (ev) is written as the attempt goes and never
/*	read back.
/*--*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sasl/prop.h>

#include "mg_util.h"
#include "server_attempt.h"

 /*
  * Copies of the secrets auxprop holds for the account, each cleansed
  * on free.
  */
struct lookup {
    struct mgp_secret_buf password;	/* plaintext userPassword */
    struct mgp_secret_buf hashed[MGP_LOOKUP_VALUES_MAX];
    int     hashed_count;
    struct mgp_secret_buf cyrus;	/* binary cmusaslsecret* value */
};

void    mgp_attempt_start(struct mgp_attempt *a, sasl_server_params_t *sparams,
			          const char *mech)
{
    static const struct mgp_verdict none = {MG_OUTCOME_SUCCESS, "", 0};

    /*
     * Field by field: the account buffer, the lockout's ticket and the
     * record are most of the attempt, and each is set before it is read
     * (the ticket by mgp_lockout_gate(), the record by its begin).
     */
    a->mech = mech;
    a->account[0] = 0;
    a->identified = a->no_user = 0;
    a->refusal = a->would = none;
    a->lockout.kind = MG_OUTCOME_SUCCESS;
    a->lockout.enforced = a->lockout.counted = 0;
    a->lockout.rule[0] = a->lockout.reason[0] = a->lockout.note[0] = 0;
    a->reason[0] = 0;
    a->secret_kind = 0;
    a->props = 0;
    a->ended_at_finish = 0;
    mgp_record_server_begin(&a->ev, sparams, mech);
    /* The record parsed the client's endpoint already. */
    _Static_assert(sizeof(a->remote_addr) == sizeof(a->ev.remote_addr)
		   && sizeof(a->remote_port) == sizeof(a->ev.remote_port),
		   "the attempt keeps the record's endpoint");
    memcpy(a->remote_addr, a->ev.remote_addr, sizeof(a->remote_addr));
    memcpy(a->remote_port, a->ev.remote_port, sizeof(a->remote_port));
}

struct mg_audit_event *mgp_attempt_record(struct mgp_attempt *a)
{
    return (&a->ev);
}

static const char *client_address(const struct mgp_attempt *a)
{
    return (strcmp(a->remote_addr, "unknown") == 0 || a->remote_addr[0] == 0 ?
	    0 : a->remote_addr);
}

 /*
  * The realm a name without one is looked up in: libsasl2's auxprop
  * plugins use the user realm, else the server name.
  */
static const char *lookup_realm(const sasl_server_params_t *sparams)
{
    if (sparams->user_realm && sparams->user_realm[0])
	return (sparams->user_realm);
    return (sparams->serverFQDN ? sparams->serverFQDN : "");
}

/* Refusals. */

static int vrefuse(struct mgp_attempt *a, const sasl_utils_t *utils,
		           enum mg_outcome kind, const char *rule, int result,
		           const char *fmt, va_list ap)
{
    vsnprintf(a->reason, sizeof(a->reason), fmt, ap);
    if (a->refusal.kind == MG_OUTCOME_SUCCESS) {
	a->refusal.kind = kind;
	if (rule) {
	    snprintf(a->refusal.rule, sizeof(a->refusal.rule), "%s", rule);
	    a->refusal.enforced = 1;
	}
    }
    /* The record carries the reason: no second log line for it. */
    utils->seterror(utils->conn, SASL_NOLOG, "%s", a->reason);
    return (result);
}

static int refuse_as(struct mgp_attempt *a, const sasl_utils_t *utils,
		             enum mg_outcome kind, const char *rule, int result,
		             const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    result = vrefuse(a, utils, kind, rule, result, fmt, ap);
    va_end(ap);
    return (result);
}

int     mgp_attempt_refuse(struct mgp_attempt *a, const sasl_utils_t *utils,
			           enum mg_outcome kind, int result, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    result = vrefuse(a, utils, kind, 0, result, fmt, ap);
    va_end(ap);
    return (result);
}

int     mgp_attempt_refuse_rule(struct mgp_attempt *a, const sasl_utils_t *utils,
			                const char *rule, int result, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    result = vrefuse(a, utils, MG_OUTCOME_POLICY_DENIED, rule, result, fmt, ap);
    va_end(ap);
    return (result);
}

int     mgp_attempt_report(struct mgp_attempt *a, const sasl_utils_t *utils,
			           const struct mg_error *err)
{
    int     result = mgp_sasl_code(err->code);
    size_t  n = strlen(a->mech);

    /* Core reasons often name the mechanism already: say it once. */
    if (strncmp(err->reason, a->mech, n) == 0 && err->reason[n] == ' ')
	return (mgp_attempt_refuse(a, utils, mgp_outcome_of(result), result, "%s",
				   err->reason));
    return (mgp_attempt_refuse(a, utils, mgp_outcome_of(result), result, "%s: %s",
			       a->mech, err->reason));
}

 /*
  * In audit-only mode the first rule that would have refused is noted
  * and the attempt goes on.
  */
static void note_would(struct mgp_attempt *a, enum mg_outcome kind, const char *rule)
{
    if (a->would.kind != MG_OUTCOME_SUCCESS)
	return;
    a->would.kind = kind;
    snprintf(a->would.rule, sizeof(a->would.rule), "%s", rule);
}

int     mgp_attempt_decision(struct mgp_attempt *a, const sasl_utils_t *utils,
			             const struct mg_policy_decision *d)
{
    if (d->allow)
	return (SASL_OK);
    if (!d->enforced) {
	note_would(a, MG_OUTCOME_POLICY_DENIED, d->rule);
	return (SASL_OK);
    }
    return (mgp_attempt_refuse_rule(a, utils, d->rule, SASL_NOAUTHZ, "%s: refused by "
				    "policy (%s): %s", a->mech, d->rule, d->reason));
}

/* Start. */

int     mgp_attempt_open(struct mgp_attempt *a, sasl_server_params_t *sparams)
{
    struct mg_policy_decision d;

    mgp_policy_server_decide(sparams, a->mech, 0, 0, 0, 0, &d);
    return (mgp_attempt_decision(a, sparams->utils, &d));
}

/* Identify. */

void    mgp_account_of(const char *canon, size_t len, const char *user_realm,
		               const char *server_fqdn, char *buf, size_t size)
{
    const char *realm = user_realm && *user_realm ? user_realm : server_fqdn;

    if (len >= size)
	len = size - 1;
    memcpy(buf, canon, len);
    buf[len] = 0;
    if (memchr(buf, '@', len) == 0 && realm && *realm)
	snprintf(buf + len, size - len, "@%s", realm);
}

 /*
  * What the stock plugin hands canon_user for the authentication id:
  * the name as sent, or (DIGEST-MD5, a realm other than the one it
  * offers) user@realm in buf. Null when buf is too small.
  */
const char *mgp_canon_input(const struct mgp_claim *claim, char *buf, size_t size)
{
    if (claim->realm == 0 || claim->realm[0] == 0 || claim->offered_realm == 0
	|| claim->offered_realm[0] == 0 || strcmp(claim->realm, claim->offered_realm) == 0)
	return (claim->authid);
    if (claim->authid_len + strlen(claim->realm) + 2 > size)
	return (0);
    memcpy(buf, claim->authid, claim->authid_len);
    buf[claim->authid_len] = '@';
    strcpy(buf + claim->authid_len + 1, claim->realm);
    return (buf);
}

static void note_claim(struct mgp_attempt *a, const struct mgp_claim *claim)
{
    mg_audit_set(a->ev.authid, sizeof(a->ev.authid), claim->authid, claim->authid_len);
    if (claim->authzid)
	mg_audit_set(a->ev.authzid, sizeof(a->ev.authzid), claim->authzid,
		     strlen(claim->authzid));
    if (claim->realm) {
	mg_audit_set(a->ev.realm, sizeof(a->ev.realm), claim->realm, strlen(claim->realm));
	a->ev.has_realm = 1;
    }
}

int     mgp_attempt_identify(struct mgp_attempt *a, sasl_server_params_t *sparams,
			             const struct mgp_claim *claim,
			             const struct mgp_secret_props *props,
			             sasl_out_params_t *oparams)
{
    const sasl_utils_t *utils = sparams->utils;
    const char *names[] = {SASL_AUX_PASSWORD, props->hashed, props->cyrus, 0};
    char   *buf;
    const char *input;
    size_t  size = claim->authid_len + (claim->realm ? strlen(claim->realm) : 0) + 2;
    unsigned flags = SASL_CU_AUTHID;
    int     has_authzid = claim->authzid && claim->authzid[0];
    int     ret;

    a->props = props;
    note_claim(a, claim);
    if ((ret = utils->prop_request(sparams->propctx, names)) != SASL_OK)
	return (mgp_attempt_refuse(a, utils, MG_OUTCOME_INTERNAL_ERROR, ret, "%s: cannot "
				   "request the secret properties", a->mech));
    if ((buf = utils->malloc(size)) == 0)
	return (SASL_NOMEM);
    if ((input = mgp_canon_input(claim, buf, size)) == 0) {
	utils->free(buf);
	return (mgp_attempt_refuse(a, utils, MG_OUTCOME_INTERNAL_ERROR, SASL_FAIL, "%s: "
				   "user name does not fit", a->mech));
    }
    if (!has_authzid)
	flags |= SASL_CU_AUTHZID;
    oparams->authid = 0;
    oparams->alen = 0;
    /* The property request above must precede this: it does the lookup. */
    ret = sparams->canon_user(utils->conn, input, input == claim->authid ?
			      (unsigned) claim->authid_len : 0, flags, oparams);
    utils->free(buf);
    if (ret == SASL_NOUSER && oparams->authid != 0)
	a->no_user = 1;
    else if (ret != SASL_OK || oparams->authid == 0)
	return (ret == SASL_OK ?
		mgp_attempt_refuse(a, utils, MG_OUTCOME_INTERNAL_ERROR, SASL_FAIL, "%s: "
				   "canon_user gave no user name", a->mech) :
		mgp_attempt_refuse(a, utils, mgp_outcome_of(ret), ret, "%s: user name "
				   "canonicalisation failed", a->mech));
    mgp_account_of(oparams->authid, oparams->alen, sparams->user_realm,
		   sparams->serverFQDN, a->account, sizeof(a->account));
    a->identified = 1;
    mg_audit_set(a->ev.account, sizeof(a->ev.account), a->account, strlen(a->account));
    if (has_authzid && !a->no_user
	&& (ret = sparams->canon_user(utils->conn, claim->authzid, 0, SASL_CU_AUTHZID,
				      oparams)) != SASL_OK)
	return (mgp_attempt_refuse(a, utils, mgp_outcome_of(ret), ret, "%s: authorization "
				   "id canonicalisation failed", a->mech));
    return (SASL_OK);
}

/* Gate. */

 /*
  * Nothing of a refused attempt stays in libsasl2's property context.
  */
static void forget_secrets(struct mgp_attempt *a, sasl_server_params_t *sparams)
{
    const sasl_utils_t *utils = sparams->utils;

    if (a->props == 0)
	return;
    (void) utils->prop_erase(sparams->propctx, SASL_AUX_PASSWORD);
    (void) utils->prop_erase(sparams->propctx, a->props->hashed);
    (void) utils->prop_erase(sparams->propctx, a->props->cyrus);
}

 /*
  * The policy's user rules see the account: "alice" is the account in
  * the realm names without one are looked up in; "alice@realm" and
  * "*@realm" compare with the account's realm.
  */
static int policy_user(struct mgp_attempt *a, sasl_server_params_t *sparams,
		               const char *qop, const char *cipher)
{
    struct mg_policy_decision d;
    const char *realm = lookup_realm(sparams);
    const char *at = strrchr(a->account, '@');
    char    name[MGP_ACCOUNT_MAX + 1];
    const char *user = a->account;

    if (at && *realm && strcasecmp(at + 1, realm) == 0
	&& (size_t) (at - a->account) < sizeof(name)) {
	memcpy(name, a->account, (size_t) (at - a->account));
	name[at - a->account] = 0;
	user = name;
    }
    mgp_policy_server_decide(sparams, a->mech, user, realm, qop, cipher, &d);
    return (mgp_attempt_decision(a, sparams->utils, &d));
}

static int lockout_gate(struct mgp_attempt *a, const sasl_utils_t *utils)
{
    struct mgp_lockout_verdict *v = &a->lockout;
    int     ret;

    ret = mgp_lockout_gate(utils, a->mech, a->account, client_address(a), v);
    /* Not counted (lockout_store_failure = open): the record says so. */
    if (v->note[0] && a->reason[0] == 0)
	snprintf(a->reason, sizeof(a->reason), "%s", v->note);
    if (v->kind == MG_OUTCOME_SUCCESS)
	return (ret);
    if (ret == SASL_OK) {
	note_would(a, v->kind, v->rule);
	return (SASL_OK);
    }
    return (refuse_as(a, utils, v->kind, v->kind == MG_OUTCOME_LOCKED_OUT ? v->rule : 0,
		      ret, "%s", v->reason));
}

int     mgp_attempt_gate(struct mgp_attempt *a, sasl_server_params_t *sparams,
			         const char *qop, const char *cipher)
{
    int     ret;

    if (!a->identified)
	return (mgp_attempt_refuse(a, sparams->utils, MG_OUTCOME_INTERNAL_ERROR, SASL_FAIL,
				   "%s: no identity to decide on", a->mech));
    /* An empty policy needs no user name split from its realm. */
    if (mgp_policy_allows_all(a->mech, qop, cipher)
	|| (ret = policy_user(a, sparams, qop, cipher)) == SASL_OK)
	ret = lockout_gate(a, sparams->utils);
    if (ret != SASL_OK)
	forget_secrets(a, sparams);
    return (ret);
}

/* Verify. */

static int has_value(const struct propval *val)
{
    return (val->name != 0 && val->values != 0 && val->values[0] != 0);
}

 /*
  * Copy the values of one property. Text values end at their NUL; a
  * binary (Cyrus) value has no terminator to trust, and libsasl2 gives
  * its length only as valsize, which is exact for a single value - so a
  * binary property with several values is not usable and is skipped.
  */
static int copy_values(const sasl_utils_t *utils, const struct propval *val,
		               struct mgp_secret_buf *bufs, int max, int *count)
{
    unsigned i;
    int     ret;

    for (i = 0; i < val->nvalues && *count < max; i++)
	if ((ret = mgp_secret_copy(utils, bufs + (*count)++, val->values[i],
				   strlen(val->values[i]))) != SASL_OK)
	    return (ret);
    return (SASL_OK);
}

static int copy_binary(const sasl_utils_t *utils, const struct propval *val,
		               struct mgp_secret_buf *buf)
{
    if (val->nvalues != 1)
	return (SASL_OK);
    return (mgp_secret_copy(utils, buf, val->values[0], val->valsize));
}

static void lookup_free(const sasl_utils_t *utils, struct lookup *lookup)
{
    int     i;

    mgp_secret_free(utils, &lookup->password);
    for (i = 0; i < lookup->hashed_count; i++)
	mgp_secret_free(utils, lookup->hashed + i);
    lookup->hashed_count = 0;
    mgp_secret_free(utils, &lookup->cyrus);
}

 /*
  * Copy what auxprop found into memory md5gate cleanses, and erase
  * libsasl2's copy at once. *found is 0 when there is nothing.
  */
static int read_secrets(struct mgp_attempt *a, sasl_server_params_t *sparams,
			        struct lookup *lookup, int *found)
{
    const sasl_utils_t *utils = sparams->utils;
    const char *names[] = {SASL_AUX_PASSWORD, a->props->hashed, a->props->cyrus, 0};
    struct propval vals[4];
    int     ret = SASL_OK;

    memset(lookup, 0, sizeof(*lookup));
    memset(vals, 0, sizeof(vals));
    *found = 0;
    if (utils->prop_getnames(sparams->propctx, names, vals) < 0) {
	forget_secrets(a, sparams);
	return (SASL_OK);
    }
    if (has_value(vals + 0)) {
	*found = 1;
	ret = mgp_secret_copy(utils, &lookup->password, vals[0].values[0],
			      strlen(vals[0].values[0]));
    }
    if (ret == SASL_OK && has_value(vals + 1)) {
	*found = 1;
	ret = copy_values(utils, vals + 1, lookup->hashed, MGP_LOOKUP_VALUES_MAX,
			  &lookup->hashed_count);
    }
    if (ret == SASL_OK && has_value(vals + 2)) {
	*found = 1;
	ret = copy_binary(utils, vals + 2, &lookup->cyrus);
    }
    forget_secrets(a, sparams);
    if (ret != SASL_OK)
	lookup_free(utils, lookup);
    return (ret);
}

 /*
  * The ladder: what was tried, and what could not be.
  */
struct ladder {
    int     tried;
    int     corrupt;
    int     other_realm;
};

static int rung(const struct mgp_verifier *v, enum mgp_secret_form form,
		        const struct mgp_secret_buf *buf, struct ladder *l)
{
    switch (v->try_secret(v->context, form, buf->data, buf->len)) {
    case MGP_TRY_MATCH:
	return (1);
    case MGP_TRY_MISMATCH:
	l->tried++;
	break;
    case MGP_TRY_CORRUPT:
	l->corrupt++;
	break;
    case MGP_TRY_OTHER_REALM:
	l->other_realm++;
	break;
    }
    return (0);
}

static int climb(struct mgp_attempt *a, const struct lookup *lookup,
		         const struct mgp_verifier *v, struct ladder *l)
{
    int     i;

    for (i = 0; i < lookup->hashed_count; i++)
	if (rung(v, MGP_SECRET_HASHED, lookup->hashed + i, l))
	    return (a->secret_kind = "hashed", 1);
    if (lookup->cyrus.data && rung(v, MGP_SECRET_CYRUS, &lookup->cyrus, l))
	return (a->secret_kind = "hashed", 1);
    if (lookup->password.data && mgp_state_config()->plaintext_secrets
	&& rung(v, MGP_SECRET_PLAINTEXT, &lookup->password, l))
	return (a->secret_kind = "plaintext", 1);
    return (0);
}

static int no_user(struct mgp_attempt *a, sasl_server_params_t *sparams)
{
    return (mgp_attempt_refuse(a, sparams->utils, MG_OUTCOME_UNKNOWN_USER,
			       sparams->transition ? SASL_TRANS : SASL_NOUSER,
			       "%s: no secret in database for this user", a->mech));
}

static int verify_secrets(struct mgp_attempt *a, sasl_server_params_t *sparams,
			          const struct mgp_verifier *v)
{
    const sasl_utils_t *utils = sparams->utils;
    struct lookup lookup;
    struct ladder l = {0, 0, 0};
    int     found, ret, ok;

    if (a->no_user)
	return (no_user(a, sparams));
    if ((ret = read_secrets(a, sparams, &lookup, &found)) != SASL_OK)
	return (mgp_attempt_refuse(a, utils, MG_OUTCOME_INTERNAL_ERROR, ret,
				   "%s: cannot copy the stored secret", a->mech));
    if (!found)
	return (no_user(a, sparams));
    ok = climb(a, &lookup, v, &l);
    lookup_free(utils, &lookup);
    if (ok)
	return (SASL_OK);
    if (l.tried > 0)
	return (mgp_attempt_refuse(a, utils, MG_OUTCOME_BAD_CREDENTIALS, SASL_BADAUTH,
				   "%s", v->mismatch));
    if (l.other_realm > 0)
	return (mgp_attempt_refuse(a, utils, MG_OUTCOME_BAD_CREDENTIALS, SASL_BADAUTH,
				   "%s: the stored hash is for another realm than the "
				   "client's", a->mech));
    if (l.corrupt > 0)
	return (mgp_attempt_refuse(a, utils, MG_OUTCOME_INTERNAL_ERROR, SASL_FAIL,
				   "%s: the stored secret for this user is malformed",
				   a->mech));
    return (mgp_attempt_refuse(a, utils, MG_OUTCOME_UNKNOWN_USER, SASL_NOUSER, "%s: no "
			       "usable secret for this user (plaintext_secrets = deny)",
			       a->mech));
}

int     mgp_attempt_verify(struct mgp_attempt *a, sasl_server_params_t *sparams,
			           const struct mgp_verifier *v)
{
    int     ret;

    if (!a->identified || a->refusal.kind != MG_OUTCOME_SUCCESS)
	return (mgp_attempt_refuse(a, sparams->utils, MG_OUTCOME_INTERNAL_ERROR, SASL_FAIL,
				   "%s: nothing to verify", a->mech));
    ret = verify_secrets(a, sparams, v);
    mgp_lockout_outcome(sparams->utils, a->mech, &a->lockout,
			ret == SASL_OK ? MG_OUTCOME_SUCCESS : a->refusal.kind);
    return (ret);
}

/* Authorize. */

 /*
  * libsasl2 checks the authorisation id after the last step returns
  * SASL_OK, where md5gate's record could no longer say so. Ask the same
  * proxy policy callback first; libsasl2 asking again is harmless.
  */
int     mgp_attempt_authorize(struct mgp_attempt *a, sasl_server_params_t *sparams,
			              sasl_out_params_t *oparams)
{
    const sasl_utils_t *utils = sparams->utils;
    sasl_authorize_t *proc = 0;
    void   *ctx = 0;
    int     ret;

    if (oparams->user == 0 || oparams->authid == 0
	|| (oparams->ulen == oparams->alen
	    && memcmp(oparams->user, oparams->authid, oparams->alen) == 0))
	return (SASL_OK);
    ret = utils->getcallback(utils->conn, SASL_CB_PROXY_POLICY,
			     (sasl_callback_ft *) & proc, &ctx);
    if (ret != SASL_OK || proc == 0)
	return (SASL_OK);			/* libsasl2 decides */
    ret = proc(utils->conn, ctx, oparams->user, oparams->ulen, oparams->authid,
	       oparams->alen, sparams->user_realm, sparams->urlen, sparams->propctx);
    if (ret != SASL_OK)
	return (mgp_attempt_refuse(a, utils, MG_OUTCOME_POLICY_DENIED, SASL_NOAUTHZ,
				   "%s: authorization id is not permitted for this "
				   "authentication id", a->mech));
    return (SASL_OK);
}

/* End. */

static int write_record(struct mgp_attempt *a, const sasl_utils_t *utils,
			        enum mg_outcome outcome, int result)
{
    char    reason[2 * MG_REASON_MAX];	/* cut to fit by mg_audit_reason() */

    a->ev.secret = a->secret_kind;
    if (a->refusal.enforced) {
	mg_audit_rule(&a->ev, a->refusal.rule, 1);
	mg_audit_reason(&a->ev, a->reason);
    } else if (a->would.kind != MG_OUTCOME_SUCCESS) {
	mg_audit_rule(&a->ev, a->would.rule, 0);
	mgp_audit_only_reason(a->would.rule, outcome, a->reason, reason, sizeof(reason));
	mg_audit_reason(&a->ev, reason);
	outcome = a->would.kind;
    } else {
	mg_audit_reason(&a->ev, a->reason);
    }
    return (mgp_record_write(&a->ev, utils, outcome, result));
}

int     mgp_attempt_finish(struct mgp_attempt *a, const sasl_utils_t *utils, int result)
{
    enum mg_outcome outcome;

    if (result == SASL_CONTINUE || result == SASL_INTERACT || a->ended_at_finish)
	return (result);
    a->ended_at_finish = 1;
    if (result == SASL_OK)
	outcome = MG_OUTCOME_SUCCESS;
    else if (a->refusal.kind != MG_OUTCOME_SUCCESS)
	outcome = a->refusal.kind;
    else
	outcome = mgp_outcome_of(result);
    /* An attempt counted at the gate that never reached verification. */
    mgp_lockout_outcome(utils, a->mech, &a->lockout, outcome);
    return (write_record(a, utils, outcome, result));
}

void    mgp_attempt_dispose(struct mgp_attempt *a, const sasl_utils_t *utils)
{
    if (a->ended_at_finish)
	return;
    a->ended_at_finish = 1;
    mgp_lockout_outcome(utils, a->mech, &a->lockout, MG_OUTCOME_ABORTED);
    if (a->reason[0] == 0)
	snprintf(a->reason, sizeof(a->reason), "exchange ended before completion");
    (void) write_record(a, utils, MG_OUTCOME_ABORTED, SASL_FAIL);
}
