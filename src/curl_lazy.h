/*
 * libcurl, loaded on the first network call rather than at exec: linking it
 * made every start map and relocate its thirty-odd dependencies (TLS,
 * Kerberos, LDAP, IDN), about 7 ms of CPU before main, which the TUI's
 * first screen paid even offline (tests/bench/README.md, first screen).
 *
 * Included after <curl/curl.h> by the files that call libcurl: the calls keep
 * their names and go through src/curl_lazy.c, which dlopens the library once
 * (thread-safe) and fails each call cleanly when it cannot be loaded.
 */
#ifndef TRUNKCTL_SRC_CURL_LAZY_H
#define TRUNKCTL_SRC_CURL_LAZY_H

#include <curl/curl.h>

/* NULL when libcurl is loaded, else why it is not (dlerror's sentence). */
const char *tc_curl_load_error(void);

#define TC_CURL_FUNCTIONS(_)                                                                       \
	_(CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT)                    \
	_(CURL *, curl_easy_init, (void), (), NULL)                                                \
	_(CURLM *, curl_multi_init, (void), (), NULL)                                              \
	_(CURLSH *, curl_share_init, (void), (), NULL)                                             \
	_(CURLMcode, curl_multi_add_handle, (CURLM * m, CURL * e), (m, e), CURLM_INTERNAL_ERROR)   \
	_(CURLMcode, curl_multi_remove_handle, (CURLM * m, CURL * e), (m, e),                      \
	  CURLM_INTERNAL_ERROR)                                                                    \
	_(CURLMcode, curl_multi_perform, (CURLM * m, int *running), (m, running),                  \
	  CURLM_INTERNAL_ERROR)                                                                    \
	_(CURLMcode, curl_multi_poll,                                                              \
	  (CURLM * m, struct curl_waitfd * fds, unsigned n, int ms, int *numfds),                  \
	  (m, fds, n, ms, numfds), CURLM_INTERNAL_ERROR)                                           \
	_(CURLMsg *, curl_multi_info_read, (CURLM * m, int *left), (m, left), NULL)                \
	_(CURLMcode, curl_multi_cleanup, (CURLM * m), (m), CURLM_OK)                               \
	_(CURLSHcode, curl_share_cleanup, (CURLSH * s), (s), CURLSHE_OK)                           \
	_(const char *, curl_easy_strerror, (CURLcode c), (c), "libcurl could not be loaded")      \
	_(char *, curl_easy_escape, (CURL * e, const char *s, int n), (e, s, n), NULL)             \
	_(struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s), (l, s),  \
	  NULL)                                                                                    \
	_(CURLU *, curl_url, (void), (), NULL)                                                     \
	_(CURLUcode, curl_url_set, (CURLU * u, CURLUPart p, const char *s, unsigned f),            \
	  (u, p, s, f), CURLUE_OUT_OF_MEMORY)                                                      \
	_(CURLUcode, curl_url_get, (CURLU * u, CURLUPart p, char **s, unsigned f), (u, p, s, f),   \
	  CURLUE_OUT_OF_MEMORY)                                                                    \
	_(time_t, curl_getdate, (const char *s, const time_t *now), (s, now), (time_t)-1)

#define TC_CURL_VOID_FUNCTIONS(_)                                                                  \
	_(curl_global_cleanup, (void), ())                                                         \
	_(curl_easy_cleanup, (CURL * e), (e))                                                      \
	_(curl_free, (void *p), (p))                                                               \
	_(curl_slist_free_all, (struct curl_slist * l), (l))                                       \
	_(curl_url_cleanup, (CURLU * u), (u))

#define TC_CURL_DECLARE(ret, name, params, args, fail) ret tc_##name params;
TC_CURL_FUNCTIONS(TC_CURL_DECLARE)
#undef TC_CURL_DECLARE
#define TC_CURL_DECLARE_VOID(name, params, args) void tc_##name params;
TC_CURL_VOID_FUNCTIONS(TC_CURL_DECLARE_VOID)
#undef TC_CURL_DECLARE_VOID

/* The option-taking calls: the value's type follows from the option's number, as in libcurl. */
CURLcode tc_curl_easy_setopt(CURL *e, CURLoption option, ...);
CURLcode tc_curl_easy_getinfo(CURL *e, CURLINFO info, ...);
CURLMcode tc_curl_multi_setopt(CURLM *m, CURLMoption option, ...);
CURLSHcode tc_curl_share_setopt(CURLSH *s, CURLSHoption option, ...);

#ifndef TC_CURL_LAZY_IMPLEMENTATION
/* libcurl's type-checking macros would call the real functions. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#undef curl_share_setopt
#define curl_easy_setopt tc_curl_easy_setopt
#define curl_easy_getinfo tc_curl_easy_getinfo
#define curl_multi_setopt tc_curl_multi_setopt
#define curl_share_setopt tc_curl_share_setopt
#define curl_global_init tc_curl_global_init
#define curl_global_cleanup tc_curl_global_cleanup
#define curl_easy_init tc_curl_easy_init
#define curl_easy_cleanup tc_curl_easy_cleanup
#define curl_multi_init tc_curl_multi_init
#define curl_share_init tc_curl_share_init
#define curl_multi_add_handle tc_curl_multi_add_handle
#define curl_multi_remove_handle tc_curl_multi_remove_handle
#define curl_multi_perform tc_curl_multi_perform
#define curl_multi_poll tc_curl_multi_poll
#define curl_multi_info_read tc_curl_multi_info_read
#define curl_multi_cleanup tc_curl_multi_cleanup
#define curl_share_cleanup tc_curl_share_cleanup
#define curl_easy_strerror tc_curl_easy_strerror
#define curl_easy_escape tc_curl_easy_escape
#define curl_slist_append tc_curl_slist_append
#define curl_slist_free_all tc_curl_slist_free_all
#define curl_url tc_curl_url
#define curl_url_set tc_curl_url_set
#define curl_url_get tc_curl_url_get
#define curl_url_cleanup tc_curl_url_cleanup
#define curl_free tc_curl_free
#define curl_getdate tc_curl_getdate
#endif

#endif
