// SPDX-License-Identifier: GPL-2.0-only
/* The control socket's vrrp.* commands (lbctl vrrp ...): see instance.h. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <json-c/json.h>

#include "ctl_proto.h"
#include "instance.h"
#include "instance_priv.h"
#include "loop.h"
#include "track_script.h"

static int jadd(struct json_object *o, const char *k, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, k, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static void reject_cb(void *arg, const char *reason, uint64_t n)
{
	jadd(arg, reason, json_object_new_uint64(n));
}

static struct json_object *ctl_err(const char *msg, const char *name)
{
	struct ctl_error e;

	memset(&e, 0, sizeof(e));
	if (name) {
		/* vrrp: no instance "x", field "instance": quoted like the other names */
		ctl_proto_error(&e, NULL, "%s \"%s\"", msg, name);
		memcpy(e.field, "instance", sizeof("instance"));
	} else {
		ctl_proto_error(&e, NULL, "%s", msg);
	}
	return ctl_proto_reply_error(&e);
}

/* What tracking sees, so an operator can tell why the priority moved. */
static void track_json(const struct vrrp_instance *in, struct json_object *o)
{
	struct json_object *a = json_object_new_array();

	if (!a || jadd(o, "track", a))
		return;
	for (size_t i = 0; i < in->n_tobjs; i++) {
		struct json_object *t = json_object_new_object();
		const char *type = "script", *name = "?";

		if (!t || json_object_array_add(a, t)) {
			json_object_put(t);
			return;
		}
		size_t j = i - 1; /* past the own interface */

		if (i == 0) {
			type = "interface";
			name = in->s.interface;
		} else if (j < in->s.n_t_ifaces) {
			type = "interface";
			name = in->s.t_ifaces[j].name;
		} else if (j < in->s.n_t_ifaces + in->s.n_t_svcs) {
			type = "service";
			name = in->s.t_svcs[j - in->s.n_t_ifaces].name;
		} else if (j - in->s.n_t_ifaces - in->s.n_t_svcs < in->n_scripts) {
			/* "INTERVAL/TIMEOUT\x1fCOMMAND...": show the command */
			const char *sig = in->scripts[j - in->s.n_t_ifaces - in->s.n_t_svcs].sig;
			const char *sep = strchr(sig, '\x1f');

			name = sep ? sep + 1 : sig;
		}
		jadd(t, "type", json_object_new_string(type));
		jadd(t, "name", json_object_new_string(name));
		jadd(t, "weight", json_object_new_int(in->tobjs[i].weight));
		jadd(t, "ok", json_object_new_boolean(in->tobjs[i].ok));
	}
	jadd(o, "track_fault", json_object_new_boolean(in->track.fault));
	jadd(o, "sync_group", in->s.sync_group ? json_object_new_string(in->s.sync_group) : NULL);
	jadd(o, "group_fault", json_object_new_boolean(in->group_fault));
	jadd(o, "lingering", json_object_new_boolean(in->lingering));
	jadd(o, "vmac_interface", in->vmac_name[0] ? json_object_new_string(in->vmac_name) : NULL);
}

static struct json_object *vrrp_status_json(struct vrrp_instances *vs, const char *name)
{
	struct json_object *r = ctl_proto_reply_ok(), *a = json_object_new_array();
	uint64_t now = loop_now_ms();
	struct timespec ts;
	int64_t wall_ms;
	size_t found = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	wall_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (!r || !a || jadd(r, "instances", a)) {
		json_object_put(r);
		return NULL;
	}
	jadd(r, "maintenance", json_object_new_boolean(vs && vs->saved.maintenance));
	for (size_t i = 0; i < vrrp_instances_count(vs); i++) {
		struct vrrp_instance_status st;
		struct json_object *o, *rej;
		char b[INET6_ADDRSTRLEN];

		vrrp_instances_status(vs, i, &st);
		if (name && name[0] && strcmp(name, st.name))
			continue;
		found++;
		o = json_object_new_object();
		rej = json_object_new_object();
		if (!o || !rej || json_object_array_add(a, o)) {
			json_object_put(o);
			json_object_put(rej);
			json_object_put(r);
			return NULL;
		}
		jadd(o, "instance", json_object_new_string(st.name));
		jadd(o, "interface", json_object_new_string(st.interface));
		jadd(o, "vrid", json_object_new_int(st.vrid));
		jadd(o, "version", json_object_new_int(st.version));
		jadd(o, "family", json_object_new_string(st.family == EDGELB_AF_INET6 ? "ipv6"
											: "ipv4"));
		jadd(o, "state", json_object_new_string(st.state));
		jadd(o, "priority", json_object_new_int(st.priority));
		jadd(o, "config_priority", json_object_new_int(st.config_priority));
		jadd(o, "master", st.master_known ? json_object_new_string(vrrp_addr_str(
							    st.family, st.master_addr, b, sizeof(b)))
						  : json_object_new_string("-"));
		jadd(o, "advert_int_ms", json_object_new_int(st.advert_int_cs * 10));
		jadd(o, "since_unix_ms", json_object_new_int64(wall_ms - (int64_t)(now - st.since_ms)));
		jadd(o, "since_age_ms", json_object_new_int64((int64_t)(now - st.since_ms)));
		jadd(o, "transitions", json_object_new_int64(st.transitions));
		jadd(o, "held", json_object_new_boolean(st.held));
		jadd(o, "maintenance", json_object_new_boolean(st.maintenance));
		jadd(o, "vips_held", json_object_new_boolean(st.vips_held));
		jadd(o, "rx", json_object_new_uint64(st.rx));
		jadd(o, "tx", json_object_new_uint64(st.tx));
		jadd(o, "rx_rejected", json_object_new_uint64(st.rx_rejected));
		vrrp_instances_rejects(vs, i, reject_cb, rej);
		jadd(o, "rejects", rej);
		track_json(vs->v[i], o);
		jadd(o, "error", st.error ? json_object_new_string(st.error) : NULL);
	}
	if (name && name[0] && !found) {
		json_object_put(r);
		return ctl_err("vrrp: no instance", name);
	}
	return r;
}

#define NOT_SAVED                                                                          \
	"vrrp: applied, but writing the state file failed (see edgelbd's log): a restart "  \
	"of edgelbd would forget it until a later change is saved"

struct json_object *vrrp_instances_ctl(void *arg, const struct ctl_request *req)
{
	struct vrrp_instances *vs = arg;
	int n;

	switch (req->cmd) {
	case CTL_CMD_VRRP_STATUS:
		return vrrp_status_json(vs, req->instance);
	case CTL_CMD_VRRP_HANDOVER:
	case CTL_CMD_VRRP_RELEASE:
		n = req->cmd == CTL_CMD_VRRP_HANDOVER ? vrrp_instance_handover(vs, req->instance)
						       : vrrp_instance_release(vs, req->instance);
		if (n == -EIO)
			return ctl_err(NOT_SAVED, NULL);
		if (n < 0)
			return req->instance[0] ? ctl_err("vrrp: no instance", req->instance)
						: ctl_err("vrrp: no instance configured", NULL);
		return vrrp_status_json(vs, req->instance);
	case CTL_CMD_VRRP_MAINTENANCE:
		if (vrrp_instances_maintenance(vs, req->on) == -EIO)
			return ctl_err(NOT_SAVED, NULL);
		return vrrp_status_json(vs, NULL);
	default:
		return ctl_err("vrrp: unknown command", NULL);
	}
}
