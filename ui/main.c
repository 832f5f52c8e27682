/* Entry point: with no command the TUI, with a command the CLI. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("usage: trunkctl [global options] [command [args]]\n"
	      "       trunkctl --help | --version\n",
	      out);
}

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("trunkctl %s\n", TRUNKCTL_VERSION);
		return 0;
	}
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
