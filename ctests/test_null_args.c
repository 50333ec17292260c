/* sesscache only (OpenSSL crashes on many of these): every function of <openssl/ssl.h> with
 * NULL in each pointer argument, one at a time, the others valid. Nothing may crash; the
 * result is OpenSSL's failure value (0, NULL, or nothing for void), and the valid objects
 * passed alongside are left as they were. Where OpenSSL itself accepts NULL (clearing a
 * callback, SSL_set_session(ssl, NULL), an empty id or id context given as NULL with length 0,
 * NULL ex_data callbacks or values, i2d's length query), that works. A crash is reported by
 * ctests/run.sh as a missing summary line, and by ASan with the stack. */
#include <openssl/ssl.h>
#include "check.h"

/* The call returns 0. */
#define CHECK_ZERO(expr) CHECK_EQ((expr), 0, #expr)
/* The call returns a NULL pointer. */
#define CHECK_NULL(expr)                                                          \
    do {                                                                          \
        const void *check_p_ = (const void *)(expr);                              \
        CHECK(check_p_ == NULL, "%s must return NULL, got %p", #expr, check_p_); \
    } while (0)

static int new_cb(SSL *ssl, SSL_SESSION *sess) { (void)ssl; (void)sess; return 0; }
static SSL_SESSION *get_cb(SSL *ssl, const unsigned char *data, int len, int *copy)
{
    (void)ssl; (void)data; (void)len; (void)copy;
    return NULL;
}
static int removed;
static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess) { (void)ctx; (void)sess; removed++; }

static const unsigned char ID[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                     17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const unsigned char SID_CTX[4] = {'s', 'i', 'd', 'c'};

int main(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_SESSION *sess = SSL_SESSION_new();
    if (ctx == NULL || sess == NULL || !SSL_SESSION_set1_id(sess, ID, sizeof ID)
        || !SSL_SESSION_set_protocol_version(sess, TLS1_3_VERSION)) {
        printf("FAIL could not set up a ctx and a session\n");
        return 1;
    }
    SSL_CTX_sess_set_remove_cb(ctx, remove_cb);
    if (SSL_CTX_add_session(ctx, sess) != 1) {
        printf("FAIL could not cache the session\n");
        return 1;
    }
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL) {
        printf("FAIL SSL_new returned NULL\n");
        return 1;
    }

    /* ---- SSL_CTX ---- */
    CHECK_NULL(SSL_CTX_new(NULL));
    CHECK_ZERO(SSL_CTX_up_ref(NULL));
    SSL_CTX_free(NULL); /* no-op */

    SSL_CTX_sess_set_new_cb(NULL, new_cb);
    SSL_CTX_sess_set_remove_cb(NULL, remove_cb);
    SSL_CTX_sess_set_get_cb(NULL, get_cb);
    CHECK(SSL_CTX_sess_get_new_cb(ctx) == NULL && SSL_CTX_sess_get_get_cb(ctx) == NULL
              && SSL_CTX_sess_get_remove_cb(ctx) == remove_cb,
          "setting callbacks on a NULL ctx must not touch a real ctx");
    CHECK(SSL_CTX_sess_get_new_cb(NULL) == NULL, "SSL_CTX_sess_get_new_cb(NULL) must return NULL");
    CHECK(SSL_CTX_sess_get_remove_cb(NULL) == NULL, "SSL_CTX_sess_get_remove_cb(NULL) must return NULL");
    CHECK(SSL_CTX_sess_get_get_cb(NULL) == NULL, "SSL_CTX_sess_get_get_cb(NULL) must return NULL");
    SSL_CTX_sess_set_new_cb(ctx, new_cb);
    SSL_CTX_sess_set_get_cb(ctx, get_cb);
    SSL_CTX_sess_set_new_cb(ctx, NULL);
    SSL_CTX_sess_set_get_cb(ctx, NULL);
    CHECK(SSL_CTX_sess_get_new_cb(ctx) == NULL && SSL_CTX_sess_get_get_cb(ctx) == NULL,
          "a NULL callback must clear the new and get callbacks");

    CHECK_ZERO(SSL_CTX_set_timeout(NULL, 100));
    CHECK_ZERO(SSL_CTX_get_timeout(NULL));
    long ctx_timeout = SSL_CTX_get_timeout(ctx);
    CHECK_EQ(ctx_timeout, 7200, "a real ctx's timeout after SSL_CTX_set_timeout(NULL, 100)");

    CHECK_ZERO(SSL_CTX_add_session(NULL, sess));
    CHECK_ZERO(SSL_CTX_add_session(ctx, NULL));
    CHECK_ZERO(SSL_CTX_remove_session(NULL, sess));
    CHECK_ZERO(SSL_CTX_remove_session(ctx, NULL));
    SSL_CTX_flush_sessions(NULL, 0);
    long number = SSL_CTX_sess_number(ctx);
    int resumable = SSL_SESSION_is_resumable(sess);
    CHECK(number == 1 && removed == 0 && resumable == 1,
          "add/remove/flush with a NULL argument must leave the cache alone: %ld cached (expected 1), "
          "%d remove callbacks (expected 0), session resumable %d (expected 1)",
          number, removed, resumable);

    CHECK_ZERO(SSL_CTX_set_session_id_context(NULL, SID_CTX, sizeof SID_CTX));
    CHECK_EQ(SSL_CTX_set_session_id_context(ctx, NULL, 0), 1, "SSL_CTX_set_session_id_context(ctx, NULL, 0)");
    CHECK_ZERO(SSL_CTX_set_session_id_context(ctx, NULL, 4));

    /* Every SSL_CTX_ctrl command on a NULL ctx. */
    CHECK_ZERO(SSL_CTX_sess_number(NULL));
    CHECK_ZERO(SSL_CTX_sess_connect(NULL));
    CHECK_ZERO(SSL_CTX_sess_connect_good(NULL));
    CHECK_ZERO(SSL_CTX_sess_connect_renegotiate(NULL));
    CHECK_ZERO(SSL_CTX_sess_accept(NULL));
    CHECK_ZERO(SSL_CTX_sess_accept_renegotiate(NULL));
    CHECK_ZERO(SSL_CTX_sess_accept_good(NULL));
    CHECK_ZERO(SSL_CTX_sess_hits(NULL));
    CHECK_ZERO(SSL_CTX_sess_cb_hits(NULL));
    CHECK_ZERO(SSL_CTX_sess_misses(NULL));
    CHECK_ZERO(SSL_CTX_sess_timeouts(NULL));
    CHECK_ZERO(SSL_CTX_sess_cache_full(NULL));
    CHECK_ZERO(SSL_CTX_sess_set_cache_size(NULL, 10));
    CHECK_ZERO(SSL_CTX_sess_get_cache_size(NULL));
    CHECK_ZERO(SSL_CTX_set_session_cache_mode(NULL, SSL_SESS_CACHE_BOTH));
    CHECK_ZERO(SSL_CTX_get_session_cache_mode(NULL));
    CHECK_ZERO(SSL_CTX_ctrl(NULL, 9999, 1, NULL));

    /* ---- ex_data: NULL callbacks and argp are allowed; NULL objects fail. ---- */
    int ctx_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    int ssl_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    CHECK(ctx_idx >= 1 && ssl_idx >= 1,
          "ex_new_index with NULL argp and callbacks must give a usable index >= 1: ctx %d, ssl %d", ctx_idx,
          ssl_idx);
    int value;
    CHECK_ZERO(SSL_CTX_set_ex_data(NULL, ctx_idx, &value));
    CHECK_NULL(SSL_CTX_get_ex_data(NULL, ctx_idx));
    CHECK_NULL(SSL_CTX_get_ex_data(NULL, 0));
    CHECK_ZERO(SSL_CTX_set_app_data(NULL, &value));
    CHECK_NULL(SSL_CTX_get_app_data(NULL));
    int set1 = SSL_CTX_set_ex_data(ctx, ctx_idx, &value);
    int set2 = SSL_CTX_set_ex_data(ctx, ctx_idx, NULL);
    void *cleared = SSL_CTX_get_ex_data(ctx, ctx_idx);
    CHECK(set1 == 1 && set2 == 1 && cleared == NULL,
          "storing NULL in a ctx slot must work and clear it: set %d, set NULL %d, then %p", set1, set2, cleared);
    CHECK_ZERO(SSL_set_ex_data(NULL, ssl_idx, &value));
    CHECK_NULL(SSL_get_ex_data(NULL, ssl_idx));
    CHECK_NULL(SSL_get_ex_data(NULL, 0));
    CHECK_ZERO(SSL_set_app_data(NULL, &value));
    CHECK_NULL(SSL_get_app_data(NULL));
    set1 = SSL_set_ex_data(ssl, ssl_idx, &value);
    set2 = SSL_set_ex_data(ssl, ssl_idx, NULL);
    cleared = SSL_get_ex_data(ssl, ssl_idx);
    CHECK(set1 == 1 && set2 == 1 && cleared == NULL,
          "storing NULL in an SSL slot must work and clear it: set %d, set NULL %d, then %p", set1, set2, cleared);

    /* ---- SSL_SESSION ---- */
    CHECK_ZERO(SSL_SESSION_up_ref(NULL));
    SSL_SESSION_free(NULL); /* no-op */
    CHECK_NULL(SSL_SESSION_dup(NULL));

    unsigned int len = 99;
    const unsigned char *idp = SSL_SESSION_get_id(NULL, &len);
    CHECK(idp == NULL && len == 0, "SSL_SESSION_get_id(NULL, &len) must return NULL (got %p) and set len 0 (got %u)",
          (const void *)idp, len);
    len = 99;
    const unsigned char *idp_len = SSL_SESSION_get_id(sess, &len);
    const unsigned char *idp_nolen = SSL_SESSION_get_id(sess, NULL);
    CHECK(idp_nolen != NULL && idp_nolen == idp_len && len == 32 && memcmp(idp_nolen, ID, 32) == 0,
          "SSL_SESSION_get_id(s, NULL) must return the id pointer: %p (with len: %p, len %u)",
          (const void *)idp_nolen, (const void *)idp_len, len);

    CHECK_ZERO(SSL_SESSION_set1_id(NULL, ID, 4));
    CHECK_ZERO(SSL_SESSION_set1_id(sess, NULL, 4));
    SSL_SESSION_get_id(sess, &len);
    CHECK_EQ(len, 32, "id length after the refused SSL_SESSION_set1_id(s, NULL, 4)");
    SSL_SESSION *other = SSL_SESSION_new();
    int id_set = SSL_SESSION_set1_id(other, ID, sizeof ID);
    int empty_id = SSL_SESSION_set1_id(other, NULL, 0);
    SSL_SESSION_get_id(other, &len);
    CHECK(id_set == 1 && empty_id == 1 && len == 0,
          "SSL_SESSION_set1_id(s, NULL, 0) must set an empty id: set %d, set NULL/0 %d, len then %u", id_set,
          empty_id, len);
    SSL_SESSION_free(other);

    len = 99;
    const unsigned char *cp = SSL_SESSION_get0_id_context(NULL, &len);
    CHECK(cp == NULL && len == 0,
          "SSL_SESSION_get0_id_context(NULL, &len) must return NULL (got %p) and set len 0 (got %u)",
          (const void *)cp, len);
    CHECK_ZERO(SSL_SESSION_set1_id_context(NULL, SID_CTX, sizeof SID_CTX));
    int ctx_set = SSL_SESSION_set1_id_context(sess, SID_CTX, sizeof SID_CTX);
    CHECK_ZERO(SSL_SESSION_set1_id_context(sess, NULL, 4));
    len = 99;
    cp = SSL_SESSION_get0_id_context(sess, &len);
    const unsigned char *cp_nolen = SSL_SESSION_get0_id_context(sess, NULL);
    CHECK(ctx_set == 1 && cp != NULL && cp_nolen == cp && len == 4 && memcmp(cp, SID_CTX, 4) == 0,
          "after a refused set1_id_context(s, NULL, 4) the context is unchanged and get0_id_context(s, NULL) "
          "returns it: set %d, len %u, pointers %p / %p",
          ctx_set, len, (const void *)cp, (const void *)cp_nolen);
    int empty_set = SSL_SESSION_set1_id_context(sess, NULL, 0);
    SSL_SESSION_get0_id_context(sess, &len);
    CHECK(empty_set == 1 && len == 0,
          "SSL_SESSION_set1_id_context(s, NULL, 0) must set an empty context: returned %d, len %u", empty_set,
          len);

    CHECK_ZERO(SSL_SESSION_get_time(NULL));
    CHECK_ZERO(SSL_SESSION_set_time(NULL, 12345));
    CHECK_ZERO(SSL_SESSION_get_timeout(NULL));
    CHECK_ZERO(SSL_SESSION_set_timeout(NULL, 10));
    CHECK_ZERO(SSL_SESSION_is_resumable(NULL));
    CHECK_ZERO(SSL_SESSION_get_protocol_version(NULL));
    CHECK_ZERO(SSL_SESSION_set_protocol_version(NULL, TLS1_2_VERSION));

    /* ---- i2d / d2i ---- */
    unsigned char buf[16];
    unsigned char *bp = buf, *np = NULL;
    CHECK_ZERO(i2d_SSL_SESSION(NULL, NULL));
    int i2d_buf = i2d_SSL_SESSION(NULL, &bp);
    int i2d_alloc = i2d_SSL_SESSION(NULL, &np);
    CHECK(i2d_buf == 0 && bp == buf && i2d_alloc == 0 && np == NULL,
          "i2d_SSL_SESSION(NULL, &p) must return 0 (got %d, %d) and leave p (moved %ld, allocated %p)", i2d_buf,
          i2d_alloc, (long)(bp - buf), (void *)np);

    const unsigned char *null_p = NULL;
    SSL_SESSION *a = NULL;
    CHECK_NULL(d2i_SSL_SESSION(NULL, NULL, 0));
    CHECK_NULL(d2i_SSL_SESSION(NULL, NULL, 10));
    CHECK_NULL(d2i_SSL_SESSION(NULL, &null_p, 10));
    SSL_SESSION *d2i_a = d2i_SSL_SESSION(&a, NULL, 10);
    CHECK(d2i_a == NULL && a == NULL, "d2i_SSL_SESSION(&a, NULL, 10) must return NULL (got %p) and leave a NULL (%p)",
          (void *)d2i_a, (void *)a);
    a = sess;
    d2i_a = d2i_SSL_SESSION(&a, &null_p, 10);
    SSL_SESSION_get_id(sess, &len);
    CHECK(d2i_a == NULL && a == sess && null_p == NULL && len == 32,
          "d2i_SSL_SESSION(&s, &NULL, 10) must return NULL (got %p), keep *a (%p, expected %p) and the session's "
          "id (len %u)",
          (void *)d2i_a, (void *)a, (void *)sess, len);

    CRYPTO_free(NULL, __FILE__, __LINE__); /* no-op */
    OPENSSL_free(NULL);                   /* no-op */

    /* ---- SSL ---- */
    CHECK_NULL(SSL_new(NULL));
    SSL_free(NULL); /* no-op */
    CHECK_ZERO(SSL_clear(NULL));
    CHECK_NULL(SSL_get_SSL_CTX(NULL));
    CHECK_ZERO(SSL_version(NULL));

    CHECK_ZERO(SSL_set_session(NULL, sess));
    int set_s = SSL_set_session(ssl, sess);
    SSL_SESSION *cur = SSL_get_session(ssl);
    int set_null = SSL_set_session(ssl, NULL);
    SSL_SESSION *after = SSL_get_session(ssl);
    CHECK(set_s == 1 && cur == sess && set_null == 1 && after == NULL,
          "SSL_set_session(ssl, NULL) must return 1 and clear the session: set %d (session %p), set NULL %d "
          "(session then %p)",
          set_s, (void *)cur, set_null, (void *)after);
    CHECK_NULL(SSL_get_session(NULL));
    CHECK_NULL(SSL_get0_session(NULL));
    CHECK_NULL(SSL_get1_session(NULL));
    CHECK_ZERO(SSL_session_reused(NULL));
    CHECK_ZERO(SSL_cache_hit(NULL));

    CHECK_ZERO(SSL_set_session_id_context(NULL, SID_CTX, sizeof SID_CTX));
    CHECK_EQ(SSL_set_session_id_context(ssl, NULL, 0), 1, "SSL_set_session_id_context(ssl, NULL, 0)");
    CHECK_ZERO(SSL_set_session_id_context(ssl, NULL, 4));

    int match_real = SSL_has_matching_session_id(ssl, ID, sizeof ID);
    CHECK_EQ(match_real, 1, "SSL_has_matching_session_id for the cached TLS 1.3 session (control)");
    CHECK_ZERO(SSL_has_matching_session_id(NULL, ID, sizeof ID));
    CHECK_ZERO(SSL_has_matching_session_id(ssl, NULL, sizeof ID));
    CHECK_ZERO(SSL_has_matching_session_id(ssl, NULL, 0));

    SSL_set_shutdown(NULL, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_set_quiet_shutdown(NULL, 1);
    int shut = SSL_get_shutdown(ssl), quiet = SSL_get_quiet_shutdown(ssl);
    CHECK(shut == 0 && quiet == 0, "setting shutdown state on NULL must not touch a real SSL: shutdown %d, quiet %d",
          shut, quiet);
    CHECK_ZERO(SSL_get_shutdown(NULL));
    CHECK_ZERO(SSL_get_quiet_shutdown(NULL));

    /* Nothing above removed or invalidated the cached session. */
    number = SSL_CTX_sess_number(ctx);
    resumable = SSL_SESSION_is_resumable(sess);
    CHECK(number == 1 && removed == 0 && resumable == 1,
          "at the end: %ld cached (expected 1), %d remove callbacks (expected 0), resumable %d (expected 1)", number,
          removed, resumable);

    SSL_free(ssl);
    SSL_CTX_sess_set_remove_cb(ctx, NULL);
    SSL_CTX_free(ctx);
    SSL_SESSION_free(sess);
    return check_summary();
}
