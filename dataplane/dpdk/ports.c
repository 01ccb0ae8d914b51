// SPDX-License-Identifier: GPL-2.0-only
/* Ports of edgelb-dpdk (ports.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>

#include "ports.h"

#define RX_DESC 1024
#define TX_DESC 1024

int edgelb_dpdk_port_find(const char *spec, uint16_t *port)
{
	char *end;
	unsigned long n = strtoul(spec, &end, 10);

	if (*spec && !*end) {
		if (n >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port((uint16_t)n))
			goto none;
		*port = (uint16_t)n;
		return 0;
	}
	if (!rte_eth_dev_get_port_by_name(spec, port))
		return 0;
none:
	fprintf(stderr, "edgelb-dpdk: no port \"%s\" (a --vdev or device name, or a port number)\n",
		spec);
	return -ENODEV;
}

int edgelb_dpdk_port_start(uint16_t port, struct rte_mempool *mp, bool promiscuous)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t rx_desc = RX_DESC, tx_desc = TX_DESC;
	int socket = rte_eth_dev_socket_id(port), err;

	err = rte_eth_dev_info_get(port, &info);
	if (err)
		goto fail;
	/* jumbo frames as chains; the core reads headers from the first segment */
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	err = rte_eth_dev_configure(port, 1, 1, &conf);
	if (!err)
		err = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx_desc, &tx_desc);
	if (!err)
		err = rte_eth_rx_queue_setup(port, 0, rx_desc, socket < 0 ? 0 : (unsigned int)socket,
					     NULL, mp);
	if (!err)
		err = rte_eth_tx_queue_setup(port, 0, tx_desc, socket < 0 ? 0 : (unsigned int)socket,
					     NULL);
	if (!err)
		err = rte_eth_dev_start(port);
	if (err)
		goto fail;
	if (promiscuous && rte_eth_promiscuous_enable(port))
		fprintf(stderr, "edgelb-dpdk: port %u cannot be promiscuous: frames to a VRRP "
				"virtual MAC will not arrive\n", port);
	return 0;
fail:
	fprintf(stderr, "edgelb-dpdk: starting port %u failed: %s\n", port, rte_strerror(-err));
	return err < 0 ? err : -EIO;
}

void edgelb_dpdk_port_stop(uint16_t port)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}

int edgelb_dpdk_port_ifindex(uint16_t port, uint32_t *ifindex)
{
	struct rte_eth_dev_info info;
	int err = rte_eth_dev_info_get(port, &info);

	if (err)
		return err;
	if (!info.if_index)
		return -ENODEV;
	*ifindex = info.if_index;
	return 0;
}

int edgelb_dpdk_port_copy_mac(uint16_t tap, uint16_t data)
{
	struct rte_ether_addr mac;
	int err = rte_eth_macaddr_get(data, &mac);

	if (!err)
		err = rte_eth_dev_default_mac_addr_set(tap, &mac);
	if (err)
		fprintf(stderr, "edgelb-dpdk: giving port %u the MAC of port %u failed: %s\n", tap,
			data, rte_strerror(-err));
	return err;
}
