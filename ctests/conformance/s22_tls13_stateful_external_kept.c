/* TLS 1.3 stateful tickets (SSL_OP_NO_TICKET) with SSL_SESS_CACHE_SERVER|NO_INTERNAL and an
 * external cache of kept pointers: new_cb returns 1 (keeps the live object), get_cb returns
 * the kept object with copy left at 1 (GET_KEPT_COPY1). Nothing is stored internally; each
 * resumption is a get_cb hit with the 32-byte ticket id (cb_hits and hits, no misses counted
 * with NO_INTERNAL_LOOKUP). SSL_CTX_remove_session of the kept object behind the client's
 * ticket returns 0, calls remove_cb and marks it non-resumable, so get_cb's answer is then
 * ignored: full handshake, no cb_hit, a client miss. */
#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    T("SSL_CTX_set_session_cache_mode(server, SERVER|NO_INTERNAL) -> %lx",
      SSL_CTX_set_session_cache_mode(server, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL));
    install_callbacks(server, 1, 1, 1);
    new_cb_return = 1;
    get_mode = GET_KEPT_COPY1;

    SSL_SESSION *s1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s2 = connection("2 (resume s1)", server, client, s1, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s3 = connection("3 (resume s2)", server, client, s2, 1);
    counters(server);
    counters(client);
    SSL_SESSION *last = kept[kept_count - 1];
    T("SSL_CTX_remove_session(server, %s) -> %d", S(last), SSL_CTX_remove_session(server, last));
    counters(server);
    SSL_SESSION *s4 = connection("4 (offers s3, its kept session removed)", server, client, s3, 1);
    counters(server);
    counters(client);
    for (int i = 0; i < kept_count; i++)
        T("kept[%d] %s resumable=%d", i, S(kept[i]), resumable(kept[i]));
    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    for (int i = 0; i < kept_count; i++)
        T("kept[%d] %s resumable=%d", i, S(kept[i]), resumable(kept[i]));
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_SESSION_free(s4);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
