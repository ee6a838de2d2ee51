/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	postfix_conf 3
/* SUMMARY
/*	a Postfix instance's effective configuration, from postconf
/* SYNOPSIS
/*	#include "cli/postfix_conf.h"
/*
/*	enum mg_code pfconf_load(dir, pf, err)
/*
/*	const char *pfconf_value(pf, svc, name)
/*
/*	char	*pfconf_sasl_conf_file(pf, svc)
/* DESCRIPTION
/*	pfconf_load() runs postconf(1) three times for the configuration
/*	directory config_dir: "postconf -c DIR -x" (every parameter, with
/*	defaults, $names expanded), "-M" (the master.cf services) and
/*	"-P -x" (each service's -o overrides). The postconf program is
/*	$MD5GATE_POSTCONF (an absolute path; refused in a set-id process),
/*	else /usr/sbin/postconf, else (not as root) postconf on PATH.
/*
/*	pfconf_run() runs a program with its output on a pipe: no PATH
/*	search as root or set-id, no descriptor but 0, 1 and 2 inherited,
/*	killed (with its process group) when it takes more than 30 seconds.
/*
/*	pfconf_value() is what one service sees: its -o override of name,
/*	else main.cf's value (with service null: main.cf's value).
/*	pfconf_sasl_conf_dirs() is where libsasl2 looks for the service's
/*	application file in Debian's Postfix: $config_directory/sasl, then
/*	/usr/lib/sasl. Debian's smtpd does not read cyrus_sasl_config_path
/*	(observed with Postfix 3.7.11: with the parameter naming another
/*	directory, and even without $config_directory/sasl/smtpd.conf, no
/*	file there was read); pfconf_conf_path_ignored() says when the
/*	parameter names another directory, which a reader of main.cf would
/*	believe. pfconf_sasl_conf_file() is the first
/*	smtpd_sasl_path.conf found there, or null. pfconf_realm() is the user
/*	realm smtpd gives libsasl2: smtpd_sasl_local_domain, else libsasl2
/*	uses myhostname. pfconf_inside_chroot() is the host path of a path
/*	that a chrooted service opens after entering queue_directory.
/*	pfconf_import_value() is the value that import_environment gives
/*	NAME (e.g. SASL_PATH), or null.
/*
/*	pfconf_become_smtpd() turns the (root) process into what smtpd is
/*	when it reads the sasldb: inside root (when not null), mail_owner's
/*	uid and gid with no other group (Postfix's set_ugid()), for good:
/*	afterwards setuid(0) must fail. It returns 0, or an errno value with
/*	*stage saying what failed ("chroot", "change to mail_owner", "drop
/*	root for good").
/*
/*	The parsers take postconf's whole output and refuse a line that is
/*	not what postconf prints, with its number; they are bounded by
/*	PFCONF_OUTPUT_MAX (pfconf_run() reads no more).
/*--*/
#define _GNU_SOURCE			/* pipe2() */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "postfix_conf.h"

/* Running postconf. */

 /*
  * How long postconf (or sasldblistusers2) may take before it is killed:
  * a program that hangs must not hang doctor, test-login or passwd.
  */
#define PFCONF_RUN_TIMEOUT	30

static int running_set_id(void)
{
    return (getuid() != geteuid() || getgid() != getegid());
}

 /*
  * The postconf program, or null with the reason in err. It runs with
  * the caller's privileges (often root): $MD5GATE_POSTCONF only as an
  * absolute path and never in a set-id process, and root never searches
  * PATH.
  */
static const char *postconf_program(struct mg_error *err)
{
    const char *env = getenv("MD5GATE_POSTCONF");

    if (env && *env) {
	if (running_set_id()) {
	    mg_fail(err, MG_BADPARAM, "MD5GATE_POSTCONF is not taken by a set-id process");
	    return (0);
	}
	if (*env != '/') {
	    mg_fail(err, MG_BADPARAM, "MD5GATE_POSTCONF must be an absolute path, "
		    "not %.100s", env);
	    return (0);
	}
	return (env);
    }
    if (geteuid() == 0 || access("/usr/sbin/postconf", X_OK) == 0)
	return ("/usr/sbin/postconf");
    return ("postconf");
}

 /*
  * Only the descriptors the child is given: nothing the caller had open
  * (a sasldb, a lockout store, a terminal) reaches the program.
  */
static void close_from(int lowfd)
{
    long    max;
    int     fd;

#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned) lowfd, ~0U, 0) == 0)
	return;
#endif
    max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
	max = 65536;
    for (fd = lowfd; fd < max; fd++)
	(void) close(fd);
}

static long seconds_left(const struct timespec *deadline)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return ((long) (deadline->tv_sec - now.tv_sec));
}

 /*
  * Wait for the child until the deadline; then kill it (and what it
  * started, its process group) and reap it. Returns -1 after a kill.
  */
static int reap(pid_t pid, const struct timespec *deadline, int *status)
{
    pid_t   r;

    for (;;) {
	r = waitpid(pid, status, WNOHANG);
	if (r == pid)
	    return (0);
	if (r < 0 && errno != EINTR)
	    return (0);
	if (seconds_left(deadline) < 0)
	    break;
	(void) poll(0, 0, 50);
    }
    (void) kill(-pid, SIGKILL);
    (void) kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
	 /* void */ ;
    return (-1);
}

static void first_line(FILE *fp, char *buf, size_t size)
{
    char   *nl;

    buf[0] = 0;
    if (size == 0 || fp == 0)
	return;
    rewind(fp);
    if (fgets(buf, (int) size, fp) == 0)
	buf[0] = 0;
    if ((nl = strchr(buf, '\n')) != 0)
	*nl = 0;
}

int     pfconf_run(char *const argv[], char **out, size_t *out_len,
		           char *err_line, size_t err_size)
{
    FILE   *errfp = tmpfile();
    char   *buf;
    size_t  len = 0, cap = 8192;
    ssize_t n;
    int     fds[2], status, too_long = 0, no_memory = 0, timed_out = 0;
    struct timespec deadline;
    pid_t   pid;

    *out = 0;
    *out_len = 0;
    if (err_size)
	err_line[0] = 0;
    if (argv[0][0] != '/' && (geteuid() == 0 || running_set_id())) {
	snprintf(err_line, err_size, "cannot run %s: not an absolute path, and "
		 "PATH is not searched with privileges", argv[0]);
	if (errfp)
	    fclose(errfp);
	return (127);
    }
    if (errfp == 0 || pipe2(fds, O_CLOEXEC) < 0) {
	snprintf(err_line, err_size, "cannot run %s: %s", argv[0], strerror(errno));
	if (errfp)
	    fclose(errfp);
	return (-1);
    }
    if ((buf = malloc(cap)) == 0) {
	snprintf(err_line, err_size, "cannot run %s: out of memory", argv[0]);
	close(fds[0]);
	close(fds[1]);
	fclose(errfp);
	return (-1);
    }
    if ((pid = fork()) < 0) {
	snprintf(err_line, err_size, "cannot run %s: %s", argv[0], strerror(errno));
	close(fds[0]);
	close(fds[1]);
	fclose(errfp);
	free(buf);
	return (-1);
    }
    if (pid == 0) {
	(void) setpgid(0, 0);		/* killed with what it starts */
	if (dup2(fds[1], STDOUT_FILENO) < 0 || dup2(fileno(errfp), STDERR_FILENO) < 0)
	    _exit(127);
	close_from(3);
	if (argv[0][0] == '/')
	    execv(argv[0], argv);
	else
	    execvp(argv[0], argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
    }
    close(fds[1]);
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += PFCONF_RUN_TIMEOUT;
    for (;;) {
	struct pollfd pfd = {fds[0], POLLIN, 0};
	long    left = seconds_left(&deadline);
	int     ready;

	if (left < 0) {
	    timed_out = 1;
	    break;
	}
	ready = poll(&pfd, 1, (int) (left + 1) * 1000);
	if (ready < 0 && errno == EINTR)
	    continue;
	if (ready < 0)
	    break;
	if (ready == 0)
	    continue;			/* the deadline is checked above */
	if (len + 1 >= cap && cap < PFCONF_OUTPUT_MAX + 2 && !no_memory) {
	    char   *more = realloc(buf, cap * 2);

	    if (more == 0) {
		no_memory = 1;
	    } else {
		buf = more;
		cap *= 2;
	    }
	}
	/* Too much, or no room: read the rest into nothing, then fail. */
	if (no_memory || len + 1 >= cap || len > PFCONF_OUTPUT_MAX) {
	    char    sink[4096];

	    too_long = !no_memory;
	    if (read(fds[0], sink, sizeof(sink)) <= 0)
		break;
	    continue;
	}
	n = read(fds[0], buf + len, cap - len - 1);
	if (n < 0 && errno == EINTR)
	    continue;
	if (n <= 0)
	    break;
	len += (size_t) n;
    }
    close(fds[0]);
    if (reap(pid, &deadline, &status) < 0)
	timed_out = 1;
    first_line(errfp, err_line, err_size);
    fclose(errfp);
    if (too_long || no_memory || timed_out) {
	if (timed_out)
	    snprintf(err_line, err_size, "%s did not finish within %d seconds: killed",
		     argv[0], PFCONF_RUN_TIMEOUT);
	else if (no_memory)
	    snprintf(err_line, err_size, "out of memory reading %s", argv[0]);
	else
	    snprintf(err_line, err_size, "%s printed more than %d bytes", argv[0],
		     PFCONF_OUTPUT_MAX);
	free(buf);
	return (-1);
    }
    buf[len] = 0;
    *out = buf;
    *out_len = len;
    return (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Parsing its output. */

static int name_char(int ch)
{
    return (isalnum(ch) || ch == '_');
}

 /*
  * The next line of text: [*pos, end of line), without the newline.
  */
static int next_line(const char *text, size_t len, size_t *pos, const char **line,
		             size_t *line_len)
{
    const char *nl;

    if (*pos >= len)
	return (0);
    *line = text + *pos;
    nl = memchr(*line, '\n', len - *pos);
    *line_len = nl ? (size_t) (nl - *line) : len - *pos;
    *pos += *line_len + (nl != 0);
    return (1);
}

static char *dup_range(const char *start, size_t len)
{
    char   *copy = malloc(len + 1);

    if (copy) {
	memcpy(copy, start, len);
	copy[len] = 0;
    }
    return (copy);
}

static int has_nul(const char *data, size_t len)
{
    return (memchr(data, 0, len) != 0);
}

static enum mg_code add_kv(struct pfconf_kv **kvs, size_t *count, const char *scope,
			           size_t scope_len, const char *name, size_t name_len,
			           const char *value, size_t value_len, struct mg_error *err)
{
    struct pfconf_kv *more, *kv;

    if ((more = realloc(*kvs, (*count + 1) * sizeof(*more))) == 0)
	return (mg_fail(err, MG_NOMEM, "out of memory"));
    *kvs = more;
    kv = more + *count;
    kv->scope = scope ? dup_range(scope, scope_len) : 0;
    kv->name = dup_range(name, name_len);
    kv->value = dup_range(value, value_len);
    if ((scope && kv->scope == 0) || kv->name == 0 || kv->value == 0) {
	free(kv->scope);
	free(kv->name);
	free(kv->value);
	return (mg_fail(err, MG_NOMEM, "out of memory"));
    }
    (*count)++;
    return (MG_OK);
}

 /*
  * "name = value", "name =", or with scoped, "service/type/name = value".
  */
static enum mg_code parse_param_line(const char *line, size_t len, int scoped,
				             int lineno, struct pfconf_kv **kvs,
				             size_t *count, struct mg_error *err)
{
    const char *eq = 0, *name = line, *scope = 0, *value, *slash, *type_slash = 0;
    size_t  i, name_len, scope_len = 0, value_len;

    for (i = 0; i + 1 < len; i++)
	if (line[i] == ' ' && line[i + 1] == '=') {
	    eq = line + i;
	    break;
	}
    if (eq == 0 || eq == line)
	return (mg_fail(err, MG_MALFORMED, "postconf output line %d: not "
			"\"name = value\"", lineno));
    value = eq + 2;
    value_len = len - (size_t) (value - line);
    if (value_len > 0 && *value != ' ')
	return (mg_fail(err, MG_MALFORMED, "postconf output line %d: no space after "
			"\"=\"", lineno));
    if (value_len > 0) {
	value++;
	value_len--;
    }
    if (scoped) {
	for (slash = eq; slash > line && slash[-1] != '/'; slash--)
	     /* void */ ;
	if (slash > line + 1)
	    for (type_slash = slash - 1; type_slash > line && type_slash[-1] != '/';
		 type_slash--)
		 /* void */ ;
	if (slash == line || type_slash == 0 || type_slash <= line + 1
	    || type_slash == slash - 1)
	    return (mg_fail(err, MG_MALFORMED, "postconf output line %d: not "
			    "\"service/type/name = value\"", lineno));
	scope = line;
	scope_len = (size_t) (slash - 1 - line);
	name = slash;
    }
    name_len = (size_t) (eq - name);
    if (name_len == 0 || name_len > PFCONF_NAME_MAX || scope_len > PFCONF_NAME_MAX)
	return (mg_fail(err, MG_MALFORMED, "postconf output line %d: parameter name "
			"empty or longer than %d bytes", lineno, PFCONF_NAME_MAX));
    for (i = 0; i < name_len; i++)
	if (!name_char((unsigned char) name[i]))
	    return (mg_fail(err, MG_MALFORMED, "postconf output line %d: parameter "
			    "name with a character other than letters, digits and "
			    "\"_\"", lineno));
    return (add_kv(kvs, count, scope, scope_len, name, name_len, value, value_len, err));
}

enum mg_code pfconf_parse_params(const char *text, size_t len, int scoped,
				         struct pfconf_kv **kvs, size_t *count,
				         struct mg_error *err)
{
    const char *line;
    size_t  pos = 0, line_len;
    int     lineno = 0;

    if (len > PFCONF_OUTPUT_MAX)
	return (mg_fail(err, MG_TOOLONG, "postconf output longer than %d bytes",
			PFCONF_OUTPUT_MAX));
    if (has_nul(text, len))
	return (mg_fail(err, MG_MALFORMED, "postconf output contains a NUL byte"));
    while (next_line(text, len, &pos, &line, &line_len)) {
	lineno++;
	if (line_len == 0)
	    continue;
	if (parse_param_line(line, line_len, scoped, lineno, kvs, count, err) != MG_OK)
	    return (err->code);
    }
    return (MG_OK);
}

static enum mg_code add_service(char *field[PFCONF_FIELDS], struct pfconf_service **svcs,
				        size_t *count, struct mg_error *err)
{
    struct pfconf_service *more, *svc;
    size_t  key_len = strlen(field[0]) + strlen(field[1]) + 2;

    if ((more = realloc(*svcs, (*count + 1) * sizeof(*more))) == 0)
	return (mg_fail(err, MG_NOMEM, "out of memory"));
    *svcs = more;
    svc = more + *count;
    svc->name = strdup(field[0]);
    svc->type = strdup(field[1]);
    svc->chroot = strdup(field[4]);
    svc->command = strdup(field[7]);
    if ((svc->key = malloc(key_len)) != 0)
	snprintf(svc->key, key_len, "%s/%s", field[0], field[1]);
    svc->chrooted = strcmp(field[4], "y") == 0;
    if (!svc->name || !svc->type || !svc->chroot || !svc->command || !svc->key) {
	free(svc->name);
	free(svc->type);
	free(svc->chroot);
	free(svc->command);
	free(svc->key);
	return (mg_fail(err, MG_NOMEM, "out of memory"));
    }
    (*count)++;
    return (MG_OK);
}

 /*
  * One master.cf entry as postconf -M prints it, on one line: service
  * type private unpriv chroot wakeup maxproc command [args].
  */
enum mg_code pfconf_parse_services(const char *text, size_t len,
				           struct pfconf_service **svcs, size_t *count,
				           struct mg_error *err)
{
    char    buf[4 * PFCONF_NAME_MAX], *field[PFCONF_FIELDS], *save = 0, *tok;
    const char *line;
    size_t  pos = 0, line_len;
    int     lineno = 0, n;

    if (len > PFCONF_OUTPUT_MAX)
	return (mg_fail(err, MG_TOOLONG, "postconf -M output longer than %d bytes",
			PFCONF_OUTPUT_MAX));
    if (has_nul(text, len))
	return (mg_fail(err, MG_MALFORMED, "postconf -M output contains a NUL byte"));
    while (next_line(text, len, &pos, &line, &line_len)) {
	lineno++;
	if (line_len == 0)
	    continue;
	if (isspace((unsigned char) line[0]))
	    return (mg_fail(err, MG_MALFORMED, "postconf -M output line %d starts "
			    "with white space", lineno));
	/* The arguments after the command are not needed. */
	if (line_len >= sizeof(buf))
	    line_len = sizeof(buf) - 1;
	memcpy(buf, line, line_len);
	buf[line_len] = 0;
	n = 0;
	save = 0;
	for (tok = strtok_r(buf, " \t", &save); tok && n < PFCONF_FIELDS;
	     tok = strtok_r(0, " \t", &save))
	    field[n++] = tok;
	if (n < PFCONF_FIELDS)
	    return (mg_fail(err, MG_MALFORMED, "postconf -M output line %d has %d "
			    "fields; a service has at least %d", lineno, n, PFCONF_FIELDS));
	if (strlen(field[0]) > PFCONF_NAME_MAX || strlen(field[1]) > PFCONF_NAME_MAX)
	    return (mg_fail(err, MG_MALFORMED, "postconf -M output line %d: service "
			    "name longer than %d bytes", lineno, PFCONF_NAME_MAX));
	if (add_service(field, svcs, count, err) != MG_OK)
	    return (err->code);
    }
    return (MG_OK);
}

void    pfconf_kvs_free(struct pfconf_kv *kvs, size_t count)
{
    size_t  i;

    for (i = 0; i < count; i++) {
	free(kvs[i].scope);
	free(kvs[i].name);
	free(kvs[i].value);
    }
    free(kvs);
}

void    pfconf_services_free(struct pfconf_service *svcs, size_t count)
{
    size_t  i;

    for (i = 0; i < count; i++) {
	free(svcs[i].name);
	free(svcs[i].type);
	free(svcs[i].key);
	free(svcs[i].chroot);
	free(svcs[i].command);
    }
    free(svcs);
}

/* sasldblistusers2's output. */

static int known_string(char **list, size_t count, const char *str, size_t len)
{
    size_t  i;

    for (i = 0; i < count; i++)
	if (strlen(list[i]) == len && memcmp(list[i], str, len) == 0)
	    return (1);
    return (0);
}

 /*
  * "user@realm: property". A user name may hold "@" and ": " (sasldb
  * keeps user and realm apart), a realm neither: split at the last ": "
  * and then at the last "@" before it.
  */
enum mg_code pfconf_parse_sasldb_listing(const char *text, size_t len,
				                 char ***realms, size_t *count,
				                 struct mg_error *err)
{
    const char *line, *colon, *at, *cp;
    size_t  pos = 0, line_len, realm_len;
    int     lineno = 0;
    char  **more;

    if (len > PFCONF_OUTPUT_MAX)
	return (mg_fail(err, MG_TOOLONG, "sasldb listing longer than %d bytes",
			PFCONF_OUTPUT_MAX));
    if (has_nul(text, len))
	return (mg_fail(err, MG_MALFORMED, "sasldb listing contains a NUL byte"));
    while (next_line(text, len, &pos, &line, &line_len)) {
	lineno++;
	if (line_len == 0)
	    continue;
	for (colon = 0, cp = line; cp + 1 < line + line_len; cp++)
	    if (cp[0] == ':' && cp[1] == ' ')
		colon = cp;
	for (at = 0, cp = line; colon && cp < colon; cp++)
	    if (*cp == '@')
		at = cp;
	if (colon == 0 || at == 0 || at == line)
	    return (mg_fail(err, MG_MALFORMED, "sasldb listing line %d is not "
			    "\"user@realm: property\"", lineno));
	realm_len = (size_t) (colon - at - 1);
	if (realm_len > PFCONF_NAME_MAX)
	    return (mg_fail(err, MG_MALFORMED, "sasldb listing line %d: realm longer "
			    "than %d bytes", lineno, PFCONF_NAME_MAX));
	if (known_string(*realms, *count, at + 1, realm_len))
	    continue;
	if ((more = realloc(*realms, (*count + 1) * sizeof(*more))) == 0
	    || (*realms = more, (more[*count] = dup_range(at + 1, realm_len)) == 0))
	    return (mg_fail(err, MG_NOMEM, "out of memory"));
	(*count)++;
    }
    return (MG_OK);
}

void    pfconf_strings_free(char **list, size_t count)
{
    size_t  i;

    for (i = 0; i < count; i++)
	free(list[i]);
    free(list);
}

/* The instance. */

static enum mg_code run_postconf(const char *dir, const char *opt1, const char *opt2,
				         char **out, size_t *len, struct mg_error *err)
{
    char   *argv[6];
    char    errbuf[MG_REASON_MAX];
    int     n = 0, status;

    if ((argv[n++] = (char *) postconf_program(err)) == 0)
	return (err->code);
    argv[n++] = (char *) "-c";
    argv[n++] = (char *) dir;
    argv[n++] = (char *) opt1;
    if (opt2)
	argv[n++] = (char *) opt2;
    argv[n] = 0;
    status = pfconf_run(argv, out, len, errbuf, sizeof(errbuf));
    if (status == 0)
	return (MG_OK);
    free(*out);
    *out = 0;
    return (mg_fail(err, MG_BADPARAM, "postconf -c %.80s %s%s%s failed%s%.100s", dir,
		    opt1, opt2 ? " " : "", opt2 ? opt2 : "", errbuf[0] ? ": " : "",
		    errbuf));
}

enum mg_code pfconf_load(const char *dir, struct pfconf *pf, struct mg_error *err)
{
    char   *out = 0;
    size_t  len;
    struct stat st;

    memset(pf, 0, sizeof(*pf));
    if (stat(dir, &st) < 0)
	return (mg_fail(err, MG_BADPARAM, "%.100s: %s", dir, strerror(errno)));
    if (!S_ISDIR(st.st_mode))
	return (mg_fail(err, MG_BADPARAM, "%.100s: not a directory", dir));
    if ((pf->config_dir = strdup(dir)) == 0)
	return (mg_fail(err, MG_NOMEM, "out of memory"));
    if (run_postconf(dir, "-x", 0, &out, &len, err) != MG_OK
	|| pfconf_parse_params(out, len, 0, &pf->params, &pf->param_count, err) != MG_OK)
	goto fail;
    free(out);
    if (run_postconf(dir, "-M", 0, &out, &len, err) != MG_OK
	|| pfconf_parse_services(out, len, &pf->services, &pf->service_count, err) != MG_OK)
	goto fail;
    free(out);
    if (run_postconf(dir, "-P", "-x", &out, &len, err) != MG_OK
	|| pfconf_parse_params(out, len, 1, &pf->overrides, &pf->override_count,
			       err) != MG_OK)
	goto fail;
    free(out);
    return (MG_OK);

fail:
    free(out);
    pfconf_free(pf);
    return (err->code);
}

void    pfconf_free(struct pfconf *pf)
{
    free(pf->config_dir);
    pfconf_kvs_free(pf->params, pf->param_count);
    pfconf_kvs_free(pf->overrides, pf->override_count);
    pfconf_services_free(pf->services, pf->service_count);
    memset(pf, 0, sizeof(*pf));
}

const char *pfconf_main(const struct pfconf *pf, const char *name)
{
    const char *value = 0;
    size_t  i;

    for (i = 0; i < pf->param_count; i++)
	if (strcmp(pf->params[i].name, name) == 0)
	    value = pf->params[i].value;
    return (value);
}

const char *pfconf_value(const struct pfconf *pf, const struct pfconf_service *svc,
			         const char *name)
{
    const char *value = 0;
    size_t  i;

    for (i = 0; svc && i < pf->override_count; i++)
	if (strcmp(pf->overrides[i].scope, svc->key) == 0
	    && strcmp(pf->overrides[i].name, name) == 0)
	    value = pf->overrides[i].value;
    return (value ? value : pfconf_main(pf, name));
}

const struct pfconf_service *pfconf_service(const struct pfconf *pf, const char *name)
{
    size_t  i;

    for (i = 0; i < pf->service_count; i++)
	if (strcmp(pf->services[i].command, "smtpd") == 0
	    && (strcmp(pf->services[i].name, name) == 0
		|| strcmp(pf->services[i].key, name) == 0))
	    return (pf->services + i);
    return (0);
}

static int yes(const char *value)
{
    return (value && (strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0));
}

int     pfconf_sasl_enabled(const struct pfconf *pf, const struct pfconf_service *svc)
{
    return (yes(pfconf_value(pf, svc, "smtpd_sasl_auth_enable")));
}

const struct pfconf_service *pfconf_first_sasl_service(const struct pfconf *pf)
{
    size_t  i;

    for (i = 0; i < pf->service_count; i++)
	if (strcmp(pf->services[i].command, "smtpd") == 0
	    && pfconf_sasl_enabled(pf, pf->services + i))
	    return (pf->services + i);
    return (0);
}

char   *pfconf_sasl_conf_dirs(const struct pfconf *pf, const struct pfconf_service *svc)
{
    const char *confdir = pfconf_main(pf, "config_directory");
    char   *dirs;
    size_t  len;

    (void) svc;
    if (confdir == 0 || *confdir == 0)
	confdir = pf->config_dir;
    len = strlen(confdir) + sizeof(PFCONF_DEBIAN_SASL_DIRS);
    if ((dirs = malloc(len)) != 0)
	snprintf(dirs, len, "%s" PFCONF_DEBIAN_SASL_DIRS, confdir);
    return (dirs);
}

int     pfconf_conf_path_ignored(const struct pfconf *pf, const struct pfconf_service *svc)
{
    const char *path = pfconf_value(pf, svc, "cyrus_sasl_config_path");
    char   *dirs = pfconf_sasl_conf_dirs(pf, svc), *colon;
    int     ignored;

    if (path == 0 || *path == 0 || dirs == 0) {
	free(dirs);
	return (0);
    }
    if ((colon = strchr(dirs, ':')) != 0)
	*colon = 0;
    ignored = strcmp(path, dirs) != 0;
    free(dirs);
    return (ignored);
}

char   *pfconf_sasl_conf_file(const struct pfconf *pf, const struct pfconf_service *svc)
{
    const char *app = pfconf_value(pf, svc, "smtpd_sasl_path");
    char   *dirs = pfconf_sasl_conf_dirs(pf, svc), *dir, *next, *file = 0;
    size_t  len;

    if (app == 0 || *app == 0)
	app = "smtpd";
    for (dir = dirs; dir && file == 0; dir = next) {
	if ((next = strchr(dir, ':')) != 0)
	    *next++ = 0;
	if (*dir == 0)
	    continue;
	len = strlen(dir) + strlen(app) + sizeof("/.conf");
	if ((file = malloc(len)) == 0)
	    break;
	snprintf(file, len, "%s/%s.conf", dir, app);
	if (access(file, F_OK) != 0) {
	    free(file);
	    file = 0;
	}
    }
    free(dirs);
    return (file);
}

const char *pfconf_realm(const struct pfconf *pf, const struct pfconf_service *svc,
			         const char **source)
{
    const char *realm = pfconf_value(pf, svc, "smtpd_sasl_local_domain");

    if (realm && *realm) {
	*source = "smtpd_sasl_local_domain";
	return (realm);
    }
    *source = "myhostname (smtpd_sasl_local_domain is empty)";
    return (pfconf_main(pf, "myhostname"));
}

char   *pfconf_inside_chroot(const struct pfconf *pf, const struct pfconf_service *svc,
			             const char *path)
{
    const char *queue = pfconf_main(pf, "queue_directory");
    char   *host;
    size_t  len;

    if (svc == 0 || !svc->chrooted || queue == 0 || *path != '/')
	return (strdup(path));
    len = strlen(queue) + strlen(path) + 1;
    if ((host = malloc(len)) != 0)
	snprintf(host, len, "%s%s", queue, path);
    return (host);
}

char   *pfconf_import_value(const struct pfconf *pf, const char *name)
{
    const char *value = pfconf_main(pf, "import_environment");
    char   *copy = strdup(value ? value : ""), *tok, *save = 0, *found = 0;
    size_t  len = strlen(name);

    if (copy == 0)
	return (0);
    for (tok = strtok_r(copy, " \t\r\n,{}", &save); tok;
	 tok = strtok_r(0, " \t\r\n,{}", &save))
	if (strncmp(tok, name, len) == 0 && tok[len] == '=') {
	    free(found);
	    found = strdup(tok + len + 1);
	}
    free(copy);
    return (found);
}

int     pfconf_mail_owner(const struct pfconf *pf, uid_t *uid, gid_t *gid,
			          struct mg_error *err)
{
    const char *owner = pfconf_main(pf, "mail_owner");
    struct passwd *pw;

    if (owner == 0 || *owner == 0)
	owner = "postfix";
    if ((pw = getpwnam(owner)) == 0) {
	mg_fail(err, MG_BADPARAM, "mail_owner %.100s: no such user", owner);
	return (-1);
    }
    /* Postfix refuses a privileged mail_owner; so does md5gate. */
    if (pw->pw_uid == 0 || pw->pw_gid == 0) {
	mg_fail(err, MG_BADPARAM, "mail_owner %.100s: has %s 0; Postfix refuses a "
		"privileged mail_owner", owner, pw->pw_uid == 0 ? "uid" : "gid");
	return (-1);
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return (0);
}

int     pfconf_become_smtpd(const char *root, uid_t uid, gid_t gid, const char **stage)
{
    *stage = "chroot";
    if (root && (chroot(root) < 0 || chdir("/") < 0))
	return (errno);
    *stage = "change to mail_owner";
    if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
	return (errno);
    /* Root must be gone for good, not just out of sight. */
    *stage = "drop root for good";
    if (uid != 0 && setuid(0) == 0)
	return (EPERM);
    return (0);
}
