/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VRRP virtual MAC (RFC 5798 7.3: 00-00-5E-00-01-{VRID} for IPv4,
 * 00-00-5E-00-02-{VRID} for IPv6) on a macvlan interface over the VRRP
 * interface, made with libnl (use_vmac = true). The instance puts its VIPs
 * on the macvlan and sends adverts and GARP / unsolicited NA from it, so
 * their source MAC is the virtual one; adverts are still received on the
 * parent.
 *
 * Name: "vr<4|6>.<vrid>.<parent ifindex>" in decimal, e.g. "vr4.51.2".
 * keepalived's default "vrrp.<vrid>" is unique neither per family nor per
 * parent (the same VRID is legal on two LANs; keepalived then makes up a
 * suffix at run time, so the name depends on start order). Ours is a pure
 * function of (parent, vrid, family), so a restarted edgelbd finds and
 * adopts its interface instead of flapping it. The parent's ifindex is
 * stable for the life of the parent, and the macvlan dies with the parent.
 * It fits IFNAMSIZ-1 (15) up to ifindex 9999999; beyond that the fallback
 * is "v<4|6>.<vrid>.<ifindex in hex>" (at most 15, and never equal to a
 * decimal name because the prefix differs).
 *
 * What vrrp_vmac_ensure() sets up (each found necessary in namespaces,
 * see the comments in vmac.c and tests/integration/test_vrrp_vmac.sh):
 *  - macvlan mode private, MAC = the virtual MAC, parent = parent_ifindex,
 *    link up;
 *  - IPv4 on the macvlan: arp_ignore=1, arp_announce=2, rp_filter=2;
 *    IPv6 (family AF_INET) disabled on it, so it sends no IPv6 frames
 *    (RS, MLD, DAD) with the virtual MAC as source;
 *  - IPv4 on the parent: arp_ignore=1 and arp_announce=2 (left set on
 *    remove: other instances may share the parent, and both are right for
 *    any host with addresses on several interfaces of one LAN);
 *  - family AF_INET6: addr_gen_mode random and accept_dad=0 on the macvlan.
 *    ensure does not wait for its link-local address (it runs on the
 *    event loop): with DAD off the address comes within milliseconds of
 *    the parent's carrier, and the caller retries until it is there.
 *    Not the kernel's EUI-64 address from the virtual MAC: that one would
 *    be the same fe80:: on every router of the VRID (a duplicate address
 *    on the link, and RFC 5798's tie-break on the advert's source address
 *    could no longer tell the routers apart).
 *
 * Known limit: a BACKUP still has the macvlan up (as keepalived's), so
 * IPv6 MLD reports an IPv6 macvlan sends for its own groups carry the
 * virtual MAC as source even on the BACKUP.
 *
 * sk: a connected, synchronous NETLINK_ROUTE libnl socket (the caller's).
 * Results are 0 or a negative errno.
 */
#ifndef EDGELB_VRRP_VMAC_H
#define EDGELB_VRRP_VMAC_H

#include <stdint.h>
#include <net/if.h>

struct nl_sock;

/* The virtual MAC of (vrid, family AF_INET / AF_INET6). Pure. */
void vrrp_vmac_mac(uint8_t vrid, uint8_t family, uint8_t mac[6]);

/* The macvlan's name (see above) into name. Pure. Returns 0, or -EINVAL for
 * a bad family or parent_ifindex <= 0. */
int vrrp_vmac_name(int parent_ifindex, uint8_t vrid, uint8_t family, char name[IFNAMSIZ]);

/* Create, or adopt when it already exists as a macvlan on this parent with
 * this MAC in private mode (no flap across edgelbd restarts), the virtual
 * MAC interface of (parent_ifindex, vrid, family), configure it as above and
 * bring it up. A macvlan of that name configured otherwise is deleted and
 * recreated (logged); another kind of interface of that name is left alone
 * (-EEXIST). Its name and ifindex are returned in name and *ifindex. On
 * failure, an interface this call created is deleted again. */
int vrrp_vmac_ensure(struct nl_sock *sk, int parent_ifindex, uint8_t vrid, uint8_t family,
		     char name[IFNAMSIZ], int *ifindex);

/* Delete the interface called name. Absent already is success (0). */
int vrrp_vmac_remove(struct nl_sock *sk, const char *name);

#endif /* EDGELB_VRRP_VMAC_H */
