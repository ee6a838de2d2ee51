/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	lockout_url 3
/* SUMMARY
/*	where the Redis lockout store is: lockout_redis
/* SYNOPSIS
/*	#include "lockout_store.h"
/*
/*	enum mg_code mg_lockout_redis_url_parse(text, u, err)
/*
/*	int	mg_lockout_redis_prefix_ok(prefix, why, size)
/* DESCRIPTION
/*	mg_lockout_redis_url_parse() reads one of
/*
/*	redis://[USER:PASSWORD-FILE@]HOST[:PORT][/DB]
/*	unix:/PATH[?db=N]
/*
/*	HOST is a name (letters, digits, "-", "." and "_"), an IPv4 address
/*	or an IPv6 address in brackets; PORT defaults to 6379, DB to 0.
/*	PASSWORD-FILE is an absolute path: the password is read from that
/*	file, so that it is never written on the configuration line. USER
/*	may be empty (Redis's default user). The text is at most
/*	MG_LOCKOUT_REDIS_URL_MAX bytes, without white space or control
/*	characters; each part has its own bound.
/*
/*	mg_lockout_redis_prefix_ok() accepts a key prefix (lockout_redis_prefix)
/*	of 1 to MG_LOCKOUT_REDIS_PREFIX_MAX printable bytes without white
/*	space.
/* DIAGNOSTICS
/*	MG_MALFORMED with a reason that names the part that is wrong; the
/*	reason never repeats the text (it may hold a path worth keeping
/*	out of logs, and is the caller's to quote).
/*--*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockout_store.h"

#define REDIS_DEFAULT_PORT	6379

static int visible(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++)
	if ((unsigned char) s[i] <= 0x20 || (unsigned char) s[i] >= 0x7f)
	    return (0);
    return (1);
}

 /*
  * Decimal digits only, at most max; 1 and *out, or 0.
  */
static int parse_uint(const char *s, size_t len, unsigned long max, unsigned *out)
{
    unsigned long n = 0;
    size_t  i;

    if (len == 0 || len > 7)
	return (0);
    for (i = 0; i < len; i++) {
	if (s[i] < '0' || s[i] > '9')
	    return (0);
	n = n * 10 + (unsigned long) (s[i] - '0');
    }
    if (n > max)
	return (0);
    *out = (unsigned) n;
    return (1);
}

static int copy_part(char *dst, size_t size, const char *src, size_t len)
{
    if (len >= size)
	return (0);
    memcpy(dst, src, len);
    dst[len] = 0;
    return (1);
}

 /*
  * An absolute path without "/../" tricks mattering: it is opened as
  * given. It must not be the root alone.
  */
static int path_ok(const char *s, size_t len)
{
    return (len >= 2 && len <= MG_REDIS_PATH_MAX && s[0] == '/' && s[len - 1] != '/');
}

static int host_ok(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > MG_REDIS_HOST_MAX || s[0] == '-' || s[0] == '.')
	return (0);
    for (i = 0; i < len; i++)
	if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
	      || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'
	      || s[i] == '_'))
	    return (0);
    return (1);
}

static int ipv6_ok(const char *s, size_t len)
{
    size_t  i;

    if (len < 2 || len > 45)
	return (0);
    for (i = 0; i < len; i++)
	if (!((s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')
	      || (s[i] >= '0' && s[i] <= '9') || s[i] == ':' || s[i] == '.'))
	    return (0);
    return (memchr(s, ':', len) != 0);
}

static enum mg_code parse_unix(const char *p, struct mg_lockout_redis_url *u,
			               struct mg_error *err)
{
    const char *q = strchr(p, '?');
    size_t  len = q ? (size_t) (q - p) : strlen(p);

    if (!path_ok(p, len))
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: unix: needs an absolute "
			"socket path of at most %d bytes", MG_REDIS_PATH_MAX));
    (void) copy_part(u->socket_path, sizeof(u->socket_path), p, len);
    u->unix_socket = 1;
    if (q == 0)
	return (MG_OK);
    if (strncmp(q + 1, "db=", 3) != 0)
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: the only option after "
			"the socket path is ?db=N"));
    if (!parse_uint(q + 4, strlen(q + 4), MG_REDIS_DB_MAX, &u->db))
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: db must be a number "
			"from 0 to %d", MG_REDIS_DB_MAX));
    return (MG_OK);
}

static enum mg_code parse_auth(const char *p, size_t len, struct mg_lockout_redis_url *u,
			               struct mg_error *err)
{
    const char *colon = memchr(p, ':', len);
    size_t  ulen;

    if (colon == 0)
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: credentials are "
			"USER:PASSWORD-FILE@, the password being read from that file"));
    ulen = (size_t) (colon - p);
    if (memchr(p, '/', ulen) != 0 || !copy_part(u->user, sizeof(u->user), p, ulen))
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: the user name is longer "
			"than %d bytes or holds a /", MG_REDIS_USER_MAX));
    if (!path_ok(colon + 1, len - ulen - 1))
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: the password is given as "
			"the absolute path of a file holding it (at most %d bytes), "
			"never on the configuration line", MG_REDIS_PATH_MAX));
    (void) copy_part(u->password_file, sizeof(u->password_file), colon + 1,
		     len - ulen - 1);
    u->has_auth = 1;
    return (MG_OK);
}

static enum mg_code parse_tcp(const char *p, struct mg_lockout_redis_url *u,
			              struct mg_error *err)
{
    const char *at = strrchr(p, '@');
    const char *end, *port = 0, *slash;
    enum mg_code code;

    if (at) {
	if ((code = parse_auth(p, (size_t) (at - p), u, err)) != MG_OK)
	    return (code);
	p = at + 1;
    }
    slash = strchr(p, '/');
    end = slash ? slash : p + strlen(p);
    if (*p == '[') {
	const char *close = memchr(p, ']', (size_t) (end - p));

	if (close == 0 || !ipv6_ok(p + 1, (size_t) (close - p - 1)))
	    return (mg_fail(err, MG_MALFORMED, "lockout_redis: an IPv6 address is "
			    "written in brackets, [::1]"));
	(void) copy_part(u->host, sizeof(u->host), p + 1, (size_t) (close - p - 1));
	if (close + 1 < end && close[1] != ':')
	    return (mg_fail(err, MG_MALFORMED, "lockout_redis: only :PORT may "
			    "follow the host"));
	port = close + 1 < end ? close + 2 : 0;
    } else {
	const char *colon = memchr(p, ':', (size_t) (end - p));
	size_t  hlen = colon ? (size_t) (colon - p) : (size_t) (end - p);

	if (!host_ok(p, hlen))
	    return (mg_fail(err, MG_MALFORMED, "lockout_redis: the host must be a "
			    "name or an address of at most %d bytes", MG_REDIS_HOST_MAX));
	(void) copy_part(u->host, sizeof(u->host), p, hlen);
	port = colon ? colon + 1 : 0;
    }
    u->port = REDIS_DEFAULT_PORT;
    if (port && (!parse_uint(port, (size_t) (end - port), 65535, &u->port)
		 || u->port == 0))
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: the port must be a "
			"number from 1 to 65535"));
    if (slash && slash[1] != 0
	&& !parse_uint(slash + 1, strlen(slash + 1), MG_REDIS_DB_MAX, &u->db))
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: the database after / "
			"must be a number from 0 to %d", MG_REDIS_DB_MAX));
    return (MG_OK);
}

enum mg_code mg_lockout_redis_url_parse(const char *text, struct mg_lockout_redis_url *u,
				                struct mg_error *err)
{
    size_t  len;

    memset(u, 0, sizeof(*u));
    if (text == 0 || (len = strnlen(text, MG_LOCKOUT_REDIS_URL_MAX + 1)) == 0)
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: empty"));
    if (len > MG_LOCKOUT_REDIS_URL_MAX)
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: longer than %d bytes",
			MG_LOCKOUT_REDIS_URL_MAX));
    if (!visible(text, len))
	return (mg_fail(err, MG_MALFORMED, "lockout_redis: white space or a control "
			"character"));
    if (strncmp(text, "unix:", 5) == 0)
	return (parse_unix(text + 5, u, err));
    if (strncmp(text, "redis://", 8) == 0)
	return (parse_tcp(text + 8, u, err));
    return (mg_fail(err, MG_MALFORMED, "lockout_redis: must start with redis:// "
		    "or unix: (rediss:// is not supported: use a Unix socket or "
		    "a trusted network)"));
}

int     mg_lockout_redis_prefix_ok(const char *prefix, char *why, size_t size)
{
    size_t  len = strnlen(prefix, MG_LOCKOUT_REDIS_PREFIX_MAX + 1);

    if (len == 0 || len > MG_LOCKOUT_REDIS_PREFIX_MAX || !visible(prefix, len)) {
	snprintf(why, size, "lockout_redis_prefix must be 1 to %d printable "
		 "characters without white space", MG_LOCKOUT_REDIS_PREFIX_MAX);
	return (0);
    }
    return (1);
}
