/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	doctor_scan 3
/* SUMMARY
/*	find the providers of CRAM-MD5 and DIGEST-MD5 in a plugin path
/* SYNOPSIS
/*	#include "cli/doctor.h"
/*
/*	void	doctor_scan_path(doc, path, scan)
/*
/*	void	doctor_scan_free(scan)
/* DESCRIPTION
/*	libsasl2 2.1.28 loads every file whose name ends in ".so" or ".la"
/*	in each directory of its plugin path (a ".la" file names its
/*	library in dlname=). doctor_scan_path() looks at the same files,
/*	following symbolic links and counting a file reached by several
/*	names once, and records which of them offer CRAM-MD5 or DIGEST-MD5.
/*
/*	The files are read, never loaded: running a foreign plugin's
/*	initialisation code to ask it would execute whatever it does, in a
/*	root process. A file offers a mechanism when it is a mechanism
/*	plugin (its dynamic symbol table names sasl_server_plug_init or
/*	sasl_client_plug_init) and contains the mechanism name as the end
/*	of a NUL-terminated string. The end, not the whole string: the
/*	linker merges string tails, and the stock libcrammd5.so keeps its
/*	"CRAM-MD5" only as the tail of "*cmusaslsecretCRAM-MD5". An auxprop
/*	plugin that mentions those names (sasldb does not) is not counted.
/*	md5gate is recognised by its file name (libmd5gate*) or by its
/*	option names in the file.
/*--*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor.h"

#define SCAN_FILE_MAX	(64 << 20)	/* no plugin is this large */
#define SEEN_MAX	1024

const char *const doctor_mech_names[DOCTOR_MECHS] = {"CRAM-MD5", "DIGEST-MD5"};

struct seen {
    dev_t   dev;
    ino_t   ino;
};

static struct seen seen[SEEN_MAX];
static size_t seen_count;

static int seen_before(const struct stat *st)
{
    size_t  i;

    for (i = 0; i < seen_count; i++)
	if (seen[i].dev == st->st_dev && seen[i].ino == st->st_ino)
	    return (1);
    if (seen_count < SEEN_MAX) {
	seen[seen_count].dev = st->st_dev;
	seen[seen_count].ino = st->st_ino;
	seen_count++;
    }
    return (0);
}

 /*
  * Does data contain str followed by a NUL byte?
  */
static int has_string_tail(const char *data, size_t len, const char *str)
{
    size_t  n = strlen(str) + 1;	/* with the NUL */
    const char *cp = data, *end = data + len;

    while ((size_t) (end - cp) >= n) {
	const char *hit = memchr(cp, str[0], (size_t) (end - cp) - n + 1);

	if (hit == 0)
	    return (0);
	if (memcmp(hit, str, n) == 0)
	    return (1);
	cp = hit + 1;
    }
    return (0);
}

static int has_whole_string(const char *data, size_t len, const char *str)
{
    size_t  n = strlen(str);
    const char *cp = data, *end = data + len;

    while ((size_t) (end - cp) > n + 1) {
	const char *hit = memchr(cp + 1, str[0], (size_t) (end - cp) - n - 1);

	if (hit == 0)
	    return (0);
	if (hit[-1] == 0 && memcmp(hit, str, n) == 0 && hit[n] == 0)
	    return (1);
	cp = hit;
    }
    return (0);
}

static char *read_file(struct doctor *doc, const char *path, size_t *len)
{
    struct stat st;
    char   *data;
    ssize_t n;
    size_t  got = 0;
    int     fd;

    if ((fd = open(path, O_RDONLY)) < 0) {
	doctor_problem(doc, "cannot read plugin %s: %s", path, strerror(errno));
	return (0);
    }
    if (fstat(fd, &st) < 0 || st.st_size > SCAN_FILE_MAX
	|| (data = malloc((size_t) st.st_size + 1)) == 0) {
	doctor_problem(doc, "cannot read plugin %s: too large or unreadable", path);
	close(fd);
	return (0);
    }
    while (got < (size_t) st.st_size
	   && (n = read(fd, data + got, (size_t) st.st_size - got)) > 0)
	got += (size_t) n;
    close(fd);
    *len = got;
    return (data);
}

static void add_provider(struct doctor_scan *scan, int mech, const char *path,
			         int is_md5gate)
{
    struct doctor_provider *p;

    if (scan->count[mech] >= DOCTOR_PROVIDERS_MAX)
	return;
    p = &scan->providers[mech][scan->count[mech]++];
    p->path = strdup(path);
    p->is_md5gate = is_md5gate;
}

static void scan_file(struct doctor *doc, const char *path, const char *base,
		              struct doctor_scan *scan)
{
    struct stat st;
    char   *data;
    size_t  len, mech;
    int     is_md5gate;

    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || seen_before(&st))
	return;
    if ((data = read_file(doc, path, &len)) == 0)
	return;
    if (has_whole_string(data, len, "sasl_server_plug_init")
	|| has_whole_string(data, len, "sasl_client_plug_init")) {
	is_md5gate = strncmp(base, "libmd5gate", 10) == 0
	    || has_string_tail(data, len, "md5gate_digest_realms");
	scan->md5gate_seen |= is_md5gate;
	for (mech = 0; mech < DOCTOR_MECHS; mech++)
	    if (has_string_tail(data, len, doctor_mech_names[mech]))
		add_provider(scan, (int) mech, path, is_md5gate);
    }
    free(data);
}

 /*
  * A libtool archive names its shared object in a line dlname='x.so'.
  */
static void scan_la(struct doctor *doc, const char *dir, const char *path,
		            struct doctor_scan *scan)
{
    char    line[PATH_MAX + 32], target[PATH_MAX], *q;
    FILE   *fp;

    if ((fp = fopen(path, "r")) == 0)
	return;
    while (fgets(line, sizeof(line), fp)) {
	if (strncmp(line, "dlname='", 8) != 0 || (q = strchr(line + 8, '\'')) == 0)
	    continue;
	*q = 0;
	if (line[8] && strchr(line + 8, '/') == 0
	    && snprintf(target, sizeof(target), "%s/%s", dir, line + 8)
	    < (int) sizeof(target))
	    scan_file(doc, target, line + 8, scan);
	break;
    }
    fclose(fp);
}

static int has_suffix(const char *name, const char *suffix)
{
    size_t  n = strlen(name), s = strlen(suffix);

    return (n > s && strcmp(name + n - s, suffix) == 0);
}

static void scan_dir(struct doctor *doc, const char *dir, struct doctor_scan *scan)
{
    struct dirent **names;
    char    path[PATH_MAX];
    int     n, i;

    if ((n = scandir(dir, &names, 0, alphasort)) < 0) {
	doctor_problem(doc, "cannot read plugin directory %s: %s", dir, strerror(errno));
	return;
    }
    for (i = 0; i < n; i++) {
	const char *name = names[i]->d_name;

	if ((has_suffix(name, ".so") || has_suffix(name, ".la"))
	    && snprintf(path, sizeof(path), "%s/%s", dir, name) < (int) sizeof(path)) {
	    if (has_suffix(name, ".la"))
		scan_la(doc, dir, path, scan);
	    else
		scan_file(doc, path, name, scan);
	}
	free(names[i]);
    }
    free(names);
}

void    doctor_scan_path(struct doctor *doc, const char *path, struct doctor_scan *scan)
{
    char   *copy = strdup(path), *dir, *next;

    memset(scan, 0, sizeof(*scan));
    seen_count = 0;
    if (copy == 0)
	return;
    for (dir = copy; dir; dir = next) {
	if ((next = strchr(dir, ':')) != 0)
	    *next++ = 0;
	if (*dir)
	    scan_dir(doc, dir, scan);
    }
    free(copy);
}

void    doctor_scan_free(struct doctor_scan *scan)
{
    size_t  m, i;

    for (m = 0; m < DOCTOR_MECHS; m++)
	for (i = 0; i < scan->count[m]; i++)
	    free(scan->providers[m][i].path);
    memset(scan, 0, sizeof(*scan));
}
