/* Counting session callbacks for the TLS C tests: how many times the new and remove callbacks
 * ran, and the id the remove callback saw last; a server context that uses them. Include after
 * <openssl/ssl.h> and tls_pair.h. */
#ifndef SESSCACHE_COUNTING_H
#define SESSCACHE_COUNTING_H

static int new_calls, remove_calls;
static unsigned char removed_id[SSL_MAX_SSL_SESSION_ID_LENGTH];
static unsigned int removed_len;

static inline int new_cb(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    (void)sess;
    new_calls++;
    return 0;
}

static inline void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    const unsigned char *id = SSL_SESSION_get_id(sess, &removed_len);
    memcpy(removed_id, id, removed_len);
    remove_calls++;
}

/* A server context with the internal cache (SSL_OP_NO_TICKET: TLS 1.2 session ids, TLS 1.3
 * stateful tickets), the counting callbacks and one protocol version. */
static inline SSL_CTX *counting_server(int version)
{
    SSL_CTX *ctx = server_ctx();
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
    SSL_CTX_sess_set_new_cb(ctx, new_cb);
    SSL_CTX_sess_set_remove_cb(ctx, remove_cb);
    return ctx;
}

#endif
