/* i2d_SSL_SESSION / d2i_SSL_SESSION (SEMANTICS.md §7): decoding known DER, exact re-encoding,
 * d2i's handling of `a`, `*pp`, truncated and malformed input, the defaults for a missing
 * time or timeout, and what a decoded session can do in a cache. */
#include <openssl/ssl.h>
#include "check.h"
#include <time.h>

/*
 * Reference encodings (SSL_SESSION_ASN1). DER_TLS12 and DER_TLS13 were built by hand and
 * checked with `openssl asn1parse -inform DER`; OpenSSL 3.0.19's d2i_SSL_SESSION + i2d_SSL_SESSION
 * gives them back byte for byte. DER_TLS12_OSSL is what OpenSSL 3.0.19's i2d_SSL_SESSION wrote
 * for an SSL_SESSION_new() given the same fields as DER_TLS12 (it adds [5] verify_result 1 and
 * [17] max_fragment_len_mode 0xFF, the SSL_SESSION_new defaults).
 *
 * DER_TLS12: SEQUENCE { INTEGER 1, INTEGER 0x0303, OCTET STRING C02F,
 *   OCTET STRING 01 02 .. 20 (id, 32 bytes), OCTET STRING A0 A1 .. CF (master key, 48 bytes),
 *   [1] { INTEGER 1700000000 }, [2] { INTEGER 7200 }, [4] { OCTET STRING "sesscache-test" },
 *   [19] { INTEGER 0 } }
 */
static const unsigned char DER_TLS12[] = {
    0x30, 0x81, 0x84, 0x02, 0x01, 0x01, 0x02, 0x02, 0x03, 0x03, 0x04, 0x02, 0xc0, 0x2f, 0x04, 0x20,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
    0x04, 0x30, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad,
    0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd,
    0xbe, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd,
    0xce, 0xcf, 0xa1, 0x06, 0x02, 0x04, 0x65, 0x53, 0xf1, 0x00, 0xa2, 0x04, 0x02, 0x02, 0x1c, 0x20,
    0xa4, 0x10, 0x04, 0x0e, 0x73, 0x65, 0x73, 0x73, 0x63, 0x61, 0x63, 0x68, 0x65, 0x2d, 0x74, 0x65,
    0x73, 0x74, 0xb3, 0x03, 0x02, 0x01, 0x00,
};

/* DER_TLS12 plus [5] { INTEGER 1 } and [17] { INTEGER 0xFF } (written by OpenSSL). */
static const unsigned char DER_TLS12_OSSL[] = {
    0x30, 0x81, 0x8f, 0x02, 0x01, 0x01, 0x02, 0x02, 0x03, 0x03, 0x04, 0x02, 0xc0, 0x2f, 0x04, 0x20,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
    0x04, 0x30, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad,
    0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd,
    0xbe, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd,
    0xce, 0xcf, 0xa1, 0x06, 0x02, 0x04, 0x65, 0x53, 0xf1, 0x00, 0xa2, 0x04, 0x02, 0x02, 0x1c, 0x20,
    0xa4, 0x10, 0x04, 0x0e, 0x73, 0x65, 0x73, 0x73, 0x63, 0x61, 0x63, 0x68, 0x65, 0x2d, 0x74, 0x65,
    0x73, 0x74, 0xa5, 0x03, 0x02, 0x01, 0x01, 0xb1, 0x04, 0x02, 0x02, 0x00, 0xff, 0xb3, 0x03, 0x02,
    0x01, 0x00,
};

/* DER_TLS13: SEQUENCE { INTEGER 1, INTEGER 0x0304, OCTET STRING 1301 (TLS_AES_128_GCM_SHA256),
 *   OCTET STRING 41 42 .. 60 (id, 32 bytes), OCTET STRING 60 61 .. 8F (48 bytes),
 *   [1] { INTEGER 1700000100 }, [2] { INTEGER 86400 }, [4] { OCTET STRING "tls13-ctx" },
 *   [19] { INTEGER 0 } } */
static const unsigned char DER_TLS13[] = {
    0x30, 0x81, 0x80, 0x02, 0x01, 0x01, 0x02, 0x02, 0x03, 0x04, 0x04, 0x02, 0x13, 0x01, 0x04, 0x20,
    0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50,
    0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60,
    0x04, 0x30, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
    0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d,
    0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d,
    0x8e, 0x8f, 0xa1, 0x06, 0x02, 0x04, 0x65, 0x53, 0xf1, 0x64, 0xa2, 0x05, 0x02, 0x03, 0x01, 0x51,
    0x80, 0xa4, 0x0b, 0x04, 0x09, 0x74, 0x6c, 0x73, 0x31, 0x33, 0x2d, 0x63, 0x74, 0x78, 0xb3, 0x03,
    0x02, 0x01, 0x00,
};

/* ---- A small DER writer for the malformed and field-missing variants of DER_TLS12. ---- */

struct der_opts {
    unsigned char outer_tag; /* 0x30 */
    long asn1_version;       /* 1 */
    long ssl_version;        /* 0x0303 */
    const unsigned char *cipher;
    size_t cipher_len;       /* 2 */
    size_t id_len;           /* 32; bytes 01 02 03 ... */
    int has_time;
    long time;
    int has_timeout;
    long timeout;
};

static const unsigned char CIPHER_C02F[] = {0xc0, 0x2f};

static struct der_opts default_opts(void)
{
    struct der_opts o = {0x30, 1, TLS1_2_VERSION, CIPHER_C02F, 2, 32, 1, 1700000000L, 1, 7200};
    return o;
}

static size_t put_tlv(unsigned char *out, unsigned char tag, const unsigned char *body, size_t len)
{
    size_t n = 0;
    out[n++] = tag;
    if (len >= 128)
        out[n++] = 0x81; /* every body here is < 256 bytes */
    out[n++] = (unsigned char)len;
    memcpy(out + n, body, len);
    return n + len;
}

/* A non-negative INTEGER, minimal two's complement. */
static size_t put_int(unsigned char *out, long v)
{
    unsigned char be[9];
    size_t n = 0;
    do {
        be[8 - n++] = (unsigned char)(v & 0xff);
        v >>= 8;
    } while (v != 0);
    if (be[9 - n] & 0x80)
        be[8 - n++] = 0;
    return put_tlv(out, 0x02, be + 9 - n, n);
}

static size_t put_explicit_int(unsigned char *out, unsigned char tagno, long v)
{
    unsigned char inner[16];
    size_t n = put_int(inner, v);
    return put_tlv(out, (unsigned char)(0xa0 | tagno), inner, n);
}

static size_t build_der(unsigned char *out, const struct der_opts *o)
{
    static const char sid_ctx[] = "sesscache-test";
    unsigned char body[300], tmp[64], id[64], mk[48];
    size_t n = 0, t;
    for (size_t i = 0; i < sizeof id; i++)
        id[i] = (unsigned char)(i + 1);
    for (size_t i = 0; i < sizeof mk; i++)
        mk[i] = (unsigned char)(0xa0 + i);
    n += put_int(body + n, o->asn1_version);
    n += put_int(body + n, o->ssl_version);
    n += put_tlv(body + n, 0x04, o->cipher, o->cipher_len);
    n += put_tlv(body + n, 0x04, id, o->id_len);
    n += put_tlv(body + n, 0x04, mk, sizeof mk);
    if (o->has_time)
        n += put_explicit_int(body + n, 1, o->time);
    if (o->has_timeout)
        n += put_explicit_int(body + n, 2, o->timeout);
    t = put_tlv(tmp, 0x04, (const unsigned char *)sid_ctx, strlen(sid_ctx));
    n += put_tlv(body + n, 0xa4, tmp, t);
    n += put_explicit_int(body + n, 19, 0);
    return put_tlv(out, o->outer_tag, body, n);
}

/* d2i of a whole buffer; reports whether *pp moved. */
static SSL_SESSION *decode(const unsigned char *der, size_t len, long *advanced)
{
    const unsigned char *p = der;
    SSL_SESSION *s = d2i_SSL_SESSION(NULL, &p, (long)len);
    *advanced = (long)(p - der);
    return s;
}

/* Decodes, re-encodes and compares; returns the decoded session (or NULL). */
static SSL_SESSION *round_trip(const char *name, const unsigned char *der, size_t len)
{
    long advanced;
    SSL_SESSION *s = decode(der, len, &advanced);
    CHECK(s != NULL && advanced == (long)len, "%s: d2i must parse it (got %p) and advance *pp by %zu (got %ld)",
          name, (void *)s, len, advanced);
    if (s == NULL)
        return NULL;
    int need = i2d_SSL_SESSION(s, NULL);
    unsigned char out[512];
    memset(out, 0xEE, sizeof out);
    unsigned char *q = out;
    int wrote = (need > 0 && (size_t)need <= sizeof out) ? i2d_SSL_SESSION(s, &q) : -1;
    int same = wrote == (int)len && memcmp(out, der, len) == 0;
    CHECK(need == (int)len && wrote == (int)len && q == out + len && same,
          "%s: i2d(s, NULL) must give %zu (got %d); i2d(s, &p) must write the same %zu bytes (wrote %d, "
          "identical %d) and advance p by them (advanced %ld)",
          name, len, need, len, wrote, same, (long)(q - out));
    return s;
}

int main(void)
{
    /* A bare session has no cipher: OpenSSL cannot encode it. */
    SSL_SESSION *bare = SSL_SESSION_new();
    int bare_len = i2d_SSL_SESSION(bare, NULL);
    CHECK_EQ(bare_len, 0, "i2d of a bare SSL_SESSION_new() (no cipher)");

    /* The builder reproduces the reference constant, so its variants differ only as intended. */
    unsigned char built[300];
    struct der_opts o = default_opts();
    size_t built_len = build_der(built, &o);
    CHECK(built_len == sizeof DER_TLS12 && memcmp(built, DER_TLS12, built_len) == 0,
          "test self-check: the DER builder must reproduce DER_TLS12 (%zu bytes, got %zu)", sizeof DER_TLS12,
          built_len);

    /* Decoded fields. */
    SSL_SESSION *s12 = round_trip("DER_TLS12", DER_TLS12, sizeof DER_TLS12);
    if (s12 == NULL) {
        printf("FAIL cannot continue without a decoded session\n");
        return check_summary() | 1;
    }
    unsigned int id_len = 0, ctx_len = 0;
    const unsigned char *id = SSL_SESSION_get_id(s12, &id_len);
    const unsigned char *sctx = SSL_SESSION_get0_id_context(s12, &ctx_len);
    CHECK(id_len == 32 && memcmp(id, DER_TLS12 + 16, 32) == 0, "decoded id must be the encoded 32 bytes (len %u)",
          id_len);
    CHECK(ctx_len == 14 && memcmp(sctx, "sesscache-test", 14) == 0,
          "decoded id context must be \"sesscache-test\" (len %u)", ctx_len);
    long t = SSL_SESSION_get_time(s12), to = SSL_SESSION_get_timeout(s12);
    int ver = SSL_SESSION_get_protocol_version(s12);
    CHECK(t == 1700000000L && to == 7200 && ver == TLS1_2_VERSION,
          "decoded time/timeout/version must be 1700000000/7200/0x0303, got %ld/%ld/0x%04x", t, to, ver);
    int resumable = SSL_SESSION_is_resumable(s12);
    CHECK_EQ(resumable, 1, "a decoded session with an id is resumable");

    SSL_SESSION *s12o = round_trip("DER_TLS12_OSSL", DER_TLS12_OSSL, sizeof DER_TLS12_OSSL);
    SSL_SESSION *s13 = round_trip("DER_TLS13", DER_TLS13, sizeof DER_TLS13);
    if (s12o == NULL || s13 == NULL) {
        printf("FAIL cannot continue without the decoded sessions\n");
        return check_summary() | 1;
    }
    int ver13 = SSL_SESSION_get_protocol_version(s13);
    long to13 = SSL_SESSION_get_timeout(s13);
    CHECK(ver13 == TLS1_3_VERSION && to13 == 86400, "DER_TLS13: version 0x%04x (expected 0x0304), timeout %ld",
          ver13, to13);

    /* i2d with *pp == NULL allocates the buffer. */
    unsigned char *alloc = NULL;
    int alloc_len = i2d_SSL_SESSION(s12, &alloc);
    CHECK(alloc != NULL && alloc_len == (int)sizeof DER_TLS12 && memcmp(alloc, DER_TLS12, sizeof DER_TLS12) == 0,
          "i2d(s, &NULL) must allocate and fill a buffer with the encoding (len %d, buffer %p)", alloc_len,
          (void *)alloc);
    OPENSSL_free(alloc);

    /* d2i with a != NULL. */
    SSL_SESSION *into = NULL;
    const unsigned char *p = DER_TLS13;
    SSL_SESSION *ret = d2i_SSL_SESSION(&into, &p, (long)sizeof DER_TLS13);
    CHECK(ret != NULL && into == ret, "d2i(&a with *a NULL) must store the result in *a: ret %p, *a %p",
          (void *)ret, (void *)into);
    SSL_SESSION_free(ret);
    SSL_SESSION *existing = SSL_SESSION_new();
    into = existing;
    p = DER_TLS12;
    ret = d2i_SSL_SESSION(&into, &p, (long)sizeof DER_TLS12);
    unsigned int fill_len = 0;
    const unsigned char *fill_id = SSL_SESSION_get_id(existing, &fill_len);
    CHECK(ret == existing && into == existing && fill_len == 32 && memcmp(fill_id, DER_TLS12 + 16, 32) == 0,
          "d2i(&a with *a set) must fill *a in place and return it: ret %p, *a %p, original %p, id len %u",
          (void *)ret, (void *)into, (void *)existing, fill_len);
    SSL_SESSION_free(existing);

    /* d2i reads one element: trailing bytes are left for the caller. */
    unsigned char trailing[sizeof DER_TLS12 + 4];
    memcpy(trailing, DER_TLS12, sizeof DER_TLS12);
    memcpy(trailing + sizeof DER_TLS12, "\x30\x00\xAB\xCD", 4);
    long advanced;
    ret = decode(trailing, sizeof trailing, &advanced);
    CHECK(ret != NULL && advanced == (long)sizeof DER_TLS12,
          "d2i with 4 trailing bytes must succeed (got %p) and stop after the element (advanced %ld of %zu)",
          (void *)ret, advanced, sizeof DER_TLS12);
    SSL_SESSION_free(ret);

    /* Every truncation fails and leaves *pp and *a alone. */
    int bad_cut = -1;
    for (size_t cut = 0; cut < sizeof DER_TLS12 && bad_cut < 0; cut++) {
        SSL_SESSION *a = NULL;
        p = DER_TLS12;
        ret = d2i_SSL_SESSION(&a, &p, (long)cut);
        if (ret != NULL || a != NULL || p != DER_TLS12) {
            bad_cut = (int)cut;
            SSL_SESSION_free(ret);
        }
    }
    CHECK(bad_cut < 0, "d2i of DER_TLS12 cut to %d bytes must return NULL with *pp and *a unchanged", bad_cut);

    /* Malformed input. */
    struct {
        const char *what;
        struct der_opts o;
    } bad[6];
    static const unsigned char cipher3[] = {0xc0, 0x2f, 0x00}, cipher_unknown[] = {0xff, 0xfe};
    for (int i = 0; i < 6; i++)
        bad[i].o = default_opts();
    bad[0].what = "outer tag SET (0x31) instead of SEQUENCE";
    bad[0].o.outer_tag = 0x31;
    bad[1].what = "SSL_SESSION_ASN1 version 2";
    bad[1].o.asn1_version = 2;
    bad[2].what = "a 33-byte session id";
    bad[2].o.id_len = 33;
    bad[3].what = "a 3-byte cipher";
    bad[3].o.cipher = cipher3;
    bad[3].o.cipher_len = 3;
    bad[4].what = "an unknown cipher FFFE";
    bad[4].o.cipher = cipher_unknown;
    bad[5].what = "protocol version 0x0505 (not SSL/TLS/DTLS)";
    bad[5].o.ssl_version = 0x0505;
    for (int i = 0; i < 6; i++) {
        unsigned char der[300];
        size_t len = build_der(der, &bad[i].o);
        ret = decode(der, len, &advanced);
        CHECK(ret == NULL && advanced == 0, "d2i of %s must return NULL (got %p) and leave *pp (moved %ld)",
              bad[i].what, (void *)ret, advanced);
        SSL_SESSION_free(ret);
    }

    /* Missing or zero time: now. Missing or zero timeout: 3 seconds. */
    struct {
        const char *what;
        int has_time;
        long time;
        int has_timeout;
        long timeout;
        int expect_now;
        long expect_timeout;
    } defaults[] = {
        {"missing time", 0, 0, 1, 7200, 1, 7200},
        {"zero time", 1, 0, 1, 7200, 1, 7200},
        {"missing timeout", 1, 1700000000L, 0, 0, 0, 3},
        {"zero timeout", 1, 1700000000L, 1, 0, 0, 3},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        unsigned char der[300];
        o = default_opts();
        o.has_time = defaults[i].has_time;
        o.time = defaults[i].time;
        o.has_timeout = defaults[i].has_timeout;
        o.timeout = defaults[i].timeout;
        size_t len = build_der(der, &o);
        long before = (long)time(NULL);
        ret = decode(der, len, &advanced);
        long after = (long)time(NULL);
        long got_time = SSL_SESSION_get_time(ret), got_timeout = SSL_SESSION_get_timeout(ret);
        int time_ok = defaults[i].expect_now ? (got_time >= before - 2 && got_time <= after + 2)
                                             : got_time == 1700000000L;
        CHECK(ret != NULL && time_ok && got_timeout == defaults[i].expect_timeout,
              "d2i with %s: time %ld (expected %s), timeout %ld (expected %ld)", defaults[i].what, got_time,
              defaults[i].expect_now ? "now" : "1700000000", got_timeout, defaults[i].expect_timeout);
        SSL_SESSION_free(ret);
    }

    /* not_resumable is not serialized: a removed session encodes as before and decodes resumable. */
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    int added = SSL_CTX_add_session(ctx, s12);
    int removed = SSL_CTX_remove_session(ctx, s12);
    int after_remove = SSL_SESSION_is_resumable(s12);
    CHECK(added == 1 && removed == 1 && after_remove == 0,
          "add/remove of the decoded session: add %d, remove %d, resumable after remove %d (expected 1, 1, 0)",
          added, removed, after_remove);
    unsigned char enc[512], *q = enc;
    int enc_len = i2d_SSL_SESSION(s12, &q);
    CHECK(enc_len == (int)sizeof DER_TLS12 && memcmp(enc, DER_TLS12, sizeof DER_TLS12) == 0,
          "a removed (not resumable) session must encode exactly as before (len %d)", enc_len);
    const unsigned char *cp = enc;
    SSL_SESSION *revived = enc_len > 0 ? d2i_SSL_SESSION(NULL, &cp, enc_len) : NULL;
    int revived_resumable = revived != NULL ? SSL_SESSION_is_resumable(revived) : -1;
    CHECK(revived != NULL && revived_resumable == 1,
          "decoding the removed session's DER must give a resumable session (got %p, resumable %d)",
          (void *)revived, revived_resumable);

    /* A decoded session works in the cache. A fresh SSL reports TLS 1.3, so it matches the
     * TLS 1.3 session and not the TLS 1.2 one. */
    SSL *ssl = SSL_new(ctx);
    int before_add = SSL_has_matching_session_id(ssl, DER_TLS13 + 16, 32);
    int add13 = SSL_CTX_add_session(ctx, s13);
    int add12 = SSL_CTX_add_session(ctx, revived);
    int match13 = SSL_has_matching_session_id(ssl, DER_TLS13 + 16, 32);
    int match12 = SSL_has_matching_session_id(ssl, DER_TLS12 + 16, 32);
    long number = SSL_CTX_sess_number(ctx);
    CHECK(before_add == 0 && add13 == 1 && match13 == 1,
          "TLS 1.3 decoded session: match before add %d, add %d, match after add %d (expected 0, 1, 1)",
          before_add, add13, match13);
    CHECK(add12 == 1 && match12 == 0 && number == 2,
          "TLS 1.2 decoded session: add %d, match from a TLS 1.3 SSL %d, cache size %ld (expected 1, 0, 2)",
          add12, match12, number);

    SSL_free(ssl);
    SSL_CTX_free(ctx);
    SSL_SESSION_free(revived);
    SSL_SESSION_free(s13);
    SSL_SESSION_free(s12o);
    SSL_SESSION_free(s12);
    SSL_SESSION_free(bare);
    return check_summary();
}
