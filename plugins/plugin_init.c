/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	plugin_init 3
/* SUMMARY
/*	md5gate's libsasl2 entry points
/* SYNOPSIS
/*	int	sasl_server_plug_init(utils, max_version, out_version,
/*				pluglist, plugcount)
/*
/*	int	sasl_client_plug_init(utils, max_version, out_version,
/*				pluglist, plugcount)
/* DESCRIPTION
/*	libsasl2 calls these once per process when it loads the plugin;
/*	Postfix's smtpd does so before it chroots and drops privileges.
/*
/*	Both refuse to initialise (SASL_BADVERS) when the running libsasl2
/*	is not of the generation md5gate was built against: Cyrus SASL's
/*	development branch removed the MD5 helpers from sasl_utils_t, so
/*	every member after them sits elsewhere, although its sasl.h still
/*	says 2.1.28. sasl_guard(3) tells the generations apart by what the
/*	library exports; it finds the library through the getopt member,
/*	which precedes the MD5 block in both layouts. Nothing in utils after
/*	the mutex functions is read before the guard has passed. The plugin
/*	never links libsasl2 itself (see doc/DEVELOPING.md, "Design notes").
/*
/*	A refusal cannot use utils->log: no logging function precedes the
/*	MD5 block, so in a mismatched library utils->log is some other
/*	function. It goes to syslog(3) under the mail facility, where a mail
/*	administrator looks; never to stderr, which a daemon may have closed
/*	and reused for a client connection. libsasl2 then leaves the
/*	mechanisms out, noting the failure at most at debug level (server)
/*	or as a warning (client) through the application's log callback.
/*--*/
#include <syslog.h>

#include "config.h"
#include "attempt.h"
#include "digest_layer.h"
#include "glue.h"
#include "mechs.h"
#include "sasl_guard.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

static int library_generation_ok(const sasl_utils_t *utils, const char *side)
{
    static const struct mg_sasl_headers built = {
	SASL_VERSION_MAJOR, SASL_VERSION_MINOR, SASL_VERSION_STEP,
	SASL_UTILS_VERSION,
    };
    char    refusal[MG_SASL_GUARD_TEXT_MAX];

    /* getopt: the same offset in both layouts (see sasl_guard(3)). */
    if (mg_sasl_guard(utils != 0 ? (const void *) utils->getopt : 0, &built,
		      refusal, sizeof(refusal)))
	return (1);
    syslog(LOG_MAIL | LOG_ERR, "md5gate %s: refusing to load the %s plugin: "
	   "%s; rebuild md5gate against the running libsasl2",
	   VERSION, side, refusal);
    return (0);
}

 /*
  * One reference to the process-wide state per registered mechanism: each
  * mechanism's mech_free releases one.
  */
static void acquire_state(const sasl_utils_t *utils, int mechs)
{
    int     i;

    for (i = 0; i < mechs; i++)
	(void) mgp_state_acquire(utils);
}

static sasl_server_plug_t server_plugs[2];
static sasl_client_plug_t client_plugs[2];

int     sasl_server_plug_init(const sasl_utils_t *, int, int *,
			              sasl_server_plug_t **, int *);
int     sasl_client_plug_init(const sasl_utils_t *, int, int *,
			              sasl_client_plug_t **, int *);

int     sasl_server_plug_init(const sasl_utils_t *utils, int max_version,
			              int *out_version, sasl_server_plug_t **pluglist,
			              int *plugcount)
{
    if (!library_generation_ok(utils, "server"))
	return (SASL_BADVERS);
    if (max_version < SASL_SERVER_PLUG_VERSION) {
	utils->log(0, SASL_LOG_ERR, "md5gate: libsasl2 server plugin version %d "
		   "is older than %d", max_version, SASL_SERVER_PLUG_VERSION);
	return (SASL_BADVERS);
    }
    acquire_state(utils, (int) (sizeof(server_plugs) / sizeof(server_plugs[0])));
    /* Now, before Postfix's smtpd chroots: only the server side locks out. */
    mgp_state_open_lockout(utils);
    server_plugs[0] = mg_cram_server_plug;
    server_plugs[1] = mg_digest_server_plug;
    server_plugs[1].max_ssf = mg_digest_max_ssf(utils);
    *out_version = SASL_SERVER_PLUG_VERSION;
    *pluglist = server_plugs;
    *plugcount = (int) (sizeof(server_plugs) / sizeof(server_plugs[0]));
    return (SASL_OK);
}

int     sasl_client_plug_init(const sasl_utils_t *utils, int max_version,
			              int *out_version, sasl_client_plug_t **pluglist,
			              int *plugcount)
{
    if (!library_generation_ok(utils, "client"))
	return (SASL_BADVERS);
    if (max_version < SASL_CLIENT_PLUG_VERSION) {
	utils->log(0, SASL_LOG_ERR, "md5gate: libsasl2 client plugin version %d "
		   "is older than %d", max_version, SASL_CLIENT_PLUG_VERSION);
	return (SASL_BADVERS);
    }
    acquire_state(utils, (int) (sizeof(client_plugs) / sizeof(client_plugs[0])));
    client_plugs[0] = mg_cram_client_plug;
    client_plugs[1] = mg_digest_client_plug;
    client_plugs[1].max_ssf = mg_digest_max_ssf(utils);
    *out_version = SASL_CLIENT_PLUG_VERSION;
    *pluglist = client_plugs;
    *plugcount = (int) (sizeof(client_plugs) / sizeof(client_plugs[0]));
    return (SASL_OK);
}
