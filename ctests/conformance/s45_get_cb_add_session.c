/* A get callback that calls back into the library (allowed: OpenSSL does not hold the context
 * lock there), TLS 1.2 session ids. The callback returns the object kept from the new callback
 * (copy left at 1, as GET_KEPT_COPY1) and first calls SSL_CTX_add_session on it, with
 * SSL_CTX_sess_number and SSL_has_matching_session_id before and after. Contexts:
 *   A  SERVER|NO_INTERNAL_LOOKUP: the object is already cached (add -> 0), the library's own add too;
 *   B  SERVER|NO_INTERNAL: the callback's add makes the only internal entry (-> 1, then -> 0);
 *   C  SERVER: the cached object was dropped by removing a dup of it (by key, the cached object is
 *      not marked), so the lookup misses and the callback re-adds the still-resumable object;
 *   D  SERVER|NO_INTERNAL_LOOKUP, cache size 2 (holds one): the callback re-adds an evicted,
 *      non-resumable object (it evicts the other entry), and the library then ignores it. */
#include "trace.h"

static SSL_SESSION *adding_get_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
    SSL_SESSION *ret = NULL;
    for (int i = 0; i < kept_count; i++) {
        unsigned int l;
        const unsigned char *kid = SSL_SESSION_get_id(kept[i], &l);
        if (l == (unsigned int)len && memcmp(kid, id, l) == 0)
            ret = kept[i];
    }
    T("  get_cb(%s ssl, %s, len=%d, copy_in=%d) on %s: found %s resumable=%d; number=%ld has_matching=%d",
      role(ssl), ID(id, (unsigned int)len), len, *copy, C(ctx), S(ret), resumable(ret), SSL_CTX_sess_number(ctx),
      SSL_has_matching_session_id(ssl, id, (unsigned int)len));
    if (ret != NULL) {
        int r = SSL_CTX_add_session(ctx, ret);
        T("    SSL_CTX_add_session(%s, %s) -> %d; number=%ld has_matching=%d", C(ctx), S(ret), r,
          SSL_CTX_sess_number(ctx), SSL_has_matching_session_id(ssl, id, (unsigned int)len));
    }
    T("    -> %s copy_out=%d", S(ret), *copy);
    return ret;
}

static SSL_CTX *tls12_server(const char *name, long mode)
{
    SSL_CTX *ctx = server_ctx();
    ctx_name(ctx, name);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    install_callbacks(ctx, 1, 0, 1);
    SSL_CTX_sess_set_get_cb(ctx, adding_get_cb);
    long prev = SSL_CTX_set_session_cache_mode(ctx, mode);
    T("SSL_CTX_set_session_cache_mode(%s, 0x%lx) -> 0x%lx", name, mode, prev);
    return ctx;
}

int main(void)
{
    SSL_CTX *client = client_ctx();
    ctx_name(client, "client");
    new_cb_return = 1;
    SSL_SESSION *c[32] = { 0 };
    int n = 0;

    T("-- A: SERVER|NO_INTERNAL_LOOKUP");
    SSL_CTX *a = tls12_server("A", SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_LOOKUP);
    c[n++] = connection("A1 (full)", a, client, NULL, 1);
    SSL_SESSION *a1 = c[n - 1];
    c[n++] = connection("A2 (resume A1)", a, client, a1, 1);
    c[n++] = connection("A3 (resume A1 again)", a, client, a1, 1);
    counters(a);

    T("-- B: SERVER|NO_INTERNAL");
    SSL_CTX *b = tls12_server("B", SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
    c[n++] = connection("B1 (full)", b, client, NULL, 1);
    SSL_SESSION *b1 = c[n - 1];
    counters(b);
    c[n++] = connection("B2 (resume B1)", b, client, b1, 1);
    counters(b);
    c[n++] = connection("B3 (resume B1 again)", b, client, b1, 1);
    counters(b);

    T("-- C: SERVER, cached object dropped by removing a dup");
    SSL_CTX *cc = tls12_server("C", SSL_SESS_CACHE_SERVER);
    c[n++] = connection("C1 (full)", cc, client, NULL, 1);
    SSL_SESSION *c1 = c[n - 1];
    SSL_SESSION *k = kept[kept_count - 1];
    SSL_SESSION *d = SSL_SESSION_dup(k);
    T("SSL_CTX_remove_session(C, dup of cached %s)", S(d));
    int r = SSL_CTX_remove_session(cc, d);
    T("  -> %d; dup resumable=%d, cached object resumable=%d; number=%ld", r, resumable(d), resumable(k),
      SSL_CTX_sess_number(cc));
    c[n++] = connection("C2 (resume C1)", cc, client, c1, 1);
    counters(cc);
    c[n++] = connection("C3 (resume C1 again: internal hit)", cc, client, c1, 1);
    counters(cc);

    T("-- D: SERVER|NO_INTERNAL_LOOKUP, cache size 2");
    SSL_CTX *dd = tls12_server("D", SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_LOOKUP);
    long prev = SSL_CTX_sess_set_cache_size(dd, 2);
    T("SSL_CTX_sess_set_cache_size(D, 2) -> %ld", prev);
    c[n++] = connection("D1 (full)", dd, client, NULL, 1);
    SSL_SESSION *d1 = c[n - 1];
    c[n++] = connection("D2 (full: evicts D1)", dd, client, NULL, 1);
    SSL_SESSION *d2 = c[n - 1];
    counters(dd);
    c[n++] = connection("D3 (resume D1: evicted)", dd, client, d1, 1);
    counters(dd);
    c[n++] = connection("D4 (resume D2: evicted by the callback's add)", dd, client, d2, 1);
    counters(dd);

    const char *names[4] = { "A", "B", "C", "D" };
    SSL_CTX *ctxs[4] = { a, b, cc, dd };
    for (int i = 0; i < 4; i++) {
        T("SSL_CTX_free(%s)", names[i]);
        SSL_CTX_free(ctxs[i]);
    }
    SSL_SESSION_free(d);
    for (int i = 0; i < n; i++)
        SSL_SESSION_free(c[i]);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
