#include "bench-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const bench_ftype kinds[8] = {BF_REG, BF_DIR, BF_LNK, BF_REG, BF_CHR, BF_REG, BF_BLK, BF_NONE};

void bench_make_batch(bench_batch *batch) {
    memset(batch, 0, sizeof *batch);
    batch->entries.entries_len = BENCH_BATCH_ENTRIES;
    batch->entries.entries_val = calloc(BENCH_BATCH_ENTRIES, sizeof(bench_dirent));
    for (unsigned i = 0; i < BENCH_BATCH_ENTRIES; i++) {
        bench_dirent *entry = &batch->entries.entries_val[i];
        entry->fileid = 0x100000000000ULL + (uint64_t)i * 7919;
        unsigned repeat = i % 48;
        entry->name = calloc(16 + repeat, 1);
        int prefix = snprintf(entry->name, 16, "file-%04u-", i);
        memset(entry->name + prefix, 'a' + (int)(i % 26), repeat);
        unsigned cookieLength = 8 + (i % 5) * 8;
        entry->cookie.cookie_len = cookieLength;
        entry->cookie.cookie_val = malloc(cookieLength);
        for (unsigned j = 0; j < cookieLength; j++) entry->cookie.cookie_val[j] = (char)((i * 31 + j) & 0xff);
        entry->type = kinds[i % 8];
        if (i % 4 != 3) {
            entry->attributes = calloc(1, sizeof(bench_attr));
            entry->attributes->mode = 0100644 + i % 8;
            entry->attributes->nlink = 1 + i % 3;
            entry->attributes->uid = 1000 + i % 3;
            entry->attributes->gid = 100;
            entry->attributes->size = (uint64_t)i * 4096 + 17;
            entry->attributes->mtime = 1700000000 + (int64_t)i;
        }
        entry->detail.kind = entry->type;
        if (entry->type == BF_LNK) {
            size_t length = strlen(entry->name) + 11;
            entry->detail.bench_detail_u.target = malloc(length);
            snprintf(entry->detail.bench_detail_u.target, length, "../target/%s", entry->name);
        } else if (entry->type == BF_BLK || entry->type == BF_CHR) {
            entry->detail.bench_detail_u.rdev[0] = 8;
            entry->detail.bench_detail_u.rdev[1] = i % 256;
        }
    }
    batch->eof = 1;
}

void bench_free_batch(bench_batch *batch) {
    xdr_free((xdrproc_t)xdr_bench_batch, (char *)batch);
}

void bench_make_fixed(bench_fixed *value) {
    memset(value, 0, sizeof *value);
    value->id = 0x0123456789abcdefULL;
    value->status = -17;
    value->flag = 1;
    value->type = BF_DIR;
    value->attr.mode = 040755;
    value->attr.nlink = 2;
    value->attr.uid = 1000;
    value->attr.gid = 100;
    value->attr.size = 4096;
    value->attr.mtime = 1700000000;
    memcpy(value->verifier, "verifier", 8);
    value->load = 0.75;
}

uint64_t bench_now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t bench_percentile(uint64_t *samples, size_t count, double percentile) {
    if (count == 0) return 0;
    qsort(samples, count, sizeof *samples, compare_u64);
    size_t index = (size_t)((percentile / 100.0) * (double)(count - 1) + 0.5);
    return samples[index];
}
