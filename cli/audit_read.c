/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	audit_read 3
/* SUMMARY
/*	reading md5gate's audit file back
/* SYNOPSIS
/*	#include "cli/audit_read.h"
/*
/*	void	ar_lines_init(lines, src)
/*
/*	enum ar_line_status ar_next_line(lines, final)
/*
/*	int	ar_parse_record(line, len, rec, why, size)
/*
/*	const char *ar_account(rec)
/*
/*	const char *ar_real_outcome(rec, audit_only)
/*
/*	int	ar_parse_since(arg, now, out, size)
/* DESCRIPTION
/*	The audit file holds one JSON object per line (audit(3)); these
/*	functions read it back for "md5gate audit". Everything in it may
/*	have come from a peer, so nothing is trusted: lines are bounded,
/*	every field is checked for its type and length, and text goes to a
/*	terminal only through cli_safe_text().
/*
/*	ar_next_line() splits the source into lines of at most AR_LINE_MAX
/*	bytes; a longer line is skipped and reported as AR_LINE_TOO_LONG.
/*	At the end of the source a last line without its newline is
/*	returned when final is set; otherwise it is kept until more data
/*	comes (a record being written, for "tail -f").
/*
/*	ar_parse_record() reads one line with json-c. It returns 1, or 0
/*	with a specific reason in why (not JSON, not an object, a field of
/*	the wrong type or length, a time that is not md5gate's, an unknown
/*	side or outcome). Unknown fields are ignored: newer writers may add
/*	some. ar_account() is the record's canonical identity ("account"),
/*	else its authid. ar_real_outcome() is what happened: in audit-only
/*	mode a record says policy-denied or locked-out, enforced false, and
/*	its reason says what really happened ("authenticated" or an
/*	outcome); audit_only is then set.
/*	Text goes to a terminal through cli_safe_text() (cli(3)).
/*
/*	ar_parse_since() turns a --since argument into the time string it
/*	is compared with: records' times are fixed-width UTC, so string
/*	order is time order.
/*--*/
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "audit_read.h"

void    ar_lines_init(struct ar_lines *lines, struct ar_source src)
{
    lines->src = src;
    lines->pos = lines->end = 0;
    lines->len = 0;
    lines->line[0] = 0;
    lines->overflow = 0;
    lines->partial = 0;
    lines->taken = 0;
    lines->lineno = 0;
}

static enum ar_line_status take_line(struct ar_lines *lines)
{
    enum ar_line_status status = lines->overflow ? AR_LINE_TOO_LONG : AR_LINE;

    lines->line[lines->len] = 0;
    lines->lineno++;
    lines->overflow = 0;
    lines->taken = 1;
    return (status);
}

enum ar_line_status ar_next_line(struct ar_lines *lines, int final)
{
    unsigned char *nl;
    size_t  n, room;
    ssize_t got;

    if (lines->taken) {
	lines->taken = 0;
	lines->len = 0;
	lines->line[0] = 0;
    }
    for (;;) {
	if (lines->pos == lines->end) {
	    got = lines->src.read(lines->src.ctx, lines->buf, sizeof(lines->buf));
	    if (got < 0)
		return (AR_LINE_ERROR);
	    if (got == 0) {
		if (final && (lines->len > 0 || lines->overflow)) {
		    lines->partial = 1;
		    return (take_line(lines));
		}
		return (AR_LINE_END);
	    }
	    lines->pos = 0;
	    lines->end = (size_t) got;
	}
	nl = memchr(lines->buf + lines->pos, '\n', lines->end - lines->pos);
	n = (nl ? (size_t) (nl - lines->buf) : lines->end) - lines->pos;
	room = AR_LINE_MAX - lines->len;
	if (n > room || lines->overflow) {
	    lines->overflow = 1;
	    lines->len = 0;
	} else {
	    memcpy(lines->line + lines->len, lines->buf + lines->pos, n);
	    lines->len += n;
	}
	lines->pos += n;
	if (nl) {
	    lines->pos++;
	    lines->partial = 0;
	    return (take_line(lines));
	}
    }
}

/* Records. */

static int why_(char *why, size_t size, const char *fmt,...)
	__attribute__((format(printf, 3, 4)));

static int why_(char *why, size_t size, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return (0);
}

 /*
  * A string field: absent and null are empty; anything but a string, a
  * NUL inside it, or more than size - 1 bytes is refused.
  */
static int text_field(json_object *obj, const char *key, char *out, size_t size,
		              int required, char *why, size_t why_size)
{
    json_object *val;
    const char *s;
    size_t  len;

    out[0] = 0;
    if (!json_object_object_get_ex(obj, key, &val) || val == 0) {
	if (required)
	    return (why_(why, why_size, "field \"%s\" is missing", key));
	return (1);
    }
    if (!json_object_is_type(val, json_type_string))
	return (why_(why, why_size, "field \"%s\" is not a string", key));
    s = json_object_get_string(val);
    len = (size_t) json_object_get_string_len(val);
    if (len >= size)
	return (why_(why, why_size, "field \"%s\" is longer than %zu bytes", key, size - 1));
    if (memchr(s, 0, len) != 0)
	return (why_(why, why_size, "field \"%s\" holds a NUL character", key));
    if (required && len == 0)
	return (why_(why, why_size, "field \"%s\" is empty", key));
    memcpy(out, s, len);
    out[len] = 0;
    return (1);
}

static int tri_field(json_object *obj, const char *key, int *out, char *why, size_t size)
{
    json_object *val;

    *out = AR_TRI_NA;
    if (!json_object_object_get_ex(obj, key, &val) || val == 0)
	return (1);
    if (!json_object_is_type(val, json_type_boolean))
	return (why_(why, size, "field \"%s\" is not true, false or null", key));
    *out = json_object_get_boolean(val) ? 1 : 0;
    return (1);
}

 /*
  * md5gate writes "YYYY-MM-DDThh:mm:ss.mmmZ", which sorts as it reads.
  */
static int valid_time(const char *t)
{
    static const char form[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    size_t  i;

    if (strlen(t) != sizeof(form) - 1)
	return (0);
    for (i = 0; form[i]; i++)
	if (form[i] == 'd' ? !isdigit((unsigned char) t[i]) : t[i] != form[i])
	    return (0);
    return (1);
}

static const char *const outcomes[] = {
    "success", "bad-credentials", "unknown-user", "malformed", "replay",
    "policy-denied", "locked-out", "aborted", "internal-error",
    "server-auth-failed", 0,
};

static int known_outcome(const char *name)
{
    int     i;

    for (i = 0; outcomes[i]; i++)
	if (strcmp(outcomes[i], name) == 0)
	    return (1);
    return (0);
}

struct text_spec {
    const char *key;
    size_t  offset;
    size_t  size;
    int     required;
};

#define TEXT(key, req) {#key, offsetof(struct ar_record, key), \
	sizeof(((struct ar_record *) 0)->key), req}

static const struct text_spec text_specs[] = {
    TEXT(time, 1), TEXT(side, 1), TEXT(mech, 1), TEXT(outcome, 1),
    TEXT(account, 0), TEXT(authid, 0), TEXT(authzid, 0), TEXT(realm, 0),
    TEXT(remote_addr, 0), TEXT(remote_port, 0), TEXT(local_addr, 0),
    TEXT(local_port, 0), TEXT(service, 0), TEXT(reason, 0), TEXT(rule, 0),
    TEXT(qop, 0), TEXT(final_reply, 0), TEXT(secret, 0),
};

static int record_fields(json_object *obj, struct ar_record *rec, char *why, size_t size)
{
    size_t  i;

    for (i = 0; i < sizeof(text_specs) / sizeof(text_specs[0]); i++)
	if (!text_field(obj, text_specs[i].key, (char *) rec + text_specs[i].offset,
			text_specs[i].size, text_specs[i].required, why, size))
	    return (0);
    if (!tri_field(obj, "enforced", &rec->enforced, why, size)
	|| !tri_field(obj, "tls", &rec->tls, why, size))
	return (0);
    if (!valid_time(rec->time))
	return (why_(why, size, "field \"time\" is not YYYY-MM-DDThh:mm:ss.mmmZ"));
    if (strcmp(rec->side, "server") != 0 && strcmp(rec->side, "client") != 0)
	return (why_(why, size, "field \"side\" is neither server nor client"));
    if (!known_outcome(rec->outcome))
	return (why_(why, size, "field \"outcome\" is not an outcome md5gate writes"));
    return (1);
}

int     ar_parse_record(const char *line, size_t len, struct ar_record *rec,
			        char *why, size_t size)
{
    struct json_tokener *tok;
    json_object *obj;
    enum json_tokener_error jerr;
    int     ok;

    memset(rec, 0, sizeof(*rec));
    rec->enforced = rec->tls = AR_TRI_NA;
    if (len == 0)
	return (why_(why, size, "empty line"));
    if (len > AR_LINE_MAX)
	return (why_(why, size, "line longer than %d bytes", AR_LINE_MAX));
    /* A record is flat: an object of plain values. */
    if ((tok = json_tokener_new_ex(2)) == 0)
	return (why_(why, size, "out of memory"));
    /* md5gate writes valid UTF-8 only (audit(3)). */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, line, (int) len);
    jerr = json_tokener_get_error(tok);
    if (obj == 0 || jerr != json_tokener_success) {
	ok = why_(why, size, "not JSON: %s", jerr == json_tokener_continue ?
		  "the line ends inside the object" : json_tokener_error_desc(jerr));
    } else if ((size_t) json_tokener_get_parse_end(tok) != len
	       && strspn(line + json_tokener_get_parse_end(tok), " \t\r")
	       != len - json_tokener_get_parse_end(tok)) {
	ok = why_(why, size, "text after the JSON object");
    } else if (!json_object_is_type(obj, json_type_object)) {
	ok = why_(why, size, "not a JSON object");
    } else {
	ok = record_fields(obj, rec, why, size);
    }
    json_object_put(obj);
    json_tokener_free(tok);
    return (ok);
}

const char *ar_account(const struct ar_record *rec)
{
    return (rec->account[0] ? rec->account : rec->authid);
}

 /*
  * "audit-only: RULE would refuse; authenticated" or "...; OUTCOME[: why]".
  */
const char *ar_real_outcome(const struct ar_record *rec, int *audit_only)
{
    static const char marker[] = " would refuse; ";
    const char *what;
    size_t  i, n;

    *audit_only = 0;
    if (rec->enforced != 0 || strncmp(rec->reason, "audit-only: ", 12) != 0
	|| (what = strstr(rec->reason, marker)) == 0)
	return (rec->outcome);
    *audit_only = 1;
    what += sizeof(marker) - 1;
    if (strcmp(what, "authenticated") == 0)
	return ("success");
    n = strcspn(what, ":");
    for (i = 0; outcomes[i]; i++)
	if (strlen(outcomes[i]) == n && strncmp(outcomes[i], what, n) == 0)
	    return (outcomes[i]);
    return (rec->outcome);
}

/* --since. */

static int fixed_digits(const char *s, size_t n, int *out)
{
    size_t  i;

    *out = 0;
    for (i = 0; i < n; i++) {
	if (!isdigit((unsigned char) s[i]))
	    return (0);
	*out = *out * 10 + (s[i] - '0');
    }
    return (1);
}

static int absolute_since(const char *arg, char *out, size_t size)
{
    int     y, mo, d, h = 0, mi = 0, sec = 0;
    size_t  len = strlen(arg);

    if ((len != 10 && len != 16 && len != 19)
	|| !fixed_digits(arg, 4, &y) || arg[4] != '-' || !fixed_digits(arg + 5, 2, &mo)
	|| arg[7] != '-' || !fixed_digits(arg + 8, 2, &d))
	return (0);
    if (len > 10 && ((arg[10] != 'T' && arg[10] != ' ') || !fixed_digits(arg + 11, 2, &h)
		     || arg[13] != ':' || !fixed_digits(arg + 14, 2, &mi)))
	return (0);
    if (len > 16 && (arg[16] != ':' || !fixed_digits(arg + 17, 2, &sec)))
	return (0);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
	return (0);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", y, mo, d, h, mi, sec);
    return (1);
}

int     ar_parse_since(const char *arg, long long now, char *out, size_t size)
{
    static const struct {
	char    unit;
	long    seconds;
    }       units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
    size_t  len = strlen(arg), i;
    long long n = 0;
    time_t  when;
    struct tm tm;

    if (size < sizeof("YYYY-MM-DDThh:mm:ss.mmmZ"))
	return (0);
    if (absolute_since(arg, out, size))
	return (1);
    if (len < 2 || len > 8)
	return (0);
    for (i = 0; i < len - 1; i++) {
	if (!isdigit((unsigned char) arg[i]))
	    return (0);
	n = n * 10 + (arg[i] - '0');
    }
    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
	if (arg[len - 1] == units[i].unit)
	    break;
    if (i == sizeof(units) / sizeof(units[0]))
	return (0);
    when = (time_t) (now - n * units[i].seconds);
    if (gmtime_r(&when, &tm) == 0)
	return (0);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900,
	     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return (1);
}
