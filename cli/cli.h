/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cli 3h
/* SUMMARY
/*	shared parts of the md5gate command
/* SYNOPSIS
/*	#include "cli/cli.h"
/* DESCRIPTION
/*	Each subcommand is a function that takes its own argument vector
/*	(argv[0] is the subcommand's name) and returns an exit status.
/*	Errors are reported with cli_error(): one line on stderr, prefixed
/*	with the command words, never containing a password.
/*--*/
#ifndef MG_CLI_H
#define MG_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "mg_error.h"

 /*
  * Exit status, as grep(1) has it: 0 all is well, 1 a negative answer (the
  * rspauth is wrong, the message is malformed, doctor found problems), 2
  * the command could not do its work (usage, unreadable input, I/O).
  */
#define CLI_OK		0
#define CLI_NEGATIVE	1
#define CLI_TROUBLE	2

 /*
  * The command words of the running subcommand, e.g. "md5gate cram-md5
  * respond", for error messages.
  */
extern const char *cli_prog;

extern int cli_error(int status, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));
extern int cli_option_error(const char *usage, int ch, char **argv);
extern int cli_usage_error(const char *usage, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));
extern int cli_help(const char *text);
extern int cli_report(int status, const char *mech, const struct mg_error *);
extern int cli_put_line(const char *data, size_t len);
extern int cli_finish_output(void);
extern void cli_print_escaped(FILE *, const char *data, size_t len);
extern size_t cli_safe_text(const char *s, size_t len, char *out, size_t size);
extern FILE *cli_open_regular(const char *path);

 /*
  * Passwords: never from the command line. A file (or "-" for standard
  * input) holding one line, the newline stripped; else a prompt without
  * echo when standard input is a terminal. The buffer is cleansed by
  * cli_password_free().
  */
#define CLI_PASSWORD_MAX	1024

struct cli_password {
    unsigned char data[CLI_PASSWORD_MAX + 3];	/* + CR LF + 1 more */
    size_t  len;
};

/*
  * A --password option exists only to refuse the value without echoing it
  * (GNU getopt would otherwise take --password as --password-file).
  */
#define CLI_OPTION_NO_PASSWORD	{"password", required_argument, 0, 'X'}
#define CLI_NO_PASSWORD_REASON	"passwords are not taken from the command line " \
	"(ps and shell history show them): use --password-file FILE"

extern int cli_password_get(const char *file, int confirm, struct cli_password *);
extern void cli_password_free(struct cli_password *);

 /*
  * Strict base64 (RFC 4648, no line breaks, canonical padding), through
  * OpenSSL. Decoded data is NUL-terminated; *out is freed by the caller.
  */
extern enum mg_code cli_b64_decode(const char *in, size_t len, unsigned char **out,
				           size_t *outlen, struct mg_error *);
extern char *cli_b64_encode(const void *in, size_t len);

 /*
  * An input that is base64 unless --raw was given: the bytes on the wire.
  */
extern int cli_wire_input(const char *what, const char *arg, int raw,
			          unsigned char **out, size_t *outlen);

 /*
  * Subcommands.
  */
extern int cli_cram(int argc, char **argv);
extern int cli_digest(int argc, char **argv);
extern int cli_decode(int argc, char **argv);
extern int cli_secret(int argc, char **argv);
extern int cli_passwd(int argc, char **argv);
extern int cli_doctor(int argc, char **argv);
extern int cli_lockout(int argc, char **argv);
extern int cli_policy(int argc, char **argv);
extern int cli_test_login(int argc, char **argv);
extern int cli_probe(int argc, char **argv);
extern int cli_audit(int argc, char **argv);

#endif
