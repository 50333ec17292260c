//! `Ssl`: what an `SSL` is — one connection's view of the session cache (its session, id
//! context, shutdown state), its settings and I/O, and the rule that an unclean end
//! invalidates its session.

use libc::c_int;
use parking_lot::Mutex;
use std::ffi::CString;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use super::attached::Attachments;
use super::ctx::{App, Ctx};
use super::ex_data::ExData;
use super::settings::ConnSettings;
use crate::core::resume;
use crate::core::session::{Session, SidCtx};
use rustls::pki_types::CertificateDer;

use crate::tls::certs::Certs;
use crate::tls::driver::Io;
use crate::tls::hooks::HandshakeNotes;

/// `SSL_SENT_SHUTDOWN`.
pub const SENT_SHUTDOWN: c_int = 1;
/// `SSL_RECEIVED_SHUTDOWN`.
pub const RECEIVED_SHUTDOWN: c_int = 2;

/// Where the connection is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handshake {
    /// Nothing sent or received yet (OpenSSL's "before").
    Before,
    InProgress,
    Done,
    /// A fatal error happened: like OpenSSL's error state, the connection counts as "in init"
    /// again (`SSL_in_init` 1, `SSL_shutdown` refused).
    Failed,
}

/// Where `SSL_read_early_data` is (OpenSSL's `early_data_state`, for the states reachable
/// when no early data is ever accepted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EarlyData {
    None,
    AcceptRetry,
    Finished,
}

/// Connection state that callbacks may read, so it is never locked across a callback.
pub struct SslState {
    pub session: Option<Arc<Session>>,
    pub sid_ctx: SidCtx,
    pub shutdown: c_int,
    pub quiet_shutdown: c_int,
    pub hit: bool,
    pub handshake: Handshake,
    pub is_server: bool,
    /// `SSL_set_accept_state` / `SSL_set_connect_state` (or accept/connect) was called.
    pub role_set: bool,
    /// Options, verify mode, version bounds and ticket count, copied from the context.
    pub settings: ConnSettings,
    /// Client: the name to send (SNI). Server: the name the client sent, after its hello.
    pub servername: Option<CString>,
    /// The negotiated cipher suite.
    pub cipher: Option<u16>,
    /// The certificates this connection serves or presents, copied from its context.
    pub certs: Arc<Certs>,
    /// The context `SSL_set_SSL_CTX` switched to (certificates, ALPN, trust anchors); the
    /// session cache stays the first one's. It holds a C reference, given back at `SSL_free`.
    pub switched_ctx: Option<Arc<Ctx>>,
    pub early_data: EarlyData,
    /// The protocol ALPN chose (`SSL_get0_alpn_selected`).
    pub alpn_selected: Option<Box<[u8]>>,
    /// `SSL_set_info_callback` (the C layer's function).
    pub info_callback: Option<super::settings::CFn>,
    /// `SSL_get_verify_result`: `X509_V_OK` until a chain is verified.
    pub verify_result: i64,
    /// The certificates the peer sent in this handshake, leaf first.
    pub peer_chain: Option<Arc<[CertificateDer<'static>]>>,
    /// The chain the peer's certificate was verified with.
    pub verified_chain: Option<Arc<[CertificateDer<'static>]>>,
}

/// `SSL_version` before a handshake: OpenSSL's `tls1_clear` sets the highest version it knows
/// for the `TLS_method` family, whatever the context's or connection's limits.
const VERSION_BEFORE_HANDSHAKE: i32 = super::settings::TLS1_3_VERSION;

/// An `SSL`.
pub struct Ssl {
    /// The session context: every cache operation of this connection goes to its cache.
    pub ctx: Arc<Ctx>,
    pub state: Mutex<SslState>,
    pub ex_data: ExData,
    pub attached: Attachments,
    /// What rustls's hooks record during a call (never locked across a callback).
    pub notes: Mutex<HandshakeNotes>,
    /// The rustls connection and I/O state (held while rustls runs).
    pub io: Mutex<Io>,
    /// The protocol version (`SSL_version`): outside the state lock, because every session-id
    /// lookup reads it.
    version: AtomicI32,
    rfd: AtomicI32,
    wfd: AtomicI32,
    /// The program's own read and write channels (`SSL_set_bio` with BIOs that are not
    /// descriptors); when set they replace the descriptors.
    transports: Mutex<Transports>,
}

/// A channel records travel over that is not a descriptor (a BIO of the program's). Its calls
/// may run the program's code: the driver makes them with no lock held but the connection's
/// I/O lock.
pub trait Transport: Send + Sync {
    /// Some bytes; `Ok(0)` at end of input, or `UnexpectedEof` when the end came as -1 (which
    /// `SSL_read` then returns, as OpenSSL returns the BIO's value); `WouldBlock` to be called
    /// again later.
    fn read(&self, buf: &mut [u8]) -> std::io::Result<usize>;
    /// Some bytes taken, or `WouldBlock`.
    fn write(&self, buf: &[u8]) -> std::io::Result<usize>;
    /// Pushes what was written on (OpenSSL flushes its BIO after each handshake flight and
    /// alert; a program's BIO may hold data until then).
    fn flush(&self) -> std::io::Result<()>;
    /// The C object, for `SSL_get_rbio` / `SSL_get_wbio`.
    fn handle(&self) -> *mut libc::c_void;
}

#[derive(Default)]
pub struct Transports {
    pub read: Option<Arc<dyn Transport>>,
    pub write: Option<Arc<dyn Transport>>,
}

impl Ssl {
    /// A connection on `ctx` (which it keeps a C reference on, as OpenSSL's `SSL` holds its
    /// context), with the context's id context and settings.
    pub fn new(ctx: Arc<Ctx>) -> Ssl {
        ctx.retain();
        let (settings, certs) = {
            let tls = ctx.tls.read();
            (tls.conn.clone(), Arc::clone(&tls.certs))
        };
        let state = SslState {
            session: None,
            sid_ctx: *ctx.sid_ctx.lock(),
            shutdown: 0,
            quiet_shutdown: 0,
            hit: false,
            handshake: Handshake::Before,
            is_server: ctx.method.server,
            role_set: false,
            settings,
            servername: None,
            cipher: None,
            certs,
            switched_ctx: None,
            early_data: EarlyData::None,
            alpn_selected: None,
            info_callback: None,
            verify_result: 0,
            peer_chain: None,
            verified_chain: None,
        };
        Ssl {
            ctx,
            state: Mutex::new(state),
            ex_data: ExData::default(),
            attached: Attachments::default(),
            notes: Mutex::new(HandshakeNotes::default()),
            io: Mutex::new(Io::default()),
            version: AtomicI32::new(VERSION_BEFORE_HANDSHAKE),
            rfd: AtomicI32::new(-1),
            wfd: AtomicI32::new(-1),
            transports: Mutex::new(Transports::default()),
        }
    }

    /// The application, as the cache calls it for this connection.
    pub fn app(&self) -> App<'_> {
        App::new(&self.ctx, Some(self))
    }

    pub fn settings(&self) -> ConnSettings {
        self.state.lock().settings.clone()
    }

    pub fn update_settings<R>(&self, f: impl FnOnce(&mut ConnSettings) -> R) -> R {
        f(&mut self.state.lock().settings)
    }

    /// The context `SSL_get_SSL_CTX` reports: the one switched to, else the session context.
    pub fn current_ctx(&self) -> Arc<Ctx> {
        self.state.lock().switched_ctx.clone().unwrap_or_else(|| Arc::clone(&self.ctx))
    }

    /// Records a verification of the peer's chain (`ssl_verify_cert_chain`).
    pub fn record_peer(&self, chain: Vec<CertificateDer<'static>>, outcome: &super::ctx::VerifyOutcome) {
        let mut st = self.state.lock();
        st.verify_result = outcome.result;
        st.peer_chain = Some(chain.into());
        st.verified_chain = outcome.verified_chain.clone().map(Into::into);
    }

    pub fn verify_result(&self) -> i64 {
        self.state.lock().verify_result
    }

    pub fn peer_chain(&self) -> Option<Arc<[CertificateDer<'static>]>> {
        self.state.lock().peer_chain.clone()
    }

    pub fn verified_chain(&self) -> Option<Arc<[CertificateDer<'static>]>> {
        self.state.lock().verified_chain.clone()
    }

    pub fn certs(&self) -> Arc<Certs> {
        Arc::clone(&self.state.lock().certs)
    }

    pub fn update_certs<R>(&self, f: impl FnOnce(&mut Certs) -> R) -> R {
        f(Arc::make_mut(&mut self.state.lock().certs))
    }

    /// `SSL_set_SSL_CTX`: the connection takes `ctx`'s certificates, and its id context when it
    /// still had the old context's; the session cache does not change. A switched context holds
    /// a C reference (taken here); the one given up is returned for the caller to release.
    pub fn switch_ctx(&self, ctx: &Arc<Ctx>) -> Option<Arc<Ctx>> {
        let old = self.current_ctx();
        if Arc::ptr_eq(&old, ctx) {
            return None;
        }
        let (certs, sid_ctx) = {
            let tls = ctx.tls.read();
            (Arc::clone(&tls.certs), *ctx.sid_ctx.lock())
        };
        let old_sid_ctx = *old.sid_ctx.lock();
        let mut st = self.state.lock();
        st.certs = certs;
        if st.sid_ctx == old_sid_ctx {
            st.sid_ctx = sid_ctx;
        }
        if Arc::ptr_eq(ctx, &self.ctx) {
            st.switched_ctx.take()
        } else {
            ctx.retain();
            st.switched_ctx.replace(Arc::clone(ctx))
        }
    }

    pub fn set_version(&self, version: i32) {
        self.version.store(version, Ordering::Relaxed);
    }

    pub fn version(&self) -> i32 {
        self.version.load(Ordering::Relaxed)
    }

    pub fn session(&self) -> Option<Arc<Session>> {
        self.state.lock().session.clone()
    }

    pub fn is_server(&self) -> bool {
        self.state.lock().is_server
    }

    pub fn set_role(&self, server: bool) {
        let mut st = self.state.lock();
        st.is_server = server;
        st.role_set = true;
    }

    pub fn role_set(&self) -> bool {
        self.state.lock().role_set
    }

    pub fn in_init(&self) -> bool {
        self.state.lock().handshake != Handshake::Done
    }

    pub fn begin_handshake(&self) {
        self.state.lock().handshake = Handshake::InProgress;
    }

    pub fn has_failed(&self) -> bool {
        self.state.lock().handshake == Handshake::Failed
    }

    pub fn mark_failed(&self) {
        self.state.lock().handshake = Handshake::Failed;
    }

    pub fn host_name(&self) -> Option<String> {
        self.state.lock().servername.as_ref().and_then(|n| n.to_str().ok()).map(str::to_owned)
    }

    /// Server: makes the SNI the client sent visible (after the hello, as OpenSSL). A TLS 1.2
    /// resumption keeps the name of the resumed session instead (OpenSSL does not record the
    /// hello's name then).
    pub fn publish_sni(&self) {
        let sni = self.notes.lock().sni.clone();
        if let Some(name) = sni.and_then(|n| CString::new(n).ok()) {
            let mut st = self.state.lock();
            let tls12_hit = st.hit && self.version() < super::settings::TLS1_3_VERSION;
            if st.is_server && !tls12_hit {
                st.servername = Some(name);
            }
        }
    }

    /// Server: hides the SNI again until rustls has looked the session up (OpenSSL parses the
    /// name after its TLS 1.2 session lookup; only the servername callback sees it earlier).
    pub fn unpublish_sni(&self) {
        let mut st = self.state.lock();
        if st.is_server {
            st.servername = None;
        }
    }

    pub fn set_cipher(&self, cipher: Option<u16>) {
        self.state.lock().cipher = cipher;
    }

    pub fn cipher(&self) -> Option<u16> {
        self.state.lock().cipher
    }

    pub fn shutdown_flags(&self) -> c_int {
        self.state.lock().shutdown
    }

    pub fn add_shutdown(&self, flags: c_int) {
        self.state.lock().shutdown |= flags;
    }

    /// Replaces the shutdown flags (`SSL_set_shutdown`).
    pub fn set_shutdown(&self, flags: c_int) {
        self.state.lock().shutdown = flags;
    }

    pub fn options(&self) -> u64 {
        self.state.lock().settings.options
    }

    pub fn quiet_shutdown(&self) -> bool {
        self.state.lock().quiet_shutdown != 0
    }

    pub fn rfd(&self) -> c_int {
        self.rfd.load(Ordering::Relaxed)
    }

    pub fn wfd(&self) -> c_int {
        self.wfd.load(Ordering::Relaxed)
    }

    /// Sets the descriptors; a direction given a descriptor drops its transport.
    pub fn set_fds(&self, rfd: Option<c_int>, wfd: Option<c_int>) {
        let dropped = {
            let mut t = self.transports.lock();
            (rfd.and_then(|_| t.read.take()), wfd.and_then(|_| t.write.take()))
        };
        if let Some(fd) = rfd {
            self.rfd.store(fd, Ordering::Relaxed);
        }
        if let Some(fd) = wfd {
            self.wfd.store(fd, Ordering::Relaxed);
        }
        drop(dropped);
    }

    /// The transport records are read from, if not a descriptor.
    pub fn read_transport(&self) -> Option<Arc<dyn Transport>> {
        self.transports.lock().read.clone()
    }

    pub fn write_transport(&self) -> Option<Arc<dyn Transport>> {
        self.transports.lock().write.clone()
    }

    /// Replaces the read and/or write transport (`None` leaves a direction as it is); the
    /// descriptors of the directions set become -1. The old transports are returned, to be
    /// dropped by the caller outside any lock (dropping one may run the program's code).
    pub fn set_transports(
        &self,
        read: Option<Option<Arc<dyn Transport>>>,
        write: Option<Option<Arc<dyn Transport>>>,
    ) -> Transports {
        let mut old = Transports::default();
        let mut t = self.transports.lock();
        if let Some(r) = read {
            old.read = std::mem::replace(&mut t.read, r);
            self.rfd.store(-1, Ordering::Relaxed);
        }
        if let Some(w) = write {
            old.write = std::mem::replace(&mut t.write, w);
            self.wfd.store(-1, Ordering::Relaxed);
        }
        old
    }

    /// Takes every transport away (at `SSL_free`, to drop them outside the object's locks).
    pub fn take_transports(&self) -> Transports {
        std::mem::take(&mut *self.transports.lock())
    }

    /// `ssl_clear_bad_session`: an established connection that did not send close_notify
    /// removes its session from the cache (remove callback included). Returns whether it did.
    pub fn clear_bad_session(&self) -> bool {
        let (session, sent, in_init) = {
            let st = self.state.lock();
            (st.session.clone(), st.shutdown & SENT_SHUTDOWN != 0, st.handshake != Handshake::Done)
        };
        resume::connection_ended(&self.ctx.cache, &self.app(), session.as_ref(), sent, in_init)
    }

    /// `SSL_clear`: a session that ended uncleanly is removed (as at `SSL_free`) and dropped, a
    /// cleanly shut down one is kept; the connection is back before its handshake.
    pub fn clear(&self) {
        let dropped = if self.clear_bad_session() { self.state.lock().session.take() } else { None };
        drop(dropped);
        crate::tls::driver::reset(self);
        let mut st = self.state.lock();
        st.hit = false;
        st.shutdown = 0;
        st.handshake = Handshake::Before;
        self.set_version(VERSION_BEFORE_HANDSHAKE);
        st.cipher = None;
        st.verify_result = 0;
        st.alpn_selected = None;
        st.early_data = EarlyData::None;
        st.peer_chain = None;
        st.verified_chain = None;
        // OpenSSL's SSL_clear keeps the host name (a server's, from the last ClientHello, too).
    }

    /// Marks the handshake finished (the TLS front does this; tests use it to reach the
    /// "established" state without a peer).
    pub fn finish_handshake(&self, version: i32, hit: bool) {
        let mut st = self.state.lock();
        st.handshake = Handshake::Done;
        self.set_version(version);
        st.hit = hit;
    }

    /// Runs `f` with the cache's view of this connection, built from a snapshot so that no
    /// connection lock is held while `f` calls out.
    fn with_conn<R>(&self, f: impl FnOnce(&resume::Conn<'_>) -> R) -> R {
        let (sid_ctx, conn) = {
            let st = self.state.lock();
            let conn = resume::Conn {
                is_server: st.is_server,
                version: self.version(),
                sid_ctx: &[],
                verify_peer: st.settings.verify_mode & VERIFY_PEER != 0,
                options: st.settings.options,
                max_early_data: 0,
                hit: st.hit,
            };
            (st.sid_ctx, conn)
        };
        f(&resume::Conn { sid_ctx: sid_ctx.as_slice(), ..conn })
    }

    /// Server side: the ClientHello offered `id` (a session id, or a TLS 1.3 stateful ticket).
    /// Looks it up as OpenSSL does; on success the session becomes this connection's and the
    /// connection is marked as resumed.
    pub fn server_lookup(&self, source: resume::Source, id: &[u8], ems: resume::Ems) -> resume::Lookup {
        let app = self.app();
        let found = self.with_conn(|conn| resume::server_lookup(&self.ctx.cache, &app, conn, source, id, ems));
        self.adopt_if_resumed(&found);
        found
    }

    /// Server: a session decrypted from a ticket, checked as OpenSSL checks a found session.
    pub fn check_ticket_session(&self, session: Arc<Session>) -> resume::Lookup {
        let app = self.app();
        let found = self.with_conn(|conn| {
            resume::check_found(&self.ctx.cache, &app, conn, session, false, resume::Ems::NotChecked)
        });
        self.adopt_if_resumed(&found);
        found
    }

    fn adopt_if_resumed(&self, found: &resume::Lookup) {
        if let resume::Lookup::Resume(s) = found {
            let old = {
                let mut st = self.state.lock();
                st.hit = true;
                st.session.replace(Arc::clone(s))
            };
            drop(old);
        }
    }

    /// Starts a fresh session of `version` with the given id; it becomes the connection's
    /// session.
    pub fn start_new_session(&self, version: i32, id: &[u8]) -> Arc<Session> {
        self.set_version(version);
        let session = self.with_conn(|conn| resume::new_session(&self.ctx.cache, conn, id));
        let old = self.state.lock().session.replace(Arc::clone(&session));
        drop(old);
        session
    }

    /// The session of a new TLS 1.3 ticket, sent or received: like OpenSSL, a copy of the
    /// connection's session (so it keeps its timeout and id context), created now, with the
    /// given id; a fresh session when the connection has none. It becomes the connection's
    /// session.
    pub fn next_ticket_session(&self, version: i32, id: &[u8]) -> Arc<Session> {
        let Some(base) = self.session() else { return self.start_new_session(version, id) };
        let s = base.dup_resumable();
        s.set_engine_state(None);
        s.set_id(id);
        let now = self.ctx.cache.now();
        s.update(|f| {
            f.version = version;
            let timeout = f.timeout;
            f.set_lifetime(now, timeout);
        });
        let old = self.state.lock().session.replace(Arc::clone(&s));
        drop(old);
        s
    }

    /// A session was established on this connection (`ssl_update_cache`): TLS ≤ 1.2 handshake
    /// end, or one TLS 1.3 ticket.
    pub fn session_established(&self, session: &Arc<Session>, side: resume::Side) {
        let app = self.app();
        self.with_conn(|conn| resume::established(&self.ctx.cache, &app, conn, session, side));
    }
}

/// `SSL_VERIFY_PEER`.
pub const VERIFY_PEER: c_int = 1;
