//! The C API driven from Rust through the seam the TLS front uses (`Ssl::server_lookup`,
//! `start_new_session`, `session_established`, `finish_handshake`): the rules that need an
//! established connection, callback reference counting, and callbacks that re-enter the
//! library.

use std::cell::RefCell;
use std::ptr::null_mut;
use std::sync::Arc;

use libc::{c_int, c_uchar};
use sesscache::core::resume::{Ems, Lookup, Side, Source};
use sesscache::ffi::boundary::{SSL, SSL_CTX, SSL_SESSION, borrow};
use sesscache::ffi::ctrl::*;
use sesscache::ffi::ctx::*;
use sesscache::ffi::session::*;
use sesscache::ffi::ssl::*;
use sesscache::state::ssl::*;

const TLS1_2: i32 = 0x0303;
const TLS1_3: i32 = 0x0304;

thread_local! {
    /// What the callbacks saw, per test thread.
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// Sessions the new callback kept (it returned 1).
    static KEPT: RefCell<Vec<*mut SSL_SESSION>> = const { RefCell::new(Vec::new()) };
    /// What the get callback returns, and the `*copy` it sets.
    static GET_RESULT: RefCell<(*mut SSL_SESSION, c_int)> = const { RefCell::new((std::ptr::null_mut(), 1)) };
    static NEW_RETURNS: RefCell<c_int> = const { RefCell::new(0) };
}

fn log(s: String) {
    LOG.with(|l| l.borrow_mut().push(s));
}

fn take_log() -> Vec<String> {
    LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
}

fn tag(s: *mut SSL_SESSION) -> u8 {
    let mut len = 0;
    // SAFETY: callbacks receive live sessions.
    let id = unsafe { SSL_SESSION_get_id(s, &mut len) };
    // SAFETY: get_id returns a pointer to `len` bytes.
    if len == 0 { 0 } else { unsafe { *id } }
}

unsafe extern "C" fn new_cb(_ssl: *mut SSL, s: *mut SSL_SESSION) -> c_int {
    log(format!("new {}", tag(s)));
    let keep = NEW_RETURNS.with(|r| *r.borrow());
    if keep != 0 {
        KEPT.with(|k| k.borrow_mut().push(s));
    }
    keep
}

unsafe extern "C" fn remove_cb(_ctx: *mut SSL_CTX, s: *mut SSL_SESSION) {
    log(format!("remove {}", tag(s)));
}

unsafe extern "C" fn get_cb(_ssl: *mut SSL, data: *const c_uchar, len: c_int, copy: *mut c_int) -> *mut SSL_SESSION {
    // SAFETY: the library passes `len` readable bytes and a valid `copy`.
    let first = unsafe { *data };
    // SAFETY: as above.
    log(format!("get {first} len={len} copy_in={}", unsafe { *copy }));
    let (s, c) = GET_RESULT.with(|g| *g.borrow());
    // SAFETY: as above.
    unsafe { *copy = c };
    s
}

fn refs(s: *mut SSL_SESSION) -> usize {
    // SAFETY: tests pass live sessions.
    let b = unsafe { borrow(s) }.expect("live session");
    Arc::strong_count(&b)
}

fn ssl_obj(ssl: *mut SSL) -> sesscache::ffi::boundary::Borrowed<Ssl> {
    // SAFETY: tests pass live connections.
    unsafe { borrow(ssl) }.expect("live SSL")
}

struct Fixture {
    ctx: *mut SSL_CTX,
}

impl Fixture {
    fn new() -> Fixture {
        take_log();
        // SAFETY: plain C API use on objects this test owns.
        unsafe {
            let ctx = SSL_CTX_new(TLS_server_method());
            SSL_CTX_sess_set_new_cb(ctx, Some(new_cb));
            SSL_CTX_sess_set_remove_cb(ctx, Some(remove_cb));
            SSL_CTX_set_session_id_context(ctx, b"app".as_ptr(), 3);
            Fixture { ctx }
        }
    }

    /// A TLS 1.2 full handshake whose new session gets id `tag`*32; returns the SSL, established.
    fn full_handshake(&self, tag: u8) -> *mut SSL {
        // SAFETY: plain C API use.
        let ssl = unsafe { SSL_new(self.ctx) };
        let s = ssl_obj(ssl);
        let session = s.start_new_session(TLS1_2, &[tag; 32]);
        s.finish_handshake(TLS1_2, false);
        s.session_established(&session, Side::Server);
        ssl
    }

    fn resume(&self, tag: u8) -> (*mut SSL, bool) {
        // SAFETY: plain C API use.
        let ssl = unsafe { SSL_new(self.ctx) };
        let s = ssl_obj(ssl);
        s.finish_handshake(TLS1_2, false);
        let hit = matches!(s.server_lookup(Source::SessionId, &[tag; 32], Ems::NotChecked), Lookup::Resume(_));
        (ssl, hit)
    }

    fn number(&self) -> i64 {
        // SAFETY: plain C API use.
        unsafe { SSL_CTX_ctrl(self.ctx, 20, 0, null_mut()) }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // SAFETY: the fixture owns one reference.
        unsafe { SSL_CTX_free(self.ctx) };
    }
}

#[test]
fn unclean_free_removes_the_session_and_clean_free_keeps_it() {
    let f = Fixture::new();
    let ssl = f.full_handshake(1);
    assert_eq!(take_log(), ["new 1"]);
    // SAFETY: plain C API use.
    let kept = unsafe { SSL_get1_session(ssl) };
    // SAFETY: plain C API use.
    unsafe { SSL_free(ssl) };
    assert_eq!(take_log(), ["remove 1"], "freed without SSL_shutdown: the session is invalidated");
    assert_eq!(f.number(), 0);
    // SAFETY: plain C API use.
    unsafe {
        assert_eq!(SSL_SESSION_is_resumable(kept), 0);
        SSL_SESSION_free(kept);
    }

    let ssl = f.full_handshake(2);
    take_log();
    // SAFETY: plain C API use.
    unsafe {
        SSL_set_shutdown(ssl, SENT_SHUTDOWN);
        SSL_free(ssl);
    }
    assert!(take_log().is_empty(), "sent close_notify: the session stays");
    assert_eq!(f.number(), 1);

    // Received close_notify alone does not count as clean.
    let ssl = f.full_handshake(3);
    take_log();
    // SAFETY: plain C API use.
    unsafe {
        SSL_set_shutdown(ssl, RECEIVED_SHUTDOWN);
        SSL_free(ssl);
    }
    assert_eq!(take_log(), ["remove 3"]);
}

#[test]
fn ssl_clear_drops_a_bad_session_and_keeps_a_good_one() {
    let f = Fixture::new();
    let ssl = f.full_handshake(1);
    take_log();
    // SAFETY: plain C API use.
    unsafe {
        assert_eq!(SSL_clear(ssl), 1);
        assert!(SSL_get_session(ssl).is_null(), "unclean: session dropped");
    }
    assert_eq!(take_log(), ["remove 1"]);
    // SAFETY: plain C API use.
    unsafe { SSL_free(ssl) };
    assert!(take_log().is_empty(), "after SSL_clear the connection is back to 'before'");

    let ssl = f.full_handshake(2);
    take_log();
    // SAFETY: plain C API use.
    unsafe {
        SSL_set_shutdown(ssl, SENT_SHUTDOWN);
        SSL_clear(ssl);
        assert!(!SSL_get_session(ssl).is_null(), "clean: session kept for the next connection");
        assert_eq!(SSL_get_shutdown(ssl), 0, "SSL_clear resets the shutdown flags");
        SSL_free(ssl);
    }
    assert!(take_log().is_empty());
}

#[test]
fn set_session_on_an_established_connection_invalidates_the_old_one() {
    let f = Fixture::new();
    let ssl = f.full_handshake(1);
    take_log();
    // SAFETY: plain C API use.
    unsafe {
        let other = SSL_SESSION_new();
        assert_eq!(SSL_set_session(ssl, other), 1);
        SSL_SESSION_free(other);
        assert_eq!(take_log(), ["remove 1"]);
        SSL_set_shutdown(ssl, SENT_SHUTDOWN);
        SSL_free(ssl);
    }
}

#[test]
fn new_callback_reference_is_released_on_zero_and_kept_on_one() {
    let f = Fixture::new();
    NEW_RETURNS.with(|r| *r.borrow_mut() = 0);
    let ssl = f.full_handshake(1);
    // SAFETY: plain C API use.
    let s = unsafe { SSL_get_session(ssl) };
    assert_eq!(refs(s), 2, "the SSL and the cache: the callback's reference went back");
    assert_eq!(f.number(), 1, "returning 0 does not remove the session from the cache");

    NEW_RETURNS.with(|r| *r.borrow_mut() = 1);
    let ssl2 = f.full_handshake(2);
    // SAFETY: plain C API use.
    let s2 = unsafe { SSL_get_session(ssl2) };
    assert_eq!(refs(s2), 3, "the SSL, the cache and the callback");
    KEPT.with(|k| {
        for p in k.borrow_mut().drain(..) {
            // SAFETY: the callback kept this reference.
            unsafe { SSL_SESSION_free(p) };
        }
    });
    NEW_RETURNS.with(|r| *r.borrow_mut() = 0);
    // SAFETY: plain C API use.
    unsafe {
        SSL_set_shutdown(ssl, SENT_SHUTDOWN);
        SSL_set_shutdown(ssl2, SENT_SHUTDOWN);
        SSL_free(ssl);
        SSL_free(ssl2);
    }
}

#[test]
fn resumption_hits_the_internal_cache_and_tls12_resumption_is_not_re_added() {
    let f = Fixture::new();
    let ssl = f.full_handshake(1);
    // SAFETY: plain C API use.
    unsafe {
        SSL_set_shutdown(ssl, SENT_SHUTDOWN);
        SSL_free(ssl);
    }
    take_log();
    let (ssl, hit) = f.resume(1);
    assert!(hit);
    // SAFETY: plain C API use.
    unsafe {
        assert_eq!(SSL_session_reused(ssl), 1);
        assert_eq!(SSL_CTX_ctrl(f.ctx, 27, 0, null_mut()), 1, "hits");
        let s = SSL_get_session(ssl);
        ssl_obj(ssl).session_established(&borrow(s).unwrap(), Side::Server);
    }
    assert!(take_log().is_empty(), "a TLS 1.2 resumption calls no new callback");
    let (ssl2, hit) = f.resume(9);
    assert!(!hit);
    // SAFETY: plain C API use.
    unsafe {
        assert_eq!(SSL_CTX_ctrl(f.ctx, 29, 0, null_mut()), 1, "misses");
        SSL_set_shutdown(ssl, SENT_SHUTDOWN);
        SSL_free(ssl);
        SSL_free(ssl2);
    }
}

#[test]
fn get_callback_copy_semantics() {
    let f = Fixture::new();
    // SAFETY: plain C API use.
    unsafe { SSL_CTX_sess_set_get_cb(f.ctx, Some(get_cb)) };
    let make = |tag: u8| {
        // SAFETY: plain C API use.
        unsafe {
            let s = SSL_SESSION_new();
            SSL_SESSION_set1_id(s, [tag; 32].as_ptr(), 32);
            SSL_SESSION_set1_id_context(s, b"app".as_ptr(), 3);
            SSL_SESSION_set_protocol_version(s, TLS1_2);
            s
        }
    };
    // copy left at 1: the library takes its own reference, the application keeps its own.
    let ext = make(5);
    GET_RESULT.with(|g| *g.borrow_mut() = (ext, 1));
    let (ssl, hit) = f.resume(5);
    assert!(hit);
    assert_eq!(take_log(), ["get 5 len=32 copy_in=1"]);
    assert_eq!(refs(ext), 3, "application + cache + SSL");
    // SAFETY: plain C API use.
    unsafe {
        assert_eq!(SSL_CTX_ctrl(f.ctx, 28, 0, null_mut()), 1, "cb_hits");
        SSL_set_shutdown(ssl, SENT_SHUTDOWN);
        SSL_free(ssl);
    }
    assert_eq!(refs(ext), 2);
    // SAFETY: the application's own reference.
    unsafe { SSL_SESSION_free(ext) };

    // copy set to 0: the library adopts the reference handed to it (as with a fresh d2i).
    let ext = make(6);
    GET_RESULT.with(|g| *g.borrow_mut() = (ext, 0));
    let (ssl, hit) = f.resume(6);
    assert!(hit);
    assert_eq!(refs(ext), 2, "cache + SSL: the callback's reference was adopted");
    // SAFETY: plain C API use.
    unsafe {
        SSL_set_shutdown(ssl, SENT_SHUTDOWN);
        SSL_free(ssl);
    }
    assert_eq!(refs(ext), 1, "only the cache holds it now");
    GET_RESULT.with(|g| *g.borrow_mut() = (null_mut(), 1));
}

thread_local! {
    static REENTER_CTX: RefCell<*mut SSL_CTX> = const { RefCell::new(std::ptr::null_mut()) };
}

unsafe extern "C" fn reentrant_remove_cb(ctx: *mut SSL_CTX, s: *mut SSL_SESSION) {
    log(format!("remove {}", tag(s)));
    // Removing from inside the callback calls the callback again: re-enter one level only.
    let nested = REENTER_CTX.with(|c| std::mem::replace(&mut *c.borrow_mut(), ctx)) == ctx;
    if nested {
        return;
    }
    // SAFETY: the library passes live objects; re-entering is allowed (no lock is held).
    unsafe {
        let n = SSL_CTX_ctrl(ctx, 20, 0, null_mut());
        SSL_CTX_flush_sessions(ctx, 1);
        let again = SSL_CTX_remove_session(ctx, s);
        log(format!("inside: number={n} remove_again={again}"));
    }
    REENTER_CTX.with(|c| *c.borrow_mut() = std::ptr::null_mut());
}

#[test]
fn remove_callback_may_reenter_during_eviction_and_flush() {
    let f = Fixture::new();
    // SAFETY: plain C API use.
    unsafe {
        SSL_CTX_sess_set_remove_cb(f.ctx, Some(reentrant_remove_cb));
        SSL_CTX_ctrl(f.ctx, 42, 2, null_mut());
        let a = SSL_SESSION_new();
        SSL_SESSION_set1_id(a, [1; 32].as_ptr(), 32);
        let b = SSL_SESSION_new();
        SSL_SESSION_set1_id(b, [2; 32].as_ptr(), 32);
        SSL_SESSION_set_timeout(b, 1000);
        assert_eq!(SSL_CTX_add_session(f.ctx, a), 1);
        assert_eq!(SSL_CTX_add_session(f.ctx, b), 1, "evicts a; the callback re-enters");
        let l = take_log();
        // The nested remove of `a` (not cached any more) calls the callback again.
        assert_eq!(l[0], "remove 1");
        assert!(l.iter().any(|x| x == "inside: number=1 remove_again=0"), "{l:?}");
        SSL_CTX_flush_sessions(f.ctx, 0);
        assert!(take_log().contains(&"remove 2".to_string()));
        assert_eq!(SSL_CTX_ctrl(f.ctx, 20, 0, null_mut()), 0);
        SSL_SESSION_free(a);
        SSL_SESSION_free(b);
    }
}

#[test]
fn tls13_tickets_call_the_new_callback_per_ticket_with_distinct_sessions() {
    let f = Fixture::new();
    // SAFETY: plain C API use.
    let ssl = unsafe { SSL_new(f.ctx) };
    let s = ssl_obj(ssl);
    let first = s.start_new_session(TLS1_3, &[1; 32]);
    s.finish_handshake(TLS1_3, false);
    s.session_established(&first, Side::Server);
    let second = first.dup_resumable();
    second.set_id(&[2; 32]);
    s.session_established(&second, Side::Server);
    assert_eq!(take_log(), ["new 1", "new 2"]);
    assert_eq!(f.number(), 2, "a remove callback is installed, so TLS 1.3 sessions are stored");
    // SAFETY: plain C API use.
    unsafe {
        SSL_set_shutdown(ssl, SENT_SHUTDOWN);
        SSL_free(ssl);
    }
}
