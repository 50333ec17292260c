/*
 * bench.c — the session cache's hot operations, timed. The same source is built against the
 * system OpenSSL and against sesscache (bench/run.sh runs both in one go and reports ratios).
 * Each line printed: "op<TAB>name<TAB>ns_per_op<TAB>ops_per_s" or "mem<TAB>name<TAB>bytes".
 *
 *   bench [quick]   (quick: smaller N, for a smoke run)
 *   bench keys      the measurement keys, for BENCH_ONLY=key
 *   bench mem N     bytes of resident memory per cached session, N sessions
 */
#define _GNU_SOURCE
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../ctests/tls_pair.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Each cache measurement runs REPEAT times and the fastest run is reported: this machine's
 * timings wander between runs, and the fastest is the one least disturbed. */
#define REPEAT 3
static double best_per_op = 0;
static const char *best_name = "";
static int repeating = 0;

static void report(const char *name, double ns_total, long ops)
{
    double per = ns_total / (double)ops;
    if (repeating) {
        if (best_per_op == 0 || per < best_per_op)
            best_per_op = per;
        best_name = name;
        return;
    }
    printf("op\t%s\t%.1f\t%.0f\n", name, per, 1e9 / per);
    fflush(stdout);
}

/* Runs a measurement REPEAT times, printing only its fastest run. */
#define BEST_OF(call)                                                              \
    do {                                                                           \
        best_per_op = 0;                                                           \
        repeating = 1;                                                             \
        for (int rep_ = 0; rep_ < REPEAT; rep_++)                                  \
            call;                                                                  \
        repeating = 0;                                                             \
        printf("op\t%s\t%.1f\t%.0f\n", best_name, best_per_op, 1e9 / best_per_op); \
        fflush(stdout);                                                            \
    } while (0)

static long rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * sysconf(_SC_PAGESIZE);
}

/* Session i: a 32-byte id derived from i, TLS 1.3 (what a fresh SSL matches), time t, timeout. */
static SSL_SESSION *make(long i, long t, long timeout)
{
    unsigned char id[32];
    unsigned long x = (unsigned long)i * 0x9E3779B97F4A7C15UL + 1;
    for (int k = 0; k < 32; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        id[k] = (unsigned char)x;
    }
    memcpy(id + 24, &i, sizeof i);
    SSL_SESSION *s = SSL_SESSION_new();
    SSL_SESSION_set1_id(s, id, 32);
    SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION);
    SSL_SESSION_set_time(s, t);
    SSL_SESSION_set_timeout(s, timeout);
    return s;
}

static SSL_SESSION **make_all(long n, long t, int mixed)
{
    SSL_SESSION **v = malloc(sizeof *v * (size_t)n);
    for (long i = 0; i < n; i++)
        v[i] = make(i, t, mixed ? 100 + (i * 7919) % 7200 : 7200);
    return v;
}

static void free_all(SSL_SESSION **v, long n)
{
    for (long i = 0; i < n; i++)
        SSL_SESSION_free(v[i]);
    free(v);
}

static SSL_CTX *cache_ctx(long size)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_sess_set_cache_size(ctx, size);
    return ctx;
}

/* Adds stop after this long: OpenSSL's insert walks its list when timeouts differ, so a million
 * mixed-timeout adds would take hours there. The time per add is then that of the adds done
 * (which favours the slower library: its later adds cost more). */
static const double ADD_BUDGET_NS = 60e9;

static void bench_add(const char *name, long n, long size, int mixed)
{
    SSL_SESSION **v = make_all(n, (long)time(NULL), mixed);
    SSL_CTX *ctx = cache_ctx(size);
    double t0 = now_ns(), elapsed = 0;
    long done = 0;
    while (done < n) {
        SSL_CTX_add_session(ctx, v[done++]);
        if ((done & 1023) == 0 && (elapsed = now_ns() - t0) > ADD_BUDGET_NS)
            break;
    }
    elapsed = now_ns() - t0;
    if (done < n) {
        char label[160];
        snprintf(label, sizeof label, "%s [stopped after %ld adds, 60 s]", name, done);
        report(label, elapsed, done);
    } else {
        report(name, elapsed, done);
    }
    SSL_CTX_free(ctx);
    free_all(v, n);
}

struct lookup_job {
    SSL_CTX *ctx;
    const unsigned char (*ids)[32];
    long n, rounds, start;
    long found;
};

/* Looks up ids as a server sees them: bytes from the network, not session objects. */
static void *lookup_worker(void *arg)
{
    struct lookup_job *j = arg;
    SSL *ssl = SSL_new(j->ctx);
    long found = 0;
    /* Each thread starts at its own place: servers' threads serve different clients. */
    for (long r = 0; r < j->rounds; r++)
        for (long k = 0; k < j->n; k++) {
            long i = (k + j->start) % j->n;
            found += SSL_has_matching_session_id(ssl, j->ids[i], 32);
        }
    j->found = found;
    SSL_free(ssl);
    return NULL;
}

static void bench_lookup(const char *name, long n, long rounds, int threads, int miss)
{
    SSL_SESSION **v = make_all(n, (long)time(NULL), 0);
    SSL_CTX *ctx = cache_ctx(0);
    for (long i = 0; i < n; i++)
        SSL_CTX_add_session(ctx, v[i]);
    unsigned char (*ids)[32] = malloc(sizeof *ids * (size_t)n);
    for (long i = 0; i < n; i++) {
        unsigned int len;
        memcpy(ids[i], SSL_SESSION_get_id(v[i], &len), 32);
        if (miss)
            ids[i][0] ^= 0xff;
    }
    pthread_t tid[8];
    struct lookup_job jobs[8];
    double t0 = now_ns();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (struct lookup_job){ ctx, (const unsigned char (*)[32])ids, n, rounds, n * t / threads, 0 };
        pthread_create(&tid[t], NULL, lookup_worker, &jobs[t]);
    }
    long found = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        found += jobs[t].found;
    }
    double elapsed = now_ns() - t0;
    if (found != (miss ? 0 : n * rounds * threads))
        fprintf(stderr, "%s: unexpected lookup result %ld\n", name, found);
    /* Throughput of all threads together: time per lookup across the process. */
    report(name, elapsed, n * rounds * threads);
    free(ids);
    SSL_CTX_free(ctx);
    free_all(v, n);
}

static void bench_remove(const char *name, long n)
{
    SSL_SESSION **v = make_all(n, (long)time(NULL), 1);
    SSL_CTX *ctx = cache_ctx(0);
    for (long i = 0; i < n; i++)
        SSL_CTX_add_session(ctx, v[i]);
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        SSL_CTX_remove_session(ctx, v[i]);
    report(name, now_ns() - t0, n);
    SSL_CTX_free(ctx);
    free_all(v, n);
}

/* Flush with `percent` of n sessions expired; reports time per removed session. */
static void bench_flush(const char *name, long n, int percent)
{
    long t = (long)time(NULL);
    SSL_SESSION **v = malloc(sizeof *v * (size_t)n);
    long expired = n * percent / 100;
    for (long i = 0; i < n; i++)
        v[i] = make(i, i < expired ? t - 20000 : t, 7200);
    SSL_CTX *ctx = cache_ctx(0);
    for (long i = 0; i < n; i++)
        SSL_CTX_add_session(ctx, v[i]);
    double t0 = now_ns();
    SSL_CTX_flush_sessions(ctx, t);
    double elapsed = now_ns() - t0;
    if (SSL_CTX_sess_number(ctx) != n - expired)
        fprintf(stderr, "%s: %ld left, expected %ld\n", name, SSL_CTX_sess_number(ctx), n - expired);
    report(name, elapsed, expired > 0 ? expired : 1);
    SSL_CTX_free(ctx);
    free_all(v, n);
}

static void bench_memory(long n)
{
    long before = rss_bytes();
    SSL_CTX *ctx = cache_ctx(0);
    long t = (long)time(NULL);
    for (long i = 0; i < n; i++) {
        SSL_SESSION *s = make(i, t, 7200);
        SSL_CTX_add_session(ctx, s);
        SSL_SESSION_free(s);
    }
    long after = rss_bytes();
    printf("mem\tbytes per cached session (N=%ld)\t%ld\n", n, (after - before) / n);
    fflush(stdout);
    SSL_CTX_free(ctx);
}

/* Handshakes over socketpairs in this thread. */
static SSL_CTX *bench_server;
static unsigned char der_store[4096];
static int der_len;

static int store_new_cb(SSL *ssl, SSL_SESSION *s)
{
    (void)ssl;
    int n = i2d_SSL_SESSION(s, NULL);
    if (n > 0 && n <= (int)sizeof der_store) {
        unsigned char *p = der_store;
        der_len = i2d_SSL_SESSION(s, &p);
    }
    return 0;
}

static SSL_SESSION *d2i_get_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    (void)ssl;
    (void)id;
    (void)len;
    const unsigned char *p = der_store;
    *copy = 0;
    return der_len > 0 ? d2i_SSL_SESSION(NULL, &p, der_len) : NULL;
}

static void bench_handshakes(const char *name, int tls13, int resume, int external, long n)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    bench_server = sctx;
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    if (!tls13)
        SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION);
    if (external) {
        SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
        SSL_CTX_sess_set_new_cb(sctx, store_new_cb);
        SSL_CTX_sess_set_get_cb(sctx, d2i_get_cb);
    }
    SSL_SESSION *sess = NULL;
    long resumed = 0;
    double total = 0;
    for (long i = 0; i <= n; i++) {
        struct pair p = pair_new(sctx, cctx, resume ? sess : NULL);
        double t0 = now_ns();
        int ok = pair_handshake(&p);
        if (tls13)
            ok = ok && pair_exchange(&p); /* the tickets are part of the cost */
        double t1 = now_ns();
        if (!ok) {
            fprintf(stderr, "%s: handshake failed\n", name);
            exit(1);
        }
        if (i > 0) { /* connection 0 makes the first session */
            total += t1 - t0;
            resumed += SSL_session_reused(p.server);
        }
        SSL_SESSION_free(sess);
        sess = SSL_get1_session(p.client);
        pair_close(&p, 1);
    }
    if (resume && resumed != n)
        fprintf(stderr, "%s: only %ld of %ld resumed\n", name, resumed, n);
    report(name, total, n);
    SSL_SESSION_free(sess);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/* BENCH_ONLY=key runs only the measurements whose key (first argument of RUN) contains it;
 * `bench keys` lists the keys, one a line (bench/run.sh runs them one by one, alternating the
 * two libraries). */
static int listing_keys;

static int wanted(const char *key)
{
    if (listing_keys) {
        printf("%s\n", key);
        return 0;
    }
    const char *only = getenv("BENCH_ONLY");
    return only == NULL || strstr(key, only) != NULL;
}

#define RUN(key, call)      \
    do {                    \
        if (wanted(key))    \
            call;           \
    } while (0)

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "mem") == 0) {
        /* A process of its own: freed memory from other runs would hide the growth. */
        bench_memory(atol(argv[2]));
        return 0;
    }
    listing_keys = argc > 1 && strcmp(argv[1], "keys") == 0;
    int quick = argc > 1 && strcmp(argv[1], "quick") == 0;
    long big = quick ? 100000 : 1000000, hs = quick ? 50 : 400, rounds = quick ? 20 : 100;
    char name[128];
#define BIG(text) (snprintf(name, sizeof name, text, big), name)
    RUN("add 20480 same", BEST_OF(bench_add("add 20480 new sessions (size 20480, same timeout)", 20480, 20480, 0)));
    RUN("add 20480 mixed", BEST_OF(bench_add("add 20480 new sessions (size 20480, mixed timeouts)", 20480, 20480, 1)));
    RUN("add big same", bench_add(BIG("add %ld new sessions (size 0, same timeout)"), big, 0, 0));
    RUN("add big mixed", bench_add(BIG("add %ld new sessions (size 0, mixed timeouts)"), big, 0, 1));
    RUN("lookup hit 1", BEST_OF(bench_lookup("lookup hit, 1 thread", 20480, rounds, 1, 0)));
    RUN("lookup miss 1", BEST_OF(bench_lookup("lookup miss, 1 thread", 20480, rounds, 1, 1)));
    RUN("lookup hit 2", BEST_OF(bench_lookup("lookup hit, 2 threads", 20480, rounds, 2, 0)));
    RUN("lookup miss 2", BEST_OF(bench_lookup("lookup miss, 2 threads", 20480, rounds, 2, 1)));
    RUN("remove", BEST_OF(bench_remove("remove 20480 sessions", 20480)));
    RUN("flush 1% small", BEST_OF(bench_flush("flush 1% expired of 20480 (per removed)", 20480, 1)));
    RUN("flush 10% small", BEST_OF(bench_flush("flush 10% expired of 20480 (per removed)", 20480, 10)));
    RUN("flush 100% small", BEST_OF(bench_flush("flush 100% expired of 20480 (per removed)", 20480, 100)));
    RUN("flush 1% big", BEST_OF(bench_flush(BIG("flush 1%% expired of %ld (per removed)"), big, 1)));
    RUN("flush 10% big", BEST_OF(bench_flush(BIG("flush 10%% expired of %ld (per removed)"), big, 10)));
    RUN("flush 100% big", BEST_OF(bench_flush(BIG("flush 100%% expired of %ld (per removed)"), big, 100)));
    RUN("TLS 1.2 full", bench_handshakes("TLS 1.2 full handshake", 0, 0, 0, hs));
    RUN("TLS 1.2 resumed internal", bench_handshakes("TLS 1.2 resumed (internal cache)", 0, 1, 0, hs));
    RUN("TLS 1.2 resumed callback", bench_handshakes("TLS 1.2 resumed (get callback, d2i)", 0, 1, 1, hs));
    RUN("TLS 1.3 resumed internal", bench_handshakes("TLS 1.3 resumed (internal cache)", 1, 1, 0, hs));
    RUN("TLS 1.3 resumed callback", bench_handshakes("TLS 1.3 resumed (get callback, d2i)", 1, 1, 1, hs));
    return 0;
}
