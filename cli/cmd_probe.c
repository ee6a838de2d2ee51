/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cmd_probe 3
/* SUMMARY
/*	md5gate probe: a mail server seen through a device's eyes
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_probe(argc, argv)
/* DESCRIPTION
/*	md5gate probe answers "will a device that can do X work against
/*	this server, and if not, why?". The device is a range of TLS
/*	versions (or none), a list of SASL mechanisms in its order of
/*	preference and a way of treating DIGEST-MD5's rspauth; --profile
/*	names common device classes.
/*
/*	The probe, each step on a connection of its own:
/*	1. looks at the server in the clear: greeting, EHLO, STARTTLS and
/*	   the AUTH mechanisms offered before TLS (not for smtps://);
/*	2. tries each TLS version from 1.0 to 1.3 alone and records which
/*	   the server accepts, how it refuses the others (the TLS alert),
/*	   and the mechanisms offered after TLS;
/*	3. opens the session the device would get (STARTTLS when offered,
/*	   its range of versions) and picks the mechanism it would use;
/*	4. with --user, logs in with every mechanism of the device that the
/*	   server offers, through md5gate's own client code (smtp_auth.c);
/*	5. with --envelope, asks MAIL FROM and RCPT TO, then RSET: it never
/*	   sends a message.
/*	probe_report.c states the verdict.
/*
/*	Everything is bounded: each reply, write, connect and handshake
/*	waits --timeout seconds at most, and replies are size-limited.
/*	The password is read from --password-file only and never printed.
/*
/*	Credentials travel only under TLS whose server certificate was
/*	verified (OpenSSL's default CA paths, or --ca-file; the name in
/*	the URL against the certificate's DNS names or IP addresses):
/*	--no-verify drops the check, --allow-cleartext allows a session
/*	without TLS (a device without TLS needs it, and a session whose
/*	STARTTLS went missing is otherwise not logged in on, and the
/*	verdict says why). Steps 1 to 3 and a relay check without --user
/*	carry no credentials and do not verify the certificate, as devices
/*	do not.
/*--*/
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "probe.h"

#define USAGE	"md5gate probe [--profile NAME] [--tls-min V] [--tls-max V | --no-tls]\n" \
		"       [--mechs LIST] [--rspauth check|ignore] [--user NAME --password-file FILE]\n" \
		"       [--realm REALM] [--allow-cleartext] [--no-verify | --ca-file FILE]\n" \
		"       [--envelope FROM,TO] [--timeout SECS] [--helo NAME] [--json] [--verbose]\n" \
		"       URL"

static const char probe_help[] =
"usage: " USAGE "\n"
"\n"
"Tell whether a device that can do what the options say will work against the\n"
"mail server at URL, and if not, why. URL is smtp://HOST[:PORT] (25, STARTTLS\n"
"when offered), smtps://HOST[:PORT] (465, TLS from the first byte) or\n"
"submission://HOST[:PORT] (587, STARTTLS when offered).\n"
"\n"
"The device:\n"
"  --profile NAME         a device class (below); later options change it\n"
"  --tls-min V, --tls-max V  the TLS versions it offers (1.0, 1.1, 1.2, 1.3;\n"
"                         default 1.0 to 1.3)\n"
"  --no-tls               it has no TLS\n"
"  --mechs LIST           its mechanisms in its order of preference, from\n"
"                         CRAM-MD5, DIGEST-MD5, LOGIN, PLAIN (default: all four)\n"
"  --rspauth check|ignore whether it checks DIGEST-MD5's rspauth (default check)\n"
"\n"
"What to try:\n"
"  --user NAME            log in as NAME with each of the device's mechanisms\n"
"  --password-file FILE   the password: FILE's first line (- = standard input)\n"
"  --realm REALM          DIGEST-MD5 realm (default: the server's first)\n"
"  --allow-cleartext      send the credentials without TLS too (a device\n"
"                         without TLS, or STARTTLS not offered); never by default\n"
"  --ca-file FILE         trust the CA certificates in FILE (PEM) for the\n"
"                         logins (default: OpenSSL's default CA paths)\n"
"  --no-verify            do not verify the server certificate before sending\n"
"                         credentials (the TLS scan never verifies it)\n"
"  --envelope FROM,TO     check that the server would relay from FROM to TO\n"
"                         (MAIL, RCPT, then RSET: no mail is sent)\n"
"  --timeout SECS         for each reply, connect and handshake (default 10)\n"
"  --helo NAME            the EHLO name (default: this host's name)\n"
"  --json                 print one JSON object instead of the table\n"
"  --verbose              print the SMTP dialogue on stderr (AUTH data hidden)\n"
"\n"
"Profiles:\n"
"  tls10-cram     TLS 1.0 only, CRAM-MD5 (the door intercom of md5gate(1))\n"
"  tls10-digest   TLS 1.0 only, DIGEST-MD5, rspauth not checked\n"
"  notls-cram     no TLS, CRAM-MD5\n"
"  notls-digest   no TLS, DIGEST-MD5, rspauth not checked\n"
"  tls12-plain    TLS 1.2 to 1.3, LOGIN then PLAIN\n"
"\n"
"Exit status: 0 the device works, 1 it fails (the reasons say why and what to\n"
"do), 2 usage error or the server is unreachable.\n";

struct profile {
    const char *name;
    int     tls;
    const char *tls_min;
    const char *tls_max;
    const char *mechs;
    enum smtp_rspauth rspauth;
};

static const struct profile profiles[] = {
    {"tls10-cram", 1, "1.0", "1.0", "CRAM-MD5", SMTP_RSPAUTH_CHECK},
    {"tls10-digest", 1, "1.0", "1.0", "DIGEST-MD5", SMTP_RSPAUTH_EMPTY},
    {"notls-cram", 0, "1.0", "1.3", "CRAM-MD5", SMTP_RSPAUTH_CHECK},
    {"notls-digest", 0, "1.0", "1.3", "DIGEST-MD5", SMTP_RSPAUTH_EMPTY},
    {"tls12-plain", 1, "1.2", "1.3", "LOGIN,PLAIN", SMTP_RSPAUTH_CHECK},
};

struct probe_opts {
    const char *url_text;
    struct smtp_url url;
    const char *profile;
    const char *tls_min;
    const char *tls_max;
    int     no_tls;
    const char *mechs;
    const char *rspauth;
    const char *user;
    const char *pwfile;
    const char *realm;
    int     allow_cleartext;
    int     no_verify;
    const char *ca_file;
    const char *envelope;
    char   *env_from;
    char   *env_to;
    int     timeout;
    const char *helo;
    char    hostname[256];
    int     json;
    int     verbose;
};

/* ---------------------------------------------------------------- options */

static int parse_mechs(const char *list, struct probe_device *dev)
{
    char    copy[256], *tok, *save = 0;
    const char *name;
    int     i;

    if (strlen(list) >= sizeof(copy))
	return (cli_usage_error(USAGE, "--mechs: list too long"));
    strcpy(copy, list);
    dev->mech_count = 0;
    for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(0, ", ", &save)) {
	if ((name = smtp_mech_name(tok)) == 0)
	    return (cli_usage_error(USAGE, "--mechs: unknown mechanism \"%s\" (CRAM-MD5, "
				    "DIGEST-MD5, LOGIN, PLAIN)", tok));
	for (i = 0; i < dev->mech_count; i++)
	    if (dev->mechs[i] == name)
		return (cli_usage_error(USAGE, "--mechs: %s given twice", name));
	dev->mechs[dev->mech_count++] = name;
    }
    if (dev->mech_count == 0)
	return (cli_usage_error(USAGE, "--mechs: no mechanism given"));
    return (CLI_OK);
}

static int parse_version(const char *option, const char *value, int *version)
{
    if ((*version = smtp_tls_version(value)) == 0)
	return (cli_usage_error(USAGE, "%s must be 1.0, 1.1, 1.2 or 1.3", option));
    return (CLI_OK);
}

static int apply_profile(const char *name, struct probe_opts *o, struct probe_device *dev)
{
    size_t  i;

    for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
	if (strcmp(name, profiles[i].name) == 0)
	    break;
    if (i == sizeof(profiles) / sizeof(profiles[0]))
	return (cli_usage_error(USAGE, "unknown profile \"%s\" (see --help)", name));
    dev->tls = profiles[i].tls;
    dev->rspauth = profiles[i].rspauth;
    if (o->tls_min == 0)
	o->tls_min = profiles[i].tls_min;
    if (o->tls_max == 0)
	o->tls_max = profiles[i].tls_max;
    if (o->mechs == 0)
	o->mechs = profiles[i].mechs;
    return (CLI_OK);
}

static int split_envelope(struct probe_opts *o)
{
    const char *comma = strchr(o->envelope, ',');

    if (comma == 0 || comma == o->envelope || comma[1] == 0 || strchr(comma + 1, ',')
	|| strpbrk(o->envelope, "<> \t\r\n") != 0)
	return (cli_usage_error(USAGE, "--envelope takes FROM,TO: two addresses "
				"without <>, spaces or commas"));
    if ((o->env_from = strndup(o->envelope, (size_t) (comma - o->envelope))) == 0
	|| (o->env_to = strdup(comma + 1)) == 0)
	return (cli_error(CLI_TROUBLE, "out of memory"));
    return (CLI_OK);
}

 /*
  * device - the device from its profile and the options that change it.
  */
static int device(struct probe_opts *o, struct probe_device *dev)
{
    int     ret;

    memset(dev, 0, sizeof(*dev));
    dev->tls = 1;
    dev->rspauth = SMTP_RSPAUTH_CHECK;
    if (o->profile && (ret = apply_profile(o->profile, o, dev)) != CLI_OK)
	return (ret);
    if (o->no_tls)
	dev->tls = 0;
    if ((ret = parse_version("--tls-min", o->tls_min ? o->tls_min : "1.0",
			     &dev->tls_min)) != CLI_OK
	|| (ret = parse_version("--tls-max", o->tls_max ? o->tls_max : "1.3",
				&dev->tls_max)) != CLI_OK
	|| (ret = parse_mechs(o->mechs ? o->mechs : "CRAM-MD5,DIGEST-MD5,LOGIN,PLAIN",
			      dev)) != CLI_OK)
	return (ret);
    if (dev->tls_min > dev->tls_max)
	return (cli_usage_error(USAGE, "--tls-min is newer than --tls-max"));
    if (o->rspauth && strcmp(o->rspauth, "check") != 0 && strcmp(o->rspauth, "ignore") != 0)
	return (cli_usage_error(USAGE, "--rspauth must be check or ignore"));
    if (o->rspauth)
	dev->rspauth = strcmp(o->rspauth, "check") == 0 ? SMTP_RSPAUTH_CHECK
	    : SMTP_RSPAUTH_EMPTY;
    if (!dev->tls && o->url.scheme == SMTP_SCHEME_SMTPS)
	return (cli_usage_error(USAGE, "smtps:// is TLS from the first byte: a device "
				"without TLS cannot use it"));
    return (CLI_OK);
}

static int check_args(struct probe_opts *o, struct probe_device *dev)
{
    struct mg_error err;
    int     ret;

    if (smtp_url_parse(o->url_text, strlen(o->url_text), &o->url, &err) != MG_OK)
	return (cli_usage_error(USAGE, "URL: %s", err.reason));
    if ((ret = device(o, dev)) != CLI_OK)
	return (ret);
    if (o->user && o->pwfile == 0)
	return (cli_usage_error(USAGE, "--user needs --password-file"));
    if (o->pwfile && o->user == 0)
	return (cli_usage_error(USAGE, "--password-file needs --user"));
    if (o->user && (*o->user == 0 || strpbrk(o->user, "\r\n") != 0))
	return (cli_usage_error(USAGE, "--user must be a non-empty name on one line"));
    if (o->user && !dev->tls && !o->allow_cleartext)
	return (cli_usage_error(USAGE, "a device without TLS (--no-tls, or a notls-* "
				"profile) sends its credentials in the clear: give "
				"--allow-cleartext to log in all the same"));
    if (o->no_verify && o->ca_file)
	return (cli_usage_error(USAGE, "--no-verify and --ca-file exclude each other"));
    if (o->ca_file && access(o->ca_file, R_OK) != 0)
	return (cli_usage_error(USAGE, "--ca-file %s: cannot read it", o->ca_file));
    if (o->timeout <= 0 || o->timeout > 600)
	return (cli_usage_error(USAGE, "--timeout must be 1 to 600 seconds"));
    if (o->helo == 0) {
	if (gethostname(o->hostname, sizeof(o->hostname) - 1) != 0 || !*o->hostname)
	    strcpy(o->hostname, "localhost");
	o->helo = o->hostname;
    }
    if (strpbrk(o->helo, " \t\r\n") != 0 || !*o->helo)
	return (cli_usage_error(USAGE, "--helo must be one word"));
    return (o->envelope ? split_envelope(o) : CLI_OK);
}

static int parse_args(int argc, char **argv, struct probe_opts *o, struct probe_device *dev)
{
    static const struct option longopts[] = {
	{"profile", required_argument, 0, 'P'},
	{"tls-min", required_argument, 0, 'm'},
	{"tls-max", required_argument, 0, 'M'},
	{"no-tls", no_argument, 0, 'n'},
	{"mechs", required_argument, 0, 'k'},
	{"rspauth", required_argument, 0, 'r'},
	{"user", required_argument, 0, 'u'},
	{"password-file", required_argument, 0, 'p'},
	CLI_OPTION_NO_PASSWORD,
	{"realm", required_argument, 0, 'R'},
	{"allow-cleartext", no_argument, 0, 'C'},
	{"no-verify", no_argument, 0, 'N'},
	{"ca-file", required_argument, 0, 'A'},
	{"envelope", required_argument, 0, 'e'},
	{"timeout", required_argument, 0, 't'},
	{"helo", required_argument, 0, 'H'},
	{"json", no_argument, 0, 'j'},
	{"verbose", no_argument, 0, 'v'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    char   *end;
    int     ch;

    memset(o, 0, sizeof(*o));
    o->timeout = 10;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", longopts, 0)) != -1) {
	switch (ch) {
	case 'P': o->profile = optarg; break;
	case 'm': o->tls_min = optarg; break;
	case 'M': o->tls_max = optarg; break;
	case 'n': o->no_tls = 1; break;
	case 'k': o->mechs = optarg; break;
	case 'r': o->rspauth = optarg; break;
	case 'u': o->user = optarg; break;
	case 'p': o->pwfile = optarg; break;
	case 'R': o->realm = optarg; break;
	case 'C': o->allow_cleartext = 1; break;
	case 'N': o->no_verify = 1; break;
	case 'A': o->ca_file = optarg; break;
	case 'e': o->envelope = optarg; break;
	case 'H': o->helo = optarg; break;
	case 'j': o->json = 1; break;
	case 'v': o->verbose = 1; break;
	case 't':
	    o->timeout = (int) strtol(optarg, &end, 10);
	    if (*optarg == 0 || *end != 0)
		o->timeout = -1;
	    break;
	case 'X':
	    return (cli_usage_error(USAGE, CLI_NO_PASSWORD_REASON));
	case 'h':
	    cli_help(probe_help);
	    return (-1);
	default:
	    return (cli_option_error(USAGE, ch, argv));
	}
    }
    if (argc - optind != 1)
	return (cli_usage_error(USAGE, "give exactly one URL"));
    o->url_text = argv[optind];
    return (check_args(o, dev));
}

/* ------------------------------------------------------------------ steps */

static void session_opts(const struct probe_opts *o, struct smtp_session_opts *so,
			         enum smtp_security security, int tls_min, int tls_max)
{
    memset(so, 0, sizeof(*so));
    so->host = o->url.host;
    so->port = o->url.port;
    so->helo = o->helo;
    so->security = security;
    so->tls.min_version = tls_min;
    so->tls.max_version = tls_max;
    so->tls.sni = o->url.host;
    so->timeout_ms = o->timeout * 1000;
    so->trace = o->verbose ? stderr : 0;
}

static void end_session(struct smtp_session *s)
{
    smtp_quit(&s->conn);
    smtp_close(&s->conn);
}

 /*
  * unreachable - the session could not even connect.
  */
static int unreachable(const struct smtp_session *s, const struct smtp_error *err)
{
    return (s->conn.fd < 0 && (err->kind == SMTP_FAIL_CONNECT
			       || err->kind == SMTP_FAIL_TIMEOUT));
}

 /*
  * look_plain - step 1: the server in the clear.
  */
static int look_plain(const struct probe_opts *o, struct probe_result *res)
{
    struct smtp_session_opts so;
    struct smtp_session s;
    struct smtp_error err;
    int     ret = CLI_OK;

    session_opts(o, &so, SMTP_SECURITY_NONE, 0, 0);
    if (smtp_session_open(&s, &so, &err) == 0) {
	res->greeted = 1;
	res->have_plain = 1;
	res->caps_plain = s.caps_plain;
	res->starttls = s.caps_plain.starttls;
    } else if (unreachable(&s, &err)) {
	ret = cli_error(CLI_TROUBLE, "%s is unreachable: %s", res->url, err.detail);
    } else {
	res->session_err = err;
    }
    end_session(&s);
    return (ret);
}

static void tls_refused(struct probe_tls *t, const struct smtp_error *err)
{
    if (err->kind == SMTP_FAIL_TLS) {
	t->state = PROBE_TLS_REFUSED;
	smtp_tls_refusal(err->tls_reason, t->text, sizeof(t->text));
    } else if (err->kind == SMTP_FAIL_LOCAL) {
	t->state = PROBE_TLS_LOCAL;
	snprintf(t->text, sizeof(t->text), "%s", err->detail);
    } else {
	t->state = PROBE_TLS_REFUSED;
	snprintf(t->text, sizeof(t->text), "%s: %.400s",
		 err->kind == SMTP_FAIL_TIMEOUT ? "no answer in time"
		 : err->kind == SMTP_FAIL_CLOSED ? "connection closed" : "failed",
		 err->detail);
    }
}

 /*
  * scan_tls - step 2: each TLS version alone.
  */
static int scan_tls(const struct probe_opts *o, struct probe_result *res)
{
    struct smtp_session_opts so;
    struct smtp_session s;
    struct smtp_error err;
    int     i;

    for (i = 0; i < PROBE_TLS_VERSIONS; i++) {
	if (!res->smtps && !res->starttls)
	    continue;
	session_opts(o, &so, res->smtps ? SMTP_SECURITY_SMTPS : SMTP_SECURITY_STARTTLS,
		     res->tls[i].version, res->tls[i].version);
	if (smtp_session_open(&s, &so, &err) == 0) {
	    res->tls[i].state = PROBE_TLS_ACCEPTED;
	    snprintf(res->tls[i].text, sizeof(res->tls[i].text), "%s", s.conn.tls_cipher);
	    if (!res->have_tls_caps) {
		res->have_tls_caps = 1;
		res->caps_tls = s.caps;
	    }
	    res->greeted = 1;
	} else if (res->smtps && i == 0 && unreachable(&s, &err)) {
	    end_session(&s);
	    return (cli_error(CLI_TROUBLE, "%s is unreachable: %s", res->url, err.detail));
	} else if (*s.conn.tls_version) {
	    /* The handshake went through; SMTP failed after it. */
	    res->tls[i].state = PROBE_TLS_ACCEPTED;
	    snprintf(res->tls[i].text, sizeof(res->tls[i].text), "%s", s.conn.tls_cipher);
	} else {
	    tls_refused(&res->tls[i], &err);
	}
	end_session(&s);
    }
    return (CLI_OK);
}

static const char *first_offered(const struct probe_device *dev, const struct smtp_caps *caps)
{
    int     i;

    for (i = 0; i < dev->mech_count; i++)
	if (smtp_caps_has(caps, dev->mechs[i]))
	    return (dev->mechs[i]);
    return (0);
}

static enum smtp_security device_security(const struct probe_result *res)
{
    if (res->smtps)
	return (SMTP_SECURITY_SMTPS);
    return (res->device.tls ? SMTP_SECURITY_OPPORTUNISTIC : SMTP_SECURITY_NONE);
}

 /*
  * device_session - step 3: what the device gets.
  */
static void device_session(const struct probe_opts *o, struct probe_result *res)
{
    struct smtp_session_opts so;
    struct smtp_session s;

    session_opts(o, &so, device_security(res), res->device.tls_min, res->device.tls_max);
    if (smtp_session_open(&s, &so, &res->session_err) == 0) {
	res->session_ok = 1;
	res->greeted = 1;
	snprintf(res->session_tls, sizeof(res->session_tls), "%s", s.conn.tls_version);
	res->session_caps = s.caps;
	res->chosen = first_offered(&res->device, &s.caps);
    }
    end_session(&s);
}

static void relay_check(struct smtp_conn *c, const struct probe_opts *o,
			        struct probe_result *res)
{
    struct smtp_reply r;
    struct smtp_error err;

    res->relay_tried = 1;
    if (smtp_command(c, &r, "after MAIL FROM", &err, "MAIL FROM:<%s>", o->env_from) < 0
	|| (r.code == 250
	    && smtp_command(c, &r, "after RCPT TO", &err, "RCPT TO:<%s>", o->env_to) < 0)) {
	snprintf(res->relay_text, sizeof(res->relay_text), "%s", err.detail);
	return;
    }
    res->relay_ok = r.code == 250 || r.code == 251;
    snprintf(res->relay_text, sizeof(res->relay_text), "%s", r.last);
    if (smtp_command(c, &r, "after RSET", &err, "RSET") < 0)
	res->relay_ok = 0;
}

static void login(const struct probe_opts *o, const struct smtp_account *acct,
		          struct probe_auth *a, struct probe_result *res)
{
    struct smtp_session_opts so;
    struct smtp_session s;
    struct smtp_reply r;
    struct smtp_error err;
    int     opened;

    session_opts(o, &so, device_security(res), res->device.tls_min, res->device.tls_max);
    /* This session carries credentials: a verified server, or none. */
    so.tls.verify = !o->no_verify;
    so.tls.ca_file = o->ca_file;
    so.tls.verify_host = o->url.host;
    opened = smtp_session_open(&s, &so, &err) == 0;
    if (opened && !s.tls && !o->allow_cleartext) {
	a->state = PROBE_AUTH_WITHHELD;
    } else if (opened && smtp_auth(&s.conn, a->mech, acct, &r, 0, &err) == 0) {
	a->state = PROBE_AUTH_OK;
	snprintf(a->text, sizeof(a->text), "%s", r.last);
	if (o->env_from && a->mech == res->chosen)
	    relay_check(&s.conn, o, res);
    } else {
	a->state = PROBE_AUTH_FAILED;
	a->kind = err.kind;
	a->unverified = err.kind == SMTP_FAIL_TLS && so.tls.verify && s.conn.ssl
	    && SSL_get_verify_result(s.conn.ssl) != X509_V_OK;
	snprintf(a->text, sizeof(a->text), "%s", err.detail);
    }
    end_session(&s);
}

 /*
  * logins - step 4 (and 5): every mechanism of the device the server
  * offers.
  */
static void logins(const struct probe_opts *o, const struct cli_password *pw,
		           struct probe_result *res)
{
    struct smtp_account acct;
    int     i;

    memset(&acct, 0, sizeof(acct));
    acct.user = o->user;
    acct.password = pw ? pw->data : 0;
    acct.password_len = pw ? pw->len : 0;
    acct.realm = o->realm;
    acct.host = o->url.host;
    acct.rspauth = res->device.rspauth;
    for (i = 0; i < res->device.mech_count; i++) {
	struct probe_auth *a = &res->auth[i];

	if (!res->session_ok)
	    a->state = PROBE_AUTH_NOT_TRIED;
	else if (!smtp_caps_has(&res->session_caps, a->mech))
	    a->state = PROBE_AUTH_NOT_OFFERED;
	else if (o->user == 0)
	    a->state = PROBE_AUTH_NOT_TRIED;
	else
	    login(o, &acct, a, res);
    }
}

 /*
  * relay_anonymous - step 5 without --user.
  */
static void relay_anonymous(const struct probe_opts *o, struct probe_result *res)
{
    struct smtp_session_opts so;
    struct smtp_session s;
    struct smtp_error err;

    session_opts(o, &so, device_security(res), res->device.tls_min, res->device.tls_max);
    if (smtp_session_open(&s, &so, &err) == 0)
	relay_check(&s.conn, o, res);
    end_session(&s);
}

 /*
  * result_init - nothing tried yet: every TLS version and mechanism of
  * the device has its row, whatever step the probe reaches.
  */
static void result_init(const struct probe_opts *o, struct probe_result *res)
{
    static const int versions[PROBE_TLS_VERSIONS] = {
	TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION,
    };
    int     i;

    res->url = o->url_text;
    res->user = o->user;
    res->env_from = o->env_from;
    res->env_to = o->env_to;
    res->timeout = o->timeout;
    for (i = 0; i < PROBE_TLS_VERSIONS; i++)
	res->tls[i].version = versions[i];
    for (i = 0; i < res->device.mech_count; i++) {
	res->auth[i].mech = res->device.mechs[i];
	res->auth[i].state = PROBE_AUTH_NOT_TRIED;
    }
}

static int run(const struct probe_opts *o, const struct cli_password *pw,
	               struct probe_result *res)
{
    int     ret;

    result_init(o, res);
    res->smtps = o->url.scheme == SMTP_SCHEME_SMTPS;
    if (!res->smtps && ((ret = look_plain(o, res)) != CLI_OK || !res->greeted))
	return (ret);
    if ((ret = scan_tls(o, res)) != CLI_OK)
	return (ret);
    device_session(o, res);
    logins(o, pw, res);
    if (o->env_from && o->user == 0 && res->session_ok)
	relay_anonymous(o, res);
    return (CLI_OK);
}

int     cli_probe(int argc, char **argv)
{
    struct probe_opts o;
    struct probe_result *res;
    struct cli_password pw;
    int     ret;

    cli_prog = "md5gate probe";
    /* A server that drops the connection is a finding, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    if ((res = calloc(1, sizeof(*res))) == 0)
	return (cli_error(CLI_TROUBLE, "out of memory"));
    if ((ret = parse_args(argc, argv, &o, &res->device)) == CLI_OK
	&& (!o.user || (ret = cli_password_get(o.pwfile, 0, &pw)) == CLI_OK)) {
	if ((ret = run(&o, o.user ? &pw : 0, res)) == CLI_OK)
	    ret = probe_report(res, o.json);
	if (o.user)
	    cli_password_free(&pw);
    } else if (ret < 0) {
	ret = cli_finish_output();
    }
    free(o.env_from);
    free(o.env_to);
    free(res);
    return (ret);
}
