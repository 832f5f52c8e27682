/*
 * The service's state, shared by the two files that implement service.h:
 * service.c (the store: open, reads, local changes, the outbox, import,
 * doctor) and service_net.c (the API settings, the sync and probe on the
 * caller's thread, and the worker the service owns and forwards to), and
 * service_apply.c (a fleet plan staged in one transaction) over the local
 * change helpers of service.c declared below.
 */
#ifndef TRUNKCTL_SRC_SERVICE_PRIVATE_H
#define TRUNKCTL_SRC_SERVICE_PRIVATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/api.h"
#include "trunkctl/service.h"
#include "trunkctl/store.h"
#include "lint_job.h"
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
	struct tc_lint_job *lint;        /* the lint in the background; borrows data_dir */

	/* tc_service_changed_elsewhere's last look at the store's data_version */
	int64_t data_version;
	bool data_version_known;
};

/*
 * Copies the API settings from options and creates the (not yet started)
 * worker; tc_service_open calls it once the store is open. Errors: TC_NOMEM.
 */
enum tc_status service_net_open(struct tc_service *svc, const struct tc_service_options *options,
                                struct tc_error *err);
/* Stops and destroys the worker, wipes the token; tc_service_close calls it first. */
void service_net_close(struct tc_service *svc);

/* ---- local changes (service.c), shared with service_apply.c ---- */

/* TC_READ_ONLY (the sentence says why) when the service refuses changes, else TC_OK. */
enum tc_status service_refuse_read_only(const struct tc_service *svc, struct tc_error *err);
/* rc; when TC_OK, wakes a running worker to push the change now. */
enum tc_status service_queued(struct tc_service *svc, enum tc_status rc);
/* A new "local-" + 16 hex digits id into buf. Errors: TC_IO. */
enum tc_status service_new_local_id(char buf[64], struct tc_error *err);
/* Commits the write transaction a service call opened when rc is TC_OK, else rolls it back. */
enum tc_status service_end_write(struct tc_service *svc, enum tc_status rc, struct tc_error *err);
/*
 * The id trunk id has now (a pushed create's local id maps to its server
 * id, *mapped, freed by the caller). Call inside the write transaction.
 */
const char *service_current_id(struct tc_service *svc, const char *id, char **mapped);
/* The store's edit of changes from version from (may be NULL), validated as the service does. */
void service_edit_of(struct tc_service *svc, const struct tc_trunk *changes,
                     const struct tc_trunk *from, struct tc_store_edit *edit);
/* One validated edit of trunk id (already mapped) in the store; joins an open transaction. */
enum tc_status service_save_edit(struct tc_service *svc, const char *id,
                                 const struct tc_trunk *changes, const struct tc_trunk *from,
                                 struct tc_edit_result *result, struct tc_error *err);

/* The write transaction of a change, once the session may write. */
enum tc_status service_begin_write(struct tc_service *svc, struct tc_error *err);
/* The same for an edit, which must also have something to save. */
enum tc_status service_begin_edits(struct tc_service *svc, const struct tc_trunk *changes,
                                   struct tc_error *err);

/* ---- routing (service_routing.c), shared with the lint thread (lint_job.c) ---- */

/*
 * tc_service_routing over any connection to the store; a set *cancel (NULL:
 * none) stops the read between rows with TC_CANCELLED.
 */
enum tc_status service_routing_read(struct tc_store *store, bool server_only,
                                    const atomic_bool *cancel, struct tc_routing **out,
                                    struct tc_error *err);
/*
 * The lint's marks of the store as routing sees it, from one walk that
 * keeps no trunk (lint_marks.c), in one read snapshot of the connection.
 * TC_CANCELLED once *cancel is set.
 */
enum tc_status service_lint_marks(struct tc_store *store, const atomic_bool *cancel,
                                  struct tc_lint_marks **out, struct tc_error *err);

#endif
