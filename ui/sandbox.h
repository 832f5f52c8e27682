/*
 * --sandbox: the bundled fake Carrier API on 127.0.0.1 with sample trunks and
 * a throwaway data directory. The fake is a child process that dies with
 * trunkctl (PR_SET_PDEATHSIG), and sandbox_stop ends it and removes the data
 * directory on every normal exit path.
 */
#ifndef TRUNKCTL_UI_SANDBOX_H
#define TRUNKCTL_UI_SANDBOX_H

#include <sys/types.h>

#include "trunkctl/config.h"

struct sandbox {
	pid_t pid;      /* the fake, 0 when not running */
	int port;       /* its port */
	char dir[256];  /* throwaway data directory, "" when none */
	char exe[4096]; /* the fake's path */
};

/*
 * Starts the fake (found next to this binary in a build tree, else in
 * libexecdir; TRUNKCTL_FAKE_API overrides), waits for it to listen, and
 * points cfg at it (api_url, token, data_dir; origin flag, "--sandbox").
 * Returns TC_OK or an error in err (nothing left running).
 */
enum tc_status sandbox_start(struct sandbox *sb, struct tc_config *cfg, struct tc_error *err);

/* Stops the fake and removes the data directory. Idempotent; accepts NULL. */
void sandbox_stop(struct sandbox *sb);

#endif
