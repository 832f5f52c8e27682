/*
 * Entry point: with no command the TUI, with a command the CLI.
 * The TUI path reads TRUNKCTL_DATA_DIR, TRUNKCTL_API_URL and
 * TRUNKCTL_API_TOKEN; the full configuration (profiles, file, flags) comes
 * with the CLI.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunkctl/service.h"
#include "tui/tui.h"

static void usage(FILE *out)
{
	fputs("usage: trunkctl [global options] [command [args]]\n"
	      "       trunkctl --help | --version\n",
	      out);
}

static int run_tui(bool no_color)
{
	const char *data_dir = getenv("TRUNKCTL_DATA_DIR");
	if (!data_dir || !*data_dir) {
		fputs("trunkctl: set TRUNKCTL_DATA_DIR to the directory of the local store\n",
		      stderr);
		return 2;
	}
	struct tc_service_options so = {
	    .data_dir = data_dir,
	    .api_url = getenv("TRUNKCTL_API_URL"),
	    .token = getenv("TRUNKCTL_API_TOKEN"),
	};
	struct tc_service *svc = NULL;
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_open(&so, &svc, &err) != TC_OK) {
		fprintf(stderr, "trunkctl: %s\n", err.message);
		tc_error_clear(&err);
		return 1;
	}
	struct tui_options to = {.no_color = no_color};
	int rc = tui_run(svc, &to);
	tc_service_close(svc);
	return rc;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc > 1 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("trunkctl %s\n", TRUNKCTL_VERSION);
		return 0;
	}
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc == 1 || (argc == 2 && strcmp(argv[1], "--no-color") == 0))
		return run_tui(argc == 2);
	usage(stderr);
	return 2;
}
