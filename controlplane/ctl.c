// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket: listening, connections, authorisation. The protocol
 * is in ctl_wire.h, its parser in ctl_proto.c, the commands in ctl_cmds.c.
 *
 * Everything runs in edgelbd's loop and never blocks: sockets are
 * non-blocking, a reply that does not fit the socket waits for EPOLLOUT,
 * and a connection that has a reply waiting is not read meanwhile.
 */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <json-c/json.h>

#include "ctl.h"
#include "ctl_cmds.h"
#include "ctl_proto.h"
#include "log.h"
#include "loop.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59 /* Linux 4.13 */
#endif

/* Requests handled per readiness event, so one client cannot hog the loop. */
#define CTL_BATCH 16
/* often enough for EDGELB_CTL_IDLE_BUSY_MS to mean what it says */
#define CTL_IDLE_SWEEP_MS 1000
#define CTL_BACKLOG 16
/* at most one warning about refused or closed connections in this time */
#define CTL_WARN_INTERVAL_MS 10000

struct ctl_conn {
	struct edgelb_ctl *ctl;
	struct ctl_conn *prev, *next;
	int fd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool admin;	  /* may change state */
	char *out;	  /* a reply waiting for EPOLLOUT; the connection is busy */
	size_t out_len;
	uint64_t last_ms; /* last request or reply */
};

struct edgelb_ctl {
	struct edgelb_ctl_env env;
	int fd;
	char *path;
	ino_t ino;	/* of the socket we bound, so close removes only ours */
	dev_t dev;
	bool has_group;
	gid_t gid;
	char *group;	/* control_group, for messages; NULL when none */
	char *buf;	/* EDGELB_CTL_REQUEST_MAX + 1 bytes */
	struct ctl_conn *conns;
	size_t n_conns;
	size_t n_admin;	/* of n_conns: root and the control group, their own quota */
	struct loop_timer *sweep;
	bool warned;	/* warned_ms is set */
	uint64_t warned_ms;
	unsigned int warn_skipped; /* warnings held back since warned_ms */
};

/*
 * Connections are counted in two classes with a quota each (ctl_wire.h):
 * EDGELB_CTL_ADMIN_CONNS_MAX for root and the control group, whatever
 * others hold, and EDGELB_CTL_CONNS_MAX for everyone else, of which one
 * uid holds at most EDGELB_CTL_CONNS_PER_UID. A connection over a quota
 * takes the place of the longest idle one of its class (or uid), so idle
 * connections cannot keep anyone out; only when every one of them is busy
 * sending a reply is the newcomer refused.
 */


/* ---- connections ---------------------------------------------------------- */

static void ctl_conn_close(struct ctl_conn *c)
{
	struct edgelb_ctl *ctl = c->ctl;

	loop_del_fd(ctl->env.loop, c->fd);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		ctl->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ctl->n_conns--;
	if (c->admin)
		ctl->n_admin--;
	free(c->out);
	free(c);
}

/* 1 sent, 0 would block, or a negative errno. */
static int ctl_send(int fd, const char *text, size_t len)
{
	if (send(fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
		return 1;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	return -errno;
}

/* The last resort when even an error reply cannot be built. */
static const char ctl_nomem_reply[] = "{\"v\":1,\"ok\":false,\"error\":\"edgelbd: out of memory\"}";

/*
 * Send reply (consumed); keep it for EPOLLOUT when the socket is full.
 * Returns 0, or a negative errno when the connection must close.
 */
static int ctl_conn_reply(struct ctl_conn *c, struct json_object *reply)
{
	char *text = NULL;
	size_t len = 0;
	int ret = reply ? ctl_proto_serialize(reply, &text, &len) : -ENOMEM;

	json_object_put(reply);
	if (ret) {
		free(text);
		text = strdup(ctl_nomem_reply);
		if (!text)
			return -ENOMEM;
		len = strlen(text);
	}
	ret = ctl_send(c->fd, text, len);
	if (ret == -EMSGSIZE || ret == -ENOBUFS || ret == -ENOMEM) {
		/* the kernel cannot take a message this big: say so instead */
		struct ctl_error err;
		struct json_object *r;

		ctl_proto_error(&err, NULL,
				"reply: %zu bytes do not fit the socket (%s); ask for less "
				"(one page: offset, limit)",
				len, strerror(-ret));
		free(text);
		text = NULL;
		r = ctl_proto_reply_error(&err);
		if (!r || ctl_proto_serialize(r, &text, &len)) {
			json_object_put(r);
			free(text);
			return -ENOMEM;
		}
		json_object_put(r);
		ret = ctl_send(c->fd, text, len);
	}
	if (ret == 0) {
		c->out = text;
		c->out_len = len;
		return loop_mod_fd(c->ctl->env.loop, c->fd, EPOLLOUT);
	}
	free(text);
	return ret < 0 ? ret : 0;
}

static void ctl_describe(const struct ctl_request *req, char *buf, size_t len)
{
	const char *cmd = ctl_proto_cmd_name(req->cmd);

	switch (req->cmd) {
	case CTL_CMD_VIP_ADD:
		snprintf(buf, len, "%s %s", cmd, req->vip_add.name);
		break;
	case CTL_CMD_BACKEND_ADD:
		snprintf(buf, len, "%s %s/%s", cmd, req->service, req->backend_add.name);
		break;
	case CTL_CMD_BACKEND_WEIGHT:
		snprintf(buf, len, "%s %s/%s %u", cmd, req->service, req->backend, req->weight);
		break;
	default:
		snprintf(buf, len, "%s%s%s%s%s", cmd, req->service[0] ? " " : "", req->service,
			 req->backend[0] ? "/" : "", req->backend);
		break;
	}
}

static struct json_object *ctl_handle(struct ctl_conn *c, const char *buf, size_t len)
{
	struct edgelb_ctl *ctl = c->ctl;
	struct ctl_request req;
	struct ctl_error err;
	struct json_object *reply, *ok, *msg;
	char what[2 * (EDGELB_CTL_NAME_MAX + 1) + 64]; /* "service/backend" and words */
	int ret = ctl_proto_parse(buf, len, &req, &err);

	if (ret == -ENOMEM)
		return NULL;
	if (ret) {
		pr_debug("ctl", "uid %u pid %d: %s", (unsigned int)c->uid, (int)c->pid,
			 err.message);
		return ctl_proto_reply_error(&err);
	}
	ctl_describe(&req, what, sizeof(what));
	if (ctl_proto_needs_admin(&req) && !c->admin) {
		if (ctl->group)
			ctl_proto_error(&err, NULL,
					"permission denied: changing state needs root or "
					"membership of group \"%s\"",
					ctl->group);
		else
			ctl_proto_error(&err, NULL,
					"permission denied: changing state needs root (no "
					"control_group is set)");
		snprintf(err.field, sizeof(err.field), "cmd");
		pr_warn("ctl", "uid %u pid %d: %s refused: not root, not in the control group",
			(unsigned int)c->uid, (int)c->pid, what);
		return ctl_proto_reply_error(&err);
	}
	reply = ctl_cmds_run(&ctl->env, &req);
	if (ctl_proto_page(reply, &req, EDGELB_CTL_PAGE_BYTES)) {
		json_object_put(reply);
		return NULL;
	}
	if (!ctl_proto_needs_admin(&req))
		return reply;
	/* an audit trail of every change, with who asked */
	if (reply && json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok))
		pr_info("ctl", "uid %u pid %d: %s: done", (unsigned int)c->uid, (int)c->pid, what);
	else
		pr_warn("ctl", "uid %u pid %d: %s: %s", (unsigned int)c->uid, (int)c->pid, what,
			reply && json_object_object_get_ex(reply, "error", &msg)
				? json_object_get_string(msg)
				: "out of memory");
	return reply;
}

/* Read and answer requests; returns false when c was closed. */
static bool ctl_conn_read(struct ctl_conn *c)
{
	struct edgelb_ctl *ctl = c->ctl;

	for (int i = 0; i < CTL_BATCH && !c->out; i++) {
		/* MSG_TRUNC: the length of the message, even past the buffer */
		ssize_t n = recv(c->fd, ctl->buf, EDGELB_CTL_REQUEST_MAX + 1,
				 MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0) {
			ctl_conn_close(c);
			return false;
		}
		c->last_ms = loop_now_ms();
		if (ctl_conn_reply(c, ctl_handle(c, ctl->buf, (size_t)n))) {
			ctl_conn_close(c);
			return false;
		}
	}
	return true;
}

static void ctl_conn_event(void *arg, int fd, uint32_t events)
{
	struct ctl_conn *c = arg;
	int ret;

	(void)fd;
	if (c->out && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		ret = ctl_send(c->fd, c->out, c->out_len);
		if (ret < 0) {
			ctl_conn_close(c);
			return;
		}
		if (ret == 0)
			return;
		free(c->out);
		c->out = NULL;
		c->last_ms = loop_now_ms();
		if (loop_mod_fd(c->ctl->env.loop, c->fd, EPOLLIN)) {
			ctl_conn_close(c);
			return;
		}
		/* requests may have queued while we waited */
		events |= EPOLLIN;
	}
	if (!c->out && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		ctl_conn_read(c);
}

/* uid 0, or control_group as the primary or a supplementary group. */
static bool ctl_peer_admin(struct edgelb_ctl *ctl, int fd, const struct ucred *cred)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	bool admin = false;

	if (cred->uid == 0)
		return true;
	if (!ctl->has_group)
		return false;
	if (cred->gid == ctl->gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len)) {
		if (errno != ERANGE)
			return false; /* kernel without SO_PEERGROUPS: primary group only */
		groups = malloc(len);
		if (!groups || getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len)) {
			free(groups);
			return false;
		}
	}
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == ctl->gid)
			admin = true;
	if (groups != small)
		free(groups);
	return admin;
}

/*
 * A warning about connections, at most one per CTL_WARN_INTERVAL_MS: a
 * local user opening connections in a loop must not flood the log.
 */
__attribute__((format(printf, 2, 3))) static void ctl_warn_limited(struct edgelb_ctl *ctl,
								   const char *fmt, ...)
{
	uint64_t now = loop_now_ms();
	char msg[256];
	va_list ap;

	if (ctl->warned && now - ctl->warned_ms < CTL_WARN_INTERVAL_MS) {
		ctl->warn_skipped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctl->warn_skipped)
		pr_warn("ctl", "%s (and %u more since the last warning)", msg, ctl->warn_skipped);
	else
		pr_warn("ctl", "%s", msg);
	ctl->warned = true;
	ctl->warned_ms = now;
	ctl->warn_skipped = 0;
}

/* Whether a class holds half its quota or more: its idle connections go sooner. */
static bool ctl_under_pressure(const struct edgelb_ctl *ctl, bool admin)
{
	size_t n = admin ? ctl->n_admin : ctl->n_conns - ctl->n_admin;
	size_t max = admin ? EDGELB_CTL_ADMIN_CONNS_MAX : EDGELB_CTL_CONNS_MAX;

	return 2 * n >= max;
}

/*
 * Close the longest idle connection of the class admin (and of uid, if
 * not NULL) for a newcomer. A connection with a reply waiting is busy, not
 * idle. Returns false when there is none.
 */
static bool ctl_evict(struct edgelb_ctl *ctl, bool admin, const uid_t *uid, const char *why)
{
	struct ctl_conn *c, *oldest = NULL;
	uint64_t now = loop_now_ms();

	for (c = ctl->conns; c; c = c->next)
		if (c->admin == admin && (!uid || c->uid == *uid) && !c->out &&
		    (!oldest || c->last_ms <= oldest->last_ms))
			oldest = c;
	if (!oldest)
		return false;
	ctl_warn_limited(ctl, "%s: closing the connection of uid %u pid %d, idle %llu ms",
			 why, (unsigned int)oldest->uid, (int)oldest->pid,
			 (unsigned long long)(now - oldest->last_ms));
	ctl_conn_close(oldest);
	return true;
}

/* Room for one more connection of cred's class: true, after an eviction if needed. */
static bool ctl_make_room(struct edgelb_ctl *ctl, bool admin, const struct ucred *cred)
{
	char why[96];
	size_t of_uid = 0;

	if (admin) {
		if (ctl->n_admin < EDGELB_CTL_ADMIN_CONNS_MAX)
			return true;
		snprintf(why, sizeof(why), "%d connections of root and the control group",
			 EDGELB_CTL_ADMIN_CONNS_MAX);
		return ctl_evict(ctl, true, NULL, why);
	}
	for (struct ctl_conn *c = ctl->conns; c; c = c->next)
		of_uid += !c->admin && c->uid == cred->uid;
	if (of_uid >= EDGELB_CTL_CONNS_PER_UID) {
		snprintf(why, sizeof(why), "uid %u has %d connections", (unsigned int)cred->uid,
			 EDGELB_CTL_CONNS_PER_UID);
		return ctl_evict(ctl, false, &cred->uid, why);
	}
	if (ctl->n_conns - ctl->n_admin < EDGELB_CTL_CONNS_MAX)
		return true;
	snprintf(why, sizeof(why), "%d connections of users outside the control group",
		 EDGELB_CTL_CONNS_MAX);
	return ctl_evict(ctl, false, NULL, why);
}

static void ctl_refuse_busy(int fd, int max)
{
	char text[160];
	int n = snprintf(text, sizeof(text),
			 "{\"v\":%d,\"ok\":false,\"error\":\"busy: %d control connections are "
			 "open; try again\"}",
			 EDGELB_CTL_VERSION, max);

	ctl_send(fd, text, (size_t)n);
	/*
	 * Closing with a request unread would make the kernel reset the
	 * peer, and drop the reply with it: stop the peer's sends first,
	 * then discard what came before.
	 */
	shutdown(fd, SHUT_RDWR);
	for (int i = 0; i < CTL_BATCH; i++)
		if (recv(fd, text, sizeof(text), MSG_DONTWAIT | MSG_TRUNC) <= 0)
			break;
	close(fd);
}

static void ctl_accept_one(struct edgelb_ctl *ctl, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int sndbuf = EDGELB_CTL_REPLY_MAX + 64 * 1024;
	struct ctl_conn *c;
	bool admin;

	/* who it is first: root and the control group are never counted with others */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		pr_warn("ctl", "SO_PEERCRED: %s; closing the connection", strerror(errno));
		close(fd);
		return;
	}
	admin = ctl_peer_admin(ctl, fd, &cred);
	if (!ctl_make_room(ctl, admin, &cred)) {
		int max = admin ? EDGELB_CTL_ADMIN_CONNS_MAX : EDGELB_CTL_CONNS_MAX;

		ctl_warn_limited(ctl, "uid %u pid %d: refused, %d connections of its class are "
				      "busy",
				 (unsigned int)cred.uid, (int)cred.pid, max);
		ctl_refuse_busy(fd, max);
		return;
	}
	/* replies can be large: let one fit (SO_SNDBUFFORCE needs CAP_NET_ADMIN) */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	*c = (struct ctl_conn){ .ctl = ctl, .fd = fd, .uid = cred.uid, .gid = cred.gid,
				.pid = cred.pid, .last_ms = loop_now_ms(), .admin = admin };
	if (loop_add_fd(ctl->env.loop, fd, EPOLLIN, ctl_conn_event, c)) {
		close(fd);
		free(c);
		return;
	}
	c->next = ctl->conns;
	if (c->next)
		c->next->prev = c;
	ctl->conns = c;
	ctl->n_conns++;
	if (admin)
		ctl->n_admin++;
	pr_debug("ctl", "connection from uid %u gid %u pid %d%s", (unsigned int)c->uid,
		 (unsigned int)c->gid, (int)c->pid, c->admin ? " (may change state)" : "");
}

static void ctl_accept(void *arg, int lfd, uint32_t events)
{
	struct edgelb_ctl *ctl = arg;

	(void)events;
	for (int i = 0; i < CTL_BATCH; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pr_warn("ctl", "accept: %s", strerror(errno));
			return;
		}
		ctl_accept_one(ctl, fd);
	}
}

static void ctl_sweep(void *arg)
{
	struct edgelb_ctl *ctl = arg;
	uint64_t now = loop_now_ms();
	struct ctl_conn *c = ctl->conns, *next;
	/* as the sweep starts: closing some must not spare the others */
	uint64_t limit_admin = ctl_under_pressure(ctl, true) ? EDGELB_CTL_IDLE_BUSY_MS
							     : EDGELB_CTL_IDLE_MS;
	uint64_t limit_user = ctl_under_pressure(ctl, false) ? EDGELB_CTL_IDLE_BUSY_MS
							     : EDGELB_CTL_IDLE_MS;

	for (; c; c = next) {
		next = c->next;
		if (now - c->last_ms >= (c->admin ? limit_admin : limit_user)) {
			pr_debug("ctl", "closing the idle connection of pid %d", (int)c->pid);
			ctl_conn_close(c);
		}
	}
}

/* ---- the socket ------------------------------------------------------------- */

/* mkdir -p of the directory part of path. */
static int ctl_mkdir_parent(const char *path)
{
	char *dir = strdup(path), *p;
	int err = 0;

	if (!dir)
		return -ENOMEM;
	p = strrchr(dir, '/');
	if (p)
		*p = '\0';
	for (p = dir + 1; dir[0] && !err; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			err = -errno;
		*p = c;
		if (!c)
			break;
	}
	free(dir);
	return err;
}

/* A socket file left by an earlier run is removed; a live one is not. */
static int ctl_remove_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, ret;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		pr_err("ctl", "%s exists and is not a socket; not touching it", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	if (!ret || errno == EAGAIN) {
		close(fd);
		pr_err("ctl", "%s: another edgelbd answers on it (same instance name?)", path);
		return -EADDRINUSE;
	}
	close(fd);
	if (unlink(path) && errno != ENOENT)
		return -errno;
	pr_info("ctl", "removed the stale socket %s", path);
	return 0;
}

static int ctl_group(struct edgelb_ctl *ctl, const char *name)
{
	struct group gr, *res = NULL;
	char buf[16384];
	int ret;

	if (!name)
		return 0;
	ret = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
	if (ret || !res) {
		pr_err("ctl", "control_group \"%s\": %s", name,
		       ret ? strerror(ret) : "no such group (create it, or fix edgelb.conf)");
		return ret ? -ret : -ENOENT;
	}
	ctl->group = strdup(name);
	if (!ctl->group)
		return -ENOMEM;
	ctl->has_group = true;
	ctl->gid = res->gr_gid;
	return 0;
}

int edgelb_ctl_open(const struct edgelb_ctl_env *env, const char *path, const char *admin_group,
		    struct edgelb_ctl **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct edgelb_ctl *ctl;
	struct stat st;
	int err;

	if (!path || path[0] != '/' || strlen(path) >= sizeof(sun.sun_path))
		return -EINVAL;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->env = *env;
	ctl->fd = -1;
	ctl->path = strdup(path);
	ctl->buf = malloc(EDGELB_CTL_REQUEST_MAX + 1);
	if (!ctl->path || !ctl->buf) {
		err = -ENOMEM;
		goto fail;
	}
	err = ctl_group(ctl, admin_group);
	if (err)
		goto fail;
	err = ctl_mkdir_parent(path);
	if (err) {
		pr_err("ctl", "creating the directory of %s: %s", path, strerror(-err));
		goto fail;
	}
	err = ctl_remove_stale(path, &sun);
	if (err)
		goto fail;
	ctl->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		err = -errno;
		goto fail;
	}
	/* the file is created by bind() with umask's mode: 0755 at most lets only root in */
	if (bind(ctl->fd, (const struct sockaddr *)&sun, sizeof(sun))) {
		err = -errno;
		pr_err("ctl", "bind %s: %s", path, strerror(errno));
		goto fail;
	}
	if (lstat(path, &st) ||
	    (ctl->has_group && chown(path, (uid_t)-1, ctl->gid)) || chmod(path, 0660)) {
		err = -errno;
		pr_err("ctl", "setting owner and mode of %s: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	ctl->ino = st.st_ino;
	ctl->dev = st.st_dev;
	if (listen(ctl->fd, CTL_BACKLOG)) {
		err = -errno;
		unlink(path);
		goto fail;
	}
	err = loop_add_fd(env->loop, ctl->fd, EPOLLIN, ctl_accept, ctl);
	if (!err)
		err = loop_timer_new(env->loop, ctl_sweep, ctl, &ctl->sweep);
	if (!err)
		err = loop_timer_arm(ctl->sweep, CTL_IDLE_SWEEP_MS, CTL_IDLE_SWEEP_MS);
	if (err) {
		unlink(path);
		goto fail;
	}
	pr_debug("ctl", "listening on %s (group %s)", path, ctl->group ? ctl->group : "root");
	*out = ctl;
	return 0;
fail:
	if (ctl->fd >= 0) {
		loop_del_fd(env->loop, ctl->fd);
		close(ctl->fd);
	}
	loop_timer_free(ctl->sweep);
	free(ctl->path);
	free(ctl->buf);
	free(ctl->group);
	free(ctl);
	return err;
}

void edgelb_ctl_close(struct edgelb_ctl *ctl)
{
	struct stat st;

	if (!ctl)
		return;
	while (ctl->conns)
		ctl_conn_close(ctl->conns);
	loop_timer_free(ctl->sweep);
	loop_del_fd(ctl->env.loop, ctl->fd);
	close(ctl->fd);
	/* a newer edgelbd may have replaced the file: remove only ours */
	if (!lstat(ctl->path, &st) && st.st_ino == ctl->ino && st.st_dev == ctl->dev)
		unlink(ctl->path);
	free(ctl->path);
	free(ctl->buf);
	free(ctl->group);
	free(ctl);
}
