/* Session lifecycles around real TLS 1.2 handshakes: an established connection freed or cleared
 * without shutdown loses its session (server and client side), SSL_set_shutdown and quiet
 * shutdown prevent that, SSL_get1_session + SSL_set_session resumes, the client cache calls its
 * new callback only for full handshakes, and what the server callbacks can see and call. */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include "check.h"
#include "tls_pair.h"

static int s_new, s_get, s_remove, c_new, c_remove;
static SSL_SESSION *c_new_sess;
static SSL *c_new_ssl;

static int s_new_cb(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    (void)sess;
    s_new++;
    return 0;
}

static SSL_SESSION *s_get_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    (void)ssl;
    (void)id;
    (void)len;
    (void)copy;
    s_get++;
    return NULL;
}

static void s_remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    (void)sess;
    s_remove++;
}

static int c_new_cb(SSL *ssl, SSL_SESSION *sess)
{
    c_new++;
    c_new_ssl = ssl;
    c_new_sess = sess;
    return 0;
}

static void c_remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    (void)sess;
    c_remove++;
}

static SSL_CTX *tls12_server(void)
{
    SSL_CTX *ctx = server_ctx();
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_sess_set_new_cb(ctx, s_new_cb);
    SSL_CTX_sess_set_get_cb(ctx, s_get_cb);
    SSL_CTX_sess_set_remove_cb(ctx, s_remove_cb);
    return ctx;
}

static void close_fds(struct pair *p)
{
    close(p->fds[0]);
    close(p->fds[1]);
}

/* A resumption attempt with `offer`, cleanly closed: 1 if the server resumed. */
static int resumes(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer)
{
    struct pair p = pair_new(sctx, cctx, offer);
    int ok = pair_handshake(&p) && pair_exchange(&p);
    int r = ok && SSL_session_reused(p.server) && SSL_session_reused(p.client);
    pair_close(&p, 1);
    return r;
}

/* ---- Part 6: what the server callbacks see. ---- */
static SSL *expect_ssl;
static SSL_CTX *expect_ctx;
static int ex_idx;
static int marker;
static unsigned char der[8192];
static int der_len;
static int g_new, g_get;
static int n_ssl_ok, n_ctx_ok, n_version, n_opt_ok, n_ex_ok, n_number, n_match, n_sess_ok;
static int g_ssl_ok, g_ctx_ok, g_version, g_opt_ok, g_ex_ok, g_servername_null, g_number, g_match, g_server;
static int g_mode; /* 0: return NULL; 1: a d2i copy of der (copy = 0) */

static int ctx_new_cb(SSL *ssl, SSL_SESSION *sess)
{
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);
    g_new++;
    n_ssl_ok = ssl == expect_ssl;
    n_ctx_ok = SSL_get_SSL_CTX(ssl) == expect_ctx;
    n_version = SSL_version(ssl);
    n_opt_ok = (SSL_get_options(ssl) & SSL_OP_NO_TICKET) != 0;
    n_ex_ok = SSL_get_ex_data(ssl, ex_idx) == &marker;
    n_sess_ok = SSL_get_session(ssl) == sess;
    /* Calls back into the library from inside the callback. */
    n_number = (int)SSL_CTX_sess_number(SSL_get_SSL_CTX(ssl));
    n_match = SSL_has_matching_session_id(ssl, id, len);
    int n = i2d_SSL_SESSION(sess, NULL);
    if (n > 0 && n <= (int)sizeof der) {
        unsigned char *out = der;
        der_len = i2d_SSL_SESSION(sess, &out);
    }
    return 0;
}

static SSL_SESSION *ctx_get_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    g_get++;
    g_ssl_ok = ssl == expect_ssl;
    g_ctx_ok = SSL_get_SSL_CTX(ssl) == expect_ctx;
    g_version = SSL_version(ssl);
    g_server = SSL_is_server(ssl);
    g_opt_ok = (SSL_get_options(ssl) & SSL_OP_NO_TICKET) != 0;
    g_ex_ok = SSL_get_ex_data(ssl, ex_idx) == &marker;
    g_servername_null = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) == NULL;
    g_number = (int)SSL_CTX_sess_number(SSL_get_SSL_CTX(ssl));
    g_match = SSL_has_matching_session_id(ssl, id, (unsigned int)len);
    if (g_mode == 1 && der_len > 0) {
        const unsigned char *in = der;
        *copy = 0;
        return d2i_SSL_SESSION(NULL, &in, der_len);
    }
    return NULL;
}

int main(void)
{
    SSL_CTX *sctx, *cctx;
    struct pair p;
    int ok, res;
    long n;

    /* 1. A server connection freed without SSL_shutdown removes its session. */
    sctx = tls12_server();
    cctx = client_ctx();
    p = pair_new(sctx, cctx, NULL);
    ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "handshake (unclean server free)");
    SSL_SESSION *ssess = SSL_get1_session(p.server);
    SSL_SESSION *csess = SSL_get1_session(p.client);
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 1, "the session is cached");
    SSL_shutdown(p.client);
    SSL_free(p.server); /* no SSL_shutdown on the server */
    CHECK_EQ(s_remove, 1, "unclean server free: remove callback");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 0, "unclean server free: the entry left the cache");
    res = SSL_SESSION_is_resumable(ssess);
    CHECK_EQ(res, 0, "unclean server free: the server session is not resumable");
    res = SSL_SESSION_is_resumable(csess);
    CHECK_EQ(res, 1, "the client (which shut down) still has a resumable session");
    SSL_free(p.client);
    close_fds(&p);
    res = resumes(sctx, cctx, csess);
    CHECK_EQ(res, 0, "unclean server free: the session no longer resumes");
    SSL_SESSION_free(ssess);
    SSL_SESSION_free(csess);

    /* 2a. SSL_set_shutdown(SSL_SENT_SHUTDOWN) before the free keeps the session. */
    s_remove = 0;
    p = pair_new(sctx, cctx, NULL);
    ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "handshake (set_shutdown)");
    ssess = SSL_get1_session(p.server);
    csess = SSL_get1_session(p.client);
    n = SSL_CTX_sess_number(sctx);
    SSL_set_shutdown(p.server, SSL_SENT_SHUTDOWN);
    int sd = SSL_get_shutdown(p.server);
    CHECK_EQ(sd, SSL_SENT_SHUTDOWN, "SSL_get_shutdown after SSL_set_shutdown");
    SSL_shutdown(p.client);
    pair_close(&p, 0);
    CHECK_EQ(s_remove, 0, "SENT_SHUTDOWN set: no remove callback");
    long num = SSL_CTX_sess_number(sctx);
    CHECK_EQ(num, n, "SENT_SHUTDOWN set: the session stays cached");
    res = SSL_SESSION_is_resumable(ssess);
    CHECK_EQ(res, 1, "SENT_SHUTDOWN set: the server session stays resumable");
    res = resumes(sctx, cctx, csess);
    CHECK_EQ(res, 1, "SENT_SHUTDOWN set: the session resumes");
    SSL_SESSION_free(ssess);
    SSL_SESSION_free(csess);

    /* 2b. Quiet shutdown + SSL_shutdown keeps it as well. */
    p = pair_new(sctx, cctx, NULL);
    ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "handshake (quiet shutdown)");
    ssess = SSL_get1_session(p.server);
    csess = SSL_get1_session(p.client);
    n = SSL_CTX_sess_number(sctx);
    SSL_set_quiet_shutdown(p.server, 1);
    int q = SSL_get_quiet_shutdown(p.server);
    CHECK_EQ(q, 1, "SSL_get_quiet_shutdown");
    int rs = SSL_shutdown(p.server);
    CHECK_EQ(rs, 1, "a quiet SSL_shutdown returns 1");
    sd = SSL_get_shutdown(p.server);
    CHECK_EQ(sd, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN, "quiet shutdown sets both flags");
    SSL_shutdown(p.client);
    pair_close(&p, 0);
    CHECK_EQ(s_remove, 0, "quiet shutdown: no remove callback");
    num = SSL_CTX_sess_number(sctx);
    CHECK_EQ(num, n, "quiet shutdown: the session stays cached");
    res = resumes(sctx, cctx, csess);
    CHECK_EQ(res, 1, "quiet shutdown: the session resumes");
    SSL_SESSION_free(ssess);
    SSL_SESSION_free(csess);

    /* 3. SSL_clear on an established connection without shutdown removes the session and
     * drops it; after a clean shutdown SSL_clear keeps it. */
    p = pair_new(sctx, cctx, NULL);
    ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "handshake (SSL_clear)");
    ssess = SSL_get1_session(p.server);
    n = SSL_CTX_sess_number(sctx);
    int rc = SSL_clear(p.server);
    CHECK_EQ(rc, 1, "SSL_clear returns 1");
    CHECK_EQ(s_remove, 1, "unclean SSL_clear: remove callback");
    SSL_SESSION *after = SSL_get_session(p.server);
    CHECK(after == NULL, "unclean SSL_clear: SSL_get_session is NULL (%p)", (void *)after);
    num = SSL_CTX_sess_number(sctx);
    CHECK_EQ(num, n - 1, "unclean SSL_clear: the entry left the cache");
    res = SSL_SESSION_is_resumable(ssess);
    CHECK_EQ(res, 0, "unclean SSL_clear: the session is not resumable");
    SSL_shutdown(p.client);
    pair_close(&p, 0);
    CHECK_EQ(s_remove, 1, "freeing the cleared SSL removes nothing more");
    SSL_SESSION_free(ssess);

    p = pair_new(sctx, cctx, NULL);
    ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "handshake (clean SSL_clear)");
    SSL_SESSION *borrowed = SSL_get_session(p.server);
    SSL_shutdown(p.server);
    rc = SSL_clear(p.server);
    CHECK_EQ(rc, 1, "SSL_clear after SSL_shutdown returns 1");
    after = SSL_get_session(p.server);
    CHECK(after == borrowed && after != NULL, "clean SSL_clear keeps the session");
    CHECK_EQ(s_remove, 1, "clean SSL_clear: no remove callback");
    SSL_shutdown(p.client);
    pair_close(&p, 0);
    CHECK_EQ(s_remove, 1, "freeing the cleanly cleared SSL removes nothing");
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);

    /* 4. A client freed without shutdown invalidates its session, even in the default client
     * cache mode (SERVER: no client caching). */
    s_remove = 0;
    sctx = tls12_server();
    cctx = client_ctx();
    SSL_CTX_sess_set_remove_cb(cctx, c_remove_cb);
    long cmode = SSL_CTX_get_session_cache_mode(cctx);
    CHECK_EQ(cmode, SSL_SESS_CACHE_SERVER, "the client ctx has the default mode");
    p = pair_new(sctx, cctx, NULL);
    ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "handshake (unclean client free)");
    csess = SSL_get1_session(p.client);
    res = SSL_SESSION_is_resumable(csess);
    CHECK_EQ(res, 1, "the client session is resumable while the connection lives");
    SSL_shutdown(p.server);
    SSL_free(p.client); /* no SSL_shutdown on the client */
    res = SSL_SESSION_is_resumable(csess);
    CHECK_EQ(res, 0, "unclean client free: the client's copy is not resumable");
    CHECK_EQ(c_remove, 1, "unclean client free: the client ctx's remove callback ran");
    n = SSL_CTX_sess_number(cctx);
    CHECK_EQ(n, 0, "nothing is cached on the client ctx");
    SSL_free(p.server);
    close_fds(&p);
    CHECK_EQ(s_remove, 0, "the server (which shut down) removed nothing");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 1, "the server still caches the session");
    res = resumes(sctx, cctx, csess);
    CHECK_EQ(res, 0, "the invalidated client session is not offered / not resumed");
    SSL_SESSION_free(csess);

    /* 5. SSL_get1_session, then SSL_set_session on a new connection: TLS 1.2 resumption. */
    p = pair_new(sctx, cctx, NULL);
    ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "handshake (get1/set_session)");
    csess = SSL_get1_session(p.client);
    pair_close(&p, 1);
    p = pair_new(sctx, cctx, NULL);
    int ss = SSL_set_session(p.client, csess);
    CHECK_EQ(ss, 1, "SSL_set_session returns 1");
    ok = pair_handshake(&p);
    CHECK(ok, "resumption handshake");
    n = SSL_session_reused(p.server);
    CHECK_EQ(n, 1, "resumed (server)");
    n = SSL_session_reused(p.client);
    CHECK_EQ(n, 1, "resumed (client)");
    n = SSL_version(p.client);
    CHECK_EQ(n, TLS1_2_VERSION, "TLS 1.2 resumption");
    SSL_SESSION *cur = SSL_get_session(p.client);
    CHECK(cur == csess, "the resuming client keeps the offered session object");
    pair_close(&p, 1);
    SSL_SESSION_free(csess);
    SSL_CTX_free(cctx);

    /* 6. A client ctx with SSL_SESS_CACHE_CLIENT: new callback once for a full handshake, not
     * on a resumption. */
    cctx = client_ctx();
    SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT);
    SSL_CTX_sess_set_new_cb(cctx, c_new_cb);
    p = pair_new(sctx, cctx, NULL);
    ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "handshake (client cache)");
    CHECK_EQ(c_new, 1, "client new callback once for a full TLS 1.2 handshake");
    CHECK(c_new_ssl == p.client, "the client new callback gets the client SSL");
    CHECK(c_new_sess == SSL_get_session(p.client), "with the connection's session");
    n = SSL_CTX_sess_number(cctx);
    CHECK_EQ(n, 1, "the client ctx caches it");
    csess = SSL_get1_session(p.client);
    pair_close(&p, 1);
    res = resumes(sctx, cctx, csess);
    CHECK_EQ(res, 1, "client-cached session resumes");
    CHECK_EQ(c_new, 1, "no client new callback on a TLS 1.2 resumption");
    n = SSL_CTX_sess_number(cctx);
    CHECK_EQ(n, 1, "still one session in the client cache");
    n = SSL_CTX_sess_hits(cctx);
    CHECK_EQ(n, 1, "the client ctx counts the hit");
    SSL_SESSION_free(csess);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);

    /* 7. Inside the server callbacks: the connection's own SSL, its ctx, version, options,
     * ex_data; no server name yet in the get callback; calls back into the library. */
    sctx = server_ctx();
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION);
    SSL_CTX_sess_set_new_cb(sctx, ctx_new_cb);
    SSL_CTX_sess_set_get_cb(sctx, ctx_get_cb);
    cctx = client_ctx();
    ex_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    CHECK(ex_idx > 0, "an SSL ex_data index (%d)", ex_idx);
    expect_ctx = sctx;
    p = pair_new(sctx, cctx, NULL);
    expect_ssl = p.server;
    SSL_set_ex_data(p.server, ex_idx, &marker);
    long sn = SSL_set_tlsext_host_name(p.client, "example.test");
    CHECK_EQ(sn, 1, "the client sets SNI");
    ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "handshake (callback context)");
    CHECK_EQ(g_new, 1, "server new callback ran");
    CHECK(n_ssl_ok, "new callback: the SSL is the server connection");
    CHECK(n_ctx_ok, "new callback: SSL_get_SSL_CTX is the server ctx");
    CHECK_EQ(n_version, TLS1_2_VERSION, "new callback: SSL_version");
    CHECK(n_opt_ok, "new callback: SSL_get_options shows NO_TICKET");
    CHECK(n_ex_ok, "new callback: SSL_get_ex_data");
    CHECK(n_sess_ok, "new callback: SSL_get_session is the session passed");
    CHECK_EQ(n_number, 1, "new callback: SSL_CTX_sess_number sees the session already cached");
    CHECK_EQ(n_match, 1, "new callback: SSL_has_matching_session_id finds the new id");
    /* The TLS 1.3-capable client's random legacy id reached the get callback. */
    CHECK_EQ(g_get, 1, "get callback ran for the client's compatibility id");
    CHECK(g_ssl_ok, "get callback: the SSL is the server connection");
    CHECK_EQ(g_server, 1, "get callback: SSL_is_server");
    CHECK(g_ctx_ok, "get callback: SSL_get_SSL_CTX");
    CHECK_EQ(g_version, TLS1_2_VERSION, "get callback: SSL_version already negotiated");
    CHECK(g_opt_ok, "get callback: SSL_get_options");
    CHECK(g_ex_ok, "get callback: SSL_get_ex_data");
    CHECK(g_servername_null, "get callback: SSL_get_servername is NULL (SNI not parsed yet)");
    CHECK_EQ(g_number, 0, "get callback: SSL_CTX_sess_number (nothing cached yet)");
    CHECK_EQ(g_match, 0, "get callback: a random id has no match");
    const char *name = SSL_get_servername(p.server, TLSEXT_NAMETYPE_host_name);
    CHECK(name != NULL && strcmp(name, "example.test") == 0, "after the handshake the server sees the SNI (%s)",
          name ? name : "(null)");
    csess = SSL_get1_session(p.client);
    pair_close(&p, 1);

    /* Resumption through the get callback (internal lookup off): same context inside it. */
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_LOOKUP);
    g_mode = 1;
    g_ssl_ok = g_ex_ok = g_servername_null = 0;
    p = pair_new(sctx, cctx, csess);
    expect_ssl = p.server;
    SSL_set_ex_data(p.server, ex_idx, &marker);
    SSL_set_tlsext_host_name(p.client, "example.test");
    ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "resumption handshake (callback context)");
    n = SSL_session_reused(p.server);
    CHECK_EQ(n, 1, "resumed through the get callback");
    CHECK_EQ(g_get, 2, "the get callback ran again");
    CHECK(g_ssl_ok && g_ex_ok, "get callback on resumption: own SSL and ex_data");
    CHECK(g_servername_null, "get callback on resumption: no server name yet");
    CHECK_EQ(g_match, 1, "get callback: SSL_has_matching_session_id finds the cached id");
    CHECK_EQ(g_number, 1, "get callback: SSL_CTX_sess_number");
    /* After a TLS 1.2 resumption OpenSSL answers from the resumed session, and a server
     * session only records the SNI name when a servername callback acknowledged it (none here):
     * so NULL, although the client sent the name again. */
    name = SSL_get_servername(p.server, TLSEXT_NAMETYPE_host_name);
    CHECK(name == NULL, "after a TLS 1.2 resumption (no servername callback) the server name is NULL (%s)",
          name ? name : "(null)");
    CHECK_EQ(g_new, 1, "no new callback on the resumption");
    pair_close(&p, 1);
    SSL_SESSION_free(csess);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);

    return check_summary();
}
