/* A new-session callback that calls back into the library (allowed: OpenSSL does not hold the
 * context lock there), TLS 1.2 session ids: SSL_get_SSL_CTX, SSL_CTX_sess_number, the counters
 * (as they stand inside the handshake), SSL_get_session, SSL_has_matching_session_id for its own
 * id (full length, one byte short, 33 bytes), an unknown id and the ids of earlier sessions. On a
 * server with cache size 3 (the third session evicts the first before the callback runs), on a
 * server with NO_INTERNAL_STORE, and on a client context in CLIENT mode. */
#include "trace.h"

#define MAX_SEEN 16
static struct {
    SSL_CTX *ctx;
    unsigned char id[32];
    unsigned int len;
} seen[MAX_SEEN];
static int seen_count;

static int reentrant_new_cb(SSL *ssl, SSL_SESSION *sess)
{
    SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);
    unsigned char buf[33] = { 0 };
    memcpy(buf, id, len);
    T("  new_cb(%s ssl, %s): SSL_get_SSL_CTX=%s version=%x SSL_get_session is it: %s resumable=%d", role(ssl),
      S(sess), C(ctx), (unsigned)SSL_version(ssl), SSL_get_session(ssl) == sess ? "yes" : "no", resumable(sess));
    T("    SSL_CTX_sess_number=%ld", SSL_CTX_sess_number(ctx));
    counters(ctx);
    int own = SSL_has_matching_session_id(ssl, buf, len);
    int shorter = SSL_has_matching_session_id(ssl, buf, len - 1);
    int longer = SSL_has_matching_session_id(ssl, buf, 33);
    unsigned char zeros[32] = { 0 };
    int unknown = SSL_has_matching_session_id(ssl, zeros, 32);
    T("    has_matching_session_id: own=%d own-1=%d own,33=%d zeros=%d", own, shorter, longer, unknown);
    for (int i = 0; i < seen_count; i++)
        if (seen[i].ctx == ctx)
            T("    has_matching_session_id(earlier %s)=%d", ID(seen[i].id, seen[i].len),
              SSL_has_matching_session_id(ssl, seen[i].id, seen[i].len));
    if (seen_count < MAX_SEEN) {
        seen[seen_count].ctx = ctx;
        seen[seen_count].len = len;
        memcpy(seen[seen_count].id, id, len);
        seen_count++;
    }
    return 0;
}

static SSL_CTX *tls12_server(const char *name)
{
    SSL_CTX *ctx = server_ctx();
    ctx_name(ctx, name);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_sess_set_new_cb(ctx, reentrant_new_cb);
    SSL_CTX_sess_set_remove_cb(ctx, trace_remove_cb);
    return ctx;
}

int main(void)
{
    SSL_CTX *a = tls12_server("A"), *b = tls12_server("B"), *client = client_ctx();
    ctx_name(client, "client");
    long prev = SSL_CTX_sess_set_cache_size(a, 3);
    T("SSL_CTX_sess_set_cache_size(A, 3) -> %ld", prev);
    prev = SSL_CTX_set_session_cache_mode(b, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    T("SSL_CTX_set_session_cache_mode(B, SERVER|NO_INTERNAL_STORE) -> 0x%lx", prev);
    SSL_SESSION *c[16] = { 0 };
    int n = 0;

    T("-- server A, cache size 3");
    c[n++] = connection("A1 (full)", a, client, NULL, 1);
    c[n++] = connection("A2 (full)", a, client, NULL, 1);
    c[n++] = connection("A3 (full)", a, client, NULL, 1);
    c[n++] = connection("A4 (resume A3: no new_cb)", a, client, c[2], 1);
    counters(a);

    T("-- server B, NO_INTERNAL_STORE");
    c[n++] = connection("B1 (full)", b, client, NULL, 1);
    c[n++] = connection("B2 (full)", b, client, NULL, 1);
    counters(b);

    T("-- client context in CLIENT mode, server A");
    prev = SSL_CTX_set_session_cache_mode(client, SSL_SESS_CACHE_CLIENT);
    T("SSL_CTX_set_session_cache_mode(client, CLIENT) -> 0x%lx", prev);
    SSL_CTX_sess_set_new_cb(client, reentrant_new_cb);
    SSL_CTX_sess_set_remove_cb(client, trace_remove_cb);
    c[n++] = connection("C1 (full)", a, client, NULL, 1);
    c[n++] = connection("C2 (full)", a, client, NULL, 1);
    SSL_SESSION *c2 = c[n - 1];
    c[n++] = connection("C3 (resume C2: no new_cb)", a, client, c2, 1);
    counters(client);
    counters(a);

    T("SSL_CTX_free(A)");
    SSL_CTX_free(a);
    T("SSL_CTX_free(B)");
    SSL_CTX_free(b);
    for (int i = 0; i < n; i++)
        SSL_SESSION_free(c[i]);
    T("SSL_CTX_free(client)");
    SSL_CTX_free(client);
    return 0;
}
