/* Session cache modes: the default mode on every method, the set/get round trip (previous value
 * returned, any value stored), the SSL_SESS_CACHE_* constants, manual adds in every mode, and
 * SSL_SESS_CACHE_UPDATE_TIME (which only SSL_CTX_add_session honours). */
#include <openssl/ssl.h>
#include "check.h"

#include <time.h>

static SSL_SESSION *make_session(unsigned char tag, long tm, long timeout)
{
    unsigned char id[32];
    SSL_SESSION *s = SSL_SESSION_new();
    long set_tm;
    if (s == NULL) {
        printf("FAIL SSL_SESSION_new returned NULL\n");
        exit(1);
    }
    memset(id, 0xA5, sizeof id);
    id[0] = tag;
    set_tm = SSL_SESSION_set_time(s, tm);
    if (!SSL_SESSION_set1_id(s, id, sizeof id) || !SSL_SESSION_set_protocol_version(s, TLS1_2_VERSION)
        || set_tm != tm || !SSL_SESSION_set_timeout(s, timeout)) {
        printf("FAIL could not build session %u\n", tag);
        exit(1);
    }
    return s;
}

static long absdiff(long a, long b) { return a > b ? a - b : b - a; }

int main(void)
{
    /* The mode bits keep OpenSSL's values. */
    CHECK_EQ(SSL_SESS_CACHE_OFF, 0x0000, "SSL_SESS_CACHE_OFF");
    CHECK_EQ(SSL_SESS_CACHE_CLIENT, 0x0001, "SSL_SESS_CACHE_CLIENT");
    CHECK_EQ(SSL_SESS_CACHE_SERVER, 0x0002, "SSL_SESS_CACHE_SERVER");
    CHECK_EQ(SSL_SESS_CACHE_BOTH, 0x0003, "SSL_SESS_CACHE_BOTH");
    CHECK_EQ(SSL_SESS_CACHE_NO_AUTO_CLEAR, 0x0080, "SSL_SESS_CACHE_NO_AUTO_CLEAR");
    CHECK_EQ(SSL_SESS_CACHE_NO_INTERNAL_LOOKUP, 0x0100, "SSL_SESS_CACHE_NO_INTERNAL_LOOKUP");
    CHECK_EQ(SSL_SESS_CACHE_NO_INTERNAL_STORE, 0x0200, "SSL_SESS_CACHE_NO_INTERNAL_STORE");
    CHECK_EQ(SSL_SESS_CACHE_NO_INTERNAL, 0x0300, "SSL_SESS_CACHE_NO_INTERNAL");
    CHECK_EQ(SSL_SESS_CACHE_UPDATE_TIME, 0x0400, "SSL_SESS_CACHE_UPDATE_TIME");

    /* Default mode is SERVER for every method, client methods included. */
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
            long mode = SSL_CTX_get_session_cache_mode(c);
            CHECK(mode == SSL_SESS_CACHE_SERVER, "default cache mode of a %s ctx: got 0x%lx, expected 0x2",
                  names[i], mode);
            SSL_CTX_free(c);
        }
    }

    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    CHECK(ctx != NULL, "SSL_CTX_new(TLS_server_method()) failed");
    if (ctx == NULL)
        return check_summary();

    /* set returns the previous mode; get returns what was set. */
    long prev = SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    CHECK_EQ(prev, SSL_SESS_CACHE_SERVER, "set_session_cache_mode(OFF) returns the previous (default) mode");
    CHECK_EQ(SSL_CTX_get_session_cache_mode(ctx), SSL_SESS_CACHE_OFF, "mode after setting OFF");
    prev = SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_BOTH | SSL_SESS_CACHE_NO_INTERNAL);
    CHECK_EQ(prev, SSL_SESS_CACHE_OFF, "set_session_cache_mode returns OFF (0) after OFF was set");
    CHECK_EQ(SSL_CTX_get_session_cache_mode(ctx), 0x0303, "mode after setting BOTH|NO_INTERNAL");

    /* Values are stored unvalidated (undefined bits included). */
    prev = SSL_CTX_set_session_cache_mode(ctx, 0x12345);
    CHECK_EQ(prev, 0x0303, "set_session_cache_mode(0x12345) returns the previous mode 0x303");
    long got = SSL_CTX_get_session_cache_mode(ctx);
    CHECK(got == 0x12345, "an unvalidated mode must be stored as given: got 0x%lx, expected 0x12345", got);
    /* The mode is a 32-bit unsigned field: -1 reads back as 0xffffffff. */
    prev = SSL_CTX_set_session_cache_mode(ctx, -1);
    CHECK_EQ(prev, 0x12345, "set_session_cache_mode(-1) returns the previous mode 0x12345");
    got = SSL_CTX_get_session_cache_mode(ctx);
    CHECK(got == 0xffffffffL, "mode -1 is stored in a uint32_t: got 0x%lx (%ld), expected 0xffffffff", got, got);
    prev = SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    CHECK(prev == 0xffffffffL, "set after -1 returns the stored 0xffffffff: got 0x%lx", prev);

    /* Manual adds ignore the mode: OFF, NO_INTERNAL_STORE and NO_INTERNAL all store. */
    SSL_SESSION *a = make_session(1, (long)time(NULL), 300);
    SSL_SESSION *b = make_session(2, (long)time(NULL), 300);
    SSL_SESSION *c = make_session(3, (long)time(NULL), 300);
    prev = SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    CHECK_EQ(prev, SSL_SESS_CACHE_SERVER, "set_session_cache_mode(OFF) returns SERVER");
    CHECK_EQ(SSL_CTX_add_session(ctx, a), 1, "SSL_CTX_add_session with mode OFF");
    CHECK_EQ(SSL_CTX_sess_number(ctx), 1, "sessions cached after an add with mode OFF");
    prev = SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    CHECK_EQ(SSL_CTX_add_session(ctx, b), 1, "SSL_CTX_add_session with NO_INTERNAL_STORE");
    CHECK_EQ(SSL_CTX_sess_number(ctx), 2, "sessions cached after an add with NO_INTERNAL_STORE");
    prev = SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF | SSL_SESS_CACHE_NO_INTERNAL);
    CHECK_EQ(SSL_CTX_add_session(ctx, c), 1, "SSL_CTX_add_session with OFF|NO_INTERNAL");
    CHECK_EQ(SSL_CTX_sess_number(ctx), 3, "sessions cached after an add with OFF|NO_INTERNAL");
    CHECK_EQ(SSL_CTX_add_session(ctx, a), 0, "re-adding a cached object with OFF|NO_INTERNAL returns 0");
    CHECK_EQ(SSL_CTX_remove_session(ctx, b), 1, "a session added under NO_INTERNAL_STORE is really cached");
    CHECK_EQ(SSL_CTX_sess_number(ctx), 2, "sessions cached after removing one");
    SSL_CTX_free(ctx);
    SSL_SESSION_free(a);
    SSL_SESSION_free(b);
    SSL_SESSION_free(c);

    /* UPDATE_TIME: the add sets the session's time to now; re-adding refreshes it again. */
    ctx = SSL_CTX_new(TLS_server_method());
    CHECK(ctx != NULL, "SSL_CTX_new for the UPDATE_TIME case failed");
    if (ctx == NULL)
        return check_summary();
    prev = SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_UPDATE_TIME);
    CHECK_EQ(prev, SSL_SESS_CACHE_SERVER, "set_session_cache_mode(SERVER|UPDATE_TIME) returns SERVER");
    SSL_SESSION *u = make_session(4, 1000, 100);
    int r = SSL_CTX_add_session(ctx, u);
    long now = (long)time(NULL);
    long t = SSL_SESSION_get_time(u);
    CHECK_EQ(r, 1, "add of a new session with UPDATE_TIME");
    CHECK(absdiff(t, now) <= 2, "UPDATE_TIME: add must set the time to now: got %ld, now %ld (was 1000)", t, now);
    CHECK_EQ(SSL_SESSION_get_timeout(u), 100, "UPDATE_TIME leaves the timeout alone");
    /* The refreshed time is what expiry uses: flush at the old expiry + 1 keeps it. */
    SSL_CTX_flush_sessions(ctx, 1101);
    CHECK_EQ(SSL_CTX_sess_number(ctx), 1, "a time-refreshed session is not flushed at its old expiry (1101)");

    long set_tm = SSL_SESSION_set_time(u, 2000);
    CHECK_EQ(set_tm, 2000, "SSL_SESSION_set_time on a cached session returns its argument");
    t = SSL_SESSION_get_time(u);
    CHECK_EQ(t, 2000, "set_time on a cached session changes its time (UPDATE_TIME does not apply)");
    r = SSL_CTX_add_session(ctx, u);
    now = (long)time(NULL);
    t = SSL_SESSION_get_time(u);
    CHECK_EQ(r, 0, "re-adding the same cached object returns 0");
    CHECK(absdiff(t, now) <= 2, "UPDATE_TIME: re-adding the same object refreshes the time: got %ld, now %ld", t, now);
    CHECK_EQ(SSL_CTX_sess_number(ctx), 1, "re-adding the same object does not add an entry");

    /* Without UPDATE_TIME the session keeps its time, on a first add and on a re-add. */
    prev = SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    CHECK_EQ(prev, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_UPDATE_TIME, "set mode returns SERVER|UPDATE_TIME");
    SSL_SESSION *k = make_session(5, 1000, 100);
    r = SSL_CTX_add_session(ctx, k);
    t = SSL_SESSION_get_time(k);
    CHECK_EQ(r, 1, "add of a new session without UPDATE_TIME");
    CHECK_EQ(t, 1000, "without UPDATE_TIME the add keeps the session's time");
    r = SSL_CTX_add_session(ctx, k);
    t = SSL_SESSION_get_time(k);
    CHECK_EQ(r, 0, "re-add without UPDATE_TIME returns 0");
    CHECK_EQ(t, 1000, "without UPDATE_TIME a re-add keeps the session's time");
    SSL_CTX_flush_sessions(ctx, 1101);
    CHECK_EQ(SSL_CTX_sess_number(ctx), 1, "flush(1101) removes the session kept at time 1000 (expiry 1100) only");
    CHECK_EQ(SSL_SESSION_is_resumable(k), 0, "the session flushed at its original expiry is not resumable");
    CHECK_EQ(SSL_SESSION_is_resumable(u), 1, "the time-refreshed session survives the flush and stays resumable");

    SSL_CTX_free(ctx);
    SSL_SESSION_free(u);
    SSL_SESSION_free(k);
    return check_summary();
}
