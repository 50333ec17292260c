/* Expiry detected at lookup, TLS 1.2 session ids, internal cache with a tracing get callback:
 * SSL_SESSION_set_time on the cached object moves it into the past. An entry aged to 200 s before
 * its expiry still resumes; an entry aged 100 s past its expiry is found, counted in timeouts,
 * removed (remove callback), not counted as a miss, and the get callback is not asked; the next
 * offer of the same id is then an ordinary miss. Times are only ever relative to the session's own
 * time. */
#include "trace.h"

/* Sets the time of s so that, seen from `ref` (its creation time), it expired
 * seconds_past_expiry ago (negative: expires in that many seconds). */
static void age(SSL_SESSION *s, long ref, long seconds_past_expiry)
{
    long t = ref - SSL_SESSION_get_timeout(s) - seconds_past_expiry;
    long r = SSL_SESSION_set_time(s, t);
    T("SSL_SESSION_set_time(%s, created - timeout %s %ld) returned t: %s; timeout=%ld", S(s),
      seconds_past_expiry < 0 ? "+" : "-", seconds_past_expiry < 0 ? -seconds_past_expiry : seconds_past_expiry,
      r == t ? "yes" : "no", SSL_SESSION_get_timeout(s));
}

int main(void)
{
    SSL_CTX *server = server_ctx(), *client = client_ctx();
    ctx_name(server, "server");
    ctx_name(client, "client");
    SSL_CTX_set_options(server, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_proto_version(server, TLS1_2_VERSION);
    install_callbacks(server, 1, 1, 1);
    new_cb_return = 1;
    get_mode = GET_NONE;

    SSL_SESSION *c1 = connection("1 (full)", server, client, NULL, 1);
    SSL_SESSION *c2 = connection("2 (full)", server, client, NULL, 1);
    SSL_SESSION *k1 = kept[0], *k2 = kept[1];
    long ref1 = SSL_SESSION_get_time(k1), ref2 = SSL_SESSION_get_time(k2);
    counters(server);

    /* 200 seconds before expiry: still good. */
    age(k2, ref2, -200);
    SSL_SESSION *c3 = connection("3 (resume, 200 s left)", server, client, c2, 1);
    counters(server);

    /* 100 seconds past expiry. */
    age(k1, ref1, 100);
    T("cached %s resumable=%d before the lookup", S(k1), resumable(k1));
    SSL_SESSION *c4 = connection("4 (resume, server entry expired)", server, client, c1, 1);
    T("cached %s resumable=%d after the lookup", S(k1), resumable(k1));
    counters(server);
    counters(client);
    SSL_SESSION *c5 = connection("5 (offer the expired id again)", server, client, c1, 1);
    counters(server);

    /* The still-good one expires as well: a second timeout. */
    age(k2, ref2, 1);
    SSL_SESSION *c6 = connection("6 (resume, second entry expired)", server, client, c2, 1);
    counters(server);

    /* A fresh session, expired then made fresh again by set_time. */
    SSL_SESSION *k4 = kept[kept_count - 1];
    long ref4 = SSL_SESSION_get_time(k4);
    age(k4, ref4, 50);
    age(k4, ref4, -50);
    SSL_SESSION *c7 = connection("7 (resume, aged and refreshed)", server, client, c6, 1);
    counters(server);

    T("SSL_CTX_free(server)");
    SSL_CTX_free(server);
    SSL_SESSION *all[] = { c1, c2, c3, c4, c5, c6, c7 };
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        SSL_SESSION_free(all[i]);
    SSL_CTX_free(client);
    free_kept();
    return 0;
}
