// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-dpdk-tables: the C half of tools/bench/dpdk (read the script's
 * header first). It does what a shell cannot: write the pcaps of VIP
 * packets, fill a tables file as edgelbd would (tables.h, rings placed by
 * ring_store.h on the tables' grace periods), and read edgelb-dpdk's own
 * per-lcore counters from that file over a fixed window. No DPDK: the
 * tables library is plain POSIX, so this runs beside edgelb-dpdk without
 * an EAL of its own.
 *
 *   bench-dpdk-tables pcap FILE KIND FLOWS
 *       FLOWS 64-byte frames, one per client (198.18.x.y, port 40000 +
 *       i % 256), KIND: "ack" (TCP ACK to VIP_EST), "syn" (bare TCP SYN
 *       to VIP_NEW), "gue" (TCP ACK to VIP_GUE).
 *   bench-dpdk-tables setup TABLES
 *       create TABLES and fill it: node config of ifindex 1, 100 IPv4
 *       backends, the three VIPs on Maglev rings of 65537 slots.
 *   bench-dpdk-tables measure TABLES KIND WARMUP_MS WINDOW_MS
 *       wait WARMUP_MS, then sum the VIP's counters over every lcore at
 *       the start and the end of WINDOW_MS; prints one line
 *       "packets=P seconds=S mpps=M ns=N new_flows=F".
 *
 * measure refuses a figure for a path not taken (exit 1, a loud
 * message): any node counter (drop or pass) moving during the window,
 * no packet at all, the lcore not looping, and for "ack"/"gue" a new
 * flow in the window (every flow must hit the table once the pcap has
 * been replayed once), for "syn" new_flows != packets, give or take one
 * (every SYN is a new connection: forward.h never looks a bare SYN up;
 * one apart is a packet caught between its two counters).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "abi.h"
#include "bench_util.h"
#include "maglev.h"
#include "pktbuild.h"
#include "ring_store.h"
#include "tables.h"

#define NBACKENDS 100
#define RING_SIZE EDGELB_RING_SIZE_DEFAULT
#define VIP_MTU 1500
#define GUE_PORT 6080
#define IFINDEX 1	   /* edgelb-dpdk --ifindex: the node-config slot */
#define FRAME_PAYLOAD 10   /* 64-byte IPv4 TCP frames, as bench-xdp */
#define MAX_FLOWS (1 << 16) /* client addresses 198.18.0.0/16 */

enum vip_id { VIP_EST = 1, VIP_NEW = 2, VIP_GUE = 3, VIP_COUNT };

static const struct {
	const char *kind; /* pcap / measure KIND */
	const char *addr;
	uint8_t encap;
	uint8_t tcp_flags;
} vips[VIP_COUNT] = {
	[VIP_EST] = { "ack", "192.0.2.1", EDGELB_ENCAP_IPIP, PKT_TCP_ACK },
	[VIP_NEW] = { "syn", "192.0.2.2", EDGELB_ENCAP_IPIP, PKT_TCP_SYN },
	[VIP_GUE] = { "gue", "192.0.2.3", EDGELB_ENCAP_GUE, PKT_TCP_ACK },
};

static const uint8_t lb_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t gw_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };
static const uint8_t client_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xc1 };

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("*** bench-dpdk-tables: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" ***\n", stderr);
	return 1;
}

static int vip_of(const char *kind)
{
	for (int v = 1; v < VIP_COUNT; v++)
		if (!strcmp(kind, vips[v].kind))
			return v;
	return -1;
}

/* ---- pcap ------------------------------------------------------------ */

/* The classic pcap format (microsecond stamps, Ethernet): what net_pcap's libpcap reads. */
struct pcap_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t zone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec {
	uint32_t sec, usec, incl, orig;
};

static int write_pcap(const char *path, const char *kind, long flows)
{
	const struct pcap_hdr h = { 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1 };
	static const uint8_t payload[FRAME_PAYLOAD];
	int v = vip_of(kind);
	FILE *f;

	if (v < 0 || flows < 1 || flows > MAX_FLOWS)
		return fail("pcap: KIND is ack, syn or gue; FLOWS 1..%d", MAX_FLOWS);
	f = fopen(path, "wb");
	if (!f)
		return fail("pcap: %s: %s", path, strerror(errno));
	fwrite(&h, sizeof(h), 1, f);
	for (long i = 0; i < flows; i++) {
		static struct pkt p; /* 16 KiB: not on the stack */
		struct pcap_rec r = { 0 };
		char src[32];

		/* a distinct client address per flow: flows differ in the hash's every input */
		snprintf(src, sizeof(src), "198.18.%ld.%ld", i >> 8, i & 255);
		pkt_init(&p);
		pkt_eth(&p, lb_mac, client_mac, 0);
		pkt_ipv4(&p, &(struct pkt_ip4){ .src = src, .dst = vips[v].addr,
						.frag_off = PKT_IP4_DF });
		pkt_tcp(&p, (uint16_t)(40000 + (i & 255)), 80, 1,
			vips[v].tcp_flags & PKT_TCP_ACK ? 1 : 0, vips[v].tcp_flags);
		pkt_raw(&p, payload, sizeof(payload));
		if (pkt_finish(&p)) {
			fclose(f);
			return fail("pcap: frame %ld: %s", i, p.err);
		}
		r.sec = (uint32_t)(i / 1000000);
		r.usec = (uint32_t)(i % 1000000);
		r.incl = r.orig = (uint32_t)p.len;
		fwrite(&r, sizeof(r), 1, f);
		fwrite(p.data, p.len, 1, f);
	}
	if (fclose(f))
		return fail("pcap: %s: %s", path, strerror(errno));
	return 0;
}

/* ---- tables ---------------------------------------------------------- */

/* One VIP as edgelbd writes it: ring into a spare of the ring store, then the entry, then commit. */
static int add_vip(struct edgelb_tables *t, struct ring_store *rs, int v, const uint32_t *ring)
{
	const struct edgelb_vip_meta given = {
		.vip_id = (uint32_t)v,
		.ring_size = RING_SIZE,
		.mtu = VIP_MTU,
		.encap = vips[v].encap,
		.gue_dport = htons(GUE_PORT),
	};
	struct edgelb_vip_key key = { .port = htons(80), .proto = IPPROTO_TCP,
				      .family = EDGELB_AF_INET };
	struct edgelb_vip_meta meta;
	uint32_t base;
	int err;

	inet_pton(AF_INET, vips[v].addr, &key.addr.v4);
	err = ring_store_prepare(rs, (uint32_t)v, RING_SIZE, &base);
	if (!err)
		err = edgelb_tables_write_ring(t, base, ring, RING_SIZE);
	if (err)
		return err;
	ring_store_vip_meta(&given, base, RING_SIZE, &meta);
	err = edgelb_tables_set_vip(t, &key, &meta);
	return err ? err : ring_store_commit(rs, (uint32_t)v);
}

static int setup(const char *path)
{
	struct edgelb_node_config cfg = { .ifindex = IFINDEX };
	struct maglev_backend mb[NBACKENDS];
	char names[NBACKENDS][16];
	struct edgelb_tables *t = NULL;
	struct ring_store *rs = NULL;
	uint32_t *ring = malloc(sizeof(*ring) * RING_SIZE);
	int err;

	if (!ring)
		return fail("setup: no memory");
	/* one lcore slot: edgelb-dpdk forwards on one */
	err = edgelb_tables_create(path, &(struct edgelb_tables_opts){ .max_lcores = 1 }, &t);
	if (!err) {
		struct ring_grace grace;

		edgelb_tables_ring_grace(t, &grace);
		err = ring_store_new(edgelb_tables_view(t)->ring_slots, &grace, &rs);
	}
	if (err)
		goto out;
	inet_pton(AF_INET, "203.0.113.1", &cfg.src_v4.v4);
	memcpy(cfg.gw_mac, gw_mac, 6);
	memcpy(cfg.if_mac, lb_mac, 6);
	err = edgelb_tables_set_node_config(t, &cfg);
	for (uint32_t i = 0; !err && i < NBACKENDS; i++) {
		struct edgelb_backend be = { .family = EDGELB_AF_INET,
					     .flags = EDGELB_BE_F_ALIVE, .weight = 100 };
		char a[32];
		int n;

		snprintf(a, sizeof(a), "198.51.100.%u", i + 1);
		inet_pton(AF_INET, a, &be.addr.v4);
		err = edgelb_tables_set_backend(t, i, &be);
		n = snprintf(names[i], sizeof(names[i]), "be-%u", i);
		mb[i] = (struct maglev_backend){ .key = names[i], .key_len = (size_t)n,
						 .weight = 100, .id = i };
	}
	if (!err)
		err = maglev_build(mb, NBACKENDS, RING_SIZE, ring);
	for (int v = 1; !err && v < VIP_COUNT; v++)
		err = add_vip(t, rs, v, ring);
out:
	if (err)
		fail("setup: %s: %s", path, strerror(-err));
	ring_store_free(rs);
	edgelb_tables_close(t); /* the file stays for edgelb-dpdk; the script removes it */
	free(ring);
	return err ? 1 : 0;
}

/* ---- measuring ------------------------------------------------------- */

struct snap {
	double ms;
	struct edgelb_counters vip;
	uint64_t node[EDGELB_COUNTER_MAX];
	uint64_t loops;
};

static int take(const struct edgelb_tables *t, int v, struct snap *s)
{
	int err = edgelb_tables_vip_counters(t, (uint32_t)v, &s->vip);

	for (int c = 0; !err && c < EDGELB_COUNTER_MAX; c++)
		err = edgelb_tables_counter(t, (enum edgelb_counter)c, &s->node[c]);
	s->loops = __atomic_load_n(&edgelb_tables_lcore(edgelb_tables_view(t), 0)->loops,
				   __ATOMIC_RELAXED);
	s->ms = bench_now_ms();
	return err;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

static int measure(const char *path, const char *kind, long warmup_ms, long window_ms)
{
	struct edgelb_tables *t;
	struct snap a, b;
	uint64_t pk, nf;
	double s;
	int v = vip_of(kind), err, bad = 0;

	if (v < 0 || warmup_ms < 0 || window_ms < 100)
		return fail("measure: KIND is ack, syn or gue; WINDOW_MS at least 100");
	err = edgelb_tables_open(path, EDGELB_TABLES_OBSERVER, &t);
	if (err)
		return fail("measure: %s: %s", path, strerror(-err));
	/* warm-up: the first pass of the pcap creates the established flows */
	sleep_ms(warmup_ms);
	err = take(t, v, &a);
	sleep_ms(window_ms);
	if (!err)
		err = take(t, v, &b);
	edgelb_tables_close(t);
	if (err)
		return fail("measure: reading counters: %s", strerror(-err));
	for (int c = 0; c < EDGELB_COUNTER_MAX; c++)
		if (b.node[c] != a.node[c]) {
			fail("node counter %d moved by %llu: not every packet took the VIP path", c,
			     (unsigned long long)(b.node[c] - a.node[c]));
			bad = 1;
		}
	pk = b.vip.packets - a.vip.packets;
	nf = b.vip.new_flows - a.vip.new_flows;
	s = (b.ms - a.ms) / 1e3;
	if (!pk || b.loops == a.loops)
		bad = fail("no packet forwarded for VIP %d in %.1f s (lcore loops %llu)", v, s,
			   (unsigned long long)(b.loops - a.loops));
	/*
	 * One apart is the counters read between the lcore's two increments
	 * of a packet (packets, then new_flows) at either end of the window:
	 * the counters are read while it runs, and the bench has one lcore.
	 */
	else if (v == VIP_NEW && (nf > pk + 1 || pk > nf + 1))
		bad = fail("syn: %llu new flows for %llu packets: not every packet was a new flow",
			   (unsigned long long)nf, (unsigned long long)pk);
	else if (v != VIP_NEW && nf)
		bad = fail("%s: %llu new flows in the window: not every packet hit the flow table",
			   kind, (unsigned long long)nf);
	printf("packets=%llu seconds=%.3f mpps=%.3f ns=%.2f new_flows=%llu\n",
	       (unsigned long long)pk, s, (double)pk / s / 1e6, s * 1e9 / (double)pk,
	       (unsigned long long)nf);
	return bad;
}

static long arg_long(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno || end == s || *end ? -1 : v;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "pcap"))
		return write_pcap(argv[2], argv[3], arg_long(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "setup"))
		return setup(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "measure"))
		return measure(argv[2], argv[3], arg_long(argv[4]), arg_long(argv[5]));
	fprintf(stderr, "usage: bench-dpdk-tables pcap FILE ack|syn|gue FLOWS\n"
			"       bench-dpdk-tables setup TABLES\n"
			"       bench-dpdk-tables measure TABLES ack|syn|gue WARMUP_MS WINDOW_MS\n"
			"(run by tools/bench/dpdk)\n");
	return 2;
}
