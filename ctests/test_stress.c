/* Concurrency (sesscache only: the callbacks re-enter the cache, which OpenSSL's lock forbids):
 * 2 and then 8 threads, each running real handshakes with resumption on its own socketpairs
 * against one shared server context, while also adding, removing, flushing and looking up
 * sessions; the remove callback removes and flushes, the get callback adds and answers with
 * pooled sessions (d2i copies, handed-over and lent references). A watchdog fails
 * the test if the threads stop making work_done (a deadlock). Afterwards every session is freed
 * and the counters add up. Bounded to about 2 x 4 seconds. */
#define _GNU_SOURCE
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include "check.h"
#include "tls_pair.h"

#define MAX_THREADS 8
#define POOL 64

static SSL_CTX *server, *client;
static SSL_SESSION *pool[POOL];
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_long work_done, handshakes, resumed, failures, removes_seen, answers;
static atomic_int stop;
static _Thread_local int in_remove_cb;

static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    atomic_fetch_add(&removes_seen, 1);
    if (in_remove_cb)
        return;
    in_remove_cb = 1;
    SSL_CTX_remove_session(ctx, sess);      /* re-enters; calls this callback again */
    SSL_CTX_flush_sessions(ctx, 1);         /* nothing is that old: a walk that removes nothing */
    in_remove_cb = 0;
}

/* A reference the get callback lent with *copy = 1, released at its next call on this thread. */
static _Thread_local SSL_SESSION *lent;

/* Adds a random pooled session (re-entering from inside a handshake), then answers with the
 * pooled session of this id if there is one, in one of three ways: a fresh i2d/d2i copy handed
 * over (*copy = 0, as an external cache does), the pooled object itself handed over with a
 * reference of its own (*copy = 0), or lent (*copy = 1, the library takes its own reference). */
static SSL_SESSION *get_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    SSL_SESSION_free(lent);
    lent = NULL;
    SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
    SSL_SESSION *any, *match = NULL;
    pthread_mutex_lock(&pool_lock);
    any = pool[(unsigned)rand() % POOL];
    if (any != NULL)
        SSL_SESSION_up_ref(any);
    for (int i = 0; i < POOL && match == NULL; i++) {
        unsigned int l = 0;
        const unsigned char *pid = pool[i] != NULL ? SSL_SESSION_get_id(pool[i], &l) : NULL;
        if (pid != NULL && (int)l == len && memcmp(pid, id, l) == 0) {
            match = pool[i];
            SSL_SESSION_up_ref(match);
        }
    }
    int how = rand() % 3;
    pthread_mutex_unlock(&pool_lock);
    if (any != NULL) {
        SSL_CTX_add_session(ctx, any);
        SSL_SESSION_free(any);
    }
    if (match == NULL)
        return NULL;
    atomic_fetch_add(&answers, 1);
    if (how == 0) {
        unsigned char der[4096], *w = der;
        const unsigned char *r = der;
        int n = i2d_SSL_SESSION(match, NULL) <= (int)sizeof der ? i2d_SSL_SESSION(match, &w) : 0;
        SSL_SESSION_free(match);
        *copy = 0;
        return n > 0 ? d2i_SSL_SESSION(NULL, &r, n) : NULL;
    }
    if (how == 1) {
        *copy = 0;
        return match;
    }
    lent = match;
    *copy = 1;
    return match;
}

static int new_cb(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    pthread_mutex_lock(&pool_lock);
    int slot = rand() % POOL;
    SSL_SESSION *old = pool[slot];
    pool[slot] = sess; /* keeps the reference given */
    pthread_mutex_unlock(&pool_lock);
    SSL_SESSION_free(old);
    return 1;
}

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(size_t)arg;
    SSL_SESSION *mine = NULL;
    while (!atomic_load(&stop)) {
        struct pair p = pair_new(server, client, mine);
        if (pair_handshake(&p) && pair_exchange(&p)) {
            atomic_fetch_add(&handshakes, 1);
            atomic_fetch_add(&resumed, SSL_session_reused(p.server));
        } else {
            atomic_fetch_add(&failures, 1);
        }
        SSL_SESSION_free(mine);
        mine = SSL_get1_session(p.client);
        pair_close(&p, rand_r(&seed) % 4 != 0); /* every fourth close is unclean */
        /* Cache calls from the application side, on pool sessions. */
        pthread_mutex_lock(&pool_lock);
        SSL_SESSION *s = pool[rand_r(&seed) % POOL];
        if (s != NULL)
            SSL_SESSION_up_ref(s);
        pthread_mutex_unlock(&pool_lock);
        if (s != NULL) {
            unsigned int len;
            const unsigned char *id = SSL_SESSION_get_id(s, &len);
            unsigned char copy_id[32];
            memcpy(copy_id, id, len);
            SSL *probe = SSL_new(server);
            SSL_has_matching_session_id(probe, copy_id, len);
            SSL_free(probe);
            switch (rand_r(&seed) % 4) {
            case 0: SSL_CTX_add_session(server, s); break;
            case 1: SSL_CTX_remove_session(server, s); break;
            case 2: SSL_CTX_flush_sessions(server, (long)time(NULL) - 3600); break;
            default: SSL_SESSION_set_timeout(s, 100 + rand_r(&seed) % 7200); break;
            }
            SSL_SESSION_free(s);
        }
        atomic_fetch_add(&work_done, 1);
    }
    SSL_SESSION_free(mine);
    SSL_SESSION_free(lent);
    lent = NULL;
    return NULL;
}

static void *watchdog(void *arg)
{
    (void)arg;
    long last = -1;
    int still = 0;
    while (!atomic_load(&stop)) {
        sleep(1);
        long now = atomic_load(&work_done);
        still = now == last ? still + 1 : 0;
        last = now;
        if (still >= 10) {
            printf("FAIL no work_done for 10 s: a deadlock\n");
            fflush(stdout);
            _exit(1);
        }
    }
    return NULL;
}

static void run(int threads, int seconds)
{
    long before = SSL_CTX_sess_accept_good(server);
    atomic_store(&handshakes, 0);
    atomic_store(&resumed, 0);
    atomic_store(&failures, 0);
    atomic_store(&stop, 0);
    pthread_t t[MAX_THREADS], dog;
    pthread_create(&dog, NULL, watchdog, NULL);
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, worker, (void *)(size_t)(i + 1));
    sleep((unsigned)seconds);
    atomic_store(&stop, 1);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    pthread_join(dog, NULL);
    long hs = atomic_load(&handshakes);
    printf("%d threads x %d s: %ld handshakes, %ld resumed, %ld failed, %ld remove callbacks, %ld get answers, "
           "%ld cb_hits\n",
           threads, seconds, hs, atomic_load(&resumed), atomic_load(&failures), atomic_load(&removes_seen),
           atomic_load(&answers), SSL_CTX_sess_cb_hits(server));
    CHECK(hs > 0, "%d threads: handshakes completed", threads);
    CHECK_EQ(atomic_load(&failures), 0, "no handshake failed");
    CHECK(atomic_load(&resumed) > 0, "%d threads: some handshakes resumed", threads);
    CHECK_EQ(SSL_CTX_sess_accept_good(server) - before, hs, "accept_good counted every server handshake");
    CHECK(SSL_CTX_sess_number(server) >= 0 && SSL_CTX_sess_number(server) <= 1024, "the cache stays within its bound");
}

int main(void)
{
    server = server_ctx();
    client = client_ctx();
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_sess_set_cache_size(server, 1025);
    SSL_CTX_sess_set_new_cb(server, new_cb);
    SSL_CTX_sess_set_get_cb(server, get_cb);
    SSL_CTX_sess_set_remove_cb(server, remove_cb);
    /* STRESS_SECONDS shortens the runs (under valgrind, which serialises the threads). */
    const char *env = getenv("STRESS_SECONDS");
    int seconds = env != NULL && atoi(env) > 0 ? atoi(env) : 4;
    run(2, seconds);
    run(8, seconds);
    /* The short runs under valgrind (which serialises the threads) may meet no internal miss
     * with a pooled id; the full runs always do. */
    if (seconds >= 2)
        CHECK(atomic_load(&answers) > 0, "the get callback answered with pooled sessions (%ld times)",
              atomic_load(&answers));
    long connects = SSL_CTX_sess_connect_good(client), accepts = SSL_CTX_sess_accept_good(server);
    CHECK_EQ(connects, accepts, "every completed client handshake has its server side");
    SSL_CTX_free(server);
    SSL_CTX_free(client);
    for (int i = 0; i < POOL; i++)
        SSL_SESSION_free(pool[i]);
    CHECK_EQ(sesscache_live_sessions(), 0, "every session is freed after SSL_CTX_free");
    return check_summary();
}
