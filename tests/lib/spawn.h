/*
 * Starting and stopping the built fake Carrier API from a test process, shared
 * by its own tests, the integration tests and the TUI end-to-end tests. No
 * criterion here: each caller decides how a failure is reported.
 */
#ifndef TRUNKCTL_TESTS_LIB_SPAWN_H
#define TRUNKCTL_TESTS_LIB_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct fake_spawn {
	pid_t pid;       /* the running fake once ready */
	int port;        /* from its "listening on PORT" line */
	char said[256];  /* what it printed before it was ready or gave up */
	const char *why; /* on failure: what went wrong, a static string */
	int status;      /* on failure after the fork: its wait status */
};

/*
 * Runs argv[0] with argv (NULL-terminated) and waits for "listening on PORT"
 * on its stdout, up to timeout_ms for each read: a readiness signal, never a
 * sleep. The child is killed when the calling process dies, so a test killed
 * on timeout leaves no orphan. On failure the child has been killed and
 * reaped and out->why says why; on success out->pid and out->port are set.
 */
bool fake_spawn(const char *const argv[], int timeout_ms, struct fake_spawn *out);

/* SIGTERM and reap; returns its exit code, 128 + the signal if one killed it. */
int fake_terminate(pid_t pid);

#endif
