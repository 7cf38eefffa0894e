/* The C side of the interop matrix: an rpcgen + libtirpc server for xdr/interop.x.
 *
 *     interop-server [SECONDS]
 *
 * Registers INTEROP_PROG version 1 with rpcbind over udp and tcp (and udp6/tcp6 where the
 * netconfig database lists them), prints "ready" and serves until SIGTERM or SIGINT, or for
 * SECONDS (default 300) at most; then it unregisters and exits. The dispatch routine comes from
 * `rpcgen -m`; the procedures below echo their argument, hand out and check the samples of
 * samples.c, and FAIL answers with the error status it is asked for. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interop.h"
#include "samples.h"

extern void interop_prog_1(struct svc_req *rqstp, SVCXPRT *transp);

static volatile sig_atomic_t stopping = 0;
static void stop(int signal) { (void)signal; stopping = 1; }

/* Echoes of scalars. */
#define ECHO_SCALAR(function, type)                                   \
    type *function(type *argument, struct svc_req *request) {         \
        (void)request;                                                \
        static type result;                                           \
        result = *argument;                                           \
        return &result;                                               \
    }
ECHO_SCALAR(echo_int_1_svc, int)
ECHO_SCALAR(echo_uint_1_svc, u_int)
ECHO_SCALAR(echo_hyper_1_svc, quad_t)
ECHO_SCALAR(echo_uhyper_1_svc, u_quad_t)
ECHO_SCALAR(echo_bool_1_svc, bool_t)
ECHO_SCALAR(echo_float_1_svc, float)
ECHO_SCALAR(echo_double_1_svc, double)
ECHO_SCALAR(echo_color_1_svc, color)

/* Echoes of types that own memory: a deep copy through XDR, released on the next call. */
#define ECHO_DEEP(function, type, xdr_type)                                      \
    type *function(type *argument, struct svc_req *request) {                    \
        static type result;                                                      \
        xdr_free((xdrproc_t)xdr_type, (char *)&result);                          \
        memset(&result, 0, sizeof result);                                       \
        if (!copy_through_xdr((xdrproc_t)xdr_type, argument, &result)) {         \
            svcerr_systemerr(request->rq_xprt);                                  \
            return NULL;                                                         \
        }                                                                        \
        return &result;                                                          \
    }
ECHO_DEEP(echo_name_1_svc, name, xdr_name)
ECHO_DEEP(echo_text_1_svc, text, xdr_text)
ECHO_DEEP(echo_blob_1_svc, blob, xdr_blob)
ECHO_DEEP(echo_list_1_svc, int_list, xdr_int_list)
ECHO_DEEP(echo_value_1_svc, value, xdr_value)
ECHO_DEEP(echo_status_1_svc, status, xdr_status)
ECHO_DEEP(echo_chain_1_svc, chain, xdr_chain)
ECHO_DEEP(echo_record_1_svc, record, xdr_record)

/* Fixed-length arrays travel as pointers to their first element. */
char *echo_digest_1_svc(char *argument, struct svc_req *request) {
    (void)request;
    static digest result;
    memcpy(result, argument, sizeof result);
    return result;
}

int *echo_vector_1_svc(int *argument, struct svc_req *request) {
    (void)request;
    static int_vector result;
    memcpy(result, argument, sizeof result);
    return result;
}

void *interop_null_1_svc(void *argument, struct svc_req *request) {
    (void)argument;
    (void)request;
    static char nothing;
    return &nothing;
}

record *get_sample_1_svc(u_int *index, struct svc_req *request) {
    static record result;
    xdr_free((xdrproc_t)xdr_record, (char *)&result);
    if (build_sample(*index, &result) != 0) {
        memset(&result, 0, sizeof result);
        svcerr_decode(request->rq_xprt); /* no such sample: the argument is not acceptable */
        return NULL;
    }
    return &result;
}

text *check_sample_1_svc(sample_check *check, struct svc_req *request) {
    (void)request;
    static char why[256];
    static text result;
    record expected;
    why[0] = 0;
    if (build_sample(check->index, &expected) != 0) {
        snprintf(why, sizeof why, "no sample %u", check->index);
    } else {
        compare_records(&check->candidate, &expected, why, sizeof why);
        xdr_free((xdrproc_t)xdr_record, (char *)&expected);
    }
    result = why;
    return &result;
}

void *fail_1_svc(failure *failure, struct svc_req *request) {
    static char nothing;
    SVCXPRT *transport = request->rq_xprt;
    switch (failure->kind) {
    case FAIL_PROG_UNAVAIL: svcerr_noprog(transport); return NULL;
    case FAIL_PROG_MISMATCH: svcerr_progvers(transport, INTEROP_MISMATCH_LOW, INTEROP_MISMATCH_HIGH); return NULL;
    case FAIL_PROC_UNAVAIL: svcerr_noproc(transport); return NULL;
    case FAIL_GARBAGE_ARGS: svcerr_decode(transport); return NULL;
    case FAIL_SYSTEM_ERR: svcerr_systemerr(transport); return NULL;
    case FAIL_AUTH_ERROR: svcerr_auth(transport, (enum auth_stat)failure->auth_stat); return NULL;
    default: return &nothing; /* an unknown kind: a plain successful void reply */
    }
}

int main(int argc, char **argv) {
    unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 300;
    /* A test runner may start this with signals blocked; take them back. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGALRM);
    sigprocmask(SIG_UNBLOCK, &signals, NULL);
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    signal(SIGALRM, stop);
    signal(SIGPIPE, SIG_IGN);
    alarm(seconds);

    rpcb_unset(INTEROP_PROG, INTEROP_V1, NULL);
    const char *netids[] = {"udp", "tcp", "udp6", "tcp6"};
    int registered = 0;
    for (int i = 0; i < 4; i++) {
        struct netconfig *config = getnetconfigent(netids[i]);
        if (config == NULL) continue;
        if (svc_tp_create(interop_prog_1, INTEROP_PROG, INTEROP_V1, config) != NULL) registered++;
        else if (i < 2) {
            fprintf(stderr, "interop-server: cannot create and register the %s service\n", netids[i]);
            return 1;
        }
        freenetconfigent(config);
    }
    printf("ready (%d transports)\n", registered);
    fflush(stdout);

    while (!stopping) {
        int count = svc_max_pollfd;
        struct pollfd *descriptors = malloc(sizeof(struct pollfd) * (count ? count : 1));
        memcpy(descriptors, svc_pollfd, sizeof(struct pollfd) * count);
        int ready = poll(descriptors, count, 200);
        if (ready > 0) svc_getreq_poll(descriptors, ready);
        free(descriptors);
    }
    svc_unreg(INTEROP_PROG, INTEROP_V1);
    rpcb_unset(INTEROP_PROG, INTEROP_V1, NULL);
    printf("stopped\n");
    return 0;
}
