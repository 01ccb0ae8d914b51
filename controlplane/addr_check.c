// SPDX-License-Identifier: GPL-2.0-only
/*
 * Addresses that can never be a VIP or a backend (addr_check.h). The
 * ranges are those of the IANA special-purpose registries (RFC 6890) that
 * no host can hold as a unicast address, plus IPv4-mapped IPv6, which is
 * an IPv4 address written the long way and would make a second key for
 * the same VIP or backend.
 */
#include <stdbool.h>
#include <string.h>

#include "addr_check.h"

static const char *edgelb_addr_check_v4(const uint8_t *b, unsigned int flags)
{
	bool listen = flags & EDGELB_ADDR_CHECK_LISTEN;

	/* before 0.0.0.0/8 and 240.0.0.0/4, which hold them */
	if (!(b[0] | b[1] | b[2] | b[3]))
		return listen ? NULL : "is the unspecified address";
	if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
		return "is the broadcast address";
	if (b[0] == 0)
		return "is a \"this network\" address (0.0.0.0/8)";
	if (b[0] == 127)
		return listen ? NULL : "is a loopback address";
	if ((b[0] & 0xf0) == 224)
		return "is a multicast address";
	if ((b[0] & 0xf0) == 240)
		return "is a reserved address (240.0.0.0/4)";
	return NULL;
}

static const char *edgelb_addr_check_v6(const uint8_t *b, unsigned int flags)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };
	bool listen = flags & EDGELB_ADDR_CHECK_LISTEN;

	if (!memcmp(b, zero, 16))
		return listen ? NULL : "is the unspecified address";
	if (!memcmp(b, zero, 15) && b[15] == 1)
		return listen ? NULL : "is a loopback address";
	if (b[0] == 0xff)
		return "is a multicast address";
	if (!memcmp(b, mapped, 12))
		return "is an IPv4-mapped IPv6 address; write the IPv4 address";
	return NULL;
}

const char *edgelb_addr_check(uint8_t family, const union edgelb_addr *addr, unsigned int flags)
{
	if (family == EDGELB_AF_INET)
		return edgelb_addr_check_v4(addr->bytes, flags);
	if (family == EDGELB_AF_INET6)
		return edgelb_addr_check_v6(addr->bytes, flags);
	return "is not an IPv4 or IPv6 address";
}
