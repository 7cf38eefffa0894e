/*
 * Writes XDR byte vectors made by libtirpc's own xdr_* routines, one file per routine, into the
 * directory given as the only argument. Tests/XDRTests/CVectorTests.swift decodes each file with
 * the Swift codec, checks the values listed here, and re-encodes them byte for byte.
 *
 * Build: cc -I/usr/include/tirpc make-vectors.c -ltirpc   (see scripts/make-xdr-vectors.sh)
 */
#include <rpc/rpc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <float.h>

#define CAPACITY (1 << 16)

static char buffer[CAPACITY];
static XDR xdrs;
static const char *out_dir;

static void begin(void) {
    memset(buffer, 0xAA, sizeof buffer); /* make any byte the encoder fails to write visible */
    xdrmem_create(&xdrs, buffer, CAPACITY, XDR_ENCODE);
}

static void check(bool_t ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "make-vectors: encoding %s failed\n", what);
        exit(1);
    }
}

static void finish(const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.xdr", out_dir, name);
    FILE *file = fopen(path, "wb");
    if (file == NULL) {
        perror(path);
        exit(1);
    }
    u_int length = xdr_getpos(&xdrs);
    if (fwrite(buffer, 1, length, file) != length) {
        perror(path);
        exit(1);
    }
    fclose(file);
    xdr_destroy(&xdrs);
}

static float float_from_bits(uint32_t bits) {
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static double double_from_bits(uint64_t bits) {
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* A linked list node, as rpcgen would lay out `struct node { int value; node *next; };`. */
struct node {
    int value;
    struct node *next;
};

static bool_t xdr_node(XDR *x, struct node *n) {
    if (!xdr_int(x, &n->value)) {
        return FALSE;
    }
    return xdr_pointer(x, (char **)&n->next, sizeof(struct node), (xdrproc_t)xdr_node);
}

/* A union value for xdr_union: which arm is chosen by the discriminant. */
union arm {
    int number;
    char *text;
    u_quad_t big;
};

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTPUT-DIRECTORY\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];

    begin();
    int ints[] = {0, 1, -1, INT32_MIN, INT32_MAX, 123456789};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) check(xdr_int(&xdrs, &ints[i]), "int");
    finish("int");

    begin();
    u_int uints[] = {0, 1, 0x80000000u, UINT32_MAX, 0xDEADBEEFu};
    for (size_t i = 0; i < sizeof uints / sizeof uints[0]; i++) check(xdr_u_int(&xdrs, &uints[i]), "u_int");
    finish("u_int");

    begin();
    quad_t hypers[] = {0, -1, INT64_MIN, INT64_MAX, 0x0123456789ABCDEFll};
    for (size_t i = 0; i < sizeof hypers / sizeof hypers[0]; i++) check(xdr_hyper(&xdrs, &hypers[i]), "hyper");
    finish("hyper");

    begin();
    u_quad_t uhypers[] = {0, UINT64_MAX, 0x8000000000000000ull, 0xFEDCBA9876543210ull};
    for (size_t i = 0; i < sizeof uhypers / sizeof uhypers[0]; i++) check(xdr_u_hyper(&xdrs, &uhypers[i]), "u_hyper");
    finish("u_hyper");

    begin();
    bool_t bools[] = {TRUE, FALSE, TRUE};
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) check(xdr_bool(&xdrs, &bools[i]), "bool");
    finish("bool");

    begin();
    enum_t enums[] = {0, 1, 2, -5, 1000};
    for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++) check(xdr_enum(&xdrs, &enums[i]), "enum");
    finish("enum");

    begin();
    float floats[] = {
        0.0f, -0.0f, 1.5f, -3.25f, INFINITY, -INFINITY, FLT_MAX, FLT_MIN,
        float_from_bits(0x00000001u),      /* smallest subnormal */
        float_from_bits(0x7FC12345u),      /* quiet NaN with a payload */
        float_from_bits(0xFF800001u),      /* negative signalling NaN */
    };
    for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++) check(xdr_float(&xdrs, &floats[i]), "float");
    finish("float");

    begin();
    double doubles[] = {
        0.0, -0.0, 3.141592653589793, -2.5e-300, INFINITY, -INFINITY, DBL_MAX, DBL_MIN,
        double_from_bits(0x0000000000000001ull),  /* smallest subnormal */
        double_from_bits(0x7FF80000DEADBEEFull),  /* quiet NaN with a payload */
        double_from_bits(0xFFF0000000000001ull),  /* negative signalling NaN */
    };
    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++) check(xdr_double(&xdrs, &doubles[i]), "double");
    finish("double");

    begin();
    char long_string[256];
    for (int i = 0; i < 255; i++) long_string[i] = (char)('a' + i % 26);
    long_string[255] = '\0';
    char *strings[] = {"", "a", "ab", "abc", "abcd", "abcde", "h\xc3\xa9llo w\xc3\xb6rld", long_string};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) check(xdr_string(&xdrs, &strings[i], 255), "string");
    finish("string");

    begin();
    char byte_source[1000];
    for (int i = 0; i < 1000; i++) byte_source[i] = (char)(i * 17 + 1);
    u_int byte_lengths[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 1000};
    for (size_t i = 0; i < sizeof byte_lengths / sizeof byte_lengths[0]; i++) {
        char *p = byte_source;
        u_int length = byte_lengths[i];
        check(xdr_bytes(&xdrs, &p, &length, 1000), "bytes");
    }
    finish("bytes");

    begin();
    u_int opaque_lengths[] = {0, 1, 2, 3, 4, 5, 7, 8};
    for (size_t i = 0; i < sizeof opaque_lengths / sizeof opaque_lengths[0]; i++) {
        check(xdr_opaque(&xdrs, byte_source, opaque_lengths[i]), "opaque");
    }
    finish("opaque");

    begin();
    int numbers[10] = {1, 2, 3, 5, 8, 13, 21, 34, 55, -89};
    int *numbers_p = numbers;
    u_int numbers_count = 10;
    check(xdr_array(&xdrs, (char **)&numbers_p, &numbers_count, 100, sizeof(int), (xdrproc_t)xdr_int), "array");
    u_int empty_count = 0;
    int *empty_p = numbers;
    check(xdr_array(&xdrs, (char **)&empty_p, &empty_count, 100, sizeof(int), (xdrproc_t)xdr_int), "array");
    char *words[] = {"one", "three", "seven"};
    char **words_p = words;
    u_int words_count = 3;
    check(xdr_array(&xdrs, (char **)&words_p, &words_count, 8, sizeof(char *), (xdrproc_t)xdr_wrapstring), "array");
    finish("array");

    begin();
    int five[5] = {10, -20, 30, -40, 50};
    check(xdr_vector(&xdrs, (char *)five, 5, sizeof(int), (xdrproc_t)xdr_int), "vector");
    u_quad_t three[3] = {1, 0xFFFFFFFFFFull, UINT64_MAX};
    check(xdr_vector(&xdrs, (char *)three, 3, sizeof(u_quad_t), (xdrproc_t)xdr_u_hyper), "vector");
    finish("vector");

    begin();
    struct node third = {3, NULL};
    struct node second = {-2, &third};
    struct node first = {1, &second};
    struct node *list = &first;
    check(xdr_pointer(&xdrs, (char **)&list, sizeof(struct node), (xdrproc_t)xdr_node), "pointer");
    struct node *none = NULL;
    check(xdr_pointer(&xdrs, (char **)&none, sizeof(struct node), (xdrproc_t)xdr_node), "pointer");
    finish("pointer");

    begin();
    static const struct xdr_discrim arms[] = {
        {0, (xdrproc_t)xdr_void},
        {1, (xdrproc_t)xdr_int},
        {2, (xdrproc_t)xdr_wrapstring},
        {__dontcare__, NULL},
    };
    enum_t discriminant;
    union arm value;
    discriminant = 0;
    check(xdr_union(&xdrs, &discriminant, (char *)&value, arms, NULL), "union void arm");
    discriminant = 1;
    value.number = 42;
    check(xdr_union(&xdrs, &discriminant, (char *)&value, arms, NULL), "union int arm");
    discriminant = 2;
    value.text = "two";
    check(xdr_union(&xdrs, &discriminant, (char *)&value, arms, NULL), "union string arm");
    discriminant = 9;
    value.big = 0x1122334455667788ull;
    check(xdr_union(&xdrs, &discriminant, (char *)&value, arms, (xdrproc_t)xdr_u_hyper), "union default arm");
    finish("union");

    return 0;
}
