#define TC_CURL_LAZY_IMPLEMENTATION
/* Its type-checking macros would turn lib.curl_easy_setopt(...) into a call of its own. */
#define CURL_DISABLE_TYPECHECK
#include "curl_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* libcurl's ABI has kept SONAME 4 since 2006; Debian's GnuTLS build has its own name. */
static const char *const sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

/* Written once under the pthread_once, read-only afterwards: no lock needed to call. */
static struct {
#define TC_CURL_POINTER(ret, name, params, args, fail) ret(*name) params;
	TC_CURL_FUNCTIONS(TC_CURL_POINTER)
#undef TC_CURL_POINTER
#define TC_CURL_POINTER_VOID(name, params, args) void(*name) params;
	TC_CURL_VOID_FUNCTIONS(TC_CURL_POINTER_VOID)
#undef TC_CURL_POINTER_VOID
	CURLcode (*curl_easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*curl_easy_getinfo)(CURL *, CURLINFO, ...);
	CURLMcode (*curl_multi_setopt)(CURLM *, CURLMoption, ...);
	CURLSHcode (*curl_share_setopt)(CURLSH *, CURLSHoption, ...);
} lib;
static bool loaded;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym's void * to a function pointer: POSIX guarantees it works, C does not say so. */
#define TC_CURL_SYM(handle, field, ok)                                                             \
	do {                                                                                       \
		void *sym = dlsym(handle, #field);                                                 \
		memcpy(&lib.field, &sym, sizeof(sym));                                             \
		ok = ok && sym;                                                                    \
	} while (0)

static void load(void)
{
	void *handle = NULL;
	for (size_t i = 0; !handle && i < sizeof(sonames) / sizeof(*sonames); i++)
		handle = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *why = dlerror();
		snprintf(load_error, sizeof(load_error), "libcurl could not be loaded: %s",
		         why ? why : "not found");
		return;
	}
	bool ok = true;
#define TC_CURL_LOAD(ret, name, params, args, fail) TC_CURL_SYM(handle, name, ok);
	TC_CURL_FUNCTIONS(TC_CURL_LOAD)
#undef TC_CURL_LOAD
#define TC_CURL_LOAD_VOID(name, params, args) TC_CURL_SYM(handle, name, ok);
	TC_CURL_VOID_FUNCTIONS(TC_CURL_LOAD_VOID)
#undef TC_CURL_LOAD_VOID
	TC_CURL_SYM(handle, curl_easy_setopt, ok);
	TC_CURL_SYM(handle, curl_easy_getinfo, ok);
	TC_CURL_SYM(handle, curl_multi_setopt, ok);
	TC_CURL_SYM(handle, curl_share_setopt, ok);
	if (!ok) {
		snprintf(load_error, sizeof(load_error),
		         "libcurl could not be loaded: a function is missing (libcurl older than "
		         "7.68?)");
		return;
	}
	loaded = true;
}

static bool ready(void)
{
	pthread_once(&once, load);
	return loaded;
}

const char *tc_curl_load_error(void)
{
	return ready() ? NULL : load_error;
}

#define TC_CURL_DEFINE(ret, name, params, args, fail)                                              \
	ret tc_##name params                                                                       \
	{                                                                                          \
		return ready() ? lib.name args : fail;                                             \
	}
TC_CURL_FUNCTIONS(TC_CURL_DEFINE)
#undef TC_CURL_DEFINE
#define TC_CURL_DEFINE_VOID(name, params, args)                                                    \
	void tc_##name params                                                                      \
	{                                                                                          \
		if (ready())                                                                       \
			lib.name args;                                                             \
	}
TC_CURL_VOID_FUNCTIONS(TC_CURL_DEFINE_VOID)
#undef TC_CURL_DEFINE_VOID

/*
 * libcurl reads an option's value by the type its number encodes
 * (CURLOPTTYPE_*), so the value is read here the same way and passed on
 * with its own type.
 */
#define TC_CURL_FORWARD_OPTION(call, option, ap)                                                   \
	do {                                                                                       \
		if ((option) < CURLOPTTYPE_OBJECTPOINT)                                            \
			return call(va_arg(ap, long));                                             \
		if ((option) >= CURLOPTTYPE_OFF_T && (option) < CURLOPTTYPE_BLOB)                  \
			return call(va_arg(ap, curl_off_t));                                       \
		return call(va_arg(ap, void *));                                                   \
	} while (0)

static CURLcode easy_setopt(CURL *e, CURLoption option, va_list ap)
{
#define CALL(value) lib.curl_easy_setopt(e, option, value)
	TC_CURL_FORWARD_OPTION(CALL, option, ap);
#undef CALL
}

CURLcode tc_curl_easy_setopt(CURL *e, CURLoption option, ...)
{
	if (!ready())
		return CURLE_FAILED_INIT;
	va_list ap;
	va_start(ap, option);
	CURLcode rc = easy_setopt(e, option, ap);
	va_end(ap);
	return rc;
}

static CURLMcode multi_setopt(CURLM *m, CURLMoption option, va_list ap)
{
#define CALL(value) lib.curl_multi_setopt(m, option, value)
	TC_CURL_FORWARD_OPTION(CALL, option, ap);
#undef CALL
}

CURLMcode tc_curl_multi_setopt(CURLM *m, CURLMoption option, ...)
{
	if (!ready())
		return CURLM_INTERNAL_ERROR;
	va_list ap;
	va_start(ap, option);
	CURLMcode rc = multi_setopt(m, option, ap);
	va_end(ap);
	return rc;
}

CURLcode tc_curl_easy_getinfo(CURL *e, CURLINFO info, ...)
{
	if (!ready())
		return CURLE_FAILED_INIT;
	va_list ap;
	va_start(ap, info);
	/* every CURLINFO takes a pointer to where the answer goes */
	CURLcode rc = lib.curl_easy_getinfo(e, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLSHcode tc_curl_share_setopt(CURLSH *s, CURLSHoption option, ...)
{
	if (!ready())
		return CURLSHE_NOT_BUILT_IN;
	va_list ap;
	va_start(ap, option);
	CURLSHcode rc;
	/* what to share is an int; the lock functions and user data are pointers */
	if (option == CURLSHOPT_SHARE || option == CURLSHOPT_UNSHARE)
		rc = lib.curl_share_setopt(s, option, va_arg(ap, int));
	else
		rc = lib.curl_share_setopt(s, option, va_arg(ap, void *));
	va_end(ap);
	return rc;
}
