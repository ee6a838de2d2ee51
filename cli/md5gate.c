/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	md5gate 1
/* SUMMARY
/*	CRAM-MD5 and DIGEST-MD5 by hand, stored secrets, installation checks
/* SYNOPSIS
/*	md5gate COMMAND [ARGS...]
/*	md5gate --help | --version
/* DESCRIPTION
/*	The entry point: picks the subcommand by its first word and hands it
/*	the rest of the arguments. md5gate(1) (doc/md5gate.1) is the manual;
/*	the help texts here are short reminders of it.
/*--*/
#include <string.h>

#include "config.h"
#include "cli.h"

static const char usage[] =
"usage: md5gate COMMAND [ARGS...]\n"
"\n"
"Commands:\n"
"  cram-md5 respond        compute a CRAM-MD5 client response\n"
"  digest-md5 respond      compute a DIGEST-MD5 response and the expected rspauth\n"
"  digest-md5 check-rspauth  check a server's DIGEST-MD5 rspauth\n"
"  decode                  show a challenge or response, directive by directive\n"
"  secret                  print the stored secret of a password\n"
"  passwd                  store hashed secrets in a sasldb\n"
"  doctor                  check a libsasl2/Postfix installation for md5gate\n"
"  test-login              log in once as a device would, against smtpd's setup\n"
"  lockout list|clear|prune  show, clear or prune failure counters and locks\n"
"  policy check|explain    validate the policy, or show what it decides\n"
#ifdef MG_WITH_PROBE
"  probe URL               will a device work against this mail server, and why not\n"
#else
"  probe URL               (not in this md5gate: built with --disable-probe)\n"
#endif
"  audit tail|summary      show the audit records, or who logged in from where\n"
"\n"
"Passwords are never taken from the command line: use --password-file FILE\n"
"(- for standard input) or answer the prompt on a terminal.\n"
"Exit status: 0 success, 1 negative answer, 2 error.\n"
"'md5gate COMMAND --help' describes a command; md5gate(1) has the details.\n";

struct command {
    const char *name;
    int     (*run) (int, char **);
};

static const struct command commands[] = {
    {"cram-md5", cli_cram},
    {"digest-md5", cli_digest},
    {"decode", cli_decode},
    {"secret", cli_secret},
    {"passwd", cli_passwd},
    {"doctor", cli_doctor},
    {"test-login", cli_test_login},
    {"lockout", cli_lockout},
    {"policy", cli_policy},
    {"probe", cli_probe},
    {"audit", cli_audit},
};

int     main(int argc, char **argv)
{
    size_t  i;

    if (argc < 2)
	return (cli_usage_error(0, "no command given"));
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
	|| strcmp(argv[1], "help") == 0)
	return (cli_help(usage));
    if (strcmp(argv[1], "--version") == 0) {
	cli_put_line(PACKAGE_STRING, strlen(PACKAGE_STRING));
	return (cli_finish_output());
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
	if (strcmp(argv[1], commands[i].name) == 0)
	    return (commands[i].run(argc - 1, argv + 1));
    return (cli_usage_error(0, "unknown command \"%s\"", argv[1]));
}
