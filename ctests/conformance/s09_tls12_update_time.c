/* TLS 1.2 session ids, SSL_SESS_CACHE_UPDATE_TIME. The flag refreshes a session's time only
 * inside SSL_CTX_add_session: on a re-add of the cached object and when a get_cb result is
 * stored internally, but not on an ordinary internal hit. A second context without the flag
 * ("plain") is the control. Times are printed relative to the first session's time (ref): "now"
 * means within a few seconds of the run, "ref-100" is an aged time. */
#include "trace.h"

static long ref;

static const char *rel(long t)
{
    static char bufs[4][32];
    static int next;
    char *out = bufs[next++ % 4];
    long d = t - ref;
    if (d >= -1 && d <= 30)
        snprintf(out, 32, "now");
    else
        snprintf(out, 32, "ref%+ld", d);
    return out;
}

/* connection() with the server session's time printed before the close. */
static SSL_SESSION *conn_time(const char *what, SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer)
{
    T("connection %s: client offers %s", what, S(offer));
    struct pair p = pair_new(sctx, cctx, offer);
    int ok = pair_handshake(&p);
    T("  handshake %s", ok ? "ok" : "failed");
    if (ok) {
        if (!pair_exchange(&p))
            T("  data exchange failed");
        T("  reused server=%d client=%d version=%x", SSL_session_reused(p.server), SSL_session_reused(p.client),
          (unsigned)SSL_version(p.server));
    }
    SSL_SESSION *s = SSL_get1_session(p.client);
    SSL_SESSION *ss = SSL_get_session(p.server);
    T("  client session %s resumable=%d; server session %s", S(s), resumable(s), S(ss));
    if (ref != 0)
        T("  server session time %s", rel(SSL_SESSION_get_time(ss)));
    pair_close(&p, 1);
    return s;
}

static SSL_SESSION *from_der(int i)
{
    const unsigned char *q = der_store[i].der;
    return d2i_SSL_SESSION(NULL, &q, der_store[i].der_len);
}

int main(void)
{
    SSL_CTX *server = server_ctx(), *plain = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(plain, "plain");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 1, 1);
    install_callbacks(plain, 1, 1, 1);
    new_cb_return = 1;
    store_der = 1;
    get_mode = GET_D2I_COPY0;

    long m = SSL_CTX_set_session_cache_mode(server, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_UPDATE_TIME);
    T("set_session_cache_mode(server, SERVER|UPDATE_TIME) -> %ld", m);
    m = SSL_CTX_get_session_cache_mode(server);
    T("get_session_cache_mode(server) -> 0x%lx", m);

    SSL_SESSION *c1 = conn_time("1 (full)", server, client, NULL);
    SSL_SESSION *s1 = kept[0];
    ref = SSL_SESSION_get_time(s1);
    T("ref = time of %s", S(s1));
    counters(server);
    counters(client);

    long r = SSL_SESSION_set_time(s1, ref - 100);
    T("SSL_SESSION_set_time(%s, ref-100) returned its argument: %d; time %s", S(s1), r == ref - 100,
      rel(SSL_SESSION_get_time(s1)));

    SSL_SESSION *c2 = conn_time("2 (resume, internal hit)", server, client, c1);
    T("cached %s time %s", S(s1), rel(SSL_SESSION_get_time(s1)));
    counters(server);
    counters(client);

    int a = SSL_CTX_add_session(server, s1);
    T("SSL_CTX_add_session(server, cached %s) -> %d; time %s", S(s1), a, rel(SSL_SESSION_get_time(s1)));
    counters(server);

    r = SSL_SESSION_set_time(s1, ref - 100);
    T("SSL_SESSION_set_time(%s, ref-100) returned its argument: %d; time %s", S(s1), r == ref - 100,
      rel(SSL_SESSION_get_time(s1)));
    der_count = 0;
    store_session_der(s1);
    T("external store now holds %s with time ref-100 (entries: %d)", S(s1), der_count);
    int rm = SSL_CTX_remove_session(server, s1);
    T("SSL_CTX_remove_session(server, %s) -> %d", S(s1), rm);
    counters(server);

    SSL_SESSION *c3 = conn_time("3 (resume through get_cb, stored internally)", server, client, c1);
    counters(server);
    counters(client);

    SSL_SESSION *d1 = from_der(0), *d2 = from_der(0);
    T("decoded %s time %s, %s time %s", S(d1), rel(SSL_SESSION_get_time(d1)), S(d2), rel(SSL_SESSION_get_time(d2)));
    a = SSL_CTX_add_session(plain, d1);
    T("SSL_CTX_add_session(plain, decoded %s) -> %d; time %s", S(d1), a, rel(SSL_SESSION_get_time(d1)));
    a = SSL_CTX_add_session(plain, d1);
    T("SSL_CTX_add_session(plain, decoded %s) again -> %d; time %s", S(d1), a, rel(SSL_SESSION_get_time(d1)));
    counters(plain);
    a = SSL_CTX_add_session(server, d2);
    T("SSL_CTX_add_session(server, another decoded %s) -> %d; time %s", S(d2), a, rel(SSL_SESSION_get_time(d2)));
    counters(server);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    T("SSL_CTX_free(plain)");
    SSL_CTX_free(plain);
    SSL_SESSION_free(d1);
    SSL_SESSION_free(d2);
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
