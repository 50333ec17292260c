//! `SSL_CTX` and `SSL_METHOD`: contexts, their callbacks and their session cache.

use libc::{c_int, c_long, c_uchar, c_uint};
use parking_lot::RwLock;
use std::sync::Arc;

use super::boundary::{ArcHandle, SSL, SSL_CTX, SSL_METHOD, SSL_SESSION, ffi_boundary};
use super::callbacks;
use super::ex_data::{self, Class};
use crate::core::resume;
use crate::core::session::{Session, SidCtx};
use crate::state::ctx::{
    AlpnAnswer, Callbacks, CertAnswer, Ctx, Method, ServernameAnswer, TicketOpen, TicketSeal, VerifyOutcome,
};
use crate::state::ssl::Ssl;

pub(crate) type NewSessionCb = unsafe extern "C" fn(*mut SSL, *mut SSL_SESSION) -> c_int;

pub(crate) type RemoveSessionCb = unsafe extern "C" fn(*mut SSL_CTX, *mut SSL_SESSION);

pub(crate) type GetSessionCb = unsafe extern "C" fn(*mut SSL, *const c_uchar, c_int, *mut c_int) -> *mut SSL_SESSION;

static TLS_ANY: Method = Method { server: true, client: true };

static TLS_SERVER: Method = Method { server: true, client: false };

static TLS_CLIENT: Method = Method { server: false, client: true };

fn method_ptr(m: &'static Method) -> *const SSL_METHOD {
    (m as *const Method).cast()
}

/// One of our three methods, or `None` for anything else.
fn method(p: *const SSL_METHOD) -> Option<&'static Method> {
    [&TLS_ANY, &TLS_SERVER, &TLS_CLIENT].into_iter().find(|m| method_ptr(m) == p)
}

/// `OPENSSL_INIT_SETTINGS`: never dereferenced here.
#[allow(non_camel_case_types)]
pub struct OPENSSL_INIT_SETTINGS {
    _opaque: [u8; 0],
}

/// Library initialisation: everything else is initialised on first use; 1.
#[unsafe(no_mangle)]
pub extern "C" fn OPENSSL_init_ssl(opts: u64, settings: *const OPENSSL_INIT_SETTINGS) -> libc::c_int {
    let _ = (opts, settings);
    // The drop-in gives libcrypto its SSL error texts, as libssl does.
    #[cfg(feature = "libcrypto")]
    crate::state::err::load_strings();
    1
}

/// The general-purpose TLS method (client and server).
#[unsafe(no_mangle)]
pub extern "C" fn TLS_method() -> *const SSL_METHOD {
    method_ptr(&TLS_ANY)
}

/// The TLS server method.
#[unsafe(no_mangle)]
pub extern "C" fn TLS_server_method() -> *const SSL_METHOD {
    method_ptr(&TLS_SERVER)
}

/// The TLS client method.
#[unsafe(no_mangle)]
pub extern "C" fn TLS_client_method() -> *const SSL_METHOD {
    method_ptr(&TLS_CLIENT)
}

/// The C function pointers of a context's session callbacks.
#[derive(Clone, Copy, Default)]
struct Fns {
    new: Option<NewSessionCb>,
    remove: Option<RemoveSessionCb>,
    get: Option<GetSessionCb>,
}

/// The application's session callbacks as C installed them, called with the objects' handles.
#[derive(Default)]
pub(crate) struct CCallbacks {
    fns: RwLock<Fns>,
    pub(crate) handshake: RwLock<super::callbacks::HandshakeFns>,
}

/// The C callbacks of a context made by `SSL_CTX_new` (every context C can reach).
pub(crate) fn c_callbacks(ctx: &Ctx) -> Option<&CCallbacks> {
    ctx.callbacks.as_any().downcast_ref::<CCallbacks>()
}

/// Drops one C reference; the last one flushes the cache through the remove callback, then
/// frees the ex_data, then the memory.
///
/// # Safety
/// `p` is NULL or a live context pointer whose reference the caller gives up.
pub(crate) unsafe fn release(p: *mut SSL_CTX) {
    // SAFETY: `p` is NULL or live (this function's contract).
    let Some(ctx) = (unsafe { SSL_CTX::borrow(p) }) else {
        return;
    };
    if !ctx.release() {
        return;
    }
    resume::flush_sessions(&ctx.cache, &ctx.app(), 0);
    // SAFETY: `p` is this context.
    unsafe { ex_data::run_free_funcs(&ctx.ex_data, Class::SslCtx, p.cast()) };
    ctx.attached.clear();
    // SAFETY: the last C reference is gone; this releases the Arc made by `SSL_CTX_new`.
    drop(unsafe { SSL_CTX::take(p) });
}

impl Callbacks for CCallbacks {
    fn new_session(&self, _ctx: &Ctx, ssl: Option<&Ssl>, s: &Arc<Session>) {
        let Some(cb) = self.fns.read().new else { return };
        // The callback gets a reference of its own; returning 0 hands it back.
        let p = SSL_SESSION::give(Arc::clone(s));
        // SAFETY: the application installed `cb` with this signature; `p` is live.
        if unsafe { cb(ssl_handle(ssl), p) } == 0 {
            // SAFETY: `p` carries the reference made above.
            drop(unsafe { SSL_SESSION::take(p) });
        }
    }

    fn get_session(&self, _ctx: &Ctx, ssl: Option<&Ssl>, id: &[u8]) -> Option<Arc<Session>> {
        let cb = self.fns.read().get?;
        let mut copy: c_int = 1;
        // SAFETY: `cb` has this signature; `id` outlives the call; `copy` is a valid int.
        let p = unsafe { cb(ssl_handle(ssl), id.as_ptr(), id.len() as c_int, &mut copy) };
        let found = if copy != 0 {
            // The application keeps its reference; take one of ours.
            // SAFETY: a non-NULL result is a live session.
            unsafe { SSL_SESSION::borrow(p) }.map(|b| Arc::clone(&b))
        } else {
            // SAFETY: with copy = 0 the application hands its reference over.
            unsafe { SSL_SESSION::take(p) }
        };
        if super::checked::enabled()
            && let Some(s) = &found
            && s.id().as_slice() != id
        {
            super::checked::report("get_session_cb returned a session whose id differs from the one asked for");
        }
        found
    }

    fn session_removed(&self, ctx: &Ctx, s: &Arc<Session>) {
        let remove = self.fns.read().remove;
        if let Some(cb) = remove {
            // SAFETY: `cb` has this signature; the session stays alive during the call.
            unsafe { cb(SSL_CTX::handle(ctx), SSL_SESSION::handle(s)) };
        }
    }

    fn has_remove_callback(&self) -> bool {
        self.fns.read().remove.is_some()
    }

    fn client_hello(&self, ssl: &Ssl) -> crate::state::ctx::ClientHelloAnswer {
        let fns = *self.handshake.read();
        callbacks::client_hello(fns, ssl)
    }

    fn wants_key_log(&self) -> bool {
        self.handshake.read().key_log.is_some()
    }

    fn key_log(&self, ssl: &Ssl, line: &std::ffi::CStr) {
        let fns = *self.handshake.read();
        callbacks::key_log(fns, ssl, line)
    }

    fn servername(&self, ssl: &Ssl) -> ServernameAnswer {
        let fns = *self.handshake.read();
        callbacks::servername(fns, ssl)
    }

    fn select_alpn(&self, ssl: &Ssl, offered: &[u8]) -> AlpnAnswer {
        let fns = *self.handshake.read();
        callbacks::select_alpn(fns, ssl, offered)
    }

    fn certificate(&self, ssl: &Ssl) -> CertAnswer {
        callbacks::certificate(ssl)
    }

    fn verify_chain(
        &self,
        ssl: &Ssl,
        chain: &[rustls::pki_types::CertificateDer<'_>],
        peer_is_client: bool,
    ) -> VerifyOutcome {
        callbacks::verify_chain(ssl, chain, peer_is_client)
    }

    fn seal_ticket(&self, ssl: &Ssl, plain: &[u8]) -> Option<TicketSeal> {
        #[cfg(feature = "libcrypto")]
        {
            Some(super::tickets::seal(ssl, plain))
        }
        #[cfg(not(feature = "libcrypto"))]
        {
            let _ = (ssl, plain);
            None
        }
    }

    fn open_ticket(&self, ssl: &Ssl, ticket: &[u8]) -> Option<TicketOpen> {
        #[cfg(feature = "libcrypto")]
        {
            Some(super::tickets::open(ssl, ticket))
        }
        #[cfg(not(feature = "libcrypto"))]
        {
            let _ = (ssl, ticket);
            None
        }
    }

    fn info(&self, ssl: &Ssl, where_: c_int, ret: c_int) {
        let fns = *self.handshake.read();
        callbacks::info(fns, ssl, where_, ret)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The connection's handle, or NULL for a call on the context.
fn ssl_handle(ssl: Option<&Ssl>) -> *mut SSL {
    ssl.map_or(std::ptr::null_mut(), SSL::handle)
}

/// A new context for `meth`, with OpenSSL's defaults: cache mode SERVER, size 20480,
/// timeout 7200. NULL for a NULL or unknown method. The caller owns one reference
/// (`SSL_CTX_free`). A context may be used from several threads at once (its cache is safe for
/// concurrent lookups, adds, removes and flushes); like OpenSSL, configure it (callbacks, mode,
/// size, timeout, certificates) before sharing it.
///
/// # Safety
/// `meth` is any pointer; only our own methods are accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_new(meth: *const SSL_METHOD) -> *mut SSL_CTX {
    ffi_boundary!(std::ptr::null_mut(), {
        let method = method(meth)?;
        let ctx = Ctx::new(method, Box::new(CCallbacks::default()))?;
        // The drop-in seals tickets with OpenSSL's own kind of keys, made here as OpenSSL does.
        #[cfg(feature = "libcrypto")]
        if !super::tickets::make_own_keys(&ctx) {
            return None;
        }
        let p = SSL_CTX::give(Arc::new(ctx));
        // SAFETY: `p` was just made and is live.
        if let Some(c) = unsafe { SSL_CTX::borrow(p) } {
            // SAFETY: `p` is this context.
            unsafe { ex_data::run_new_funcs(&c.ex_data, Class::SslCtx, p.cast()) };
        }
        Some(p)
    })
}

/// Adds a reference: 1, or 0 for NULL.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_up_ref(ctx: *mut SSL_CTX) -> c_int {
    ffi_boundary!(0, |ctx| {
        ctx.retain();
        Some(1)
    })
}

/// Drops a reference. Each `SSL` holds one on its context too, so the teardown runs when the
/// last of them goes: the remove callback for every cached session, then the ex_data
/// `free_func`s. NULL is ignored.
///
/// # Safety
/// `ctx` is NULL or a live context; the caller gives up its reference.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_free(ctx: *mut SSL_CTX) {
    ffi_boundary!((), {
        // SAFETY: `ctx` is NULL or a live context whose reference the caller gives up.
        unsafe { release(ctx) };
        Some(())
    })
}

/// Sets (or, with NULL, clears) the new-session callback.
///
/// Called when a session is established and the cache mode includes this side (server:
/// `SSL_SESS_CACHE_SERVER`, client: `SSL_SESS_CACHE_CLIENT`), also with
/// `SSL_SESS_CACHE_NO_INTERNAL_STORE`: at the end of a TLS 1.2 handshake that was not a
/// resumption, and once per TLS 1.3 ticket (server: sent, client: received). `sess` carries a
/// reference of the callback's own: return 1 to keep it (and `SSL_SESSION_free` it later), 0
/// to hand it back. The return value never removes the session from the cache. Called on the
/// thread driving `ssl`, with no lock of the library held: the callback may call any function
/// of this library, on this context too. Store `i2d_SSL_SESSION` bytes rather than the pointer
/// to share sessions between processes.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_sess_set_new_cb(
    ctx: *mut SSL_CTX,
    new_session_cb: Option<unsafe extern "C" fn(ssl: *mut SSL, sess: *mut SSL_SESSION) -> c_int>,
) {
    ffi_boundary!((), |ctx| {
        c_callbacks(&ctx)?.fns.write().new = new_session_cb;
        Some(())
    })
}

/// Sets (or, with NULL, clears) the remove-session callback.
///
/// Called whenever a session with a non-empty id leaves this context's cache or is removed
/// from it: eviction when the cache is full, `SSL_CTX_flush_sessions` (also the automatic
/// flush at every 256th successful handshake, and `SSL_CTX_free`), `SSL_CTX_remove_session`
/// (even for a session that was not cached), an established connection freed or cleared
/// without having sent close_notify, and a fatal error. It may therefore run more than once for one session:
/// treat a missing entry as success. `sess` is valid during the call only (take a reference
/// with `SSL_SESSION_up_ref` to keep it); it is already marked not resumable. Called with no
/// lock of the library held; a callback that calls `SSL_CTX_remove_session` on `sess` calls
/// itself again, as in OpenSSL.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_sess_set_remove_cb(
    ctx: *mut SSL_CTX,
    remove_session_cb: Option<unsafe extern "C" fn(ctx: *mut SSL_CTX, sess: *mut SSL_SESSION)>,
) {
    ffi_boundary!((), |ctx| {
        c_callbacks(&ctx)?.fns.write().remove = remove_session_cb;
        Some(())
    })
}

/// Sets (or, with NULL, clears) the get-session callback.
///
/// Called by a server when a client offers a session id (TLS 1.2) or a stateful ticket
/// (TLS 1.3) that the internal cache does not hold (or always, with
/// `SSL_SESS_CACHE_NO_INTERNAL_LOOKUP`). `data`/`len` is the id, valid during the call only.
/// Return the session or NULL. `*copy` is 1 on entry: leave it and the library takes a
/// reference of its own (the callback keeps its reference); set it to 0 to hand the library
/// the reference it returns (the usual choice for a fresh `d2i_SSL_SESSION` result). The
/// library then checks the session as OpenSSL does (id context, version, expiry) and may
/// still refuse it. Called with no lock of the library held.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_sess_set_get_cb(
    ctx: *mut SSL_CTX,
    get_session_cb: Option<
        unsafe extern "C" fn(ssl: *mut SSL, data: *const c_uchar, len: c_int, copy: *mut c_int) -> *mut SSL_SESSION,
    >,
) {
    ffi_boundary!((), |ctx| {
        c_callbacks(&ctx)?.fns.write().get = get_session_cb;
        Some(())
    })
}

/// The new-session callback, or NULL (none set, or a NULL context).
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_sess_get_new_cb(
    ctx: *mut SSL_CTX,
) -> Option<unsafe extern "C" fn(ssl: *mut SSL, sess: *mut SSL_SESSION) -> c_int> {
    ffi_boundary!(None, |ctx| Some(c_callbacks(&ctx)?.fns.read().new))
}

/// The remove-session callback, or NULL (none set, or a NULL context).
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_sess_get_remove_cb(
    ctx: *mut SSL_CTX,
) -> Option<unsafe extern "C" fn(ctx: *mut SSL_CTX, sess: *mut SSL_SESSION)> {
    ffi_boundary!(None, |ctx| Some(c_callbacks(&ctx)?.fns.read().remove))
}

/// The get-session callback, or NULL (none set, or a NULL context).
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_sess_get_get_cb(
    ctx: *mut SSL_CTX,
) -> Option<unsafe extern "C" fn(ssl: *mut SSL, data: *const c_uchar, len: c_int, copy: *mut c_int) -> *mut SSL_SESSION>
{
    ffi_boundary!(None, |ctx| Some(c_callbacks(&ctx)?.fns.read().get))
}

/// Sets the timeout given to new sessions (0: the method default, 7200). Any value is
/// stored. Returns the previous timeout, or 0 for NULL.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_timeout(ctx: *mut SSL_CTX, t: c_long) -> c_long {
    ffi_boundary!(0, |ctx| Some(ctx.cache.set_timeout(t as i64) as c_long))
}

/// The context's session timeout, or 0 for NULL.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_timeout(ctx: *const SSL_CTX) -> c_long {
    ffi_boundary!(0, |ctx| Some(ctx.cache.timeout() as c_long))
}

/// Adds a session to the internal cache (any cache mode). The cache takes a reference of its
/// own; the caller keeps its reference. 1 for a new entry (it may evict others, each reported
/// to the remove callback, or replace a different object with the same id silently); 0 if
/// this object was already cached, or for NULL.
///
/// # Safety
/// `ctx` and `session` are NULL or live objects.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_add_session(ctx: *mut SSL_CTX, session: *mut SSL_SESSION) -> c_int {
    ffi_boundary!(0, |ctx, session| Some(resume::add_session(&ctx.cache, &ctx.app(), &session) as c_int))
}

/// Removes the cached session with this session's id and version. The remove callback sees
/// `session` whenever its id is non-empty, cached or not, and `session` becomes not resumable.
/// 1 if an entry was removed, else 0.
///
/// # Safety
/// `ctx` and `session` are NULL or live objects.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_remove_session(ctx: *mut SSL_CTX, session: *mut SSL_SESSION) -> c_int {
    ffi_boundary!(0, |ctx, session| Some(resume::remove_session(&ctx.cache, &ctx.app(), &session) as c_int))
}

/// Removes every session expired at `tm` (`tm > time + timeout`), or all of them when `tm` is
/// 0, calling the remove callback for each, earliest expiry first.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_flush_sessions(ctx: *mut SSL_CTX, tm: c_long) {
    ffi_boundary!((), |ctx| {
        resume::flush_sessions(&ctx.cache, &ctx.app(), tm as i64);
        Some(())
    })
}

/// Sets the session id context copied into each new `SSL`: 1, or 0 if longer than 32 bytes
/// (or NULL).
///
/// # Safety
/// `ctx` is NULL or a live context; `sid_ctx` points to `sid_ctx_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_session_id_context(
    ctx: *mut SSL_CTX,
    sid_ctx: *const c_uchar,
    sid_ctx_len: c_uint,
) -> c_int {
    ffi_boundary!(0, |ctx, sid_ctx: bytes(sid_ctx_len)| {
        *ctx.sid_ctx.lock() = SidCtx::new(sid_ctx)?;
        Some(1)
    })
}
