/*
 * The floor: a minimal line-echo server on a Unix stream socket. One thread, epoll, level
 * triggered, non-blocking sockets: every complete line a client sends is written back as is
 * (what is after the last newline waits for the rest of its line). Nothing is parsed, nothing
 * is logged, so what it costs is the kernel's socket work and one read and one write per
 * batch of lines: no server answering one line per request can do much better here.
 *
 *   echo SOCKET_PATH        (runs until SIGTERM or SIGINT; removes the socket then)
 *
 * Built by Benchmarks/run: cc -O2 -o echo echo.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BUFFER 65536

struct conn {
    int fd;
    size_t in_len;              /* bytes of an unfinished line kept in `in` */
    size_t out_off, out_len;    /* bytes of `out` not yet written */
    char in[BUFFER];
    char out[2 * BUFFER];
};

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static void drop(int epoll, struct conn *c) {
    epoll_ctl(epoll, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

/* Writes what is pending; returns -1 when the peer is gone. Waits for EPOLLOUT when the socket
 * is full, and stops reading meanwhile, so a client that does not read cannot grow us. */
static int flush(int epoll, struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
            epoll_ctl(epoll, EPOLL_CTL_MOD, c->fd, &ev);
            return 0;
        }
        if (n <= 0) return -1;
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(epoll, EPOLL_CTL_MOD, c->fd, &ev);
    return 0;
}

static int readable(int epoll, struct conn *c) {
    ssize_t n = read(c->fd, c->in + c->in_len, BUFFER - c->in_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    if (n <= 0) return -1;
    size_t len = c->in_len + (size_t)n;
    char *last = memrchr(c->in, '\n', len);
    if (!last) {
        if (len == BUFFER) return -1;   /* a line longer than the buffer: refused */
        c->in_len = len;
        return 0;
    }
    size_t lines = (size_t)(last - c->in) + 1;
    memcpy(c->out + c->out_len, c->in, lines);
    c->out_len += lines;
    memmove(c->in, c->in + lines, len - lines);
    c->in_len = len - lines;
    return flush(epoll, c);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s SOCKET_PATH\n", argv[0]); return 2; }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof addr.sun_path) { fprintf(stderr, "path too long\n"); return 2; }
    strcpy(addr.sun_path, argv[1]);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    unlink(argv[1]);
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 4096) < 0) {
        perror("echo: listen");
        return 1;
    }
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &ev);

    struct epoll_event events[256];
    while (!stopping) {
        int n = epoll_wait(epoll, events, 256, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { perror("echo: epoll_wait"); break; }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    struct conn *fresh = calloc(1, sizeof *fresh);
                    fresh->fd = fd;
                    struct epoll_event add = {.events = EPOLLIN, .data.ptr = fresh};
                    epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &add);
                }
                continue;
            }
            int result = (events[i].events & EPOLLOUT) ? flush(epoll, c) : readable(epoll, c);
            if (result < 0 || (events[i].events & (EPOLLERR | EPOLLHUP) && !(events[i].events & EPOLLIN)))
                drop(epoll, c);
        }
    }
    unlink(argv[1]);
    return 0;
}
