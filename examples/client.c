/*
 * client.c — connects K times to a TLS server, offering the session of the previous
 * connection (SSL_get1_session, then SSL_set_session), and says for each whether it resumed.
 *
 *   client [HOST] PORT [-n K] [--tls12] [--verify CAFILE] [--save FILE] [--load FILE] [--abort]
 *
 * --save FILE writes the last session's DER (i2d_SSL_SESSION) to FILE.
 * --load FILE offers the session saved in FILE (DER) on the first connection, e.g. one made by
 *             another server of a farm; then every connection is expected to resume. (Built on
 *             sesscache, a client session read back with d2i in another process cannot resume:
 *             rustls keeps the client's resumption secrets out of reach. `make examples` also
 *             builds this client on the system OpenSSL, build/client-openssl, which can.)
 * --abort     ends the last connection without close_notify: right after the handshake (and, in
 *             TLS 1.3, the tickets) the client half-closes the TCP connection (FIN, no TLS
 *             alert), reads until the server closes, and frees the connection, as a browser
 *             dropping a tab does. The server sees an unexpected EOF: an unclean end, which
 *             invalidates the connection's session (remove callback). --save saves that session.
 */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int connect_to(const char *host, int port)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    if (getaddrinfo(host, service, &hints, &res) != 0)
        return -1;
    int fd = socket(res->ai_family, res->ai_socktype, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *cafile = NULL, *save = NULL, *load = NULL;
    int port = 0, k = 3, tls12 = 0, resumed_count = 0, abort_last = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            k = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--tls12"))
            tls12 = 1;
        else if (!strcmp(argv[i], "--verify") && i + 1 < argc)
            cafile = argv[++i];
        else if (!strcmp(argv[i], "--save") && i + 1 < argc)
            save = argv[++i];
        else if (!strcmp(argv[i], "--load") && i + 1 < argc)
            load = argv[++i];
        else if (!strcmp(argv[i], "--abort"))
            abort_last = 1;
        else if (port == 0 && i + 1 < argc && argv[i][0] != '-' && atoi(argv[i + 1]) > 0)
            host = argv[i];
        else
            port = atoi(argv[i]);
    }
    if (port <= 0) {
        fprintf(stderr, "usage: %s [HOST] PORT [-n K] [--tls12] [--verify CAFILE] [--save FILE] [--load FILE] "
                        "[--abort]\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (tls12)
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    if (cafile != NULL) {
        SSL_CTX_load_verify_locations(ctx, cafile, NULL);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    SSL_SESSION *session = NULL;
    if (load != NULL) {
        unsigned char buf[16384];
        FILE *f = fopen(load, "rb");
        size_t n = f != NULL ? fread(buf, 1, sizeof buf, f) : 0;
        if (f != NULL)
            fclose(f);
        const unsigned char *p = buf;
        session = n > 0 ? d2i_SSL_SESSION(NULL, &p, (long)n) : NULL;
        if (session == NULL) {
            fprintf(stderr, "cannot read a session from %s\n", load);
            return 1;
        }
    }
    for (int n = 1; n <= k; n++) {
        int fd = connect_to(host, port);
        if (fd < 0) {
            perror("connect");
            return 1;
        }
        SSL *ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        SSL_set_tlsext_host_name(ssl, "localhost");
        if (session != NULL)
            SSL_set_session(ssl, session);
        if (SSL_connect(ssl) != 1) {
            char buf[256];
            ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
            printf("client connection %d: handshake failed: %s\n", n, buf);
            return 1;
        }
        if (abort_last && n == k) {
            int reused = SSL_session_reused(ssl);
            resumed_count += reused;
            if (SSL_version(ssl) == TLS1_3_VERSION) {
                /* Collect the tickets the server sent after the handshake (no request is sent,
                 * so this read ends with the timeout): the session saved is this connection's. */
                struct timeval wait = { .tv_sec = 1 };
                char none[16];
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
                SSL_read(ssl, none, sizeof none);
                ERR_clear_error();
            }
            SSL_SESSION_free(session);
            session = SSL_get1_session(ssl);
            printf("client connection %d: %s (%s), dropped without close_notify\n", n,
                   reused ? "resumed" : "full handshake", SSL_get_version(ssl));
            shutdown(fd, SHUT_WR);
            struct timeval tv = { .tv_sec = 5 };
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            char drain[4096];
            while (read(fd, drain, sizeof drain) > 0)
                ;
            /* Our own copy of the session stays resumable: only the server's end is unclean. */
            SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN);
            SSL_free(ssl);
            close(fd);
            break;
        }
        const char req[] = "GET\n";
        char reply[256] = "";
        SSL_write(ssl, req, (int)sizeof req - 1);
        int r = SSL_read(ssl, reply, sizeof reply - 1); /* TLS 1.3 tickets arrive here too */
        if (r > 0)
            reply[r] = 0;
        int reused = SSL_session_reused(ssl);
        resumed_count += reused;
        printf("client connection %d: %s (%s)\n", n, reused ? "resumed" : "full handshake", SSL_get_version(ssl));
        SSL_SESSION_free(session);
        session = SSL_get1_session(ssl);
        SSL_shutdown(ssl);
        SSL_free(ssl);
        close(fd);
    }
    if (save != NULL && session != NULL) {
        int n = i2d_SSL_SESSION(session, NULL);
        unsigned char *der = n > 0 ? malloc((size_t)n) : NULL, *p = der;
        FILE *f = der != NULL ? fopen(save, "wb") : NULL;
        if (f == NULL || i2d_SSL_SESSION(session, &p) != n || fwrite(der, 1, (size_t)n, f) != (size_t)n)
            fprintf(stderr, "cannot save the session to %s\n", save);
        if (f != NULL)
            fclose(f);
        free(der);
    }
    SSL_SESSION_free(session);
    SSL_CTX_free(ctx);
    printf("client: %d of %d connections resumed\n", resumed_count, k);
    return resumed_count == (load != NULL ? k : k - 1) ? 0 : 1;
}
