/* TLS 1.2 session ids, mode SERVER (internal store on) with an external DER store: new_cb
 * serializes and returns 0, get_cb returns a fresh d2i_SSL_SESSION with *copy = 0 (the
 * Apache/HAProxy pattern without NO_INTERNAL). get_cb is asked only after an internal miss; its
 * result is stored internally so the next resumption is an internal hit. Removal by key with a
 * different decoded object removes the cached one. */
#include "trace.h"

static SSL_SESSION *from_der(int i)
{
    const unsigned char *q = der_store[i].der;
    return d2i_SSL_SESSION(NULL, &q, der_store[i].der_len);
}

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 1, 1);
    new_cb_return = 0;
    store_der = 1;
    get_mode = GET_D2I_COPY0;

    SSL_SESSION *c1 = connection("1 (full)", server, client, NULL, 1);
    T("stored DER entries: %d", der_count);
    counters(server);
    counters(client);

    /* The client keeps a copy (SSL_SESSION_dup) that its own unclean SSL_free cannot invalidate. */
    SSL_SESSION *saved = SSL_SESSION_dup(c1);
    SSL_SESSION *c2 = connection("2 (resume, internal hit, unclean close)", server, client, c1, 0);
    T("client's %s resumable=%d, saved copy resumable=%d", S(c1), resumable(c1), resumable(saved));
    counters(server);
    counters(client);

    SSL_SESSION *c3 = connection("3 (offer the saved copy; internal miss, get_cb)", server, client, saved, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c4 = connection("4 (offer the saved copy; internal hit)", server, client, saved, 1);
    counters(server);
    counters(client);

    SSL_SESSION *d = from_der(0);
    int r = SSL_CTX_remove_session(server, d);
    T("SSL_CTX_remove_session(server, decoded %s) -> %d; decoded resumable=%d", S(d), r, resumable(d));
    r = SSL_CTX_remove_session(server, d);
    T("SSL_CTX_remove_session(server, decoded %s) again -> %d", S(d), r);
    counters(server);

    SSL_SESSION *c5 = connection("5 (offer the saved copy; get_cb again)", server, client, saved, 1);
    counters(server);
    counters(client);

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
