// SPDX-License-Identifier: GPL-2.0-only
/*
 * XDP data plane tables: see xdp.h.
 *
 * Pinning: every map of the program is pinned under pin_dir by its name,
 * and each interface's attachment is a BPF link pinned as link-IFNAME.
 * A later edgelbd (a restart, or a new build) loads its program onto the
 * same maps and swaps it into the same links with bpf_link_update(): the
 * flow table, counters and rings carry on and no packet sees a gap.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <linux/if_link.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "abi.h" /* before the skeleton: its global data has abi.h's types */
#include "edgelb.skel.h"
#include "if_mac.h"
#include "log.h"
#include "ring_store.h"
#include "xdp.h"

/* The VIP entries as the control plane gave them, to re-point them at a new ring. */
struct xdp_vip {
	bool present;
	struct edgelb_vip_key key;
	struct edgelb_vip_meta meta;
};

/*
 * Grace periods (struct ring_grace, for the ring store). After a flip,
 * packets that looked up the VIP just before may still read the old
 * buffer; it may be written again only when every XDP program run that
 * started before the flip has ended. The kernel
 * waits exactly that long (synchronize_rcu) when an array-of-maps slot is
 * updated, so a helper thread updates a private one in a loop while flips
 * wait for it, and the event loop never blocks for it unless a VIP is
 * changed twice within one grace period (a few ms).
 */
struct xdp_gp {
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t requested, completed;
	bool stop;
	int outer_fd, inner_fd;
};

struct xdp_link {
	char ifname[16];
	int ifindex;
	int fd;
};

struct edgelb_xdp {
	struct edgelb_bpf *skel;
	int ncpus;
	char *pin_dir; /* NULL: nothing pinned, everything goes with us */
	bool adopted;
	struct ring_store *rs; /* where each VIP's rings are in slots */
	struct xdp_vip vips[EDGELB_MAX_VIPS];
	uint32_t *slots; /* the rings map, mmap()ed */
	size_t n_slots;
	struct xdp_gp gp;
	struct xdp_link links[16];
	int n_links;
	struct edgelb_node_config node; /* what every interface's slot gets */
	bool node_set;
};

static int mkdir_p(const char *path)
{
	char buf[4096];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0700) && errno != EEXIST ? -errno : 0;
}

/* The map pinned at path: 0 and *info, or -errno (-ENOENT: none). */
static int pinned_info(const char *path, struct bpf_map_info *info)
{
	uint32_t len = sizeof(*info);
	int fd = bpf_obj_get(path), err = 0;

	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		err = -errno;
	close(fd);
	return err;
}

/* max_entries of the map pinned at path, or 0 when there is none. */
static uint32_t pinned_max_entries(const char *path)
{
	struct bpf_map_info info;

	return pinned_info(path, &info) ? 0 : info.max_entries;
}

/*
 * Maps that hold no state worth keeping across a restart: the node config
 * (edgelbd writes every slot at start) and the per-CPU scratch (token
 * buckets, IPv4 ids). When an upgrade changed their layout (abi.h: the
 * node config grew for the new-flow guard) the pinned one cannot be
 * reused; it is unpinned so that this build creates its own, rather than
 * refuse to start and make the operator drop every flow with
 * `edgelbd --cleanup`. The old program keeps its copy until its link is
 * swapped to ours, and a slot is written before that swap (attach).
 */
static bool map_is_scratch(const char *name)
{
	return !strcmp(name, "node_config") || !strcmp(name, "cpu_state") ||
	       !strcmp(name, "vip_ids");
}

static int replace_stale_scratch(const struct bpf_map *map, const char *path)
{
	struct bpf_map_info info;

	if (pinned_info(path, &info))
		return 0; /* none pinned (or unreadable: the reuse then says why) */
	if (info.value_size == bpf_map__value_size(map) &&
	    info.max_entries == bpf_map__max_entries(map) && info.type == bpf_map__type(map))
		return 0;
	pr_info("xdp", "pinned map %s has %u-byte entries, this build %u: replaced (it is "
		       "rewritten at start; no flow is lost)",
		path, info.value_size, bpf_map__value_size(map));
	return unlink(path) ? -errno : 0;
}

/*
 * Maps sized from the config (flow table, ring slots) keep the size they
 * were pinned with: a pinned map cannot grow, and refusing to start would
 * turn a config edit into an outage. The config's size takes effect after
 * `edgelbd --cleanup`; edgelb_xdp_sizes() tells the caller.
 */
static int pin_maps(struct edgelb_xdp *x)
{
	struct bpf_map *map;
	char path[4096];

	bpf_object__for_each_map(map, x->skel->obj) {
		const char *name = bpf_map__name(map);

		/* .rodata / .bss of the program are its own, not state */
		if (strchr(name, '.'))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", x->pin_dir, name) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		if (!strcmp(name, "vips") && access(path, F_OK) == 0)
			x->adopted = true;
		if (map_is_scratch(name)) {
			int err = replace_stale_scratch(map, path);

			if (err)
				return err;
		}
		if (!strcmp(name, "flows") || !strcmp(name, "rings")) {
			uint32_t pinned = pinned_max_entries(path);

			if (pinned && bpf_map__set_max_entries(map, pinned))
				return -errno;
		}
		if (bpf_map__set_pin_path(map, path))
			return -errno;
	}
	return 0;
}

/*
 * The program's VIP summary (abi.h: struct edgelb_vip_summary, in its
 * global data) rebuilt from the VIPs present. Called with a VIP added
 * before it enters the VIP map and with one removed after it left: a bit
 * is never clear while its VIP is in the map. Word by word into the
 * mapped global data, each word one store, so a packet reads each bit
 * either as it was or as it is.
 */
static void write_summary(struct edgelb_xdp *x, const struct edgelb_vip_key *adding,
			  const struct edgelb_vip_meta *adding_meta)
{
	struct edgelb_vip_summary s = { 0 }, *live = &x->skel->data_summary->edgelb_summary;

	for (int i = 0; i < EDGELB_MAX_VIPS; i++)
		if (x->vips[i].present)
			edgelb_vip_summary_add(&s, &x->vips[i].key, &x->vips[i].meta);
	if (adding)
		edgelb_vip_summary_add(&s, adding, adding_meta);
	for (size_t w = 0; w < EDGELB_SUMMARY_BITS / 64; w++) {
		__atomic_store_n(&live->vip_bits[w], s.vip_bits[w], __ATOMIC_RELEASE);
		__atomic_store_n(&live->flow_bits[w], s.flow_bits[w], __ATOMIC_RELEASE);
	}
	__atomic_store_n(&live->flags, s.flags, __ATOMIC_RELEASE);
}

/*
 * The VIPs an earlier run left: their entries tell which ring region is
 * live; the spare buffers are allocated again when first needed.
 */
static void adopt_vips(struct edgelb_xdp *x)
{
	int fd = bpf_map__fd(x->skel->maps.vips);
	struct edgelb_vip_key key, next;
	struct edgelb_vip_meta meta;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &meta) || meta.vip_id >= EDGELB_MAX_VIPS)
			continue;
		x->vips[meta.vip_id] = (struct xdp_vip){ .present = true, .key = key, .meta = meta };
		/* a ring outside the array (no ring, or another build's): none live */
		ring_store_adopt(x->rs, meta.vip_id, meta.ring_base, meta.ring_size);
	}
}

/*
 * What a loaded program learns from the VIP map before its first packet:
 * the summary in its global data and every slot of vip_ids (an older
 * build pinned none, or left entries of VIPs removed since).
 */
static int write_vip_index(struct edgelb_xdp *x)
{
	int fd = bpf_map__fd(x->skel->maps.vip_ids);

	write_summary(x, NULL, NULL);
	for (uint32_t i = 0; i < EDGELB_MAX_VIPS; i++) {
		struct edgelb_vip_entry e = { 0 };

		if (x->vips[i].present) {
			int lfd = bpf_map__fd(x->skel->maps.vips);

			e.key = x->vips[i].key;
			if (bpf_map_lookup_elem(lfd, &e.key, &e.meta))
				memset(&e, 0, sizeof(e));
		}
		if (bpf_map_update_elem(fd, &i, &e, BPF_ANY))
			return -errno;
	}
	return 0;
}

static void *gp_main(void *arg)
{
	struct xdp_gp *gp = arg;
	uint32_t zero = 0;

	pthread_mutex_lock(&gp->lock);
	while (!gp->stop) {
		uint64_t target;

		if (gp->completed >= gp->requested) {
			pthread_cond_wait(&gp->cond, &gp->lock);
			continue;
		}
		target = gp->requested;
		pthread_mutex_unlock(&gp->lock);
		/* returns after synchronize_rcu(): every earlier program run ended */
		bpf_map_update_elem(gp->outer_fd, &zero, &gp->inner_fd, BPF_ANY);
		pthread_mutex_lock(&gp->lock);
		gp->completed = target;
		pthread_cond_broadcast(&gp->cond);
	}
	pthread_mutex_unlock(&gp->lock);
	return NULL;
}

static int gp_start(struct xdp_gp *gp)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);

	gp->outer_fd = gp->inner_fd = -1;
	pthread_mutex_init(&gp->lock, NULL);
	pthread_cond_init(&gp->cond, NULL);
	gp->inner_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "edgelb_gp_in", 4, 4, 1, NULL);
	if (gp->inner_fd < 0)
		return -errno;
	o.inner_map_fd = gp->inner_fd;
	gp->outer_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "edgelb_gp", 4, 4, 1, &o);
	if (gp->outer_fd < 0)
		return -errno;
	if (pthread_create(&gp->thread, NULL, gp_main, gp))
		return -EAGAIN;
	gp->running = true;
	return 0;
}

static void gp_stop(struct xdp_gp *gp)
{
	if (gp->running) {
		pthread_mutex_lock(&gp->lock);
		gp->stop = true;
		pthread_cond_broadcast(&gp->cond);
		pthread_mutex_unlock(&gp->lock);
		pthread_join(gp->thread, NULL);
		pthread_mutex_destroy(&gp->lock);
		pthread_cond_destroy(&gp->cond);
	}
	if (gp->outer_fd >= 0)
		close(gp->outer_fd);
	if (gp->inner_fd >= 0)
		close(gp->inner_fd);
}

/* Ask for a grace period to start after now; returns its number. */
static uint64_t gp_request(struct xdp_gp *gp)
{
	uint64_t seq;

	pthread_mutex_lock(&gp->lock);
	seq = ++gp->requested;
	pthread_cond_broadcast(&gp->cond);
	pthread_mutex_unlock(&gp->lock);
	return seq;
}

/* Wait until grace period seq has ended (usually it has long since). */
static void gp_wait(struct xdp_gp *gp, uint64_t seq)
{
	pthread_mutex_lock(&gp->lock);
	while (gp->completed < seq && !gp->stop)
		pthread_cond_wait(&gp->cond, &gp->lock);
	pthread_mutex_unlock(&gp->lock);
}

static bool gp_ended(struct xdp_gp *gp, uint64_t seq)
{
	bool done;

	pthread_mutex_lock(&gp->lock);
	done = gp->completed >= seq || gp->stop;
	pthread_mutex_unlock(&gp->lock);
	return done;
}

static uint64_t grace_start(void *gp)
{
	return gp_request(gp);
}

static bool grace_ended(void *gp, uint64_t n)
{
	return gp_ended(gp, n);
}

static void grace_wait(void *gp, uint64_t n)
{
	gp_wait(gp, n);
}

int edgelb_xdp_open(const struct edgelb_xdp_opts *opts, struct edgelb_xdp **out)
{
	uint32_t per_cpu = opts && opts->flow_table_size ? opts->flow_table_size
							 : EDGELB_FLOW_TABLE_SIZE;
	struct edgelb_xdp *x;
	int err;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0) {
		err = x->ncpus ? x->ncpus : -EINVAL;
		goto fail;
	}
	x->skel = edgelb_bpf__open();
	if (!x->skel) {
		err = -errno;
		goto fail;
	}
	/* per-CPU LRU lists share one table: size it for all CPUs */
	err = bpf_map__set_max_entries(x->skel->maps.flows, per_cpu * (uint32_t)x->ncpus);
	if (!err && opts && opts->ring_slots)
		/* two 32-bit slots per element: see edgelb_maps.bpf.h */
		err = bpf_map__set_max_entries(x->skel->maps.rings, (opts->ring_slots + 1) / 2);
	if (err)
		goto fail;
	if (opts && opts->pin_dir) {
		x->pin_dir = strdup(opts->pin_dir);
		err = x->pin_dir ? mkdir_p(x->pin_dir) : -ENOMEM;
		if (!err)
			err = pin_maps(x);
		if (err)
			goto fail;
	}
	err = edgelb_bpf__load(x->skel);
	if (err)
		goto fail;
	/* two 32-bit slots per 8-byte element: see edgelb_maps.bpf.h */
	x->n_slots = (size_t)bpf_map__max_entries(x->skel->maps.rings) * 2;
	x->slots = mmap(NULL, x->n_slots * sizeof(uint32_t), PROT_READ | PROT_WRITE, MAP_SHARED,
			bpf_map__fd(x->skel->maps.rings), 0);
	if (x->slots == MAP_FAILED) {
		x->slots = NULL;
		err = -errno;
		goto fail;
	}
	err = gp_start(&x->gp);
	if (err)
		goto fail;
	/* ring_base is a 32-bit slot number: a larger pinned array is used up to there */
	err = ring_store_new(x->n_slots > UINT32_MAX ? UINT32_MAX : (uint32_t)x->n_slots,
			     &(struct ring_grace){ .start = grace_start, .ended = grace_ended,
						   .wait = grace_wait, .arg = &x->gp },
			     &x->rs);
	if (err)
		goto fail;
	if (x->adopted)
		adopt_vips(x);
	err = write_vip_index(x);
	if (err)
		goto fail;
	*out = x;
	return 0;
fail:
	edgelb_xdp_close(x);
	return err;
}

void edgelb_xdp_close(struct edgelb_xdp *x)
{
	if (!x)
		return;
	gp_stop(&x->gp);
	ring_store_free(x->rs);
	if (x->slots)
		munmap(x->slots, x->n_slots * sizeof(uint32_t));
	/* pinned links stay attached; unpinned ones detach with their fd */
	for (int i = 0; i < x->n_links; i++)
		close(x->links[i].fd);
	edgelb_bpf__destroy(x->skel);
	free(x->pin_dir);
	free(x);
}

int edgelb_xdp_prog_fd(const struct edgelb_xdp *x)
{
	return bpf_program__fd(x->skel->progs.edgelb_xdp);
}

bool edgelb_xdp_adopted(const struct edgelb_xdp *x)
{
	return x->adopted;
}

void edgelb_xdp_sizes(const struct edgelb_xdp *x, uint32_t *flows_per_cpu, uint32_t *ring_slots)
{
	*flows_per_cpu = bpf_map__max_entries(x->skel->maps.flows) / (uint32_t)x->ncpus;
	*ring_slots = (uint32_t)x->n_slots;
}

static int update(const struct bpf_map *map, const void *key, const void *value);
static int write_link_slot(struct edgelb_xdp *x, const struct xdp_link *l);

static int link_path(const struct edgelb_xdp *x, const char *ifname, char *path, size_t len)
{
	if (!x->pin_dir)
		return -ENOENT;
	return snprintf(path, len, "%s/link-%s", x->pin_dir, ifname) >= (int)len ? -ENAMETOOLONG : 0;
}

int edgelb_xdp_attach(struct edgelb_xdp *x, const char *ifname, int ifindex, bool generic,
		      bool *replaced)
{
	LIBBPF_OPTS(bpf_link_create_opts, o, .flags = generic ? XDP_FLAGS_SKB_MODE
							      : XDP_FLAGS_DRV_MODE);
	int prog = edgelb_xdp_prog_fd(x), fd = -1, err, slot_err = 0;
	char path[4096];

	*replaced = false;
	if (x->n_links == (int)(sizeof(x->links) / sizeof(x->links[0])))
		return -ENOSPC;
	/*
	 * The slot before the program: a swapped-in program whose node config
	 * map is new (replace_stale_scratch) must not see an empty slot and
	 * drop as drop_no_config until we get to it. An adopted slot stays as
	 * the previous run wrote it until we know better.
	 */
	if (x->node_set) {
		struct xdp_link l = { .ifindex = ifindex };

		snprintf(l.ifname, sizeof(l.ifname), "%s", ifname);
		slot_err = write_link_slot(x, &l); /* reported once attached, as before */
	}
	if (!link_path(x, ifname, path, sizeof(path))) {
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			/* an earlier run's link: swap our program in, atomically */
			if (bpf_link_update(fd, prog, NULL)) {
				err = -errno;
				close(fd);
				return err;
			}
			*replaced = true;
		}
	}
	if (fd < 0) {
		fd = bpf_link_create(prog, ifindex, BPF_XDP, &o);
		if (fd < 0)
			return -errno;
		if (x->pin_dir && bpf_obj_pin(fd, path)) {
			err = -errno;
			close(fd);
			return err;
		}
	}
	snprintf(x->links[x->n_links].ifname, sizeof(x->links[0].ifname), "%s", ifname);
	x->links[x->n_links].ifindex = ifindex;
	x->links[x->n_links++].fd = fd;
	return slot_err;
}

int edgelb_xdp_detach(struct edgelb_xdp *x, const char *ifname)
{
	char path[4096];

	for (int i = 0; i < x->n_links; i++) {
		struct edgelb_node_config none = { 0 };
		uint32_t slot = (uint32_t)x->links[i].ifindex % EDGELB_NODE_SLOTS;

		if (strcmp(x->links[i].ifname, ifname))
			continue;
		update(x->skel->maps.node_config, &slot, &none);
		bpf_link_detach(x->links[i].fd);
		close(x->links[i].fd);
		x->links[i] = x->links[--x->n_links];
		if (!link_path(x, ifname, path, sizeof(path)))
			unlink(path);
		return 0;
	}
	/* not ours in this run: a pinned link of an earlier one */
	return x->pin_dir ? edgelb_xdp_unpin_link(x->pin_dir, ifname) : -ENOENT;
}

int edgelb_xdp_unpin_link(const char *pin_dir, const char *ifname)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s/link-%s", pin_dir, ifname) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0) /* only a missing pin is "nothing attached": EPERM is not */
		return errno == ENOENT ? -ENOENT : -errno;
	bpf_link_detach(fd);
	close(fd);
	return unlink(path) ? -errno : 0;
}

int edgelb_xdp_repin(struct edgelb_xdp *x)
{
	struct bpf_map *map;
	char path[4096];
	int n = 0, err;

	if (!x->pin_dir)
		return 0;
	bpf_object__for_each_map(map, x->skel->obj) {
		const char *name = bpf_map__name(map);

		if (strchr(name, '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", x->pin_dir, name);
		if (access(path, F_OK) == 0)
			continue;
		err = mkdir_p(x->pin_dir);
		if (err || bpf_obj_pin(bpf_map__fd(map), path))
			return err ? err : -errno;
		n++;
	}
	for (int i = 0; i < x->n_links; i++) {
		if (link_path(x, x->links[i].ifname, path, sizeof(path)) ||
		    access(path, F_OK) == 0)
			continue;
		if (bpf_obj_pin(x->links[i].fd, path))
			return -errno;
		n++;
	}
	return n;
}

int edgelb_xdp_unpin_all(const char *pin_dir)
{
	char path[4096];
	struct bpf_map *map;
	struct edgelb_bpf *skel = edgelb_bpf__open();

	if (!skel)
		return -errno;
	bpf_object__for_each_map(map, skel->obj) {
		if (strchr(bpf_map__name(map), '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_map__name(map));
		unlink(path);
	}
	edgelb_bpf__destroy(skel);
	return rmdir(pin_dir) && errno != ENOENT ? -errno : 0;
}

int edgelb_xdp_flows_fd(const struct edgelb_xdp *x)
{
	return bpf_map__fd(x->skel->maps.flows);
}

static int update(const struct bpf_map *map, const void *key, const void *value)
{
	return bpf_map_update_elem(bpf_map__fd(map), key, value, BPF_ANY) ? -errno : 0;
}

int edgelb_xdp_get_node_config(const struct edgelb_xdp *x, struct edgelb_node_config *cfg)
{
	int fd = bpf_map__fd(x->skel->maps.node_config);

	for (uint32_t slot = 0; slot < EDGELB_NODE_SLOTS; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, cfg))
			return -errno;
		if (cfg->ifindex)
			return 0;
	}
	return -ENOENT;
}

/*
 * The slot of an attached interface: the node config with its ifindex and
 * MAC. Without a MAC the slot stays unusable (if_mac zero: the data plane
 * drops as drop_no_config) rather than send from a wrong address.
 */
static int write_link_slot(struct edgelb_xdp *x, const struct xdp_link *l)
{
	struct edgelb_node_config c = x->node;
	uint32_t slot = (uint32_t)l->ifindex % EDGELB_NODE_SLOTS;
	int err = edgelb_if_mac(l->ifname, c.if_mac);

	if (err)
		memset(c.if_mac, 0, sizeof(c.if_mac));
	c.ifindex = (uint32_t)l->ifindex;
	return update(x->skel->maps.node_config, &slot, &c) ?: err;
}

int edgelb_xdp_set_node_config(struct edgelb_xdp *x, const struct edgelb_node_config *cfg)
{
	int err = 0;

	if (cfg->ifindex) {
		uint32_t slot = cfg->ifindex % EDGELB_NODE_SLOTS;

		return update(x->skel->maps.node_config, &slot, cfg);
	}
	x->node = *cfg;
	x->node_set = true;
	for (int i = 0; i < x->n_links; i++) {
		int e = write_link_slot(x, &x->links[i]);

		err = err ?: e;
	}
	return err;
}

/* The VIP's entry as given, pointing at the ring [base, base + size) (ring_store.h). */
static int write_vip(struct edgelb_xdp *x, uint32_t vip_id, uint32_t base, uint32_t size)
{
	struct xdp_vip *v = &x->vips[vip_id];
	struct edgelb_vip_entry e = { .key = v->key };
	int err;

	ring_store_vip_meta(&v->meta, base, size, &e.meta);
	/*
	 * Both entries before the caller's grace period starts: a packet
	 * that found the VIP by either may be reading the ring it names.
	 */
	err = update(x->skel->maps.vip_ids, &vip_id, &e);
	return err ?: update(x->skel->maps.vips, &v->key, &e.meta);
}

int edgelb_xdp_set_vip(struct edgelb_xdp *x, const struct edgelb_vip_key *key,
		       const struct edgelb_vip_meta *meta)
{
	uint32_t base, size;
	struct xdp_vip *v;
	int err;

	if (meta->vip_id >= EDGELB_MAX_VIPS)
		return -ERANGE;
	v = &x->vips[meta->vip_id];
	if (v->present && memcmp(&v->key, key, sizeof(*key))) {
		err = edgelb_xdp_del_vip(x, &v->key);
		if (err && err != -ENOENT)
			return err;
	}
	/* its summary bits before the packets can find it */
	write_summary(x, key, meta);
	*v = (struct xdp_vip){ .present = true, .key = *key, .meta = *meta };
	ring_store_live(x->rs, meta->vip_id, &base, &size);
	err = write_vip(x, meta->vip_id, base, size);
	/* a flag that went (a VIP no longer port 0) goes now */
	write_summary(x, NULL, NULL);
	return err;
}

int edgelb_xdp_del_vip(struct edgelb_xdp *x, const struct edgelb_vip_key *key)
{
	static const struct edgelb_vip_entry none;
	int err = 0;

	for (uint32_t i = 0; i < EDGELB_MAX_VIPS; i++)
		if (x->vips[i].present && !memcmp(&x->vips[i].key, key, sizeof(*key))) {
			x->vips[i].present = false;
			err = update(x->skel->maps.vip_ids, &i, &none);
		}
	if (bpf_map_delete_elem(bpf_map__fd(x->skel->maps.vips), key))
		err = err ?: -errno;
	/* its bits once no packet can find it */
	write_summary(x, NULL, NULL);
	return err;
}

int edgelb_xdp_set_backend(struct edgelb_xdp *x, uint32_t id, const struct edgelb_backend *be)
{
	static const struct edgelb_backend none;

	if (id >= EDGELB_MAX_BACKENDS)
		return -ERANGE;
	return update(x->skel->maps.backends, &id, be ? be : &none);
}

int edgelb_xdp_set_ring(struct edgelb_xdp *x, uint32_t vip_id, const uint32_t *ring, uint32_t m)
{
	uint32_t base;
	int err;

	if (vip_id >= EDGELB_MAX_VIPS || !m)
		return -ERANGE;
	/* a spare no packet reads any more (waits for that if need be) */
	err = ring_store_prepare(x->rs, vip_id, m, &base);
	if (err)
		return err;
	memcpy(x->slots + base, ring, sizeof(*ring) * m);
	atomic_thread_fence(memory_order_release);
	if (x->vips[vip_id].present) {
		err = write_vip(x, vip_id, base, m); /* the flip */
		if (err)
			return err;
	}
	return ring_store_commit(x->rs, vip_id);
}

static int percpu_sum(const struct bpf_map *map, uint32_t key, int ncpus, size_t words,
		      uint64_t *sum)
{
	uint64_t *values = calloc((size_t)ncpus * words, sizeof(uint64_t));
	int err = 0;

	if (!values)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, values)) {
		err = -errno;
		goto out;
	}
	memset(sum, 0, words * sizeof(uint64_t));
	for (int c = 0; c < ncpus; c++)
		for (size_t w = 0; w < words; w++)
			sum[w] += values[(size_t)c * words + w];
out:
	free(values);
	return err;
}

int edgelb_xdp_counter(const struct edgelb_xdp *x, enum edgelb_counter c, uint64_t *value)
{
	return percpu_sum(x->skel->maps.counters, (uint32_t)c, x->ncpus, 1, value);
}

int edgelb_xdp_vip_counters(const struct edgelb_xdp *x, uint32_t vip_id,
			    struct edgelb_counters *sum)
{
	return percpu_sum(x->skel->maps.vip_counters, vip_id, x->ncpus, 3, (uint64_t *)sum);
}

int edgelb_xdp_backend_counters(const struct edgelb_xdp *x, uint32_t id,
				struct edgelb_counters *sum)
{
	return percpu_sum(x->skel->maps.backend_counters, id, x->ncpus, 3, (uint64_t *)sum);
}

struct edgelb_bpf *edgelb_xdp_skeleton(struct edgelb_xdp *x)
{
	return x->skel;
}

/* ---- struct edgelb_dataplane_ops over the maps -------------------------- */

static int op_node(void *dp, const struct edgelb_node_config *cfg)
{
	return edgelb_xdp_set_node_config(dp, cfg);
}

static int op_set_vip(void *dp, const struct edgelb_vip_key *k, const struct edgelb_vip_meta *m)
{
	return edgelb_xdp_set_vip(dp, k, m);
}

static int op_del_vip(void *dp, const struct edgelb_vip_key *k)
{
	return edgelb_xdp_del_vip(dp, k);
}

static int op_set_backend(void *dp, uint32_t id, const struct edgelb_backend *be)
{
	return edgelb_xdp_set_backend(dp, id, be);
}

static int op_set_ring(void *dp, uint32_t vip_id, const uint32_t *ring, uint32_t m)
{
	return edgelb_xdp_set_ring(dp, vip_id, ring, m);
}

static int op_vip_counters(void *dp, uint32_t id, struct edgelb_counters *c)
{
	return edgelb_xdp_vip_counters(dp, id, c);
}

static int op_backend_counters(void *dp, uint32_t id, struct edgelb_counters *c)
{
	return edgelb_xdp_backend_counters(dp, id, c);
}

static int op_counter(void *dp, enum edgelb_counter c, uint64_t *v)
{
	return edgelb_xdp_counter(dp, c, v);
}


int edgelb_xdp_flows(const struct edgelb_xdp *x, struct edgelb_flow_key *keys,
		     struct edgelb_flow_state *states, size_t max, size_t *n)
{
	int fd = bpf_map__fd(x->skel->maps.flows);
	struct edgelb_flow_key cur, next;
	/*
	 * The table changes under the walk: a key evicted meanwhile makes
	 * get_next_key restart from the first one, so bound the steps, not
	 * only the results (a sample may then hold an entry twice).
	 */
	size_t steps = 2 * max + 16;
	bool first = true;

	*n = 0;
	while (*n < max && steps--) {
		if (bpf_map_get_next_key(fd, first ? NULL : &cur, &next)) {
			if (errno == ENOENT)
				break;
			return -errno;
		}
		first = false;
		cur = next;
		if (bpf_map_lookup_elem(fd, &cur, &states[*n])) {
			if (errno == ENOENT)
				continue; /* evicted since get_next_key */
			return -errno;
		}
		keys[(*n)++] = cur;
	}
	return 0;
}

/*
 * Entries in the flows map, counted with BPF_MAP_LOOKUP_BATCH (a few
 * thousand entries per syscall: the kernel walks the hash buckets and
 * copies keys and states out). An LRU hash keeps no count of its own, and
 * the walk costs about a microsecond per entry (docs/lbctl.8), on
 * edgelbd's loop: past limit entries it stops, and the count is
 * extrapolated from the buckets walked (the batch token is the next
 * bucket; the kernel has the next power of two of max_entries), which
 * the flow hash spreads evenly.
 */
#define XDP_FILL_CHUNK 4096

int edgelb_xdp_flow_fill(const struct edgelb_xdp *x, uint64_t limit, uint64_t *used,
			 uint64_t *capacity, bool *complete)
{
	int fd = bpf_map__fd(x->skel->maps.flows), err = 0;
	struct edgelb_flow_key *keys = calloc(XDP_FILL_CHUNK, sizeof(*keys));
	struct edgelb_flow_state *states = calloc(XDP_FILL_CHUNK, sizeof(*states));
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	__u32 token = 0;
	bool first = true;

	*used = 0;
	*complete = false;
	*capacity = bpf_map__max_entries(x->skel->maps.flows);
	if (!keys || !states) {
		err = -ENOMEM;
		goto out;
	}
	while (*used < limit) {
		__u32 n = limit - *used < XDP_FILL_CHUNK ? (__u32)(limit - *used) : XDP_FILL_CHUNK;

		/* the batch token of a hash map is a bucket index: in and out may alias */
		if (bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, states, &n, &o)) {
			*used += n;
			if (errno == ENOENT)
				*complete = true; /* the last buckets: n counts them */
			else if (errno != ENOSPC) /* ENOSPC: a bucket larger than what is left */
				err = -errno;
			break;
		}
		*used += n;
		first = false;
	}
	if (!err && !*complete && token) {
		uint64_t buckets = 1;

		while (buckets < *capacity)
			buckets <<= 1;
		*used = *used * buckets / token;
		if (*used > *capacity)
			*used = *capacity;
	}
out:
	free(keys);
	free(states);
	return err;
}

static int op_flow_fill(void *dp, uint64_t limit, uint64_t *used, uint64_t *capacity,
			bool *complete)
{
	return edgelb_xdp_flow_fill(dp, limit, used, capacity, complete);
}

static int op_flows(void *dp, struct edgelb_flow_key *keys, struct edgelb_flow_state *states,
		    size_t max, size_t *n)
{
	return edgelb_xdp_flows(dp, keys, states, max, n);
}

static int op_get_backend(void *dp, uint32_t id, struct edgelb_backend *be)
{
	struct edgelb_xdp *x = dp;

	if (id >= EDGELB_MAX_BACKENDS)
		return -ERANGE;
	return bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.backends), &id, be) ? -errno : 0;
}

static int op_get_node_config(void *dp, struct edgelb_node_config *cfg)
{
	return edgelb_xdp_get_node_config(dp, cfg);
}

const struct edgelb_dataplane_ops edgelb_xdp_ops = {
	.set_node_config = op_node,
	.set_vip = op_set_vip,
	.del_vip = op_del_vip,
	.set_backend = op_set_backend,
	.set_ring = op_set_ring,
	.vip_counters = op_vip_counters,
	.backend_counters = op_backend_counters,
	.counter = op_counter,
	.flows = op_flows,
	.flow_fill = op_flow_fill,
	.get_backend = op_get_backend,
	.get_node_config = op_get_node_config,
};

/* ---- struct edgelb_dataplane_lifecycle ---------------------------------- */

/*
 * What the kernel charges for map fd ("memlock:" of /proc/self/fdinfo:
 * for a hash, its elements with their hash and LRU nodes, the buckets and
 * the free lists), or 0 when it does not say.
 */
static uint64_t map_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* One line at start: how many flows the table holds, and what that costs. */
static void log_flow_table(const struct edgelb_xdp *x)
{
	uint32_t total = bpf_map__max_entries(x->skel->maps.flows);
	uint64_t bytes = map_memlock(bpf_map__fd(x->skel->maps.flows));
	const char *how = "the kernel's count";

	if (!bytes || !total) {
		/* an older kernel: the key and state alone, a lower bound */
		bytes = (uint64_t)total *
			(sizeof(struct edgelb_flow_key) + sizeof(struct edgelb_flow_state));
		how = "key and state only";
	}
	pr_info("xdp", "flow table: %u entries per CPU x %d CPUs = %u entries x %llu bytes "
		       "(%s) = %.1f MiB",
		total / (uint32_t)x->ncpus, x->ncpus, total,
		(unsigned long long)(total ? bytes / total : 0), how,
		(double)bytes / (1024.0 * 1024.0));
}

static int life_open(const struct edgelb_dataplane_opts *o, struct edgelb_dataplane *dp)
{
	struct edgelb_xdp_opts xo = { .flow_table_size = o->flow_table_size,
				      .pin_dir = o->pin_dir,
				      .ring_slots = o->ring_slots };
	struct edgelb_xdp *x;
	int err = edgelb_xdp_open(&xo, &x);

	if (err)
		return err;
	log_flow_table(x);
	*dp = (struct edgelb_dataplane){ .ops = &edgelb_xdp_ops, .dp = x };
	return 0;
}

static bool life_adopted(const void *dp)
{
	return edgelb_xdp_adopted(dp);
}

static void life_sizes(const void *dp, uint32_t *flows_per_cpu, uint32_t *ring_slots)
{
	edgelb_xdp_sizes(dp, flows_per_cpu, ring_slots);
}

static int life_attach(void *dp, const char *ifname, int ifindex, uint32_t flags, bool *replaced)
{
	return edgelb_xdp_attach(dp, ifname, ifindex, flags & EDGELB_DP_ATTACH_GENERIC, replaced);
}

static int life_detach(void *dp, const char *ifname)
{
	return edgelb_xdp_detach(dp, ifname);
}

static void life_close(void *dp)
{
	edgelb_xdp_close(dp);
}

static const char *life_hint(enum edgelb_dataplane_step step, int err)
{
	switch (step) {
	case EDGELB_DP_STEP_OPEN:
		return err == -EINVAL ? " (maps pinned by an incompatible edgelb or another "
					"flow_table_size? `edgelbd --cleanup` resets them, "
					"dropping every flow)"
				      : "";
	case EDGELB_DP_STEP_ATTACH:
		if (err == -EOPNOTSUPP || err == -EINVAL)
			return " (no native XDP in this driver? set dataplane.xdp_mode = "
			       "\"generic\" only if you accept the cost)";
		return err == -EBUSY ? " (another XDP program is attached)" : "";
	}
	return "";
}

const struct edgelb_dataplane_lifecycle edgelb_xdp_lifecycle = {
	.name = "xdp",
	.tables = "maps",
	.created = "created and pinned",
	.open = life_open,
	.adopted = life_adopted,
	.sizes = life_sizes,
	.attach = life_attach,
	.detach = life_detach,
	.close = life_close,
	.remove_attachment = edgelb_xdp_unpin_link,
	.remove_tables = edgelb_xdp_unpin_all,
	.hint = life_hint,
};
