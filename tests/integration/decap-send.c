// SPDX-License-Identifier: GPL-2.0-only
/*
 * decap-send: sends UDP datagrams wrapped the way the balancer wraps them
 * (IP in IP of either family, or GUE variant 1), as raw Ethernet frames
 * on an AF_PACKET socket. The lab has no ipip/fou modules to build such
 * packets, so tests/integration/decap.sh uses this to feed edgelb-decap.
 * Frames are built by tests/bpf/pktbuild with full checksums, so no
 * offload setting matters.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_packet.h>

#include "pktbuild.h"

static void usage(FILE *f)
{
	fputs("usage: decap-send --iface IF --dst-mac MAC --src ADDR --dst VIP\n"
	      "                  --dport PORT --payload TEXT [--sport PORT]\n"
	      "                  [--encap none|ip|gue --outer-src ADDR "
	      "--outer-dst ADDR]\n"
	      "                  [--gue-port PORT] [--count N] "
	      "[--interval-ms MS]\n"
	      "\n"
	      "Sends a UDP datagram from ADDR to VIP:PORT carrying TEXT, bare\n"
	      "(none), in IP-in-IP (ip: protocol 4 or 41 by the inner family)\n"
	      "or in GUE variant 1 to --gue-port (default 6080), on IF to MAC.\n"
	      "The outer family follows --outer-src/--outer-dst.\n", f);
}

struct args {
	const char *iface, *src, *dst, *osrc, *odst, *payload;
	const char *encap;
	unsigned char mac[6];
	long sport, dport, gue_port, count, interval_ms;
	int have_mac;
};

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (unsigned char)b[i];
	}
	return 0;
}

static long parse_num(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, "decap-send: %s %s: need a number in "
			"%ld..%ld\n", opt, s, min, max);
		exit(2);
	}
	return v;
}

static void parse_args(struct args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "sport", required_argument, NULL, 'S' },
		{ "dport", required_argument, NULL, 'D' },
		{ "payload", required_argument, NULL, 'p' },
		{ "encap", required_argument, NULL, 'e' },
		{ "outer-src", required_argument, NULL, 'o' },
		{ "outer-dst", required_argument, NULL, 'O' },
		{ "gue-port", required_argument, NULL, 'g' },
		{ "count", required_argument, NULL, 'c' },
		{ "interval-ms", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	a->encap = "none";
	a->sport = 40000;
	a->gue_port = 6080;
	a->count = 1;
	a->interval_ms = 100;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			a->iface = optarg;
			break;
		case 'm':
			if (parse_mac(optarg, a->mac)) {
				fprintf(stderr, "decap-send: --dst-mac %s: "
					"need aa:bb:cc:dd:ee:ff\n", optarg);
				exit(2);
			}
			a->have_mac = 1;
			break;
		case 's':
			a->src = optarg;
			break;
		case 'd':
			a->dst = optarg;
			break;
		case 'S':
			a->sport = parse_num("--sport", optarg, 1, 65535);
			break;
		case 'D':
			a->dport = parse_num("--dport", optarg, 1, 65535);
			break;
		case 'p':
			a->payload = optarg;
			break;
		case 'e':
			a->encap = optarg;
			break;
		case 'o':
			a->osrc = optarg;
			break;
		case 'O':
			a->odst = optarg;
			break;
		case 'g':
			a->gue_port = parse_num("--gue-port", optarg, 1, 65535);
			break;
		case 'c':
			a->count = parse_num("--count", optarg, 1, 1000000);
			break;
		case 'I':
			a->interval_ms = parse_num("--interval-ms", optarg, 0,
						   60000);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (!a->iface || !a->have_mac || !a->src || !a->dst || !a->dport ||
	    !a->payload) {
		fprintf(stderr, "decap-send: --iface, --dst-mac, --src, --dst, "
			"--dport and --payload are required\n");
		usage(stderr);
		exit(2);
	}
	if (strcmp(a->encap, "none") && strcmp(a->encap, "ip") &&
	    strcmp(a->encap, "gue")) {
		fprintf(stderr, "decap-send: --encap %s: use none, ip or gue\n",
			a->encap);
		exit(2);
	}
	if (strcmp(a->encap, "none") && (!a->osrc || !a->odst)) {
		fprintf(stderr, "decap-send: --encap %s needs --outer-src and "
			"--outer-dst\n", a->encap);
		exit(2);
	}
}

/* An IPv4 or IPv6 header by the address syntax. */
static void add_ip(struct pkt *p, const char *src, const char *dst)
{
	if (strchr(src, ':'))
		pkt_ipv6(p, &(struct pkt_ip6){ .src = src, .dst = dst });
	else
		pkt_ipv4(p, &(struct pkt_ip4){ .src = src, .dst = dst,
					       .frag_off = PKT_IP4_DF });
}

static int build(struct pkt *frame, const struct args *a,
		 const unsigned char src_mac[6])
{
	struct pkt inner;

	pkt_init(&inner);
	add_ip(&inner, a->src, a->dst);
	pkt_udp(&inner, (uint16_t)a->sport, (uint16_t)a->dport, 0);
	pkt_raw(&inner, a->payload, strlen(a->payload));
	if (pkt_finish(&inner)) {
		fprintf(stderr, "decap-send: inner packet: %s\n", inner.err);
		return -1;
	}

	pkt_init(frame);
	pkt_eth(frame, a->mac, src_mac, 0);
	if (strcmp(a->encap, "none")) {
		add_ip(frame, a->osrc, a->odst);
		if (!strcmp(a->encap, "gue"))
			pkt_udp(frame, 50000, (uint16_t)a->gue_port,
				PKT_UDP_NO_CSUM);
	}
	pkt_inner(frame, inner.data, inner.len);
	if (pkt_finish(frame)) {
		fprintf(stderr, "decap-send: frame: %s\n", frame->err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	static struct pkt frame;
	unsigned char src_mac[6];
	struct ifreq ifr = {};
	struct args a = {};
	long i;
	int fd;

	parse_args(&a, argc, argv);
	fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: send only */
	if (fd < 0) {
		fprintf(stderr, "decap-send: AF_PACKET socket: %s (needs "
			"CAP_NET_RAW)\n", strerror(errno));
		return 1;
	}
	if (strlen(a.iface) >= sizeof(ifr.ifr_name)) {
		fprintf(stderr, "decap-send: interface name too long\n");
		return 2;
	}
	strcpy(ifr.ifr_name, a.iface);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		fprintf(stderr, "decap-send: %s: %s\n", a.iface,
			strerror(errno));
		return 1;
	}
	memcpy(src_mac, ifr.ifr_hwaddr.sa_data, 6);
	if (build(&frame, &a, src_mac))
		return 1;

	sll.sll_ifindex = (int)if_nametoindex(a.iface);
	memcpy(sll.sll_addr, a.mac, 6);
	for (i = 0; i < a.count; i++) {
		struct timespec ts = { a.interval_ms / 1000,
				       a.interval_ms % 1000 * 1000000 };

		if (sendto(fd, frame.data, frame.len, 0,
			   (struct sockaddr *)&sll, sizeof(sll)) < 0) {
			fprintf(stderr, "decap-send: sending on %s: %s\n",
				a.iface, strerror(errno));
			return 1;
		}
		if (i + 1 < a.count)
			nanosleep(&ts, NULL);
	}
	close(fd);
	return 0;
}
