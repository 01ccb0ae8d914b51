// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/pidfd.h>
#include <sys/wait.h>

#include "child.h"

/* edgelbd blocks or handles these; a child must not inherit that */
static const int spawn_default_signals[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2,
};

int edgelb_spawn(const char *path, char *const argv[], char *const envp[], int out_fd,
		 bool own_group, pid_t *pid, int *pidfd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	int err, fd;

	sigemptyset(&none);
	sigemptyset(&defaults);
	for (size_t i = 0; i < sizeof(spawn_default_signals) / sizeof(int); i++)
		sigaddset(&defaults, spawn_default_signals[i]);
	posix_spawnattr_init(&attr);
	if (own_group) {
		flags |= POSIX_SPAWN_SETPGROUP;
		posix_spawnattr_setpgroup(&attr, 0);
	}
	posix_spawnattr_setflags(&attr, flags);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_fd >= 0) {
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
		posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
	}
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	err = posix_spawn(pid, path, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (err)
		return -err;

	fd = pidfd_open(*pid, 0);
	if (fd < 0) {
		err = -errno;
		/* cannot be watched: do not leave it running; SIGKILL makes the wait short */
		kill(own_group ? -*pid : *pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		return err;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	*pidfd = fd;
	return 0;
}
