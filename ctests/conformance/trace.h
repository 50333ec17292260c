/* trace.h — normalized traces for conformance scenarios. A scenario uses only the public
 * OpenSSL API; it is built against the system OpenSSL and against sesscache, and the two
 * outputs must be byte-identical. Nothing raw is printed: sessions are labelled S1, S2… by
 * their id bytes in order of first appearance ("E" for a session without an id),
 * contexts by the names given to ctx_name(); no pointers, ids or absolute times. */
#ifndef CONFORMANCE_TRACE_H
#define CONFORMANCE_TRACE_H

#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tls_pair.h"

/* ---- labels ---- */

#define MAX_LABELS 512
static struct {
    unsigned char id[32];
    unsigned int len;
} id_labels[MAX_LABELS];
static int id_label_count;

/* "S<n>" for the n-th distinct session id seen. */
static inline const char *ID(const unsigned char *id, unsigned int len)
{
    static char bufs[8][16];
    static int next;
    char *out = bufs[next++ % 8];
    int i;
    for (i = 0; i < id_label_count; i++)
        if (id_labels[i].len == len && memcmp(id_labels[i].id, id, len) == 0)
            break;
    if (i == id_label_count && id_label_count < MAX_LABELS && len <= 32) {
        id_labels[i].len = len;
        memcpy(id_labels[i].id, id, len);
        id_label_count++;
    }
    snprintf(out, 16, "S%d", i + 1);
    return out;
}

/* A session's label: "S<n>" by its id bytes, "E" for a session without an id (objects cannot
 * be told apart portably: freed memory is reused differently by each library), "-" for NULL. */
static inline const char *S(const SSL_SESSION *s)
{
    if (s == NULL)
        return "-";
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(s, &len);
    return len > 0 ? ID(id, len) : "E";
}

/* 1/0, or "-" for NULL: OpenSSL's SSL_SESSION_is_resumable does not take NULL. */
static inline int resumable(const SSL_SESSION *s)
{
    return s == NULL ? -1 : SSL_SESSION_is_resumable(s);
}

/* ---- contexts ---- */

#define MAX_CTX 8
static struct {
    SSL_CTX *ctx;
    const char *name;
} ctx_names[MAX_CTX];

static inline void ctx_name(SSL_CTX *ctx, const char *name)
{
    for (int i = 0; i < MAX_CTX; i++)
        if (ctx_names[i].ctx == NULL || ctx_names[i].ctx == ctx) {
            ctx_names[i].ctx = ctx;
            ctx_names[i].name = name;
            return;
        }
}

static inline const char *C(const SSL_CTX *ctx)
{
    for (int i = 0; i < MAX_CTX; i++)
        if (ctx_names[i].ctx == ctx)
            return ctx_names[i].name;
    return "?";
}

/* ---- printing ---- */

static inline void T(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

/* The twelve counters of a context. */
/* Waits for the next second to begin. A scenario whose trace depends on sessions made in the
 * same second (equal expiry times, so eviction follows insertion order) calls it first: it then
 * runs, in well under a second, without a second boundary splitting its sessions' times. */
static inline void start_of_second(void)
{
    time_t t0 = time(NULL);
    while (time(NULL) == t0) {
        /* spin: at most a second, once per scenario that asks */
    }
}

static inline void counters(SSL_CTX *ctx)
{
    T("  counters %s: number=%ld connect=%ld connect_good=%ld connect_renegotiate=%ld accept=%ld "
      "accept_good=%ld accept_renegotiate=%ld hits=%ld cb_hits=%ld misses=%ld timeouts=%ld cache_full=%ld",
      C(ctx), SSL_CTX_sess_number(ctx), SSL_CTX_sess_connect(ctx), SSL_CTX_sess_connect_good(ctx),
      SSL_CTX_sess_connect_renegotiate(ctx), SSL_CTX_sess_accept(ctx), SSL_CTX_sess_accept_good(ctx),
      SSL_CTX_sess_accept_renegotiate(ctx), SSL_CTX_sess_hits(ctx), SSL_CTX_sess_cb_hits(ctx),
      SSL_CTX_sess_misses(ctx), SSL_CTX_sess_timeouts(ctx), SSL_CTX_sess_cache_full(ctx));
}

/* ---- tracing callbacks, with behaviour chosen by the scenario ---- */

/* New callback: returns new_cb_return (0 or 1); with 1 the session is kept in kept[] and
 * freed by free_kept(). With store_der, its i2d bytes are stored for get_cb. */
static int new_cb_return;
static int store_der;
#define MAX_KEPT 64
static SSL_SESSION *kept[MAX_KEPT];
static int kept_count;

#define MAX_DER 64
static struct {
    unsigned char id[32];
    unsigned int len;
    unsigned char der[4096];
    int der_len;
} der_store[MAX_DER];
static int der_count;

static inline void store_session_der(SSL_SESSION *s)
{
    if (der_count >= MAX_DER)
        return;
    int n = i2d_SSL_SESSION(s, NULL);
    if (n <= 0 || n > 4096)
        return;
    unsigned char *p = der_store[der_count].der;
    der_store[der_count].der_len = i2d_SSL_SESSION(s, &p);
    const unsigned char *id = SSL_SESSION_get_id(s, &der_store[der_count].len);
    memcpy(der_store[der_count].id, id, der_store[der_count].len);
    der_count++;
}

static inline const char *role(SSL *ssl)
{
    return ssl == NULL ? "-" : SSL_is_server(ssl) ? "server" : "client";
}

static inline int trace_new_cb(SSL *ssl, SSL_SESSION *sess)
{
    T("  new_cb(%s ssl, %s) -> %d", role(ssl), S(sess), new_cb_return);
    if (store_der)
        store_session_der(sess);
    if (new_cb_return && kept_count < MAX_KEPT)
        kept[kept_count++] = sess;
    return new_cb_return;
}

/* Get callback strategies. */
enum get_mode { GET_NONE, GET_KEPT_COPY1, GET_KEPT_UPREF_COPY0, GET_D2I_COPY0, GET_D2I_COPY1_LEAK_GUARDED };
static enum get_mode get_mode;
/* Sessions the get callback made with copy left at 1 (the application owns them). */
static SSL_SESSION *get_owned[MAX_KEPT];
static int get_owned_count;

static inline SSL_SESSION *trace_get_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    int copy_in = *copy;
    SSL_SESSION *ret = NULL;
    if (get_mode == GET_KEPT_COPY1 || get_mode == GET_KEPT_UPREF_COPY0) {
        for (int i = 0; i < kept_count; i++) {
            unsigned int l;
            const unsigned char *kid = SSL_SESSION_get_id(kept[i], &l);
            if (l == (unsigned int)len && memcmp(kid, id, l) == 0)
                ret = kept[i];
        }
        if (ret != NULL && get_mode == GET_KEPT_UPREF_COPY0) {
            SSL_SESSION_up_ref(ret);
            *copy = 0;
        }
    } else if (get_mode == GET_D2I_COPY0 || get_mode == GET_D2I_COPY1_LEAK_GUARDED) {
        for (int i = 0; i < der_count; i++)
            if (der_store[i].len == (unsigned int)len && memcmp(der_store[i].id, id, (size_t)len) == 0) {
                const unsigned char *p = der_store[i].der;
                ret = d2i_SSL_SESSION(NULL, &p, der_store[i].der_len);
            }
        if (ret != NULL && get_mode == GET_D2I_COPY0)
            *copy = 0;
        else if (ret != NULL && get_owned_count < MAX_KEPT)
            get_owned[get_owned_count++] = ret;
    }
    T("  get_cb(%s ssl, %s, len=%d, copy_in=%d) -> %s copy_out=%d version=%x", role(ssl),
      ID(id, (unsigned int)len), len, copy_in, S(ret), *copy, (unsigned)SSL_version(ssl));
    return ret;
}

static inline void trace_remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    T("  remove_cb(%s, %s) resumable=%d", C(ctx), S(sess), resumable(sess));
}

static inline void install_callbacks(SSL_CTX *ctx, int new_cb, int get_cb, int remove_cb)
{
    SSL_CTX_sess_set_new_cb(ctx, new_cb ? trace_new_cb : NULL);
    SSL_CTX_sess_set_get_cb(ctx, get_cb ? trace_get_cb : NULL);
    SSL_CTX_sess_set_remove_cb(ctx, remove_cb ? trace_remove_cb : NULL);
}

static inline void free_kept(void)
{
    for (int i = 0; i < kept_count; i++)
        SSL_SESSION_free(kept[i]);
    kept_count = 0;
    for (int i = 0; i < get_owned_count; i++)
        SSL_SESSION_free(get_owned[i]);
    get_owned_count = 0;
}

/* ---- connections ---- */

/* One connection from cctx to sctx offering `offer` (may be NULL); traces the outcome. With
 * `clean`, both sides shut down; otherwise both SSLs are freed without SSL_shutdown. Returns the
 * client's session (SSL_get1_session; the caller frees it). */
static inline SSL_SESSION *connection(const char *what, SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer, int clean)
{
    T("connection %s: client offers %s", what, S(offer));
    struct pair p = pair_new(sctx, cctx, offer);
    int ok = pair_handshake(&p);
    T("  handshake %s", ok ? "ok" : "failed");
    if (ok) {
        if (!pair_exchange(&p))
            T("  data exchange failed");
        T("  reused server=%d client=%d version=%x", SSL_session_reused(p.server), SSL_session_reused(p.client),
          (unsigned)SSL_version(p.server));
    }
    SSL_SESSION *s = SSL_get1_session(p.client);
    T("  client session %s resumable=%d; server session %s", S(s), resumable(s),
      S(SSL_get_session(p.server)));
    pair_close(&p, clean);
    return s;
}

#endif
