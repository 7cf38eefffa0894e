/*
 * alltypes-wire: the C side of the wire-compatibility test between rpcgen and swift-rpcgen.
 *
 * Built against the XDR routines that `rpcgen -N -c xdr/alltypes.x` generates and libtirpc.
 *
 *   alltypes-wire encode DIR   writes one NAME.xdr per sample value below
 *   alltypes-wire check DIR    decodes each DIR/NAME.xdr with rpcgen's routine, requires every
 *                              byte to be consumed and the decoded value to equal the sample
 *                              (compared field by field for the structs, and by re-encoding)
 *
 * The Swift test (Tests/GeneratedCodeTests/RpcgenWireTests.swift) builds the same samples from
 * the Swift that swift-rpcgen generated and compares bytes both ways.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alltypes.h"

#define LONG_CHAIN 1000
#define BUFFER_SIZE (1 << 20)

static char digest_bytes[4] = {1, 2, 3, 4};
static char blob_bytes[1] = {9};
static char small_bytes[2] = {5, 6};
static int few_values[2] = {4, 5};
static u_int many_values[3] = {0, 1, 0xFFFFFFFFu};
static colour palette_values[2] = {RED, GREEN};
static char free_text[301];
static node chain_two, chain_one;
static node long_chain[LONG_CHAIN];
static char long_labels[LONG_CHAIN][16];

/* The full sample: every field set to a value that shows its encoding. */
static everything make_everything(void) {
    everything e;
    memset(&e, 0, sizeof e);
    memset(free_text, 'f', 300);
    free_text[300] = '\0';
    chain_two.value = 2;
    chain_two.label = "two";
    chain_two.next = NULL;
    chain_one.value = 1;
    chain_one.label = "one";
    chain_one.next = &chain_two;
    e.i = -5;
    e.u = 7;
    e.bare = 9;
    e.h = INT64_MIN;
    e.uh = UINT64_MAX;
    e.f = -0.0f;
    e.d = M_PI;
    e.flag = TRUE;
    e.c = BLUE;
    e.n = "name";
    e.free = free_text;
    memcpy(e.fixed, digest_bytes, 4);
    e.bytes.blob_len = 1;
    e.bytes.blob_val = blob_bytes;
    e.small.small_len = 2;
    e.small.small_val = small_bytes;
    e.triple[0] = 1;
    e.triple[1] = 2;
    e.triple[2] = 3;
    e.few.numbers_len = 2;
    e.few.numbers_val = few_values;
    e.many.many_len = 3;
    e.many.many_val = many_values;
    e.list = &chain_one;
    e.palette.palette_len = 2;
    e.palette.palette_val = palette_values;
    return e;
}

/* The empty sample: zero numbers, empty strings and arrays, no list. */
static everything make_empty(void) {
    everything e;
    memset(&e, 0, sizeof e);
    e.n = "";
    e.free = "";
    return e;
}

static node make_long_chain(void) {
    for (int k = 0; k < LONG_CHAIN; k++) {
        snprintf(long_labels[k], sizeof long_labels[k], "n%d", k);
        long_chain[k].value = k;
        long_chain[k].label = long_labels[k];
        long_chain[k].next = k + 1 < LONG_CHAIN ? &long_chain[k + 1] : NULL;
    }
    return long_chain[0];
}

/* One sample: its file name, its rpcgen routine, the value and the size of its C type. */
struct sample {
    const char *name;
    xdrproc_t proc;
    void *value;
    size_t size;
};

static everything s_everything, s_empty;
static node s_chain;
static result s_red, s_green, s_blue, s_other;
static choice s_void, s_all, s_big;
static maybe s_some, s_none;
static concat_1_argument s_concat;
static colour s_colour;

static struct sample samples[] = {
    {"everything", (xdrproc_t)xdr_everything, &s_everything, sizeof(everything)},
    {"everything-empty", (xdrproc_t)xdr_everything, &s_empty, sizeof(everything)},
    {"node-chain", (xdrproc_t)xdr_node, &s_chain, sizeof(node)},
    {"result-red", (xdrproc_t)xdr_result, &s_red, sizeof(result)},
    {"result-green", (xdrproc_t)xdr_result, &s_green, sizeof(result)},
    {"result-blue", (xdrproc_t)xdr_result, &s_blue, sizeof(result)},
    {"result-other", (xdrproc_t)xdr_result, &s_other, sizeof(result)},
    {"choice-void", (xdrproc_t)xdr_choice, &s_void, sizeof(choice)},
    {"choice-all", (xdrproc_t)xdr_choice, &s_all, sizeof(choice)},
    {"choice-big", (xdrproc_t)xdr_choice, &s_big, sizeof(choice)},
    {"maybe-some", (xdrproc_t)xdr_maybe, &s_some, sizeof(maybe)},
    {"maybe-none", (xdrproc_t)xdr_maybe, &s_none, sizeof(maybe)},
    {"concat-arguments", (xdrproc_t)xdr_concat_1_argument, &s_concat, sizeof(concat_1_argument)},
    {"colour", (xdrproc_t)xdr_colour, &s_colour, sizeof(colour)},
};
#define SAMPLE_COUNT (sizeof samples / sizeof samples[0])

static void make_samples(void) {
    s_everything = make_everything();
    s_empty = make_empty();
    s_chain = make_long_chain();
    s_red.kind = RED;
    s_red.result_u.code = 42;
    s_green.kind = GREEN;
    s_green.result_u.text = "green";
    s_blue.kind = BLUE;
    s_blue.result_u.text = "blue";
    s_other.kind = (colour)99;
    s_void.which = 0;
    s_all.which = 1;
    s_all.choice_u.all = make_everything();
    s_big.which = NEGATIVE;
    s_big.choice_u.big = INT64_MIN + 1;
    s_some.present = TRUE;
    s_some.maybe_u.value = "value";
    s_none.present = FALSE;
    s_concat.arg1 = "left";
    s_concat.arg2 = "right";
    s_colour = BLUE;
}

static char *encode(const struct sample *s, u_int *length) {
    char *buffer = calloc(1, BUFFER_SIZE);
    XDR xdrs;
    xdrmem_create(&xdrs, buffer, BUFFER_SIZE, XDR_ENCODE);
    if (!s->proc(&xdrs, s->value)) {
        fprintf(stderr, "%s: rpcgen's routine failed to encode the sample\n", s->name);
        exit(2);
    }
    *length = xdr_getpos(&xdrs);
    xdr_destroy(&xdrs);
    return buffer;
}

static int write_all(const char *dir) {
    for (size_t k = 0; k < SAMPLE_COUNT; k++) {
        u_int length;
        char *bytes = encode(&samples[k], &length);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.xdr", dir, samples[k].name);
        FILE *file = fopen(path, "wb");
        if (file == NULL || fwrite(bytes, 1, length, file) != length || fclose(file) != 0) {
            perror(path);
            return 1;
        }
        free(bytes);
    }
    return 0;
}

/* Field-by-field checks of the decoded full sample, on top of the byte comparison. */
static int check_everything_fields(const char *name, const everything *e) {
    int ok = e->i == -5 && e->u == 7 && e->bare == 9 && e->h == INT64_MIN && e->uh == UINT64_MAX &&
             e->f == 0.0f && signbit(e->f) && e->d == M_PI && e->flag == TRUE && e->c == BLUE &&
             strcmp(e->n, "name") == 0 && strlen(e->free) == 300 && memcmp(e->fixed, digest_bytes, 4) == 0 &&
             e->bytes.blob_len == 1 && e->bytes.blob_val[0] == 9 && e->small.small_len == 2 &&
             e->triple[2] == 3 && e->few.numbers_len == 2 && e->few.numbers_val[1] == 5 &&
             e->many.many_len == 3 && e->many.many_val[2] == 0xFFFFFFFFu && e->list != NULL &&
             e->list->value == 1 && strcmp(e->list->label, "one") == 0 && e->list->next != NULL &&
             e->list->next->value == 2 && e->list->next->next == NULL && e->palette.palette_len == 2 &&
             e->palette.palette_val[1] == GREEN;
    if (!ok) fprintf(stderr, "%s: decoded fields differ from the sample\n", name);
    return ok;
}

static int check_all(const char *dir) {
    int failures = 0;
    for (size_t k = 0; k < SAMPLE_COUNT; k++) {
        const struct sample *s = &samples[k];
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.xdr", dir, s->name);
        FILE *file = fopen(path, "rb");
        if (file == NULL) {
            perror(path);
            failures++;
            continue;
        }
        char *input = calloc(1, BUFFER_SIZE);
        size_t length = fread(input, 1, BUFFER_SIZE, file);
        fclose(file);

        void *decoded = calloc(1, s->size);
        XDR xdrs;
        xdrmem_create(&xdrs, input, (u_int)length, XDR_DECODE);
        if (!s->proc(&xdrs, decoded)) {
            fprintf(stderr, "%s: rpcgen's routine cannot decode the Swift bytes\n", s->name);
            failures++;
        } else if (xdr_getpos(&xdrs) != length) {
            fprintf(stderr, "%s: %u of %zu bytes consumed\n", s->name, xdr_getpos(&xdrs), length);
            failures++;
        } else {
            /* The decoded value must encode exactly as the sample does. */
            struct sample again = *s;
            again.value = decoded;
            u_int expected_length, actual_length;
            char *expected = encode(s, &expected_length);
            char *actual = encode(&again, &actual_length);
            if (expected_length != actual_length || memcmp(expected, actual, actual_length) != 0) {
                fprintf(stderr, "%s: decoded value differs from the sample\n", s->name);
                failures++;
            }
            if (s->proc == (xdrproc_t)xdr_everything && s->value == &s_everything &&
                !check_everything_fields(s->name, decoded))
                failures++;
            if (s->proc == (xdrproc_t)xdr_choice && s->value == &s_all &&
                !check_everything_fields(s->name, &((choice *)decoded)->choice_u.all))
                failures++;
            free(expected);
            free(actual);
            xdr_free(s->proc, decoded);
        }
        xdr_destroy(&xdrs);
        free(decoded);
        free(input);
    }
    if (failures == 0) printf("alltypes-wire: %zu samples decoded and match\n", SAMPLE_COUNT);
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "encode") != 0 && strcmp(argv[1], "check") != 0)) {
        fprintf(stderr, "usage: alltypes-wire encode|check DIR\n");
        return 64;
    }
    make_samples();
    return strcmp(argv[1], "encode") == 0 ? write_all(argv[2]) : check_all(argv[2]);
}
