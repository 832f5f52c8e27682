/*
 * The network half of the service facade: the API settings, one-shot syncs
 * and the probe on the caller's thread, and the background worker the
 * service owns (worker.c), to which the worker calls of service.h go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_private.h"
#include "sync.h"
#include "util.h"

enum tc_status service_net_open(struct tc_service *svc, const struct tc_service_options *o,
                                struct tc_error *err)
{
	bool ok = tc_strdup_opt(&svc->api_url, o->api_url) &&
	          tc_strdup_opt(&svc->token, o->token) && tc_strdup_opt(&svc->ca_file, o->ca_file);
	if (ok && o->resolve_count) {
		svc->resolve = calloc(o->resolve_count, sizeof(*svc->resolve));
		ok = svc->resolve != NULL;
		for (size_t i = 0; ok && i < o->resolve_count; i++, svc->resolve_count++)
			ok = tc_strdup_opt(&svc->resolve[i], o->resolve[i]);
	}
	if (!ok)
		return tc_error_set(err, TC_NOMEM, NULL);
	svc->api_config = (struct tc_api_config){
	    .base_url = svc->api_url,
	    .token = svc->token,
	    .auth = o->auth == TC_AUTH_BASIC ? TC_API_AUTH_BASIC : TC_API_AUTH_BEARER,
	    .resolve = (const char *const *)svc->resolve,
	    .resolve_count = svc->resolve_count,
	    .ca_file = svc->ca_file,
	    .allow_insecure_http = o->allow_plain_http,
	    .connect_timeout_ms = o->connect_timeout_ms,
	    .timeout_ms = o->timeout_ms ? o->timeout_ms : 30000,
	    .page_size = o->page_size,
	    .max_connections = o->connections,
	    .trace = o->trace,
	    .trace_ud = o->trace_ctx,
	};
	struct tc_worker_options wo = {
	    .data_dir = svc->data_dir,
	    .profile = svc->profile,
	    .api = svc->api_config,
	    .clock = svc->clock,
	    .read_only = o->read_only,
	    .sync_interval_ms = o->sync_interval_ms ? o->sync_interval_ms : 60000,
	};
	return tc_worker_create(&wo, &svc->worker, err);
}

void service_net_close(struct tc_service *svc)
{
	tc_worker_destroy(svc->worker);
	tc_api_destroy(svc->api);
	free(svc->api_url);
	tc_wipe_free(svc->token);
	for (size_t i = 0; i < svc->resolve_count; i++)
		free(svc->resolve[i]);
	free(svc->resolve);
	free(svc->ca_file);
}

static bool net_offline(const struct tc_service *svc)
{
	return svc->offline || !svc->api_url || !*svc->api_url;
}

static enum tc_status offline_report(const struct tc_service *svc, struct tc_sync_report *report,
                                     struct tc_error *err)
{
	if (report) {
		memset(report, 0, sizeof(*report));
		report->status = TC_OFFLINE;
		report->started_ms = report->finished_ms = tc_clock_now(&svc->clock);
		snprintf(report->message, sizeof(report->message), "%s",
		         svc->offline ? "offline: nothing was sent"
		                      : "no API URL is configured: nothing was sent");
	}
	return tc_error_set(err, TC_OFFLINE, "%s",
	                    svc->offline ? "offline: nothing was sent"
	                                 : "no API URL is configured: nothing was sent");
}

/* A pull would write what it fetched: nothing is fetched for a store that cannot keep it. */
static enum tc_status store_read_only(const struct tc_service *svc, struct tc_sync_report *report,
                                      struct tc_error *err)
{
	const char *why = tc_store_read_only_reason(svc->store);
	if (report) {
		memset(report, 0, sizeof(*report));
		report->status = TC_READ_ONLY;
		report->started_ms = report->finished_ms = tc_store_now(svc->store);
		snprintf(report->message, sizeof(report->message), "nothing was synced: %s", why);
	}
	return tc_error_set(err, TC_READ_ONLY, "nothing was synced: %s", why);
}

enum tc_status tc_service_sync(struct tc_service *svc, unsigned flags,
                               struct tc_sync_report *report, struct tc_error *err)
{
	if (net_offline(svc))
		return offline_report(svc, report, err);
	if (tc_store_read_only_reason(svc->store))
		return store_read_only(svc, report, err);
	if (tc_worker_started(svc->worker))
		return tc_error_set(
		    err, TC_BUSY, "the background sync is running; ask it instead of syncing here");
	if (!svc->api && !(svc->api = tc_api_new(&svc->api_config, err)))
		return err ? err->status : TC_CONFIG;
	struct tc_sync_ctx ctx = {
	    .store = svc->store,
	    .api = svc->api,
	    .profile = svc->profile,
	    .clock = svc->clock,
	    .read_only = svc->read_only,
	    /* A command line waits for another process's sync rather than failing. */
	    .wait_for_lock = true,
	};
	return tc_sync_run(&ctx, flags, report, err);
}

enum tc_status tc_service_probe(struct tc_service *svc, struct tc_probe_result *out,
                                struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	if (net_offline(svc)) {
		enum tc_status s = offline_report(svc, NULL, err);
		snprintf(out->message, sizeof(out->message), "%s", tc_status_message(s));
		return s;
	}
	struct tc_error local;
	tc_error_init(&local);
	struct tc_error *e = err ? err : &local;
	if (!svc->api && !(svc->api = tc_api_new(&svc->api_config, e))) {
		snprintf(out->message, sizeof(out->message), "%s", e->message);
		enum tc_status s = e->status;
		tc_error_clear(&local);
		return s;
	}
	struct tc_api_probe p;
	enum tc_status s = tc_api_probe(svc->api, &p, e);
	out->http_status = p.http_status;
	out->reachable = p.http_status != 0;
	/*
	 * Only an answer that is the trunk list says the token works; a 403 is
	 * the API knowing the token but not its scope. A redirect, a proxy's
	 * 5xx or a 418 says nothing about the token.
	 */
	out->scope_ok = s == TC_OK && p.http_status >= 200 && p.http_status < 300;
	out->token_ok = out->scope_ok || p.http_status == 403;
	out->have_skew = p.have_date;
	if (p.have_date)
		out->skew_ms = p.server_date_ms - tc_clock_now(&svc->clock);
	snprintf(out->message, sizeof(out->message), "%s",
	         s == TC_OK ? "the Carrier API answered and accepted the token" : e->message);
	tc_error_clear(&local);
	return s;
}

/* ---- the worker ---- */

enum tc_status tc_service_worker_start(struct tc_service *svc, struct tc_error *err)
{
	if (net_offline(svc))
		return offline_report(svc, NULL, err);
	if (tc_store_read_only_reason(svc->store))
		return store_read_only(svc, NULL, err);
	return tc_worker_start(svc->worker, err);
}

void tc_service_sync_request(struct tc_service *svc, unsigned flags)
{
	tc_worker_request(svc->worker, flags);
}

bool tc_service_sync_cancel(struct tc_service *svc)
{
	return tc_worker_cancel(svc->worker);
}

void tc_service_worker_stop(struct tc_service *svc)
{
	tc_worker_stop(svc->worker);
}

int tc_service_event_fd(const struct tc_service *svc)
{
	return tc_worker_event_fd(svc->worker);
}

bool tc_service_next_event(struct tc_service *svc, struct tc_sync_event *ev)
{
	return tc_worker_next_event(svc->worker, ev);
}
