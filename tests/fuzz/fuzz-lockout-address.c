/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Client addresses and networks as the core reads them for the lockout
 * and the policy (src/mg_addr.c): mg_addr_parse_endpoint() on what an
 * application hands libsasl2 ("ADDR;PORT", brackets, zones),
 * mg_addr_parse_network() on what "md5gate lockout" and the policy's
 * networks are given (ADDR[/BITS]), and the lockout's keys of them.
 *
 * Input: the text (up to 255 bytes, to the first NUL); its first byte
 * also picks the prefix lengths of the keys.
 *
 * Invariants: an accepted address is IPv4 or IPv6, never an IPv4-mapped
 * IPv6 address, and its port is at most 65535; its key at any prefix
 * length names a network that parses back with that length and holds the
 * address; at full length the key parses back to the address itself. A refused network has a reason; an
 * accepted one prints as a key that parses back to the same network.
 *
 * Account keys (mg_lockout_key()): the text repeated to a length the
 * first byte picks (up to 600 bytes, either side of the key limit) is
 * an account. Its key fits; a name that fits keeps "KIND:NAME"; a longer
 * one is "KIND#sha256:" and 64 lowercase hex digits, and changing its
 * last byte changes the key (no cut name shares a counter).
 */
#include <arpa/inet.h>
#include <string.h>

#include "fuzz.h"
#include "lockout.h"

static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void check_address(const char *text, unsigned v4, unsigned v6)
{
    struct mg_addr a, back;
    struct mg_error err;
    char    key[MG_LOCKOUT_KEY_MAX + 1];
    unsigned prefix, port;

    if (!mg_addr_parse_endpoint(text, &a, &port))
	return;
    FUZZ_ASSERT(port <= 65535, "port %u", port);
    FUZZ_ASSERT(a.family == AF_INET || a.family == AF_INET6, "family %d", a.family);
    FUZZ_ASSERT(a.family == AF_INET || memcmp(a.bytes, mapped, sizeof(mapped)) != 0,
		"an IPv4-mapped address kept as IPv6");
    mg_lockout_address_key(key, &a, v4, v6);
    FUZZ_ASSERT(strncmp(key, "addr:", 5) == 0, "key \"%s\"", key);
    FUZZ_ASSERT(mg_addr_parse_network(key + 5, &back, &prefix, &err) == MG_OK,
		"key \"%s\" does not parse back: %s", key, err.reason);
    FUZZ_ASSERT(back.family == a.family && prefix == (a.family == AF_INET ? v4 : v6),
		"key \"%s\": family %d, prefix %u", key, back.family, prefix);
    FUZZ_ASSERT(mg_addr_in_network(&back, prefix, &a),
		"key \"%s\" does not hold its address", key);
    mg_lockout_address_key(key, &a, 32, 128);
    FUZZ_ASSERT(mg_addr_parse_network(key + 5, &back, &prefix, &err) == MG_OK
		&& back.family == a.family && memcmp(back.bytes, a.bytes, 16) == 0,
		"full-length key \"%s\" is not the address", key);
}

static void check_network(const char *text)
{
    struct mg_addr net, back;
    struct mg_error err;
    char    key[MG_LOCKOUT_KEY_MAX + 1];
    unsigned prefix, prefix2;

    mg_error_clear(&err);
    if (mg_addr_parse_network(text, &net, &prefix, &err) != MG_OK) {
	FUZZ_ASSERT(err.reason[0] != 0, "refused without a reason");
	return;
    }
    FUZZ_ASSERT(net.family == AF_INET ? prefix <= 32 : prefix <= 128, "prefix %u", prefix);
    mg_lockout_address_key(key, &net, prefix, prefix);
    FUZZ_ASSERT(mg_addr_parse_network(key + 5, &back, &prefix2, &err) == MG_OK
		&& prefix2 == prefix && back.family == net.family
		&& memcmp(back.bytes, net.bytes, 16) == 0,
		"network \"%s\" prints as \"%s\"", text, key);
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c);
}

static char ascii_upper(char c)
{
    return (c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c);
}

/*
 * Account keys: the name in ASCII lower case, or the digest of it when
 * too long; any spelling of a name has its key, and two names that differ
 * in anything but ASCII case never share one.
 */
static void check_account_key(const char *kind, const char *text, size_t length)
{
    char    name[601], folded[601], key[MG_LOCKOUT_KEY_MAX + 1];
    char    other[MG_LOCKOUT_KEY_MAX + 1];
    size_t  tlen = strlen(text), klen = strlen(kind), i, j;

    if (tlen == 0)
	return;
    for (i = 0; i < length && i < sizeof(name) - 1; i++) {
	name[i] = text[i % tlen];
	folded[i] = ascii_lower(name[i]);
    }
    name[i] = folded[i] = 0;
    FUZZ_ASSERT(mg_lockout_key(key, kind, name) == key, "no key for %zu bytes", i);
    FUZZ_ASSERT(strlen(key) <= MG_LOCKOUT_KEY_MAX, "key of %zu bytes", strlen(key));
    for (j = 0; j < i; j++)
	name[j] = ascii_upper(name[j]);
    FUZZ_ASSERT(mg_lockout_key(other, kind, name) == other && strcmp(key, other) == 0,
		"two spellings of a name have different keys");
    if (klen + 1 + i <= MG_LOCKOUT_KEY_MAX) {
	FUZZ_ASSERT(strncmp(key, kind, klen) == 0 && key[klen] == ':'
		    && strcmp(key + klen + 1, folded) == 0, "the name was changed");
	return;
    }
    FUZZ_ASSERT(strncmp(key, kind, klen) == 0 && strncmp(key + klen, "#sha256:", 8) == 0
		&& strlen(key + klen + 8) == 64
		&& strspn(key + klen + 8, "0123456789abcdef") == 64,
		"long name keyed \"%.40s...\"", key);
    name[i - 1] = ascii_lower(name[i - 1]) == 'a' ? 'b' : 'a';
    FUZZ_ASSERT(mg_lockout_key(other, kind, name) == other && strcmp(key, other) != 0,
		"two long names share a key");
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char    text[256];
    size_t  n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
    unsigned pick = n > 0 ? data[0] : 0;

    memcpy(text, data, n);
    text[n] = 0;
    check_address(text, 8 + pick % 25, 16 + pick % 113);
    check_network(text);
    check_account_key("user", text, 280 + (pick * 7) % 320);
    check_account_key("trusted-user", text, 280 + (pick * 7) % 320);
    return (0);
}
