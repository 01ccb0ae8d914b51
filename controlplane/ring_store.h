/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where each VIP's Maglev rings live in a data plane's one ring array
 * (abi.h, struct edgelb_ring_slot), and when a buffer may be written
 * again. Pure: no I/O and no data plane. Every target's table code
 * (controlplane/xdp.c, the host twin tests/bpf/host_dp.c, a DPDK one)
 * asks it where to write and tells it when it flipped, so that all of
 * them place rings the same way and keep the same promise (DESIGN.md,
 * principle 5): a packet never reads a buffer while it is rewritten.
 *
 * A VIP owns up to RING_STORE_BUFS buffers, regions of the array: one
 * live (the VIP entry's ring_base points at it), the others spares. A
 * change is written into a spare and made live by one update of the VIP
 * entry; the buffer it replaces retires, and is written again (or its
 * region given up) only once a grace period begun after that flip has
 * ended: no packet that found the old ring_base can still be reading.
 * Three buffers rather than two, so that a VIP changed twice within one
 * grace period (a drain right after a weight change) still finds a spare
 * it may write at once.
 *
 * Grace periods come from the target (struct ring_grace): the XDP data
 * plane has the kernel's RCU tell it (xdp.c), a DPDK one would count the
 * epochs its lcores publish.
 *
 * Placement is first fit, candidates in a fixed order: slot 0, then the
 * end of every allocated buffer, VIP by VIP, buffer by buffer. A buffer
 * keeps its region while its size stays; a VIP keeps its buffers (even
 * after its entry is deleted) until they are resized. There is no
 * compaction: a ring that fits only in the sum of the holes gets -ENOSPC.
 *
 * One change at a time per VIP:
 *	err = ring_store_prepare(rs, vip, m, &base);   may wait a grace period
 *	write ring[0..m-1] at slots[base..], then a release fence
 *	point the VIP entry at base (ring_store_vip_meta), if the VIP exists
 *	ring_store_commit(rs, vip);                    only if that worked
 * Every function returning int returns 0 or a negative errno.
 */
#ifndef EDGELB_RING_STORE_H
#define EDGELB_RING_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"

#define RING_STORE_BUFS 3

/*
 * Room in a new ring array for this many VIPs beyond the config's, with
 * rings as large as its largest: VIPs added with lbctl, a ring size
 * raised by a reload. A pinned array keeps its size (until `edgelbd
 * --cleanup`), so a little is kept free; not more, since the array is
 * mapped whole into edgelbd (it shows as its file-backed memory).
 */
#define RING_STORE_SPARE_VIPS 8
#define RING_STORE_SLOTS_MAX (1u << 28) /* 1 GiB of 32-bit slots */

/*
 * Slots that VIPs whose ring sizes add up to ring_sum need: every VIP's
 * RING_STORE_BUFS buffers (the live ring and its spares), at most
 * RING_STORE_SLOTS_MAX.
 */
uint32_t ring_store_slots_need(uint64_t ring_sum);

/*
 * The size of a new ring array for those VIPs (ring_max: the largest of
 * their ring sizes): what they need, plus RING_STORE_SPARE_VIPS VIPs with
 * rings of ring_max slots (EDGELB_RING_SIZE_DEFAULT when smaller), at most
 * RING_STORE_SLOTS_MAX.
 */
uint32_t ring_store_slots_for(uint64_t ring_sum, uint32_t ring_max);

/*
 * A target's grace periods, numbered from 1. Period 0 is the one a
 * never-used buffer waits for: it has always ended.
 */
struct ring_grace {
	/* Start a grace period after every flip made so far; its number, larger than any before. */
	uint64_t (*start)(void *arg);
	/* Has period n ended (every reader that could see a flip before it is gone)? */
	bool (*ended)(void *arg, uint64_t n);
	/* Return once period n has ended. */
	void (*wait)(void *arg, uint64_t n);
	void *arg;
};

struct ring_store;

/* A store for an array of n_slots slots, nothing allocated. -EINVAL: no slots or no grace. */
int ring_store_new(uint32_t n_slots, const struct ring_grace *grace, struct ring_store **out);
void ring_store_free(struct ring_store *rs);

uint32_t ring_store_slots(const struct ring_store *rs);

/*
 * An earlier run left vip's live ring at [base, base + size): take it as
 * the live buffer, so that nothing is placed over it while packets read
 * it. -ERANGE when vip, or the ring, lies outside the store (size 0
 * included); the VIP then has no live ring.
 */
int ring_store_adopt(struct ring_store *rs, uint32_t vip, uint32_t base, uint32_t size);

/* vip's live ring; -ENOENT (base and size 0) when it has none yet. */
int ring_store_live(const struct ring_store *rs, uint32_t vip, uint32_t *base, uint32_t *size);

/*
 * Would ring_store_prepare() for vip not wait? True when the spare it
 * would hand out was never used or its grace period has ended.
 */
bool ring_store_ready(const struct ring_store *rs, uint32_t vip);

/*
 * The spare buffer of vip to write a ring of size slots into: the one
 * retired longest ago, once its grace period has ended (waits for it),
 * moved to a new region when its size differs. *base is its first slot.
 * -ERANGE: vip out of range or size 0; -ENOSPC: no hole of size slots
 * (the spare then holds no region). Until ring_store_commit() the live
 * ring stays what it was; a second prepare hands out the same buffer.
 */
int ring_store_prepare(struct ring_store *rs, uint32_t vip, uint32_t size, uint32_t *base);

/*
 * The VIP entry now points at the prepared buffer: it becomes live and
 * the one it replaces retires (a grace period starts). -EINVAL when
 * nothing was prepared.
 */
int ring_store_commit(struct ring_store *rs, uint32_t vip);

/*
 * The VIP entry a data plane writes for given (as the control plane
 * passed it): the same, aimed at the ring [base, base + size) when that
 * ring has the size the entry asks for, else at an empty ring (ring_size
 * 0, ring_base 0: packets are dropped as drop_no_backend), never at
 * another VIP's slots. given->ring_base is ignored: where a ring lives
 * is the data plane's business (dataplane.h).
 */
void ring_store_vip_meta(const struct edgelb_vip_meta *given, uint32_t base, uint32_t size,
			 struct edgelb_vip_meta *out);

#endif /* EDGELB_RING_STORE_H */
