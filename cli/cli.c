/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cli 3
/* SUMMARY
/*	error reporting and output of the md5gate command
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	const char *cli_prog;
/*
/*	int	cli_error(status, fmt, ...)
/*
/*	int	cli_usage_error(usage, fmt, ...)
/*
/*	int	cli_option_error(usage, ch, argv)
/*
/*	int	cli_help(text)
/*
/*	int	cli_report(status, mech, err)
/*
/*	int	cli_put_line(data, len)
/*
/*	int	cli_finish_output()
/*
/*	void	cli_print_escaped(fp, data, len)
/*
/*	size_t	cli_safe_text(s, len, out, size)
/*
/*	FILE	*cli_open_regular(path)
/*
/*	int	cli_wire_input(what, arg, raw, out, outlen)
/* DESCRIPTION
/*	cli_error() prints "cli_prog: message" on stderr and returns status.
/*	cli_usage_error() does the same and adds a pointer to --help; it
/*	returns CLI_TROUBLE. cli_option_error() is the usage error for
/*	what getopt_long() (with a leading ":" in its option string)
/*	returned for an option it could not take: ':' for a missing value,
/*	anything else for an unknown option. cli_help() prints a help text
/*	on stdout.
/*
/*	cli_report() prints a core error the way the plugin would hand it
/*	to libsasl2 ("MECH: reason").
/*
/*	cli_put_line() writes data and a newline on stdout;
/*	cli_finish_output() flushes stdout and reports a failed write (a
/*	full disk or a closed pipe must not look like success).
/*
/*	cli_print_escaped() prints bytes a peer chose for a human, by the
/*	rules of cli_safe_text() below (one escaper for the whole command),
/*	so that peer data can neither drive nor reorder the terminal.
/*
/*	cli_safe_text() copies text a peer chose for a terminal: printable
/*	ASCII and UTF-8 characters as they are, a backslash doubled, C0 and
/*	C1 control characters and DEL as \xHH or \u{HHHH}, bidirectional
/*	and invisible formatting characters (which could reorder or hide
/*	what is printed around them) as \u{HHHH}, invalid UTF-8 bytes as
/*	\xHH. It returns the number of characters the text takes on the
/*	screen, and never cuts an escape or a character in two.
/*
/*	cli_open_regular() opens a file for reading only when it is a
/*	regular file: a device or a FIFO could be read for ever, and the
/*	open does not wait for a FIFO's writer. Errors are reported; it then
/*	returns a null pointer.
/*
/*	cli_wire_input() turns a command-line argument into the bytes that
/*	travel on the wire: base64-decoded, or as given with --raw.
/*--*/
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <getopt.h>
#include <unistd.h>

#include "cli.h"

const char *cli_prog = "md5gate";

static void vreport(const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", cli_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int     cli_error(int status, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    return (status);
}

int     cli_usage_error(const char *usage, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    if (usage)
	fprintf(stderr, "usage: %s\n", usage);
    fprintf(stderr, "Try '%s --help' for more information.\n", cli_prog);
    return (CLI_TROUBLE);
}

int     cli_option_error(const char *usage, int ch, char **argv)
{
    if (ch == ':')
	return (cli_usage_error(usage, "option %s needs a value", argv[optind - 1]));
    return (cli_usage_error(usage, "unknown option %s", argv[optind - 1]));
}

int     cli_help(const char *text)
{
    fputs(text, stdout);
    return (cli_finish_output());
}

int     cli_report(int status, const char *mech, const struct mg_error *err)
{
    return (cli_error(status, "%s: %s", mech, err->reason));
}

int     cli_put_line(const char *data, size_t len)
{
    if (fwrite(data, 1, len, stdout) != len || putchar('\n') == EOF)
	return (cli_error(CLI_TROUBLE, "cannot write to standard output: %s",
			  strerror(errno)));
    return (CLI_OK);
}

int     cli_finish_output(void)
{
    if (fflush(stdout) == EOF || ferror(stdout))
	return (cli_error(CLI_TROUBLE, "cannot write to standard output: %s",
			  strerror(errno)));
    return (CLI_OK);
}

 /*
  * The length of the valid UTF-8 sequence at s (shortest form, no
  * surrogates, at most U+10FFFF) and its code point; 0 when invalid.
  */
static size_t utf8_char(const unsigned char *s, size_t n, unsigned long *cp)
{
    size_t  len, i;
    unsigned long c;

    if (s[0] < 0x80) {
	*cp = s[0];
	return (1);
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
	len = 2, c = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
	len = 3, c = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
	len = 4, c = s[0] & 0x07;
    else
	return (0);
    if (n < len)
	return (0);
    for (i = 1; i < len; i++) {
	if ((s[i] & 0xc0) != 0x80)
	    return (0);
	c = (c << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff
	|| (c >= 0xd800 && c <= 0xdfff))
	return (0);
    *cp = c;
    return (len);
}

 /*
  * Characters that are safe bytes yet unsafe text: C1 controls, and the
  * formatting characters that reorder (bidirectional overrides and
  * isolates) or hide (zero-width, separators) what is printed around
  * them.
  */
static int unsafe_char(unsigned long c)
{
    return ((c >= 0x80 && c <= 0x9f) || c == 0xad || c == 0x061c
	    || (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e)
	    || (c >= 0x2060 && c <= 0x206f) || c == 0xfeff
	    || (c >= 0xfff9 && c <= 0xfffb));
}

 /*
  * One character of peer text, made safe: the escape (or the character
  * itself) in esc, its length in *elen; returns the number of input
  * bytes it took. esc must hold 16 bytes.
  */
static size_t safe_char(const unsigned char *p, size_t len, char *esc, size_t *elen)
{
    unsigned long c;
    size_t  n;

    n = utf8_char(p, len, &c);
    if (n == 0) {
	*elen = (size_t) snprintf(esc, 16, "\\x%02x", *p);
	n = 1;
    } else if (c < 0x20 || c == 0x7f) {
	*elen = (size_t) snprintf(esc, 16, "\\x%02lx", c);
    } else if (c == '\\') {
	*elen = (size_t) snprintf(esc, 16, "\\\\");
    } else if (unsafe_char(c)) {
	*elen = (size_t) snprintf(esc, 16, "\\u{%04lx}", c);
    } else {
	memcpy(esc, p, n);
	*elen = n;
    }
    return (n);
}

size_t  cli_safe_text(const char *s, size_t len, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *) s;
    char    esc[16];
    size_t  o = 0, width = 0, n, elen;

    if (size == 0)
	return (0);
    while (len > 0) {
	n = safe_char(p, len, esc, &elen);
	if (o + elen >= size)
	    break;
	memcpy(out + o, esc, elen);
	o += elen;
	/* An escape takes a column per byte; a character, one column. */
	width += (elen != n || n == 1) ? elen : 1;
	p += n;
	len -= n;
    }
    out[o] = 0;
    return (width);
}

 /*
  * The same rules as cli_safe_text(), for text of any length: one
  * escaper for everything the command prints that a peer chose.
  */
void    cli_print_escaped(FILE *fp, const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *) data;
    char    esc[16];
    size_t  n, elen;

    while (len > 0) {
	n = safe_char(p, len, esc, &elen);
	fwrite(esc, 1, elen, fp);
	p += n;
	len -= n;
    }
}

FILE   *cli_open_regular(const char *path)
{
    struct stat st;
    FILE   *fp;
    int     fd;

    if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
	cli_error(CLI_TROUBLE, "%s: cannot open: %s", path, strerror(errno));
	return (0);
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
	cli_error(CLI_TROUBLE, "%s: not a regular file", path);
	close(fd);
	return (0);
    }
    if ((fp = fdopen(fd, "r")) == 0) {
	cli_error(CLI_TROUBLE, "%s: cannot read: %s", path, strerror(errno));
	close(fd);
    }
    return (fp);
}

int     cli_wire_input(const char *what, const char *arg, int raw,
		               unsigned char **out, size_t *outlen)
{
    struct mg_error err;
    size_t  len = strlen(arg);

    if (raw) {
	if ((*out = malloc(len + 1)) == 0)
	    return (cli_error(CLI_TROUBLE, "out of memory"));
	memcpy(*out, arg, len + 1);
	*outlen = len;
	return (CLI_OK);
    }
    if (strncmp(arg, "334 ", 4) == 0)
	return (cli_error(CLI_TROUBLE, "%s starts with \"334 \": give only the "
			  "base64 text after it", what));
    if (cli_b64_decode(arg, len, out, outlen, &err) != MG_OK)
	return (cli_error(CLI_TROUBLE, "%s is not valid base64: %s", what, err.reason));
    return (CLI_OK);
}
