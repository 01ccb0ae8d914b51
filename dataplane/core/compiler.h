/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few compiler helpers the packet-path core needs on every target:
 * forced inlining (the BPF verifier and the DPDK fast path both want it)
 * and byte swaps that do not depend on libc, so BPF code stays off glibc
 * headers.
 */
#ifndef EDGELB_COMPILER_H
#define EDGELB_COMPILER_H

#include <linux/types.h>

#define EDGELB_INLINE static inline __attribute__((always_inline))

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define edgelb_ntohl(x) ((__u32)__builtin_bswap32((__u32)(x)))
#define edgelb_ntohs(x) ((__u16)__builtin_bswap16((__u16)(x)))
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define edgelb_ntohl(x) ((__u32)(x))
#define edgelb_ntohs(x) ((__u16)(x))
#else
#error "unknown byte order"
#endif
#define edgelb_htonl(x) ((__be32)edgelb_ntohl(x))
#define edgelb_htons(x) ((__be16)edgelb_ntohs(x))

/*
 * Make the compiler forget what it knows about x. Used where clang would
 * drop a loop bound it can prove redundant from x while the BPF verifier,
 * which cannot, needs that bound to see the loop end.
 */
#define edgelb_opaque(x) __asm__ __volatile__("" : "+r"(x))

#define edgelb_likely(x) __builtin_expect(!!(x), 1)
#define edgelb_unlikely(x) __builtin_expect(!!(x), 0)

#endif /* EDGELB_COMPILER_H */
