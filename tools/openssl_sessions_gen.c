/* Writes ctests/openssl_sessions.h: sessions that the system OpenSSL 3.0 made in real
 * handshakes (and one from the setters), as OpenSSL's i2d_SSL_SESSION wrote them, each with
 * what OpenSSL's getters read from it (ctests/session_describe.h). Between them they carry
 * every optional field of SSL_SESSION_ASN1 a handshake can fill: [3] peer, [4] id context,
 * [5] verify result, [6] host name, [7] PSK identity hint, [8] PSK identity, [9] ticket
 * lifetime hint, [10] ticket, [13] flags, [14] ticket age add, [15] max early data, [16] ALPN,
 * [17] max fragment length mode, [18] ticket appdata, [19] key exchange group. ([11]
 * compression and [12] SRP user name are left out: Debian's OpenSSL has no compression, and SRP
 * handshakes are not something a server on this library can do.)
 * Build against the system libssl only: make openssl-sessions. */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "tls_pair.h"
#include "session_describe.h"

#define FIXED_TIME 1767225600L /* 2026-01-01, so that the fixture does not change per run */
#define FIXED_TIMEOUT 86400L

static const unsigned char alpn_offer[] = "\x02h2\x08http/1.1";
static const unsigned char psk_key[16] = "0123456789abcdef";

static int pick_alpn(SSL *s, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                     unsigned int inlen, void *arg)
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

static unsigned int server_psk(SSL *s, const char *identity, unsigned char *psk, unsigned int max)
{
    (void)s;
    if (strcmp(identity, "client-1") != 0 || max < sizeof psk_key)
        return 0;
    memcpy(psk, psk_key, sizeof psk_key);
    return sizeof psk_key;
}

static unsigned int client_psk(SSL *s, const char *hint, char *identity, unsigned int max_identity,
                               unsigned char *psk, unsigned int max_psk)
{
    (void)s, (void)hint;
    snprintf(identity, max_identity, "client-1");
    if (max_psk < sizeof psk_key)
        return 0;
    memcpy(psk, psk_key, sizeof psk_key);
    return sizeof psk_key;
}

static int count;
static char *names[64];

static void emit(const char *name, SSL_SESSION *s)
{
    if (s == NULL) {
        fprintf(stderr, "%s: no session\n", name);
        exit(1);
    }
    SSL_SESSION_set_time(s, FIXED_TIME);
    SSL_SESSION_set_timeout(s, FIXED_TIMEOUT);
    unsigned char *der = NULL;
    int n = i2d_SSL_SESSION(s, &der);
    if (n <= 0) {
        fprintf(stderr, "%s: i2d failed\n", name);
        exit(1);
    }
    names[count] = strdup(name);
    printf("/* %s */\nstatic const unsigned char openssl_session_%d[] = {", name, count);
    for (int i = 0; i < n; i++)
        printf("%s0x%02x,", i % 16 ? " " : "\n    ", der[i]);
    printf("\n};\n");
    char text[16384];
    describe_session(s, text, sizeof text);
    printf("static const char openssl_session_%d_text[] =", count);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        printf("\n    \"%s\\n\"", line);
    printf(";\n");
    X509 *peer = SSL_SESSION_get0_peer(s);
    char subject[256] = "";
    if (peer)
        X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof subject);
    printf("static const char openssl_session_%d_peer[] = \"%s\";\n\n", count, subject);
    OPENSSL_free(der);
    count++;
}

/* A handshake between a server on sctx and a client on cctx offering `host`; returns the
 * client's session (after data, so that TLS 1.3 tickets have arrived) and stores the
 * server's in *server_session. */
static SSL_SESSION *handshake(SSL_CTX *sctx, SSL_CTX *cctx, const char *host, SSL_SESSION **server_session)
{
    struct pair p = pair_new(sctx, cctx, NULL);
    if (host)
        SSL_set_tlsext_host_name(p.client, host);
    if (!pair_handshake(&p) || !pair_exchange(&p)) {
        fprintf(stderr, "handshake failed\n");
        exit(1);
    }
    SSL_SESSION *c = SSL_get1_session(p.client);
    *server_session = SSL_get1_session(p.server);
    pair_close(&p, 1);
    return c;
}

static void cert_sessions(int version)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_min_proto_version(sctx, version);
    SSL_CTX_set_max_proto_version(sctx, version);
    SSL_CTX_set_alpn_select_cb(sctx, pick_alpn, NULL);
    SSL_CTX_set_tlsext_servername_callback(sctx, accept_name);
    SSL_CTX_set_alpn_protos(cctx, alpn_offer, sizeof alpn_offer - 1);
    SSL_CTX_set_tlsext_max_fragment_length(cctx, TLSEXT_max_fragment_length_1024);
    SSL_SESSION *server, *client = handshake(sctx, cctx, "www.example.test", &server);
    const char *v = version == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2";
    char name[128];
    snprintf(name, sizeof name, "%s client session: ticket, SNI, ALPN, peer, verify result, max fragment length", v);
    emit(name, client);
    snprintf(name, sizeof name, "%s server session (stateless ticket issued): SNI, ALPN, id context", v);
    emit(name, server);
    /* The fields only setters fill, on top of a handshake's session. */
    static const char appdata[] = "application data";
    SSL_SESSION_set1_ticket_appdata(client, appdata, sizeof appdata - 1);
    SSL_SESSION_set_max_early_data(client, 16384);
    SSL_SESSION_set1_id_context(client, (const unsigned char *)"other context", 13);
    snprintf(name, sizeof name, "%s client session with ticket appdata, max early data and an id context set", v);
    emit(name, client);
    SSL_SESSION_free(client);
    SSL_SESSION_free(server);

    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    if (version == TLS1_3_VERSION)
        SSL_CTX_set_max_early_data(sctx, 4096);
    client = handshake(sctx, cctx, "www.example.test", &server);
    if (version == TLS1_3_VERSION)
        emit("TLS 1.3 client session with a stateful ticket and max early data", client);
    snprintf(name, sizeof name, "%s server session, no ticket (cached by id or stateful ticket): SNI, ALPN (TLS 1.3: max early data)", v);
    emit(name, server);
    SSL_SESSION_free(client);
    SSL_SESSION_free(server);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

static void psk_sessions(void)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = client_ctx();
    SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(sctx, "PSK-AES128-GCM-SHA256");
    SSL_CTX_set_cipher_list(cctx, "PSK-AES128-GCM-SHA256");
    SSL_CTX_use_psk_identity_hint(sctx, "hint-A");
    SSL_CTX_set_psk_server_callback(sctx, server_psk);
    SSL_CTX_set_psk_client_callback(cctx, client_psk);
    SSL_CTX_set_session_id_context(sctx, (const unsigned char *)"test", 4);
    SSL_SESSION *server, *client = handshake(sctx, cctx, NULL, &server);
    emit("TLS 1.2 PSK client session: PSK identity hint and identity, ticket", client);
    emit("TLS 1.2 PSK server session: PSK identity", server);
    SSL_SESSION_free(client);
    SSL_SESSION_free(server);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/* A session made with the setters alone: its max fragment length mode is "unspecified" (255),
 * which OpenSSL writes. */
static void setter_session(void)
{
    SSL_CTX *ctx = client_ctx();
    SSL *ssl = SSL_new(ctx);
    SSL_SESSION *s = SSL_SESSION_new();
    SSL_SESSION_set_protocol_version(s, TLS1_2_VERSION);
    SSL_SESSION_set_cipher(s, SSL_CIPHER_find(ssl, (const unsigned char *)"\xc0\x2f"));
    SSL_SESSION_set1_id(s, (const unsigned char *)"0123456789abcdef", 16);
    SSL_SESSION_set1_master_key(s, (const unsigned char *)"a master key of forty-eight bytes, more or less.", 48);
    SSL_SESSION_set1_hostname(s, "setter.example");
    SSL_SESSION_set1_alpn_selected(s, (const unsigned char *)"h2", 2);
    SSL_SESSION_set_max_early_data(s, 100);
    emit("SSL_SESSION_new and setters: id, master key, host name, ALPN, max early data", s);
    SSL_SESSION_free(s);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

int main(void)
{
    printf("/* Generated by tools/openssl_sessions_gen.c on the system OpenSSL (%s): do not edit. */\n",
           OpenSSL_version(OPENSSL_VERSION));
    printf("#ifndef SESSCACHE_OPENSSL_SESSIONS_H\n#define SESSCACHE_OPENSSL_SESSIONS_H\n#include <stddef.h>\n\n");
    cert_sessions(TLS1_2_VERSION);
    cert_sessions(TLS1_3_VERSION);
    psk_sessions();
    setter_session();
    printf("struct openssl_session {\n    const char *name;\n    const unsigned char *der;\n    size_t len;\n"
           "    const char *text;\n    const char *peer;\n};\n\n");
    printf("static const struct openssl_session openssl_sessions[] = {\n");
    for (int i = 0; i < count; i++)
        printf("    { \"%s\", openssl_session_%d, sizeof openssl_session_%d, openssl_session_%d_text, "
               "openssl_session_%d_peer },\n", names[i], i, i, i, i);
    printf("};\n#define OPENSSL_SESSIONS (sizeof openssl_sessions / sizeof *openssl_sessions)\n\n#endif\n");
    return 0;
}
