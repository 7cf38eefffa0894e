/*
 * bench-client: libtirpc's client side of the call workloads, one call at a time (as
 * libtirpc's CLIENT allows), against a server on 127.0.0.1.
 *
 *     bench-client null tcp|udp PORT SECONDS     sequential NULL calls
 *     bench-client echo SIZE PORT SECONDS        sequential echo of SIZE bytes over TCP
 *
 * Prints key=value lines: calls, rate (calls/s), p50.us and p99.us, and for echo mbps
 * (payload megabytes, 10^6 bytes, echoed per second).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-common.h"

#define MAX_SAMPLES (4u << 20)

static void usage(void) {
    fprintf(stderr, "usage: bench-client null tcp|udp PORT SECONDS | bench-client echo SIZE PORT SECONDS\n");
    exit(2);
}

static CLIENT *connect_to(const char *protocol, int port) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int sock = RPC_ANYSOCK;
    CLIENT *client;
    if (strcmp(protocol, "tcp") == 0) {
        client = clnttcp_create(&address, BENCH_PROG, BENCH_V1, &sock, 0, 0);
    } else {
        struct timeval retry = {1, 0};
        client = clntudp_create(&address, BENCH_PROG, BENCH_V1, retry, &sock);
    }
    if (!client) {
        clnt_pcreateerror("bench-client");
        exit(1);
    }
    return client;
}

int main(int argc, char **argv) {
    if (argc != 5) usage();
    int echo = strcmp(argv[1], "echo") == 0;
    if (!echo && strcmp(argv[1], "null") != 0) usage();
    const char *protocol = echo ? "tcp" : argv[2];
    size_t size = echo ? (size_t)atol(argv[2]) : 0;
    int port = atoi(argv[3]);
    double seconds = atof(argv[4]);
    CLIENT *client = connect_to(protocol, port);

    bench_blob payload = {.bench_blob_len = (u_int)size, .bench_blob_val = malloc(size ? size : 1)};
    for (size_t i = 0; i < size; i++) payload.bench_blob_val[i] = (char)(i * 7 + 3);
    uint64_t *samples = malloc(MAX_SAMPLES * sizeof *samples);
    struct timeval timeout = {25, 0};
    uint64_t start = bench_now_ns(), end = start + (uint64_t)(seconds * 1e9), now = start;
    size_t calls = 0;
    while (now < end) {
        uint64_t before = now;
        enum clnt_stat status;
        if (echo) {
            bench_blob reply;
            memset(&reply, 0, sizeof reply);
            status = clnt_call(client, BENCH_ECHO, (xdrproc_t)xdr_bench_blob, (caddr_t)&payload,
                               (xdrproc_t)xdr_bench_blob, (caddr_t)&reply, timeout);
            if (status == RPC_SUCCESS &&
                (reply.bench_blob_len != size || (calls == 0 && memcmp(reply.bench_blob_val, payload.bench_blob_val, size) != 0))) {
                fprintf(stderr, "bench-client: the echo differs from what was sent\n");
                return 1;
            }
            clnt_freeres(client, (xdrproc_t)xdr_bench_blob, (caddr_t)&reply);
        } else {
            status = clnt_call(client, BENCH_NULL, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_void, NULL, timeout);
        }
        if (status != RPC_SUCCESS) {
            clnt_perror(client, "bench-client");
            return 1;
        }
        now = bench_now_ns();
        if (calls < MAX_SAMPLES) samples[calls] = now - before;
        calls++;
    }
    double elapsed = (double)(now - start) / 1e9;
    size_t sampled = calls < MAX_SAMPLES ? calls : MAX_SAMPLES;
    printf("calls=%zu\n", calls);
    printf("rate=%.1f\n", (double)calls / elapsed);
    printf("p50.us=%.2f\n", (double)bench_percentile(samples, sampled, 50) / 1000.0);
    printf("p99.us=%.2f\n", (double)bench_percentile(samples, sampled, 99) / 1000.0);
    if (echo) printf("mbps=%.1f\n", (double)calls * (double)size / elapsed / 1e6);
    clnt_destroy(client);
    return 0;
}
