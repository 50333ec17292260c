/* Eviction by real handshakes, TLS 1.2 session ids, cache size 3 (holds two): the victim is the
 * entry with the earliest expiry, not the oldest or least recently used. SSL_SESSION_set_time
 * (later, earlier) and SSL_SESSION_set_timeout (shorter) on cached entries re-position them; a
 * resumption does not; a re-add of the cached object returns 0 and keeps it. Labels: S<n> is the
 * n-th new session (the resumption #6 makes none). */
#include "trace.h"

static void brief(SSL_CTX *ctx)
{
    T("  %s: number=%ld cache_full=%ld", C(ctx), SSL_CTX_sess_number(ctx), SSL_CTX_sess_cache_full(ctx));
}

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 0, 1);
    new_cb_return = 1;
    long prev = SSL_CTX_sess_set_cache_size(server, 3);
    T("SSL_CTX_sess_set_cache_size(server, 3) -> %ld", prev);
    SSL_SESSION *c[32] = { 0 };
    int n = 0;
    char what[64];

    for (int i = 0; i < 3; i++) {
        snprintf(what, sizeof what, "#%d (full)", i + 1);
        c[n++] = connection(what, server, client, NULL, 1);
        brief(server);
    }
    /* Cached now: S2, S3 (kept[1], kept[2]). S2 is the earliest expiry. Move it to 100 s after its
     * creation: latest expiry. */
    SSL_SESSION *k2 = kept[1];
    long ref2 = SSL_SESSION_get_time(k2);
    long r = SSL_SESSION_set_time(k2, ref2 + 100);
    T("SSL_SESSION_set_time(%s, created + 100) returned t: %s", S(k2), r == ref2 + 100 ? "yes" : "no");
    c[n++] = connection("#4 (full: evicts S3, not S2)", server, client, NULL, 1);
    brief(server);

    /* Cached: S2 (+100), S4. Shorten S4's timeout: earliest expiry again, S2 is now the latest. */
    SSL_SESSION *k4 = kept[3];
    r = SSL_SESSION_set_timeout(k4, 300);
    T("SSL_SESSION_set_timeout(%s, 300) -> %ld", S(k4), r);
    c[n++] = connection("#5 (full: evicts S4)", server, client, NULL, 1);
    brief(server);

    /* Cached: S2 (created+100+7200), S5 (now+7200). Resuming S5 does not move it. */
    SSL_SESSION *c5 = c[n - 1];
    c[n++] = connection("#6 (resume S5)", server, client, c5, 1);
    brief(server);
    c[n++] = connection("#7 (full: evicts S5, the earliest expiry, though just used)", server, client, NULL, 1);
    brief(server);

    /* Cached: S2, S6. Give S2 an early expiry (set_time re-sorts it), then re-add it: returns 0,
     * stays cached. */
    r = SSL_SESSION_set_time(k2, ref2 - 7000);
    T("SSL_SESSION_set_time(%s, created - 7000) returned t: %s", S(k2), r == ref2 - 7000 ? "yes" : "no");
    T("SSL_CTX_add_session(server, cached %s) -> %d", S(k2), SSL_CTX_add_session(server, k2));
    brief(server);
    c[n++] = connection("#8 (full: evicts S2)", server, client, NULL, 1);
    brief(server);
    SSL_SESSION *c2 = c[1];
    c[n++] = connection("#9 (offer S2: evicted, so full; evicts S6)", server, client, c2, 1);
    brief(server);
    counters(server);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    for (int i = 0; i < n; i++)
        SSL_SESSION_free(c[i]);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
