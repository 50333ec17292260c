//! Every `SSL_CTX_ctrl` / `SSL_ctrl` / `*_callback_ctrl` number: the `SSL_CTX_sess_*` counters
//! and cache size and mode, protocol version bounds, modes, read-ahead, chains, groups, the
//! SNI host name, and the servername and ticket-key callbacks. An unknown command gives 0, as
//! in OpenSSL.

use libc::{c_int, c_long, c_void};
use std::ffi::CString;

use super::boundary::{SSL, SSL_CTX, c_str, ffi_boundary};
use super::callbacks::{self, ServernameCb};
use super::cert::Target;
use super::consts::*;
use crate::state::err::{self, LIB_SSL, reason};
use crate::state::settings::{ConnSettings, TLS1_3_VERSION};
use crate::tls::config::{GroupsError, group_nid, parse_groups};

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

/// The commands a context and a connection share, on the settings a connection copies.
///
/// # Safety
/// `parg` is what the command expects (a NUL-terminated list for the groups).
unsafe fn settings_ctrl(settings: &mut ConnSettings, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
    if let Some(r) = version_ctrl(settings, cmd, larg) {
        return Some(r);
    }
    Some(match cmd {
        SSL_CTRL_MODE => {
            settings.mode |= larg as u32;
            settings.mode as c_long
        }
        SSL_CTRL_CLEAR_MODE => {
            settings.mode &= !(larg as u32);
            settings.mode as c_long
        }
        SSL_CTRL_GET_READ_AHEAD => c_long::from(settings.read_ahead),
        SSL_CTRL_SET_READ_AHEAD => c_long::from(std::mem::replace(&mut settings.read_ahead, larg as i32)),
        SSL_CTRL_SET_GROUPS_LIST => {
            // SAFETY: NULL or a NUL-terminated list (the caller's promise).
            let Some(list) = (unsafe { c_str(parg.cast()) }) else { return Some(0) };
            match parse_groups(list) {
                Ok(ids) => {
                    settings.groups = Some(ids.into());
                    1
                }
                Err(GroupsError::Unknown | GroupsError::NoneSupported) => {
                    err::raise(LIB_SSL, reason::UNSUPPORTED_ELLIPTIC_CURVE);
                    0
                }
            }
        }
        // DHE is never negotiated (rustls has no DHE suite), so DH parameters, given or
        // automatic, have nothing to change; OpenSSL refuses a NULL DH.
        SSL_CTRL_SET_DH_AUTO => 1,
        SSL_CTRL_SET_TMP_DH if parg.is_null() => {
            err::raise(LIB_SSL, reason::PASSED_NULL_PARAMETER);
            0
        }
        SSL_CTRL_SET_TMP_DH => 1,
        // OCSP stapling is not supported: its settings fail, with an error.
        SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG | SSL_CTRL_SET_TLSEXT_STATUS_REQ_OCSP_RESP => {
            err::raise(LIB_SSL, reason::UNSUPPORTED_STATUS_TYPE);
            0
        }
        _ => return None,
    })
}

/// The chain commands, on a context's or a connection's certificates (drop-in only: they take
/// libcrypto objects).
///
/// # Safety
/// `parg` is what the command expects.
#[allow(unused_variables)]
unsafe fn chain_ctrl(target: Target<'_>, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
    #[cfg(feature = "libcrypto")]
    {
        // SAFETY: the caller's promise.
        unsafe { super::x509::chain_ctrl(target, cmd, larg, parg) }
    }
    #[cfg(not(feature = "libcrypto"))]
    {
        None
    }
}

/// The connection control call behind `SSL_set_tlsext_host_name`, `SSL_set_mode`,
/// `SSL_set_min_proto_version`, `SSL_session_reused` and friends. Unknown commands and NULL
/// give 0.
///
/// # Safety
/// `s` is NULL or a live connection; `parg` is what the command expects (for
/// `SSL_CTRL_SET_TLSEXT_HOSTNAME`, NULL or a NUL-terminated name).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_ctrl(s: *mut SSL, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    ffi_boundary!(0, |s| {
        match cmd {
            SSL_CTRL_SET_TLSEXT_HOSTNAME => {
                // SAFETY: for this command `parg` is NULL or a NUL-terminated name (this
                // function's contract).
                let name = unsafe { c_str(parg.cast()) };
                let mut st = s.state.lock();
                st.servername = name.and_then(|n| CString::new(n).ok());
                return Some(1);
            }
            SSL_CTRL_GET_SESSION_REUSED => return Some(c_long::from(s.state.lock().hit)),
            SSL_CTRL_GET_NUM_RENEGOTIATIONS | SSL_CTRL_CLEAR_NUM_RENEGOTIATIONS | SSL_CTRL_GET_TOTAL_RENEGOTIATIONS => {
                return Some(0);
            }
            SSL_CTRL_GET_EXTMS_SUPPORT => {
                let session = s.session();
                return Some(match session {
                    Some(sess) if !s.in_init() => {
                        c_long::from(sess.read().flags & crate::core::session::FLAG_EXTMS != 0)
                    }
                    _ => -1,
                });
            }
            SSL_CTRL_GET_NEGOTIATED_GROUP => {
                let group = s.session().map_or(0, |sess| sess.read().kex_group);
                return Some(c_long::from(group_nid(group as u16)));
            }
            _ => {}
        }
        // SAFETY: `parg` is what the command expects (this function's contract).
        if let Some(r) = unsafe { chain_ctrl(Target::Ssl(&s), cmd, larg, parg) } {
            return Some(r);
        }
        // SAFETY: as above.
        Some(s.update_settings(|c| unsafe { settings_ctrl(c, cmd, larg, parg) }).unwrap_or(0))
    })
}

/// The context control call behind the `SSL_CTX_sess_*` and cache macros, `SSL_CTX_set_mode`,
/// `SSL_CTX_set0_chain`, `SSL_CTX_set1_groups_list` and friends. Unknown commands and a NULL
/// ctx give 0.
///
/// # Safety
/// `ctx` is NULL or a live context; `parg` is what the command expects.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_ctrl(ctx: *mut SSL_CTX, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    ffi_boundary!(0, |ctx| {
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
            SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG => callbacks::set_servername_arg(&ctx, parg)?,
            #[cfg(feature = "libcrypto")]
            // SAFETY: `parg` has `larg` bytes (this function's contract).
            SSL_CTRL_SET_TLSEXT_TICKET_KEYS | SSL_CTRL_GET_TLSEXT_TICKET_KEYS => unsafe {
                super::tickets::keys_ctrl(&ctx, cmd == SSL_CTRL_SET_TLSEXT_TICKET_KEYS, larg, parg)
            },
            _ => {
                #[cfg(feature = "libcrypto")]
                // SAFETY: `parg` is what the command expects (this function's contract).
                if let Some(r) = unsafe { super::x509::ctx_chain_ctrl(&ctx, cmd, larg, parg) } {
                    return Some(r);
                }
                // SAFETY: as above.
                if let Some(r) = unsafe { chain_ctrl(Target::Ctx(&ctx), cmd, larg, parg) } {
                    return Some(r);
                }
                // SAFETY: as above.
                unsafe { settings_ctrl(&mut ctx.tls.write().conn, cmd, larg, parg) }.unwrap_or(0)
            }
        })
    })
}

/// The context's callback setters: `SSL_CTX_set_tlsext_servername_callback` and
/// `SSL_CTX_set_tlsext_ticket_key_cb`. The OCSP status callback is not supported (0, with
/// `SSL_R_UNSUPPORTED_STATUS_TYPE`); unknown commands give 0.
///
/// # Safety
/// `ctx` is NULL or a live context; `fp` is NULL or a function of the type the command expects.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_callback_ctrl(
    ctx: *mut SSL_CTX,
    cmd: c_int,
    fp: Option<unsafe extern "C" fn()>,
) -> c_long {
    ffi_boundary!(0, |ctx| {
        match cmd {
            SSL_CTRL_SET_TLSEXT_SERVERNAME_CB => {
                // SAFETY: for this command `fp` is a servername callback (the caller's promise).
                let cb = fp.map(|f| unsafe { callbacks::restore::<ServernameCb>(f) });
                callbacks::set_servername_cb(&ctx, cb)
            }
            SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB => super::tickets::set_ticket_key_cb(&ctx, fp),
            SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB => {
                // OCSP stapling is not supported.
                err::raise(LIB_SSL, reason::UNSUPPORTED_STATUS_TYPE);
                Some(0)
            }
            _ => Some(0),
        }
    })
}

/// The connection's callback setters: none is supported (0), as for unknown commands.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_callback_ctrl(s: *mut SSL, cmd: c_int, fp: Option<unsafe extern "C" fn()>) -> c_long {
    ffi_boundary!(0, |s| {
        let _ = (s, cmd, fp);
        Some(0)
    })
}
