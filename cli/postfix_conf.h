/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	postfix_conf 3h
/* SUMMARY
/*	a Postfix instance's effective configuration, from postconf
/* SYNOPSIS
/*	#include "cli/postfix_conf.h"
/* DESCRIPTION
/*	What md5gate doctor, test-login and passwd --postfix need to know
/*	of a Postfix instance, asked of postconf(1) rather than read from
/*	main.cf and master.cf by hand: postconf knows the defaults, the
/*	$name expansion and the master.cf syntax.
/*--*/
#ifndef MG_POSTFIX_CONF_H
#define MG_POSTFIX_CONF_H

#include <stddef.h>
#include <sys/types.h>

#include "mg_error.h"

 /*
  * Bounds on what postconf prints: a large main.cf dumps about 100 kB.
  */
#define PFCONF_OUTPUT_MAX	(4 << 20)
#define PFCONF_NAME_MAX		256
#define PFCONF_FIELDS		8	/* master.cf: service .. command */

 /*
  * Where Debian's smtpd has libsasl2 look for smtpd_sasl_path.conf,
  * after $config_directory (the string is in its binary).
  */
#define PFCONF_DEBIAN_SASL_DIRS	"/sasl:/usr/lib/sasl"

struct pfconf_kv {
    char   *scope;			/* "service/type" (-P), or null (main.cf) */
    char   *name;
    char   *value;
};

struct pfconf_service {
    char   *name;			/* "smtp", "127.0.0.1:2525" */
    char   *type;			/* "inet", "unix", ... */
    char   *key;			/* "name/type", as postconf -P writes it */
    char   *chroot;			/* "y", "n" or "-" */
    char   *command;			/* "smtpd" */
    int     chrooted;			/* "-" is "n" since Postfix 3.0 */
};

struct pfconf {
    char   *config_dir;			/* as given */
    struct pfconf_kv *params;		/* postconf -x: every parameter */
    size_t  param_count;
    struct pfconf_kv *overrides;	/* postconf -P -x: -o name=value */
    size_t  override_count;
    struct pfconf_service *services;	/* postconf -M */
    size_t  service_count;
};

extern enum mg_code pfconf_load(const char *config_dir, struct pfconf *, struct mg_error *);
extern void pfconf_free(struct pfconf *);
extern const char *pfconf_main(const struct pfconf *, const char *name);
extern const char *pfconf_value(const struct pfconf *, const struct pfconf_service *,
				        const char *name);
extern const struct pfconf_service *pfconf_service(const struct pfconf *, const char *name);
extern int pfconf_sasl_enabled(const struct pfconf *, const struct pfconf_service *);
extern const struct pfconf_service *pfconf_first_sasl_service(const struct pfconf *);
extern char *pfconf_sasl_conf_dirs(const struct pfconf *, const struct pfconf_service *);
extern int pfconf_conf_path_ignored(const struct pfconf *, const struct pfconf_service *);
extern char *pfconf_sasl_conf_file(const struct pfconf *, const struct pfconf_service *);
extern const char *pfconf_realm(const struct pfconf *, const struct pfconf_service *,
				        const char **source);
extern char *pfconf_inside_chroot(const struct pfconf *, const struct pfconf_service *,
				          const char *path);
extern char *pfconf_import_value(const struct pfconf *, const char *name);
extern int pfconf_mail_owner(const struct pfconf *, uid_t *, gid_t *, struct mg_error *);
extern int pfconf_become_smtpd(const char *root, uid_t, gid_t, const char **stage);

 /*
  * The parsers of postconf's output, apart for the fuzz target: each
  * takes the whole output, and appends to its array.
  */
extern enum mg_code pfconf_parse_params(const char *text, size_t len, int scoped,
				                struct pfconf_kv **, size_t *,
				                struct mg_error *);
extern enum mg_code pfconf_parse_services(const char *text, size_t len,
				                  struct pfconf_service **, size_t *,
				                  struct mg_error *);
extern void pfconf_kvs_free(struct pfconf_kv *, size_t);
extern void pfconf_services_free(struct pfconf_service *, size_t);

 /*
  * A program's standard output, bounded; standard error is kept apart
  * (its first line explains a failure). Returns the exit status, or -1.
  */
extern int pfconf_run(char *const argv[], char **out, size_t *out_len,
		              char *err_line, size_t err_size);

 /*
  * sasldblistusers2's lines "user@realm: property": the distinct realms.
  */
extern enum mg_code pfconf_parse_sasldb_listing(const char *text, size_t len,
				                        char ***realms, size_t *count,
				                        struct mg_error *);
extern void pfconf_strings_free(char **, size_t);

#endif
