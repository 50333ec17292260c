//! `SSL`: one connection's view of the session cache (its session, id context, shutdown
//! state), and the rule that an unclean end invalidates its session.

use libc::{c_char, c_int, c_uchar, c_uint};
use std::sync::Arc;

use super::boundary::{ArcHandle, SSL, SSL_CTX, SSL_SESSION, ffi_boundary};
use super::cipher::SSL_CIPHER;
use super::ctx;
use super::ex_data::{self, Class};
use crate::core::session::SidCtx;
use crate::state::settings::{TLS1_2_VERSION, TLS1_3_VERSION};
use crate::state::ssl::Ssl;

/// A new connection using `ctx` as its session context (it holds a reference on it). It
/// copies the context's session id context and settings. NULL for NULL. The caller owns the
/// connection (`SSL_free`); use it from one thread at a time, as with OpenSSL.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_new(ctx: *mut SSL_CTX) -> *mut SSL {
    ffi_boundary!(std::ptr::null_mut(), |ctx| {
        let p = SSL::give(Arc::new(Ssl::new(Arc::clone(&ctx))));
        // SAFETY: `p` was just made.
        if let Some(s) = unsafe { SSL::borrow(p) } {
            // SAFETY: `p` is this connection.
            unsafe { ex_data::run_new_funcs(&s.ex_data, Class::Ssl, p.cast()) };
        }
        Some(p)
    })
}

/// Frees a connection: ex_data first, then, if the handshake finished and this side never
/// sent close_notify, its session is removed from the cache (remove callback) and marked not
/// resumable; then the context reference is dropped. NULL is ignored.
///
/// # Safety
/// `ssl` is NULL or a live connection, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_free(ssl: *mut SSL) {
    ffi_boundary!((), {
        // SAFETY: `ssl` is NULL or a live connection whose reference the caller gives up.
        let s = unsafe { SSL::take(ssl) }?;
        // SAFETY: `ssl` is this connection.
        unsafe { ex_data::run_free_funcs(&s.ex_data, Class::Ssl, ssl.cast()) };
        s.clear_bad_session();
        let (session, switched) = {
            let mut st = s.state.lock();
            (st.session.take(), st.switched_ctx.take())
        };
        drop(session);
        s.attached.clear();
        let ctx_ptr = SSL_CTX::handle(&s.ctx);
        let switched_ptr = switched.as_ref().map(|c| SSL_CTX::handle(c));
        drop((s, switched));
        // SAFETY: the references taken in `SSL_new` and `SSL_set_SSL_CTX`.
        unsafe {
            if let Some(p) = switched_ptr {
                ctx::release(p);
            }
            ctx::release(ctx_ptr);
        }
        Some(())
    })
}

/// Resets the connection for reuse: a session that ended uncleanly is removed (as in
/// `SSL_free`) and dropped; a cleanly shut down session is kept. 1, or 0 for NULL.
///
/// # Safety
/// `ssl` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_clear(ssl: *mut SSL) -> c_int {
    ffi_boundary!(0, |ssl| {
        ssl.clear();
        Some(1)
    })
}

/// The connection's context (borrowed), or NULL.
///
/// # Safety
/// `ssl` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_SSL_CTX(ssl: *const SSL) -> *mut SSL_CTX {
    ffi_boundary!(std::ptr::null_mut(), |ssl| Some(SSL_CTX::handle(&ssl.current_ctx())))
}

/// Moves the connection to `ctx` (NULL: back to the context it was made on), as a servername
/// callback does to serve another virtual host: the connection takes `ctx`'s certificates,
/// and its id context if it still had the old context's; its options, verify mode and session
/// cache (the first context's) do not change. Returns the connection's context now; NULL for
/// a NULL `ssl`.
///
/// # Safety
/// `ssl` is NULL or a live connection; `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_SSL_CTX(ssl: *mut SSL, ctx: *mut SSL_CTX) -> *mut SSL_CTX {
    ffi_boundary!(std::ptr::null_mut(), |ssl, ctx: Option| {
        let target = match &ctx {
            Some(c) => Arc::clone(c),
            None => Arc::clone(&ssl.ctx),
        };
        if let Some(previous) = ssl.switch_ctx(&target) {
            let p = SSL_CTX::handle(&previous);
            drop(previous);
            // SAFETY: the reference the switch to `previous` took.
            unsafe { ctx::release(p) };
        }
        Some(SSL_CTX::handle(&ssl.current_ctx()))
    })
}

/// The protocol version: the negotiated one, or `TLS1_3_VERSION` before a handshake; 0 for
/// NULL.
///
/// # Safety
/// `ssl` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_version(ssl: *const SSL) -> c_int {
    ffi_boundary!(0, |ssl| Some(ssl.version()))
}

/// Sets the session to resume (NULL clears it) and takes a reference on it. If the current
/// session ended uncleanly it is first removed from the cache. 1, or 0 for a NULL `to`.
///
/// # Safety
/// `to` is NULL or a live connection; `session` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_session(to: *mut SSL, session: *mut SSL_SESSION) -> c_int {
    ffi_boundary!(0, |to| {
        to.clear_bad_session();
        // SAFETY: `session` is NULL or a live session (this function's contract); converted
        // after the removal above, as before, so a checked-mode report keeps its place.
        let new = unsafe { SSL_SESSION::borrow(session) }.map(|b| Arc::clone(&b));
        let old = std::mem::replace(&mut to.state.lock().session, new);
        drop(old);
        Some(1)
    })
}

/// The connection's session, borrowed (no reference taken), or NULL. Also `SSL_get0_session`.
/// It stays valid while the connection holds it: until `SSL_set_session`, `SSL_clear` or
/// `SSL_free`, and in TLS 1.3 until the next ticket arrives or is sent (each ticket makes a new
/// session the connection's). A server has its session from the ServerHello on. Take
/// `SSL_get1_session` to keep one.
///
/// # Safety
/// `ssl` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_session(ssl: *const SSL) -> *mut SSL_SESSION {
    ffi_boundary!(std::ptr::null_mut(), |ssl| Some(
        ssl.state.lock().session.as_ref().map_or(std::ptr::null_mut(), |session| SSL_SESSION::handle(session))
    ))
}

/// The connection's session with a new reference the caller must free, or NULL.
///
/// # Safety
/// `ssl` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get1_session(ssl: *mut SSL) -> *mut SSL_SESSION {
    ffi_boundary!(std::ptr::null_mut(), |ssl| Some(
        ssl.state.lock().session.clone().map_or(std::ptr::null_mut(), SSL_SESSION::give)
    ))
}

/// 1 if the handshake resumed a session, else 0 (and 0 for NULL). Also `SSL_cache_hit`.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_session_reused(s: *const SSL) -> c_int {
    ffi_boundary!(0, |s| Some(s.state.lock().hit as c_int))
}

/// Sets this connection's session id context: 1, or 0 if longer than 32 bytes (or NULL).
///
/// # Safety
/// `ssl` is NULL or a live connection; `sid_ctx` points to `sid_ctx_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_session_id_context(
    ssl: *mut SSL,
    sid_ctx: *const c_uchar,
    sid_ctx_len: c_uint,
) -> c_int {
    ffi_boundary!(0, |ssl, sid_ctx: bytes(sid_ctx_len)| {
        ssl.state.lock().sid_ctx = SidCtx::new(sid_ctx)?;
        Some(1)
    })
}

/// 1 if the internal cache of the session context holds a session with this id and the
/// connection's protocol version (`TLS1_3_VERSION` before a handshake). Never consults the
/// external cache. 0 for an id over 32 bytes or NULL.
///
/// # Safety
/// `s` is NULL or a live connection; `id` points to `id_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_has_matching_session_id(s: *const SSL, id: *const c_uchar, id_len: c_uint) -> c_int {
    ffi_boundary!(0, |s, id: bytes(id_len)| Some(s.ctx.cache.contains(s.version(), id) as c_int))
}

/// Sets the shutdown flags (`SSL_SENT_SHUTDOWN`, `SSL_RECEIVED_SHUTDOWN`) as given.
///
/// # Safety
/// `ssl` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_shutdown(ssl: *mut SSL, mode: c_int) {
    ffi_boundary!((), |ssl| {
        ssl.set_shutdown(mode);
        Some(())
    })
}

/// The shutdown flags; 0 for NULL.
///
/// # Safety
/// `ssl` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_shutdown(ssl: *const SSL) -> c_int {
    ffi_boundary!(0, |ssl| Some(ssl.state.lock().shutdown))
}

/// With a nonzero `mode`, `SSL_shutdown` will only set the flags, sending nothing.
///
/// # Safety
/// `ssl` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_quiet_shutdown(ssl: *mut SSL, mode: c_int) {
    ffi_boundary!((), |ssl| {
        ssl.state.lock().quiet_shutdown = mode;
        Some(())
    })
}

/// The quiet shutdown setting as stored; 0 for NULL.
///
/// # Safety
/// `ssl` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_quiet_shutdown(ssl: *const SSL) -> c_int {
    ffi_boundary!(0, |ssl| Some(ssl.state.lock().quiet_shutdown))
}

/// The server name: on a client, the one it will send; on a server, the one the client sent
/// (NULL before the client's hello has been processed, as in OpenSSL). NULL for other types.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_servername(s: *const SSL, type_: c_int) -> *const c_char {
    ffi_boundary!(std::ptr::null(), |s| {
        if type_ != 0 {
            return None;
        }
        let st = s.state.lock();
        let session_name = |st: &crate::state::ssl::SslState| {
            // Lent while the session lives.
            st.session.as_ref().and_then(|sess| sess.read().extra().hostname.as_ref().map(|h| h.as_ptr()))
        };
        let tls12 = s.version() < TLS1_3_VERSION;
        if st.is_server {
            // A TLS 1.2 resumption reports the name stored in the session (OpenSSL stores it
            // only when a servername callback accepted it).
            if st.hit && tls12 {
                return Some(session_name(&st).unwrap_or(std::ptr::null()));
            }
        } else if st.handshake == crate::state::ssl::Handshake::Before {
            // A client about to offer a TLS 1.2 session, with no name of its own, reports the
            // session's.
            let offers_tls12 = st.session.as_ref().is_some_and(|sess| sess.read().version != TLS1_3_VERSION);
            if st.servername.is_none() && offers_tls12 {
                return Some(session_name(&st).unwrap_or(std::ptr::null()));
            }
        } else if st.hit && tls12 {
            if let Some(name) = session_name(&st) {
                return Some(name);
            }
        }
        Some(st.servername.as_ref().map_or(std::ptr::null(), |n| n.as_ptr()))
    })
}

/// "TLSv1.3" or "TLSv1.2": the negotiated version, or "TLSv1.3" before a handshake whatever
/// the limits (as `SSL_version`); "unknown" otherwise or for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_version(s: *const SSL) -> *const c_char {
    ffi_boundary!(c"unknown".as_ptr(), |s| {
        let name = match s.version() {
            TLS1_3_VERSION => c"TLSv1.3",
            TLS1_2_VERSION => c"TLSv1.2",
            _ => c"unknown",
        };
        Some(name.as_ptr())
    })
}

/// 1 for a server connection, 0 for a client (or NULL).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_is_server(s: *const SSL) -> c_int {
    ffi_boundary!(0, |s| Some(s.is_server() as c_int))
}

/// 1 until the handshake has finished (also before it started); 0 after, or for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_in_init(s: *const SSL) -> c_int {
    ffi_boundary!(0, |s| Some(s.in_init() as c_int))
}

/// 1 once the handshake has finished; 0 before, or for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_is_init_finished(s: *const SSL) -> c_int {
    ffi_boundary!(0, |s| Some(!s.in_init() as c_int))
}

/// The negotiated cipher suite, or NULL before a handshake (or for NULL).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_current_cipher(s: *const SSL) -> *const SSL_CIPHER {
    // As OpenSSL: the cipher of the connection's session, whatever the handshake's state.
    ffi_boundary!(std::ptr::null(), |s| Some(super::cipher::cipher_ptr(
        s.session().and_then(|sess| sess.read().cipher)
    )))
}
