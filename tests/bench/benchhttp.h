/* One keep-alive libcurl handle for the benchmark peers (not part of trunkctl). */
#ifndef TRUNKCTL_BENCHHTTP_H
#define TRUNKCTL_BENCHHTTP_H

#include "lib/buf.h"

#include <curl/curl.h>

struct bench_http {
	CURL *h;
	struct curl_slist *headers, *resolve;
	struct tl_buf body;          /* the last response's body */
	char error[CURL_ERROR_SIZE]; /* why the last request failed in transport */
};

/*
 * Opens a handle that sends the Bearer token from TRUNKCTL_API_TOKEN (never
 * argv) and JSON:API headers, collects bodies into http->body and, when
 * resolve_entry is not NULL, resolves as curl's --resolve HOST:PORT:ADDR.
 * Returns -1 with a message on stderr when the token is not set.
 */
int bench_http_open(struct bench_http *http, const char *resolve_entry);

/* Sends one request (payload NULL for none); returns the HTTP status, -1 on a transport error. */
long bench_http_send(struct bench_http *http, const char *method, const char *url,
                     const char *payload);

void bench_http_close(struct bench_http *http);

#endif
