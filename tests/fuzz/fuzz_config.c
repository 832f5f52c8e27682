/*
 * libFuzzer target for the configuration parser. The first byte chooses the
 * profile ("default" or "p"); the rest is the file. It never asks for the
 * token: token_command would run the fuzzer's input as a shell command.
 *
 * Beyond not crashing, it checks what `trunkctl config` relies on: a failure
 * names the file, and every setting read from the file names its line.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trunkctl/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One scratch file for the whole run, rewritten per input. */
static char path[64];
static int fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "/tmp/trunkctl-fuzz-config-%ld", (long)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	unlink(path);
	/* The descriptor keeps the file; the parser opens it by this name. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static const char *no_env(const char *name, void *ctx)
{
	(void)ctx;
	return strcmp(name, "HOME") == 0 ? "/home/fuzz" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
		abort();
	struct tc_config *cfg = tc_config_new();
	if (!cfg)
		return 0;
	tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_FLAG, "--config", NULL);
	if (data[0] & 1)
		tc_config_set(cfg, TC_CFG_PROFILE, "p", TC_ORIGIN_FLAG, "--profile", NULL);
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status rc = tc_config_resolve(cfg, no_env, NULL, &err);
	if (rc == TC_CONFIG && !strstr(err.message, path))
		abort();
	for (int k = 0; rc == TC_OK && k < TC_CFG_COUNT; k++)
		if (tc_config_origin(cfg, k) == TC_ORIGIN_FILE_DEFAULT ||
		    tc_config_origin(cfg, k) == TC_ORIGIN_FILE_PROFILE)
			if (strncmp(tc_config_where(cfg, k), path, strlen(path)) != 0)
				abort();
	tc_config_timeout(cfg);
	tc_config_page_size(cfg);
	for (size_t i = 0; i < tc_config_keymap_count(cfg); i++)
		if (!tc_config_keymap_at(cfg, i)->key)
			abort();
	tc_config_token_source(cfg);
	tc_error_clear(&err);
	tc_config_destroy(cfg);
	return 0;
}
