/*
 * Runs a command N times and reports its wall time and peak resident memory
 * (the child's ru_maxrss), which hyperfine does not measure. stdout of the
 * command goes to /dev/null unless -o is given; a failing run fails runstat.
 *
 * usage: runstat [-n N] [-o] [-p SETUP] -- PROGRAM [ARGS...]
 *   -p SETUP  a shell command run before every run, untimed (e.g. reset a store)
 * Output: one line on stdout, "ms_median=… ms_min=… ms_max=… rss_kb=… runs=N".
 */
/*
 * wait4, outside POSIX: the peak RSS of the one child just reaped, which
 * getrusage(RUSAGE_CHILDREN) would merge with every child reaped before, the
 * setup commands' included.
 */
#define _DEFAULT_SOURCE
#include "benchutil.h"
#include "lib/clock.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = 1, keep_output = 0, opt;
	const char *setup = NULL;
	while ((opt = getopt(argc, argv, "+n:op:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'o')
			keep_output = 1;
		else if (opt == 'p')
			setup = optarg;
		else
			return 2;
	}
	/* getopt has already consumed a "--" that ends the options */
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc || n < 1) {
		fputs("usage: runstat [-n N] [-o] [-p SETUP] -- PROGRAM [ARGS...]\n", stderr);
		return 2;
	}
	char **prog = argv + optind;
	double *ms = calloc((size_t)n, sizeof *ms);
	long rss = 0;
	for (int i = 0; i < n; i++) {
		if (setup && system(setup) != 0) {
			fprintf(stderr, "runstat: setup failed: %s\n", setup);
			return 1;
		}
		double t0 = tl_now_ms();
		pid_t pid = fork();
		if (pid == 0) {
			if (!keep_output) {
				int null = open("/dev/null", O_WRONLY);
				dup2(null, STDOUT_FILENO);
			}
			execvp(prog[0], prog);
			_exit(127);
		}
		int status;
		struct rusage ru;
		if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) {
			perror("runstat");
			return 1;
		}
		ms[i] = tl_now_ms() - t0;
		if (ru.ru_maxrss > rss)
			rss = ru.ru_maxrss;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "runstat: %s failed (status %d) on run %d\n", prog[0],
			        status, i + 1);
			return 1;
		}
	}
	bench_quantile(ms, n, 0.5);
	printf("ms_median=%.1f ms_min=%.1f ms_max=%.1f rss_kb=%ld runs=%d\n", ms[n / 2], ms[0],
	       ms[n - 1], rss, n);
	free(ms);
	return 0;
}
