/* SPDX-License-Identifier: BSD-2-Clause */
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
/*	wire, control characters as \xHH), as far as they can be read. The
/*	message is then checked by md5gate's own parsers, and a refusal is
/*	reported exactly as the plugin reports it ("DIGEST-MD5: ..."), with
/*	exit status 1: the directives come first, so that the reason can be
/*	read against them.
/*
/*	md5gate decode --transcript FILE reads an SMTP transcript (swaks
/*	output, or Postfix mail-log lines with the dialogue logged) through
/*	transcript(3) and decodes every step of every AUTH exchange in it:
/*	challenges, responses, rspauth, the empty reply, the client's "*"
/*	cancel and the server's verdict. Refusals are then printed in place,
/*	on standard output. Mechanisms other than CRAM-MD5 and DIGEST-MD5
/*	are named but not decoded (PLAIN and LOGIN carry the password).
/*
/*	Without --as, the kind is told from the text: "rspauth=" starts a
/*	server's final DIGEST-MD5 message, "<" a CRAM-MD5 challenge, a
/*	directive list with username or response a DIGEST-MD5 response,
/*	one with nonce a DIGEST-MD5 challenge, and "user SP 32 hex digits"
/*	a CRAM-MD5 response.
/*--*/
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "transcript.h"
#include "cram.h"
#include "digest/digest.h"
#include "mg_util.h"

#define USAGE "md5gate decode [--as KIND] [--raw] MESSAGE\n" \
	"       md5gate decode --transcript FILE"

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
"  --transcript FILE\n"
"              decode every AUTH exchange in FILE (- for standard input):\n"
"              swaks output, or Postfix mail-log lines with the SMTP\n"
"              dialogue logged (debug_peer_list); exit 1 when a message is\n"
"              malformed or an exchange has no end\n"
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

 /*
  * In a transcript every message is indented under its step, and a
  * refusal is printed in place rather than on stderr.
  */
static const char *indent = "";
static int in_transcript;

static int refuse(const char *mech, const struct mg_error *err)
{
    if (in_transcript) {
	printf("%srefused: %s: %s\n", indent, mech, err->reason);
	return (CLI_NEGATIVE);
    }
    fflush(stdout);
    return (cli_report(CLI_NEGATIVE, mech, err));
}

static void print_value(const char *value, size_t len, int quoted)
{
    char    safe[64];
    size_t  i, run;
    unsigned char ch;

    if (quoted)
	putchar('"');
    for (i = 0; i < len; i += run) {
	ch = (unsigned char) value[i];
	run = 1;
	if (ch >= 0x80) {
	    /* One UTF-8 character, escaped if a terminal would obey it. */
	    while (run < 4 && i + run < len && ((unsigned char) value[i + run] & 0xc0) == 0x80)
		run++;
	    cli_safe_text(value + i, run, safe, sizeof(safe));
	    fputs(safe, stdout);
	} else if (ch < 0x20 || ch == 0x7f)
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
    fputs(indent, stdout);
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

static void title(enum kind kind)
{
    printf("%s%s\n", indent, kind_titles[kind]);
}

 /*
  * What can be read of a CRAM-MD5 message comes first: the challenge as
  * it is, the user of a response (all before its last space).
  */
static int check_cram(enum kind kind, const char *text, size_t len)
{
    struct mg_cram_response resp;
    struct mg_error err;
    const char *space;
    char    hex[MG_CRAM_HEX_LEN + 1];

    title(kind);
    if (kind == K_CRAM_CHALLENGE) {
	print_pair("challenge", 9, text, len, 0);
	if (mg_cram_check_challenge(text, len, &err) != MG_OK)
	    return (refuse("CRAM-MD5", &err));
	return (CLI_OK);
    }
    if (mg_cram_parse_response(text, len, &resp, &err) != MG_OK) {
	for (space = text + len; space > text && space[-1] != ' '; space--)
	     /* void */ ;
	if (space > text)
	    print_pair("user", 4, text, (size_t) (space - 1 - text), 0);
	return (refuse("CRAM-MD5", &err));
    }
    mg_hex_encode(resp.digest, sizeof(resp.digest), hex);
    print_pair("user", 4, resp.user, resp.user_len, 0);
    print_pair("digest", 6, hex, strlen(hex), 0);
    return (CLI_OK);
}

 /*
  * The directives as far as the lexer reads them, then the parser's and
  * validator's verdict.
  */
static int check_digest(enum kind kind, const char *text, size_t len)
{
    struct mg_digest_challenge chal;
    struct mg_digest_response resp;
    struct mg_digest_rspauth rsp;
    struct mg_error err;
    enum mg_code code;

    title(kind);
    walk_directives(text, len, 1, 0);
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
	return (refuse("DIGEST-MD5", &err));
    return (CLI_OK);
}

static int check_message(enum kind kind, const char *text, size_t len)
{
    if (kind == K_CRAM_CHALLENGE || kind == K_CRAM_RESPONSE)
	return (check_cram(kind, text, len));
    return (check_digest(kind, text, len));
}

static enum kind kind_by_name(const char *name)
{
    size_t  i;

    for (i = K_CRAM_CHALLENGE; i <= K_RSPAUTH; i++)
	if (strcmp(name, kind_names[i]) == 0)
	    return ((enum kind) i);
    return (K_GUESS);
}

/* Transcripts. */

 /*
  * What a step of an exchange is, by mechanism and position: DIGEST-MD5's
  * second challenge is the rspauth; a client that answers it with more
  * than the empty line sends a response again.
  */
static enum kind step_kind(const struct tr_step *step)
{
    if (strcmp(step->mech, "CRAM-MD5") == 0)
	return (step->kind == TR_CHALLENGE ? K_CRAM_CHALLENGE : K_CRAM_RESPONSE);
    if (strcmp(step->mech, "DIGEST-MD5") == 0) {
	if (step->kind == TR_CHALLENGE)
	    return (step->index == 1 ? K_DIGEST_CHALLENGE : K_RSPAUTH);
	return (K_DIGEST_RESPONSE);
    }
    return (K_GUESS);
}

static void step_head(const struct tr_step *step, const char *who)
{
    printf("line %lu: %s", step->lineno, who);
}

static int decode_step(const struct tr_step *step)
{
    struct mg_error err;
    unsigned char *text = 0;
    size_t  len;
    enum kind kind = step_kind(step);
    int     ret;

    step_head(step, step->kind == TR_CHALLENGE ? "server:" : "client:");
    if (step->initial)
	printf(" (initial response)");
    if (kind == K_GUESS) {
	printf(" %s %s, not decoded%s\n", step->mech, step->kind == TR_CHALLENGE ?
	       "challenge" : "response", step->kind == TR_CHALLENGE ? "" :
	       " (it may carry a password)");
	return (CLI_OK);
    }
    if (cli_b64_decode(step->text, step->len, &text, &len, &err) != MG_OK) {
	printf(" not base64: %s\n", err.reason);
	return (CLI_NEGATIVE);
    }
    /* A client may answer rspauth with a full response; a server may err. */
    if (kind == K_DIGEST_RESPONSE && len >= 8 && strncasecmp((char *) text, "rspauth=", 8) == 0)
	kind = K_RSPAUTH;
    putchar('\n');
    indent = "    ";
    ret = check_message(kind, (const char *) text, len);
    indent = "";
    mg_cleanse(text, len);
    free(text);
    return (ret);
}

static int report_step(const struct tr_step *step, int *exchanges)
{
    char    safe[4 * 512 + 1];
    size_t  n;

    switch (step->kind) {
    case TR_NONE:
	return (CLI_OK);
    case TR_AUTH:
	++*exchanges;
	printf("\nline %lu: AUTH %s", step->lineno, step->mech);
	if (step->stream[0])
	    printf(" (%s)", step->stream);
	putchar('\n');
	return (CLI_OK);
    case TR_CHALLENGE:
	if (step->len == 0) {
	    step_head(step, "server: an empty challenge\n");
	    return (CLI_OK);
	}
	return (decode_step(step));
    case TR_RESPONSE:
	return (decode_step(step));
    case TR_EMPTY:
	step_head(step, "client: the empty reply");
	printf("%s\n", step->initial ? " (as the initial response, \"=\")" :
	       strcmp(step->mech, "DIGEST-MD5") == 0 && step->index == 2 ?
	       " (to the rspauth: the exchange is done)" : "");
	return (CLI_OK);
    case TR_CANCEL:
	step_head(step, "client: * (cancels the exchange)\n");
	return (CLI_OK);
    case TR_RESULT:
	n = step->len < 512 ? step->len : 512;
	cli_safe_text(step->text, n, safe, sizeof(safe));
	printf("line %lu: server: %d %s%s (%s)\n", step->lineno, step->code, safe,
	       n < step->len ? "..." : "", step->code == 235 ? "authenticated"
	       : step->code == 501 ? "cancelled or refused as malformed" : "refused");
	return (CLI_OK);
    case TR_UNFINISHED:
	printf("line %lu: the %s exchange%s%s%s has no end in the transcript\n",
	       step->lineno, step->mech, step->stream[0] ? " (" : "", step->stream,
	       step->stream[0] ? ")" : "");
	return (CLI_NEGATIVE);
    case TR_ERROR:
	printf("line %lu: not understood: %s\n", step->lineno, step->reason);
	return (CLI_NEGATIVE);
    }
    return (CLI_OK);
}

 /*
  * Lines of at most TR_LINE_MAX bytes; a longer one is read to its end
  * and handed over with its length, for tr_line() to refuse.
  */
static int decode_transcript(const char *path)
{
    static char line[TR_LINE_MAX + 2];
    struct tr_state st;
    struct tr_step steps[TR_STEPS_PER_LINE];
    FILE   *fp;
    size_t  len;
    int     ch, n, i, ret = CLI_OK, exchanges = 0, too_long;

    if (strcmp(path, "-") == 0)
	fp = stdin;
    else if ((fp = cli_open_regular(path)) == 0)
	return (CLI_TROUBLE);
    in_transcript = 1;
    tr_init(&st);
    for (;;) {
	if (fgets(line, sizeof(line), fp) == 0)
	    break;
	len = strlen(line);
	too_long = 0;
	if (len > 0 && line[len - 1] == '\n')
	    line[--len] = 0;
	else if (len == sizeof(line) - 1)
	    while ((ch = getc(fp)) != EOF && ch != '\n')
		too_long = 1;
	n = tr_line(&st, line, too_long ? TR_LINE_MAX + 1 : len, steps);
	for (i = 0; i < n; i++)
	    if (report_step(steps + i, &exchanges) != CLI_OK)
		ret = CLI_NEGATIVE;
    }
    if (ferror(fp))
	ret = cli_error(CLI_TROUBLE, "%s: cannot read: %s", path, strerror(errno));
    while (ret != CLI_TROUBLE && tr_finish(&st, steps))
	if (report_step(steps, &exchanges) != CLI_OK)
	    ret = CLI_NEGATIVE;
    if (fp != stdin)
	fclose(fp);
    if (ret != CLI_TROUBLE && exchanges == 0) {
	fflush(stdout);
	ret = cli_error(CLI_NEGATIVE, "no AUTH exchange in %s (swaks output, or mail-log "
			"lines with the SMTP dialogue)", path);
    }
    if (cli_finish_output() != CLI_OK)
	return (CLI_TROUBLE);
    return (ret);
}

int     cli_decode(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"as", required_argument, 0, 'a'},
	{"raw", no_argument, 0, 'r'},
	{"transcript", required_argument, 0, 't'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    enum kind kind = K_GUESS;
    unsigned char *text = 0;
    const char *transcript = 0;
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
	case 't':
	    transcript = optarg;
	    break;
	case 'h':
	    return (cli_help(help));
	default:
	    return (cli_option_error(USAGE, ch, argv));
	}
    }
    if (transcript) {
	if (argc != optind || raw || kind != K_GUESS)
	    return (cli_usage_error(USAGE, "--transcript takes no MESSAGE, --as or --raw"));
	return (decode_transcript(transcript));
    }
    if (argc - optind != 1)
	return (cli_usage_error(USAGE, "give exactly one MESSAGE"));
    if ((ret = cli_wire_input("MESSAGE", argv[optind], raw, &text, &len)) != CLI_OK)
	return (ret);
    if (kind == K_GUESS && (kind = guess((const char *) text, len)) == K_GUESS)
	ret = cli_error(CLI_NEGATIVE, "not a CRAM-MD5 or DIGEST-MD5 message that "
			"md5gate recognises; say what it is with --as");
    else
	ret = check_message(kind, (const char *) text, len);
    free(text);
    if (ret == CLI_OK)
	return (cli_finish_output());
    fflush(stdout);
    return (ret);
}
