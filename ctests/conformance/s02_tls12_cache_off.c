/* TLS 1.2 session ids, server cache mode SSL_SESS_CACHE_OFF: new sessions get an empty id
 * (no new_cb, nothing cached, the client cannot resume), but the internal lookup and get_cb
 * still run, and a session added by hand with SSL_CTX_add_session resumes. */
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
    SSL_CTX *server = server_ctx(), *donor = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(donor, "donor");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    SSL_CTX_set_options(donor, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(donor, TLS1_2_VERSION);
    install_callbacks(server, 1, 1, 1);
    install_callbacks(donor, 1, 0, 0);
    new_cb_return = 1;

    long m = SSL_CTX_set_session_cache_mode(server, SSL_SESS_CACHE_OFF);
    T("set_session_cache_mode(server, OFF) -> %ld", m);
    T("get_session_cache_mode(server) -> %ld", SSL_CTX_get_session_cache_mode(server));

    SSL_SESSION *c1 = connection("1 (full, mode OFF)", server, client, NULL, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c2 = connection("2 (full at donor, mode SERVER)", donor, client, NULL, 1);
    counters(donor);
    counters(client);

    SSL_SESSION *copy = der_copy(kept[0]);
    T("der copy of donor's %s: %s resumable=%d", S(kept[0]), S(copy), resumable(copy));
    int r = SSL_CTX_add_session(server, copy);
    T("SSL_CTX_add_session(server, %s) -> %d", S(copy), r);
    r = SSL_CTX_add_session(server, copy);
    T("SSL_CTX_add_session(server, %s) again -> %d", S(copy), r);
    counters(server);

    SSL_SESSION *c3 = connection("3 (resume the added session, mode OFF)", server, client, c2, 1);
    counters(server);
    counters(client);

    r = SSL_CTX_remove_session(server, copy);
    T("SSL_CTX_remove_session(server, %s) -> %d", S(copy), r);
    r = SSL_CTX_remove_session(server, copy);
    T("SSL_CTX_remove_session(server, %s) again -> %d", S(copy), r);
    T("copy %s resumable=%d", S(copy), resumable(copy));
    counters(server);

    SSL_SESSION *c4 = connection("4 (offer after removal, mode OFF)", server, client, c3, 1);
    counters(server);
    counters(client);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    T("SSL_CTX_free(donor)");
    SSL_CTX_free(donor);
    SSL_SESSION_free(copy);
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_SESSION_free(c4);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
