/* The auto-flush disabled, TLS 1.2 session ids: mode SERVER|NO_AUTO_CLEAR, 257 full handshakes
 * whose sessions 1-200 (except every tenth) are set to have expired: nothing is flushed at the
 * 256th, the expired entries stay cached (number 257). Then NO_AUTO_CLEAR is cleared and the
 * handshakes go on to the 512th, which is a resumption (of S257): the auto-flush runs in it and
 * removes the 180 expired entries. Quiet remove callback (count, first and last victim); counters
 * every 64th handshake and around 254-257 and 510-512. Labels: S<n> is the session of handshake n. */
#include "trace.h"

static int removed;
static char first_removed[16], last_removed[16];

static void counting_remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    if (removed++ == 0)
        snprintf(first_removed, sizeof first_removed, "%s", S(sess));
    snprintf(last_removed, sizeof last_removed, "%s", S(sess));
}

static void report(SSL_CTX *server)
{
    if (removed)
        T("  removed %d (first %s, last %s)", removed, first_removed, last_removed);
    else
        T("  removed 0");
    removed = 0;
    counters(server);
}

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    SSL_CTX_sess_set_remove_cb(server, counting_remove_cb);
    long mode = SSL_CTX_set_session_cache_mode(server, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_AUTO_CLEAR);
    T("SSL_CTX_set_session_cache_mode(server, SERVER|NO_AUTO_CLEAR) -> 0x%lx; now 0x%lx", mode,
      SSL_CTX_get_session_cache_mode(server));

    SSL_SESSION *c10 = NULL, *c257 = NULL;
    int failures = 0, expired = 0;
    for (int i = 1; i <= 512; i++) {
        if (i == 258) {
            mode = SSL_CTX_set_session_cache_mode(server, SSL_SESS_CACHE_SERVER);
            T("SSL_CTX_set_session_cache_mode(server, SERVER) -> 0x%lx", mode);
        }
        int verbose = i % 64 == 0 || (i >= 254 && i <= 257) || i >= 510;
        int resume = i == 512;
        if (verbose)
            T("handshake %d%s", i, resume ? " (resume S257)" : "");
        struct pair p = pair_new(server, client, resume ? c257 : NULL);
        if (!pair_handshake(&p) || SSL_session_reused(p.server) != resume) {
            T("  handshake %d failed or resumption not as planned", i);
            failures++;
        }
        SSL_SESSION *s = SSL_get_session(p.server);
        if (resume)
            T("  server session %s", S(s));
        else
            S(s); /* label S<i> */
        if (i <= 200 && i % 10 != 0) {
            long t = SSL_SESSION_get_time(s) - SSL_SESSION_get_timeout(s) - 1000;
            if (SSL_SESSION_set_time(s, t) != t)
                T("  set_time failed");
            expired++;
        }
        if (i == 10)
            c10 = SSL_get1_session(p.client);
        if (i == 257)
            c257 = SSL_get1_session(p.client);
        pair_close(&p, 1);
        if (verbose)
            report(server);
    }
    T("%d handshakes failed; %d sessions set to expired", failures, expired);

    struct pair p = pair_new(server, client, c10);
    int ok = pair_handshake(&p);
    T("offer S10 (fresh): handshake %s, reused=%d", ok ? "ok" : "failed", SSL_session_reused(p.server));
    pair_close(&p, 1);
    report(server);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    T("  removed %d", removed);
    SSL_SESSION_free(c10);
    SSL_SESSION_free(c257);
    SSL_CTX_free(client);
    return 0;
}
