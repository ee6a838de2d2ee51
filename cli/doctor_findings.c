/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	doctor_findings 3
/* SUMMARY
/*	the findings of md5gate doctor
/* SYNOPSIS
/*	#include "cli/doctor.h"
/*
/*	void	doctor_ok(doc, fmt, ...)
/*
/*	void	doctor_note(doc, fmt, ...)
/*
/*	void	doctor_problem(doc, fmt, ...)
/*
/*	void	doctor_print_text(doc, fp)
/*
/*	int	doctor_print_json(doc, fp)
/*
/*	void	doctor_free(doc)
/* DESCRIPTION
/*	Every check appends its findings to one list here, tagged with the
/*	caller's current area and service (doc->area, doc->service); a
/*	problem is also counted. Nothing is printed until the checks are
/*	done, so that the same findings can be printed as text (one line
/*	each: "ok:", "note:" or "problem:", the service first when there is
/*	one) or as one JSON object:
/*
/*	{"problems": N, "findings": [{"level": "ok", "area": "plugins",
/*	"service": "smtp/inet", "message": "..."}, ...]}
/*
/*	("service" only where there is one). A finding that cannot be
/*	stored for want of memory is still counted when it is a problem.
/*--*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "doctor.h"

#define FINDING_MAX	1024

static const char *const level_names[] = {"ok", "note", "problem"};

const char *doctor_level_name(enum doctor_level level)
{
    return (level_names[level]);
}

static void add(struct doctor *doc, enum doctor_level level, const char *fmt, va_list ap)
{
    struct doctor_finding *more, *f;
    char    text[FINDING_MAX];

    if (level == DOCTOR_PROBLEM)
	doc->problems++;
    vsnprintf(text, sizeof(text), fmt, ap);
    if ((more = realloc(doc->items, (doc->count + 1) * sizeof(*more))) == 0)
	return;
    doc->items = more;
    f = more + doc->count;
    f->level = level;
    f->text = strdup(text);
    f->area = strdup(doc->area ? doc->area : "general");
    f->service = doc->service ? strdup(doc->service) : 0;
    if (f->text == 0 || f->area == 0 || (doc->service && f->service == 0)) {
	free(f->text);
	free(f->area);
	free(f->service);
	return;
    }
    doc->count++;
}

void    doctor_ok(struct doctor *doc, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    add(doc, DOCTOR_OK, fmt, ap);
    va_end(ap);
}

void    doctor_note(struct doctor *doc, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    add(doc, DOCTOR_NOTE, fmt, ap);
    va_end(ap);
}

void    doctor_problem(struct doctor *doc, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    add(doc, DOCTOR_PROBLEM, fmt, ap);
    va_end(ap);
}

void    doctor_print_text(const struct doctor *doc, FILE *fp)
{
    const struct doctor_finding *f;
    size_t  i;

    for (i = 0; i < doc->count; i++) {
	f = doc->items + i;
	if (f->service)
	    fprintf(fp, "%s: service %s: %s\n", level_names[f->level], f->service, f->text);
	else
	    fprintf(fp, "%s: %s\n", level_names[f->level], f->text);
    }
    if (doc->problems)
	fprintf(fp, "md5gate doctor: %d problem%s found\n", doc->problems,
		doc->problems == 1 ? "" : "s");
    else
	fprintf(fp, "md5gate doctor: all is well\n");
}

static int add_string(json_object *obj, const char *key, const char *value)
{
    json_object *str = json_object_new_string(value);

    return (str == 0 || json_object_object_add(obj, key, str) != 0 ? -1 : 0);
}

int     doctor_print_json(const struct doctor *doc, FILE *fp)
{
    json_object *top = json_object_new_object(), *list = json_object_new_array(), *item;
    const struct doctor_finding *f;
    size_t  i;
    int     bad = top == 0 || list == 0;

    for (i = 0; !bad && i < doc->count; i++) {
	f = doc->items + i;
	if ((item = json_object_new_object()) == 0 || json_object_array_add(list, item)) {
	    json_object_put(item);
	    bad = 1;
	    break;
	}
	bad = add_string(item, "level", level_names[f->level])
	    || add_string(item, "area", f->area)
	    || (f->service && add_string(item, "service", f->service))
	    || add_string(item, "message", f->text);
    }
    if (!bad)
	bad = json_object_object_add(top, "problems", json_object_new_int(doc->problems))
	    || json_object_object_add(top, "findings", json_object_get(list));
    if (!bad)
	fprintf(fp, "%s\n", json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY
						  | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(list);
    json_object_put(top);
    return (bad ? -1 : 0);
}

void    doctor_free(struct doctor *doc)
{
    size_t  i;

    for (i = 0; i < doc->count; i++) {
	free(doc->items[i].text);
	free(doc->items[i].area);
	free(doc->items[i].service);
    }
    free(doc->items);
    doc->items = 0;
    doc->count = 0;
}
