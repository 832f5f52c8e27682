/*
 * The service's state, shared by the two files that implement service.h:
 * service.c (the store: open, reads, local changes, the outbox, import,
 * doctor) and service_net.c (the API settings, the sync and probe on the
 * caller's thread, and the worker the service owns and forwards to).
 */
#ifndef TRUNKCTL_SRC_SERVICE_PRIVATE_H
#define TRUNKCTL_SRC_SERVICE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/api.h"
#include "trunkctl/service.h"
#include "trunkctl/store.h"
#include "util.h"
#include "worker.h"

struct tc_service {
	char *data_dir;
	char *profile;
	char *api_host;
	bool offline;
	bool read_only;
	struct tc_region *regions; /* deep copies */
	size_t region_count;
	struct tc_clock clock;
	struct tc_store *store;

	/* The network half (service_net.c). Copies of the options; the token is wiped on close. */
	char *api_url;
	char *token;
	char **resolve;
	size_t resolve_count;
	char *ca_file;
	struct tc_api_config api_config; /* over the copies above */
	struct tc_api *api;              /* the caller's thread's client: made on first use */
	struct tc_worker *worker;        /* borrows data_dir, profile and api_config */
};

/*
 * Copies the API settings from options and creates the (not yet started)
 * worker; tc_service_open calls it once the store is open. Errors: TC_NOMEM.
 */
enum tc_status service_net_open(struct tc_service *svc, const struct tc_service_options *options,
                                struct tc_error *err);
/* Stops and destroys the worker, wipes the token; tc_service_close calls it first. */
void service_net_close(struct tc_service *svc);

#endif
