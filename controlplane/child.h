/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Starting helper programs (exec health checks, VRRP notify scripts) from
 * edgelbd's single-threaded loop, in a clean state and without ever
 * waiting for them: the caller watches the returned pidfd in an epoll set
 * and reaps with waitid(P_PIDFD, ..., WNOHANG) when it becomes readable.
 */
#ifndef EDGELB_CHILD_H
#define EDGELB_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Run path with argv and envp. The child gets an empty signal mask and
 * the signals edgelbd handles back at their defaults, /dev/null as stdin,
 * out_fd as stdout and stderr (-1: edgelbd's own, i.e. the log), no other
 * descriptor, and with own_group its own process group (so that a timeout
 * can kill whatever it started too).
 *
 * Returns 0 with *pid and *pidfd (close-on-exec) set, or a negative errno:
 * from posix_spawn (the program could not be run), or from pidfd_open, in
 * which case the child was killed and reaped before returning, since
 * nothing could have watched it.
 */
int edgelb_spawn(const char *path, char *const argv[], char *const envp[], int out_fd,
		 bool own_group, pid_t *pid, int *pidfd);

#endif /* EDGELB_CHILD_H */
