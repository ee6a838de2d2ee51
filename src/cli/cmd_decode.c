/*++
/* NAME
/*	cmd_decode 3
/* SUMMARY
/*	md5gate decode
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_decode(argc, argv)
/* DESCRIPTION
/*	md5gate decode [--as KIND] [--raw] MESSAGE shows a CRAM-MD5 or
/*	DIGEST-MD5 message: a first line naming what it is, then one
/*	directive per line as name=value (quoted when it was quoted on the
/*	wire, control characters as \xHH). The message is then checked by
/*	md5gate's own parsers, and a refusal is reported exactly as the
/*	plugin reports it ("DIGEST-MD5: ..."), with exit status 1.
/*
/*	Without --as, the kind is told from the text: "rspauth=" starts a
/*	server's final DIGEST-MD5 message, "<" a CRAM-MD5 challenge, a
/*	directive list with username or response a DIGEST-MD5 response,
/*	one with nonce a DIGEST-MD5 challenge, and "user SP 32 hex digits"
/*	a CRAM-MD5 response.
/*--*/
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cram.h"
#include "digest/digest.h"
#include "mg_util.h"

#define USAGE "md5gate decode [--as KIND] [--raw] MESSAGE"

static const char help[] =
"usage: " USAGE "\n"
"\n"
"Show a CRAM-MD5 or DIGEST-MD5 message (base64, as on the wire) one directive\n"
"per line, and check it the way md5gate's plugin does. Exit 1 when the\n"
"plugin would refuse it.\n"
"\n"
"  --as KIND   what the message is: cram-challenge, cram-response,\n"
"              digest-challenge, digest-response or rspauth (default: guess)\n"
"  --raw       MESSAGE is decoded text, not base64\n"
"  --help      show this text\n";

enum kind {
    K_GUESS,
    K_CRAM_CHALLENGE,
    K_CRAM_RESPONSE,
    K_DIGEST_CHALLENGE,
    K_DIGEST_RESPONSE,
    K_RSPAUTH,
};

static const char *const kind_names[] = {
    "", "cram-challenge", "cram-response", "digest-challenge",
    "digest-response", "rspauth",
};

static const char *const kind_titles[] = {
    "", "CRAM-MD5 challenge", "CRAM-MD5 response", "DIGEST-MD5 challenge",
    "DIGEST-MD5 response", "DIGEST-MD5 rspauth",
};

static void print_value(const char *value, size_t len, int quoted)
{
    size_t  i;
    unsigned char ch;

    if (quoted)
	putchar('"');
    for (i = 0; i < len; i++) {
	ch = (unsigned char) value[i];
	if (ch < 0x20 || ch == 0x7f)
	    printf("\\x%02x", ch);
	else if (quoted && (ch == '"' || ch == '\\'))
	    printf("\\%c", ch);
	else
	    putchar(ch);
    }
    if (quoted)
	putchar('"');
}

static void print_pair(const char *name, size_t name_len, const char *value,
		               size_t value_len, int quoted)
{
    print_value(name, name_len, 0);
    putchar('=');
    print_value(value, value_len, quoted);
    putchar('\n');
}

 /*
  * Walk the directives once: to guess the kind (print == 0) or to print
  * them. Returns -1 when the text is not a directive list at all.
  */
static int walk_directives(const char *text, size_t len, int print, enum kind *kind)
{
    struct mg_digest_lexer lx;
    struct mg_digest_directive dir;
    struct mg_error err;
    char   *buf = malloc(len + 1);
    int     has_user = 0, has_nonce = 0, count = 0, ret = 0;

    if (buf == 0 || mg_digest_lex_init(&lx, text, len, buf, len + 1, &err) != MG_OK) {
	free(buf);
	return (-1);
    }
    while ((ret = mg_digest_lex_next(&lx, &dir, &err)) == MG_OK && dir.name) {
	count++;
	if (print)
	    print_pair(dir.name, dir.name_len, dir.value, dir.value_len, dir.quoted);
	if ((dir.name_len == 8 && strncasecmp(dir.name, "username", 8) == 0)
	    || (dir.name_len == 8 && strncasecmp(dir.name, "response", 8) == 0))
	    has_user = 1;
	if (dir.name_len == 5 && strncasecmp(dir.name, "nonce", 5) == 0)
	    has_nonce = 1;
    }
    mg_cleanse(buf, len + 1);
    free(buf);
    if (ret != MG_OK || count == 0)
	return (-1);
    if (kind)
	*kind = has_user ? K_DIGEST_RESPONSE : has_nonce ? K_DIGEST_CHALLENGE : K_GUESS;
    return (0);
}

static int looks_like_cram_response(const char *text, size_t len)
{
    const char *space = 0;
    size_t  i;

    for (i = len; i > 0 && space == 0; i--)
	if (text[i - 1] == ' ')
	    space = text + i - 1;
    if (space == 0 || (size_t) (text + len - space - 1) != MG_CRAM_HEX_LEN)
	return (0);
    for (i = 1; i <= MG_CRAM_HEX_LEN; i++)
	if (!isxdigit((unsigned char) space[i]))
	    return (0);
    return (1);
}

static enum kind guess(const char *text, size_t len)
{
    enum kind kind = K_GUESS;

    if (len >= 8 && strncasecmp(text, "rspauth=", 8) == 0)
	return (K_RSPAUTH);
    if (len > 0 && text[0] == '<')
	return (K_CRAM_CHALLENGE);
    if (walk_directives(text, len, 0, &kind) == 0 && kind != K_GUESS)
	return (kind);
    if (looks_like_cram_response(text, len))
	return (K_CRAM_RESPONSE);
    return (K_GUESS);
}

static int check_cram(enum kind kind, const char *text, size_t len)
{
    struct mg_cram_response resp;
    struct mg_error err;
    char    hex[MG_CRAM_HEX_LEN + 1];

    if (kind == K_CRAM_CHALLENGE) {
	if (mg_cram_check_challenge(text, len, &err) != MG_OK)
	    return (cli_report(CLI_NEGATIVE, "CRAM-MD5", &err));
	puts(kind_titles[kind]);
	print_pair("challenge", 9, text, len, 0);
	return (CLI_OK);
    }
    if (mg_cram_parse_response(text, len, &resp, &err) != MG_OK)
	return (cli_report(CLI_NEGATIVE, "CRAM-MD5", &err));
    mg_hex_encode(resp.digest, sizeof(resp.digest), hex);
    puts(kind_titles[kind]);
    print_pair("user", 4, resp.user, resp.user_len, 0);
    print_pair("digest", 6, hex, strlen(hex), 0);
    return (CLI_OK);
}

static int check_digest(enum kind kind, const char *text, size_t len)
{
    struct mg_digest_challenge chal;
    struct mg_digest_response resp;
    struct mg_digest_rspauth rsp;
    struct mg_error err;
    enum mg_code code;

    mg_digest_challenge_init(&chal);
    mg_digest_response_init(&resp);
    switch (kind) {
    case K_DIGEST_CHALLENGE:
	if ((code = mg_digest_parse_challenge(text, len, &chal, &err)) == MG_OK)
	    code = mg_digest_validate_challenge(&chal, MG_DIGEST_QOP_AUTH, &err);
	break;
    case K_DIGEST_RESPONSE:
	code = mg_digest_parse_response(text, len, &resp, &err);
	break;
    default:
	code = mg_digest_parse_rspauth(text, len, &rsp, &err);
	break;
    }
    mg_digest_challenge_free(&chal);
    mg_digest_response_free(&resp);
    if (code != MG_OK)
	return (cli_report(CLI_NEGATIVE, "DIGEST-MD5", &err));
    puts(kind_titles[kind]);
    walk_directives(text, len, 1, 0);
    return (CLI_OK);
}

static enum kind kind_by_name(const char *name)
{
    size_t  i;

    for (i = K_CRAM_CHALLENGE; i <= K_RSPAUTH; i++)
	if (strcmp(name, kind_names[i]) == 0)
	    return ((enum kind) i);
    return (K_GUESS);
}

int     cli_decode(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"as", required_argument, 0, 'a'},
	{"raw", no_argument, 0, 'r'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    enum kind kind = K_GUESS;
    unsigned char *text = 0;
    size_t  len;
    int     raw = 0, ch, ret;

    cli_prog = "md5gate decode";
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", longopts, 0)) != -1) {
	switch (ch) {
	case 'a':
	    if ((kind = kind_by_name(optarg)) == K_GUESS)
		return (cli_usage_error(USAGE, "unknown kind \"%s\"", optarg));
	    break;
	case 'r':
	    raw = 1;
	    break;
	case 'h':
	    return (cli_help(help));
	case ':':
	    return (cli_usage_error(USAGE, "option %s needs a value", argv[optind - 1]));
	default:
	    return (cli_usage_error(USAGE, "unknown option %s", argv[optind - 1]));
	}
    }
    if (argc - optind != 1)
	return (cli_usage_error(USAGE, "give exactly one MESSAGE"));
    if ((ret = cli_wire_input("MESSAGE", argv[optind], raw, &text, &len)) != CLI_OK)
	return (ret);
    if (kind == K_GUESS && (kind = guess((const char *) text, len)) == K_GUESS)
	ret = cli_error(CLI_NEGATIVE, "not a CRAM-MD5 or DIGEST-MD5 message that "
			"md5gate recognises; say what it is with --as");
    else if (kind == K_CRAM_CHALLENGE || kind == K_CRAM_RESPONSE)
	ret = check_cram(kind, (const char *) text, len);
    else
	ret = check_digest(kind, (const char *) text, len);
    free(text);
    return (ret == CLI_OK ? cli_finish_output() : ret);
}
