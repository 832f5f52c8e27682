/*
 * What the core's background threads (worker.c, lint_job.c) share to wake
 * their owner and to wait for it: a pipe the owner polls, and condition
 * variables timed on the monotonic clock.
 */
#ifndef TRUNKCTL_SRC_WAKE_H
#define TRUNKCTL_SRC_WAKE_H

#include <pthread.h>
#include <time.h>

#include "trunkctl/error.h"

/* A condition variable whose timed waits run on CLOCK_MONOTONIC: wall-clock jumps stall nothing. */
void tc_cond_init_monotonic(pthread_cond_t *cv);
/* *ts = ms from now on CLOCK_MONOTONIC, the deadline of such a condition variable's wait. */
void tc_deadline_after(struct timespec *ts, long ms);

/*
 * A pipe whose read end the owner polls: both ends close-on-exec and
 * non-blocking. Errors: TC_IO naming what ("the event pipe").
 */
enum tc_status tc_wake_pipe(int fds[2], const char *what, struct tc_error *err);
/* Wakes the reader of the pipe whose write end is fd; a full pipe has woken it already. */
void tc_wake(int fd);
/* Reads every byte waiting on the read end fd, without blocking. */
void tc_wake_drain(int fd);

#endif
