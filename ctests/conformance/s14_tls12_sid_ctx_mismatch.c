/* TLS 1.2 session ids, session id context mismatch (mode SERVER). The server contexts' sid_ctx
 * is "test"; some connections set "other" on the server SSL with SSL_set_session_id_context. A
 * session found (internally or through get_cb) with a different sid_ctx is not resumed: no hit,
 * no miss counted for the internal find, a full handshake. A get_cb result is stored internally
 * (and counted as cb_hit) before the sid_ctx check rejects it, and later resumes where the
 * context matches. */
#include "trace.h"

static SSL_SESSION *from_der(int i)
{
    const unsigned char *q = der_store[i].der;
    return d2i_SSL_SESSION(NULL, &q, der_store[i].der_len);
}

static const char *sid_ctx_of(const SSL_SESSION *s)
{
    static char buf[40];
    unsigned int len = 0;
    const unsigned char *c = s == NULL ? NULL : SSL_SESSION_get0_id_context(s, &len);
    snprintf(buf, sizeof buf, "\"%.*s\"", (int)len, c == NULL ? "" : (const char *)c);
    return buf;
}

/* connection() with an optional session id context set on the server SSL. */
static SSL_SESSION *conn_ctx(const char *what, SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer, const char *sid)
{
    T("connection %s: client offers %s, server SSL sid_ctx %s", what, S(offer), sid == NULL ? "(from ctx)" : sid);
    struct pair p = pair_new(sctx, cctx, offer);
    if (sid != NULL) {
        int r = SSL_set_session_id_context(p.server, (const unsigned char *)sid, (unsigned int)strlen(sid));
        T("  SSL_set_session_id_context(server ssl, \"%s\") -> %d", sid, r);
    }
    int ok = pair_handshake(&p);
    T("  handshake %s", ok ? "ok" : "failed");
    if (ok) {
        if (!pair_exchange(&p))
            T("  data exchange failed");
        T("  reused server=%d client=%d version=%x", SSL_session_reused(p.server), SSL_session_reused(p.client),
          (unsigned)SSL_version(p.server));
    }
    SSL_SESSION *s = SSL_get1_session(p.client);
    SSL_SESSION *ss = SSL_get_session(p.server);
    T("  client session %s resumable=%d; server session %s sid_ctx %s", S(s), resumable(s), S(ss), sid_ctx_of(ss));
    pair_close(&p, 1);
    return s;
}

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 1, 1);
    new_cb_return = 0;
    store_der = 1;
    get_mode = GET_D2I_COPY0;

    SSL_SESSION *c1 = conn_ctx("1 (full)", server, client, NULL, NULL);
    counters(server);
    counters(client);

    SSL_SESSION *d = from_der(0);
    int r = SSL_CTX_remove_session(server, d);
    T("SSL_CTX_remove_session(server, decoded %s) -> %d", S(d), r);
    counters(server);

    SSL_SESSION *c2 = conn_ctx("2 (offer; get_cb's session has the other sid_ctx)", server, client, c1, "other");
    counters(server);
    counters(client);

    SSL_SESSION *c3 = conn_ctx("3 (offer; the get_cb result stored internally matches)", server, client, c1, NULL);
    counters(server);
    counters(client);

    SSL_SESSION *c4 = conn_ctx("4 (offer the \"other\" session; found internally, mismatch)", server, client, c2,
                               NULL);
    counters(server);
    counters(client);

    SSL_SESSION *c5 = conn_ctx("5 (offer the \"other\" session; match)", server, client, c2, "other");
    counters(server);
    counters(client);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION_free(d);
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_SESSION_free(c4);
    SSL_SESSION_free(c5);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
