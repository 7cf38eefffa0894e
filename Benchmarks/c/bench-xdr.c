/*
 * bench-xdr: libtirpc's side of the XDR workload. Encodes and decodes the batch of 1,000
 * directory entries (and the fixed-size structure) with xdrmem and the rpcgen routines of
 * bench.x, and prints the best time per operation over several rounds as key=value lines.
 *
 *     bench-xdr [--rounds N] [--round-ms MS] [--dump FILE]
 *
 * --dump writes the batch's encoding to FILE, so the Swift side can be checked byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-common.h"

static int rounds = 10;
static uint64_t round_ns = 100000000ULL;

/* Runs `operation` repeatedly for `rounds` rounds of `round_ns` and returns the best mean time
 * per call in nanoseconds. */
static double best_ns(int (*operation)(void *), void *context) {
    double best = 0;
    for (int round = 0; round < rounds; round++) {
        uint64_t start = bench_now_ns(), now = start;
        uint64_t count = 0;
        do {
            if (!operation(context)) {
                fprintf(stderr, "bench-xdr: an XDR routine failed\n");
                exit(1);
            }
            count++;
            if ((count & 15) == 0) now = bench_now_ns();
        } while (now - start < round_ns || (count & 15) != 0);
        double mean = (double)(now - start) / (double)count;
        if (round == 0 || mean < best) best = mean;
    }
    return best;
}

struct coding {
    char *buffer;
    size_t capacity;
    size_t length;
    bench_batch batch;
    bench_fixed fixed;
};

static int encode_batch(void *raw) {
    struct coding *coding = raw;
    XDR xdrs;
    xdrmem_create(&xdrs, coding->buffer, (u_int)coding->capacity, XDR_ENCODE);
    int ok = xdr_bench_batch(&xdrs, &coding->batch);
    coding->length = xdr_getpos(&xdrs);
    xdr_destroy(&xdrs);
    return ok;
}

static int decode_batch(void *raw) {
    struct coding *coding = raw;
    bench_batch decoded;
    memset(&decoded, 0, sizeof decoded);
    XDR xdrs;
    xdrmem_create(&xdrs, coding->buffer, (u_int)coding->length, XDR_DECODE);
    int ok = xdr_bench_batch(&xdrs, &decoded) && decoded.entries.entries_len == BENCH_BATCH_ENTRIES;
    xdr_destroy(&xdrs);
    xdr_free((xdrproc_t)xdr_bench_batch, (char *)&decoded);
    return ok;
}

static int encode_fixed(void *raw) {
    struct coding *coding = raw;
    XDR xdrs;
    xdrmem_create(&xdrs, coding->buffer, (u_int)coding->capacity, XDR_ENCODE);
    int ok = xdr_bench_fixed(&xdrs, &coding->fixed);
    coding->length = xdr_getpos(&xdrs);
    xdr_destroy(&xdrs);
    return ok;
}

static int decode_fixed(void *raw) {
    struct coding *coding = raw;
    bench_fixed decoded;
    XDR xdrs;
    xdrmem_create(&xdrs, coding->buffer, (u_int)coding->length, XDR_DECODE);
    int ok = xdr_bench_fixed(&xdrs, &decoded) && decoded.id == coding->fixed.id;
    xdr_destroy(&xdrs);
    return ok;
}

int main(int argc, char **argv) {
    const char *dump = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc) {
            dump = argv[++i];
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--round-ms") == 0 && i + 1 < argc) {
            round_ns = (uint64_t)atoll(argv[++i]) * 1000000ULL;
        } else {
            fprintf(stderr, "usage: bench-xdr [--rounds N] [--round-ms MS] [--dump FILE]\n");
            return 2;
        }
    }
    struct coding coding;
    memset(&coding, 0, sizeof coding);
    coding.capacity = 1 << 20;
    coding.buffer = malloc(coding.capacity);
    bench_make_batch(&coding.batch);
    bench_make_fixed(&coding.fixed);

    if (!encode_batch(&coding)) return 1;
    size_t batch_bytes = coding.length;
    if (dump) {
        FILE *file = fopen(dump, "wb");
        if (!file || fwrite(coding.buffer, 1, batch_bytes, file) != batch_bytes || fclose(file) != 0) {
            perror(dump);
            return 1;
        }
    }
    printf("xdr.batch.bytes=%zu\n", batch_bytes);
    printf("xdr.batch.encode.ns=%.1f\n", best_ns(encode_batch, &coding));
    printf("xdr.batch.decode.ns=%.1f\n", best_ns(decode_batch, &coding));
    encode_fixed(&coding);
    printf("xdr.fixed.bytes=%zu\n", coding.length);
    printf("xdr.fixed.encode.ns=%.1f\n", best_ns(encode_fixed, &coding));
    printf("xdr.fixed.decode.ns=%.1f\n", best_ns(decode_fixed, &coding));
    bench_free_batch(&coding.batch);
    free(coding.buffer);
    return 0;
}
