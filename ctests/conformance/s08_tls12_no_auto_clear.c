/* TLS 1.2 session ids, the auto-flush and SSL_SESS_CACHE_NO_AUTO_CLEAR. Two servers, "auto"
 * (mode SERVER) and "noclear" (mode SERVER|NO_AUTO_CLEAR), each: one full handshake (S_a), 254
 * quiet resumptions of it, S_a aged past its timeout with SSL_SESSION_set_time, then the 256th
 * handshake (a full one). On "auto" that handshake flushes the expired S_a (remove_cb inside
 * the handshake, after new_cb); on "noclear" nothing is flushed until SSL_CTX_flush_sessions. */
#include "trace.h"
#include <time.h>

static void quiet_resumptions(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer, int n)
{
    int ok = 0, reused = 0;
    for (int i = 0; i < n; i++) {
        struct pair p = pair_new(sctx, cctx, offer);
        if (pair_handshake(&p)) {
            ok++;
            reused += SSL_session_reused(p.server) && SSL_session_reused(p.client);
        }
        pair_close(&p, 1);
    }
    T("%d quiet resumptions: handshakes ok=%d reused=%d", n, ok, reused);
}

static void run(SSL_CTX *server, SSL_CTX *client, long mode)
{
    int first = kept_count;
    long m = SSL_CTX_set_session_cache_mode(server, mode);
    T("set_session_cache_mode(%s, 0x%lx) -> %ld", C(server), mode, m);

    SSL_SESSION *c1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);

    quiet_resumptions(server, client, c1, 254);
    counters(server);
    counters(client);

    SSL_SESSION *sa = kept[first];
    long t0 = SSL_SESSION_get_time(sa);
    long r = SSL_SESSION_set_time(sa, t0 - 10000);
    T("SSL_SESSION_set_time(%s, time - 10000) returned its argument: %d; time moved by %ld", S(sa), r == t0 - 10000,
      SSL_SESSION_get_time(sa) - t0);
    T("SSL_SESSION_get_timeout(%s) -> %ld", S(sa), SSL_SESSION_get_timeout(sa));

    SSL_SESSION *c2 = connection("256 (full)", server, client, NULL, 1);
    T("%s resumable=%d", S(sa), resumable(sa));
    counters(server);
    counters(client);

    T("SSL_CTX_flush_sessions(%s, now)", C(server));
    SSL_CTX_flush_sessions(server, (long)time(NULL));
    counters(server);

    T("SSL_CTX_free(%s)", C(server));
    SSL_CTX_free(server);
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
}

int main(void)
{
    SSL_CTX *autoflush = server_ctx(), *noclear = server_ctx(), *client = client_ctx();
    ctx_name(autoflush, "auto");
    ctx_name(noclear, "noclear");
    ctx_name(client, "client");
    SSL_CTX *servers[2] = {autoflush, noclear};
    for (int i = 0; i < 2; i++) {
        SSL_CTX_set_options(servers[i], SSL_OP_NO_TICKET);
        SSL_CTX_set_max_proto_version(servers[i], TLS1_2_VERSION);
        install_callbacks(servers[i], 1, 0, 1);
    }
    new_cb_return = 1;

    run(autoflush, client, SSL_SESS_CACHE_SERVER);
    run(noclear, client, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_AUTO_CLEAR);

    SSL_CTX_free(client);
    free_kept();
    return 0;
}
