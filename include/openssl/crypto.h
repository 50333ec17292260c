/* sesscache: <openssl/crypto.h> for programs that include it; the API lives in <openssl/ssl.h>. */
#ifndef SESSCACHE_OPENSSL_CRYPTO_H
#define SESSCACHE_OPENSSL_CRYPTO_H
#include <openssl/ssl.h>
#endif
