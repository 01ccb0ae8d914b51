// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host target of the packet-path core: see host_dp.h. The frame buffer
 * mimics what BPF_PROG_TEST_RUN gives an XDP program: 256 bytes of
 * headroom, the frame, and adjust_head/adjust_tail with the kernel's
 * limits (the frame keeps at least an Ethernet header; the tail cannot
 * grow past the buffer). Like the kernel it puts at most HOST_LINEAR_MAX
 * bytes in the first buffer: data_end stops there and the rest of a jumbo
 * frame is only counted by edgelb_t_frame_len(), as the kernel's
 * fragments are. The node config is the slot of ingress ifindex 1
 * (BPF_PROG_TEST_RUN's frames come in on lo).
 *
 * The frame starts 2 bytes into a 4-byte boundary (NET_IP_ALIGN), as NIC
 * drivers place it, so that IP headers are 4-byte aligned: the core reads
 * them through struct pointers, which C (and UBSan) require to be aligned.
 * Every encapsulation grows the head by a multiple of 4, keeping that.
 *
 * Rings are kept as the XDP target keeps them (the same map ABI on every
 * target): one array of EDGELB_RING_SLOTS slots, read at the VIP entry's
 * ring_base exactly as bpf/edgelb_maps.bpf.h reads it, with rings placed
 * and VIP entries aimed by the same ring store as controlplane/xdp.c
 * (ring_store.h). The same calls therefore give the same ring_base on
 * both targets, and a wrong base reads another ring on both.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "host_dp.h"
#include "ring_store.h"

#define HOST_HEADROOM (256 + 2)
#define HOST_BUF 16384
/* first buffer of BPF_PROG_TEST_RUN: a page less headroom and shared info */
#define HOST_LINEAR_MAX (4096 - 256 - 320)
#define HOST_IFINDEX 1
#define HOST_MAX_VIPS 64
#define HOST_FLOW_SLOTS (1u << 16) /* open addressing, no eviction needed */

struct host_flow {
	int used;
	struct edgelb_flow_key key;
	struct edgelb_flow_state st;
};

struct host_dp {
	/* frame under processing */
	uint8_t buf[HOST_BUF];
	uint8_t *data, *data_end;
	uint8_t *frame_end; /* end of the whole frame, past data_end for a jumbo */

	struct {
		struct edgelb_vip_key key;
		struct edgelb_vip_meta given; /* as the caller passed it */
		struct edgelb_vip_meta meta;  /* as the packet path reads it */
	} vips[HOST_MAX_VIPS];
	int n_vips;
	struct edgelb_backend backends[EDGELB_MAX_BACKENDS];
	uint32_t *slots; /* every ring, EDGELB_RING_SLOTS slots */
	struct ring_store *rs;
	uint64_t grace;	 /* the last grace period started */
	struct edgelb_vip_summary sum; /* rebuilt from vips at each change, as xdp.c does */
	struct edgelb_node_config cfg;
	struct edgelb_cpu_state cpu;
	struct host_flow *flows;
	struct edgelb_counters vip_ctr[EDGELB_MAX_VIPS];
	struct edgelb_counters be_ctr[EDGELB_MAX_BACKENDS];
	uint64_t ctr[EDGELB_COUNTER_MAX];
	uint64_t clock;
};

#define EDGELB_CTX struct host_dp

static inline void *edgelb_t_data(struct host_dp *h)
{
	return h->data;
}

static inline void *edgelb_t_data_end(struct host_dp *h)
{
	return h->data_end;
}

static inline int edgelb_t_adjust_head(struct host_dp *h, int delta)
{
	uint8_t *d = h->data + delta;

	if (d < h->buf || d > h->data_end - 14)
		return -EINVAL;
	h->data = d;
	return 0;
}

static inline int edgelb_t_adjust_tail(struct host_dp *h, int delta)
{
	uint8_t *e = h->frame_end + delta;

	if (e < h->data + 14 || e > h->buf + HOST_BUF)
		return -EINVAL;
	/* the kernel shrinks the fragments first, then the first buffer */
	h->frame_end = e;
	if (h->data_end > e || delta > 0)
		h->data_end = e;
	return 0;
}

static inline __u32 edgelb_t_frame_len(struct host_dp *h)
{
	return (__u32)(h->frame_end - h->data);
}

static inline int edgelb_t_csum_frame(struct host_dp *h, __u32 off, __u32 len, __u32 *sum)
{
	const uint8_t *p = h->data + off;
	uint64_t s = *sum;

	if (off > edgelb_t_frame_len(h) || len > edgelb_t_frame_len(h) - off)
		return -EFAULT;
	for (__u32 i = 0; i + 1 < len; i += 2) {
		uint16_t w;

		memcpy(&w, p + i, 2);
		s += w;
	}
	if (len & 1) {
		uint16_t w = 0;

		memcpy(&w, p + len - 1, 1);
		s += w;
	}
	s = (s & 0xffff) + (s >> 16);
	*sum = (__u32)((s & 0xffff) + (s >> 16));
	return 0;
}

static inline struct edgelb_vip_meta *edgelb_t_vip(struct host_dp *h,
						   const struct edgelb_vip_key *k)
{
	for (int i = 0; i < h->n_vips; i++)
		if (!memcmp(&h->vips[i].key, k, sizeof(*k)))
			return &h->vips[i].meta;
	return NULL;
}

/* No array by id here: the lookup by key, and the id compared (target.h). */
static inline struct edgelb_vip_meta *edgelb_t_vip_by_id(struct host_dp *h,
							 const struct edgelb_vip_key *k, __u32 vip_id)
{
	struct edgelb_vip_meta *m = edgelb_t_vip(h, k);

	return m && m->vip_id == vip_id ? m : NULL;
}

static inline const struct edgelb_vip_summary *edgelb_t_vip_summary(struct host_dp *h)
{
	return &h->sum;
}

static inline struct edgelb_backend *edgelb_t_backend(struct host_dp *h, __u32 id)
{
	return id < EDGELB_MAX_BACKENDS ? &h->backends[id] : NULL;
}

/* As the XDP program: 32-bit slot arithmetic, bounded by the array only. */
static inline __u32 edgelb_t_ring_slot(struct host_dp *h, const struct edgelb_vip_meta *vip,
				       __u32 slot)
{
	__u32 idx = vip->ring_base + slot;

	return idx < EDGELB_RING_SLOTS ? h->slots[idx] : EDGELB_NO_BACKEND;
}

static inline const struct edgelb_node_config *edgelb_t_node_config(struct host_dp *h)
{
	return h->cfg.ifindex == HOST_IFINDEX ? &h->cfg : NULL;
}

static inline struct edgelb_cpu_state *edgelb_t_cpu_state(struct host_dp *h)
{
	return &h->cpu;
}

static uint32_t flow_slot(const struct edgelb_flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t x = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		x = (x ^ p[i]) * 16777619u;
	return x & (HOST_FLOW_SLOTS - 1);
}

static inline struct edgelb_flow_state *edgelb_t_flow_lookup(struct host_dp *h,
							     const struct edgelb_flow_key *k)
{
	for (uint32_t i = flow_slot(k), n = 0; n < HOST_FLOW_SLOTS;
	     i = (i + 1) & (HOST_FLOW_SLOTS - 1), n++) {
		if (!h->flows[i].used)
			return NULL;
		if (!memcmp(&h->flows[i].key, k, sizeof(*k)))
			return &h->flows[i].st;
	}
	return NULL;
}

static inline void edgelb_t_flow_update(struct host_dp *h, const struct edgelb_flow_key *k,
					const struct edgelb_flow_state *s)
{
	for (uint32_t i = flow_slot(k), n = 0; n < HOST_FLOW_SLOTS;
	     i = (i + 1) & (HOST_FLOW_SLOTS - 1), n++) {
		if (!h->flows[i].used || !memcmp(&h->flows[i].key, k, sizeof(*k))) {
			h->flows[i].used = 1;
			h->flows[i].key = *k;
			h->flows[i].st = *s;
			return;
		}
	}
	abort(); /* the tests never fill 65 536 flows */
}

static inline struct edgelb_counters *edgelb_t_vip_counters(struct host_dp *h, __u32 id)
{
	return id < EDGELB_MAX_VIPS ? &h->vip_ctr[id] : NULL;
}

static inline struct edgelb_counters *edgelb_t_backend_counters(struct host_dp *h, __u32 id)
{
	return id < EDGELB_MAX_BACKENDS ? &h->be_ctr[id] : NULL;
}

static inline void edgelb_t_count(struct host_dp *h, enum edgelb_counter c)
{
	if ((unsigned int)c < EDGELB_COUNTER_MAX)
		h->ctr[c]++;
}

/* One ns per read, from where host_dp_set_clock() put it. */
static inline __u64 edgelb_t_now_ns(struct host_dp *h)
{
	return ++h->clock;
}

#include "forward.h"
/* the core is target-neutral: nothing of XDP may come with it */
#ifdef __LINUX_BPF_H__
#error "the packet-path core included <linux/bpf.h>"
#endif
#include "bpf/xdp_verdict.h"

/*
 * Grace periods of the host target: packets run one at a time on the
 * caller's thread, so when the tables change no packet is in flight and
 * every period has ended as soon as it starts.
 */
static uint64_t grace_start(void *arg)
{
	struct host_dp *h = arg;

	return ++h->grace;
}

static bool grace_ended(void *arg, uint64_t n)
{
	(void)arg;
	(void)n;
	return true;
}

static void grace_wait(void *arg, uint64_t n)
{
	(void)arg;
	(void)n;
}

struct host_dp *host_dp_new(void)
{
	struct host_dp *h = calloc(1, sizeof(*h));
	struct ring_grace g = { .start = grace_start, .ended = grace_ended, .wait = grace_wait };

	if (!h)
		return NULL;
	g.arg = h;
	h->flows = calloc(HOST_FLOW_SLOTS, sizeof(*h->flows));
	/* zero, as the kernel creates the rings map: backend 0, which is never one */
	h->slots = calloc(EDGELB_RING_SLOTS, sizeof(*h->slots));
	if (!h->flows || !h->slots || ring_store_new(EDGELB_RING_SLOTS, &g, &h->rs)) {
		host_dp_free(h);
		return NULL;
	}
	return h;
}

void host_dp_free(struct host_dp *h)
{
	if (!h)
		return;
	ring_store_free(h->rs);
	free(h->slots);
	free(h->flows);
	free(h);
}

void host_dp_set_node_config(struct host_dp *h, const struct edgelb_node_config *cfg)
{
	h->cfg = *cfg;
}

void host_dp_set_clock(struct host_dp *h, uint64_t ns)
{
	h->clock = ns;
}

/* The entry of key as the caller gave it, aimed at its VIP's live ring (as xdp.c does). */
int host_dp_set_vip(struct host_dp *h, const struct edgelb_vip_key *key,
		    const struct edgelb_vip_meta *meta)
{
	uint32_t base, size;
	int i;

	for (i = 0; i < h->n_vips; i++)
		if (!memcmp(&h->vips[i].key, key, sizeof(*key)))
			break;
	if (i == HOST_MAX_VIPS)
		return -ENOSPC;
	if (i == h->n_vips)
		h->n_vips++;
	h->vips[i].key = *key;
	h->vips[i].given = *meta;
	ring_store_live(h->rs, meta->vip_id, &base, &size);
	ring_store_vip_meta(meta, base, size, &h->vips[i].meta);
	memset(&h->sum, 0, sizeof(h->sum));
	for (int j = 0; j < h->n_vips; j++)
		edgelb_vip_summary_add(&h->sum, &h->vips[j].key, &h->vips[j].given);
	return 0;
}

int host_dp_set_backend(struct host_dp *h, uint32_t id, const struct edgelb_backend *be)
{
	if (id >= EDGELB_MAX_BACKENDS)
		return -ERANGE;
	h->backends[id] = *be;
	return 0;
}

/* Into a spare buffer of the one array, then the VIP's entries flip to it (as xdp.c). */
int host_dp_set_ring(struct host_dp *h, uint32_t vip_id, const uint32_t *ring, uint32_t m)
{
	uint32_t base;
	int err;

	if (vip_id >= EDGELB_MAX_VIPS || !m)
		return -ERANGE;
	err = ring_store_prepare(h->rs, vip_id, m, &base);
	if (err)
		return err;
	memcpy(h->slots + base, ring, sizeof(*ring) * m);
	for (int i = 0; i < h->n_vips; i++)
		if (h->vips[i].given.vip_id == vip_id)
			ring_store_vip_meta(&h->vips[i].given, base, m, &h->vips[i].meta);
	return ring_store_commit(h->rs, vip_id);
}

int host_dp_run(struct host_dp *h, const void *in, size_t len, void *out, size_t *out_len)
{
	int v;

	if (len > HOST_BUF - HOST_HEADROOM)
		return -EMSGSIZE;
	h->data = h->buf + HOST_HEADROOM;
	memcpy(h->data, in, len);
	h->frame_end = h->data + len;
	h->data_end = len > HOST_LINEAR_MAX ? h->data + HOST_LINEAR_MAX : h->frame_end;
	v = edgelb_forward(h);
	*out_len = (size_t)(h->frame_end - h->data);
	memcpy(out, h->data, *out_len);
	return edgelb_xdp_action(v);
}

int host_dp_flow(struct host_dp *h, const struct edgelb_flow_key *k, struct edgelb_flow_state *st)
{
	const struct edgelb_flow_state *s = edgelb_t_flow_lookup(h, k);

	if (!s)
		return -ENOENT;
	*st = *s;
	return 0;
}

uint64_t host_dp_counter(const struct host_dp *h, enum edgelb_counter c)
{
	return h->ctr[c];
}

void host_dp_vip_counters(const struct host_dp *h, uint32_t vip_id, struct edgelb_counters *c)
{
	*c = h->vip_ctr[vip_id];
}

void host_dp_backend_counters(const struct host_dp *h, uint32_t id, struct edgelb_counters *c)
{
	*c = h->be_ctr[id];
}
