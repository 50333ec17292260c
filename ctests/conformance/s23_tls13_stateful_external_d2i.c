/* TLS 1.3 stateful tickets (SSL_OP_NO_TICKET) with SSL_SESS_CACHE_SERVER|NO_INTERNAL and an
 * external cache of i2d bytes: new_cb stores the DER and returns 0, get_cb decodes a fresh
 * session and hands it over with copy=0 (GET_D2I_COPY0). Each resumption is a get_cb hit with
 * the 32-byte ticket id. The third connection closes uncleanly: the server's remove_cb fires
 * (the external bytes are untouched) and the client's session becomes non-resumable, so the
 * fourth connection offers nothing (no get_cb, no client miss). A fifth resumes normally. */
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
    new_cb_return = 0;
    store_der = 1;
    get_mode = GET_D2I_COPY0;

    SSL_SESSION *s1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s2 = connection("2 (resume s1)", server, client, s1, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s3 = connection("3 (resume s2, unclean close)", server, client, s2, 0);
    counters(server);
    counters(client);
    T("resumable s1=%d s2=%d s3=%d; der_count=%d", resumable(s1), resumable(s2), resumable(s3), der_count);
    SSL_SESSION *s4 = connection("4 (offers s3, not resumable)", server, client, s3, 1);
    counters(server);
    counters(client);
    SSL_SESSION *s5 = connection("5 (resume s4)", server, client, s4, 1);
    counters(server);
    counters(client);
    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_SESSION_free(s4);
    SSL_SESSION_free(s5);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
