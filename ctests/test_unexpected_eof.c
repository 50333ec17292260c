/* The peer closes the transport without close_notify (as `openssl s_time`, load tools and
 * browsers do), with and without SSL_OP_IGNORE_UNEXPECTED_EOF, on both roles and both versions.
 * OpenSSL 3.0 (ssl3_read_n): without the option the EOF is a fatal error (reason 294, the
 * session removed at once unless close_notify was already sent); with it the EOF reads as the
 * peer's close_notify: SSL_ERROR_ZERO_RETURN, nothing queued, and the shutdown flags set to
 * SSL_RECEIVED_SHUTDOWN alone, which forgets a close_notify already sent, so an SSL_free after a
 * shutdown that met the EOF removes the session. Four moments: after the handshake while the
 * reader reads; mid-handshake; after the reader's own SSL_shutdown, waiting in a second
 * SSL_shutdown; after its own SSL_shutdown, in SSL_read. Observed on the system OpenSSL. */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <signal.h>
#include "check.h"
#include "tls_pair.h"
#include "counting.h"

#define EOF_REASON 294     /* SSL_R_UNEXPECTED_EOF_WHILE_READING */
#define IN_INIT_REASON 407 /* SSL_R_SHUTDOWN_WHILE_IN_INIT */

enum moment { READING, MID_HANDSHAKE, SHUTDOWN_AGAIN, READ_AFTER_SHUTDOWN };
static const char *moment_name[] = { "in SSL_read", "mid-handshake", "in a second SSL_shutdown",
                                     "in SSL_read after SSL_shutdown" };

static char label[160];

/* What a call returned and what the connection says about it afterwards. */
struct outcome {
    int ret, err, reason, shutdown, in_init;
};

static void expect(SSL *ssl, const char *call, int ret, struct outcome want)
{
    unsigned long e = ERR_peek_error();
    struct outcome got = { ret, SSL_get_error(ssl, ret), e ? ERR_GET_REASON(e) : 0, SSL_get_shutdown(ssl),
                           SSL_in_init(ssl) };
    ERR_clear_error();
    CHECK(got.ret == want.ret && got.err == want.err && got.reason == want.reason && got.shutdown == want.shutdown
              && got.in_init == want.in_init,
          "%s: %s: got return %d, SSL_get_error %d, queued reason %d, shutdown flags %d, in_init %d; "
          "expected %d, %d, %d, %d, %d",
          label, call, got.ret, got.err, got.reason, got.shutdown, got.in_init, want.ret, want.err, want.reason,
          want.shutdown, want.in_init);
}

static void run(int version, int server_reads, int ignore, enum moment when)
{
    int tls13 = version == TLS1_3_VERSION;
    snprintf(label, sizeof label, "TLS 1.%d, the %s meets EOF %s, %s", tls13 ? 3 : 2,
             server_reads ? "server" : "client", moment_name[when],
             ignore ? "SSL_OP_IGNORE_UNEXPECTED_EOF" : "no option");
    SSL_CTX *sctx = counting_server(version), *cctx = client_ctx();
    new_calls = remove_calls = 0;

    struct pair p = pair_new(sctx, cctx, NULL);
    SSL *reader = server_reads ? p.server : p.client;
    if (ignore)
        SSL_set_options(reader, SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* The peer half-closes its socket: the reader sees EOF, and its own writes still succeed. */
    int peer_fd = server_reads ? p.fds[0] : p.fds[1];
    SSL_SESSION *csess = NULL;
    char b = 'x';
    const int SSL_ = SSL_ERROR_SSL, SYS = SSL_ERROR_SYSCALL, ZERO = SSL_ERROR_ZERO_RETURN;

    if (when == MID_HANDSHAKE) {
        SSL_do_handshake(p.client); /* ClientHello */
        if (server_reads)
            SSL_do_handshake(p.server); /* the server's flight; it now waits for the client's */
        shutdown(peer_fd, SHUT_WR);
        struct outcome first = ignore ? (struct outcome){ -1, ZERO, 0, SSL_RECEIVED_SHUTDOWN, 1 }
                                      : (struct outcome){ -1, SSL_, EOF_REASON, 0, 1 };
        expect(reader, "SSL_do_handshake", SSL_do_handshake(reader), first);
        struct outcome again = ignore ? first : (struct outcome){ -1, SYS, 0, 0, 1 };
        expect(reader, "SSL_do_handshake again", SSL_do_handshake(reader), again);
        expect(reader, "SSL_read", SSL_read(reader, &b, 1),
               ignore ? (struct outcome){ 0, ZERO, 0, SSL_RECEIVED_SHUTDOWN, 1 } : again);
        expect(reader, "SSL_shutdown", SSL_shutdown(reader),
               (struct outcome){ -1, SSL_, IN_INIT_REASON, ignore ? SSL_RECEIVED_SHUTDOWN : 0, 1 });
    } else {
        int ok = pair_handshake(&p) && pair_exchange(&p);
        CHECK(ok, "%s: handshake and one byte each way", label);
        csess = SSL_get1_session(p.client);
        if (when == READING) {
            shutdown(peer_fd, SHUT_WR);
            struct outcome read = ignore ? (struct outcome){ 0, ZERO, 0, SSL_RECEIVED_SHUTDOWN, 0 }
                                         : (struct outcome){ 0, SSL_, EOF_REASON, 0, 1 };
            expect(reader, "SSL_read", SSL_read(reader, &b, 1), read);
            CHECK_EQ(remove_calls, server_reads && !ignore, "remove callbacks right after the read");
            struct outcome dead = { -1, SYS, 0, 0, 1 };
            expect(reader, "SSL_read again", SSL_read(reader, &b, 1), ignore ? read : dead);
            expect(reader, "SSL_write", SSL_write(reader, &b, 1),
                   ignore ? (struct outcome){ 1, SSL_ERROR_NONE, 0, SSL_RECEIVED_SHUTDOWN, 0 } : dead);
            struct outcome closed = { 1, SSL_ERROR_NONE, 0, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN, 0 };
            expect(reader, "SSL_shutdown", SSL_shutdown(reader),
                   ignore ? closed : (struct outcome){ -1, SSL_, IN_INIT_REASON, 0, 1 });
        } else {
            /* The reader's close_notify goes out first: SSL_shutdown returns 0. */
            expect(reader, "own SSL_shutdown", SSL_shutdown(reader),
                   (struct outcome){ 0, SYS, 0, SSL_SENT_SHUTDOWN, 0 });
            shutdown(peer_fd, SHUT_WR);
            if (when == SHUTDOWN_AGAIN) {
                expect(reader, "SSL_shutdown waiting for the peer", SSL_shutdown(reader),
                       ignore ? (struct outcome){ 0, ZERO, 0, SSL_RECEIVED_SHUTDOWN, 0 }
                              : (struct outcome){ -1, SSL_, EOF_REASON, SSL_SENT_SHUTDOWN, 1 });
                expect(reader, "SSL_read", SSL_read(reader, &b, 1),
                       ignore ? (struct outcome){ 0, ZERO, 0, SSL_RECEIVED_SHUTDOWN, 0 }
                              : (struct outcome){ -1, SYS, 0, SSL_SENT_SHUTDOWN, 1 });
            } else {
                expect(reader, "SSL_read", SSL_read(reader, &b, 1),
                       ignore ? (struct outcome){ 0, ZERO, 0, SSL_RECEIVED_SHUTDOWN, 0 }
                              : (struct outcome){ 0, SSL_, EOF_REASON, SSL_SENT_SHUTDOWN, 1 });
                expect(reader, "SSL_shutdown after the read", SSL_shutdown(reader),
                       ignore ? (struct outcome){ 1, SSL_ERROR_NONE, 0, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN, 0 }
                              : (struct outcome){ -1, SSL_, IN_INIT_REASON, SSL_SENT_SHUTDOWN, 1 });
            }
        }
        if (!server_reads)
            CHECK_EQ(SSL_SESSION_is_resumable(csess), ignore || when != READING,
                     "the client's session is still resumable");
    }
    /* The peer ends cleanly on its side, so only the reader's end counts. */
    SSL_set_shutdown(server_reads ? p.client : p.server, SSL_SENT_SHUTDOWN);
    SSL_free(p.client);
    SSL_free(p.server);
    close(p.fds[0]);
    close(p.fds[1]);

    /* Whether the server's session left its cache (remove callback): at the fatal error, or at
     * SSL_free once the ignored EOF had cleared SSL_SENT_SHUTDOWN. */
    int removed = when == READING ? !ignore : when == SHUTDOWN_AGAIN ? ignore : 0;
    if (when == MID_HANDSHAKE && server_reads && !tls13 && !ignore) {
        /* OpenSSL's TLS 1.2 server has its new session (with its id) from the ClientHello on, and
         * the fatal alert calls the remove callback for it. */
        CHECK(remove_calls == 1, "%s: remove callbacks %d, expected 1", label,
                   remove_calls);
    } else {
        CHECK_EQ(remove_calls, server_reads && removed, "remove callbacks after SSL_free");
    }
    if (csess != NULL) {
        struct pair q = pair_new(sctx, cctx, csess);
        int ok = pair_handshake(&q) && pair_exchange(&q);
        CHECK(ok, "%s: the next connection's handshake", label);
        CHECK_EQ(SSL_session_reused(q.server), !removed, "the next connection resumes the client's session");
        pair_close(&q, 1);
        SSL_SESSION_free(csess);
    }
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const int versions[] = { TLS1_2_VERSION, TLS1_3_VERSION };
    for (int v = 0; v < 2; v++)
        for (int server_reads = 1; server_reads >= 0; server_reads--)
            for (int when = READING; when <= READ_AFTER_SHUTDOWN; when++)
                for (int ignore = 0; ignore <= 1; ignore++)
                    run(versions[v], server_reads, ignore, (enum moment)when);
    return check_summary();
}
