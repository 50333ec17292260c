//! Every session is freed once the context and the connections are gone (its own test binary,
//! so that no other test's sessions are counted).

use std::ptr::null_mut;

use sesscache::core::session::live_sessions;
use sesscache::ffi::ctrl::*;
use sesscache::ffi::ctx::*;
use sesscache::ffi::session::*;
use sesscache::ffi::ssl::*;

#[test]
fn nothing_outlives_the_context() {
    assert_eq!(live_sessions(), 0);
    // SAFETY: plain C API use on objects this test owns.
    unsafe {
        let ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_ctrl(ctx, 42, 5, null_mut());
        let mut held = Vec::new();
        for i in 0..20u8 {
            let s = SSL_SESSION_new();
            SSL_SESSION_set1_id(s, [i + 1; 32].as_ptr(), 32);
            SSL_CTX_add_session(ctx, s);
            if i % 3 == 0 {
                held.push(s);
            } else {
                SSL_SESSION_free(s);
            }
        }
        let ssl = SSL_new(ctx);
        SSL_set_session(ssl, held[0]);
        SSL_CTX_free(ctx);
        assert!(live_sessions() > 0, "the SSL still holds the context, so its cache lives");
        SSL_free(ssl);
        assert_eq!(live_sessions(), held.len() as i64, "only the application's sessions remain");
        for s in held {
            SSL_SESSION_free(s);
        }
    }
    assert_eq!(live_sessions(), 0);
}
