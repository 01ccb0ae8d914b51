/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Destination unreachable messages, as raw ICMP sockets deliver them:
 * which address does the network say it cannot reach? (site.h: the
 * signal that starts a sweep of a backend's site.)
 *
 * Taken: ICMP type 3 codes net/host unreachable, unknown, prohibited
 * (0, 1, 6, 7, 9-13); ICMPv6 type 1 codes no route, prohibited, beyond
 * scope, address unreachable, policy, reject route (0-3, 5, 6). Not:
 * port and protocol unreachable (the host is there), fragmentation
 * needed (the path MTU code's business), anything else.
 *
 * Pure code, outside input: every length is checked; fuzzed by
 * tests/fuzz/fuzz_unreach.c.
 */
#ifndef EDGELB_HC_UNREACH_PARSE_H
#define EDGELB_HC_UNREACH_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"

struct hc_unreach {
	uint8_t family; /* enum edgelb_family */
	union edgelb_addr dst; /* the quoted packet's destination */
	union edgelb_addr from; /* who says so (the ICMP's source) */
	uint8_t code;
};

/*
 * pkt: what recv() returns on an AF_INET SOCK_RAW IPPROTO_ICMP socket
 * (the IPv4 header, then the ICMP message). 1 with *u filled when it
 * says a destination is unreachable (above); 0 otherwise.
 */
int hc_unreach_parse4(const uint8_t *pkt, size_t len, struct hc_unreach *u);

/*
 * icmp: what recvfrom() returns on an AF_INET6 SOCK_RAW IPPROTO_ICMPV6
 * socket (the ICMPv6 message, no IPv6 header); from: its source address
 * (16 bytes, from recvfrom's sockaddr). As above.
 */
int hc_unreach_parse6(const uint8_t *icmp, size_t len, const uint8_t from[16],
		      struct hc_unreach *u);

#endif /* EDGELB_HC_UNREACH_PARSE_H */
