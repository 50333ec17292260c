/* A client offering a TLS 1.3 session to a server context that did not issue it. Server A has
 * stateless tickets; servers B and C have stateful tickets (SSL_OP_NO_TICKET), a get_cb
 * (GET_NONE) and a remove_cb; all three share the certificate and the session id context.
 * A's ticket at B: not a 32-byte stateful id, so no lookup at all (no server miss, no get_cb):
 * a full handshake and a client miss. B's stateful ticket at C: C's internal lookup misses
 * (server miss), get_cb gets the 32-byte id and finds nothing: a full handshake and a client
 * miss. C's own ticket at C resumes. C's stateful ticket at A: A cannot decrypt it: a full
 * handshake and a client miss. */
#include "trace.h"

int main(void)
{
    SSL_CTX *a = server_ctx(), *b = server_ctx(), *c = server_ctx(), *client = client_ctx();
    ctx_name(a, "A");
    ctx_name(b, "B");
    ctx_name(c, "C");
    ctx_name(client, "client");
    SSL_CTX_set_options(b, SSL_OP_NO_TICKET);
    SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
    install_callbacks(a, 1, 1, 0);
    install_callbacks(b, 1, 1, 1);
    install_callbacks(c, 1, 1, 1);
    install_callbacks(client, 1, 0, 1);
    new_cb_return = 0;
    get_mode = GET_NONE;

    SSL_SESSION *s1 = connection("1 (A, full)", a, client, NULL, 1);
    counters(a);
    counters(client);
    SSL_SESSION *s2 = connection("2 (s1 from A offered to B)", b, client, s1, 1);
    counters(b);
    counters(client);
    SSL_SESSION *s3 = connection("3 (s2 from B offered to C)", c, client, s2, 1);
    counters(c);
    counters(client);
    SSL_SESSION *s4 = connection("4 (s3 from C offered to C)", c, client, s3, 1);
    counters(c);
    counters(client);
    SSL_SESSION *s5 = connection("5 (s4 from C offered to A)", a, client, s4, 1);
    counters(a);
    counters(b);
    counters(c);
    counters(client);
    T("resumable s1=%d s2=%d s3=%d s4=%d s5=%d", resumable(s1), resumable(s2), resumable(s3), resumable(s4),
      resumable(s5));
    T("SSL_CTX_free(A)");
    SSL_CTX_free(a);
    T("SSL_CTX_free(B)");
    SSL_CTX_free(b);
    T("SSL_CTX_free(C)");
    SSL_CTX_free(c);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_SESSION_free(s4);
    SSL_SESSION_free(s5);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
