// SPDX-License-Identifier: GPL-2.0-only
/*
 * Destination unreachable messages: see unreach_parse.h. Pure code.
 */
#include <string.h>

#include "unreach_parse.h"

#define ICMP_HDR 8
#define IP4_MIN 20
#define IP6_HDR 40

static int hc_unreach_code4(uint8_t code)
{
	switch (code) {
	case 0: /* net unreachable */
	case 1: /* host unreachable */
	case 6: /* net unknown */
	case 7: /* host unknown */
	case 9: /* net administratively prohibited */
	case 10: /* host administratively prohibited */
	case 11: /* net unreachable for TOS */
	case 12: /* host unreachable for TOS */
	case 13: /* communication administratively prohibited */
		return 1;
	default:
		return 0;
	}
}

static int hc_unreach_code6(uint8_t code)
{
	switch (code) {
	case 0: /* no route to destination */
	case 1: /* administratively prohibited */
	case 2: /* beyond scope of source address */
	case 3: /* address unreachable */
	case 5: /* source address failed ingress/egress policy */
	case 6: /* reject route to destination */
		return 1;
	default:
		return 0;
	}
}

int hc_unreach_parse4(const uint8_t *pkt, size_t len, struct hc_unreach *u)
{
	size_t ihl, qihl;
	const uint8_t *icmp, *q;

	if (len < IP4_MIN || (pkt[0] >> 4) != 4)
		return 0;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (ihl < IP4_MIN || len < ihl + ICMP_HDR + IP4_MIN || pkt[9] != 1 /* ICMP */)
		return 0;
	icmp = pkt + ihl;
	if (icmp[0] != 3 || !hc_unreach_code4(icmp[1]))
		return 0;
	q = icmp + ICMP_HDR;
	qihl = (size_t)(q[0] & 0x0f) * 4;
	/* the quoted header: only its destination is needed, but it must be one */
	if ((q[0] >> 4) != 4 || qihl < IP4_MIN)
		return 0;
	memset(u, 0, sizeof(*u));
	u->family = EDGELB_AF_INET;
	memcpy(&u->dst.v4, q + 16, 4);
	memcpy(&u->from.v4, pkt + 12, 4);
	u->code = icmp[1];
	return 1;
}

int hc_unreach_parse6(const uint8_t *icmp, size_t len, const uint8_t from[16],
		      struct hc_unreach *u)
{
	const uint8_t *q;

	if (len < ICMP_HDR + IP6_HDR || icmp[0] != 1 || !hc_unreach_code6(icmp[1]))
		return 0;
	q = icmp + ICMP_HDR;
	if ((q[0] >> 4) != 6)
		return 0;
	memset(u, 0, sizeof(*u));
	u->family = EDGELB_AF_INET6;
	memcpy(u->dst.bytes, q + 24, 16);
	memcpy(u->from.bytes, from, 16);
	u->code = icmp[1];
	return 1;
}
