/*
 * The journal's floor: a C loop sending, through sd_journal_sendv, entries of the shape of
 * dialgated's decision entries (decision-entry.txt beside this file: the 19 fields of a
 * `CHECK 0199000010 campaign=fibre-promo` answered `DENY internal-optout`, 967 bytes), one
 * after the other from one thread, as the daemon's audit writer thread does. What changes from
 * one entry to the next changes as in the daemon: the sequence number, the instant (ms), and
 * the number (four numbers in turn: pseudonym, message, peer pid), so journald deduplicates
 * no more and no less than it does for the daemon.
 *
 * Its MESSAGE_ID is its own (not a decision's), so `dialgate audit verify` and the daemon's
 * read-back never count these entries; DIALGATE_RUN is a fresh random id, so a reader can count
 * exactly this run's entries:  journalctl DIALGATE_RUN=<run> -o cat | wc -l
 *
 *   journal-loop ENTRIES        prints: journal-loop entries=N failed=F seconds=S entries_per_s=R run=ID
 *
 * Built by Benchmarks/run: cc -O2 -o journal-loop journal-loop.c $(pkg-config --libs libsystemd)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#define FIELD(text) {.iov_base = (void *)(text), .iov_len = sizeof(text) - 1}

int main(int argc, char **argv) {
    if (argc != 2 || atol(argv[1]) <= 0) {
        fprintf(stderr, "usage: %s ENTRIES\n", argv[0]);
        return 2;
    }
    long entries = atol(argv[1]);
    unsigned char random[16];
    if (getrandom(random, sizeof random, 0) != sizeof random) return 1;
    char run[33];
    for (int i = 0; i < 16; i++) sprintf(run + 2 * i, "%02x", random[i]);

    static const char *hmacs[4] = {
        "3a5ea59aa99896c57fda3fe5a295ad18", "8c1f4e0b27d94a5fb3e6d1a0c95b7e42",
        "d04b9e7a61c2f8358e0d4b7a2f96c1e3", "57a2c8e1f04d9b36a7e5c2d81b0f4a69"};
    char run_field[64], seq_field[48], at_field[64], message_field[160], hmac_field[64], facts_field[256], pid_field[48];
    snprintf(run_field, sizeof run_field, "DIALGATE_RUN=%s", run);

    struct iovec fields[19] = {
        FIELD("PRIORITY=6"),
        FIELD("SYSLOG_IDENTIFIER=dialgate-journal-loop"),
        FIELD("DIALGATE_PEER_UID=0"),
        FIELD("DIALGATE_PEER_GID=0"),
        {0}, /* 4: DIALGATE_SEQ */
        FIELD("MESSAGE_ID=5b1e0c93d4f74a2e8f6a0b7c1d2e3f40"),
        FIELD("DIALGATE_VERDICT=DENY"),
        FIELD("DIALGATE_REGIME=opt-in"),
        FIELD("DIALGATE_CAMPAIGN=fibre-promo"),
        FIELD("DIALGATE_SNAPSHOT=e34abb9cc3ed5ef1"),
        FIELD("DIALGATE_LISTS_ASOF=bloctel_registered_asof=2026-11-02 bloctel_cleared_asof=2026-11-02 "
              "operator_optout_asof=2026-10-15 internal_optout_asof=2026-11-20 consents_asof=2026-11-25 "
              "contracts_asof=2026-11-25 b2b_contacts_asof=2026-11-25 bloctel_cleared_oldest_asof=2026-07-06"),
        FIELD("DIALGATE_REASON=internal-optout"),
        FIELD("DIALGATE_RULE=RGPD art. 21"),
        {.iov_base = run_field, .iov_len = 0}, /* 13: DIALGATE_RUN */
        {0}, /* 14: MESSAGE */
        {0}, /* 15: DIALGATE_NUMBER_HMAC */
        {0}, /* 16: DIALGATE_AT */
        {0}, /* 17: DIALGATE_FACTS */
        {0}, /* 18: DIALGATE_PEER_PID */
    };
    fields[13].iov_len = strlen(run_field);

    long failed = 0;
    double start = now_seconds();
    for (long i = 0; i < entries; i++) {
        int n = (int)(i % 4);
        struct timespec real;
        clock_gettime(CLOCK_REALTIME, &real);
        struct tm tm;
        gmtime_r(&real.tv_sec, &tm);
        char local[32];
        strftime(local, sizeof local, "%Y-%m-%dT%H:%M", &tm);
        fields[4].iov_len = (size_t)snprintf(seq_field, sizeof seq_field, "DIALGATE_SEQ=%ld", i + 1);
        fields[4].iov_base = seq_field;
        fields[14].iov_len = (size_t)snprintf(message_field, sizeof message_field,
            "MESSAGE=DENY internal-optout: number %s, campaign fibre-promo", hmacs[n]);
        fields[14].iov_base = message_field;
        fields[15].iov_len = (size_t)snprintf(hmac_field, sizeof hmac_field, "DIALGATE_NUMBER_HMAC=%s", hmacs[n]);
        fields[15].iov_base = hmac_field;
        fields[16].iov_len = (size_t)snprintf(at_field, sizeof at_field, "DIALGATE_AT=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, real.tv_nsec / 1000000);
        fields[16].iov_base = at_field;
        fields[17].iov_len = (size_t)snprintf(facts_field, sizeof facts_field,
            "DIALGATE_FACTS=regime=opt-in regime_source=date territory=metropolitan-france tz=Europe/Paris "
            "local=%s optout_source=list:internal-optout.txt", local);
        fields[17].iov_base = facts_field;
        fields[18].iov_len = (size_t)snprintf(pid_field, sizeof pid_field, "DIALGATE_PEER_PID=%d", 31558 + n);
        fields[18].iov_base = pid_field;
        if (sd_journal_sendv(fields, 19) < 0) failed++;
    }
    double seconds = now_seconds() - start;
    printf("journal-loop entries=%ld failed=%ld seconds=%.3f entries_per_s=%.0f run=%s\n",
        entries - failed, failed, seconds, (double)(entries - failed) / seconds, run);
    return failed ? 1 : 0;
}
