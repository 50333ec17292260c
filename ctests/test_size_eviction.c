/* Cache size and eviction: the size setter/getter, unlimited size 0, the size-1 capacity of a
 * full cache, eviction of the earliest-expiring session (ties: the one placed earliest), the
 * remove callback and cache_full counter per eviction, and re-sorting by set_time/set_timeout. */
#include <openssl/ssl.h>
#include "check.h"

#define MAX_REMOVED 64

static int removed;
static SSL_SESSION *removed_list[MAX_REMOVED];
static SSL_CTX *removed_ctx;
static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    if (removed < MAX_REMOVED)
        removed_list[removed] = sess;
    removed++;
    removed_ctx = ctx;
}

static void reset_removed(void)
{
    removed = 0;
    removed_ctx = NULL;
    memset(removed_list, 0, sizeof removed_list);
}

/* A 32-byte id whose first two bytes encode `n` (distinct hash buckets). */
static SSL_SESSION *make_session(unsigned n, long tm, long timeout)
{
    unsigned char id[32];
    SSL_SESSION *s = SSL_SESSION_new();
    long set_tm;
    if (s == NULL) {
        printf("FAIL SSL_SESSION_new returned NULL\n");
        exit(1);
    }
    memset(id, 0x5A, sizeof id);
    id[0] = (unsigned char)(n & 0xff);
    id[1] = (unsigned char)(n >> 8);
    set_tm = SSL_SESSION_set_time(s, tm);
    if (!SSL_SESSION_set1_id(s, id, sizeof id) || !SSL_SESSION_set_protocol_version(s, TLS1_2_VERSION)
        || set_tm != tm || !SSL_SESSION_set_timeout(s, timeout)) {
        printf("FAIL could not build session %u\n", n);
        exit(1);
    }
    return s;
}

static SSL_CTX *new_ctx(long size)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        printf("FAIL SSL_CTX_new failed\n");
        exit(1);
    }
    (void)SSL_CTX_sess_set_cache_size(ctx, size);
    SSL_CTX_sess_set_remove_cb(ctx, remove_cb);
    return ctx;
}

/* Adds 6 sessions to a cache of `size` and compares sess_number after each add. */
static void trace_size(long size, const long expected[6])
{
    SSL_CTX *ctx = new_ctx(size);
    SSL_SESSION *s[6];
    long got[6];
    int rets[6];
    long base = (long)time(NULL);
    for (int i = 0; i < 6; i++) {
        s[i] = make_session(100 + (unsigned)i, base, 300 + i);
        rets[i] = SSL_CTX_add_session(ctx, s[i]);
        got[i] = SSL_CTX_sess_number(ctx);
    }
    int same = 1, all_one = 1;
    for (int i = 0; i < 6; i++) {
        if (got[i] != expected[i])
            same = 0;
        if (rets[i] != 1)
            all_one = 0;
    }
    CHECK(same, "size %ld: sess_number after each add got %ld,%ld,%ld,%ld,%ld,%ld; expected %ld,%ld,%ld,%ld,%ld,%ld",
          size, got[0], got[1], got[2], got[3], got[4], got[5], expected[0], expected[1], expected[2],
          expected[3], expected[4], expected[5]);
    CHECK(all_one, "size %ld: every add of a new session returns 1 even when it evicts: got %d,%d,%d,%d,%d,%d",
          size, rets[0], rets[1], rets[2], rets[3], rets[4], rets[5]);
    long full = SSL_CTX_sess_cache_full(ctx);
    long evicted = 6 - got[5];
    CHECK(full == evicted, "size %ld: sess_cache_full is %ld, expected one per eviction (%ld)", size, full, evicted);
    SSL_CTX_free(ctx);
    for (int i = 0; i < 6; i++)
        SSL_SESSION_free(s[i]);
}

int main(void)
{
    /* The size setter and getter. */
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    CHECK(ctx != NULL, "SSL_CTX_new failed");
    if (ctx == NULL)
        return check_summary();
    CHECK_EQ(SSL_CTX_sess_get_cache_size(ctx), 20480, "default cache size of a server ctx");
    CHECK_EQ(SSL_SESSION_CACHE_MAX_SIZE_DEFAULT, 20480, "SSL_SESSION_CACHE_MAX_SIZE_DEFAULT");
    long prev = SSL_CTX_sess_set_cache_size(ctx, 10);
    CHECK_EQ(prev, 20480, "sess_set_cache_size(10) returns the previous (default) size");
    prev = SSL_CTX_sess_set_cache_size(ctx, 5);
    CHECK_EQ(prev, 10, "sess_set_cache_size(5) returns the previous size 10");
    prev = SSL_CTX_sess_set_cache_size(ctx, -1);
    CHECK_EQ(prev, 0, "sess_set_cache_size(-1) is rejected and returns 0");
    CHECK_EQ(SSL_CTX_sess_get_cache_size(ctx), 5, "a negative size leaves the size unchanged");
    prev = SSL_CTX_sess_set_cache_size(ctx, 0);
    CHECK_EQ(prev, 5, "sess_set_cache_size(0) returns the previous size 5");
    CHECK_EQ(SSL_CTX_sess_get_cache_size(ctx), 0, "size 0 is stored");
    SSL_CTX_free(ctx);
    ctx = SSL_CTX_new(TLS_client_method());
    CHECK(ctx != NULL, "SSL_CTX_new(TLS_client_method()) failed");
    if (ctx != NULL) {
        CHECK_EQ(SSL_CTX_sess_get_cache_size(ctx), 20480, "default cache size of a client ctx");
        SSL_CTX_free(ctx);
    }

    /* Size 0 is unlimited: 1000 sessions stay, nothing is evicted. */
    {
        enum { N = 1000 };
        static SSL_SESSION *many[N];
        long base = (long)time(NULL);
        int all_added = 1;
        ctx = new_ctx(0);
        reset_removed();
        for (int i = 0; i < N; i++) {
            many[i] = make_session(1000 + (unsigned)i, base, 300 + i % 7);
            if (SSL_CTX_add_session(ctx, many[i]) != 1)
                all_added = 0;
        }
        CHECK(all_added, "size 0: every add of a new session must return 1");
        CHECK_EQ(SSL_CTX_sess_number(ctx), N, "size 0 (unlimited): sessions cached after 1000 adds");
        CHECK_EQ(SSL_CTX_sess_cache_full(ctx), 0, "size 0: sess_cache_full");
        CHECK_EQ(removed, 0, "size 0: remove callback calls during the adds");
        SSL_CTX_sess_set_remove_cb(ctx, NULL);
        SSL_CTX_free(ctx);
        for (int i = 0; i < N; i++)
            SSL_SESSION_free(many[i]);
    }

    /* Capacity: size 1 and 2 hold 1, size N >= 2 holds N-1 once full. */
    {
        static const long size1[6] = {1, 1, 1, 1, 1, 1};
        static const long size2[6] = {1, 1, 1, 1, 1, 1};
        static const long size3[6] = {1, 2, 2, 2, 2, 2};
        static const long size5[6] = {1, 2, 3, 4, 4, 4};
        trace_size(1, size1);
        trace_size(2, size2);
        trace_size(3, size3);
        trace_size(5, size5);
    }

    /* Eviction takes the earliest expiry (time + timeout), not the oldest added. */
    ctx = new_ctx(4); /* holds 3 */
    reset_removed();
    SSL_SESSION *a = make_session(1, 1000, 500); /* expires 1500, added first */
    SSL_SESSION *b = make_session(2, 1000, 100); /* expires 1100 */
    SSL_SESSION *c = make_session(3, 900, 400);  /* expires 1300 */
    SSL_SESSION *d = make_session(4, 1000, 1000); /* expires 2000 */
    (void)SSL_CTX_add_session(ctx, a);
    (void)SSL_CTX_add_session(ctx, b);
    (void)SSL_CTX_add_session(ctx, c);
    CHECK_EQ(removed, 0, "no eviction while below capacity");
    int r = SSL_CTX_add_session(ctx, d);
    CHECK_EQ(r, 1, "an add that evicts returns 1");
    CHECK_EQ(removed, 1, "one remove callback call for one eviction");
    CHECK(removed_list[0] == b, "the evicted session must be b (earliest expiry 1100), not a (oldest added): got %s",
          removed_list[0] == a ? "a" : removed_list[0] == c ? "c" : removed_list[0] == d ? "d" : "other/none");
    CHECK(removed_ctx == ctx, "the remove callback receives the evicting SSL_CTX");
    CHECK_EQ(SSL_CTX_sess_cache_full(ctx), 1, "sess_cache_full after one eviction");
    CHECK_EQ(SSL_CTX_sess_number(ctx), 3, "sessions cached after the eviction");
    CHECK_EQ(SSL_SESSION_is_resumable(b), 0, "an evicted session is not resumable");
    CHECK_EQ(SSL_SESSION_is_resumable(a), 1, "a session that was not evicted stays resumable");
    CHECK_EQ(SSL_CTX_remove_session(ctx, b), 0, "the evicted session is no longer cached");

    /* set_time / set_timeout re-sort a cached session. Cached: a 1500, c 1300, d 2000. */
    long set_tm = SSL_SESSION_set_time(c, 5000); /* c now expires 5400 */
    CHECK_EQ(set_tm, 5000, "set_time on a cached session returns its argument");
    r = SSL_SESSION_set_timeout(d, 1); /* d now expires 1001 */
    CHECK_EQ(r, 1, "set_timeout on a cached session returns 1");
    reset_removed();
    SSL_SESSION *e = make_session(5, 1000, 3000); /* expires 4000 */
    r = SSL_CTX_add_session(ctx, e);
    CHECK_EQ(r, 1, "add of e returns 1");
    CHECK(removed == 1 && removed_list[0] == d,
          "after set_timeout(d,1) d (expiry 1001) must be evicted next: %d removals, first %s", removed,
          removed_list[0] == a ? "a" : removed_list[0] == c ? "c" : removed_list[0] == e ? "e" : "other/none");
    reset_removed();
    SSL_SESSION *f = make_session(6, 1000, 2000); /* expires 3000; cached: a 1500, c 5400, e 4000 */
    r = SSL_CTX_add_session(ctx, f);
    CHECK(removed == 1 && removed_list[0] == a,
          "with c moved to 5400 the next eviction must be a (1500): %d removals, first %s", removed,
          removed_list[0] == c ? "c" : removed_list[0] == e ? "e" : removed_list[0] == f ? "f" : "other/none");
    CHECK_EQ(SSL_CTX_sess_cache_full(ctx), 3, "sess_cache_full after three evictions");
    CHECK_EQ(SSL_SESSION_is_resumable(c), 1, "c, moved to a later expiry, stays cached and resumable");
    SSL_CTX_free(ctx);

    /* Ties on expiry: the session placed earliest is evicted first, whatever its id. */
    {
        SSL_SESSION *g = make_session(0x50, 1000, 200); /* expires 1200 */
        SSL_SESSION *h = make_session(0x10, 1100, 100); /* expires 1200 too */
        SSL_SESSION *k = make_session(0x70, 1000, 900); /* expires 1900 */
        ctx = new_ctx(3); /* holds 2 */
        reset_removed();
        (void)SSL_CTX_add_session(ctx, g);
        (void)SSL_CTX_add_session(ctx, h);
        (void)SSL_CTX_add_session(ctx, k);
        CHECK(removed == 1 && removed_list[0] == g, "tie 1200/1200, g added first: g must be evicted (%d removals, got %s)",
              removed, removed_list[0] == h ? "h" : removed_list[0] == k ? "k" : "other/none");
        SSL_CTX_free(ctx);
        SSL_SESSION_free(g);
        SSL_SESSION_free(h);
        SSL_SESSION_free(k);

        g = make_session(0x50, 1000, 200);
        h = make_session(0x10, 1100, 100);
        k = make_session(0x70, 1000, 900);
        ctx = new_ctx(3);
        reset_removed();
        (void)SSL_CTX_add_session(ctx, h);
        (void)SSL_CTX_add_session(ctx, g);
        (void)SSL_CTX_add_session(ctx, k);
        CHECK(removed == 1 && removed_list[0] == h, "tie 1200/1200, h added first: h must be evicted (%d removals, got %s)",
              removed, removed_list[0] == g ? "g" : removed_list[0] == k ? "k" : "other/none");
        SSL_CTX_free(ctx);
        SSL_SESSION_free(g);
        SSL_SESSION_free(h);
        SSL_SESSION_free(k);

        /* set_time to the same value re-places g, so h (now placed earlier) goes first. */
        g = make_session(0x50, 1000, 200);
        h = make_session(0x10, 1100, 100);
        k = make_session(0x70, 1000, 900);
        ctx = new_ctx(3);
        reset_removed();
        (void)SSL_CTX_add_session(ctx, g);
        (void)SSL_CTX_add_session(ctx, h);
        set_tm = SSL_SESSION_set_time(g, 1000);
        (void)SSL_CTX_add_session(ctx, k);
        CHECK(set_tm == 1000 && removed == 1 && removed_list[0] == h,
              "tie after set_time(g, same time) re-placed g: h must be evicted (%d removals, got %s)", removed,
              removed_list[0] == g ? "g" : removed_list[0] == k ? "k" : "other/none");
        SSL_CTX_free(ctx);
        SSL_SESSION_free(g);
        SSL_SESSION_free(h);
        SSL_SESSION_free(k);
    }

    /* Shrinking the size takes effect at the next add, which evicts down to size-1. */
    {
        SSL_SESSION *s[6];
        ctx = new_ctx(0);
        for (int i = 0; i < 5; i++) {
            s[i] = make_session(200 + (unsigned)i, 1000 + i, 100);
            (void)SSL_CTX_add_session(ctx, s[i]);
        }
        reset_removed();
        prev = SSL_CTX_sess_set_cache_size(ctx, 3);
        CHECK_EQ(prev, 0, "sess_set_cache_size(3) returns the previous size 0");
        CHECK_EQ(SSL_CTX_sess_number(ctx), 5, "shrinking the size does not evict at once");
        CHECK_EQ(removed, 0, "shrinking the size calls no remove callback");
        s[5] = make_session(205, 5000, 100);
        r = SSL_CTX_add_session(ctx, s[5]);
        CHECK_EQ(r, 1, "the add after shrinking returns 1");
        CHECK_EQ(SSL_CTX_sess_number(ctx), 2, "after shrinking to 3 the next add leaves size-1 sessions");
        CHECK_EQ(removed, 4, "remove callback once per evicted session");
        CHECK(removed_list[0] == s[0] && removed_list[1] == s[1] && removed_list[2] == s[2] && removed_list[3] == s[3],
              "evictions must go in expiry order s0,s1,s2,s3");
        CHECK_EQ(SSL_CTX_sess_cache_full(ctx), 4, "sess_cache_full counts each eviction");
        CHECK(SSL_SESSION_is_resumable(s[4]) == 1 && SSL_SESSION_is_resumable(s[5]) == 1,
              "the two survivors s4 and s5 stay resumable");
        CHECK_EQ(SSL_CTX_add_session(ctx, s[5]), 0, "the new session itself is cached (re-add returns 0)");
        SSL_CTX_free(ctx);
        for (int i = 0; i < 6; i++)
            SSL_SESSION_free(s[i]);
    }

    /* A session whose only reference was the cache is freed by eviction (ASan checks the free). */
    {
        ctx = new_ctx(2); /* holds 1 */
        reset_removed();
        SSL_SESSION *only = make_session(300, 1000, 10);
        SSL_SESSION *next = make_session(301, 1000, 20);
        (void)SSL_CTX_add_session(ctx, only);
        SSL_SESSION_free(only); /* the cache holds the last reference */
        r = SSL_CTX_add_session(ctx, next);
        CHECK(r == 1 && removed == 1 && SSL_CTX_sess_number(ctx) == 1,
              "evicting a cache-only session: add=%d, %d removals", r, removed);
        SSL_CTX_free(ctx);
        SSL_SESSION_free(next);
    }

    SSL_SESSION_free(a);
    SSL_SESSION_free(b);
    SSL_SESSION_free(c);
    SSL_SESSION_free(d);
    SSL_SESSION_free(e);
    SSL_SESSION_free(f);
    return check_summary();
}
