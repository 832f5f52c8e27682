/*
 * The seam between service.c (store half of the facade) and service_sync.c
 * (network half: tc_service_sync, tc_service_probe and the worker).
 *
 * service.c keeps one struct tc_service_net per service: it calls
 * tc_service_net_open in tc_service_open once its store is open and
 * tc_service_net_close first thing in tc_service_close, and answers the two
 * accessors below. Everything else about the network lives in
 * service_sync.c.
 */
#ifndef TRUNKCTL_SRC_SERVICE_NET_H
#define TRUNKCTL_SRC_SERVICE_NET_H

#include <stdbool.h>

#include "trunkctl/service.h"
#include "trunkctl/store.h"

struct tc_service_net;

/*
 * Copies what the network half needs from options (the token is wiped on
 * close). data_dir is the resolved directory the worker opens its own store
 * connection in. Errors: TC_NOMEM.
 */
enum tc_status tc_service_net_open(const struct tc_service_options *options, const char *data_dir,
                                   struct tc_service_net **out, struct tc_error *err);
/* Stops and joins the worker, wipes the token. Accepts NULL. */
void tc_service_net_close(struct tc_service_net *net);
/* The worker is inside a sync right now (for tc_service_status). Thread-safe. */
bool tc_service_net_syncing(const struct tc_service_net *net);

/* Provided by service.c. */
struct tc_service_net *tc_service_net_of(struct tc_service *svc);
struct tc_store *tc_service_store_of(struct tc_service *svc);

#endif
