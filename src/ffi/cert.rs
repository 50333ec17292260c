//! Certificates, keys and verification on a context (PEM or DER files) and the verify mode
//! on a connection.

use libc::{c_char, c_int, c_long};

use super::callbacks::{erase, restore};
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::boundary::{SSL, SSL_CTX, c_str, ffi_boundary};
use super::consts::{SSL_FILETYPE_ASN1, SSL_FILETYPE_PEM};
use crate::state::ctx::Ctx;
use crate::state::err::{self, LIB_PEM, LIB_SSL, LIB_SYS, LIB_X509, reason};
use crate::tls::certs::{Attached, CertError, Certs};

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
        SSL_FILETYPE_ASN1 => vec![CertificateDer::from(data)],
        SSL_FILETYPE_PEM => pem_certs(&data),
        _ => Vec::new(),
    };
    if certs.is_empty() {
        err::raise(LIB_PEM, reason::NO_START_LINE);
        return None;
    }
    Some(certs)
}

/// Loads a private key (PEM: PKCS#8, PKCS#1 or SEC1; or DER), queueing OpenSSL-style errors.
fn load_key(path: &str, filetype: c_int) -> Option<PrivateKeyDer<'static>> {
    let data = read_file(path)?;
    let key = match filetype {
        SSL_FILETYPE_PEM => PrivateKeyDer::from_pem_slice(&data).ok(),
        SSL_FILETYPE_ASN1 => PrivateKeyDer::try_from(data).ok(),
        _ => None,
    };
    if key.is_none() {
        err::raise(LIB_PEM, reason::NO_START_LINE);
    }
    key
}

/// Runs `f` on the context's TLS settings under their write lock.
fn update_ctx_tls<R>(ctx: &Ctx, f: impl FnOnce(&mut crate::tls::config::CtxTls) -> R) -> R {
    let mut tls = ctx.tls.write();
    f(&mut tls)
}

/// Runs `f` on the context's certificate set (copied on write: connections keep theirs).
pub(crate) fn update_ctx_certs<R>(ctx: &Ctx, f: impl FnOnce(&mut Certs) -> R) -> R {
    update_ctx_tls(ctx, |tls| f(Arc::make_mut(&mut tls.certs)))
}

/// Queues OpenSSL's error for a refused certificate or key; `None`.
pub(crate) fn cert_error(e: CertError) -> Option<c_int> {
    match e {
        CertError::UnknownType => err::raise(LIB_SSL, reason::UNKNOWN_CERTIFICATE_TYPE),
        CertError::Mismatch => err::raise(LIB_X509, reason::KEY_VALUES_MISMATCH),
        CertError::NoCurrent => err::raise(LIB_SSL, reason::NO_CERTIFICATE_SET),
    }
    None
}

/// Where a certificate or key goes: a context's set, or a connection's own.
pub(crate) enum Target<'a> {
    Ctx(&'a Ctx),
    Ssl(&'a crate::state::ssl::Ssl),
}

impl Target<'_> {
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut Certs) -> R) -> R {
        match self {
            Target::Ctx(ctx) => update_ctx_certs(ctx, f),
            Target::Ssl(s) => s.update_certs(f),
        }
    }
}

/// Installs a leaf certificate (and, for a chain file, the chain after it): 1 or 0.
fn set_certs(target: Target<'_>, mut certs: Vec<CertificateDer<'static>>, whole_chain: bool) -> Option<c_int> {
    let chain = certs.split_off(1);
    let leaf = certs.pop()?;
    let leaf_object = super::x509::attach_cert(&leaf);
    let r = target.update(|set| {
        if whole_chain {
            let chain_object = super::x509::attach_chain(&chain);
            set.set_leaf_and_chain((leaf, leaf_object), chain, chain_object)
        } else {
            set.set_leaf(leaf, leaf_object)
        }
    });
    match r {
        Ok(()) => Some(1),
        Err(e) => cert_error(e),
    }
}

/// Installs a private key: 1, or 0 with an error queued.
pub(crate) fn set_key(target: Target<'_>, key: PrivateKeyDer<'static>, object: Option<Attached>) -> Option<c_int> {
    if crate::tls::config::provider().key_provider.load_private_key(key.clone_key()).is_err() {
        err::raise(LIB_SSL, reason::UNKNOWN_CERTIFICATE_TYPE);
        return None;
    }
    match target.update(|set| set.set_key(key, object)) {
        Ok(()) => Some(1),
        Err(e) => cert_error(e),
    }
}

/// Loads the certificate chain (leaf first) from a PEM file: 1, or 0 with an error queued.
///
/// # Safety
/// `ctx` is NULL or a live context; `file` is NULL or a NUL-terminated path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_certificate_chain_file(ctx: *mut SSL_CTX, file: *const c_char) -> c_int {
    ffi_boundary!(0, |file: c_str, ctx: Option| {
        let certs = load_certs(file, SSL_FILETYPE_PEM)?;
        let ctx = ctx?;
        set_certs(Target::Ctx(&ctx), certs, true)
    })
}

/// Loads the leaf certificate (the first one in a PEM file, or a DER file): 1, or 0.
///
/// # Safety
/// `ctx` is NULL or a live context; `file` is NULL or a NUL-terminated path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_certificate_file(ctx: *mut SSL_CTX, file: *const c_char, type_: c_int) -> c_int {
    ffi_boundary!(0, |file: c_str, ctx: Option| {
        let mut certs = load_certs(file, type_)?;
        certs.truncate(1);
        let ctx = ctx?;
        set_certs(Target::Ctx(&ctx), certs, false)
    })
}

/// Loads the private key (PEM: PKCS#8, PKCS#1 or SEC1; or DER PKCS#8): 1, or 0.
///
/// # Safety
/// `ctx` is NULL or a live context; `file` is NULL or a NUL-terminated path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_PrivateKey_file(ctx: *mut SSL_CTX, file: *const c_char, type_: c_int) -> c_int {
    ffi_boundary!(0, |file: c_str, ctx: Option| {
        let key = load_key(file, type_)?;
        let ctx = ctx?;
        let object = super::x509::attach_key(&key);
        set_key(Target::Ctx(&ctx), key, object)
    })
}

/// As `SSL_CTX_use_certificate_file`, for this connection only.
///
/// # Safety
/// `s` is NULL or a live connection; `file` is NULL or a NUL-terminated path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_use_certificate_file(s: *mut SSL, file: *const c_char, type_: c_int) -> c_int {
    ffi_boundary!(0, |file: c_str, s: Option| {
        let mut certs = load_certs(file, type_)?;
        certs.truncate(1);
        let s = s?;
        set_certs(Target::Ssl(&s), certs, false)
    })
}

/// As `SSL_CTX_use_certificate_chain_file`, for this connection only.
///
/// # Safety
/// `s` is NULL or a live connection; `file` is NULL or a NUL-terminated path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_use_certificate_chain_file(s: *mut SSL, file: *const c_char) -> c_int {
    ffi_boundary!(0, |file: c_str, s: Option| {
        let certs = load_certs(file, SSL_FILETYPE_PEM)?;
        let s = s?;
        set_certs(Target::Ssl(&s), certs, true)
    })
}

/// As `SSL_CTX_use_PrivateKey_file`, for this connection only.
///
/// # Safety
/// `s` is NULL or a live connection; `file` is NULL or a NUL-terminated path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_use_PrivateKey_file(s: *mut SSL, file: *const c_char, type_: c_int) -> c_int {
    ffi_boundary!(0, |file: c_str, s: Option| {
        let key = load_key(file, type_)?;
        let s = s?;
        let object = super::x509::attach_key(&key);
        set_key(Target::Ssl(&s), key, object)
    })
}

/// 1 if a certificate and a private key are loaded and the key belongs to the certificate;
/// 0 with an error queued otherwise.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_check_private_key(ctx: *const SSL_CTX) -> c_int {
    ffi_boundary!(0, |ctx| check_key(ctx.tls.read().certs.current()))
}

/// As `SSL_CTX_check_private_key`, for the connection's own certificates.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_check_private_key(s: *const SSL) -> c_int {
    ffi_boundary!(0, |s| check_key(s.certs().current()))
}

/// `SSL_CTX_check_private_key` on the current slot.
fn check_key(slot: Option<&crate::tls::certs::Slot>) -> Option<c_int> {
    let Some(slot) = slot.filter(|s| s.leaf.is_some()) else {
        err::raise(LIB_SSL, reason::NO_CERTIFICATE_ASSIGNED);
        return None;
    };
    if slot.key.is_none() {
        err::raise(LIB_SSL, reason::NO_PRIVATE_KEY_ASSIGNED);
        None
    } else if slot.certified.is_none() {
        err::raise(LIB_X509, reason::KEY_VALUES_MISMATCH);
        None
    } else {
        Some(1)
    }
}

/// Sets the verify mode (`SSL_VERIFY_NONE`, `SSL_VERIFY_PEER`, `SSL_VERIFY_FAIL_IF_NO_PEER_CERT`)
/// and verify callback for new connections. The callback (drop-in `libssl.so.3` only) is
/// libcrypto's `X509_STORE_CTX` verify callback, with the `SSL` at index
/// `SSL_get_ex_data_X509_STORE_CTX_idx()`; its result decides whether the handshake goes on.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_verify(
    ctx: *mut SSL_CTX,
    mode: c_int,
    callback: Option<unsafe extern "C" fn(preverify_ok: c_int, x509_ctx: *mut X509_STORE_CTX) -> c_int>,
) {
    ffi_boundary!((), |ctx| {
        update_ctx_tls(&ctx, |tls| {
            tls.conn.verify_mode = mode;
            tls.conn.verify_callback = callback.map(erase);
        });
        Some(())
    })
}

/// The verify callback new connections get; NULL if none.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_verify_callback(
    ctx: *const SSL_CTX,
) -> Option<unsafe extern "C" fn(preverify_ok: c_int, x509_ctx: *mut X509_STORE_CTX) -> c_int> {
    // SAFETY: stored from a `VerifyCb` by `SSL_CTX_set_verify`.
    ffi_boundary!(None, |ctx| Some(ctx.tls.read().conn.verify_callback.map(|f| unsafe { restore::<VerifyCb>(f) })))
}

/// This connection's verify callback; NULL if none.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_verify_callback(
    s: *const SSL,
) -> Option<unsafe extern "C" fn(preverify_ok: c_int, x509_ctx: *mut X509_STORE_CTX) -> c_int> {
    // SAFETY: stored from a `VerifyCb` by `SSL_set_verify`.
    ffi_boundary!(None, |s| Some(s.settings().verify_callback.map(|f| unsafe { restore::<VerifyCb>(f) })))
}

/// Sets how deep a peer's chain may be (intermediates below the leaf) for new connections; a
/// negative depth leaves libcrypto's default (100).
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_verify_depth(ctx: *mut SSL_CTX, depth: c_int) {
    ffi_boundary!((), |ctx| {
        update_ctx_tls(&ctx, |tls| tls.conn.verify_depth = depth);
        Some(())
    })
}

/// The verify depth new connections get; -1 (libcrypto's default) unless set; 0 for NULL.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_verify_depth(ctx: *const SSL_CTX) -> c_int {
    ffi_boundary!(0, |ctx| Some(ctx.tls.read().conn.verify_depth))
}

/// Sets this connection's verify depth.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_verify_depth(s: *mut SSL, depth: c_int) {
    ffi_boundary!((), |s| {
        s.update_settings(|c| c.verify_depth = depth);
        Some(())
    })
}

/// This connection's verify depth; 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_verify_depth(s: *const SSL) -> c_int {
    ffi_boundary!(0, |s| Some(s.settings().verify_depth))
}

/// This connection's verify mode; 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_verify_mode(s: *const SSL) -> c_int {
    ffi_boundary!(0, |s| Some(s.settings().verify_mode))
}

/// The result of verifying the peer's chain: `X509_V_OK` (0) when it verified or none was
/// verified yet, else the `X509_V_ERR_*` code; after a resumption, the session's. 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_verify_result(s: *const SSL) -> c_long {
    ffi_boundary!(0, |s| Some(s.verify_result() as c_long))
}

/// Overrides the verify result `SSL_get_verify_result` reports.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_verify_result(s: *mut SSL, result: c_long) {
    ffi_boundary!((), |s| {
        s.state.lock().verify_result = result as i64;
        Some(())
    })
}

/// `X509_STORE_CTX`: never dereferenced here.
#[allow(non_camel_case_types)]
pub struct X509_STORE_CTX {
    _opaque: [u8; 0],
}

/// The verify callback's type.
pub type VerifyCb = unsafe extern "C" fn(preverify_ok: c_int, x509_ctx: *mut X509_STORE_CTX) -> c_int;

/// The verify mode new connections get; 0 for NULL.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_verify_mode(ctx: *const SSL_CTX) -> c_int {
    ffi_boundary!(0, |ctx| Some(ctx.tls.read().conn.verify_mode))
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
    ffi_boundary!((), |s| {
        s.update_settings(|c| {
            c.verify_mode = mode;
            c.verify_callback = callback.map(erase);
        });
        Some(())
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
    ffi_boundary!(0, |ctx: Option| {
        // SAFETY: each path is NULL or NUL-terminated (this function's contract); either may be
        // missing.
        let (ca_file, ca_path) = unsafe { (c_str(ca_file), c_str(ca_path)) };
        if ca_file.is_none() && ca_path.is_none() {
            return None;
        }
        // The drop-in verifies with libcrypto: its store loads the files, as OpenSSL's does.
        #[cfg(feature = "libcrypto")]
        {
            let ctx = ctx?;
            return super::x509::load_verify_locations(&ctx, ca_file, ca_path).then_some(1);
        }
        #[allow(unreachable_code)]
        let mut certs = Vec::new();
        if let Some(file) = ca_file {
            certs.extend(load_certs(file, SSL_FILETYPE_PEM)?);
        }
        if let Some(dir) = ca_path {
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
            return None;
        }
        let ctx = ctx?;
        Some(update_ctx_tls(&ctx, |tls| {
            let mut roots: RootCertStore = (*tls.roots).clone();
            let (added, _) = roots.add_parsable_certificates(certs);
            tls.roots = Arc::new(roots);
            (added > 0) as c_int
        }))
    })
}

/// `SSL_CTX_load_verify_locations(ctx, file, NULL)`.
///
/// # Safety
/// `ctx` is NULL or a live context; `file` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_load_verify_file(ctx: *mut SSL_CTX, file: *const c_char) -> c_int {
    if file.is_null() {
        return 0;
    }
    // SAFETY: forwarded with this function's contract.
    unsafe { SSL_CTX_load_verify_locations(ctx, file, std::ptr::null()) }
}

/// `SSL_CTX_load_verify_locations(ctx, NULL, dir)`.
///
/// # Safety
/// `ctx` is NULL or a live context; `dir` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_load_verify_dir(ctx: *mut SSL_CTX, dir: *const c_char) -> c_int {
    if dir.is_null() {
        return 0;
    }
    // SAFETY: forwarded with this function's contract.
    unsafe { SSL_CTX_load_verify_locations(ctx, std::ptr::null(), dir) }
}

/// `pem_password_cb`.
type PasswordCb =
    unsafe extern "C" fn(buf: *mut c_char, size: c_int, rwflag: c_int, userdata: *mut libc::c_void) -> c_int;

/// A context's password callback and its argument, as set (address kept as a number).
#[derive(Default, Clone, Copy)]
struct PasswordSetting(Option<PasswordCb>, usize);

/// Sets the callback that would give the pass phrase of an encrypted key file. It is kept and
/// reported, never called: the key loaders read unencrypted keys only, and refuse an encrypted
/// one (a program like mod_ssl then decrypts the key itself and gives it as an object).
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_default_passwd_cb(
    ctx: *mut SSL_CTX,
    cb: Option<
        unsafe extern "C" fn(buf: *mut c_char, size: c_int, rwflag: c_int, userdata: *mut libc::c_void) -> c_int,
    >,
) {
    ffi_boundary!((), |ctx| {
        ctx.attached.with(|p: &mut PasswordSetting| p.0 = cb);
        Some(())
    })
}

/// Sets the argument given to the password callback.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_default_passwd_cb_userdata(ctx: *mut SSL_CTX, u: *mut libc::c_void) {
    ffi_boundary!((), |ctx| {
        ctx.attached.with(|p: &mut PasswordSetting| p.1 = u as usize);
        Some(())
    })
}

/// The password callback set; NULL if none.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_default_passwd_cb(
    ctx: *mut SSL_CTX,
) -> Option<unsafe extern "C" fn(buf: *mut c_char, size: c_int, rwflag: c_int, userdata: *mut libc::c_void) -> c_int> {
    ffi_boundary!(None, |ctx| Some(ctx.attached.with(|p: &mut PasswordSetting| p.0)))
}

/// The password callback's argument; NULL if none.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_default_passwd_cb_userdata(ctx: *mut SSL_CTX) -> *mut libc::c_void {
    ffi_boundary!(std::ptr::null_mut(), |ctx| Some(
        ctx.attached.with(|p: &mut PasswordSetting| p.1) as *mut libc::c_void
    ))
}
