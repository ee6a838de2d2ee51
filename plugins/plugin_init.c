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
/*	Both refuse to initialise when the running libsasl2 is not of the
/*	generation md5gate was built against: Cyrus SASL's development
/*	branch changed the layout of sasl_utils_t (it removed the MD5
/*	helpers), so every field after the MD5 block may sit elsewhere.
/*
/*	The check cannot rely on sasl_utils_t.version: libsasl2 2.1.28
/*	leaves that field uninitialised. It asks the library itself: the
/*	getopt pointer precedes the MD5 block in every generation, so
/*	dladdr() on it names the libsasl2 that loaded us, and that
/*	library's sasl_version_info() gives its major and minor version,
/*	which must equal those of the headers md5gate was compiled with.
/*	The plugin never links libsasl2 itself (see README, "Design").
/*
/*	A refusal cannot use utils->log, whose offset is then unknown, so it
/*	goes to syslog(3) under the mail facility, where a mail
/*	administrator looks.
/*--*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <syslog.h>

#include "config.h"
#include "attempt.h"
#include "digest_layer.h"
#include "glue.h"
#include "mechs.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

typedef void version_info_fn(const char **, const char **, int *, int *,
			             int *, int *);

static version_info_fn *find_version_info(const sasl_utils_t *utils)
{
    Dl_info info;
    void   *lib;
    void   *sym = 0;

    if (utils != 0 && utils->getopt != 0
	&& dladdr((void *) utils->getopt, &info) != 0 && info.dli_fname != 0
	&& (lib = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD)) != 0) {
	sym = dlsym(lib, "sasl_version_info");
	dlclose(lib);
    }
    if (sym == 0)
	sym = dlsym(RTLD_DEFAULT, "sasl_version_info");
    return ((version_info_fn *) sym);
}

static int library_generation_ok(const sasl_utils_t *utils, const char *side)
{
    version_info_fn *version_info = find_version_info(utils);
    int     major = -1, minor = -1, step = -1, patch = -1;

    if (version_info != 0)
	version_info((const char **) 0, (const char **) 0, &major, &minor,
		     &step, &patch);
    if (major == SASL_VERSION_MAJOR && minor == SASL_VERSION_MINOR)
	return (1);
    syslog(LOG_MAIL | LOG_ERR,
	   "md5gate %s: refusing to load the %s plugin: the running libsasl2 "
	   "is version %d.%d.%d, md5gate was built for %d.%d.x "
	   "(sasl_utils_t version %d); rebuild md5gate against this libsasl2",
	   VERSION, side, major, minor, step, SASL_VERSION_MAJOR,
	   SASL_VERSION_MINOR, SASL_UTILS_VERSION);
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
