/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One test environment for the balancer's packet path, on any target:
 *   LBENV_BPF   the real XDP program, tables programmed through
 *               controlplane/xdp.c, packets through BPF_PROG_TEST_RUN
 *               (needs root);
 *   LBENV_HOST  the same core compiled for the host (host_dp.c);
 *   LBENV_DPDK  the core compiled for DPDK on its shared-memory tables
 *               (tests/dpdk/dpdk_env.c), in the programs that link it.
 * Golden tests run their table on each; the differential test compares
 * them packet by packet.
 */
#ifndef EDGELB_TEST_LBENV_H
#define EDGELB_TEST_LBENV_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"

enum lbenv_kind {
	LBENV_BPF,
	LBENV_HOST,
	LBENV_DPDK,
	LBENV_KINDS,
};

/*
 * A target built outside this library (where its dependencies are) plugs
 * in its operations, the lbenv_* functions below on its own state;
 * lbenv_new() of its kind fails with a message until it has.
 */
struct lbenv_target {
	const char *name;
	void *(*open)(void); /* NULL on failure, with a message */
	void (*close)(void *t);
	int (*node_config)(void *t, const struct edgelb_node_config *cfg);
	int (*vip)(void *t, const struct edgelb_vip_key *key, const struct edgelb_vip_meta *meta);
	int (*backend)(void *t, uint32_t id, const struct edgelb_backend *be);
	int (*ring)(void *t, uint32_t vip_id, const uint32_t *ring, uint32_t m);
	int (*run)(void *t, const void *in, size_t len, void *out, size_t *out_len);
	int (*flow)(void *t, const struct edgelb_flow_key *k, struct edgelb_flow_state *st);
	uint64_t (*counter)(void *t, enum edgelb_counter c);
	void (*vip_counters)(void *t, uint32_t vip_id, struct edgelb_counters *c);
	void (*backend_counters)(void *t, uint32_t id, struct edgelb_counters *c);
};

void lbenv_plug(enum lbenv_kind kind, const struct lbenv_target *t);

/* Has a target of this kind been plugged in (or is it built in)? */
int lbenv_has(enum lbenv_kind kind);

struct lbenv;

/* NULL on failure, with the reason printed. */
struct lbenv *lbenv_new(enum lbenv_kind kind);
/*
 * The same with a flow table of flows_per_cpu entries per CPU (the XDP
 * target; the others keep their own size). lbenv_new() takes 65536.
 */
struct lbenv *lbenv_new_sized(enum lbenv_kind kind, uint32_t flows_per_cpu);
void lbenv_free(struct lbenv *e);
const char *lbenv_name(const struct lbenv *e);

/* The host twin of an LBENV_HOST environment (its clock: host_dp.h), else NULL. */
struct host_dp;
struct host_dp *lbenv_host(struct lbenv *e);

/* The XDP program of an LBENV_BPF environment, for BPF_PROG_TEST_RUN; else -1. */
int lbenv_prog_fd(const struct lbenv *e);

int lbenv_node_config(struct lbenv *e, const struct edgelb_node_config *cfg);
int lbenv_vip(struct lbenv *e, const struct edgelb_vip_key *key, const struct edgelb_vip_meta *meta);
int lbenv_backend(struct lbenv *e, uint32_t id, const struct edgelb_backend *be);
int lbenv_ring(struct lbenv *e, uint32_t vip_id, const uint32_t *ring, uint32_t m);

/* Runs one frame; out holds PKT_MAX bytes. Returns the XDP action or a negative errno. */
int lbenv_run(struct lbenv *e, const void *in, size_t len, void *out, size_t *out_len);

/* The flow table's entry for k: 0, or -ENOENT when there is none. */
int lbenv_flow(struct lbenv *e, const struct edgelb_flow_key *k, struct edgelb_flow_state *st);

uint64_t lbenv_counter(struct lbenv *e, enum edgelb_counter c);
void lbenv_vip_counters(struct lbenv *e, uint32_t vip_id, struct edgelb_counters *c);
void lbenv_backend_counters(struct lbenv *e, uint32_t id, struct edgelb_counters *c);

/* True when BPF tests can run here (root, BPF syscall); else why not. */
int lbenv_bpf_available(char *why, size_t len);

#endif
