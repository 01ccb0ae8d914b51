/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VRRP state machine of one virtual router (RFC 5798 §6.4; VRRPv2
 * timers of RFC 3768 §6.1 for keepalived v2 peers).
 *
 * Pure code: no I/O, no clock, no globals. Callers pass the time
 * (milliseconds of any monotonic clock) and the decoded advert fields; each
 * input returns the actions the caller must carry out (send an advert, take
 * or drop the VIPs, run a notify script). The unit tests drive it with a
 * fake clock.
 *
 *            start, prio 255 ------------------------------> MASTER
 *   INITIALIZE  start, prio < 255 ---> BACKUP
 *   BACKUP   --- Master_Down_Timer fires (no advert, or prio 0 + skew) --> MASTER
 *   MASTER   --- advert: higher prio, or equal prio and higher address --> BACKUP
 *   MASTER, BACKUP --- fault(true) ---> FAULT --- fault(false) ---> as start
 *   any      --- shutdown ---> STOPPED (RFC "Initialize"; start again allowed)
 *
 * A master leaving MASTER for any reason (shutdown, fault, handover,
 * maintenance) sends an advert with priority 0, so that the backup takes
 * over after its Skew_Time rather than after Master_Down_Interval. So
 * does one preempted by a higher advert (not in the RFC): a master that
 * hears priority 0 from another node, or a lower master, knows the
 * neighbours may have learnt the VIPs elsewhere and announces them again
 * (reassert), which heals a split brain whichever advert crosses first.
 *
 * Beyond the RFC (keepalived's options, issue 7):
 *  - preempt = false: a backup of higher priority accepts a live master of
 *    lower priority (it takes over only when that master goes silent).
 *  - preempt_delay_ms: with preempt, a backup that sees a lower-priority
 *    master accepts it for that long (from the first such advert) before it
 *    starts preempting as the RFC says.
 *  - handover: a master resigns (priority 0 advert) and, like any node in
 *    handover, does not preempt until vrrp_fsm_release(). It still takes
 *    over if the new master goes silent: the VIPs must have an owner.
 *  - maintenance: the node leaves MASTER (priority 0 advert) and never
 *    becomes master while it lasts, even if the peer goes silent.
 *
 * Per DESIGN.md principle 3 the data plane forwards VIP traffic in every
 * state; these decisions move only the ownership of the addresses (who
 * holds them and answers ARP/ND), so dropping the VIPs loses no packet.
 */
#ifndef EDGELB_VRRP_FSM_H
#define EDGELB_VRRP_FSM_H

#include <stdbool.h>
#include <stdint.h>

enum vrrp_state {
	VRRP_STATE_INITIALIZE = 0,
	VRRP_STATE_BACKUP,
	VRRP_STATE_MASTER,
	VRRP_STATE_FAULT,
	VRRP_STATE_STOPPED,
};

#define VRRP_PRIO_OWNER 255	/* the address owner (RFC 5798 §5.2.4) */
#define VRRP_PRIO_RESIGN 0	/* "stop participating" (RFC 5798 §5.2.4) */

struct vrrp_fsm_config {
	uint8_t vrid;		   /* 1..255 */
	uint8_t priority;	   /* 1..255; 255 = address owner */
	uint16_t advert_int_cs;	   /* v3: 1..4095 cs; v2: whole seconds, 100..25500 cs */
	bool preempt;
	uint32_t preempt_delay_ms; /* only with preempt */
	bool accept_mode;
	uint8_t version;	   /* 2 or 3 */
};

struct vrrp_fsm {
	struct vrrp_fsm_config cfg;
	enum vrrp_state state;
	uint8_t priority;		/* effective (tracking), 1..255 */
	uint16_t master_adver_int_cs;	/* v3: learnt from the master */
	uint64_t adver_at;		/* MASTER: next advert; else UINT64_MAX */
	uint64_t master_down_at;	/* BACKUP: takeover; else UINT64_MAX */
	uint64_t master_down_armed_ms;	/* ... that long after it was last armed */
	uint64_t preempt_at;		/* preempt_delay running: may preempt from then */
	uint64_t reassert_after;	/* MASTER: no split-brain re-assertion before */
	bool fault;			/* tracking says broken (held across stop) */
	bool held;			/* handover: no preemption until release */
	bool maintenance;		/* never MASTER */
	uint32_t transitions;		/* state changes since init */
	uint64_t rx_adverts;		/* adverts fed in, whatever became of them */
	uint64_t rx_discarded;		/* of those, ignored by the rules below */
};

/*
 * What the caller must do after an input, in this order: drop the VIPs
 * (become_backup), or take them (become_master: add the VIPs, then the
 * GARP / unsolicited NA burst), send one advert carrying advert_priority,
 * then run the notify script for the new state.
 */
struct vrrp_fsm_actions {
	bool send_advert;
	uint8_t advert_priority;	/* 0 when resigning */
	bool become_master;		/* add VIPs, GARP/NA burst */
	bool become_backup;		/* remove VIPs (left MASTER, or entered BACKUP) */
	bool reassert;			/* still MASTER: GARP/NA burst again (split brain healed) */
	const char *notify;		/* name of the new state, or NULL if unchanged */
	bool master_down;		/* the Master_Down_Timer fired (no master heard) ... */
	uint64_t master_down_late_ms;	/* ... this long after its deadline (the loop's delay) */
	uint64_t master_down_waited_ms; /* ... armed for this long: the master down interval,
					 * or the skew time after a priority-0 advert */
};

/* Check a configuration. Returns 0, or -EINVAL (reason in err, if given). */
int vrrp_fsm_config_check(const struct vrrp_fsm_config *cfg, char *err, unsigned int errlen);

/*
 * Set up f in INITIALIZE from cfg (copied). Returns 0, or -EINVAL as
 * vrrp_fsm_config_check() (f is then untouched).
 */
int vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_config *cfg);

/* "BACKUP", "MASTER", ... (keepalived's notify names); never NULL. */
const char *vrrp_fsm_state_name(enum vrrp_state s);

/* Startup event (RFC 5798 §6.4.1), from INITIALIZE or STOPPED. */
struct vrrp_fsm_actions vrrp_fsm_start(struct vrrp_fsm *f, uint64_t now);

/*
 * A valid advert of this VRID (the packet layer has checked it). prio is
 * the advert's priority, advert_int_cs its Max Adver Int (v2: seconds
 * × 100), src_addr_cmp > 0 if the sender's primary address is higher than
 * ours, < 0 if lower.
 */
struct vrrp_fsm_actions vrrp_fsm_advert_received(struct vrrp_fsm *f, uint64_t now, uint8_t prio,
						 uint16_t advert_int_cs, int src_addr_cmp);

/* Call when now >= vrrp_fsm_next_deadline(f); harmless earlier. */
struct vrrp_fsm_actions vrrp_fsm_timer(struct vrrp_fsm *f, uint64_t now);

/* Absolute time (ms) of the next timer, or UINT64_MAX if none runs. */
uint64_t vrrp_fsm_next_deadline(const struct vrrp_fsm *f);

/* Shutdown event (RFC 5798 §6.4.2/§6.4.3): to STOPPED. */
struct vrrp_fsm_actions vrrp_fsm_shutdown(struct vrrp_fsm *f, uint64_t now);

/* Tracking changed the effective priority (clamped to 1..255). */
struct vrrp_fsm_actions vrrp_fsm_set_priority(struct vrrp_fsm *f, uint64_t now, uint8_t prio);

/* Tracking: an interface (or the like) went down (true) or back up. */
struct vrrp_fsm_actions vrrp_fsm_fault(struct vrrp_fsm *f, uint64_t now, bool fault);

/* Graceful handover: resign if master, then do not preempt until release. */
struct vrrp_fsm_actions vrrp_fsm_handover(struct vrrp_fsm *f, uint64_t now);
struct vrrp_fsm_actions vrrp_fsm_release(struct vrrp_fsm *f, uint64_t now);

/*
 * Sync groups: a master whose group partner went to BACKUP resigns too
 * (priority 0 advert, then BACKUP with the normal Master_Down_Timer and
 * no hold: it preempts again if its priority says so). Else nothing.
 */
struct vrrp_fsm_actions vrrp_fsm_resign(struct vrrp_fsm *f, uint64_t now);

/* Maintenance on: resign if master and never become master; off: resume. */
struct vrrp_fsm_actions vrrp_fsm_maintenance(struct vrrp_fsm *f, uint64_t now, bool on);

/*
 * Whether packets addressed to the VIPs themselves (not the balanced
 * services, which the data plane forwards in every state) should be
 * accepted: MASTER and (accept_mode or address owner), RFC 5798 §6.4.3.
 */
bool vrrp_fsm_accepts(const struct vrrp_fsm *f);

/* Master_Down_Interval and Skew_Time (ms) for the current priority and interval. */
uint64_t vrrp_fsm_skew_ms(const struct vrrp_fsm *f);
uint64_t vrrp_fsm_master_down_ms(const struct vrrp_fsm *f);

#endif
