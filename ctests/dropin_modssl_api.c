/* The functions Apache's mod_ssl uses beyond nginx's, built against the system OpenSSL headers,
 * run on the system libssl and on the drop-in: the ClientHello callback and
 * SSL_client_hello_get0_ext (success, retry, error), the key-log callback, SSL_peek, the EVP
 * ticket-key callback, the alert texts, SSL_CIPHER_get_bits, SSL_add_file_cert_subjects_to_stack,
 * SSL_get_client_CA_list, and how renegotiation and post-handshake authentication are refused. */
#define _POSIX_C_SOURCE 200809L
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "check.h"
#include "tls_pair.h"

static int hello_calls, hello_mode; /* 0 success, 1 retry once, 2 error */
static unsigned char sni_ext[64];
static size_t sni_ext_len;
static int servername_seen_in_hello = -1;

static int on_hello(SSL *s, int *al, void *arg)
{
    (void)arg;
    hello_calls++;
    servername_seen_in_hello = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name) != NULL;
    const unsigned char *p;
    size_t n;
    if (SSL_client_hello_get0_ext(s, TLSEXT_TYPE_server_name, &p, &n) == 1 && n <= sizeof sni_ext) {
        memcpy(sni_ext, p, n);
        sni_ext_len = n;
    }
    if (hello_mode == 1 && hello_calls == 1)
        return SSL_CLIENT_HELLO_RETRY;
    if (hello_mode == 2) {
        *al = SSL_AD_ACCESS_DENIED;
        return SSL_CLIENT_HELLO_ERROR;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

static char labels[2048];

static void on_keylog(const SSL *s, const char *line)
{
    (void)s;
    char label[64] = "";
    sscanf(line, "%63s", label);
    /* One label per line, with the lengths of the two hex fields, so that the format shows. */
    const char *a = strchr(line, ' '), *b = a ? strchr(a + 1, ' ') : NULL;
    snprintf(labels + strlen(labels), sizeof labels - strlen(labels), "%s %d %d\n", label,
             a && b ? (int)(b - a - 1) : -1, b ? (int)strlen(b + 1) : -1);
}

static void hello_callback(int version)
{
    const char *v = version == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2";
    for (hello_mode = 0; hello_mode <= 2; hello_mode++) {
        SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
        SSL_CTX_set_max_proto_version(cctx, version);
        SSL_CTX_set_client_hello_cb(sctx, on_hello, NULL);
        hello_calls = 0;
        sni_ext_len = 0;
        struct pair p = pair_new(sctx, cctx, NULL);
        SSL_set_tlsext_host_name(p.client, "www.example.test");
        int retry_seen = 0, c = 0, s = 0, failed = 0;
        for (int i = 0; i < 200 && (c != 1 || s != 1) && !failed; i++) {
            if (c != 1 && (c = SSL_do_handshake(p.client)) != 1 && !progress(p.client, c))
                failed = 1;
            if (s != 1 && (s = SSL_do_handshake(p.server)) != 1) {
                int e = SSL_get_error(p.server, s);
                if (e == SSL_ERROR_WANT_CLIENT_HELLO_CB)
                    retry_seen++;
                else if (!progress(p.server, s))
                    failed = 2;
            }
        }
        if (hello_mode == 0) {
            CHECK(c == 1 && s == 1 && hello_calls == 1, "%s: the ClientHello callback ran once (%d) and the handshake "
                  "finished", v, hello_calls);
            /* server_name_list length, type host_name, name length, the name. */
            static const unsigned char want[] = "\x00\x13\x00\x00\x10www.example.test";
            CHECK(sni_ext_len == sizeof want - 1 && memcmp(sni_ext, want, sni_ext_len) == 0,
                  "%s: SSL_client_hello_get0_ext gives the server_name extension's bytes (%zu)", v, sni_ext_len);
            CHECK_EQ(servername_seen_in_hello, 0, "SSL_get_servername is still NULL in the ClientHello callback");
        } else if (hello_mode == 1) {
            CHECK(c == 1 && s == 1 && retry_seen == 1 && hello_calls == 2,
                  "%s: SSL_CLIENT_HELLO_RETRY: WANT_CLIENT_HELLO_CB once (%d), the callback runs again (%d), done",
                  v, retry_seen, hello_calls);
        } else {
            unsigned long e = ERR_peek_last_error();
            CHECK(failed == 2 && ERR_GET_REASON(e) == SSL_R_CALLBACK_FAILED,
                  "%s: SSL_CLIENT_HELLO_ERROR fails the handshake with SSL_R_CALLBACK_FAILED (%d, reason %d)", v, failed,
                  ERR_GET_REASON(e));
            ERR_clear_error();
        }
        pair_close(&p, hello_mode != 2);
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
    }
}

static void keylog(int version)
{
    const char *v = version == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2";
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_max_proto_version(cctx, version);
    SSL_CTX_set_keylog_callback(sctx, on_keylog);
    CHECK(SSL_CTX_get_keylog_callback(sctx) == on_keylog, "SSL_CTX_get_keylog_callback");
    labels[0] = '\0';
    struct pair p = pair_new(sctx, cctx, NULL);
    CHECK(pair_handshake(&p) && pair_exchange(&p), "%s: handshake with a key-log callback", v);
    const char *want = version == TLS1_3_VERSION
                           ? "SERVER_HANDSHAKE_TRAFFIC_SECRET 64 96\nCLIENT_HANDSHAKE_TRAFFIC_SECRET 64 96\n"
                             "EXPORTER_SECRET 64 96\nSERVER_TRAFFIC_SECRET_0 64 96\nCLIENT_TRAFFIC_SECRET_0 64 96\n"
                           : "CLIENT_RANDOM 64 96\n";
    /* The order of the TLS 1.3 lines is the library's; compare as sets. */
    int same = strlen(labels) == strlen(want);
    for (const char *l = want; same && *l; l = strchr(l, '\n') + 1) {
        char line[80];
        snprintf(line, sizeof line, "%.*s", (int)(strchr(l, '\n') - l + 1), l);
        same = strstr(labels, line) != NULL;
    }
    CHECK(same, "%s: the key-log lines (label, client random and secret lengths in hex digits):\n%sexpected:\n%s", v,
          labels, want);
    pair_close(&p, 1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

static void peek(void)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    struct pair p = pair_new(sctx, cctx, NULL);
    int ok = pair_handshake(&p);
    CHECK(ok && SSL_write(p.client, "abcdef", 6) == 6, "data sent");
    char buf[8] = "";
    int n = -1;
    for (int i = 0; i < 50 && n <= 0; i++)
        n = SSL_peek(p.server, buf, 3);
    CHECK(n == 3 && memcmp(buf, "abc", 3) == 0, "SSL_peek gives the first bytes (%d)", n);
    CHECK_EQ(SSL_pending(p.server), 6, "SSL_pending counts what was peeked");
    memset(buf, 0, sizeof buf);
    n = SSL_peek(p.server, buf, 8);
    CHECK(n >= 3 && memcmp(buf, "abc", 3) == 0, "a second SSL_peek gives the same bytes (%d)", n);
    memset(buf, 0, sizeof buf);
    n = SSL_read(p.server, buf, 8);
    CHECK(n >= 3 && memcmp(buf, "abc", 3) == 0, "SSL_read then reads them (%d: %s)", n, buf);
    int total = n;
    while (total < 6 && (n = SSL_read(p.server, buf + total, 8 - total)) > 0)
        total += n;
    CHECK(total == 6 && memcmp(buf, "abcdef", 6) == 0, "and the rest (%d)", total);
    pair_close(&p, 1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/* mod_ssl's ticket callback: a 48-byte key (name, HMAC secret, AES-128 key). */
static unsigned char tk[48];
static int tk_calls;

static int on_ticket_key(SSL *s, unsigned char name[16], unsigned char *iv, EVP_CIPHER_CTX *c, EVP_MAC_CTX *h, int enc)
{
    (void)s;
    tk_calls++;
    OSSL_PARAM params[] = { OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, tk + 16, 16),
                            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "sha256", 0), OSSL_PARAM_construct_end() };
    if (enc) {
        memcpy(name, tk, 16);
        RAND_bytes(iv, 16);
        EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, tk + 32, iv);
        EVP_MAC_CTX_set_params(h, params);
        return 1;
    }
    if (memcmp(name, tk, 16) != 0)
        return 0;
    EVP_DecryptInit_ex(c, EVP_aes_128_cbc(), NULL, tk + 32, iv);
    EVP_MAC_CTX_set_params(h, params);
    return 1;
}

static void evp_ticket_keys(int version)
{
    const char *v = version == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2";
    memset(tk, 7, sizeof tk);
    SSL_CTX *s1 = server_ctx(), *s2 = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_max_proto_version(cctx, version);
    CHECK_EQ(SSL_CTX_set_tlsext_ticket_key_evp_cb(s1, on_ticket_key), 1, "SSL_CTX_set_tlsext_ticket_key_evp_cb");
    SSL_CTX_set_tlsext_ticket_key_evp_cb(s2, on_ticket_key);
    SSL_CTX_set_session_cache_mode(s1, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_session_cache_mode(s2, SSL_SESS_CACHE_OFF);
    tk_calls = 0;
    struct pair p = pair_new(s1, cctx, NULL);
    CHECK(pair_handshake(&p) && pair_exchange(&p), "%s: handshake on the first server", v);
    SSL_SESSION *sess = SSL_get1_session(p.client);
    CHECK(sess && SSL_SESSION_has_ticket(sess), "%s: the client got a ticket (callback ran %d times)", v, tk_calls);
    pair_close(&p, 1);
    p = pair_new(s2, cctx, sess);
    CHECK(pair_handshake(&p) && pair_exchange(&p) && SSL_session_reused(p.server),
          "%s: a second server with the same key resumes the ticket", v);
    pair_close(&p, 1);
    memset(tk, 9, 16);
    p = pair_new(s2, cctx, sess);
    CHECK(pair_handshake(&p) && !SSL_session_reused(p.server), "%s: another key name: a full handshake", v);
    pair_close(&p, 1);
    SSL_SESSION_free(sess);
    SSL_CTX_free(s1);
    SSL_CTX_free(s2);
    SSL_CTX_free(cctx);
}

static void texts(void)
{
    char seen[8192] = "";
    for (int level = 0; level <= 3; level++)
        for (int d = 0; d < 256; d++) {
            int value = level << 8 | d;
            snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%s%s%s%s|", SSL_alert_type_string(value),
                     SSL_alert_type_string_long(value), level == 1 ? SSL_alert_desc_string(value) : "",
                     level == 1 ? SSL_alert_desc_string_long(value) : "");
        }
    /* A digest of every text, the same on both libraries. */
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(seen, strlen(seen), md, &len, EVP_sha256(), NULL);
    char digest[9];
    snprintf(digest, sizeof digest, "%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
    /* Taken on OpenSSL 3.0 (the system library passes this check too). */
    CHECK(len == 32 && strcmp(digest, "fbf12d14") == 0,
          "every alert type and description text as OpenSSL's (SHA-256 of them all starts %s, expected fbf12d14)", digest);
    CHECK(strcmp(SSL_alert_desc_string_long(SSL3_AL_FATAL << 8 | SSL_AD_HANDSHAKE_FAILURE), "handshake failure") == 0 &&
              strcmp(SSL_alert_desc_string(SSL_AD_NO_APPLICATION_PROTOCOL), "UK") == 0 &&
              strcmp(SSL_alert_type_string_long(SSL3_AL_WARNING << 8), "warning") == 0,
          "alert texts");
    SSL_CTX *ctx = client_ctx();
    SSL *s = SSL_new(ctx);
    CHECK(strcmp(SSL_state_string_long(s), "before SSL initialization") == 0, "SSL_state_string_long of a fresh SSL: %s",
          SSL_state_string_long(s));
    SSL_free(s);
    SSL_CTX_free(ctx);
    static const struct {
        unsigned char id[2];
        int bits;
    } suites[] = { { { 0xc0, 0x2f }, 128 }, { { 0xc0, 0x2c }, 256 }, { { 0xcc, 0xa9 }, 256 }, { { 0x13, 0x01 }, 128 },
                   { { 0x13, 0x02 }, 256 }, { { 0x13, 0x03 }, 256 }, { { 0x00, 0x2f }, 128 }, { { 0x00, 0x3b }, 0 } };
    ctx = client_ctx();
    s = SSL_new(ctx);
    for (size_t i = 0; i < sizeof suites / sizeof *suites; i++) {
        const SSL_CIPHER *c = SSL_CIPHER_find(s, suites[i].id);
        int alg = -1, bits = c ? SSL_CIPHER_get_bits(c, &alg) : -2;
        CHECK(bits == suites[i].bits && alg == suites[i].bits, "SSL_CIPHER_get_bits(%s): %d, alg %d, expected %d",
              c ? SSL_CIPHER_get_name(c) : "?", bits, alg, suites[i].bits);
    }
    CHECK_EQ(SSL_CIPHER_get_bits(NULL, NULL), 0, "SSL_CIPHER_get_bits(NULL)");
    SSL_free(s);
    SSL_CTX_free(ctx);
}

static void names_and_refusals(void)
{
    STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
    CHECK_EQ(SSL_add_file_cert_subjects_to_stack(names, CERT_DIR "/chain.pem"), 1, "SSL_add_file_cert_subjects_to_stack");
    CHECK_EQ(sk_X509_NAME_num(names), 2, "two distinct names in chain.pem");
    CHECK_EQ(SSL_add_file_cert_subjects_to_stack(names, CERT_DIR "/chain.pem"), 1, "the same file again");
    CHECK_EQ(sk_X509_NAME_num(names), 2, "adds no duplicate");
    CHECK_EQ(SSL_add_file_cert_subjects_to_stack(names, CERT_DIR "/missing.pem"), 0, "a missing file: 0");
    ERR_clear_error();
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    SSL_CTX_set_client_CA_list(sctx, names);
    SSL *srv = SSL_new(sctx);
    SSL_set_accept_state(srv);
    CHECK(SSL_get_client_CA_list(srv) == names, "SSL_get_client_CA_list of a server: the context's list");
    SSL_free(srv);
    struct pair p = pair_new(sctx, cctx, NULL);
    SSL_CTX_set_max_proto_version(cctx, TLS1_3_VERSION);
    pair_handshake(&p);
    ERR_clear_error();
    CHECK_EQ(SSL_verify_client_post_handshake(p.client), 0, "post-handshake auth on a client: 0");
    CHECK_EQ(ERR_GET_REASON(ERR_get_error()), SSL_R_NOT_SERVER, "SSL_R_NOT_SERVER");
    CHECK_EQ(SSL_verify_client_post_handshake(p.server), 0, "post-handshake auth not offered by the client: 0");
    CHECK_EQ(ERR_GET_REASON(ERR_get_error()), SSL_R_EXTENSION_NOT_RECEIVED, "SSL_R_EXTENSION_NOT_RECEIVED");
    CHECK_EQ(SSL_renegotiate(p.server), 0, "SSL_renegotiate on TLS 1.3: 0");
    CHECK_EQ(ERR_GET_REASON(ERR_get_error()), SSL_R_WRONG_SSL_VERSION, "SSL_R_WRONG_SSL_VERSION");
    pair_close(&p, 1);
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    SSL_CTX_set_options(sctx, SSL_OP_NO_RENEGOTIATION);
    p = pair_new(sctx, cctx, NULL);
    pair_handshake(&p);
    ERR_clear_error();
    CHECK_EQ(SSL_renegotiate(p.server), 0, "SSL_renegotiate with SSL_OP_NO_RENEGOTIATION on TLS 1.2: 0");
    CHECK_EQ(ERR_GET_REASON(ERR_get_error()), SSL_R_NO_RENEGOTIATION, "SSL_R_NO_RENEGOTIATION");
    CHECK_EQ(SSL_verify_client_post_handshake(p.server), 0, "post-handshake auth on TLS 1.2: 0");
    CHECK_EQ(ERR_GET_REASON(ERR_get_error()), SSL_R_WRONG_SSL_VERSION, "SSL_R_WRONG_SSL_VERSION");
    pair_close(&p, 1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

int main(void)
{
    hello_callback(TLS1_2_VERSION);
    hello_callback(TLS1_3_VERSION);
    keylog(TLS1_2_VERSION);
    keylog(TLS1_3_VERSION);
    peek();
    evp_ticket_keys(TLS1_2_VERSION);
    evp_ticket_keys(TLS1_3_VERSION);
    texts();
    names_and_refusals();
    return check_summary();
}
