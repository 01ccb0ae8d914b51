// SPDX-License-Identifier: GPL-2.0-only
/*
 * Driver for test_vrrp_wire.sh: controlplane/vrrp/io.c and garp.c on a
 * real interface, against keepalived.
 *
 *   vrrp_wire recv IF SRC TIMEOUT_MS COUNT
 *       print the first COUNT accepted adverts ("advert v=3 vrid=51 ...");
 *       exit 1 if they did not come within TIMEOUT_MS.
 *   vrrp_wire send IF SRC VRID PRIO INT_CS DURATION_MS WAIT_MS RESIGN [PASS] VIP...
 *       send adverts (v3, or v2 with PASS unless PASS is "-") every INT_CS
 *       for DURATION_MS, counting the peer's adverts received after the
 *       first 500 ms ("peer_adverts_while_master=N"); then, if RESIGN is 1,
 *       one priority-0 advert; then wait up to WAIT_MS for the peer's first
 *       advert and print "takeover_ms=N" (time since our last advert), or
 *       exit 1.
 *   vrrp_wire garp IF MAC VIP...
 *       one gratuitous ARP / unsolicited NA per VIP.
 * SRC (our address) and the VIPs decide the family.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "garp.h"
#include "io.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint8_t parse_addr(const char *s, union edgelb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1)
		return EDGELB_AF_INET;
	if (inet_pton(AF_INET6, s, a->bytes) == 1)
		return EDGELB_AF_INET6;
	fprintf(stderr, "vrrp_wire: bad address %s\n", s);
	exit(2);
}

static const char *fmt(uint8_t family, const union edgelb_addr *a, char *buf)
{
	return inet_ntop(family == EDGELB_AF_INET ? AF_INET : AF_INET6, a->bytes, buf,
			 INET6_ADDRSTRLEN);
}

static void print_advert(const struct vrrp_advert *a)
{
	char b[INET6_ADDRSTRLEN];

	printf("advert v=%u vrid=%u prio=%u int_cs=%u src=%s group=%u auth=%u",
	       a->version, a->vrid, a->priority, a->advert_int_cs,
	       fmt(a->family, &a->src, b), a->dst_group, a->auth_type);
	if (a->auth_type == VRRP_AUTH_PASS)
		printf(" pass=%s", a->auth_pass);
	printf(" addrs=");
	for (unsigned int i = 0; i < a->n_addrs; i++)
		printf("%s%s", i ? "," : "", fmt(a->family, &a->addrs[i], b));
	printf("\n");
	fflush(stdout);
}

static int ifindex_of(const char *name)
{
	int i = (int)if_nametoindex(name);

	if (!i) {
		fprintf(stderr, "vrrp_wire: no interface %s\n", name);
		exit(2);
	}
	return i;
}

static struct vrrp_io *open_io(const char *ifname, const char *src, uint8_t *family)
{
	union edgelb_addr a;
	struct vrrp_io *io;
	int err;

	*family = parse_addr(src, &a);
	err = vrrp_io_open(*family, ifindex_of(ifname), &a, &io);
	if (err) {
		fprintf(stderr, "vrrp_wire: vrrp_io_open: %s\n", strerror(-err));
		exit(1);
	}
	return io;
}

static void wait_fd(struct vrrp_io *io, int ms)
{
	struct pollfd p = { .fd = vrrp_io_fd(io), .events = POLLIN };

	if (ms > 0)
		poll(&p, 1, ms);
}

/* One received packet: 1 = an accepted advert of priority > 0, 0 = other. */
static int recv_one(struct vrrp_io *io, struct vrrp_advert *a, int quiet)
{
	enum vrrp_reject why;
	int err;

	err = vrrp_io_recv(io, a, &why);
	if (err == -EAGAIN)
		return -1;
	if (err == -EINVAL) {
		printf("reject %s\n", vrrp_reject_name(why));
		return 0;
	}
	if (err) {
		fprintf(stderr, "vrrp_wire: recv: %s\n", strerror(-err));
		exit(1);
	}
	if (!quiet)
		print_advert(a);
	return a->priority > 0;
}

static int cmd_recv(char **argv)
{
	static struct vrrp_advert a;
	uint8_t family;
	struct vrrp_io *io = open_io(argv[0], argv[1], &family);
	uint64_t end = now_ms() + strtoull(argv[2], NULL, 0);
	int want = atoi(argv[3]), got = 0;

	while (got < want && now_ms() < end) {
		int r = recv_one(io, &a, 0);

		if (r < 0)
			wait_fd(io, (int)(end - now_ms()));
		else
			got++;
	}
	vrrp_io_close(io);
	return got == want ? 0 : 1;
}

static int cmd_send(int argc, char **argv)
{
	static struct vrrp_advert a, in;
	uint8_t family;
	struct vrrp_io *io = open_io(argv[0], argv[1], &family);
	unsigned int interval_ms;
	uint64_t start, end, next, last = 0;
	int peer = 0, err, resign;

	a.vrid = (uint8_t)atoi(argv[2]);
	a.priority = (uint8_t)atoi(argv[3]);
	a.advert_int_cs = (uint16_t)atoi(argv[4]);
	interval_ms = a.advert_int_cs * 10u;
	start = now_ms();
	end = start + strtoull(argv[5], NULL, 0);
	resign = atoi(argv[7]);
	a.family = family;
	a.version = 3;
	if (strcmp(argv[8], "-")) {
		a.version = 2;
		a.auth_type = VRRP_AUTH_PASS;
		snprintf(a.auth_pass, sizeof(a.auth_pass), "%s", argv[8]);
	}
	for (int i = 9; i < argc && a.n_addrs < VRRP_MAX_ADDRS; i++)
		if (parse_addr(argv[i], &a.addrs[a.n_addrs++]) != family)
			return 2;

	for (next = start; now_ms() < end;) {
		uint64_t t = now_ms();

		if (t >= next) {
			err = vrrp_io_send(io, &a, NULL);
			if (err) {
				fprintf(stderr, "vrrp_wire: send: %s\n", strerror(-err));
				return 1;
			}
			last = t;
			next += interval_ms;
			continue;
		}
		while (recv_one(io, &in, 1) >= 0)
			if (in.vrid == a.vrid && now_ms() >= start + 500)
				peer++;
		wait_fd(io, (int)(next - now_ms()));
	}
	printf("sent_until_ms=%llu peer_adverts_while_master=%d\n",
	       (unsigned long long)(last - start), peer);
	if (resign) {
		a.priority = 0;
		err = vrrp_io_send(io, &a, NULL);
		if (err) {
			fprintf(stderr, "vrrp_wire: send: %s\n", strerror(-err));
			return 1;
		}
		last = now_ms();
	}
	/* drop what was queued before */
	while (recv_one(io, &in, 1) >= 0)
		;
	end = last + strtoull(argv[6], NULL, 0);
	while (now_ms() < end) {
		int r = recv_one(io, &in, 1);

		if (r < 0) {
			wait_fd(io, (int)(end - now_ms()));
		} else if (r > 0 && in.vrid == a.vrid) {
			printf("takeover_ms=%llu\n", (unsigned long long)(now_ms() - last));
			print_advert(&in);
			vrrp_io_close(io);
			return 0;
		}
	}
	printf("takeover_ms=none\n");
	vrrp_io_close(io);
	return 1;
}

static int cmd_garp(int argc, char **argv)
{
	struct vrrp_vip vips[16];
	unsigned int m[6];
	uint8_t mac[6];
	size_t n = 0;
	int r, fd;

	if (sscanf(argv[1], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return 2;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	for (int i = 2; i < argc && n < 16; i++, n++)
		vips[n].family = parse_addr(argv[i], &vips[n].addr);
	fd = vrrp_garp_open();
	if (fd < 0) {
		printf("garp_sent=%d\n", fd);
		return 1;
	}
	r = vrrp_garp_send(fd, ifindex_of(argv[0]), mac, vips, n);
	close(fd);
	printf("garp_sent=%d\n", r);
	return r == (int)n ? 0 : 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && !strcmp(argv[1], "recv"))
		return cmd_recv(argv + 2);
	if (argc >= 12 && !strcmp(argv[1], "send"))
		return cmd_send(argc - 2, argv + 2);
	if (argc >= 5 && !strcmp(argv[1], "garp"))
		return cmd_garp(argc - 2, argv + 2);
	fprintf(stderr, "usage: vrrp_wire recv|send|garp ... (see vrrp_wire.c)\n");
	return 2;
}
