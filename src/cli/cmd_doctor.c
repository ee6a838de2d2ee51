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
/*	md5gate doctor [--plugin-path PATH] [--config FILE]... [--postfix
/*	DIR] checks what decides whether md5gate, and only md5gate, serves
/*	CRAM-MD5 and DIGEST-MD5, and prints one line per finding: "ok:",
/*	"note:" or "problem:". The exit status is 0 only when there is no
/*	problem.
/*
/*	The plugin path is --plugin-path; else, with --postfix, the
/*	SASL_PATH that main.cf's import_environment gives smtpd (Postfix
/*	passes smtpd no other environment), or libsasl2's default; else
/*	the SASL_PATH environment variable, or libsasl2's default. Two
/*	plugins offering one mechanism are a problem: libsasl2 keeps both
/*	and picks by directory order, which is arbitrary.
/*
/*	Each --config file (with --postfix and no --config: DIR/sasl/
/*	smtpd_sasl_path.conf, where Debian's Postfix reads it) must be
/*	readable and well formed; mech_list must name CRAM-MD5 or
/*	DIGEST-MD5; md5gate options must be known and have valid values (a
/*	misspelt option is an option silently missing).
/*
/*	With --postfix, every smtpd service in master.cf that runs chrooted
/*	must find the sasldb (sasldb_path, default /etc/sasldb2) under the
/*	chroot, queue_directory: the sasldb plugin opens the database at
/*	each lookup, after smtpd has entered the chroot.
/*
/*	With lockout_backend = redis in md5gate's configuration file, the
/*	Redis store must answer and keep its locks (doctor_lockout(3)).
/*--*/
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config.h"
#include "cli/cli.h"
#include "cli/doctor.h"
#include "mg_config.h"

#define USAGE "md5gate doctor [--plugin-path PATH] [--config FILE]... [--postfix DIR]"

static const char help[] =
"usage: " USAGE "\n"
"\n"
"Check that md5gate alone provides CRAM-MD5 and DIGEST-MD5, and that the SASL\n"
"and Postfix configuration suits it. One line per finding; exit 0 only when\n"
"there is no problem.\n"
"\n"
"  --plugin-path PATH   the plugin path to inspect (colon-separated); default:\n"
"                       smtpd's (with --postfix), else SASL_PATH, else\n"
"                       libsasl2's default, " MG_SASL_PLUGINDIR "\n"
"  --config FILE        a SASL configuration file, e.g. smtpd.conf (repeatable)\n"
"  --postfix DIR        a Postfix configuration directory (main.cf, master.cf)\n"
"  --help               show this text\n";

#define CONFIG_MAX	16
#define DEFAULT_SASLDB	"/etc/sasldb2"
#define DEFAULT_QUEUE	"/var/spool/postfix"

static void finding(const char *tag, const char *fmt, va_list ap)
{
    printf("%s: ", tag);
    vprintf(fmt, ap);
    putchar('\n');
}

void    doctor_ok(struct doctor *doc, const char *fmt,...)
{
    va_list ap;

    (void) doc;
    va_start(ap, fmt);
    finding("ok", fmt, ap);
    va_end(ap);
}

void    doctor_note(struct doctor *doc, const char *fmt,...)
{
    va_list ap;

    (void) doc;
    va_start(ap, fmt);
    finding("note", fmt, ap);
    va_end(ap);
}

void    doctor_problem(struct doctor *doc, const char *fmt,...)
{
    va_list ap;

    doc->problems++;
    va_start(ap, fmt);
    finding("problem", fmt, ap);
    va_end(ap);
}

/* The plugin path. */

 /*
  * import_environment: names and name=value pairs, separated by white
  * space or commas; Postfix also allows { name=value } for values with
  * spaces, which a plugin path does not need.
  */
static char *sasl_path_from_import(const char *value)
{
    char   *copy = strdup(value ? value : ""), *tok, *save = 0, *found = 0;

    if (copy == 0)
	return (0);
    for (tok = strtok_r(copy, " \t,{}", &save); tok; tok = strtok_r(0, " \t,{}", &save))
	if (strncmp(tok, "SASL_PATH=", 10) == 0) {
	    free(found);
	    found = strdup(tok + 10);
	}
    free(copy);
    return (found);
}

static char *plugin_path(struct doctor *doc, const char *given,
			         const struct doctor_conf *main_cf, const char *pfdir)
{
    const char *env = getenv("SASL_PATH");
    char   *path;

    if (given) {
	doctor_note(doc, "plugin path %s (from --plugin-path)", given);
	return (strdup(given));
    }
    if (pfdir) {
	if ((path = sasl_path_from_import(doctor_conf_get(main_cf, "import_environment"))) != 0) {
	    doctor_note(doc, "plugin path %s (from import_environment in %s/main.cf)",
			path, pfdir);
	    return (path);
	}
	doctor_note(doc, "plugin path %s (libsasl2's default: %s/main.cf's "
		    "import_environment sets no SASL_PATH)", MG_SASL_PLUGINDIR, pfdir);
	return (strdup(MG_SASL_PLUGINDIR));
    }
    if (env && *env) {
	doctor_note(doc, "plugin path %s (from SASL_PATH)", env);
	return (strdup(env));
    }
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

enum opt_kind {
    OPT_TEXT,
    OPT_BOOL,
    OPT_FINAL_REPLY,
};

struct known_option {
    const char *name;
    enum opt_kind kind;
};

 /*
  * Every option the plugin reads. A new option must be added here, or
  * doctor reports it as unknown.
  */
static const struct known_option known_options[] = {
    {"md5gate_policy", OPT_TEXT},
    {"md5gate_digest_realms", OPT_TEXT},
    {"md5gate_digest_realm_strict", OPT_BOOL},
    {"md5gate_digest_hosts", OPT_TEXT},
    {"md5gate_digest_uri_strict", OPT_BOOL},
    {"md5gate_digest_final_reply", OPT_FINAL_REPLY},
    {"md5gate_digest_weak_ciphers", OPT_BOOL},
    {"md5gate_digest_ciphers", OPT_TEXT},
};

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

static int bool_value(const char *value)
{
    return (*value && (strchr("yYtT1nNfF0", value[0]) != 0
		       || strcasecmp(value, "on") == 0 || strcasecmp(value, "off") == 0));
}

static void check_option(struct doctor *doc, const char *file, const struct doctor_kv *kv)
{
    const char *name = strip_mech_prefix(kv->name);
    size_t  i;

    if (strncmp(name, "md5gate_", 8) != 0)
	return;
    for (i = 0; i < sizeof(known_options) / sizeof(known_options[0]); i++) {
	if (strcmp(name, known_options[i].name) != 0)
	    continue;
	if (known_options[i].kind == OPT_BOOL && !bool_value(kv->value))
	    doctor_problem(doc, "%s line %d: %s wants yes or no", file, kv->line, kv->name);
	if (known_options[i].kind == OPT_FINAL_REPLY && strcmp(kv->value, "any") != 0
	    && strcmp(kv->value, "empty") != 0)
	    doctor_problem(doc, "%s line %d: %s wants any or empty", file, kv->line,
			   kv->name);
	return;
    }
    doctor_problem(doc, "%s line %d: unknown md5gate option %s (misspelt? it is "
		   "ignored)", file, kv->line, kv->name);
}

 /*
  * md5gate's own configuration file, read as the plugin reads it: an
  * invalid one disables md5gate's mechanisms.
  */
static void check_policy_file(struct doctor *doc, const char *file,
			              struct doctor_conf *conf)
{
    const char *path = doctor_conf_get(conf, "md5gate_policy");
    struct mg_config cfg;
    struct mg_error err;

    if (path == 0)
	path = MG_CONFIG_DEFAULT_PATH;
    mg_config_init(&cfg);
    if (mg_config_load(path, &cfg, &err) != MG_OK)
	doctor_problem(doc, "%s (named by %s): md5gate's mechanisms would be "
		       "disabled; md5gate policy check says more", err.reason, file);
    else if (cfg.found)
	doctor_ok(doc, "%s is a valid md5gate configuration", path);
    else
	doctor_ok(doc, "%s does not exist: md5gate uses its defaults", path);
    if (cfg.found)
	doctor_check_lockout(doc, &cfg.policy);
    mg_config_free(&cfg);
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
  * Check one file; return the sasldb path it makes smtpd use, or null
  * when it selects auxprop plugins without sasldb.
  */
static const char *check_config(struct doctor *doc, const char *file,
				        struct doctor_conf *conf)
{
    const char *mechs, *aux;
    size_t  i;

    if (doctor_read_sasl_conf(doc, file, conf) < 0)
	return (0);
    doctor_ok(doc, "%s is readable", file);
    for (i = 0; i < conf->count; i++)
	check_option(doc, file, &conf->items[i]);
    check_policy_file(doc, file, conf);
    if ((mechs = doctor_conf_get(conf, "mech_list")) == 0)
	doctor_problem(doc, "%s has no mech_list: libsasl2 offers every mechanism "
		       "it loaded; name md5gate's (mech_list: CRAM-MD5 DIGEST-MD5)", file);
    else if (!names_mech(mechs))
	doctor_problem(doc, "%s: mech_list names neither CRAM-MD5 nor DIGEST-MD5, "
		       "so md5gate is not used", file);
    if ((aux = doctor_conf_get(conf, "auxprop_plugin")) != 0 && strstr(aux, "sasldb") == 0)
	return (0);
    return (doctor_conf_get(conf, "sasldb_path") ? doctor_conf_get(conf, "sasldb_path")
	    : DEFAULT_SASLDB);
}

/* Postfix's chroot. */

static int exists(const char *path)
{
    struct stat st;

    return (stat(path, &st) == 0);
}

static void check_sasldb_unchrooted(struct doctor *doc, const char *sasldb)
{
    if (exists(sasldb))
	doctor_ok(doc, "sasldb %s exists", sasldb);
    else
	doctor_problem(doc, "sasldb %s does not exist", sasldb);
}

static void check_chroot(struct doctor *doc, const char *pfdir,
		                 const struct doctor_conf *main_cf, const char *sasldb)
{
    struct doctor_service *svcs;
    const char *queue = doctor_conf_get(main_cf, "queue_directory");
    char    master[4096], inside[8192];
    size_t  count, i;
    int     chrooted = 0;

    snprintf(master, sizeof(master), "%s/master.cf", pfdir);
    if (doctor_read_master_cf(doc, master, &svcs, &count) < 0)
	return;
    if (queue == 0)
	queue = DEFAULT_QUEUE;
    if (strchr(queue, '$'))
	doctor_note(doc, "queue_directory %s is not expanded; checking it as written",
		    queue);
    for (i = 0; i < count; i++) {
	/* "-" is the default, "n" since Postfix 3.0. */
	if (strcmp(svcs[i].chroot, "y") != 0)
	    continue;
	chrooted = 1;
	if (sasldb == 0)
	    continue;
	snprintf(inside, sizeof(inside), "%s%s%s", queue, *sasldb == '/' ? "" : "/", sasldb);
	if (exists(inside))
	    doctor_ok(doc, "smtpd service %s (%s line %d) runs chrooted in %s and "
		      "finds the sasldb as %s", svcs[i].name, master, svcs[i].line,
		      queue, inside);
	else
	    doctor_problem(doc, "smtpd service %s (%s line %d) runs chrooted in %s: "
			   "it opens sasldb %s as %s, which does not exist",
			   svcs[i].name, master, svcs[i].line, queue, sasldb, inside);
    }
    if (!chrooted && sasldb)
	check_sasldb_unchrooted(doc, sasldb);
    if (count == 0)
	doctor_note(doc, "%s runs no smtpd service", master);
    doctor_services_free(svcs, count);
}

/* The whole check. */

struct doctor_args {
    const char *plugin_path;
    const char *configs[CONFIG_MAX];
    size_t  config_count;
    const char *pfdir;
};

static void check_configs(struct doctor *doc, const struct doctor_args *args,
			          const struct doctor_conf *main_cf)
{
    struct doctor_conf conf;
    char   *sasldb = 0;
    const char *one;
    char    auto_conf[4096];
    const char *files[CONFIG_MAX];
    size_t  n = args->config_count, i;

    memcpy(files, args->configs, n * sizeof(files[0]));
    if (n == 0 && args->pfdir) {
	one = doctor_conf_get(main_cf, "smtpd_sasl_path");
	snprintf(auto_conf, sizeof(auto_conf), "%s/sasl/%s.conf", args->pfdir,
		 one ? one : "smtpd");
	files[n++] = auto_conf;
    }
    if (n == 0)
	doctor_note(doc, "no SASL configuration file given (--config): options "
		    "not checked");
    for (i = 0; i < n; i++) {
	if ((one = check_config(doc, files[i], &conf)) != 0 && sasldb == 0)
	    sasldb = strdup(one);
	doctor_conf_free(&conf);
    }
    if (args->pfdir)
	check_chroot(doc, args->pfdir, main_cf, sasldb);
    else if (sasldb)
	check_sasldb_unchrooted(doc, sasldb);
    free(sasldb);
}

static int run(const struct doctor_args *args)
{
    struct doctor doc = {0};
    struct doctor_conf main_cf = {0};
    struct doctor_scan scan;
    char    file[4096];
    char   *path;

    if (args->pfdir) {
	snprintf(file, sizeof(file), "%s/main.cf", args->pfdir);
	doctor_read_main_cf(&doc, file, &main_cf);
    }
    if ((path = plugin_path(&doc, args->plugin_path, &main_cf, args->pfdir)) == 0)
	return (cli_error(CLI_TROUBLE, "out of memory"));
    doctor_scan_path(&doc, path, &scan);
    check_providers(&doc, &scan);
    doctor_scan_free(&scan);
    free(path);
    check_configs(&doc, args, &main_cf);
    doctor_conf_free(&main_cf);
    if (doc.problems)
	printf("md5gate doctor: %d problem%s found\n", doc.problems,
	       doc.problems == 1 ? "" : "s");
    else
	printf("md5gate doctor: all is well\n");
    if (cli_finish_output() != CLI_OK)
	return (CLI_TROUBLE);
    return (doc.problems ? CLI_NEGATIVE : CLI_OK);
}

int     cli_doctor(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"plugin-path", required_argument, 0, 'P'},
	{"config", required_argument, 0, 'c'},
	{"postfix", required_argument, 0, 'p'},
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
	case 'h':
	    return (cli_help(help));
	case ':':
	    return (cli_usage_error(USAGE, "option %s needs a value", argv[optind - 1]));
	default:
	    return (cli_usage_error(USAGE, "unknown option %s", argv[optind - 1]));
	}
    }
    if (argc != optind)
	return (cli_usage_error(USAGE, "unexpected argument \"%s\"", argv[optind]));
    return (run(&args));
}
