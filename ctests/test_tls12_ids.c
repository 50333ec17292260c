/* TLS 1.2 session ids over real handshakes: full handshake, internal cache hit, get callback on
 * a miss, counters, and the new callback's timing. */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include "check.h"
#include "tls_pair.h"

static int new_calls, get_calls, remove_calls, last_get_len, copy_in;
static SSL_SESSION *stored;
/* What the get callback answers with. */
static SSL_SESSION *answer;

static int new_cb(SSL *ssl, SSL_SESSION *sess)
{
    unsigned int len;
    SSL_SESSION_get_id(sess, &len);
    new_calls++;
    CHECK(SSL_is_server(ssl) == 1, "new callback on the server gets the server SSL");
    CHECK_EQ(len, 32, "a TLS 1.2 server session id is 32 bytes");
    CHECK_EQ(SSL_version(ssl), TLS1_2_VERSION, "SSL_version inside the new callback");
    if (stored == NULL) {
        stored = sess; /* keep the reference we were given */
        return 1;
    }
    return 0;
}

static SSL_SESSION *get_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    (void)id;
    get_calls++;
    last_get_len = len;
    copy_in = *copy;
    CHECK_EQ(SSL_version(ssl), TLS1_2_VERSION, "SSL_version inside the get callback");
    return answer; /* copy left at 1: the library takes its own reference */
}

static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    (void)sess;
    remove_calls++;
}

int main(void)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION);
    SSL_CTX_sess_set_new_cb(sctx, new_cb);
    SSL_CTX_sess_set_get_cb(sctx, get_cb);
    SSL_CTX_sess_set_remove_cb(sctx, remove_cb);

    /* 1. Full handshake. */
    struct pair p = pair_new(sctx, cctx, NULL);
    CHECK(pair_handshake(&p), "the first handshake completes");
    CHECK_EQ(SSL_session_reused(p.server), 0, "first handshake is full (server)");
    CHECK_EQ(SSL_session_reused(p.client), 0, "first handshake is full (client)");
    CHECK_EQ(SSL_version(p.server), TLS1_2_VERSION, "TLS 1.2 negotiated");
    CHECK_EQ(new_calls, 1, "one new callback for a full TLS 1.2 handshake");
    CHECK_EQ(SSL_CTX_sess_number(sctx), 1, "the session is in the internal cache");
    CHECK_EQ(SSL_CTX_sess_accept(sctx), 1, "accept counted");
    CHECK_EQ(SSL_CTX_sess_accept_good(sctx), 1, "accept_good counted");
    /* A TLS 1.3-capable client sends a random legacy session id (middlebox compatibility):
     * the TLS 1.2 server looks it up, misses, and asks the get callback. */
    CHECK_EQ(get_calls, 1, "the client's compatibility id reaches the get callback");
    CHECK_EQ(SSL_CTX_sess_misses(sctx), 1, "and counts as an internal miss");
    CHECK(SSL_get_session(p.server) == stored, "the new callback got the connection's session");
    SSL_SESSION *client_sess = SSL_get1_session(p.client);
    CHECK(client_sess != NULL && SSL_SESSION_is_resumable(client_sess), "the client has a resumable session");
    unsigned int cl, sl;
    const unsigned char *cid = SSL_SESSION_get_id(client_sess, &cl);
    const unsigned char *sid = SSL_SESSION_get_id(stored, &sl);
    CHECK(cl == 32 && sl == 32 && memcmp(cid, sid, 32) == 0, "client and server share the session id");
    pair_close(&p, 1);
    CHECK_EQ(remove_calls, 0, "a clean shutdown removes nothing");

    /* 2. Resumption from the internal cache. */
    p = pair_new(sctx, cctx, client_sess);
    CHECK(pair_handshake(&p), "the resumption handshake completes");
    CHECK_EQ(SSL_session_reused(p.server), 1, "resumed (server)");
    CHECK_EQ(SSL_session_reused(p.client), 1, "resumed (client)");
    CHECK_EQ(SSL_CTX_sess_hits(sctx), 1, "one hit");
    CHECK_EQ(get_calls, 1, "no get callback on an internal hit");
    CHECK_EQ(new_calls, 1, "no new callback on a TLS 1.2 resumption");
    CHECK_EQ(SSL_CTX_sess_hits(cctx), 1, "the client context counts its hit too");
    pair_close(&p, 1);

    /* 3. Internal miss: the get callback answers with the flushed object, which is refused. A
     * copy made before the flush stays resumable (one made after keeps the mark). */
    SSL_SESSION *copy = SSL_SESSION_dup(stored);
    SSL_CTX_flush_sessions(sctx, 0);
    CHECK_EQ(remove_calls, 1, "flush reports the cached session");
    CHECK_EQ(SSL_SESSION_is_resumable(stored), 0, "a flushed session object is not resumable");
    answer = stored;
    p = pair_new(sctx, cctx, client_sess);
    CHECK(pair_handshake(&p), "handshake with a not-resumable external session completes");
    CHECK_EQ(SSL_session_reused(p.server), 0, "a not-resumable session from the get callback is ignored");
    CHECK_EQ(get_calls, 2, "the get callback ran after the internal miss");
    CHECK_EQ(last_get_len, 32, "the get callback sees the 32-byte id");
    CHECK_EQ(copy_in, 1, "*copy starts at 1");
    CHECK_EQ(SSL_CTX_sess_cb_hits(sctx), 0, "no cb_hit for a not-resumable result");
    CHECK_EQ(SSL_CTX_sess_misses(sctx), 2, "the internal miss is counted");
    pair_close(&p, 1);

    /* 4. Internal miss: the get callback supplies a resumable copy (*copy left at 1). */
    answer = copy;
    p = pair_new(sctx, cctx, client_sess);
    CHECK(pair_handshake(&p), "handshake with a session from the get callback completes");
    CHECK_EQ(SSL_session_reused(p.server), 1, "the session from the get callback resumes (server)");
    CHECK_EQ(SSL_session_reused(p.client), 1, "the session from the get callback resumes (client)");
    CHECK_EQ(get_calls, 3, "the get callback ran once more");
    CHECK_EQ(SSL_CTX_sess_cb_hits(sctx), 1, "one cb_hit");
    CHECK(SSL_get_session(p.server) == copy, "the server resumed the very object the callback returned");
    CHECK_EQ(SSL_CTX_sess_number(sctx), 2, "the callback's session is stored in the internal cache (beside step 3's)");
    pair_close(&p, 1);

    SSL_SESSION_free(copy); /* ours: the library took its own reference */
    SSL_SESSION_free(client_sess);
    SSL_SESSION_free(stored);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return check_summary();
}
