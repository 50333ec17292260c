/* count_writes.so — an LD_PRELOAD counter of the system calls a program sends TCP data with.
 *
 * With COUNT_WRITES_LOG=FILE in the environment, every write, writev, send, sendto and sendmsg
 * on a TCP socket appends "send FD RESULT" to FILE, and every close of a TCP socket "close FD",
 * so that a test can count how many calls each connection's flights took (a TLS flight split
 * over several calls meets Nagle's algorithm and the peer's delayed ACK). Nothing else changes:
 * each call goes to the real function and returns its result and errno. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int log_fd = -1;

__attribute__((constructor)) static void open_log(void)
{
    const char *path = getenv("COUNT_WRITES_LOG");
    if (path != NULL)
        log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

static int is_tcp(int fd)
{
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    int type = 0;
    socklen_t tlen = sizeof type;
    return getsockname(fd, (struct sockaddr *)&addr, &len) == 0
        && (addr.ss_family == AF_INET || addr.ss_family == AF_INET6)
        && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0 && type == SOCK_STREAM;
}

/* Appends one line without touching errno (the caller reads the real call's errno). */
static void note(const char *what, int fd, long result)
{
    int saved = errno;
    if (log_fd >= 0 && is_tcp(fd)) {
        char line[64];
        int n = snprintf(line, sizeof line, "%s %d %ld\n", what, fd, result);
        if (n > 0)
            (void)syscall(SYS_write, log_fd, line, (size_t)n);
    }
    errno = saved;
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void *buf, size_t n)
{
    ssize_t r = REAL(write)(fd, buf, n);
    note("send", fd, (long)r);
    return r;
}

ssize_t writev(int fd, const struct iovec *iov, int count)
{
    ssize_t r = REAL(writev)(fd, iov, count);
    note("send", fd, (long)r);
    return r;
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    ssize_t r = REAL(send)(fd, buf, n, flags);
    note("send", fd, (long)r);
    return r;
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t tolen)
{
    ssize_t r = REAL(sendto)(fd, buf, n, flags, to, tolen);
    note("send", fd, (long)r);
    return r;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    ssize_t r = REAL(sendmsg)(fd, msg, flags);
    note("send", fd, (long)r);
    return r;
}

int close(int fd)
{
    note("close", fd, 0);
    return REAL(close)(fd);
}
