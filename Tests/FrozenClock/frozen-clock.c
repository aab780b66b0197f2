/*
 * Test support: an LD_PRELOAD library that freezes the wall clock of the process it is loaded
 * into at DIALGATE_FROZEN_REALTIME (seconds since the epoch), so a daemon under test answers a
 * CHECK "now" as of a known Monday morning. Only CLOCK_REALTIME (and gettimeofday, time) is
 * frozen: monotonic clocks, which timers, sleeps and deadlines use, keep running. Without the
 * variable it changes nothing. Built by scripts/test; never installed.
 *
 * libfaketime was tried first: under it Swift's Task.sleep never returns, and a Swift program
 * spawned directly with it preloaded loses its arguments.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long long frozen_seconds(void) {
    static long long frozen = -2;
    if (frozen == -2) {
        const char *text = getenv("DIALGATE_FROZEN_REALTIME");
        frozen = text ? atoll(text) : -1;
    }
    return frozen;
}

int clock_gettime(clockid_t clock, struct timespec *spec) {
    static int (*real)(clockid_t, struct timespec *) = NULL;
    long long frozen = frozen_seconds();
    if (frozen >= 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) {
        spec->tv_sec = (time_t)frozen;
        spec->tv_nsec = 0;
        return 0;
    }
    if (!real) real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    return real(clock, spec);
}

int gettimeofday(struct timeval *restrict value, void *restrict zone) {
    static int (*real)(struct timeval *restrict, void *restrict) = NULL;
    long long frozen = frozen_seconds();
    if (frozen >= 0) {
        if (value) {
            value->tv_sec = (time_t)frozen;
            value->tv_usec = 0;
        }
        return 0;
    }
    if (!real) real = (int (*)(struct timeval *restrict, void *restrict))dlsym(RTLD_NEXT, "gettimeofday");
    return real(value, zone);
}

time_t time(time_t *out) {
    long long frozen = frozen_seconds();
    if (frozen < 0) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        if (out) *out = now.tv_sec;
        return now.tv_sec;
    }
    if (out) *out = (time_t)frozen;
    return (time_t)frozen;
}
