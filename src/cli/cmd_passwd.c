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
/*	md5gate passwd [-f SASLDB] [-u REALM] [-d] [--keep-plaintext]
/*	[--password-file FILE] USER works like saslpasswd2(8), but stores
/*	the hashed secrets md5gate verifies with instead of the password:
/*	md5gateCRAM-MD5 and md5gateDIGEST-MD5 (md5gate's text forms, see
/*	src/secret.c). userPassword is written only with --keep-plaintext
/*	and is otherwise deleted, so that the store holds no plaintext for
/*	the user; stale cmusaslsecretCRAM-MD5, cmusaslsecretDIGEST-MD5 and
/*	cmusaslsecretPLAIN values are always deleted, because md5gate would
/*	accept an old password from them. -d deletes all of these.
/*
/*	Everything goes through libsasl2's auxprop store (sasl_server_init,
/*	a property context, sasl_auxprop_store) with the sasldb plugin, so
/*	the database format and locking are libsasl2's own. The realm is
/*	REALM, else this host's fully qualified name, as saslpasswd2 has it;
/*	it is passed to libsasl2 explicitly, so that the DIGEST-MD5 hash and
/*	the sasldb entry always name the same realm.
/*
/*	New database files are created with mode 0600: the hashes are
/*	password equivalents for these two mechanisms.
/*--*/
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sasl/sasl.h>
#include <sasl/prop.h>

#include "cli/cli.h"
#include "secret.h"
#include "mg_util.h"

#define USAGE "md5gate passwd [-f SASLDB] [-u REALM] [-d] [--keep-plaintext]\n" \
	"       [--password-file FILE] USER"

static const char help[] =
"usage: " USAGE "\n"
"\n"
"Store USER's CRAM-MD5 and DIGEST-MD5 secrets, hashed, through libsasl2's\n"
"sasldb auxprop plugin (properties md5gateCRAM-MD5 and md5gateDIGEST-MD5).\n"
"The plaintext userPassword is removed unless --keep-plaintext is given.\n"
"\n"
"  -f, --sasldb SASLDB    the database (default: libsasl2's, /etc/sasldb2)\n"
"  -u, --realm REALM      the user's realm (default: this host's FQDN); for\n"
"                         Postfix, smtpd_sasl_local_domain\n"
"  -d, --delete           delete the user's secrets instead\n"
"  --keep-plaintext       also store the password as userPassword\n"
"  --password-file FILE   read the password from FILE (- = standard input,\n"
"                         one line); without it, ask twice on the terminal\n"
"  -h, --help             show this text\n";

typedef int (*callback_proc) (void);

static const char *opt_sasldb;
static char last_log[512];

 /*
  * The properties md5gate passwd manages. userPassword comes last: it is
  * written only with --keep-plaintext.
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
  * Does the user have any managed property? libsasl2 looks properties up
  * while it canonicalises a user; sasl_user_exists() does that (its own
  * verdict concerns userPassword only and is not the answer here).
  */
static int user_has_secrets(sasl_conn_t *conn, const char *user, int *found)
{
    const char *names[sizeof(managed) / sizeof(managed[0])];
    char    star[sizeof(managed) / sizeof(managed[0])][64];
    struct propval vals[sizeof(managed) / sizeof(managed[0])];
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
    *found = 0;
    for (i = 0; managed[i]; i++) {
	if (vals[i].values && vals[i].values[0])
	    *found = 1;
	prop_erase(ctx, names[i]);
    }
    return (CLI_OK);
}

 /*
  * A property context holds copies of the secrets: prop_erase() zeroes
  * them, which prop_clear() and prop_dispose() do not.
  */
static void erase_props(struct propctx *ctx)
{
    size_t  i;

    for (i = 0; managed[i]; i++)
	prop_erase(ctx, managed[i]);
}

 /*
  * Fill a property context: values for the md5gate properties (and for
  * userPassword when asked), deletions for everything else managed. A
  * null password means deletion of everything.
  */
static int fill_props(struct propctx *ctx, const char *user, const char *realm,
		              const struct cli_password *pw, int keep_plaintext)
{
    struct mg_secret_cram cram;
    struct mg_secret_digest digest;
    char    cram_text[MG_SECRET_TEXT_MAX], digest_text[MG_SECRET_TEXT_MAX];
    struct mg_error err;
    size_t  cram_len, digest_len, i;
    int     ret = CLI_OK;

    for (i = 0; managed[i]; i++)
	prop_set(ctx, managed[i], 0, 0);
    if (pw == 0)
	return (CLI_OK);
    if (mg_secret_cram_make(pw->data, pw->len, &cram, &err) != MG_OK
	|| mg_secret_cram_format(&cram, MG_SECRET_FORM_MD5GATE, cram_text,
				 sizeof(cram_text), &cram_len, &err) != MG_OK
	|| mg_secret_digest_make(user, realm, pw->data, pw->len, &digest, &err) != MG_OK
	|| mg_secret_digest_format(&digest, MG_SECRET_FORM_MD5GATE, digest_text,
				   sizeof(digest_text), &digest_len, &err) != MG_OK)
	ret = cli_error(CLI_TROUBLE, "%s", err.reason);
    else if (prop_set(ctx, MG_SECRET_PROP_CRAM, cram_text, (int) cram_len) != SASL_OK
	     || prop_set(ctx, MG_SECRET_PROP_DIGEST, digest_text, (int) digest_len) != SASL_OK
	     || (keep_plaintext && prop_set(ctx, SASL_AUX_PASSWORD_PROP,
					(const char *) pw->data, (int) pw->len) != SASL_OK))
	ret = cli_error(CLI_TROUBLE, "cannot set properties");
    mg_secret_cram_clear(&cram);
    mg_secret_digest_clear(&digest);
    mg_cleanse(cram_text, sizeof(cram_text));
    mg_cleanse(digest_text, sizeof(digest_text));
    return (ret);
}

static int store(sasl_conn_t *conn, const char *user, const char *realm,
		         const struct cli_password *pw, int keep_plaintext)
{
    struct propctx *ctx;
    int     ret, r;

    if ((ctx = prop_new(0)) == 0)
	return (cli_error(CLI_TROUBLE, "out of memory"));
    if ((r = prop_request(ctx, (const char **) managed)) != SASL_OK)
	ret = sasl_trouble("cannot request properties", r);
    else if ((ret = fill_props(ctx, user, realm, pw, keep_plaintext)) == CLI_OK
	     && (r = sasl_auxprop_store(conn, ctx, user)) != SASL_OK)
	ret = sasl_trouble("cannot store the secrets", r);
    erase_props(ctx);
    prop_dispose(&ctx);
    return (ret);
}

static int run(const char *user, const char *realm, const char *pwfile,
	               int delete, int keep_plaintext)
{
    sasl_callback_t cbs[] = {
	{SASL_CB_GETOPT, (callback_proc) getopt_cb, 0},
	{SASL_CB_LOG, (callback_proc) log_cb, 0},
	{SASL_CB_LIST_END, 0, 0},
    };
    struct cli_password pw;
    sasl_conn_t *conn = 0;
    int     found = 0, r, ret;

    if (!delete && (ret = cli_password_get(pwfile, 1, &pw)) != CLI_OK)
	return (ret);
    umask(077);
    if ((r = sasl_server_init(cbs, "md5gate")) != SASL_OK)
	ret = sasl_trouble("cannot initialise libsasl2", r);
    else if ((r = sasl_server_new("md5gate", realm, realm, 0, 0, 0, 0, &conn)) != SASL_OK)
	ret = sasl_trouble("cannot create a libsasl2 context", r);
    else if ((r = sasl_auxprop_store(conn, 0, 0)) != SASL_OK)
	ret = sasl_trouble("no auxprop plugin can store (is the sasldb plugin, "
			   "libsasl2-modules-db, in the plugin path?)", r);
    else if (!delete)
	ret = store(conn, user, realm, &pw, keep_plaintext);
    else if ((ret = user_has_secrets(conn, user, &found)) == CLI_OK && !found)
	ret = cli_error(CLI_TROUBLE, "%s@%s: no such user in the database", user, realm);
    else if (ret == CLI_OK)
	ret = store(conn, user, realm, 0, 0);
    if (!delete)
	cli_password_free(&pw);
    if (conn)
	sasl_dispose(&conn);
    sasl_done();
    return (ret);
}

int     cli_passwd(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"sasldb", required_argument, 0, 'f'},
	{"realm", required_argument, 0, 'u'},
	{"delete", no_argument, 0, 'd'},
	{"keep-plaintext", no_argument, 0, 'k'},
	{"password-file", required_argument, 0, 'p'},
	CLI_OPTION_NO_PASSWORD,
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    const char *realm = 0, *pwfile = 0;
    char    fqdn[256];
    int     delete = 0, keep = 0, ch, ret;

    cli_prog = "md5gate passwd";
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":f:u:dh", longopts, 0)) != -1) {
	switch (ch) {
	case 'f': opt_sasldb = optarg; break;
	case 'u': realm = optarg; break;
	case 'd': delete = 1; break;
	case 'k': keep = 1; break;
	case 'p': pwfile = optarg; break;
	case 'X':
	    return (cli_usage_error(USAGE, CLI_NO_PASSWORD_REASON));
	case 'h':
	    return (cli_help(help));
	case ':':
	    return (cli_usage_error(USAGE, "option %s needs a value", argv[optind - 1]));
	default:
	    return (cli_usage_error(USAGE, "unknown option %s", argv[optind - 1]));
	}
    }
    if (argc - optind != 1)
	return (cli_usage_error(USAGE, "give exactly one USER"));
    if (*argv[optind] == 0)
	return (cli_usage_error(USAGE, "empty USER"));
    if (delete && (keep || pwfile))
	return (cli_usage_error(USAGE, "-d takes no password options"));
    if (realm == 0) {
	if ((ret = default_realm(fqdn, sizeof(fqdn))) != CLI_OK)
	    return (ret);
	realm = fqdn;
    }
    if (strlen(realm) > MG_SECRET_REALM_MAX)
	return (cli_usage_error(USAGE, "realm is longer than %d bytes",
				MG_SECRET_REALM_MAX));
    return (run(argv[optind], realm, pwfile, delete, keep));
}
