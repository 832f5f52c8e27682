/*
 * Times a terminal program through a real pseudo-terminal, the way an operator
 * meets it: fork + exec on a pty of a fixed size, keys written to the master,
 * output read back. The program must announce each completed repaint with the
 * title marker "ESC ] 2 ; idle:N BEL" (trunkctl does in test mode, tui_floor
 * always does); the probe waits on that marker, never on a sleep.
 *
 * usage: ptyprobe [options] paint|keys|filter -- PROGRAM [ARGS...]
 *   paint   spawn -n times; exec to the first marker (the first complete screen)
 *   keys    one spawn; -n navigation keys (down -k, then up -K, -s at a time):
 *           key to the first output byte, and bytes per move up to the marker
 *   filter  spawn -n times; the filter key -f, then each character of -F: key to
 *           the marker that follows it; the median and the max of each run's worst key,
 *           and the median time of the filter key itself (the prompt opening)
 * options: -r ROWS -c COLS (60x200), -n N, -k DOWN (j), -K UP (k), -s STRIDE (20),
 *          -f FILTERKEY (/), -F TEXT (abc), -q QUIT (q), -t TIMEOUT_MS (5000),
 *          -e VAR=VALUE (child environment, repeatable), -b (blackhole: listen on
 *          127.0.0.1 and never accept; "@BHPORT@" in arguments and -e values
 *          becomes its port, so the program can be pointed at a server that
 *          never answers), -o FILE (keys: append every latency in us to FILE,
 *          one a line, to pool sessions taken in turns with a peer's), -W N
 *          (paint: after the first screen, wait for N more repaint markers,
 *          such as the one a background result brings, before quitting).
 * Output: one line of key=value pairs on stdout; times in ms or us as named.
 */
/*
 * wait4, outside POSIX: the peak RSS of the one child just reaped, which
 * getrusage(RUSAGE_CHILDREN) would merge with every child reaped before.
 */
#define _DEFAULT_SOURCE
#include "benchutil.h"
#include "lib/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENV 64
#define MAX_SAMPLES 100000

static const char marker_prefix[] = "\033]2;idle:";

struct child {
	int fd;
	pid_t pid;
	/* marker scanner state, kept across reads */
	size_t match;
	int in_number;
	size_t marker_bytes;
	unsigned long markers;
	unsigned long total_bytes;
	long rss_kb;
};

struct opts {
	int rows, cols, n, stride, timeout_ms;
	const char *down, *up, *filter_key, *filter_text, *quit;
	char *env[MAX_ENV];
	int nenv;
	int blackhole;
	const char *samples_out;
	int more_markers;
};

static double now_us(void)
{
	return tl_now_ms() * 1e3;
}

/* Feeds output through the marker scanner; counts bytes that are not marker bytes. */
static void scan(struct child *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		c->total_bytes++;
		if (c->in_number) {
			c->marker_bytes++;
			if (ch == '\007' || ch == '\\') {
				c->in_number = 0;
				c->markers++;
			}
			continue;
		}
		if (ch == marker_prefix[c->match]) {
			if (++c->match == sizeof marker_prefix - 1) {
				c->marker_bytes += c->match;
				c->match = 0;
				c->in_number = 1;
			}
		} else {
			c->match = ch == marker_prefix[0];
		}
	}
}

/* Reads whatever is available within timeout_ms; returns bytes read, 0 on timeout, -1 on EOF. */
static ssize_t pump(struct child *c, int timeout_ms)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	int r = poll(&p, 1, timeout_ms);
	if (r <= 0)
		return 0;
	char b[65536];
	ssize_t n = read(c->fd, b, sizeof b);
	if (n <= 0)
		return -1;
	scan(c, b, (size_t)n);
	return n;
}

static int wait_marker(struct child *c, unsigned long after, int timeout_ms)
{
	double end = now_us() + timeout_ms * 1e3;
	while (c->markers <= after) {
		double left = (end - now_us()) / 1e3;
		if (left <= 0 || pump(c, (int)left + 1) < 0)
			return -1;
	}
	return 0;
}

static char *subst(const char *s, int port)
{
	const char *at = strstr(s, "@BHPORT@");
	if (!at || port <= 0)
		return strdup(s);
	size_t len = strlen(s) + 8;
	char *out = malloc(len);
	snprintf(out, len, "%.*s%d%s", (int)(at - s), s, port, at + 8);
	return out;
}

static int spawn(struct child *c, const struct opts *o, char **argv, int bhport)
{
	memset(c, 0, sizeof *c);
	char *envp[MAX_ENV + 8];
	int ne = 0;
	static char path[4096];
	snprintf(path, sizeof path, "PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	envp[ne++] = path;
	envp[ne++] = "TERM=xterm-256color";
	envp[ne++] = "LANG=C.UTF-8";
	envp[ne++] = "TZ=UTC";
	for (int i = 0; i < o->nenv; i++)
		envp[ne++] = subst(o->env[i], bhport);
	envp[ne] = NULL;
	int argc = 0;
	while (argv[argc])
		argc++;
	char **args = calloc((size_t)argc + 1, sizeof *args);
	for (int i = 0; i < argc; i++)
		args[i] = subst(argv[i], bhport);

	struct winsize ws = {.ws_row = (unsigned short)o->rows, .ws_col = (unsigned short)o->cols};
	c->pid = forkpty(&c->fd, NULL, NULL, &ws);
	if (c->pid == 0) {
		execve(args[0], args, envp);
		_exit(127);
	}
	for (int i = 0; i < argc; i++)
		free(args[i]);
	free(args);
	for (int i = 4; i < ne; i++)
		free(envp[i]);
	return c->pid < 0 ? -1 : 0;
}

static void send_keys(struct child *c, const char *keys)
{
	size_t len = strlen(keys);
	if (write(c->fd, keys, len) != (ssize_t)len) {
		perror("ptyprobe: write");
		exit(1);
	}
}

/* Asks the program to quit, drains its output, and reaps it (SIGKILL if it lingers). */
static int finish(struct child *c, const struct opts *o)
{
	if (o->quit[0])
		send_keys(c, o->quit);
	else
		kill(c->pid, SIGTERM);
	double end = now_us() + 2e6;
	int status = 0;
	struct rusage ru;
	for (;;) {
		pid_t r = wait4(c->pid, &status, WNOHANG, &ru);
		if (r == c->pid)
			break;
		if (now_us() > end) {
			kill(c->pid, SIGKILL);
			wait4(c->pid, &status, 0, &ru);
			break;
		}
		pump(c, 10);
	}
	c->rss_kb = ru.ru_maxrss;
	close(c->fd);
	return status;
}

static int listen_blackhole(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 64) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) != 0) {
		perror("ptyprobe: blackhole");
		exit(1);
	}
	return ntohs(a.sin_port);
}

/* Reports a step that got no answer and kills the program; returns the exit status. */
static int abandon(struct child *c, const char *what, long step)
{
	fprintf(stderr, "ptyprobe: %s %ld\n", what, step);
	kill(c->pid, SIGKILL);
	return 1;
}

/* Spawns the program and waits for its first complete screen. */
static int start(struct child *c, const struct opts *o, char **argv, int bhport)
{
	if (spawn(c, o, argv, bhport) != 0)
		return -1;
	if (wait_marker(c, 0, o->timeout_ms) != 0) {
		fprintf(stderr, "ptyprobe: no first screen within %d ms\n", o->timeout_ms);
		kill(c->pid, SIGKILL);
		return -1;
	}
	return 0;
}

static int mode_paint(const struct opts *o, char **argv, int bhport)
{
	double *ms = calloc((size_t)o->n, sizeof *ms);
	long rss = 0;
	unsigned long bytes = 0;
	for (int i = 0; i < o->n; i++) {
		struct child c;
		double t0 = now_us();
		if (start(&c, o, argv, bhport) != 0)
			return 1;
		ms[i] = (now_us() - t0) / 1e3;
		bytes = c.total_bytes - c.marker_bytes;
		for (int k = 0; k < o->more_markers; k++)
			if (wait_marker(&c, c.markers, o->timeout_ms) != 0)
				return abandon(&c, "no further repaint marker", k + 1);
		finish(&c, o);
		if (c.rss_kb > rss)
			rss = c.rss_kb;
	}
	double med = bench_quantile(ms, o->n, 0.5), p95 = bench_quantile(ms, o->n, 0.95),
	       min = ms[0];
	printf("paint_ms_median=%.2f paint_ms_p95=%.2f paint_ms_min=%.2f first_screen_bytes=%lu "
	       "rss_kb=%ld runs=%d\n",
	       med, p95, min, bytes, rss, o->n);
	free(ms);
	return 0;
}

/*
 * Appends each latency (µs, one a line) to PATH, so that sessions taken in
 * turns with a peer's can be pooled into one quantile.
 */
static int append_samples(const char *path, const double *us, int n)
{
	FILE *f = fopen(path, "a");
	if (!f) {
		perror(path);
		return 1;
	}
	for (int i = 0; i < n; i++)
		fprintf(f, "%.1f\n", us[i]);
	return fclose(f) == 0 ? 0 : 1;
}

static int mode_keys(const struct opts *o, char **argv, int bhport)
{
	struct child c;
	if (start(&c, o, argv, bhport) != 0)
		return 1;
	double *lat = calloc((size_t)o->n, sizeof *lat);
	unsigned long move_bytes = 0;
	for (int i = 0; i < o->n; i++) {
		const char *key = (i / o->stride) % 2 == 0 ? o->down : o->up;
		unsigned long seen = c.markers, before = c.total_bytes - c.marker_bytes;
		double t0 = now_us();
		send_keys(&c, key);
		if (pump(&c, o->timeout_ms) <= 0) {
			return abandon(&c, "no output after key", (long)i + 1);
		}
		lat[i] = now_us() - t0;
		if (wait_marker(&c, seen, o->timeout_ms) != 0) {
			return abandon(&c, "no repaint marker after key", (long)i + 1);
		}
		move_bytes += c.total_bytes - c.marker_bytes - before;
	}
	finish(&c, o);
	if (o->samples_out && append_samples(o->samples_out, lat, o->n) != 0)
		return 1;
	double p50 = bench_quantile(lat, o->n, 0.5), p99 = bench_quantile(lat, o->n, 0.99),
	       max = lat[o->n - 1];
	printf("key_us_p50=%.0f key_us_p99=%.0f key_us_max=%.0f bytes_per_move=%.1f rss_kb=%ld "
	       "keys=%d\n",
	       p50, p99, max, (double)move_bytes / o->n, c.rss_kb, o->n);
	free(lat);
	return 0;
}

/* One spawn: the filter key, then each character; *worst_ms is the slowest character. */
static int filter_run(const struct opts *o, char **argv, int bhport, double *prompt_ms,
                      double *worst_ms, double *median_ms, long *rss_kb)
{
	struct child c;
	if (start(&c, o, argv, bhport) != 0)
		return 1;
	unsigned long seen = c.markers;
	double t_prompt = now_us();
	send_keys(&c, o->filter_key);
	if (wait_marker(&c, seen, o->timeout_ms) != 0)
		return abandon(&c, "the filter key did not repaint", 0);
	*prompt_ms = (now_us() - t_prompt) / 1e3;
	size_t n = strlen(o->filter_text);
	double ms[128];
	if (n > sizeof(ms) / sizeof(ms[0]))
		n = sizeof(ms) / sizeof(ms[0]);
	for (size_t i = 0; i < n; i++) {
		char key[2] = {o->filter_text[i], '\0'};
		seen = c.markers;
		double t0 = now_us();
		send_keys(&c, key);
		if (wait_marker(&c, seen, o->timeout_ms) != 0)
			return abandon(&c, "no repaint after filter key", (long)i + 1);
		ms[i] = (now_us() - t0) / 1e3;
	}
	struct opts q = *o;
	q.quit = "";
	finish(&c, &q);
	*median_ms = bench_quantile(ms, (int)n, 0.5);
	*worst_ms = ms[n - 1]; /* sorted by the quantile */
	if (c.rss_kb > *rss_kb)
		*rss_kb = c.rss_kb;
	return 0;
}

/*
 * -n spawns, each typing the whole filter text: one run's worst key is at
 * the mercy of one scheduling hiccup, so the figure is the median of the
 * runs' worst keys (the worst of all is printed too).
 */
static int mode_filter(const struct opts *o, char **argv, int bhport)
{
	double worst[MAX_SAMPLES], keys_median[MAX_SAMPLES], prompt[MAX_SAMPLES];
	long rss_kb = 0;
	for (int r = 0; r < o->n; r++)
		if (filter_run(o, argv, bhport, &prompt[r], &worst[r], &keys_median[r], &rss_kb) !=
		    0)
			return 1;
	double key_med = bench_quantile(keys_median, o->n, 0.5);
	double worst_med = bench_quantile(worst, o->n, 0.5), worst_max = worst[o->n - 1];
	printf("filter_ms_median=%.2f filter_ms_worst_median=%.2f filter_ms_max=%.2f "
	       "prompt_ms_median=%.2f keys=%zu runs=%d rss_kb=%ld\n",
	       key_med, worst_med, worst_max, bench_quantile(prompt, o->n, 0.5),
	       strlen(o->filter_text), o->n, rss_kb);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.rows = 60,
	                 .cols = 200,
	                 .n = 20,
	                 .stride = 20,
	                 .timeout_ms = 5000,
	                 .down = "j",
	                 .up = "k",
	                 .filter_key = "/",
	                 .filter_text = "abc",
	                 .quit = "q"};
	int opt;
	while ((opt = getopt(argc, argv, "+r:c:n:k:K:s:f:F:q:t:e:bo:W:")) != -1) {
		switch (opt) {
		case 'r':
			o.rows = atoi(optarg);
			break;
		case 'c':
			o.cols = atoi(optarg);
			break;
		case 'n':
			o.n = atoi(optarg);
			break;
		case 'k':
			o.down = optarg;
			break;
		case 'K':
			o.up = optarg;
			break;
		case 's':
			o.stride = atoi(optarg);
			break;
		case 'f':
			o.filter_key = optarg;
			break;
		case 'F':
			o.filter_text = optarg;
			break;
		case 'q':
			o.quit = optarg;
			break;
		case 't':
			o.timeout_ms = atoi(optarg);
			break;
		case 'e':
			if (o.nenv < MAX_ENV)
				o.env[o.nenv++] = optarg;
			break;
		case 'b':
			o.blackhole = 1;
			break;
		case 'o':
			o.samples_out = optarg;
			break;
		case 'W':
			o.more_markers = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 >= argc || strcmp(argv[optind + 1], "--") != 0 || optind + 2 >= argc ||
	    o.n < 1 || o.n > MAX_SAMPLES || o.stride < 1 || !o.filter_text[0]) {
		fputs("usage: ptyprobe [options] paint|keys|filter -- PROGRAM [ARGS...]\n", stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	int bhport = o.blackhole ? listen_blackhole() : 0;
	const char *mode = argv[optind];
	char **prog = argv + optind + 2;
	if (strcmp(mode, "paint") == 0)
		return mode_paint(&o, prog, bhport);
	if (strcmp(mode, "keys") == 0)
		return mode_keys(&o, prog, bhport);
	if (strcmp(mode, "filter") == 0)
		return mode_filter(&o, prog, bhport);
	fprintf(stderr, "ptyprobe: unknown mode %s\n", mode);
	return 2;
}
