/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	sasl-guard 1
/* SUMMARY
/*	md5gate refuses a libsasl2 of the other generation, without a crash
/* SYNOPSIS
/*	sasl-guard --standin-v4 LIB --standin-v5 LIB --plugin LIB
/* DESCRIPTION
/*	The two stand-in libraries (tests/tools/sasl-standin.c) carry the marks of
/*	Cyrus SASL 2.1.x (sasl_utils_t version 4) and of its development
/*	branch (version 5). This program checks:
/* .IP \(bu
/*	mg_sasl_guard() (plugins/sasl_guard.c, linked in) for headers of
/*	either generation against either stand-in: accepted when they
/*	match, refused with a reason naming the library file and both
/*	generations when they do not; refused too for another major.minor
/*	and when no libsasl2 is found at all;
/* .IP \(bu
/*	md5gate's real entry points (the plugin LIB, built with the same
/*	headers as this program) handed a sasl_utils_t whose getopt lies in
/*	the stand-in of the other generation: both sasl_server_plug_init()
/*	and sasl_client_plug_init() return SASL_BADVERS, log one line to
/*	syslog (caught here: this program's syslog() is the one the plugin
/*	binds to) and call nothing through utils: every other member is a
/*	trap that ends the program with exit status 3.
/* .PP
/*	Exit status 0 when every check passes, 1 otherwise.
/*--*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "sasl_guard.h"

static int failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
	    failures++; \
	    printf("FAIL: "); \
	    printf(__VA_ARGS__); \
	    printf("\n"); \
	} \
    } while (0)

 /*
  * syslog(3) as the plugin sees it: the program is linked with
  * -export-dynamic, so the plugin's reference binds here.
  */
static char logged[2048];
static int log_lines;

void    syslog(int, const char *,...);
void    __syslog_chk(int, int, const char *,...);
void    vsyslog(int, const char *, va_list);

void    vsyslog(int priority, const char *format, va_list ap)
{
    (void) priority;
    (void) vsnprintf(logged, sizeof(logged), format, ap);
    log_lines++;
}

void    syslog(int priority, const char *format,...)
{
    va_list ap;

    va_start(ap, format);
    vsyslog(priority, format, ap);
    va_end(ap);
}

void    __syslog_chk(int priority, int flag, const char *format,...)
{
    va_list ap;

    (void) flag;
    va_start(ap, format);
    vsyslog(priority, format, ap);
    va_end(ap);
}

/* trap - any call through utils but getopt's address: the guard failed */

static void trap(void)
{
    static const char msg[] = "FAIL: the plugin called through sasl_utils_t "
    "of a library of the other generation\n";

    (void) write(STDOUT_FILENO, msg, sizeof(msg) - 1);
    _exit(3);
}

struct standin {
    const char *path;
    int     utils_version;
    void   *handle;
    void   *getopt;
};

static void load_standin(struct standin *lib)
{
    if ((lib->handle = dlopen(lib->path, RTLD_NOW | RTLD_LOCAL)) == 0
	|| (lib->getopt = dlsym(lib->handle, "standin_getopt")) == 0) {
	printf("ERROR: cannot load the stand-in %s: %s\n", lib->path, dlerror());
	exit(99);
    }
}

/* check_guard - one header generation against one stand-in */

static void check_guard(const struct standin *lib, int built_utils_version)
{
    struct mg_sasl_headers built = {2, 1, 28, 0};
    char    refusal[MG_SASL_GUARD_TEXT_MAX] = "";
    char    expect[64];
    int     ok;

    built.utils_version = built_utils_version;
    ok = mg_sasl_guard(lib->getopt, &built, refusal, sizeof(refusal));
    if (built_utils_version == lib->utils_version) {
	CHECK(ok == 1, "headers v%d, library v%d: refused: %s",
	      built_utils_version, lib->utils_version, refusal);
	return;
    }
    CHECK(ok == 0, "headers v%d, library v%d: accepted",
	  built_utils_version, lib->utils_version);
    CHECK(strstr(refusal, lib->path) != 0,
	  "refusal does not name the library %s: %s", lib->path, refusal);
    (void) snprintf(expect, sizeof(expect), "sasl_utils_t version %d (",
		    lib->utils_version);
    CHECK(strstr(refusal, expect) != 0, "refusal lacks '%s': %s", expect, refusal);
    (void) snprintf(expect, sizeof(expect), "libsasl2 2.1.28, sasl_utils_t "
		    "version %d", built_utils_version);
    CHECK(strstr(refusal, expect) != 0, "refusal lacks '%s': %s", expect, refusal);
    printf("ok: headers v%d refuse library v%d: %s\n", built_utils_version,
	   lib->utils_version, refusal);
}

/* check_other_versions - another major.minor, or no libsasl2 at all */

static void check_other_versions(const struct standin *lib)
{
    struct mg_sasl_headers built = {3, 0, 0, 0};
    char    refusal[MG_SASL_GUARD_TEXT_MAX] = "";

    built.utils_version = lib->utils_version;
    CHECK(mg_sasl_guard(lib->getopt, &built, refusal, sizeof(refusal)) == 0,
	  "headers 3.0 accept a 2.1 library");
    built.major = 2;
    built.minor = 1;
    /* This program links no libsasl2, and the stand-ins are RTLD_LOCAL. */
    CHECK(mg_sasl_guard((const void *) 0, &built, refusal, sizeof(refusal)) == 0
	  && strstr(refusal, "not libsasl2") != 0,
	  "no libsasl2 in the process, yet: %s", refusal);
    CHECK(mg_sasl_guard((const void *) trap, &built, refusal, sizeof(refusal)) == 0,
	  "an address outside libsasl2 accepted");
}

 /*
  * A sasl_utils_t of md5gate's own layout, every member a trap, getopt in
  * the library of the other generation.
  */
union fake_utils {
    sasl_utils_t utils;
    void    (*slot[sizeof(sasl_utils_t) / sizeof(void (*) (void)) + 1]) (void);
};

static void fill_fake_utils(union fake_utils *fake, const struct standin *other)
{
    size_t  i;

    for (i = 0; i < sizeof(fake->slot) / sizeof(fake->slot[0]); i++)
	fake->slot[i] = trap;
    fake->utils.version = other->utils_version;
    fake->utils.conn = 0;
    fake->utils.rpool = 0;
    fake->utils.getopt_context = 0;
    fake->utils.getopt = (sasl_getopt_t *) other->getopt;
}

typedef int server_init_fn(const sasl_utils_t *, int, int *,
			           sasl_server_plug_t **, int *);
typedef int client_init_fn(const sasl_utils_t *, int, int *,
			           sasl_client_plug_t **, int *);

/* check_plugin - md5gate's entry points refuse the other generation */

static void check_plugin(const char *plugin, const struct standin *other)
{
    union fake_utils fake;
    void   *handle;
    server_init_fn *server_init;
    client_init_fn *client_init;
    sasl_server_plug_t *server_list = 0;
    sasl_client_plug_t *client_list = 0;
    int     out_version = -1, count = -1, rc;

    if ((handle = dlopen(plugin, RTLD_NOW | RTLD_LOCAL)) == 0
	|| (server_init = (server_init_fn *) dlsym(handle, "sasl_server_plug_init")) == 0
	|| (client_init = (client_init_fn *) dlsym(handle, "sasl_client_plug_init")) == 0) {
	printf("ERROR: cannot load %s: %s\n", plugin, dlerror());
	exit(99);
    }
    fill_fake_utils(&fake, other);
    log_lines = 0;
    rc = server_init(&fake.utils, SASL_SERVER_PLUG_VERSION, &out_version,
		     &server_list, &count);
    CHECK(rc == SASL_BADVERS, "sasl_server_plug_init returned %d", rc);
    CHECK(server_list == 0 && count == -1, "server plugins registered");
    CHECK(log_lines == 1, "server side: %d log lines", log_lines);
    CHECK(strstr(logged, "server plugin") != 0 && strstr(logged, other->path) != 0,
	  "server side log line: %s", logged);
    printf("ok: server side refused: %s\n", logged);

    log_lines = 0;
    logged[0] = 0;
    rc = client_init(&fake.utils, SASL_CLIENT_PLUG_VERSION, &out_version,
		     &client_list, &count);
    CHECK(rc == SASL_BADVERS, "sasl_client_plug_init returned %d", rc);
    CHECK(client_list == 0 && count == -1, "client plugins registered");
    CHECK(log_lines == 1, "client side: %d log lines", log_lines);
    CHECK(strstr(logged, "client plugin") != 0 && strstr(logged, other->path) != 0,
	  "client side log line: %s", logged);
    printf("ok: client side refused: %s\n", logged);
}

static const char *option(int argc, char **argv, const char *name)
{
    int     i;

    for (i = 1; i + 1 < argc; i++)
	if (strcmp(argv[i], name) == 0)
	    return (argv[i + 1]);
    printf("usage: %s --standin-v4 LIB --standin-v5 LIB --plugin LIB\n", argv[0]);
    exit(99);
}

int     main(int argc, char **argv)
{
    struct standin v4 = {0, 4, 0, 0};
    struct standin v5 = {0, 5, 0, 0};
    const char *plugin = option(argc, argv, "--plugin");

    setvbuf(stdout, (char *) 0, _IOLBF, 0);
    v4.path = option(argc, argv, "--standin-v4");
    v5.path = option(argc, argv, "--standin-v5");
    load_standin(&v4);
    load_standin(&v5);

    check_guard(&v4, 4);
    check_guard(&v4, 5);
    check_guard(&v5, 4);
    check_guard(&v5, 5);
    check_other_versions(&v4);
    check_other_versions(&v5);

    /* The plugin was built with this program's headers. */
    printf("md5gate built with sasl_utils_t version %d\n", SASL_UTILS_VERSION);
    check_plugin(plugin, SASL_UTILS_VERSION == 4 ? &v5 : &v4);

    printf("%s\n", failures ? "FAILED" : "PASSED");
    return (failures ? 1 : 0);
}
