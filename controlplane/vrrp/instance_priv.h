/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside edgelbd's VRRP instances (instance.h): the structures shared by
 * instance.c (life cycle, actions, adverts), instance_track.c (tracking,
 * sync groups, track scripts) and instance_ctl.c (the control socket's
 * vrrp.* commands). Not for anyone else.
 */
#ifndef EDGELB_VRRP_INSTANCE_PRIV_H
#define EDGELB_VRRP_INSTANCE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <net/if.h>

#include "abi.h"
#include "config.h"
#include "fsm.h"
#include "garp.h"
#include "instance.h"
#include "saved.h"
#include "packet.h"
#include "track.h"

struct loop_timer;
struct vrrp_addr_sock;
struct vrrp_io;
struct vrrp_track_script;

/* Our own reasons for refusing a packet that parsed. */
enum vrrp_local_reject {
	VRRP_LREJ_VRID = 0, /* another virtual router */
	VRRP_LREJ_VERSION,  /* not our VRRP version */
	VRRP_LREJ_AUTH,	    /* v2 password mismatch */
	VRRP_LREJ_OWN,	    /* our own advert looped back */
	VRRP_LREJ_PEER,	    /* unicast: not from a configured peer */
	VRRP_LREJ_MAX,
};



struct vrrp_child {
	struct vrrp_child *next;
	struct vrrp_instances *vs;
	pid_t pid;
	int pidfd;
};

/* The settings an instance runs with: a copy of its config entry. */
struct vrrp_settings {
	char *name, *interface, *auth_pass;
	char *notify_master, *notify_backup, *notify_fault, *notify_stop;
	uint8_t vrid, version, priority, family;
	uint16_t advert_int_cs;
	bool preempt, accept, use_vmac;
	uint32_t preempt_delay_ms;
	struct edgelb_config_addr unicast_src;
	struct edgelb_config_addr *peers;
	size_t n_peers;
	struct edgelb_config_addr *vips;
	size_t n_vips;
	uint32_t garp_count, garp_interval_ms, garp_refresh_ms;
	struct edgelb_config_track_interface *t_ifaces; /* names owned here */
	size_t n_t_ifaces;
	struct edgelb_config_track_service *t_svcs;	 /* names owned here */
	size_t n_t_svcs;
	char *sync_group;
};

/* A running track script and what it was started from (reload keeps it). */
struct vrrp_script_slot {
	struct vrrp_track_script *run;
	char *sig; /* argv, interval and timeout: equal = the same script */
	int16_t weight;
};

struct vrrp_instance {
	struct vrrp_instances *vs;
	struct vrrp_settings s;
	char tag[96]; /* log prefix "vrrp[NAME/VRID]" */
	struct vrrp_fsm fsm;
	struct vrrp_io *io;
	int ifindex;	  /* the configured interface: adverts arrive there */
	int vip_ifindex;  /* where the VIPs go and GARP / NA leave: it, or the vmac */
	uint8_t mac[6];	  /* source of GARP / NA: its MAC, or the virtual MAC */
	char vmac_name[IFNAMSIZ]; /* use_vmac: the macvlan (vmac.h); "" = none */
	union edgelb_addr src;
	struct vrrp_vip *garp_vips;
	struct loop_timer *timer;      /* fsm deadline, or retry of the setup */
	struct loop_timer *garp_timer; /* burst pacing and refresh */
	uint32_t garp_left;
	bool running;		       /* io open, fsm started */
	bool vips_held;
	bool master_known;
	union edgelb_addr master_addr;
	uint64_t since_ms;
	uint64_t rx, tx;
	uint64_t rej[VRRP_REJECT_MAX];
	uint64_t lrej[VRRP_LREJ_MAX];
	char error[128];
	unsigned int soon_retries; /* setup retries at VRRP_RETRY_SOON_MS so far */
	/* tracking (track.h): interfaces, services, scripts in this order */
	struct vrrp_script_slot *scripts;
	size_t n_scripts;
	struct vrrp_track_obj *tobjs;
	size_t n_tobjs;
	struct vrrp_track_result track;
	bool group_fault;	/* a sync-group partner is in fault */
	enum vrrp_state last_state;
	/*
	 * After a voluntary resign (handover, maintenance, stop, sync group)
	 * the VIPs stay until the new master's advert shows it has them, so
	 * that nothing addressed to the VIPs themselves goes unanswered in
	 * between; at the latest after Master_Down_Interval.
	 */
	bool lingering;
	bool linger_peer_seen;
	struct loop_timer *linger_timer;
};

struct vrrp_instances {
	struct vrrp_deps deps; /* what edgelbd gave us (instance.h) */
	struct vrrp_addr_sock *addr;
	struct vrrp_instance **v;
	size_t n;
	struct vrrp_child *children;
	struct vrrp_saved saved; /* maintenance and handovers, kept across restarts */
	bool tracking; /* inside vrrp_instances_track(): no re-entry */
	int garp_fd;   /* one AF_PACKET socket for every burst (garp.h) */
};

/*
 * Calls go one way: instance.c uses instance_track.c, instance_ctl.c uses
 * instance.c; nothing calls back.
 */

/* instance.c */
const char *vrrp_addr_str(uint8_t family, const void *a, char *buf, size_t len);

/* instance_track.c */
bool vrrp_same_group(const struct vrrp_instance *a, const struct vrrp_instance *b);
/*
 * Every instance's tracked objects gathered and evaluated into its
 * ->track (sync groups weighed together) and ->group_fault; acts on
 * nothing.
 */
void vrrp_track_gather(struct vrrp_instances *vs);
/* Run c's track scripts; changed(in) is called when one's result changes. */
int vrrp_scripts_follow(struct vrrp_instance *in, const struct edgelb_config_vrrp *c,
			void (*changed)(void *arg));
void vrrp_scripts_free(struct vrrp_script_slot *v, size_t n);

#endif /* EDGELB_VRRP_INSTANCE_PRIV_H */
