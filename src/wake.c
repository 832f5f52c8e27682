/* The wake-up pipe and monotonic waits of the core's threads. See wake.h. */
#include "wake.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void tc_cond_init_monotonic(pthread_cond_t *cv)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

void tc_deadline_after(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

enum tc_status tc_wake_pipe(int fds[2], const char *what, struct tc_error *err)
{
	if (pipe(fds) != 0)
		return tc_error_set(err, TC_IO, "cannot create %s: %s", what, strerror(errno));
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	}
	return TC_OK;
}

void tc_wake(int fd)
{
	ssize_t n;
	do
		n = write(fd, "w", 1);
	while (n < 0 && errno == EINTR);
	/* EAGAIN: the pipe is full, so the reader is already woken. */
}

void tc_wake_drain(int fd)
{
	char buf[256];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}
