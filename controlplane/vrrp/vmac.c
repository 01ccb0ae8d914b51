// SPDX-License-Identifier: GPL-2.0-only
/* The VRRP virtual MAC on a macvlan with libnl: see vmac.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/macvlan.h>

#include "log.h"
#include "vmac.h"
#include "nl_errno.h"

#define TAG "vrrp"

#ifndef IFF_LOWER_UP /* <linux/if.h>, which clashes with <net/if.h> */
#define IFF_LOWER_UP 0x10000
#endif


void vrrp_vmac_mac(uint8_t vrid, uint8_t family, uint8_t mac[6])
{
	mac[0] = 0x00;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = 0x00;
	mac[4] = family == AF_INET6 ? 0x02 : 0x01;
	mac[5] = vrid;
}

int vrrp_vmac_name(int parent_ifindex, uint8_t vrid, uint8_t family, char name[IFNAMSIZ])
{
	int fam = family == AF_INET6 ? 6 : 4;
	int n;

	if ((family != AF_INET && family != AF_INET6) || parent_ifindex <= 0)
		return -EINVAL;
	n = snprintf(name, IFNAMSIZ, "vr%d.%u.%d", fam, (unsigned)vrid, parent_ifindex);
	if (n < 0 || n >= IFNAMSIZ)
		snprintf(name, IFNAMSIZ, "v%d.%u.%x", fam, (unsigned)vrid, (unsigned)parent_ifindex);
	return 0;
}

/* Write value to /proc/sys/net/<proto>/conf/<ifname>/<key> (a name with
 * dots is a directory name there, unlike in sysctl(8)'s dotted syntax). */
static int vmac_sysctl(const char *proto, const char *ifname, const char *key, const char *value)
{
	char path[128];
	size_t len = strlen(value);
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", proto, ifname, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_warn(TAG, "vmac: %s: %s", path, strerror(errno));
		return err;
	}
	n = write(fd, value, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err)
		pr_warn(TAG, "vmac: writing %s to %s: %s", value, path, strerror(-err));
	return err;
}

/*
 * The sysctls, each shown necessary in two namespaces on a veth (parent
 * with 10.74.0.1/24, macvlan with the VIP 10.74.0.100/32, an ARP request
 * from the peer, every reply collected on an AF_PACKET socket):
 *  - parent arp_ignore=1: with 0 the parent also answers for the VIP, with
 *    its own MAC (two replies, the peer keeps whichever comes last);
 *  - macvlan arp_ignore=1: with 0 the macvlan answers for the parent's own
 *    address with the virtual MAC (wrong, and on a BACKUP it would put
 *    the virtual MAC on the wire and teach it to the switches). 1 on both
 *    is sufficient: one reply each, the right MAC. (2 is too much: a /32
 *    VIP is then not answered for peers on the parent's subnet.)
 *  - parent arp_announce=2: with 0, traffic from the VIP routed out of the
 *    parent (the parent's connected route wins) makes the parent ARP for
 *    the next hop with the VIP as sender address and its own MAC, and the
 *    peer replaces its virtual-MAC entry for the VIP with the parent's
 *    MAC. With 2 the parent's own address is the sender.
 *  - macvlan rp_filter=2: packets to the VIP arrive on the macvlan while
 *    the route back to their source is through the parent, so strict
 *    reverse-path filtering (1, in all or on the macvlan) drops them; the
 *    kernel uses max(all, dev), so 0 on the macvlan is not enough, loose
 *    (2) is.
 *  - macvlan arp_announce=2: not needed in that test (the macvlan holds only
 *    VIPs), set so that an ARP from it never carries another address.
 */
static int vmac_sysctls_macvlan(const char *name, uint8_t family)
{
	int err;

	if ((err = vmac_sysctl("ipv4", name, "arp_ignore", "1")) ||
	    (err = vmac_sysctl("ipv4", name, "arp_announce", "2")) ||
	    (err = vmac_sysctl("ipv4", name, "rp_filter", "2")))
		return err;
	if (family == AF_INET6)
		return vmac_sysctl("ipv6", name, "accept_dad", "0");
	/* An IPv4 virtual MAC must send no IPv6 (RS, MLD, DAD) from its MAC.
	 * Absent IPv6 (ipv6.disable=1) is fine. */
	err = vmac_sysctl("ipv6", name, "disable_ipv6", "1");
	return err == -ENOENT ? 0 : err;
}

static int vmac_sysctls_parent(const char *parent)
{
	int err;

	if ((err = vmac_sysctl("ipv4", parent, "arp_ignore", "1")) ||
	    (err = vmac_sysctl("ipv4", parent, "arp_announce", "2")))
		return err;
	return 0;
}

/* Does the existing link have what we would create? Logs what differs. */
static int vmac_matches(struct rtnl_link *cur, int parent_ifindex, const uint8_t mac[6])
{
	const char *type = rtnl_link_get_type(cur);
	struct nl_addr *addr = rtnl_link_get_addr(cur);
	const char *name = rtnl_link_get_name(cur);

	if (!type || strcmp(type, "macvlan") != 0)
		return 0;
	if (rtnl_link_get_link(cur) != parent_ifindex) {
		pr_warn(TAG, "vmac: %s: parent ifindex %d, not %d", name,
			rtnl_link_get_link(cur), parent_ifindex);
		return 0;
	}
	if (!addr || nl_addr_get_len(addr) != 6 || memcmp(nl_addr_get_binary_addr(addr), mac, 6)) {
		pr_warn(TAG, "vmac: %s: wrong MAC address", name);
		return 0;
	}
	if (rtnl_link_macvlan_get_mode(cur) != MACVLAN_MODE_PRIVATE) {
		pr_warn(TAG, "vmac: %s: macvlan mode %u, not private", name,
			rtnl_link_macvlan_get_mode(cur));
		return 0;
	}
	return 1;
}

static int vmac_delete_name(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int err;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	err = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND)
		return 0;
	return edgelb_nl_errno(err);
}

/*
 * Mode private, as keepalived: the macvlan exchanges nothing with other
 * macvlans on the same parent, not even broadcasts and multicasts. In
 * bridge mode, the GARPs and adverts of one virtual-MAC interface would be
 * delivered locally to every other macvlan of the parent (another VRID,
 * the other family), and traffic between them would be switched inside
 * the host instead of going through the LAN. A virtual router needs none of
 * that: it only talks to the LAN. (No macvlan mode lets it talk to its own
 * parent directly; private is the one that also isolates the siblings.)
 */
static int vmac_create(struct nl_sock *sk, int parent_ifindex, const char *name,
		       const uint8_t mac[6])
{
	struct rtnl_link *link = rtnl_link_macvlan_alloc();
	struct nl_addr *addr = NULL;
	int err;

	if (!link)
		return -ENOMEM;
	addr = nl_addr_build(AF_LLC, mac, 6);
	if (!addr) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_link_set_name(link, name);
	rtnl_link_set_link(link, parent_ifindex);
	rtnl_link_set_addr(link, addr);
	err = rtnl_link_macvlan_set_mode(link, MACVLAN_MODE_PRIVATE);
	if (err < 0) {
		err = edgelb_nl_errno(err);
		goto out;
	}
	/* Created down: the sysctls come before the first packet. */
	err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	if (err < 0)
		pr_warn(TAG, "vmac: RTM_NEWLINK %s: %s", name, nl_geterror(err));
	err = edgelb_nl_errno(err);
out:
	nl_addr_put(addr);
	rtnl_link_put(link);
	return err;
}

/* IPv6 link-local address: not EUI-64 from the shared virtual MAC (see
 * vmac.h) but random, made by the kernel when the link comes up. Set while
 * the new link is still down, so that no address of another kind appears.
 * (The kernel refuses IFLA_AF_SPEC in the RTM_NEWLINK that creates a link:
 * EAFNOSUPPORT, hence a change of its own.) */
static int vmac_set_addr_gen_random(struct nl_sock *sk, struct rtnl_link *cur)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int err;

	if (!change)
		return -ENOMEM;
	err = rtnl_link_inet6_set_addr_gen_mode(change, IN6_ADDR_GEN_MODE_RANDOM);
	if (err >= 0)
		err = rtnl_link_change(sk, cur, change, 0);
	if (err < 0)
		pr_warn(TAG, "vmac: %s: addr_gen_mode random: %s", rtnl_link_get_name(cur),
			nl_geterror(err));
	rtnl_link_put(change);
	return edgelb_nl_errno(err);
}

static int vmac_set_up(struct nl_sock *sk, struct rtnl_link *cur)
{
	struct rtnl_link *change;
	int err;

	if (rtnl_link_get_flags(cur) & IFF_UP)
		return 0;
	change = rtnl_link_alloc();
	if (!change)
		return -ENOMEM;
	rtnl_link_set_flags(change, IFF_UP);
	err = rtnl_link_change(sk, cur, change, 0);
	rtnl_link_put(change);
	return edgelb_nl_errno(err);
}

int vrrp_vmac_ensure(struct nl_sock *sk, int parent_ifindex, uint8_t vrid, uint8_t family,
		     char name[IFNAMSIZ], int *ifindex)
{
	struct rtnl_link *parent = NULL, *cur = NULL;
	char pname[IFNAMSIZ];
	uint8_t mac[6];
	int err, created = 0;

	err = vrrp_vmac_name(parent_ifindex, vrid, family, name);
	if (err)
		return err;
	vrrp_vmac_mac(vrid, family, mac);

	err = rtnl_link_get_kernel(sk, parent_ifindex, NULL, &parent);
	if (err < 0) {
		pr_warn(TAG, "vmac: parent ifindex %d: %s", parent_ifindex, nl_geterror(err));
		return edgelb_nl_errno(err) == -ENOENT ? -ENODEV : edgelb_nl_errno(err);
	}
	snprintf(pname, sizeof(pname), "%s", rtnl_link_get_name(parent));
	rtnl_link_put(parent);

	err = rtnl_link_get_kernel(sk, 0, name, &cur);
	if (err == 0) {
		if (vmac_matches(cur, parent_ifindex, mac)) {
			pr_info(TAG, "vmac: adopting %s on %s", name, pname);
		} else {
			const char *type = rtnl_link_get_type(cur);

			if (!type || strcmp(type, "macvlan") != 0) {
				pr_warn(TAG, "vmac: %s exists and is not a macvlan (%s): leaving it",
					name, type ? type : "no kind");
				rtnl_link_put(cur);
				return -EEXIST;
			}
			pr_warn(TAG, "vmac: %s is configured otherwise: recreating it", name);
			rtnl_link_put(cur);
			cur = NULL;
			err = vmac_delete_name(sk, name);
			if (err)
				return err;
		}
	} else if (err != -NLE_NODEV && err != -NLE_OBJ_NOTFOUND) {
		pr_warn(TAG, "vmac: looking up %s: %s", name, nl_geterror(err));
		return edgelb_nl_errno(err);
	}

	if (!cur) {
		err = vmac_create(sk, parent_ifindex, name, mac);
		if (err) {
			pr_warn(TAG, "vmac: creating %s on %s: %s", name, pname, strerror(-err));
			return err;
		}
		created = 1;
		err = rtnl_link_get_kernel(sk, 0, name, &cur);
		if (err < 0) {
			err = edgelb_nl_errno(err);
			goto fail;
		}
		pr_info(TAG, "vmac: created %s on %s", name, pname);
	}
	*ifindex = rtnl_link_get_ifindex(cur);

	err = vmac_sysctls_macvlan(name, family);
	if (err)
		goto fail;
	if (created && family == AF_INET6) {
		err = vmac_set_addr_gen_random(sk, cur);
		if (err)
			goto fail;
	}
	err = vmac_set_up(sk, cur);
	if (err) {
		pr_warn(TAG, "vmac: setting %s up: %s", name, strerror(-err));
		goto fail;
	}
	err = vmac_sysctls_parent(pname);
	if (err)
		goto fail;
	/*
	 * No wait here for an IPv6 macvlan's link-local address: this runs
	 * on edgelbd's loop, where a wait would delay every other instance's
	 * adverts. With DAD off it comes within milliseconds of the carrier
	 * (the parent's); the caller retries until it is there.
	 */
	rtnl_link_put(cur);
	return 0;

fail:
	if (cur)
		rtnl_link_put(cur);
	if (created && vmac_delete_name(sk, name) == 0)
		pr_info(TAG, "vmac: removed %s again", name);
	return err;
}

int vrrp_vmac_remove(struct nl_sock *sk, const char *name)
{
	int err = vmac_delete_name(sk, name);

	if (err)
		pr_warn(TAG, "vmac: removing %s: %s", name, strerror(-err));
	return err;
}
