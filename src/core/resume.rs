//! The resumption protocol, independent of the TLS engine: OpenSSL 3.0's server lookup
//! (`ssl_get_prev_session` / `lookup_sess_in_cache`), "a session was established"
//! (`ssl_update_cache`) and "a connection ended" (`ssl_clear_bad_session`).
//!
//! The application is reached through [`Application`]; each of its methods is called with no
//! lock held, so it may call back into any part of the library.

use std::sync::Arc;

use super::cache::{Cache, Removed, Stats, mode};
use super::session::Session;

/// `TLS1_3_VERSION`.
pub const TLS1_3_VERSION: i32 = 0x0304;
/// `SSL_OP_NO_TICKET`.
pub const OP_NO_TICKET: u64 = 1 << 14;
/// `SSL_OP_NO_ANTI_REPLAY`.
pub const OP_NO_ANTI_REPLAY: u64 = 1 << 24;

/// The application's callbacks, as seen from one connection (or from the context alone).
pub trait Application {
    /// `new_session_cb`: a session worth keeping was established. The application takes its own
    /// reference if it wants to keep the session.
    fn new_session(&self, _session: &Arc<Session>) {}
    /// `get_session_cb`: the internal cache had nothing for `id`.
    fn get_session(&self, _id: &[u8]) -> Option<Arc<Session>> {
        None
    }
    /// `remove_session_cb`: `session` left the cache or was invalidated.
    fn session_removed(&self, _session: &Arc<Session>) {}
    /// Whether a remove callback is installed (it changes what TLS 1.3 servers store); without
    /// one, a flush does not report its sessions to `session_removed`.
    fn has_remove_callback(&self) -> bool {
        false
    }
}

/// An application without callbacks.
pub struct NoApplication;
impl Application for NoApplication {}

/// `SSL_CTX_add_session`: adds, then reports evictions through the remove hook.
pub fn add_session(cache: &Cache, app: &dyn Application, session: &Arc<Session>) -> bool {
    let added = cache.add(session);
    for victim in &added.evicted {
        app.session_removed(victim);
    }
    added.inserted
}

/// `SSL_CTX_remove_session`: the remove hook sees the argument whenever its id is non-empty,
/// cached or not. Returns whether an entry was removed.
pub fn remove_session(cache: &Cache, app: &dyn Application, session: &Arc<Session>) -> bool {
    match cache.remove(session) {
        Removed::Ignored => false,
        Removed::Done { entry } => {
            app.session_removed(session);
            // The cache's reference to the removed entry is released after the hook.
            entry.is_some()
        }
    }
}

/// `SSL_CTX_flush_sessions`: the remove hook once per flushed session, earliest expiry first.
pub fn flush_sessions(cache: &Cache, app: &dyn Application, tm: i64) {
    let flushed = cache.flush(tm);
    // Asked once: without a remove hook, a large flush reads nothing more per session.
    if flushed.is_empty() || !app.has_remove_callback() {
        return;
    }
    for s in &flushed {
        app.session_removed(s);
    }
}

/// What the cache logic needs to know about the connection.
#[derive(Clone, Debug, Default)]
pub struct Conn<'a> {
    pub is_server: bool,
    /// The negotiated (or, before negotiation, the highest enabled) protocol version.
    pub version: i32,
    /// The connection's session id context.
    pub sid_ctx: &'a [u8],
    /// `SSL_VERIFY_PEER` is set.
    pub verify_peer: bool,
    pub options: u64,
    pub max_early_data: u32,
    /// This handshake resumed a session.
    pub hit: bool,
}

impl Conn<'_> {
    fn is_tls13(&self) -> bool {
        self.version >= TLS1_3_VERSION
    }
}

/// `ssl_get_new_session`: a fresh session for a full handshake, with the connection's version
/// and id context, created now, and the context's timeout (7200 when that is 0).
pub fn new_session(cache: &Cache, conn: &Conn<'_>, id: &[u8]) -> Arc<Session> {
    let s = Session::new(cache.now());
    s.update(|f| {
        f.version = conn.version;
        if let Some(sid_ctx) = super::session::SidCtx::new(conn.sid_ctx) {
            f.sid_ctx = sid_ctx;
        }
        if let Some(id) = super::session::SessionId::new(id) {
            f.id = id;
        }
        // A handshake's session records the connection's max_fragment_length mode, which is
        // "disabled" unless negotiated (a bare SSL_SESSION_new says "unspecified").
        f.max_fragment_len_mode = 0;
        let now = f.time;
        f.set_lifetime(now, cache.session_timeout());
    });
    s
}

/// `lookup_sess_in_cache`: the internal cache unless `NO_INTERNAL_LOOKUP`, then the get hook
/// (whatever the mode). A hook result that is not resumable is ignored; otherwise it counts a
/// callback hit and is stored internally unless `NO_INTERNAL_STORE`.
pub fn lookup(cache: &Cache, app: &dyn Application, conn: &Conn<'_>, id: &[u8]) -> Option<Arc<Session>> {
    let m = cache.mode();
    if m & mode::NO_INTERNAL_LOOKUP == 0 {
        let found = cache.get(conn.version, id);
        if found.is_some() {
            return found;
        }
        Stats::bump(&cache.stats.misses);
    }
    let external = app.get_session(id)?;
    if external.is_marked_not_resumable() {
        return None;
    }
    Stats::bump(&cache.stats.cb_hits);
    if cache.mode() & mode::NO_INTERNAL_STORE == 0 {
        add_session(cache, app, &external);
    }
    Some(external)
}

/// How the server looks for a session to resume.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A TLS ≤ 1.2 session id (a cache lookup; an expired hit is removed from the cache).
    SessionId,
    /// A TLS 1.3 stateful ticket: the 32-byte identity is looked up like an id, but an expired
    /// hit stays in the cache.
    StatefulTicket,
}

/// Extended master secret state of the new ClientHello.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ems {
    /// Not a TLS ≤ 1.2 handshake, or the engine enforces EMS itself.
    NotChecked,
    Offered,
    NotOffered,
}

/// The outcome of the server's search for a session to resume.
#[derive(Debug)]
pub enum Lookup {
    Resume(Arc<Session>),
    /// Go on with a full handshake.
    Miss,
    /// Abort the handshake (OpenSSL sends an alert).
    Fatal(FatalReason),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FatalReason {
    /// `SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED`: `VERIFY_PEER` without an id context.
    SidCtxUninitialized,
    /// `SSL_R_INCONSISTENT_EXTMS`.
    InconsistentExtms,
}

/// `ssl_get_prev_session` for a session id or stateful ticket identity: the cache lookup and
/// then the checks of [`check_found`].
pub fn server_lookup(
    cache: &Cache,
    app: &dyn Application,
    conn: &Conn<'_>,
    source: Source,
    id: &[u8],
    ems: Ems,
) -> Lookup {
    let usable_id = match source {
        Source::SessionId => !id.is_empty() && id.len() <= super::session::MAX_ID_LEN,
        Source::StatefulTicket => id.len() == 32,
    };
    if !usable_id {
        return Lookup::Miss;
    }
    match lookup(cache, app, conn, id) {
        None => Lookup::Miss,
        Some(found) => check_found(cache, app, conn, found, source == Source::SessionId, ems),
    }
}

/// The checks `ssl_get_prev_session` makes on a session it found, from the cache
/// (`from_cache`) or from a ticket: version, id context, `VERIFY_PEER` without an id context
/// (fatal), expiry (counted; a cache hit is removed), extended master secret, then a hit.
pub fn check_found(
    cache: &Cache,
    app: &dyn Application,
    conn: &Conn<'_>,
    found: Arc<Session>,
    from_cache: bool,
    ems: Ems,
) -> Lookup {
    let (version, sid_ctx_matches, expiry, has_ems) = {
        let f = found.read();
        (f.version, f.sid_ctx.as_slice() == conn.sid_ctx, f.expiry(), f.flags & super::session::FLAG_EXTMS != 0)
    };
    if version != conn.version || !sid_ctx_matches {
        return Lookup::Miss;
    }
    if conn.verify_peer && conn.sid_ctx.is_empty() {
        return Lookup::Fatal(FatalReason::SidCtxUninitialized);
    }
    if expiry.has_passed(cache.now()) {
        Stats::bump(&cache.stats.timeouts);
        if from_cache {
            remove_session(cache, app, &found);
        }
        return Lookup::Miss;
    }
    match (has_ems, ems) {
        (true, Ems::NotOffered) => return Lookup::Fatal(FatalReason::InconsistentExtms),
        (false, Ems::Offered) => return Lookup::Miss,
        _ => {}
    }
    Stats::bump(&cache.stats.hits);
    Lookup::Resume(found)
}

/// Which side's cache mode bit applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

impl Side {
    fn mode_bit(self) -> u32 {
        match self {
            Side::Client => mode::CLIENT,
            Side::Server => mode::SERVER,
        }
    }
}

/// `ssl_update_cache`: a session was established (TLS ≤ 1.2 handshake end, or one TLS 1.3
/// ticket sent or received). Stores it, calls the new-session hook, and runs the auto-flush on
/// the 256th, 512th… good handshake. The caller counts `accept_good`/`connect_good` itself,
/// after this call for TLS ≤ 1.2 as OpenSSL does.
pub fn established(cache: &Cache, app: &dyn Application, conn: &Conn<'_>, session: &Arc<Session>, side: Side) {
    let (id_empty, sid_ctx_empty) = {
        let f = session.read();
        (f.id.is_empty(), f.sid_ctx.is_empty())
    };
    if id_empty || session.is_marked_not_resumable() {
        return;
    }
    if conn.is_server && sid_ctx_empty && conn.verify_peer {
        return;
    }
    let m = cache.mode();
    let bit = side.mode_bit();
    if m & bit != 0 && (!conn.hit || conn.is_tls13()) {
        let store = m & mode::NO_INTERNAL_STORE == 0
            && (!conn.is_tls13()
                || !conn.is_server
                || (conn.max_early_data > 0 && conn.options & OP_NO_ANTI_REPLAY == 0)
                || app.has_remove_callback()
                || conn.options & OP_NO_TICKET != 0);
        if store {
            add_session(cache, app, session);
        }
        app.new_session(session);
    }
    if m & mode::NO_AUTO_CLEAR == 0 && m & bit == bit {
        let good = match side {
            Side::Client => &cache.stats.connect_good,
            Side::Server => &cache.stats.accept_good,
        };
        if Stats::get(good) & 0xff == 0xff {
            flush_sessions(cache, app, cache.now());
        }
    }
}

/// `ssl_clear_bad_session`: a connection that finished its handshake and is dropped, cleared
/// or given another session without having sent close_notify invalidates its session.
/// Returns true when it did.
pub fn connection_ended(
    cache: &Cache,
    app: &dyn Application,
    session: Option<&Arc<Session>>,
    sent_shutdown: bool,
    in_handshake_or_before: bool,
) -> bool {
    match session {
        Some(s) if !sent_shutdown && !in_handshake_or_before => {
            remove_session(cache, app, s);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::TestClock;
    use std::cell::RefCell;

    #[derive(Default)]
    struct Recorder {
        log: RefCell<Vec<String>>,
        kept: RefCell<Vec<Arc<Session>>>,
        external: RefCell<Option<Arc<Session>>>,
        remove_hook: bool,
    }

    fn tag(s: &Session) -> u8 {
        s.id().as_slice().first().copied().unwrap_or(0)
    }

    impl Application for Recorder {
        fn new_session(&self, s: &Arc<Session>) {
            self.log.borrow_mut().push(format!("new {}", tag(s)));
            self.kept.borrow_mut().push(Arc::clone(s));
        }
        fn get_session(&self, id: &[u8]) -> Option<Arc<Session>> {
            self.log.borrow_mut().push(format!("get len={}", id.len()));
            self.external.borrow().clone()
        }
        fn session_removed(&self, s: &Arc<Session>) {
            self.log.borrow_mut().push(format!("remove {}", tag(s)));
        }
        fn has_remove_callback(&self) -> bool {
            self.remove_hook
        }
    }

    impl Recorder {
        fn take_log(&self) -> Vec<String> {
            std::mem::take(&mut self.log.borrow_mut())
        }
    }

    const NOW: i64 = 100_000;
    const V12: i32 = 0x0303;

    fn setup() -> (Cache, TestClock) {
        let clock = TestClock::new(NOW);
        (Cache::new(Arc::new(clock.clone())), clock)
    }

    fn sess(id: u8, version: i32, sid_ctx: &[u8]) -> Arc<Session> {
        let s = Session::new(NOW);
        s.set_version(version);
        s.set_id(&[id; 32]);
        s.set_sid_ctx(sid_ctx);
        s.set_timeout(7200);
        s
    }

    fn server(version: i32) -> Conn<'static> {
        Conn { is_server: true, version, sid_ctx: b"ctx", ..Conn::default() }
    }

    fn stat(c: &Cache) -> [u64; 4] {
        [
            Stats::get(&c.stats.hits),
            Stats::get(&c.stats.misses),
            Stats::get(&c.stats.cb_hits),
            Stats::get(&c.stats.timeouts),
        ]
    }

    #[test]
    fn internal_hit_counts_a_hit() {
        let (c, _) = setup();
        let h = Recorder::default();
        let s = sess(1, V12, b"ctx");
        c.add(&s);
        match server_lookup(&c, &h, &server(V12), Source::SessionId, &[1; 32], Ems::NotChecked) {
            Lookup::Resume(r) => assert!(Arc::ptr_eq(&r, &s)),
            other => panic!("{other:?}"),
        }
        assert_eq!(stat(&c), [1, 0, 0, 0]);
        assert!(h.take_log().is_empty(), "an internal hit calls no hook");
    }

    #[test]
    fn internal_miss_then_get_hook_is_stored_and_counted() {
        let (c, _) = setup();
        let h = Recorder::default();
        *h.external.borrow_mut() = Some(sess(7, V12, b"ctx"));
        let r = server_lookup(&c, &h, &server(V12), Source::SessionId, &[7; 32], Ems::NotChecked);
        assert!(matches!(r, Lookup::Resume(_)));
        assert_eq!(stat(&c), [1, 1, 1, 0]);
        assert_eq!(h.take_log(), vec!["get len=32"]);
        assert_eq!(c.len(), 1, "stored internally without NO_INTERNAL_STORE");
    }

    #[test]
    fn no_internal_lookup_skips_cache_and_miss_count() {
        let (c, _) = setup();
        c.set_mode(mode::SERVER | mode::NO_INTERNAL_LOOKUP | mode::NO_INTERNAL_STORE);
        c.add(&sess(7, V12, b"ctx"));
        let h = Recorder::default();
        let r = server_lookup(&c, &h, &server(V12), Source::SessionId, &[7; 32], Ems::NotChecked);
        assert!(matches!(r, Lookup::Miss));
        assert_eq!(stat(&c), [0, 0, 0, 0]);
        assert_eq!(h.take_log(), vec!["get len=32"]);
    }

    #[test]
    fn get_hook_runs_with_mode_off_and_stores() {
        let (c, _) = setup();
        c.set_mode(mode::OFF);
        let h = Recorder::default();
        *h.external.borrow_mut() = Some(sess(7, V12, b"ctx"));
        assert!(matches!(
            server_lookup(&c, &h, &server(V12), Source::SessionId, &[7; 32], Ems::NotChecked),
            Lookup::Resume(_)
        ));
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn not_resumable_external_session_is_ignored_silently() {
        let (c, _) = setup();
        let h = Recorder::default();
        let ext = sess(7, V12, b"ctx");
        ext.mark_not_resumable();
        *h.external.borrow_mut() = Some(ext);
        let r = server_lookup(&c, &h, &server(V12), Source::SessionId, &[7; 32], Ems::NotChecked);
        assert!(matches!(r, Lookup::Miss));
        assert_eq!(stat(&c), [0, 1, 0, 0], "no cb_hit for a not-resumable result");
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn internal_hit_ignores_not_resumable() {
        let (c, _) = setup();
        let s = sess(1, V12, b"ctx");
        c.add(&s);
        s.mark_not_resumable();
        let r = server_lookup(&c, &NoApplication, &server(V12), Source::SessionId, &[1; 32], Ems::NotChecked);
        assert!(matches!(r, Lookup::Resume(_)));
    }

    #[test]
    fn sid_ctx_mismatch_is_a_silent_miss_but_external_result_stays_stored() {
        let (c, _) = setup();
        let h = Recorder::default();
        *h.external.borrow_mut() = Some(sess(7, V12, b"other"));
        let r = server_lookup(&c, &h, &server(V12), Source::SessionId, &[7; 32], Ems::NotChecked);
        assert!(matches!(r, Lookup::Miss));
        assert_eq!(stat(&c), [0, 1, 1, 0]);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn version_mismatch_is_a_miss() {
        let (c, _) = setup();
        let h = Recorder::default();
        *h.external.borrow_mut() = Some(sess(7, 0x0302, b"ctx"));
        assert!(matches!(
            server_lookup(&c, &h, &server(V12), Source::SessionId, &[7; 32], Ems::NotChecked),
            Lookup::Miss
        ));
    }

    #[test]
    fn verify_peer_without_sid_ctx_is_fatal_only_when_found() {
        let (c, _) = setup();
        let conn = Conn { is_server: true, version: V12, verify_peer: true, ..Conn::default() };
        assert!(matches!(
            server_lookup(&c, &NoApplication, &conn, Source::SessionId, &[1; 32], Ems::NotChecked),
            Lookup::Miss
        ));
        c.add(&sess(1, V12, b""));
        assert!(matches!(
            server_lookup(&c, &NoApplication, &conn, Source::SessionId, &[1; 32], Ems::NotChecked),
            Lookup::Fatal(FatalReason::SidCtxUninitialized)
        ));
    }

    #[test]
    fn expired_cache_hit_is_removed_with_hook_and_counted_as_timeout() {
        let (c, clock) = setup();
        let h = Recorder::default();
        let s = sess(1, V12, b"ctx");
        c.add(&s);
        clock.set(NOW + 7200);
        assert!(matches!(
            server_lookup(&c, &h, &server(V12), Source::SessionId, &[1; 32], Ems::NotChecked),
            Lookup::Resume(_)
        ));
        clock.set(NOW + 7201);
        assert!(matches!(
            server_lookup(&c, &h, &server(V12), Source::SessionId, &[1; 32], Ems::NotChecked),
            Lookup::Miss
        ));
        assert_eq!(stat(&c), [1, 0, 0, 1], "timeout counted, not a miss");
        assert_eq!(h.take_log(), vec!["remove 1"]);
        assert_eq!(c.len(), 0);
        assert!(!s.is_resumable());
    }

    #[test]
    fn expired_stateful_ticket_stays_cached() {
        let (c, clock) = setup();
        let h = Recorder::default();
        c.add(&sess(1, TLS1_3_VERSION, b"ctx"));
        clock.set(NOW + 7201);
        let conn = server(TLS1_3_VERSION);
        assert!(matches!(
            server_lookup(&c, &h, &conn, Source::StatefulTicket, &[1; 32], Ems::NotChecked),
            Lookup::Miss
        ));
        assert_eq!(c.len(), 1);
        assert!(h.take_log().is_empty());
        assert!(matches!(
            server_lookup(&c, &h, &conn, Source::StatefulTicket, &[1; 31], Ems::NotChecked),
            Lookup::Miss
        ));
    }

    #[test]
    fn ems_rules() {
        let (c, _) = setup();
        let s = sess(1, V12, b"ctx");
        s.update(|f| f.flags |= crate::core::session::FLAG_EXTMS);
        c.add(&s);
        let plain = sess(2, V12, b"ctx");
        c.add(&plain);
        let conn = server(V12);
        let look = |id: u8, ems| server_lookup(&c, &NoApplication, &conn, Source::SessionId, &[id; 32], ems);
        assert!(matches!(look(1, Ems::NotOffered), Lookup::Fatal(FatalReason::InconsistentExtms)));
        assert!(matches!(look(2, Ems::Offered), Lookup::Miss));
        assert!(matches!(look(1, Ems::Offered), Lookup::Resume(_)));
    }

    #[test]
    fn empty_id_is_not_looked_up() {
        let (c, _) = setup();
        let h = Recorder::default();
        assert!(matches!(server_lookup(&c, &h, &server(V12), Source::SessionId, &[], Ems::NotChecked), Lookup::Miss));
        assert_eq!(stat(&c), [0, 0, 0, 0]);
        assert!(h.take_log().is_empty());
    }

    #[test]
    fn established_tls12_server_adds_then_calls_new_hook() {
        let (c, _) = setup();
        let h = Recorder::default();
        let s = sess(1, V12, b"ctx");
        established(&c, &h, &server(V12), &s, Side::Server);
        assert_eq!(c.len(), 1);
        assert_eq!(h.take_log(), vec!["new 1"]);
        // A TLS 1.2 resumption neither adds nor calls the hook.
        let resumed = Conn { hit: true, ..server(V12) };
        let s2 = sess(2, V12, b"ctx");
        established(&c, &h, &resumed, &s2, Side::Server);
        assert_eq!(c.len(), 1);
        assert!(h.take_log().is_empty());
    }

    #[test]
    fn established_evictions_come_before_new_hook() {
        let (c, _) = setup();
        c.set_size(2);
        let h = Recorder::default();
        established(&c, &h, &server(V12), &sess(1, V12, b"ctx"), Side::Server);
        established(&c, &h, &server(V12), &sess(2, V12, b"ctx"), Side::Server);
        assert_eq!(h.take_log(), vec!["new 1", "remove 1", "new 2"]);
    }

    #[test]
    fn established_gating() {
        let (c, _) = setup();
        let h = Recorder::default();
        // empty id
        established(&c, &h, &server(V12), &Session::new(NOW), Side::Server);
        // not resumable
        let nr = sess(3, V12, b"ctx");
        nr.mark_not_resumable();
        established(&c, &h, &server(V12), &nr, Side::Server);
        // VERIFY_PEER and no sid_ctx on the session
        let vp = Conn { verify_peer: true, ..server(V12) };
        established(&c, &h, &vp, &sess(4, V12, b""), Side::Server);
        assert!(h.take_log().is_empty());
        assert_eq!(c.len(), 0);
        // client side needs CLIENT mode
        let client = Conn { is_server: false, version: V12, ..Conn::default() };
        established(&c, &h, &client, &sess(5, V12, b""), Side::Client);
        assert!(h.take_log().is_empty());
        c.set_mode(mode::CLIENT | mode::NO_INTERNAL_STORE);
        established(&c, &h, &client, &sess(5, V12, b""), Side::Client);
        assert_eq!(h.take_log(), vec!["new 5"]);
        assert_eq!(c.len(), 0, "NO_INTERNAL_STORE suppresses only the add");
    }

    #[test]
    fn tls13_server_stores_only_with_remove_hook_or_no_ticket() {
        let conn = server(TLS1_3_VERSION);
        for (remove_hook, options, stored) in [(false, 0, 0), (true, 0, 1), (false, OP_NO_TICKET, 1)] {
            let (c, _) = setup();
            let h = Recorder { remove_hook, ..Recorder::default() };
            let conn = Conn { options, ..conn.clone() };
            established(&c, &h, &conn, &sess(1, TLS1_3_VERSION, b"ctx"), Side::Server);
            assert_eq!(c.len(), stored, "remove_hook={remove_hook} options={options:#x}");
            assert_eq!(h.take_log(), vec!["new 1"]);
            // A resumption still calls the hook in TLS 1.3.
            let resumed = Conn { hit: true, ..conn };
            established(&c, &h, &resumed, &sess(2, TLS1_3_VERSION, b"ctx"), Side::Server);
            assert_eq!(h.take_log(), vec!["new 2"]);
        }
    }

    #[test]
    fn auto_flush_runs_when_good_count_ends_in_ff() {
        let (c, clock) = setup();
        let h = Recorder { remove_hook: true, ..Recorder::default() };
        let old = sess(9, V12, b"ctx");
        old.set_timeout(1);
        c.add(&old);
        clock.set(NOW + 10);
        for i in 0..255u64 {
            c.stats.accept_good.store(i, std::sync::atomic::Ordering::Relaxed);
            established(&c, &h, &Conn { hit: true, ..server(V12) }, &sess(1, V12, b"ctx"), Side::Server);
        }
        assert!(h.take_log().is_empty(), "no flush before the 256th handshake");
        c.stats.accept_good.store(255, std::sync::atomic::Ordering::Relaxed);
        established(&c, &h, &Conn { hit: true, ..server(V12) }, &sess(1, V12, b"ctx"), Side::Server);
        assert_eq!(h.take_log(), vec!["remove 9"]);
        // NO_AUTO_CLEAR disables it.
        c.add(&old);
        c.set_mode(mode::SERVER | mode::NO_AUTO_CLEAR);
        established(&c, &h, &server(V12), &sess(2, V12, b"ctx"), Side::Server);
        assert_eq!(h.take_log(), vec!["new 2"]);
    }

    #[test]
    fn connection_ended_rules() {
        let (c, _) = setup();
        let h = Recorder::default();
        let s = sess(1, V12, b"ctx");
        c.add(&s);
        assert!(!connection_ended(&c, &h, Some(&s), true, false), "clean shutdown");
        assert!(!connection_ended(&c, &h, Some(&s), false, true), "still in handshake");
        assert!(!connection_ended(&c, &h, None, false, false));
        assert!(connection_ended(&c, &h, Some(&s), false, false));
        assert_eq!(h.take_log(), vec!["remove 1"]);
        assert!(!s.is_resumable());
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn remove_calls_hook_even_when_not_cached() {
        let (c, _) = setup();
        let h = Recorder::default();
        let s = sess(1, V12, b"ctx");
        assert!(!remove_session(&c, &h, &s));
        assert_eq!(h.take_log(), vec!["remove 1"]);
        assert!(!remove_session(&c, &h, &Session::new(NOW)));
        assert!(h.take_log().is_empty(), "empty id: no hook");
    }
}
