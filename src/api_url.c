/*
 * URL handling for the Carrier API client, without any transfer: the
 * collection URL, resolve overrides, loopback hosts, the check of the
 * configured base URL and of a page's links.next.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_private.h"
#include "trunkctl/api.h"

char *tc_api_build_url(const char *base, const char *id, const char *query)
{
	size_t blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	char *escaped = NULL;
	if (id) {
		escaped = curl_easy_escape(NULL, id, 0);
		if (!escaped)
			return NULL;
	}
	size_t len = blen + strlen(TC_API_COLLECTION_PATH) + (escaped ? 1 + strlen(escaped) : 0) +
	             (query && *query ? 1 + strlen(query) : 0) + 1;
	char *url = malloc(len);
	if (url)
		snprintf(url, len, "%.*s%s%s%s%s%s", (int)blen, base, TC_API_COLLECTION_PATH,
		         escaped ? "/" : "", escaped ? escaped : "", query && *query ? "?" : "",
		         query && *query ? query : "");
	curl_free(escaped);
	return url;
}

enum tc_status tc_api_parse_resolve(const char *spec, char *host, size_t host_size, int *port,
                                    char *addr, size_t addr_size)
{
	if (!spec)
		return TC_CONFIG;
	const char *c1 = strchr(spec, ':');
	if (!c1 || c1 == spec || (size_t)(c1 - spec) >= host_size)
		return TC_CONFIG;
	const char *c2 = strchr(c1 + 1, ':');
	if (!c2 || c2 == c1 + 1)
		return TC_CONFIG;
	long p = 0;
	for (const char *s = c1 + 1; s < c2; s++) {
		if (!isdigit((unsigned char)*s))
			return TC_CONFIG;
		p = p * 10 + (*s - '0');
		if (p > 65535)
			return TC_CONFIG;
	}
	if (p == 0)
		return TC_CONFIG;
	const char *a = c2 + 1;
	size_t alen = strlen(a);
	if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
		a++;
		alen -= 2;
	}
	if (alen == 0 || alen >= addr_size)
		return TC_CONFIG;
	char tmp[64];
	if (alen >= sizeof(tmp))
		return TC_CONFIG;
	memcpy(tmp, a, alen);
	tmp[alen] = '\0';
	unsigned char buf[sizeof(struct in6_addr)];
	if (inet_pton(AF_INET, tmp, buf) != 1 && inet_pton(AF_INET6, tmp, buf) != 1)
		return TC_CONFIG;
	memcpy(host, spec, (size_t)(c1 - spec));
	host[c1 - spec] = '\0';
	*port = (int)p;
	memcpy(addr, tmp, alen + 1);
	return TC_OK;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

bool tc_api_is_loopback(const char *host_or_addr)
{
	if (!host_or_addr || !*host_or_addr)
		return false;
	char tmp[64];
	size_t len = strlen(host_or_addr);
	const char *h = host_or_addr;
	if (len >= 2 && h[0] == '[' && h[len - 1] == ']') {
		h++;
		len -= 2;
	}
	if (len >= sizeof(tmp))
		return false;
	memcpy(tmp, h, len);
	tmp[len] = '\0';
	if (strcasecmp(tmp, "localhost") == 0 || ends_with_ci(tmp, ".localhost"))
		return true;
	struct in_addr v4;
	if (inet_pton(AF_INET, tmp, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	struct in6_addr v6;
	if (inet_pton(AF_INET6, tmp, &v6) == 1)
		/* a dual-stack resolver reports 127.0.0.1 as ::ffff:127.0.0.1 */
		return IN6_IS_ADDR_LOOPBACK(&v6) ||
		       (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
	return false;
}

enum tc_status api_check_base(const struct tc_api_config *cfg, struct tc_error *err)
{
	CURLU *u = curl_url();
	if (!u)
		return tc_error_set(err, TC_NOMEM, NULL);
	char *scheme = NULL, *host = NULL, *port = NULL, *query = NULL, *frag = NULL, *user = NULL;
	enum tc_status rc = TC_OK;
	if (curl_url_set(u, CURLUPART_URL, cfg->base_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		rc = tc_error_set(err, TC_CONFIG, "the API base URL \"%s\" is not a valid URL",
		                  cfg->base_url);
		goto out;
	}
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	curl_url_get(u, CURLUPART_USER, &user, 0);
	if (query || frag || user) {
		rc = tc_error_set(err, TC_CONFIG,
		                  "the API base URL must not carry a query, fragment or user name");
		goto out;
	}
	bool https = strcasecmp(scheme, "https") == 0;
	if (!https && strcasecmp(scheme, "http") != 0) {
		rc = tc_error_set(err, TC_CONFIG, "the API base URL must start with https://");
		goto out;
	}
	if (https || cfg->allow_insecure_http)
		goto out;
	long portnum = 80;
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port)
		portnum = strtol(port, NULL, 10);
	bool loop = tc_api_is_loopback(host);
	for (size_t i = 0; !loop && i < cfg->resolve_count; i++) {
		char rhost[256], raddr[64];
		int rport;
		if (tc_api_parse_resolve(cfg->resolve[i], rhost, sizeof(rhost), &rport, raddr,
		                         sizeof(raddr)) == TC_OK &&
		    strcasecmp(rhost, host) == 0 && rport == portnum && tc_api_is_loopback(raddr))
			loop = true;
	}
	if (!loop)
		rc = tc_error_set(err, TC_SECURITY,
		                  "plain http to %s would send the token unencrypted; use https, "
		                  "or pass --allow-http / set allow_http = true if you accept "
		                  "sending the token in clear",
		                  host);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(query);
	curl_free(frag);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

enum tc_status api_next_url(struct tc_api *api, const char *next, char **out, struct tc_error *err)
{
	*out = NULL;
	CURLU *u = curl_url();
	if (!u)
		return tc_error_set(err, TC_NOMEM, NULL);
	char *path = NULL, *query = NULL;
	enum tc_status rc = TC_OK;
	if (curl_url_set(u, CURLUPART_URL, next, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		rc =
		    tc_error_set(err, TC_PROTOCOL, "the Carrier API's next-page link is not a URL");
		goto out;
	}
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	size_t plen = strlen(path);
	const char *suffix = ends_with_ci(path, ".json") ? ".json" : "";
	if (plen < strlen(TC_API_COLLECTION_PATH) + strlen(suffix) ||
	    strncmp(path + plen - strlen(suffix) - strlen(TC_API_COLLECTION_PATH),
	            TC_API_COLLECTION_PATH, strlen(TC_API_COLLECTION_PATH)) != 0 ||
	    !query || !strstr(query, "page")) {
		rc = tc_error_set(err, TC_PROTOCOL,
		                  "the Carrier API's next-page link points outside the trunk list");
		goto out;
	}
	*out = tc_api_build_url(api->base, NULL, query);
	if (!*out)
		rc = tc_error_set(err, TC_NOMEM, NULL);
out:
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}
