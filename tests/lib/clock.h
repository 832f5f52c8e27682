/* The monotonic clock for timeouts and timings in the tests and benches. */
#ifndef TRUNKCTL_TESTS_LIB_CLOCK_H
#define TRUNKCTL_TESTS_LIB_CLOCK_H

/* CLOCK_MONOTONIC in milliseconds, with the fraction (a bench times microseconds). */
double tl_now_ms(void);

#endif
