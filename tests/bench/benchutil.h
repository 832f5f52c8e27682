/* Helpers shared by the benchmark programs (not part of trunkctl). */
#ifndef TRUNKCTL_BENCHUTIL_H
#define TRUNKCTL_BENCHUTIL_H

/* Sorts v in place and returns its p-quantile (0..1, nearest rank). */
double bench_quantile(double *v, int n, double p);

#endif
