#include "benchhttp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bench_http_open(struct bench_http *http, const char *resolve_entry)
{
	memset(http, 0, sizeof *http);
	const char *token = getenv("TRUNKCTL_API_TOKEN");
	if (!token) {
		fputs("TRUNKCTL_API_TOKEN is not set\n", stderr);
		return -1;
	}
	char auth[1024];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	http->h = curl_easy_init();
	http->headers = curl_slist_append(NULL, auth);
	http->headers = curl_slist_append(http->headers, "Content-Type: application/vnd.api+json");
	http->headers = curl_slist_append(http->headers, "Accept: application/vnd.api+json");
	if (resolve_entry)
		http->resolve = curl_slist_append(NULL, resolve_entry);
	curl_easy_setopt(http->h, CURLOPT_HTTPHEADER, http->headers);
	curl_easy_setopt(http->h, CURLOPT_RESOLVE, http->resolve);
	curl_easy_setopt(http->h, CURLOPT_WRITEFUNCTION, tl_buf_collect);
	curl_easy_setopt(http->h, CURLOPT_WRITEDATA, &http->body);
	curl_easy_setopt(http->h, CURLOPT_ERRORBUFFER, http->error);
	curl_easy_setopt(http->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(http->h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(http->h, CURLOPT_TIMEOUT_MS, 30000L);
	return 0;
}

long bench_http_send(struct bench_http *http, const char *method, const char *url,
                     const char *payload)
{
	http->body.len = 0;
	http->error[0] = '\0';
	curl_easy_setopt(http->h, CURLOPT_URL, url);
	if (payload) {
		curl_easy_setopt(http->h, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(http->h, CURLOPT_POSTFIELDS, payload);
	} else {
		/* setting POSTFIELDS, even to NULL, would turn the request into a POST */
		curl_easy_setopt(http->h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(http->h, CURLOPT_CUSTOMREQUEST, method);
	}
	if (curl_easy_perform(http->h) != CURLE_OK)
		return -1;
	long code = 0;
	curl_easy_getinfo(http->h, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

void bench_http_close(struct bench_http *http)
{
	if (!http)
		return;
	free(http->body.p);
	curl_slist_free_all(http->headers);
	curl_slist_free_all(http->resolve);
	curl_easy_cleanup(http->h);
	curl_global_cleanup();
}
