/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * edgelbd's VRRP instances: one per entry of the config's vrrp list, each
 * the pure state machine (fsm.h) driven by edgelbd's loop: a raw socket
 * (io.h) to multicast or to the configured unicast peers, a timer re-armed
 * to vrrp_fsm_next_deadline(), the VIPs added on MASTER and removed
 * otherwise (addr.h), GARP / unsolicited NA bursts (garp.h), notify
 * programs spawned without waiting (reaped through a pidfd in the loop).
 *
 * Per DESIGN.md principle 3 nothing here touches the data plane: the
 * balancer forwards VIP traffic in every state; VRRP moves only the
 * ownership of the addresses.
 */
#ifndef EDGELB_VRRP_INSTANCE_H
#define EDGELB_VRRP_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct edgelb_config;
struct edgelb_nl;
struct edgelb_state_section;
struct loop;
struct vrrp_instances;
struct json_object;
struct ctl_request;

/*
 * What the instances get from edgelbd, and all they reach of it: its
 * loop, its netlink caches (links and addresses), and two questions.
 */
struct vrrp_deps {
	struct loop *loop;
	struct edgelb_nl *nl; /* NULL: every interface counts as missing */
	/*
	 * How many backends of service take new connections (up by their
	 * checks and not drained); 0 for a service that does not exist.
	 */
	size_t (*service_healthy)(void *arg, const char *service);
	/*
	 * Write the state file now (the "vrrp" section changed: handover,
	 * release, maintenance); 0 or a negative errno, logged by the callee.
	 */
	int (*persist)(void *arg);
	void *arg;
};

/*
 * An empty set of instances on deps (copied). Before the state file is
 * read: register vrrp_instances_state_section() with it, so that a
 * maintenance or handover set before a restart holds from the first
 * advert. Returns 0 or -ENOMEM.
 */
int vrrp_instances_new(const struct vrrp_deps *deps, struct vrrp_instances **out);

/* The "vrrp" section of the state file (vrrp/saved.h), owned by vs. */
void vrrp_instances_state_section(struct vrrp_instances *vs, struct edgelb_state_section *out);

/*
 * Start an instance for every entry of cfg->vrrp (none: nothing runs). An
 * instance whose interface or source address is not there yet retries
 * every second. Returns 0 or -errno (out of memory, loop, sockets).
 */
int vrrp_instances_start(struct vrrp_instances *vs, const struct edgelb_config *cfg);

/*
 * Follow a new config (reload): instances whose settings changed are
 * restarted (a master resigns first), removed ones stopped, new ones
 * started, unchanged ones keep running (notify and garp settings taken
 * over in place). Returns 0 or -errno.
 */
int vrrp_instances_apply(struct vrrp_instances *vs, const struct edgelb_config *cfg);

/*
 * Something tracking watches may have changed (a link, a backend's health
 * or drain, a track script): recompute every instance's priority and
 * fault, sync groups included, and act on it. Cheap; call freely.
 */
void vrrp_instances_track(struct vrrp_instances *vs);

/*
 * Shut every instance down: a master sends priority 0 and keeps its VIPs
 * until its successor advertises (blocking, at most one
 * Master_Down_Interval or 5 s), so nothing sent to them goes unanswered;
 * then the VIPs go, the stop notify programs run, vs is freed. NULL is
 * fine.
 */
void vrrp_instances_stop(struct vrrp_instances *vs);

struct vrrp_instance_status {
	const char *name;
	const char *interface;
	uint8_t vrid;
	uint8_t version;
	uint8_t family;		/* EDGELB_AF_INET / EDGELB_AF_INET6 */
	const char *state;	/* "INIT", "BACKUP", "MASTER", "FAULT", "STOP" */
	uint8_t priority;	/* effective */
	uint8_t config_priority;
	uint16_t advert_int_cs;
	bool master_known;	/* BACKUP: master_addr holds the master's address */
	uint8_t master_addr[16];
	bool held;		/* handover: no preemption until released */
	bool maintenance;
	bool vips_held;		/* we hold the VIPs on the interface */
	uint64_t since_ms;	/* loop_now_ms() of the last state change */
	uint32_t transitions;
	uint64_t rx, tx, rx_rejected;
	const char *error;	/* why it is not running, or NULL */
};

size_t vrrp_instances_count(const struct vrrp_instances *vs);
/* Status of the i-th instance (config order); -ENOENT past the end. */
int vrrp_instances_status(const struct vrrp_instances *vs, size_t i,
			  struct vrrp_instance_status *st);
/* Reject counters of the i-th instance: calls cb for every reason > 0. */
void vrrp_instances_rejects(const struct vrrp_instances *vs, size_t i,
			    void (*cb)(void *arg, const char *reason, uint64_t n), void *arg);

/*
 * Operator commands; name NULL or "" = every instance (a name reaches its
 * sync group too). Return the number of instances affected, -ENOENT (no
 * such instance), or -EIO: done, but the state file could not be written,
 * so a restart of edgelbd would forget it.
 */
int vrrp_instance_handover(struct vrrp_instances *vs, const char *name);
int vrrp_instance_release(struct vrrp_instances *vs, const char *name);
int vrrp_instances_maintenance(struct vrrp_instances *vs, bool on);

/* The control socket's vrrp.* commands; arg is the vrrp_instances (ctl.h). */
struct json_object *vrrp_instances_ctl(void *arg, const struct ctl_request *req);

#endif /* EDGELB_VRRP_INSTANCE_H */
