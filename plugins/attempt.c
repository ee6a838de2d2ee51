/*++
/* NAME
/*	attempt 3
/* SUMMARY
/*	process-wide plugin state and the audit record of each attempt
/* SYNOPSIS
/*	#include "attempt.h"
/*
/*	int	mg_state_acquire(utils)
/*
/*	void	mg_state_release()
/*
/*	void	mg_attempt_server_begin(ev, sparams, mech)
/*
/*	int	mg_attempt_end(ev, utils, result)
/*
/*	void	mg_attempt_dispose(ev, utils)
/*
/*	int	mg_refuse(utils, ev, result, fmt, ...)
/* DESCRIPTION
/*	mg_state_acquire() runs at plugin initialisation, once per side and
/*	process (the first call does the work): it reads md5gate's
/*	configuration file, named by the SASL option md5gate_policy (default
/*	/etc/md5gate/policy.conf), and opens the audit file. In Postfix that
/*	is before smtpd chroots and drops privileges, which is why the file
/*	is opened here and never later.
/*
/*	An invalid configuration file disables md5gate's mechanisms (fail
/*	closed): mg_state_usable() then returns 0, and says once in the
/*	application's log which file and line are wrong.
/*
/*	mg_attempt_*_begin() starts a record when a mechanism instance is
/*	created. mg_attempt_end() finishes it once, from the SASL result of
/*	the final step, and writes it to both sinks: the application's log
/*	(utils->log; in Postfix, the mail log) and the JSON Lines file. When
/*	the file cannot be written, the first failure is said once in the
/*	log, and audit_failure = refuse turns a success into SASL_FAIL.
/*	mg_attempt_dispose() ends a record that never got an outcome as
/*	"aborted" (the client went away mid-exchange).
/*
/*	mg_refuse() is sasl_seterror() that also keeps the reason for the
/*	record. Reasons never contain secrets.
/*--*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "attempt.h"
#include "digest/layer.h"
#include "glue.h"

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
} state = {.file = {-1}};

int     mg_state_acquire(const sasl_utils_t *utils)
{
    const char *path;
    struct mg_error err;

    if (state.refs++ > 0)
	return (SASL_OK);
    mg_config_init(&state.cfg);
    path = mg_option(utils, MG_PLUGIN_NAME, "md5gate_policy");
    if (path == 0)
	path = MG_CONFIG_DEFAULT_PATH;
    if (mg_config_load(path, &state.cfg, &err) != MG_OK) {
	state.broken = 1;
	snprintf(state.broken_reason, sizeof(state.broken_reason), "%s", err.reason);
	utils->log(0, SASL_LOG_ERR, "md5gate: %s; md5gate's mechanisms are "
		   "disabled until the configuration is fixed", err.reason);
	return (SASL_OK);
    }
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
int     mg_state_usable(const sasl_utils_t *utils)
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

void    mg_state_release(void)
{
    if (state.refs == 0 || --state.refs > 0)
	return;
    mg_audit_file_close(&state.file);
    mg_config_free(&state.cfg);
    mg_layer_library_release();
    mg_digest_md5_release();
    state.write_warned = 0;
    state.broken = state.broken_said = 0;
}

const struct mg_config *mg_state_config(void)
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

void    mg_attempt_server_begin(struct mg_audit_event *ev, sasl_server_params_t *sparams,
				        const char *mech)
{
    mg_audit_begin(ev, "server", mech);
    set_common(ev, sparams->service, sparams->serverFQDN, sparams->ipremoteport,
	       sparams->iplocalport);
}

void    mg_attempt_client_begin(struct mg_audit_event *ev, sasl_client_params_t *cparams,
				        const char *mech)
{
    mg_audit_begin(ev, "client", mech);
    set_common(ev, cparams->service, cparams->serverFQDN, cparams->ipremoteport,
	       cparams->iplocalport);
}

static enum mg_outcome outcome_of(int result)
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

static int log_level_of(enum mg_outcome outcome)
{
    return (outcome == MG_OUTCOME_SUCCESS ? state.cfg.audit_success_level
	    : state.cfg.audit_failure_level);
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
	utils->log(utils->conn, level, "%s", line);
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

void    mg_attempt_end_as(struct mg_audit_event *ev, const sasl_utils_t *utils,
			          enum mg_outcome outcome)
{
    if (!ev->begun || ev->ended)
	return;
    mg_audit_finish(ev, outcome);
    (void) emit(ev, utils);
}

int     mg_attempt_end(struct mg_audit_event *ev, const sasl_utils_t *utils, int result)
{
    if (result == SASL_CONTINUE || result == SASL_INTERACT || !ev->begun || ev->ended)
	return (result);
    mg_audit_finish(ev, outcome_of(result));
    if (!emit(ev, utils) && result == SASL_OK
	&& state.cfg.audit_failure == MG_AUDIT_REFUSE) {
	utils->seterror(utils->conn, 0, "%s: audit record could not be written "
			"(audit_failure = refuse)", ev->mech);
	return (SASL_FAIL);
    }
    return (result);
}

void    mg_attempt_dispose(struct mg_audit_event *ev, const sasl_utils_t *utils)
{
    if (ev->begun && !ev->ended) {
	if (ev->reason[0] == 0)
	    mg_audit_reason(ev, "exchange ended before completion");
	mg_attempt_end_as(ev, utils, MG_OUTCOME_ABORTED);
    }
}

int     mg_refuse(const sasl_utils_t *utils, struct mg_audit_event *ev, int result,
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
