/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cmd_doctor 3
/* SUMMARY
/*	md5gate doctor
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_doctor(argc, argv)
/* DESCRIPTION
/*	md5gate doctor [--json] [--plugin-path PATH] [--config FILE]...
/*	[--postfix DIR [--service NAME]] checks what decides whether md5gate,
/*	and only md5gate, serves CRAM-MD5 and DIGEST-MD5, and whether it
/*	works as configured. It prints one line per finding, "ok:", "note:"
/*	or "problem:" (or with --json one JSON object, doctor_findings(3)).
/*	The exit status is 0 only when there is no problem.
/*
/*	The plugin path is --plugin-path; else, with --postfix, the
/*	SASL_PATH that main.cf's import_environment gives smtpd (Postfix
/*	passes smtpd no other environment), or libsasl2's default; else
/*	the SASL_PATH environment variable, or libsasl2's default. With
/*	Cyrus SASL's development branch, which reads SASL_PLUGINDIR
/*	instead, that variable takes SASL_PATH's place. Two
/*	plugins offering one mechanism are a problem: libsasl2 keeps both
/*	and picks by directory order, which is arbitrary.
/*
/*	With --postfix, the effective configuration comes from postconf
/*	(postfix_conf(3)): for every smtpd service in master.cf, with its
/*	-o overrides, whether SASL is on, the application file
/*	(smtpd_sasl_path.conf in $config_directory/sasl, where Debian's
/*	Postfix reads it whatever cyrus_sasl_config_path says; a note says
/*	so when that names another directory), the user realm
/*	(smtpd_sasl_local_domain, else myhostname) and the chroot. Each application file (or each
/*	--config file) must be readable and well formed; mech_list must
/*	name CRAM-MD5 or DIGEST-MD5; md5gate options must be known and have
/*	valid values; the md5gate_policy file must be a valid configuration
/*	(a named file that does not exist, or a directory, is a problem),
/*	and the directories of its audit file and lockout store must exist
/*	and be writable: the plugin opens both at initialisation, as root
/*	before smtpd chroots and drops privileges.
/*
/*	The sasldb is opened the way smtpd opens it, at each lookup: in a
/*	child process that enters the service's chroot (queue_directory)
/*	and takes mail_owner's user and group, as Postfix does. Its realms
/*	(listed with sasldblistusers2, when installed) must include the
/*	service's user realm.
/*
/*	With lockout_backend = redis in md5gate's configuration file, the
/*	Redis store must answer and keep its locks (doctor_lockout(3)).
/*--*/
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "config.h"
#include "cli.h"
#include "doctor.h"
#include "postfix_conf.h"
#include "sasl_env.h"
#include "lockout_store.h"
#include "mg_config.h"
#include "mg_options.h"

#define USAGE "md5gate doctor [--json] [--plugin-path PATH] [--config FILE]...\n" \
	"       [--postfix DIR [--service NAME]]"

static const char help[] =
"usage: " USAGE "\n"
"\n"
"Check that md5gate alone provides CRAM-MD5 and DIGEST-MD5, and that the SASL\n"
"and Postfix configuration suits it. One line per finding; exit 0 only when\n"
"there is no problem, 1 when there is one.\n"
"\n"
"  --plugin-path PATH   the plugin path to inspect (colon-separated); default:\n"
"                       smtpd's (with --postfix), else " SASL_PLUGIN_PATH_VAR ", else\n"
"                       libsasl2's default, " MG_SASL_PLUGINDIR "\n"
"  --config FILE        a SASL configuration file, e.g. smtpd.conf (repeatable)\n"
"  --postfix DIR        a Postfix configuration directory: every smtpd service's\n"
"                       effective settings, from postconf\n"
"  --service NAME       with --postfix: check this smtpd service only\n"
"  --json               print the findings as one JSON object\n"
"  --help               show this text\n";

#define CONFIG_MAX	16
#define DEFAULT_SASLDB	"/etc/sasldb2"

/* The plugin path. */

 /*
  * A plugin path given only in the variable this libsasl2 does not read
  * is no plugin path at all: say so.
  */
static void note_unread_path(struct doctor *doc, const char *value,
			             const char *where)
{
    if (value != 0 && *value != 0)
	doctor_note(doc, "%s sets %s=%s, which this libsasl2 does not read "
		    "(it reads %s)", where, SASL_UNREAD_PATH_VAR, value,
		    SASL_PLUGIN_PATH_VAR);
}

/*
 * The same environment names libsasl2's configuration directory, where
 * it reads application files such as smtpd.conf unless the application
 * names a directory itself.
 */
static void note_conf_path(struct doctor *doc, const char *value,
			           const char *where)
{
    if (value != 0 && *value != 0)
	doctor_note(doc, "%s sets %s=%s: libsasl2 reads application configuration "
		    "files there unless the application names a directory",
		    where, SASL_CONF_PATH_VAR, value);
}

static char *plugin_path(struct doctor *doc, const char *given,
			         const struct pfconf *pf, const char *pfdir)
{
    const char *env = getenv(SASL_PLUGIN_PATH_VAR);
    char   *path, *unread, *conf;

    if (given) {
	doctor_note(doc, "plugin path %s (from --plugin-path)", given);
	return (strdup(given));
    }
    if (pfdir) {
	if ((conf = pfconf_import_value(pf, SASL_CONF_PATH_VAR)) != 0) {
	    note_conf_path(doc, conf, "import_environment");
	    free(conf);
	}
	if ((path = pfconf_import_value(pf, SASL_PLUGIN_PATH_VAR)) != 0) {
	    doctor_note(doc, "plugin path %s (from import_environment in %s)",
			path, pfdir);
	    return (path);
	}
	if ((unread = pfconf_import_value(pf, SASL_UNREAD_PATH_VAR)) != 0) {
	    note_unread_path(doc, unread, "import_environment");
	    free(unread);
	}
	doctor_note(doc, "plugin path %s (libsasl2's default: %s's "
		    "import_environment sets no %s)", MG_SASL_PLUGINDIR, pfdir,
		    SASL_PLUGIN_PATH_VAR);
	return (strdup(MG_SASL_PLUGINDIR));
    }
    note_conf_path(doc, getenv(SASL_CONF_PATH_VAR), "the environment");
    if (env && *env) {
	doctor_note(doc, "plugin path %s (from %s)", env, SASL_PLUGIN_PATH_VAR);
	return (strdup(env));
    }
    note_unread_path(doc, getenv(SASL_UNREAD_PATH_VAR), "the environment");
    doctor_note(doc, "plugin path %s (libsasl2's default)", MG_SASL_PLUGINDIR);
    return (strdup(MG_SASL_PLUGINDIR));
}

static void check_providers(struct doctor *doc, const struct doctor_scan *scan)
{
    size_t  m, i;
    const struct doctor_provider *p;

    if (!scan->md5gate_seen)
	doctor_problem(doc, "md5gate (libmd5gate.so) is not in the plugin path");
    for (m = 0; m < DOCTOR_MECHS; m++) {
	p = scan->providers[m];
	if (scan->count[m] == 1 && p[0].is_md5gate) {
	    doctor_ok(doc, "%s is offered by md5gate only (%s)", doctor_mech_names[m],
		      p[0].path);
	} else if (scan->count[m] == 1) {
	    doctor_problem(doc, "%s is offered by %s, which is not md5gate",
			   doctor_mech_names[m], p[0].path);
	} else if (scan->count[m] > 1) {
	    for (i = 0; i < scan->count[m]; i++)
		doctor_problem(doc, "%s is offered by %s%s, one of %zu plugins; "
			       "libsasl2 picks one arbitrarily (directory order)",
			       doctor_mech_names[m], p[i].path,
			       p[i].is_md5gate ? " (md5gate)" : "", scan->count[m]);
	}
    }
}

/* SASL configuration files. */

 /*
  * libsasl2 also looks an option up as MECH_option for a plugin that asks
  * in the name of MECH.
  */
static const char *strip_mech_prefix(const char *name)
{
    size_t  m, n;

    for (m = 0; m < DOCTOR_MECHS; m++) {
	n = strlen(doctor_mech_names[m]);
	if (strncasecmp(name, doctor_mech_names[m], n) == 0 && name[n] == '_')
	    return (name + n + 1);
    }
    return (name);
}

/*
 * The plugin's own table and checks (mg_options(3)): a value the plugin
 * would refuse at load, disabling its mechanisms, is a problem here too.
 */
static void check_option(struct doctor *doc, const char *file, const struct doctor_kv *kv)
{
    const char *name = strip_mech_prefix(kv->name);
    const struct mg_sasl_option *opt;
    struct mg_error err;

    if (strncmp(name, "md5gate_", 8) != 0)
	return;
    if ((opt = mg_sasl_option_find(name)) == 0) {
	doctor_problem(doc, "%s line %d: unknown md5gate option %s (misspelt? it is "
		       "ignored)", file, kv->line, kv->name);
	return;
    }
    mg_error_clear(&err);
    if (mg_sasl_option_check(opt, kv->value, &err) != MG_OK)
	doctor_problem(doc, "%s line %d: %s: md5gate's mechanisms would be disabled",
		       file, kv->line, err.reason);
}

static int names_mech(const char *list)
{
    char   *copy = strdup(list), *tok, *save = 0;
    int     found = 0;

    for (tok = copy ? strtok_r(copy, " \t,", &save) : 0; tok;
	 tok = strtok_r(0, " \t,", &save))
	if (strcasecmp(tok, "CRAM-MD5") == 0 || strcasecmp(tok, "DIGEST-MD5") == 0)
	    found = 1;
    free(copy);
    return (found);
}

 /*
  * A file the plugin opens for writing at initialisation (as root, before
  * a chroot): its directory must exist, and the file be writable or
  * creatable by whoever runs this check.
  */
static void check_writable(struct doctor *doc, const char *what, const char *path)
{
    char   *copy = strdup(path), *dir;
    struct stat st;

    if (copy == 0)
	return;
    dir = dirname(copy);
    if (stat(dir, &st) < 0)
	doctor_problem(doc, "%s %s: directory %s: %s (the plugin cannot open the file)",
		       what, path, dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
	doctor_problem(doc, "%s %s: %s is not a directory", what, path, dir);
    else if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
	doctor_problem(doc, "%s %s is not a regular file", what, path);
    else if (access(path, F_OK) == 0 && access(path, W_OK) < 0)
	doctor_problem(doc, "%s %s is not writable: %s", what, path, strerror(errno));
    else if (access(path, F_OK) < 0 && access(dir, W_OK | X_OK) < 0)
	doctor_problem(doc, "%s %s cannot be created: directory %s: %s", what, path,
		       dir, strerror(errno));
    else
	doctor_ok(doc, "%s %s: the directory exists and the file is writable "
		  "(the plugin opens it as root, before smtpd chroots)", what, path);
    free(copy);
}

 /*
  * md5gate's own configuration file, read as the plugin reads it: an
  * invalid one disables md5gate's mechanisms. A file named by
  * md5gate_policy must exist; only the default path may be absent.
  */
static void check_policy_file(struct doctor *doc, const char *file,
			              struct doctor_conf *conf)
{
    const char *named = doctor_conf_get(conf, "md5gate_policy");
    const char *path = named ? named : MG_CONFIG_DEFAULT_PATH;
    const char *saved_area = doc->area;
    struct mg_lockout_store_config store;
    struct mg_config cfg;
    struct mg_error err;
    struct stat st;

    doc->area = "policy";
    mg_config_init(&cfg);
    if (stat(path, &st) < 0 && errno == ENOENT && named) {
	doctor_problem(doc, "md5gate_policy in %s names %s, which does not exist: "
		       "md5gate refuses a named policy that is missing", file, path);
    } else if (stat(path, &st) < 0 && errno == ENOENT) {
	doctor_ok(doc, "%s does not exist: md5gate uses its defaults", path);
    } else if (mg_config_load_option(named, &cfg, &err) != MG_OK) {
	doctor_problem(doc, "%s (md5gate_policy %s): md5gate's mechanisms would be "
		       "disabled; md5gate policy check says more", err.reason,
		       named ? file : "default");
    } else {
	doctor_ok(doc, "%s is a valid md5gate configuration", path);
	doc->area = "audit";
	if (cfg.audit_file)
	    check_writable(doc, "audit file", cfg.audit_file);
	doc->area = "lockout";
	mg_policy_lockout_store_config(&cfg.policy, &store);
	if (store.backend == MG_LOCKOUT_BACKEND_REDIS)
	    doctor_check_lockout(doc, &cfg.policy);
	else if (mg_policy_lockout_wanted(&cfg.policy))
	    check_writable(doc, "lockout store", mg_policy_lockout_store(&cfg.policy));
    }
    mg_config_free(&cfg);
    doc->area = saved_area;
}

 /*
  * Check one file; return the sasldb path it makes libsasl2 use, or null
  * when it selects auxprop plugins without sasldb.
  */
static const char *check_config(struct doctor *doc, const char *file,
				        struct doctor_conf *conf)
{
    const char *mechs, *aux;
    const char *saved_area = doc->area;
    size_t  i;

    doc->area = "config";
    if (doctor_read_sasl_conf(doc, file, conf) < 0) {
	doc->area = saved_area;
	return (0);
    }
    doctor_ok(doc, "%s is readable", file);
    for (i = 0; i < conf->count; i++)
	check_option(doc, file, &conf->items[i]);
    if ((mechs = doctor_conf_get(conf, "mech_list")) == 0)
	doctor_problem(doc, "%s has no mech_list: libsasl2 offers every mechanism "
		       "it loaded; name md5gate's (mech_list: CRAM-MD5 DIGEST-MD5)", file);
    else if (!names_mech(mechs))
	doctor_problem(doc, "%s: mech_list names neither CRAM-MD5 nor DIGEST-MD5, "
		       "so md5gate is not used", file);
    check_policy_file(doc, file, conf);
    doc->area = saved_area;
    if ((aux = doctor_conf_get(conf, "auxprop_plugin")) != 0 && strstr(aux, "sasldb") == 0)
	return (0);
    return (doctor_conf_get(conf, "sasldb_path") ? doctor_conf_get(conf, "sasldb_path")
	    : DEFAULT_SASLDB);
}

/* The sasldb, opened as smtpd opens it. */

 /*
  * In a child: become smtpd (pfconf_become_smtpd(): enter root when not
  * null, uid/gid with no other group, for good), open path for reading.
  * Returns 0, or an errno value with *stage saying what failed.
  */
static int open_as(const char *root, uid_t uid, gid_t gid, const char *path,
		           const char **stage)
{
    int     report[2] = {0, 0}, fds[2], status, fd;
    pid_t   pid;

    *stage = "fork";
    if (pipe(fds) < 0)
	return (errno);
    if ((pid = fork()) < 0) {
	report[1] = errno;
	close(fds[0]);
	close(fds[1]);
	return (report[1]);
    }
    if (pid == 0) {
	close(fds[0]);
	if ((report[1] = pfconf_become_smtpd(root, uid, gid, stage)) != 0)
	    report[0] = strcmp(*stage, "chroot") == 0 ? 1
		: strcmp(*stage, "change to mail_owner") == 0 ? 2 : 5;
	else if ((fd = open(path, O_RDONLY)) < 0)
	    report[0] = 3;
	else
	    close(fd);
	if (report[0] == 3)
	    report[1] = errno;
	if (write(fds[1], report, sizeof(report)) != (ssize_t) sizeof(report))
	    _exit(1);
	_exit(0);
    }
    close(fds[1]);
    if (read(fds[0], report, sizeof(report)) != (ssize_t) sizeof(report)) {
	report[0] = 4;
	report[1] = EIO;
    }
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
	 /* void */ ;
    *stage = report[0] == 1 ? "chroot" : report[0] == 2 ? "change to mail_owner"
	: report[0] == 3 ? "open" : report[0] == 5 ? "drop root for good" : "run the check";
    return (report[1]);
}

static void check_sasldb_as_owner(struct doctor *doc, const struct pfconf *pf,
				          const struct pfconf_service *svc,
				          const char *sasldb, const char *host_path)
{
    const char *queue = pfconf_main(pf, "queue_directory");
    const char *owner = pfconf_main(pf, "mail_owner");
    const char *stage;
    struct mg_error err;
    uid_t   uid;
    gid_t   gid;
    int     e;

    if (pfconf_mail_owner(pf, &uid, &gid, &err) < 0) {
	doctor_problem(doc, "%s", err.reason);
	return;
    }
    if (geteuid() != 0) {
	doctor_note(doc, "not run as root: the sasldb %s was not opened as smtpd "
		    "(mail_owner %s%s%s) opens it", host_path, owner,
		    svc->chrooted ? ", chrooted in " : "", svc->chrooted ? queue : "");
	return;
    }
    e = open_as(svc->chrooted ? queue : 0, uid, gid, sasldb, &stage);
    if (e == 0)
	doctor_ok(doc, "smtpd (mail_owner %s%s%s) can open the sasldb %s%s%s", owner,
		  svc->chrooted ? ", chrooted in " : "", svc->chrooted ? queue : "",
		  sasldb, svc->chrooted ? " as " : "", svc->chrooted ? host_path : "");
    else if (strcmp(stage, "open") == 0 && e == ENOENT)
	doctor_problem(doc, "smtpd (mail_owner %s%s%s) cannot open the sasldb %s: "
		       "%s does not exist", owner, svc->chrooted ? ", chrooted in " : "",
		       svc->chrooted ? queue : "", sasldb, host_path);
    else if (strcmp(stage, "open") == 0)
	doctor_problem(doc, "smtpd (mail_owner %s%s%s) cannot open the sasldb %s "
		       "(%s): %s; e.g. chgrp %s %s; chmod 640 %s", owner,
		       svc->chrooted ? ", chrooted in " : "", svc->chrooted ? queue : "",
		       sasldb, host_path, strerror(e), owner, host_path, host_path);
    else
	doctor_problem(doc, "cannot check the sasldb %s as smtpd would: %s: %s",
		       host_path, stage, strerror(e));
}

 /*
  * The realms in the sasldb, from sasldblistusers2 (sasl2-bin): the
  * database format is libsasl2's business, so md5gate does not read it.
  */
static void check_sasldb_realms(struct doctor *doc, const char *host_path,
				        const char *realm, const char *source)
{
    const char *lister = access("/usr/sbin/sasldblistusers2", X_OK) == 0 ?
    "/usr/sbin/sasldblistusers2" : "sasldblistusers2";
    char   *argv[] = {(char *) lister, (char *) "-f", (char *) host_path, 0};
    char   *out = 0, **realms = 0, errbuf[MG_REASON_MAX], list[512] = "";
    size_t  len, count = 0, i;
    struct mg_error err;
    int     status, found = 0;

    if (access(host_path, R_OK) < 0)
	return;
    status = pfconf_run(argv, &out, &len, errbuf, sizeof(errbuf));
    if (status == 127 || status < 0) {
	doctor_note(doc, "sasldblistusers2 (sasl2-bin) is not installed: the "
		    "sasldb's realms are not checked");
    } else if (status != 0) {
	doctor_problem(doc, "sasldblistusers2 cannot read %s: %s", host_path,
		       errbuf[0] ? errbuf : "it failed");
    } else if (pfconf_parse_sasldb_listing(out, len, &realms, &count, &err) != MG_OK) {
	doctor_problem(doc, "sasldb %s: %s", host_path, err.reason);
    } else if (count == 0) {
	doctor_problem(doc, "sasldb %s holds no user", host_path);
    } else {
	for (i = 0; i < count; i++) {
	    found |= realm && strcmp(realms[i], realm) == 0;
	    if (strlen(list) + strlen(realms[i]) + 3 < sizeof(list))
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? ", " : "", realms[i]);
	}
	if (found)
	    doctor_ok(doc, "sasldb %s has users in realm %s (%s)", host_path, realm,
		      source);
	else
	    doctor_problem(doc, "sasldb %s has no user in realm %s (%s), only in: %s; "
			   "smtpd looks up user@%s", host_path, realm ? realm : "(none)",
			   source, list, realm ? realm : "");
    }
    free(out);
    pfconf_strings_free(realms, count);
}

static void check_sasldb_here(struct doctor *doc, const char *sasldb)
{
    int     fd;

    doc->area = "sasldb";
    if ((fd = open(sasldb, O_RDONLY)) >= 0) {
	close(fd);
	doctor_ok(doc, "sasldb %s exists and can be opened", sasldb);
    } else {
	doctor_problem(doc, "sasldb %s cannot be opened: %s", sasldb, strerror(errno));
    }
}

/* The whole check. */

struct doctor_args {
    const char *plugin_path;
    const char *configs[CONFIG_MAX];
    size_t  config_count;
    const char *pfdir;
    const char *service;
    int     json;
};

 /*
  * Files already checked: services that share one file report it once.
  */
struct checked {
    char   *files[CONFIG_MAX];
    size_t  count;
};

static int seen_file(struct checked *seen, const char *file)
{
    size_t  i;

    for (i = 0; i < seen->count; i++)
	if (strcmp(seen->files[i], file) == 0)
	    return (1);
    if (seen->count < CONFIG_MAX && (seen->files[seen->count] = strdup(file)) != 0)
	seen->count++;
    return (0);
}

 /*
  * The sasldb path a file selects, without findings (for a file that
  * another service already had checked).
  */
static char *sasldb_of(const char *file)
{
    struct doctor quiet = {0};
    struct doctor_conf conf;
    const char *aux, *path = 0;
    char   *result = 0;

    if (doctor_read_sasl_conf(&quiet, file, &conf) == 0
	&& ((aux = doctor_conf_get(&conf, "auxprop_plugin")) == 0
	    || strstr(aux, "sasldb") != 0))
	path = doctor_conf_get(&conf, "sasldb_path") ? doctor_conf_get(&conf, "sasldb_path")
	    : DEFAULT_SASLDB;
    if (path)
	result = strdup(path);
    doctor_conf_free(&conf);
    doctor_free(&quiet);
    return (result);
}

static void check_service(struct doctor *doc, const struct pfconf *pf,
			          const struct pfconf_service *svc, struct checked *seen)
{
    const char *type = pfconf_value(pf, svc, "smtpd_sasl_type");
    const char *app = pfconf_value(pf, svc, "smtpd_sasl_path");
    const char *realm, *source;
    struct doctor_conf conf;
    char   *file, *dirs, *sasldb = 0, *host_path;

    doc->service = svc->key;
    doc->area = "service";
    if (!pfconf_sasl_enabled(pf, svc)) {
	doctor_note(doc, "SASL authentication is off (smtpd_sasl_auth_enable = %s)",
		    pfconf_value(pf, svc, "smtpd_sasl_auth_enable"));
	return;
    }
    if (type && strcmp(type, "cyrus") != 0) {
	doctor_note(doc, "smtpd_sasl_type = %s: not Cyrus SASL, so not md5gate", type);
	return;
    }
    if (app == 0 || *app == 0)
	app = "smtpd";
    realm = pfconf_realm(pf, svc, &source);
    dirs = pfconf_sasl_conf_dirs(pf, svc);
    doctor_note(doc, "SASL on: smtpd_sasl_path = %s, realm %s (%s), %s%s",
		app, realm ? realm : "(none)", source,
		svc->chrooted ? "chrooted in " : "not chrooted",
		svc->chrooted ? pfconf_main(pf, "queue_directory") : "");
    if (pfconf_conf_path_ignored(pf, svc))
	doctor_note(doc, "cyrus_sasl_config_path = %s is not where Debian's Postfix "
		    "looks: its smtpd reads %s.conf from %s", pfconf_value(pf, svc,
		    "cyrus_sasl_config_path"), app, dirs ? dirs : "?");
    if ((file = pfconf_sasl_conf_file(pf, svc)) == 0) {
	doc->area = "config";
	doctor_problem(doc, "no %s.conf in %s: libsasl2 runs with its defaults "
		       "(every mechanism, no md5gate option)", app, dirs ? dirs : "?");
    } else if (seen_file(seen, file)) {
	doctor_note(doc, "SASL configuration %s (checked above)", file);
	sasldb = sasldb_of(file);
    } else {
	const char *one = check_config(doc, file, &conf);

	sasldb = one ? strdup(one) : 0;
	doctor_conf_free(&conf);
    }
    doc->area = "sasldb";
    if (sasldb && (host_path = pfconf_inside_chroot(pf, svc, sasldb)) != 0) {
	check_sasldb_as_owner(doc, pf, svc, sasldb, host_path);
	check_sasldb_realms(doc, host_path, realm, source);
	free(host_path);
    }
    free(sasldb);
    free(file);
    free(dirs);
}

static void check_postfix(struct doctor *doc, const struct pfconf *pf,
			          const struct doctor_args *args)
{
    struct checked seen = {{0}, 0};
    const struct pfconf_service *svc;
    size_t  i, smtpd = 0;

    for (i = 0; i < pf->service_count; i++) {
	svc = pf->services + i;
	if (strcmp(svc->command, "smtpd") != 0)
	    continue;
	if (args->service && strcmp(svc->name, args->service) != 0
	    && strcmp(svc->key, args->service) != 0)
	    continue;
	smtpd++;
	check_service(doc, pf, svc, &seen);
    }
    doc->service = 0;
    doc->area = "service";
    if (smtpd == 0 && args->service)
	doctor_problem(doc, "%s/master.cf has no smtpd service %s", args->pfdir,
		       args->service);
    else if (smtpd == 0)
	doctor_note(doc, "%s/master.cf runs no smtpd service", args->pfdir);
    for (i = 0; i < seen.count; i++)
	free(seen.files[i]);
}

static void check_configs(struct doctor *doc, const struct doctor_args *args)
{
    struct doctor_conf conf;
    const char *one;
    char   *sasldb = 0;
    size_t  i;

    doc->area = "config";
    if (args->config_count == 0 && args->pfdir == 0)
	doctor_note(doc, "no SASL configuration file given (--config): options "
		    "not checked");
    for (i = 0; i < args->config_count; i++) {
	if ((one = check_config(doc, args->configs[i], &conf)) != 0 && sasldb == 0)
	    sasldb = strdup(one);
	doctor_conf_free(&conf);
    }
    if (sasldb)
	check_sasldb_here(doc, sasldb);
    free(sasldb);
}

static int run(const struct doctor_args *args)
{
    struct doctor doc = {0};
    struct pfconf pf;
    struct doctor_scan scan;
    struct mg_error err;
    char   *path;
    int     ret;

    memset(&pf, 0, sizeof(pf));
    if (args->pfdir && pfconf_load(args->pfdir, &pf, &err) != MG_OK)
	return (cli_error(CLI_TROUBLE, "cannot read the Postfix configuration: %s",
			  err.reason));
    doc.area = "plugins";
    if ((path = plugin_path(&doc, args->plugin_path, &pf, args->pfdir)) == 0) {
	pfconf_free(&pf);
	return (cli_error(CLI_TROUBLE, "out of memory"));
    }
    doctor_scan_path(&doc, path, &scan);
    check_providers(&doc, &scan);
    doctor_scan_free(&scan);
    free(path);
    check_configs(&doc, args);
    if (args->pfdir)
	check_postfix(&doc, &pf, args);
    pfconf_free(&pf);
    if (args->json) {
	if (doctor_print_json(&doc, stdout) < 0) {
	    doctor_free(&doc);
	    return (cli_error(CLI_TROUBLE, "out of memory"));
	}
    } else {
	doctor_print_text(&doc, stdout);
    }
    ret = doc.problems ? CLI_NEGATIVE : CLI_OK;
    doctor_free(&doc);
    if (cli_finish_output() != CLI_OK)
	return (CLI_TROUBLE);
    return (ret);
}

int     cli_doctor(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"plugin-path", required_argument, 0, 'P'},
	{"config", required_argument, 0, 'c'},
	{"postfix", required_argument, 0, 'p'},
	{"service", required_argument, 0, 's'},
	{"json", no_argument, 0, 'j'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    struct doctor_args args;
    int     ch;

    cli_prog = "md5gate doctor";
    memset(&args, 0, sizeof(args));
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", longopts, 0)) != -1) {
	switch (ch) {
	case 'P':
	    args.plugin_path = optarg;
	    break;
	case 'c':
	    if (args.config_count >= CONFIG_MAX)
		return (cli_usage_error(USAGE, "at most %d --config files", CONFIG_MAX));
	    args.configs[args.config_count++] = optarg;
	    break;
	case 'p':
	    args.pfdir = optarg;
	    break;
	case 's':
	    args.service = optarg;
	    break;
	case 'j':
	    args.json = 1;
	    break;
	case 'h':
	    return (cli_help(help));
	default:
	    return (cli_option_error(USAGE, ch, argv));
	}
    }
    if (argc != optind)
	return (cli_usage_error(USAGE, "unexpected argument \"%s\"", argv[optind]));
    if (args.service && args.pfdir == 0)
	return (cli_usage_error(USAGE, "--service needs --postfix"));
    return (run(&args));
}
