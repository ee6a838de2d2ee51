/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	probe 3h
/* SUMMARY
/*	md5gate probe: what it found, shared by the run and the report
/* SYNOPSIS
/*	#include "cli/probe.h"
/* DESCRIPTION
/*	cmd_probe.c runs the probe and fills a struct probe_result;
/*	probe_report.c turns it into the verdict, its reasons, and the
/*	table or the JSON object. Every string here that came from the
/*	server is printable ASCII (smtp_printable()).
/*--*/
#ifndef MG_PROBE_H
#define MG_PROBE_H

#include "smtp_device.h"

#define PROBE_TLS_VERSIONS	4	/* 1.0, 1.1, 1.2, 1.3 */
#define PROBE_MECHS		4	/* CRAM-MD5, DIGEST-MD5, LOGIN, PLAIN */
#define PROBE_TEXT_MAX		SMTP_DETAIL_MAX
#define PROBE_REASONS_MAX	12

 /*
  * The device: what it can do.
  */
struct probe_device {
    int     tls;			/* 0: --no-tls */
    int     tls_min;			/* OpenSSL version numbers */
    int     tls_max;
    const char *mechs[PROBE_MECHS];	/* in its order of preference */
    int     mech_count;
    enum smtp_rspauth rspauth;
};

enum probe_tls_state {
    PROBE_TLS_UNTRIED = 0,		/* STARTTLS not offered, or not reached */
    PROBE_TLS_ACCEPTED,
    PROBE_TLS_REFUSED,
    PROBE_TLS_LOCAL,			/* this OpenSSL cannot offer it */
};

struct probe_tls {
    int     version;
    enum probe_tls_state state;
    char    text[PROBE_TEXT_MAX];	/* the refusal, or the cipher */
};

enum probe_auth_state {
    PROBE_AUTH_NOT_OFFERED = 0,
    PROBE_AUTH_NOT_TRIED,		/* no --user, or the session failed */
    PROBE_AUTH_OK,
    PROBE_AUTH_FAILED,
    PROBE_AUTH_WITHHELD,		/* no TLS: not sent without --allow-cleartext */
};

struct probe_auth {
    const char *mech;
    enum probe_auth_state state;
    enum smtp_fail kind;
    int     unverified;			/* FAILED: the certificate did not verify */
    char    text[PROBE_TEXT_MAX];
};

struct probe_result {
    const char *url;
    struct probe_device device;
    const char *user;			/* null: no login tried */
    const char *env_from;		/* null: no relay check */
    const char *env_to;
    int     timeout;			/* seconds */

    /* What the server says, whatever the device can do. */
    int     greeted;			/* a first session reached EHLO */
    int     smtps;
    int     starttls;			/* offered in the clear */
    int     have_plain;			/* caps_plain is known */
    struct smtp_caps caps_plain;
    int     have_tls_caps;
    struct smtp_caps caps_tls;
    struct probe_tls tls[PROBE_TLS_VERSIONS];

    /* The session the device gets. */
    int     session_ok;
    struct smtp_error session_err;
    char    session_tls[32];		/* "" without TLS */
    struct smtp_caps session_caps;
    const char *chosen;			/* the mechanism the device would use */

    struct probe_auth auth[PROBE_MECHS];
    int     relay_tried;
    int     relay_ok;
    char    relay_text[PROBE_TEXT_MAX];
};

extern int probe_report(const struct probe_result *, int json);

#endif
