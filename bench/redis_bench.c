/*
 * redis_bench.c — resumed handshakes per second with the farm-wide Redis session cache
 * (examples/redis_cache/, through the new/get/remove callbacks) against the library's internal
 * cache, in one process over socketpairs (ctests/tls_pair.h), the server and the client in this
 * thread. Redis must be running on 127.0.0.1 (`make bench-redis` starts one on a free port).
 *
 *   redis_bench [-n N] PORT
 *
 * Prints one line per measurement, "<name> <ops/s>", the fastest of 3 runs of N handshakes:
 *   internal_resumed_tls12, redis_resumed_tls12   TLS 1.2 session ids (SSL_OP_NO_TICKET)
 *   internal_resumed_tls13, redis_resumed_tls13   TLS 1.3 stateful tickets (SSL_OP_NO_TICKET;
 *                                                 each resumption also stores its new ticket)
 * and the Redis module's counters on stderr.
 */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../ctests/tls_pair.h"
#include "redis_cache/redis_cache.h"

#define RUNS 3

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One connection; 1 if it completed (and, with `resumed`, whether the server resumed). */
static int connection(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION **sess, int tls13, int *resumed)
{
    struct pair p = pair_new(sctx, cctx, *sess);
    int ok = pair_handshake(&p) && (!tls13 || pair_exchange(&p)); /* TLS 1.3: tickets included */
    if (ok) {
        *resumed = SSL_session_reused(p.server);
        SSL_SESSION_free(*sess);
        *sess = SSL_get1_session(p.client);
    }
    pair_close(&p, 1);
    return ok;
}

/* Resumed handshakes per second, best of RUNS runs of n; 0 if resumption did not happen. */
static double resumed_per_second(SSL_CTX *sctx, int tls13, long n)
{
    SSL_CTX *cctx = client_ctx();
    SSL_SESSION *sess = NULL;
    double best = 0;
    int resumed = 0;
    if (!connection(sctx, cctx, &sess, tls13, &resumed)) { /* the first session: a full handshake */
        fprintf(stderr, "redis_bench: handshake failed\n");
        exit(1);
    }
    for (int run = 0; run < RUNS; run++) {
        long hits = 0;
        double t0 = seconds();
        for (long i = 0; i < n; i++) {
            if (!connection(sctx, cctx, &sess, tls13, &resumed)) {
                fprintf(stderr, "redis_bench: handshake failed\n");
                exit(1);
            }
            hits += resumed;
        }
        double rate = (double)n / (seconds() - t0);
        if (hits != n) {
            fprintf(stderr, "redis_bench: only %ld of %ld handshakes resumed\n", hits, n);
            rate = 0;
        }
        if (rate > best)
            best = rate;
    }
    SSL_SESSION_free(sess);
    SSL_CTX_free(cctx);
    return best;
}

static SSL_CTX *server(int tls13, struct redis_cache *rc)
{
    SSL_CTX *ctx = server_ctx();
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET); /* session ids / stateful tickets: the cache */
    if (!tls13)
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    if (rc != NULL && !redis_cache_attach(rc, ctx)) {
        fprintf(stderr, "redis_bench: cannot attach the Redis cache\n");
        exit(1);
    }
    return ctx;
}

int main(int argc, char **argv)
{
    long n = 2000;
    int port = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = atol(argv[++i]);
        else
            port = atoi(argv[i]);
    }
    if (port <= 0 || n <= 0) {
        fprintf(stderr, "usage: %s [-n N] PORT   (a redis-server listening on 127.0.0.1:PORT)\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    static const unsigned char sid_ctx[] = "redis-bench";
    struct redis_cache_options o = { .host = "127.0.0.1", .port = port, .sid_ctx = sid_ctx,
                                     .sid_ctx_len = sizeof sid_ctx - 1, .prefix = "bench:sess:" };
    struct redis_cache *rc = redis_cache_new(&o);
    if (rc == NULL)
        return 1;
    int status = 0;
    for (int tls13 = 0; tls13 <= 1; tls13++) {
        const char *version = tls13 ? "tls13" : "tls12";
        SSL_CTX *internal = server(tls13, NULL), *redis = server(tls13, rc);
        double a = resumed_per_second(internal, tls13, n);
        printf("internal_resumed_%s %.0f\n", version, a);
        fflush(stdout);
        double b = resumed_per_second(redis, tls13, n);
        printf("redis_resumed_%s %.0f\n", version, b);
        fflush(stdout);
        status |= a == 0 || b == 0;
        SSL_CTX_free(internal);
        SSL_CTX_free(redis);
    }
    struct redis_cache_stats st;
    redis_cache_get_stats(rc, &st);
    fprintf(stderr, "redis cache: gets=%lu hits=%lu misses=%lu sets=%lu dels=%lu errors=%lu connects=%lu\n", st.gets,
            st.hits, st.misses, st.sets, st.dels, st.errors, st.connects);
    status |= st.errors != 0;
    redis_cache_free(rc);
    return status;
}
