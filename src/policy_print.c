/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	policy_print 3
/* SUMMARY
/*	per-mechanism policy: the effective policy as a configuration file
/* SYNOPSIS
/*	#include "policy.h"
/*
/*	int	mg_policy_section_given(policy, section)
/*
/*	void	mg_policy_print_section(policy, section, flags, fp)
/*
/*	void	mg_policy_print(policy, fp)
/* DESCRIPTION
/*	mg_policy_print_section() writes the settings a section gives, one
/*	line each; with MG_POLICY_PRINT_ALL it adds every other setting that
/*	may stand there as a comment line holding its effective value and
/*	where that comes from ("(default)", "(from [global])"). Either way
/*	the output is a valid configuration file that reads back to the
/*	same policy and prints the same again. mg_policy_section_given()
/*	says whether a section gives any setting. mg_policy_print() writes
/*	every section that way, with MG_POLICY_PRINT_ALL.
/*--*/

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "policy_private.h"

static void format_addr(char *buf, size_t size, const struct mg_policy_addr *a,
			        int listener)
{
    char    text[INET6_ADDRSTRLEN];
    int     max = a->addr.family == AF_INET ? 32 : 128;

    if (a->addr.family == 0)
	strcpy(text, "*");
    else if (inet_ntop(a->addr.family, a->addr.bytes, text, sizeof(text)) == 0)
	strcpy(text, "?");
    if (listener)
	snprintf(buf, size, a->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", text, a->port);
    else if ((int) a->prefix != max)
	snprintf(buf, size, "%s/%u", text, a->prefix);
    else
	snprintf(buf, size, "%s", text);
}

 /*
  * Long lists go on indented continuation lines, which the parser joins:
  * inih reads lines of at most 198 bytes. inih takes "[" at the start of
  * a line, indented or not, for a section header, so an entry starting
  * with it (an IPv6 listener, say) gets a comma, which the list splitter
  * skips, before it. No entry holds "#" or ";" (the parser refuses them:
  * they start comments), so none needs guarding against them. A value
  * printed as a comment continues on comment lines: an indented line
  * after a comment would extend the setting before it.
  */
static void put_word(FILE *fp, const char *word, size_t index, size_t *col,
		             const char *lead)
{
    size_t  len = strlen(word);
    int     guard = (word[0] == '[');

    if (*col + 1 + guard + len > 72 && (index > 0 || *col > 4)) {
	fprintf(fp, "\n%s   ", lead);
	*col = 3 + strlen(lead);
    }
    if (index > 0)
	fputc(' ', fp);
    if (guard)
	fputc(',', fp);
    fputs(word, fp);
    *col += 1 + guard + len;
}

static void print_flags(FILE *fp, const struct mg_flag_name *names, unsigned bits)
{
    const char *sep = "";

    for (; names->name; names++) {
	if (bits & names->bit) {
	    fprintf(fp, "%s%s", sep, names->name);
	    sep = " ";
	}
    }
}

static void print_value(FILE *fp, int setting, const struct mg_policy_rules *r,
			        const char *lead)
{
    const struct setting *s = policy_settings + setting;
    const struct mg_policy_list *list;
    const struct mg_policy_addrs *addrs;
    const char *const *names = s->names;
    char    text[INET6_ADDRSTRLEN + 16];
    size_t  i, col = strlen(lead) + strlen(s->name) + 3;

    switch (s->kind) {
    case K_CHOICE:
	fputs(names[*CFIELD(r, setting, int) ? 1 : 0], fp);
	break;
    case K_BOOL:
	fputs(*CFIELD(r, setting, int) ? "yes" : "no", fp);
	break;
    case K_USERS:
    case K_SERVICES:
	list = CFIELD(r, setting, struct mg_policy_list);
	for (i = 0; i < list->count; i++)
	    put_word(fp, list->words[i], i, &col, lead);
	break;
    case K_NETWORKS:
    case K_LISTENERS:
	addrs = CFIELD(r, setting, struct mg_policy_addrs);
	for (i = 0; i < addrs->count; i++) {
	    format_addr(text, sizeof(text), addrs->addrs + i, s->kind == K_LISTENERS);
	    put_word(fp, text, i, &col, lead);
	}
	break;
    case K_FLAGS:
	print_flags(fp, s->names, *CFIELD(r, setting, unsigned));
	break;
    case K_NUMBER:
	fprintf(fp, "%u", *CFIELD(r, setting, unsigned));
	break;
    case K_DURATION:
	fprintf(fp, "%us", *CFIELD(r, setting, unsigned));
	break;
    case K_PREFIX:
	fprintf(fp, "%u", *CFIELD(r, setting, unsigned));
	break;
    case K_PATH:
	fputs(*CFIELD(r, setting, char *) ? *CFIELD(r, setting, char *) :
	      MG_LOCKOUT_DEFAULT_STORE, fp);
	break;
    case K_REDIS_URL:
	fputs(*CFIELD(r, setting, char *) ? *CFIELD(r, setting, char *) :
	      MG_LOCKOUT_REDIS_DEFAULT_URL, fp);
	break;
    case K_REDIS_PREFIX:
	fputs(*CFIELD(r, setting, char *) ? *CFIELD(r, setting, char *) :
	      MG_LOCKOUT_REDIS_DEFAULT_PREFIX, fp);
	break;
    }
}

 /*
  * An empty list (no restriction) would print as nothing at all.
  */
static int is_empty_list(int setting, const struct mg_policy_rules *r)
{
    switch (policy_settings[setting].kind) {
    case K_USERS:
    case K_SERVICES:
	return (CFIELD(r, setting, struct mg_policy_list)->count == 0);
    case K_NETWORKS:
    case K_LISTENERS:
	return (CFIELD(r, setting, struct mg_policy_addrs)->count == 0);
    default:
	return (0);
    }
}

 /*
  * Whether a setting may stand in a section at all: then --all shows it
  * there. [global] shows what it may hold, a mechanism section what
  * applies to it.
  */
static int shown_in(int setting, int section)
{
    const struct setting *s = policy_settings + setting;

    if (section == MG_POLICY_GLOBAL)
	return ((s->where & IN_GLOBAL) != 0);
    if (s->where & GLOBAL_ONLY)
	return (0);
    if (is_client_section(section) && !(s->where & IN_CLIENT))
	return (0);
    if (is_cram_section(section) && (s->where & DIGEST_ONLY))
	return (0);
    return (1);
}

int     mg_policy_section_given(const struct mg_policy *policy, int section)
{
    return (section >= 0 && section < MG_POLICY_SECTIONS
	    && policy->section[section].set != 0);
}

 /*
  * A setting the section gives is a line of its own. With
  * MG_POLICY_PRINT_ALL the others follow as comments with their
  * effective value and where it comes from, so that the output, read
  * back, is the same policy and prints the same again.
  */
void    mg_policy_print_section(const struct mg_policy *policy, int section,
				        unsigned flags, FILE *fp)
{
    int     setting, src;
    const struct mg_policy_rules *r;

    if (section < 0 || section >= MG_POLICY_SECTIONS)
	return;
    for (setting = 0; setting < MG_POLICY_SETTINGS; setting++) {
	if (!shown_in(setting, section))
	    continue;
	if (policy->section[section].set & BIT(setting)) {
	    fprintf(fp, "%s = ", policy_settings[setting].name);
	    print_value(fp, setting, policy->section + section, "");
	    fputc('\n', fp);
	    continue;
	}
	if (!(flags & MG_POLICY_PRINT_ALL))
	    continue;
	if (section == MG_POLICY_GLOBAL) {
	    r = policy_defaults();
	    src = -1;
	} else {
	    r = policy_rules_of(policy, section, setting, &src);
	}
	fprintf(fp, "# %s = ", policy_settings[setting].name);
	if (!is_empty_list(setting, r)) {
	    print_value(fp, setting, r, "#");
	    fputc(' ', fp);
	}
	fprintf(fp, "(%s%s%s%s)\n", is_empty_list(setting, r) ? "empty, " : "",
		src < 0 ? "default" : "from [", src < 0 ? "" : policy_section_names[src],
		src < 0 ? "" : "]");
    }
}

void    mg_policy_print(const struct mg_policy *policy, FILE *fp)
{
    int     section;

    for (section = 0; section < MG_POLICY_SECTIONS; section++) {
	fprintf(fp, "%s[%s]\n", section ? "\n" : "", policy_section_names[section]);
	mg_policy_print_section(policy, section, MG_POLICY_PRINT_ALL, fp);
    }
}

