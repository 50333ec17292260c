/* session_table.h — a small external session store keyed by session id, holding
 * i2d_SSL_SESSION bytes (never SSL_SESSION pointers), as shared-memory and Redis caches do. */
#ifndef SESSION_TABLE_H
#define SESSION_TABLE_H

#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_SLOTS 256

struct session_entry {
    unsigned char id[SSL_MAX_SSL_SESSION_ID_LENGTH];
    unsigned int id_len;
    unsigned char *der;
    int der_len;
};

struct session_table {
    struct session_entry slot[TABLE_SLOTS];
};

static inline struct session_entry *table_find(struct session_table *t, const unsigned char *id, unsigned int len)
{
    for (int i = 0; i < TABLE_SLOTS; i++)
        if (t->slot[i].der != NULL && t->slot[i].id_len == len && memcmp(t->slot[i].id, id, len) == 0)
            return &t->slot[i];
    return NULL;
}

/* Stores the session's DER under its id; returns the DER length, or 0 if not stored. */
static inline int table_put(struct session_table *t, SSL_SESSION *sess)
{
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);
    int der_len = i2d_SSL_SESSION(sess, NULL);
    struct session_entry *e = table_find(t, id, len);
    for (int i = 0; e == NULL && i < TABLE_SLOTS; i++)
        if (t->slot[i].der == NULL)
            e = &t->slot[i];
    if (e == NULL || der_len <= 0 || len == 0)
        return 0;
    unsigned char *der = malloc((size_t)der_len), *p = der;
    if (der == NULL)
        return 0;
    free(e->der);
    e->der = der;
    e->der_len = i2d_SSL_SESSION(sess, &p);
    memcpy(e->id, id, len);
    e->id_len = len;
    return e->der_len;
}

/* A fresh session decoded from the stored bytes (the caller owns it), or NULL. */
static inline SSL_SESSION *table_get(struct session_table *t, const unsigned char *id, unsigned int len)
{
    struct session_entry *e = table_find(t, id, len);
    if (e == NULL)
        return NULL;
    const unsigned char *p = e->der;
    return d2i_SSL_SESSION(NULL, &p, e->der_len);
}

/* Removing an absent entry is fine: removal must be idempotent. */
static inline void table_remove(struct session_table *t, const unsigned char *id, unsigned int len)
{
    struct session_entry *e = table_find(t, id, len);
    if (e != NULL) {
        free(e->der);
        e->der = NULL;
    }
}

static inline int table_count(struct session_table *t)
{
    int n = 0;
    for (int i = 0; i < TABLE_SLOTS; i++)
        n += t->slot[i].der != NULL;
    return n;
}

static inline void table_clear(struct session_table *t)
{
    for (int i = 0; i < TABLE_SLOTS; i++) {
        free(t->slot[i].der);
        t->slot[i].der = NULL;
    }
}

#endif
