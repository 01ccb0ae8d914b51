// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DPDK tables file (tables_abi.h): layout, creation, mapping in a
 * role with its lock, and the repair a new writer does. Plain POSIX: no
 * DPDK here.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tables_priv.h"

#define DEFAULT_MAX_LCORES 16
#define PAGE 4096u

struct layout {
	uint64_t off_node, off_vips, off_backends, off_rings, off_lcores, total;
};

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

/* The one place that decides where each section lies. */
static void layout_of(uint32_t ring_slots, uint32_t max_lcores, struct layout *l)
{
	l->off_node = EDGELB_TABLES_HDR_SIZE;
	l->off_vips = align_up(l->off_node + (uint64_t)EDGELB_NODE_SLOTS *
						     sizeof(struct edgelb_tables_node),
			       EDGELB_TABLES_ALIGN);
	l->off_backends = align_up(l->off_vips + (uint64_t)EDGELB_TABLES_VIP_SLOTS *
							 sizeof(struct edgelb_tables_vip),
				   EDGELB_TABLES_ALIGN);
	l->off_rings = align_up(l->off_backends + (uint64_t)EDGELB_MAX_BACKENDS *
							  sizeof(struct edgelb_tables_backend),
				PAGE);
	l->off_lcores = align_up(l->off_rings + (uint64_t)ring_slots *
							sizeof(struct edgelb_ring_slot),
				 PAGE);
	l->total = align_up(l->off_lcores + (uint64_t)max_lcores *
						    sizeof(struct edgelb_tables_lcore),
			    PAGE);
}

static void view_of(struct edgelb_tables *t)
{
	struct edgelb_tables_hdr *h = t->base;
	unsigned char *b = t->base;

	t->v.hdr = h;
	t->v.node = (struct edgelb_tables_node *)(b + h->off_node);
	t->v.vips = (struct edgelb_tables_vip *)(b + h->off_vips);
	t->v.backends = (struct edgelb_tables_backend *)(b + h->off_backends);
	t->v.rings = (struct edgelb_ring_slot *)(b + h->off_rings);
	t->v.lcores = b + h->off_lcores;
	t->v.ring_slots = h->ring_slots;
	t->v.max_lcores = h->max_lcores;
	t->v.lcore_size = h->lcore_size;
}

/* An open file description lock on one byte: 0, or -errno (-EAGAIN: held elsewhere). */
static int lock_byte(int fd, short type, off_t at)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = at, .l_len = 1 };

	return fcntl(fd, F_OFD_SETLK, &fl) ? -errno : 0;
}

static void writer_repair(struct edgelb_tables *t)
{
	__u32 used = 0;

	for (__u32 i = 0; i < EDGELB_NODE_SLOTS; i++)
		latch_repair(&t->v.node[i].seq, &t->v.node[i].d[0], sizeof(t->v.node[i].d[0]));
	for (__u32 i = 0; i < EDGELB_TABLES_VIP_SLOTS; i++) {
		latch_repair(&t->v.vips[i].seq, &t->v.vips[i].d[0], sizeof(t->v.vips[i].d[0]));
		used += t->v.vips[i].d[0].state == EDGELB_TABLES_USED;
	}
	for (__u32 i = 0; i < EDGELB_MAX_BACKENDS; i++)
		latch_repair(&t->v.backends[i].seq, &t->v.backends[i].d[0],
			     sizeof(t->v.backends[i].d[0]));
	/* the count is written after the entry: recount rather than trust it */
	t->v.hdr->vip_count = used;
}

static int check_header(const struct edgelb_tables_hdr *h, uint64_t file_size)
{
	struct layout l;

	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != EDGELB_TABLES_MAGIC ||
	    h->version != EDGELB_TABLES_VERSION || h->hdr_size != EDGELB_TABLES_HDR_SIZE ||
	    h->node_slots != EDGELB_NODE_SLOTS || h->vip_slots != EDGELB_TABLES_VIP_SLOTS ||
	    h->max_vips != EDGELB_MAX_VIPS || h->max_backends != EDGELB_MAX_BACKENDS ||
	    h->counter_max != EDGELB_COUNTER_MAX ||
	    h->lcore_size != sizeof(struct edgelb_tables_lcore) || !h->ring_slots ||
	    !h->max_lcores || h->max_lcores > EDGELB_TABLES_MAX_LCORES)
		return -EPROTO;
	layout_of(h->ring_slots, h->max_lcores, &l);
	if (h->off_node != l.off_node || h->off_vips != l.off_vips ||
	    h->off_backends != l.off_backends || h->off_rings != l.off_rings ||
	    h->off_lcores != l.off_lcores || h->total_size != l.total || file_size != l.total)
		return -EPROTO;
	return 0;
}

static int map_fd(int fd, size_t size, int writable, void **base)
{
	void *p = mmap(NULL, size, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	*base = p;
	return 0;
}

int edgelb_tables_open(const char *path, enum edgelb_tables_role role, struct edgelb_tables **out)
{
	int writable = role != EDGELB_TABLES_OBSERVER;
	struct edgelb_tables *t;
	struct stat st;
	int err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->role = role;
	/* no symlink: /dev/shm is anyone's to write in */
	t->fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW);
	if (t->fd < 0) {
		err = -errno;
		goto err_free;
	}
	if (fstat(t->fd, &st)) {
		err = -errno;
		goto err_close;
	}
	/*
	 * Whoever can write the file steers every VIP: refuse one that is not
	 * ours alone (planted in /dev/shm by another user before we start).
	 */
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		err = -EPERM;
		goto err_close;
	}
	if ((uint64_t)st.st_size < EDGELB_TABLES_HDR_SIZE || (uint64_t)st.st_size > SIZE_MAX) {
		err = -EPROTO;
		goto err_close;
	}
	t->size = (size_t)st.st_size;
	err = map_fd(t->fd, t->size, writable, &t->base);
	if (err)
		goto err_close;
	err = check_header(t->base, (uint64_t)st.st_size);
	if (err)
		goto err_unmap;
	view_of(t);

	if (role == EDGELB_TABLES_WRITER) {
		err = lock_byte(t->fd, F_WRLCK, EDGELB_TABLES_LOCK_WRITER);
		if (err)
			goto err_busy;
		writer_repair(t);
	} else if (role == EDGELB_TABLES_DATAPLANE) {
		/* one data plane per file: a second would reset the first's epochs */
		err = lock_byte(t->fd, F_WRLCK, EDGELB_TABLES_LOCK_PRESENCE);
		if (err)
			goto err_busy;
		/*
		 * Epochs a killed data plane left would hold up every grace
		 * period from now on; until this reset they only delay one.
		 */
		for (__u32 i = 0; i < t->v.max_lcores; i++)
			edgelb_tables_lcore_offline(&t->v, i);
	}
	*out = t;
	return 0;

err_busy:
	err = err == -EAGAIN || err == -EACCES ? -EBUSY : err;
err_unmap:
	munmap(t->base, t->size);
err_close:
	close(t->fd);
err_free:
	free(t);
	return err;
}

int edgelb_tables_create(const char *path, const struct edgelb_tables_opts *o,
			 struct edgelb_tables **out)
{
	uint32_t ring_slots = o && o->ring_slots ? o->ring_slots : EDGELB_RING_SLOTS;
	uint32_t max_lcores = o && o->max_lcores ? o->max_lcores : DEFAULT_MAX_LCORES;
	struct edgelb_tables_hdr *h;
	char tmp[PATH_MAX];
	struct layout l;
	void *base = NULL;
	int fd, err;

	if (max_lcores > EDGELB_TABLES_MAX_LCORES)
		return -EINVAL;
	if (snprintf(tmp, sizeof(tmp), "%s.new.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	layout_of(ring_slots, max_lcores, &l);
	if (l.total > SIZE_MAX || l.total > (uint64_t)LLONG_MAX)
		return -EFBIG;

	unlink(tmp); /* our own leftover: the pid is ours */
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* zero-filled and sparse: every entry starts empty, unused rings cost nothing */
	if (ftruncate(fd, (off_t)l.total)) {
		err = -errno;
		goto out;
	}
	err = map_fd(fd, (size_t)l.total, 1, &base);
	if (err)
		goto out;
	h = base;
	h->version = EDGELB_TABLES_VERSION;
	h->hdr_size = EDGELB_TABLES_HDR_SIZE;
	h->total_size = l.total;
	h->node_slots = EDGELB_NODE_SLOTS;
	h->vip_slots = EDGELB_TABLES_VIP_SLOTS;
	h->max_vips = EDGELB_MAX_VIPS;
	h->max_backends = EDGELB_MAX_BACKENDS;
	h->ring_slots = ring_slots;
	h->max_lcores = max_lcores;
	h->counter_max = EDGELB_COUNTER_MAX;
	h->lcore_size = sizeof(struct edgelb_tables_lcore);
	h->off_node = l.off_node;
	h->off_vips = l.off_vips;
	h->off_backends = l.off_backends;
	h->off_rings = l.off_rings;
	h->off_lcores = l.off_lcores;
	/* online epochs are never 0 (OFFLINE): periods count from 1 */
	h->grace_seq = 1;
	__atomic_store_n(&h->magic, EDGELB_TABLES_MAGIC, __ATOMIC_RELEASE);
	munmap(base, (size_t)l.total);
	/* link, not rename: never replace tables a data plane may be reading */
	err = link(tmp, path) ? -errno : 0;
out:
	close(fd);
	unlink(tmp);
	return err ? err : edgelb_tables_open(path, EDGELB_TABLES_WRITER, out);
}

void edgelb_tables_close(struct edgelb_tables *t)
{
	if (!t)
		return;
	if (t->role == EDGELB_TABLES_DATAPLANE)
		for (__u32 i = 0; i < t->v.max_lcores; i++)
			edgelb_tables_lcore_offline(&t->v, i);
	munmap(t->base, t->size);
	close(t->fd); /* drops the locks */
	free(t);
}

const struct edgelb_tables_view *edgelb_tables_view(const struct edgelb_tables *t)
{
	return &t->v;
}

/* Is byte at of fd's file locked by another open file description? */
static bool byte_locked(int fd, off_t at)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = at, .l_len = 1 };

	/* cannot tell: say it is, removing is the harm */
	if (fcntl(fd, F_OFD_GETLK, &fl))
		return true;
	return fl.l_type != F_UNLCK;
}

int edgelb_tables_remove(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (byte_locked(fd, EDGELB_TABLES_LOCK_PRESENCE) || byte_locked(fd, EDGELB_TABLES_LOCK_WRITER))
		err = -EBUSY;
	else if (unlink(path))
		err = -errno;
	close(fd);
	return err;
}
