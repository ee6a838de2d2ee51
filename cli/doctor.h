/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	doctor 3h
/* SUMMARY
/*	parts of md5gate doctor
/* SYNOPSIS
/*	#include "cli/doctor.h"
/* DESCRIPTION
/*	doctor_scan.c finds the mechanism plugins in a plugin path and what
/*	they offer; doctor_conf.c reads libsasl2 configuration files;
/*	postfix_conf.c asks postconf for Postfix's; cmd_doctor.c draws the
/*	conclusions. Every part appends its findings to one list
/*	(doctor_findings.c), printed at the end and counted.
/*--*/
#ifndef MG_DOCTOR_H
#define MG_DOCTOR_H

#include <stddef.h>
#include <stdio.h>

 /*
  * Findings: a problem makes the exit status 1; a note only informs. The
  * helpers append their findings to a list (doctor_findings.c) which the
  * command prints at the end, as text or as JSON. area and service are
  * the caller's current topic, copied into each finding.
  */
enum doctor_level {
    DOCTOR_OK,
    DOCTOR_NOTE,
    DOCTOR_PROBLEM,
};

struct doctor_finding {
    enum doctor_level level;
    char   *area;			/* "plugins", "config", "sasldb", ... */
    char   *service;			/* "smtp/inet", or null */
    char   *text;
};

struct doctor {
    int     problems;
    const char *area;
    const char *service;
    struct doctor_finding *items;
    size_t  count;
};

extern void doctor_ok(struct doctor *, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));
extern void doctor_note(struct doctor *, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));
extern void doctor_problem(struct doctor *, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));
extern const char *doctor_level_name(enum doctor_level);
extern void doctor_print_text(const struct doctor *, FILE *);
extern int doctor_print_json(const struct doctor *, FILE *);
extern void doctor_free(struct doctor *);

 /*
  * doctor_scan.c: mechanism providers in a colon-separated plugin path.
  */
#define DOCTOR_MECH_CRAM	0
#define DOCTOR_MECH_DIGEST	1
#define DOCTOR_MECHS		2
#define DOCTOR_PROVIDERS_MAX	32

struct doctor_provider {
    char   *path;			/* the file as found in the path */
    int     is_md5gate;
};

struct doctor_scan {
    struct doctor_provider providers[DOCTOR_MECHS][DOCTOR_PROVIDERS_MAX];
    size_t  count[DOCTOR_MECHS];
    int     md5gate_seen;
};

extern const char *const doctor_mech_names[DOCTOR_MECHS];
extern void doctor_scan_path(struct doctor *, const char *path, struct doctor_scan *);
extern void doctor_scan_free(struct doctor_scan *);

 /*
  * doctor_conf.c: libsasl2 application files, "name: value".
  */
struct doctor_kv {
    char   *name;
    char   *value;
    int     line;
};

struct doctor_conf {
    struct doctor_kv *items;
    size_t  count;
};

extern int doctor_read_sasl_conf(struct doctor *, const char *file, struct doctor_conf *);
extern const char *doctor_conf_get(const struct doctor_conf *, const char *name);
extern void doctor_conf_free(struct doctor_conf *);

 /*
  * doctor_lockout.c: the Redis lockout store answers and keeps its locks.
  */
struct mg_policy;
extern void doctor_check_lockout(struct doctor *, const struct mg_policy *);

#endif
