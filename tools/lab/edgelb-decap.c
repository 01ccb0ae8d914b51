// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb-decap: attaches the backend-side decapsulator (bpf/decap.bpf.c)
 * to an interface, detaches it, and prints its counters.
 *
 * The program is attached through a BPF link that is pinned, with the
 * decap_stats and decap_addrs maps, in one bpffs directory per interface:
 *
 *	DIR/link         the XDP link: keeps the program attached after exit
 *	DIR/decap_stats  per-CPU counters (dataplane/core/decap_abi.h)
 *	DIR/decap_addrs  accepted outer destination addresses
 *
 * DIR defaults to /sys/fs/bpf/edgelb-decap/IFACE. Inside `ip netns exec`
 * /sys is private to the command, so a bpffs there vanishes (and with it
 * the link) when the command exits: pass --pin on a bpffs mounted outside
 * /sys instead (see LAB-FACTS.md).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "decap_abi.h"
#include "decap.skel.h"

#define PIN_ROOT "/sys/fs/bpf/edgelb-decap"

static bool verbose;

static void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void pr_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("edgelb-decap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	fputs("edgelb-decap: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgelb-decap attach IFACE --addr ADDR [--addr ADDR...]\n"
		"                          [--gue-port PORT] [--pin DIR] [--generic]\n"
		"       edgelb-decap detach IFACE [--pin DIR]\n"
		"       edgelb-decap stats IFACE | --pin DIR\n"
		"       edgelb-decap --help\n"
		"\n"
		"Strips the balancer's tunnels (IPIP, IPv6-in-IPv6, 6in4, 4in6,\n"
		"GUE variant 1) in XDP on a backend, so that the inner packet to\n"
		"the VIP reaches the local stack. Packets to other addresses pass\n"
		"untouched.\n"
		"\n"
		"  -a, --addr ADDR     outer destination (IPv4 or IPv6) to accept\n"
		"                      tunnels on; repeat for several (at most %d)\n"
		"  -g, --gue-port PORT UDP destination port of GUE; without it GUE\n"
		"                      is not decapsulated\n"
		"  -p, --pin DIR       bpffs directory for the link and maps\n"
		"                      (default " PIN_ROOT "/IFACE)\n"
		"  -G, --generic       attach in generic (skb) XDP mode\n"
		"  -v, --verbose       print libbpf debug messages\n"
		"  -h, --help          this text\n"
		"\n"
		"Inside 'ip netns exec', /sys/fs/bpf is private to the command and\n"
		"is lost with it: use --pin on a bpffs mounted outside /sys.\n",
		EDGELB_DECAP_MAX_ADDRS);
}

struct opts {
	const char *cmd;
	const char *iface;
	const char *pin;
	char pin_buf[PATH_MAX];
	struct edgelb_decap_key addrs[EDGELB_DECAP_MAX_ADDRS];
	int naddrs;
	int gue_port; /* host order, 0 = off */
	bool generic;
};

static int parse_addr(struct opts *o, const char *s)
{
	struct edgelb_decap_key *k;

	if (o->naddrs == EDGELB_DECAP_MAX_ADDRS) {
		pr_warn("more than %d --addr: the decap_addrs map holds %d\n",
			EDGELB_DECAP_MAX_ADDRS, EDGELB_DECAP_MAX_ADDRS);
		return -EINVAL;
	}
	k = &o->addrs[o->naddrs];
	memset(k, 0, sizeof(*k));
	if (inet_pton(AF_INET, s, &k->addr.v4) == 1) {
		k->family = EDGELB_AF_INET;
	} else if (inet_pton(AF_INET6, s, &k->addr) == 1) {
		k->family = EDGELB_AF_INET6;
	} else {
		pr_warn("--addr %s: not an IPv4 or IPv6 address (no prefix "
			"length, no name)\n", s);
		return -EINVAL;
	}
	o->naddrs++;
	return 0;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "gue-port", required_argument, NULL, 'g' },
		{ "pin", required_argument, NULL, 'p' },
		{ "generic", no_argument, NULL, 'G' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	char *end;
	long port;
	int c;

	while ((c = getopt_long(argc, argv, "a:g:p:Gvh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'a':
			if (parse_addr(o, optarg))
				return -EINVAL;
			break;
		case 'g':
			errno = 0;
			port = strtol(optarg, &end, 10);
			if (errno || *end || port < 1 || port > 65535) {
				pr_warn("--gue-port %s: need a UDP port in "
					"1..65535\n", optarg);
				return -EINVAL;
			}
			o->gue_port = (int)port;
			break;
		case 'p':
			o->pin = optarg;
			break;
		case 'G':
			o->generic = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc)
		o->cmd = argv[optind++];
	if (optind < argc)
		o->iface = argv[optind++];
	if (optind < argc) {
		pr_warn("unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!o->cmd) {
		usage(stderr);
		return -EINVAL;
	}
	if (!o->iface && !(o->pin && !strcmp(o->cmd, "stats"))) {
		pr_warn("%s: name the interface (e.g. 'edgelb-decap %s "
			"eth0')\n", o->cmd, o->cmd);
		return -EINVAL;
	}
	if (o->iface && strlen(o->iface) >= IF_NAMESIZE) {
		pr_warn("interface name '%s' is longer than %d characters\n",
			o->iface, IF_NAMESIZE - 1);
		return -EINVAL;
	}
	if (!o->pin) {
		snprintf(o->pin_buf, sizeof(o->pin_buf), "%s/%s", PIN_ROOT,
			 o->iface);
		o->pin = o->pin_buf;
	}
	return 0;
}

static int pin_path(char *buf, size_t size, const char *dir,
		    const char *name)
{
	if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size) {
		pr_warn("pin path %s/%s is too long\n", dir, name);
		return -ENAMETOOLONG;
	}
	return 0;
}

/*
 * Makes sure @dir exists on a bpffs: the nearest existing ancestor must
 * be on one (so nothing is created on another file system), then the
 * missing components are created.
 */
static int make_pin_dir(const char *dir)
{
	char path[PATH_MAX], *slash;
	struct statfs st;
	size_t len;

	len = strlen(dir);
	if (len == 0 || len >= sizeof(path)) {
		pr_warn("--pin '%s': bad directory name\n", dir);
		return -EINVAL;
	}
	memcpy(path, dir, len + 1);
	while (statfs(path, &st)) {
		slash = strrchr(path, '/');
		if (errno != ENOENT || !slash || slash == path) {
			pr_warn("pin directory %s: %s\n", dir, strerror(errno));
			return -errno;
		}
		*slash = '\0';
	}
	if ((unsigned long)st.f_type != BPF_FS_MAGIC) {
		pr_warn("%s is not on a bpffs, so the link and maps cannot "
			"be pinned there. Mount one (mount -t bpf bpf "
			"/sys/fs/bpf) or pass --pin DIR on a bpffs; inside "
			"'ip netns exec' use a bpffs mounted outside /sys\n",
			path);
		return -ENOTDIR;
	}
	/* create the missing components, shortest first */
	memcpy(path, dir, len + 1);
	for (slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (mkdir(path, 0700) && errno != EEXIST) {
			pr_warn("creating %s: %s\n", path, strerror(errno));
			return -errno;
		}
		if (!slash)
			break;
		*slash = '/';
	}
	return 0;
}

/*
 * Warns when the pin directory @dir is not what our parent process sees
 * at that path: then it lives in a private mount namespace ('ip netns
 * exec' makes one and execs the command in it) and the pins, hence the
 * attachment, vanish when that namespace ends. Silent when the parent's
 * view cannot be read.
 */
static void warn_private_pins(const char *dir)
{
	char path[PATH_MAX];
	struct stat ours, parent;

	if (dir[0] != '/' || stat(dir, &ours))
		return;
	if ((size_t)snprintf(path, sizeof(path), "/proc/%d/root%s",
			     (int)getppid(), dir) >= sizeof(path))
		return;
	if (stat(path, &parent)) {
		if (errno != ENOENT)
			return;
	} else if (parent.st_dev == ours.st_dev &&
		   parent.st_ino == ours.st_ino) {
		return;
	}
	pr_warn("warning: %s is not visible outside this mount namespace: "
		"the pins and the attachment vanish when it ends ('ip netns "
		"exec' ends it with the command). Use --pin on a bpffs "
		"mounted outside /sys\n", dir);
}

/* Removes the pinned maps in @dir; best effort, errors are ignored. */
static void unpin_maps(const char *dir)
{
	static const char *const names[] = { "decap_stats", "decap_addrs" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!pin_path(path, sizeof(path), dir, names[i]))
			unlink(path);
}

/* Removes everything attach pinned in @dir, and @dir if now empty. */
static void unpin_all(const char *dir)
{
	char path[PATH_MAX];

	if (!pin_path(path, sizeof(path), dir, "link"))
		unlink(path);
	unpin_maps(dir);
	rmdir(dir);
}

static int cmd_attach(const struct opts *o)
{
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	LIBBPF_OPTS(bpf_xdp_query_opts, qopts);
	char link_path[PATH_MAX], path[PATH_MAX], gue[8] = "off";
	struct decap_bpf *skel = NULL;
	unsigned int ifindex;
	int link_fd = -1, err, i;
	__u32 val = 0;

	ifindex = if_nametoindex(o->iface);
	if (!ifindex) {
		pr_warn("no interface %s in this network namespace (run "
			"inside 'ip netns exec NS' for a namespace's link)\n",
			o->iface);
		return -ENODEV;
	}
	if (!o->naddrs) {
		pr_warn("attach needs at least one --addr: the outer "
			"destination address(es) the balancer sends tunnels "
			"to on this host\n");
		return -EINVAL;
	}
	err = make_pin_dir(o->pin);
	if (err)
		return err;
	err = pin_path(link_path, sizeof(link_path), o->pin, "link");
	if (err)
		return err;
	warn_private_pins(o->pin);
	if (!access(link_path, F_OK)) {
		pr_warn("%s exists: %s already has the decapsulator; run "
			"'edgelb-decap detach %s --pin %s' first\n", link_path,
			o->iface, o->iface, o->pin);
		return -EEXIST;
	}
	/* Without a link nothing uses maps left by an interrupted attach. */
	unpin_maps(o->pin);

	skel = decap_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("opening the embedded decap program: %s\n",
			strerror(-err));
		return err;
	}
	skel->rodata->gue_port = htons((__u16)o->gue_port);
	err = decap_bpf__load(skel);
	if (err) {
		pr_warn("loading the decap program failed: %s (verifier log "
			"above; -v for libbpf details)\n", strerror(-err));
		goto out;
	}
	for (i = 0; i < o->naddrs; i++) {
		err = bpf_map__update_elem(skel->maps.decap_addrs,
					   &o->addrs[i], sizeof(o->addrs[i]),
					   &val, sizeof(val), BPF_ANY);
		if (err) {
			pr_warn("adding address %d to decap_addrs: %s\n",
				i + 1, strerror(-err));
			goto out;
		}
	}

	err = pin_path(path, sizeof(path), o->pin, "decap_stats");
	if (!err)
		err = bpf_map__pin(skel->maps.decap_stats, path);
	if (!err)
		err = pin_path(path, sizeof(path), o->pin, "decap_addrs");
	if (!err)
		err = bpf_map__pin(skel->maps.decap_addrs, path);
	if (err) {
		pr_warn("pinning the maps in %s: %s\n", o->pin, strerror(-err));
		goto out;
	}

	lopts.flags = o->generic ? XDP_FLAGS_SKB_MODE : 0;
	link_fd = bpf_link_create(bpf_program__fd(skel->progs.edgelb_decap),
				  (int)ifindex, BPF_XDP, &lopts);
	if (link_fd < 0) {
		err = -errno;
		if (err == -EBUSY || err == -EEXIST)
			pr_warn("%s already runs an XDP program: remove it "
				"first ('ip link set dev %s xdp off', or "
				"'edgelb-decap detach %s')\n", o->iface,
				o->iface, o->iface);
		else if (err == -EOPNOTSUPP && !o->generic)
			pr_warn("%s: no native XDP in its driver; retry with "
				"--generic\n", o->iface);
		else
			pr_warn("attaching to %s: %s\n", o->iface,
				strerror(-err));
		goto out;
	}
	if (bpf_obj_pin(link_fd, link_path)) {
		err = -errno;
		pr_warn("pinning the link at %s: %s (nothing stays attached)\n",
			link_path, strerror(-err));
		goto out;
	}

	if (o->gue_port)
		snprintf(gue, sizeof(gue), "%d", o->gue_port);
	if (bpf_xdp_query((int)ifindex, 0, &qopts))
		qopts.attach_mode = XDP_ATTACHED_NONE;
	printf("edgelb-decap: attached to %s (ifindex %u, %s mode), GUE "
	       "port %s, %d address(es); pinned in %s\n", o->iface, ifindex,
	       qopts.attach_mode == XDP_ATTACHED_SKB ? "generic" :
	       qopts.attach_mode == XDP_ATTACHED_DRV ? "native" : "unknown",
	       gue, o->naddrs, o->pin);
	err = 0;
out:
	if (link_fd >= 0)
		close(link_fd);
	if (err)
		unpin_all(o->pin);
	decap_bpf__destroy(skel);
	return err;
}

static int cmd_detach(const struct opts *o)
{
	struct bpf_link_info info = {};
	__u32 info_len = sizeof(info);
	char path[PATH_MAX];
	unsigned int ifindex;
	int fd, err;

	err = pin_path(path, sizeof(path), o->pin, "link");
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		pr_warn("no decap link pinned at %s (%s): attached with "
			"another --pin? ('ip link show %s' shows any XDP "
			"program)\n", path, strerror(-err), o->iface);
		return err;
	}
	/*
	 * The pin outlives the interface's namespace view: refuse to
	 * detach a link of another interface that has the same name here.
	 */
	ifindex = if_nametoindex(o->iface);
	if (!bpf_obj_get_info_by_fd(fd, &info, &info_len) && ifindex &&
	    info.type == BPF_LINK_TYPE_XDP && info.xdp.ifindex != ifindex) {
		pr_warn("%s holds the link of ifindex %u, but %s is ifindex %u "
			"here: wrong --pin, or run in the interface's "
			"namespace\n", path, info.xdp.ifindex, o->iface,
			ifindex);
		close(fd);
		return -EINVAL;
	}
	if (bpf_link_detach(fd)) {
		err = -errno;
		pr_warn("detaching the link pinned at %s: %s\n", path,
			strerror(-err));
		close(fd);
		return err;
	}
	close(fd);
	unpin_all(o->pin);
	printf("edgelb-decap: detached from %s; removed %s\n", o->iface,
	       o->pin);
	return 0;
}

static int cmd_stats(const struct opts *o)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	char path[PATH_MAX];
	__u64 *vals = NULL;
	int fd, ncpu, err;
	__u32 i;

	err = pin_path(path, sizeof(path), o->pin, "decap_stats");
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		pr_warn("no counters pinned at %s (%s): is the decapsulator "
			"attached, and with this --pin?\n", path,
			strerror(-err));
		return err;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len) ||
	    info.type != BPF_MAP_TYPE_PERCPU_ARRAY ||
	    info.value_size != sizeof(__u64) ||
	    info.max_entries != EDGELB_DECAP_CNT_MAX) {
		pr_warn("%s is not the decap_stats map this tool knows (%u "
			"counters expected): rebuild edgelb-decap from the "
			"same tree as the attached program\n", path,
			EDGELB_DECAP_CNT_MAX);
		err = -EPROTO;
		goto out;
	}
	ncpu = libbpf_num_possible_cpus();
	if (ncpu < 0) {
		err = ncpu;
		pr_warn("counting CPUs: %s\n", strerror(-err));
		goto out;
	}
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < EDGELB_DECAP_CNT_MAX; i++) {
		unsigned long long sum = 0;
		int c;

		if (bpf_map_lookup_elem(fd, &i, vals)) {
			err = -errno;
			pr_warn("reading counter %u: %s\n", i, strerror(-err));
			goto out;
		}
		for (c = 0; c < ncpu; c++)
			sum += vals[c];
		printf("%-22s %llu\n", edgelb_decap_counter_name(i), sum);
	}
	err = 0;
out:
	free(vals);
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	struct opts o = {};
	int err;

	if (parse_args(&o, argc, argv))
		return 2;
	libbpf_set_print(libbpf_print);

	if (!strcmp(o.cmd, "attach"))
		err = cmd_attach(&o);
	else if (!strcmp(o.cmd, "detach"))
		err = cmd_detach(&o);
	else if (!strcmp(o.cmd, "stats"))
		err = cmd_stats(&o);
	else {
		pr_warn("unknown command '%s' (attach, detach, stats)\n",
			o.cmd);
		usage(stderr);
		return 2;
	}
	return err ? 1 : 0;
}
