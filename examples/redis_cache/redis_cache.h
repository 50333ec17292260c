/*
 * redis_cache.h — a farm-wide server session cache on Redis, through OpenSSL's new/get/remove
 * session callbacks (the way Apache's `SSLSessionCache redis:`, nginx and HAProxy farms do it).
 *
 * Builds against sesscache (`-Iinclude -lsesscache`) and against the system OpenSSL 3.0
 * (`-lssl -lcrypto`) alike; link with `-lhiredis -pthread`.
 *
 *   struct redis_cache_options o = { .host = "127.0.0.1", .port = 6379,
 *                                    .sid_ctx = (const unsigned char *)"farm", .sid_ctx_len = 4 };
 *   struct redis_cache *rc = redis_cache_new(&o);
 *   redis_cache_attach(rc, ctx);            // every SSL_CTX of every server of the farm
 *   ...
 *   SSL_CTX_free(ctx);
 *   redis_cache_free(rc);                   // after the last SSL_CTX using it
 *
 * What it does:
 * - new-session callback: i2d_SSL_SESSION, then `SET key bytes PX <remaining lifetime>`, where
 *   the remaining lifetime is SSL_SESSION_get_time + SSL_SESSION_get_timeout - now (nothing is
 *   stored when it is <= 0). Returns 0: the library keeps (and later drops) its own reference.
 * - get-session callback: `GET key`, then d2i_SSL_SESSION; sets `*copy = 0` (the fresh session's
 *   only reference goes to the library) and returns it, or NULL.
 * - remove callback: `DEL key`; deleting a key that is not there is fine (removal is idempotent:
 *   OpenSSL may call it twice for one session, or for one that was never stored).
 * - key: prefix + hex(id context) + ":" + hex(session id). The get callback is not given the
 *   session, so it uses the id context of the options, which redis_cache_attach() also sets on
 *   the SSL_CTX (SSL_CTX_set_session_id_context): every server of a farm must use the same one.
 *   The new and remove callbacks use the session's own id context (SSL_SESSION_get0_id_context),
 *   which is that same value.
 * - one Redis connection per thread (and per cache), made on first use with a connect timeout,
 *   and a timeout on every command. A failed connection is dropped; a connection the server
 *   closed (Redis restarted) is retried at once, once; any other failure starts a back-off during
 *   which calls fail at once, without touching the network, so that a Redis that is down or slow
 *   costs at most one timeout per thread per back-off period, never one per handshake.
 * - a failure never fails a handshake: the get callback answers "not found" (a full handshake),
 *   the new and remove callbacks just return. Every failure is counted (redis_cache_get_stats).
 *
 * The process must ignore SIGPIPE (hiredis writes to the socket; a Redis that went away would
 * otherwise kill the process), as every TLS server does.
 */
#ifndef REDIS_CACHE_H
#define REDIS_CACHE_H

#include <openssl/ssl.h>

struct redis_cache;

struct redis_cache_options {
    const char *host;             /* Redis address (IPv4/IPv6 literal or name); default 127.0.0.1 */
    int port;                     /* default 6379 */
    const unsigned char *sid_ctx; /* the farm's session id context (<= 32 bytes); required */
    unsigned int sid_ctx_len;
    const char *prefix;           /* key prefix; default "tls:sess:" */
    int timeout_ms;               /* connect and per-command timeout; default 150 */
    int retry_ms;                 /* back-off after a failure; default 1000 */
};

struct redis_cache_stats {
    unsigned long gets;     /* get callback calls */
    unsigned long hits;     /* ... that returned a session */
    unsigned long misses;   /* ... that found no key (a Redis failure counts as an error instead) */
    unsigned long sets;     /* sessions stored */
    unsigned long dels;     /* DEL commands sent (whether or not the key existed) */
    unsigned long errors;   /* failed calls: Redis down, slow (timeout), in back-off, bad reply,
                               undecodable value */
    unsigned long connects; /* connections made */
};

/* A cache handle (the options are copied), or NULL if they are invalid. No connection is made yet. */
struct redis_cache *redis_cache_new(const struct redis_cache_options *options);

/* Makes ctx keep its server sessions in Redis: sets its session id context to the options' one,
 * the cache mode SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL (Redis is the only store, so
 * a removal on one server is seen by all), and the three callbacks. Returns 1, or 0 on failure. */
int redis_cache_attach(struct redis_cache *rc, SSL_CTX *ctx);

/* A snapshot of the counters (each read atomically). */
void redis_cache_get_stats(const struct redis_cache *rc, struct redis_cache_stats *out);

/* Parses "redis://HOST:PORT" (or "HOST:PORT"; "[v6]:PORT") into host (NUL-terminated) and
 * port. Returns 1, or 0 if malformed. */
int redis_cache_parse_url(const char *url, char *host, unsigned long host_size, int *port);

/* Frees the handle and the calling thread's connection. Other threads' connections are closed
 * when those threads exit. Call it after every SSL_CTX it was attached to is freed. */
void redis_cache_free(struct redis_cache *rc);

#endif
