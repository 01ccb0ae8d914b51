/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The wire contract between edgelbd and its clients (lbctl, or any script
 * that speaks JSON): the protocol, its limits and where the socket is.
 *
 * A client builds against this header alone (lbctl cannot include any
 * other header of controlplane/), so it includes no header of the
 * project: what a client relies on cannot drift with the daemon's model,
 * config or data plane. The server's side is ctl.h (the socket), ctl_proto.h
 * (parsing and replies) and ctl_cmds.c (the commands); config.h and ctl.h
 * take the constants below from here, so each has one definition.
 *
 * ---- Transport ----------------------------------------------------------
 *
 * A UNIX socket of type SOCK_SEQPACKET at control_socket (edgelb.conf(5);
 * default /run/edgelb/<instance>.sock), mode 0660, owned by root and the
 * group control_group. SOCK_SEQPACKET keeps message boundaries, so there
 * is no framing:
 *
 *   one request = one message, one reply = one message.
 *
 * A connection carries any number of requests, one after the other: the
 * server answers each request before it reads the next one, so replies come
 * in request order. A request holds at most EDGELB_CTL_REQUEST_MAX bytes
 * (a longer one is answered with an error and discarded); a reply at most
 * EDGELB_CTL_REPLY_MAX bytes. Replies can be far longer than a request:
 * a client sizes its buffer with recv(MSG_PEEK | MSG_TRUNC), which returns
 * the length of the waiting message. A message of 0 bytes is read as the
 * end of the connection.
 *
 * Connections are limited per class of peer, told by its credentials at
 * connect() before it is counted: root and control_group members hold up
 * to EDGELB_CTL_ADMIN_CONNS_MAX, whatever others hold; everyone else up to
 * EDGELB_CTL_CONNS_MAX together and EDGELB_CTL_CONNS_PER_UID per uid. A
 * connection over a quota closes the longest idle one of the same class
 * (or uid) in its favour; only when none is idle (each has a reply being
 * sent) is it answered with a "busy" error and closed. The server closes
 * connections idle for EDGELB_CTL_IDLE_MS, or EDGELB_CTL_IDLE_BUSY_MS once
 * their class holds half its quota.
 *
 * ---- Where the socket is --------------------------------------------------
 *
 * The edgelbd of instance <instance> (edgelb.conf(5) "instance", a name
 * of at most EDGELB_CONFIG_INSTANCE_MAX bytes) listens by default on
 *
 *   EDGELB_CONFIG_RUN_DIR "/" <instance> EDGELB_CTL_SOCKET_SUFFIX
 *
 * (/run/edgelb/<instance>.sock), unless its config sets control_socket.
 * A client told only an instance builds that path; told nothing, it may
 * take the only socket of the run directory (lbctl does). The run
 * directory can be changed at build time (-DEDGELB_CONFIG_RUN_DIR=...),
 * for the daemon and its clients together.
 *
 * ---- Messages -----------------------------------------------------------
 *
 * Both are one JSON object in UTF-8, without NUL bytes.
 *
 *   request  {"v": 1, "cmd": "backend.drain", "service": "web", "backend": "web1"}
 *   success  {"v": 1, "ok": true, ...data of the command...}
 *   failure  {"v": 1, "ok": false,
 *             "error": "backend: no backend \"web9\" in service \"web\"",
 *             "field": "backend"}
 *
 * "v" is the protocol version, required in a request. A server that does
 * not speak the version refuses it (field "v"). A member given twice in
 * the request object is refused (field: its name), "v" and "cmd" too.
 * Within version 1, commands, optional request members and reply members
 * may be added; clients ignore reply members they do not know. Anything
 * else (removing or renaming a member, changing its type or meaning) makes
 * a version 2.
 *
 * "error" is a sentence for a human. "field" names the request member at
 * fault and is left out when no member is ("cmd" for an unknown command or
 * a refused one). Error messages about a member start with its name and a
 * colon. An error reply may carry data too (config.check: "messages").
 * Members the command does not take are refused, so a typo never passes
 * silently. Numbers are JSON integers; names follow edgelb.conf(5):
 * 1..EDGELB_CTL_NAME_MAX (63) of A-Z a-z 0-9 _ . -; addresses are IPv4 or
 * IPv6 text.
 *
 * ---- Paging ---------------------------------------------------------------
 *
 * The listings (vip.list, backend.list, stats, flows, health) take two
 * optional members, and a reply carrying either is one page:
 *   offset  (0..2^32-1, 0) the first item of the page;
 *   limit   (1..EDGELB_CTL_PAGE_ITEMS_MAX) items at most; without it, as
 *           many as fit EDGELB_CTL_PAGE_BYTES of item text (always one).
 * The page's reply is the whole reply with the list cut, plus
 *   total   the items of the whole listing,
 *   next    the offset of the next page, or null after the last one.
 * stats counts "vips" then "backends" as one sequence; the other members
 * (drops, events, time_ms...) come with every page. Pages are separate
 * snapshots: a backend added or deleted between two shifts the items
 * after it (total changes; lbctl then starts again). Without offset and
 * limit a reply is whole, and one over EDGELB_CTL_REPLY_MAX is an error:
 * a large site must page.
 *
 * ---- Authorisation ------------------------------------------------------
 *
 * Whoever can connect (the socket's mode and ACL decide) may run the read
 * commands. Commands marked [M] change state and need the peer (its
 * credentials at connect(), SO_PEERCRED and SO_PEERGROUPS) to be uid 0 or
 * a member of control_group, primary or supplementary; otherwise:
 *   {"ok": false, "error": "permission denied: changing state needs root
 *    or membership of group \"edgelb\"", "field": "cmd"}
 * config.check with a "path" counts as [M]: edgelbd runs as root and would
 * otherwise read any file for anyone.
 *
 * ---- Commands ------------------------------------------------------------
 *
 * status
 *     -> instance, version, pid, uptime_s, config_path, config_loaded_unix,
 *        config_age_s, reloads, adopted, services, backends, dataplane
 *        ("xdp" or "dpdk"), xdp_mode ("native"/"generic", xdp only),
 *        interfaces [names], ring_slots and ring_bytes (the data plane's
 *        ring array, mapped whole into edgelbd), ring_slots_live (the
 *        services' live rings; the rest is spare buffers and room)
 * vip.list  [offset, limit]
 *     -> services: [{name, vip, port, protocol, encap, gue_port, ring_size,
 *        mtu, mtu_policy, hash, id, runtime, backends, backends_up}]
 * vip.add [M]  name, vip, port (0 = every port), protocol (tcp|udp, tcp),
 *        encap (ipip|gue|dsr, ipip), gue_port (gue only, 6080),
 *        ring_size (prime, 65537), mtu (576..9216, 1500),
 *        mtu_policy (icmp|drop, icmp), hash (5tuple|addresses, 5tuple)
 *     -> service: {as in vip.list}
 * vip.del [M]  service
 * backend.list  [service] [offset, limit]
 *     -> backends: [{service, name, address, port, weight, site, state
 *        ("up", "down" or "drained"), alive, drained, runtime, id}]
 * backend.add [M]  service, name, address, port (the service's port),
 *        weight (0..65535, 100), site (optional)
 *     -> backend: {as in backend.list}
 * backend.del [M]      service, backend
 * backend.drain [M]    service, backend
 * backend.undrain [M]  service, backend
 * backend.weight [M]   service, backend, weight (0..65535)
 *     Successful mutations reply with the backend or service as it is now.
 * stats  [offset, limit]
 *     -> time_ms (monotonic, for rates),
 *        vips: [{name, vip, port, protocol, id, packets, bytes, new_flows}],
 *        backends: [{service, name, address, port, site, id, state,
 *                    packets, bytes, new_flows}],
 *        drops: {reason: packets} (counters.h names without "drop_"),
 *        events: {name: count}
 * config.check  [path (absolute)]: the running config's file by default
 *     -> path, services, backends, vrrp, messages [warnings]; when the file
 *        is invalid: an error reply with every line in "messages"
 * config.reload [M]
 *     -> messages [lines]; failure: an error reply with "messages"
 * flows  [max (1..EDGELB_CTL_FLOWS_MAX, 100)] [offset, limit (within max)]
 *     -> flows: [{src, sport, dst, dport, protocol, service, backend,
 *                 vip_id, backend_id, age_ms}], truncated (more may exist),
 *        fill: {entries, capacity, complete} (the table's fill level, every
 *        CPU's together, on the first page; absent when the data plane
 *        cannot count; complete false: counting stopped after
 *        EDGELB_CTL_FILL_MAX entries and entries is an estimate)
 * health  [service] [offset, limit]
 *     -> time_unix_ms, checks (backends with a check), running,
 *        max_late_ms, backends: [{service, name, address, port, id,
 *        state ("up", "down" or "drained": a drain shows even while
 *        healthy), alive, drained, health ("up"/"down", the checks'
 *        verdict), check ("tcp", "http", "exec", "none"), target,
 *        through_tunnel, mark, running, last_result ("pass", "fail", null
 *        before the first), reason, latency_us, last_check_unix_ms,
 *        last_check_age_ms, since_unix_ms, since_age_ms (the last change
 *        of health, or when checking began), change_reason, transitions,
 *        checks_passed, checks_failed, passes_in_row, fails_in_row, rise,
 *        fall, interval_ms, timeout_ms, held_down_ms (left, 0 = none),
 *        late_ms}]; times with "unix" are wall-clock milliseconds
 * vrrp.status  [instance]
 *     -> maintenance, instances: [{instance, interface, vrid, version,
 *        family ("ipv4"/"ipv6"), state ("INIT", "BACKUP", "MASTER",
 *        "FAULT", "STOP"), priority (effective), config_priority, master
 *        (backup: the master's address, else "-"), advert_int_ms,
 *        since_unix_ms, since_age_ms, transitions, held, maintenance,
 *        vips_held, rx, tx, rx_rejected, rejects {reason: count}, error
 *        (null while running)}]
 * vrrp.handover  [instance] [M]    vrrp.release  [instance] [M]
 * vrrp.maintenance  mode ("on"/"off") [M]
 *     -> as vrrp.status. Not persisted: VRRP operator state lasts until
 *        edgelbd restarts. Without VRRP code (a test harness): an error.
 *
 * Every [M] command is persisted (the runtime layer, edgelbd(8)) before
 * it is acknowledged. When the change is made but saving it failed, the
 * reply is an error that says so: the running state has the change, a
 * restart would lose it.
 */
#ifndef EDGELB_CTL_WIRE_H
#define EDGELB_CTL_WIRE_H

/* The protocol version, "v" of every request and reply. */
#define EDGELB_CTL_VERSION 1

/* Messages ("Transport"). */
#define EDGELB_CTL_REQUEST_MAX (64 * 1024)     /* bytes */
#define EDGELB_CTL_REPLY_MAX (4 * 1024 * 1024) /* bytes */

/* Connection quotas and idle times ("Transport"). */
#define EDGELB_CTL_CONNS_MAX 64	      /* of peers outside root and control_group */
#define EDGELB_CTL_CONNS_PER_UID 16   /* of those, one uid */
#define EDGELB_CTL_ADMIN_CONNS_MAX 16 /* root and control_group */
#define EDGELB_CTL_IDLE_MS 60000
#define EDGELB_CTL_IDLE_BUSY_MS 5000  /* once a class holds half its quota */

/* Paging ("Paging") and flows. */
#define EDGELB_CTL_PAGE_BYTES (1024 * 1024) /* item text in a page without limit */
#define EDGELB_CTL_PAGE_ITEMS_MAX 100000
#define EDGELB_CTL_FLOWS_MAX 10000
/*
 * Flow-table entries counted for flows' fill level before it is estimated
 * from the part walked: the walk runs on edgelbd's loop (about a
 * microsecond an entry), which must stay free for VRRP.
 */
#define EDGELB_CTL_FILL_MAX (1u << 16)
#define EDGELB_CTL_FLOWS_DEFAULT 100

/*
 * Bytes of a name (service, backend, site, VRRP instance), without the
 * NUL: the same names as edgelb.conf(5), whose limit this is (config.h),
 * because runtime changes join the config's services and backends.
 */
#define EDGELB_CTL_NAME_MAX 63

/* Where the socket is ("Where the socket is"). */
#ifndef EDGELB_CONFIG_RUN_DIR
#define EDGELB_CONFIG_RUN_DIR "/run/edgelb"
#endif
#define EDGELB_CTL_SOCKET_SUFFIX ".sock"
#define EDGELB_CONFIG_INSTANCE_MAX 32 /* instance name: goes into paths */

#endif /* EDGELB_CTL_WIRE_H */
