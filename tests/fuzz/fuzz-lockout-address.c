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

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char    text[256];
    size_t  n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
    unsigned pick = n > 0 ? data[0] : 0;

    memcpy(text, data, n);
    text[n] = 0;
    check_address(text, 8 + pick % 25, 16 + pick % 113);
    check_network(text);
    return (0);
}
