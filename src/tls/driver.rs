//! Drives one rustls connection over file descriptors for `SSL_do_handshake`, `SSL_read`,
//! `SSL_write` and `SSL_shutdown`, and turns what the hooks recorded into OpenSSL's cache
//! events (new-session callback, counters, single-use client tickets) once rustls has returned.

use crate::state::ssl::Transport;
use std::io::{Read, Write};
use std::sync::Arc;

use libc::c_int;
use rustls::{ClientConnection, Connection, HandshakeKind};

use super::config::{self, ConfigError};
use super::hello::{self, HandshakeScan};
use super::hooks::{self, ClientValue};
use crate::core::cache::{Stats, mode};
use crate::core::resume::{self, FatalReason, Side};
use crate::core::session::Session;
use crate::state::ctx::{AlpnAnswer, CertAnswer, ClientHelloAnswer, ServernameAnswer};
use crate::state::err::{self, LIB_SSL, reason};
use crate::state::settings::{self, TLS1_2_VERSION, TLS1_3_VERSION};
use crate::state::ssl::{RECEIVED_SHUTDOWN, SENT_SHUTDOWN, Ssl};

/// What `SSL_get_error` reports for the last call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LastError {
    #[default]
    None,
    WantRead,
    WantWrite,
    WantX509Lookup,
    WantClientHelloCb,
    ZeroReturn,
    Syscall,
    Ssl,
}

/// The I/O side of one connection.
#[derive(Default)]
pub struct Io {
    conn: Option<Connection>,
    /// Server: reads the ClientHello before the connection exists.
    acceptor: Option<rustls::server::Acceptor>,
    /// Server: the ClientHello, waiting for the application's callbacks (a certificate
    /// callback may ask to be called again).
    hello: Option<rustls::server::Accepted>,
    /// The servername callback ran for this ClientHello.
    hello_callbacks_done: bool,
    /// The ClientHello callback accepted this ClientHello.
    client_hello_cb_done: bool,
    /// The peer's plaintext handshake messages, for what rustls does not expose.
    scan: HandshakeScan,
    /// Client: the ServerHello's session id and a TLS 1.2 NewSessionTicket (hint, ticket).
    server_session_id: Option<Vec<u8>>,
    server_ticket: Option<(u32, Vec<u8>)>,
    /// Client: a TLS 1.2 ServerHello acknowledged the SNI (an empty server_name extension).
    server_acked_sni: bool,
    /// Server: the ServerHello has gone to the writer (the new session exists from then on).
    server_hello_sent: bool,
    /// Client: the ServerHello has been processed (the session is settled from then on).
    server_hello_seen: bool,
    /// The peer closed the transport.
    eof: bool,
    /// What a read meeting that end returns: 0, or -1 when the program's BIO said -1 (OpenSSL
    /// returns the BIO's value).
    eof_ret: c_int,
    /// Plaintext `SSL_peek` took from rustls: the next reads get it first.
    peeked: Vec<u8>,
    pub last: LastError,
    /// Bytes of the current `SSL_write` buffer already handed to rustls (non-blocking retry).
    accepted: usize,
    /// A fatal error happened (its reason): the connection is still to be marked failed, after
    /// which no call reaches rustls again, and its session removed (OpenSSL's fatal alert).
    fatal_pending: Option<u32>,
}

/// Result of one step.
enum Step {
    Again,
    Return(c_int),
}

/// What to tell the application once the connection is no longer borrowed.
enum Event {
    Established(Arc<Session>, Side),
    RemoveClientSession(Arc<Session>),
    /// A fatal error: OpenSSL's `ssl3_send_alert` removes the connection's session.
    Fatal,
    AcceptGood,
    ConnectGood,
    HandshakeDone,
    Hit,
    Miss,
    KeyLog(std::ffi::CString),
}

pub(crate) fn fatal_reason(r: FatalReason) -> u32 {
    match r {
        FatalReason::SidCtxUninitialized => reason::SESSION_ID_CONTEXT_UNINITIALIZED,
        FatalReason::InconsistentExtms => reason::UNEXPECTED_MESSAGE,
    }
}

/// `SSL_read`'s failures: a fatal alert from the peer returns 0 (as the unexpected EOF does),
/// other errors -1.
fn fail_read(io: &mut Io, why: u32) -> Step {
    fail(io, LastError::Ssl, why);
    if why >= reason::ALERT_BASE {
        return Step::Return(0);
    }
    Step::Return(-1)
}

fn fail(io: &mut Io, kind: LastError, why: u32) -> Step {
    if kind == LastError::Ssl {
        err::raise(LIB_SSL, why);
        // Misuse (no connection yet) is reported without an alert, as in OpenSSL.
        if why != reason::UNINITIALIZED {
            io.fatal_pending = Some(why);
        }
    }
    io.last = kind;
    Step::Return(-1)
}

/// The peer closed the transport without close_notify. OpenSSL 3.0 (`ssl3_read_n`) makes that a
/// fatal error, unless `SSL_OP_IGNORE_UNEXPECTED_EOF` is set: then it reads as the peer's
/// close_notify (`SSL_ERROR_ZERO_RETURN`, nothing queued, the session kept), and the shutdown
/// flags become `SSL_RECEIVED_SHUTDOWN` alone, forgetting a close_notify already sent (so that an
/// `SSL_free` then removes the session, as OpenSSL's does). Returns whether it was ignored.
fn unexpected_eof(ssl: &Ssl, io: &mut Io) -> bool {
    if ssl.options() & settings::op::IGNORE_UNEXPECTED_EOF == 0 {
        fail(io, LastError::Ssl, reason::UNEXPECTED_EOF_WHILE_READING);
        return false;
    }
    ssl.set_shutdown(RECEIVED_SHUTDOWN);
    io.last = LastError::ZeroReturn;
    true
}

/// A file descriptor as `Read + Write`, without owning it.
struct Fd(c_int);

impl Read for Fd {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // SAFETY: `buf` is valid for `buf.len()` bytes; a bad descriptor gives EBADF.
        let n = unsafe { libc::read(self.0, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
    }
}

impl Write for Fd {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // SAFETY: `buf` is valid for `buf.len()` bytes; a bad descriptor gives EBADF.
        let n = unsafe { libc::write(self.0, buf.as_ptr().cast(), buf.len()) };
        if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
    }
    /// rustls hands every queued record to one call: a flight leaves in one `writev`, as
    /// OpenSSL's buffered write sends it (a record per `write()` meets Nagle's algorithm and the
    /// peer's delayed ACK over TCP).
    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        let count = bufs.len().min(libc::UIO_MAXIOV as usize) as c_int;
        // SAFETY: `IoSlice` is ABI-compatible with `iovec` on Unix (std guarantees it), and
        // `count` slices are valid; a bad descriptor gives EBADF.
        let n = unsafe { libc::writev(self.0, bufs.as_ptr().cast(), count) };
        if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where records go or come from: a descriptor, or the program's own transport (a BIO).
enum Endpoint {
    Fd(Fd),
    Custom(Arc<dyn Transport>),
}

fn reader(ssl: &Ssl) -> Endpoint {
    ssl.read_transport().map_or_else(|| Endpoint::Fd(Fd(ssl.rfd())), Endpoint::Custom)
}

fn writer(ssl: &Ssl) -> Endpoint {
    ssl.write_transport().map_or_else(|| Endpoint::Fd(Fd(ssl.wfd())), Endpoint::Custom)
}

impl Endpoint {
    /// Pushes what was written on: a program's BIO is flushed, as OpenSSL flushes its BIO after
    /// each flight and alert (a descriptor needs nothing).
    fn push(&self) -> std::io::Result<()> {
        match self {
            Endpoint::Fd(_) => Ok(()),
            Endpoint::Custom(t) => t.flush(),
        }
    }
}

impl Read for Endpoint {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Endpoint::Fd(fd) => fd.read(buf),
            Endpoint::Custom(t) => t.read(buf),
        }
    }
}

impl Write for Endpoint {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Endpoint::Fd(fd) => fd.write(buf),
            Endpoint::Custom(t) => t.write(buf),
        }
    }
    /// A flight goes to a BIO in one write, as OpenSSL's buffering BIO hands it on.
    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        match self {
            Endpoint::Fd(fd) => fd.write_vectored(bufs),
            Endpoint::Custom(t) if bufs.len() == 1 => t.write(&bufs[0]),
            Endpoint::Custom(t) => {
                let flight: Vec<u8> = bufs.iter().flat_map(|b| b.iter().copied()).collect();
                t.write(&flight)
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn would_block(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted)
}

fn rustls_reason(e: &rustls::Error) -> u32 {
    use rustls::Error as E;
    match e {
        E::InvalidCertificate(_) => reason::CERTIFICATE_VERIFY_FAILED,
        E::AlertReceived(a) => reason::ALERT_BASE + u32::from(u8::from(*a)),
        E::PeerIncompatible(_) => reason::NO_SHARED_CIPHER,
        E::InvalidMessage(_) => reason::RECORD_LAYER_FAILURE,
        E::DecryptError => reason::DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
        E::InappropriateMessage { .. } | E::InappropriateHandshakeMessage { .. } => reason::UNEXPECTED_MESSAGE,
        _ => reason::RECORD_LAYER_FAILURE,
    }
}

/// Writes like [`Fd`], and notes the session id of the ServerHello at the start of the first
/// flight it is given, before writing it.
struct HelloWatch<'a> {
    fd: Endpoint,
    id: &'a mut Option<Vec<u8>>,
}

impl Write for HelloWatch<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_vectored(&[std::io::IoSlice::new(buf)])
    }
    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        if self.id.is_none() {
            let mut scan = HandshakeScan::default();
            for buf in bufs {
                let hello = scan.feed(buf).into_iter().find(|(kind, _)| *kind == hello::SERVER_HELLO_TYPE);
                if let Some((_, body)) = hello {
                    *self.id = Some(hello::server_hello_session_id(&body).unwrap_or_default());
                    break;
                }
            }
        }
        self.fd.write_vectored(bufs)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends what rustls has queued, and pushes it on (see [`Endpoint::push`]). `Err` with
/// `WouldBlock` when the transport is full.
fn flush(conn: &mut Connection, ssl: &Ssl) -> std::io::Result<()> {
    let mut out = writer(ssl);
    if flush_to(conn, &mut out)? {
        out.push()?;
    }
    Ok(())
}

/// As [`flush`], for application data: OpenSSL does not flush its BIO after `SSL_write`.
fn flush_data(conn: &mut Connection, ssl: &Ssl) -> std::io::Result<()> {
    flush_to(conn, &mut writer(ssl)).map(|_| ())
}

/// Writes what rustls has queued; whether there was anything.
fn flush_to(conn: &mut Connection, out: &mut impl Write) -> std::io::Result<bool> {
    let mut wrote = false;
    while conn.wants_write() {
        match conn.write_tls(out) {
            Ok(_) => wrote = true,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(wrote)
}

/// Writes bytes rustls does not frame (an alert before the connection exists) and pushes them.
fn send_raw(ssl: &Ssl, write: impl FnOnce(&mut Endpoint) -> std::io::Result<()>) {
    let mut out = writer(ssl);
    if write(&mut out).is_ok() {
        let _ = out.push();
    }
}

/// Starts the handshake on first use (lazily, so that `SSL_set_session` and the settings made
/// before it count): a client gets its rustls connection now; a server first reads the
/// ClientHello with an acceptor (the application's servername, certificate and ALPN callbacks
/// run on it before the connection exists).
fn ensure_started(ssl: &Ssl, io: &mut Io) -> Result<(), u32> {
    if io.conn.is_some() || io.acceptor.is_some() || io.hello.is_some() {
        return Ok(());
    }
    let settings = ssl.settings();
    let is_server = ssl.is_server();
    if settings.versions().is_empty() {
        return Err(reason::NO_PROTOCOLS_AVAILABLE);
    }
    if is_server {
        io.acceptor = Some(rustls::server::Acceptor::default());
    } else {
        let _current = hooks::enter(ssl);
        let cfg = config::client_config(&settings, &ssl.ctx.tls.read()).map_err(config_reason)?;
        let name = ssl
            .host_name()
            .and_then(|h| rustls::pki_types::ServerName::try_from(h).ok())
            .unwrap_or(rustls::pki_types::ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
        io.conn = Some(ClientConnection::new(cfg, name).map_err(|_| reason::RECORD_LAYER_FAILURE)?.into());
        // OpenSSL's client keeps a pre-set session for its hello when it is resumable and of an
        // enabled version; declining it later counts a miss (even if no ticket could be sent).
        let usable = ssl.session().is_some_and(|s| {
            let (version, id_empty) = {
                let f = s.read();
                (f.version, f.id.is_empty())
            };
            s.is_resumable() && !id_empty && settings.versions().iter().any(|v| u16::from(v.version) as i32 == version)
        });
        ssl.notes.lock().offered = usable;
        // OpenSSL's client takes the highest version it may use once its hello is made, and a
        // new session (no id yet) unless it offers one.
        if let Some(highest) = settings.versions().first() {
            let highest = i32::from(u16::from(highest.version));
            ssl.set_version(highest);
            if !usable {
                ssl.start_new_session(highest, &[]);
            }
        }
    }
    let stats = &ssl.ctx.cache.stats;
    Stats::bump(if is_server { &stats.accept } else { &stats.connect });
    ssl.begin_handshake();
    info(ssl, INFO_HANDSHAKE_START, 1);
    Ok(())
}

/// `SSL_CB_*` values the driver reports to the info callback.
const INFO_HANDSHAKE_START: i32 = 0x10;
const INFO_HANDSHAKE_DONE: i32 = 0x20;
const INFO_LOOP: i32 = 0x01;
const INFO_EXIT: i32 = 0x02;
const INFO_ST_CONNECT: i32 = 0x1000;
const INFO_ST_ACCEPT: i32 = 0x2000;
pub(crate) const INFO_WRITE_ALERT: i32 = 0x4008;

/// Calls the info callback (no lock is held by the caller).
fn info(ssl: &Ssl, where_: i32, ret: i32) {
    ssl.current_ctx().callbacks.info(ssl, where_, ret);
}

fn role_bit(ssl: &Ssl) -> i32 {
    if ssl.is_server() { INFO_ST_ACCEPT } else { INFO_ST_CONNECT }
}

/// The server's ClientHello is in: the application's callbacks choose the context,
/// certificate and protocol, then the rustls connection is made from the current context.
/// `Err` is the `SSL_R_*` reason of a fatal error (the alert, if any, already sent).
fn accept_hello(ssl: &Ssl, io: &mut Io) -> Result<Option<c_int>, u32> {
    let accepted = io.hello.take().expect("a ClientHello is waiting");
    let (sni, alpn_offered) = {
        let hello = accepted.client_hello();
        let alpn: Option<Vec<u8>> = hello.alpn().map(|names| {
            let mut wire = Vec::new();
            for n in names {
                wire.push(n.len() as u8);
                wire.extend_from_slice(n);
            }
            wire
        });
        (hello.server_name().map(str::to_owned), alpn)
    };
    if !io.client_hello_cb_done {
        // OpenSSL asks the connection's context, first thing, before the SNI is known.
        match ssl.current_ctx().callbacks.client_hello(ssl) {
            ClientHelloAnswer::Retry => {
                io.hello = Some(accepted);
                io.last = LastError::WantClientHelloCb;
                return Ok(Some(-1));
            }
            ClientHelloAnswer::Fail(alert) => {
                send_plain_alert(ssl, alert);
                return Err(reason::CALLBACK_FAILED);
            }
            ClientHelloAnswer::Success | ClientHelloAnswer::NoCallback => io.client_hello_cb_done = true,
        }
    }
    if !io.hello_callbacks_done {
        ssl.notes.lock().sni = sni;
        ssl.publish_sni();
        // OpenSSL asks the current context's servername callback, else the session context's.
        let mut answer = ssl.current_ctx().callbacks.servername(ssl);
        if answer == ServernameAnswer::NoCallback && !Arc::ptr_eq(&ssl.current_ctx(), &ssl.ctx) {
            answer = ssl.ctx.callbacks.servername(ssl);
        }
        match answer {
            ServernameAnswer::Fatal(alert) => {
                send_plain_alert(ssl, alert);
                return Err(reason::CALLBACK_FAILED);
            }
            ServernameAnswer::Ok => ssl.notes.lock().sni_accepted = true,
            ServernameAnswer::NoCallback | ServernameAnswer::NoAck | ServernameAnswer::Warning(_) => {}
        }
        let current = ssl.current_ctx();
        if !Arc::ptr_eq(&current, &ssl.ctx) {
            // As OpenSSL: the accept count moves to the context switched to.
            ssl.ctx.cache.stats.accept.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            Stats::bump(&current.cache.stats.accept);
        }
        io.hello_callbacks_done = true;
    }
    match ssl.current_ctx().callbacks.certificate(ssl) {
        CertAnswer::Retry => {
            io.hello = Some(accepted);
            io.last = LastError::WantX509Lookup;
            return Ok(Some(-1));
        }
        CertAnswer::Fail => {
            send_plain_alert(ssl, 80);
            return Err(reason::CERT_CB_ERROR);
        }
        CertAnswer::Ok | CertAnswer::NoCallback => {}
    }
    let current = ssl.current_ctx();
    let alpn = match alpn_offered {
        Some(offered) => match current.callbacks.select_alpn(ssl, &offered) {
            AlpnAnswer::Selected(p) => Some(p),
            AlpnAnswer::Fatal => {
                send_plain_alert(ssl, 120);
                return Err(reason::NO_APPLICATION_PROTOCOL);
            }
            AlpnAnswer::NoAck | AlpnAnswer::NoCallback => None,
        },
        None => None,
    };
    let settings = ssl.settings();
    let cfg = {
        let tls = current.tls.read();
        // Tickets are sealed with the session context's keys, as OpenSSL's.
        config::server_config(&settings, &tls, &ssl.certs(), ssl.ctx.ticketer(), alpn)
    };
    let cfg = match cfg {
        Ok(cfg) => cfg,
        Err(ConfigError::NoCertificate) => {
            // OpenSSL finds no cipher it can use without a certificate.
            send_plain_alert(ssl, 40);
            return Err(reason::NO_SHARED_CIPHER);
        }
        Err(e) => return Err(config_reason(e)),
    };
    ssl.unpublish_sni();
    let made = {
        let _current = hooks::enter(ssl);
        accepted.into_connection(cfg)
    };
    ssl.publish_sni();
    match made {
        Ok(conn) => {
            io.conn = Some(conn.into());
            Ok(None)
        }
        Err((e, mut alert)) => {
            send_raw(ssl, |out| alert.write_all(out).map(|_| ()));
            let aborted = ssl.notes.lock().abort.take();
            Err(aborted.unwrap_or_else(|| rustls_reason(&e)))
        }
    }
}

/// A fatal alert in a plaintext record (before any keys exist).
fn send_plain_alert(ssl: &Ssl, description: u8) {
    send_raw(ssl, |out| out.write_all(&[21, 3, 3, 0, 2, 2, description]));
    info(ssl, INFO_WRITE_ALERT, (2 << 8) | i32::from(description));
}

/// One round of reading the ClientHello into the acceptor.
fn accept_step(ssl: &Ssl, io: &mut Io) -> Step {
    if io.hello.is_none() {
        let acceptor = io.acceptor.as_mut().expect("a server reads its ClientHello first");
        let mut seen = Vec::new();
        match acceptor.read_tls(&mut Tee { fd: reader(ssl), seen: &mut seen }) {
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                io.eof = true;
                unexpected_eof(ssl, io);
                return Step::Return(-1);
            }
            Ok(0) => {
                io.eof = true;
                unexpected_eof(ssl, io);
                return Step::Return(-1);
            }
            Ok(_) => {}
            Err(e) if would_block(&e) => return fail(io, LastError::WantRead, 0),
            Err(_) => return fail(io, LastError::Syscall, 0),
        }
        for (kind, body) in io.scan.feed(&seen) {
            if kind == hello::CLIENT_HELLO {
                ssl.notes.lock().hello = hello::parse_client_hello(&body);
            }
        }
        match acceptor.accept() {
            Ok(None) => return Step::Again,
            Ok(Some(accepted)) => {
                io.acceptor = None;
                io.hello = Some(accepted);
            }
            Err((e, mut alert)) => {
                send_raw(ssl, |out| alert.write_all(out).map(|_| ()));
                return fail(io, LastError::Ssl, rustls_reason(&e));
            }
        }
    }
    match accept_hello(ssl, io) {
        Ok(None) => Step::Again,
        Ok(Some(r)) => Step::Return(r),
        Err(why) => fail(io, LastError::Ssl, why),
    }
}

fn config_reason(e: ConfigError) -> u32 {
    match e {
        ConfigError::NoProtocols => reason::NO_PROTOCOLS_AVAILABLE,
        ConfigError::NoCertificate => reason::NO_CERTIFICATE_ASSIGNED,
    }
}

/// A descriptor read through rustls that also shows each byte to the handshake scan.
struct Tee<'a> {
    fd: Endpoint,
    seen: &'a mut Vec<u8>,
}

impl Read for Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.fd.read(buf)?;
        self.seen.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// Reads once from the descriptor into rustls (never more than rustls can hold). `Ok(false)`
/// at end of file.
fn read_some(ssl: &Ssl, io: &mut Io) -> std::io::Result<bool> {
    let conn = io.conn.as_mut().expect("connection exists while reading");
    let at_end = |io: &mut Io, r: std::io::Result<usize>| match r {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            io.eof_ret = -1;
            Ok(0)
        }
        r => r,
    };
    if io.scan.is_done() {
        let r = conn.read_tls(&mut reader(ssl));
        let n = at_end(io, r)?;
        io.eof = n == 0;
        return Ok(n != 0);
    }
    let mut seen = Vec::new();
    let r = conn.read_tls(&mut Tee { fd: reader(ssl), seen: &mut seen });
    let n = at_end(io, r)?;
    if n == 0 {
        io.eof = true;
        return Ok(false);
    }
    let conn = io.conn.as_mut().expect("connection exists while reading");
    let server = matches!(conn, Connection::Server(_));
    for (kind, body) in io.scan.feed(&seen) {
        match kind {
            hello::CLIENT_HELLO if server => ssl.notes.lock().hello = hello::parse_client_hello(&body),
            hello::SERVER_HELLO_TYPE if !server => {
                io.server_session_id = hello::server_hello_session_id(&body);
                io.server_acked_sni =
                    hello::server_hello_extensions(&body).is_some_and(|kinds| kinds.contains(&hello::EXT_SERVER_NAME));
            }
            hello::NEW_SESSION_TICKET if !server => io.server_ticket = hello::new_session_ticket(&body),
            _ => {}
        }
    }
    Ok(true)
}

/// Lets rustls process what was read; the hooks run inside.
fn process(ssl: &Ssl, io: &mut Io) -> Result<(), u32> {
    let conn = io.conn.as_mut().expect("connection exists while processing");
    let result = {
        let _current = hooks::enter(ssl);
        conn.process_new_packets()
    };
    let aborted = ssl.notes.lock().abort.take();
    if let Some(why) = aborted {
        // Throw away rustls's flight; send a plaintext fatal internal_error alert instead.
        let mut sink = Vec::new();
        while conn.wants_write() {
            if conn.write_tls(&mut sink).is_err() {
                break;
            }
        }
        send_raw(ssl, |out| out.write_all(&[21, 3, 3, 0, 2, 2, 80]));
        return Err(why);
    }
    match result {
        Ok(_) => {
            ssl.publish_sni();
            Ok(())
        }
        Err(e) => {
            // Best effort: the alert rustls queued goes to the peer.
            let _ = flush(conn, ssl);
            if matches!(e, rustls::Error::AlertReceived(_)) {
                // As OpenSSL on a fatal alert: the peer will send nothing more.
                ssl.add_shutdown(RECEIVED_SHUTDOWN);
            }
            Err(rustls_reason(&e))
        }
    }
}

/// The server's ServerHello is going out. OpenSSL's server has its new session from the
/// ClientHello on (`SSL_get_session` returns it, a fatal error removes it): a full handshake
/// begins it here, with the ServerHello's id in TLS 1.2 and none in TLS 1.3; the session
/// store completes it at the handshake's end. A resumption already has its session.
fn begin_server_session(
    ssl: &Ssl,
    version: Option<rustls::ProtocolVersion>,
    group: u32,
    suite: Option<u16>,
    id: &[u8],
) {
    if ssl.session().is_some() {
        return;
    }
    let session = match version {
        Some(rustls::ProtocolVersion::TLSv1_2) => ssl.start_new_session(TLS1_2_VERSION, id),
        _ => ssl.start_new_session(TLS1_3_VERSION, &[]),
    };
    // OpenSSL records the key exchange group in the session (`kex_group`, DER tag 19), and the
    // suite is known from the ServerHello on. The client's name is in it from the ClientHello on
    // when a servername callback accepted it.
    let name = if ssl.notes.lock().sni_accepted { ssl.state.lock().servername.clone() } else { None };
    session.update(|f| {
        f.kex_group = group;
        f.update_extra(|e| e.hostname = name);
        // TLS 1.3 keys (and OpenSSL's session cipher) come with the ServerHello; a TLS 1.2
        // server sets its session's cipher at ChangeCipherSpec, at the end here.
        if f.cipher.is_none() && version == Some(rustls::ProtocolVersion::TLSv1_3) {
            f.cipher = suite;
        }
    });
}

/// The client has the ServerHello: as OpenSSL's `tls_process_server_hello`, a connection that
/// is not resuming has its new session now (TLS 1.2: with the server's id and the suite), and
/// `SSL_version` is the negotiated version.
fn client_saw_server_hello(ssl: &Ssl, io: &mut Io) {
    if io.server_hello_seen || ssl.is_server() {
        return;
    }
    let Some(conn) = io.conn.as_ref() else { return };
    let (Some(version), Some(kind)) = (conn.protocol_version(), conn.handshake_kind()) else { return };
    io.server_hello_seen = true;
    let suite = conn.negotiated_cipher_suite().map(|s| u16::from(s.suite()));
    let tls12 = version == rustls::ProtocolVersion::TLSv1_2;
    ssl.set_version(if tls12 { TLS1_2_VERSION } else { TLS1_3_VERSION });
    if kind == HandshakeKind::Resumed {
        return;
    }
    let offered = ssl.notes.lock().offered;
    let current = ssl.session();
    let fresh = current.filter(|s| !offered && s.id().is_empty());
    let session = match fresh {
        Some(s) => s,
        None => ssl.start_new_session(if tls12 { TLS1_2_VERSION } else { TLS1_3_VERSION }, &[]),
    };
    if tls12 {
        if let Some(id) = io.server_session_id.clone().filter(|id| !id.is_empty()) {
            session.set_id(&id);
        }
        session.update(|f| {
            f.version = TLS1_2_VERSION;
            f.cipher = suite;
        });
    } else {
        session.update(|f| f.version = TLS1_3_VERSION);
    }
    record_host_name(ssl, &session, server_acked_sni(ssl, io, tls12));
}

/// The server acknowledged the client's SNI. TLS 1.3 puts that in the encrypted extensions,
/// which rustls does not show: rustls servers, and OpenSSL's with a servername callback, send it.
fn server_acked_sni(ssl: &Ssl, io: &Io, tls12: bool) -> bool {
    sni_sent(ssl) && (!tls12 || io.server_acked_sni)
}

/// The negotiated key exchange group's TLS id (OpenSSL's `kex_group`, DER tag 19); 0 before.
fn key_exchange_group(conn: &Connection) -> u32 {
    conn.negotiated_key_exchange_group().map_or(0, |g| u32::from(u16::from(g.name())))
}

/// The end of the handshake, as OpenSSL's `tls_finish_handshake`.
fn finish(ssl: &Ssl, io: &mut Io, events: &mut Vec<Event>) {
    let conn = io.conn.as_ref().expect("connection exists at the handshake's end");
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_2) => TLS1_2_VERSION,
        _ => TLS1_3_VERSION,
    };
    let hit = conn.handshake_kind() == Some(HandshakeKind::Resumed);
    let suite = conn.negotiated_cipher_suite().map(|s| u16::from(s.suite()));
    let group = key_exchange_group(conn);
    ssl.finish_handshake(version, hit);
    ssl.set_cipher(suite);
    ssl.state.lock().alpn_selected = conn.alpn_protocol().map(Into::into);
    events.push(Event::HandshakeDone);
    let tls13 = version >= TLS1_3_VERSION;
    if ssl.is_server() {
        let session = ssl.session().unwrap_or_else(|| ssl.start_new_session(version, &[]));
        if session.read().cipher.is_none() {
            session.update(|f| f.cipher = suite);
        }
        // A TLS 1.2 server learns its group only now (TLS 1.3: at the ServerHello).
        if !hit && group != 0 {
            session.update(|f| f.kex_group = group);
        }
        if tls13 {
            events.push(Event::AcceptGood);
        } else {
            events.push(Event::Established(session, Side::Server));
            events.push(Event::AcceptGood);
        }
    } else {
        let offered = std::mem::take(&mut ssl.notes.lock().offered);
        if offered && !hit {
            events.push(Event::Miss);
        }
        if tls13 {
            if let Some(s) = ssl.session().filter(|_| hit) {
                if ssl.ctx.cache.mode() & mode::CLIENT != 0 {
                    events.push(Event::RemoveClientSession(s));
                }
            } else {
                let s = ssl.start_new_session(version, &[]);
                s.update(|f| {
                    f.cipher = suite;
                    f.kex_group = group;
                });
                record_peer_in_session(ssl, &s);
                record_host_name(ssl, &s, server_acked_sni(ssl, io, false));
            }
        } else {
            let value = ssl.notes.lock().client_tls12.take();
            let session = match (hit, ssl.session()) {
                (true, Some(s)) => s,
                _ => {
                    // OpenSSL's client id: the server's id, else SHA-256 of the ticket, else
                    // none (then the session cannot be resumed).
                    let ticket = io.server_ticket.take();
                    let id = match (io.server_session_id.take(), &ticket) {
                        (Some(id), _) if !id.is_empty() => id,
                        (_, Some((_, t))) => sha256(t),
                        _ => Vec::new(),
                    };
                    let s = ssl.start_new_session(version, &id);
                    let master = ssl.notes.lock().master_secret.take();
                    let ems = value.as_ref().is_some_and(hooks::uses_extended_ms);
                    let alpn = conn.alpn_protocol().map(<[u8]>::to_vec);
                    s.update(|f| {
                        f.cipher = suite;
                        f.kex_group = group;
                        f.update_extra(|e| e.alpn_selected = alpn);
                        f.master_key = master.unwrap_or_default().into();
                        if ems {
                            f.flags |= crate::core::session::FLAG_EXTMS;
                        }
                        if let Some((hint, t)) = ticket {
                            f.ticket_lifetime_hint = u64::from(hint);
                            f.update_extra(|e| e.ticket = Some(t));
                        }
                    });
                    if let Some(v) = value {
                        s.set_engine_state(Some(Arc::new(ClientValue::Tls12(v))));
                    }
                    s
                }
            };
            if !hit {
                record_peer_in_session(ssl, &session);
                record_host_name(ssl, &session, server_acked_sni(ssl, io, true));
            }
            events.push(Event::Established(session, Side::Client));
        }
        if hit {
            events.push(Event::Hit);
        }
        events.push(Event::ConnectGood);
    }
}

/// A client's new session keeps the server's certificate and the verify result, as OpenSSL's
/// (DER tags 3 and 5).
fn record_peer_in_session(ssl: &Ssl, session: &Session) {
    let leaf = ssl.peer_chain().and_then(|c| c.first().map(|c| c.to_vec()));
    let result = ssl.verify_result();
    session.update(|f| {
        f.verify_result = result;
        f.update_extra(|e| e.peer_cert = leaf);
    });
}

/// rustls sent the connection's host name as SNI (it sends DNS names only).
fn sni_sent(ssl: &Ssl) -> bool {
    ssl.host_name().is_some_and(|h| {
        matches!(rustls::pki_types::ServerName::try_from(h), Ok(rustls::pki_types::ServerName::DnsName(_)))
    })
}

/// A client's new session keeps the host name the server acknowledged, as OpenSSL's
/// `tls_parse_stoc_server_name` (DER tag 6).
fn record_host_name(ssl: &Ssl, session: &Session, acked: bool) {
    let name = if acked { ssl.state.lock().servername.clone() } else { None };
    if name.is_some() {
        session.update(|f| f.update_extra(|e| e.hostname = name));
    }
}

/// Sessions made by tickets during the last rustls call, in order.
fn collect_tickets(ssl: &Ssl, events: &mut Vec<Event>) {
    // Tickets come after the handshake's end (`finish`, which marks the connection done).
    if ssl.in_init() {
        return;
    }
    let (server, client) = {
        let mut h = ssl.notes.lock();
        (std::mem::take(&mut h.ticket_sessions), std::mem::take(&mut h.client_tickets))
    };
    for s in server {
        events.push(Event::Established(s, Side::Server));
    }
    let suite = ssl.cipher();
    let alpn = ssl.state.lock().alpn_selected.as_deref().map(<[u8]>::to_vec);
    for ticket in client {
        // OpenSSL's client id for a TLS 1.3 ticket is SHA-256 of the ticket.
        let facts = hooks::ticket_facts(&ticket);
        let id = facts.as_ref().map_or_else(|| hooks::random_id().to_vec(), |(t, _, _)| sha256(t));
        let s = ssl.next_ticket_session(TLS1_3_VERSION, &id);
        s.update(|f| {
            f.cipher = suite;
            f.update_extra(|e| e.alpn_selected = alpn.clone());
            if let Some((t, lifetime, age_add)) = facts {
                f.update_extra(|e| e.ticket = Some(t));
                f.ticket_lifetime_hint = u64::from(lifetime);
                f.ticket_age_add = age_add;
            }
        });
        s.set_engine_state(Some(Arc::new(ClientValue::Tls13(parking_lot::Mutex::new(Some(ticket))))));
        events.push(Event::Established(s, Side::Client));
    }
}

fn sha256(data: &[u8]) -> Vec<u8> {
    let suite = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
    match suite.tls13() {
        Some(s) => s.common.hash_provider.hash(data).as_ref().to_vec(),
        None => Vec::new(),
    }
}

/// Calls the application for each event; no connection lock is held here.
fn fire(ssl: &Ssl, events: Vec<Event>) {
    let stats = &ssl.ctx.cache.stats;
    for e in events {
        match e {
            Event::Established(s, side) => ssl.session_established(&s, side),
            Event::RemoveClientSession(s) => {
                resume::remove_session(&ssl.ctx.cache, &ssl.app(), &s);
            }
            Event::Fatal => {
                if let Some(s) = ssl.session() {
                    resume::remove_session(&ssl.ctx.cache, &ssl.app(), &s);
                }
            }
            // OpenSSL counts a good accept on the context switched to, if any.
            Event::AcceptGood => Stats::bump(&ssl.current_ctx().cache.stats.accept_good),
            Event::HandshakeDone => info(ssl, INFO_HANDSHAKE_DONE, 1),
            Event::ConnectGood => Stats::bump(&stats.connect_good),
            Event::Hit => Stats::bump(&stats.hits),
            Event::Miss => Stats::bump(&stats.misses),
            Event::KeyLog(line) => ssl.current_ctx().callbacks.key_log(ssl, &line),
        }
    }
}

/// Runs `step` until it returns, firing the events of each round with the I/O lock released.
fn drive(ssl: &Ssl, mut step: impl FnMut(&Ssl, &mut Io, &mut Vec<Event>) -> Step) -> c_int {
    loop {
        let mut events = Vec::new();
        let result = {
            let mut io = ssl.io.lock();
            let r = step(ssl, &mut io, &mut events);
            collect_tickets(ssl, &mut events);
            events.extend(std::mem::take(&mut ssl.notes.lock().key_log).into_iter().map(Event::KeyLog));
            if let Some(why) = io.fatal_pending.take() {
                ssl.mark_failed();
                // Once close_notify is sent, OpenSSL's ssl3_send_alert sends no fatal alert and
                // so removes nothing; a fatal alert received removes the session regardless.
                if why >= reason::ALERT_BASE || ssl.shutdown_flags() & SENT_SHUTDOWN == 0 {
                    events.push(Event::Fatal);
                }
            }
            r
        };
        fire(ssl, events);
        if let Step::Return(n) = result {
            return n;
        }
    }
}

/// One round of the handshake.
fn handshake_step(ssl: &Ssl, io: &mut Io, events: &mut Vec<Event>) -> Step {
    if let Err(why) = ensure_started(ssl, io) {
        return fail(io, LastError::Ssl, why);
    }
    if io.conn.is_none() {
        return accept_step(ssl, io);
    }
    let conn = io.conn.as_mut().expect("made above");
    if !io.server_hello_sent && matches!(conn, Connection::Server(_)) && ssl.session().is_some() {
        // A resumption has its session from the lookup: no ServerHello to watch for.
        io.server_hello_sent = true;
    }
    let watch_hello = !io.server_hello_sent && matches!(conn, Connection::Server(_)) && conn.wants_write();
    let flushed = if watch_hello {
        let mut id = None;
        let mut watch = HelloWatch { fd: writer(ssl), id: &mut id };
        let r = flush_to(conn, &mut watch).and_then(|wrote| if wrote { watch.fd.push() } else { Ok(()) });
        if let Some(id) = id {
            io.server_hello_sent = true;
            let version = conn.protocol_version();
            let suite = conn.negotiated_cipher_suite().map(|s| u16::from(s.suite()));
            begin_server_session(ssl, version, key_exchange_group(conn), suite, &id);
        }
        r
    } else {
        flush(conn, ssl)
    };
    match flushed {
        Ok(()) => {}
        Err(e) if would_block(&e) => return fail(io, LastError::WantWrite, 0),
        Err(_) => return fail(io, LastError::Syscall, 0),
    }
    if !conn.is_handshaking() {
        if ssl.in_init() {
            finish(ssl, io, events);
            return Step::Again;
        }
        io.last = LastError::None;
        return Step::Return(1);
    }
    match read_some(ssl, io) {
        Ok(true) => {}
        Ok(false) => {
            unexpected_eof(ssl, io);
            return Step::Return(-1);
        }
        Err(e) if would_block(&e) => return fail(io, LastError::WantRead, 0),
        Err(_) => return fail(io, LastError::Syscall, 0),
    }
    if let Err(why) = process(ssl, io) {
        return fail(io, LastError::Ssl, why);
    }
    client_saw_server_hello(ssl, io);
    Step::Again
}

/// `SSL_do_handshake`: 1 when done, -1 with `SSL_get_error` telling why not.
pub fn handshake(ssl: &Ssl) -> c_int {
    if let Some(r) = after_fatal(ssl) {
        return r;
    }
    let r = drive(ssl, |ssl, io, events| {
        if io.conn.is_some() || io.acceptor.is_some() || io.hello.is_some() {
            info(ssl, role_bit(ssl) | INFO_LOOP, 1);
        }
        handshake_step(ssl, io, events)
    });
    info(ssl, role_bit(ssl) | INFO_EXIT, r);
    r
}

/// After a fatal error OpenSSL's state machine no longer runs: calls fail at once (-1) and
/// queue nothing; `SSL_get_error` says `SSL_ERROR_ZERO_RETURN` once the peer's alert was
/// received (`SSL_RECEIVED_SHUTDOWN`, which also makes `read` return 0 first), otherwise
/// `SSL_ERROR_SYSCALL`.
fn after_fatal(ssl: &Ssl) -> Option<c_int> {
    if !ssl.has_failed() {
        return None;
    }
    let received = ssl.shutdown_flags() & RECEIVED_SHUTDOWN != 0;
    ssl.io.lock().last = if received { LastError::ZeroReturn } else { LastError::Syscall };
    Some(-1)
}

/// `SSL_read`: > 0 bytes read; 0 or -1 with `SSL_get_error` telling why not.
pub fn read(ssl: &Ssl, buf: &mut [u8]) -> c_int {
    read_or_peek(ssl, buf, false)
}

/// `SSL_peek`: as `SSL_read`, leaving the bytes to be read again.
pub fn peek(ssl: &Ssl, buf: &mut [u8]) -> c_int {
    read_or_peek(ssl, buf, true)
}

fn read_or_peek(ssl: &Ssl, buf: &mut [u8], peek: bool) -> c_int {
    if ssl.shutdown_flags() & RECEIVED_SHUTDOWN != 0 && ssl.io.lock().peeked.is_empty() {
        // As OpenSSL's: once the peer's close_notify (or fatal alert, or an ignored EOF) was
        // seen, or the flag was set by hand, reading returns 0 at once.
        ssl.io.lock().last = LastError::ZeroReturn;
        return 0;
    }
    if let Some(r) = after_fatal(ssl) {
        return r;
    }
    if ssl.in_init() {
        let r = handshake(ssl);
        if r <= 0 {
            return r;
        }
    }
    drive(ssl, |ssl, io, _events| {
        if !io.peeked.is_empty() {
            let n = buf.len().min(io.peeked.len());
            buf[..n].copy_from_slice(&io.peeked[..n]);
            if !peek {
                io.peeked.drain(..n);
            }
            io.last = LastError::None;
            return Step::Return(c_int::try_from(n).unwrap_or(c_int::MAX));
        }
        let Some(conn) = io.conn.as_mut() else {
            return fail(io, LastError::Ssl, reason::UNINITIALIZED);
        };
        let got = conn.reader().read(buf);
        if let (true, Ok(n)) = (peek, &got) {
            io.peeked.extend_from_slice(&buf[..*n]);
        }
        let conn = io.conn.as_mut().expect("checked above");
        match got {
            Ok(0) if !buf.is_empty() => {
                ssl.add_shutdown(RECEIVED_SHUTDOWN);
                io.last = LastError::ZeroReturn;
                return Step::Return(0);
            }
            Ok(n) => {
                io.last = LastError::None;
                return Step::Return(c_int::try_from(n).unwrap_or(c_int::MAX));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => {
                // rustls saw the transport end without close_notify.
                unexpected_eof(ssl, io);
                return Step::Return(io.eof_ret);
            }
        }
        if let Err(e) = flush(conn, ssl)
            && !would_block(&e)
        {
            return fail(io, LastError::Syscall, 0);
        }
        if io.eof {
            unexpected_eof(ssl, io);
            return Step::Return(io.eof_ret);
        }
        match read_some(ssl, io) {
            Ok(_) => {}
            Err(e) if would_block(&e) => return fail(io, LastError::WantRead, 0),
            Err(_) => return fail(io, LastError::Syscall, 0),
        }
        if let Err(why) = process(ssl, io) {
            return fail_read(io, why);
        }
        Step::Again
    })
}

/// `SSL_write`: the number of bytes written, or -1 with `SSL_get_error` telling why not. A call
/// that returned `WANT_WRITE` must be repeated with the same buffer, as with OpenSSL.
pub fn write(ssl: &Ssl, buf: &[u8]) -> c_int {
    if ssl.shutdown_flags() & SENT_SHUTDOWN != 0 {
        err::raise(LIB_SSL, reason::PROTOCOL_IS_SHUTDOWN);
        ssl.io.lock().last = LastError::Ssl;
        return -1;
    }
    if let Some(r) = after_fatal(ssl) {
        return r;
    }
    if ssl.in_init() {
        let r = handshake(ssl);
        if r <= 0 {
            return r;
        }
    }
    drive(ssl, |ssl, io, _events| {
        let Some(conn) = io.conn.as_mut() else {
            return fail(io, LastError::Ssl, reason::UNINITIALIZED);
        };
        // Hand the whole buffer to rustls, flushing as its send buffer fills: like OpenSSL
        // without partial writes, the call returns all of `buf` or asks to be repeated.
        loop {
            if io.accepted < buf.len() {
                match conn.writer().write(&buf[io.accepted..]) {
                    Ok(n) => io.accepted += n,
                    Err(_) => {
                        io.accepted = 0;
                        return fail(io, LastError::Ssl, reason::PROTOCOL_IS_SHUTDOWN);
                    }
                }
            }
            match flush_data(conn, ssl) {
                Ok(()) if io.accepted >= buf.len() => {
                    let n = std::mem::take(&mut io.accepted);
                    io.last = LastError::None;
                    return Step::Return(c_int::try_from(n).unwrap_or(c_int::MAX));
                }
                Ok(()) => {}
                Err(e) if would_block(&e) => return fail(io, LastError::WantWrite, 0),
                Err(_) => {
                    io.accepted = 0;
                    return fail(io, LastError::Syscall, 0);
                }
            }
        }
    })
}

/// `SSL_shutdown`: sends close_notify (0), then waits for the peer's (1); quiet shutdown sets
/// the flags only.
pub fn shutdown(ssl: &Ssl) -> c_int {
    if ssl.quiet_shutdown() || ssl.io.lock().conn.is_none() {
        ssl.add_shutdown(SENT_SHUTDOWN | RECEIVED_SHUTDOWN);
        return 1;
    }
    drive(ssl, |ssl, io, _events| {
        let conn = io.conn.as_mut().expect("checked above");
        if ssl.shutdown_flags() & SENT_SHUTDOWN == 0 {
            conn.send_close_notify();
            ssl.add_shutdown(SENT_SHUTDOWN);
            return match flush(conn, ssl) {
                Ok(()) => Step::Return(if ssl.shutdown_flags() & RECEIVED_SHUTDOWN != 0 { 1 } else { 0 }),
                Err(e) if would_block(&e) => fail(io, LastError::WantWrite, 0),
                Err(_) => fail(io, LastError::Syscall, 0),
            };
        }
        match flush(conn, ssl) {
            Ok(()) => {}
            Err(e) if would_block(&e) => return fail(io, LastError::WantWrite, 0),
            Err(_) => return fail(io, LastError::Syscall, 0),
        }
        if ssl.shutdown_flags() & RECEIVED_SHUTDOWN != 0 {
            return Step::Return(1);
        }
        // Wait for the peer's close_notify, dropping application data.
        let mut sink = [0u8; 4096];
        loop {
            match conn.reader().read(&mut sink) {
                Ok(0) => {
                    ssl.add_shutdown(RECEIVED_SHUTDOWN);
                    return Step::Return(1);
                }
                Ok(_) => continue,
                Err(_) => break,
            }
        }
        if io.eof {
            // Ignored, the flags are now "received" alone and the call returns 0.
            return Step::Return(if unexpected_eof(ssl, io) { 0 } else { -1 });
        }
        match read_some(ssl, io) {
            Ok(_) => {}
            Err(e) if would_block(&e) => return fail(io, LastError::WantRead, 0),
            Err(_) => return fail(io, LastError::Syscall, 0),
        }
        if let Err(why) = process(ssl, io) {
            return fail(io, LastError::Ssl, why);
        }
        Step::Again
    })
}

/// `SSL_pending`: plaintext bytes already decrypted and not yet read.
pub fn pending(ssl: &Ssl) -> c_int {
    // Inside a callback of this connection's own rustls call, nothing can be pending yet.
    let Some(mut io) = ssl.io.try_lock() else { return 0 };
    let peeked = io.peeked.len();
    let Some(conn) = io.conn.as_mut() else {
        return 0;
    };
    // rustls's hooks may run (a ticket that arrived): they must find this connection. What they record
    // is reported by the next call that drives the connection.
    let _current = hooks::enter(ssl);
    match conn.process_new_packets() {
        Ok(state) => c_int::try_from(state.plaintext_bytes_to_read() + peeked).unwrap_or(c_int::MAX),
        Err(_) => c_int::try_from(peeked).unwrap_or(c_int::MAX),
    }
}

/// `SSL_get_error`'s input: the last call's outcome.
pub fn last_error(ssl: &Ssl) -> LastError {
    // A callback running inside a rustls call on this connection finds the I/O state held:
    // it gets "no error yet" instead of waiting on itself.
    ssl.io.try_lock().map_or(LastError::None, |io| io.last)
}

/// Forgets the connection (`SSL_clear`).
pub fn reset(ssl: &Ssl) {
    *ssl.io.lock() = Io::default();
    *ssl.notes.lock() = hooks::HandshakeNotes::default();
}
