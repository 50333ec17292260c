/* A fatal error on an established connection removes its session from the server cache at once
 * (OpenSSL 3.0: ssl3_send_alert, and the receipt of a fatal alert, call SSL_CTX_remove_session
 * on s->session): the remove callback runs right after the failed SSL_read, and a later
 * SSL_shutdown + SSL_free does not call it again nor bring the session back. Covered for TLS 1.2
 * (session ids) and TLS 1.3 (stateful tickets, SSL_OP_NO_TICKET), on a full and on a resumed
 * connection: the client drops the connection without close_notify (unexpected EOF), or the
 * client fails on a garbage record and sends a fatal bad_record_mac alert to the server. A
 * clean close (close_notify both ways) is the control: nothing removed, the session resumes. */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <openssl/err.h>
#include "check.h"
#include "tls_pair.h"
#include "counting.h"

enum ending { CLEAN_CLOSE, EOF_CLOSE, PEER_ALERT };

static char whatbuf[160];
static const char *label_;
#define W(s) (snprintf(whatbuf, sizeof whatbuf, "%s: %s", label_, s), whatbuf)

/* One connection (resuming `offer` if not NULL) whose client ends it as `how` while the server
 * waits in SSL_read. Returns the client's session, left resumable on the client side. */
static SSL_SESSION *connection(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer, int version,
                               enum ending how, const char *label)
{
    int tls13 = version == TLS1_3_VERSION, new0 = new_calls;
    label_ = label;
    struct pair p = pair_new(sctx, cctx, offer);
    int ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "%s: handshake and one byte each way", label);
    CHECK_EQ(SSL_session_reused(p.server), offer != NULL, W("SSL_session_reused (server)"));
    /* OpenSSL 3.0 issues two TLS 1.3 tickets after a full handshake, one after a resumption. */
    CHECK_EQ(new_calls - new0, offer ? tls13 : 1 + tls13, W("new callbacks for this connection"));
    SSL_SESSION *csess = SSL_get1_session(p.client);

    unsigned char id[SSL_MAX_SSL_SESSION_ID_LENGTH];
    unsigned int len;
    const unsigned char *sid = SSL_SESSION_get_id(SSL_get_session(p.server), &len);
    memcpy(id, sid, len);
    CHECK_EQ(SSL_has_matching_session_id(p.server, id, len), 1, W("the server session is cached"));
    int rem0 = remove_calls;
    long num0 = SSL_CTX_sess_number(sctx);

    char b;
    int r = SSL_read(p.server, &b, 1);
    int err = SSL_get_error(p.server, r);
    CHECK(r == -1 && err == SSL_ERROR_WANT_READ, "%s: the server waits in SSL_read: r=%d err=%d", label, r, err);

    if (how == CLEAN_CLOSE) {
        SSL_shutdown(p.client); /* close_notify */
    } else if (how == EOF_CLOSE) {
        shutdown(p.fds[0], SHUT_WR); /* EOF without close_notify */
    } else {
        /* A record the client cannot decrypt, written as if by the server: the client fails and
         * sends a fatal alert (bad_record_mac) to the server. */
        unsigned char junk[5 + 32] = {0x17, 0x03, 0x03, 0x00, 32};
        memset(junk + 5, 0xa5, 32);
        if (write(p.fds[1], junk, sizeof junk) != (ssize_t)sizeof junk)
            printf("FAIL %s: write of the junk record: %s\n", label, strerror(errno));
        r = SSL_read(p.client, &b, 1);
        err = SSL_get_error(p.client, r);
        CHECK(r == -1 && err == SSL_ERROR_SSL, "%s: the client fails on the junk record: r=%d err=%d", label, r,
              err);
    }

    ERR_clear_error();
    r = SSL_read(p.server, &b, 1);
    err = SSL_get_error(p.server, r);
    unsigned long e = ERR_peek_error();
    if (how == CLEAN_CLOSE) {
        CHECK(r == 0 && err == SSL_ERROR_ZERO_RETURN, "%s: close_notify: r=%d err=%d", label, r, err);
        CHECK_EQ(remove_calls - rem0, 0, W("no remove callback on a clean close"));
        CHECK_EQ(SSL_CTX_sess_number(sctx), num0, W("SSL_CTX_sess_number unchanged"));
        CHECK_EQ(SSL_has_matching_session_id(p.server, id, len), 1, W("the session stays cached"));
        CHECK_EQ(SSL_shutdown(p.server), 1, W("the server's SSL_shutdown completes"));
    } else {
        char estr[256];
        ERR_error_string_n(e, estr, sizeof estr);
        printf("  %s: server SSL_read = %d, SSL_get_error = %d, reason %d (%s)\n", label, r, err,
               ERR_GET_REASON(e), estr);
        int reason = how == EOF_CLOSE ? SSL_R_UNEXPECTED_EOF_WHILE_READING : SSL_R_SSLV3_ALERT_BAD_RECORD_MAC;
        CHECK_EQ(r, 0, W("the failed SSL_read returns 0 (as OpenSSL 3.0 does)"));
        CHECK_EQ(err, SSL_ERROR_SSL, W("SSL_get_error after the failed SSL_read"));
        CHECK_EQ(ERR_GET_REASON(e), reason, W("ERR reason of the failed SSL_read"));
        /* Removed at once: before any SSL_shutdown or SSL_free. */
        CHECK_EQ(remove_calls - rem0, 1, W("remove callback right after the failed SSL_read"));
        CHECK_EQ(SSL_CTX_sess_number(sctx), num0 - 1, W("SSL_CTX_sess_number dropped by one"));
        CHECK_EQ(SSL_has_matching_session_id(p.server, id, len), 0, W("SSL_has_matching_session_id"));
        CHECK_EQ(SSL_SESSION_is_resumable(SSL_get_session(p.server)), 0,
                 W("the server session is no longer resumable"));
        /* SSL_shutdown after a fatal error: OpenSSL refuses (the connection is back "in init") and
         * sets no SSL_SENT_SHUTDOWN; a received fatal alert has set SSL_RECEIVED_SHUTDOWN. */
        ERR_clear_error();
        int rs = SSL_shutdown(p.server);
        int rs_reason = ERR_GET_REASON(ERR_peek_error());
        CHECK(rs == -1 && rs_reason == SSL_R_SHUTDOWN_WHILE_IN_INIT,
              "%s: SSL_shutdown after the fatal error returned %d with reason %d; OpenSSL 3.0: -1 with "
              "SSL_R_SHUTDOWN_WHILE_IN_INIT (%d)",
              label, rs, rs_reason, SSL_R_SHUTDOWN_WHILE_IN_INIT);
        CHECK_EQ(SSL_get_shutdown(p.server), how == PEER_ALERT ? SSL_RECEIVED_SHUTDOWN : 0,
                 W("SSL_get_shutdown after that SSL_shutdown"));
        /* The connection stays failed: reads and writes fail at once and queue nothing. After a
         * received alert (SSL_RECEIVED_SHUTDOWN set) a read returns 0 and both report
         * SSL_ERROR_ZERO_RETURN; otherwise -1 and SSL_ERROR_SYSCALL. */
        int alert = how == PEER_ALERT;
        ERR_clear_error();
        char again;
        int r2 = SSL_read(p.server, &again, 1);
        int e2 = SSL_get_error(p.server, r2);
        CHECK(r2 == (alert ? 0 : -1) && e2 == (alert ? SSL_ERROR_ZERO_RETURN : SSL_ERROR_SYSCALL)
                  && ERR_peek_error() == 0,
              "%s: SSL_read after the fatal error: r=%d err=%d queued=%lu; OpenSSL 3.0: %d, %d, nothing queued",
              label, r2, e2, ERR_peek_error(), alert ? 0 : -1, alert ? SSL_ERROR_ZERO_RETURN : SSL_ERROR_SYSCALL);
        ERR_clear_error();
        int w2 = SSL_write(p.server, "x", 1);
        int ew = SSL_get_error(p.server, w2);
        CHECK(w2 == -1 && ew == (alert ? SSL_ERROR_ZERO_RETURN : SSL_ERROR_SYSCALL) && ERR_peek_error() == 0,
              "%s: SSL_write after the fatal error: r=%d err=%d queued=%lu; OpenSSL 3.0: -1, %d, nothing queued",
              label, w2, ew, ERR_peek_error(), alert ? SSL_ERROR_ZERO_RETURN : SSL_ERROR_SYSCALL);
        CHECK_EQ(SSL_in_init(p.server), 1, W("SSL_in_init after the fatal error"));
        CHECK_EQ(SSL_is_init_finished(p.server), 0, W("SSL_is_init_finished after the fatal error"));
        ERR_clear_error();
    }
    SSL_free(p.server);
    CHECK_EQ(remove_calls - rem0, how != CLEAN_CLOSE, W("SSL_free adds no remove callback"));
    CHECK_EQ(SSL_CTX_sess_number(sctx), num0 - (how != CLEAN_CLOSE), W("SSL_CTX_sess_number after SSL_free"));

    /* The client's copy stays resumable so that it is really offered next time. */
    SSL_set_shutdown(p.client, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(p.client);
    close(p.fds[0]);
    close(p.fds[1]);
    ERR_clear_error();
    return csess;
}

/* A connection offering `offer`, cleanly closed: 1 if the server resumed it. */
static int resumes(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer)
{
    struct pair p = pair_new(sctx, cctx, offer);
    int r = pair_handshake(&p) && pair_exchange(&p) && SSL_session_reused(p.server);
    pair_close(&p, 1);
    return r;
}

int main(void)
{
    static const struct {
        int version;
        const char *name;
    } versions[] = {{TLS1_2_VERSION, "TLS 1.2"}, {TLS1_3_VERSION, "TLS 1.3"}};
    char label[64];

    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        int v = versions[i].version;
        const char *name = versions[i].name;
        SSL_CTX *sctx = counting_server(v), *cctx = client_ctx();

        /* 2. The full connection ends in an unexpected EOF. */
        snprintf(label, sizeof label, "%s full, EOF", name);
        SSL_SESSION *s = connection(sctx, cctx, NULL, v, EOF_CLOSE, label);
        CHECK(!resumes(sctx, cctx, s), "%s: the removed session still resumes", label);
        SSL_SESSION_free(s);

        /* 3. Control: a clean close keeps the session, which then resumes (in 1). */
        snprintf(label, sizeof label, "%s full, clean close", name);
        SSL_SESSION *kept = connection(sctx, cctx, NULL, v, CLEAN_CLOSE, label);

        /* 1. The resumed connection ends in an unexpected EOF. */
        snprintf(label, sizeof label, "%s resumed, EOF", name);
        s = connection(sctx, cctx, kept, v, EOF_CLOSE, label);
        CHECK(!resumes(sctx, cctx, s), "%s: the removed session still resumes", label);
        SSL_SESSION_free(s);
        SSL_SESSION_free(kept);

        /* 4. The server receives a fatal alert on a resumed connection. */
        snprintf(label, sizeof label, "%s full, clean close (before alert)", name);
        kept = connection(sctx, cctx, NULL, v, CLEAN_CLOSE, label);
        snprintf(label, sizeof label, "%s resumed, fatal alert received", name);
        s = connection(sctx, cctx, kept, v, PEER_ALERT, label);
        CHECK(!resumes(sctx, cctx, s), "%s: the removed session still resumes", label);
        SSL_SESSION_free(s);
        SSL_SESSION_free(kept);

        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }
    return check_summary();
}
