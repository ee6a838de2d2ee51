/*++
/* NAME
/*	doctor_conf 3
/* SUMMARY
/*	read libsasl2 and Postfix configuration files for md5gate doctor
/* SYNOPSIS
/*	#include "cli/doctor.h"
/*
/*	int	doctor_read_sasl_conf(doc, file, conf)
/*
/*	int	doctor_read_main_cf(doc, file, conf)
/*
/*	const char *doctor_conf_get(conf, name)
/*
/*	void	doctor_conf_free(conf)
/*
/*	int	doctor_read_master_cf(doc, file, services, count)
/*
/*	void	doctor_services_free(services, count)
/* DESCRIPTION
/*	doctor_read_sasl_conf() reads a libsasl2 application file (e.g.
/*	smtpd.conf): "option: value" lines, "#" comments, blank lines. A
/*	line without a colon is a problem (libsasl2 refuses the file).
/*
/*	doctor_read_main_cf() reads Postfix's main.cf: "name = value",
/*	continued on lines that start with white space. $name expansion is
/*	not done; callers say so where it matters.
/*
/*	doctor_read_master_cf() returns the service entries of master.cf
/*	whose command is smtpd, with their chroot column and line number.
/*
/*	doctor_conf_get() returns the last value of name (later lines
/*	override earlier ones, in both libsasl2 and Postfix), or null.
/*
/*	The readers return 0 on success and -1 after reporting a problem
/*	(the file can not be read).
/*--*/
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/doctor.h"

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

static void main_cf_flush(struct doctor_conf *conf, char *entry, int line)
{
    char   *eq;

    if (*entry == 0)
	return;
    if ((eq = strchr(entry, '=')) != 0) {
	*eq = 0;
	conf_add(conf, trim(entry), trim(eq + 1), line);
    }
    *entry = 0;
}

int     doctor_read_main_cf(struct doctor *doc, const char *file,
			            struct doctor_conf *conf)
{
    char    buf[LINE_MAX_LEN], entry[4 * LINE_MAX_LEN] = "";
    int     lineno = 0, start = 0, bad;
    FILE   *fp;

    memset(conf, 0, sizeof(*conf));
    if ((fp = open_conf(doc, "Postfix configuration", file)) == 0)
	return (-1);
    while (fgets(buf, sizeof(buf), fp)) {
	lineno++;
	if (*trim(buf) == '#' || *trim(buf) == 0)
	    continue;
	if (isspace((unsigned char) buf[0])) {
	    if (strlen(entry) + strlen(buf) + 2 < sizeof(entry)) {
		strcat(entry, " ");
		strcat(entry, trim(buf));
	    }
	    continue;
	}
	main_cf_flush(conf, entry, start);
	snprintf(entry, sizeof(entry), "%s", trim(buf));
	start = lineno;
    }
    main_cf_flush(conf, entry, start);
    bad = read_failed(doc, "Postfix configuration", file, fp);
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

 /*
  * One master.cf entry: service type private unpriv chroot wakeup maxproc
  * command [args]. Only the first line of an entry carries these fields.
  */
static void master_entry(char *line, int lineno, struct doctor_service **svcs,
			         size_t *count)
{
    char   *field[8], *save = 0, *tok;
    struct doctor_service *more;
    int     n = 0;

    for (tok = strtok_r(line, " \t\n", &save); tok && n < 8;
	 tok = strtok_r(0, " \t\n", &save))
	field[n++] = tok;
    if (n < 8 || strcmp(field[7], "smtpd") != 0)
	return;
    if ((more = realloc(*svcs, (*count + 1) * sizeof(*more))) == 0)
	return;
    *svcs = more;
    more[*count].name = strdup(field[0]);
    more[*count].chroot = strdup(field[4]);
    more[*count].line = lineno;
    if (more[*count].name && more[*count].chroot)
	(*count)++;
}

int     doctor_read_master_cf(struct doctor *doc, const char *file,
			              struct doctor_service **svcs, size_t *count)
{
    char    buf[LINE_MAX_LEN];
    int     lineno = 0, bad;
    FILE   *fp;

    *svcs = 0;
    *count = 0;
    if ((fp = open_conf(doc, "Postfix master.cf", file)) == 0)
	return (-1);
    while (fgets(buf, sizeof(buf), fp)) {
	lineno++;
	if (isspace((unsigned char) buf[0]) || buf[0] == '#')
	    continue;
	master_entry(buf, lineno, svcs, count);
    }
    bad = read_failed(doc, "Postfix master.cf", file, fp);
    fclose(fp);
    return (bad ? -1 : 0);
}

void    doctor_services_free(struct doctor_service *svcs, size_t count)
{
    size_t  i;

    for (i = 0; i < count; i++) {
	free(svcs[i].name);
	free(svcs[i].chroot);
    }
    free(svcs);
}
