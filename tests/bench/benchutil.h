/* Helpers shared by the benchmark programs (not part of trunkctl). */
#ifndef TRUNKCTL_BENCHUTIL_H
#define TRUNKCTL_BENCHUTIL_H

#include <stddef.h>

/* A growing response body; always NUL-terminated after a write. */
struct bench_buf {
	char *data;
	size_t len, cap;
};

/* CURLOPT_WRITEFUNCTION callback appending to the struct bench_buf in user. */
size_t bench_on_body(char *p, size_t size, size_t n, void *user);

/* CLOCK_MONOTONIC in milliseconds. */
double bench_now_ms(void);

/* Sorts v in place and returns its p-quantile (0..1, nearest rank). */
double bench_quantile(double *v, int n, double p);

#endif
