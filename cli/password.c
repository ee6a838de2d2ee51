/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	password 3
/* SUMMARY
/*	read a password for the md5gate command
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_password_get(file, confirm, pw)
/*
/*	void	cli_password_free(pw)
/* DESCRIPTION
/*	A password on the command line is visible to every user of the
/*	machine (ps, /proc) and lands in shell history, so md5gate takes
/*	it only from:
/*
/*	file	a file, or standard input when file is "-". It must hold one
/*		line; one trailing newline (LF or CRLF) is removed. Anything
/*		after that line is an error rather than silently ignored.
/*
/*	a terminal
/*		when file is null and standard input is a terminal: a prompt
/*		on standard error, read with echo off; with confirm set, the
/*		password is asked twice and must match.
/*
/*	Empty passwords, passwords with a NUL byte and passwords longer
/*	than CLI_PASSWORD_MAX bytes are refused.
/*
/*	cli_password_free() erases the buffer.
/* DIAGNOSTICS
/*	Returns CLI_OK or CLI_TROUBLE after an error message (which never
/*	contains the password).
/*--*/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "mg_util.h"

 /*
  * Read at most size bytes; stop at end of file.
  */
static ssize_t read_some(int fd, unsigned char *buf, size_t size)
{
    size_t  got = 0;
    ssize_t n;

    while (got < size) {
	n = read(fd, buf + got, size - got);
	if (n < 0 && errno == EINTR)
	    continue;
	if (n < 0)
	    return (-1);
	if (n == 0)
	    break;
	got += (size_t) n;
    }
    return ((ssize_t) got);
}

static int check_password(const char *source, struct cli_password *pw)
{
    if (pw->len == 0)
	return (cli_error(CLI_TROUBLE, "%s: empty password", source));
    if (pw->len > CLI_PASSWORD_MAX)
	return (cli_error(CLI_TROUBLE, "%s: password is longer than %d bytes",
			  source, CLI_PASSWORD_MAX));
    if (memchr(pw->data, 0, pw->len) != 0)
	return (cli_error(CLI_TROUBLE, "%s: password contains a NUL byte", source));
    return (CLI_OK);
}

 /*
  * One line: the data up to the first newline, which must be the last
  * byte read. A buffer filled to the brim without a newline holds a
  * password that is too long.
  */
static int one_line(const char *source, struct cli_password *pw, size_t got)
{
    unsigned char *nl = memchr(pw->data, '\n', got);

    if (nl != 0 && (size_t) (nl - pw->data) != got - 1)
	return (cli_error(CLI_TROUBLE, "%s: more than one line; the password "
			  "must be the only line", source));
    pw->len = nl ? (size_t) (nl - pw->data) : got;
    if (nl && pw->len > 0 && pw->data[pw->len - 1] == '\r')
	pw->len--;
    if (nl == 0 && got == sizeof(pw->data))
	pw->len = CLI_PASSWORD_MAX + 1;
    return (check_password(source, pw));
}

static int from_file(const char *file, struct cli_password *pw)
{
    const char *source = strcmp(file, "-") == 0 ? "standard input" : file;
    int     fd = strcmp(file, "-") == 0 ? STDIN_FILENO : open(file, O_RDONLY);
    ssize_t got;
    int     saved_errno;

    if (fd < 0)
	return (cli_error(CLI_TROUBLE, "cannot open password file %s: %s",
			  file, strerror(errno)));
    got = read_some(fd, pw->data, sizeof(pw->data));
    saved_errno = errno;
    if (fd != STDIN_FILENO)
	close(fd);
    if (got < 0)
	return (cli_error(CLI_TROUBLE, "cannot read %s: %s", source,
			  strerror(saved_errno)));
    return (one_line(source, pw, (size_t) got));
}

/* Terminal prompts, with echo restored on every way out. */

static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

static void restore_tty(void)
{
    if (tty_changed) {
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	tty_changed = 0;
    }
}

static void on_signal(int sig)
{
    restore_tty();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int prompt_once(const char *prompt, struct cli_password *pw)
{
    struct termios quiet;
    ssize_t got;

    if (tcgetattr(STDIN_FILENO, &saved_tty) < 0)
	return (cli_error(CLI_TROUBLE, "cannot read the terminal settings: %s",
			  strerror(errno)));
    quiet = saved_tty;
    quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHOE | ECHOK | ECHONL);
    quiet.c_lflag |= ICANON;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    signal(SIGTSTP, SIG_IGN);
    tty_changed = 1;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) < 0) {
	tty_changed = 0;
	return (cli_error(CLI_TROUBLE, "cannot turn off echo: %s", strerror(errno)));
    }
    fputs(prompt, stderr);
    fflush(stderr);
    /* Canonical mode: one read returns one line. */
    do {
	got = read(STDIN_FILENO, pw->data, sizeof(pw->data));
    } while (got < 0 && errno == EINTR);
    restore_tty();
    fputc('\n', stderr);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGTSTP, SIG_DFL);
    if (got < 0)
	return (cli_error(CLI_TROUBLE, "cannot read the password: %s", strerror(errno)));
    return (one_line("terminal", pw, (size_t) got));
}

static int from_terminal(int confirm, struct cli_password *pw)
{
    struct cli_password again;
    int     ret;

    if ((ret = prompt_once("Password: ", pw)) != CLI_OK || !confirm)
	return (ret);
    memset(&again, 0, sizeof(again));
    if ((ret = prompt_once("Again (for verification): ", &again)) == CLI_OK
	&& (again.len != pw->len || !mg_equal_ct(again.data, pw->data, pw->len)))
	ret = cli_error(CLI_TROUBLE, "passwords do not match");
    cli_password_free(&again);
    return (ret);
}

int     cli_password_get(const char *file, int confirm, struct cli_password *pw)
{
    int     ret;

    memset(pw, 0, sizeof(*pw));
    if (file != 0)
	ret = from_file(file, pw);
    else if (isatty(STDIN_FILENO))
	ret = from_terminal(confirm, pw);
    else
	ret = cli_error(CLI_TROUBLE, "no password: give --password-file FILE "
			"(- for standard input), or run on a terminal to be asked");
    if (ret != CLI_OK)
	cli_password_free(pw);
    return (ret);
}

void    cli_password_free(struct cli_password *pw)
{
    mg_cleanse(pw->data, sizeof(pw->data));
    pw->len = 0;
}
