/* session_table.h — a small external session store keyed by session id, holding
 * i2d_SSL_SESSION bytes (never SSL_SESSION pointers), as shared-memory and Redis caches do. */
#ifndef SESSION_TABLE_H
#define SESSION_TABLE_H

#include <openssl/ssl.h>
#include <stdio.h>
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
    /* When set, entries are files DIR/<hex id>.der shared with other processes instead. */
    const char *dir;
};

static inline void table_path(struct session_table *t, const unsigned char *id, unsigned int len, char *out,
                              size_t size)
{
    int n = snprintf(out, size, "%s/", t->dir);
    for (unsigned int i = 0; i < len && n + 3 < (int)size; i++)
        n += snprintf(out + n, size - (size_t)n, "%02x", id[i]);
    snprintf(out + n, size - (size_t)n, ".der");
}

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
    if (t->dir != NULL) {
        char path[512];
        unsigned char *der = NULL;
        if (len == 0 || der_len <= 0 || (der = malloc((size_t)der_len)) == NULL)
            return 0;
        unsigned char *p = der;
        i2d_SSL_SESSION(sess, &p);
        table_path(t, id, len, path, sizeof path);
        FILE *f = fopen(path, "wb");
        int ok = f != NULL && fwrite(der, 1, (size_t)der_len, f) == (size_t)der_len;
        if (f != NULL)
            fclose(f);
        free(der);
        return ok ? der_len : 0;
    }
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
    if (t->dir != NULL) {
        char path[512];
        unsigned char buf[8192];
        table_path(t, id, len, path, sizeof path);
        FILE *f = fopen(path, "rb");
        if (f == NULL)
            return NULL;
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        const unsigned char *p = buf;
        return d2i_SSL_SESSION(NULL, &p, (long)n);
    }
    struct session_entry *e = table_find(t, id, len);
    if (e == NULL)
        return NULL;
    const unsigned char *p = e->der;
    return d2i_SSL_SESSION(NULL, &p, e->der_len);
}

/* Removing an absent entry is fine: removal must be idempotent. */
static inline void table_remove(struct session_table *t, const unsigned char *id, unsigned int len)
{
    if (t->dir != NULL) {
        char path[512];
        table_path(t, id, len, path, sizeof path);
        remove(path);
        return;
    }
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
