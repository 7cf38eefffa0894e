/* Shared by the C side of the benchmarks: the workload's records and a clock. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include "bench.h"

/* Number of directory entries in the XDR workload's batch. */
#define BENCH_BATCH_ENTRIES 1000

/* Fills `batch` with the workload's entries, built exactly as Benchmarks/Sources/BenchShared
 * builds them in Swift. Release with bench_free_batch. */
void bench_make_batch(bench_batch *batch);
void bench_free_batch(bench_batch *batch);

/* Fills `value` with the fixed-size structure of the workload. */
void bench_make_fixed(bench_fixed *value);

/* Monotonic time in nanoseconds. */
uint64_t bench_now_ns(void);

/* Sorts `samples` and returns the value at `percentile` (0-100). */
uint64_t bench_percentile(uint64_t *samples, size_t count, double percentile);

#endif
