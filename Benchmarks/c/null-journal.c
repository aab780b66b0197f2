/* The "null journal": binds journald's native socket path and discards every datagram, so
 * dialgated runs with an audit sink that costs nothing (Benchmarks/run starts it in a private
 * mount namespace, on a tmpfs over /run/systemd/journal). Counts what it received and prints
 * `null-journal datagrams=N bytes=B` on SIGTERM. Closes any memfd a sender passes (large entries). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop = 0;
static void on_term(int s) { (void)s; stop = 1; }

int main(int argc, char **argv) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (argc != 2 || strlen(argv[1]) >= sizeof a.sun_path) { fprintf(stderr, "usage: null-journal PATH\n"); return 2; }
    strcpy(a.sun_path, argv[1]);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), size = 8 << 20;
    unlink(argv[1]);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("null-journal: bind"); return 1; }
    chmod(argv[1], 0666);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    struct sigaction sa = {.sa_handler = on_term};   /* no SA_RESTART: recvmsg returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    static char buf[1 << 17], control[CMSG_SPACE(16 * sizeof(int))];
    unsigned long long datagrams = 0, bytes = 0;
    while (!stop) {
        struct iovec v = {buf, sizeof buf};
        struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
        ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
        if (n < 0) continue;
        datagrams++, bytes += (unsigned long long)n;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                for (int *f = (int *)CMSG_DATA(c); (char *)f < (char *)c + c->cmsg_len; f++) close(*f);
    }
    printf("null-journal datagrams=%llu bytes=%llu\n", datagrams, bytes);
    return 0;
}
