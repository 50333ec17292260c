//! rustls's hooks, connected to the cache. rustls calls them from inside its own entry points;
//! they find the connection through a thread-local set around every such call (a stack: a C
//! callback may drive another connection). Only lookups answer rustls synchronously; sessions
//! made here are handed to the driver, which calls the application after rustls returns.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ClientSessionStore, ResolvesClientCert, Tls12ClientSessionValue, Tls13ClientSessionValue};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::{ClientHello, ProducesTickets, ResolvesServerCert, StoresServerSessions};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, NamedGroup, SignatureScheme};

use super::config::provider;
use super::hello::ClientHelloInfo;
use super::value::ServerValue;
use crate::core::cache::mode;
use crate::core::der;
use crate::core::resume::{Ems, Lookup, Source};
use crate::core::session::Session;
use crate::state::ctx::{TicketOpen, TicketSeal};
use crate::state::settings::{TLS1_2_VERSION, TLS1_3_VERSION, verify};
use crate::state::ssl::Ssl;

thread_local! {
    static CURRENT: Cell<*const Ssl> = const { Cell::new(std::ptr::null()) };
}

/// Marks `ssl` as the connection rustls is working for until dropped; restores the previous one.
pub struct Entered {
    previous: *const Ssl,
}

pub fn enter(ssl: &Ssl) -> Entered {
    Entered { previous: CURRENT.with(|c| c.replace(ssl as *const Ssl)) }
}

impl Drop for Entered {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}

/// Runs `f` with the connection rustls is working for, if any.
fn with_current<R>(f: impl FnOnce(&Ssl) -> R) -> Option<R> {
    let p = CURRENT.with(Cell::get);
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` was set by `enter` from a live `&Ssl` whose guard is still in scope on this
    // thread (the driver holds the connection for the whole rustls call).
    Some(f(unsafe { &*p }))
}

/// How often each rustls hook ran on this thread (hooks run on the thread that drives the
/// connection). Tests pin rustls's call sequences with these, so that an upgrade that changes
/// them fails loudly.
pub mod trace {
    use std::cell::Cell;

    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Calls {
        pub can_cache: u32,
        pub put: u32,
        pub get: u32,
        pub take: u32,
        pub encrypt: u32,
        pub decrypt: u32,
        pub set_tls12_session: u32,
        pub tls12_session: u32,
        pub insert_tls13_ticket: u32,
        pub take_tls13_ticket: u32,
    }

    thread_local! {
        static CALLS: Cell<Calls> = Cell::new(Calls::default());
    }

    pub(super) fn count(f: impl FnOnce(&mut Calls)) {
        CALLS.with(|c| {
            let mut v = c.get();
            f(&mut v);
            c.set(v);
        });
    }

    /// The counts so far on this thread, reset to zero.
    pub fn take() -> Calls {
        CALLS.with(|c| c.replace(Calls::default()))
    }
}

/// Per-connection state the hooks fill in during a rustls call.
#[derive(Default)]
pub struct HandshakeNotes {
    /// The first ClientHello, parsed from the raw bytes.
    pub hello: Option<ClientHelloInfo>,
    /// The SNI seen by the certificate resolver; published after the ClientHello call.
    pub sni: Option<String>,
    pub tickets_issued: usize,
    pub decrypted_tls12_ticket: bool,
    /// The ticket-key callback asked for a fresh ticket on this resumption.
    pub renew_ticket: bool,
    /// Set by a lookup that must fail the handshake (an `SSL_R_*` reason).
    pub abort: Option<u32>,
    /// Server TLS 1.3 ticket sessions waiting for the new-session callback.
    pub ticket_sessions: Vec<Arc<Session>>,
    /// Client: the connection started with a session OpenSSL would offer for resumption.
    pub offered: bool,
    pub client_tls12: Option<Tls12ClientSessionValue>,
    /// Client: the TLS 1.2 master secret of this handshake (from rustls's key log).
    pub master_secret: Option<Vec<u8>>,
    pub client_tickets: Vec<Tls13ClientSessionValue>,
    /// Server: a servername callback accepted the client's SNI (OpenSSL then keeps it in the
    /// new session).
    pub sni_accepted: bool,
    /// Key-log lines for the application's callback, called once the rustls call returns.
    pub key_log: Vec<std::ffi::CString>,
}

/// A client session's rustls value, attached to its `SSL_SESSION`.
pub enum ClientValue {
    Tls12(Tls12ClientSessionValue),
    /// rustls hands TLS 1.3 tickets out by move: the first resumption uses it up.
    Tls13(Mutex<Option<Tls13ClientSessionValue>>),
}

/// A fresh random 32-byte session id.
pub(crate) fn random_id() -> [u8; 32] {
    let mut id = [0u8; 32];
    // A failing system RNG leaves a zero id, which still works as a unique-enough key only
    // for one session; ring's RNG does not fail on Linux.
    let _ = provider().secure_random.fill(&mut id);
    id
}

/// `ssl_get_new_session` for a session rustls just made: the connection's id context, now,
/// the context's timeout; it becomes the connection's session.
fn new_server_session(ssl: &Ssl, v: &ServerValue, id: &[u8]) -> Arc<Session> {
    let version = i32::from(v.version);
    let s = if version >= TLS1_3_VERSION {
        ssl.next_ticket_session(version, id)
    } else {
        // The session begun at the ServerHello, with this id (`driver::begin_server_session`).
        let begun = ssl.session().filter(|s| !ssl.state.lock().hit && s.id().as_slice() == id);
        begun.unwrap_or_else(|| ssl.start_new_session(version, id))
    };
    let keep_sni = ssl.notes.lock().sni_accepted;
    let verify_result = ssl.verify_result();
    s.update(|f| {
        v.apply_to(f);
        f.verify_result = verify_result;
        // OpenSSL keeps the SNI in a server session only when a servername callback accepted it.
        if !keep_sni {
            f.update_extra(|e| e.hostname = None);
        }
    });
    s
}

/// A TLS 1.3 ticket may go out: `num_tickets` after a full handshake, one after a resumption.
fn take_ticket_slot(ssl: &Ssl) -> bool {
    let num = ssl.settings().num_tickets;
    // A lookup or ticket of this handshake found the session to resume (`Ssl::server_lookup`).
    let resumed = ssl.state.lock().hit;
    let mut h = ssl.notes.lock();
    let cap = if num == 0 {
        0
    } else if resumed {
        1
    } else {
        num
    };
    if h.tickets_issued >= cap {
        return false;
    }
    h.tickets_issued += 1;
    true
}

/// The server's session-id and stateful-ticket store: the cache, through the resumption rules.
#[derive(Debug)]
struct ServerStore;

impl ServerStore {
    fn lookup(&self, source: Source, key: &[u8]) -> Option<Vec<u8>> {
        with_current(|ssl| {
            let version = if source == Source::SessionId { TLS1_2_VERSION } else { TLS1_3_VERSION };
            ssl.set_version(version);
            match ssl.server_lookup(source, key, Ems::NotChecked) {
                Lookup::Resume(s) => {
                    let sni = ssl.notes.lock().sni.clone();
                    ServerValue::from_fields(&s.read(), sni.as_deref().map(str::as_bytes))?.encode()
                }
                Lookup::Miss => None,
                Lookup::Fatal(reason) => {
                    ssl.notes.lock().abort = Some(super::driver::fatal_reason(reason));
                    None
                }
            }
        })
        .flatten()
    }
}

impl StoresServerSessions for ServerStore {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        trace::count(|c| c.put += 1);
        with_current(|ssl| {
            let Some(v) = ServerValue::decode(&value) else {
                return false;
            };
            if i32::from(v.version) >= TLS1_3_VERSION {
                if !take_ticket_slot(ssl) {
                    return false;
                }
                let s = new_server_session(ssl, &v, &key);
                ssl.notes.lock().ticket_sessions.push(s);
            } else {
                new_server_session(ssl, &v, &key);
            }
            true
        })
        .unwrap_or(false)
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        trace::count(|c| c.get += 1);
        self.lookup(Source::SessionId, key)
    }

    /// Stateful TLS 1.3 tickets stay in the cache (OpenSSL's are multi-use; 0-RTT is off).
    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        trace::count(|c| c.take += 1);
        self.lookup(Source::StatefulTicket, key)
    }

    fn can_cache(&self) -> bool {
        trace::count(|c| c.can_cache += 1);
        with_current(|ssl| {
            let ticket_offered = ssl.notes.lock().hello.as_ref().is_some_and(|h| h.ticket_len.is_some());
            ssl.ctx.cache.mode() & mode::SERVER != 0 && !(ticket_offered && ssl.settings().tickets_enabled())
        })
        .unwrap_or(false)
    }
}

/// One context's ticket keys. A ticket carries the session's OpenSSL DER (as OpenSSL 3.0's do:
/// a TLS 1.3 ticket keeps its session's id; a TLS 1.2 ticket session has none), so a decrypted ticket is checked like a cached session (id context,
/// version, expiry) and rustls's value is rebuilt from it. Tickets are sealed by the
/// application's keys when it has some (the ticket-key callback: OpenSSL's layout, so that
/// OpenSSL servers sharing the keys read them), else by this context's own key, made with the
/// context and never rotated (as OpenSSL's): processes forked after the context was made share
/// it.
pub struct TicketSealer {
    own: OwnKey,
}

/// ChaCha20-Poly1305 under a random key: key name (16) | nonce (12) | ciphertext | tag (16).
struct OwnKey {
    name: [u8; 16],
    key: ring::aead::LessSafeKey,
}

impl OwnKey {
    fn new() -> Option<OwnKey> {
        let random = ring::rand::SystemRandom::new();
        let mut key = [0u8; 32];
        let mut name = [0u8; 16];
        ring::rand::SecureRandom::fill(&random, &mut key).ok()?;
        ring::rand::SecureRandom::fill(&random, &mut name).ok()?;
        let key = ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, &key).ok()?;
        Some(OwnKey { name, key: ring::aead::LessSafeKey::new(key) })
    }

    fn seal(&self, plain: &[u8]) -> Option<Vec<u8>> {
        let mut nonce = [0u8; 12];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce).ok()?;
        let mut out = Vec::with_capacity(16 + 12 + plain.len() + 16);
        out.extend_from_slice(&self.name);
        out.extend_from_slice(&nonce);
        let mut body = plain.to_vec();
        let tag = self
            .key
            .seal_in_place_separate_tag(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(self.name),
                &mut body,
            )
            .ok()?;
        out.extend_from_slice(&body);
        out.extend_from_slice(tag.as_ref());
        Some(out)
    }

    fn open(&self, ticket: &[u8]) -> Option<Vec<u8>> {
        if ticket.len() < 16 + 12 + 16 || ticket[..16] != self.name {
            return None;
        }
        let nonce = ring::aead::Nonce::try_assume_unique_for_key(&ticket[16..28]).ok()?;
        let mut body = ticket[28..].to_vec();
        let plain = self.key.open_in_place(nonce, ring::aead::Aad::from(self.name), &mut body).ok()?;
        Some(plain.to_vec())
    }
}

impl std::fmt::Debug for TicketSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TicketSealer")
    }
}

impl TicketSealer {
    pub fn new() -> Option<Arc<TicketSealer>> {
        Some(Arc::new(TicketSealer { own: OwnKey::new()? }))
    }
}

impl ProducesTickets for TicketSealer {
    fn enabled(&self) -> bool {
        with_current(|ssl| ssl.settings().tickets_enabled()).unwrap_or(true)
    }

    fn lifetime(&self) -> u32 {
        with_current(|ssl| u32::try_from(ssl.ctx.cache.session_timeout()).unwrap_or(u32::MAX)).unwrap_or(7200)
    }

    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        trace::count(|c| c.encrypt += 1);
        with_current(|ssl| {
            let v = ServerValue::decode(plain)?;
            let session = if i32::from(v.version) >= TLS1_3_VERSION {
                if !take_ticket_slot(ssl) {
                    return None;
                }
                let s = new_server_session(ssl, &v, &random_id());
                ssl.notes.lock().ticket_sessions.push(Arc::clone(&s));
                s
            } else {
                // OpenSSL does not renew a TLS 1.2 ticket it resumed from (unless the ticket-key
                // callback asked for it), and a TLS 1.2 ticket session has no id (nothing is
                // cached, no callback).
                {
                    let notes = ssl.notes.lock();
                    if notes.decrypted_tls12_ticket && !notes.renew_ticket {
                        return None;
                    }
                }
                new_server_session(ssl, &v, &[])
            };
            let der = der::encode(&session.read())?;
            match ssl.ctx.callbacks.seal_ticket(ssl, &der) {
                Some(TicketSeal::Sealed(t)) => Some(t),
                Some(TicketSeal::NoTicket) => None,
                Some(TicketSeal::Failed) => {
                    ssl.notes.lock().abort = Some(crate::state::err::reason::CALLBACK_FAILED);
                    None
                }
                None => self.own.seal(&der),
            }
        })
        .flatten()
    }

    fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        trace::count(|c| c.decrypt += 1);
        with_current(|ssl| {
            let (der_bytes, renew) = match ssl.ctx.callbacks.open_ticket(ssl, cipher) {
                Some(TicketOpen::Opened(der, renew)) => (der, renew),
                Some(TicketOpen::NotRecognized) => return None,
                Some(TicketOpen::Failed) => {
                    ssl.notes.lock().abort = Some(crate::state::err::reason::CALLBACK_FAILED);
                    return None;
                }
                None => (self.own.open(cipher)?, false),
            };
            // As OpenSSL: bytes after the session's DER make the ticket unusable.
            let (fields, used) = der::decode(&der_bytes, ssl.ctx.cache.now()).ok()?;
            if used != der_bytes.len() {
                return None;
            }
            let version = fields.version;
            let tls12 = version < TLS1_3_VERSION;
            let session = Session::from_fields(fields);
            if tls12 {
                let client_id = ssl.notes.lock().hello.as_ref().map(|h| h.session_id.clone()).unwrap_or_default();
                if !client_id.is_empty() {
                    session.set_id(&client_id);
                }
            }
            ssl.set_version(version);
            match ssl.check_ticket_session(session) {
                Lookup::Resume(s) => {
                    {
                        let mut notes = ssl.notes.lock();
                        notes.decrypted_tls12_ticket = tls12;
                        notes.renew_ticket = renew;
                    }
                    let sni = ssl.notes.lock().sni.clone();
                    ServerValue::from_fields(&s.read(), sni.as_deref().map(str::as_bytes))?.encode()
                }
                Lookup::Miss => None,
                Lookup::Fatal(reason) => {
                    ssl.notes.lock().abort = Some(super::driver::fatal_reason(reason));
                    None
                }
            }
        })
        .flatten()
    }
}

/// Serves the context's certificate, and notes the SNI the client asked for.
#[derive(Debug)]
struct CertResolver;

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let sni = hello.server_name().map(str::to_owned);
        let schemes = hello.signature_schemes();
        with_current(|ssl| {
            ssl.notes.lock().sni = sni;
            ssl.certs().choose(schemes)
        })
        .flatten()
    }
}

/// The peer's chain, verified as OpenSSL's `ssl_verify_cert_chain` does, through the
/// application's callbacks (the C layer verifies with libcrypto where it can). The result is
/// recorded on the connection; `Err` fails the handshake with the alert OpenSSL would send.
fn verify_peer(chain: Vec<CertificateDer<'static>>, peer_is_client: bool) -> Result<(), rustls::Error> {
    with_current(|ssl| {
        let outcome = ssl.current_ctx().callbacks.verify_chain(ssl, &chain, peer_is_client);
        let verify_none = ssl.settings().verify_mode & verify::PEER == 0;
        ssl.record_peer(chain, &outcome);
        // A client that does not verify goes on whatever the result (the result is kept).
        if outcome.accepted || (!peer_is_client && verify_none) {
            Ok(())
        } else {
            Err(rustls::Error::InvalidCertificate(verify_error_to_rustls(outcome.result)))
        }
    })
    .unwrap_or_else(|| Err(rustls::Error::General("no connection".into())))
}

/// The rustls error that makes rustls send the alert OpenSSL's `ssl_x509err2alert` picks.
fn verify_error_to_rustls(result: i64) -> rustls::CertificateError {
    use rustls::CertificateError as E;
    match result {
        9 | 13 | 15 => E::NotValidYet,
        10 | 14 | 16 => E::Expired,
        23 => E::Revoked,
        7 | 8 => E::BadSignature,
        26 | 28 => E::InvalidPurpose,
        2 | 3 | 18 | 19 | 20 | 21 | 27 | 30 => E::UnknownIssuer,
        _ => E::BadEncoding,
    }
}

/// The peer's handshake signature, always checked (whatever the verify mode), with the
/// provider's algorithms.
fn handshake_signature(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
    tls13: bool,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let algorithms = &provider().signature_verification_algorithms;
    if tls13 {
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    } else {
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }
}

/// The chain as rustls hands it over: leaf, then the rest.
fn whole_chain(end_entity: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>]) -> Vec<CertificateDer<'static>> {
    std::iter::once(end_entity).chain(intermediates).map(|c| c.clone().into_owned()).collect()
}

/// The verification libcrypto would do, done with webpki against `roots`, for the build without
/// libcrypto: `X509_V_OK`, or the `X509_V_ERR_*` code closest to webpki's reason.
pub fn webpki_verify(
    roots: Arc<rustls::RootCertStore>,
    chain: &[CertificateDer<'_>],
    peer_is_client: bool,
) -> crate::state::ctx::VerifyOutcome {
    use crate::state::ctx::VerifyOutcome;
    let Some((leaf, rest)) = chain.split_first() else {
        return VerifyOutcome { accepted: false, result: 50, verified_chain: None };
    };
    let now = UnixTime::now();
    let checked = if roots.is_empty() {
        Err(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer))
    } else if peer_is_client {
        rustls::server::WebPkiClientVerifier::builder_with_provider(roots, provider())
            .build()
            .map_err(|e| rustls::Error::General(e.to_string()))
            .and_then(|v| v.verify_client_cert(leaf, rest, now).map(|_| ()))
    } else {
        rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider())
            .build()
            .map_err(|e| rustls::Error::General(e.to_string()))
            .and_then(|v| {
                // OpenSSL checks no host name unless one is set (`SSL_set1_host`).
                match v.verify_server_cert(
                    leaf,
                    rest,
                    &ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
                    &[],
                    now,
                ) {
                    Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
                    | Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext {
                        ..
                    })) => Ok(()),
                    r => r.map(|_| ()),
                }
            })
    };
    let result = match checked {
        Ok(()) => 0,
        Err(rustls::Error::InvalidCertificate(e)) => {
            use rustls::CertificateError as E;
            match e {
                E::Expired | E::ExpiredContext { .. } => 10,
                E::NotValidYet | E::NotValidYetContext { .. } => 9,
                E::Revoked => 23,
                E::BadSignature => 7,
                E::InvalidPurpose | E::InvalidPurposeContext { .. } => 26,
                E::UnknownIssuer if rest.is_empty() && is_self_signed(leaf) => 18,
                // An untrusted root sent along with the chain.
                E::UnknownIssuer if rest.iter().any(is_self_signed) => 19,
                E::UnknownIssuer => 20,
                _ => 1,
            }
        }
        Err(_) => 1,
    };
    VerifyOutcome {
        accepted: result == 0,
        result,
        verified_chain: (result == 0).then(|| chain.iter().map(|c| c.clone().into_owned()).collect()),
    }
}

/// Whether a certificate's issuer equals its subject (OpenSSL's "self-signed" test for the
/// depth-zero error).
fn is_self_signed(cert: &CertificateDer<'_>) -> bool {
    super::certs::issuer_and_subject(cert).is_some_and(|(i, s)| i == s)
}

/// Checks the server's certificate: always the handshake signatures; the chain as OpenSSL's
/// client does (always verified, the handshake failing only with `SSL_VERIFY_PEER`).
#[derive(Debug)]
struct Verifier;

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        verify_peer(whole_chain(end_entity, intermediates), false).map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        handshake_signature(message, cert, dss, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        handshake_signature(message, cert, dss, true)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider().signature_verification_algorithms.supported_schemes()
    }
}

/// A server's request for a client certificate (`SSL_VERIFY_PEER`): the CA names it sends, whether
/// a certificate is required, and the chain checked as OpenSSL's server does.
#[derive(Debug)]
struct ClientAuth {
    mandatory: bool,
    hints: Vec<rustls::DistinguishedName>,
}

/// The client-certificate verifier of a server config.
pub fn client_verifier(mandatory: bool, ca_names: &[Vec<u8>]) -> Arc<dyn rustls::server::danger::ClientCertVerifier> {
    Arc::new(ClientAuth {
        mandatory,
        hints: ca_names.iter().map(|n| rustls::DistinguishedName::from(n.clone())).collect(),
    })
}

impl rustls::server::danger::ClientCertVerifier for ClientAuth {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        verify_peer(whole_chain(end_entity, intermediates), true)
            .map(|()| rustls::server::danger::ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        handshake_signature(message, cert, dss, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        handshake_signature(message, cert, dss, true)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider().signature_verification_algorithms.supported_schemes()
    }
}

/// A client's certificate for a CertificateRequest: the connection's own (as OpenSSL's client
/// sends the certificate it has when asked), chosen by the server's signature schemes; none if
/// it has none (an empty Certificate message).
#[derive(Debug)]
struct ClientCert;

impl ResolvesClientCert for ClientCert {
    fn resolve(&self, _root_hint_subjects: &[&[u8]], sigschemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        with_current(|ssl| ssl.certs().choose(sigschemes)).flatten()
    }
    fn has_certs(&self) -> bool {
        true
    }
}

/// The client's session store: the session offered is the one `SSL_set_session` gave the
/// current connection; new sessions are handed to the driver.
#[derive(Debug, Default)]
struct ClientStore {
    kx_hints: Mutex<HashMap<ServerName<'static>, NamedGroup>>,
}

impl ClientStore {
    fn offered(&self) -> Option<Arc<dyn std::any::Any + Send + Sync>> {
        with_current(|ssl| {
            let s = ssl.session()?;
            if !s.is_resumable() {
                return None;
            }
            let (version, time, hint) = {
                let f = s.read();
                (f.version, f.time, f.ticket_lifetime_hint)
            };
            // OpenSSL's TLS 1.3 client drops a ticket older than its lifetime hint (age
            // rounded down by a second); TLS 1.2 clients do not check.
            if version >= TLS1_3_VERSION {
                let age = (ssl.ctx.cache.now() - time).saturating_sub(1).max(0) as u64;
                if hint < age {
                    return None;
                }
            }
            s.engine_state()
        })
        .flatten()
    }
}

/// What rustls keeps private in a TLS 1.3 client ticket but shows in its `Debug` output: the
/// ticket, its lifetime hint and age_add. A test pins this for the rustls version in use.
pub fn ticket_facts(value: &Tls13ClientSessionValue) -> Option<(Vec<u8>, u32, u32)> {
    let text = format!("{value:?}");
    let field = |name: &str| -> Option<&str> {
        let start = text.find(&format!("{name}: "))? + name.len() + 2;
        let rest = &text[start..];
        Some(&rest[..rest.find([',', ' ', '}'])?])
    };
    let hex = field("ticket")?;
    let ticket = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    Some((ticket, field("lifetime_secs")?.parse().ok()?, field("age_add")?.parse().ok()?))
}

impl ClientSessionStore for ClientStore {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: NamedGroup) {
        self.kx_hints.lock().insert(server_name, group);
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<NamedGroup> {
        self.kx_hints.lock().get(server_name).copied()
    }

    fn set_tls12_session(&self, _server_name: ServerName<'static>, value: Tls12ClientSessionValue) {
        trace::count(|c| c.set_tls12_session += 1);
        with_current(|ssl| ssl.notes.lock().client_tls12 = Some(value));
    }

    fn tls12_session(&self, _server_name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        trace::count(|c| c.tls12_session += 1);
        let state = self.offered()?;
        let ClientValue::Tls12(v) = state.downcast_ref::<ClientValue>()? else {
            return None;
        };
        Some(v.clone())
    }

    fn remove_tls12_session(&self, _server_name: &ServerName<'static>) {}

    fn insert_tls13_ticket(&self, _server_name: ServerName<'static>, value: Tls13ClientSessionValue) {
        trace::count(|c| c.insert_tls13_ticket += 1);
        with_current(|ssl| ssl.notes.lock().client_tickets.push(value));
    }

    fn take_tls13_ticket(&self, _server_name: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        trace::count(|c| c.take_tls13_ticket += 1);
        let state = self.offered()?;
        let ClientValue::Tls13(v) = state.downcast_ref::<ClientValue>()? else {
            return None;
        };
        v.lock().take()
    }
}

/// Collects the TLS 1.2 master secret for client sessions, which rustls keeps private, and the
/// lines for a key-log callback.
#[derive(Debug)]
struct MasterSecretLog;

/// The connection's context has a key-log callback.
fn wants_key_log(ssl: &Ssl) -> bool {
    ssl.current_ctx().callbacks.wants_key_log()
}

impl rustls::KeyLog for MasterSecretLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        with_current(|ssl| {
            let mut notes = ssl.notes.lock();
            if label == "CLIENT_RANDOM" && !ssl.is_server() {
                notes.master_secret = Some(secret.to_vec());
            }
            if wants_key_log(ssl) {
                // NSS key log format, as OpenSSL's `nss_keylog_int` writes it.
                let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
                let line = format!("{label} {} {}", hex(client_random), hex(secret));
                if let Ok(line) = std::ffi::CString::new(line) {
                    notes.key_log.push(line);
                }
            }
        });
    }

    fn will_log(&self, label: &str) -> bool {
        (label == "CLIENT_RANDOM" && with_current(|ssl| !ssl.is_server()).unwrap_or(false))
            || with_current(wants_key_log).unwrap_or(false)
    }
}

/// Whether a TLS 1.2 client value used the extended master secret (private in rustls; shown
/// by its `Debug` output, pinned by a test).
pub fn uses_extended_ms(value: &Tls12ClientSessionValue) -> bool {
    format!("{value:?}").contains("extended_ms: true")
}

macro_rules! singleton {
    ($name:ident, $trait:path, $make:expr) => {
        pub fn $name() -> Arc<dyn $trait> {
            static ONE: OnceLock<Arc<dyn $trait>> = OnceLock::new();
            Arc::clone(ONE.get_or_init(|| Arc::new($make)))
        }
    };
}

singleton!(server_store, StoresServerSessions, ServerStore);
singleton!(cert_resolver, ResolvesServerCert, CertResolver);
singleton!(server_verifier, ServerCertVerifier, Verifier);
singleton!(client_cert_resolver, ResolvesClientCert, ClientCert);
singleton!(client_store, ClientSessionStore, ClientStore::default());
singleton!(key_log, rustls::KeyLog, MasterSecretLog);
