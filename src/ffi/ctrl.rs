//! Every `SSL_CTX_ctrl` / `SSL_ctrl` number: the `SSL_CTX_sess_*` counters and cache size and
//! mode, protocol version bounds, the SNI host name.

use libc::{c_int, c_long, c_void};
use std::ffi::CString;

use super::boundary::{SSL, SSL_CTX, c_str, ffi_boundary};
use super::consts::*;
use crate::state::settings::{ConnSettings, TLS1_3_VERSION};

fn version_ctrl(settings: &mut ConnSettings, cmd: c_int, larg: c_long) -> Option<c_long> {
    let valid = |v: c_long| v == 0 || (0x0300..=TLS1_3_VERSION as c_long).contains(&v);
    match cmd {
        SSL_CTRL_SET_MIN_PROTO_VERSION if valid(larg) => {
            settings.min_version = larg as i32;
            Some(1)
        }
        SSL_CTRL_SET_MAX_PROTO_VERSION if valid(larg) => {
            settings.max_version = larg as i32;
            Some(1)
        }
        SSL_CTRL_SET_MIN_PROTO_VERSION | SSL_CTRL_SET_MAX_PROTO_VERSION => Some(0),
        SSL_CTRL_GET_MIN_PROTO_VERSION => Some(c_long::from(settings.min_version)),
        SSL_CTRL_GET_MAX_PROTO_VERSION => Some(c_long::from(settings.max_version)),
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
    ffi_boundary!(0, |s| {
        if cmd == SSL_CTRL_SET_TLSEXT_HOSTNAME {
            // SAFETY: for this command `parg` is NULL or a NUL-terminated name (this function's
            // contract); other commands may pass anything, so it is converted only here.
            let name = unsafe { c_str(parg.cast()) };
            let mut st = s.state.lock();
            st.servername = name.and_then(|n| CString::new(n).ok());
            return Some(1);
        }
        Some(s.update_settings(|c| version_ctrl(c, cmd, larg)).unwrap_or(0))
    })
}

/// The context control call behind the `SSL_CTX_sess_*` and cache macros. Unknown commands and
/// a NULL ctx give 0.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_ctrl(ctx: *mut SSL_CTX, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    ffi_boundary!(0, |ctx| {
        let _ = parg;
        let cache = &ctx.cache;
        let st = &cache.stats;
        let counter = |a: &std::sync::atomic::AtomicU64| crate::core::Stats::get(a) as c_long;
        Some(match cmd {
            SSL_CTRL_SESS_NUMBER => cache.len() as c_long,
            SSL_CTRL_SESS_CONNECT => counter(&st.connect),
            SSL_CTRL_SESS_CONNECT_GOOD => counter(&st.connect_good),
            SSL_CTRL_SESS_CONNECT_RENEGOTIATE => counter(&st.connect_renegotiate),
            SSL_CTRL_SESS_ACCEPT => counter(&st.accept),
            SSL_CTRL_SESS_ACCEPT_GOOD => counter(&st.accept_good),
            SSL_CTRL_SESS_ACCEPT_RENEGOTIATE => counter(&st.accept_renegotiate),
            SSL_CTRL_SESS_HIT => counter(&st.hits),
            SSL_CTRL_SESS_CB_HIT => counter(&st.cb_hits),
            SSL_CTRL_SESS_MISSES => counter(&st.misses),
            SSL_CTRL_SESS_TIMEOUTS => counter(&st.timeouts),
            SSL_CTRL_SESS_CACHE_FULL => counter(&st.cache_full),
            SSL_CTRL_SET_SESS_CACHE_SIZE => cache.set_size(larg as i64) as c_long,
            SSL_CTRL_GET_SESS_CACHE_SIZE => cache.size() as c_long,
            // OpenSSL stores the mode into a uint32_t without checking it.
            SSL_CTRL_SET_SESS_CACHE_MODE => cache.set_mode(larg as u32) as c_long,
            SSL_CTRL_GET_SESS_CACHE_MODE => cache.mode() as c_long,
            _ => ctx_version_ctrl(&ctx, cmd, larg).unwrap_or(0),
        })
    })
}
