/* The SSL_CTX_sess_* statistics macros and SSL_CTX_ctrl: OpenSSL's command numbers, zero on a
 * fresh ctx, sess_number following adds/removes/flushes, cache_full counting evictions, and
 * unknown commands returning 0. */
#include <openssl/ssl.h>
#include "check.h"

#include <time.h>

static int removed;
static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    (void)sess;
    removed++;
}

/* A TLS1_2 session with a 32-byte id filled with `tag`. */
static SSL_SESSION *make_session(unsigned char tag, long tm, long timeout)
{
    unsigned char id[32];
    SSL_SESSION *s = SSL_SESSION_new();
    if (s == NULL) {
        printf("FAIL SSL_SESSION_new returned NULL\n");
        exit(1);
    }
    memset(id, tag, sizeof id);
    if (!SSL_SESSION_set1_id(s, id, sizeof id) || !SSL_SESSION_set_protocol_version(s, TLS1_2_VERSION)
        || !SSL_SESSION_set_timeout(s, timeout) || SSL_SESSION_set_time(s, tm) != tm) {
        printf("FAIL could not build a session\n");
        exit(1);
    }
    return s;
}

struct ctrl_const {
    const char *name;
    long value, expected;
};

int main(void)
{
    /* Command numbers, as in OpenSSL's ssl.h. */
    static const struct ctrl_const consts[] = {
        {"SSL_CTRL_SESS_NUMBER", SSL_CTRL_SESS_NUMBER, 20},
        {"SSL_CTRL_SESS_CONNECT", SSL_CTRL_SESS_CONNECT, 21},
        {"SSL_CTRL_SESS_CONNECT_GOOD", SSL_CTRL_SESS_CONNECT_GOOD, 22},
        {"SSL_CTRL_SESS_CONNECT_RENEGOTIATE", SSL_CTRL_SESS_CONNECT_RENEGOTIATE, 23},
        {"SSL_CTRL_SESS_ACCEPT", SSL_CTRL_SESS_ACCEPT, 24},
        {"SSL_CTRL_SESS_ACCEPT_GOOD", SSL_CTRL_SESS_ACCEPT_GOOD, 25},
        {"SSL_CTRL_SESS_ACCEPT_RENEGOTIATE", SSL_CTRL_SESS_ACCEPT_RENEGOTIATE, 26},
        {"SSL_CTRL_SESS_HIT", SSL_CTRL_SESS_HIT, 27},
        {"SSL_CTRL_SESS_CB_HIT", SSL_CTRL_SESS_CB_HIT, 28},
        {"SSL_CTRL_SESS_MISSES", SSL_CTRL_SESS_MISSES, 29},
        {"SSL_CTRL_SESS_TIMEOUTS", SSL_CTRL_SESS_TIMEOUTS, 30},
        {"SSL_CTRL_SESS_CACHE_FULL", SSL_CTRL_SESS_CACHE_FULL, 31},
        {"SSL_CTRL_SET_SESS_CACHE_SIZE", SSL_CTRL_SET_SESS_CACHE_SIZE, 42},
        {"SSL_CTRL_GET_SESS_CACHE_SIZE", SSL_CTRL_GET_SESS_CACHE_SIZE, 43},
        {"SSL_CTRL_SET_SESS_CACHE_MODE", SSL_CTRL_SET_SESS_CACHE_MODE, 44},
        {"SSL_CTRL_GET_SESS_CACHE_MODE", SSL_CTRL_GET_SESS_CACHE_MODE, 45},
    };
    int bad_consts = 0;
    for (size_t i = 0; i < sizeof consts / sizeof consts[0]; i++) {
        if (consts[i].value != consts[i].expected) {
            printf("  %s is %ld, OpenSSL's value is %ld\n", consts[i].name, consts[i].value,
                   consts[i].expected);
            bad_consts++;
        }
    }
    CHECK(bad_consts == 0, "%d SSL_CTRL_* constants differ from OpenSSL's (listed above)", bad_consts);

    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    CHECK(ctx != NULL, "SSL_CTX_new failed");
    SSL_CTX_sess_set_remove_cb(ctx, remove_cb);

    /* All twelve counters are 0 on a fresh ctx, and SSL_CTX_ctrl with the literal command
     * number gives the same value as the macro. */
    struct {
        const char *name;
        long macro;
        int cmd;
    } stats[] = {
        {"SSL_CTX_sess_number", SSL_CTX_sess_number(ctx), 20},
        {"SSL_CTX_sess_connect", SSL_CTX_sess_connect(ctx), 21},
        {"SSL_CTX_sess_connect_good", SSL_CTX_sess_connect_good(ctx), 22},
        {"SSL_CTX_sess_connect_renegotiate", SSL_CTX_sess_connect_renegotiate(ctx), 23},
        {"SSL_CTX_sess_accept", SSL_CTX_sess_accept(ctx), 24},
        {"SSL_CTX_sess_accept_good", SSL_CTX_sess_accept_good(ctx), 25},
        {"SSL_CTX_sess_accept_renegotiate", SSL_CTX_sess_accept_renegotiate(ctx), 26},
        {"SSL_CTX_sess_hits", SSL_CTX_sess_hits(ctx), 27},
        {"SSL_CTX_sess_cb_hits", SSL_CTX_sess_cb_hits(ctx), 28},
        {"SSL_CTX_sess_misses", SSL_CTX_sess_misses(ctx), 29},
        {"SSL_CTX_sess_timeouts", SSL_CTX_sess_timeouts(ctx), 30},
        {"SSL_CTX_sess_cache_full", SSL_CTX_sess_cache_full(ctx), 31},
    };
    int nonzero = 0, ctrl_differs = 0;
    for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++) {
        long direct = SSL_CTX_ctrl(ctx, stats[i].cmd, 0, NULL);
        if (stats[i].macro != 0) {
            printf("  %s(fresh ctx) = %ld, expected 0\n", stats[i].name, stats[i].macro);
            nonzero++;
        }
        if (direct != stats[i].macro) {
            printf("  SSL_CTX_ctrl(ctx, %d) = %ld but %s = %ld\n", stats[i].cmd, direct,
                   stats[i].name, stats[i].macro);
            ctrl_differs++;
        }
    }
    CHECK(nonzero == 0, "%d of the twelve statistics are nonzero on a fresh ctx (listed above)", nonzero);
    CHECK(ctrl_differs == 0, "%d statistics differ between SSL_CTX_ctrl and the macro", ctrl_differs);

    /* Unknown commands. */
    long u = SSL_CTX_ctrl(ctx, 9999, 5, NULL);
    CHECK_EQ(u, 0, "SSL_CTX_ctrl with unknown command 9999");
    u = SSL_CTX_ctrl(ctx, 32000, 0, NULL);
    CHECK_EQ(u, 0, "SSL_CTX_ctrl with unknown command 32000");

    /* Cache size and mode through SSL_CTX_ctrl directly. */
    long sz = SSL_CTX_ctrl(ctx, 43, 0, NULL);
    CHECK_EQ(sz, SSL_SESSION_CACHE_MAX_SIZE_DEFAULT, "SSL_CTX_ctrl(43) (cache size) on a fresh ctx");
    long mode = SSL_CTX_ctrl(ctx, 45, 0, NULL);
    CHECK_EQ(mode, SSL_SESS_CACHE_SERVER, "SSL_CTX_ctrl(45) (cache mode) on a fresh ctx");

    /* sess_number follows adds, removes and flushes. */
    SSL_SESSION *s[4];
    for (int i = 0; i < 4; i++)
        s[i] = make_session((unsigned char)(i + 1), 1000, 100 * (i + 1));
    for (int i = 0; i < 4; i++) {
        int r = SSL_CTX_add_session(ctx, s[i]);
        CHECK(r == 1, "add of session %d returned %d", i, r);
    }
    long n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 4, "sess_number after four adds");
    long nd = SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_NUMBER, 0, NULL);
    CHECK_EQ(nd, 4, "SSL_CTX_ctrl(SSL_CTRL_SESS_NUMBER) after four adds");
    int r = SSL_CTX_add_session(ctx, s[0]);
    CHECK_EQ(r, 0, "re-add of a cached session");
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 4, "sess_number after re-adding a cached session");
    r = SSL_CTX_remove_session(ctx, s[3]);
    n = SSL_CTX_sess_number(ctx);
    CHECK(r == 1 && n == 3, "remove of a cached session: returned %d, sess_number %ld (expected 1, 3)", r, n);
    /* Expiries are 1100, 1200, 1300: flush(1200) removes only the first (strict `>`). */
    removed = 0;
    SSL_CTX_flush_sessions(ctx, 1200);
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 2, "sess_number after flush(1200) with expiries 1100, 1200, 1300");
    CHECK_EQ(removed, 1, "remove callback calls during flush(1200)");
    long to = SSL_CTX_sess_timeouts(ctx);
    CHECK_EQ(to, 0, "flush does not count sess_timeouts");
    SSL_CTX_flush_sessions(ctx, 0);
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 0, "sess_number after flush(0)");
    long full = SSL_CTX_sess_cache_full(ctx);
    CHECK_EQ(full, 0, "removes and flushes do not count cache_full");

    /* cache_full counts evictions: with size 3 the cache holds 2 once full. */
    long prev = SSL_CTX_ctrl(ctx, 42, 3, NULL);
    CHECK_EQ(prev, SSL_SESSION_CACHE_MAX_SIZE_DEFAULT, "SSL_CTX_ctrl(42, 3) returns the previous size");
    sz = SSL_CTX_sess_get_cache_size(ctx);
    CHECK_EQ(sz, 3, "cache size after SSL_CTX_ctrl(42, 3)");
    for (int i = 0; i < 6; i++) {
        SSL_SESSION *e = make_session((unsigned char)(0x40 + i), 1000, 100 * (i + 1));
        int ar = SSL_CTX_add_session(ctx, e);
        SSL_SESSION_free(e);
        long num = SSL_CTX_sess_number(ctx), cf = SSL_CTX_sess_cache_full(ctx);
        long want_num = i < 2 ? i + 1 : 2, want_cf = i < 2 ? 0 : i - 1;
        CHECK(ar == 1 && num == want_num && cf == want_cf,
              "add #%d into a size-3 cache: returned %d, sess_number %ld, cache_full %ld "
              "(expected 1, %ld, %ld)", i + 1, ar, num, cf, want_num, want_cf);
    }
    long cfd = SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_CACHE_FULL, 0, NULL);
    CHECK_EQ(cfd, 4, "SSL_CTX_ctrl(SSL_CTRL_SESS_CACHE_FULL) after four evictions");

    /* Nothing above is a handshake: the handshake counters are still 0. */
    long hs = SSL_CTX_sess_accept(ctx) + SSL_CTX_sess_accept_good(ctx) + SSL_CTX_sess_connect(ctx)
              + SSL_CTX_sess_connect_good(ctx) + SSL_CTX_sess_hits(ctx) + SSL_CTX_sess_misses(ctx)
              + SSL_CTX_sess_cb_hits(ctx) + SSL_CTX_sess_timeouts(ctx);
    CHECK_EQ(hs, 0, "sum of handshake counters after cache operations only");

    SSL_CTX_free(ctx);
    for (int i = 0; i < 4; i++)
        SSL_SESSION_free(s[i]);
    return check_summary();
}
