/* TLS 1.2 with session tickets enabled on the server (no SSL_OP_NO_TICKET; mode SERVER with all
 * callbacks). A ticket-capable client gets an empty server session id: nothing cached, no
 * new_cb; it resumes by ticket (a hit, no cache lookup). A ticket from another server cannot be
 * decrypted: no cache lookup, no get_cb, no server miss, a full handshake. A client with
 * SSL_OP_NO_TICKET gets a session id instead: cached, new_cb, resumed from the cache. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *other = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(other, "other");
    ctx_name(client, "client");
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(other, TLS1_2_VERSION);
    install_callbacks(server, 1, 1, 1);
    install_callbacks(other, 1, 1, 1);
    new_cb_return = 0;
    get_mode = GET_NONE;
    T("server options have SSL_OP_NO_TICKET: %d", (SSL_CTX_get_options(server) & SSL_OP_NO_TICKET) != 0);

    SSL_SESSION *c1 = connection("1 (full, ticket issued)", server, client, NULL, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c2 = connection("2 (ticket resumption)", server, client, c1, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c3 = connection("3 (the ticket offered to another server)", other, client, c1, 1);
    counters(other);
    counters(client);

    uint64_t o = SSL_CTX_set_options(client, SSL_OP_NO_TICKET);
    T("SSL_CTX_set_options(client, SSL_OP_NO_TICKET) has NO_TICKET: %d", (o & SSL_OP_NO_TICKET) != 0);
    SSL_SESSION *c4 = connection("4 (full, client without tickets)", server, client, NULL, 1);
    counters(server);
    counters(client);

    SSL_SESSION *c5 = connection("5 (resume by id, client without tickets)", server, client, c4, 1);
    counters(server);
    counters(client);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    T("SSL_CTX_free(other)");
    SSL_CTX_free(other);
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_SESSION_free(c4);
    SSL_SESSION_free(c5);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
