// SPDX-License-Identifier: GPL-2.0-only
/* VIPs on the interface through libnl: see addr.h. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <linux/if_addr.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include "addr.h"

struct vrrp_addr_sock {
	struct nl_sock *sk;
};

int vrrp_addr_open(struct vrrp_addr_sock **out)
{
	struct vrrp_addr_sock *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->sk = nl_socket_alloc();
	if (!s->sk) {
		free(s);
		return -ENOMEM;
	}
	err = nl_connect(s->sk, NETLINK_ROUTE);
	if (err) {
		nl_socket_free(s->sk);
		free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

void vrrp_addr_close(struct vrrp_addr_sock *s)
{
	if (!s)
		return;
	nl_socket_free(s->sk);
	free(s);
}

struct nl_sock *vrrp_addr_nl(struct vrrp_addr_sock *s)
{
	return s->sk;
}

static struct rtnl_addr *vrrp_addr_build(int ifindex, uint8_t family,
					 const union edgelb_addr *addr, uint8_t prefix_len)
{
	int af = family == EDGELB_AF_INET6 ? AF_INET6 : AF_INET;
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local;

	if (!ra)
		return NULL;
	local = nl_addr_build(af, addr->bytes, af == AF_INET6 ? 16 : 4);
	if (!local) {
		rtnl_addr_put(ra);
		return NULL;
	}
	nl_addr_set_prefixlen(local, prefix_len);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, af);
	if (rtnl_addr_set_local(ra, local) < 0) {
		nl_addr_put(local);
		rtnl_addr_put(ra);
		return NULL;
	}
	nl_addr_put(local);
	rtnl_addr_set_prefixlen(ra, prefix_len);
	if (af == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	return ra;
}

int vrrp_addr_add(struct vrrp_addr_sock *s, int ifindex, uint8_t family,
		  const union edgelb_addr *addr, uint8_t prefix_len)
{
	struct rtnl_addr *ra = vrrp_addr_build(ifindex, family, addr, prefix_len);
	int err;

	if (!ra)
		return -ENOMEM;
	err = rtnl_addr_add(s->sk, ra, 0);
	rtnl_addr_put(ra);
	if (err == -NLE_EXIST)
		return 0;
	return err ? -EIO : 0;
}

int vrrp_addr_del(struct vrrp_addr_sock *s, int ifindex, uint8_t family,
		  const union edgelb_addr *addr, uint8_t prefix_len)
{
	struct rtnl_addr *ra = vrrp_addr_build(ifindex, family, addr, prefix_len);
	int err;

	if (!ra)
		return -ENOMEM;
	err = rtnl_addr_delete(s->sk, ra, 0);
	rtnl_addr_put(ra);
	if (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return 0;
	return err ? -EIO : 0;
}
