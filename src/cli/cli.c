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
/*	int	cli_wire_input(what, arg, raw, out, outlen)
/* DESCRIPTION
/*	cli_error() prints "cli_prog: message" on stderr and returns status.
/*	cli_usage_error() does the same and adds a pointer to --help; it
/*	returns CLI_TROUBLE. cli_help() prints a help text on stdout.
/*
/*	cli_report() prints a core error the way the plugin would hand it
/*	to libsasl2 ("MECH: reason").
/*
/*	cli_put_line() writes data and a newline on stdout;
/*	cli_finish_output() flushes stdout and reports a failed write (a
/*	full disk or a closed pipe must not look like success).
/*
/*	cli_print_escaped() prints bytes for a human: printable ASCII and
/*	UTF-8 bytes as they are, control characters as \xHH, so that peer
/*	data can not drive the terminal.
/*
/*	cli_wire_input() turns a command-line argument into the bytes that
/*	travel on the wire: base64-decoded, or as given with --raw.
/*--*/
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

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

void    cli_print_escaped(FILE *fp, const char *data, size_t len)
{
    size_t  i;
    unsigned char ch;

    for (i = 0; i < len; i++) {
	ch = (unsigned char) data[i];
	if (ch < 0x20 || ch == 0x7f || ch == '\\')
	    fprintf(fp, ch == '\\' ? "\\\\" : "\\x%02x", ch);
	else
	    fputc(ch, fp);
    }
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
