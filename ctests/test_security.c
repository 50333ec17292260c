/* The security properties, each on its own, with real handshakes where they matter:
 *  1. an expired session never resumes;           2. a session of another id context never
 *  resumes;  3. a removed (not resumable) session never resumes from the get callback;
 *  4. a session id longer than 32 bytes from the network is refused before any lookup;
 *  5. from d2i, an id longer than 32 bytes is refused;  6. the cache never exceeds its bound.
 * (Concurrent adds: test_stress.c; a zero-length id and eviction: test_differences.c.) */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include "check.h"
#include "tls_pair.h"
#include <openssl/err.h>

static int get_calls;
static SSL_SESSION *served;

static SSL_SESSION *get_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    (void)ssl;
    (void)id;
    (void)len;
    get_calls++;
    *copy = 1;
    return served;
}

static SSL_CTX *tls12_server(void)
{
    SSL_CTX *s = server_ctx();
    SSL_CTX_set_options(s, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(s, TLS1_2_VERSION);
    return s;
}

static int resumes(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer, const char *sid_ctx)
{
    struct pair p = pair_new(sctx, cctx, offer);
    if (sid_ctx != NULL)
        SSL_set_session_id_context(p.server, (const unsigned char *)sid_ctx, (unsigned int)strlen(sid_ctx));
    int ok = pair_handshake(&p);
    int reused = ok && SSL_session_reused(p.server);
    pair_close(&p, 1);
    return reused;
}

static SSL_SESSION *full(SSL_CTX *sctx, SSL_CTX *cctx)
{
    struct pair p = pair_new(sctx, cctx, NULL);
    if (!pair_handshake(&p)) {
        printf("FAIL a full handshake failed\n");
        exit(1);
    }
    SSL_SESSION *s = SSL_get1_session(p.client);
    pair_close(&p, 1);
    return s;
}

/* A client's first flight, as bytes. */
static int client_hello(SSL_CTX *cctx, unsigned char *buf, int size)
{
    int fds[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
    set_nonblocking(fds[0]);
    SSL *c = SSL_new(cctx);
    SSL_set_fd(c, fds[0]);
    SSL_connect(c);
    int n = (int)read(fds[1], buf, (size_t)size);
    SSL_free(c);
    close(fds[0]);
    close(fds[1]);
    return n;
}

int main(void)
{
    SSL_CTX *sctx = tls12_server(), *cctx = client_ctx();

    /* 1. Expired. */
    SSL_SESSION *s = full(sctx, cctx);
    CHECK_EQ(resumes(sctx, cctx, s, NULL), 1, "a fresh session resumes");
    /* The server's entry is replaced by a copy whose time is past its timeout. */
    SSL_SESSION_set_time(s, SSL_SESSION_get_time(s) - 7201);
    {
        struct pair p = pair_new(sctx, cctx, s);
        SSL_CTX_flush_sessions(sctx, 0);
        SSL_SESSION *aged = SSL_SESSION_dup(s);
        SSL_SESSION_set1_id_context(aged, (const unsigned char *)"test", 4);
        SSL_CTX_add_session(sctx, aged);
        SSL_SESSION_free(aged);
        int ok = pair_handshake(&p);
        CHECK(ok && SSL_session_reused(p.server) == 0, "an expired session does not resume");
        CHECK_EQ(SSL_CTX_sess_timeouts(sctx), 1, "it is counted as a timeout");
        pair_close(&p, 1);
    }
    SSL_SESSION_free(s);

    /* 2. Another id context. */
    s = full(sctx, cctx);
    CHECK_EQ(resumes(sctx, cctx, s, "other"), 0, "a session of another id context does not resume");
    CHECK_EQ(resumes(sctx, cctx, s, NULL), 1, "it still resumes in its own context");
    SSL_SESSION_free(s);

    /* 3. Removed: the object the get callback serves is the invalidated one. */
    SSL_CTX_sess_set_get_cb(sctx, get_cb);
    s = full(sctx, cctx);
    served = SSL_SESSION_dup(s);
    SSL_SESSION_set1_id_context(served, (const unsigned char *)"test", 4);
    SSL_CTX_flush_sessions(sctx, 0);
    SSL_CTX_remove_session(sctx, served);
    CHECK_EQ(SSL_SESSION_is_resumable(served), 0, "the removed object is marked");
    CHECK_EQ(resumes(sctx, cctx, s, NULL), 0, "a removed session does not resume through the get callback");
    SSL_SESSION_free(served);
    served = NULL;
    SSL_SESSION_free(s);

    /* 4. A 33-byte session id from the network. */
    unsigned char hello[4096], bad[4200];
    SSL_CTX *c12 = client_ctx();
    SSL_CTX_set_max_proto_version(c12, TLS1_2_VERSION);
    int n = client_hello(c12, hello, sizeof hello);
    CHECK(n > 48 && hello[0] == 22 && hello[5] == 1, "captured a ClientHello (%d bytes)", n);
    if (n > 48) {
        /* record(5) handshake header(4) version(2) random(32) session_id length at 43 */
        int old = hello[43];
        int extra = 33 - old;
        memcpy(bad, hello, 44);
        bad[43] = 33;
        memset(bad + 44, 0xAB, 33);
        memcpy(bad + 44 + 33, hello + 44 + old, (size_t)(n - 44 - old));
        int total = n + extra;
        int rec = total - 5, hs = total - 9;
        bad[3] = (unsigned char)(rec >> 8);
        bad[4] = (unsigned char)rec;
        bad[6] = (unsigned char)(hs >> 16);
        bad[7] = (unsigned char)(hs >> 8);
        bad[8] = (unsigned char)hs;
        int fds[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
        set_nonblocking(fds[1]);
        SSL *srv = SSL_new(sctx);
        SSL_set_fd(srv, fds[1]);
        SSL_set_accept_state(srv);
        if (write(fds[0], bad, (size_t)total) != total)
            printf("FAIL short write\n");
        int before = get_calls;
        long misses = SSL_CTX_sess_misses(sctx);
        int r = SSL_do_handshake(srv);
        int err = SSL_get_error(srv, r);
        CHECK(r <= 0 && err == SSL_ERROR_SSL, "a 33-byte session id fails the handshake (ret %d, error %d)", r, err);
        CHECK_EQ(get_calls, before, "and reaches no get callback");
        CHECK_EQ(SSL_CTX_sess_misses(sctx), misses, "and no cache lookup");
        ERR_clear_error();
        SSL_free(srv);
        close(fds[0]);
        close(fds[1]);
    }
    SSL_CTX_free(c12);

    /* 5. From d2i: an id longer than 32 bytes. */
    {
        SSL_SESSION *t = full(sctx, cctx);
        int len = i2d_SSL_SESSION(t, NULL);
        unsigned char der[2048], *p = der;
        CHECK(len > 0 && len < 2000, "a session encodes");
        i2d_SSL_SESSION(t, &p);
        /* SEQUENCE { INTEGER 1, INTEGER ver, OCTET cipher(2), OCTET id(32) ... }: find 04 20 */
        int at = -1;
        for (int i = 0; i + 1 < len; i++)
            if (der[i] == 0x04 && der[i + 1] == 0x20) {
                at = i;
                break;
            }
        CHECK(at > 0, "the id field is found");
        if (at > 0) {
            unsigned char big[2100];
            memcpy(big, der, (size_t)at);
            big[at] = 0x04;
            big[at + 1] = 33;
            memcpy(big + at + 2, der + at + 2, 32);
            big[at + 2 + 32] = 0x55;
            memcpy(big + at + 35, der + at + 34, (size_t)(len - at - 34));
            int blen = len + 1;
            /* outer length (2-byte or 1-byte form) */
            if (big[1] == 0x81)
                big[2] = (unsigned char)(blen - 3);
            else if (big[1] == 0x82) {
                big[2] = (unsigned char)((blen - 4) >> 8);
                big[3] = (unsigned char)(blen - 4);
            }
            const unsigned char *q = big;
            SSL_SESSION *d = d2i_SSL_SESSION(NULL, &q, blen);
            CHECK(d == NULL, "d2i refuses a 33-byte session id");
            CHECK(q == big, "and leaves *pp where it was");
            SSL_SESSION_free(d);
        }
        SSL_SESSION_free(t);
    }

    /* 6. The bound, over real handshakes. */
    SSL_CTX *bounded = tls12_server();
    SSL_CTX_sess_set_cache_size(bounded, 4);
    long max = 0;
    for (int i = 0; i < 12; i++) {
        SSL_SESSION *x = full(bounded, cctx);
        SSL_SESSION_free(x);
        if (SSL_CTX_sess_number(bounded) > max)
            max = SSL_CTX_sess_number(bounded);
    }
    CHECK_EQ(max, 3, "a cache of size 4 never holds more than 3");
    SSL_CTX_free(bounded);

    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return check_summary();
}
