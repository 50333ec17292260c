/* TLS 1.2 session ids, internal cache: a full handshake, two resumptions, a clean and an
 * unclean close, then SSL_CTX_free. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 1, 1);

    SSL_SESSION *s1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    SSL_SESSION *s2 = connection("2 (resume)", server, client, s1, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s3 = connection("3 (resume, unclean close)", server, client, s2, 0);
    counters(server);
    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
