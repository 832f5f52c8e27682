#include "fake_proc.h"

#include "lib/buf.h"
#include "lib/spawn.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	struct fake_spawn sp;
	if (!fake_spawn(argv, START_TIMEOUT_MS, &sp))
		cr_assert_fail("the fake API %s (status %d); it said: %s", sp.why, sp.status,
		               sp.said);
	f->pid = sp.pid;
	f->port = sp.port;
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
	fake_terminate(f->pid);
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

long fake_control(struct fake *f, const char *method, const char *what, const char *body,
                  json_t **out)
{
	char url[160];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/_fake/%s", f->port, what);
	CURL *c = curl_easy_init();
	cr_assert_not_null(c);
	struct tl_buf b = {0};
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tl_buf_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	/* A hang guard that no machine's speed reaches: a minute without a byte. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
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

static enum tc_status view_page(void *ud, struct tc_trunk **t, size_t n, struct tc_error *err)
{
	struct fake_view *v = ud;
	(void)err;
	for (size_t i = 0; i < n; i++, v->count++) {
		if (v->count >= FAKE_VIEW_MAX)
			continue;
		snprintf(v->names[v->count], sizeof(v->names[0]), "%s",
		         tc_trunk_string(t[i], TC_F_NAME));
		snprintf(v->ids[v->count], sizeof(v->ids[0]), "%s", t[i]->id);
		v->max_channels[v->count] = t[i]->values[TC_F_MAX_CHANNELS].state == TC_V_SET
		                                ? t[i]->values[TC_F_MAX_CHANNELS].i
		                                : -1;
	}
	return TC_OK;
}

struct fake_view fake_view(struct fake *f)
{
	struct tc_api *api = fake_client(f, FAKE_TOKEN, NULL);
	struct fake_view v = {0};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_api_list(api, view_page, &v, &err), TC_OK, "%s", err.message);
	tc_api_destroy(api);
	return v;
}

size_t fake_view_named(const struct fake_view *v, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < v->count && i < FAKE_VIEW_MAX; i++)
		n += strcmp(v->names[i], name) == 0;
	return n;
}
