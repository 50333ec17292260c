/* SSL_CTX_add_session / SSL_CTX_remove_session: return values, replacement by key, versions as
 * part of the key, zero-length ids, the remove callback's argument, and
 * SSL_has_matching_session_id on a fresh SSL (which reports TLS1_3_VERSION). */
#include <openssl/ssl.h>
#include "check.h"

#include <time.h>

static int removed;
static SSL_CTX *removed_ctx;
static SSL_SESSION *removed_sess;
static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    removed++;
    removed_ctx = ctx;
    removed_sess = sess;
}

/* A session with a `len`-byte id filled with `tag` (distinct tags give distinct first bytes). */
static SSL_SESSION *make_session_len(unsigned char tag, int version, unsigned int len)
{
    unsigned char id[32];
    SSL_SESSION *s = SSL_SESSION_new();
    if (s == NULL) {
        printf("FAIL SSL_SESSION_new returned NULL\n");
        exit(1);
    }
    memset(id, tag, sizeof id);
    if (!SSL_SESSION_set1_id(s, id, len) || !SSL_SESSION_set_protocol_version(s, version)
        || !SSL_SESSION_set_timeout(s, 1000 + tag)) {
        printf("FAIL could not build a session\n");
        exit(1);
    }
    SSL_SESSION_set_time(s, (long)time(NULL));
    return s;
}

static SSL_SESSION *make_session(unsigned char tag, int version)
{
    return make_session_len(tag, version, 32);
}

static int matches(SSL *ssl, unsigned char tag, unsigned int len)
{
    unsigned char id[40];
    memset(id, tag, sizeof id);
    return SSL_has_matching_session_id(ssl, id, len);
}

int main(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    CHECK(ctx != NULL, "SSL_CTX_new failed");
    SSL_CTX_sess_set_remove_cb(ctx, remove_cb);
    SSL *ssl = SSL_new(ctx);
    CHECK(ssl != NULL, "SSL_new failed");
    int v = SSL_version(ssl);
    CHECK_EQ(v, TLS1_3_VERSION, "SSL_version of a fresh SSL (before any handshake)");

    /* New entry, then the same object again. */
    SSL_SESSION *a = make_session(0x11, TLS1_3_VERSION);
    int r = SSL_CTX_add_session(ctx, a);
    CHECK_EQ(r, 1, "add of a new session");
    long n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 1, "sess_number after one add");
    r = SSL_CTX_add_session(ctx, a);
    CHECK_EQ(r, 0, "add of the same object again");
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 1, "sess_number after re-adding the same object");
    r = matches(ssl, 0x11, 32);
    CHECK_EQ(r, 1, "SSL_has_matching_session_id finds a cached TLS1_3 session");

    /* A different object with the same (version, id) replaces the old one silently. */
    SSL_SESSION *a2 = make_session(0x11, TLS1_3_VERSION);
    removed = 0;
    r = SSL_CTX_add_session(ctx, a2);
    CHECK_EQ(r, 1, "add of a different object with the same id and version");
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 1, "sess_number after a replacement (old entry replaced, not added)");
    CHECK_EQ(removed, 0, "remove callback calls during a silent replacement");
    r = SSL_SESSION_is_resumable(a);
    CHECK_EQ(r, 1, "the replaced object stays resumable");

    /* Remove by key: the argument `a` is not cached, but `a2` with the same key is. */
    removed = 0;
    removed_sess = NULL;
    r = SSL_CTX_remove_session(ctx, a);
    CHECK_EQ(r, 1, "remove by key when a different object with the same key is cached");
    CHECK_EQ(removed, 1, "remove callback calls for that removal");
    CHECK(removed_sess == a, "the callback must get the ARGUMENT (%p), got %p (cached object is %p)",
          (void *)a, (void *)removed_sess, (void *)a2);
    CHECK(removed_ctx == ctx, "the callback must get the SSL_CTX");
    r = SSL_SESSION_is_resumable(a);
    CHECK_EQ(r, 0, "the argument of remove becomes not resumable");
    r = SSL_SESSION_is_resumable(a2);
    CHECK_EQ(r, 1, "the cached object removed by key stays resumable");
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 0, "sess_number after the removal by key");
    r = matches(ssl, 0x11, 32);
    CHECK_EQ(r, 0, "SSL_has_matching_session_id after the removal");

    /* Remove of a session that is not cached: 0, but the callback still sees it. */
    SSL_SESSION *u = make_session(0x22, TLS1_3_VERSION);
    removed = 0;
    removed_sess = NULL;
    r = SSL_CTX_remove_session(ctx, u);
    CHECK_EQ(r, 0, "remove of a session that is not cached");
    CHECK_EQ(removed, 1, "remove callback calls for an uncached session with an id");
    CHECK(removed_sess == u, "the callback must get the uncached argument %p, got %p", (void *)u,
          (void *)removed_sess);
    r = SSL_SESSION_is_resumable(u);
    CHECK_EQ(r, 0, "an uncached session passed to remove becomes not resumable");

    /* Same id, different versions: two entries; matching uses the SSL's version (TLS1_3). */
    SSL_SESSION *b12 = make_session(0x33, TLS1_2_VERSION);
    SSL_SESSION *b13 = make_session(0x33, TLS1_3_VERSION);
    r = SSL_CTX_add_session(ctx, b12);
    CHECK_EQ(r, 1, "add of a TLS1_2 session");
    r = matches(ssl, 0x33, 32);
    CHECK_EQ(r, 0, "a fresh SSL (TLS1_3) must not match a TLS1_2 session");
    r = SSL_CTX_add_session(ctx, b13);
    CHECK_EQ(r, 1, "add of a TLS1_3 session with the same id as a cached TLS1_2 one");
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 2, "same id with different versions coexist");
    r = matches(ssl, 0x33, 32);
    CHECK_EQ(r, 1, "the TLS1_3 entry matches");
    r = matches(ssl, 0x33, 31);
    CHECK_EQ(r, 0, "a 31-byte prefix of a 32-byte id does not match (exact length only)");
    r = matches(ssl, 0x33, 33);
    CHECK_EQ(r, 0, "id_len 33 (> 32) never matches");
    removed = 0;
    r = SSL_CTX_remove_session(ctx, b13);
    CHECK_EQ(r, 1, "remove of the TLS1_3 entry");
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 1, "the TLS1_2 entry with the same id remains");
    r = SSL_SESSION_is_resumable(b12);
    CHECK_EQ(r, 1, "removing the TLS1_3 entry leaves the TLS1_2 object resumable");
    r = SSL_CTX_remove_session(ctx, b12);
    CHECK_EQ(r, 1, "remove of the TLS1_2 entry");
    CHECK_EQ(removed, 2, "remove callback calls for the two removals");

    /* Short ids match only with their exact length. */
    SSL_SESSION *s16 = make_session_len(0x44, TLS1_3_VERSION, 16);
    r = SSL_CTX_add_session(ctx, s16);
    CHECK_EQ(r, 1, "add of a session with a 16-byte id");
    r = matches(ssl, 0x44, 16);
    CHECK_EQ(r, 1, "a 16-byte id matches with length 16");
    r = matches(ssl, 0x44, 32);
    CHECK_EQ(r, 0, "a 16-byte id does not match with length 32");
    r = SSL_CTX_remove_session(ctx, s16);
    CHECK_EQ(r, 1, "remove of the 16-byte-id session");

    /* Zero-length ids: accepted by add, not removable by remove (0, no callback). */
    SSL_SESSION *z = SSL_SESSION_new();
    SSL_SESSION_set_protocol_version(z, TLS1_3_VERSION);
    r = SSL_CTX_add_session(ctx, z);
    CHECK_EQ(r, 1, "add of a zero-length-id session");
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 1, "sess_number with a zero-length-id session cached");
    removed = 0;
    r = SSL_CTX_remove_session(ctx, z);
    CHECK_EQ(r, 0, "remove of a zero-length-id session");
    CHECK_EQ(removed, 0, "remove callback calls for a zero-length-id session");
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 1, "the zero-length-id entry stays cached after remove");
    r = SSL_CTX_remove_session(ctx, NULL);
    CHECK_EQ(r, 0, "remove of NULL");
    CHECK_EQ(removed, 0, "remove callback calls for NULL");
    SSL_CTX_flush_sessions(ctx, 0);
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 0, "flush(0) removes the zero-length-id entry");

    /* The cache holds its own reference. */
    SSL_SESSION *c = make_session(0x55, TLS1_3_VERSION);
    r = SSL_CTX_add_session(ctx, c);
    CHECK_EQ(r, 1, "add of a session whose handle is then freed");
    SSL_SESSION_free(c);
    c = NULL;
    r = matches(ssl, 0x55, 32);
    CHECK_EQ(r, 1, "a session is still found after the app freed its handle");
    SSL_SESSION *ckey = make_session(0x55, TLS1_3_VERSION);
    removed = 0;
    r = SSL_CTX_remove_session(ctx, ckey);
    CHECK_EQ(r, 1, "remove by key of the session only the cache references");
    r = matches(ssl, 0x55, 32);
    CHECK_EQ(r, 0, "no match after removing the cache-only session");
    n = SSL_CTX_sess_number(ctx);
    CHECK_EQ(n, 0, "cache empty at the end");

    SSL_free(ssl);
    SSL_CTX_free(ctx);
    SSL_SESSION_free(a);
    SSL_SESSION_free(a2);
    SSL_SESSION_free(u);
    SSL_SESSION_free(b12);
    SSL_SESSION_free(b13);
    SSL_SESSION_free(s16);
    SSL_SESSION_free(z);
    SSL_SESSION_free(ckey);
    return check_summary();
}
