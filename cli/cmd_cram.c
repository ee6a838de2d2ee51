/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cmd_cram 3
/* SUMMARY
/*	md5gate cram-md5 respond
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_cram(argc, argv)
/* DESCRIPTION
/*	md5gate cram-md5 respond --user U [--password-file F] [--raw]
/*	CHALLENGE prints the base64 client response to a CRAM-MD5
/*	challenge: "user SP hex(HMAC-MD5(password, challenge))", exactly as
/*	it goes on the wire after the server's "334 ". CHALLENGE is the
/*	base64 text of that 334 line, or with --raw the decoded challenge.
/*
/*	The computation is the plugin's own (src/cram.c), so what this
/*	prints is what md5gate's client plugin would send.
/*--*/
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cram.h"
#include "mg_util.h"

static const char group_help[] =
"usage: md5gate cram-md5 respond --user USER [--password-file FILE] [--raw] CHALLENGE\n"
"\n"
"Commands:\n"
"  respond   print the base64 CRAM-MD5 response to a challenge\n";

#define RESPOND_USAGE \
    "md5gate cram-md5 respond --user USER [--password-file FILE] [--raw] CHALLENGE"

static const char respond_help[] =
"usage: " RESPOND_USAGE "\n"
"\n"
"Print the base64 CRAM-MD5 client response (RFC 2195) to CHALLENGE, the\n"
"base64 text after the server's \"334 \".\n"
"\n"
"  --user USER            the authentication identity\n"
"  --password-file FILE   read the password from FILE (- = standard input,\n"
"                         one line); without it, ask on the terminal\n"
"  --raw                  CHALLENGE is the decoded challenge, not base64\n"
"  --help                 show this text\n";

static int respond(const char *user, struct cli_password *pw,
		           const unsigned char *chal, size_t chal_len)
{
    struct mg_cram_key key;
    struct mg_error err;
    unsigned char digest[MG_CRAM_DIGEST_LEN];
    char    resp[MG_CRAM_RESPONSE_MAX + 1];
    size_t  resp_len = 0;
    char   *b64 = 0;
    int     ret;

    memset(&key, 0, sizeof(key));
    key.kind = MG_CRAM_KEY_PLAINTEXT;
    key.password = pw->data;
    key.password_len = pw->len;
    if (mg_cram_check_challenge((const char *) chal, chal_len, &err) != MG_OK
	|| mg_cram_digest(&key, (const char *) chal, chal_len, digest, &err) != MG_OK
	|| mg_cram_format_response(user, strlen(user), digest, resp, sizeof(resp),
				   &resp_len, &err) != MG_OK)
	ret = cli_report(CLI_TROUBLE, "CRAM-MD5", &err);
    else if ((b64 = cli_b64_encode(resp, resp_len)) == 0)
	ret = cli_error(CLI_TROUBLE, "out of memory");
    else
	ret = cli_put_line(b64, strlen(b64));
    mg_cleanse(digest, sizeof(digest));
    mg_cleanse(resp, sizeof(resp));
    free(b64);
    return (ret);
}

static int cram_respond(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"user", required_argument, 0, 'u'},
	{"password-file", required_argument, 0, 'p'},
	CLI_OPTION_NO_PASSWORD,
	{"raw", no_argument, 0, 'r'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    const char *user = 0, *pwfile = 0;
    struct cli_password pw;
    unsigned char *chal = 0;
    size_t  chal_len;
    int     raw = 0, ch, ret;

    cli_prog = "md5gate cram-md5 respond";
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", longopts, 0)) != -1) {
	switch (ch) {
	case 'u':
	    user = optarg;
	    break;
	case 'p':
	    pwfile = optarg;
	    break;
	case 'r':
	    raw = 1;
	    break;
	case 'X':
	    return (cli_usage_error(RESPOND_USAGE, CLI_NO_PASSWORD_REASON));
	case 'h':
	    return (cli_help(respond_help));
	default:
	    return (cli_option_error(RESPOND_USAGE, ch, argv));
	}
    }
    if (user == 0)
	return (cli_usage_error(RESPOND_USAGE, "--user is required"));
    if (argc - optind != 1)
	return (cli_usage_error(RESPOND_USAGE, "give exactly one CHALLENGE"));
    if ((ret = cli_wire_input("CHALLENGE", argv[optind], raw, &chal, &chal_len)) != CLI_OK)
	return (ret);
    if ((ret = cli_password_get(pwfile, 0, &pw)) == CLI_OK) {
	ret = respond(user, &pw, chal, chal_len);
	cli_password_free(&pw);
    }
    free(chal);
    return (ret == CLI_OK ? cli_finish_output() : ret);
}

int     cli_cram(int argc, char **argv)
{
    cli_prog = "md5gate cram-md5";
    if (argc < 2)
	return (cli_usage_error(RESPOND_USAGE, "no cram-md5 command given"));
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
	return (cli_help(group_help));
    if (strcmp(argv[1], "respond") == 0)
	return (cram_respond(argc - 1, argv + 1));
    return (cli_usage_error(RESPOND_USAGE, "unknown cram-md5 command \"%s\"", argv[1]));
}
