/*
 * tcp_server.c — the server of bench/tcp.sh: a one-threaded HTTP/1.0-over-TLS server on blocking
 * sockets, built once against sesscache and once against the system OpenSSL, driven by
 * `openssl s_time -www /`.
 *
 *   tcp_server PORT 1.2|1.3 [--cert FILE --key FILE]
 *
 * Internal session cache (default mode), SSL_OP_NO_TICKET (TLS 1.2 resumes by session id, TLS 1.3
 * by stateful tickets: both through the cache), SSL_OP_IGNORE_UNEXPECTED_EOF as nginx sets it.
 * Prints "listening PORT" once ready. On SIGUSR1 prints one line
 *   conns=N resumed=R failed=F user_us=U sys_us=S
 * (connections accepted so far, of them resumed and failed, and getrusage(RUSAGE_SELF)).
 * SIGTERM: exits with status 0.
 */
#define _GNU_SOURCE
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t want_report, want_stop;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        want_report = 1;
    else
        want_stop = 1;
}

static unsigned long conns, resumed, failed;

static void report(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("conns=%lu resumed=%lu failed=%lu user_us=%lld sys_us=%lld\n", conns, resumed, failed,
           (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
           (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec);
    fflush(stdout);
}

static const char reply[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";

/* One connection: handshake, the request up to its blank line, the reply, close_notify. */
static void serve(SSL_CTX *ctx, int fd)
{
    SSL *ssl = SSL_new(ctx);
    int ok = ssl != NULL && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1;
    if (ok) {
        char req[2048];
        int have = 0, n;
        req[0] = 0;
        while (strstr(req, "\r\n\r\n") == NULL && have < (int)sizeof req - 1
               && (n = SSL_read(ssl, req + have, (int)sizeof req - 1 - have)) > 0) {
            have += n;
            req[have] = 0;
        }
        ok = strstr(req, "\r\n\r\n") != NULL && SSL_write(ssl, reply, (int)sizeof reply - 1) > 0;
        /* After a failed read or write the manual forbids SSL_shutdown. */
        if (ok)
            SSL_shutdown(ssl);
    }
    conns++;
    if (ok && SSL_session_reused(ssl))
        resumed++;
    if (!ok) {
        failed++;
        ERR_clear_error();
    }
    SSL_free(ssl);
    close(fd);
}

int main(int argc, char **argv)
{
    const char *cert = "build/certs/chain.pem", *key = "build/certs/server.key";
    int port = 0, version = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cert") && i + 1 < argc)
            cert = argv[++i];
        else if (!strcmp(argv[i], "--key") && i + 1 < argc)
            key = argv[++i];
        else if (!strcmp(argv[i], "1.2"))
            version = TLS1_2_VERSION;
        else if (!strcmp(argv[i], "1.3"))
            version = TLS1_3_VERSION;
        else
            port = atoi(argv[i]);
    }
    if (port <= 0 || version == 0) {
        fprintf(stderr, "usage: %s PORT 1.2|1.3 [--cert FILE --key FILE]\n", argv[0]);
        return 2;
    }

    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1
        || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        char buf[256];
        ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
        fprintf(stderr, "cannot load %s / %s: %s\n", cert, key, buf);
        return 1;
    }
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"tcp_server", 10);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (SSL_CTX_set_min_proto_version(ctx, version) != 1 || SSL_CTX_set_max_proto_version(ctx, version) != 1) {
        fprintf(stderr, "cannot set the protocol version\n");
        return 1;
    }

    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 128) != 0) {
        perror("bind/listen");
        return 1;
    }

    /* No SA_RESTART: the wait for a connection returns EINTR. The signals stay blocked except
     * during that wait (ppoll's mask), so they never interrupt a connection's blocking reads and
     * one arriving while a connection is served is not lost until the next client comes. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t block, waiting;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &waiting);
    sigdelset(&waiting, SIGUSR1);
    sigdelset(&waiting, SIGTERM);

    printf("listening %d\n", port);
    fflush(stdout);
    while (!want_stop) {
        if (want_report) {
            want_report = 0;
            report();
        }
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        int r = ppoll(&p, 1, NULL, &waiting);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            perror("ppoll");
            return 1;
        }
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("accept");
            return 1;
        }
        serve(ctx, fd);
    }
    close(lfd);
    SSL_CTX_free(ctx);
    return 0;
}
