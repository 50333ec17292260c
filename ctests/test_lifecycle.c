/* SSL and SSL_CTX lifecycles without handshakes: SSL_new/SSL_free, SSL_set_session and the
 * session getters (borrowed vs. new reference), SSL_clear, shutdown flags, SSL_CTX reference
 * counting (the flush happens at the last reference, which an SSL holds), the session id
 * context setters, and the method singletons. */
#include <openssl/ssl.h>
#include "check.h"

#include <time.h>

static int removed;
static SSL_SESSION *removed_sess;
static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    removed++;
    removed_sess = sess;
}

static SSL_SESSION *make_session(unsigned char tag)
{
    unsigned char id[32];
    SSL_SESSION *s = SSL_SESSION_new();
    if (s == NULL) {
        printf("FAIL SSL_SESSION_new returned NULL\n");
        exit(1);
    }
    memset(id, tag, sizeof id);
    if (!SSL_SESSION_set1_id(s, id, sizeof id) || !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)
        || !SSL_SESSION_set_timeout(s, 1000 + tag)) {
        printf("FAIL could not build a session\n");
        exit(1);
    }
    SSL_SESSION_set_time(s, (long)time(NULL));
    return s;
}

static int matches(SSL *ssl, unsigned char tag)
{
    unsigned char id[32];
    memset(id, tag, sizeof id);
    return SSL_has_matching_session_id(ssl, id, sizeof id);
}

int main(void)
{
    int r;
    long n;

    /* Methods are singletons; server and general-purpose methods differ. */
    const SSL_METHOD *m1 = TLS_method(), *m2 = TLS_method();
    const SSL_METHOD *ms = TLS_server_method(), *mc = TLS_client_method();
    CHECK(m1 != NULL && m1 == m2, "TLS_method() must return the same non-NULL pointer twice (%p, %p)",
          (const void *)m1, (const void *)m2);
    CHECK(ms != NULL && ms != m1 && mc != NULL && mc != m1 && mc != ms,
          "TLS_server_method (%p), TLS_client_method (%p) and TLS_method (%p) must be distinct",
          (const void *)ms, (const void *)mc, (const void *)m1);
    SSL_CTX *nctx = SSL_CTX_new(NULL);
    CHECK(nctx == NULL, "SSL_CTX_new(NULL) must return NULL, got %p", (void *)nctx);
    SSL_CTX_free(nctx);

    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    CHECK(ctx != NULL, "SSL_CTX_new failed");
    SSL_CTX_sess_set_remove_cb(ctx, remove_cb);

    /* A fresh SSL. */
    SSL *ssl = SSL_new(ctx);
    CHECK(ssl != NULL, "SSL_new failed");
    SSL_CTX *got_ctx = SSL_get_SSL_CTX(ssl);
    CHECK(got_ctx == ctx, "SSL_get_SSL_CTX returned %p, expected %p", (void *)got_ctx, (void *)ctx);
    SSL_SESSION *cur = SSL_get_session(ssl);
    CHECK(cur == NULL, "a fresh SSL has no session, got %p", (void *)cur);
    r = SSL_session_reused(ssl);
    CHECK_EQ(r, 0, "SSL_session_reused before a handshake");
    SSL_free(ssl);

    /* SSL_set_session and the getters. */
    SSL_SESSION *a = make_session(0x11), *b = make_session(0x22);
    r = SSL_CTX_add_session(ctx, a);
    CHECK_EQ(r, 1, "add of session a");
    ssl = SSL_new(ctx);
    r = SSL_set_session(ssl, a);
    CHECK_EQ(r, 1, "SSL_set_session(ssl, a)");
    SSL_SESSION *g = SSL_get_session(ssl), *g0 = SSL_get0_session(ssl);
    CHECK(g == a && g0 == a, "SSL_get_session/SSL_get0_session must return the borrowed pointer %p, got %p/%p",
          (void *)a, (void *)g, (void *)g0);
    r = SSL_cache_hit(ssl);
    CHECK_EQ(r, 0, "SSL_cache_hit before a handshake");

    /* Replacing the session of an SSL that never handshook invalidates nothing. */
    removed = 0;
    r = SSL_set_session(ssl, b);
    g = SSL_get_session(ssl);
    CHECK(r == 1 && g == b, "SSL_set_session(ssl, b) returned %d and get_session gives %p (b is %p)", r,
          (void *)g, (void *)b);
    CHECK_EQ(removed, 0, "remove callback calls when replacing the session of a fresh SSL");
    r = SSL_SESSION_is_resumable(a);
    CHECK_EQ(r, 1, "the replaced session stays resumable");
    r = matches(ssl, 0x11);
    CHECK_EQ(r, 1, "the replaced session stays cached");

    /* SSL_clear on an SSL that never handshook keeps its session; it resets the shutdown flags. */
    SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    r = SSL_clear(ssl);
    g = SSL_get_session(ssl);
    CHECK(r == 1 && g == b, "SSL_clear on a fresh SSL returned %d, session %p afterwards (expected 1, %p)", r,
          (void *)g, (void *)b);
    int sh = SSL_get_shutdown(ssl);
    CHECK_EQ(sh, 0, "shutdown flags after SSL_clear");
    CHECK_EQ(removed, 0, "remove callback calls during SSL_clear of a fresh SSL");

    /* NULL clears the session. */
    r = SSL_set_session(ssl, NULL);
    g = SSL_get_session(ssl);
    CHECK(r == 1 && g == NULL, "SSL_set_session(ssl, NULL) returned %d, session %p (expected 1, NULL)", r,
          (void *)g);

    /* SSL_get1_session: a reference of its own that outlives the SSL. */
    SSL_set_session(ssl, a);
    SSL_SESSION *held = SSL_get1_session(ssl);
    CHECK(held == a, "SSL_get1_session returned %p, expected %p", (void *)held, (void *)a);
    removed = 0;
    SSL_free(ssl);
    CHECK_EQ(removed, 0, "remove callback calls at SSL_free of an SSL that never handshook");
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 1, "SSL_free of an SSL that never handshook removes nothing from the cache");
    r = SSL_SESSION_is_resumable(a);
    CHECK_EQ(r, 1, "the session stays resumable after SSL_free of an SSL that never handshook");
    SSL_SESSION_free(held);

    /* A session held only by an SSL: the app's handle is gone, the SSL's reference keeps it. */
    SSL_SESSION *only = make_session(0x33);
    ssl = SSL_new(ctx);
    SSL_set_session(ssl, only);
    SSL_SESSION_free(only);
    unsigned int len = 0;
    const unsigned char *idp = SSL_SESSION_get_id(SSL_get_session(ssl), &len);
    CHECK(len == 32 && idp[0] == 0x33, "the SSL's reference keeps the session alive (id length %u)", len);
    SSL_free(ssl);

    /* Shutdown flags and quiet shutdown are stored as given. */
    ssl = SSL_new(ctx);
    SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN);
    sh = SSL_get_shutdown(ssl);
    CHECK_EQ(sh, SSL_SENT_SHUTDOWN, "get_shutdown after set_shutdown(SENT)");
    SSL_set_shutdown(ssl, SSL_RECEIVED_SHUTDOWN);
    sh = SSL_get_shutdown(ssl);
    CHECK_EQ(sh, SSL_RECEIVED_SHUTDOWN, "set_shutdown replaces the flags (RECEIVED after SENT)");
    SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    sh = SSL_get_shutdown(ssl);
    CHECK_EQ(sh, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN, "get_shutdown after set_shutdown(both)");
    SSL_set_shutdown(ssl, 0);
    sh = SSL_get_shutdown(ssl);
    CHECK_EQ(sh, 0, "get_shutdown after set_shutdown(0)");
    int q = SSL_get_quiet_shutdown(ssl);
    CHECK_EQ(q, 0, "quiet shutdown of a fresh SSL");
    SSL_set_quiet_shutdown(ssl, 1);
    q = SSL_get_quiet_shutdown(ssl);
    CHECK_EQ(q, 1, "get_quiet_shutdown after set_quiet_shutdown(1)");
    SSL_set_quiet_shutdown(ssl, 0);
    q = SSL_get_quiet_shutdown(ssl);
    CHECK_EQ(q, 0, "get_quiet_shutdown after set_quiet_shutdown(0)");

    /* Session id contexts: 32 bytes accepted, 33 rejected. */
    unsigned char sid_ctx[33];
    memset(sid_ctx, 0x5A, sizeof sid_ctx);
    r = SSL_set_session_id_context(ssl, sid_ctx, 32);
    CHECK_EQ(r, 1, "SSL_set_session_id_context with 32 bytes");
    r = SSL_set_session_id_context(ssl, sid_ctx, 33);
    CHECK_EQ(r, 0, "SSL_set_session_id_context with 33 bytes");
    SSL_free(ssl);
    r = SSL_CTX_set_session_id_context(ctx, sid_ctx, 32);
    CHECK_EQ(r, 1, "SSL_CTX_set_session_id_context with 32 bytes");
    r = SSL_CTX_set_session_id_context(ctx, sid_ctx, 33);
    CHECK_EQ(r, 0, "SSL_CTX_set_session_id_context with 33 bytes");
    ssl = SSL_new(ctx);
    CHECK(ssl != NULL, "SSL_new after SSL_CTX_set_session_id_context returned NULL");
    r = SSL_set_session_id_context(ssl, sid_ctx, 16);
    CHECK_EQ(r, 1, "SSL_set_session_id_context with 16 bytes on an SSL with a copied context");
    SSL_free(ssl);

    /* SSL_CTX reference counting: two references, the flush comes at the last free. */
    r = SSL_CTX_up_ref(ctx);
    CHECK_EQ(r, 1, "SSL_CTX_up_ref");
    removed = 0;
    SSL_CTX_free(ctx);
    CHECK_EQ(removed, 0, "remove callback calls after freeing one of two SSL_CTX references");
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 1, "the cache is intact after freeing one of two SSL_CTX references");

    /* An SSL holds a reference too: freeing the app's last reference defers the flush. */
    ssl = SSL_new(ctx);
    removed = 0;
    SSL_CTX_free(ctx);
    CHECK_EQ(removed, 0, "remove callback calls at SSL_CTX_free while an SSL still lives");
    got_ctx = SSL_get_SSL_CTX(ssl);
    CHECK(got_ctx == ctx, "SSL_get_SSL_CTX after the app's SSL_CTX_free: %p, expected %p", (void *)got_ctx,
          (void *)ctx);
    r = matches(ssl, 0x11);
    CHECK_EQ(r, 1, "the cache still answers through the SSL after the app's SSL_CTX_free");
    removed_sess = NULL;
    SSL_free(ssl);
    CHECK_EQ(removed, 1, "remove callback calls when SSL_free drops the last SSL_CTX reference");
    CHECK(removed_sess == a, "the flush at the last reference must report session a (%p), got %p", (void *)a,
          (void *)removed_sess);

    /* Sessions the app still holds survive the SSL_CTX, usable but not resumable. */
    r = SSL_SESSION_is_resumable(a);
    CHECK_EQ(r, 0, "a session flushed by the last SSL_CTX_free is not resumable");
    idp = SSL_SESSION_get_id(a, &len);
    long to = SSL_SESSION_get_timeout(a);
    int v = SSL_SESSION_get_protocol_version(a);
    CHECK(len == 32 && idp[0] == 0x11 && to == 1000 + 0x11 && v == TLS1_3_VERSION,
          "a session outliving its SSL_CTX keeps id (len %u), timeout %ld and version 0x%x", len, to, v);
    r = SSL_SESSION_is_resumable(b);
    CHECK_EQ(r, 1, "a session that was never cached is untouched by SSL_CTX_free");

    SSL_SESSION_free(a);
    SSL_SESSION_free(b);
    return check_summary();
}
