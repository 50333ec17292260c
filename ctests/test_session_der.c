/* The DER (i2d_SSL_SESSION) of a server session from a real handshake has OpenSSL 3.0's fields:
 * the same top-level fields in the same order, and the same values where they are
 * deterministic. Fields that differ per handshake (id, master key, time, ticket_age_add) are
 * compared by presence and length only. Among them: no [17] max_fragment_len_mode (a
 * handshake's session has it "disabled", which OpenSSL does not write; a bare
 * SSL_SESSION_new says "unspecified") and [19] kex_group, the group of the key exchange
 * (X25519, 29, with both libraries' default client). TLS 1.2 (session id) and TLS 1.3 (stateful
 * ticket), full handshakes. */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <openssl/err.h>
#include "check.h"
#include "tls_pair.h"

/* One top-level field of the SSL_SESSION_ASN1 sequence. */
struct field {
    int tag;                    /* the identifier octet */
    size_t len;                 /* content length */
    const unsigned char *value; /* content */
};

static size_t der_len(const unsigned char *p, size_t avail, size_t *hdr)
{
    if (avail < 2)
        return (size_t)-1;
    if (p[1] < 0x80) {
        *hdr = 2;
        return p[1];
    }
    size_t n = p[1] & 0x7f, len = 0;
    if (n == 0 || n > 2 || avail < 2 + n)
        return (size_t)-1;
    for (size_t i = 0; i < n; i++)
        len = len << 8 | p[2 + i];
    *hdr = 2 + n;
    return len;
}

/* The top-level fields of `der`; their count, or -1 when it does not parse. */
static int fields_of(const unsigned char *der, size_t n, struct field *out, int max)
{
    size_t hdr, len = der_len(der, n, &hdr);
    if (der[0] != 0x30 || len == (size_t)-1 || hdr + len != n)
        return -1;
    int count = 0;
    for (size_t at = hdr; at < n && count < max; count++) {
        size_t h, l = der_len(der + at, n - at, &h);
        if (l == (size_t)-1 || at + h + l > n)
            return -1;
        out[count] = (struct field){ der[at], l, der + at + h };
        at += h + l;
    }
    return count;
}

/* The INTEGER inside an explicitly tagged field, or -1. */
static long explicit_int(const struct field *f)
{
    if (f->len < 3 || f->value[0] != 0x02 || f->value[1] != f->len - 2)
        return -1;
    long v = 0;
    for (size_t i = 2; i < f->len; i++)
        v = v << 8 | f->value[i];
    return v;
}

static const struct field *find(const struct field *fs, int n, int tag)
{
    for (int i = 0; i < n; i++)
        if (fs[i].tag == tag)
            return &fs[i];
    return NULL;
}

static void check_server_session(int version)
{
    const char *label = version == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2";
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_min_proto_version(sctx, version);
    SSL_CTX_set_max_proto_version(sctx, version);
    struct pair p = pair_new(sctx, cctx, NULL);
    int ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "%s: handshake and one byte each way", label);
    SSL_SESSION *s = SSL_get_session(p.server);
    unsigned char *der = NULL;
    int n = s != NULL ? i2d_SSL_SESSION(s, &der) : 0;
    CHECK(n > 0, "%s: i2d_SSL_SESSION of the server session: %d", label, n);
    struct field fs[32];
    int count = n > 0 ? fields_of(der, (size_t)n, fs, 32) : -1;
    CHECK(count > 0, "%s: the DER parses as a sequence of fields", label);

    /* OpenSSL 3.0's top-level fields for this handshake, in order: version, ssl_version,
     * cipher, session_id, master_key, [1] time, [2] timeout, [4] sid_ctx, then [13] flags
     * (TLS 1.2) or [14] ticket_age_add (TLS 1.3), and [19] kex_group. */
    int want12[] = { 0x02, 0x02, 0x04, 0x04, 0x04, 0xa1, 0xa2, 0xa4, 0xad, 0xb3 };
    int want13[] = { 0x02, 0x02, 0x04, 0x04, 0x04, 0xa1, 0xa2, 0xa4, 0xae, 0xb3 };
    int *want = version == TLS1_3_VERSION ? want13 : want12;
    int nwant = version == TLS1_3_VERSION ? (int)(sizeof want13 / sizeof *want13) : (int)(sizeof want12 / sizeof *want12);
    char got_s[160] = "", want_s[160] = "";
    for (int i = 0; i < count && i < 32; i++)
        snprintf(got_s + strlen(got_s), sizeof got_s - strlen(got_s), " %02x", fs[i].tag);
    for (int i = 0; i < nwant; i++)
        snprintf(want_s + strlen(want_s), sizeof want_s - strlen(want_s), " %02x", want[i]);
    CHECK(strcmp(got_s, want_s) == 0, "%s: top-level tags:%s, expected%s", label, got_s, want_s);

    const struct field *mfl = count > 0 ? find(fs, count, 0xb1) : NULL;
    CHECK(mfl == NULL, "%s: [17] max_fragment_len_mode written (%ld); OpenSSL omits it after a handshake", label,
          mfl ? explicit_int(mfl) : 0);
    const struct field *kex = count > 0 ? find(fs, count, 0xb3) : NULL;
    CHECK(kex != NULL && explicit_int(kex) == 29, "%s: [19] kex_group is %ld, expected 29 (X25519)", label,
          kex ? explicit_int(kex) : -1);
    if (count >= 5) {
        CHECK_EQ(fs[3].len, 32, "the session id's length");
        CHECK_EQ(fs[4].len, 48, "the master key's length");
    }
    const struct field *timeout = count > 0 ? find(fs, count, 0xa2) : NULL;
    CHECK(timeout != NULL && explicit_int(timeout) == 7200, "%s: [2] timeout is %ld, expected 7200", label,
          timeout ? explicit_int(timeout) : -1);
    OPENSSL_free(der);
    pair_close(&p, 1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/* A TLS 1.2 client session keeps the server's certificate ([3] peer) and the result of verifying
 * it ([5] verify_result: the test CA is not a trust anchor of the client, and it is self-signed
 * in the chain the server sends: X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 19). */
static void check_client_session(void)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    struct pair p = pair_new(sctx, cctx, NULL);
    int ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "client: handshake");
    SSL_SESSION *s = SSL_get_session(p.client);
    unsigned char *der = NULL;
    int n = s != NULL ? i2d_SSL_SESSION(s, &der) : 0;
    struct field fs[32];
    int count = n > 0 ? fields_of(der, (size_t)n, fs, 32) : -1;
    char got_s[160] = "";
    for (int i = 0; i < count && i < 32; i++)
        snprintf(got_s + strlen(got_s), sizeof got_s - strlen(got_s), " %02x", fs[i].tag);
    /* version, ssl_version, cipher, id, master key, [1] time, [2] timeout, [3] peer, [4] sid_ctx,
     * [5] verify_result, [13] flags, [19] kex_group. */
    CHECK(strcmp(got_s, " 02 02 04 04 04 a1 a2 a3 a4 a5 ad b3") == 0, "client TLS 1.2: top-level tags:%s", got_s);
    const struct field *vr = count > 0 ? find(fs, count, 0xa5) : NULL;
    CHECK(vr != NULL && explicit_int(vr) == 19, "client TLS 1.2: [5] verify_result is %ld, expected 19",
          vr ? explicit_int(vr) : -1);
    OPENSSL_free(der);
    pair_close(&p, 1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

static const unsigned char alpn_offer[] = "\x02h2\x08http/1.1";

static int pick_h2(SSL *s, const unsigned char **out, unsigned char *outlen, const unsigned char *in, unsigned int inlen,
                   void *arg)
{
    (void)s, (void)arg;
    return SSL_select_next_proto((unsigned char **)out, outlen, alpn_offer, sizeof alpn_offer - 1, in, inlen)
                   == OPENSSL_NPN_NEGOTIATED
               ? SSL_TLSEXT_ERR_OK
               : SSL_TLSEXT_ERR_NOACK;
}

static int accept_name(SSL *s, int *al, void *arg)
{
    (void)s, (void)al, (void)arg;
    return SSL_TLSEXT_ERR_OK;
}

/* The top-level tags of `s`'s DER as " 02 02 04 ..." into `out`; the field count. */
static int tags_of(SSL_SESSION *s, struct field *fs, char *out, size_t cap, unsigned char **der)
{
    int n = s != NULL ? i2d_SSL_SESSION(s, der) : 0;
    int count = n > 0 ? fields_of(*der, (size_t)n, fs, 32) : -1;
    out[0] = '\0';
    for (int i = 0; i < count; i++)
        snprintf(out + strlen(out), cap - strlen(out), " %02x", fs[i].tag);
    return count;
}

/* The OCTET STRING inside an explicitly tagged field equals `want`. */
static int explicit_octets_are(const struct field *f, const char *want)
{
    size_t n = strlen(want);
    return f != NULL && f->len == n + 2 && f->value[0] == 0x04 && f->value[1] == n && memcmp(f->value + 2, want, n) == 0;
}

/* Sessions of a handshake with SNI and ALPN, tickets on or off, both roles: the fields OpenSSL
 * 3.0 writes for the same handshake (ctests/openssl_sessions.h has its own sessions of these
 * shapes), the host name and the protocol in them, and the id a TLS 1.2 server session keeps
 * (none once a ticket was issued). */
static void check_sni_alpn_sessions(int version, int tickets)
{
    char label[64];
    snprintf(label, sizeof label, "%s, SNI and ALPN, tickets %s", version == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2",
             tickets ? "on" : "off");
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    if (!tickets)
        SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_min_proto_version(sctx, version);
    SSL_CTX_set_max_proto_version(sctx, version);
    SSL_CTX_set_alpn_select_cb(sctx, pick_h2, NULL);
    SSL_CTX_set_tlsext_servername_callback(sctx, accept_name);
    SSL_CTX_set_alpn_protos(cctx, alpn_offer, sizeof alpn_offer - 1);
    struct pair p = pair_new(sctx, cctx, NULL);
    SSL_set_tlsext_host_name(p.client, "www.example.test");
    CHECK(pair_handshake(&p) && pair_exchange(&p), "%s: handshake", label);

    const char *server_want, *client_want;
    if (version == TLS1_2_VERSION) {
        /* ... [4] sid_ctx, [6] hostname, [13] flags, [16] alpn, [19] kex_group; the client also
         * has [3] peer, [5] verify_result and, with a ticket, [9] lifetime hint and [10] ticket. */
        server_want = " 02 02 04 04 04 a1 a2 a4 a6 ad b0 b3";
        client_want = tickets ? " 02 02 04 04 04 a1 a2 a3 a4 a5 a6 a9 aa ad b0 b3" : " 02 02 04 04 04 a1 a2 a3 a4 a5 a6 ad b0 b3";
    } else {
        /* [14] ticket_age_add instead of [13] flags; the client's ticket is stateful (32 bytes)
         * with tickets off. */
        server_want = " 02 02 04 04 04 a1 a2 a4 a6 ae b0 b3";
        client_want = " 02 02 04 04 04 a1 a2 a3 a4 a5 a6 a9 aa ae b0 b3";
    }
    struct field fs[32];
    char got[160];
    unsigned char *der = NULL;
    SSL_SESSION *server = SSL_get_session(p.server), *client = SSL_get_session(p.client);
    int count = tags_of(server, fs, got, sizeof got, &der);
    CHECK(strcmp(got, server_want) == 0, "%s: server session's top-level tags:%s, expected%s", label, got, server_want);
    if (count > 5) {
        CHECK(explicit_octets_are(find(fs, count, 0xa6), "www.example.test"), "%s: server [6] hostname", label);
        CHECK(explicit_octets_are(find(fs, count, 0xb0), "h2"), "%s: server [16] alpn_selected", label);
        const struct field *flags = find(fs, count, 0xad);
        CHECK(version == TLS1_3_VERSION || (flags != NULL && explicit_int(flags) == 1),
              "%s: server [13] flags %ld, expected 1 (extended master secret)", label, flags ? explicit_int(flags) : -1);
        size_t want_id = version == TLS1_2_VERSION && tickets ? 0 : 32;
        CHECK(fs[3].len == want_id, "%s: server session id of %zu bytes, expected %zu", label, fs[3].len, want_id);
    }
    OPENSSL_free(der);
    der = NULL;
    count = tags_of(client, fs, got, sizeof got, &der);
    CHECK(strcmp(got, client_want) == 0, "%s: client session's top-level tags:%s, expected%s", label, got, client_want);
    if (count > 5) {
        CHECK(explicit_octets_are(find(fs, count, 0xa6), "www.example.test"), "%s: client [6] hostname", label);
        CHECK(explicit_octets_are(find(fs, count, 0xb0), "h2"), "%s: client [16] alpn_selected", label);
        const struct field *flags = find(fs, count, 0xad);
        CHECK(version == TLS1_3_VERSION || (flags != NULL && explicit_int(flags) == 1),
              "%s: client [13] flags %ld, expected 1 (extended master secret)", label, flags ? explicit_int(flags) : -1);
        const struct field *hint = find(fs, count, 0xa9), *tick = find(fs, count, 0xaa);
        /* A stateful TLS 1.3 ticket's hint is rustls's fixed 86400 s on sesscache (README,
         * "Differences"; pinned in test_differences.c), so it is compared for the others. */
        if (tick != NULL && (version == TLS1_2_VERSION || tickets)) {
            CHECK(hint != NULL && explicit_int(hint) == 7200, "%s: client [9] ticket lifetime hint %ld, expected 7200",
                  label, hint ? explicit_int(hint) : -1);
        }
        if (tick != NULL) {
            size_t inner = tick->len > 2 ? tick->value[1] : 0;
            CHECK(version == TLS1_2_VERSION || tickets || inner == 32, "%s: a stateful ticket is 32 bytes, got %zu",
                  label, inner);
        }
    }
    OPENSSL_free(der);
    pair_close(&p, 1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

int main(void)
{
    check_server_session(TLS1_2_VERSION);
    check_server_session(TLS1_3_VERSION);
    check_client_session();
    for (int tickets = 0; tickets <= 1; tickets++) {
        check_sni_alpn_sessions(TLS1_2_VERSION, tickets);
        check_sni_alpn_sessions(TLS1_3_VERSION, tickets);
    }
    return check_summary();
}
