/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cmd_secret 3
/* SUMMARY
/*	md5gate secret
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_secret(argc, argv)
/* DESCRIPTION
/*	md5gate secret --mech CRAM-MD5|DIGEST-MD5 [--user U] [--realm R]
/*	[--password-file F] [--format FORM] prints what a store keeps
/*	instead of the password: by default two lines, md5gate's form (the
/*	value of the md5gateCRAM-MD5 or md5gateDIGEST-MD5 property) and
/*	Dovecot's. --format md5gate, dovecot or cyrus prints one; the Cyrus
/*	forms are binary, so they are printed in hex.
/*
/*	A DIGEST-MD5 secret is bound to one user and one realm, so --user
/*	and --realm are required for it (--realm '' for the empty realm). A
/*	CRAM-MD5 secret depends on the password only.
/*--*/
#include <getopt.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "secret.h"
#include "mg_util.h"

#define USAGE "md5gate secret --mech CRAM-MD5|DIGEST-MD5 [--user USER] " \
	"[--realm REALM]\n       [--password-file FILE] [--format FORM]"

static const char help[] =
"usage: " USAGE "\n"
"\n"
"Print the stored secret of a password, so that a server can verify the\n"
"mechanism without keeping the plaintext.\n"
"\n"
"  --mech MECH            CRAM-MD5 or DIGEST-MD5\n"
"  --user USER            the user name (DIGEST-MD5 hashes it)\n"
"  --realm REALM          the realm (DIGEST-MD5; '' for the empty realm)\n"
"  --password-file FILE   read the password from FILE (- = standard input,\n"
"                         one line); without it, ask on the terminal\n"
"  --format FORM          all (default: md5gate, then dovecot), md5gate,\n"
"                         dovecot, or cyrus (Cyrus's binary value, in hex)\n"
"  --help                 show this text\n";

enum format {
    F_ALL,
    F_MD5GATE,
    F_DOVECOT,
    F_CYRUS,
};

static int put_form(const char *buf, size_t len, enum mg_secret_form form)
{
    char    hex[2 * MG_SECRET_CYRUS_CRAM_LEN + 1];
    int     ret;

    if (form != MG_SECRET_FORM_CYRUS)
	return (cli_put_line(buf, len));
    if (len > MG_SECRET_CYRUS_CRAM_LEN)
	return (cli_error(CLI_TROUBLE, "internal error: Cyrus form too long"));
    mg_hex_encode((const unsigned char *) buf, len, hex);
    ret = cli_put_line(hex, 2 * len);
    mg_cleanse(hex, sizeof(hex));
    return (ret);
}

 /*
  * Print the forms asked for, from a made secret; cram or digest is null.
  */
static int print_forms(const struct mg_secret_cram *cram,
		               const struct mg_secret_digest *digest,
		               enum format format)
{
    static const enum mg_secret_form order[] = {
	MG_SECRET_FORM_MD5GATE, MG_SECRET_FORM_DOVECOT, MG_SECRET_FORM_CYRUS,
    };
    static const enum format wanted[] = {F_MD5GATE, F_DOVECOT, F_CYRUS};
    char    buf[MG_SECRET_TEXT_MAX];
    struct mg_error err;
    size_t  len, i;
    enum mg_code code;
    int     ret = CLI_OK;

    for (i = 0; i < 3 && ret == CLI_OK; i++) {
	if (format != wanted[i] && !(format == F_ALL && i < 2))
	    continue;
	code = cram ? mg_secret_cram_format(cram, order[i], buf, sizeof(buf), &len, &err)
	    : mg_secret_digest_format(digest, order[i], buf, sizeof(buf), &len, &err);
	ret = code == MG_OK ? put_form(buf, len, order[i])
	    : cli_error(CLI_TROUBLE, "%s", err.reason);
    }
    mg_cleanse(buf, sizeof(buf));
    return (ret);
}

static int parse_format(const char *name, enum format *format)
{
    static const char *const names[] = {"all", "md5gate", "dovecot", "cyrus"};
    size_t  i;

    for (i = 0; i < 4; i++) {
	if (strcmp(name, names[i]) == 0) {
	    *format = (enum format) i;
	    return (CLI_OK);
	}
    }
    return (cli_usage_error(USAGE, "unknown format \"%s\"", name));
}

static int make_and_print(int is_cram, const char *user, const char *realm,
			          const char *pwfile, enum format format)
{
    struct mg_secret_cram cram;
    struct mg_secret_digest digest;
    struct cli_password pw;
    struct mg_error err;
    enum mg_code code;
    int     ret;

    if ((ret = cli_password_get(pwfile, 0, &pw)) != CLI_OK)
	return (ret);
    memset(&cram, 0, sizeof(cram));
    memset(&digest, 0, sizeof(digest));
    code = is_cram ? mg_secret_cram_make(pw.data, pw.len, &cram, &err)
	: mg_secret_digest_make(user, realm, pw.data, pw.len, &digest, &err);
    cli_password_free(&pw);
    if (code != MG_OK)
	ret = cli_error(CLI_TROUBLE, "%s", err.reason);
    else
	ret = print_forms(is_cram ? &cram : 0, is_cram ? 0 : &digest, format);
    mg_secret_cram_clear(&cram);
    mg_secret_digest_clear(&digest);
    return (ret);
}

int     cli_secret(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"mech", required_argument, 0, 'm'},
	{"user", required_argument, 0, 'u'},
	{"realm", required_argument, 0, 'r'},
	{"password-file", required_argument, 0, 'p'},
	CLI_OPTION_NO_PASSWORD,
	{"format", required_argument, 0, 'f'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    const char *mech = 0, *user = 0, *realm = 0, *pwfile = 0;
    enum format format = F_ALL;
    int     ch, ret, is_cram;

    cli_prog = "md5gate secret";
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", longopts, 0)) != -1) {
	switch (ch) {
	case 'm': mech = optarg; break;
	case 'u': user = optarg; break;
	case 'r': realm = optarg; break;
	case 'p': pwfile = optarg; break;
	case 'f':
	    if ((ret = parse_format(optarg, &format)) != CLI_OK)
		return (ret);
	    break;
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
    if (mech == 0)
	return (cli_usage_error(USAGE, "--mech is required"));
    if (strcasecmp(mech, "CRAM-MD5") == 0)
	is_cram = 1;
    else if (strcasecmp(mech, "DIGEST-MD5") == 0)
	is_cram = 0;
    else
	return (cli_usage_error(USAGE, "--mech is CRAM-MD5 or DIGEST-MD5"));
    if (!is_cram && user == 0)
	return (cli_usage_error(USAGE, "DIGEST-MD5 secrets hash the user name: "
				"give --user"));
    if (!is_cram && realm == 0)
	return (cli_usage_error(USAGE, "DIGEST-MD5 secrets are made for one realm: "
				"give --realm (--realm '' for the empty realm)"));
    if ((ret = make_and_print(is_cram, user, realm, pwfile, format)) != CLI_OK)
	return (ret);
    return (cli_finish_output());
}
