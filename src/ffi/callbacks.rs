//! The handshake callbacks: servername (SNI), ALPN selection, certificate, info and verify,
//! their setters and getters, and `SSL_select_next_proto`.

use libc::{c_int, c_long, c_uchar, c_uint, c_void};

use super::boundary::{ArcHandle, SSL, SSL_CTX, ffi_boundary};
use super::consts::*;
use super::ctx::c_callbacks;
use crate::state::ctx::{AlpnAnswer, CertAnswer, ClientHelloAnswer, ServernameAnswer, VerifyOutcome};
use crate::state::settings::CFn;
use crate::state::ssl::Ssl;

pub(crate) type ServernameCb = unsafe extern "C" fn(*mut SSL, *mut c_int, *mut c_void) -> c_int;
pub(crate) type AlpnSelectCb =
    unsafe extern "C" fn(*mut SSL, *mut *const c_uchar, *mut c_uchar, *const c_uchar, c_uint, *mut c_void) -> c_int;
pub(crate) type InfoCb = unsafe extern "C" fn(*const SSL, c_int, c_int);
pub(crate) type CertCb = unsafe extern "C" fn(*mut SSL, *mut c_void) -> c_int;
pub(crate) type ClientHelloCb = unsafe extern "C" fn(*mut SSL, *mut c_int, *mut c_void) -> c_int;
pub(crate) type KeyLogCb = unsafe extern "C" fn(*const SSL, *const libc::c_char);

/// A context's handshake callbacks as C installed them (arguments kept as addresses).
#[derive(Clone, Copy, Default)]
pub(crate) struct HandshakeFns {
    pub servername: Option<ServernameCb>,
    pub servername_arg: usize,
    pub alpn_select: Option<(AlpnSelectCb, usize)>,
    pub info: Option<InfoCb>,
    pub client_hello: Option<(ClientHelloCb, usize)>,
    pub key_log: Option<KeyLogCb>,
    /// `SSL_CTX_set_tlsext_ticket_key_cb` (drop-in only: it takes libcrypto contexts).
    #[cfg(feature = "libcrypto")]
    pub ticket_key: Option<super::tickets::TicketKeyCb>,
    /// `SSL_CTX_set_tlsext_ticket_key_evp_cb` (drop-in only).
    #[cfg(feature = "libcrypto")]
    pub ticket_key_evp: Option<super::tickets::TicketKeyEvpCb>,
}

/// A C function pointer kept as `CFn`, back to its real type.
///
/// # Safety
/// `f` was made from a function of type `T` by [`erase`].
pub(crate) unsafe fn restore<T: Copy>(f: CFn) -> T {
    // SAFETY: both are function pointers of the same size; the caller promises `T` is the type
    // it was made from.
    unsafe { std::mem::transmute_copy(&f) }
}

/// Keeps a C function pointer of any type as `CFn` (restored by [`restore`]).
pub(crate) fn erase<T: Copy>(f: T) -> CFn {
    const { assert!(std::mem::size_of::<T>() == std::mem::size_of::<CFn>()) };
    // SAFETY: `T` is a function pointer type of the same size (checked above).
    unsafe { std::mem::transmute_copy(&f) }
}

pub(crate) fn servername(fns: HandshakeFns, ssl: &Ssl) -> ServernameAnswer {
    let Some(cb) = fns.servername else { return ServernameAnswer::NoCallback };
    // OpenSSL's default alert for a refused name: unrecognized_name.
    let mut alert: c_int = 112;
    // SAFETY: the application installed `cb` with this signature; the pointers live for the call.
    let r = unsafe { cb(SSL::handle(ssl), &mut alert, fns.servername_arg as *mut c_void) };
    let alert = u8::try_from(alert).unwrap_or(80);
    match r {
        SSL_TLSEXT_ERR_ALERT_FATAL => ServernameAnswer::Fatal(alert),
        SSL_TLSEXT_ERR_ALERT_WARNING => ServernameAnswer::Warning(alert),
        SSL_TLSEXT_ERR_NOACK => ServernameAnswer::NoAck,
        _ => ServernameAnswer::Ok,
    }
}

pub(crate) fn client_hello(fns: HandshakeFns, ssl: &Ssl) -> ClientHelloAnswer {
    let Some((cb, arg)) = fns.client_hello else { return ClientHelloAnswer::NoCallback };
    // The alert when the callback fails without choosing one: internal_error.
    let mut alert: c_int = 80;
    // SAFETY: the application installed `cb` with this signature; the pointers live for the call.
    match unsafe { cb(SSL::handle(ssl), &mut alert, arg as *mut c_void) } {
        SSL_CLIENT_HELLO_SUCCESS => ClientHelloAnswer::Success,
        SSL_CLIENT_HELLO_RETRY => ClientHelloAnswer::Retry,
        _ => ClientHelloAnswer::Fail(u8::try_from(alert).unwrap_or(80)),
    }
}

pub(crate) fn key_log(fns: HandshakeFns, ssl: &Ssl, line: &std::ffi::CStr) {
    if let Some(cb) = fns.key_log {
        // SAFETY: the application's callback; `line` lives for the call.
        unsafe { cb(SSL::handle(ssl), line.as_ptr()) };
    }
}

pub(crate) fn select_alpn(fns: HandshakeFns, ssl: &Ssl, offered: &[u8]) -> AlpnAnswer {
    let Some((cb, arg)) = fns.alpn_select else { return AlpnAnswer::NoCallback };
    let mut out: *const c_uchar = std::ptr::null();
    let mut out_len: c_uchar = 0;
    // SAFETY: `cb` has this signature; `offered` outlives the call.
    let r = unsafe {
        cb(SSL::handle(ssl), &mut out, &mut out_len, offered.as_ptr(), offered.len() as c_uint, arg as *mut c_void)
    };
    match r {
        SSL_TLSEXT_ERR_OK if !out.is_null() && out_len > 0 => {
            // SAFETY: the callback points `out` at `out_len` bytes (usually inside `offered`).
            AlpnAnswer::Selected(unsafe { std::slice::from_raw_parts(out, usize::from(out_len)) }.to_vec())
        }
        SSL_TLSEXT_ERR_OK | SSL_TLSEXT_ERR_NOACK => AlpnAnswer::NoAck,
        _ => AlpnAnswer::Fatal,
    }
}

pub(crate) fn certificate(ssl: &Ssl) -> CertAnswer {
    let Some((cb, arg)) = ssl.certs().cert_cb else { return CertAnswer::NoCallback };
    // SAFETY: stored by `SSL_CTX_set_cert_cb` from a `CertCb`.
    let cb: CertCb = unsafe { restore(cb) };
    // SAFETY: the application's callback with its argument.
    match unsafe { cb(SSL::handle(ssl), arg as *mut c_void) } {
        r if r > 0 => CertAnswer::Ok,
        0 => CertAnswer::Fail,
        _ => CertAnswer::Retry,
    }
}

pub(crate) fn info(fns: HandshakeFns, ssl: &Ssl, where_: c_int, ret: c_int) {
    let own = ssl.state.lock().info_callback;
    // SAFETY: stored by `SSL_set_info_callback` from an `InfoCb`.
    let cb = own.map(|f| unsafe { restore::<InfoCb>(f) }).or(fns.info);
    if let Some(cb) = cb {
        // SAFETY: the application's callback.
        unsafe { cb(SSL::handle(ssl), where_, ret) };
    }
}

pub(crate) fn verify_chain(
    ssl: &Ssl,
    chain: &[rustls::pki_types::CertificateDer<'_>],
    peer_is_client: bool,
) -> VerifyOutcome {
    #[cfg(feature = "libcrypto")]
    {
        super::x509::verify_chain(ssl, chain, peer_is_client)
    }
    #[cfg(not(feature = "libcrypto"))]
    {
        let roots = std::sync::Arc::clone(&ssl.current_ctx().tls.read().roots);
        crate::tls::hooks::webpki_verify(roots, chain, peer_is_client)
    }
}

/// Sets the servername callback, called on every ClientHello (with or without SNI), before
/// the session is looked up: it may read `SSL_get_servername`, switch the connection to another
/// context with `SSL_set_SSL_CTX`, and return `SSL_TLSEXT_ERR_OK`, `_NOACK`, `_ALERT_WARNING`
/// or `_ALERT_FATAL` (setting `*al` to the alert). Returns 1.
pub(crate) fn set_servername_cb(ctx: &crate::state::ctx::Ctx, cb: Option<ServernameCb>) -> Option<c_long> {
    c_callbacks(ctx)?.handshake.write().servername = cb;
    Some(1)
}

pub(crate) fn set_servername_arg(ctx: &crate::state::ctx::Ctx, arg: *mut c_void) -> Option<c_long> {
    c_callbacks(ctx)?.handshake.write().servername_arg = arg as usize;
    Some(1)
}

/// Sets the server's ALPN selection callback: given the client's list (wire format), it
/// points `*out` at the chosen name (`*outlen` bytes, usually inside `in`) and returns
/// `SSL_TLSEXT_ERR_OK`; `SSL_TLSEXT_ERR_NOACK` goes on without ALPN; anything else fails the
/// handshake with a no_application_protocol alert. Called after the servername callback, on
/// the context the connection is then on.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_alpn_select_cb(
    ctx: *mut SSL_CTX,
    cb: Option<
        unsafe extern "C" fn(
            ssl: *mut SSL,
            out: *mut *const c_uchar,
            outlen: *mut c_uchar,
            in_: *const c_uchar,
            inlen: c_uint,
            arg: *mut c_void,
        ) -> c_int,
    >,
    arg: *mut c_void,
) {
    ffi_boundary!((), |ctx| {
        c_callbacks(&ctx)?.handshake.write().alpn_select = cb.map(|cb| (cb, arg as usize));
        Some(())
    })
}

/// Sets the info callback for the context's connections (NULL clears it). Called with
/// `SSL_CB_HANDSHAKE_START` when a handshake begins, `SSL_CB_ACCEPT_LOOP` / `_CONNECT_LOOP` as it
/// runs, `SSL_CB_ACCEPT_EXIT` / `_CONNECT_EXIT` (with the return value) when a handshake call
/// returns, `SSL_CB_HANDSHAKE_DONE` at its end, and `SSL_CB_READ_ALERT` / `_WRITE_ALERT` for
/// alerts. sesscache reports these points, not each internal state OpenSSL passes through.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_info_callback(
    ctx: *mut SSL_CTX,
    cb: Option<unsafe extern "C" fn(ssl: *const SSL, where_: c_int, ret: c_int)>,
) {
    ffi_boundary!((), |ctx| {
        c_callbacks(&ctx)?.handshake.write().info = cb;
        Some(())
    })
}

/// The context's info callback; NULL if none.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_info_callback(
    ctx: *const SSL_CTX,
) -> Option<unsafe extern "C" fn(ssl: *const SSL, where_: c_int, ret: c_int)> {
    ffi_boundary!(None, |ctx| Some(c_callbacks(&ctx)?.handshake.read().info))
}

/// Sets this connection's own info callback (it takes precedence over the context's).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_info_callback(
    s: *mut SSL,
    cb: Option<unsafe extern "C" fn(ssl: *const SSL, where_: c_int, ret: c_int)>,
) {
    ffi_boundary!((), |s| {
        s.state.lock().info_callback = cb.map(erase);
        Some(())
    })
}

/// This connection's own info callback; NULL if none.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_info_callback(
    s: *const SSL,
) -> Option<unsafe extern "C" fn(ssl: *const SSL, where_: c_int, ret: c_int)> {
    ffi_boundary!(None, |s| {
        let f = s.state.lock().info_callback;
        // SAFETY: stored from an `InfoCb` by `SSL_set_info_callback`.
        Some(f.map(|f| unsafe { restore::<InfoCb>(f) }))
    })
}

/// Sets the certificate callback, called on a server after the ClientHello (after the
/// servername callback) and before the certificate is chosen: it may call `SSL_use_certificate`
/// and friends; it returns 1 to go on, 0 to fail the handshake (internal_error alert), or -1 to
/// pause it (`SSL_ERROR_WANT_X509_LOOKUP`; the next handshake call calls it again). The
/// callback belongs to the context's certificates: connections made after this call get it,
/// and a connection moved to another context gets that context's.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_cert_cb(
    ctx: *mut SSL_CTX,
    cb: Option<unsafe extern "C" fn(ssl: *mut SSL, arg: *mut c_void) -> c_int>,
    arg: *mut c_void,
) {
    ffi_boundary!((), |ctx| {
        super::cert::update_ctx_certs(&ctx, |set| set.cert_cb = cb.map(|cb| (erase(cb), arg as usize)));
        Some(())
    })
}

/// As `SSL_CTX_set_cert_cb`, for this connection only.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_cert_cb(
    s: *mut SSL,
    cb: Option<unsafe extern "C" fn(ssl: *mut SSL, arg: *mut c_void) -> c_int>,
    arg: *mut c_void,
) {
    ffi_boundary!((), |s| {
        s.update_certs(|set| set.cert_cb = cb.map(|cb| (erase(cb), arg as usize)));
        Some(())
    })
}

/// Chooses a protocol as OpenSSL 3.0 does: the first of the server's list `server` that the
/// client's list `client` also has (`OPENSSL_NPN_NEGOTIATED`); otherwise the client's first
/// name (`OPENSSL_NPN_NO_OVERLAP`). `*out` points into the list it came from. Both lists are
/// in wire format (length-prefixed names).
///
/// # Safety
/// `out` and `outlen` are valid for writes; `server` has `server_len` readable bytes and
/// `client` `client_len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_select_next_proto(
    out: *mut *mut c_uchar,
    outlen: *mut c_uchar,
    server: *const c_uchar,
    server_len: c_uint,
    client: *const c_uchar,
    client_len: c_uint,
) -> c_int {
    ffi_boundary!(OPENSSL_NPN_NO_OVERLAP, |server: bytes(server_len), client: bytes(client_len)| {
        if out.is_null() || outlen.is_null() {
            return None;
        }
        let (status, chosen) = select_next_proto(server, client);
        let (ptr, len) = match chosen {
            Some((from_server, offset, len)) => {
                let base = if from_server { server } else { client };
                (base[offset..].as_ptr().cast_mut(), len as c_uchar)
            }
            None => (std::ptr::null_mut(), 0),
        };
        // SAFETY: both are valid for writes (this function's contract).
        unsafe {
            out.write(ptr);
            outlen.write(len);
        }
        Some(status)
    })
}

/// The names of a wire-format list with their offsets, as far as it parses (OpenSSL ignores a
/// malformed tail).
fn names(list: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < list.len() {
        let n = usize::from(list[i]);
        if i + 1 + n > list.len() {
            break;
        }
        out.push((i + 1, &list[i + 1..i + 1 + n]));
        i += 1 + n;
    }
    out
}

/// OpenSSL 3.0's `SSL_select_next_proto`: (status, (from server list, offset, length)).
fn select_next_proto(server: &[u8], client: &[u8]) -> (c_int, Option<(bool, usize, usize)>) {
    let client_names = names(client);
    // The client's first name is the fallback; without one there is none.
    let Some(&(first_offset, first)) = client_names.first().filter(|(_, n)| !n.is_empty()) else {
        return (OPENSSL_NPN_NO_OVERLAP, None);
    };
    for (offset, name) in names(server) {
        if !name.is_empty() && client_names.iter().any(|(_, c)| *c == name) {
            return (OPENSSL_NPN_NEGOTIATED, Some((true, offset, name.len())));
        }
    }
    (OPENSSL_NPN_NO_OVERLAP, Some((false, first_offset, first.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_proto_prefers_the_server_order() {
        let server = b"\x02h2\x08http/1.1";
        let client = b"\x08http/1.1\x02h2";
        assert_eq!(select_next_proto(server, client), (OPENSSL_NPN_NEGOTIATED, Some((true, 1, 2))));
        assert_eq!(select_next_proto(b"\x03foo", client), (OPENSSL_NPN_NO_OVERLAP, Some((false, 1, 8))));
        assert_eq!(select_next_proto(server, b""), (OPENSSL_NPN_NO_OVERLAP, None));
        assert_eq!(select_next_proto(server, b"\x05h2"), (OPENSSL_NPN_NO_OVERLAP, None));
        // A malformed tail is ignored on both sides; empty server names never match.
        assert_eq!(select_next_proto(b"\x00\x02h2\x09x", b"\x02h2\x07"), (OPENSSL_NPN_NEGOTIATED, Some((true, 2, 2))));
    }
}

/// Sets the ClientHello callback, called first when a ClientHello arrives (before the
/// servername callback, the session lookup and the certificate choice; `SSL_get_servername` is
/// still NULL there). It may read the hello with `SSL_client_hello_get0_*`, switch contexts with
/// `SSL_set_SSL_CTX`, and return `SSL_CLIENT_HELLO_SUCCESS`, `SSL_CLIENT_HELLO_RETRY` (the
/// handshake call returns -1 with `SSL_ERROR_WANT_CLIENT_HELLO_CB`, and the callback runs again
/// on the next one) or `SSL_CLIENT_HELLO_ERROR` (the handshake fails with the alert in `*al`).
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_client_hello_cb(
    ctx: *mut SSL_CTX,
    cb: Option<unsafe extern "C" fn(ssl: *mut SSL, al: *mut c_int, arg: *mut c_void) -> c_int>,
    arg: *mut c_void,
) {
    ffi_boundary!((), |ctx| {
        c_callbacks(&ctx)?.handshake.write().client_hello = cb.map(|cb| (cb, arg as usize));
        Some(())
    })
}

/// Runs `f` on the ClientHello being processed; `None` when there is none.
fn with_hello<R>(ssl: &Ssl, f: impl FnOnce(&crate::tls::hello::ClientHelloInfo) -> R) -> Option<R> {
    ssl.notes.lock().hello.as_ref().map(f)
}

/// Lends part of the ClientHello: a pointer into the message, valid while it is processed.
fn lend(
    ssl: &Ssl,
    part: impl FnOnce(&crate::tls::hello::ClientHelloInfo) -> Option<&[u8]>,
) -> Option<(*const c_uchar, usize)> {
    with_hello(ssl, |h| part(h).map(|b| (b.as_ptr(), b.len()))).flatten()
}

/// 1 when the ClientHello has an extension of `type_`, pointing `*out` at its data (lent) and
/// setting `*outlen`; 0 otherwise.
///
/// # Safety
/// `s` is NULL or a live connection; `out` and `outlen` are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_client_hello_get0_ext(
    s: *mut SSL,
    type_: c_uint,
    out: *mut *const c_uchar,
    outlen: *mut usize,
) -> c_int {
    ffi_boundary!(0, |s| {
        let kind = u16::try_from(type_).ok()?;
        let (p, n) = lend(&s, |h| h.extension(kind))?;
        // SAFETY: writable (this function's contract).
        unsafe {
            super::boundary::write_out(out, p);
            super::boundary::write_out(outlen, n);
        }
        Some(1)
    })
}

/// The ClientHello's cipher suite list (two bytes per suite, lent) in `*out`; its length, 0 if
/// there is no ClientHello.
///
/// # Safety
/// `s` is NULL or a live connection; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_client_hello_get0_ciphers(s: *mut SSL, out: *mut *const c_uchar) -> usize {
    ffi_boundary!(0, |s| {
        let (p, n) = lend(&s, |h| h.body.get(h.ciphers.clone()))?;
        // SAFETY: NULL or writable (this function's contract).
        unsafe { super::boundary::write_out(out, p) };
        Some(n)
    })
}

/// 0: a ClientHello in SSLv2 format is never accepted.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_client_hello_isv2(s: *mut SSL) -> c_int {
    ffi_boundary!(0, |s| {
        let _ = s;
        Some(0)
    })
}

/// Sets the key-log callback: for every secret of a connection's handshakes (TLS 1.2's master
/// secret, TLS 1.3's traffic secrets), one line in the NSS key log format, without a newline,
/// as OpenSSL writes them (`CLIENT_RANDOM`, `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, ...). Called
/// after the handshake step that made the secret, outside the library's locks.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_keylog_callback(
    ctx: *mut SSL_CTX,
    cb: Option<unsafe extern "C" fn(ssl: *const SSL, line: *const libc::c_char)>,
) {
    ffi_boundary!((), |ctx| {
        c_callbacks(&ctx)?.handshake.write().key_log = cb;
        Some(())
    })
}

/// The context's key-log callback; NULL if none.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_keylog_callback(
    ctx: *const SSL_CTX,
) -> Option<unsafe extern "C" fn(ssl: *const SSL, line: *const libc::c_char)> {
    ffi_boundary!(None, |ctx| Some(c_callbacks(&ctx)?.handshake.read().key_log))
}

/// A client's callback for a certificate the server asks for (`SSL_CTX_set_client_cert_cb`).
#[derive(Default, Clone, Copy)]
struct ClientCertSetting(Option<CFn>);

/// Sets the callback a client would call for a certificate when the server asks for one and
/// none is set. It is kept and reported, never called: a client sends the certificate and key
/// set on its context or connection (README).
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_client_cert_cb(
    ctx: *mut SSL_CTX,
    cb: Option<unsafe extern "C" fn(ssl: *mut SSL, x509: *mut *mut c_void, pkey: *mut *mut c_void) -> c_int>,
) {
    ffi_boundary!((), |ctx| {
        ctx.attached.with(|c: &mut ClientCertSetting| c.0 = cb.map(erase));
        Some(())
    })
}

/// The callback `SSL_CTX_set_client_cert_cb` set; NULL if none.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_client_cert_cb(
    ctx: *mut SSL_CTX,
) -> Option<unsafe extern "C" fn(ssl: *mut SSL, x509: *mut *mut c_void, pkey: *mut *mut c_void) -> c_int> {
    ffi_boundary!(None, |ctx| {
        let f = ctx.attached.with(|c: &mut ClientCertSetting| c.0);
        // SAFETY: stored above from a function of this type.
        Some(f.map(|f| unsafe { restore(f) }))
    })
}
