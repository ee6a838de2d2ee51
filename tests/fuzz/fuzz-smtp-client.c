/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The device's SMTP client (cli/smtp_device.c, smtp_auth.c) against a
 * server whose every byte is the fuzzer's: the greeting, the EHLO reply
 * and the AUTH exchange of one mechanism. The first byte picks the
 * mechanism and how DIGEST-MD5's rspauth is treated; the rest is what
 * the server sends, all of it queued on a socket pair before the client
 * starts, the server's side then shut for writing (so the client never
 * waits: it reads to the end of the script at most).
 *
 * Whatever the script, the client returns; a failure has a kind and a
 * detail of printable ASCII; neither the detail nor the dialogue it
 * traces holds the password; a success ends with a 235 reply.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "cli/smtp_device.h"

 /*
  * A control byte in the password: peer text is made printable before it
  * is traced or reported, so the password can appear in neither unless
  * the client itself leaked it.
  */
static const char password[] = "Door\x01pass";

static void check_detail(const struct smtp_error *err)
{
    const char *p;

    FUZZ_ASSERT(err->kind != SMTP_FAIL_NONE, "failure without a kind: %s", err->detail);
    for (p = err->detail; *p; p++)
	FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f, "byte 0x%02x in \"%s\"", (unsigned char) *p,
		    err->detail);
    FUZZ_ASSERT(strstr(err->detail, password) == 0, "password in the detail");
}

static int queue_script(int fd, const uint8_t *data, size_t size)
{
    ssize_t n;

    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
	return (-1);
    while (size > 0 && (n = write(fd, data, size)) > 0) {
	data += n;
	size -= (size_t) n;
    }
    return (shutdown(fd, SHUT_WR));
}

static void run_client(struct smtp_conn *c, const char *mech, enum smtp_rspauth rspauth)
{
    struct smtp_account acct;
    struct smtp_digest_trace trace;
    struct smtp_reply r;
    struct smtp_caps caps;
    struct smtp_error err;

    memset(&err, 0, sizeof(err));
    if (smtp_read_reply(c, &r, "waiting for the greeting", &err) < 0
	|| smtp_command(c, &r, "after EHLO", &err, "EHLO fuzz.test") < 0) {
	check_detail(&err);
	return;
    }
    smtp_caps_parse(&r, &caps);
    memset(&acct, 0, sizeof(acct));
    acct.user = "doorphone";
    acct.password = (const unsigned char *) password;
    acct.password_len = sizeof(password) - 1;
    acct.host = "mx.fuzz.test";
    acct.rspauth = rspauth;
    memset(&trace, 0, sizeof(trace));
    if (smtp_auth(c, mech, &acct, &r, &trace, &err) < 0)
	check_detail(&err);
    else
	FUZZ_ASSERT(r.code == 235, "AUTH succeeded with reply %d", r.code);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *mechs[] = {"CRAM-MD5", "DIGEST-MD5", "LOGIN", "PLAIN"};
    static const enum smtp_rspauth modes[] = {
	SMTP_RSPAUTH_CHECK, SMTP_RSPAUTH_EMPTY, SMTP_RSPAUTH_ECHO,
    };
    struct smtp_conn c;
    char   *dialogue = 0;
    size_t  dialogue_len = 0;
    int     sv[2];

    if (size == 0 || size > 60000 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
	return (0);
    memset(&c, 0, sizeof(c));
    c.fd = sv[0];
    c.timeout_ms = 1000;
    c.trace = open_memstream(&dialogue, &dialogue_len);
    if (c.trace == 0 || queue_script(sv[1], data + 1, size - 1) < 0
	|| fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK) < 0) {
	fprintf(stderr, "fuzz-smtp-client: setup: %s\n", strerror(errno));
	abort();
    }
    run_client(&c, mechs[data[0] % 4], modes[(data[0] / 4) % 3]);
    smtp_close(&c);
    close(sv[1]);
    fclose(c.trace);
    FUZZ_ASSERT(dialogue_len == 0 || memmem(dialogue, dialogue_len, password,
					    sizeof(password) - 1) == 0,
		"password in the dialogue");
    free(dialogue);
    return (0);
}
