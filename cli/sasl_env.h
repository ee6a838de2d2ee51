/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	sasl_env 3h
/* SUMMARY
/*	the environment variables of the libsasl2 generation built against
/* SYNOPSIS
/*	#include "cli/sasl_env.h"
/* DESCRIPTION
/*	SASL_PLUGIN_PATH_VAR names the variable libsasl2 reads its plugin
/*	path from: SASL_PATH in Cyrus SASL 2.1.x, SASL_PLUGINDIR in its
/*	development branch (sasl_utils_t version 5), which no longer reads
/*	SASL_PATH (SASL_UNREAD_PATH_VAR, the other one). SASL_CONF_PATH_VAR
/*	names its configuration directory variable. The command runs with
/*	the libsasl2 it was built against, and so does the smtpd it inspects.
/*--*/
#ifndef MG_CLI_SASL_ENV_H
#define MG_CLI_SASL_ENV_H

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#if SASL_UTILS_VERSION >= 5
#define SASL_PLUGIN_PATH_VAR	"SASL_PLUGINDIR"
#define SASL_UNREAD_PATH_VAR	"SASL_PATH"
#define SASL_CONF_PATH_VAR	"SASL_CONFDIR"
#else
#define SASL_PLUGIN_PATH_VAR	"SASL_PATH"
#define SASL_UNREAD_PATH_VAR	"SASL_PLUGINDIR"
#define SASL_CONF_PATH_VAR	"SASL_CONF_PATH"
#endif

#endif
