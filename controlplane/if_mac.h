/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MAC address of an interface, from the kernel (SIOCGIFHWADDR): what
 * each data plane's node-config slot sends from (XDP: the attached
 * interface's own; DPDK: the exception TAP's, which carries the data
 * port's).
 */
#ifndef EDGELB_IF_MAC_H
#define EDGELB_IF_MAC_H

#include <stdint.h>

/* 0, or a negative errno (-ENODEV: no such interface). */
int edgelb_if_mac(const char *ifname, uint8_t mac[6]);

#endif /* EDGELB_IF_MAC_H */
