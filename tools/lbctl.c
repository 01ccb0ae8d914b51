// SPDX-License-Identifier: GPL-2.0-only
/*
 * lbctl: the operator's CLI for edgelbd. Speaks the JSON protocol of
 * controlplane/ctl_wire.h on edgelbd's control socket and prints tables
 * (or, with --json, the replies as they are). See lbctl(8).
 *
 * Exit codes: 0 done, 1 edgelbd refused or the command failed, 2 usage
 * error, 3 edgelbd cannot be reached.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <json-c/json.h>

/*
 * The wire contract, and nothing else of the daemon: lbctl's build has no
 * include path into controlplane/ (tools/meson.build), so that what a
 * client relies on is all in ctl_wire.h.
 */
#include "../controlplane/ctl_wire.h"

#define LBCTL_EXIT_FAILED 1
#define LBCTL_EXIT_USAGE 2
#define LBCTL_EXIT_CONNECT 3

/* How long a reply may take (a reload of a large config included). */
#define LBCTL_REPLY_TIMEOUT_MS 60000
#define LBCTL_WATCH_DEFAULT_S 2

struct lbctl {
	const char *socket; /* resolved path */
	bool json;
	int fd;
};

static volatile sig_atomic_t lbctl_stop;

/* The request being built, released when a usage error ends lbctl. */
static struct json_object *lbctl_building;

/* ---- messages and exits ----------------------------------------------- */

__attribute__((format(printf, 2, 3), noreturn)) static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("lbctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: lbctl [-s SOCKET | -i INSTANCE] [--json] COMMAND [ARGS...]\n"
		"\n"
		"Drive edgelbd, the edgelb load balancer daemon.\n"
		"\n"
		"Commands:\n"
		"  status                              the daemon: version, uptime, config, data plane\n"
		"  vip list                            services (VIPs)\n"
		"  vip add NAME ADDRESS PORT [--protocol tcp|udp] [--encap ipip|gue|dsr]\n"
		"          [--gue-port N] [--ring-size PRIME] [--mtu N] [--mtu-policy icmp|drop]\n"
		"          [--hash 5tuple|addresses]\n"
		"  vip del NAME\n"
		"  backend list [SERVICE]              backends, their state and weight\n"
		"  backend add SERVICE NAME ADDRESS [--port N] [--weight N] [--site SITE]\n"
		"  backend del SERVICE BACKEND\n"
		"  backend drain SERVICE BACKEND       keep its flows, send it no new ones\n"
		"  backend undrain SERVICE BACKEND\n"
		"  backend weight SERVICE BACKEND WEIGHT\n"
		"  stats [--watch [SECONDS]]           packets, bytes, new flows, drops\n"
		"  config check [FILE]                 validate FILE (default: edgelbd's own)\n"
		"  config reload                       load edgelbd's config file again\n"
		"  flows [--max N]                     a sample of the connection table\n"
		"  health [SERVICE]                    health checks: state, last result,\n"
		"                                      latency, since when, transitions\n"
		"  vrrp status [INSTANCE]              VRRP instances: state, priority, master,\n"
		"                                      since when, transitions, counters\n"
		"  vrrp handover [INSTANCE]            resign (priority 0): the peer takes over;\n"
		"                                      stay backup until released\n"
		"  vrrp release [INSTANCE]             end a handover: preempt again\n"
		"  vrrp maintenance on|off             never become master while on\n"
		"\n"
		"Options:\n"
		"  -s, --socket SOCKET     control socket (default: %s/INSTANCE.sock)\n"
		"  -i, --instance INSTANCE edgelbd instance (default: $EDGELB_INSTANCE, else the\n"
		"                          only socket in %s)\n"
		"      --json              print edgelbd's replies as JSON\n"
		"  -h, --help              show this help and exit\n"
		"  -V, --version           show the version and exit\n"
		"The options above may also follow the command (lbctl stats --json);\n"
		"after \"--\", arguments are the command's only.\n"
		"\n"
		"Changes need root or membership of edgelbd's control_group.\n"
		"Exit status: 0 done, 1 refused or failed, 2 usage error, 3 edgelbd not reachable.\n"
		"See lbctl(8).\n",
		EDGELB_CONFIG_RUN_DIR, EDGELB_CONFIG_RUN_DIR);
}

__attribute__((format(printf, 1, 2), noreturn)) static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("lbctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'lbctl --help'.\n", stderr);
	json_object_put(lbctl_building);
	exit(LBCTL_EXIT_USAGE);
}

/* ---- the socket ---------------------------------------------------------- */

/* The only edgelbd socket in the run directory, or a usage error. */
static const char *lbctl_find_socket(void)
{
	static char path[PATH_MAX];
	char names[512] = "";
	size_t found = 0;
	struct dirent *e;
	DIR *dir = opendir(EDGELB_CONFIG_RUN_DIR);

	if (!dir)
		die(LBCTL_EXIT_CONNECT,
		    "cannot open %s (%s): edgelbd does not seem to run here; give -s SOCKET or "
		    "-i INSTANCE",
		    EDGELB_CONFIG_RUN_DIR, strerror(errno));
	while ((e = readdir(dir))) {
		const size_t sfx = strlen(EDGELB_CTL_SOCKET_SUFFIX);
		size_t len = strlen(e->d_name);

		if (len <= sfx || strcmp(e->d_name + len - sfx, EDGELB_CTL_SOCKET_SUFFIX))
			continue;
		if (!found++)
			snprintf(path, sizeof(path), "%s/%s", EDGELB_CONFIG_RUN_DIR, e->d_name);
		if (strlen(names) + len + 3 < sizeof(names))
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%.*s",
				 found > 1 ? ", " : "", (int)(len - sfx), e->d_name);
	}
	closedir(dir);
	if (!found)
		die(LBCTL_EXIT_CONNECT,
		    "no control socket in %s: is edgelbd running? (systemctl status edgelbd)",
		    EDGELB_CONFIG_RUN_DIR);
	if (found > 1)
		usage_error("several edgelbd instances run (%s): choose one with -i INSTANCE",
			    names);
	return path;
}

static const char *lbctl_instance_socket(const char *instance)
{
	static char path[PATH_MAX];

	if (!instance[0] || strchr(instance, '/') || strlen(instance) > EDGELB_CONFIG_INSTANCE_MAX)
		usage_error("instance: \"%s\" is not an instance name", instance);
	snprintf(path, sizeof(path), "%s/%s" EDGELB_CTL_SOCKET_SUFFIX, EDGELB_CONFIG_RUN_DIR,
		 instance);
	return path;
}

static void lbctl_connect(struct lbctl *l)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int err;

	if (strlen(l->socket) >= sizeof(sun.sun_path))
		usage_error("socket: \"%s\" is longer than a socket path may be", l->socket);
	memcpy(sun.sun_path, l->socket, strlen(l->socket) + 1);
	l->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		die(LBCTL_EXIT_CONNECT, "socket: %s", strerror(errno));
	if (!connect(l->fd, (struct sockaddr *)&sun, sizeof(sun)))
		return;
	err = errno;
	close(l->fd);
	l->fd = -1;
	switch (err) {
	case ENOENT:
		die(LBCTL_EXIT_CONNECT,
		    "cannot connect to %s: no such socket; is edgelbd running? (systemctl status "
		    "edgelbd)",
		    l->socket);
	case ECONNREFUSED:
		die(LBCTL_EXIT_CONNECT,
		    "cannot connect to %s: nobody listens on it; edgelbd is not running (the "
		    "socket is left from an earlier run)",
		    l->socket);
	case EACCES:
	case EPERM:
		if (!stat(l->socket, &st)) {
			struct group *g = getgrgid(st.st_gid);

			if (g && st.st_gid != 0)
				die(LBCTL_EXIT_CONNECT,
				    "cannot connect to %s: permission denied; run as root or as a "
				    "member of group \"%s\"",
				    l->socket, g->gr_name);
		}
		die(LBCTL_EXIT_CONNECT, "cannot connect to %s: permission denied; run as root",
		    l->socket);
	default:
		die(LBCTL_EXIT_CONNECT, "cannot connect to %s: %s", l->socket, strerror(err));
	}
}

/* Send req (consumed), return the reply; exits on failure to talk. */
static struct json_object *lbctl_call(struct lbctl *l, struct json_object *req)
{
	struct pollfd pfd;
	struct json_object *reply;
	struct json_tokener *tok;
	size_t len;
	const char *text;
	char *buf, probe;
	ssize_t n;
	int ret;

	if (l->fd < 0)
		lbctl_connect(l);
	json_object_object_add(req, "v", json_object_new_int(EDGELB_CTL_VERSION));
	text = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN, &len);
	if (!text)
		die(LBCTL_EXIT_FAILED, "out of memory");
	if (len > EDGELB_CTL_REQUEST_MAX)
		usage_error("the request is larger than %d bytes", EDGELB_CTL_REQUEST_MAX);
	/* a refusal (busy) may be waiting even though the send failed */
	if (send(l->fd, text, len, MSG_NOSIGNAL) < 0) {
		int err = errno;

		if (recv(l->fd, &probe, 1, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT) <= 0)
			die(LBCTL_EXIT_CONNECT, "sending to %s: %s; did edgelbd stop?", l->socket,
			    strerror(err));
	}
	json_object_put(req);
	lbctl_building = NULL;

	pfd = (struct pollfd){ .fd = l->fd, .events = POLLIN };
	do
		ret = poll(&pfd, 1, LBCTL_REPLY_TIMEOUT_MS);
	while (ret < 0 && errno == EINTR && !lbctl_stop);
	if (ret == 0)
		die(LBCTL_EXIT_CONNECT, "edgelbd did not answer on %s within %d s", l->socket,
		    LBCTL_REPLY_TIMEOUT_MS / 1000);
	if (ret < 0)
		die(LBCTL_EXIT_CONNECT, "waiting for edgelbd: %s", strerror(errno));
	/* the length of the waiting message, whatever the buffer */
	n = recv(l->fd, &probe, 1, MSG_PEEK | MSG_TRUNC);
	if (n <= 0)
		die(LBCTL_EXIT_CONNECT, "edgelbd closed the connection on %s%s%s", l->socket,
		    n < 0 ? ": " : " without a reply", n < 0 ? strerror(errno) : "");
	buf = malloc((size_t)n);
	if (!buf)
		die(LBCTL_EXIT_FAILED, "out of memory for a reply of %zd bytes", n);
	n = recv(l->fd, buf, (size_t)n, 0);
	if (n <= 0)
		die(LBCTL_EXIT_CONNECT, "reading the reply on %s: %s", l->socket,
		    n < 0 ? strerror(errno) : "connection closed");
	tok = json_tokener_new();
	if (!tok)
		die(LBCTL_EXIT_FAILED, "out of memory");
	reply = json_tokener_parse_ex(tok, buf, (int)n);
	json_tokener_free(tok);
	free(buf);
	if (!reply || !json_object_is_type(reply, json_type_object))
		die(LBCTL_EXIT_FAILED, "edgelbd sent a reply that is not a JSON object");
	return reply;
}

/* ---- reply access ------------------------------------------------------- */

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	return v && !json_object_is_type(v, json_type_null) ? json_object_get_string(v) : "-";
}

static int64_t jint(struct json_object *o, const char *key)
{
	return json_object_get_int64(jget(o, key));
}

static uint64_t juint(struct json_object *o, const char *key)
{
	return json_object_get_uint64(jget(o, key));
}

static bool jbool(struct json_object *o, const char *key)
{
	return json_object_get_boolean(jget(o, key));
}

static void lbctl_print_json(struct json_object *reply)
{
	puts(json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* The lines of reply.messages on out. */
static void lbctl_print_messages(struct json_object *reply, FILE *out)
{
	struct json_object *m = jget(reply, "messages");

	for (size_t i = 0; m && i < json_object_array_length(m); i++)
		fprintf(out, "%s\n", json_object_get_string(json_object_array_get_idx(m, i)));
}

/* Print an error reply (consumed) and exit 1; with --json it also goes to stdout. */
__attribute__((noreturn)) static void lbctl_failed(struct lbctl *l, struct json_object *reply)
{
	if (l->json)
		lbctl_print_json(reply);
	else
		lbctl_print_messages(reply, stderr);
	fprintf(stderr, "lbctl: %s\n", jstr(reply, "error"));
	json_object_put(reply);
	exit(LBCTL_EXIT_FAILED);
}

/*
 * Run one request. On an error reply print it and exit 1; with --json
 * the reply also goes to stdout. Returns the reply of a success.
 */
static struct json_object *lbctl_run(struct lbctl *l, struct json_object *req)
{
	struct json_object *reply = lbctl_call(l, req);

	if (jbool(reply, "ok"))
		return reply;
	lbctl_failed(l, reply);
}

/* How often a listing that changes while it is read is started again. */
#define LBCTL_PAGE_ATTEMPTS 3

/*
 * Run a listing (req consumed) page by page (ctl_wire.h, "Paging") and return
 * the whole reply, as one unpaged reply would be: lists[] are the reply's
 * lists that pages cut, their items are put together, "total" and "next"
 * removed. When the listing changes between pages (total differs), start
 * again. An edgelbd that does not page (refuses "offset") gets req whole.
 */
static struct json_object *lbctl_run_all(struct lbctl *l, struct json_object *req,
					 const char *const *lists)
{
	for (int attempt = 0; attempt < LBCTL_PAGE_ATTEMPTS; attempt++) {
		struct json_object *whole = NULL, *page, *copy, *next;
		uint64_t offset = 0, total = 0;
		bool changed = false;

		for (;;) {
			copy = NULL;
			if (json_object_deep_copy(req, &copy, NULL))
				die(LBCTL_EXIT_FAILED, "out of memory");
			json_object_object_add(copy, "offset", json_object_new_uint64(offset));
			page = lbctl_call(l, copy);
			lbctl_building = req;
			if (!jbool(page, "ok")) {
				json_object_put(whole);
				if (offset == 0 && !strcmp(jstr(page, "field"), "offset")) {
					/* an edgelbd from before paging */
					json_object_put(page);
					return lbctl_run(l, req);
				}
				json_object_put(req);
				lbctl_building = NULL;
				lbctl_failed(l, page);
			}
			if (!whole) {
				whole = page;
				total = juint(page, "total");
			} else if (juint(page, "total") != total) {
				json_object_put(page);
				changed = true;
				break;
			} else {
				for (size_t k = 0; lists[k]; k++) {
					struct json_object *to = jget(whole, lists[k]);
					struct json_object *from = jget(page, lists[k]);

					for (size_t i = 0; to && from && i < json_object_array_length(from);
					     i++)
						json_object_array_add(
							to, json_object_get(
								    json_object_array_get_idx(from, i)));
				}
			}
			next = jget(page, "next");
			if (!next || json_object_is_type(next, json_type_null)) {
				if (page != whole)
					json_object_put(page);
				break;
			}
			if (json_object_get_uint64(next) <= offset) {
				if (page != whole)
					json_object_put(page);
				die(LBCTL_EXIT_FAILED, "edgelbd sent a page whose next offset %llu "
						       "does not move on from %llu",
				    (unsigned long long)json_object_get_uint64(next),
				    (unsigned long long)offset);
			}
			offset = json_object_get_uint64(next);
			if (page != whole)
				json_object_put(page);
		}
		if (changed) {
			json_object_put(whole);
			continue;
		}
		json_object_object_del(whole, "total");
		json_object_object_del(whole, "next");
		json_object_put(req);
		lbctl_building = NULL;
		return whole;
	}
	die(LBCTL_EXIT_FAILED, "the listing changed while it was read, %d times; try again",
	    LBCTL_PAGE_ATTEMPTS);
}

static const char *const lbctl_lists_services[] = { "services", NULL };
static const char *const lbctl_lists_backends[] = { "backends", NULL };
static const char *const lbctl_lists_stats[] = { "vips", "backends", NULL };
static const char *const lbctl_lists_flows[] = { "flows", NULL };

/* A request object: {"cmd": cmd} */
static struct json_object *lbctl_req(const char *cmd)
{
	struct json_object *r = json_object_new_object();

	if (!r)
		die(LBCTL_EXIT_FAILED, "out of memory");
	json_object_object_add(r, "cmd", json_object_new_string(cmd));
	lbctl_building = r;
	return r;
}

static void req_str(struct json_object *r, const char *key, const char *v)
{
	json_object_object_add(r, key, json_object_new_string(v));
}

/* A number argument, or exit 2 naming the field. */
static int64_t lbctl_number(const char *field, const char *s, int64_t min, int64_t max)
{
	const char *digits = s + (s[0] == '-');
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	/* digits only: strtoll alone takes " 5" (and "+5") but not "5 " */
	if (!digits[0] || strspn(digits, "0123456789") != strlen(digits) || *end || errno ||
	    v < min || v > max)
		usage_error("%s: \"%s\" is not a number in %lld..%lld", field, s, (long long)min,
			    (long long)max);
	return v;
}

/* ---- tables ------------------------------------------------------------------ */

#define TABLE_COLS 12

struct table {
	size_t ncols, nrows, cap;
	char **cells; /* row-major */
	bool right[TABLE_COLS]; /* right-aligned columns (numbers) */
};

static void table_row(struct table *t, ...)
{
	va_list ap;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->cells = realloc(t->cells, t->cap * t->ncols * sizeof(*t->cells));
		if (!t->cells)
			die(LBCTL_EXIT_FAILED, "out of memory");
	}
	va_start(ap, t);
	for (size_t c = 0; c < t->ncols; c++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->nrows * t->ncols + c] = strdup(s ? s : "-");
		if (!t->cells[t->nrows * t->ncols + c])
			die(LBCTL_EXIT_FAILED, "out of memory");
	}
	va_end(ap);
	t->nrows++;
}

static void table_print(struct table *t)
{
	size_t w[TABLE_COLS] = { 0 };

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t len = strlen(t->cells[r * t->ncols + c]);

			if (len > w[c])
				w[c] = len;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			bool last = c + 1 == t->ncols;

			if (t->right[c])
				printf("%*s%s", (int)w[c], s, last ? "" : "  ");
			else if (last)
				printf("%s", s);
			else
				printf("%-*s  ", (int)w[c], s);
			free(t->cells[r * t->ncols + c]);
		}
		putchar('\n');
	}
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

/* 1234567 -> "1.23M"; for rates. */
static const char *si(double v, char *buf, size_t len)
{
	static const char *const unit[] = { "", "k", "M", "G", "T", "P" };
	size_t u = 0;

	while (v >= 1000 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, u ? "%.2f%s" : "%.0f%s", v, unit[u]);
	return buf;
}

static const char *duration(int64_t s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%lldd %02lldh %02lldm", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600), (long long)(s % 3600 / 60));
	else if (s >= 3600)
		snprintf(buf, len, "%lldh %02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, len, "%lldm %02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, len, "%llds", (long long)s);
	return buf;
}

/* ---- commands ------------------------------------------------------------------ */

/* Finish a command: --json prints the reply; otherwise print(reply). */
static int lbctl_done(struct lbctl *l, struct json_object *reply,
		      void (*print)(struct json_object *reply))
{
	if (l->json)
		lbctl_print_json(reply);
	else if (print)
		print(reply);
	json_object_put(reply);
	return 0;
}

static void print_status(struct json_object *r)
{
	char up[64], age[64], when[64];
	time_t loaded = (time_t)jint(r, "config_loaded_unix");
	struct json_object *ifs = jget(r, "interfaces");
	struct tm tm;

	duration(jint(r, "uptime_s"), up, sizeof(up));
	duration(jint(r, "config_age_s"), age, sizeof(age));
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&loaded, &tm));
	printf("instance   %s\n", jstr(r, "instance"));
	printf("version    edgelbd %s, pid %lld, up %s\n", jstr(r, "version"),
	       (long long)jint(r, "pid"), up);
	printf("config     %s\n", jstr(r, "config_path"));
	printf("           loaded %s (%s ago), %lld reload%s since start\n", when, age,
	       (long long)jint(r, "reloads"), jint(r, "reloads") == 1 ? "" : "s");
	printf("dataplane  %s", jstr(r, "dataplane"));
	if (strcmp(jstr(r, "xdp_mode"), "-"))
		printf(" %s", jstr(r, "xdp_mode"));
	for (size_t i = 0; ifs && i < json_object_array_length(ifs); i++)
		printf("%s%s", i ? ", " : " on ",
		       json_object_get_string(json_object_array_get_idx(ifs, i)));
	printf("%s\n", jbool(r, "adopted") ? " (adopted from an earlier run)" : "");
	printf("services   %lld, backends %lld\n", (long long)jint(r, "services"),
	       (long long)jint(r, "backends"));
	/* the ring array counts in edgelbd's RSS (file-backed): say how much it is */
	if (jget(r, "ring_slots"))
		printf("rings      %lld slots mapped (%.1f MiB, file-backed: in edgelbd's RSS, not "
		       "its private memory), %lld in live rings (%.1f MiB)\n",
		       (long long)jint(r, "ring_slots"),
		       (double)jint(r, "ring_bytes") / (1024.0 * 1024.0),
		       (long long)jint(r, "ring_slots_live"),
		       (double)jint(r, "ring_slots_live") * 4.0 / (1024.0 * 1024.0));
}

static void print_vips(struct json_object *r)
{
	struct json_object *a = jget(r, "services");
	struct table t = { .ncols = 10, .right = { [2] = true, [5] = true, [6] = true, [7] = true,
						   [9] = true } };

	table_row(&t, "SERVICE", "VIP", "PORT", "PROTO", "ENCAP", "UP", "BACKENDS", "RING",
		  "MTU", "ID");
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *s = json_object_array_get_idx(a, i);
		char port[16], up[16], n[16], ring[16], mtu[16], id[16], encap[32];

		snprintf(port, sizeof(port), "%lld", (long long)jint(s, "port"));
		if (!jint(s, "port"))
			snprintf(port, sizeof(port), "all");
		snprintf(up, sizeof(up), "%lld", (long long)jint(s, "backends_up"));
		snprintf(n, sizeof(n), "%lld", (long long)jint(s, "backends"));
		snprintf(ring, sizeof(ring), "%lld", (long long)jint(s, "ring_size"));
		snprintf(mtu, sizeof(mtu), "%lld", (long long)jint(s, "mtu"));
		snprintf(id, sizeof(id), "%lld", (long long)jint(s, "id"));
		if (!strcmp(jstr(s, "encap"), "gue"))
			snprintf(encap, sizeof(encap), "gue:%lld", (long long)jint(s, "gue_port"));
		else
			snprintf(encap, sizeof(encap), "%s", jstr(s, "encap"));
		table_row(&t, jstr(s, "name"), jstr(s, "vip"), port, jstr(s, "protocol"), encap, up,
			  n, ring, mtu, id);
	}
	table_print(&t);
}

static void print_service_added(struct json_object *r)
{
	struct json_object *s = jget(r, "service");

	printf("service %s added: %s port %lld/%s, encap %s\n", jstr(s, "name"), jstr(s, "vip"),
	       (long long)jint(s, "port"), jstr(s, "protocol"), jstr(s, "encap"));
}

static const char *backend_state(struct json_object *b)
{
	if (jbool(b, "drained") && !jbool(b, "alive"))
		return "drained,down";
	return jstr(b, "state");
}

static void print_backends(struct json_object *r)
{
	struct json_object *a = jget(r, "backends");
	struct table t = { .ncols = 8, .right = { [3] = true, [4] = true, [7] = true } };

	table_row(&t, "SERVICE", "BACKEND", "ADDRESS", "PORT", "WEIGHT", "SITE", "STATE", "ID");
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *b = json_object_array_get_idx(a, i);
		char port[16], weight[16], id[16];

		snprintf(port, sizeof(port), "%lld", (long long)jint(b, "port"));
		snprintf(weight, sizeof(weight), "%lld", (long long)jint(b, "weight"));
		snprintf(id, sizeof(id), "%lld", (long long)jint(b, "id"));
		table_row(&t, jstr(b, "service"), jstr(b, "name"), jstr(b, "address"), port, weight,
			  jstr(b, "site"), backend_state(b), id);
	}
	table_print(&t);
}

static void print_backend(struct json_object *r)
{
	struct json_object *b = jget(r, "backend");

	if (!b)
		return;
	printf("%s/%s: %s, weight %lld, %s port %lld\n", jstr(b, "service"), jstr(b, "name"),
	       backend_state(b), (long long)jint(b, "weight"), jstr(b, "address"),
	       (long long)jint(b, "port"));
}

/* ---- stats ---- */

struct stats_prev {
	struct json_object *reply; /* previous stats reply, or NULL */
	struct json_object *index; /* "vip:NAME" / "be:SERVICE/NAME" -> counters object */
};

static struct json_object *stats_index(struct json_object *reply)
{
	struct json_object *idx = json_object_new_object(), *a;
	char key[256];

	if (!idx)
		die(LBCTL_EXIT_FAILED, "out of memory");
	a = jget(reply, "vips");
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *v = json_object_array_get_idx(a, i);

		snprintf(key, sizeof(key), "vip:%s", jstr(v, "name"));
		json_object_object_add(idx, key, json_object_get(v));
	}
	a = jget(reply, "backends");
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *b = json_object_array_get_idx(a, i);

		snprintf(key, sizeof(key), "be:%s/%s", jstr(b, "service"), jstr(b, "name"));
		json_object_object_add(idx, key, json_object_get(b));
	}
	return idx;
}

/* Per second rate of o.key since prev (same key in the index), or "-". */
static const char *stats_rate(struct json_object *o, struct json_object *prev, const char *key,
			      double secs, char *buf, size_t len)
{
	uint64_t now = juint(o, key), then;

	if (!prev || secs <= 0)
		return "-";
	then = juint(prev, key);
	return si(now >= then ? (double)(now - then) / secs : 0, buf, len);
}


/* "TITLE: name n, name n" for the non-zero counters of o, or "none". */
static void print_nonzero(const char *title, struct json_object *o)
{
	bool any = false;

	printf("%s: ", title);
	if (o) {
		json_object_object_foreach(o, name, val) {
			if (!json_object_get_uint64(val))
				continue;
			printf("%s%s %llu", any ? ", " : "", name,
			       (unsigned long long)json_object_get_uint64(val));
			any = true;
		}
	}
	printf("%s\n", any ? "" : "none");
}

static void print_stats_round(struct json_object *r, const struct stats_prev *prev)
{
	double secs = prev->reply ? (double)(juint(r, "time_ms") - juint(prev->reply, "time_ms")) /
					    1000.0
				  : 0;
	bool rates = prev->reply != NULL;
	struct json_object *a;
	struct table t;
	char key[256];

	t = (struct table){ .ncols = rates ? 8 : 5,
			    .right = { [2] = true, [3] = true, [4] = true, [5] = true, [6] = true,
				       [7] = true } };
	if (rates)
		table_row(&t, "SERVICE", "VIP", "PACKETS", "BYTES", "NEW_FLOWS", "PKT/S", "BYTE/S",
			  "FLOWS/S");
	else
		table_row(&t, "SERVICE", "VIP", "PACKETS", "BYTES", "NEW_FLOWS", NULL, NULL, NULL);
	a = jget(r, "vips");
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *v = json_object_array_get_idx(a, i), *p = NULL;
		char vip[128], pk[32], by[32], nf[32], r1[32], r2[32], r3[32];

		snprintf(vip, sizeof(vip), "%s:%lld/%s", jstr(v, "vip"), (long long)jint(v, "port"),
			 jstr(v, "protocol"));
		snprintf(pk, sizeof(pk), "%llu", (unsigned long long)juint(v, "packets"));
		snprintf(by, sizeof(by), "%llu", (unsigned long long)juint(v, "bytes"));
		snprintf(nf, sizeof(nf), "%llu", (unsigned long long)juint(v, "new_flows"));
		snprintf(key, sizeof(key), "vip:%s", jstr(v, "name"));
		if (prev->index)
			p = jget(prev->index, key);
		table_row(&t, jstr(v, "name"), vip, pk, by, nf,
			  stats_rate(v, p, "packets", secs, r1, sizeof(r1)),
			  stats_rate(v, p, "bytes", secs, r2, sizeof(r2)),
			  stats_rate(v, p, "new_flows", secs, r3, sizeof(r3)));
	}
	table_print(&t);
	putchar('\n');

	t = (struct table){ .ncols = rates ? 9 : 6,
			    .right = { [3] = true, [4] = true, [5] = true, [6] = true, [7] = true,
				       [8] = true } };
	if (rates)
		table_row(&t, "SERVICE", "BACKEND", "STATE", "PACKETS", "BYTES", "NEW_FLOWS", "PKT/S",
			  "BYTE/S", "FLOWS/S");
	else
		table_row(&t, "SERVICE", "BACKEND", "STATE", "PACKETS", "BYTES", "NEW_FLOWS", NULL,
			  NULL, NULL);
	a = jget(r, "backends");
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *b = json_object_array_get_idx(a, i), *p = NULL;
		char pk[32], by[32], nf[32], r1[32], r2[32], r3[32];

		snprintf(pk, sizeof(pk), "%llu", (unsigned long long)juint(b, "packets"));
		snprintf(by, sizeof(by), "%llu", (unsigned long long)juint(b, "bytes"));
		snprintf(nf, sizeof(nf), "%llu", (unsigned long long)juint(b, "new_flows"));
		snprintf(key, sizeof(key), "be:%s/%s", jstr(b, "service"), jstr(b, "name"));
		if (prev->index)
			p = jget(prev->index, key);
		table_row(&t, jstr(b, "service"), jstr(b, "name"), jstr(b, "state"), pk, by, nf,
			  stats_rate(b, p, "packets", secs, r1, sizeof(r1)),
			  stats_rate(b, p, "bytes", secs, r2, sizeof(r2)),
			  stats_rate(b, p, "new_flows", secs, r3, sizeof(r3)));
	}
	table_print(&t);
	putchar('\n');

	print_nonzero("drops", jget(r, "drops"));
	print_nonzero("events", jget(r, "events"));
}

static void print_stats(struct json_object *r)
{
	struct stats_prev none = { 0 };

	print_stats_round(r, &none);
}

static void on_signal(int sig)
{
	(void)sig;
	lbctl_stop = 1;
}

static int cmd_stats_watch(struct lbctl *l, unsigned int secs)
{
	struct stats_prev prev = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	bool tty = isatty(STDOUT_FILENO);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!lbctl_stop) {
		struct json_object *r = lbctl_run_all(l, lbctl_req("stats"), lbctl_lists_stats);
		struct timespec ts = { .tv_sec = secs };
		char when[32];
		time_t now = time(NULL);
		struct tm tm;

		strftime(when, sizeof(when), "%H:%M:%S", localtime_r(&now, &tm));
		if (l->json) {
			lbctl_print_json(r);
		} else {
			if (tty)
				fputs("\033[H\033[2J", stdout);
			printf("edgelb stats on %s at %s, every %u s (Ctrl-C stops)\n\n", l->socket,
			       when, secs);
			print_stats_round(r, &prev);
			if (!tty)
				putchar('\n');
		}
		fflush(stdout);
		json_object_put(prev.reply);
		json_object_put(prev.index);
		prev.reply = r;
		prev.index = stats_index(r);
		while (!lbctl_stop && nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	json_object_put(prev.reply);
	json_object_put(prev.index);
	return 0;
}

static int cmd_stats(struct lbctl *l, int argc, char **argv)
{
	unsigned int secs = LBCTL_WATCH_DEFAULT_S;

	if (argc == 0)
		return lbctl_done(l, lbctl_run_all(l, lbctl_req("stats"), lbctl_lists_stats),
				  print_stats);
	if (strcmp(argv[0], "--watch") && strcmp(argv[0], "-w"))
		usage_error("stats: unknown argument \"%s\" (stats [--watch [SECONDS]])", argv[0]);
	if (argc > 2)
		usage_error("stats: too many arguments");
	if (argc == 2)
		secs = (unsigned int)lbctl_number("SECONDS", argv[1], 1, 3600);
	return cmd_stats_watch(l, secs);
}

/* ---- flows ---- */

/* The table's fill level, when edgelbd could count it. */
static void print_flow_fill(struct json_object *fill)
{
	uint64_t used, cap;

	if (!fill)
		return;
	used = juint(fill, "entries");
	cap = juint(fill, "capacity");
	printf("flow table: %s%llu of %llu entries in use (%.1f%%, every CPU's table together)\n",
	       jbool(fill, "complete") ? "" : "about ", (unsigned long long)used,
	       (unsigned long long)cap, cap ? 100.0 * (double)used / (double)cap : 0.0);
}

static void print_flows(struct json_object *r)
{
	struct json_object *a = jget(r, "flows");
	struct table t = { .ncols = 8, .right = { [2] = true, [4] = true, [7] = true } };
	size_t n = a ? json_object_array_length(a) : 0;

	table_row(&t, "PROTO", "SOURCE", "SPORT", "DESTINATION", "DPORT", "SERVICE", "BACKEND",
		  "AGE");
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(a, i);
		char sport[16], dport[16], age[64];

		snprintf(sport, sizeof(sport), "%lld", (long long)jint(f, "sport"));
		snprintf(dport, sizeof(dport), "%lld", (long long)jint(f, "dport"));
		duration(jint(f, "age_ms") / 1000, age, sizeof(age));
		table_row(&t, jstr(f, "protocol"), jstr(f, "src"), sport, jstr(f, "dst"), dport,
			  jstr(f, "service"), jstr(f, "backend"), age);
	}
	table_print(&t);
	printf("%zu flow%s%s\n", n, n == 1 ? "" : "s",
	       jbool(r, "truncated") ? " shown; the table holds more (--max N)" : "");
	print_flow_fill(jget(r, "fill"));
}

static int cmd_flows(struct lbctl *l, int argc, char **argv)
{
	struct json_object *req = lbctl_req("flows");

	for (int i = 0; i < argc; i++) {
		const char *v = NULL;

		if (!strncmp(argv[i], "--max=", 6))
			v = argv[i] + 6;
		else if (!strcmp(argv[i], "--max") && i + 1 < argc)
			v = argv[++i];
		else
			usage_error("flows: unknown argument \"%s\" (flows [--max N])", argv[i]);
		json_object_object_add(req, "max",
				       json_object_new_int64(lbctl_number("max", v, 1,
									  EDGELB_CTL_FLOWS_MAX)));
	}
	return lbctl_done(l, lbctl_run_all(l, req, lbctl_lists_flows), print_flows);
}

/* ---- health ---- */

static void print_health(struct json_object *r)
{
	struct json_object *a = jget(r, "backends");
	struct table t = { .ncols = 10, .right = { [6] = true, [8] = true } };
	size_t n = a ? json_object_array_length(a) : 0, up = 0;

	table_row(&t, "SERVICE", "BACKEND", "STATE", "HEALTH", "CHECK", "LAST", "LATENCY", "SINCE",
		  "CHANGES", "REASON");
	for (size_t i = 0; i < n; i++) {
		struct json_object *b = json_object_array_get_idx(a, i);
		bool checked = strcmp(jstr(b, "check"), "none");
		char check[64], lat[32], since[96], age[64], changes[16], reason[512];
		time_t when = (time_t)(jint(b, "since_unix_ms") / 1000);
		int64_t us = jint(b, "latency_us");
		struct tm tm;

		up += !strcmp(jstr(b, "state"), "up");
		snprintf(check, sizeof(check), "%s%s", jstr(b, "check"),
			 jbool(b, "through_tunnel") ? "/tunnel" : "");
		if (!strcmp(jstr(b, "last_result"), "-"))
			snprintf(lat, sizeof(lat), "-");
		else if (us < 10000)
			snprintf(lat, sizeof(lat), "%.1fms", (double)us / 1000.0);
		else
			snprintf(lat, sizeof(lat), "%lldms", (long long)(us / 1000));
		strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S", localtime_r(&when, &tm));
		duration(jint(b, "since_age_ms") / 1000, age, sizeof(age));
		snprintf(since + strlen(since), sizeof(since) - strlen(since), " (%s)", age);
		snprintf(changes, sizeof(changes), "%lld", (long long)jint(b, "transitions"));
		if (jint(b, "held_down_ms"))
			snprintf(reason, sizeof(reason), "%s; held down %lld ms more",
				 strcmp(jstr(b, "reason"), "-") ? jstr(b, "reason")
								: jstr(b, "change_reason"),
				 (long long)jint(b, "held_down_ms"));
		else
			snprintf(reason, sizeof(reason), "%s",
				 strcmp(jstr(b, "reason"), "-") ? jstr(b, "reason")
								: jstr(b, "change_reason"));
		table_row(&t, jstr(b, "service"), jstr(b, "name"), backend_state(b),
			  checked ? jstr(b, "health") : "-", check, jstr(b, "last_result"), lat,
			  since, changes, reason);
	}
	table_print(&t);
	printf("%zu backend%s, %zu up; %lld checked, %lld check%s running\n", n, n == 1 ? "" : "s",
	       up, (long long)jint(r, "checks"), (long long)jint(r, "running"),
	       jint(r, "running") == 1 ? "" : "s");
}

static int cmd_health(struct lbctl *l, int argc, char **argv)
{
	struct json_object *req = lbctl_req("health");
	bool named = false;

	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-' || named)
			usage_error("health: unexpected argument \"%s\" (health [SERVICE])",
				    argv[i]);
		req_str(req, "service", argv[i]);
		named = true;
	}
	return lbctl_done(l, lbctl_run_all(l, req, lbctl_lists_backends), print_health);
}

/* ---- vrrp ---- */

static void print_vrrp(struct json_object *r)
{
	struct json_object *a = jget(r, "instances");
	struct table t = { .ncols = 12, .right = { [1] = true, [4] = true, [6] = true,
						   [8] = true, [9] = true, [10] = true, [11] = true } };
	size_t n = a ? json_object_array_length(a) : 0;

	table_row(&t, "INSTANCE", "VRID", "FAMILY", "STATE", "PRIO", "MASTER", "ADVERT", "SINCE",
		  "CHANGES", "RX", "TX", "REJECTED");
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		char vrid[8], prio[32], adv[16], since[96], age[64], tr[16], rx[24], tx[24], rej[24];
		char state[64];
		time_t when = (time_t)(jint(o, "since_unix_ms") / 1000);
		struct tm tm;

		snprintf(vrid, sizeof(vrid), "%lld", (long long)jint(o, "vrid"));
		if (jint(o, "priority") != jint(o, "config_priority"))
			snprintf(prio, sizeof(prio), "%lld (%lld)", (long long)jint(o, "priority"),
				 (long long)jint(o, "config_priority"));
		else
			snprintf(prio, sizeof(prio), "%lld", (long long)jint(o, "priority"));
		snprintf(state, sizeof(state), "%s%s%s", jstr(o, "state"),
			 jbool(o, "held") ? " (held)" : "",
			 jbool(o, "maintenance") ? " (maintenance)" : "");
		snprintf(adv, sizeof(adv), "%lldms", (long long)jint(o, "advert_int_ms"));
		strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S", localtime_r(&when, &tm));
		duration(jint(o, "since_age_ms") / 1000, age, sizeof(age));
		snprintf(since + strlen(since), sizeof(since) - strlen(since), " (%s)", age);
		snprintf(tr, sizeof(tr), "%lld", (long long)jint(o, "transitions"));
		snprintf(rx, sizeof(rx), "%llu", (unsigned long long)juint(o, "rx"));
		snprintf(tx, sizeof(tx), "%llu", (unsigned long long)juint(o, "tx"));
		snprintf(rej, sizeof(rej), "%llu", (unsigned long long)juint(o, "rx_rejected"));
		table_row(&t, jstr(o, "instance"), vrid, jstr(o, "family"), state, prio,
			  jstr(o, "master"), adv, since, tr, rx, tx, rej);
	}
	table_print(&t);
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		struct json_object *rj = jget(o, "rejects");

		if (jget(o, "error"))
			printf("%s: not running: %s\n", jstr(o, "instance"), jstr(o, "error"));
		if (rj && json_object_object_length(rj)) {
			printf("%s: rejected:", jstr(o, "instance"));
			json_object_object_foreach(rj, k, v)
				printf(" %s=%lld", k, (long long)json_object_get_int64(v));
			printf("\n");
		}
	}
	if (jbool(r, "maintenance"))
		printf("maintenance on: no instance becomes master\n");
}

static int cmd_vrrp(struct lbctl *l, int argc, char **argv)
{
	struct json_object *req;
	const char *sub = argc ? argv[0] : "status";
	bool named = false;

	if (!strcmp(sub, "maintenance")) {
		if (argc != 2 || (strcmp(argv[1], "on") && strcmp(argv[1], "off")))
			usage_error("vrrp maintenance: on or off");
		req = lbctl_req("vrrp.maintenance");
		req_str(req, "mode", argv[1]);
		return lbctl_done(l, lbctl_run(l, req), print_vrrp);
	}
	if (strcmp(sub, "status") && strcmp(sub, "handover") && strcmp(sub, "release"))
		usage_error("vrrp: unknown subcommand \"%s\" (status, handover, release, "
			    "maintenance)", sub);
	req = lbctl_req(!strcmp(sub, "status") ? "vrrp.status"
			: !strcmp(sub, "handover") ? "vrrp.handover" : "vrrp.release");
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' || named)
			usage_error("vrrp %s: unexpected argument \"%s\" (vrrp %s [INSTANCE])", sub,
				    argv[i], sub);
		req_str(req, "instance", argv[i]);
		named = true;
	}
	return lbctl_done(l, lbctl_run(l, req), print_vrrp);
}

/* ---- config ---- */

static void print_config_check(struct json_object *r)
{
	lbctl_print_messages(r, stderr);
	printf("%s: configuration OK (%lld services, %lld backends, %lld VRRP instances)\n",
	       jstr(r, "path"), (long long)jint(r, "services"), (long long)jint(r, "backends"),
	       (long long)jint(r, "vrrp"));
}

static void print_reload(struct json_object *r)
{
	lbctl_print_messages(r, stderr);
	printf("configuration reloaded\n");
}

static int cmd_config(struct lbctl *l, int argc, char **argv)
{
	struct json_object *req;

	if (argc < 1)
		usage_error("config: missing SUBCOMMAND (check [FILE] or reload)");
	if (!strcmp(argv[0], "reload")) {
		if (argc > 1)
			usage_error("config reload: takes no argument");
		return lbctl_done(l, lbctl_run(l, lbctl_req("config.reload")), print_reload);
	}
	if (strcmp(argv[0], "check"))
		usage_error("config: unknown subcommand \"%s\" (check [FILE] or reload)", argv[0]);
	if (argc > 2)
		usage_error("config check: takes at most one FILE");
	req = lbctl_req("config.check");
	if (argc == 2) {
		/* edgelbd does not share our working directory */
		char *abs = realpath(argv[1], NULL);

		if (!abs)
			usage_error("FILE: %s: %s", argv[1], strerror(errno));
		req_str(req, "path", abs);
		free(abs);
	}
	return lbctl_done(l, lbctl_run(l, req), print_config_check);
}

/* ---- vip and backend ---- */

/*
 * Options "--key value" or "--key=value" from argv into req: allowed[] lists
 * the keys (as on the command line, with '-'); numeric ones get ranges.
 */
struct opt_def {
	const char *name;
	int64_t min, max; /* min > max: a string */
};

static void parse_opts(struct json_object *req, const char *cmd, const struct opt_def *defs,
		       int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq, *v;
		const struct opt_def *d = NULL;
		char key[64];
		size_t klen;

		if (strncmp(arg, "--", 2))
			usage_error("%s: unexpected argument \"%s\"", cmd, arg);
		arg += 2;
		eq = strchr(arg, '=');
		klen = eq ? (size_t)(eq - arg) : strlen(arg);
		for (const struct opt_def *p = defs; p->name; p++)
			if (strlen(p->name) == klen && !strncmp(p->name, arg, klen))
				d = p;
		if (!d || klen >= sizeof(key))
			usage_error("%s: unknown option \"%s\"", cmd, argv[i]);
		if (eq)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else
			usage_error("%s: option --%s needs a value", cmd, d->name);
		/* the protocol writes '_' where the command line writes '-' */
		for (size_t k = 0; k <= klen; k++)
			key[k] = k == klen ? '\0' : d->name[k] == '-' ? '_' : d->name[k];
		if (d->min > d->max)
			req_str(req, key, v);
		else
			json_object_object_add(req, key,
					       json_object_new_int64(lbctl_number(key, v, d->min,
										  d->max)));
	}
}

static const struct opt_def vip_add_opts[] = {
	{ "protocol", 1, 0 },	 { "encap", 1, 0 },	  { "gue-port", 1, 65535 },
	{ "ring-size", 7, UINT32_MAX }, { "mtu", 576, 9216 }, { "mtu-policy", 1, 0 },
	{ "hash", 1, 0 },	 { NULL, 0, 0 },
};

static const struct opt_def backend_add_opts[] = {
	{ "port", 0, 65535 },
	{ "weight", 0, 65535 },
	{ "site", 1, 0 },
	{ NULL, 0, 0 },
};

/* argv[0..n-1] must exist; names[] says what each is, for the message. */
static void need_args(const char *cmd, int argc, int n, const char *const *names,
		      const char *synopsis)
{
	if (argc < n)
		usage_error("%s: missing %s (usage: lbctl %s)", cmd, names[argc], synopsis);
}

static int cmd_vip(struct lbctl *l, int argc, char **argv)
{
	static const char *const add_names[] = { "NAME", "ADDRESS", "PORT" };
	static const char *const del_names[] = { "NAME" };
	struct json_object *req;

	if (argc < 1)
		usage_error("vip: missing SUBCOMMAND (list, add or del)");
	if (!strcmp(argv[0], "list")) {
		if (argc > 1)
			usage_error("vip list: takes no argument");
		return lbctl_done(l, lbctl_run_all(l, lbctl_req("vip.list"), lbctl_lists_services),
				  print_vips);
	}
	if (!strcmp(argv[0], "add")) {
		need_args("vip add", argc - 1, 3, add_names, "vip add NAME ADDRESS PORT [OPTIONS]");
		req = lbctl_req("vip.add");
		req_str(req, "name", argv[1]);
		req_str(req, "vip", argv[2]);
		json_object_object_add(req, "port",
				       json_object_new_int64(lbctl_number("port", argv[3], 0, 65535)));
		parse_opts(req, "vip add", vip_add_opts, argc - 4, argv + 4);
		return lbctl_done(l, lbctl_run(l, req), print_service_added);
	}
	if (!strcmp(argv[0], "del")) {
		need_args("vip del", argc - 1, 1, del_names, "vip del NAME");
		if (argc > 2)
			usage_error("vip del: takes one NAME");
		req = lbctl_req("vip.del");
		req_str(req, "service", argv[1]);
		lbctl_done(l, lbctl_run(l, req), NULL);
		if (!l->json)
			printf("service %s deleted\n", argv[1]);
		return 0;
	}
	usage_error("vip: unknown subcommand \"%s\" (list, add or del)", argv[0]);
}

static int cmd_backend(struct lbctl *l, int argc, char **argv)
{
	static const char *const two[] = { "SERVICE", "BACKEND", "WEIGHT" };
	static const char *const add_names[] = { "SERVICE", "NAME", "ADDRESS" };
	static const struct {
		const char *sub, *cmd;
	} simple[] = {
		{ "del", "backend.del" },
		{ "drain", "backend.drain" },
		{ "undrain", "backend.undrain" },
	};
	struct json_object *req;
	char synopsis[96], what[32];

	if (argc < 1)
		usage_error("backend: missing SUBCOMMAND (list, add, del, drain, undrain or weight)");
	if (!strcmp(argv[0], "list")) {
		if (argc > 2)
			usage_error("backend list: takes at most one SERVICE");
		req = lbctl_req("backend.list");
		if (argc == 2)
			req_str(req, "service", argv[1]);
		return lbctl_done(l, lbctl_run_all(l, req, lbctl_lists_backends), print_backends);
	}
	if (!strcmp(argv[0], "add")) {
		need_args("backend add", argc - 1, 3, add_names,
			  "backend add SERVICE NAME ADDRESS [--port N] [--weight N] [--site SITE]");
		req = lbctl_req("backend.add");
		req_str(req, "service", argv[1]);
		req_str(req, "name", argv[2]);
		req_str(req, "address", argv[3]);
		parse_opts(req, "backend add", backend_add_opts, argc - 4, argv + 4);
		return lbctl_done(l, lbctl_run(l, req), print_backend);
	}
	if (!strcmp(argv[0], "weight")) {
		need_args("backend weight", argc - 1, 3, two, "backend weight SERVICE BACKEND WEIGHT");
		if (argc > 4)
			usage_error("backend weight: too many arguments");
		req = lbctl_req("backend.weight");
		req_str(req, "service", argv[1]);
		req_str(req, "backend", argv[2]);
		json_object_object_add(req, "weight",
				       json_object_new_int64(lbctl_number("weight", argv[3], 0, 65535)));
		return lbctl_done(l, lbctl_run(l, req), print_backend);
	}
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (strcmp(argv[0], simple[i].sub))
			continue;
		snprintf(what, sizeof(what), "backend %s", simple[i].sub);
		snprintf(synopsis, sizeof(synopsis), "backend %s SERVICE BACKEND", simple[i].sub);
		need_args(what, argc - 1, 2, two, synopsis);
		if (argc > 3)
			usage_error("%s: too many arguments", what);
		req = lbctl_req(simple[i].cmd);
		req_str(req, "service", argv[1]);
		req_str(req, "backend", argv[2]);
		if (i == 0) {
			lbctl_done(l, lbctl_run(l, req), NULL);
			if (!l->json)
				printf("%s/%s deleted\n", argv[1], argv[2]);
			return 0;
		}
		return lbctl_done(l, lbctl_run(l, req), print_backend);
	}
	usage_error("backend: unknown subcommand \"%s\" (list, add, del, drain, undrain or weight)",
		    argv[0]);
}

/*
 * The global options may follow the command too ("lbctl stats --json"),
 * for every command alike: take them out of argv[from..argc-1] and return
 * the new argc. "--" ends them; what follows it is the command's.
 */
static int lbctl_global_after(struct lbctl *l, const char **instance, int argc, char **argv,
			      int from)
{
	int out = from;

	for (int i = from; i < argc; i++) {
		const char *a = argv[i];
		const char **value = NULL;

		if (!strcmp(a, "--")) {
			while (++i < argc)
				argv[out++] = argv[i];
			break;
		}
		if (!strcmp(a, "--json")) {
			l->json = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		}
		if (!strcmp(a, "-s") || !strcmp(a, "--socket"))
			value = &l->socket;
		else if (!strcmp(a, "-i") || !strcmp(a, "--instance"))
			value = instance;
		if (value) {
			if (i + 1 >= argc)
				usage_error("option %s needs a value", a);
			*value = argv[++i];
			continue;
		}
		if (!strncmp(a, "--socket=", 9)) {
			l->socket = a + 9;
			continue;
		}
		if (!strncmp(a, "--instance=", 11)) {
			*instance = a + 11;
			continue;
		}
		argv[out++] = argv[i];
	}
	return out;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "instance", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct lbctl l = { .fd = -1 };
	const char *instance = NULL, *cmd;
	int opt, ret;

	/* '+': options end at the command, whose own options follow it */
	while ((opt = getopt_long(argc, argv, "+:s:i:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			l.socket = optarg;
			break;
		case 'i':
			instance = optarg;
			break;
		case 'j':
			l.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("lbctl %s (control protocol v%d)\n", EDGELB_VERSION,
			       EDGELB_CTL_VERSION);
			return 0;
		case ':':
			usage_error("option %s needs a value", argv[optind - 1]);
		default:
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		usage_error("missing COMMAND");
	cmd = argv[optind];
	argc = lbctl_global_after(&l, &instance, argc, argv, optind + 1);
	if (l.socket && instance)
		usage_error("give -s SOCKET or -i INSTANCE, not both");
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "status") && strcmp(cmd, "vip") && strcmp(cmd, "backend") &&
	    strcmp(cmd, "stats") && strcmp(cmd, "config") && strcmp(cmd, "flows") &&
	    strcmp(cmd, "health") && strcmp(cmd, "vrrp"))
		usage_error("unknown command \"%s\"", cmd);
	if (!l.socket && !instance)
		instance = getenv("EDGELB_INSTANCE");
	if (!l.socket)
		l.socket = instance && instance[0] ? lbctl_instance_socket(instance)
						   : lbctl_find_socket();
	argc -= optind + 1;
	argv += optind + 1;

	if (!strcmp(cmd, "status")) {
		if (argc)
			usage_error("status: takes no argument");
		ret = lbctl_done(&l, lbctl_run(&l, lbctl_req("status")), print_status);
	} else if (!strcmp(cmd, "vip")) {
		ret = cmd_vip(&l, argc, argv);
	} else if (!strcmp(cmd, "backend")) {
		ret = cmd_backend(&l, argc, argv);
	} else if (!strcmp(cmd, "stats")) {
		ret = cmd_stats(&l, argc, argv);
	} else if (!strcmp(cmd, "config")) {
		ret = cmd_config(&l, argc, argv);
	} else if (!strcmp(cmd, "health")) {
		ret = cmd_health(&l, argc, argv);
	} else if (!strcmp(cmd, "vrrp")) {
		ret = cmd_vrrp(&l, argc, argv);
	} else {
		ret = cmd_flows(&l, argc, argv);
	}
	if (l.fd >= 0)
		close(l.fd);
	return ret;
}
