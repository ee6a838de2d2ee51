/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	attempt 3
/* SUMMARY
/*	process-wide plugin state, policy and lockout glue, audit records
/* SYNOPSIS
/*	#include "attempt.h"
/*
/*	int	mgp_state_acquire(utils)
/*
/*	void	mgp_state_release()
/*
/*	void	mgp_record_server_begin(ev, sparams, mech)
/*
/*	void	mgp_record_client_begin(ev, cparams, mech)
/*
/*	int	mgp_record_write(ev, utils, outcome, result)
/*
/*	int	mgp_record_end(ev, utils, result)
/*
/*	void	mgp_record_dispose(ev, utils)
/*
/*	int	mgp_refuse(utils, ev, result, fmt, ...)
/*
/*	int	mgp_lockout_gate(utils, mech, account, address, v)
/*
/*	void	mgp_lockout_outcome(utils, mech, v, outcome)
/* DESCRIPTION
/*	mgp_state_acquire() runs at plugin initialisation, once per side and
/*	process (the first call does the work): it reads md5gate's
/*	configuration file, named by the SASL option md5gate_policy (default
/*	/etc/md5gate/policy.conf, the only one that may be absent), and
/*	opens the audit file. In Postfix that is before smtpd chroots and
/*	drops privileges, which is why the file is opened here and never
/*	later.
/*
/*	An invalid configuration file, or an md5gate_* option whose value
/*	is not understood (mgp_options_check()), disables md5gate's
/*	mechanisms (fail closed): mgp_state_usable() then returns 0, and
/*	says once in the application's log which file and line, or which
/*	option, is wrong.
/*
/*	mgp_record_*_begin() starts a record when a mechanism instance is
/*	created. mgp_record_write() finishes it once, with its outcome, and
/*	writes it to both sinks: the application's log (utils->log; in
/*	Postfix, the mail log) and the JSON Lines file. When the file cannot
/*	be written, the first failure is said once in the log, and
/*	audit_failure = refuse turns a success into SASL_FAIL. The server
/*	side's records are written by its attempt (server_attempt.c);
/*	the client side ends them with mgp_record_end(), from the SASL
/*	result of the final step. mgp_record_dispose() ends a client record
/*	that never got an outcome as "aborted".
/*
/*	mgp_refuse() is sasl_seterror() that also keeps the reason for the
/*	record. Reasons never contain secrets.
/*
/*	mgp_state_open_lockout() opens the lockout store when a mechanism's
/*	policy locks out; the server side calls it at initialisation, so
/*	the store is open before a chroot or a privilege drop. A Redis store
/*	(lockout_backend = redis) reads its password file then and connects
/*	at the first attempt; a server that does not answer in time is a
/*	store failure (lockout_store_failure), and the next attempt connects
/*	again.
/*
/*	mgp_policy_hides() decides, from what is known of the connection,
/*	whether mech_avail hides a mechanism (an enforced refusal only).
/*	mgp_policy_server_decide() decides for a server attempt with what
/*	is known of it (the canonical account once it is identified);
/*	mgp_policy_client_start() and mgp_policy_client_layer() decide on
/*	the client side. An enforced refusal fails the attempt with
/*	SASL_NOAUTHZ and records outcome policy-denied, the rule and
/*	enforced=true. In audit-only mode the attempt goes on; its record
/*	then says policy-denied, enforced=false, the rule, and in the
/*	reason the real result.
/*
/*	mgp_lockout_gate() is the lockout's gate: it runs after the
/*	account is identified and before the response is verified, with
/*	the canonical account and the client address. A locked account or
/*	address is refused (outcome locked-out) without the response being
/*	verified, except in audit-only mode; otherwise the attempt is
/*	counted as a failure against the account and the client address in
/*	the same store transaction that checks their locks
/*	(mg_lockout_admit()), so that attempts at once are verified at most
/*	lockout_failures times. The verdict carries that count to
/*	mgp_lockout_outcome(), which settles it once the outcome is known: a
/*	bad-credentials or unknown-user outcome stays counted, a success
/*	clears the account's counter and gives the address its attempt
/*	back, anything else (an attempt that never reached verification
/*	included) is given back.
/*--*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "attempt.h"
#include "digest/layer.h"
#include "glue.h"
#include "lockout.h"
#include "lockout_store.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

static struct {
    int     refs;
    int     broken;			/* configuration invalid: fail closed */
    int     broken_said;
    char    broken_reason[MG_REASON_MAX];
    int     write_warned;
    struct mg_config cfg;
    struct mg_audit_file file;
    int     lockout_wanted;		/* some mechanism locks out */
    int     policy_empty;		/* no setting in any policy section */
    int     policy_empty_enforce;	/* its mode is enforce */
    struct mg_lockout_store *lockout;	/* null: off, or unusable */
    int     lockout_broken;		/* wanted, but cannot be used */
    int     lockout_said;
    char    lockout_reason[MG_REASON_MAX];
} state = {.file = {-1}};

int     mgp_state_acquire(const sasl_utils_t *utils)
{
    const char *path;
    struct mg_error err;

    if (state.refs++ > 0)
	return (SASL_OK);
    mg_config_init(&state.cfg);
    /* Only the default may be absent: a file the option names must exist. */
    path = mgp_option(utils, MG_PLUGIN_NAME, "md5gate_policy");
    if (mgp_options_check(utils, &err) != MG_OK
	|| mg_config_load_option(path, &state.cfg, &err) != MG_OK) {
	state.broken = 1;
	snprintf(state.broken_reason, sizeof(state.broken_reason), "%s", err.reason);
	utils->log(0, SASL_LOG_ERR, "md5gate: %s; md5gate's mechanisms are "
		   "disabled until the configuration is fixed", err.reason);
	return (SASL_OK);
    }
    state.lockout_wanted = mg_policy_lockout_wanted(&state.cfg.policy);
    state.policy_empty = mg_policy_sets_nothing(&state.cfg.policy);
    state.policy_empty_enforce = mg_policy_mode(&state.cfg.policy, "CRAM-MD5",
						MG_POLICY_SERVER) == MG_POLICY_ENFORCE;
    if (state.cfg.audit_file
	&& mg_audit_file_open(&state.file, state.cfg.audit_file, &err) != MG_OK)
	utils->log(0, SASL_LOG_ERR, "md5gate: %s (audit_failure = %s)", err.reason,
		   state.cfg.audit_failure == MG_AUDIT_REFUSE ? "refuse: "
		   "authentication will fail" : "continue");
    return (SASL_OK);
}

 /*
  * At initialisation libsasl2 gives plugins no way to reach the
  * application's log (utils->conn is null, so messages go to syslog,
  * which a Postfix with maillog_file never reads). So an invalid
  * configuration keeps the mechanisms registered but unusable, and the
  * first connection that meets them says why, in the application's log.
  */
int     mgp_state_usable(const sasl_utils_t *utils)
{
    if (!state.broken)
	return (1);
    if (!state.broken_said) {
	state.broken_said = 1;
	utils->log(utils->conn, SASL_LOG_ERR, "md5gate: %s; md5gate's mechanisms "
		   "are disabled until the configuration is fixed",
		   state.broken_reason);
    }
    utils->seterror(utils->conn, 0, "md5gate: configuration is invalid; "
		    "mechanism disabled");
    return (0);
}

void    mgp_state_open_lockout(const sasl_utils_t *utils)
{
    const struct mg_policy *policy = &state.cfg.policy;
    struct mg_lockout_store_config cfg;
    struct mg_error err;

    if (state.broken || state.lockout || state.lockout_broken
	|| !mg_policy_lockout_wanted(policy))
	return;
    /* LMDB opens its file now; Redis reads its password file and connects later. */
    mg_policy_lockout_store_config(policy, &cfg);
    if (mg_lockout_store_open(&cfg, &state.lockout, &err) == MG_OK)
	return;
    state.lockout = 0;
    state.lockout_broken = 1;
    snprintf(state.lockout_reason, sizeof(state.lockout_reason), "%s", err.reason);
    utils->log(0, SASL_LOG_ERR, "md5gate: lockout store: %s (lockout_store_failure = %s)",
	       err.reason, mg_policy_lockout_store_open(policy) ? "open: authentication "
	       "goes on without lockout" : "closed: mechanisms with lockout refuse "
	       "every attempt");
}

void    mgp_state_release(void)
{
    if (state.refs == 0 || --state.refs > 0)
	return;
    if (state.lockout)
	mg_lockout_store_close(state.lockout);
    state.lockout = 0;
    state.lockout_broken = state.lockout_said = 0;
    state.lockout_wanted = 0;
    state.policy_empty = state.policy_empty_enforce = 0;
    mg_audit_file_close(&state.file);
    mg_config_free(&state.cfg);
    mg_layer_library_release();
    mg_digest_md5_release();
    state.write_warned = 0;
    state.broken = state.broken_said = 0;
}

const struct mg_config *mgp_state_config(void)
{
    return (&state.cfg);
}

static void set_common(struct mg_audit_event *ev, const char *service,
		               const char *fqdn, const char *remote, const char *local)
{
    mg_audit_set(ev->service, sizeof(ev->service), service, service ? strlen(service) : 0);
    mg_audit_set(ev->server_fqdn, sizeof(ev->server_fqdn), fqdn, fqdn ? strlen(fqdn) : 0);
    mg_audit_set_endpoint(ev->remote_addr, ev->remote_port, remote);
    mg_audit_set_endpoint(ev->local_addr, ev->local_port, local);
}

void    mgp_record_server_begin(struct mg_audit_event *ev, sasl_server_params_t *sparams,
				        const char *mech)
{
    mg_audit_begin(ev, "server", mech);
    set_common(ev, sparams->service, sparams->serverFQDN, sparams->ipremoteport,
	       sparams->iplocalport);
}

void    mgp_record_client_begin(struct mg_audit_event *ev, sasl_client_params_t *cparams,
				        const char *mech)
{
    mg_audit_begin(ev, "client", mech);
    set_common(ev, cparams->service, cparams->serverFQDN, cparams->ipremoteport,
	       cparams->iplocalport);
}

enum mg_outcome mgp_outcome_of(int result)
{
    switch (result) {
    case SASL_OK:
	return (MG_OUTCOME_SUCCESS);
    case SASL_BADAUTH:
	return (MG_OUTCOME_BAD_CREDENTIALS);
    case SASL_NOUSER:
    case SASL_TRANS:
	return (MG_OUTCOME_UNKNOWN_USER);
    case SASL_BADPROT:
	return (MG_OUTCOME_MALFORMED);
    case SASL_BADSERV:
	return (MG_OUTCOME_SERVER_AUTH_FAILED);
    case SASL_NOAUTHZ:
	return (MG_OUTCOME_POLICY_DENIED);
    default:
	return (MG_OUTCOME_INTERNAL_ERROR);
    }
}

 /*
  * In audit-only mode a rule that would have refused the attempt did
  * not: the record says so, and what really happened. (Client side:
  * only policy rules apply there.)
  */
static enum mg_outcome audit_only(struct mg_audit_event *ev, enum mg_outcome real)
{
    char    reason[2 * MG_REASON_MAX];	/* cut to fit by mg_audit_reason() */

    if (ev->rule[0] == 0 || ev->enforced != 0)
	return (real);
    mgp_audit_only_reason(ev->rule, real, ev->reason, reason, sizeof(reason));
    mg_audit_reason(ev, reason);
    return (MG_OUTCOME_POLICY_DENIED);
}

void    mgp_audit_only_reason(const char *rule, enum mg_outcome real,
			              const char *real_reason, char *buf, size_t size)
{
    if (real == MG_OUTCOME_SUCCESS)
	snprintf(buf, size, "audit-only: %s would refuse; authenticated", rule);
    else
	snprintf(buf, size, "audit-only: %s would refuse; %s%s%s", rule,
		 mg_outcome_name(real), real_reason[0] ? ": " : "", real_reason);
}

 /*
  * The core numbers its log levels as libsasl2 does, and they go to
  * utils->log unchanged: a level that drifted would log at another one.
  */
_Static_assert(MG_LOG_NONE == SASL_LOG_NONE, "MG_LOG_NONE is not SASL_LOG_NONE");
_Static_assert(MG_LOG_ERR == SASL_LOG_ERR, "MG_LOG_ERR is not SASL_LOG_ERR");
_Static_assert(MG_LOG_FAIL == SASL_LOG_FAIL, "MG_LOG_FAIL is not SASL_LOG_FAIL");
_Static_assert(MG_LOG_WARN == SASL_LOG_WARN, "MG_LOG_WARN is not SASL_LOG_WARN");
_Static_assert(MG_LOG_NOTE == SASL_LOG_NOTE, "MG_LOG_NOTE is not SASL_LOG_NOTE");
_Static_assert(MG_LOG_DEBUG == SASL_LOG_DEBUG, "MG_LOG_DEBUG is not SASL_LOG_DEBUG");

static int log_level_of(enum mg_outcome outcome)
{
    return (outcome == MG_OUTCOME_SUCCESS ? state.cfg.audit_success_level
	    : state.cfg.audit_failure_level);
}

 /*
  * One line to the application's log: straight to the log callback
  * libsasl2 would call (the application's, else its default), since
  * utils->log() would only copy the line through its own formatter,
  * which cost as much as formatting the record. A callback that cannot
  * be had falls back to utils->log(), which then says nothing either.
  */
static void log_line(const sasl_utils_t *utils, int level, const char *line)
{
    sasl_log_t *log_cb = 0;
    void   *log_ctx = 0;

    if (utils->getcallback(utils->conn, SASL_CB_LOG, (sasl_callback_ft *) & log_cb,
			   &log_ctx) == SASL_OK && log_cb != 0)
	(void) log_cb(log_ctx, level, line);
    else
	utils->log(utils->conn, level, "%s", line);
}

 /*
  * Write the record; 0 when the file sink failed.
  */
static int emit(struct mg_audit_event *ev, const sasl_utils_t *utils)
{
    char    line[MG_AUDIT_LINE_MAX];
    struct mg_error err;
    size_t  len;
    int     level = log_level_of(ev->outcome);

    if (level != MG_LOG_NONE) {
	mg_audit_format_kv(ev, VERSION, line, sizeof(line));
	log_line(utils, level, line);
    }
    if (state.cfg.audit_file == 0)
	return (1);
    if (mg_audit_format_json(ev, VERSION, line, sizeof(line), &len, &err) == MG_OK
	&& mg_audit_file_write(&state.file, line, len, &err) == MG_OK)
	return (1);
    if (!state.write_warned) {
	state.write_warned = 1;
	utils->log(utils->conn, SASL_LOG_ERR, "md5gate: audit file %s: %s "
		   "(audit_failure = %s; said once per process)", state.cfg.audit_file,
		   err.reason, state.cfg.audit_failure == MG_AUDIT_REFUSE ?
		   "refuse" : "continue");
    }
    return (0);
}

static void record_end_as(struct mg_audit_event *ev, const sasl_utils_t *utils,
			          enum mg_outcome outcome)
{
    if (!ev->begun || ev->ended)
	return;
    mg_audit_finish(ev, audit_only(ev, outcome));
    (void) emit(ev, utils);
}

 /*
  * Finish a record whose outcome is decided and write it; a success
  * whose record could not be written becomes SASL_FAIL when
  * audit_failure = refuse.
  */
int     mgp_record_write(struct mg_audit_event *ev, const sasl_utils_t *utils,
			         enum mg_outcome outcome, int result)
{
    mg_audit_finish(ev, outcome);
    if (!emit(ev, utils) && result == SASL_OK
	&& state.cfg.audit_failure == MG_AUDIT_REFUSE) {
	utils->seterror(utils->conn, 0, "%s: audit record could not be written "
			"(audit_failure = refuse)", ev->mech);
	return (SASL_FAIL);
    }
    return (result);
}

int     mgp_record_end(struct mg_audit_event *ev, const sasl_utils_t *utils, int result)
{
    if (result == SASL_CONTINUE || result == SASL_INTERACT || !ev->begun || ev->ended)
	return (result);
    return (mgp_record_write(ev, utils, audit_only(ev, mgp_outcome_of(result)), result));
}

void    mgp_record_dispose(struct mg_audit_event *ev, const sasl_utils_t *utils)
{
    if (ev->begun && !ev->ended) {
	if (ev->reason[0] == 0)
	    mg_audit_reason(ev, "exchange ended before completion");
	record_end_as(ev, utils, MG_OUTCOME_ABORTED);
    }
}

int     mgp_refuse(const sasl_utils_t *utils, struct mg_audit_event *ev, int result,
		          const char *fmt,...)
{
    char    reason[MG_REASON_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    if (ev)
	mg_audit_reason(ev, reason);
    /* The audit record carries the reason: no second log line for it. */
    utils->seterror(utils->conn, ev ? SASL_NOLOG : 0, "%s", reason);
    return (result);
}

int     mgp_report(const sasl_utils_t *utils, struct mg_audit_event *ev,
		           const char *mech, const struct mg_error *err)
{
    size_t  n = strlen(mech);

    /* Core reasons often name the mechanism already: say it once. */
    if (strncmp(err->reason, mech, n) == 0 && err->reason[n] == ' ')
	return (mgp_refuse(utils, ev, mgp_sasl_code(err->code), "%s", err->reason));
    return (mgp_refuse(utils, ev, mgp_sasl_code(err->code), "%s: %s", mech, err->reason));
}

 /*
  * libsasl2 asks before it lists a mechanism and before it starts one: a
  * mechanism the policy refuses for this connection is neither offered
  * nor started. (Nothing is kept in a connection context: libsasl2
  * would hand it to mech_new in place of a fresh one.)
  */
int     mgp_mech_avail(const char *mech, sasl_server_params_t *sparams)
{
    if (!mgp_state_usable(sparams->utils) || mgp_policy_hides(sparams, mech))
	return (SASL_NOMECH);
    return (SASL_OK);
}

void    mgp_mech_free(void *glob, const sasl_utils_t *utils)
{
    (void) glob;
    (void) utils;
    mgp_state_release();
}

/* Policy. */

void    mgp_policy_server_facts(sasl_server_params_t *sparams, const char *mech,
			               struct mg_policy_facts *facts)
{
    memset(facts, 0, sizeof(*facts));
    facts->side = MG_POLICY_SERVER;
    facts->mech = mech;
    facts->service = sparams->service;
    facts->remote = sparams->ipremoteport;
    facts->local = sparams->iplocalport;
    facts->external_ssf = sparams->external_ssf;
    facts->noplaintext = (sparams->props.security_flags & SASL_SEC_NOPLAINTEXT) != 0;
}

void    mgp_policy_client_facts(sasl_client_params_t *cparams, const char *mech,
			               struct mg_policy_facts *facts)
{
    memset(facts, 0, sizeof(*facts));
    facts->side = MG_POLICY_CLIENT;
    facts->mech = mech;
    facts->service = cparams->service;
    facts->remote = cparams->ipremoteport;	/* the server */
    facts->local = cparams->iplocalport;
    facts->external_ssf = cparams->external_ssf;
    facts->noplaintext = (cparams->props.security_flags & SASL_SEC_NOPLAINTEXT) != 0;
}

 /*
  * Whether the policy allows any attempt of mech with this qop and cipher
  * (null: not known yet) whatever else is known of it: an empty policy
  * (the default) allows every qop and cipher md5gate names, and deciding
  * then needs no facts. 0 when the policy must decide.
  */
static int named(const struct mg_flag_name *names, const char *name)
{
    return (name == 0 || mg_flag_lookup(names, name, strlen(name)) != 0);
}

int     mgp_policy_allows_all(const char *mech, const char *qop, const char *cipher)
{
    return (state.policy_empty
	    && mg_policy_mech_section(mech, MG_POLICY_SERVER) >= 0
	    && named(mg_digest_qop_names, qop) && named(mg_digest_cipher_names, cipher));
}

static int allowed_by_empty_policy(const char *mech, const char *qop, const char *cipher,
				           struct mg_policy_decision *d)
{
    if (!mgp_policy_allows_all(mech, qop, cipher))
	return (0);
    d->allow = 1;
    d->enforced = state.policy_empty_enforce;
    d->rule[0] = d->reason[0] = 0;
    return (1);
}

int     mgp_policy_hides(sasl_server_params_t *sparams, const char *mech)
{
    struct mg_policy_facts facts;
    struct mg_policy_decision d;

    if (mgp_policy_allows_all(mech, 0, 0) || mg_policy_advertise_all(&state.cfg.policy, mech))
	return (0);
    mgp_policy_server_facts(sparams, mech, &facts);
    mg_policy_decide(&state.cfg.policy, &facts, &d);
    if (d.allow || !d.enforced)
	return (0);
    sparams->utils->log(sparams->utils->conn, SASL_LOG_DEBUG, "md5gate: %s not offered: "
			"%s (%s)", mech, d.reason, d.rule);
    return (1);
}

 /*
  * An enforced refusal ends the attempt; an audit-only one is noted
  * (the first rule that would have refused) and the attempt goes on.
  */
int     mgp_policy_refuse(const sasl_utils_t *utils, struct mg_audit_event *ev,
			         const char *mech, const struct mg_policy_decision *d)
{
    if (d->allow)
	return (SASL_OK);
    if (!d->enforced) {
	if (ev->rule[0] == 0)
	    mg_audit_rule(ev, d->rule, 0);
	return (SASL_OK);
    }
    mg_audit_rule(ev, d->rule, 1);
    return (mgp_refuse(utils, ev, SASL_NOAUTHZ, "%s: refused by policy (%s): %s",
		      mech, d->rule, d->reason));
}

void    mgp_policy_server_decide(sasl_server_params_t *sparams, const char *mech,
				         const char *account, const char *realm,
				         const char *qop, const char *cipher,
				         struct mg_policy_decision *d)
{
    struct mg_policy_facts facts;

    if (allowed_by_empty_policy(mech, qop, cipher, d))
	return;
    mgp_policy_server_facts(sparams, mech, &facts);
    facts.authid = account;
    facts.realm = realm;
    facts.qop = qop;
    facts.cipher = cipher;
    mg_policy_decide(&state.cfg.policy, &facts, d);
}

int     mgp_policy_client_start(sasl_client_params_t *cparams, struct mg_audit_event *ev,
			               const char *mech)
{
    struct mg_policy_facts facts;
    struct mg_policy_decision d;

    if (mgp_policy_allows_all(mech, 0, 0))
	return (SASL_OK);
    mgp_policy_client_facts(cparams, mech, &facts);
    mg_policy_decide(&state.cfg.policy, &facts, &d);
    return (mgp_policy_refuse(cparams->utils, ev, mech, &d));
}

int     mgp_policy_client_layer(sasl_client_params_t *cparams, struct mg_audit_event *ev,
			               const char *mech, const char *qop,
			               const char *cipher)
{
    struct mg_policy_facts facts;
    struct mg_policy_decision d;

    if (mgp_policy_allows_all(mech, qop, cipher))
	return (SASL_OK);
    mgp_policy_client_facts(cparams, mech, &facts);
    facts.qop = qop;
    facts.cipher = cipher;
    mg_policy_decide(&state.cfg.policy, &facts, &d);
    return (mgp_policy_refuse(cparams->utils, ev, mech, &d));
}

 /*
  * The bits of offered, named in names, that the policy allows when
  * *fact (a field of *f) is each name in turn. When it allows none, *d
  * says which rule refused the last one.
  */
static unsigned allowed_layers(struct mg_policy_facts *f, const char **fact,
			               const struct mg_flag_name *names, unsigned offered,
			               struct mg_policy_decision *d)
{
    unsigned allowed = 0;

    for (/* void */ ; names->name; names++) {
	if (!(offered & names->bit))
	    continue;
	*fact = names->name;
	mg_policy_decide(&state.cfg.policy, f, d);
	if (d->allow)
	    allowed |= names->bit;
    }
    if (allowed)
	d->allow = 1;
    return (allowed);
}

 /*
  * The DIGEST-MD5 layers of *qops (and auth-conf ciphers of *ciphers)
  * that the policy allows with these facts: the server's offer, or what
  * a client chooses from. Returns 1, or 0 when the policy allows none of
  * the qop values offered; *d then says which rule refused the last one.
  * In audit-only mode everything stays.
  */
 /*
  * What allowed_layers() leaves under an empty policy, whose defaults
  * allow every qop and cipher md5gate names: the named bits, and no
  * auth-conf without a cipher. 0 when nothing offered is left; the full
  * evaluation then says which rule refused.
  */
static unsigned named_bits(const struct mg_flag_name *names)
{
    unsigned bits = 0;

    for (/* void */ ; names->name; names++)
	bits |= names->bit;
    return (bits);
}

static int default_layers(unsigned *qops, unsigned *ciphers)
{
    unsigned offered = *qops;
    unsigned q = offered;
    unsigned c = *ciphers;

    if (offered & MG_DIGEST_QOP_AUTH_CONF) {
	c &= named_bits(mg_digest_cipher_names);
	if (c == 0)
	    q &= ~(unsigned) MG_DIGEST_QOP_AUTH_CONF;
    }
    q &= named_bits(mg_digest_qop_names);
    if (offered != 0 && q == 0)
	return (0);
    *qops = q;
    *ciphers = c;
    return (1);
}

int     mgp_policy_layers(const struct mg_policy_facts *facts, unsigned *qops,
			          unsigned *ciphers, struct mg_policy_decision *d)
{
    struct mg_policy_facts f = *facts;
    unsigned offered = *qops;

    memset(d, 0, sizeof(*d));
    d->allow = 1;
    if (mg_policy_mode(&state.cfg.policy, f.mech, f.side) != MG_POLICY_ENFORCE)
	return (1);
    if (state.policy_empty && default_layers(qops, ciphers))
	return (1);
    if (offered & MG_DIGEST_QOP_AUTH_CONF) {
	f.qop = mg_digest_qop_name(MG_DIGEST_QOP_AUTH_CONF);
	*ciphers = allowed_layers(&f, &f.cipher, mg_digest_cipher_names, *ciphers, d);
	if (*ciphers == 0)
	    *qops &= ~(unsigned) MG_DIGEST_QOP_AUTH_CONF;
	f = *facts;
    }
    if (*qops != 0)
	*qops = allowed_layers(&f, &f.qop, mg_digest_qop_names, *qops, d);
    return (offered == 0 || *qops != 0);
}

/* Lockout. */

 /*
  * The store is wanted but cannot be used (a Redis store that does not
  * answer in time, too): lockout_store_failure says whether to
  * authenticate without it (said once in the log, and in the record of
  * each such attempt) or to refuse.
  */
static int store_trouble(const sasl_utils_t *utils, const char *mech, const char *why,
			         struct mgp_lockout_verdict *v)
{
    if (mg_policy_lockout_store_open(&state.cfg.policy)) {
	if (!state.lockout_said) {
	    state.lockout_said = 1;
	    utils->log(utils->conn, SASL_LOG_ERR, "md5gate: lockout store: %s; "
		       "authenticating without lockout (lockout_store_failure = open; "
		       "said once per process)", why);
	}
	snprintf(v->note, sizeof(v->note), "lockout store unavailable, not counted "
		 "(lockout_store_failure = open): %s", why);
	return (SASL_OK);
    }
    v->kind = MG_OUTCOME_INTERNAL_ERROR;
    snprintf(v->reason, sizeof(v->reason), "%s: lockout store unavailable "
	     "(lockout_store_failure = closed): %s", mech, why);
    return (SASL_FAIL);
}

static void format_until(time_t until, char *buf, size_t size)
{
    struct tm tm;

    gmtime_r(&until, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *what_is_locked(const struct mg_lockout_ticket *t)
{
    return (t->locked >= 0 && t->keys[t->locked].role == MG_LOCKOUT_ADDRESS ?
	    "the client address" : "the account");
}

 /*
  * Said once per process: a store full of active locks.
  */
static int lockout_full_said;

 /*
  * Only locked entries are left and this attempt needs a new key: it is
  * not counted. lockout_store_failure decides, as for a store that
  * cannot be used at all.
  */
static int store_full(const sasl_utils_t *utils, const char *mech,
		              struct mgp_lockout_verdict *v)
{
    int     go_on = mg_policy_lockout_store_open(&state.cfg.policy);
    char    max[32];

    if (!lockout_full_said) {
	lockout_full_said = 1;
	snprintf(max, sizeof(max), "%zu", mg_policy_lockout_max_entries(&state.cfg.policy));
	utils->log(utils->conn, SASL_LOG_ERR, "md5gate: lockout store %s is full of "
		   "active locks (lockout_max_entries = %s): attempts that need a new "
		   "entry are %s (lockout_store_failure = %s; said once per process)",
		   mg_policy_lockout_store(&state.cfg.policy), max, go_on ?
		   "authenticated without being counted" : "refused", go_on ?
		   "open" : "closed");
    }
    if (go_on)
	return (SASL_OK);
    v->kind = MG_OUTCOME_INTERNAL_ERROR;
    snprintf(v->reason, sizeof(v->reason), "%s: lockout store full of active locks "
	     "(lockout_store_failure = closed)", mech);
    return (SASL_FAIL);
}

 /*
  * The lockout gate, before the response is verified: the attempt is
  * counted as a failure under the canonical account and the client's
  * address (null: unknown) in the transaction that checks their locks
  * (mg_lockout_admit()). SASL_OK to go on (v->kind is
  * MG_OUTCOME_LOCKED_OUT, enforced 0, when audit-only mode lets a locked
  * attempt through), SASL_BADAUTH when locked out, SASL_FAIL when the
  * store is unusable, or full, and lockout_store_failure = closed. This
  * is the one place that asks the store before verification; v->counted
  * says mgp_lockout_outcome() has a count to settle.
  */
int     mgp_lockout_gate(const sasl_utils_t *utils, const char *mech,
			         const char *account, const char *address,
			         struct mgp_lockout_verdict *v)
{
    struct mg_error err;
    char    when[32];

    /* No lockout configured: nothing to count, and the ticket (most of *v) stays unread. */
    if (!state.lockout_wanted) {
	v->kind = MG_OUTCOME_SUCCESS;
	v->enforced = v->counted = 0;
	v->rule[0] = v->reason[0] = v->note[0] = 0;
	return (SASL_OK);
    }
    memset(v, 0, sizeof(*v));
    v->kind = MG_OUTCOME_SUCCESS;
    if (!mg_policy_lockout_ticket(&state.cfg.policy, mech, account, address,
				  &v->ticket, v->rule, sizeof(v->rule)))
	return (SASL_OK);
    if (state.lockout == 0)
	return (store_trouble(utils, mech, state.lockout_reason[0] ?
			      state.lockout_reason : "not open", v));
    if (mg_lockout_store_admit(state.lockout, &v->ticket, time((time_t *) 0), &err) != MG_OK)
	return (store_trouble(utils, mech, err.reason, v));
    if (v->ticket.decision == MG_LOCKOUT_STORE_FULL)
	return (store_full(utils, mech, v));
    if (v->ticket.decision == MG_LOCKOUT_ADMITTED)
	v->counted = 1;
    if (v->ticket.locked < 0)
	return (SASL_OK);
    v->kind = MG_OUTCOME_LOCKED_OUT;
    v->enforced = v->ticket.decision != MG_LOCKOUT_ADMITTED;
    format_until(v->ticket.locked_until, when, sizeof(when));
    snprintf(v->reason, sizeof(v->reason), "%s: %s is locked out until %s (%s)",
	     mech, what_is_locked(&v->ticket), when, v->rule);
    return (v->enforced ? SASL_BADAUTH : SASL_OK);
}

 /*
  * After verification, or when the attempt ends without reaching it:
  * settle the gate's count. A wrong password or an unknown user stays
  * counted (and a lock it set is said), a success clears the account's
  * counter and gives the address its attempt back; anything else (the
  * gate's own refusals, replays, malformed responses, an abandoned
  * exchange) is no guess and is given back. Settles once.
  */
void    mgp_lockout_outcome(const sasl_utils_t *utils, const char *mech,
			            struct mgp_lockout_verdict *v, enum mg_outcome outcome)
{
    const struct mg_lockout_ticket *t = &v->ticket;
    enum mg_lockout_result kind;
    struct mg_error err;
    char    when[32];
    size_t  i;

    if (!v->counted || state.lockout == 0)
	return;
    v->counted = 0;
    if (outcome == MG_OUTCOME_SUCCESS)
	kind = MG_LOCKOUT_GUESS_SUCCEEDED;
    else if (outcome == MG_OUTCOME_BAD_CREDENTIALS || outcome == MG_OUTCOME_UNKNOWN_USER)
	kind = MG_LOCKOUT_GUESS_FAILED;
    else
	kind = MG_LOCKOUT_NO_GUESS;
    if (mg_lockout_store_settle(state.lockout, t, kind, &err) != MG_OK) {
	utils->log(utils->conn, SASL_LOG_ERR, "md5gate: lockout store: %s", err.reason);
	return;
    }
    for (i = 0; kind == MG_LOCKOUT_GUESS_FAILED && i < t->nkeys; i++) {
	if (!t->keys[i].set_lock)
	    continue;
	format_until(t->keys[i].entry.locked_until, when, sizeof(when));
	utils->log(utils->conn, SASL_LOG_NOTE, "md5gate: %s: %u failures: %s locked "
		   "until %s (%s)", mech, t->keys[i].entry.failures,
		   t->keys[i].role == MG_LOCKOUT_ADDRESS ? "the client address" :
		   "the account", when, v->rule);
    }
}
