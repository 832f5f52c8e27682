#include "fake_proc.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef TC_FAKE_API
#error "TC_FAKE_API must name the fake server binary (set by meson)"
#endif

/* Generous: 10,000 sample trunks under ASan on a busy 2-core machine take a while. */
#define START_TIMEOUT_MS 60000
#define MAX_ARGS 64

static void spawn(struct fake *f, const char *const *extra)
{
	const char *argv[MAX_ARGS];
	size_t n = 0;
	argv[n++] = TC_FAKE_API;
	const char *fixed[] = {
	    "--port", "0", "--token", FAKE_TOKEN, "--unscoped-token", FAKE_UNSCOPED_TOKEN,
	    "--seed", "1", "--state", f->state};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
		argv[n++] = fixed[i];
	for (size_t i = 0; extra && extra[i]; i++) {
		cr_assert_lt(n, (size_t)MAX_ARGS - 1);
		argv[n++] = extra[i];
	}
	argv[n] = NULL;
	int out[2];
	cr_assert_eq(pipe(out), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* A test killed on timeout skips its teardown: the fake must not outlive it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		execv(TC_FAKE_API, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	/* Wait for "listening on PORT" (a readiness signal, not a sleep). */
	char buf[256] = "";
	size_t len = 0;
	while (!strchr(buf, '\n') && len < sizeof(buf) - 1) {
		struct pollfd p = {.fd = out[0], .events = POLLIN};
		cr_assert_gt(poll(&p, 1, START_TIMEOUT_MS), 0,
		             "the fake API did not start in time");
		ssize_t r = read(out[0], buf + len, sizeof(buf) - 1 - len);
		cr_assert_gt(r, 0, "the fake API exited before listening");
		len += (size_t)r;
		buf[len] = '\0';
	}
	f->port = 0;
	close(out[0]);
	cr_assert_eq(sscanf(buf, "listening on %d", &f->port), 1, "fake said: %s", buf);
	f->pid = pid;
	snprintf(f->base, sizeof(f->base), "http://" FAKE_HOST ":%d", f->port);
	snprintf(f->resolve, sizeof(f->resolve), FAKE_HOST ":%d:127.0.0.1", f->port);
}

void fake_start(struct fake *f, const char *const *extra)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->state, sizeof(f->state), "/tmp/trunkctl-itest-fake-XXXXXX");
	int fd = mkstemp(f->state);
	cr_assert_geq(fd, 0);
	close(fd);
	unlink(f->state); /* a missing file is an empty store */
	spawn(f, extra);
}

void fake_restart(struct fake *f, const char *const *extra)
{
	fake_stop(f);
	spawn(f, extra);
}

void fake_stop(struct fake *f)
{
	if (f->pid <= 0)
		return;
	kill(f->pid, SIGTERM);
	int st;
	while (waitpid(f->pid, &st, 0) < 0 && errno == EINTR)
		;
	f->pid = 0;
}

void fake_destroy(struct fake *f)
{
	fake_stop(f);
	if (f->state[0]) {
		unlink(f->state);
		char tmp[300];
		snprintf(tmp, sizeof(tmp), "%s.tmp", f->state);
		unlink(tmp);
	}
}

struct buf {
	char *p;
	size_t len;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t n = size * nmemb;
	char *p = realloc(b->p, b->len + n + 1);
	if (!p)
		return 0;
	memcpy(p + b->len, data, n);
	b->p = p;
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

long fake_control(struct fake *f, const char *method, const char *what, const char *body,
                  json_t **out)
{
	char url[160];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/_fake/%s", f->port, what);
	CURL *c = curl_easy_init();
	cr_assert_not_null(c);
	struct buf b = {0};
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	CURLcode rc = curl_easy_perform(c);
	cr_assert_eq(rc, CURLE_OK, "control %s: %s", what, curl_easy_strerror(rc));
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (out)
		*out = b.p ? json_loads(b.p, 0, NULL) : NULL;
	free(b.p);
	return code;
}

void fake_faults(struct fake *f, const char *doc)
{
	cr_assert_eq(fake_control(f, "POST", "faults", doc, NULL), 200, "faults: %s", doc);
}

long long fake_stat(struct fake *f, const char *path)
{
	json_t *doc = NULL;
	cr_assert_eq(fake_control(f, "GET", "stats", NULL, &doc), 200);
	json_t *v = doc;
	char key[64];
	const char *p = path;
	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		v = json_object_get(v, key);
		p += n + (dot ? 1 : 0);
	}
	long long r = json_is_integer(v) ? (long long)json_integer_value(v) : -1;
	json_decref(doc);
	return r;
}

struct tc_api *fake_client(const struct fake *f, const char *token,
                           const struct tc_api_config *cfg_in)
{
	const char *resolve[1] = {f->resolve}; /* tc_api_new copies it */
	struct tc_api_config cfg = {0};
	if (cfg_in)
		cfg = *cfg_in;
	cfg.base_url = f->base;
	cfg.token = token;
	cfg.resolve = resolve;
	cfg.resolve_count = 1;
	struct tc_error err;
	tc_error_init(&err);
	struct tc_api *api = tc_api_new(&cfg, &err);
	cr_assert_not_null(api, "%s", err.message);
	tc_error_clear(&err);
	return api;
}
