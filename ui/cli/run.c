/* Dispatch: the exit statuses, opening the service a command needs, and running it. */
#include <stdio.h>

#include "cli_private.h"

int cli_exit_for(enum tc_status status)
{
	switch (status) {
	case TC_OK:
		return CLI_EXIT_OK;
	case TC_USAGE:
		return CLI_EXIT_USAGE;
	case TC_INVALID:
	case TC_REJECTED:
	case TC_PARSE:
		return CLI_EXIT_INVALID;
	case TC_AUTH:
	case TC_FORBIDDEN:
		return CLI_EXIT_AUTH;
	case TC_NOT_FOUND:
		return CLI_EXIT_NOT_FOUND;
	case TC_OFFLINE:
	case TC_UNREACHABLE:
	case TC_TIMEOUT:
	case TC_SERVER:
	case TC_RATE_LIMITED:
		return CLI_EXIT_QUEUED;
	case TC_CONFLICT:
		return CLI_EXIT_CONFLICT;
	default:
		return CLI_EXIT_FAILURE;
	}
}

int cli_fail(struct cli *c, enum tc_status rc)
{
	if (c->err.status == TC_OK)
		tc_error_set(&c->err, rc, NULL);
	cli_print_error(&c->err);
	return cli_exit_for(rc);
}

static void trace_line(void *ctx, const char *line)
{
	(void)ctx;
	/* header lines are the server's text: the core only redacts them */
	cli_say(stderr, "* %s", line);
}

static enum tc_status open_service(struct cli *c, bool with_token)
{
	struct tc_service_options opts;
	enum tc_status rc = tc_config_service_options(c->cfg, with_token, &opts, &c->err);
	if (rc != TC_OK)
		return rc;
	if (tc_config_verbose(c->cfg))
		opts.trace = trace_line;
	return tc_service_open(&opts, &c->svc, &c->err);
}

/* The commands that send something load the token; a sandbox command always can. */
static bool needs_token(const struct cli_args *a)
{
	unsigned flags = a->command->flags;
	if (a->given[CLI_OPT_SANDBOX])
		return true;
	return (flags & CLI_NEEDS_TOKEN) ||
	       ((flags & CLI_TOKEN_IF_REFRESH) && a->given[CLI_OPT_REFRESH]) ||
	       ((flags & CLI_TOKEN_UNLESS_DRY_RUN) && !a->given[CLI_OPT_DRY_RUN]) ||
	       ((flags & CLI_TOKEN_IF_PUSH) && a->given[CLI_OPT_PUSH]);
}

/* The service as the command's flags ask for it, with a sandbox store filled. */
static enum tc_status open_command_service(struct cli *c)
{
	const struct cli_args *a = c->a;
	bool try_token = a->command->flags & CLI_TRY_TOKEN;
	enum tc_status rc = open_service(c, needs_token(a) || try_token);
	if (rc != TC_OK && try_token && !c->svc) {
		/* doctor reports a token it cannot load; the other checks still run. */
		tc_error_clear(&c->err);
		rc = open_service(c, false);
	}
	if (rc == TC_OK && tc_service_store_read_only(c->svc))
		fprintf(stderr,
		        "trunkctl: note: the local store is read-only (%s): it can be read, and "
		        "nothing can be saved\n",
		        tc_service_store_read_only(c->svc));
	if (rc == TC_OK && a->given[CLI_OPT_SANDBOX] && !(a->command->flags & CLI_PULLS)) {
		/* A fresh sandbox store is empty: fill it as the TUI's first sync would. */
		struct tc_sync_report rep;
		rc = tc_service_sync(c->svc, TC_SYNC_PULL, &rep, &c->err);
	}
	return rc;
}

int cli_run(const struct cli_args *a, struct tc_config *cfg)
{
	struct cli c = {.a = a, .cfg = cfg};
	tc_error_init(&c.err);
	enum tc_status rc = TC_OK;
	if (a->command->flags & CLI_NEEDS_SERVICE)
		rc = open_command_service(&c);
	int code = rc == TC_OK ? a->command->run(&c) : cli_fail(&c, rc);
	tc_service_close(c.svc);
	tc_error_clear(&c.err);
	return code;
}
