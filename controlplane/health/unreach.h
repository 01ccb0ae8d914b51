/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The listener of destination unreachable messages (site.h): a raw ICMP
 * and a raw ICMPv6 socket, filtered in the kernel to that one type,
 * watched in health's epoll set. Internal to controlplane/health/.
 *
 * Raw sockets get a copy of every such message the host receives: those
 * about the data plane's encapsulated packets (the balancer's address is
 * their source) as well as those about the checks. Bounded work: at most
 * HC_UNREACH_BATCH messages per wake-up and a token bucket of
 * HC_UNREACH_RATE a second; what the bucket refuses is counted, not
 * looked at.
 */
#ifndef EDGELB_HC_UNREACH_H
#define EDGELB_HC_UNREACH_H

#include <stdint.h>

#include "unreach_parse.h"

#define HC_UNREACH_BATCH 64
#define HC_UNREACH_RATE 200 /* messages looked at per second, and the burst */

struct hc_unreach_listener {
	int fd[2]; /* IPv4, IPv6; -1 = not open */
	uint32_t tokens;    /* the token bucket */
	uint64_t refill_ms; /* when tokens were last added */
	uint64_t received, unreachable, limited;
};

typedef void (*hc_unreach_fn)(void *arg, const struct hc_unreach *u);

/* Not open: fds -1, counters 0. */
void hc_unreach_init(struct hc_unreach_listener *l);

/*
 * Open both sockets and watch them in epfd under HC_TAG_UNREACH | 0 / 1.
 * Returns 0 when at least one opened, else a negative errno (raw sockets
 * need CAP_NET_RAW) with why filled.
 */
int hc_unreach_open(struct hc_unreach_listener *l, int epfd, char *why, size_t len);

/* Close what is open (the sockets leave the epoll set as they close). */
void hc_unreach_close(struct hc_unreach_listener *l);

/* Socket which (0 IPv4, 1 IPv6) is readable: read a batch, fn() for each message taken. */
void hc_unreach_read(struct hc_unreach_listener *l, unsigned int which, uint64_t now_ms,
		     hc_unreach_fn fn, void *arg);

#endif /* EDGELB_HC_UNREACH_H */
