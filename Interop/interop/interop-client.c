/* The C side of the interop matrix: an rpcgen + libtirpc client for xdr/interop.x.
 *
 *     interop-client HOST NETID [--large]
 *
 * Finds INTEROP_PROG version 1 on HOST through rpcbind (clnt_create) over NETID (udp or tcp)
 * and calls every procedure through the rpcgen stubs: echoes of each type at its limits (empty,
 * maximum size, extreme values), the samples both ways, and FAIL with each error status; then
 * an unknown procedure, version and program, and undecodable arguments. --large adds echoes of
 * 1 MiB and 3 MiB + 1 payloads (multi-fragment records; TCP only). Prints one line per check
 * ("ok NAME" or "FAIL NAME: why") and a summary; exits 1 if any check failed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interop.h"
#include "samples.h"

static int checks = 0, failures = 0;
static CLIENT *client;

static void report(const char *name, int ok, const char *why) {
    checks++;
    if (ok) {
        printf("ok %s\n", name);
    } else {
        failures++;
        printf("FAIL %s: %s\n", name, why);
    }
}

/* The reason of the last failed call on client. */
static const char *call_error(void) { return clnt_sperror(client, ""); }

#define CHECK_SCALAR(name, function, type, input)                                      \
    do {                                                                               \
        type argument = (input);                                                       \
        type *result = function(&argument, client);                                    \
        if (result == NULL) report(name, 0, call_error());                             \
        else report(name, memcmp(result, &argument, sizeof argument) == 0, "differs"); \
    } while (0)

static void check_name(const char *label, const char *input) {
    name argument = (name)input;
    name *result = echo_name_1(&argument, client);
    if (result == NULL) report(label, 0, call_error());
    else report(label, strcmp(*result, input) == 0, "differs");
}

static void check_text(const char *label, size_t length) {
    text argument = malloc(length + 1);
    for (size_t i = 0; i < length; i++) argument[i] = (char)('A' + i % 23);
    argument[length] = 0;
    text *result = echo_text_1(&argument, client);
    if (result == NULL) report(label, 0, call_error());
    else report(label, strlen(*result) == length && strcmp(*result, argument) == 0, "differs");
    free(argument);
}

static void check_blob(const char *label, u_int length) {
    blob argument = {length, malloc(length ? length : 1)};
    for (u_int i = 0; i < length; i++) argument.blob_val[i] = (char)(i * 7 + i / 251);
    blob *result = echo_blob_1(&argument, client);
    if (result == NULL) report(label, 0, call_error());
    else report(label, result->blob_len == length && memcmp(result->blob_val, argument.blob_val, length) == 0, "differs");
    free(argument.blob_val);
}

static void check_list(const char *label, u_int length) {
    int numbers[INTEROP_LIST_MAX];
    for (u_int i = 0; i < length; i++) numbers[i] = (int)(i * 1000003u);
    int_list argument = {length, numbers};
    int_list *result = echo_list_1(&argument, client);
    if (result == NULL) report(label, 0, call_error());
    else report(label, result->int_list_len == length && memcmp(result->int_list_val, numbers, length * sizeof(int)) == 0, "differs");
}

/* An empty record: values, statuses and chains are compared by placing them in one. */
static record empty_record(void) {
    record empty;
    memset(&empty, 0, sizeof empty);
    empty.title = "";
    return empty;
}

static void report_records(const char *label, const record *sent, const record *received) {
    char why[256];
    report(label, compare_records(sent, received, why, sizeof why) == 0, why);
}

static void check_value(const char *label, value argument) {
    value *result = echo_value_1(&argument, client);
    if (result == NULL) { report(label, 0, call_error()); return; }
    record sent = empty_record(), received = empty_record();
    sent.primary = argument;
    received.primary = *result;
    report_records(label, &sent, &received);
}

static void check_status(const char *label, status argument) {
    status *result = echo_status_1(&argument, client);
    if (result == NULL) { report(label, 0, call_error()); return; }
    record sent = empty_record(), received = empty_record();
    sent.state = argument;
    received.state = *result;
    report_records(label, &sent, &received);
}

/* Expects a call to fail with status and, for the detailed ones, the details. */
static void check_failure(const char *label, failure argument, enum clnt_stat status, u_long low, u_long high,
                          enum auth_stat why) {
    void *result = fail_1(&argument, client);
    if (result != NULL) { report(label, 0, "the call succeeded"); return; }
    struct rpc_err error;
    clnt_geterr(client, &error);
    char detail[256];
    snprintf(detail, sizeof detail, "got %s", clnt_sperrno(error.re_status));
    int ok = error.re_status == status;
    if (ok && status == RPC_PROGVERSMISMATCH) {
        ok = error.re_vers.low == low && error.re_vers.high == high;
        snprintf(detail, sizeof detail, "versions %lu-%lu", (u_long)error.re_vers.low, (u_long)error.re_vers.high);
    }
    if (ok && status == RPC_AUTHERROR) {
        ok = error.re_why == why;
        snprintf(detail, sizeof detail, "auth_stat %d", error.re_why);
    }
    report(label, ok, detail);
}

/* A client for program/version at the address rpcbind gives for INTEROP_PROG version 1. */
static CLIENT *client_at_interop_address(const char *host, const char *netid, rpcprog_t program, rpcvers_t version) {
    struct netconfig *config = getnetconfigent(netid);
    if (config == NULL) return NULL;
    struct netbuf address;
    char storage[128];
    address.maxlen = sizeof storage;
    address.buf = storage;
    CLIENT *result = NULL;
    if (rpcb_getaddr(INTEROP_PROG, INTEROP_V1, config, &address, host))
        result = clnt_tli_create(RPC_ANYFD, config, &address, program, version, 0, 0);
    freenetconfigent(config);
    return result;
}

static void check_unknown(const char *label, CLIENT *other, rpcproc_t procedure, enum clnt_stat expected, u_long low,
                          u_long high) {
    if (other == NULL) { report(label, 0, "cannot create the client"); return; }
    struct timeval timeout = {10, 0};
    enum clnt_stat status = clnt_call(other, procedure, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_void, NULL, timeout);
    char detail[256];
    snprintf(detail, sizeof detail, "got %s", clnt_sperrno(status));
    int ok = status == expected;
    if (ok && status == RPC_PROGVERSMISMATCH) {
        struct rpc_err error;
        clnt_geterr(other, &error);
        ok = error.re_vers.low == low && error.re_vers.high == high;
        snprintf(detail, sizeof detail, "versions %lu-%lu", (u_long)error.re_vers.low, (u_long)error.re_vers.high);
    }
    report(label, ok, detail);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: interop-client HOST udp|tcp [--large]\n");
        return 2;
    }
    const char *host = argv[1], *netid = argv[2];
    int large = argc > 3 && strcmp(argv[3], "--large") == 0;
    client = clnt_create(host, INTEROP_PROG, INTEROP_V1, netid);
    if (client == NULL) {
        fprintf(stderr, "interop-client: %s\n", clnt_spcreateerror(host));
        return 1;
    }
    struct timeval timeout = {10, 0};
    clnt_control(client, CLSET_TIMEOUT, (char *)&timeout);

    report("null", interop_null_1(NULL, client) != NULL, call_error());
    CHECK_SCALAR("int 0", echo_int_1, int, 0);
    CHECK_SCALAR("int -1", echo_int_1, int, -1);
    CHECK_SCALAR("int min", echo_int_1, int, INT32_MIN);
    CHECK_SCALAR("int max", echo_int_1, int, INT32_MAX);
    CHECK_SCALAR("uint max", echo_uint_1, u_int, UINT32_MAX);
    CHECK_SCALAR("hyper min", echo_hyper_1, quad_t, INT64_MIN);
    CHECK_SCALAR("hyper max", echo_hyper_1, quad_t, INT64_MAX);
    CHECK_SCALAR("uhyper max", echo_uhyper_1, u_quad_t, UINT64_MAX);
    CHECK_SCALAR("bool true", echo_bool_1, bool_t, TRUE);
    CHECK_SCALAR("bool false", echo_bool_1, bool_t, FALSE);
    CHECK_SCALAR("float", echo_float_1, float, -0.15625f);
    CHECK_SCALAR("float max", echo_float_1, float, 3.4028235e38f);
    CHECK_SCALAR("float -infinity", echo_float_1, float, -INFINITY);
    CHECK_SCALAR("double", echo_double_1, double, 6.02214076e23);
    CHECK_SCALAR("double -0", echo_double_1, double, -0.0);
    CHECK_SCALAR("double nan", echo_double_1, double, NAN);
    CHECK_SCALAR("color red", echo_color_1, color, COLOR_RED);
    CHECK_SCALAR("color blue", echo_color_1, color, COLOR_BLUE);
    CHECK_SCALAR("color infrared", echo_color_1, color, COLOR_INFRARED);
    CHECK_SCALAR("color ultraviolet", echo_color_1, color, COLOR_ULTRAVIOLET);

    digest sum;
    for (int i = 0; i < INTEROP_DIGEST_SIZE; i++) sum[i] = (char)(0xf0 + i);
    char *sum_result = echo_digest_1(sum, client);
    if (sum_result == NULL) report("digest", 0, call_error());
    else report("digest", memcmp(sum_result, sum, sizeof sum) == 0, "differs");

    check_name("name empty", "");
    check_name("name utf-8", "na\xc3\xafve \xce\xbb");
    char longest[INTEROP_NAME_MAX + 2];
    memset(longest, 'z', INTEROP_NAME_MAX);
    longest[INTEROP_NAME_MAX] = 0;
    check_name("name of 255", longest);
    longest[INTEROP_NAME_MAX] = 'z';
    longest[INTEROP_NAME_MAX + 1] = 0;
    name too_long = longest;
    report("name of 256 refused by the encoder", echo_name_1(&too_long, client) == NULL, "the call succeeded");

    check_text("text empty", 0);
    check_text("text of 1000", 1000);
    check_blob("blob empty", 0);
    check_blob("blob of 1", 1);
    check_blob("blob of 5", 5);

    int_vector vector = {INT32_MIN, -1, 0, INT32_MAX};
    int *vector_result = echo_vector_1(vector, client);
    if (vector_result == NULL) report("vector", 0, call_error());
    else report("vector", memcmp(vector_result, vector, sizeof vector) == 0, "differs");

    check_list("list empty", 0);
    check_list("list of 100", INTEROP_LIST_MAX);

    value v;
    memset(&v, 0, sizeof v);
    v.kind = VALUE_NONE;
    check_value("value none", v);
    v.kind = VALUE_INT;
    v.value_u.int_value = -42;
    check_value("value int", v);
    v.kind = VALUE_HYPER;
    v.value_u.hyper_value = INT64_MIN;
    check_value("value hyper", v);
    v.kind = VALUE_NAME;
    v.value_u.name_value = "name";
    check_value("value name", v);
    point points[3] = {{1, 2}, {3, 4}, {-5, -6}};
    v.kind = VALUE_POINTS;
    v.value_u.points.points_len = 3;
    v.value_u.points.points_val = points;
    check_value("value points", v);
    char raw[16] = "0123456789abcdef";
    v.kind = (value_kind)77;
    v.value_u.raw.raw_len = 16;
    v.value_u.raw.raw_val = raw;
    check_value("value default arm", v);
    v.kind = (value_kind)-1;
    v.value_u.raw.raw_len = 3;
    check_value("value default arm, negative", v);

    status s;
    memset(&s, 0, sizeof s);
    s.code = 0;
    s.status_u.count = UINT64_MAX;
    check_status("status count", s);
    s.code = 1;
    s.status_u.flag = TRUE;
    check_status("status flag 1", s);
    s.code = 2;
    s.status_u.flag = FALSE;
    check_status("status flag 2", s);
    s.code = -5;
    s.status_u.level = 1e-300;
    check_status("status level", s);
    s.code = 12345;
    check_status("status default", s);

    for (u_int length = 0; length <= 3; length++) {
        char label[32];
        snprintf(label, sizeof label, "chain of %u", length);
        node nodes[3];
        char labels[3][8];
        for (u_int i = 0; i < length; i++) {
            snprintf(labels[i], sizeof labels[i], "n%u", i);
            nodes[i].label = labels[i];
            nodes[i].payload.kind = VALUE_INT;
            nodes[i].payload.value_u.int_value = (int)i;
            nodes[i].next = i + 1 < length ? &nodes[i + 1] : NULL;
        }
        chain argument = length ? &nodes[0] : NULL;
        chain *result = echo_chain_1(&argument, client);
        if (result == NULL) { report(label, 0, call_error()); continue; }
        record sent = empty_record(), received = empty_record();
        sent.nodes = argument;
        received.nodes = *result;
        report_records(label, &sent, &received);
    }

    for (u_int index = 0; index < INTEROP_SAMPLE_COUNT; index++) {
        char label[64], why[256];
        record sample;
        build_sample(index, &sample);

        snprintf(label, sizeof label, "echo record: sample %u", index);
        record *echoed = echo_record_1(&sample, client);
        if (echoed == NULL) report(label, 0, call_error());
        else report(label, compare_records(echoed, &sample, why, sizeof why) == 0, why);

        snprintf(label, sizeof label, "get sample %u", index);
        record *fetched = get_sample_1(&index, client);
        if (fetched == NULL) report(label, 0, call_error());
        else report(label, compare_records(fetched, &sample, why, sizeof why) == 0, why);

        snprintf(label, sizeof label, "check sample %u", index);
        sample_check check = {index, sample};
        text *verdict = check_sample_1(&check, client);
        if (verdict == NULL) report(label, 0, call_error());
        else report(label, (*verdict)[0] == 0, *verdict);

        xdr_free((xdrproc_t)xdr_record, (char *)&sample);
    }
    {
        record sample;
        build_sample(0, &sample);
        sample.extras.extras_val[3].value_u.name_value[0] = 'N';
        sample_check check = {0, sample};
        text *verdict = check_sample_1(&check, client);
        if (verdict == NULL) report("check sample: a difference is found", 0, call_error());
        else report("check sample: a difference is found", strcmp(*verdict, "extras[3].name_value") == 0, *verdict);
        xdr_free((xdrproc_t)xdr_record, (char *)&sample);
    }
    {
        u_int no_such_sample = INTEROP_SAMPLE_COUNT;
        struct rpc_err error = {0};
        if (get_sample_1(&no_such_sample, client) == NULL) clnt_geterr(client, &error);
        report("get sample: an unknown index is GARBAGE_ARGS", error.re_status == RPC_CANTDECODEARGS,
               clnt_sperrno(error.re_status));
    }

    check_failure("fail: PROG_UNAVAIL", (failure){FAIL_PROG_UNAVAIL, 0}, RPC_PROGUNAVAIL, 0, 0, 0);
    check_failure("fail: PROG_MISMATCH", (failure){FAIL_PROG_MISMATCH, 0}, RPC_PROGVERSMISMATCH,
                  INTEROP_MISMATCH_LOW, INTEROP_MISMATCH_HIGH, 0);
    check_failure("fail: PROC_UNAVAIL", (failure){FAIL_PROC_UNAVAIL, 0}, RPC_PROCUNAVAIL, 0, 0, 0);
    check_failure("fail: GARBAGE_ARGS", (failure){FAIL_GARBAGE_ARGS, 0}, RPC_CANTDECODEARGS, 0, 0, 0);
    check_failure("fail: SYSTEM_ERR", (failure){FAIL_SYSTEM_ERR, 0}, RPC_SYSTEMERROR, 0, 0, 0);
    for (int why = AUTH_BADCRED; why <= AUTH_TOOWEAK; why++) {
        char label[64];
        snprintf(label, sizeof label, "fail: AUTH_ERROR %d", why);
        check_failure(label, (failure){FAIL_AUTH_ERROR, why}, RPC_AUTHERROR, 0, 0, (enum auth_stat)why);
    }
    report("null after the errors", interop_null_1(NULL, client) != NULL, call_error());

    check_unknown("unknown procedure", client, 99, RPC_PROCUNAVAIL, 0, 0);
    CLIENT *other = client_at_interop_address(host, netid, INTEROP_PROG, 2);
    check_unknown("unknown version", other, 0, RPC_PROGVERSMISMATCH, 1, 1);
    if (other) clnt_destroy(other);
    other = client_at_interop_address(host, netid, INTEROP_PROG + 1, 1);
    check_unknown("unknown program", other, 0, RPC_PROGUNAVAIL, 0, 0);
    if (other) clnt_destroy(other);
    {
        /* ECHO_RECORD with a lone int as its argument: the server cannot decode a record. */
        int lone = 7;
        record ignored;
        memset(&ignored, 0, sizeof ignored);
        enum clnt_stat status = clnt_call(client, ECHO_RECORD, (xdrproc_t)xdr_int, (char *)&lone,
                                          (xdrproc_t)xdr_record, (char *)&ignored, timeout);
        report("undecodable arguments", status == RPC_CANTDECODEARGS, clnt_sperrno(status));
    }
    report("null at the end", interop_null_1(NULL, client) != NULL, call_error());

    if (large) {
        check_blob("blob of 1 MiB", 1 << 20);
        check_blob("blob of 3 MiB + 1", (3 << 20) + 1);
        check_text("text of 1 MiB + 3", (1 << 20) + 3);
        report("null after the large calls", interop_null_1(NULL, client) != NULL, call_error());
    }

    clnt_destroy(client);
    printf("summary: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
