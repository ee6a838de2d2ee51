/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cmd_passwd 3
/* SUMMARY
/*	md5gate passwd
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_passwd(argc, argv)
/* DESCRIPTION
/*	md5gate passwd [-c|-d] [-p] [-n] [-f SASLDB] [-u REALM] [--postfix
/*	[DIR] [--service NAME]] [--generate] [--plaintext|--remove-plaintext]
/*	[--password-file FILE] USER takes saslpasswd2(8)'s options with their
/*	meaning, but stores the hashed secrets md5gate verifies with:
/*	md5gateCRAM-MD5 and md5gateDIGEST-MD5 (md5gate's text forms, see
/*	src/secret.c). userPassword (what PLAIN and LOGIN use) is touched
/*	only when told: --plaintext stores it, --remove-plaintext deletes
/*	it. A new password for a user who has a userPassword is refused
/*	without one of the two: the old plaintext would go on accepting the
/*	old password (PLAIN, LOGIN, md5gate's own plaintext fallback). Stale
/*	cmusaslsecretCRAM-MD5, cmusaslsecretDIGEST-MD5 and cmusaslsecretPLAIN
/*	values are always deleted, because md5gate would accept an old
/*	password from them. -d deletes all of these.
/*
/*	Everything goes through libsasl2's auxprop store (sasl_server_init,
/*	a property context, sasl_auxprop_store) with the sasldb plugin, so
/*	the database format and locking are libsasl2's own. The sasldb
/*	plugin deletes every property that is requested without a value, so
/*	userPassword is requested only when it is to change.
/*
/*	The realm is -u REALM; else with --postfix the service's
/*	(smtpd_sasl_local_domain, else myhostname); else this host's fully
/*	qualified name, as saslpasswd2 has it. The realm used and where it
/*	came from are always printed. With --postfix the database is the one
/*	smtpd opens (sasldb_path of its application file, seen through its
/*	chroot); a new one is made readable by mail_owner's group.
/*
/*	New database files are created with mode 0600 (0640, group of
/*	mail_owner, with --postfix): the hashes are password equivalents
/*	for these two mechanisms. --generate draws a password from OpenSSL's
/*	random generator and prints it: the only case in which a secret is
/*	printed.
/*--*/
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <sasl/sasl.h>
#include <sasl/prop.h>

#include "cli.h"
#include "doctor.h"
#include "postfix_conf.h"
#include "secret.h"
#include "mg_util.h"

#define USAGE "md5gate passwd [-c|-d] [-p] [-n] [-f SASLDB] [-u REALM]\n" \
	"       [--postfix [DIR] [--service NAME]] [--generate]\n" \
	"       [--plaintext|--remove-plaintext] [--password-file FILE] USER"

static const char help[] =
"usage: " USAGE "\n"
"\n"
"Store USER's CRAM-MD5 and DIGEST-MD5 secrets, hashed, through libsasl2's\n"
"sasldb auxprop plugin (properties md5gateCRAM-MD5 and md5gateDIGEST-MD5),\n"
"and say what was stored. A user who has a userPassword (plaintext) gets a\n"
"new password only with --plaintext (replace it) or --remove-plaintext.\n"
"\n"
"  -c, --create           create the entry (also done without -c, as by\n"
"                         saslpasswd2)\n"
"  -d, --delete           delete the user's secrets instead\n"
"  -p, --pipe             read the password from standard input (one line),\n"
"                         without prompting; also when it is not a terminal\n"
"  -n, --no-plaintext     do not store userPassword (the default)\n"
"  -f, --sasldb SASLDB    the database (default: libsasl2's, /etc/sasldb2;\n"
"                         with --postfix, the one smtpd opens)\n"
"  -u, --realm REALM      the user's realm (default: with --postfix, smtpd's;\n"
"                         else this host's name, as saslpasswd2 has it)\n"
"  --postfix [DIR]        use the sasldb and realm of this Postfix's smtpd\n"
"                         (DIR default /etc/postfix)\n"
"  --service NAME         with --postfix: this smtpd service (default: the\n"
"                         first one with SASL on)\n"
"  --generate             make a random password and print it (for a device)\n"
"  --plaintext            also store the password as userPassword (PLAIN,\n"
"                         LOGIN, and the stock plugins use it), replacing\n"
"                         the one there\n"
"  --remove-plaintext     delete userPassword\n"
"  --password-file FILE   read the password from FILE (- = standard input,\n"
"                         one line); without it, ask twice on a terminal\n"
"  -h, --help             show this text\n";

typedef int (*callback_proc) (void);

static const char *opt_sasldb;
static char last_log[512];

 /*
  * The properties md5gate passwd manages. userPassword comes last: it
  * is in a request only when it is to be stored or deleted.
  */
static const char *const managed[] = {
    MG_SECRET_PROP_CRAM,
    MG_SECRET_PROP_DIGEST,
    MG_SECRET_PROP_CYRUS_CRAM,
    MG_SECRET_PROP_CYRUS_DIGEST,
    "cmusaslsecretPLAIN",
    SASL_AUX_PASSWORD_PROP,
    0,
};

#define MANAGED_COUNT	(sizeof(managed) / sizeof(managed[0]) - 1)
#define PROP_PLAINTEXT	(MANAGED_COUNT - 1)

enum plaintext {
    PLAINTEXT_KEEP,			/* userPassword untouched */
    PLAINTEXT_STORE,
    PLAINTEXT_REMOVE,
};

struct passwd_args {
    const char *user;
    const char *realm;
    const char *realm_source;
    const char *pwfile;
    int     delete;
    int     generate;
    enum plaintext plaintext;
    int     postfix_db;			/* a new file goes to mail_owner's group */
    gid_t   owner_gid;
    const char *owner;
};

static int getopt_cb(void *context, const char *plugin, const char *option,
		             const char **result, unsigned *len)
{
    (void) context;
    (void) plugin;
    if (strcmp(option, "sasldb_path") == 0 && opt_sasldb)
	*result = opt_sasldb;
    else if (strcmp(option, "auxprop_plugin") == 0)
	*result = "sasldb";
    else if (strcmp(option, "pwcheck_method") == 0)
	*result = "auxprop";
    else
	return (SASL_FAIL);
    if (len)
	*len = (unsigned) strlen(*result);
    return (SASL_OK);
}

 /*
  * Keep libsasl2's last complaint for the error line: "sasl_auxprop_store
  * failed" alone does not say that the database could not be opened.
  */
static int log_cb(void *context, int level, const char *message)
{
    (void) context;
    if (level <= SASL_LOG_WARN && message)
	snprintf(last_log, sizeof(last_log), "%s", message);
    return (SASL_OK);
}

static int sasl_trouble(const char *what, int r)
{
    if (last_log[0])
	return (cli_error(CLI_TROUBLE, "%s: %s (%s)", what, sasl_errstring(r, 0, 0),
			  last_log));
    return (cli_error(CLI_TROUBLE, "%s: %s", what, sasl_errstring(r, 0, 0)));
}

static int default_realm(char *buf, size_t size)
{
    struct addrinfo hints, *res = 0;
    char    host[256];

    if (gethostname(host, sizeof(host)) < 0)
	return (cli_error(CLI_TROUBLE, "cannot find this host's name; give -u REALM"));
    host[sizeof(host) - 1] = 0;
    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_CANONNAME;
    if (getaddrinfo(host, 0, &hints, &res) == 0 && res && res->ai_canonname)
	snprintf(buf, size, "%s", res->ai_canonname);
    else
	snprintf(buf, size, "%s", host);
    if (res)
	freeaddrinfo(res);
    return (CLI_OK);
}

 /*
  * A device password: letters and digits without the look-alikes (0 O 1
  * l I), drawn without bias from OpenSSL's generator; 20 of them carry
  * about 116 bits.
  */
#define GENERATED_LEN	20

static int generate_password(struct cli_password *pw)
{
    static const char alphabet[] =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    const unsigned n = sizeof(alphabet) - 1;
    const unsigned limit = 256 - 256 % n;
    unsigned char byte;

    memset(pw, 0, sizeof(*pw));
    while (pw->len < GENERATED_LEN) {
	if (RAND_bytes(&byte, 1) != 1)
	    return (cli_error(CLI_TROUBLE, "cannot draw random bytes (OpenSSL)"));
	if (byte < limit)
	    pw->data[pw->len++] = (unsigned char) alphabet[byte % n];
    }
    byte = 0;
    return (CLI_OK);
}

 /*
  * Which managed properties does the user have? libsasl2 looks properties
  * up while it canonicalises a user; sasl_user_exists() does that (its
  * own verdict concerns userPassword only and is not the answer here).
  */
static int user_props(sasl_conn_t *conn, const char *user, int present[MANAGED_COUNT])
{
    const char *names[MANAGED_COUNT + 1];
    char    star[MANAGED_COUNT][64];
    struct propval vals[MANAGED_COUNT + 1];
    struct propctx *ctx;
    size_t  i;
    int     r;

    for (i = 0; managed[i]; i++) {
	snprintf(star[i], sizeof(star[i]), "*%s", managed[i]);
	names[i] = star[i];
    }
    names[i] = 0;
    if ((r = sasl_auxprop_request(conn, names)) != SASL_OK)
	return (sasl_trouble("cannot request properties", r));
    r = sasl_user_exists(conn, 0, 0, user);
    if (r != SASL_OK && r != SASL_NOUSER && r != SASL_BADPARAM)
	return (sasl_trouble("cannot look the user up", r));
    if ((ctx = sasl_auxprop_getctx(conn)) == 0 || prop_getnames(ctx, names, vals) < 0)
	return (cli_error(CLI_TROUBLE, "cannot read the user's properties"));
    for (i = 0; managed[i]; i++) {
	present[i] = vals[i].values && vals[i].values[0];
	prop_erase(ctx, names[i]);
    }
    return (CLI_OK);
}

 /*
  * A property context holds copies of the secrets: prop_erase() zeroes
  * them, which prop_clear() and prop_dispose() do not.
  */
static void erase_props(struct propctx *ctx, const char *const *names)
{
    size_t  i;

    for (i = 0; names[i]; i++)
	prop_erase(ctx, names[i]);
}

 /*
  * Fill a property context: values for the md5gate properties (and for
  * userPassword when asked), deletions for everything else requested. A
  * null password means deletion of everything.
  */
static int fill_props(struct propctx *ctx, const char *const *names,
		              const struct passwd_args *args, const struct cli_password *pw)
{
    struct mg_secret_cram cram;
    struct mg_secret_digest digest;
    char    cram_text[MG_SECRET_TEXT_MAX], digest_text[MG_SECRET_TEXT_MAX];
    struct mg_error err;
    size_t  cram_len, digest_len, i;
    int     ret = CLI_OK;

    for (i = 0; names[i]; i++)
	prop_set(ctx, names[i], 0, 0);
    if (pw == 0)
	return (CLI_OK);
    if (mg_secret_cram_make(pw->data, pw->len, &cram, &err) != MG_OK
	|| mg_secret_cram_format(&cram, MG_SECRET_FORM_MD5GATE, cram_text,
				 sizeof(cram_text), &cram_len, &err) != MG_OK
	|| mg_secret_digest_make(args->user, args->realm, pw->data, pw->len, &digest,
				 &err) != MG_OK
	|| mg_secret_digest_format(&digest, MG_SECRET_FORM_MD5GATE, digest_text,
				   sizeof(digest_text), &digest_len, &err) != MG_OK)
	ret = cli_error(CLI_TROUBLE, "%s", err.reason);
    else if (prop_set(ctx, MG_SECRET_PROP_CRAM, cram_text, (int) cram_len) != SASL_OK
	     || prop_set(ctx, MG_SECRET_PROP_DIGEST, digest_text, (int) digest_len) != SASL_OK
	     || (args->plaintext == PLAINTEXT_STORE
		 && prop_set(ctx, SASL_AUX_PASSWORD_PROP, (const char *) pw->data,
			     (int) pw->len) != SASL_OK))
	ret = cli_error(CLI_TROUBLE, "cannot set properties");
    mg_secret_cram_clear(&cram);
    mg_secret_digest_clear(&digest);
    mg_cleanse(cram_text, sizeof(cram_text));
    mg_cleanse(digest_text, sizeof(digest_text));
    return (ret);
}

static int store(sasl_conn_t *conn, const struct passwd_args *args,
		         const struct cli_password *pw)
{
    const char *names[MANAGED_COUNT + 1];
    struct propctx *ctx;
    size_t  i, n = 0;
    int     ret, r;

    for (i = 0; managed[i]; i++)
	if (i != PROP_PLAINTEXT || pw == 0 || args->plaintext != PLAINTEXT_KEEP)
	    names[n++] = managed[i];
    names[n] = 0;
    if ((ctx = prop_new(0)) == 0)
	return (cli_error(CLI_TROUBLE, "out of memory"));
    if ((r = prop_request(ctx, names)) != SASL_OK)
	ret = sasl_trouble("cannot request properties", r);
    else if ((ret = fill_props(ctx, names, args, pw)) == CLI_OK
	     && (r = sasl_auxprop_store(conn, ctx, args->user)) != SASL_OK)
	ret = sasl_trouble("cannot store the secrets", r);
    erase_props(ctx, names);
    prop_dispose(&ctx);
    return (ret);
}

/* What was done, said. */

static void report_stored(const struct passwd_args *args, const int before[MANAGED_COUNT])
{
    size_t  i;

    printf("stored %s and %s for %s@%s in %s\n", MG_SECRET_PROP_CRAM,
	   MG_SECRET_PROP_DIGEST, args->user, args->realm, opt_sasldb ? opt_sasldb :
	   "libsasl2's default sasldb");
    printf("realm %s: %s\n", args->realm, args->realm_source);
    for (i = 2; i < PROP_PLAINTEXT; i++)
	if (before[i])
	    printf("removed %s (an old secret md5gate would still accept)\n", managed[i]);
    if (args->plaintext == PLAINTEXT_STORE)
	printf("stored userPassword (the plaintext, for PLAIN, LOGIN and the stock "
	       "plugins)\n");
    else if (args->plaintext == PLAINTEXT_REMOVE)
	printf("%s userPassword\n", before[PROP_PLAINTEXT] ? "removed" : "no");
}

static void report_deleted(const struct passwd_args *args, const int before[MANAGED_COUNT])
{
    size_t  i;

    printf("deleted %s@%s from %s:", args->user, args->realm,
	   opt_sasldb ? opt_sasldb : "libsasl2's default sasldb");
    for (i = 0; managed[i]; i++)
	if (before[i])
	    printf(" %s", managed[i]);
    putchar('\n');
}

 /*
  * A database this command created for Postfix: readable by smtpd, which
  * opens it as mail_owner. libsasl2 created it by name; what is changed
  * is what the name now opens, and only a plain file of its own: not
  * through a symbolic link, not a hard link to another file.
  */
static int share_with_smtpd(const struct passwd_args *args)
{
    struct stat st;
    int     fd, ret = CLI_OK;

    if ((fd = open(opt_sasldb, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0)
	return (cli_error(CLI_TROUBLE, "cannot give %s to group %s: %s%s", opt_sasldb,
			  args->owner, strerror(errno), errno == ELOOP ?
			  " (a symbolic link)" : ""));
    if (fstat(fd, &st) < 0)
	ret = cli_error(CLI_TROUBLE, "cannot give %s to group %s: %s", opt_sasldb,
			args->owner, strerror(errno));
    else if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
	ret = cli_error(CLI_TROUBLE, "cannot give %s to group %s: not a regular file "
			"with one link", opt_sasldb, args->owner);
    else if (fchown(fd, 0, args->owner_gid) < 0 || fchmod(fd, 0640) < 0)
	ret = cli_error(CLI_TROUBLE, "cannot give %s to group %s: %s", opt_sasldb,
			args->owner, strerror(errno));
    else
	printf("created %s with mode 0640, group of %s (smtpd reads it as "
	       "mail_owner)\n", opt_sasldb, args->owner);
    close(fd);
    return (ret);
}

static int run(struct passwd_args *args)
{
    sasl_callback_t cbs[] = {
	{SASL_CB_GETOPT, (callback_proc) getopt_cb, 0},
	{SASL_CB_LOG, (callback_proc) log_cb, 0},
	{SASL_CB_LIST_END, 0, 0},
    };
    struct cli_password pw;
    sasl_conn_t *conn = 0;
    int     before[MANAGED_COUNT] = {0}, r, ret = CLI_OK, found = 0, created;
    size_t  i;

    if (args->generate)
	ret = generate_password(&pw);
    else if (!args->delete)
	ret = cli_password_get(args->pwfile, 1, &pw);
    if (ret != CLI_OK)
	return (ret);
    created = opt_sasldb && access(opt_sasldb, F_OK) < 0;
    umask(077);
    if ((r = sasl_server_init(cbs, "md5gate")) != SASL_OK)
	ret = sasl_trouble("cannot initialise libsasl2", r);
    else if ((r = sasl_server_new("md5gate", args->realm, args->realm, 0, 0, 0, 0,
				  &conn)) != SASL_OK)
	ret = sasl_trouble("cannot create a libsasl2 context", r);
    else if ((r = sasl_auxprop_store(conn, 0, 0)) != SASL_OK)
	ret = sasl_trouble("no auxprop plugin can store (is the sasldb plugin, "
			   "libsasl2-modules-db, in the plugin path?)", r);
    else if ((ret = user_props(conn, args->user, before)) != CLI_OK)
	 /* void */ ;
    else if (args->delete) {
	for (i = 0; i < MANAGED_COUNT; i++)
	    found |= before[i];
	if (!found)
	    ret = cli_error(CLI_TROUBLE, "%s@%s: no such user in the database",
			    args->user, args->realm);
	else if ((ret = store(conn, args, 0)) == CLI_OK)
	    report_deleted(args, before);
    } else if (before[PROP_PLAINTEXT] && args->plaintext == PLAINTEXT_KEEP) {
	ret = cli_error(CLI_TROUBLE, "%s@%s has a userPassword (plaintext) that would "
			"still accept the old password: choose --plaintext to replace "
			"it or --remove-plaintext to delete it; nothing changed",
			args->user, args->realm);
    } else if ((ret = store(conn, args, &pw)) == CLI_OK) {
	report_stored(args, before);
	if (args->generate) {
	    fputs("generated password: ", stdout);
	    fwrite(pw.data, 1, pw.len, stdout);
	    putchar('\n');
	}
    }
    if (ret == CLI_OK && created && args->postfix_db && access(opt_sasldb, F_OK) == 0)
	ret = share_with_smtpd(args);
    if (!args->delete)
	cli_password_free(&pw);
    if (conn)
	sasl_dispose(&conn);
    sasl_done();
    if (ret == CLI_OK)
	return (cli_finish_output());
    return (ret);
}

/* --postfix: the sasldb and realm of a Postfix's smtpd. */

static char *sasldb_path_of(const char *file)
{
    struct doctor quiet = {0};
    struct doctor_conf conf;
    const char *path = 0;
    char   *result;

    if (file && doctor_read_sasl_conf(&quiet, file, &conf) == 0)
	path = doctor_conf_get(&conf, "sasldb_path");
    result = strdup(path ? path : "/etc/sasldb2");
    if (file)
	doctor_conf_free(&conf);
    doctor_free(&quiet);
    return (result);
}

static int postfix_target(const char *dir, const char *service, struct passwd_args *args,
			          char **sasldb, char **realm)
{
    struct pfconf pf;
    const struct pfconf_service *svc;
    const char *r, *source;
    char   *file, *inside;
    struct mg_error err;
    uid_t   uid;
    static char source_text[512];

    if (pfconf_load(dir, &pf, &err) != MG_OK)
	return (cli_error(CLI_TROUBLE, "cannot read the Postfix configuration: %s",
			  err.reason));
    svc = service ? pfconf_service(&pf, service) : pfconf_first_sasl_service(&pf);
    if (svc == 0) {
	pfconf_free(&pf);
	return (service ? cli_error(CLI_TROUBLE, "%s/master.cf has no smtpd service %s",
				    dir, service)
		: cli_error(CLI_TROUBLE, "%s: no smtpd service has SASL on "
			    "(smtpd_sasl_auth_enable); give --service", dir));
    }
    file = pfconf_sasl_conf_file(&pf, svc);
    inside = sasldb_path_of(file);
    *sasldb = inside ? pfconf_inside_chroot(&pf, svc, inside) : 0;
    r = pfconf_realm(&pf, svc, &source);
    *realm = r ? strdup(r) : 0;
    snprintf(source_text, sizeof(source_text), "%s of %s, service %s", source, dir,
	     svc->key);
    args->realm_source = source_text;
    args->owner = pfconf_main(&pf, "mail_owner");
    args->owner = strdup(args->owner ? args->owner : "postfix");
    if (pfconf_mail_owner(&pf, &uid, &args->owner_gid, &err) < 0) {
	free(inside);
	free(file);
	pfconf_free(&pf);
	return (cli_error(CLI_TROUBLE, "%s", err.reason));
    }
    args->postfix_db = 1;
    if (*sasldb)
	printf("sasldb %s: the one smtpd service %s opens%s%s\n", *sasldb, svc->key,
	       svc->chrooted ? " as " : "", svc->chrooted ? inside : "");
    free(inside);
    free(file);
    pfconf_free(&pf);
    if (*sasldb == 0 || *realm == 0)
	return (cli_error(CLI_TROUBLE, "out of memory, or no realm (myhostname)"));
    return (CLI_OK);
}

int     cli_passwd(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"create", no_argument, 0, 'c'},
	{"delete", no_argument, 0, 'd'},
	{"pipe", no_argument, 0, 'p'},
	{"no-plaintext", no_argument, 0, 'n'},
	{"sasldb", required_argument, 0, 'f'},
	{"realm", required_argument, 0, 'u'},
	{"postfix", optional_argument, 0, 'P'},
	{"service", required_argument, 0, 'S'},
	{"generate", no_argument, 0, 'g'},
	{"plaintext", no_argument, 0, 'k'},
	{"keep-plaintext", no_argument, 0, 'k'},
	{"remove-plaintext", no_argument, 0, 'r'},
	{"password-file", required_argument, 0, 'F'},
	CLI_OPTION_NO_PASSWORD,
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    struct passwd_args args;
    const char *postfix_dir = 0, *service = 0;
    char    fqdn[256], *pf_sasldb = 0, *pf_realm = 0;
    int     create = 0, pipe_mode = 0, no_plain = 0, postfix = 0, ch, ret;

    cli_prog = "md5gate passwd";
    memset(&args, 0, sizeof(args));
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":cdpnf:u:h", longopts, 0)) != -1) {
	switch (ch) {
	case 'c': create = 1; break;
	case 'd': args.delete = 1; break;
	case 'p': pipe_mode = 1; break;
	case 'n': no_plain = 1; break;
	case 'f': opt_sasldb = optarg; break;
	case 'u': args.realm = optarg; args.realm_source = "from -u"; break;
	case 'P': postfix = 1; postfix_dir = optarg; break;
	case 'S': service = optarg; break;
	case 'g': args.generate = 1; break;
	case 'k': args.plaintext = PLAINTEXT_STORE; break;
	case 'r': args.plaintext = PLAINTEXT_REMOVE; break;
	case 'F': args.pwfile = optarg; break;
	case 'X':
	    return (cli_usage_error(USAGE, CLI_NO_PASSWORD_REASON));
	case 'h':
	    return (cli_help(help));
	default:
	    return (cli_option_error(USAGE, ch, argv));
	}
    }
    /* --postfix DIR USER: an optional argument given apart. */
    if (postfix && postfix_dir == 0 && argc - optind == 2)
	postfix_dir = argv[optind++];
    if (argc - optind != 1)
	return (cli_usage_error(USAGE, "give exactly one USER"));
    args.user = argv[optind];
    if (*args.user == 0)
	return (cli_usage_error(USAGE, "empty USER"));
    if (create && args.delete)
	return (cli_usage_error(USAGE, "-c and -d exclude each other"));
    if (args.delete && (args.plaintext != PLAINTEXT_KEEP || args.pwfile || pipe_mode
			|| no_plain || args.generate))
	return (cli_usage_error(USAGE, "-d takes no password options"));
    if (no_plain && args.plaintext == PLAINTEXT_STORE)
	return (cli_usage_error(USAGE, "-n and --plaintext exclude each other"));
    if (args.generate && (args.pwfile || pipe_mode))
	return (cli_usage_error(USAGE, "--generate makes the password: no "
				"--password-file or -p"));
    if (pipe_mode && args.pwfile)
	return (cli_usage_error(USAGE, "-p reads standard input: no --password-file"));
    if (service && !postfix)
	return (cli_usage_error(USAGE, "--service needs --postfix"));
    /* saslpasswd2's pipe mode, also its default off a terminal. */
    if (!args.delete && !args.generate && args.pwfile == 0
	&& (pipe_mode || !isatty(STDIN_FILENO)))
	args.pwfile = "-";
    if (postfix && (ret = postfix_target(postfix_dir ? postfix_dir : "/etc/postfix",
					 service, &args, &pf_sasldb, &pf_realm)) != CLI_OK)
	goto done;
    if (postfix && opt_sasldb == 0)
	opt_sasldb = pf_sasldb;
    else if (postfix)
	args.postfix_db = 0;		/* -f: the caller's file, the caller's modes */
    if (postfix && args.realm == 0)
	args.realm = pf_realm;
    if (args.realm == 0) {
	if ((ret = default_realm(fqdn, sizeof(fqdn))) != CLI_OK)
	    goto done;
	args.realm = fqdn;
	args.realm_source = "this host's name, as saslpasswd2 takes it (give -u REALM, "
	    "or --postfix for smtpd's)";
    }
    if (strlen(args.realm) > MG_SECRET_REALM_MAX) {
	ret = cli_usage_error(USAGE, "realm is longer than %d bytes", MG_SECRET_REALM_MAX);
	goto done;
    }
    ret = run(&args);

done:
    free(pf_sasldb);
    free(pf_realm);
    if (postfix)
	free((char *) args.owner);
    return (ret);
}
