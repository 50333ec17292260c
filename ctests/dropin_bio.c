/* SSL_set_bio with BIOs that are not descriptors, as Apache's mod_ssl and HAProxy use them;
 * built against the system OpenSSL headers, run on the system libssl and on the drop-in.
 * - A BIO pair per side: handshakes, data, a resumption from the server's cache.
 * - A BIO of the program's own method, made like mod_ssl's: writes are held until
 *   BIO_CTRL_FLUSH, a read with nothing there asks to be retried (-1), the end of input is -1
 *   without retry and BIO_CTRL_EOF 1. A library that does not flush after each flight never
 *   finishes the handshake with it.
 * - The ownership rules of SSL_set_bio, SSL_set0_rbio and SSL_set0_wbio, seen through the
 *   BIO's destroy count. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "tls_pair.h"

/* The held-until-flush BIO over a non-blocking socket. */
struct held {
    int fd;
    unsigned char buf[65536];
    size_t len;
    int eof, flushes, writes, destroyed;
};

static int held_write(BIO *b, const char *data, int n)
{
    struct held *h = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (h->len + (size_t)n > sizeof h->buf)
        return -1;
    memcpy(h->buf + h->len, data, (size_t)n);
    h->len += (size_t)n;
    h->writes++;
    return n;
}

static int held_read(BIO *b, char *out, int n)
{
    struct held *h = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t got = recv(h->fd, out, (size_t)n, 0);
    if (got > 0)
        return (int)got;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        BIO_set_retry_read(b);
        return -1;
    }
    h->eof = 1;
    return -1; /* mod_ssl's end of input: -1, no retry, BIO_CTRL_EOF 1 */
}

static long held_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num, (void)ptr;
    struct held *h = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        h->flushes++;
        if (h->len > 0 && send(h->fd, h->buf, h->len, 0) != (ssize_t)h->len)
            return -1;
        h->len = 0;
        return 1;
    case BIO_CTRL_EOF:
        return h->eof;
    default:
        return 0;
    }
}

static int held_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int held_destroy(BIO *b)
{
    struct held *h = BIO_get_data(b);
    if (h)
        h->destroyed++;
    return 1;
}

static BIO_METHOD *held_method(void)
{
    static BIO_METHOD *m;
    if (m == NULL) {
        m = BIO_meth_new(BIO_TYPE_MEM, "held until flush");
        BIO_meth_set_write(m, held_write);
        BIO_meth_set_read(m, held_read);
        BIO_meth_set_ctrl(m, held_ctrl);
        BIO_meth_set_create(m, held_create);
        BIO_meth_set_destroy(m, held_destroy);
    }
    return m;
}

static BIO *held_bio(struct held *h)
{
    BIO *b = BIO_new(held_method());
    BIO_set_data(b, h);
    return b;
}

/* Both sides step by step until both are done; 1 on success. */
static int step_both(SSL *c, SSL *s)
{
    int cr = 0, sr = 0;
    for (int i = 0; i < 400 && (cr != 1 || sr != 1); i++) {
        if (cr != 1 && (cr = SSL_do_handshake(c)) != 1 && !progress(c, cr))
            return 0;
        if (sr != 1 && (sr = SSL_do_handshake(s)) != 1 && !progress(s, sr))
            return 0;
    }
    return cr == 1 && sr == 1;
}

static int read_one(SSL *ssl, char *out)
{
    for (int i = 0; i < 100; i++) {
        int n = SSL_read(ssl, out, 1);
        if (n == 1)
            return 1;
        if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ)
            return 0;
    }
    return 0;
}

static void bio_pair(int version)
{
    const char *v = version == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2";
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_max_proto_version(cctx, version);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_SESSION *sess = NULL;
    for (int round = 0; round < 2; round++) {
        BIO *cb, *sb;
        BIO_new_bio_pair(&cb, 0, &sb, 0);
        SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
        SSL_set_bio(c, cb, cb);
        SSL_set_bio(s, sb, sb);
        CHECK(SSL_get_rbio(c) == cb && SSL_get_wbio(c) == cb, "%s: SSL_get_rbio/wbio lend the BIO given", v);
        CHECK_EQ(SSL_get_fd(c), -1, "a BIO pair has no descriptor");
        SSL_set_connect_state(c);
        SSL_set_accept_state(s);
        if (sess)
            SSL_set_session(c, sess);
        int ok = step_both(c, s);
        CHECK(ok, "%s: handshake over a BIO pair (round %d)", v, round + 1);
        char x = 'a', y = 0;
        CHECK(ok && SSL_write(c, &x, 1) == 1 && read_one(s, &y) && y == 'a', "%s: data client to server", v);
        x = 'b';
        CHECK(ok && SSL_write(s, &x, 1) == 1 && read_one(c, &y) && y == 'b', "%s: data server to client", v);
        CHECK_EQ(SSL_session_reused(s), round, "the second round resumes from the server's cache");
        SSL_SESSION_free(sess);
        sess = SSL_get1_session(c);
        SSL_shutdown(c);
        SSL_shutdown(s);
        SSL_free(c);
        SSL_free(s);
    }
    SSL_SESSION_free(sess);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

static void held_server(int version, int tickets)
{
    char label[64];
    snprintf(label, sizeof label, "%s%s, server on a held-until-flush BIO",
             version == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2", tickets ? " with tickets" : "");
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_max_proto_version(cctx, version);
    if (!tickets)
        SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_options(sctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    int fds[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
    set_nonblocking(fds[0]);
    set_nonblocking(fds[1]);
    static struct held h;
    memset(&h, 0, sizeof h);
    h.fd = fds[1];
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    SSL_set_fd(c, fds[0]);
    BIO *b = held_bio(&h);
    SSL_set_bio(s, b, b);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    int ok = step_both(c, s);
    CHECK(ok, "%s: handshake (the library flushes after each flight)", label);
    CHECK(h.flushes > 0 && h.len == 0, "%s: %d flushes, %zu bytes left held", label, h.flushes, h.len);
    char x = 'q', y = 0;
    CHECK(ok && SSL_write(c, &x, 1) == 1 && read_one(s, &y) && y == 'q', "%s: data to the server", label);
    int flushes = h.flushes;
    CHECK(ok && SSL_write(s, &x, 1) == 1, "%s: SSL_write on the server", label);
    /* Application data waits for the program's flush, as with OpenSSL (mod_ssl sends FLUSH
     * buckets itself). */
    CHECK_EQ(h.flushes - flushes, 0, "SSL_write does not flush the BIO");
    held_ctrl(b, BIO_CTRL_FLUSH, 0, NULL);
    CHECK(read_one(c, &y) && y == 'q', "%s: the data arrives once flushed", label);
    /* The client goes away without close_notify: -1, no retry, BIO_eof 1. */
    SSL_free(c);
    close(fds[0]);
    int n = SSL_read(s, &y, 1);
    int e = SSL_get_error(s, n);
    /* OpenSSL returns the BIO's -1, and reports a close_notify. */
    CHECK(n == -1 && e == SSL_ERROR_ZERO_RETURN, "%s: the end of input reads as close_notify with "
          "SSL_OP_IGNORE_UNEXPECTED_EOF (SSL_read %d, SSL_get_error %d)", label, n, e);
    ERR_clear_error();
    SSL_free(s);
    CHECK_EQ(h.destroyed, 1, "SSL_free frees the BIO set for both directions once");
    close(fds[1]);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

static void ownership(void)
{
    SSL_CTX *ctx = client_ctx();
    static struct held h1, h2, h3;
    memset(&h1, 0, sizeof h1);
    memset(&h2, 0, sizeof h2);
    memset(&h3, 0, sizeof h3);
    SSL *s = SSL_new(ctx);
    BIO *a = held_bio(&h1), *b = held_bio(&h2), *c = held_bio(&h3);
    SSL_set_bio(s, a, b);
    CHECK(SSL_get_rbio(s) == a && SSL_get_wbio(s) == b, "SSL_set_bio(a, b)");
    SSL_set_bio(s, a, b);
    CHECK(h1.destroyed == 0 && h2.destroyed == 0, "the same pair again changes nothing");
    SSL_set0_wbio(s, c);
    CHECK(SSL_get_wbio(s) == c && h2.destroyed == 1, "SSL_set0_wbio frees the old write BIO");
    SSL_set0_rbio(s, NULL);
    CHECK(SSL_get_rbio(s) == NULL && h1.destroyed == 1, "SSL_set0_rbio(NULL) frees the old read BIO");
    SSL_free(s);
    CHECK(h3.destroyed == 1, "SSL_free frees the write BIO");
    SSL_CTX_free(ctx);
}

int main(void)
{
    bio_pair(TLS1_2_VERSION);
    bio_pair(TLS1_3_VERSION);
    held_server(TLS1_2_VERSION, 0);
    held_server(TLS1_2_VERSION, 1);
    held_server(TLS1_3_VERSION, 0);
    held_server(TLS1_3_VERSION, 1);
    ownership();
    return check_summary();
}
