//! Certificates, keys and verification on a context (PEM or DER files) and the verify mode
//! on a connection.

use libc::{c_char, c_int};
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::boundary::{SSL, SSL_CTX, c_str, ffi_boundary};
use super::consts::{SSL_FILETYPE_ASN1, SSL_FILETYPE_PEM};
use crate::state::ctx::Ctx;
use crate::state::err::{self, LIB_PEM, LIB_SSL, LIB_SYS, LIB_X509, reason};

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

/// Runs `f` on the context's TLS settings under their write lock.
fn update_ctx_tls<R>(ctx: &Ctx, f: impl FnOnce(&mut crate::tls::config::CtxTls) -> R) -> R {
    let mut tls = ctx.tls.write();
    f(&mut tls)
}

/// Installs `certs` (leaf first) as the context's chain: 1.
fn set_chain(ctx: &Ctx, certs: Vec<CertificateDer<'static>>) -> c_int {
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

/// Loads the certificate chain (leaf first) from a PEM file: 1, or 0 with an error queued.
///
/// # Safety
/// `ctx` is NULL or a live context; `file` is NULL or a NUL-terminated path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_certificate_chain_file(ctx: *mut SSL_CTX, file: *const c_char) -> c_int {
    ffi_boundary!(0, |file: c_str, ctx: Option| {
        let certs = load_certs(file, SSL_FILETYPE_PEM)?;
        let ctx = ctx?;
        Some(set_chain(&ctx, certs))
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
        Some(set_chain(&ctx, certs))
    })
}

/// Loads the private key (PEM: PKCS#8, PKCS#1 or SEC1; or DER PKCS#8): 1, or 0.
///
/// # Safety
/// `ctx` is NULL or a live context; `file` is NULL or a NUL-terminated path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_PrivateKey_file(ctx: *mut SSL_CTX, file: *const c_char, type_: c_int) -> c_int {
    ffi_boundary!(0, |file: c_str, ctx: Option| {
        let data = read_file(file)?;
        let key = match type_ {
            SSL_FILETYPE_PEM => PrivateKeyDer::from_pem_slice(&data).ok(),
            SSL_FILETYPE_ASN1 => PrivateKeyDer::try_from(data).ok(),
            _ => None,
        };
        let Some(key) = key else {
            err::raise(LIB_PEM, reason::NO_START_LINE);
            return None;
        };
        if crate::tls::config::provider().key_provider.load_private_key(key.clone_key()).is_err() {
            err::raise(LIB_SSL, reason::NO_PRIVATE_KEY_ASSIGNED);
            return None;
        }
        let ctx = ctx?;
        update_ctx_tls(&ctx, |tls| {
            let previous = tls.key.replace(Arc::new(key));
            tls.rebuild_certified();
            if !tls.chain.is_empty() && tls.certified.is_none() {
                // As OpenSSL: a key that does not match the loaded certificate is refused.
                tls.key = previous;
                tls.rebuild_certified();
                err::raise(LIB_X509, reason::KEY_VALUES_MISMATCH);
                return None;
            }
            Some(1)
        })
    })
}

/// 1 if a certificate and a private key are loaded and the key belongs to the certificate;
/// 0 with an error queued otherwise.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_check_private_key(ctx: *const SSL_CTX) -> c_int {
    ffi_boundary!(0, |ctx| {
        let tls = ctx.tls.read();
        if tls.chain.is_empty() {
            err::raise(LIB_SSL, reason::NO_CERTIFICATE_ASSIGNED);
            None
        } else if tls.key.is_none() {
            err::raise(LIB_SSL, reason::NO_PRIVATE_KEY_ASSIGNED);
            None
        } else if tls.certified.is_none() {
            err::raise(LIB_X509, reason::KEY_VALUES_MISMATCH);
            None
        } else {
            Some(1)
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
    ffi_boundary!((), |ctx| {
        let _ = callback;
        update_ctx_tls(&ctx, |tls| tls.conn.verify_mode = mode);
        Some(())
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
        let _ = callback;
        s.update_settings(|c| c.verify_mode = mode);
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
