/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	doctor_conf 3
/* SUMMARY
/*	read libsasl2 configuration files for md5gate doctor
/* SYNOPSIS
/*	#include "cli/doctor.h"
/*
/*	int	doctor_read_sasl_conf(doc, file, conf)
/*
/*	const char *doctor_conf_get(conf, name)
/*
/*	void	doctor_conf_free(conf)
/* DESCRIPTION
/*	doctor_read_sasl_conf() reads a libsasl2 application file (e.g.
/*	smtpd.conf): "option: value" lines, "#" comments, blank lines. A
/*	line without a colon is a problem (libsasl2 refuses the file).
/*
/*	doctor_conf_get() returns the last value of name (later lines
/*	override earlier ones in libsasl2), or null.
/*
/*	The reader returns 0 on success and -1 after reporting a problem
/*	(the file can not be read).
/*--*/
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"

#define LINE_MAX_LEN	4096

static char *trim(char *str)
{
    char   *end;

    while (isspace((unsigned char) *str))
	str++;
    end = str + strlen(str);
    while (end > str && isspace((unsigned char) end[-1]))
	*--end = 0;
    return (str);
}

static void conf_add(struct doctor_conf *conf, const char *name, const char *value,
		             int line)
{
    struct doctor_kv *items;

    if ((items = realloc(conf->items, (conf->count + 1) * sizeof(*items))) == 0)
	return;
    conf->items = items;
    items[conf->count].name = strdup(name);
    items[conf->count].value = strdup(value);
    items[conf->count].line = line;
    if (items[conf->count].name && items[conf->count].value)
	conf->count++;
}

static FILE *open_conf(struct doctor *doc, const char *what, const char *file)
{
    FILE   *fp = fopen(file, "r");

    if (fp == 0)
	doctor_problem(doc, "cannot read %s %s: %s", what, file, strerror(errno));
    return (fp);
}

 /*
  * fopen() succeeds on a directory; the first read fails.
  */
static int read_failed(struct doctor *doc, const char *what, const char *file, FILE *fp)
{
    if (!ferror(fp))
	return (0);
    doctor_problem(doc, "cannot read %s %s: %s", what, file, strerror(errno));
    return (1);
}

int     doctor_read_sasl_conf(struct doctor *doc, const char *file,
			              struct doctor_conf *conf)
{
    char    buf[LINE_MAX_LEN], *line, *colon;
    int     lineno = 0, bad;
    FILE   *fp;

    memset(conf, 0, sizeof(*conf));
    if ((fp = open_conf(doc, "SASL configuration file", file)) == 0)
	return (-1);
    while (fgets(buf, sizeof(buf), fp)) {
	lineno++;
	line = trim(buf);
	if (*line == 0 || *line == '#')
	    continue;
	if ((colon = strchr(line, ':')) == 0) {
	    doctor_problem(doc, "%s line %d is not \"option: value\"; libsasl2 "
			   "refuses the file", file, lineno);
	    continue;
	}
	*colon = 0;
	conf_add(conf, trim(line), trim(colon + 1), lineno);
    }
    bad = read_failed(doc, "SASL configuration file", file, fp);
    fclose(fp);
    return (bad ? -1 : 0);
}

const char *doctor_conf_get(const struct doctor_conf *conf, const char *name)
{
    size_t  i;
    const char *value = 0;

    for (i = 0; i < conf->count; i++)
	if (strcmp(conf->items[i].name, name) == 0)
	    value = conf->items[i].value;
    return (value);
}

void    doctor_conf_free(struct doctor_conf *conf)
{
    size_t  i;

    for (i = 0; i < conf->count; i++) {
	free(conf->items[i].name);
	free(conf->items[i].value);
    }
    free(conf->items);
    memset(conf, 0, sizeof(*conf));
}
