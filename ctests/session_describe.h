/* One line per field that a session's getters show, the same on every library: the generator
 * of ctests/openssl_sessions.h records it on OpenSSL, and test_d2i_openssl.c compares it with
 * what the library under test reads back from the same DER. Only functions both libraries
 * have are used (the peer certificate is checked byte for byte by re-encoding). */
#ifndef SESSCACHE_SESSION_DESCRIBE_H
#define SESSCACHE_SESSION_DESCRIBE_H

#include <stdio.h>
#include <string.h>

static void describe_hex(char *out, size_t cap, const char *name, const unsigned char *p, size_t n)
{
    size_t at = strlen(out);
    at += (size_t)snprintf(out + at, cap - at, "%s(%zu)=", name, n);
    for (size_t i = 0; i < n && at + 3 < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%02x", p[i]);
    if (at + 2 < cap)
        snprintf(out + at, cap - at, "\n");
}

/* Writes the description of `s` into `out` (cap bytes). */
static void describe_session(SSL_SESSION *s, char *out, size_t cap)
{
    out[0] = '\0';
    const SSL_CIPHER *c = SSL_SESSION_get0_cipher(s);
    unsigned int n;
    const unsigned char *p;
    size_t len;
    unsigned char mk[512];
    snprintf(out + strlen(out), cap - strlen(out), "version=%04x cipher=%04lx resumable=%d\n",
             (unsigned)SSL_SESSION_get_protocol_version(s), c ? SSL_CIPHER_get_id(c) & 0xffff : 0UL,
             SSL_SESSION_is_resumable(s));
    p = SSL_SESSION_get_id(s, &n);
    describe_hex(out, cap, "id", p, n);
    p = SSL_SESSION_get0_id_context(s, &n);
    describe_hex(out, cap, "sid_ctx", p, n);
    len = SSL_SESSION_get_master_key(s, mk, sizeof mk);
    describe_hex(out, cap, "master_key", mk, len);
    snprintf(out + strlen(out), cap - strlen(out), "time=%ld timeout=%ld\n", SSL_SESSION_get_time(s),
             SSL_SESSION_get_timeout(s));
    const char *host = SSL_SESSION_get0_hostname(s);
    snprintf(out + strlen(out), cap - strlen(out), "hostname=%s\n", host ? host : "(none)");
    SSL_SESSION_get0_alpn_selected(s, &p, &len);
    describe_hex(out, cap, "alpn", p, len);
    SSL_SESSION_get0_ticket(s, &p, &len);
    snprintf(out + strlen(out), cap - strlen(out), "has_ticket=%d lifetime_hint=%lu ", SSL_SESSION_has_ticket(s),
             SSL_SESSION_get_ticket_lifetime_hint(s));
    describe_hex(out, cap, "ticket", p, len);
    void *app;
    SSL_SESSION_get0_ticket_appdata(s, &app, &len);
    describe_hex(out, cap, "ticket_appdata", app, len);
    snprintf(out + strlen(out), cap - strlen(out), "max_early_data=%u compress_id=%u max_fragment_length=%u\n",
             (unsigned)SSL_SESSION_get_max_early_data(s), SSL_SESSION_get_compress_id(s),
             (unsigned)SSL_SESSION_get_max_fragment_length(s));
}

#endif
