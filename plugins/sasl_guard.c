/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	sasl_guard 3
/* SUMMARY
/*	which libsasl2 generation loaded md5gate
/* SYNOPSIS
/*	#include "sasl_guard.h"
/*
/*	int	mg_sasl_guard(in_library, built, refusal, refusal_len)
/*	const void *in_library;
/*	const struct mg_sasl_headers *built;
/*	char	*refusal;
/*	size_t	refusal_len;
/* DESCRIPTION
/*	mg_sasl_guard() tells whether the libsasl2 that holds the address
/*	in_library is of the generation described by built, the headers md5gate
/*	was compiled with. It returns 1 when it is, and 0 with a one-line
/*	reason in refusal, naming the library file found and both
/*	generations, when it is not or cannot be told.
/*
/*	Two generations share the version number 2.1 in sasl.h and differ in
/*	the layout of sasl_utils_t: Cyrus SASL 2.1.x (SASL_UTILS_VERSION 4,
/*	with MD5 and HMAC-MD5 function pointers in the middle of the
/*	structure) and the development branch (SASL_UTILS_VERSION 5, without
/*	them). Neither the version in sasl.h, nor sasl_utils_t.version
/*	(2.1.28 leaves it uninitialised), nor the soname tells them apart:
/*	upstream 2.1.28 is libsasl2.so.3 just as the development branch is,
/*	Debian's 2.1.28 is libsasl2.so.2. What does tell them apart is what
/*	the library exports:
/* .IP \(bu
/*	the development branch versions its symbols: sasl_version_info
/*	carries the version SASL2_4.0, which no 2.1.x release defines
/*	(Debian's 2.1.28 versions them SASL2; upstream's are unversioned,
/*	and glibc's dlvsym() finds an unversioned symbol under any version,
/*	so that answer counts only when a made-up version is not found);
/* .IP \(bu
/*	every 2.1.x library exports _sasl_MD5Init, the function it puts into
/*	sasl_utils_t's MD5 block; the development branch removed both.
/* .PP
/*	A library that shows neither sign, or both, is refused: md5gate cannot tell
/*	where the members of sasl_utils_t lie, and guessing wrong crashes
/*	the process at the first call through them.
/*
/*	Arguments:
/* .IP in_library
/*	An address inside the running libsasl2, e.g. the value of
/*	sasl_utils_t.getopt, a member that precedes the MD5 block and so sits
/*	at the same offset in both generations. dladdr(3) names the file
/*	that holds it. When it cannot, the process's global symbols are
/*	asked instead.
/* .IP built
/*	The version and SASL_UTILS_VERSION md5gate was compiled with.
/* .IP refusal
/*	Receives the reason for a refusal; unchanged when 1 is returned.
/* SEE ALSO
/*	plugin_init(3), md5gate's entry points, which refuse to initialise.
/*--*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "sasl_guard.h"

 /*
  * Markers of each generation (see DESCRIPTION).
  */
#define MG_SASL_VERSIONED_SYMBOL	"sasl_version_info"
#define MG_SASL_DEVEL_SYMBOL_VERSION	"SASL2_4.0"
#define MG_SASL_MD5_HELPER		"_sasl_MD5Init"
#define MG_SASL_NO_SUCH_VERSION		"MD5GATE_NO_SUCH_VERSION"
#define MG_SASL_UTILS_WITH_MD5		4
#define MG_SASL_UTILS_WITHOUT_MD5	5

typedef void version_info_fn(const char **, const char **, int *, int *,
			             int *, int *);

 /*
  * What the guard found out about the running library.
  */
struct found_library {
    char    path[512];			/* the file dladdr names */
    int     major, minor, step;		/* from its sasl_version_info() */
    int     utils_version;		/* 0: cannot be told */
    const char *sign;			/* why utils_version is what it is */
};

/* library_handle - the already loaded object that holds in_library */

static void *library_handle(const void *in_library, struct found_library *found)
{
    Dl_info info;
    void   *handle;

    if (in_library != 0 && dladdr(in_library, &info) != 0
	&& info.dli_fname != 0 && info.dli_fname[0] != 0) {
	(void) snprintf(found->path, sizeof(found->path), "%s", info.dli_fname);
	/* RTLD_NOLOAD: a reference to what is loaded, never a second copy. */
	if ((handle = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD)) != 0)
	    return (handle);
    } else {
	(void) snprintf(found->path, sizeof(found->path), "%s",
			"(no shared object holds libsasl2's functions)");
    }
    return (0);
}

/* has_devel_symbol_version - sasl_version_info@SASL2_4.0, really */

static int has_devel_symbol_version(void *scope)
{

    /*
     * glibc answers a versioned lookup in an object without symbol versions
     * (upstream 2.1.28 builds) with its unversioned symbol: a version that
     * no library defines tells that case apart.
     */
    return (dlvsym(scope, MG_SASL_VERSIONED_SYMBOL,
		   MG_SASL_DEVEL_SYMBOL_VERSION) != 0
	    && dlvsym(scope, MG_SASL_VERSIONED_SYMBOL,
		      MG_SASL_NO_SUCH_VERSION) == 0);
}

/* identify - version and utils generation of the library behind handle */

static void identify(void *handle, struct found_library *found)
{
    void   *scope = handle != 0 ? handle : RTLD_DEFAULT;
    version_info_fn *version_info;
    int     patch = -1;
    int     devel, md5;

    found->major = found->minor = found->step = -1;
    found->utils_version = 0;
    found->sign = "exports no sasl_version_info: not libsasl2";
    version_info = (version_info_fn *) dlsym(scope, MG_SASL_VERSIONED_SYMBOL);
    if (version_info == 0)
	return;
    version_info((const char **) 0, (const char **) 0, &found->major,
		 &found->minor, &found->step, &patch);
    devel = has_devel_symbol_version(scope);
    md5 = dlsym(scope, MG_SASL_MD5_HELPER) != 0;
    if (devel && !md5) {
	found->utils_version = MG_SASL_UTILS_WITHOUT_MD5;
	found->sign = MG_SASL_VERSIONED_SYMBOL "@" MG_SASL_DEVEL_SYMBOL_VERSION;
    } else if (md5 && !devel) {
	found->utils_version = MG_SASL_UTILS_WITH_MD5;
	found->sign = "exports " MG_SASL_MD5_HELPER;
    } else {
	found->sign = devel ? "both " MG_SASL_VERSIONED_SYMBOL "@"
	    MG_SASL_DEVEL_SYMBOL_VERSION " and " MG_SASL_MD5_HELPER
	    ": layout unknown" : "neither " MG_SASL_VERSIONED_SYMBOL "@"
	    MG_SASL_DEVEL_SYMBOL_VERSION " nor " MG_SASL_MD5_HELPER
	    ": layout unknown";
    }
}

/* mg_sasl_guard - does the running libsasl2 match the headers? */

int     mg_sasl_guard(const void *in_library, const struct mg_sasl_headers *built,
		              char *refusal, size_t refusal_len)
{
    struct found_library found;
    void   *handle;
    int     matches;

    memset(&found, 0, sizeof(found));
    handle = library_handle(in_library, &found);
    identify(handle, &found);
    if (handle != 0)
	(void) dlclose(handle);
    matches = found.utils_version != 0
	&& found.utils_version == built->utils_version
	&& found.major == built->major && found.minor == built->minor;
    if (!matches && refusal != 0 && refusal_len > 0)
	(void) snprintf(refusal, refusal_len,
			"the running libsasl2 %s is version %d.%d.%d with "
			"sasl_utils_t version %d (%s); md5gate was built with "
			"the headers of libsasl2 %d.%d.%d, sasl_utils_t version %d",
			found.path, found.major, found.minor, found.step,
			found.utils_version, found.sign, built->major,
			built->minor, built->step, built->utils_version);
    return (matches);
}
