/* TLS 1.2 resumptions that the server refuses or cannot make, over real handshakes: a session
 * id context mismatch, an expired session, a removed session, session tickets instead of ids,
 * the server cache mode OFF, an external-only cache (NO_INTERNAL_STORE, resumption through the
 * get callback), and the new callback's return value. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>
#include <openssl/ssl.h>
#include "check.h"
#include "tls_pair.h"

/* Callback state, reset for each part. */
static int new_calls, get_calls, remove_calls;
static int new_ret;               /* what the new callback returns (1: it keeps the reference) */
static int get_mode;              /* 0: get callback returns NULL; 1: a d2i copy of saved_der */
static int get_copy_in = -1, get_len_last = -1;
static SSL_SESSION *new_last;     /* the last session the new callback saw (borrowed) */
static SSL_SESSION *kept[16];     /* references the new callback kept (returned 1) */
static int nkept;
static unsigned char saved_der[8192];
static int saved_der_len;
static unsigned char saved_id[32];
static unsigned int saved_id_len;

static void reset_calls(void)
{
    new_calls = get_calls = remove_calls = 0;
    new_ret = 0;
    get_mode = 0;
    get_copy_in = get_len_last = -1;
    new_last = NULL;
    saved_der_len = 0;
    saved_id_len = 0;
}

static int new_cb(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);
    new_calls++;
    new_last = sess;
    int n = i2d_SSL_SESSION(sess, NULL);
    if (n > 0 && n <= (int)sizeof saved_der && len <= sizeof saved_id) {
        unsigned char *out = saved_der;
        saved_der_len = i2d_SSL_SESSION(sess, &out);
        memcpy(saved_id, id, len);
        saved_id_len = len;
    }
    if (new_ret && nkept < 16) {
        kept[nkept++] = sess;
        return 1;
    }
    return 0;
}

static SSL_SESSION *get_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    (void)ssl;
    get_calls++;
    get_copy_in = *copy;
    get_len_last = len;
    if (get_mode == 1 && saved_der_len > 0 && len == (int)saved_id_len
        && memcmp(id, saved_id, saved_id_len) == 0) {
        const unsigned char *in = saved_der;
        SSL_SESSION *s = d2i_SSL_SESSION(NULL, &in, saved_der_len);
        *copy = 0; /* the library adopts this fresh reference */
        return s;
    }
    return NULL;
}

static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    (void)sess;
    remove_calls++;
}

static SSL_CTX *tls12_server(int tickets)
{
    SSL_CTX *ctx = server_ctx();
    if (!tickets)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_sess_set_new_cb(ctx, new_cb);
    SSL_CTX_sess_set_get_cb(ctx, get_cb);
    SSL_CTX_sess_set_remove_cb(ctx, remove_cb);
    return ctx;
}

/* One connection: handshake, one byte each way, clean shutdown. Reports what happened. */
struct run {
    int ok, sreused, creused, version;
    unsigned int sid_len;          /* length of the server session's id */
    SSL_SESSION *csess, *ssess;    /* new references (caller frees) */
};

static struct run run_conn(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer, const char *sid_ctx)
{
    struct run r;
    struct pair p = pair_new(sctx, cctx, offer);
    if (sid_ctx != NULL)
        SSL_set_session_id_context(p.server, (const unsigned char *)sid_ctx, (unsigned int)strlen(sid_ctx));
    r.ok = pair_handshake(&p) && pair_exchange(&p);
    r.sreused = SSL_session_reused(p.server);
    r.creused = SSL_session_reused(p.client);
    r.version = SSL_version(p.server);
    r.csess = SSL_get1_session(p.client);
    r.ssess = SSL_get1_session(p.server);
    r.sid_len = 99;
    if (r.ssess != NULL)
        SSL_SESSION_get_id(r.ssess, &r.sid_len);
    pair_close(&p, 1);
    return r;
}

static void run_free(struct run *r)
{
    SSL_SESSION_free(r->csess);
    SSL_SESSION_free(r->ssess);
}

int main(void)
{
    SSL_CTX *cctx = client_ctx();
    struct run r1, r2, r3;
    long n;

    /* 1. Session id context mismatch: the server SSL gets another sid_ctx before the handshake.
     * The internal lookup finds the session (no miss), rejects it, and a full handshake runs. */
    reset_calls();
    SSL_CTX *sctx = tls12_server(0);
    r1 = run_conn(sctx, cctx, NULL, NULL);
    CHECK(r1.ok, "first handshake (sid_ctx part)");
    CHECK_EQ(r1.version, TLS1_2_VERSION, "TLS 1.2 negotiated");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 1, "one session cached");
    long misses0 = SSL_CTX_sess_misses(sctx);
    int get0 = get_calls;
    r2 = run_conn(sctx, cctx, r1.csess, "other");
    CHECK(r2.ok, "handshake with a different server sid_ctx completes");
    CHECK_EQ(r2.sreused, 0, "sid_ctx mismatch: no resumption (server)");
    CHECK_EQ(r2.creused, 0, "sid_ctx mismatch: no resumption (client)");
    n = SSL_CTX_sess_hits(sctx);
    CHECK_EQ(n, 0, "sid_ctx mismatch: no hit");
    n = SSL_CTX_sess_misses(sctx);
    CHECK_EQ(n - misses0, 0, "sid_ctx mismatch: the internal lookup found it, no miss counted");
    CHECK_EQ(get_calls - get0, 0, "sid_ctx mismatch: no get callback (internal lookup found it)");
    CHECK_EQ(new_calls, 2, "sid_ctx mismatch: the full handshake makes a new session");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 2, "the mismatched session stays cached beside the new one");
    CHECK_EQ(remove_calls, 0, "sid_ctx mismatch removes nothing");
    n = SSL_CTX_sess_timeouts(sctx);
    CHECK_EQ(n, 0, "no timeout");
    unsigned int ctxlen = 0;
    const unsigned char *ctxb = SSL_SESSION_get0_id_context(r2.ssess, &ctxlen);
    CHECK(ctxlen == 5 && memcmp(ctxb, "other", 5) == 0, "the new server session has the SSL's sid_ctx (len %u)", ctxlen);
    n = SSL_CTX_sess_misses(cctx);
    CHECK_EQ(n, 1, "the client counts a miss: its offered id was not resumed");
    int res = SSL_SESSION_is_resumable(r1.csess);
    CHECK_EQ(res, 1, "the client's original session is still resumable");
    r3 = run_conn(sctx, cctx, r1.csess, NULL);
    CHECK_EQ(r3.sreused, 1, "with the original sid_ctx the session resumes");
    n = SSL_CTX_sess_hits(sctx);
    CHECK_EQ(n, 1, "one hit");
    run_free(&r1);
    run_free(&r2);
    run_free(&r3);
    SSL_CTX_free(sctx);

    /* 2. Expired session: timeouts counted, the entry is removed (remove callback), no miss. */
    reset_calls();
    sctx = tls12_server(0);
    r1 = run_conn(sctx, cctx, NULL, NULL);
    CHECK(r1.ok, "first handshake (expiry part)");
    misses0 = SSL_CTX_sess_misses(sctx);
    get0 = get_calls;
    long t = (long)time(NULL) - 10000; /* default timeout 7200 */
    long tr = SSL_SESSION_set_time(r1.ssess, t);
    CHECK_EQ(tr, t, "SSL_SESSION_set_time returns the time");
    r2 = run_conn(sctx, cctx, r1.csess, NULL);
    CHECK(r2.ok, "handshake offering an expired session completes");
    CHECK_EQ(r2.sreused, 0, "expired: full handshake (server)");
    CHECK_EQ(r2.creused, 0, "expired: full handshake (client)");
    n = SSL_CTX_sess_timeouts(sctx);
    CHECK_EQ(n, 1, "expired: sess_timeouts incremented");
    CHECK_EQ(remove_calls, 1, "expired: the remove callback ran");
    n = SSL_CTX_sess_misses(sctx);
    CHECK_EQ(n - misses0, 0, "expired: no miss counted");
    CHECK_EQ(get_calls - get0, 0, "expired: no get callback");
    n = SSL_CTX_sess_hits(sctx);
    CHECK_EQ(n, 0, "expired: no hit");
    res = SSL_SESSION_is_resumable(r1.ssess);
    CHECK_EQ(res, 0, "the expired server session is marked not resumable");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 1, "expired entry gone, the new session cached");
    CHECK_EQ(new_calls, 2, "the full handshake called the new callback");
    /* Same with a short timeout on the new session. */
    long to = SSL_SESSION_set_timeout(r2.ssess, 1);
    CHECK_EQ(to, 1, "SSL_SESSION_set_timeout");
    SSL_SESSION_set_time(r2.ssess, (long)time(NULL) - 5);
    r3 = run_conn(sctx, cctx, r2.csess, NULL);
    CHECK_EQ(r3.sreused, 0, "short timeout expired: full handshake");
    n = SSL_CTX_sess_timeouts(sctx);
    CHECK_EQ(n, 2, "short timeout: second timeout counted");
    CHECK_EQ(remove_calls, 2, "short timeout: remove callback again");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 1, "still one session cached");
    run_free(&r1);
    run_free(&r2);
    run_free(&r3);
    SSL_CTX_free(sctx);

    /* 3. SSL_CTX_remove_session: the next offer misses internally and asks the get callback. */
    reset_calls();
    sctx = tls12_server(0);
    r1 = run_conn(sctx, cctx, NULL, NULL);
    CHECK(r1.ok, "first handshake (remove part)");
    misses0 = SSL_CTX_sess_misses(sctx);
    get0 = get_calls;
    int rr = SSL_CTX_remove_session(sctx, r1.ssess);
    CHECK_EQ(rr, 1, "SSL_CTX_remove_session removed the entry");
    CHECK_EQ(remove_calls, 1, "remove callback");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 0, "cache empty");
    r2 = run_conn(sctx, cctx, r1.csess, NULL);
    CHECK(r2.ok, "handshake offering a removed session completes");
    CHECK_EQ(r2.sreused, 0, "removed: full handshake");
    n = SSL_CTX_sess_misses(sctx);
    CHECK_EQ(n - misses0, 1, "removed: one internal miss");
    CHECK_EQ(get_calls - get0, 1, "removed: the get callback was asked");
    CHECK_EQ(get_len_last, 32, "the get callback saw the 32-byte id");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 1, "the new session is cached");
    run_free(&r1);
    run_free(&r2);
    SSL_CTX_free(sctx);

    /* 4. TLS 1.2 with session tickets: the server session has no id, nothing is cached, no new
     * callback; resumption by ticket counts a hit and asks no get callback. */
    reset_calls();
    sctx = tls12_server(1);
    r1 = run_conn(sctx, cctx, NULL, NULL);
    CHECK(r1.ok, "first handshake (ticket part)");
    CHECK_EQ(r1.version, TLS1_2_VERSION, "TLS 1.2 with tickets");
    CHECK_EQ(r1.sid_len, 0, "tickets: the server session id is empty");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 0, "tickets: nothing cached");
    CHECK_EQ(new_calls, 0, "tickets: no server new callback");
    res = SSL_SESSION_is_resumable(r1.csess);
    CHECK_EQ(res, 1, "tickets: the client session is resumable");
    get0 = get_calls;
    r2 = run_conn(sctx, cctx, r1.csess, NULL);
    CHECK(r2.ok, "ticket resumption handshake completes");
    CHECK_EQ(r2.sreused, 1, "resumed by ticket (server)");
    CHECK_EQ(r2.creused, 1, "resumed by ticket (client)");
    n = SSL_CTX_sess_hits(sctx);
    CHECK_EQ(n, 1, "a ticket resumption counts a hit");
    CHECK_EQ(get_calls - get0, 0, "a ticket resumption asks no get callback");
    CHECK_EQ(new_calls, 0, "still no new callback");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 0, "still nothing cached");
    run_free(&r1);
    run_free(&r2);
    SSL_CTX_free(sctx);

    /* 5. Server cache mode OFF: no id sent, no new callback, nothing cached, no resumption. */
    reset_calls();
    sctx = tls12_server(0);
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
    r1 = run_conn(sctx, cctx, NULL, NULL);
    CHECK(r1.ok, "first handshake (mode OFF)");
    CHECK_EQ(new_calls, 0, "OFF: no new callback");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 0, "OFF: nothing cached");
    CHECK_EQ(r1.sid_len, 0, "OFF: the server session id is empty");
    unsigned int cid_len = 99;
    SSL_SESSION_get_id(r1.csess, &cid_len);
    CHECK_EQ(cid_len, 0, "OFF: the client session id is empty too (the server sent none)");
    res = SSL_SESSION_is_resumable(r1.csess);
    CHECK_EQ(res, 0, "OFF: the client session (no id, no ticket) is not resumable");
    long cmiss0 = SSL_CTX_sess_misses(cctx);
    r2 = run_conn(sctx, cctx, r1.csess, NULL);
    CHECK(r2.ok, "second handshake (mode OFF)");
    CHECK_EQ(r2.sreused, 0, "OFF: no resumption (server)");
    CHECK_EQ(r2.creused, 0, "OFF: no resumption (client)");
    n = SSL_CTX_sess_hits(sctx);
    CHECK_EQ(n, 0, "OFF: no hit");
    CHECK_EQ(new_calls, 0, "OFF: still no new callback");
    n = SSL_CTX_sess_misses(cctx);
    CHECK_EQ(n - cmiss0, 0, "OFF: the client offered no id, so it counts no miss");
    run_free(&r1);
    run_free(&r2);
    SSL_CTX_free(sctx);

    /* 6. SERVER | NO_INTERNAL_STORE: the new callback runs, nothing is stored, and resumption
     * goes through the get callback (a d2i copy of the saved DER, *copy = 0). */
    reset_calls();
    sctx = tls12_server(0);
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    r1 = run_conn(sctx, cctx, NULL, NULL);
    CHECK(r1.ok, "first handshake (NO_INTERNAL_STORE)");
    CHECK_EQ(new_calls, 1, "NO_INTERNAL_STORE: the new callback ran");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 0, "NO_INTERNAL_STORE: nothing stored");
    CHECK_EQ(saved_id_len, 32, "the new callback saw a 32-byte id");
    CHECK(saved_der_len > 0, "the new callback could encode the session (%d bytes)", saved_der_len);
    get_mode = 1;
    misses0 = SSL_CTX_sess_misses(sctx);
    get0 = get_calls;
    r2 = run_conn(sctx, cctx, r1.csess, NULL);
    CHECK(r2.ok, "resumption through the get callback completes");
    CHECK_EQ(r2.sreused, 1, "resumed from the external cache (server)");
    CHECK_EQ(r2.creused, 1, "resumed from the external cache (client)");
    CHECK_EQ(get_calls - get0, 1, "one get callback");
    CHECK_EQ(get_copy_in, 1, "*copy comes in as 1");
    CHECK_EQ(get_len_last, 32, "get callback id length");
    n = SSL_CTX_sess_cb_hits(sctx);
    CHECK_EQ(n, 1, "cb_hits 1");
    n = SSL_CTX_sess_hits(sctx);
    CHECK_EQ(n, 1, "hits 1");
    n = SSL_CTX_sess_misses(sctx);
    CHECK_EQ(n - misses0, 1, "the internal lookup missed first");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 0, "the get callback's session is not stored");
    CHECK_EQ(new_calls, 1, "no new callback on the resumption");
    run_free(&r1);
    run_free(&r2);
    SSL_CTX_free(sctx);

    /* 7. The new callback's return value only says who owns the extra reference. */
    reset_calls();
    sctx = tls12_server(0);
    new_ret = 0;
    r1 = run_conn(sctx, cctx, NULL, NULL);
    CHECK(r1.ok, "handshake with new_cb returning 0");
    CHECK_EQ(new_calls, 1, "new callback ran (returning 0)");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 1, "returning 0 leaves the session cached");
    CHECK(new_last == r1.ssess, "the new callback got the server connection's session");
    new_ret = 1;
    r2 = run_conn(sctx, cctx, NULL, NULL);
    CHECK(r2.ok, "handshake with new_cb returning 1");
    CHECK_EQ(new_calls, 2, "new callback ran (returning 1)");
    n = SSL_CTX_sess_number(sctx);
    CHECK_EQ(n, 2, "returning 1 leaves it cached too");
    CHECK(nkept == 1 && kept[0] == r2.ssess, "the kept reference is the connection's session");
    new_ret = 0;
    r3 = run_conn(sctx, cctx, r1.csess, NULL);
    CHECK_EQ(r3.sreused, 1, "the session whose callback returned 0 resumes");
    run_free(&r3);
    r3 = run_conn(sctx, cctx, r2.csess, NULL);
    CHECK_EQ(r3.sreused, 1, "the session whose callback returned 1 resumes");
    n = SSL_CTX_sess_hits(sctx);
    CHECK_EQ(n, 2, "two hits");
    CHECK_EQ(new_calls, 2, "no new callback on resumptions");
    run_free(&r1);
    run_free(&r2);
    run_free(&r3);
    SSL_CTX_free(sctx);

    for (int i = 0; i < nkept; i++)
        SSL_SESSION_free(kept[i]);
    SSL_CTX_free(cctx);
    return check_summary();
}
