// SPDX-License-Identifier: GPL-2.0-only
/*
 * The prober of tools/bench/failover: one socket, one probe every INTERVAL,
 * each carrying its sequence number and send time, replies matched by
 * sequence number.
 *
 *   bench-failover-probe udp  ADDR PORT [options]   UDP to ADDR:PORT, echoed
 *   bench-failover-probe icmp ADDR [options]        ICMP echo (raw socket)
 *   bench-failover-probe echo ADDR PORT [-T SECS]   the UDP echo server
 *
 * SIGUSR1 marks the trigger (the failure or the handover): times in the
 * result are relative to it, and from then on the prober stops once it has
 * seen MIN ms pass and SETTLE ms of answered probes after the last loss, or
 * at MAX ms after the trigger, whichever comes first. SIGTERM/SIGINT stop it
 * at once. Without a trigger it stops after the total bound.
 *
 * It prints one line of KEY=VALUE (see print_result) and asserts nothing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x454c4246u /* "ELBF": tells our echoes from anything else */

struct payload {
	uint32_t magic;
	uint32_t seq;
	uint64_t sent_ns;
};

enum kind { K_UDP, K_ICMP };

static volatile sig_atomic_t got_trigger, got_stop;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_trigger = 1;
	else
		got_stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static uint16_t csum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-failover-probe udp ADDR PORT [options]\n"
		"       bench-failover-probe icmp ADDR [options]\n"
		"       bench-failover-probe echo ADDR PORT [-T SECONDS]\n"
		"options:\n"
		"  -i USEC    interval between probes (1000)\n"
		"  -m MS      after the trigger (SIGUSR1), probe at least this long (1000)\n"
		"  -s MS      ... and until this long without a loss (500)\n"
		"  -M MS      ... but at most this long (10000)\n"
		"  -T SECONDS total bound, trigger or not (60)\n"
		"  -w MS      a probe unanswered this long is lost (50)\n");
	exit(2);
}

/* The backends' side: echo what comes, from the address it came to. */
static int run_echo(const char *addr, int port, int max_s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char buf[2048];
	int fd;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		usage();
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	/* bound to the VIP itself, replies leave with the VIP as source (DSR) */
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("echo: bind");
		return 1;
	}
	/* a server left behind by a killed script must not live forever */
	alarm((unsigned)max_s);
	while (!got_stop) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("echo: recvfrom");
			return 1;
		}
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
	return 0;
}

struct run {
	enum kind kind;
	int fd;
	uint16_t echo_id;
	struct sockaddr_in dst;
	uint32_t cap;      /* probes that fit in the bounds */
	uint64_t *sent_at; /* send time of each probe */
	uint64_t *rcvd_at; /* receive time of each, 0 while unanswered */
	uint32_t sent;
	uint32_t dups, foreign;
	uint64_t max_rtt;
};

static int send_probe(struct run *r, uint64_t t)
{
	struct payload pl = { .magic = MAGIC, .seq = r->sent, .sent_ns = t };
	uint8_t buf[sizeof(struct icmphdr) + sizeof(pl)];
	const void *p = &pl;
	size_t len = sizeof(pl);

	if (r->kind == K_ICMP) {
		struct icmphdr *ih = (struct icmphdr *)buf;

		memset(ih, 0, sizeof(*ih));
		ih->type = ICMP_ECHO;
		ih->un.echo.id = htons(r->echo_id);
		ih->un.echo.sequence = htons((uint16_t)r->sent);
		memcpy(buf + sizeof(*ih), &pl, sizeof(pl));
		ih->checksum = csum(buf, sizeof(buf));
		p = buf;
		len = sizeof(buf);
	}
	r->sent_at[r->sent++] = t;
	/* EHOSTUNREACH/ENETUNREACH and friends while ARP fails: a lost probe */
	if (sendto(r->fd, p, len, MSG_DONTWAIT, (struct sockaddr *)&r->dst, sizeof(r->dst)) < 0 &&
	    errno != EAGAIN && errno != EHOSTUNREACH && errno != ENETUNREACH &&
	    errno != ECONNREFUSED && errno != EHOSTDOWN)
		return -1;
	return 0;
}

static void take_reply(struct run *r, const uint8_t *buf, ssize_t n, uint64_t t)
{
	struct payload pl;

	if (r->kind == K_ICMP) {
		const struct iphdr *ip = (const struct iphdr *)buf;
		const struct icmphdr *ih;
		size_t hl;

		if (n < (ssize_t)sizeof(*ip))
			return;
		hl = (size_t)ip->ihl * 4;
		if ((size_t)n < hl + sizeof(*ih) + sizeof(pl) || ip->saddr != r->dst.sin_addr.s_addr)
			return;
		ih = (const struct icmphdr *)(buf + hl);
		if (ih->type != ICMP_ECHOREPLY || ntohs(ih->un.echo.id) != r->echo_id)
			return;
		memcpy(&pl, buf + hl + sizeof(*ih), sizeof(pl));
	} else {
		if (n < (ssize_t)sizeof(pl))
			return;
		memcpy(&pl, buf, sizeof(pl));
	}
	if (pl.magic != MAGIC || pl.seq >= r->sent || pl.sent_ns != r->sent_at[pl.seq]) {
		r->foreign++;
		return;
	}
	if (r->rcvd_at[pl.seq]) {
		r->dups++;
		return;
	}
	r->rcvd_at[pl.seq] = t;
	if (t - pl.sent_ns > r->max_rtt)
		r->max_rtt = t - pl.sent_ns;
}

static void drain(struct run *r)
{
	uint8_t buf[2048];
	ssize_t n;

	while ((n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0 || errno == ECONNREFUSED)
		if (n >= 0)
			take_reply(r, buf, n, now_ns());
}

/*
 * Outage: the longest time between two consecutive replies (receive
 * times), from the first reply to the end of sending; a run that never
 * gets an answer has an outage as long as itself.
 */
static void print_result(const struct run *r, uint64_t t0, uint64_t trig, uint64_t t_end,
			 uint64_t trig_real_ns)
{
	uint64_t prev = 0, gap = 0, gap_from = 0, last_sent = r->sent ? r->sent_at[r->sent - 1] : t0;
	uint32_t recv = 0, lost_before = 0, burst = 0, run = 0;
	int64_t first_lost = 0, last_lost = 0;
	bool any_lost = false;
	uint64_t base = trig ? trig : t0;

	/* receive times grow with the sequence number save for reordering:
	 * a sorted walk would be exact, but probes 1 ms apart over one path
	 * do not overtake each other, and a reordered reply only shortens
	 * the gap it falls into */
	for (uint32_t i = 0; i < r->sent; i++) {
		uint64_t rt = r->rcvd_at[i];

		if (!rt) {
			if (!any_lost)
				first_lost = (int64_t)(r->sent_at[i] - base);
			last_lost = (int64_t)(r->sent_at[i] - base);
			any_lost = true;
			if (trig && r->sent_at[i] < trig)
				lost_before++;
			if (++run > burst)
				burst = run;
			continue;
		}
		run = 0;
		recv++;
		if (prev && rt > prev && rt - prev > gap) {
			gap = rt - prev;
			gap_from = prev;
		}
		if (!prev || rt > prev)
			prev = rt;
	}
	if (!prev) {
		gap = last_sent - t0;
		gap_from = t0;
	} else if (last_sent > prev && last_sent - prev > gap) {
		gap = last_sent - prev;
		gap_from = prev;
	}
	printf("kind=%s sent=%" PRIu32 " recv=%" PRIu32 " lost=%" PRIu32 " lost_before=%" PRIu32
	       " burst=%" PRIu32 " outage_ms=%.1f outage_from_ms=%.1f first_lost_ms=%s%.1f"
	       " last_lost_ms=%s%.1f dups=%" PRIu32 " foreign=%" PRIu32 " max_rtt_ms=%.2f"
	       " triggered=%d after_ms=%.0f trigger_unix_ms=%.3f\n",
	       r->kind == K_UDP ? "udp" : "icmp", r->sent, recv, r->sent - recv, lost_before,
	       burst, ms((int64_t)gap), ms((int64_t)gap_from - (int64_t)base),
	       any_lost ? "" : "-", any_lost ? ms(first_lost) : 0.0, any_lost ? "" : "-",
	       any_lost ? ms(last_lost) : 0.0, r->dups, r->foreign, ms((int64_t)r->max_rtt),
	       trig != 0, trig ? ms((int64_t)(t_end - trig)) : 0.0, (double)trig_real_ns / 1e6);
}

int main(int argc, char **argv)
{
	long interval_us = 1000, min_ms = 1000, settle_ms = 500, max_ms = 10000, total_s = 60,
	     wait_ms = 50;
	struct sigaction sa = { .sa_handler = on_signal };
	struct run r = { 0 };
	const char *mode, *addr;
	int port = 0, argi, opt;
	uint64_t t0, next, trig = 0, trig_real = 0, last_loss = 0, t_end;
	uint32_t judged = 0;

	if (argc < 3)
		usage();
	mode = argv[1];
	addr = argv[2];
	argi = 3;
	if (!strcmp(mode, "udp") || !strcmp(mode, "echo")) {
		if (argc < 4)
			usage();
		port = atoi(argv[3]);
		if (port <= 0 || port > 65535)
			usage();
		argi = 4;
	} else if (strcmp(mode, "icmp")) {
		usage();
	}
	optind = argi;
	while ((opt = getopt(argc, argv, "i:m:s:M:T:w:")) != -1) {
		switch (opt) {
		case 'i': interval_us = atol(optarg); break;
		case 'm': min_ms = atol(optarg); break;
		case 's': settle_ms = atol(optarg); break;
		case 'M': max_ms = atol(optarg); break;
		case 'T': total_s = atol(optarg); break;
		case 'w': wait_ms = atol(optarg); break;
		default: usage();
		}
	}
	if (interval_us < 100 || total_s < 1 || total_s > 3600 || wait_ms < 1 || max_ms < min_ms)
		usage();
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	if (!strcmp(mode, "echo"))
		return run_echo(addr, port, (int)total_s);

	r.kind = !strcmp(mode, "udp") ? K_UDP : K_ICMP;
	r.dst.sin_family = AF_INET;
	r.dst.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &r.dst.sin_addr) != 1)
		usage();
	r.fd = r.kind == K_UDP ? socket(AF_INET, SOCK_DGRAM, 0)
			       : socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (r.fd < 0) {
		perror("socket");
		return 1;
	}
	{
		int sz = 1 << 20;

		setsockopt(r.fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	/* connected UDP: the kernel drops replies from other sources for us */
	if (r.kind == K_UDP && connect(r.fd, (struct sockaddr *)&r.dst, sizeof(r.dst))) {
		perror("connect");
		return 1;
	}
	r.echo_id = (uint16_t)getpid();
	r.cap = (uint32_t)(total_s * 1000000 / interval_us + 2);
	r.sent_at = calloc(r.cap, sizeof(*r.sent_at));
	r.rcvd_at = calloc(r.cap, sizeof(*r.rcvd_at));
	if (!r.sent_at || !r.rcvd_at) {
		perror("calloc");
		return 1;
	}

	t0 = next = now_ns();
	for (;;) {
		uint64_t t = now_ns();
		struct timespec to;
		struct pollfd pfd = { .fd = r.fd, .events = POLLIN };

		if (got_stop || r.sent >= r.cap)
			break;
		if (got_trigger && !trig) {
			struct timespec rt;

			trig = t;
			clock_gettime(CLOCK_REALTIME, &rt);
			trig_real = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
		}
		if (t >= next) {
			if (send_probe(&r, t)) {
				perror("send");
				return 1;
			}
			next += (uint64_t)interval_us * 1000;
			/* after a stall (a busy VM), do not burst to catch up */
			if (next < t)
				next = t + (uint64_t)interval_us * 1000;
		}
		/* judge probes old enough to have been answered */
		while (judged < r.sent && (r.rcvd_at[judged] ||
					   t - r.sent_at[judged] > (uint64_t)wait_ms * 1000000)) {
			if (!r.rcvd_at[judged])
				last_loss = r.sent_at[judged];
			judged++;
		}
		if (trig) {
			uint64_t after = t - trig;
			bool clean = !last_loss || last_loss < trig ||
				     (judged && r.sent_at[judged - 1] > last_loss &&
				      r.sent_at[judged - 1] - last_loss >= (uint64_t)settle_ms * 1000000);

			if (after >= (uint64_t)max_ms * 1000000 ||
			    (after >= (uint64_t)min_ms * 1000000 && clean))
				break;
		}
		t = now_ns();
		if (next > t) {
			to.tv_sec = (time_t)((next - t) / 1000000000u);
			to.tv_nsec = (long)((next - t) % 1000000000u);
		} else {
			to.tv_sec = 0;
			to.tv_nsec = 0;
		}
		if (ppoll(&pfd, 1, &to, NULL) > 0)
			drain(&r);
	}
	t_end = now_ns();
	/* the last probes' replies are still on the way */
	{
		uint64_t until = t_end + (uint64_t)wait_ms * 1000000;

		while (now_ns() < until) {
			struct pollfd pfd = { .fd = r.fd, .events = POLLIN };

			if (poll(&pfd, 1, 5) > 0)
				drain(&r);
		}
	}
	print_result(&r, t0, trig, t_end, trig_real);
	return 0;
}
