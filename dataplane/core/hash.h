/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one flow hash. Every data plane and the control plane (tests, lbctl
 * "which backend would take this flow") compute it with these functions, so
 * every node gives the same answer for the same flow (DESIGN.md principle 2).
 *
 * Definition, fixed forever (a change moves established flows between nodes
 * of different versions; the unit tests pin test vectors):
 *
 *   MurmurHash3 x86_32 body and finaliser, run over a sequence of 32-bit
 *   words, each word the big-endian (network order) reading of 4 bytes of
 *   the 5-tuple, seed EDGELB_FLOW_HASH_SEED, length = 4 * number of words.
 *
 *   IPv4: src, dst, sport << 16 | dport, proto                   (4 words)
 *   IPv6: src[0..3], dst[0..3], sport << 16 | dport, proto       (10 words)
 *
 * Reading words in network order makes the result independent of the CPU's
 * endianness; the seed is a constant, never per node or per boot, because
 * two balancers must agree.
 */
#ifndef EDGELB_HASH_H
#define EDGELB_HASH_H

#include "abi.h"
#include "compiler.h"

#define EDGELB_FLOW_HASH_SEED 0x65646765u /* "edge" */

EDGELB_INLINE __u32 edgelb_rotl32(__u32 x, unsigned int r)
{
	return (x << r) | (x >> (32 - r));
}

/* One MurmurHash3 x86_32 body step: mixes word k into state h. */
EDGELB_INLINE __u32 edgelb_hash_step(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = edgelb_rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = edgelb_rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

/* MurmurHash3 x86_32 finaliser; len is the input length in bytes. */
EDGELB_INLINE __u32 edgelb_hash_final(__u32 h, __u32 len)
{
	h ^= len;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/*
 * Hash of the 5-tuple given in network byte order. family is
 * EDGELB_AF_INET or EDGELB_AF_INET6; for IPv4 only src->v4 and dst->v4 are
 * read. Returns the 32-bit flow hash (host order value).
 */
EDGELB_INLINE __u32 edgelb_flow_hash(const union edgelb_addr *src, const union edgelb_addr *dst,
				     __be16 sport, __be16 dport, __u8 proto, __u8 family)
{
	__u32 h = EDGELB_FLOW_HASH_SEED;
	__u32 len;

	if (family == EDGELB_AF_INET6) {
		h = edgelb_hash_step(h, edgelb_ntohl(src->v6[0]));
		h = edgelb_hash_step(h, edgelb_ntohl(src->v6[1]));
		h = edgelb_hash_step(h, edgelb_ntohl(src->v6[2]));
		h = edgelb_hash_step(h, edgelb_ntohl(src->v6[3]));
		h = edgelb_hash_step(h, edgelb_ntohl(dst->v6[0]));
		h = edgelb_hash_step(h, edgelb_ntohl(dst->v6[1]));
		h = edgelb_hash_step(h, edgelb_ntohl(dst->v6[2]));
		h = edgelb_hash_step(h, edgelb_ntohl(dst->v6[3]));
		len = 40;
	} else {
		h = edgelb_hash_step(h, edgelb_ntohl(src->v4));
		h = edgelb_hash_step(h, edgelb_ntohl(dst->v4));
		len = 16;
	}
	h = edgelb_hash_step(h, ((__u32)edgelb_ntohs(sport) << 16) | edgelb_ntohs(dport));
	h = edgelb_hash_step(h, proto);
	return edgelb_hash_final(h, len);
}

/* The flow hash of a flow table key (same definition as above). */
EDGELB_INLINE __u32 edgelb_flow_key_hash(const struct edgelb_flow_key *k)
{
	return edgelb_flow_hash(&k->src, &k->dst, k->sport, k->dport, k->proto, k->family);
}

#endif /* EDGELB_HASH_H */
