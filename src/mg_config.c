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
/*	A missing file means defaults: no audit file, records to the
/*	application's log only. Any error in an existing file - an unknown
/*	section or name, a bad value, a syntax error - is reported as
/*	"file:line: what is wrong" and the whole file is refused; the
/*	plugin then disables its mechanisms rather than run with a
/*	configuration the administrator did not write.
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

#include <ini.h>

#include "mg_config.h"

#define MG_CONFIG_LINE_MAX	1024
#define MG_CONFIG_VALUE_MAX	(64 * 256)	/* a value and its continuations */

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

const char *mg_log_level_name(enum mg_log_level level)
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

static int set_global(struct load_state *st, const char *name, const char *value)
{
    struct mg_config *cfg = st->cfg;

    if (strcmp(name, "audit_file") == 0) {
	if (value[0] != '/')
	    return (semantic_error(st, "audit_file must be an absolute path, not \"%.60s\"", value));
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
  * inih hands an indented continuation line over as another value of the
  * same name: it extends the value (a long list), it does not replace it.
  */
static int handler(void *user, const char *section, const char *name,
		           const char *value)
{
    struct load_state *st = user;
    const char *cp;
    size_t  len, vlen;

    if (name == 0)				/* a section header alone */
	return (known_section(section, strlen(section)) ? 1 :
		semantic_error(st, "unknown section [%.60s]", section));
    if (section[0] == 0)
	return (semantic_error(st, "setting \"%.60s\" outside a section", name));
    if (st->continuation && strcmp(st->last_section, section) == 0
	&& strcmp(st->last_name, name) == 0) {
	/* inih 55 leaves an inline comment on a continuation line. */
	vlen = strlen(value);
	for (cp = value; (cp = strchr(cp, ';')) != 0; cp++) {
	    if (cp == value || cp[-1] == ' ' || cp[-1] == '\t') {
		vlen = (size_t) (cp - value);
		break;
	    }
	}
	while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
	    vlen--;
	len = strlen(st->last_value);
	if (len + 1 + vlen > MG_CONFIG_VALUE_MAX)
	    return (semantic_error(st, "%.60s: value longer than %d bytes", name,
				   MG_CONFIG_VALUE_MAX));
	st->last_value[len] = ' ';
	memcpy(st->last_value + len + 1, value, vlen);
	st->last_value[len + 1 + vlen] = 0;
    } else {
	snprintf(st->last_section, sizeof(st->last_section), "%s", section);
	snprintf(st->last_name, sizeof(st->last_name), "%s", name);
	snprintf(st->last_value, sizeof(st->last_value), "%s", value);
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
    if (*start == '[' && (end = strchr(start, ']')) != 0
	&& !known_section(start + 1, (size_t) (end - start - 1)))
	semantic_error(st, "unknown section [%.*s]", (int) (end - start - 1), start + 1);
    return (line);
}

enum mg_code mg_config_load(const char *path, struct mg_config *cfg,
			            struct mg_error *err)
{
    FILE   *fp;
    enum mg_code code;

    mg_config_free(cfg);
    if ((fp = fopen(path, "r")) == 0) {
	if (errno == ENOENT) {
	    if ((cfg->path = strdup(path)) == 0)
		return (mg_fail(err, MG_NOMEM, "out of memory"));
	    return (MG_OK);			/* defaults */
	}
	return (mg_fail(err, MG_BADPARAM, "%.100s: cannot open: %s", path, strerror(errno)));
    }
    code = mg_config_load_stream(fp, path, cfg, err);
    fclose(fp);
    return (code);
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
    return (mg_log_level_name(cfg->audit_success_level));
}

static const char *audit_failure_level_text(const struct mg_config *cfg)
{
    return (mg_log_level_name(cfg->audit_failure_level));
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
