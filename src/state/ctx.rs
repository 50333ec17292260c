//! `Ctx`: what an `SSL_CTX` is — its session cache, the application's session callbacks, id
//! context, TLS settings, ticket keys and ex_data.

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::{Mutex, RwLock};

use super::attached::Attachments;
use super::ex_data::ExData;
use super::ssl::Ssl;
use crate::core::Cache;
use crate::core::clock;
use crate::core::resume::Application;
use crate::core::session::{Session, SidCtx};
use crate::tls::config::CtxTls;
use crate::tls::hooks::TicketSealer;

/// Which roles a method (`TLS_method`, `TLS_server_method`, `TLS_client_method`) allows.
#[derive(Debug)]
pub struct Method {
    pub server: bool,
    pub client: bool,
}

/// What a servername callback answered (`SSL_TLSEXT_ERR_*`, with the alert it chose).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServernameAnswer {
    NoCallback,
    Ok,
    NoAck,
    Warning(u8),
    Fatal(u8),
}

/// What a ClientHello callback answered (`SSL_CLIENT_HELLO_*`, with the alert it chose).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientHelloAnswer {
    NoCallback,
    Success,
    /// Call again later (`SSL_ERROR_WANT_CLIENT_HELLO_CB`).
    Retry,
    Fail(u8),
}

/// What an ALPN selection callback answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlpnAnswer {
    NoCallback,
    Selected(Vec<u8>),
    NoAck,
    Fatal,
}

/// What a certificate callback (`SSL_CTX_set_cert_cb`) answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertAnswer {
    NoCallback,
    Ok,
    Fail,
    Retry,
}

/// The outcome of verifying the peer's chain, as OpenSSL's `ssl_verify_cert_chain`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyOutcome {
    /// Whether the handshake may go on (the chain verified, or a verify callback accepted it).
    pub accepted: bool,
    /// `X509_V_OK` (0) or the `X509_V_ERR_*` code (`SSL_get_verify_result`).
    pub result: i64,
    /// The chain that was built, leaf first (`SSL_get0_verified_chain`).
    pub verified_chain: Option<Vec<rustls::pki_types::CertificateDer<'static>>>,
}

/// A ticket sealed by the application's ticket keys (`SSL_CTX_set_tlsext_ticket_key_cb`, or
/// keys set with `SSL_CTX_set_tlsext_ticket_keys`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TicketSeal {
    Sealed(Vec<u8>),
    /// The callback chose not to issue a ticket.
    NoTicket,
    /// The callback failed: the handshake fails.
    Failed,
}

/// A ticket opened by the application's ticket keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TicketOpen {
    /// The session DER, and whether the callback asked for a fresh ticket.
    Opened(Vec<u8>, bool),
    /// Not one of the application's tickets (a full handshake follows).
    NotRecognized,
    Failed,
}

/// The application's callbacks, as the C layer installs them: it implements this trait, holding
/// the C function pointers and passing each object's handle. Each method reads its callback
/// when it is called, as OpenSSL reads the pointer at each call, and is called with no lock of
/// the library held.
pub trait Callbacks: Send + Sync {
    /// A session was established on `ssl` (or added to `ctx`): the new-session callback.
    fn new_session(&self, ctx: &Ctx, ssl: Option<&Ssl>, session: &Arc<Session>);
    /// The get-session callback for `id`, on a miss of the internal cache.
    fn get_session(&self, ctx: &Ctx, ssl: Option<&Ssl>, id: &[u8]) -> Option<Arc<Session>>;
    /// A session left the cache, or was removed: the remove callback.
    fn session_removed(&self, ctx: &Ctx, session: &Arc<Session>);
    /// Whether a remove callback is set (a flush asks once).
    fn has_remove_callback(&self) -> bool;
    /// The ClientHello callback, before anything else looks at the hello (the SNI is not
    /// published yet; `SSL_client_hello_get0_*` read the hello).
    fn client_hello(&self, ssl: &Ssl) -> ClientHelloAnswer;
    /// Whether a key-log callback is set.
    fn wants_key_log(&self) -> bool;
    /// The key-log callback, with one line of NSS key log format (no newline).
    fn key_log(&self, ssl: &Ssl, line: &std::ffi::CStr);
    /// The servername callback, once the ClientHello is in (its SNI visible on `ssl`).
    fn servername(&self, ssl: &Ssl) -> ServernameAnswer;
    /// The ALPN selection callback, with the client's list in wire format.
    fn select_alpn(&self, ssl: &Ssl, offered: &[u8]) -> AlpnAnswer;
    /// The connection's certificate callback (it belongs to its certificates, as in OpenSSL).
    fn certificate(&self, ssl: &Ssl) -> CertAnswer;
    /// Verifies the peer's chain (leaf first) with the connection's verify settings and
    /// callback; `peer_is_client` on a server.
    fn verify_chain(
        &self,
        ssl: &Ssl,
        chain: &[rustls::pki_types::CertificateDer<'_>],
        peer_is_client: bool,
    ) -> VerifyOutcome;
    /// Seals a session's DER into a ticket with the application's keys; `None` when the
    /// application has none (this library's own keys then seal it).
    fn seal_ticket(&self, ssl: &Ssl, plain: &[u8]) -> Option<TicketSeal>;
    /// Opens a ticket with the application's keys; `None` as for `seal_ticket`.
    fn open_ticket(&self, ssl: &Ssl, ticket: &[u8]) -> Option<TicketOpen>;
    /// The info callback (`SSL_CB_*`), the connection's own or else this context's.
    fn info(&self, ssl: &Ssl, where_: i32, ret: i32);
    /// The implementation, for the C layer's setters and getters.
    fn as_any(&self) -> &dyn Any;
}

/// An `SSL_CTX`.
pub struct Ctx {
    /// References held by C (`SSL_CTX_new`, `SSL_CTX_up_ref`, each `SSL`). The teardown runs
    /// when it reaches 0, while the memory is still alive for the callbacks it makes.
    refs: AtomicUsize,
    pub cache: Cache,
    pub callbacks: Box<dyn Callbacks>,
    pub sid_ctx: Mutex<SidCtx>,
    pub ex_data: ExData,
    pub attached: Attachments,
    pub method: &'static Method,
    /// Certificates, trust anchors and the settings copied into each new `SSL`.
    pub tls: RwLock<CtxTls>,
    /// This context's session ticket keys.
    ticketer: Arc<TicketSealer>,
}

impl Ctx {
    /// A context with OpenSSL's defaults (cache mode SERVER, size 20480, timeout 7200) and one
    /// C reference; `None` when its ticket keys cannot be made.
    pub fn new(method: &'static Method, callbacks: Box<dyn Callbacks>) -> Option<Ctx> {
        Some(Ctx {
            refs: AtomicUsize::new(1),
            cache: Cache::new(clock::system()),
            callbacks,
            sid_ctx: Mutex::new(SidCtx::empty()),
            ex_data: ExData::default(),
            attached: Attachments::default(),
            method,
            tls: RwLock::new(CtxTls::default()),
            ticketer: TicketSealer::new()?,
        })
    }

    pub fn ticketer(&self) -> Arc<dyn rustls::server::ProducesTickets> {
        Arc::clone(&self.ticketer) as Arc<dyn rustls::server::ProducesTickets>
    }

    /// Takes one more C reference (`SSL_CTX_up_ref`, and each `SSL` on this context).
    pub fn retain(&self) {
        self.refs.fetch_add(1, Ordering::Relaxed);
    }

    /// Gives one C reference back; true when it was the last (the teardown is due).
    pub fn release(&self) -> bool {
        self.refs
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok_and(|before| before == 1)
    }

    /// The application, as the cache calls it for a call on the context itself.
    pub fn app(&self) -> App<'_> {
        App::new(self, None)
    }
}

/// The application as the cache sees it (`core::resume::Application`), bound to the context and,
/// for a connection's events, the connection.
pub struct App<'a> {
    ctx: &'a Ctx,
    ssl: Option<&'a Ssl>,
}

impl<'a> App<'a> {
    pub fn new(ctx: &'a Ctx, ssl: Option<&'a Ssl>) -> App<'a> {
        App { ctx, ssl }
    }
}

impl Application for App<'_> {
    fn new_session(&self, s: &Arc<Session>) {
        self.ctx.callbacks.new_session(self.ctx, self.ssl, s);
    }

    fn get_session(&self, id: &[u8]) -> Option<Arc<Session>> {
        self.ctx.callbacks.get_session(self.ctx, self.ssl, id)
    }

    fn session_removed(&self, s: &Arc<Session>) {
        self.ctx.callbacks.session_removed(self.ctx, s);
    }

    fn has_remove_callback(&self) -> bool {
        self.ctx.callbacks.has_remove_callback()
    }
}
