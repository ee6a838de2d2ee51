/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	mg_config 3h
/* SUMMARY
/*	md5gate's configuration file
/* SYNOPSIS
/*	#include "mg_config.h"
/*--*/
#ifndef MG_CONFIG_H
#define MG_CONFIG_H

#include <stdio.h>

#include "mg_error.h"
#include "policy.h"

#define MG_CONFIG_DEFAULT_PATH	"/etc/md5gate/policy.conf"

 /*
  * Log levels of audit records, numbered as libsasl2's SASL_LOG_* so that
  * the glue passes them through unchanged.
  */
enum mg_log_level {
    MG_LOG_NONE = 0,
    MG_LOG_ERR = 1,
    MG_LOG_FAIL = 2,
    MG_LOG_WARN = 3,
    MG_LOG_NOTE = 4,
    MG_LOG_DEBUG = 5,
};

enum mg_audit_failure {
    MG_AUDIT_CONTINUE,			/* authenticate; warn once */
    MG_AUDIT_REFUSE,			/* fail the attempt */
};

struct mg_config {
    char   *path;			/* the file read, for messages */
    int     found;			/* 0: file absent, defaults apply */
    char   *audit_file;			/* JSON Lines sink; null: none */
    enum mg_audit_failure audit_failure;
    enum mg_log_level audit_success_level;
    enum mg_log_level audit_failure_level;
    int     plaintext_secrets;		/* 1: userPassword may verify */
    struct mg_policy policy;		/* rules and lockout (policy(3)) */
};

extern void mg_config_init(struct mg_config *);
extern enum mg_code mg_config_load(const char *path, struct mg_config *,
				           struct mg_error *);
extern enum mg_code mg_config_load_option(const char *named, struct mg_config *,
				                  struct mg_error *);
extern enum mg_code mg_config_load_stream(FILE *, const char *name,
				                  struct mg_config *,
				                  struct mg_error *);
extern void mg_config_free(struct mg_config *);
extern void mg_config_print(const struct mg_config *, unsigned flags, FILE *);

#endif
