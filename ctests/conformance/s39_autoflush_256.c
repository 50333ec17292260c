/* The auto-flush, TLS 1.2 session ids: 257 full handshakes on one server context. The sessions of
 * handshakes 1-200 are set to have expired (set_time on the server's object right after its
 * handshake), except every tenth one (10, 20, ..., 200), which stays fresh. The 256th session is
 * aged by the new callback itself (which runs before the flush check). The flush runs inside the
 * 256th handshake and removes the 181 expired ones, the new session last; nothing is flushed at 255
 * or 257. The remove callback counts quietly (first and last victim are reported); counters are
 * printed every 64th handshake and around 254-257. Labels: S<n> is the session of handshake n. */
#include "trace.h"

#define MODE_EXTRA 0

static int removed;
static char first_removed[16], last_removed[16];

static void counting_remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    if (removed++ == 0)
        snprintf(first_removed, sizeof first_removed, "%s", S(sess));
    snprintf(last_removed, sizeof last_removed, "%s", S(sess));
}

static int current;

static int aging_new_cb(SSL *ssl, SSL_SESSION *sess)
{
    if (current == 256) {
        long t = SSL_SESSION_get_time(sess) - SSL_SESSION_get_timeout(sess) - 1000;
        long r = SSL_SESSION_set_time(sess, t);
        T("  new_cb(%s): SSL_SESSION_set_time(time - timeout - 1000) returned t: %s; number=%ld", S(sess),
          r == t ? "yes" : "no", SSL_CTX_sess_number(SSL_get_SSL_CTX(ssl)));
    }
    return 0;
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
    SSL_CTX_sess_set_new_cb(server, aging_new_cb);
    long mode = SSL_CTX_set_session_cache_mode(server, SSL_SESS_CACHE_SERVER | MODE_EXTRA);
    T("SSL_CTX_set_session_cache_mode(server, 0x%x) -> 0x%lx", SSL_SESS_CACHE_SERVER | MODE_EXTRA, mode);

    SSL_SESSION *keep[4] = { 0 }; /* client copies of sessions 10, 200, 201, 256 */
    int failures = 0, expired = 0;
    for (int i = 1; i <= 257; i++) {
        int verbose = i % 64 == 0 || i >= 254;
        current = i;
        if (verbose)
            T("handshake %d", i);
        struct pair p = pair_new(server, client, NULL);
        if (!pair_handshake(&p) || SSL_session_reused(p.server)) {
            T("  handshake %d failed or resumed", i);
            failures++;
        }
        SSL_SESSION *s = SSL_get_session(p.server);
        if (i != 256)
            S(s); /* label S<i> (S256 is labelled in the new callback) */
        if (i <= 200 && i % 10 != 0) {
            long t = SSL_SESSION_get_time(s) - SSL_SESSION_get_timeout(s) - 1000;
            if (SSL_SESSION_set_time(s, t) != t)
                T("  set_time failed");
            expired++;
        }
        if (i == 10 || i == 200 || i == 201 || i == 256)
            keep[i == 10 ? 0 : i == 200 ? 1 : i == 201 ? 2 : 3] = SSL_get1_session(p.client);
        pair_close(&p, 1);
        if (verbose)
            report(server);
    }
    T("%d handshakes failed; %d sessions set to expired after their handshake", failures, expired);

    T("resumptions after the loop:");
    const char *names[4] = { "S10 (fresh)", "S200 (fresh)", "S201", "S256 (flushed)" };
    for (int k = 0; k < 4; k++) {
        struct pair p = pair_new(server, client, keep[k]);
        int ok = pair_handshake(&p);
        T("  offer %s: handshake %s, reused=%d", names[k], ok ? "ok" : "failed", SSL_session_reused(p.server));
        pair_close(&p, 1);
    }
    report(server);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    T("  removed %d", removed);
    for (int k = 0; k < 4; k++)
        SSL_SESSION_free(keep[k]);
    SSL_CTX_free(client);
    return 0;
}
