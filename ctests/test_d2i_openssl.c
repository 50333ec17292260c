/* d2i_SSL_SESSION of sessions OpenSSL 3.0 wrote (ctests/openssl_sessions.h, made by
 * tools/openssl_sessions_gen.c in real handshakes): every optional field of SSL_SESSION_ASN1 a
 * handshake fills is read back as OpenSSL reads it ([3] peer, [4]-[10], [13]-[19]). For each
 * session: the getters show what OpenSSL's showed; i2d gives back the very bytes (so fields
 * without a getter, the peer certificate and the PSK identities, survive); so do SSL_SESSION_dup
 * and d2i into an existing session; and every truncation is refused. */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <openssl/err.h>
#include "check.h"
#include "session_describe.h"
#include "openssl_sessions.h"

/* The first line where two descriptions differ, for the failure message. */
static void first_difference(const char *got, const char *want, char *out, size_t cap)
{
    size_t at = 0, line = 0;
    while (got[at] && got[at] == want[at])
        if (got[at++] == '\n')
            line = at;
    got += line, want += line;
    snprintf(out, cap, "got \"%.*s\", expected \"%.*s\"", (int)strcspn(got, "\n"), got, (int)strcspn(want, "\n"),
             want);
}

/* The offset of the first differing byte, or -1 when equal. */
static long first_byte_difference(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    for (size_t i = 0; i < an && i < bn; i++)
        if (a[i] != b[i])
            return (long)i;
    return an == bn ? -1 : (long)(an < bn ? an : bn);
}

static void check_reencoding(const char *what, const char *name, SSL_SESSION *s, const unsigned char *want,
                             size_t want_len)
{
    unsigned char *der = NULL;
    int n = s ? i2d_SSL_SESSION(s, &der) : 0;
    long at = n > 0 ? first_byte_difference(der, (size_t)n, want, want_len) : 0;
    CHECK(n > 0 && at < 0, "%s: %s: i2d gives %d bytes differing from OpenSSL's %zu at offset %ld", name, what, n,
          want_len, at);
    OPENSSL_free(der);
}

static void check_description(const char *what, const char *name, SSL_SESSION *s, const char *want)
{
    static char got[16384];
    char diff[2048] = "";
    describe_session(s, got, sizeof got);
    if (strcmp(got, want) != 0)
        first_difference(got, want, diff, sizeof diff);
    CHECK(strcmp(got, want) == 0, "%s: %s: %s", name, what, diff);
}

static void check_session(const struct openssl_session *os)
{
    const unsigned char *p = os->der;
    SSL_SESSION *s = d2i_SSL_SESSION(NULL, &p, (long)os->len);
    CHECK(s != NULL && p == os->der + os->len, "%s: d2i read %ld of %zu bytes", os->name,
          s ? (long)(p - os->der) : -1L, os->len);
    if (s == NULL) {
        ERR_clear_error();
        return;
    }
    check_description("getters after d2i", os->name, s, os->text);
    check_reencoding("after d2i", os->name, s, os->der, os->len);

    SSL_SESSION *copy = SSL_SESSION_dup(s);
    check_description("getters of SSL_SESSION_dup", os->name, copy, os->text);
    check_reencoding("SSL_SESSION_dup", os->name, copy, os->der, os->len);
    SSL_SESSION_free(copy);

    /* d2i into an existing session (a fresh one that had other values) replaces every field. */
    SSL_SESSION *into = SSL_SESSION_new();
    SSL_SESSION_set1_hostname(into, "stale.example");
    SSL_SESSION_set1_alpn_selected(into, (const unsigned char *)"stale", 5);
    SSL_SESSION_set1_ticket_appdata(into, "stale", 5);
    SSL_SESSION *kept = into;
    p = os->der;
    SSL_SESSION *filled = d2i_SSL_SESSION(&into, &p, (long)os->len);
    CHECK(filled == kept && into == kept, "%s: d2i into an existing session returns that session", os->name);
    if (filled == kept) {
        check_description("getters after d2i into an existing session", os->name, kept, os->text);
        check_reencoding("after d2i into an existing session", os->name, kept, os->der, os->len);
    }
    SSL_SESSION_free(kept);

    int accepted = 0;
    for (size_t n = 1; n < os->len; n++) {
        p = os->der;
        SSL_SESSION *t = d2i_SSL_SESSION(NULL, &p, (long)n);
        if (t != NULL || p != os->der)
            accepted++;
        SSL_SESSION_free(t);
    }
    ERR_clear_error();
    CHECK(accepted == 0, "%s: %d truncations of the DER were accepted or moved the pointer", os->name, accepted);
    SSL_SESSION_free(s);
}

int main(void)
{
    for (size_t i = 0; i < OPENSSL_SESSIONS; i++)
        check_session(&openssl_sessions[i]);
    return check_summary();
}
