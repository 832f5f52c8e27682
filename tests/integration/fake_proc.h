/*
 * The fake Carrier API (tests/fake-carrier) as a child process on
 * 127.0.0.1, for the integration tests: start, stop, restart with the same
 * state, and its loopback control endpoints.
 */
#ifndef TRUNKCTL_TESTS_FAKE_PROC_H
#define TRUNKCTL_TESTS_FAKE_PROC_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "trunkctl/api.h"

#define FAKE_TOKEN "itest-token-5e3c"
#define FAKE_UNSCOPED_TOKEN "itest-unscoped-77a1"
#define FAKE_HOST "api.fake.test"

struct fake {
	pid_t pid;
	int port;
	char base[96];    /* http://api.fake.test:PORT */
	char resolve[96]; /* api.fake.test:PORT:127.0.0.1 */
	char state[256];  /* --state file, kept across restarts */
};

/*
 * Starts the fake with --port 0 --token FAKE_TOKEN --unscoped-token
 * FAKE_UNSCOPED_TOKEN --seed 1 --state <tmp file> and the extra arguments
 * (NULL-terminated, may be NULL). Asserts on failure.
 */
void fake_start(struct fake *f, const char *const *extra);
/* Starts it again on the same state file (a new port). */
void fake_restart(struct fake *f, const char *const *extra);
/* SIGTERM and wait; the state file stays. Idempotent. */
void fake_stop(struct fake *f);
/* Stops it and removes the state file. */
void fake_destroy(struct fake *f);

/* A control request (what: "stats", "faults", "reset", "clock"); returns the HTTP status. */
long fake_control(struct fake *f, const char *method, const char *what, const char *body,
                  json_t **out);
/* Shorthand: POST /_fake/faults with the given JSON document. */
void fake_faults(struct fake *f, const char *doc);
/* GET /_fake/stats, the integer at a path such as "connections.total"; -1 if absent. */
long long fake_stat(struct fake *f, const char *path);

/* Every trunk on the server (the first FAKE_VIEW_MAX of them), read by a client of its own. */
#define FAKE_VIEW_MAX 64
struct fake_view {
	size_t count;
	char names[FAKE_VIEW_MAX][48];
	char ids[FAKE_VIEW_MAX][40];
	long long max_channels[FAKE_VIEW_MAX]; /* -1 when null */
};
struct fake_view fake_view(struct fake *f);
/* How many trunks of the view carry that name. */
size_t fake_view_named(const struct fake_view *v, const char *name);

/* A client for the fake through the resolve override; cfg_in may be NULL. */
struct tc_api *fake_client(const struct fake *f, const char *token,
                           const struct tc_api_config *cfg_in);

#endif
