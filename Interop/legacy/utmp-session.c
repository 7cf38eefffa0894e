/* A login session for the rusersd test, as utmp records it:
 *
 *     utmp-session USER LINE HOST [SECONDS]
 *
 * Writes a USER_PROCESS record for USER on LINE (a device under /dev) from HOST to the utmp
 * file (creating the file if the system has none), prints "ready", and on SIGTERM or SIGINT,
 * or after SECONDS (default 120), marks the session dead again (and removes the utmp file if it
 * created it). Needs root. Lets the test compare rusersd's answer and `who` with a user present. */
#include <fcntl.h>
#include <paths.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <utmpx.h>

static volatile sig_atomic_t stopping = 0;
static void stop(int signal) { (void)signal; stopping = 1; }

static int write_record(short type, const char *user, const char *line, const char *host) {
    struct utmpx entry;
    memset(&entry, 0, sizeof entry);
    entry.ut_type = type;
    entry.ut_pid = getpid();
    strncpy(entry.ut_line, line, sizeof entry.ut_line);
    const char *id = strlen(line) > 4 ? line + strlen(line) - 4 : line;
    strncpy(entry.ut_id, id, sizeof entry.ut_id);
    if (user) strncpy(entry.ut_user, user, sizeof entry.ut_user);
    if (host) strncpy(entry.ut_host, host, sizeof entry.ut_host);
    struct timeval now;
    gettimeofday(&now, NULL);
    entry.ut_tv.tv_sec = (int32_t)now.tv_sec;
    entry.ut_tv.tv_usec = (int32_t)now.tv_usec;
    setutxent();
    int ok = pututxline(&entry) != NULL;
    endutxent();
    return ok;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: utmp-session USER LINE HOST [SECONDS]\n");
        return 2;
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGALRM);
    sigprocmask(SIG_UNBLOCK, &signals, NULL);
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    signal(SIGALRM, stop);
    alarm(argc > 4 ? (unsigned)atoi(argv[4]) : 120);

    int created = 0;
    if (access(_PATH_UTMP, F_OK) != 0) {
        int fd = open(_PATH_UTMP, O_CREAT | O_EXCL | O_WRONLY, 0664);
        if (fd < 0) { perror(_PATH_UTMP); return 1; }
        close(fd);
        created = 1;
    }
    if (!write_record(USER_PROCESS, argv[1], argv[2], argv[3])) {
        perror("pututxline");
        if (created) unlink(_PATH_UTMP);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    while (!stopping) pause();
    write_record(DEAD_PROCESS, NULL, argv[2], NULL);
    if (created) unlink(_PATH_UTMP);
    printf("ended\n");
    return 0;
}
