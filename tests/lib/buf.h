/*
 * A growable byte buffer, kept NUL-terminated: what the tests, the benches
 * and the fake Carrier API collect response and request bodies into.
 */
#ifndef TRUNKCTL_TESTS_LIB_BUF_H
#define TRUNKCTL_TESTS_LIB_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct tl_buf {
	char *p; /* NULL until the first byte; the caller frees */
	size_t len, cap;
};

/*
 * Appends n bytes to the buffer at *p (*len bytes in *cap), which stays
 * NUL-terminated. false when memory ran out; the buffer is then unchanged.
 * Takes the members apart so that structs which keep a body beside other
 * fields can use it as they are.
 */
bool tl_append(char **p, size_t *len, size_t *cap, const void *data, size_t n);

/* A CURLOPT_WRITEFUNCTION appending to the struct tl_buf in ud; 0 (libcurl stops) on no memory. */
size_t tl_buf_collect(char *data, size_t size, size_t nmemb, void *ud);

#endif
