/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The standard table set of the packet-path tests: one node, a handful of
 * backends and one VIP per path worth testing. Shared by the golden test,
 * the differential test and the benchmarks so that all speak of the same
 * VIPs.
 */
#ifndef EDGELB_TEST_SCENARIO_H
#define EDGELB_TEST_SCENARIO_H

#include <stdint.h>

#include "abi.h"
#include "lbenv.h"

#define SC_RING_SIZE 65537u

/* node */
#define SC_SRC4 "10.0.0.1"
#define SC_SRC6 "fd00::1"
extern const uint8_t sc_if_mac[6], sc_gw_mac[6], sc_client_mac[6];
#define SC_IFINDEX 1 /* BPF_PROG_TEST_RUN's frames come in on lo */

/* clients */
#define SC_CLIENT4 "198.51.100.7"
#define SC_CLIENT6 "2001:db8:ffff::7"

enum sc_vip {
	SC_VIP_TCP4_IPIP,     /* 192.0.2.10:80/tcp   ipip, v4 backends */
	SC_VIP_UDP4_GUE,      /* 192.0.2.10:53/udp   gue 6080, v4 backends */
	SC_VIP_TCP6_IPIP,     /* [2001:db8::10]:443/tcp ip6ip6, v6 backends */
	SC_VIP_UDP6_GUE4,     /* [2001:db8::10]:53/udp gue, v4 backends (6 in 4) */
	SC_VIP_TCP4_DSR,      /* 192.0.2.20:any/tcp  dsr */
	SC_VIP_TCP4_EMPTY,    /* 192.0.2.30:80/tcp   no backend */
	SC_VIP_UDP4_ADDRHASH, /* 192.0.2.40:any/udp  ipip, hash on addresses */
	SC_VIP_TCP4_MTUDROP,  /* 192.0.2.50:80/tcp   mtu 1000, drop when too big */
	SC_VIP_TCP6_V4BE,     /* [2001:db8::20]:80/tcp ipip with v4 backends: mismatch */
	SC_VIP_UDP6_ADDRHASH, /* [2001:db8::30]:any/udp gue, v6 backends, addresses */
	SC_VIP_TCP6_GUE6,     /* [2001:db8::40]:443/tcp gue, v6 backends: UDP checksum */
	SC_VIP_TCP4_GUE6,     /* 192.0.2.70:443/tcp  gue, v6 backends (4 in 6) */
	SC_VIP_UDP4_GUE6,     /* 192.0.2.70:53/udp   gue, v6 backends */
	SC_VIP_UDP4_GUE6_ZERO, /* 192.0.2.71:53/udp  gue, v6 backends, zero checksum */
	SC_VIP_TCP6_MINMTU,   /* [2001:db8::50]:443/tcp ip6ip6, mtu 1300: under 1280 + 40 */
	SC_VIP_TCP4_MINMTU,   /* 192.0.2.80:80/tcp   ipip, mtu 80: under 68 + 20 */
	SC_VIP_TCP4_JUMBO,    /* 192.0.2.60:80/tcp   ipip, mtu 9216 */
	SC_VIP_TCP4_DSR_NOMAC, /* 192.0.2.90:80/tcp  dsr to backend 23, MAC unresolved */
	SC_VIP_COUNT,
};

struct sc_vip_def {
	const char *addr;
	uint16_t port;
	uint8_t proto;
	uint8_t encap;
	uint32_t flags;
	uint16_t mtu;
	const uint32_t *backends; /* ids, 0-terminated */
};

extern const struct sc_vip_def sc_vips[SC_VIP_COUNT];

#define SC_GUE_PORT 6080

/*
 * Backend ids: 1-4 IPv4, 11-14 IPv6, 21-22 IPv4 on-link with MACs (DSR),
 * 23 on-link whose MAC is not resolved (DSR).
 */
struct sc_backend_def {
	uint32_t id;
	const char *addr;
	uint8_t mac[6];
};
extern const struct sc_backend_def sc_backends[];

/*
 * Before any VIP's ring, scenario_load() places a decoy ring of
 * SC_RING_SIZE slots, every one naming SC_DECOY_BACKEND, a backend never
 * written (family 0: drop_backend_invalid). Being the first ring of an
 * empty array it takes slots 0.. (ring_store.h), so every VIP's ring
 * starts at a non-zero base, odd for some VIPs and even for others, and a
 * target that read a ring at base 0 (or past its VIP's) would hit the
 * decoy and fail the golden tests.
 */
#define SC_DECOY_VIP (EDGELB_MAX_VIPS - 1) /* no VIP entry has this id */
#define SC_DECOY_BACKEND 99

struct scenario {
	uint32_t *rings[SC_VIP_COUNT];
	struct edgelb_backend be[EDGELB_MAX_BACKENDS];
};

/* The node config scenario_load() writes (no ICMP limit, no new-flow guard). */
void scenario_node_config(struct edgelb_node_config *cfg);

/* Programs everything into e; 0 or -1 (with a message). */
int scenario_load(struct scenario *sc, struct lbenv *e);
void scenario_free(struct scenario *sc);

/* Rebuild vip's ring from the backends with non-zero weight in sc->be. */
int scenario_rebuild_ring(struct scenario *sc, struct lbenv *e, enum sc_vip vip);
int scenario_set_backend(struct scenario *sc, struct lbenv *e, uint32_t id);

/* The backend the ring gives this flow key (ports as on the wire). */
uint32_t scenario_ring_pick(const struct scenario *sc, enum sc_vip vip,
			    const struct edgelb_flow_key *key);

/* Key helpers: addresses as strings, ports in host order. */
void scenario_key(struct edgelb_flow_key *k, const char *src, const char *dst, uint16_t sport,
		  uint16_t dport, uint8_t proto);
void scenario_vip_key(enum sc_vip vip, struct edgelb_vip_key *k);

#endif
