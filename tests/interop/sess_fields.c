/* sess_fields FILE.der [OUT.pem] — reads a session with d2i_SSL_SESSION and prints, in the
 * layout of `openssl sess_id -text -noout`, the fields our getters return, so the two can be
 * compared; with OUT.pem, also writes it with PEM_write_SSL_SESSION.
 * sess_fields --pem FILE.pem — the same for a session read with PEM_read_SSL_SESSION. */
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>

static void hex(const char *label, const unsigned char *p, size_t n)
{
    printf("    %s", label);
    for (size_t i = 0; i < n; i++)
        printf("%02X", p[i]);
    printf("\n");
}

int main(int argc, char **argv)
{
    unsigned char buf[16384], key[512];
    int pem = argc > 2 && strcmp(argv[1], "--pem") == 0;
    FILE *f = argc > 1 ? fopen(argv[pem ? 2 : 1], "rb") : NULL;
    if (f == NULL)
        return 2;
    SSL_SESSION *s;
    if (pem) {
        s = PEM_read_SSL_SESSION(f, NULL, NULL, NULL);
        fclose(f);
    } else {
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        const unsigned char *p = buf;
        s = d2i_SSL_SESSION(NULL, &p, (long)n);
    }
    if (s == NULL)
        return 1;
    if (!pem && argc > 2) {
        FILE *out = fopen(argv[2], "w");
        if (out == NULL || PEM_write_SSL_SESSION(out, s) != 1)
            return 3;
        fclose(out);
    }
    int v = SSL_SESSION_get_protocol_version(s);
    printf("    Protocol  : %s\n", v == TLS1_3_VERSION ? "TLSv1.3" : v == TLS1_2_VERSION ? "TLSv1.2" : "unknown");
    printf("    Cipher    : %s\n", SSL_CIPHER_get_name(SSL_SESSION_get0_cipher(s)));
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(s, &len);
    hex("Session-ID: ", id, len);
    id = SSL_SESSION_get0_id_context(s, &len);
    hex("Session-ID-ctx: ", id, len);
    size_t k = SSL_SESSION_get_master_key(s, key, sizeof key);
    hex(v == TLS1_3_VERSION ? "Resumption PSK: " : "Master-Key: ", key, k);
    printf("    Start Time: %ld\n", SSL_SESSION_get_time(s));
    printf("    Timeout   : %ld (sec)\n", SSL_SESSION_get_timeout(s));
    SSL_SESSION_free(s);
    return 0;
}
