/* Callback setters and getters; the remove callback on explicit removal, eviction, flush and
 * SSL_CTX_free (new/get callbacks need handshakes: see the TLS tests). */
#include <openssl/ssl.h>
#include "check.h"

static int new_cb(SSL *ssl, SSL_SESSION *sess) { (void)ssl; (void)sess; return 0; }
static int new_cb2(SSL *ssl, SSL_SESSION *sess) { (void)ssl; (void)sess; return 1; }
static SSL_SESSION *get_cb(SSL *ssl, const unsigned char *data, int len, int *copy)
{
    (void)ssl; (void)data; (void)len; (void)copy;
    return NULL;
}

static int removed;
static SSL_CTX *removed_ctx;
static SSL_SESSION *removed_sess;
static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    removed++;
    removed_ctx = ctx;
    removed_sess = sess;
}

static SSL_SESSION *make_session(unsigned char tag, long timeout)
{
    unsigned char id[32];
    SSL_SESSION *s = SSL_SESSION_new();
    memset(id, tag, sizeof id);
    if (!SSL_SESSION_set1_id(s, id, sizeof id) || !SSL_SESSION_set_protocol_version(s, TLS1_2_VERSION)
        || !SSL_SESSION_set_timeout(s, timeout)) {
        printf("FAIL could not build a session\n");
        exit(1);
    }
    return s;
}

int main(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    CHECK(ctx != NULL, "SSL_CTX_new failed");

    CHECK(SSL_CTX_sess_get_new_cb(ctx) == NULL, "fresh ctx must have no new callback");
    CHECK(SSL_CTX_sess_get_remove_cb(ctx) == NULL, "fresh ctx must have no remove callback");
    CHECK(SSL_CTX_sess_get_get_cb(ctx) == NULL, "fresh ctx must have no get callback");

    SSL_CTX_sess_set_new_cb(ctx, new_cb);
    SSL_CTX_sess_set_remove_cb(ctx, remove_cb);
    SSL_CTX_sess_set_get_cb(ctx, get_cb);
    CHECK(SSL_CTX_sess_get_new_cb(ctx) == new_cb, "getter must return the new callback set");
    CHECK(SSL_CTX_sess_get_remove_cb(ctx) == remove_cb, "getter must return the remove callback set");
    CHECK(SSL_CTX_sess_get_get_cb(ctx) == get_cb, "getter must return the get callback set");

    SSL_CTX_sess_set_new_cb(ctx, new_cb2);
    CHECK(SSL_CTX_sess_get_new_cb(ctx) == new_cb2, "setting again must replace the callback");
    SSL_CTX_sess_set_new_cb(ctx, NULL);
    SSL_CTX_sess_set_get_cb(ctx, NULL);
    CHECK(SSL_CTX_sess_get_new_cb(ctx) == NULL, "NULL must clear the new callback");
    CHECK(SSL_CTX_sess_get_get_cb(ctx) == NULL, "NULL must clear the get callback");
    CHECK(SSL_CTX_sess_get_remove_cb(ctx) == remove_cb, "clearing others must keep the remove callback");

    /* Explicit removal: the callback gets the ctx and the argument. */
    SSL_SESSION *a = make_session(1, 100);
    CHECK_EQ(SSL_CTX_add_session(ctx, a), 1, "add of a new session");
    removed = 0;
    CHECK_EQ(SSL_CTX_remove_session(ctx, a), 1, "remove of a cached session");
    CHECK_EQ(removed, 1, "remove callback calls after remove");
    CHECK(removed_ctx == ctx, "remove callback must receive the SSL_CTX");
    CHECK(removed_sess == a, "remove callback must receive the removed session");

    /* Removal of a session that is not cached still calls the callback. */
    removed = 0;
    CHECK_EQ(SSL_CTX_remove_session(ctx, a), 0, "remove of a session not in the cache returns 0");
    CHECK_EQ(removed, 1, "remove callback is called even when nothing was cached");

    /* SSL_CTX_free flushes every cached session through the callback. */
    SSL_SESSION *b = make_session(2, 100), *c = make_session(3, 200);
    SSL_CTX_add_session(ctx, b);
    SSL_CTX_add_session(ctx, c);
    removed = 0;
    SSL_CTX_free(ctx);
    CHECK_EQ(removed, 2, "SSL_CTX_free must call the remove callback per cached session");
    CHECK(removed_sess == c, "the last session flushed is the one expiring last");
    CHECK_EQ(SSL_SESSION_is_resumable(b), 0, "a session flushed by SSL_CTX_free is not resumable");

    SSL_SESSION_free(a);
    SSL_SESSION_free(b);
    SSL_SESSION_free(c);
    return check_summary();
}
