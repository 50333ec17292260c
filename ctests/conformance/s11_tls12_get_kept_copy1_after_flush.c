/* TLS 1.2 session ids, mode SERVER with an external cache of objects (new_cb returns 1) and
 * get_cb returning them with *copy left at 1, after SSL_CTX_flush_sessions. The flush marks the
 * live objects new_cb kept as not resumable, so get_cb's answer is ignored (no cb_hit, full
 * handshake); an i2d/d2i copy made before the flush is accepted, counted as cb_hit, stored in the
 * internal cache (where the next resumption finds it), and invalidated by SSL_CTX_free. */
#include "trace.h"

static SSL_SESSION *der_copy(const SSL_SESSION *s)
{
    unsigned char buf[4096], *p = buf;
    int n = i2d_SSL_SESSION(s, NULL);
    if (n <= 0 || n > (int)sizeof buf)
        return NULL;
    n = i2d_SSL_SESSION(s, &p);
    const unsigned char *q = buf;
    return d2i_SSL_SESSION(NULL, &q, n);
}

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 1, 1);
    new_cb_return = 1;
    get_mode = GET_KEPT_COPY1;

    SSL_SESSION *c1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c2 = connection("2 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);

    SSL_SESSION *copy = der_copy(kept[1]);
    T("the external cache replaces the live %s by a DER copy %s (resumable=%d)", S(kept[1]), S(copy),
      resumable(copy));
    SSL_SESSION_free(kept[1]);
    kept[1] = copy;
    /* Age the copy a little so that, once re-added, it expires before session 3's session and
     * the order of SSL_CTX_free's remove_cb calls does not depend on the clock. */
    long t = SSL_SESSION_get_time(copy);
    long r = SSL_SESSION_set_time(copy, t - 50);
    T("SSL_SESSION_set_time(copy %s, time - 50) returned its argument: %d", S(copy), r == t - 50);

    T("SSL_CTX_flush_sessions(server, 0)");
    SSL_CTX_flush_sessions(server, 0);
    T("kept %s resumable=%d, kept copy %s resumable=%d", S(kept[0]), resumable(kept[0]), S(kept[1]),
      resumable(kept[1]));
    counters(server);

    SSL_SESSION *c3 = connection("3 (offer; get_cb returns the flushed object)", server, client, c1, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c4 = connection("4 (offer; get_cb returns the DER copy)", server, client, c2, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c5 = connection("5 (offer again; internal hit)", server, client, c2, 1);
    counters(server);
    counters(client);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    T("kept copy %s resumable=%d", S(kept[1]), resumable(kept[1]));
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_SESSION_free(c4);
    SSL_SESSION_free(c5);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
