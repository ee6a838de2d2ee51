/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cmd_test_login 3
/* SUMMARY
/*	md5gate test-login
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_test_login(argc, argv)
/* DESCRIPTION
/*	md5gate test-login --postfix DIR [--service NAME] --mech MECH --user
/*	USER [--password-file FILE] [--client ADDR] logs in once the way a
/*	device would, against the server side smtpd would run, before the
/*	device tries (what testsaslauthd is for saslauthd).
/*
/*	The server side is libsasl2 with the service's real configuration,
/*	found as smtpd finds it (postfix_conf(3)): the application name
/*	smtpd_sasl_path and its file in $config_directory/sasl (Debian's
/*	Postfix does not read cyrus_sasl_config_path), the plugin path that import_environment
/*	gives smtpd (SASL_PATH, or SASL_PLUGINDIR with Cyrus SASL's
/*	development branch), the service name smtpd_sasl_service, the
/*	server name myhostname, the user realm smtpd_sasl_local_domain and
/*	the security flags of smtpd_sasl_security_options, with the
/*	service's -o overrides. As in smtpd, libsasl2 and its plugins are
/*	initialised as root (md5gate reads its policy, opens its audit file
/*	and lockout store), then the process enters the service's chroot
/*	and becomes mail_owner, and only then is the sasldb consulted.
/*
/*	The client side is md5gate's own (the code of "md5gate cram-md5
/*	respond" and "digest-md5 respond"); for DIGEST-MD5 it checks the
/*	server's rspauth before it sends the empty final reply.
/*
/*	The verdict is printed, then the audit record that md5gate logged
/*	(the key=value line smtpd would write to the mail log) and any other
/*	libsasl2 complaint. The attempt is a real one: it is also written to
/*	md5gate's audit file and counts for lockout. The password is never
/*	printed. Exit status: 0 logged in, 1 refused, 2 could not test.
/*--*/
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sasl/sasl.h>

#include "cli.h"
#include "postfix_conf.h"
#include "sasl_env.h"
#include "cram.h"
#include "digest/digest.h"
#include "mg_util.h"

#define USAGE "md5gate test-login --postfix DIR [--service NAME]\n" \
	"       --mech CRAM-MD5|DIGEST-MD5 --user USER [--password-file FILE]\n" \
	"       [--client ADDR]"

static const char help[] =
"usage: " USAGE "\n"
"\n"
"Log in once as a device would, against the libsasl2 server side that this\n"
"Postfix's smtpd runs (its smtpd.conf, realm, plugin path, sasldb, md5gate's\n"
"policy; chrooted and as mail_owner), with md5gate's own client side. Prints\n"
"the verdict and md5gate's audit record. Exit 0 logged in, 1 refused, 2 could\n"
"not test. Runs as root, as Postfix's master does.\n"
"\n"
"  --postfix DIR          the Postfix configuration directory (e.g. /etc/postfix)\n"
"  --service NAME         the smtpd service in master.cf (default: the first\n"
"                         one with SASL on)\n"
"  --mech MECH            CRAM-MD5 or DIGEST-MD5\n"
"  --user USER            the user name the device sends\n"
"  --password-file FILE   read the password from FILE (- = standard input,\n"
"                         one line); without it, ask on the terminal\n"
"  --client ADDR          the client address md5gate's policy and lockout see\n"
"                         (default: none, \"unknown\")\n"
"  --help                 show this text\n";

typedef int (*callback_proc) (void);

#define LOG_MAX		32
#define LOG_LINE_MAX	2048

 /*
  * What the server side needs, from the Postfix configuration.
  */
struct login_setup {
    const char *app;			/* smtpd_sasl_path */
    char   *conf_dirs;
    char   *plugin_path;		/* null: libsasl2's default */
    const char *service;		/* smtpd_sasl_service */
    const char *fqdn;			/* myhostname */
    const char *realm;			/* smtpd_sasl_local_domain, or null */
    const char *sec_options;
    const char *queue;			/* the chroot, or null */
    uid_t   uid;
    gid_t   gid;
    char    local[300];			/* "addr;port" of the listener, or "" */
    char    remote[300];		/* "addr;0" from --client, or "" */
};

static struct {
    char    lines[LOG_MAX][LOG_LINE_MAX];
    int     levels[LOG_MAX];
    int     count;
} logged;

static int log_cb(void *context, int level, const char *message)
{
    (void) context;
    if (message && level <= SASL_LOG_NOTE && logged.count < LOG_MAX) {
	snprintf(logged.lines[logged.count], LOG_LINE_MAX, "%s", message);
	logged.levels[logged.count++] = level;
    }
    return (SASL_OK);
}

static int getpath_cb(void *context, const char **path)
{
    *path = (const char *) context;
    return (SASL_OK);
}

static int getconfpath_cb(void *context, char **path)
{
    *path = (char *) context;
    return (SASL_OK);
}

/* The server side, as smtpd sets it up. */

static unsigned security_flags(const char *options)
{
    static const struct {
	const char *name;
	unsigned flag;
    } table[] = {
	{"noplaintext", SASL_SEC_NOPLAINTEXT},
	{"noactive", SASL_SEC_NOACTIVE},
	{"nodictionary", SASL_SEC_NODICTIONARY},
	{"noanonymous", SASL_SEC_NOANONYMOUS},
	{"forward_secrecy", SASL_SEC_FORWARD_SECRECY},
	{"mutual_auth", SASL_SEC_MUTUAL_AUTH},
    };
    char   *copy = strdup(options ? options : ""), *tok, *save = 0;
    unsigned flags = 0;
    size_t  i;

    for (tok = copy ? strtok_r(copy, " \t,", &save) : 0; tok;
	 tok = strtok_r(0, " \t,", &save))
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
	    if (strcasecmp(tok, table[i].name) == 0)
		flags |= table[i].flag;
    free(copy);
    return (flags);
}

 /*
  * A listener named "addr:port" in master.cf: the local end smtpd hands
  * libsasl2 ("addr;port"), which md5gate's listener rules look at.
  */
static void local_end(const char *name, char *buf, size_t size)
{
    const char *colon = strrchr(name, ':');

    buf[0] = 0;
    if (colon && colon > name && colon[1] && strspn(colon + 1, "0123456789")
	== strlen(colon + 1))
	snprintf(buf, size, "%.*s;%s", (int) (colon - name), name, colon + 1);
}

static int setup_from_postfix(const struct pfconf *pf, const char *service,
			              struct login_setup *st)
{
    const struct pfconf_service *svc;
    struct mg_error err;

    svc = service ? pfconf_service(pf, service) : pfconf_first_sasl_service(pf);
    if (svc == 0)
	return (service ? cli_error(CLI_TROUBLE, "%s has no smtpd service %s",
				    pf->config_dir, service)
		: cli_error(CLI_TROUBLE, "%s: no smtpd service has SASL on "
			    "(smtpd_sasl_auth_enable)", pf->config_dir));
    if (!pfconf_sasl_enabled(pf, svc))
	return (cli_error(CLI_TROUBLE, "service %s: SASL is off "
			  "(smtpd_sasl_auth_enable = %s): smtpd offers no AUTH", svc->key,
			  pfconf_value(pf, svc, "smtpd_sasl_auth_enable")));
    if (strcmp(pfconf_value(pf, svc, "smtpd_sasl_type") ?
	       pfconf_value(pf, svc, "smtpd_sasl_type") : "cyrus", "cyrus") != 0)
	return (cli_error(CLI_TROUBLE, "service %s: smtpd_sasl_type is not cyrus: "
			  "md5gate is not used", svc->key));
    st->app = pfconf_value(pf, svc, "smtpd_sasl_path");
    st->service = pfconf_value(pf, svc, "smtpd_sasl_service");
    st->fqdn = pfconf_value(pf, svc, "myhostname");
    st->realm = pfconf_value(pf, svc, "smtpd_sasl_local_domain");
    st->sec_options = pfconf_value(pf, svc, "smtpd_sasl_security_options");
    st->queue = svc->chrooted ? pfconf_main(pf, "queue_directory") : 0;
    st->conf_dirs = pfconf_sasl_conf_dirs(pf, svc);
    st->plugin_path = pfconf_import_value(pf, SASL_PLUGIN_PATH_VAR);
    if (st->app == 0 || *st->app == 0)
	st->app = "smtpd";
    if (st->service == 0 || *st->service == 0)
	st->service = "smtp";
    if (st->realm && *st->realm == 0)
	st->realm = 0;
    if (st->fqdn == 0 || st->conf_dirs == 0)
	return (cli_error(CLI_TROUBLE, "out of memory, or no myhostname"));
    if (pfconf_mail_owner(pf, &st->uid, &st->gid, &err) < 0)
	return (cli_error(CLI_TROUBLE, "%s", err.reason));
    local_end(svc->name, st->local, sizeof(st->local));
    printf("service %s: %s.conf in %s, realm %s, plugin path %s, %s%s, as %s\n",
	   svc->key, st->app, st->conf_dirs, st->realm ? st->realm : st->fqdn,
	   st->plugin_path ? st->plugin_path : "libsasl2's default",
	   st->queue ? "chrooted in " : "not chrooted", st->queue ? st->queue : "",
	   pfconf_main(pf, "mail_owner"));
    return (CLI_OK);
}

 /*
  * smtpd's own order: libsasl2 and the plugins are initialised first,
  * then the process enters the chroot and drops root for good.
  */
static int become_smtpd(const struct login_setup *st)
{
    const char *stage;
    int     e;

    if ((e = pfconf_become_smtpd(st->queue, st->uid, st->gid, &stage)) == 0)
	return (CLI_OK);
    if (strcmp(stage, "chroot") == 0)
	return (cli_error(CLI_TROUBLE, "cannot enter the chroot %s: %s", st->queue,
			  strerror(e)));
    return (cli_error(CLI_TROUBLE, "cannot become mail_owner (%s): %s", stage,
		      strerror(e)));
}

/* The client side: md5gate's own. */

static int cram_answer(const char *user, const struct cli_password *pw,
		               const char *chal, size_t chal_len, char *out, size_t size,
		               size_t *out_len)
{
    unsigned char digest[MG_CRAM_DIGEST_LEN];
    struct mg_cram_key key;
    struct mg_error err;
    int     ret = CLI_OK;

    memset(&key, 0, sizeof(key));
    key.kind = MG_CRAM_KEY_PLAINTEXT;
    key.password = pw->data;
    key.password_len = pw->len;
    if (mg_cram_check_challenge(chal, chal_len, &err) != MG_OK
	|| mg_cram_digest(&key, chal, chal_len, digest, &err) != MG_OK
	|| mg_cram_format_response(user, strlen(user), digest, out, size, out_len,
				   &err) != MG_OK)
	ret = cli_report(CLI_TROUBLE, "CRAM-MD5", &err);
    mg_cleanse(digest, sizeof(digest));
    return (ret);
}

struct digest_client {
    struct mg_digest_response resp;
    unsigned char rspauth[MG_DIGEST_HASH_LEN];
};

static int digest_answer(const struct login_setup *st, const char *user,
			         const struct cli_password *pw, const char *text,
			         size_t len, struct digest_client *dc, char *out,
			         size_t size, size_t *out_len)
{
    struct mg_digest_challenge chal;
    struct mg_digest_secret secret;
    struct mg_error err;
    char    cnonce[MG_DIGEST_NONCE_LEN + 1], uri[600];
    const char *realm = "";
    size_t  i;
    int     ret = CLI_OK;

    mg_digest_challenge_init(&chal);
    if (mg_digest_parse_challenge(text, len, &chal, &err) != MG_OK
	|| mg_digest_validate_challenge(&chal, MG_DIGEST_QOP_AUTH, &err) != MG_OK) {
	mg_digest_challenge_free(&chal);
	return (cli_report(CLI_TROUBLE, "DIGEST-MD5", &err));
    }
    /* The service's realm when offered, else the only one offered. */
    for (i = 0; i < chal.realm_count; i++)
	if (st->realm && strcmp(chal.realms[i], st->realm) == 0)
	    realm = chal.realms[i];
    if (*realm == 0 && chal.realm_count > 0)
	realm = chal.realms[0];
    snprintf(uri, sizeof(uri), "%s/%s", st->service, st->fqdn);
    memset(&secret, 0, sizeof(secret));
    secret.kind = MG_DIGEST_SECRET_PASSWORD;
    secret.password = pw->data;
    secret.password_len = pw->len;
    if (mg_digest_make_nonce(cnonce, sizeof(cnonce), &err) != MG_OK
	|| mg_digest_set_string(&dc->resp.username, user, &err) != MG_OK
	|| mg_digest_set_string(&dc->resp.realm, realm, &err) != MG_OK
	|| mg_digest_set_string(&dc->resp.nonce, chal.nonce, &err) != MG_OK
	|| mg_digest_set_string(&dc->resp.cnonce, cnonce, &err) != MG_OK
	|| mg_digest_set_string(&dc->resp.digest_uri, uri, &err) != MG_OK)
	ret = cli_report(CLI_TROUBLE, "DIGEST-MD5", &err);
    dc->resp.has_realm = *realm != 0;
    dc->resp.nc = 1;
    dc->resp.qop = MG_DIGEST_QOP_AUTH;
    dc->resp.utf8 = chal.utf8;
    dc->resp.maxbuf = MG_DIGEST_MAXBUF_DEFAULT;
    mg_digest_challenge_free(&chal);
    if (ret == CLI_OK
	&& (mg_digest_compute(&dc->resp, &secret, MG_DIGEST_A2_RESPONSE, dc->resp.response,
			      &err) != MG_OK
	    || mg_digest_compute(&dc->resp, &secret, MG_DIGEST_A2_RSPAUTH, dc->rspauth,
				 &err) != MG_OK
	    || mg_digest_print_response(&dc->resp, out, size, out_len, &err) != MG_OK))
	ret = cli_report(CLI_TROUBLE, "DIGEST-MD5", &err);
    return (ret);
}

 /*
  * The server's rspauth, checked before the empty final reply.
  */
static int digest_check_rspauth(const struct digest_client *dc, const char *text,
				        size_t len)
{
    struct mg_digest_rspauth got;
    struct mg_error err;
    int     ok;

    if (mg_digest_parse_rspauth(text, len, &got, &err) != MG_OK)
	return (cli_error(CLI_NEGATIVE, "the server's rspauth is malformed: %s",
			  err.reason));
    ok = mg_equal_ct(got.rspauth, dc->rspauth, sizeof(dc->rspauth));
    mg_cleanse(&got, sizeof(got));
    if (!ok)
	return (cli_error(CLI_NEGATIVE, "the server's rspauth is wrong: it does not "
			  "know the password"));
    return (CLI_OK);
}

/* The exchange. */

struct login_args {
    const char *pfdir;
    const char *service;
    const char *mech;
    const char *user;
    const char *pwfile;
    const char *client;
};

static int exchange(sasl_conn_t *conn, const struct login_setup *st,
		            const struct login_args *args, const struct cli_password *pw,
		            int *result)
{
    struct digest_client dc;
    const char *out = 0;
    unsigned outlen = 0;
    char    answer[MG_DIGEST_RESPONSE_MAX + 1];
    size_t  answer_len = 0;
    int     r, ret = CLI_OK, step = 0;

    mg_digest_response_init(&dc.resp);
    r = sasl_server_start(conn, args->mech, 0, 0, &out, &outlen);
    while (r == SASL_CONTINUE && ret == CLI_OK && step < 3) {
	step++;
	if (strcmp(args->mech, "CRAM-MD5") == 0 && step == 1)
	    ret = cram_answer(args->user, pw, out, outlen, answer, sizeof(answer),
			      &answer_len);
	else if (step == 1)
	    ret = digest_answer(st, args->user, pw, out, outlen, &dc, answer,
				sizeof(answer), &answer_len);
	else if (strcmp(args->mech, "DIGEST-MD5") == 0 && step == 2
		 && (ret = digest_check_rspauth(&dc, out, outlen)) == CLI_OK)
	    answer_len = 0;
	else if (ret == CLI_OK)
	    ret = cli_error(CLI_TROUBLE, "the server asks for step %d", step + 1);
	if (ret == CLI_OK)
	    r = sasl_server_step(conn, answer, (unsigned) answer_len, &out, &outlen);
	mg_cleanse(answer, sizeof(answer));
    }
    mg_cleanse(dc.rspauth, sizeof(dc.rspauth));
    mg_digest_response_free(&dc.resp);
    *result = r;
    return (ret);
}

static void print_log(void)
{
    int     i, audit = 0;

    for (i = 0; i < logged.count; i++) {
	if (strncmp(logged.lines[i], "md5gate:", 8) == 0
	    && strstr(logged.lines[i], " outcome=") != 0) {
	    printf("audit: %s\n", logged.lines[i]);
	    audit = 1;
	} else {
	    printf("log: %s\n", logged.lines[i]);
	}
    }
    if (!audit)
	printf("audit: no record in the log (audit_success_level or "
	       "audit_failure_level = none, or md5gate was not used)\n");
}

 /*
  * client: the client side's status (CLI_NEGATIVE: the server's rspauth
  * is wrong); r: libsasl2's last result.
  */
static int verdict(sasl_conn_t *conn, int client, int r)
{
    const void *name = 0;
    int     ret;

    if (client == CLI_NEGATIVE) {
	printf("verdict: refused: the server failed mutual authentication\n");
	ret = CLI_NEGATIVE;
    } else if (client != CLI_OK || r == SASL_CONTINUE) {
	printf("verdict: not tested (the exchange could not be completed)\n");
	ret = CLI_TROUBLE;
    } else if (r == SASL_OK) {
	sasl_getprop(conn, SASL_USERNAME, &name);
	printf("verdict: success: authenticated as %s\n", name ? (const char *) name : "?");
	ret = CLI_OK;
    } else {
	printf("verdict: refused: %s\n", sasl_errdetail(conn));
	ret = CLI_NEGATIVE;
    }
    print_log();
    return (ret);
}

static int login(const struct login_args *args, struct login_setup *st,
		         const struct cli_password *pw)
{
    sasl_callback_t cbs[] = {
	{SASL_CB_LOG, (callback_proc) log_cb, 0},
	{SASL_CB_GETCONFPATH, (callback_proc) getconfpath_cb, st->conf_dirs},
	{SASL_CB_GETPATH, (callback_proc) getpath_cb, st->plugin_path},
	{SASL_CB_LIST_END, 0, 0},
    };
    sasl_security_properties_t props;
    sasl_conn_t *conn = 0;
    const char *mechs = 0;
    int     r, ret;

    if (st->plugin_path == 0)
	cbs[2].id = SASL_CB_LIST_END;
    if ((r = sasl_server_init(cbs, st->app)) != SASL_OK)
	return (cli_error(CLI_TROUBLE, "cannot initialise libsasl2: %s",
			  sasl_errstring(r, 0, 0)));
    if ((ret = become_smtpd(st)) != CLI_OK) {
	sasl_done();
	return (ret);
    }
    if ((r = sasl_server_new(st->service, st->fqdn, st->realm,
			     st->local[0] ? st->local : 0,
			     st->remote[0] ? st->remote : 0, 0, 0, &conn)) != SASL_OK) {
	sasl_done();
	return (cli_error(CLI_TROUBLE, "cannot create a libsasl2 context: %s",
			  sasl_errstring(r, 0, 0)));
    }
    memset(&props, 0, sizeof(props));
    props.security_flags = security_flags(st->sec_options);
    if ((r = sasl_setprop(conn, SASL_SEC_PROPS, &props)) != SASL_OK)
	ret = cli_error(CLI_TROUBLE, "cannot set the security properties: %s",
			sasl_errstring(r, 0, 0));
    else if (sasl_listmech(conn, 0, "", " ", "", &mechs, 0, 0) == SASL_OK)
	printf("offered: %s\n", *mechs ? mechs : "(no mechanism)");
    if (ret == CLI_OK) {
	int     client = exchange(conn, st, args, pw, &r);

	ret = verdict(conn, client, r);
    }
    sasl_dispose(&conn);
    sasl_done();
    return (ret);
}

static int run(const struct login_args *args)
{
    struct login_setup st;
    struct cli_password pw;
    struct pfconf pf;
    struct mg_error err;
    int     ret;

    memset(&st, 0, sizeof(st));
    if (geteuid() != 0)
	return (cli_error(CLI_TROUBLE, "must run as root: smtpd starts as root, "
			  "enters its chroot and becomes mail_owner"));
    if (pfconf_load(args->pfdir, &pf, &err) != MG_OK)
	return (cli_error(CLI_TROUBLE, "cannot read the Postfix configuration: %s",
			  err.reason));
    if (args->client)
	snprintf(st.remote, sizeof(st.remote), "%s;0", args->client);
    if ((ret = setup_from_postfix(&pf, args->service, &st)) == CLI_OK
	&& (ret = cli_password_get(args->pwfile, 0, &pw)) == CLI_OK) {
	fflush(stdout);
	ret = login(args, &st, &pw);
	cli_password_free(&pw);
    }
    free(st.conf_dirs);
    free(st.plugin_path);
    pfconf_free(&pf);
    return (ret == CLI_TROUBLE ? ret : cli_finish_output() == CLI_OK ? ret : CLI_TROUBLE);
}

int     cli_test_login(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"postfix", required_argument, 0, 'P'},
	{"service", required_argument, 0, 's'},
	{"mech", required_argument, 0, 'm'},
	{"user", required_argument, 0, 'u'},
	{"password-file", required_argument, 0, 'p'},
	{"client", required_argument, 0, 'c'},
	CLI_OPTION_NO_PASSWORD,
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    struct login_args args;
    int     ch;

    cli_prog = "md5gate test-login";
    memset(&args, 0, sizeof(args));
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", longopts, 0)) != -1) {
	switch (ch) {
	case 'P': args.pfdir = optarg; break;
	case 's': args.service = optarg; break;
	case 'm': args.mech = optarg; break;
	case 'u': args.user = optarg; break;
	case 'p': args.pwfile = optarg; break;
	case 'c': args.client = optarg; break;
	case 'X':
	    return (cli_usage_error(USAGE, CLI_NO_PASSWORD_REASON));
	case 'h':
	    return (cli_help(help));
	default:
	    return (cli_option_error(USAGE, ch, argv));
	}
    }
    if (argc != optind)
	return (cli_usage_error(USAGE, "unexpected argument \"%s\"", argv[optind]));
    if (args.pfdir == 0)
	return (cli_usage_error(USAGE, "--postfix DIR is required"));
    if (args.mech == 0 || (strcmp(args.mech, "CRAM-MD5") != 0
			   && strcmp(args.mech, "DIGEST-MD5") != 0))
	return (cli_usage_error(USAGE, "--mech must be CRAM-MD5 or DIGEST-MD5"));
    if (args.user == 0 || *args.user == 0)
	return (cli_usage_error(USAGE, "--user is required"));
    if (strlen(args.user) > MG_CRAM_USER_MAX)
	return (cli_usage_error(USAGE, "--user is longer than %d bytes", MG_CRAM_USER_MAX));
    if (args.client && (strlen(args.client) > 64 || strpbrk(args.client, "; \t")))
	return (cli_usage_error(USAGE, "--client wants an address"));
    return (run(&args));
}
