// SPDX-License-Identifier: GPL-2.0-only
/*
 * notify_listen: systemd's end of sd_notify(3), for test_systemd.sh.
 *
 * usage: notify_listen SOCKET LOG [COMMAND ARGS...]
 *
 * Binds a datagram socket at SOCKET (what NOTIFY_SOCKET names) and writes
 * every line of every message it receives to LOG, one line each, prefixed
 * with the time it arrived (CLOCK_MONOTONIC, ms). After a message that
 * holds READY=1 it runs COMMAND at once and logs "CHECK <status>": the
 * test asks lbctl whether edgelbd answers at the very moment it says it is
 * ready, which a READY=1 sent too early would fail (COMMAND's standard
 * output goes to /dev/null). Runs until SIGTERM or
 * SIGINT; exits 1 when the socket cannot be set up.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* COMMAND's exit status, or -1 when it could not run or was killed. */
static int run(char **argv)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* only its status counts; its table would clutter the test's log */
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[4096];
	FILE *log;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: notify_listen SOCKET LOG [COMMAND ARGS...]\n");
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "notify_listen: %s: path too long for a UNIX socket\n", argv[1]);
		return 1;
	}
	strcpy(addr.sun_path, argv[1]);
	/* no SA_RESTART: a signal must interrupt recv() */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log = fopen(argv[2], "a");
	if (!log) {
		fprintf(stderr, "notify_listen: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unlink(argv[1]);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		fprintf(stderr, "notify_listen: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		long long t = now_ms();
		bool ready = false;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "notify_listen: recv: %s\n", strerror(errno));
			break;
		}
		buf[n] = 0;
		for (char *save, *line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			fprintf(log, "%lld %s\n", t, line);
			ready |= !strcmp(line, "READY=1");
		}
		if (ready && argc > 3)
			fprintf(log, "%lld CHECK %d\n", now_ms(), run(argv + 3));
		fflush(log);
	}
	close(fd);
	unlink(argv[1]);
	fclose(log);
	return 0;
}
