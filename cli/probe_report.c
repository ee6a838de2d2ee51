/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	probe_report 3
/* SUMMARY
/*	md5gate probe: the verdict, its reasons, the table and the JSON
/* SYNOPSIS
/*	#include "cli/probe.h"
/*
/*	int	probe_report(res, json)
/* DESCRIPTION
/*	probe_report() decides: the device works when it gets a session
/*	(its TLS, or none), the server offers one of its mechanisms there,
/*	the login with the mechanism it would choose succeeds (when one was
/*	tried) and the server would relay (when asked). Otherwise it fails,
/*	and each reason names what the device lacks or what went wrong, and
/*	what to do.
/*
/*	It prints a table, or with json one object: verdict, reasons, notes,
/*	tls (version: "accepted" or the refusal), starttls, mechanisms
/*	(before_tls, after_tls), session, auth (mechanism: result), relay.
/*	Returns CLI_OK (works), CLI_NEGATIVE (fails) or CLI_TROUBLE when the
/*	output cannot be written.
/*--*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "probe.h"

#define RELAY_ADVICE	"put a relay in front, see the home-relay example"

struct verdict {
    char    reasons[PROBE_REASONS_MAX][2 * PROBE_TEXT_MAX];
    int     reason_count;
    char    notes[PROBE_REASONS_MAX][2 * PROBE_TEXT_MAX];
    int     note_count;
};

static void add(char list[][2 * PROBE_TEXT_MAX], int *count, const char *fmt, va_list ap)
{
    if (*count < PROBE_REASONS_MAX)
	vsnprintf(list[(*count)++], sizeof(list[0]), fmt, ap);
}

static void reason(struct verdict *v, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));
static void note(struct verdict *v, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));

static void reason(struct verdict *v, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    add(v->reasons, &v->reason_count, fmt, ap);
    va_end(ap);
}

static void note(struct verdict *v, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    add(v->notes, &v->note_count, fmt, ap);
    va_end(ap);
}

 /*
  * failure - a failed step in words.
  */
static void failure(const struct smtp_error *err, int timeout, char *out, size_t size)
{
    const char *d = err->detail;

    switch (err->kind) {
    case SMTP_FAIL_TIMEOUT:
	snprintf(out, size, "the server did not answer within %d s (%s)", timeout, d);
	break;
    case SMTP_FAIL_CLOSED:
	snprintf(out, size, "the server closed the connection (%s)", d);
	break;
    case SMTP_FAIL_PROTOCOL:
	snprintf(out, size, "the server sent a malformed reply (%s)", d);
	break;
    case SMTP_FAIL_GREETING:
	snprintf(out, size, "the server refuses the connection in its greeting (%s)", d);
	break;
    case SMTP_FAIL_EHLO:
	snprintf(out, size, "the server refuses EHLO (%s)", d);
	break;
    case SMTP_FAIL_STARTTLS:
	snprintf(out, size, "the server refuses STARTTLS (%s)", d);
	break;
    case SMTP_FAIL_CHALLENGE:
	snprintf(out, size, "the server sent a malformed challenge (%s)", d);
	break;
    case SMTP_FAIL_RSPAUTH:
	snprintf(out, size, "the server failed mutual authentication (%s): it does "
		 "not know the password, or something between alters the exchange", d);
	break;
    case SMTP_FAIL_AUTH_NEEDS_TLS:
	snprintf(out, size, "the server requires encryption before AUTH (%s)", d);
	break;
    default:
	snprintf(out, size, "%s", d);
	break;
    }
}

/* ---------------------------------------------------------------- verdict */

static int tls_index(int version)
{
    return (version - TLS1_VERSION);
}

static int in_range(const struct probe_device *dev, int version)
{
    return (dev->tls && version >= dev->tls_min && version <= dev->tls_max);
}

 /*
  * judge_tls - the device's TLS was refused: what the server wants.
  */
static void judge_tls(const struct probe_result *res, struct verdict *v)
{
    const struct probe_device *dev = &res->device;
    const struct probe_tls *low = 0, *high = 0, *refusal;
    int     i;

    for (i = 0; i < PROBE_TLS_VERSIONS; i++)
	if (res->tls[i].state == PROBE_TLS_ACCEPTED) {
	    if (low == 0)
		low = &res->tls[i];
	    high = &res->tls[i];
	}
    refusal = &res->tls[tls_index(low && low->version > dev->tls_max ? dev->tls_max
				  : dev->tls_min)];
    if (low && low->version > dev->tls_max)
	reason(v, "the server refuses TLS below %s (%s) and the device stops at TLS %s: %s",
	       smtp_tls_version_name(low->version), refusal->text,
	       smtp_tls_version_name(dev->tls_max), RELAY_ADVICE);
    else if (high && high->version < dev->tls_min)
	reason(v, "the server accepts TLS up to %s only and the device needs at least "
	       "TLS %s: %s", smtp_tls_version_name(high->version),
	       smtp_tls_version_name(dev->tls_min), RELAY_ADVICE);
    else if (low == 0)
	reason(v, "the server accepts none of TLS 1.0 to 1.3 (TLS %s: %s): check its "
	       "TLS settings", smtp_tls_version_name(dev->tls_max),
	       res->tls[tls_index(dev->tls_max)].text);
    else
	reason(v, "the TLS handshake fails (%s) although the server accepts TLS %s "
	       "alone: check the server's TLS settings", res->session_err.tls_reason,
	       smtp_tls_version_name(low->version));
}

static void judge_session(const struct probe_result *res, struct verdict *v)
{
    char    text[PROBE_TEXT_MAX + 128];
    const struct smtp_error *err = &res->session_err;

    if (err->kind == SMTP_FAIL_TLS) {
	judge_tls(res, v);
	return;
    }
    failure(err, res->timeout, text, sizeof(text));
    reason(v, "%s", text);
}

static void mech_list(const struct probe_device *dev, char *out, size_t size)
{
    int     i;

    *out = 0;
    for (i = 0; i < dev->mech_count; i++)
	snprintf(out + strlen(out), size - strlen(out), "%s%s",
		 i == 0 ? "" : i + 1 == dev->mech_count ? " or " : ", ", dev->mechs[i]);
}

 /*
  * judge_mechs - does the server offer a mechanism of the device where
  * the device would see it?
  */
static void judge_mechs(const struct probe_result *res, struct verdict *v)
{
    const struct probe_device *dev = &res->device;
    const struct smtp_caps *caps;
    char    wanted[128];
    int     i;

    if (res->session_ok)
	caps = &res->session_caps;
    else if (dev->tls && res->have_tls_caps)
	caps = &res->caps_tls;
    else if (res->have_plain)
	caps = &res->caps_plain;
    else
	return;
    for (i = 0; i < dev->mech_count; i++)
	if (smtp_caps_has(caps, dev->mechs[i]))
	    return;
    mech_list(dev, wanted, sizeof(wanted));
    if (!dev->tls && !caps->auth && res->have_tls_caps && res->caps_tls.auth)
	reason(v, "the server offers AUTH only after STARTTLS and the device has no TLS: %s",
	       RELAY_ADVICE);
    else if (!caps->auth)
	reason(v, "the server offers no AUTH: it takes mail without a login, or from "
	       "its own networks only");
    else
	reason(v, "the server does not offer %s (it offers %s): %s", wanted, caps->mechs,
	       RELAY_ADVICE);
}

static void judge_login(const struct probe_result *res, struct verdict *v)
{
    const struct probe_auth *a = 0;
    struct smtp_error err;
    char    text[PROBE_TEXT_MAX + 128];
    int     i;

    for (i = 0; i < res->device.mech_count; i++)
	if (res->auth[i].mech == res->chosen)
	    a = &res->auth[i];
    if (a != 0 && a->state == PROBE_AUTH_WITHHELD) {
	reason(v, "the %s login was not tried: the session has no TLS (the server "
	       "offers no STARTTLS, or something between removes it), and md5gate "
	       "probe sends credentials in the clear only with --allow-cleartext",
	       a->mech);
	return;
    }
    if (a == 0 || a->state != PROBE_AUTH_FAILED)
	return;
    if (a->unverified) {
	reason(v, "the %s login was not tried: the server's certificate does not "
	       "verify (%s): give --ca-file FILE for a private CA, or --no-verify "
	       "to send credentials to an unverified server", a->mech, a->text);
	return;
    }
    if (a->kind == SMTP_FAIL_CREDENTIALS) {
	reason(v, "the server rejects the credentials of user %s with %s (%s): check the "
	       "user name and the password", res->user, a->mech, a->text);
	return;
    }
    err.kind = a->kind;
    snprintf(err.detail, sizeof(err.detail), "%s", a->text);
    failure(&err, res->timeout, text, sizeof(text));
    reason(v, "the %s login fails: %s", a->mech, text);
}

static void judge(const struct probe_result *res, struct verdict *v)
{
    memset(v, 0, sizeof(*v));
    if (!res->session_ok)
	judge_session(res, v);
    if (res->greeted)
	judge_mechs(res, v);
    if (res->session_ok && res->chosen) {
	if (res->user == 0)
	    note(v, "no --user: the login with %s was not tried", res->chosen);
	judge_login(res, v);
    }
    if (res->relay_tried && !res->relay_ok)
	reason(v, "the server would not relay from %s to %s (%s)", res->env_from,
	       res->env_to, res->relay_text);
    if (res->session_ok && !*res->session_tls && res->chosen
	&& (strcmp(res->chosen, "PLAIN") == 0 || strcmp(res->chosen, "LOGIN") == 0))
	note(v, "the device would send its password in the clear (%s without TLS)",
	     res->chosen);
    if (!res->smtps && !res->starttls && res->have_plain)
	note(v, "the server does not offer STARTTLS");
}

/* ------------------------------------------------------------------ table */

static void tls_cell(const struct probe_result *res, const struct probe_tls *t,
		             char *out, size_t size)
{
    switch (t->state) {
    case PROBE_TLS_ACCEPTED:
	snprintf(out, size, "accepted");
	break;
    case PROBE_TLS_REFUSED:
	snprintf(out, size, "refused: %s", t->text);
	break;
    case PROBE_TLS_LOCAL:
	snprintf(out, size, "not tried: %s", t->text);
	break;
    default:
	snprintf(out, size, "not tried: %s", !res->greeted ? "no session"
		 : "no STARTTLS offered");
	break;
    }
}

static void auth_cell(const struct probe_auth *a, char *out, size_t size)
{
    switch (a->state) {
    case PROBE_AUTH_OK:
	snprintf(out, size, "ok (%s)", a->text);
	break;
    case PROBE_AUTH_FAILED:
	snprintf(out, size, "failed: %s", a->text);
	break;
    case PROBE_AUTH_NOT_TRIED:
	snprintf(out, size, "not tried");
	break;
    case PROBE_AUTH_WITHHELD:
	snprintf(out, size, "not tried: no TLS (credentials go in the clear only "
		 "with --allow-cleartext)");
	break;
    default:
	snprintf(out, size, "not offered");
	break;
    }
}

static const char *mechs_or_none(int known, const struct smtp_caps *caps)
{
    if (!known)
	return ("unknown");
    return (*caps->mechs ? caps->mechs : "none");
}

static void print_device(const struct probe_result *res)
{
    const struct probe_device *dev = &res->device;
    char    mechs[128] = "";
    int     i;

    for (i = 0; i < dev->mech_count; i++)
	snprintf(mechs + strlen(mechs), sizeof(mechs) - strlen(mechs), "%s%s",
		 i ? " " : "", dev->mechs[i]);
    printf("md5gate probe %s\n", res->url);
    if (dev->tls)
	printf("device       TLS %s to %s, %s, rspauth %s\n", smtp_tls_version_name(dev->tls_min),
	       smtp_tls_version_name(dev->tls_max), mechs,
	       dev->rspauth == SMTP_RSPAUTH_CHECK ? "checked" : "not checked");
    else
	printf("device       no TLS, %s, rspauth %s\n", mechs,
	       dev->rspauth == SMTP_RSPAUTH_CHECK ? "checked" : "not checked");
}

static void print_table(const struct probe_result *res, const struct verdict *v)
{
    char    cell[PROBE_TEXT_MAX + 64];
    int     i;

    print_device(res);
    for (i = 0; i < PROBE_TLS_VERSIONS; i++) {
	tls_cell(res, &res->tls[i], cell, sizeof(cell));
	printf("TLS %s%s     %s\n", smtp_tls_version_name(res->tls[i].version),
	       in_range(&res->device, res->tls[i].version) ? "*" : " ", cell);
    }
    printf("             (* the device's TLS versions)\n");
    if (!res->smtps)
	printf("STARTTLS     %s\n", !res->have_plain ? "unknown"
	       : res->starttls ? "offered" : "not offered");
    printf("AUTH         before TLS: %s; after TLS: %s\n",
	   res->smtps ? "-" : mechs_or_none(res->have_plain, &res->caps_plain),
	   mechs_or_none(res->have_tls_caps, &res->caps_tls));
    if (res->session_ok)
	printf("session      %s, would use %s\n", *res->session_tls ? res->session_tls
	       : "no TLS", res->chosen ? res->chosen : "no mechanism");
    else
	printf("session      failed: %s\n", res->session_err.detail);
    for (i = 0; i < res->device.mech_count; i++) {
	auth_cell(&res->auth[i], cell, sizeof(cell));
	printf("login        %-11s %s\n", res->auth[i].mech, cell);
    }
    if (res->relay_tried)
	printf("relay        %s -> %s: %s (%s)\n", res->env_from, res->env_to,
	       res->relay_ok ? "accepted" : "refused", res->relay_text);
    printf("verdict      %s\n", v->reason_count ? "fails" : "works");
    for (i = 0; i < v->reason_count; i++)
	printf("  - %s\n", v->reasons[i]);
    for (i = 0; i < v->note_count; i++)
	printf("  note: %s\n", v->notes[i]);
}

/* ------------------------------------------------------------------- JSON */

static json_object *caps_array(int known, const struct smtp_caps *caps)
{
    json_object *arr;
    char    copy[SMTP_MECHS_MAX], *tok, *save = 0;

    if (!known)
	return (0);
    arr = json_object_new_array();
    snprintf(copy, sizeof(copy), "%s", caps->mechs);
    for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(0, " ", &save))
	json_object_array_add(arr, json_object_new_string(tok));
    return (arr);
}

static json_object *strings(char list[][2 * PROBE_TEXT_MAX], int count)
{
    json_object *arr = json_object_new_array();
    int     i;

    for (i = 0; i < count; i++)
	json_object_array_add(arr, json_object_new_string(list[i]));
    return (arr);
}

static json_object *json_device(const struct probe_device *dev)
{
    json_object *obj = json_object_new_object(), *mechs = json_object_new_array();
    int     i;

    json_object_object_add(obj, "tls", json_object_new_boolean(dev->tls));
    json_object_object_add(obj, "tls_min", dev->tls ? json_object_new_string(
				    smtp_tls_version_name(dev->tls_min)) : 0);
    json_object_object_add(obj, "tls_max", dev->tls ? json_object_new_string(
				    smtp_tls_version_name(dev->tls_max)) : 0);
    for (i = 0; i < dev->mech_count; i++)
	json_object_array_add(mechs, json_object_new_string(dev->mechs[i]));
    json_object_object_add(obj, "mechs", mechs);
    json_object_object_add(obj, "rspauth", json_object_new_string(
			      dev->rspauth == SMTP_RSPAUTH_CHECK ? "check" : "ignore"));
    return (obj);
}

static json_object *json_tls(const struct probe_result *res)
{
    json_object *obj = json_object_new_object();
    char    cell[PROBE_TEXT_MAX + 64];
    int     i;

    for (i = 0; i < PROBE_TLS_VERSIONS; i++) {
	tls_cell(res, &res->tls[i], cell, sizeof(cell));
	json_object_object_add(obj, smtp_tls_version_name(res->tls[i].version),
			       json_object_new_string(cell));
    }
    return (obj);
}

static json_object *json_auth(const struct probe_result *res)
{
    json_object *obj = json_object_new_object();
    char    cell[PROBE_TEXT_MAX + 64];
    int     i;

    for (i = 0; i < res->device.mech_count; i++) {
	auth_cell(&res->auth[i], cell, sizeof(cell));
	json_object_object_add(obj, res->auth[i].mech, json_object_new_string(cell));
    }
    return (obj);
}

static json_object *json_session(const struct probe_result *res)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "ok", json_object_new_boolean(res->session_ok));
    json_object_object_add(obj, "tls", *res->session_tls
			   ? json_object_new_string(res->session_tls) : 0);
    json_object_object_add(obj, "mechanism", res->chosen
			   ? json_object_new_string(res->chosen) : 0);
    json_object_object_add(obj, "error", res->session_ok ? 0
			   : json_object_new_string(res->session_err.detail));
    return (obj);
}

static json_object *json_result(const struct probe_result *res, struct verdict *v)
{
    json_object *obj = json_object_new_object(), *mechs = json_object_new_object();
    json_object *relay = 0;

    json_object_object_add(obj, "url", json_object_new_string(res->url));
    json_object_object_add(obj, "verdict", json_object_new_string(v->reason_count
								 ? "fails" : "works"));
    json_object_object_add(obj, "reasons", strings(v->reasons, v->reason_count));
    json_object_object_add(obj, "notes", strings(v->notes, v->note_count));
    json_object_object_add(obj, "device", json_device(&res->device));
    json_object_object_add(obj, "tls", json_tls(res));
    json_object_object_add(obj, "starttls", res->smtps || !res->have_plain ? 0
			   : json_object_new_boolean(res->starttls));
    json_object_object_add(mechs, "before_tls", caps_array(res->have_plain, &res->caps_plain));
    json_object_object_add(mechs, "after_tls", caps_array(res->have_tls_caps, &res->caps_tls));
    json_object_object_add(obj, "mechanisms", mechs);
    json_object_object_add(obj, "session", json_session(res));
    json_object_object_add(obj, "auth", json_auth(res));
    if (res->relay_tried) {
	relay = json_object_new_object();
	json_object_object_add(relay, "accepted", json_object_new_boolean(res->relay_ok));
	json_object_object_add(relay, "reply", json_object_new_string(res->relay_text));
    }
    json_object_object_add(obj, "relay", relay);
    return (obj);
}

int     probe_report(const struct probe_result *res, int json)
{
    struct verdict *v = calloc(1, sizeof(*v));
    json_object *obj;
    int     ret;

    if (v == 0)
	return (cli_error(CLI_TROUBLE, "out of memory"));
    judge(res, v);
    if (json) {
	obj = json_result(res, v);
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN
					    | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
    } else {
	print_table(res, v);
    }
    ret = v->reason_count ? CLI_NEGATIVE : CLI_OK;
    free(v);
    if (cli_finish_output() != CLI_OK)
	return (CLI_TROUBLE);
    return (ret);
}
