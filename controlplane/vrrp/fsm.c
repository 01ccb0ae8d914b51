// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VRRP state machine (fsm.h): RFC 5798 §6.4, with RFC 3768 timers for
 * version 2. Each rule cites the section it implements; rules that go
 * beyond the RFC (preempt_delay, handover, maintenance, fault) say so.
 */
#include "vrrp/fsm.h"

#include <errno.h>
#include <stdio.h>

static const char *const state_names[] = {
	[VRRP_STATE_INITIALIZE] = "INIT",
	[VRRP_STATE_BACKUP] = "BACKUP",
	[VRRP_STATE_MASTER] = "MASTER",
	[VRRP_STATE_FAULT] = "FAULT",
	[VRRP_STATE_STOPPED] = "STOP",
};

const char *vrrp_fsm_state_name(enum vrrp_state s)
{
	if ((unsigned int)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "UNKNOWN";
	return state_names[s];
}

int vrrp_fsm_config_check(const struct vrrp_fsm_config *cfg, char *err, unsigned int errlen)
{
	const char *why = NULL;

	if (cfg->vrid == 0)
		why = "vrid must be 1..255";
	else if (cfg->priority == 0)
		why = "priority must be 1..255";
	else if (cfg->version != 2 && cfg->version != 3)
		why = "version must be 2 or 3";
	/* RFC 5798 §5.2.7: 12-bit Max Adver Int in centiseconds. */
	else if (cfg->version == 3 && (cfg->advert_int_cs < 1 || cfg->advert_int_cs > 4095))
		why = "advert_int must be 10 ms..40.95 s for VRRPv3";
	/* RFC 3768 §5.3.7: 8-bit Adver Int in whole seconds. */
	else if (cfg->version == 2 && (cfg->advert_int_cs < 100 || cfg->advert_int_cs > 25500 ||
				       cfg->advert_int_cs % 100 != 0))
		why = "advert_int must be whole seconds 1..255 for VRRPv2";
	if (!why)
		return 0;
	if (err && errlen)
		snprintf(err, errlen, "%s", why);
	return -EINVAL;
}

int vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_config *cfg)
{
	int ret = vrrp_fsm_config_check(cfg, NULL, 0);

	if (ret)
		return ret;
	*f = (struct vrrp_fsm){
		.cfg = *cfg,
		.state = VRRP_STATE_INITIALIZE,
		.priority = cfg->priority,
		.master_adver_int_cs = cfg->advert_int_cs,
		.adver_at = UINT64_MAX,
		.master_down_at = UINT64_MAX,
		.preempt_at = UINT64_MAX,
	};
	return 0;
}

/* ---- timers ------------------------------------------------------------ */

static uint64_t advert_ms(const struct vrrp_fsm *f)
{
	return (uint64_t)f->cfg.advert_int_cs * 10;
}

/*
 * v3, RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval)
 * / 256 centiseconds. Computed in milliseconds rather than truncated to
 * centiseconds: with 10 ms adverts the centisecond value is 0 for every
 * priority above 0, and two backups would fire together.
 * v2, RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds, whatever
 * the advert interval.
 */
uint64_t vrrp_fsm_skew_ms(const struct vrrp_fsm *f)
{
	uint64_t weight = 256 - (uint64_t)f->priority;

	if (f->cfg.version == 2)
		return weight * 1000 / 256;
	return weight * f->master_adver_int_cs * 10 / 256;
}

/*
 * RFC 5798 §6.1: Master_Down_Interval = 3 * Master_Adver_Interval +
 * Skew_Time; RFC 3768 §6.1 the same with the configured Advertisement_Interval
 * (v2 does not learn the master's interval: a mismatch is discarded).
 */
uint64_t vrrp_fsm_master_down_ms(const struct vrrp_fsm *f)
{
	uint64_t mai_cs = f->cfg.version == 2 ? f->cfg.advert_int_cs : f->master_adver_int_cs;

	return 3 * mai_cs * 10 + vrrp_fsm_skew_ms(f);
}

uint64_t vrrp_fsm_next_deadline(const struct vrrp_fsm *f)
{
	return f->adver_at < f->master_down_at ? f->adver_at : f->master_down_at;
}

/* ---- transitions ------------------------------------------------------- */

static void set_state(struct vrrp_fsm *f, enum vrrp_state s, struct vrrp_fsm_actions *a)
{
	if (s == f->state)
		return;
	f->state = s;
	f->transitions++;
	a->notify = vrrp_fsm_state_name(s);
}

static void send_advert(struct vrrp_fsm_actions *a, uint8_t prio)
{
	a->send_advert = true;
	a->advert_priority = prio;
}

static void stop_timers(struct vrrp_fsm *f)
{
	f->adver_at = UINT64_MAX;
	f->master_down_at = UINT64_MAX;
	f->preempt_at = UINT64_MAX;
}

/*
 * To MASTER (RFC 5798 §6.4.1 owner startup, §6.4.2 Master_Down_Timer):
 * send an ADVERTISEMENT, broadcast gratuitous ARP / unsolicited NA (the
 * caller's become_master), set the Adver_Timer to Advertisement_Interval.
 */
static void to_master(struct vrrp_fsm *f, uint64_t now, struct vrrp_fsm_actions *a)
{
	stop_timers(f);
	f->adver_at = now + advert_ms(f);
	send_advert(a, f->priority);
	a->become_master = true;
	a->become_backup = false;
	set_state(f, VRRP_STATE_MASTER, a);
}

/* (Re)arm the Master_Down_Timer, unless maintenance forbids taking over. */
static void arm_master_down(struct vrrp_fsm *f, uint64_t now, uint64_t after_ms)
{
	f->master_down_at = f->maintenance ? UINT64_MAX : now + after_ms;
	f->master_down_armed_ms = after_ms;
}

/*
 * To BACKUP (RFC 5798 §6.4.1 startup, §6.4.3 preempted): set the
 * Master_Down_Timer to Master_Down_Interval. The VIPs go (idempotent if
 * they were not held).
 */
static void to_backup(struct vrrp_fsm *f, uint64_t now, struct vrrp_fsm_actions *a)
{
	stop_timers(f);
	arm_master_down(f, now, vrrp_fsm_master_down_ms(f));
	a->become_backup = true;
	a->become_master = false;
	set_state(f, VRRP_STATE_BACKUP, a);
}

/*
 * Leaving MASTER other than by being preempted (RFC 5798 §6.4.3 Shutdown,
 * and by extension fault, handover and maintenance): cancel the
 * Adver_Timer and send an ADVERTISEMENT with priority 0, so the backup
 * takes over after Skew_Time (§6.4.2) instead of Master_Down_Interval.
 */
static void resign(struct vrrp_fsm *f, struct vrrp_fsm_actions *a)
{
	if (f->state != VRRP_STATE_MASTER)
		return;
	f->adver_at = UINT64_MAX;
	send_advert(a, VRRP_PRIO_RESIGN);
	a->become_backup = true;
}

/* RFC 5798 §6.4.1: the Startup event in Initialize. */
static void startup(struct vrrp_fsm *f, uint64_t now, struct vrrp_fsm_actions *a)
{
	/* Interface tracking: a broken node waits in FAULT (not in the RFC). */
	if (f->fault) {
		stop_timers(f);
		set_state(f, VRRP_STATE_FAULT, a);
		return;
	}
	/*
	 * "If the Priority = 255": the address owner becomes master at once.
	 * Not in handover or maintenance: those promised not to take over.
	 */
	if (f->priority == VRRP_PRIO_OWNER && !f->held && !f->maintenance) {
		to_master(f, now, a);
		return;
	}
	/* "Set Master_Adver_Interval to Advertisement_Interval". */
	f->master_adver_int_cs = f->cfg.advert_int_cs;
	to_backup(f, now, a);
}

struct vrrp_fsm_actions vrrp_fsm_start(struct vrrp_fsm *f, uint64_t now)
{
	struct vrrp_fsm_actions a = {0};

	if (f->state == VRRP_STATE_INITIALIZE || f->state == VRRP_STATE_STOPPED)
		startup(f, now, &a);
	return a;
}

/* ---- adverts ----------------------------------------------------------- */

/*
 * Whether a backup with preempt accepts a lower-priority master anyway,
 * because the preempt_delay (keepalived's option, not in the RFC) has not
 * run out. The delay runs from the first such advert.
 */
static bool preempt_delayed(struct vrrp_fsm *f, uint64_t now)
{
	if (!f->cfg.preempt_delay_ms)
		return false;
	if (f->preempt_at == UINT64_MAX)
		f->preempt_at = now + f->cfg.preempt_delay_ms;
	return now < f->preempt_at;
}

static void backup_rx(struct vrrp_fsm *f, uint64_t now, uint8_t prio, uint16_t advert_int_cs,
		      struct vrrp_fsm_actions *a)
{
	bool accept;

	(void)a;
	/* §6.4.2: "If the Priority in the ADVERTISEMENT is zero, then: Set
	 * the Master_Down_Timer to Skew_Time". */
	if (prio == VRRP_PRIO_RESIGN) {
		arm_master_down(f, now, vrrp_fsm_skew_ms(f));
		return;
	}
	/*
	 * §6.4.2: "If Preempt_Mode is False, or if the Priority in the
	 * ADVERTISEMENT is greater than or equal to the local Priority"
	 * the master is accepted; otherwise "Discard the ADVERTISEMENT", so
	 * the Master_Down_Timer runs out and this node preempts. Handover
	 * and a running preempt_delay act as Preempt_Mode False.
	 */
	if (prio >= f->priority) {
		f->preempt_at = UINT64_MAX; /* a lower master is gone */
		accept = true;
	} else {
		accept = !f->cfg.preempt || f->held || preempt_delayed(f, now);
	}
	if (!accept) {
		f->rx_discarded++;
		return;
	}
	/* "Set Master_Adver_Interval to Adver Interval contained in the
	 * ADVERTISEMENT" (v3 only; RFC 3768 has no such learning), then
	 * "Recompute the Master_Down_Interval" and reset the timer to it. */
	if (f->cfg.version == 3)
		f->master_adver_int_cs = advert_int_cs;
	arm_master_down(f, now, vrrp_fsm_master_down_ms(f));
}

static void master_rx(struct vrrp_fsm *f, uint64_t now, uint8_t prio, uint16_t advert_int_cs,
		      int src_addr_cmp, struct vrrp_fsm_actions *a)
{
	/* §6.4.3: "If the Priority in the ADVERTISEMENT is zero, then: Send
	 * an ADVERTISEMENT; Reset the Adver_Timer to Advertisement_Interval".
	 * Another node that was master, too, has stepped down (below): the
	 * neighbours may have learnt the VIPs at it, so announce them again. */
	if (prio == VRRP_PRIO_RESIGN) {
		send_advert(a, f->priority);
		f->adver_at = now + advert_ms(f);
		if (src_addr_cmp != 0 && now >= f->reassert_after) {
			f->reassert_after = now + vrrp_fsm_master_down_ms(f);
			a->reassert = true;
		}
		return;
	}
	/*
	 * §6.4.3: "If the Priority in the ADVERTISEMENT is greater than the
	 * local Priority, or the Priority in the ADVERTISEMENT is equal to
	 * the local Priority and the primary IPvX Address of the sender is
	 * greater than the local primary IPvX Address", then cancel the
	 * Adver_Timer, learn Master_Adver_Interval (v3), set the
	 * Master_Down_Timer to Master_Down_Interval, go to Backup.
	 */
	if (prio > f->priority || (prio == f->priority && src_addr_cmp > 0)) {
		if (f->cfg.version == 3)
			f->master_adver_int_cs = advert_int_cs;
		/*
		 * Beyond the RFC: say so with a priority-0 advert. After a
		 * healed split brain the winner may never hear us otherwise
		 * (its advert reached us first), and it must learn that we
		 * were master too, to announce the VIPs again (above).
		 */
		send_advert(a, VRRP_PRIO_RESIGN);
		to_backup(f, now, a);
		return;
	}
	/*
	 * §6.4.3 "Otherwise: Discard the ADVERTISEMENT". A lower advert
	 * reaching a master means another node is master too: a healed split
	 * brain. Beyond the RFC (as keepalived does), advertise at once, so
	 * the other node goes backup now instead of at our next scheduled
	 * advert, and send the GARP / NA burst again: while split, clients
	 * and switches may have learnt the VIPs at the other node. Once per
	 * Master_Down_Interval at most, in case that node never listens
	 * (wrong password, other version): we must not burst at its rate.
	 */
	f->rx_discarded++;
	if (src_addr_cmp == 0 || now < f->reassert_after)
		return; /* our own advert looped back; or asserted just now */
	f->reassert_after = now + vrrp_fsm_master_down_ms(f);
	send_advert(a, f->priority);
	f->adver_at = now + advert_ms(f);
	a->reassert = true;
}

struct vrrp_fsm_actions vrrp_fsm_advert_received(struct vrrp_fsm *f, uint64_t now, uint8_t prio,
						 uint16_t advert_int_cs, int src_addr_cmp)
{
	struct vrrp_fsm_actions a = {0};

	f->rx_adverts++;
	/* RFC 3768 §7.1: "if the Adver Interval in the packet does not
	 * match the locally configured ... MUST discard the packet". */
	if (f->cfg.version == 2 && advert_int_cs != f->cfg.advert_int_cs) {
		f->rx_discarded++;
		return a;
	}
	/* RFC 5798 §5.2.7 allows no zero interval; it would zero the timers. */
	if (f->cfg.version == 3 && advert_int_cs == 0) {
		f->rx_discarded++;
		return a;
	}
	switch (f->state) {
	case VRRP_STATE_BACKUP:
		backup_rx(f, now, prio, advert_int_cs, &a);
		break;
	case VRRP_STATE_MASTER:
		master_rx(f, now, prio, advert_int_cs, src_addr_cmp, &a);
		break;
	default:
		/* Initialize (§6.4.1) has no advert event; FAULT/STOPPED neither. */
		f->rx_discarded++;
		break;
	}
	return a;
}

/* ---- timers fire ------------------------------------------------------- */

struct vrrp_fsm_actions vrrp_fsm_timer(struct vrrp_fsm *f, uint64_t now)
{
	struct vrrp_fsm_actions a = {0};

	switch (f->state) {
	case VRRP_STATE_MASTER:
		/* §6.4.3: "If the Adver_Timer fires, then: Send an
		 * ADVERTISEMENT; Reset the Adver_Timer to Advertisement_Interval". */
		if (now >= f->adver_at) {
			send_advert(&a, f->priority);
			f->adver_at = now + advert_ms(f);
		}
		break;
	case VRRP_STATE_BACKUP:
		/* §6.4.2: "If the Master_Down_Timer fires, then" become master. */
		if (now >= f->master_down_at) {
			a.master_down = true;
			a.master_down_late_ms = now - f->master_down_at;
			a.master_down_waited_ms = f->master_down_armed_ms;
			to_master(f, now, &a);
		}
		break;
	default:
		break;
	}
	return a;
}

/* ---- operator and tracking inputs -------------------------------------- */

struct vrrp_fsm_actions vrrp_fsm_shutdown(struct vrrp_fsm *f, uint64_t now)
{
	struct vrrp_fsm_actions a = {0};

	(void)now;
	/* §6.4.3 Shutdown from Master: priority-0 advert; §6.4.2 from
	 * Backup: "Cancel the Master_Down_Timer". Both to Initialize, which
	 * edgelb calls STOPPED (keepalived's notify "STOP"). */
	resign(f, &a);
	stop_timers(f);
	set_state(f, VRRP_STATE_STOPPED, &a);
	return a;
}

struct vrrp_fsm_actions vrrp_fsm_set_priority(struct vrrp_fsm *f, uint64_t now, uint8_t prio)
{
	struct vrrp_fsm_actions a = {0};

	if (prio == VRRP_PRIO_RESIGN)
		prio = 1; /* 0 is "resigning" on the wire, never a priority */
	if (prio == f->priority)
		return a;
	f->priority = prio;
	/*
	 * Not in the RFC (its priority is static): a master tells the peers
	 * its new priority at once, so a preempting backup of now higher
	 * priority starts discarding our adverts one interval sooner. A
	 * backup's new Skew_Time applies from the next timer reset.
	 */
	if (f->state == VRRP_STATE_MASTER) {
		send_advert(&a, f->priority);
		f->adver_at = now + advert_ms(f);
	}
	return a;
}

struct vrrp_fsm_actions vrrp_fsm_fault(struct vrrp_fsm *f, uint64_t now, bool fault)
{
	struct vrrp_fsm_actions a = {0};

	if (fault == f->fault)
		return a;
	f->fault = fault;
	if (fault) {
		/* Like keepalived: a master that loses a tracked interface
		 * resigns; a backup stops its timer, it could not serve. */
		if (f->state == VRRP_STATE_MASTER || f->state == VRRP_STATE_BACKUP) {
			resign(f, &a);
			stop_timers(f);
			set_state(f, VRRP_STATE_FAULT, &a);
		}
		return a;
	}
	/* Fault over: start again as from Initialize (§6.4.1). */
	if (f->state == VRRP_STATE_FAULT)
		startup(f, now, &a);
	return a;
}

struct vrrp_fsm_actions vrrp_fsm_handover(struct vrrp_fsm *f, uint64_t now)
{
	struct vrrp_fsm_actions a = {0};

	f->held = true;
	f->preempt_at = UINT64_MAX;
	if (f->state == VRRP_STATE_MASTER) {
		/* Priority 0: the peer takes over after its Skew_Time. We wait
		 * a full Master_Down_Interval for its adverts, and accept them
		 * whatever their priority (held acts as Preempt_Mode False). */
		resign(f, &a);
		to_backup(f, now, &a);
	}
	return a;
}

struct vrrp_fsm_actions vrrp_fsm_resign(struct vrrp_fsm *f, uint64_t now)
{
	struct vrrp_fsm_actions a = {0};

	if (f->state == VRRP_STATE_MASTER) {
		resign(f, &a);
		to_backup(f, now, &a);
	}
	return a;
}

struct vrrp_fsm_actions vrrp_fsm_release(struct vrrp_fsm *f, uint64_t now)
{
	struct vrrp_fsm_actions a = {0};

	(void)now;
	/* Preemption (and its delay) resumes with the next advert. */
	f->held = false;
	f->preempt_at = UINT64_MAX;
	return a;
}

struct vrrp_fsm_actions vrrp_fsm_maintenance(struct vrrp_fsm *f, uint64_t now, bool on)
{
	struct vrrp_fsm_actions a = {0};

	if (on == f->maintenance)
		return a;
	f->maintenance = on;
	if (on) {
		if (f->state == VRRP_STATE_MASTER) {
			resign(f, &a);
			to_backup(f, now, &a); /* with no Master_Down_Timer */
		} else if (f->state == VRRP_STATE_BACKUP) {
			f->master_down_at = UINT64_MAX;
		}
		return a;
	}
	/* Off: a backup starts afresh, as after Startup (§6.4.1). */
	if (f->state == VRRP_STATE_BACKUP) {
		f->preempt_at = UINT64_MAX;
		arm_master_down(f, now, vrrp_fsm_master_down_ms(f));
	}
	return a;
}

bool vrrp_fsm_accepts(const struct vrrp_fsm *f)
{
	/* §6.4.3: accept packets to the VIPs "if it is the IPvX address
	 * owner or if Accept_Mode is True". */
	return f->state == VRRP_STATE_MASTER &&
	       (f->cfg.accept_mode || f->cfg.priority == VRRP_PRIO_OWNER);
}
