/* Errors and connection states over real handshakes: certificate/key loading failures and the
 * error queue, bad peers (garbage, EOF, a truncated ClientHello, a close mid-handshake) against
 * a server, non-blocking WANT_READ / ZERO_RETURN / shutdown / large writes / SSL_pending,
 * blocking sockets in two threads (with a TLS 1.2 resumption), and version/cipher/state
 * queries. */
#define _GNU_SOURCE
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <pthread.h>
#include <signal.h>
#include "check.h"
#include "tls_pair.h"

static int new_calls, remove_calls;

static int new_cb(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    (void)sess;
    new_calls++;
    return 0; /* the library keeps ownership */
}

static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    (void)sess;
    remove_calls++;
}

/* A server context with counting cache callbacks. */
static SSL_CTX *counting_server_ctx(int max_version)
{
    SSL_CTX *ctx = server_ctx();
    if (max_version != 0)
        SSL_CTX_set_max_proto_version(ctx, max_version);
    SSL_CTX_sess_set_new_cb(ctx, new_cb);
    SSL_CTX_sess_set_remove_cb(ctx, remove_cb);
    return ctx;
}

/* A server SSL on fds[1] of a fresh non-blocking socketpair; fds[0] is the raw peer. */
static SSL *raw_server(SSL_CTX *sctx, int fds[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
        printf("FAIL socketpair: %s\n", strerror(errno));
        exit(1);
    }
    set_nonblocking(fds[0]);
    set_nonblocking(fds[1]);
    SSL *s = SSL_new(sctx);
    SSL_set_fd(s, fds[1]);
    SSL_set_accept_state(s);
    return s;
}

/* Writes raw bytes to the peer socket, or gives up on the whole test. */
static void must_write(int fd, const void *buf, size_t len)
{
    if (write(fd, buf, len) != (ssize_t)len) {
        printf("FAIL write to the raw socket: %s\n", strerror(errno));
        exit(1);
    }
}

/* Calls SSL_accept until it stops asking for more (at most `tries` times). */
static int accept_until_done(SSL *s, int tries, int *err)
{
    int r = -1;
    for (int i = 0; i < tries; i++) {
        r = SSL_accept(s);
        *err = SSL_get_error(s, r);
        if (r == 1 || (*err != SSL_ERROR_WANT_READ && *err != SSL_ERROR_WANT_WRITE))
            break;
    }
    return r;
}

/* The bytes of a real ClientHello, as a client SSL_connect writes them. */
static size_t capture_client_hello(SSL_CTX *cctx, unsigned char *buf, size_t cap)
{
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        exit(1);
    set_nonblocking(fds[0]);
    set_nonblocking(fds[1]);
    SSL *c = SSL_new(cctx);
    SSL_set_fd(c, fds[0]);
    int r = SSL_connect(c);
    int e = SSL_get_error(c, r);
    CHECK(r == -1 && e == SSL_ERROR_WANT_READ, "a client with no server waits: r=%d err=%d", r, e);
    size_t got = 0;
    ssize_t n;
    while (got < cap && (n = read(fds[1], buf + got, cap - got)) > 0)
        got += (size_t)n;
    SSL_free(c);
    close(fds[0]);
    close(fds[1]);
    return got;
}

/* ---- blocking mode: the server runs in a second thread ---- */

struct srv_result {
    SSL *ssl;
    int accept_ret, read_ret, write_ret, zero_ret, zero_err, shutdown_ret;
    char msg[16];
};

static void *server_thread(void *arg)
{
    struct srv_result *r = arg;
    r->accept_ret = SSL_accept(r->ssl);
    if (r->accept_ret != 1)
        return NULL;
    r->read_ret = SSL_read(r->ssl, r->msg, (int)sizeof(r->msg) - 1);
    r->write_ret = SSL_write(r->ssl, "pong", 4);
    char b;
    r->zero_ret = SSL_read(r->ssl, &b, 1); /* blocks until the client's close_notify */
    r->zero_err = SSL_get_error(r->ssl, r->zero_ret);
    r->shutdown_ret = SSL_shutdown(r->ssl);
    return NULL;
}

/* Ends the server thread's wait if something went wrong (a no-op after a clean close). */
static void *server_thread_guarded(void *arg)
{
    struct srv_result *r = arg;
    server_thread(r);
    shutdown(SSL_get_fd(r->ssl), SHUT_WR);
    return NULL;
}

struct cli_result {
    int connect_ret, write_ret, read_ret, shutdown1, shutdown2, reused_c, reused_s, join;
    char msg[16];
};

/* One blocking connection: client here, server in a thread. Returns the client's session. */
static SSL_SESSION *blocking_connection(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer,
                                        struct cli_result *c, struct srv_result *s)
{
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        exit(1);
    memset(c, 0, sizeof(*c));
    memset(s, 0, sizeof(*s));
    SSL *cl = SSL_new(cctx);
    s->ssl = SSL_new(sctx);
    SSL_set_fd(cl, fds[0]);
    SSL_set_fd(s->ssl, fds[1]);
    if (offer != NULL)
        SSL_set_session(cl, offer);
    pthread_t th;
    if (pthread_create(&th, NULL, server_thread_guarded, s) != 0)
        exit(1);
    c->connect_ret = SSL_connect(cl);
    SSL_SESSION *sess = NULL;
    if (c->connect_ret == 1) {
        c->write_ret = SSL_write(cl, "ping", 4);
        c->read_ret = SSL_read(cl, c->msg, (int)sizeof(c->msg) - 1);
        sess = SSL_get1_session(cl);
        c->shutdown1 = SSL_shutdown(cl);
        c->shutdown2 = SSL_shutdown(cl); /* blocks until the server's close_notify */
    }
    shutdown(fds[0], SHUT_WR); /* the server's last read, if it still waits, sees EOF */
    c->join = pthread_join(th, NULL);
    c->reused_c = SSL_session_reused(cl);
    c->reused_s = SSL_session_reused(s->ssl);
    SSL_free(cl);
    SSL_free(s->ssl);
    close(fds[0]);
    close(fds[1]);
    return sess;
}

static void test_key_loading(void)
{
    char buf[256], small[32];
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    ERR_clear_error();

    int r = SSL_CTX_use_certificate_chain_file(ctx, CERT_DIR "/missing.pem");
    unsigned long e = ERR_get_error();
    CHECK_EQ(r, 0, "use_certificate_chain_file of a missing file");
    CHECK(e != 0, "an error is queued for the missing chain file");
    ERR_clear_error();

    r = SSL_CTX_use_certificate_file(ctx, CERT_DIR "/missing.pem", SSL_FILETYPE_PEM);
    e = ERR_get_error();
    CHECK_EQ(r, 0, "use_certificate_file of a missing file");
    CHECK(e != 0, "an error is queued for the missing certificate file");
    ERR_clear_error();

    r = SSL_CTX_use_PrivateKey_file(ctx, CERT_DIR "/missing.key", SSL_FILETYPE_PEM);
    e = ERR_get_error();
    CHECK_EQ(r, 0, "use_PrivateKey_file of a missing file");
    CHECK(e != 0, "an error is queued for the missing key file");

    /* The string form of that error. */
    memset(buf, 'Z', sizeof(buf));
    ERR_error_string_n(e, buf, sizeof(buf));
    size_t len = strnlen(buf, sizeof(buf));
    CHECK(len < sizeof(buf) && strncmp(buf, "error:", 6) == 0,
          "ERR_error_string_n gives \"error:...\": %.60s", buf);
    memset(small, 'Z', sizeof(small));
    ERR_error_string_n(e, small, 10);
    size_t slen = strnlen(small, sizeof(small));
    CHECK(slen <= 9, "a 10-byte buffer holds at most 9 characters: %zu", slen);
    /* OpenSSL 3.0 does not cut the long form: when it does not fit, it writes the short form
     * "err:<code in hex>:..." instead (crypto/err/err.c, ossl_err_string_int). */
    char want[32];
    snprintf(want, sizeof(want), "err:%lx", e);
    CHECK(strncmp(small, want, 9) == 0, "the short form \"%.9s\" when the long one does not fit: \"%s\"",
          want, small);
    CHECK(small[10] == 'Z', "nothing is written past the given length");

    ERR_clear_error();
    e = ERR_peek_error();
    CHECK_EQ(e, 0, "ERR_clear_error empties the queue");

    /* Key first, then a certificate it does not match. */
    r = SSL_CTX_use_PrivateKey_file(ctx, CERT_DIR "/other.key", SSL_FILETYPE_PEM);
    CHECK_EQ(r, 1, "load the non-matching key");
    r = SSL_CTX_use_certificate_file(ctx, CERT_DIR "/server.pem", SSL_FILETYPE_PEM);
    CHECK_EQ(r, 1, "load the certificate after it");
    ERR_clear_error();
    r = SSL_CTX_check_private_key(ctx);
    e = ERR_get_error();
    CHECK_EQ(r, 0, "check_private_key with a key that does not match");
    CHECK(e != 0, "an error is queued for the mismatch");
    ERR_clear_error();

    /* The matching key. */
    r = SSL_CTX_use_PrivateKey_file(ctx, CERT_DIR "/server.key", SSL_FILETYPE_PEM);
    CHECK_EQ(r, 1, "load the matching key");
    r = SSL_CTX_check_private_key(ctx);
    e = ERR_peek_error();
    CHECK_EQ(r, 1, "check_private_key with the matching key");
    CHECK_EQ(e, 0, "no error queued on success");
    SSL_CTX_free(ctx);

    /* Certificate first, then a key that does not match it. */
    ctx = SSL_CTX_new(TLS_server_method());
    r = SSL_CTX_use_certificate_chain_file(ctx, CERT_DIR "/chain.pem");
    CHECK_EQ(r, 1, "load the chain");
    ERR_clear_error();
    r = SSL_CTX_use_PrivateKey_file(ctx, CERT_DIR "/other.key", SSL_FILETYPE_PEM);
    e = ERR_get_error();
    CHECK_EQ(r, 0, "a key that does not match the loaded certificate is refused");
    CHECK(e != 0, "with an error queued");
    ERR_clear_error();
    r = SSL_CTX_check_private_key(ctx);
    CHECK_EQ(r, 0, "check_private_key: still no usable key");
    ERR_clear_error();
    SSL_CTX_free(ctx);
}

static void test_bad_peers(SSL_CTX *cctx)
{
    SSL_CTX *sctx = counting_server_ctx(0);
    int fds[2], r, err;
    unsigned long e;

    /* 1. Garbage: an HTTP request. */
    new_calls = remove_calls = 0;
    SSL *s = raw_server(sctx, fds);
    const char *http = "GET / HTTP/1.0\r\n\r\n";
    must_write(fds[0], http, strlen(http));
    ERR_clear_error();
    r = accept_until_done(s, 5, &err);
    e = ERR_peek_error();
    CHECK_EQ(r, -1, "SSL_accept on an HTTP request");
    CHECK_EQ(err, SSL_ERROR_SSL, "SSL_get_error after garbage");
    CHECK(e != 0, "an error is queued after garbage");
    r = SSL_is_init_finished(s);
    CHECK_EQ(r, 0, "not finished after garbage");
    SSL_free(s);
    close(fds[0]);
    close(fds[1]);
    long num = SSL_CTX_sess_number(sctx);
    CHECK_EQ(num, 0, "nothing cached after garbage");
    CHECK_EQ(new_calls, 0, "no new callback after garbage");
    ERR_clear_error();

    /* 2. EOF right after connecting. */
    s = raw_server(sctx, fds);
    close(fds[0]);
    r = accept_until_done(s, 5, &err);
    e = ERR_peek_error();
    CHECK_EQ(r, -1, "SSL_accept on an immediate EOF");
    CHECK_EQ(err, SSL_ERROR_SSL, "SSL_get_error after an immediate EOF");
    CHECK(e != 0, "an error is queued after an immediate EOF");
    SSL_free(s);
    close(fds[1]);
    ERR_clear_error();

    /* 3. A truncated ClientHello: its first 20 bytes, then EOF. */
    unsigned char hello[4096];
    size_t hello_len = capture_client_hello(cctx, hello, sizeof(hello));
    CHECK(hello_len > 100 && hello[0] == 0x16 && hello[5] == 0x01,
          "a ClientHello record was captured (%zu bytes)", hello_len);
    s = raw_server(sctx, fds);
    must_write(fds[0], hello, 20);
    r = SSL_accept(s);
    err = SSL_get_error(s, r);
    CHECK(r == -1 && err == SSL_ERROR_WANT_READ, "a partial record waits for more: r=%d err=%d", r, err);
    close(fds[0]);
    ERR_clear_error();
    r = accept_until_done(s, 5, &err);
    e = ERR_peek_error();
    CHECK_EQ(r, -1, "SSL_accept on a truncated ClientHello");
    CHECK_EQ(err, SSL_ERROR_SSL, "SSL_get_error after a truncated ClientHello");
    CHECK(e != 0, "an error is queued after a truncated ClientHello");
    SSL_free(s);
    close(fds[1]);
    ERR_clear_error();

    /* 4. The whole ClientHello, then the client goes away mid-handshake (TLS 1.2 server, so
     * the server session already has its id when the peer leaves). First a peer that reads
     * the server's flight and closes (EOF); then one that closes without reading it: a Unix
     * socket closed with unread data resets the connection (ECONNRESET), which OpenSSL
     * reports as SSL_ERROR_SYSCALL with nothing queued. */
    SSL_CTX *sctx12 = counting_server_ctx(TLS1_2_VERSION);
    for (int reset = 0; reset < 2; reset++) {
        const char *how = reset ? "reset" : "EOF";
        new_calls = remove_calls = 0;
        s = raw_server(sctx12, fds);
        must_write(fds[0], hello, hello_len);
        r = SSL_accept(s);
        err = SSL_get_error(s, r);
        CHECK(r == -1 && err == SSL_ERROR_WANT_READ, "the server answered and waits: r=%d err=%d", r, err);
        r = SSL_in_init(s);
        CHECK_EQ(r, 1, "still in the handshake");
        if (!reset) {
            unsigned char drain[4096];
            ssize_t n, total = 0;
            int first = -1;
            while ((n = read(fds[0], drain, sizeof(drain))) > 0) {
                if (first < 0)
                    first = drain[0];
                total += n;
            }
            CHECK(total > 0 && first == 0x16, "the server's flight arrived (%zd bytes)", total);
        }
        close(fds[0]);
        ERR_clear_error();
        errno = 0;
        r = accept_until_done(s, 5, &err);
        int saved_errno = errno;
        e = ERR_peek_error();
        CHECK(r == -1, "%s: SSL_accept after the peer closed mid-handshake: %d", how, r);
        if (!reset) {
            CHECK(err == SSL_ERROR_SSL, "EOF mid-handshake: SSL_get_error %d, expected SSL_ERROR_SSL", err);
            CHECK(e != 0, "EOF mid-handshake: an error is queued");
        } else {
            CHECK(err == SSL_ERROR_SYSCALL, "reset mid-handshake: SSL_get_error %d, expected SSL_ERROR_SYSCALL", err);
            CHECK(e == 0, "reset mid-handshake: nothing queued (got %lx)", e);
            CHECK(saved_errno == ECONNRESET, "reset mid-handshake: errno %d, expected ECONNRESET", saved_errno);
        }
        num = SSL_CTX_sess_number(sctx12);
        CHECK(num == 0, "%s: no session cached after an aborted handshake: %ld", how, num);
        CHECK(new_calls == 0, "%s: no new callback after an aborted handshake: %d", how, new_calls);
        SSL_free(s);
        close(fds[1]);
        CHECK(remove_calls == 0, "%s: freeing the failed server SSL calls no remove callback: %d", how,
              remove_calls);
        ERR_clear_error();
    }
    long good = SSL_CTX_sess_accept_good(sctx12);
    CHECK_EQ(good, 0, "no good accept counted");

    SSL_CTX_free(sctx12);
    SSL_CTX_free(sctx);
}

static void test_nonblocking(SSL_CTX *cctx)
{
    SSL_CTX *sctx = server_ctx();
    struct pair p = pair_new(sctx, cctx, NULL);
    int r, err;

    /* States before the handshake. */
    r = SSL_is_init_finished(p.server);
    CHECK_EQ(r, 0, "SSL_is_init_finished before the handshake");
    r = SSL_in_init(p.client);
    CHECK_EQ(r, 1, "SSL_in_init before the handshake");

    /* Nothing to read yet. */
    r = SSL_accept(p.server);
    err = SSL_get_error(p.server, r);
    CHECK_EQ(r, -1, "SSL_accept with nothing to read");
    CHECK_EQ(err, SSL_ERROR_WANT_READ, "SSL_get_error: want read");

    r = pair_handshake(&p);
    CHECK_EQ(r, 1, "the handshake completes");
    r = SSL_is_init_finished(p.server);
    CHECK_EQ(r, 1, "SSL_is_init_finished after the handshake");
    r = SSL_in_init(p.client);
    CHECK_EQ(r, 0, "SSL_in_init after the handshake");
    r = pair_exchange(&p); /* also delivers the TLS 1.3 tickets */
    CHECK_EQ(r, 1, "one byte each way");

    /* No application data waiting. */
    char buf[16];
    r = SSL_read(p.server, buf, sizeof(buf));
    err = SSL_get_error(p.server, r);
    CHECK_EQ(r, -1, "SSL_read with no data");
    CHECK_EQ(err, SSL_ERROR_WANT_READ, "SSL_read with no data: want read");

    /* SSL_pending after one byte of a 10-byte record. */
    r = SSL_write(p.client, "0123456789", 10);
    CHECK_EQ(r, 10, "write a 10-byte record");
    r = SSL_read(p.server, buf, 1);
    CHECK(r == 1 && buf[0] == '0', "read its first byte: r=%d", r);
    r = SSL_pending(p.server);
    CHECK_EQ(r, 9, "SSL_pending: the rest of the record");
    r = SSL_read(p.server, buf, sizeof(buf));
    CHECK(r == 9 && memcmp(buf, "123456789", 9) == 0, "read the other nine: r=%d", r);
    r = SSL_pending(p.server);
    CHECK_EQ(r, 0, "SSL_pending once drained");

    /* Shutdown: the client's close_notify, then the server's. */
    r = SSL_shutdown(p.client);
    CHECK_EQ(r, 0, "the first SSL_shutdown returns 0");
    r = SSL_get_shutdown(p.client);
    CHECK_EQ(r, SSL_SENT_SHUTDOWN, "the client has sent its close_notify");
    r = SSL_read(p.server, buf, sizeof(buf));
    err = SSL_get_error(p.server, r);
    CHECK_EQ(r, 0, "SSL_read after the peer's close_notify");
    CHECK_EQ(err, SSL_ERROR_ZERO_RETURN, "SSL_get_error: zero return");
    r = SSL_get_shutdown(p.server);
    CHECK(r & SSL_RECEIVED_SHUTDOWN, "the server has received the close_notify: %d", r);
    r = SSL_shutdown(p.server);
    CHECK_EQ(r, 1, "SSL_shutdown after receiving the peer's close_notify returns 1");
    r = SSL_shutdown(p.client);
    CHECK_EQ(r, 1, "the client's second SSL_shutdown reads the answer and returns 1");
    r = SSL_get_shutdown(p.client);
    CHECK_EQ(r, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN, "both flags on the client");
    pair_close(&p, 0);

    /* 100 KB each way, each on a new connection, looping on WANT_READ / WANT_WRITE. Without
     * SSL_MODE_ENABLE_PARTIAL_WRITE, a successful SSL_write reports the whole buffer. */
    enum { BIG = 100 * 1024 };
    unsigned char *out = malloc(BIG), *in = malloc(BIG);
    for (int i = 0; i < BIG; i++)
        out[i] = (unsigned char)(i * 31 + 7);
    for (int dir = 0; dir < 2; dir++) {
        const char *name = dir == 0 ? "client to server" : "server to client";
        p = pair_new(sctx, cctx, NULL);
        r = pair_handshake(&p) && pair_exchange(&p);
        CHECK(r == 1, "a new connection for the bulk transfer %s", name);
        SSL *w = dir == 0 ? p.client : p.server, *rd = dir == 0 ? p.server : p.client;
        int written = 0, got = 0, stuck = 0, partial = 0, werr = 0, rerr = 0;
        memset(in, 0, BIG);
        for (int i = 0; i < 100000 && got < BIG && !stuck; i++) {
            if (written < BIG) {
                r = SSL_write(w, out + written, BIG - written);
                if (r > 0) {
                    partial += r != BIG - written;
                    written += r;
                } else if ((err = SSL_get_error(w, r)) != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ) {
                    stuck = 1;
                    werr = err;
                }
            }
            r = SSL_read(rd, in + got, BIG - got);
            if (r > 0) {
                got += r;
            } else if ((err = SSL_get_error(rd, r)) != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
                stuck = 1;
                rerr = err;
            }
        }
        CHECK(partial == 0, "100 KB %s: %d SSL_write calls reported a partial write", name, partial);
        CHECK(written == BIG && got == BIG && memcmp(in, out, BIG) == 0,
              "100 KB %s: written %d, read %d, stuck %d (write error %d, read error %d)", name, written, got,
              stuck, werr, rerr);
        ERR_clear_error();
        pair_close(&p, 1);
    }
    free(out);
    free(in);
    SSL_CTX_free(sctx);
}

static void test_versions(SSL_CTX *cctx)
{
    static const struct {
        int max;
        const char *name;
    } cases[] = {{TLS1_3_VERSION, "TLSv1.3"}, {TLS1_2_VERSION, "TLSv1.2"}};
    for (size_t i = 0; i < 2; i++) {
        SSL_CTX *sctx = server_ctx();
        SSL_CTX_set_max_proto_version(sctx, cases[i].max);
        struct pair p = pair_new(sctx, cctx, NULL);
        int ok = pair_handshake(&p);
        CHECK_EQ(ok, 1, "handshake");
        const char *vs = SSL_get_version(p.server), *vc = SSL_get_version(p.client);
        CHECK(strcmp(vs, cases[i].name) == 0 && strcmp(vc, cases[i].name) == 0,
              "SSL_get_version: server %s, client %s, expected %s", vs, vc, cases[i].name);
        const SSL_CIPHER *cs = SSL_get_current_cipher(p.server), *cc = SSL_get_current_cipher(p.client);
        const char *ns = SSL_CIPHER_get_name(cs), *nc = SSL_CIPHER_get_name(cc);
        CHECK(cs != NULL && cc != NULL && ns != NULL && nc != NULL && ns[0] != '\0' && strcmp(ns, nc) == 0,
              "cipher names agree: server %s, client %s", ns ? ns : "(null)", nc ? nc : "(null)");
        pair_close(&p, 1);
        SSL_CTX_free(sctx);
    }
}

static void test_blocking(SSL_CTX *cctx)
{
    struct cli_result c;
    struct srv_result s;

    /* TLS 1.3 by default. */
    SSL_CTX *sctx = server_ctx();
    SSL_SESSION *sess = blocking_connection(sctx, cctx, NULL, &c, &s);
    CHECK_EQ(c.join, 0, "the server thread ran");
    CHECK_EQ(c.connect_ret, 1, "blocking SSL_connect");
    CHECK_EQ(s.accept_ret, 1, "blocking SSL_accept");
    CHECK_EQ(c.write_ret, 4, "blocking SSL_write (client)");
    CHECK(s.read_ret == 4 && memcmp(s.msg, "ping", 4) == 0, "blocking SSL_read (server): %d", s.read_ret);
    CHECK_EQ(s.write_ret, 4, "blocking SSL_write (server)");
    CHECK(c.read_ret == 4 && memcmp(c.msg, "pong", 4) == 0, "blocking SSL_read (client): %d", c.read_ret);
    CHECK_EQ(c.shutdown1, 0, "blocking: the first SSL_shutdown returns 0");
    CHECK(s.zero_ret == 0 && s.zero_err == SSL_ERROR_ZERO_RETURN,
          "blocking: the server reads the close_notify: %d/%d", s.zero_ret, s.zero_err);
    CHECK_EQ(s.shutdown_ret, 1, "blocking: the server's SSL_shutdown returns 1");
    CHECK_EQ(c.shutdown2, 1, "blocking: the client's second SSL_shutdown returns 1");
    SSL_SESSION_free(sess);
    SSL_CTX_free(sctx);

    /* TLS 1.2 resumption. */
    sctx = server_ctx();
    SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION);
    sess = blocking_connection(sctx, cctx, NULL, &c, &s);
    CHECK(c.connect_ret == 1 && s.accept_ret == 1 && c.shutdown2 == 1 && s.shutdown_ret == 1,
          "blocking TLS 1.2 connection: %d %d %d %d", c.connect_ret, s.accept_ret, c.shutdown2, s.shutdown_ret);
    CHECK(c.reused_c == 0 && c.reused_s == 0, "the first TLS 1.2 connection is a full handshake");
    CHECK(sess != NULL, "the client has a session");
    SSL_SESSION *sess2 = blocking_connection(sctx, cctx, sess, &c, &s);
    CHECK(c.connect_ret == 1 && s.accept_ret == 1 && c.read_ret == 4 && s.read_ret == 4,
          "blocking TLS 1.2 resumption connection: %d %d", c.connect_ret, s.accept_ret);
    CHECK_EQ(c.reused_c, 1, "blocking resumption: SSL_session_reused on the client");
    CHECK_EQ(c.reused_s, 1, "blocking resumption: SSL_session_reused on the server");
    SSL_SESSION_free(sess2);
    SSL_SESSION_free(sess);
    SSL_CTX_free(sctx);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    SSL_CTX *cctx = client_ctx();
    test_key_loading();
    test_bad_peers(cctx);
    test_nonblocking(cctx);
    test_versions(cctx);
    test_blocking(cctx);
    SSL_CTX_free(cctx);
    ERR_clear_error();
    return check_summary();
}
