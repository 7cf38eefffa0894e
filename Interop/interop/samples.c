/* The canonical sample records of xdr/interop.x (see samples.h). */
#include "samples.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *copy_string(const char *text) {
    char *copy = malloc(strlen(text) + 1);
    strcpy(copy, text);
    return copy;
}

static void set_int(value *v, int number) {
    v->kind = VALUE_INT;
    v->value_u.int_value = number;
}

static void set_hyper(value *v, quad_t number) {
    v->kind = VALUE_HYPER;
    v->value_u.hyper_value = number;
}

static void set_name(value *v, const char *text) {
    v->kind = VALUE_NAME;
    v->value_u.name_value = copy_string(text);
}

static void set_raw(value *v, int discriminant, unsigned length) {
    v->kind = (value_kind)discriminant;
    v->value_u.raw.raw_len = length;
    v->value_u.raw.raw_val = length ? malloc(length) : NULL;
    for (unsigned i = 0; i < length; i++) v->value_u.raw.raw_val[i] = (char)i;
}

static node *make_node(const char *label) {
    node *n = calloc(1, sizeof *n);
    n->label = copy_string(label);
    return n;
}

int build_sample(unsigned index, record *r) {
    memset(r, 0, sizeof *r);
    switch (index) {
    case 0: /* every bound at its maximum, every extreme value */
        r->id = UINT32_MAX;
        r->delta = INT32_MIN;
        r->offset = INT64_MIN;
        r->size = UINT64_MAX;
        r->active = TRUE;
        r->ratio = -0.15625f;
        r->weight = 6.02214076e23;
        r->tint = COLOR_INFRARED;
        for (int i = 0; i < INTEROP_DIGEST_SIZE; i++) r->sum[i] = (char)((i * 17) & 0xff);
        r->title = malloc(INTEROP_NAME_MAX + 1);
        for (int i = 0; i < INTEROP_NAME_MAX; i++) r->title[i] = (char)('a' + i % 26);
        r->title[INTEROP_NAME_MAX] = 0;
        r->cookie.cookie_len = INTEROP_COOKIE_MAX;
        r->cookie.cookie_val = malloc(INTEROP_COOKIE_MAX);
        for (int i = 0; i < INTEROP_COOKIE_MAX; i++) r->cookie.cookie_val[i] = (char)(255 - i);
        r->vector[0] = INT32_MIN;
        r->vector[1] = -1;
        r->vector[2] = 0;
        r->vector[3] = INT32_MAX;
        r->numbers.int_list_len = INTEROP_LIST_MAX;
        r->numbers.int_list_val = malloc(INTEROP_LIST_MAX * sizeof(int));
        for (int i = 0; i < INTEROP_LIST_MAX; i++) r->numbers.int_list_val[i] = i * i - 5000;
        r->corners[0] = (point){1, -2};
        r->corners[1] = (point){-3, 4};
        r->primary.kind = VALUE_POINTS;
        r->primary.value_u.points.points_len = 3;
        r->primary.value_u.points.points_val = malloc(3 * sizeof(point));
        for (int i = 0; i < 3; i++) r->primary.value_u.points.points_val[i] = (point){i * 10, -i};
        r->extras.extras_len = INTEROP_EXTRAS_MAX;
        r->extras.extras_val = calloc(INTEROP_EXTRAS_MAX, sizeof(value));
        r->extras.extras_val[0].kind = VALUE_NONE;
        set_int(&r->extras.extras_val[1], -7);
        set_hyper(&r->extras.extras_val[2], (quad_t)1 << 40);
        set_name(&r->extras.extras_val[3], "na\xc3\xafve");
        r->extras.extras_val[4].kind = VALUE_POINTS; /* an empty array */
        set_raw(&r->extras.extras_val[5], 9, 16);    /* the default arm */
        set_raw(&r->extras.extras_val[6], -3, 0);
        set_int(&r->extras.extras_val[7], INT32_MAX);
        r->state.code = -5;
        r->state.status_u.level = -2.5;
        r->origin = malloc(sizeof(point));
        *r->origin = (point){100, -100};
        r->nodes = make_node("first");
        set_int(&r->nodes->payload, 1);
        r->nodes->next = make_node("second");
        set_name(&r->nodes->next->payload, "two");
        r->nodes->next->next = make_node("third");
        r->nodes->next->next->payload.kind = VALUE_NONE;
        return 0;
    case 1: /* everything zero or empty; the status takes its void default arm */
        r->tint = COLOR_RED;
        r->title = copy_string("");
        r->primary.kind = VALUE_NONE;
        r->state.code = 3;
        return 0;
    case 2: { /* a 100-node chain and odd-length opaque data */
        r->id = 2;
        r->delta = -2;
        r->offset = (quad_t)1 << 33;
        r->size = 12345678901234ULL;
        r->active = TRUE;
        r->ratio = 1.5f;
        r->weight = -0.1;
        r->tint = COLOR_ULTRAVIOLET;
        for (int i = 0; i < INTEROP_DIGEST_SIZE; i++) r->sum[i] = (char)i;
        r->title = copy_string("sample two");
        r->cookie.cookie_len = 3;
        r->cookie.cookie_val = malloc(3);
        memcpy(r->cookie.cookie_val, "\x01\x02\x03", 3);
        for (int i = 0; i < INTEROP_VECTOR_SIZE; i++) r->vector[i] = i + 1;
        r->numbers.int_list_len = 10;
        r->numbers.int_list_val = malloc(10 * sizeof(int));
        for (int i = 0; i < 10; i++) r->numbers.int_list_val[i] = i + 1;
        r->corners[1] = (point){7, 7};
        set_hyper(&r->primary, -1);
        r->extras.extras_len = 2;
        r->extras.extras_val = calloc(2, sizeof(value));
        set_int(&r->extras.extras_val[0], 2);
        set_name(&r->extras.extras_val[1], "");
        r->state.code = 2;
        r->state.status_u.flag = TRUE;
        r->origin = calloc(1, sizeof(point));
        node **link = &r->nodes;
        for (int i = 0; i < 100; i++) {
            char label[32];
            snprintf(label, sizeof label, "node-%d", i);
            *link = make_node(label);
            if (i % 2 == 0) set_int(&(*link)->payload, i);
            else set_hyper(&(*link)->payload, -i);
            link = &(*link)->next;
        }
        return 0;
    }
    default:
        return -1;
    }
}

#define DIFFER(...) do { snprintf(why, why_size, __VA_ARGS__); return 1; } while (0)

static int compare_values(const value *a, const value *b, const char *path, char *why, size_t why_size) {
    if (a->kind != b->kind) DIFFER("%s.kind (%d != %d)", path, a->kind, b->kind);
    switch (a->kind) {
    case VALUE_NONE:
        return 0;
    case VALUE_INT:
        if (a->value_u.int_value != b->value_u.int_value) DIFFER("%s.int_value", path);
        return 0;
    case VALUE_HYPER:
        if (a->value_u.hyper_value != b->value_u.hyper_value) DIFFER("%s.hyper_value", path);
        return 0;
    case VALUE_NAME:
        if (strcmp(a->value_u.name_value, b->value_u.name_value) != 0) DIFFER("%s.name_value", path);
        return 0;
    case VALUE_POINTS:
        if (a->value_u.points.points_len != b->value_u.points.points_len) DIFFER("%s.points.length", path);
        for (u_int i = 0; i < a->value_u.points.points_len; i++) {
            const point *p = &a->value_u.points.points_val[i], *q = &b->value_u.points.points_val[i];
            if (p->x != q->x || p->y != q->y) DIFFER("%s.points[%u]", path, i);
        }
        return 0;
    default:
        if (a->value_u.raw.raw_len != b->value_u.raw.raw_len ||
            (a->value_u.raw.raw_len && memcmp(a->value_u.raw.raw_val, b->value_u.raw.raw_val, a->value_u.raw.raw_len)))
            DIFFER("%s.raw", path);
        return 0;
    }
}

int compare_records(const record *a, const record *b, char *why, size_t why_size) {
    if (a->id != b->id) DIFFER("id (%u != %u)", a->id, b->id);
    if (a->delta != b->delta) DIFFER("delta (%d != %d)", a->delta, b->delta);
    if (a->offset != b->offset) DIFFER("offset");
    if (a->size != b->size) DIFFER("size");
    if (a->active != b->active) DIFFER("active");
    if (memcmp(&a->ratio, &b->ratio, sizeof a->ratio) != 0) DIFFER("ratio (%g != %g)", a->ratio, b->ratio);
    if (memcmp(&a->weight, &b->weight, sizeof a->weight) != 0) DIFFER("weight (%g != %g)", a->weight, b->weight);
    if (a->tint != b->tint) DIFFER("tint (%d != %d)", a->tint, b->tint);
    if (memcmp(a->sum, b->sum, sizeof a->sum) != 0) DIFFER("sum");
    if (strcmp(a->title, b->title) != 0) DIFFER("title");
    if (a->cookie.cookie_len != b->cookie.cookie_len ||
        (a->cookie.cookie_len && memcmp(a->cookie.cookie_val, b->cookie.cookie_val, a->cookie.cookie_len)))
        DIFFER("cookie");
    if (memcmp(a->vector, b->vector, sizeof a->vector) != 0) DIFFER("vector");
    if (a->numbers.int_list_len != b->numbers.int_list_len) DIFFER("numbers.length");
    for (u_int i = 0; i < a->numbers.int_list_len; i++)
        if (a->numbers.int_list_val[i] != b->numbers.int_list_val[i]) DIFFER("numbers[%u]", i);
    for (int i = 0; i < 2; i++)
        if (a->corners[i].x != b->corners[i].x || a->corners[i].y != b->corners[i].y) DIFFER("corners[%d]", i);
    if (compare_values(&a->primary, &b->primary, "primary", why, why_size)) return 1;
    if (a->extras.extras_len != b->extras.extras_len) DIFFER("extras.length");
    for (u_int i = 0; i < a->extras.extras_len; i++) {
        char path[32];
        snprintf(path, sizeof path, "extras[%u]", i);
        if (compare_values(&a->extras.extras_val[i], &b->extras.extras_val[i], path, why, why_size)) return 1;
    }
    if (a->state.code != b->state.code) DIFFER("state.code (%d != %d)", a->state.code, b->state.code);
    switch (a->state.code) {
    case 0:
        if (a->state.status_u.count != b->state.status_u.count) DIFFER("state.count");
        break;
    case 1:
    case 2:
        if (a->state.status_u.flag != b->state.status_u.flag) DIFFER("state.flag");
        break;
    case -5:
        if (a->state.status_u.level != b->state.status_u.level) DIFFER("state.level");
        break;
    }
    if ((a->origin == NULL) != (b->origin == NULL)) DIFFER("origin (present %d != %d)", a->origin != NULL, b->origin != NULL);
    if (a->origin && (a->origin->x != b->origin->x || a->origin->y != b->origin->y)) DIFFER("origin");
    const node *m = a->nodes, *n = b->nodes;
    for (unsigned i = 0; m || n; i++, m = m->next, n = n->next) {
        if (!m || !n) DIFFER("nodes: length differs at node %u", i);
        if (strcmp(m->label, n->label) != 0) DIFFER("nodes[%u].label", i);
        char path[32];
        snprintf(path, sizeof path, "nodes[%u].payload", i);
        if (compare_values(&m->payload, &n->payload, path, why, why_size)) return 1;
    }
    return 0;
}

int copy_through_xdr(xdrproc_t proc, void *from, void *to) {
    unsigned long size = xdr_sizeof(proc, from);
    char *buffer = malloc(size ? size : 4);
    XDR xdrs;
    xdrmem_create(&xdrs, buffer, size, XDR_ENCODE);
    int ok = proc(&xdrs, from);
    xdr_destroy(&xdrs);
    if (ok) {
        xdrmem_create(&xdrs, buffer, size, XDR_DECODE);
        ok = proc(&xdrs, to);
        xdr_destroy(&xdrs);
    }
    free(buffer);
    return ok;
}
