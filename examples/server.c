/*
 * server.c — a TLS server whose sessions live in an external cache, the way nginx, HAProxy and
 * Apache keep them: the new-session callback stores i2d_SSL_SESSION bytes, the get callback
 * d2i's them back (*copy = 0), the remove callback deletes them.
 *
 *   server PORT [--cert FILE --key FILE] [--cache internal|external|redis://HOST:PORT] [--tls12]
 *               [--tickets] [--store DIR] [--count N] [--redis-timeout MS] [--redis-retry MS]
 *               [--shutdown-after-error]
 *
 * --cache internal  the library's own cache only (no callbacks)
 * --cache external  (default) SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL and callbacks
 * --cache redis://HOST:PORT
 *                   the same callbacks on a Redis server shared by a farm of servers
 *                   (examples/redis_cache/): a session made on one server resumes on any other.
 *                   After each connection the server prints the module's counters ("redis: ...");
 *                   --redis-timeout / --redis-retry set its command timeout and back-off (ms)
 * --shutdown-after-error
 *                   call SSL_shutdown even when reading the request failed (the client left
 *                   without close_notify). By default the server does not, as OpenSSL's manual
 *                   requires after SSL_ERROR_SSL / SSL_ERROR_SYSCALL. Either way the session is
 *                   removed (remove callback): the fatal error already removed it.
 * --tls12           TLS 1.2 only; --tickets keeps session tickets on (default: SSL_OP_NO_TICKET,
 *                   so TLS 1.2 uses session ids and TLS 1.3 stateful tickets that reach the cache)
 * --store DIR       keep the external cache as files DIR/<hex id>.der, shareable between
 *                   processes (and with a build of this program on OpenSSL)
 * --count N         exit after N connections (default: run until killed)
 */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "session_table.h"
#include "redis_cache/redis_cache.h"

static struct session_table table;

static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);
    int n = table_put(&table, sess);
    printf("  new_session_cb: id %02x%02x%02x%02x… stored as %d DER bytes\n", id[0], id[1], id[2], id[3], n);
    return 0;
}

static SSL_SESSION *get_session_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    (void)ssl;
    SSL_SESSION *s = table_get(&table, id, (unsigned int)len);
    printf("  get_session_cb: id %02x%02x%02x%02x… (%d bytes): %s\n", id[0], id[1], id[2], id[3], len,
           s ? "found" : "not found");
    *copy = 0;
    return s;
}

static void remove_session_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);
    printf("  remove_session_cb: id %02x%02x%02x%02x…\n", id[0], id[1], id[2], id[3]);
    table_remove(&table, id, len);
}

static void print_redis_stats(struct redis_cache *rc)
{
    struct redis_cache_stats st;
    redis_cache_get_stats(rc, &st);
    printf("  redis: gets=%lu hits=%lu misses=%lu sets=%lu dels=%lu errors=%lu connects=%lu\n", st.gets, st.hits,
           st.misses, st.sets, st.dels, st.errors, st.connects);
}

static void print_counters(SSL_CTX *ctx)
{
    printf("server counters: accept=%ld accept_good=%ld hits=%ld misses=%ld cb_hits=%ld timeouts=%ld "
           "cache_full=%ld number=%ld\n",
           SSL_CTX_sess_accept(ctx), SSL_CTX_sess_accept_good(ctx), SSL_CTX_sess_hits(ctx),
           SSL_CTX_sess_misses(ctx), SSL_CTX_sess_cb_hits(ctx), SSL_CTX_sess_timeouts(ctx),
           SSL_CTX_sess_cache_full(ctx), SSL_CTX_sess_number(ctx));
}

int main(int argc, char **argv)
{
    const char *cert = "build/certs/chain.pem", *key = "build/certs/server.key";
    const char *redis_url = NULL;
    int port = 0, external = 1, tls12 = 0, tickets = 0, count = -1, redis_timeout = 150, redis_retry = 1000;
    int shutdown_after_error = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cert") && i + 1 < argc)
            cert = argv[++i];
        else if (!strcmp(argv[i], "--key") && i + 1 < argc)
            key = argv[++i];
        else if (!strcmp(argv[i], "--cache") && i + 1 < argc) {
            i++;
            external = strcmp(argv[i], "internal") != 0;
            redis_url = strncmp(argv[i], "redis://", 8) == 0 ? argv[i] : NULL;
        } else if (!strcmp(argv[i], "--redis-timeout") && i + 1 < argc)
            redis_timeout = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--redis-retry") && i + 1 < argc)
            redis_retry = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--shutdown-after-error"))
            shutdown_after_error = 1;
        else if (!strcmp(argv[i], "--tls12"))
            tls12 = 1;
        else if (!strcmp(argv[i], "--tickets"))
            tickets = 1;
        else if (!strcmp(argv[i], "--store") && i + 1 < argc)
            table.dir = argv[++i];
        else if (!strcmp(argv[i], "--count") && i + 1 < argc)
            count = atoi(argv[++i]);
        else
            port = atoi(argv[i]);
    }
    if (port <= 0) {
        fprintf(stderr, "usage: %s PORT [--cert F --key F] [--cache internal|external|redis://HOST:PORT] [--tls12] "
                        "[--tickets] [--store DIR] [--count N] [--redis-timeout MS] [--redis-retry MS] "
                        "[--shutdown-after-error]\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1
        || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        char buf[256];
        ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
        fprintf(stderr, "cannot load %s / %s: %s\n", cert, key, buf);
        return 1;
    }
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"example", 7);
    if (!tickets)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (tls12)
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    struct redis_cache *rc = NULL;
    if (redis_url != NULL) {
        /* Every server of the farm uses the same id context: the keys are namespaced by it. */
        static const unsigned char farm_sid_ctx[] = "example-farm";
        char host[256];
        struct redis_cache_options o = { .host = host, .sid_ctx = farm_sid_ctx,
                                         .sid_ctx_len = sizeof farm_sid_ctx - 1,
                                         .timeout_ms = redis_timeout, .retry_ms = redis_retry };
        if (!redis_cache_parse_url(redis_url, host, sizeof host, &o.port) || (rc = redis_cache_new(&o)) == NULL
            || !redis_cache_attach(rc, ctx)) {
            fprintf(stderr, "bad redis cache %s\n", redis_url);
            return 2;
        }
    } else if (external) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
        SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
        SSL_CTX_sess_set_get_cb(ctx, get_session_cb);
        SSL_CTX_sess_set_remove_cb(ctx, remove_session_cb);
    }

    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 16) != 0) {
        perror("bind/listen");
        return 1;
    }
    printf("listening on 127.0.0.1:%d (%s cache%s%s)\n", port,
           redis_url != NULL ? redis_url : external ? "external" : "internal",
           tls12 ? ", TLS 1.2" : "", tickets ? ", tickets" : "");

    for (int n = 1; count < 0 || n <= count; n++) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        struct timeval tv = { .tv_sec = 2 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        SSL *ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        printf("connection %d:\n", n);
        if (SSL_accept(ssl) == 1) {
            printf("  %s, %s, %s\n", SSL_session_reused(ssl) ? "resumed" : "full handshake", SSL_get_version(ssl),
                   SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
            char buf[256];
            int r = SSL_read(ssl, buf, sizeof buf - 1);
            if (r > 0) {
                const char reply[] = "hello from sesscache\n";
                SSL_write(ssl, reply, (int)sizeof reply - 1);
                SSL_shutdown(ssl);
            } else {
                /* A client that went away without close_notify is a fatal error (unexpected EOF):
                 * the library has removed the session from the cache (the remove callback), and
                 * SSL_shutdown must not be called. A read timeout (SSL_ERROR_WANT_READ) is not
                 * fatal: the connection is shut down cleanly. */
                int err = SSL_get_error(ssl, r);
                int fatal = err == SSL_ERROR_SSL || err == SSL_ERROR_SYSCALL;
                ERR_error_string_n(ERR_peek_error(), buf, sizeof buf);
                printf("  no request (SSL_get_error %d%s%s), %s\n", err, ERR_peek_error() ? ": " : "",
                       ERR_peek_error() ? buf : "",
                       !fatal ? "SSL_shutdown" : shutdown_after_error ? "SSL_shutdown anyway" : "no SSL_shutdown");
                ERR_clear_error();
                if (!fatal || shutdown_after_error)
                    SSL_shutdown(ssl);
            }
            ERR_clear_error();
        } else {
            char buf[256];
            ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
            printf("  handshake failed: %s\n", buf);
            ERR_clear_error();
        }
        SSL_free(ssl);
        close(fd);
        if (rc != NULL)
            print_redis_stats(rc);
    }
    print_counters(ctx);
    SSL_CTX_free(ctx);
    if (rc != NULL) {
        print_redis_stats(rc);
        redis_cache_free(rc);
    }
    table_clear(&table);
    close(lfd);
    return 0;
}
