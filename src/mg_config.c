/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	mg_config 3
/* SUMMARY
/*	md5gate's configuration file
/* SYNOPSIS
/*	#include "mg_config.h"
/*
/*	void	mg_config_init(cfg)
/*
/*	enum mg_code mg_config_load(path, cfg, err)
/*
/*	enum mg_code mg_config_load_option(named, cfg, err)
/*
/*	enum mg_code mg_config_load_stream(fp, name, cfg, err)
/*
/*	void	mg_config_free(cfg)
/*
/*	void	mg_config_print(cfg, flags, fp)
/* DESCRIPTION
/*	The file is INI-style (sections in brackets, name = value, comments
/*	with # or ;), read with inih. The plugin reads it once per process
/*	at initialisation, before Postfix's smtpd chroots, so the path is a
/*	path outside the chroot.
/*
/*	mg_config_load() reads the file at path; a missing file means
/*	defaults (found is 0): no audit file, records to the application's
/*	log only. Any error in an existing file - an unknown section or
/*	name, a bad value, a setting given twice in one section, a syntax
/*	error - is reported as "file:line: what is wrong" and the whole
/*	file is refused; the plugin then disables its mechanisms rather
/*	than run with a configuration the administrator did not write.
/*
/*	mg_config_load_option() reads the file that the SASL option
/*	md5gate_policy names (named), or the default path when named is a
/*	null pointer. Only the default may be absent: a file that the
/*	option names must be an absolute path and exist, else the result
/*	is MG_NOFILE (absent) or MG_BADPARAM (not absolute), with a reason
/*	that names the file and the option.
/*
/*	An indented line continues the value above it (a long list); one
/*	that holds "=" is an error, since it reads as a setting that would
/*	otherwise join the list above (an indented "users_deny = bob" under
/*	users_allow would allow bob).
/*
/*	A "#" or ";" at the start of a value or after white space starts
/*	a comment, on a first line and on a continuation line alike (inih
/*	knows only ";"). Anywhere else either character is an error: no
/*	value contains one, so that "users_allow = intercom # later" never
/*	means a user named "#".
/*
/*	mg_config_load_stream() parses an open stream the same way, naming
/*	it in messages as name; the caller keeps and closes the stream
/*	(tests and fuzzing read from memory through fmemopen(3)).
/*
/*	[global]
/* .IP "audit_file = PATH"
/*	Append one JSON object per authentication attempt to PATH.
/* .IP "audit_failure = continue | refuse"
/*	When a record cannot be written: authenticate anyway and say so
/*	once in the mail log (continue, the default), or fail the attempt.
/* .IP "audit_success_level, audit_failure_level = err|fail|warn|note|debug|none"
/*	The libsasl2 log level of records in the application's log
/*	(defaults: warn for successes, fail for failures).
/* .IP "plaintext_secrets = allow | deny"
/*	Whether a plaintext userPassword may verify CRAM-MD5 and DIGEST-MD5
/*	(default allow). With deny only hashed secrets count.
/*
/*	The policy sections ([cram-md5], [digest-md5], [cram-md5:client],
/*	[digest-md5:client]) and the policy and lockout settings of
/*	[global] are described in policy(3), which parses their values.
/*	Section names are case-insensitive.
/*
/*	mg_config_print() writes the configuration as a file that reads
/*	back to the same configuration: each section with the settings it
/*	gives, and with MG_POLICY_PRINT_ALL every other setting as a
/*	comment line with its effective value (see policy(3)).
/*--*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ini.h>

#include "mg_config.h"

#define MG_CONFIG_LINE_MAX	1024
#define MG_CONFIG_VALUE_MAX	(64 * 256)	/* a value and its continuations */
#define MG_CONFIG_SEEN_MAX	256	/* > every known setting in every section */

struct load_state {
    struct mg_config *cfg;
    FILE   *fp;
    int     lineno;			/* line being parsed */
    int     error_line;			/* first semantic error, 0: none */
    char    error[MG_REASON_MAX];
    int     continuation;		/* this line continues the last value */
    char    last_section[32];		/* the setting a continuation extends */
    char    last_name[64];
    char    last_value[MG_CONFIG_VALUE_MAX + 1];
    size_t  seen_count;			/* settings taken, for duplicates */
    struct seen_setting {
	int     section;
	char    name[64];
	int     line;
    }       seen[MG_CONFIG_SEEN_MAX];
};

void    mg_config_init(struct mg_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    mg_policy_init(&cfg->policy);
    cfg->audit_failure = MG_AUDIT_CONTINUE;
    cfg->audit_success_level = MG_LOG_WARN;
    cfg->audit_failure_level = MG_LOG_FAIL;
    cfg->plaintext_secrets = 1;
}

void    mg_config_free(struct mg_config *cfg)
{
    free(cfg->path);
    free(cfg->audit_file);
    mg_policy_free(&cfg->policy);
    mg_config_init(cfg);
}

static const char *level_names[] = {"none", "err", "fail", "warn", "note", "debug"};

static const char *log_level_name(enum mg_log_level level)
{
    if (level < MG_LOG_NONE || level > MG_LOG_DEBUG)
	return ("unknown");
    return (level_names[level]);
}

static int parse_level(const char *value, enum mg_log_level *out)
{
    int     i;

    for (i = MG_LOG_NONE; i <= MG_LOG_DEBUG; i++) {
	if (strcasecmp(value, level_names[i]) == 0) {
	    *out = (enum mg_log_level) i;
	    return (1);
	}
    }
    return (0);
}

static int semantic_error(struct load_state *, const char *,...)
	__attribute__((format(printf, 2, 3)));

 /*
  * Keep the first error; inih goes on reading, and later errors would
  * only name lines after it.
  */
static int semantic_error(struct load_state *st, const char *fmt,...)
{
    va_list ap;

    if (st->error_line == 0) {
	st->error_line = st->lineno;
	va_start(ap, fmt);
	vsnprintf(st->error, sizeof(st->error), fmt, ap);
	va_end(ap);
    }
    return (0);
}

static int set_policy(struct load_state *st, enum mg_policy_section section,
		              const char *name, const char *value)
{
    char    why[MG_REASON_MAX];

    switch (mg_policy_set(&st->cfg->policy, section, name, value, why, sizeof(why))) {
    case 1:
	return (1);
    case 0:
	return (semantic_error(st, "%s", why));
    default:
	return (semantic_error(st, "unknown setting \"%.60s\" in [%s]", name,
			       mg_policy_section_name(section)));
    }
}

static int printable_path(const char *value)
{
    const unsigned char *cp;

    if (strlen(value) > MG_POLICY_PATH_MAX || strpbrk(value, "#;") != 0)
	return (0);
    for (cp = (const unsigned char *) value; *cp; cp++)
	if (*cp < 0x20 || *cp == 0x7f)
	    return (0);
    return (1);
}

static int set_global(struct load_state *st, const char *name, const char *value)
{
    struct mg_config *cfg = st->cfg;

    if (strcmp(name, "audit_file") == 0) {
	if (value[0] != '/')
	    return (semantic_error(st, "audit_file must be an absolute path, not \"%.60s\"", value));
	/* As lockout_store: printed back on one line, it must read back. */
	if (!printable_path(value))
	    return (semantic_error(st, "audit_file must be a path of at most %d bytes without "
				   "control characters, \"#\" or \";\"", MG_POLICY_PATH_MAX));
	free(cfg->audit_file);
	if ((cfg->audit_file = strdup(value)) == 0)
	    return (semantic_error(st, "%sout of memory", ""));
	return (1);
    }
    if (strcmp(name, "audit_failure") == 0) {
	if (strcmp(value, "continue") == 0)
	    cfg->audit_failure = MG_AUDIT_CONTINUE;
	else if (strcmp(value, "refuse") == 0)
	    cfg->audit_failure = MG_AUDIT_REFUSE;
	else
	    return (semantic_error(st, "audit_failure must be continue or refuse, "
				   "not \"%.40s\"", value));
	return (1);
    }
    if (strcmp(name, "audit_success_level") == 0) {
	if (!parse_level(value, &cfg->audit_success_level))
	    return (semantic_error(st, "audit_success_level must be err, fail, warn, "
				   "note, debug or none, not \"%.40s\"", value));
	return (1);
    }
    if (strcmp(name, "audit_failure_level") == 0) {
	if (!parse_level(value, &cfg->audit_failure_level))
	    return (semantic_error(st, "audit_failure_level must be err, fail, warn, "
				   "note, debug or none, not \"%.40s\"", value));
	return (1);
    }
    if (strcmp(name, "plaintext_secrets") == 0) {
	if (strcmp(value, "allow") == 0)
	    cfg->plaintext_secrets = 1;
	else if (strcmp(value, "deny") == 0)
	    cfg->plaintext_secrets = 0;
	else
	    return (semantic_error(st, "plaintext_secrets must be allow or deny, "
				   "not \"%.40s\"", value));
	return (1);
    }
    return (set_policy(st, MG_POLICY_GLOBAL, name, value));
}

static int known_section(const char *name, size_t len)
{
    return (mg_policy_section_id(name, len) >= 0);
}

static int dispatch(struct load_state *st, const char *section, const char *name,
		            const char *value)
{
    int     id;

    if ((id = mg_policy_section_id(section, strlen(section))) == MG_POLICY_GLOBAL)
	return (set_global(st, name, value));
    if (id > 0)
	return (set_policy(st, (enum mg_policy_section) id, name, value));
    return (semantic_error(st, "unknown section [%.60s]", section));
}

 /*
  * The value without its comment: a "#" or ";" that begins it or follows
  * white space starts one. Returns the length of what is left, without
  * trailing white space, or -1 when either character stands elsewhere.
  */
static long value_length(const char *value)
{
    size_t  len;

    for (len = 0; value[len]; len++) {
	if (value[len] != '#' && value[len] != ';')
	    continue;
	if (len > 0 && value[len - 1] != ' ' && value[len - 1] != '\t')
	    return (-1);
	break;
    }
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
	len--;
    return ((long) len);
}

 /*
  * A setting may be given once per section: a second line would silently
  * replace the first (or, read by someone else, be thought to add to it).
  * Sections compare by id, so "[CRAM-MD5]" repeats "[cram-md5]".
  */
static int first_time(struct load_state *st, const char *section, const char *name)
{
    int     id = mg_policy_section_id(section, strlen(section));
    size_t  i;

    for (i = 0; i < st->seen_count; i++)
	if (st->seen[i].section == id && strcmp(st->seen[i].name, name) == 0)
	    return (semantic_error(st, "%.60s is given twice in [%s]: here and at "
				   "%.100s:%d", name, mg_policy_section_name(id),
				   st->cfg->path, st->seen[i].line));
    if (st->seen_count >= MG_CONFIG_SEEN_MAX)
	return (semantic_error(st, "more than %d settings", MG_CONFIG_SEEN_MAX));
    st->seen[st->seen_count].section = id;
    snprintf(st->seen[st->seen_count].name, sizeof(st->seen[0].name), "%s", name);
    st->seen[st->seen_count++].line = st->lineno;
    return (1);
}

 /*
  * inih hands an indented continuation line over as another value of the
  * same name: it extends the value (a long list), it does not replace it.
  */
static int handler(void *user, const char *section, const char *name,
		           const char *value)
{
    struct load_state *st = user;
    long    vlen;
    size_t  len;

    if (name == 0)				/* a section header alone */
	return (known_section(section, strlen(section)) ? 1 :
		semantic_error(st, "unknown section [%.60s]", section));
    if (section[0] == 0)
	return (semantic_error(st, "setting \"%.60s\" outside a section", name));
    /* inih strips ";" comments from first lines only, and "#" never. */
    if ((vlen = value_length(value)) < 0)
	return (semantic_error(st, "%.60s: \"#\" and \";\" start a comment at the "
			       "start of a value or after white space, and may "
			       "stand nowhere else", name));
    if (st->continuation && strcmp(st->last_section, section) == 0
	&& strcmp(st->last_name, name) == 0) {
	/* "  users_deny = bob" under users_allow would allow bob. */
	if (memchr(value, '=', (size_t) vlen) != 0)
	    return (semantic_error(st, "%.60s: an indented line continues its list, "
				   "and holds \"=\": start a setting at the "
				   "beginning of its line", name));
	len = strlen(st->last_value);
	if (len + 1 + (size_t) vlen > MG_CONFIG_VALUE_MAX)
	    return (semantic_error(st, "%.60s: value longer than %d bytes", name,
				   MG_CONFIG_VALUE_MAX));
	st->last_value[len] = ' ';
	memcpy(st->last_value + len + 1, value, (size_t) vlen);
	st->last_value[len + 1 + vlen] = 0;
    } else {
	if (known_section(section, strlen(section)) && !first_time(st, section, name))
	    return (0);
	snprintf(st->last_section, sizeof(st->last_section), "%s", section);
	snprintf(st->last_name, sizeof(st->last_name), "%s", name);
	snprintf(st->last_value, sizeof(st->last_value), "%.*s", (int) vlen, value);
    }
    return (dispatch(st, section, name, st->last_value));
}

 /*
  * inih's reader callback. It counts lines, so that handler errors know
  * where they are, checks section headers where they stand (inih
  * reports a section only with its first setting), notes continuation
  * lines, and refuses a line too long for inih's buffer rather than let
  * inih read its tail as a line of its own.
  */
static char *read_line(char *buf, int size, void *stream)
{
    struct load_state *st = stream;
    char   *line = fgets(buf, size, st->fp);
    const char *start, *end;

    int     ch;

    if (line == 0)
	return (0);
    st->lineno++;
    if (strchr(line, '\n') == 0 && !feof(st->fp)) {
	semantic_error(st, "line longer than %d bytes: continue a long list on "
		       "indented lines", size - 2);
	while ((ch = getc(st->fp)) != EOF && ch != '\n')
	     /* void */ ;
	line[0] = 0;
	return (line);
    }
    start = line + strspn(line, " \t");
    st->continuation = start > line && *start != 0 && strchr("\r\n;#", *start) == 0;
    if (*start == '[')				/* inih forgets the last name */
	st->last_name[0] = 0;
    if (*start == '[' && (end = strchr(start, ']')) != 0
	&& !known_section(start + 1, (size_t) (end - start - 1)))
	semantic_error(st, "unknown section [%.*s]", (int) (end - start - 1), start + 1);
    return (line);
}

static enum mg_code load_file(const char *path, int may_be_absent,
			             struct mg_config *cfg, struct mg_error *err)
{
    FILE   *fp;
    struct stat st;
    enum mg_code code;

    mg_config_free(cfg);
    if ((fp = fopen(path, "r")) == 0) {
	if (errno == ENOENT && may_be_absent) {
	    if ((cfg->path = strdup(path)) == 0)
		return (mg_fail(err, MG_NOMEM, "out of memory"));
	    return (MG_OK);			/* defaults */
	}
	if (errno == ENOENT || errno == ENOTDIR)
	    return (mg_fail(err, MG_NOFILE, "%.100s: no such file (named by "
			    "md5gate_policy)", path));
	return (mg_fail(err, MG_BADPARAM, "%.100s: cannot open: %s", path, strerror(errno)));
    }
    /* A directory opens, and reads as an empty file: the defaults. */
    if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
	fclose(fp);
	return (mg_fail(err, MG_BADPARAM, "%.100s: not a regular file", path));
    }
    code = mg_config_load_stream(fp, path, cfg, err);
    fclose(fp);
    return (code);
}

enum mg_code mg_config_load(const char *path, struct mg_config *cfg,
			            struct mg_error *err)
{
    return (load_file(path, 1, cfg, err));
}

enum mg_code mg_config_load_option(const char *named, struct mg_config *cfg,
				           struct mg_error *err)
{
    if (named == 0)
	return (load_file(MG_CONFIG_DEFAULT_PATH, 1, cfg, err));
    if (named[0] != '/') {
	mg_config_free(cfg);
	return (mg_fail(err, MG_BADPARAM, "md5gate_policy must be an absolute path, "
			"not \"%.100s\"", named));
    }
    return (load_file(named, 0, cfg, err));
}

enum mg_code mg_config_load_stream(FILE *fp, const char *name,
				           struct mg_config *cfg,
				           struct mg_error *err)
{
    struct load_state st;
    int     syntax_line;

    mg_config_free(cfg);
    if ((cfg->path = strdup(name)) == 0)
	return (mg_fail(err, MG_NOMEM, "out of memory"));
    memset(&st, 0, sizeof(st));
    st.cfg = cfg;
    st.fp = fp;
    cfg->found = 1;
    syntax_line = ini_parse_stream(read_line, &st, handler, &st);
    /* A read error ends the file early: what was read is not all. */
    if (ferror(fp)) {
	mg_fail(err, MG_BADPARAM, "%.100s: read error after line %d", name, st.lineno);
	mg_config_free(cfg);
	return (MG_BADPARAM);
    }
    /* A section header alone is checked by read_line(), not by inih. */
    if (syntax_line == 0 && st.error_line == 0)
	return (MG_OK);
    if (syntax_line > 0 && (st.error_line == 0 || syntax_line < st.error_line))
	mg_fail(err, MG_MALFORMED, "%.100s:%d: syntax error (expected [section], "
		"name = value, or a comment)", name, syntax_line);
    else if (st.error_line > 0)
	mg_fail(err, MG_MALFORMED, "%.100s:%d: %s", name, st.error_line, st.error);
    else
	mg_fail(err, MG_INTERNAL, "%.100s: cannot parse (error %d)", name, syntax_line);
    mg_config_free(cfg);
    return (MG_MALFORMED);
}

/* Printing, for "md5gate policy check". */

 /*
  * The [global] settings that are not policy, each with the text of its
  * value (null: not set). A new setting is one more line in the table.
  */
static const char *audit_file_text(const struct mg_config *cfg)
{
    return (cfg->audit_file);
}

static const char *audit_failure_text(const struct mg_config *cfg)
{
    return (cfg->audit_failure == MG_AUDIT_REFUSE ? "refuse" : "continue");
}

static const char *audit_success_level_text(const struct mg_config *cfg)
{
    return (log_level_name(cfg->audit_success_level));
}

static const char *audit_failure_level_text(const struct mg_config *cfg)
{
    return (log_level_name(cfg->audit_failure_level));
}

static const char *plaintext_secrets_text(const struct mg_config *cfg)
{
    return (cfg->plaintext_secrets ? "allow" : "deny");
}

static const struct global_setting {
    const char *name;
    const char *(*text) (const struct mg_config *);
}       global_settings[] = {
    {"audit_file", audit_file_text},
    {"audit_failure", audit_failure_text},
    {"audit_success_level", audit_success_level_text},
    {"audit_failure_level", audit_failure_level_text},
    {"plaintext_secrets", plaintext_secrets_text},
};

#define GLOBAL_SETTINGS	(sizeof(global_settings) / sizeof(global_settings[0]))

static int differs(const char *value, const char *dflt)
{
    return (value != 0 && (dflt == 0 || strcmp(value, dflt) != 0));
}

static int global_given(const struct mg_config *cfg, const struct mg_config *dflt)
{
    size_t  i;

    for (i = 0; i < GLOBAL_SETTINGS; i++)
	if (differs(global_settings[i].text(cfg), global_settings[i].text(dflt)))
	    return (1);
    return (mg_policy_section_given(&cfg->policy, MG_POLICY_GLOBAL));
}

static void print_globals(const struct mg_config *cfg, const struct mg_config *dflt,
			          unsigned flags, FILE *fp)
{
    const char *value, *dvalue;
    size_t  i;

    for (i = 0; i < GLOBAL_SETTINGS; i++) {
	value = global_settings[i].text(cfg);
	dvalue = global_settings[i].text(dflt);
	if (differs(value, dvalue))
	    fprintf(fp, "%s = %s\n", global_settings[i].name, value);
	else if ((flags & MG_POLICY_PRINT_ALL) && dvalue)
	    fprintf(fp, "# %s = %s (default)\n", global_settings[i].name, dvalue);
	else if (flags & MG_POLICY_PRINT_ALL)
	    fprintf(fp, "# %s = (default: none)\n", global_settings[i].name);
    }
}

void    mg_config_print(const struct mg_config *cfg, unsigned flags, FILE *fp)
{
    struct mg_config dflt;
    int     section, printed = 0;

    mg_config_init(&dflt);
    if ((flags & MG_POLICY_PRINT_ALL) || global_given(cfg, &dflt)) {
	fputs("[global]\n", fp);
	print_globals(cfg, &dflt, flags, fp);
	mg_policy_print_section(&cfg->policy, MG_POLICY_GLOBAL, flags, fp);
	printed = 1;
    }
    for (section = MG_POLICY_GLOBAL + 1; section < MG_POLICY_SECTIONS; section++) {
	if (!(flags & MG_POLICY_PRINT_ALL)
	    && !mg_policy_section_given(&cfg->policy, section))
	    continue;
	fprintf(fp, "%s[%s]\n", printed ? "\n" : "",
		mg_policy_section_name((enum mg_policy_section) section));
	mg_policy_print_section(&cfg->policy, section, flags, fp);
	printed = 1;
    }
    mg_config_free(&dflt);
}
