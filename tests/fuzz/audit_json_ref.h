/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The JSON audit record as json-c writes it: the reference that
 * mg_audit_format_json() (src/audit.c, which writes the bytes itself)
 * must match byte for byte. Included by tests/check_audit.c and the
 * audit fuzz target; it builds the record as a json-c object and
 * serialises it with JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
 * the form the audit file has always had. Its UTF-8 check follows
 * Unicode Table 3-7, written apart from audit.c's decoder.
 */
#ifndef AUDIT_JSON_REF_H
#define AUDIT_JSON_REF_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "audit.h"

 /*
  * Length of the well-formed UTF-8 sequence at s, 0 if there is none.
  */
static size_t ref_utf8_len(const unsigned char *s)
{
    unsigned char lo = 0x80, hi = 0xbf;
    size_t  n, i;

    if (*s < 0x80)
	return (1);
    if (*s >= 0xc2 && *s <= 0xdf)
	n = 1;
    else if (*s == 0xe0)
	n = 2, lo = 0xa0;
    else if ((*s >= 0xe1 && *s <= 0xec) || *s == 0xee || *s == 0xef)
	n = 2;
    else if (*s == 0xed)
	n = 2, hi = 0x9f;
    else if (*s == 0xf0)
	n = 3, lo = 0x90;
    else if (*s >= 0xf1 && *s <= 0xf3)
	n = 3;
    else if (*s == 0xf4)
	n = 3, hi = 0x8f;
    else
	return (0);
    if (s[1] < lo || s[1] > hi)
	return (0);
    for (i = 2; i <= n; i++)
	if (s[i] < 0x80 || s[i] > 0xbf)
	    return (0);
    return (n + 1);
}

 /*
  * A json-c string of s, every byte of an invalid sequence as the text
  * \xNN.
  */
static json_object *ref_json_text(const char *s)
{
    const unsigned char *p = (const unsigned char *) s;
    char    clean[4 * MG_AUDIT_NAME_MAX + 1];
    size_t  n = 0, seq;

    while (*p && n + 4 < sizeof(clean)) {
	if ((seq = ref_utf8_len(p)) == 0) {
	    snprintf(clean + n, 5, "\\x%02x", *p);
	    n += 4;
	    p++;
	} else {
	    memcpy(clean + n, p, seq);
	    n += seq;
	    p += seq;
	}
    }
    return (json_object_new_string_len(clean, (int) n));
}

static void ref_jstr(json_object *obj, const char *key, const char *value)
{
    json_object_object_add(obj, key, value ? ref_json_text(value) : 0);
}

static void ref_jtri(json_object *obj, const char *key, int value)
{
    json_object_object_add(obj, key, value == MG_TRI_NA ? 0 :
			   json_object_new_boolean(value));
}

static const char *ref_nonempty(const char *s)
{
    return (s && *s ? s : 0);
}

 /*
  * The record and its newline into buf; the length, or 0 when it does
  * not fit.
  */
static size_t ref_audit_json(const struct mg_audit_event *ev, const char *version,
			             char *buf, size_t size)
{
    json_object *obj = json_object_new_object();
    const char *text;
    char    when[64];
    struct tm tm;
    size_t  n;

    gmtime_r(&ev->ended_at.tv_sec, &tm);
    snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	     tm.tm_sec, ev->ended_at.tv_nsec / 1000000);
    ref_jstr(obj, "time", when);
    ref_jstr(obj, "side", ev->side);
    ref_jstr(obj, "mech", ev->mech);
    ref_jstr(obj, "outcome", mg_outcome_name(ev->outcome));
    ref_jstr(obj, "reason", ref_nonempty(ev->reason));
    ref_jstr(obj, "service", ref_nonempty(ev->service));
    ref_jstr(obj, "server_fqdn", ref_nonempty(ev->server_fqdn));
    ref_jstr(obj, "remote_addr", ev->remote_addr);
    ref_jstr(obj, "remote_port", ev->remote_port);
    ref_jstr(obj, "local_addr", ev->local_addr);
    ref_jstr(obj, "local_port", ev->local_port);
    ref_jstr(obj, "authid", ref_nonempty(ev->authid));
    ref_jstr(obj, "account", ref_nonempty(ev->account));
    ref_jstr(obj, "authzid", ref_nonempty(ev->authzid));
    ref_jstr(obj, "realm", ev->has_realm ? ev->realm : 0);
    ref_jtri(obj, "realm_offered", ev->realm_offered);
    ref_jstr(obj, "uri_host", ref_nonempty(ev->uri_host));
    ref_jtri(obj, "uri_host_matched", ev->uri_host_matched);
    ref_jstr(obj, "qop", ev->qop);
    ref_jstr(obj, "cipher", ev->cipher);
    ref_jstr(obj, "final_reply", ev->final_reply);
    ref_jstr(obj, "secret", ev->secret);
    ref_jstr(obj, "rule", ref_nonempty(ev->rule));
    ref_jtri(obj, "enforced", ev->enforced);
    json_object_object_add(obj, "duration_ms", json_object_new_int64(ev->duration_ms));
    ref_jstr(obj, "version", version);
    text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN
					  | JSON_C_TO_STRING_NOSLASHESCAPE);
    n = strlen(text);
    if (n + 2 > size) {
	json_object_put(obj);
	return (0);
    }
    memcpy(buf, text, n);
    buf[n++] = '\n';
    buf[n] = 0;
    json_object_put(obj);
    return (n);
}

#endif
