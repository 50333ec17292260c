/* TLS 1.3 tickets over real handshakes: stateless tickets (new callback per ticket, nothing
 * cached without a remove callback, no get callback), num_tickets, stateful tickets
 * (SSL_OP_NO_TICKET: internal cache, get callback with the 32-byte identity, copy 1 and 0,
 * multi-use), the client side (new callback only in CLIENT mode, single-use tickets in CLIENT
 * mode) and the counters of both contexts after each step.
 *
 * A TLS 1.3 client session is offered at most once, and never through a d2i or SSL_SESSION_dup
 * copy: on sesscache (rustls) a client TLS 1.3 ticket can be offered once, by the object that
 * received it (RUSTLS-MAP.md). So "stateful tickets are multi-use" is checked on the server: the
 * used entry stays cached and resumable, and each further resumption uses a fresh client session. */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include "check.h"
#include "tls_pair.h"

#define MAX_KEPT 16

/* Server callbacks. */
static int s_new_calls, s_get_calls, s_remove_calls;
static int s_new_bad_len, s_new_not_server, s_new_bad_version;
static SSL_SESSION *s_kept[MAX_KEPT];
static int s_nkept;
static int s_get_len, s_get_copy_in, s_get_found, s_get_bad_version;
static const SSL_SESSION *s_get_last_found; /* the kept session get_cb matched */
static int get_mode; /* 0: return NULL; 1: the kept session, *copy left at 1; 2: d2i copy, *copy = 0 */

/* Client callbacks. */
static int c_new_calls, c_remove_calls;
static const SSL_SESSION *c_last_removed; /* compared, never dereferenced */

static int s_new_cb(SSL *ssl, SSL_SESSION *sess)
{
    unsigned int len = 0;
    SSL_SESSION_get_id(sess, &len);
    s_new_calls++;
    if (len != 32)
        s_new_bad_len++;
    if (SSL_is_server(ssl) != 1)
        s_new_not_server++;
    if (SSL_version(ssl) != TLS1_3_VERSION)
        s_new_bad_version++;
    if (s_nkept < MAX_KEPT) {
        s_kept[s_nkept++] = sess; /* keep the reference we were given */
        return 1;
    }
    return 0;
}

static SSL_SESSION *der_copy(const SSL_SESSION *s)
{
    int len = i2d_SSL_SESSION(s, NULL);
    if (len <= 0)
        return NULL;
    unsigned char *buf = malloc((size_t)len), *w = buf;
    if (buf == NULL || i2d_SSL_SESSION(s, &w) != len) {
        free(buf);
        return NULL;
    }
    const unsigned char *r = buf;
    SSL_SESSION *out = d2i_SSL_SESSION(NULL, &r, len);
    free(buf);
    return out;
}

static SSL_SESSION *s_get_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    s_get_calls++;
    s_get_len = len;
    s_get_copy_in = *copy;
    if (SSL_version(ssl) != TLS1_3_VERSION)
        s_get_bad_version++;
    SSL_SESSION *found = NULL;
    for (int i = 0; i < s_nkept; i++) {
        unsigned int kl = 0;
        const unsigned char *kid = SSL_SESSION_get_id(s_kept[i], &kl);
        if ((int)kl == len && memcmp(kid, id, kl) == 0)
            found = s_kept[i];
    }
    s_get_found = found != NULL;
    s_get_last_found = found;
    if (found == NULL || get_mode == 0)
        return NULL;
    if (get_mode == 1)
        return found; /* *copy stays 1: the library takes its own reference */
    *copy = 0;        /* the library adopts the fresh d2i session */
    return der_copy(found);
}

static void s_remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    (void)sess;
    s_remove_calls++;
}

static int c_new_cb(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    (void)sess;
    c_new_calls++;
    return 0;
}

static void c_remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    c_remove_calls++;
    c_last_removed = sess;
}

static void reset_server_state(void)
{
    for (int i = 0; i < s_nkept; i++)
        SSL_SESSION_free(s_kept[i]);
    s_nkept = 0;
    s_new_calls = s_get_calls = s_remove_calls = 0;
    s_new_bad_len = s_new_not_server = s_new_bad_version = 0;
    s_get_len = s_get_copy_in = s_get_found = s_get_bad_version = 0;
    s_get_last_found = NULL;
    get_mode = 0;
}

/* 1 if the kept server sessions are distinct objects with distinct ids. */
static int kept_distinct(void)
{
    for (int i = 0; i < s_nkept; i++)
        for (int j = i + 1; j < s_nkept; j++) {
            unsigned int li = 0, lj = 0;
            const unsigned char *a = SSL_SESSION_get_id(s_kept[i], &li);
            const unsigned char *b = SSL_SESSION_get_id(s_kept[j], &lj);
            if (s_kept[i] == s_kept[j] || (li == lj && memcmp(a, b, li) == 0))
                return 0;
        }
    return 1;
}

/* 1 if a fresh SSL on ctx finds the kept session i in the internal cache. */
static int in_cache(SSL_CTX *ctx, int i)
{
    SSL *ssl = SSL_new(ctx);
    unsigned int len = 0;
    const unsigned char *id = SSL_SESSION_get_id(s_kept[i], &len);
    int r = SSL_has_matching_session_id(ssl, id, len);
    SSL_free(ssl);
    return r;
}

#define CHECK_SERVER(ctx, step, ea, eg, eh, em, ecb)                                         \
    do {                                                                                   \
        long a_ = SSL_CTX_sess_accept(ctx), g_ = SSL_CTX_sess_accept_good(ctx);            \
        long h_ = SSL_CTX_sess_hits(ctx), m_ = SSL_CTX_sess_misses(ctx);                   \
        long cb_ = SSL_CTX_sess_cb_hits(ctx);                                              \
        CHECK(a_ == (ea) && g_ == (eg) && h_ == (eh) && m_ == (em) && cb_ == (ecb),        \
              "%s: server accept/good/hits/misses/cb_hits = %ld/%ld/%ld/%ld/%ld, "         \
              "expected %ld/%ld/%ld/%ld/%ld",                                              \
              step, a_, g_, h_, m_, cb_, (long)(ea), (long)(eg), (long)(eh), (long)(em),   \
              (long)(ecb));                                                                \
    } while (0)

#define CHECK_CLIENT(ctx, step, ec, eg, eh, em)                                              \
    do {                                                                                   \
        long c_ = SSL_CTX_sess_connect(ctx), g_ = SSL_CTX_sess_connect_good(ctx);          \
        long h_ = SSL_CTX_sess_hits(ctx), m_ = SSL_CTX_sess_misses(ctx);                   \
        CHECK(c_ == (ec) && g_ == (eg) && h_ == (eh) && m_ == (em),                        \
              "%s: client connect/good/hits/misses = %ld/%ld/%ld/%ld, "                    \
              "expected %ld/%ld/%ld/%ld",                                                  \
              step, c_, g_, h_, m_, (long)(ec), (long)(eg), (long)(eh), (long)(em));       \
    } while (0)

/* Handshake + one byte each way; returns the client's session (new reference) or NULL. */
static SSL_SESSION *connect_once(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer, int *hs,
                                 int *reused_s, int *reused_c)
{
    struct pair p = pair_new(sctx, cctx, offer);
    *hs = pair_handshake(&p) && pair_exchange(&p);
    *reused_s = SSL_session_reused(p.server);
    *reused_c = SSL_session_reused(p.client);
    SSL_SESSION *sess = SSL_get1_session(p.client);
    pair_close(&p, 1);
    return sess;
}

/* 1. Stateless tickets (the default), client ctx in its default mode. */
static void test_stateless(void)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_sess_set_new_cb(sctx, s_new_cb);
    SSL_CTX_sess_set_get_cb(sctx, s_get_cb);
    SSL_CTX_sess_set_new_cb(cctx, c_new_cb);
    SSL_CTX_sess_set_remove_cb(cctx, c_remove_cb);
    size_t nt = SSL_CTX_get_num_tickets(sctx);
    CHECK_EQ(nt, 2, "SSL_CTX_get_num_tickets default");

    /* Full handshake. */
    struct pair p = pair_new(sctx, cctx, NULL);
    int hs = pair_handshake(&p);
    CHECK(hs, "full TLS 1.3 handshake completes");
    int ver = SSL_version(p.server);
    CHECK_EQ(ver, TLS1_3_VERSION, "TLS 1.3 negotiated");
    int calls_at_hs = s_new_calls;
    CHECK_EQ(calls_at_hs, 2, "server sends both tickets by the end of its handshake");
    int ex = pair_exchange(&p);
    int rs = SSL_session_reused(p.server), rc = SSL_session_reused(p.client);
    CHECK(ex && rs == 0 && rc == 0, "data exchanged (%d), full handshake not reused (server %d, "
          "client %d)", ex, rs, rc);
    CHECK_EQ(s_new_calls, 2, "new_cb once per ticket on a full handshake");
    int distinct = kept_distinct();
    CHECK(distinct, "each new_cb call gets a distinct session with a distinct id");
    CHECK(s_new_bad_len == 0 && s_new_not_server == 0 && s_new_bad_version == 0,
          "new_cb sessions have 32-byte ids, server SSL, TLS 1.3 (bad len %d, not server %d, "
          "bad version %d)", s_new_bad_len, s_new_not_server, s_new_bad_version);
    long num = SSL_CTX_sess_number(sctx);
    CHECK_EQ(num, 0, "stateless tickets without remove_cb are not stored");
    int cached = in_cache(sctx, 0);
    CHECK_EQ(cached, 0, "the ticket's session id does not match in the server cache");
    CHECK_EQ(s_get_calls, 0, "no get_cb on a full handshake");
    CHECK_SERVER(sctx, "stateless full", 1, 1, 0, 0, 0);
    CHECK_CLIENT(cctx, "stateless full", 1, 1, 0, 0);
    long cnum = SSL_CTX_sess_number(cctx);
    CHECK(c_new_calls == 0 && cnum == 0,
          "client ctx in default mode: no client new_cb (%d), nothing cached (%ld)", c_new_calls,
          cnum);
    SSL_SESSION *csess = SSL_get1_session(p.client);
    int resumable = SSL_SESSION_is_resumable(csess);
    unsigned int clen = 0;
    SSL_SESSION_get_id(csess, &clen);
    CHECK(resumable == 1 && clen == 32,
          "client holds a resumable ticket session with a 32-byte id (resumable %d, len %u)",
          resumable, clen);
    pair_close(&p, 1);

    /* Resumption with the received ticket. */
    p = pair_new(sctx, cctx, csess);
    hs = pair_handshake(&p);
    rs = SSL_session_reused(p.server);
    rc = SSL_session_reused(p.client);
    ex = pair_exchange(&p);
    CHECK(hs && ex && rs == 1 && rc == 1, "ticket resumption (hs %d, data %d, server %d, "
          "client %d)", hs, ex, rs, rc);
    CHECK_EQ(s_new_calls, 3, "exactly one new_cb after a resumption");
    distinct = kept_distinct();
    CHECK(distinct, "the resumption's ticket session is another distinct object");
    CHECK_EQ(s_get_calls, 0, "get_cb never called for stateless tickets");
    num = SSL_CTX_sess_number(sctx);
    CHECK_EQ(num, 0, "still nothing stored after resumption");
    CHECK_SERVER(sctx, "stateless resume", 2, 2, 1, 0, 0);
    CHECK_CLIENT(cctx, "stateless resume", 2, 2, 1, 0);
    CHECK(c_new_calls == 0 && c_remove_calls == 0,
          "default client mode: no client new_cb (%d) or remove_cb (%d)", c_new_calls,
          c_remove_calls);
    resumable = SSL_SESSION_is_resumable(csess);
    CHECK_EQ(resumable, 1, "default client mode: the offered session stays resumable");
    SSL_SESSION *csess2 = SSL_get1_session(p.client);
    pair_close(&p, 1);

    /* A ticket offered to another server context (other ticket keys): full handshake, the
     * client counts a miss, the other server nothing but the accept. */
    SSL_CTX *other = server_ctx();
    int rso, rco;
    SSL_SESSION *csess3 = connect_once(other, cctx, csess2, &hs, &rso, &rco);
    CHECK(hs && rso == 0 && rco == 0,
          "foreign ticket gives a full handshake (hs %d, server %d, client %d)", hs, rso, rco);
    CHECK_SERVER(other, "foreign ticket", 1, 1, 0, 0, 0);
    CHECK_CLIENT(cctx, "foreign ticket", 3, 3, 1, 1);

    SSL_SESSION_free(csess3);
    SSL_SESSION_free(csess2);
    SSL_SESSION_free(csess);
    SSL_CTX_free(other);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    reset_server_state();
    c_new_calls = c_remove_calls = 0;
}

/* 2. Stateless tickets with a remove callback: stored in the internal cache. */
static void test_stateless_remove_cb(void)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_sess_set_new_cb(sctx, s_new_cb);
    SSL_CTX_sess_set_get_cb(sctx, s_get_cb);
    SSL_CTX_sess_set_remove_cb(sctx, s_remove_cb);
    int hs, rs, rc;
    SSL_SESSION *c1 = connect_once(sctx, cctx, NULL, &hs, &rs, &rc);
    long num = SSL_CTX_sess_number(sctx);
    CHECK(hs && s_new_calls == 2 && num == 2,
          "with remove_cb: 2 new_cb (%d), 2 sessions stored (%ld)", s_new_calls, num);
    int cached = in_cache(sctx, 0) && in_cache(sctx, 1);
    CHECK(cached, "both ticket sessions are found by SSL_has_matching_session_id");
    CHECK_SERVER(sctx, "remove_cb full", 1, 1, 0, 0, 0);
    SSL_SESSION *c2 = connect_once(sctx, cctx, c1, &hs, &rs, &rc);
    num = SSL_CTX_sess_number(sctx);
    CHECK(hs && rs == 1 && rc == 1, "resumption with remove_cb set (server %d, client %d)", rs,
          rc);
    CHECK(s_new_calls == 3 && num == 3 && s_get_calls == 0,
          "resumption: one more new_cb (%d), stored (%ld), no get_cb (%d)", s_new_calls, num,
          s_get_calls);
    CHECK_SERVER(sctx, "remove_cb resume", 2, 2, 1, 0, 0);
    CHECK_CLIENT(cctx, "remove_cb resume", 2, 2, 1, 0);
    CHECK_EQ(s_remove_calls, 0, "clean closes remove nothing");
    SSL_CTX_free(sctx);
    CHECK_EQ(s_remove_calls, 3, "SSL_CTX_free reports each stored ticket session");
    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_CTX_free(cctx);
    reset_server_state();
}

/* 3. SSL_CTX_set_num_tickets. */
static void test_num_tickets(void)
{
    static const size_t counts[] = { 0, 1, 3 };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
        SSL_CTX_sess_set_new_cb(sctx, s_new_cb);
        int set = SSL_CTX_set_num_tickets(sctx, counts[i]);
        size_t got = SSL_CTX_get_num_tickets(sctx);
        CHECK(set == 1 && got == counts[i], "set_num_tickets(%zu) = %d, get = %zu", counts[i],
              set, got);
        int hs, rs, rc;
        SSL_SESSION *c = connect_once(sctx, cctx, NULL, &hs, &rs, &rc);
        int distinct = kept_distinct();
        long good = SSL_CTX_sess_accept_good(sctx);
        CHECK(hs && s_new_calls == (int)counts[i] && distinct && good == 1,
              "num_tickets %zu: %d new_cb calls (distinct %d), accept_good %ld", counts[i],
              s_new_calls, distinct, good);
        SSL_SESSION_free(c);
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        reset_server_state();
    }
}

/* 4. Stateful tickets (SSL_OP_NO_TICKET) through the internal cache. */
static void test_stateful_internal(void)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_sess_set_new_cb(sctx, s_new_cb);
    SSL_CTX_sess_set_get_cb(sctx, s_get_cb);
    SSL_CTX_sess_set_remove_cb(sctx, s_remove_cb);
    int hs, rs, rc;
    SSL_SESSION *c1 = connect_once(sctx, cctx, NULL, &hs, &rs, &rc);
    long num = SSL_CTX_sess_number(sctx);
    CHECK(hs && s_new_calls == 2 && num == 2,
          "stateful full handshake: 2 new_cb (%d), 2 stored (%ld)", s_new_calls, num);
    int distinct = kept_distinct();
    CHECK(distinct && s_new_bad_len == 0, "stateful ticket sessions distinct, 32-byte ids");
    int cached = in_cache(sctx, 0) && in_cache(sctx, 1);
    CHECK(cached, "both stateful ticket sessions are in the internal cache");
    CHECK_SERVER(sctx, "stateful full", 1, 1, 0, 0, 0);

    SSL_SESSION *c2 = connect_once(sctx, cctx, c1, &hs, &rs, &rc);
    num = SSL_CTX_sess_number(sctx);
    CHECK(hs && rs == 1 && rc == 1, "stateful resumption (server %d, client %d)", rs, rc);
    CHECK(s_get_calls == 0 && s_new_calls == 3 && num == 3,
          "internal hit: no get_cb (%d), one new_cb (%d), one more stored (%ld)", s_get_calls,
          s_new_calls, num);
    CHECK_SERVER(sctx, "stateful resume", 2, 2, 1, 0, 0);
    CHECK_CLIENT(cctx, "stateful resume", 2, 2, 1, 0);
    /* Stateful tickets are not single-use: the entry of the ticket just used (one of the two
     * from the full handshake) is still cached, still resumable, and nothing was removed. */
    cached = in_cache(sctx, 0) && in_cache(sctx, 1);
    int res0 = SSL_SESSION_is_resumable(s_kept[0]), res1 = SSL_SESSION_is_resumable(s_kept[1]);
    CHECK(cached && res0 == 1 && res1 == 1 && s_remove_calls == 0,
          "used stateful ticket stays cached (%d) and resumable (%d, %d), remove_cb %d", cached,
          res0, res1, s_remove_calls);

    /* A second resumption, with the fresh client session from the first one. */
    SSL_SESSION *c3 = connect_once(sctx, cctx, c2, &hs, &rs, &rc);
    num = SSL_CTX_sess_number(sctx);
    CHECK(hs && rs == 1 && rc == 1, "second stateful resumption (server %d, client %d)", rs, rc);
    CHECK(s_new_calls == 4 && num == 4 && s_get_calls == 0,
          "second resumption: new_cb %d, stored %ld, get_cb %d", s_new_calls, num, s_get_calls);
    CHECK_SERVER(sctx, "stateful resume 2", 3, 3, 2, 0, 0);
    CHECK_CLIENT(cctx, "stateful resume 2", 3, 3, 2, 0);

    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    reset_server_state();
}

/* 5. Stateful tickets with the internal cache off: the get callback supplies the session. */
static void test_stateful_external(void)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(sctx, s_new_cb);
    SSL_CTX_sess_set_get_cb(sctx, s_get_cb);
    int hs, rs, rc;
    SSL_SESSION *c1 = connect_once(sctx, cctx, NULL, &hs, &rs, &rc);
    long num = SSL_CTX_sess_number(sctx);
    CHECK(hs && s_new_calls == 2 && num == 0,
          "NO_INTERNAL: new_cb still called (%d), nothing stored (%ld)", s_new_calls, num);
    CHECK_SERVER(sctx, "external full", 1, 1, 0, 0, 0);

    /* get_cb returns the session kept from new_cb, *copy left at 1. */
    get_mode = 1;
    SSL_SESSION *c2 = connect_once(sctx, cctx, c1, &hs, &rs, &rc);
    CHECK_EQ(s_get_calls, 1, "get_cb called for the stateful ticket");
    CHECK(s_get_len == 32 && s_get_copy_in == 1 && s_get_bad_version == 0,
          "get_cb sees len %d (32), *copy %d (1), TLS 1.3 (bad %d)", s_get_len, s_get_copy_in,
          s_get_bad_version);
    CHECK_EQ(s_get_found, 1, "the ticket identity is the id of a session given to new_cb");
    CHECK(hs && rs == 1 && rc == 1, "resumed from get_cb, copy 1 (server %d, client %d)", rs, rc);
    num = SSL_CTX_sess_number(sctx);
    CHECK(s_new_calls == 3 && num == 0, "one new_cb (%d), nothing stored (%ld)", s_new_calls,
          num);
    CHECK_SERVER(sctx, "external copy=1", 2, 2, 1, 0, 1);
    int used_resumable = SSL_SESSION_is_resumable(s_get_last_found);
    CHECK_EQ(used_resumable, 1, "the session get_cb returned stays resumable after its use");
    CHECK_CLIENT(cctx, "external copy=1", 2, 2, 1, 0);

    /* A fresh client session (from the resumption); get_cb returns a d2i copy, *copy = 0. */
    get_mode = 2;
    SSL_SESSION *c3 = connect_once(sctx, cctx, c2, &hs, &rs, &rc);
    CHECK(s_get_calls == 2 && s_get_len == 32 && s_get_copy_in == 1 && s_get_found == 1,
          "second get_cb: calls %d, len %d, *copy %d, found %d", s_get_calls, s_get_len,
          s_get_copy_in, s_get_found);
    CHECK(hs && rs == 1 && rc == 1, "resumed from a d2i session, copy 0 (server %d, client %d)",
          rs, rc);
    CHECK_SERVER(sctx, "external copy=0", 3, 3, 2, 0, 2);
    CHECK_CLIENT(cctx, "external copy=0", 3, 3, 2, 0);

    num = SSL_CTX_sess_number(sctx);
    CHECK(s_new_calls == 4 && num == 0, "new_cb %d, stored %ld", s_new_calls, num);

    SSL_SESSION_free(c1);
    SSL_SESSION_free(c2);
    SSL_SESSION_free(c3);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    reset_server_state();
}

/* 6. Client ctx in SSL_SESS_CACHE_CLIENT mode. */
static void test_client_mode(void)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT);
    SSL_CTX_sess_set_new_cb(cctx, c_new_cb);
    SSL_CTX_sess_set_remove_cb(cctx, c_remove_cb);
    c_new_calls = c_remove_calls = 0;
    c_last_removed = NULL;

    struct pair p = pair_new(sctx, cctx, NULL);
    int hs = pair_handshake(&p);
    int at_hs = c_new_calls;
    CHECK(hs && at_hs == 0, "no ticket has reached the client at handshake end (%d)", at_hs);
    int ex = pair_exchange(&p);
    long cnum = SSL_CTX_sess_number(cctx);
    CHECK(ex && c_new_calls == 2 && cnum == 2,
          "CLIENT mode: client new_cb per ticket (%d), both stored (%ld)", c_new_calls, cnum);
    CHECK_CLIENT(cctx, "client mode full", 1, 1, 0, 0);
    SSL_SESSION *cs = SSL_get1_session(p.client);
    pair_close(&p, 1);

    p = pair_new(sctx, cctx, cs);
    hs = pair_handshake(&p);
    int rs = SSL_session_reused(p.server), rc = SSL_session_reused(p.client);
    CHECK(hs && rs == 1 && rc == 1, "CLIENT mode resumption (server %d, client %d)", rs, rc);
    CHECK(c_remove_calls == 1 && c_last_removed == cs,
          "the offered session is removed from the client cache (remove_cb %d, same object %d)",
          c_remove_calls, c_last_removed == cs);
    int resumable = SSL_SESSION_is_resumable(cs);
    CHECK_EQ(resumable, 0, "the offered session is no longer resumable");
    cnum = SSL_CTX_sess_number(cctx);
    CHECK_EQ(cnum, 1, "one client cache entry left after the removal");
    ex = pair_exchange(&p);
    cnum = SSL_CTX_sess_number(cctx);
    CHECK(ex && c_new_calls == 3 && cnum == 2,
          "the resumption's ticket: client new_cb %d, stored %ld", c_new_calls, cnum);
    CHECK_CLIENT(cctx, "client mode resume", 2, 2, 1, 0);
    CHECK_SERVER(sctx, "client mode resume", 2, 2, 1, 0, 0);
    pair_close(&p, 1);

    SSL_SESSION_free(cs);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    c_new_calls = c_remove_calls = 0;
}

int main(void)
{
    test_stateless();
    test_stateless_remove_cb();
    test_num_tickets();
    test_stateful_internal();
    test_stateful_external();
    test_client_mode();
    return check_summary();
}
