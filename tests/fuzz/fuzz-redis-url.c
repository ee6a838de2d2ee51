/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lockout_redis as src/lockout_url.c reads it: mg_lockout_redis_url_parse()
 * on redis://[USER:PASSWORD-FILE@]HOST[:PORT][/DB] and unix:/PATH[?db=N],
 * and mg_lockout_redis_prefix_ok() on the same text.
 *
 * Input: the text (up to 511 bytes, to the first NUL).
 *
 * Invariants: a refusal is MG_MALFORMED with a plain reason; an accepted URL has every part within its bound and of its
 * alphabet: a port from 1 to 65535 (TCP), a database up to the maximum,
 * an absolute password file and socket path, a host without brackets,
 * white space or "@"; written back in canonical form it parses to the
 * same parts.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "lockout_store.h"

static void check_parts(const struct mg_lockout_redis_url *u)
{
    FUZZ_ASSERT(u->db <= MG_REDIS_DB_MAX, "db %u", u->db);
    if (u->unix_socket) {
	FUZZ_ASSERT(u->socket_path[0] == '/' && strlen(u->socket_path) <= MG_REDIS_PATH_MAX,
		    "socket path \"%s\"", u->socket_path);
	FUZZ_ASSERT(!u->has_auth && u->host[0] == 0, "unix: with a host or credentials");
	return;
    }
    FUZZ_ASSERT(u->port >= 1 && u->port <= 65535, "port %u", u->port);
    FUZZ_ASSERT(u->host[0] != 0 && strlen(u->host) <= MG_REDIS_HOST_MAX
		&& strpbrk(u->host, "[]@/ \t") == 0, "host \"%s\"", u->host);
    if (u->has_auth) {
	FUZZ_ASSERT(u->password_file[0] == '/'
		    && strlen(u->password_file) <= MG_REDIS_PATH_MAX,
		    "password file \"%s\"", u->password_file);
	FUZZ_ASSERT(strlen(u->user) <= MG_REDIS_USER_MAX && strpbrk(u->user, ":/") == 0,
		    "user \"%s\"", u->user);
    }
}

static void round_trip(const struct mg_lockout_redis_url *u)
{
    struct mg_lockout_redis_url back;
    struct mg_error err;
    char    text[2 * MG_LOCKOUT_REDIS_URL_MAX];

    if (u->unix_socket)
	snprintf(text, sizeof(text), "unix:%s?db=%u", u->socket_path, u->db);
    else
	snprintf(text, sizeof(text), strchr(u->host, ':') ? "redis://%s%s%s%s[%s]:%u/%u"
		 : "redis://%s%s%s%s%s:%u/%u", u->has_auth ? u->user : "",
		 u->has_auth ? ":" : "", u->has_auth ? u->password_file : "",
		 u->has_auth ? "@" : "", u->host, u->port, u->db);
    if (strlen(text) > MG_LOCKOUT_REDIS_URL_MAX)
	return;				/* canonical form may be longer */
    mg_error_clear(&err);
    FUZZ_ASSERT(mg_lockout_redis_url_parse(text, &back, &err) == MG_OK,
		"canonical \"%s\" refused: %s", text, err.reason);
    FUZZ_ASSERT(memcmp(&back, u, sizeof(back)) == 0, "\"%s\" parses differently", text);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mg_lockout_redis_url u;
    struct mg_error err;
    enum mg_code code;
    char    text[512], why[MG_REASON_MAX];
    size_t  n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

    memcpy(text, data, n);
    text[n] = 0;
    mg_error_clear(&err);
    code = mg_lockout_redis_url_parse(text, &u, &err);
    if (code != MG_OK) {
	fuzz_check_reason(code, &err);
	FUZZ_ASSERT(code == MG_MALFORMED, "code %d", (int) code);
    } else {
	check_parts(&u);
	round_trip(&u);
    }
    if (!mg_lockout_redis_prefix_ok(text, why, sizeof(why)))
	FUZZ_ASSERT(why[0] != 0, "prefix refused without a reason");
    return (0);
}
