/* The getters of a connection in each state it passes through: fresh, after its setters, at
 * each step of a non-blocking handshake (client and server called in turn; a line is printed
 * when what the getters show changes, so that a library needing one more WANT_READ round does
 * not change the trace), after the handshake, after the peer is freed, after SSL_clear; for
 * TLS 1.2 and 1.3, full, resumed and with an offer the server declines, both roles. */
#include "trace.h"

static const char *cipher_name(const SSL *ssl)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
    return c ? SSL_CIPHER_get_name(c) : "-";
}

/* Accepts the client's name, so that the server acknowledges it and both sessions keep it
 * (OpenSSL acknowledges SNI only when a servername callback accepts it). */
static int accept_name(SSL *s, int *al, void *arg)
{
    (void)s, (void)al, (void)arg;
    return SSL_TLSEXT_ERR_OK;
}

/* What the getters show, as one line. */
static void state(const SSL *ssl, char *out, size_t n)
{
    const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    SSL_SESSION *s = SSL_get_session(ssl);
    snprintf(out, n,
             "init=%d finished=%d server=%d version=%s cipher=%s reused=%d shutdown=%d sni=%s "
             "session=%s resumable=%d session_version=%s session_cipher=%s session_host=%s has_ticket=%d pending=%d",
             SSL_in_init(ssl), SSL_is_init_finished(ssl), SSL_is_server(ssl), SSL_get_version(ssl), cipher_name(ssl),
             SSL_session_reused(ssl), SSL_get_shutdown(ssl), sni ? sni : "-", S(s), s ? SSL_SESSION_is_resumable(s) : -1,
             s ? (SSL_SESSION_get_protocol_version(s) == TLS1_3_VERSION   ? "1.3"
                  : SSL_SESSION_get_protocol_version(s) == TLS1_2_VERSION ? "1.2"
                                                                          : "0")
               : "-",
             s && SSL_SESSION_get0_cipher(s) ? SSL_CIPHER_get_name(SSL_SESSION_get0_cipher(s)) : "-",
             s && SSL_SESSION_get0_hostname(s) ? SSL_SESSION_get0_hostname(s) : "-", s ? SSL_SESSION_has_ticket(s) : -1,
             SSL_pending(ssl));
}

static char last[2][640];

/* Prints the side's state when it changed since its last line. */
static void show(const char *side, int idx, const SSL *ssl)
{
    char now[640];
    state(ssl, now, sizeof now);
    if (strcmp(now, last[idx]) != 0) {
        T("  %s: %s", side, now);
        memcpy(last[idx], now, sizeof now);
    }
}

/* One connection, stepped; returns the client's session (a reference). */
static SSL_SESSION *stepped(const char *what, SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *offer)
{
    T("connection %s", what);
    last[0][0] = last[1][0] = '\0';
    struct pair p = pair_new(sctx, cctx, offer);
    show("client fresh", 0, p.client);
    show("server fresh", 1, p.server);
    SSL_set_tlsext_host_name(p.client, "localhost");
    show("client with SNI set", 0, p.client);
    int c = 0, s = 0;
    for (int i = 0; i < 100 && (c != 1 || s != 1); i++) {
        if (c != 1) {
            c = SSL_do_handshake(p.client);
            if (!progress(p.client, c))
                break;
            show("client", 0, p.client);
        }
        if (s != 1) {
            s = SSL_do_handshake(p.server);
            if (!progress(p.server, s))
                break;
            show("server", 1, p.server);
        }
    }
    T("  handshake %s", c == 1 && s == 1 ? "done" : "FAILED");
    pair_exchange(&p);
    show("client after data", 0, p.client);
    show("server after data", 1, p.server);
    SSL_SESSION *got = SSL_get1_session(p.client);
    SSL_shutdown(p.client);
    show("client after its shutdown", 0, p.client);
    SSL_shutdown(p.server);
    show("server after its shutdown", 1, p.server);
    SSL_free(p.client);
    show("server after the client is freed", 1, p.server);
    SSL_clear(p.server);
    show("server after SSL_clear", 1, p.server);
    SSL_free(p.server);
    close(p.fds[0]);
    close(p.fds[1]);
    return got;
}

int main(void)
{
    for (int v = 0; v < 2; v++) {
        int version = v == 0 ? TLS1_2_VERSION : TLS1_3_VERSION;
        SSL_CTX *server = server_ctx(), *client = client_ctx();
        SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
        SSL_CTX_set_tlsext_servername_callback(server, accept_name);
        SSL_CTX_set_max_proto_version(client, version);
        SSL_CTX_set_session_cache_mode(client, SSL_SESS_CACHE_CLIENT);
        T("TLS %s", v == 0 ? "1.2" : "1.3");
        SSL_SESSION *first = stepped("full", server, client, NULL);
        SSL_SESSION *second = stepped("resumed", server, client, first);
        /* A server that does not know the session (a new context, its own cache) declines it. */
        SSL_CTX *other = server_ctx();
        SSL_CTX_set_options(other, SSL_OP_NO_TICKET);
        SSL_CTX_set_tlsext_servername_callback(other, accept_name);
        SSL_SESSION *third = stepped("offer declined by a server that does not know it", other, client, first);
        SSL_SESSION_free(first);
        SSL_SESSION_free(second);
        SSL_SESSION_free(third);
        SSL_CTX_free(other);
        SSL_CTX_free(server);
        SSL_CTX_free(client);
    }
    return 0;
}
