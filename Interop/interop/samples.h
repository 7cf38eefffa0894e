/* The canonical sample records of xdr/interop.x, shared by the C server and client. The Swift
 * side builds the same values (Tests/InteropTests/Samples.swift). */
#ifndef INTEROP_SAMPLES_H
#define INTEROP_SAMPLES_H

#include <stddef.h>
#include "interop.h"

#define INTEROP_SAMPLE_COUNT 3

/* Fills *out with sample number index (0: every bound at its maximum, 1: everything empty,
 * 2: a 100-node chain). Memory comes from malloc, so xdr_free(xdr_record, out) releases it.
 * Returns 0, or -1 for an unknown index. */
int build_sample(unsigned index, record *out);

/* Compares two records field by field. Returns 0 when equal; otherwise writes the path of the
 * first difference (for example "extras[3].name_value") into why and returns 1. */
int compare_records(const record *a, const record *b, char *why, size_t why_size);

/* Deep-copies a value of an XDR type by encoding and decoding it: returns 1 on success. */
int copy_through_xdr(xdrproc_t proc, void *from, void *to);

#endif
