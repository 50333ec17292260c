/* ex_data on SSL_CTX and SSL: index registry (0 reserved for app_data), set/get round trips,
 * the app_data macros, and when new_func / free_func run, with what, and in which order
 * relative to the SSL_CTX_free flush and to the SSL that keeps its SSL_CTX alive. */
#include <openssl/ssl.h>
#include "check.h"

/* Every callback appends one event; the checks read the log back. */
enum { EV_CTX_NEW = 1, EV_CTX_FREE, EV_SSL_NEW, EV_SSL_FREE, EV_REMOVE };
struct event {
    int kind;
    void *parent; /* the SSL_CTX / SSL, or the ctx given to the remove callback */
    void *ptr;    /* the stored value (or, for EV_REMOVE, the session) */
    int idx;
    long argl;
    void *argp;
    void *ctx_ex_seen; /* EV_REMOVE: SSL_CTX_get_ex_data(ctx, ctx_idx_a) inside the callback */
};
static struct event events[64];
static int nevents;

static int ctx_idx_a, ctx_idx_b, ctx_idx_c; /* a: new+free, b: no callbacks, c: free only */
static int ssl_idx_a, ssl_idx_b;            /* a: new+free, b: free only */
static int argp_marker;                     /* its address is the argp of ctx_idx_a */

static void record(int kind, void *parent, void *ptr, int idx, long argl, void *argp)
{
    if (nevents < (int)(sizeof events / sizeof events[0])) {
        struct event *e = &events[nevents];
        e->kind = kind;
        e->parent = parent;
        e->ptr = ptr;
        e->idx = idx;
        e->argl = argl;
        e->argp = argp;
        e->ctx_ex_seen = NULL;
    }
    nevents++;
}

static void ctx_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)ad;
    record(EV_CTX_NEW, parent, ptr, idx, argl, argp);
}
static void ctx_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)ad;
    record(EV_CTX_FREE, parent, ptr, idx, argl, argp);
}
static void ssl_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)ad;
    record(EV_SSL_NEW, parent, ptr, idx, argl, argp);
}
static void ssl_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)ad;
    record(EV_SSL_FREE, parent, ptr, idx, argl, argp);
}
static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    void *seen = SSL_CTX_get_ex_data(ctx, ctx_idx_a);
    record(EV_REMOVE, ctx, sess, 0, 0, NULL);
    if (nevents <= (int)(sizeof events / sizeof events[0]))
        events[nevents - 1].ctx_ex_seen = seen;
}

/* 1 if event i is exactly (kind, parent, ptr, idx, argl); prints why not otherwise. */
static int event_is(int i, int kind, void *parent, void *ptr, int idx, long argl)
{
    if (i >= nevents || i >= (int)(sizeof events / sizeof events[0])) {
        printf("  (event %d missing: only %d events)\n", i, nevents);
        return 0;
    }
    const struct event *e = &events[i];
    if (e->kind != kind || e->parent != parent || e->ptr != ptr || e->idx != idx || e->argl != argl) {
        printf("  (event %d is kind=%d parent=%p ptr=%p idx=%d argl=%ld; expected kind=%d parent=%p ptr=%p "
               "idx=%d argl=%ld)\n",
               i, e->kind, e->parent, e->ptr, e->idx, e->argl, kind, parent, ptr, idx, argl);
        return 0;
    }
    return 1;
}

static SSL_SESSION *make_session(unsigned char tag)
{
    unsigned char id[32];
    SSL_SESSION *s = SSL_SESSION_new();
    memset(id, tag, sizeof id);
    if (s == NULL || !SSL_SESSION_set1_id(s, id, sizeof id) || !SSL_SESSION_set_protocol_version(s, TLS1_2_VERSION)) {
        printf("FAIL could not build a session\n");
        exit(1);
    }
    return s;
}

int main(void)
{
    /* Indexes are process-global per class: register them before any object exists. */
    ctx_idx_a = SSL_CTX_get_ex_new_index(101, &argp_marker, ctx_new, NULL, ctx_free);
    ctx_idx_b = SSL_CTX_get_ex_new_index(102, NULL, NULL, NULL, NULL);
    ctx_idx_c = SSL_CTX_get_ex_new_index(103, NULL, NULL, NULL, ctx_free);
    ssl_idx_a = SSL_get_ex_new_index(201, NULL, ssl_new, NULL, ssl_free);
    ssl_idx_b = SSL_get_ex_new_index(202, NULL, NULL, NULL, ssl_free);
    CHECK(ctx_idx_a == 1 && ctx_idx_b == 2 && ctx_idx_c == 3,
          "SSL_CTX indexes must start at 1 (0 is app_data) and increase by one: got %d, %d, %d", ctx_idx_a,
          ctx_idx_b, ctx_idx_c);
    CHECK(ssl_idx_a == 1 && ssl_idx_b == 2,
          "SSL indexes are a separate class, also starting at 1: got %d, %d", ssl_idx_a, ssl_idx_b);

    /* new_func runs at SSL_CTX_new, once, for the one ctx index that has it. */
    int v1, v2, v3, v4, app1, app2;
    nevents = 0;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        printf("FAIL SSL_CTX_new returned NULL\n");
        return 1;
    }
    CHECK(nevents == 1 && event_is(0, EV_CTX_NEW, ctx, NULL, ctx_idx_a, 101),
          "SSL_CTX_new must call new_func once (ctx, ptr NULL, idx %d, argl 101); %d events", ctx_idx_a,
          nevents);
    CHECK(nevents >= 1 && events[0].argp == &argp_marker, "new_func must receive the registered argp");

    /* SSL_CTX slots. */
    void *unset = SSL_CTX_get_ex_data(ctx, ctx_idx_b);
    CHECK(unset == NULL, "an unset ctx slot must read NULL, got %p", unset);
    int r = SSL_CTX_set_ex_data(ctx, ctx_idx_b, &v1);
    void *got = SSL_CTX_get_ex_data(ctx, ctx_idx_b);
    CHECK(r == 1 && got == &v1, "ctx set/get round trip: set returned %d, get %p (expected %p)", r, got,
          (void *)&v1);
    r = SSL_CTX_set_ex_data(ctx, -1, &v2);
    got = SSL_CTX_get_ex_data(ctx, -1);
    CHECK(r == 0 && got == NULL, "negative ctx index: set must return 0 (got %d), get NULL (got %p)", r, got);
    r = SSL_CTX_set_ex_data(ctx, 100, &v2);
    got = SSL_CTX_get_ex_data(ctx, 100);
    void *got99 = SSL_CTX_get_ex_data(ctx, 99);
    CHECK(r == 1 && got == &v2 && got99 == NULL,
          "unregistered large ctx index 100: set %d, get %p (expected %p), slot 99 %p (expected NULL)", r, got,
          (void *)&v2, got99);
    r = SSL_CTX_set_app_data(ctx, &app1);
    void *app = SSL_CTX_get_app_data(ctx);
    void *slot0 = SSL_CTX_get_ex_data(ctx, 0);
    void *still = SSL_CTX_get_ex_data(ctx, ctx_idx_b);
    CHECK(r == 1 && app == &app1 && slot0 == &app1 && still == &v1,
          "SSL_CTX app_data uses slot 0 only: set %d, app %p, slot0 %p, slot %d %p (expected %p)", r, app,
          slot0, ctx_idx_b, still, (void *)&v1);

    /* SSL: new_func at SSL_new, slots, app_data. */
    nevents = 0;
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL) {
        printf("FAIL SSL_new returned NULL\n");
        return 1;
    }
    CHECK(nevents == 1 && event_is(0, EV_SSL_NEW, ssl, NULL, ssl_idx_a, 201),
          "SSL_new must call only the SSL new_func (ssl, ptr NULL, idx %d, argl 201); %d events", ssl_idx_a,
          nevents);
    unset = SSL_get_ex_data(ssl, ssl_idx_a);
    r = SSL_set_ex_data(ssl, ssl_idx_a, &v3);
    got = SSL_get_ex_data(ssl, ssl_idx_a);
    CHECK(unset == NULL && r == 1 && got == &v3, "SSL slot: unset %p, set %d, get %p (expected %p)", unset, r,
          got, (void *)&v3);
    r = SSL_set_ex_data(ssl, -5, &v4);
    got = SSL_get_ex_data(ssl, -5);
    CHECK(r == 0 && got == NULL, "negative SSL index: set must return 0 (got %d), get NULL (got %p)", r, got);
    r = SSL_set_ex_data(ssl, 100, &v4);
    got = SSL_get_ex_data(ssl, 100);
    CHECK(r == 1 && got == &v4, "large SSL index 100: set %d, get %p (expected %p)", r, got, (void *)&v4);
    r = SSL_set_app_data(ssl, &app2);
    app = SSL_get_app_data(ssl);
    slot0 = SSL_get_ex_data(ssl, 0);
    still = SSL_get_ex_data(ssl, ssl_idx_a);
    void *ctx_app = SSL_CTX_get_app_data(ctx);
    CHECK(r == 1 && app == &app2 && slot0 == &app2 && still == &v3 && ctx_app == &app1,
          "SSL app_data uses the SSL's slot 0 only: set %d, app %p, slot0 %p, slot %d %p, ctx app %p", r, app,
          slot0, ssl_idx_a, still, ctx_app);

    /* An SSL holds its SSL_CTX: SSL_CTX_free now runs no ctx free_func. */
    r = SSL_CTX_set_ex_data(ctx, ctx_idx_a, &v2);
    nevents = 0;
    SSL_CTX_free(ctx);
    CHECK_EQ(nevents, 0, "callbacks at SSL_CTX_free while an SSL still holds the ctx");
    SSL_CTX *held = SSL_get_SSL_CTX(ssl);
    got = SSL_CTX_get_ex_data(held, ctx_idx_a);
    CHECK(held == ctx && got == &v2, "the ctx must stay alive with its ex_data: ctx %p (expected %p), slot %p",
          (void *)held, (void *)ctx, got);

    /* The last SSL_free: the SSL's free_funcs in index order, then the ctx's. */
    SSL_free(ssl);
    CHECK(nevents == 4, "SSL_free of the last SSL: 2 SSL free_funcs + 2 ctx free_funcs expected, got %d events",
          nevents);
    CHECK(event_is(0, EV_SSL_FREE, ssl, &v3, ssl_idx_a, 201) && event_is(1, EV_SSL_FREE, ssl, NULL, ssl_idx_b, 202),
          "SSL free_funcs: index order, with the stored value (NULL if unset) and argl");
    CHECK(event_is(2, EV_CTX_FREE, ctx, &v2, ctx_idx_a, 101) && event_is(3, EV_CTX_FREE, ctx, NULL, ctx_idx_c, 103),
          "ctx free_funcs must run at the last SSL_free, after the SSL's, in index order with value and argl");
    CHECK(nevents >= 3 && events[2].argp == &argp_marker, "free_func must receive the registered argp");

    /* A ctx on its own: the last SSL_CTX_free flushes the cache (remove callback, which still
     * sees the ex_data) before the free_funcs run. */
    SSL_CTX *ctx2 = SSL_CTX_new(TLS_server_method());
    SSL_SESSION *sess = make_session(7);
    if (ctx2 == NULL) {
        printf("FAIL SSL_CTX_new returned NULL\n");
        return 1;
    }
    SSL_CTX_sess_set_remove_cb(ctx2, remove_cb);
    SSL_CTX_set_ex_data(ctx2, ctx_idx_a, &v1);
    SSL_CTX_set_ex_data(ctx2, ctx_idx_c, &v4);
    r = SSL_CTX_add_session(ctx2, sess);
    CHECK_EQ(r, 1, "SSL_CTX_add_session of a new session");
    SSL_CTX_up_ref(ctx2);
    nevents = 0;
    SSL_CTX_free(ctx2);
    CHECK_EQ(nevents, 0, "callbacks at a SSL_CTX_free that is not the last reference");
    SSL_CTX_free(ctx2);
    CHECK(nevents == 3, "the last SSL_CTX_free: 1 remove callback + 2 free_funcs expected, got %d events",
          nevents);
    CHECK(event_is(0, EV_REMOVE, ctx2, sess, 0, 0),
          "the remove callback (flush of the cached session) must come before the ex_data free_funcs");
    CHECK(nevents >= 1 && events[0].ctx_ex_seen == &v1,
          "the remove callback must still read the ctx ex_data: got %p, expected %p",
          nevents >= 1 ? events[0].ctx_ex_seen : NULL, (void *)&v1);
    CHECK(event_is(1, EV_CTX_FREE, ctx2, &v1, ctx_idx_a, 101) && event_is(2, EV_CTX_FREE, ctx2, &v4, ctx_idx_c, 103),
          "ctx free_funcs after the flush, in index order, each with its stored value and argl");

    SSL_SESSION_free(sess);
    return check_summary();
}
