// SPDX-License-Identifier: GPL-2.0-only
/* Ports of edgelb-dpdk (ports.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>

#include "ports.h"

/* What RSS hashes: addresses and ports of TCP and UDP, addresses of the rest. */
#define RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)
/* 0x6d5a repeated: Toeplitz gives a flow's two directions the same hash */
#define RSS_KEY_MAX 128

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

int edgelb_dpdk_port_plan(uint16_t port, unsigned int n_workers, bool rss_wanted,
			  struct edgelb_dpdk_queues *q)
{
	struct rte_eth_dev_info info;
	int err = rte_eth_dev_info_get(port, &info);

	if (err) {
		fprintf(stderr, "edgelb-dpdk: port %u: %s\n", port, rte_strerror(-err));
		return err;
	}
	if (!info.max_rx_queues || !info.max_tx_queues) {
		fprintf(stderr, "edgelb-dpdk: port %u has no queue\n", port);
		return -ENODEV;
	}
	q->tx = (uint16_t)RTE_MIN(n_workers, (unsigned int)info.max_tx_queues);
	q->rss = rss_wanted && n_workers > 1 && info.max_rx_queues >= n_workers &&
		 (info.flow_type_rss_offloads & RTE_ETH_RSS_IP) &&
		 (info.flow_type_rss_offloads & RTE_ETH_RSS_TCP) &&
		 (info.flow_type_rss_offloads & RTE_ETH_RSS_UDP);
	if (q->rss)
		q->rx = (uint16_t)n_workers;
	else if (rss_wanted)
		q->rx = 1;
	else
		q->rx = q->tx = (uint16_t)RTE_MIN(q->tx, info.max_rx_queues);
	return 0;
}

int edgelb_dpdk_port_start(uint16_t port, struct rte_mempool *mp, bool promiscuous)
{
	const struct edgelb_dpdk_queues q = { .rx = 1, .tx = 1 };

	return edgelb_dpdk_port_start_queues(port, mp, promiscuous, &q);
}

int edgelb_dpdk_port_start_queues(uint16_t port, struct rte_mempool *mp, bool promiscuous,
				  const struct edgelb_dpdk_queues *q)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t rx_desc = EDGELB_DPDK_RX_DESC, tx_desc = EDGELB_DPDK_TX_DESC;
	int socket = rte_eth_dev_socket_id(port), err;
	uint8_t key[RSS_KEY_MAX];

	err = rte_eth_dev_info_get(port, &info);
	if (err)
		goto fail;
	if (q->rss) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RSS_HF & info.flow_type_rss_offloads;
		/* no key size given: the PMD's own key, fixed per PMD */
		if (info.hash_key_size && info.hash_key_size <= sizeof(key)) {
			for (unsigned int i = 0; i < info.hash_key_size; i++)
				key[i] = i & 1 ? 0x5a : 0x6d;
			conf.rx_adv_conf.rss_conf.rss_key = key;
			conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size;
		}
	}
	/* jumbo frames as chains; the core reads headers from the first segment */
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	err = rte_eth_dev_configure(port, q->rx, q->tx, &conf);
	if (!err)
		err = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx_desc, &tx_desc);
	for (uint16_t i = 0; !err && i < q->rx; i++)
		err = rte_eth_rx_queue_setup(port, i, rx_desc, socket < 0 ? 0 : (unsigned int)socket,
					     NULL, mp);
	for (uint16_t i = 0; !err && i < q->tx; i++)
		err = rte_eth_tx_queue_setup(port, i, tx_desc, socket < 0 ? 0 : (unsigned int)socket,
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
