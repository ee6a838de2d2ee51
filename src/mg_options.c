/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	mg_options 3
/* SUMMARY
/*	md5gate's options in the application's SASL configuration
/* SYNOPSIS
/*	#include "mg_options.h"
/*
/*	const struct mg_sasl_option mg_sasl_options[];
/*
/*	const struct mg_sasl_option *mg_sasl_option_find(name)
/*
/*	enum mg_code mg_sasl_option_check(opt, value, err)
/*
/*	int	mg_sasl_option_bool(value, out)
/*
/*	int	mg_sasl_option_ciphers(value, ciphers)
/* DESCRIPTION
/*	The options md5gate reads from the application's SASL configuration
/*	(for Postfix's smtpd, smtpd.conf), listed in mg_sasl_options[] (the
/*	list ends with a null name), with the plugin name the plugin asks
/*	for each under and the kind of value each takes. The plugin checks
/*	every one at initialisation, and a value that is not understood
/*	disables its mechanisms like an error in its configuration file: a
/*	typing error must never silently leave a default in force.
/*
/*	mg_sasl_option_check() returns MG_OK when value is a valid value of
/*	option, else MG_BADPARAM with a reason that starts with "option
/*	NAME: " and says what it expects. A value that is empty or only
/*	white space is refused for every kind: an option that is given
/*	has a value; unset, it means the default. Nothing of value beyond 40 bytes
/*	is quoted, and only printable ASCII (anything else shows as "?").
/*
/*	mg_sasl_option_bool() reads yes/no as Cyrus spells them (yes, no,
/*	true, false, on, off, 1, 0, y, n, t, f, in any case). It returns 1
/*	with *out set, or 0 for anything else.
/*
/*	mg_sasl_option_ciphers() reads a list of DIGEST-MD5 ciphers (3des
/*	des rc4 rc4-56 rc4-40, separated by white space or commas), or none
/*	alone. It returns 1 with *ciphers the MG_DIGEST_CIPHER_* mask (0 for
/*	none), or 0 for anything else.
/* LIMITS
/*	md5gate_digest_realms and md5gate_digest_hosts hold at most 16 names
/*	of at most 255 bytes each (a DIGEST-MD5 challenge offers at most 16
/*	realms, the application's own among them); md5gate_policy is a path
/*	of at most 1024 bytes.
/*--*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "digest/digest.h"
#include "mg_options.h"

const struct mg_sasl_option mg_sasl_options[] = {
    {"md5gate_policy", "md5gate", MG_SASL_OPT_PATH},
    {"md5gate_digest_realms", "DIGEST-MD5", MG_SASL_OPT_NAMES},
    {"md5gate_digest_realm_strict", "DIGEST-MD5", MG_SASL_OPT_BOOL},
    {"md5gate_digest_hosts", "DIGEST-MD5", MG_SASL_OPT_NAMES},
    {"md5gate_digest_uri_strict", "DIGEST-MD5", MG_SASL_OPT_BOOL},
    {"md5gate_digest_final_reply", "DIGEST-MD5", MG_SASL_OPT_FINAL_REPLY},
    {"md5gate_digest_weak_ciphers", "DIGEST-MD5", MG_SASL_OPT_BOOL},
    {"md5gate_digest_ciphers", "DIGEST-MD5", MG_SASL_OPT_CIPHERS},
    {0, 0, 0},
};

const struct mg_sasl_option *mg_sasl_option_find(const char *name)
{
    const struct mg_sasl_option *opt;

    for (opt = mg_sasl_options; name && opt->name; opt++)
	if (strcmp(opt->name, name) == 0)
	    return (opt);
    return (0);
}

int     mg_sasl_option_bool(const char *value, int *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1", "y", "t", 0};
    static const char *const no[] = {"no", "false", "off", "0", "n", "f", 0};
    int     i;

    for (i = 0; value && yes[i]; i++) {
	if (strcasecmp(value, yes[i]) == 0) {
	    *out = 1;
	    return (1);
	}
	if (strcasecmp(value, no[i]) == 0) {
	    *out = 0;
	    return (1);
	}
    }
    return (0);
}

int     mg_sasl_option_ciphers(const char *value, unsigned *ciphers)
{
    const char *word;
    unsigned mask = 0, bit;
    size_t  len;
    int     words = 0, none = 0;

    if (value == 0)
	return (0);
    for (word = mg_word_next(value, &len); len > 0; word = mg_word_next(word + len, &len)) {
	words++;
	if (len == 4 && strncasecmp(word, "none", 4) == 0)
	    none = 1;
	else if ((bit = mg_flag_lookup(mg_digest_cipher_names, word, len)) != 0)
	    mask |= bit;
	else
	    return (0);
    }
    if (words == 0 || (none && words > 1))
	return (0);
    *ciphers = mask;
    return (1);
}

static enum mg_code bad(struct mg_error *err, const struct mg_sasl_option *opt,
		                const char *fmt,...)
	__attribute__((format(printf, 3, 4)));

static enum mg_code bad(struct mg_error *err, const struct mg_sasl_option *opt,
		                const char *fmt,...)
{
    char    what[MG_REASON_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return (mg_fail(err, MG_BADPARAM, "option %s: %s", opt->name, what));
}

 /*
  * At most 40 bytes of a value, for a message, in plain printable ASCII
  * (a log line stays one line; reasons are ASCII, see mg_error(3)).
  */
static const char *quotable(const char *value, char *buf, size_t size)
{
    size_t  i;

    for (i = 0; value[i] && i + 1 < size && i < 40; i++)
	buf[i] = ((unsigned char) value[i] < 0x20 || (unsigned char) value[i] > 0x7e) ?
	    '?' : value[i];
    buf[i] = 0;
    return (buf);
}

static int has_controls(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++)
	if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
	    return (1);
    return (0);
}

static enum mg_code check_names(const struct mg_sasl_option *opt, const char *value,
				        struct mg_error *err)
{
    const char *word;
    size_t  len;
    int     count = 0;

    if (has_controls(value, strlen(value)))
	return (bad(err, opt, "a control character in the value"));
    for (word = mg_word_next(value, &len); len > 0; word = mg_word_next(word + len, &len)) {
	if (++count > MG_SASL_OPTION_NAMES_MAX)
	    return (bad(err, opt, "more than %d names", MG_SASL_OPTION_NAMES_MAX));
	if (len > MG_SASL_OPTION_NAME_LEN)
	    return (bad(err, opt, "a name longer than %d bytes", MG_SASL_OPTION_NAME_LEN));
    }
    if (count == 0)
	return (bad(err, opt, "no name in the value"));
    return (MG_OK);
}

enum mg_code mg_sasl_option_check(const struct mg_sasl_option *opt, const char *value,
				          struct mg_error *err)
{
    char    quoted[48];
    unsigned ciphers;
    int     flag;

    if (opt == 0 || value == 0)
	return (mg_fail(err, MG_BADPARAM, "mg_sasl_option_check: null argument"));
    if (value[strspn(value, " \t\r\n")] == 0)
	return (bad(err, opt, "no value (leave the option out for its default)"));
    switch (opt->kind) {
    case MG_SASL_OPT_PATH:
	if (value[0] != '/')
	    return (bad(err, opt, "\"%s\" is not an absolute path",
			quotable(value, quoted, sizeof(quoted))));
	if (strlen(value) > MG_SASL_OPTION_PATH_MAX || has_controls(value, strlen(value)))
	    return (bad(err, opt, "not a path of at most %d bytes without control "
			"characters", MG_SASL_OPTION_PATH_MAX));
	return (MG_OK);
    case MG_SASL_OPT_BOOL:
	if (!mg_sasl_option_bool(value, &flag))
	    return (bad(err, opt, "\"%s\" is not yes or no",
			quotable(value, quoted, sizeof(quoted))));
	return (MG_OK);
    case MG_SASL_OPT_NAMES:
	return (check_names(opt, value, err));
    case MG_SASL_OPT_CIPHERS:
	if (!mg_sasl_option_ciphers(value, &ciphers))
	    return (bad(err, opt, "\"%s\" is not a list of 3des, des, rc4, rc4-56, "
			"rc4-40, or none alone", quotable(value, quoted, sizeof(quoted))));
	return (MG_OK);
    case MG_SASL_OPT_FINAL_REPLY:
	if (strcasecmp(value, "any") != 0 && strcasecmp(value, "empty") != 0)
	    return (bad(err, opt, "\"%s\" is not any or empty",
			quotable(value, quoted, sizeof(quoted))));
	return (MG_OK);
    }
    return (mg_fail(err, MG_INTERNAL, "option %s: unknown kind", opt->name));
}
