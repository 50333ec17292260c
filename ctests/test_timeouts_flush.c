/* Timeouts and flushing: the ctx timeout (default 7200, any value stored), SSL_SESSION time and
 * timeout setters, and SSL_CTX_flush_sessions (strict tm > time + timeout, 0 flushes all,
 * earliest expiry first, one remove callback per flushed session, flushed sessions not
 * resumable but alive while the application holds them). */
#include <openssl/ssl.h>
#include "check.h"

#include <time.h>

#define MAX_REMOVED 32

static int removed;
static SSL_SESSION *removed_list[MAX_REMOVED];
static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    if (removed < MAX_REMOVED)
        removed_list[removed] = sess;
    removed++;
}

static void reset_removed(void)
{
    removed = 0;
    memset(removed_list, 0, sizeof removed_list);
}

static SSL_SESSION *make_session(unsigned char tag, long tm, long timeout)
{
    unsigned char id[32];
    SSL_SESSION *s = SSL_SESSION_new();
    long set_tm;
    if (s == NULL) {
        printf("FAIL SSL_SESSION_new returned NULL\n");
        exit(1);
    }
    memset(id, 0x3C, sizeof id);
    id[0] = tag;
    set_tm = SSL_SESSION_set_time(s, tm);
    if (!SSL_SESSION_set1_id(s, id, sizeof id) || !SSL_SESSION_set_protocol_version(s, TLS1_2_VERSION)
        || set_tm != tm || !SSL_SESSION_set_timeout(s, timeout)) {
        printf("FAIL could not build session %u\n", tag);
        exit(1);
    }
    return s;
}

static SSL_CTX *new_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        printf("FAIL SSL_CTX_new failed\n");
        exit(1);
    }
    SSL_CTX_sess_set_remove_cb(ctx, remove_cb);
    return ctx;
}

static long absdiff(long a, long b) { return a > b ? a - b : b - a; }

int main(void)
{
    /* Default ctx timeout is 7200 on every method (the docs' 300 is wrong). */
    {
        const SSL_METHOD *methods[3];
        const char *names[3] = {"TLS_method", "TLS_server_method", "TLS_client_method"};
        methods[0] = TLS_method();
        methods[1] = TLS_server_method();
        methods[2] = TLS_client_method();
        for (int i = 0; i < 3; i++) {
            SSL_CTX *c = SSL_CTX_new(methods[i]);
            CHECK(c != NULL, "SSL_CTX_new(%s()) returned NULL", names[i]);
            if (c == NULL)
                continue;
            long t = SSL_CTX_get_timeout(c);
            CHECK(t == 7200, "default SSL_CTX_get_timeout of a %s ctx: got %ld, expected 7200", names[i], t);
            SSL_CTX_free(c);
        }
    }

    /* SSL_CTX_set_timeout returns the previous value and stores anything, 0 and negatives too. */
    SSL_CTX *ctx = new_ctx();
    long prev = SSL_CTX_set_timeout(ctx, 100);
    CHECK_EQ(prev, 7200, "SSL_CTX_set_timeout(100) returns the previous (default) timeout");
    prev = SSL_CTX_set_timeout(ctx, 0);
    CHECK_EQ(prev, 100, "SSL_CTX_set_timeout(0) returns the previous timeout 100");
    CHECK_EQ(SSL_CTX_get_timeout(ctx), 0, "SSL_CTX_set_timeout(0) is stored as 0");
    prev = SSL_CTX_set_timeout(ctx, -5);
    CHECK_EQ(prev, 0, "SSL_CTX_set_timeout(-5) returns the previous timeout 0");
    CHECK_EQ(SSL_CTX_get_timeout(ctx), -5, "a negative ctx timeout is stored");
    prev = SSL_CTX_set_timeout(ctx, 7200);
    CHECK_EQ(prev, -5, "SSL_CTX_set_timeout after -5 returns -5");

    /* SSL_SESSION_new defaults and the session setters' return values. */
    {
        SSL_SESSION *s = SSL_SESSION_new();
        long now = (long)time(NULL);
        long t = SSL_SESSION_get_time(s);
        CHECK_EQ(SSL_SESSION_get_timeout(s), 304, "SSL_SESSION_new timeout");
        CHECK(absdiff(t, now) <= 2, "SSL_SESSION_new time is now: got %ld, now %ld", t, now);
        long rt = SSL_SESSION_set_time(s, 12345);
        CHECK_EQ(rt, 12345, "SSL_SESSION_set_time returns its argument");
        rt = SSL_SESSION_set_time(s, 0);
        t = SSL_SESSION_get_time(s);
        CHECK_EQ(rt, 0, "SSL_SESSION_set_time(s, 0) returns 0");
        CHECK_EQ(t, 0, "SSL_SESSION_set_time(s, 0) still sets the time to 0");
        long ro = SSL_SESSION_set_timeout(s, 50);
        CHECK_EQ(ro, 1, "SSL_SESSION_set_timeout(s, 50) returns 1");
        ro = SSL_SESSION_set_timeout(s, -1);
        t = SSL_SESSION_get_timeout(s);
        CHECK_EQ(ro, 0, "SSL_SESSION_set_timeout(s, -1) returns 0");
        CHECK_EQ(t, 50, "a rejected negative timeout leaves the timeout unchanged");
        ro = SSL_SESSION_set_timeout(s, 0);
        t = SSL_SESSION_get_timeout(s);
        CHECK(ro == 1 && t == 0, "SSL_SESSION_set_timeout(s, 0) is accepted: returned %ld, timeout now %ld", ro, t);
        SSL_SESSION_free(s);
    }

    /* The ctx timeout does not touch a manually added session's own timeout. */
    {
        SSL_SESSION *s = make_session(0x70, (long)time(NULL), 304);
        prev = SSL_CTX_set_timeout(ctx, 5);
        (void)SSL_CTX_add_session(ctx, s);
        long to = SSL_SESSION_get_timeout(s);
        CHECK_EQ(to, 304, "SSL_CTX_add_session keeps the session's timeout whatever the ctx timeout");
        SSL_CTX_free(ctx);
        SSL_SESSION_free(s);
    }

    /* Strict expiry: time 1000, timeout 100 expires only when tm > 1100. */
    ctx = new_ctx();
    reset_removed();
    SSL_SESSION *x = make_session(1, 1000, 100);
    (void)SSL_CTX_add_session(ctx, x);
    SSL_CTX_flush_sessions(ctx, 1100);
    CHECK_EQ(SSL_CTX_sess_number(ctx), 1, "flush(1100) keeps a session expiring at 1000+100");
    CHECK_EQ(removed, 0, "flush(1100): remove callback calls");
    CHECK_EQ(SSL_SESSION_is_resumable(x), 1, "a session flush(1100) kept is still resumable");
    SSL_CTX_flush_sessions(ctx, 1101);
    CHECK_EQ(SSL_CTX_sess_number(ctx), 0, "flush(1101) removes a session expiring at 1000+100");
    CHECK(removed == 1 && removed_list[0] == x, "flush(1101): one remove callback with the flushed session (%d calls)",
          removed);
    CHECK_EQ(SSL_SESSION_is_resumable(x), 0, "a flushed session is not resumable");
    /* The application still holds x: it survives the flush intact. */
    long xt = SSL_SESSION_get_time(x), xto = SSL_SESSION_get_timeout(x);
    unsigned int xlen = 0;
    const unsigned char *xid = SSL_SESSION_get_id(x, &xlen);
    CHECK(xt == 1000 && xto == 100 && xlen == 32 && xid != NULL && xid[0] == 1,
          "a flushed session the app holds keeps its fields: time %ld timeout %ld idlen %u", xt, xto, xlen);
    CHECK_EQ(SSL_CTX_remove_session(ctx, x), 0, "the flushed session is gone from the cache");

    /* Timeout 0: expires one second after its time. */
    reset_removed();
    SSL_SESSION *z = make_session(2, 1000, 0);
    (void)SSL_CTX_add_session(ctx, z);
    SSL_CTX_flush_sessions(ctx, 1000);
    long n_keep = SSL_CTX_sess_number(ctx);
    SSL_CTX_flush_sessions(ctx, 1001);
    long n_gone = SSL_CTX_sess_number(ctx);
    CHECK(n_keep == 1 && n_gone == 0, "timeout 0 at time 1000: flush(1000) keeps (%ld), flush(1001) removes (%ld left)",
          n_keep, n_gone);

    /* Selective flush by expiry, and the callback order (earliest expiry first). */
    reset_removed();
    SSL_SESSION *s1 = make_session(11, 1000, 500); /* 1500 */
    SSL_SESSION *s2 = make_session(12, 1000, 10);  /* 1010 */
    SSL_SESSION *s3 = make_session(13, 900, 400);  /* 1300 */
    SSL_SESSION *s4 = make_session(14, 1100, 100); /* 1200 */
    SSL_SESSION *s5 = make_session(15, 1000, 5000); /* 6000 */
    (void)SSL_CTX_add_session(ctx, s1);
    (void)SSL_CTX_add_session(ctx, s2);
    (void)SSL_CTX_add_session(ctx, s3);
    (void)SSL_CTX_add_session(ctx, s4);
    (void)SSL_CTX_add_session(ctx, s5);
    SSL_CTX_flush_sessions(ctx, 1011);
    CHECK(removed == 1 && removed_list[0] == s2 && SSL_CTX_sess_number(ctx) == 4,
          "flush(1011) removes only s2 (timeout 10): %d callbacks", removed);
    reset_removed();
    SSL_CTX_flush_sessions(ctx, 1400);
    CHECK(removed == 2 && removed_list[0] == s4 && removed_list[1] == s3,
          "flush(1400) removes s4 (1200) then s3 (1300): %d callbacks, order %s", removed,
          removed_list[0] == s3 ? "s3 first" : "s4 first or other");
    CHECK_EQ(SSL_CTX_sess_number(ctx), 2, "sessions left after flush(1400)");
    CHECK(SSL_SESSION_is_resumable(s1) == 1 && SSL_SESSION_is_resumable(s5) == 1,
          "unexpired s1 and s5 stay resumable after the selective flushes");
    CHECK(SSL_SESSION_is_resumable(s2) == 0 && SSL_SESSION_is_resumable(s3) == 0 && SSL_SESSION_is_resumable(s4) == 0,
          "every flushed session is not resumable");

    /* set_timeout on a cached session moves its expiry for the flush. */
    reset_removed();
    long ro = SSL_SESSION_set_timeout(s5, 1); /* now 1001 */
    SSL_CTX_flush_sessions(ctx, 1002);
    CHECK(ro == 1 && removed == 1 && removed_list[0] == s5,
          "after set_timeout(s5, 1) flush(1002) removes s5 only: %d callbacks", removed);

    /* flush(0) removes everything, earliest expiry first. */
    reset_removed();
    long now = (long)time(NULL);
    SSL_SESSION *f1 = make_session(21, now, 3000);
    SSL_SESSION *f2 = make_session(22, now, 1000);
    SSL_SESSION *f3 = make_session(23, now, 2000);
    (void)SSL_CTX_add_session(ctx, f1);
    (void)SSL_CTX_add_session(ctx, f2);
    (void)SSL_CTX_add_session(ctx, f3);
    SSL_CTX_flush_sessions(ctx, 0);
    CHECK_EQ(SSL_CTX_sess_number(ctx), 0, "flush(0) empties the cache");
    CHECK_EQ(removed, 4, "flush(0): remove callbacks for s1, f1, f2, f3");
    CHECK(removed_list[0] == s1 && removed_list[1] == f2 && removed_list[2] == f3 && removed_list[3] == f1,
          "flush(0) order must be earliest expiry first: s1, f2, f3, f1");
    CHECK(SSL_SESSION_is_resumable(f1) == 0 && SSL_SESSION_is_resumable(f2) == 0 && SSL_SESSION_is_resumable(s1) == 0,
          "sessions flushed by flush(0) are not resumable");

    /* A session whose last reference is the cache is freed by the flush; one the app holds an
     * extra reference on survives it (ASan/valgrind check both). */
    reset_removed();
    SSL_SESSION *only = make_session(31, 1000, 1);
    SSL_SESSION *held = make_session(32, 1000, 2);
    (void)SSL_CTX_add_session(ctx, only);
    (void)SSL_CTX_add_session(ctx, held);
    SSL_SESSION_free(only); /* the cache has the only reference now */
    int up = SSL_SESSION_up_ref(held);
    SSL_SESSION_free(held); /* drop the original, keep the up_ref'ed one */
    SSL_CTX_flush_sessions(ctx, 2000);
    long ht = SSL_SESSION_get_timeout(held);
    CHECK(up == 1 && removed == 2 && ht == 2, "flush of a cache-only and an app-held session: %d callbacks, held timeout %ld",
          removed, ht);
    CHECK_EQ(SSL_SESSION_is_resumable(held), 0, "the app-held flushed session is not resumable");
    SSL_SESSION_free(held);

    /* Flushing an empty cache is harmless. */
    reset_removed();
    SSL_CTX_flush_sessions(ctx, 0);
    CHECK_EQ(removed, 0, "flush of an empty cache calls no callback");

    SSL_CTX_free(ctx);
    SSL_SESSION_free(x);
    SSL_SESSION_free(z);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_SESSION_free(s4);
    SSL_SESSION_free(s5);
    SSL_SESSION_free(f1);
    SSL_SESSION_free(f2);
    SSL_SESSION_free(f3);
    return check_summary();
}
