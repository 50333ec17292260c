/* TLS 1.2 session ids (server: SSL_OP_NO_TICKET, max TLS 1.2, internal cache with new_cb,
 * get_cb and remove_cb) and a client ctx in SSL_SESS_CACHE_CLIENT mode with new_cb returning
 * 1 and remove_cb: the client calls new_cb once for a full handshake and not at all on a
 * resumption; the client's cache holds the session under the server's id. TLS 1.2 client
 * sessions are not single-use: the same object resumes repeatedly. An unclean close removes
 * the session from both caches (both remove_cbs), so the next offer is a full handshake. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 1, 1);
    install_callbacks(client, 1, 0, 1);
    new_cb_return = 1;
    T("SSL_CTX_set_session_cache_mode(client, CLIENT) -> %lx",
      SSL_CTX_set_session_cache_mode(client, SSL_SESS_CACHE_CLIENT));

    SSL_SESSION *s1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s2 = connection("2 (resume s1)", server, client, s1, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s3 = connection("3 (resume s1 again)", server, client, s1, 1);
    counters(server);
    counters(client);
    T("s2 is s1: %d, s3 is s1: %d; resumable s1=%d", s2 == s1, s3 == s1, resumable(s1));
    SSL_SESSION *s4 = connection("4 (resume s3, unclean close)", server, client, s3, 0);
    counters(server);
    counters(client);
    T("resumable s1=%d s4=%d", resumable(s1), resumable(s4));
    SSL_SESSION *s5 = connection("5 (offers s4, not resumable)", server, client, s4, 1);
    counters(server);
    counters(client);
    for (int i = 0; i < kept_count; i++)
        T("kept[%d] %s resumable=%d", i, S(kept[i]), resumable(kept[i]));
    T("SSL_CTX_free(client)");
    SSL_CTX_free(client);
    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_SESSION_free(s4);
    SSL_SESSION_free(s5);
    free_kept();
    return 0;
}
