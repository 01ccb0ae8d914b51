/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The map ABI: every struct that crosses the boundary between a data plane
 * (XDP program, DPDK application) and the control plane (edgelbd, lbctl).
 *
 * This header is the one source of truth. It is included by BPF code
 * (clang -target bpf), by the DPDK application and by userspace, so it uses
 * only <linux/types.h> and plain C11. Byte order is visible in every field:
 * __be16/__be32 are network order, __u16/__u32/__u64 host order of the
 * machine that runs the data plane (maps never leave the node).
 *
 * Every struct has a fixed size checked below; padding is explicit so the
 * kernel (which compares key bytes) and userspace see the same bytes.
 */
#ifndef EDGELB_ABI_H
#define EDGELB_ABI_H

#include <linux/types.h>

/* Limits; each is an overridable default. */
#ifndef EDGELB_MAX_VIPS
#define EDGELB_MAX_VIPS 512
#endif
#ifndef EDGELB_MAX_BACKENDS
#define EDGELB_MAX_BACKENDS 16384 /* ids 1..16383; 0 is never a backend */
#endif
#ifndef EDGELB_FLOW_TABLE_SIZE
#define EDGELB_FLOW_TABLE_SIZE 65536 /* entries per CPU */
#endif
#ifndef EDGELB_RING_SLOTS
#define EDGELB_RING_SLOTS (1u << 23) /* all rings and their spares: 32 MiB */
#endif

/* Maglev ring sizes: prime, so any skip in [1, M-1] is a full permutation. */
#define EDGELB_RING_SIZE_DEFAULT 65537u
#define EDGELB_RING_SIZE_LARGE 655373u

/* A ring slot that no backend owns (empty set, or every backend drained). */
#define EDGELB_NO_BACKEND 0xffffffffu

/* Address family tags used in keys (not AF_*: those differ between ABIs). */
enum edgelb_family {
	EDGELB_AF_NONE = 0,
	EDGELB_AF_INET = 4,
	EDGELB_AF_INET6 = 6,
};

/*
 * An IPv4 or IPv6 address in network byte order. IPv4 lives in v4 (the
 * first word) with the other 12 bytes zero, so two keys for the same IPv4
 * address are byte-identical.
 */
union edgelb_addr {
	__be32 v4;
	__be32 v6[4];
	__u8 bytes[16];
};

/* Key of the VIP map. port 0 = every port of (addr, proto). */
struct edgelb_vip_key {
	union edgelb_addr addr;
	__be16 port;
	__u8 proto;  /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family; /* enum edgelb_family */
};

/* How packets of a VIP reach its backends. */
enum edgelb_encap {
	EDGELB_ENCAP_IPIP = 0, /* IPv4-in-IPv4 or IPv6-in-IPv6 (by family) */
	EDGELB_ENCAP_GUE = 1,  /* GUE over UDP, outer family of the backend */
	EDGELB_ENCAP_DSR = 2,  /* L2 direct server return: MAC rewrite only */
	EDGELB_ENCAP_MAX,
};

/* enum edgelb_vip_flags, bits of edgelb_vip_meta.flags */
#define EDGELB_VIP_F_NO_PORT_HASH (1u << 0) /* hash addresses only; fragments then forward */
#define EDGELB_VIP_F_MTU_DROP (1u << 1)	    /* too big after encap: drop, no ICMP */
#define EDGELB_VIP_F_NO_CONNTRACK (1u << 2) /* ring pick on every packet */
#define EDGELB_VIP_F_GUE_ZERO_CSUM6 (1u << 3) /* GUE over IPv6: UDP checksum 0 (RFC 6935) */

/* Value of the VIP map. */
struct edgelb_vip_meta {
	__u32 vip_id;	 /* index into per-VIP arrays: counters, rings */
	__u32 flags;	 /* EDGELB_VIP_F_* */
	__u32 ring_size; /* M of this VIP's ring, prime */
	__u16 mtu;	 /* largest packet after encapsulation */
	__u8 encap;	 /* enum edgelb_encap */
	__u8 reserved;
	__be16 gue_dport; /* GUE destination port (network order) */
	__u16 pad;
	__u32 ring_base; /* first slot of the live ring in the ring array: set
			  * by the data plane's table code (ring_store.h),
			  * whatever the control plane passed */
};

/* enum edgelb_backend_flags, bits of edgelb_backend.flags */
#define EDGELB_BE_F_ALIVE (1u << 0)   /* passes health checks; flows may stay */
#define EDGELB_BE_F_DRAINED (1u << 1) /* operator drain: keep flows, no new ones */

/*
 * Value of the backend array, indexed by backend id.
 *
 * weight is informational: no data plane reads it per packet, since
 * Maglev weights are applied where the ring is built (controlplane/
 * maglev.c), not at pick time. It is kept for what reads the tables
 * from outside: tools, and edgelbd after a restart that lost its state
 * file (lb_pinned_diff() names the runtime weights the data plane held).
 */
struct edgelb_backend {
	union edgelb_addr addr; /* where the encapsulated packet goes */
	__u8 family;		/* enum edgelb_family of addr */
	__u8 flags;		/* EDGELB_BE_F_* */
	__u16 weight;		/* Maglev weight, informational (above); 0 = drained */
	__u8 mac[6];		/* L2 DSR destination MAC (DSR VIPs only) */
	__u16 site;		/* operator's site number, for stats */
};

/*
 * One Maglev ring slot: the backend id that owns it, or EDGELB_NO_BACKEND.
 *
 * All rings live in one array of slots (EDGELB_RING_SLOTS; in XDP a
 * memory-mapped array map the control plane writes directly). Each VIP owns
 * regions of ring_size slots, one of them live: a change is written into a
 * spare region and made live by one update of the VIP's meta, whose
 * ring_base then points at it (DESIGN.md's double buffer, with a third
 * region so that two changes within one grace period need not wait). A
 * retired region is written again only after a grace period, once no
 * packet can still be reading it.
 */
struct edgelb_ring_slot {
	__u32 backend_id;
};

/*
 * Flow table key: the 5-tuple as it appears on the wire. For IPv4 only the
 * first word of each address is used, the rest is zero.
 */
struct edgelb_flow_key {
	union edgelb_addr src;
	union edgelb_addr dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u16 pad;
};

/*
 * Flow table value. hash is the flow hash of the entry's key (hash.h),
 * kept so that a packet of an established flow need not compute it again
 * for what its encapsulation derives from it (IPv6 flow label, GUE source
 * port, outer IPv4 id): in BPF that costs as much as the flow-table
 * lookup itself. The size stays 16 bytes (a DPDK flow-table way is one
 * cache line), so the creation time is kept in milliseconds, 32 bits: an
 * age is (now_ms - created_ms) modulo 2^32, right for 49 days.
 */
struct edgelb_flow_state {
	__u32 backend_id;
	__u32 vip_id;
	__u32 hash;	  /* edgelb_flow_key_hash() of the key */
	__u32 created_ms; /* when the flow was (re)assigned: monotonic ms, low 32 bits */
};

/*
 * Node settings the control plane writes: outer source addresses, MACs
 * and the ICMP budget. One slot per data-plane interface: the slot of a
 * frame is its ingress ifindex modulo EDGELB_NODE_SLOTS, and the slot
 * names its ifindex so that a frame from another interface (two ifindexes
 * with the same remainder, or an interface edgelbd never configured) is
 * dropped as drop_no_config rather than sent from the wrong MAC. Frames
 * leave by the interface they came in on, so if_mac is that interface's
 * own address: never a group address, never the MAC a frame was sent to.
 */
#ifndef EDGELB_NODE_SLOTS
#define EDGELB_NODE_SLOTS 256
#endif

struct edgelb_node_config {
	union edgelb_addr src_v4; /* outer source for IPv4 tunnels */
	union edgelb_addr src_v6; /* outer source for IPv6 tunnels */
	__u8 gw_mac[6];		  /* next hop when a backend's own MAC is unknown */
	__u8 if_mac[6];		  /* this interface's MAC: every frame's source */
	__u32 flags;
	__u32 ifindex;		  /* interface of this slot; 0 = slot unused */
	/*
	 * ICMP too-big replies per second and burst, per CPU (a token
	 * bucket); rate 0 = no limit. Routers rate-limit what they generate
	 * for the same reason: a flood of large packets must not turn the
	 * balancer into an ICMP source.
	 */
	__u32 icmp_rate;
	__u32 icmp_burst;
	/*
	 * New-flow guard: flow-table writes per second and burst, per CPU
	 * (a token bucket); rate 0 = no guard. Above the rate a new flow is
	 * still placed by the ring but not written to the flow table
	 * (counted as new_flow_unsaved): a SYN flood then neither evicts
	 * established flows from the LRU nor pays its insert.
	 */
	__u32 new_flow_rate;
	__u32 new_flow_burst;
	__u32 pad;
};

/*
 * Value of the VIP-by-id array: the VIP map's entry again, under its
 * vip_id, with its key. A packet of an established flow finds its VIP
 * from the flow entry's vip_id in this array, without the VIP map's hash,
 * once the key here is the packet's own (so it is the entry the VIP map
 * would give); an unused id has family 0 in its key.
 */
struct edgelb_vip_entry {
	struct edgelb_vip_key key;
	struct edgelb_vip_meta meta;
};

/*
 * What the control plane tells the packet path about the VIP map as a
 * whole, so that most packets need not ask it (the XDP target keeps it
 * in global data: no map lookup). Bits are set before a VIP enters the
 * map and cleared only after it left, so a bit may be stale-set, never
 * stale-clear: a clear bit is a certain "no".
 *
 *   vip_bits   an address bit (edgelb_vip_summary_bit) of every VIP: a
 *              packet to an address whose bit is clear is no VIP's, and
 *              passes with no hash lookup at all;
 *   flow_bits  the same for the VIPs whose flows the flow table keeps by
 *              port (neither EDGELB_VIP_F_NO_CONNTRACK nor _NO_PORT_HASH):
 *              only to those can a packet's own 5-tuple hit a flow entry,
 *              so only those try the flow table before the VIP map;
 *   flags      EDGELB_SUMMARY_F_PORT0 when some VIP is an all-ports one:
 *              without it a miss on the exact port is final, not retried
 *              on port 0.
 */
#define EDGELB_SUMMARY_BITS 4096
#define EDGELB_SUMMARY_F_PORT0 (1u << 0)

struct edgelb_vip_summary {
	__u32 flags;
	__u32 pad;
	__u64 vip_bits[EDGELB_SUMMARY_BITS / 64];
	__u64 flow_bits[EDGELB_SUMMARY_BITS / 64];
};

/*
 * The summary bit of an address (network order, IPv4 in v4 alone): its
 * words folded, then Fibonacci hashing to 12 bits. Node-local (both sides
 * run on the same machine), so byte order does not matter here.
 */
static inline __attribute__((always_inline)) __u32
edgelb_vip_summary_bit(const union edgelb_addr *a, __u8 family)
{
	__u32 x = a->v6[0];

	if (family == EDGELB_AF_INET6)
		x ^= a->v6[1] ^ a->v6[2] ^ a->v6[3];
	return (x * 0x9e3779b1u) >> (32 - 12);
}

_Static_assert(EDGELB_SUMMARY_BITS == 1u << 12, "summary bit: 12 bits");

/*
 * Add one VIP to a summary (the control plane's side of the contract
 * above): its address bit, its flow bit when its flows are kept by port,
 * the port-0 flag for an all-ports VIP.
 */
static inline void edgelb_vip_summary_add(struct edgelb_vip_summary *s,
					  const struct edgelb_vip_key *k,
					  const struct edgelb_vip_meta *m)
{
	__u32 bit = edgelb_vip_summary_bit(&k->addr, k->family);

	s->vip_bits[bit / 64] |= 1ull << (bit % 64);
	if (!(m->flags & (EDGELB_VIP_F_NO_CONNTRACK | EDGELB_VIP_F_NO_PORT_HASH)))
		s->flow_bits[bit / 64] |= 1ull << (bit % 64);
	if (!k->port)
		s->flags |= EDGELB_SUMMARY_F_PORT0;
}

/*
 * Per-CPU scratch state of the packet path (a one-slot per-CPU array):
 * written only by the CPU that owns it, so plain stores suffice.
 */
struct edgelb_cpu_state {
	__u64 icmp_credit_ns; /* token bucket: refill time banked, in ns */
	__u64 icmp_last_ns;   /* when the bucket was last refilled */
	__u32 ip_id;	      /* outer IPv4 identification of non-DF tunnels */
	__u32 pad;
	__u64 flow_credit;    /* new-flow guard: banked ns x new_flow_rate */
	__u64 flow_last_ns;   /* when that bucket was last refilled; 0 = never */
};

/* Per-CPU counters of one VIP or one backend. */
struct edgelb_counters {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
};

/*
 * Node-wide per-CPU counters, one array slot each: every drop by its
 * reason, then events worth watching. Names for lbctl and /metrics are in
 * counters.h; keep both lists in the same order.
 */
enum edgelb_counter {
	/* drops */
	EDGELB_DROP_TRUNCATED = 0,   /* frame shorter than its headers claim */
	EDGELB_DROP_MALFORMED,	     /* bad version, IHL, length fields */
	EDGELB_DROP_NO_BACKEND,	     /* VIP whose ring has no backend */
	EDGELB_DROP_BACKEND_INVALID, /* ring or flow points at an unknown backend */
	EDGELB_DROP_FRAGMENT,	     /* fragment of a port-hashed VIP */
	EDGELB_DROP_TOO_BIG,	     /* larger than the MTU after encap, no ICMP sent */
	EDGELB_DROP_ENCAP_FAILED,    /* the frame could not grow */
	EDGELB_DROP_FAMILY_MISMATCH, /* the encap cannot carry this family */
	EDGELB_DROP_NO_CONFIG,	     /* node config (source address, MAC) missing */
	EDGELB_DROP_NO_NEXT_HOP,     /* backend's next hop MAC not resolved (yet) */
	EDGELB_DROP_TOO_BIG_BAD_SOURCE, /* too big, from an address no ICMP may go to */
	EDGELB_DROP_TOO_BIG_RATE_LIMITED, /* too big, ICMP budget of this CPU spent */
	EDGELB_DROP_MULTI_BUFFER,    /* fits the MTU but spans buffers (jumbo frame) */
	EDGELB_DROP_MAX,
	/* events */
	EDGELB_EV_PASS_NOT_IP = EDGELB_DROP_MAX, /* ARP, LLDP, ...: to the kernel */
	EDGELB_EV_PASS_NOT_VIP,		/* IP not addressed to a VIP */
	EDGELB_EV_PASS_UNPARSED,	/* IP we do not parse (ext headers, jumbo) */
	EDGELB_EV_ICMP_TOO_BIG_SENT,	/* frag-needed / packet-too-big to a client */
	EDGELB_EV_ICMP_FORWARDED,	/* ICMP error about a VIP flow, to its backend */
	EDGELB_EV_FRAGMENT_FORWARDED,	/* fragment of an address-hashed VIP */
	EDGELB_EV_FLOW_REHASHED,	/* flow whose backend died, moved */
	EDGELB_EV_PASS_L2_GROUP,	/* VIP packet in a broadcast/multicast frame */
	EDGELB_EV_NEW_FLOW_UNSAVED,	/* new flow over new_flow_rate: forwarded, not saved */
	EDGELB_COUNTER_MAX,
};

_Static_assert(sizeof(union edgelb_addr) == 16, "edgelb_addr ABI");
_Static_assert(sizeof(struct edgelb_vip_key) == 20, "edgelb_vip_key ABI");
_Static_assert(sizeof(struct edgelb_vip_meta) == 24, "edgelb_vip_meta ABI");
_Static_assert(sizeof(struct edgelb_backend) == 28, "edgelb_backend ABI");
_Static_assert(sizeof(struct edgelb_ring_slot) == 4, "edgelb_ring_slot ABI");
_Static_assert(sizeof(struct edgelb_flow_key) == 40, "edgelb_flow_key ABI");
_Static_assert(sizeof(struct edgelb_flow_state) == 16, "edgelb_flow_state ABI");
_Static_assert(sizeof(struct edgelb_node_config) == 72, "edgelb_node_config ABI");
_Static_assert(sizeof(struct edgelb_cpu_state) == 40, "edgelb_cpu_state ABI");
_Static_assert(sizeof(struct edgelb_counters) == 24, "edgelb_counters ABI");
_Static_assert(sizeof(struct edgelb_vip_entry) == 44, "edgelb_vip_entry ABI");
_Static_assert(sizeof(struct edgelb_vip_summary) == 1032, "edgelb_vip_summary ABI");

#endif /* EDGELB_ABI_H */
