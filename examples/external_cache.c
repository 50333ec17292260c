/*
 * external_cache.c — an external session cache the way nginx, HAProxy and Apache keep one:
 * the new-session callback stores i2d_SSL_SESSION bytes in a table (here in-process; in a
 * farm, shared memory or Redis), the get-session callback d2i's them back with *copy = 0, and
 * the remove callback deletes them.
 *
 * There are no TLS connections in this version: where a handshake would call the new and get
 * callbacks, the program calls the installed callbacks itself, exactly as libssl would (taking
 * the extra reference around new_session_cb, honouring *copy). Everything else — the internal
 * cache, eviction, expiry, flush, removal, SSL_CTX_free and the counters — is the library's.
 */
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TABLE_SIZE 64

struct entry {
    unsigned char id[SSL_MAX_SSL_SESSION_ID_LENGTH];
    unsigned int id_len;
    unsigned char *der;
    int der_len;
};

static struct entry table[TABLE_SIZE];

static struct entry *find(const unsigned char *id, unsigned int len)
{
    for (int i = 0; i < TABLE_SIZE; i++)
        if (table[i].der != NULL && table[i].id_len == len && memcmp(table[i].id, id, len) == 0)
            return &table[i];
    return NULL;
}

static int label(const unsigned char *id, unsigned int len)
{
    return len > 0 ? id[0] : 0;
}

static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);
    int der_len = i2d_SSL_SESSION(sess, NULL);
    struct entry *e = find(id, len);
    for (int i = 0; e == NULL && i < TABLE_SIZE; i++)
        if (table[i].der == NULL)
            e = &table[i];
    if (e == NULL || der_len <= 0) {
        printf("  new_session_cb: S%d not stored\n", label(id, len));
        return 0;
    }
    free(e->der);
    e->der = malloc((size_t)der_len);
    unsigned char *p = e->der;
    e->der_len = i2d_SSL_SESSION(sess, &p);
    memcpy(e->id, id, len);
    e->id_len = len;
    printf("  new_session_cb: stored S%d as %d DER bytes\n", label(id, len), e->der_len);
    return 0; /* we keep bytes, not the object: hand the reference back */
}

static SSL_SESSION *get_session_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    (void)ssl;
    struct entry *e = find(id, (unsigned int)len);
    printf("  get_session_cb: S%d (len %d, *copy in = %d): %s\n", label(id, (unsigned int)len), len, *copy,
           e ? "found" : "not found");
    if (e == NULL)
        return NULL;
    const unsigned char *p = e->der;
    SSL_SESSION *s = d2i_SSL_SESSION(NULL, &p, e->der_len);
    *copy = 0; /* a fresh object: the library takes over our reference */
    return s;
}

static void remove_session_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);
    struct entry *e = find(id, len);
    printf("  remove_session_cb: S%d %s\n", label(id, len), e ? "deleted from the table" : "(not in the table)");
    if (e != NULL) {
        free(e->der);
        e->der = NULL;
    }
}

/* A session as a TLS 1.2 full handshake would leave it. */
static SSL_SESSION *negotiated_session(SSL *ssl, unsigned char tag, long timeout)
{
    static const unsigned char suite[2] = { 0xC0, 0x2F };
    unsigned char id[32], master_key[48];
    memset(id, tag, sizeof id);
    memset(master_key, tag ^ 0x5a, sizeof master_key);
    SSL_SESSION *s = SSL_SESSION_new();
    SSL_SESSION_set1_id(s, id, sizeof id);
    SSL_SESSION_set1_id_context(s, (const unsigned char *)"demo", 4);
    SSL_SESSION_set_protocol_version(s, TLS1_2_VERSION);
    SSL_SESSION_set_cipher(s, SSL_CIPHER_find(ssl, suite));
    SSL_SESSION_set1_master_key(s, master_key, sizeof master_key);
    SSL_SESSION_set_timeout(s, timeout);
    return s;
}

/* What libssl does at the end of a full handshake (ssl_update_cache), for mode SERVER. */
static void handshake_done(SSL_CTX *ctx, SSL *ssl, SSL_SESSION *s)
{
    long mode = SSL_CTX_get_session_cache_mode(ctx);
    if (!(mode & SSL_SESS_CACHE_NO_INTERNAL_STORE))
        SSL_CTX_add_session(ctx, s);
    int (*cb)(SSL *, SSL_SESSION *) = SSL_CTX_sess_get_new_cb(ctx);
    if (cb != NULL) {
        SSL_SESSION_up_ref(s);
        if (!cb(ssl, s))
            SSL_SESSION_free(s);
    }
}

/* What libssl does when a ClientHello offers a session id (lookup_sess_in_cache). */
static int resumption_attempt(SSL_CTX *ctx, SSL *ssl, unsigned char tag)
{
    unsigned char id[32];
    memset(id, tag, sizeof id);
    if (SSL_has_matching_session_id(ssl, id, sizeof id)) {
        printf("  internal cache hit for S%d\n", tag);
        return 1;
    }
    SSL_SESSION *(*cb)(SSL *, const unsigned char *, int, int *) = SSL_CTX_sess_get_get_cb(ctx);
    int copy = 1;
    SSL_SESSION *s = cb ? cb(ssl, id, sizeof id, &copy) : NULL;
    if (s == NULL)
        return 0;
    int usable = SSL_SESSION_is_resumable(s);
    if (copy)
        SSL_SESSION_up_ref(s);
    SSL_SESSION_free(s);
    return usable;
}

static void counters(SSL_CTX *ctx)
{
    printf("counters: number=%ld hits=%ld misses=%ld cb_hits=%ld timeouts=%ld cache_full=%ld\n",
           SSL_CTX_sess_number(ctx), SSL_CTX_sess_hits(ctx), SSL_CTX_sess_misses(ctx),
           SSL_CTX_sess_cb_hits(ctx), SSL_CTX_sess_timeouts(ctx), SSL_CTX_sess_cache_full(ctx));
}

int main(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
    SSL_CTX_sess_set_get_cb(ctx, get_session_cb);
    SSL_CTX_sess_set_remove_cb(ctx, remove_session_cb);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"demo", 4);
    SSL_CTX_sess_set_cache_size(ctx, 4);
    SSL *ssl = SSL_new(ctx);
    printf("cache: mode=0x%lx size=%ld (holds %ld once full) timeout=%ld\n", SSL_CTX_get_session_cache_mode(ctx),
           SSL_CTX_sess_get_cache_size(ctx), SSL_CTX_sess_get_cache_size(ctx) - 1, SSL_CTX_get_timeout(ctx));

    printf("\n1. five full handshakes (S1..S5); S2 has the shortest lifetime\n");
    SSL_SESSION *held[6] = { 0 };
    for (unsigned char tag = 1; tag <= 5; tag++) {
        printf(" handshake S%d\n", tag);
        held[tag] = negotiated_session(ssl, tag, tag == 2 ? 60 : 7200);
        handshake_done(ctx, ssl, held[tag]);
    }
    counters(ctx);

    printf("\n2. resumption attempts (this SSL reports TLS 1.3 before a handshake, so the internal\n"
           "   cache, keyed by version, misses and the external table answers)\n");
    for (unsigned char tag = 1; tag <= 6; tag += 5)
        printf(" S%d: %s\n", tag, resumption_attempt(ctx, ssl, tag) ? "resumable" : "full handshake");

    printf("\n3. an explicit removal (S3), then S4 expires and is flushed\n");
    SSL_CTX_remove_session(ctx, held[3]);
    SSL_SESSION_set_time(held[4], (long)time(NULL) - 10000);
    SSL_CTX_flush_sessions(ctx, (long)time(NULL));
    counters(ctx);

    printf("\n4. SSL_CTX_free: the last sessions leave through the remove callback\n");
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    for (int i = 1; i <= 5; i++)
        SSL_SESSION_free(held[i]);
    int left = 0;
    for (int i = 0; i < TABLE_SIZE; i++)
        if (table[i].der != NULL) {
            left++;
            free(table[i].der);
        }
    printf("external table entries left: %d\n", left);
    return 0;
}
