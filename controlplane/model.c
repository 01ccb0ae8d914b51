// SPDX-License-Identifier: GPL-2.0-only
/*
 * The balancer model's life cycle: see model.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "loop.h"
#include "model.h"
#include "state_lb.h"

int edgelb_model_init(struct edgelb_model *m, const char *config_path,
		      struct edgelb_config *cfg)
{
	struct edgelb_state_section lb_section;

	memset(m, 0, sizeof(*m));
	m->config_path = strdup(config_path);
	if (!m->config_path)
		return -ENOMEM;
	m->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	edgelb_state_init(&m->state);
	edgelb_state_lb_section(&m->lb, &lb_section);
	return edgelb_state_register(&m->state, &lb_section);
}

void edgelb_model_free(struct edgelb_model *m)
{
	lb_free(&m->lb);
	edgelb_state_free(&m->state);
	edgelb_config_free(&m->cfg);
	free(m->config_path);
	m->config_path = NULL;
}

int edgelb_model_observe(struct edgelb_model *m, const struct edgelb_model_observer *o)
{
	if (m->n_observers >= EDGELB_MODEL_OBSERVERS_MAX)
		return -ENOSPC;
	m->observers[m->n_observers++] = *o;
	return 0;
}

int edgelb_model_load_state(struct edgelb_model *m, char *err, size_t err_len)
{
	int ret = edgelb_state_load(&m->state, m->cfg.state_file, err, err_len);

	/* kept and written back, so a typo from a hand edit would live on: say so */
	if (!ret && m->state.carried) {
		json_object_object_foreach(m->state.carried, key, v)
		{
			(void)v;
			pr_warn("state", "%s: top-level key \"%s\" is not one this edgelbd uses; "
					 "kept as found", m->cfg.state_file, key);
		}
	}
	return ret;
}

int edgelb_model_persist(struct edgelb_model *m)
{
	int err = edgelb_state_save(&m->state, m->cfg.state_file);

	if (err)
		pr_err("state", "writing %s: %s", m->cfg.state_file, strerror(-err));
	return err;
}

void edgelb_model_changed(struct edgelb_model *m, bool structural)
{
	for (size_t i = 0; i < m->n_observers; i++)
		if (m->observers[i].model_changed)
			m->observers[i].model_changed(m->observers[i].arg, structural);
}

static void config_applied(struct edgelb_model *m)
{
	for (size_t i = 0; i < m->n_observers; i++)
		if (m->observers[i].config_applied)
			m->observers[i].config_applied(m->observers[i].arg, &m->cfg);
}

void edgelb_model_icmp_budget(struct edgelb_node_config *node, const struct edgelb_config *cfg)
{
	node->icmp_rate = cfg->dataplane.icmp_too_big_rate;
	node->icmp_burst = cfg->dataplane.icmp_too_big_burst;
	node->new_flow_rate = cfg->dataplane.new_flow_rate;
	node->new_flow_burst = cfg->dataplane.new_flow_burst;
}

static void lb_icmp_budget(struct lb *lb, const struct edgelb_config *cfg)
{
	struct edgelb_node_config node = lb->node;

	edgelb_model_icmp_budget(&node, cfg);
	lb_set_node_config(lb, &node);
}

static void append(char *msg, size_t len, const char *line)
{
	size_t used = strlen(msg);

	if (used + 1 < len)
		snprintf(msg + used, len - used, "%s%s", used ? "\n" : "", line);
}

/* Settings a reload cannot change: they shape maps and attachments. */
static void warn_restart_only(const struct edgelb_config *a, const struct edgelb_config *b,
			      char *msg, size_t len)
{
	bool same_ifs = a->dataplane.n_interfaces == b->dataplane.n_interfaces;

	for (size_t i = 0; same_ifs && i < a->dataplane.n_interfaces; i++)
		same_ifs = !strcmp(a->dataplane.interfaces[i], b->dataplane.interfaces[i]);
	if (!same_ifs)
		append(msg, len, "warning: dataplane.interfaces changed: takes effect on restart");
	if (a->dataplane.flow_table_size != b->dataplane.flow_table_size)
		append(msg, len, "warning: dataplane.flow_table_size changed: takes effect only "
				 "with fresh maps (edgelbd --cleanup, then start)");
	if (strcmp(a->pin_dir, b->pin_dir) || strcmp(a->state_file, b->state_file) ||
	    strcmp(a->control_socket, b->control_socket))
		append(msg, len, "warning: pin_dir, state_file or control_socket changed: takes "
				 "effect on restart");
}

static void reloading(struct edgelb_model *m, bool done)
{
	for (size_t i = 0; i < m->n_observers; i++)
		if (m->observers[i].reloading)
			m->observers[i].reloading(m->observers[i].arg, done);
}

static int reload(struct edgelb_model *m, char *msg, size_t msg_len)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config next, prev;
	char warn[2048] = "";
	int err;

	if (msg && msg_len)
		msg[0] = 0;
	err = edgelb_config_load(m->config_path, &next, &errs);
	for (size_t i = 0; i < errs.count; i++) {
		if (msg)
			append(msg, msg_len, errs.items[i].text);
		/* a rejected reload is an error in the log, not a warning */
		if (errs.items[i].severity == EDGELB_CONFIG_ERROR)
			pr_err("config", "%s", errs.items[i].text);
		else
			pr_warn("config", "%s", errs.items[i].text);
	}
	edgelb_config_errors_free(&errs);
	if (err) {
		pr_err("config", "reload of %s rejected; the running config stays",
		       m->config_path);
		edgelb_config_free(&next);
		return err;
	}
	if (msg)
		warn_restart_only(&m->cfg, &next, msg, msg_len);
	lb_icmp_budget(&m->lb, &next);
	err = lb_apply(&m->lb, &next, warn, sizeof(warn));
	if (err) {
		/*
		 * Back to the running config. Runtime changes that only the new
		 * file made meaningless are already dropped from the layer.
		 */
		lb_icmp_budget(&m->lb, &m->cfg);
		lb_apply(&m->lb, &m->cfg, NULL, 0);
		edgelb_model_changed(m, true);
		edgelb_config_free(&next);
		pr_err("dataplane", "reload failed while programming: %s; the running config "
				    "stays", strerror(-err));
		if (msg)
			append(msg, msg_len, "error: programming the data plane failed");
		return err;
	}
	if (warn[0]) {
		pr_warn("state", "%s", warn);
		if (msg)
			append(msg, msg_len, warn);
	}
	prev = m->cfg;
	m->cfg = next;
	m->lb.cfg = &m->cfg; /* lb keeps the pointer: never leave it on our stack */
	edgelb_config_free(&prev);
	edgelb_model_changed(m, true);
	config_applied(m);
	m->reloads++;
	m->config_loaded_ms = loop_now_ms();
	pr_info("config", "reloaded %s (%zu services, %zu backends)", m->config_path,
		m->lb.n_services, lb_backend_count(&m->lb));
	return edgelb_model_persist(m);
}

int edgelb_model_reload(struct edgelb_model *m, char *msg, size_t msg_len)
{
	int err;

	reloading(m, false);
	err = reload(m, msg, msg_len);
	reloading(m, true);
	return err;
}
