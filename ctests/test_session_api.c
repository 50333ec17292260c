/* SSL_SESSION accessors: SSL_SESSION_new defaults, reference counting, id and id context with
 * their length limits, protocol version, time and timeout (and the SSL_get_time/... aliases),
 * SSL_SESSION_is_resumable and SSL_SESSION_dup. */
#include <openssl/ssl.h>
#include "check.h"

#include <time.h>

/* The suites SSL_CIPHER_find knows: OpenSSL 3.0's table without the weak ones (RC4, 3DES),
 * which its default build (and Debian's) leaves out; d2i_SSL_SESSION knows the same. */
#define SUITE_FACTS_FNV 0x5483584f65da259cULL

static void known_suites(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *s = SSL_new(ctx);
    int count = 0;
    /* FNV-1a of "id kx auth cipher digest aead version" for every suite: what OpenSSL 3.0
     * answers about each (the value was taken on the system library, which passes too). */
    unsigned long long fnv = 14695981039346656037ULL;
    for (int id = 0; id < 65536; id++) {
        unsigned char b[2] = { (unsigned char)(id >> 8), (unsigned char)id };
        const SSL_CIPHER *c = SSL_CIPHER_find(s, b);
        if (c == NULL)
            continue;
        count++;
        char line[128];
        snprintf(line, sizeof line, "%04x %d %d %d %d %d %s\n", id, SSL_CIPHER_get_kx_nid(c), SSL_CIPHER_get_auth_nid(c),
                 SSL_CIPHER_get_cipher_nid(c), SSL_CIPHER_get_digest_nid(c), SSL_CIPHER_is_aead(c),
                 SSL_CIPHER_get_version(c));
        for (const char *p = line; *p; p++)
            fnv = (fnv ^ (unsigned char)*p) * 1099511628211ULL;
    }
    CHECK_EQ(count, 174, "suites SSL_CIPHER_find knows");
    CHECK(fnv == SUITE_FACTS_FNV, "the NIDs, AEAD flag and version of every suite as OpenSSL's (FNV-1a %016llx)", fnv);
    CHECK(strcmp(SSL_CIPHER_get_version(NULL), "(NONE)") == 0 && SSL_CIPHER_get_cipher_nid(NULL) == 0,
          "SSL_CIPHER_get_version and _get_cipher_nid of NULL");
    CHECK_EQ(SSL_waiting_for_async(s), 0, "no asynchronous job");
    size_t numfds = 7;
    CHECK(SSL_get_all_async_fds(s, NULL, &numfds) == 0 && numfds == 7,
          "SSL_get_all_async_fds without an async wait context: 0, nothing written");
    CHECK(SSL_CIPHER_find(s, (const unsigned char *)"\x00\x0a") == NULL, "DES-CBC3-SHA is not one of them");
    CHECK(SSL_CIPHER_find(s, (const unsigned char *)"\xc0\x11") == NULL, "nor ECDHE-RSA-RC4-SHA");
    CHECK(SSL_CIPHER_find(s, (const unsigned char *)"\x13\x01") != NULL, "TLS_AES_128_GCM_SHA256 is");
    SSL_free(s);
    SSL_CTX_free(ctx);
}

int main(void)
{
    known_suites();
    unsigned int len;
    int r;
    long l;

    /* Defaults of a new session. */
    long before = (long)time(NULL);
    SSL_SESSION *s = SSL_SESSION_new();
    long after = (long)time(NULL);
    CHECK(s != NULL, "SSL_SESSION_new returned NULL");
    l = SSL_SESSION_get_timeout(s);
    CHECK_EQ(l, 304, "timeout of a new session");
    l = SSL_SESSION_get_time(s);
    CHECK(l >= before && l <= after, "time of a new session is %ld, expected time(NULL) in [%ld, %ld]", l,
          before, after);
    r = SSL_SESSION_get_protocol_version(s);
    CHECK_EQ(r, 0, "protocol version of a new session");
    len = 99;
    const unsigned char *idp = SSL_SESSION_get_id(s, &len);
    CHECK(idp != NULL && len == 0, "a new session has no id: got pointer %p, length %u (expected non-NULL, 0)",
          (const void *)idp, len);
    len = 99;
    const unsigned char *ctxp = SSL_SESSION_get0_id_context(s, &len);
    CHECK(ctxp != NULL && len == 0, "a new session has no id context: got pointer %p, length %u",
          (const void *)ctxp, len);
    r = SSL_SESSION_is_resumable(s);
    CHECK_EQ(r, 0, "a new session without an id is not resumable");

    /* up_ref: 1, and the object survives one free. */
    r = SSL_SESSION_up_ref(s);
    CHECK_EQ(r, 1, "SSL_SESSION_up_ref");
    SSL_SESSION_free(s);
    l = SSL_SESSION_get_timeout(s); /* ASan would report a use after free here */
    CHECK_EQ(l, 304, "timeout read after freeing one of two references");

    /* Id round trip; the session keeps its own copy. */
    unsigned char id[33], id2[33];
    memset(id, 0xA1, sizeof id);
    memset(id2, 0xB2, sizeof id2);
    r = SSL_SESSION_set1_id(s, id, 32);
    CHECK_EQ(r, 1, "SSL_SESSION_set1_id with 32 bytes");
    memset(id, 0, sizeof id); /* the session must have copied the bytes, not kept the pointer */
    idp = SSL_SESSION_get_id(s, &len);
    int copied = len == 32 && idp[0] == 0xA1 && idp[31] == 0xA1;
    CHECK(copied, "get_id after set1_id (input buffer since cleared): length %u, first byte 0x%02x "
          "(expected 32, 0xa1)", len, len ? idp[0] : 0);
    memset(id, 0xA1, sizeof id);
    const unsigned char *idp_nolen = SSL_SESSION_get_id(s, NULL);
    CHECK(idp_nolen == idp, "get_id with a NULL length must return the same pointer");
    r = SSL_SESSION_set1_id(s, id2, 33);
    CHECK_EQ(r, 0, "SSL_SESSION_set1_id with 33 bytes");
    idp = SSL_SESSION_get_id(s, &len);
    CHECK(len == 32 && idp[0] == 0xA1 && idp[31] == 0xA1,
          "a rejected 33-byte id must leave the id unchanged: length %u, first byte 0x%02x", len, idp[0]);
    r = SSL_SESSION_is_resumable(s);
    CHECK_EQ(r, 1, "a session with an id is resumable");

    /* Id context round trip. */
    unsigned char sctx[33];
    memset(sctx, 0xC3, sizeof sctx);
    r = SSL_SESSION_set1_id_context(s, sctx, 32);
    CHECK_EQ(r, 1, "SSL_SESSION_set1_id_context with 32 bytes");
    ctxp = SSL_SESSION_get0_id_context(s, &len);
    CHECK(len == 32 && memcmp(ctxp, sctx, 32) == 0, "get0_id_context after set1_id_context: length %u", len);
    r = SSL_SESSION_set1_id_context(s, id2, 33);
    CHECK_EQ(r, 0, "SSL_SESSION_set1_id_context with 33 bytes");
    ctxp = SSL_SESSION_get0_id_context(s, &len);
    CHECK(len == 32 && memcmp(ctxp, sctx, 32) == 0,
          "a rejected 33-byte id context must leave the context unchanged: length %u, first byte 0x%02x",
          len, ctxp[0]);

    /* Protocol version. */
    r = SSL_SESSION_set_protocol_version(s, TLS1_2_VERSION);
    int v = SSL_SESSION_get_protocol_version(s);
    CHECK(r == 1 && v == TLS1_2_VERSION, "set_protocol_version(TLS1_2) returned %d, get gives 0x%x", r, v);

    /* Time and timeout. */
    l = SSL_SESSION_set_time(s, 12345);
    CHECK_EQ(l, 12345, "SSL_SESSION_set_time returns its argument");
    l = SSL_SESSION_get_time(s);
    CHECK_EQ(l, 12345, "get_time after set_time(12345)");
    l = SSL_SESSION_set_time(s, 0);
    CHECK_EQ(l, 0, "SSL_SESSION_set_time(0) returns 0");
    l = SSL_SESSION_get_time(s);
    CHECK_EQ(l, 0, "get_time after set_time(0) (the time is set although 0 is returned)");
    l = SSL_SESSION_set_timeout(s, 600);
    CHECK_EQ(l, 1, "SSL_SESSION_set_timeout(600)");
    l = SSL_SESSION_get_timeout(s);
    CHECK_EQ(l, 600, "get_timeout after set_timeout(600)");
    l = SSL_SESSION_set_timeout(s, -1);
    CHECK_EQ(l, 0, "SSL_SESSION_set_timeout(-1)");
    l = SSL_SESSION_get_timeout(s);
    CHECK_EQ(l, 600, "a rejected negative timeout leaves the timeout unchanged");

    /* The SSL_get_time/SSL_set_time/SSL_get_timeout/SSL_set_timeout aliases. */
    l = SSL_set_time(s, 777);
    CHECK_EQ(l, 777, "SSL_set_time returns its argument");
    l = SSL_get_time(s);
    CHECK_EQ(l, 777, "SSL_get_time after SSL_set_time(777)");
    l = SSL_set_timeout(s, 55);
    CHECK_EQ(l, 1, "SSL_set_timeout(55)");
    l = SSL_get_timeout(s);
    CHECK_EQ(l, 55, "SSL_get_timeout after SSL_set_timeout(55)");
    l = SSL_SESSION_get_timeout(s);
    CHECK_EQ(l, 55, "SSL_SESSION_get_timeout sees the value set through the alias");

    /* A zero-length id makes the session not resumable again. */
    SSL_SESSION *e = SSL_SESSION_new();
    SSL_SESSION_set1_id(e, id, 32);
    r = SSL_SESSION_set1_id(e, id, 0);
    idp = SSL_SESSION_get_id(e, &len);
    int er = SSL_SESSION_is_resumable(e);
    CHECK(r == 1 && len == 0 && er == 0, "set1_id with length 0: returned %d, length %u, resumable %d "
          "(expected 1, 0, 0)", r, len, er);
    SSL_SESSION_free(e);

    /* SSL_SESSION_dup of a resumable session. */
    SSL_SESSION *d = SSL_SESSION_dup(s);
    CHECK(d != NULL && d != s, "SSL_SESSION_dup must return a distinct object (got %p for %p)", (void *)d,
          (void *)s);
    unsigned int dlen, dclen;
    const unsigned char *did = SSL_SESSION_get_id(d, &dlen);
    const unsigned char *dctx = SSL_SESSION_get0_id_context(d, &dclen);
    CHECK(dlen == 32 && memcmp(did, id, 32) == 0 && did != SSL_SESSION_get_id(s, NULL),
          "the copy has the same id in its own buffer (length %u)", dlen);
    CHECK(dclen == 32 && memcmp(dctx, sctx, 32) == 0, "the copy has the same id context (length %u)", dclen);
    long dt = SSL_SESSION_get_time(d), dto = SSL_SESSION_get_timeout(d);
    int dv = SSL_SESSION_get_protocol_version(d);
    CHECK(dt == 777 && dto == 55 && dv == TLS1_2_VERSION,
          "the copy has time %ld, timeout %ld, version 0x%x (expected 777, 55, 0x303)", dt, dto, dv);
    r = SSL_SESSION_is_resumable(d);
    CHECK_EQ(r, 1, "the copy of a resumable session is resumable");
    SSL_SESSION_set_timeout(d, 99);
    l = SSL_SESSION_get_timeout(s);
    CHECK_EQ(l, 55, "changing the copy's timeout leaves the original alone");
    SSL_SESSION_free(d);

    /* is_resumable after SSL_CTX_remove_session, and dup keeps the mark. */
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    CHECK(ctx != NULL, "SSL_CTX_new failed");
    r = SSL_CTX_add_session(ctx, s);
    CHECK_EQ(r, 1, "add of the session");
    r = SSL_SESSION_is_resumable(s);
    CHECK_EQ(r, 1, "a cached session is resumable");
    r = SSL_CTX_remove_session(ctx, s);
    CHECK_EQ(r, 1, "remove of the cached session");
    r = SSL_SESSION_is_resumable(s);
    CHECK_EQ(r, 0, "a removed session is not resumable");
    idp = SSL_SESSION_get_id(s, &len);
    CHECK(len == 32 && idp[0] == 0xA1, "a removed session keeps its id (length %u)", len);
    d = SSL_SESSION_dup(s);
    CHECK(d != NULL, "SSL_SESSION_dup of a removed session returned NULL");
    r = SSL_SESSION_is_resumable(d);
    CHECK_EQ(r, 0, "SSL_SESSION_dup keeps the not-resumable mark");
    did = SSL_SESSION_get_id(d, &dlen);
    CHECK(dlen == 32 && memcmp(did, id, 32) == 0, "the copy of a removed session has the same id");
    SSL_SESSION_free(d);
    r = SSL_SESSION_set1_id(s, id2, 32);
    int sr = SSL_SESSION_is_resumable(s);
    CHECK(r == 1 && sr == 0, "a new id does not clear the not-resumable mark: set1_id %d, resumable %d", r, sr);

    SSL_CTX_free(ctx);
    SSL_SESSION_free(s);
    /* SSL_version before a handshake is TLS 1.3 for the TLS_method family whatever the limits
     * (OpenSSL's tls1_clear), so a fresh SSL's lookup key never matches a TLS 1.2 session. */
    {
        SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
        SSL_SESSION *s12 = SSL_SESSION_new();
        unsigned char id12[32];
        memset(id12, 0x5a, sizeof id12);
        SSL_SESSION_set1_id(s12, id12, sizeof id12);
        SSL_SESSION_set_protocol_version(s12, TLS1_2_VERSION);
        CHECK_EQ(SSL_CTX_add_session(ctx, s12), 1, "a TLS 1.2 session added");
        SSL *ssl = SSL_new(ctx);
        CHECK_EQ(SSL_version(ssl), TLS1_3_VERSION, "SSL_version of a fresh SSL on a context limited to TLS 1.2");
        CHECK_EQ(SSL_has_matching_session_id(ssl, id12, sizeof id12), 0,
                 "a fresh SSL does not match a cached TLS 1.2 id");
        SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
        SSL_set_options(ssl, SSL_OP_NO_TLSv1_3);
        CHECK_EQ(SSL_version(ssl), TLS1_3_VERSION, "SSL_version after limiting the SSL to TLS 1.2");
        SSL_clear(ssl);
        CHECK_EQ(SSL_version(ssl), TLS1_3_VERSION, "SSL_version after SSL_clear");
        SSL_free(ssl);
        SSL_SESSION_free(s12);
        SSL_CTX_free(ctx);
    }
    return check_summary();
}
