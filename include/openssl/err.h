/*
 * sesscache: the error queue part of OpenSSL 3.0's <openssl/err.h>. The functions are declared
 * in <openssl/ssl.h>, which this includes.
 */
#ifndef SESSCACHE_OPENSSL_ERR_H
#define SESSCACHE_OPENSSL_ERR_H

#include <openssl/ssl.h>

#define ERR_LIB_SYS 2
#define ERR_LIB_PEM 9
#define ERR_LIB_X509 11
#define ERR_LIB_ASN1 13
#define ERR_LIB_SSL 20
#define ERR_LIB_OFFSET 23L
#define ERR_LIB_MASK 0xFF
#define ERR_REASON_MASK 0X7FFFFF
#define ERR_SYSTEM_FLAG ((unsigned int)0x7fffffff + 1)
#define ERR_SYSTEM_MASK ((unsigned int)0x7fffffff)
#define ERR_SYSTEM_ERROR(errcode) (((errcode) & ERR_SYSTEM_FLAG) != 0)
#define ERR_GET_LIB(errcode) \
    (ERR_SYSTEM_ERROR(errcode) ? ERR_LIB_SYS : (int)(((errcode) >> ERR_LIB_OFFSET) & ERR_LIB_MASK))
#define ERR_GET_REASON(errcode) \
    (ERR_SYSTEM_ERROR(errcode) ? (int)((errcode) & ERR_SYSTEM_MASK) : (int)((errcode) & ERR_REASON_MASK))

#endif
