/* The deliberate differences from OpenSSL (README "Differences from OpenSSL"), checked on both
 * libraries: each check states what sesscache does and what OpenSSL 3.0 does. */
#include <openssl/ssl.h>
#include "check.h"
#include "tls_pair.h"

static SSL_SESSION *make_session(unsigned char tag, unsigned int id_len, long timeout)
{
    unsigned char id[32];
    SSL_SESSION *s = SSL_SESSION_new();
    memset(id, tag, sizeof id);
    SSL_SESSION_set1_id(s, id, id_len);
    SSL_SESSION_set_protocol_version(s, TLS1_2_VERSION);
    SSL_SESSION_set_time(s, 1000);
    SSL_SESSION_set_timeout(s, timeout);
    return s;
}

static int removed, nested_number = -1, nested_remove = -1;
static SSL_SESSION *probe;

/* Re-enters the cache from inside a remove callback run by a flush. */
static void reentrant_remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)sess;
    removed++;
    if (removed == 1) {
        nested_remove = SSL_CTX_add_session(ctx, probe);
        nested_number = (int)SSL_CTX_sess_number(ctx);
    }
}

int main(void)
{
    /* 1. A zero-length-id session at the tail of the expiry order. */
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_sess_set_cache_size(ctx, 3);
    SSL_SESSION *empty = make_session(0, 0, 10);
    SSL_CTX_add_session(ctx, empty);
    SSL_SESSION *s[8];
    long max_number = 0;
    for (int i = 0; i < 8; i++) {
        s[i] = make_session((unsigned char)(i + 1), 32, 1000 + i);
        SSL_CTX_add_session(ctx, s[i]);
        long n = SSL_CTX_sess_number(ctx);
        if (n > max_number)
            max_number = n;
    }
    if (ON_SESSCACHE) {
        CHECK_EQ(max_number, 2, "sesscache: a zero-length id never disables eviction (size 3 holds 2)");
        CHECK_EQ(SSL_CTX_sess_cache_full(ctx), 7, "sesscache: the empty-id session is evicted too");
    } else {
        CHECK_EQ(max_number, 9, "OpenSSL 3.0: an empty-id tail stops eviction (CVE-2024-2511 mechanism)");
        CHECK_EQ(SSL_CTX_sess_cache_full(ctx), 0, "OpenSSL 3.0: nothing is evicted");
    }
    SSL_CTX_free(ctx);
    SSL_SESSION_free(empty);
    for (int i = 0; i < 8; i++)
        SSL_SESSION_free(s[i]);

    /* 2. A remove callback that adds a session while a flush is running. */
    ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_sess_set_remove_cb(ctx, reentrant_remove_cb);
    SSL_SESSION *a = make_session(1, 32, 10), *b = make_session(2, 32, 20);
    probe = make_session(3, 32, 5000);
    SSL_CTX_add_session(ctx, a);
    SSL_CTX_add_session(ctx, b);
    SSL_CTX_flush_sessions(ctx, 2000);
    CHECK_EQ(removed, 2, "the flush calls the remove callback once per expired session");
    if (ON_SESSCACHE) {
        CHECK_EQ(nested_remove, 1, "sesscache: add from inside the flush's remove callback works");
        CHECK_EQ(SSL_CTX_sess_number(ctx), 1, "sesscache: the session added by the callback is cached");
    } else {
        CHECK_EQ(nested_remove, 0, "OpenSSL 3.0: the cache lock is held, the nested add fails");
        CHECK_EQ(SSL_CTX_sess_number(ctx), 0, "OpenSSL 3.0: nothing was added");
    }
    SSL_CTX_sess_set_remove_cb(ctx, NULL);
    SSL_CTX_free(ctx);
    SSL_SESSION_free(a);
    SSL_SESSION_free(b);
    SSL_SESSION_free(probe);

    /* 3. One session object in two contexts: each cache keeps its own place for it. */
    SSL_CTX *c1 = SSL_CTX_new(TLS_server_method()), *c2 = SSL_CTX_new(TLS_server_method());
    SSL_SESSION *shared = make_session(9, 32, 100);
    if (ON_SESSCACHE) {
        CHECK_EQ(SSL_CTX_add_session(c1, shared), 1, "sesscache: add to the first context");
        CHECK_EQ(SSL_CTX_add_session(c2, shared), 1, "sesscache: add the same object to a second context");
        SSL_CTX_flush_sessions(c1, 0);
        CHECK_EQ(SSL_CTX_sess_number(c2), 1, "sesscache: flushing one context leaves the other's entry");
        SSL_CTX_flush_sessions(c2, 0);
        CHECK_EQ(SSL_CTX_sess_number(c2), 0, "sesscache: and the second flush removes it cleanly");
    }
    /* Not run on OpenSSL: it keeps one list link per session, so this corrupts both lists. */
    SSL_CTX_free(c1);
    SSL_CTX_free(c2);
    SSL_SESSION_free(shared);

    /* 4. The lifetime hint of a stateful TLS 1.3 ticket (SSL_OP_NO_TICKET). */
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_min_proto_version(sctx, TLS1_3_VERSION);
    struct pair p = pair_new(sctx, cctx, NULL);
    CHECK(pair_handshake(&p) && pair_exchange(&p), "TLS 1.3 handshake with stateful tickets");
    unsigned long hint = SSL_SESSION_get_ticket_lifetime_hint(SSL_get_session(p.client));
    if (ON_SESSCACHE)
        CHECK_EQ(hint, 86400, "sesscache: rustls's fixed hint for stateful tickets (the server still expires the session at its timeout)");
    else
        CHECK_EQ(hint, 7200, "OpenSSL 3.0: the hint is the session's timeout");
    pair_close(&p, 1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);

    /* 5. A server without a servername callback acknowledges the client's SNI (rustls always
     * does), so the client's new session keeps the name; the server's session does not. */
    sctx = server_ctx();
    cctx = client_ctx();
    SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION);
    p = pair_new(sctx, cctx, NULL);
    SSL_set_tlsext_host_name(p.client, "www.example.test");
    CHECK(pair_handshake(&p), "TLS 1.2 handshake with SNI, no servername callback");
    const char *client_name = SSL_SESSION_get0_hostname(SSL_get_session(p.client));
    const char *server_name = SSL_SESSION_get0_hostname(SSL_get_session(p.server));
    if (ON_SESSCACHE)
        CHECK(client_name != NULL && strcmp(client_name, "www.example.test") == 0,
              "sesscache: the server acknowledged the name, the client's session keeps it (got %s)",
              client_name ? client_name : "NULL");
    else
        CHECK(client_name == NULL, "OpenSSL 3.0: no callback, no acknowledgement, no name in the client's session (got %s)",
              client_name ? client_name : "NULL");
    CHECK(server_name == NULL, "both: the server's session keeps no name without a callback (got %s)",
          server_name ? server_name : "NULL");
    pair_close(&p, 1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return check_summary();
}
