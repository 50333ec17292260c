/* Real TCP on 127.0.0.1 (not socketpairs), where the kernel, not the test, decides what a read
 * or write returns. Expectations are OpenSSL 3.0's observed behaviour, TLS 1.2 and 1.3, with a
 * server using the internal cache (SSL_OP_NO_TICKET) and counting new/remove callbacks:
 * 1. the client resets (RST) after its ClientHello: the server's handshake fails with
 *    SSL_ERROR_SYSCALL/ECONNRESET and nothing queued, nothing cached or removed; the next call
 *    reads EOF and fails with UNEXPECTED_EOF_WHILE_READING, and (TLS 1.2) the remove callback
 *    runs for the handshake's session although it was never cached;
 * 2. the client resets while the server waits in SSL_read (non-blocking, and blocked): the same
 *    SYSCALL/ECONNRESET, the session stays cached until SSL_free (ssl_clear_bad_session: no
 *    close_notify was sent) removes it, so it no longer resumes; a read after the reset instead
 *    hits EOF, a fatal error that removes the session at once;
 * 3. every client handshake byte in its own TCP segment (the client SSL runs over a socketpair,
 *    a relay forwards its bytes one send() at a time and lets the server read each one): the
 *    handshake completes, the server only ever asks to read more, and the session resumes;
 * 4. a 64 KiB SSL_write through small socket buffers: non-blocking, -1/WANT_WRITE until the
 *    reader drains, then the same call returns 65536 (all or nothing without
 *    SSL_MODE_ENABLE_PARTIAL_WRITE); blocking, one call returns 65536 while a thread reads.
 *    The reader gets exactly the 65536 bytes, in order, nothing more. */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <openssl/err.h>
#include "check.h"
#include "tls_pair.h"
#include "counting.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

static char whatbuf[200];
static const char *label_;
#define W(s) (snprintf(whatbuf, sizeof whatbuf, "%s: %s", label_, s), whatbuf)

static void die(const char *what)
{
    printf("FAIL %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int wait_fd(int fd, short events, int ms)
{
    struct pollfd p = {fd, events, 0};
    return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

static void set_blocking(int fd, int blocking)
{
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK);
}

/* Sends RST instead of FIN. */
static void reset_close(int fd)
{
    struct linger lg = {1, 0};
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
        die("SO_LINGER");
    close(fd);
}

/* One connection: client and server SSL, TCP ends cfd (client) and sfd (server). In relay mode
 * the client SSL is on sp[0] and the test forwards between sp[1] and cfd. */
struct conn {
    SSL *c, *s;
    int cfd, sfd;
    int sp[2];
    int bytewise; /* relay client bytes one send() each */
    long segments;
    unsigned char q[16384];
    size_t qlen, qoff;
};

/* bufsize > 0: SO_SNDBUF and SO_RCVBUF on both ends, before listen/connect so that the
 * advertised window follows. Every socket gets TCP_NODELAY and 3 s send/receive timeouts (a
 * blocked call can never hang), and starts non-blocking. */
static void conn_open(struct conn *k, SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer, int relay,
                      int bufsize)
{
    memset(k, 0, sizeof *k);
    k->sp[0] = k->sp[1] = -1;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || c < 0)
        die("socket");
    if (bufsize > 0) {
        int fds[2] = {l, c};
        for (int i = 0; i < 2; i++)
            if (setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize) != 0
                || setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize) != 0)
                die("SO_SNDBUF/SO_RCVBUF");
    }
    if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 4) != 0
        || getsockname(l, (struct sockaddr *)&a, &alen) != 0)
        die("bind/listen");
    if (connect(c, (struct sockaddr *)&a, sizeof a) != 0)
        die("connect");
    int s = accept(l, NULL, NULL);
    if (s < 0)
        die("accept");
    close(l);
    int one = 1;
    struct timeval tv = {3, 0};
    int fds[2] = {c, s};
    for (int i = 0; i < 2; i++) {
        if (setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0
            || setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0
            || setsockopt(fds[i], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
            die("setsockopt");
        set_nonblocking(fds[i]);
    }
    k->cfd = c;
    k->sfd = s;
    k->c = SSL_new(cctx);
    k->s = SSL_new(sctx);
    if (relay) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, k->sp) != 0)
            die("socketpair");
        set_nonblocking(k->sp[0]);
        set_nonblocking(k->sp[1]);
        SSL_set_fd(k->c, k->sp[0]);
    } else {
        SSL_set_fd(k->c, c);
    }
    SSL_set_fd(k->s, s);
    SSL_set_connect_state(k->c);
    SSL_set_accept_state(k->s);
    if (offer != NULL)
        SSL_set_session(k->c, offer);
}

/* Relay mode: forwards pending client bytes (one if bytewise) to cfd, and what arrived on cfd to
 * the client. Returns 2 if client bytes went out, 1 if only server bytes moved, else 0. */
static int pump(struct conn *k)
{
    if (k->sp[1] < 0)
        return 0;
    int moved = 0;
    if (k->qoff == k->qlen) {
        ssize_t n = read(k->sp[1], k->q, sizeof k->q);
        if (n > 0) {
            k->qlen = (size_t)n;
            k->qoff = 0;
        }
    }
    if (k->qoff < k->qlen) {
        size_t chunk = k->bytewise ? 1 : k->qlen - k->qoff;
        ssize_t n = send(k->cfd, k->q + k->qoff, chunk, 0);
        if (n > 0) {
            k->qoff += (size_t)n;
            k->segments += k->bytewise;
            moved = 2;
        }
    }
    unsigned char b[16384];
    ssize_t n = recv(k->cfd, b, sizeof b, 0);
    for (ssize_t off = 0; n > 0 && off < n;) {
        ssize_t w = write(k->sp[1], b + off, (size_t)(n - off));
        if (w > 0)
            off += w;
        else if (!wait_fd(k->sp[1], POLLOUT, 1000))
            break;
        if (!moved)
            moved = 1;
    }
    return moved;
}

/* Waits a little for anything to read, so that idle loops do not spin. */
static void idle(struct conn *k)
{
    struct pollfd p[3] = {{k->sfd, POLLIN, 0}, {k->cfd, POLLIN, 0}, {k->sp[1], POLLIN, 0}};
    poll(p, k->sp[1] >= 0 ? 3 : 2, 10);
}

static int want(SSL *ssl, int r)
{
    int e = SSL_get_error(ssl, r);
    return r == 1 || e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* Both handshakes to the end: 1 on success. `odd` counts server calls that returned anything but
 * 1 or -1/WANT_READ. In bytewise mode the server runs after each byte has arrived. */
static int handshake(struct conn *k, int *odd)
{
    int c = 0, s = 0;
    double end = now() + 3;
    *odd = 0;
    while ((c != 1 || s != 1) && now() < end) {
        if (c != 1) {
            c = SSL_do_handshake(k->c);
            if (!want(k->c, c))
                return 0;
        }
        int moved = pump(k);
        if (moved == 2 && k->bytewise && !wait_fd(k->sfd, POLLIN, 1000))
            return 0;
        if (s != 1) {
            s = SSL_do_handshake(k->s);
            if (s != 1 && !(s == -1 && SSL_get_error(k->s, s) == SSL_ERROR_WANT_READ))
                ++*odd;
            if (!want(k->s, s))
                return 0;
        }
        if (!moved)
            idle(k);
    }
    k->bytewise = 0;
    return c == 1 && s == 1;
}

/* One byte each way (TLS 1.3 tickets reach the client in SSL_read). */
static int exchange(struct conn *k)
{
    char b = 'x';
    if (SSL_write(k->c, &b, 1) != 1 || SSL_write(k->s, &b, 1) != 1)
        return 0;
    int got_c = 0, got_s = 0;
    double end = now() + 3;
    while ((!got_c || !got_s) && now() < end) {
        int moved = pump(k);
        int r;
        if (!got_s && !(got_s = (r = SSL_read(k->s, &b, 1)) == 1) && SSL_get_error(k->s, r) != SSL_ERROR_WANT_READ)
            return 0;
        if (!got_c && !(got_c = (r = SSL_read(k->c, &b, 1)) == 1) && SSL_get_error(k->c, r) != SSL_ERROR_WANT_READ)
            return 0;
        if (!moved)
            idle(k);
    }
    return got_c && got_s;
}

static int connect_both(struct conn *k)
{
    int odd;
    return handshake(k, &odd) && odd == 0 && exchange(k);
}

/* close_notify both ways (nothing to remove), then everything freed. */
static void conn_close(struct conn *k)
{
    SSL_shutdown(k->c);
    pump(k);
    SSL_shutdown(k->s);
    SSL_free(k->c);
    SSL_free(k->s);
    close(k->cfd);
    close(k->sfd);
    if (k->sp[0] >= 0) {
        close(k->sp[0]);
        close(k->sp[1]);
    }
}

/* A fresh connection offering `offer`, cleanly closed: 1 if the server resumed it. */
static int resumes(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer)
{
    struct conn k;
    conn_open(&k, sctx, cctx, offer, 0, 0);
    int ok = connect_both(&k);
    CHECK(ok, "%s: the handshake of the resumption attempt", label_);
    int r = ok && SSL_session_reused(k.s);
    conn_close(&k);
    return r;
}

/* errno and queue after a call, printed for the record. */
static void show(const char *what, int r, int err, int e, unsigned long q)
{
    char estr[256] = "none";
    if (q != 0)
        ERR_error_string_n(q, estr, sizeof estr);
    printf("  %s: %s = %d, SSL_get_error = %d, errno = %d (%s), queued: %s\n", label_, what, r, err, e,
           strerror(e), estr);
}

/* 1. RST after the ClientHello, while the server waits for the client's second flight. */
static void reset_in_handshake(SSL_CTX *sctx, SSL_CTX *cctx, int version, const char *label)
{
    label_ = label;
    int tls12 = version == TLS1_2_VERSION;
    struct conn k;
    conn_open(&k, sctx, cctx, NULL, 0, 0);
    int new0 = new_calls, rem0 = remove_calls;
    long num0 = SSL_CTX_sess_number(sctx);

    int r = SSL_do_handshake(k.c);
    CHECK(r == -1 && SSL_get_error(k.c, r) == SSL_ERROR_WANT_READ, "%s: the client sent its hello: r=%d", label, r);
    /* The server runs until its flight has reached the client. */
    for (int i = 0; i < 100 && !wait_fd(k.cfd, POLLIN, 0); i++) {
        wait_fd(k.sfd, POLLIN, 100);
        r = SSL_do_handshake(k.s);
    }
    int err = SSL_get_error(k.s, r);
    CHECK(r == -1 && err == SSL_ERROR_WANT_READ && wait_fd(k.cfd, POLLIN, 0),
          "%s: the server sent its flight and waits: r=%d err=%d", label, r, err);

    /* OpenSSL made the server's session on the ClientHello: a TLS 1.2 one has the id of the
     * ServerHello, a TLS 1.3 one none yet. */
    SSL_SESSION *hs = SSL_get_session(k.s);
    unsigned int slen = 0;
    const unsigned char *sid = hs ? SSL_SESSION_get_id(hs, &slen) : NULL;
    CHECK(hs != NULL, "%s: SSL_get_session of the server is NULL after the ClientHello",
               label);
    if (tls12)
        CHECK(slen == 32,
                   "%s: the id length of the server's session after the ClientHello: got %u", label, slen);
    else
        CHECK_EQ(slen, 0, W("the id length of the server's session after the ClientHello"));

    reset_close(k.cfd);
    CHECK(wait_fd(k.sfd, POLLIN, 2000) != 0, "%s: the reset reaches the server", label);

    ERR_clear_error();
    errno = 0;
    r = SSL_do_handshake(k.s);
    int e = errno;
    err = SSL_get_error(k.s, r);
    unsigned long q = ERR_peek_error();
    show("SSL_do_handshake after the RST", r, err, e, q);
    CHECK_EQ(r, -1, W("SSL_do_handshake after the RST"));
    CHECK_EQ(err, SSL_ERROR_SYSCALL, W("SSL_get_error after the RST"));
    CHECK(q == 0, "%s: nothing queued after the RST: got reason %d", label, ERR_GET_REASON(q));
    CHECK_EQ(e, ECONNRESET, W("errno after the RST"));
    CHECK_EQ(SSL_get_shutdown(k.s), 0, W("SSL_get_shutdown after the RST"));
    CHECK_EQ(SSL_in_init(k.s), 1, W("SSL_in_init after the RST"));
    CHECK_EQ(new_calls - new0, 0, W("no new callback"));
    CHECK_EQ(remove_calls - rem0, 0, W("no remove callback after the RST"));
    CHECK_EQ(SSL_CTX_sess_number(sctx), num0, W("SSL_CTX_sess_number after the RST"));

    /* The reset has been reported; the socket now reads EOF: a fatal error. The session of the
     * unfinished handshake was never cached, yet OpenSSL 3.0's SSL_CTX_remove_session calls the
     * remove callback for any session with an id (TLS 1.2; a TLS 1.3 server session has none
     * before its tickets); the cache's count does not change. */
    ERR_clear_error();
    errno = 0;
    r = SSL_accept(k.s);
    e = errno;
    err = SSL_get_error(k.s, r);
    q = ERR_peek_error();
    show("SSL_accept again", r, err, e, q);
    CHECK_EQ(r, -1, W("SSL_accept again"));
    CHECK_EQ(err, SSL_ERROR_SSL, W("SSL_get_error of SSL_accept again"));
    CHECK_EQ(ERR_GET_REASON(q), SSL_R_UNEXPECTED_EOF_WHILE_READING, W("ERR reason of SSL_accept again"));
    CHECK_EQ(SSL_get_shutdown(k.s), 0, W("SSL_get_shutdown after SSL_accept again"));
    CHECK_EQ(SSL_in_init(k.s), 1, W("SSL_in_init after SSL_accept again"));
    if (tls12) {
        CHECK(remove_calls - rem0 == 1 && sid != NULL && removed_len == slen && memcmp(removed_id, sid, slen) == 0,
                   "%s: no single remove callback for the handshake's session (%d callbacks, last removed id "
                   "length %u, expected %u)",
                   label, remove_calls - rem0, removed_len, slen);
    } else {
        CHECK_EQ(remove_calls - rem0, 0, W("remove callbacks after SSL_accept again"));
    }
    CHECK_EQ(SSL_CTX_sess_number(sctx), num0, W("SSL_CTX_sess_number after SSL_accept again"));
    ERR_clear_error();

    SSL_free(k.s);
    if (tls12)
        CHECK(remove_calls - rem0 == 1,
                   "%s: remove callbacks after SSL_free: got %d, expected 1", label, remove_calls - rem0);
    else
        CHECK_EQ(remove_calls - rem0, 0, W("no more remove callbacks after SSL_free"));
    CHECK_EQ(SSL_CTX_sess_number(sctx), num0, W("SSL_CTX_sess_number after SSL_free"));
    CHECK_EQ(new_calls - new0, 0, W("still no new callback"));
    SSL_free(k.c);
    close(k.sfd);
}

static void *reset_later(void *arg)
{
    sleep_ms(50);
    reset_close(*(int *)arg);
    return NULL;
}

/* 2. RST while the server waits in SSL_read: non-blocking (WANT_READ first), or blocked in the
 * call; `again`: one more SSL_read after the reset. */
static void reset_in_read(SSL_CTX *sctx, SSL_CTX *cctx, int blocking, int again, const char *label)
{
    label_ = label;
    struct conn k;
    conn_open(&k, sctx, cctx, NULL, 0, 0);
    CHECK(connect_both(&k), "%s: handshake and one byte each way", label);
    SSL_SESSION *csess = SSL_get1_session(k.c);
    unsigned char id[SSL_MAX_SSL_SESSION_ID_LENGTH];
    unsigned int len;
    const unsigned char *sid = SSL_SESSION_get_id(SSL_get_session(k.s), &len);
    memcpy(id, sid, len);
    /* SSL_has_matching_session_id looks for the connection's version: the probe is the server
     * of another connection of that version, left open. */
    struct conn pk;
    conn_open(&pk, sctx, cctx, NULL, 0, 0);
    CHECK(connect_both(&pk), "%s: the probe connection", label);
    SSL *probe = pk.s;
    CHECK_EQ(SSL_has_matching_session_id(k.s, id, len), 1, W("the server session is cached (own SSL)"));
    CHECK_EQ(SSL_has_matching_session_id(probe, id, len), 1, W("the server session is cached"));
    int rem0 = remove_calls;
    long num0 = SSL_CTX_sess_number(sctx);

    char b;
    int r, err;
    pthread_t t;
    if (blocking) {
        set_blocking(k.sfd, 1);
        if (pthread_create(&t, NULL, reset_later, &k.cfd) != 0)
            die("pthread_create");
    } else {
        r = SSL_read(k.s, &b, 1);
        err = SSL_get_error(k.s, r);
        CHECK(r == -1 && err == SSL_ERROR_WANT_READ, "%s: the server waits in SSL_read: r=%d err=%d", label, r, err);
        reset_close(k.cfd);
        CHECK(wait_fd(k.sfd, POLLIN, 2000) != 0, "%s: the reset reaches the server", label);
    }
    ERR_clear_error();
    errno = 0;
    double t0 = now();
    r = SSL_read(k.s, &b, 1);
    int e = errno;
    err = SSL_get_error(k.s, r);
    unsigned long q = ERR_peek_error();
    if (blocking) {
        pthread_join(t, NULL);
        CHECK(now() - t0 > 0.02, "%s: SSL_read returned before the reset (%.3f s)", label, now() - t0);
    }
    show("SSL_read after the RST", r, err, e, q);
    CHECK_EQ(r, -1, W("SSL_read after the RST"));
    CHECK_EQ(err, SSL_ERROR_SYSCALL, W("SSL_get_error after the RST"));
    CHECK(q == 0, "%s: nothing queued after the RST: got reason %d", label, ERR_GET_REASON(q));
    CHECK_EQ(e, ECONNRESET, W("errno after the RST"));
    CHECK_EQ(SSL_get_shutdown(k.s), 0, W("SSL_get_shutdown after the RST"));
    CHECK_EQ(SSL_in_init(k.s), 0, W("SSL_in_init after the RST"));
    /* A transport error is no fatal TLS error: the session stays until SSL_free. */
    CHECK_EQ(remove_calls - rem0, 0, W("no remove callback after the RST"));
    CHECK_EQ(SSL_CTX_sess_number(sctx), num0, W("SSL_CTX_sess_number after the RST"));
    CHECK_EQ(SSL_has_matching_session_id(probe, id, len), 1, W("still cached after the RST"));

    if (again) {
        /* Now the socket reads EOF: unexpected EOF, fatal, the session is removed at once. */
        ERR_clear_error();
        errno = 0;
        r = SSL_read(k.s, &b, 1);
        e = errno;
        err = SSL_get_error(k.s, r);
        q = ERR_peek_error();
        show("SSL_read again", r, err, e, q);
        CHECK_EQ(r, 0, W("SSL_read again"));
        CHECK_EQ(err, SSL_ERROR_SSL, W("SSL_get_error of SSL_read again"));
        CHECK_EQ(ERR_GET_REASON(q), SSL_R_UNEXPECTED_EOF_WHILE_READING, W("ERR reason of SSL_read again"));
        CHECK_EQ(SSL_get_shutdown(k.s), 0, W("SSL_get_shutdown after SSL_read again"));
        CHECK_EQ(SSL_in_init(k.s), 1, W("SSL_in_init after SSL_read again"));
        CHECK_EQ(remove_calls - rem0, 1, W("remove callback right after SSL_read again"));
        CHECK_EQ(SSL_CTX_sess_number(sctx), num0 - 1, W("SSL_CTX_sess_number after SSL_read again"));
        CHECK_EQ(SSL_has_matching_session_id(probe, id, len), 0, W("not cached after SSL_read again"));
        ERR_clear_error();
    }

    SSL_free(k.s);
    /* Without close_notify sent, SSL_free of an established connection removes its session
     * (once, whichever removed it). */
    CHECK_EQ(remove_calls - rem0, 1, W("one remove callback in all, after SSL_free"));
    CHECK_EQ(SSL_CTX_sess_number(sctx), num0 - 1, W("SSL_CTX_sess_number after SSL_free"));
    CHECK_EQ(SSL_has_matching_session_id(probe, id, len), 0, W("not cached after SSL_free"));
    CHECK(removed_len == len && memcmp(removed_id, id, len) == 0, "%s: the removed session is not the server's",
          label);
    conn_close(&pk);
    SSL_set_shutdown(k.c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(k.c);
    close(k.sfd);

    int rem1 = remove_calls;
    CHECK(!resumes(sctx, cctx, csess), "%s: the session of the reset connection still resumes", label);
    CHECK_EQ(remove_calls - rem1, 0, W("no remove callback on the next connection"));
    SSL_SESSION_free(csess);
    ERR_clear_error();
}

/* 3. Every client handshake byte in its own segment, the server reading each one. */
static void bytewise(SSL_CTX *sctx, SSL_CTX *cctx, int version, const char *label)
{
    label_ = label;
    int tls13 = version == TLS1_3_VERSION;
    SSL_SESSION *offer = NULL;
    for (int round = 0; round < 2; round++) {
        int new0 = new_calls, rem0 = remove_calls;
        long num0 = SSL_CTX_sess_number(sctx);
        struct conn k;
        conn_open(&k, sctx, cctx, offer, 1, 0);
        k.bytewise = 1;
        int odd;
        int ok = handshake(&k, &odd);
        printf("  %s: %s handshake: %ld client bytes, one segment each\n", label, round ? "resumed" : "full",
               k.segments);
        CHECK(ok, "%s: the handshake completes (round %d)", label, round);
        CHECK_EQ(odd, 0, W("server calls that returned other than 1 or -1/WANT_READ"));
        CHECK(k.segments > 100, "%s: only %ld bytes went one per segment", label, k.segments);
        CHECK(exchange(&k), "%s: one byte each way (round %d)", label, round);
        CHECK_EQ(SSL_session_reused(k.s), round, W("SSL_session_reused (server)"));
        CHECK_EQ(SSL_session_reused(k.c), round, W("SSL_session_reused (client)"));
        CHECK_EQ(new_calls - new0, round ? tls13 : 1 + tls13, W("new callbacks"));
        CHECK_EQ(remove_calls - rem0, 0, W("no remove callback"));
        CHECK_EQ(SSL_CTX_sess_number(sctx), num0 + (round ? tls13 : 1 + tls13), W("SSL_CTX_sess_number"));
        if (offer != NULL)
            SSL_SESSION_free(offer);
        offer = round == 0 ? SSL_get1_session(k.c) : NULL;
        conn_close(&k);
        CHECK_EQ(remove_calls - rem0, 0, W("no remove callback after a clean close"));
    }
}

#define BIG 65536

static unsigned char pattern(size_t i)
{
    return (unsigned char)(i * 131 + (i >> 8) * 7 + (i >> 13));
}

struct reader {
    SSL *ssl;
    unsigned char *buf;
    int got, last, err;
};

static void *read_all(void *arg)
{
    struct reader *rd = arg;
    sleep_ms(20); /* let the writer fill the buffers and block */
    while (rd->got < BIG) {
        rd->last = SSL_read(rd->ssl, rd->buf + rd->got, BIG + 16 - rd->got);
        if (rd->last <= 0) {
            rd->err = SSL_get_error(rd->ssl, rd->last);
            break;
        }
        rd->got += rd->last;
    }
    return NULL;
}

/* 4. A 64 KiB SSL_write through 4096-byte socket buffers. */
static void big_write(SSL_CTX *sctx, SSL_CTX *cctx, int server_writes, int blocking, const char *label)
{
    label_ = label;
    struct conn k;
    conn_open(&k, sctx, cctx, NULL, 0, 4096);
    CHECK(connect_both(&k), "%s: handshake and one byte each way", label);
    SSL *w = server_writes ? k.s : k.c, *rs = server_writes ? k.c : k.s;
    int wfd = server_writes ? k.sfd : k.cfd, rfd = server_writes ? k.cfd : k.sfd;
    unsigned char *buf = malloc(BIG), *in = calloc(1, BIG + 16);
    for (size_t i = 0; i < BIG; i++)
        buf[i] = pattern(i);

    int got = 0, calls = 0, wr = 0;
    if (blocking) {
        set_blocking(wfd, 1);
        set_blocking(rfd, 1);
        struct reader rd = {rs, in, 0, 0, 0};
        pthread_t t;
        if (pthread_create(&t, NULL, read_all, &rd) != 0)
            die("pthread_create");
        wr = SSL_write(w, buf, BIG);
        int werr = SSL_get_error(w, wr);
        pthread_join(t, NULL);
        got = rd.got;
        CHECK(wr == BIG, "%s: the blocking SSL_write returned %d (SSL_get_error %d), expected %d", label, wr, werr, BIG);
        CHECK(rd.got == BIG, "%s: the reader got %d bytes (last SSL_read %d, SSL_get_error %d)", label, rd.got,
              rd.last, rd.err);
        set_blocking(wfd, 0);
        set_blocking(rfd, 0);
    } else {
        int first = 0, first_err = 0, bad_w = 0, bad_r = 0, r;
        double end = now() + 3;
        while ((wr != BIG || got < BIG) && now() < end) {
            int moved = 0;
            if (wr != BIG) {
                wr = SSL_write(w, buf, BIG);
                int e = SSL_get_error(w, wr);
                if (calls++ == 0) {
                    first = wr;
                    first_err = e;
                }
                if (wr != BIG && !(wr == -1 && e == SSL_ERROR_WANT_WRITE))
                    bad_w++;
            }
            while ((r = SSL_read(rs, in + got, BIG + 16 - got)) > 0) {
                got += r;
                moved = 1;
            }
            if (SSL_get_error(rs, r) != SSL_ERROR_WANT_READ)
                bad_r++;
            if (!moved) {
                struct pollfd p[2] = {{wfd, POLLOUT, 0}, {rfd, POLLIN, 0}};
                poll(p, wr != BIG ? 2 : 1, 10);
            }
        }
        printf("  %s: SSL_write called %d times\n", label, calls);
        CHECK(first == -1 && first_err == SSL_ERROR_WANT_WRITE,
              "%s: the first SSL_write returned %d, SSL_get_error %d; expected -1, WANT_WRITE", label, first,
              first_err);
        CHECK_EQ(bad_w, 0, W("SSL_write calls that returned other than -1/WANT_WRITE before the last"));
        CHECK_EQ(wr, BIG, W("the last SSL_write returns the whole buffer"));
        CHECK_EQ(bad_r, 0, W("reader calls that ended other than -1/WANT_READ"));
        CHECK_EQ(got, BIG, W("bytes received"));
    }
    int bad = -1;
    for (int i = 0; i < got && i < BIG; i++)
        if (in[i] != pattern((size_t)i)) {
            bad = i;
            break;
        }
    CHECK(bad == -1, "%s: the received bytes differ from the sent ones from offset %d", label, bad);

    /* Nothing more is pending; a marker comes next, alone. */
    char m;
    int r = SSL_read(rs, &m, 1);
    int err = SSL_get_error(rs, r);
    CHECK(r == -1 && err == SSL_ERROR_WANT_READ, "%s: nothing after the 65536 bytes: r=%d err=%d", label, r, err);
    CHECK_EQ(SSL_write(w, "Z", 1), 1, W("SSL_write of the marker"));
    r = -1;
    for (int i = 0; i < 100 && r <= 0; i++) {
        wait_fd(rfd, POLLIN, 20);
        r = SSL_read(rs, in, 16);
    }
    CHECK(r == 1 && in[0] == 'Z', "%s: the marker alone comes next: r=%d byte=0x%02x", label, r, in[0]);
    free(buf);
    free(in);
    conn_close(&k);
}

int main(void)
{
    static const struct {
        int version;
        const char *name;
    } versions[] = {{TLS1_2_VERSION, "TLS 1.2"}, {TLS1_3_VERSION, "TLS 1.3"}};
    char label[80];
    double t0 = now();
    signal(SIGPIPE, SIG_IGN); /* alerts written to a reset socket */
    alarm(60);                /* never hang, even under valgrind */

    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        int v = versions[i].version;
        const char *name = versions[i].name;
        SSL_CTX *sctx = counting_server(v), *cctx = client_ctx();

        snprintf(label, sizeof label, "%s RST in handshake", name);
        reset_in_handshake(sctx, cctx, v, label);

        snprintf(label, sizeof label, "%s RST in SSL_read (non-blocking)", name);
        reset_in_read(sctx, cctx, 0, 0, label);
        snprintf(label, sizeof label, "%s RST in SSL_read (blocked)", name);
        reset_in_read(sctx, cctx, 1, 0, label);
        snprintf(label, sizeof label, "%s RST in SSL_read, read again", name);
        reset_in_read(sctx, cctx, 0, 1, label);

        snprintf(label, sizeof label, "%s one byte per segment", name);
        bytewise(sctx, cctx, v, label);

        for (int dir = 0; dir < 2; dir++)
            for (int blocking = 0; blocking < 2; blocking++) {
                snprintf(label, sizeof label, "%s 64 KiB write %s, %s", name,
                         dir ? "server to client" : "client to server", blocking ? "blocking" : "non-blocking");
                big_write(sctx, cctx, dir, blocking, label);
            }

        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }
    printf("  took %.2f s\n", now() - t0);
    return check_summary();
}
