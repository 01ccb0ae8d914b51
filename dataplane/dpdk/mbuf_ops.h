/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the packet-path core asks of a frame (target.h), done on an
 * rte_mbuf chain with the XDP target's limits, so that both targets give
 * the same answer for the same frame:
 *
 *  - the head moves within the first segment: it grows into the headroom
 *    (RTE_PKTMBUF_HEADROOM, 128 bytes, is more than the largest growth,
 *    EDGELB_DPDK_MAX_GROW) and shrinks while 14 bytes (an Ethernet header)
 *    remain, as bpf_xdp_adjust_head();
 *  - the tail shrinks across segments, freeing the ones it empties (the
 *    core cuts a jumbo frame to its first buffer for an ICMP reply, and
 *    rte_pktmbuf_trim() only cuts within the last segment), down to 14
 *    bytes; it grows into the last segment's tailroom, zeroed;
 *  - checksums of frame bytes run over segments, with words that straddle
 *    two segments paired as in one buffer.
 */
#ifndef EDGELB_DPDK_MBUF_OPS_H
#define EDGELB_DPDK_MBUF_OPS_H

#include <rte_mbuf.h>

#include "abi.h"

/* Outer IPv6 + UDP (GUE over IPv6), or IPv6 + ICMPv6 of a packet-too-big. */
#define EDGELB_DPDK_MAX_GROW 48
#define EDGELB_DPDK_MIN_FRAME 14

_Static_assert(RTE_PKTMBUF_HEADROOM >= EDGELB_DPDK_MAX_GROW + 2,
	       "mbuf headroom: the largest encapsulation, and NET_IP_ALIGN");

static inline int edgelb_mbuf_adjust_head(struct rte_mbuf *m, int delta)
{
	if (delta < 0)
		return rte_pktmbuf_prepend(m, (uint16_t)-delta) ? 0 : -1;
	if (delta + EDGELB_DPDK_MIN_FRAME > m->data_len)
		return -1;
	return rte_pktmbuf_adj(m, (uint16_t)delta) ? 0 : -1;
}

/*
 * Cut the frame to len bytes (len <= pkt_len), freeing the segments past
 * it. -1 when the chain holds fewer bytes than pkt_len says (a broken
 * PMD or chain): the frame is left as it is, to be dropped.
 */
static inline int edgelb_mbuf_cut(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *s = m, *rest;
	uint32_t left = len;
	uint16_t n = 1;

	while (left > s->data_len) {
		if (!s->next)
			return -1;
		left -= s->data_len;
		s = s->next;
		n++;
	}
	s->data_len = (uint16_t)left;
	rest = s->next;
	s->next = NULL;
	m->nb_segs = n;
	m->pkt_len = len;
	if (rest)
		rte_pktmbuf_free(rest);
	return 0;
}

static inline int edgelb_mbuf_adjust_tail(struct rte_mbuf *m, int delta)
{
	char *p;

	if (delta < 0) {
		if (m->pkt_len < EDGELB_DPDK_MIN_FRAME ||
		    (uint32_t)-delta > m->pkt_len - EDGELB_DPDK_MIN_FRAME)
			return -1;
		return edgelb_mbuf_cut(m, m->pkt_len - (uint32_t)-delta);
	}
	p = rte_pktmbuf_append(m, (uint16_t)delta);
	if (!p)
		return -1;
	memset(p, 0, (size_t)delta);
	return 0;
}

/*
 * The 16-bit partial sum of n bytes at p, the first of them at an even
 * (odd) word position when odd is 0 (1): words in memory order.
 */
static inline uint64_t edgelb_mbuf_sum_run(const uint8_t *p, uint32_t n, int odd)
{
	union {
		uint8_t b[2];
		uint16_t w;
	} u;
	uint64_t s = 0;
	uint32_t i = 0;

	if (odd && n) {
		u.b[0] = 0;
		u.b[1] = p[0];
		s += u.w;
		i = 1;
	}
	for (; i + 1 < n; i += 2) {
		memcpy(&u.w, p + i, 2);
		s += u.w;
	}
	if (i < n) {
		u.b[0] = p[i];
		u.b[1] = 0;
		s += u.w;
	}
	return s;
}

/* target.h's edgelb_t_csum_frame() over the segments of m. */
static inline int edgelb_mbuf_csum(const struct rte_mbuf *m, uint32_t off, uint32_t len,
				   uint32_t *sum)
{
	const struct rte_mbuf *s = m;
	uint64_t acc = *sum;
	uint32_t done = 0;

	if (off > m->pkt_len || len > m->pkt_len - off)
		return -1;
	while (s && off >= s->data_len) {
		off -= s->data_len;
		s = s->next;
	}
	while (done < len && s) {
		uint32_t n = s->data_len - off;

		if (n > len - done)
			n = len - done;
		acc += edgelb_mbuf_sum_run(rte_pktmbuf_mtod_offset(s, const uint8_t *, off), n,
					   done & 1);
		done += n;
		off = 0;
		s = s->next;
	}
	if (done < len)
		return -1; /* a chain shorter than its pkt_len */
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	*sum = (uint32_t)acc;
	return 0;
}

#endif /* EDGELB_DPDK_MBUF_OPS_H */
