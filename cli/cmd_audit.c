/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cmd_audit 3
/* SUMMARY
/*	md5gate audit tail|summary
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_audit(argc, argv)
/* DESCRIPTION
/*	"md5gate audit tail [-n N] [-f] [FILE]" prints the last records of
/*	the audit file one line each, in aligned columns, every text through
/*	cli_safe_text() so that no name a peer chose can drive the terminal;
/*	-f then waits for more, and follows the file when it is rotated.
/*
/*	"md5gate audit summary [--since T] [--top N] [--json] [FILE...]"
/*	reads the files (each with its rotated predecessors FILE.N and
/*	FILE.N.gz, oldest first) and reports per canonical account the
/*	successes, failures, lockouts, the last success (time, address,
/*	listener, TLS when the record says so) and the mechanisms used; then
/*	the client addresses with the most failures. Server and client side
/*	are kept apart. --json prints one JSON object.
/*
/*	Files are opened only when they are regular files, and read through
/*	zlib, which reads gzip and plain files alike. A line that is not a
/*	record is counted and reported as FILE:LINE: reason (the first few
/*	on stderr); the exit status is then 1. A file that cannot be read is
/*	exit status 2.
/*--*/
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <zlib.h>

#include "audit_read.h"
#include "cli.h"

#define AUDIT_DEFAULT_FILE	"/var/log/md5gate/audit.jsonl"
#define TAIL_USAGE	"md5gate audit tail [-n N] [-f] [FILE]"
#define SUMMARY_USAGE	"md5gate audit summary [--since T] [--top N] [--json] " \
	"[--no-rotated] [FILE...]"

static const char group_help[] =
"usage: " TAIL_USAGE "\n"
"       " SUMMARY_USAGE "\n"
"\n"
"Read md5gate's audit file (default: " AUDIT_DEFAULT_FILE ").\n"
"'md5gate audit tail --help' and 'md5gate audit summary --help' say more.\n";

static const char tail_help[] =
"usage: " TAIL_USAGE "\n"
"\n"
"Print the last records of FILE (default: " AUDIT_DEFAULT_FILE "),\n"
"one line each: time (UTC), side, mechanism, outcome, account, client\n"
"address -> listener, then what else the record says. Text a peer chose is\n"
"shown with control and formatting characters escaped.\n"
"\n"
"  -n, --lines N    the last N records (default 10; 0: none, with -f)\n"
"  -f, --follow     then print records as they are written, across rotation\n"
"  --help           show this text\n";

static const char summary_help[] =
"usage: " SUMMARY_USAGE "\n"
"\n"
"Summarise FILE (default: " AUDIT_DEFAULT_FILE ") and its rotated\n"
"predecessors (FILE.1, FILE.2.gz, ...): per account the successes,\n"
"failures, lockouts, the last success and the mechanisms used, then the\n"
"client addresses with the most failures.\n"
"\n"
"  --since T        only records from T on: YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss]\n"
"                   (UTC), or N followed by s, m, h or d (that long ago)\n"
"  --top N          how many addresses to list (default 10)\n"
"  --json           one JSON object: files, records, malformed, accounts,\n"
"                   client_accounts, addresses\n"
"  --no-rotated     read only the files named\n"
"  --help           show this text\n"
"\n"
"Exit status 0; 1 when some lines were not records (they are counted and\n"
"the first are named); 2 when a file cannot be read.\n";

/* Opening files: regular files only, plain or gzip. */

struct audit_file {
    const char *path;
    int     fd;
    gzFile  gz;
    struct stat st;
    struct ar_lines *lines;
};

static ssize_t gz_source_read(void *ctx, void *buf, size_t len)
{
    struct audit_file *af = ctx;
    int     n;
    int     errnum;

    n = gzread(af->gz, buf, (unsigned) (len > INT_MAX ? INT_MAX : len));
    if (n < 0) {
	cli_error(CLI_TROUBLE, "%s: cannot read: %s", af->path, gzerror(af->gz, &errnum));
	return (-1);
    }
    return (n);
}

 /*
  * Returns CLI_OK, or the status of the error it reported; ENOENT is
  * reported only when missing_ok is 0.
  */
static int audit_open(struct audit_file *af, const char *path, int missing_ok)
{
    memset(af, 0, sizeof(*af));
    af->path = path;
    af->gz = 0;
    if ((af->fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
	if (errno == ENOENT && missing_ok)
	    return (CLI_NEGATIVE);
	return (cli_error(CLI_TROUBLE, "%s: cannot open: %s", path, strerror(errno)));
    }
    if (fstat(af->fd, &af->st) < 0 || !S_ISREG(af->st.st_mode)) {
	close(af->fd);
	return (cli_error(CLI_TROUBLE, "%s: not a regular file", path));
    }
    if ((af->gz = gzdopen(af->fd, "rb")) == 0) {
	close(af->fd);
	return (cli_error(CLI_TROUBLE, "%s: out of memory", path));
    }
    if ((af->lines = malloc(sizeof(*af->lines))) == 0) {
	gzclose(af->gz);
	return (cli_error(CLI_TROUBLE, "%s: out of memory", path));
    }
    ar_lines_init(af->lines, (struct ar_source) {gz_source_read, af});
    return (CLI_OK);
}

static void audit_close(struct audit_file *af)
{
    if (af->gz)
	gzclose(af->gz);			/* closes fd */
    af->gz = 0;
    free(af->lines);
    af->lines = 0;
}

/* Lines that are not records: counted, the first few named. */

#define MALFORMED_SHOWN	5

struct malformed {
    unsigned long count;
};

static void note_malformed(struct malformed *m, const char *path, unsigned long lineno,
			           const char *why)
{
    char    safe[256];

    if (m->count++ < MALFORMED_SHOWN) {
	cli_safe_text(path, strlen(path), safe, sizeof(safe));
	fprintf(stderr, "%s: %s:%lu: not a record: %s\n", cli_prog, safe, lineno, why);
    }
}

 /*
  * The next record of a file: 1, 0 at the end (for now), -1 on a read
  * error. Lines that are not records are noted and skipped.
  */
static int next_record(struct audit_file *af, struct ar_record *rec, int final,
		               struct malformed *m)
{
    char    why[MG_REASON_MAX];
    enum ar_line_status st;

    for (;;) {
	switch (st = ar_next_line(af->lines, final)) {
	case AR_LINE_END:
	    return (0);
	case AR_LINE_ERROR:
	    return (-1);
	case AR_LINE_TOO_LONG:
	    snprintf(why, sizeof(why), "line longer than %d bytes", AR_LINE_MAX);
	    note_malformed(m, af->path, af->lines->lineno, why);
	    continue;
	case AR_LINE:
	    if (ar_parse_record(af->lines->line, af->lines->len, rec, why, sizeof(why)))
		return (1);
	    note_malformed(m, af->path, af->lines->lineno, why);
	    continue;
	}
    }
}

/* One record, one line. */

struct out {
    char   *buf;
    size_t  size;
    size_t  len;
};

static void put_raw(struct out *o, const char *s)
{
    size_t  n = strlen(s);

    if (o->len + n >= o->size)
	n = o->size - o->len - 1;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = 0;
}

 /*
  * Safe text, padded to width columns.
  */
static void put_text(struct out *o, const char *s, int width)
{
    char    safe[8 * AR_TEXT_MAX + 1];
    size_t  w = cli_safe_text(s, strlen(s), safe, sizeof(safe));

    put_raw(o, safe);
    for (; (int) w < width; w++)
	put_raw(o, " ");
}

static void put_endpoint(struct out *o, const char *addr, const char *port, int width)
{
    char    text[2 * AR_TEXT_MAX + 8];

    if (addr[0] == 0 || strcmp(addr, "unknown") == 0)
	snprintf(text, sizeof(text), "unknown");
    else
	snprintf(text, sizeof(text), strchr(addr, ':') ? "[%s]:%s" : "%s:%s", addr,
		 port[0] ? port : "?");
    put_text(o, text, width);
}

static void put_kv(struct out *o, const char *key, const char *value)
{
    if (value[0] == 0)
	return;
    put_raw(o, " ");
    put_raw(o, key);
    put_raw(o, "=");
    put_text(o, value, 0);
}

static void format_record(const struct ar_record *rec, struct out *o)
{
    char    when[32];

    snprintf(when, sizeof(when), "%.10s %.12s", rec->time, rec->time + 11);
    put_text(o, when, 24);
    put_text(o, rec->side, 7);
    put_text(o, rec->mech, 11);
    put_text(o, rec->outcome, 19);
    put_text(o, ar_account(rec)[0] ? ar_account(rec) : "-", 20);
    put_raw(o, " ");
    put_endpoint(o, rec->remote_addr, rec->remote_port, 21);
    put_raw(o, " -> ");
    put_endpoint(o, rec->local_addr, rec->local_port, 0);
    if (rec->account[0] && strcmp(rec->account, rec->authid) != 0)
	put_kv(o, "authid", rec->authid);
    put_kv(o, "authzid", rec->authzid);
    put_kv(o, "qop", rec->qop);
    put_kv(o, "final_reply", rec->final_reply);
    put_kv(o, "secret", rec->secret);
    if (rec->tls == 1)
	put_raw(o, " tls=yes");
    put_kv(o, "rule", rec->rule);
    if (rec->enforced != AR_TRI_NA)
	put_raw(o, rec->enforced ? " enforced=yes" : " enforced=no");
    if (rec->reason[0]) {
	put_raw(o, " reason=\"");
	put_text(o, rec->reason, 0);
	put_raw(o, "\"");
    }
}

static int print_record(const struct ar_record *rec)
{
    static char buf[32 * AR_TEXT_MAX];
    struct out o = {buf, sizeof(buf), 0};

    buf[0] = 0;
    format_record(rec, &o);
    return (cli_put_line(o.buf, o.len));
}

/* tail */

static int parse_count(const char *arg, unsigned long max, unsigned long *out)
{
    char   *end;

    errno = 0;
    if (*arg < '0' || *arg > '9')
	return (0);
    *out = strtoul(arg, &end, 10);
    return (*end == 0 && errno == 0 && *out <= max);
}

#define TAIL_MAX	100000

 /*
  * Keep the last n records as they will be printed.
  */
struct ring {
    char  **lines;
    unsigned long size;
    unsigned long next;
    unsigned long count;
};

static int ring_put(struct ring *r, const char *line)
{
    char   *copy;

    if (r->size == 0)
	return (1);
    if ((copy = strdup(line)) == 0)
	return (0);
    free(r->lines[r->next]);
    r->lines[r->next] = copy;
    r->next = (r->next + 1) % r->size;
    if (r->count < r->size)
	r->count++;
    return (1);
}

 /*
  * A last line without its newline is a record still being written when
  * the file is followed, and the file's last record when it is not.
  */
static int tail_records(struct audit_file *af, unsigned long n, int final,
			        struct malformed *m)
{
    static char buf[32 * AR_TEXT_MAX];
    struct ring r = {0, n, 0, 0};
    struct ar_record rec;
    struct out o;
    unsigned long i;
    int     got, ret = CLI_OK;

    if (n > 0 && (r.lines = calloc(n, sizeof(char *))) == 0)
	return (cli_error(CLI_TROUBLE, "out of memory"));
    while ((got = next_record(af, &rec, final, m)) > 0) {
	o = (struct out) {buf, sizeof(buf), 0};
	buf[0] = 0;
	format_record(&rec, &o);
	if (!ring_put(&r, buf)) {
	    ret = cli_error(CLI_TROUBLE, "out of memory");
	    break;
	}
    }
    if (got < 0)
	ret = CLI_TROUBLE;
    for (i = 0; i < r.count; i++) {
	const char *line = r.lines[(r.next + r.size - r.count + i) % r.size];

	if (ret == CLI_OK && cli_put_line(line, strlen(line)) != CLI_OK)
	    ret = CLI_TROUBLE;
    }
    for (i = 0; i < r.size; i++)
	free(r.lines[i]);
    free(r.lines);
    return (ret);
}

 /*
  * -f: print what is appended; when the path names another file
  * (rotated) or the file shrank (truncated), finish the old one and
  * start the new one from its beginning.
  */
static int follow(struct audit_file *af, const char *path, struct malformed *m)
{
    struct ar_record rec;
    struct audit_file next;
    struct stat st;
    off_t   at;
    int     got;

    for (;;) {
	while ((got = next_record(af, &rec, 0, m)) > 0)
	    if (print_record(&rec) != CLI_OK || cli_finish_output() != CLI_OK)
		return (CLI_TROUBLE);
	if (got < 0)
	    return (CLI_TROUBLE);
	if (fflush(stdout) == EOF)
	    return (CLI_TROUBLE);
	sleep(1);
	gzclearerr(af->gz);
	at = lseek(af->fd, 0, SEEK_CUR);
	if (stat(path, &st) == 0 && (st.st_ino != af->st.st_ino || st.st_dev != af->st.st_dev
				     || (at >= 0 && st.st_size < at))) {
	    while ((got = next_record(af, &rec, 1, m)) > 0)
		if (print_record(&rec) != CLI_OK)
		    return (CLI_TROUBLE);
	    if (audit_open(&next, path, 1) != CLI_OK)
		continue;
	    audit_close(af);
	    *af = next;
	    af->lines->src.ctx = af;
	}
    }
}

static int audit_tail(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"lines", required_argument, 0, 'n'},
	{"follow", no_argument, 0, 'f'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    struct audit_file af;
    struct malformed m = {0};
    const char *path = AUDIT_DEFAULT_FILE;
    unsigned long n = 10;
    int     ch, follow_it = 0, ret;

    cli_prog = "md5gate audit tail";
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":n:fh", longopts, 0)) != -1) {
	switch (ch) {
	case 'n':
	    if (!parse_count(optarg, TAIL_MAX, &n))
		return (cli_usage_error(TAIL_USAGE, "-n: \"%s\" is not a number from 0 to %d",
					optarg, TAIL_MAX));
	    break;
	case 'f':
	    follow_it = 1;
	    break;
	case 'h':
	    return (cli_help(tail_help));
	default:
	    return (cli_option_error(TAIL_USAGE, ch, argv));
	}
    }
    if (argc - optind > 1)
	return (cli_usage_error(TAIL_USAGE, "unexpected argument \"%s\"", argv[optind + 1]));
    if (argc - optind == 1)
	path = argv[optind];
    if ((ret = audit_open(&af, path, 0)) != CLI_OK)
	return (ret);
    ret = tail_records(&af, n, !follow_it, &m);
    if (ret == CLI_OK && follow_it) {
	if (cli_finish_output() != CLI_OK)
	    ret = CLI_TROUBLE;
	else
	    ret = follow(&af, path, &m);
    }
    audit_close(&af);
    if (ret != CLI_OK)
	return (ret);
    if (cli_finish_output() != CLI_OK)
	return (CLI_TROUBLE);
    return (m.count ? CLI_NEGATIVE : CLI_OK);
}

/* summary: tables keyed by account or address. */

 /*
  * Attackers choose the names, so the tables are hashed and bounded:
  * past MAP_MAX keys, new ones are counted together.
  */
#define MAP_MAX		100000
#define MECHS_MAX	4
#define NAMES_MAX	5

 /*
  * Of the last success, what the summary shows: names a file could make
  * long are copied only as long as they are.
  */
struct last_seen {
    char    time[32];
    char    mech[32];
    char   *remote_addr;
    char   *remote_port;
    char   *local_addr;
    char   *local_port;
    char   *secret;
    int     tls;
};

static void last_free(struct last_seen *l)
{
    if (l == 0)
	return;
    free(l->remote_addr);
    free(l->remote_port);
    free(l->local_addr);
    free(l->local_port);
    free(l->secret);
    free(l);
}

 /*
  * Returns 0 when memory is short (the old value then stays).
  */
static int last_set(struct last_seen **lp, const struct ar_record *rec)
{
    struct last_seen *l = calloc(1, sizeof(*l));

    if (l == 0)
	return (0);
    snprintf(l->time, sizeof(l->time), "%s", rec->time);
    snprintf(l->mech, sizeof(l->mech), "%s", rec->mech);
    l->tls = rec->tls;
    if ((l->remote_addr = strdup(rec->remote_addr)) == 0
	|| (l->remote_port = strdup(rec->remote_port)) == 0
	|| (l->local_addr = strdup(rec->local_addr)) == 0
	|| (l->local_port = strdup(rec->local_port)) == 0
	|| (l->secret = strdup(rec->secret)) == 0) {
	last_free(l);
	return (0);
    }
    last_free(*lp);
    *lp = l;
    return (1);
}

struct tally {
    char   *key;
    unsigned long successes;
    unsigned long failures;
    unsigned long lockouts;
    unsigned long aborted;
    unsigned long audit_only;
    char    mechs[MECHS_MAX][32];
    int     more_mechs;
    struct last_seen *last_success;	/* accounts */
    char    last_failure[32];
    char   *names[NAMES_MAX];		/* addresses: accounts tried */
    int     more_names;
};

struct map {
    struct tally *items;
    size_t  count;
    size_t  alloc;
    size_t *slots;			/* index + 1; 0: empty */
    size_t  nslots;
    unsigned long dropped;		/* records of keys past MAP_MAX */
};

static unsigned long hash(const char *s)
{
    unsigned long h = 2166136261UL;

    for (; *s; s++)
	h = (h ^ (unsigned char) *s) * 16777619UL;
    return (h);
}

static int map_grow(struct map *map)
{
    size_t  n = map->nslots ? 2 * map->nslots : 1024, i, j;
    size_t *slots = calloc(n, sizeof(*slots));

    if (slots == 0)
	return (0);
    for (i = 0; i < map->count; i++) {
	for (j = hash(map->items[i].key) & (n - 1); slots[j]; j = (j + 1) & (n - 1))
	     /* void */ ;
	slots[j] = i + 1;
    }
    free(map->slots);
    map->slots = slots;
    map->nslots = n;
    return (1);
}

 /*
  * The tally of key, made when new; null when the table is full (the
  * record is counted in dropped) or memory is short.
  */
static struct tally *map_get(struct map *map, const char *key, int *nomem)
{
    struct tally *t;
    size_t  j;

    if (2 * (map->count + 1) > map->nslots && !map_grow(map))
	return (*nomem = 1, (struct tally *) 0);
    for (j = hash(key) & (map->nslots - 1); map->slots[j]; j = (j + 1) & (map->nslots - 1))
	if (strcmp(map->items[map->slots[j] - 1].key, key) == 0)
	    return (map->items + map->slots[j] - 1);
    if (map->count >= MAP_MAX) {
	map->dropped++;
	return (0);
    }
    if (map->count == map->alloc) {
	size_t  n = map->alloc ? 2 * map->alloc : 64;
	struct tally *items = realloc(map->items, n * sizeof(*items));

	if (items == 0)
	    return (*nomem = 1, (struct tally *) 0);
	map->items = items;
	map->alloc = n;
    }
    t = map->items + map->count;
    memset(t, 0, sizeof(*t));
    if ((t->key = strdup(key)) == 0)
	return (*nomem = 1, (struct tally *) 0);
    map->slots[j] = ++map->count;
    return (t);
}

static void map_free(struct map *map)
{
    size_t  i;
    int     k;

    for (i = 0; i < map->count; i++) {
	free(map->items[i].key);
	last_free(map->items[i].last_success);
	for (k = 0; k < NAMES_MAX; k++)
	    free(map->items[i].names[k]);
    }
    free(map->items);
    free(map->slots);
}

static void add_mech(struct tally *t, const char *mech)
{
    int     i;

    for (i = 0; i < MECHS_MAX && t->mechs[i][0]; i++)
	if (strcmp(t->mechs[i], mech) == 0)
	    return;
    if (i == MECHS_MAX)
	t->more_mechs = 1;
    else
	snprintf(t->mechs[i], sizeof(t->mechs[i]), "%s", mech);
}

static int add_name(struct tally *t, const char *name)
{
    int     i;

    for (i = 0; i < NAMES_MAX && t->names[i]; i++)
	if (strcmp(t->names[i], name) == 0)
	    return (1);
    if (i == NAMES_MAX)
	t->more_names = 1;
    else if ((t->names[i] = strdup(name)) == 0)
	return (0);
    return (1);
}

struct summary {
    char    since[32];			/* empty: all */
    unsigned long records;
    unsigned long skipped;		/* before --since */
    struct malformed malformed;
    struct map accounts;
    struct map client_accounts;
    struct map addresses;
    char    first[32];
    char    last[32];
    json_object *files;
    int     nomem;
};

enum kind_of_outcome {
    O_SUCCESS, O_FAILURE, O_LOCKOUT, O_ABORTED,
};

static enum kind_of_outcome classify(const struct ar_record *rec, int *audit_only)
{
    const char *real = ar_real_outcome(rec, audit_only);

    if (strcmp(real, "success") == 0)
	return (O_SUCCESS);
    if (strcmp(real, "locked-out") == 0)
	return (O_LOCKOUT);
    if (strcmp(real, "aborted") == 0)
	return (O_ABORTED);
    return (O_FAILURE);
}

static void count(struct tally *t, enum kind_of_outcome k, int audit_only)
{
    t->successes += (k == O_SUCCESS);
    t->failures += (k == O_FAILURE);
    t->lockouts += (k == O_LOCKOUT);
    t->aborted += (k == O_ABORTED);
    t->audit_only += (audit_only != 0);
}

static void add_record(struct summary *sum, const struct ar_record *rec)
{
    struct map *accounts;
    struct tally *t;
    enum kind_of_outcome k;
    int     audit_only;

    if (sum->since[0] && strcmp(rec->time, sum->since) < 0) {
	sum->skipped++;
	return;
    }
    sum->records++;
    if (sum->first[0] == 0 || strcmp(rec->time, sum->first) < 0)
	snprintf(sum->first, sizeof(sum->first), "%s", rec->time);
    if (strcmp(rec->time, sum->last) > 0)
	snprintf(sum->last, sizeof(sum->last), "%s", rec->time);
    k = classify(rec, &audit_only);
    accounts = strcmp(rec->side, "client") == 0 ? &sum->client_accounts : &sum->accounts;
    if ((t = map_get(accounts, ar_account(rec), &sum->nomem)) != 0) {
	count(t, k, audit_only);
	add_mech(t, rec->mech);
	if (k == O_SUCCESS && (t->last_success == 0
			       || strcmp(rec->time, t->last_success->time) >= 0)
	    && !last_set(&t->last_success, rec))
	    sum->nomem = 1;
	if (k != O_SUCCESS && k != O_ABORTED && strcmp(rec->time, t->last_failure) > 0)
	    snprintf(t->last_failure, sizeof(t->last_failure), "%s", rec->time);
    }
    if (accounts == &sum->client_accounts || rec->remote_addr[0] == 0
	|| strcmp(rec->remote_addr, "unknown") == 0)
	return;
    /* Every attempt counts; the accounts listed are those that failed. */
    if ((t = map_get(&sum->addresses, rec->remote_addr, &sum->nomem)) != 0) {
	count(t, k, audit_only);
	add_mech(t, rec->mech);
	if ((k == O_FAILURE || k == O_LOCKOUT) && !add_name(t, ar_account(rec)))
	    sum->nomem = 1;
    }
}

 /*
  * Logrotate's names, oldest first: FILE.N.gz or FILE.N down to FILE.1,
  * then FILE. A file named with such a suffix is read alone.
  */
#define ROTATED_MAX	1000

static int rotated_name(const char *path)
{
    const char *dot = strrchr(path, '.');
    size_t  n;

    if (dot && strcmp(dot, ".gz") == 0)
	return (1);
    if (dot == 0 || dot[1] == 0)
	return (0);
    n = strspn(dot + 1, "0123456789");
    return (dot[1 + n] == 0);
}

static int read_one(struct summary *sum, const char *path, int missing_ok)
{
    struct audit_file af;
    struct ar_record *rec = malloc(sizeof(*rec));
    int     got, ret;

    if (rec == 0)
	return (cli_error(CLI_TROUBLE, "out of memory"));
    if ((ret = audit_open(&af, path, missing_ok)) != CLI_OK) {
	free(rec);
	return (ret);
    }
    while ((got = next_record(&af, rec, 1, &sum->malformed)) > 0)
	add_record(sum, rec);
    json_object_array_add(sum->files, json_object_new_string(path));
    ret = got < 0 ? CLI_TROUBLE : CLI_OK;
    audit_close(&af);
    free(rec);
    return (ret);
}

static int read_with_rotated(struct summary *sum, const char *path, int rotated)
{
    char    name[PATH_MAX];
    int     n, last = 0, ret = CLI_OK, r;
    struct stat st;

    if (rotated && !rotated_name(path)) {
	for (n = 1; n <= ROTATED_MAX; n++) {
	    snprintf(name, sizeof(name), "%s.%d", path, n);
	    if (stat(name, &st) == 0)
		last = n;
	    else if (snprintf(name, sizeof(name), "%s.%d.gz", path, n), stat(name, &st) == 0)
		last = n;
	    else
		break;
	}
	for (n = last; n >= 1; n--) {
	    snprintf(name, sizeof(name), "%s.%d", path, n);
	    if (stat(name, &st) != 0)
		snprintf(name, sizeof(name), "%s.%d.gz", path, n);
	    if ((r = read_one(sum, name, 1)) == CLI_TROUBLE)
		ret = r;
	}
    }
    if ((r = read_one(sum, path, 0)) == CLI_TROUBLE)
	ret = r;
    return (ret);
}

/* summary: output. */

static int by_key(const void *a, const void *b)
{
    return (strcmp(((const struct tally *) a)->key, ((const struct tally *) b)->key));
}

static int by_failures(const void *a, const void *b)
{
    const struct tally *x = a, *y = b;
    unsigned long fx = x->failures + x->lockouts, fy = y->failures + y->lockouts;

    if (fx != fy)
	return (fx < fy ? 1 : -1);
    return (strcmp(x->key, y->key));
}

static void sort_map(struct map *map, int (*cmp) (const void *, const void *))
{
    if (map->count > 1)				/* an empty map has no array */
	qsort(map->items, map->count, sizeof(*map->items), cmp);
}

static json_object *jtext(const char *s)
{
    return (s && *s ? json_object_new_string(s) : 0);
}

static json_object *mechs_json(const struct tally *t)
{
    json_object *arr = json_object_new_array();
    int     i;

    for (i = 0; i < MECHS_MAX && t->mechs[i][0]; i++)
	json_object_array_add(arr, json_object_new_string(t->mechs[i]));
    return (arr);
}

static json_object *tally_json(const struct tally *t, const char *key_name)
{
    json_object *obj = json_object_new_object(), *last = 0, *names;
    const struct last_seen *r = t->last_success;
    int     i;

    json_object_object_add(obj, key_name, jtext(t->key));
    json_object_object_add(obj, "successes", json_object_new_uint64(t->successes));
    json_object_object_add(obj, "failures", json_object_new_uint64(t->failures));
    json_object_object_add(obj, "lockouts", json_object_new_uint64(t->lockouts));
    if (strcmp(key_name, "address") == 0) {
	names = json_object_new_array();
	for (i = 0; i < NAMES_MAX && t->names[i]; i++)
	    json_object_array_add(names, json_object_new_string(t->names[i]));
	json_object_object_add(obj, "accounts", names);
	json_object_object_add(obj, "more_accounts", json_object_new_boolean(t->more_names));
	json_object_object_add(obj, "mechanisms", mechs_json(t));
	return (obj);
    }
    json_object_object_add(obj, "aborted", json_object_new_uint64(t->aborted));
    json_object_object_add(obj, "audit_only", json_object_new_uint64(t->audit_only));
    json_object_object_add(obj, "mechanisms", mechs_json(t));
    if (r) {
	last = json_object_new_object();
	json_object_object_add(last, "time", jtext(r->time));
	json_object_object_add(last, "mech", jtext(r->mech));
	json_object_object_add(last, "remote_addr", jtext(r->remote_addr));
	json_object_object_add(last, "remote_port", jtext(r->remote_port));
	json_object_object_add(last, "local_addr", jtext(r->local_addr));
	json_object_object_add(last, "local_port", jtext(r->local_port));
	json_object_object_add(last, "tls", r->tls == AR_TRI_NA ? 0 :
			       json_object_new_boolean(r->tls));
	json_object_object_add(last, "secret", jtext(r->secret));
    }
    json_object_object_add(obj, "last_success", last);
    json_object_object_add(obj, "last_failure", jtext(t->last_failure));
    return (obj);
}

 /*
  * json-c escapes only C0 controls; a C1 control or a bidirectional
  * override in a name would still reach the terminal. Outside strings
  * there is only ASCII, so each such character, which can only be in a
  * string, becomes its \uXXXX escape: the same JSON value.
  */
static void put_json_safe(const char *text)
{
    size_t  i = 0, n = strlen(text), len;
    char    safe[32];

    while (i < n) {
	if ((unsigned char) text[i] < 0x80) {
	    putchar(text[i++]);
	    continue;
	}
	for (len = 1; i + len < n && len < 4
	     && ((unsigned char) text[i + len] & 0xc0) == 0x80; len++)
	     /* void */ ;
	cli_safe_text(text + i, len, safe, sizeof(safe));
	if (strncmp(safe, "\\u{", 3) == 0)
	    printf("\\u%.4s", safe + 3);
	else if (strncmp(safe, "\\x", 2) == 0)
	    fputs("\\ufffd", stdout);		/* not UTF-8: cannot be, after parsing */
	else
	    fwrite(text + i, 1, len, stdout);
	i += len;
    }
}

 /*
  * Addresses are sorted by failures: those with none, at the end, are
  * not listed.
  */
static size_t failing(const struct map *map)
{
    size_t  n = 0;

    while (n < map->count && map->items[n].failures + map->items[n].lockouts > 0)
	n++;
    return (n);
}

static json_object *map_json(struct map *map, const char *key_name, size_t limit)
{
    json_object *arr = json_object_new_array();
    size_t  i;

    for (i = 0; i < map->count && i < limit; i++)
	json_object_array_add(arr, tally_json(map->items + i, key_name));
    return (arr);
}

static void print_json(struct summary *sum, size_t top)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "files", json_object_get(sum->files));
    json_object_object_add(obj, "since", jtext(sum->since));
    json_object_object_add(obj, "first", jtext(sum->first));
    json_object_object_add(obj, "last", jtext(sum->last));
    json_object_object_add(obj, "records", json_object_new_uint64(sum->records));
    json_object_object_add(obj, "malformed", json_object_new_uint64(sum->malformed.count));
    json_object_object_add(obj, "accounts", map_json(&sum->accounts, "account", SIZE_MAX));
    json_object_object_add(obj, "client_accounts",
			   map_json(&sum->client_accounts, "account", SIZE_MAX));
    json_object_object_add(obj, "addresses", map_json(&sum->addresses, "address",
						     top < failing(&sum->addresses) ?
						     top : failing(&sum->addresses)));
    json_object_object_add(obj, "untracked", json_object_new_uint64(sum->accounts.dropped
			   + sum->client_accounts.dropped + sum->addresses.dropped));
    put_json_safe(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY
						 | JSON_C_TO_STRING_SPACED
						 | JSON_C_TO_STRING_NOSLASHESCAPE));
    putchar('\n');
    json_object_put(obj);
}

static void print_mechs(struct out *o, const struct tally *t)
{
    int     i;

    for (i = 0; i < MECHS_MAX && t->mechs[i][0]; i++) {
	put_raw(o, i ? "," : "");
	put_text(o, t->mechs[i], 0);
    }
    if (t->more_mechs)
	put_raw(o, ",...");
}

static void print_accounts(const char *title, struct map *map)
{
    static char buf[16 * AR_TEXT_MAX];
    struct out o;
    const struct last_seen *r;
    char    when[32];
    size_t  i;

    if (map->count == 0)
	return;
    printf("\n%s\n", title);
    printf("%-24s %8s %8s %8s  %-30s %s\n", "ACCOUNT", "SUCCESS", "FAILED", "LOCKED",
	   "MECHANISMS", "LAST SUCCESS");
    for (i = 0; i < map->count; i++) {
	const struct tally *t = map->items + i;

	o = (struct out) {buf, sizeof(buf), 0};
	buf[0] = 0;
	put_text(&o, t->key[0] ? t->key : "-", 24);
	fputs(buf, stdout);
	printf(" %8lu %8lu %8lu  ", t->successes, t->failures, t->lockouts);
	o = (struct out) {buf, sizeof(buf), 0};
	buf[0] = 0;
	print_mechs(&o, t);
	printf("%-30s ", buf);
	if ((r = t->last_success) == 0) {
	    puts("never");
	    continue;
	}
	o = (struct out) {buf, sizeof(buf), 0};
	buf[0] = 0;
	snprintf(when, sizeof(when), "%.10s %.8s", r->time, r->time + 11);
	put_raw(&o, when);
	put_raw(&o, " from ");
	put_text(&o, r->remote_addr[0] ? r->remote_addr : "unknown", 0);
	put_raw(&o, " on ");
	put_endpoint(&o, r->local_addr, r->local_port, 0);
	if (r->tls == 1)
	    put_raw(&o, " TLS");
	puts(buf);
    }
}

static void print_addresses(struct map *map, size_t top)
{
    static char buf[16 * AR_TEXT_MAX];
    struct out o;
    size_t  i;
    int     k;

    if (failing(map) == 0)
	return;
    printf("\nclient addresses with the most failures:\n");
    printf("%-40s %8s %8s  %s\n", "ADDRESS", "FAILED", "LOCKED", "ACCOUNTS TRIED");
    if (top > failing(map))
	top = failing(map);
    for (i = 0; i < top; i++) {
	const struct tally *t = map->items + i;

	o = (struct out) {buf, sizeof(buf), 0};
	buf[0] = 0;
	put_text(&o, t->key, 40);
	printf("%s %8lu %8lu  ", buf, t->failures, t->lockouts);
	o = (struct out) {buf, sizeof(buf), 0};
	buf[0] = 0;
	for (k = 0; k < NAMES_MAX && t->names[k]; k++) {
	    put_raw(&o, k ? ", " : "");
	    put_text(&o, t->names[k][0] ? t->names[k] : "-", 0);
	}
	if (t->more_names)
	    put_raw(&o, ", ...");
	puts(buf);
    }
    if (failing(map) > top)
	printf("(%zu more addresses; --top N lists more)\n", failing(map) - top);
}

static void print_text(struct summary *sum, size_t top)
{
    size_t  i, n = json_object_array_length(sum->files);
    char    safe[4 * PATH_MAX];

    printf("%lu record%s", sum->records, sum->records == 1 ? "" : "s");
    if (sum->records)
	printf(" from %.10s %.8s to %.10s %.8s UTC", sum->first, sum->first + 11,
	       sum->last, sum->last + 11);
    printf(" in %zu file%s", n, n == 1 ? "" : "s");
    if (sum->malformed.count)
	printf("; %lu lines that are not records", sum->malformed.count);
    putchar('\n');
    for (i = 0; i < n; i++) {
	const char *f = json_object_get_string(json_object_array_get_idx(sum->files, i));

	cli_safe_text(f, strlen(f), safe, sizeof(safe));
	printf("  %s\n", safe);
    }
    print_accounts("server side, by account:", &sum->accounts);
    print_accounts("client side (this host logging in elsewhere), by account:",
		   &sum->client_accounts);
    print_addresses(&sum->addresses, top);
    if (sum->accounts.dropped + sum->client_accounts.dropped + sum->addresses.dropped)
	printf("\n(more than %d distinct names: %lu records are counted only in the "
	       "total)\n", MAP_MAX, sum->accounts.dropped + sum->client_accounts.dropped
	       + sum->addresses.dropped);
}

static int audit_summary(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"since", required_argument, 0, 's'},
	{"top", required_argument, 0, 't'},
	{"json", no_argument, 0, 'j'},
	{"no-rotated", no_argument, 0, 'R'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    static struct summary sum;
    unsigned long top = 10;
    int     ch, json = 0, rotated = 1, ret = CLI_OK, r, i;

    cli_prog = "md5gate audit summary";
    memset(&sum, 0, sizeof(sum));
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":h", longopts, 0)) != -1) {
	switch (ch) {
	case 's':
	    if (!ar_parse_since(optarg, (long long) time(0), sum.since, sizeof(sum.since)))
		return (cli_usage_error(SUMMARY_USAGE, "--since: \"%s\" is not YYYY-MM-DD, "
					"YYYY-MM-DDThh:mm[:ss] or N[smhd]", optarg));
	    break;
	case 't':
	    if (!parse_count(optarg, MAP_MAX, &top))
		return (cli_usage_error(SUMMARY_USAGE, "--top: \"%s\" is not a number "
					"from 0 to %d", optarg, MAP_MAX));
	    break;
	case 'j':
	    json = 1;
	    break;
	case 'R':
	    rotated = 0;
	    break;
	case 'h':
	    return (cli_help(summary_help));
	default:
	    return (cli_option_error(SUMMARY_USAGE, ch, argv));
	}
    }
    sum.files = json_object_new_array();
    if (optind == argc)
	ret = read_with_rotated(&sum, AUDIT_DEFAULT_FILE, rotated);
    for (i = optind; i < argc; i++)
	if ((r = read_with_rotated(&sum, argv[i], rotated)) != CLI_OK)
	    ret = r;
    if (sum.nomem)
	ret = cli_error(CLI_TROUBLE, "out of memory");
    if (ret == CLI_OK) {
	sort_map(&sum.accounts, by_key);
	sort_map(&sum.client_accounts, by_key);
	sort_map(&sum.addresses, by_failures);
	if (json)
	    print_json(&sum, top);
	else
	    print_text(&sum, top);
	if (sum.malformed.count > MALFORMED_SHOWN)
	    cli_error(0, "%lu lines in all are not records", sum.malformed.count);
	ret = cli_finish_output();
	if (ret == CLI_OK && sum.malformed.count)
	    ret = CLI_NEGATIVE;
    }
    map_free(&sum.accounts);
    map_free(&sum.client_accounts);
    map_free(&sum.addresses);
    json_object_put(sum.files);
    return (ret);
}

int     cli_audit(int argc, char **argv)
{
    cli_prog = "md5gate audit";
    if (argc < 2)
	return (cli_usage_error(0, "give tail or summary (md5gate audit --help)"));
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
	return (cli_help(group_help));
    if (strcmp(argv[1], "tail") == 0)
	return (audit_tail(argc - 1, argv + 1));
    if (strcmp(argv[1], "summary") == 0)
	return (audit_summary(argc - 1, argv + 1));
    return (cli_usage_error(0, "unknown audit command \"%s\"", argv[1]));
}
