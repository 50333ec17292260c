/* Expiry with a small context timeout, TLS 1.2 session ids: SSL_CTX_set_timeout(server, 10) before
 * the full handshake gives the new session a 10 s timeout (the client's copy keeps the client
 * context's 7200). It resumes while fresh; set back 20 s it has expired at lookup. Then
 * SSL_SESSION_set_timeout on a cached entry (shortened, then time set back), the timeout 0
 * (the method default 7200) and a negative context timeout (sessions born expired). */
#include "trace.h"

static void set_back(SSL_SESSION *s, long ref, long seconds)
{
    long t = ref - seconds;
    long r = SSL_SESSION_set_time(s, t);
    T("SSL_SESSION_set_time(%s, created - %ld) returned t: %s", S(s), seconds, r == t ? "yes" : "no");
}

static void timeouts_of(SSL_SESSION *server_obj, SSL_SESSION *client_copy)
{
    T("timeout: server %s %ld, client copy %s %ld", S(server_obj), SSL_SESSION_get_timeout(server_obj), S(client_copy),
      SSL_SESSION_get_timeout(client_copy));
}

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 0, 1);
    new_cb_return = 1;

    T("SSL_CTX_set_timeout(server, 10) -> %ld", SSL_CTX_set_timeout(server, 10));
    T("SSL_CTX_get_timeout(server) -> %ld", SSL_CTX_get_timeout(server));
    SSL_SESSION *c1 = connection("1 (full, ctx timeout 10)", server, client, NULL, 1);
    SSL_SESSION *k1 = kept[0];
    long ref1 = SSL_SESSION_get_time(k1);
    timeouts_of(k1, c1);
    SSL_SESSION *c2 = connection("2 (resume at once)", server, client, c1, 1);
    counters(server);
    set_back(k1, ref1, 3);
    SSL_SESSION *c3 = connection("3 (resume, set back 3 s of 10)", server, client, c1, 1);
    counters(server);
    set_back(k1, ref1, 20);
    SSL_SESSION *c4 = connection("4 (resume, set back 20 s of 10)", server, client, c1, 1);
    counters(server);
    counters(client);

    /* SSL_SESSION_set_timeout on a cached entry. */
    SSL_SESSION *k2 = kept[1];
    long ref2 = SSL_SESSION_get_time(k2);
    timeouts_of(k2, c4);
    long r = SSL_SESSION_set_timeout(k2, 2);
    T("SSL_SESSION_set_timeout(%s, 2) -> %ld; timeout=%ld", S(k2), r, SSL_SESSION_get_timeout(k2));
    set_back(k2, ref2, 5);
    SSL_SESSION *c5 = connection("5 (resume, timeout 2, set back 5 s)", server, client, c4, 1);
    counters(server);

    /* Timeout 0: the default. */
    T("SSL_CTX_set_timeout(server, 0) -> %ld", SSL_CTX_set_timeout(server, 0));
    SSL_SESSION *c6 = connection("6 (full, ctx timeout 0)", server, client, NULL, 1);
    SSL_SESSION *k6 = kept[kept_count - 1];
    timeouts_of(k6, c6);
    SSL_SESSION *c7 = connection("7 (resume)", server, client, c6, 1);
    counters(server);

    /* A negative timeout: sessions are born expired. */
    T("SSL_CTX_set_timeout(server, -5) -> %ld", SSL_CTX_set_timeout(server, -5));
    T("SSL_CTX_get_timeout(server) -> %ld", SSL_CTX_get_timeout(server));
    SSL_SESSION *c8 = connection("8 (full, ctx timeout -5)", server, client, NULL, 1);
    SSL_SESSION *k8 = kept[kept_count - 1];
    timeouts_of(k8, c8);
    counters(server);
    SSL_SESSION *c9 = connection("9 (resume the session born expired)", server, client, c8, 1);
    counters(server);
    counters(client);

    T("SSL_CTX_set_timeout(server, 7200) -> %ld", SSL_CTX_set_timeout(server, 7200));
    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION *all[] = { c1, c2, c3, c4, c5, c6, c7, c8, c9 };
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        SSL_SESSION_free(all[i]);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
