/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	mg_addr 3
/* SUMMARY
/*	IP addresses and networks, for the policy and the lockout
/* SYNOPSIS
/*	#include "mg_addr.h"
/*
/*	int	mg_addr_parse(text, len, addr)
/*
/*	int	mg_addr_parse_endpoint(text, addr, port)
/*
/*	enum mg_code mg_addr_parse_network(text, net, prefix, err)
/*
/*	unsigned mg_addr_max_prefix(family)
/*
/*	void	mg_addr_mask(addr, prefix)
/*
/*	int	mg_addr_in_network(net, prefix, host)
/* DESCRIPTION
/*	The one reader of addresses: the policy's networks and listeners,
/*	the client and server endpoints libsasl2 passes, and the lockout's
/*	counters all go through it, so that an address is the same address
/*	to each of them.
/*
/*	mg_addr_parse() takes the len bytes of a bare IPv4 or IPv6 address.
/*	An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address.
/*	It returns 1, or 0 for anything else.
/*
/*	mg_addr_parse_endpoint() takes an endpoint as libsasl2 passes it:
/*	"ADDR;PORT" (Postfix and most applications) or a bare address, IPv6
/*	possibly in brackets or with a zone (fe80::1%eth0; the zone says
/*	nothing about who the peer is and is dropped). PORT is empty (then
/*	0) or a decimal number up to 65535. It returns 1 with the address
/*	and, when port is not null, the port; 0 for anything else - an
/*	endpoint that does not parse is no address at all, never an address
/*	with a guessed port.
/*
/*	mg_addr_parse_network() takes "ADDR" or "ADDR/BITS". The host bits
/*	must be zero: a network written with them set is a typing error
/*	whose intent is unknown. "::ffff:a.b.c.d/N" is the IPv4 network
/*	a.b.c.d/(N - 96), so N must be from 96 to 128.
/*
/*	mg_addr_max_prefix() is 32 for AF_INET, else 128. mg_addr_mask()
/*	clears the bits after prefix. mg_addr_in_network() says whether
/*	host lies in net/prefix.
/* DIAGNOSTICS
/*	mg_addr_parse_network(): MG_MALFORMED with the reason.
/*--*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mg_addr.h"

static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

unsigned mg_addr_max_prefix(int family)
{
    return (family == AF_INET ? 32 : 128);
}

/*
 * Whole bytes at once: the policy and the lockout mask the client
 * address several times per attempt, and a bit at a time (up to 120 for
 * an IPv4 network) cost more than the rest of a networks_allow check.
 */
void    mg_addr_mask(struct mg_addr *addr, unsigned prefix)
{
    unsigned byte = prefix / 8;

    if (prefix >= 128)
	return;
    if (prefix % 8 != 0)
	addr->bytes[byte++] &= (unsigned char) (0xff << (8 - prefix % 8));
    memset(addr->bytes + byte, 0, sizeof(addr->bytes) - byte);
}

int     mg_addr_parse(const char *text, size_t len, struct mg_addr *addr)
{
    char    buf[INET6_ADDRSTRLEN + 1];

    memset(addr, 0, sizeof(*addr));
    if (len == 0 || len >= sizeof(buf))
	return (0);
    memcpy(buf, text, len);
    buf[len] = 0;
    if (inet_pton(AF_INET, buf, addr->bytes) == 1) {
	addr->family = AF_INET;
    } else if (inet_pton(AF_INET6, buf, addr->bytes) == 1) {
	addr->family = AF_INET6;
	if (memcmp(addr->bytes, v4mapped, sizeof(v4mapped)) == 0) {
	    memmove(addr->bytes, addr->bytes + 12, 4);
	    memset(addr->bytes + 4, 0, 12);
	    addr->family = AF_INET;
	}
    } else {
	return (0);
    }
    return (1);
}

 /*
  * PORT after the ";": nothing (0), or up to five digits, at most 65535.
  */
static int parse_port(const char *text, unsigned *port)
{
    unsigned long n = 0;
    const char *p;

    if (strlen(text) > 5)
	return (0);
    for (p = text; *p; p++) {
	if (*p < '0' || *p > '9')
	    return (0);
	n = n * 10 + (unsigned) (*p - '0');
    }
    if (n > 65535)
	return (0);
    *port = (unsigned) n;
    return (1);
}

int     mg_addr_parse_endpoint(const char *text, struct mg_addr *addr, unsigned *port)
{
    const char *semi, *p, *end;
    unsigned dummy;

    memset(addr, 0, sizeof(*addr));
    if (port == 0)
	port = &dummy;
    *port = 0;
    if (text == 0 || strnlen(text, MG_ADDR_TEXT_MAX + 1) > MG_ADDR_TEXT_MAX)
	return (0);
    end = text + strlen(text);
    if ((semi = strrchr(text, ';')) != 0) {
	if (!parse_port(semi + 1, port))
	    return (0);
	end = semi;
    }
    if (text < end && *text == '[') {
	if (end - text < 3 || end[-1] != ']')
	    return (0);
	text++;
	end--;
    }
    if ((p = memchr(text, '%', (size_t) (end - text))) != 0)
	end = p;
    if (!mg_addr_parse(text, (size_t) (end - text), addr)) {
	*port = 0;
	return (0);
    }
    return (1);
}

enum mg_code mg_addr_parse_network(const char *text, struct mg_addr *net,
				           unsigned *prefix, struct mg_error *err)
{
    const char *slash = strchr(text, '/');
    size_t  len = slash ? (size_t) (slash - text) : strlen(text);
    struct mg_addr masked;
    unsigned long bits;
    char   *end;
    int     mapped;

    if (!mg_addr_parse(text, len, net))
	return (mg_fail(err, MG_MALFORMED, "not an IPv4 or IPv6 address"));
    mapped = net->family == AF_INET && memchr(text, ':', len) != 0;
    *prefix = mg_addr_max_prefix(net->family);
    if (slash == 0)
	return (MG_OK);
    if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
	return (mg_fail(err, MG_MALFORMED, "the prefix length after / is not a number"));
    bits = strtoul(slash + 1, &end, 10);
    if (*end != 0)
	return (mg_fail(err, MG_MALFORMED, "the prefix length after / is not a number"));
    if (mapped) {
	/* ::ffff:a.b.c.d/N is the IPv4 network a.b.c.d/(N - 96). */
	if (bits < 96 || bits > 128)
	    return (mg_fail(err, MG_MALFORMED, "an IPv4-mapped network needs a "
			    "prefix length from 96 to 128"));
	bits -= 96;
    }
    if (bits > mg_addr_max_prefix(net->family))
	return (mg_fail(err, MG_MALFORMED, "prefix length %lu is longer than the "
			"address (%u bits)", bits, mg_addr_max_prefix(net->family)));
    *prefix = (unsigned) bits;
    masked = *net;
    mg_addr_mask(&masked, *prefix);
    if (memcmp(masked.bytes, net->bytes, sizeof(net->bytes)) != 0)
	return (mg_fail(err, MG_MALFORMED, "bits are set after the prefix length "
			"(a network is written with its host bits zero)"));
    return (MG_OK);
}

int     mg_addr_in_network(const struct mg_addr *net, unsigned prefix,
			           const struct mg_addr *host)
{
    struct mg_addr masked = *host;

    if (net->family != host->family || prefix > mg_addr_max_prefix(net->family))
	return (0);
    mg_addr_mask(&masked, prefix);
    return (memcmp(masked.bytes, net->bytes, sizeof(net->bytes)) == 0);
}
