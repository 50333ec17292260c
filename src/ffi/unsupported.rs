//! Functions for what rustls cannot do, failing as OpenSSL 3.0 fails when the feature is off or
//! the peer did not ask for it (README lists each): renegotiation, TLS 1.3 post-handshake
//! authentication, SRP.

use libc::{c_char, c_int, c_void};

use super::boundary::{SSL, SSL_CTX, ffi_boundary};
use crate::state::err::{self, LIB_SSL, reason};

const TLS1_3_VERSION: c_int = 0x0304;

/// Refuses: 0, with `SSL_R_WRONG_SSL_VERSION` on TLS 1.3 (also before a handshake, whose
/// version is TLS 1.3, as OpenSSL's `can_renegotiate`), else `SSL_R_NO_RENEGOTIATION`: rustls
/// never renegotiates, as OpenSSL with `SSL_OP_NO_RENEGOTIATION`.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_renegotiate(s: *mut SSL) -> c_int {
    ffi_boundary!(0, |s| {
        let why = if s.version() == TLS1_3_VERSION { reason::WRONG_SSL_VERSION } else { reason::NO_RENEGOTIATION };
        err::raise(LIB_SSL, why);
        Some(0)
    })
}

/// As `SSL_renegotiate`.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_renegotiate_abbreviated(s: *mut SSL) -> c_int {
    // SAFETY: forwarded with this function's contract.
    unsafe { SSL_renegotiate(s) }
}

/// 0: no renegotiation is ever pending.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_renegotiate_pending(s: *const SSL) -> c_int {
    ffi_boundary!(0, |s| {
        let _ = s;
        Some(0)
    })
}

/// Accepted and ignored: a server never asks for a certificate after the handshake, and a
/// client does not offer post-handshake authentication (rustls has neither).
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_post_handshake_auth(ctx: *mut SSL_CTX, val: c_int) {
    ffi_boundary!((), |ctx| {
        let _ = (ctx, val);
        Some(())
    })
}

/// As `SSL_CTX_set_post_handshake_auth`, for one connection.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_post_handshake_auth(s: *mut SSL, val: c_int) {
    ffi_boundary!((), |s| {
        let _ = (s, val);
        Some(())
    })
}

/// Refuses as OpenSSL refuses when the client did not offer post-handshake authentication: 0,
/// with `SSL_R_WRONG_SSL_VERSION` before TLS 1.3, `SSL_R_NOT_SERVER` on a client,
/// `SSL_R_STILL_IN_INIT` during the handshake, else `SSL_R_EXTENSION_NOT_RECEIVED` (also when
/// the client did offer it: sesscache cannot request a certificate after the handshake).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_verify_client_post_handshake(s: *mut SSL) -> c_int {
    ffi_boundary!(0, |s| {
        let why = if s.version() != TLS1_3_VERSION {
            reason::WRONG_SSL_VERSION
        } else if !s.is_server() {
            reason::NOT_SERVER
        } else if s.in_init() {
            reason::STILL_IN_INIT
        } else {
            reason::EXTENSION_NOT_RECEIVED
        };
        err::raise(LIB_SSL, why);
        Some(0)
    })
}

/// SRP is not supported: 0, with `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`.
fn no_srp() -> Option<c_int> {
    err::raise(LIB_SSL, reason::SHOULD_NOT_HAVE_BEEN_CALLED);
    Some(0)
}

/// Refuses (SRP is not supported): 0, with `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_srp_username_callback(
    ctx: *mut SSL_CTX,
    cb: Option<unsafe extern "C" fn(s: *mut SSL, ad: *mut c_int, arg: *mut c_void) -> c_int>,
) -> c_int {
    ffi_boundary!(0, |ctx| {
        let _ = (ctx, cb);
        no_srp()
    })
}

/// Refuses, as `SSL_CTX_set_srp_username_callback`.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_srp_cb_arg(ctx: *mut SSL_CTX, arg: *mut c_void) -> c_int {
    ffi_boundary!(0, |ctx| {
        let _ = (ctx, arg);
        no_srp()
    })
}

/// Refuses, as `SSL_CTX_set_srp_username_callback`.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_srp_username(ctx: *mut SSL_CTX, name: *mut c_char) -> c_int {
    ffi_boundary!(0, |ctx| {
        let _ = (ctx, name);
        no_srp()
    })
}

/// Refuses, as `SSL_CTX_set_srp_username_callback`.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_srp_password(ctx: *mut SSL_CTX, password: *mut c_char) -> c_int {
    ffi_boundary!(0, |ctx| {
        let _ = (ctx, password);
        no_srp()
    })
}

/// NULL: no connection has an SRP user (OpenSSL's answer without an SRP handshake).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_srp_username(s: *mut SSL) -> *mut c_char {
    ffi_boundary!(std::ptr::null_mut(), |s| {
        let _ = s;
        Some(std::ptr::null_mut())
    })
}

/// NULL, as `SSL_get_srp_username`.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_srp_userinfo(s: *mut SSL) -> *mut c_char {
    ffi_boundary!(std::ptr::null_mut(), |s| {
        let _ = s;
        Some(std::ptr::null_mut())
    })
}

/// -1 (OpenSSL's failure value): there is no SRP handshake to give parameters to.
///
/// # Safety
/// `s` is NULL or a live connection; the numbers are not read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_srp_server_param(
    s: *mut SSL,
    n: *const c_void,
    g: *const c_void,
    sa: *mut c_void,
    v: *mut c_void,
    info: *mut c_char,
) -> c_int {
    ffi_boundary!(-1, |s| {
        let _ = (s, n, g, sa, v, info);
        err::raise(LIB_SSL, reason::SHOULD_NOT_HAVE_BEEN_CALLED);
        Some(-1)
    })
}
