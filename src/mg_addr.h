/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef MG_ADDR_H
#define MG_ADDR_H

/*++
/* NAME
/*	mg_addr 3h
/* SUMMARY
/*	IP addresses and networks, for the policy and the lockout
/* SYNOPSIS
/*	#include "mg_addr.h"
/* DESCRIPTION
/*	See mg_addr(3).
/*--*/

#include <stddef.h>

#include "mg_error.h"

 /*
  * An address: AF_INET (the first 4 bytes) or AF_INET6. An IPv4-mapped
  * IPv6 address is always held as the IPv4 address it maps.
  */
struct mg_addr {
    int     family;			/* AF_INET or AF_INET6 */
    unsigned char bytes[16];
};

/* The longest endpoint text taken ("ADDR;PORT", brackets, a zone). */
#define MG_ADDR_TEXT_MAX	127

extern int mg_addr_parse(const char *text, size_t len, struct mg_addr *addr);
extern int mg_addr_parse_endpoint(const char *text, struct mg_addr *addr, unsigned *port);
extern enum mg_code mg_addr_parse_network(const char *text, struct mg_addr *net,
					          unsigned *prefix, struct mg_error *err);
extern unsigned mg_addr_max_prefix(int family);
extern void mg_addr_mask(struct mg_addr *addr, unsigned prefix);
extern int mg_addr_in_network(const struct mg_addr *net, unsigned prefix,
			              const struct mg_addr *host);

#endif
