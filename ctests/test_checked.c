/* Checked mode (sesscache only): with SESSCACHE_CHECKED=1, misuse is reported on stderr with
 * the entry point's name, and memory stays intact (freed handles are quarantined). */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include "check.h"
#include "tls_pair.h"

static char report[16384];

static void read_reports(const char *path)
{
    fflush(stderr);
    FILE *f = fopen(path, "r");
    size_t n = f != NULL ? fread(report, 1, sizeof report - 1, f) : 0;
    report[n] = 0;
    if (f != NULL)
        fclose(f);
}

static SSL_SESSION *other;

static SSL_SESSION *wrong_id_get_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    (void)ssl;
    (void)id;
    (void)len;
    *copy = 1;
    return other; /* a session under another id than the one asked for */
}

int main(void)
{
    setenv("SESSCACHE_CHECKED", "1", 1);
    char path[] = "/tmp/sesscache-checked-XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(2);
    dup2(fd, 2);

    /* 1. Double free, then a use of the freed handle. */
    SSL_SESSION *s = SSL_SESSION_new();
    SSL_SESSION_set_timeout(s, 77);
    SSL_SESSION_free(s);
    SSL_SESSION_free(s);
    long t = SSL_SESSION_get_timeout(s);

    /* 2. Underflow while the cache still holds the session. */
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_SESSION *c = SSL_SESSION_new();
    unsigned char id[32] = { 7 };
    SSL_SESSION_set1_id(c, id, 32);
    SSL_CTX_add_session(ctx, c);
    SSL_SESSION_free(c); /* the application's reference: fine */
    SSL_SESSION_free(c); /* one too many */
    long number = SSL_CTX_sess_number(ctx);

    /* 3. set1_id on a cached session (the cache holds it; the application takes a reference). */
    SSL_SESSION *d = SSL_SESSION_new();
    unsigned char id2[32] = { 9 };
    SSL_SESSION_set1_id(d, id2, 32);
    SSL_CTX_add_session(ctx, d);
    unsigned char id3[32] = { 10 };
    SSL_SESSION_set1_id(d, id3, 32);

    /* 4. A get callback returning a session under another id. */
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION);
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_get_cb(sctx, wrong_id_get_cb);
    other = d;
    struct pair p = pair_new(sctx, cctx, NULL);
    int ok = pair_handshake(&p);
    pair_close(&p, 1);

    dup2(saved, 2);
    close(fd);
    read_reports(path);
    remove(path);

    CHECK(strstr(report, "SSL_SESSION_free: double free") != NULL, "a double free is reported by name:\n%s", report);
    CHECK_EQ(t, 0, "a freed handle gives the failure value");
    CHECK(strstr(report, "SSL_SESSION_get_timeout: use of an SSL_SESSION after") != NULL,
          "a use after free is reported by name:\n%s", report);
    CHECK(strstr(report, "SSL_SESSION_free: reference count underflow") != NULL, "an underflow is reported:\n%s", report);
    CHECK_EQ(number, 1, "the cache's own reference survived the extra free");
    CHECK(strstr(report, "SSL_SESSION_set1_id: SSL_SESSION_set1_id on a session that sits in a cache") != NULL,
          "set1_id on a cached session is reported:\n%s", report);
    CHECK(ok, "the handshake with the misbehaving get callback completes");
    CHECK(strstr(report, "get_session_cb returned a session whose id differs") != NULL,
          "a get callback answering with another id is reported:\n%s", report);

    SSL_CTX_free(ctx);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    SSL_SESSION_free(d);
    return check_summary();
}
