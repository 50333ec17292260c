//! TLS over file descriptors: certificates and verification on the context, options, versions
//! and tickets on both, and the connection calls (`SSL_accept`, `SSL_connect`, `SSL_read`…).

use libc::{c_char, c_int, c_long, c_void};
use std::ffi::{CStr, CString};
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::boundary::{SSL, SSL_CTX, ffi_boundary, try_ref};
use super::cipher::SSL_CIPHER;
use super::ctx::ctx;
use super::ssl::ssl;
use crate::state::err::{self, LIB_PEM, LIB_SSL, LIB_SYS, LIB_X509, reason};
use crate::state::ssl::Ssl;
use crate::tls::config::{ConnSettings, TLS1_2_VERSION, TLS1_3_VERSION};
use crate::tls::driver::{self, LastError};

/// `SSL_FILETYPE_PEM` / `SSL_FILETYPE_ASN1`.
const FILETYPE_PEM: c_int = 1;
const FILETYPE_ASN1: c_int = 2;

/// `SSL_ERROR_*`.
mod error_code {
    pub const NONE: i32 = 0;
    pub const SSL: i32 = 1;
    pub const WANT_READ: i32 = 2;
    pub const WANT_WRITE: i32 = 3;
    pub const SYSCALL: i32 = 5;
    pub const ZERO_RETURN: i32 = 6;
}

/// `SSL_CTRL_*` numbers for versions and SNI.
mod ctrl {
    pub const SET_TLSEXT_HOSTNAME: i32 = 55;
    pub const SET_MIN_PROTO_VERSION: i32 = 123;
    pub const SET_MAX_PROTO_VERSION: i32 = 124;
    pub const GET_MIN_PROTO_VERSION: i32 = 130;
    pub const GET_MAX_PROTO_VERSION: i32 = 131;
}

/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn path<'a>(p: *const c_char) -> Option<&'a str> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-NULL and NUL-terminated per the caller.
    unsafe { CStr::from_ptr(p) }.to_str().ok()
}

/// Reads a file, queueing OpenSSL-style errors when it cannot.
fn read_file(path: &str) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) => {
            err::raise(LIB_SYS, e.raw_os_error().unwrap_or(0) as u32);
            None
        }
    }
}

fn pem_certs(data: &[u8]) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(data).filter_map(Result::ok).collect()
}

/// Loads certificates (PEM, or one DER certificate for `SSL_FILETYPE_ASN1`).
fn load_certs(path: &str, filetype: c_int) -> Option<Vec<CertificateDer<'static>>> {
    let data = read_file(path)?;
    let certs = match filetype {
        FILETYPE_ASN1 => vec![CertificateDer::from(data)],
        FILETYPE_PEM => pem_certs(&data),
        _ => Vec::new(),
    };
    if certs.is_empty() {
        err::raise(LIB_PEM, reason::NO_START_LINE);
        return None;
    }
    Some(certs)
}

/// Runs `f` on the context's TLS settings under their write lock; 0 for NULL.
///
/// # Safety
/// `ctx` is NULL or a live context.
unsafe fn update_ctx_tls(ctx: *const SSL_CTX, f: impl FnOnce(&mut crate::tls::config::CtxTls) -> c_int) -> c_int {
    // SAFETY: forwarded to the caller.
    let c = try_ref!(unsafe { super::ctx::ctx(ctx) }, 0);
    let mut tls = c.tls.write();
    f(&mut tls)
}

/// Loads the certificate chain (leaf first) from a PEM file: 1, or 0 with an error queued.
///
/// # Safety
/// `ctx` is NULL or a live context; `file` is NULL or a NUL-terminated path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_certificate_chain_file(ctx: *mut SSL_CTX, file: *const c_char) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        let path = try_ref!(unsafe { path(file) }, 0);
        let certs = try_ref!(load_certs(path, FILETYPE_PEM), 0);
        // SAFETY: forwarded to the caller.
        unsafe {
            update_ctx_tls(ctx, |tls| {
                tls.chain = certs;
                tls.rebuild_certified();
                if tls.certified.is_none() {
                    // As OpenSSL: a loaded key that does not match the new certificate is dropped.
                    tls.key = None;
                }
                1
            })
        }
    })
}

/// Loads the leaf certificate (the first one in a PEM file, or a DER file): 1, or 0.
///
/// # Safety
/// `ctx` is NULL or a live context; `file` is NULL or a NUL-terminated path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_certificate_file(ctx: *mut SSL_CTX, file: *const c_char, type_: c_int) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        let path = try_ref!(unsafe { path(file) }, 0);
        let mut certs = try_ref!(load_certs(path, type_), 0);
        certs.truncate(1);
        // SAFETY: forwarded to the caller.
        unsafe {
            update_ctx_tls(ctx, |tls| {
                tls.chain = certs;
                tls.rebuild_certified();
                if tls.certified.is_none() {
                    // As OpenSSL: a loaded key that does not match the new certificate is dropped.
                    tls.key = None;
                }
                1
            })
        }
    })
}

/// Loads the private key (PEM: PKCS#8, PKCS#1 or SEC1; or DER PKCS#8): 1, or 0.
///
/// # Safety
/// `ctx` is NULL or a live context; `file` is NULL or a NUL-terminated path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_PrivateKey_file(ctx: *mut SSL_CTX, file: *const c_char, type_: c_int) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        let path = try_ref!(unsafe { path(file) }, 0);
        let data = try_ref!(read_file(path), 0);
        let key = match type_ {
            FILETYPE_PEM => PrivateKeyDer::from_pem_slice(&data).ok(),
            FILETYPE_ASN1 => PrivateKeyDer::try_from(data).ok(),
            _ => None,
        };
        let Some(key) = key else {
            err::raise(LIB_PEM, reason::NO_START_LINE);
            return 0;
        };
        if crate::tls::config::provider().key_provider.load_private_key(key.clone_key()).is_err() {
            err::raise(LIB_SSL, reason::NO_PRIVATE_KEY_ASSIGNED);
            return 0;
        }
        // SAFETY: forwarded to the caller.
        unsafe {
            update_ctx_tls(ctx, |tls| {
                let previous = tls.key.replace(Arc::new(key));
                tls.rebuild_certified();
                if !tls.chain.is_empty() && tls.certified.is_none() {
                    // As OpenSSL: a key that does not match the loaded certificate is refused.
                    tls.key = previous;
                    tls.rebuild_certified();
                    err::raise(LIB_X509, reason::KEY_VALUES_MISMATCH);
                    return 0;
                }
                1
            })
        }
    })
}

/// 1 if a certificate and a private key are loaded and the key belongs to the certificate;
/// 0 with an error queued otherwise.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_check_private_key(ctx: *const SSL_CTX) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        let c = try_ref!(unsafe { super::ctx::ctx(ctx) }, 0);
        let tls = c.tls.read();
        if tls.chain.is_empty() {
            err::raise(LIB_SSL, reason::NO_CERTIFICATE_ASSIGNED);
            0
        } else if tls.key.is_none() {
            err::raise(LIB_SSL, reason::NO_PRIVATE_KEY_ASSIGNED);
            0
        } else if tls.certified.is_none() {
            err::raise(LIB_X509, reason::KEY_VALUES_MISMATCH);
            0
        } else {
            1
        }
    })
}

/// Sets the verify mode (`SSL_VERIFY_NONE`, `SSL_VERIFY_PEER`, `SSL_VERIFY_FAIL_IF_NO_PEER_CERT`)
/// for new connections. A verify callback is accepted but not called.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_verify(
    ctx: *mut SSL_CTX,
    mode: c_int,
    callback: Option<unsafe extern "C" fn(preverify_ok: c_int, x509_ctx: *mut X509_STORE_CTX) -> c_int>,
) {
    ffi_boundary!((), {
        let _ = callback;
        // SAFETY: forwarded to the caller.
        unsafe {
            update_ctx_tls(ctx, |tls| {
                tls.conn.verify_mode = mode;
                1
            })
        };
    })
}

/// `X509_STORE_CTX`: never dereferenced here.
#[allow(non_camel_case_types)]
pub struct X509_STORE_CTX {
    _opaque: [u8; 0],
}

/// The verify mode new connections get; 0 for NULL.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_verify_mode(ctx: *const SSL_CTX) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        let c = try_ref!(unsafe { super::ctx::ctx(ctx) }, 0);
        c.tls.read().conn.verify_mode
    })
}

/// Sets this connection's verify mode.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_verify(
    s: *mut SSL,
    mode: c_int,
    callback: Option<unsafe extern "C" fn(preverify_ok: c_int, x509_ctx: *mut X509_STORE_CTX) -> c_int>,
) {
    ffi_boundary!((), {
        let _ = callback;
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) });
        s.update_settings(|c| c.verify_mode = mode);
    })
}

/// Adds the certificates of `ca_file` (PEM) and of every PEM file in `ca_path` to the trust
/// anchors: 1, or 0 if neither gave a certificate.
///
/// # Safety
/// `ctx` is NULL or a live context; the paths are NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_load_verify_locations(
    ctx: *mut SSL_CTX,
    ca_file: *const c_char,
    ca_path: *const c_char,
) -> c_int {
    ffi_boundary!(0, {
        let mut certs = Vec::new();
        // SAFETY: forwarded to the caller.
        if let Some(file) = unsafe { path(ca_file) } {
            certs.extend(try_ref!(load_certs(file, FILETYPE_PEM), 0));
        }
        // SAFETY: forwarded to the caller.
        if let Some(dir) = unsafe { path(ca_path) } {
            match std::fs::read_dir(dir) {
                Ok(entries) => {
                    for e in entries.flatten() {
                        if let Ok(data) = std::fs::read(e.path()) {
                            certs.extend(pem_certs(&data));
                        }
                    }
                }
                Err(e) => err::raise(LIB_SYS, e.raw_os_error().unwrap_or(0) as u32),
            }
        }
        if certs.is_empty() {
            return 0;
        }
        // SAFETY: forwarded to the caller.
        unsafe {
            update_ctx_tls(ctx, |tls| {
                let mut roots: RootCertStore = (*tls.roots).clone();
                let (added, _) = roots.add_parsable_certificates(certs);
                tls.roots = Arc::new(roots);
                (added > 0) as c_int
            })
        }
    })
}

fn version_ctrl(settings: &mut ConnSettings, cmd: c_int, larg: c_long) -> Option<c_long> {
    let valid = |v: c_long| v == 0 || (0x0300..=TLS1_3_VERSION as c_long).contains(&v);
    match cmd {
        ctrl::SET_MIN_PROTO_VERSION if valid(larg) => {
            settings.min_version = larg as i32;
            Some(1)
        }
        ctrl::SET_MAX_PROTO_VERSION if valid(larg) => {
            settings.max_version = larg as i32;
            Some(1)
        }
        ctrl::SET_MIN_PROTO_VERSION | ctrl::SET_MAX_PROTO_VERSION => Some(0),
        ctrl::GET_MIN_PROTO_VERSION => Some(c_long::from(settings.min_version)),
        ctrl::GET_MAX_PROTO_VERSION => Some(c_long::from(settings.max_version)),
        _ => None,
    }
}

/// The version commands of `SSL_CTX_ctrl` (called from there).
pub(crate) fn ctx_version_ctrl(ctx: &crate::state::ctx::Ctx, cmd: c_int, larg: c_long) -> Option<c_long> {
    version_ctrl(&mut ctx.tls.write().conn, cmd, larg)
}

/// The connection control call behind `SSL_set_tlsext_host_name`, `SSL_set_min_proto_version`
/// and friends. Unknown commands and NULL give 0.
///
/// # Safety
/// `s` is NULL or a live connection; for `SSL_CTRL_SET_TLSEXT_HOSTNAME`, `parg` is NULL or a
/// NUL-terminated name.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_ctrl(s: *mut SSL, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, 0);
        if cmd == ctrl::SET_TLSEXT_HOSTNAME {
            // SAFETY: forwarded to the caller.
            let name = unsafe { path(parg.cast()) };
            let mut st = s.state.lock();
            st.servername = name.and_then(|n| CString::new(n).ok());
            return 1;
        }
        s.update_settings(|c| version_ctrl(c, cmd, larg)).unwrap_or(0)
    })
}

/// The server name: on a client, the one it will send; on a server, the one the client sent
/// (NULL before the client's hello has been processed, as in OpenSSL). NULL for other types.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_servername(s: *const SSL, type_: c_int) -> *const c_char {
    ffi_boundary!(std::ptr::null(), {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, std::ptr::null());
        if type_ != 0 {
            return std::ptr::null();
        }
        let st = s.state.lock();
        if st.is_server && st.hit && s.version() < TLS1_3_VERSION {
            // A TLS 1.2 resumption reports the name stored in the session (none here: OpenSSL
            // stores it only when a servername callback accepted it).
            return std::ptr::null();
        }
        st.servername.as_ref().map_or(std::ptr::null(), |n| n.as_ptr())
    })
}

/// Runs `f` on a context's connection settings; 0 for NULL.
///
/// # Safety
/// `o` is NULL or a live context.
unsafe fn on_ctx<R: Default>(o: *const SSL_CTX, f: impl FnOnce(&mut ConnSettings) -> R) -> R {
    // SAFETY: forwarded to the caller.
    match unsafe { ctx(o) } {
        Some(c) => f(&mut c.tls.write().conn),
        None => R::default(),
    }
}

/// Runs `f` on a connection's settings; 0 for NULL.
///
/// # Safety
/// `o` is NULL or a live connection.
unsafe fn on_ssl<R: Default>(o: *const SSL, f: impl FnOnce(&mut ConnSettings) -> R) -> R {
    // SAFETY: forwarded to the caller.
    match unsafe { ssl(o) } {
        Some(s) => s.update_settings(f),
        None => R::default(),
    }
}

/// Adds `op` to the context's options; returns the new options (0 for NULL).
///
/// # Safety
/// `o` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_options(o: *mut SSL_CTX, op: u64) -> u64 {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        unsafe {
            on_ctx(o, |c| {
                c.options |= op;
                c.options
            })
        }
    })
}

/// Removes `op` from the context's options; returns the new options (0 for NULL).
///
/// # Safety
/// `o` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_clear_options(o: *mut SSL_CTX, op: u64) -> u64 {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        unsafe {
            on_ctx(o, |c| {
                c.options &= !op;
                c.options
            })
        }
    })
}

/// The context's options (0 for NULL).
///
/// # Safety
/// `o` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_options(o: *const SSL_CTX) -> u64 {
    // SAFETY: forwarded to the caller.
    ffi_boundary!(0, { unsafe { on_ctx(o, |c| c.options) } })
}

/// Adds `op` to the connection's options; returns the new options (0 for NULL).
///
/// # Safety
/// `o` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_options(o: *mut SSL, op: u64) -> u64 {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        unsafe {
            on_ssl(o, |c| {
                c.options |= op;
                c.options
            })
        }
    })
}

/// Removes `op` from the connection's options; returns the new options (0 for NULL).
///
/// # Safety
/// `o` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_clear_options(o: *mut SSL, op: u64) -> u64 {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        unsafe {
            on_ssl(o, |c| {
                c.options &= !op;
                c.options
            })
        }
    })
}

/// The connection's options (0 for NULL).
///
/// # Safety
/// `o` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_options(o: *const SSL) -> u64 {
    // SAFETY: forwarded to the caller.
    ffi_boundary!(0, { unsafe { on_ssl(o, |c| c.options) } })
}

/// Sets how many TLS 1.3 tickets a full handshake sends (one after a resumption, none for 0): 1,
/// or 0 for NULL.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_num_tickets(ctx: *mut SSL_CTX, num_tickets: usize) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        unsafe {
            on_ctx(ctx, |c| {
                c.num_tickets = num_tickets;
                1
            })
        }
    })
}

/// The context's TLS 1.3 ticket count (2 by default); 0 for NULL.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_num_tickets(ctx: *const SSL_CTX) -> usize {
    // SAFETY: forwarded to the caller.
    ffi_boundary!(0, { unsafe { on_ctx(ctx, |c| c.num_tickets) } })
}

/// Sets this connection's TLS 1.3 ticket count: 1, or 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_num_tickets(s: *mut SSL, num_tickets: usize) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        unsafe {
            on_ssl(s, |c| {
                c.num_tickets = num_tickets;
                1
            })
        }
    })
}

/// This connection's TLS 1.3 ticket count; 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_num_tickets(s: *const SSL) -> usize {
    // SAFETY: forwarded to the caller.
    ffi_boundary!(0, { unsafe { on_ssl(s, |c| c.num_tickets) } })
}

/// Reads and writes the TLS records on `fd` (not owned): 1, or 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_fd(s: *mut SSL, fd: c_int) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, 0);
        s.set_fds(Some(fd), Some(fd));
        1
    })
}

/// Reads the TLS records from `fd`: 1, or 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_rfd(s: *mut SSL, fd: c_int) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, 0);
        s.set_fds(Some(fd), None);
        1
    })
}

/// Writes the TLS records to `fd`: 1, or 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_wfd(s: *mut SSL, fd: c_int) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, 0);
        s.set_fds(None, Some(fd));
        1
    })
}

/// The descriptor records are read from; -1 if none or for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_fd(s: *const SSL) -> c_int {
    // SAFETY: forwarded to the caller.
    ffi_boundary!(-1, { unsafe { ssl(s) }.map_or(-1, |s| s.rfd()) })
}

/// The descriptor records are read from; -1 if none or for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_rfd(s: *const SSL) -> c_int {
    // SAFETY: forwarded to the caller.
    ffi_boundary!(-1, { unsafe { ssl(s) }.map_or(-1, |s| s.rfd()) })
}

/// The descriptor records are written to; -1 if none or for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_wfd(s: *const SSL) -> c_int {
    // SAFETY: forwarded to the caller.
    ffi_boundary!(-1, { unsafe { ssl(s) }.map_or(-1, |s| s.wfd()) })
}

/// Makes the connection a client.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_connect_state(s: *mut SSL) {
    ffi_boundary!((), {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) });
        s.set_role(false);
    })
}

/// Makes the connection a server.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_accept_state(s: *mut SSL) {
    ffi_boundary!((), {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) });
        s.set_role(true);
    })
}

fn handshake(s: &Ssl) -> c_int {
    if !s.role_set() {
        err::raise(LIB_SSL, reason::UNINITIALIZED);
        s.io.lock().last = LastError::Ssl;
        return -1;
    }
    driver::handshake(s)
}

/// Runs the handshake as a client: 1 done, -1 not (see `SSL_get_error`).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_connect(s: *mut SSL) -> c_int {
    ffi_boundary!(-1, {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, -1);
        s.set_role(false);
        handshake(&s)
    })
}

/// Runs the handshake as a server: 1 done, -1 not (see `SSL_get_error`).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_accept(s: *mut SSL) -> c_int {
    ffi_boundary!(-1, {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, -1);
        s.set_role(true);
        handshake(&s)
    })
}

/// Runs the handshake in the role set before: 1 done, -1 not (see `SSL_get_error`).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_do_handshake(s: *mut SSL) -> c_int {
    ffi_boundary!(-1, {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, -1);
        handshake(&s)
    })
}

/// Reads up to `num` bytes of application data: the count, or 0/-1 (see `SSL_get_error`).
///
/// # Safety
/// `s` is NULL or a live connection; `buf` has room for `num` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_read(s: *mut SSL, buf: *mut c_void, num: c_int) -> c_int {
    ffi_boundary!(-1, {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, -1);
        if buf.is_null() || num < 0 {
            return -1;
        }
        if !s.role_set() {
            return handshake(&s);
        }
        // SAFETY: `buf` has room for `num` bytes per the caller.
        let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), num as usize) };
        driver::read(&s, out)
    })
}

/// Writes `num` bytes of application data: `num`, or -1 (see `SSL_get_error`); after
/// `SSL_ERROR_WANT_WRITE`, call again with the same arguments.
///
/// # Safety
/// `s` is NULL or a live connection; `buf` points to `num` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_write(s: *mut SSL, buf: *const c_void, num: c_int) -> c_int {
    ffi_boundary!(-1, {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, -1);
        if buf.is_null() || num < 0 {
            return -1;
        }
        if !s.role_set() {
            return handshake(&s);
        }
        // SAFETY: `buf` points to `num` bytes per the caller.
        let data = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), num as usize) };
        driver::write(&s, data)
    })
}

/// Decrypted bytes waiting to be read; 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_pending(s: *const SSL) -> c_int {
    // SAFETY: forwarded to the caller.
    ffi_boundary!(0, { unsafe { ssl(s) }.map_or(0, |s| driver::pending(&s)) })
}

/// Sends close_notify: 0 when sent and the peer's has not arrived, 1 when both are done, -1
/// (see `SSL_get_error`). Before a handshake, or with quiet shutdown, it only sets the flags.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_shutdown(s: *mut SSL) -> c_int {
    ffi_boundary!(-1, {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, -1);
        if !s.role_set() {
            err::raise(LIB_SSL, reason::UNINITIALIZED);
            return -1;
        }
        // Before the handshake ends, or after a fatal error, OpenSSL refuses.
        if s.in_init() {
            err::raise(LIB_SSL, reason::SHUTDOWN_WHILE_IN_INIT);
            return -1;
        }
        driver::shutdown(&s)
    })
}

/// Why the last call on `s` returned `ret`: `SSL_ERROR_NONE`, `_SSL`, `_WANT_READ`,
/// `_WANT_WRITE`, `_SYSCALL` or `_ZERO_RETURN`.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_error(s: *const SSL, ret_code: c_int) -> c_int {
    ffi_boundary!(error_code::SSL, {
        if ret_code > 0 {
            return error_code::NONE;
        }
        let queued = err::peek();
        if queued != 0 {
            return if err::unpack(queued).0 == LIB_SYS { error_code::SYSCALL } else { error_code::SSL };
        }
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, error_code::SSL);
        match driver::last_error(&s) {
            LastError::WantRead => error_code::WANT_READ,
            LastError::WantWrite => error_code::WANT_WRITE,
            LastError::ZeroReturn => error_code::ZERO_RETURN,
            LastError::Ssl => error_code::SSL,
            LastError::Syscall | LastError::None => error_code::SYSCALL,
        }
    })
}

/// "TLSv1.3" or "TLSv1.2" (the negotiated version, or the highest enabled one before a
/// handshake); "unknown" otherwise or for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_version(s: *const SSL) -> *const c_char {
    ffi_boundary!(c"unknown".as_ptr(), {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, c"unknown".as_ptr());
        let v = s.version();
        match v {
            TLS1_3_VERSION => c"TLSv1.3",
            TLS1_2_VERSION => c"TLSv1.2",
            _ => c"unknown",
        }
        .as_ptr()
    })
}

/// 1 for a server connection, 0 for a client (or NULL).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_is_server(s: *const SSL) -> c_int {
    // SAFETY: forwarded to the caller.
    ffi_boundary!(0, { unsafe { ssl(s) }.is_some_and(|s| s.is_server()) as c_int })
}

/// 1 until the handshake has finished (also before it started); 0 after, or for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_in_init(s: *const SSL) -> c_int {
    // SAFETY: forwarded to the caller.
    ffi_boundary!(0, { unsafe { ssl(s) }.is_some_and(|s| s.in_init()) as c_int })
}

/// 1 once the handshake has finished; 0 before, or for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_is_init_finished(s: *const SSL) -> c_int {
    // SAFETY: forwarded to the caller.
    ffi_boundary!(0, { unsafe { ssl(s) }.is_some_and(|s| !s.in_init()) as c_int })
}

/// The negotiated cipher suite, or NULL before a handshake (or for NULL).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_current_cipher(s: *const SSL) -> *const SSL_CIPHER {
    ffi_boundary!(std::ptr::null(), {
        // SAFETY: forwarded to the caller.
        let s = try_ref!(unsafe { ssl(s) }, std::ptr::null());
        super::cipher::cipher_ptr(s.cipher())
    })
}
