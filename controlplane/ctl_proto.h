/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control protocol (ctl_wire.h) as pure functions: parse and validate
 * one request, build replies. No I/O and no daemon state, so the unit
 * tests and the fuzzer drive it directly.
 *
 * A parsed request holds plain values, not the balancer model's structs
 * (lb.h): the protocol does not change when the model does, and the parser
 * builds without it. ctl_cmds.c turns a request into model objects.
 * Values that name a kind (family, encap) use the data plane's numbers of
 * abi.h, the same as ctl_proto_addr_str() and ctl_proto_encap_name() take.
 */
#ifndef EDGELB_CTL_PROTO_H
#define EDGELB_CTL_PROTO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_wire.h"

struct json_object;
union edgelb_addr; /* abi.h; only pointed to here */

enum ctl_cmd {
	CTL_CMD_STATUS = 0,
	CTL_CMD_VIP_LIST,
	CTL_CMD_VIP_ADD,
	CTL_CMD_VIP_DEL,
	CTL_CMD_BACKEND_LIST,
	CTL_CMD_BACKEND_ADD,
	CTL_CMD_BACKEND_DEL,
	CTL_CMD_BACKEND_DRAIN,
	CTL_CMD_BACKEND_UNDRAIN,
	CTL_CMD_BACKEND_WEIGHT,
	CTL_CMD_STATS,
	CTL_CMD_CONFIG_CHECK,
	CTL_CMD_CONFIG_RELOAD,
	CTL_CMD_FLOWS,
	CTL_CMD_HEALTH,
	CTL_CMD_VRRP_STATUS,
	CTL_CMD_VRRP_HANDOVER,
	CTL_CMD_VRRP_RELEASE,
	CTL_CMD_VRRP_MAINTENANCE,
	CTL_CMD_MAX,
};

/* A name of a request, NUL-terminated. */
#define CTL_NAME_SIZE (EDGELB_CTL_NAME_MAX + 1)

/*
 * An address of a request: network byte order, an IPv4 one in v4 (the
 * first 4 bytes). The layout of union edgelb_addr (abi.h), so ctl_cmds.c
 * copies it into the model as it is.
 */
union ctl_addr {
	uint32_t v4;
	uint8_t bytes[16];
};

/* vip.add: its members, with the defaults of those not given. */
struct ctl_vip_add {
	char name[CTL_NAME_SIZE];
	union ctl_addr vip;
	uint8_t family;		/* enum edgelb_family: EDGELB_AF_INET or _INET6 */
	uint16_t port;		/* host order; 0 = every port */
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t encap;		/* enum edgelb_encap */
	uint16_t gue_port;	/* host order; 0 unless encap is GUE */
	uint32_t ring_size;	/* a Maglev prime */
	uint16_t mtu;
	bool mtu_drop;		/* mtu_policy "drop" (else "icmp") */
	bool hash_addresses;	/* hash "addresses" (else "5tuple") */
};

/* backend.add: its members (the service is ctl_request.service). */
struct ctl_backend_add {
	char name[CTL_NAME_SIZE];
	union ctl_addr address;
	uint8_t family;		/* enum edgelb_family: EDGELB_AF_INET or _INET6 */
	bool has_port;		/* port given, else the service's */
	uint16_t port;		/* host order; 0 unless has_port */
	uint16_t weight;
	char site[CTL_NAME_SIZE]; /* "" = none */
};

/* A parsed, validated request. Members a command does not take stay zero. */
struct ctl_request {
	enum ctl_cmd cmd;
	char service[CTL_NAME_SIZE]; /* "" = every service (backend.list, health) */
	char backend[CTL_NAME_SIZE];
	uint16_t weight;	     /* backend.weight */
	struct ctl_vip_add vip_add;
	struct ctl_backend_add backend_add;
	char path[PATH_MAX];	     /* config.check; "" = the running config */
	uint32_t max;		     /* flows */
	char instance[CTL_NAME_SIZE]; /* vrrp.*: "" = every instance */
	bool on;		     /* vrrp.maintenance */
	bool paged;		     /* offset or limit given: answer one page */
	uint32_t offset;	     /* first item of the page */
	uint32_t limit;		     /* items at most; 0 = as many as fit */
};

/* Why a request is refused: message for a human, the member at fault. */
struct ctl_error {
	char field[32];	  /* "" when no request member is at fault */
	char message[512];
};

/*
 * Parse the request buf[0..len-1] (not NUL-terminated). Returns 0 with req
 * filled, -EINVAL with err filled (malformed JSON, wrong type, unknown
 * member or command, bad value), -EMSGSIZE (longer than
 * EDGELB_CTL_REQUEST_MAX; err filled) or -ENOMEM.
 */
int ctl_proto_parse(const char *buf, size_t len, struct ctl_request *req, struct ctl_error *err);

/* The wire name of a command ("backend.drain"); "?" when out of range. */
const char *ctl_proto_cmd_name(enum ctl_cmd cmd);

/* True if req changes state or reads files of the caller's choice. */
bool ctl_proto_needs_admin(const struct ctl_request *req);

/* Fill err; fmt is the message after "field: ", or the whole one if field is NULL. */
__attribute__((format(printf, 3, 4))) void ctl_proto_error(struct ctl_error *err,
							   const char *field, const char *fmt, ...);

/*
 * An error message from lb.c ("backend: no backend ..."): the field is the
 * text before the first ':' when it is a plain member name, else none.
 */
void ctl_proto_error_from_lb(struct ctl_error *err, const char *lb_message);

/* {"v": 1, "ok": true}; NULL on -ENOMEM. */
struct json_object *ctl_proto_reply_ok(void);

/* {"v": 1, "ok": false, "error": ..., "field": ...}; NULL on -ENOMEM. */
struct json_object *ctl_proto_reply_error(const struct ctl_error *err);

/*
 * The text of reply into a malloc'ed buffer (*text, *len; no NUL counted).
 * A reply over EDGELB_CTL_REPLY_MAX becomes an error reply saying so.
 * Returns 0 or -ENOMEM. Does not free reply.
 */
int ctl_proto_serialize(struct json_object *reply, char **text, size_t *len);

/* True if cmd takes offset and limit (a listing, see ctl_wire.h "Paging"). */
bool ctl_proto_pages(enum ctl_cmd cmd);

/*
 * Cut a successful reply of req to one page when req asked for one
 * (req->paged): keep items req->offset .. of the command's lists (stats:
 * "vips", then "backends", counted as one sequence), at most req->limit
 * of them and at most budget bytes of item text (but at least one item),
 * and add "total" (items of the whole listing) and "next" (the offset of
 * the page after, or null after the last). Leaves other replies alone.
 * Returns 0 or -ENOMEM (the reply may then be cut halfway: drop it).
 */
int ctl_proto_page(struct json_object *reply, const struct ctl_request *req, size_t budget);

/* Names as the protocol and the config write them. */
const char *ctl_proto_proto_name(uint8_t proto);
const char *ctl_proto_encap_name(uint8_t encap);

/*
 * The text of an address (enum edgelb_family) into buf (at least 46
 * bytes); "-" for EDGELB_AF_NONE. Returns buf.
 */
const char *ctl_proto_addr_str(uint8_t family, const union edgelb_addr *a, char *buf,
			       size_t len);

/*
 * Parse an IPv4 or IPv6 address for a VIP or a backend: no prefix, and
 * none that edgelb_addr_check() (addr_check.h) refuses. Returns NULL or
 * why not (to follow the quoted text, as edgelb.conf messages do).
 */
const char *ctl_proto_addr_parse(const char *s, union edgelb_addr *a, uint8_t *family);

/* A name of edgelb.conf(5): 1..EDGELB_CTL_NAME_MAX of A-Z a-z 0-9 _ . - */
bool ctl_proto_name_ok(const char *s);

#endif /* EDGELB_CTL_PROTO_H */
