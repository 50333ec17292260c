/*
 * redis_cache.c — see redis_cache.h. Sessions are stored as i2d_SSL_SESSION bytes (never
 * pointers: an SSL_SESSION is a live object of one process), with a Redis expiry equal to the
 * session's remaining lifetime.
 */
#define _POSIX_C_SOURCE 200809L
#include "redis_cache.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define KEY_MAX 256

struct redis_cache {
    char host[256];
    int port;
    unsigned char sid_ctx[SSL_MAX_SID_CTX_LENGTH];
    unsigned int sid_ctx_len;
    char prefix[64];
    int timeout_ms, retry_ms;
    pthread_key_t conn_key; /* this thread's struct conn */
    atomic_ulong gets, hits, misses, sets, dels, errors, connects;
};

/* One per thread per cache. */
struct conn {
    redisContext *c;
    long long retry_at_ms; /* monotonic; no Redis call before this after a failure */
};

static int ex_index = -1;
static pthread_once_t ex_once = PTHREAD_ONCE_INIT;

static void ex_index_init(void)
{
    ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_destroy(void *p)
{
    struct conn *k = p;
    if (k->c != NULL)
        redisFree(k->c);
    free(k);
}

static struct conn *conn_get(struct redis_cache *rc)
{
    struct conn *k = pthread_getspecific(rc->conn_key);
    if (k == NULL) {
        k = calloc(1, sizeof *k);
        if (k == NULL || pthread_setspecific(rc->conn_key, k) != 0) {
            free(k);
            return NULL;
        }
    }
    return k;
}

static void conn_drop(struct redis_cache *rc, struct conn *k, int back_off)
{
    if (k->c != NULL)
        redisFree(k->c);
    k->c = NULL;
    if (back_off)
        k->retry_at_ms = now_ms() + rc->retry_ms;
}

/* This thread's connection, made if needed; NULL while backing off or if Redis is unreachable. */
static redisContext *conn_ready(struct redis_cache *rc, struct conn *k)
{
    if (k->c != NULL)
        return k->c;
    if (now_ms() < k->retry_at_ms)
        return NULL;
    struct timeval tv = { .tv_sec = rc->timeout_ms / 1000, .tv_usec = (rc->timeout_ms % 1000) * 1000 };
    k->c = redisConnectWithTimeout(rc->host, rc->port, tv);
    if (k->c == NULL || k->c->err != 0 || redisSetTimeout(k->c, tv) != REDIS_OK) {
        conn_drop(rc, k, 1);
        return NULL;
    }
    atomic_fetch_add(&rc->connects, 1);
    return k->c;
}

/* Runs one command on this thread's connection. Returns the reply (free it with
 * freeReplyObject), or NULL after counting an error. A Redis error reply is an error too. */
static redisReply *command(struct redis_cache *rc, const char *fmt, ...)
{
    struct conn *k = conn_get(rc);
    redisReply *reply = NULL;
    /* Two tries: the second only when the first connection turned out to be closed by the
     * server (Redis restarted since it was made); every command here is idempotent. */
    for (int attempt = 0; k != NULL && attempt < 2; attempt++) {
        int fresh = k->c == NULL;
        redisContext *c = conn_ready(rc, k);
        if (c == NULL)
            break;
        va_list ap;
        va_start(ap, fmt);
        reply = redisvCommand(c, fmt, ap);
        va_end(ap);
        if (reply != NULL)
            break;
        int closed = c->err == REDIS_ERR_EOF || (c->err == REDIS_ERR_IO && (errno == ECONNRESET || errno == EPIPE));
        conn_drop(rc, k, fresh || !closed); /* a timeout or a fresh connection failing: back off */
        if (fresh || !closed)
            break;
    }
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        freeReplyObject(reply);
        reply = NULL;
    }
    if (reply == NULL)
        atomic_fetch_add(&rc->errors, 1);
    return reply;
}

static void hex(char *out, const unsigned char *in, unsigned int len)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned int i = 0; i < len; i++) {
        *out++ = digits[in[i] >> 4];
        *out++ = digits[in[i] & 15];
    }
    *out = 0;
}

/* prefix + hex(id context) + ":" + hex(id) */
static void make_key(const struct redis_cache *rc, char *key, const unsigned char *sid_ctx, unsigned int sid_ctx_len,
                     const unsigned char *id, unsigned int id_len)
{
    if (sid_ctx_len > SSL_MAX_SID_CTX_LENGTH)
        sid_ctx_len = SSL_MAX_SID_CTX_LENGTH;
    if (id_len > SSL_MAX_SSL_SESSION_ID_LENGTH)
        id_len = SSL_MAX_SSL_SESSION_ID_LENGTH;
    size_t n = strlen(rc->prefix);
    memcpy(key, rc->prefix, n);
    hex(key + n, sid_ctx, sid_ctx_len);
    n += 2 * (size_t)sid_ctx_len;
    key[n++] = ':';
    hex(key + n, id, id_len);
}

static struct redis_cache *cache_of(SSL_CTX *ctx)
{
    return ctx != NULL && ex_index > 0 ? SSL_CTX_get_ex_data(ctx, ex_index) : NULL;
}

static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
    struct redis_cache *rc = cache_of(SSL_get_SSL_CTX(ssl));
    unsigned int id_len, sid_ctx_len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &id_len);
    const unsigned char *sid_ctx = SSL_SESSION_get0_id_context(sess, &sid_ctx_len);
    long remaining = SSL_SESSION_get_time(sess) + SSL_SESSION_get_timeout(sess) - (long)time(NULL);
    if (rc == NULL || id_len == 0 || remaining <= 0)
        return 0; /* nothing to store; the library drops the reference it gave us */
    int len = i2d_SSL_SESSION(sess, NULL);
    unsigned char *der = len > 0 ? malloc((size_t)len) : NULL, *p = der;
    if (der == NULL || i2d_SSL_SESSION(sess, &p) != len) {
        free(der);
        atomic_fetch_add(&rc->errors, 1);
        return 0;
    }
    char key[KEY_MAX];
    make_key(rc, key, sid_ctx, sid_ctx_len, id, id_len);
    redisReply *r = command(rc, "SET %s %b PX %lld", key, (const char *)der, (size_t)len, (long long)remaining * 1000);
    free(der);
    if (r != NULL) {
        atomic_fetch_add(&rc->sets, 1);
        freeReplyObject(r);
    }
    return 0; /* we kept no reference: the bytes are in Redis */
}

static SSL_SESSION *get_session_cb(SSL *ssl, const unsigned char *id, int id_len, int *copy)
{
    struct redis_cache *rc = cache_of(SSL_get_SSL_CTX(ssl));
    if (rc == NULL || id_len <= 0)
        return NULL;
    atomic_fetch_add(&rc->gets, 1);
    char key[KEY_MAX];
    make_key(rc, key, rc->sid_ctx, rc->sid_ctx_len, id, (unsigned int)id_len);
    redisReply *r = command(rc, "GET %s", key);
    if (r == NULL)
        return NULL; /* Redis down or slow: a full handshake */
    SSL_SESSION *sess = NULL;
    if (r->type == REDIS_REPLY_STRING) {
        const unsigned char *p = (const unsigned char *)r->str;
        sess = d2i_SSL_SESSION(NULL, &p, (long)r->len);
        atomic_fetch_add(sess != NULL ? &rc->hits : &rc->errors, 1);
    } else {
        atomic_fetch_add(&rc->misses, 1);
    }
    freeReplyObject(r);
    /* A fresh object whose only reference we hand over: the library must not take another. */
    *copy = 0;
    return sess;
}

static void remove_session_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    struct redis_cache *rc = cache_of(ctx);
    unsigned int id_len, sid_ctx_len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &id_len);
    const unsigned char *sid_ctx = SSL_SESSION_get0_id_context(sess, &sid_ctx_len);
    if (rc == NULL || id_len == 0)
        return;
    char key[KEY_MAX];
    make_key(rc, key, sid_ctx, sid_ctx_len, id, id_len);
    redisReply *r = command(rc, "DEL %s", key); /* an integer reply, 0 when it was not there: fine */
    if (r != NULL) {
        atomic_fetch_add(&rc->dels, 1);
        freeReplyObject(r);
    }
}

struct redis_cache *redis_cache_new(const struct redis_cache_options *o)
{
    if (o == NULL || o->sid_ctx == NULL || o->sid_ctx_len == 0 || o->sid_ctx_len > SSL_MAX_SID_CTX_LENGTH)
        return NULL;
    const char *host = o->host != NULL ? o->host : "127.0.0.1";
    const char *prefix = o->prefix != NULL ? o->prefix : "tls:sess:";
    struct redis_cache *rc = calloc(1, sizeof *rc);
    if (rc == NULL || strlen(host) >= sizeof rc->host || strlen(prefix) >= sizeof rc->prefix
        || pthread_key_create(&rc->conn_key, conn_destroy) != 0) {
        free(rc);
        return NULL;
    }
    strcpy(rc->host, host);
    strcpy(rc->prefix, prefix);
    rc->port = o->port > 0 ? o->port : 6379;
    memcpy(rc->sid_ctx, o->sid_ctx, o->sid_ctx_len);
    rc->sid_ctx_len = o->sid_ctx_len;
    rc->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 150;
    rc->retry_ms = o->retry_ms > 0 ? o->retry_ms : 1000;
    return rc;
}

int redis_cache_attach(struct redis_cache *rc, SSL_CTX *ctx)
{
    pthread_once(&ex_once, ex_index_init);
    if (rc == NULL || ctx == NULL || ex_index <= 0 || SSL_CTX_set_ex_data(ctx, ex_index, rc) != 1
        || SSL_CTX_set_session_id_context(ctx, rc->sid_ctx, rc->sid_ctx_len) != 1)
        return 0;
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
    SSL_CTX_sess_set_get_cb(ctx, get_session_cb);
    SSL_CTX_sess_set_remove_cb(ctx, remove_session_cb);
    return 1;
}

void redis_cache_get_stats(const struct redis_cache *rc, struct redis_cache_stats *out)
{
    struct redis_cache *m = (struct redis_cache *)rc; /* atomic loads need a non-const object */
    out->gets = atomic_load(&m->gets);
    out->hits = atomic_load(&m->hits);
    out->misses = atomic_load(&m->misses);
    out->sets = atomic_load(&m->sets);
    out->dels = atomic_load(&m->dels);
    out->errors = atomic_load(&m->errors);
    out->connects = atomic_load(&m->connects);
}

int redis_cache_parse_url(const char *url, char *host, unsigned long host_size, int *port)
{
    if (strncmp(url, "redis://", 8) == 0)
        url += 8;
    const char *end, *colon;
    if (url[0] == '[') { /* [v6]:port */
        url++;
        end = strchr(url, ']');
        if (end == NULL || end[1] != ':')
            return 0;
        colon = end + 1;
    } else {
        colon = strrchr(url, ':');
        end = colon;
    }
    if (colon == NULL || end == url || (unsigned long)(end - url) >= host_size)
        return 0;
    char *tail;
    long p = strtol(colon + 1, &tail, 10);
    if (*tail != 0 && strcmp(tail, "/") != 0)
        return 0;
    if (p <= 0 || p > 65535)
        return 0;
    memcpy(host, url, (size_t)(end - url));
    host[end - url] = 0;
    *port = (int)p;
    return 1;
}

void redis_cache_free(struct redis_cache *rc)
{
    if (rc == NULL)
        return;
    struct conn *k = pthread_getspecific(rc->conn_key);
    if (k != NULL) {
        pthread_setspecific(rc->conn_key, NULL);
        conn_destroy(k);
    }
    pthread_key_delete(rc->conn_key);
    free(rc);
}
