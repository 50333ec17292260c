/* For tools/valgrind_supp_check.sh: hands SSL_write a buffer with uninitialised bytes, which
 * memcheck must report through the library (a suppression wide enough to hide it would hide the
 * library's own mistakes too). Exit status 0; valgrind's --error-exitcode tells the result. */
#include <openssl/ssl.h>
#include <stdlib.h>
#include "check.h"
#include "tls_pair.h"

int main(void)
{
    SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
    struct pair p = pair_new(sctx, cctx, NULL);
    if (!pair_handshake(&p)) {
        printf("FAIL handshake\n");
        return 1;
    }
    char *junk = malloc(64); /* never written */
    junk[0] = 'x';
    int n = SSL_write(p.client, junk, 64);
    printf("SSL_write of 64 bytes, 63 uninitialised: %d\n", n);
    free(junk);
    pair_close(&p, 1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return 0;
}
