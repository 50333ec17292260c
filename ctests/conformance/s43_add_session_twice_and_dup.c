/* SSL_CTX_add_session, TLS 1.2 session ids, new and remove callbacks traced: the cached object
 * added again (-> 0, no callback); an SSL_SESSION_dup of it (same id, other object) added
 * (-> 1, silently replaces it: no remove callback, the old object stays resumable) and added
 * again (-> 0); a resumption then runs on the dup; removing the original object removes the dup
 * by key; re-adding the removed (non-resumable) original, which is a new entry and evicts in the
 * bounded cache (size 3, holds two); a dup of a non-resumable object replacing it (nothing
 * evicted). Internal lookup ignores the non-resumable flag. */
#include "trace.h"

static SSL_CTX *server, *client;
static SSL_SESSION *orig, *sdup1, *sdup2;

static const char *which(const SSL_SESSION *s)
{
    return s == NULL ? "none" : s == orig ? "original" : s == sdup1 ? "dup" : s == sdup2 ? "second dup" : "other";
}

static void add(const char *what, SSL_SESSION *s)
{
    T("SSL_CTX_add_session(server, %s %s)", what, S(s));
    int r = SSL_CTX_add_session(server, s);
    T("  -> %d; number=%ld cache_full=%ld", r, SSL_CTX_sess_number(server), SSL_CTX_sess_cache_full(server));
}

static SSL_SESSION *resume(const char *what, SSL_SESSION *offer)
{
    T("connection %s: client offers %s", what, S(offer));
    struct pair p = pair_new(server, client, offer);
    int ok = pair_handshake(&p);
    T("  handshake %s; reused server=%d client=%d; server session %s, object %s", ok ? "ok" : "failed",
      SSL_session_reused(p.server), SSL_session_reused(p.client), S(SSL_get_session(p.server)),
      which(SSL_get_session(p.server)));
    SSL_SESSION *s = SSL_get1_session(p.client);
    pair_close(&p, 1);
    return s;
}

int main(void)
{
    /* Which session the re-add evicts depends on S1 and S3 sharing an expiry time. */
    start_of_second();
    server = server_ctx();
    client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 0, 1);
    new_cb_return = 1;
    long prev = SSL_CTX_sess_set_cache_size(server, 3);
    T("SSL_CTX_sess_set_cache_size(server, 3) -> %ld", prev);

    SSL_SESSION *c1 = connection("1 (full)", server, client, NULL, 1);
    SSL_SESSION *c2 = connection("2 (full)", server, client, NULL, 1);
    orig = kept[0];
    counters(server);

    add("cached object", orig);
    sdup1 = SSL_SESSION_dup(orig);
    T("SSL_SESSION_dup(%s) -> %s resumable=%d, same object: %s", S(orig), S(sdup1), resumable(sdup1),
      sdup1 == orig ? "yes" : "no");
    add("dup of the cached object", sdup1);
    T("  original resumable=%d, dup resumable=%d", resumable(orig), resumable(sdup1));
    add("dup again", sdup1);
    counters(server);

    SSL_SESSION *c3 = resume("3 (resume S1)", c1);
    counters(server);

    T("SSL_CTX_remove_session(server, original %s)", S(orig));
    int r = SSL_CTX_remove_session(server, orig);
    T("  -> %d; original resumable=%d, dup resumable=%d; number=%ld", r, resumable(orig), resumable(sdup1),
      SSL_CTX_sess_number(server));
    SSL_SESSION *c4 = resume("4 (resume S1: gone)", c1);
    counters(server);

    add("removed original", orig);
    T("  original resumable=%d", resumable(orig));
    SSL_SESSION *c5 = resume("5 (resume S1: the non-resumable original is cached)", c1);
    counters(server);

    sdup2 = SSL_SESSION_dup(orig);
    T("SSL_SESSION_dup(original %s) -> %s resumable=%d", S(orig), S(sdup2), resumable(sdup2));
    add("dup of the non-resumable original", sdup2);
    SSL_SESSION *c6 = resume("6 (resume S1: the non-resumable dup is cached)", c1);
    counters(server);
    SSL_SESSION *c7 = resume("7 (resume S2: evicted by the re-add)", c2);
    counters(server);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    T("  original resumable=%d, dup resumable=%d", resumable(orig), resumable(sdup1));
    SSL_SESSION_free(sdup1);
    SSL_SESSION_free(sdup2);
    SSL_SESSION *all[] = { c1, c2, c3, c4, c5, c6, c7 };
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        SSL_SESSION_free(all[i]);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
