/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Addresses that can never be a VIP or a backend. One classification for
 * edgelb.conf (config.c) and the control protocol (ctl_proto.c: lbctl vip
 * add, backend add), so a file and a runtime change refuse the same set.
 */
#ifndef EDGELB_ADDR_CHECK_H
#define EDGELB_ADDR_CHECK_H

#include <stdint.h>

#include "abi.h"

/* Flags of edgelb_addr_check(). */
#define EDGELB_ADDR_CHECK_LISTEN (1u << 0) /* a local socket: :: / 0.0.0.0, loopback pass */

/*
 * Why addr cannot be used, or NULL. addr is in network byte order (IPv4 in
 * addr->v4), family an enum edgelb_family (EDGELB_AF_INET or
 * EDGELB_AF_INET6). The reason is a phrase to follow the quoted address,
 * e.g. "is a loopback address".
 *
 * Refused: unspecified (0.0.0.0, ::), "this network" 0.0.0.0/8, loopback
 * (127.0.0.0/8, ::1), multicast (224.0.0.0/4, ff00::/8), the limited
 * broadcast 255.255.255.255, reserved 240.0.0.0/4 and IPv4-mapped IPv6
 * (::ffff:0:0/96). Everything else passes, link-local and private ranges
 * included. With EDGELB_ADDR_CHECK_LISTEN the exact unspecified address
 * and loopback addresses pass too. Pure: no I/O, no state.
 */
const char *edgelb_addr_check(uint8_t family, const union edgelb_addr *addr, unsigned int flags);

#endif /* EDGELB_ADDR_CHECK_H */
