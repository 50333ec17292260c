/* SSL_set_session of expired TLS 1.3 sessions. The server has stateful tickets
 * (SSL_OP_NO_TICKET), its internal cache, new_cb returning 1 (kept), get_cb (GET_NONE) and
 * remove_cb. A client session whose own time + timeout has passed (timeout 1, time 10 s ago)
 * is still offered: the TLS 1.3 client only compares the ticket's age with the server's
 * lifetime hint, and the server's copy has not expired, so it resumes. A client session whose
 * time is 100000 s in the past is older than the lifetime hint: the client does not offer the
 * ticket: a full handshake and a client miss. Then the server's cached copy of the client's
 * next ticket is made expired (set_time 100000 s back): the server finds it, counts a timeout,
 * does not remove it (TLS 1.3), and does a full handshake (client miss). A flush at the current
 * time then removes it. */
#include <time.h>

#include "trace.h"

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    install_callbacks(server, 1, 1, 1);
    new_cb_return = 1;
    get_mode = GET_NONE;

    SSL_SESSION *s1 = connection("1 (full)", server, client, NULL, 1);
    counters(server);
    counters(client);
    long now = (long)time(NULL);
    T("SSL_SESSION_set_timeout(s1, 1) -> %ld", SSL_SESSION_set_timeout(s1, 1));
    T("SSL_SESSION_set_time(s1, now - 10) returns its argument: %d", SSL_SESSION_set_time(s1, now - 10) == now - 10);
    T("s1 timeout=%ld time is now-10: %d resumable=%d", SSL_SESSION_get_timeout(s1), SSL_SESSION_get_time(s1) == now - 10,
      resumable(s1));
    SSL_SESSION *s2 = connection("2 (offers s1, expired by its timeout)", server, client, s1, 1);
    counters(server);
    counters(client);
    now = (long)time(NULL);
    T("SSL_SESSION_set_time(s2, now - 100000) returns its argument: %d",
      SSL_SESSION_set_time(s2, now - 100000) == now - 100000);
    T("s2 timeout=%ld resumable=%d", SSL_SESSION_get_timeout(s2), resumable(s2));
    SSL_SESSION *s3 = connection("3 (offers s2, older than the lifetime hint)", server, client, s2, 1);
    counters(server);
    counters(client);
    SSL_SESSION *last = kept[kept_count - 1];
    now = (long)time(NULL);
    T("SSL_SESSION_set_time(server's %s, now - 100000) returns its argument: %d", S(last),
      SSL_SESSION_set_time(last, now - 100000) == now - 100000);
    counters(server);
    SSL_SESSION *s4 = connection("4 (offers s3, expired on the server)", server, client, s3, 1);
    counters(server);
    counters(client);
    T("resumable server's %s=%d", S(last), resumable(last));
    T("SSL_CTX_flush_sessions(server, now)");
    SSL_CTX_flush_sessions(server, (long)time(NULL));
    counters(server);
    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_SESSION_free(s4);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
