/* SSL_CTX_flush_sessions, TLS 1.2 session ids: four cached sessions with times set relative to one
 * reference (the last session's own time): expiring at ref-800, ref-100, ref+7200, ref+8200.
 * Flushes at times around each expiry (strict: a session goes when tm > time + timeout), with a
 * tiny time, then with 0 (everything). The remove callback is traced, resumptions show what is
 * left. No absolute time is printed. */
#include "trace.h"

static SSL_CTX *server;

static void flush_at(const char *what, long tm)
{
    T("SSL_CTX_flush_sessions(server, %s)", what);
    SSL_CTX_flush_sessions(server, tm);
    T("  number=%ld", SSL_CTX_sess_number(server));
}

static void set_time(SSL_SESSION *s, long ref, long delta)
{
    long r = SSL_SESSION_set_time(s, ref + delta);
    T("SSL_SESSION_set_time(%s, ref %+ld) returned t: %s", S(s), delta, r == ref + delta ? "yes" : "no");
}

int main(void)
{
    server = server_ctx();
    SSL_CTX *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 0, 1);
    new_cb_return = 1;
    SSL_SESSION *c[16] = { 0 };
    int n = 0;

    flush_at("0, empty cache", 0);
    c[n++] = connection("1 (full)", server, client, NULL, 1);
    c[n++] = connection("2 (full)", server, client, NULL, 1);
    c[n++] = connection("3 (full)", server, client, NULL, 1);
    c[n++] = connection("4 (full)", server, client, NULL, 1);
    counters(server);
    long ref = SSL_SESSION_get_time(kept[3]);
    set_time(kept[0], ref, -8000); /* expires at ref - 800 */
    set_time(kept[1], ref, -7300); /* ref - 100 */
    set_time(kept[2], ref, 0);     /* ref + 7200 */
    set_time(kept[3], ref, 1000);  /* ref + 8200 */

    flush_at("1", 1);
    flush_at("ref - 800 (S1's expiry)", ref - 800);
    flush_at("ref - 799", ref - 799);
    for (int i = 0; i < 4; i++)
        T("  %s resumable=%d", S(kept[i]), resumable(kept[i]));
    flush_at("ref", ref);
    flush_at("ref + 7200 (S3's expiry)", ref + 7200);
    flush_at("ref + 7201", ref + 7201);
    for (int i = 0; i < 4; i++)
        T("  %s resumable=%d", S(kept[i]), resumable(kept[i]));
    counters(server);

    c[n++] = connection("5 (resume S4, still cached)", server, client, c[3], 1);
    c[n++] = connection("6 (resume S3, flushed)", server, client, c[2], 1);
    counters(server);

    flush_at("0", 0);
    for (int i = 0; i < kept_count; i++)
        T("  %s resumable=%d", S(kept[i]), resumable(kept[i]));
    counters(server);
    flush_at("0 again", 0);
    c[n++] = connection("7 (resume S4, flushed)", server, client, c[3], 1);
    counters(server);
    counters(client);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    for (int i = 0; i < n; i++)
        SSL_SESSION_free(c[i]);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
