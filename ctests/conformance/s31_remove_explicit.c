/* SSL_CTX_remove_session, explicit calls, TLS 1.2 session ids: a cached session (the cache's
 * own object), the same object again once it is gone, a different object with the same id (the
 * client's copy), a session cached in another context, a session without an id, NULL. The remove
 * callback is traced each time, with the resumability of what it gets, then resumptions show what
 * the cache still holds. */
#include "trace.h"

static void remove_traced(SSL_CTX *ctx, SSL_SESSION *sess, const char *what)
{
    T("SSL_CTX_remove_session(%s, %s %s)", C(ctx), what, S(sess));
    int r = SSL_CTX_remove_session(ctx, sess);
    T("  -> %d; argument resumable=%d", r, resumable(sess));
}

int main(void)
{
    SSL_CTX *server = server_ctx(), *other = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(other, "other");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 0, 1);
    install_callbacks(other, 0, 0, 1);
    new_cb_return = 1; /* keep the cache's objects in kept[] */

    SSL_SESSION *c1 = connection("1 (full)", server, client, NULL, 1);
    SSL_SESSION *c2 = connection("2 (full)", server, client, NULL, 1);
    SSL_SESSION *c3 = connection("3 (full)", server, client, NULL, 1);
    counters(server);
    SSL_SESSION *k1 = kept[0], *k2 = kept[1], *k3 = kept[2];

    /* The cached object itself. */
    remove_traced(server, k1, "cached object");
    counters(server);
    /* The same object, no longer cached. */
    remove_traced(server, k1, "no longer cached object");
    counters(server);
    SSL_SESSION *c4 = connection("4 (client still offers the removed id)", server, client, c1, 1);
    counters(server);
    counters(client);

    /* A different object with the same id: the client's copy. */
    T("before: cached object %s resumable=%d, client copy %s resumable=%d", S(k2), resumable(k2), S(c2),
      resumable(c2));
    remove_traced(server, c2, "client copy of");
    T("  cached object %s resumable=%d", S(k2), resumable(k2));
    counters(server);
    SSL_SESSION *c5 = connection("5 (offers the client copy marked not resumable)", server, client, c2, 1);
    counters(server);
    counters(client);

    /* A session cached in `server`, removed from `other` where it is not cached. */
    remove_traced(other, k3, "session cached in server:");
    counters(other);
    counters(server);
    SSL_SESSION *c6 = connection("6 (resume the session other marked)", server, client, c3, 1);
    counters(server);

    /* No id, and NULL. */
    SSL_SESSION *bare = SSL_SESSION_new();
    remove_traced(server, bare, "session without id");
    T("SSL_CTX_remove_session(server, NULL) -> %d", SSL_CTX_remove_session(server, NULL));
    counters(server);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    T("SSL_CTX_free(other)");
    SSL_CTX_free(other);
    SSL_SESSION_free(bare);
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_SESSION_free(c4);
    SSL_SESSION_free(c5);
    SSL_SESSION_free(c6);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
