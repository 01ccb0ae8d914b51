/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Adding and removing a VRRP instance's VIPs on its interface with libnl
 * (one NETLINK_ROUTE request each; the kernel answers at once).
 */
#ifndef EDGELB_VRRP_ADDR_H
#define EDGELB_VRRP_ADDR_H

#include <stdint.h>

#include "abi.h"

struct vrrp_addr_sock;
struct nl_sock;

int vrrp_addr_open(struct vrrp_addr_sock **out);
void vrrp_addr_close(struct vrrp_addr_sock *s);

/* The libnl socket itself, for other synchronous link requests (vmac.h). */
struct nl_sock *vrrp_addr_nl(struct vrrp_addr_sock *s);

/* Add (0 also when already there) or remove (0 also when absent).
 * family EDGELB_AF_INET / _INET6, addr network order. Returns 0 or -errno. */
int vrrp_addr_add(struct vrrp_addr_sock *s, int ifindex, uint8_t family,
		  const union edgelb_addr *addr, uint8_t prefix_len);
int vrrp_addr_del(struct vrrp_addr_sock *s, int ifindex, uint8_t family,
		  const union edgelb_addr *addr, uint8_t prefix_len);

#endif /* EDGELB_VRRP_ADDR_H */
