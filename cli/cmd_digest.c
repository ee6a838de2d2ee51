/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cmd_digest 3
/* SUMMARY
/*	md5gate digest-md5 respond and check-rspauth
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_digest(argc, argv)
/* DESCRIPTION
/*	md5gate digest-md5 respond parses a DIGEST-MD5 challenge the way
/*	md5gate's client plugin does, and prints two lines: the base64
/*	digest-response as it goes on the wire, and "rspauth=" with the 32
/*	hex digits the server must answer. qop is auth, nc 00000001,
/*	charset=utf-8 is echoed when the challenge offers it.
/*
/*	The realm is --realm, else the challenge's only realm, else none;
/*	a challenge with several realms needs --realm (a tool should not
/*	guess which account is meant). The digest-uri is --digest-uri, or
/*	--service (default smtp) "/" --host. The cnonce is random unless
/*	--cnonce fixes it, which makes the output reproducible.
/*
/*	md5gate digest-md5 check-rspauth takes the same inputs, with the
/*	--cnonce of the response, and the server's base64 rspauth message;
/*	it exits 0 when that rspauth is the right one, 1 when not.
/*--*/
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "digest/digest.h"
#include "mg_util.h"

#define MECH	"DIGEST-MD5"

#define USAGE_HEAD \
    "--user USER [--password-file FILE] [--realm REALM] [--authzid ID]\n       "
#define USAGE_TAIL \
    " [--service SERVICE --host HOST | --digest-uri URI]\n" \
    "       [--raw]"
#define RESPOND_USAGE	"md5gate digest-md5 respond " USAGE_HEAD "[--cnonce CNONCE]" \
			USAGE_TAIL " CHALLENGE"
#define CHECK_USAGE	"md5gate digest-md5 check-rspauth " USAGE_HEAD "--cnonce CNONCE" \
			USAGE_TAIL " CHALLENGE RSPAUTH"

#define HELP_HEAD \
"  --user USER            the authentication identity (username)\n" \
"  --password-file FILE   read the password from FILE (- = standard input,\n" \
"                         one line); without it, ask on the terminal\n" \
"  --realm REALM          the realm; default: the challenge's only realm\n" \
"  --authzid ID           the authorization identity, when it differs\n"
#define HELP_TAIL \
"  --service SERVICE      the digest-uri service (default: smtp)\n" \
"  --host HOST            the server's host name, for the digest-uri\n" \
"  --digest-uri URI       the whole digest-uri, instead of service and host\n" \
"  --raw                  the messages are given decoded, not as base64\n" \
"  --help                 show this text\n"

static const char group_help[] =
"usage: md5gate digest-md5 respond|check-rspauth ...\n"
"\n"
"Commands:\n"
"  respond         print the base64 DIGEST-MD5 response and the expected rspauth\n"
"  check-rspauth   check the server's rspauth (exit 0 when it is right)\n";

static const char respond_help[] =
"usage: " RESPOND_USAGE "\n"
"\n"
"Print the base64 DIGEST-MD5 response (RFC 2831, qop=auth) to CHALLENGE, the\n"
"base64 text after the server's \"334 \", and on a second line the rspauth the\n"
"server must send back.\n"
"\n" HELP_HEAD
"  --cnonce CNONCE        the client nonce; default: 16 random bytes in hex\n"
HELP_TAIL;

static const char check_help[] =
"usage: " CHECK_USAGE "\n"
"\n"
"Check RSPAUTH, the base64 text of the server's second 334 line, against the\n"
"response that these inputs give (--cnonce is required: the one the response\n"
"was made with). Exit 0 when the server proved it knows the password, 1 when\n"
"not.\n"
"\n" HELP_HEAD
"  --cnonce CNONCE        the client nonce the response was made with (required)\n"
HELP_TAIL;

struct inputs {
    const char *user;
    const char *pwfile;
    const char *realm;
    const char *authzid;
    const char *cnonce;
    const char *service;
    const char *host;
    const char *uri;
    int     raw;
};

static int parse_args(int argc, char **argv, const char *usage,
		              const char *help, struct inputs *in, int nargs)
{
    static const struct option longopts[] = {
	{"user", required_argument, 0, 'u'},
	{"password-file", required_argument, 0, 'p'},
	CLI_OPTION_NO_PASSWORD,
	{"realm", required_argument, 0, 'r'},
	{"authzid", required_argument, 0, 'z'},
	{"cnonce", required_argument, 0, 'c'},
	{"service", required_argument, 0, 's'},
	{"host", required_argument, 0, 'H'},
	{"digest-uri", required_argument, 0, 'U'},
	{"raw", no_argument, 0, 'R'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    int     ch;

    memset(in, 0, sizeof(*in));
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", longopts, 0)) != -1) {
	switch (ch) {
	case 'u': in->user = optarg; break;
	case 'p': in->pwfile = optarg; break;
	case 'r': in->realm = optarg; break;
	case 'z': in->authzid = optarg; break;
	case 'c': in->cnonce = optarg; break;
	case 's': in->service = optarg; break;
	case 'H': in->host = optarg; break;
	case 'U': in->uri = optarg; break;
	case 'R': in->raw = 1; break;
	case 'X':
	    return (cli_usage_error(usage, CLI_NO_PASSWORD_REASON));
	case 'h':
	    cli_help(help);
	    return (-1);
	default:
	    return (cli_option_error(usage, ch, argv));
	}
    }
    if (in->user == 0)
	return (cli_usage_error(usage, "--user is required"));
    if (in->uri && (in->host || in->service))
	return (cli_usage_error(usage, "give --digest-uri, or --service and --host, "
				"not both"));
    if (in->uri == 0 && in->host == 0)
	return (cli_usage_error(usage, "give --host (the server's name, for the "
				"digest-uri) or --digest-uri"));
    if (argc - optind != nargs)
	return (cli_usage_error(usage, "wrong number of arguments"));
    return (CLI_OK);
}

 /*
  * The digest-uri, checked the way the server will check it.
  */
static int make_uri(const struct inputs *in, char **uri)
{
    const char *service = in->service ? in->service : "smtp";
    struct mg_digest_uri parts;
    struct mg_error err;
    size_t  len;

    if (in->uri) {
	*uri = strdup(in->uri);
    } else {
	len = strlen(service) + 1 + strlen(in->host) + 1;
	if ((*uri = malloc(len)) != 0)
	    snprintf(*uri, len, "%s/%s", service, in->host);
    }
    if (*uri == 0)
	return (cli_error(CLI_TROUBLE, "out of memory"));
    if (mg_digest_split_uri(*uri, &parts, &err) != MG_OK)
	return (cli_report(CLI_TROUBLE, MECH, &err));
    return (CLI_OK);
}

static int pick_realm(const struct inputs *in, const struct mg_digest_challenge *chal,
		              const char **realm)
{
    if (in->realm) {
	*realm = in->realm;
    } else if (chal->realm_count == 1) {
	*realm = chal->realms[0];
    } else if (chal->realm_count == 0) {
	*realm = "";
    } else {
	return (cli_error(CLI_TROUBLE, "the challenge offers %zu realms: choose one "
			  "with --realm", chal->realm_count));
    }
    return (CLI_OK);
}

static int fill_response(const struct inputs *in, const struct mg_digest_challenge *chal,
			         struct mg_digest_response *resp)
{
    char    cnonce[MG_DIGEST_NONCE_LEN + 1];
    const char *realm = "";
    char   *uri = 0;
    struct mg_error err;
    int     ret;

    if ((ret = pick_realm(in, chal, &realm)) != CLI_OK
	|| (ret = make_uri(in, &uri)) != CLI_OK) {
	free(uri);
	return (ret);
    }
    if (in->cnonce == 0 && mg_digest_make_nonce(cnonce, sizeof(cnonce), &err) != MG_OK)
	ret = cli_report(CLI_TROUBLE, MECH, &err);
    else if (mg_digest_set_string(&resp->username, in->user, &err) != MG_OK
	     || mg_digest_set_string(&resp->realm, realm, &err) != MG_OK
	     || mg_digest_set_string(&resp->nonce, chal->nonce, &err) != MG_OK
	     || mg_digest_set_string(&resp->cnonce, in->cnonce ? in->cnonce : cnonce,
				     &err) != MG_OK
	     || mg_digest_set_string(&resp->digest_uri, uri, &err) != MG_OK
	     || (in->authzid
	      && mg_digest_set_string(&resp->authzid, in->authzid, &err) != MG_OK))
	ret = cli_report(CLI_TROUBLE, MECH, &err);
    free(uri);
    resp->has_realm = *realm != 0;
    resp->nc = 1;
    resp->qop = MG_DIGEST_QOP_AUTH;
    resp->utf8 = chal->utf8;
    resp->maxbuf = MG_DIGEST_MAXBUF_DEFAULT;
    return (ret);
}

 /*
  * Everything both commands share: challenge in, response and expected
  * rspauth out. The password is used here only.
  */
static int compute(const struct inputs *in, const char *chal_arg,
		           struct mg_digest_response *resp,
		           unsigned char rspauth[MG_DIGEST_HASH_LEN])
{
    struct mg_digest_challenge chal;
    struct mg_digest_secret secret;
    struct cli_password pw;
    struct mg_error err;
    unsigned char *text = 0;
    size_t  len;
    int     ret;

    mg_digest_challenge_init(&chal);
    if ((ret = cli_wire_input("CHALLENGE", chal_arg, in->raw, &text, &len)) != CLI_OK)
	return (ret);
    if (mg_digest_parse_challenge((const char *) text, len, &chal, &err) != MG_OK
	|| mg_digest_validate_challenge(&chal, MG_DIGEST_QOP_AUTH, &err) != MG_OK)
	ret = cli_report(CLI_TROUBLE, MECH, &err);
    else
	ret = fill_response(in, &chal, resp);
    free(text);
    mg_digest_challenge_free(&chal);
    if (ret != CLI_OK || (ret = cli_password_get(in->pwfile, 0, &pw)) != CLI_OK)
	return (ret);
    memset(&secret, 0, sizeof(secret));
    secret.kind = MG_DIGEST_SECRET_PASSWORD;
    secret.password = pw.data;
    secret.password_len = pw.len;
    if (mg_digest_compute(resp, &secret, MG_DIGEST_A2_RESPONSE, resp->response,
			  &err) != MG_OK
	|| mg_digest_compute(resp, &secret, MG_DIGEST_A2_RSPAUTH, rspauth,
			     &err) != MG_OK)
	ret = cli_report(CLI_TROUBLE, MECH, &err);
    cli_password_free(&pw);
    return (ret);
}

static int print_response(const struct mg_digest_response *resp,
			          const unsigned char rspauth[MG_DIGEST_HASH_LEN])
{
    char    text[MG_DIGEST_RESPONSE_MAX + 1];
    char    line[sizeof("rspauth=") + MG_DIGEST_HEX_LEN];
    struct mg_error err;
    size_t  len;
    char   *b64;
    int     ret;

    if (mg_digest_print_response(resp, text, sizeof(text), &len, &err) != MG_OK)
	return (cli_report(CLI_TROUBLE, MECH, &err));
    if ((b64 = cli_b64_encode(text, len)) == 0)
	return (cli_error(CLI_TROUBLE, "out of memory"));
    memcpy(line, "rspauth=", 8);
    mg_hex_encode(rspauth, MG_DIGEST_HASH_LEN, line + 8);
    if ((ret = cli_put_line(b64, strlen(b64))) == CLI_OK)
	ret = cli_put_line(line, strlen(line));
    free(b64);
    return (ret);
}

static int digest_respond(int argc, char **argv)
{
    struct mg_digest_response resp;
    unsigned char rspauth[MG_DIGEST_HASH_LEN];
    struct inputs in;
    int     ret;

    cli_prog = "md5gate digest-md5 respond";
    if ((ret = parse_args(argc, argv, RESPOND_USAGE, respond_help, &in, 1)) != CLI_OK)
	return (ret < 0 ? cli_finish_output() : ret);
    mg_digest_response_init(&resp);
    if ((ret = compute(&in, argv[optind], &resp, rspauth)) == CLI_OK)
	ret = print_response(&resp, rspauth);
    mg_cleanse(rspauth, sizeof(rspauth));
    mg_digest_response_free(&resp);
    return (ret == CLI_OK ? cli_finish_output() : ret);
}

static int digest_check(int argc, char **argv)
{
    struct mg_digest_response resp;
    struct mg_digest_rspauth got;
    unsigned char expect[MG_DIGEST_HASH_LEN];
    struct inputs in;
    struct mg_error err;
    unsigned char *text = 0;
    size_t  len;
    int     ret;

    cli_prog = "md5gate digest-md5 check-rspauth";
    if ((ret = parse_args(argc, argv, CHECK_USAGE, check_help, &in, 2)) != CLI_OK)
	return (ret < 0 ? cli_finish_output() : ret);
    if (in.cnonce == 0)
	return (cli_usage_error(CHECK_USAGE, "--cnonce is required: the one the "
				"response was made with"));
    if ((ret = cli_wire_input("RSPAUTH", argv[optind + 1], in.raw, &text, &len)) != CLI_OK)
	return (ret);
    mg_digest_response_init(&resp);
    if ((ret = compute(&in, argv[optind], &resp, expect)) == CLI_OK) {
	if (mg_digest_parse_rspauth((const char *) text, len, &got, &err) != MG_OK)
	    ret = cli_error(CLI_NEGATIVE, "server failed mutual authentication: %s",
			    err.reason);
	else if (!mg_equal_ct(got.rspauth, expect, sizeof(expect)))
	    ret = cli_error(CLI_NEGATIVE, "server failed mutual authentication: "
			    "rspauth does not match (wrong server, password, or "
			    "inputs other than the response's)");
	mg_cleanse(&got, sizeof(got));
    }
    mg_cleanse(expect, sizeof(expect));
    mg_digest_response_free(&resp);
    free(text);
    return (ret == CLI_OK ? cli_finish_output() : ret);
}

int     cli_digest(int argc, char **argv)
{
    cli_prog = "md5gate digest-md5";
    if (argc < 2)
	return (cli_usage_error(0, "no digest-md5 command given (respond or "
				"check-rspauth)"));
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
	return (cli_help(group_help));
    if (strcmp(argv[1], "respond") == 0)
	return (digest_respond(argc - 1, argv + 1));
    if (strcmp(argv[1], "check-rspauth") == 0)
	return (digest_check(argc - 1, argv + 1));
    return (cli_usage_error(0, "unknown digest-md5 command \"%s\"", argv[1]));
}
