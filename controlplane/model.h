/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The balancer model as edgelbd runs it: the running config, the model
 * built from it and lbctl's changes (lb.h), the state file that keeps
 * those across restarts (state.h), and the life cycle that ties them:
 * reload, persist, "the model changed". One per edgelbd; only the loop's
 * thread touches it.
 *
 * This is the seam between the daemon's parts (DESIGN.md, principle 7):
 * the control socket and /metrics read and change the model through it,
 * and the subsystems that follow the model (health checks, VRRP; later
 * BGP) register as observers and are told of changes, rather than being
 * called by name from here. main.c wires them; nothing here knows them.
 */
#ifndef EDGELB_MODEL_H
#define EDGELB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "lb.h"
#include "state.h"

#define EDGELB_MODEL_OBSERVERS_MAX 8

struct edgelb_model_observer {
	/*
	 * The model changed (an lbctl change, a reload, a rollback):
	 * structural when services or backends were added or removed, not
	 * for drain or weight. NULL: not interested.
	 */
	void (*model_changed)(void *arg, bool structural);
	/* A reloaded config is now the running one. NULL: not interested. */
	void (*config_applied)(void *arg, const struct edgelb_config *cfg);
	/*
	 * A reload (SIGHUP or lbctl config reload) begins (done false) and
	 * has ended, applied or rejected (done true). NULL: not interested.
	 */
	void (*reloading)(void *arg, bool done);
	void *arg;
};

struct edgelb_model {
	char *config_path;
	struct edgelb_config cfg;  /* the running config */
	struct lb lb;		   /* lb_init()ed by the owner of the data plane */
	struct edgelb_state state; /* the sections of the state file; "lb" first */
	uint64_t started_ms;	   /* loop_now_ms() at start */
	uint64_t config_loaded_ms; /* last successful (re)load */
	unsigned int reloads;	   /* successful reloads since start */
	bool adopted;		   /* the data plane outlived an earlier edgelbd */
	uint32_t ring_slots;	   /* the data plane's ring array, mapped whole (lbctl status) */
	struct edgelb_model_observer observers[EDGELB_MODEL_OBSERVERS_MAX];
	size_t n_observers;
};

/*
 * Take cfg (loaded from config_path; the model owns and frees it) and
 * register the model's own state section. The caller then lb_init()s
 * m->lb with its data plane. Returns 0 or -ENOMEM.
 */
int edgelb_model_init(struct edgelb_model *m, const char *config_path,
		      struct edgelb_config *cfg);
void edgelb_model_free(struct edgelb_model *m);

/* Be told of changes, in the order registered; -ENOSPC. */
int edgelb_model_observe(struct edgelb_model *m, const struct edgelb_model_observer *o);

/*
 * Read the state file (cfg.state_file) into every registered section, all
 * or nothing. -ENOENT: there is none (first start). Other errors: err
 * says what is wrong.
 */
int edgelb_model_load_state(struct edgelb_model *m, char *err, size_t err_len);

/*
 * Write every section to the state file: temp file, fsync, rename, fsync
 * of the directory. Called after every change, before it is
 * acknowledged; logs a failure. 0 or a negative errno.
 */
int edgelb_model_persist(struct edgelb_model *m);

/* Tell the observers that the model changed (see above). */
void edgelb_model_changed(struct edgelb_model *m, bool structural);

/*
 * Load config_path again and apply it as a diff. On a bad config the
 * running one stays; the errors (FILE:LINE: PATH: message lines) and
 * warnings are written to msg (may be NULL). Returns 0, -EINVAL (bad
 * config), or another negative errno (data plane; the running config is
 * put back; or the state file, the new config being in force).
 */
int edgelb_model_reload(struct edgelb_model *m, char *msg, size_t msg_len);

/*
 * The per-CPU budgets of node from cfg: ICMP too-big replies
 * (dataplane.icmp_too_big_*) and flow-table writes of new flows
 * (dataplane.new_flow_*, the new-flow guard). A reload applies both.
 */
void edgelb_model_icmp_budget(struct edgelb_node_config *node, const struct edgelb_config *cfg);

#endif /* EDGELB_MODEL_H */
