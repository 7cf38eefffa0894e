/*
 * bench-server: libtirpc's side of the call workloads. Serves BENCH_PROG version 1 (bench.x)
 * with rpcgen's dispatcher and svc_run on 127.0.0.1, TCP and UDP, on free ports (or the ones
 * given), without registering with rpcbind: clients are given the ports. Prints
 * "tcp=PORT udp=PORT" once it serves; runs until SIGTERM.
 *
 *     bench-server [TCP-PORT UDP-PORT]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

extern void bench_prog_1(struct svc_req *request, SVCXPRT *transport);

void *bench_null_1_svc(void *argument, struct svc_req *request) {
    (void)argument;
    (void)request;
    static char nothing;
    return &nothing;
}

/* The results alias the arguments: the dispatcher frees the arguments after the reply is sent. */
bench_blob *bench_echo_1_svc(bench_blob *argument, struct svc_req *request) {
    (void)request;
    static bench_blob result;
    result = *argument;
    return &result;
}

bench_batch *bench_list_1_svc(bench_batch *argument, struct svc_req *request) {
    (void)request;
    static bench_batch result;
    result = *argument;
    return &result;
}

bench_fixed *bench_fixed_1_svc(bench_fixed *argument, struct svc_req *request) {
    (void)request;
    static bench_fixed result;
    result = *argument;
    return &result;
}

int bench_prog_1_freeresult(SVCXPRT *transport, xdrproc_t routine, caddr_t result) {
    (void)transport;
    (void)routine;
    (void)result;
    return 1;
}

/* A socket of `type` bound to 127.0.0.1:`port` (0: a free port); its port in `bound`. */
static int loopback_socket(int type, int port, int *bound) {
    int sock = socket(AF_INET, type, 0);
    int one = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (sock < 0 || bind(sock, (struct sockaddr *)&address, sizeof address) != 0 ||
        getsockname(sock, (struct sockaddr *)&address, &length) != 0) {
        perror("bench-server: bind");
        exit(1);
    }
    if (type == SOCK_STREAM && listen(sock, 128) != 0) {
        perror("bench-server: listen");
        exit(1);
    }
    *bound = ntohs(address.sin_port);
    return sock;
}

int main(int argc, char **argv) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigprocmask(SIG_UNBLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    int tcpPort = argc > 2 ? atoi(argv[1]) : 0, udpPort = argc > 2 ? atoi(argv[2]) : 0;
    int tcpSocket = loopback_socket(SOCK_STREAM, tcpPort, &tcpPort);
    int udpSocket = loopback_socket(SOCK_DGRAM, udpPort, &udpPort);
    SVCXPRT *tcp = svctcp_create(tcpSocket, 0, 0);
    SVCXPRT *udp = svcudp_bufcreate(udpSocket, 65536, 65536);
    if (!tcp || !udp || !svc_register(tcp, BENCH_PROG, BENCH_V1, bench_prog_1, 0) ||
        !svc_register(udp, BENCH_PROG, BENCH_V1, bench_prog_1, 0)) {
        fprintf(stderr, "bench-server: cannot create or register the transports\n");
        return 1;
    }
    printf("tcp=%d udp=%d\n", tcpPort, udpPort);
    fflush(stdout);
    svc_run();
    return 1;
}
