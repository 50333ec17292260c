/* TLS 1.2 session ids, mode SERVER with get_cb returning the object new_cb kept, up-ref'ed,
 * with *copy = 0. SSL_CTX_remove_session with a different object of the same id removes the
 * cached entry without marking it, so the kept object stays resumable: get_cb's answer is
 * accepted (cb_hit) and re-added internally. After an unclean close marks the kept object, get_cb's
 * answer is ignored and a full handshake follows. */
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
    get_mode = GET_KEPT_UPREF_COPY0;

    SSL_SESSION *c1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);

    SSL_SESSION *d = der_copy(kept[0]);
    int r = SSL_CTX_remove_session(server, d);
    T("SSL_CTX_remove_session(server, decoded %s) -> %d; decoded resumable=%d, kept %s resumable=%d", S(d), r,
      resumable(d), S(kept[0]), resumable(kept[0]));
    counters(server);

    SSL_SESSION *c2 = connection("2 (resume; internal miss, get_cb)", server, client, c1, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c3 = connection("3 (resume; internal hit)", server, client, c1, 1);
    counters(server);
    counters(client);

    /* The client keeps a copy (SSL_SESSION_dup) that its own unclean SSL_free cannot invalidate. */
    SSL_SESSION *saved = SSL_SESSION_dup(c1);
    SSL_SESSION *c4 = connection("4 (resume; internal hit, unclean close)", server, client, c1, 0);
    T("kept %s resumable=%d; saved client copy resumable=%d", S(kept[0]), resumable(kept[0]), resumable(saved));
    counters(server);
    counters(client);

    SSL_SESSION *c5 = connection("5 (offer the saved copy; get_cb returns the invalidated object)", server, client,
                                 saved, 1);
    counters(server);
    counters(client);

    /* Aged so that it expires first and SSL_CTX_free's order does not depend on the clock. */
    long t = SSL_SESSION_get_time(d);
    long st = SSL_SESSION_set_time(d, t - 50);
    T("SSL_SESSION_set_time(decoded %s, time - 50) returned its argument: %d", S(d), st == t - 50);
    int a = SSL_CTX_add_session(server, d);
    T("SSL_CTX_add_session(server, decoded %s) -> %d", S(d), a);
    counters(server);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(d);
    SSL_SESSION_free(saved);
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_SESSION_free(c4);
    SSL_SESSION_free(c5);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
