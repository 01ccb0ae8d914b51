// SPDX-License-Identifier: GPL-2.0-only
/* VRRP socket I/O (io.h). */
#include "io.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define IPV6_HDR_LEN 40
/* The largest VRRP message: 8 + 255 * 16, plus an IPv4 header with options. */
#define VRRP_IO_BUF (VRRP_HDR_LEN + VRRP_MAX_ADDRS * 16 + 64)

struct vrrp_io {
	int fd;
	int ifindex;
	uint8_t family;
	union edgelb_addr src;
	uint8_t buf[IPV6_HDR_LEN + VRRP_IO_BUF];
};

static int setint(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v)) ? -errno : 0;
}

static int setup_v4(int fd, int ifindex)
{
	struct ip_mreqn mr = { .imr_ifindex = ifindex };
	int err;

	memcpy(&mr.imr_multiaddr.s_addr, VRRP_GROUP_V4, 4);
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)))
		return -errno;
	memset(&mr.imr_multiaddr, 0, sizeof(mr.imr_multiaddr));
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)))
		return -errno;
	if ((err = setint(fd, IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL)) ||
	    (err = setint(fd, IPPROTO_IP, IP_TTL, VRRP_TTL)) ||
	    (err = setint(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0)))
		return err;
	return 0;
}

static int setup_v6(int fd, int ifindex)
{
	struct ipv6_mreq mr = { .ipv6mr_interface = (unsigned int)ifindex };
	int err;

	memcpy(&mr.ipv6mr_multiaddr, VRRP_GROUP_V6, 16);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr)))
		return -errno;
	if ((err = setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex)) ||
	    (err = setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_TTL)) ||
	    (err = setint(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP_TTL)) ||
	    (err = setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0)) ||
	    (err = setint(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)) ||
	    (err = setint(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)))
		return err;
	return 0;
}

int vrrp_io_open(uint8_t family, int ifindex, const union edgelb_addr *src,
		 struct vrrp_io **out)
{
	char name[IF_NAMESIZE];
	struct vrrp_io *io;
	int err;

	if (!out || !src || ifindex <= 0 ||
	    (family != EDGELB_AF_INET && family != EDGELB_AF_INET6))
		return -EINVAL;
	if (!if_indextoname((unsigned int)ifindex, name))
		return -errno;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->ifindex = ifindex;
	io->family = family;
	io->src = *src;
	io->fd = socket(family == EDGELB_AF_INET ? AF_INET : AF_INET6,
			SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_IPPROTO);
	if (io->fd < 0) {
		err = -errno;
		free(io);
		return err;
	}
	if (setsockopt(io->fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name) + 1))
		err = -errno;
	else
		err = family == EDGELB_AF_INET ? setup_v4(io->fd, ifindex)
					       : setup_v6(io->fd, ifindex);
	if (err) {
		close(io->fd);
		free(io);
		return err;
	}
	*out = io;
	return 0;
}

int vrrp_io_fd(const struct vrrp_io *io)
{
	return io ? io->fd : -1;
}

int vrrp_io_send(struct vrrp_io *io, const struct vrrp_advert *a,
		 const union edgelb_addr *dst)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage ss;
	union edgelb_addr to;
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	struct iovec iov;
	int len;

	if (!io || !a || a->family != io->family)
		return -EINVAL;
	memset(&to, 0, sizeof(to));
	if (dst)
		to = *dst;
	else
		memcpy(to.bytes, io->family == EDGELB_AF_INET ? VRRP_GROUP_V4 : VRRP_GROUP_V6,
		       io->family == EDGELB_AF_INET ? 4 : 16);
	len = vrrp_packet_build(a, &io->src, &to, io->buf, sizeof(io->buf));
	if (len < 0)
		return len;

	memset(&ss, 0, sizeof(ss));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_name = &ss;
	msg.msg_control = ctl.buf;
	iov.iov_base = io->buf;
	iov.iov_len = (size_t)len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (io->family == EDGELB_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		struct in_pktinfo pi = { .ipi_ifindex = io->ifindex };

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, to.bytes, 4);
		msg.msg_namelen = sizeof(*sin);
		memcpy(&pi.ipi_spec_dst, io->src.bytes, 4);
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned int)io->ifindex };

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, to.bytes, 16);
		sin6->sin6_scope_id = (uint32_t)io->ifindex;
		msg.msg_namelen = sizeof(*sin6);
		memcpy(&pi.ipi6_addr, io->src.bytes, 16);
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	if (sendmsg(io->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}

int vrrp_io_recv(struct vrrp_io *io, struct vrrp_advert *out, enum vrrp_reject *why)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + 64];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_in6 from;
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	struct iovec iov;
	ssize_t n;
	int hops = -1, have_dst = 0;

	if (!io || !out)
		return -EINVAL;
	memset(&from, 0, sizeof(from));
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (io->family == EDGELB_AF_INET) {
		iov.iov_base = io->buf;
		iov.iov_len = sizeof(io->buf);
	} else {
		/* room for the IPv6 header rebuilt in front */
		iov.iov_base = io->buf + IPV6_HDR_LEN;
		iov.iov_len = sizeof(io->buf) - IPV6_HDR_LEN;
	}
	n = recvmsg(io->fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (msg.msg_flags & MSG_TRUNC) {
		if (why)
			*why = VRRP_REJECT_TRUNCATED;
		return -EINVAL;
	}
	if (io->family == EDGELB_AF_INET)
		return vrrp_packet_parse(io->buf, (size_t)n, io->family, out, why);

	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != IPPROTO_IPV6)
			continue;
		if (cm->cmsg_type == IPV6_HOPLIMIT && cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&hops, CMSG_DATA(cm), sizeof(int));
		} else if (cm->cmsg_type == IPV6_PKTINFO &&
			   cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memcpy(io->buf + 24, &pi.ipi6_addr, 16);
			have_dst = 1;
		}
	}
	/* Without the hop limit or the destination the packet cannot be
	 * checked; both are always there on Linux once asked for. */
	if (hops < 0 || !have_dst || n > 0xffff) {
		if (why)
			*why = VRRP_REJECT_BAD_IP_HEADER;
		return -EINVAL;
	}
	io->buf[0] = 0x60;
	memset(io->buf + 1, 0, 3);
	io->buf[4] = (uint8_t)(n >> 8);
	io->buf[5] = (uint8_t)n;
	io->buf[6] = VRRP_IPPROTO;
	io->buf[7] = (uint8_t)hops;
	memcpy(io->buf + 8, &from.sin6_addr, 16);
	return vrrp_packet_parse(io->buf, IPV6_HDR_LEN + (size_t)n, io->family, out, why);
}

void vrrp_io_close(struct vrrp_io *io)
{
	if (!io)
		return;
	close(io->fd);
	free(io);
}
