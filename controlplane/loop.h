/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * edgelbd's event loop: one thread, one epoll set. File descriptors and
 * timers (timerfd, CLOCK_MONOTONIC) call back into their owners; nothing
 * registered here may block.
 */
#ifndef EDGELB_LOOP_H
#define EDGELB_LOOP_H

#include <stdint.h>

struct loop;
struct loop_timer;

/* events: EPOLLIN / EPOLLOUT ... as given to epoll */
typedef void (*loop_fd_cb)(void *arg, int fd, uint32_t events);
typedef void (*loop_timer_cb)(void *arg);

int loop_new(struct loop **out);
void loop_free(struct loop *l);

/* Watch fd; the loop does not own it (close it after loop_del_fd). */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
int loop_del_fd(struct loop *l, int fd);

/* One-shot or periodic (interval_ms > 0) timer, first firing after delay_ms. */
int loop_timer_new(struct loop *l, loop_timer_cb cb, void *arg, struct loop_timer **out);
int loop_timer_arm(struct loop_timer *t, uint64_t delay_ms, uint64_t interval_ms);
int loop_timer_disarm(struct loop_timer *t);
void loop_timer_free(struct loop_timer *t);

/* Run until loop_stop(); returns 0 or a negative errno. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

/* Monotonic milliseconds. */
uint64_t loop_now_ms(void);

#endif /* EDGELB_LOOP_H */
