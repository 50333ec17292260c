/* The functions a real server (nginx) uses with libcrypto objects, built against the system
 * OpenSSL headers and run on the system libssl and on the drop-in libssl.so.3 (not against
 * sesscache's header: X509 and EVP_PKEY functions exist in the drop-in only). Certificates and
 * keys given as objects, the same pointers lent back, chains, the client CA list and the trust
 * store, verification results and the peer's certificates after a handshake, SSL_set_SSL_CTX
 * from a servername callback, ALPN selection, cipher strings, SSL_CONF commands, ticket keys,
 * the ex_data callbacks registered with libcrypto. */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls_pair.h"
#include "openssl_sessions.h"

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    return x;
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    return k;
}

static SSL_CTX *other_ctx;
static int servername_calls;
static char servername_seen[64];

static int on_servername(SSL *ssl, int *alert, void *arg)
{
    (void)alert;
    (void)arg;
    servername_calls++;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    snprintf(servername_seen, sizeof servername_seen, "%s", name ? name : "(none)");
    if (name && strcmp(name, "other.test") == 0)
        SSL_set_SSL_CTX(ssl, other_ctx);
    return SSL_TLSEXT_ERR_OK;
}

static int on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                   unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    static const unsigned char ours[] = "\x02h2\x08http/1.1";
    if (SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof ours - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    return SSL_TLSEXT_ERR_OK;
}

static int verify_calls;
static int verify_ssl_ok;

static int on_verify(int ok, X509_STORE_CTX *store)
{
    verify_calls++;
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    verify_ssl_ok = ssl != NULL && SSL_get_SSL_CTX(ssl) != NULL;
    return ok;
}

/* SSL_SESSION_get0_peer of each session OpenSSL wrote: the certificate in its [3] field, one
 * object per session (lent: the same pointer each time). */
static void check_session_peers(void)
{
    for (size_t i = 0; i < OPENSSL_SESSIONS; i++) {
        const struct openssl_session *os = &openssl_sessions[i];
        const unsigned char *p = os->der;
        SSL_SESSION *s = d2i_SSL_SESSION(NULL, &p, (long)os->len);
        X509 *peer = s ? SSL_SESSION_get0_peer(s) : NULL;
        char subject[256] = "";
        if (peer)
            X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof subject);
        CHECK(s != NULL && strcmp(subject, os->peer) == 0, "%s: SSL_SESSION_get0_peer's subject is \"%s\", expected \"%s\"",
              os->name, subject, os->peer);
        CHECK(s == NULL || SSL_SESSION_get0_peer(s) == peer, "%s: SSL_SESSION_get0_peer lends one object", os->name);
        SSL_SESSION_free(s);
    }
}

static int ex_new_calls, ex_free_calls;

static void ex_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent, (void)ptr, (void)ad, (void)idx, (void)argp;
    if (argl == 77)
        ex_new_calls++;
}

static void ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent, (void)ad, (void)idx, (void)argp;
    if (argl == 77 && ptr == (void *)&ex_free_calls)
        ex_free_calls++;
}

int main(void)
{
    /* Objects in, the same objects out. */
    X509 *leaf = read_cert(CERT_DIR "/server.pem"), *ca = read_cert(CERT_DIR "/ca.pem");
    EVP_PKEY *key = read_key(CERT_DIR "/server.key"), *other_key = read_key(CERT_DIR "/other.key");
    CHECK(leaf && ca && key && other_key, "test certificates load");
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_session_id_context(sctx, (const unsigned char *)"first", 5);
    CHECK_EQ(SSL_CTX_get0_certificate(sctx) == NULL, 1, "a fresh context has no certificate");
    CHECK_EQ(SSL_CTX_use_certificate(sctx, leaf), 1, "SSL_CTX_use_certificate");
    CHECK(SSL_CTX_get0_certificate(sctx) == leaf, "SSL_CTX_get0_certificate lends the very object given");
    ERR_clear_error();
    CHECK_EQ(SSL_CTX_use_PrivateKey(sctx, other_key), 0, "a key that does not match the certificate is refused");
    CHECK_EQ(ERR_GET_REASON(ERR_peek_error()), X509_R_KEY_VALUES_MISMATCH, "with X509_R_KEY_VALUES_MISMATCH");
    ERR_clear_error();
    CHECK_EQ(SSL_CTX_use_PrivateKey(sctx, key), 1, "SSL_CTX_use_PrivateKey");
    CHECK_EQ(SSL_CTX_check_private_key(sctx), 1, "the pair checks");
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509_up_ref(ca);
    sk_X509_push(chain, ca);
    CHECK_EQ(SSL_CTX_set0_chain(sctx, chain), 1, "SSL_CTX_set0_chain");
    STACK_OF(X509) *got = NULL;
    CHECK_EQ(SSL_CTX_get0_chain_certs(sctx, &got), 1, "SSL_CTX_get0_chain_certs");
    CHECK(got != NULL && sk_X509_num(got) == 1 && X509_cmp(sk_X509_value(got, 0), ca) == 0, "the chain is the CA");
    CHECK_EQ(SSL_CTX_set_current_cert(sctx, SSL_CERT_SET_FIRST), 1, "SSL_CERT_SET_FIRST finds the slot");
    CHECK_EQ(SSL_CTX_set_current_cert(sctx, SSL_CERT_SET_NEXT), 0, "there is no second slot");

    /* Trust store, client CA list, verification. */
    X509_STORE *store = SSL_CTX_get_cert_store(sctx);
    CHECK(store != NULL && store == SSL_CTX_get_cert_store(sctx), "one trust store per context, lent");
    CHECK_EQ(SSL_CTX_load_verify_locations(sctx, CERT_DIR "/ca.pem", NULL), 1, "SSL_CTX_load_verify_locations");
    CHECK_EQ(SSL_CTX_load_verify_locations(sctx, NULL, NULL), 0, "no file, no directory: 0");
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(CERT_DIR "/chain.pem");
    CHECK(names != NULL && sk_X509_NAME_num(names) == 2, "SSL_load_client_CA_file: two distinct names in chain.pem");
    CHECK_EQ(SSL_load_client_CA_file(CERT_DIR "/missing.pem") == NULL, 1, "a missing file gives NULL");
    ERR_clear_error();
    SSL_CTX_set_client_CA_list(sctx, names);
    CHECK(SSL_CTX_get_client_CA_list(sctx) == names, "the client CA list is the stack given");
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER, on_verify);
    CHECK(SSL_CTX_get_verify_callback(sctx) == on_verify, "SSL_CTX_get_verify_callback");
    CHECK_EQ(SSL_CTX_get_verify_depth(sctx), -1, "default verify depth -1");
    SSL_CTX_set_verify_depth(sctx, 5);
    CHECK_EQ(SSL_CTX_get_verify_depth(sctx), 5, "SSL_CTX_set_verify_depth");
    SSL_CTX_set_tlsext_servername_callback(sctx, on_servername);
    SSL_CTX_set_alpn_select_cb(sctx, on_alpn, NULL);

    other_ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_session_id_context(other_ctx, (const unsigned char *)"other", 5);
    SSL_CTX_load_verify_locations(other_ctx, CERT_DIR "/ca.pem", NULL);
    SSL_CTX_use_certificate_chain_file(other_ctx, CERT_DIR "/chain.pem");
    SSL_CTX_use_PrivateKey_file(other_ctx, CERT_DIR "/server.key", SSL_FILETYPE_PEM);
    SSL_CTX_set_alpn_select_cb(other_ctx, on_alpn, NULL);

    /* Cipher strings and SSL_CONF. */
    CHECK_EQ(SSL_CTX_set_cipher_list(sctx, "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256"), 1,
             "SSL_CTX_set_cipher_list");
    ERR_clear_error();
    CHECK_EQ(SSL_CTX_set_cipher_list(sctx, "NOTHING-AT-ALL"), 0, "a string that selects nothing: 0");
    CHECK_EQ(ERR_GET_REASON(ERR_peek_error()), SSL_R_NO_CIPHER_MATCH, "with SSL_R_NO_CIPHER_MATCH");
    ERR_clear_error();
    /* OpenSSL replaced the list before refusing it (no TLS 1.2 suite is left): set it again. */
    SSL_CTX_set_cipher_list(sctx, "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256");
    SSL_CTX_set_options(sctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CONF_CTX *cctx = SSL_CONF_CTX_new();
    SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER);
    SSL_CONF_CTX_set_ssl_ctx(cctx, sctx);
    CHECK_EQ(SSL_CONF_cmd_value_type(cctx, "Groups"), SSL_CONF_TYPE_STRING, "Groups takes a string");
    CHECK_EQ(SSL_CONF_cmd_value_type(cctx, "NoSuchThing"), SSL_CONF_TYPE_UNKNOWN, "an unknown command");
    CHECK_EQ(SSL_CONF_cmd(cctx, "Groups", "X25519:P-256"), 2, "SSL_CONF_cmd Groups");
    CHECK_EQ(SSL_CONF_cmd(cctx, "Options", "-SessionTicket"), 2, "SSL_CONF_cmd Options");
    CHECK_EQ(SSL_CTX_get_options(sctx) & SSL_OP_NO_TICKET, SSL_OP_NO_TICKET, "-SessionTicket sets SSL_OP_NO_TICKET");
    CHECK_EQ(SSL_CONF_cmd(cctx, "NoSuchThing", "x"), -2, "an unknown command: -2");
    CHECK_EQ(SSL_CONF_cmd(cctx, "MinProtocol", "TLSv9"), 0, "a bad value: 0");
    CHECK_EQ(SSL_CONF_CTX_finish(cctx), 1, "SSL_CONF_CTX_finish");
    SSL_CONF_CTX_free(cctx);
    ERR_clear_error();
    char desc[128] = "";
    const unsigned char id[2] = {0xc0, 0x2b};
    SSL *any = SSL_new(sctx);
    const SSL_CIPHER *suite = SSL_CIPHER_find(any, id);
    SSL_free(any);
    CHECK(suite && SSL_CIPHER_description(suite, desc, sizeof desc) != NULL
              && strcmp(desc, "ECDHE-ECDSA-AES128-GCM-SHA256  TLSv1.2 Kx=ECDH     Au=ECDSA Enc=AESGCM(128)            Mac=AEAD\n") == 0,
          "SSL_CIPHER_description (%s)", desc);

    /* ex_data callbacks registered with libcrypto (the header's macro). */
    int ex_idx = SSL_get_ex_new_index(77, NULL, ex_new, NULL, ex_free);
    CHECK(ex_idx > 0, "SSL_get_ex_new_index");

    /* A handshake: the client presents a certificate from the CA, offers ALPN and SNI. */
    SSL_CTX *cctx2 = client_ctx();
    SSL_CTX_use_certificate_chain_file(cctx2, CERT_DIR "/chain.pem");
    SSL_CTX_use_PrivateKey_file(cctx2, CERT_DIR "/server.key", SSL_FILETYPE_PEM);
    CHECK_EQ(SSL_CTX_set_alpn_protos(cctx2, (const unsigned char *)"\x08http/1.1\x02h2", 12), 0,
             "SSL_CTX_set_alpn_protos: 0 on success");
    CHECK_EQ(SSL_CTX_set_alpn_protos(cctx2, (const unsigned char *)"\x05h2", 3), 1, "a malformed list: 1");
    SSL_CTX_set_alpn_protos(cctx2, (const unsigned char *)"\x08http/1.1\x02h2", 12);
    SSL_CTX_set_max_proto_version(cctx2, TLS1_2_VERSION);
    struct pair p = pair_new(sctx, cctx2, NULL);
    CHECK_EQ(ex_new_calls, 2, "the ex_data new_func ran for both SSLs");
    SSL_set_ex_data(p.server, ex_idx, &ex_free_calls);
    SSL_set_tlsext_host_name(p.client, "localhost");
    int ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "the handshake (%s)", ERR_error_string(ERR_peek_error(), NULL));
    CHECK_EQ(servername_calls, 1, "the servername callback ran once");
    CHECK(strcmp(servername_seen, "localhost") == 0, "it saw the SNI (%s)", servername_seen);
    const unsigned char *alpn;
    unsigned int alpn_len;
    SSL_get0_alpn_selected(p.server, &alpn, &alpn_len);
    CHECK(alpn_len == 2 && memcmp(alpn, "h2", 2) == 0, "the server's ALPN choice (server order): h2");
    SSL_get0_alpn_selected(p.client, &alpn, &alpn_len);
    CHECK(alpn_len == 2 && memcmp(alpn, "h2", 2) == 0, "the client sees h2");
    CHECK(strcmp(SSL_get_cipher_name(p.server), "ECDHE-ECDSA-CHACHA20-POLY1305") == 0,
          "server preference picks its first suite (%s)", SSL_get_cipher_name(p.server));
    CHECK(verify_calls > 0 && verify_ssl_ok, "the verify callback ran and found the SSL (%d calls)", verify_calls);
    CHECK_EQ(SSL_get_verify_result(p.server), X509_V_OK, "the client's chain verified");
    X509 *peer = SSL_get1_peer_certificate(p.server);
    CHECK(peer != NULL && X509_cmp(peer, leaf) == 0, "SSL_get1_peer_certificate: the client's leaf");
    X509_free(peer);
    STACK_OF(X509) *peer_chain = SSL_get_peer_cert_chain(p.server);
    CHECK(peer_chain != NULL && sk_X509_num(peer_chain) == 1, "a server's peer chain leaves the leaf out (%d)",
          peer_chain ? sk_X509_num(peer_chain) : -1);
    STACK_OF(X509) *verified = SSL_get0_verified_chain(p.server);
    CHECK(verified != NULL && sk_X509_num(verified) == 2, "the verified chain: leaf and CA");
    CHECK_EQ(SSL_get_verify_result(p.client), X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             "the client (no trust anchors, VERIFY_NONE) still records why the server's chain failed");
    STACK_OF(X509) *client_sees = SSL_get_peer_cert_chain(p.client);
    CHECK(client_sees != NULL && sk_X509_num(client_sees) == 2, "a client's peer chain starts with the leaf");
    CHECK(SSL_get_rbio(p.server) != NULL && SSL_get_rbio(p.server) == SSL_get_wbio(p.server),
          "one socket BIO for both directions, as SSL_set_fd makes");
    CHECK(SSL_get_certificate(p.server) == leaf, "SSL_get_certificate: the context's object");
    pair_close(&p, 1);
    CHECK_EQ(ex_free_calls, 1, "the ex_data free_func ran at SSL_free with the stored value");

    /* SNI moves the connection to another context: its certificate, the first one's cache. */
    p = pair_new(sctx, cctx2, NULL);
    SSL_set_tlsext_host_name(p.client, "other.test");
    ok = pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok, "the handshake with SNI other.test (%s)", ERR_error_string(ERR_peek_error(), NULL));
    CHECK(SSL_get_SSL_CTX(p.server) == other_ctx, "SSL_get_SSL_CTX is the context switched to");
    CHECK_EQ(SSL_CTX_sess_accept_good(other_ctx), 1, "the good accept counts on the context switched to");
    CHECK_EQ(SSL_CTX_sess_accept(other_ctx), 1, "so does the accept");
    CHECK_EQ(SSL_CTX_sess_number(sctx), 2, "the session went to the first context's cache (tickets are off)");
    CHECK_EQ(SSL_CTX_sess_number(other_ctx), 0, "none to the other's");
    SSL_SESSION *sess = SSL_get1_session(p.client);
    pair_close(&p, 1);

    /* Ticket keys: get them, set them on a fresh context, resume there. */
    unsigned char keys[80];
    CHECK_EQ(SSL_CTX_get_tlsext_ticket_keys(sctx, keys, sizeof keys), 1, "SSL_CTX_get_tlsext_ticket_keys");
    CHECK_EQ(SSL_CTX_set_tlsext_ticket_keys(sctx, keys, 48), 0, "48 bytes: the wrong length");
    ERR_clear_error();
    SSL_CTX *sctx2 = server_ctx();
    SSL_CTX_set_session_id_context(sctx2, (const unsigned char *)"first", 5);
    CHECK_EQ(SSL_CTX_set_tlsext_ticket_keys(sctx2, keys, sizeof keys), 1, "SSL_CTX_set_tlsext_ticket_keys");
    SSL_CTX_set_session_cache_mode(sctx2, SSL_SESS_CACHE_OFF);
    SSL_SESSION_free(sess);
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_clear_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX *plain_client = client_ctx();
    p = pair_new(sctx, plain_client, NULL);
    ok = pair_handshake(&p) && pair_exchange(&p);
    sess = SSL_get1_session(p.client);
    pair_close(&p, 1);
    p = pair_new(sctx2, plain_client, sess);
    ok = ok && pair_handshake(&p) && pair_exchange(&p);
    CHECK(ok && SSL_session_reused(p.server), "a ticket made under the keys resumes on another context with them");
    pair_close(&p, 1);
    SSL_SESSION_free(sess);

    SSL_CTX_free(plain_client);
    SSL_CTX_free(sctx2);
    SSL_CTX_free(cctx2);
    SSL_CTX_free(other_ctx);
    SSL_CTX_free(sctx);
    X509_free(leaf);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other_key);
    check_session_peers();
    return check_summary();
}
