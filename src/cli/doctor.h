/*++
/* NAME
/*	doctor 3h
/* SUMMARY
/*	parts of md5gate doctor
/* SYNOPSIS
/*	#include "cli/doctor.h"
/* DESCRIPTION
/*	doctor_scan.c finds the mechanism plugins in a plugin path and what
/*	they offer; doctor_conf.c reads libsasl2 and Postfix configuration
/*	files; cmd_doctor.c draws the conclusions. Findings are printed as
/*	they are made, one line each, and counted.
/*--*/
#ifndef MG_DOCTOR_H
#define MG_DOCTOR_H

#include <stddef.h>

 /*
  * Findings: a problem makes the exit status 1; a note only informs.
  */
struct doctor {
    int     problems;
};

extern void doctor_ok(struct doctor *, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));
extern void doctor_note(struct doctor *, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));
extern void doctor_problem(struct doctor *, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));

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
  * doctor_conf.c: "name: value" (libsasl2) and "name = value" (Postfix
  * main.cf) files, and master.cf service entries.
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
extern int doctor_read_main_cf(struct doctor *, const char *file, struct doctor_conf *);
extern const char *doctor_conf_get(const struct doctor_conf *, const char *name);
extern void doctor_conf_free(struct doctor_conf *);

 /*
  * doctor_lockout.c: the Redis lockout store answers and keeps its locks.
  */
struct mg_policy;
extern void doctor_check_lockout(struct doctor *, const struct mg_policy *);

struct doctor_service {
    char   *name;
    char   *chroot;			/* y, n or - */
    int     line;
};

extern int doctor_read_master_cf(struct doctor *, const char *file,
				         struct doctor_service **, size_t *);
extern void doctor_services_free(struct doctor_service *, size_t);

#endif
