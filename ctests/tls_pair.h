/* Helpers for C tests with real TLS handshakes: a client and a server SSL over a non-blocking
 * socketpair, driven in one thread. Works the same on sesscache and on OpenSSL. */
#ifndef SESSCACHE_TLS_PAIR_H
#define SESSCACHE_TLS_PAIR_H

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef CERT_DIR
#define CERT_DIR "build/certs"
#endif

static inline SSL_CTX *server_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, CERT_DIR "/chain.pem") != 1
        || SSL_CTX_use_PrivateKey_file(ctx, CERT_DIR "/server.key", SSL_FILETYPE_PEM) != 1) {
        printf("FAIL cannot set up the server context (run ctests/make_certs.sh)\n");
        exit(1);
    }
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"test", 4);
    return ctx;
}

static inline SSL_CTX *client_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        printf("FAIL cannot make the client context\n");
        exit(1);
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    return ctx;
}

struct pair {
    SSL *client, *server;
    int fds[2];
};

static inline void set_nonblocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* A client and a server connection over a fresh socketpair; `session` (may be NULL) is offered
 * by the client. */
static inline struct pair pair_new(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *session)
{
    struct pair p;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, p.fds) != 0) {
        printf("FAIL socketpair: %s\n", strerror(errno));
        exit(1);
    }
    set_nonblocking(p.fds[0]);
    set_nonblocking(p.fds[1]);
    p.client = SSL_new(cctx);
    p.server = SSL_new(sctx);
    SSL_set_fd(p.client, p.fds[0]);
    SSL_set_fd(p.server, p.fds[1]);
    SSL_set_connect_state(p.client);
    SSL_set_accept_state(p.server);
    if (session != NULL)
        SSL_set_session(p.client, session);
    return p;
}

static inline int progress(SSL *ssl, int ret)
{
    int e = SSL_get_error(ssl, ret);
    return ret == 1 || e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* Runs both handshakes to the end: 1 on success, 0 on failure. */
static inline int pair_handshake(struct pair *p)
{
    int c = 0, s = 0;
    for (int i = 0; i < 200 && (c != 1 || s != 1); i++) {
        if (c != 1) {
            c = SSL_do_handshake(p->client);
            if (!progress(p->client, c))
                return 0;
        }
        if (s != 1) {
            s = SSL_do_handshake(p->server);
            if (!progress(p->server, s))
                return 0;
        }
    }
    return c == 1 && s == 1;
}

/* Sends one byte each way so that TLS 1.3 tickets reach the client (they arrive in SSL_read). */
static inline int pair_exchange(struct pair *p)
{
    char b = 'x';
    int ok = SSL_write(p->client, &b, 1) == 1 && SSL_write(p->server, &b, 1) == 1;
    int got_c = 0, got_s = 0;
    for (int i = 0; ok && i < 50 && (!got_c || !got_s); i++) {
        if (!got_s && SSL_read(p->server, &b, 1) == 1)
            got_s = 1;
        if (!got_c && SSL_read(p->client, &b, 1) == 1)
            got_c = 1;
    }
    return ok && got_c && got_s;
}

/* Both sides send close_notify, then both SSLs and descriptors are freed. */
static inline void pair_close(struct pair *p, int clean)
{
    if (clean) {
        SSL_shutdown(p->client);
        SSL_shutdown(p->server);
    }
    SSL_free(p->client);
    SSL_free(p->server);
    close(p->fds[0]);
    close(p->fds[1]);
}

#endif
