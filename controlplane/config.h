/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * edgelb.conf: loading and validation (the schema is documented in
 * docs/edgelb.conf.5).
 *
 * Pure code: the only I/O is reading the one file. Loading turns the
 * libconfig tree into the plain structs below and keeps no libconfig
 * pointer, so the daemon can hold two configs and diff them on reload.
 *
 * Every rejection is collected, not only the first, as one line
 * "FILE:LINE: PATH: message" (e.g. "edgelb.conf:17:
 * services[0].backends[2].address: ..."). Warnings (legal but probably not
 * what the operator meant) use "FILE:LINE: PATH: warning: message" and do
 * not make a config invalid.
 *
 * Conventions of the structs:
 *  - addresses are union edgelb_addr from abi.h in network byte order, with
 *    the family as enum edgelb_family, so they go into maps as they are;
 *  - ports, counts, weights and sizes are host byte order;
 *  - durations are whole milliseconds (uint32_t *_ms), the VRRP
 *    advertisement interval is in centiseconds as on the wire;
 *  - strings are NUL-terminated and owned by the struct; an optional string
 *    that is not set is NULL;
 *  - argument vectors (char **argv) are NULL-terminated as execv() wants.
 */
#ifndef EDGELB_CONFIG_H
#define EDGELB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "ctl_wire.h" /* the run directory, instance and name limits */

/* Default file read by edgelbd when no -c is given. */
#define EDGELB_CONFIG_DEFAULT_PATH "/etc/edgelb/edgelb.conf"

/* Overridable defaults of the per-instance paths ("<dir>/<instance>..."). */
#ifndef EDGELB_CONFIG_PIN_ROOT
#define EDGELB_CONFIG_PIN_ROOT "/sys/fs/bpf/edgelb"
#endif
#ifndef EDGELB_CONFIG_TABLES_DIR /* dpdk: the tables file, shared memory */
#define EDGELB_CONFIG_TABLES_DIR "/dev/shm"
#endif
#ifndef EDGELB_CONFIG_STATE_DIR
#define EDGELB_CONFIG_STATE_DIR "/var/lib/edgelb"
#endif
/* EDGELB_CONFIG_RUN_DIR: in ctl_wire.h, as clients find the socket there. */

/*
 * Schema limits; the man page documents each one. EDGELB_CONFIG_INSTANCE_MAX
 * (instance name: goes into paths) is in ctl_wire.h, as clients build the
 * socket's path from it; names are the control protocol's too.
 */
#define EDGELB_CONFIG_NAME_MAX EDGELB_CTL_NAME_MAX /* service, backend, vrrp, site... */
#define EDGELB_CONFIG_IFNAME_MAX 15	/* IFNAMSIZ - 1 */
#define EDGELB_CONFIG_INTERFACES_MAX 16
#define EDGELB_CONFIG_VRRP_MAX 256
#define EDGELB_CONFIG_VRRP_VIPS_MAX 64
#define EDGELB_CONFIG_VRRP_PEERS_MAX 16
#define EDGELB_CONFIG_TRACK_MAX 32	/* of each kind, per VRRP instance */
#define EDGELB_CONFIG_ARGV_MAX 32	/* command = [ ... ] */
#define EDGELB_CONFIG_DPDK_ARGS_MAX 64
#define EDGELB_CONFIG_HTTP_STATUS_MAX 8
#define EDGELB_CONFIG_SERVICE_BACKENDS_MAX 4096
#define EDGELB_CONFIG_FILE_MAX (64u << 20) /* bytes */

/* How many messages are stored; more are counted in n_dropped. */
#define EDGELB_CONFIG_ERRORS_MAX 200

enum edgelb_config_severity {
	EDGELB_CONFIG_ERROR = 0,
	EDGELB_CONFIG_WARNING,
};

/* One message about the config. */
struct edgelb_config_error {
	enum edgelb_config_severity severity;
	unsigned int line; /* 1-based; 0 when it concerns the whole file */
	char *path;	   /* e.g. "services[0].port"; "" for syntax errors */
	char *message;	   /* without file, line and path */
	char *text;	   /* the whole line, ready to print (no newline) */
};

/*
 * Messages of one load. Zero-initialise (or edgelb_config_errors_init())
 * before the first load; a load appends, so free between loads.
 */
struct edgelb_config_errors {
	struct edgelb_config_error *items;
	size_t count; /* stored items, errors and warnings, sorted by line */
	size_t cap;
	size_t n_errors;   /* counted, including dropped ones */
	size_t n_warnings; /* counted, including dropped ones */
	size_t n_dropped;  /* not stored: EDGELB_CONFIG_ERRORS_MAX reached */
};

/* An IPv4 or IPv6 address, optionally with a prefix length. */
struct edgelb_config_addr {
	union edgelb_addr addr; /* network byte order, v4 in addr.v4 */
	uint8_t family;		/* enum edgelb_family; EDGELB_AF_NONE = unset */
	uint8_t prefix_len;	/* written or implied (32 / 128) */
};

enum edgelb_config_dp_mode {
	EDGELB_CONFIG_DP_XDP = 0,
	EDGELB_CONFIG_DP_DPDK,
};

enum edgelb_config_xdp_mode {
	EDGELB_CONFIG_XDP_NATIVE = 0,
	EDGELB_CONFIG_XDP_GENERIC, /* skb mode: slow, for labs only */
};

struct edgelb_config_dataplane {
	enum edgelb_config_dp_mode mode;
	enum edgelb_config_xdp_mode xdp_mode;
	char **interfaces; /* kernel names, or DPDK PCI addresses */
	size_t n_interfaces;
	uint32_t flow_table_size; /* connection table entries per CPU */
	char **dpdk_args;	  /* EAL arguments, NULL-terminated */
	char *tables;		  /* dpdk: the tables file; NULL with xdp */
	size_t n_dpdk_args;
	/* token bucket per CPU for "fragmentation needed" / "packet too big" */
	uint32_t icmp_too_big_rate;  /* replies per second, 0 = no limit */
	uint32_t icmp_too_big_burst; /* bucket depth, 1..100000 */
	/* token bucket per CPU for flow-table writes of new flows (the guard) */
	uint32_t new_flow_rate;	 /* writes per second, 0 = no guard */
	uint32_t new_flow_burst; /* bucket depth */
};

enum edgelb_config_health_type {
	EDGELB_CONFIG_HEALTH_NONE = 0, /* always alive */
	EDGELB_CONFIG_HEALTH_TCP,
	EDGELB_CONFIG_HEALTH_HTTP,
	EDGELB_CONFIG_HEALTH_EXEC,
};

/* An inclusive range of accepted HTTP status codes. */
struct edgelb_config_status_range {
	uint16_t lo, hi;
};

struct edgelb_config_health {
	enum edgelb_config_health_type type;
	/*
	 * Port checked. In a service's own health this is 0 when not written
	 * ("the backend's port"); in a backend's effective health it is
	 * resolved (0 only for type none and exec).
	 */
	uint16_t port;
	uint32_t interval_ms;
	uint32_t timeout_ms; /* < interval_ms */
	uint32_t hold_down_ms; /* a backend that went down stays down this long */
	uint16_t jitter_permille; /* spread of the interval, 0..500 */
	uint8_t rise, fall;
	bool through_tunnel; /* send the check encapsulated, like the traffic */
	bool site_fail_fast; /* a site's backends failing together go out together (health/site.h) */
	/* type http */
	char *http_path;
	char *http_host; /* NULL: the backend address */
	struct edgelb_config_status_range http_status[EDGELB_CONFIG_HTTP_STATUS_MAX];
	size_t n_http_status;
	char *http_body; /* NULL: any body */
	/* type exec */
	char **exec_argv; /* NULL-terminated; NULL when not set */
	size_t exec_argc;
};

enum edgelb_config_mtu_policy {
	EDGELB_CONFIG_MTU_ICMP = 0, /* answer "fragmentation needed" / PTB */
	EDGELB_CONFIG_MTU_DROP,	    /* drop silently (EDGELB_VIP_F_MTU_DROP) */
};

enum edgelb_config_hash {
	EDGELB_CONFIG_HASH_5TUPLE = 0,
	EDGELB_CONFIG_HASH_ADDRESSES, /* EDGELB_VIP_F_NO_PORT_HASH */
};

struct edgelb_config_backend {
	char *name;
	struct edgelb_config_addr addr;
	uint16_t port;	 /* the service port unless written */
	uint16_t weight; /* Maglev weight, 0 = drained */
	char *site;	  /* NULL = none */
	uint16_t site_id; /* 1-based index into edgelb_config.sites, 0 = none */
	/* The service's health with this backend's overrides applied. */
	struct edgelb_config_health health;
};

struct edgelb_config_service {
	char *name;
	struct edgelb_config_addr vip; /* prefix_len 32 / 128 */
	uint16_t port;		       /* 0 = every port */
	uint8_t proto;		       /* IPPROTO_TCP or IPPROTO_UDP */
	enum edgelb_encap encap;
	uint16_t gue_port; /* destination port of GUE packets; 0 unless gue */
	bool gue_ipv6_zero_checksum; /* GUE over IPv6 with UDP checksum 0; only gue */
	uint32_t ring_size;
	uint16_t mtu;
	enum edgelb_config_mtu_policy mtu_policy;
	enum edgelb_config_hash hash;
	struct edgelb_config_health health; /* as written for the service */
	struct edgelb_config_backend *backends;
	size_t n_backends;
};

/* Weights: < 0 subtract when failing, > 0 add when healthy, 0 = fault. */
struct edgelb_config_track_interface {
	char *name;
	int16_t weight;
};

struct edgelb_config_track_service {
	char *name;
	size_t service;	      /* index into edgelb_config.services */
	uint32_t min_healthy; /* fewer alive backends = failing */
	int16_t weight;
};

struct edgelb_config_track_script {
	char *name;
	char **argv; /* NULL-terminated */
	size_t argc;
	uint32_t interval_ms;
	uint32_t timeout_ms;
	int16_t weight;
};

struct edgelb_config_vrrp {
	char *name;
	char *interface;
	uint8_t vrid;
	uint8_t version; /* 2 or 3 */
	uint8_t priority;
	uint8_t family;		/* enum edgelb_family of every VIP */
	uint16_t advert_int_cs; /* centiseconds */
	bool preempt;
	bool accept;
	bool use_vmac;
	uint32_t preempt_delay_ms;
	char *auth_pass; /* VRRPv2 only; NULL = none */
	struct edgelb_config_addr unicast_src; /* family NONE = not set */
	struct edgelb_config_addr *unicast_peers; /* none = multicast */
	size_t n_unicast_peers;
	struct edgelb_config_addr *vips;
	size_t n_vips;
	/* gratuitous ARP / unsolicited NA after becoming master */
	uint32_t garp_count;
	uint32_t garp_interval_ms;
	uint32_t garp_refresh_ms; /* 0 = no periodic refresh */
	struct edgelb_config_track_interface *track_interfaces;
	size_t n_track_interfaces;
	struct edgelb_config_track_service *track_services;
	size_t n_track_services;
	struct edgelb_config_track_script *track_scripts;
	size_t n_track_scripts;
	/* notify programs, NULL = none */
	char *notify_master;
	char *notify_backup;
	char *notify_fault;
	char *notify_stop;
	char *sync_group; /* NULL = none */
};

struct edgelb_config {
	char *instance;
	char *pin_dir;
	char *state_file;
	char *control_socket;
	char *control_group; /* NULL: only root may change state */
	struct edgelb_config_addr metrics_addr; /* family NONE = metrics off */
	uint16_t metrics_port;
	struct edgelb_config_dataplane dataplane;
	struct edgelb_config_service *services;
	size_t n_services;
	struct edgelb_config_vrrp *vrrp;
	size_t n_vrrp;
	/* distinct backend site names, sorted; backend.site_id - 1 indexes it */
	char **sites;
	size_t n_sites;
};

/* Empty errs (same as zero-initialising it). */
void edgelb_config_errors_init(struct edgelb_config_errors *errs);

/* Release every message and empty errs; it may be used again. */
void edgelb_config_errors_free(struct edgelb_config_errors *errs);

/*
 * Read and validate the file at path. Messages name the file as path.
 *
 * Returns 0 (cfg filled; errs may hold warnings), -EINVAL (the config is
 * invalid: errs holds at least one error), a negative errno from opening or
 * reading the file (also reported in errs), or -ENOMEM. On any error cfg is
 * left empty. cfg must be released with edgelb_config_free() in all cases.
 */
int edgelb_config_load(const char *path, struct edgelb_config *cfg,
		       struct edgelb_config_errors *errs);

/*
 * As edgelb_config_load() for a config held in memory (text is
 * NUL-terminated); display_name stands for the file name in messages.
 * Returns 0, -EINVAL or -ENOMEM.
 */
int edgelb_config_parse_string(const char *text, const char *display_name,
			       struct edgelb_config *cfg, struct edgelb_config_errors *errs);

/* Release everything cfg owns and zero it; safe on a zeroed struct. */
void edgelb_config_free(struct edgelb_config *cfg);

/* Number of backends over all services. */
size_t edgelb_config_backend_count(const struct edgelb_config *cfg);

/*
 * Smallest service mtu that still lets a client of vip_family send the
 * smallest packet every link of its family carries (IPv6 1280, IPv4 68)
 * once encap towards a backend of backend_family is added (IPIP 20 / 40,
 * GUE 28 / 48, DSR 0 for an IPv4 / IPv6 backend). backend_family
 * EDGELB_AF_NONE: the minimum alone. A service needs the largest value
 * over its backends; the loader checks it, a runtime backend add should.
 */
unsigned int edgelb_config_mtu_min(uint8_t vip_family, enum edgelb_encap encap,
				   uint8_t backend_family);

#endif /* EDGELB_CONFIG_H */
