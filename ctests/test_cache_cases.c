/* Cache cases no other test reaches, each with real handshakes, the same on OpenSSL 3.0:
 * - the get callback leaves *copy at 1 and the application frees its own reference while the
 *   connection still uses the session;
 * - the client's automatic flush at every 255th good connect (SSL_SESS_CACHE_CLIENT);
 * - one session added to two contexts, evicted from the first, resumed from the second (on
 *   sesscache only: OpenSSL keeps one list link per session, and its flush then loops forever,
 *   README "Differences from OpenSSL");
 * - SSL_CTX_set_timeout after TLS 1.2 sessions are cached: they keep theirs;
 * - TLS 1.3 with stateful tickets (SSL_OP_NO_TICKET) and num_tickets 0: no ticket, no session. */
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls_pair.h"
#include "counting.h"

static SSL_SESSION *kept;
static int get_calls;

static int keep_new(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    new_calls++;
    if (kept == NULL) {
        kept = sess;
        return 1;
    }
    return 0;
}

static SSL_SESSION *lend_kept(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    (void)ssl;
    (void)id;
    (void)len;
    (void)copy;
    get_calls++;
    /* *copy stays 1: the library takes a reference of its own. */
    return kept;
}

static SSL_CTX *tls12_client(void)
{
    SSL_CTX *c = client_ctx();
    SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
    return c;
}

/* One full handshake on a fresh pair, closed cleanly; the client's session (a reference). */
static SSL_SESSION *handshake_once(SSL_CTX *s, SSL_CTX *c, SSL_SESSION *offer, int *resumed)
{
    struct pair p = pair_new(s, c, offer);
    int ok = pair_handshake(&p) && pair_exchange(&p);
    if (resumed)
        *resumed = ok ? SSL_session_reused(p.server) : -1;
    SSL_SESSION *got = ok ? SSL_get1_session(p.client) : NULL;
    pair_close(&p, 1);
    return got;
}

static void copy_one_and_free_during_connection(void)
{
    SSL_CTX *s = counting_server(TLS1_2_VERSION);
    SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(s, keep_new);
    SSL_CTX_sess_set_get_cb(s, lend_kept);
    SSL_CTX *c = tls12_client();
    SSL_SESSION *cs = handshake_once(s, c, NULL, NULL);
    CHECK(kept != NULL && cs != NULL, "the new callback kept the server session");
    struct pair p = pair_new(s, c, cs);
    int ok = pair_handshake(&p);
    CHECK(ok && SSL_session_reused(p.server), "resumed through the get callback (*copy left at 1)");
    CHECK_EQ(get_calls, 1, "the get callback ran once");
    /* The application lets go of its reference while the connection lives. */
    SSL_SESSION_free(kept);
    kept = NULL;
    SSL_SESSION *live = SSL_get_session(p.server);
    unsigned int len = 0;
    CHECK(live != NULL && SSL_SESSION_get_id(live, &len) != NULL && len == 32,
          "the connection's session is still there (%u-byte id)", len);
    CHECK(pair_exchange(&p), "data still flows");
    CHECK_EQ(SSL_SESSION_is_resumable(live), 1, "and it is still resumable");
    pair_close(&p, 1);
    SSL_SESSION_free(cs);
    SSL_CTX_free(c);
    SSL_CTX_free(s);
}

static int client_removed;

static void client_remove(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    (void)sess;
    client_removed++;
}

static void client_auto_flush(void)
{
    SSL_CTX *s = counting_server(TLS1_2_VERSION);
    SSL_CTX *c = tls12_client();
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT);
    SSL_CTX_sess_set_remove_cb(c, client_remove);
    /* An expired session in the client's cache: only a flush removes it. */
    SSL_SESSION *old = handshake_once(s, c, NULL, NULL);
    long cached = SSL_CTX_sess_number(c);
    SSL_SESSION_set_time(old, (long)time(NULL) - 10000);
    SSL_SESSION_set_timeout(old, 10);
    int good = (int)SSL_CTX_sess_connect_good(c);
    int removed_at = -1;
    for (int i = good; i < 300 && removed_at < 0; i++) {
        SSL_SESSION *x = handshake_once(s, c, NULL, NULL);
        SSL_SESSION_free(x);
        if (client_removed > 0)
            removed_at = (int)SSL_CTX_sess_connect_good(c);
    }
    CHECK(cached >= 1, "the client caches its sessions (SSL_SESS_CACHE_CLIENT): %ld", cached);
    /* ssl_update_cache runs before the counter moves: the flush comes in the handshake that
     * finds 255 good connects, the 256th. */
    CHECK_EQ(removed_at, 256, "the client's cache is flushed in its 256th good connect");
    CHECK_EQ(client_removed, 1, "only the expired session goes");
    SSL_SESSION_free(old);
    SSL_CTX_free(c);
    SSL_CTX_free(s);
}

static void two_contexts(void)
{
    SSL_CTX *a = counting_server(TLS1_2_VERSION), *b = counting_server(TLS1_2_VERSION);
    SSL_CTX *c = tls12_client();
    SSL_SESSION *cs = handshake_once(a, c, NULL, NULL);
    SSL_SESSION *ss = NULL;
    /* The server side's session, as a program sharing it would add it: from A's cache by id. */
    {
        struct pair p = pair_new(a, c, cs);
        int ok = pair_handshake(&p) && pair_exchange(&p);
        CHECK(ok && SSL_session_reused(p.server), "resumed on A");
        ss = SSL_get1_session(p.server);
        pair_close(&p, 1);
    }
    CHECK_EQ(SSL_CTX_add_session(b, ss), 1, "the same session added to B");
    CHECK_EQ(SSL_CTX_sess_number(b), 1, "B holds it");
    /* A evicts it: size 1, then another session. */
    SSL_CTX_sess_set_cache_size(a, 1);
    SSL_SESSION *other = handshake_once(a, c, NULL, NULL);
    SSL_CTX_flush_sessions(a, 0);
    SSL_SESSION_free(other);
    CHECK_EQ(SSL_CTX_sess_number(a), 0, "A no longer holds it");
    int resumed = 0;
    SSL_SESSION *again = handshake_once(b, c, cs, &resumed);
    CHECK_EQ(resumed, 1, "the session resumes from B after A evicted it");
    SSL_SESSION_free(again);
    SSL_SESSION_free(ss);
    SSL_SESSION_free(cs);
    SSL_CTX_free(c);
    SSL_CTX_free(a);
    SSL_CTX_free(b);
}

static void timeout_after_caching(void)
{
    SSL_CTX *s = counting_server(TLS1_2_VERSION);
    SSL_CTX *c = tls12_client();
    SSL_SESSION *cs = handshake_once(s, c, NULL, NULL);
    CHECK_EQ(SSL_CTX_set_timeout(s, 1), 7200, "SSL_CTX_set_timeout returns the previous timeout");
    int resumed = 0;
    SSL_SESSION *again = handshake_once(s, c, cs, &resumed);
    CHECK_EQ(resumed, 1, "a session cached before keeps its own timeout (7200 s)");
    struct pair p = pair_new(s, c, NULL);
    int ok = pair_handshake(&p);
    CHECK(ok && SSL_SESSION_get_timeout(SSL_get_session(p.server)) == 1, "a new session gets the new timeout (1 s)");
    pair_close(&p, 1);
    SSL_SESSION_free(again);
    SSL_SESSION_free(cs);
    SSL_CTX_free(c);
    SSL_CTX_free(s);
}

static void tls13_stateful_no_tickets(void)
{
    SSL_CTX *s = counting_server(TLS1_3_VERSION);
    SSL_CTX_set_num_tickets(s, 0);
    SSL_CTX *c = client_ctx();
    new_calls = 0;
    SSL_SESSION *cs = handshake_once(s, c, NULL, NULL);
    CHECK_EQ(new_calls, 0, "num_tickets 0 with stateful tickets: no new-session callback");
    CHECK_EQ(SSL_CTX_sess_number(s), 0, "nothing cached");
    CHECK(cs == NULL || SSL_SESSION_is_resumable(cs) == 0, "the client has no resumable session");
    int resumed = 0;
    SSL_SESSION *again = handshake_once(s, c, cs, &resumed);
    CHECK_EQ(resumed, 0, "so no resumption");
    SSL_SESSION_free(again);
    SSL_SESSION_free(cs);
    SSL_CTX_free(c);
    SSL_CTX_free(s);
}

int main(void)
{
    copy_one_and_free_during_connection();
    client_auto_flush();
    if (ON_SESSCACHE)
        two_contexts();
    timeout_after_caching();
    tls13_stateful_no_tickets();
    return check_summary();
}
